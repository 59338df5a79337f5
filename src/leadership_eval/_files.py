"""Reading a file a user names: its path checked, its bytes read, and every way there is no
file to read reported as the library's own error (where and what), once for every reader."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ArgumentError, DataError

__all__ = ["file_bytes", "file_path"]


def file_path(value: object, what: str) -> Path:
    """``value`` as a :class:`~pathlib.Path`; :class:`~leadership_eval.errors.ArgumentError`
    for anything that names no file (``None``, a number, bytes), the message starting with
    ``what`` (e.g. "path must be the export file's path")."""
    if not isinstance(value, str | os.PathLike) or isinstance(value, bytes):
        raise ArgumentError(
            f"{what} (a str or pathlib.Path), not {type(value).__name__}: {value!r}"
        )
    return Path(value)


def file_bytes(path: Path, expected: str, limit: int | None = None) -> bytes:
    """The bytes of ``path`` (its first ``limit`` bytes, when given).

    :class:`~leadership_eval.errors.DataError` ``missing-file`` when there is no such file or
    it is a folder, ``unreadable`` when it cannot be read; ``expected`` says what file was
    wanted (e.g. "read_responses reads a survey export: a .csv, .xlsx or .sav file").
    """
    try:
        with path.open("rb") as fh:
            return fh.read() if limit is None else fh.read(limit)
    except FileNotFoundError:
        raise DataError(f"{path}: no such file ({expected})", code="missing-file") from None
    except IsADirectoryError:
        raise DataError(
            f"{path} is a folder, not a file ({expected}): name the file in the folder",
            code="missing-file",
        ) from None
    except OSError as exc:
        raise DataError(
            f"{path}: cannot be read ({exc.strerror or exc})", code="unreadable"
        ) from exc
