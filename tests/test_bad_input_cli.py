"""Bad input on the command line: every command and option, one named test per case found.

A sweep of every ``leadership-eval`` command with paths that are missing, folders where a file
is expected (and files where a folder is), an output that is also an input, empty, binary and
UTF-16 files, odd numbers and unknown values. Each case below printed a traceback, wrote over
an input, left half a result behind or said something misleading before its fix; now it is an
``error:`` naming the option or file and what to do, with exit code 1 (bad content) or 2 (a
usage error: a path of the wrong kind), and nothing is written. Cases whose fix lay in the
library have their library-level tests in ``test_bad_input_library.py``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadership_eval.cli import app

runner = CliRunner()

SURVEY = """\
kind: survey
id: small
version: 1.0.0
title: Small
respondent_id: rid
group_by: trust
choice_lists:
  agree5:
    ordered: true
    options: [{code: 1, label: Strongly disagree}, {code: 2, label: Disagree},
              {code: 3, label: Neutral}, {code: 4, label: Agree},
              {code: 5, label: Strongly agree}]
  trust:
    options: [{code: t1, label: North Trust}, {code: t2, label: South Trust}]
sections:
  - id: s
    title: S
    items:
      - {id: rid, type: text, text: Id}
      - {id: trust, type: choice, choices: trust, text: Your trust, disclosure: quasi}
      - {id: q1, type: likert, choices: agree5, text: I lead}
      - {id: q2, type: likert, choices: agree5, text: I plan}
      - {id: note, type: text, text: Anything else?, disclosure: free_text}
scales:
  - {id: lead, title: Leading, items: [q1, q2], min_answered: 1}
"""

TRUST_HEADER = "code,name,trust_type,eligible_trainees,eligible_supervisors\n"


def _responses(n: int = 30) -> str:
    rows = ["rid,trust,q1,q2,note"]
    rows += [f"r{i},t{1 + i % 2},{1 + i % 5},{1 + (i * 3) % 5},fine" for i in range(n)]
    return "\n".join(rows) + "\n"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    survey = tmp_path / "small.yaml"
    survey.write_text(SURVEY, encoding="utf-8")
    data = tmp_path / "data.csv"
    data.write_text(_responses(), encoding="utf-8")
    folder = tmp_path / "folder"
    folder.mkdir()
    return {"survey": survey, "data": data, "folder": folder, "root": tmp_path}


def _run(*args: object) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.output


def _refused(code: int, output: str, *words: str, exit_code: int | None = None) -> None:
    """An ``error:`` line, no traceback, and each of ``words`` in the message."""
    assert code != 0, output
    if exit_code is not None:
        assert code == exit_code, output
    assert "error:" in output and "Traceback" not in output, output
    for word in words:
        assert word in output, output


# schema ------------------------------------------------------------------------------------


def test_schema_out_to_a_folder_is_an_error(files: dict[str, Path]) -> None:
    code, output = _run("schema", "--out", files["folder"])
    _refused(code, output, "--out", "is a folder", exit_code=2)


def test_schema_out_in_a_missing_folder_names_the_folder(files: dict[str, Path]) -> None:
    code, output = _run("schema", "--out", files["root"] / "nowhere" / "s.json")
    _refused(code, output, "--out", "nowhere", "does not exist", exit_code=2)


def test_schema_out_below_a_file_is_an_error(files: dict[str, Path]) -> None:
    code, output = _run("schema", "--out", files["data"] / "s.json")
    _refused(code, output, "--out", "is a file, not a folder", exit_code=2)


def test_schema_out_to_a_folder_in_a_process_of_its_own(files: dict[str, Path]) -> None:
    """As a user runs it: the installed entry point, no traceback on standard error."""
    proc = subprocess.run(
        [sys.executable, "-m", "leadership_eval", "schema", "--out", str(files["folder"])],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "error: --out" in proc.stderr


# validate and catalogue --------------------------------------------------------------------


def test_validate_a_folder_without_instruments_is_not_a_success(files: dict[str, Path]) -> None:
    (files["folder"] / "notes.txt").write_text("x", encoding="utf-8")
    code, output = _run("validate", files["folder"])
    _refused(code, output, "no instrument files", exit_code=2)


def test_validate_a_bundled_id_says_how_to_check_the_bundled_ones() -> None:
    code, output = _run("validate", "trainee-survey")
    _refused(code, output, "bundled instrument", "leadership-eval validate", exit_code=2)


def test_validate_an_init_folder_points_to_its_instruments(tmp_path: Path) -> None:
    assert _run("init", tmp_path / "ev")[0] == 0
    code, output = _run("validate", tmp_path / "ev")
    assert code == 1
    assert str(tmp_path / "ev" / "instruments") in output and "leadership-eval init" in output


def test_catalogue_of_an_init_folder_points_to_its_instruments(tmp_path: Path) -> None:
    assert _run("init", tmp_path / "ev")[0] == 0
    code, output = _run("catalogue", tmp_path / "ev")
    _refused(code, output, str(tmp_path / "ev" / "instruments"), "leadership-eval init")


def test_catalogue_of_a_file_says_it_is_a_file(files: dict[str, Path]) -> None:
    code, output = _run("catalogue", files["survey"])
    _refused(code, output, "is a file, not a folder", "leadership-eval validate", exit_code=2)


def test_catalogue_of_a_bundled_id_says_how_to_list_the_bundled_ones() -> None:
    code, output = _run("catalogue", "trainee-survey")
    _refused(code, output, "bundled instrument", exit_code=2)


def test_catalogue_of_a_folder_without_instruments_is_not_a_success(
    files: dict[str, Path],
) -> None:
    code, output = _run("catalogue", files["folder"])
    _refused(code, output, "no instrument files", exit_code=2)


# init --------------------------------------------------------------------------------------


def test_init_with_a_bad_trust_list_writes_nothing(tmp_path: Path) -> None:
    trusts = tmp_path / "trusts.csv"
    trusts.write_text(TRUST_HEADER + "T1,North,acute,10,5\nT1,North,acute,10,5\n", "utf-8")
    code, output = _run("init", tmp_path / "ev", "--trusts", trusts)
    _refused(code, output, "already used on line 2")
    assert not (tmp_path / "ev").exists()  # so that the same command can be run again


def test_init_with_an_unknown_trust_type_writes_nothing(tmp_path: Path) -> None:
    trusts = tmp_path / "trusts.csv"
    trusts.write_text(TRUST_HEADER + "T1,North,hospice,10,5\n", encoding="utf-8")
    code, output = _run("init", tmp_path / "new" / "ev", "--trusts", trusts)
    _refused(code, output, "hospice")
    assert not (tmp_path / "new").exists()
    code, output = _run("init", tmp_path / "ev", "--trusts", trusts)
    _refused(code, output, "hospice")
    assert not (tmp_path / "ev").exists()


def test_init_into_an_empty_folder_with_a_bad_trust_list_leaves_it_empty(tmp_path: Path) -> None:
    (tmp_path / "ev").mkdir()
    trusts = tmp_path / "trusts.csv"
    trusts.write_text(TRUST_HEADER + "T1,North,hospice,10,5\n", encoding="utf-8")
    code, output = _run("init", tmp_path / "ev", "--trusts", trusts)
    _refused(code, output, "hospice")
    assert list((tmp_path / "ev").iterdir()) == []


def test_init_with_a_missing_trust_list_names_the_option(tmp_path: Path) -> None:
    code, output = _run("init", tmp_path / "ev", "--trusts", tmp_path / "nope.csv")
    _refused(code, output, "--trusts", "no such file", exit_code=2)
    assert not (tmp_path / "ev").exists()


def test_init_below_a_file_is_an_error(files: dict[str, Path]) -> None:
    code, output = _run("init", files["data"] / "ev")
    _refused(code, output, "is a file, not a folder", exit_code=2)


# check-responses ---------------------------------------------------------------------------


def test_check_responses_errors_file_is_never_the_export(files: dict[str, Path]) -> None:
    before = files["data"].read_bytes()
    code, output = _run(
        "check-responses", files["survey"], files["data"], "--errors", files["data"]
    )
    _refused(code, output, "--errors", "also", exit_code=2)
    assert files["data"].read_bytes() == before


def test_check_responses_errors_below_a_file_is_an_error(files: dict[str, Path]) -> None:
    code, output = _run(
        "check-responses", files["survey"], files["data"], "--errors", files["data"] / "e.csv"
    )
    _refused(code, output, "--errors", "is a file, not a folder", exit_code=2)


def test_check_responses_missing_mapping_file_is_an_error(files: dict[str, Path]) -> None:
    """It was ignored without a word unless --source limesurvey was given too."""
    code, output = _run(
        "check-responses", files["survey"], files["data"], "--mapping", files["root"] / "no.csv"
    )
    _refused(code, output, "--mapping", "no such file", exit_code=2)


# score -------------------------------------------------------------------------------------


def test_score_out_is_never_the_responses(files: dict[str, Path]) -> None:
    before = files["data"].read_bytes()
    code, output = _run("score", files["survey"], files["data"], "--out", files["data"])
    _refused(code, output, "--out", "also", exit_code=2)
    assert files["data"].read_bytes() == before


def test_score_out_and_reliability_are_two_files(files: dict[str, Path]) -> None:
    out = files["root"] / "s.csv"
    code, output = _run("score", files["survey"], files["data"], "--out", out, "--reliability", out)
    _refused(code, output, "--reliability", "--out", exit_code=2)
    assert not out.exists()


def test_score_out_below_a_file_is_an_error(files: dict[str, Path]) -> None:
    code, output = _run("score", files["survey"], files["data"], "--out", files["data"] / "s.csv")
    _refused(code, output, "--out", "is a file, not a folder", exit_code=2)


# check-anonymity ---------------------------------------------------------------------------


def test_check_anonymity_reads_utf16(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("grade,site\n" + "A,s1\n" * 6, encoding="utf-16")
    code, output = _run("check-anonymity", data, "--qi", "grade", "-k", "5")
    assert code == 0, output


def test_check_anonymity_not_utf8_says_how_to_save_it(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_bytes("grade,site\nÄ,s1\n".encode("cp1252"))
    code, output = _run("check-anonymity", data, "--qi", "grade")
    _refused(code, output, str(data), "UTF-8", "line 2")


def test_check_anonymity_header_only_names_the_file(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("grade,site\n", encoding="utf-8")
    code, output = _run("check-anonymity", data, "--qi", "grade")
    _refused(code, output, str(data), "no rows", exit_code=1)


# anonymise and generate-key ----------------------------------------------------------------


def test_anonymise_out_is_never_the_responses(files: dict[str, Path]) -> None:
    before = files["data"].read_bytes()
    code, output = _run("anonymise", files["survey"], files["data"], "--out", files["data"])
    _refused(code, output, "--out", "also", exit_code=2)
    assert files["data"].read_bytes() == before


def test_anonymise_log_is_never_the_responses(files: dict[str, Path]) -> None:
    before = files["data"].read_bytes()
    out = files["root"] / "a.csv"
    code, output = _run(
        "anonymise", files["survey"], files["data"], "--out", out, "--log", files["data"]
    )
    _refused(code, output, "--log", exit_code=2)
    assert files["data"].read_bytes() == before and not out.exists()


def test_anonymise_log_and_out_are_two_files(files: dict[str, Path]) -> None:
    out = files["root"] / "a.csv"
    code, output = _run("anonymise", files["survey"], files["data"], "--out", out, "--log", out)
    _refused(code, output, "--log", "--out", exit_code=2)
    assert not out.exists()


def test_anonymise_log_to_a_folder_is_named_as_such(files: dict[str, Path]) -> None:
    """It said '.folder.fet9gk_r: Is a directory', the name of a temporary file."""
    out = files["root"] / "a.csv"
    code, output = _run(
        "anonymise", files["survey"], files["data"], "--out", out, "--log", files["folder"]
    )
    _refused(code, output, "--log", "is a folder", exit_code=2)
    assert ".folder." not in output


def test_anonymise_never_writes_over_the_key_file(files: dict[str, Path]) -> None:
    key = files["root"] / "k.csv"
    key.write_bytes(b"0123456789abcdef0123456789abcdef")
    code, output = _run(
        "anonymise", files["survey"], files["data"], "--out", key, "--key-file", key
    )
    _refused(code, output, "--out", exit_code=2)
    assert key.read_bytes() == b"0123456789abcdef0123456789abcdef"


def test_anonymise_names_file_that_is_a_folder_is_named_as_such(files: dict[str, Path]) -> None:
    out = files["root"] / "a.csv"
    code, output = _run(
        "anonymise", files["survey"], files["data"], "--out", out, "--names", files["folder"]
    )
    _refused(code, output, "is a folder", exit_code=2)


def test_generate_key_over_an_existing_key_names_the_option(tmp_path: Path) -> None:
    key = tmp_path / "k.key"
    assert _run("generate-key", key)[0] == 0
    code, output = _run("generate-key", key)
    _refused(code, output, "--force", exit_code=1)
    assert "overwrite=True" not in output


def test_generate_key_into_a_folder_is_named_as_such(files: dict[str, Path]) -> None:
    code, output = _run("generate-key", files["folder"], "--force")
    _refused(code, output, "is a folder", exit_code=2)


def test_generate_key_below_a_file_is_an_error(files: dict[str, Path]) -> None:
    code, output = _run("generate-key", files["data"] / "k.key")
    _refused(code, output, "is a file, not a folder", exit_code=2)


# export and import -------------------------------------------------------------------------


def test_export_out_is_never_the_instrument(files: dict[str, Path]) -> None:
    before = files["survey"].read_bytes()
    code, output = _run("export", files["survey"], "--to", "xlsform", "--out", files["survey"])
    _refused(code, output, "--out", "also", exit_code=2)
    assert files["survey"].read_bytes() == before


def test_export_out_below_a_file_is_an_error(files: dict[str, Path]) -> None:
    code, output = _run(
        "export", files["survey"], "--to", "xlsform", "--out", files["data"] / "x.xlsx"
    )
    _refused(code, output, "--out", "is a file, not a folder", exit_code=2)


def test_export_out_to_a_folder_is_named_as_such(files: dict[str, Path]) -> None:
    code, output = _run("export", files["survey"], "--to", "html", "--out", files["folder"])
    _refused(code, output, "--out", "is a folder", exit_code=2)


@pytest.mark.parametrize(("to", "name"), [("redcap", "d.xlsx"), ("xlsform", "f.csv")])
def test_export_out_named_for_another_format_is_refused(
    files: dict[str, Path], to: str, name: str
) -> None:
    """A REDCap CSV was written into d.xlsx (and an XLSForm workbook into f.csv)."""
    out = files["root"] / name
    code, output = _run("export", files["survey"], "--to", to, "--out", out)
    _refused(code, output, "--out", to, exit_code=2)
    assert not out.exists()


def test_import_out_is_never_the_form(files: dict[str, Path]) -> None:
    form = files["root"] / "form.xlsx"
    assert _run("export", files["survey"], "--to", "xlsform", "--out", form)[0] == 0
    before = form.read_bytes()
    code, output = _run("import", form, "--out", form)
    _refused(code, output, "--out", "also", exit_code=2)
    assert form.read_bytes() == before


def test_import_out_below_a_file_is_an_error(files: dict[str, Path]) -> None:
    form = files["root"] / "form.xlsx"
    assert _run("export", files["survey"], "--to", "xlsform", "--out", form)[0] == 0
    code, output = _run("import", form, "--out", files["data"] / "i.yaml")
    _refused(code, output, "--out", "is a file, not a folder", exit_code=2)


def test_import_a_folder_is_named_as_such(files: dict[str, Path]) -> None:
    code, output = _run("import", files["folder"], "--out", files["root"] / "i.yaml")
    _refused(code, output, "is a folder", exit_code=2)


# comments ----------------------------------------------------------------------------------


def test_comments_export_force_never_replaces_the_responses(files: dict[str, Path]) -> None:
    before = files["data"].read_bytes()
    code, output = _run(
        "comments", "export", files["survey"], files["data"], "--out", files["data"], "--force"
    )
    _refused(code, output, "--out", "also", exit_code=2)
    assert files["data"].read_bytes() == before


def test_comments_export_force_never_replaces_the_survey(files: dict[str, Path]) -> None:
    before = files["survey"].read_bytes()
    code, output = _run(
        "comments", "export", files["survey"], files["data"], "--out", files["survey"], "--force"
    )
    _refused(code, output, "--out", "survey", exit_code=2)
    assert files["survey"].read_bytes() == before


def test_comments_export_to_xlsx_is_refused(files: dict[str, Path]) -> None:
    """The review file is CSV: it was written into review.xlsx, which `comments check` then
    could not read."""
    out = files["root"] / "review.xlsx"
    code, output = _run("comments", "export", files["survey"], files["data"], "--out", out)
    _refused(code, output, "--out", ".csv", exit_code=2)
    assert not out.exists()


def test_comments_export_to_a_folder_is_named_as_such(files: dict[str, Path]) -> None:
    code, output = _run(
        "comments", "export", files["survey"], files["data"], "--out", files["folder"]
    )
    _refused(code, output, "--out", "is a folder", exit_code=2)


# report and demo ---------------------------------------------------------------------------


def test_report_out_that_is_a_file_is_an_error(files: dict[str, Path]) -> None:
    code, output = _run("report", files["survey"], files["data"], "--out", files["data"], "-q")
    _refused(code, output, "--out", "is a file, not a folder", exit_code=2)


def test_report_analyst_dir_that_is_a_file_is_an_error(files: dict[str, Path]) -> None:
    code, output = _run(
        "report",
        files["survey"],
        files["data"],
        "--out",
        files["root"] / "r",
        "--analyst-dir",
        files["data"],
        "-q",
    )
    _refused(code, output, "--analyst-dir", "is a file, not a folder", exit_code=2)
    assert not (files["root"] / "r").exists()


def test_report_out_below_a_file_is_an_error(files: dict[str, Path]) -> None:
    code, output = _run(
        "report", files["survey"], files["data"], "--out", files["data"] / "r", "-q"
    )
    _refused(code, output, "--out", "is a file, not a folder", exit_code=2)


@pytest.mark.parametrize("option", ["--activity-log", "--segments"])
def test_report_empty_csv_option_is_an_error(files: dict[str, Path], option: str) -> None:
    empty = files["root"] / "empty.csv"
    empty.write_bytes(b"")
    code, output = _run(
        "report", files["survey"], files["data"], "--out", files["root"] / "r", option, empty
    )
    _refused(code, output, option, str(empty), "empty", exit_code=1)


def test_report_activity_log_not_utf8_names_the_file(files: dict[str, Path]) -> None:
    log = files["root"] / "log.csv"
    log.write_bytes("trust,activity\nt1,Réunion\n".encode("cp1252"))
    code, output = _run(
        "report",
        files["survey"],
        files["data"],
        "--out",
        files["root"] / "r",
        "--activity-log",
        log,
    )
    _refused(code, output, "--activity-log", str(log), "UTF-8", exit_code=1)


def test_report_eligible_counts_in_utf16_are_read(files: dict[str, Path]) -> None:
    eligible = files["root"] / "eligible.csv"
    eligible.write_text("trust,eligible\nt1,40\nt2,50\n", encoding="utf-16")
    code, output = _run(
        "report",
        files["survey"],
        files["data"],
        "--out",
        files["root"] / "r",
        "--eligible",
        eligible,
        "-q",
    )
    assert code == 0, output


def test_report_previous_survey_without_previous_is_refused(files: dict[str, Path]) -> None:
    """--previous-survey alone was ignored without a word."""
    code, output = _run(
        "report",
        files["survey"],
        files["data"],
        "--out",
        files["root"] / "r",
        "--previous-survey",
        files["survey"],
    )
    _refused(code, output, "--previous-survey", "--previous", exit_code=2)


def test_demo_negative_seed_is_a_usage_error(tmp_path: Path) -> None:
    code, output = _run("demo", "--seed", "-1", "--out", tmp_path / "d", "-q")
    assert code == 2 and "Traceback" not in output and "--seed" in output, output
    assert not (tmp_path / "d").exists()


def test_demo_out_that_is_a_file_is_an_error(files: dict[str, Path]) -> None:
    code, output = _run("demo", "--out", files["data"], "-q")
    _refused(code, output, "--out", "is a file, not a folder", exit_code=2)


# outside the command line: regression tests for fixes proposed in the library ---------------


def test_import_a_binary_file_is_an_error(tmp_path: Path) -> None:
    data = tmp_path / "b.csv"
    data.write_bytes(b"\x8d\xb0V&\r\x8c,\xa5\n\x01\x02\n")  # a carriage return in line 1
    code, output = _run("import", data, "--out", tmp_path / "i.yaml")
    _refused(code, output, str(data), exit_code=1)


def test_comments_check_of_a_false_xlsx_is_an_error(tmp_path: Path) -> None:
    review = tmp_path / "review.xlsx"
    review.write_text("comment_id,group,item,text,decision,edited_text\n", encoding="utf-8")
    code, output = _run("comments", "check", review)
    _refused(code, output, str(review), exit_code=1)


def test_check_responses_column_naming_no_heading_is_an_error(files: dict[str, Path]) -> None:
    code, output = _run("check-responses", files["survey"], files["data"], "--column", "Nosuch=q1")
    _refused(code, output, "Nosuch")


def test_init_reads_a_utf16_trust_list(tmp_path: Path) -> None:
    trusts = tmp_path / "trusts.csv"
    trusts.write_text(TRUST_HEADER + "T1,North,acute,10,5\n", encoding="utf-16")
    code, output = _run("init", tmp_path / "ev", "--trusts", trusts)
    assert code == 0, output


def test_anonymise_keep_unknown_column_reads_well(files: dict[str, Path]) -> None:
    code, output = _run(
        "anonymise",
        files["survey"],
        files["data"],
        "--out",
        files["root"] / "a.csv",
        "--keep",
        "nosuch",
    )
    _refused(code, output, "nosuch")
    assert "column column" not in output
