"""Tests of leadership_eval.privacy.pipeline (anonymise) and the privacy CLI commands."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from leadership_eval.cli import app
from leadership_eval.errors import ConfigurationError, DataError
from leadership_eval.instruments.loader import loads_instrument
from leadership_eval.policy import DisclosurePolicy
from leadership_eval.privacy.anonymity import check_anonymity
from leadership_eval.privacy.hierarchy import Hierarchy
from leadership_eval.privacy.identifiers import KEY_ENV, pseudonymise
from leadership_eval.privacy.pipeline import AnonymisationResult, anonymise

KEY = "pipeline test key 0123456789"

SURVEY_YAML = """
kind: survey
id: mini-survey
version: 1.0.0
title: Mini
respondent_id: rid
choice_lists:
  grade:
    options:
      - {code: fy1, label: FY1}
      - {code: fy2, label: FY2}
      - {code: core, label: Core}
      - {code: reg, label: Registrar}
sections:
  - id: s1
    title: About you
    items:
      - {id: rid, type: text, text: Respondent id, disclosure: direct}
      - {id: email, type: text, text: Email, disclosure: direct, column: Email Address}
      - {id: grade, type: choice, choices: grade, text: Grade, disclosure: quasi}
      - {id: trust, type: text, text: Trust, disclosure: quasi}
      - {id: comments, type: text, text: Comments, disclosure: free_text}
      - {id: q1, type: number, text: Q1}
"""

COMMENTS = [
    "Dr Okafor was brilliant, email a.okafor@nhs.net",
    "ring me on 07700 900123",
    None,
    "Quality Improvement was useful",
    "Rowan Ward never released me",
    "",
]


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)


@pytest.fixture
def survey():
    return loads_instrument(SURVEY_YAML)


def _responses(n: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "rid": [f"R{i:03d}" for i in range(n)],
            "Email Address": [f"t{i}@nhs.net" for i in range(n)],
            "grade": rng.choice(["fy1", "fy2", "core", "reg"], size=n, p=[0.4, 0.4, 0.15, 0.05]),
            "trust": rng.choice(["t01", "t02", "t03"], size=n),
            "comments": [COMMENTS[i % len(COMMENTS)] for i in range(n)],
            "q1": rng.integers(1, 6, size=n),
        },
        index=pd.Index([f"row{i}" for i in range(n)][::-1], name="record"),  # non-default
    )


def test_anonymise_end_to_end(survey) -> None:
    df = _responses()
    res = anonymise(df, survey, k=5, key=KEY)
    assert isinstance(res, AnonymisationResult)
    out = res.data
    # every row, same order and index; direct identifiers gone, id pseudonymised
    assert out.index.equals(df.index)
    assert "Email Address" not in out and "email" not in out
    assert out["rid"].tolist() == pseudonymise(df["rid"], KEY).tolist()
    # free text redacted
    assert out["comments"].iloc[0] == "[NAME] was brilliant, email [EMAIL]"
    assert out["comments"].iloc[1] == "ring me on [PHONE]"
    assert out["comments"].iloc[3] == "Quality Improvement was useful"
    assert pd.isna(out["comments"].iloc[2])
    # k holds (checked independently), untouched columns unchanged
    report = check_anonymity(out, ["grade", "trust"], k=5)
    assert report.passes and report.k >= 5
    assert out["q1"].tolist() == df["q1"].tolist()
    # the log
    log = res.log
    text = json.dumps(log)
    assert KEY not in text and "Okafor" not in text and "07700" not in text
    assert log["dropped"] == ["Email Address"]
    assert log["respondent_id"]["action"] == "pseudonymised"
    assert log["free_text"]["columns"]["comments"]["placeholders"] == {
        "EMAIL": 10,
        "PHONE": 10,
        "PLACE": 10,
        "NAME": 10,
    }
    assert log["quasi_identifiers"] == ["grade", "trust"]
    assert log["k_before"] == check_anonymity(df, ["grade", "trust"], k=5).k
    assert log["k_after"] == report.k
    assert log["risk_after"]["risk_highest"] == pytest.approx(1 / report.k)
    assert log["n_records"] == log["n_records_out"] == len(df)
    assert set(log["generalisation"]["levels"]) == {"grade", "trust"}
    assert res.passes
    json.loads(res.log_json())


def test_suppressed_records_keep_their_row(survey) -> None:
    df = _responses(40, seed=3)
    hier = {
        "grade": Hierarchy.from_rows(
            [
                ["fy1", "foundation", "*"],
                ["fy2", "foundation", "*"],
                ["core", "training", "*"],
                ["reg", "training", "*"],
            ]
        )
    }
    res = anonymise(
        df, survey, policy="gmc-nts", k=4, key=KEY, hierarchies=hier, max_suppression=0.5
    )
    gen = res.generalisation
    assert gen is not None
    assert len(res.data) == len(df)
    sup = gen.suppressed
    assert res.log["suppressed"] == int(sup.sum())
    if sup.any():
        assert (res.data.loc[sup, ["grade", "trust"]] == "*").all().all()
    assert res.log["generalisation"]["hierarchy"] == {"grade": "given", "trust": "keep-or-suppress"}
    assert check_anonymity(res.data, ["grade", "trust"], k=4).passes


def test_without_a_key_the_id_is_dropped_and_logged(survey) -> None:
    res = anonymise(_responses(), survey, k=5)
    assert "rid" not in res.data
    assert res.log["respondent_id"]["action"] == "dropped"
    assert res.log["dropped"][0] == "rid"
    assert any("no pseudonym key" in m for m in res.log["messages"])
    # a key file that does not exist is an error, not a silent drop
    with pytest.raises(ConfigurationError, match="does not exist"):
        anonymise(_responses(), survey, key_file="/nonexistent/k.key")
    with pytest.raises(ConfigurationError, match="too short"):
        anonymise(_responses(), survey, key="short")


def test_key_from_environment(survey, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)
    res = anonymise(_responses(), survey)
    assert res.log["respondent_id"]["action"] == "pseudonymised"


def test_mapping_spec_and_id_column() -> None:
    df = pd.DataFrame(
        {"id": range(12), "name": ["x"] * 12, "band": ["a"] * 6 + ["b"] * 6, "c": ["Dr X"] * 12}
    )
    spec = {"direct": ["name"], "quasi": ["band"], "free_text": "c"}
    res = anonymise(df, spec, k=5, key=KEY, id_column="id")
    assert list(res.data.columns) == ["id", "band", "c"]
    assert res.data["c"].eq("[NAME]").all()
    assert res.log["k_before"] == 6 and res.log["suppressed"] == 0
    assert res.log["generalisation"]["levels"] == {"band": 0}
    with pytest.raises(DataError, match="'nope'"):
        anonymise(df, spec, id_column="nope")
    with pytest.raises(DataError, match="unknown key"):
        anonymise(df, {"direkt": ["name"]})
    with pytest.raises(DataError, match="not in the data"):
        anonymise(df, {"quasi": ["missing"]})
    with pytest.raises(DataError, match="k must be"):
        anonymise(df, spec, k=0)


def test_no_quasi_identifiers() -> None:
    df = pd.DataFrame({"c": ["call 07700 900123", None, "fine"]})
    res = anonymise(df, {"free_text": ["c"]})
    assert res.data["c"].tolist() == ["call [PHONE]", "fine"]
    # the blank row is left out, and said to be
    assert res.log["excluded"]["rows"] == [{"position": 1, "reason": "empty-row"}]
    assert res.excluded["excluded_reason"].tolist() == ["empty-row"]
    assert res.log["k_after"] is None and res.passes
    assert res.log["free_text"]["columns"]["c"] == {
        "n_values": 2,
        "n_changed": 1,
        "placeholders": {"PHONE": 1},
    }


def test_undeclared_columns_are_dropped(survey) -> None:
    df = _responses(30)
    df["contact"] = [f"x{i}@nhs.net" for i in range(30)]
    df["score"] = 1.5
    res = anonymise(df, survey, k=5, key=KEY, max_suppression=0.5)
    assert "contact" not in res.data and "score" not in res.data
    assert res.log["dropped"] == ["Email Address", "contact", "score"]
    found = res.columns.set_index("column")
    assert found.loc["contact", "kind"] == "contact"  # by its name
    assert found.loc["score", "reason"] == "not an item of survey 'mini-survey'"
    # undeclared="keep" keeps what does not look like an identifier, and only that
    res2 = anonymise(df, survey, k=5, key=KEY, max_suppression=0.5, undeclared="keep")
    assert "score" in res2.data and "contact" not in res2.data
    renamed = df.rename(columns={"contact": "q_extra"})
    res3 = anonymise(renamed, survey, k=5, key=KEY, max_suppression=0.5, undeclared="keep")
    assert "q_extra" not in res3.data
    assert res3.columns.set_index("column").loc["q_extra", "kind"] == "email"  # by its values


def test_unreachable_k_raises(survey) -> None:
    df = _responses(8)
    with pytest.raises(DataError):
        anonymise(df, survey, k=50, key=KEY, max_suppression=0.0)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["fy1", "fy2", "core", None]), st.sampled_from(["a", "b", "c"])),
        min_size=10,
        max_size=60,
    ),
    st.integers(2, 5),
)
def test_output_is_k_anonymous_and_complete(rows: list, k: int) -> None:
    df = pd.DataFrame(rows, columns=["grade", "trust"])
    df.index = df.index * 3 + 7
    two = DisclosurePolicy(name="test", min_group=2, min_cell=2)
    try:
        res = anonymise(df, {"quasi": ["grade", "trust"]}, policy=two, k=k, max_suppression=1.0)
    except DataError:
        return  # no generalisation reaches k: nothing is produced
    assert res.data.index.equals(df.index)
    assert check_anonymity(res.data, ["grade", "trust"], k=k).passes
    assert res.log["k_after"] >= k


# ----------------------------------------------------------------------------- CLI

runner = CliRunner()


def _write_survey(tmp_path: Path) -> Path:
    p = tmp_path / "mini.yaml"
    p.write_text(SURVEY_YAML)
    return p


def test_cli_check_anonymity(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    pd.DataFrame({"g": ["a"] * 6 + ["b"] * 2, "s": list("xyxyxyxy")}).to_csv(path, index=False)
    bad = runner.invoke(app, ["check-anonymity", str(path), "--qi", "g", "-k", "3"])
    assert bad.exit_code == 1, bad.output
    assert "fails" in bad.output and "offending classes" in bad.output
    good = runner.invoke(app, ["check-anonymity", str(path), "--qi", "g", "-k", "2"])
    assert good.exit_code == 0, good.output
    assert "passes" in good.output
    js = runner.invoke(
        app, ["check-anonymity", str(path), "--qi", "g", "--sensitive", "s", "--json"]
    )
    summary = json.loads(js.output)
    assert summary["k"] == 2 and summary["l"] == 2 and "offending" not in summary
    missing = runner.invoke(app, ["check-anonymity", str(path), "--qi", "nope"])
    assert missing.exit_code != 0 and "Traceback" not in missing.output


def test_cli_anonymise_writes_data_and_log(tmp_path: Path) -> None:
    survey_path = _write_survey(tmp_path)
    data = tmp_path / "responses.csv"
    _responses().to_csv(data, index=False)
    key = tmp_path / "k.key"
    assert runner.invoke(app, ["generate-key", str(key)]).exit_code == 0
    again = runner.invoke(app, ["generate-key", str(key)])
    assert again.exit_code == 1 and "already exists" in again.output
    out = tmp_path / "anon.csv"
    log = tmp_path / "anon.json"
    result = runner.invoke(
        app,
        [
            "anonymise",
            str(survey_path),
            str(data),
            "--out",
            str(out),
            "--log",
            str(log),
            "--key-file",
            str(key),
            "-k",
            "5",
        ],
    )
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out)
    assert len(written) == 60 and "Email Address" not in written
    assert written["rid"].str.startswith("P").all()
    log_data = json.loads(log.read_text())
    assert log_data["survey"] == "mini-survey" and log_data["k_after"] >= 5
    assert key.read_text().strip() not in log.read_text() + out.read_text()


def test_cli_anonymise_writes_nothing_on_error(tmp_path: Path) -> None:
    survey_path = _write_survey(tmp_path)
    data = tmp_path / "responses.csv"
    _responses(8).to_csv(data, index=False)
    out = tmp_path / "anon.csv"
    result = runner.invoke(
        app,
        [
            "anonymise",
            str(survey_path),
            str(data),
            "--out",
            str(out),
            "-k",
            "50",
            "--max-suppression",
            "0",
        ],
    )
    assert result.exit_code == 1 and "error:" in result.output
    # nothing written, not even a temporary file
    assert set(tmp_path.iterdir()) == {survey_path, data}
    bad_h = runner.invoke(
        app, ["anonymise", str(survey_path), str(data), "--out", str(out), "--hierarchy", "x"]
    )
    assert bad_h.exit_code == 2 and not out.exists()
