"""Tests of leadership_eval.exact and leadership_eval.multiplicity.

Reference values come from R 4.2.2 (``tests/r/exact.R`` prints every one of them; the call is
in a comment beside each value).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from leadership_eval.errors import ConfigurationError, DataError
from leadership_eval.exact import (
    _rank_sum_counts,
    _signed_rank_counts,
    _spearman_counts,
    fisher_exact,
    mann_whitney,
    signed_rank,
    spearman,
)
from leadership_eval.multiplicity import adjust_frame, adjust_pvalues

X19 = [5, 12, 7, 4, 10, 8, 11, 14, 16, 15, 17, 18, 19, 2, 9, 13, 1, 3, 6]
Y19 = [2, 13, 14, 10, 8, 4, 3, 18, 19, 17, 11, 16, 15, 5, 12, 6, 9, 1, 7]


# ------------------------------------------------------------------------------ Spearman


@pytest.mark.parametrize(
    ("alternative", "expected"),
    [
        # R: cor.test(1:7, c(2,1,4,3,7,5,6), method="spearman", alternative=...)$p.value
        ("two-sided", 0.0341269841269841),
        ("greater", 0.0170634920634921),
        ("less", 0.988095238095238),
    ],
)
def test_spearman_exact_for_small_n_matches_r(alternative: str, expected: float) -> None:
    res = spearman([1, 2, 3, 4, 5, 6, 7], [2, 1, 4, 3, 7, 5, 6], alternative=alternative)
    assert res["p_value"].iloc[0] == pytest.approx(expected, abs=1e-13)
    assert res["method"].iloc[0] == "exact"


@pytest.mark.parametrize(
    ("alternative", "expected"),
    [
        # R: cor.test(x9, y9, method="spearman") with x9, y9 as below (n = 9, the largest
        # n R enumerates)
        ("two-sided", 0.551708553791887),
        ("greater", 0.73968253968254),
        ("less", 0.275854276895944),
    ],
)
def test_spearman_exact_at_nine_pairs_matches_r(alternative: str, expected: float) -> None:
    x9 = [3, 1, 4, 1.5, 5, 9, 2, 6, 8]
    y9 = [2, 7, 1, 8, 2.8, 1.8, 2.9, 4.5, 9]
    res = spearman(x9, y9, alternative=alternative)
    assert res["p_value"].iloc[0] == pytest.approx(expected, abs=1e-13)


@pytest.mark.parametrize(
    ("alternative", "expected"),
    [
        # R: cor.test(x19, y19, method="spearman") -> S = 400, rho 0.6491228,
        # p-value = 0.00332845805180117 (AS 89 Edgeworth series for n > 9)
        ("two-sided", 0.00332845805180117),
        ("greater", 0.00166422902590059),
        ("less", 0.998389139841658),
    ],
)
def test_spearman_edgeworth_for_19_trusts_matches_r(alternative: str, expected: float) -> None:
    res = spearman(X19, Y19, alternative=alternative).iloc[0]
    assert res["statistic"] == pytest.approx(400)
    assert res["p_value"] == pytest.approx(expected, abs=1e-13)
    assert res["method"] == "Edgeworth series (AS 89)"
    # the t approximation that scipy uses by default is visibly different here
    assert stats.spearmanr(X19, Y19).pvalue == pytest.approx(0.00262, abs=1e-4)


def test_spearman_with_ties_uses_the_t_approximation() -> None:
    res = spearman([1, 2, 2, 3, 4, 5, 5, 6], [2, 1, 3, 3, 5, 4, 6, 7]).iloc[0]
    # R: cor.test(c(1,2,2,3,4,5,5,6), c(2,1,3,3,5,4,6,7), method="spearman") -> 0.00211591611914251
    assert res["p_value"] == pytest.approx(0.00211591611914251, abs=1e-13)
    assert res["method"] == "t approximation"


@pytest.mark.parametrize("n", [3, 4, 5, 6, 7])
def test_spearman_counts_are_the_permutation_distribution(n: int) -> None:
    import itertools

    counts = _spearman_counts(n)
    brute = np.zeros_like(counts)
    for perm in itertools.permutations(range(1, n + 1)):
        brute[sum((i + 1 - p) ** 2 for i, p in enumerate(perm))] += 1
    np.testing.assert_array_equal(counts, brute)
    assert counts.sum() == math.factorial(n)


# ------------------------------------------------------------------------------ rank tests


@pytest.mark.parametrize(
    ("alternative", "expected"),
    [
        # R: wilcox.test(c(1.1,2.3,3.2,4.8,5.1), c(0.2,0.9,1.4,2.1,2.2,3.0)) -> W = 25
        ("two-sided", 0.0822510822510823),
        ("greater", 0.0411255411255411),
        ("less", 0.974025974025974),
    ],
)
def test_mann_whitney_exact_matches_r(alternative: str, expected: float) -> None:
    res = mann_whitney(
        [1.1, 2.3, 3.2, 4.8, 5.1], [0.2, 0.9, 1.4, 2.1, 2.2, 3.0], alternative=alternative
    ).iloc[0]
    assert res["statistic"] == 25
    assert res["p_value"] == pytest.approx(expected, abs=1e-14)
    assert res["method"] == "exact"


def test_mann_whitney_nine_against_ten_is_exact_like_r() -> None:
    mx = [3.14, 3.11, 3.515, 3.433, 3.862, 2.888, 4.315, 3.589, 3.451]
    my = [2.882, 3.867, 2.819, 3.143, 2.94, 4.207, 2.596, 3.054, 1.529, 3.633]
    # R: wilcox.test(mx, my) -> W = 62, p-value = 0.182316135876507 (exact);
    # wilcox.test(mx, my, exact=FALSE) -> 0.177909594986983
    assert mann_whitney(mx, my)["p_value"].iloc[0] == pytest.approx(0.182316135876507, abs=1e-14)
    approx = mann_whitney(mx, my, exact=False).iloc[0]
    assert approx["p_value"] == pytest.approx(0.177909594986983, abs=1e-12)
    assert approx["method"] == "normal approximation, continuity corrected"


def test_rank_tests_with_ties_match_r_normal_approximation() -> None:
    ta, tb = [2, 3, 3, 4, 4, 5, 1, 2], [1, 2, 3, 3, 5, 3, 2, 2]
    # R: wilcox.test(ta, tb) -> W = 38, p-value = 0.55064569800975 (ties: normal approximation)
    mw = mann_whitney(ta, tb).iloc[0]
    assert (mw["statistic"], mw["p_value"]) == pytest.approx((38, 0.55064569800975), abs=1e-12)
    assert "tie corrected" in mw["method"]
    # R: wilcox.test(ta, tb, paired=TRUE) -> V = 15, p-value = 0.374062797490883
    sr = signed_rank(ta, tb).iloc[0]
    assert (sr["statistic"], sr["p_value"]) == pytest.approx((15, 0.374062797490883), abs=1e-12)
    assert sr["n_zero"] == 2 and "zeros dropped" in sr["method"]


@pytest.mark.parametrize(
    ("alternative", "expected"),
    [
        # R: wilcox.test(c(3.1,4.2,2.8,5.0,3.9,4.4), c(2.2,3.1,3.0,3.7,3.5,2.8), paired=TRUE)
        # -> V = 20
        ("two-sided", 0.0625),
        ("greater", 0.03125),
        ("less", 0.984375),
    ],
)
def test_signed_rank_exact_matches_r(alternative: str, expected: float) -> None:
    res = signed_rank(
        [3.1, 4.2, 2.8, 5.0, 3.9, 4.4], [2.2, 3.1, 3.0, 3.7, 3.5, 2.8], alternative=alternative
    ).iloc[0]
    assert res["statistic"] == 20
    assert res["p_value"] == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize(("m", "n"), [(1, 1), (3, 4), (5, 5), (9, 10)])
def test_rank_sum_counts_are_the_gaussian_binomial(m: int, n: int) -> None:
    counts = _rank_sum_counts(m, n)
    assert counts.sum() == pytest.approx(math.comb(m + n, m))
    np.testing.assert_allclose(counts, counts[::-1])  # symmetric about mn/2
    assert len(counts) == m * n + 1


def test_signed_rank_counts_total_two_to_the_n() -> None:
    for n in (1, 5, 20):
        assert _signed_rank_counts(n).sum() == pytest.approx(2.0**n)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(0, 10_000), min_size=2, max_size=12, unique=True),
    st.integers(1, 11),
)
def test_exact_mann_whitney_agrees_with_scipy_without_ties(values: list[int], cut: int) -> None:
    cut = min(cut, len(values) - 1)
    x, y = values[:cut], values[cut:]
    ours = mann_whitney(x, y)["p_value"].iloc[0]
    theirs = stats.mannwhitneyu(x, y, method="exact").pvalue
    assert ours == pytest.approx(theirs, abs=1e-12)


def test_rank_tests_reject_bad_input() -> None:
    with pytest.raises(DataError, match="both samples"):
        mann_whitney([], [1, 2])
    with pytest.raises(DataError, match="same length"):
        signed_rank([1, 2], [1])
    with pytest.raises(DataError, match="non-zero"):
        signed_rank([1, 2], [1, 2])
    with pytest.raises(ConfigurationError, match="alternative"):
        spearman([1, 2, 3], [3, 2, 1], alternative="both")
    with pytest.raises(DataError, match="constant"):
        spearman([1, 1, 1, 1], [1, 2, 3, 4])


# ------------------------------------------------------------------------------ Fisher


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        # R: fisher.test(matrix(c(8,2,5,5,1,9), 3, byrow=TRUE))$p.value
        ([[8, 2], [5, 5], [1, 9]], 0.0086640890081275),
        # R: fisher.test(matrix(c(3,1,0,2,1,4,2,1,0,2,5,3), 3, byrow=TRUE))$p.value
        ([[3, 1, 0, 2], [1, 4, 2, 1], [0, 2, 5, 3]], 0.0977330325584697),
        # R: fisher.test(matrix(c(2,3,1,0,4,1,1,2,3,0,4,0,1,1,2,0,2,2,1,3), 4, byrow=TRUE))
        ([[2, 3, 1, 0, 4], [1, 1, 2, 3, 0], [4, 0, 1, 1, 2], [0, 2, 2, 1, 3]], 0.165354075206868),
        # R: fisher.test(matrix(c(8,2,3,7), 2, byrow=TRUE))$p.value
        ([[8, 2], [3, 7]], 0.0697785186949273),
        # R: fisher.test(matrix(c(1,2,3,2,1,3,2,1,2,3,2,2,2,2,2,0,1,4,1,0), 4, byrow=TRUE))
        ([[1, 2, 3, 2, 1], [3, 2, 1, 2, 3], [2, 2, 2, 2, 2], [0, 1, 4, 1, 0]], 0.830604973600537),
    ],
)
def test_fisher_network_algorithm_matches_r(table: list[list[int]], expected: float) -> None:
    res = fisher_exact(table).iloc[0]
    assert res["p_value"] == pytest.approx(expected, rel=1e-10)
    assert res["method"] == "exact (network algorithm)"
    # the transposed table is the same test
    assert fisher_exact(np.array(table).T)["p_value"].iloc[0] == pytest.approx(expected, rel=1e-10)


def test_fisher_on_a_wide_table_where_r_overflows() -> None:
    t5 = [
        [5, 3, 2, 6, 4, 7, 3, 5, 2, 6, 4, 5, 3, 6, 2, 4, 5, 3, 6],
        [2, 4, 5, 1, 3, 2, 6, 1, 4, 2, 3, 1, 5, 2, 4, 3, 1, 4, 2],
    ]
    res = fisher_exact(t5).iloc[0]
    # R: fisher.test(t5) -> 0.251694774071967, wrong (FEXACT's 32-bit path counts overflow on
    # wide tables); set.seed(1); fisher.test(t5, simulate.p.value=TRUE, B=2e6) -> 0.2563059
    # (Monte Carlo standard error 0.0003).
    assert res["method"] == "exact (network algorithm)"
    assert res["p_value"] == pytest.approx(0.2563059, abs=0.0012)


def test_fisher_falls_back_to_a_named_monte_carlo_p_value() -> None:
    table = [[3, 5, 2, 6], [4, 1, 5, 2], [2, 6, 3, 1]]
    exact = fisher_exact(table).iloc[0]
    mc = fisher_exact(table, work=10, n_resamples=20_000, seed=3).iloc[0]
    assert mc["method"] == "Monte Carlo (20000 random tables)"
    assert mc["p_value"] == pytest.approx(exact["p_value"], abs=0.01)


def test_fisher_rejects_non_counts() -> None:
    with pytest.raises(DataError, match="counts"):
        fisher_exact([[1, -1], [2, 3]])
    with pytest.raises(DataError, match="two dimensions"):
        fisher_exact([1, 2, 3])
    assert fisher_exact([[3, 0], [4, 0]])["p_value"].iloc[0] == 1.0


# ------------------------------------------------------------------------------ adjustment


def test_adjust_pvalues_match_r_p_adjust() -> None:
    # R: p.adjust(c(0.01,0.04,0.03), "holm") -> 0.03 0.06 0.06
    np.testing.assert_allclose(adjust_pvalues([0.01, 0.04, 0.03], "holm"), [0.03, 0.06, 0.06])
    # R: p.adjust(c(0.01,0.02,0.03,0.5,0.04), "BY") -> 0.114166666666667 (x4), 1
    np.testing.assert_allclose(
        adjust_pvalues([0.01, 0.02, 0.03, 0.5, 0.04], "BY"),
        [0.114166666666667] * 3 + [1.0, 0.114166666666667],
        rtol=1e-12,
    )
    out = adjust_pvalues([0.2, float("nan"), 0.01], "fdr_bh")
    assert np.isnan(out[1]) and out[2] == pytest.approx(0.02)
    with pytest.raises(ConfigurationError, match="unknown p-value adjustment"):
        adjust_pvalues([0.1], "tukey")
    with pytest.raises(DataError, match="between 0 and 1"):
        adjust_pvalues([1.5], "holm")


def test_adjust_frame_by_family() -> None:
    import pandas as pd

    res = pd.DataFrame({"family": ["a", "a", "b", "b"], "p_value": [0.01, 0.04, 0.01, 0.04]})
    out = adjust_frame(res, "holm", by="family")
    np.testing.assert_allclose(out["p_adjusted"], [0.02, 0.04, 0.02, 0.04])
    assert (out["p_adjust"] == "holm").all()
    with pytest.raises(DataError, match="no p-value column"):
        adjust_frame(res, p="p")
