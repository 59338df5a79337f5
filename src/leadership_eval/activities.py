"""Mentor activities (objectives O1, O3-O5): what mentors did, and whether it relates to outcomes.

:func:`summarise_activities` turns the mentor activity log (bundled survey
``mentor-activity-log``) into one row per trust: activities by type, trainees reached, grades
and partners involved. :func:`relate_activity_outcomes` sets a trust-level exposure (e.g.
activities or trainees reached) beside trainees' survey outcomes, with a rank correlation across
trusts and a multilevel model of trainees within trusts, and says plainly how little 19 trusts
can show.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import ConfigurationError, DataError
from .instruments.loader import as_survey
from .instruments.models import Survey
from .policy import DisclosurePolicy

__all__ = [
    "ActivityOutcome",
    "minimum_detectable_r",
    "relate_activity_outcomes",
    "summarise_activities",
]


def _survey(survey: Survey | str | Path | None) -> Survey:
    return as_survey("mentor-activity-log" if survey is None else survey)


def _multi(log: pd.DataFrame, item: str, codes: list[Any]) -> pd.DataFrame | None:
    """0/1 indicator frame of a multi_choice item in raw or clean layout (None if absent)."""
    wanted = [str(c) for c in codes]
    cols = [f"{item}__{c}" for c in wanted]
    if all(c in log.columns for c in cols):
        return (
            log[cols]
            .apply(pd.to_numeric, errors="coerce")
            .fillna(0)
            .astype("int64")
            .set_axis(wanted, axis=1)
        )
    if item not in log.columns:
        return None
    text = log[item].astype(object).where(log[item].notna(), "").astype(str)
    tokens = text.str.split()
    exploded = tokens.explode()
    unknown = sorted(set(exploded.dropna()) - set(wanted) - {""})
    if unknown:
        rows = exploded[exploded.isin(unknown)].index.unique()
        raise DataError(
            f"column {item!r} holds code(s) not in its choice list: {', '.join(unknown)} "
            f"(rows {', '.join(map(repr, rows[:10]))})",
            code="invalid-code",
        )
    dummies = pd.crosstab(exploded.index, exploded).reindex(
        index=log.index, columns=wanted, fill_value=0
    )
    return dummies.fillna(0).astype("int64")


def summarise_activities(
    log: pd.DataFrame,
    survey: Survey | str | Path | None = None,
    *,
    group: str = "trust",
    policy: DisclosurePolicy | str | None = None,
) -> pd.DataFrame:
    """Summarise the mentor activity log per trust.

    Parameters
    ----------
    log : pandas.DataFrame
        Activity records in raw or clean form (one row per activity).
    survey : Survey, path or bundled id, optional
        The log's instrument (default: the bundled ``mentor-activity-log``).
    group : str
        The column to summarise by (default ``trust``). Every code of its choice list gets a row,
        with zeros for a trust that logged nothing; a missing value is a group of its own.
    policy : DisclosurePolicy or preset name, optional
        Give it when the summary is to be PUBLISHED: ``trainees_reached`` totals from 1 to
        ``min_cell - 1`` are then suppressed (NA) and counts of people rounded to the policy's
        base. Counts of activities are not counts of people and are not suppressed. Without a
        policy the exact figures are returned, for analysis.

    Returns
    -------
    pandas.DataFrame
        One row per group (index: the group values), columns:

        * ``n_activities``;
        * ``activity_<code>``: activities of each type (the survey's ``activity_type`` list;
          ``activity_missing`` counts records without one, such as mentor work with no
          trainee activity);
        * ``work_<code>``: records of each kind of mentor work (``mentor_activity``: signposting,
          brokering, delivering... developing supervisors, advocacy), when logged;
        * ``part_<code>``: by the mentor's part, for logs of version 1 (``mentor_part``);
        * ``trainees_reached``: total trainees reached (the sum of the records' estimates;
          one trainee reached by two activities counts twice);
        * ``mentor_hours``: total mentor hours, when logged;
        * ``grade_<code>``: activities that reached each grade band (``grades_reached``);
        * ``partner_<code>``: activities involving each partner.

    Raises
    ------
    DataError
        Missing columns, codes not in the choice lists, or non-numeric counts.

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.activities import summarise_activities
    >>> log = pd.DataFrame({
    ...     "trust": ["t01", "t01", "t02"],
    ...     "activity_type": ["qi", "course", "qi"],
    ...     "mentor_activity": ["brokering", "delivering", "signposting"],
    ...     "trainees_reached": [3.0, 12.0, 6.0],
    ...     "grades_reached": ["fy1 fy2", "core", "fy1"],
    ... })
    >>> out = summarise_activities(log)
    >>> out.loc[["t01", "t02", "t03"], ["n_activities", "activity_qi", "trainees_reached",
    ...                                 "grade_fy1"]]
           n_activities  activity_qi  trainees_reached  grade_fy1
    trust
    t01               2            1              15.0          1
    t02               1            1               6.0          1
    t03               0            0               0.0          0
    """
    from .compare import _check_column, _numeric, _resolve_policy

    if not isinstance(log, pd.DataFrame):
        raise DataError(f"log must be a DataFrame, not {type(log).__name__}", code="bad-argument")
    sv = _survey(survey)
    for col in (group, "activity_type", "trainees_reached"):
        _check_column(log, col, "activity log")
    keys = log[group]
    gitem = sv.item(group) if group in {i.id for i in sv.items} else None
    gcl = sv.choices_for(gitem) if gitem is not None else None
    groups: list[Any] = [str(c) for c in gcl.codes] if gcl is not None else []
    present = [g for g in pd.unique(keys.dropna().astype(str)) if g not in groups]
    if gcl is not None and present:
        raise DataError(
            f"column {group!r} holds value(s) not in its choice list: {', '.join(present[:10])}",
            code="invalid-code",
        )
    groups = groups or sorted(present)
    has_na = bool(keys.isna().any())
    index = pd.Index(groups + ([np.nan] if has_na else []), name=group)
    key = (
        keys.astype(object)
        .where(keys.notna(), np.nan)
        .map(lambda v: v if isinstance(v, float) else str(v))
    )

    def per_group(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.groupby(key, dropna=False).sum().reindex(index, fill_value=0)

    out = pd.DataFrame(index=index)
    out["n_activities"] = key.groupby(key, dropna=False).size().reindex(index, fill_value=0)
    known = {i.id for i in sv.items}
    for item, prefix in (
        ("activity_type", "activity"),
        ("mentor_activity", "work"),
        ("mentor_part", "part"),
    ):
        if item not in log.columns or item not in known:
            continue
        item_cl = sv.choices_for(item)
        codes = [str(c) for c in (item_cl.codes if item_cl is not None else [])]
        vals = log[item].astype(object).where(log[item].notna(), None)
        bad = vals.notna() & ~vals.astype(str).isin(codes)
        if bad.any():
            rows = log.index[bad.to_numpy()]
            raise DataError(
                f"column {item!r} holds code(s) not in its choice list: "
                f"{sorted(set(vals[bad].astype(str)))} (rows {list(rows[:10])})",
                code="invalid-code",
            )
        dummies = pd.get_dummies(vals.astype("object")).reindex(columns=codes, fill_value=0)
        dummies = dummies.astype("int64").add_prefix(f"{prefix}_")
        if vals.isna().any():
            dummies[f"{prefix}_missing"] = vals.isna().astype("int64").to_numpy()
        out = out.join(per_group(dummies))
    reached = pd.Series(_numeric(log["trainees_reached"], "trainees_reached"), index=log.index)
    out["trainees_reached"] = per_group(reached.fillna(0).to_frame("x"))["x"].astype(float)
    if "mentor_hours" in log.columns:
        hours = pd.Series(_numeric(log["mentor_hours"], "mentor_hours"), index=log.index)
        out["mentor_hours"] = per_group(hours.fillna(0).to_frame("x"))["x"].astype(float)
    for item, prefix in (("grades_reached", "grade"), ("partners", "partner")):
        cl = sv.choices_for(item) if item in {i.id for i in sv.items} else None
        if cl is None:
            continue
        ind = _multi(log, item, list(cl.codes))
        if ind is not None:
            out = out.join(per_group(ind.add_prefix(f"{prefix}_")))
    int_cols = [c for c in out.columns if c not in ("trainees_reached", "mentor_hours")]
    out[int_cols] = out[int_cols].astype("int64")
    if policy is not None:
        pol = _resolve_policy(policy)
        tr = out["trainees_reached"]
        small = (tr > 0) & (tr < pol.min_cell)
        if pol.rounding:
            tr = (tr / pol.rounding).round() * pol.rounding
        out["trainees_reached"] = tr.mask(small)
    return out


def minimum_detectable_r(n: int, *, power: float = 0.8, alpha: float = 0.05) -> float:
    """Smallest correlation a two-sided test on ``n`` pairs detects with the given power.

    Solves :math:`\\sqrt{n-3}\\,\\big(\\operatorname{artanh} r + r/(2(n-1))\\big) = z_{1-\\alpha/2}
    + z_{power}` (the Fisher-z approximation with the bias term used by R's
    ``pwr::pwr.r.test``), ignoring the negligible far tail.

    Examples
    --------
    >>> from leadership_eval.activities import minimum_detectable_r
    >>> round(minimum_detectable_r(19), 2)
    0.59
    """
    from scipy import optimize, stats

    if n < 5:
        raise ConfigurationError(f"need at least 5 pairs for a power calculation; found {n}")
    target = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)

    def gap(r: float) -> float:
        return math.sqrt(n - 3) * (math.atanh(r) + r / (2 * (n - 1))) - target

    return float(optimize.brentq(gap, 1e-9, 1 - 1e-12))


@dataclass(frozen=True)
class ActivityOutcome:
    """The result of :func:`relate_activity_outcomes`.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per trust: the exposure, the number of trainees and their mean outcome.
    spearman : pandas.DataFrame
        One row: ``n_groups``, ``rho``, ``ci_low``, ``ci_high`` (Fisher z), ``p_value``,
        ``boot_ci_low``, ``boot_ci_high`` (percentile bootstrap over trusts).
    model : pandas.DataFrame
        The multilevel model's fixed effects: ``term``, ``coef``, ``se``, ``ci_low``,
        ``ci_high``, ``p_value``.
    icc : float
        Intraclass correlation of the outcome from the model without the exposure: the share of
        variance between trusts.
    icc_conditional : float
        The same, with the exposure in the model.
    min_detectable_r : float
        The smallest correlation detectable at 80 % power, two-sided alpha 0.05, with this many
        trusts.
    caveat : str
        A plain statement of what this many trusts can and cannot show.
    """

    data: pd.DataFrame = field(repr=False)
    spearman: pd.DataFrame
    model: pd.DataFrame
    icc: float
    icc_conditional: float
    min_detectable_r: float
    caveat: str

    def __str__(self) -> str:
        s = self.spearman.iloc[0]
        m = self.model.set_index("term")
        ex = m.index[-1]
        lines = [
            f"Spearman rank correlation across {int(s['n_groups'])} trusts: rho = "
            f"{s['rho']:.2f} (95% CI {s['ci_low']:.2f} to {s['ci_high']:.2f}), "
            f"p = {s['p_value']:.3g}",
            f"Multilevel model (trainees within trusts, random intercept): {ex} coefficient "
            f"{m.loc[ex, 'coef']:.3g} (95% CI {m.loc[ex, 'ci_low']:.3g} to "
            f"{m.loc[ex, 'ci_high']:.3g}), p = {m.loc[ex, 'p_value']:.3g}",
            f"ICC (share of outcome variance between trusts): {self.icc:.3f}",
            f"Caveat: {self.caveat}",
        ]
        return "\n".join(lines)


def relate_activity_outcomes(
    activity_summary: pd.DataFrame,
    trainee_scores: pd.DataFrame,
    *,
    group: str = "trust",
    outcome: str,
    exposure: str = "n_activities",
    n_boot: int = 2000,
    seed: int | None = 0,
) -> ActivityOutcome:
    """Relate a trust-level mentor activity measure to trainees' outcomes.

    Parameters
    ----------
    activity_summary : pandas.DataFrame
        One row per trust (e.g. from :func:`summarise_activities`): the group as index or a
        ``group`` column, and the ``exposure`` column.
    trainee_scores : pandas.DataFrame
        One row per trainee: the ``group`` column and the ``outcome`` column (e.g. a scale
        score). Trainees with a missing outcome are left out; trainees whose trust is not in the
        summary are an error.
    group : str
    outcome : str
        The trainee-level outcome column.
    exposure : str
        The trust-level exposure column (default ``n_activities``).
    n_boot : int
        Bootstrap resamples of trusts for the percentile CI of rho (0 to skip).
    seed : int, optional

    Returns
    -------
    ActivityOutcome
        ``str(result)`` prints the estimates and the caveat.

    Notes
    -----
    * Spearman's :math:`\\rho` between the exposure and the trusts' mean outcome; its CI uses
      Fisher's z with the Fieller, Hartley & Pearson (1957) variance
      :math:`1.06/(n-3)`: :math:`\\tanh(\\operatorname{artanh}\\rho \\pm z_{0.975}
      \\sqrt{1.06/(n-3)})`, and a percentile bootstrap over trusts.
    * A linear mixed model (statsmodels ``MixedLM``, REML): :math:`y_{ij} = \\beta_0 + \\beta_1
      x_j + u_j + e_{ij}`, :math:`u_j \\sim N(0, \\tau^2)`, :math:`e_{ij} \\sim N(0, \\sigma^2)`
      for trainee :math:`i` in trust :math:`j`; Wald CIs. ICC :math:`= \\tau^2/(\\tau^2 +
      \\sigma^2)` from the model without :math:`x`.
    * With :math:`J` trusts the correlation has :math:`J` pairs whatever the number of
      trainees; the minimum detectable correlation is :func:`minimum_detectable_r`. An
      association across trusts is not evidence that an activity causes better outcomes.

    References
    ----------
    Fieller EC, Hartley HO, Pearson ES. Tests for rank correlation coefficients. I. Biometrika
    1957; 44(3/4): 470-481. doi:10.2307/2332878

    Snijders TAB, Bosker RJ. Multilevel analysis: an introduction to basic and advanced
    multilevel modeling. 2nd ed. London: Sage; 2012.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from leadership_eval.activities import relate_activity_outcomes
    >>> rng = np.random.default_rng(1)
    >>> summary = pd.DataFrame({"n_activities": np.arange(19)},
    ...                        index=pd.Index([f"t{i:02d}" for i in range(19)], name="trust"))
    >>> trust = np.repeat(summary.index, 30)
    >>> y = 3 + 0.03 * np.repeat(summary["n_activities"], 30).to_numpy() + rng.normal(0, 0.6, 570)
    >>> res = relate_activity_outcomes(summary, pd.DataFrame({"trust": trust, "lead": y}),
    ...                                outcome="lead", n_boot=200)
    >>> round(res.min_detectable_r, 2), int(res.spearman["n_groups"].iloc[0])
    (0.59, 19)
    """
    import warnings

    import statsmodels.formula.api as smf
    from scipy import stats

    from .compare import _check_column, _numeric

    if not isinstance(activity_summary, pd.DataFrame) or not isinstance(
        trainee_scores, pd.DataFrame
    ):
        raise DataError(
            "activity_summary and trainee_scores must be DataFrames", code="bad-argument"
        )
    summ = activity_summary
    if group in summ.columns:
        summ = summ.set_index(group)
    _check_column(summ, exposure, "exposure")
    _check_column(trainee_scores, group, "group")
    _check_column(trainee_scores, outcome, "outcome")
    x = pd.Series(_numeric(summ[exposure], exposure), index=summ.index.astype(str))
    y = pd.Series(_numeric(trainee_scores[outcome], outcome), index=trainee_scores.index)
    g = trainee_scores[group].astype(object).where(trainee_scores[group].notna(), None)
    unknown = sorted(set(g.dropna().astype(str)) - set(x.index))
    if unknown:
        raise DataError(
            f"trainees' {group} value(s) not in the activity summary: {', '.join(unknown[:10])}",
            code="unknown-group",
        )
    keep = y.notna() & g.notna()
    df = pd.DataFrame({"g": g[keep].astype(str), "y": y[keep]})
    df["x"] = x.loc[df["g"]].to_numpy()
    df = df[df["x"].notna()]
    per = df.groupby("g").agg(n=("y", "size"), mean_outcome=("y", "mean"), exposure=("x", "first"))
    per = per.rename(columns={"exposure": exposure})
    j = len(per)
    if j < 5:
        raise DataError(
            f"need trainees in at least 5 trusts to relate activities; found {j}",
            code="too-few-groups",
        )
    rho, p = stats.spearmanr(per[exposure], per["mean_outcome"])
    rho = float(rho)
    half = stats.norm.ppf(0.975) * math.sqrt(1.06 / (j - 3))
    zr = math.atanh(max(min(rho, 1 - 1e-12), -1 + 1e-12))
    boot_lo = boot_hi = float("nan")
    if n_boot:
        rng = np.random.default_rng(seed)
        idx = rng.integers(0, j, size=(n_boot, j))
        xs = per[exposure].to_numpy()[idx]
        ys = per["mean_outcome"].to_numpy()[idx]
        rx = stats.rankdata(xs, axis=1)
        ry = stats.rankdata(ys, axis=1)
        rx -= rx.mean(axis=1, keepdims=True)
        ry -= ry.mean(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            r_b = (rx * ry).sum(axis=1) / np.sqrt((rx**2).sum(axis=1) * (ry**2).sum(axis=1))
        r_b = r_b[np.isfinite(r_b)]
        if len(r_b):
            boot_lo, boot_hi = (float(v) for v in np.quantile(r_b, [0.025, 0.975]))
    spearman = pd.DataFrame(
        [
            {
                "n_groups": j,
                "rho": rho,
                "ci_low": math.tanh(zr - half),
                "ci_high": math.tanh(zr + half),
                "p_value": float(p),
                "boot_ci_low": boot_lo,
                "boot_ci_high": boot_hi,
            }
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        null = smf.mixedlm("y ~ 1", df, groups=df["g"]).fit(reml=True)
        full = smf.mixedlm("y ~ x", df, groups=df["g"]).fit(reml=True)

    def icc(fit: Any) -> float:
        tau2 = float(np.asarray(fit.cov_re)[0, 0])
        return tau2 / (tau2 + float(fit.scale))

    ci = full.conf_int()
    terms = ["Intercept", "x"]
    model = pd.DataFrame(
        {
            "term": ["intercept", exposure],
            "coef": [float(full.fe_params[t]) for t in terms],
            "se": [float(full.bse_fe[t]) for t in terms],
            "ci_low": [float(ci.loc[t, 0]) for t in terms],
            "ci_high": [float(ci.loc[t, 1]) for t in terms],
            "p_value": [float(full.pvalues[t]) for t in terms],
        }
    )
    mdr = minimum_detectable_r(j)
    caveat = (
        f"with {j} trusts, only a correlation of about {mdr:.2f} or stronger would be detected "
        "with 80% power (two-sided alpha 0.05); smaller but real associations will usually be "
        "missed, the confidence intervals are wide, and an association across trusts does not "
        "show that an activity causes better outcomes. The number of trainees does not add "
        "power to a trust-level comparison."
    )
    return ActivityOutcome(
        data=per,
        spearman=spearman,
        model=model,
        icc=icc(null),
        icc_conditional=icc(full),
        min_detectable_r=mdr,
        caveat=caveat,
    )
