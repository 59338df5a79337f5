"""Scores and reliability held to R psych (and pingouin) on committed data sets.

The data sets (tests/data/psych/set_*.csv) were made by ``make_data.py`` in that folder; the
expected values below were printed by ``reference.R`` there (R 4.2, psych 2.2.9; its output is
``reference.out``). Each reverse-keyed item was reversed in R as ``(lo + hi) - x`` before
``psych::alpha(..., check.keys = FALSE)``; ``scoreItems`` was given the keys with a minus sign.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pingouin as pg
import pytest

from leadership_eval.instruments.loader import loads_instrument
from leadership_eval.instruments.models import Survey
from leadership_eval.scale_reliability import _pairwise_cov
from leadership_eval.scoring import (
    item_statistics,
    one_factor_minres,
    reliability,
    score,
)

DATA = Path(__file__).parent / "data" / "psych"


def survey_for(
    prefix: str,
    items: list[str],
    reverse: list[str],
    top: int,
    scales: dict[str, list[str]] | None = None,
) -> Survey:
    options = "\n".join(f"          - {{code: {c}, label: L{c}}}" for c in range(1, top + 1))
    item_lines = "\n".join(
        f"          - {{id: {i}, type: likert, choices: scale, text: Item {i}}}" for i in items
    )
    scales = scales or {prefix: items}
    scale_lines = "\n".join(
        f"      - {{id: {sid}, title: {sid}, items: [{', '.join(its)}], "
        f"reverse: [{', '.join(r for r in reverse if r in its)}], min_answered: 1}}"
        for sid, its in scales.items()
    )
    text = f"""
kind: survey
id: psych-{prefix.replace("_", "-")}
version: 1.0.0
title: psych reference set
choice_lists:
      scale:
        ordered: true
        options:
{options}
        missing:
          - {{code: 99, label: Prefer not to say}}
sections:
      - id: s
        title: S
        items:
{item_lines}
scales:
{scale_lines}
"""
    survey = loads_instrument(text)
    assert isinstance(survey, Survey)
    return survey


def load(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / f"{name}.csv", dtype="Int64")


SET_A = survey_for("a", [f"a{i}" for i in range(1, 7)], ["a3", "a5"], 5)
SET_B = survey_for("b", [f"b{i}" for i in range(1, 6)], ["b2", "b4"], 7)
SET_C = survey_for(
    "c",
    [f"c{i}" for i in range(1, 11)],
    ["c2", "c6", "c10"],
    5,
    {"c_one": ["c1", "c2", "c3", "c4", "c5"], "c_two": ["c6", "c7", "c8", "c9", "c10"]},
)

# Expected values, from tests/data/psych/reference.R (R psych 2.2.9):
#   a  <- psych::alpha(xk, check.keys = FALSE)            # xk: x with reverse items as (lo+hi)-x
#   al <- psych::alpha(xk, check.keys = FALSE, use = "complete.obs")
#   R  <- cov2cor(cov(xk, use = "pairwise"))
#   om <- psych::omega(R, nfactors = 1, n.obs = nrow(x))  # om$omega.tot
#   fa <- psych::fa(R, 1, fm = "minres", n.obs = nrow(x)) # fa$loadings
#   sc <- psych::scoreItems(keys, x, totals = FALSE, min = lo, max = hi, impute = "none")
#   st <- psych::scoreItems(keys, x, totals = TRUE, min = lo, max = hi, impute = "none")
PSYCH = {
    ("set_a", "a"): {
        "raw_alpha": 0.732075720304231,  # a$total$raw_alpha
        "std_alpha": 0.733117077599668,  # a$total$std.alpha
        "average_r": 0.314047502029235,  # a$total$average_r
        "feldt": (0.670167259826992, 0.785754614486114),  # a$feldt lower.ci, upper.ci
        "r_drop": [
            0.530509095451237,
            0.47470657891117,
            0.460432453277747,
            0.605872995215919,
            0.372760293720814,
            0.369452234665675,
        ],  # a$item.stats$r.drop
        "alpha_drop": [
            0.675741576266228,
            0.692382423863268,
            0.696764206972176,
            0.655262859354085,
            0.722228118664115,
            0.721055450762119,
        ],  # a$alpha.drop$raw_alpha
        "mean": [
            3.02673796791444,
            3.11340206185567,
            2.64210526315789,
            3.09473684210526,
            3.09230769230769,
            3.38974358974359,
        ],  # a$item.stats$mean
        "sd": [
            0.986103197942055,
            1.00130783555814,
            1.01747471893697,
            0.932354182655873,
            1.00600890923291,
            0.926081110148931,
        ],  # a$item.stats$sd
        "n": [187, 194, 190, 190, 195, 195],  # a$item.stats$n
        "raw_alpha_complete": 0.719442368765178,  # al$total$raw_alpha
        "std_alpha_complete": 0.720210953625434,  # al$total$std.alpha
        "omega_tot": 0.738583918184264,  # om$omega.tot
        "loadings": [
            0.642011990366496,
            0.559050937818575,
            0.54954178673786,
            0.743897265882815,
            0.443779508019208,
            0.437669473945352,
        ],  # fa$loadings
        "scores12": [
            3.5,
            3.5,
            3.2,
            2.66666666666667,
            2.8,
            1.66666666666667,
            2.83333333333333,
            2.66666666666667,
            3.2,
            3.5,
            3.16666666666667,
            2.83333333333333,
        ],  # sc$scores[1:12, 1]
        "score_sum": 611.95,  # sum(sc$scores[, 1], na.rm = TRUE)
        "totals12": [
            21,
            21,
            16,
            10,
            17,
            16,
            21,
            19,
            17,
            25,
            13,
            18,
        ],  # st$scores[complete, 1][1:12]
        "complete12": [1, 2, 4, 6, 7, 8, 10, 11, 12, 14, 15, 16],  # which(complete.cases(x))[1:12]
    },
    ("set_b", "b"): {
        "raw_alpha": 0.659211419604028,
        "std_alpha": 0.6658774853442,
        "average_r": 0.284990506544922,
        "feldt": (0.564686603076109, 0.738410510494898),
        "r_drop": [
            0.512976815893377,
            0.529259473842931,
            0.164002229636143,
            0.360222705273215,
            0.547671737810268,
        ],
        "alpha_drop": [
            0.558035716399849,
            0.550540792077827,
            0.725099444062786,
            0.629875403422699,
            0.543542828582308,
        ],
        "mean": [
            4.01538461538462,
            3.56428571428571,
            4.16417910447761,
            3.33088235294118,
            4.4962962962963,
        ],
        "sd": [
            1.56999291651301,
            1.55109946749647,
            1.68225604807634,
            1.39870388182045,
            1.5055820220055,
        ],
        "n": [130, 140, 134, 136, 135],
        "raw_alpha_complete": 0.682727210798291,
        "std_alpha_complete": 0.689724280617606,
        "omega_tot": 0.688525070705005,
        "loadings": [
            0.678452310378777,
            0.646050532423955,
            0.193999681938622,
            0.472059283052566,
            0.727408224311889,
        ],
        "scores12": [4.33333333333333, 4.5, 4, 4.6, 5, 5, 3.5, 5.25, 4.5, 4, 3.6, 2],
        "score_sum": 587.833333333333,
        "totals12": [23, 25, 18, 16, 23, 21, 25, 11, 16, 24, 19, 20],
        "complete12": [4, 6, 11, 14, 16, 17, 18, 19, 22, 23, 24, 25],
    },
    ("set_c", "c_one"): {
        "raw_alpha": 0.724830455909666,
        "std_alpha": 0.724211387365403,
        "average_r": 0.344345317663195,
        "feldt": (0.672338447005723, 0.771164014675208),
        "r_drop": [
            0.538712750706847,
            0.525105519185884,
            0.483213546939225,
            0.365794799420177,
            0.510738501833715,
        ],
        "alpha_drop": [
            0.656714757946022,
            0.661426942193045,
            0.678383570993052,
            0.721951583769216,
            0.667317449544516,
        ],
        "mean": [
            3.2560553633218,
            2.75086505190311,
            3.00692041522491,
            2.89690721649485,
            2.98591549295775,
        ],
        "sd": [
            1.02917831153025,
            1.07053705975511,
            1.04414066070559,
            1.0220115670019,
            1.06989590651794,
        ],
        "n": [289, 289, 289, 291, 284],
        "raw_alpha_complete": 0.721426181621649,
        "std_alpha_complete": 0.720405431214505,
        "omega_tot": 0.727862627027922,
        "loadings": [
            0.665178027647841,
            0.639175953122046,
            0.585460491616211,
            0.429825473694451,
            0.621777210633,
        ],
        "scores12": [2.6, 3.5, 3.2, 3.6, 2.6, 3.2, 3.4, 3.6, 3.8, 2.2, 2.4, 3.8],
        "score_sum": 894.216666666667,
        "totals12": [13, 16, 18, 13, 16, 17, 18, 19, 11, 12, 19, 12],
        "complete12": [1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13],
    },
    ("set_c", "c_two"): {
        "raw_alpha": 0.705221690875369,
        "std_alpha": 0.706471758939864,
        "average_r": 0.324947125820873,
        "feldt": (0.648989066445903, 0.754857009906713),
        "r_drop": [
            0.497621351556716,
            0.398825157761887,
            0.54899503618729,
            0.477687437365948,
            0.392032012404641,
        ],
        "alpha_drop": [
            0.642585708334439,
            0.683205378170195,
            0.620271064343015,
            0.649847113892515,
            0.684447144742165,
        ],
        "mean": [
            2.96402877697842,
            3.23404255319149,
            3.06713780918728,
            3.32517482517482,
            2.97909407665505,
        ],
        "sd": [
            0.960671184913281,
            1.04106637002397,
            0.988810413644988,
            1.04756818018491,
            0.992761502179424,
        ],
        "n": [278, 282, 283, 286, 287],
        "raw_alpha_complete": 0.700128925585602,
        "std_alpha_complete": 0.701101311361524,
        "omega_tot": 0.710487362548272,
        "loadings": [
            0.619578766555344,
            0.479164058269222,
            0.691922234732766,
            0.602796363097414,
            0.464020416772629,
        ],
        "scores12": [3, 3.6, 2.6, 3.2, 2.6, 3.2, 2.6, 3.25, 3.4, 2.2, 4.4, 3.4],
        "score_sum": 932.483333333333,
        "totals12": [18, 13, 16, 13, 16, 13, 17, 11, 22, 17, 16, 18],
        "complete12": [2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 16],
    },
}
CASES = list(PSYCH.items())
IDS = [f"{name}-{scale}" for (name, scale), _ in CASES]
SURVEYS = {"set_a": SET_A, "set_b": SET_B, "set_c": SET_C}


@pytest.mark.parametrize(("key", "ref"), CASES, ids=IDS)
def test_reliability_matches_psych_alpha(key: tuple, ref: dict) -> None:
    name, scale = key
    survey = SURVEYS[name]
    rel = reliability(survey, load(name), scales=[scale]).loc[scale]
    assert rel["alpha"] == pytest.approx(ref["raw_alpha"], abs=1e-10)
    assert rel["std_alpha"] == pytest.approx(ref["std_alpha"], abs=1e-10)
    assert rel["average_r"] == pytest.approx(ref["average_r"], abs=1e-10)
    # psych's Feldt interval uses all rows; every row of these sets answered something
    assert rel["n"] == len(load(name))
    assert rel["alpha_ci_low"] == pytest.approx(ref["feldt"][0], abs=1e-10)
    assert rel["alpha_ci_high"] == pytest.approx(ref["feldt"][1], abs=1e-10)
    # psych::fa minimises with optim (tolerance ~1e-8); we iterate to 1e-12
    assert rel["omega_total"] == pytest.approx(ref["omega_tot"], abs=1e-6)


@pytest.mark.parametrize(("key", "ref"), CASES, ids=IDS)
def test_listwise_alpha_matches_psych(key: tuple, ref: dict) -> None:
    name, scale = key
    survey = SURVEYS[name]
    data = load(name)
    rel = reliability(survey, data, scales=scale, use="complete").loc[scale]
    assert rel["alpha"] == pytest.approx(ref["raw_alpha_complete"], abs=1e-10)
    assert rel["std_alpha"] == pytest.approx(ref["std_alpha_complete"], abs=1e-10)
    items = survey.scale(scale).items
    assert rel["n"] == int(data[items].notna().all(axis=1).sum())


@pytest.mark.parametrize(("key", "ref"), CASES, ids=IDS)
def test_item_statistics_match_psych(key: tuple, ref: dict) -> None:
    name, scale = key
    survey = SURVEYS[name]
    stats = item_statistics(survey, load(name), scale)
    assert list(stats.index) == survey.scale(scale).items
    np.testing.assert_allclose(stats["r_drop"], ref["r_drop"], atol=1e-10)
    np.testing.assert_allclose(stats["alpha_if_deleted"], ref["alpha_drop"], atol=1e-10)
    np.testing.assert_allclose(stats["mean"], ref["mean"], atol=1e-10)
    np.testing.assert_allclose(stats["sd"], ref["sd"], atol=1e-10)
    assert stats["n"].tolist() == ref["n"]
    assert stats["reversed"].tolist() == [i in survey.scale(scale).reverse for i in stats.index]


@pytest.mark.parametrize(("key", "ref"), CASES, ids=IDS)
def test_one_factor_loadings_match_psych_fa(key: tuple, ref: dict) -> None:
    name, scale = key
    survey = SURVEYS[name]
    data = load(name)[survey.scale(scale).items].astype("float64").to_numpy()
    sc = survey.scale(scale)
    for j, item in enumerate(sc.items):
        if item in sc.reverse:
            data[:, j] = 6 - data[:, j] if name != "set_b" else 8 - data[:, j]
    C, _ = _pairwise_cov(data)
    d = np.sqrt(np.diag(C))
    lam = one_factor_minres(C / np.outer(d, d))
    np.testing.assert_allclose(lam, ref["loadings"], atol=2e-5)


@pytest.mark.parametrize(("key", "ref"), CASES, ids=IDS)
def test_mean_scores_match_psych_score_items(key: tuple, ref: dict) -> None:
    name, scale = key
    survey = SURVEYS[name]
    s = score(survey, load(name), scales=scale)[scale]
    np.testing.assert_allclose(s.iloc[:12], ref["scores12"], atol=1e-12)
    assert s.sum() == pytest.approx(ref["score_sum"], abs=1e-9)
    assert s.notna().all()  # min_answered: 1, every row answered something


@pytest.mark.parametrize(("key", "ref"), CASES, ids=IDS)
def test_sum_scores_of_complete_rows_match_psych_totals(key: tuple, ref: dict) -> None:
    name, scale = key
    survey = SURVEYS[name]
    summed = Survey.model_validate(
        {
            **survey.model_dump(by_alias=True),
            "scales": [{**s.model_dump(), "method": "sum"} for s in survey.scales],
        }
    )
    data = load(name)
    s = score(summed, data, scales=scale)[scale]
    rows = [r - 1 for r in ref["complete12"]]
    np.testing.assert_allclose(s.iloc[rows], ref["totals12"], atol=1e-12)


def test_two_scales_of_set_c_scored_together() -> None:
    # psych::scoreItems(list(c_one = c("c1","-c2","c3","c4","c5"),
    #                        c_two = c("-c6","c7","c8","c9","-c10")), x, totals = FALSE,
    #                   min = 1, max = 5, impute = "none")
    # $alpha = 0.724830455909666, 0.705221690875369 (raw alpha, as psych::alpha's)
    # $scores[1:12, 2] = 3, 3.6, 2.6, 3.2, 2.6, 3.2, 2.6, 3.25, 3.4, 2.2, 4.4, 3.4
    data = load("set_c")
    rel = reliability(SET_C, data)
    np.testing.assert_allclose(rel["alpha"], [0.724830455909666, 0.705221690875369], atol=1e-10)
    scores = score(SET_C, data)
    assert list(scores.columns) == ["c_one", "c_two"]
    np.testing.assert_allclose(
        scores["c_two"].iloc[:12], [3, 3.6, 2.6, 3.2, 2.6, 3.2, 2.6, 3.25, 3.4, 2.2, 4.4, 3.4]
    )


def test_feldt_interval_matches_pingouin_on_complete_data() -> None:
    data = load("set_a").dropna()
    keyed = data.astype("float64")
    keyed[["a3", "a5"]] = 6 - keyed[["a3", "a5"]]
    alpha, ci = pg.cronbach_alpha(keyed)  # pingouin 0.7: (alpha, CI rounded to 3 decimals)
    rel = reliability(SET_A, data).loc["a"]
    assert rel["alpha"] == pytest.approx(alpha, abs=1e-12)
    assert rel["alpha_ci_low"] == pytest.approx(ci[0], abs=5e-4)
    assert rel["alpha_ci_high"] == pytest.approx(ci[1], abs=5e-4)
    rel90 = reliability(SET_A, data, ci=0.90).loc["a"]
    _, ci90 = pg.cronbach_alpha(keyed, ci=0.90)
    assert rel90["alpha_ci_low"] == pytest.approx(ci90[0], abs=5e-4)
    assert rel90["alpha_ci_high"] == pytest.approx(ci90[1], abs=5e-4)


def test_pairwise_covariance_matches_pandas() -> None:
    # pandas' DataFrame.cov uses pairwise-complete observations, as R's cov(use = "pairwise")
    data = load("set_b").astype("float64")
    C, N = _pairwise_cov(data.to_numpy())
    np.testing.assert_allclose(C, data.cov().to_numpy(), atol=1e-12)
    assert N[0, 0] == data["b1"].notna().sum()


def test_declared_missing_codes_are_not_scored() -> None:
    # 99 (prefer not to say) where psych saw NA: identical results
    data = load("set_a")
    coded = data.copy()
    coded["a2"] = coded["a2"].fillna(99)
    pd.testing.assert_frame_equal(reliability(SET_A, coded), reliability(SET_A, data))
    pd.testing.assert_frame_equal(score(SET_A, coded), score(SET_A, data))
