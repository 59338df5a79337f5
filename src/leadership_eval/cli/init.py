"""The ``init`` command: scaffold an evaluation for another deanery or region."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import friendly_errors, out


def register(app: typer.Typer) -> None:
    """Add the ``init`` command to ``app``."""
    app.command("init")(init)


def init(
    folder: Annotated[Path, typer.Argument(help="The folder to create for the evaluation.")],
    trusts: Annotated[
        Path | None,
        typer.Option(
            "--trusts",
            help="A trusts.csv (code,name,trust_type,eligible_trainees,eligible_supervisors) "
            "to write into the instruments straight away.",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Write into a folder that is not empty.")
    ] = False,
) -> None:
    """Scaffold an evaluation: copies of the instruments, a trust list, placeholders, a policy.

    Writes FOLDER/instruments/ (every bundled instrument, to adapt), trusts.csv,
    placeholders.yaml (what each adopter fills in: data controller, ethics decision, contacts),
    policy.yaml (the disclosure policy), run.py (check, set trusts, export, report) and a
    README.md saying what to do next.
    """
    from ..instruments.scaffold import scaffold_evaluation, set_trusts

    with friendly_errors():
        written = scaffold_evaluation(folder, force=force)
        if trusts is not None:
            changed = set_trusts(written["instruments"], trusts)
            written["trusts"].write_text(trusts.read_text(encoding="utf-8-sig"), encoding="utf-8")
            out(f"trust list from {trusts} written into {len(changed)} instrument(s)")
    out(f"wrote {folder}: instruments/, trusts.csv, placeholders.yaml, policy.yaml, run.py")
    out(f"next: read {folder / 'README.md'}")
