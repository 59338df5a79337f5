"""Distribution functions of ``scipy.stats``, computed as it computes them, without importing it.

Importing :mod:`scipy.stats` takes about half a second (it loads most of scipy), which every
command that publishes a report would pay for a handful of tail areas and quantiles. The
functions here call the same ``scipy.special`` routines that ``scipy.stats`` calls for these
distributions (Cephes for the normal and t distributions, Boost for the binomial and
hypergeometric ones) and apply the same rules at the edges of the support and for invalid
parameters, so they return the same numbers (tests/test_distributions.py compares them with
``scipy.stats`` on grids that include the edges). Where this scipy lacks the Boost routines in
``scipy.special`` (before 1.12 they lived in ``scipy.stats``), ``scipy.stats`` itself is used.

Arguments broadcast like ``scipy.stats`` arguments; results are float arrays (or floats for
scalar arguments).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "binom_cdf",
    "binom_pmf",
    "binom_ppf",
    "binom_sf",
    "hypergeom_cdf",
    "hypergeom_pmf",
    "hypergeom_sf",
    "norm_cdf",
    "norm_ppf",
    "norm_sf",
    "t_cdf",
    "t_ppf",
    "t_sf",
]


def _out(x: np.ndarray) -> Any:
    return x[()] if x.ndim == 0 else x


def _integral(x: np.ndarray) -> np.ndarray:
    return np.asarray(x == np.round(x), dtype=bool)


def _boost(name: str) -> Any:
    """The Boost ufunc ``name`` of ``scipy.special`` (None when this scipy has none)."""
    from scipy.special import _ufuncs

    return getattr(_ufuncs, name, None)


# --------------------------------------------------------------------------- continuous


def _continuous(kind: str, fn: Any, x: Any, args: tuple[Any, ...], ok: Any) -> Any:
    """``rv_continuous.cdf`` (kind "cdf") or ``.sf`` of a distribution on (-inf, inf)."""
    arrays = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(ok, dtype=bool), *args)
    x, ok = arrays[:2]
    rest = arrays[2:]
    inside = ok & (x > -np.inf) & (x < np.inf)
    out = np.zeros(x.shape)
    out[~ok | np.isnan(x)] = np.nan
    if kind == "cdf":
        out[ok & (x >= np.inf)] = 1.0
    else:
        out[ok & (x <= -np.inf)] = 1.0
    if inside.any():
        out[inside] = fn(x[inside], *(a[inside] for a in rest))
    return _out(out)


def norm_cdf(x: Any) -> Any:
    """``scipy.stats.norm.cdf(x)``."""
    from scipy.special import ndtr

    return _continuous("cdf", ndtr, x, (), True)


def norm_sf(x: Any) -> Any:
    """``scipy.stats.norm.sf(x)``."""
    from scipy.special import ndtr

    return _continuous("sf", lambda v: ndtr(-v), x, (), True)


def norm_ppf(q: Any) -> Any:
    """``scipy.stats.norm.ppf(q)``."""
    from scipy.special import ndtri

    return _ppf(ndtri, q, (), True, -np.inf, np.inf)


def t_cdf(x: Any, df: Any) -> Any:
    """``scipy.stats.t.cdf(x, df)``."""
    from scipy.special import stdtr

    df = np.asarray(df, dtype=np.float64)
    return _continuous("cdf", lambda v, d: stdtr(d, v), x, (df,), df > 0)


def t_sf(x: Any, df: Any) -> Any:
    """``scipy.stats.t.sf(x, df)``."""
    from scipy.special import stdtr

    df = np.asarray(df, dtype=np.float64)
    return _continuous("sf", lambda v, d: stdtr(d, -v), x, (df,), df > 0)


def t_ppf(q: Any, df: Any) -> Any:
    """``scipy.stats.t.ppf(q, df)``."""
    from scipy.special import stdtrit

    df = np.asarray(df, dtype=np.float64)
    return _ppf(lambda p, d: stdtrit(d, p), q, (df,), df > 0, -np.inf, np.inf)


def _ppf(fn: Any, q: Any, args: tuple[Any, ...], ok: Any, low: Any, high: Any) -> Any:
    """``rv_continuous.ppf`` / ``rv_discrete.ppf``: ``fn(q, *args)`` inside (0, 1), the support's
    bounds at 0 and 1 (``low``, ``high``), NaN for invalid parameters."""
    q = np.asarray(q, dtype=np.float64)
    arrays = np.broadcast_arrays(q, np.asarray(ok, dtype=bool), low, high, *args)
    q, ok, low, high = arrays[:4]
    rest = arrays[4:]
    out = np.full(q.shape, np.nan)
    at0, at1 = ok & (q == 0), ok & (q == 1)
    out[at0] = np.asarray(low, dtype=np.float64)[at0]
    out[at1] = np.asarray(high, dtype=np.float64)[at1]
    inside = ok & (q > 0) & (q < 1)
    if inside.any():
        out[inside] = fn(q[inside], *(a[inside] for a in rest))
    return _out(out)


# ----------------------------------------------------------------------------- discrete


def _discrete(
    kind: str, fn: Any, k: Any, args: tuple[Any, ...], ok: Any, low: Any, high: Any
) -> Any:
    """``rv_discrete.pmf`` / ``.cdf`` / ``.sf`` with support ``low..high``."""
    arrays = np.broadcast_arrays(
        np.asarray(k, dtype=np.float64), np.asarray(ok, dtype=bool), low, high, *args
    )
    k, ok, low, high = arrays[:4]
    rest = arrays[4:]
    out = np.zeros(k.shape)
    if kind == "pmf":
        inside = ok & (k >= low) & (k <= high) & _integral(k)
        out[~ok | np.isnan(k)] = np.nan
    elif kind == "cdf":
        inside = ok & (k >= low) & (k < high) & np.isfinite(k)
        out[k >= high] = 1.0
        out[np.isneginf(k)] = 0.0
        out[~ok | np.isnan(k)] = np.nan
    else:
        inside = ok & (k >= low) & (k < high) & np.isfinite(k)
        out[~ok | np.isnan(k)] = np.nan
        out[((k < low) | np.isneginf(k)) & ok] = 1.0
    if inside.any():
        out[inside] = np.clip(fn(k[inside], *(a[inside] for a in rest)), 0, 1)
    return _out(out)


def _binom_args(n: Any, p: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n, p = np.broadcast_arrays(np.asarray(n, dtype=np.float64), np.asarray(p, dtype=np.float64))
    ok = (n >= 0) & _integral(n) & (p >= 0) & (p <= 1)
    return n, p, ok


def _stats(name: str) -> Any:
    from scipy import stats

    return getattr(stats, name)


def binom_pmf(k: Any, n: Any, p: Any) -> Any:
    """``scipy.stats.binom.pmf(k, n, p)``."""
    fn = _boost("_binom_pmf")
    if fn is None:  # pragma: no cover - scipy < 1.12
        return _stats("binom").pmf(k, n, p)
    n, p, ok = _binom_args(n, p)
    return _discrete("pmf", fn, k, (n, p), ok, 0.0, n)


def binom_cdf(k: Any, n: Any, p: Any) -> Any:
    """``scipy.stats.binom.cdf(k, n, p)``."""
    fn = _boost("_binom_cdf")
    if fn is None:  # pragma: no cover - scipy < 1.12
        return _stats("binom").cdf(k, n, p)
    n, p, ok = _binom_args(n, p)
    return _discrete("cdf", lambda x, m, q: fn(np.floor(x), m, q), k, (n, p), ok, 0.0, n)


def binom_sf(k: Any, n: Any, p: Any) -> Any:
    """``scipy.stats.binom.sf(k, n, p)``."""
    fn = _boost("_binom_sf")
    if fn is None:  # pragma: no cover - scipy < 1.12
        return _stats("binom").sf(k, n, p)
    n, p, ok = _binom_args(n, p)
    return _discrete("sf", lambda x, m, q: fn(np.floor(x), m, q), k, (n, p), ok, 0.0, n)


def binom_ppf(q: Any, n: Any, p: Any) -> Any:
    """``scipy.stats.binom.ppf(q, n, p)``."""
    fn = _boost("_binom_ppf")
    if fn is None:  # pragma: no cover - scipy < 1.12
        return _stats("binom").ppf(q, n, p)
    n, p, ok = _binom_args(n, p)
    return _ppf(fn, q, (n, p), ok, -1.0, n)


def _hypergeom_args(
    M: Any, n: Any, N: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    M, n, N = np.broadcast_arrays(
        np.asarray(M, dtype=np.float64),
        np.asarray(n, dtype=np.float64),
        np.asarray(N, dtype=np.float64),
    )
    ok = (M > 0) & (n >= 0) & (N >= 0) & (n <= M) & (N <= M)
    ok &= _integral(M) & _integral(n) & _integral(N)
    low = np.maximum(N - (M - n), 0)
    high = np.minimum(n, N)
    return M, n, N, ok, low, high


def hypergeom_pmf(k: Any, M: Any, n: Any, N: Any) -> Any:
    """``scipy.stats.hypergeom.pmf(k, M, n, N)``."""
    fn = _boost("_hypergeom_pmf")
    if fn is None:  # pragma: no cover - scipy < 1.12
        return _stats("hypergeom").pmf(k, M, n, N)
    M, n, N, ok, low, high = _hypergeom_args(M, n, N)
    return _discrete("pmf", lambda x, m, s, d: fn(x, s, d, m), k, (M, n, N), ok, low, high)


def hypergeom_cdf(k: Any, M: Any, n: Any, N: Any) -> Any:
    """``scipy.stats.hypergeom.cdf(k, M, n, N)``."""
    fn = _boost("_hypergeom_cdf")
    if fn is None:  # pragma: no cover - scipy < 1.12
        return _stats("hypergeom").cdf(k, M, n, N)
    M, n, N, ok, low, high = _hypergeom_args(M, n, N)
    return _discrete("cdf", lambda x, m, s, d: fn(x, s, d, m), k, (M, n, N), ok, low, high)


def hypergeom_sf(k: Any, M: Any, n: Any, N: Any) -> Any:
    """``scipy.stats.hypergeom.sf(k, M, n, N)``."""
    fn = _boost("_hypergeom_sf")
    if fn is None:  # pragma: no cover - scipy < 1.12
        return _stats("hypergeom").sf(k, M, n, N)
    M, n, N, ok, low, high = _hypergeom_args(M, n, N)
    return _discrete("sf", lambda x, m, s, d: fn(x, s, d, m), k, (M, n, N), ok, low, high)


def f_isf(q: float, df1: float, df2: float) -> float:
    """The upper ``q`` quantile of the F distribution: ``scipy.stats.f.isf(q, df1, df2)``,
    computed as that function does (``fdtri(df1, df2, 1 - q)``) without importing
    ``scipy.stats`` (half a second)."""
    from scipy.special import fdtri

    return float(fdtri(df1, df2, 1.0 - q))
