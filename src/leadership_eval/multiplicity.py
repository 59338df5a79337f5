"""Multiplicity: adjusted p-values wherever many tests are read together.

An evaluation of 19 trusts tests many things at once (5 scales x 19 trusts, about 24 statements x
trusts, 11 activities x outcomes, every item x two waves). :func:`adjust_pvalues` adjusts a set
of p-values (the formulas of pingouin's ``multicomp`` and R's ``p.adjust``); every function of the library
that returns many tests takes ``adjust=`` and adds a ``p_adjusted`` column computed over the
tests it returned. To adjust over several calls' results together, concatenate them and call
:func:`adjust_frame`.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from ._frames import check_frame
from .errors import ArgumentError, ConfigurationError, DataError

__all__ = ["ADJUST_METHODS", "adjust_frame", "adjust_pvalues"]

ADJUST_METHODS: dict[str, str] = {
    "none": "none",
    "bonf": "bonf",
    "bonferroni": "bonf",
    "sidak": "sidak",
    "holm": "holm",
    "fdr_bh": "fdr_bh",
    "bh": "fdr_bh",
    "fdr": "fdr_bh",
    "fdr_by": "fdr_by",
    "by": "fdr_by",
}
"""Accepted names (pingouin's and R's ``p.adjust`` names, case-insensitive) -> pingouin's."""


def adjustment_method(method: str) -> str:
    if not isinstance(method, str):
        raise ConfigurationError(
            f"the p-value adjustment must be named as text; found {method!r} (use 'none' to "
            f"leave p-values unadjusted, or one of {', '.join(sorted(set(ADJUST_METHODS)))})",
            code="unknown-adjustment",
        )
    key = method.lower()
    if key not in ADJUST_METHODS:
        raise ConfigurationError(
            f"unknown p-value adjustment {method!r}; use one of "
            f"{', '.join(sorted(set(ADJUST_METHODS)))}",
            code="unknown-adjustment",
        )
    return ADJUST_METHODS[key]


def adjust_pvalues(p: Any, method: str = "fdr_bh") -> np.ndarray:
    """Adjust a family of p-values for multiple testing.

    Parameters
    ----------
    p : array-like of float
        The p-values of one family of tests. Missing values (a suppressed or untestable
        comparison: NaN, None or ``pd.NA``) stay missing and are not counted in the family;
        text that is not a number is an error (``not-numeric``).
    method : str
        ``"holm"`` (Holm 1979, family-wise error), ``"fdr_bh"`` (Benjamini & Hochberg 1995,
        false discovery rate; alias ``"BH"``), ``"bonf"`` (``"bonferroni"``), ``"sidak"``,
        ``"fdr_by"`` (Benjamini & Yekutieli 2001; ``"BY"``) or ``"none"`` (the text: ``None``
        is an error).

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, in the order given, capped at 1.

    Notes
    -----
    With :math:`m` tests and ordered p-values :math:`p_{(1)} \\le \\dots \\le p_{(m)}`:
    Holm :math:`\\tilde p_{(i)} = \\max_{j \\le i} \\min(1, (m - j + 1) p_{(j)})`;
    Benjamini-Hochberg :math:`\\tilde p_{(i)} = \\min_{j \\ge i} \\min(1, m p_{(j)} / j)`.
    Computed as ``pingouin.multicomp`` does (tested equal to it); equal to R's ``p.adjust`` (``"holm"``, ``"BH"``,
    ``"bonferroni"``, ``"BY"``).

    References
    ----------
    Holm S. A simple sequentially rejective multiple test procedure. Scandinavian Journal of
    Statistics 1979; 6(2): 65-70.

    Benjamini Y, Hochberg Y. Controlling the false discovery rate: a practical and powerful
    approach to multiple testing. Journal of the Royal Statistical Society B 1995; 57(1):
    289-300. doi:10.1111/j.2517-6161.1995.tb02031.x

    Examples
    --------
    >>> from leadership_eval.multiplicity import adjust_pvalues
    >>> adjust_pvalues([0.01, 0.04, 0.03, float("nan")], "holm").round(3)
    array([0.03, 0.06, 0.06,  nan])
    >>> adjust_pvalues([0.01, 0.04, 0.03], "BH").round(3)
    array([0.03, 0.04, 0.04])
    """
    how = adjustment_method(method)
    arr = _pvalues(p)
    bad = ~np.isnan(arr) & ((arr < 0) | (arr > 1))
    if bad.any():
        raise DataError(
            f"p-values must lie between 0 and 1; found {arr[bad][0]!r} at position "
            f"{int(np.flatnonzero(bad)[0])}",
            code="bad-pvalue",
            failure_cases=pd.DataFrame({"position": np.flatnonzero(bad), "value": arr[bad]}),
        )
    out = np.full(arr.shape, np.nan)
    ok = ~np.isnan(arr)
    if ok.any():
        if how == "none":
            out[ok] = arr[ok]
        else:
            out[ok] = np.minimum(_adjust(arr[ok], how), 1.0)
    return out


def _pvalues(p: Any, where: Any = None) -> np.ndarray:
    """The p-values as floats, every missing value (None, NaN, ``pd.NA``) as NaN; a value that
    is not a number is a DataError naming its position (or its label in ``where``)."""
    try:
        return np.asarray(p, dtype=float).ravel()
    except (TypeError, ValueError):
        pass
    values = np.asarray(p, dtype=object).ravel()
    out = np.full(len(values), np.nan)
    bad: list[int] = []
    for i, v in enumerate(values):
        if pd.api.types.is_scalar(v) and pd.isna(v):
            continue
        try:
            out[i] = float(v)
        except (TypeError, ValueError):
            bad.append(i)
    if bad:
        labels = list(where) if where is not None else list(range(len(values)))
        at = "row" if where is not None else "position"
        shown = ", ".join(f"{values[i]!r} at {at} {labels[i]!r}" for i in bad[:5])
        raise DataError(
            f"p-values must be numbers; found {shown}{' ...' if len(bad) > 5 else ''}",
            code="not-numeric",
            failure_cases=pd.DataFrame(
                {at: [labels[i] for i in bad], "value": [values[i] for i in bad]}
            ),
        )
    return out


def _adjust(p: np.ndarray, how: str) -> np.ndarray:
    """The adjustments of :func:`pingouin.multicomp` (and R's ``p.adjust``), in numpy: importing
    pingouin costs about a second, which every report would pay for a few lines of arithmetic."""
    m = len(p)
    if how == "bonf":
        return np.minimum(p * m, 1.0)
    if how == "sidak":
        return 1.0 - (1.0 - p) ** m
    order = np.argsort(p, kind="mergesort")
    ranked = p[order]
    out = np.empty(m)
    if how == "holm":
        steps = np.maximum.accumulate((m - np.arange(m)) * ranked)
    else:  # fdr_bh, fdr_by
        factor = np.sum(1.0 / np.arange(1, m + 1)) if how == "fdr_by" else 1.0
        steps = np.minimum.accumulate((factor * m / np.arange(1, m + 1) * ranked)[::-1])[::-1]
    out[order] = np.minimum(steps, 1.0)
    return out


def adjust_frame(
    frame: pd.DataFrame,
    method: str = "fdr_bh",
    *,
    p: str = "p_value",
    by: str | list[str] | None = None,
    out: str = "p_adjusted",
) -> pd.DataFrame:
    """Add adjusted p-values to a frame of test results.

    Parameters
    ----------
    frame : pandas.DataFrame
        Results with a p-value column (e.g. several calls' results concatenated).
    method : str
        See :func:`adjust_pvalues`.
    p : str
        The p-value column (as in :func:`adjust_pvalues`: missing values stay missing, text
        that is not a number is an error naming the row).
    by : str or list of str, optional
        Columns defining separate families (e.g. ``"analysis"`` to adjust confirmatory and
        exploratory tests apart); default: one family.
    out : str
        Name of the new column.

    Returns
    -------
    pandas.DataFrame
        A copy of ``frame`` with ``out`` added (and ``p_adjust``, the method's name).

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.multiplicity import adjust_frame
    >>> res = pd.DataFrame({"scale": ["a", "a", "b"], "p_value": [0.01, 0.02, 0.04]})
    >>> adjust_frame(res, "holm", by="scale")["p_adjusted"].round(3).tolist()
    [0.02, 0.02, 0.04]
    """
    check_frame(frame, "frame")
    if not isinstance(p, Hashable) or not isinstance(out, Hashable):
        raise ArgumentError(f"p and out must each be one column name; found {p!r} and {out!r}")
    if p not in frame.columns:
        raise DataError(f"no p-value column {p!r} in the frame", code="unknown-column")
    adjustment_method(method)
    result = frame.copy()
    # text that is not a number is an error (naming the row), not a p-value set to missing
    values = _pvalues(result[p].to_numpy(dtype=object), where=result.index)
    adjusted = np.full(len(result), np.nan)
    if by is None:
        adjusted = adjust_pvalues(values, method)
    else:
        keys = [by] if isinstance(by, str) or not isinstance(by, list | tuple) else list(by)
        for col in keys:
            if not isinstance(col, Hashable):
                raise ArgumentError(f"by must be a column name or a list of them; found {by!r}")
            if col not in result.columns:
                raise DataError(f"no column {col!r} to group by", code="unknown-column")
        codes = result.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
        for g in np.unique(codes):
            sel = codes == g
            adjusted[sel] = adjust_pvalues(values[sel], method)
    result[out] = adjusted
    result["p_adjust"] = adjustment_method(method)
    return result
