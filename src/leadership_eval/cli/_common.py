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
