"""What validation found: the problem codes, the :class:`ValidationReport` and its stamp.

The report is the one record of a validation: the clean data, the declared missing codes
removed, the answers skip logic hid, the rows set aside and a failure-case table. The
:class:`ValidationStamp` is what validated data carries so that later steps do not validate it
again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import DataError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .read import ReadReport


ERROR_CODES: dict[str, str] = {
    "invalid-code": "a value that is not a code of the item's choice list",
    "out-of-range": "a number below the item's min or above its max",
    "not-an-integer": "a number with a fraction where the item wants whole numbers",
    "wrong-type": "text in a number column, or a date that does not parse (ISO 8601)",
    "too-long": "text longer than the item's max_length",
    "exclusive-combined": "a multi_choice answer ticking an exclusive option (none of these) "
    "together with others",
    "answered-when-hidden": "an answer where the item's show_if should have hidden it",
    "missing-required": "a required item that was shown but not answered",
    "duplicate-id": "a respondent id seen on an earlier row (the row is excluded)",
    "missing-column": "an item of the survey with no column in the data",
    "unknown-column": "a column that is no item of the survey (informational; kept)",
    "empty-row": "a row with no answer at all (informational; the row is excluded)",
    "ragged-row": "a record of a CSV file with more or fewer fields than its header (a stray "
    "separator or a cut line; the row is excluded)",
    "truncated-record": "the file ends in the middle of this record: it was cut off (the row "
    "is excluded)",
    "unterminated-quote": "a quoted field that runs over lines looking like records of their "
    "own: a quote opened and closed far later (the row is excluded)",
    "formula-without-value": "an XLSX cell holding a formula saved without its computed value "
    "(the value is set aside; open and save the file in Excel to compute it)",
}
"""Every error code :func:`validate_responses` reports, with its meaning."""


INFO_CODES = frozenset({"unknown-column", "empty-row"})
"""Codes that are reported but do not make the data invalid."""


ROW_CODES: tuple[str, ...] = (
    "ragged-row",
    "truncated-record",
    "unterminated-quote",
    "empty-row",
    "duplicate-id",
)
"""Codes whose rows are excluded from ``.data`` (each excluded row has one, its reason)."""


SET_ASIDE_CODES = frozenset(
    {
        "invalid-code",
        "out-of-range",
        "not-an-integer",
        "wrong-type",
        "too-long",
        "formula-without-value",
    }
)
"""Codes of values that are NA in ``.data`` (set aside) and reported as found."""


ERROR_COLUMNS = [
    "row",
    "column",
    "code",
    "message",
    "value",
    "severity",
    "position",
    "sheet_row",
]
"""The columns of :attr:`ValidationReport.errors`."""


EXCLUDED_REASON = "excluded_reason"


@dataclass(frozen=True)
class ValidationStamp:
    """The mark :func:`validate_responses` leaves on its clean data (``data.attrs["validation"]``).

    Functions that take responses (:func:`~leadership_eval.score`,
    :func:`~leadership_eval.reliability`, :func:`~leadership_eval.item_summary`,
    :func:`~leadership_eval.compare_waves`, :func:`~leadership_eval.anonymise`, the reports) use
    data carrying the stamp of their survey as it is, and validate any other data first
    (:func:`validated`); their results carry the stamp, so the row accounting travels with them.
    Two stamps are equal when they name the same survey and version (so that frames of one
    survey keep it when concatenated).

    Attributes
    ----------
    survey_id, survey_version : str
    rows_in, rows_used : int
        Rows validated, and rows in the clean data.
    excluded : dict
        Reason -> rows excluded (``rows_in = rows_used + sum(excluded.values())``).
    set_aside : dict
        Code -> values set aside (NA in the clean data; :data:`SET_ASIDE_CODES`).
    problems : dict
        Code -> every problem of severity ``error``.
    """

    survey_id: str
    survey_version: str
    rows_in: int = field(compare=False)
    rows_used: int = field(compare=False)
    excluded: dict[str, int] = field(compare=False, default_factory=dict)
    set_aside: dict[str, int] = field(compare=False, default_factory=dict)
    problems: dict[str, int] = field(compare=False, default_factory=dict)

    @property
    def rows_excluded(self) -> int:
        """Rows left out of the clean data."""
        return sum(self.excluded.values())

    def __deepcopy__(self, memo: dict[int, Any]) -> ValidationStamp:
        # pandas deep-copies a frame's attrs after nearly every operation: the stamp's fields
        # are text and counts, so copying its three small dicts is the whole deep copy (and
        # some fifty times quicker than copy.deepcopy's generic walk)
        return ValidationStamp(
            self.survey_id,
            self.survey_version,
            rows_in=self.rows_in,
            rows_used=self.rows_used,
            excluded=dict(self.excluded),
            set_aside=dict(self.set_aside),
            problems=dict(self.problems),
        )

    def describe(self) -> str:
        """One line: rows in, used and excluded with reasons; values set aside by code."""
        return "; ".join(_accounting_lines(self, "set aside"))


def _counted(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {code}" for code, n in counts.items())


def _accounting_lines(stamp: ValidationStamp, values: str) -> list[str]:
    lines = [
        f"rows: {stamp.rows_in} read, {stamp.rows_used} used, {stamp.rows_excluded} excluded"
        + (f" ({_counted(stamp.excluded)})" if stamp.excluded else "")
    ]
    if stamp.set_aside:
        lines.append(f"values {values}: {_counted(stamp.set_aside)}")
    other = {
        c: n
        for c, n in stamp.problems.items()
        if c not in SET_ASIDE_CODES and c not in ROW_CODES and c != "missing-column"
    }
    if other:
        lines.append(f"other problems: {_counted(other)}")
    missing = stamp.problems.get("missing-column")
    if missing:
        lines.append(f"items with no column: {missing}")
    return lines


@dataclass
class ValidationReport:
    """The result of :func:`validate_responses`.

    Attributes
    ----------
    data : pandas.DataFrame
        The clean form: the rows that were not excluded (same index labels), the respondent id
        first, then one column per question item in survey order (declared missing codes and
        failing values NA; codes ``Int64`` (``str`` for lists with text codes), numbers
        ``float64``, dates ``datetime64``, text ``str``, ``multi_choice`` items as ``Int8``
        indicator columns ``{id}__{code}``, NA when the question has no substantive answer),
        then every other column unchanged.
    errors : pandas.DataFrame
        One row per problem: ``row`` (index label, NA for column-level problems), ``column``,
        ``code`` (see :data:`ERROR_CODES`), ``message``, ``value`` (as found), ``severity``
        (``error`` or ``info``) and ``position`` (0-based row position in the input, -1 for
        column-level problems).
    missing : pandas.DataFrame
        For the items whose choice list declares missing codes: the declared missing code each
        respondent gave (categorical; for a ``multi_choice`` item the first one ticked), NA
        elsewhere.
    hidden : pandas.DataFrame
        Boolean, one column per question item: True where an answer is present although the
        item's ``show_if`` should have hidden it.
    excluded : pandas.DataFrame
        The input rows left out of ``data``, as they were, with a first column
        ``excluded_reason`` (``empty-row`` or ``duplicate-id``).
    n_rows : int
        Rows in the input (``len(data) + len(excluded)``).
    """

    survey_id: str
    data: pd.DataFrame
    errors: pd.DataFrame
    missing: pd.DataFrame
    hidden: pd.DataFrame
    excluded: pd.DataFrame
    n_rows: int
    id_column: str | None = None
    read_report: ReadReport | None = field(default=None, repr=False)
    survey_version: str = ""

    @property
    def valid(self) -> bool:
        """True when no problem of severity ``error`` was found."""
        return not bool((self.errors["severity"] == "error").any())

    @property
    def n_errors(self) -> int:
        """How many problems of severity ``error`` were found."""
        return int((self.errors["severity"] == "error").sum())

    @property
    def stamp(self) -> ValidationStamp:
        """The row accounting and problem counts (:class:`ValidationStamp`)."""
        return stamp_on(self.data) or stamp_of(self)

    def summary_lines(self, values: str = "set aside") -> list[str]:
        """What a command prints about the validation: rows read, used and excluded with their
        reasons, values set aside by code, other problems, choice labels read as codes.

        Parameters
        ----------
        values : str
            How the values with problems were treated (``"set aside"``; ``anonymise`` says
            what it did with them).
        """
        lines = _accounting_lines(self.stamp, values)
        read = self.read_report
        if read is not None and read.labelled:
            parts = [
                f"{col} ({len(m)} label{'s' if len(m) != 1 else ''})"
                for col, m in read.labelled.items()
            ]
            lines.append(f"labels read as codes: {', '.join(parts)}")
        return lines

    def summary(self) -> pd.DataFrame:
        """Counts per error code.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``code`` (most frequent first), with ``severity``, ``n`` (problems),
            ``n_rows`` (distinct rows affected) and ``n_columns`` (distinct columns).
        """
        import pandas as pd

        e = self.errors
        if e.empty:
            return pd.DataFrame(
                {"severity": pd.Series(dtype=str), "n": pd.Series(dtype="int64")},
                index=pd.Index([], name="code", dtype=str),
            ).assign(n_rows=pd.Series(dtype="int64"), n_columns=pd.Series(dtype="int64"))
        grouped = e.groupby("code", sort=False)
        out = pd.DataFrame(
            {
                "severity": grouped["severity"].first(),
                "n": grouped.size(),
                "n_rows": grouped["position"].agg(lambda p: int(p[p >= 0].nunique())),
                "n_columns": grouped["column"].nunique(),
            }
        )
        return out.sort_values(["n"], ascending=False, kind="stable")

    def raise_for_errors(self) -> None:
        """Raise :class:`~leadership_eval.errors.DataError` if any error was found.

        The exception's ``failure_cases`` is the frame of errors (severity ``error``).
        """
        if self.valid:
            return
        bad = self.errors[self.errors["severity"] == "error"]
        counts = bad["code"].value_counts()
        parts = ", ".join(f"{n} {code}" for code, n in counts.items())
        first = bad.iloc[0]
        where = "" if first["position"] < 0 else f"row {first['row']}, "
        raise DataError(
            f"responses to {self.survey_id!r} have {len(bad)} problem"
            f"{'s' if len(bad) != 1 else ''} ({parts}); first: {where}column "
            f"{first['column']}: {first['code']}: {first['message']}",
            code=str(first["code"]),
            failure_cases=bad.reset_index(drop=True),
        )

    def __repr__(self) -> str:
        return (
            f"ValidationReport(survey={self.survey_id!r}, rows={self.n_rows}, "
            f"kept={len(self.data)}, excluded={len(self.excluded)}, valid={self.valid}, "
            f"errors={self.n_errors})"
        )


def stamp_of(report: ValidationReport) -> ValidationStamp:
    """The stamp validated data carries: row accounting and problem counts of ``report``."""
    errors = report.errors
    rowed = errors[(errors["position"] >= 0) & (errors["severity"] == "error")]
    excluded: dict[str, int] = {}
    if len(report.excluded):
        counts = report.excluded[EXCLUDED_REASON].value_counts()
        excluded = {c: int(counts[c]) for c in ROW_CODES if c in counts.index}
    aside = rowed[rowed["code"].isin(list(SET_ASIDE_CODES))]["code"].value_counts()
    bad = errors[errors["severity"] == "error"]["code"].value_counts()
    return ValidationStamp(
        report.survey_id,
        report.survey_version,
        rows_in=int(report.n_rows),
        rows_used=len(report.data),
        excluded=excluded,
        set_aside={str(k): int(v) for k, v in aside.items()},
        problems={str(k): int(v) for k, v in bad.items()},
    )


VALIDATION_KEY = "validation"
"""Where validated data carries its :class:`ValidationStamp`: ``frame.attrs["validation"]``."""


def stamp_on(frame: Any) -> ValidationStamp | None:
    """The :class:`ValidationStamp` ``frame`` carries (None if it carries none). The one reader
    of that mark; :func:`put_stamp` is the one writer."""
    attrs = getattr(frame, "attrs", None)
    found = attrs.get(VALIDATION_KEY) if isinstance(attrs, dict) else None
    return found if isinstance(found, ValidationStamp) else None


def put_stamp(frame: pd.DataFrame, stamp: ValidationStamp) -> None:
    """Mark ``frame`` as validated (its rows and values are those ``stamp`` describes)."""
    frame.attrs[VALIDATION_KEY] = stamp
