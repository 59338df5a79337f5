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
from leadership_eval.reports.publish import CATEGORIES, _category_of, publish

SECRET = b"benchmark report key, 32 bytes.."
LEAVERS = 60


def utility(data: pd.DataFrame, policy: DisclosurePolicy) -> None:
    survey = as_survey("trainee-survey")
    an = analyse(survey, data, policy=policy)
    t0 = time.perf_counter()
    pub, _ = publish(an, SECRET)
    seconds = time.perf_counter() - t0
    diffs: dict[str, list[float]] = {"<20": [], "20-39": [], ">=40": []}
    shown = total = 0
    for item in pub.items:
        cl = survey.choices_for(item.item_id)
        assert cl is not None
        cats = _category_of(an.clean[item.item_id], cl)
        for g in pub.groups:
            row = item.rows[g.code]
            total += 1
            if row.status != "shown" or row.percents is None:
                shown += row.status == "dominated"
                continue
            shown += 1
            mine = cats[an.row_key == g.code].dropna()
            exact = {c: 100 * float((mine == c).mean()) for c in CATEGORIES}
            n = len(mine)
            band = "<20" if n < 20 else "20-39" if n < 40 else ">=40"
            diffs[band].extend(abs(p - exact[c]) for c, p in row.percents)
    print(f"  publication of the trainee survey: {seconds:.2f} s")
    _figures.record(
        f"publish the trainee survey ({policy.perturbation.method})", _figures.seconds(seconds)
    )
    print(f"  statement rows shown at trust level (bars or 'almost all'): {shown}/{total}")
    for band, values in diffs.items():
        if values:
            print(
                f"  trusts with {band:>5} answers: published % within "
                f"{np.mean(values):.1f} points of the exact % on average "
                f"(95th percentile {np.percentile(values, 95):.0f})"
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
    for pos in leavers:
        leaver = candidates[pos]
        code = str(an.row_key[leaver])
        second, _ = publish(analyse(survey, data.drop(index=leaver), policy=policy), SECRET)
        after = {i.item_id: i for i in second.items}
        for item_id, item in items.items():
            cl = survey.choices_for(item_id)
            assert cl is not None
            truth = _category_of(an.clean.loc[[leaver], item_id], cl).iloc[0]
            a, b, region = item.rows[code], after[item_id].rows[code], item.rows["Region"]
            if (
                pd.isna(truth)
                or a.percents is None
                or b.percents is None
                or region.percents is None
            ):
                continue
            prior = np.array([max(p, 1) for _, p in region.percents], dtype=float)
            prior /= prior.sum()
            guess_modal = CATEGORIES[int(np.argmax(prior))]
            na, nb = a.n or 0, b.n or 0
            ca = np.array([p for _, p in a.percents]) * na / 100
            cb = np.array([p for _, p in b.percents]) * nb / 100
            change = cb - ca
            fell = int(np.argmin(change))
            guess_naive = CATEGORIES[fell] if change[fell] < 0 else guess_modal
            # noise of each implied count: the perturbation twice, and the percent steps
            sd = math.sqrt(
                2 * pert.variance + 2 * (pert.percent_step / 100 * max(na, nb)) ** 2 / 12
            )
            loglik = [
                -float(np.sum((change + np.eye(len(CATEGORIES))[k]) ** 2)) / (2 * sd**2)
                + math.log(prior[k])
                for k in range(len(CATEGORIES))
            ]
            guess_informed = CATEGORIES[int(np.argmax(loglik))]
            naive += guess_naive == truth
            informed += guess_informed == truth
            modal += guess_modal == truth
            total += 1
    print(
        f"  {LEAVERS} leavers, {total} answers: naive intruder {naive / total:.3f}, informed "
        f"intruder {informed / total:.3f}, guessing the region's modal answer "
        f"{modal / total:.3f} (SE {math.sqrt(0.25 / total):.3f})"
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
