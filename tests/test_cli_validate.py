"""The ``validate``, ``schema`` and ``catalogue`` commands."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from typer.testing import CliRunner

from leadership_eval.cli import app

runner = CliRunner()

GOOD = textwrap.dedent(
    """\
    kind: survey
    id: tiny
    version: 1.0.0
    title: Tiny
    choice_lists:
      yn: {options: [{code: 1, label: "Yes"}, {code: 0, label: "No"}]}
    sections:
      - id: main
        title: Main
        items:
          - {id: met, type: choice, choices: yn, text: "Have you met your mentor?"}
    """
)


def test_validate_bundled_catalogue() -> None:
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_validate_reports_problems_with_locations(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(GOOD, encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("choices: yn", "choices: yesno"), encoding="utf-8")
    result = runner.invoke(app, ["validate", str(good)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["validate", str(good), str(bad)])
    assert result.exit_code == 1
    line = next(x for x in result.output.splitlines() if "unknown-choice-list" in x)
    assert line.startswith(f"{bad}:11:42: unknown-choice-list: ")
    result = runner.invoke(app, ["validate", "--format", "json", str(bad)])
    payload = json.loads(result.stdout)
    assert payload["problems"][0]["code"] == "unknown-choice-list"
    assert payload["problems"][0]["line"] == 11


def test_validate_folder_cross_checks(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(GOOD, encoding="utf-8")
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "duplicate-instrument-id" in result.output
    (tmp_path / "b.yaml").write_text(
        GOOD.replace("id: tiny", "id: tiny-two").replace(
            'text: "Have', 'objectives: [O9], text: "Have'
        ),
        encoding="utf-8",
    )
    (tmp_path / "a.yaml").unlink()
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "unknown-objective" in result.output


def test_validate_usage_errors_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    result = runner.invoke(app, ["validate", "--format", "xml"])
    assert result.exit_code == 2
    result = runner.invoke(app, ["validate", "--no-such-option"])
    assert result.exit_code == 2


def test_schema_command(tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    result = runner.invoke(app, ["schema", "--out", str(out)])
    assert result.exit_code == 0
    schema = json.loads(out.read_text(encoding="utf-8"))
    assert schema["$schema"].endswith("2020-12/schema")
    assert "survey" in schema["discriminator"]["mapping"]


def test_schema_validates_bundled_instruments() -> None:
    import jsonschema
    import yaml

    from leadership_eval.instruments.catalogue import load_catalogue
    from leadership_eval.instruments.schema import json_schema

    schema = json_schema()
    cat = load_catalogue()
    for ident, path in cat.paths.items():
        jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), schema), ident


def test_catalogue_command() -> None:
    result = runner.invoke(app, ["catalogue"])
    assert result.exit_code == 0, result.output
    assert "O1" in result.output


def test_validate_does_not_import_pandas() -> None:
    code = (
        "import sys\n"
        "from leadership_eval.cli import main\n"
        "try:\n    main(['validate', '--quiet'])\n"
        "except SystemExit as e:\n    code = e.code\n"
        "assert 'pandas' not in sys.modules, 'validate imported pandas'\n"
        "assert 'pingouin' not in sys.modules\n"
        "sys.exit(code)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
