"""The ``init`` command: scaffold an evaluation for another deanery or region."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import friendly_errors, input_file, out, output_folder, read_text


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
    from ..errors import LeadershipEvalError
    from ..instruments.scaffold import read_trusts, scaffold_evaluation, set_trusts

    if not folder.exists():  # an existing file is the library's not-a-folder error
        output_folder(folder, "the evaluation folder")
    if trusts is not None:
        input_file(trusts, "--trusts")
    with friendly_errors():
        rows = read_trusts(trusts) if trusts is not None else None  # checked before writing
        made, existed = _new_paths(folder), folder.exists()
        written = scaffold_evaluation(folder, force=force)
        if trusts is not None:
            try:
                changed = set_trusts(written["instruments"], rows or [])
            except LeadershipEvalError:
                _remove(made, written, existed)
                raise
            written["trusts"].write_text(read_text(trusts, "--trusts"), encoding="utf-8")
            out(f"trust list from {trusts} written into {len(changed)} instrument(s)")
    out(f"wrote {folder}: instruments/, trusts.csv, placeholders.yaml, policy.yaml, run.py")
    out(f"next: read {folder / 'README.md'}")


def _new_paths(folder: Path) -> Path | None:
    """What ``init`` will have made and may take back: the first folder of the path that does
    not exist yet, or ``folder`` when it is empty; None when it holds files already."""
    if folder.is_dir():
        return folder if not any(folder.iterdir()) else None
    made = folder
    while not made.parent.exists() and made.parent != made:
        made = made.parent
    return made


def _remove(made: Path | None, written: dict[str, Path], existed: bool) -> None:
    """Take back a scaffold whose trust list did not fit, so that the same command can run
    again: all of it when this run made the folder (or found it empty). A folder that held
    files before (``--force``) keeps the scaffold with the bundled trust list."""
    import shutil

    if made is None:
        return
    if not existed:
        shutil.rmtree(made, ignore_errors=True)
        return
    for path in written.values():
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
