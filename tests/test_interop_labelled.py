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
