"""Groups against each other: omnibus and pairwise tests (:func:`compare_groups`), and the
composition of two samples (:func:`compare_composition`).

Rank, t, ANOVA and contingency-table tests, with effect sizes and adjusted pairwise p-values;
exact tests where the samples are small.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._codes import code_text
from .._frames import check_columns, check_frame, numeric
from ..errors import ArgumentError, ConfigurationError, DataError
from ..instruments.loader import as_survey
from ..instruments.models import Item, Survey


@dataclass(frozen=True)
class CompareResult:
    """The result of :func:`compare_groups`.

    Attributes
    ----------
    test : str
        The test that was run (``mannwhitney``, ``kruskal``, ``t``, ``welch``, ``anova``,
        ``chi2``, ``fisher``).
    omnibus : pandas.DataFrame
        One row: ``test``, ``statistic_name``, ``statistic``, ``dof``, ``dof2``, ``p_value``,
        ``effect_size`` (its name), ``effect``, ``omega_squared`` (ANOVA only), ``n``,
        ``n_missing``, ``groups``, ``level`` (the measurement level that chose the test),
        ``method`` (how the p-value was computed, e.g. ``exact`` or ``Monte Carlo (...)``).
    pairwise : pandas.DataFrame
        One row per pair of groups: ``a``, ``b``, ``n_a``, ``n_b``, ``test``, ``statistic``,
        ``p_unc``, ``p_corr``, ``p_adjust``, ``effect_size``, ``effect``, ``method``.
    """

    test: str
    omnibus: pd.DataFrame
    pairwise: pd.DataFrame = field(repr=False)

    def __str__(self) -> str:
        row = self.omnibus.iloc[0]
        head = (
            f"{row['test']}: {row['statistic_name']} = {row['statistic']:.3f}, "
            f"p = {row['p_value']:.4g}, {row['effect_size']} = {row['effect']:.3f} "
            f"(n = {row['n']}, {row['groups']} groups)"
        )
        if self.pairwise.empty:
            return head
        return head + "\n" + self.pairwise.to_string(index=False)


_TESTS = ("auto", "mannwhitney", "kruskal", "t", "welch", "anova", "chi2", "fisher")
_PADJUST = ("none", "bonf", "sidak", "holm", "fdr_bh", "fdr_by")
LEVELS = ("categorical", "ordinal", "numeric")


def _pair_numeric(
    xa: np.ndarray, xb: np.ndarray, parametric: bool
) -> tuple[float, float, float, str]:
    """(statistic, p, effect, method) of Welch's t test or the Mann-Whitney test."""
    import pingouin as pg

    from ..exact import mann_whitney

    if parametric:
        res = pg.ttest(xa, xb, correction=True)
        g = float(pg.compute_effsize(xa, xb, paired=False, eftype="hedges"))
        return float(res["T"].iloc[0]), float(res["p_val"].iloc[0]), g, "Welch"
    mw = mann_whitney(xa, xb).iloc[0]
    return (
        float(mw["statistic"]),
        float(mw["p_value"]),
        float(mw["rank_biserial"]),
        str(mw["method"]),
    )


def _cramers_v(chi2: float, table: np.ndarray) -> float:
    n = table.sum()
    r, c = table.shape
    m = min(r, c) - 1
    return math.sqrt(chi2 / (n * m)) if n > 0 and m > 0 else float("nan")


def _table_test(table: np.ndarray, test: str) -> tuple[float, float, float, float, str, str]:
    """(statistic, dof, p, effect, effect name, method) of a contingency table."""
    from scipy import stats

    from ..exact import fisher_exact

    chi2_raw = float(stats.chi2_contingency(table, correction=False).statistic)
    if test == "chi2":
        res = stats.chi2_contingency(table, correction=True)
        method = "Pearson, Yates-corrected" if table.shape == (2, 2) else "Pearson"
        return (
            float(res.statistic),
            float(res.dof),
            float(res.pvalue),
            _cramers_v(chi2_raw, table),
            "cramers_v",
            method,
        )
    res_f = fisher_exact(table).iloc[0]
    p, method = float(res_f["p_value"]), str(res_f["method"])
    if table.shape == (2, 2):
        odds = float(res_f["odds_ratio"])
        return odds, float("nan"), p, odds, "odds_ratio", method
    return float("nan"), float("nan"), p, _cramers_v(chi2_raw, table), "cramers_v", method


def _measurement_level(
    data: pd.DataFrame, value: str, survey: Survey | None
) -> tuple[str | None, Item | None]:
    """The level the survey gives ``value`` (item or scale), or None; and the item."""
    if survey is None:
        return None, None
    if value in {sc.id for sc in survey.scales}:
        return "numeric", None
    item = next(
        (i for i in survey.questions if i.id == value or i.column_name == value),
        None,
    )
    if item is None:
        return None, None
    if item.type == "number":
        return "numeric", item
    if item.type == "likert":
        return "ordinal", item
    if item.type == "choice":
        cl = survey.choices_for(item)
        return ("ordinal" if cl is not None and cl.ordered else "categorical"), item
    raise ConfigurationError(
        f"item {item.id!r} is a {item.type} item; compare_groups compares likert, choice and "
        "number items and scales",
        code="not-comparable",
    )


def _level_from_data(series: pd.Series) -> str:
    """Without a survey: categories for text, booleans, unordered categoricals and 0/1 codes;
    ranks (ordinal) for other numbers and ordered categoricals."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return "ordinal" if dtype.ordered else "categorical"
    if pd.api.types.is_bool_dtype(dtype):
        return "categorical"
    num = pd.to_numeric(series.astype(object), errors="coerce")
    if (num.isna() & series.notna()).any():
        return "categorical"
    present = set(num.dropna().unique().tolist())
    if present and present <= {0, 1}:
        return "categorical"
    return "ordinal"


def compare_groups(
    data: pd.DataFrame,
    value: str,
    between: str,
    *,
    test: Literal[
        "auto", "mannwhitney", "kruskal", "t", "welch", "anova", "chi2", "fisher"
    ] = "auto",
    padjust: str = "holm",
    pairwise: bool = True,
    survey: Survey | str | Path | None = None,
    level: Literal["categorical", "ordinal", "numeric"] | None = None,
) -> CompareResult:
    """Test whether groups differ, with effect sizes and adjusted pairwise comparisons.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    value : str
        The outcome column (an item or scale id when ``survey`` is given).
    between : str
        The grouping column. Rows with a missing value or group are left out (``n_missing``).
    test : {"auto", "mannwhitney", "kruskal", "t", "welch", "anova", "chi2", "fisher"}
        ``auto`` picks by measurement level (see ``level``): categorical -> chi-squared, or
        Fisher's exact test when more than 20 % of expected counts are below 5 (Cochran 1954);
        ordinal -> Mann-Whitney U (two groups) or Kruskal-Wallis; numeric -> Welch's t (two
        groups) or Welch's ANOVA. ``anova`` is the classic one-way ANOVA (equal variances).
    padjust : {"holm", "fdr_bh", "bonf", "sidak", "fdr_by", "none"}
        Correction of the pairwise p-values (``pingouin.multicomp``).
    pairwise : bool
        Also compare every pair of groups.
    survey : Survey, path or bundled id, optional
        The instrument: ``value``'s measurement level is read from it (a likert item or an
        ordered choice list: ordinal; an unordered choice list: categorical; a number item or a
        scale: numeric) and its declared missing codes ("prefer not to say") are left out.
    level : {"categorical", "ordinal", "numeric"}, optional
        Overrides the level. Default: from ``survey``; without one, from the data: text,
        booleans, unordered categoricals and columns holding only 0/1 are categorical; other
        numbers and ordered categoricals ordinal.

    Returns
    -------
    CompareResult
        ``.omnibus`` and ``.pairwise`` frames (see :class:`CompareResult`).

    Notes
    -----
    Tests: Mann-Whitney U from :func:`~leadership_eval.exact.mann_whitney` (exact without
    ties when both groups have fewer than 50 values, as R's ``wilcox.test``); Kruskal-Wallis
    (pingouin ``kruskal``: the chi-squared approximation with the tie correction, as R's
    ``kruskal.test``); Welch's t (pingouin ``ttest``, R's ``t.test``); Welch's ANOVA
    (pingouin ``welch_anova``, R's ``oneway.test(var.equal = FALSE)``); the classic ANOVA
    (pingouin ``anova``, R's ``aov``); chi-squared (scipy ``chi2_contingency``, with Yates'
    correction for 2 x 2 tables as R's ``chisq.test``); Fisher's exact test from
    :func:`~leadership_eval.exact.fisher_exact` (exact for r x c tables by a network
    algorithm, or a named Monte Carlo p-value when the table is too large). ``method`` says
    which p-value each test gave. Effect sizes:

    * Mann-Whitney U: rank-biserial correlation :math:`r = 2U_a/(n_a n_b) - 1` (positive when
      the first group ranks higher);
    * Kruskal-Wallis: :math:`\\varepsilon^2 = H/(n-1)` (Tomczak & Tomczak 2014);
    * Welch's t: Hedges' :math:`g`;
    * ANOVA and Welch's ANOVA: :math:`\\eta^2 = SS_b/SS_t`; ANOVA also
      :math:`\\omega^2 = (SS_b - (k-1)MS_w)/(SS_t + MS_w)`;
    * chi-squared: Cramér's :math:`V = \\sqrt{\\chi^2/(n(\\min(r,c)-1))}` (uncorrected
      :math:`\\chi^2`); Fisher: R's conditional maximum likelihood odds ratio for 2 x 2 tables,
      Cramér's V otherwise.

    Pairwise comparisons use the two-group version of the omnibus test (Mann-Whitney U after
    Kruskal-Wallis, Welch's t after either ANOVA, chi-squared or Fisher on the pair's
    sub-table), adjusted by ``padjust``.

    References
    ----------
    Vallat R. Pingouin: statistics in Python. Journal of Open Source Software 2018; 3(31): 1026.
    doi:10.21105/joss.01026

    Welch BL. On the comparison of several mean values: an alternative approach. Biometrika
    1951; 38(3/4): 330-336. doi:10.2307/2332579

    Cochran WG. Some methods for strengthening the common chi-squared tests. Biometrics 1954;
    10(4): 417-451. doi:10.2307/3001616

    Tomczak M, Tomczak E. The need to report effect size estimates revisited. Trends in Sport
    Sciences 2014; 1(21): 19-25.

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.compare import compare_groups
    >>> df = pd.DataFrame({"g": list("aaaaabbbbbccccc"),
    ...                    "y": [1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 2, 3, 3, 4, 4]})
    >>> res = compare_groups(df, "y", "g")
    >>> res.test
    'kruskal'
    >>> res.pairwise[["a", "b", "p_corr"]].round(3)
       a  b  p_corr
    0  a  b   0.057
    1  a  c   0.250
    2  b  c   0.250
    """
    data = _checked_data(data, value, between)
    if not isinstance(pairwise, bool | np.bool_):
        raise ArgumentError(f"pairwise must be True or False, not {pairwise!r}")
    if test not in _TESTS:
        raise ConfigurationError(f"test must be one of {', '.join(_TESTS)}; found {test!r}")
    if padjust not in _PADJUST:
        raise ConfigurationError(f"padjust must be one of {', '.join(_PADJUST)}; found {padjust!r}")
    if level is not None and level not in LEVELS:
        raise ConfigurationError(f"level must be one of {', '.join(LEVELS)}; found {level!r}")
    sv = as_survey(survey) if survey is not None else None
    survey_level, item = _measurement_level(data, value, sv)
    values = _answers(data[value], item, sv)
    chosen_level = level or survey_level or _level_from_data(data[value])
    keep = values.notna() & data[between].notna()
    sub = pd.DataFrame({value: values[keep], between: data.loc[keep, between]})
    groups = _groups(sub[between], between)
    k = len(groups)
    is_numeric = True
    try:
        y = numeric(sub[value], value)
    except DataError:
        is_numeric = False
        y = np.array([])
    chosen = _chosen_test(test, chosen_level, is_numeric, sub, value, between, k)
    samples: dict[Any, np.ndarray] = {}
    if is_numeric:
        gvals = sub[between].to_numpy()
        samples = {g: y[gvals == g] for g in groups}
        _check_samples(chosen, samples, sub, value, between, pairwise)
    row: dict[str, Any] = {"test": chosen, "dof2": np.nan, "omega_squared": np.nan}
    if chosen in ("mannwhitney", "t"):
        row.update(_two_groups(chosen, samples[groups[0]], samples[groups[1]]))
    elif chosen in _MANY_GROUPS:
        frame = pd.DataFrame({"y": y, "g": sub[between].astype(str).to_numpy()})
        row.update(_MANY_GROUPS[chosen](frame))
    else:
        row.update(_table_row(pd.crosstab(sub[between], sub[value]), chosen))
    row.update(n=int(keep.sum()), n_missing=int((~keep).sum()), groups=k, level=chosen_level)
    omnibus = pd.DataFrame([row])[_OMNIBUS_COLUMNS]
    rows: list[dict[str, Any]] = []
    if pairwise:
        for a, b in itertools.combinations(groups, 2):
            rows.append(_pair(chosen, a, b, sub, value, between, samples, row["effect_size"]))
    return CompareResult(test=chosen, omnibus=omnibus, pairwise=_adjusted(rows, padjust))


def _checked_data(data: Any, value: Any, between: Any) -> pd.DataFrame:
    """``data`` of :func:`compare_groups`, with ``value`` and ``between`` one column each."""
    from collections.abc import Hashable

    from .._frames import unhashable_positions

    data = check_frame(data)
    for name, role in ((value, "value"), (between, "between")):
        if not isinstance(name, Hashable):
            raise ArgumentError(
                f"{role} must be one column name, not {type(name).__name__} ({name!r}); compare "
                "one outcome by one grouping column per call"
            )
        check_columns(data, name, role)
        if int((data.columns == name).sum()) > 1:
            raise DataError(
                f"data has repeated column names: {name!r} (the {role} column); rename or drop "
                "the copies",
                code="duplicate-column",
            )
        bad = unhashable_positions(data[name])
        if bad:
            rows = ", ".join(repr(data.index[i]) for i in bad[:10])
            raise DataError(
                f"the {role} column {name!r} holds a list, set or dict in {len(bad)} row(s) "
                f"(rows {rows}); each cell must hold one value",
                code="unhashable-value",
            )
    return data


def _groups(groups: pd.Series, between: Any) -> list[Any]:
    """The groups compared, sorted; at least two, each with a label of its own as text."""
    found = sorted(pd.unique(groups), key=lambda v: (str(type(v)), v))
    if len(found) < 2:
        raise DataError(
            f"comparing groups needs at least two groups with answers in {between!r}; "
            f"found {len(found)}",
            code="too-few-groups",
        )
    by_text: dict[str, list[Any]] = {}
    for g in found:
        by_text.setdefault(str(g), []).append(g)
    same = [v for v in by_text.values() if len(v) > 1]
    if same:
        shown = " and ".join(f"{g!r} ({type(g).__name__})" for g in same[0])
        raise DataError(
            f"the between column {between!r} holds {shown}: groups that read the same but are "
            f"of different types would be compared as different groups; make the column one "
            f"type (e.g. data[{between!r}].astype(str))",
            code="invalid-data",
        )
    return found


def _check_samples(
    chosen: str,
    samples: dict[Any, np.ndarray],
    sub: pd.DataFrame,
    value: Any,
    between: Any,
    pairwise: bool,
) -> None:
    """Refuse what a test on numbers cannot use: infinite values, groups too small (the classic
    ANOVA takes a group of one, but not its pairwise t tests), or without spread."""
    y = np.concatenate(list(samples.values()))
    if np.isinf(y).any():
        rows = sub.index[np.isinf(sub[value].to_numpy(dtype=float, na_value=np.nan))]
        raise DataError(
            f"column {value!r} holds infinite values (rows {', '.join(map(repr, rows[:10]))}); "
            "set them to NaN or correct them",
            code="not-numeric",
        )
    if chosen not in ("t", "welch", "anova"):
        return
    label = {"t": "Welch's t test", "welch": "Welch's ANOVA", "anova": "the ANOVA"}[chosen]
    small = [(g, len(x)) for g, x in samples.items() if len(x) < 2]
    if small and (chosen != "anova" or pairwise):
        g, n = small[0]
        raise DataError(
            f"{label} needs at least two values in each group of {between!r}; group {g!r} has "
            f"{n}; use test='kruskal' or 'mannwhitney' (ranks), or leave the group out",
            code="too-few",
        )
    flat = [g for g, x in samples.items() if np.ptp(x) == 0]
    undefined = flat[:1] if chosen == "welch" else flat if len(flat) == len(samples) else []
    if undefined:
        what = "within each group" if chosen == "welch" else "within at least one group"
        raise DataError(
            f"{label} needs values that vary {what} of {between!r}; group "
            f"{undefined[0]!r} has the same value throughout ({samples[undefined[0]][0]:g}); "
            "use test='kruskal' or 'mannwhitney' (ranks)",
            code="constant",
        )


_OMNIBUS_COLUMNS = [
    "test",
    "statistic_name",
    "statistic",
    "dof",
    "dof2",
    "p_value",
    "effect_size",
    "effect",
    "omega_squared",
    "n",
    "n_missing",
    "groups",
    "level",
    "method",
]
_PAIR_COLUMNS = [
    "a",
    "b",
    "n_a",
    "n_b",
    "test",
    "statistic",
    "p_unc",
    "effect_size",
    "effect",
    "method",
]


def _answers(values: pd.Series, item: Item | None, sv: Survey | None) -> pd.Series:
    """The answers compared: declared missing codes dropped, ordered text codes as ranks (the
    survey's ordered lists, or an ordered categorical of text without a survey)."""
    if item is None or sv is None:
        dtype = values.dtype
        text = isinstance(dtype, pd.CategoricalDtype) and dtype.ordered
        if text and not pd.api.types.is_numeric_dtype(dtype.categories.dtype):
            codes = values.cat.codes.astype(float) + 1
            return codes.where(values.notna())
        return values
    cl = sv.choices_for(item)
    if cl is not None and cl.missing_codes:
        miss = {code_text(c) for c in cl.missing_codes}
        keys = values.astype(object).map(code_text, na_action="ignore")
        values = values.where(~keys.isin(miss))
    if cl is not None and not cl.numeric and cl.ordered:
        order = {str(c): i + 1 for i, c in enumerate(cl.codes)}
        values = values.astype(object).map(lambda v: order.get(str(v)), na_action="ignore")
    return values


def _chosen_test(
    test: str,
    level: str,
    is_numeric: bool,
    sub: pd.DataFrame,
    value: str,
    between: str,
    k: int,
) -> str:
    """The test to run: as asked, or chosen by the measurement level (``auto``)."""
    from scipy import stats

    chosen = test
    if test == "auto":
        if level == "categorical" or not is_numeric:
            table = pd.crosstab(sub[between], sub[value]).to_numpy()
            expected = stats.contingency.expected_freq(table)
            chosen = "fisher" if (expected < 5).mean() > 0.2 else "chi2"
        elif level == "ordinal":
            chosen = "mannwhitney" if k == 2 else "kruskal"
        else:
            chosen = "t" if k == 2 else "welch"
    if chosen in ("mannwhitney", "kruskal", "t", "welch", "anova") and not is_numeric:
        numeric(sub[value], value)  # raises the informative error
    if chosen in ("mannwhitney", "t") and k != 2:
        alt = "kruskal" if chosen == "mannwhitney" else "welch"
        raise ConfigurationError(
            f"test={chosen!r} compares two groups but {between!r} has {k}; use test={alt!r}",
            code="too-many-groups",
        )
    return chosen


def _two_groups(chosen: str, xa: np.ndarray, xb: np.ndarray) -> dict[str, Any]:
    import pingouin as pg

    stat, p, eff, method = _pair_numeric(xa, xb, chosen == "t")
    if chosen == "t":
        dof = float(pg.ttest(xa, xb, correction=True)["dof"].iloc[0])
        return dict(
            statistic_name="t",
            statistic=stat,
            dof=dof,
            p_value=p,
            effect_size="hedges_g",
            effect=eff,
            method=method,
        )
    return dict(
        statistic_name="U",
        statistic=stat,
        dof=np.nan,
        p_value=p,
        effect_size="rank_biserial",
        effect=eff,
        method=method,
    )


def _kruskal(frame: pd.DataFrame) -> dict[str, Any]:
    import pingouin as pg

    res = pg.kruskal(frame, dv="y", between="g")
    h = float(res["H"].iloc[0])
    return dict(
        statistic_name="H",
        statistic=h,
        dof=float(res["ddof1"].iloc[0]),
        p_value=float(res["p_unc"].iloc[0]),
        effect_size="epsilon_squared",
        effect=h / (len(frame) - 1),
        method="chi-squared approximation, tie corrected",
    )


def _welch(frame: pd.DataFrame) -> dict[str, Any]:
    import pingouin as pg

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = pg.welch_anova(frame, dv="y", between="g")
    return dict(
        statistic_name="F",
        statistic=float(res["F"].iloc[0]),
        dof=float(res["ddof1"].iloc[0]),
        dof2=float(res["ddof2"].iloc[0]),
        p_value=float(res["p_unc"].iloc[0]),
        effect_size="eta_squared",
        effect=float(res["np2"].iloc[0]),
        method="Welch",
    )


def _anova(frame: pd.DataFrame) -> dict[str, Any]:
    import pingouin as pg

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pingouin 0.7 uses an inplace= pandas deprecates
        res = pg.anova(frame, dv="y", between="g", detailed=True)
    ss_b, ss_w = float(res["SS"].iloc[0]), float(res["SS"].iloc[1])
    df_b, df_w = float(res["DF"].iloc[0]), float(res["DF"].iloc[1])
    ms_w = ss_w / df_w
    return dict(
        statistic_name="F",
        statistic=float(res["F"].iloc[0]),
        dof=df_b,
        dof2=df_w,
        p_value=float(res["p_unc"].iloc[0]),
        effect_size="eta_squared",
        effect=ss_b / (ss_b + ss_w),
        omega_squared=(ss_b - df_b * ms_w) / (ss_b + ss_w + ms_w),
        method="F, equal variances",
    )


_MANY_GROUPS: dict[str, Any] = {"kruskal": _kruskal, "welch": _welch, "anova": _anova}


def _table_row(ct: pd.DataFrame, chosen: str) -> dict[str, Any]:
    stat, dof, p, eff, name, method = _table_test(ct.to_numpy(), chosen)
    stat_name = "chi2" if chosen == "chi2" else "odds_ratio" if ct.shape == (2, 2) else "none"
    return dict(
        statistic_name=stat_name,
        statistic=stat,
        dof=dof,
        p_value=p,
        effect_size=name,
        effect=eff,
        method=method,
    )


def _pair(
    chosen: str,
    a: Any,
    b: Any,
    sub: pd.DataFrame,
    value: str,
    between: str,
    samples: dict[Any, np.ndarray],
    effect_size: str,
) -> dict[str, Any]:
    """One pair of groups, by the omnibus test's pairwise counterpart."""
    if chosen in ("chi2", "fisher"):
        pair = sub[sub[between].isin([a, b])]
        ct = pd.crosstab(pair[between], pair[value])
        ct = ct.loc[:, ct.sum(axis=0) > 0]
        if ct.shape[1] < 2:
            stat, p, eff, name = np.nan, 1.0, np.nan, effect_size
            method = "one category only"
        else:
            stat, _, p, eff, name, method = _table_test(ct.to_numpy(), chosen)
        n_a, n_b = int((pair[between] == a).sum()), int((pair[between] == b).sum())
        ptest: str = chosen
    else:
        parametric = chosen in ("t", "welch", "anova")
        stat, p, eff, method = _pair_numeric(samples[a], samples[b], parametric)
        name = "hedges_g" if parametric else "rank_biserial"
        n_a, n_b = len(samples[a]), len(samples[b])
        ptest = "t" if parametric else "mannwhitney"
    return {
        "a": a,
        "b": b,
        "n_a": n_a,
        "n_b": n_b,
        "test": ptest,
        "statistic": stat,
        "p_unc": p,
        "effect_size": name,
        "effect": eff,
        "method": method,
    }


def _adjusted(rows: list[dict[str, Any]], padjust: str) -> pd.DataFrame:
    """The pairwise table with p-values adjusted for the number of pairs."""
    import pingouin as pg

    pw = pd.DataFrame(rows, columns=_PAIR_COLUMNS)
    if not pw.empty:
        _, p_corr = pg.multicomp(pw["p_unc"].to_numpy(dtype=float), method=padjust)
        pw.insert(7, "p_corr", np.asarray(p_corr, dtype=float))
        pw.insert(8, "p_adjust", padjust)
    else:
        pw.insert(7, "p_corr", pd.Series(dtype=float))
        pw.insert(8, "p_adjust", pd.Series(dtype=object))
    return pw


# ------------------------------------------------------------------------------ waves


def compare_composition(
    before: pd.DataFrame,
    after: pd.DataFrame,
    columns: str | Sequence[str],
) -> pd.DataFrame:
    """Who answered each wave: the distribution of characteristics (grade, trust...) in two
    waves, and a test of whether it changed.

    Parameters
    ----------
    before, after : pandas.DataFrame
        Responses of each wave.
    columns : str or list of str
        Characteristics to compare (columns of both frames): one column name, or a non-empty
        list of them. A missing value (NaN, None, pd.NA) is a category of its own (shown as NA),
        never dropped.

    Returns
    -------
    pandas.DataFrame
        One row per column and value: ``column``, ``value``, ``n_before``, ``n_after``,
        ``percent_before``, ``percent_after``, and per column ``test`` (``chi2`` or ``fisher``,
        chosen as in :func:`compare_groups`), ``p_value``, ``method``. When a wave has no rows
        there is nothing to test: ``test`` is ``none``, ``p_value`` NaN and ``method`` says
        which wave is empty.

    Notes
    -----
    A change in the waves' composition (more registrars, a trust that did not take part) can
    explain a change in results: read :func:`compare_waves` beside this table, or compare
    within the characteristic with ``group=``.

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.compare import compare_composition
    >>> b = pd.DataFrame({"grade": ["fy1"] * 6 + ["core"] * 4})
    >>> a = pd.DataFrame({"grade": ["fy1"] * 2 + ["core"] * 7 + [None]})
    >>> compare_composition(b, a, "grade")[["value", "n_before", "n_after", "test"]]
      value  n_before  n_after    test
    0  core         4        7  fisher
    1   fy1         6        2  fisher
    2   NaN         0        1  fisher
    """
    from scipy import stats

    before = check_frame(before, "before")
    after = check_frame(after, "after")
    cols = _composition_columns(columns)
    parts = []
    for col in cols:
        for frame, what in ((before, "before"), (after, "after")):
            check_columns(frame, col, "composition")
            if int((frame.columns == col).sum()) > 1:
                raise DataError(
                    f"{what} has repeated column names: {col!r}", code="duplicate-column"
                )
        nb, na = _missing_as_one(
            before[col].value_counts(dropna=False), after[col].value_counts(dropna=False)
        )
        table = pd.concat([nb, na], axis=1, keys=["n_before", "n_after"]).fillna(0)
        table = table.astype("int64")
        order = sorted(table.index, key=lambda v: (pd.isna(v), str(v)))
        table = table.loc[order]
        counts = table.to_numpy().T
        empty = [w for w, n in (("before", len(before)), ("after", len(after))) if n == 0]
        if empty:
            test, p, method = "none", float("nan"), f"no rows in the {' and '.join(empty)} wave"
        elif counts.shape[1] < 2:
            test, p, method = "none", 1.0, "one category only"
        else:
            expected = stats.contingency.expected_freq(counts)
            test = "fisher" if (expected < 5).mean() > 0.2 else "chi2"
            _, _, p, _, _, method = _table_test(counts, test)
        frame = table.reset_index(names="value")
        frame.insert(0, "column", col)
        frame["percent_before"] = 100 * frame["n_before"] / max(int(frame["n_before"].sum()), 1)
        frame["percent_after"] = 100 * frame["n_after"] / max(int(frame["n_after"].sum()), 1)
        frame["test"], frame["p_value"], frame["method"] = test, p, method
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)


def _composition_columns(columns: Any) -> list[Any]:
    """``columns`` of :func:`compare_composition` as a list: one name (text or another hashable
    label) or a non-empty list of them."""
    from collections.abc import Hashable, Iterable

    if isinstance(columns, str) or (
        isinstance(columns, Hashable) and not isinstance(columns, Iterable)
    ):
        return [columns]
    if not isinstance(columns, Iterable) or isinstance(columns, (pd.DataFrame, dict)):
        raise ArgumentError(
            f"columns must be a column name or a list of column names, not {type(columns).__name__}"
        )
    cols = list(columns)
    if not cols:
        raise ArgumentError("columns is empty: name at least one column to compare")
    bad = [c for c in cols if not isinstance(c, Hashable)]
    if bad:
        raise ArgumentError(
            f"columns holds {len(bad)} entr(y/ies) that are not column names: "
            + ", ".join(type(c).__name__ for c in bad[:5])
        )
    return cols


def _missing_as_one(nb: pd.Series, na: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The two waves' counts with every missing value (NaN, None, pd.NA, NaT) under one label.

    ``value_counts`` labels a missing value as its column holds it: NaN for the ``str`` dtype,
    None or pd.NA in an object column. Labels of different kinds do not line up when the counts
    are put side by side, and a wave's missing rows would vanish; so when the kinds differ (or an
    object column holds missing values), each is counted under NaN.
    """

    def missing_kinds(counts: pd.Series) -> set[type]:
        return {type(v) for v in counts.index[counts.index.isna()]}

    kinds = missing_kinds(nb) | missing_kinds(na)
    if not kinds:
        return nb, na

    def as_one(counts: pd.Series) -> pd.Series:
        miss = np.asarray(counts.index.isna(), dtype=bool)
        if not miss.any():
            return counts
        merged = pd.Series(
            [int(counts[miss].sum())], index=pd.Index([np.nan], dtype=object), name=counts.name
        )
        kept = counts[~miss]
        kept.index = kept.index.astype(object)
        return pd.concat([kept, merged])

    mixed = kinds != {float} and (
        len(kinds) > 1
        or nb.index.dtype == object
        or na.index.dtype == object
        or int(nb.index.isna().sum()) > 1
        or int(na.index.isna().sum()) > 1
    )
    if not mixed:
        return nb, na
    return as_one(nb), as_one(na)
