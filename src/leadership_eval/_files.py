"""Reading a file a user names: its path checked, its bytes read, and every way there is no
file to read reported as the library's own error (where and what), once for every reader."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from .errors import ArgumentError, DataError, LeadershipEvalError

__all__ = ["file_bytes", "file_path", "file_text"]


def file_path(value: object, what: str) -> Path:
    """``value`` as a :class:`~pathlib.Path`; :class:`~leadership_eval.errors.ArgumentError`
    for anything that names no file (``None``, a number, bytes), the message starting with
    ``what`` (e.g. "path must be the export file's path")."""
    if not isinstance(value, str | os.PathLike) or isinstance(value, bytes):
        raise ArgumentError(
            f"{what} (a str or pathlib.Path), not {type(value).__name__}: {value!r}"
        )
    return Path(value)


def file_bytes(
    path: Path,
    expected: str,
    limit: int | None = None,
    *,
    error: Callable[..., LeadershipEvalError] = DataError,
    unreadable: str = "unreadable",
) -> bytes:
    """The bytes of ``path`` (its first ``limit`` bytes, when given).

    ``error`` (:class:`~leadership_eval.errors.DataError`, or the reader's own class such as
    :class:`~leadership_eval.errors.ConfigurationError`) with ``missing-file`` when there is no
    such file or it is a folder, ``unreadable`` when it cannot be read; ``expected`` says what
    file was wanted (e.g. "read_responses reads a survey export: a .csv, .xlsx or .sav file").
    """
    try:
        with path.open("rb") as fh:
            return fh.read() if limit is None else fh.read(limit)
    except FileNotFoundError:
        raise error(f"{path}: no such file ({expected})", code="missing-file") from None
    except IsADirectoryError:
        raise error(
            f"{path} is a folder, not a file ({expected}): name the file in the folder",
            code="missing-file",
        ) from None
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror or exc})", code=unreadable) from exc


def file_text(
    raw: bytes,
    where: str,
    *,
    error: Callable[..., LeadershipEvalError] = DataError,
    code: str = "not-utf8",
) -> str:
    """The text of a file's bytes ``raw``: UTF-8 (with a byte-order mark or none), or UTF-16
    with its byte-order mark (Excel's "Unicode text"). Any other encoding raises ``error``
    with ``code``, the message naming ``where`` (the file), the line and the byte that cannot
    be read, and how to save the file.

    >>> file_text("Zoë".encode("utf-16"), "names.txt")
    'Zoë'
    >>> file_text("Zoë".encode("latin-1"), "names.txt")
    Traceback (most recent call last):
    ...
    leadership_eval.errors.DataError: names.txt: not UTF-8 text: byte 0xeb on line 1 cannot \
be read; save it as UTF-8 (in Excel: CSV UTF-8)
    """
    encoding = "utf-16" if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(
            f"{where}: not {encoding.upper().removesuffix('-SIG')} text: byte "
            f"0x{raw[exc.start]:02x} on line {line} cannot be read; save it as UTF-8 (in Excel: "
            "CSV UTF-8)",
            code=code,
        ) from None
