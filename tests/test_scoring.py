"""Scoring, item summaries and the ``score`` command: behaviour, errors and invariants."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
import leadership_eval as le
from leadership_eval.cli import app
from leadership_eval.errors import ConfigurationError, DataError
from leadership_eval.scoring import (
    item_statistics,
    item_summary,
    reliability,
    reverse_key,
    score,
)
from test_scoring_fixtures import FULL_SURVEY, full_survey

SURVEY = full_survey()


def frame(**cols: list) -> pd.DataFrame:
    return pd.DataFrame({k: pd.array(v, dtype="Int64") for k, v in cols.items()})


def identity_data() -> pd.DataFrame:
    # lead_2 is reverse keyed (1..5); 8 and 9 are declared missing codes
    return frame(
        lead_1=[5, 4, 1, 9, None, 3],
        lead_2=[1, 2, 5, 8, None, 3],
        lead_3=[5, None, 1, 2, None, 3],
        lead_4=[5, None, 1, 4, 2, 3],
        dev_1=[3, 0, 2, None, 1, 3],
        dev_2=[3, 1, None, None, 1, 3],
        dev_3=[3, 2, 2, None, None, 3],
    )


# ----------------------------------------------------------------------------------- score


def test_mean_reverse_keying_missing_codes_and_min_answered() -> None:
    s = score(SURVEY, identity_data())
    # row 0: 5, 6-1, 5, 5 -> 5; row 1: 4, 4 (2 of 4 answered, share 0.5 met) -> 4
    # row 2: 1, 1, 1, 1 -> 1; row 3: 9 and 8 are missing codes -> 2, 4 -> 3
    # row 4: only lead_4 answered (1 < 2 required) -> NA; row 5: all 3 -> 3
    np.testing.assert_allclose(s["leader_identity"], [5, 4, 1, 3, np.nan, 3])
    assert list(s.columns) == ["leader_identity", "development"]


def test_sum_scores_are_prorated() -> None:
    s = score(SURVEY, identity_data())["development"]
    # row 0: 9; row 1: 0+1+2 = 3; row 2: (2 + 2)/2 * 3 = 6; row 3: none -> NA;
    # row 4: (1 + 1)/2 * 3 = 3; row 5: 9
    np.testing.assert_allclose(s, [9, 3, 6, np.nan, 3, 9])


def test_percent_transform_is_pomp() -> None:
    s = score(SURVEY, identity_data(), transform="percent")
    np.testing.assert_allclose(s["leader_identity"], [100, 75, 0, 50, np.nan, 50])
    # development: sum of three 0..3 items -> 0..9
    np.testing.assert_allclose(s["development"], [100, 100 / 3, 200 / 3, np.nan, 100 / 3, 100])


def test_scale_transform_from_the_instrument() -> None:
    text = FULL_SURVEY.replace("method: sum\n", "method: sum\n    transform: percent\n")
    from leadership_eval.instruments.loader import loads_instrument

    survey = loads_instrument(text)
    s = score(survey, identity_data())
    assert s["development"].iloc[0] == pytest.approx(100)
    assert s["leader_identity"].iloc[0] == pytest.approx(5)
    assert score(survey, identity_data(), transform="none")["development"].iloc[0] == 9


def test_index_is_kept_and_scales_selected() -> None:
    data = identity_data()
    data.index = pd.Index([f"r{i}" for i in range(len(data))], name="who")
    s = score(SURVEY, data, scales="development")
    assert list(s.columns) == ["development"]
    assert s.index.equals(data.index)


def test_raw_strings_and_clean_forms_score_alike() -> None:
    data = identity_data()
    as_text = data.astype("string").astype(object).where(data.notna(), "")
    pd.testing.assert_frame_equal(score(SURVEY, as_text), score(SURVEY, data))
    clean = data.mask(data.isin([8, 9]))
    pd.testing.assert_frame_equal(score(SURVEY, clean), score(SURVEY, data))
    floats = data.astype("float64")
    pd.testing.assert_frame_equal(score(SURVEY, floats), score(SURVEY, data))


def test_bad_values_are_set_aside_by_the_validation_rules() -> None:
    # score validates raw data as validate_responses does: a value that is no code of the
    # item's list is set aside (NA, not scored) and said in a DataWarning
    data = identity_data()
    data.loc[2, "lead_3"] = 7
    with pytest.warns(le.DataWarning, match="1 invalid-code"):
        scores = score(SURVEY, data)
    without = identity_data()
    without.loc[2, "lead_3"] = None
    pd.testing.assert_series_equal(
        scores["leader_identity"], score(SURVEY, without)["leader_identity"]
    )
    text = identity_data().astype(object)
    text.loc[1, "dev_1"] = "often"
    with pytest.warns(le.DataWarning, match="1 invalid-code"):
        score(SURVEY, text)


def test_missing_column_and_unknown_scale() -> None:
    with pytest.raises(DataError, match="no column 'lead_4'"):
        score(SURVEY, identity_data().drop(columns="lead_4"))
    with pytest.raises(ConfigurationError, match="no scale 'nope'"):
        score(SURVEY, identity_data(), scales=["nope"])
    with pytest.raises(ConfigurationError, match="transform"):
        score(SURVEY, identity_data(), transform="z")  # type: ignore[arg-type]


def test_survey_by_path(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(FULL_SURVEY)
    pd.testing.assert_frame_equal(score(path, identity_data()), score(SURVEY, identity_data()))


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.float64, st.integers(0, 30), elements=st.integers(-1000, 1000).map(float)),
    st.integers(-5, 5),
    st.integers(0, 10),
)
def test_reverse_keying_twice_is_identity(x: np.ndarray, low: int, width: int) -> None:
    high = low + width
    np.testing.assert_allclose(reverse_key(reverse_key(x, low, high), low, high), x)
    assert reverse_key(low, low, high) == high


answers = st.lists(
    st.lists(
        st.one_of(st.none(), st.integers(1, 5), st.sampled_from([8, 9])), min_size=4, max_size=4
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(answers)
def test_scores_within_bounds_and_min_answered_respected(rows: list[list[int | None]]) -> None:
    data = pd.DataFrame(rows, columns=["lead_1", "lead_2", "lead_3", "lead_4"], dtype="Int64")
    for c in ("dev_1", "dev_2", "dev_3"):
        data[c] = pd.array([None] * len(data), dtype="Int64")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", le.DataWarning)  # rows with no answer are left out
        s = score(SURVEY, data, scales="leader_identity")["leader_identity"]
    blank = data.isna().all(axis=1)
    assert s.index.equals(data.index[~blank])
    answered = data[["lead_1", "lead_2", "lead_3", "lead_4"]].isin([1, 2, 3, 4, 5]).sum(axis=1)
    answered = answered[~blank]
    assert (s.isna() == (answered < 2)).all()
    assert ((s.dropna() >= 1) & (s.dropna() <= 5)).all()
    pomp = score(SURVEY, data, scales="leader_identity", transform="percent")["leader_identity"]
    assert ((pomp.dropna() >= 0) & (pomp.dropna() <= 100)).all()


# ------------------------------------------------------------------------------ reliability


def test_reliability_columns_and_small_scales() -> None:
    rel = reliability(SURVEY, identity_data())
    assert list(rel.columns) == [
        "n",
        "n_items",
        "alpha",
        "std_alpha",
        "alpha_ci_low",
        "alpha_ci_high",
        "omega_total",
        "omega_reason",
        "average_r",
    ]
    assert rel.index.name == "scale"
    assert rel.loc["leader_identity", "n_items"] == 4
    assert rel.loc["leader_identity", "n"] == 6  # row 4 answered only lead_4: still counted
    listwise = reliability(SURVEY, identity_data(), use="complete")
    assert listwise.loc["leader_identity", "n"] == 3  # rows 0, 2 and 5 answered every item
    # (with six respondents pairwise alpha can exceed 1; a realistic sample brackets it)
    from leadership_eval.simulate import simulate_responses

    rel = reliability(SURVEY, simulate_responses(SURVEY, 500, seed=4))
    assert (rel["alpha_ci_low"] < rel["alpha"]).all() and (
        rel["alpha"] < rel["alpha_ci_high"]
    ).all()


def test_reliability_edge_cases() -> None:
    from leadership_eval.instruments.loader import loads_instrument

    two = loads_instrument(
        FULL_SURVEY.replace("items: [dev_1, dev_2, dev_3]", "items: [dev_1, dev_2]")
    )
    rel = reliability(two, identity_data(), scales="development").loc["development"]
    assert np.isnan(rel["omega_total"])  # a one-factor model needs three items
    assert np.isfinite(rel["alpha"])
    stats = item_statistics(two, identity_data(), "development")
    assert stats["alpha_if_deleted"].isna().all()
    constant = identity_data().assign(dev_1=[1] * 6, dev_2=[1] * 6, dev_3=[1] * 6)
    rel = reliability(SURVEY, constant, scales="development").loc["development"]
    assert np.isnan(rel["alpha"]) and np.isnan(rel["std_alpha"])
    with pytest.raises(ConfigurationError, match="use must be"):
        reliability(SURVEY, identity_data(), use="everything")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="ci must be"):
        reliability(SURVEY, identity_data(), ci=95)


def test_reverse_keying_matters_to_reliability() -> None:
    rng = np.random.default_rng(5)
    theta = rng.standard_normal(400)
    cols = {}
    for item in ["lead_1", "lead_2", "lead_3", "lead_4"]:
        y = 0.8 * theta + 0.6 * rng.standard_normal(400)
        y = -y if item == "lead_2" else y
        cols[item] = np.clip(np.round(3 + y), 1, 5).astype(int)
    data = pd.DataFrame(cols).assign(dev_1=1, dev_2=2, dev_3=3)
    rel = reliability(SURVEY, data, scales="leader_identity").loc["leader_identity"]
    assert rel["alpha"] > 0.8 and rel["omega_total"] > 0.8
    stats = item_statistics(SURVEY, data, "leader_identity")
    assert (stats["r_drop"] > 0.5).all()
    assert stats.loc["lead_2", "reversed"]


# ----------------------------------------------------------------------------- item summary


def summary_data() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "trust": pd.Series(["t01", "t01", "t02", "t02", None, "t01"], dtype="str"),
            "grade": pd.Series(["fy1", "ct", "pnts", None, "st", "ct"], dtype="str"),
            "lead_1": pd.array([5, 4, 9, 1, None, 4], dtype="Int64"),
            "acts": pd.Series(["qi audit", "teach", None, "none", "qi", "qi  teach"], dtype="str"),
        }
    )


def test_item_summary_counts_percentages_and_top_two() -> None:
    out = item_summary(SURVEY, summary_data(), items=["lead_1", "grade"])
    assert list(out.columns) == [
        "item",
        "code",
        "label",
        "missing",
        "n",
        "percent",
        "n_valid",
        "n_missing",
        "percent_agreeing",
    ]
    lead = out[out["item"] == "lead_1"].set_index("code")
    assert list(lead.index) == [1, 2, 3, 4, 5, 8, 9]
    assert lead["n"].tolist() == [1, 0, 0, 2, 1, 0, 1]
    assert lead.loc[4, "percent"] == pytest.approx(50.0)  # 2 of 4 valid answers
    assert np.isnan(lead.loc[9, "percent"]) and lead.loc[9, "missing"]
    assert (lead["n_valid"] == 4).all() and (lead["n_missing"] == 2).all()
    assert lead["percent_agreeing"].iloc[0] == pytest.approx(75.0)  # codes 4 and 5
    assert lead.loc[5, "label"] == "Strongly agree"
    grade = out[out["item"] == "grade"].set_index("code")
    assert grade["n"].to_dict() == {"fy1": 1, "fy2": 0, "ct": 2, "st": 1, "pnts": 1}
    assert grade["percent_agreeing"].isna().all()  # not an ordered list
    assert grade.loc["ct", "percent"] == pytest.approx(50.0)


def test_item_summary_multi_choice_both_layouts() -> None:
    raw = summary_data()
    out = item_summary(SURVEY, raw, items="acts").set_index("code")
    assert out["n"].to_dict() == {"qi": 3, "audit": 1, "teach": 2, "none": 1}
    assert out["n_valid"].iloc[0] == 4  # 'none' (a missing code) and the blank are not valid
    assert out.loc["qi", "percent"] == pytest.approx(75.0)
    clean = raw.drop(columns="acts")
    for code in ("qi", "audit", "teach"):
        flags = (
            raw["acts"]
            .str.split()
            .map(lambda v, c=code: None if not isinstance(v, list) else int(c in v))
        )
        clean[f"acts__{code}"] = pd.array(flags, dtype="Int8")
    clean.loc[3, ["acts__qi", "acts__audit", "acts__teach"]] = pd.NA  # 'none' -> NA in clean
    out2 = item_summary(SURVEY, clean, items="acts").set_index("code")
    assert out2["n"].to_dict() == {"qi": 3, "audit": 1, "teach": 2, "none": 0}
    assert out2.loc["qi", "percent"] == pytest.approx(75.0)


def test_item_summary_by_group_keeps_missing_group() -> None:
    out = item_summary(SURVEY, summary_data(), by="trust", items=["lead_1"])
    assert out.columns[0] == "trust"
    sizes = out.groupby("trust", dropna=False)["n"].sum()
    assert sizes.sum() == 5  # every answer of lead_1 (one blank) is counted in some group
    assert out["trust"].isna().sum() == 7  # the respondent without a trust is its own group
    t01 = out[out["trust"] == "t01"].set_index("code")
    assert t01["n"].to_dict() == {1: 0, 2: 0, 3: 0, 4: 2, 5: 1, 8: 0, 9: 0}
    assert t01["percent_agreeing"].iloc[0] == pytest.approx(100.0)


def test_item_summary_default_items_and_errors() -> None:
    data = summary_data().assign(
        mentor=pd.array([1, 0, 1, 1, None, 0], dtype="Int64"),
        mentor_help=pd.array([4] * 6, dtype="Int64"),
    )
    for c in ("lead_2", "lead_3", "lead_4", "dev_1", "dev_2", "dev_3"):
        data[c] = pd.array([1] * 6, dtype="Int64")
    out = item_summary(SURVEY, data, by="trust")
    assert "trust" not in set(out["item"])
    assert set(out["item"]) == {
        "grade",
        "lead_1",
        "lead_2",
        "lead_3",
        "lead_4",
        "dev_1",
        "dev_2",
        "dev_3",
        "mentor",
        "mentor_help",
        "acts",
    }
    with pytest.raises(ConfigurationError, match="years"):
        item_summary(SURVEY, data, items=["years"])
    # values that are no code are set aside by the validation rules, as everywhere
    bad = data.assign(grade=["fy1", "xx", None, None, None, None])
    with pytest.warns(le.DataWarning, match="1 invalid-code"):
        out = item_summary(SURVEY, bad, items="grade")
    assert out["n"].sum() == 1 and out["n_missing"].iloc[0] == 5
    with pytest.warns(le.DataWarning, match="invalid-code"):
        out = item_summary(SURVEY, data.assign(acts="qi golf"), items="acts")
    assert out["n"].sum() == 0
    with pytest.raises(DataError, match="group by"):
        item_summary(SURVEY, data, by="nope")


# -------------------------------------------------------------------------------- the CLI


def test_score_command(tmp_path: Path) -> None:
    from leadership_eval.simulate import simulate_responses

    survey_path = tmp_path / "survey.yaml"
    survey_path.write_text(FULL_SURVEY)
    data = simulate_responses(SURVEY, 300, seed=2)
    responses = tmp_path / "responses.csv"
    data.to_csv(responses, index=False)
    out = tmp_path / "scores.csv"
    rel_out = tmp_path / "rel.csv"
    result = CliRunner().invoke(
        app,
        [
            "score",
            str(survey_path),
            str(responses),
            "--out",
            str(out),
            "--reliability",
            str(rel_out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "leader_identity" in result.output and "alpha" in result.output
    scores = pd.read_csv(out)
    assert list(scores.columns) == ["rid", "leader_identity", "development"]
    assert len(scores) == 300 and scores["rid"].iloc[0] == "R00001"
    expected = score(SURVEY, data)
    np.testing.assert_allclose(scores["leader_identity"], expected["leader_identity"])
    rel = pd.read_csv(rel_out)
    assert rel["scale"].tolist() == ["leader_identity", "development"]
    assert rel["alpha"].between(0.5, 1).all()


def test_score_command_errors(tmp_path: Path) -> None:
    survey_path = tmp_path / "survey.yaml"
    survey_path.write_text(FULL_SURVEY)
    responses = tmp_path / "responses.csv"
    pd.DataFrame({"lead_1": [1, 7]}).to_csv(responses, index=False)
    # a code outside the list is set aside and said so; --strict makes it an error
    result = CliRunner().invoke(
        app, ["score", str(survey_path), str(responses), "--out", str(tmp_path / "o.csv")]
    )
    assert result.exit_code == 0, result.output
    assert "invalid-code" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(
        app,
        ["score", str(survey_path), str(responses), "--out", str(tmp_path / "o.csv"), "--strict"],
    )
    assert result.exit_code != 0 and "Traceback" not in result.output
    result = CliRunner().invoke(
        app, ["score", str(survey_path), str(tmp_path / "missing.csv"), "--out", "o.csv"]
    )
    assert result.exit_code == 1 and "error:" in result.output


def test_input_data_is_not_modified() -> None:
    data = identity_data().astype("float64")
    before = data.copy()
    score(SURVEY, data)
    reliability(SURVEY, data)
    item_statistics(SURVEY, data, "leader_identity")
    pd.testing.assert_frame_equal(data, before)


def test_omega_says_why_it_is_missing() -> None:
    from leadership_eval.instruments.loader import loads_instrument

    survey = loads_instrument(
        """
kind: survey
id: om
version: 1.0.0
title: Om
choice_lists:
  a5:
    ordered: true
    options: [{code: 1, label: A}, {code: 2, label: B}, {code: 3, label: C}, {code: 4, label: D},
              {code: 5, label: E}]
sections:
  - id: s
    title: S
    items:
      - {id: a, type: likert, choices: a5, text: A}
      - {id: b, type: likert, choices: a5, text: B}
      - {id: c, type: likert, choices: a5, text: C}
      - {id: d, type: likert, choices: a5, text: D}
      - {id: e, type: likert, choices: a5, text: E}
scales:
  - {id: two, title: Two, items: [a, b]}
  - {id: flat, title: Flat, items: [a, b, d]}
  - {id: ok, title: OK, items: [a, b, c]}
  - {id: edge, title: Edge, items: [a, b, e]}
"""
    )
    data = pd.DataFrame(
        {
            "a": [1, 2, 3, 4, 5, 2, 3, 4],
            "b": [2, 2, 3, 5, 4, 1, 3, 4],
            "c": [1, 3, 3, 4, 4, 2, 2, 5],
            "d": [3] * 8,  # no variance
            # covariances with a and b of 12 and 10 (a's variance 12, cov(a, b) 10): a's
            # loading is exactly r_ab r_ae / r_be = 1, no uniqueness left
            "e": [1, 3, 3, 4, 5, 2, 2, 5],
        }
    )
    rel = reliability(survey, data)
    from leadership_eval.scoring import OMEGA_REASONS

    assert rel.loc["two", "omega_reason"] == OMEGA_REASONS["items"]
    assert rel.loc["flat", "omega_reason"] == OMEGA_REASONS["correlations"]
    assert pd.isna(rel.loc["ok", "omega_reason"]) and rel.loc["ok", "omega_total"] > 0
    assert rel.loc["edge", "omega_reason"] == OMEGA_REASONS["heywood"]
    assert rel["omega_total"].isna().tolist() == [True, True, False, True]


def _principal_axes_only(R: np.ndarray, tol: float = 1e-12, max_iter: int = 10_000) -> np.ndarray:
    """The one-factor fit by iterated principal axes alone (the fit before Newton's method
    finished it): the reference the faster fit must agree with."""
    from leadership_eval.scale_reliability import _principal_axis, _smc

    h2 = _smc(R)
    for _ in range(max_iter):
        lam = _principal_axis(R, h2)
        if np.max(np.abs(lam**2 - h2)) < tol:
            return lam
        h2 = lam**2
    return np.full(R.shape[0], np.nan)


def _corr_of(upper: list[float]) -> np.ndarray:
    """A 4 x 4 correlation matrix from r12, r13, r14, r23, r24, r34."""
    R = np.eye(4)
    R[np.triu_indices(4, 1)] = upper
    return R + np.triu(R, 1).T


def test_one_factor_fit_agrees_with_principal_axes_where_they_converge() -> None:
    from leadership_eval.scale_reliability import one_factor_minres

    rng = np.random.default_rng(20261203)
    converged = 0
    for t in range(40):
        k, n = int(rng.integers(3, 12)), int(rng.choice([30, 200, 2000]))
        x = rng.normal(size=(n, k))
        if t % 3 == 1:  # one common factor, of any strength per item
            x += rng.normal(size=(n, 1)) * rng.uniform(0, 1.5, size=k)
        elif t % 3 == 2:  # two items sharing a factor among unrelated ones
            x[:, :2] += rng.normal(size=(n, 1)) * rng.uniform(0.2, 3)
        R = np.corrcoef(x, rowvar=False)
        reference = _principal_axes_only(R, max_iter=2_000)  # (those that converge soon)
        if not np.all(np.isfinite(reference)):
            continue
        converged += 1
        np.testing.assert_allclose(one_factor_minres(R), reference, rtol=0, atol=1e-9)
    assert converged >= 25


def test_one_factor_fit_reaches_a_minimum_principal_axes_approach_too_slowly() -> None:
    from leadership_eval.scale_reliability import one_factor_minres

    R = _corr_of([0.24, 0.22, 0.32, 0.02, 0.29, -0.24])
    # principal axes alone are still 1e-12 away from their fixed point after 10,000 steps
    assert np.isnan(_principal_axes_only(R)).all()
    # R 4.x: the minres objective sum((R - l l')^2) off the diagonal, minimised by
    #   optim(fa(R, 1, fm = "minres")$loadings, obj, gr, method = "BFGS",
    #         control = list(reltol = 1e-16))  (gradient 1.8e-8 at the optimum)
    # $par = 0.378239337694, 0.374378134001, -0.113436805743, 0.867403296395;
    # psych 2.2.9 fa(R, 1, fm = "minres")$loadings = 0.37826, 0.37440, -0.11343, 0.86736
    lam = one_factor_minres(R)
    np.testing.assert_allclose(
        lam, [0.378239337694, 0.374378134001, -0.113436805743, 0.867403296395], atol=1e-8
    )
    np.testing.assert_allclose(lam, [0.37826, 0.37440, -0.11343, 0.86736], atol=1e-4)


def test_one_factor_fit_still_fails_where_a_loading_grows_without_bound() -> None:
    from leadership_eval.scale_reliability import one_factor_minres

    # psych 2.2.9 fa(R, 1, fm = "minres") stops at its bound on the uniqueness and warns
    # "An ultra-Heywood case was detected" (loadings 0.359, 1.043, -0.139, 0.348)
    R = _corr_of([0.51, 0.4, -0.1, -0.3, 0.44, -0.05])
    assert np.isnan(one_factor_minres(R)).all()
    assert np.isnan(one_factor_minres(R, max_iter=50)).all()
