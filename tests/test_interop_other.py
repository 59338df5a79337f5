"""LimeSurvey export, printable questionnaires, YAML output and the export/import commands."""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import html5lib
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from leadership_eval.cli import app
from leadership_eval.instruments.loader import load_instrument, loads_instrument
from leadership_eval.instruments.models import Survey
from leadership_eval.interop.common import InteropWarning
from leadership_eval.interop.limesurvey import (
    LIMESURVEY_COLUMNS,
    limesurvey_codes_path,
    read_limesurvey_codes,
    to_limesurvey,
)
from leadership_eval.interop.printable import to_printable
from leadership_eval.interop.redcap import from_redcap, to_redcap
from leadership_eval.interop.xlsform import from_xlsform, to_xlsform
from leadership_eval.interop.yaml_out import dump_instrument
from test_interop_fixtures import plain_survey, rich_survey

SHIPPED = ["trainee-survey", "supervisor-survey", "mentor-activity-log"]
NS = {"h": "http://www.w3.org/1999/xhtml"}


# ------------------------------------------------------------------------------- LimeSurvey


def _ls_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_limesurvey_structure(tmp_path: Path) -> None:
    with pytest.warns(InteropWarning) as record:
        path = to_limesurvey(rich_survey(), tmp_path / "ls.txt")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, as LimeSurvey writes
    rows = _ls_rows(path)
    assert tuple(rows[0]) == LIMESURVEY_COLUMNS
    settings_ = {(r["name"], r["language"] or ""): r["text"] for r in rows if r["class"] in "S SL"}
    assert settings_[("language", "")] == "en"
    assert settings_[("additional_languages", "")] == "cy"
    assert settings_[("surveyls_title", "cy")] == "Arweinyddiaeth mewn hyfforddiant"
    en = [r for r in rows if r["language"] == "en" and r["class"] in ("G", "Q", "SQ", "A")]
    cy = [r for r in rows if r["language"] == "cy" and r["class"] in ("G", "Q", "SQ", "A")]

    # the translated block repeats the base block row for row
    def key(r: dict[str, str]) -> tuple[str, str, str]:
        return (r["class"], r["id"], r["name"] if r["class"] != "G" else "")

    assert [key(r) for r in en] == [key(r) for r in cy]
    q = {r["name"]: r for r in en if r["class"] == "Q"}
    assert q["trust"]["type/scale"] == "L" and q["trust"]["mandatory"] == "Y"
    assert q["acts"]["type/scale"] == "M" and q["acts"]["relevance"] == 'met == "1"'
    assert q["years"]["type/scale"] == "N"
    assert (q["years"]["min_num_value_n"], q["years"]["max_num_value_n"]) == ("0", "40")
    assert q["years"]["num_value_int_only"] == "1"
    assert q["started"]["type/scale"] == "D" and q["intro"]["type/scale"] == "X"
    assert q["comments"]["type/scale"] == "T"
    assert "rid" not in q  # LimeSurvey's own response id is the respondent id
    assert q["lead4"]["relevance"] == (
        '!(trust == "t01" or trust == "7") and acts_audit == "Y" and (!is_empty(fte) and fte < 0.5)'
    )
    assert q["actsother"]["relevance"].startswith('acts_qi != "Y" and (acts_qi == "Y" or')
    sub = [r["name"] for r in en if r["class"] == "SQ"]
    assert sub == ["qi", "audit", "teach", "nothing", "none"]  # subquestion codes: up to 20
    assert q["acts"]["exclude_all_others"] == "nothing"
    answers = [r["name"] for r in en if r["class"] == "A" and r["id"] == q["lead1"]["id"]]
    assert answers == ["1", "2", "3", "4", "5", "9", "A1"]  # -1 is not a LimeSurvey code
    for r in en:
        if r["class"] in ("Q", "SQ"):
            assert r["name"].isalnum() and len(r["name"]) <= 20
        if r["class"] == "A":
            assert r["name"].isalnum() and len(r["name"]) <= 5
    text = "\n".join(record[0].message.problems)
    assert "lead_1 -> lead1" in text and "'-1' -> 'A1'" in text and "scales" in text


@pytest.mark.parametrize("survey_id", SHIPPED)
def test_limesurvey_shipped(survey_id: str, tmp_path: Path) -> None:
    survey = load_instrument(survey_id)
    assert isinstance(survey, Survey)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InteropWarning)
        rows = _ls_rows(to_limesurvey(survey, tmp_path / "ls.txt"))
    questions = [r for r in rows if r["class"] == "Q"]
    shown = [i for i in survey.items if i.id != survey.respondent_id]
    assert len(questions) == len(shown) * len(survey.languages)
    codes = [r["name"] for r in rows if r["class"] == "A"]
    assert all(c.isalnum() and len(c) <= 5 for c in codes)
    # LimeSurvey's own rules: subquestion codes letters and digits, never 'time'
    sub = [r["name"] for r in rows if r["class"] == "SQ"]
    assert all(c.isalnum() and len(c) <= 20 and c.lower() != "time" for c in sub)
    # the mapping beside the survey says what each code stands for
    mapping = read_limesurvey_codes(limesurvey_codes_path(tmp_path / "ls.txt"))
    assert mapping["respondent_id"] == survey.respondent_id
    assert set(mapping["questions"].values()) == {r["name"] for r in questions}


# -------------------------------------------------------------------------------- printable


def test_printable_html_is_accessible() -> None:
    text = to_printable(rich_survey(), office_codes=True)
    doc = html5lib.parse(text, namespaceHTMLElements=True)
    assert doc.get("lang") == "en"
    assert doc.find(".//h:style", NS) is not None and "@media print" in text
    assert "<script" not in text and "http" not in text.replace("http://www.w3.org", "")
    assert [h.text for h in doc.findall(".//h:h2", NS)] == ["About you", "Your mentor"]
    inputs = doc.findall(".//h:input", NS)
    labels = {lab.get("for") for lab in doc.findall(".//h:label", NS)}
    assert inputs and all(i.get("id") in labels for i in inputs)  # every control is labelled
    # the respondent id is the analyst's: never on paper
    assert "Respondent id" not in text and 'name="rid"' not in text
    # a run of questions on one list is one grid: a row per question, a column per option
    grid = doc.find(".//h:table[@id='grid-lead_1']", NS)
    assert grid is not None
    assert [th.text for th in grid.findall(".//h:thead//h:th", NS)][:2] == [
        "Strongly disagree",
        "Disagree",
    ]
    rows = grid.findall(".//h:tbody/h:tr", NS)
    assert [r.get("id") for r in rows] == [
        "q-lead_1",
        "q-lead_2",
        "q-lead_3",
        "q-lead_4",
        "q-value",
    ]
    assert all(len(r.findall(".//h:input[@type='radio']", NS)) == 7 for r in rows)
    legends = [leg for leg in doc.findall(".//h:legend", NS)]
    in_grid = {"lead_1", "lead_2", "lead_3", "lead_4", "value"}
    choice_items = [i for i in rich_survey().items if i.choices and i.id not in in_grid]
    dates = [i for i in rich_survey().items if i.type == "date"]
    assert len(legends) == len(choice_items) + len(dates)
    assert "Answer this question only if question 6 is “Yes”." in text
    assert "Office use: t01" in text and '<span class="code">9</span>' in text
    # a date is three boxes, year, month and day, as its hint says (no browser date field)
    started = doc.find(".//h:fieldset[@id='q-started']", NS)
    boxes = started.findall(".//h:input", NS)
    assert [b.get("placeholder") for b in boxes] == ["YYYY", "MM", "DD"]
    assert 'type="date"' not in text
    cy = to_printable(rich_survey(), language="cy")
    assert "Amdanoch chi" in cy and 'lang="cy"' in cy


def test_printable_markdown_numbers_and_skips(tmp_path: Path) -> None:
    out = tmp_path / "q.md"
    text = to_printable(plain_survey(), out, format="markdown")
    assert out.read_text(encoding="utf-8") == text
    assert "| **3.** Third statement _(Answer this question only if question 1 is at least" in text
    assert "_Answer this question only if question 2 is “Don't know”._" in text
    assert text.count("| Don't know |") == 1  # one grid of three statements
    with pytest.raises(ValueError, match="format"):
        to_printable(plain_survey(), format="pdf")  # type: ignore[arg-type]


# version 2 of the trainee survey added the information and consent page, a learning question
# per activity and the support block: 8 pages (the consent gate is said once, not per question)
@pytest.mark.parametrize(("survey_id", "pages"), [("trainee-survey", 8), ("supervisor-survey", 4)])
def test_paper_questionnaires_are_short(survey_id: str, pages: int) -> None:
    """Rendered on A4 by WeasyPrint with DejaVu Sans (the fonts every machine here has)."""
    from weasyprint import CSS, HTML

    survey = load_instrument(survey_id)
    assert isinstance(survey, Survey)
    font = CSS(string='body { font-family: "DejaVu Sans" !important; }')
    doc = HTML(string=to_printable(survey)).render(stylesheets=[font])
    assert len(doc.pages) <= pages  # the trainee questionnaire took 19 pages, one box per item


# --------------------------------------------------------------------------------- YAML out


@pytest.mark.parametrize(
    "path", sorted(Path(__file__).parents[1].joinpath("instruments").glob("*.yaml"))
)
def test_dump_instrument_round_trips_shipped(path: Path) -> None:
    model = load_instrument(path)
    assert loads_instrument(dump_instrument(model)) == model


def test_dump_instrument_fixtures() -> None:
    for survey in (rich_survey(), plain_survey()):
        text = dump_instrument(survey)
        assert text.startswith("kind: survey\nid: ")
        assert loads_instrument(text) == survey
    assert "      - {code: 1, label: Disagree}" in dump_instrument(plain_survey())


_label = (
    st.text(
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
        min_size=1,
        max_size=20,
    )
    .map(str.strip)
    .filter(bool)
)


@st.composite
def _surveys(draw: st.DrawFn) -> Survey:
    n_codes = draw(st.integers(2, 5))
    codes = draw(st.lists(st.integers(-9, 99), min_size=n_codes, max_size=n_codes, unique=True))
    labels = draw(st.lists(_label, min_size=n_codes, max_size=n_codes))
    n_missing = draw(st.integers(0, 1))
    items = []
    for j in range(draw(st.integers(1, 4))):
        item = {
            "id": f"q{j}",
            "type": draw(st.sampled_from(["likert", "choice", "multi_choice"])),
            "choices": "lst",
            "text": draw(_label),
        }
        if j and draw(st.booleans()):
            item["show_if"] = (
                f"q0 == {codes[0]}"
                if items[0]["type"] != "multi_choice"
                else (f"selected(q0, {codes[0]})")
            )
        items.append(item)
    options = [{"code": c, "label": lab} for c, lab in zip(codes, labels, strict=True)]
    data = {
        "kind": "survey",
        "id": "gen",
        "version": "1.0.0",
        "title": draw(_label),
        "choice_lists": {
            "lst": {"ordered": True, "options": options[n_missing:], "missing": options[:n_missing]}
        },
        "sections": [{"id": "s", "title": draw(_label), "items": items}],
    }
    return Survey.model_validate(data)


@settings(max_examples=15, deadline=None)
@given(_surveys())
def test_round_trips_hold_for_generated_surveys(survey: Survey) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore", InteropWarning)
        assert loads_instrument(dump_instrument(survey)) == survey
        assert from_redcap(to_redcap(survey, Path(tmp) / "d.csv")) == survey
        assert from_xlsform(to_xlsform(survey, Path(tmp) / "f.xlsx")) == survey


# -------------------------------------------------------------------------------------- CLI


runner = CliRunner()


@pytest.mark.parametrize(
    ("target", "name"),
    [
        ("xlsform", "s.xlsx"),
        ("redcap", "s.csv"),
        ("limesurvey", "s.txt"),
        ("html", "s.html"),
        ("markdown", "s.md"),
    ],
)
def test_cli_export(target: str, name: str, tmp_path: Path) -> None:
    out = tmp_path / name
    result = runner.invoke(
        app, ["export", "trainee-survey", "--to", target, "--out", str(out), "--draft"]
    )
    assert result.exit_code == 0, result.output
    assert out.is_file() and out.stat().st_size > 0


def test_cli_export_import_validate(tmp_path: Path) -> None:
    for target, name in (("xlsform", "s.xlsx"), ("redcap", "s.csv")):
        out = tmp_path / name
        assert (
            runner.invoke(
                app,
                ["export", "supervisor-survey", "--to", target, "--out", str(out), "--draft"],
            ).exit_code
            == 0
        )
        yaml_path = tmp_path / f"{target}.yaml"
        result = runner.invoke(app, ["import", str(out), "--out", str(yaml_path)])
        assert result.exit_code == 0, result.output
        assert load_instrument(yaml_path) == load_instrument("supervisor-survey")
        assert runner.invoke(app, ["validate", str(yaml_path)]).exit_code == 0


def test_cli_errors(tmp_path: Path) -> None:
    bad = runner.invoke(app, ["export", "trainee-survey", "--to", "pdf", "--out", "x"])
    assert bad.exit_code == 2 and "--to must be one of" in bad.output
    missing = runner.invoke(app, ["import", str(tmp_path / "nope.xlsx"), "--out", "x.yaml"])
    assert missing.exit_code == 2
    junk = tmp_path / "junk.csv"
    junk.write_text("a,b\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(junk), "--out", str(tmp_path / "j.yaml")])
    assert result.exit_code == 1 and "not a REDCap data dictionary" in result.output
    out = tmp_path / "x.xlsx"
    guide = runner.invoke(
        app, ["export", "interview-trainee", "--to", "xlsform", "--out", str(out)]
    )
    assert guide.exit_code == 2 and "interview-trainee is an interview guide" in guide.output
    assert not out.exists()


def test_imported_fields_that_make_no_survey_are_reported() -> None:
    from leadership_eval.errors import InstrumentError
    from leadership_eval.interop.common import survey_from_data

    with pytest.raises(InstrumentError) as info:
        survey_from_data(
            {"id": "x", "version": "1", "title": "X", "sections": []}, "form.xlsx", "the XLSForm"
        )
    assert set(info.value.codes) == {"invalid-survey"}
    assert "the XLSForm does not make a valid survey" in str(info.value)
    assert any("version" in p.message for p in info.value.problems)
