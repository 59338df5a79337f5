"""Bad input files and arguments: hierarchies (``load_hierarchy``) and the personal-data finder.

One named regression test per case found in a hostile-input sweep of :func:`load_hierarchy`
(ARX CSV and YAML generalisation hierarchies) and :func:`find_personal_data`; each failed on the
code before its fix. Every bad input gets a :class:`~leadership_eval.errors.LeadershipEvalError`
that names the file and the line (or the argument) and says what to do, never a raw Python
error; and a roster name written differently from the text (typographic apostrophe, decomposed
accents, Turkish dotted I) is still found, so nobody is left identifiable.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from leadership_eval.errors import ArgumentError, ConfigurationError, DataError
from leadership_eval.privacy.hierarchy import load_hierarchy
from leadership_eval.privacy.text import find_personal_data, redact_text

# ----------------------------------------------------------------------------- load_hierarchy


def _csv(tmp_path: Path, text: str, name: str = "grade.csv") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode("utf-8"))
    return p


@pytest.mark.parametrize("path", [None, 5, ["grade.csv"], pd.DataFrame({"a": ["x"]})])
def test_a_hierarchy_path_that_is_not_a_path_is_refused(path: object) -> None:
    with pytest.raises(ArgumentError, match="load_hierarchy takes the path"):
        load_hierarchy(path)  # type: ignore[arg-type]


def test_a_hierarchy_path_that_is_a_folder_says_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="is a folder") as info:
        load_hierarchy(tmp_path)
    assert info.value.code == "missing-file"


@pytest.mark.parametrize("sep", ["", ";;", None, 1])
def test_a_hierarchy_separator_must_be_one_character(tmp_path: Path, sep: object) -> None:
    p = _csv(tmp_path, "FY1;Foundation;*\nST3;Specialty;*\n")
    with pytest.raises(ArgumentError, match="sep must be one character"):
        load_hierarchy(p, sep=sep)  # type: ignore[arg-type]


def test_a_comma_separated_hierarchy_is_refused_with_a_hint(tmp_path: Path) -> None:
    """Saved from a spreadsheet with ',': one column per row, not a hierarchy of text 'a,x,*'."""
    p = _csv(tmp_path, "FY1,Foundation,*\nST3,Specialty,*\n")
    with pytest.raises(ConfigurationError, match=r"sep=','") as info:
        load_hierarchy(p)
    assert "grade.csv" in str(info.value)
    assert info.value.code == "invalid-hierarchy"


def test_a_one_column_hierarchy_is_refused(tmp_path: Path) -> None:
    p = _csv(tmp_path, "FY1\nST3\n")
    with pytest.raises(ConfigurationError, match="one column"):
        load_hierarchy(p)


def test_ragged_hierarchy_rows_are_named_by_their_line_in_the_file(tmp_path: Path) -> None:
    p = _csv(tmp_path, "FY1;Foundation;*\n\n\nST3;*\n")
    with pytest.raises(ConfigurationError, match=r"line 4") as info:
        load_hierarchy(p)
    assert info.value.code == "invalid-hierarchy"


def test_a_blank_ancestor_in_a_hierarchy_is_refused_with_its_line(tmp_path: Path) -> None:
    """A blank generalised value would publish a blank (read as missing), not a coarser one."""
    p = _csv(tmp_path, "FY1;Foundation;*\nST3;;*\n")
    with pytest.raises(ConfigurationError, match=r"line 2.*level 1.*blank"):
        load_hierarchy(p)


def test_trailing_separators_and_blank_rows_from_a_spreadsheet_are_ignored(
    tmp_path: Path,
) -> None:
    p = _csv(tmp_path, "FY1;Foundation;*;\nST3;Specialty;*;\n;;;\n")
    h = load_hierarchy(p)
    assert h.n_levels == 3
    assert h.to_frame().values.tolist() == [["FY1", "Foundation", "*"], ["ST3", "Specialty", "*"]]


def test_a_hierarchy_in_latin_1_says_save_as_utf8_and_where(tmp_path: Path) -> None:
    p = tmp_path / "grade.csv"
    p.write_bytes("FY1;Foundation;*\nZoë;Specialty;*\n".encode("latin-1"))
    with pytest.raises(ConfigurationError, match=r"grade\.csv.*line 2.*UTF-8") as info:
        load_hierarchy(p)
    assert info.value.code == "not-utf8"


def test_a_utf16_hierarchy_with_its_byte_order_mark_is_read(tmp_path: Path) -> None:
    p = tmp_path / "grade.csv"
    p.write_bytes("FY1;Foundation;*\nZoë;Specialty;*\n".encode("utf-16"))
    assert load_hierarchy(p).to_frame()["level_0"].tolist() == ["FY1", "Zoë"]


def test_a_yaml_hierarchy_that_is_not_utf8_is_a_clear_error(tmp_path: Path) -> None:
    p = tmp_path / "grade.yaml"
    p.write_bytes("levels:\n  Zoë: [x, '*']\n".encode("latin-1"))
    with pytest.raises(ConfigurationError, match=r"grade\.yaml.*UTF-8") as info:
        load_hierarchy(p)
    assert info.value.code == "not-utf8"


def test_a_yaml_interval_top_must_be_one_label(tmp_path: Path) -> None:
    p = tmp_path / "age.yaml"
    p.write_text("intervals: [5, 10]\ntop: [1, 2]\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="'top' must be"):
        load_hierarchy(p)


# ----------------------------------------------------------------------------- find_personal_data


@pytest.mark.parametrize("names", [5, 3.5, True])
def test_names_that_are_not_a_list_are_refused(names: object) -> None:
    with pytest.raises(ArgumentError, match="names must be a list of strings"):
        find_personal_data("Sarah said", names=names)  # type: ignore[arg-type]


def test_places_that_are_not_a_list_are_refused() -> None:
    with pytest.raises(ArgumentError, match="places must be a list of strings"):
        find_personal_data("on Rowan Ward", places=7)  # type: ignore[arg-type]


def test_blank_cells_of_a_roster_column_are_skipped() -> None:
    roster = pd.read_csv(__import__("io").StringIO("name\nSarah Jones\n\nAmir Khan\n"))["name"]
    roster = pd.concat([roster, pd.Series([pd.NA], dtype=object)])
    found = find_personal_data("Sarah met Amir", names=roster)
    assert [s.text for s in found] == ["Sarah", "Amir"]


def test_a_roster_apostrophe_matches_a_typographic_one_in_the_text() -> None:
    """Rosters are typed with ' and Word turns the transcript's into ’ (and vice versa)."""
    assert redact_text("Siobhan O’Brien came; O’Brien said", names=["Siobhan O'Brien"]) == (
        "[NAME] came; [NAME] said"
    )
    assert redact_text("O'Brien said", names=["Siobhan O’Brien"]) == "[NAME] said"


def test_a_roster_name_with_decomposed_accents_is_found() -> None:
    """A roster exported by macOS (NFD: e + combining diaeresis) against a text typed in NFC."""
    assert redact_text("Zoë came", names=["Zoe\u0308 Smith"]) == "[NAME] came"


def test_a_turkish_dotted_capital_i_in_a_roster_is_found() -> None:
    assert redact_text("İbrahim came; ibrahim too", names=["İbrahim Yılmaz"]) == (
        "[NAME] came; [NAME] too"
    )
    assert redact_text("İbrahim Yılmaz came", names=["İbrahim Yılmaz"]) == "[NAME] came"


def test_bad_names_are_still_a_data_error() -> None:
    with pytest.raises(DataError, match="names must be strings"):
        find_personal_data("x", names=[1])  # type: ignore[list-item]
