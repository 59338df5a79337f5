"""The library cases found through the command line's review of bad input.

Each test calls the library function at fault directly (the command line's own tests are in
``test_bad_input_cli.py``): bad input gets the library's own error, saying where and what, never
a raw Python exception, and no data are lost or ignored without a word.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from leadership_eval.errors import ConfigurationError, DataError, InstrumentError
from leadership_eval.instruments.placeholders import load_placeholder_values
from leadership_eval.instruments.scaffold import read_trusts
from leadership_eval.interop.redcap import from_redcap
from leadership_eval.privacy.anonymity import check_anonymity
from leadership_eval.privacy.generalise import generalise
from leadership_eval.privacy.hierarchy import Hierarchy
from leadership_eval.privacy.pipeline import anonymise
from leadership_eval.privacy.review import read_comment_review
from leadership_eval.responses.read import read_responses

SURVEY = """\
kind: survey
id: small
version: 1.0.0
title: Small
respondent_id: rid
choice_lists:
  agree5:
    ordered: true
    options: [{code: 1, label: Disagree}, {code: 2, label: Neutral}, {code: 3, label: Agree}]
sections:
  - id: s
    title: S
    items:
      - {id: rid, type: text, text: Id}
      - {id: q1, type: likert, choices: agree5, text: I lead}
      - {id: q2, type: likert, choices: agree5, text: I plan}
"""

TRUST_HEADER = "code,name,trust_type,eligible_trainees,eligible_supervisors\n"
SPEC = {"quasi": ["grade"], "none": ["q1"], "respondent_id": "rid"}
KEY = "a test key, not a secret at all"


def test_from_redcap_of_a_binary_file_is_not_a_redcap_dictionary(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_bytes(b"\x8d\xb0V&\r\x8c,\xa5\n\x01\x02\n")  # a carriage return in line 1
    with pytest.raises(InstrumentError) as err:
        from_redcap(path)
    assert err.value.codes == ["not-redcap"]
    assert str(path) in str(err.value)


def test_read_comment_review_of_a_false_xlsx_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "review.xlsx"
    path.write_text("comment_id,group,item,text,decision,edited_text\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_comment_review(path)
    assert err.value.code == "unreadable"
    assert str(path) in str(err.value) and "not an .xlsx workbook" in str(err.value)


def test_read_responses_refuses_a_column_mapping_naming_no_heading(tmp_path: Path) -> None:
    survey = tmp_path / "small.yaml"
    survey.write_text(SURVEY, encoding="utf-8")
    data = tmp_path / "data.csv"
    data.write_text("rid,Q 1,q2\nr1,1,2\nr2,3,3\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_responses(data, survey, columns={"Q1": "q1"})
    message = str(err.value)
    assert err.value.code == "unknown-column"
    assert "'Q1'" in message and str(data) in message and "did you mean 'Q 1'" in message


def test_read_trusts_reads_a_utf16_file_with_its_bom(tmp_path: Path) -> None:
    path = tmp_path / "trusts.csv"
    path.write_text(TRUST_HEADER + "T1,North,acute,10,5\n", encoding="utf-16")
    assert [t["name"] for t in read_trusts(path)] == ["North"]


def test_read_trusts_of_a_cp1252_file_says_the_line_and_how_to_save_it(tmp_path: Path) -> None:
    path = tmp_path / "trusts.csv"
    path.write_bytes((TRUST_HEADER + "T1,North,acute,10,5\nT2,Caf\xe9 Trust,,,\n").encode("cp1252"))
    with pytest.raises(ConfigurationError) as err:
        read_trusts(path)
    message = str(err.value)
    assert str(path) in message and "line 3" in message and "CSV UTF-8" in message
    assert "codec" not in message


def _responses(n: int = 12) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rid": [f"r{i}" for i in range(n)],
            "grade": ["FY1"] * n,
            "q1": [str(1 + i % 3) for i in range(n)],
        }
    )


def test_anonymise_keep_of_a_missing_column_reads_well() -> None:
    with pytest.raises(DataError) as err:
        anonymise(_responses(), SPEC, key=KEY, keep=["nosuch"])
    message = str(err.value)
    assert err.value.code == "unknown-column"
    assert "the keep column 'nosuch' is not in the data" in message
    assert "column column" not in message


def test_anonymise_of_responses_without_data_rows_says_so() -> None:
    with pytest.raises(DataError) as err:
        anonymise(_responses(0), SPEC, key=KEY)
    assert "no data rows" in str(err.value) and "excluded" not in str(err.value)


def test_load_placeholder_values_of_a_missing_file_says_no_such_file(tmp_path: Path) -> None:
    path = tmp_path / "details.yaml"
    with pytest.raises(ConfigurationError) as err:
        load_placeholder_values(path)
    assert f"{path}: no such file" in str(err.value) and "Errno" not in str(err.value)


def test_load_placeholder_values_of_a_folder_says_it_is_a_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as err:
        load_placeholder_values(tmp_path)
    assert f"{tmp_path} is a folder" in str(err.value) and "Errno" not in str(err.value)


def test_load_placeholder_values_of_a_non_utf8_file_says_save_as_utf8(tmp_path: Path) -> None:
    path = tmp_path / "details.yaml"
    path.write_bytes("trust_name: North\nlead: Ren\xe9e\n".encode("cp1252"))
    with pytest.raises(ConfigurationError) as err:
        load_placeholder_values(path)
    message = str(err.value)
    assert str(path) in message and "line 2" in message and "save it as UTF-8" in message
    assert "codec" not in message


def test_check_anonymity_refuses_an_infinite_l() -> None:
    frame = pd.DataFrame({"grade": ["FY1"] * 4, "answer": ["a", "b", "a", "b"]})
    with pytest.raises(DataError) as err:
        check_anonymity(frame, "grade", k=2, sensitive="answer", l=math.inf)
    assert err.value.code == "invalid-l" and "finite" in str(err.value)


def test_generalise_refuses_an_infinite_l() -> None:
    """l=inf was accepted: a target no release can meet (check_anonymity refused it)."""
    data = pd.DataFrame({"grade": ["FY1", "FY2"] * 5, "role": list("ab") * 5})
    with pytest.raises(DataError, match="finite") as info:
        generalise(
            data,
            {"grade": Hierarchy.from_rows([["FY1", "*"], ["FY2", "*"]])},
            k=2,
            l=math.inf,
            sensitive="role",
        )
    assert info.value.code == "invalid-l"


def test_instrument_numbers_yaml_reads_as_another_value_are_located() -> None:
    """YAML 1.1 reads 01 ... 07 as 1 ... 7 (octal) and 1:30 as 90 (base 60): trust codes 01 ...
    07 became numbers while 08 and 09 stayed text, silently; now each is a located problem."""
    from leadership_eval.instruments.loader import loads_instrument

    text = (
        "kind: survey\nid: s\nversion: 1.0.0\ntitle: T\nchoice_lists:\n  trust:\n"
        "    options: [{code: 01, label: A}, {code: 08, label: B}, {code: '07', label: C}]\n"
        "sections:\n  - id: s\n    title: S\n    items:\n"
        "      - {id: q, type: number, text: Q, max: 1:30, min: 0}\n"
    )
    with pytest.raises(InstrumentError) as info:
        loads_instrument(text, "s.yaml")
    message = str(info.value)
    assert "s.yaml:7:22: invalid-format: code: YAML reads 01 as 1" in message
    assert "s.yaml:12:45: invalid-format: max: YAML reads 1:30 as 90" in message
    assert "'07'" not in message and "08" not in message  # quoted, and read as written


def test_instrument_yes_and_no_yaml_reads_as_true_and_false_are_located() -> None:
    """YAML 1.1 reads yes, no, on and off as true and false: a choice code ``yes`` became the
    number 1 and ``no`` 0, silently; true and false themselves still read as written."""
    from leadership_eval.instruments.loader import loads_instrument

    text = (
        "kind: survey\nid: s\nversion: 1.0.0\ntitle: T\nchoice_lists:\n  yn:\n"
        '    options: [{code: yes, label: "Yes"}, {code: "no", label: "No"}]\n'
        "sections:\n  - id: s\n    title: S\n    items:\n"
        "      - {id: q, type: choice, choices: yn, text: Q, required: true}\n"
    )
    with pytest.raises(InstrumentError) as info:
        loads_instrument(text, "s.yaml")
    message = str(info.value)
    assert "s.yaml:7:22: invalid-format: code: YAML reads yes as True" in message
    assert "quote it ('yes')" in message and message.count("invalid-format") == 1
