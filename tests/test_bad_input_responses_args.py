"""Bad arguments to the response functions give the library's own errors: one test per case.

Reading exports (``read_responses``, ``read_limesurvey_codes``), simulating, scoring and
reliability, validation and derived variables, and writing tables. Each case gave a raw
``FileNotFoundError``, ``IsADirectoryError``, ``TypeError``, ``AttributeError``,
``UnicodeDecodeError`` or numpy ``ValueError`` before (or wrote a cell wrongly), and was run
against that code and failed there. Every error now is a
:class:`~leadership_eval.errors.LeadershipEvalError` whose message names the argument or the
file, what was given and what was expected.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import leadership_eval as le
from leadership_eval.cli import app
from leadership_eval.errors import (
    ArgumentError,
    ConfigurationError,
    DataError,
    NotATableError,
)
from leadership_eval.instruments.loader import load_instrument
from leadership_eval.interop.common import InteropWarning
from leadership_eval.interop.limesurvey import (
    limesurvey_codes_path,
    read_limesurvey_codes,
    to_limesurvey,
)
from leadership_eval.readers import read_responses
from leadership_eval.safe_output import write_table
from leadership_eval.scoring import reverse_key

DATA = Path(__file__).parent / "data" / "exports"
SURVEY = load_instrument(DATA / "survey.yaml")
EXAMPLE = le.datasets.example_survey()

LIMESURVEY_EXPORT = (
    '"id","submitdate","lastpage","startlanguage","seed","startdate","datestamp",'
    '"grade","metmentor","activities[qi]","activities[audit]","lead1"\r\n'
    '"1","","2","en","1","","","fy1","1","Y","","4"\r\n'
)


@pytest.fixture(scope="module")
def responses() -> pd.DataFrame:
    return le.simulate_responses(EXAMPLE, 30, seed=1)


@pytest.fixture(scope="module")
def two_level(responses: pd.DataFrame) -> pd.DataFrame:
    out = responses.copy()
    out.columns = pd.MultiIndex.from_tuples([(c, "answer") for c in responses.columns])
    return out


@pytest.fixture
def codes_file(tmp_path: Path) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InteropWarning)
        txt = to_limesurvey(SURVEY, tmp_path / "s.txt")
    return limesurvey_codes_path(txt)


# ------------------------------------------------------------------------- read_responses


def test_read_responses_missing_file_is_a_data_error(tmp_path: Path) -> None:
    """A missing export was a raw FileNotFoundError."""
    with pytest.raises(DataError, match=r"nope\.csv: no such file") as info:
        read_responses(tmp_path / "nope.csv", SURVEY)
    assert info.value.code == "missing-file"


def test_read_responses_folder_is_a_data_error(tmp_path: Path) -> None:
    """A folder given as the export was a deliberate IsADirectoryError."""
    with pytest.raises(DataError, match="is a folder, not a file") as info:
        read_responses(tmp_path, SURVEY)
    assert info.value.code == "missing-file" and str(tmp_path) in str(info.value)
    assert not isinstance(info.value, OSError)


@pytest.mark.parametrize("path", [None, 3])
def test_read_responses_path_that_is_no_path_is_an_argument_error(path: object) -> None:
    """None or a number as the path was pathlib's TypeError."""
    with pytest.raises(ArgumentError, match=r"path must be .*str or pathlib\.Path") as info:
        read_responses(path, SURVEY)  # type: ignore[arg-type]
    assert type(path).__name__ in str(info.value)


def test_read_responses_missing_mapping_file_is_a_data_error(tmp_path: Path) -> None:
    """A LimeSurvey mapping= file that does not exist was a raw FileNotFoundError."""
    export = tmp_path / "results-survey123.csv"
    export.write_text(LIMESURVEY_EXPORT, encoding="utf-8-sig")
    with pytest.raises(DataError, match=r"nope_codes\.csv: no such file") as info:
        read_responses(export, SURVEY, mapping=tmp_path / "nope_codes.csv")
    assert info.value.code == "missing-file" and "LimeSurvey" in str(info.value)


def test_read_responses_sheet_as_a_float_is_an_argument_error() -> None:
    """sheet=1.0 reached pandas and was reported as a workbook problem."""
    with pytest.raises(ArgumentError, match=r"sheet must be .* not float: 1\.0"):
        read_responses(DATA / "responses.xlsx", SURVEY, sheet=1.0)  # type: ignore[arg-type]


def test_read_responses_columns_as_a_list_is_an_argument_error() -> None:
    """columns=["x"] was an AttributeError ('list' object has no attribute 'items')."""
    with pytest.raises(ArgumentError, match=r"columns must be a mapping .* not list"):
        read_responses(DATA / "responses.csv", SURVEY, columns=["x"])  # type: ignore[arg-type]


def test_read_responses_source_xlsx_on_a_csv_says_what_the_file_is() -> None:
    """source="xlsx" on a CSV passed on pandas' "Excel file format cannot be determined"."""
    with pytest.raises(DataError, match=r"not an \.xlsx workbook: it looks like text") as info:
        read_responses(DATA / "responses.csv", SURVEY, source="xlsx")
    assert "source='csv'" in str(info.value) and "engine" not in str(info.value)


def test_check_responses_cli_reports_a_folder_as_before(tmp_path: Path) -> None:
    """The command line said a folder 'is a folder, not a file'; it still does, as an error."""
    result = CliRunner().invoke(app, ["check-responses", str(DATA / "survey.yaml"), str(tmp_path)])
    assert result.exit_code == 1
    assert "error:" in result.output and "is a folder, not a file" in result.output


# -------------------------------------------------------------------- read_limesurvey_codes


def test_read_limesurvey_codes_folder_is_a_data_error(tmp_path: Path) -> None:
    """A folder was a raw IsADirectoryError."""
    with pytest.raises(DataError, match="is a folder, not a file") as info:
        read_limesurvey_codes(tmp_path)
    assert info.value.code == "missing-file"


def test_read_limesurvey_codes_missing_file_is_a_data_error(tmp_path: Path) -> None:
    """A missing codes file was a raw FileNotFoundError."""
    with pytest.raises(DataError, match=r"nope\.csv: no such file") as info:
        read_limesurvey_codes(tmp_path / "nope.csv")
    assert info.value.code == "missing-file"


def test_read_limesurvey_codes_reads_utf16_with_a_bom(codes_file: Path, tmp_path: Path) -> None:
    """A codes file saved as UTF-16 (with its byte order mark) was a UnicodeDecodeError."""
    utf16 = tmp_path / "utf16_codes.csv"
    utf16.write_bytes(codes_file.read_text(encoding="utf-8").encode("utf-16"))
    assert read_limesurvey_codes(utf16) == read_limesurvey_codes(codes_file)


def test_read_limesurvey_codes_not_utf8_is_a_data_error(codes_file: Path, tmp_path: Path) -> None:
    """A Latin-1 codes file was a UnicodeDecodeError naming no file."""
    latin = tmp_path / "latin_codes.csv"
    text = codes_file.read_text(encoding="utf-8").replace("fy1", "fÿ1")
    latin.write_bytes(text.encode("latin-1"))
    with pytest.raises(DataError, match=r"latin_codes\.csv: .* not UTF-8 text: byte 0xff") as info:
        read_limesurvey_codes(latin)
    assert info.value.code == "not-utf8"


def test_read_limesurvey_codes_utf16_without_bom_is_a_data_error(
    codes_file: Path, tmp_path: Path
) -> None:
    """UTF-16 without a byte order mark was read as UTF-8 and called 'not a mapping'."""
    bare = tmp_path / "bare_codes.csv"
    bare.write_bytes(codes_file.read_text(encoding="utf-8").encode("utf-16-le"))
    with pytest.raises(DataError, match="UTF-16 text without a byte order mark") as info:
        read_limesurvey_codes(bare)
    assert info.value.code == "not-utf8"


# ---------------------------------------------------------------------- simulate_responses


def test_simulate_zero_respondents_gives_an_empty_frame() -> None:
    """n=0 was numpy's 'zero-size array to reduction operation maximum'."""
    empty = le.simulate_responses("trainee-survey", 0)
    some = le.simulate_responses("trainee-survey", 3)
    assert empty.shape == (0, some.shape[1])
    assert list(empty.columns) == list(some.columns)
    assert (empty.dtypes == some.dtypes).all()


@pytest.mark.parametrize("seed", ["a", 1.5, True])
def test_simulate_seed_of_the_wrong_type_is_an_argument_error(seed: object) -> None:
    """seed="a" (or a fraction) was numpy's TypeError from SeedSequence."""
    with pytest.raises(ArgumentError, match="seed must be a whole number"):
        le.simulate_responses(EXAMPLE, 5, seed=seed)  # type: ignore[arg-type]


def test_simulate_negative_seed_is_a_configuration_error() -> None:
    """seed=-1 was numpy's ValueError."""
    with pytest.raises(ConfigurationError, match="seed must be a whole number of 0 or more"):
        le.simulate_responses(EXAMPLE, 5, seed=-1)


# --------------------------------------------------------------- score and reliability


@pytest.mark.parametrize("function", ["score", "reliability"])
def test_scales_as_a_number_is_an_argument_error(function: str, responses: pd.DataFrame) -> None:
    """scales=3 was "TypeError: 'int' object is not iterable"."""
    with pytest.raises(ArgumentError, match=r"scales must be a scale id .* not int: 3") as info:
        getattr(le, function)(EXAMPLE, responses, scales=3)
    assert "lead" in str(info.value)  # the scales there are


@pytest.mark.parametrize("ci", ["0.9", None])
def test_reliability_ci_that_is_no_number_is_an_argument_error(
    ci: object, responses: pd.DataFrame
) -> None:
    """ci="0.9" or ci=None was "'<' not supported between instances"."""
    with pytest.raises(ArgumentError, match="ci must be a number between 0 and 1"):
        le.reliability(EXAMPLE, responses, ci=ci)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "values",
    [pd.Series(["a", "b"]), pd.Series([1, 2]).astype("category"), np.array(["1", "2"])],
    ids=["text", "category", "text-array"],
)
def test_reverse_key_text_or_categories_is_a_data_error(values: object) -> None:
    """reverse_key on a text or category Series was "unsupported operand type(s) for -"."""
    with pytest.raises(DataError, match="reverse_key needs numbers; found") as info:
        reverse_key(values, 1, 5)
    assert info.value.code == "not-numeric"


@pytest.mark.parametrize("values", ["3", None, [1, 2]], ids=["str", "None", "list"])
def test_reverse_key_values_of_the_wrong_type_is_an_argument_error(values: object) -> None:
    """reverse_key on a str, None or a list was "unsupported operand type(s) for -"."""
    with pytest.raises(ArgumentError, match=f"not {type(values).__name__}"):
        reverse_key(values, 1, 5)


def test_reverse_key_bound_that_is_no_number_is_an_argument_error() -> None:
    """low="1" was math.isfinite's "must be real number, not str"."""
    with pytest.raises(ArgumentError, match="low must be a number, not str"):
        reverse_key(2, "1", 5)  # type: ignore[arg-type]


def test_reverse_key_still_takes_numbers() -> None:
    """The documented forms keep working (scalar, array, Series, DataFrame, nullable ints)."""
    assert reverse_key(2, 1, 5) == 4
    np.testing.assert_array_equal(reverse_key(np.array([1.0, np.nan]), 1, 5), [5.0, np.nan])
    assert reverse_key(pd.Series([1, None], dtype="Int64"), 1, 5).tolist() == [5, pd.NA]
    assert reverse_key(pd.DataFrame({"a": [1, 2]}), 1, 5)["a"].tolist() == [5, 4]


# --------------------------------------------------------- validation and derived variables


def test_validate_id_column_as_a_list_is_an_argument_error(responses: pd.DataFrame) -> None:
    """id_column=["rid"] was "TypeError: unhashable type: 'list'"."""
    with pytest.raises(ArgumentError, match=r"id_column must be .* not list: \['rid'\]"):
        le.validate_responses(EXAMPLE, responses, id_column=["rid"])  # type: ignore[arg-type]


@pytest.mark.parametrize("function", ["validate_responses", "score", "reliability"])
def test_two_level_columns_are_a_data_error(function: str, two_level: pd.DataFrame) -> None:
    """Two-level (MultiIndex) column labels were "'DataFrame' object has no attribute 'dtype'"."""
    with pytest.raises(DataError, match="must be one level of names") as info:
        getattr(le, function)(EXAMPLE, two_level)
    assert info.value.code == "multiindex" and "get_level_values" in str(info.value)


def test_derive_two_level_columns_are_a_data_error() -> None:
    """derive on MultiIndex columns was "'DataFrame' object has no attribute 'str'"."""
    data = pd.DataFrame({("trust", "code"): ["t01"], ("activities", "code"): ["course"]})
    with pytest.raises(DataError, match="must be one level of names") as info:
        le.derive("trainee-survey", data)
    assert info.value.code == "multiindex"


# ------------------------------------------------------------------------------ write_table


def test_write_table_of_none_is_not_a_table(tmp_path: Path) -> None:
    """write_table(None, path) was "'NoneType' object has no attribute 'columns'"."""
    with pytest.raises(NotATableError, match="must be a pandas DataFrame, not NoneType") as info:
        write_table(None, tmp_path / "t.csv")  # type: ignore[arg-type]
    assert info.value.code == "not-a-table"
    assert not (tmp_path / "t.csv").exists()


def test_write_table_csv_keeps_a_lone_surrogate_as_its_escape(tmp_path: Path) -> None:
    """A lone surrogate in text was a UnicodeEncodeError ('surrogates not allowed')."""
    path = write_table(pd.DataFrame({"a": ["a\ud800b", "fine"]}), tmp_path / "t.csv")
    text = path.read_bytes().decode("utf-8")
    assert text == "a\na\\ud800b\nfine\n"
    assert text.encode("utf-8").decode("unicode_escape").splitlines()[1] == "a\ud800b"


def test_write_table_csv_writes_a_missing_date_time_as_an_empty_cell(tmp_path: Path) -> None:
    """A missing date-time (NaT) was written as the text "NaT" (xlsx left the cell empty)."""
    frame = pd.DataFrame({"when": [pd.NaT, pd.Timestamp("2024-01-02")], "n": [1.0, None]})
    csv_path = write_table(frame, tmp_path / "t.csv")
    assert csv_path.read_text(encoding="utf-8") == "when,n\n,1.0\n2024-01-02 00:00:00,\n"
    back = pd.read_excel(write_table(frame, tmp_path / "t.xlsx"))
    assert back["when"].isna().tolist() == [True, False]
