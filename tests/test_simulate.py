"""simulate_responses: shape, codes, skip logic, determinism, structure and errors."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from leadership_eval.errors import ConfigurationError
from leadership_eval.instruments.expressions import parse_expression
from leadership_eval.scoring import reliability, score
from leadership_eval.simulate import PHRASES, simulate_responses
from test_scoring_fixtures import full_survey

SURVEY = full_survey()
N = 3000
GROUPS = {"t01": 1500, "t02": 900, "t03": 400, "t04": 200}


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return simulate_responses(SURVEY, N, groups=GROUPS, seed=11)


def test_columns_and_forms(data: pd.DataFrame) -> None:
    assert list(data.columns) == [q.id for q in SURVEY.questions]
    assert "intro" not in data.columns  # notes take no answer
    assert len(data) == N and data.index.equals(pd.RangeIndex(N))
    assert data["rid"].tolist()[:2] == ["R00001", "R00002"] and data["rid"].is_unique
    assert str(data["lead_1"].dtype) == "Int64" and data["years"].dtype == "float64"
    dates = pd.to_datetime(data["started"].dropna(), format="%Y-%m-%d")
    assert dates.min() >= pd.Timestamp("2023-01-01") and dates.max() <= pd.Timestamp("2025-01-01")


def test_codes_are_codes_of_the_lists(data: pd.DataFrame) -> None:
    for item in SURVEY.questions:
        cl = SURVEY.choices_for(item)
        if cl is None:
            continue
        values = data[item.id].dropna()
        allowed = {str(c) for c in cl.all_codes}
        if item.type == "multi_choice":
            tokens = {t for v in values.unique() for t in v.split()}
            assert tokens <= allowed
        else:
            assert {str(v) for v in values.unique()} <= allowed, item.id
    years = data["years"].dropna()
    assert years.between(0, 15).all() and (years == years.round()).all()


def test_missing_answers_and_missing_codes_at_their_rates(data: pd.DataFrame) -> None:
    blank = data["lead_1"].isna().mean()
    assert 0.02 < blank < 0.04
    declared = data["lead_1"].isin([8, 9]).mean()
    assert 0.01 < declared < 0.03
    assert data["trust"].notna().all()  # required, and the group item
    assert data["dev_1"].isna().mean() > 0.02 and not data["dev_1"].isin([8, 9]).any()


def test_skip_logic_is_honoured(data: pd.DataFrame) -> None:
    types = {i.id: i.type for i in SURVEY.items}
    for item in SURVEY.questions:
        if item.show_if:
            shown = parse_expression(item.show_if).evaluate(data, item_types=types)
            assert data.loc[~shown, item.id].isna().all(), item.id
            assert data.loc[shown, item.id].notna().any(), item.id
    assert data.loc[data["mentor"] == 0, "mentor_help"].isna().all()
    qi = data["acts"].str.split().map(lambda v: isinstance(v, list) and "qi" in v)
    assert data.loc[~qi.astype(bool), "qi_how"].isna().all()


def test_groups_and_effects(data: pd.DataFrame) -> None:
    assert data["trust"].value_counts().to_dict() == GROUPS
    shifted = simulate_responses(
        SURVEY, N, groups=GROUPS, group_effects={"t04": 1.0, "t01": -0.5}, seed=11
    )
    means = score(SURVEY, shifted).groupby(shifted["trust"]).mean()
    assert means.loc["t04", "leader_identity"] > means.loc["t02", "leader_identity"] + 0.3
    assert means.loc["t01", "leader_identity"] < means.loc["t02", "leader_identity"] - 0.1
    as_list = simulate_responses(SURVEY, 4, groups=["t02", "t02", "t03", "t01"], seed=1)
    assert as_list["trust"].tolist() == ["t02", "t02", "t03", "t01"]


def test_determinism() -> None:
    a = simulate_responses(SURVEY, 200, seed=5)
    b = simulate_responses(SURVEY, 200, seed=5)
    c = simulate_responses(SURVEY, 200, seed=6)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_scale_structure(data: pd.DataFrame) -> None:
    lead = data[["lead_1", "lead_2", "lead_3", "lead_4"]].mask(data.isin([8, 9])).astype(float)
    corr = lead.corr()
    others = ["lead_1", "lead_3", "lead_4"]
    assert (corr.loc["lead_2", others] < -0.15).all()  # reverse keyed behaves as reversed
    assert (corr.loc[others, others].to_numpy()[np.triu_indices(3, 1)] > 0.15).all()
    rel = reliability(SURVEY, data)
    assert rel["alpha"].between(0.6, 0.95).all(), rel
    assert rel["omega_total"].between(0.6, 0.95).all(), rel
    scores = score(SURVEY, data)
    r = scores.corr().iloc[0, 1]
    assert 0.05 < r < 0.6  # traits of different scales correlate, moderately
    # quasi-identifiers have skewed frequencies
    grade = data["grade"].value_counts(normalize=True)
    assert grade.max() > 2 * grade.min()


def test_free_text_from_the_phrase_bank(data: pd.DataFrame) -> None:
    text = data["comments"].dropna()
    assert 0.15 < len(text) / N < 0.5
    assert all(any(v.startswith(p) for p in PHRASES) for v in text.unique())


def test_survey_without_respondent_id_or_groups() -> None:
    from leadership_eval.instruments.loader import loads_instrument

    text = "kind: survey\nid: t\nversion: 1.0.0\ntitle: T\nsections:\n  - id: s\n    title: S\n"
    text += "    items:\n      - {id: age, type: number, text: Age}\n"
    survey = loads_instrument(text)
    out = simulate_responses(survey, 50, missing_rate=0)
    assert list(out.columns) == ["age"] and out["age"].between(0, 100).all()
    assert len(simulate_responses(survey, 0)) == 0
    with pytest.raises(ConfigurationError, match="no group_by"):
        simulate_responses(survey, 5, groups={"a": 5})


def test_bad_arguments() -> None:
    with pytest.raises(ConfigurationError, match="add up to 10"):
        simulate_responses(SURVEY, 11, groups={"t01": 4, "t02": 6})
    with pytest.raises(ConfigurationError, match="not codes"):
        simulate_responses(SURVEY, 2, groups={"t99": 2})
    with pytest.raises(ConfigurationError, match="has no respondents"):
        simulate_responses(SURVEY, 2, groups={"t01": 2}, group_effects={"t02": 1})
    with pytest.raises(ConfigurationError, match="missing_rate"):
        simulate_responses(SURVEY, 2, missing_rate=1.5)
    with pytest.raises(ConfigurationError, match="n must be"):
        simulate_responses(SURVEY, -1)


# --------------------------------------------------- the bundled questionnaires (version 2)


@pytest.fixture(scope="module")
def trainees() -> pd.DataFrame:
    return simulate_responses("trainee-survey", 3000, seed=21, declined=0.03)


def test_the_record_id_is_platform_metadata(trainees: pd.DataFrame) -> None:
    from leadership_eval.instruments.loader import load_instrument
    from leadership_eval.responses import validate_responses

    survey = load_instrument("trainee-survey")
    assert survey.respondent_id not in {i.id for i in survey.items}  # type: ignore[union-attr]
    # exported first, as platforms put their record id, and accepted by validation
    assert trainees.columns[0] == "respondent_id"
    assert trainees["respondent_id"].is_unique and trainees["respondent_id"].notna().all()
    report = validate_responses("trainee-survey", trainees)
    assert report.valid, report.errors.head()
    assert "unknown-column" not in set(report.errors["code"])


def test_consent_gates_the_simulated_answers(trainees: pd.DataFrame) -> None:
    declined = trainees["consent"] == 0
    assert 0.015 < declined.mean() < 0.05  # about 3 % decline
    rest = trainees.drop(columns=["respondent_id", "consent"])
    assert rest[declined].isna().all().all()  # who declines answers nothing more
    assert rest[~declined]["trust"].notna().all()
    # by default nobody declines
    assert simulate_responses("trainee-survey", 200, seed=21)["consent"].eq(1).all()


def test_choice_filters_and_max_choices_are_honoured(trainees: pd.DataFrame) -> None:
    helped = trainees.dropna(subset=["most_helpful_v2"])
    assert len(helped) > 1000
    chosen = helped["activities"].str.split()
    assert all(c in a for a, c in zip(chosen, helped["most_helpful_v2"], strict=True))
    # asked only of those who chose two or more, answered by nearly all of them
    two = trainees["activities"].str.split().str.len().fillna(0) >= 2
    assert trainees.loc[~two, "most_helpful_v2"].isna().all()
    assert helped.index.isin(trainees.index[two]).all()
    assert len(helped) / two.sum() > 0.9
    sizes = trainees["meaning_top3"].dropna().str.split().str.len()
    assert sizes.max() == 3 and (sizes == 3).any()


def test_a_filter_that_offers_nothing_leaves_the_answer_blank() -> None:
    from leadership_eval.instruments.loader import loads_instrument

    survey = loads_instrument(
        "kind: survey\nid: f\nversion: 1.0.0\ntitle: F\n"
        "choice_lists:\n  l: {options: [{code: a, label: A}, {code: b, label: B}]}\n"
        "sections:\n  - id: s\n    title: S\n    items:\n"
        "      - {id: m, type: multi_choice, choices: l, text: M}\n"
        "      - {id: c, type: choice, choices: l, text: C,\n"
        "         choice_filter: \"selected(m, choice) and choice != 'a'\"}\n"
    )
    out = simulate_responses(survey, 500, seed=2, missing_rate=0)
    only_a = out["m"] == "a"
    assert only_a.any() and out.loc[only_a, "c"].isna().all()
    assert (out.loc[~only_a, "c"] == "b").all()


def test_the_activity_log_follows_the_mentor_taxonomy() -> None:
    log = simulate_responses("mentor-activity-log", 2000, seed=3)
    asked = log["mentor_activity"].isin(["signposting", "brokering", "delivering", "supporting"])
    assert log.loc[~asked, "activity_type"].isna().all()
    assert log.loc[asked, "activity_type"].notna().mean() > 0.9
    development = log["mentor_activity"] == "supervisor_development"
    assert log.loc[~development, "supervisors_reached"].isna().all()
    assert log.loc[development, "supervisors_reached"].notna().any()


def test_a_filtered_multi_choice_keeps_only_offered_options() -> None:
    from leadership_eval.instruments.loader import loads_instrument

    survey = loads_instrument(
        "kind: survey\nid: f\nversion: 1.0.0\ntitle: F\n"
        "choice_lists:\n  l: {options: [{code: a, label: A}, {code: b, label: B},"
        " {code: c, label: C}]}\n"
        "sections:\n  - id: s\n    title: S\n    items:\n"
        "      - {id: m, type: multi_choice, choices: l, text: M}\n"
        "      - {id: k, type: multi_choice, choices: l, text: K,"
        ' choice_filter: "selected(m, choice)"}\n'
    )
    out = simulate_responses(survey, 400, seed=4, missing_rate=0)
    pairs = list(zip(out["m"].str.split(), out["k"].str.split(), strict=True))
    assert all(set(k) <= set(m) and k for m, k in pairs)
    assert any(len(k) > 1 for _, k in pairs)
