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
    # R: pwr.r.test from pwr 1.3-0 (R/pwr.r.test.R, sourced), solved to full precision:
    # uniroot(function(r) pwr.r.test(n = n, r = r)$power - 0.8, c(1e-10, 1 - 1e-10),
    #         tol = 1e-14)$root -> 19: 0.595103210481, 12: 0.718392722574, 8: 0.832896490345
    # (pwr.r.test(n = 19, power = 0.8)$r -> 0.5951089870 with uniroot's default tolerance)
    assert minimum_detectable_r(19) == pytest.approx(0.595103210481, abs=1e-10)
    assert minimum_detectable_r(12) == pytest.approx(0.718392722574, abs=1e-10)
    assert minimum_detectable_r(8) == pytest.approx(0.832896490345, abs=1e-10)
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
    # balanced design, trust-level covariate: Satterthwaite df = J - 2 and the test is the
    # regression of trust means on the exposure
    assert row["df"] == pytest.approx(j - 2, rel=1e-6)
    assert row["p_value"] == pytest.approx(ols.pvalue, rel=1e-4)
    assert "19 trusts" in text and "0.60" in text and "Caveat" in text
    assert res.caveat in text


def test_relate_outcomes_errors() -> None:
    summary = pd.DataFrame({"n_activities": [1.0, 2.0]}, index=pd.Index(["a", "b"], name="trust"))
    scores = pd.DataFrame({"trust": ["a", "c"], "lead": [1.0, 2.0]})
    with pytest.raises(DataError, match="not in the activity summary"):
        relate_activity_outcomes(summary, scores, outcome="lead")
    scores = pd.DataFrame({"trust": ["a", "b"], "lead": [1.0, 2.0]})
    with pytest.raises(DataError, match="at least 5 trusts"):
        relate_activity_outcomes(summary, scores, outcome="lead")


# ------------------------------------------------------------------------------ individual level

from leadership_eval.activities import (  # noqa: E402
    activity_origins,
    model_activity_uptake,
    most_helpful_activities,
    origin_items,
)
from leadership_eval.errors import ConfigurationError  # noqa: E402
from leadership_eval.instruments.loader import loads_instrument  # noqa: E402

# A survey written for the tests in the new convention: the mentor's part split into
# "signposted" and "brokered", an exclusive "none" option, item ids unlike the bundled survey's.
SURVEY = loads_instrument(
    """
kind: survey
id: uptake-test
version: 1.0.0
title: Uptake
group_by: trust
choice_lists:
  act:
    options:
      - {code: qi, label: QI}
      - {code: committee, label: Committee}
      - {code: shadowing, label: Shadowing}
      - {code: course, label: Course}
      - {code: none, label: None of these, exclusive: true}
  how:
    options:
      - {code: self, label: Myself}
      - {code: supervisor, label: Supervisor}
      - {code: mentor_signposted, label: The mentor told me about it}
      - {code: mentor_brokered, label: The mentor arranged it}
  yn:
    options: [{code: 1, label: "Yes"}, {code: 0, label: "No"}]
  grade:
    options: [{code: fy1, label: FY1}, {code: fy2, label: FY2}, {code: core, label: Core},
              {code: registrar, label: Registrar}]
    missing: [{code: 9, label: Prefer not to say}]
sections:
  - id: s
    title: S
    items:
      - {id: trust, type: text, text: Trust}
      - {id: grade, type: choice, choices: grade, text: Grade}
      - {id: did, type: multi_choice, choices: act, text: What did you do?}
      - {id: came_qi, type: choice, choices: how, text: QI, show_if: "selected(did, 'qi')"}
      - {id: came_committee, type: choice, choices: how, text: Committee,
         show_if: "selected(did, 'committee') and answered(grade)"}
      - {id: came_course, type: choice, choices: how, text: Course,
         show_if: "selected(did, 'course')"}
      - {id: learnt_qi, type: choice, choices: yn, text: Did QI teach you?,
         show_if: "selected(did, 'qi')"}
      - {id: best, type: choice, choices: act, text: Most helpful, show_if: answered(did)}
      - {id: met_mentor, type: choice, choices: yn, text: Contact?}
"""
)
UPTAKE = pd.read_csv(
    __import__("pathlib").Path(__file__).parent / "data" / "stats" / "uptake.csv",
    dtype=str,
    keep_default_na=False,
).replace({"": None})


def test_origin_items_are_read_from_the_survey() -> None:
    # the yes/no item shown for the same activity is not an origin item: its list has no
    # mentor codes
    assert origin_items(SURVEY, activities="did") == {
        "qi": "came_qi",
        "committee": "came_committee",
        "course": "came_course",
    }
    with pytest.raises(ConfigurationError, match="no multi_choice item"):
        origin_items(SURVEY, activities="grade")


def test_activity_origins_counts_and_wilson_intervals() -> None:
    df = pd.DataFrame(
        {
            "did": ["qi committee", "qi", "qi course", "committee", "course", "none", None],
            "came_qi": ["mentor_brokered", "self", "mentor_signposted", None, None, None, None],
            "came_committee": ["supervisor", None, None, "mentor_brokered", None, None, None],
            "came_course": [None, None, None, None, "self", None, None],
        }
    )
    out = activity_origins(df, SURVEY, activities="did").set_index(["activity", "origin"])
    qi = out.loc[("qi", "any_mentor")]
    assert (qi["n_took_part"], qi["n_answered"], qi["n"]) == (3, 3, 2)
    # R: prop.test(2, 3, correct = FALSE)$conf.int -> 0.207659600802 0.938508055280 (Wilson)
    assert (qi["ci_low"], qi["ci_high"]) == pytest.approx((0.207659600802, 0.938508055280))
    assert out.loc[("qi", "mentor_brokered"), "n"] == 1
    assert out.loc[("committee", "any_mentor"), "share"] == pytest.approx(0.5)
    assert out.loc[("course", "self"), "share"] == 1.0
    # the old single "mentor" code is not in this survey's origin list
    with pytest.raises(ConfigurationError, match="no origin items"):
        activity_origins(df, SURVEY, activities="did", mentor=("mentor",))
    with pytest.raises(ConfigurationError, match="no code"):
        activity_origins(
            df, SURVEY, activities="did", mentor=("mentor",), origins={"qi": "came_qi"}
        )


def test_most_helpful_by_activity_and_by_origin() -> None:
    df = pd.DataFrame(
        {
            "did": ["qi committee", "qi committee", "qi course", "qi", "committee course"],
            "came_qi": ["mentor_brokered", "self", "mentor_brokered", "self", None],
            "came_committee": ["self", "mentor_signposted", None, None, "self"],
            "came_course": [None, None, "self", None, "supervisor"],
            "best": ["qi", "committee", "qi", "qi", "course"],
        }
    )
    res = most_helpful_activities(df, SURVEY, activities="did", most_helpful="best")
    act = res.by_activity.set_index("activity")
    # trainee 4 did one activity only and does not count
    assert act.loc["qi", "n_eligible"] == 3 and act.loc["qi", "n_most_helpful"] == 2
    assert act.loc["qi", "expected_share"] == pytest.approx(0.5)
    org = res.by_origin.set_index("origin")
    # brokered: trainee 1's QI (named) and trainee 3's QI (named)
    assert (
        org.loc["mentor_brokered", "n_activities"],
        org.loc["mentor_brokered", "n_most_helpful"],
    ) == (2, 2)
    assert (org.loc["self", "n_activities"], org.loc["self", "n_most_helpful"]) == (4, 0)
    assert org.loc["supervisor", "n_most_helpful"] == 1
    assert "associational" in res.caveat


def test_uptake_model_matches_glmer() -> None:
    data = UPTAKE.rename(columns={"activities": "did", "mentor_contact": "met_mentor"})
    res = model_activity_uptake(
        data,
        SURVEY,
        activities="did",
        work_based=["qi", "committee", "shadowing"],
        contact="met_mentor",
    )
    # tests/r/uptake.R: glmer(outcome ~ contact + grade + (1 | trust), binomial) on the 99 rows
    # left after the unanswered ones (blank activities: the list has an exclusive "none"; no
    # contact answer; grade "prefer not to say")
    assert res.model.n == 99
    assert len(res.excluded) == len(data) - 99
    assert set(res.excluded["reason"]) == {
        "no answer to did",
        "no answer to met_mentor",
        "no answer to grade",
    }
    f = res.model.fixed.set_index("term")
    expected = {
        "intercept": (-0.0908841047096, 0.450814618539),
        "contact": (0.8703571071141, 0.452280768154),
        "grade[fy1]": (-0.2221398527112, 0.560619102258),
        "grade[fy2]": (0.4098451180104, 0.632229413049),
        "grade[registrar]": (-0.9328532560917, 0.660404106697),
    }
    for term, (coef, se) in expected.items():
        assert f.loc[term, "coef"] == pytest.approx(coef, abs=1e-4)
        assert f.loc[term, "se"] == pytest.approx(se, rel=2e-3)
    # R: getME(m, "theta") -> 0.230578272213; logLik -63.302986019
    assert res.model.tau2**0.5 == pytest.approx(0.230578272213, abs=1e-3)
    assert res.model.loglik == pytest.approx(-63.302986019, abs=1e-5)
    assert "associational" in res.caveat


def test_uptake_model_needs_to_know_what_is_work_based() -> None:
    data = UPTAKE.rename(columns={"activities": "did", "mentor_contact": "met_mentor"})
    with pytest.raises(ConfigurationError, match="work-based"):
        model_activity_uptake(data, SURVEY, activities="did", contact="met_mentor")
    with pytest.raises(ConfigurationError, match="not codes"):
        model_activity_uptake(
            data, SURVEY, activities="did", contact="met_mentor", work_based=["fellowship"]
        )
