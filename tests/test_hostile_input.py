"""Hostile input, generated: the command line either answers or says where and what.

Hypothesis writes CSV files (encodings, byte order marks, separators, quotes, ragged and cut-off
records, formula cells) and instrument YAML, and runs the command line on them in a subprocess.
The only outcomes allowed: a result (exit 0) or an ``error:`` message naming the file, with
exit code 1 or 2, and never a traceback. For every CSV that is read, the row accounting holds:
rows read = rows used + rows excluded.

One Python process serves every example (starting a process per example would take a second
each): it runs the real entry point, :func:`leadership_eval.cli.main`, and reports anything
that escaped it as a traceback would. A few cases also run as a fresh ``python -m
leadership_eval`` each, as a user would.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SURVEY = """\
kind: survey
id: hostile
version: 1.0.0
title: Hostile
respondent_id: rid
choice_lists:
  agree5:
    ordered: true
    options: [{code: 1, label: Strongly disagree}, {code: 2, label: Disagree},
              {code: 3, label: Neutral}, {code: 4, label: Agree}, {code: 5, label: Strongly agree}]
    missing: [{code: 9, label: Prefer not to say}]
sections:
  - id: s
    title: S
    items:
      - {id: rid, type: text, text: Id}
      - {id: q1, type: likert, choices: agree5, text: I lead}
      - {id: q2, type: likert, choices: agree5, text: I plan}
      - {id: n, type: number, text: How many, min: 0, max: 50}
      - {id: note, type: text, text: Anything else?}
scales:
  - {id: lead, title: Leading, items: [q1, q2], min_answered: 1}
"""

HEADER = ["rid", "q1", "q2", "n", "note"]

WORKER = r"""
import contextlib, io, json, sys, traceback
from leadership_eval.cli import main
for line in sys.stdin:
    argv = json.loads(line)
    out, err = io.StringIO(), io.StringIO()
    code, tb = 0, None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:
            tb = traceback.format_exc()
            code = 1
    print(json.dumps({"code": code, "out": out.getvalue(), "err": err.getvalue(), "tb": tb}),
          flush=True)
"""


class _Cli:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WORKER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={"MPLBACKEND": "Agg", "COLUMNS": "200", **_env()},
        )

    def __call__(self, *argv: str) -> dict[str, object]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(list(argv)) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "PYTHONPATH", "TMPDIR")}


@pytest.fixture(scope="module")
def cli() -> Iterator[_Cli]:
    runner = _Cli()
    yield runner
    runner.close()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile")
    (path / "survey.yaml").write_text(SURVEY, encoding="utf-8")
    return path


def _acceptable(result: dict[str, object], file: str) -> None:
    assert result["tb"] is None, result["tb"]
    text = f"{result['out']}{result['err']}"
    assert "Traceback" not in text, text
    if result["code"] != 0:
        assert result["code"] in (1, 2), result
        if "valid: no" in text:  # check-responses' own report: each problem with its row
            return
        if re.search(rf"{re.escape(file)}:\d+:\d+: [a-z-]+: ", text):  # validate's file:line:col
            return
        assert "error:" in text, text
        message = text[text.index("error:") :]
        assert len(message.strip()) > len("error: ") + 10, text  # says what
        # says where: the file, a row, a line, a column or an item
        assert re.search(rf"{re.escape(file)}|row \d|line \d|column|item|--", message), text


# ------------------------------------------------------------------------ generated CSV files

cells = st.one_of(
    st.sampled_from(["1", "2", "5", "9", "7", "", " 3 ", "Agree", "agree", "-1", "60", "2.5"]),
    st.sampled_from(["=1+1", "+cmd|' /C calc'!A0", "@SUM(A1)", '"quoted"', "a,b", "a\nb", "é"]),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8),
)
records = st.lists(st.lists(cells, min_size=3, max_size=7), min_size=0, max_size=12)


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[bytes, str]:
    rows = draw(records)
    header = draw(st.sampled_from([HEADER, HEADER[:3], [h.upper() for h in HEADER], ["a", "b"]]))
    sep = draw(st.sampled_from([",", ";", "\t", "|"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, quoting=quoting, lineterminator="\r\n")
    writer.writerow(header)
    for i, row in enumerate(rows):
        row = [f"r{i % 7}", *row[1:]] if draw(st.booleans()) else row
        writer.writerow(row)
    text = buffer.getvalue()
    if draw(st.booleans()) and len(text) > 10:  # cut off anywhere
        text = text[: draw(st.integers(5, len(text) - 1))]
    if draw(st.integers(0, 5)) == 0 and text:  # a stray quote
        at = draw(st.integers(0, len(text) - 1))
        text = text[:at] + '"' + text[at:]
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.integers(0, 9)) == 0:
        data = data + draw(st.binary(max_size=16))  # trailing garbage
    suffix = draw(st.sampled_from([".csv", ".csv", ".txt", ".xlsx"]))
    return data, suffix


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(csv_files())
def test_generated_csv_files_give_a_result_or_a_located_message(
    cli: _Cli, folder: Path, made: tuple[bytes, str]
) -> None:
    data, suffix = made
    path = folder / f"export{suffix}"
    path.write_bytes(data)
    survey = str(folder / "survey.yaml")
    checked = cli("check-responses", survey, str(path), "--max-show", "3")
    _acceptable(checked, path.name)
    scored = cli("score", survey, str(path), "--out", str(folder / "scores.csv"))
    _acceptable(scored, path.name)
    if checked["code"] == 0 or "valid: no" in str(checked["out"]):
        # the file was read: every row is used or excluded, with its reason
        counts = re.search(r"rows: (\d+) read, (\d+) used, (\d+) excluded", str(checked["out"]))
        assert counts is not None, checked["out"]
        read, used, excluded = map(int, counts.groups())
        assert read == used + excluded
        reasons = re.search(r"excluded \(([^)]*)\)", str(checked["out"]))
        if excluded:
            assert reasons is not None
            assert sum(int(p.split()[0]) for p in reasons.group(1).split(", ")) == excluded
    if scored["code"] == 0:
        with (folder / "scores.csv").open(encoding="utf-8") as fh:
            written = list(csv.reader(fh))
        assert not any(c[:1] in ("=", "+", "@") for row in written for c in row)


# ------------------------------------------------------------------------ generated YAML

yaml_values = st.one_of(
    st.sampled_from(
        [
            "q1 == 1",
            "q1 == é",
            f"q1 < {'9' * 400}",
            "q1 ==",
            "answered(q1) and selected(q2, 3)",
            "n > 1e400",
            ".inf",
            ".nan",
            "&a [*a, *a]",
            "!!python/object:os.system ls",
            "{a: 1, a: 2}",
            "'unclosed",
            "- - - -",
        ]
    ),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.sampled_from(["show_if", "min", "max", "text", "choices", "id", "min_answered"]), yaml_values
)
def test_generated_yaml_gives_a_result_or_a_located_message(
    cli: _Cli, folder: Path, key: str, value: str
) -> None:
    text = SURVEY.replace("text: How many,", f"text: How many, {key}: {json.dumps(value)},")
    if key == "min_answered":
        text = SURVEY.replace("min_answered: 1", f"min_answered: {value}")
    path = folder / "mutated.yaml"
    path.write_text(text, encoding="utf-8")
    _acceptable(cli("validate", str(path)), path.name)
    data = folder / "plain.csv"
    data.write_text("rid,q1,q2,n,note\nr1,1,2,3,x\nr2,4,5,6,y\n", encoding="utf-8")
    _acceptable(cli("check-responses", str(path), str(data)), path.name)


# ------------------------------------------------------------------------ real processes


@pytest.mark.parametrize(
    "content",
    [
        b'rid,q1,q2,n,note\r\nr1,1,2,3,"cut off here',
        "rid,q1,q2,n,note\nr1,1,2,3,x\n".encode("utf-16"),
        b"\x00\x01\x02binary",
    ],
    ids=["truncated", "utf-16", "binary"],
)
def test_the_installed_command_never_shows_a_traceback(folder: Path, content: bytes) -> None:
    path = folder / "real.csv"
    path.write_bytes(content)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "leadership_eval",
            "check-responses",
            str(folder / "survey.yaml"),
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={"MPLBACKEND": "Agg", "COLUMNS": "200", **_env()},
    )
    assert "Traceback" not in done.stderr + done.stdout
    assert done.returncode in (0, 1), done.stderr
    if done.returncode:  # a message naming the file, or check-responses' report of the rows
        assert "real.csv" in done.stderr or "valid: no" in done.stdout
