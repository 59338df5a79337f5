"""Commands of the scoring area: ``leadership-eval score``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ._common import fail, friendly_errors


def _read_table(path: Path, survey: Any) -> Any:
    """Read a response file with the library's reader when there is one, else with pandas."""
    import pandas as pd

    try:
        from ..readers import read_responses
    except ImportError:  # pragma: no cover - the readers module is optional here
        read_responses = None  # type: ignore[assignment]
    if read_responses is not None:
        return read_responses(path, survey)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return pd.read_excel(path)
    if suffix in (".csv", ".txt", ""):
        return pd.read_csv(path)
    fail(f"{path}: cannot read {suffix!r} files; give a .csv or .xlsx file")


def _write_table(frame: Any, path: Path, index: bool) -> None:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        frame.to_excel(path, index=index)
    else:
        frame.to_csv(path, index=index)


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
    ) -> None:
        """Score the survey's scales and report their reliability.

        Writes one row per respondent (with the respondent id column when the survey has one)
        and one column per scale, and prints alpha, its confidence interval and omega.
        """
        with friendly_errors():
            from rich.console import Console
            from rich.table import Table

            from ..instruments.loader import as_survey
            from ..scoring import reliability, score

            inst = as_survey(survey)
            if transform is not None and transform not in ("none", "percent"):
                fail(f"--transform must be 'none' or 'percent', not {transform!r}", 2)
            if not inst.scales:
                fail(f"survey {inst.id!r} defines no scales to score")
            data = _read_table(responses, inst)
            scores = score(inst, data, transform=transform)  # type: ignore[arg-type]
            rid = inst.respondent_id
            if rid is not None:
                item = inst.item(rid)
                for name in (item.id, item.column):
                    if name is not None and name in data.columns:
                        scores.insert(0, rid, data[name].to_numpy())
                        break
            _write_table(scores, out, index=False)
            rel = reliability(inst, data)
            if reliability_out is not None:
                _write_table(rel.reset_index(), reliability_out, index=False)

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
