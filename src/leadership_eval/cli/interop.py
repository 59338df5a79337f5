"""Commands of the interop area: ``export`` (to survey platforms and paper) and ``import``."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated

import typer

from ._common import fail, friendly_errors, out, output_file

_EXPORTS = ("xlsform", "redcap", "limesurvey", "html", "markdown", "docx")
_PACK_EXPORTS = ("html", "docx")
_IMPORTS = ("xlsform", "redcap")
_WRITES = {
    "xlsform": ".xlsx",
    "redcap": ".csv",
    "limesurvey": ".txt",
    "html": ".html",
    "markdown": ".md",
    "docx": ".docx",
}
# extensions that say another format than the one written: refused (others, or none, are fine)
_SUFFIXES = {
    ".xlsx": ("xlsform",),
    ".xls": ("xlsform",),
    ".csv": ("redcap",),
    ".docx": ("docx",),
    ".html": ("html",),
    ".htm": ("html",),
    ".md": ("markdown",),
}


def register(app: typer.Typer) -> None:
    """Add this area's commands to ``app``."""
    app.command("export")(export_cmd)
    app.command("import")(import_cmd)


def _report(caught: list[warnings.WarningMessage]) -> None:
    from ..interop.common import InteropWarning

    for w in caught:
        if isinstance(w.message, InteropWarning):
            typer.echo(f"warning: {w.message}", err=True)


def _refuse_target(model: object, to: str) -> None:
    """Exit with status 2 when ``--to`` does not suit the kind of instrument."""
    from ..instruments.models import Survey

    if not isinstance(model, Survey):
        if to not in _PACK_EXPORTS:
            kind = str(getattr(model, "kind", "instrument")).replace("_", " ")
            article = "an" if kind[0] in "aeiou" else "a"
            fail(
                f"{getattr(model, 'id', '?')} is {article} {kind}: --to must be "
                f"{' or '.join(_PACK_EXPORTS)}, not {to!r}",
                2,
            )
    elif to == "docx":
        fail("a survey prints as html or markdown (docx is for print packs)", 2)


def export_cmd(
    instrument: Annotated[
        str,
        typer.Argument(
            help="A survey, interview guide, guidance or codebook: a YAML file or a bundled id."
        ),
    ],
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="Surveys: xlsform, redcap, limesurvey, html or markdown. Interview guides, "
            "guidance and codebooks: html or docx (a print pack).",
        ),
    ],
    out_path: Annotated[Path, typer.Option("--out", help="The file to write.")],
    language: Annotated[
        str | None,
        typer.Option(
            "--language",
            help="Language of the texts (html/markdown/docx; for xlsform: export only this one).",
        ),
    ] = None,
    office_codes: Annotated[
        bool, typer.Option("--office-codes", help="Print option codes (html/markdown).")
    ] = False,
    details: Annotated[
        Path | None,
        typer.Option(
            "--details",
            help="A YAML file of placeholder values (data controller, contact...) to fill in.",
        ),
    ] = None,
    draft: Annotated[
        bool,
        typer.Option("--draft", help="Export even with placeholders left unfilled (to review)."),
    ] = False,
) -> None:
    """Export an instrument: a survey to a platform or paper, or a print pack of the others.

    A survey goes to a survey platform's import format (LimeSurvey also gets the code mapping
    ``<name>_codes.csv`` beside it) or to a printable questionnaire. An interview guide, the
    co-researcher guidance or the codebook becomes a print pack, as a web page or a Word
    document: an interview guide's first page is its topic grid (minutes, questions, probes),
    then the full script. Placeholders (the data controller, the ethics decision, contacts...)
    are filled in from --details; an export with one left unfilled is refused unless --draft.
    Anything the target cannot carry is listed as a warning on standard error.
    """
    from ..instruments.loader import bundled_paths, load_instrument
    from ..instruments.models import Survey
    from ..instruments.placeholders import (
        check_filled,
        fill_placeholders,
        load_placeholder_values,
    )

    if to not in _EXPORTS:
        fail(f"--to must be one of {', '.join(_EXPORTS)}, not {to!r}", 2)
    suffix = out_path.suffix.lower()
    if to not in _SUFFIXES.get(suffix, (to,)):
        fail(
            f"--out {out_path}: --to {to} writes a {_WRITES[to]} file, not {suffix}: name it "
            f"{out_path.with_suffix(_WRITES[to]).name}",
            2,
        )
    reads = {"instrument": Path(instrument), "--details file": details}
    output_file(out_path, "--out", reads, makes_folder=True)
    with friendly_errors():
        model = load_instrument(instrument)
        _refuse_target(model, to)  # before placeholders: a wrong --to is a usage error
        if details is not None:
            model = fill_placeholders(model, load_placeholder_values(details))
        if not draft:
            source = (
                Path(instrument) if Path(instrument).is_file() else bundled_paths().get(instrument)
            )
            check_filled(model, source)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if not isinstance(model, Survey):
                from ..interop.printpack import to_print_pack

                to_print_pack(model, out_path, format=to, language=language or "en")  # type: ignore[arg-type]
            elif to == "xlsform":
                from ..interop.xlsform import to_xlsform

                to_xlsform(model, out_path, language=language)
            elif to == "redcap":
                from ..interop.redcap import to_redcap

                to_redcap(model, out_path)
            elif to == "limesurvey":
                from ..interop.limesurvey import limesurvey_codes_path, to_limesurvey

                to_limesurvey(model, out_path)
                out(f"wrote {limesurvey_codes_path(out_path)} (codes: keep it with the survey)")
            else:
                from ..interop.printable import to_printable

                to_printable(
                    model,
                    out_path,
                    format="html" if to == "html" else "markdown",
                    language=language or "en",
                    office_codes=office_codes,
                )
        _report(caught)
        out(f"wrote {out_path} ({to})")


def import_cmd(
    path: Annotated[Path, typer.Argument(help="An XLSForm (.xlsx) or REDCap dictionary (.csv).")],
    out_path: Annotated[Path, typer.Option("--out", help="The instrument YAML to write.")],
    source: Annotated[
        str | None,
        typer.Option("--from", help="xlsform or redcap (default: from the file extension)."),
    ] = None,
) -> None:
    """Import a survey from an XLSForm or a REDCap data dictionary and write it as YAML.

    The YAML is an instrument that ``leadership-eval validate`` accepts; what could not be
    mapped is listed as a warning on standard error.
    """
    if path.is_dir():
        fail(f"{path} is a folder, not a file: name the form to import", 2)
    if not path.is_file():
        fail(f"{path}: no such file", 2)
    output_file(out_path, "--out", {"form": path}, makes_folder=True)
    if source is None:
        suffix = path.suffix.lower()
        source = {".xlsx": "xlsform", ".xlsm": "xlsform", ".csv": "redcap"}.get(suffix)
        if source is None:
            fail(f"{path}: cannot tell the format from {suffix or 'no extension'!r}; use --from", 2)
    if source not in _IMPORTS:
        fail(f"--from must be one of {', '.join(_IMPORTS)}, not {source!r}", 2)
    with friendly_errors():
        from ..instruments.loader import loads_instrument
        from ..interop.yaml_out import dump_instrument

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if source == "xlsform":
                from ..interop.xlsform import from_xlsform

                model = from_xlsform(path)
            else:
                from ..interop.redcap import from_redcap

                model = from_redcap(path)
        _report(caught)
        text = dump_instrument(model)
        loads_instrument(text, str(out_path))  # what we write must load
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text(text, encoding="utf-8")
        out(f"wrote {out_path} ({model.id} {model.version}, {len(model.items)} items)")
