"""Wrong arguments to the privacy functions give the library's own errors: one named test per case.

Each case was first run against the code before the fix and failed there: a raw TypeError or
AttributeError from Python, pandas or numpy, or an argument silently misread (a column name read
letter by letter, ``totals="no"`` read as True, a crosstab's ``All`` margins protected as a
category). Identifier columns and pseudonym keys (``identifiers``), the anonymisation pipeline's
column mapping (``pipeline``), and the options of table protection and its audit (``tables``,
``audit``, ``_system``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from leadership_eval.errors import ArgumentError, ConfigurationError, DataError, LeadershipEvalError
from leadership_eval.instruments.loader import loads_instrument
from leadership_eval.privacy.audit import audit_table, audit_tables
from leadership_eval.privacy.identifiers import (
    KEY_ENV,
    drop_direct_identifiers,
    find_identifier_columns,
    generate_key,
    pseudonymise,
    resolve_key,
)
from leadership_eval.privacy.pipeline import anonymise
from leadership_eval.privacy.tables import TableSum, protect_table, protect_tables

KEY = "a test key for bad arguments, 32+"

SURVEY_YAML = """
kind: survey
id: mini-survey
version: 1.0.0
title: Mini
respondent_id: rid
sections:
  - id: s1
    title: About you
    items:
      - {id: rid, type: text, text: Respondent id, disclosure: direct}
      - {id: email, type: text, text: Email, disclosure: direct}
      - {id: q1, type: number, text: Q1}
"""


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)


@pytest.fixture
def export() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rid": [f"r{i:02d}" for i in range(12)],
            "IPAddress": [f"192.0.2.{i}" for i in range(12)],
            "grade": ["FY1", "FY2"] * 6,
            "q1": [1, 2, 3] * 4,
        }
    )


@pytest.fixture
def counts() -> pd.DataFrame:
    return pd.DataFrame(
        {"yes": [3, 10, 8], "no": [9, 11, 20], "unsure": [12, 14, 6]}, index=["a", "b", "c"]
    )


@pytest.fixture
def published(counts: pd.DataFrame) -> pd.DataFrame:
    return protect_table(counts, min_cell=5).published


# ----------------------------------------------------------------- find_identifier_columns


def test_find_identifier_columns_takes_one_column_name_as_text(export: pd.DataFrame) -> None:
    """columns="IPAddress" was read letter by letter: "column(s) ['I', 'P', 'A', ...] are not
    in the data"."""
    found = find_identifier_columns(export, columns="IPAddress")
    assert found["column"].tolist() == ["IPAddress"]
    assert found["kind"].tolist() == ["ip-address"]


def test_find_identifier_columns_refuses_a_fractional_sample(export: pd.DataFrame) -> None:
    """sample=2.5 gave numpy's TypeError "slice indices must be integers"."""
    with pytest.raises(ArgumentError, match=r"sample must be a whole number .* got float 2\.5"):
        find_identifier_columns(export, sample=2.5)
    with pytest.raises(ArgumentError, match=r"sample must be a whole number .* got NoneType"):
        find_identifier_columns(export, sample=None)  # type: ignore[arg-type]


def test_find_identifier_columns_refuses_a_sample_below_one(export: pd.DataFrame) -> None:
    """sample=-1 was accepted and silently left out the last distinct value of every column
    (sample=0 examined no value at all)."""
    for sample in (-1, 0):
        with pytest.raises(DataError, match=rf"sample must be .* \(1 or more\), got {sample}"):
            find_identifier_columns(export, sample=sample)


def test_find_identifier_columns_names_a_column_of_lists(export: pd.DataFrame) -> None:
    """A column holding lists gave pandas' TypeError "unhashable type: 'list'", naming no
    column."""
    data = export.assign(tags=[["a"], ["b"]] * 6)
    with pytest.raises(DataError, match=r"column 'tags' holds a list in row 0") as info:
        find_identifier_columns(data)
    assert info.value.code == "unhashable-value"


def test_find_identifier_columns_refuses_a_flag_that_is_not_a_bool(export: pd.DataFrame) -> None:
    """by_name="no" was read as True (a non-empty string), and the names were matched."""
    with pytest.raises(ArgumentError, match="by_name must be True or False, got 'no'"):
        find_identifier_columns(export, by_name="no")  # type: ignore[arg-type]


# ----------------------------------------------------------------- drop_direct_identifiers


def test_drop_direct_identifiers_refuses_none_or_a_number_for_the_survey(
    export: pd.DataFrame,
) -> None:
    """drop_direct_identifiers(df, None) and (df, 5) gave "'NoneType' object is not
    iterable" and "'int' object is not iterable"."""
    for survey in (None, 5):
        with pytest.raises(ArgumentError, match=rf"a list of column names .* got \w+ {survey}"):
            drop_direct_identifiers(export, survey)


def test_drop_direct_identifiers_reads_a_none_entry_as_no_column(export: pd.DataFrame) -> None:
    """{"direct": None} gave "'NoneType' object is not iterable"; it now means no column."""
    out, dropped = drop_direct_identifiers(export, {"direct": None})
    assert dropped == [] and list(out.columns) == list(export.columns)
    with pytest.raises(ArgumentError, match=r"'direct' entry .* got int 5"):
        drop_direct_identifiers(export, {"direct": 5})


def test_drop_direct_identifiers_refuses_a_series_with_a_survey(export: pd.DataFrame) -> None:
    """A Series with a survey gave AttributeError "'Series' object has no attribute
    'columns'"."""
    survey = loads_instrument(SURVEY_YAML)
    with pytest.raises(ArgumentError, match="data must be a pandas DataFrame, not Series"):
        drop_direct_identifiers(export["rid"], survey)  # type: ignore[arg-type]


def test_drop_direct_identifiers_reads_keep_as_one_column(export: pd.DataFrame) -> None:
    """keep="rid" was read as the letters {'r', 'i', 'd'}: the respondent id asked to be kept
    was dropped."""
    survey = loads_instrument(SURVEY_YAML)
    out, dropped = drop_direct_identifiers(export, survey, keep="rid")
    assert "rid" in out.columns and dropped == []


# ----------------------------------------------------------------- anonymise


def test_anonymise_reads_a_none_entry_as_no_column(export: pd.DataFrame) -> None:
    """{"quasi": None, ...} gave "'NoneType' object is not iterable" in _roles."""
    result = anonymise(export, {"quasi": None, "none": ["q1"], "respondent_id": "rid"}, key=KEY)
    assert list(result.data.columns) == ["rid", "q1"]
    assert result.report_before is None  # no quasi-identifier


def test_anonymise_refuses_a_mapping_entry_that_is_no_list(export: pd.DataFrame) -> None:
    """{"quasi": 5} gave "'int' object is not iterable"."""
    with pytest.raises(ArgumentError, match=r"'quasi' entry of the survey mapping .* got int 5"):
        anonymise(export, {"quasi": 5, "respondent_id": "rid"}, key=KEY)


def test_anonymise_refuses_a_survey_that_is_no_survey_nor_mapping(export: pd.DataFrame) -> None:
    """survey=None gave a DataError that was no ArgumentError (not a TypeError either)."""
    for survey in (None, 5, ["grade"]):
        with pytest.raises(ArgumentError, match="survey must be a Survey or a mapping"):
            anonymise(export, survey, key=KEY)


# ----------------------------------------------------------------- keys


def test_resolve_key_refuses_a_key_env_that_is_not_text() -> None:
    """resolve_key(key_env=None) and pseudonymise(["a"], key_env=None) gave os.environ's
    TypeError "str expected, not NoneType"."""
    with pytest.raises(ArgumentError, match="key_env must be the name of an environment"):
        resolve_key(key_env=None)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match=r"key_env .* got NoneType None"):
        pseudonymise(["a"], key_env=None)  # type: ignore[arg-type]


def test_resolve_key_refuses_a_key_file_that_is_not_a_path() -> None:
    """key_file=5 gave pathlib's TypeError "expected str, bytes or os.PathLike object"."""
    with pytest.raises(ArgumentError, match=r"key_file must be a path .* got int 5"):
        resolve_key(key_file=5)  # type: ignore[arg-type]


def test_generate_key_refuses_a_path_that_is_not_one() -> None:
    """generate_key(None) and generate_key(5) gave pathlib's TypeError."""
    for path in (None, 5):
        with pytest.raises(ArgumentError, match=rf"path of the key file .* got \w+ {path}"):
            generate_key(path)  # type: ignore[arg-type]


# ----------------------------------------------------------------- protect_table(s)


def test_protect_table_refuses_a_time_limit_that_is_not_a_number(counts: pd.DataFrame) -> None:
    """solver_time_limit="5" gave "'>' not supported between instances of 'str' and 'int'";
    True was read as one second."""
    for limit in ("5", None, True):
        with pytest.raises(ArgumentError, match="solver_time_limit must be a number of seconds"):
            protect_table(counts, solver_time_limit=limit)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match=r"solver_time_limit .* got nan"):
        protect_table(counts, solver_time_limit=math.nan)


def test_protect_table_refuses_an_upper_protection_that_is_no_whole_number(
    counts: pd.DataFrame,
) -> None:
    """upper_protection="2" gave a TypeError from a comparison, 2.5 was used as given and NaN
    reached HiGHS ("HiGHS rejected the model")."""
    for level in ("2", 2.5, math.nan):
        with pytest.raises(ArgumentError, match="upper_protection must be a whole number"):
            protect_table(counts, upper_protection=level)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match=r"upper_protection .* at least 1, got 0"):
        protect_table(counts, upper_protection=0)


def test_protect_table_refuses_a_lower_protection_that_is_no_whole_number(
    counts: pd.DataFrame,
) -> None:
    """lower_protection="1" and None gave a TypeError from a comparison; NaN and 0.5 were
    accepted (NaN passed "< 0" and protected nothing)."""
    for level in ("1", None, math.nan, 0.5):
        with pytest.raises(ArgumentError, match="lower_protection must be a whole number"):
            protect_table(counts, lower_protection=level)  # type: ignore[arg-type]


def test_protect_table_refuses_a_sliding_protection_that_is_no_whole_number(
    counts: pd.DataFrame,
) -> None:
    """sliding_protection="1" gave a TypeError from a comparison; NaN was accepted."""
    for level in ("1", math.nan):
        with pytest.raises(ArgumentError, match="sliding_protection must be a whole number"):
            protect_table(counts, sliding_protection=level)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match=r"sliding_protection .* got -1"):
        protect_table(counts, sliding_protection=-1)


def test_protect_tables_reads_links_none_as_no_links(counts: pd.DataFrame) -> None:
    """links=None gave "'NoneType' object is not iterable" in build_system."""
    tabs, audit = protect_tables([counts], links=None)  # type: ignore[arg-type]
    assert audit.safe(5) and tabs[0].n_primary == 1


def test_protect_tables_takes_one_link_alone(counts: pd.DataFrame) -> None:
    """links=TableSum(...) (not in a list) gave "'TableSum' object is not iterable"; a string
    gave a DataError about links of type str."""
    tables = {"a": counts, "b": counts, "region": counts * 2}
    alone = protect_tables(tables, links=TableSum("region", ["a", "b"]))  # type: ignore[arg-type]
    listed = protect_tables(tables, links=[TableSum("region", ["a", "b"])])
    pd.testing.assert_frame_equal(alone.audit.frame, listed.audit.frame)
    with pytest.raises(ArgumentError, match="links must be a list of TableSum or SharedLine"):
        protect_tables(tables, links="region")  # type: ignore[arg-type]


def test_table_sum_takes_one_part_as_a_name() -> None:
    """TableSum("region", "ab") read the part's name letter by letter: parts ('a', 'b')."""
    assert TableSum("region", "ab").parts == ("ab",)
    assert TableSum("region", 1).parts == (1,)  # type: ignore[arg-type]


def test_protect_table_refuses_crosstab_all_margins() -> None:
    """pd.crosstab(..., margins=True) names its margins "All": they were protected as a
    category and published beside a second, doubled "Total"."""
    rows = pd.Series(list("aabbbbbbbcccccc"), name="trust")
    cols = pd.Series(list("xyxyxyxyxyxyxyx"), name="answer")
    with pytest.raises(DataError, match=r"its row 'All' adds up to the other rows.*margins_name"):
        protect_table(pd.crosstab(rows, cols, margins=True))
    # renamed, they are read as the margins; a real category named All is kept
    p = protect_table(pd.crosstab(rows, cols, margins=True, margins_name="Total"))
    assert p.published.loc["Total", "Total"] == 15
    t = pd.DataFrame({"Some": [6, 7], "All": [9, 8]}, index=["a", "b"])
    assert list(protect_table(t).published.columns) == ["Some", "All", "Total"]


# ----------------------------------------------------------------- audit_table(s)


def test_audit_table_refuses_a_rounding_base_that_is_no_whole_number(
    published: pd.DataFrame,
) -> None:
    """rounding="5" gave "unsupported operand type(s) for //: 'str' and 'int'"; 2.5 was used
    as a base; NaN reached HiGHS."""
    for base in ("5", 2.5, math.nan):
        with pytest.raises(ArgumentError, match="rounding must be a whole number"):
            audit_table(published, rounding=base)  # type: ignore[arg-type]


def test_audit_table_refuses_a_rounding_base_below_one(published: pd.DataFrame) -> None:
    """rounding=-5 gave a DataError saying the published table was inconsistent; rounding=0
    was taken for no rounding and skipped the consistency check."""
    for base in (-5, 0):
        with pytest.raises(ConfigurationError, match=rf"rounding .* at least 1, got {base}"):
            audit_table(published, rounding=base)


def test_audit_table_refuses_a_threshold_that_is_no_count(published: pd.DataFrame) -> None:
    """threshold="5" gave numpy's UFuncTypeError; threshold=-5 was accepted."""
    with pytest.raises(ArgumentError, match=r"threshold must be a whole number .* got str '5'"):
        audit_table(published, rounding=5, threshold="5")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match=r"threshold .* at least 0, got -5"):
        audit_table(published, rounding=5, threshold=-5)
    assert audit_table(published, rounding=5, threshold=np.int64(8)).safe(5)


def test_audit_table_refuses_totals_that_is_not_a_bool(published: pd.DataFrame) -> None:
    """totals="no" was read as True (the margins used), totals=None as False."""
    for totals in ("no", None):
        with pytest.raises(ArgumentError, match="totals must be True or False"):
            audit_table(published, totals=totals)  # type: ignore[arg-type]


def test_audit_table_names_crosstab_all_margins_when_no_total() -> None:
    """A crosstab's "All" margins gave only "has no 'Total' row or column"."""
    rows = pd.Series(list("aabbbbbbbcccccc"), name="trust")
    cols = pd.Series(list("xyxyxyxyxyxyxyx"), name="answer")
    with pytest.raises(DataError, match="'All' row or column is not read as a margin"):
        audit_table(pd.crosstab(rows, cols, margins=True))


def test_audit_tables_reads_links_none_as_no_links(published: pd.DataFrame) -> None:
    """links=None gave "'NoneType' object is not iterable" in build_system."""
    res = audit_tables([published], links=None)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(res.frame.drop(columns="table"), audit_table(published).frame)


def test_audit_tables_refuses_published_that_is_no_list(published: pd.DataFrame) -> None:
    """published=5 gave "'int' object is not iterable"; a single frame was read as its column
    names ("published table 0 must be a pandas DataFrame ..., got str"); [] gave an empty
    audit that called itself safe."""
    with pytest.raises(ArgumentError, match=r"published must be a list or a dict .* got int"):
        audit_tables(5)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="got DataFrame; audit one table with audit_table"):
        audit_tables(published)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="needs at least one published table"):
        audit_tables([])


def test_every_error_here_is_the_librarys_own(export: pd.DataFrame) -> None:
    """The errors above are LeadershipEvalError (and TypeError for a wrong type), so callers
    catching either still catch them."""
    with pytest.raises(LeadershipEvalError):
        find_identifier_columns(export, sample=2.5)
    with pytest.raises(TypeError):
        generate_key(None)  # type: ignore[arg-type]
