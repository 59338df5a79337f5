"""Writing tables that are safe to open in a spreadsheet (no formula injection).

Every CSV and XLSX file the library writes goes through this module. A cell whose text starts
with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a NUL is taken by Excel, LibreOffice
Calc and Google Sheets as a formula: an answer such as ``=HYPERLINK("http://...", "open")`` in a
survey export would run when the analyst opened the shareable file or a problems list. Following
OWASP's advice on CSV injection:

* in a CSV file such a text cell is written with a leading apostrophe (``'=HYPERLINK(...)``),
  which spreadsheets take as "this is text" and do not show; every field that needs quoting is
  quoted (RFC 4180), so a value cannot open a cell of its own. A text that is a plain number
  (``-3``, ``+44``, ``-1.5``) is no formula and is left alone, and so are real numbers;
* in an XLSX file the cell is written as a text cell with Excel's own "quote prefix" mark (what
  Excel records when someone types ``'=1+1``): the value is kept exactly and never evaluated.

:func:`restore` removes the apostrophe again when the library reads back a file it wrote (the
comment review file).

References
----------
OWASP Foundation. CSV Injection. https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._results import FrameResult
from .errors import DataError, NotATableError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "FORMULA_TRIGGERS",
    "TABLE_FORMATS",
    "check_table_path",
    "csv_text",
    "mark_text_cell",
    "neutralise",
    "restore",
    "table_bytes",
    "write_files",
    "write_table",
    "xlsx_bytes",
]

FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "\0")
"""First characters that make a spreadsheet read a cell as a formula (OWASP; ASVS 5 adds NUL)."""

TABLE_FORMATS: dict[str, str] = {".csv": "CSV (UTF-8)", ".xlsx": "Excel workbook"}
"""The file extensions :func:`write_table` writes, and what each means."""

_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


def _dangerous(value: str) -> bool:
    return value.startswith(FORMULA_TRIGGERS) and not _NUMBER.fullmatch(value)


def neutralise(value: Any) -> Any:
    """A cell value made safe for a CSV file: text a spreadsheet would read as a formula gets a
    leading apostrophe; anything else is returned unchanged.

    Examples
    --------
    >>> neutralise('=HYPERLINK("http://example.invalid")')
    '\\'=HYPERLINK("http://example.invalid")'
    >>> neutralise("-2+3"), neutralise("-3"), neutralise(-3), neutralise("fine")
    ("'-2+3", '-3', -3, 'fine')
    """
    if isinstance(value, str) and _dangerous(value):
        return "'" + value
    return value


def restore(value: Any) -> Any:
    """Undo :func:`neutralise` (for files the library wrote and reads back).

    Examples
    --------
    >>> restore("'=1+1"), restore("'quoted"), restore("-3")
    ('=1+1', "'quoted", '-3')
    """
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and _dangerous(value[1:]):
        return value[1:]
    return value


def check_table_path(path: str | Path, what: str = "output") -> str:
    """The format a table file's extension names (``.csv`` or ``.xlsx``).

    Raises
    ------
    DataError
        ``unknown-format``: any other extension (the file is not written in a format its name
        does not promise).
    """
    suffix = Path(path).suffix.lower()
    if suffix not in TABLE_FORMATS:
        known = " or ".join(TABLE_FORMATS)
        raise DataError(
            f"{path}: the {what} must be named {known} (the name says which format is "
            f"written); found {suffix or 'no extension'!r}",
            code="unknown-format",
        )
    return suffix


def _table(frame: Any) -> pd.DataFrame:
    """``frame`` when it is a pandas DataFrame (a result holding one gives its ``.frame``, as
    :func:`~leadership_eval._frames.check_frame` does), else ``not-a-table``."""
    import pandas as pd

    if isinstance(frame, FrameResult):
        frame.warn_legacy("passing it where a table is wanted")
        frame = frame.frame
    if not isinstance(frame, pd.DataFrame):
        raise NotATableError(
            f"frame (the table to write) must be a pandas DataFrame, not {type(frame).__name__}",
            code="not-a-table",
        )
    return frame


def _frame_rows(frame: pd.DataFrame, index: bool) -> tuple[list[Any], Iterable[Sequence[Any]]]:
    """The header and the rows of ``frame``; a missing value (None, NA, NaN, or NaT of pandas
    or numpy: a missing date-time) is None, an empty cell in either format."""
    import numpy as np
    import pandas as pd

    frame = _table(frame)
    if index:
        frame = frame.reset_index()
    header = [str(c) for c in frame.columns]
    na, nat, times = pd.NA, pd.NaT, (np.datetime64, np.timedelta64)
    return header, (
        [
            None
            if v is None
            or v is na
            or v is nat
            or (isinstance(v, float) and v != v)
            or (isinstance(v, times) and np.isnat(v))
            else v
            for v in row
        ]
        for row in frame.itertuples(index=False, name=None)
    )


_SURROGATE = re.compile(r"[\ud800-\udfff]")
"""A lone surrogate: a code point UTF-8 cannot encode (text decoded with errors="surrogateescape",
or cut in the middle of a UTF-16 pair)."""


def _escape_surrogates(text: str) -> str:
    """``text`` with each lone surrogate written as Python's escape ``\\udXXX`` (six
    characters), as ``errors="backslashreplace"`` writes it: the file is valid UTF-8 and the
    code point can be read back from the escape."""
    if not _SURROGATE.search(text):
        return text
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def csv_text(frame: pd.DataFrame, *, index: bool = False, bom: bool = False) -> str:
    """A frame as CSV text, every cell neutralised (see the module's notes).

    Parameters
    ----------
    frame : pandas.DataFrame
    index : bool
        Write the index as the first column(s).
    bom : bool
        Start with a UTF-8 byte order mark (so that Excel reads the file as UTF-8).

    Notes
    -----
    Missing values (None, NA, NaN and NaT, the missing date-time) are empty fields. A lone
    surrogate in text (a code point such as ``"\\ud800"`` that UTF-8 cannot encode: text
    decoded with ``errors="surrogateescape"``, or a UTF-16 pair cut in two) is written as its
    Python escape, the six characters ``\\ud800`` (as ``errors="backslashreplace"`` does),
    so that the text can be saved as UTF-8 and nothing is lost silently.

    Examples
    --------
    >>> import pandas as pd
    >>> print(csv_text(pd.DataFrame({"answer": ["=1+1", "ok, fine"], "n": [-1, 2]})))
    answer,n
    '=1+1,-1
    "ok, fine",2
    <BLANKLINE>
    """
    header, rows = _frame_rows(frame, index)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else neutralise(_plain(v)) for v in row])
    return ("\ufeff" if bom else "") + _escape_surrogates(buffer.getvalue())


def _plain(value: Any) -> Any:
    """Numbers as written by pandas (whole floats without a fraction only when integral types)."""
    return value if isinstance(value, str | int | float) else str(value)


_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters an XLSX cell (XML 1.0) cannot hold: C0 controls other than tab, line feed and
carriage return (a vertical tab or form feed often comes with text pasted from Word or Excel),
lone surrogates, U+FFFE and U+FFFF."""


def _xlsx_text(text: str) -> str:
    """``text`` with each character XML cannot hold written as the OOXML escape ``_xHHHH_``
    (its UTF-16 code in hex: a vertical tab is ``_x000B_``), as Excel itself stores them."""
    return _XML_ILLEGAL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def xlsx_bytes(frame: pd.DataFrame, *, index: bool = False, sheet: str = "data") -> bytes:
    """A frame as an XLSX workbook; text cells are text, marked so that none is a formula.

    Nothing is lost to what a workbook cannot hold:

    * a character XML cannot hold (a control character such as the vertical tab ``\\x0b`` of
      text pasted from Word or Excel, a lone surrogate, U+FFFE, U+FFFF) is written as the OOXML
      escape ``_xHHHH_`` (``"a\\x0bb"`` becomes ``a_x000B_b``), the form Excel itself stores
      them in: Excel shows the character again; openpyxl and pandas read the escape as the
      visible text ``_x000B_`` (``openpyxl.utils.escape.unescape`` turns it back);
    * a date-time with a time zone, which Excel cannot store, is written as ISO 8601 text
      with its offset from UTC (``2025-06-03T09:30:00+01:00``): the local wall time and the
      offset are both kept (the zone's name, e.g. Europe/London, is not); date-times without
      a zone stay Excel dates.
    """
    import datetime as dt

    import numpy as np
    from openpyxl import Workbook
    from openpyxl.cell.cell import Cell

    header, rows = _frame_rows(frame, index)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]

    def put(r: int, c: int, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.isoformat()  # Excel has no time zones: text that keeps the offset
        if isinstance(value, bool | int | float | dt.date | dt.datetime):
            ws.cell(row=r, column=c, value=value)
            return
        text = str(value)
        cell: Cell = ws.cell(row=r, column=c)
        cell.value = _xlsx_text(text)
        mark_text_cell(cell)
        if _dangerous(text):  # "\0=..." escapes to "_x0000_=...": still marked as text
            cell.quotePrefix = True

    for j, name in enumerate(header, start=1):
        put(1, j, name)
    for i, row in enumerate(rows, start=2):
        for j, value in enumerate(row, start=1):
            put(i, j, value)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def mark_text_cell(cell: Any) -> None:
    """Keep an openpyxl cell holding text a text cell, never a formula.

    openpyxl stores any text starting with ``=`` as a formula; the cell is set back to text,
    and text starting with a formula trigger gets Excel's "quote prefix" mark (as when someone
    types ``'=1+1``), so that editing the cell does not turn it into a formula either. The
    value itself is unchanged.
    """
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if _dangerous(cell.value):
            cell.quotePrefix = True


def table_bytes(frame: pd.DataFrame, path: str | Path, *, index: bool = False) -> bytes:
    """The bytes :func:`write_table` would write to ``path`` (its extension says the format)."""
    if check_table_path(path) == ".xlsx":
        return xlsx_bytes(frame, index=index)
    return csv_text(frame, index=index).encode("utf-8")


def write_table(frame: pd.DataFrame, path: str | Path, *, index: bool = False) -> Path:
    """Write a frame to ``path`` as the extension says (``.csv`` or ``.xlsx``), safely.

    An ``.xlsx`` file holds every value: text with characters XML cannot hold (control
    characters from pasted text) has them as ``_xHHHH_`` escapes, and date-times with a time
    zone are ISO 8601 text with their offset (see :func:`xlsx_bytes`). A ``.csv`` file holds
    both as they are, except lone surrogates, which UTF-8 cannot encode: they are written as
    Python's escape ``\\udXXX`` (see :func:`csv_text`). In both formats a missing value
    (None, NA, NaN, or NaT for a date-time) is an empty cell.

    Parameters
    ----------
    frame : pandas.DataFrame
        Anything else is a :class:`~leadership_eval.errors.NotATableError` (``not-a-table``).
    path : str or pathlib.Path
        ``.csv`` (UTF-8) or ``.xlsx``; any other extension raises
        :class:`~leadership_eval.errors.DataError` (``unknown-format``).
    index : bool
        Write the index as the first column(s).

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> path = write_table(pd.DataFrame({"comment": ["@SUM(A1)", "fine"]}), folder / "t.csv")
    >>> print(path.read_text())
    comment
    '@SUM(A1)
    fine
    <BLANKLINE>
    >>> write_table(pd.DataFrame(), folder / "t.txt")
    Traceback (most recent call last):
    ...
    leadership_eval.errors.DataError: ...t.txt: the output must be named .csv or .xlsx ...
    """
    path = Path(path)
    data = table_bytes(frame, path, index=index)
    path.write_bytes(data)
    return path


def write_files(targets: Sequence[tuple[str | Path, str | bytes]]) -> list[Path]:
    """Write every file or none (text as UTF-8): each goes to a temporary file beside it, then
    all are moved into place, so an error or an interruption never leaves half the outputs.

    A missing folder raises :class:`~leadership_eval.errors.DataError` (``no-folder``) before
    anything is written.
    """
    import os
    import tempfile

    temps: list[tuple[str, Path]] = []
    written = [Path(p) for p, _ in targets]
    try:
        for path, (_, text) in zip(written, targets, strict=True):
            folder = path.resolve().parent
            if not folder.is_dir():
                raise DataError(f"{path}: folder {folder} does not exist", code="no-folder")
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
            temps.append((tmp, path))
            data = text.encode("utf-8") if isinstance(text, str) else text
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        for tmp, path in temps:
            os.replace(tmp, path)
        temps = []
    finally:
        for tmp, _ in temps:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return written
