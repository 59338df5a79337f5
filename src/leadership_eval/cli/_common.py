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
    except UnicodeDecodeError as exc:  # pragma: no cover - every reader names its file
        fail(f"a file is not UTF-8 text ({exc.reason} at byte {exc.start}): save it as UTF-8")


def read_lines(path: Path | None, what: str = "list") -> list[str]:
    """The non-blank lines of a text file (names, places...), stripped.

    UTF-8 (with or without a byte order mark) and UTF-16 with a byte order mark are read; any
    other encoding stops the command with the file's name, the line and the byte found.
    """
    if path is None:
        return []
    if not path.is_file():
        fail(f"{path}: no such file ({what})", 2)
    raw = path.read_bytes()
    encoding = "utf-16" if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        fail(
            f"{path}: the {what} file is not UTF-8 text: byte 0x{raw[exc.start]:02x} on line "
            f"{line} cannot be read; save it as UTF-8 (in Excel: CSV UTF-8; in Notepad: "
            "Save as, Encoding UTF-8)"
        )
    return [ln.strip() for ln in text.splitlines() if ln.strip()]


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
