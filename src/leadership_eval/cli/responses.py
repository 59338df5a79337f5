"""Commands about response data: ``check-responses``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import fail, friendly_errors, out


def register(app: typer.Typer) -> None:
    """Add this area's commands to ``app``."""
    app.command("check-responses")(check_responses)


def check_responses(
    survey: Annotated[str, typer.Argument(help="Survey YAML file or bundled instrument id.")],
    responses: Annotated[
        Path, typer.Argument(help="Export to check: CSV, XLSX, SPSS .sav, REDCap or ODK/Kobo.")
    ],
    source: Annotated[
        str | None,
        typer.Option("--source", help="Format: csv, xlsx, sav, redcap or odk (default: detected)."),
    ] = None,
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="Worksheet of an XLSX file (default: first).")
    ] = None,
    errors: Annotated[
        Path | None,
        typer.Option("--errors", help="Write every problem found to this CSV file."),
    ] = None,
    max_show: Annotated[
        int, typer.Option("--max-show", min=0, help="How many problems to print.")
    ] = 20,
) -> None:
    """Read an export, check it against the survey and summarise every problem found.

    Prints the rows read, whether the data are valid, the count of each problem code and the
    first problems as ``row N, column C: code: message``. Exit status: 0 when the data are
    valid (informational findings such as unknown columns allowed), 1 when problems were found
    or the files cannot be read, 2 on usage errors.
    """
    from rich.console import Console
    from rich.table import Table

    from ..instruments.loader import as_survey
    from ..readers import SOURCES, read_responses
    from ..responses import validate_responses

    if source is not None and source.lower() not in (*SOURCES, "kobo"):
        fail(f"--source must be one of {', '.join(SOURCES)}, not {source!r}", 2)
    if not responses.exists():
        fail(f"{responses}: no such file", 2)
    console = Console(highlight=False, soft_wrap=True)
    with friendly_errors():
        instrument = as_survey(survey)
        sheet_arg: str | int | None = sheet
        if sheet is not None and sheet.isdigit():
            sheet_arg = int(sheet)
        frame = read_responses(responses, instrument, source=source, sheet=sheet_arg)
        report = validate_responses(instrument, frame)
        read = frame.attrs.get("read_report")

        console.print(f"[bold]{responses}[/bold] against survey [bold]{instrument.id}[/bold]")
        if read is not None:
            console.print(
                f"read as {read.source}" + (f" ({read.encoding})" if read.encoding else "")
            )
            if read.combined:
                parts = ", ".join(f"{k} ({len(v)} columns)" for k, v in read.combined.items())
                console.print(f"split answers combined: {parts}")
            if read.recoded:
                for line in read.recoded:
                    console.print(f"recoded {line}")
        console.print(
            f"rows: {report.n_rows} read, {len(report.data)} kept, {len(report.excluded)} excluded"
        )
        status = "[green]yes[/green]" if report.valid else "[red]no[/red]"
        console.print(f"valid: {status}")
        summary = report.summary()
        if len(summary):
            table = Table(title="problems by code", title_justify="left")
            table.add_column("code")
            table.add_column("severity")
            table.add_column("problems", justify="right")
            table.add_column("rows", justify="right")
            table.add_column("columns", justify="right")
            for code, row in summary.iterrows():
                table.add_row(
                    str(code),
                    str(row["severity"]),
                    str(row["n"]),
                    str(row["n_rows"]),
                    str(row["n_columns"]),
                )
            console.print(table)
        shown = report.errors.head(max_show)
        for _, e in shown.iterrows():
            where = f"row {e['row']}, " if e["position"] >= 0 else ""
            out(f"{where}column {e['column']}: {e['code']}: {e['message']}")
        rest = len(report.errors) - len(shown)
        if rest > 0:
            out(f"... and {rest} more" + ("" if errors else " (use --errors FILE for all)"))
        if errors is not None:
            report.errors.to_csv(errors, index=False)
            out(f"wrote {len(report.errors)} problems to {errors}")
    if not report.valid:
        raise typer.Exit(1)
