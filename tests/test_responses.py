"""Validation of response data: validate_responses and ValidationReport.

The survey fixture (tests/data/exports/survey.yaml) has every item type, declared missing codes,
skip logic (including a condition on a multi_choice answer and a chain of two conditions) and
required items. Valid data are generated here, vectorised, following the skip logic; errors are
planted at known cells and must be found exactly (row, column, code), no more, no fewer.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadership_eval.errors import DataError
from leadership_eval.instruments.loader import load_instrument, loads_instrument
from leadership_eval.responses import ERROR_CODES, ValidationReport, validate_responses

DATA = Path(__file__).parent / "data" / "exports"
SURVEY = load_instrument(DATA / "survey.yaml")
COMBOS = np.array(["qi", "teach", "qi audit", "mgmt teach", "pns", "audit", "qi mgmt teach"])


def make_valid(n: int, seed: int = 0) -> pd.DataFrame:
    """Raw-form responses to the fixture survey that break no rule (vectorised)."""
    rng = np.random.default_rng(seed)
    grade = rng.choice(np.array(["fy1", "fy2", "st", "pns"], dtype=object), n)
    met = rng.integers(1, 3, n)
    shown = met == 1
    acts = rng.choice(COMBOS, n).astype(object)
    acts[~shown] = None
    has_qi = pd.Series(acts).isin([c for c in COMBOS if "qi" in c.split()]).to_numpy()
    likert = np.array([1, 2, 3, 4, 5, 8, 9])
    qi = pd.array(rng.choice(likert, n), dtype="Int64")
    qi[~has_qi] = pd.NA
    lead_1 = pd.array(rng.choice(likert, n), dtype="Int64")
    lead_1[rng.random(n) < 0.1] = pd.NA
    lead_2 = pd.array(rng.choice(likert, n), dtype="Int64")
    hours = np.round(rng.uniform(0, 100, n), 1)
    hours[rng.random(n) < 0.1] = np.nan
    comments = np.where(rng.random(n) < 0.5, "Helpful", None).astype(object)
    comments[grade == "fy1"] = None
    dates = (np.datetime64("2020-01-01") + rng.integers(0, 1500, n)).astype(str).astype(object)
    return pd.DataFrame(
        {
            "rid": pd.array([f"r{i:04d}" for i in range(n)], dtype="str"),
            "grade": pd.array(grade, dtype="str"),
            "start_date": pd.array(dates, dtype="str"),
            "met_mentor": pd.array(met, dtype="Int64"),
            "meetings": np.where(shown, rng.integers(0, 53, n), np.nan),
            "activities": pd.array(acts, dtype="str"),
            "lead_1": lead_1,
            "lead_2": lead_2,
            "qi_impact": qi,
            "hours": hours,
            "comments": pd.array(comments, dtype="str"),
        }
    )


def found(report: ValidationReport) -> set[tuple[int, str, str]]:
    e = report.errors[report.errors["severity"] == "error"]
    return set(zip(e["position"].tolist(), e["column"], e["code"], strict=True))


# ------------------------------------------------------------------------------- valid data


def test_valid_data_has_no_errors() -> None:
    df = make_valid(500, seed=1)
    report = validate_responses(SURVEY, df)
    assert report.valid, report.errors.head()
    assert report.errors.empty
    assert len(report.data) == 500 and report.excluded.empty
    assert report.data.index.equals(df.index)


def test_clean_form_types_and_layout() -> None:
    df = make_valid(200, seed=2)
    report = validate_responses(SURVEY, df)
    data = report.data
    assert list(data.columns[:3]) == ["rid", "grade", "start_date"]
    assert data["met_mentor"].dtype == "Int64"
    assert data["lead_1"].dtype == "Int64"
    assert data["meetings"].dtype == "float64"
    assert pd.api.types.is_datetime64_any_dtype(data["start_date"])
    assert "activities" not in data.columns
    indicators = [f"activities__{c}" for c in ("qi", "teach", "audit", "mgmt")]
    assert all(data[c].dtype == "Int8" for c in indicators)
    # indicators: NA when not answered (hidden, or only "prefer not to say"), else 0/1
    raw = df["activities"]
    answered = raw.notna() & (raw != "pns")
    assert data[indicators].notna().all(axis=1).equals(answered)
    qi = raw.str.split().map(lambda t: "qi" in t if isinstance(t, list) else False)
    assert (data.loc[answered, "activities__qi"] == qi[answered].astype(int)).all()
    # declared missing codes: NA in .data, kept in .missing
    is9 = df["lead_2"] == 9
    assert data.loc[is9.fillna(False), "lead_2"].isna().all()
    assert (report.missing.loc[is9.fillna(False), "lead_2"] == 9).all()
    assert report.missing.loc[~is9.fillna(True), "lead_2"].ne(9).all()
    assert report.missing["activities"].eq("pns").sum() == (raw == "pns").sum()
    # every substantive code survives unchanged
    keep = df["lead_1"].isin([1, 2, 3, 4, 5]).fillna(False)
    assert data.loc[keep, "lead_1"].equals(df.loc[keep, "lead_1"])
    assert set(report.missing.columns) == {"grade", "activities", "lead_1", "lead_2", "qi_impact"}
    assert list(report.hidden.columns) == [i.id for i in SURVEY.questions]
    assert not report.hidden.to_numpy().any()


# --------------------------------------------------------------------------- planted errors

N = 40


def _plant(df: pd.DataFrame, kind: str, p: int) -> tuple[str, str]:
    """Plant one error of ``kind`` at row position ``p``; return its (column, code)."""
    col = df.columns.get_loc
    if kind == "lead_code":
        df.iloc[p, col("lead_1")] = 7
        return "lead_1", "invalid-code"
    if kind == "lead_text":
        df.iloc[p, col("lead_2")] = "often"
        return "lead_2", "invalid-code"
    if kind == "hours_range":
        df.iloc[p, col("hours")] = 150.0
        return "hours", "out-of-range"
    if kind == "hours_text":
        df.iloc[p, col("hours")] = "lots"
        return "hours", "wrong-type"
    if kind == "meetings_frac":
        df.iloc[p, col("meetings")] = 2.5
        return "meetings", "not-an-integer"
    if kind == "meetings_missing":
        df.iloc[p, col("meetings")] = np.nan
        return "meetings", "missing-required"
    if kind == "meetings_hidden":
        df.iloc[p, col("meetings")] = 3.0
        return "meetings", "answered-when-hidden"
    if kind == "date_bad":
        df.iloc[p, col("start_date")] = "2024-02-30"
        return "start_date", "wrong-type"
    if kind == "acts_bad":
        df.iloc[p, col("activities")] = str(df.iloc[p, col("activities")]) + " golf"
        return "activities", "invalid-code"
    if kind == "qi_hidden":
        df.iloc[p, col("qi_impact")] = 4
        return "qi_impact", "answered-when-hidden"
    if kind == "comments_long":
        df.iloc[p, col("comments")] = "x" * 201
        return "comments", "too-long"
    if kind == "grade_bad":
        df.iloc[p, col("grade")] = "fy3"
        return "grade", "invalid-code"
    if kind == "dup":
        df.iloc[p, col("rid")] = df.iloc[0, col("rid")]
        return "rid", "duplicate-id"
    raise AssertionError(kind)


def _eligible(df: pd.DataFrame, kind: str) -> list[int]:
    met = (df["met_mentor"] == 1).to_numpy(dtype=bool)
    acts = df["activities"].fillna("")
    answered = acts.ne("").to_numpy() & acts.ne("pns").to_numpy()
    has_qi = acts.str.split().map(lambda t: "qi" in t).to_numpy(dtype=bool)
    rows = np.arange(1, len(df))  # row 0 holds the id that "dup" copies
    mask = {
        "meetings_frac": met,
        "meetings_missing": met,
        "meetings_hidden": ~met,
        "acts_bad": answered,
        "qi_hidden": ~has_qi,
        "comments_long": (df["grade"] != "fy1").to_numpy(dtype=bool),
    }.get(kind, np.ones(len(df), dtype=bool))
    return [int(r) for r in rows if mask[r]]


KINDS = [
    "lead_code",
    "lead_text",
    "hours_range",
    "hours_text",
    "meetings_frac",
    "meetings_missing",
    "meetings_hidden",
    "date_bad",
    "acts_bad",
    "qi_hidden",
    "comments_long",
    "grade_bad",
    "dup",
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    data=st.data(),
    index_kind=st.sampled_from(["range", "labels", "duplicated"]),
)
def test_planted_errors_are_found_exactly(seed: int, data: st.DataObject, index_kind: str) -> None:
    df = make_valid(N, seed).astype({"lead_2": object, "hours": object})
    k = data.draw(st.integers(0, 8), label="k")
    expected: set[tuple[int, str, str]] = set()
    cells: set[tuple[int, str]] = set()
    dup_rows: set[int] = set()
    planted_rows: set[int] = set()
    for _ in range(k):
        kind = data.draw(st.sampled_from(KINDS), label="kind")
        rows = [
            r
            for r in _eligible(df, kind)
            if r not in dup_rows and (kind != "dup" or r not in planted_rows)
        ]
        if not rows:
            continue
        p = data.draw(st.sampled_from(rows), label="row")
        column = {"lead_code": "lead_1", "lead_text": "lead_2", "dup": "rid"}.get(
            kind, kind.split("_")[0] if not kind.startswith("meetings") else "meetings"
        )
        column = {"acts": "activities", "date": "start_date", "qi": "qi_impact"}.get(column, column)
        if (p, column) in cells:
            continue
        cells.add((p, column))
        expected.add((p, *_plant(df, kind, p)))
        planted_rows.add(p)
        if kind == "dup":
            dup_rows.add(p)
    if index_kind == "labels":
        df.index = pd.Index([f"resp-{i}" for i in range(N)][::-1])
    elif index_kind == "duplicated":
        df.index = pd.Index([i // 2 for i in range(N)])
    report = validate_responses(SURVEY, df)
    assert found(report) == expected
    # row labels are the index labels at those positions
    e = report.errors
    assert (e["row"].to_numpy() == df.index.to_numpy()[e["position"].to_numpy()]).all()
    # every input row is either kept or excluded, once
    assert len(report.data) + len(report.excluded) == N
    assert set(report.excluded["excluded_reason"]) <= {"duplicate-id"}
    assert len(report.excluded) == len(dup_rows)
    assert report.valid == (not expected)


# ------------------------------------------------------------------------ rows and columns


def test_every_row_accounted_for_with_duplicated_index() -> None:
    df = make_valid(30, seed=3)
    df.index = pd.Index([7] * 10 + [8] * 10 + [9] * 10)
    df.iloc[4] = None  # an empty row
    df.iloc[12, 0] = df.iloc[2, 0]  # a repeated respondent id
    report = validate_responses(SURVEY, df)
    assert len(report.data) == 28
    assert report.excluded["excluded_reason"].tolist() == ["empty-row", "duplicate-id"]
    assert report.excluded.index.tolist() == [7, 8]
    kept_positions = np.setdiff1d(np.arange(30), [4, 12])
    assert report.data["rid"].tolist() == df["rid"].iloc[kept_positions].tolist()
    assert found(report) == {(12, "rid", "duplicate-id")}
    info = report.errors[report.errors["severity"] == "info"]
    assert info[["position", "code"]].values.tolist() == [[4, "empty-row"]]


def test_empty_row_alone_keeps_data_valid() -> None:
    df = make_valid(5, seed=4)
    df.iloc[2, 1:] = None  # an id but no answers
    report = validate_responses(SURVEY, df)
    assert report.valid
    assert report.excluded["excluded_reason"].tolist() == ["empty-row"]
    assert report.summary().loc["empty-row", "n"] == 1


def test_unknown_and_missing_columns_are_reported() -> None:
    df = make_valid(20, seed=5).drop(columns=["hours"])
    df["notes_extra"] = "x"
    report = validate_responses(SURVEY, df)
    e = report.errors.set_index("code")
    assert e.loc["missing-column", "column"] == "hours"
    assert e.loc["missing-column", "position"] == -1
    assert pd.isna(e.loc["missing-column", "row"])
    assert e.loc["unknown-column", "column"] == "notes_extra"
    assert e.loc["unknown-column", "severity"] == "info"
    assert not report.valid  # a missing item column is an error
    assert report.data["hours"].isna().all()  # present, all NA, so scoring finds it
    assert report.data["notes_extra"].tolist() == ["x"] * 20  # kept unchanged
    ok = validate_responses(SURVEY, make_valid(20, seed=5).assign(notes_extra="x"))
    assert ok.valid  # unknown columns alone are informational


def test_alias_column_and_indicator_layout_are_accepted() -> None:
    df = make_valid(50, seed=6).rename(columns={"grade": "Training grade"})
    acts = df.pop("activities")
    for code in ("qi", "teach", "audit", "mgmt", "pns"):
        ticked = acts.fillna("").str.split().map(lambda t, c=code: int(c in t))
        df[f"activities__{code}"] = ticked.where(acts.notna())
    report = validate_responses(SURVEY, df)
    assert report.valid, report.errors
    assert report.data["grade"].notna().sum() == (df["Training grade"] != "pns").sum()
    ref = validate_responses(SURVEY, make_valid(50, seed=6))
    cols = [f"activities__{c}" for c in ("qi", "teach", "audit", "mgmt")]
    pd.testing.assert_frame_equal(report.data[cols], ref.data[cols])


# ---------------------------------------------------------------------------- skip logic


def _one(**values: object) -> pd.DataFrame:
    base: dict[str, object] = {
        "rid": "a",
        "grade": "st",
        "start_date": "2024-01-01",
        "met_mentor": 1,
        "meetings": 2.0,
        "activities": "qi",
        "lead_1": 3,
        "lead_2": 3,
        "qi_impact": 3,
        "hours": 1.0,
        "comments": None,
    }
    base.update(values)
    return pd.DataFrame([base])


def test_prefer_not_to_say_counts_as_unanswered_in_skip_logic() -> None:
    # activities = "pns" (declared missing): selected(activities, 'qi') is false -> hidden
    report = validate_responses(SURVEY, _one(activities="pns", qi_impact=4))
    assert found(report) == {(0, "qi_impact", "answered-when-hidden")}
    assert report.hidden.loc[0, "qi_impact"]
    assert report.data.loc[0, "qi_impact"] == 4  # kept, flagged
    # grade = "pns": grade != 'fy1' holds for a missing answer (XPath), so comments is shown
    report = validate_responses(SURVEY, _one(grade="pns", comments="fine"))
    assert report.valid
    assert report.missing.loc[0, "grade"] == "pns"


def test_missing_code_in_hidden_item_is_not_flagged() -> None:
    report = validate_responses(SURVEY, _one(activities="teach", qi_impact=8))
    assert report.valid
    assert report.missing.loc[0, "qi_impact"] == 8


def test_hidden_answers_hide_what_depends_on_them() -> None:
    # met_mentor = 2 hides activities; its answer is then blank for qi_impact's condition
    report = validate_responses(SURVEY, _one(met_mentor=2, meetings=None, qi_impact=5))
    assert found(report) == {
        (0, "activities", "answered-when-hidden"),
        (0, "qi_impact", "answered-when-hidden"),
    }


def test_required_counts_declared_missing_as_an_answer() -> None:
    assert validate_responses(SURVEY, _one(grade="pns")).valid
    report = validate_responses(SURVEY, _one(grade=None))
    assert found(report) == {(0, "grade", "missing-required")}
    report = validate_responses(SURVEY, _one(grade="   "))  # blank text is no answer
    assert found(report) == {(0, "grade", "missing-required")}


def test_codes_written_as_floats_or_padded_text_match() -> None:
    df = _one(lead_1=3.0, lead_2=" 4 ", grade=" st ")
    df = df.astype({"lead_2": object})
    report = validate_responses(SURVEY, df)
    assert report.valid, report.errors
    assert report.data.loc[0, "lead_1"] == 3 and report.data.loc[0, "lead_2"] == 4
    assert report.data.loc[0, "grade"] == "st"


# ----------------------------------------------------------------------------- the report


def test_report_api() -> None:
    df = make_valid(20, seed=8).astype({"hours": object})
    df.iloc[3, df.columns.get_loc("lead_1")] = 6
    df.iloc[5, df.columns.get_loc("hours")] = "n/a"
    df.iloc[9, df.columns.get_loc("hours")] = -1.0
    report = validate_responses(SURVEY, df)
    assert not report.valid and report.n_errors == 3
    assert list(report.errors.columns) == [
        "row",
        "column",
        "code",
        "message",
        "value",
        "severity",
        "position",
        "sheet_row",
    ]
    first = report.errors.iloc[0]
    assert (first["row"], first["column"], first["code"], first["value"]) == (
        3,
        "lead_1",
        "invalid-code",
        6,
    )
    assert "6 is not a code of 'agree5'" in first["message"]
    summary = report.summary()
    assert summary.loc["out-of-range", "n"] == 1 and summary.loc["wrong-type", "n_rows"] == 1
    assert set(report.errors["code"]) <= set(ERROR_CODES)
    with pytest.raises(DataError) as info:
        report.raise_for_errors()
    assert info.value.failure_cases is not None and len(info.value.failure_cases) == 3
    assert "row 3, column lead_1: invalid-code" in str(info.value)
    validate_responses(SURVEY, make_valid(5)).raise_for_errors()  # valid: no exception
    assert "valid=False" in repr(report)


def test_lazy_false_raises_at_first_error() -> None:
    df = make_valid(20, seed=9)
    df.iloc[3, df.columns.get_loc("lead_1")] = 6
    df.iloc[4, df.columns.get_loc("lead_2")] = 6
    with pytest.raises(DataError) as info:
        validate_responses(SURVEY, df, lazy=False)
    assert info.value.code == "invalid-code"
    assert info.value.failure_cases["column"].tolist() == ["lead_1"]
    assert validate_responses(SURVEY, make_valid(20, seed=9), lazy=False).valid


def test_bad_arguments() -> None:
    with pytest.raises(DataError, match="DataFrame"):
        validate_responses(SURVEY, [1, 2])  # type: ignore[arg-type]
    with pytest.raises(DataError, match="id_column 'nope'"):
        validate_responses(SURVEY, make_valid(3), id_column="nope")
    df = make_valid(3)
    df.columns = ["rid", "rid", *df.columns[2:]]
    with pytest.raises(DataError, match="repeated column"):
        validate_responses(SURVEY, df)
    with pytest.raises(TypeError):
        validate_responses(42, make_valid(3))  # type: ignore[arg-type]
    # a path (or a bundled id) is loaded
    assert validate_responses(DATA / "survey.yaml", make_valid(3)).valid


def test_explicit_id_column_and_no_rows() -> None:
    df = make_valid(6, seed=10)
    df["panel_id"] = [1, 2, 2, 3, 3, 3]
    report = validate_responses(SURVEY, df, id_column="panel_id")
    assert found(report) == {
        (2, "panel_id", "duplicate-id"),
        (4, "panel_id", "duplicate-id"),
        (5, "panel_id", "duplicate-id"),
    }
    empty = validate_responses(SURVEY, make_valid(0))
    assert empty.valid and len(empty.data) == 0 and empty.errors.empty


def test_stray_indicator_column_is_reported_not_merged() -> None:
    df = make_valid(10, seed=11)
    df["activities__qi"] = 1  # clashes with the clean indicator column of the item
    report = validate_responses(SURVEY, df)
    clash = report.errors[report.errors["column"] == "activities__qi"]
    assert clash["code"].tolist() == ["unknown-column"]
    assert "clashes" in clash["message"].iloc[0]
    ref = validate_responses(SURVEY, make_valid(10, seed=11))
    assert report.data["activities__qi"].equals(ref.data["activities__qi"])


def test_huge_and_infinite_numbers_in_code_columns_are_invalid() -> None:
    df = make_valid(4, seed=12).astype({"lead_1": "float64"})
    df.loc[1, "lead_1"] = 1e300
    df.loc[2, "lead_1"] = np.inf
    assert found(validate_responses(SURVEY, df)) == {
        (1, "lead_1", "invalid-code"),
        (2, "lead_1", "invalid-code"),
    }


@pytest.mark.parametrize("survey_id", ["trainee-survey", "supervisor-survey"])
def test_simulated_responses_to_bundled_surveys_are_valid(survey_id: str) -> None:
    from leadership_eval import scoring, simulate

    survey = load_instrument(survey_id)
    raw = simulate.simulate_responses(survey, 300, seed=4)
    report = validate_responses(survey_id, raw)
    assert report.valid, report.errors.head()
    assert len(report.data) == 300
    # score() reads either form: the clean data must score exactly as the raw data
    pd.testing.assert_frame_equal(scoring.score(survey, report.data), scoring.score(survey, raw))


def test_exclusive_option_ticked_with_others_is_reported() -> None:
    from leadership_eval.instruments.loader import loads_instrument

    survey = loads_instrument(
        """
kind: survey
id: excl
version: 1.0.0
title: Exclusive options
choice_lists:
  barrier:
    options:
      - {code: time, label: Time}
      - {code: rota, label: Rota}
      - {code: none, label: Nothing has made it harder, exclusive: true}
sections:
  - id: s
    title: S
    items:
      - {id: barriers, type: multi_choice, choices: barrier, text: What made it harder?}
"""
    )
    data = pd.DataFrame({"barriers": ["time rota", "none", "none time", None]})
    report = validate_responses(survey, data)
    found = report.errors[report.errors["code"] == "exclusive-combined"]
    assert list(found["row"]) == [2]
    assert "rules out the other options" in found["message"].iloc[0]


def test_simulated_exclusive_options_stand_alone() -> None:
    from leadership_eval.simulate import simulate_responses

    data = simulate_responses("trainee-survey", 400, seed=4)
    answers = data["barriers"].dropna().str.split()
    with_none = answers[answers.map(lambda a: "none" in a)]
    assert len(with_none) > 0
    assert (with_none.map(len) == 1).all()
    assert validate_responses("trainee-survey", data).valid


@pytest.mark.parametrize("dtype", ["Int8", "Int16", "Int64", "UInt8", "int64"])
def test_codes_at_and_beyond_the_ends_of_the_code_table(dtype: str) -> None:
    # codes 0, 1 and 127 with missing code -1 (a table shifted below 0); values just outside
    # the codes' range and far beyond it must be invalid, whatever the integer width.
    # Expected classes worked out by hand from the choice list.
    survey = loads_instrument(
        """
kind: survey
id: ends
version: 1.0.0
title: Ends
choice_lists:
  z:
    options: [{code: 0, label: a}, {code: 1, label: b}, {code: 127, label: c}]
    missing: [{code: -1, label: m}]
sections:
  - id: s
    title: S
    items:
      - {id: a, type: choice, choices: z, text: A}
      - {id: b, type: text, text: B}
"""
    )
    values = [0, 1, 127, -1, -2, 2, 126, 100]
    expected_invalid = [4, 5, 6, 7]
    if dtype.startswith(("U", "u")):
        values, expected_invalid = [0, 1, 127, 2, 126, 255], [3, 4, 5]
    data = pd.DataFrame({"a": pd.array(values, dtype=dtype), "b": "x"})
    report = validate_responses(survey, data)
    bad = report.errors[report.errors["code"] == "invalid-code"]
    assert bad["position"].tolist() == expected_invalid
    clean = report.data["a"]
    assert str(clean.dtype) == "Int64"
    assert clean.notna().tolist() == [v in (0, 1, 127) for v in values]
    assert report.missing["a"].notna().tolist() == [v == -1 for v in values]
