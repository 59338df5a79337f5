"""Read survey exports from every platform into the "raw" response form.

:func:`read_responses` reads an export (CSV, Excel or SPSS), works out which platform wrote it
(ODK Central or Briefcase, KoboToolbox, REDCap, LimeSurvey, Microsoft Forms, Qualtrics,
SurveyMonkey, Jisc Online Surveys, or a plain table), maps its columns to the survey's item ids
and converts the values to the raw form every other function accepts (see
:mod:`leadership_eval.responses.validate`): one column per item; choice codes as stored (``Int64`` when
every code is a whole number, strings otherwise) with declared missing codes still present;
``multi_choice`` answers as one column of space-separated codes; numbers as floats; text as
strings; dates as ``YYYY-MM-DD`` strings. The platform's own record id becomes the survey's
respondent id column.

Nothing is dropped silently. Columns that match no item stay in the frame under their own names;
everything the reader did (the platform it chose and why, columns renamed, matched by their
question text, split answers combined, choice labels turned into codes, values it could not
read) is listed in the result's ``.report`` (a :class:`ReadReport`). A value that cannot be
converted losslessly (text in a number column, a label that matches no option) stays as it is,
so that :func:`~leadership_eval.responses.validate_responses` reports it where it is.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import difflib
import functools
import html
import io
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._files import file_bytes, file_path
from .._results import FrameResult
from ..errors import ArgumentError, DataError, did_you_mean
from ..instruments.loader import as_survey

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..instruments.models import ChoiceList, Item, Survey

__all__ = [
    "ODK_METADATA",
    "PLATFORMS",
    "REDCAP_METADATA",
    "SOURCES",
    "ReadReport",
    "ReadResponses",
    "as_survey",
    "read_responses",
]

PLATFORMS: dict[str, str] = {
    "csv": "a CSV table (any tool)",
    "xlsx": "an Excel workbook (any tool)",
    "sav": "an SPSS .sav file",
    "odk": "ODK Central or ODK Briefcase (CSV)",
    "kobo": "KoboToolbox (XML values and headers, or labels)",
    "redcap": "REDCap (raw or label export)",
    "limesurvey": "LimeSurvey (response export)",
    "msforms": "Microsoft Forms (Excel download)",
    "qualtrics": "Qualtrics (CSV with three header rows)",
    "surveymonkey": "SurveyMonkey (two header rows)",
    "jisc": "Jisc Online Surveys",
}
"""The formats :func:`read_responses` reads, by the name its ``source`` argument takes."""

SOURCES: tuple[str, ...] = tuple(PLATFORMS)
"""The names :func:`read_responses` accepts as ``source`` (besides ``"auto"``)."""

_ALIASES = {
    "auto": None,
    "kobotoolbox": "kobo",
    "odk-central": "odk",
    "central": "odk",
    "briefcase": "odk",
    "odk-briefcase": "odk",
    "spss": "sav",
    "excel": "xlsx",
    "microsoft-forms": "msforms",
    "ms-forms": "msforms",
    "forms": "msforms",
    "jisc-online-surveys": "jisc",
    "online-surveys": "jisc",
    "onlinesurveys": "jisc",
}

REDCAP_METADATA: frozenset[str] = frozenset(
    {
        "record_id",
        "redcap_event_name",
        "redcap_repeat_instrument",
        "redcap_repeat_instance",
        "redcap_data_access_group",
        "redcap_survey_identifier",
        "redcap_survey_timestamp",
        # label exports (REDCap's own headings)
        "event name",
        "repeat instrument",
        "repeat instance",
        "data access group",
        "survey identifier",
        "survey timestamp",
        "complete?",
    }
)
"""REDCap bookkeeping columns (``*_complete`` and ``*_timestamp`` are recognised too)."""

ODK_METADATA: frozenset[str] = frozenset(
    {
        # KoboToolbox
        "_uuid",
        "_id",
        "_index",
        "_submission_time",
        "_submitted_by",
        "_validation_status",
        "_status",
        "_notes",
        "_tags",
        "_version_",
        "__version__",
        "_xform_id_string",
        "_attachments",
        "_geolocation",
        "_parent_index",
        "_parent_table_name",
        "_submission__id",
        "meta/instanceid",
        "meta/instancename",
        "meta/deprecatedid",
        "meta/rootuuid",
        "meta/audit",
        "formhub/uuid",
        # ODK Central and Briefcase
        "submissiondate",
        "meta-instanceid",
        "meta-instancename",
        "meta-deprecatedid",
        "meta-audit",
        "key",
        "submitterid",
        "submittername",
        "attachmentspresent",
        "attachmentsexpected",
        "status",
        "reviewstate",
        "deviceid",
        "edits",
        "formversion",
        "isvalidated",
        # metadata questions of any XLSForm
        "instanceid",
        "start",
        "end",
        "today",
        "simserial",
        "subscriberid",
        "phonenumber",
        "username",
        "audit",
    }
)
"""ODK Central, Briefcase and KoboToolbox bookkeeping columns (compared case-insensitively)."""

_LIMESURVEY_METADATA = frozenset(
    {
        "id",
        "submitdate",
        "lastpage",
        "startlanguage",
        "seed",
        "token",
        "startdate",
        "datestamp",
        "ipaddr",
        "refurl",
        "interviewtime",
    }
)
_QUALTRICS_METADATA = frozenset(
    {
        "startdate",
        "enddate",
        "status",
        "ipaddress",
        "progress",
        "duration (in seconds)",
        "finished",
        "recordeddate",
        "responseid",
        "recipientlastname",
        "recipientfirstname",
        "recipientemail",
        "externalreference",
        "externaldatareference",
        "locationlatitude",
        "locationlongitude",
        "distributionchannel",
        "userlanguage",
        "q_recaptchascore",
        "q_relevantidduplicate",
    }
)
_SURVEYMONKEY_METADATA = frozenset(
    {
        "respondent id",
        "collector id",
        "start date",
        "end date",
        "ip address",
        "email address",
        "first name",
        "last name",
        "custom data 1",
    }
)
_MSFORMS_METADATA = frozenset(
    {
        "id",
        "start time",
        "completion time",
        "email",
        "name",
        "last modified time",
        "total points",
        "quiz feedback",
    }
)
_JISC_METADATA = frozenset(
    {"response id", "started", "completed", "start date", "completion date", "timestamp"}
)
_METADATA: dict[str, frozenset[str]] = {
    "odk": ODK_METADATA,
    "kobo": ODK_METADATA,
    "redcap": REDCAP_METADATA,
    "limesurvey": _LIMESURVEY_METADATA,
    "qualtrics": _QUALTRICS_METADATA,
    "surveymonkey": _SURVEYMONKEY_METADATA,
    "msforms": _MSFORMS_METADATA,
    "jisc": _JISC_METADATA,
}

# the platform's own record id, in order of preference (lower case)
_ID_COLUMNS: dict[str, tuple[str, ...]] = {
    "odk": ("meta-instanceid", "key", "meta/instanceid", "instanceid"),
    "kobo": ("meta/instanceid", "_uuid", "meta-instanceid", "instanceid", "_id"),
    "redcap": ("record_id",),
    "limesurvey": ("id",),
    "qualtrics": ("responseid",),
    "surveymonkey": ("respondent id",),
    "msforms": ("id",),
    "jisc": ("response id",),
}
_GENERIC_ID_COLUMNS = ("record_id", "_uuid", "meta/instanceid", "meta-instanceid", "key")

_ENCODINGS = ("utf-8-sig", "cp1252")
_TRUE = {"1", "1.0", "true", "yes", "y", "t", "checked", "selected"}
_FALSE = {"0", "0.0", "false", "no", "n", "f", "unchecked", "not selected"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_SLASH_DATE = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})(?:[ T].*)?$")
_SEPARATORS = " \t;,|"


@dataclass
class ReadReport:
    """What :func:`read_responses` did with the columns of an export.

    Attributes
    ----------
    file : str
        The file read.
    source : str
        The format it was read as: a key of :data:`PLATFORMS` (``odk``, ``kobo``, ``redcap``,
        ``limesurvey``, ``msforms``, ``qualtrics``, ``surveymonkey``, ``jisc``, or ``csv``,
        ``xlsx``, ``sav`` for a plain table).
    detected : str or None
        Why that platform was chosen (the columns or header rows that gave it away), or None
        when ``source`` was given.
    encoding : str or None
        The text encoding of a CSV file (``utf-8``, ``utf-8-sig`` or ``cp1252``).
    header_rows : int
        Header rows read (Qualtrics 3, SurveyMonkey 2, the others 1).
    renamed : dict
        Export column -> item id, for every column whose name was not already an item id.
    matched_by_text : dict
        Export column -> item id, for columns matched by their question text rather than by an
        item id (a subset of ``renamed``).
    fuzzy : dict
        Export column -> (item id, similarity from 0 to 1): columns whose heading only resembles
        an item's text. They are used only when the call confirms them (``accept_fuzzy=True`` or
        ``columns=``); otherwise they stay unknown columns.
    combined : dict
        Item id -> the split columns (REDCap ``item___code``, ODK ``item/code``, LimeSurvey
        ``item[code]``, SurveyMonkey's one column per option...) combined into its one column of
        space-separated codes.
    respondent_id : str or None
        The export column that became the survey's respondent id (the platform's own record
        id: ODK ``meta-instanceID``, REDCap ``record_id``, LimeSurvey ``id``, Qualtrics
        ``ResponseId``...).
    labelled : dict
        Item column -> {label as found -> code}: choice labels turned into codes (once per
        column, however many cells hold them).
    suggestions : list of str
        Values of a partly labelled column that match no option, each with the option it most
        resembles ("did you mean"); they are left as they are for the validator to report.
    notes : list of str
        Other conversions, one line each (dates read day first, positions read as codes...).
    unknown_columns : list of str
        Columns that match no item and are no platform bookkeeping; kept in the frame as they are.
    metadata_columns : list of str
        Platform bookkeeping columns (``redcap_event_name``, ``SubmissionDate``, ``_uuid``,
        ``submitdate``, ``StartDate``...); kept in the frame as they are.
    missing_items : list of str
        Question items with no column in the export.
    string_columns : list of str
        Item columns left as strings because a value could not be converted (the validator
        reports those values).
    recoded : list of str
        SPSS user-missing values recoded to a survey missing code (matched by label).
    sheet_rows : list of int
        The spreadsheet row of each record of the frame (the first row of the sheet is row 1,
        so with one header row the first record is row 2; blank lines of a CSV count, as a
        spreadsheet shows them); empty for SPSS files.
    problems : list of dict
        What is wrong with particular records or cells, each with ``row`` (the frame's index
        label), ``column`` (the export column, None for the whole record), ``code``
        (``ragged-row``, ``truncated-record``, ``unterminated-quote``,
        ``formula-without-value``), ``message`` and ``value``;
        :func:`~leadership_eval.responses.validate_responses` reports them with the other
        problems and excludes the broken records.
    """

    file: str
    source: str
    detected: str | None = None
    encoding: str | None = None
    header_rows: int = 1
    renamed: dict[str, str] = field(default_factory=dict)
    matched_by_text: dict[str, str] = field(default_factory=dict)
    fuzzy: dict[str, tuple[str, float]] = field(default_factory=dict)
    combined: dict[str, list[str]] = field(default_factory=dict)
    respondent_id: str | None = None
    labelled: dict[str, dict[str, str]] = field(default_factory=dict)
    suggestions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    metadata_columns: list[str] = field(default_factory=list)
    missing_items: list[str] = field(default_factory=list)
    string_columns: list[str] = field(default_factory=list)
    recoded: list[str] = field(default_factory=list)
    sheet_rows: list[int] = field(default_factory=list, repr=False)
    problems: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> str:
        """One line per finding, for people."""
        how = f" ({self.detected})" if self.detected else " (as asked)"
        lines = [f"{self.file}: read as {PLATFORMS.get(self.source, self.source)}{how}"]
        if self.respondent_id:
            lines.append(f"respondent id from column {self.respondent_id!r}")
        if self.matched_by_text:
            lines.append(f"{len(self.matched_by_text)} columns matched by their question text")
        for col, (item, score) in self.fuzzy.items():
            used = self.renamed.get(col) == item
            lines.append(
                f"column {col!r} resembles item {item!r} ({score:.0%})"
                + (": used, as confirmed" if used else ": not used; confirm it with columns=")
            )
        if self.combined:
            parts = [f"{k} <- {len(v)} columns" for k, v in self.combined.items()]
            lines.append(f"split answers combined: {', '.join(parts)}")
        for col, mapping in self.labelled.items():
            lines.append(f"{col}: {len(mapping)} choice label(s) read as codes")
        lines += self.suggestions + self.notes + self.recoded
        if self.missing_items:
            lines.append(f"items with no column: {', '.join(self.missing_items)}")
        if self.unknown_columns:
            lines.append(f"columns matching no item (kept): {', '.join(self.unknown_columns)}")
        return "\n".join(lines)


# ------------------------------------------------------------------------------- text keys


def _norm(name: object) -> str:
    """A column name compared case- and whitespace-insensitively."""
    return re.sub(r"\s+", "_", str(name).strip().lower())


_TAG = re.compile(r"<[^>]+>")
_NUMBERING = re.compile(r"^\s*(?:q\s*)?\d+(?:[.)]\s*(?:\d+|[a-z])?)*[.):]\s+", re.I)


def _tkey(text: object) -> str:
    """A question text or label as compared: no markup, case, accents' forms or punctuation."""
    s = html.unescape(_TAG.sub(" ", str(text)))
    s = unicodedata.normalize("NFKC", s).casefold()
    s = re.sub(r"[^\w]+", " ", s)
    return " ".join(s.split())


def _tkey_numbered(text: object) -> str:
    """:func:`_tkey` of a heading without a leading question number (``1.``, ``Q2.``, ``3.a)``)."""
    return _tkey(_NUMBERING.sub("", str(text), count=1))


def _loose(text: str) -> str:
    """Lower case with runs of whitespace as one space (punctuation kept), for label lists."""
    return " ".join(unicodedata.normalize("NFKC", html.unescape(str(text))).casefold().split())


def _code_key(code: object) -> str:
    """A code as written in a split column name (REDCap writes ``-1`` as ``_1`` or ``neg1``)."""
    text = str(code).strip().lower()
    return re.sub(r"[^a-z0-9]", "_", text)


# ------------------------------------------------------------------------------ file reading


def _detect_format(path: Path, head: bytes) -> str:
    """The format from the file's first bytes (its name only breaks a tie)."""
    suffix = path.suffix.lower()
    if head.startswith((b"$FL2", b"$FL3")):
        return "sav"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError(
            f"{path}: a legacy .xls workbook or a password-protected one (an OLE compound "
            "file); save the sheet as .xlsx or CSV, without a password",
            code="unsupported-format",
        )
    if suffix in (".sav", ".zsav") and not _looks_like_text(head):
        return "sav"
    return "csv"


def _looks_like_text(head: bytes) -> bool:
    return bool(head) and (
        head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or b"\x00" not in head
    )


_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def _utf16_without_bom(raw: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when every other byte of the start is NUL (ASCII text
    saved as UTF-16 without a byte order mark), else None."""
    head = raw[:400]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _decode(path: Path, raw: bytes) -> tuple[str, str]:
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(enc), enc
            except UnicodeDecodeError as exc:
                raise DataError(
                    f"{path}: the file starts as {enc.upper()} text but byte {exc.start} cannot "
                    f"be read as {enc.upper()}; re-save it as UTF-8 CSV",
                    code="bad-encoding",
                ) from exc
    guess = _utf16_without_bom(raw)
    if guess is not None:
        with contextlib.suppress(UnicodeDecodeError):
            return raw.decode(guess), guess
    for enc in _ENCODINGS:
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        if enc == "utf-8-sig" and not raw.startswith(b"\xef\xbb\xbf"):
            enc = "utf-8"
        return text, enc
    raise DataError(
        f"{path}: the file is neither UTF-8, UTF-16 nor Windows-1252 (cp1252) text; re-save it "
        "as UTF-8 CSV",
        code="bad-encoding",
    )


def _delimiter(first: str) -> str:
    """The separator giving the first line the most fields (quotes respected)."""
    best, count = ",", 0
    for cand in (",", ";", "\t", "|"):
        n = len(next(csv.reader([first], delimiter=cand), []))
        if n > count:
            best, count = cand, n
    return best


@dataclass
class _Grid:
    """A table as read from a file, before its columns are matched."""

    frame: pd.DataFrame  # cells as text or values, NA for empty cells; columns 0..m-1
    sheet_rows: list[int]  # the spreadsheet row of each frame row (the first is row 1)
    problems: list[dict[str, Any]] = field(default_factory=list)  # by frame row position
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _offset_of_line(text: str, line: int) -> int:
    """Character offset where 1-based ``line`` starts (line breaks as the csv module counts)."""
    if line <= 1:
        return 0
    for i, m in enumerate(_LINE_BREAK.finditer(text), start=2):
        if i == line:
            return m.end()
    return len(text)


def _looks_like_records(value: str, sep: str, width: int) -> bool:
    """Whether a multi-line field holds lines that parse as records of the table."""
    need = max(3, width // 2)
    return any(
        len(next(csv.reader([line], delimiter=sep), [])) >= need
        for line in _LINE_BREAK.split(value)[1:]
    )


def _csv_records(path: Path, text: str, sep: str) -> tuple[list[list[str]], list[int], list[int]]:
    """The CSV records, and the first and last line of each."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    records: list[list[str]] = []
    starts: list[int] = []
    ends: list[int] = []
    before = 0
    try:
        for rec in reader:
            records.append(rec)
            starts.append(before + 1)
            ends.append(reader.line_num)
            before = reader.line_num
    except csv.Error as exc:
        line = before + 1
        hint = ""
        if "field larger than field limit" in str(exc):
            hint = (
                ": a field runs on for more than 131,072 characters, so a quote opened there "
                "is probably never closed"
            )
        raise DataError(
            f"{path}: line {line} cannot be read as CSV ({exc}){hint}", code="not-a-table"
        ) from exc
    return records, starts, ends


def _record_problem(
    path: Path,
    rec: list[str],
    where: tuple[int, int, str],
    sep: str,
    width: int,
    is_last: bool,
    eof_in_quote: bool,
    ends_with_break: bool,
) -> tuple[str, str] | None:
    """What is wrong with one record below the header (a code and a message), if anything."""
    first, final, lines = where
    if is_last and eof_in_quote:
        if _looks_like_records(rec[-1], sep, width):
            raise DataError(
                f"{path}: a quote opened on line {first} is never closed: "
                f"{lines} (the rest of the file) were read as one field; close the "
                "quote (or remove it) and read the file again",
                code="unterminated-quote",
            )
        return (
            "truncated-record",
            f"the file ends inside a quoted field of this record ({lines}): it was cut off",
        )
    if len(rec) > width and any(c.strip() for c in rec[width:]):
        return "ragged-row", f"{len(rec)} fields where the header has {width} ({lines})"
    if len(rec) < width:
        if is_last and not ends_with_break:
            return (
                "truncated-record",
                f"the file ends in the middle of this record ({lines}): it has "
                f"{len(rec)} of the header's {width} fields",
            )
        return "ragged-row", f"{len(rec)} fields where the header has {width} ({lines})"
    if first != final:
        spread = [c for c in rec if "\n" in c or "\r" in c]
        if any(_looks_like_records(c, sep, width) for c in spread):
            return (
                "unterminated-quote",
                f"a quoted field runs over {lines}, whose lines look like records of "
                "their own: a quote opened on the first of them and closed on the last",
            )
    return None


def _read_csv_grid(path: Path, raw: bytes) -> _Grid:
    """Parse CSV text record by record, keeping where each record is and what is wrong with it.

    A spreadsheet shows one record per row (a blank line as an empty row), so record ``i``
    (counting blank lines, from 0) is spreadsheet row ``i + 1``. Records with more or fewer
    fields than the header, the record the file ends in the middle of, and quoted fields that
    swallowed lines looking like records are listed as problems (each on its row); nothing is
    guessed into place.
    """
    import pandas as pd

    text, enc = _decode(path, raw)
    if "\x00" in text[:4096]:
        raise DataError(
            f"{path}: not a table (the file holds binary data); expected CSV, XLSX or SPSS .sav",
            code="not-a-table",
        )
    if not text.strip():
        raise DataError(f"{path}: the file is empty", code="empty-file")
    first = next(line for line in text.splitlines() if line.strip())
    sep = _delimiter(first)
    records, starts, ends = _csv_records(path, text, sep)
    # an empty line is no record (a line of separators is: a row with no answer)
    blank = [not rec or (len(rec) == 1 and not rec[0].strip()) for rec in records]
    head_at = blank.index(False)
    width = len(records[head_at])
    ends_with_break = text.endswith(("\n", "\r"))
    last = max(i for i, b in enumerate(blank) if not b)
    problems: list[dict[str, Any]] = []
    rows: list[list[str]] = []
    sheet_rows: list[int] = []

    # the file ends inside a quoted field: the csv reader takes everything to the end as one
    # field (strict parsing of the last record says so)
    eof_in_quote = False
    if last > head_at and (starts[last] != ends[last] or not ends_with_break):
        tail = text[_offset_of_line(text, starts[last]) :]
        try:
            list(csv.reader(io.StringIO(tail, newline=""), delimiter=sep, strict=True))
        except csv.Error as exc:
            eof_in_quote = "unexpected end of data" in str(exc)

    for i, rec in enumerate(records):
        if blank[i] and i != head_at:
            continue
        pos = len(rows)
        lines = f"line {starts[i]}" if starts[i] == ends[i] else f"lines {starts[i]} to {ends[i]}"
        if i > head_at:
            where = (starts[i], ends[i], lines)
            found = _record_problem(
                path, rec, where, sep, width, i == last, eof_in_quote, ends_with_break
            )
            if found is not None:
                code, message = found
                problems.append({"row": pos, "column": None, "code": code, "message": message})
        rows.append((rec + [""] * width)[:width])
        sheet_rows.append(i + 1)
    frame = pd.DataFrame(rows, columns=range(width), dtype=object)
    frame = frame.where(frame != "", None)
    return _Grid(frame, sheet_rows, problems, enc)


def _formula_cells(path: Path, sheet: str | int | None) -> list[tuple[int, int, str]]:
    """(row, column, formula) of the formula cells of a worksheet (1-based).

    The workbook is opened from a file object: openpyxl refuses a path whose extension is not
    .xlsx/.xlsm/..., and a workbook saved as ``.csv``, ``.txt`` or with no extension is read
    by its content (pandas read it already).
    """
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        fh = path.open("rb")
    except OSError:  # pandas said it all
        return []
    try:
        try:
            wb = load_workbook(fh, read_only=True, data_only=False, keep_links=False)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, InvalidFileException):
            return []  # pandas said it all
        try:
            return _sheet_formulas(wb, sheet)
        finally:
            wb.close()
    finally:
        fh.close()


def _sheet_formulas(wb: Any, sheet: str | int | None) -> list[tuple[int, int, str]]:
    """(row, column, formula) of the formula cells of one sheet of an open workbook."""
    if sheet is None:
        ws = wb.worksheets[0]
    elif isinstance(sheet, int):
        ws = wb.worksheets[sheet]
    else:
        ws = wb[sheet]
    found = []
    for row in ws.iter_rows():
        for cell in row:
            if getattr(cell, "data_type", None) == "f":
                found.append((int(cell.row), int(cell.column), str(cell.value)))
    return found


def _read_xlsx_grid(path: Path, sheet: str | int | None) -> _Grid:
    import zipfile

    import pandas as pd
    from openpyxl.utils import get_column_letter

    try:
        grid = pd.read_excel(
            path, sheet_name=0 if sheet is None else sheet, dtype=object, header=None
        )
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise DataError(f"{path}: no such file", code="missing-file") from None
        raise DataError(f"{path}: not a readable XLSX workbook: {exc}", code="not-a-table") from exc
    except ValueError as exc:
        raise DataError(f"{path}: {exc}", code="not-a-table") from exc
    if isinstance(grid, dict):  # pragma: no cover - sheet_name=None is never passed
        raise DataError(f"{path}: pass one sheet", code="not-a-table")
    if grid.empty or bool(grid.isna().all().all()):
        raise DataError(f"{path}: the sheet is empty", code="empty-file")
    # pandas keeps the sheet's layout: grid cell (i, j) is sheet cell (i + 1, j + 1)
    formulas = {(r, c): f for r, c, f in _formula_cells(path, sheet)}
    problems: list[dict[str, Any]] = []
    # leading empty rows are no header; columns with neither a header nor a value (formatting
    # only) hold nothing: leave them out
    filled = ~grid.isna().all(axis=1).to_numpy(dtype=bool)
    top = int(filled.argmax())
    grid = grid.iloc[top:]
    blank = grid.isna().all()
    kept = [int(j) for j, b in zip(grid.columns, blank.to_numpy(dtype=bool), strict=True) if not b]
    grid = grid.loc[:, kept]
    sheet_rows = [int(i) + 1 for i in grid.index]
    col_pos = {j + 1: k for k, j in enumerate(kept)}
    for (r, c), formula in sorted(formulas.items()):
        if r - 1 < top or c not in col_pos:
            continue
        pos = r - 1 - top
        value = grid.iat[pos, col_pos[c]]
        if value is None or (isinstance(value, float) and value != value):
            problems.append(
                {
                    "row": pos,
                    "column": col_pos[c],
                    "code": "formula-without-value",
                    "message": f"cell {get_column_letter(c)}{r} holds the formula {formula[:60]} "
                    "saved without its value (the file was written by a program that does not "
                    "compute formulas); open and save it in Excel, or replace the formula by "
                    "its value",
                    "value": formula,
                }
            )
    grid = grid.reset_index(drop=True)
    grid.columns = range(grid.shape[1])
    return _Grid(grid, sheet_rows, problems)


def _read_sav(path: Path) -> tuple[pd.DataFrame, Any]:
    import pyreadstat

    try:
        frame, meta = pyreadstat.read_sav(
            str(path), user_missing=True, apply_value_formats=False, dates_as_pandas_datetime=False
        )
    except pyreadstat.ReadstatError as exc:
        raise DataError(f"{path}: not a readable SPSS file: {exc}", code="not-a-table") from exc
    return frame, meta


def _cell(value: Any) -> str:
    """A header cell as text ('' for an empty cell)."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return ""
        if value.is_integer():
            return str(int(value))
    return str(value)


# -------------------------------------------------------------------------- platform detection


def _detect_platform(rows: list[list[str]], fmt: str) -> tuple[str, str]:
    """(platform, reason) from the first rows of a table."""
    head = [h.strip() for h in rows[0]] if rows else []
    low = [h.lower() for h in head]
    cols = set(low)
    second = rows[1] if len(rows) > 1 else []
    third = rows[2] if len(rows) > 2 else []
    if any(c.strip().startswith('{"importid"') for c in (x.lower() for x in third)):
        return "qualtrics", "a third header row of Qualtrics ImportIds"
    if "responseid" in cols and ({"finished", "progress", "recordeddate"} & cols):
        return "qualtrics", "Qualtrics' ResponseId and Finished/Progress columns"
    if {"respondent id", "collector id"} <= cols:
        return "surveymonkey", "SurveyMonkey's Respondent ID and Collector ID columns"
    if low[:3] == ["id", "start time", "completion time"]:
        return "msforms", "Microsoft Forms' ID, Start time and Completion time columns"
    if {"id", "submitdate", "lastpage", "startlanguage"} <= cols:
        return "limesurvey", "LimeSurvey's id, submitdate, lastpage and startlanguage columns"
    if (
        "redcap_event_name" in cols
        or "redcap_repeat_instrument" in cols
        or any("(choice=" in c for c in low)
        or ("complete?" in cols)
        or (any("___" in c for c in low) and any(c.endswith("_complete") for c in low))
        or (low[:1] == ["record_id"] and any(c.endswith("_complete") for c in low))
    ):
        return "redcap", "REDCap's record id, checkbox (___ or choice=) and *_complete columns"
    if (
        "submissiondate" in cols
        or "meta-instanceid" in cols
        or (
            any(
                re.fullmatch(r"[a-z][\w]*-[a-z][\w]*(/.*)?", c)
                for c in low
                if c != "meta-instanceid"
            )
            and "key" in cols
        )
    ):
        return "odk", "ODK Central/Briefcase SubmissionDate, meta-instanceID or group-item columns"
    kobo = {"_uuid", "_submission_time", "_index", "_validation_status", "_submitted_by"}
    if kobo & cols or any(c.startswith(("meta/", "formhub/")) for c in low):
        return "kobo", "KoboToolbox _uuid, _submission_time or meta/instanceID columns"
    if "response id" in cols and sum(bool(_NUMBERING.match(h)) for h in head) >= 2:
        return "jisc", "Jisc Online Surveys' Response ID and numbered question headings"
    del second
    return fmt, "a plain table (no platform's own columns found)"


def _header_count(platform: str, rows: list[list[str]]) -> int:
    if platform == "qualtrics":
        third = rows[2] if len(rows) > 2 else []
        if any(c.strip().lower().startswith('{"importid"') for c in third):
            return 3
        # older exports have a second row of question texts; a table of data has none
        low = [c.strip().lower() for c in rows[0]]
        second = rows[1] if len(rows) > 1 else []
        if "responseid" in low and low.index("responseid") < len(second):
            cell = second[low.index("responseid")].strip()
            return 1 if re.fullmatch(r"R_\w+", cell) or not cell else 2
        return 1
    if platform == "surveymonkey":
        return 2
    if platform == "kobo" and len(rows) > 1:
        # an HXL row of hashtags under the header
        second = [c.strip() for c in rows[1] if c.strip()]
        if second and all(c.startswith("#") for c in second):
            return 2
    return 1


@dataclass
class _Col:
    """One column of an export: its position, name and any second heading."""

    pos: int
    name: str
    sub: str = ""
    key: str = ""


def _columns(platform: str, rows: list[list[str]]) -> list[_Col]:
    """The columns of a table from its header rows."""
    first = rows[0]
    if platform == "surveymonkey":
        out, current = [], ""
        for i, name in enumerate(first):
            current = name or current  # a question's heading spans its options' columns
            out.append(_Col(i, current, rows[1][i] if len(rows) > 1 else ""))
        return out
    if platform == "qualtrics":
        return [_Col(i, name, rows[1][i] if len(rows) > 1 else "") for i, name in enumerate(first)]
    return [_Col(i, name) for i, name in enumerate(first)]


# ---------------------------------------------------------------------------- column matching


@dataclass
class _Target:
    """What a column holds: an item, one option of a multi_choice item, the id, bookkeeping."""

    kind: str  # item, split, id, meta, unknown
    item: str | None = None
    code: str | None = None
    how: str = "name"  # name, text, fuzzy, given


class _Matcher:
    def __init__(self, survey: Survey, platform: str, lime: Mapping[str, Any] | None) -> None:
        from ..instruments.models import text_in

        self.survey = survey
        self.platform = platform
        self.questions = {i.id: i for i in survey.questions}
        self.multi = {i.id for i in survey.questions if i.type == "multi_choice"}
        self.keys: dict[str, str] = {}
        for item in survey.questions:
            self.keys.setdefault(_norm(item.id), item.id)
            if item.column:
                self.keys[_norm(item.column)] = item.id
        langs = list(survey.languages)

        def texts(value: Any) -> list[str]:
            if value is None:
                return []
            if isinstance(value, dict):
                return [str(v) for v in value.values()]
            return [text_in(value, lang) for lang in langs[:1] or ["en"]]

        # question texts -> item ids (in survey order), and the stems of sections
        self.text_ids: dict[str, list[str]] = {}
        self.stems: dict[str, set[str]] = {}
        for section in survey.sections:
            stems = {_tkey(t) for t in texts(section.description) + texts(section.title)}
            for item in section.items:
                if not item.is_question:
                    continue
                for t in texts(item.text):
                    for key in {_tkey(t), _tkey_numbered(t)}:
                        ids = self.text_ids.setdefault(key, [])
                        if item.id not in ids:
                            ids.append(item.id)
                self.stems[item.id] = stems
        self.item_texts = {
            i.id: [_tkey(t) for t in texts(i.text)] for i in survey.questions if i.is_question
        }
        # option labels and codes per item
        self.labels: dict[str, dict[str, str]] = {}
        for item in survey.questions:
            cl = survey.choices_for(item)
            if cl is None:
                continue
            table: dict[str, str] = {}
            for opt in (*cl.options, *cl.missing):
                for t in texts(opt.label):
                    table.setdefault(_tkey(t), str(opt.code))
            self.labels[item.id] = table
        # LimeSurvey question and option codes
        self.lime_q: dict[str, str] = {}
        self.lime_opt: dict[str, dict[str, str]] = {}
        if lime is not None:
            self.lime_q = {str(v).lower(): k for k, v in lime["questions"].items()}
            self.lime_opt = {
                k: {str(ls).lower(): code for code, ls in v.items()}
                for k, v in lime["options"].items()
            }
        # columns of notes (no answer): an XLSForm's notes, and the notes carrying stems
        self.notes = {_norm(i.id) for i in survey.items if not i.is_question}
        if platform in ("odk", "kobo", "csv", "xlsx"):
            from ..interop.xlsform import stem_names

            self.notes |= {_norm(n) for n in stem_names(survey).values()}
        self.taken: set[str] = set()

    # -- by name -------------------------------------------------------------------------
    def _code_of(self, item_id: str, code: str) -> str | None:
        cl = self.survey.choices_for(self.questions[item_id])
        if cl is None:
            return None
        for c in cl.all_codes:
            k = _code_key(c)
            if code in (k, str(c).lower(), k.replace("_", "neg", 1)):
                return str(c)
        return None

    def by_name(self, name: str) -> _Target | None:
        n = _norm(name)
        if self.lime_q:  # a LimeSurvey export is headed by LimeSurvey's codes
            hit = self._lime(n)
            if hit is not None:
                return hit
        if n in self.keys:
            return _Target("item", self.keys[n])
        # REDCap checkboxes item___code; SPSS indicator variables item__code
        for sep in ("___", "__"):
            if sep in n:
                head, _, code = n.rpartition(sep)
                item_id = self.keys.get(head)
                if item_id in self.multi:
                    c = self._code_of(item_id, code)
                    if c is not None:
                        return _Target("split", item_id, c)
        # ODK/Kobo groups: group/item, group/item/code; ODK Central group-item, group-item/code
        parts = n.split("/")
        last = parts[-1].rsplit("-", 1)[-1]
        if n in self.notes or last in self.notes:
            return _Target("meta")
        if len(parts) > 1 or "-" in parts[-1]:
            item_id = self.keys.get(last)
            if item_id is not None:
                return _Target("item", item_id)
        if len(parts) > 1:
            head = parts[-2].rsplit("-", 1)[-1]
            item_id = self.keys.get(head)
            if item_id in self.multi:
                c = self._code_of(item_id, parts[-1])
                if c is not None:
                    return _Target("split", item_id, c)
        return None

    def _lime(self, n: str) -> _Target | None:
        if n in self.lime_q:
            return _Target("item", self.lime_q[n])
        m = re.fullmatch(r"(.+?)(?:\[(.+)\]|_(.+))", n)
        if m:  # code[SQ] (CSV export) or code_SQ (ExpressionScript and R/SPSS exports)
            item_id = self.lime_q.get(m.group(1))
            sq = (m.group(2) or m.group(3) or "").lower()
            if item_id in self.multi and sq in self.lime_opt.get(item_id, {}):
                return _Target("split", item_id, self.lime_opt[item_id][sq])
        for q, item_id in self.lime_q.items():  # codeSQ (older SPSS exports)
            if item_id in self.multi and n.startswith(q) and n != q:
                sq = n[len(q) :]
                if sq in self.lime_opt.get(item_id, {}):
                    return _Target("split", item_id, self.lime_opt[item_id][sq])
        return None

    # -- by text ------------------------------------------------------------------------
    def _item_by_key(self, key: str) -> str | None:
        """The first item not yet matched whose text has this key."""
        free = [i for i in self.text_ids.get(key, []) if i not in self.taken]
        return free[0] if free else None

    def _option(self, item_id: str, label: str) -> str | None:
        key = _tkey(label)
        code = self.labels.get(item_id, {}).get(key)
        if code is not None:
            return code
        return self._code_of(item_id, label.strip().lower())

    def by_text(self, heading: str, sub: str = "") -> _Target | None:
        """Match a heading (and a second heading) to an item or an option, by text."""
        pairs: list[tuple[str, str]] = []
        if sub and sub.strip().lower() not in ("response", "open-ended response", ""):
            pairs.append((heading, sub))
        else:
            whole = self._single(heading)
            if whole is not None:
                return whole
        m = re.fullmatch(r"(.*\S)\s*\(choice=(.*)\)\s*", heading, re.S)  # REDCap labels
        if m:
            pairs.append((m.group(1), m.group(2)))
        m = re.fullmatch(r"(.*\S)\s*\[(.*)\]\s*", heading, re.S)  # LimeSurvey full headings
        if m:
            pairs.append((m.group(1), m.group(2)))
        for sep in ("/", " - ", ": ", " – ", " | "):  # Kobo labels, Qualtrics, Jisc
            at = heading.find(sep)
            while at > 0:
                pairs.append((heading[:at], heading[at + len(sep) :]))
                at = heading.find(sep, at + 1)
        for left, right in pairs:
            hit = self._pair(left, right)
            if hit is not None:
                return hit
        return None

    def _single(self, heading: str) -> _Target | None:
        for key in (_tkey(heading), _tkey_numbered(heading)):
            item_id = self._item_by_key(key)
            if item_id is not None:
                return _Target("item", item_id, how="text")
        return None

    def _pair(self, left: str, right: str) -> _Target | None:
        for key in (_tkey(left), _tkey_numbered(left)):
            for item_id in self.text_ids.get(key, []):
                if item_id in self.multi:
                    code = self._option(item_id, right)
                    if code is not None:
                        return _Target("split", item_id, code, how="text")
        # a matrix: the stem, then the statement (Qualtrics "Stem - Statement", SurveyMonkey)
        for key in (_tkey(right), _tkey_numbered(right)):
            found = self._item_by_key(key)
            if found is not None:
                return _Target("item", found, how="text")
        return None

    def fuzzy(self, heading: str) -> tuple[str, float] | None:
        key = _tkey_numbered(heading)
        if len(key) < 8:
            return None
        best, score = None, 0.0
        for item_id, keys in self.item_texts.items():
            if item_id in self.taken:
                continue
            for k in keys:
                r = difflib.SequenceMatcher(None, key, k).ratio()
                if r > score:
                    best, score = item_id, r
        if best is None or score < 0.8:
            return None
        return best, round(score, 3)


def _items_matched(survey: Survey, platform: str, cols: list[_Col]) -> set[str]:
    """The question items of ``survey`` that the columns match, by name or text."""
    matcher = _Matcher(survey, platform, None)
    found: set[str] = set()
    for c in cols:
        hit = matcher.by_name(c.name)
        if hit is None and platform != "surveymonkey":
            heading = c.sub if platform == "qualtrics" and c.sub else c.name
            hit = matcher.by_text(heading)
        elif hit is None:
            hit = matcher.by_text(c.name, c.sub)
        if hit is not None and hit.kind in ("item", "split") and hit.item is not None:
            found.add(hit.item)
            matcher.taken.add(hit.item)
    return found


@functools.cache
def _bundled_surveys() -> tuple[Survey, ...]:
    from ..instruments.catalogue import load_catalogue
    from ..instruments.models import Survey

    return tuple(i for i in load_catalogue().values() if isinstance(i, Survey))


def _check_survey(
    path: Path, survey: Survey, platform: str, cols: list[_Col], found: set[str]
) -> None:
    """Refuse a file that answers another survey: fewer than half of the survey's questions
    have a column, or a bundled survey's questions match the columns better."""
    questions = [q.id for q in survey.questions if q.id != survey.respondent_id]
    if not questions:
        return
    found = found - {survey.respondent_id}
    share = len(found) / len(questions)
    if share >= 1:
        return
    best: tuple[int, float, str] | None = None
    for other in _bundled_surveys():
        if other.id == survey.id:
            continue
        theirs = [q.id for q in other.questions if q.id != other.respondent_id]
        hits = len(_items_matched(other, platform, cols) - {other.respondent_id})
        if theirs and (best is None or hits > best[0]):
            best = (hits, hits / len(theirs), other.id)
    better = best is not None and best[0] > len(found) and best[1] > share
    bundled = any(other.id == survey.id for other in _bundled_surveys())
    if not better and (share >= 0.5 or not bundled):  # a user's survey may be read in part
        return
    said = (
        f"{path}: the columns match {len(found)} of the {len(questions)} questions of survey "
        f"{survey.id!r}"
    )
    if better and best is not None:
        raise DataError(
            f"{said}, and {best[0]} questions of the bundled survey {best[2]!r} ({best[1]:.0%} of "
            f"its questions): these look like answers to {best[2]!r}; give that survey",
            code="wrong-survey",
        )
    raise DataError(
        f"{said} (fewer than half): is this the right survey? (the file's first columns: "
        f"{', '.join(c.key or c.name for c in cols[:8])})",
        code="wrong-survey",
    )


def _is_metadata(name: str, platform: str) -> bool:
    key = name.strip().lower()
    table = _METADATA.get(platform)
    if table is not None and key in table:
        return True
    if platform == "redcap" and (key.endswith("_complete") or key.endswith("_timestamp")):
        return True
    if platform == "limesurvey" and (re.fullmatch(r"grouptime\d+", key) or key.endswith("time")):
        return True
    if platform in ("csv", "xlsx", "sav"):
        return key in REDCAP_METADATA or key in ODK_METADATA
    return False


# ------------------------------------------------------------------------- value conversion


def _as_text(series: pd.Series, dates: bool = False) -> pd.Series:
    """Strings with surrounding whitespace stripped; blanks NA; whole floats written as ints.

    Each distinct value is converted once (the column is factorised), then broadcast back;
    with ``dates``, date and date-time values become ``YYYY-MM-DD``.
    """
    import numpy as np
    import pandas as pd

    from .._codes import code_texts

    codes, uniques = pd.factorize(series.to_numpy(dtype=object), use_na_sentinel=True)
    u = np.asarray(uniques, dtype=object)
    if dates and len(u):
        is_date = np.frompyfunc(lambda v: isinstance(v, dt.date), 1, 1)(u).astype(bool)
        if is_date.any():
            u = u.copy()
            u[is_date] = np.frompyfunc(lambda v: v.strftime("%Y-%m-%d"), 1, 1)(u[is_date])
    u_text = code_texts(u)[0]
    text = np.append(u_text, np.array([None], dtype=object))[codes]  # code -1: NA
    return pd.Series(text, index=series.index, dtype="str")


def _replace_uniques(text: pd.Series, mapping: Mapping[str, str]) -> pd.Series:
    """``text`` with each value in ``mapping`` replaced (each distinct value looked up once)."""
    import numpy as np
    import pandas as pd

    if not mapping:
        return text
    codes, uniques = pd.factorize(text.to_numpy(dtype=object), use_na_sentinel=True)
    u = np.array([mapping.get(v, v) for v in uniques], dtype=object)
    out = np.append(u, np.array([None], dtype=object))[codes]
    return pd.Series(out, index=text.index, dtype="str")


class _Values:
    """Turns labels into codes, once per distinct value, and reports what it did."""

    def __init__(self, survey: Survey, matcher: _Matcher, report: ReadReport) -> None:
        self.survey = survey
        self.matcher = matcher
        self.report = report

    def _lookup(self, item: Item, value: str) -> str | None:
        return self.matcher._option(item.id, value)

    def _suggest(self, item: Item, column: str, value: str) -> None:
        from ..instruments.models import text_in

        cl = self.survey.choices_for(item)
        labels = [text_in(o.label) for o in (*cl.options, *cl.missing)] if cl else []
        close = difflib.get_close_matches(value, labels, n=1, cutoff=0.5)
        if not close:
            keyed = {_tkey(lab): lab for lab in labels}
            hit = difflib.get_close_matches(_tkey(value), list(keyed), n=1, cutoff=0.5)
            close = [keyed[hit[0]]] if hit else []
        hint = f"; did you mean {close[0]!r}?" if close else ""
        self.report.suggestions.append(
            f"{column}: {value!r} is no option of {item.id!r}{hint} (left as it is)"
        )

    def choice(self, text: pd.Series, item: Item, column: str) -> pd.Series:
        cl = self.survey.choices_for(item)
        if cl is None:
            return text
        codes = {str(c) for c in cl.all_codes}
        lime = self.matcher.lime_opt.get(item.id)
        if lime:  # a LimeSurvey export holds LimeSurvey's answer codes
            renamed = {
                u: lime[u.lower()]
                for u in text.dropna().unique()
                if u.lower() in lime and lime[u.lower()] != u
            }
            if renamed:
                text = _replace_uniques(text, renamed)
        uniques = [u for u in text.dropna().unique() if u not in codes]
        if not uniques:
            return text
        mapping: dict[str, str] = {}
        unknown = []
        for u in uniques:
            code = self._lookup(item, u)
            if code is not None:
                mapping[u] = code
            else:
                unknown.append(u)
        if (
            self.report.source == "qualtrics"
            and not mapping
            and not all(re.fullmatch(r"-?\d+", c) for c in codes)
        ):
            # numeric values of a list with text codes: Qualtrics' default recode values are
            # the options' positions (1, 2, ...)
            order = [str(c) for c in cl.all_codes]
            if all(re.fullmatch(r"\d+", u) and 1 <= int(u) <= len(order) for u in uniques):
                mapping = {u: order[int(u) - 1] for u in uniques}
                unknown = []
                self.report.notes.append(
                    f"{column}: numbers read as positions in choice list {item.choices!r} "
                    "(Qualtrics' default recode values)"
                )
        if mapping:
            self.report.labelled[column] = mapping
            for u in unknown:
                self._suggest(item, column, u)
            return _replace_uniques(text, mapping)
        return text

    def multi(self, text: pd.Series, item: Item, column: str) -> pd.Series:
        cl = self.survey.choices_for(item)
        if cl is None:
            return text
        codes = {str(c) for c in cl.all_codes}
        mapping: dict[str, str] = {}
        labelled: dict[str, str] = {}
        for u in text.dropna().unique():
            tokens = [t for t in re.split(r"[\s,;|]+", u.strip()) if t]
            if all(t in codes for t in tokens):
                mapping[u] = " ".join(tokens)
                continue
            parsed, unknown = self._parse_list(item, u)
            if parsed and not unknown:
                mapping[u] = " ".join(parsed)
                labelled[u] = mapping[u]
            elif parsed:
                mapping[u] = " ".join(parsed + unknown)
                labelled[u] = mapping[u]
                for bad in unknown:
                    self._suggest(item, column, bad)
            else:
                mapping[u] = " ".join(tokens)
        if labelled:
            self.report.labelled[column] = labelled
        return _replace_uniques(text, mapping)

    def _parse_list(self, item: Item, value: str) -> tuple[list[str], list[str]]:
        """Codes of a list of labels (or codes) joined by spaces, commas, semicolons or bars."""
        from ..instruments.models import text_in

        cl = self.survey.choices_for(item)
        assert cl is not None
        names: list[tuple[str, str]] = []
        for opt in (*cl.options, *cl.missing):
            label = opt.label
            for t in label.values() if isinstance(label, dict) else [text_in(label)]:
                names.append((_loose(t), str(opt.code)))
            names.append((str(opt.code).lower(), str(opt.code)))
        names.sort(key=lambda p: -len(p[0]))
        s = _loose(value)
        out: list[str] = []
        unknown: list[str] = []
        i = 0
        while i < len(s):
            if s[i] in _SEPARATORS:
                i += 1
                continue
            for name, code in names:
                end = i + len(name)
                if name and s.startswith(name, i) and (end == len(s) or s[end] in _SEPARATORS):
                    out.append(code)
                    i = end
                    break
            else:
                end = i
                while end < len(s) and s[end] not in ";,|":
                    end += 1
                unknown.append(value.strip()[i:end].strip() or s[i:end])
                i = end
        return out, unknown


def _convert_codes(series: pd.Series, choice: ChoiceList | None) -> tuple[pd.Series, bool]:
    """A choice column -> Int64 when every code (and value) is a whole number, else strings."""
    import pandas as pd

    numeric_codes = choice is not None and all(
        isinstance(c, int) and not isinstance(c, bool) for c in choice.all_codes
    )
    if pd.api.types.is_integer_dtype(series.dtype) and numeric_codes:
        return series.astype("Int64"), True
    text = series if series.dtype == "str" else _as_text(series)
    if not numeric_codes:
        return text, True
    num = pd.to_numeric(text, errors="coerce")
    ok = text.isna() | (num.notna() & (num % 1 == 0))
    if bool(ok.all()):
        return num.astype("Int64"), True
    return text, False


def _convert_number(series: pd.Series) -> tuple[pd.Series, bool]:
    import pandas as pd

    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("float64"), True
    text = _as_text(series)
    num = pd.to_numeric(text, errors="coerce")
    if bool((text.isna() | num.notna()).all()):
        return num.astype("float64"), True
    return text, False


def _one_date(value: str, dayfirst: bool) -> str | None:
    """A date written another way as ``YYYY-MM-DD`` (None when it is no date)."""
    m = _SLASH_DATE.match(value)
    if m:
        a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        day, month = (a, b) if dayfirst else (b, a)
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            return None
    # ODK Briefcase writes dates in Java's MEDIUM style: "Apr 26, 2018" (and date-times after it)
    m = re.match(r"^([A-Za-z]+\.? \d{1,2}, \d{4})", value) or re.match(
        r"^(\d{1,2} [A-Za-z]+\.? \d{4})", value
    )
    if m:
        for fmt in ("%b %d, %Y", "%B %d, %Y", "%d %b %Y", "%d %B %Y"):
            try:
                return dt.datetime.strptime(m.group(1).replace(".", ""), fmt).date().isoformat()
            except ValueError:
                continue
    return None


def _convert_date(series: pd.Series, dayfirst: bool, column: str, report: ReadReport) -> pd.Series:
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series.dt.strftime("%Y-%m-%d").astype("str")
    text = _as_text(series, dates=True)
    # ODK/Kobo date-times (2024-03-01T10:00:00.000+01:00), LimeSurvey's 2024-03-01 00:00:00
    iso = text.str.match(_ISO_DATE.pattern).fillna(False).astype(bool)
    text = text.where(~iso, text.str.slice(0, 10))
    other = [u for u in text[~iso].dropna().unique()]
    mapping: dict[str, str] = {}
    slashed = False
    for u in other:
        d = _one_date(u, dayfirst)
        if d is not None:
            mapping[u] = d
            slashed |= bool(_SLASH_DATE.match(u))
    if mapping:
        text = _replace_uniques(text, mapping)
        if slashed:
            order = "day first (dd/mm/yyyy)" if dayfirst else "month first (mm/dd/yyyy)"
            report.notes.append(f"{column}: dates written with slashes read {order}")
    return text.astype("str")


def _truthy(series: pd.Series, column: str, path: Path, label: str | None) -> pd.Series:
    """An indicator column (0/1, Y, Checked, or the option's label when ticked) -> boolean."""
    import pandas as pd

    text = series.astype("string").str.strip()
    low = text.str.lower()
    out = pd.Series(pd.NA, index=series.index, dtype="boolean")
    out[low.isin(list(_TRUE)).fillna(False).to_numpy(bool)] = True
    out[low.isin(list(_FALSE)).fillna(False).to_numpy(bool)] = False
    if label is not None:
        same = text.map(lambda v: _tkey(v) == label, na_action="ignore").fillna(False)
        out[same.astype(bool).to_numpy()] = True
    bad = text.notna() & (text != "") & out.isna()
    if bad.any():
        first = series[bad.to_numpy(bool)].iloc[0]
        raise DataError(
            f"{path}: split column {column!r} holds {first!r}; expected 0/1, Y, Checked or the "
            "option's label",
            code="bad-indicator",
        )
    return out


def _combine_split(
    frame: pd.DataFrame, columns: list[tuple[str, str, str | None]], path: Path
) -> pd.Series:
    """Combine indicator columns [(column, code, label key)] into one answer column."""
    import numpy as np
    import pandas as pd

    n = len(frame)
    parts = np.full(n, "", dtype=object)
    any_true = np.zeros(n, dtype=bool)
    for col, code, label in columns:
        flags = _truthy(frame[col], col, path, label)
        on = flags.fillna(False).to_numpy(bool)
        any_true |= on
        parts = np.where(on, np.where(parts == "", code, parts + " " + code), parts)
    out = pd.Series(parts, index=frame.index, dtype=object)
    # no box ticked: the platforms cannot tell "none ticked" from "not answered" -> NA
    out[~any_true] = None
    return out.astype("str")


def _apply_spss_missing(
    frame: pd.DataFrame, meta: Any, survey: Survey, mapping: Mapping[str, str], report: ReadReport
) -> pd.DataFrame:
    """Recode SPSS user-missing values to the survey's missing codes where their labels match."""
    ranges: dict[str, list[dict[str, Any]]] = getattr(meta, "missing_ranges", {}) or {}
    labels: dict[str, dict[Any, str]] = getattr(meta, "variable_value_labels", {}) or {}
    for column, item_id in mapping.items():
        if item_id not in {i.id for i in survey.questions}:
            continue
        item = survey.item(item_id)
        choice = survey.choices_for(item)
        if choice is None or column not in ranges:
            continue
        declared = {str(c) for c in choice.missing_codes}
        by_label = {_norm(choice.label_of(code)): code for code in choice.missing_codes}
        for rng in ranges[column]:
            lo, hi = rng.get("lo"), rng.get("hi")
            if lo is None or lo != hi:
                continue
            value = int(lo) if isinstance(lo, float) and lo.is_integer() else lo
            if str(value) in declared:
                continue
            label = labels.get(column, {}).get(lo) or labels.get(column, {}).get(value)
            target = by_label.get(_norm(label)) if label else None
            if target is None:
                continue
            hit = frame[column] == lo
            count = int(hit.sum())
            if count:
                frame.loc[hit, column] = target
                report.recoded.append(
                    f"{column}: SPSS user-missing {value} ({label}) -> survey missing code "
                    f"{target} ({count} value{'s' if count != 1 else ''})"
                )
    return frame


def _apply_spss_labels(
    frame: pd.DataFrame, meta: Any, survey: Survey, mapping: Mapping[str, str], report: ReadReport
) -> pd.DataFrame:
    """Recode values whose SPSS value labels name another code of the survey (a scale stored
    reversed, say): the label decides what the answer was, and the recoding is reported."""
    from ..instruments.models import text_in

    labels: dict[str, dict[Any, str]] = getattr(meta, "variable_value_labels", {}) or {}
    questions = {i.id for i in survey.questions}
    for column, item_id in mapping.items():
        if item_id not in questions or column not in labels or column not in frame.columns:
            continue
        choice = survey.choices_for(survey.item(item_id))
        if choice is None:
            continue
        by_label = {_tkey(text_in(o.label)): o.code for o in (*choice.options, *choice.missing)}
        recode: dict[Any, Any] = {}
        shown: dict[str, str] = {}
        for value, label in labels[column].items():
            code = by_label.get(_tkey(label))
            number = int(value) if isinstance(value, float) and value.is_integer() else value
            if code is not None and str(code) != str(number):
                recode[value] = code
                shown[f"{number} ({label})"] = str(code)
        if not recode:
            continue
        frame[column] = frame[column].map(lambda v, r=recode: r.get(v, v))
        report.labelled[column] = shown
        report.notes.append(
            f"{column}: the file's SPSS value labels give other codes than survey "
            f"{survey.id!r} ({', '.join(f'{k} is code {v}' for k, v in shown.items())}): "
            "values recoded by their labels"
        )
    return frame


# ---------------------------------------------------------------------------------- the API


def _source_arg(source: str | None) -> str | None:
    if source is None:
        return None
    if not isinstance(source, str):
        raise ArgumentError(
            f"source must be text (auto or one of {', '.join(SOURCES)}), not "
            f"{type(source).__name__}: {source!r}"
        )
    key = source.strip().lower()
    if key in _ALIASES:
        return _ALIASES[key]
    if key not in PLATFORMS:
        raise DataError(
            f"unknown source {source!r}; expected auto or one of {', '.join(SOURCES)}",
            code="unknown-source",
        )
    return key


@dataclass
class _Export:
    """A file's cells before any column is matched: its first rows, its body, SPSS metadata."""

    fmt: str
    rows: list[list[str]]
    body: pd.DataFrame
    meta: Any = None
    grid: _Grid | None = None
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)


def _load_export(path: Path, wanted: str | None, sheet: str | int | None) -> _Export:
    """Read the file's cells (CSV, XLSX or SAV, whatever its name says) and its header rows."""
    raw = file_bytes(path, "read_responses reads a survey export: a .csv, .xlsx or .sav file")
    if not raw.strip():
        raise DataError(f"{path}: the file is empty", code="empty-file")
    fmt = _detect_format(path, raw[:8])
    if wanted == "xlsx" and fmt != "xlsx":
        raise DataError(_not_a_workbook(path, fmt, raw), code="not-a-table")
    if wanted in ("csv", "xlsx", "sav"):
        fmt = wanted
    encoding: str | None = None
    meta: Any = None
    read: _Grid | None = None
    notes: list[str] = []
    if fmt == "csv" and path.suffix.lower() in (".xlsx", ".xlsm", ".sav", ".zsav"):
        notes.append(
            f"the file is named {path.suffix} but holds CSV text: read as CSV (rename it to .csv)"
        )
    if fmt == "sav":
        frame, meta = _read_sav(path)
        rows = [[str(c) for c in frame.columns]]
        body = frame.reset_index(drop=True)
    else:
        read = _read_xlsx_grid(path, sheet) if fmt == "xlsx" else _read_csv_grid(path, raw)
        grid, encoding = read.frame, read.encoding
        rows = [[_cell(v) for v in grid.iloc[i]] for i in range(min(3, len(grid)))]
        body = grid
    if not rows or not any(c.strip() for c in rows[0]):
        raise DataError(f"{path}: no header row (no columns found)", code="no-header")
    return _Export(fmt, rows, body, meta, read, encoding, notes)


def _not_a_workbook(path: Path, fmt: str, raw: bytes) -> str:
    """Why a file read with ``source="xlsx"`` is no XLSX workbook, and what to do."""
    if fmt == "sav":
        looks = "an SPSS .sav file; read it with source='sav' (or leave source out)"
    elif _looks_like_text(raw[:4096]):
        looks = (
            "text (a CSV export); read it with source='csv' or the platform's name (or leave "
            "source out to detect it)"
        )
    else:
        looks = "binary data that is no workbook; export the responses again as .xlsx or CSV"
    return f"{path}: source='xlsx' but the file is not an .xlsx workbook: it looks like {looks}"


def _check_arguments(sheet: object, columns: object) -> None:
    """``sheet`` is a worksheet's name or 0-based position (or None), ``columns`` a mapping
    (or None); else :class:`ArgumentError`, before the file is read."""
    import numbers

    if not (
        sheet is None
        or isinstance(sheet, str)
        or (isinstance(sheet, numbers.Integral) and not isinstance(sheet, bool))
    ):
        raise ArgumentError(
            "sheet must be a worksheet's name (str) or its position from 0 (int), not "
            f"{type(sheet).__name__}: {sheet!r}"
        )
    if columns is not None and not isinstance(columns, Mapping):
        raise ArgumentError(
            "columns must be a mapping of export column heading -> item id (a dict such as "
            f"{{'Question 1': 'q1'}}), not {type(columns).__name__}: {columns!r}"
        )


def _platform_of(wanted: str | None, ex: _Export) -> tuple[str, str | None]:
    """The platform that wrote the export (as asked, or detected) and why it was chosen."""
    fmt, rows = ex.fmt, ex.rows
    if wanted is not None and wanted not in ("csv", "xlsx", "sav"):
        platform, reason = wanted, None
    elif wanted is not None or fmt == "sav":
        platform, reason = fmt, None if wanted is not None else "an SPSS file"
    else:
        platform, reason = _detect_platform(rows, fmt)
    return platform, reason


def _start_report(
    path: Path, ex: _Export, platform: str, reason: str | None
) -> tuple[ReadReport, list[_Col], pd.DataFrame]:
    """The read report so far, the export's columns and its body below the header rows."""
    fmt, rows, body, read = ex.fmt, ex.rows, ex.body, ex.grid
    nhead = 1 if fmt == "sav" else _header_count(platform, rows)
    cols = _columns(platform, rows)
    if fmt != "sav":
        body = body.iloc[nhead:].reset_index(drop=True)
        body.columns = range(body.shape[1])
    report = ReadReport(
        file=str(path), source=platform, detected=reason, encoding=ex.encoding, header_rows=nhead
    )
    report.notes.extend(ex.notes)
    if read is not None:
        report.sheet_rows = read.sheet_rows[nhead:]
        report.problems = [
            {**p, "row": p["row"] - nhead} for p in read.problems if p["row"] >= nhead
        ]

    return report, cols, body


def _name_columns(cols: list[_Col], platform: str, path: Path) -> None:
    """Each column's output name: its heading, made unique for bookkeeping repeats."""
    seen: dict[str, int] = {}
    for c in cols:
        base = c.name if platform != "surveymonkey" or not c.sub else f"{c.name} | {c.sub}"
        if platform == "surveymonkey" and c.sub.strip().lower() in (
            "response",
            "open-ended response",
        ):
            base = c.name
        if not base:
            base = f"Unnamed: {c.pos}"
        if base in seen:
            if platform in ("csv", "xlsx", "sav", "limesurvey", "odk", "kobo", "jisc") and not (
                _is_metadata(base, platform)
            ):
                raise DataError(f"{path}: repeated column names: {base}", code="duplicate-column")
            seen[base] += 1
            c.key = f"{base}.{seen[base]}"
        else:
            seen[base] = 0
            c.key = base


def _limesurvey_mapping(
    survey: Survey, mapping: str | Path | Mapping[str, Any] | None, report: ReadReport
) -> Mapping[str, Any]:
    """LimeSurvey's question and answer codes: given, read from a file or worked out."""
    from ..interop.limesurvey import limesurvey_codes, read_limesurvey_codes

    if isinstance(mapping, Mapping):
        return mapping
    if mapping is not None:
        return read_limesurvey_codes(mapping)
    codes = limesurvey_codes(survey)
    report.notes.append("LimeSurvey codes worked out from the survey (no mapping given)")
    return {
        "questions": codes.questions,
        "options": {
            i.id: (codes.subquestions if i.type == "multi_choice" else codes.answers)[
                str(i.choices)
            ]
            for i in survey.questions
            if i.choices and i.id in codes.questions
        },
    }


def _given_columns(
    path: Path,
    survey: Survey,
    matcher: _Matcher,
    columns: Mapping[str, str] | None,
    cols: list[_Col],
) -> dict[str, str]:
    """The caller's ``columns`` mapping (heading -> item id), each target checked, and each
    heading one that the file has (``unknown-column`` naming the headings found)."""
    rid = survey.respondent_id
    given = {str(k).strip(): v for k, v in (columns or {}).items()}
    for k, v in given.items():
        if v not in matcher.questions and v != rid:
            raise DataError(
                f"columns: {k!r} -> {v!r}: {v!r} is no item of survey {survey.id!r}",
                code="unknown-item",
            )
    headings = list(dict.fromkeys(h for c in cols for h in (c.name, c.key) if h))
    stripped = {h.strip() for h in headings}
    for k, v in given.items():
        if k not in stripped:
            found = ", ".join(repr(h) for h in headings[:20]) + (
                " ..." if len(headings) > 20 else ""
            )
            raise DataError(
                f"{path}: columns: {k!r} -> {v!r}: no column is headed {k!r}"
                f"{did_you_mean(k, headings)} (the headings found: {found})",
                code="unknown-column",
            )
    return given


def _match_columns(
    cols: list[_Col],
    platform: str,
    matcher: _Matcher,
    given: Mapping[str, str],
    rid: str | None,
    report: ReadReport,
) -> dict[int, _Target]:
    """Columns matched as given, by name, and the bookkeeping and record id columns."""
    targets: dict[int, _Target] = {}
    rid_key = _norm(rid) if rid else None
    # 1-2: given, then by name
    for c in cols:
        item_id = next(
            (given[h] for h in (c.name, c.key, c.name.strip(), c.key.strip()) if h in given),
            None,
        )
        if item_id is not None:
            kind = "id" if item_id == rid and item_id not in matcher.questions else "item"
            targets[c.pos] = _Target(kind, item_id, how="given")
            continue
        if platform == "surveymonkey":
            continue  # headings are texts
        hit = matcher.by_name(c.name)
        if hit is None and rid_key is not None and _norm(c.name) == rid_key:
            hit = _Target("id", rid)
        if hit is not None:
            targets[c.pos] = hit
    for t in targets.values():
        if t.kind == "item" and t.item is not None:
            matcher.taken.add(t.item)
    # 3: bookkeeping and the platform's record id (the first of its id columns found)
    id_names = _ID_COLUMNS.get(platform, _GENERIC_ID_COLUMNS)
    has_rid = rid is not None and any(t.item == rid for t in targets.values())
    free = [c for c in cols if c.pos not in targets]
    id_col: _Col | None = None
    if rid and not has_rid:
        by_low = {c.name.strip().lower(): c for c in free}
        for name in id_names:
            if name in by_low:
                id_col = by_low[name]
                break
        if id_col is None and platform == "redcap" and free and free[0].pos == 0:
            id_col = free[0]  # REDCap's record id is the first field, whatever its name
    for c in free:
        if c is id_col:
            targets[c.pos] = _Target("id", rid)
        elif _is_metadata(c.name, platform) or c.name.strip().lower() in id_names:
            targets[c.pos] = _Target("meta")
    return targets


def _match_by_text(
    cols: list[_Col],
    platform: str,
    matcher: _Matcher,
    targets: dict[int, _Target],
    report: ReadReport,
    accept_fuzzy: bool,
) -> None:
    """Columns still unmatched, by question text, then fuzzily (used only if accepted)."""
    # 4: by text
    for c in cols:
        if c.pos in targets:
            continue
        heading = c.sub if platform == "qualtrics" and c.sub else c.name
        sub = c.sub if platform == "surveymonkey" else ""
        hit = matcher.by_text(heading, sub)
        if hit is not None:
            targets[c.pos] = hit
            if hit.kind == "item" and hit.item is not None:
                matcher.taken.add(hit.item)
    # 5: fuzzy
    for c in cols:
        if c.pos in targets:
            continue
        heading = c.sub if platform == "qualtrics" and c.sub else c.name
        if platform == "surveymonkey" and c.sub.lower() not in (
            "",
            "response",
            "open-ended response",
        ):
            heading = c.sub
        near = matcher.fuzzy(heading)
        if near is not None:
            report.fuzzy[c.key] = near
            if accept_fuzzy:
                targets[c.pos] = _Target("item", near[0], how="fuzzy")
                matcher.taken.add(near[0])


def _check_targets(
    path: Path, survey: Survey, cols: list[_Col], targets: dict[int, _Target]
) -> None:
    """One column per item, and at least one column that is an item."""
    # duplicates: two columns for one item
    owner: dict[str, str] = {}
    for c in cols:
        tg = targets.get(c.pos)
        if tg is None or tg.kind not in ("item", "id") or tg.item is None:
            continue
        if tg.item in owner:
            raise DataError(
                f"{path}: columns {owner[tg.item]!r} and {c.key!r} both hold item {tg.item!r}; "
                "keep one of them",
                code="duplicate-column",
            )
        owner[tg.item] = c.key

    if not any(t.kind in ("item", "split") for t in targets.values()):
        expected = ", ".join(i.column_name for i in survey.questions[:8])
        found = ", ".join(c.key for c in cols[:8])
        raise DataError(
            f"{path}: none of the columns matches an item of survey {survey.id!r} (found: "
            f"{found}; expected e.g. {expected}); is this the right survey, and does the "
            "file have a header row?",
            code="no-item-columns",
        )


def _named_body(
    body: pd.DataFrame,
    cols: list[_Col],
    targets: dict[int, _Target],
    meta: Any,
    survey: Survey,
    report: ReadReport,
) -> pd.DataFrame:
    """The body under the columns' output names, SPSS missing values and labels applied."""
    data = body
    data.columns = [c.key for c in cols]
    for p in report.problems:  # cells are located by the export's column name
        if isinstance(p.get("column"), int):
            p["column"] = cols[p["column"]].key
    mapping_cols = {
        c.key: t.item
        for c in cols
        for t in [targets.get(c.pos)]
        if t is not None and t.kind in ("item", "id") and t.item is not None
    }
    if meta is not None:
        data = _apply_spss_missing(data, meta, survey, mapping_cols, report)
        data = _apply_spss_labels(data, meta, survey, mapping_cols, report)
    return data


_Split = list[tuple[str, str, str | None]]
"""An item's split columns: (column, code, label key) in the export's order."""


def _split_columns(
    cols: list[_Col], targets: dict[int, _Target], survey: Survey
) -> dict[str, _Split]:
    """The split columns of each item, in the export's order."""
    splits: dict[str, _Split] = {}
    for c in cols:
        sp = targets.get(c.pos)
        if sp is not None and sp.kind == "split" and sp.item is not None and sp.code is not None:
            cl = survey.choices_for(survey.item(sp.item))
            label = _tkey(_label(cl, sp.code)) if cl is not None else None
            splits.setdefault(sp.item, []).append((c.key, sp.code, label))
    return splits


def _combined(data: pd.DataFrame, parts: _Split, survey: Survey, item_id: str, path: Path) -> Any:
    """One answer column from an item's split columns, taken in the order of its codes."""
    cl = survey.choices_for(survey.item(item_id))
    order = {str(x): i for i, x in enumerate(cl.all_codes if cl else [])}
    ordered = sorted(parts, key=lambda p: order.get(p[1], len(order)))
    return _combine_split(data, ordered, path)


def _place_columns(
    path: Path,
    cols: list[_Col],
    targets: dict[int, _Target],
    data: pd.DataFrame,
    splits: dict[str, _Split],
    survey: Survey,
    matcher: _Matcher,
    report: ReadReport,
) -> tuple[dict[str, pd.Series], set[str]]:
    """The output columns in the export's order (items under their ids, split columns
    combined where the first one stands, everything else under its own name), and the
    multi_choice items whose answer column is there beside their split columns."""
    out: dict[str, pd.Series] = {}
    placed: set[str] = set()
    combined_cols = {
        str(x.item) for x in targets.values() if x.kind == "item" and x.item in matcher.multi
    }
    for c in cols:
        tgt = targets.get(c.pos)
        if tgt is None or tgt.kind == "meta":
            (report.unknown_columns if tgt is None else report.metadata_columns).append(c.key)
            out[c.key] = data[c.key]
            continue
        item_id = str(tgt.item)
        if tgt.kind in ("id", "item") and c.key != item_id:
            report.renamed[c.key] = item_id
        if tgt.kind == "id":
            report.respondent_id = c.key
            out[item_id] = data[c.key]
            continue
        if tgt.kind == "item":
            if tgt.how in ("text", "fuzzy") or (tgt.how == "given" and c.key != item_id):
                report.matched_by_text[c.key] = item_id
            out[item_id] = data[c.key]
            if item_id in splits:
                report.combined[item_id] = [k for k, _, _ in splits[item_id]]
            continue
        # a split column: combine the item's columns where its first one stands
        if item_id in placed:
            continue
        placed.add(item_id)
        report.combined[item_id] = [k for k, _, _ in splits[item_id]]
        if item_id not in combined_cols:  # else the answer column is there too
            out[item_id] = _combined(data, splits[item_id], survey, item_id, path)
    report.missing_items.extend(item.id for item in survey.questions if item.id not in out)
    return out, combined_cols


def _prefer_splits(
    frame: pd.DataFrame,
    data: pd.DataFrame,
    path: Path,
    survey: Survey,
    splits: dict[str, _Split],
    combined_cols: set[str],
    report: ReadReport,
) -> None:
    """An answer column holding labels while exact split columns are there: use the splits."""
    for item_id in combined_cols:
        if item_id in splits and item_id in report.labelled:
            frame[item_id] = _combined(data, splits[item_id], survey, item_id, path)
            report.notes.append(
                f"{item_id}: answer column holds labels; read from its split columns instead"
            )


def read_responses(
    path: str | Path,
    survey: Survey | str | Path,
    source: str | None = None,
    sheet: str | int | None = None,
    *,
    mapping: str | Path | Mapping[str, Any] | None = None,
    columns: Mapping[str, str] | None = None,
    accept_fuzzy: bool = False,
    dayfirst: bool = True,
    check_survey: bool = True,
) -> ReadResponses:
    """Read a survey export into the raw response form, mapping its columns to item ids.

    Parameters
    ----------
    path : str or pathlib.Path
        The export: ``.csv`` (UTF-8, UTF-8 with BOM or Windows-1252; comma, semicolon, tab or
        bar separated), ``.xlsx`` or SPSS ``.sav``, as any of the platforms of
        :data:`PLATFORMS` writes it.
    survey : Survey, str or pathlib.Path
        The instrument the responses answer (or its YAML file, or a bundled instrument id).
    source : str, optional
        ``"auto"`` (the default) or a key of :data:`PLATFORMS`. Detected from the file's
        first bytes (CSV, XLSX, SAV) and its header rows; ``.report.source``
        says which platform was chosen and ``.detected`` why. ``csv``, ``xlsx`` or ``sav`` read
        the file as a plain table.
    sheet : str or int, optional
        The worksheet of an XLSX file (default: the first).
    mapping : str, pathlib.Path or dict, optional
        For LimeSurvey: the ``<name>_codes.csv`` file that
        :func:`~leadership_eval.interop.limesurvey.to_limesurvey` wrote beside the survey (or
        the dict :func:`~leadership_eval.interop.limesurvey.read_limesurvey_codes` returns).
        Without it the codes are worked out from the survey as ``to_limesurvey`` gives them.
    columns : mapping of str to str, optional
        Export column -> item id, for columns the reader cannot match by itself (and to
        confirm a match reported in ``fuzzy``). These win over every other match.
    accept_fuzzy : bool
        Use the columns whose heading only resembles an item's text (similarity 0.8 or more);
        by default they are reported in ``fuzzy`` and left unknown.
    dayfirst : bool
        Read dates written with slashes (``07/08/2024``) day first, as in the UK (the default),
        or month first.
    check_survey : bool
        Refuse (``wrong-survey``) a file whose columns match fewer than half of the survey's
        questions, or match a bundled survey's questions better (the message names it).

    Returns
    -------
    ReadResponses
        ``.frame``: one row per record of the export (index 0..n-1), one column per question
        item found (named by item id, in the export's order), the respondent id column (from
        the platform's own record id when the export has no column of that name), plus every
        column that matched no item, under its own name. ``.report``: the
        :class:`ReadReport`.

    Raises
    ------
    DataError
        The file is empty, has no header row, is no table, cannot be decoded, or none of its
        columns matches an item of the survey (the message names the file); ``missing-file``
        when ``path`` (or the ``mapping`` file) does not exist or is a folder; ``not-a-table``
        for ``source="xlsx"`` on a file that is no workbook (the message says what it looks
        like).
    ArgumentError
        ``path`` is not a path (``None``, a number...), ``sheet`` neither a name nor a whole
        number, ``columns`` not a mapping, ``source`` not text.

    Notes
    -----
    Columns are matched to items in this order:

    1. ``columns`` as given.
    2. By name: item ids or ``column`` aliases ignoring case and surrounding whitespace (inner
       runs of whitespace match ``_``); group prefixes stripped (ODK/Kobo ``group/item``, ODK
       Central and Briefcase ``group-item``); split ``multi_choice`` columns recognised
       (REDCap ``item___code``, ODK/Kobo ``item/code`` and ``group-item/code``, SPSS
       ``item__code``, LimeSurvey ``code[SQ]``, ``code_SQ`` and ``codeSQ`` with LimeSurvey's
       codes).
    3. The platform's bookkeeping columns (``SubmissionDate``, ``_uuid``, ``submitdate``,
       ``StartDate``, ``Collector ID``...), and its record id, which becomes the survey's
       ``respondent_id`` column: ODK ``meta-instanceID`` or ``KEY``, Kobo
       ``meta/instanceID`` or ``_uuid``, REDCap ``record_id`` (the first column), LimeSurvey
       ``id``, Qualtrics ``ResponseId``, SurveyMonkey ``Respondent ID``, Microsoft Forms
       ``ID``.
    4. By question text, where headings are texts (Microsoft Forms, Qualtrics' second header
       row, SurveyMonkey, Kobo and REDCap label exports, Jisc): the exact text, then the text
       without case, markup, punctuation or a leading question number. Split options are
       recognised as ``Question (choice=Option)`` (REDCap), ``Question/Option`` (Kobo),
       ``Question [Option]`` (LimeSurvey), ``Question - Option`` or a question heading above
       option headings (SurveyMonkey); a matrix row as ``Stem - Statement``.
    5. Otherwise a heading that resembles an item's text (difflib similarity of 0.8 or more)
       is reported in ``fuzzy`` and used only when confirmed.

    Choice columns may hold codes or labels (any case, surrounding spaces ignored): labels are
    turned into codes and reported once per column in ``labelled``; in a column holding both,
    each value that is neither gets a "did you mean" in ``suggestions`` and is left as it is.
    ``multi_choice`` answers may be codes separated by spaces (ODK, Kobo), or labels separated
    by semicolons (Microsoft Forms), commas (Qualtrics) or spaces (Kobo labels). Split answers
    (0/1, ``Y``, ``Checked``, or the option's label in a ticked cell) are combined in the choice
    list's order; when no box is ticked the answer is NA (the platforms cannot tell "none
    ticked" from "not answered"). When an export has both the answer column and the split
    columns, the answer column is used unless it holds labels. Dates may be ISO dates or
    date-times, Excel dates, Briefcase's ``Apr 26, 2018`` or dates with slashes (read
    ``dayfirst``).

    SPSS files are read with their codes (value labels are not applied); a user-missing value
    that is a declared missing code of the item is kept, one whose value label matches the
    label of a declared missing code is recoded to that code (listed in ``recoded``), and any
    other stays as it is for the validator to report.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from leadership_eval.instruments.loader import loads_instrument
    >>> survey = loads_instrument('''
    ... kind: survey
    ... id: demo
    ... version: 1.0.0
    ... title: Demo
    ... choice_lists:
    ...   agree: {ordered: true, options: [{code: 1, label: "No"}, {code: 2, label: "Yes"}],
    ...           missing: [{code: 9, label: Prefer not to say}]}
    ... sections:
    ...   - id: s
    ...     title: S
    ...     items:
    ...       - {id: q1, type: likert, choices: agree, text: Q1, column: Question 1}
    ...       - {id: age, type: number, text: Age}
    ... ''')
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "export.csv").write_text("Question 1,age,note\\n2,31,x\\n9,,y\\n")
    >>> read = read_responses(folder / "export.csv", survey)
    >>> read.frame
         q1   age note
    0     2  31.0    x
    1     9   NaN    y
    >>> read.report.unknown_columns
    ['note']

    Labels work as well as codes, and Microsoft Forms' own columns are recognised:

    >>> _ = (folder / "forms.csv").write_text(
    ...     "ID,Start time,Completion time,Email,Name,Q1,Age\\n1,,,anonymous,,yes,40\\n"
    ...     "2,,,anonymous,,Prefer not to say,\\n")
    >>> read = read_responses(folder / "forms.csv", survey)
    >>> read.frame[["q1", "age"]]
       q1   age
    0   2  40.0
    1   9   NaN
    >>> report = read.report
    >>> report.source, report.labelled["Q1"]
    ('msforms', {'yes': '2', 'Prefer not to say': '9'})
    """
    import pandas as pd

    survey = as_survey(survey)
    path = file_path(path, "path must be the export file's path")
    wanted = _source_arg(source)
    _check_arguments(sheet, columns)
    ex = _load_export(path, wanted, sheet)
    platform, reason = _platform_of(wanted, ex)
    report, cols, body = _start_report(path, ex, platform, reason)
    _name_columns(cols, platform, path)
    lime = _limesurvey_mapping(survey, mapping, report) if platform == "limesurvey" else None
    matcher = _Matcher(survey, platform, lime)
    given = _given_columns(path, survey, matcher, columns, cols)
    targets = _match_columns(cols, platform, matcher, given, survey.respondent_id, report)
    _match_by_text(cols, platform, matcher, targets, report, accept_fuzzy)
    _check_targets(path, survey, cols, targets)
    if check_survey and lime is None and not given:
        matched = {str(t.item) for t in targets.values() if t.kind in ("item", "split") and t.item}
        _check_survey(path, survey, platform, cols, matched)
    data = _named_body(body, cols, targets, ex.meta, survey, report)
    splits = _split_columns(cols, targets, survey)
    out, combined_cols = _place_columns(path, cols, targets, data, splits, survey, matcher, report)
    frame = pd.DataFrame(out, index=data.index)
    frame = _to_raw(frame, survey, report, _Values(survey, matcher, report), dayfirst)
    _prefer_splits(frame, data, path, survey, splits, combined_cols, report)
    return ReadResponses(frame, report)


@dataclass(frozen=True, repr=False)
class ReadResponses(FrameResult):
    """What :func:`read_responses` read: the responses in the raw form and how they were read.

    Pass it whole to :func:`~leadership_eval.responses.validate_responses` (or to any function
    that validates, such as :func:`~leadership_eval.score`), so that validation knows the
    records the reader found broken and the rows of the file each answer came from.

    Attributes
    ----------
    frame : pandas.DataFrame
        The responses: one column per item id (the raw form), plus the export's other columns.
    report : ReadReport
        Everything the reader did and found.

    For one release it also answers as the frame it replaces did (``result["q1"]``,
    ``result.attrs["read_report"]``), with a :class:`FutureWarning`.
    """

    frame: pd.DataFrame
    report: ReadReport
    _legacy_key = "read_report"

    def _legacy_value(self) -> Any:
        return self.report

    def __repr__(self) -> str:
        return f"ReadResponses({self.report.source!r}, {self.frame.shape[0]} rows)\n{self.frame!r}"


def _label(cl: ChoiceList, code: str) -> str:
    from ..instruments.models import text_in

    for opt in (*cl.options, *cl.missing):
        if str(opt.code) == code:
            return text_in(opt.label)
    return code


def _to_raw(
    frame: pd.DataFrame, survey: Survey, report: ReadReport, values: _Values, dayfirst: bool
) -> pd.DataFrame:
    """Convert each item column to its raw-form type (on a new frame)."""
    import pandas as pd

    out: dict[str, pd.Series] = {}
    questions = {i.id for i in survey.questions}
    for name in frame.columns:
        series = frame[name]
        if name not in questions or name in report.unknown_columns:
            out[name] = series
            continue
        item = survey.item(name)
        ok = True
        column = next((k for k, v in report.renamed.items() if v == name), name)
        if item.type in ("likert", "choice"):
            choice = survey.choices_for(item)
            if not pd.api.types.is_numeric_dtype(series.dtype):
                series = values.choice(_as_text(series), item, column)
            out[name], ok = _convert_codes(series, choice)
        elif item.type == "number":
            out[name], ok = _convert_number(series)
        elif item.type == "date":
            out[name] = _convert_date(series, dayfirst, column, report)
        elif item.type == "multi_choice":
            text = values.multi(_as_text(series), item, column)
            out[name] = text.str.replace(r"[\s,;|]+", " ", regex=True).str.strip().astype("str")
        else:
            out[name] = _as_text(series)
        if not ok:
            report.string_columns.append(name)
    return pd.DataFrame(out, index=frame.index)
