"""Each group against a benchmark: funnel-plot limits and flags (:func:`compare_to_benchmark`).

Is a trust's result different from the rest of the region? Funnel-plot control limits after
Spiegelhalter (2005), optionally adjusted for overdispersion, or the GMC National Training
Survey's red/pink/white/light green/green outlier rule. A group with fewer contributors than the
disclosure policy's ``min_cell`` is reported as suppressed, and its respondents are kept out of
every published benchmark (otherwise its mean could be recovered by subtracting the published
groups from the benchmark).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from .. import _distributions as _dist
from .._codes import code_text
from .._frames import check_columns, check_frame, numeric
from .._results import FrameResult
from ..errors import ArgumentError, ConfigurationError, DataError
from ..policy import DisclosurePolicy

Kind = Literal["mean", "proportion"]
_MAX_SHOWN = 10


# ------------------------------------------------------------------------------ helpers


def _threshold(policy: DisclosurePolicy, min_n: int | None) -> int:
    if min_n is None:
        return policy.min_cell
    if isinstance(min_n, bool) or not isinstance(min_n, int | np.integer) or min_n < 1:
        raise ConfigurationError(f"min_n must be a positive whole number; found {min_n!r}")
    return policy.tighten(min_cell=int(min_n)).min_cell


def _binary(series: pd.Series, column: str, success: Iterable[Any] | None) -> np.ndarray:
    """0/1 float values (NaN missing), from a 0/1 column or a set of success codes."""
    present = series.notna().to_numpy()
    if success is not None:
        wanted = {code_text(s) for s in success}
        if not wanted:
            raise ConfigurationError("success must name at least one code")
        keys = series.astype(object).map(code_text, na_action="ignore")
        hit = keys.isin(wanted).to_numpy(dtype=bool)
        return np.where(present, hit.astype(float), np.nan)
    if series.dtype in (np.float64, np.int64):  # plain numbers: read as they are
        values = series.to_numpy(dtype=float)
    else:
        values = numeric(series.astype(object).where(series.notna(), None), column)
    bad = ~np.isnan(values) & ~np.isin(values, (0.0, 1.0))
    if bad.any():
        rows = series.index[bad]
        raise DataError(
            f"kind='proportion' needs a 0/1 column or success=...; column {column!r} holds "
            f"other values, e.g. {series.loc[rows[0]]!r} in row {rows[0]!r}",
            code="not-binary",
            failure_cases=pd.DataFrame(
                {"row": rows, "column": column, "value": series.loc[rows].to_numpy()}
            ),
        )
    return values


def _float_array(value: Any, what: str) -> np.ndarray:
    """``value`` (a number or an array-like of them) as a float array, a missing value (None,
    pd.NA, NaN) as NaN; ArgumentError for anything that is not a number."""
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        pass
    try:
        obj = np.asarray(value, dtype=object)
    except (TypeError, ValueError) as exc:  # pragma: no cover - ragged nesting
        raise ArgumentError(f"{what} must be a number or an array of numbers ({exc})") from exc
    flat = pd.Series(obj.ravel(), dtype=object)
    num = pd.to_numeric(flat.where(flat.notna(), np.nan), errors="coerce")
    bad = num.isna() & flat.notna()
    if bad.any():
        shown = ", ".join(
            f"{i}: {v!r}" for i, v in zip(flat.index[bad][:_MAX_SHOWN], flat[bad], strict=False)
        )
        raise ArgumentError(
            f"{what} must hold numbers; found {int(bad.sum())} value(s) that are not "
            f"(position: value) {shown}"
        )
    return num.to_numpy(dtype=float, na_value=np.nan).reshape(obj.shape)


def _broadcast(values: np.ndarray, shape: tuple[int, ...], what: str) -> np.ndarray:
    """``values`` as one value per group: ArgumentError when their number does not fit."""
    try:
        return np.broadcast_to(values, shape)
    except ValueError:
        raise ArgumentError(
            f"{what} must be one number or one per group: n has {shape[0]} group(s) but {what} "
            f"has {values.size} value(s)"
        ) from None


def _limit_label(level: float) -> str:
    """``0.95 -> '95'``, ``0.998 -> '998'``."""
    return f"{level * 100:g}".replace(".", "")


def _check_limits(limits: Sequence[float]) -> tuple[float, ...]:
    out = tuple(float(v) for v in limits)
    if not out or any(not 0 < v < 1 for v in out):
        raise ConfigurationError(
            f"limits must be coverage levels between 0 and 1, e.g. (0.95, 0.998); found {limits!r}"
        )
    if len({_limit_label(v) for v in out}) != len(out):
        raise ConfigurationError(f"limits must be distinct; found {limits!r}")
    return tuple(sorted(out))


# ------------------------------------------------------------------------------ funnel limits


def _binomial_limits(n: np.ndarray, theta: np.ndarray, p: float) -> np.ndarray:
    """Spiegelhalter (2005) Appendix A.1.1: the interpolated exact binomial p-quantile / n."""
    n = np.asarray(n, dtype=float)
    theta = np.clip(np.asarray(theta, dtype=float), 0.0, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = _dist.binom_ppf(p, n, theta)
        f_r = _dist.binom_cdf(r, n, theta)
        f_rm1 = _dist.binom_cdf(r - 1, n, theta)
        step = f_r - f_rm1
        alpha = np.where(step > 0, (f_r - p) / np.where(step > 0, step, 1.0), 0.0)
        out = (r - alpha) / n
    return np.where(n > 0, np.clip(out, 0.0, 1.0), np.nan)


def _limit_pairs(
    n: np.ndarray,
    theta: np.ndarray,
    se: np.ndarray,
    kind: str,
    levels: Sequence[float],
    exact: bool,
) -> dict[str, np.ndarray]:
    """``lower_<level>``/``upper_<level>`` control limits around ``theta`` for groups of size
    ``n``: exact (interpolated) binomial limits, or ``theta ± z·se`` (clipped to [0, 1] for
    proportions)."""
    out: dict[str, np.ndarray] = {}
    for level in levels:
        label = _limit_label(level)
        if exact:
            lo = _binomial_limits(n, theta, (1 - level) / 2)
            hi = _binomial_limits(n, theta, (1 + level) / 2)
        else:
            z = _dist.norm_ppf((1 + level) / 2)
            lo, hi = theta - z * se, theta + z * se
            if kind == "proportion":
                lo, hi = np.clip(lo, 0, 1), np.clip(hi, 0, 1)
        out[f"lower_{label}"] = lo
        out[f"upper_{label}"] = hi
    return out


def funnel_limits(
    n: Any,
    benchmark: Any,
    *,
    kind: Kind = "mean",
    sd: Any = None,
    limits: Sequence[float] = (0.95, 0.998),
    phi: float = 1.0,
    tau2: float = 0.0,
    exact: bool | None = None,
) -> pd.DataFrame:
    """Funnel-plot control limits around a benchmark, for groups of size ``n``.

    Parameters
    ----------
    n : int or array-like of int
        Group sizes (the funnel's horizontal axis).
    benchmark : float or array-like
        The target value :math:`\\theta_0` (a mean or a proportion); an array gives each ``n``
        its own target (as a leave-one-out benchmark does).
    kind : {"mean", "proportion"}
    sd : float or array-like, optional
        For means: the respondent-level standard deviation :math:`\\sigma` of the benchmark.
    limits : sequence of float
        Coverage of each pair of limits (default 95 % and 99.8 %).
    phi : float
        Multiplicative overdispersion factor :math:`\\phi` (1: none).
    tau2 : float
        Additive between-group variance :math:`\\tau^2` (0: none).
    exact : bool, optional
        For proportions: exact (interpolated) binomial limits. Default: exact unless an
        overdispersion adjustment is given (the adjustments are defined on the normal scale).

    Returns
    -------
    pandas.DataFrame
        ``n``, ``benchmark``, then ``lower_95``, ``upper_95``, ``lower_998``, ``upper_998`` (one
        pair per level in ``limits``; the label is the level's percentage without the point).

    Notes
    -----
    After Spiegelhalter (2005), with :math:`z_p` the standard normal quantile for two-sided
    coverage :math:`p` (1.96 for 95 %, 3.09 for 99.8 %):

    * means: :math:`\\theta_0 \\pm z_p \\sqrt{\\phi\\,\\sigma^2/n + \\tau^2}`;
    * proportions, normal: :math:`\\theta_0 \\pm z_p \\sqrt{\\phi\\,\\theta_0(1-\\theta_0)/n +
      \\tau^2}`, clipped to [0, 1];
    * proportions, exact (Spiegelhalter 2005, Appendix A.1.1): with :math:`F` the
      Binomial(:math:`n, \\theta_0`) distribution function and :math:`r_q` the smallest
      :math:`r` with :math:`F(r) \\ge q`, the :math:`q` limit is :math:`(r_q - \\alpha)/n` with
      :math:`\\alpha = (F(r_q) - q)/(F(r_q) - F(r_q - 1))`, for :math:`q = (1 \\mp p)/2`.

    References
    ----------
    Spiegelhalter DJ. Funnel plots for comparing institutional performance. Statistics in
    Medicine 2005; 24(8): 1185-1202. doi:10.1002/sim.1970

    Examples
    --------
    >>> from leadership_eval.compare import funnel_limits
    >>> funnel_limits([25, 100], 3.5, sd=1.0).round(3)
         n  benchmark  lower_95  upper_95  lower_998  upper_998
    0   25        3.5     3.108     3.892      2.882      4.118
    1  100        3.5     3.304     3.696      3.191      3.809
    """

    levels = _check_limits(limits)
    n_arr = np.atleast_1d(_float_array(n, "n"))
    if np.any(np.isnan(n_arr)):
        where = np.flatnonzero(np.isnan(n_arr))
        raise ConfigurationError(
            "n must hold group sizes of 0 or more; it has a missing value at position(s) "
            + ", ".join(map(str, where[:_MAX_SHOWN]))
            + (" ..." if len(where) > _MAX_SHOWN else "")
        )
    if np.any(n_arr < 0):
        raise ConfigurationError("n must hold group sizes of 0 or more")
    theta = _broadcast(_float_array(benchmark, "benchmark"), n_arr.shape, "benchmark")
    if phi <= 0 or tau2 < 0 or not math.isfinite(phi) or not math.isfinite(tau2):
        raise ConfigurationError(f"phi must be positive and tau2 0 or more; found {phi}, {tau2}")
    if kind == "mean":
        if sd is None:
            raise ConfigurationError("kind='mean' limits need the benchmark's sd")
        var = _broadcast(_float_array(sd, "sd"), n_arr.shape, "sd") ** 2
    elif kind == "proportion":
        if np.any((theta < 0) | (theta > 1)):
            raise ConfigurationError("a proportion benchmark must lie between 0 and 1")
        var = theta * (1 - theta)
    else:
        raise ConfigurationError(f"kind must be 'mean' or 'proportion'; found {kind!r}")
    use_exact = kind == "proportion" and (
        exact if exact is not None else (phi == 1.0 and tau2 == 0.0)
    )
    out: dict[str, Any] = {"n": np.asarray(n_arr), "benchmark": np.asarray(theta, dtype=float)}
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.where(n_arr > 0, np.sqrt(phi * var / n_arr + tau2), np.nan)
    out.update(_limit_pairs(n_arr, theta, se, kind, levels, use_exact))
    frame = pd.DataFrame(out)
    if np.all(n_arr == np.round(n_arr)):
        frame["n"] = frame["n"].astype("int64")
    return frame


# ------------------------------------------------------------------------------ the core


@dataclass
class _Core:
    """Benchmarks, z-scores, limits, tail p-values and flags for arrays of groups (last axis =
    groups)."""

    bench: np.ndarray
    bench_sd: np.ndarray
    bench_n: np.ndarray
    z: np.ndarray
    se: np.ndarray
    limits: dict[str, np.ndarray]
    flag: np.ndarray
    phi: np.ndarray
    tau2: np.ndarray
    p_low: np.ndarray
    p_high: np.ndarray
    test: str

    def column(self, i: int) -> _Core:
        """The core of replicate (or stacked column) ``i``."""
        return _Core(
            bench=self.bench[i],
            bench_sd=self.bench_sd[i],
            bench_n=self.bench_n[i],
            z=self.z[i],
            se=self.se[i],
            limits={key: value[i] for key, value in self.limits.items()},
            flag=self.flag[i],
            phi=self.phi[i],
            tau2=self.tau2[i],
            p_low=self.p_low[i],
            p_high=self.p_high[i],
            test=self.test,
        )


TAILS = ("exact", "mid")
_LIMITS = (0.95, 0.998)  # compare_to_benchmark's default coverages of the funnel limits
_CI = 0.95  # and of each group's confidence interval


def _tail_p(
    kind: str,
    n: np.ndarray,
    mean: np.ndarray,
    rest_n: np.ndarray,
    rest_mean: np.ndarray,
    rest_sd: np.ndarray,
    fixed: float | None,
    tail: str,
) -> tuple[np.ndarray, np.ndarray, str]:
    """One-sided p-values (low, high) of each group against the rest of the published groups
    (or against a fixed benchmark), with the name of the test.

    * proportions: exact tails of the hypergeometric distribution of the group's successes
      given the successes of the group and the rest together (one-sided Fisher exact tests), or
      of Binomial(n, theta_0) for a fixed benchmark; ``tail="mid"`` gives mid-p values;
    * means: the t test of the group's mean against the rest's, with the rest's SD:
      :math:`t = (\\bar y_i - \\bar y_r)/(s_r\\sqrt{1/n_i + 1/N_r})` on :math:`N_r - 1` df
      (exact for normal data with a common SD), or :math:`(\\bar y_i - \\theta_0)/(s/\\sqrt{n_i})`.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "proportion":
            k = np.round(np.nan_to_num(mean) * n)
            if fixed is not None:
                point = _dist.binom_pmf(k, n, fixed)
                low, high = _dist.binom_cdf(k, n, fixed), _dist.binom_sf(k - 1, n, fixed)
                name = "binomial exact tails"
            else:
                kr = np.round(np.nan_to_num(rest_mean) * rest_n)
                args = (n + rest_n, k + kr, n)
                point = _dist.hypergeom_pmf(k, *args)
                low, high = _dist.hypergeom_cdf(k, *args), _dist.hypergeom_sf(k - 1, *args)
                name = "exact one-sided Fisher tails (group vs rest)"
            if tail == "mid":
                low, high = low - point / 2, high - point / 2
                name += ", mid-p"
        else:
            if fixed is not None:
                se = rest_sd / np.sqrt(n)
                centre = np.full(n.shape, float(fixed))
                name = "t test against a fixed benchmark"
            else:
                se = rest_sd * np.sqrt(1 / n + 1 / rest_n)
                centre = rest_mean
                name = "t test (group vs rest)"
            t = (mean - centre) / se
            df = np.maximum(rest_n - 1, 1)
            low, high = _dist.t_cdf(t, df), _dist.t_sf(t, df)
    bad = ~(n > 0) | ~(rest_n > 1) | ~np.isfinite(mean)
    if fixed is not None:
        bad = ~(n > 0) | ~np.isfinite(mean) | (~(rest_n > 1) & (kind == "mean"))
    low = np.where(bad, np.nan, np.clip(low, 0.0, 1.0))
    high = np.where(bad, np.nan, np.clip(high, 0.0, 1.0))
    return low, high, name


def _funnel_core(
    n: np.ndarray,
    mean: np.ndarray,
    var: np.ndarray,
    eligible: np.ndarray,
    *,
    kind: Kind,
    benchmark: str | float,
    levels: tuple[float, ...],
    overdispersion: bool | str,
    tail: str = "exact",
) -> _Core:
    """Vectorised over a leading replicate axis: arrays are (..., groups).

    ``mean``/``var`` are the groups' means and sample variances (var unused for proportions);
    ``eligible`` marks groups that are published (only they enter the benchmark).
    """
    if tail not in TAILS:
        raise ConfigurationError(f"tail must be one of {', '.join(TAILS)}; found {tail!r}")
    n = np.asarray(n, dtype=float)
    e = np.asarray(eligible, dtype=bool)
    b = _benchmarks(n, mean, var, e, kind, benchmark)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = b.bench_sd / np.sqrt(n)
        z = (mean - b.bench) / se
    mode = "multiplicative" if overdispersion is True else overdispersion
    if mode and mode not in ("multiplicative", "additive"):
        raise ConfigurationError(
            "overdispersion must be False, True/'multiplicative' or 'additive'; "
            f"found {overdispersion!r}"
        )
    phi, tau2 = _overdispersion(np.where(e & np.isfinite(z), z, np.nan), se, mode, n.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        se_adj = np.sqrt(phi * se**2 + tau2)
        z_adj = (mean - b.bench) / se_adj
    if mode:
        # the adjustments are defined on the normal scale
        p_low = np.where(np.isfinite(z_adj), _dist.norm_cdf(z_adj), np.nan)
        p_high = np.where(np.isfinite(z_adj), _dist.norm_sf(z_adj), np.nan)
        test = f"normal, {mode} overdispersion adjustment"
        lims = _limit_pairs(n, b.bench, se_adj, kind, levels, False)
    else:
        p_low, p_high, test, lims = _tests_and_limits(
            n, mean, b, se_adj, kind=kind, benchmark=benchmark, levels=levels, tail=tail
        )
    side = (1 - max(levels)) / 2
    flag = np.where(p_low <= side, "low", np.where(p_high <= side, "high", "none")).astype(object)
    flag = np.where(e, flag, "suppressed")
    return _Core(
        bench=b.bench,
        bench_sd=b.bench_sd,
        bench_n=b.bn,
        z=z_adj,
        se=se_adj,
        limits=lims,
        flag=flag,
        phi=phi,
        tau2=tau2,
        p_low=p_low,
        p_high=p_high,
        test=test,
    )


@dataclass
class _Benchmarks:
    """Each group's benchmark (and its respondents' SD and count), and the rest of the
    published groups' (the leave-one-out benchmark the tests compare with)."""

    bench: np.ndarray
    bench_sd: np.ndarray
    bn: np.ndarray
    rest_n: np.ndarray
    rest_mean: np.ndarray
    rest_sd: np.ndarray


def _benchmarks(
    n: np.ndarray,
    mean: np.ndarray,
    var: np.ndarray,
    e: np.ndarray,
    kind: str,
    benchmark: str | float,
) -> _Benchmarks:
    ne = np.where(e, n, 0.0)
    m = np.where(e, np.nan_to_num(mean), 0.0)
    v = np.where(e & (n > 1), np.nan_to_num(var), 0.0)
    total_n = ne.sum(axis=-1, keepdims=True)
    s1 = (ne * m).sum(axis=-1, keepdims=True)
    centre = np.divide(s1, total_n, out=np.zeros_like(s1), where=total_n > 0)
    d = m - centre
    # second moments about the centre: sum over respondents of (x - centre)^2
    q = (np.maximum(ne - 1, 0) * v + ne * d**2) * e
    s1c = (ne * d).sum(axis=-1, keepdims=True)
    s2c = q.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        # the rest of the published groups (the leave-one-out benchmark)
        rest_n = total_n - ne
        rest_c = (s1c - ne * d) / rest_n
        rest_ss = (s2c - q) - rest_n * rest_c**2
        rest_mean = np.where(rest_n > 0, centre + rest_c, np.nan)
        if kind == "mean":
            rest_sd = np.where(rest_n > 1, np.sqrt(np.maximum(rest_ss, 0) / (rest_n - 1)), np.nan)
        else:
            rest_sd = np.sqrt(rest_mean * (1 - rest_mean))
        if benchmark == "leave_one_out":
            bn, bench, bench_sd = rest_n, rest_mean, rest_sd
        else:
            bn = np.broadcast_to(total_n, n.shape).astype(float)
            b_c = s1c / total_n
            ss = np.broadcast_to(s2c - total_n * b_c**2, n.shape)
            bench = np.broadcast_to(centre + b_c, n.shape).astype(float)
            if not isinstance(benchmark, str):
                bench = np.full(n.shape, float(benchmark))
            if kind == "mean":
                bench_sd = np.sqrt(np.maximum(ss, 0) / (bn - 1))
                bench_sd = np.where(bn > 1, bench_sd, np.nan)
            else:
                bench_sd = np.sqrt(bench * (1 - bench))
        bench = np.where(bn > 0, bench, np.nan)
    return _Benchmarks(bench, bench_sd, bn, rest_n, rest_mean, rest_sd)


def _overdispersion(
    z_e: np.ndarray, se: np.ndarray, mode: str | bool, shape: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """``phi`` (multiplicative) and ``tau2`` (additive) from the published groups' z-scores,
    winsorised at their 10th and 90th percentiles (1 and 0 without an adjustment)."""
    phi = np.ones((*shape[:-1], 1))
    tau2 = np.zeros((*shape[:-1], 1))
    if not mode:
        return phi, tau2
    count = np.sum(np.isfinite(z_e), axis=-1, keepdims=True)
    with np.errstate(invalid="ignore"), _quiet_nan():
        q10 = np.nanquantile(z_e, 0.1, axis=-1, keepdims=True)
        q90 = np.nanquantile(z_e, 0.9, axis=-1, keepdims=True)
        zw = np.clip(z_e, q10, q90)
        phi_hat = np.nanmean(zw**2, axis=-1, keepdims=True)
    phi_hat = np.where(count > 1, phi_hat, 1.0)
    if mode == "multiplicative":
        return np.maximum(phi_hat, 1.0), tau2
    w = np.where(np.isfinite(z_e), 1 / se**2, 0.0)
    sw = w.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = sw - (w**2).sum(axis=-1, keepdims=True) / sw
        t2 = (count * phi_hat - (count - 1)) / denom
    return phi, np.where(np.isfinite(t2) & (t2 > 0), t2, 0.0)


def _tests_and_limits(
    n: np.ndarray,
    mean: np.ndarray,
    b: _Benchmarks,
    se_adj: np.ndarray,
    *,
    kind: str,
    benchmark: str | float,
    levels: tuple[float, ...],
    tail: str,
) -> tuple[np.ndarray, np.ndarray, str, dict[str, np.ndarray]]:
    """Without an overdispersion adjustment: the exact tests behind the flags, and the limits
    (those of the t test for means; interpolated exact binomial ones, for drawing only, for
    proportions)."""
    fixed = None if isinstance(benchmark, str) else float(benchmark)
    if fixed is None:
        ref_n, ref_mean, ref_sd = b.rest_n, b.rest_mean, b.rest_sd
    else:
        ref_n, ref_mean, ref_sd = b.bn, b.bench, b.bench_sd
    p_low, p_high, test = _tail_p(kind, n, mean, ref_n, ref_mean, ref_sd, fixed, tail)
    if kind == "proportion":
        return p_low, p_high, test, _limit_pairs(n, b.bench, se_adj, kind, levels, True)
    with np.errstate(divide="ignore", invalid="ignore"):
        if fixed is not None:
            se_t = ref_sd / np.sqrt(n)
        elif benchmark == "leave_one_out":
            se_t = ref_sd * np.sqrt(1 / n + 1 / ref_n)
        else:
            se_t = ref_sd * np.sqrt(np.maximum(1 / n - 1 / b.bn, 0.0))
    df = np.maximum(ref_n - 1, 1)
    lims = {}
    for level in levels:
        label = _limit_label(level)
        tq = _dist.t_ppf((1 + level) / 2, df)
        lims[f"lower_{label}"] = b.bench - tq * se_t
        lims[f"upper_{label}"] = b.bench + tq * se_t
    return p_low, p_high, test, lims


class _quiet_nan:
    """Silence numpy's all-NaN-slice warnings (replicates with no published groups)."""

    def __enter__(self) -> None:
        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc: Any) -> None:
        self._ctx.__exit__(*exc)


# ------------------------------------------------------------------------------ benchmark


def _standardised(
    x: np.ndarray,
    codes: np.ndarray,
    k: int,
    strata: pd.Series,
    eligible: np.ndarray,
    *,
    kind: str,
    levels: tuple[float, ...],
    tail: str,
) -> dict[str, np.ndarray]:
    """Indirectly standardised expected values, tests and limits of each group against the
    other published groups (see :func:`compare_to_benchmark`, ``standardise``)."""
    ok = ~np.isnan(x)
    sc, slabels = pd.factorize(strata, use_na_sentinel=False)
    n_s = len(slabels)
    cell = codes * n_s + sc
    xc = np.where(ok, x, 0.0)
    centre = float(xc[ok & eligible[codes]].mean()) if (ok & eligible[codes]).any() else 0.0
    dx = np.where(ok, x - centre, 0.0)
    n_gs = np.bincount(cell, weights=ok.astype(float), minlength=k * n_s).reshape(k, n_s)
    s_gs = np.bincount(cell, weights=dx, minlength=k * n_s).reshape(k, n_s)
    q_gs = np.bincount(cell, weights=dx**2, minlength=k * n_s).reshape(k, n_s)
    pub = eligible[:, None].astype(float)
    n_rs = (n_gs * pub).sum(axis=0) - n_gs * pub  # (k, S): the rest of the published groups
    s_rs = (s_gs * pub).sum(axis=0) - s_gs * pub
    q_rs = (q_gs * pub).sum(axis=0) - q_gs * pub
    n_i = n_gs.sum(axis=1)
    n_r = n_rs.sum(axis=1)
    matched = n_rs > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        m_rs = np.where(matched, s_rs / n_rs, 0.0)
        crude = s_rs.sum(axis=1) / n_r
        n_unmatched = (n_gs * ~matched).sum(axis=1)
        exp_sum = (n_gs * m_rs).sum(axis=1) + n_unmatched * crude
        expected = exp_sum / n_i
        observed = s_gs.sum(axis=1) / n_i
    out: dict[str, np.ndarray] = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "mean":
            se, dfp, bad = _standardised_se(n_gs, s_rs, q_rs, n_rs, matched, n_i, n_r, n_unmatched)
            t = (observed - expected) / se
            p_low, p_high = _dist.t_cdf(t, dfp), _dist.t_sf(t, dfp)
            p_low, p_high = np.where(bad, np.nan, p_low), np.where(bad, np.nan, p_high)
            for level in levels:
                label = _limit_label(level)
                tq = _dist.t_ppf((1 + level) / 2, dfp)
                out[f"limit_lower_{label}"] = centre + expected - tq * se
                out[f"limit_upper_{label}"] = centre + expected + tq * se
            name = "t test, indirectly standardised (group vs rest)"
            standardised = centre + (observed - expected)
        else:
            # back to the 0/1 scale: successes per cell
            x_gs = n_gs * centre + s_gs
            x_rs = n_rs * centre + s_rs
            p_rs = np.where(matched, x_rs / np.where(matched, n_rs, 1.0), 0.0)
            crude_p = crude + centre
            expected_p = expected + centre
            p_low, p_high = _stratified_exact_p(n_gs, x_gs, n_rs, x_rs, matched, n_r, tail)
            var = (n_gs * p_rs * (1 - p_rs)).sum(axis=1) + n_unmatched * crude_p * (1 - crude_p)
            se = np.sqrt(var) / n_i
            for level in levels:
                label = _limit_label(level)
                zq = _dist.norm_ppf((1 + level) / 2)
                out[f"limit_lower_{label}"] = np.clip(expected_p - zq * se, 0, 1)
                out[f"limit_upper_{label}"] = np.clip(expected_p + zq * se, 0, 1)
            name = "exact conditional test stratified by case mix (group vs rest)"
            if tail == "mid":
                name += ", mid-p"
            standardised = np.where(
                expected_p > 0, centre * (observed + centre) / expected_p, np.nan
            )
            expected, crude = expected_p - centre, crude_p - centre
    out.update(
        expected=expected + centre,
        crude=crude + centre,
        standardised=standardised,
        n_unmatched=n_unmatched,
        p_low=np.clip(p_low, 0, 1),
        p_high=np.clip(p_high, 0, 1),
        test=np.array([name]),
    )
    return out


def _standardised_se(
    n_gs: np.ndarray,
    s_rs: np.ndarray,
    q_rs: np.ndarray,
    n_rs: np.ndarray,
    matched: np.ndarray,
    n_i: np.ndarray,
    n_r: np.ndarray,
    n_unmatched: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The standard error of observed - expected (pooled within-stratum SD of the rest), its
    degrees of freedom, and where the test is undefined."""
    ssw = np.where(matched, q_rs - np.where(matched, s_rs**2 / n_rs, 0.0), 0.0).sum(axis=1)
    df = n_r - matched.sum(axis=1)
    sw = np.sqrt(np.maximum(ssw, 0) / df)
    w = n_gs / n_i[:, None]
    var_e = np.where(matched, w**2 / np.where(matched, n_rs, 1.0), 0.0).sum(axis=1)
    var_e = var_e + (n_unmatched / n_i) ** 2 / n_r
    se = sw * np.sqrt(1 / n_i + var_e)
    return se, np.maximum(df, 1), ~(df > 0) | ~(n_i > 0)


def _stratified_exact_p(
    n_gs: np.ndarray,
    x_gs: np.ndarray,
    n_rs: np.ndarray,
    x_rs: np.ndarray,
    matched: np.ndarray,
    n_r: np.ndarray,
    tail: str,
) -> tuple[np.ndarray, np.ndarray]:
    """One-sided p-values of each group's successes given each stratum's margins: the
    convolution of hypergeometric distributions (R's ``mantelhaen.test(exact = TRUE)``)."""
    k, n_s = n_gs.shape
    n_i = n_gs.sum(axis=1)
    p_low = np.full(k, np.nan)
    p_high = np.full(k, np.nan)
    for i in range(k):
        if not n_i[i] > 0 or not n_r[i] > 0:
            continue
        dist = np.ones(1)
        for st in range(n_s):
            ni = round(n_gs[i, st])
            if ni == 0:
                continue
            xi = round(x_gs[i, st])
            if not matched[i, st]:
                part = np.zeros(ni + 1)
                part[xi] = 1.0
            else:
                tot_k = xi + round(x_rs[i, st])
                tot_n = ni + round(n_rs[i, st])
                part = _dist.hypergeom_pmf(np.arange(ni + 1), tot_n, tot_k, ni)
            dist = np.convolve(dist, part)
        obs = round(x_gs[i].sum())
        lo, hi = dist[: obs + 1].sum(), dist[obs:].sum()
        if tail == "mid":
            lo, hi = lo - dist[obs] / 2, hi - dist[obs] / 2
        p_low[i], p_high[i] = min(lo, 1.0), min(hi, 1.0)
    return p_low, p_high


@dataclass(frozen=True, repr=False)
class BenchmarkComparison(FrameResult):
    """The result of :func:`compare_to_benchmark`: the table and the funnel it was judged by.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per group (the columns are listed under :func:`compare_to_benchmark`).
    kind : {"mean", "proportion"}
    value, group : str
        The compared column and the grouping column.
    benchmark : str or float
        As given: ``"leave_one_out"``, ``"overall"`` or a fixed target.
    centre : float
        The funnel's centre line: the published groups' overall mean (or proportion), or the
        fixed target.
    sd : float
        The respondent standard deviation behind the limits (:math:`\\sqrt{\\theta(1-\\theta)}`
        for proportions).
    limits : tuple of float
        Coverages of the funnel limits, innermost first.
    overdispersion : bool or str
        The adjustment asked for.
    phi, tau2 : float
        The estimated overdispersion factor and between-group variance (1 and 0 without an
        adjustment).
    rule : {"funnel", "gmc"}
    threshold : int
        The fewest answers a published group has (the policy's ``min_cell`` or ``min_n``).
    suppressed : tuple of str
        The groups below the threshold.
    """

    frame: pd.DataFrame
    kind: str
    value: str
    group: str
    benchmark: str | float
    centre: float
    sd: float
    limits: tuple[float, ...]
    overdispersion: bool | str
    phi: float
    tau2: float
    rule: str
    threshold: int
    suppressed: tuple[str, ...]

    _legacy_key = "funnel"

    def _legacy_value(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "value": self.value,
            "group": self.group,
            "benchmark": self.benchmark,
            "centre": self.centre,
            "sd": self.sd,
            "limits": list(self.limits),
            "overdispersion": self.overdispersion,
            "phi": self.phi,
            "tau2": self.tau2,
            "rule": self.rule,
            "threshold": self.threshold,
            "suppressed": list(self.suppressed),
        }

    def __repr__(self) -> str:
        return (
            f"BenchmarkComparison({self.kind} of {self.value!r} by {self.group!r}, "
            f"centre={self.centre:.4g}, rule={self.rule!r}, phi={self.phi:.3g}, "
            f"{len(self.suppressed)} suppressed)\n{self.frame!r}"
        )


def compare_to_benchmark(
    data: pd.DataFrame,
    value: str,
    group: str,
    *,
    benchmark: Literal["leave_one_out", "overall"] | float = "leave_one_out",
    kind: Kind = "mean",
    policy: DisclosurePolicy | str | None = None,
    min_n: int | None = None,
    limits: Sequence[float] = _LIMITS,
    overdispersion: bool | Literal["multiplicative", "additive"] = False,
    rule: Literal["funnel", "gmc"] = "funnel",
    success: Iterable[Any] | None = None,
    ci: float = _CI,
    tail: Literal["exact", "mid"] = "exact",
    standardise: str | None = None,
    adjust: str | None = None,
) -> pd.DataFrame:
    """Compare each group's mean (or proportion) with a benchmark, and flag outliers.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    value : str
        The column compared: a score (``kind="mean"``), or a 0/1 column or a coded answer with
        ``success`` (``kind="proportion"``). Missing values are left out (``n`` counts answers).
    group : str
        The grouping column (e.g. ``trust``). A missing group value is a group of its own.
    benchmark : {"leave_one_out", "overall"} or float
        ``"leave_one_out"`` (default): each group against all OTHER published groups'
        respondents pooled; ``"overall"``: against all published groups' respondents; a number:
        a fixed target (the spread of means is then the overall respondent SD).
    kind : {"mean", "proportion"}
    policy : DisclosurePolicy or preset name, optional
        Groups with fewer than ``policy.min_cell`` answers (default policy: 5) are suppressed.
    min_n : int, optional
        A higher threshold than the policy's (never lower).
    limits : sequence of float
        Coverages of the funnel limits; the outermost decides the ``flag`` (default 99.8 %).
    overdispersion : bool or {"multiplicative", "additive"}
        Adjust the limits for between-group variation beyond chance (see Notes).
    rule : {"funnel", "gmc"}
        How ``flag`` is set: funnel limits, or the GMC National Training Survey outlier rule.
    success : iterable, optional
        For proportions: the codes counted as a success, e.g. ``{4, 5}`` (top two boxes).
    ci : float
        Coverage of each group's confidence interval (t interval for means, Wilson for
        proportions) and, for ``rule="gmc"``, of the benchmark's.
    tail : {"exact", "mid"}
        For proportions: flag from exact one-sided tail probabilities (default; never more
        false flags than nominal) or from mid-p values (closer to nominal on average, but may
        exceed it).
    standardise : str, optional
        A column of case-mix strata (e.g. ``grade``): compare each group with the value
        expected from ITS OWN mix of strata at the other groups' stratum means (indirect
        standardisation; see Notes). Needs ``benchmark="leave_one_out"`` and
        ``rule="funnel"``, without an overdispersion adjustment.
    adjust : str, optional
        Adjust ``p_value`` over the published groups (``"fdr_bh"``, ``"holm"``...; see
        :func:`~leadership_eval.multiplicity.adjust_pvalues`) into ``p_adjusted``. Flags are
        not changed by it.

    Returns
    -------
    BenchmarkComparison
        ``.frame`` has one row per group, sorted by group:

        * ``group``; ``n`` (non-missing answers);
        * ``mean`` (or ``proportion``), ``ci_low``, ``ci_high``: the group's estimate and CI;
        * ``benchmark``, ``benchmark_sd`` (respondent SD behind the limits), ``benchmark_n``;
        * ``z``: :math:`(y - \\theta_0)/SE`, divided by :math:`\\sqrt\\phi` (or with
          :math:`\\tau^2` added to the variance) under an overdispersion adjustment;
        * ``lower_95``, ``upper_95``, ``lower_998``, ``upper_998``: funnel limits at the group's
          ``n`` (see :func:`funnel_limits`);
        * with ``rule="gmc"``: ``q1``, ``q3`` (benchmark respondents' quartiles),
          ``benchmark_ci_low``, ``benchmark_ci_high``;
        * ``p_value``: two-sided p-value of the test behind the flag (twice the smaller
          one-sided tail, at most 1); ``p_adjusted`` with ``adjust``; ``test``: that test;
        * with ``standardise``: ``expected`` (the benchmark at the group's own case mix, also
          in ``benchmark``), ``crude_benchmark`` (the unstandardised leave-one-out benchmark),
          ``standardised`` (indirectly standardised value: :math:`\\bar y + (y_i - E_i)` for
          means, :math:`\\bar p \\, O_i/E_i` for proportions) and ``n_unmatched``
          (respondents in strata no other published group has, compared with the crude
          benchmark);
        * ``flag``: ``low``/``high``/``none`` (funnel) or ``red``/``pink``/``white``/
          ``lightgreen``/``green`` (gmc); ``suppressed`` for a group below the threshold, whose
          estimate, CI, benchmark, z and limits are then NA.

        The :class:`BenchmarkComparison` also holds what
        :func:`~leadership_eval.plots.plot_funnel` needs to draw the limits (``centre``, ``sd``,
        ``limits``, ``phi``, ``tau2``).

    Raises
    ------
    DataError
        Unknown column, non-numeric values, or a proportion column that is not 0/1.
    ConfigurationError
        Unknown ``kind``/``rule``/``benchmark``, a ``min_n`` below the policy, or
        ``rule="gmc"`` with proportions or a fixed benchmark.

    Notes
    -----
    **Flags from tests, calibrated for small groups.** ``flag`` is ``low`` (``high``) when the
    one-sided p-value of the group below (above) the benchmark is at most :math:`(1 - L)/2`
    for the outermost coverage :math:`L` (0.001 for 99.8 %), so the chance of a false flag per
    group is at most :math:`1 - L`:

    * proportions: the group's :math:`x_i` successes of :math:`n_i` against the rest's
      :math:`X_r` of :math:`N_r` by the exact one-sided Fisher test (the hypergeometric tails of
      :math:`x_i` given :math:`x_i + X_r`); against a fixed :math:`\\theta_0`, the
      Binomial(:math:`n_i, \\theta_0`) tails. ``tail="mid"``: mid-p (half the probability of
      the observed count). The interpolated limits (below) are for drawing only: as a rule on
      integer counts they flag, e.g., every small group where everyone agrees;
    * means: :math:`t = (\\bar y_i - \\bar y_r)/(s_r\\sqrt{1/n_i + 1/N_r})` on :math:`N_r - 1`
      degrees of freedom, the rest's mean and SD (exact for normal data with a common SD; the
      benchmark's own sampling error is included, which Spiegelhalter's limits leave out);
      against a fixed target, :math:`(\\bar y_i - \\theta_0)/(s/\\sqrt{n_i})` with the
      published respondents' SD;
    * with an overdispersion adjustment: the normal tails of the adjusted z.

    **Limits.** For means, the limits of that t test: :math:`\\theta_0 \\pm t_{(1+L)/2,
    N_r - 1}\\, s_r \\sqrt{1/n_i + 1/N_r}` (``overall``: :math:`\\sqrt{1/n_i - 1/N}`; a fixed
    target: :math:`1/\\sqrt{n_i}`). For proportions, Spiegelhalter's (2005) exact interpolated
    binomial limits (normal ones under overdispersion), for drawing. ``z`` is Spiegelhalter's
    :math:`(y_i - \\theta_0)/(\\sigma/\\sqrt{n_i})`, :math:`\\sigma` the benchmark's respondent SD
    (:math:`\\sqrt{\\theta_0(1-\\theta_0)}` for proportions).

    **Case mix** (``standardise``; indirect standardisation, e.g. Breslow & Day 1987). With
    strata :math:`s` (e.g. grades), :math:`n_{is}` the group's respondents in stratum
    :math:`s` and :math:`m_s` the other published groups' stratum mean (or proportion), the
    expected value is :math:`E_i = \\sum_s n_{is} m_s / n_i`. Means: :math:`t = (\\bar y_i -
    E_i)/(s_w \\sqrt{1/n_i + \\sum_s (n_{is}/n_i)^2/N_s})` with :math:`s_w` the pooled
    within-stratum SD of the rest, on :math:`N_r - S` df. Proportions: the exact conditional
    test of no group effect within strata (the distribution of :math:`\\sum_s x_{is}` given
    each stratum's margins, a convolution of hypergeometric distributions, as R's
    ``mantelhaen.test(exact = TRUE)``). A stratum present only in this group is compared with
    the crude benchmark and counted in ``n_unmatched``; a missing stratum value is a stratum of
    its own.

    **Overdispersion** (Spiegelhalter 2005; Spiegelhalter et al. 2012). The z-scores
    :math:`z_i = (y_i - \\theta_0)/s_i`, :math:`s_i = \\sigma/\\sqrt{n_i}`, of the published groups
    are winsorised at their 10th and 90th percentiles and :math:`\\hat\\phi = \\frac1I\\sum
    z_{i,w}^2` over the :math:`I` groups. *Multiplicative*: when :math:`\\hat\\phi > 1` the
    variances are inflated, limits :math:`\\theta_0 \\pm z_p\\sqrt{\\hat\\phi}\\,s_i` and
    :math:`z_i/\\sqrt{\\hat\\phi}`. *Additive* (random effects): :math:`\\hat\\tau^2 =
    \\max\\{0, (I\\hat\\phi - (I-1)) / (\\sum w_i - \\sum w_i^2/\\sum w_i)\\}` with :math:`w_i =
    1/s_i^2`, limits :math:`\\theta_0 \\pm z_p \\sqrt{s_i^2 + \\hat\\tau^2}`. Both are in
    the result's ``phi`` and ``tau2``.

    **GMC rule** (GMC, *Education data reporting tool help: what do the results mean?*). With
    :math:`Q_1, Q_3` the lower and upper quartiles (numpy's default, R type 7) of the benchmark
    respondents' values and the benchmark CI :math:`\\bar x_b \\pm t\\, s_b/\\sqrt{N_b}`:

    * ``red`` (below outlier): :math:`y_i < Q_1` and the group's CI lies wholly below the
      benchmark's CI (``ci_high < benchmark_ci_low``);
    * ``pink``: :math:`y_i < Q_1` but the CIs overlap;
    * ``white``: :math:`Q_1 \\le y_i \\le Q_3`;
    * ``lightgreen``: :math:`y_i > Q_3` but the CIs overlap;
    * ``green`` (above outlier): :math:`y_i > Q_3` and ``ci_low > benchmark_ci_high``.

    The GMC does not publish results from fewer than 3 respondents (preset ``gmc-nts``).

    **Disclosure.** Respondents of suppressed groups are left out of every benchmark, so no
    published number depends on them.

    References
    ----------
    Spiegelhalter DJ. Funnel plots for comparing institutional performance. Statistics in
    Medicine 2005; 24(8): 1185-1202. doi:10.1002/sim.1970

    Spiegelhalter DJ, Sherlaw-Johnson C, Bardsley M, Blunt I, Wood C, Grigg O. Statistical
    methods for healthcare regulation: rating, screening and surveillance. Journal of the Royal
    Statistical Society A 2012; 175(1): 1-47. doi:10.1111/j.1467-985X.2011.01010.x

    General Medical Council. Education data reporting tool help: what do the results mean?
    https://www.gmc-uk.org/help/education-data-reporting-tool-help/what-do-the-results-mean

    Breslow NE, Day NE. Statistical methods in cancer research, volume II: the design and
    analysis of cohort studies. Lyon: IARC; 1987 (chapter 2, indirect standardisation).

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.compare import compare_to_benchmark
    >>> df = pd.DataFrame({"trust": ["a"] * 8 + ["b"] * 8 + ["c"] * 8 + ["d"] * 3,
    ...                    "score": [4, 4, 3, 4, 5, 4, 3, 4, 4, 3, 4, 4, 3, 4, 5, 4,
    ...                              2, 1, 2, 2, 1, 2, 3, 2, 4, 5, 4]})
    >>> out = compare_to_benchmark(df, "score", "trust")
    >>> out.frame[["group", "n", "mean", "benchmark", "p_value", "flag"]].round(4)
      group  n   mean  benchmark  p_value        flag
    0     a  8  3.875      2.875   0.0744        none
    1     b  8  3.875      2.875   0.0744        none
    2     c  8  1.875      3.875   0.0000         low
    3     d  3    NaN        NaN      NaN  suppressed
    """
    data = check_frame(data)
    check_columns(data, value, "value")
    check_columns(data, group, "group")
    threshold = _threshold(DisclosurePolicy.resolve(policy), min_n)
    levels = _check_limits(limits)
    _check_options(kind, rule, benchmark, ci, success, tail, overdispersion, adjust)
    if standardise is not None:
        check_columns(data, standardise, "standardise")
        _check_standardise(benchmark, rule, overdispersion)
    x = numeric(data[value], value) if kind == "mean" else _binary(data[value], value, success)
    codes, labels = pd.factorize(data[group], sort=True, use_na_sentinel=False)
    g = _Groups(x, codes, len(labels))
    eligible = g.n >= threshold
    core = _funnel_core(
        g.n,
        g.mean,
        g.var,
        eligible,
        kind=kind,
        benchmark=benchmark,
        levels=levels,
        overdispersion=overdispersion,
        tail=tail,
    )
    std: dict[str, np.ndarray] | None = None
    if standardise is not None:
        std = _standardised(
            x, codes, g.k, data[standardise], eligible, kind=kind, levels=levels, tail=tail
        )
        _standardised_core(core, std, levels, eligible)
    return _comparison(
        labels,
        g,
        core,
        eligible,
        std,
        value=value,
        group=group,
        kind=kind,
        benchmark=benchmark,
        levels=levels,
        overdispersion=overdispersion,
        rule=rule,
        ci=ci,
        adjust=adjust,
        threshold=threshold,
    )


def compare_columns_to_benchmark(
    data: pd.DataFrame,
    values: Sequence[str],
    group: str,
    *,
    kind: Kind = "mean",
    policy: DisclosurePolicy | str | None = None,
) -> dict[str, BenchmarkComparison]:
    """:func:`compare_to_benchmark` of each column of ``values`` with the same groups, computed
    together: the reports compare every scale and every statement this way.

    The options are :func:`compare_to_benchmark`'s defaults (leave-one-out benchmark, funnel
    rule, limits at 95 % and 99.8 %, exact tails, no adjustment). The columns' figures are
    counted side by side and their tests run as one array, and each result is exactly
    (bit for bit) the one :func:`compare_to_benchmark` gives for that column alone, in a
    fraction of the time for many columns.

    Returns
    -------
    dict
        Column -> :class:`BenchmarkComparison`, in the order of ``values``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"trust": list("aaaaabbbbbccccc"),
    ...                    "q1": [1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 1],
    ...                    "q2": [1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0]})
    >>> both = compare_columns_to_benchmark(df, ["q1", "q2"], "trust", kind="proportion")
    >>> both["q2"].frame.equals(
    ...     compare_to_benchmark(df, "q2", "trust", kind="proportion").frame)
    True
    """
    data = check_frame(data)
    for value in values:
        check_columns(data, value, "value")
    check_columns(data, group, "group")
    threshold = _threshold(DisclosurePolicy.resolve(policy), None)
    levels = _check_limits(_LIMITS)
    _check_options(kind, "funnel", "leave_one_out", _CI, None, "exact", False, None)
    if not values:
        return {}
    x = np.stack(
        [numeric(data[v], v) if kind == "mean" else _binary(data[v], v, None) for v in values]
    )
    codes, labels = pd.factorize(data[group], sort=True, use_na_sentinel=False)
    g = _Groups(x, codes, len(labels))
    eligible = g.n >= threshold
    core = _funnel_core(
        g.n,
        g.mean,
        g.var,
        eligible,
        kind=kind,
        benchmark="leave_one_out",
        levels=levels,
        overdispersion=False,
    )
    return {
        value: _comparison(
            labels,
            g.column(i),
            core.column(i),
            eligible[i],
            None,
            value=value,
            group=group,
            kind=kind,
            benchmark="leave_one_out",
            levels=levels,
            overdispersion=False,
            rule="funnel",
            ci=_CI,
            adjust=None,
            threshold=threshold,
        )
        for i, value in enumerate(values)
    }


def _comparison(
    labels: Any,
    g: _Groups,
    core: _Core,
    eligible: np.ndarray,
    std: dict[str, np.ndarray] | None,
    *,
    value: str,
    group: str,
    kind: str,
    benchmark: str | float,
    levels: tuple[float, ...],
    overdispersion: bool | str,
    rule: str,
    ci: float,
    adjust: str | None,
    threshold: int,
) -> BenchmarkComparison:
    """The result of one compared column: its table and funnel."""
    ci_low, ci_high = _group_ci(g, kind, ci)
    # the columns as arrays, the frame made once at the end (small frames, many)
    cols = _benchmark_columns(labels, g, kind, core, ci_low, ci_high)
    if adjust is not None:
        from ..multiplicity import adjust_pvalues

        p_adjusted = np.full(g.k, np.nan)
        p_adjusted[eligible] = adjust_pvalues(cols["p_value"][eligible], adjust)
        cols["p_adjusted"] = p_adjusted
    cols["test"] = core.test if rule == "funnel" else "GMC outlier rule"
    if std is not None:
        cols["expected"] = std["expected"]
        cols["crude_benchmark"] = std["crude"]
        cols["standardised"] = std["standardised"]
        cols["n_unmatched"] = std["n_unmatched"].astype("int64")
    flag = core.flag
    if rule == "gmc":
        flag = _gmc_flags(cols, g, core, eligible, benchmark == "overall", ci, ci_low, ci_high)
    cols["flag"] = flag
    if not eligible.all():  # a suppressed group's numbers blanked
        kept = ("group", "n", "flag", "test")
        for c, v in cols.items():
            if c in kept or np.ndim(v) == 0:
                continue
            arr = np.asarray(v)
            if arr.dtype.kind in "if":
                cols[c] = np.where(eligible, arr, np.nan)
            else:
                cols[c] = pd.Series(v).where(eligible)
    for c in ("benchmark_n", "n_unmatched"):  # counts, NA where blanked
        if c in cols:
            cols[c] = pd.array(cols[c], dtype="Int64")
    out = pd.DataFrame(cols)
    centre, sd = _overall(g, eligible, kind, benchmark)
    return BenchmarkComparison(
        frame=out,
        kind=kind,
        value=value,
        group=group,
        benchmark=benchmark,
        centre=centre,
        sd=sd,
        limits=tuple(levels),
        overdispersion=overdispersion,
        phi=float(core.phi.ravel()[0]),
        tau2=float(core.tau2.ravel()[0]),
        rule=rule,
        threshold=threshold,
        suppressed=tuple(str(lab) for lab in labels[~eligible]),
    )


def _benchmark_columns(
    labels: Any, g: _Groups, kind: str, core: _Core, ci_low: np.ndarray, ci_high: np.ndarray
) -> dict[str, Any]:
    """One value per group, by column: its estimate and CI, benchmark, z, limits and p-value."""
    est = "mean" if kind == "mean" else "proportion"
    with np.errstate(invalid="ignore"):
        p_value = np.minimum(1.0, 2 * np.fmin(core.p_low, core.p_high))
    return {
        "group": labels,
        "n": g.n.astype("int64"),
        est: g.mean,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "benchmark": core.bench,
        "benchmark_sd": core.bench_sd,
        "benchmark_n": core.bench_n.astype("int64"),
        "z": core.z,
        **core.limits,
        "p_value": p_value,
    }


def _check_options(
    kind: str,
    rule: str,
    benchmark: Any,
    ci: float,
    success: Any,
    tail: str,
    overdispersion: Any,
    adjust: str | None,
) -> None:
    """Raise ``ConfigurationError`` for options :func:`compare_to_benchmark` cannot combine."""
    if kind not in ("mean", "proportion"):
        raise ConfigurationError(f"kind must be 'mean' or 'proportion'; found {kind!r}")
    if rule not in ("funnel", "gmc"):
        raise ConfigurationError(f"rule must be 'funnel' or 'gmc'; found {rule!r}")
    if isinstance(benchmark, str):
        if benchmark not in ("leave_one_out", "overall"):
            raise ConfigurationError(
                f"benchmark must be 'leave_one_out', 'overall' or a number; found {benchmark!r}"
            )
    elif isinstance(benchmark, bool) or not isinstance(benchmark, int | float):
        raise ConfigurationError(f"benchmark must be a name or a number; found {benchmark!r}")
    elif not math.isfinite(benchmark):
        raise ConfigurationError(
            f"a fixed benchmark must be a finite number; found {benchmark!r} (every group "
            "would be compared with nothing)"
        )
    elif kind == "proportion" and not 0 <= benchmark <= 1:
        raise ConfigurationError(f"a proportion benchmark must be in [0, 1]; found {benchmark}")
    if rule == "gmc" and (kind != "mean" or not isinstance(benchmark, str)):
        raise ConfigurationError(
            "rule='gmc' compares mean scores with a benchmark group's quartiles: use it with "
            "kind='mean' and benchmark='leave_one_out' or 'overall'",
            code="gmc-rule",
        )
    if not 0 < ci < 1:
        raise ConfigurationError(f"ci must be between 0 and 1; found {ci}")
    if success is not None and kind != "proportion":
        raise ConfigurationError("success=... is only used with kind='proportion'")
    if tail not in TAILS:
        raise ConfigurationError(f"tail must be one of {', '.join(TAILS)}; found {tail!r}")
    if adjust is not None:
        from ..multiplicity import adjustment_method

        adjustment_method(adjust)


def _check_standardise(benchmark: Any, rule: str, overdispersion: Any) -> None:
    if benchmark != "leave_one_out" or rule != "funnel" or overdispersion:
        raise ConfigurationError(
            "standardise=... compares each group with the other groups' stratum values: "
            "use it with benchmark='leave_one_out', rule='funnel' and no overdispersion "
            "adjustment",
            code="standardise-options",
        )


class _Groups:
    """Each group's count, sum, mean and variance of ``x`` (NaN: no answer).

    ``x`` is one column of values, or several stacked (columns x rows) with the same groups:
    each column's sums are then counted into bins of their own, in the same order as alone,
    so :meth:`column` gives exactly the figures of that column counted by itself.
    """

    def __init__(self, x: np.ndarray, codes: np.ndarray, k: int) -> None:
        self.x, self.codes, self.k = x, codes, k
        self.ok = ~np.isnan(x)
        xc = np.where(self.ok, x, 0.0)
        # one bin per (column, group): bincount adds a bin's weights in the order they come
        bins = codes if x.ndim == 1 else (codes + k * np.arange(len(x))[:, None]).ravel()
        size = k * (len(x) if x.ndim == 2 else 1)

        def count(weights: np.ndarray) -> np.ndarray:
            return np.bincount(bins, weights=weights.ravel(), minlength=size).reshape(
                (*x.shape[:-1], k)
            )

        self.n = count(self.ok.astype(float))
        self.s1 = count(xc)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.mean = self.s1 / self.n
            dev = np.where(self.ok, xc - self.mean[..., codes], 0.0)
            self.var = count(dev**2) / (self.n - 1)

    def column(self, i: int) -> _Groups:
        """The figures of column ``i`` of stacked values, as if counted alone."""
        out = object.__new__(_Groups)
        out.x, out.codes, out.k, out.ok = self.x[i], self.codes, self.k, self.ok[i]
        out.n, out.s1, out.mean, out.var = self.n[i], self.s1[i], self.mean[i], self.var[i]
        return out


def _standardised_core(
    core: _Core, std: dict[str, np.ndarray], levels: tuple[float, ...], eligible: np.ndarray
) -> None:
    """The funnel core after case-mix standardisation: expected values, limits, flags."""
    core.bench = std["expected"]
    core.limits = {key[6:]: val for key, val in std.items() if key.startswith("limit_")}
    core.p_low, core.p_high = std["p_low"], std["p_high"]
    core.test = str(std["test"][0])
    side = (1 - max(levels)) / 2
    fl = np.where(core.p_low <= side, "low", np.where(core.p_high <= side, "high", "none"))
    core.flag = np.where(eligible, fl.astype(object), "suppressed")


def _group_ci(g: _Groups, kind: str, ci: float) -> tuple[np.ndarray, np.ndarray]:
    """Each group's own CI: t for means, Wilson for proportions."""
    n, mean = g.n, g.mean
    zc = _dist.norm_ppf((1 + ci) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "mean":
            t = _dist.t_ppf((1 + ci) / 2, np.maximum(n - 1, 1))
            half = np.where(n > 1, t * np.sqrt(g.var / n), np.nan)
            return mean - half, mean + half
        centre = (mean + zc**2 / (2 * n)) / (1 + zc**2 / n)
        half = zc * np.sqrt(mean * (1 - mean) / n + zc**2 / (4 * n**2)) / (1 + zc**2 / n)
        ci_low = np.where(mean == 0, 0.0, np.clip(centre - half, 0, 1))
        ci_high = np.where(mean == 1, 1.0, np.clip(centre + half, 0, 1))
    return ci_low, ci_high


def _gmc_flags(
    out: dict[str, Any],
    g: _Groups,
    core: _Core,
    eligible: np.ndarray,
    overall: bool,
    ci: float,
    ci_low: np.ndarray,
    ci_high: np.ndarray,
) -> np.ndarray:
    """The GMC outlier rule's flags (its quartiles and benchmark CI added to ``out``)."""
    q1 = np.full(g.k, np.nan)
    q3 = np.full(g.k, np.nan)
    pub = eligible[g.codes] & g.ok
    if overall and pub.any():
        q1[:], q3[:] = np.quantile(g.x[pub], [0.25, 0.75])
    else:
        for i in np.flatnonzero(eligible):
            sel = pub & (g.codes != i)
            if sel.any():
                q1[i], q3[i] = np.quantile(g.x[sel], [0.25, 0.75])
    bn = core.bench_n
    with np.errstate(divide="ignore", invalid="ignore"):
        tb = _dist.t_ppf((1 + ci) / 2, np.maximum(bn - 1, 1))
        bhalf = np.where(bn > 1, tb * core.bench_sd / np.sqrt(bn), np.nan)
    b_lo, b_hi = core.bench - bhalf, core.bench + bhalf
    below, above = g.mean < q1, g.mean > q3
    flag = np.select(
        [below & (ci_high < b_lo), below, above & (ci_low > b_hi), above],
        ["red", "pink", "green", "lightgreen"],
        default="white",
    ).astype(object)
    out["q1"], out["q3"] = q1, q3
    out["benchmark_ci_low"], out["benchmark_ci_high"] = b_lo, b_hi
    return np.where(eligible, flag, "suppressed")


def _overall(g: _Groups, eligible: np.ndarray, kind: str, benchmark: Any) -> tuple[float, float]:
    """The funnel's centre and the respondent SD behind its limits (published groups only)."""
    overall_n = int(g.n[eligible].sum())
    overall_mean = float(g.s1[eligible].sum() / overall_n) if overall_n else float("nan")
    centre = float(benchmark) if not isinstance(benchmark, str) else overall_mean
    if kind != "mean":
        return centre, math.sqrt(centre * (1 - centre))
    pub = eligible[g.codes] & g.ok
    sd = float(np.std(g.x[pub], ddof=1)) if pub.sum() > 1 else float("nan")
    return centre, sd


# ------------------------------------------------------------------------------ group tests
