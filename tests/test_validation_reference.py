"""validate_responses against the earlier implementation (issue 19): the same report, exactly.

The validation was rewritten to check every input row in place (no copy of the rows kept
before checking), to read codes through integer tables, and to evaluate skip logic on the
codes of the distinct answers. ``_reference_validation.py`` is the implementation before that
change, kept verbatim; here both run on the same data, planted with every kind of problem
(invalid codes, numbers out of range, fractions, text in number and code columns, bad dates,
hidden answers, missing required answers, duplicate ids, empty rows, codes in every dtype,
multi_choice answers as text and as indicator columns, repeated and text index labels) and
every part of the two reports must be equal: errors (with their messages and values), clean
data (values and dtypes), declared missing codes, hidden answers, excluded rows.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))

import _reference_validation as reference
from leadership_eval.instruments.loader import load_instrument, loads_instrument
from leadership_eval.responses import validate_responses
from test_responses import KINDS, SURVEY, _eligible, _plant, make_valid

BENCH = Path(__file__).parents[1] / "benchmarks"


def assert_same_report(survey: object, data: pd.DataFrame) -> None:
    ours = validate_responses(survey, data)  # type: ignore[arg-type]
    ref = reference.validate_responses(survey, data)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(ours.errors, ref.errors)
    pd.testing.assert_frame_equal(ours.data, ref.data)
    pd.testing.assert_frame_equal(ours.missing, ref.missing)
    pd.testing.assert_frame_equal(ours.hidden, ref.hidden)
    pd.testing.assert_frame_equal(ours.excluded, ref.excluded)
    assert ours.n_rows == ref.n_rows and ours.id_column == ref.id_column
    stamp, ref_stamp = ours.stamp, ref.stamp
    assert (stamp.rows_in, stamp.rows_used, stamp.excluded, stamp.set_aside, stamp.problems) == (
        ref_stamp.rows_in,
        ref_stamp.rows_used,
        ref_stamp.excluded,
        ref_stamp.set_aside,
        ref_stamp.problems,
    )


def _vary_dtypes(df: pd.DataFrame, how: str) -> pd.DataFrame:
    if how == "object":
        return df.astype(object)
    if how == "float":
        return df.astype({c: "float64" for c in ("met_mentor", "lead_1", "qi_impact")})
    if how == "small-ints":
        return df.astype({"lead_1": "Int8", "met_mentor": "UInt8", "qi_impact": "Int16"})
    if how == "text":
        return df.astype({c: "str" for c in ("met_mentor", "lead_1", "meetings", "hours")})
    if how == "indicators":
        acts = df.pop("activities")
        for code in ("qi", "teach", "audit", "mgmt", "pns"):
            ticked = acts.fillna("").astype(str).str.split().map(lambda t, c=code: int(c in t))
            df[f"activities__{code}"] = ticked.where(acts.notna())
        return df
    return df


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    data=st.data(),
    index_kind=st.sampled_from(["range", "labels", "duplicated"]),
    dtypes=st.sampled_from(["as-made", "object", "float", "small-ints", "text", "indicators"]),
)
def test_same_report_as_the_earlier_validation(
    seed: int, data: st.DataObject, index_kind: str, dtypes: str
) -> None:
    n = 60
    df = make_valid(n, seed).astype({"lead_2": object, "hours": object})
    kinds = data.draw(st.lists(st.sampled_from([*KINDS, "empty", "blank_id"]), max_size=10))
    for kind in kinds:
        rows = _eligible(df, kind) if kind in KINDS else []
        if rows:
            _plant(df, kind, data.draw(st.sampled_from(rows), label="row"))
    for kind in kinds:
        if kind == "empty":  # no answer at all: excluded
            df.iloc[data.draw(st.integers(1, n - 1), label="row"), 1:] = None
        elif kind == "blank_id":
            df.iloc[data.draw(st.integers(1, n - 1), label="row"), 0] = "  "
    if index_kind == "labels":
        df.index = pd.Index([f"resp-{i}" for i in range(n)][::-1])
    elif index_kind == "duplicated":
        df.index = pd.Index([i // 2 for i in range(n)])
    assert_same_report(SURVEY, _vary_dtypes(df, dtypes))


@pytest.mark.parametrize(
    "survey_id", ["trainee-survey", "supervisor-survey", "mentor-activity-log"]
)
@pytest.mark.parametrize("seed", [1, 2])
def test_same_report_on_the_bundled_surveys(survey_id: str, seed: int) -> None:
    from leadership_eval.simulate import simulate_responses

    survey = load_instrument(survey_id)
    raw = simulate_responses(survey, 400, seed=seed)
    rng = np.random.default_rng(seed)
    # plant problems in every column: a foreign value, a blank, a repeated row
    for col in raw.columns:
        rows = rng.choice(len(raw), 3, replace=False)
        raw.loc[raw.index[rows[0]], col] = None
        if raw[col].dtype == "Int64":
            raw.loc[raw.index[rows[1]], col] = 77
    raw = pd.concat([raw, raw.iloc[[5, 9]]], ignore_index=True)
    assert_same_report(survey, raw)


def test_same_report_on_the_benchmark_survey() -> None:
    sys.path.insert(0, str(BENCH))
    import bench_validation

    survey = loads_instrument(bench_validation.survey_yaml(), "bench.yaml")
    assert_same_report(survey, bench_validation.make_data(5_000))


def test_same_report_with_every_row_excluded_and_with_none() -> None:
    df = make_valid(6, seed=3).astype(object)
    df.iloc[:, 1:] = None
    assert_same_report(SURVEY, df)
    assert_same_report(SURVEY, make_valid(0, seed=3))


def test_the_stamp_deep_copies_field_by_field() -> None:
    import copy

    report = validate_responses(SURVEY, make_valid(20, seed=4))
    stamp = report.stamp
    twin = copy.deepcopy(stamp)
    assert twin == stamp and twin is not stamp
    for name in ("rows_in", "rows_used", "excluded", "set_aside", "problems"):
        assert getattr(twin, name) == getattr(stamp, name)
    assert twin.excluded is not stamp.excluded and twin.problems is not stamp.problems
    # pandas copies attrs with copy.deepcopy: a frame derived from the data keeps the stamp
    assert report.data.head(3).attrs["validation"] == stamp
