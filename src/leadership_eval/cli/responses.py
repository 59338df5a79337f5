"""Commands about response data: ``check-responses``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ._common import (
    fail,
    friendly_errors,
    input_file,
    out,
    output_file,
    rows_legend,
    table_path,
    where,
)


def register(app: typer.Typer) -> None:
    """Add this area's commands to ``app``."""
    app.command("check-responses")(check_responses)


def check_responses(
    survey: Annotated[str, typer.Argument(help="Survey YAML file or bundled instrument id.")],
    responses: Annotated[
        Path,
        typer.Argument(
            help="Export to check (CSV, XLSX or SPSS .sav) from ODK Central or Briefcase, "
            "KoboToolbox, REDCap, LimeSurvey, Microsoft Forms, Qualtrics, SurveyMonkey, Jisc "
            "Online Surveys or any spreadsheet."
        ),
    ],
    source: Annotated[
        str,
        typer.Option(
            "--source",
            help="auto (detect it), or odk, kobo, redcap, limesurvey, msforms, qualtrics, "
            "surveymonkey, jisc, csv, xlsx, sav.",
        ),
    ] = "auto",
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="Worksheet of an XLSX file (default: first).")
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping", help="LimeSurvey: the <name>_codes.csv written beside the survey."
        ),
    ] = None,
    column: Annotated[
        list[str] | None,
        typer.Option(
            "--column",
            help="HEADING=ITEM: read this column as this item (repeat it; confirms a match the "
            "reader only suggested).",
        ),
    ] = None,
    accept_fuzzy: Annotated[
        bool,
        typer.Option("--accept-fuzzy", help="Use the headings that only resemble an item's text."),
    ] = False,
    monthfirst: Annotated[
        bool,
        typer.Option("--monthfirst", help="Read dates like 07/08/2024 month first (US)."),
    ] = False,
    errors: Annotated[
        Path | None,
        typer.Option("--errors", help="Write every problem found to this CSV file."),
    ] = None,
    max_show: Annotated[
        int, typer.Option("--max-show", min=0, help="How many problems to print.")
    ] = 20,
) -> None:
    """Read an export, check it against the survey and summarise every problem found.

    Prints the platform the export was read as and why, what the reader did (the respondent id
    column, columns matched by their question text, labels read as codes, headings that only
    resemble a question, values that are no option with a "did you mean"), the rows read,
    whether the data are valid, the count of each problem code and the first problems as
    ``row N, column C: code: message``. Exit status: 0 when the data are valid (informational
    findings such as unknown columns allowed), 1 when problems were found or the files cannot
    be read, 2 on usage errors.
    """
    from rich.console import Console
    from rich.markup import escape

    from ..instruments.loader import as_survey
    from ..responses import SOURCES, read_responses, validate_responses

    if source.lower() not in (*SOURCES, "auto", "kobotoolbox", "spss", "excel"):
        fail(f"--source must be auto or one of {', '.join(SOURCES)}, not {source!r}", 2)
    if not responses.exists():
        fail(f"{responses}: no such file", 2)
    if mapping is not None:
        input_file(mapping, "--mapping")
    if errors is not None:
        table_path(errors, "--errors")
        reads = {"survey": Path(survey), "responses": responses, "code mapping": mapping}
        output_file(errors, "--errors", reads)
    columns: dict[str, str] = {}
    for spec in column or []:
        heading, sep, item = spec.rpartition("=")
        if not sep or not heading.strip() or not item.strip():
            fail(f"--column {spec!r}: write it as HEADING=ITEM", 2)
        columns[heading.strip()] = item.strip()
    console = Console(highlight=False, soft_wrap=True)
    with friendly_errors():
        instrument = as_survey(survey)
        sheet_arg: str | int | None = sheet
        if sheet is not None and sheet.isdigit():
            sheet_arg = int(sheet)
        frame = read_responses(
            responses,
            instrument,
            source=source,
            sheet=sheet_arg,
            mapping=mapping,
            columns=columns or None,
            accept_fuzzy=accept_fuzzy,
            dayfirst=not monthfirst,
        )
        report = validate_responses(instrument, frame)
        console.print(
            f"[bold]{escape(str(responses))}[/bold] against survey [bold]{instrument.id}[/bold]"
        )
        _print_read_report(console, frame.report)
        for line in report.summary_lines():
            console.print(escape(line))
        status = "[green]yes[/green]" if report.valid else "[red]no[/red]"
        console.print(f"valid: {status}")
        _print_problems(console, report, max_show, errors)
    if not report.valid:
        raise typer.Exit(1)


def _print_read_report(console: Any, read: Any) -> None:
    """How the file was read: format, id column, matched and combined columns, labels, hints."""
    from rich.markup import escape

    from ..responses import PLATFORMS

    why = f": {read.detected}" if read.detected else " (as asked)"
    enc = f" ({read.encoding})" if read.encoding else ""
    console.print(f"read as {read.source}{enc}, {PLATFORMS.get(read.source, '')}{escape(why)}")
    if read.respondent_id:
        console.print(f"respondent id from column {escape(repr(read.respondent_id))}")
    if read.matched_by_text:
        console.print(f"{len(read.matched_by_text)} columns matched by their question text")
    if read.combined:
        parts = ", ".join(f"{k} ({len(v)} columns)" for k, v in read.combined.items())
        console.print(f"split answers combined: {escape(parts)}")
    for col, labels in read.labelled.items():
        console.print(f"{escape(col)}: {len(labels)} choice label(s) read as codes")
    for col, (item, score) in read.fuzzy.items():
        used = read.renamed.get(col) == item
        hint = "used" if used else f'not used; confirm with --column "{col}={item}"'
        console.print(
            f"column {escape(repr(col))} resembles item {item!r} ({score:.0%}): {escape(hint)}"
        )
    for line in (*read.suggestions, *read.notes):
        console.print(escape(line))
    for line in read.recoded or ():
        console.print(f"recoded {escape(line)}")


def _print_problems(console: Any, report: Any, max_show: int, errors: Path | None) -> None:
    """The problems by code, the first ``max_show`` of them, and all of them to ``errors``."""
    from rich.table import Table

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
    if (shown["position"] >= 0).any():
        out(f"({rows_legend(report)})")
    for _, e in shown.iterrows():
        out(f"{where(e)}column {e['column']}: {e['code']}: {e['message']}")
    rest = len(report.errors) - len(shown)
    if rest > 0:
        out(f"... and {rest} more" + ("" if errors else " (use --errors FILE for all)"))
    if errors is not None:
        from ..safe_output import write_table

        write_table(report.errors, errors)
        out(f"wrote {len(report.errors)} problems to {errors}")
