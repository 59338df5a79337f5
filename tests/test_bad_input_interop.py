"""Bad input to the file writers and importers: one named regression test per case.

Each case was first run against the code before the fix and failed there with a raw error of
another library (pyreadstat, pandas, openpyxl, the csv module) or, for duplicate choice codes,
with no error at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import leadership_eval as le
from leadership_eval.errors import DataError, InstrumentError
from leadership_eval.instruments.loader import loads_instrument
from leadership_eval.safe_output import write_table

SMALL = """
kind: survey
id: small
version: 1.0.0
title: Small
respondent_id: rid
choice_lists:
  agree5:
    ordered: true
    options: [{code: 1, label: Strongly disagree}, {code: 2, label: Disagree},
              {code: 3, label: Neutral}, {code: 4, label: Agree},
              {code: 5, label: Strongly agree}]
sections:
  - id: s
    title: S
    items:
      - {id: rid, type: text, text: Id}
      - {id: q1, type: likert, choices: agree5, text: I lead}
      - {id: q2, type: likert, choices: agree5, text: I am a leader}
"""

REDCAP_HEADER = [
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
]


@pytest.fixture(scope="module")
def trainee() -> tuple[le.Survey, pd.DataFrame]:
    survey = le.as_survey("trainee-survey")
    return survey, le.simulate_responses(survey, 5)


# ---------------------------------------------------------------- write_labelled


@pytest.mark.parametrize("column", ["Start time", "Duration (in seconds)", "_uuid", "AND"])
def test_sav_refuses_column_names_spss_cannot_hold(
    trainee: tuple[le.Survey, pd.DataFrame], tmp_path: Path, column: str
) -> None:
    """Platform columns read_responses keeps ("Start time", "_uuid") crashed write_labelled
    with pyreadstat's PyreadstatError/ReadstatError."""
    survey, data = trainee
    data = data.copy()
    data[column] = "x"
    data["_id"] = "y"
    out = tmp_path / "out.sav"
    with pytest.raises(DataError) as info:
        le.write_labelled(data, survey, out)
    assert info.value.code == "name"
    message = str(info.value)
    assert repr(column) in message and "'_id'" in message  # every offending name is listed
    assert "Rename" in message and "drop" in message
    assert set(info.value.failure_cases["column"]) == {column, "_id"}
    assert not out.exists()


def test_sav_accepts_the_names_spss_allows(
    trainee: tuple[le.Survey, pd.DataFrame], tmp_path: Path
) -> None:
    """The SPSS name check is not stricter than SPSS: dots, @ # $ and accents are kept."""
    import pyreadstat

    survey, data = trainee
    data = data.copy()
    data["start.time"] = "a"
    data["été_$#@"] = "b"
    out = le.write_labelled(data, survey, tmp_path / "out.sav")
    back, _ = pyreadstat.read_sav(out)
    assert {"start.time", "été_$#@"} <= set(back.columns)


@pytest.mark.parametrize("format", ["sav", "dta", "csv"])
def test_write_labelled_refuses_repeated_columns(
    trainee: tuple[le.Survey, pd.DataFrame], tmp_path: Path, format: str
) -> None:
    """A frame with a column twice gave pandas' "Buffer has wrong number of dimensions"."""
    survey, data = trainee
    doubled = pd.concat([data, data[["trust"]]], axis=1)
    with pytest.raises(DataError, match="repeated column names: trust") as info:
        le.write_labelled(doubled, survey, tmp_path / f"out.{format}", format=format)  # type: ignore[arg-type]
    assert info.value.code == "duplicate-column"


# ---------------------------------------------------------------- read_responses


@pytest.mark.parametrize("name", ["export.csv", "export.txt", "export"])
def test_xlsx_saved_under_another_extension_is_read(tmp_path: Path, name: str) -> None:
    """A workbook named .csv, .txt or with no extension was read by content, then crashed in
    openpyxl's load_workbook (InvalidFileException: it refuses the extension)."""
    survey = loads_instrument(SMALL)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["rid", "q1", "q2"])
    ws.append(["r1", 1, 2])
    ws.append(["r2", 3, 4])
    ws["B3"] = "=1+1"  # a formula without a cached value: still found
    path = tmp_path / "export.xlsx"
    wb.save(path)
    renamed = tmp_path / name
    shutil.copy(path, renamed)
    read = le.read_responses(renamed, survey)
    assert list(read.frame["rid"]) == ["r1", "r2"]
    report = le.validate_responses(survey, read)
    bad = report.errors[report.errors["code"] == "formula-without-value"]
    assert bad[["sheet_row", "column"]].values.tolist() == [[3, "q1"]]


# ---------------------------------------------------------------- write_table


def test_xlsx_table_keeps_control_characters_as_escapes(tmp_path: Path) -> None:
    """Text pasted from Word ("a\\x0bb") raised openpyxl's IllegalCharacterError."""
    frame = pd.DataFrame({"comment\x0c": ["a\x0bb", "\x00=1+1", "x\ufffe", "fine"]})
    out = write_table(frame, tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(out).active
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    assert cells == [["comment_x000C_"], ["a_x000B_b"], ["_x0000_=1+1"], ["x_xFFFE_"], ["fine"]]
    assert ws["A3"].quotePrefix and ws["A3"].data_type == "s"  # still never a formula
    from openpyxl.utils.escape import unescape

    assert unescape(ws["A2"].value) == "a\x0bb"
    # the CSV path is unchanged: the characters are written as they are
    text = write_table(frame, tmp_path / "t.csv").read_text(encoding="utf-8")
    assert text == "comment\x0c\na\x0bb\n'\x00=1+1\nx\ufffe\nfine\n"


def test_xlsx_table_keeps_time_zones_as_iso_text(tmp_path: Path) -> None:
    """Time-zone-aware date-times raised TypeError: Excel does not support timezones."""
    aware = pd.to_datetime(["2025-06-03 09:30", None]).tz_localize("Europe/London")
    naive = pd.to_datetime(["2025-06-03 09:30", None])
    frame = pd.DataFrame({"aware": aware, "naive": naive})
    frame["py"] = [dt.datetime(2025, 1, 1, 8, tzinfo=dt.timezone(dt.timedelta(hours=-5))), None]
    ws = openpyxl.load_workbook(write_table(frame, tmp_path / "t.xlsx")).active
    assert [c.value for c in ws[2]] == [
        "2025-06-03T09:30:00+01:00",
        dt.datetime(2025, 6, 3, 9, 30),
        "2025-01-01T08:00:00-05:00",
    ]
    assert [c.value for c in ws[3]] == [None, None, None]
    text = write_table(frame, tmp_path / "t.csv").read_text(encoding="utf-8")
    assert (
        text.splitlines()[1]
        == "2025-06-03 09:30:00+01:00,2025-06-03 09:30:00,2025-01-01 08:00:00-05:00"
    )


# ---------------------------------------------------------------- from_redcap, from_xlsform


def _redcap(path: Path, *rows: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(REDCAP_HEADER)
        w.writerow(["record_id", "f", "", "text", "Id", ""])
        w.writerows(rows)
    return path


def test_redcap_refuses_a_code_twice_in_one_field(tmp_path: Path) -> None:
    """ "1, A | 1, B" was imported as two options coded 1 (the YAML loader refuses that), and
    read_responses then mapped both labels to one code."""
    path = _redcap(tmp_path / "dd.csv", ["q1", "f", "", "radio", "Q1", "1, A | 1, B | 2, C"])
    with pytest.raises(InstrumentError) as info:
        le.from_redcap(path)
    assert info.value.codes == ["duplicate-code"]
    problem = info.value.problems[0]
    assert problem.file == str(path) and problem.line == 3
    assert "'q1'" in problem.message and "'1'" in problem.message
    assert "'A'" in problem.message and "'B'" in problem.message


def test_redcap_refuses_a_workbook(tmp_path: Path) -> None:
    """A data dictionary saved as .xlsx gave _csv.Error (new-line character seen...)."""
    wb = openpyxl.Workbook()
    wb.active.append(REDCAP_HEADER)
    wb.active.append(["record_id", "f", "", "text", "Id", ""])
    path = tmp_path / "dd.xlsx"
    wb.save(path)
    with pytest.raises(InstrumentError, match="CSV") as info:
        le.from_redcap(path)
    assert info.value.codes == ["not-redcap"]
    assert info.value.problems[0].file == str(path)


@pytest.mark.parametrize("importer", ["from_redcap", "from_xlsform"])
def test_importers_refuse_a_missing_file_or_a_folder(tmp_path: Path, importer: str) -> None:
    """A missing file or a folder gave FileNotFoundError, IsADirectoryError or openpyxl's
    InvalidFileException."""
    read = getattr(le, importer)
    with pytest.raises(DataError, match="no such file") as info:
        read(tmp_path / "nope.csv")
    assert info.value.code == "missing-file" and "nope.csv" in str(info.value)
    with pytest.raises(DataError, match="is a folder") as info:
        read(tmp_path)
    assert info.value.code == "missing-file"


def _xlsform(path: Path, choices: list[list[str]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(["type", "name", "label"])
    ws.append(["select_one yn", "q1", "Q1"])
    sheet = wb.create_sheet("choices")
    sheet.append(["list_name", "name", "label"])
    for row in choices:
        sheet.append(row)
    wb.save(path)
    return path


def test_xlsform_refuses_a_code_twice_in_one_list(tmp_path: Path) -> None:
    """Two rows of one list_name with the same name were imported as two options with one
    code, both labels then read as that code."""
    path = _xlsform(
        tmp_path / "form.xlsx", [["yn", "1", "Yes"], ["yn", "1", "No"], ["yn", "2", "?"]]
    )
    with pytest.raises(InstrumentError) as info:
        le.from_xlsform(path)
    assert info.value.codes == ["duplicate-code"]
    problem = info.value.problems[0]
    assert problem.line == 3 and "'yn'" in problem.message and "rows 2 and 3" in problem.message


def test_xlsform_refuses_a_csv_form_and_reads_a_renamed_workbook(tmp_path: Path) -> None:
    """A CSV XLSForm (pyxform's other format) raised openpyxl's InvalidFileException, and so
    did a workbook saved under another extension."""
    form = tmp_path / "form.csv"
    form.write_text("survey,type,name,label\n,text,q1,Q1\n", encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"save it as an \.xlsx") as info:
        le.from_xlsform(form)
    assert info.value.codes == ["not-xlsform"]
    renamed = tmp_path / "form.bin"
    shutil.copy(_xlsform(tmp_path / "ok.xlsx", [["yn", "1", "Yes"], ["yn", "0", "No"]]), renamed)
    assert le.from_xlsform(renamed).choice_lists["yn"].codes == [1, 0]


@pytest.mark.parametrize("form", ["semicolons", "tabs", "utf-16"])
def test_redcap_dictionary_saved_by_a_spreadsheet_in_another_locale_is_read(
    form: str, tmp_path: Path
) -> None:
    """A data dictionary saved with semicolons (Excel in many locales), tabs or as UTF-16 was
    refused as "missing column(s) 'Variable / Field Name', ...", which sent the user looking
    for columns that were there."""
    import io
    import warnings

    source = tmp_path / "dd.csv"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", le.InteropWarning)
        le.to_redcap("trainee-survey", source)
        expected = le.from_redcap(source)
    text = source.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    saved = tmp_path / f"dd-{form}.csv"
    if form == "utf-16":
        saved.write_bytes(text.encode("utf-16"))
    else:
        out = io.StringIO()
        csv.writer(out, delimiter=";" if form == "semicolons" else "\t").writerows(rows)
        saved.write_text(out.getvalue(), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", le.InteropWarning)
        assert le.from_redcap(saved) == expected
