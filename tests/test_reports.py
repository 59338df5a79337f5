"""End-to-end: reports from simulated data obey the disclosure rules by construction."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import leadership_eval as le
from leadership_eval.cli import app
from leadership_eval.demo import PLANTED, ROSTER, _segments

SIZES = {"t01": 40, "t02": 31, "t03": 22, "t04": 12, "t05": 6, "t06": 3, "t07": 2}
MIN = 5

# personal data planted in free text: none of it may reach any output file
PLANTED_STRINGS = [
    "amara.okafor@example.nhs.uk",
    "tom.fletcher@example.nhs.uk",
    "07700 900123",
    "Amara Okafor",
    "Priya Raman",
    "Gareth Lloyd",
    "Fletcher",
    "O'Neill-Harris",
    "Rowan Ward",
    "St Aidan's Hospital",
]


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    import numpy as np

    survey = le.load_instrument("trainee-survey")
    data = le.simulate_responses(
        survey, sum(SIZES.values()), groups=SIZES, group_effects={"t02": -1.2}, seed=11
    )
    text_items = [i.id for i in survey.items_with("free_text")]  # type: ignore[union-attr]
    target = text_items[-1]
    # plant personal data in the comments of every trust, the small ones included
    for k, idx in enumerate(data.groupby("trust").head(3).index):
        data.loc[idx, target] = PLANTED[k % len(PLANTED)]
    activity_sizes = {t: 6 for t in SIZES}
    log = le.simulate_responses(
        "mentor-activity-log", sum(activity_sizes.values()), groups=activity_sizes, seed=3
    )
    segments = _segments(np.random.default_rng(5), list(SIZES), "t02")
    out = tmp_path_factory.mktemp("reports")
    result = le.build_reports(
        survey,
        data,
        out,
        activity_log=log,
        segments=segments,
        eligible={t: n * 4 for t, n in SIZES.items()},
        names=ROSTER,
        places=("Rowan Ward", "St Aidan's Hospital"),
        publish_unreviewed_comments=True,
    )
    return {"result": result, "out": out, "data": data, "survey": survey}


def _texts(out: Path) -> dict[str, str]:
    """Every output file's text, with embedded figures decoded too."""
    texts = {}
    for path in out.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            for blob in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", text):
                text += base64.b64decode(blob).decode("utf-8")
            texts[path.name] = text
    return texts


def test_one_report_per_qualifying_trust(evaluation: dict[str, object]) -> None:
    result = evaluation["result"]
    assert isinstance(result, le.ReportSet)
    qualifying = {t for t, n in SIZES.items() if n >= MIN}
    assert set(result.trust_reports) == qualifying
    assert sorted(result.not_reported) == ["t06", "t07"]
    names = {p.name for p in Path(evaluation["out"]).iterdir()}  # type: ignore[arg-type]
    assert names == {f"trust-{t}.html" for t in qualifying} | {
        "regional.html",
        "protection.html",
    }
    # the analyst's files sit beside the published folder, never in it
    assert result.disclosure_log.parent == result.analyst_dir
    assert {p.name for p in result.analyst_dir.iterdir()} == {"disclosure-log.json", "report.key"}


def test_planted_personal_data_never_reaches_output(evaluation: dict[str, object]) -> None:
    texts = _texts(Path(evaluation["out"]))  # type: ignore[arg-type]
    for name, text in texts.items():
        for planted in PLANTED_STRINGS:
            assert planted not in text, f"{planted!r} found in {name}"
    assert any("[EMAIL]" in t or "[NAME]" in t for t in texts.values())


def test_html_parses_and_figures_are_embedded(evaluation: dict[str, object]) -> None:
    import html5lib

    for path in Path(evaluation["out"]).glob("*.html"):  # type: ignore[arg-type]
        text = path.read_text(encoding="utf-8")
        parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
        doc = parser.parse(text)
        images = doc.findall(".//img")
        svgs = [e for e in doc.iter() if isinstance(e.tag, str) and e.tag.endswith("svg")]
        assert images or svgs or path.name == "protection.html", path.name
        for svg in svgs:
            assert svg.get("aria-label"), f"{path.name}: chart without an accessible name"
        for img in images:
            src = img.get("src", "")
            assert src.startswith("data:image/"), f"{path.name}: external image {src[:40]}"
            assert img.get("alt"), f"{path.name}: image without alt text"
        assert "http://" not in text and "https://" not in text.replace(
            "https://leadership-eval", ""
        ), f"{path.name} links outside"


def test_no_small_count_can_be_read_or_recovered(evaluation: dict[str, object]) -> None:
    result = evaluation["result"]
    assert isinstance(result, le.ReportSet)
    assert result.tables
    for name, table in result.tables.items():
        published = table.published
        values = pd.to_numeric(pd.Series(published.to_numpy().ravel()), errors="coerce")
        shown = values.dropna()
        assert not ((shown > 0) & (shown < MIN)).any(), f"{name} shows a count below {MIN}"
        # the intruder's attack on what was published recovers no small count
        audit = le.audit_table(published)
        assert audit.safe(MIN), f"{name}: {audit.unsafe(MIN)}"
    # the reports print the published (protected, perturbed) numbers only
    responses = result.publication.responses
    regional = (Path(evaluation["out"]) / "regional.html").read_text(encoding="utf-8")  # type: ignore[arg-type]
    for label, value, status in zip(
        responses.index, responses.values, responses.status, strict=True
    ):
        if status[0] != "shown":
            assert f'<th scope="row">{label}</th><td class="num">' not in regional
            continue
        assert f'<th scope="row">{label}</th><td class="num">{int(value[0]):,}</td>' in regional


def test_suppressed_shares_hide_their_whole_row(evaluation: dict[str, object]) -> None:
    for path in Path(evaluation["out"]).glob("trust-*.html"):  # type: ignore[arg-type]
        text = path.read_text(encoding="utf-8")
        for row in re.findall(r"<tr>(.*?)</tr>", text):
            if "% disagree" in row:
                continue
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
            if len(cells) == 4 and "–" in cells[:3]:
                assert cells[:3] == ["–", "–", "–"], f"{path.name}: {cells}"


def test_planted_low_trust_is_flagged(evaluation: dict[str, object]) -> None:
    out = Path(evaluation["out"])  # type: ignore[arg-type]
    text = (out / "trust-t02.html").read_text(encoding="utf-8")
    # the mentor's report is formative: no flag, but the clear differences, worded as such
    assert "Where Trust 02 stands out" in text and "to look at" in text
    assert "Flag" not in text
    regional = (out / "regional.html").read_text(encoding="utf-8")
    assert re.search(r"Trust 02: [a-z' ]+ lower", regional)


def test_disclosure_log(evaluation: dict[str, object]) -> None:
    result = evaluation["result"]
    assert isinstance(result, le.ReportSet)
    log = json.loads(result.disclosure_log.read_text(encoding="utf-8"))
    assert log["policy"]["min_cell"] == MIN
    assert log["policy"]["perturbation.max_noise"] == 3  # the effective settings
    decisions = {e.get("decision") for e in log["decisions"]}
    assert {"validation", "redaction", "groups", "themes", "activities", "comments"} <= decisions
    groups = next(e for e in log["decisions"] if e.get("decision") == "groups")
    assert groups["not_reported"] == 2
    assert "t06" not in json.dumps(groups)  # small trusts are counted, not named
    reasons = {e.get("reason") for e in log["cells"]}
    assert "primary" in reasons
    assert log["perturbation"]["cells_published"] > 0


def test_excluded_rows_are_logged_with_their_reasons(tmp_path: Path) -> None:
    data = le.simulate_responses("trainee-survey", 30, groups={"t01": 15, "t02": 15}, seed=3)
    data = pd.concat([data, data.iloc[[0, 1]]], ignore_index=True)  # two double submissions
    result = le.build_reports("trainee-survey", data, tmp_path / "out")
    validation = next(e for e in result.log["decisions"] if e["decision"] == "validation")
    assert validation["rows_in"] == 32 and validation["rows_excluded"] == 2
    assert validation["excluded_reasons"] == {"duplicate-id": 2}


def test_every_input_row_is_accounted_for(evaluation: dict[str, object]) -> None:
    log = evaluation["result"].log  # type: ignore[attr-defined]
    validation = next(e for e in log["decisions"] if e.get("decision") == "validation")
    assert validation["rows_in"] == validation["rows_used"] + validation["rows_excluded"]
    assert validation["rows_in"] == sum(SIZES.values())


# ------------------------------------------------------------------------ bad input, CLI

runner = CliRunner()


def test_cli_report(tmp_path: Path, evaluation: dict[str, object]) -> None:
    data = evaluation["data"]
    assert isinstance(data, pd.DataFrame)
    csv = tmp_path / "responses.csv"
    data.to_csv(csv, index=False)
    out = tmp_path / "out"
    result = runner.invoke(app, ["report", "trainee-survey", str(csv), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert (out / "regional.html").is_file()
    assert "5 trust reports" in result.output


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("other-survey", "look like answers to"),
        ("unknown-group", "no column 'trsut'"),
        ("empty", "no rows"),
    ],
)
def test_bad_input_fails_clearly_and_writes_nothing(
    tmp_path: Path, evaluation: dict[str, object], case: str, message: str
) -> None:
    data = evaluation["data"]
    assert isinstance(data, pd.DataFrame)
    csv = tmp_path / "responses.csv"
    args = ["report", "trainee-survey", str(csv), "--out", str(tmp_path / "out"), "-q"]
    if case == "other-survey":
        le.simulate_responses("supervisor-survey", 30, seed=1).to_csv(csv, index=False)
    elif case == "unknown-group":
        data.to_csv(csv, index=False)
        args += ["--group", "trsut"]
    else:
        csv.write_text(",".join(data.columns) + "\n", encoding="utf-8")
    result = runner.invoke(app, args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_rows_without_a_respondent_id_get_record_keys_from_their_answers(
    tmp_path: Path,
) -> None:
    # with an id missing, every row's record key is a digest of its answers, missing answers
    # included (once a TypeError from joining a missing value)
    from leadership_eval.reports.analyse import _record_ids

    data = le.simulate_responses(
        "trainee-survey", 200, seed=5, groups={"t01": 70, "t02": 70, "t03": 60}
    )
    data.loc[data.index[3], "respondent_id"] = None
    survey = le.as_survey("trainee-survey")
    ids = _record_ids(survey, data)
    assert ids.str.fullmatch(r"row:[0-9a-f]{32}").all() and ids.is_unique
    assert data.isna().any(axis=None)  # the rows have missing answers
    same = data.copy()
    same[same.columns[5]] = same[same.columns[5]].astype(object)  # another missing value type
    assert _record_ids(survey, same).equals(ids)
    out = le.build_reports("trainee-survey", data, tmp_path / "out", key=b"k" * 32)
    assert len(out.trust_reports) == 3


def test_an_activity_log_without_its_id_column_is_keyed_by_its_records(tmp_path: Path) -> None:
    # an export without the platform's record id: each record's key comes from its values,
    # missing ones included (once a TypeError from joining a missing value)
    data = le.simulate_responses(
        "trainee-survey", 200, seed=5, groups={"t01": 70, "t02": 70, "t03": 60}
    )
    log = le.simulate_responses(
        "mentor-activity-log", 60, seed=6, groups={"t01": 20, "t02": 20, "t03": 20}
    ).drop(columns=["respondent_id"])
    assert log.isna().any(axis=None)
    out = le.build_reports(
        "trainee-survey", data, tmp_path / "out", key=b"k" * 32, activity_log=log, parallel=False
    )
    assert out.publication.activities is not None and out.publication.activities.tables


def test_rows_with_repeated_labels_give_the_reports_of_distinct_ones(tmp_path: Path) -> None:
    # frames concatenated without ignore_index repeat their row labels: once a pandas
    # InvalidIndexError from the perturbation's record keys
    data = le.simulate_responses(
        "trainee-survey", 200, seed=5, groups={"t01": 70, "t02": 70, "t03": 60}
    )
    log = le.simulate_responses(
        "mentor-activity-log", 60, seed=6, groups={"t01": 20, "t02": 20, "t03": 20}
    )
    halves = pd.concat([data.iloc[:100], data.iloc[100:]])  # labels 0-99 twice
    halves.index = [i % 100 for i in range(200)]
    repeated_log = log.set_axis([0] * len(log))

    def files(frame: pd.DataFrame, activities: pd.DataFrame, out: Path) -> dict[str, bytes]:
        le.build_reports(
            "trainee-survey", frame, out, key=b"k" * 32, activity_log=activities, parallel=False
        )
        return {p.name: p.read_bytes() for p in sorted(out.iterdir())}

    assert files(halves, repeated_log, tmp_path / "a") == files(data, log, tmp_path / "b")


def test_no_qualifying_group_is_an_error(tmp_path: Path) -> None:
    data = le.simulate_responses("trainee-survey", 8, groups={"t01": 4, "t02": 4}, seed=2)
    with pytest.raises(le.DisclosureError, match="no trust has at least 5"):
        le.build_reports("trainee-survey", data, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_people_who_decline_consent_are_left_out(tmp_path: Path) -> None:
    survey = le.load_instrument("trainee-survey")
    data = le.simulate_responses(survey, 60, groups={"t01": 30, "t02": 30}, seed=8)
    consent = next(i.id for i in survey.questions if "consent" in i.tags)  # type: ignore[union-attr]
    declined = data.index[:3]
    data.loc[declined, consent] = 0
    data.loc[declined, "trust"] = pd.NA  # the consent question hides the rest
    result = le.build_reports(survey, data, tmp_path / "out")
    entry = next(e for e in result.log["decisions"] if e["decision"] == "consent")
    assert entry["rows_declined"] == 3
    validation = next(e for e in result.log["decisions"] if e["decision"] == "validation")
    assert validation["rows_in"] == 57
    assert "Other trusts (combined)" not in result.publication.responses.index  # type: ignore[union-attr]


def test_placeholders_are_filled_or_shown_plainly(tmp_path: Path) -> None:
    data = le.simulate_responses("trainee-survey", 40, groups={"t01": 20, "t02": 20}, seed=9)
    result = le.build_reports("trainee-survey", data, tmp_path / "a")
    text = result.trust_reports["t01"].read_text(encoding="utf-8")
    assert "{{" not in text and "[mentor title]" in text
    result = le.build_reports(
        "trainee-survey", data, tmp_path / "b", details={"mentor_title": "Leadership Fellow"}
    )
    text = result.trust_reports["t01"].read_text(encoding="utf-8")
    assert "[mentor title]" not in text and "Leadership Fellow" in text
