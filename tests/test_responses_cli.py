"""The ``leadership-eval check-responses`` command."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from leadership_eval.cli import app

DATA = Path(__file__).parent / "data" / "exports"
SURVEY = str(DATA / "survey.yaml")
runner = CliRunner()


def test_problems_are_summarised_and_written(tmp_path: Path) -> None:
    errors = tmp_path / "errors.csv"
    result = runner.invoke(
        app,
        ["check-responses", SURVEY, str(DATA / "kobo.csv"), "--errors", str(errors)],
    )
    assert result.exit_code == 1, result.output
    assert "read as kobo (utf-8), KoboToolbox" in result.output
    assert "rows: 10 read, 8 used, 2 excluded (1 empty-row, 1 duplicate-id)" in result.output
    assert "valid: no" in result.output
    # rows as the spreadsheet numbers them: data row 3 (index 2) is row 4 under the header
    assert "row 4, column meetings: out-of-range: 60.0 is above the maximum 52" in result.output
    assert "answered-when-hidden" in result.output
    written = pd.read_csv(errors)
    assert list(written.columns[:5]) == ["row", "column", "code", "message", "value"]
    assert (written["code"] == "unknown-column").sum() == 4
    assert (written["severity"] == "error").sum() == 11


def test_max_show_limits_the_listing() -> None:
    result = runner.invoke(
        app, ["check-responses", SURVEY, str(DATA / "responses.csv"), "--max-show", "2"]
    )
    assert result.exit_code == 1
    assert "... and 11 more (use --errors FILE for all)" in result.output


def test_valid_file_exits_zero(tmp_path: Path) -> None:
    path = tmp_path / "ok.csv"
    path.write_text(
        "rid,Training grade,start_date,met_mentor,meetings,activities,lead_1,lead_2,"
        "qi_impact,hours,comments,extra\n"
        "r1,st,2024-01-02,1,3,qi teach,4,5,3,2.5,fine,x\n"
        "r2,fy1,2023-05-06,2,,,9,8,,,,y\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["check-responses", SURVEY, str(path), "--source", "csv"])
    assert result.exit_code == 0, result.output
    assert "valid: yes" in result.output
    assert "unknown-column" in result.output  # informational only


def test_bad_input_gives_a_message_not_a_traceback(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    result = runner.invoke(app, ["check-responses", SURVEY, str(empty)])
    assert result.exit_code == 1
    assert "error:" in result.output and "empty.csv: the file is empty" in result.output
    result = runner.invoke(app, ["check-responses", SURVEY, str(tmp_path / "nope.csv")])
    assert result.exit_code == 2 and "no such file" in result.output
    result = runner.invoke(
        app, ["check-responses", SURVEY, str(DATA / "redcap.csv"), "--source", "typeform"]
    )
    assert result.exit_code == 2 and "--source must be auto or one of" in result.output
    result = runner.invoke(
        app, ["check-responses", SURVEY, str(DATA / "redcap.csv"), "--column", "no-equals"]
    )
    assert result.exit_code == 2 and "HEADING=ITEM" in result.output


def test_the_read_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "forms.csv"
    path.write_text(
        "ID,Start time,Completion time,Email,Name,Your grade,I see my self as a leader!\n"
        "1,,,anonymous,,Foundation year 1,Agree\n2,,,anonymous,,Specialty traine,Agree\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["check-responses", SURVEY, str(path)])
    out = result.output
    assert "read as msforms (utf-8), Microsoft Forms (Excel download): Microsoft Forms' ID" in out
    assert "respondent id from column 'ID'" in out
    assert "Your grade: 1 choice label(s) read as codes" in out
    assert "did you mean 'Specialty trainee'?" in out
    assert 'confirm with --column "I see my self as a leader!=lead_1"' in out
    confirmed = runner.invoke(
        app,
        ["check-responses", SURVEY, str(path), "--column", "I see my self as a leader!=lead_1"],
    )
    assert "resembles item" not in confirmed.output
