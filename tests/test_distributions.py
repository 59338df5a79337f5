"""leadership_eval._distributions returns what scipy.stats returns, to the last bit.

The module computes a few distribution functions through the scipy.special routines that
scipy.stats itself calls, to spare the reports the import of scipy.stats (issue 19). Each
function is compared with its scipy.stats counterpart on a grid of arguments that includes the
edges of the support, zero and negative sizes, probabilities of 0 and 1, non-integral counts,
infinities and NaN: the results must be equal (NaN where scipy.stats gives NaN).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import stats

from leadership_eval import _distributions as d


def same(ours: object, ref: object) -> None:
    a, b = np.asarray(ours, dtype=float), np.asarray(ref, dtype=float)
    assert a.shape == b.shape
    np.testing.assert_array_equal(a, b)  # NaN equals NaN here


X = np.array([-np.inf, -40, -3.5, -1, -1e-300, 0, 1e-9, 0.5, 1.96, 8, 39, np.inf, np.nan])
Q = np.array([0, 1e-300, 1e-12, 0.001, 0.025, 0.5, 0.975, 0.999, 1 - 1e-12, 1, -0.1, 1.1, np.nan])
DF = [0, -1, 0.5, 1, 2, 7.5, 30, 1e6, np.inf, np.nan]


def test_normal() -> None:
    same(d.norm_cdf(X), stats.norm.cdf(X))
    same(d.norm_sf(X), stats.norm.sf(X))
    same(d.norm_ppf(Q), stats.norm.ppf(Q))
    assert d.norm_ppf(0.975) == stats.norm.ppf(0.975) and isinstance(d.norm_ppf(0.5), float)


@pytest.mark.parametrize("df", DF)
def test_student_t(df: float) -> None:
    same(d.t_cdf(X, df), stats.t.cdf(X, df))
    same(d.t_sf(X, df), stats.t.sf(X, df))
    same(d.t_ppf(Q, df), stats.t.ppf(Q, df))


def test_student_t_broadcasts_like_scipy() -> None:
    x, df = X[:, None], np.array(DF)[None, :]
    same(d.t_cdf(x, df), stats.t.cdf(x, df))
    same(d.t_ppf(Q[:, None], df), stats.t.ppf(Q[:, None], df))


N = [0, 1, 2, 5, 37, 400, 2.5, -1, np.nan]
P = [0, 1e-9, 0.03, 0.5, 0.97, 1, 1.2, -0.1, np.nan]
K = np.array(
    [-np.inf, -2, -1, 0, 0.5, 1, 2, 3, 4, 5, 17, 36, 37, 38, 399, 400, 401, np.inf, np.nan]
)


@pytest.mark.parametrize("n,p", list(itertools.product(N, P)))
def test_binomial(n: float, p: float) -> None:
    same(d.binom_pmf(K, n, p), stats.binom.pmf(K, n, p))
    same(d.binom_cdf(K, n, p), stats.binom.cdf(K, n, p))
    same(d.binom_sf(K, n, p), stats.binom.sf(K, n, p))
    same(d.binom_ppf(Q, n, p), stats.binom.ppf(Q, n, p))


def test_binomial_arrays_as_the_funnel_limits_pass_them() -> None:
    n = np.array([[0.0, 3, 10, 57, 250, 1000]])
    theta = np.array([[0.0, 0.2, 0.5, 0.731, 0.99, 1.0]]).T
    for q in (0.001, 0.025, 0.975, 0.999):
        r = d.binom_ppf(q, n, theta)
        same(r, stats.binom.ppf(q, n, theta))
        same(d.binom_cdf(r - 1, n, theta), stats.binom.cdf(r - 1, n, theta))


HG = [(20, 7, 12), (20, 0, 5), (20, 20, 5), (5, 2, 5), (1, 1, 1), (300, 41, 87), (0, 0, 0)]
HG += [(10, 11, 3), (10, 3, 11), (10.5, 3, 2), (-4, 1, 1), (np.nan, 1, 1)]


@pytest.mark.parametrize("M,n,N", HG)
def test_hypergeometric(M: float, n: float, N: float) -> None:
    k = np.array([-np.inf, -1, 0, 0.5, 1, 2, 3, 5, 7, 12, 41, 87, np.inf, np.nan])
    same(d.hypergeom_pmf(k, M, n, N), stats.hypergeom.pmf(k, M, n, N))
    same(d.hypergeom_cdf(k, M, n, N), stats.hypergeom.cdf(k, M, n, N))
    same(d.hypergeom_sf(k, M, n, N), stats.hypergeom.sf(k, M, n, N))


def test_hypergeometric_arrays_as_the_group_tests_pass_them() -> None:
    rng = np.random.default_rng(3)
    n = rng.integers(0, 60, 200).astype(float)
    rest = rng.integers(0, 900, 200).astype(float)
    k = np.floor(n * rng.random(200))
    kr = np.floor(rest * rng.random(200))
    M, succ = n + rest, k + kr
    same(d.hypergeom_pmf(k, M, succ, n), stats.hypergeom(M, succ, n).pmf(k))
    same(d.hypergeom_cdf(k, M, succ, n), stats.hypergeom(M, succ, n).cdf(k))
    same(d.hypergeom_sf(k - 1, M, succ, n), stats.hypergeom(M, succ, n).sf(k - 1))
