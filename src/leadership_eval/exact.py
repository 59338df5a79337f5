"""Small-sample tests with the p-values R gives by default: exact where R is exact.

Trusts of 5-14 respondents and 8-19 trusts are too small for the normal approximations most
Python libraries use by default. This module gives the rank tests, Spearman's correlation and
Fisher's test for r x c tables with R's rules for when a p-value is exact:

* :func:`mann_whitney` (R's ``wilcox.test(x, y)``): exact distribution of :math:`W` when both
  samples have fewer than 50 values and there are no ties; otherwise the normal approximation
  with tie and continuity corrections;
* :func:`signed_rank` (R's ``wilcox.test(x, y, paired = TRUE)``): exact when fewer than 50
  non-zero differences without ties or zeros; otherwise the corrected normal approximation;
* :func:`spearman` (R's ``cor.test(x, y, method = "spearman")``): without ties, the AS 89
  algorithm R uses (exact enumeration up to 9 pairs, an Edgeworth series above); with ties,
  the :math:`t_{n-2}` approximation;
* :func:`fisher_exact` (R's ``fisher.test``): exact for any r x c table by a network algorithm
  while the work stays within a budget, otherwise a Monte Carlo p-value from random tables with
  the same margins (R's ``simulate.p.value = TRUE``).

Every result names the method that produced its p-value (column ``method``).
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import pandas as pd

from .errors import ArgumentError, ConfigurationError, DataError

__all__ = [
    "fisher_exact",
    "mann_whitney",
    "signed_rank",
    "spearman",
]

Alternative = Literal["two-sided", "greater", "less"]
_ALTERNATIVES = ("two-sided", "greater", "less")

EXACT_LIMIT = 50
"""R's limit: rank tests are exact when the sample sizes are below this (and there are no ties)."""


def _vector(values: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        # pd.NA (an object or nullable column) is missing, as None and NaN are
        obj = np.asarray(values, dtype=object).ravel()
        missing = np.array([pd.api.types.is_scalar(v) and pd.isna(v) for v in obj], dtype=bool)
        if not missing.any():
            raise DataError(f"{name} must hold numbers; {exc}", code="not-numeric") from exc
        arr = np.full(len(obj), np.nan)
        try:
            arr[~missing] = np.asarray(obj[~missing].tolist(), dtype=float)
        except (TypeError, ValueError) as exc2:
            raise DataError(f"{name} must hold numbers; {exc2}", code="not-numeric") from exc2
    return arr


def _check_alternative(alternative: str) -> None:
    if alternative not in _ALTERNATIVES:
        raise ConfigurationError(
            f"alternative must be one of {', '.join(_ALTERNATIVES)}; found {alternative!r}"
        )


def _two_sided(lower: float, upper: float) -> float:
    """R's two-sided p-value of a discrete statistic: twice the smaller tail, at most 1."""
    return min(1.0, 2.0 * min(lower, upper))


# ------------------------------------------------------------------------------ distributions


def _rank_sum_counts(m: int, n: int) -> np.ndarray:
    """Counts of the Mann-Whitney :math:`W = U_x` over all :math:`\\binom{m+n}{m}` splits
    (index = W), by the subset-sum recursion over the ranks 1..m+n."""
    big = m + n
    top = m * big  # loose bound on the rank sum
    dp = np.zeros((m + 1, top + 1))
    dp[0, 0] = 1.0
    for rank in range(1, big + 1):
        upto = min(rank, m)
        dp[1 : upto + 1, rank:] += dp[0:upto, : top + 1 - rank]
    sums = dp[m]
    offset = m * (m + 1) // 2
    return sums[offset : offset + m * n + 1]


def _signed_rank_counts(n: int) -> np.ndarray:
    """Counts of :math:`V = W^+` over the :math:`2^n` sign patterns (index = V)."""
    top = n * (n + 1) // 2
    dp = np.zeros(top + 1)
    dp[0] = 1.0
    for rank in range(1, n + 1):
        dp[rank:] = dp[rank:] + dp[: top + 1 - rank].copy()
    return dp


def _tails(counts: np.ndarray, stat: float) -> tuple[float, float]:
    """P(S <= stat) and P(S >= stat) of an integer statistic with the given counts."""
    total = counts.sum()
    k = round(stat)
    lower = float(counts[: k + 1].sum() / total)
    upper = float(counts[k:].sum() / total)
    return lower, upper


def _result(row: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame([row])


# ------------------------------------------------------------------------------ Mann-Whitney


def mann_whitney(
    x: Any,
    y: Any,
    *,
    alternative: Alternative = "two-sided",
    exact: bool | None = None,
    correct: bool = True,
) -> pd.DataFrame:
    """Mann-Whitney U (Wilcoxon rank-sum) test of ``x`` against ``y``, as R's ``wilcox.test``.

    Parameters
    ----------
    x, y : array-like of float
        The two samples (missing values are left out and counted).
    alternative : {"two-sided", "greater", "less"}
        ``greater``: ``x`` tends to be larger than ``y``.
    exact : bool, optional
        Default (R's rule): exact when both samples have fewer than 50 values and there are no
        ties. ``True`` with ties falls back to the normal approximation (as R, which warns).
    correct : bool
        Continuity correction of the normal approximation (R's default ``TRUE``).

    Returns
    -------
    pandas.DataFrame
        One row: ``n_x``, ``n_y``, ``n_missing``, ``statistic`` (:math:`W = U_x`, R's ``W``),
        ``p_value``, ``alternative``, ``method`` (``exact`` or ``normal approximation``, with
        the corrections applied), ``rank_biserial`` (:math:`2W/(n_x n_y) - 1`, positive when
        ``x`` tends to be larger).

    Notes
    -----
    :math:`W = R_x - n_x(n_x+1)/2` with :math:`R_x` the sum of the (mid-)ranks of ``x`` in the
    pooled sample. The exact null distribution counts the :math:`\\binom{n_x+n_y}{n_x}` ways to
    choose the ranks of ``x``; the two-sided p-value is :math:`\\min(1, 2\\min(P(W\\le w),
    P(W \\ge w)))` (R's). The approximation uses :math:`z = (W - n_x n_y/2 - c)/\\sigma` with
    :math:`\\sigma^2 = \\frac{n_x n_y}{12}\\big(n+1 - \\sum_t (t^3-t)/(n(n-1))\\big)` over tie
    groups of size :math:`t` and :math:`c = \\pm 0.5` toward zero when ``correct``.

    References
    ----------
    Mann HB, Whitney DR. On a test of whether one of two random variables is stochastically
    larger than the other. Annals of Mathematical Statistics 1947; 18(1): 50-60.
    doi:10.1214/aoms/1177730491

    Hollander M, Wolfe DA, Chicken E. Nonparametric statistical methods. 3rd ed. Hoboken: Wiley;
    2014.

    Examples
    --------
    >>> from leadership_eval.exact import mann_whitney
    >>> res = mann_whitney([1.1, 2.3, 3.2, 4.8, 5.1], [0.2, 0.9, 1.4, 2.1, 2.2, 3.0])
    >>> res[["statistic", "p_value", "method"]].round(4)
       statistic  p_value method
    0       25.0   0.0823  exact
    """
    from scipy import stats

    _check_alternative(alternative)
    xa, ya = _vector(x, "x"), _vector(y, "y")
    n_missing = int(np.isnan(xa).sum() + np.isnan(ya).sum())
    xa, ya = xa[~np.isnan(xa)], ya[~np.isnan(ya)]
    nx, ny = len(xa), len(ya)
    if nx == 0 or ny == 0:
        raise DataError(
            f"the Mann-Whitney test needs values in both samples; found {nx} and {ny}",
            code="empty-sample",
        )
    pooled = np.concatenate([xa, ya])
    ranks = stats.rankdata(pooled)
    w = float(ranks[:nx].sum() - nx * (nx + 1) / 2)
    _, tie_counts = np.unique(pooled, return_counts=True)
    ties = bool((tie_counts > 1).any())
    use_exact = (nx < EXACT_LIMIT and ny < EXACT_LIMIT) if exact is None else exact
    use_exact = use_exact and not ties
    if use_exact:
        lower, upper = _tails(_rank_sum_counts(nx, ny), w)
        p = {"two-sided": _two_sided(lower, upper), "greater": upper, "less": lower}[alternative]
        method = "exact"
    else:
        n = nx + ny
        z = w - nx * ny / 2
        sigma = math.sqrt(
            nx * ny / 12 * ((n + 1) - float((tie_counts**3 - tie_counts).sum()) / (n * (n - 1)))
        )
        c = 0.0
        if correct:
            c = {"two-sided": math.copysign(0.5, z) if z else 0.0, "greater": 0.5, "less": -0.5}[
                alternative
            ]
        zz = (z - c) / sigma if sigma > 0 else 0.0
        if alternative == "two-sided":
            p = min(1.0, 2 * min(stats.norm.cdf(zz), stats.norm.sf(zz)))
        elif alternative == "greater":
            p = float(stats.norm.sf(zz))
        else:
            p = float(stats.norm.cdf(zz))
        method = "normal approximation" + (", continuity corrected" if correct else "")
        if ties:
            method += ", tie corrected"
    return _result(
        {
            "n_x": nx,
            "n_y": ny,
            "n_missing": n_missing,
            "statistic": w,
            "p_value": float(p),
            "alternative": alternative,
            "method": method,
            "rank_biserial": 2 * w / (nx * ny) - 1,
        }
    )


# ------------------------------------------------------------------------------ signed rank


def signed_rank(
    x: Any,
    y: Any = None,
    *,
    alternative: Alternative = "two-sided",
    exact: bool | None = None,
    correct: bool = True,
) -> pd.DataFrame:
    """Wilcoxon signed-rank test of ``x - y`` (or of ``x``) around zero, as R's ``wilcox.test``
    with ``paired = TRUE``.

    Parameters
    ----------
    x : array-like of float
        Values, or the first of each pair.
    y : array-like of float, optional
        The second of each pair (same length as ``x``). A pair with a missing value is left out.
    alternative : {"two-sided", "greater", "less"}
        ``greater``: ``x - y`` tends to be positive.
    exact : bool, optional
        Default (R's rule): exact when fewer than 50 non-zero differences and no ties or zeros.
    correct : bool
        Continuity correction of the normal approximation.

    Returns
    -------
    pandas.DataFrame
        One row: ``n`` (non-zero differences), ``n_zero``, ``n_missing``, ``statistic``
        (:math:`V`, the sum of the ranks of the positive differences, R's ``V``), ``p_value``,
        ``alternative``, ``method``, ``rank_biserial`` (matched-pairs rank-biserial
        correlation :math:`(V - (S - V))/S`, :math:`S = n(n+1)/2`).

    Notes
    -----
    Zero differences are dropped before ranking (R's and Wilcoxon's convention). The exact null
    distribution of :math:`V` counts the :math:`2^n` sign patterns; two-sided p-values are
    twice the smaller tail. The approximation: :math:`z = (V - n(n+1)/4 - c)/\\sigma`,
    :math:`\\sigma^2 = n(n+1)(2n+1)/24 - \\sum_t (t^3 - t)/48`.

    References
    ----------
    Wilcoxon F. Individual comparisons by ranking methods. Biometrics Bulletin 1945; 1(6):
    80-83. doi:10.2307/3001968

    Kerby DS. The simple difference formula: an approach to teaching nonparametric correlation.
    Comprehensive Psychology 2014; 3: 11.IT.3.1. doi:10.2466/11.IT.3.1

    Examples
    --------
    >>> from leadership_eval.exact import signed_rank
    >>> res = signed_rank([3.1, 4.2, 2.8, 5.0, 3.9, 4.4], [2.2, 3.1, 3.0, 3.7, 3.5, 2.8])
    >>> res[["n", "statistic", "p_value", "method"]].round(4)
       n  statistic  p_value method
    0  6       20.0   0.0625  exact
    """
    from scipy import stats

    _check_alternative(alternative)
    xa = _vector(x, "x")
    if y is not None:
        ya = _vector(y, "y")
        if len(ya) != len(xa):
            raise DataError(
                f"paired samples must have the same length; found {len(xa)} and {len(ya)}",
                code="unequal-length",
            )
        d = xa - ya
    else:
        d = xa
    n_missing = int(np.isnan(d).sum())
    d = d[~np.isnan(d)]
    n_zero = int((d == 0).sum())
    d = d[d != 0]
    n = len(d)
    if n == 0:
        raise DataError(
            "the signed-rank test needs at least one non-zero difference", code="empty-sample"
        )
    ranks = stats.rankdata(np.abs(d))
    v = float(ranks[d > 0].sum())
    _, tie_counts = np.unique(np.abs(d), return_counts=True)
    ties = bool((tie_counts > 1).any())
    use_exact = (n < EXACT_LIMIT) if exact is None else exact
    use_exact = use_exact and not ties and n_zero == 0
    total = n * (n + 1) / 2
    if use_exact:
        lower, upper = _tails(_signed_rank_counts(n), v)
        p = {"two-sided": _two_sided(lower, upper), "greater": upper, "less": lower}[alternative]
        method = "exact"
    else:
        z = v - n * (n + 1) / 4
        sigma = math.sqrt(
            n * (n + 1) * (2 * n + 1) / 24 - float((tie_counts**3 - tie_counts).sum()) / 48
        )
        c = 0.0
        if correct:
            c = {"two-sided": math.copysign(0.5, z) if z else 0.0, "greater": 0.5, "less": -0.5}[
                alternative
            ]
        zz = (z - c) / sigma if sigma > 0 else 0.0
        if alternative == "two-sided":
            p = min(1.0, 2 * min(stats.norm.cdf(zz), stats.norm.sf(zz)))
        elif alternative == "greater":
            p = float(stats.norm.sf(zz))
        else:
            p = float(stats.norm.cdf(zz))
        method = "normal approximation" + (", continuity corrected" if correct else "")
        if ties or n_zero:
            method += ", tie corrected" if ties else ""
            method += ", zeros dropped" if n_zero else ""
    return _result(
        {
            "n": n,
            "n_zero": n_zero,
            "n_missing": n_missing,
            "statistic": v,
            "p_value": float(p),
            "alternative": alternative,
            "method": method,
            "rank_biserial": (v - (total - v)) / total,
        }
    )


# ------------------------------------------------------------------------------ Spearman

_SPEARMAN_EXACT_N = 9  # R's prho: exact enumeration up to this n, Edgeworth series above
_SPEARMAN_LIMIT = 1290  # R: beyond this, n^3 overflows and the t approximation is used


def _spearman_counts(n: int) -> np.ndarray:
    """Counts of :math:`S = \\sum_i (i - \\pi_i)^2` over the :math:`n!` permutations, by
    dynamic programming over the set of ranks already placed (``2^n`` states)."""
    top = n * (n * n - 1) // 3
    dp = np.zeros((1 << n, top + 1))
    dp[0, 0] = 1.0
    popcount = [bin(m).count("1") for m in range(1 << n)]
    for mask in range(1 << n):
        row = dp[mask]
        if not row.any():
            continue
        i = popcount[mask] + 1  # position being filled
        for j in range(1, n + 1):
            bit = 1 << (j - 1)
            if mask & bit:
                continue
            step = (i - j) ** 2
            dp[mask | bit, step:] += row[: top + 1 - step]
    return dp[(1 << n) - 1]


def _prho(n: int, s: float, lower_tail: bool) -> float:
    """R's ``prho`` (Algorithm AS 89): :math:`P(S \\ge s)`, or :math:`P(S < s)` when
    ``lower_tail``, for Spearman's :math:`S` with ``n`` pairs."""
    from scipy import stats

    pv = 0.0 if lower_tail else 1.0
    if n <= 1 or s <= 0:
        return pv
    n3 = n * (n * n - 1) / 3
    if s > n3:
        return 1 - pv
    if n <= _SPEARMAN_EXACT_N:
        counts = _spearman_counts(n)
        values = np.arange(len(counts))
        ge = float(counts[values >= s].sum() / counts.sum())
        return 1 - ge if lower_tail else ge
    c1, c2, c3, c4, c5, c6 = 0.2274, 0.2531, 0.1745, 0.0758, 0.1033, 0.3932
    c7, c8, c9, c10, c11, c12 = 0.0879, 0.0151, 0.0072, 0.0831, 0.0131, 4.6e-4
    yn = float(n)
    b = 1 / yn
    x = (6.0 * (s - 1) * b / (yn * yn - 1) - 1) * math.sqrt(yn - 1)
    y = x * x
    u = (
        x
        * b
        * (
            c1
            + b * (c2 + c3 * b)
            + y
            * (
                -c4
                + b * (c5 + c6 * b)
                - y * b * (c7 + c8 * b - y * (c9 - c10 * b + y * b * (c11 - c12 * y)))
            )
        )
    )
    y = u / math.exp(y / 2)
    tail = stats.norm.cdf(x) if lower_tail else stats.norm.sf(x)
    pv = (-y if lower_tail else y) + float(tail)
    return min(1.0, max(0.0, pv))


def spearman(
    x: Any,
    y: Any,
    *,
    alternative: Alternative = "two-sided",
    exact: bool | None = None,
) -> pd.DataFrame:
    """Spearman's rank correlation with R's ``cor.test(x, y, method = "spearman")`` p-value.

    Parameters
    ----------
    x, y : array-like of float
        Paired values; a pair with a missing value is left out (``n_missing``).
    alternative : {"two-sided", "greater", "less"}
    exact : bool, optional
        Default (R's rule): the AS 89 computation without ties (and fewer than 1290 pairs);
        with ties, the :math:`t_{n-2}` approximation.

    Returns
    -------
    pandas.DataFrame
        One row: ``n``, ``n_missing``, ``rho``, ``statistic`` (:math:`S = (n^3-n)(1-\\rho)/6`,
        R's ``S``), ``p_value``, ``alternative``, ``method`` (``exact`` for up to 9 pairs,
        ``Edgeworth series (AS 89)`` above, or ``t approximation``).

    Notes
    -----
    :math:`\\rho` is Pearson's correlation of the mid-ranks. Without ties R computes
    :math:`P(S \\ge s)` by Algorithm AS 89 (Best & Roberts 1975): by enumerating the :math:`n!`
    permutations for :math:`n \\le 9` (here by dynamic programming over subsets, which gives
    the same counts) and by an Edgeworth series for larger :math:`n`; for the lower tail R
    evaluates :math:`P(S < \\mathrm{round}(s) + 2)`. The two-sided p-value is twice the tail on
    the side of the observed :math:`S`. **So for 10 or more pairs R's "exact" p-value is the
    Edgeworth approximation**; this function reproduces it. With ties:
    :math:`t = \\rho\\sqrt{(n-2)/(1-\\rho^2)}` on :math:`n-2` degrees of freedom.

    References
    ----------
    Best DJ, Roberts DE. Algorithm AS 89: the upper tail probabilities of Spearman's rho.
    Journal of the Royal Statistical Society C (Applied Statistics) 1975; 24(3): 377-379.
    doi:10.2307/2347111

    Examples
    --------
    >>> from leadership_eval.exact import spearman
    >>> res = spearman([1, 2, 3, 4, 5, 6, 7], [2, 1, 4, 3, 7, 5, 6])
    >>> res[["n", "rho", "p_value", "method"]].round(4)
       n     rho  p_value method
    0  7  0.8214   0.0341  exact
    """
    from scipy import stats

    _check_alternative(alternative)
    xa, ya = _vector(x, "x"), _vector(y, "y")
    if len(xa) != len(ya):
        raise DataError(
            f"x and y must have the same length; found {len(xa)} and {len(ya)}",
            code="unequal-length",
        )
    keep = ~np.isnan(xa) & ~np.isnan(ya)
    n_missing = int((~keep).sum())
    xa, ya = xa[keep], ya[keep]
    n = len(xa)
    if n < 3:
        raise DataError(f"Spearman's test needs at least 3 pairs; found {n}", code="too-few")
    rx, ry = stats.rankdata(xa), stats.rankdata(ya)
    if np.ptp(rx) == 0 or np.ptp(ry) == 0:
        raise DataError("Spearman's rho is undefined when x or y is constant", code="constant")
    rho = float(np.corrcoef(rx, ry)[0, 1])
    ties = len(np.unique(xa)) < n or len(np.unique(ya)) < n
    use_exact = (n < _SPEARMAN_LIMIT) if exact is None else exact
    use_exact = use_exact and not ties
    s = (n**3 - n) * (1 - rho) / 6
    if use_exact:

        def tail(q: float, lower: bool) -> float:
            return _prho(n, round(q) + 2 * lower, lower)

        if alternative == "two-sided":
            p = tail(s, False) if s > (n**3 - n) / 6 else tail(s, True)
            p = min(1.0, 2 * p)
        elif alternative == "greater":
            p = tail(s, True)
        else:
            p = tail(s, False)
        method = "exact" if n <= _SPEARMAN_EXACT_N else "Edgeworth series (AS 89)"
    else:
        with np.errstate(divide="ignore"):
            t = rho / math.sqrt((1 - rho**2) / (n - 2)) if abs(rho) < 1 else math.inf * rho
        if alternative == "two-sided":
            p = float(2 * stats.t.sf(abs(t), n - 2))
        elif alternative == "greater":
            p = float(stats.t.sf(t, n - 2))
        else:
            p = float(stats.t.cdf(t, n - 2))
        method = "t approximation"
    return _result(
        {
            "n": n,
            "n_missing": n_missing,
            "rho": rho,
            "statistic": s,
            "p_value": float(min(1.0, p)),
            "alternative": alternative,
            "method": method,
        }
    )


# ------------------------------------------------------------------------------ Fisher r x c

DEFAULT_WORK = 2_000_000
"""Budget of the network algorithm, in (node, path value) pairs, before Monte Carlo is used."""


class _TooMuchWork(Exception):
    pass


def _lfact(v: np.ndarray | int) -> Any:
    from scipy.special import gammaln

    return gammaln(np.asarray(v, dtype=float) + 1)


def _spread(total: int, caps: np.ndarray) -> np.ndarray:
    """The most even split of ``total`` over cells with capacities ``caps`` (water filling)."""
    caps = np.sort(np.asarray(caps, dtype=np.int64))
    out = np.zeros(len(caps), dtype=np.int64)
    left = int(total)
    for i, cap in enumerate(caps):
        share = left // (len(caps) - i)
        take = min(int(cap), share)
        out[i] = take
        left -= take
    # hand out what is left one by one to cells with room (largest caps last filled)
    i = len(caps) - 1
    while left > 0 and i >= 0:
        room = int(caps[i] - out[i])
        add = min(room, left)
        out[i] += add
        left -= add
        i -= 1
    return out


def _concentrate(total: int, caps: np.ndarray) -> np.ndarray:
    """The most uneven split: fill the largest capacities first."""
    caps = np.sort(np.asarray(caps, dtype=np.int64))[::-1]
    out = np.zeros(len(caps), dtype=np.int64)
    left = int(total)
    for i, cap in enumerate(caps):
        take = min(int(cap), left)
        out[i] = take
        left -= take
    return out


def _bounds(rows: tuple[int, ...], cols: np.ndarray) -> tuple[float, float]:
    """Upper bound of the largest and lower bound of the smallest completion value
    (:math:`-\\sum \\log x_{ij}!`) of a sub-table with these margins, from the two relaxations
    that keep only the row or only the column constraints."""
    r = np.asarray(rows, dtype=np.int64)
    hi_rows = sum(-float(_lfact(_spread(int(t), cols)).sum()) for t in r)
    hi_cols = sum(-float(_lfact(_spread(int(t), r)).sum()) for t in cols)
    lo_rows = sum(-float(_lfact(_concentrate(int(t), cols)).sum()) for t in r)
    lo_cols = sum(-float(_lfact(_concentrate(int(t), r)).sum()) for t in cols)
    return min(hi_rows, hi_cols), max(lo_rows, lo_cols)


def _splits(total: int, caps: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Every vector x with sum ``total`` and 0 <= x_i <= caps_i."""
    out: list[tuple[int, ...]] = []
    k = len(caps)
    suffix = [0] * (k + 1)
    for i in range(k - 1, -1, -1):
        suffix[i] = suffix[i + 1] + caps[i]
    x = [0] * k

    def rec(i: int, left: int) -> None:
        if i == k - 1:
            if left <= caps[i]:
                x[i] = left
                out.append(tuple(x))
            return
        for v in range(max(0, left - suffix[i + 1]), min(caps[i], left) + 1):
            x[i] = v
            rec(i + 1, left - v)

    rec(0, total)
    return out


def _fisher_network(table: np.ndarray, work: int) -> float:
    """Exact two-sided p-value of Fisher's test for an r x c table (network algorithm).

    Columns are filled one at a time; a node is the sorted vector of row totals still to fill
    (rows are exchangeable for the remaining columns). Each node keeps the distinct values of
    the paths reaching it (:math:`-\\sum \\log x_{ij}!` so far) with their multiplicities. A path
    whose every completion is at least as extreme as the observed table adds its whole mass
    (closed form) to the p-value; one whose every completion is less extreme is dropped; the
    rest go on to the next column (Mehta & Patel 1983).
    """
    t = np.asarray(table, dtype=np.int64)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    if t.shape[0] < 2 or t.shape[1] < 2:
        return 1.0
    if t.shape[0] > t.shape[1]:
        t = t.T
    rows = t.sum(axis=1)
    cols = np.sort(t.sum(axis=0))[::-1]
    n = int(t.sum())
    const = float(_lfact(rows).sum() + _lfact(cols).sum() - _lfact(n))
    observed = -float(_lfact(t).sum())
    threshold = observed + math.log1p(1e-7)  # R: relative tolerance 1e-7 on probabilities
    n_cols = len(cols)
    lf = _lfact(np.arange(n + 1))
    bounds_cache: dict[tuple[tuple[int, ...], int], tuple[float, float]] = {}

    def node_bounds(key: tuple[int, ...], stage: int) -> tuple[float, float]:
        b = bounds_cache.get((key, stage))
        if b is None:
            b = _bounds(key, cols[stage:])
            bounds_cache[(key, stage)] = b
        return b

    def log_mass(key: tuple[int, ...], stage: int) -> float:
        rem = cols[stage:]
        return float(lf[sum(key)] - lf[list(key)].sum() - lf[rem].sum())

    p_terms: list[np.ndarray] = []
    nodes: dict[tuple[int, ...], list[tuple[np.ndarray, np.ndarray]]] = {
        tuple(sorted(int(r) for r in rows)): [(np.zeros(1), np.ones(1))]
    }
    done = 0
    for stage in range(n_cols - 1):
        nxt: dict[tuple[int, ...], list[tuple[np.ndarray, np.ndarray]]] = {}
        for key, parts in nodes.items():
            values = np.concatenate([v for v, _ in parts])
            weights = np.concatenate([w for _, w in parts])
            rounded = np.round(values, 9)
            uniq, inv = np.unique(rounded, return_inverse=True)
            if len(uniq) < len(values):
                w_sum = np.bincount(inv, weights=weights)
                v_first = np.zeros(len(uniq))
                v_first[inv] = values
                values, weights = v_first, w_sum
            done += len(values)
            if done > work:
                raise _TooMuchWork
            hi, lo = node_bounds(key, stage)
            take = values + hi <= threshold
            if take.any():
                lm = log_mass(key, stage)
                p_terms.append(np.log(weights[take]) + values[take] + lm + const)
            go = ~take & (values + lo <= threshold)
            if not go.any():
                continue
            v_go, w_go = values[go], weights[go]
            for x in _splits(int(cols[stage]), key):
                delta = -float(lf[list(x)].sum())
                child = tuple(sorted(a - b for a, b in zip(key, x, strict=True)))
                nxt.setdefault(child, []).append((v_go + delta, w_go))
        nodes = nxt
    # last column: each node has exactly one completion
    for key, parts in nodes.items():
        values = np.concatenate([v for v, _ in parts])
        weights = np.concatenate([w for _, w in parts])
        final = values - float(lf[list(key)].sum())
        keep = final <= threshold
        if keep.any():
            p_terms.append(np.log(weights[keep]) + final[keep] + const)
    if not p_terms:
        return 0.0
    logs = np.concatenate(p_terms)
    top = float(logs.max())
    return float(min(1.0, math.exp(top) * np.exp(logs - top).sum()))


def _conditional_odds_ratio(table: np.ndarray) -> float:
    """R's conditional maximum likelihood estimate of the odds ratio of a 2 x 2 table."""
    from scipy import optimize, stats

    a = int(table[0, 0])
    m, n, k = int(table[0].sum()), int(table[1].sum()), int(table[:, 0].sum())
    lo, hi = max(0, k - n), min(k, m)
    if a == lo:
        return 0.0
    if a == hi:
        return math.inf

    def gap(log_or: float) -> float:
        return float(stats.nchypergeom_fisher.mean(m + n, m, k, math.exp(log_or))) - a

    return math.exp(optimize.brentq(gap, -50, 50, xtol=1e-12))


FISHER_MAX_N = 100_000_000
"""The largest total count :func:`fisher_exact` takes: its tables of log-factorials grow with
the total, and beyond this they would not fit in memory."""


def _table_counts(table: Any) -> np.ndarray:
    """The table as an array; an object array (a nullable or mixed frame) checked cell by cell:
    a missing count or text is a DataError naming the cell."""
    if isinstance(table, pd.DataFrame):
        frame = table
        numeric = all(
            pd.api.types.is_numeric_dtype(d) and not pd.api.types.is_extension_array_dtype(d)
            for d in frame.dtypes
        )
        arr = frame.to_numpy() if numeric else frame.to_numpy(dtype=object)
        rows, cols = list(frame.index), list(frame.columns)
    else:
        try:
            arr = np.asarray(table)
        except (TypeError, ValueError) as exc:
            raise ArgumentError(
                f"a contingency table must be rectangular (rows of equal length); {exc}",
                code="shape",
            ) from exc
        if arr.dtype.kind in "biuf":
            return arr
        arr = np.asarray(table, dtype=object)
        rows = list(range(arr.shape[0])) if arr.ndim >= 1 else []
        cols = list(range(arr.shape[1])) if arr.ndim >= 2 else []
    if arr.dtype.kind in "biuf" or arr.ndim != 2:
        return arr
    out = np.zeros(arr.shape)
    for (i, j), v in np.ndenumerate(arr):
        where = f"row {rows[i]!r}, column {cols[j]!r}"
        if isinstance(v, str | bytes):
            raise DataError(
                f"a contingency table holds counts, not text: {v!r} at {where} (convert the "
                "table to numbers first)",
                code="counts",
            )
        if pd.api.types.is_scalar(v) and pd.isna(v):
            raise DataError(
                f"a contingency table holds counts: the count at {where} is missing",
                code="counts",
            )
        if not isinstance(v, int | float | np.number | np.bool_):
            raise DataError(
                f"a contingency table holds counts: whole numbers of 0 or more; found {v!r} at "
                f"{where}",
                code="counts",
            )
        out[i, j] = float(v)
    return out


def fisher_exact(
    table: Any,
    *,
    work: int = DEFAULT_WORK,
    n_resamples: int = 100_000,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Fisher's exact test of independence for an r x c contingency table, as R's
    ``fisher.test``.

    Parameters
    ----------
    table : array-like of int or pandas.DataFrame
        Counts (rows and columns that are all zero are dropped): numbers, not text; no count
        missing; at most :data:`FISHER_MAX_N` in all.
    work : int
        Budget of the network algorithm (distinct partial paths examined). Tables that need
        more get a Monte Carlo p-value instead, and ``method`` says so.
    n_resamples : int
        Random tables for the Monte Carlo p-value.
    seed : int, optional
        Seed of the Monte Carlo p-value (the default makes it reproducible).

    Returns
    -------
    pandas.DataFrame
        One row: ``n``, ``rows``, ``columns``, ``p_value``, ``method`` (``exact (network
        algorithm)`` or ``Monte Carlo (B random tables)``), ``odds_ratio`` (2 x 2 tables:
        R's conditional maximum likelihood estimate; NA otherwise).

    Notes
    -----
    The p-value is the probability, under independence with both margins fixed, of a table no
    more probable than the observed one: :math:`\\sum_{T: P(T) \\le P(T_0)(1 + 10^{-7})} P(T)`
    with :math:`P(T) = \\prod_i r_i! \\prod_j c_j! / (n! \\prod_{ij} t_{ij}!)` (R's relative
    tolerance). The network algorithm (Mehta & Patel 1983) fills one column at a time,
    merges partial tables that leave the same row totals and have the same probability so far,
    and settles whole sub-networks at once with bounds on the most and least probable
    completion: the column-only and row-only relaxations, each solved exactly (the most even
    and the most concentrated filling). The Monte Carlo p-value is
    :math:`(1 + \\#\\{P(T^*) \\le P(T_0)\\})/(B + 1)` over :math:`B` random tables with the
    observed margins (scipy's ``fisher_exact`` with ``MonteCarloMethod``), as R's
    ``simulate.p.value = TRUE``.

    References
    ----------
    Mehta CR, Patel NR. A network algorithm for performing Fisher's exact test in r x c
    contingency tables. Journal of the American Statistical Association 1983; 78(382):
    427-434. doi:10.1080/01621459.1983.10477989

    Examples
    --------
    >>> from leadership_eval.exact import fisher_exact
    >>> res = fisher_exact([[8, 2], [5, 5], [1, 9]])
    >>> res[["n", "p_value", "method"]].round(6)
        n   p_value                     method
    0  30  0.008664  exact (network algorithm)
    """
    from scipy import stats

    arr = _table_counts(table)
    if arr.ndim != 2:
        raise DataError(f"a contingency table has two dimensions; found {arr.ndim}", code="shape")
    if arr.size and (
        not np.all(np.isfinite(arr.astype(float)))
        or np.any(arr < 0)
        or np.any(np.round(arr) != arr)
    ):
        raise DataError(
            "a contingency table holds counts: whole numbers of 0 or more", code="counts"
        )
    total = float(arr.astype(float).sum()) if arr.size else 0.0
    if total > FISHER_MAX_N:
        raise DataError(
            f"Fisher's exact test cannot be computed for counts that large: the table holds "
            f"{total:.6g} in all, above {FISHER_MAX_N:,} (the exact distribution would not fit "
            "in memory); with counts this large use the chi-squared test "
            "(scipy.stats.chi2_contingency), accurate when the expected counts are large",
            code="invalid-data",
        )
    t = arr.astype(np.int64)
    if work < 1 or n_resamples < 1:
        raise ConfigurationError("work and n_resamples must be positive")
    kept = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    odds = float("nan")
    if t.shape == (2, 2) and kept.shape == (2, 2):
        odds = _conditional_odds_ratio(t)
    try:
        p = _fisher_network(t, work)
        method = "exact (network algorithm)"
    except _TooMuchWork:
        mc = stats.MonteCarloMethod(n_resamples=n_resamples, rng=np.random.default_rng(seed))
        p = float(stats.fisher_exact(kept, method=mc).pvalue)
        method = f"Monte Carlo ({n_resamples} random tables)"
    return _result(
        {
            "n": int(t.sum()),
            "rows": int(kept.shape[0]),
            "columns": int(kept.shape[1]),
            "p_value": float(p),
            "method": method,
            "odds_ratio": odds,
        }
    )
