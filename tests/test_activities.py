"""Tests of leadership_eval.activities (mentor activity log summaries and outcome links)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from leadership_eval.activities import (
    minimum_detectable_r,
    relate_activity_outcomes,
    summarise_activities,
)
from leadership_eval.errors import DataError
from leadership_eval.simulate import simulate_responses


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    return simulate_responses("mentor-activity-log", 400, seed=4)


def test_summary_counts_match_the_log(log: pd.DataFrame) -> None:
    out = summarise_activities(log)
    assert len(out) == 19 + int(log["trust"].isna().any())
    assert out["n_activities"].sum() == len(log)  # no record lost
    t = log["trust"].dropna().iloc[0]
    rows = log[log["trust"] == t]
    assert out.loc[t, "n_activities"] == len(rows)
    assert out.loc[t, "activity_qi"] == (rows["activity_type"] == "qi").sum()
    assert out.loc[t, "trainees_reached"] == pytest.approx(rows["trainees_reached"].sum())
    fy1 = rows["grades_reached"].fillna("").str.split().map(lambda v: "fy1" in v).sum()
    assert out.loc[t, "grade_fy1"] == fy1
    act_cols = [c for c in out.columns if c.startswith("activity_")]
    assert (out[act_cols].sum(axis=1) == out["n_activities"]).all()
    # the mentor's work, by the evaluation's taxonomy (mentor_activity)
    assert out.loc[t, "work_brokering"] == (rows["mentor_activity"] == "brokering").sum()
    work_cols = [c for c in out.columns if c.startswith("work_")]
    assert (out[work_cols].sum(axis=1) == out["n_activities"]).all()
    assert not [c for c in out.columns if c.startswith("part_")]  # mentor_part was version 1


def test_summary_for_publication_suppresses_small_counts_of_people() -> None:
    log = pd.DataFrame(
        {
            "trust": ["t01", "t02", "t02"],
            "activity_type": ["qi", "qi", "audit"],
            "trainees_reached": [2.0, 6.0, 7.0],
        }
    )
    out = summarise_activities(log, policy="nhs-hes")
    assert pd.isna(out.loc["t01", "trainees_reached"])  # 2 people < 8
    assert out.loc["t02", "trainees_reached"] == 15  # rounded to 5
    assert out.loc["t03", "trainees_reached"] == 0  # zero is published


def test_summary_rejects_unknown_codes() -> None:
    log = pd.DataFrame({"trust": ["t01"], "activity_type": ["juggling"], "trainees_reached": [1]})
    with pytest.raises(DataError, match="juggling"):
        summarise_activities(log)
    log = pd.DataFrame({"trust": ["t99"], "activity_type": ["qi"], "trainees_reached": [1]})
    with pytest.raises(DataError, match="t99"):
        summarise_activities(log)


def test_minimum_detectable_r() -> None:
    # pingouin.power_corr(n=19, power=0.8, alpha=0.05) -> 0.5951 (independent implementation)
    assert minimum_detectable_r(19) == pytest.approx(0.5951, abs=2e-3)
    # plain Fisher z (no bias term) gives tanh((1.96 + 0.8416) / 4) = 0.604: a bit larger
    assert minimum_detectable_r(19) < math.tanh((1.959964 + 0.841621) / 4)


def test_relate_outcomes_on_a_balanced_design_matches_anova_estimates() -> None:
    rng = np.random.default_rng(3)
    j, m = 19, 25
    trusts = [f"t{i:02d}" for i in range(1, j + 1)]
    exposure = rng.integers(0, 30, size=j).astype(float)
    u = rng.normal(0, 0.3, size=j)
    y = 3 + 0.02 * np.repeat(exposure, m) + np.repeat(u, m) + rng.normal(0, 0.7, j * m)
    summary = pd.DataFrame({"n_activities": exposure}, index=pd.Index(trusts, name="trust"))
    scores = pd.DataFrame({"trust": np.repeat(trusts, m), "lead": y})
    res = relate_activity_outcomes(summary, scores, outcome="lead", n_boot=500)
    means = scores.groupby("trust")["lead"].mean()
    # Spearman across trusts (scipy) and its Fisher-z CI with 1.06 / (n - 3)
    rho, p = stats.spearmanr(exposure, means.loc[trusts])
    sp = res.spearman.iloc[0]
    assert sp["rho"] == pytest.approx(rho) and sp["p_value"] == pytest.approx(p)
    half = 1.959964 * math.sqrt(1.06 / 16)
    assert sp["ci_low"] == pytest.approx(math.tanh(math.atanh(rho) - half), abs=1e-5)
    assert sp["boot_ci_low"] <= rho <= sp["boot_ci_high"]
    # Balanced random-intercept model: the REML slope of a trust-level covariate equals the OLS
    # slope on trust means, and the null-model variance components equal the ANOVA estimators
    ols = stats.linregress(exposure, means.loc[trusts])
    row = res.model.set_index("term").loc["n_activities"]
    assert row["coef"] == pytest.approx(ols.slope, rel=1e-4)
    msw = scores.assign(d=scores["lead"] - scores["trust"].map(means))["d"].pow(2).sum() / (
        j * m - j
    )
    msb = m * ((means - y.mean()) ** 2).sum() / (j - 1)
    tau2 = (msb - msw) / m
    assert res.icc == pytest.approx(tau2 / (tau2 + msw), rel=1e-3)
    text = str(res)
    assert "19 trusts" in text and "0.59" in text and "Caveat" in text
    assert res.caveat in text


def test_relate_outcomes_errors() -> None:
    summary = pd.DataFrame({"n_activities": [1.0, 2.0]}, index=pd.Index(["a", "b"], name="trust"))
    scores = pd.DataFrame({"trust": ["a", "c"], "lead": [1.0, 2.0]})
    with pytest.raises(DataError, match="not in the activity summary"):
        relate_activity_outcomes(summary, scores, outcome="lead")
    scores = pd.DataFrame({"trust": ["a", "b"], "lead": [1.0, 2.0]})
    with pytest.raises(DataError, match="at least 5 trusts"):
        relate_activity_outcomes(summary, scores, outcome="lead")
