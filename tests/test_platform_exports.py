"""Data back from every platform: exports written as each platform writes them, read back.

For each of the three bundled surveys and each platform, ``platform_exports`` writes the file
the platform would give for simulated answers (every convention cited there); ``read_responses``
must detect the platform by itself and give back exactly the answers the file was built from,
with the platform's own record id as the respondent id.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import platform_exports as px
from leadership_eval.instruments.loader import load_instrument
from leadership_eval.instruments.models import Survey
from leadership_eval.readers import read_responses
from leadership_eval.simulate import simulate_responses

SHIPPED = ["trainee-survey", "supervisor-survey", "mentor-activity-log"]

WRITERS: dict[str, tuple[Callable[..., Any], dict[str, Any], str]] = {
    "odk-central": (px.odk_central, {}, "odk"),
    "odk-central-split": (px.odk_central, {"split": True}, "odk"),
    "odk-briefcase": (px.odk_briefcase, {}, "odk"),
    "kobo-xml": (px.kobo, {}, "kobo"),
    "kobo-labels": (px.kobo, {"labels": True}, "kobo"),
    "redcap-raw": (px.redcap, {}, "redcap"),
    "redcap-labels": (px.redcap, {"labels": True}, "redcap"),
    "limesurvey-codes": (px.limesurvey, {}, "limesurvey"),
    "limesurvey-em": (px.limesurvey, {"headings": "em"}, "limesurvey"),
    "limesurvey-full": (px.limesurvey, {"headings": "full"}, "limesurvey"),
    "msforms": (px.msforms, {}, "msforms"),
    "qualtrics-text": (px.qualtrics, {}, "qualtrics"),
    "qualtrics-numeric": (px.qualtrics, {"values": "numeric"}, "qualtrics"),
    "surveymonkey": (px.surveymonkey, {}, "surveymonkey"),
    "jisc": (px.jisc, {}, "jisc"),
}

_SURVEYS: dict[str, Survey] = {}
_DATA: dict[str, pd.DataFrame] = {}


def _survey(survey_id: str) -> Survey:
    if survey_id not in _SURVEYS:
        survey = load_instrument(survey_id)
        assert isinstance(survey, Survey)
        _SURVEYS[survey_id] = survey
        _DATA[survey_id] = simulate_responses(survey, 40, seed=20250303, missing_code_rate=0.08)
    return _SURVEYS[survey_id]


def _cells(series: pd.Series, multi: bool) -> list[Any]:
    out: list[Any] = []
    for v in series.tolist():
        if v is None or v is pd.NA or (isinstance(v, float) and v != v):
            out.append(None)
        elif multi:
            out.append(str(v).split())
        elif isinstance(v, float) and v.is_integer():
            out.append(int(v))
        else:
            out.append(v if isinstance(v, int | float) else str(v))
    return out


@pytest.mark.parametrize("survey_id", SHIPPED)
@pytest.mark.parametrize("platform", list(WRITERS))
def test_every_platform_reads_back_exactly(survey_id: str, platform: str, tmp_path: Path) -> None:
    survey = _survey(survey_id)
    data = _DATA[survey_id]
    writer, kwargs, expected_source = WRITERS[platform]
    path, ids = writer(survey, data, tmp_path, **kwargs)
    frame = read_responses(path, survey, source="auto")
    report = frame.attrs["read_report"]
    assert report.source == expected_source, report.summary()
    assert report.detected  # says why it chose that platform
    assert report.missing_items == [survey.respondent_id] or report.missing_items == [], (
        report.summary()
    )
    assert not report.unknown_columns, report.summary()
    assert not report.suggestions and not report.fuzzy, report.summary()
    assert len(frame) == len(data)
    # the platform's own record id is the respondent id
    assert frame[survey.respondent_id].astype(str).tolist() == ids
    for item in px.questions(survey):
        multi = item.type == "multi_choice"
        got = _cells(frame[item.id], multi)
        want = _cells(data[item.id], multi)
        if item.type == "number":  # spreadsheets keep 15 significant digits
            assert [g is None for g in got] == [w is None for w in want], item.id
            pairs = [(g, w) for g, w in zip(got, want, strict=True) if w is not None]
            assert all(g == pytest.approx(w, rel=1e-12) for g, w in pairs), item.id
        else:
            assert got == want, (item.id, report.summary())
