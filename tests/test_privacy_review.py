"""Tests of leadership_eval.privacy.review: the comment review step."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import leadership_eval as le
from leadership_eval.cli import app
from leadership_eval.errors import DataError
from leadership_eval.instruments.loader import loads_instrument
from leadership_eval.privacy.review import (
    REVIEW_COLUMNS,
    WARNING_CODES,
    export_comments,
    read_comment_review,
    write_comment_review,
)

SURVEY_YAML = """
kind: survey
id: review-pulse
version: 1.0.0
title: Review pulse
respondent_id: rid
group_by: trust
choice_lists:
  trust:
    options: [{code: t01, label: Trust 1}, {code: t02, label: Trust 2}]
  specialty:
    options:
      - {code: medicine, label: Medicine and medical specialties}
      - {code: paediatrics, label: Paediatrics}
      - {code: general_practice, label: General practice}
  grade:
    options:
      - {code: fy1, label: Foundation year 1 (FY1)}
      - {code: core, label: "Core or early specialty training (CT1-3, ST1-2)"}
      - {code: registrar, label: "Specialty registrar (ST3 or above, GPST3)"}
  yes_no:
    options: [{code: 1, label: "Yes"}, {code: 0, label: "No"}]
sections:
  - id: s
    title: S
    items:
      - {id: rid, type: text, text: Id, disclosure: direct}
      - {id: trust, type: choice, choices: trust, text: Trust, disclosure: quasi}
      - {id: specialty, type: choice, choices: specialty, text: Specialty, disclosure: quasi}
      - {id: grade, type: choice, choices: grade, text: Grade, disclosure: quasi}
      - {id: ltft, type: choice, choices: yes_no, text: Do you work less than full time?,
         disclosure: quasi}
      - {id: change, type: text, text: What one change would help?, disclosure: free_text}
      - {id: other, type: text, text: Anything else?, disclosure: free_text}
"""


@pytest.fixture(scope="module")
def survey() -> le.Survey:
    return loads_instrument(SURVEY_YAML)


def _data() -> pd.DataFrame:
    """12 respondents in t01 (mostly medicine FY1s, one LTFT paediatric registrar), 6 in t02."""
    rows = []
    for i in range(12):
        rows.append(
            {
                "rid": f"R{i:03d}",
                "trust": "t01",
                "specialty": "medicine",
                "grade": "fy1",
                "ltft": 0,
                "change": "More protected time for projects." if i % 2 else None,
                "other": None,
            }
        )
    rows[3].update(
        specialty="paediatrics",
        grade="registrar",
        ltft=1,
        other="As the only LTFT paediatric registrar here, I felt invisible.",
    )
    rows[4]["other"] = "I am the one who raised the rota concern with Dr Smith."
    rows[5]["other"] = "After my miscarriage occupational health were great."
    rows[6]["other"] = "On 12/03/2024 the session was cancelled again."
    rows[7]["other"] = "I think Fairweather deserves a medal, Fairweather said yes to everything."
    rows[8]["other"] = '=HYPERLINK("http://x.example", "click")'
    rows[9]["other"] = "   "  # blank: not a comment
    rows[10]["other"] = 12345  # a number typed into the box
    for i in range(6):
        rows.append(
            {
                "rid": f"S{i:03d}",
                "trust": "t02",
                "specialty": "paediatrics",
                "grade": "core",
                "ltft": 1,
                "change": "The mentor was great." if i < 2 else None,
                "other": None,
            }
        )
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- export


def test_export_has_one_row_per_comment_and_the_columns(survey: le.Survey) -> None:
    data = _data()
    review = export_comments(survey, data)
    assert list(review.columns) == list(REVIEW_COLUMNS)
    # every non-blank free-text cell is a row: nothing lost, blanks left out
    expected = sum(
        1
        for col in ("change", "other")
        for v in data[col]
        if v is not None and not (isinstance(v, float)) and str(v).strip()
    )
    assert len(review) == expected == 6 + 2 + 7
    assert set(review["item"]) == {"change", "other"}
    assert review.loc[review["item"] == "change", "question"].iloc[0] == (
        "What one change would help?"
    )
    assert (review["decision"] == "").all() and (review["edited_text"] == "").all()
    # redacted, and the number kept as text
    assert any(t == "I am the one who raised the rota concern with [NAME]." for t in review.text)
    assert "12345" in set(review["text"])
    # sorted by group, then question in survey order
    assert review["group"].tolist() == sorted(review["group"])
    t01 = review[review["group"] == "t01"]
    assert t01["item"].tolist() == sorted(t01["item"], key=["change", "other"].index)


def _warnings_of(review: pd.DataFrame, fragment: str) -> set[str]:
    """The warnings of the one comment (of item 'other') that contains ``fragment``."""
    row = review[(review["item"] == "other") & review["text"].str.contains(fragment, regex=False)]
    assert len(row) == 1, fragment
    return set(row["warnings"].iloc[0].split("; ")) - {""}


def test_warnings_on_planted_comments(survey: le.Survey) -> None:
    review = export_comments(survey, _data())
    only = _warnings_of(review, "the only LTFT paediatric registrar")
    assert {"self-identifying", "rare-role"} <= only
    details = review.loc[review["text"].str.contains("the only LTFT"), "warning_details"].iloc[0]
    # the LTFT (ltft = yes), paediatrics and registrar are each held by 1 of 12 in t01
    assert "'LTFT' (ltft: Yes)" in details
    assert "'paediatric' (specialty: Paediatrics)" in details
    assert "'registrar' (grade: Specialty registrar (ST3 or above, GPST3))" in details
    assert {"self-identifying", "redacted"} <= _warnings_of(review, "I am the one who")
    assert "health" in _warnings_of(review, "miscarriage")
    assert "date" in _warnings_of(review, "12/03/2024")
    assert "possible-name" in _warnings_of(review, "Fairweather")
    # an ordinary comment gets none; in t02 paediatrics and LTFT are common (6 of 6)
    plain = review[review["text"] == "More protected time for projects."]
    assert len(plain) == 6 and (plain["warnings"] == "").all()
    t02 = review[review["group"] == "t02"]
    assert not t02["warnings"].str.contains("rare-role").any()
    # only two people in t02 answered 'change': below min_comments (5)
    assert t02["warnings"].str.contains("few-comments").all()
    every = {c for cell in review["warnings"] for c in cell.split("; ") if c}
    assert every <= set(WARNING_CODES)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("As the only FY1 on the ward I was never released.", "self-identifying"),
        ("I'm the first woman registrar in this department.", "self-identifying"),
        ("In my role as chief registrar I saw the board.", "self-identifying"),
        ("My rare specialty means nobody understood the rota.", "self-identifying"),
        ("Everyone will know it's me from this.", "self-identifying"),
        ("When I raised the staffing issue nothing happened.", "self-identifying"),
        ("I have ADHD and the sessions were too long.", "health"),
        ("Being pregnant on nights was hard.", "health"),
        ("I was off sick for a month with long covid.", "health"),
        ("My disability was not accommodated.", "health"),
        ("The meeting on 3 March was cancelled.", "date"),
        ("Since August 2023 nothing has changed.", "date"),
        ("Ask Dr about the rota.", "possible-name"),
        ("The session with Okonjo-Iweala was great.", "possible-name"),
    ],
)
def test_each_warning(survey: le.Survey, text: str, code: str) -> None:
    data = _data()
    data.loc[0, "other"] = text
    review = export_comments(survey, data)
    assert code in _warnings_of(review, text)


@pytest.mark.parametrize(
    "text",
    [
        "More protected time for leadership projects would help.",
        "Clearer guidance on what counts as leadership would help.",
        "Unfortunately the sessions clashed with clinics.",
        "The Edward Jenner programme and Quality Improvement training were useful.",
        "Sessions on Microsoft Teams at lunchtime worked well.",
        "I would value more feedback from my supervisor.",
    ],
)
def test_no_warnings_on_ordinary_comments(survey: le.Survey, text: str) -> None:
    data = _data()
    data.loc[0, "other"] = text
    assert _warnings_of(export_comments(survey, data), text) == set()


def test_comment_ids_are_stable(survey: le.Survey) -> None:
    data = _data()
    first = export_comments(survey, data)
    again = export_comments(survey, data)
    pd.testing.assert_frame_equal(first, again)
    # the same respondents, items and texts in another row order, with a roster: same ids
    shuffled = data.sample(frac=1, random_state=3).reset_index(drop=True)
    other = export_comments(survey, shuffled, names=["Jo Smith"])
    assert set(other["comment_id"]) == set(first["comment_id"])
    assert other["comment_id"].is_unique
    # an id changes when its text changes, and only that one
    edited = data.copy()
    edited.loc[4, "other"] = "I am the one who raised it."
    changed = set(export_comments(survey, edited)["comment_id"]) ^ set(first["comment_id"])
    assert len(changed) == 2
    # ids look like c + 12 hex digits
    assert first["comment_id"].str.fullmatch(r"c[0-9a-f]{12}").all()


def test_ids_without_a_respondent_id_use_the_row_position(survey: le.Survey) -> None:
    data = _data().drop(columns="rid")
    a = export_comments(survey, data)
    b = export_comments(survey, data)
    assert a["comment_id"].tolist() == b["comment_id"].tolist()
    assert a["comment_id"].is_unique
    with_ids = export_comments(survey, _data())
    assert set(a["comment_id"]).isdisjoint(with_ids["comment_id"])


def test_duplicate_returns_get_numbered_ids(survey: le.Survey) -> None:
    data = _data()
    doubled = pd.concat([data, data.iloc[[4]]], ignore_index=True)
    review = export_comments(survey, doubled)
    assert review["comment_id"].is_unique
    assert review["comment_id"].str.endswith("-2").sum() == 1


def test_group_override_and_errors(survey: le.Survey) -> None:
    data = _data().rename(columns={"trust": "site"})
    # the survey's group column is absent: one unnamed group
    assert set(export_comments(survey, data)["group"]) == {""}
    assert set(export_comments(survey, data, group="site")["group"]) == {"t01", "t02"}
    with pytest.raises(DataError, match="group column 'nope' is not in the data"):
        export_comments(survey, data, group="nope")
    with pytest.raises(DataError, match="none of the survey's free-text columns"):
        export_comments(survey, data.drop(columns=["change", "other"]))
    no_text = loads_instrument(
        SURVEY_YAML.split("      - {id: change")[0].replace("review-pulse", "no-text")
    )
    with pytest.raises(DataError, match="no free-text item"):
        export_comments(no_text, data)
    with pytest.raises(DataError, match="must be a pandas DataFrame"):
        export_comments(survey, [1, 2])  # type: ignore[arg-type]


def test_policy_sets_the_rare_threshold(survey: le.Survey) -> None:
    data = _data()
    gmc = export_comments(survey, data, policy="gmc-nts")  # min_cell 3, min_comments 3
    strict = export_comments(survey, data, policy=le.DisclosurePolicy.resolve(None, min_cell=8))
    assert "rare-role" in _warnings_of(gmc, "the only LTFT")
    assert (
        "held by fewer than 8"
        in strict.loc[strict["text"].str.contains("the only LTFT"), "warning_details"].iloc[0]
    )


# ----------------------------------------------------------------------------- round trip


def _fill(review: pd.DataFrame) -> pd.DataFrame:
    filled = review.copy()
    filled["decision"] = "publish"
    drop = filled["text"].str.contains("the only LTFT")
    edit = filled["text"].str.contains("I am the one who")
    undecided = filled["text"].str.contains("miscarriage")
    filled.loc[drop, "decision"] = "drop"
    filled.loc[edit, "decision"] = "Edit "  # case and spaces do not matter
    filled.loc[edit, "edited_text"] = "A trainee raised the rota concern with Dr Smith."
    filled.loc[undecided, "decision"] = ""
    return filled


def test_round_trip_through_a_csv_file(survey: le.Survey, tmp_path: Path) -> None:
    review = export_comments(survey, _data())
    path = tmp_path / "review.csv"
    write_comment_review(review, path)
    # as a reviewer's spreadsheet would: read, fill, save (here with the csv module)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(review)
    filled = _fill(pd.DataFrame(rows))
    write_comment_review(filled, path)
    result = read_comment_review(path, survey=survey)
    assert dict(result.counts) == {"publish": 12, "edit": 1, "drop": 1, "undecided": 1}
    assert result.n_undecided == 1
    assert list(result.approved.columns) == ["comment_id", "group", "item", "text"]
    assert len(result.approved) == 13
    texts = set(result.approved["text"])
    assert "A trainee raised the rota concern with [NAME]." in texts  # edited, re-redacted
    assert not any("the only LTFT" in t for t in texts)  # dropped
    assert not any("miscarriage" in t for t in texts)  # undecided
    # the formula cell comes back as the text it was, never as a formula
    assert '=HYPERLINK("[URL]", "click")' in texts
    assert result.frame["row"].tolist() == list(range(2, len(review) + 2))
    assert set(result.approved["comment_id"]) <= set(review["comment_id"])


def test_formula_cells_are_neutralised(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "comment_id": ["c1", "c2", "c3", "c4", "c5", "c6", "c7"],
            "text": ["=1+1", "+44 7700", "-ve feedback", "@handle", "\tx", "\ry", "fine"],
        }
    )
    text = write_comment_review(frame, tmp_path / "r.csv")
    assert text.startswith("\ufeff")
    cells = list(csv.reader(text.lstrip("\ufeff").splitlines()[1:]))
    first = [row[1] for row in cells if row]
    assert first[:4] == ["'=1+1", "'+44 7700", "'-ve feedback", "'@handle"]
    assert "fine" in first
    for row in cells:
        if row:
            assert not row[1].startswith(("=", "+", "-", "@", "\t", "\r"))


def test_reads_spreadsheet_saves(survey: le.Survey, tmp_path: Path) -> None:
    review = _fill(export_comments(survey, _data()))
    # Excel in many locales: semicolons, no apostrophes, a byte-order mark
    semi = tmp_path / "semi.csv"
    review.to_csv(semi, sep=";", index=False, encoding="utf-8-sig")
    assert len(read_comment_review(semi).approved) == 13
    # an .xlsx saved from the CSV keeps the formula-like comment as text (openpyxl, like a
    # spreadsheet, takes a cell starting with "=" for a formula unless it is quoted)
    xlsx = tmp_path / "review.xlsx"
    review.map(lambda v: "'" + v if str(v).startswith("=") else v).to_excel(xlsx, index=False)
    assert len(read_comment_review(xlsx).approved) == 13
    latin = tmp_path / "latin.csv"
    latin.write_bytes("comment_id,text\nc1,caf\xe9\n".encode("latin-1"))
    with pytest.raises(DataError, match="save it as 'CSV UTF-8'") as err:
        read_comment_review(latin)
    assert err.value.code == "not-utf8"
    with pytest.raises(DataError, match="no such file"):
        read_comment_review(tmp_path / "missing.csv")


# ----------------------------------------------------------------------------- errors


def _base() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "comment_id": ["c1", "c2", "c3", "c4"],
            "group": ["t01", "t01", "t02", "t02"],
            "item": ["other", "other", "change", "other"],
            "question": ["Q"] * 4,
            "text": ["one", "two", "three", "four"],
            "warnings": [""] * 4,
            "decision": ["publish", "drop", "edit", ""],
            "edited_text": ["", "", "three, edited", ""],
        }
    )


def test_every_problem_is_located_by_spreadsheet_row(survey: le.Survey) -> None:
    bad = _base()
    bad.loc[1, "decision"] = "publsh"  # row 3
    bad.loc[2, "edited_text"] = "  "  # row 4: an edit with no text
    bad.loc[3, "comment_id"] = "c1"  # row 5: duplicate of row 2
    bad.loc[3, "decision"] = "publish"
    bad.loc[3, "edited_text"] = "something"  # row 5: publish with an edited text
    with pytest.raises(DataError) as err:
        read_comment_review(bad)
    cases = err.value.failure_cases
    assert list(cases.columns) == ["row", "column", "code", "message", "value"]
    got = sorted(zip(cases["row"], cases["code"], strict=True))
    assert got == [
        (3, "unknown-decision"),
        (4, "empty-edit"),
        (5, "duplicate-id"),
        (5, "edited-text-ignored"),
    ]
    message = str(err.value)
    assert "4 problems" in message
    assert "row 3, decision: unknown decision 'publsh'" in message
    assert "did you mean 'publish'?" in message
    assert "row 5, comment_id: comment id 'c1' is also on row 2" in message
    assert err.value.code == "invalid-review"


def test_missing_columns(survey: le.Survey) -> None:
    with pytest.raises(DataError, match=r"lacks the column\(s\) decision, edited_text") as err:
        read_comment_review(_base().drop(columns=["decision", "edited_text"]))
    assert err.value.code == "missing-column"
    assert err.value.failure_cases["row"].tolist() == [1, 1]


def test_items_and_groups_are_checked_against_the_survey(survey: le.Survey) -> None:
    bad = _base()
    bad.loc[0, "item"] = "specialty"  # not free text
    bad.loc[1, "group"] = "t99"
    assert len(read_comment_review(bad).approved) == 2  # without the survey, not checked
    with pytest.raises(DataError) as err:
        read_comment_review(bad, survey=survey)
    got = sorted(zip(err.value.failure_cases["row"], err.value.failure_cases["code"], strict=True))
    assert got == [(2, "unknown-item"), (3, "unknown-group")]


def test_single_problem_keeps_its_code_and_blank_ids() -> None:
    bad = _base()
    bad.loc[0, "comment_id"] = " "
    with pytest.raises(DataError, match="row 2, comment_id: no comment id") as err:
        read_comment_review(bad)
    assert err.value.code == "missing-id"
    empty = _base()
    empty.loc[0, "text"] = ""
    with pytest.raises(DataError, match="decision 'publish' with no text"):
        read_comment_review(empty)
    with pytest.raises(DataError, match="expected the path of a review file"):
        read_comment_review(42)  # type: ignore[arg-type]


def test_approved_text_is_redacted_again_with_the_rosters() -> None:
    filled = _base()
    filled.loc[0, "text"] = "Thanks to sam for the help"
    result = read_comment_review(filled, names=["Sam Hill"])
    assert result.approved["text"].tolist() == ["Thanks to [NAME] for the help", "three, edited"]
    assert isinstance(result, le.CommentReview)


# ----------------------------------------------------------------------------- command line

runner = CliRunner()


def _write_survey_and_data(tmp_path: Path) -> tuple[Path, Path]:
    survey_path = tmp_path / "survey.yaml"
    survey_path.write_text(SURVEY_YAML, encoding="utf-8")
    data_path = tmp_path / "responses.csv"
    _data().to_csv(data_path, index=False)
    return survey_path, data_path


def test_cli_round_trip(tmp_path: Path) -> None:
    survey_path, data_path = _write_survey_and_data(tmp_path)
    out = tmp_path / "review.csv"
    names = tmp_path / "names.txt"
    names.write_text("Jo Smith\n", encoding="utf-8")
    res = runner.invoke(
        app,
        ["comments", "export", str(survey_path), str(data_path), "--out", str(out),
         "--names", str(names)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "15 comment(s) on 2 question(s) from 2 group(s)" in res.output
    assert "self-identifying: 2 comment(s)" in res.output
    assert "comments check" in res.output
    # a re-export over an undecided file is fine
    res = runner.invoke(
        app, ["comments", "export", str(survey_path), str(data_path), "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    review = read_comment_review(out)
    filled = _fill(review.frame.drop(columns="row"))
    write_comment_review(filled, out)
    res = runner.invoke(app, ["comments", "check", str(out), "--survey", str(survey_path)])
    assert res.exit_code == 0, res.output
    assert "15 comment(s): 12 publish, 1 edit, 1 drop, 1 undecided" in res.output
    assert "13 comment(s) approved" in res.output
    # a file with decisions is not overwritten without --force
    res = runner.invoke(
        app, ["comments", "export", str(survey_path), str(data_path), "--out", str(out)]
    )
    assert res.exit_code == 1
    assert "may hold reviewers' decisions" in res.output
    assert read_comment_review(out).counts["drop"] == 1  # untouched
    res = runner.invoke(
        app,
        ["comments", "export", str(survey_path), str(data_path), "--out", str(out), "--force"],
    )
    assert res.exit_code == 0
    assert read_comment_review(out).n_undecided == 15


def test_cli_check_lists_problems(tmp_path: Path) -> None:
    bad = _base()
    bad.loc[1, "decision"] = "maybe"
    path = tmp_path / "bad.csv"
    write_comment_review(bad, path)
    res = runner.invoke(app, ["comments", "check", str(path)])
    assert res.exit_code == 1
    assert "row 3, decision: unknown decision 'maybe'" in res.output
    assert "Traceback" not in res.output


def test_cli_export_errors(tmp_path: Path) -> None:
    survey_path, data_path = _write_survey_and_data(tmp_path)
    out = tmp_path / "r.csv"
    res = runner.invoke(
        app,
        ["comments", "export", str(survey_path), str(data_path), "--out", str(out),
         "--group", "nope"],
    )  # fmt: skip
    assert res.exit_code == 1
    assert "group column 'nope' is not in the data" in res.output
    res = runner.invoke(
        app,
        ["comments", "export", str(survey_path), str(tmp_path / "x.csv"), "--out", str(out)],
    )
    assert res.exit_code == 2
    assert not out.exists()


def test_reports_publish_only_approved_comments(tmp_path: Path) -> None:
    survey = le.load_instrument(
        Path(__file__).parent.parent / "docs" / "tutorials" / "pulse-survey.yaml"
    )
    sizes = {"t01": 40, "t02": 32, "t03": 25}
    raw = le.simulate_responses(survey, n=sum(sizes.values()), groups=sizes, seed=11)
    reg = raw.index[(raw["trust"] == "t03") & (raw["grade"] == "registrar")][0]
    raw.loc[reg, "comments"] = "As the only registrar on nights here, I never get released."
    filled = export_comments(survey, raw)
    filled["decision"] = "publish"
    filled.loc[filled["text"].str.startswith("As the only"), "decision"] = "drop"
    result = read_comment_review(filled, survey=survey)
    le.build_reports(survey, raw, tmp_path / "pub", comments=result, key=b"k" * 32)
    html = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "pub").rglob("*.html"))
    assert "As the only registrar" not in html
    assert "More protected time for leadership projects would help." in html


def test_approved_comments_without_a_group_or_item_are_refused_and_blank_ones_skipped(
    tmp_path: Path,
) -> None:
    # approved comments given as a frame: a row with no group or item cannot be placed (an
    # error listing the rows, once a traceback); a blank text publishes nothing
    survey = le.load_instrument(
        Path(__file__).parent.parent / "docs" / "tutorials" / "pulse-survey.yaml"
    )
    sizes = {"t01": 40, "t02": 32, "t03": 25}
    raw = le.simulate_responses(survey, n=sum(sizes.values()), groups=sizes, seed=11)
    item = survey.items_with("free_text")[0].id
    texts = [f"Very helpful mentor, comment {i}." for i in range(6)]
    good = pd.DataFrame(
        {"group": ["t01"] * 6 + ["t02"], "item": [item] * 7, "text": [*texts, None]}
    )
    out = le.build_reports(survey, raw, tmp_path / "pub", comments=good, key=b"k" * 32)
    assert sorted(out.publication.comments[item]["t01"] or ()) == texts
    assert "t02" not in out.publication.comments[item]
    for column in ("group", "item"):
        bad = good.assign(text="Fine.")
        bad.loc[4, column] = None
        with pytest.raises(le.DataError, match=f"no {column}") as err:
            le.build_reports(survey, raw, tmp_path / column, comments=bad, key=b"k" * 32)
        assert err.value.code == "missing-value"
        assert err.value.failure_cases["row"].tolist() == [4]
        assert not (tmp_path / column).exists()
