"""Helpers shared by the command modules: console output and error handling."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
    except UnicodeDecodeError as exc:
        fail(f"a file is not UTF-8 text: {exc}")


def out(message: str = "") -> None:
    """Write a line to standard output."""
    sys.stdout.write(message + "\n")
