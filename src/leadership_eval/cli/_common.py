"""Helpers shared by the command modules: console output and error handling."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``message`` to standard error and exit with ``code``."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn the library's own errors (and unreadable files) into a message and exit code 1.

    No traceback reaches the user for bad input; a genuine bug still shows one.
    """
    from ..errors import LeadershipEvalError

    try:
        yield
    except LeadershipEvalError as exc:
        fail(str(exc))
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        fail(f"{getattr(exc, 'filename', '') or ''}: {exc.strerror or exc}")
    except (NotADirectoryError, FileExistsError) as exc:
        # a path that runs through a file (``data.csv/out.csv``), or a folder to create where
        # a file is: the checks of the options catch most before any work is done
        fail(
            f"{exc.filename or ''}: {exc.strerror or exc} (a file stands where a folder is needed)"
        )
    except UnicodeDecodeError as exc:  # pragma: no cover - every reader names its file
        fail(f"a file is not UTF-8 text ({exc.reason} at byte {exc.start}): save it as UTF-8")


def input_file(path: Path, what: str) -> None:
    """Stop with exit code 2 unless ``path`` is a file; ``what`` names it (an option...)."""
    if path.is_dir():
        fail(f"{what} {path} is a folder, not a file: name the file in the folder", 2)
    if not path.is_file():
        fail(f"{what} {path}: no such file", 2)


def read_text(path: Path, what: str) -> str:
    """The text of a file, for the command's own readers; ``what`` names it in messages.

    UTF-8 (with or without a byte order mark) and UTF-16 with a byte order mark are read; any
    other encoding stops the command with the file's name, the line and the byte found.
    """
    from .._files import file_text
    from ..errors import DataError

    try:
        return file_text(path.read_bytes(), f"{path} (the {what} file)")
    except DataError as exc:
        fail(str(exc))


def read_lines(path: Path | None, what: str = "list") -> list[str]:
    """The non-blank lines of a text file (names, places...), stripped.

    UTF-8 (with or without a byte order mark) and UTF-16 with a byte order mark are read; any
    other encoding stops the command with the file's name, the line and the byte found.
    """
    if path is None:
        return []
    if path.is_dir():
        fail(f"{path} is a folder, not a file ({what}): name the file in the folder", 2)
    if not path.is_file():
        fail(f"{path}: no such file ({what})", 2)
    text = read_text(path, what)
    return [ln.strip() for ln in text.splitlines() if ln.strip()]


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (also through links, or ``./`` and ``../``)."""
    try:
        if a.exists() and b.exists():
            return a.samefile(b)
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _file_in_the_way(path: Path) -> Path | None:
    """The nearest existing folder above ``path`` when it is a file (``data.csv/out.csv``)."""
    for parent in path.absolute().parents:
        if parent.exists():
            return parent if not parent.is_dir() else None
    return None


def output_file(
    path: Path,
    option: str,
    reads: dict[str, Path | None] | None = None,
    *,
    makes_folder: bool = False,
) -> None:
    """Stop with exit code 2 unless the file ``option`` names can be written, before any work.

    Refused: a folder; a path below a file; a folder that does not exist (unless the command
    makes it, ``makes_folder``); and a file the command also reads (``reads``: what each is
    called, e.g. ``{"responses": path}``): writing it would destroy the input.
    """
    if path.is_dir():
        fail(f"{option} {path} is a folder: name a file in it, e.g. {path / 'output'}", 2)
    blocker = _file_in_the_way(path)
    if blocker is not None:
        fail(f"{option} {path}: {blocker} is a file, not a folder", 2)
    if not makes_folder and not path.absolute().parent.is_dir():
        fail(
            f"{option} {path}: the folder {path.parent} does not exist; create it first "
            "or name a file in a folder that exists",
            2,
        )
    for what, source in (reads or {}).items():
        if source is not None and _same_file(path, source):
            fail(
                f"{option} {path} is also the {what} this command reads: writing it would "
                "destroy that input; name another file (nothing was written)",
                2,
            )


def output_folder(path: Path, option: str) -> None:
    """Stop with exit code 2 unless ``path`` is a folder or can be made one (before any work)."""
    if path.exists() and not path.is_dir():
        fail(f"{option} {path} is a file, not a folder: name a folder to write into", 2)
    blocker = _file_in_the_way(path)
    if blocker is not None:
        fail(f"{option} {path}: {blocker} is a file, not a folder", 2)


def out(message: str = "") -> None:
    """Write a line to standard output."""
    sys.stdout.write(message + "\n")


def table_path(path: Path, option: str) -> None:
    """Stop with exit code 2 unless ``path`` is named ``.csv`` or ``.xlsx``."""
    from ..safe_output import TABLE_FORMATS

    if path.suffix.lower() not in TABLE_FORMATS:
        fail(
            f"{option} {path}: name the file .csv or .xlsx (the extension says which format is "
            f"written), not {path.suffix or 'no extension'!r}",
            2,
        )


def where(error: Any) -> str:
    """``row N, `` of a problem: the spreadsheet's row when known, else the data row."""
    import pandas as pd

    if error["position"] < 0:
        return ""
    sheet = error.get("sheet_row")
    if sheet is not None and not pd.isna(sheet):
        return f"row {int(sheet)}, "
    return f"data row {int(error['position']) + 1}, "


def rows_legend(report: Any) -> str:
    """How the rows of the problems printed are numbered."""
    errors = report.errors
    if "sheet_row" in errors and errors["sheet_row"].notna().any():
        return "rows are numbered as in the spreadsheet (the header is row 1)"
    return "data rows are counted from 1 (the header is not counted)"


def print_validation(
    report: Any, *, values: str = "set aside", problems_file: Path | None = None
) -> None:
    """The short validation summary ``report`` and ``anonymise`` print."""
    for line in report.summary_lines(values):
        out(line)
    if problems_file is not None and len(report.errors):
        out(f"every problem, with its row: {problems_file}")


def strict_stop(report: Any, command: str) -> None:
    """With --strict: stop (exit 1) when validation found any problem or excluded any row."""
    if report.n_errors or len(report.excluded):
        fail(
            f"--strict: the responses have {report.n_errors} problem(s) and "
            f"{len(report.excluded)} excluded row(s); nothing written. Run "
            "`leadership-eval check-responses SURVEY FILE --errors problems.csv` to list them, "
            f"or leave out --strict to {command} with them set aside",
            1,
        )


def distinct_outputs(*outputs: tuple[str, Path | None]) -> None:
    """Stop with exit code 2 when two options (``(option, path)`` pairs) name one file."""
    given = [(option, path) for option, path in outputs if path is not None]
    for i, (option, path) in enumerate(given):
        for other, earlier in given[:i]:
            if _same_file(path, earlier):
                fail(
                    f"{option} {path} is also the {other} file: one would replace the other; "
                    "name two files",
                    2,
                )
