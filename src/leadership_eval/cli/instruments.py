"""Commands about instruments: ``validate``, ``schema`` and ``catalogue``.

``validate`` must answer in well under a second, so nothing here imports pandas.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ._common import fail, friendly_errors, out


def register(app: typer.Typer) -> None:
    """Add the instrument commands to ``app``."""
    app.command("validate")(validate)
    app.command("schema")(schema)
    app.command("catalogue")(catalogue)


def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Instrument files or folders (searched for .yaml). None: the bundled catalogue.",
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="text (file:line:col: code: message) or json")
    ] = "text",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print problems only.")] = False,
) -> None:
    """Check instruments and print every problem as file:line:col: code: message.

    Folders are loaded as a catalogue (cross-checked: unique ids, objectives defined by the
    evaluation). Exit status: 0 when everything is valid, 1 when problems were found, 2 on
    usage errors (such as a path that does not exist).
    """
    from ..errors import InstrumentError, Problem
    from ..instruments.catalogue import catalogue_from_paths, load_catalogue
    from ..instruments.loader import load_instrument

    if output_format not in ("text", "json"):
        fail(f"--format must be text or json, not {output_format!r}", 2)
    problems: list[Problem] = []
    checked = 0
    if not paths:
        try:
            cat = load_catalogue()
            checked = len(cat)
        except InstrumentError as exc:
            problems.extend(exc.problems)
    else:
        for path in paths:
            if not path.exists():
                fail(f"{path}: no such file or folder", 2)
        for path in paths:
            try:
                if path.is_dir():
                    files = sorted(
                        p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()
                    )
                    checked += len(files)
                    catalogue_from_paths(files)
                else:
                    checked += 1
                    load_instrument(path)
            except InstrumentError as exc:
                problems.extend(exc.problems)
    if output_format == "json":
        out(json.dumps({"checked": checked, "problems": [p.to_dict() for p in problems]}, indent=2))
    else:
        for p in problems:
            out(str(p))
        if not quiet:
            files_with = len({p.file for p in problems})
            summary = (
                f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {files_with} "
                f"file{'s' if files_with != 1 else ''}"
                if problems
                else f"{checked} instrument{'s' if checked != 1 else ''} valid"
            )
            typer.echo(summary, err=bool(problems))
    raise typer.Exit(1 if problems else 0)


def schema(
    out_path: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here instead of standard output.")
    ] = None,
) -> None:
    """Write the JSON Schema of the instrument format (for editors' completion and checks)."""
    from ..instruments.schema import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False)
    if out_path is None:
        out(text)
    else:
        out_path.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"wrote {out_path}", err=True)


def catalogue(
    folder: Annotated[
        Path | None, typer.Argument(help="A folder of instruments (default: the bundled ones).")
    ] = None,
) -> None:
    """List the instruments of a catalogue and which objectives each serves."""
    from rich.console import Console
    from rich.table import Table

    from ..instruments.catalogue import load_catalogue
    from ..instruments.models import text_in

    with friendly_errors():
        cat = load_catalogue(folder)
    console = Console()
    listing = Table(title="Instruments")
    for col in ("id", "kind", "version", "title"):
        listing.add_column(col)
    for ident, inst in cat.items():
        listing.add_row(ident, inst.kind, inst.version, text_in(inst.title))
    console.print(listing)
    cov = cat.coverage()
    names = [i for i, inst in cat.items() if inst.kind != "evaluation"]
    matrix = Table(title="Objectives x instruments (parts naming each objective)")
    matrix.add_column("objective")
    for n in names:
        matrix.add_column(n, justify="right")
    for objective, by in cov.items():
        matrix.add_row(objective, *[str(by.get(n, "")) for n in names])
    console.print(matrix)
    missing = cat.uncovered()
    if missing:
        console.print(f"[bold red]Objectives no instrument serves: {', '.join(missing)}[/]")
