"""Tests of the analysis plan (the evaluation instrument's ``analysis_plan``) and
leadership_eval.plan."""

from __future__ import annotations

import pandas as pd
import pytest

from leadership_eval.errors import ConfigurationError, InstrumentError
from leadership_eval.instruments.loader import load_instrument, loads_instrument
from leadership_eval.plan import label_analyses, planned_analyses

EVALUATION = """
kind: evaluation
id: e
version: 1.0.0
title: E
scheme: A scheme
objectives: [{id: O1, text: One}]
analysis_plan:
  confirmatory:
    - {id: a, objective: OBJ, question: Q, instrument: s, analysis: ANALYSIS, measure: m}
"""


def test_the_bundled_plan_names_measures_the_bundled_instruments_have() -> None:
    plan = planned_analyses()
    assert 1 <= len(plan) <= 6  # a handful
    for row in plan.itertuples():
        survey = load_instrument(row.instrument)
        names = {i.id for i in survey.questions} | {s.id for s in survey.scales}
        assert row.measure in names, row.id
        if isinstance(row.between, str):
            assert row.between in names, row.id


def test_plan_entries_are_checked_against_the_evaluation() -> None:
    ok = loads_instrument(EVALUATION.replace("OBJ", "O1").replace("ANALYSIS", "waves"))
    assert ok.analysis_plan is not None
    with pytest.raises(InstrumentError, match="O9"):
        loads_instrument(EVALUATION.replace("OBJ", "O9").replace("ANALYSIS", "waves"))
    with pytest.raises(InstrumentError, match="between"):
        loads_instrument(EVALUATION.replace("OBJ", "O1").replace("ANALYSIS", "groups"))
    with pytest.raises(InstrumentError):
        loads_instrument(EVALUATION.replace("OBJ", "O1").replace("ANALYSIS", "anything"))


def test_label_analyses_adjusts_each_family_apart() -> None:
    res = pd.DataFrame(
        {
            "measure": ["leader_identity", "development_access", "q1", "q2"],
            "p_value": [0.02, 0.01, 0.01, 0.03],
        }
    )
    out = label_analyses(res, analysis="groups", between="mentor_contact_all")
    assert out["plan"].tolist() == ["confirmatory", "exploratory", "exploratory", "exploratory"]
    assert out["plan_id"].iloc[0] == "identity_contact"
    # one confirmatory test: Holm leaves it; three exploratory: Benjamini-Hochberg
    # R: p.adjust(c(0.01, 0.01, 0.03), "BH") -> 0.015 0.015 0.030
    assert out["p_adjusted"].tolist() == pytest.approx([0.02, 0.015, 0.015, 0.03])
    # the same measure grouped by something else is exploratory
    other = label_analyses(res, analysis="groups", between="grade")
    assert (other["plan"] == "exploratory").all()
    with pytest.raises(ConfigurationError, match="analysis must be"):
        label_analyses(res, analysis="survey")


def test_adjustments_equal_pingouin_multicomp() -> None:
    """The numpy adjustments give pingouin's multicomp values for every method."""
    import numpy as np
    import pingouin as pg

    from leadership_eval.multiplicity import adjust_pvalues

    rng = np.random.default_rng(11)
    for size in (1, 2, 7, 40):
        p = rng.uniform(0, 1, size) ** 3
        p[0] = p[-1]  # a tie
        for method in ("bonf", "sidak", "holm", "fdr_bh", "fdr_by"):
            _, expected = pg.multicomp(p, method=method)
            np.testing.assert_allclose(
                adjust_pvalues(p, method), np.minimum(expected, 1.0), rtol=1e-12
            )
