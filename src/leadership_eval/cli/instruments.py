"""Commands about instruments: ``validate``, ``schema`` and ``catalogue``.

``validate`` must answer in well under a second, so nothing here imports pandas.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ._common import fail, friendly_errors, out, output_file


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
                fail(f"{path}: no such file or folder{_bundled_hint(path, 'validate')}", 2)
            if path.is_dir() and not _yaml_files(path):
                fail(f"{path}: no instrument files (.yaml or .yml) in this folder", 2)
        for path in paths:
            try:
                if path.is_dir():
                    files = _yaml_files(path)
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
            hints = [_init_hint(path, "validate") for path in (paths or []) if problems]
            for hint in filter(None, hints):
                typer.echo(f"hint:{hint}", err=True)
    raise typer.Exit(1 if problems else 0)


def _yaml_files(folder: Path) -> list[Path]:
    """The instrument files in ``folder`` and below, sorted."""
    return sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def _bundled_hint(path: Path, command: str) -> str:
    """A note when ``path`` is no file but the id of a bundled instrument."""
    from ..instruments.loader import bundled_paths

    if str(path) not in bundled_paths():
        return ""
    return (
        f" ({path} is a bundled instrument id: run `leadership-eval {command}` without a path "
        "for the bundled instruments)"
    )


def _init_hint(folder: Path, command: str) -> str:
    """A note when ``folder`` is an evaluation folder as ``init`` writes it, whose files beside
    ``instruments/`` (placeholders.yaml, policy.yaml) are no instruments."""
    inner = folder / "instruments"
    if not (folder.is_dir() and inner.is_dir() and _yaml_files(inner)):
        return ""
    if not any(p.suffix in (".yaml", ".yml") for p in folder.iterdir() if p.is_file()):
        return ""
    return (
        f" {folder} looks like an evaluation folder written by `leadership-eval init`: its "
        f"instruments are in {inner} (placeholders.yaml and policy.yaml beside it are no "
        f"instruments); run `leadership-eval {command} {inner}`"
    )


def schema(
    out_path: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here instead of standard output.")
    ] = None,
) -> None:
    """Write the JSON Schema of the instrument format (for editors' completion and checks)."""
    from ..instruments.schema import json_schema

    if out_path is not None:
        output_file(out_path, "--out")
    text = json.dumps(json_schema(), indent=2, ensure_ascii=False)
    if out_path is None:
        out(text)
    else:
        with friendly_errors():
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

    from ..errors import InstrumentError
    from ..instruments.catalogue import load_catalogue
    from ..instruments.models import text_in

    if folder is not None:
        _catalogue_folder(folder)
    with friendly_errors():
        try:
            cat = load_catalogue(folder)
        except InstrumentError as exc:
            if folder is None or not _init_hint(folder, "catalogue"):
                raise
            fail(f"{exc}\nhint:{_init_hint(folder, 'catalogue')}")
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


def _catalogue_folder(folder: Path) -> None:
    """Stop with exit code 2 when ``folder`` is a file, a bundled id or holds no instrument."""
    if folder.is_file():
        fail(
            f"{folder} is a file, not a folder: give the folder that holds the instruments "
            f"(to check one instrument: leadership-eval validate {folder})",
            2,
        )
    if not folder.exists() and _bundled_hint(folder, "catalogue"):
        fail(f"{folder}: no such folder{_bundled_hint(folder, 'catalogue')}", 2)
    if folder.is_dir() and not _yaml_files(folder):
        fail(f"{folder}: no instrument files (.yaml or .yml) in this folder", 2)
