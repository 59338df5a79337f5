"""Tests of leadership_eval.compare: funnel limits, benchmark flags, group tests, waves.

Reference values come from R 4.x (the calls are in comments beside them), scipy and
statsmodels, and the published formulas (Spiegelhalter 2005) computed by hand in the tests.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from leadership_eval.compare import (
    compare_groups,
    compare_to_benchmark,
    compare_waves,
    funnel_limits,
)
from leadership_eval.compare.funnel import _funnel_core, compare_columns_to_benchmark
from leadership_eval.errors import ConfigurationError, DataError, DisclosureError
from leadership_eval.instruments.loader import loads_instrument

# Data used for the R references below (R 4.x):
A = [1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 3, 2]
B = [2, 3, 3, 4, 4, 4, 5, 5, 5, 4, 3, 5, 4]
C = [1, 1, 2, 2, 3, 2, 1, 3, 2, 4]


def _three_groups() -> pd.DataFrame:
    return pd.DataFrame({"g": ["a"] * len(A) + ["b"] * len(B) + ["c"] * len(C), "y": A + B + C})


# ------------------------------------------------------------------------------ funnel limits


def test_funnel_limits_for_means_match_the_formula() -> None:
    out = funnel_limits([10, 40, 160], 3.2, sd=0.9)
    for level, label in ((0.95, "95"), (0.998, "998")):
        z = stats.norm.ppf((1 + level) / 2)
        half = z * 0.9 / np.sqrt([10, 40, 160])
        np.testing.assert_allclose(out[f"lower_{label}"], 3.2 - half)
        np.testing.assert_allclose(out[f"upper_{label}"], 3.2 + half)
    assert list(out.columns) == [
        "n",
        "benchmark",
        "lower_95",
        "upper_95",
        "lower_998",
        "upper_998",
    ]


def _spiegelhalter_exact(n: int, theta: float, q: float) -> float:
    """Spiegelhalter (2005) Appendix A.1.1, by hand with a loop over r."""
    r = 0
    while stats.binom.cdf(r, n, theta) < q:
        r += 1
    f_r = stats.binom.cdf(r, n, theta)
    f_rm1 = stats.binom.cdf(r - 1, n, theta) if r > 0 else 0.0
    alpha = (f_r - q) / (f_r - f_rm1)
    return (r - alpha) / n


@pytest.mark.parametrize("n", [5, 12, 30, 200])
@pytest.mark.parametrize("theta", [0.1, 0.35, 0.8])
def test_exact_binomial_limits_match_spiegelhalter_appendix(n: int, theta: float) -> None:
    out = funnel_limits([n], theta, kind="proportion").iloc[0]
    for level, label in ((0.95, "95"), (0.998, "998")):
        lo = _spiegelhalter_exact(n, theta, (1 - level) / 2)
        hi = _spiegelhalter_exact(n, theta, (1 + level) / 2)
        assert out[f"lower_{label}"] == pytest.approx(max(lo, 0.0), abs=1e-12)
        assert out[f"upper_{label}"] == pytest.approx(min(hi, 1.0), abs=1e-12)


def test_exact_limits_approach_normal_ones_for_large_n() -> None:
    exact = funnel_limits([20000], 0.3, kind="proportion")
    normal = funnel_limits([20000], 0.3, kind="proportion", exact=False)
    np.testing.assert_allclose(exact.iloc[0, 2:], normal.iloc[0, 2:], atol=5e-4)


def test_overdispersed_limits_inflate_the_variance() -> None:
    base = funnel_limits([50], 0.0, sd=1.0)
    mult = funnel_limits([50], 0.0, sd=1.0, phi=2.25)
    add = funnel_limits([50], 0.0, sd=1.0, tau2=0.01)
    assert mult["upper_95"].iloc[0] == pytest.approx(1.5 * base["upper_95"].iloc[0])
    z = stats.norm.ppf(0.975)
    assert add["upper_95"].iloc[0] == pytest.approx(z * math.sqrt(1 / 50 + 0.01))


def test_funnel_limits_reject_bad_arguments() -> None:
    with pytest.raises(ConfigurationError, match="sd"):
        funnel_limits([10], 3.0)
    with pytest.raises(ConfigurationError, match="between 0 and 1"):
        funnel_limits([10], 3.0, sd=1, limits=(0.95, 99.8))
    with pytest.raises(ConfigurationError):
        funnel_limits([10], 1.5, kind="proportion")


# ------------------------------------------------------------------------------ benchmark


def _trusts(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sizes = [30, 45, 60, 25, 80, 3]
    g = np.repeat([f"t{i}" for i in range(len(sizes))], sizes)
    y = rng.normal(3.5, 0.8, size=len(g))
    y[g == "t1"] += 0.9  # planted high
    return pd.DataFrame({"trust": g, "score": y})


def test_leave_one_out_benchmark_is_the_mean_of_the_other_published_groups() -> None:
    df = _trusts()
    out = compare_to_benchmark(df, "score", "trust").frame.set_index("group")
    published = df[df["trust"] != "t5"]  # t5 has 3 answers < min_cell 5
    for g in ["t0", "t1", "t2", "t3", "t4"]:
        own = published.loc[published["trust"] == g, "score"]
        others = published.loc[published["trust"] != g, "score"]
        row = out.loc[g]
        assert row["mean"] == pytest.approx(own.mean())
        assert row["benchmark"] == pytest.approx(others.mean())
        assert row["benchmark_sd"] == pytest.approx(others.std(ddof=1))
        assert row["benchmark_n"] == len(others)
        se = others.std(ddof=1) / math.sqrt(len(own))
        assert row["z"] == pytest.approx((own.mean() - others.mean()) / se)
        # the limits of the t test of the group against the rest, which counts the rest's own
        # sampling error: mean_r - t(0.999, N_r - 1) * s_r * sqrt(1/n + 1/N_r)
        se_t = others.std(ddof=1) * math.sqrt(1 / len(own) + 1 / len(others))
        t998 = stats.t.ppf(0.999, len(others) - 1)
        assert row["lower_998"] == pytest.approx(others.mean() - t998 * se_t)
        # p_value: Student's t test of the group's mean against the rest's with the rest's SD
        t = (own.mean() - others.mean()) / se_t
        assert row["p_value"] == pytest.approx(2 * stats.t.sf(abs(t), len(others) - 1))
        lo, hi = stats.t.interval(0.95, len(own) - 1, own.mean(), own.std(ddof=1) / len(own) ** 0.5)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi))
    assert out.loc["t1", "flag"] == "high"
    assert out.loc["t5", "flag"] == "suppressed"
    assert out.loc["t5", "n"] == 3
    assert out.loc["t5", ["mean", "ci_low", "z", "benchmark", "upper_998"]].isna().all()
    assert compare_to_benchmark(df, "score", "trust").suppressed == ("t5",)


def test_overall_and_fixed_benchmarks() -> None:
    df = _trusts()
    pub = df[df["trust"] != "t5"]["score"]
    overall = compare_to_benchmark(df, "score", "trust", benchmark="overall").frame
    assert overall["benchmark"].dropna().unique() == pytest.approx([pub.mean()])
    fixed = compare_to_benchmark(df, "score", "trust", benchmark=3.0).frame.set_index("group")
    assert fixed.loc["t0", "benchmark"] == 3.0
    assert fixed.loc["t0", "benchmark_sd"] == pytest.approx(pub.std(ddof=1))


def test_suppressed_groups_do_not_leak_through_the_benchmark() -> None:
    df = _trusts()
    moved = df.copy()
    moved.loc[moved["trust"] == "t5", "score"] += 100  # a wild small group
    a = compare_to_benchmark(df, "score", "trust").frame
    b = compare_to_benchmark(moved, "score", "trust").frame
    pd.testing.assert_frame_equal(a, b)


def test_policy_and_min_n() -> None:
    df = _trusts()
    gmc = compare_to_benchmark(df, "score", "trust", policy="gmc-nts").frame.set_index("group")
    assert gmc.loc["t5", "flag"] != "suppressed"  # 3 answers publishable under GMC (< 3 not)
    strict = compare_to_benchmark(df, "score", "trust", min_n=30).frame.set_index("group")
    assert strict.loc["t3", "flag"] == "suppressed"  # 25 < 30
    with pytest.raises(DisclosureError, match="would loosen"):
        compare_to_benchmark(df, "score", "trust", min_n=2)


def test_missing_values_are_left_out_and_missing_groups_kept() -> None:
    df = _trusts()
    df.loc[df.index[:5], "score"] = np.nan
    df.loc[df.index[-40:], "trust"] = None
    out = compare_to_benchmark(df, "score", "trust").frame
    assert out["n"].sum() == df["score"].notna().sum()
    assert out["group"].isna().sum() == 1


@pytest.mark.parametrize("kind", ["mean", "proportion"])
@pytest.mark.parametrize("policy", [None, "gmc-nts"])
def test_columns_compared_together_are_those_compared_alone(kind: str, policy: Any) -> None:
    # the reports compare every statement (and every scale) in one pass: each result must be
    # bit for bit the one compare_to_benchmark gives for that column alone, whatever the groups'
    # sizes (suppressed ones included), missing answers, missing groups or empty columns
    rng = np.random.default_rng(20261203)
    for trial in range(40):
        k, n, m = int(rng.integers(1, 22)), int(rng.integers(1, 300)), int(rng.integers(1, 7))
        df = pd.DataFrame({"trust": rng.integers(0, k, n).astype(str)})
        if trial % 5 == 0:
            df.loc[rng.random(n) < 0.1, "trust"] = None
        columns = [f"q{j}" for j in range(m)]
        for j, column in enumerate(columns):
            if kind == "proportion":
                v = rng.integers(0, 2, n).astype(float)
            else:
                v = rng.normal(3, 1, n).round(2)
            v[rng.random(n) < (1.0 if j == 3 else rng.random() * 0.6)] = np.nan
            df[column] = v
        together = compare_columns_to_benchmark(df, columns, "trust", kind=kind, policy=policy)
        assert list(together) == columns
        for column in columns:
            alone = compare_to_benchmark(df, column, "trust", kind=kind, policy=policy)
            got = together[column]
            pd.testing.assert_frame_equal(got.frame, alone.frame, check_exact=True)
            for name in ("value", "group", "benchmark", "limits", "threshold", "suppressed"):
                assert getattr(got, name) == getattr(alone, name)
            for name in ("centre", "sd", "phi", "tau2"):
                a, b = getattr(got, name), getattr(alone, name)
                assert a == b or (math.isnan(a) and math.isnan(b))
    assert compare_columns_to_benchmark(df, [], "trust", kind=kind) == {}
    with pytest.raises(DataError, match="nope"):
        compare_columns_to_benchmark(df, ["q0", "nope"], "trust", kind=kind)


def test_proportion_with_success_codes_and_wilson_intervals() -> None:
    from statsmodels.stats.proportion import proportion_confint

    rng = np.random.default_rng(5)
    g = np.repeat(["a", "b", "c", "d"], [40, 60, 50, 8])
    answer = rng.integers(1, 6, size=len(g))
    df = pd.DataFrame({"trust": g, "q": pd.array(answer, dtype="Int64")})
    df.loc[3, "q"] = pd.NA
    out = compare_to_benchmark(df, "q", "trust", kind="proportion", success={4, 5}).frame
    out = out.set_index("group")
    for grp in "abcd":
        vals = df.loc[df["trust"] == grp, "q"].dropna()
        k, n = int(vals.isin([4, 5]).sum()), len(vals)
        assert out.loc[grp, "n"] == n
        assert out.loc[grp, "proportion"] == pytest.approx(k / n)
        lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
        assert (out.loc[grp, "ci_low"], out.loc[grp, "ci_high"]) == pytest.approx((lo, hi))
        others = df.loc[df["trust"] != grp, "q"].dropna()
        p0 = others.isin([4, 5]).mean()
        assert out.loc[grp, "benchmark"] == pytest.approx(p0)
        assert out.loc[grp, "lower_998"] == pytest.approx(
            max(_spiegelhalter_exact(n, p0, 0.001), 0.0)
        )
        assert out.loc[grp, "z"] == pytest.approx((k / n - p0) / math.sqrt(p0 * (1 - p0) / n))


def test_proportion_needs_binary_values() -> None:
    df = pd.DataFrame({"g": list("aaaaabbbbb"), "v": [0, 1, 2, 1, 0, 1, 1, 0, 0, 1]})
    with pytest.raises(DataError, match="0/1") as info:
        compare_to_benchmark(df, "v", "g", kind="proportion")
    assert info.value.failure_cases["row"].tolist() == [2]


def test_bad_columns_and_values_give_clear_errors() -> None:
    df = _trusts()
    with pytest.raises(DataError, match="did you mean 'score'"):
        compare_to_benchmark(df, "scor", "trust")
    df["txt"] = "x"
    with pytest.raises(DataError, match="not numbers"):
        compare_to_benchmark(df, "txt", "trust")
    with pytest.raises(ConfigurationError):
        compare_to_benchmark(df, "score", "trust", benchmark="median")
    with pytest.raises(ConfigurationError, match="gmc"):
        compare_to_benchmark(df, "score", "trust", rule="gmc", benchmark=3.0)


def test_multiplicative_overdispersion_follows_spiegelhalter() -> None:
    rng = np.random.default_rng(11)
    sizes = rng.integers(30, 120, size=19)
    shifts = rng.normal(0, 0.25, size=19)  # real between-trust variation: overdispersed
    g = np.repeat([f"t{i:02d}" for i in range(19)], sizes)
    y = rng.normal(3.5, 0.8, size=len(g)) + np.repeat(shifts, sizes)
    df = pd.DataFrame({"trust": g, "score": y})
    plain = compare_to_benchmark(df, "score", "trust", benchmark="overall").frame
    adj_result = compare_to_benchmark(
        df, "score", "trust", benchmark="overall", overdispersion=True
    )
    adj = adj_result.frame
    z = plain["z"].to_numpy()
    q10, q90 = np.quantile(z, [0.1, 0.9])
    phi = np.mean(np.clip(z, q10, q90) ** 2)  # Spiegelhalter et al. 2012: winsorised at 10 %
    assert phi > 1
    assert adj_result.phi == pytest.approx(phi)
    np.testing.assert_allclose(adj["z"], z / math.sqrt(phi))
    s_i = (plain["benchmark_sd"] / np.sqrt(plain["n"])).to_numpy()
    half = stats.norm.ppf(0.999) * s_i  # Spiegelhalter's limits, inflated by sqrt(phi)
    np.testing.assert_allclose(adj["upper_998"] - adj["benchmark"], half * math.sqrt(phi))
    assert (adj["flag"] != "none").sum() <= (plain["flag"] != "none").sum()

    add_result = compare_to_benchmark(
        df, "score", "trust", benchmark="overall", overdispersion="additive"
    )
    add = add_result.frame
    s = (plain["benchmark_sd"] / np.sqrt(plain["n"])).to_numpy()
    w = 1 / s**2
    tau2 = max(0.0, (19 * phi - 18) / (w.sum() - (w**2).sum() / w.sum()))
    assert add_result.tau2 == pytest.approx(tau2)
    np.testing.assert_allclose(
        add["upper_95"] - add["benchmark"], stats.norm.ppf(0.975) * np.sqrt(s**2 + tau2)
    )


def test_gmc_rule_colours() -> None:
    # benchmark group: many respondents spread 1..5; four groups placed around its quartiles
    rng = np.random.default_rng(2)
    bench = rng.integers(1, 6, size=2000).astype(float)
    parts = {
        "ref": bench,
        "red": np.full(40, 1.2) + rng.normal(0, 0.1, 40),
        "pink": np.array([1.0, 5.0, 1.0, 1.0, 1.5]),  # mean 1.9 < Q1 = 2 but wide CI
        "mid": np.full(30, 3.0) + rng.normal(0, 0.1, 30),
        "lightgreen": np.array([5.0, 5.0, 5.0, 1.0, 5.0]),
        "green": np.full(40, 4.9) + rng.normal(0, 0.05, 40),
    }
    df = pd.DataFrame(
        {
            "g": np.concatenate([[k] * len(v) for k, v in parts.items()]),
            "y": np.concatenate(list(parts.values())),
        }
    )
    out = compare_to_benchmark(df, "y", "g", rule="gmc", benchmark="overall").frame.set_index(
        "group"
    )
    pub = df["y"]
    q1, q3 = np.quantile(pub, [0.25, 0.75])
    assert out.loc["red", "q1"] == pytest.approx(q1)
    assert out.loc["red", "q3"] == pytest.approx(q3)
    assert out.loc["red", "flag"] == "red"
    assert out.loc["pink", "flag"] == "pink"
    assert out.loc["mid", "flag"] == "white"
    assert out.loc["lightgreen", "flag"] == "lightgreen"
    assert out.loc["green", "flag"] == "green"
    # benchmark CI: mean +- t * sd / sqrt(N)
    n = len(pub)
    half = stats.t.ppf(0.975, n - 1) * pub.std(ddof=1) / math.sqrt(n)
    assert out.loc["mid", "benchmark_ci_low"] == pytest.approx(pub.mean() - half)


# ------------------------------------------------------------------------------ simulation


def test_planted_trust_is_flagged_in_simulated_survey_data() -> None:
    from leadership_eval.scoring import score
    from leadership_eval.simulate import simulate_responses

    trusts = ", ".join(f"{{code: t{i:02d}, label: Trust {i}}}" for i in range(1, 20))
    survey = loads_instrument(
        f"""
kind: survey
id: sim
version: 1.0.0
title: Sim
group_by: trust
choice_lists:
  a5:
    ordered: true
    options: [{{code: 1, label: SD}}, {{code: 2, label: D}}, {{code: 3, label: N}},
              {{code: 4, label: A}}, {{code: 5, label: SA}}]
  trust:
    options: [{trusts}]
sections:
  - id: s
    title: S
    items:
      - {{id: trust, type: choice, choices: trust, text: Trust, required: true}}
      - {{id: q1, type: likert, choices: a5, text: One}}
      - {{id: q2, type: likert, choices: a5, text: Two}}
      - {{id: q3, type: likert, choices: a5, text: Three}}
scales:
  - {{id: lead, title: Lead, items: [q1, q2, q3], min_answered: 2}}
"""
    )
    sizes = {f"t{i:02d}": 30 + 4 * i for i in range(1, 20)}
    flagged_planted = 0
    others_flagged = 0
    for seed in range(4):
        df = simulate_responses(
            survey, sum(sizes.values()), groups=sizes, group_effects={"t07": -1.2}, seed=seed
        )
        df["lead"] = score(survey, df)["lead"]
        out = compare_to_benchmark(df, "lead", "trust").frame.set_index("group")
        flagged_planted += out.loc["t07", "flag"] == "low"
        others_flagged += int((out.drop(index="t07")["flag"] != "none").sum())
    assert flagged_planted == 4
    assert others_flagged <= 2  # nominal 0.2 % of 72 group-tests: 0.14 expected


def test_false_flag_rate_matches_the_nominal_rate_over_200_replicates() -> None:
    # 200 replicate regions of 19 trusts (sizes 20-150) drawn from one population, plus a
    # planted trust 0.8 SD low; the group means and variances are drawn exactly
    # (mean ~ N(mu, s^2/n), (n-1) var / s^2 ~ chi2(n-1)), then flagged in one vectorised call.
    rng = np.random.default_rng(2024)
    reps, k, sigma = 200, 19, 0.8
    n = np.tile(np.linspace(20, 150, k).round(), (reps, 1))
    mu = np.full((reps, k), 3.5)
    mu[:, 4] -= 0.8 * sigma
    mean = rng.normal(mu, sigma / np.sqrt(n))
    var = sigma**2 * rng.chisquare(n - 1) / (n - 1)
    eligible = np.ones_like(n, dtype=bool)
    rates = {}
    for level in (0.95, 0.998):
        core = _funnel_core(
            n,
            mean,
            var,
            eligible,
            kind="mean",
            benchmark="leave_one_out",
            levels=(level,),
            overdispersion=False,
        )
        flags = core.flag
        assert np.mean(flags[:, 4] == "low") > 0.95  # planted trust (n about 49): z about -5.6
        rates[level] = np.mean(np.delete(flags, 4, axis=1) != "none")
    # Leave-one-out limits ignore the benchmark's own (small) sampling error, so the rate is a
    # little above nominal: 1.96 / sqrt(1 + n/(N - n)) for these sizes gives about 5.5 %.
    se95 = math.sqrt(0.05 * 0.95 / (reps * 18))
    assert abs(rates[0.95] - 0.055) < 4 * se95
    assert rates[0.998] < 0.006


# ------------------------------------------------------------------------------ group tests


def test_mann_whitney_matches_r() -> None:
    df = _three_groups()
    res = compare_groups(df[df["g"] != "c"], "y", "g")
    row = res.omnibus.iloc[0]
    assert res.test == "mannwhitney"
    # R: wilcox.test(a, b, exact=FALSE, correct=TRUE) -> W = 46.5, p-value = 0.08194414
    assert row["statistic"] == pytest.approx(46.5)
    assert row["p_value"] == pytest.approx(0.08194414, abs=1e-8)
    # rank-biserial from R's W: 2 W / (n1 n2) - 1
    assert row["effect"] == pytest.approx(2 * 46.5 / (12 * 13) - 1)


def test_kruskal_and_pairwise_match_r() -> None:
    res = compare_groups(_three_groups(), "y", "g", padjust="holm")
    row = res.omnibus.iloc[0]
    # R: kruskal.test(y ~ g) -> chi-squared = 11.541683, df = 2, p-value = 0.003117133
    assert row["statistic"] == pytest.approx(11.541683, abs=1e-6)
    assert row["dof"] == 2
    assert row["p_value"] == pytest.approx(0.003117133, abs=1e-9)
    assert row["effect"] == pytest.approx(11.541683 / (35 - 1), abs=1e-6)  # epsilon^2
    pw = res.pairwise.set_index(["a", "b"])
    # R: pairwise.wilcox.test(y, g, p.adjust.method="holm", exact=FALSE, correct=TRUE)
    assert pw.loc[("a", "b"), "p_corr"] == pytest.approx(0.1326786384, abs=1e-9)
    assert pw.loc[("a", "c"), "p_corr"] == pytest.approx(0.1326786384, abs=1e-9)
    assert pw.loc[("b", "c"), "p_corr"] == pytest.approx(0.003651759221, abs=1e-9)
    # R: wilcox.test(a, c3, exact=FALSE, correct=TRUE)$p.value -> 0.06633931919
    assert pw.loc[("a", "c"), "p_unc"] == pytest.approx(0.06633931919, abs=1e-9)
    bh = compare_groups(_three_groups(), "y", "g", padjust="fdr_bh").pairwise
    # R: pairwise.wilcox.test(..., p.adjust.method="BH") -> 0.08194414138, 0.08194414138, 0.003651759221
    np.testing.assert_allclose(bh["p_corr"], [0.08194414138, 0.08194414138, 0.003651759221])


def test_welch_t_and_hedges_g() -> None:
    df = _three_groups()
    res = compare_groups(df[df["g"] != "c"], "y", "g", test="t")
    row = res.omnibus.iloc[0]
    # R: t.test(a, b) -> t = -1.8863438, df = 20.652356, p-value = 0.07339026
    assert row["statistic"] == pytest.approx(-1.8863438, abs=1e-7)
    assert row["dof"] == pytest.approx(20.652356, abs=1e-6)
    assert row["p_value"] == pytest.approx(0.07339026, abs=1e-8)
    a, b = np.array(A, float), np.array(B, float)
    sp = math.sqrt(
        ((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (len(a) + len(b) - 2)
    )
    d = (a.mean() - b.mean()) / sp
    g = d * (1 - 3 / (4 * (len(a) + len(b)) - 9))  # Hedges & Olkin approximation
    assert row["effect"] == pytest.approx(g, rel=1e-3)


def test_anova_with_eta_and_omega_squared() -> None:
    res = compare_groups(_three_groups(), "y", "g", test="anova")
    row = res.omnibus.iloc[0]
    # R: summary(aov(y ~ g)) -> Df 2, 32; Sum Sq 18.80311, 36.73974; F 8.18867; p 0.0013432
    assert row["statistic"] == pytest.approx(8.18867, abs=1e-5)
    assert (row["dof"], row["dof2"]) == (2, 32)
    assert row["p_value"] == pytest.approx(0.0013432, abs=1e-7)
    ss_b, ss_w = 18.80311, 36.73974
    assert row["effect"] == pytest.approx(ss_b / (ss_b + ss_w), abs=1e-6)
    assert row["omega_squared"] == pytest.approx(
        (ss_b - 2 * ss_w / 32) / (ss_b + ss_w + ss_w / 32), abs=1e-6
    )
    pw = res.pairwise.set_index(["a", "b"])
    # R: pairwise.t.test(y, g, pool.sd=FALSE, p.adjust.method="holm")
    assert pw.loc[("a", "b"), "p_corr"] == pytest.approx(0.1045558894, abs=1e-8)
    assert pw.loc[("b", "c"), "p_corr"] == pytest.approx(0.0008429579457, abs=1e-9)


def _table_frame(table: list[list[int]]) -> pd.DataFrame:
    rows = []
    for i, counts in enumerate(table):
        for j, c in enumerate(counts):
            rows += [{"g": f"g{i}", "v": f"v{j}"}] * c
    return pd.DataFrame(rows)


def test_chi_squared_and_fisher_match_r() -> None:
    df = _table_frame([[8, 2], [5, 5], [1, 9]])
    chi = compare_groups(df, "v", "g", test="chi2").omnibus.iloc[0]
    # R: chisq.test(matrix(c(8,2,5,5,1,9), 3, byrow=TRUE)) -> X-squared = 9.9107143, df = 2,
    # p-value = 0.007045564
    assert chi["statistic"] == pytest.approx(9.9107143, abs=1e-7)
    assert chi["p_value"] == pytest.approx(0.007045564, abs=1e-9)
    assert chi["effect"] == pytest.approx(math.sqrt(9.9107143 / 30), abs=1e-7)  # Cramer's V
    fis = compare_groups(df, "v", "g", test="fisher").omnibus.iloc[0]
    # R: fisher.test(matrix(c(8,2,5,5,1,9), 3, byrow=TRUE)) -> p-value = 0.008664089
    assert fis["p_value"] == pytest.approx(0.008664089, abs=1e-8)
    auto = compare_groups(df, "v", "g")  # expected counts < 5 in half the cells -> Fisher
    assert auto.test == "fisher"

    df2 = _table_frame([[8, 2], [3, 7]])
    chi2 = compare_groups(df2, "v", "g", test="chi2").omnibus.iloc[0]
    # R: chisq.test(matrix(c(8,2,3,7), 2, byrow=TRUE)) -> X-squared = 3.2323232 (Yates)
    assert chi2["statistic"] == pytest.approx(3.2323232, abs=1e-7)
    assert chi2["p_value"] == pytest.approx(0.0721982, abs=1e-7)
    fis2 = compare_groups(df2, "v", "g", test="fisher").omnibus.iloc[0]
    # R: fisher.test(matrix(c(8,2,3,7), 2, byrow=TRUE)) -> p-value = 0.06977852
    assert fis2["p_value"] == pytest.approx(0.06977852, abs=1e-8)
    # R: fisher.test(...)$estimate -> 8.153063 (conditional MLE; R's uniroot stops at a
    # tolerance of about 1e-4, the exact root is 8.1538354)
    assert fis2["effect"] == pytest.approx(8.153063, abs=1e-3)
    assert fis2["method"] == "exact (network algorithm)"


def test_compare_groups_errors_and_missing() -> None:
    df = _three_groups()
    with pytest.raises(ConfigurationError, match="use test='kruskal'"):
        compare_groups(df, "y", "g", test="mannwhitney")
    with pytest.raises(DataError, match="at least two groups"):
        compare_groups(df[df["g"] == "a"], "y", "g")
    with pytest.raises(ConfigurationError, match="padjust"):
        compare_groups(df, "y", "g", padjust="bogus")
    df.loc[0, "y"] = np.nan
    df.loc[1, "g"] = None
    res = compare_groups(df, "y", "g")
    assert res.omnibus["n_missing"].iloc[0] == 2
    assert res.omnibus["n"].iloc[0] == len(df) - 2
    assert "kruskal" in str(res)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.integers(1, 5), min_size=6, max_size=30),
    st.lists(st.integers(1, 5), min_size=6, max_size=30),
)
def test_swapping_groups_negates_the_rank_biserial(x: list[int], y: list[int]) -> None:
    df1 = pd.DataFrame({"g": ["a"] * len(x) + ["b"] * len(y), "v": x + y})
    df2 = pd.DataFrame({"g": ["b"] * len(x) + ["a"] * len(y), "v": x + y})
    r1 = compare_groups(df1, "v", "g", test="mannwhitney").omnibus.iloc[0]
    r2 = compare_groups(df2, "v", "g", test="mannwhitney").omnibus.iloc[0]
    assert r1["effect"] == pytest.approx(-r2["effect"], abs=1e-12)
    assert r1["p_value"] == pytest.approx(r2["p_value"], abs=1e-12)


# ------------------------------------------------------------------------------ waves

_WAVE = """
kind: survey
id: wave
version: {version}
title: Wave
group_by: trust
respondent_id: rid
choice_lists:
  a5:
    ordered: true
    options: [{{code: 1, label: SD}}, {{code: 2, label: D}}, {{code: 3, label: N}},
              {{code: 4, label: A}}, {{code: 5, label: SA}}]
    missing: [{{code: 9, label: Prefer not to say}}]
  a5b:
    ordered: true
    options: [{{code: 1, label: Never}}, {{code: 2, label: Rarely}}, {{code: 3, label: Sometimes}},
              {{code: 4, label: {often}}}, {{code: 5, label: Always}}]
  trust:
    options: [{{code: t1, label: T1}}, {{code: t2, label: T2}}]
sections:
  - id: s
    title: S
    items:
      - {{id: rid, type: text, text: Id, disclosure: direct}}
      - {{id: trust, type: choice, choices: trust, text: Trust}}
      - {{id: q1, type: likert, choices: a5, text: I lead}}
      - {{id: q2, type: likert, choices: a5, text: I am a leader}}
      - {{id: q3, type: likert, choices: a5b, text: I chair meetings}}
      - {{id: q4, type: {q4type}, choices: a5, text: I run audits}}
      - {{id: q5, type: number, text: Hours, min: 0, max: {q5max}}}
      - {{id: {extra}, type: likert, choices: a5, text: Extra}}
scales:
  - {{id: lead, title: Lead, items: [q1, q2]}}
  - {{id: both, title: Both, items: [q1, q3]}}
"""


def _wave_surveys():
    v1 = loads_instrument(
        _WAVE.format(version="1.0.0", often="Often", q4type="likert", q5max=100, extra="old")
    )
    v2 = loads_instrument(
        _WAVE.format(version="2.0.0", often="Usually", q4type="choice", q5max=80, extra="new")
    )
    return v1, v2


def test_compare_waves_only_compares_what_is_unchanged() -> None:
    v1, v2 = _wave_surveys()
    before_q1 = [2, 3, 3, 2, 4, 3, 2, 3, 1, 2, 3, 4]
    after_q1 = [3, 4, 3, 3, 5, 4, 2, 4, 3, 2, 4, 5]
    n = len(before_q1)
    base = {"trust": ["t1"] * 6 + ["t2"] * 6, "q3": [3] * n, "q4": [3] * n, "q5": [1.0] * n}
    before = pd.DataFrame(
        {"rid": [f"r{i}" for i in range(n)], "q1": before_q1, "q2": [9] + [3] * (n - 1), **base}
    )
    after = pd.DataFrame(
        {"rid": [f"r{i}" for i in range(n)], "q1": after_q1, "q2": [3] * n, **base}
    )
    result = compare_waves(before, after, v1, v2)
    out = result.frame
    skipped = result.skipped.set_index("measure")["reason"].to_dict()
    assert skipped["q3"] == "choice list codes or labels changed"
    assert skipped["q4"].startswith("type changed")
    assert skipped["q5"] == "allowed range changed"
    assert skipped["old"] == "only in the first wave"
    assert skipped["new"] == "only in the second wave"
    assert skipped["both"] == "scale items changed: q3"
    assert skipped["rid"].startswith("text items")
    assert set(out["measure"]) == {"q1", "q2", "lead"}
    row = out.set_index("measure").loc["q1"]
    # R: wilcox.test(after, before, exact=FALSE, correct=TRUE) -> W = 104, p-value = 0.0575354
    assert row["statistic"] == 104
    assert row["p_value"] == pytest.approx(0.0575354, abs=1e-7)
    assert row["change"] == pytest.approx(np.mean(after_q1) - np.mean(before_q1))
    q2 = out.set_index("measure").loc["q2"]
    assert q2["n_before"] == n - 1  # the declared missing code 9 is not an answer

    paired = compare_waves(before, after, v1, v2, paired_id="rid", items=["q1"]).frame
    prow = paired.iloc[0]
    # R: wilcox.test(after, before, paired=TRUE, exact=FALSE, correct=TRUE) -> V = 45,
    # p-value = 0.004763577
    assert prow["n_pairs"] == n
    assert prow["statistic"] == 45
    assert prow["p_value"] == pytest.approx(0.004763577, abs=1e-9)
    assert prow["effect"] == pytest.approx(1.0)


def test_compare_waves_by_group_suppresses_small_cells() -> None:
    v1, v2 = _wave_surveys()
    rng = np.random.default_rng(1)
    n = 30
    trust = ["t1"] * 26 + ["t2"] * 4
    before = pd.DataFrame(
        {"trust": trust, "q1": rng.integers(1, 6, n), "q2": rng.integers(1, 6, n)}
    )
    after = pd.DataFrame({"trust": trust, "q1": rng.integers(1, 6, n), "q2": rng.integers(1, 6, n)})
    out = compare_waves(before, after, v1, v2, group="trust", items=["q1", "lead"]).frame
    assert list(out["scope"].unique()) == ["overall", "group"]
    t2 = out[out["group"] == "t2"]
    assert t2["suppressed"].all() and t2["mean_before"].isna().all()
    t1 = out[(out["group"] == "t1") & (out["measure"] == "q1")].iloc[0]
    assert t1["n_before"] == 26 and not t1["suppressed"]
    with pytest.raises(ConfigurationError, match="unknown item"):
        compare_waves(before, after, v1, v2, items=["nope"])


# ------------------------------------------------------------------------------ calibrated flags

CASEMIX = pd.read_csv(
    __import__("pathlib").Path(__file__).parent / "data" / "stats" / "casemix.csv"
)


def test_proportion_flags_are_calibrated_under_the_null() -> None:
    # 2,000 replicate regions of 11 trusts of 5-14 respondents with one true agreement rate:
    # no trust differs, so every flag is a false flag. Nominal rate at 99.8 % limits: 0.2 %
    # per trust; at 95 %: 5 %. The interpolated limits used as a rule gave 3.3 % (62 %
    # agreement), 17 % (80 %) and 41 % (90 %) "high" flags.
    rng = np.random.default_rng(15)
    reps, sizes = 2000, np.array([5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 14])
    n = np.tile(sizes, (reps, 1)).astype(float)
    eligible = np.ones_like(n, dtype=bool)
    for theta in (0.62, 0.8, 0.9):
        x = rng.binomial(n.astype(int), theta)
        for levels, nominal in (((0.95, 0.998), 0.002), ((0.95,), 0.05)):
            for tail in ("exact", "mid"):
                core = _funnel_core(
                    n,
                    x / n,
                    np.zeros_like(n),
                    eligible,
                    kind="proportion",
                    benchmark="leave_one_out",
                    levels=levels,
                    overdispersion=False,
                    tail=tail,
                )
                rate = np.mean(core.flag != "none")
                assert rate <= 2 * nominal, (theta, levels, tail, rate)


def test_mean_flags_are_calibrated_under_the_null() -> None:
    # Scale scores (the mean of 4 five-point items) of trusts of 5-14 respondents, 2,000
    # replicates, one population: false-flag rates within twice the nominal 0.2 % and 5 %.
    rng = np.random.default_rng(16)
    reps, sizes = 2000, np.array([5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 14])
    idx = np.repeat(np.arange(len(sizes)), sizes)
    values = rng.integers(1, 6, size=(reps, sizes.sum(), 4)).mean(axis=2)
    mean = np.stack([values[:, idx == j].mean(axis=1) for j in range(len(sizes))], axis=1)
    var = np.stack([values[:, idx == j].var(axis=1, ddof=1) for j in range(len(sizes))], axis=1)
    n = np.tile(sizes, (reps, 1)).astype(float)
    for levels, nominal in (((0.95, 0.998), 0.002), ((0.95,), 0.05)):
        core = _funnel_core(
            n,
            mean,
            var,
            np.ones_like(n, dtype=bool),
            kind="mean",
            benchmark="leave_one_out",
            levels=levels,
            overdispersion=False,
        )
        assert np.mean(core.flag != "none") <= 2 * nominal


def test_a_small_trust_where_everyone_agrees_is_not_flagged_high() -> None:
    # 5 of 5 agree where the rest agree 80 %: P(5/5) = 0.33 under the null. The interpolated
    # upper 99.8 % limit is below 1, so as a rule it flagged this trust "high".
    df = pd.DataFrame({"trust": ["a"] * 5 + ["b"] * 50, "agree": [1] * 5 + [1] * 40 + [0] * 10})
    out = compare_to_benchmark(df, "agree", "trust", kind="proportion").frame.set_index("group")
    assert out.loc["a", "upper_998"] < 1.0  # the drawn limit
    assert out.loc["a", "flag"] == "none"
    # R: fisher.test(matrix(c(5,0,40,10), 2, byrow=TRUE), alternative="greater")$p.value
    # -> 0.3512052136; two-sided p_value = min(1, 2 * min(less, greater))
    assert out.loc["a", "p_value"] == pytest.approx(2 * 0.3512052136, abs=1e-9)
    # 0 of 8 agreeing where the rest agree 80 % can be flagged low (the clipped lower limit
    # of 0 never could): R: fisher.test(matrix(c(0,8,40,10), 2, byrow=TRUE),
    # alternative="less")$p.value -> 2.282870481e-05
    df2 = pd.DataFrame({"trust": ["a"] * 8 + ["b"] * 50, "agree": [0] * 8 + [1] * 40 + [0] * 10})
    out2 = compare_to_benchmark(df2, "agree", "trust", kind="proportion").frame.set_index("group")
    assert out2.loc["a", "flag"] == "low"
    assert out2.loc["a", "p_value"] / 2 == pytest.approx(2.282870481e-05, rel=1e-8)


@pytest.mark.parametrize(
    ("group", "mean_p", "prop_p"),
    [
        # tests/r/benchmark.R: t test of the group against the rest (lm on the rest,
        # se = sqrt(sigma^2/n_i + var(mean_r))); fisher.test(..., alternative=) one-sided tails
        ("t1", 0.651999973888, 0.315812430961),
        ("t6", 0.0188241980646, 0.310041381536),
    ],
)
def test_benchmark_p_values_match_r(group: str, mean_p: float, prop_p: float) -> None:
    means = compare_to_benchmark(CASEMIX, "score", "trust").frame.set_index("group")
    assert means.loc[group, "p_value"] == pytest.approx(mean_p, abs=1e-10)
    assert means.loc[group, "test"] == "t test (group vs rest)"
    props = compare_to_benchmark(CASEMIX, "agree", "trust", kind="proportion").frame
    props = props.set_index("group")
    assert props.loc[group, "p_value"] == pytest.approx(prop_p, abs=1e-10)


@pytest.mark.parametrize(
    ("group", "expected", "mean_p", "prop_p"),
    [
        # tests/r/benchmark.R: E = colMeans(model matrix of the group) %*% coef(lm(score ~
        # grade, rest)); t on fit$df.residual df; mantelhaen.test(2 x 2 x grade, exact=TRUE)
        ("t1", 3.2120528162, 0.640699105243, 0.266155177556),
        ("t6", 3.11614379085, 0.00664905711077, 0.330867507121),
    ],
)
def test_grade_standardised_comparison_matches_r(
    group: str, expected: float, mean_p: float, prop_p: float
) -> None:
    means = compare_to_benchmark(CASEMIX, "score", "trust", standardise="grade").frame
    means = means.set_index("group")
    assert means.loc[group, "expected"] == pytest.approx(expected, abs=1e-9)
    assert means.loc[group, "benchmark"] == pytest.approx(expected, abs=1e-9)
    assert means.loc[group, "p_value"] == pytest.approx(mean_p, abs=1e-10)
    own = CASEMIX[CASEMIX["trust"] == group]
    assert means.loc[group, "standardised"] == pytest.approx(
        CASEMIX["score"].mean() + own["score"].mean() - expected
    )
    props = compare_to_benchmark(
        CASEMIX, "agree", "trust", kind="proportion", standardise="grade"
    ).frame.set_index("group")
    assert props.loc[group, "p_value"] == pytest.approx(prop_p, abs=1e-10)
    assert props.loc[group, "n_unmatched"] == 0


def test_standardisation_counts_strata_only_one_group_has() -> None:
    df = CASEMIX.copy()
    df.loc[df.index[:2], "grade"] = "other"  # two t0 respondents in a stratum of their own
    out = compare_to_benchmark(df, "score", "trust", standardise="grade").frame.set_index("group")
    assert out.loc["t0", "n_unmatched"] == 2
    assert out.loc["t1", "n_unmatched"] == 0
    with pytest.raises(ConfigurationError, match="standardise"):
        compare_to_benchmark(df, "score", "trust", standardise="grade", benchmark="overall")


def test_benchmark_adjusts_p_values_over_the_published_groups() -> None:
    out = compare_to_benchmark(_trusts(), "score", "trust", adjust="holm").frame
    pub = out["flag"] != "suppressed"
    from leadership_eval.multiplicity import adjust_pvalues

    np.testing.assert_allclose(
        out.loc[pub, "p_adjusted"], adjust_pvalues(out.loc[pub, "p_value"], "holm")
    )
    assert out.loc[~pub, "p_adjusted"].isna().all()


# ------------------------------------------------------------------------------ waves, overlap

WAVE_SURVEY = loads_instrument(
    """
kind: survey
id: w
version: 1.0.0
title: W
sections:
  - id: s
    title: S
    items:
      - {id: pid, type: text, text: Pseudonym}
      - {id: grade, type: text, text: Grade}
      - {id: score, type: number, text: Score, min: 1, max: 5}
"""
)


def test_compare_waves_uses_everyone_with_partial_overlap() -> None:
    before = pd.DataFrame(
        {
            "pid": ["p1", "p2", "p3", "p4", "p5", "p6", "b07", "b08", "b09"],
            "score": [3, 3.5, 3.25, 3, 4, 2.5, 3, 2.75, 3.25],
        }
    )
    after = pd.DataFrame(
        {
            "pid": ["p1", "p2", "p3", "p4", "p5", "p6", "a07", "a08", "a09", "a10"],
            "score": [3.5, 4, 3.75, 3, 4.5, 3.25, 4.25, 3.5, 4, 3.75],
        }
    )
    out = compare_waves(before, after, WAVE_SURVEY, WAVE_SURVEY, paired_id="pid").frame.iloc[0]
    assert (out["n_pairs"], out["n_unmatched_before"], out["n_unmatched_after"]) == (6, 3, 4)
    assert (out["n_before"], out["n_after"]) == (9, 10)
    assert out["test"] == "partially_overlapping_t"
    # tests/r/waves.R: Partover.test(x1, x2, x3, x4) (Partiallyoverlapping 2.0) -> statistic
    # 4.52428813307, parameter 9.39586640204, p.value 0.00128920376416, estimate 0.611111111111
    assert out["statistic"] == pytest.approx(4.52428813307, rel=1e-10)
    assert out["df"] == pytest.approx(9.39586640204, rel=1e-10)
    assert out["p_value"] == pytest.approx(0.00128920376416, rel=1e-9)
    assert out["change"] == pytest.approx(0.611111111111, rel=1e-10)


def test_compare_waves_fully_paired_is_the_exact_signed_rank_test() -> None:
    ids = [f"p{i}" for i in range(6)]
    before = pd.DataFrame({"pid": ids, "score": [3, 3.5, 3.25, 3, 4, 2.5]})
    after = pd.DataFrame({"pid": ids, "score": [3.2, 4.1, 3.95, 3.4, 4.9, 3.6]})
    after = after.iloc[::-1].reset_index(drop=True)  # the order does not matter, the ids do
    out = compare_waves(before, after, WAVE_SURVEY, WAVE_SURVEY, paired_id="pid").frame.iloc[0]
    assert out["test"] == "wilcoxon" and out["method"] == "exact"
    assert out["n_unmatched_before"] == 0 and out["n_unmatched_after"] == 0
    # tests/r/waves.R: wilcox.test(c(3.2,4.1,3.95,3.4,4.9,3.6), c(3,3.5,3.25,3,4,2.5),
    # paired=TRUE)$p.value -> 0.03125
    assert out["p_value"] == pytest.approx(0.03125)


def test_compare_composition_counts_every_row() -> None:
    from leadership_eval.compare import compare_composition

    before = pd.DataFrame({"grade": ["fy1"] * 6 + ["core"] * 4})
    after = pd.DataFrame({"grade": ["fy1"] * 2 + ["core"] * 7 + [None]})
    out = compare_composition(before, after, "grade")
    assert out["n_before"].sum() == 10 and out["n_after"].sum() == 10
    # R: fisher.test(matrix(c(4, 6, 0, 7, 2, 1), 2, byrow=TRUE))$p.value -> 0.169802333889
    assert out["test"].iloc[0] == "fisher"
    assert out["p_value"].iloc[0] == pytest.approx(0.169802333889, rel=1e-9)
