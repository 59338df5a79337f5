"""Labelled SPSS/Stata/CSV output, read back with pyreadstat (an independent reader)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

from leadership_eval.errors import DataError
from leadership_eval.interop.common import InteropWarning
from leadership_eval.interop.labelled import CODEBOOK_COLUMNS, write_labelled
from test_interop_fixtures import rich_survey


def _raw() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rid": ["a1", "a2", "a3", "a4"],
            "trust": ["t01", "7", None, "t02"],
            "Grade_Now": ["fy1", "st", "fy2", None],
            "years": [1.0, 5.0, None, 12.0],
            "started": ["2024-01-02", None, "2023-08-01", "2022-02-28"],
            "acts": ["qi audit", None, "none", "teach"],
            "lead_1": pd.array([1, 9, -1, 5], dtype="Int64"),
            "comments": ["Fine", None, "", "Good"],
            "leader_identity": [3.5, None, 2.0, 4.0],
            "extra": [1, 2, 3, 4],
        },
        index=[10, 11, 12, 13],
    )


def test_sav_keeps_labels_and_user_missing(tmp_path: Path) -> None:
    path = write_labelled(_raw(), rich_survey(), tmp_path / "r.sav")
    data, meta = pyreadstat.read_sav(path, user_missing=True)
    assert len(data) == 4  # no row lost
    labels = meta.variable_value_labels
    assert (
        labels["lead_1"][9.0] == "Prefer not to say" and labels["lead_1"][-1.0] == "Not applicable"
    )
    assert labels["trust"]["7"] == "Trust seven"
    assert meta.missing_ranges["lead_1"] == [{"lo": 9.0, "hi": 9.0}, {"lo": -1.0, "hi": -1.0}]
    assert meta.column_names_to_labels["leader_identity"] == "Leader identity"
    assert (
        meta.column_names_to_labels["acts__qi"] == "What did you do together?: Quality improvement"
    )
    assert data["acts__qi"][0] == 1.0 and data["acts__qi"][3] == 0.0
    assert data["lead_1"].tolist() == [1.0, 9.0, -1.0, 5.0]
    assert meta.variable_measure["lead_1"] == "ordinal"
    assert str(data["started"][0])[:10] == "2024-01-02"
    # without user_missing, SPSS semantics: the declared missing codes read as missing
    plain, _ = pyreadstat.read_sav(path)
    assert plain["lead_1"].isna().tolist() == [False, True, True, False]


def test_multi_choice_indicators(tmp_path: Path) -> None:
    path = write_labelled(_raw(), rich_survey(), tmp_path / "r.sav")
    data, _ = pyreadstat.read_sav(path)
    assert data["acts__qi"].tolist()[0] == 1.0 and data["acts__audit"].tolist()[0] == 1.0
    assert pd.isna(data["acts__qi"].tolist()[1])  # not answered stays missing
    assert data["acts__none"].tolist()[2] == 1.0 and data["acts__teach"].tolist()[3] == 1.0


def test_dta_labels_and_extended_missing(tmp_path: Path) -> None:
    with pytest.warns(InteropWarning, match="recoded"):
        path = write_labelled(_raw(), rich_survey(), tmp_path / "r.dta", format="dta")
    data, meta = pyreadstat.read_dta(path, user_missing=True)
    assert data["lead_1"].tolist() == [1.0, "a", "b", 5.0]
    assert meta.missing_user_values["lead_1"] == ["a", "b"]
    assert meta.variable_value_labels["lead_1"]["a"] == "Prefer not to say"
    assert meta.variable_value_labels["trust"][3] == "7: Trust seven"
    assert data["trust"].tolist()[:2] == [1.0, 3.0]
    plain, _ = pyreadstat.read_dta(path)
    assert plain["lead_1"].isna().tolist() == [False, True, True, False]


def test_csv_and_codebook(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", InteropWarning)
        path = write_labelled(_raw(), rich_survey(), tmp_path / "r.csv", format="csv")
    data = pd.read_csv(path)
    assert len(data) == 4 and "acts__audit" in data
    book = pd.read_csv(tmp_path / "r_codebook.csv", dtype=str, keep_default_na=False)
    assert tuple(book.columns) == CODEBOOK_COLUMNS
    lead = book[book.variable == "lead_1"]
    assert lead.code.tolist() == ["1", "2", "3", "4", "5", "9", "-1"]
    assert lead.missing.tolist() == [""] * 5 + ["yes", "yes"]
    assert book[book.variable == "extra"].label.tolist() == [""]


def test_bad_input_is_reported(tmp_path: Path) -> None:
    raw = _raw()
    raw.loc[11, "started"] = "02/01/2024"
    with pytest.raises(DataError, match=r"not dates as YYYY-MM-DD \(rows \[11\]\)"):
        write_labelled(raw, rich_survey(), tmp_path / "r.sav")
    raw = _raw()
    raw.loc[10, "acts"] = "qi bogus"
    with pytest.raises(DataError, match="bogus"):
        write_labelled(raw, rich_survey(), tmp_path / "r.sav")
    raw = _raw()
    raw["lead_1"] = ["1", "x", None, "2"]
    with pytest.raises(DataError, match="not codes"):
        write_labelled(raw, rich_survey(), tmp_path / "r.sav")
    with pytest.raises(ValueError, match="format"):
        write_labelled(_raw(), rich_survey(), tmp_path / "r.xyz", format="xyz")  # type: ignore[arg-type]


# ------------------------------------------------------------ fidelity: levels, labels, missing

SHIPPED = ["trainee-survey", "supervisor-survey", "mentor-activity-log"]


def _shipped(survey_id: str):  # type: ignore[no-untyped-def]
    from leadership_eval.instruments.loader import load_instrument
    from leadership_eval.simulate import simulate_responses

    survey = load_instrument(survey_id)
    return survey, simulate_responses(survey, 60, seed=7, missing_code_rate=0.1)


@pytest.mark.parametrize("survey_id", SHIPPED)
def test_clean_data_keep_declared_missing_codes_as_user_missing(
    survey_id: str, tmp_path: Path
) -> None:
    from leadership_eval.responses import validate_responses

    survey, raw = _shipped(survey_id)
    report = validate_responses(survey, raw)
    path = write_labelled(report, survey, tmp_path / "clean.sav")
    back, meta = pyreadstat.read_sav(str(path), user_missing=True)
    checked = 0
    for item_id in report.missing.columns:
        item = survey.item(item_id)
        if item.type == "multi_choice":
            continue
        given = report.missing[item_id].dropna()
        for row, code in given.items():
            pos = report.data.index.get_loc(row)
            value = back.loc[pos, item.column_name]
            assert str(int(value) if isinstance(value, float) else value) == str(code)
            checked += 1
        if len(given):
            declared = {r["lo"] for r in meta.missing_ranges[item.column_name]}
            assert {float(c) if isinstance(c, int) else c for c in given} <= declared
    if any(cl.missing for cl in survey.choice_lists.values()):
        assert checked > 10  # "Prefer not to say" stays itself, and user-missing


@pytest.mark.parametrize("survey_id", SHIPPED)
def test_spss_measurement_levels(survey_id: str, tmp_path: Path) -> None:
    survey, raw = _shipped(survey_id)
    _, meta = pyreadstat.read_sav(str(write_labelled(raw, survey, tmp_path / "r.sav")))
    for item in survey.questions:
        if item.type in ("number", "date"):
            assert meta.variable_measure[item.column_name] == "scale", item.id
        elif item.type == "likert":
            assert meta.variable_measure[item.column_name] == "ordinal", item.id


@pytest.mark.parametrize("survey_id", SHIPPED)
def test_stata_labels_keep_the_option_and_the_full_text_beside(
    survey_id: str, tmp_path: Path
) -> None:
    import csv

    survey, raw = _shipped(survey_id)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InteropWarning)
        path = write_labelled(raw, survey, tmp_path / "r.dta", format="dta")
    _, meta = pyreadstat.read_dta(str(path))
    with (tmp_path / "r_codebook.csv").open(encoding="utf-8") as fh:
        full = {r["variable"]: r["label"] for r in csv.DictReader(fh)}
    for item in survey.questions:
        if item.type != "multi_choice":
            continue
        cl = survey.choices_for(item)
        for code in cl.all_codes:
            name = f"{item.id}__{code}"
            label = meta.column_names_to_labels[name]
            assert len(label) <= 80
            assert label.endswith(str(cl.label_of(code)))  # the option's text survives
            assert full[name] == f"{item.text}: {cl.label_of(code)}"


@pytest.mark.parametrize("survey_id", SHIPPED)
def test_sav_tick_boxes_read_back(survey_id: str, tmp_path: Path) -> None:
    from leadership_eval.readers import read_responses

    survey, raw = _shipped(survey_id)
    path = write_labelled(raw, survey, tmp_path / "r.sav")
    back = read_responses(path, survey)
    report = back.attrs["read_report"]
    assert report.source == "sav" and not report.unknown_columns
    for item in survey.questions:
        if item.type != "multi_choice":
            continue
        assert item.id in report.combined
        want = [None if pd.isna(v) else v.split() for v in raw[item.id]]
        got = [None if pd.isna(v) else v.split() for v in back[item.id]]
        assert got == want, item.id
