"""``leadership-eval init``: scaffolding an evaluation for another deanery, end to end.

The scaffold, the trust list written into every instrument (and refused without a change when it
does not fit), placeholders filled and checked at export, and the run script's steps, including
the reports from simulated platform exports.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import leadership_eval as le
from leadership_eval.cli import app
from leadership_eval.errors import ConfigurationError, InstrumentError
from leadership_eval.instruments.placeholders import load_placeholder_values
from leadership_eval.instruments.scaffold import read_trusts

runner = CliRunner()

TRUSTS = [
    ("t01", "Ashworth General", "acute", 210, 95),
    ("t02", "Bridgeford Hospitals", "acute", 180, 80),
    ("t03", "Calderbank Health", "combined", 120, 60),
    ("t04", "Dunmore Care", "mental_health", 60, 30),
    ("t05", "Fenwick Mental Health", "mental_health", 45, 25),
]
FILLED = {
    "evaluation_team": "the North West evaluation team",
    "funder": "the North West deanery",
    "purpose": "It asks how trainees come to lead.",
    "data_controller": "the North West deanery",
    "lawful_basis": "public task (UK GDPR Article 6(1)(e))",
    "retention": "Returns are kept for five years.",
    "contact": "evaluation@example.nhs.uk",
    "dpo_contact": "dpo@example.nhs.uk",
    "ethics_decision": "Reviewed as a service evaluation.",
    "withdrawal_date": "31 March",
}


def _write_trusts(path: Path, rows: list[tuple[object, ...]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["code", "name", "trust_type", "eligible_trainees", "eligible_supervisors"])
        w.writerows(rows)


@pytest.fixture
def scaffold(tmp_path: Path) -> dict[str, Path]:
    return le.scaffold_evaluation(tmp_path / "nw")


def test_scaffold_writes_everything_an_evaluation_needs(scaffold: dict[str, Path]) -> None:
    root = scaffold["instruments"].parent
    assert sorted(p.name for p in root.iterdir()) == [
        "README.md",
        "instruments",
        "placeholders.yaml",
        "policy.yaml",
        "run.py",
        "trusts.csv",
    ]
    # copies of every bundled instrument, identical, and their README
    catalogue = le.load_catalogue(scaffold["instruments"])
    assert dict(catalogue) == dict(le.load_catalogue())
    assert (scaffold["instruments"] / "README.md").is_file()
    # the trust list as the instruments have it, with empty eligible counts
    trusts = read_trusts(scaffold["trusts"])
    assert [t["code"] for t in trusts] == [f"t{n:02d}" for n in range(1, 20)]
    assert trusts[4] == {
        "code": "t05",
        "name": "Trust 05",
        "trust_type": "mental_health",
        "eligible_trainees": None,
        "eligible_supervisors": None,
    }
    # every placeholder the instruments use, empty but the mentor's title
    values = load_placeholder_values(scaffold["placeholders"])
    used = {n for inst in catalogue.values() for _, n in le.unfilled_placeholders(inst)}
    assert set(values) == used
    assert values["mentor_title"] == "Clinical Leadership Mentor"
    assert {v for k, v in values.items() if k != "mentor_title"} == {""}
    text = scaffold["placeholders"].read_text(encoding="utf-8")
    assert "# The organisation that decides why and how the personal data are processed" in text
    # the strict default policy
    assert le.DisclosurePolicy.from_file(scaffold["policy"]) == le.DisclosurePolicy()


def test_scaffold_refuses_a_folder_in_use(tmp_path: Path) -> None:
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("mine")
    with pytest.raises(ConfigurationError, match="not empty"):
        le.scaffold_evaluation(tmp_path / "used")
    assert le.scaffold_evaluation(tmp_path / "used", force=True)["run"].is_file()
    assert (tmp_path / "used" / "notes.txt").read_text() == "mine"
    with pytest.raises(ConfigurationError, match="is a file"):
        le.scaffold_evaluation(tmp_path / "used" / "notes.txt")


def test_set_trusts_writes_every_instrument_and_keeps_comments(
    scaffold: dict[str, Path],
) -> None:
    _write_trusts(scaffold["trusts"], TRUSTS)
    changed = le.set_trusts(scaffold["instruments"], scaffold["trusts"])
    assert sorted(p.stem for p in changed) == [
        "evaluation",
        "interview-consent-log",
        "mentor-activity-log",
        "mentor-trust-profile",
        "participant-characteristics",
        "supervisor-survey",
        "trainee-survey",
    ]
    catalogue = le.load_catalogue(scaffold["instruments"])
    for survey in catalogue.surveys:
        if "trust" in survey.choice_lists:
            cl = survey.choice_lists["trust"]
            assert [(o.code, o.label) for o in cl.options] == [(t[0], t[1]) for t in TRUSTS]
            assert cl.attribute("trust_type") == {t[0]: t[2] for t in TRUSTS}
    evaluation = catalogue.evaluation
    assert evaluation is not None and evaluation.groups == 5
    assert evaluation.case_studies is not None and evaluation.case_studies.of == 5
    text = (scaffold["instruments"] / "trainee-survey.yaml").read_text(encoding="utf-8")
    assert "# Replace the labels with your trusts' names" in text  # comments kept
    assert "label: Dunmore Care, attributes: {trust_type: mental_health}" in text
    # a name YAML would misread is quoted
    _write_trusts(scaffold["trusts"], [("t01", "Yes: Trust #1, North", "acute", 1, 1)])
    le.set_trusts(scaffold["instruments"], scaffold["trusts"])
    survey = le.load_instrument(scaffold["instruments"] / "trainee-survey.yaml")
    assert survey.choice_lists["trust"].label_of("t01") == "Yes: Trust #1, North"  # type: ignore[union-attr]


def test_set_trusts_changes_nothing_when_the_list_does_not_fit(
    scaffold: dict[str, Path],
) -> None:
    before = {p: p.read_text() for p in scaffold["instruments"].glob("*.yaml")}
    _write_trusts(scaffold["trusts"], [("t01", "Ashworth", "hospital", 1, 1)])
    with pytest.raises(InstrumentError) as info:
        le.set_trusts(scaffold["instruments"], scaffold["trusts"])
    problems = [p for p in info.value.problems if p.code == "derived-unknown-code"]
    assert len(problems) == 4  # each survey that derives the trust type from the list
    assert all(str(scaffold["instruments"]) in p.file for p in problems)  # the user's files
    assert all(p.line > 0 for p in problems)
    assert {p: p.read_text() for p in scaffold["instruments"].glob("*.yaml")} == before


def test_read_trusts_reports_every_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "trusts.csv"
    _write_trusts(
        path, [("t01", "A", "acute", "", ""), ("t01", "", "acute", "x", 2), ("a b", "C", "", 1, 1)]
    )
    with pytest.raises(ConfigurationError) as info:
        read_trusts(path)
    message = str(info.value)
    assert "line 3: code 't01' is already used on line 2" in message
    assert "line 3: trust 't01' has no name" in message
    assert "line 3: eligible_trainees 'x' is not a whole number" in message
    assert "line 4: code 'a b' must be letters" in message
    path.write_text("name\nA\n")
    with pytest.raises(ConfigurationError, match="missing: code"):
        read_trusts(path)


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(root / "run.py"), *args],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=600,
    )


def test_run_script_steps(scaffold: dict[str, Path]) -> None:
    root = scaffold["instruments"].parent
    _write_trusts(scaffold["trusts"], TRUSTS)
    assert "trust list written into 7 file(s)" in _run(root, "trusts").stdout
    check = _run(root, "check")
    assert check.returncode == 1 and "placeholders still empty: contact" in check.stdout
    # an export with placeholders left is refused, naming each and where it is
    refused = _run(root, "export")
    assert refused.returncode == 1
    assert "unfilled-placeholder" in refused.stderr and "trainee-survey.yaml:" in refused.stderr
    assert _run(root, "export", "--draft").returncode == 0
    values = dict(load_placeholder_values(scaffold["placeholders"]))
    values.update(FILLED)
    values.update({k: f"the {k.replace('_', ' ')}" for k, v in values.items() if not v})
    scaffold["placeholders"].write_text(
        "".join(f'{k}: "{v}"\n' for k, v in values.items()), encoding="utf-8"
    )
    assert _run(root, "check").returncode == 0
    done = _run(root, "export")
    assert done.returncode == 0, done.stderr
    forms = sorted(p.name for p in (root / "forms").iterdir())
    assert "trainee-survey.xlsx" in forms and "supervisor-survey-redcap.csv" in forms
    exported = le.from_xlsform(root / "forms" / "trainee-survey.xlsx")
    assert exported.choice_lists["trust"].label_of("t04") == "Dunmore Care"
    assert not le.unfilled_placeholders(exported)
    assert "North West evaluation team" in le.to_printable(exported)
    assert _run(root, "nonsense").returncode == 2


def test_run_script_builds_the_reports(scaffold: dict[str, Path]) -> None:
    root = scaffold["instruments"].parent
    _write_trusts(scaffold["trusts"], TRUSTS)
    assert _run(root, "trusts").returncode == 0
    catalogue = le.load_catalogue(scaffold["instruments"])
    data = root / "data"
    data.mkdir()
    sizes = {"t01": 40, "t02": 30, "t03": 25, "t04": 12, "t05": 3}
    trainees = le.simulate_responses(catalogue["trainee-survey"], 110, groups=sizes, seed=1)
    trainees.to_csv(data / "trainee-survey.csv", index=False)
    log = le.simulate_responses(
        catalogue["mentor-activity-log"], 50, groups={t: 10 for t in sizes}, seed=2
    )
    log.to_csv(data / "mentor-activity-log.csv", index=False)
    out = _run(root, "report")
    assert out.returncode == 0, out.stderr
    assert "wrote reports/trainee-survey/" in out.stdout
    assert "no data/supervisor-survey.csv: skipped" in out.stdout
    reports = sorted(p.name for p in (root / "reports" / "trainee-survey").iterdir())
    assert "regional.html" in reports
    # the trust with 3 respondents gets no report of its own
    assert not [r for r in reports if "t05" in r]


def test_cli_init_and_export(tmp_path: Path) -> None:
    trusts = tmp_path / "mine.csv"
    _write_trusts(trusts, TRUSTS)
    result = runner.invoke(app, ["init", str(tmp_path / "nw"), "--trusts", str(trusts)])
    assert result.exit_code == 0, result.output
    assert "written into 7 instrument(s)" in result.output
    assert read_trusts(tmp_path / "nw" / "trusts.csv")[3]["name"] == "Dunmore Care"
    again = runner.invoke(app, ["init", str(tmp_path / "nw")])
    assert again.exit_code == 1 and "not empty" in again.output
    survey = str(tmp_path / "nw" / "instruments" / "trainee-survey.yaml")
    out = tmp_path / "t.xlsx"
    refused = runner.invoke(app, ["export", survey, "--to", "xlsform", "--out", str(out)])
    assert refused.exit_code == 1 and not out.exists()
    assert "trainee-survey.yaml:" in refused.output and "unfilled-placeholder" in refused.output
    details = tmp_path / "details.yaml"
    details.write_text(
        "".join(f'{k}: "{v}"\n' for k, v in {**FILLED, "mentor_title": "Mentor"}.items())
    )
    done = runner.invoke(
        app,
        [
            "export",
            survey,
            "--to",
            "redcap",
            "--out",
            str(out.with_suffix(".csv")),
            "--details",
            str(details),
        ],
    )
    assert done.exit_code == 0, done.output
    assert "North West evaluation team" in out.with_suffix(".csv").read_text(encoding="utf-8")
    draft = runner.invoke(
        app, ["export", survey, "--to", "html", "--out", str(tmp_path / "d.html"), "--draft"]
    )
    assert draft.exit_code == 0 and "{{data_controller}}" in (tmp_path / "d.html").read_text()
