"""Privacy commands: ``check-anonymity``, ``anonymise`` and ``generate-key``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ._common import (
    distinct_outputs,
    fail,
    friendly_errors,
    out,
    output_file,
    print_validation,
    read_lines,
    read_text,
    strict_stop,
    table_path,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


def register(app: typer.Typer) -> None:
    """Add the privacy commands to ``app``."""
    app.command("check-anonymity")(check_anonymity_cmd)
    app.command("anonymise")(anonymise_cmd)
    app.command("generate-key")(generate_key_cmd)


def _read_table(path: Path) -> pd.DataFrame:
    """A CSV or XLSX file as a frame of text (codes such as ``01`` keep their form)."""
    import pandas as pd

    from ..errors import DataError

    if not path.exists():
        fail(f"{path}: no such file", 2)
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, dtype=str)
        else:
            import csv
            import io

            text = read_text(path, "data")  # UTF-8 or UTF-16, or a message saying how to save it
            try:
                sep = csv.Sniffer().sniff(text[:65536], delimiters=",;\t|").delimiter
            except csv.Error:
                sep = ","
            frame = pd.read_csv(io.StringIO(text), dtype=str, sep=sep)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"{path}: cannot read the table: {exc}", code="unreadable") from exc
    if frame.empty:
        raise DataError(f"{path}: the table has no rows (only a header)", code="empty-data")
    return frame


def check_anonymity_cmd(
    data: Annotated[Path, typer.Argument(help="A CSV or XLSX file, one row per record.")],
    qi: Annotated[
        list[str],
        typer.Option(
            "--qi", help="A quasi-identifier column (repeat for each).", show_default=False
        ),
    ],
    k: Annotated[
        int | None,
        typer.Option(
            "-k", "--k", help="Smallest class size required (default: the policy's min_group)."
        ),
    ] = None,
    policy: Annotated[
        str | None,
        typer.Option(
            "--policy", help="Disclosure policy: a preset (default, gmc-nts, nhs-hes) or a file."
        ),
    ] = None,
    sensitive: Annotated[
        list[str] | None,
        typer.Option("--sensitive", help="A sensitive column, for l-diversity (repeatable)."),
    ] = None,
    l_target: Annotated[
        float | None, typer.Option("-l", "--l", help="Required distinct l-diversity.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Measure k-anonymity (and l-diversity) and re-identification risk of a data file.

    Exit status: 0 when the data passes, 1 when it does not (or on bad input), 2 on usage errors.
    """
    with friendly_errors():
        from ..privacy.anonymity import check_anonymity

        frame = _read_table(data)
        report = check_anonymity(
            frame, list(qi), k=k, sensitive=sensitive or None, l=l_target, policy=policy
        )
        summary = report.to_dict()
        if as_json:
            summary.pop("offending", None)  # class values would single people out
            out(json.dumps(summary, indent=2))
        else:
            from rich.console import Console
            from rich.table import Table

            table = Table(title=f"Anonymity of {data.name}", show_header=True)
            table.add_column("measure")
            table.add_column("value", justify="right")
            table.add_column("target", justify="right")
            table.add_row("records", str(report.n_records), "")
            table.add_row("equivalence classes", str(report.n_classes), "")
            table.add_row("k (smallest class)", str(report.k), f">= {report.k_target}")
            if report.l is not None:
                table.add_row(
                    "l (distinct, smallest)",
                    str(report.l),
                    f">= {l_target:g}" if l_target is not None else "",
                )
            table.add_row("highest risk (1/k)", f"{report.risk_highest:.3f}", "")
            table.add_row("average risk", f"{report.risk_average:.3f}", "")
            table.add_row(
                f"records at risk (> {report.risk_threshold:g})",
                f"{report.share_at_risk:.1%}",
                "",
            )
            table.add_row("unique records", f"{report.share_unique:.1%}", "")
            table.add_row("offending classes", str(len(report.offending)), "0")
            table.add_row("records in offending classes", str(report.n_offending_records), "0")
            verdict = "[green]passes[/green]" if report.passes else "[red]fails[/red]"
            table.add_row("verdict", verdict, "")
            Console(width=100).print(table)
        if not report.passes:
            raise typer.Exit(1)


def _parse_hierarchies(specs: list[str] | None) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for spec in specs or []:
        col, sep, path = spec.partition("=")
        if not sep or not col.strip() or not path.strip():
            fail(f"--hierarchy expects COLUMN=FILE, got {spec!r}", 2)
        found[col.strip()] = Path(path.strip())
    return found


def anonymise_cmd(
    survey: Annotated[str, typer.Argument(help="The survey: a YAML file or a bundled id.")],
    responses: Annotated[Path, typer.Argument(help="The responses (CSV, XLSX, SPSS...).")],
    out_path: Annotated[
        Path,
        typer.Option("--out", "-o", help="Where to write the anonymised data (.csv or .xlsx)."),
    ],
    log_path: Annotated[
        Path | None,
        typer.Option("--log", help="Where to write the disclosure log (default: OUT.log.json)."),
    ] = None,
    k: Annotated[
        int | None,
        typer.Option(
            "-k",
            "--k",
            help="Smallest number of people per combination of quasi-identifiers (default: "
            "the policy's min_group; a smaller k is refused).",
        ),
    ] = None,
    policy: Annotated[
        str | None,
        typer.Option(
            "--policy", help="Disclosure policy: a preset (default, gmc-nts, nhs-hes) or a file."
        ),
    ] = None,
    keep: Annotated[
        list[str] | None,
        typer.Option(
            "--keep",
            help="Keep this column although it is no survey item, looks like an identifier or "
            "is labelled direct (repeatable; each identifier kept is warned about).",
        ),
    ] = None,
    key_file: Annotated[
        Path | None,
        typer.Option(
            "--key-file",
            help="Pseudonym key file (see generate-key). Default: $LEADERSHIP_EVAL_KEY; "
            "without a key the record id is dropped.",
        ),
    ] = None,
    hierarchy: Annotated[
        list[str] | None,
        typer.Option("--hierarchy", help="COLUMN=FILE: a generalisation hierarchy (repeatable)."),
    ] = None,
    names: Annotated[
        Path | None, typer.Option("--names", help="A file of people's names, one per line.")
    ] = None,
    places: Annotated[
        Path | None, typer.Option("--places", help="A file of place names, one per line.")
    ] = None,
    max_suppression: Annotated[
        float, typer.Option("--max-suppression", help="Largest share of records suppressed.")
    ] = 0.05,
    id_column: Annotated[
        str | None,
        typer.Option("--id-column", help="The record id column (default: the survey's)."),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option("--source", help="Format: csv, xlsx, sav, redcap or odk (default: detected)."),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Stop (exit 1) if validation finds any problem."),
    ] = False,
    drop_undeclared: Annotated[
        bool,
        typer.Option(
            "--drop-undeclared",
            hidden=True,
            help="Drop columns the survey does not describe (the default; kept for old scripts).",
        ),
    ] = False,
) -> None:
    """Anonymise survey responses for release.

    Keeps only the survey's items and the keyed pseudonym of the export's record id; drops
    every other column (identifiers such as e-mail, IP address, names and timestamps are kept
    only with --keep, and with a warning); leaves out duplicate and blank rows as
    check-responses defines them; redacts free text; and generalises the quasi-identifiers
    until every combination is shared by at least k people, explaining each generalisation.

    Writes the anonymised data (CSV or XLSX, as the extension of --out says; cells that a
    spreadsheet would run as formulas are neutralised) and a JSON disclosure log (counts,
    column names and row numbers; never values or the key), and prints what validation found
    (with --strict any problem stops the command). Nothing is written when anything fails.
    """
    table_path(out_path, "--out")
    inputs = {"survey": survey, "policy": policy, "responses": responses, "key": key_file}
    _anonymise_outputs(out_path, log_path, inputs, hierarchy, names, places)
    with friendly_errors():
        from ..errors import DataError
        from ..instruments.loader import as_survey
        from ..privacy.pipeline import anonymise
        from ..responses import SOURCES, read_responses, validate_responses
        from ..safe_output import table_bytes, write_files

        if source is not None and source.lower() not in (*SOURCES, "kobo"):
            fail(f"--source must be one of {', '.join(SOURCES)}, not {source!r}", 2)
        if not 0 <= max_suppression <= 1:
            fail(f"--max-suppression must be between 0 and 1, got {max_suppression}", 2)
        instrument = as_survey(survey)
        if not responses.exists():
            fail(f"{responses}: no such file", 2)
        hierarchies = _parse_hierarchies(hierarchy)
        read = read_responses(responses, instrument, source=source)
        if id_column is not None and id_column not in read.frame.columns:
            fail(f"--id-column {id_column!r} is not a column of {responses}", 2)
        checked = validate_responses(instrument, read, id_column=id_column)
        if strict:
            strict_stop(checked, "anonymise")
        result = anonymise(
            read,
            instrument,
            policy=policy,
            k=k,
            keep=keep or (),
            validation=checked,
            key_file=key_file,
            hierarchies=hierarchies,  # type: ignore[arg-type]
            id_column=id_column,
            names=read_lines(names, "names"),
            places=read_lines(places, "places"),
            max_suppression=max_suppression,
        )
        if not result.passes:
            raise DataError(
                f"k-anonymity does not hold after anonymisation (k = {result.log['k_after']}, "
                f"target {result.log['k_target']}); nothing written",
                code="not-anonymous",
            )
        log = {"survey": instrument.id, "responses": responses.name}
        log.update(result.log)
        log_file = log_path or out_path.with_name(out_path.name + ".log.json")
        write_files(
            [
                (out_path, table_bytes(result.data, out_path)),
                (log_file, json.dumps(log, indent=2, ensure_ascii=False) + "\n"),
            ]
        )
        print_validation(checked, values="left as found (check-responses lists them)")
        for message in result.log["messages"][1:]:  # the first counts rows, as printed above
            out(message)
        out(f"wrote {out_path} ({len(result.data)} records) and {log_file}")


def _anonymise_outputs(
    out_path: Path,
    log_path: Path | None,
    inputs: dict[str, str | Path | None],
    hierarchy: list[str] | None,
    names: Path | None,
    places: Path | None,
) -> None:
    """Stop before any work when --out or --log cannot be written or would replace an input
    (the survey, the responses, the key, the policy, a hierarchy or a list of names) or each
    other. ``inputs``: the survey, policy, responses and key as given."""
    reads: dict[str, Path | None] = {
        "survey": Path(str(inputs["survey"])),
        "policy file": Path(str(inputs["policy"])) if inputs["policy"] else None,
        "responses": Path(str(inputs["responses"])),
        "pseudonym key": Path(str(inputs["key"])) if inputs["key"] else None,
        "names file": names,
        "places file": places,
    }
    reads.update({f"--hierarchy {c} file": p for c, p in _parse_hierarchies(hierarchy).items()})
    output_file(out_path, "--out", reads)
    if log_path is not None:
        output_file(log_path, "--log", reads)
        distinct_outputs(("--out", out_path), ("--log", log_path))


def generate_key_cmd(
    path: Annotated[Path, typer.Argument(help="The key file to create (mode 0600).")],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing key file.")] = False,
) -> None:
    """Create a random pseudonym key file. Keep it safe and out of the data folder: the same key
    links respondents across survey waves."""
    if path.is_dir():
        fail(f"{path} is a folder: name the key file to create, e.g. {path / 'pseudonym.key'}", 2)
    output_file(path, "key file")
    if path.exists() and not force:
        fail(
            f"key file {path} already exists; not replaced (pass --force to replace it: "
            "pseudonyms made with the old key will no longer match)"
        )
    with friendly_errors():
        from ..privacy.identifiers import generate_key

        generate_key(path, overwrite=force)
        out(f"wrote a new pseudonym key to {path} (keep it private; do not share it with data)")
