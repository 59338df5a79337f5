"""What respondents see on each platform: no analyst-only field, the stems, the limits.

Checked on the three bundled surveys with the platforms' own tools where they run here: pyxform
(the reference XLSForm converter) and ODK Validate (JavaRosa, shipped with pyxform; it needs
Java).
"""

from __future__ import annotations

import csv
import shutil
import warnings
from pathlib import Path

import openpyxl
import pytest
from lxml import etree
from pyxform.xls2xform import convert

from leadership_eval.instruments.loader import load_instrument
from leadership_eval.instruments.models import Item, Survey
from leadership_eval.interop.common import InteropWarning
from leadership_eval.interop.limesurvey import to_limesurvey
from leadership_eval.interop.printable import to_printable
from leadership_eval.interop.redcap import from_redcap, to_redcap
from leadership_eval.interop.xlsform import from_xlsform, stem_names, to_xlsform

SHIPPED = ["trainee-survey", "supervisor-survey", "mentor-activity-log"]
XF = "{http://www.w3.org/2002/xforms}"


def _survey(survey_id: str) -> Survey:
    survey = load_instrument(survey_id)
    assert isinstance(survey, Survey)
    return survey


@pytest.mark.parametrize("survey_id", SHIPPED)
def test_xlsform_converts_and_validates_without_the_respondent_id(
    survey_id: str, tmp_path: Path
) -> None:
    survey = _survey(survey_id)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InteropWarning)
        path = to_xlsform(survey, tmp_path / "f.xlsx")
    result = convert(xlsform=str(path), warnings=[])  # raises on a form pyxform refuses
    xml = tmp_path / "f.xml"
    xml.write_text(result.xform, encoding="utf-8")
    if shutil.which("java"):  # ODK Validate: JavaRosa loads the form and walks it
        from pyxform.validators import odk_validate

        if odk_validate.install_exists():
            odk_validate.check_xform(str(xml))
    root = etree.fromstring(result.xform.encode())
    rid = survey.respondent_id
    refs = [el.get("ref", "") for el in root.iter() if el.get("ref")]
    assert not any(r.endswith(f"/{rid}") for r in refs)  # never a question
    assert root.find(f".//{XF}bind[@nodeset='/data/meta/instanceID']") is not None
    # the stem of a section's questions is a note at the top of its group
    stems = stem_names(survey)
    for section in survey.sections:
        if not section.description:
            continue
        ref = f"/data/{section.id}/{stems[section.id]}"
        note = next(el for el in root.iter(f"{XF}input") if el.get("ref") == ref)
        label_ref = note.find(f"{XF}label").get("ref")
        assert label_ref is None or "itext" in label_ref
        assert section.description in result.xform
    # the round trip stays exact
    assert from_xlsform(path) == survey


@pytest.mark.parametrize("survey_id", SHIPPED)
def test_redcap_record_id_stems_and_character_limits(survey_id: str, tmp_path: Path) -> None:
    survey = _survey(survey_id)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InteropWarning)
        path = to_redcap(survey, tmp_path / "d.csv")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    names = [r["Variable / Field Name"] for r in rows]
    # REDCap's record id is the first field, named as the respondent id; never a question
    assert names[0] == survey.respondent_id and names.count(survey.respondent_id) == 1
    by_name = {r["Variable / Field Name"]: r for r in rows}
    for section in survey.sections:
        first = next(i for i in section.items if i.id != survey.respondent_id)
        header = by_name[first.id]["Section Header"]
        assert header.startswith(section.title)
        if section.description:
            assert header == f"{section.title}<br>{section.description}"
    for item in survey.items:
        if item.type == "text" and item.max_length and item.id != survey.respondent_id:
            assert f"@CHARLIMIT={item.max_length}" in by_name[item.id]["Field Annotation"]
    assert from_redcap(path) == survey


def test_redcap_visible_limits_and_stems_win(tmp_path: Path) -> None:
    survey = _survey("trainee-survey")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InteropWarning)
        path = to_redcap(survey, tmp_path / "d.csv")
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    for r in rows:
        if r["Variable / Field Name"] == "meaning_text":
            r["Field Annotation"] = r["Field Annotation"].replace(
                "@CHARLIMIT=1000", "@CHARLIMIT=400"
            )
        if r["Variable / Field Name"] == "conf_shift":
            r["Section Header"] = "Your confidence as a leader<br>How confident are you now?"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields or [])
        w.writeheader()
        w.writerows(rows)
    back = from_redcap(path)
    assert back.item("meaning_text").max_length == 400
    assert next(s for s in back.sections if s.id == "confidence").description == (
        "How confident are you now?"
    )


@pytest.mark.parametrize("survey_id", SHIPPED)
def test_limesurvey_and_paper_never_show_the_respondent_id(survey_id: str, tmp_path: Path) -> None:
    survey = _survey(survey_id)
    # the bundled surveys name the platform's record id, which is no item (version 2)
    rid_item = next((i for i in survey.items if i.id == survey.respondent_id), None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InteropWarning)
        path = to_limesurvey(survey, tmp_path / "s.txt")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    texts = {r["text"] for r in rows if r["class"] == "Q"}
    paper = to_printable(survey)
    if rid_item is not None:
        assert rid_item.text not in texts
        assert rid_item.text not in paper
    assert f'name="{survey.respondent_id}"' not in paper


def test_xlsform_keeps_the_hidden_item_where_it_was(tmp_path: Path) -> None:
    # a survey whose record id is also an item (allowed: version 1 of the activity log did it)
    log = _survey("mentor-activity-log")
    entry = Item(id="entry_id", type="text", text="Entry ID", disclosure="direct")
    first = log.sections[1]
    sections = list(log.sections)
    sections[1] = first.model_copy(update={"items": [entry, *first.items]})
    survey = log.model_copy(update={"respondent_id": "entry_id", "sections": sections})
    survey = Survey.model_validate(survey.model_dump())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InteropWarning)
        path = to_xlsform(survey, tmp_path / "f.xlsx")
    names = [r[1] for r in openpyxl.load_workbook(path)["survey"].iter_rows(values_only=True)]
    assert survey.respondent_id not in names
    back = from_xlsform(path)
    assert [i.id for i in back.sections[1].items] == [i.id for i in survey.sections[1].items]
    assert back.sections[1].items[0].id == "entry_id"
