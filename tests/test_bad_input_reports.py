"""The report pipeline (:func:`leadership_eval.build_reports`) on unusual but valid data.

Each test gives the pipeline data a real evaluation can produce (nobody consenting, response
ids that repeat, response counts per trust with gaps, an activity log with declined records or
with trust codes of another list, reviewed comments naming a trust by its label, a previous
wave that cannot be published) and checks that it either makes correct reports or stops with a
clear library error that says where and what, never a Python traceback, never a number the
disclosure rules forbid, and never data dropped without a word.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import leadership_eval as le
from leadership_eval.errors import DataError, DataWarning, DisclosureError

KEY = b"bad-input-reports test key 0123456789"
SIZES = {"t01": 12, "t02": 9, "t03": 6, "t04": 2}


@pytest.fixture(scope="module")
def responses() -> pd.DataFrame:
    """Trainee survey returns from four trusts: three with a report, one pooled."""
    return le.simulate_responses("trainee-survey", sum(SIZES.values()), groups=SIZES, seed=3)


def _log(sizes: dict[str, int], **options: float) -> pd.DataFrame:
    return le.simulate_responses(
        "mentor-activity-log", sum(sizes.values()), groups=sizes, seed=4, **options
    )


def _build(data: pd.DataFrame, tmp_path: Path, **options: object) -> le.ReportSet:
    return le.build_reports("trainee-survey", data, tmp_path / "out", key=KEY, **options)


# ------------------------------------------------------------------ response counts (eligible=)


@pytest.mark.parametrize("missing", [None, float("nan")], ids=["None", "NaN"])
def test_trust_without_an_eligible_count_gets_no_rate(
    responses: pd.DataFrame, tmp_path: Path, missing: float | None
) -> None:
    """A trust list with an empty count (None, or NaN read from a CSV) raised TypeError or
    ValueError from ``int()``; the trust now simply has no response rate."""
    result = _build(responses, tmp_path, eligible={"t01": 48, "t02": missing, "t03": 24})
    pub = result.publication
    assert pub is not None
    assert pub.response_rates["t02"] is None and "t02" not in pub.eligible
    assert pub.response_rates["t01"] is not None and pub.eligible["t01"] == 48


def test_eligible_counts_as_a_series_are_read(responses: pd.DataFrame, tmp_path: Path) -> None:
    """A Series (a CSV column indexed by trust) raised "The truth value of a Series is
    ambiguous"; it is read like a mapping."""
    counts = pd.Series({"t01": 48, "t02": 36.0, "t03": np.nan}, name="eligible")
    pub = _build(responses, tmp_path, eligible=counts).publication
    assert pub is not None
    assert pub.eligible == {"t01": 48, "t02": 36}
    assert pub.response_rates["t03"] is None


@pytest.mark.parametrize(
    ("value", "code"),
    [("48", "not-numeric"), (True, "not-numeric"), (-5, "invalid-count"), (40.5, "invalid-count")],
    ids=["text", "bool", "negative", "fraction"],
)
def test_eligible_count_that_is_not_a_whole_number_is_refused(
    responses: pd.DataFrame, tmp_path: Path, value: object, code: str
) -> None:
    """Text raised TypeError (``'>' not supported``); a negative count gave no rate without a
    word, a fraction was cut to a whole number, True counted as 1 invited."""
    with pytest.raises(DataError, match="t01") as caught:
        _build(responses, tmp_path, eligible={"t01": value, "t02": 36})
    assert caught.value.code == code
    assert not (tmp_path / "out").exists()


def test_fewer_invited_than_responded_is_refused(responses: pd.DataFrame, tmp_path: Path) -> None:
    """10 invited and 12 responses was published as "about 100%, 12 of 10 invited"."""
    with pytest.raises(DataError, match=r"10 invited in 't01'") as caught:
        _build(responses, tmp_path, eligible={"t01": 10, "t02": 36})
    assert caught.value.code == "invalid-count"


def test_eligible_counts_naming_no_trust_of_the_data_are_refused(
    responses: pd.DataFrame, tmp_path: Path
) -> None:
    """Counts keyed by the trusts' labels matched no trust: every rate silently vanished."""
    with pytest.raises(DataError, match="Trust 01") as caught:
        _build(responses, tmp_path, eligible={"Trust 01": 48, "Trust 02": 36})
    assert caught.value.code == "unknown-group"
    assert "'t01'" in str(caught.value)


def test_eligible_counts_of_unknown_trusts_are_warned_about(
    responses: pd.DataFrame, tmp_path: Path
) -> None:
    """A count for a trust that is no trust of the survey was ignored without a word."""
    with pytest.warns(DataWarning, match="T02"):
        result = _build(responses, tmp_path, eligible={"t01": 48, "T02": 36, "t09": 30})
    pub = result.publication
    assert pub is not None and pub.response_rates["t01"] is not None


# ------------------------------------------------------------------ consent and excluded rows


def test_nobody_consenting_is_said_so(responses: pd.DataFrame, tmp_path: Path) -> None:
    """Every row declining consent was reported as "no trust has at least 5 respondents"."""
    with pytest.raises(DataError, match=r"consent") as caught:
        _build(responses.assign(consent=0), tmp_path)
    assert caught.value.code == "no-rows"
    assert str(len(responses)) in str(caught.value)


def test_no_qualifying_group_says_which_rows_validation_excluded(
    responses: pd.DataFrame, tmp_path: Path
) -> None:
    """Every row sharing one respondent id left one row, and the error said only that no trust
    had enough respondents."""
    with pytest.raises(DisclosureError, match="duplicate-id") as caught:
        _build(responses.assign(respondent_id="R1"), tmp_path)
    assert caught.value.code == "no-qualifying-group"
    assert f"{len(responses) - 1} of the {len(responses)} rows" in str(caught.value)


# ------------------------------------------------------------------ the activity log


def test_declined_activity_records_are_not_counted(responses: pd.DataFrame, tmp_path: Path) -> None:
    """Records whose consent question was answered no were counted as activities (in the
    pooled row and the region, or in their trust's row when their answers were kept)."""
    log = _log({"t01": 10, "t02": 10})
    declined = log.assign(consent=0)
    pub = _build(responses, tmp_path, activity_log=declined).publication
    assert pub is not None and pub.activities is not None
    logged = pub.activities.logged
    assert logged.value("Region", "Activities logged") in (0, None)
    decision = next(d for d in _log_of(tmp_path) if d["decision"] == "activities")
    assert decision["rows_declined"] == len(log)


def test_the_mentor_report_says_declined_activity_records_are_not_counted(
    responses: pd.DataFrame, tmp_path: Path
) -> None:
    """A mentor who logged more records than the report counts reads why, beside the count."""
    _build(responses, tmp_path, activity_log=_log({"t01": 10, "t02": 10}))
    page = next((tmp_path / "out").glob("trust-*.html")).read_text("utf-8")
    section = page[page.index('id="activities"') :]
    assert section.index("Activities logged") < section.index(
        "counted only when its consent question was answered yes"
    )


def _log_of(tmp_path: Path) -> list[dict[str, object]]:
    import json

    doc = json.loads((tmp_path / "out-analyst" / "disclosure-log.json").read_text("utf-8"))
    return list(doc["decisions"])


def test_activity_log_with_trust_codes_of_another_list_is_refused(
    responses: pd.DataFrame, tmp_path: Path
) -> None:
    """A log whose trust column held 1, 2 (not the log's codes t01, t02) had every record
    pooled: each trust's report said its mentor logged no activity."""
    log = _log({"t01": 10, "t02": 10})
    log["trust"] = log["trust"].map(lambda c: None if pd.isna(c) else int(str(c)[1:]))
    with pytest.raises(DataError, match=r"activity log.*trust") as caught:
        _build(responses, tmp_path, activity_log=log)
    assert caught.value.code == "invalid-code"


# ------------------------------------------------------------------ reviewed comments


def test_approved_comments_naming_a_trust_by_label_are_refused(
    responses: pd.DataFrame, tmp_path: Path
) -> None:
    """Approved comments whose group was the trust's label (or a mistyped code) were dropped
    without a word: the reviewers' work never reached the report."""
    approved = pd.DataFrame(
        {
            "group": ["Trust 01"] * 6,
            "item": ["ft_change"] * 6,
            "text": [f"A useful scheme, point {i}" for i in range(6)],
        }
    )
    with pytest.raises(DataError, match="Trust 01") as caught:
        _build(responses, tmp_path, comments=approved)
    assert caught.value.code == "unknown-group"
    assert "'t01'" in str(caught.value)


def test_approved_comments_of_a_pooled_trust_are_not_published(
    responses: pd.DataFrame, tmp_path: Path
) -> None:
    """A trust code of the survey with too few respondents (or none) is no error: its comments
    are not published anywhere."""
    approved = pd.DataFrame(
        {"group": ["t04"] * 6, "item": ["ft_change"] * 6, "text": [f"Text {i}" for i in range(6)]}
    )
    result = _build(responses, tmp_path, comments=approved)
    assert all("Text 1" not in p.read_text("utf-8") for p in (tmp_path / "out").iterdir())
    assert result.publication is not None


# ------------------------------------------------------------------ the previous wave


@pytest.mark.parametrize("parallel", [False, True], ids=["one process", "forked"])
def test_previous_wave_that_cannot_be_published_is_named(
    responses: pd.DataFrame, tmp_path: Path, parallel: bool
) -> None:
    """A previous wave whose trusts were all too small failed with this wave's words ("no
    trust has at least 5 respondents"): the analyst looked for the fault in this wave."""
    from leadership_eval._processes import can_fork

    if parallel and not can_fork():
        pytest.skip("this platform cannot fork")
    before = le.simulate_responses("trainee-survey", 6, groups={"t01": 3, "t02": 3}, seed=9)
    with pytest.raises(DisclosureError, match=r"^the previous wave") as caught:
        _build(responses, tmp_path, previous=before, parallel=parallel)
    assert caught.value.code == "no-qualifying-group"
    assert "previous=None" in str(caught.value)


def test_previous_wave_without_rows_is_named(responses: pd.DataFrame, tmp_path: Path) -> None:
    """An empty previous wave said "there are no responses to report on"."""
    with pytest.raises(DataError, match=r"^the previous wave") as caught:
        _build(responses, tmp_path, previous=responses.iloc[:0], parallel=False)
    assert caught.value.code == "empty-data"


# ------------------------------------------------------------------ what already worked


def test_unusual_but_valid_shapes_make_reports(responses: pd.DataFrame, tmp_path: Path) -> None:
    """Numbers as respondent ids, a categorical trust column, platform columns, columns in
    another order: the same trusts are reported."""
    data = responses.assign(
        respondent_id=range(1, len(responses) + 1),
        trust=responses["trust"].astype("category"),
        Progress=100,
    )
    data = data[list(reversed(data.columns))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = _build(data, tmp_path)
    assert sorted(result.trust_reports) == ["t01", "t02", "t03"]
    assert result.not_reported == ["t04"]
