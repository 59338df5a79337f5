"""Bad input to the comparisons (``leadership_eval.compare``): one named regression test per case.

Each case gives the library's own error, saying where and what, or a result that keeps every
row; each test was first run against the code before the fix and failed there.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import leadership_eval as le
from leadership_eval.compare.activities import _example_survey
from leadership_eval.errors import ArgumentError, ConfigurationError, DataError


@pytest.fixture(scope="module")
def evaluation() -> Any:
    return le.simulate_evaluation()


def _grades() -> tuple[pd.DataFrame, pd.DataFrame]:
    before = pd.DataFrame({"grade": ["fy1"] * 60 + ["core"] * 40 + [None] * 20})
    after = pd.DataFrame(
        {"grade": pd.Series(["fy1"] * 20 + ["core"] * 70 + [None] * 30, dtype=object)}
    )
    return before, after


# ------------------------------------------------------------------------------ composition


def test_composition_counts_none_and_na_in_an_object_column_as_missing() -> None:
    """None or pd.NA in an object column did not line up with NaN: those rows vanished."""
    before, after = _grades()
    after.loc[90:99, "grade"] = pd.NA
    out = le.compare_composition(before, after, "grade")
    assert out["n_before"].sum() == len(before) and out["n_after"].sum() == len(after)
    missing = out[out["value"].isna()]
    assert len(missing) == 1
    assert (missing["n_before"].iloc[0], missing["n_after"].iloc[0]) == (20, 30)
    # the same table and test as when both waves hold NaN (the str dtype)
    as_text = pd.DataFrame({"grade": ["fy1"] * 20 + ["core"] * 70 + [None] * 30})
    same = le.compare_composition(before, as_text, "grade")
    assert out[["n_before", "n_after", "p_value"]].equals(same[["n_before", "n_after", "p_value"]])


def test_composition_with_an_empty_wave_is_a_result_without_a_test() -> None:
    """An empty wave gave scipy's 'expected frequencies has a zero element' ValueError."""
    before, _ = _grades()
    out = le.compare_composition(before, before.iloc[:0], "grade")
    assert out["n_before"].sum() == len(before) and out["n_after"].sum() == 0
    assert (out["test"] == "none").all() and out["p_value"].isna().all()
    assert (out["method"] == "no rows in the after wave").all()


def test_composition_with_no_columns_is_an_argument_error() -> None:
    """columns=[] gave pandas' 'No objects to concatenate'."""
    before, after = _grades()
    with pytest.raises(ArgumentError, match="columns is empty"):
        le.compare_composition(before, after, [])


def test_composition_takes_one_column_named_by_a_number() -> None:
    """A column named by an int gave "TypeError: 'int' object is not iterable"."""
    before, after = _grades()
    out = le.compare_composition(before.set_axis([4], axis=1), after.set_axis([4], axis=1), 4)
    assert (out["column"] == 4).all() and out["n_after"].sum() == len(after)


# ------------------------------------------------------------------------------ activities


def test_most_helpful_with_an_unknown_code_is_a_data_error(evaluation: Any) -> None:
    """An answer that is no code of the list was silently dropped (n_eligible 0, no error)."""
    data = evaluation.trainees.copy()
    data.loc[[3, 7], "most_helpful_v2"] = "zzz"
    with pytest.raises(DataError, match=r"'most_helpful_v2'.*zzz.*row\(s\): 3, 7") as err:
        le.most_helpful_activities(data, "trainee-survey")
    assert err.value.code == "invalid-code"
    assert err.value.failure_cases["row"].tolist() == [3, 7]


def test_most_helpful_with_an_origin_column_the_data_lack_is_a_data_error() -> None:
    """origins naming a column the data lack gave an empty by_origin instead of an error."""
    df = pd.DataFrame(
        {
            "activities": ["qi audit", "qi audit"],
            "how_qi": ["self", "mentor_brokered"],
            "how_audit": ["self", "self"],
            "most_helpful_v2": ["qi", "audit"],
        }
    )
    with pytest.raises(DataError, match="no column 'nope'") as err:
        le.most_helpful_activities(df, _example_survey(), origins={"qi": "nope"})
    assert err.value.code == "missing-column"


def test_most_helpful_with_repeated_row_labels_counts_every_row(evaluation: Any) -> None:
    """A repeated row index raised 'The truth value of a Series is ambiguous'."""
    twice = pd.concat([evaluation.trainees, evaluation.trainees])
    res = le.most_helpful_activities(twice, "trainee-survey")
    ref = le.most_helpful_activities(twice.reset_index(drop=True), "trainee-survey")
    pd.testing.assert_frame_equal(res.by_activity, ref.by_activity)
    pd.testing.assert_frame_equal(res.by_origin, ref.by_origin)
    once = le.most_helpful_activities(evaluation.trainees, "trainee-survey")
    assert res.by_activity["n_eligible"].sum() == 2 * once.by_activity["n_eligible"].sum()


def _trusts() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(1)
    trusts = [f"t{i:02d}" for i in range(1, 13)]  # trusts of the simulated evaluation
    summary = pd.DataFrame({"n_activities": np.arange(12)}, index=pd.Index(trusts, name="trust"))
    scores = pd.DataFrame({"trust": np.repeat(trusts, 10), "lead": rng.normal(3, 0.6, 120)})
    return summary, scores


def test_relate_outcomes_with_a_repeated_trust_is_a_data_error(evaluation: Any) -> None:
    """A trust twice in the summary gave pandas' 'Length of values does not match'."""
    summary = le.summarise_activities(evaluation.activity_log)
    _, scores = _trusts()
    with pytest.raises(DataError, match=r"more than one row for trust.*t01") as err:
        le.relate_activity_outcomes(
            pd.concat([summary, summary]), scores, outcome="lead", n_boot=10
        )
    assert err.value.code == "duplicate-labels"


def test_relate_outcomes_with_negative_n_boot_is_a_configuration_error() -> None:
    """n_boot=-1 gave numpy's 'negative dimensions are not allowed'."""
    summary, scores = _trusts()
    with pytest.raises(ConfigurationError, match="n_boot must be a whole number of 0 or more"):
        le.relate_activity_outcomes(summary, scores, outcome="lead", n_boot=-1)


# ------------------------------------------------------------------------------ funnel


def test_benchmark_nan_is_refused() -> None:
    """benchmark=nan was accepted and every group was flagged 'none'."""
    data = pd.DataFrame({"trust": ["a"] * 8 + ["b"] * 8 + ["c"] * 8, "score": [3, 4] * 12})
    with pytest.raises(ConfigurationError, match="finite number; found nan"):
        le.compare_to_benchmark(data, "score", "trust", benchmark=float("nan"))


def test_funnel_limits_with_one_benchmark_too_few_is_an_argument_error() -> None:
    """Two benchmarks for three groups gave numpy's broadcast ValueError."""
    with pytest.raises(ArgumentError, match=r"n has 3 group.* benchmark has 2 value"):
        le.funnel_limits([10, 20, 30], [3.0, 3.5], sd=1.0)


def test_funnel_limits_with_pd_na_in_an_object_n_is_a_configuration_error() -> None:
    """pd.NA in an object Series of sizes gave a TypeError from numpy."""
    with pytest.raises(ConfigurationError, match=r"missing value at position.* 1"):
        le.funnel_limits(pd.Series([10, pd.NA, 30], dtype=object), 3.0, sd=1.0)


# ------------------------------------------------------------------------------ waves


def test_compare_waves_takes_one_item_id_as_text() -> None:
    """items='ident_1' was read letter by letter: 'unknown item or scale id(s): i, d, e...'."""
    before = le.simulate_responses("trainee-survey", 40, seed=1)
    after = le.simulate_responses("trainee-survey", 40, seed=2)
    one = le.compare_waves(before, after, "trainee-survey", "trainee-survey", items="ident_1")
    listed = le.compare_waves(before, after, "trainee-survey", "trainee-survey", items=["ident_1"])
    assert one.frame["measure"].tolist() == ["ident_1"]
    pd.testing.assert_frame_equal(one.frame, listed.frame)
