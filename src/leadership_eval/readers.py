"""Read survey exports (CSV, Excel, SPSS, REDCap, ODK/Kobo) into the "raw" response form.

:func:`read_responses` maps the columns of an export to the survey's item ids and converts the
values to the raw form every other function accepts (see :mod:`leadership_eval.responses`): one
column per item; choice codes as stored (``Int64`` when every code is a whole number, strings
otherwise) with declared missing codes still present; ``multi_choice`` answers as one column of
space-separated codes; numbers as floats; text as strings; dates as ``YYYY-MM-DD`` strings.

Nothing is dropped silently. Columns that match no item stay in the frame under their own names
and are listed, with the items that have no column, in ``frame.attrs["read_report"]`` (a
:class:`ReadReport`). A value that cannot be converted losslessly (text in a number column, a
code that is not a number) leaves its column as strings, so that
:func:`~leadership_eval.responses.validate_responses` can report the value where it is.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .errors import DataError
from .instruments.loader import as_survey

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .instruments.models import ChoiceList, Item, Survey

__all__ = [
    "ODK_METADATA",
    "REDCAP_METADATA",
    "SOURCES",
    "ReadReport",
    "as_survey",
    "read_responses",
]

Source = Literal["csv", "xlsx", "sav", "redcap", "odk"]
SOURCES: tuple[str, ...] = ("csv", "xlsx", "sav", "redcap", "odk")
"""The export formats :func:`read_responses` understands."""

REDCAP_METADATA: frozenset[str] = frozenset(
    {
        "record_id",
        "redcap_event_name",
        "redcap_repeat_instrument",
        "redcap_repeat_instance",
        "redcap_data_access_group",
        "redcap_survey_identifier",
        "redcap_survey_timestamp",
    }
)
"""REDCap bookkeeping columns (``*_complete`` and ``*_timestamp`` are recognised too)."""

ODK_METADATA: frozenset[str] = frozenset(
    {
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
        "formhub/uuid",
        "instanceid",
        "key",
        "submissiondate",
        "start",
        "end",
        "today",
        "deviceid",
        "simserial",
        "subscriberid",
        "phonenumber",
        "username",
        "audit",
    }
)
"""ODK Central / KoboToolbox bookkeeping columns (compared case-insensitively)."""

_ENCODINGS = ("utf-8-sig", "cp1252")
_TRUE = {"1", "1.0", "true", "yes", "y", "t"}
_FALSE = {"0", "0.0", "false", "no", "n", "f"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass
class ReadReport:
    """What :func:`read_responses` did with the columns of an export.

    Attributes
    ----------
    file : str
        The file read.
    source : str
        The format it was read as (``csv``, ``xlsx``, ``sav``, ``redcap``, ``odk``).
    encoding : str or None
        The text encoding of a CSV file (``utf-8``, ``utf-8-sig`` or ``cp1252``).
    renamed : dict
        Export column -> item id, for every column whose name was not already an item id.
    combined : dict
        Item id -> the split columns (REDCap ``item___code``, Kobo ``item/code``) combined into
        its one column of space-separated codes.
    unknown_columns : list of str
        Columns that match no item and are no platform bookkeeping; kept in the frame as they are.
    metadata_columns : list of str
        Platform bookkeeping columns (``record_id``, ``redcap_event_name``, ``_uuid``,
        ``meta/instanceID``...); kept in the frame as they are.
    missing_items : list of str
        Question items with no column in the export.
    string_columns : list of str
        Item columns left as strings because a value could not be converted (the validator
        reports those values).
    recoded : list of str
        SPSS user-missing values recoded to a survey missing code (matched by label).
    """

    file: str
    source: str
    encoding: str | None = None
    renamed: dict[str, str] = field(default_factory=dict)
    combined: dict[str, list[str]] = field(default_factory=dict)
    unknown_columns: list[str] = field(default_factory=list)
    metadata_columns: list[str] = field(default_factory=list)
    missing_items: list[str] = field(default_factory=list)
    string_columns: list[str] = field(default_factory=list)
    recoded: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line per finding, for people."""
        lines = [f"{self.file}: read as {self.source}"]
        if self.missing_items:
            lines.append(f"items with no column: {', '.join(self.missing_items)}")
        if self.unknown_columns:
            lines.append(f"columns matching no item (kept): {', '.join(self.unknown_columns)}")
        if self.combined:
            parts = [f"{k} <- {len(v)} columns" for k, v in self.combined.items()]
            lines.append(f"split answers combined: {', '.join(parts)}")
        return "\n".join(lines)


# ------------------------------------------------------------------------------ file reading


def _norm(name: object) -> str:
    """A column name compared case- and whitespace-insensitively."""
    return re.sub(r"\s+", "_", str(name).strip().lower())


def _detect_source(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix in (".sav", ".zsav") or head.startswith((b"$FL2", b"$FL3")):
        return "sav"
    if suffix in (".xlsx", ".xlsm") or head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if suffix == ".xls" or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError(
            f"{path}: legacy .xls workbooks are not read; save the sheet as .xlsx or CSV",
            code="unsupported-format",
        )
    return "csv"


def _decode(path: Path, raw: bytes) -> tuple[str, str]:
    for enc in _ENCODINGS:
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        if enc == "utf-8-sig" and not raw.startswith(b"\xef\xbb\xbf"):
            enc = "utf-8"
        return text, enc
    raise DataError(
        f"{path}: the file is neither UTF-8 nor Windows-1252 (cp1252) text; re-save it as "
        "UTF-8 CSV",
        code="bad-encoding",
    )


def _read_csv(path: Path, raw: bytes) -> tuple[pd.DataFrame, str]:
    import pandas as pd

    if b"\x00" in raw[:4096]:
        raise DataError(
            f"{path}: not a table (the file holds binary data); expected CSV, XLSX or SPSS .sav",
            code="not-a-table",
        )
    text, enc = _decode(path, raw)
    if not text.strip():
        raise DataError(f"{path}: the file is empty", code="empty-file")
    first = text.lstrip("\r\n").splitlines()[0]
    delimiter = ","
    try:
        delimiter = csv.Sniffer().sniff(first, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    header = next(csv.reader([first], delimiter=delimiter), [])
    _check_header(path, [h.strip() for h in header])
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=True,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise DataError(f"{path}: not a readable CSV table: {exc}", code="not-a-table") from exc
    return frame, enc


def _check_header(path: Path, names: list[str]) -> None:
    seen: set[str] = set()
    dup = sorted({n for n in names if n and (n in seen or seen.add(n))})  # type: ignore[func-returns-value]
    if dup:
        raise DataError(f"{path}: repeated column names: {', '.join(dup)}", code="duplicate-column")


def _read_xlsx(path: Path, sheet: str | int | None) -> pd.DataFrame:
    import zipfile

    import pandas as pd

    try:
        grid = pd.read_excel(
            path, sheet_name=0 if sheet is None else sheet, dtype=object, header=None
        )
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise DataError(f"{path}: not a readable XLSX workbook: {exc}", code="not-a-table") from exc
    except ValueError as exc:
        raise DataError(f"{path}: {exc}", code="not-a-table") from exc
    if isinstance(grid, dict):  # pragma: no cover - sheet_name=None is never passed
        raise DataError(f"{path}: pass one sheet", code="not-a-table")
    if grid.empty:
        raise DataError(f"{path}: the sheet is empty", code="empty-file")
    # columns with neither a header nor a value (formatting only) hold nothing: leave them out
    blank = grid.iloc[0].isna() & grid.iloc[1:].isna().all()
    grid = grid.loc[:, ~blank.to_numpy(dtype=bool)]
    names = [f"Unnamed: {i}" if pd.isna(v) else str(v).strip() for i, v in enumerate(grid.iloc[0])]
    _check_header(path, names)
    frame = grid.iloc[1:].reset_index(drop=True)
    frame.columns = pd.Index(names, dtype=object)
    return frame


def _read_sav(path: Path) -> tuple[pd.DataFrame, Any]:
    import pyreadstat

    try:
        frame, meta = pyreadstat.read_sav(
            str(path), user_missing=True, apply_value_formats=False, dates_as_pandas_datetime=False
        )
    except pyreadstat.ReadstatError as exc:
        raise DataError(f"{path}: not a readable SPSS file: {exc}", code="not-a-table") from exc
    return frame, meta


# ---------------------------------------------------------------------------- column mapping


def _item_keys(survey: Survey) -> dict[str, str]:
    """Normalised name (id and alias) -> item id, for every question item."""
    keys: dict[str, str] = {}
    for item in survey.questions:
        keys.setdefault(_norm(item.id), item.id)
        if item.column:
            keys[_norm(item.column)] = item.id
    return keys


def _code_key(code: object) -> str:
    """A code as written in a split column name (REDCap writes ``-1`` as ``_1`` or ``neg1``)."""
    text = str(code).strip().lower()
    return re.sub(r"[^a-z0-9]", "_", text)


def _is_metadata(name: str, source: str) -> bool:
    key = name.strip().lower()
    if key in REDCAP_METADATA and source in ("redcap", "csv", "xlsx", "sav"):
        return True
    if source == "redcap" and (key.endswith("_complete") or key.endswith("_timestamp")):
        return True
    return key in ODK_METADATA and source in ("odk", "csv", "xlsx")


def _looks_like_redcap(columns: Iterable[str]) -> bool:
    cols = [c.strip().lower() for c in columns]
    return ("redcap_event_name" in cols) or (
        any("___" in c for c in cols) and any(c.endswith("_complete") for c in cols)
    )


def _looks_like_odk(columns: Iterable[str]) -> bool:
    cols = [c.strip().lower() for c in columns]
    return any(c in ("_uuid", "_submission_time", "meta/instanceid", "key") for c in cols) or any(
        "/" in c for c in cols
    )


def _split_candidates(
    name: str, source: str, multi: Mapping[str, Item], survey: Survey, keys: Mapping[str, str]
) -> tuple[str, str] | None:
    """(item id, code) when ``name`` is a split column of a multi_choice item."""
    norm = _norm(name)
    for sep in ("___", "/"):  # REDCap item___code; ODK/Kobo item/code or group/item/code
        if sep not in norm:
            continue
        head, _, code = norm.rpartition(sep)
        if sep == "/":
            head = head.rpartition("/")[2]
        item_id = keys.get(head)
        if item_id is None or item_id not in multi:
            continue
        choice = survey.choices_for(multi[item_id])
        if choice is None:
            continue
        for c in choice.all_codes:
            k = _code_key(c)
            if code == k or code == str(c).lower() or code == k.replace("_", "neg", 1):
                return item_id, str(c)
    return None


def _truthy(series: pd.Series, column: str, path: Path) -> pd.Series:
    """0/1 (or true/false) indicator column -> boolean with NA."""
    import pandas as pd

    text = series.astype("string").str.strip().str.lower()
    out = pd.Series(pd.NA, index=series.index, dtype="boolean")
    out[text.isin(list(_TRUE)).fillna(False).to_numpy(bool)] = True
    out[text.isin(list(_FALSE)).fillna(False).to_numpy(bool)] = False
    bad = text.notna() & out.isna()
    if bad.any():
        first = series[bad.to_numpy(bool)].iloc[0]
        raise DataError(
            f"{path}: split column {column!r} holds {first!r}; expected 0/1 indicators",
            code="bad-indicator",
        )
    return out


def _combine_split(
    frame: pd.DataFrame, columns: list[tuple[str, str]], column_name: str, path: Path
) -> pd.Series:
    """Combine indicator columns [(column, code)] into one space-separated answer column."""
    import numpy as np
    import pandas as pd

    n = len(frame)
    parts = np.full(n, "", dtype=object)
    any_known = np.zeros(n, dtype=bool)
    any_true = np.zeros(n, dtype=bool)
    for col, code in columns:
        flags = _truthy(frame[col], col, path)
        known = flags.notna().to_numpy(bool)
        on = flags.fillna(False).to_numpy(bool)
        any_known |= known
        any_true |= on
        parts = np.where(on, np.where(parts == "", code, parts + " " + code), parts)
    out = pd.Series(parts, index=frame.index, dtype=object)
    # all boxes unticked: REDCap/Kobo cannot tell "none ticked" from "not answered" -> NA
    out[~any_true] = None
    return out.astype("str")


# ------------------------------------------------------------------------- value conversion


def _as_text(series: pd.Series, dates: bool = False) -> pd.Series:
    """Strings with surrounding whitespace stripped; blanks NA; whole floats written as ints.

    Each distinct value is converted once (the column is factorised), then broadcast back;
    with ``dates``, date and date-time values become ``YYYY-MM-DD``.
    """
    import datetime as dt

    import numpy as np
    import pandas as pd

    from .responses import _canonical_uniques

    codes, uniques = pd.factorize(series.to_numpy(dtype=object), use_na_sentinel=True)
    u = np.asarray(uniques, dtype=object)
    if dates and len(u):
        is_date = np.frompyfunc(lambda v: isinstance(v, dt.date), 1, 1)(u).astype(bool)
        if is_date.any():
            u = u.copy()
            u[is_date] = np.frompyfunc(lambda v: v.strftime("%Y-%m-%d"), 1, 1)(u[is_date])
    u_text = _canonical_uniques(u).to_numpy(dtype=object)
    text = np.append(u_text, np.array([None], dtype=object))[codes]  # code -1: NA
    return pd.Series(text, index=series.index, dtype="str")


def _convert_codes(series: pd.Series, choice: ChoiceList | None) -> tuple[pd.Series, bool]:
    """A choice column -> Int64 when every code (and value) is a whole number, else strings."""
    import pandas as pd

    numeric_codes = choice is not None and all(
        isinstance(c, int) and not isinstance(c, bool) for c in choice.all_codes
    )
    if pd.api.types.is_integer_dtype(series.dtype) and numeric_codes:
        return series.astype("Int64"), True
    text = _as_text(series)
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


def _convert_date(series: pd.Series) -> tuple[pd.Series, bool]:
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series.dt.strftime("%Y-%m-%d").astype("str"), True
    text = _as_text(series, dates=True)
    # ODK/Kobo date-times (2024-03-01T10:00:00.000+01:00) -> the date part
    iso = text.str.match(_ISO_DATE.pattern).fillna(False).astype(bool)
    text = text.where(~iso, text.str.slice(0, 10))
    return text.astype("str"), True


def _to_raw(frame: pd.DataFrame, survey: Survey, report: ReadReport) -> pd.DataFrame:
    """Convert each item column to its raw-form type (in place on a new frame)."""
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
        if item.type in ("likert", "choice"):
            out[name], ok = _convert_codes(series, survey.choices_for(item))
        elif item.type == "number":
            out[name], ok = _convert_number(series)
        elif item.type == "date":
            out[name], ok = _convert_date(series)
        elif item.type == "multi_choice":
            text = _as_text(series)
            out[name] = text.str.replace(r"[\s,;|]+", " ", regex=True).str.strip().astype("str")
        else:
            out[name] = _as_text(series)
        if not ok:
            report.string_columns.append(name)
    return pd.DataFrame(out, index=frame.index)


def _apply_spss_missing(
    frame: pd.DataFrame, meta: Any, survey: Survey, mapping: Mapping[str, str], report: ReadReport
) -> pd.DataFrame:
    """Recode SPSS user-missing values to the survey's missing codes where their labels match."""
    ranges: dict[str, list[dict[str, Any]]] = getattr(meta, "missing_ranges", {}) or {}
    labels: dict[str, dict[Any, str]] = getattr(meta, "variable_value_labels", {}) or {}
    for column, item_id in mapping.items():
        item = survey.item(item_id)
        choice = survey.choices_for(item)
        if choice is None or column not in ranges:
            continue
        declared = {str(c) for c in choice.missing_codes}
        by_label = {
            _norm(text_label): code
            for code in choice.missing_codes
            for text_label in [choice.label_of(code)]
        }
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


# ---------------------------------------------------------------------------------- the API


def read_responses(
    path: str | Path,
    survey: Survey | str | Path,
    source: str | None = None,
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Read a survey export into the raw response form, mapping its columns to item ids.

    Parameters
    ----------
    path : str or pathlib.Path
        The export: ``.csv`` (UTF-8, UTF-8 with BOM or Windows-1252; comma, semicolon, tab or
        bar separated), ``.xlsx``, SPSS ``.sav``, a REDCap raw export (CSV) or an ODK/Kobo export
        (CSV or XLSX).
    survey : Survey, str or pathlib.Path
        The instrument the responses answer (or its YAML file, or a bundled instrument id).
    source : {"csv", "xlsx", "sav", "redcap", "odk"}, optional
        The format. By default it is detected: from the extension and the first bytes (CSV,
        XLSX, SAV), then from the columns (``redcap_event_name`` or ``___`` checkbox columns with
        ``*_complete``: REDCap; ``_uuid``, ``_submission_time``, ``meta/instanceID`` or
        ``group/item`` names: ODK/Kobo).
    sheet : str or int, optional
        The worksheet of an XLSX file (default: the first).

    Returns
    -------
    pandas.DataFrame
        One row per record of the export (index 0..n-1), one column per question item found
        (named by item id, in the export's order), plus every column that matched no item, under
        its own name. ``frame.attrs["read_report"]`` is a :class:`ReadReport`: columns renamed,
        split columns combined, unknown and platform columns, items with no column.

    Raises
    ------
    DataError
        The file is empty, has no header row, is no table, cannot be decoded, or none of its
        columns matches an item of the survey (the message names the file).

    Notes
    -----
    Column names match item ids or ``column`` aliases ignoring case and surrounding
    whitespace (inner runs of whitespace match ``_``); a ``group/`` prefix (ODK, Kobo) is
    stripped when the full name matches nothing. Split ``multi_choice`` answers (REDCap
    ``item___code`` checkboxes, Kobo ``item/code`` or ``group/item/code`` columns of 0/1) are
    combined into one column of space-separated codes in the choice list's order; when no box
    is ticked the answer is NA (the platforms cannot tell "none ticked" from "not answered").
    When Kobo exports both the combined column and the split ones, the combined column is
    used and the split ones are recorded in ``combined``. SPSS files are read with their codes
    (value labels are not applied); a user-missing value that is a declared missing code of
    the item is kept, one whose value label matches the label of a declared missing code is
    recoded to that code (listed in ``recoded``), and any other stays as it is for the
    validator to report.

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
    >>> frame = read_responses(folder / "export.csv", survey)
    >>> frame
         q1   age note
    0     2  31.0    x
    1     9   NaN    y
    >>> frame.attrs["read_report"].unknown_columns
    ['note']
    """
    import pandas as pd

    survey = as_survey(survey)
    path = Path(path)
    if source is not None:
        source = source.lower()
        if source == "kobo":
            source = "odk"
        if source not in SOURCES:
            raise DataError(
                f"unknown source {source!r}; expected one of {', '.join(SOURCES)}",
                code="unknown-source",
            )
    if path.is_dir():
        raise IsADirectoryError(21, "is a folder, not a file", str(path))
    raw = path.read_bytes()
    if not raw.strip():
        raise DataError(f"{path}: the file is empty", code="empty-file")
    fmt = _detect_source(path, raw[:8])
    if source in ("csv", "xlsx", "sav"):
        fmt = source
    encoding: str | None = None
    meta: Any = None
    if fmt == "sav":
        frame, meta = _read_sav(path)
    elif fmt == "xlsx":
        frame = _read_xlsx(path, sheet)
    else:
        frame, encoding = _read_csv(path, raw)
    if frame.shape[1] == 0:
        raise DataError(f"{path}: no header row (no columns found)", code="no-header")
    frame.columns = [str(c) for c in frame.columns]
    if frame.columns.duplicated().any():
        dup = sorted(set(frame.columns[frame.columns.duplicated()]))
        raise DataError(f"{path}: repeated column names: {', '.join(dup)}", code="duplicate-column")
    platform = source
    if platform is None:
        if fmt == "sav":
            platform = "sav"
        elif _looks_like_redcap(frame.columns):
            platform = "redcap"
        elif _looks_like_odk(frame.columns):
            platform = "odk"
        else:
            platform = fmt
    report = ReadReport(file=str(path), source=platform, encoding=encoding)
    frame = frame.reset_index(drop=True)

    keys = _item_keys(survey)
    multi = {i.id: i for i in survey.questions if i.type == "multi_choice"}
    mapping: dict[str, str] = {}  # export column -> item id
    splits: dict[str, list[tuple[str, str]]] = {}
    leftovers: list[str] = []
    for col in frame.columns:
        norm = _norm(col)
        item_id = keys.get(norm)
        if item_id is None and "/" in norm:
            item_id = keys.get(norm.rpartition("/")[2])
        if item_id is not None:
            if item_id in mapping.values():
                other = next(c for c, i in mapping.items() if i == item_id)
                raise DataError(
                    f"{path}: columns {other!r} and {col!r} both hold item {item_id!r}; "
                    "keep one of them",
                    code="duplicate-column",
                )
            mapping[col] = item_id
            continue
        split = _split_candidates(col, platform, multi, survey, keys)
        if split is not None:
            splits.setdefault(split[0], []).append((col, split[1]))
            continue
        leftovers.append(col)
    # a REDCap record_id stands for the survey's respondent id when that has no column
    rid = survey.respondent_id
    if rid and rid not in mapping.values():
        for col in leftovers:
            if col.strip().lower() in ("record_id", "_uuid", "meta/instanceid", "key"):
                mapping[col] = rid
                leftovers.remove(col)
                break
    for col in leftovers:
        (report.metadata_columns if _is_metadata(col, platform) else report.unknown_columns).append(
            col
        )
    if not mapping and not splits:
        expected = ", ".join(i.column_name for i in survey.questions[:8])
        found = ", ".join(map(str, frame.columns[:8]))
        raise DataError(
            f"{path}: none of the columns matches an item of survey {survey.id!r} (found: "
            f"{found}; expected e.g. {expected}); is this the right survey, and does the "
            "file have a header row?",
            code="no-item-columns",
        )
    if meta is not None:
        frame = _apply_spss_missing(frame, meta, survey, mapping, report)

    # build the output in the export's column order
    columns: dict[str, pd.Series] = {}
    placed_splits: set[str] = set()
    for col in frame.columns:
        if col in mapping:
            item_id = mapping[col]
            columns[item_id] = frame[col]
            if col != item_id:
                report.renamed[col] = item_id
            continue
        for item_id, parts in splits.items():
            if col == parts[0][0] and item_id not in placed_splits:
                placed_splits.add(item_id)
                report.combined[item_id] = [c for c, _ in parts]
                if item_id not in mapping.values():
                    choice = survey.choices_for(multi[item_id])
                    order = {str(c): i for i, c in enumerate(choice.all_codes if choice else [])}
                    ordered = sorted(parts, key=lambda p: order.get(p[1], len(order)))
                    columns[item_id] = _combine_split(frame, ordered, item_id, path)
        if col in leftovers:
            columns[col] = frame[col]
    for item in survey.questions:
        if item.id not in columns:
            report.missing_items.append(item.id)
    out = pd.DataFrame(columns, index=frame.index)
    out = _to_raw(out, survey, report)
    out.attrs["read_report"] = report
    return out
