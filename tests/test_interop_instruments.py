"""The version-2 instruments on the platforms: choice filters, count(), max_choices and the
fields only analysts and adopters see.

- every bundled survey converts with pyxform (the reference XLSForm converter), with its choice
  filters as filtered itemsets, and comes back exactly from XLSForm and REDCap;
- choice filters round-trip through REDCap (our annotation, and a dictionary's own
  ``@HIDECHOICE``) and through hand-written XLSForms;
- no export shows an analyst-only field (notes for adopters, option attributes, derived
  variables, the record id) where a respondent would read it.
"""

from __future__ import annotations

import csv
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pyxform.xls2xform import convert

import leadership_eval as le
from leadership_eval.instruments.loader import load_instrument, loads_instrument
from leadership_eval.instruments.models import Survey
from leadership_eval.interop.common import InteropWarning
from leadership_eval.interop.limesurvey import to_limesurvey
from leadership_eval.interop.printable import to_printable
from leadership_eval.interop.redcap import from_redcap, to_redcap
from leadership_eval.interop.xlsform import META_SHEET, from_xlsform, to_xlsform

SURVEYS = [
    "trainee-survey",
    "supervisor-survey",
    "mentor-activity-log",
    "mentor-trust-profile",
    "interview-consent-form",
    "interview-consent-log",
    "participant-characteristics",
]


def _survey(ident: str) -> Survey:
    survey = load_instrument(ident)
    assert isinstance(survey, Survey)
    return survey


@pytest.mark.parametrize("ident", SURVEYS)
def test_every_survey_converts_and_round_trips(ident: str, tmp_path: Path) -> None:
    survey = _survey(ident)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InteropWarning)
        xlsx = to_xlsform(survey, tmp_path / "f.xlsx")
        assert convert(str(xlsx), warnings=[]).xform  # pyxform raises on a bad form
        assert from_xlsform(xlsx) == survey
        assert from_redcap(to_redcap(survey, tmp_path / "d.csv")) == survey


def test_choice_filter_and_count_in_the_xform(tmp_path: Path) -> None:
    xlsx = to_xlsform(_survey("trainee-survey"), tmp_path / "t.xlsx")
    sheet = load_workbook(xlsx)["survey"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(values_only=True) if r[1] == "most_helpful_v2")
    cells = dict(zip(header, row, strict=False))
    assert cells["choice_filter"] == "selected(${activities}, name)"
    assert cells["relevant"] == "count-selected(${activities}) >= 2"
    xform = convert(str(xlsx), warnings=[]).xform
    # the reference converter makes the filter a predicate on the list's itemset
    assert re.search(
        r"<itemset nodeset=\"instance\('activity'\)/root/item\[selected\( "
        r"/data/leadership_activities/activities , name\)\]\">",
        xform,
    )
    meanings = next(r for r in sheet.iter_rows(values_only=True) if r[1] == "meaning_top3")
    assert "count-selected(.) <= 3" in dict(zip(header, meanings, strict=False))["constraint"]


def test_choice_filter_in_redcap(tmp_path: Path) -> None:
    survey = _survey("trainee-survey")
    path = to_redcap(survey, tmp_path / "d.csv")
    rows = {r["Variable / Field Name"]: r for r in csv.DictReader(path.open(encoding="utf-8"))}
    row = rows["most_helpful_v2"]
    # REDCap cannot hide options that depend on another answer: the note pipes the answer
    assert row["Field Note"] == "(Your earlier answer: [activities:checked].)"
    assert "@HIDECHOICE" not in row["Field Annotation"]  # no option is never offered
    assert row["Branching Logic (Show field only if...)"].startswith("sum([activities(qi)], ")
    assert rows["meaning_top3"]["Field Annotation"].startswith("@MAXCHECKED=3\n")


FILTERED = """\
kind: survey
id: f
version: 1.0.0
title: F
choice_lists:
  l: {options: [{code: a, label: A}, {code: b, label: B}, {code: c, label: C}]}
sections:
  - id: s
    title: S
    items:
      - {id: m, type: multi_choice, choices: l, text: M, max_choices: 2, help: Two at most.}
      - {id: c1, type: choice, choices: l, text: C1, help: Pick one.,
         choice_filter: "selected(m, choice) and choice != 'c'"}
      - {id: c2, type: choice, choices: l, text: C2, choice_filter: "choice not in ['b']"}
"""


def test_choice_filters_round_trip_and_read_hidechoice(tmp_path: Path) -> None:
    survey = loads_instrument(FILTERED)
    assert isinstance(survey, Survey)
    path = to_redcap(survey, tmp_path / "d.csv")
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    by = {r["Variable / Field Name"]: r for r in rows}
    # never offered: hidden by REDCap itself; offered depending on m: piped into the note
    assert by["c1"]["Field Annotation"].startswith("@HIDECHOICE='c'\n")
    assert by["c1"]["Field Note"] == "Pick one.\n(Your earlier answer: [m:checked].)"
    assert by["c2"]["Field Annotation"].startswith("@HIDECHOICE='b'\n")
    assert by["c2"]["Field Note"] == ""
    assert by["m"]["Field Annotation"].startswith("@MAXCHECKED=2\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error", InteropWarning)
        assert from_redcap(path) == survey
    # a dictionary edited in REDCap: its @HIDECHOICE wins, with a warning
    text = path.read_text(encoding="utf-8").replace("@HIDECHOICE='b'", "@HIDECHOICE='a,b'")
    edited = tmp_path / "edited.csv"
    edited.write_text(text, encoding="utf-8")
    with pytest.warns(InteropWarning, match="@HIDECHOICE of 'c2' was changed"):
        back = from_redcap(edited)
    assert back.item("c2").choice_filter == "choice not in ['a', 'b']"
    # anyone's dictionary: @HIDECHOICE is read as a filter; @MAXCHECKED as max_choices
    plain = tmp_path / "plain.csv"
    with plain.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "Variable / Field Name",
                "Form Name",
                "Field Type",
                "Field Label",
                "Choices, Calculations, OR Slider Labels",
                "Field Annotation",
            ]
        )
        w.writerow(["record_id", "f", "text", "Record ID", "", ""])
        w.writerow(["acts", "f", "checkbox", "Acts", "1, A | 2, B | 3, C", "@MAXCHECKED=2"])
        w.writerow(["best", "f", "radio", "Best", "1, A | 2, B | 3, C", "@HIDECHOICE='3'"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InteropWarning)
        read = from_redcap(plain)
    assert read.item("best").choice_filter == "choice not in [3]"
    assert read.item("acts").max_choices == 2


def test_choice_filters_from_xlsform(tmp_path: Path) -> None:
    survey = loads_instrument(FILTERED)
    assert isinstance(survey, Survey)
    path = to_xlsform(survey, tmp_path / "f.xlsx")
    assert convert(str(path), warnings=[]).xform
    with warnings.catch_warnings():
        warnings.simplefilter("error", InteropWarning)
        assert from_xlsform(path) == survey
    # hand-edited: the le:choice_filter column dropped; selected(${x}, name) is still read,
    # another filter is reported and every option offered
    wb = load_workbook(path)
    ws = wb["survey"]
    header = [c.value for c in ws[1]]
    col = header.index("bind::le:choice_filter") + 1
    for r in range(2, ws.max_row + 1):
        ws.cell(r, col).value = None
    wb.save(path)
    with pytest.warns(InteropWarning, match="choice_filter .* every option is offered"):
        back = from_xlsform(path)
    assert back.item("c1").choice_filter is None
    assert back.item("c2").choice_filter is None
    sheet = wb["survey"]
    fcol = header.index("choice_filter") + 1
    for r in range(2, sheet.max_row + 1):
        if sheet.cell(r, 2).value == "c1":
            sheet.cell(r, fcol).value = "selected(${m}, name)"
    wb.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InteropWarning)
        assert from_xlsform(path).item("c1").choice_filter == "selected(m, choice)"


def test_limesurvey_carries_max_choices_and_warns_about_filters(tmp_path: Path) -> None:
    survey = loads_instrument(FILTERED)
    assert isinstance(survey, Survey)
    with pytest.warns(InteropWarning, match="choice filters \\(c1, c2: every option is offered\\)"):
        path = to_limesurvey(survey, tmp_path / "f.txt")
    rows = list(csv.DictReader(path.open(encoding="utf-8"), delimiter="\t"))
    question = next(r for r in rows if r["class"] == "Q" and r["name"] == "m")
    assert question["max_answers"] == "2"


# ------------------------------------------------ nothing for analysts reaches respondents

MARK = "ZZANALYSTONLY"


def _marked(ident: str) -> Survey:
    """The survey with a marker in every field no respondent may see."""
    data: dict[str, Any] = _survey(ident).model_dump(mode="json", by_alias=True)
    data["adopter_notes"] = f"{MARK} document"
    for section in data["sections"]:
        section["adopter_notes"] = f"{MARK} section {section['id']}"
        for item in section["items"]:
            item["adopter_notes"] = f"{MARK} item {item['id']}"
    for cl in data["choice_lists"].values():
        for option in cl["options"]:
            option["attributes"] = {**option.get("attributes", {}), "note": MARK}
    for variable in data.get("derived", []):
        variable["description"] = f"{MARK} derived"
    survey = Survey.model_validate(data)
    return le.fill_placeholders(survey, {"mentor_title": "Clinical Leadership Mentor"})


@pytest.mark.parametrize("ident", ["trainee-survey", "supervisor-survey", "mentor-activity-log"])
def test_no_export_shows_an_analyst_only_field(ident: str, tmp_path: Path) -> None:
    survey = _marked(ident)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InteropWarning)
        xlsx = to_xlsform(survey, tmp_path / "f.xlsx")
        redcap = to_redcap(survey, tmp_path / "d.csv")
        lime = to_limesurvey(survey, tmp_path / "l.txt")
        html = to_printable(survey, tmp_path / "p.html", format="html")
        markdown = to_printable(survey, tmp_path / "p.md", format="markdown")
    # XLSForm: only the extra sheet, which pyxform ignores, holds the notes; the option
    # attributes travel as le_attributes data of the choice list, never as a label
    wb = load_workbook(xlsx)
    for name in wb.sheetnames:
        text = " ".join(str(v) for row in wb[name].iter_rows(values_only=True) for v in row if v)
        if name == META_SHEET:
            assert f"{MARK} item" in text and f"{MARK} section" in text
        elif name == "choices":
            header = [c.value for c in wb[name][1]]
            for row in wb[name].iter_rows(min_row=2, values_only=True):
                for h, v in zip(header, row, strict=False):
                    if v and MARK in str(v):
                        assert h == "le_attributes", (h, v)
        else:
            assert MARK not in text, name
    xform = convert(str(xlsx), warnings=[]).xform
    shown = re.findall(r"<(?:label|hint)>(.*?)</(?:label|hint)>", xform, re.S)
    assert shown and not any(MARK in s for s in shown)
    assert f"{MARK} item" not in xform and f"{MARK} section" not in xform
    # REDCap: only the field annotation (never shown to survey respondents) holds them
    with redcap.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for column, value in row.items():
                if MARK in value:
                    assert column == "Field Annotation", (column, value[:60])
    # LimeSurvey and paper: nowhere
    assert MARK not in lime.read_text(encoding="utf-8")
    for text in (html, markdown):  # to_printable returns the text it writes
        assert MARK not in text
    # and the record id is no question on any platform's form
    assert "respondent_id" not in xform
    assert "respondent_id" not in html
    # the round trips keep every analyst-only field
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InteropWarning)
        assert from_xlsform(xlsx) == survey
        assert from_redcap(redcap) == survey
