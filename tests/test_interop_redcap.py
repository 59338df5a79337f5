"""REDCap data dictionary export/import."""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import pytest

from leadership_eval.errors import InstrumentError
from leadership_eval.instruments.loader import load_instrument
from leadership_eval.interop.common import InteropWarning
from leadership_eval.interop.redcap import REDCAP_COLUMNS, from_redcap, to_redcap
from test_interop_fixtures import plain_survey, rich_survey

SHIPPED = ["trainee-survey", "supervisor-survey", "mentor-activity-log"]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_columns_are_redcaps_in_order(tmp_path: Path) -> None:
    path = to_redcap(plain_survey(), tmp_path / "dd.csv")
    header = path.read_text(encoding="utf-8").splitlines()[0]
    # REDCap's data dictionary template (Data Dictionary page download), 18 columns in order
    assert next(csv.reader([header])) == list(REDCAP_COLUMNS)
    assert len(REDCAP_COLUMNS) == 18


@pytest.mark.parametrize("make", [rich_survey, plain_survey])
def test_round_trip_fixtures(make, tmp_path: Path) -> None:
    survey = make()
    with warnings.catch_warnings():
        warnings.simplefilter("error", InteropWarning)
        assert from_redcap(to_redcap(survey, tmp_path / "dd.csv")) == survey


@pytest.mark.parametrize("survey_id", SHIPPED)
def test_round_trip_shipped(survey_id: str, tmp_path: Path) -> None:
    survey = load_instrument(survey_id)
    assert from_redcap(to_redcap(survey, tmp_path / "dd.csv")) == survey


def test_field_mapping(tmp_path: Path) -> None:
    rows = {
        r["Variable / Field Name"]: r for r in _rows(to_redcap(rich_survey(), tmp_path / "d.csv"))
    }
    first = next(iter(rows.values()))
    # the record id is the first field, named as the survey's respondent id: the respondent
    # id is never a question on the form (REDCap numbers its records itself)
    assert first["Variable / Field Name"] == "rid" and first["Field Label"] == "Record ID"
    assert first["Field Annotation"].startswith("@LE-SURVEY={")
    assert list(rows).count("rid") == 1
    # the section's title and description (the stem of its questions) head its first field
    assert rows["trust"]["Section Header"] == "About you<br>Questions about your post."
    # REDCap's own action tag limits free text (a hand-edited limit wins on import)
    assert rows["comments"]["Field Annotation"].startswith("@LE=")
    assert rows["trust"]["Field Type"] == "radio" and rows["trust"]["Required Field?"] == "y"
    assert rows["years"]["Text Validation Type OR Show Slider Number"] == "integer"
    assert (rows["years"]["Text Validation Min"], rows["years"]["Text Validation Max"]) == (
        "0",
        "40",
    )
    assert rows["fte"]["Text Validation Type OR Show Slider Number"] == "number"
    assert rows["started"]["Text Validation Type OR Show Slider Number"] == "date_ymd"
    assert rows["intro"]["Field Type"] == "descriptive"
    assert rows["comments"]["Field Type"] == "notes"
    assert rows["acts"]["Field Type"] == "checkbox"
    assert rows["acts"]["Field Annotation"].startswith("@NONEOFTHEABOVE='nothing'\n@LE=")
    assert rows["acts"]["Branching Logic (Show field only if...)"] == "[met] = '1'"
    assert (
        rows["lead_4"]["Branching Logic (Show field only if...)"].count("[acts(audit)] = '1'") == 1
    )
    assert rows["lead_1"]["Choices, Calculations, OR Slider Labels"].endswith(
        "9, Prefer not to say | -1, Not applicable"
    )
    # consecutive likert items on one list share a matrix group; a break in the run ends it
    groups = [rows[i]["Matrix Group Name"] for i in ("lead_1", "lead_2", "lead_3", "lead_4")]
    assert groups == ["agree5_1"] * 4
    assert rows["value"]["Matrix Group Name"] == ""
    assert rows["grade"]["Field Annotation"].startswith("@LE=")


def test_visible_columns_win(tmp_path: Path) -> None:
    path = to_redcap(plain_survey(), tmp_path / "d.csv")
    rows = _rows(path)
    for r in rows:
        if r["Variable / Field Name"] == "q3":
            r["Branching Logic (Show field only if...)"] = "[q1] = '3' or [q2] = '3'"
            r["Field Label"] = "Reworded"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=REDCAP_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    back = from_redcap(path)
    assert back.item("q3").show_if == "q1 == 3 or q2 == 3"
    assert back.item("q3").text == "Reworded"


HAND = """\
"Variable / Field Name","Form Name","Section Header","Field Type","Field Label","Choices, Calculations, OR Slider Labels","Field Note","Text Validation Type OR Show Slider Number","Text Validation Min","Text Validation Max","Identifier?","Branching Logic (Show field only if...)","Required Field?","Custom Alignment","Question Number (surveys only)","Matrix Group Name","Matrix Ranking?","Field Annotation"
study_id,baseline,,text,Study ID,,,,,,,,,,,,,
consent,baseline,Consent,yesno,Do you consent?,,,,,,,,y,,,,,
email,baseline,,text,Email,,,email,,,y,[consent] = '1',,,,,,@HIDDEN-SURVEY
age,baseline,,text,Age,,,integer,18,70,,[consent] = '1',,,,,,
l1,baseline,Views,radio,I lead,"1, Disagree | 2, Agree | 9, Unsure",,,,,,,,,,views,,
l2,baseline,,radio,I follow,"1, Disagree | 2, Agree | 9, Unsure",,,,,,,,,,views,,
roles,baseline,,checkbox,Roles,"1, Chair | 2, Member",,,,,,[l1] <> '',,,,,,
why,baseline,,notes,Why?,,,,,,,[roles(1)] = '1' and [age] >= 30,,RH,,,,
bmi,baseline,,calc,BMI,[age]/2,,,,,,,,,,,,
when,followup,,text,When?,,,date_dmy,,,,datediff([when],'today','d') > 3,,,,,,
"""


def test_hand_written_dictionary(tmp_path: Path) -> None:
    path = tmp_path / "hand.csv"
    path.write_text(HAND, encoding="utf-8")
    with pytest.warns(InteropWarning) as record:
        survey = from_redcap(path)
    text = "\n".join(record[0].message.problems)
    for expected in (
        "'email'",
        "@HIDDEN-SURVEY",
        "calc field 'bmi'",
        "datediff",
        "date_dmy",
        "custom alignment",
    ):
        assert expected in text, expected
    assert survey.respondent_id == "study_id"
    assert survey.item("study_id").disclosure == "direct"
    assert survey.item("email").disclosure == "direct"
    assert survey.choice_lists[survey.item("consent").choices].codes == [1, 0]
    assert survey.item("age").show_if == "consent == 1"
    assert (survey.item("age").min, survey.item("age").max, survey.item("age").integer) == (
        18,
        70,
        True,
    )
    assert survey.item("l1").type == "likert" and survey.item("l2").choices == "views"
    assert survey.choice_lists["views"].ordered
    assert survey.item("roles").type == "multi_choice"
    assert survey.item("roles").show_if == "answered(l1)"
    assert survey.item("why").show_if == "selected(roles, 1) and age >= 30"
    assert survey.item("when").type == "date" and survey.item("when").show_if is None
    assert [s.title for s in survey.sections] == ["Baseline", "Consent", "Views", "Followup"]
    assert "bmi" not in {i.id for i in survey.items}


def test_not_a_dictionary(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InstrumentError, match="missing column"):
        from_redcap(path)
    path.write_text("", encoding="utf-8")
    with pytest.raises(InstrumentError, match="empty"):
        from_redcap(path)
