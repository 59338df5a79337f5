"""The Sphinx rendering of instruments shows what adopters need (notes, placeholders, choice
filters, derived variables, prompts, codebook conventions) and says the consent gate once."""

from __future__ import annotations

import leadership_eval as le
from leadership_eval.sphinxext import instrument_rst


def _text(ident: str) -> str:
    return "\n".join(instrument_rst(le.load_instrument(ident)))


def test_survey_page() -> None:
    page = _text("trainee-survey")
    assert ".. admonition:: For adopters" in page
    assert ".. rubric:: Placeholders to fill in" in page
    assert "- ``{{data_controller}}``: The organisation that decides" in page
    assert "Options offered only where the option was chosen in In the last 12 months" in page
    assert "Asked only if the number of answers chosen in In the last 12 months" in page
    assert "Options (up to 3):" in page
    assert "(formative index: no alpha)" in page
    assert ".. rubric:: Derived variables (computed, not asked)" in page
    assert "``any_work_based``), from ``activities`` (option attribute ``work_based``:" in page
    # the consent gate is said once, not under every question
    assert page.count("Every later question is asked only of respondents who answer") == 1
    assert "Asked only if Having read this" not in page


def test_guide_and_codebook_pages() -> None:
    guide = _text("interview-supervisor")
    assert "*Prompts, read out only after the open answer:*" in guide
    assert "  - Brokering opportunities for trainees?" in guide
    codebook = _text("clm-codebook")
    for rubric in ("Case attributes", "Segment attributes", "Coding conventions"):
        assert f".. rubric:: {rubric}" in codebook
    assert "**Valence** (``valence``)" in codebook
