"""Bad input to the free-text tools never hurts: one named regression test per case.

The comment review's round trip (export, write, read back) on the library's own output, the
redaction evaluation on bad corpora, and redaction with bad arguments or custom detectors that
return something other than spans. Each test failed on the code before the fix (a refused
round trip, a raw ``KeyError``/``TypeError``/``FileNotFoundError``..., or a bad corpus accepted
without a word); now each is a library error naming the record or detector and the field.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import leadership_eval as le
from leadership_eval.errors import ArgumentError, DataError
from leadership_eval.privacy.text import Span, evaluate_redaction, redact_series, redact_text

EMAIL = {"text": "Mail ann@x.org", "entities": [{"type": "EMAIL", "start": 5, "end": 14}]}


@pytest.fixture(scope="module")
def demo() -> tuple[le.Survey, pd.DataFrame]:
    return le.as_survey("trainee-survey"), le.simulate_evaluation().trainees


# ---------------------------------------------------------------- the comment review round trip


def test_comment_review_round_trip_keeps_comments_of_respondents_without_a_trust(
    demo: tuple[le.Survey, pd.DataFrame], tmp_path: Path
) -> None:
    """read_comment_review(..., survey=S) refused the review export_comments had just written:
    "row 2, group: '' is not a code of the survey's 'trust' item", for the comment of a
    respondent who gave no trust. No comment is left out: every non-blank free-text answer in
    the data is a row of the export, and is read back."""
    survey, data = demo
    review = le.export_comments(survey, data)
    answers = 0
    for item in survey.items_with("free_text"):
        if item.is_question and item.column_name in data:
            text = data[item.column_name].dropna().astype(str).str.strip()
            answers += int((text != "").sum())
    assert len(review) == answers
    path = tmp_path / "review.csv"
    le.write_comment_review(review, path)
    back = le.read_comment_review(path, survey=survey)
    assert len(back.frame) == len(review)
    blank = review[review["group"] == ""]
    assert len(blank) >= 1
    # each such comment is marked: no group's report can show it, whatever the decision
    assert blank["warnings"].str.split("; ").map(lambda c: "no-group" in c).all()
    assert (review.loc[review["group"] != "", "warnings"].str.contains("no-group")).sum() == 0
    assert "no-group" in le.privacy.review.WARNING_CODES


def test_published_comment_without_a_trust_is_in_no_report(
    demo: tuple[le.Survey, pd.DataFrame], tmp_path: Path
) -> None:
    """The round trip stopped at reading the review; now a reviewed file with a published
    comment that has no trust builds the reports, and that comment is in none of them."""
    survey, data = demo
    review = le.export_comments(survey, data)
    review["decision"] = "publish"
    lonely = "A comment whose writer gave no trust."
    review.loc[review["group"] == "", ["decision", "edited_text"]] = ["edit", lonely]
    path = tmp_path / "review.csv"
    le.write_comment_review(review, path)
    out = le.build_reports(survey, data, tmp_path / "pub", comments=path, key=b"k" * 32)
    published = [
        t for per in out.publication.comments.values() for ts in per.values() for t in ts or ()
    ]
    assert published and lonely not in published
    html = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "pub").rglob("*.html"))
    assert lonely not in html


def test_blank_group_not_marked_by_the_export_is_refused_clearly(
    demo: tuple[le.Survey, pd.DataFrame],
) -> None:
    """A group cleared by hand (no no-group warning) was refused as "'' is not a code"; the
    message now says the row has no group and what to write."""
    survey, data = demo
    review = le.export_comments(survey, data)
    row = int((review["group"] != "").to_numpy().nonzero()[0][0])
    review.loc[row, "group"] = ""
    with pytest.raises(DataError, match="no group, and the row is not marked no-group") as err:
        le.read_comment_review(review, survey=survey)
    assert err.value.code == "unknown-group"
    assert err.value.failure_cases["row"].tolist() == [row + 2]


# ---------------------------------------------------------------- evaluate_redaction's corpus


def test_redaction_corpus_file_that_does_not_exist(tmp_path: Path) -> None:
    """A missing corpus file was a raw FileNotFoundError."""
    with pytest.raises(DataError, match=r"nope\.jsonl: no such file") as err:
        evaluate_redaction(tmp_path / "nope.jsonl")
    assert err.value.code == "missing-file"


def test_redaction_corpus_file_in_latin1(tmp_path: Path) -> None:
    """A corpus saved as Latin-1 was a raw UnicodeDecodeError."""
    path = tmp_path / "latin.jsonl"
    path.write_bytes(
        (json.dumps(EMAIL) + "\n" + '{"text": "Caf\xe9", "entities": []}\n').encode("latin-1")
    )
    with pytest.raises(DataError, match=r"latin\.jsonl:2: not UTF-8") as err:
        evaluate_redaction(path)
    assert err.value.code == "not-utf8"


def test_redaction_record_without_text() -> None:
    """A record without 'text' was a raw KeyError: 'text'."""
    with pytest.raises(DataError, match=r"corpus\[1\]: a record needs a 'text' field") as err:
        evaluate_redaction([EMAIL, {"entities": []}])
    assert err.value.code == "bad-corpus"


def test_redaction_entity_without_end() -> None:
    """An entity without 'end' was a raw KeyError: 'end'."""
    corpus = [{"text": "Mail ann@x.org", "entities": [{"type": "EMAIL", "start": 5}]}]
    with pytest.raises(DataError, match=r"corpus\[0\], entities\[0\]: no 'end'") as err:
        evaluate_redaction(corpus)
    assert err.value.code == "bad-corpus"


def test_redaction_entities_none() -> None:
    """'entities': None was a raw TypeError (NoneType is not iterable)."""
    with pytest.raises(DataError, match=r"corpus\[0\]: 'entities' must be a list"):
        evaluate_redaction([{"text": "x", "entities": None}])


def test_redaction_offsets_given_as_text() -> None:
    """Offsets written as strings ("5") were a raw TypeError comparing int and str."""
    corpus = [
        {"text": "Mail ann@x.org", "entities": [{"type": "EMAIL", "start": "5", "end": "14"}]}
    ]
    with pytest.raises(DataError, match=r"entities\[0\]: 'start' and 'end' must be whole"):
        evaluate_redaction(corpus)


def test_redaction_entity_ending_before_it_starts() -> None:
    """An entity with start > end in a list corpus was counted without a word."""
    corpus = [{"text": "Mail ann@x.org", "entities": [{"type": "EMAIL", "start": 9, "end": 5}]}]
    with pytest.raises(DataError, match=r"corpus\[0\], entities\[0\]: .* ends before it starts"):
        evaluate_redaction(corpus)


def test_redaction_entity_outside_the_text() -> None:
    """An entity beyond the end of the text in a list corpus was counted without a word."""
    corpus = [EMAIL, {"text": "Hi", "entities": [{"type": "NAME", "start": 0, "end": 9}]}]
    with pytest.raises(DataError, match=r"corpus\[1\], entities\[0\]: .* outside the text"):
        evaluate_redaction(corpus)


def test_redaction_finder_returning_tuples() -> None:
    """A finder returning (type, start, end) tuples, as detectors may, was a raw
    AttributeError; the tuples are now read as spans, as a detector's are."""

    def finder(text: str, names: object, places: object) -> list[tuple[str, int, int]]:
        return [("EMAIL", 5, 14)] if "@" in text else []

    def span_finder(text: str, names: object, places: object) -> list[Span]:
        return [Span("EMAIL", 5, 14, text[5:14])] if "@" in text else []

    got = evaluate_redaction([EMAIL], finder=finder)
    assert got.equals(evaluate_redaction([EMAIL], finder=span_finder))
    assert got.set_index("entity_type").loc["EMAIL", "recall"] == 1.0


def test_redaction_finder_returning_none() -> None:
    """A finder returning None was a raw TypeError."""
    with pytest.raises(DataError, match=r"corpus\[0\]: the finder returned None") as err:
        evaluate_redaction([EMAIL], finder=lambda t, n, p: None)
    assert err.value.code == "bad-span"


def test_redaction_corpus_as_a_frame() -> None:
    """A DataFrame of records was a raw TypeError; its rows are now the records."""
    corpus = [EMAIL, {"text": "Quality Improvement rocks", "entities": []}]
    assert evaluate_redaction(pd.DataFrame(corpus)).equals(evaluate_redaction(corpus))


def test_redaction_corpus_of_the_wrong_type() -> None:
    """A number as the corpus was a raw TypeError; one record (a dict) was read as its keys."""
    with pytest.raises(ArgumentError, match="corpus must be a list of records"):
        evaluate_redaction(5)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="got one mapping"):
        evaluate_redaction(EMAIL)


# ---------------------------------------------------------------- redact_series and detectors


def test_redact_series_of_a_frame() -> None:
    """redact_series(df[["col"]]) was a pandas ValueError about constructing a Series."""
    frame = pd.DataFrame({"comment": ["Email me: j.bloggs@nhs.net"]})
    with pytest.raises(ArgumentError, match=r"takes one column .* got a DataFrame"):
        redact_series(frame[["comment"]])  # type: ignore[arg-type]


def test_detectors_given_as_one_callable() -> None:
    """detectors=f (not [f]) was a raw TypeError: 'function' object is not iterable."""
    with pytest.raises(ArgumentError, match="got one callable"):
        redact_series(pd.Series(["ab"]), detectors=lambda t: [])  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match=r"detectors\[0\] is str"):
        redact_text("ab", detectors=["NAME"])  # type: ignore[list-item]


def test_detector_returning_none() -> None:
    """A detector returning None was a raw TypeError."""
    with pytest.raises(DataError, match=r"detectors\[0\] .* returned None") as err:
        redact_series(pd.Series(["ab"]), detectors=[lambda t: None])  # type: ignore[list-item]
    assert err.value.code == "bad-span"


def test_detector_returning_a_number() -> None:
    """A detector returning an int was a raw TypeError."""
    with pytest.raises(DataError, match=r"detectors\[0\] .* returned 5"):
        redact_text("ab", detectors=[lambda t: 5])  # type: ignore[list-item]


def test_detector_returning_a_pair() -> None:
    """A detector returning ("X", 0) was a raw ValueError: not enough values to unpack."""
    with pytest.raises(DataError, match=r"returned \('X', 0\): each span must be"):
        redact_text("ab", detectors=[lambda t: [("X", 0)]])  # type: ignore[list-item]


def test_detector_returning_fractional_offsets() -> None:
    """A detector returning float offsets was a raw TypeError (slice indices)."""
    with pytest.raises(DataError, match="start and end must be whole numbers"):
        redact_text("ab", detectors=[lambda t: [("X", 0.5, 2.0)]])  # type: ignore[list-item]


def test_detector_returning_whole_number_floats() -> None:
    """Offsets such as 0.0 and 2.0 were a raw TypeError; they are read as the ints they are."""
    got = redact_series(pd.Series(["ab", None]), detectors=[lambda t: [("X", 0.0, 2.0)]])  # type: ignore[list-item]
    assert got.tolist() == ["[X]", None]
