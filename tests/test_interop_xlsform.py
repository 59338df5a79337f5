"""XLSForm export/import: exact round trips, pyxform acceptance, hand-written forms."""

from __future__ import annotations

import warnings
from pathlib import Path

import openpyxl
import pytest
from lxml import etree
from pyxform.xls2xform import convert

from leadership_eval.errors import InstrumentError
from leadership_eval.instruments.loader import load_instrument
from leadership_eval.interop.common import InteropWarning
from leadership_eval.interop.xlsform import LE_NAMESPACE, from_xlsform, to_xlsform
from test_interop_fixtures import plain_survey, rich_survey

XF = "{http://www.w3.org/2002/xforms}"
SHIPPED = ["trainee-survey", "supervisor-survey", "mentor-activity-log"]


def _binds(xform: str) -> dict[str, dict[str, str]]:
    root = etree.fromstring(xform.encode())
    return {b.get("nodeset").rsplit("/", 1)[-1]: dict(b.attrib) for b in root.iter(f"{XF}bind")}


@pytest.mark.parametrize("make", [rich_survey, plain_survey])
def test_round_trip_fixtures(make, tmp_path: Path) -> None:
    survey = make()
    with warnings.catch_warnings():
        warnings.simplefilter("error", InteropWarning)
        path = to_xlsform(survey, tmp_path / "form.xlsx")
        assert from_xlsform(path) == survey


@pytest.mark.parametrize("survey_id", SHIPPED)
def test_round_trip_shipped(survey_id: str, tmp_path: Path) -> None:
    survey = load_instrument(survey_id)
    path = to_xlsform(survey, tmp_path / f"{survey_id}.xlsx")
    assert from_xlsform(path) == survey
    result = convert(str(path), warnings=[])
    assert result.warnings == []


def test_pyxform_accepts_rich_export(tmp_path: Path) -> None:
    survey = rich_survey()
    path = to_xlsform(survey, tmp_path / "rich.xlsx")
    result = convert(str(path), warnings=[])  # the reference converter raises on bad forms
    assert result.warnings == []
    root = etree.fromstring(result.xform.encode())
    assert root.nsmap["le"] == LE_NAMESPACE
    instance = root.find(f".//{XF}instance/{XF}data")
    assert instance.get("id") == "rich-survey" and instance.get("version") == "2.1.0"
    binds = _binds(result.xform)
    assert binds["years"]["type"] == "int"
    assert binds["years"]["constraint"] == ". >= 0 and . <= 40"
    assert binds["fte"]["type"] == "decimal"
    # the respondent id is ODK's own meta/instanceID, never a question
    assert "rid" not in binds and "instanceID" in binds
    assert not [b for b in root.iter(f"{XF}input") if b.get("ref", "").endswith("/rid")]
    # a section's description is a note at the top of its group: the questions' stem
    stem = next(b for b in root.iter(f"{XF}input") if b.get("ref") == "/data/about/about_stem")
    assert binds["about_stem"]["readonly"] == "true()" and stem is not None
    assert binds["trust"]["required"] == "true()"
    assert binds["trust"][f"{{{LE_NAMESPACE}}}disclosure"] == "quasi"
    assert "selected( /data/mentor/acts , 'qi')" in binds["acts_other"]["relevant"]
    assert binds["acts"]["relevant"].strip().startswith("/data/mentor/met")
    # both languages are in the form; missing codes are ordinary choices
    langs = {t.get("lang") for t in root.iter(f"{XF}translation")}
    assert langs == {"English (en)", "Welsh (cy)"}
    items = root.findall(f".//{XF}instance[@id='agree5']/{XF}root/{XF}item")
    assert [i.findtext(f"{XF}name") for i in items] == ["1", "2", "3", "4", "5", "9", "-1"]
    assert [i.findtext(f"{XF}le_missing") for i in items][-2:] == ["yes", "yes"]


def test_workbook_layout(tmp_path: Path) -> None:
    path = to_xlsform(rich_survey(), tmp_path / "rich.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["survey", "choices", "settings", "leadership_eval"]
    header = [c.value for c in wb["survey"][1]]
    assert {"label::English (en)", "label::Welsh (cy)", "hint::Welsh (cy)"} <= set(header)
    rows = [[c.value for c in r] for r in wb["survey"].iter_rows(min_row=2)]
    types = [r[0] for r in rows]
    assert types[0] == "begin_group" and types.count("end_group") == 2
    assert "select_multiple acts" in types and "integer" in types and "note" in types
    likert = next(r for r in rows if r[1] == "lead_1")
    assert likert[header.index("appearance")] == "likert"
    settings = {c.value: v.value for c, v in zip(wb["settings"][1], wb["settings"][2], strict=True)}
    assert settings["form_id"] == "rich-survey" and settings["default_language"] == "English (en)"
    meta = [[c.value for c in r] for r in wb["leadership_eval"].iter_rows(min_row=2)]
    assert ["scale", "leader_identity", "reverse", '["lead_3"]'] in meta


def test_single_language_export_warns(tmp_path: Path) -> None:
    with pytest.warns(InteropWarning, match="texts in en are not exported"):
        path = to_xlsform(rich_survey(), tmp_path / "cy.xlsx", language="cy")
    wb = openpyxl.load_workbook(path)
    header = [c.value for c in wb["survey"][1]]
    assert "label" in header
    assert convert(str(path), warnings=[]).xform


def test_visible_columns_win_over_extension(tmp_path: Path) -> None:
    path = to_xlsform(plain_survey(), tmp_path / "p.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["survey"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[1].value == "q3":
            row[header.index("relevant")].value = "${q1} = '3' or ${q2} = '3'"
            row[header.index("label")].value = "Third statement, reworded"
        if row[1].value == "age":
            row[header.index("constraint")].value = ". >= 21 and . <= 99"
    wb.save(path)
    back = from_xlsform(path)
    assert back.item("q3").show_if == "q1 == 3 or q2 == 3"
    assert back.item("q3").text == "Third statement, reworded"
    assert (back.item("age").min, back.item("age").max) == (21, 99)


def _hand_written(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    rows = [
        [
            "type",
            "name",
            "label",
            "hint",
            "required",
            "relevant",
            "constraint",
            "appearance",
            "calculation",
            "default",
        ],
        ["start", "start", None, None, None, None, None, None, None, None],
        ["text", "Participant-ID", "Participant ID", None, "yes", None, None, None, None, None],
        ["begin group", "about", "About you", None, None, None, None, "field-list", None, None],
        [
            "select one grade",
            "Grade",
            "Your grade",
            "Pick one",
            "true",
            None,
            None,
            None,
            None,
            None,
        ],
        ["integer", "age", "Age", None, None, None, ". > 17 and . <= 70", None, None, None],
        ["begin_group", "inner", "Inner", None, None, "${Grade} != 'fy1'", None, None, None, None],
        ["select_one agree", "q1", "I lead", None, None, None, None, "likert", None, None],
        ["select_multiple acts", "acts", "Activities", None, None, None, None, None, None, None],
        [
            "text",
            "why",
            "Why?",
            None,
            None,
            "selected(${acts}, 'qi') and ${q1} >= 2",
            None,
            None,
            None,
            "none",
        ],
        ["end_group", None, None, None, None, None, None, None, None, None],
        ["end group", None, None, None, None, None, None, None, None, None],
        ["calculate", "score", None, None, None, None, None, None, "${age} * 2", None],
        ["geopoint", "where", "Where are you?", None, None, None, None, None, None, None],
        ["date", "when", "When?", None, None, "string-length(${why}) > 0", None, None, None, None],
        [
            "text",
            "odd",
            "Odd",
            None,
            None,
            "format-date(${when}, '%Y') = '2024'",
            None,
            None,
            None,
            None,
        ],
    ]
    for r in rows:
        ws.append(r)
    cs = wb.create_sheet("choices")
    cs.append(["list name", "name", "label"])
    for r in [
        ["grade", "fy1", "FY1"],
        ["grade", "st", "ST"],
        ["agree", 1, "Disagree"],
        ["agree", 2, "Neutral"],
        ["agree", 3, "Agree"],
        ["acts", "qi", "QI"],
        ["acts", "audit", "Audit"],
    ]:
        cs.append(r)
    ss = wb.create_sheet("settings")
    ss.append(["form_title", "form_id", "version"])
    ss.append(["Hand made", "hand_made", "2024051501"])
    wb.save(path)
    return path


def test_hand_written_form(tmp_path: Path) -> None:
    path = _hand_written(tmp_path / "hand.xlsx")
    assert convert(str(path), warnings=[]).xform  # it is a valid XLSForm
    with pytest.warns(InteropWarning) as record:
        survey = from_xlsform(path)
    problems = record[0].message.problems
    text = "\n".join(problems)
    for expected in (
        "'start'",
        "'calculate'",
        "'geopoint'",
        "format-date",
        "nested group",
        "'default'",
        "field-list",
        "2024051501",
    ):
        assert expected in text, expected
    assert survey.id == "hand-made" and survey.version == "1.0.0+2024051501"
    assert [s.id for s in survey.sections] == ["main", "about", "main_2"]
    pid = survey.item("participant_id")
    assert pid.column == "Participant-ID" and pid.required
    grade = survey.item("grade")
    assert grade.column == "Grade" and grade.help == "Pick one" and grade.required
    assert survey.item("q1").type == "likert" and survey.choice_lists["agree"].ordered
    assert survey.item("acts").type == "multi_choice"
    assert survey.item("q1").show_if == "grade != 'fy1'"  # the inner group's relevance
    assert survey.item("why").show_if == "grade != 'fy1' and selected(acts, 'qi') and q1 >= 2"
    assert survey.item("when").show_if == "answered(why)"
    assert survey.item("odd").show_if is None
    assert (survey.item("age").min, survey.item("age").max) == (18, 70)  # . > 17, integer
    assert survey.choice_lists["agree"].codes == [1, 2, 3]


def test_not_an_xlsform(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "data"
    wb.save(tmp_path / "x.xlsx")
    with pytest.raises(InstrumentError, match="no 'survey' sheet"):
        from_xlsform(tmp_path / "x.xlsx")
    (tmp_path / "y.xlsx").write_text("not a workbook")
    with pytest.raises(InstrumentError, match="cannot read the workbook"):
        from_xlsform(tmp_path / "y.xlsx")


def test_unknown_list_is_located(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(["type", "name", "label"])
    ws.append(["select_one nope", "q", "Q"])
    wb.save(tmp_path / "bad.xlsx")
    with pytest.raises(InstrumentError) as err:
        from_xlsform(tmp_path / "bad.xlsx")
    assert err.value.problems[0].line == 2
    assert err.value.codes == ["unknown-choice-list"]


def test_exclusive_options_get_an_odk_constraint(tmp_path: Path) -> None:
    import openpyxl

    from leadership_eval.instruments.loader import load_instrument
    from leadership_eval.interop.xlsform import from_xlsform, to_xlsform

    survey = load_instrument("trainee-survey")
    path = to_xlsform(survey, tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(path)["survey"]
    header = [c.value for c in sheet[1]]
    rows = {r[header.index("name")]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    constraint = rows["barriers"][header.index("constraint")]
    assert constraint == "not(selected(., 'none') and count-selected(.) > 1)"
    assert from_xlsform(path) == survey
