"""Comparisons: groups against a benchmark, groups against each other, and survey waves.

Three questions an evaluation of a regional scheme keeps asking:

* is a trust's result different from the rest of the region? (:func:`compare_to_benchmark`:
  funnel-plot control limits after Spiegelhalter (2005), optionally adjusted for overdispersion,
  or the GMC National Training Survey's red/pink/white/light green/green outlier rule);
* do the groups differ at all, and which pairs? (:func:`compare_groups`: rank, t, ANOVA and
  contingency-table tests through pingouin, with effect sizes and adjusted pairwise p-values);
* did anything change between two survey waves? (:func:`compare_waves`, only over the items and
  scales that are the same in both versions of the instrument).

Every function applies the disclosure policy's ``min_cell``: a group with fewer contributors is
reported as suppressed, and its respondents are kept out of every published benchmark (otherwise
its mean could be recovered by subtracting the published groups from the benchmark).
"""

from __future__ import annotations

import difflib
import itertools
import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from . import _distributions as _dist
from .errors import ConfigurationError, DataError
from .instruments.loader import as_survey
from .instruments.models import Item, Scale, Survey, text_in
from .policy import DisclosurePolicy

__all__ = [
    "CompareResult",
    "compare_composition",
    "compare_groups",
    "compare_to_benchmark",
    "compare_waves",
    "funnel_limits",
]

Kind = Literal["mean", "proportion"]
_MAX_SHOWN = 10


# ------------------------------------------------------------------------------ helpers


def _check_frame(data: Any, what: str = "data") -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise DataError(
            f"{what} must be a pandas DataFrame, not {type(data).__name__}", code="bad-argument"
        )
    return data


def _check_column(data: pd.DataFrame, column: str, role: str) -> None:
    if column not in data.columns:
        names = [str(c) for c in data.columns]
        close = difflib.get_close_matches(str(column), names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise DataError(
            f"the {role} column {column!r} is not in the data (columns: "
            f"{', '.join(names[:20])}{' ...' if len(names) > 20 else ''}){hint}",
            code="unknown-column",
        )


def _resolve_policy(policy: DisclosurePolicy | str | None) -> DisclosurePolicy:
    return DisclosurePolicy.resolve(policy)


def _threshold(policy: DisclosurePolicy, min_n: int | None) -> int:
    if min_n is None:
        return policy.min_cell
    if isinstance(min_n, bool) or not isinstance(min_n, int | np.integer) or min_n < 1:
        raise ConfigurationError(f"min_n must be a positive whole number; found {min_n!r}")
    return policy.tighten(min_cell=int(min_n)).min_cell


def _numeric(series: pd.Series, column: str) -> np.ndarray:
    """A column as float (NaN for missing); text that is not a number is an error."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)
    num = pd.to_numeric(series, errors="coerce")
    bad = num.isna() & series.notna()
    if bad.any():
        rows = series.index[bad.to_numpy()]
        shown = ", ".join(f"{r!r}: {series.loc[r]!r}" for r in rows[:_MAX_SHOWN])
        raise DataError(
            f"column {column!r} holds {int(bad.sum())} value(s) that are not numbers "
            f"(row: value) {shown}{' ...' if len(rows) > _MAX_SHOWN else ''}",
            code="not-numeric",
            failure_cases=pd.DataFrame(
                {"row": rows, "column": column, "value": series.loc[rows].to_numpy()}
            ),
        )
    return num.to_numpy(dtype=float, na_value=np.nan)


def _binary(series: pd.Series, column: str, success: Iterable[Any] | None) -> np.ndarray:
    """0/1 float values (NaN missing), from a 0/1 column or a set of success codes."""
    present = series.notna().to_numpy()
    if success is not None:
        wanted = {str(s) for s in success}
        if not wanted:
            raise ConfigurationError("success must name at least one code")
        keys = series.astype(object).map(
            lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v),
            na_action="ignore",
        )
        hit = keys.isin(wanted).to_numpy(dtype=bool)
        return np.where(present, hit.astype(float), np.nan)
    values = _numeric(series.astype(object).where(series.notna(), None), column)
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
    n_arr = np.atleast_1d(np.asarray(n, dtype=float))
    if np.any(n_arr < 0) or np.any(np.isnan(n_arr)):
        raise ConfigurationError("n must hold group sizes of 0 or more")
    theta = np.broadcast_to(np.asarray(benchmark, dtype=float), n_arr.shape)
    if phi <= 0 or tau2 < 0 or not math.isfinite(phi) or not math.isfinite(tau2):
        raise ConfigurationError(f"phi must be positive and tau2 0 or more; found {phi}, {tau2}")
    if kind == "mean":
        if sd is None:
            raise ConfigurationError("kind='mean' limits need the benchmark's sd")
        var = np.broadcast_to(np.asarray(sd, dtype=float), n_arr.shape) ** 2
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


TAILS = ("exact", "mid")


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
            bn = rest_n
            bench = rest_mean
            bench_sd = rest_sd
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
        se = bench_sd / np.sqrt(n)
        z = (mean - bench) / se

    z_e = np.where(e & np.isfinite(z), z, np.nan)
    phi = np.ones((*n.shape[:-1], 1))
    tau2 = np.zeros((*n.shape[:-1], 1))
    mode = "multiplicative" if overdispersion is True else overdispersion
    if mode:
        if mode not in ("multiplicative", "additive"):
            raise ConfigurationError(
                "overdispersion must be False, True/'multiplicative' or 'additive'; "
                f"found {overdispersion!r}"
            )
        count = np.sum(np.isfinite(z_e), axis=-1, keepdims=True)
        with np.errstate(invalid="ignore"), _quiet_nan():
            q10 = np.nanquantile(z_e, 0.1, axis=-1, keepdims=True)
            q90 = np.nanquantile(z_e, 0.9, axis=-1, keepdims=True)
            zw = np.clip(z_e, q10, q90)
            phi_hat = np.nanmean(zw**2, axis=-1, keepdims=True)
        phi_hat = np.where(count > 1, phi_hat, 1.0)
        if mode == "multiplicative":
            phi = np.maximum(phi_hat, 1.0)
        else:
            w = np.where(np.isfinite(z_e), 1 / se**2, 0.0)
            sw = w.sum(axis=-1, keepdims=True)
            with np.errstate(divide="ignore", invalid="ignore"):
                denom = sw - (w**2).sum(axis=-1, keepdims=True) / sw
                t2 = (count * phi_hat - (count - 1)) / denom
            tau2 = np.where(np.isfinite(t2) & (t2 > 0), t2, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        se_adj = np.sqrt(phi * se**2 + tau2)
        z_adj = (mean - bench) / se_adj

    fixed = None if isinstance(benchmark, str) else float(benchmark)
    if mode:
        # the adjustments are defined on the normal scale
        p_low = np.where(np.isfinite(z_adj), _dist.norm_cdf(z_adj), np.nan)
        p_high = np.where(np.isfinite(z_adj), _dist.norm_sf(z_adj), np.nan)
        test = f"normal, {mode} overdispersion adjustment"
        lims = _limit_pairs(n, bench, se_adj, kind, levels, False)
    else:
        if fixed is None:
            ref_n, ref_mean, ref_sd = rest_n, rest_mean, rest_sd
        else:
            ref_n, ref_mean, ref_sd = bn, bench, bench_sd
        p_low, p_high, test = _tail_p(kind, n, mean, ref_n, ref_mean, ref_sd, fixed, tail)
        if kind == "proportion":
            # interpolated exact binomial limits: for drawing the funnel, not for the flags
            lims = _limit_pairs(n, bench, se_adj, kind, levels, True)
        else:
            # the limits of the t test the flags use
            with np.errstate(divide="ignore", invalid="ignore"):
                if fixed is not None:
                    se_t = ref_sd / np.sqrt(n)
                elif benchmark == "leave_one_out":
                    se_t = ref_sd * np.sqrt(1 / n + 1 / ref_n)
                else:
                    se_t = ref_sd * np.sqrt(np.maximum(1 / n - 1 / bn, 0.0))
            df = np.maximum(ref_n - 1, 1)
            lims = {}
            for level in levels:
                label = _limit_label(level)
                tq = _dist.t_ppf((1 + level) / 2, df)
                lims[f"lower_{label}"] = bench - tq * se_t
                lims[f"upper_{label}"] = bench + tq * se_t
    side = (1 - max(levels)) / 2
    flag = np.where(p_low <= side, "low", np.where(p_high <= side, "high", "none")).astype(object)
    flag = np.where(e, flag, "suppressed")
    return _Core(
        bench=bench,
        bench_sd=bench_sd,
        bench_n=bn,
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
            ssw = np.where(matched, q_rs - np.where(matched, s_rs**2 / n_rs, 0.0), 0.0).sum(axis=1)
            df = n_r - matched.sum(axis=1)
            sw = np.sqrt(np.maximum(ssw, 0) / df)
            w = n_gs / n_i[:, None]
            var_e = np.where(matched, w**2 / np.where(matched, n_rs, 1.0), 0.0).sum(axis=1)
            var_e = var_e + (n_unmatched / n_i) ** 2 / n_r
            se = sw * np.sqrt(1 / n_i + var_e)
            t = (observed - expected) / se
            dfp = np.maximum(df, 1)
            p_low, p_high = _dist.t_cdf(t, dfp), _dist.t_sf(t, dfp)
            bad = ~(df > 0) | ~(n_i > 0)
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


def compare_to_benchmark(
    data: pd.DataFrame,
    value: str,
    group: str,
    *,
    benchmark: Literal["leave_one_out", "overall"] | float = "leave_one_out",
    kind: Kind = "mean",
    policy: DisclosurePolicy | str | None = None,
    min_n: int | None = None,
    limits: Sequence[float] = (0.95, 0.998),
    overdispersion: bool | Literal["multiplicative", "additive"] = False,
    rule: Literal["funnel", "gmc"] = "funnel",
    success: Iterable[Any] | None = None,
    ci: float = 0.95,
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
    pandas.DataFrame
        One row per group, sorted by group:

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

        ``frame.attrs["funnel"]`` holds what :func:`~leadership_eval.plots.plot_funnel` needs
        to draw the limits (overall benchmark and SD, levels, ``phi``, ``tau2``).

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
    ``attrs["funnel"]``.

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
    >>> out[["group", "n", "mean", "benchmark", "p_value", "flag"]].round(4)
      group  n   mean  benchmark  p_value        flag
    0     a  8  3.875      2.875   0.0744        none
    1     b  8  3.875      2.875   0.0744        none
    2     c  8  1.875      3.875   0.0000         low
    3     d  3    NaN        NaN      NaN  suppressed
    """
    data = _check_frame(data)
    _check_column(data, value, "value")
    _check_column(data, group, "group")
    pol = _resolve_policy(policy)
    threshold = _threshold(pol, min_n)
    levels = _check_limits(limits)
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
    if standardise is not None:
        _check_column(data, standardise, "standardise")
        if benchmark != "leave_one_out" or rule != "funnel" or overdispersion:
            raise ConfigurationError(
                "standardise=... compares each group with the other groups' stratum values: "
                "use it with benchmark='leave_one_out', rule='funnel' and no overdispersion "
                "adjustment",
                code="standardise-options",
            )
    if adjust is not None:
        from .multiplicity import _method

        _method(adjust)

    x = _numeric(data[value], value) if kind == "mean" else _binary(data[value], value, success)
    codes, labels = pd.factorize(data[group], sort=True, use_na_sentinel=False)
    k = len(labels)
    ok = ~np.isnan(x)
    xc = np.where(ok, x, 0.0)
    n = np.bincount(codes, weights=ok.astype(float), minlength=k)
    s1 = np.bincount(codes, weights=xc, minlength=k)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = s1 / n
        dev = np.where(ok, xc - mean[codes], 0.0)
        var = np.bincount(codes, weights=dev**2, minlength=k) / (n - 1)
    eligible = n >= threshold
    core = _funnel_core(
        n,
        mean,
        var,
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
            x, codes, k, data[standardise], eligible, kind=kind, levels=levels, tail=tail
        )
        core.bench = std["expected"]
        core.limits = {key[6:]: val for key, val in std.items() if key.startswith("limit_")}
        core.p_low, core.p_high = std["p_low"], std["p_high"]
        core.test = str(std["test"][0])
        side = (1 - max(levels)) / 2
        fl = np.where(core.p_low <= side, "low", np.where(core.p_high <= side, "high", "none"))
        core.flag = np.where(eligible, fl.astype(object), "suppressed")

    # each group's own CI
    zc = _dist.norm_ppf((1 + ci) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "mean":
            t = _dist.t_ppf((1 + ci) / 2, np.maximum(n - 1, 1))
            half = np.where(n > 1, t * np.sqrt(var / n), np.nan)
            ci_low, ci_high = mean - half, mean + half
        else:
            centre = (mean + zc**2 / (2 * n)) / (1 + zc**2 / n)
            half = zc * np.sqrt(mean * (1 - mean) / n + zc**2 / (4 * n**2)) / (1 + zc**2 / n)
            ci_low = np.where(mean == 0, 0.0, np.clip(centre - half, 0, 1))
            ci_high = np.where(mean == 1, 1.0, np.clip(centre + half, 0, 1))

    est = "mean" if kind == "mean" else "proportion"
    out = pd.DataFrame(
        {
            "group": labels,
            "n": n.astype("int64"),
            est: mean,
            "ci_low": ci_low,
            "ci_high": ci_high,
            "benchmark": core.bench,
            "benchmark_sd": core.bench_sd,
            "benchmark_n": core.bench_n.astype("int64"),
            "z": core.z,
            **core.limits,
        }
    )
    with np.errstate(invalid="ignore"):
        out["p_value"] = np.minimum(1.0, 2 * np.fmin(core.p_low, core.p_high))
    if adjust is not None:
        from .multiplicity import adjust_pvalues

        out["p_adjusted"] = np.where(eligible, np.nan, np.nan)
        out.loc[eligible, "p_adjusted"] = adjust_pvalues(out.loc[eligible, "p_value"], adjust)
    out["test"] = core.test if rule == "funnel" else "GMC outlier rule"
    if std is not None:
        out["expected"] = std["expected"]
        out["crude_benchmark"] = std["crude"]
        out["standardised"] = std["standardised"]
        out["n_unmatched"] = std["n_unmatched"].astype("int64")
    flag = core.flag
    if rule == "gmc":
        q1 = np.full(k, np.nan)
        q3 = np.full(k, np.nan)
        pub = eligible[codes] & ok
        if benchmark == "overall" and pub.any():
            q1[:], q3[:] = np.quantile(x[pub], [0.25, 0.75])
        else:
            for i in np.flatnonzero(eligible):
                sel = pub & (codes != i)
                if sel.any():
                    q1[i], q3[i] = np.quantile(x[sel], [0.25, 0.75])
        bn = core.bench_n
        with np.errstate(divide="ignore", invalid="ignore"):
            tb = _dist.t_ppf((1 + ci) / 2, np.maximum(bn - 1, 1))
            bhalf = np.where(bn > 1, tb * core.bench_sd / np.sqrt(bn), np.nan)
        b_lo, b_hi = core.bench - bhalf, core.bench + bhalf
        below, above = mean < q1, mean > q3
        flag = np.select(
            [below & (ci_high < b_lo), below, above & (ci_low > b_hi), above],
            ["red", "pink", "green", "lightgreen"],
            default="white",
        ).astype(object)
        flag = np.where(eligible, flag, "suppressed")
        out["q1"], out["q3"] = q1, q3
        out["benchmark_ci_low"], out["benchmark_ci_high"] = b_lo, b_hi
    out["flag"] = flag
    if not eligible.all():  # column by column: one .loc over many columns costs milliseconds
        for c in out.columns:
            if c not in ("group", "n", "flag", "test"):
                out[c] = out[c].where(eligible)
    out["benchmark_n"] = out["benchmark_n"].astype("Int64")
    if "n_unmatched" in out.columns:
        out["n_unmatched"] = out["n_unmatched"].astype("Int64")
    overall_n = int(n[eligible].sum())
    overall_mean = float(s1[eligible].sum() / overall_n) if overall_n else float("nan")
    if kind == "mean":
        pub = eligible[codes] & ok
        overall_sd = float(np.std(x[pub], ddof=1)) if pub.sum() > 1 else float("nan")
    else:
        overall_sd = math.sqrt(overall_mean * (1 - overall_mean)) if overall_n else float("nan")
    centre_value = float(benchmark) if not isinstance(benchmark, str) else overall_mean
    out.attrs["funnel"] = {
        "kind": kind,
        "value": value,
        "group": group,
        "benchmark": benchmark,
        "centre": centre_value,
        "sd": overall_sd if kind == "mean" else math.sqrt(centre_value * (1 - centre_value)),
        "limits": levels,
        "overdispersion": overdispersion,
        "phi": float(core.phi.ravel()[0]),
        "tau2": float(core.tau2.ravel()[0]),
        "rule": rule,
        "threshold": threshold,
        "suppressed": [str(g) for g in labels[~eligible]],
    }
    return out


# ------------------------------------------------------------------------------ group tests


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

    from .exact import mann_whitney

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

    from .exact import fisher_exact

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
    import pingouin as pg
    from scipy import stats

    data = _check_frame(data)
    _check_column(data, value, "value")
    _check_column(data, between, "between")
    if test not in _TESTS:
        raise ConfigurationError(f"test must be one of {', '.join(_TESTS)}; found {test!r}")
    if padjust not in _PADJUST:
        raise ConfigurationError(f"padjust must be one of {', '.join(_PADJUST)}; found {padjust!r}")
    if level is not None and level not in LEVELS:
        raise ConfigurationError(f"level must be one of {', '.join(LEVELS)}; found {level!r}")
    sv = as_survey(survey) if survey is not None else None
    survey_level, item = _measurement_level(data, value, sv)
    values = data[value]
    if item is not None and sv is not None:
        cl = sv.choices_for(item)
        if cl is not None and cl.missing_codes:
            miss = {str(c) for c in cl.missing_codes}
            keys = values.astype(object).map(
                lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v),
                na_action="ignore",
            )
            values = values.where(~keys.isin(miss))
        if cl is not None and not cl.numeric and cl.ordered:
            order = {str(c): i + 1 for i, c in enumerate(cl.codes)}
            values = values.astype(object).map(lambda v: order.get(str(v)), na_action="ignore")
    chosen_level = level or survey_level or _level_from_data(values)
    keep = values.notna() & data[between].notna()
    n_missing = int((~keep).sum())
    sub = pd.DataFrame({value: values[keep], between: data.loc[keep, between]})
    groups = sorted(pd.unique(sub[between]), key=lambda v: (str(type(v)), v))
    k = len(groups)
    if k < 2:
        raise DataError(
            f"comparing groups needs at least two groups with answers in {between!r}; found {k}",
            code="too-few-groups",
        )
    is_numeric = True
    try:
        y = _numeric(sub[value], value)
    except DataError:
        is_numeric = False
        y = np.array([])
    chosen = test
    if test == "auto":
        if chosen_level == "categorical" or not is_numeric:
            table = pd.crosstab(sub[between], sub[value]).to_numpy()
            expected = stats.contingency.expected_freq(table)
            chosen = "fisher" if (expected < 5).mean() > 0.2 else "chi2"
        elif chosen_level == "ordinal":
            chosen = "mannwhitney" if k == 2 else "kruskal"
        else:
            chosen = "t" if k == 2 else "welch"
    if chosen in ("mannwhitney", "kruskal", "t", "welch", "anova") and not is_numeric:
        _numeric(sub[value], value)  # raises the informative error
    if chosen in ("mannwhitney", "t") and k != 2:
        alt = "kruskal" if chosen == "mannwhitney" else "welch"
        raise ConfigurationError(
            f"test={chosen!r} compares two groups but {between!r} has {k}; use test={alt!r}",
            code="too-many-groups",
        )

    samples: dict[Any, np.ndarray] = {}
    if is_numeric:
        gvals = sub[between].to_numpy()
        samples = {g: y[gvals == g] for g in groups}
    row: dict[str, Any] = {"test": chosen, "dof2": np.nan, "omega_squared": np.nan}
    if chosen in ("mannwhitney", "t"):
        stat, p, eff, method = _pair_numeric(samples[groups[0]], samples[groups[1]], chosen == "t")
        if chosen == "t":
            dof = float(
                pg.ttest(samples[groups[0]], samples[groups[1]], correction=True)["dof"].iloc[0]
            )
            row.update(statistic_name="t", statistic=stat, dof=dof, p_value=p)
            row.update(effect_size="hedges_g", effect=eff)
        else:
            row.update(statistic_name="U", statistic=stat, dof=np.nan, p_value=p)
            row.update(effect_size="rank_biserial", effect=eff)
        row["method"] = method
    elif chosen == "kruskal":
        frame = pd.DataFrame({"y": y, "g": sub[between].astype(str).to_numpy()})
        res = pg.kruskal(frame, dv="y", between="g")
        h = float(res["H"].iloc[0])
        row.update(statistic_name="H", statistic=h, dof=float(res["ddof1"].iloc[0]))
        row.update(p_value=float(res["p_unc"].iloc[0]))
        row.update(effect_size="epsilon_squared", effect=h / (len(y) - 1))
        row["method"] = "chi-squared approximation, tie corrected"
    elif chosen == "welch":
        frame = pd.DataFrame({"y": y, "g": sub[between].astype(str).to_numpy()})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = pg.welch_anova(frame, dv="y", between="g")
        row.update(statistic_name="F", statistic=float(res["F"].iloc[0]))
        row.update(dof=float(res["ddof1"].iloc[0]), dof2=float(res["ddof2"].iloc[0]))
        row.update(p_value=float(res["p_unc"].iloc[0]))
        row.update(effect_size="eta_squared", effect=float(res["np2"].iloc[0]))
        row["method"] = "Welch"
    elif chosen == "anova":
        frame = pd.DataFrame({"y": y, "g": sub[between].astype(str).to_numpy()})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pingouin 0.7 uses an inplace= pandas deprecates
            res = pg.anova(frame, dv="y", between="g", detailed=True)
        ss_b, ss_w = float(res["SS"].iloc[0]), float(res["SS"].iloc[1])
        df_b, df_w = float(res["DF"].iloc[0]), float(res["DF"].iloc[1])
        ms_w = ss_w / df_w
        row.update(statistic_name="F", statistic=float(res["F"].iloc[0]), dof=df_b, dof2=df_w)
        row.update(p_value=float(res["p_unc"].iloc[0]))
        row.update(effect_size="eta_squared", effect=ss_b / (ss_b + ss_w))
        row["omega_squared"] = (ss_b - df_b * ms_w) / (ss_b + ss_w + ms_w)
        row["method"] = "F, equal variances"
    else:
        ct = pd.crosstab(sub[between], sub[value])
        stat, dof, p, eff, name, method = _table_test(ct.to_numpy(), chosen)
        stat_name = "chi2" if chosen == "chi2" else "odds_ratio" if ct.shape == (2, 2) else "none"
        row.update(
            statistic_name=stat_name,
            statistic=stat,
            dof=dof,
            p_value=p,
            effect_size=name,
            effect=eff,
            method=method,
        )
    row.update(n=int(keep.sum()), n_missing=n_missing, groups=k, level=chosen_level)
    omnibus = pd.DataFrame([row])[
        [
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
    ]

    rows: list[dict[str, Any]] = []
    if pairwise:
        for a, b in itertools.combinations(groups, 2):
            if chosen in ("chi2", "fisher"):
                pair = sub[sub[between].isin([a, b])]
                ct = pd.crosstab(pair[between], pair[value])
                ct = ct.loc[:, ct.sum(axis=0) > 0]
                if ct.shape[1] < 2:
                    stat, p, eff, name = np.nan, 1.0, np.nan, row["effect_size"]
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
            rows.append(
                {
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
            )
    pw = pd.DataFrame(
        rows,
        columns=[
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
        ],
    )
    if not pw.empty:
        _, p_corr = pg.multicomp(pw["p_unc"].to_numpy(dtype=float), method=padjust)
        pw.insert(7, "p_corr", np.asarray(p_corr, dtype=float))
        pw.insert(8, "p_adjust", padjust)
    else:
        pw.insert(7, "p_corr", pd.Series(dtype=float))
        pw.insert(8, "p_adjust", pd.Series(dtype=object))
    return CompareResult(test=chosen, omnibus=omnibus, pairwise=pw)


# ------------------------------------------------------------------------------ waves


def _item_difference(a: Item, b: Item, sa: Survey, sb: Survey) -> str | None:
    """Why item ``a`` (wave 1) and ``b`` (wave 2) are not the same question, or None."""
    if a.type != b.type:
        return f"type changed ({a.type} -> {b.type})"
    if text_in(a.text) != text_in(b.text) or a.text != b.text:
        return "question text changed"
    ca, cb = sa.choices_for(a), sb.choices_for(b)
    if (ca is None) != (cb is None):
        return "choice list added or removed"
    if ca is not None and cb is not None:
        pa = [(o.code, o.label) for o in ca.options]
        pb = [(o.code, o.label) for o in cb.options]
        if pa != pb:
            return "choice list codes or labels changed"
        if [(o.code, o.label) for o in ca.missing] != [(o.code, o.label) for o in cb.missing]:
            return "missing codes changed"
        if ca.ordered != cb.ordered:
            return "choice list ordering changed"
    if (a.min, a.max, a.integer) != (b.min, b.max, b.integer):
        return "allowed range changed"
    if a.column_name != b.column_name:
        return "response column changed"
    return None


def _scorable(item: Item, survey: Survey) -> str | None:
    if item.type == "number":
        return None
    if item.type not in ("likert", "choice"):
        return f"{item.type} items are not compared as numbers"
    cl = survey.choices_for(item)
    if cl is None or not cl.numeric or not (cl.ordered or item.type == "likert"):
        return "not an ordered list of numeric codes"
    return None


def _item_numbers(data: pd.DataFrame, survey: Survey, item: Item) -> np.ndarray:
    col = item.column_name if item.column_name in data.columns else item.id
    if col not in data.columns:
        raise DataError(
            f"item {item.id!r} (column {col!r}) is missing from the wave's data",
            code="missing-column",
        )
    x = _numeric(data[col], col)
    cl = survey.choices_for(item)
    if cl is not None and cl.missing_codes:
        miss = [float(c) for c in cl.missing_codes if isinstance(c, int | float)]
        x = np.where(np.isin(x, miss), np.nan, x)
    return x


def compare_waves(
    before: pd.DataFrame,
    after: pd.DataFrame,
    survey_before: Survey | str | Path,
    survey_after: Survey | str | Path,
    *,
    group: str | None = None,
    items: Sequence[str] | None = None,
    paired_id: str | None = None,
    policy: DisclosurePolicy | str | None = None,
    adjust: str | None = None,
) -> pd.DataFrame:
    """Change between two survey waves, over the items and scales both versions share.

    Parameters
    ----------
    before, after : pandas.DataFrame
        Responses of each wave (raw or clean form), one row per respondent.
    survey_before, survey_after : Survey, or a path or bundled id
        The instrument version each wave used.
    group : str, optional
        A column of both frames (e.g. ``trust``) to compare within; an overall comparison is
        always included.
    items : sequence of str, optional
        Item or scale ids to compare (default: every comparable number, ordered choice or
        likert item, and every comparable scale).
    paired_id : str, optional
        A column identifying the same respondent in both waves (a pseudonym). Everyone is
        used: when every respondent with an answer is in both waves, the Wilcoxon signed-rank
        test; when only some are, the partially overlapping samples t test (Derrick et al.
        2017), which uses the pairs and the unmatched together. The unmatched are counted.
    policy : DisclosurePolicy or preset name, optional
        Cells with fewer than ``min_cell`` answers in either wave are suppressed.
    adjust : str, optional
        Adjust the p-values over the rows returned (``"fdr_bh"``, ``"holm"``...) into
        ``p_adjusted``.

    Returns
    -------
    pandas.DataFrame
        One row per measure and group (``scope`` ``overall`` first, then ``group``): ``scope``,
        ``group``, ``measure``, ``kind`` (item/scale), ``n_before``, ``n_after`` (answers
        used); with ``paired_id`` also ``n_pairs``, ``n_unmatched_before``,
        ``n_unmatched_after``; ``mean_before``, ``mean_after`` (everyone used), ``change``
        (after - before), ``test`` (``mannwhitney``, ``wilcoxon`` or
        ``partially_overlapping_t``), ``statistic``, ``df`` (the t test's), ``p_value``,
        ``p_adjusted`` (with ``adjust``), ``effect_size`` (``rank_biserial`` or
        ``cohens_d_av``: the change over the root mean of the two waves' variances),
        ``effect`` (positive: higher after), ``method`` (how the p-value was computed),
        ``suppressed``.

        ``frame.attrs["skipped"]`` is a frame of the measures NOT compared, with ``measure``,
        ``kind`` and ``reason`` (only in one version, text, type, choice list or range
        changed, not numeric, a scale whose definition or items changed).

    Notes
    -----
    An item is compared only when both versions have the same id, type, text (every
    language), choice codes and labels (substantive and missing), ordering, range and column;
    a scale only when its definition (items, reverse keying, method, minimum answered,
    transform) is the same and all its items are. Independent waves: Mann-Whitney U of after
    vs before (:func:`~leadership_eval.exact.mann_whitney`: ``statistic`` is :math:`U` of the
    after wave, R's ``W`` in ``wilcox.test(after, before)``, exact without ties for samples
    under 50; rank-biserial effect). Paired, everyone in both waves: Wilcoxon signed-rank on
    after - before (:func:`~leadership_eval.exact.signed_rank`, zero differences dropped;
    ``statistic`` is :math:`V`, R's ``V`` in ``wilcox.test(after, before, paired = TRUE)``).
    Partly paired: the partially overlapping samples t test (Derrick et al. 2017, equal
    variances not assumed, as ``Partiallyoverlapping::Partover.test``): with :math:`n_1, n_2`
    all answers of each wave, :math:`n_c` pairs whose correlation is :math:`r`,

    .. math:: T = \\frac{\\bar x_1 - \\bar x_2}{\\sqrt{s_1^2/n_1 + s_2^2/n_2 - 2 r s_1 s_2 n_c /
       (n_1 n_2)}}, \\quad \\nu = (n_c - 1) + \\frac{\\gamma - n_c + 1}{n_a + n_b + 2n_c}
       (n_a + n_b)

    with :math:`\\gamma` Welch's degrees of freedom and :math:`n_a, n_b` the unmatched. With
    fewer than 2 pairs the waves are compared as independent samples. A respondent answering
    in both waves but missing the measure in one counts as unmatched in the other.
    p-values are not adjusted unless ``adjust`` is given; see also
    :func:`compare_composition` for differences in who answered each wave.

    References
    ----------
    Derrick B, Russ B, Toher D, White P. Test statistics for the comparison of means for two
    samples that include both paired and independent observations. Journal of Modern Applied
    Statistical Methods 2017; 16(1): 137-157. doi:10.22237/jmasm/1493597280

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.instruments.loader import loads_instrument
    >>> from leadership_eval.compare import compare_waves
    >>> yaml = '''
    ... kind: survey
    ... id: w
    ... version: VERSION
    ... title: W
    ... choice_lists:
    ...   a5: {ordered: true, options: [{code: 1, label: SD}, {code: 2, label: D},
    ...        {code: 3, label: N}, {code: 4, label: A}, {code: 5, label: SA}]}
    ... sections:
    ...   - id: s
    ...     title: S
    ...     items:
    ...       - {id: q1, type: likert, choices: a5, text: I lead}
    ...       - {id: q2, type: likert, choices: a5, text: QTEXT}
    ... '''
    >>> v1 = loads_instrument(yaml.replace("VERSION", "1.0.0").replace("QTEXT", "Old"))
    >>> v2 = loads_instrument(yaml.replace("VERSION", "2.0.0").replace("QTEXT", "New"))
    >>> b = pd.DataFrame({"q1": [2, 3, 3, 2, 4, 3], "q2": [1, 2, 3, 4, 5, 3]})
    >>> a = pd.DataFrame({"q1": [4, 4, 5, 3, 5, 4], "q2": [1, 2, 3, 4, 5, 3]})
    >>> out = compare_waves(b, a, v1, v2)
    >>> out[["measure", "mean_before", "mean_after", "change"]].round(2)
      measure  mean_before  mean_after  change
    0      q1         2.83        4.17    1.33
    >>> out.attrs["skipped"][["measure", "reason"]]
      measure                 reason
    0      q2  question text changed
    """
    from .exact import mann_whitney, signed_rank
    from .scoring import score

    if adjust is not None:
        from .multiplicity import _method

        _method(adjust)
    before = _check_frame(before, "before")
    after = _check_frame(after, "after")
    sa, sb = as_survey(survey_before), as_survey(survey_after)
    from .responses import validated  # the one validation path

    before, _ = validated(sa, before)
    after, _ = validated(sb, after)
    pol = _resolve_policy(policy)
    if group is not None:
        _check_column(before, group, "group")
        _check_column(after, group, "group")
    if paired_id is not None:
        _check_column(before, paired_id, "paired_id")
        _check_column(after, paired_id, "paired_id")

    skipped: list[dict[str, str]] = []
    measures: list[tuple[str, str]] = []  # (id, kind)
    items_a = {i.id: i for i in sa.questions}
    items_b = {i.id: i for i in sb.questions}
    same_items: set[str] = set()
    for iid, ia in items_a.items():
        if iid not in items_b:
            skipped.append({"measure": iid, "kind": "item", "reason": "only in the first wave"})
            continue
        why = _item_difference(ia, items_b[iid], sa, sb)
        if why is None:
            same_items.add(iid)
            why = _scorable(ia, sa)
            if why is None:
                measures.append((iid, "item"))
                continue
        skipped.append({"measure": iid, "kind": "item", "reason": why})
    for iid in items_b:
        if iid not in items_a:
            skipped.append({"measure": iid, "kind": "item", "reason": "only in the second wave"})
    scales_b = {s.id: s for s in sb.scales}
    for sc in sa.scales:
        other: Scale | None = scales_b.get(sc.id)
        if other is None:
            skipped.append({"measure": sc.id, "kind": "scale", "reason": "only in the first wave"})
            continue
        keys = ("items", "reverse", "method", "min_answered", "transform")
        if any(getattr(sc, key) != getattr(other, key) for key in keys):
            why = "scale definition changed"
        elif any(i not in same_items for i in sc.items):
            changed = [i for i in sc.items if i not in same_items]
            why = f"scale items changed: {', '.join(changed)}"
        else:
            measures.append((sc.id, "scale"))
            continue
        skipped.append({"measure": sc.id, "kind": "scale", "reason": why})
    for sid in scales_b:
        if sid not in {s.id for s in sa.scales}:
            skipped.append({"measure": sid, "kind": "scale", "reason": "only in the second wave"})

    if items is not None:
        wanted = list(items)
        known = {m for m, _ in measures} | {s["measure"] for s in skipped}
        unknown = [w for w in wanted if w not in known]
        if unknown:
            raise ConfigurationError(
                f"unknown item or scale id(s): {', '.join(unknown)}", code="unknown-measure"
            )
        measures = [m for m in measures if m[0] in wanted]
        skipped = [s for s in skipped if s["measure"] in wanted]

    scale_ids = [m for m, kind in measures if kind == "scale"]
    sc_a = score(sa, before, scales=scale_ids) if scale_ids else pd.DataFrame(index=before.index)
    sc_b = score(sb, after, scales=scale_ids) if scale_ids else pd.DataFrame(index=after.index)

    def values(frame: pd.DataFrame, scores: pd.DataFrame, survey: Survey, mid: str, kind: str):
        if kind == "scale":
            return scores[mid].to_numpy(dtype=float)
        return _item_numbers(frame, survey, survey.item(mid))

    ga = before[group].to_numpy() if group else np.zeros(len(before))
    gb = after[group].to_numpy() if group else np.zeros(len(after))
    group_values: list[Any] = []
    if group:
        group_values = sorted(
            pd.unique(np.concatenate([ga, gb])).tolist(), key=lambda v: (v is None, str(v))
        )
    if paired_id is not None:
        ida = before[paired_id].to_numpy()
        idb = after[paired_id].to_numpy()
        for name, ids in (("before", ida), ("after", idb)):
            dup = pd.Series(ids).duplicated() & pd.Series(ids).notna()
            if dup.any():
                raise DataError(
                    f"paired_id {paired_id!r} repeats in the {name} wave "
                    f"(e.g. {ids[np.flatnonzero(dup.to_numpy())[0]]!r})",
                    code="duplicate-id",
                )
        pos_b = pd.Series(np.arange(len(idb)), index=pd.Index(idb))
        common = pd.Series(ida).isin(set(pd.Series(idb).dropna())).to_numpy()
        ia_idx = np.flatnonzero(common)
        ib_idx = pos_b.loc[ida[common]].to_numpy()

    rows: list[dict[str, Any]] = []
    for mid, kind in measures:
        xa = values(before, sc_a, sa, mid, kind)
        xb = values(after, sc_b, sb, mid, kind)
        scopes: list[tuple[str, Any, np.ndarray, np.ndarray]] = [
            ("overall", pd.NA, np.ones(len(xa), bool), np.ones(len(xb), bool))
        ]
        for g in group_values:
            ma = pd.isna(ga) if pd.isna(g) else (ga == g)
            mb = pd.isna(gb) if pd.isna(g) else (gb == g)
            scopes.append(("group", g, np.asarray(ma, bool), np.asarray(mb, bool)))
        for scope, g, ma, mb in scopes:
            row: dict[str, Any] = {"scope": scope, "group": g, "measure": mid, "kind": kind}
            ua = ub = np.array([])
            if paired_id is not None:
                sel = ma[ia_idx] & mb[ib_idx]
                pa, pb = xa[ia_idx][sel], xb[ib_idx][sel]
                both = ~np.isnan(pa) & ~np.isnan(pb)
                used_a = np.zeros(len(xa), bool)
                used_b = np.zeros(len(xb), bool)
                used_a[ia_idx[sel][both]] = True
                used_b[ib_idx[sel][both]] = True
                pa, pb = pa[both], pb[both]
                ua = xa[ma & ~used_a & ~np.isnan(xa)]
                ub = xb[mb & ~used_b & ~np.isnan(xb)]
                n_a, n_b = len(pa) + len(ua), len(pb) + len(ub)
                row.update(
                    n_before=n_a,
                    n_after=n_b,
                    n_pairs=len(pa),
                    n_unmatched_before=len(ua),
                    n_unmatched_after=len(ub),
                )
                if len(ua) + len(ub) == 0:
                    test_name, eff_name = "wilcoxon", "rank_biserial"
                elif len(pa) >= 2:
                    test_name, eff_name = "partially_overlapping_t", "cohens_d_av"
                else:
                    test_name, eff_name = "mannwhitney", "rank_biserial"
            else:
                pa, pb = xa[ma], xb[mb]
                pa, pb = pa[~np.isnan(pa)], pb[~np.isnan(pb)]
                n_a, n_b = len(pa), len(pb)
                row.update(n_before=n_a, n_after=n_b)
                test_name, eff_name = "mannwhitney", "rank_biserial"
            small = min(n_a, n_b) < pol.min_cell
            row.update(test=test_name, effect_size=eff_name, suppressed=small)
            if small:
                row.update(
                    mean_before=np.nan,
                    mean_after=np.nan,
                    change=np.nan,
                    statistic=np.nan,
                    df=np.nan,
                    p_value=np.nan,
                    effect=np.nan,
                    method="",
                )
                rows.append(row)
                continue
            all_a, all_b = np.concatenate([pa, ua]), np.concatenate([pb, ub])
            row.update(mean_before=float(all_a.mean()), mean_after=float(all_b.mean()))
            row["change"] = row["mean_after"] - row["mean_before"]
            dof = np.nan
            if test_name == "wilcoxon":
                if np.all(pb - pa == 0):
                    stat, p, eff, method = np.nan, 1.0, 0.0, "no differences"
                else:
                    res = signed_rank(pb, pa).iloc[0]
                    stat, p = float(res["statistic"]), float(res["p_value"])
                    eff, method = float(res["rank_biserial"]), str(res["method"])
            elif test_name == "partially_overlapping_t":
                stat, dof, p = _partially_overlapping_t(ub, ua, pb, pa)
                sd = math.sqrt((np.var(all_a, ddof=1) + np.var(all_b, ddof=1)) / 2)
                eff = row["change"] / sd if sd > 0 else np.nan
                method = "Welch-type, Derrick et al. (2017)"
            else:
                res = mann_whitney(all_b, all_a).iloc[0]
                stat, p = float(res["statistic"]), float(res["p_value"])
                eff, method = float(res["rank_biserial"]), str(res["method"])
            row.update(statistic=stat, df=dof, p_value=p, effect=eff, method=method)
            rows.append(row)
    cols = [
        "scope",
        "group",
        "measure",
        "kind",
        "n_before",
        "n_after",
        "n_pairs",
        "n_unmatched_before",
        "n_unmatched_after",
        "mean_before",
        "mean_after",
        "change",
        "test",
        "statistic",
        "df",
        "p_value",
        "effect_size",
        "effect",
        "method",
        "suppressed",
    ]
    out = pd.DataFrame(rows, columns=cols)
    if paired_id is None:
        out = out.drop(columns=["n_pairs", "n_unmatched_before", "n_unmatched_after"])
    if adjust is not None:
        from .multiplicity import adjust_pvalues

        idx = out.columns.get_loc("p_value") + 1
        out.insert(int(idx), "p_adjusted", adjust_pvalues(out["p_value"], adjust))
    if group is None:
        out = out.drop(columns=["scope", "group"])
    out.attrs["skipped"] = pd.DataFrame(skipped, columns=["measure", "kind", "reason"])
    return out


def _partially_overlapping_t(
    x1: np.ndarray, x2: np.ndarray, x3: np.ndarray, x4: np.ndarray
) -> tuple[float, float, float]:
    """(T, df, two-sided p) of Derrick et al.'s partially overlapping samples t test, equal
    variances not assumed: ``x1``/``x2`` the unpaired of samples 1 and 2, ``x3``/``x4`` the
    pairs (as ``Partiallyoverlapping::Partover.test(x1, x2, x3, x4)``)."""
    s1, s2 = np.concatenate([x1, x3]), np.concatenate([x2, x4])
    n1, n2, nc = len(s1), len(s2), len(x3)
    v1, v2 = float(np.var(s1, ddof=1)), float(np.var(s2, ddof=1))
    constant = np.std(x3) == 0 or np.std(x4) == 0  # as Partover.test: no correlation then
    r = 0.0 if constant else float(np.corrcoef(x3, x4)[0, 1])
    denom = v1 / n1 + v2 / n2 - 2 * r * nc * math.sqrt(v1 * v2) / (n1 * n2)
    diff = float(s1.mean() - s2.mean())
    t = (
        diff / math.sqrt(denom)
        if denom > 0
        else (0.0 if diff == 0 else math.copysign(math.inf, diff))
    )
    welch = (
        (v1 / n1 + v2 / n2) ** 2 / ((v1 / n1) ** 2 / (n1 - 1) + (v2 / n2) ** 2 / (n2 - 1))
        if (v1 + v2) > 0
        else float(n1 + n2 - 2)
    )
    na, nb = len(x1), len(x2)
    df = (nc - 1) + (welch - nc + 1) / (na + nb + 2 * nc) * (na + nb)
    p = 1.0 if t == 0 else float(2 * _dist.t_sf(abs(t), df))
    return float(t), float(df), p


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
        Characteristics to compare (columns of both frames). A missing value is a category of
        its own (shown as NA), never dropped.

    Returns
    -------
    pandas.DataFrame
        One row per column and value: ``column``, ``value``, ``n_before``, ``n_after``,
        ``percent_before``, ``percent_after``, and per column ``test`` (``chi2`` or ``fisher``,
        chosen as in :func:`compare_groups`), ``p_value``, ``method``.

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

    before = _check_frame(before, "before")
    after = _check_frame(after, "after")
    cols = [columns] if isinstance(columns, str) else list(columns)
    parts = []
    for col in cols:
        _check_column(before, col, "composition")
        _check_column(after, col, "composition")
        nb = before[col].value_counts(dropna=False)
        na = after[col].value_counts(dropna=False)
        table = pd.concat([nb, na], axis=1, keys=["n_before", "n_after"]).fillna(0)
        table = table.astype("int64")
        order = sorted(table.index, key=lambda v: (pd.isna(v), str(v)))
        table = table.loc[order]
        counts = table.to_numpy().T
        if counts.shape[1] < 2:
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
