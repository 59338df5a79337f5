"""Bad input to the statistics, the theme summaries and the plots: one named test per case.

Each case gave a raw Python, pandas, numpy or scipy exception (or a misleading message) before
its fix; each was run against the code before the fix and failed there. Now bad input gives the
library's own error, saying where and what, and valid input gives the same results as before.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import leadership_eval as le
from leadership_eval.errors import ArgumentError, ConfigurationError, DataError
from leadership_eval.exact import fisher_exact, mann_whitney, signed_rank, spearman
from leadership_eval.mixed import linear_mixed_model, logistic_mixed_model
from leadership_eval.multiplicity import adjust_frame, adjust_pvalues


@pytest.fixture(scope="module")
def seg() -> pd.DataFrame:
    return le.read_segments(
        pd.DataFrame(
            {
                "participant": ["P1"],
                "role": ["trainee"],
                "trust": ["t01"],
                "codes": ["act_brokering"],
                "text": ["Hi."],
            }
        )
    )


@pytest.fixture(scope="module")
def coded() -> pd.DataFrame:
    return le.read_segments(le.simulate_evaluation().segments)


def _model_data(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {"y": rng.normal(size=40), "x": rng.normal(size=40), "g": np.repeat(list("abcde"), 8)}
    )


# ------------------------------------------------------------------------------ themes


def test_theme_summary_of_no_segments_gives_the_region_rows(seg: pd.DataFrame) -> None:
    """No segments gave KeyError '_pick' (an empty list selected no columns)."""
    out = le.theme_summary(seg.iloc[:0])
    assert (out["scope"] == "region").all()
    assert out["theme"].tolist() == le.theme_summary(seg)["theme"].drop_duplicates().tolist()
    assert (out["n_participants"] == 0).all()
    assert (out["note"] == "no participant").all()


@pytest.mark.parametrize("column", ["code", "participant", "role"])
def test_a_segment_without_a_code_participant_or_role_is_refused_by_row(
    seg: pd.DataFrame, column: str
) -> None:
    """A missing code gave 'sequence item 0: expected str instance, float found'; a missing
    participant or role dropped the segment silently."""
    s2 = seg.copy()
    s2.loc[0, column] = None
    for call in (le.framework_matrix, le.theme_summary):
        with pytest.raises(DataError, match=f"without a {column} \\(at index 0\\)") as info:
            call(s2)
        assert info.value.code == "missing-value"
    with pytest.raises(DataError, match=f"without a {column}"):
        le.framework_matrix(s2, values="count")


def test_framework_matrix_refuses_a_segment_without_its_id(seg: pd.DataFrame) -> None:
    """A missing segment_id gave 'expected str instance, float found' (text) or merged
    segments in the counts."""
    s2 = seg.copy()
    s2.loc[0, "segment_id"] = None
    with pytest.raises(DataError, match="without a segment_id") as info:
        le.framework_matrix(s2)
    assert info.value.code == "missing-value"
    with pytest.raises(DataError, match="without a segment_id"):
        le.framework_matrix(s2, values="count")


def test_framework_matrix_charts_a_segment_without_text_as_its_id(seg: pd.DataFrame) -> None:
    """A missing text gave 'sequence item 0: expected str instance, float found'."""
    s2 = seg.copy()
    s2.loc[0, "text"] = None
    out = le.framework_matrix(s2, level="code")
    assert out.loc[("P1", "trainee", "t01"), "act_brokering"] == "[S0001] "
    assert le.theme_summary(s2)["scope"].eq("region").all()


def test_theme_summary_by_role_gives_a_row_per_role_and_theme(coded: pd.DataFrame) -> None:
    """group='role' gave KeyError "['role'] not in index"."""
    out = le.theme_summary(coded, group="role")
    shown = out[out["scope"] == "trust"]
    assert set(shown["group"]) <= set(coded["role"])
    assert len(shown) > 0
    assert (shown["roles"] == shown["group"]).all()


# ------------------------------------------------------------------------------ mixed models


def test_linear_mixed_model_of_a_constant_outcome_says_it_does_not_vary() -> None:
    """A constant outcome gave 'math domain error'."""
    df = _model_data().assign(y=3.0)
    with pytest.raises(DataError, match="'y' does not vary") as info:
        linear_mixed_model(df, "y", "x", "g")
    assert info.value.code == "constant"


def test_linear_mixed_model_of_an_outcome_that_is_a_fixed_term_is_a_perfect_fit() -> None:
    """The outcome as a fixed term gave 'math domain error' (or, fitted exactly, se 0 and a
    negative df)."""
    df = _model_data()
    with pytest.raises(DataError, match="perfect fit: 'x' is also one of the fixed terms"):
        linear_mixed_model(df, "x", "x", "g")
    with pytest.raises(DataError, match="exactly"):
        linear_mixed_model(df.assign(y=2 * df["x"] + 1), "y", "x", "g")


@pytest.mark.parametrize("fit", [linear_mixed_model, logistic_mixed_model])
@pytest.mark.parametrize("column", ["y", "x", "g"])
def test_mixed_model_with_an_all_missing_column_says_how_many_rows_are_usable(
    fit: object, column: str
) -> None:
    """An all-missing outcome, term or group said 'the fixed effects are collinear (rank 0'."""
    df = _model_data().assign(y=lambda d: (d["y"] > 0).astype(float))
    df[column] = np.nan
    with pytest.raises(DataError, match=f"0 of 40 row.*40 with missing {column}") as info:
        fit(df, "y", "x", "g")  # type: ignore[operator]
    assert info.value.code == "too-few-rows"
    assert "collinear" not in str(info.value)


@pytest.mark.parametrize("rows", [0, 1])
def test_mixed_model_with_no_or_one_row_says_too_few_rows(rows: int) -> None:
    """An empty frame or one row said 'the fixed effects are collinear'."""
    df = _model_data().assign(y=1.0).iloc[:rows]
    for fit in (linear_mixed_model, logistic_mixed_model):
        with pytest.raises(DataError, match="too few rows for the model") as info:
            fit(df, "y", "x", "g")
        assert info.value.code == "too-few-rows"


def test_activity_uptake_with_no_usable_rows_says_too_few_rows() -> None:
    """model_activity_uptake with every row excluded said 'the fixed effects are collinear'."""
    from leadership_eval.compare.activities import _example_survey

    rng = np.random.default_rng(2)
    df = pd.DataFrame(
        {
            "trust": rng.choice(["t1", "t2", "t3", "t4", "t5"], 40),
            "grade": rng.choice(["fy1", "core"], 40),
            "mentor_contact_all": np.nan,
            "activities": np.where(rng.random(40) < 0.5, "qi", ""),
        }
    )
    with pytest.raises(DataError, match="too few rows"):
        le.model_activity_uptake(df, _example_survey(), work_based=["qi"])


def test_mixed_model_takes_a_single_int_column_name_as_fixed() -> None:
    """fixed=2 (int column names) gave TypeError "'int' object is not iterable"."""
    df = _model_data()
    numbered = pd.DataFrame({0: df["y"], 1: df["g"], 2: df["x"]})
    one = linear_mixed_model(numbered, 0, 2, 1)  # type: ignore[arg-type]
    listed = linear_mixed_model(numbered, 0, [2], 1)  # type: ignore[list-item, arg-type]
    pd.testing.assert_frame_equal(one.fixed, listed.fixed)
    named = linear_mixed_model(df, "y", "x", "g")
    np.testing.assert_allclose(one.fixed["coef"], named.fixed["coef"])
    binary = numbered.assign(**{"y01": (df["y"] > 0).astype(int)}).drop(columns=[0])
    res = logistic_mixed_model(binary, "y01", 2, 1)  # type: ignore[arg-type]
    assert res.fixed["term"].tolist() == ["intercept", 2]
    with pytest.raises(ArgumentError, match="found None"):
        linear_mixed_model(df, "y", None, "g")  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ multiplicity


def test_adjust_pvalues_leaves_pd_na_missing() -> None:
    """An object Series holding pd.NA gave a TypeError."""
    out = adjust_pvalues(pd.Series([0.01, pd.NA, 0.03], dtype=object), "holm")
    np.testing.assert_allclose(out, [0.02, np.nan, 0.03])


def test_adjust_pvalues_refuses_text_that_is_not_a_number() -> None:
    """['a'] gave ValueError 'could not convert string to float'."""
    with pytest.raises(DataError, match="'a' at position 0") as info:
        adjust_pvalues(["a"], "holm")
    assert info.value.code == "not-numeric"


def test_adjust_pvalues_refuses_a_method_of_none() -> None:
    """method=None returned the p-values unadjusted (str(None) is 'None')."""
    with pytest.raises(ConfigurationError, match="use 'none'") as info:
        adjust_pvalues([0.01, 0.02], None)  # type: ignore[arg-type]
    assert info.value.code == "unknown-adjustment"


def test_adjust_frame_takes_int_column_names() -> None:
    """adjust_frame(df, p=1, by=0) gave "'int' object is not iterable"."""
    df = pd.DataFrame({0: ["a", "a", "b"], 1: [0.01, 0.02, 0.04]})
    out = adjust_frame(df, "holm", p=1, by=0)  # type: ignore[arg-type]
    np.testing.assert_allclose(out["p_adjusted"], [0.02, 0.02, 0.04])


def test_adjust_frame_refuses_text_by_row_not_silently_missing() -> None:
    """A p-value column holding 'a' was turned into a missing p-value without a word."""
    df = pd.DataFrame({"p_value": [0.01, pd.NA, "a"]}, index=["r1", "r2", "r3"])
    with pytest.raises(DataError, match="'a' at row 'r3'"):
        adjust_frame(df)
    out = adjust_frame(df.iloc[:2], "holm")
    assert out["p_adjusted"].iloc[0] == pytest.approx(0.01) and np.isnan(out["p_adjusted"].iloc[1])


# ------------------------------------------------------------------------------ exact tests


def test_fisher_exact_names_a_missing_count_of_a_nullable_frame() -> None:
    """A nullable frame with NA gave TypeError "float() argument ... not 'NAType'" (and one
    without NA an 'rint' TypeError)."""
    table = pd.DataFrame({"a": [1, pd.NA], "b": [3, 4]}, dtype="Int64")
    with pytest.raises(DataError, match="row 1, column 'a' is missing") as info:
        fisher_exact(table)
    assert info.value.code == "counts"
    whole = fisher_exact(pd.DataFrame({"a": [1, 2], "b": [3, 4]}, dtype="Int64"))
    pd.testing.assert_frame_equal(whole, fisher_exact([[1, 3], [2, 4]]))


@pytest.mark.parametrize(
    "table",
    [
        [["1", "2"], ["3", "4"]],
        pd.DataFrame({"a": ["1", "2"], "b": ["3", "4"]}),
        pd.DataFrame({"a": [1, "x"], "b": [3, 4]}, dtype=object),
    ],
)
def test_fisher_exact_refuses_counts_given_as_text(table: object) -> None:
    """Text counts gave a UFuncTypeError, a '<' TypeError or 'could not convert string'."""
    with pytest.raises(DataError, match="not text") as info:
        fisher_exact(table)
    assert info.value.code == "counts"


def test_fisher_exact_refuses_huge_counts_and_names_the_chi_squared_test() -> None:
    """[[10**12, 1], [1, 10**12]] gave scipy's OverflowError (10**9 exhausted the memory)."""
    for big in (10**12, 10**9):
        with pytest.raises(DataError, match="cannot be computed for counts that large"):
            fisher_exact([[big, 1], [1, big]])
    with pytest.raises(DataError, match="chi2_contingency"):
        fisher_exact(np.array([[1e30, 1.0], [1.0, 1.0]]))


@pytest.mark.parametrize("test", [mann_whitney, signed_rank, spearman])
def test_rank_tests_leave_pd_na_out_as_missing(test: object) -> None:
    """An object Series with pd.NA gave "x must hold numbers; ... not 'NAType'"."""
    x = pd.Series([1.0, pd.NA, 3.0, 2.5, 4.1, 0.7], dtype=object)
    y = [1.2, 2.0, 3.4, 4.0, 5.5, 0.1]
    with_na = test(x, y)  # type: ignore[operator]
    with_nan = test([1.0, np.nan, 3.0, 2.5, 4.1, 0.7], y)  # type: ignore[operator]
    pd.testing.assert_frame_equal(with_na, with_nan)
    assert with_na["n_missing"].iloc[0] == 1


# ------------------------------------------------------------------------------ plots


def test_plot_likert_draws_a_bar_for_each_repeated_label() -> None:
    """Repeated bar labels gave 'The truth value of a Series is ambiguous'."""
    counts = pd.DataFrame(
        [[2, 5, 6, 12, 5], [30, 60, 80, 150, 80]],
        index=["Region", "Region"],
        columns=["SD", "D", "N", "A", "SA"],
    )
    ax = le.plot_likert(counts)
    assert len(ax.patches) == 10
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Region", "Region"]


def test_plot_flag_grid_converts_numbers_given_as_text() -> None:
    """Values as text gave "Unknown format code 'f' for object of type 'str'"."""
    flags = pd.DataFrame({"T1": ["red", "white"], "T2": ["green", None]}, index=["a", "b"])
    text = pd.DataFrame({"T1": ["3.25", " 2.5"], "T2": ["4", None]}, index=["a", "b"])
    numbers = pd.DataFrame({"T1": [3.25, 2.5], "T2": [4.0, np.nan]}, index=["a", "b"])
    drawn = sorted(t.get_text() for t in le.plot_flag_grid(flags, text).texts)
    assert drawn == sorted(t.get_text() for t in le.plot_flag_grid(flags, numbers).texts)
    assert "2.5" in drawn
    with pytest.raises(DataError, match="'high' \\(a, T1\\)") as info:
        le.plot_flag_grid(flags, text.assign(T1=["high", "2"]))
    assert info.value.code == "not-numeric"


def test_linear_mixed_model_of_an_outcome_constant_within_each_group_is_refused() -> None:
    """An outcome that differs between groups but not within them left no residual variance:
    the model 'fitted' with an intraclass correlation of 1 and 74 degrees of freedom from 40
    rows."""
    rng = np.random.default_rng(0)
    level = np.repeat(rng.normal(3, 1, 5), 8)
    frame = pd.DataFrame({"y": level, "x": rng.normal(size=40), "g": np.repeat(list("abcde"), 8)})
    with pytest.raises(DataError, match="does not vary within any group"):
        le.linear_mixed_model(frame, "y", [], "g")
    with pytest.raises(DataError, match="does not vary within any group"):
        le.linear_mixed_model(frame, "y", "x", "g")
