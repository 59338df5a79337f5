"""Tests of leadership_eval.mixed against lme4 and lmerTest.

The references are printed by ``tests/r/mixed.R`` (R 4.2.2, lme4 1.1-31, lmerTest 3.1-3) on
``tests/data/stats/mixed.csv`` (165 trainees in 12 trusts of 5-40).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from leadership_eval.errors import ConfigurationError, DataError
from leadership_eval.mixed import linear_mixed_model, logistic_mixed_model

DATA = pd.read_csv(Path(__file__).parent / "data" / "stats" / "mixed.csv")


def test_linear_mixed_model_matches_lmertest_satterthwaite() -> None:
    res = linear_mixed_model(DATA, "y", ["x", "grade"], "g")
    f = res.fixed.set_index("term")
    # R: summary(lmer(y ~ x + grade + (1 | g), d))$coefficients (lmerTest, Satterthwaite)
    expected = {
        "intercept": (3.2967904237241, 0.3730296086615, 12.0033535183, 1.33445604204e-06),
        "x": (0.0412993881301, 0.0312179817428, 9.9768085516, 2.15375932340e-01),
        "grade[fy1]": (-0.0872559514690, 0.1748905843756, 152.1202760706, 6.18558301305e-01),
        "grade[fy2]": (-0.1595287910639, 0.1685935396349, 151.5577069212, 3.45535875533e-01),
        "grade[reg]": (0.3038774317062, 0.1726288928493, 152.1728334547, 8.03672211730e-02),
    }
    # Tolerances: 1e-5 relative (lmer's optimiser stops with the variance ratio good to about
    # 1e-7; our REML optimum is found to 1e-11)
    for term, (coef, se, df, p) in expected.items():
        assert f.loc[term, "coef"] == pytest.approx(coef, abs=1e-8)
        assert f.loc[term, "se"] == pytest.approx(se, rel=1e-6)
        assert f.loc[term, "df"] == pytest.approx(df, rel=1e-5)
        assert f.loc[term, "p_value"] == pytest.approx(p, rel=1e-5)
    # R: as.data.frame(VarCorr(m))$vcov -> 0.399449467197 0.534740412453; logLik -199.774598633
    assert res.tau2 == pytest.approx(0.399449467197, rel=1e-6)
    assert res.sigma2 == pytest.approx(0.534740412453, rel=1e-6)
    assert res.loglik == pytest.approx(-199.774598633, abs=1e-6)
    assert res.df_method == "Satterthwaite" and res.method == "REML"


def test_few_unbalanced_trusts_give_few_degrees_of_freedom() -> None:
    d6 = DATA[DATA["g"].isin(["t00", "t01", "t02", "t09", "t10", "t11"])]
    res = linear_mixed_model(d6, "y", "x", "g").fixed.set_index("term")
    # R: lmer(y ~ x + (1 | g), d6) -> x: df 3.56862598022, p 0.6760510659339
    assert res.loc["x", "df"] == pytest.approx(3.56862598022, rel=1e-6)
    assert res.loc["x", "p_value"] == pytest.approx(0.6760510659339, rel=1e-6)
    assert res.loc["intercept", "df"] == pytest.approx(3.47838140908, rel=1e-6)


def test_a_zero_variance_estimate_matches_lmertest() -> None:
    d0 = DATA.assign(
        y0=np.round(3 + 0.2 * DATA["contact"] + np.sin(np.arange(1, len(DATA) + 1)) * 0.7, 3)
    )
    res = linear_mixed_model(d0, "y0", "contact", "g")
    # R: lmer(y0 ~ contact + (1 | g), d0) -> boundary (singular) fit; contact: SE
    # 0.0764595607224, df 162.999999997, p 0.894264081953; residual variance 0.240432686024
    f = res.fixed.set_index("term")
    assert res.tau2 == pytest.approx(0.0, abs=1e-10)
    assert res.sigma2 == pytest.approx(0.240432686024, rel=1e-9)
    assert f.loc["contact", "se"] == pytest.approx(0.0764595607224, rel=1e-9)
    assert f.loc["contact", "df"] == pytest.approx(163.0, rel=1e-8)
    assert f.loc["contact", "p_value"] == pytest.approx(0.894264081953, rel=1e-8)


@pytest.mark.parametrize(
    ("nagq", "expected", "theta", "loglik", "se_rel"),
    [
        # R: glmer(wb ~ contact + grade + (1 | g), d, family = binomial) (Laplace)
        (
            1,
            {
                "intercept": (-0.528989907640, 0.431921454971),
                "contact": (0.923739578465, 0.355423646104),
                "grade[fy1]": (-0.864083197286, 0.511580524535),
                "grade[fy2]": (-0.439756712954, 0.486494530267),
                "grade[reg]": (0.240276761691, 0.486701300689),
            },
            0.434726058061,
            -106.360366313,
            1e-3,
        ),
        # R: the same with nAGQ = 15
        (
            15,
            {
                "intercept": (-0.530333537028, 0.433447750065),
                "contact": (0.926387446270, 0.355923782248),
                "grade[fy1]": (-0.864466587392, 0.512147080759),
                "grade[fy2]": (-0.441176704733, 0.487023524044),
                "grade[reg]": (0.239939844614, 0.487083551560),
            },
            0.445905148514,
            -106.337936531,
            1e-4,
        ),
    ],
)
def test_logistic_mixed_model_matches_glmer(
    nagq: int, expected: dict[str, tuple[float, float]], theta: float, loglik: float, se_rel: float
) -> None:
    # Tolerances: coefficients 1e-4 absolute (glmer's bobyqa stops about 4e-6 short of the
    # maximum here: our log-likelihood is that much higher), standard errors 1e-3 relative for
    # Laplace and 1e-4 for quadrature (glmer's Hessian is a finite-difference one at its own
    # optimum), log-likelihood 1e-5.
    res = logistic_mixed_model(DATA, "wb", ["contact", "grade"], "g", nagq=nagq)
    f = res.fixed.set_index("term")
    for term, (coef, se) in expected.items():
        assert f.loc[term, "coef"] == pytest.approx(coef, abs=1e-4)
        assert f.loc[term, "se"] == pytest.approx(se, rel=se_rel)
    assert res.tau2**0.5 == pytest.approx(theta, abs=1e-4)
    assert res.loglik == pytest.approx(loglik, abs=1e-5)
    assert res.loglik >= loglik - 1e-9  # never a worse optimum than glmer's
    # between-within df: intercept J - 1 = 11; individual-level terms N - J - 4 = 149
    assert f.loc["intercept", "df"] == 11
    assert f.loc["contact", "df"] == 165 - 12 - 4
    assert (f["p_value"] >= f["p_wald"]).all()


def test_rows_with_missing_values_are_reported_not_dropped_silently() -> None:
    d = DATA.copy()
    d.loc[[0, 5], "y"] = np.nan
    d.loc[7, "grade"] = None
    res = linear_mixed_model(d, "y", ["x", "grade"], "g")
    assert res.n == len(d) - 3
    assert res.excluded["row"].tolist() == [0, 5, 7]
    assert res.excluded["reason"].tolist() == ["missing y", "missing y", "missing grade"]


def test_mixed_model_errors() -> None:
    with pytest.raises(DataError, match="not in the data"):
        linear_mixed_model(DATA, "nope", "x", "g")
    with pytest.raises(DataError, match="collinear"):
        linear_mixed_model(DATA.assign(x2=DATA["x"] * 2), "y", ["x", "x2"], "g")
    with pytest.raises(DataError, match="0/1"):
        logistic_mixed_model(DATA, "y", "x", "g")
    with pytest.raises(ConfigurationError, match="nagq"):
        logistic_mixed_model(DATA, "wb", "x", "g", nagq=0)
    with pytest.raises(DataError, match="at least 3 groups"):
        linear_mixed_model(DATA[DATA["g"].isin(["t00", "t01"])], "y", "x", "g")
