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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._codes import code_text, indicator_frame
from .._frames import check_columns, check_frame, failure_rows, numeric
from ..errors import ArgumentError, ConfigurationError, DataError
from ..instruments.loader import as_survey
from ..instruments.models import Item, Survey, text_in
from ..mixed import MixedModelResult
from ..policy import DisclosurePolicy

__all__ = [
    "MENTOR_ORIGINS",
    "ActivityOutcome",
    "MostHelpful",
    "UptakeModel",
    "activity_origins",
    "minimum_detectable_r",
    "model_activity_uptake",
    "most_helpful_activities",
    "origin_items",
    "relate_activity_outcomes",
    "summarise_activities",
]


def _survey(survey: Survey | str | Path | None) -> Survey:
    return as_survey("mentor-activity-log" if survey is None else survey)


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

    check_frame(log, "log")
    sv = _survey(survey)
    for col in (group, "activity_type", "trainees_reached"):
        check_columns(log, col, "activity log")
    keys = log[group]
    gitem = sv.item(group) if group in {i.id for i in sv.items} else None
    gcl = sv.choices_for(gitem) if gitem is not None else None
    groups: list[Any] = [str(c) for c in gcl.codes] if gcl is not None else []
    present = [g for g in pd.unique(keys.dropna().astype(str)) if g not in groups]
    if gcl is not None and present:
        raise DataError(
            f"column {group!r} holds value(s) not in its choice list: {', '.join(present[:10])}",
            code="invalid-code",
            failure_cases=failure_rows(keys, keys.astype(str).isin(present), group),
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
                failure_cases=failure_rows(log[item], bad, item),
            )
        dummies = pd.get_dummies(vals.astype("object")).reindex(columns=codes, fill_value=0)
        dummies = dummies.astype("int64").add_prefix(f"{prefix}_")
        if vals.isna().any():
            dummies[f"{prefix}_missing"] = vals.isna().astype("int64").to_numpy()
        out = out.join(per_group(dummies))
    reached = pd.Series(numeric(log["trainees_reached"], "trainees_reached"), index=log.index)
    out["trainees_reached"] = per_group(reached.fillna(0).to_frame("x"))["x"].astype(float)
    if "mentor_hours" in log.columns:
        hours = pd.Series(numeric(log["mentor_hours"], "mentor_hours"), index=log.index)
        out["mentor_hours"] = per_group(hours.fillna(0).to_frame("x"))["x"].astype(float)
    for item, prefix in (("grades_reached", "grade"), ("partners", "partner")):
        cl = sv.choices_for(item) if item in {i.id for i in sv.items} else None
        if cl is None:
            continue
        ind = indicator_frame(log, item, list(cl.codes), strict=True)
        if ind is not None:
            out = out.join(per_group(ind.add_prefix(f"{prefix}_")))
    int_cols = [c for c in out.columns if c not in ("trainees_reached", "mentor_hours")]
    out[int_cols] = out[int_cols].astype("int64")
    if policy is not None:
        pol = DisclosurePolicy.resolve(policy)
        tr = out["trainees_reached"]
        small = (tr > 0) & (tr < pol.min_cell)
        if pol.rounding:
            tr = (tr / pol.rounding).round() * pol.rounding
        out["trainees_reached"] = tr.mask(small)
    return out


def minimum_detectable_r(n: int, *, power: float = 0.8, alpha: float = 0.05) -> float:
    """Smallest correlation a two-sided test on ``n`` pairs detects with the given power, as
    R's ``pwr::pwr.r.test(n = n, power = power, sig.level = alpha)`` computes it.

    Parameters
    ----------
    n : int
        Pairs (e.g. trusts).
    power : float
    alpha : float
        Two-sided significance level.

    Returns
    -------
    float

    Notes
    -----
    pwr's approximation (Cohen 1988, ch. 3): the critical correlation is
    :math:`r_c = \\sqrt{t^2/(t^2 + n - 2)}` with :math:`t = t_{1-\\alpha/2,\\,n-2}`, and the power
    at :math:`r` is :math:`\\Phi\\big((z_r - z_c)\\sqrt{n-3}\\big) + \\Phi\\big((-z_r - z_c)
    \\sqrt{n-3}\\big)` with :math:`z_r = \\operatorname{artanh} r + r/(2(n-1))` and :math:`z_c =
    \\operatorname{artanh} r_c`. This function solves power = ``power`` for :math:`r` to
    :math:`10^{-12}` (pwr's ``uniroot`` stops at about :math:`10^{-4}`: 0.5951 at 19 pairs).

    References
    ----------
    Cohen J. Statistical power analysis for the behavioral sciences. 2nd ed. Hillsdale, NJ:
    Lawrence Erlbaum; 1988.

    Champely S. pwr: basic functions for power analysis. R package.
    https://CRAN.R-project.org/package=pwr

    Examples
    --------
    >>> from leadership_eval.activities import minimum_detectable_r
    >>> round(minimum_detectable_r(19), 4)
    0.5951
    """
    from scipy import optimize, stats

    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 5:
        raise ConfigurationError(f"need at least 5 pairs for a power calculation; found {n!r}")
    if not 0 < power < 1 or not 0 < alpha < 1:
        raise ConfigurationError("power and alpha must lie between 0 and 1")
    t = float(stats.t.isf(alpha / 2, n - 2))
    zc = math.atanh(math.sqrt(t * t / (t * t + n - 2)))
    root = math.sqrt(n - 3)

    def gap(r: float) -> float:
        zr = math.atanh(r) + r / (2 * (n - 1))
        return float(stats.norm.cdf((zr - zc) * root) + stats.norm.cdf((-zr - zc) * root)) - power

    return float(optimize.brentq(gap, 1e-10, 1 - 1e-10, xtol=1e-14))


@dataclass(frozen=True)
class ActivityOutcome:
    """The result of :func:`relate_activity_outcomes`.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per trust: ``n`` (trainees), ``mean_outcome``, the exposure as given and, when
        normalised, ``exposure_rate`` (the exposure divided by the ``per`` columns).
    spearman : pandas.DataFrame
        One row: ``n_groups``, ``rho``, ``ci_low``, ``ci_high`` (Fisher z), ``p_value`` (as R's
        ``cor.test(method = "spearman")``: AS 89 without ties, :math:`t_{J-2}` with ties),
        ``method``, ``boot_ci_low``, ``boot_ci_high`` (percentile bootstrap over trusts).
    model : pandas.DataFrame
        The multilevel model's fixed effects: ``term``, ``coef``, ``se``, ``df``
        (Satterthwaite), ``ci_low``, ``ci_high``, ``p_value`` (t on ``df``).
    icc : float
        Intraclass correlation of the outcome from the model without the exposure: the share of
        variance between trusts.
    icc_conditional : float
        The same, with the exposure in the model.
    min_detectable_r : float
        The smallest correlation detectable at 80 % power, two-sided alpha 0.05, with this many
        trusts (:func:`minimum_detectable_r`).
    caveat : str
        A plain statement of what this many trusts can and cannot show.
    excluded : pandas.DataFrame
        Trusts left out (``group``, ``reason``: no exposure, or a zero or missing ``per``
        value).
    """

    data: pd.DataFrame = field(repr=False)
    spearman: pd.DataFrame
    model: pd.DataFrame
    icc: float
    icc_conditional: float
    min_detectable_r: float
    caveat: str
    excluded: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["group", "reason"]), repr=False
    )

    def __str__(self) -> str:
        s = self.spearman.iloc[0]
        m = self.model.set_index("term")
        ex = m.index[-1]
        lines = [
            f"Spearman rank correlation across {int(s['n_groups'])} trusts (an illustration): "
            f"rho = {s['rho']:.2f} (95% CI {s['ci_low']:.2f} to {s['ci_high']:.2f}), "
            f"p = {s['p_value']:.3g} ({s['method']})",
            f"Multilevel model (trainees within trusts, random intercept): {ex} coefficient "
            f"{m.loc[ex, 'coef']:.3g} (95% CI {m.loc[ex, 'ci_low']:.3g} to "
            f"{m.loc[ex, 'ci_high']:.3g}), t on {m.loc[ex, 'df']:.1f} df, "
            f"p = {m.loc[ex, 'p_value']:.3g}",
            f"ICC (share of outcome variance between trusts): {self.icc:.3f}",
            f"Caveat: {self.caveat}",
        ]
        return "\n".join(lines)


def _check_n_boot(n_boot: Any) -> None:
    """A bootstrap size: a whole number, 0 (no bootstrap) or more."""
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer):
        raise ArgumentError(
            "n_boot must be a whole number of 0 or more (0 skips the bootstrap), not "
            f"{type(n_boot).__name__}: {n_boot!r}"
        )
    if n_boot < 0:
        raise ConfigurationError(
            f"n_boot must be a whole number of 0 or more (0 skips the bootstrap); found {n_boot!r}",
            code="invalid-option",
        )


def _one_row_per_group(summ: pd.DataFrame, group: str) -> pd.DataFrame:
    """The activity summary indexed by group, refused when a group has more than one row."""
    if group in summ.columns:
        summ = summ.set_index(group)
    labels = summ.index.astype(str)
    if labels.has_duplicates:
        repeated = sorted(set(labels[labels.duplicated()]))
        raise DataError(
            f"activity_summary has more than one row for {group} value(s) "
            f"{', '.join(repeated[:10])}{' ...' if len(repeated) > 10 else ''}: give one row "
            "per trust (sum the rows of each trust first)",
            code="duplicate-labels",
            failure_cases=pd.DataFrame({"group": repeated}),
        )
    return summ


def relate_activity_outcomes(
    activity_summary: pd.DataFrame,
    trainee_scores: pd.DataFrame,
    *,
    group: str = "trust",
    outcome: str,
    exposure: str = "n_activities",
    per: str | Sequence[str] | None = None,
    n_boot: int = 2000,
    seed: int | None = 0,
) -> ActivityOutcome:
    """Relate a trust-level mentor activity measure to trainees' outcomes (an illustration).

    Parameters
    ----------
    activity_summary : pandas.DataFrame
        One row per trust (e.g. from :func:`summarise_activities`): the group as index or a
        ``group`` column, and the ``exposure`` column (and the ``per`` columns).
    trainee_scores : pandas.DataFrame
        One row per trainee: the ``group`` column and the ``outcome`` column (e.g. a scale
        score). Trainees with a missing outcome are left out; trainees whose trust is not in the
        summary are an error.
    group : str
    outcome : str
        The trainee-level outcome column.
    exposure : str
        The trust-level exposure column (default ``n_activities``).
    per : str or list of str, optional
        Columns of ``activity_summary`` to divide the exposure by, so that trusts of different
        sizes and mentors with different time are comparable: e.g. ``["trainees",
        "mentor_sessions"]`` gives activities per trainee per mentor session. A trust with a
        zero or missing value is left out (``excluded``).
    n_boot : int
        Bootstrap resamples of trusts for the percentile CI of rho: a whole number of 0 or
        more (0 skips the bootstrap: ``boot_ci_low`` and ``boot_ci_high`` are NaN). A trust with
        more than one row in ``activity_summary`` is a DataError (``duplicate-labels``).
    seed : int, optional

    Returns
    -------
    ActivityOutcome
        ``str(result)`` prints the estimates and the caveat.

    Notes
    -----
    This is an ecological comparison across :math:`J` trusts and is shown as an illustration;
    the individual-level analyses (:func:`activity_origins`, :func:`most_helpful_activities`,
    :func:`model_activity_uptake`) are the ones that address O3 and O4.

    * Spearman's :math:`\\rho` between the (normalised) exposure and the trusts' mean outcome,
      with the p-value R's ``cor.test`` gives (:func:`~leadership_eval.exact.spearman`); its
      CI uses Fisher's z with the Fieller, Hartley & Pearson (1957) variance
      :math:`1.06/(J-3)`, and a percentile bootstrap over trusts.
    * A linear mixed model (:func:`~leadership_eval.mixed.linear_mixed_model`, REML):
      :math:`y_{ij} = \\beta_0 + \\beta_1 x_j + u_j + e_{ij}`; the slope of a trust-level
      exposure is tested with t on Satterthwaite degrees of freedom, close to :math:`J - 2`
      (Wald z tests would overstate the evidence). ICC :math:`= \\tau^2/(\\tau^2 +
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
    (0.6, 19)
    """

    from ..mixed import linear_mixed_model

    summ = _one_row_per_group(check_frame(activity_summary, "activity_summary"), group)
    check_frame(trainee_scores, "trainee_scores")
    _check_n_boot(n_boot)
    check_columns(summ, exposure, "exposure")
    check_columns(trainee_scores, group, "group")
    check_columns(trainee_scores, outcome, "outcome")
    per_cols = [per] if isinstance(per, str) else list(per or [])
    for col in per_cols:
        check_columns(summ, col, "per")
    x, rate, excluded = _exposure_rate(summ, exposure, per_cols)
    y = pd.Series(numeric(trainee_scores[outcome], outcome), index=trainee_scores.index)
    g = trainee_scores[group].astype(object).where(trainee_scores[group].notna(), None)
    unknown = sorted(set(g.dropna().astype(str)) - set(x.index))
    if unknown:
        raise DataError(
            f"trainees' {group} value(s) not in the activity summary: {', '.join(unknown[:10])}",
            code="unknown-group",
            failure_cases=failure_rows(g, g.astype(str).isin(unknown) & g.notna(), group),
        )
    keep = y.notna() & g.notna()
    df = pd.DataFrame({"g": g[keep].astype(str), "y": y[keep]})
    df["x"] = rate.loc[df["g"]].to_numpy()
    df = df[df["x"].notna()]
    per_trust = df.groupby("g").agg(n=("y", "size"), mean_outcome=("y", "mean"))
    per_trust[exposure] = x.loc[per_trust.index].to_numpy()
    if per_cols:
        per_trust["exposure_rate"] = rate.loc[per_trust.index].to_numpy()
    xcol = "exposure_rate" if per_cols else exposure
    j = len(per_trust)
    if j < 5:
        raise DataError(
            f"need trainees in at least 5 trusts to relate activities; found {j}",
            code="too-few-groups",
        )
    spearman = _spearman_frame(per_trust[xcol], per_trust["mean_outcome"], n_boot, seed)
    null = linear_mixed_model(df, "y", [], "g")
    full = linear_mixed_model(df, "y", "x", "g")
    model = full.fixed.drop(columns="statistic").copy()
    model["term"] = ["intercept", xcol]
    model = model[["term", "coef", "se", "df", "ci_low", "ci_high", "p_value"]]
    mdr = minimum_detectable_r(j)
    caveat = (
        f"an illustration across {j} trusts: only a correlation of about {mdr:.2f} or stronger "
        "would be detected with 80% power (two-sided alpha 0.05); smaller but real "
        "associations will usually be missed, the confidence intervals are wide, and an "
        "association across trusts does not show that an activity causes better outcomes. The "
        "number of trainees does not add power to a trust-level comparison; the "
        "individual-level analyses of who arranged each activity address O3 and O4."
    )
    return ActivityOutcome(
        data=per_trust,
        spearman=spearman,
        model=model,
        icc=null.icc,
        icc_conditional=full.icc,
        min_detectable_r=mdr,
        caveat=caveat,
        excluded=excluded,
    )


def _spearman_frame(x: pd.Series, y: pd.Series, n_boot: int, seed: Any) -> pd.DataFrame:
    """Spearman's rho across trusts, with Fieller's interval (variance 1.06 / (j - 3)) and a
    bootstrap one."""
    from scipy import stats

    from ..exact import spearman as spearman_test

    j = len(x)
    sp = spearman_test(x, y).iloc[0]
    rho = float(sp["rho"])
    half = stats.norm.ppf(0.975) * math.sqrt(1.06 / (j - 3))
    zr = math.atanh(max(min(rho, 1 - 1e-12), -1 + 1e-12))
    boot_lo, boot_hi = _bootstrap_rho(x.to_numpy(), y.to_numpy(), n_boot, seed)
    return pd.DataFrame(
        [
            {
                "n_groups": j,
                "rho": rho,
                "ci_low": math.tanh(zr - half),
                "ci_high": math.tanh(zr + half),
                "p_value": float(sp["p_value"]),
                "method": str(sp["method"]),
                "boot_ci_low": boot_lo,
                "boot_ci_high": boot_hi,
            }
        ]
    )


def _exposure_rate(
    summ: pd.DataFrame, exposure: str, per_cols: list[str]
) -> tuple[pd.Series, pd.Series, pd.DataFrame]:
    """Each trust's exposure, its rate per the ``per`` columns, and the trusts left out."""
    x = pd.Series(numeric(summ[exposure], exposure), index=summ.index.astype(str))
    reasons = pd.Series("", index=x.index, dtype=object)
    reasons[x.isna()] = f"no {exposure}"
    rate = x.copy()
    for col in per_cols:
        d = pd.Series(numeric(summ[col], col), index=x.index)
        bad = (d.isna() | (d <= 0)) & (reasons == "")
        reasons[bad] = f"zero or missing {col}"
        rate = rate / d.where(d > 0)
    excluded = pd.DataFrame(
        {"group": reasons.index[reasons != ""], "reason": reasons[reasons != ""].to_numpy()}
    )
    return x, rate, excluded


def _bootstrap_rho(xs0: np.ndarray, ys0: np.ndarray, n_boot: int, seed: Any) -> tuple[float, float]:
    """The percentile bootstrap 95% interval of Spearman's rho over trusts (NaN without
    replicates)."""
    from scipy import stats

    if not n_boot:
        return float("nan"), float("nan")
    j = len(xs0)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, j, size=(n_boot, j))
    rx = stats.rankdata(xs0[idx], axis=1)
    ry = stats.rankdata(ys0[idx], axis=1)
    rx -= rx.mean(axis=1, keepdims=True)
    ry -= ry.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        r_b = (rx * ry).sum(axis=1) / np.sqrt((rx**2).sum(axis=1) * (ry**2).sum(axis=1))
    r_b = r_b[np.isfinite(r_b)]
    if not len(r_b):
        return float("nan"), float("nan")
    lo, hi = np.quantile(r_b, [0.025, 0.975])
    return float(lo), float(hi)


# ------------------------------------------------------------------------------ individual level

MENTOR_ORIGINS = ("mentor_signposted", "mentor_brokered")
"""The origin codes that mean the mentor was behind an activity (signposted it or brokered it)."""

_ASSOCIATIONAL = (
    "associational: trainees who took part in mentor-arranged activities, or who had contact "
    "with the mentor, differ from others in ways the survey does not measure; these figures "
    "describe who did what, not what the mentor caused"
)


def _wilson(k: np.ndarray, n: np.ndarray, ci: float) -> tuple[np.ndarray, np.ndarray]:
    from scipy import stats

    z = stats.norm.ppf((1 + ci) / 2)
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
        low = np.where(k == 0, 0.0, np.clip(centre - half, 0, 1))
        high = np.where(k == n, 1.0, np.clip(centre + half, 0, 1))
    return np.where(n > 0, low, np.nan), np.where(n > 0, high, np.nan)


def _selected_codes(node: Any, item: str) -> set[str]:
    """Codes c with ``selected(item, c)`` required (not under ``not``) by a show_if tree."""
    from ..instruments import expressions as ex

    if isinstance(node, ex.Selected):
        return {code_text(node.value.value) or ""} if node.item.id == item else set()
    if isinstance(node, ex.And):
        out: set[str] = set()
        for op in node.operands:
            out |= _selected_codes(op, item)
        return out
    return set()


def origin_items(
    survey: Survey | str | Path,
    *,
    activities: str = "activities",
    mentor: Sequence[str] = MENTOR_ORIGINS,
) -> dict[str, str]:
    """Which item asks how each activity came about, read from the survey.

    An origin item is a choice item shown when ``selected(<activities>, '<code>')`` and whose
    choice list offers the ``mentor`` codes.

    Parameters
    ----------
    survey : Survey, path or bundled id
    activities : str
        The multi_choice item of activities taken part in.
    mentor : sequence of str
        Origin codes that mean the mentor signposted or brokered the activity.

    Returns
    -------
    dict
        Activity code -> origin item id, in the order of the activity list.

    Examples
    --------
    >>> from leadership_eval.activities import origin_items
    >>> origin_items(_example_survey())
    {'qi': 'how_qi', 'audit': 'how_audit'}
    """
    from ..instruments.expressions import parse_expression

    sv = as_survey(survey)
    act = _activity_item(sv, activities)
    cl = sv.choices_for(act)
    codes = [str(c) for c in cl.codes] if cl is not None else []
    wanted = set(_mentor_codes(mentor))
    found: dict[str, str] = {}
    for item in sv.questions:
        if item.type != "choice" or not item.show_if:
            continue
        icl = sv.choices_for(item)
        if icl is None or not wanted <= {str(c) for c in icl.codes}:
            continue
        for code in _selected_codes(parse_expression(item.show_if).root, act.id):
            found.setdefault(code, item.id)
    return {c: found[c] for c in codes if c in found}


def _mentor_codes(mentor: Any) -> list[str]:
    """``mentor`` as a list of codes: one code (text), or a non-empty list of them."""
    if isinstance(mentor, str):
        return [mentor]  # one code, not its letters
    if not isinstance(mentor, Iterable) or isinstance(mentor, Mapping | bytes):
        raise ArgumentError(
            "mentor must be an origin code or a list of them (e.g. ['mentor_signposted', "
            f"'mentor_brokered']), not {type(mentor).__name__}"
        )
    codes = [str(m) for m in mentor]
    if not codes:
        raise ArgumentError("mentor is empty: name at least one origin code")
    return codes


def _unique_columns(data: pd.DataFrame, names: Iterable[Any]) -> None:
    """Refuse repeated column names among ``names`` (``duplicate-column``)."""
    for name in names:
        if int((data.columns == name).sum()) > 1:
            raise DataError(
                f"data has repeated column names: {name!r}; rename or drop the copies",
                code="duplicate-column",
            )


def _check_ci(ci: Any) -> None:
    """A confidence level: a number strictly between 0 and 1."""
    if isinstance(ci, bool) or not isinstance(ci, int | float | np.integer | np.floating):
        raise ArgumentError(
            f"ci must be a number between 0 and 1 (a confidence level such as 0.95), not "
            f"{type(ci).__name__}: {ci!r}"
        )
    if not 0 < ci < 1:
        raise ConfigurationError(
            f"ci must be between 0 and 1 (0.95, not 95); found {ci!r}", code="invalid-option"
        )


def _activity_item(sv: Survey, activities: str) -> Item:
    if not isinstance(activities, str):
        raise ArgumentError(
            f"activities must be the id of one multi_choice item (str), not "
            f"{type(activities).__name__}"
        )
    ids = {i.id: i for i in sv.questions}
    if activities not in ids or ids[activities].type != "multi_choice":
        raise ConfigurationError(
            f"survey {sv.id!r} has no multi_choice item {activities!r} of activities",
            code="unknown-item",
        )
    return ids[activities]


def _took_part(data: pd.DataFrame, sv: Survey, activities: str) -> tuple[pd.DataFrame, pd.Series]:
    """0/1 frame (rows x activity codes) and whether the item was answered at all.

    When the activity list has an exclusive option ("none of these"), a blank answer is
    unanswered; otherwise a blank means no activity (the item says to leave it blank).
    """
    act = _activity_item(sv, activities)
    cl = sv.choices_for(act)
    codes = [str(c) for c in cl.codes] if cl is not None else []
    ind = indicator_frame(data, activities, codes, strict=True)
    if ind is None:
        raise DataError(
            f"the data has no column {activities!r} (or {activities}__<code> columns)",
            code="missing-column",
        )
    if activities in data.columns:
        answered = data[activities].notna() & (data[activities].astype(str).str.strip() != "")
    else:
        answered = ind.sum(axis=1) > 0
    if cl is not None and not cl.exclusive_codes:
        answered = pd.Series(True, index=data.index)
    return ind, answered


def activity_origins(
    data: pd.DataFrame,
    survey: Survey | str | Path,
    *,
    activities: str = "activities",
    mentor: Sequence[str] = MENTOR_ORIGINS,
    origins: Mapping[str, str] | None = None,
    ci: float = 0.95,
) -> pd.DataFrame:
    """How each activity type came about: the share the mentor signposted or brokered (O3).

    Parameters
    ----------
    data : pandas.DataFrame
        Trainee responses (raw or clean form).
    survey : Survey, path or bundled id
        The trainee survey.
    activities : str
        The multi_choice item of activities taken part in.
    mentor : sequence of str
        Origin codes that mean the mentor was behind the activity (default: signposted,
        brokered).
    origins : mapping, optional
        Activity code -> origin item id; default :func:`origin_items` (read from the survey).
    ci : float
        Coverage of the Wilson intervals.

    Returns
    -------
    pandas.DataFrame
        One row per activity and origin: ``activity``, ``origin`` (each code of the origin
        list, then ``any_mentor``, the ``mentor`` codes together), ``n_took_part``,
        ``n_answered`` (took part and said how it came about), ``n``, ``share`` (``n /
        n_answered``), ``ci_low``, ``ci_high`` (Wilson).

    Notes
    -----
    Descriptive and associational: a high mentor share says the mentor opened the door to
    that kind of activity for those trainees, not that the activity would not have happened
    otherwise. An answer that is a missing code or not in the origin list is not counted in
    ``n_answered``.

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.activities import activity_origins
    >>> df = pd.DataFrame({"activities": ["qi audit", "qi", "audit", "qi"],
    ...                    "how_qi": ["mentor_brokered", "self", None, "mentor_signposted"],
    ...                    "how_audit": ["self", None, "self", None]})
    >>> out = activity_origins(df, _example_survey())
    >>> out[out["origin"] == "any_mentor"][["activity", "n_answered", "n", "share"]].round(2)
      activity  n_answered  n  share
    4       qi           3  2   0.67
    9    audit           2  0   0.00
    """
    data = check_frame(data)
    sv = as_survey(survey)
    mentor = _mentor_codes(mentor)
    _check_ci(ci)
    if origins is not None and not isinstance(origins, Mapping):
        raise ArgumentError(
            "origins must be a mapping of activity code to origin item id (e.g. {'qi': "
            f"'origin_qi'}}), not {type(origins).__name__}"
        )
    mapping = (
        dict(origins)
        if origins is not None
        else origin_items(sv, activities=activities, mentor=mentor)
    )
    if not mapping:
        raise ConfigurationError(
            f"no origin items found for {activities!r} (choice items shown when an activity is "
            f"selected, offering the mentor codes {mentor}): pass origins={{activity code: "
            "item}, or the mentor codes of the survey's origin list",
            code="no-origin-items",
        )
    _unique_columns(data, [activities, *mapping.values()])
    took, _ = _took_part(data, sv, activities)
    rows: list[dict[str, Any]] = []
    for code, item_id in mapping.items():
        if code not in took.columns:
            raise ConfigurationError(
                f"{code!r} is not a code of {activities!r}", code="unknown-code"
            )
        if item_id not in data.columns:
            raise DataError(f"the data has no column {item_id!r}", code="missing-column")
        item = sv.item(item_id)
        icl = sv.choices_for(item)
        ocodes = [str(c) for c in icl.codes] if icl is not None else []
        missing = [m for m in mentor if m not in ocodes]
        if missing:
            raise ConfigurationError(
                f"origin item {item_id!r} has no code(s) {missing}; its codes are {ocodes}",
                code="unknown-code",
            )
        took_part = took[code] == 1
        answer = data[item_id].map(code_text, na_action="ignore")
        valid = took_part & answer.isin(ocodes)
        n_ans = int(valid.sum())
        counts = {o: int((valid & (answer == o)).sum()) for o in ocodes}
        counts["any_mentor"] = sum(counts[m] for m in mentor)
        for origin, k in counts.items():
            rows.append(
                {
                    "activity": code,
                    "origin": origin,
                    "n_took_part": int(took_part.sum()),
                    "n_answered": n_ans,
                    "n": k,
                }
            )
    out = pd.DataFrame(rows)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share"] = np.where(out["n_answered"] > 0, out["n"] / out["n_answered"], np.nan)
    out["ci_low"], out["ci_high"] = _wilson(out["n"], out["n_answered"], ci)
    return out


@dataclass(frozen=True)
class MostHelpful:
    """The result of :func:`most_helpful_activities`.

    Attributes
    ----------
    by_activity : pandas.DataFrame
        One row per activity: ``activity``, ``n_took_part``, ``n_eligible`` (took part in it
        and in at least one other activity, and named the most helpful), ``n_most_helpful``,
        ``share``, ``ci_low``, ``ci_high`` (Wilson), ``expected_share`` (the share if each
        trainee picked one of their activities at random: the mean of :math:`1/k_i`).
    by_origin : pandas.DataFrame
        One row per origin code: ``origin``, ``n_activities`` (activities of eligible trainees
        that came about that way), ``n_most_helpful``, ``share``, ``ci_low``, ``ci_high``,
        ``expected_share``.
    caveat : str
    """

    by_activity: pd.DataFrame
    by_origin: pd.DataFrame
    caveat: str


def most_helpful_activities(
    data: pd.DataFrame,
    survey: Survey | str | Path,
    *,
    activities: str = "activities",
    most_helpful: str = "most_helpful_v2",
    mentor: Sequence[str] = MENTOR_ORIGINS,
    origins: Mapping[str, str] | None = None,
    ci: float = 0.95,
) -> MostHelpful:
    """Which activities trainees found most helpful, by activity and by how it came about (O4).

    Parameters
    ----------
    data : pandas.DataFrame
        Trainee responses.
    survey : Survey, path or bundled id
    activities : str
        The multi_choice item of activities taken part in.
    most_helpful : str
        The choice item naming the one activity that helped most (codes of the activity list).
    mentor : sequence of str
        Origin codes meaning the mentor signposted or brokered the activity (used to find the
        origin items).
    origins : mapping, optional
        Activity code -> origin item id; default :func:`origin_items`.
    ci : float

    Returns
    -------
    MostHelpful

    Notes
    -----
    Only trainees who took part in two or more activities and named one count (with one
    activity there is no choice). A trainee with :math:`k_i` activities names any one of them
    with chance :math:`1/k_i` if all helped equally, so ``expected_share`` is the mean of
    :math:`1/k_i` over the trainees (or activities) counted: a share above it means the
    activity (or the way it came about) was named more often than by chance. Activities of the
    same trainee are not independent, so the Wilson intervals of ``by_origin`` are a little
    narrow. Associational, not causal.

    An answer of ``most_helpful`` that is no code of its choice list raises a
    :class:`~leadership_eval.errors.DataError` (``invalid-code``, naming the codes and rows), as
    do ``origins`` naming a column the data lack (``missing-column``); an ``origins`` key that
    is no activity code is a :class:`~leadership_eval.errors.ConfigurationError`.

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.activities import most_helpful_activities
    >>> df = pd.DataFrame({"activities": ["qi audit", "qi audit", "qi", "audit qi"],
    ...                    "how_qi": ["mentor_brokered", "self", "self", "mentor_signposted"],
    ...                    "how_audit": ["self", "self", None, "self"],
    ...                    "most_helpful_v2": ["qi", "audit", "qi", "qi"]})
    >>> res = most_helpful_activities(df, _example_survey())
    >>> res.by_activity[["activity", "n_eligible", "n_most_helpful", "expected_share"]]
      activity  n_eligible  n_most_helpful  expected_share
    0       qi           3               2             0.5
    1    audit           3               1             0.5
    """
    data = check_frame(data)
    sv = as_survey(survey)
    took, _ = _took_part(data, sv, activities)
    all_codes = [str(c) for c in took.columns]
    act_list = sv.choices_for(activities) if activities in {i.id for i in sv.questions} else None
    exclusive = {str(o.code) for o in act_list.options if o.exclusive} if act_list else set()
    took = took[[c for c in took.columns if str(c) not in exclusive]]  # "none of these"
    codes = list(took.columns)
    ids = {i.id for i in sv.questions}
    if most_helpful not in ids:
        raise ConfigurationError(
            f"survey {sv.id!r} has no item {most_helpful!r}", code="unknown-item"
        )
    if most_helpful not in data.columns:
        raise DataError(f"the data has no column {most_helpful!r}", code="missing-column")
    named = data[most_helpful].map(code_text, na_action="ignore")
    _check_named(data, sv, most_helpful, named, all_codes)
    mapping = (
        dict(origins)
        if origins is not None
        else origin_items(sv, activities=activities, mentor=mentor)
    )
    _check_origins(data, mapping, all_codes, activities)
    # positions, not labels, from here on: a repeated row label is still one row each
    data = data.reset_index(drop=True)
    took = took.reset_index(drop=True)
    named = named.reset_index(drop=True)
    k = took.sum(axis=1)
    eligible = (k >= 2) & named.isin(codes)
    # a named activity the trainee did not report taking part in is not counted
    did_named = pd.Series(
        [
            bool(took.at[i, c]) if isinstance(c, str) and c in took.columns else False
            for i, c in zip(took.index, named, strict=True)
        ],
        index=took.index,
    )
    eligible &= did_named
    inv_k = (1 / k.where(k > 0)).fillna(0.0)
    by_act = _helpful_by_activity(took, codes, eligible, named, inv_k, ci)
    by_origin = _helpful_by_origin(data, sv, mapping, took, eligible, named, inv_k, ci)
    return MostHelpful(by_activity=by_act, by_origin=by_origin, caveat=_ASSOCIATIONAL)


def _check_named(
    data: pd.DataFrame, sv: Survey, most_helpful: str, named: pd.Series, activity_codes: list[str]
) -> None:
    """``invalid-code`` for answers of ``most_helpful`` that are no code of its choice list (or,
    without one, of the activity list); its declared missing codes are allowed."""
    cl = sv.choices_for(sv.item(most_helpful))
    allowed = set(activity_codes)
    if cl is not None:
        allowed = {code_text(c) or "" for c in cl.codes} | {
            code_text(c) or "" for c in cl.missing_codes
        }
    bad = (named.notna() & ~named.isin(allowed)).to_numpy(dtype=bool)
    if bad.any():
        values = sorted({str(v) for v in named[bad]})
        rows = data.index[bad]
        raise DataError(
            f"column {most_helpful!r} holds code(s) not in its choice list: "
            f"{', '.join(values[:10])}{' ...' if len(values) > 10 else ''} "
            f"({int(bad.sum())} row(s): {', '.join(map(repr, rows[:10]))}"
            f"{' ...' if len(rows) > 10 else ''})",
            code="invalid-code",
            failure_cases=failure_rows(data[most_helpful], bad, most_helpful),
        )


def _check_origins(
    data: pd.DataFrame, mapping: dict[str, str], activity_codes: list[str], activities: str
) -> None:
    """An origins mapping names activity codes and columns the data have (as
    :func:`activity_origins` requires)."""
    for code, item_id in mapping.items():
        if code not in activity_codes:
            raise ConfigurationError(
                f"origins: {code!r} is not a code of {activities!r}; its codes are "
                f"{', '.join(activity_codes)}",
                code="unknown-code",
            )
        if item_id not in data.columns:
            raise DataError(
                f"origins: the data has no column {item_id!r} (the origin item of {code!r})",
                code="missing-column",
            )


def _helpful_by_activity(
    took: pd.DataFrame,
    codes: list[Any],
    eligible: pd.Series,
    named: pd.Series,
    inv_k: pd.Series,
    ci: float,
) -> pd.DataFrame:
    """Per activity: how often it was named most helpful among those who did it and another."""
    rows = []
    for code in codes:
        base = eligible & (took[code] == 1)
        rows.append(
            {
                "activity": code,
                "n_took_part": int((took[code] == 1).sum()),
                "n_eligible": int(base.sum()),
                "n_most_helpful": int((base & (named == code)).sum()),
                "expected_share": float(inv_k[base].mean()) if base.any() else np.nan,
            }
        )
    by_act = pd.DataFrame(rows)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(
            by_act["n_eligible"] > 0, by_act["n_most_helpful"] / by_act["n_eligible"], np.nan
        )
    by_act.insert(4, "share", share)
    lo, hi = _wilson(by_act["n_most_helpful"], by_act["n_eligible"], ci)
    by_act.insert(5, "ci_low", lo)
    by_act.insert(6, "ci_high", hi)
    return by_act


def _helpful_by_origin(
    data: pd.DataFrame,
    sv: Survey,
    mapping: dict[str, str],
    took: pd.DataFrame,
    eligible: pd.Series,
    named: pd.Series,
    inv_k: pd.Series,
    ci: float,
) -> pd.DataFrame:
    """Per origin (how an activity came about): how often its activities were named most
    helpful."""
    pairs: list[tuple[str, bool, float]] = []  # (origin, named most helpful, 1/k)
    ocodes: list[str] = []
    for code, item_id in mapping.items():
        if item_id not in data.columns or code not in took.columns:
            continue
        icl = sv.choices_for(sv.item(item_id))
        for c in [str(c) for c in icl.codes] if icl is not None else []:
            if c not in ocodes:
                ocodes.append(c)
        answer = data[item_id].map(code_text, na_action="ignore")
        sel = eligible & (took[code] == 1) & answer.notna()
        for i in took.index[sel.to_numpy()]:
            pairs.append((str(answer[i]), named[i] == code, float(inv_k[i])))
    pf = pd.DataFrame(pairs, columns=["origin", "named", "inv_k"])
    orows = []
    for origin in ocodes:
        part = pf[pf["origin"] == origin]
        orows.append(
            {
                "origin": origin,
                "n_activities": len(part),
                "n_most_helpful": int(part["named"].sum()),
                "expected_share": float(part["inv_k"].mean()) if len(part) else np.nan,
            }
        )
    by_origin = pd.DataFrame(
        orows, columns=["origin", "n_activities", "n_most_helpful", "expected_share"]
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(
            by_origin["n_activities"] > 0,
            by_origin["n_most_helpful"] / by_origin["n_activities"],
            np.nan,
        )
    by_origin.insert(3, "share", share)
    lo, hi = _wilson(by_origin["n_most_helpful"], by_origin["n_activities"], ci)
    by_origin.insert(4, "ci_low", lo)
    by_origin.insert(5, "ci_high", hi)
    return by_origin


@dataclass(frozen=True)
class UptakeModel:
    """The result of :func:`model_activity_uptake`.

    Attributes
    ----------
    model : MixedModelResult
        The random-intercept logistic model (see
        :func:`~leadership_eval.mixed.logistic_mixed_model`).
    data : pandas.DataFrame
        The rows modelled: ``outcome`` (took part in any work-based activity), ``contact``
        (0/1), the adjustment columns and the group.
    excluded : pandas.DataFrame
        Rows left out, with ``row`` and ``reason``.
    caveat : str
    """

    model: MixedModelResult
    data: pd.DataFrame = field(repr=False)
    excluded: pd.DataFrame = field(repr=False)
    caveat: str

    def __str__(self) -> str:
        return f"{self.model}\nCaveat: {self.caveat}"


def _yes_code(sv: Survey, item: Item) -> str:
    cl = sv.choices_for(item)
    if cl is None:
        raise ConfigurationError(f"item {item.id!r} has no choice list", code="no-choices")
    yes = [o.code for o in cl.options if text_in(o.label).strip().lower() == "yes"]
    if len(yes) != 1:
        raise ConfigurationError(
            f"cannot tell which code of {item.id!r} means yes; pass contact_yes=...",
            code="ambiguous-code",
        )
    return code_text(yes[0]) or ""


def model_activity_uptake(
    data: pd.DataFrame,
    survey: Survey | str | Path,
    *,
    activities: str = "activities",
    work_based: Iterable[str] | str | None = None,
    contact: str = "mentor_contact_all",
    contact_yes: Any = None,
    adjust_for: Sequence[str] = ("grade",),
    group: str | None = None,
    nagq: int = 1,
) -> UptakeModel:
    """Multilevel logistic model of taking part in any work-based leadership activity on
    contact with the mentor, adjusted for grade (O3).

    Parameters
    ----------
    data : pandas.DataFrame
        Trainee responses.
    survey : Survey, path or bundled id
    activities : str
        The multi_choice item of activities taken part in.
    work_based : iterable of str, or str
        The activity codes that are work-based (e.g. quality improvement, committees,
        shadowing), or the name of a 0/1 column of ``data`` that says so. Default: the activity
        options the survey marks ``work_based``; an error if it marks none.
    contact : str
        The item asking about contact with the mentor.
    contact_yes : code, optional
        The code meaning contact; default the option labelled "Yes".
    adjust_for : sequence of str
        Respondent characteristics adjusted for, as categories (default ``grade``); their
        declared missing codes ("prefer not to say") are left out, with a reason.
    group : str, optional
        The grouping column; default the survey's ``group_by`` (else ``trust``).
    nagq : int
        Quadrature points (1: Laplace, as ``glmer``'s default).

    Returns
    -------
    UptakeModel
        The model's ``contact`` term is the adjusted log odds ratio of taking part.

    Notes
    -----
    :math:`\\operatorname{logit} P(\\text{any work-based activity}) = \\beta_0 + \\beta_1
    \\text{contact} + \\text{grade} + u_{\\text{trust}}`, fitted by
    :func:`~leadership_eval.mixed.logistic_mixed_model`, with t tests on between-within degrees
    of freedom for few trusts. A blank activities answer means none when the activity list has
    no exclusive "none" option (the item then asks to leave it blank), and no answer otherwise.
    The model is associational: trainees who seek out the mentor may be those already inclined
    to take part.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from leadership_eval.activities import model_activity_uptake
    >>> rng = np.random.default_rng(2)
    >>> n = 160
    >>> contact = rng.integers(0, 2, n)
    >>> takes = rng.random(n) < 0.3 + 0.4 * contact
    >>> df = pd.DataFrame({"trust": rng.choice(["t1", "t2", "t3", "t4", "t5"], n),
    ...                    "grade": rng.choice(["fy1", "core"], n), "mentor_contact_all": contact,
    ...                    "activities": np.where(takes, "qi", "")})
    >>> res = model_activity_uptake(df, _example_survey(), work_based=["qi"])
    >>> res.model.fixed["term"].tolist()
    ['intercept', 'contact', 'grade[fy1]']
    """
    from ..mixed import logistic_mixed_model

    sv = as_survey(survey)
    check_frame(data)
    took, answered = _took_part(data, sv, activities)
    reasons = pd.Series("", index=data.index, dtype=object)
    reasons[~answered] = f"no answer to {activities}"
    if isinstance(work_based, str):
        if work_based not in data.columns:
            raise DataError(f"the data has no column {work_based!r}", code="missing-column")
        outcome = pd.to_numeric(data[work_based], errors="coerce")
        reasons[outcome.isna() & (reasons == "")] = f"missing {work_based}"
    else:
        if work_based is None:
            act = _activity_item(sv, activities)
            cl = sv.choices_for(act)
            wb = [
                str(o.code)
                for o in (cl.options if cl is not None else [])
                if o.attributes.get("work_based") is True
            ]
            if not wb:
                raise ConfigurationError(
                    f"the survey does not mark which {activities!r} options are work-based: "
                    "pass work_based=[codes] (or a 0/1 column)",
                    code="no-work-based",
                )
        else:
            wb = [str(c) for c in work_based]
        unknown = [c for c in wb if c not in took.columns]
        if unknown:
            raise ConfigurationError(
                f"work_based code(s) {unknown} are not codes of {activities!r} "
                f"({', '.join(took.columns)})",
                code="unknown-code",
            )
        outcome = (took[wb].sum(axis=1) > 0).astype(float)
    ids = {i.id: i for i in sv.questions}
    if contact not in ids:
        raise ConfigurationError(f"survey {sv.id!r} has no item {contact!r}", code="unknown-item")
    if contact not in data.columns:
        raise DataError(f"the data has no column {contact!r}", code="missing-column")
    yes = code_text(contact_yes) if contact_yes is not None else _yes_code(sv, ids[contact])
    ccl = sv.choices_for(ids[contact])
    cmiss = {code_text(c) for c in (ccl.missing_codes if ccl is not None else [])}
    ckey = data[contact].map(code_text, na_action="ignore")
    reasons[(ckey.isna() | ckey.isin(cmiss)) & (reasons == "")] = f"no answer to {contact}"
    exposure = (ckey == yes).astype(float)
    grp = group or getattr(sv, "group_by", None) or "trust"
    if grp not in data.columns:
        raise DataError(f"the data has no group column {grp!r}", code="missing-column")
    reasons[data[grp].isna() & (reasons == "")] = f"missing {grp}"
    frame = pd.DataFrame({"outcome": outcome, "contact": exposure, grp: data[grp]})
    for col in adjust_for:
        if col not in data.columns:
            raise DataError(f"the data has no column {col!r}", code="missing-column")
        values = data[col].map(code_text, na_action="ignore")
        if col in ids and sv.choices_for(ids[col]) is not None:
            acl = sv.choices_for(ids[col])
            miss = {code_text(c) for c in (acl.missing_codes if acl is not None else [])}
            values = values.where(~values.isin(miss))
        reasons[values.isna() & (reasons == "")] = f"no answer to {col}"
        frame[col] = values
    keep = reasons == ""
    excluded = pd.DataFrame(
        {"row": data.index[~keep.to_numpy()], "reason": reasons[~keep].to_numpy()}
    )
    used = frame[keep.to_numpy()]
    model = logistic_mixed_model(
        used, "outcome", ["contact", *adjust_for], grp, categorical=list(adjust_for), nagq=nagq
    )
    caveat = _ASSOCIATIONAL + (
        "; with few trusts the contact term is tested with t on between-within degrees of freedom"
    )
    return UptakeModel(model=model, data=used, excluded=excluded, caveat=caveat)


def _example_survey() -> Survey:
    """A small survey for the examples: two activities with origin items, mentor contact."""
    from ..instruments.loader import loads_instrument

    doc = loads_instrument(
        """
kind: survey
id: example-activities
version: 1.0.0
title: Example
group_by: trust
choice_lists:
  activity:
    options: [{code: qi, label: QI project}, {code: audit, label: Audit}]
  origin:
    options: [{code: self, label: Myself}, {code: mentor_signposted, label: Mentor pointed me},
              {code: mentor_brokered, label: Mentor arranged it}, {code: other, label: Other}]
  yes_no:
    options: [{code: 1, label: "Yes"}, {code: 0, label: "No"}]
  grade:
    options: [{code: fy1, label: FY1}, {code: core, label: Core}]
sections:
  - id: s
    title: S
    items:
      - {id: trust, type: text, text: Trust}
      - {id: grade, type: choice, choices: grade, text: Grade}
      - {id: activities, type: multi_choice, choices: activity, text: Activities}
      - {id: how_qi, type: choice, choices: origin, text: QI origin,
         show_if: "selected(activities, 'qi')"}
      - {id: how_audit, type: choice, choices: origin, text: Audit origin,
         show_if: "selected(activities, 'audit')"}
      - {id: most_helpful_v2, type: choice, choices: activity, text: Most helpful,
         show_if: answered(activities)}
      - {id: mentor_contact_all, type: choice, choices: yes_no, text: Contact}
"""
    )
    assert isinstance(doc, Survey)
    return doc
