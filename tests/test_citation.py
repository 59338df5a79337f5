"""CITATION.cff: the software is the preferred citation; the instruments are a citable work of
their own, with their own version and licence; the original evaluation and the frameworks the
items are tagged to are listed."""

from __future__ import annotations

from pathlib import Path

import yaml

import leadership_eval as le

ROOT = Path(__file__).resolve().parent.parent


def test_preferred_citation_and_the_instruments_entry() -> None:
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    preferred = cff["preferred-citation"]
    assert preferred["type"] == "software" and preferred["title"] == cff["title"]
    assert str(preferred["version"]) == le.__version__ and preferred["license"] == "MIT"
    references = cff["references"]
    instruments = references[0]
    assert instruments["title"] == "Clinical Leadership Mentor evaluation instruments"
    catalogue = le.load_catalogue()
    # the instruments' own licence and version: the release of the main surveys
    assert {inst.licence for inst in catalogue.values()} == {instruments["license"]}
    assert instruments["version"] == catalogue["trainee-survey"].version
    assert instruments["license"] != cff["license"]
    titles = " ".join(r["title"] for r in references[1:])
    for needed in (
        "clinical leadership mentors programme in the South West",
        "Healthcare Leadership Model",
        "Medical Leadership Competency Framework",
        "Generic professional capabilities",
        "Leadership and management standards",
    ):
        assert needed in titles, needed
    original = references[1]
    assert (original["journal"], original["year"], original["volume"]) == ("BMJ Leader", 2020, 4)
