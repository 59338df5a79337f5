"""Commands of the scoring area: ``leadership-eval score``."""

from __future__ import annotations

from pathlib import Path

import typer

from ._common import (
    distinct_outputs,
    fail,
    friendly_errors,
    output_file,
    print_validation,
    strict_stop,
    table_path,
)


def register(app: typer.Typer) -> None:
    """Add this area's commands to ``app``."""

    @app.command("score")
    def score_command(
        survey: str = typer.Argument(..., help="Survey instrument: a YAML path or a bundled id."),
        responses: Path = typer.Argument(..., help="Responses: a CSV or XLSX file."),
        out: Path = typer.Option(..., "--out", "-o", help="Where to write the scale scores."),
        reliability_out: Path | None = typer.Option(
            None, "--reliability", help="Also write the reliability table here."
        ),
        transform: str | None = typer.Option(
            None, "--transform", help="'percent' for 0-100 (POMP) scores, 'none' for raw."
        ),
        strict: bool = typer.Option(
            False, "--strict", help="Stop (exit 1) if validation finds any problem."
        ),
    ) -> None:
        """Score the survey's scales and report their reliability.

        Writes one row per respondent (with the respondent id column when the survey has one)
        and one column per scale, and prints alpha, its confidence interval and omega. The
        responses are validated first, as check-responses does: duplicate and blank rows are
        not scored, values that are no code are set aside, and a summary says how many (with
        --strict any problem stops the command). --out and --reliability write CSV or XLSX as
        their extension says.
        """
        table_path(out, "--out")
        if reliability_out is not None:
            table_path(reliability_out, "--reliability")
        for option, path in (("--out", out), ("--reliability", reliability_out)):
            if path is not None:
                output_file(path, option, {"survey": Path(survey), "responses": responses})
        distinct_outputs(("--out", out), ("--reliability", reliability_out))
        with friendly_errors():
            from rich.console import Console
            from rich.table import Table

            from ..instruments.loader import as_survey
            from ..responses import read_responses, validate_responses
            from ..safe_output import write_table
            from ..scoring import reliability, score

            inst = as_survey(survey)
            if transform is not None and transform not in ("none", "percent"):
                fail(f"--transform must be 'none' or 'percent', not {transform!r}", 2)
            if not inst.scales:
                fail(f"survey {inst.id!r} defines no scales to score")
            if not responses.is_file():
                fail(f"{responses}: no such file", 1)
            checked = validate_responses(inst, read_responses(responses, inst))
            if strict:
                strict_stop(checked, "score")
            data = checked.data
            scores = score(inst, data, transform=transform)  # type: ignore[arg-type]
            rid = inst.respondent_id
            if rid is not None and rid in data.columns:
                scores.insert(0, rid, data[rid].to_numpy())
            write_table(scores, out, index=False)
            rel = reliability(inst, data)
            if reliability_out is not None:
                write_table(rel.reset_index(), reliability_out, index=False)
            print_validation(checked)

            table = Table(title=f"Reliability of {inst.id} scales ({len(data)} responses)")
            for name in ("scale", "items", "n", "alpha", "95% CI", "omega", "mean r"):
                table.add_column(name, justify="left" if name == "scale" else "right")

            def fmt(x: float) -> str:
                return "-" if x != x else f"{x:.2f}"

            for sid, row in rel.iterrows():
                table.add_row(
                    str(sid),
                    str(int(row["n_items"])),
                    str(int(row["n"])),
                    fmt(row["alpha"]),
                    f"{fmt(row['alpha_ci_low'])} to {fmt(row['alpha_ci_high'])}",
                    fmt(row["omega_total"]),
                    fmt(row["average_r"]),
                )
            console = Console(width=100)
            console.print(table)
            console.print(f"scores of {len(scores)} respondents written to {out}")
            if reliability_out is not None:
                console.print(f"reliability written to {reliability_out}")
