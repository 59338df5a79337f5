"""Reading survey exports: CSV, XLSX, SPSS, REDCap and ODK/Kobo (tests/data/exports/).

Every export holds the same ten records, written by tests/data/exports/make_exports.py, with
problems planted at known cells (listed there). Read and validated, each export must reveal
exactly those problems, at the same rows and columns, whatever the format.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from leadership_eval.errors import DataError
from leadership_eval.instruments.loader import load_instrument
from leadership_eval.readers import ReadReport, read_responses
from leadership_eval.responses import validate_responses

DATA = Path(__file__).parent / "data" / "exports"
SURVEY = load_instrument(DATA / "survey.yaml")

# (row position, column, code) planted in make_exports.RECORDS
PLANTED = {
    (2, "meetings", "out-of-range"),
    (3, "activities", "invalid-code"),
    (3, "lead_1", "invalid-code"),
    (4, "start_date", "wrong-type"),
    (4, "meetings", "answered-when-hidden"),
    (5, "meetings", "missing-required"),
    (5, "qi_impact", "answered-when-hidden"),
    (6, "rid", "duplicate-id"),
    (8, "meetings", "not-an-integer"),
    (8, "hours", "out-of-range"),
    (9, "hours", "wrong-type"),
}
NO_WORD_IN_NUMBER = PLANTED - {(9, "hours", "wrong-type")}  # SPSS numeric variables
NO_STRAY_CODE = PLANTED - {(3, "activities", "invalid-code")}  # checkbox/split layouts

CASES = [
    ("responses.csv", "csv", PLANTED),
    ("responses_cp1252.csv", "csv", PLANTED),
    ("responses.xlsx", "xlsx", PLANTED),
    ("responses.sav", "sav", NO_WORD_IN_NUMBER),
    ("redcap.csv", "redcap", NO_STRAY_CODE),
    ("kobo.csv", "kobo", PLANTED),
    ("kobo_split.csv", "kobo", NO_STRAY_CODE),
]


def _errors(report: object) -> set[tuple[int, str, str]]:
    e = report.errors  # type: ignore[attr-defined]
    e = e[e["severity"] == "error"]
    return set(zip(e["position"].tolist(), e["column"], e["code"], strict=True))


@pytest.mark.parametrize(("name", "source", "expected"), CASES)
def test_every_format_reveals_the_planted_problems(
    name: str, source: str, expected: set[tuple[int, str, str]]
) -> None:
    frame = read_responses(DATA / name, SURVEY)
    report_ = frame.attrs["read_report"]
    assert isinstance(report_, ReadReport) and report_.source == source
    assert report_.missing_items == []
    assert len(frame) == 10
    report = validate_responses(SURVEY, frame)
    assert _errors(report) == expected
    assert report.excluded["excluded_reason"].tolist() == ["duplicate-id", "empty-row"]
    assert len(report.data) + len(report.excluded) == 10
    # the same clean answers, whatever the format
    data = report.data
    assert data.loc[0, ["activities__qi", "activities__teach", "activities__audit"]].tolist() == [
        1,
        1,
        0,
    ]
    assert data.loc[1, "activities__qi"] is pd.NA  # not shown: NA, not 0
    assert data.loc[1, "comments"] == "Très bien"
    assert report.missing.loc[1, "lead_2"] == 9
    assert report.missing.loc[2, "lead_1"] == 8  # SPSS: -99 "Not applicable" recoded to 8
    assert report.missing.loc[3, "grade"] == "pns"
    assert data.loc[4, "meetings"] == 5.0  # answered when hidden: kept, and flagged
    assert report.hidden.loc[4, "meetings"]
    assert str(data.loc[0, "start_date"].date()) == "2024-08-07"


def test_csv_column_mapping_and_unknown_columns() -> None:
    frame = read_responses(DATA / "responses.csv", SURVEY)
    rep = frame.attrs["read_report"]
    assert rep.encoding == "utf-8"
    assert rep.renamed == {"Training grade": "grade", " LEAD_1 ": "lead_1"}
    assert rep.unknown_columns == ["source_note"]
    assert frame["source_note"].tolist() == ["web"] * 10  # kept, not dropped
    assert frame["lead_1"].dtype == "Int64" and frame["meetings"].dtype == "float64"
    assert rep.string_columns == ["hours"]  # "abc": left as text for the validator
    assert frame.loc[3, "activities"] == "qi golf"


def test_cp1252_and_semicolons() -> None:
    frame = read_responses(DATA / "responses_cp1252.csv", SURVEY)
    assert frame.attrs["read_report"].encoding == "cp1252"
    assert frame.loc[1, "comments"] == "Très bien"


def test_xlsx_dates_and_sheets() -> None:
    frame = read_responses(DATA / "responses.xlsx", SURVEY, sheet="responses")
    assert frame.loc[0, "start_date"] == "2024-08-07"  # an Excel date -> ISO text
    assert frame.loc[4, "start_date"] == "2024-13-45"  # text stays text
    assert frame["lead_1"].dtype == "Int64"
    with pytest.raises(DataError, match=r"responses\.xlsx"):
        read_responses(DATA / "responses.xlsx", SURVEY, sheet="nope")


def test_sav_user_missing_values() -> None:
    frame = read_responses(DATA / "responses.sav", SURVEY)
    rep = frame.attrs["read_report"]
    assert rep.recoded == [
        "lead_1: SPSS user-missing -99 (Not applicable) -> survey missing code 8 (1 value)"
    ]
    assert frame.loc[2, "lead_1"] == 8
    assert frame.loc[1, "lead_2"] == 9  # a declared missing code: kept as it is
    assert frame.loc[7, "rid"] == "r08" and pd.isna(frame.loc[7, "grade"])


def test_redcap_checkboxes_and_record_id() -> None:
    frame = read_responses(DATA / "redcap.csv", SURVEY)
    rep = frame.attrs["read_report"]
    assert rep.renamed == {"record_id": "rid"}
    assert rep.combined["activities"][0] == "activities___qi"
    assert rep.metadata_columns == ["redcap_event_name", "trainee_survey_complete"]
    assert rep.unknown_columns == []
    assert frame.loc[0, "activities"] == "qi teach"
    assert pd.isna(frame.loc[1, "activities"])  # no box ticked: no answer
    assert "redcap_event_name" in frame.columns


def test_kobo_groups_and_split_columns() -> None:
    frame = read_responses(DATA / "kobo.csv", SURVEY)
    rep = frame.attrs["read_report"]
    assert rep.renamed["about/grade"] == "grade"
    assert rep.renamed["mentor/activities"] == "activities"
    assert "meta/instanceID" in rep.metadata_columns and "_uuid" in rep.metadata_columns
    assert frame.loc[3, "activities"] == "qi golf"  # the answer column wins over split ones
    split = read_responses(DATA / "kobo_split.csv", SURVEY)
    assert split.loc[0, "activities"] == "qi teach"
    assert split.attrs["read_report"].combined["activities"][0] == "mentor/activities/qi"
    forced = read_responses(DATA / "kobo.csv", SURVEY, source="kobotoolbox")
    assert forced.attrs["read_report"].source == "kobo"
    assert forced.attrs["read_report"].detected is None


def test_missing_item_columns_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "part.csv"
    path.write_text("rid,grade,lead_1,extra\nr1,fy1,3,x\n", encoding="utf-8")
    frame = read_responses(path, SURVEY)
    rep = frame.attrs["read_report"]
    assert "hours" in rep.missing_items and "rid" not in rep.missing_items
    assert rep.unknown_columns == ["extra"]
    report = validate_responses(SURVEY, frame)
    missing = report.errors[report.errors["code"] == "missing-column"]["column"].tolist()
    assert missing == rep.missing_items


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty-file"),
        (b"  \n\n", "empty-file"),
        (b"r01,fy1,3\nr02,st,4\n", "no-item-columns"),  # no header row
        (b"\x00\x01\x02binary\x00", "not-a-table"),
        (b"rid,grade\n\x81\x8d,fy1\n", "bad-encoding"),
        (b"rid,grade,grade\nr1,fy1,fy1\n", "duplicate-column"),
        (b"rid,grade,Training grade\nr1,fy1,fy1\n", "duplicate-column"),
    ],
)
def test_bad_files_raise_data_error_naming_the_file(
    tmp_path: Path, content: bytes, code: str
) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    with pytest.raises(DataError) as info:
        read_responses(path, SURVEY)
    assert info.value.code == code
    assert "export.csv" in str(info.value)


def test_bad_workbook_and_source(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DataError, match=r"broken\.xlsx"):
        read_responses(path, SURVEY)
    with pytest.raises(DataError, match="unknown source"):
        read_responses(DATA / "responses.csv", SURVEY, source="typeform")


def test_header_only_file_reads_as_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("rid,grade,met_mentor\n", encoding="utf-8")
    frame = read_responses(path, SURVEY)
    assert len(frame) == 0 and list(frame.columns) == ["rid", "grade", "met_mentor"]
    report = validate_responses(SURVEY, frame)
    assert len(report.data) == 0


def test_round_trip_through_files_gives_the_same_clean_data(tmp_path: Path) -> None:
    from test_responses import make_valid

    raw = make_valid(60, seed=13)
    expected = validate_responses(SURVEY, raw).data
    raw.to_csv(tmp_path / "r.csv", index=False)
    raw.to_excel(tmp_path / "r.xlsx", index=False)
    for name in ("r.csv", "r.xlsx"):
        frame = read_responses(tmp_path / name, SURVEY)
        report = validate_responses(SURVEY, frame)
        assert report.valid, (name, report.errors.head())
        pd.testing.assert_frame_equal(report.data, expected, check_dtype=True)


# ------------------------------------------------------------------ labels, texts, platforms


def test_labels_are_read_as_codes_once_per_column(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    rows = ["rid,grade,met_mentor,lead_1,activities"]
    rows += ["r1, Foundation year 1 ,Yes,agree,Quality improvement project;Teaching"]
    rows += ["r2,SPECIALTY TRAINEE,No,Prefer not to say,"]
    rows += ["r3,fy2,1,4,audit mgmt"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    frame = read_responses(path, SURVEY)
    rep = frame.attrs["read_report"]
    assert frame["grade"].tolist() == ["fy1", "st", "fy2"]
    assert frame["met_mentor"].tolist() == [1, 2, 1]
    assert frame["lead_1"].tolist() == [4, 9, 4]
    assert frame.loc[0, "activities"] == "qi teach" and frame.loc[2, "activities"] == "audit mgmt"
    # reported once per column, with what each label became
    assert rep.labelled["grade"] == {"Foundation year 1": "fy1", "SPECIALTY TRAINEE": "st"}
    assert rep.labelled["lead_1"] == {"agree": "4", "Prefer not to say": "9"}
    assert rep.suggestions == []
    errors = validate_responses(SURVEY, frame).errors
    assert not errors["code"].isin(["invalid-code", "wrong-type"]).any()


def test_a_partly_labelled_column_gets_did_you_mean_per_distinct_value(tmp_path: Path) -> None:
    path = tmp_path / "partly.csv"
    body = ["Agree", "Strongly agre", "Strongly agre", "5", "Disagre", "Agree"]
    path.write_text("lead_1\n" + "\n".join(body) + "\n", encoding="utf-8")
    frame = read_responses(path, SURVEY)
    rep = frame.attrs["read_report"]
    assert frame["lead_1"].tolist() == ["4", "Strongly agre", "Strongly agre", "5", "Disagre", "4"]
    assert rep.suggestions == [
        "lead_1: 'Strongly agre' is no option of 'lead_1'; did you mean 'Strongly agree'? "
        "(left as it is)",
        "lead_1: 'Disagre' is no option of 'lead_1'; did you mean 'Disagree'? (left as it is)",
    ]
    # left for the validator, which reports each cell where it is
    errors = validate_responses(SURVEY, frame).errors
    assert errors[errors["code"] == "invalid-code"]["position"].tolist() == [1, 2, 4]


def test_question_texts_match_and_fuzzy_headings_wait_for_confirmation(tmp_path: Path) -> None:
    path = tmp_path / "texts.csv"
    path.write_text(
        "Your grade,Have you met your mentor?,I see my self as a leader!,notes\n"
        "FY1?,Yes,Agree,x\n".replace("FY1?", "Foundation year 1"),
        encoding="utf-8",
    )
    frame = read_responses(path, SURVEY)
    rep = frame.attrs["read_report"]
    assert rep.matched_by_text == {"Your grade": "grade", "Have you met your mentor?": "met_mentor"}
    assert rep.fuzzy["I see my self as a leader!"][0] == "lead_1"
    assert "I see my self as a leader!" in rep.unknown_columns  # not used until confirmed
    assert "confirm it with columns=" in rep.summary()
    confirmed = read_responses(path, SURVEY, accept_fuzzy=True)
    assert confirmed.loc[0, "lead_1"] == 4
    given = read_responses(path, SURVEY, columns={"notes": "comments"})
    assert given.loc[0, "comments"] == "x"
    with pytest.raises(DataError, match="is no item"):
        read_responses(path, SURVEY, columns={"notes": "nothing_like_it"})


def test_source_auto_says_which_platform_and_why(tmp_path: Path) -> None:
    frame = read_responses(DATA / "redcap.csv", SURVEY, source="auto")
    rep = frame.attrs["read_report"]
    assert rep.source == "redcap" and "REDCap" in rep.detected
    assert (
        rep.summary()
        .splitlines()[0]
        .endswith(f"read as REDCap (raw or label export) ({rep.detected})")
    )
    plain = read_responses(DATA / "responses.csv", SURVEY, source="auto").attrs["read_report"]
    assert plain.source == "csv" and "plain table" in plain.detected


def test_limesurvey_mapping_file_wins(tmp_path: Path) -> None:
    """An adopter renamed an answer code in LimeSurvey and edited the mapping to match."""
    import warnings

    from leadership_eval.interop.common import InteropWarning
    from leadership_eval.interop.limesurvey import limesurvey_codes_path, to_limesurvey

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InteropWarning)
        txt = to_limesurvey(SURVEY, tmp_path / "s.txt")
    mapping = limesurvey_codes_path(txt)
    text = mapping.read_text(encoding="utf-8").replace("grade,fy1,fy1", "grade,fy1,F1")
    mapping.write_text(text, encoding="utf-8")
    export = tmp_path / "results-survey123.csv"
    export.write_text(
        '"id","submitdate","lastpage","startlanguage","seed","startdate","datestamp",'
        '"grade","metmentor","activities[qi]","activities[audit]","lead1"\r\n'
        '"1","","2","en","1","","","F1","1","Y","","4"\r\n'
        '"2","","2","en","2","","","st","2","","","9"\r\n',
        encoding="utf-8-sig",
    )
    frame = read_responses(export, SURVEY, mapping=mapping)
    rep = frame.attrs["read_report"]
    assert rep.source == "limesurvey" and rep.respondent_id == "id"
    assert frame["rid"].tolist() == ["1", "2"]
    assert frame["grade"].tolist() == ["fy1", "st"]
    assert frame.loc[0, "activities"] == "qi" and pd.isna(frame.loc[1, "activities"])
    assert rep.combined["activities"] == ["activities[qi]", "activities[audit]"]
    assert frame["lead_1"].tolist() == [4, 9]


def test_qualtrics_header_rows_are_counted_not_guessed(tmp_path: Path) -> None:
    """Three rows (ImportIds), two (older exports: names, then texts) or one (a data table)."""
    names = "StartDate,EndDate,Progress,Finished,ResponseId,Q1,Q2\n"
    texts = (
        "Start Date,End Date,Progress,Finished,Response ID,Your grade,Have you met your mentor?\n"
    )
    rows = "2025-03-01,2025-03-01,100,1,R_abc123,Foundation year 1,Yes\n"
    for name, content, header_rows in (
        ("two.csv", names + texts + rows, 2),
        ("one.csv", "StartDate,EndDate,Progress,Finished,ResponseId,grade,met_mentor\n" + rows, 1),
    ):
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        frame = read_responses(path, SURVEY)
        rep = frame.attrs["read_report"]
        assert rep.source == "qualtrics" and rep.header_rows == header_rows
        assert frame["rid"].tolist() == ["R_abc123"] and frame["grade"].tolist() == ["fy1"]
        assert frame["met_mentor"].tolist() == [1]
