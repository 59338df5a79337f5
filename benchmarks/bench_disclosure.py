"""What the reports' protection costs and what it stops: utility loss and intruders' success.

On the simulated 19-trust evaluation (``leadership_eval.demo.simulate_evaluation``), for the
trainee survey, under the default policy:

* **utility**: how far the published percentages of each statement are from the exact ones
  (mean absolute difference, in percentage points, by trust size), how far the published means
  are from the exact ones, and the share of statement rows shown at trust level;
* **differencing**: for many random leavers, the reports of the data with and without the
  leaver are compared by two intruders, and their share of the leaver's answers recovered is
  printed beside the baseline of guessing the region's most common answer:

  - the *naive* intruder takes the category whose published share fell (it recovered every
    answer from the reports of leadership-eval 0.1.0);
  - the *informed* intruder knows the perturbation table and combines the change of every
    category with the region's shares as a prior (a Bayes classifier under a normal
    approximation of the noise): the best this release allows, and the number the methods
    page quotes as what the protection does not stop.

The peer is the exact release (perturbation off), which the naive intruder defeats entirely.
"""

from __future__ import annotations

import math
import time

import _figures
import numpy as np
import pandas as pd

from leadership_eval.demo import simulate_evaluation
from leadership_eval.instruments.loader import as_survey
from leadership_eval.policy import DisclosurePolicy
from leadership_eval.reports.analyse import analyse
from leadership_eval.reports.forms import levels_for
from leadership_eval.reports.publish import publish

SECRET = b"benchmark report key, 32 bytes.."
LEAVERS = 60


def _groups(survey: object, item_id: str, level: str | None) -> list[tuple[int, ...]] | None:
    cl = survey.choices_for(item_id)  # type: ignore[attr-defined]
    for lv in levels_for(cl):
        if lv.name == level:
            return list(lv.groups)
    return None


def utility(data: pd.DataFrame, policy: DisclosurePolicy) -> None:
    survey = as_survey("trainee-survey")
    an = analyse(survey, data, policy=policy)
    t0 = time.perf_counter()
    pub, _ = publish(an, SECRET)
    seconds = time.perf_counter() - t0
    diffs: dict[str, list[float]] = {"<20": [], "20-39": [], ">=40": []}
    shown = total = 0
    forms: dict[str, int] = {}
    for item in pub.items:
        values = pd.to_numeric(an.clean[item.item_id], errors="coerce")
        for g in pub.groups:
            row = item.rows[g.code]
            if row.status == "missing":
                continue
            total += 1
            forms[str(row.level if row.status != "dominated" else "almost all")] = (
                forms.get(str(row.level if row.status != "dominated" else "almost all"), 0) + 1
            )
            if row.status in ("shown", "dominated"):
                shown += 1
            if row.status != "shown" or row.percents is None:
                continue
            mine = values[(an.row_key == g.code).to_numpy()].dropna()
            groups = _groups(survey, item.item_id, row.level)
            assert groups is not None
            exact = [100 * float(mine.isin(grp).mean()) for grp in groups]
            n = len(mine)
            band = "<20" if n < 20 else "20-39" if n < 40 else ">=40"
            diffs[band].extend(abs(p - e) for (_, p), e in zip(row.percents, exact, strict=True))
    print(f"  publication of the trainee survey: {seconds:.2f} s")
    _figures.record(
        f"publish the trainee survey ({policy.perturbation.method})", _figures.seconds(seconds)
    )
    print(
        f"  statement rows shown at trust level: {shown}/{total} "
        f"({100 * shown / total:.1f} %); forms: {forms}"
    )
    for band, vals in diffs.items():
        if vals:
            print(
                f"  trusts with {band:>5} answers: published % within "
                f"{np.mean(vals):.1f} points of the exact % on average "
                f"(95th percentile {np.percentile(vals, 95):.0f})"
            )
    mean_diffs = []
    for scale in pub.scales:
        cmp = an.comparisons[scale.scale_id]
        for g in pub.groups:
            r = scale.rows[g.code]
            if r.status == "shown" and r.mean is not None:
                mean_diffs.append(abs(r.mean - float(cmp.loc[g.code, "mean"])))
    print(f"  scale means within {np.mean(mean_diffs):.3f} of the exact mean on average")


def differencing(data: pd.DataFrame, policy: DisclosurePolicy, rng: np.random.Generator) -> None:
    survey = as_survey("trainee-survey")
    an = analyse(survey, data, policy=policy)
    first, _ = publish(an, SECRET)
    pert = policy.perturbation
    naive = informed = modal = total = 0
    candidates = an.clean.index[an.row_key.isin(an.reported).to_numpy()]
    leavers = rng.choice(len(candidates), size=LEAVERS, replace=False)
    items = {i.item_id: i for i in first.items}
    binary = [(1, 2, 3), (4, 5)]  # agree (top two) against the rest: every form shows it
    for pos in leavers:
        leaver = candidates[pos]
        code = str(an.row_key[leaver])
        second, _ = publish(analyse(survey, data.drop(index=leaver), policy=policy), SECRET)
        after = {i.item_id: i for i in second.items}
        for item_id, item in items.items():
            answer = pd.to_numeric(an.clean.loc[leaver, item_id], errors="coerce")
            a, b, region = item.rows[code], after[item_id].rows[code], item.rows["Region"]
            if pd.isna(answer) or a.agree is None or b.agree is None or region.agree is None:
                continue
            truth = 1 if int(answer) in binary[1] else 0
            prior = np.array([max(100 - region.agree, 1), max(region.agree, 1)], dtype=float)
            prior /= prior.sum()
            guess_modal = int(np.argmax(prior))
            na, nb = a.n or 0, b.n or 0
            ca = np.array([100 - a.agree, a.agree]) * na / 100
            cb = np.array([100 - b.agree, b.agree]) * nb / 100
            change = cb - ca
            fell = int(np.argmin(change))
            guess_naive = fell if change[fell] < 0 else guess_modal
            # noise of each implied count: the perturbation twice, and the percent steps
            sd = math.sqrt(
                2 * pert.variance + 2 * (pert.percent_step / 100 * max(na, nb)) ** 2 / 12
            )
            loglik = [
                -float(np.sum((change + np.eye(2)[k]) ** 2)) / (2 * sd**2) + math.log(prior[k])
                for k in range(2)
            ]
            guess_informed = int(np.argmax(loglik))
            naive += guess_naive == truth
            informed += guess_informed == truth
            modal += guess_modal == truth
            total += 1
    print(
        f"  {LEAVERS} leavers, {total} answers (agree or not): naive intruder "
        f"{naive / total:.3f}, informed intruder {informed / total:.3f}, guessing the region's "
        f"modal answer {modal / total:.3f} (SE {math.sqrt(0.25 / total):.3f})"
    )


def main() -> None:
    data = simulate_evaluation(seed=2024).trainees
    rng = np.random.default_rng(1)
    default = DisclosurePolicy.resolve("default")
    exact = default.model_copy(
        update={"perturbation": default.perturbation.model_copy(update={"method": "none"})}
    )
    print("default policy (cell-key perturbation):")
    utility(data, default)
    differencing(data, default, rng)
    print("peer: the same release without perturbation:")
    utility(data, exact)
    differencing(data, exact, np.random.default_rng(1))
