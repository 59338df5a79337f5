"""Validate survey responses against their instrument, vectorised, without losing a row.

:func:`validate_responses` checks response data in the "raw" form (what
:func:`~leadership_eval.responses.read_responses` and ``simulate_responses`` return: one column
per item id, codes as stored, declared missing codes present, ``multi_choice`` answers as one
column of space-separated codes) and returns a :class:`ValidationReport` holding the "clean"
form, the declared missing codes it removed, the answers skip logic should have hidden, the
rows it excluded and a failure-case table of every problem (like pandera's ``failure_cases``).

Every check works on whole columns (``isin``, numeric masks, one factorisation of the distinct
``multi_choice`` answers); no Python code runs once per row.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._codes import code_series, code_texts, factorize_strings
from .._frames import unhashable_positions
from .._threads import map_threaded, uses_threads
from ..errors import ArgumentError, ConfigurationError, DataError, DataWarning, NotATableError
from ..instruments.loader import as_survey
from .read import ReadReport, ReadResponses
from .report import (
    EXCLUDED_REASON,
    INFO_CODES,
    ROW_CODES,
    SET_ASIDE_CODES,
    ValidationReport,
    ValidationStamp,
    put_stamp,
    stamp_of,
    stamp_on,
)

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

    from ..instruments.models import ChoiceList, Item, Survey

__all__ = ["validate_responses", "validated"]


def validated(
    survey: Survey | str | Path,
    data: pd.DataFrame | ReadResponses,
    *,
    need: Iterable[str] = (),
    form: str = "clean",
    warn: bool = True,
) -> tuple[pd.DataFrame, ValidationStamp]:
    """The responses by the validation's rules: the one validation path of every function.

    Data carrying the :class:`ValidationStamp` of this survey (the ``.data`` of
    :func:`validate_responses`, or a frame made from it) is returned as it is; any other data
    is validated first, and its clean form returned: duplicate and blank rows (and records a
    file reader found broken) excluded, values that fail a check set aside as NA, declared
    missing codes turned into NA.

    Parameters
    ----------
    survey : Survey, str or pathlib.Path
    data : pandas.DataFrame or ReadResponses
        Responses, raw or clean, or what :func:`~leadership_eval.responses.read_responses`
        returned (its read report is used).
    need : iterable of str
        Items the caller cannot do without: a :class:`~leadership_eval.errors.DataError`
        (``missing-column``) when the data has no column for one of them.
    form : {"clean", "raw", "codes"}
        ``"raw"``: the rows kept as they were given (declared missing codes still present, for
        counting them), with the values set aside made NA. ``"codes"``: the clean form with the
        codes of integer choice lists in one byte (``Int8``) where they fit, for functions
        that compute on the codes and hand no clean data back (:func:`~leadership_eval.score`,
        :func:`~leadership_eval.reliability`): a tenth of the memory to write, but sums of such
        columns overflow, so it is not a form for users' own arithmetic.
    warn : bool
        Issue a :class:`~leadership_eval.errors.DataWarning` saying what was left out or set
        aside (when anything was).

    Returns
    -------
    (pandas.DataFrame, ValidationStamp)
        The clean data and its stamp (``rows_in = rows_used + rows_excluded``).

    Examples
    --------
    >>> import pandas as pd, warnings
    >>> from leadership_eval.instruments.loader import loads_instrument
    >>> survey = loads_instrument('''
    ... kind: survey
    ... id: demo
    ... version: 1.0.0
    ... title: Demo
    ... respondent_id: rid
    ... choice_lists:
    ...   yn: {options: [{code: 1, label: "Yes"}, {code: 2, label: "No"}]}
    ... sections:
    ...   - id: s
    ...     title: S
    ...     items:
    ...       - {id: rid, type: text, text: Id}
    ...       - {id: q, type: choice, choices: yn, text: Q}
    ... ''')
    >>> raw = pd.DataFrame({"rid": ["a", "b", "b", None], "q": [1, 7, 2, None]})
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     clean, stamp = validated(survey, raw)
    >>> clean
      rid     q
    0   a     1
    1   b  <NA>
    >>> stamp.describe()
    'rows: 4 read, 2 used, 2 excluded (1 empty-row, 1 duplicate-id); values set aside: 1 invalid-code'
    >>> print(caught[0].message)
    responses to 'demo': rows: 4 read, 2 used, 2 excluded ...; validate_responses() lists each one
    """

    survey = as_survey(survey)
    data, read = _frame_and_report(data, None)
    stamp = stamp_on(data)
    if (
        stamp is not None
        and stamp.survey_id == survey.id
        and stamp.survey_version == survey.version
    ):
        return data, stamp
    if form not in ("clean", "raw", "codes"):
        raise ConfigurationError(
            f"form must be 'clean', 'raw' or 'codes'; found {form!r}", code="invalid-option"
        )
    report = _validate(survey, data, compact=form == "codes", read=read, for_data=True)
    stamp = report.stamp
    wanted = set(need)
    if wanted:
        errors = report.errors
        absent = errors[
            (errors["code"] == "missing-column")
            & errors["column"].isin([q.column_name for q in survey.questions if q.id in wanted])
        ]
        if len(absent):
            names = ", ".join(repr(c) for c in absent["column"])
            raise DataError(
                f"the data has no column {names} (needed here; its columns are "
                f"{', '.join(map(str, data.columns[:20]))})",
                code="missing-column",
                failure_cases=absent.reset_index(drop=True),
            )
    if warn and (stamp.rows_excluded or stamp.set_aside):
        warnings.warn(
            DataWarning(
                f"responses to {survey.id!r}: {stamp.describe()}; validate_responses() lists "
                "each one"
            ),
            stacklevel=3,
        )
    if form == "raw":
        return _raw_kept(survey, data, report), stamp
    return report.data, stamp


def _raw_kept(survey: Survey, data: pd.DataFrame, report: ValidationReport) -> pd.DataFrame:
    """The raw rows validation kept, with the values it set aside made NA."""
    import numpy as np

    excluded = np.zeros(len(data), dtype=bool)
    errors = report.errors
    rowed = errors[errors["position"] >= 0]
    excluded[rowed.loc[rowed["code"].isin(list(ROW_CODES)), "position"].to_numpy()] = True
    out = data.iloc[np.flatnonzero(~excluded)].copy()
    aside = rowed[rowed["code"].isin(list(SET_ASIDE_CODES))]
    for item_id, rows in aside.groupby("column"):
        try:
            column = survey.item(str(item_id)).column_name
        except KeyError:
            continue
        name = column if column in out.columns else str(item_id)
        if name in out.columns:
            labels = [r for r in rows["row"] if r in out.index]
            out.loc[labels, name] = None
    return out


# ------------------------------------------------------------------------------- internals


class _Errors:
    """Collects failure cases as column arrays, one chunk per check."""

    def __init__(self, index: pd.Index, lazy: bool, survey_id: str) -> None:
        self.index = index
        self.lazy = lazy
        self.survey_id = survey_id
        self.chunks: list[dict[str, Any]] = []
        # once rows are excluded, problems found in them are not reported (their reason is)
        self.live: np.ndarray | None = None

    def add(
        self,
        positions: np.ndarray,
        column: str,
        code: str,
        message: Any,
        value: Any,
    ) -> None:
        import numpy as np

        if len(positions) == 0:
            return
        if self.live is not None:
            positions = np.asarray(positions, dtype=np.int64)
            inside = positions < 0
            inside[~inside] = self.live[positions[~inside]]
            if not inside.all():
                if not inside.any():
                    return
                value = _object_array(value, len(positions))[inside]
                if not isinstance(message, str):
                    message = _object_array(message, len(positions))[inside]
                positions = positions[inside]
        n = len(positions)
        chunk = {
            "position": np.asarray(positions, dtype=np.int64),
            "column": [column] * n,
            "code": [code] * n,
            "message": message if not isinstance(message, str) else [message] * n,
            "value": value,
            "severity": ["info" if code in INFO_CODES else "error"] * n,
        }
        self.chunks.append(chunk)
        if not self.lazy and code not in INFO_CODES:
            frame = self.frame()
            bad = frame[frame["severity"] == "error"]
            first = bad.iloc[0]
            where = "" if first["position"] < 0 else f"row {first['row']}, "
            raise DataError(
                f"responses to {self.survey_id!r}: {where}column {first['column']}: "
                f"{first['code']}: {first['message']}",
                code=code,
                failure_cases=bad.reset_index(drop=True),
            )

    def column_level(self, column: str, code: str, message: str) -> None:
        import numpy as np

        self.add(np.array([-1]), column, code, message, [None])

    def frame(self) -> pd.DataFrame:
        import numpy as np
        import pandas as pd

        if not self.chunks:
            return pd.DataFrame(
                {
                    "row": pd.Series(dtype=object),
                    "column": pd.Series(dtype=str),
                    "code": pd.Series(dtype=str),
                    "message": pd.Series(dtype=str),
                    "value": pd.Series(dtype=object),
                    "severity": pd.Series(dtype=str),
                    "position": pd.Series(dtype="int64"),
                }
            )
        pos = np.concatenate([c["position"] for c in self.chunks])
        cols: dict[str, Any] = {}
        for key in ("column", "code", "message", "severity"):
            cols[key] = np.concatenate([np.asarray(c[key], dtype=object) for c in self.chunks])
        values = np.concatenate(
            [_object_array(c["value"], len(c["position"])) for c in self.chunks]
        )
        labels = np.empty(len(pos), dtype=object)
        ok = pos >= 0
        labels[ok] = self.index.take(pos[ok]).to_numpy(dtype=object)
        labels[~ok] = None
        frame = pd.DataFrame(
            {
                "row": labels,
                "column": cols["column"],
                "code": cols["code"],
                "message": cols["message"],
                "value": values,
                "severity": cols["severity"],
                "position": pos,
            }
        )
        for key in ("column", "code", "message", "severity"):
            frame[key] = frame[key].astype(str)
        return frame


def _object_array(values: Any, n: int) -> np.ndarray:
    import numpy as np
    import pandas as pd

    if isinstance(values, pd.Series | pd.Index):
        values = values.to_numpy(dtype=object)
    out = np.empty(n, dtype=object)
    out[:] = list(values) if not isinstance(values, np.ndarray) else values
    out[pd.isna(out)] = None
    return out


def _is_text_dtype(dtype: Any) -> bool:
    import pandas as pd

    return not (
        pd.api.types.is_numeric_dtype(dtype)
        or pd.api.types.is_bool_dtype(dtype)
        or pd.api.types.is_datetime64_any_dtype(dtype)
    )


@dataclass
class _Column:
    """One input column, prepared once: text columns are factorised (each distinct value is
    examined once, then broadcast to the rows by its code), except free-text columns, whose
    values are mostly distinct: those are canonicalised row by row (``row_text``).

    Columns keep every input row: the checks run on all of them (a row's checks read only that
    row), and only the clean values of the rows kept are copied out (:func:`_rows`)."""

    series: pd.Series
    present_mask: np.ndarray | None  # None: from byte_codes, made when first asked for
    codes: np.ndarray | None = None  # factor codes (-1: NA) for text columns
    uniques: np.ndarray | None = None  # the distinct values (object)
    u_text: pd.Series | None = None  # canonical text of the distinct values
    row_text: np.ndarray | None = None  # canonical text per row (object, None: no answer)
    #: a float column of one-byte codes, classified as it was prepared (:func:`_byte_codes`)
    byte_codes: _ByteCodes | None = None

    @property
    def present(self) -> np.ndarray:
        """Where the column holds an answer (bool, every input row)."""
        if self.present_mask is None:
            assert self.byte_codes is not None
            self.present_mask = self.byte_codes.present()
        return self.present_mask

    @present.setter
    def present(self, mask: np.ndarray) -> None:
        self.present_mask = mask

    @classmethod
    def prepare(
        cls,
        s: pd.Series,
        factorise: bool = True,
        choice: ChoiceList | None = None,
        out: tuple[np.ndarray, np.ndarray] | None = None,
        block: int | None = None,
    ) -> _Column:
        """The column prepared; ``choice``: the integer code list of a choice item, so that a
        float column of one-byte codes is classified in the same pass (into ``out``, the
        arrays for its bytes and mask, when given, ``block`` rows at a time)."""
        import numpy as np
        import pandas as pd

        if not _is_text_dtype(s.dtype):
            mask = getattr(s.array, "_mask", None)
            if isinstance(mask, np.ndarray):
                return cls(s, ~mask)
            if s.dtype == np.float64:
                f = _float_values(s)
                coded = None if choice is None else _byte_codes(f, choice, out, block)
                if coded is not None:
                    return cls(s, None, byte_codes=coded)
                return cls(s, ~np.isnan(f))
            return cls(s, s.notna().to_numpy(dtype=bool))
        if not factorise:
            canon, absent = code_texts(s.to_numpy(dtype=object))
            return cls(s, ~absent, row_text=canon)
        if (factorised := factorize_strings(s)) is None:
            try:
                codes, uniques = pd.factorize(s.to_numpy(dtype=object), use_na_sentinel=True)
            except TypeError:  # lists, sets or mappings in cells (data read from JSON)
                raise _unhashable_cells(s) from None
        else:
            codes, uniques = factorised
        u = np.asarray(uniques, dtype=object)
        u_text = pd.Series(code_texts(u)[0], dtype=object)
        u_present = np.append(u_text.notna().to_numpy(dtype=bool), False)
        return cls(s, u_present[codes], codes.astype(np.int64, copy=False), u, u_text)

    @property
    def is_text(self) -> bool:
        return self.codes is not None

    def take(self, per_unique: np.ndarray, fill: Any, keep: _Kept | None = None) -> Any:
        """Broadcast per-distinct-value results to the rows (``fill`` where NA); with ``keep``,
        to the rows kept only."""
        import numpy as np

        assert self.codes is not None
        ext = np.append(per_unique, np.array([fill], dtype=per_unique.dtype))
        codes = self.codes if keep is None else _rows(self.codes, keep)
        return ext[codes]  # code -1 picks the fill at the end


def _unhashable_cells(s: pd.Series) -> DataError:
    """The error for a column holding containers (a list of codes, as JSON gives) where one
    answer per cell is expected."""
    import pandas as pd

    values = s.to_numpy(dtype=object)
    rows = unhashable_positions(s) or [0]
    shown = ", ".join(str(s.index[i]) for i in rows[:8]) + (", ..." if len(rows) > 8 else "")
    return DataError(
        f"column {s.name!r} holds {len(rows)} value(s) that are lists, sets or mappings (e.g. "
        f"{values[rows[0]]!r}, rows {shown}) where each cell must hold one answer; write a "
        "multi_choice answer as its codes separated by spaces (e.g. 'qi teach'), or as one 0/1 "
        "column per option",
        code="invalid-data",
        failure_cases=pd.DataFrame(
            {"row": [s.index[i] for i in rows], "value": [values[i] for i in rows]}
        ),
    )


def _float_values(s: pd.Series) -> np.ndarray:
    """The float64 values of a float64 column, without a copy (read only)."""
    import numpy as np

    return np.asarray(s.array, dtype=np.float64)


class _Kept:
    """The rows kept, when some are excluded: their positions, and (when the rows excluded are
    few) the runs of kept rows between them, copied as blocks instead of gathered row by row."""

    def __init__(self, excluded: np.ndarray) -> None:
        import numpy as np

        self.positions = np.flatnonzero(~excluded)
        from itertools import pairwise

        gaps = np.flatnonzero(excluded)
        self.runs: list[tuple[int, int]] | None = None
        if len(gaps) <= 64:
            bounds = [-1, *gaps.tolist(), len(excluded)]
            self.runs = [(a + 1, b) for a, b in pairwise(bounds) if b > a + 1]


def _rows(values: Any, keep: _Kept | None) -> Any:
    """``values`` at the rows kept (all rows when ``keep`` is None)."""
    import numpy as np

    if keep is None:
        return values
    if keep.runs is not None and isinstance(values, np.ndarray):
        if not keep.runs:
            return values[:0].copy()
        return np.concatenate([values[a:b] for a, b in keep.runs])
    return values.take(keep.positions)


def _repeated(col: _Column, candidates: np.ndarray) -> np.ndarray:
    """Which of the ``candidates`` (sorted row positions) hold an id seen on an earlier one
    (as a mask over ``candidates``); text ids are compared once stripped.

    Text ids are mostly distinct, so they are not factorised: equal strings have equal hashes,
    so only the rows whose hash repeats (usually none) are compared exactly.
    """
    import numpy as np
    import pandas as pd

    def later_of(keys: np.ndarray) -> np.ndarray:
        _, first_seen = np.unique(keys, return_index=True)
        later = np.ones(len(keys), dtype=bool)
        later[first_seen] = False
        return later

    if col.row_text is not None:
        texts = col.row_text if len(candidates) == len(col.row_text) else col.row_text[candidates]
        hashes = np.fromiter(map(hash, texts), dtype=np.int64, count=len(texts))
        ordered = np.sort(hashes)
        repeats = ordered[1:][ordered[1:] == ordered[:-1]]
        later = np.zeros(len(candidates), dtype=bool)
        if len(repeats):
            sub = np.flatnonzero(np.isin(hashes, repeats))
            later[sub[later_of(pd.factorize(texts[sub])[0])]] = True
        return later
    if col.is_text:
        assert col.u_text is not None and col.uniques is not None
        # distinct raw values that are the same id once stripped share one key
        u_canon = col.u_text.to_numpy(dtype=object)
        if bool(np.asarray(u_canon == col.uniques, dtype=bool).all()):
            u_key = np.arange(len(u_canon), dtype=np.int64)  # already distinct
        else:
            u_key = pd.factorize(u_canon)[0].astype(np.int64)
        key = col.take(u_key, -1)
    else:
        key = pd.factorize(col.series)[0].astype(np.int64)
    return later_of(key[candidates])


def _code_list(codes: list[Any]) -> str:
    shown = ", ".join(str(c) for c in codes[:12])
    return shown + (", ..." if len(codes) > 12 else "")


def _describe_choices(choice: ChoiceList, name: str | None) -> str:
    text = f"codes {_code_list(choice.codes)}"
    if choice.missing_codes:
        text += f"; missing {_code_list(choice.missing_codes)}"
    return f"a code of {name!r} ({text})" if name else f"a code ({text})"


def _is_platform_column(name: str) -> bool:
    from .read import ODK_METADATA, REDCAP_METADATA

    key = name.strip().lower()
    return key in REDCAP_METADATA or key in ODK_METADATA or key.endswith("_complete")


def _with_value(values: pd.Series, template: str) -> pd.Series:
    """``template`` with ``{value}`` replaced by each value's repr (vectorised)."""
    import pandas as pd

    head, _, tail = template.partition("{value}")
    shown = pd.Series(values.to_numpy(dtype=object), dtype=object).map(repr)
    return head + shown.astype(str) + tail


@dataclass
class _Eval:
    """What skip logic sees of one clean column, over every input row: its values, or (codes)
    integer ``keys`` (-1: NA) with the value of each key in ``decode``. ``shown``: where the
    item was shown (its answers elsewhere count as blank)."""

    values: Any = None
    keys: np.ndarray | None = None
    decode: Any = None
    shown: np.ndarray | None = None

    def hidden_where(self, shown: np.ndarray) -> _Eval:
        import numpy as np

        keys = None if self.keys is None else np.where(shown, self.keys, -1)
        return _Eval(self.values, keys, self.decode, shown)

    def distinct(self, rows: np.ndarray) -> Any:
        """The values at ``rows`` (blank where hidden)."""
        import pandas as pd

        if self.values is None:
            assert self.keys is not None
            return self.decode.take(self.keys[rows], allow_fill=True)
        out = pd.Series(self.values, copy=False).iloc[rows].reset_index(drop=True)
        if self.shown is not None:
            out = out.where(self.shown[rows])
        return out


@dataclass
class _Clean:
    """What checking one item column produced."""

    columns: dict[str, Any]  # clean column(s) of the rows kept: name -> array-like
    declared_missing: np.ndarray  # a declared missing code is present (every input row)
    missing_codes: Any = None  # categorical of the declared missing codes (rows kept, or None)
    eval: dict[str, _Eval] = field(default_factory=dict)  # for skip logic (when asked for)


def _missing_categorical(choice: ChoiceList | None, miss_idx: np.ndarray) -> Any:
    import numpy as np
    import pandas as pd

    if choice is None or not choice.missing_codes:
        return None
    return pd.Categorical.from_codes(
        miss_idx.astype(np.int8, copy=False),
        categories=pd.Index(list(choice.missing_codes), dtype=object),
        validate=False,  # the codes are -1 or an index into the categories by construction
    )


def _classify_ints(vals: np.ndarray, choice: ChoiceList) -> np.ndarray:
    """Class of each integer value: 1 substantive code, 2+j the j-th missing code, 0 other."""
    import numpy as np

    codes = [int(c) for c in choice.codes]
    missing = [int(c) for c in choice.missing_codes]  # type: ignore[call-overload]
    lo, hi = min(codes + missing), max(codes + missing)
    if hi - lo > 100_000:  # sparse codes: hash lookups instead of a table
        cls = np.zeros(len(vals), dtype=np.int8)
        cls[np.isin(vals, codes)] = 1
        for j, c in enumerate(missing):
            cls[vals == c] = 2 + j
        return cls
    base = 0 if lo >= 0 and hi <= 100_000 else lo  # a table from 0 saves a subtraction
    lut = np.zeros(hi - base + 1, dtype=np.int8)
    lut[np.asarray(codes) - base] = 1
    for j, c in enumerate(missing):
        lut[c - base] = 2 + j
    if len(vals) == 0 or (int(vals.min()) >= base and int(vals.max()) <= hi):
        # every value within the table (the usual case): one gather
        return lut[vals] if base == 0 else lut[vals - base]
    lo = base
    off = vals - lo
    inside = (off >= 0) & (off <= hi - lo)
    cls = lut[np.where(inside, off, 0)]
    cls[~inside] = 0
    return cls


@dataclass
class _ByteCodes:
    """A float column of one-byte codes, as :func:`_byte_codes` read it: the clean column's
    values and NA mask, and how many answers are neither a code nor blank. When there are
    none (the usual case) the classes and the answered rows follow from the mask, and are
    only made when asked for."""

    floats: np.ndarray  # the column's values
    choice: ChoiceList
    values: np.ndarray  # int8: the values as bytes (meaningful where they are codes)
    not_code: np.ndarray  # bool: blank, or not a code (the clean column's NA mask)
    others: int  # answers that are not codes: declared missing codes and invalid values

    def present(self) -> np.ndarray:
        """Where there is an answer (the value is not NaN)."""
        import numpy as np

        return ~self.not_code if self.others == 0 else ~np.isnan(self.floats)

    def classes(self) -> np.ndarray:
        """Each value's class: 1 a code, 2+ a declared missing code, 0 no code, -1 no answer
        (as :func:`_classify_ints` and its callers give them)."""
        import numpy as np

        if self.others == 0:  # codes and blanks only
            return np.subtract(1, self.not_code.view(np.int8) * np.int8(2), dtype=np.int8)
        # other answers too (rare): the general path, with no answer as -1
        cls, _ = _wide_classes(self.floats, self.choice)
        np.copyto(cls, np.int8(-1), where=np.isnan(self.floats))
        return cls


#: rows per block of :func:`_byte_codes`: a block's floats (1 MiB) and its bytes stay in cache
_FLOAT_BLOCK = 1 << 17
#: the same on threads, which wait for each other at every numpy call: fewer, longer calls
_FLOAT_BLOCK_THREADED = 1 << 20


def _fits_a_byte(choice: ChoiceList) -> bool:
    """Whether every code of an integer list, missing codes included, fits in a signed byte."""
    codes = [int(c) for c in choice.all_codes]  # type: ignore[call-overload]
    return bool(choice.codes) and all(-128 <= c <= 127 for c in codes)


def _byte_codes(
    f: np.ndarray,
    choice: ChoiceList,
    out: tuple[np.ndarray, np.ndarray] | None = None,
    block: int | None = None,
) -> _ByteCodes | None:
    """A float column read against a list whose codes all fit in one signed byte (None for
    other lists): its values as bytes, where they are not codes (NaN, a fraction, a value
    beyond the list or a declared missing code), and how many of those are answers. ``out``:
    the arrays to write the bytes (int8) and the mask (bool) into, new ones when not given;
    ``block``: rows read at a time (default :data:`_FLOAT_BLOCK`).

    A float becomes a byte first (NaN, fractions and values beyond a byte give some byte);
    only a byte equal to its float is a whole number in range. Comparing bytes with the
    list's range is quicker than casting every value to 64 bits and gathering through a
    table. The column is read a block of rows at a time, so the intermediate masks stay in
    cache, and only the two arrays of the clean column are new.
    """
    import numpy as np

    if not _fits_a_byte(choice):
        return None
    codes = [int(c) for c in choice.codes]  # type: ignore[call-overload]
    missing = [int(c) for c in choice.missing_codes]  # type: ignore[call-overload]
    n = len(f)
    values, not_code = out if out is not None else (np.empty(n, np.int8), np.empty(n, bool))
    lo, hi = min(codes), max(codes)
    contiguous = sorted(set(codes)) == list(range(lo, hi + 1))
    code_bytes = np.asarray(codes, dtype=np.int8)
    also_codes = [c for c in missing if c in codes]  # missing, even though listed as codes
    step = block or _FLOAT_BLOCK
    m = min(n, step)
    whole, hit, other = (np.empty(m, dtype=bool) for _ in range(3))
    not_codes = blanks = 0
    with np.errstate(invalid="ignore"):
        for start in range(0, n, step):
            stop = min(n, start + step)
            k = stop - start
            fs, bs = f[start:stop], values[start:stop]
            w, h, o = whole[:k], hit[:k], other[:k]
            np.copyto(bs, fs, casting="unsafe")  # f.astype(np.int8)
            np.equal(bs, fs, out=w)  # a whole number within a byte's range
            if contiguous:
                np.greater_equal(bs, lo, out=h)
                np.less_equal(bs, hi, out=o)
                np.logical_and(h, o, out=h)
            else:
                np.copyto(h, np.isin(bs, code_bytes))
            np.logical_and(h, w, out=h)
            for c in also_codes:
                np.not_equal(bs, c, out=o)
                np.logical_and(h, o, out=h)
            np.logical_not(h, out=not_code[start:stop])
            not_codes += k - int(np.count_nonzero(h))
            blanks += int(np.count_nonzero(np.isnan(fs, out=o)))
    return _ByteCodes(f, choice, values, not_code, not_codes - blanks)


def _int_buffers(s: pd.Series) -> tuple[np.ndarray, np.ndarray | None]:
    """The integer values of a column and its NA mask (None: no NA), without copying."""
    import numpy as np

    arr = s.array
    data, mask = getattr(arr, "_data", None), getattr(arr, "_mask", None)
    if isinstance(data, np.ndarray) and isinstance(mask, np.ndarray):
        return data, mask
    return np.asarray(arr), None


def _code_table(choice: ChoiceList, s: pd.Series | None = None) -> tuple[np.ndarray, int] | None:
    """A table of classes (as in :func:`_classify_ints`) for a clipped gather: entry
    ``v - shift`` is the class of the value ``v``; the first and last entries (which clipping
    gives every value outside the codes' range) are 0. None when the codes are too sparse or
    the column ``s`` (when given) has no integers that can index it (unsigned 64-bit)."""
    import numpy as np
    import pandas as pd

    if s is not None:
        if not pd.api.types.is_integer_dtype(s.dtype):
            return None
        dtype = np.dtype(getattr(s.dtype, "numpy_dtype", s.dtype))
        if dtype.kind != "i" and not (dtype.kind == "u" and dtype.itemsize <= 4):
            return None
    codes = [int(c) for c in choice.codes]
    missing = [int(c) for c in choice.missing_codes]  # type: ignore[call-overload]
    lo, hi = min(codes + missing), max(codes + missing)
    if hi - lo > 100_000:
        return None
    shift = 0 if lo >= 1 else lo - 1  # a table from 0 saves a subtraction
    lut = np.zeros(hi - shift + 2, dtype=np.int8)
    lut[np.asarray(codes) - shift] = 1
    for j, c in enumerate(missing):
        lut[c - shift] = 2 + j
    return lut, shift


def _code_keys(choice: ChoiceList, vals: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """The position of each valid integer code in the list (-1 elsewhere): equal keys, equal
    codes, so skip logic can group rows by them."""
    import numpy as np
    import pandas as pd

    codes = np.asarray([int(c) for c in choice.codes], dtype=np.int64)  # type: ignore[call-overload]
    lo, hi = int(codes.min()), int(codes.max())
    if hi - lo <= 100_000:
        small = len(codes) < 127  # keys of one byte: quicker to mask and to group by
        table = np.full(hi - lo + 3, -1, dtype=np.int8 if small else np.int64)
        table[codes - lo + 1] = np.arange(len(codes))
        index = np.clip(vals.astype(np.int64, copy=False), lo - 1, hi + 1) - (lo - 1)
        keys = np.take(table, index)
    else:
        keys = pd.Index(codes).get_indexer(vals).astype(np.int64)
    return np.where(valid, keys, -1)


def _int_classes(
    choice: ChoiceList, col: _Column, keep: _Kept | None, want_eval: bool, width: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, bool, np.ndarray | None]:
    """Integer codes classified (1 a code, 2+ a declared missing code, 0 no code, -1 no answer
    where already known), the values of the rows kept, every row's integer value when at hand,
    whether no-answer is marked already, and ``cls != 1`` when at hand (every row kept)."""
    import numpy as np
    import pandas as pd

    s = col.series
    na_done = False  # cls already -1 where there is no answer
    every: np.ndarray | None = None  # the integer values of every row, when at hand
    not_code: np.ndarray | None = None  # cls != 1 (every row kept), when at hand
    if col.is_text:
        assert col.u_text is not None
        u_num = pd.to_numeric(col.u_text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            u_ok = (np.abs(u_num) < 2**53) & (u_num % 1 == 0)
        u_vals = np.where(u_ok, u_num, 0).astype(np.int64)
        u_cls = np.where(u_ok, _classify_ints(u_vals, choice), 0).astype(np.int8)
        cls = col.take(u_cls, -1)
        vals = col.take(u_vals, 0, keep)
        if want_eval:
            every = col.take(u_vals, 0)
    elif (table := _code_table(choice, s)) is not None:
        # the usual case: integer codes, one clipped gather through a table of the codes
        data, na = _int_buffers(s)
        lut, shift = table
        index = data if shift == 0 else data.astype(np.int64, copy=False) - shift
        cls = np.take(lut, index, mode="clip")
        if na is not None and na.any():
            np.bitwise_or(cls, np.negative(na.view(np.int8)), out=cls)  # NA: -1
        na_done = True
        # a copy of the rows kept: .data must not share the input's memory
        vals = data.astype(width) if keep is None else _rows(data, keep).astype(width, copy=False)
        every = data
    elif pd.api.types.is_integer_dtype(s.dtype):
        fill = min(int(c) for c in choice.all_codes)  # type: ignore[call-overload]
        every = s.to_numpy(dtype=np.int64, na_value=fill)  # NA: masked below
        cls = _classify_ints(every, choice)
        vals = _rows(every, keep)
    else:
        f = _float_values(s) if s.dtype == np.float64 else s.to_numpy(float, na_value=np.nan)
        # codes of one byte (the usual Likert list, read from a file with blanks) as bytes
        coded = col.byte_codes if col.byte_codes is not None else _byte_codes(f, choice)
        if coded is not None:
            cls, every, na_done = coded.classes(), coded.values, True
            if keep is None:
                not_code = coded.not_code
        else:
            cls, every = _wide_classes(f, choice)
        vals = _rows(every, keep)
    return cls, vals, every, na_done, not_code


def _wide_classes(f: np.ndarray, choice: ChoiceList) -> tuple[np.ndarray, np.ndarray]:
    """Float values classified as :func:`_classify_ints` does, for any list of integer codes:
    the classes, and the values cast to 64 bits (meaningful where the class is 1 or more)."""
    import numpy as np

    with np.errstate(invalid="ignore"):
        every = f.astype(np.int64)  # anything for NaN, infinities and huge values
        ok = every == f  # the whole numbers
    if (table := _code_table(choice)) is not None:
        lut, shift = table  # values that are not whole numbers are set right below
        cls = np.take(lut, every if shift == 0 else every - shift, mode="clip")
    else:
        every[~ok] = 0
        cls = _classify_ints(every, choice)
    np.copyto(cls, 0, where=~ok)
    return cls, every


def _text_classes(
    item: Item,
    choice: ChoiceList,
    col: _Column,
    keep: _Kept | None,
    want_eval: bool,
    out: _Clean,
) -> np.ndarray:
    """Codes matched as text (any code list), the clean column put in ``out``; the classes as
    :func:`_int_classes` gives them."""
    import numpy as np
    import pandas as pd

    s, present = col.series, col.present
    if not col.is_text:
        col = _Column.prepare(code_series(s).astype(object))
        col.series, col.present = s, present & col.present
    assert col.u_text is not None
    u_cls = np.zeros(len(col.u_text), dtype=np.int8)
    u_cls[col.u_text.isin([str(c) for c in choice.codes]).to_numpy(bool, na_value=False)] = 1
    for j, c in enumerate(choice.missing_codes):
        u_cls[(col.u_text == str(c)).to_numpy(bool, na_value=False)] = 2 + j
    cls = np.where(present, col.take(u_cls, -1), -1).astype(np.int8, copy=False)
    clean: Any
    if choice.numeric:
        u_int = pd.to_numeric(col.u_text.where(u_cls == 1), errors="coerce")
        u_vals = u_int.fillna(0).to_numpy(dtype=np.int64)
        clean = pd.arrays.IntegerArray(col.take(u_vals, 0), cls != 1)
    elif isinstance(s.dtype, pd.StringDtype) and bool(
        np.asarray(col.u_text.to_numpy(dtype=object) == col.uniques, dtype=bool).all()
    ):  # the codes are stored exactly: keep the column's own strings
        clean = s.where(cls == 1).array
    else:
        u_clean = col.u_text.where(u_cls == 1).to_numpy(dtype=object, na_value=None)
        clean = pd.array(col.take(u_clean, None), dtype="str")
    out.columns[item.id] = _rows(clean, keep)
    if want_eval:
        u_key = pd.Index([str(c) for c in choice.codes]).get_indexer(col.u_text.astype(object))
        keys = np.where(present, col.take(u_key.astype(np.int64), -1), -1)
        out.eval[item.id] = _Eval(values=clean, keys=keys)
    return cls


def _check_codes(
    item: Item,
    choice: ChoiceList,
    col: _Column,
    err: _Errors,
    keep: _Kept | None,
    want_eval: bool = False,
    compact: bool = False,
) -> _Clean:
    import numpy as np
    import pandas as pd

    all_int = _all_int(choice)
    coded = col.byte_codes
    if all_int and coded is not None and coded.others == 0:
        return _codes_only(item, choice, coded, keep, want_eval, compact)
    s, present = col.series, col.present
    out = _Clean({}, present)
    if all_int:
        width = _code_width(choice, compact)
        cls, vals, every, na_done, not_code = _int_classes(choice, col, keep, want_eval, width)
        if not na_done and not present.all():
            np.copyto(cls, -1, where=~present)
        vals = vals.astype(width, copy=False)
        if not_code is None:
            not_code = _rows(np.not_equal(cls, 1), keep)
        out.columns[item.id] = pd.arrays.IntegerArray(vals, not_code)
        if want_eval:
            assert every is not None
            decode = pd.array([*choice.codes, None], dtype="Int64")
            out.eval[item.id] = _Eval(keys=_code_keys(choice, every, cls == 1), decode=decode)
    else:
        cls = _text_classes(item, choice, col, keep, want_eval, out)
    if (cls == 0).any():
        idx = np.flatnonzero(cls == 0)
        bad = s.iloc[idx]
        what = _describe_choices(choice, item.choices)
        err.add(idx, item.id, "invalid-code", _with_value(bad, "{value} is not " + what), bad)
    if choice.missing_codes:
        out.declared_missing = cls >= 2
        miss_idx = np.maximum(_rows(cls, keep) - 2, -1).astype(np.int8, copy=False)
        out.missing_codes = _missing_categorical(choice, miss_idx)
    else:
        out.declared_missing = np.zeros(len(cls), dtype=bool)
    return out


def _all_int(choice: ChoiceList) -> bool:
    """Whether every code of the list, missing codes included, is an integer."""
    return all(isinstance(c, int) and not isinstance(c, bool) for c in choice.all_codes)


def _code_width(choice: ChoiceList, compact: bool) -> Any:
    """The dtype of an integer list's clean values: int64, or one byte for the functions that
    only compute on codes (the values NA hides need not fit: they are never read)."""
    import numpy as np

    fits = all(-128 <= int(c) <= 127 for c in choice.codes)  # type: ignore[call-overload]
    return np.int8 if compact and fits else np.int64


def _codes_only(
    item: Item,
    choice: ChoiceList,
    coded: _ByteCodes,
    keep: _Kept | None,
    want_eval: bool,
    compact: bool,
) -> _Clean:
    """:func:`_check_codes` for a float column whose answers are all codes: the clean column
    is the bytes read and their mask, and there is nothing to report."""
    import numpy as np
    import pandas as pd

    width = _code_width(choice, compact)
    # the bytes and the mask are the column's own (new) arrays: no copy when every row is kept
    vals = _rows(coded.values, keep).astype(width, copy=False)
    clean = pd.arrays.IntegerArray(vals, _rows(coded.not_code, keep))
    out = _Clean({item.id: clean}, np.zeros(len(coded.values), dtype=bool))
    if choice.missing_codes:
        none = np.full(len(vals), -1, dtype=np.int8)
        out.missing_codes = _missing_categorical(choice, none)
    if want_eval:
        decode = pd.array([*choice.codes, None], dtype="Int64")
        keys = _code_keys(choice, coded.values, ~coded.not_code)
        out.eval[item.id] = _Eval(keys=keys, decode=decode)
    return out


def _fmt_num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _check_number(
    item: Item,
    choice: ChoiceList | None,
    col: _Column,
    err: _Errors,
    keep: _Kept | None,
    want_eval: bool = False,
) -> _Clean:
    import numpy as np
    import pandas as pd

    s, present = col.series, col.present
    n = len(s)
    if col.is_text:
        assert col.u_text is not None
        u_num = pd.to_numeric(col.u_text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        f = col.take(u_num, np.nan)
        wrong = present & np.isnan(f)
    elif s.dtype == np.float64:
        f = _float_values(s)
        wrong = None
    elif pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        f = s.to_numpy(dtype=float, na_value=np.nan)
        wrong = None
    else:  # true/false or dates are not numbers
        f = np.full(n, np.nan)
        wrong = present.copy()
    ok = present if wrong is None else present & ~wrong
    missing = list(choice.missing_codes) if choice is not None else []
    miss_idx = None
    is_miss = np.zeros(n, dtype=bool)
    for j, c in enumerate(missing):
        if isinstance(c, int | float) and not isinstance(c, bool):
            hit = ok & (f == float(c))
            if hit.any():
                if miss_idx is None:
                    miss_idx = np.full(n, -1, dtype=np.int8)
                miss_idx[hit] = j
                is_miss |= hit
    if miss_idx is not None:
        ok = ok & ~is_miss
    if wrong is not None and wrong.any():
        idx = np.flatnonzero(wrong)
        bad = s.iloc[idx]
        err.add(idx, item.id, "wrong-type", _with_value(bad, "{value} is not a number"), bad)
    checks: list[tuple[str, Any, str]] = []
    with np.errstate(invalid="ignore"):
        if item.min is not None:
            checks.append(("out-of-range", f < item.min, f"below the minimum {_fmt_num(item.min)}"))
        if item.max is not None:
            checks.append(("out-of-range", f > item.max, f"above the maximum {_fmt_num(item.max)}"))
        if item.integer:
            # a fraction, or an infinity (as ``f % 1 != 0`` finds them)
            checks.append(
                ("not-an-integer", (np.floor(f) != f) | np.isinf(f), "not a whole number")
            )
    failed = False
    for code, fails, what in checks:
        if not fails.any():
            continue
        hit = ok & fails
        if hit.any():
            idx = np.flatnonzero(hit)
            bad = s.iloc[idx]
            err.add(idx, item.id, code, _with_value(bad, "{value} is " + what), bad)
            ok = ok & ~hit
            failed = True
    if failed or miss_idx is not None or wrong is not None:
        clean = np.where(ok, f, np.nan)
        kept = _rows(clean, keep)
    else:  # every value passed, and NaN is the only blank: the values are the clean column
        clean = f
        kept = f.copy() if keep is None else _rows(f, keep)  # never the input's memory
    out = _Clean({item.id: kept}, is_miss)
    if choice is not None and choice.missing_codes:
        if miss_idx is None:
            miss_idx = np.full(n, -1, dtype=np.int8)
        out.missing_codes = _missing_categorical(choice, _rows(miss_idx, keep))
    if want_eval:
        out.eval[item.id] = _Eval(values=clean if clean is not f else f.copy())
    return out


def _check_text(
    item: Item,
    col: _Column,
    err: _Errors,
    keep: _Kept | None,
    want_eval: bool = False,
) -> _Clean:
    import numpy as np
    import pandas as pd

    s, present = col.series, col.present
    text = s if isinstance(s.dtype, pd.StringDtype) else s.astype("str")
    if not present.all():
        text = text.where(present)
    ok = present
    if item.max_length is not None:
        long = (text.str.len() > item.max_length).to_numpy(dtype=bool, na_value=False)
        if long.any():
            idx = np.flatnonzero(long)
            err.add(
                idx,
                item.id,
                "too-long",
                f"longer than the maximum of {item.max_length} characters",
                s.iloc[idx],
            )
            ok = ok & ~long
            text = text.where(ok)
    out = _Clean({item.id: _rows(text.array, keep)}, np.zeros(len(s), dtype=bool))
    if want_eval:
        out.eval[item.id] = _Eval(values=text.array)
    return out


def _check_date(
    item: Item,
    col: _Column,
    err: _Errors,
    keep: _Kept | None,
    want_eval: bool = False,
) -> _Clean:
    import numpy as np
    import pandas as pd

    s, present = col.series, col.present
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        parsed = s.to_numpy()
        ok = present
    elif col.is_text:
        assert col.u_text is not None
        u_dates = pd.to_datetime(col.u_text, format="ISO8601", errors="coerce").to_numpy()
        parsed = col.take(u_dates, np.datetime64("NaT", "ns"))
        ok = present & ~np.isnat(parsed)
    else:  # numbers are no dates
        parsed = np.full(len(s), np.datetime64("NaT", "ns"))
        ok = np.zeros(len(s), dtype=bool)
    wrong = present & ~ok
    if wrong.any():
        idx = np.flatnonzero(wrong)
        bad = s.iloc[idx]
        err.add(
            idx,
            item.id,
            "wrong-type",
            _with_value(bad, "{value} is not a date (expected YYYY-MM-DD)"),
            bad,
        )
        parsed = np.where(ok, parsed, np.datetime64("NaT"))
    out = _Clean({item.id: pd.array(_rows(parsed, keep))}, np.zeros(len(s), dtype=bool))
    if want_eval:
        out.eval[item.id] = _Eval(values=pd.array(parsed))
    return out


def _check_multi(
    item: Item,
    choice: ChoiceList,
    col: _Column,
    err: _Errors,
    keep: _Kept | None,
    want_eval: bool = False,
) -> _Clean:
    """Split each distinct answer once, then broadcast to the rows by its factor code."""
    import numpy as np
    import pandas as pd

    if not col.is_text:
        prepared = _Column.prepare(code_series(col.series).astype(object))
        prepared.series, prepared.present = col.series, col.present & prepared.present
        col = prepared
    assert col.u_text is not None
    s, present = col.series, col.present
    codes = [str(c) for c in choice.codes]
    known = codes + [str(c) for c in choice.missing_codes]
    u = col.u_text.astype(object)
    tokens = u.str.split().explode()
    tokens = tokens[tokens.notna()]
    u_of_tok = tokens.index.to_numpy(dtype=np.int64)
    cat = pd.Index(known, dtype=object).get_indexer(tokens.to_numpy(dtype=object)).astype(np.int64)
    k, nu = len(codes), len(u)
    table = np.zeros((nu, k), dtype=np.int8)
    sub = (cat >= 0) & (cat < k)
    table[u_of_tok[sub], cat[sub]] = 1
    u_answered: np.ndarray = np.asarray(table.any(axis=1), dtype=bool)
    u_missing = np.full(nu, -1, dtype=np.int8)
    is_m = cat >= k
    # the first declared missing code given (tokens keep the answer's order)
    first_m = pd.Series(cat[is_m] - k, index=u_of_tok[is_m]).groupby(level=0).first()
    u_missing[first_m.index.to_numpy(dtype=np.int64)] = first_m.to_numpy(dtype=np.int8)
    bad_tok = pd.Series(tokens.to_numpy(dtype=object)[cat < 0], index=u_of_tok[cat < 0])
    u_bad = np.zeros(nu, dtype=bool)
    u_msg = np.full(nu, "", dtype=object)
    if len(bad_tok):
        joined = bad_tok.groupby(level=0).agg(lambda t: ", ".join(repr(x) for x in t))
        ui = joined.index.to_numpy(dtype=np.int64)
        u_bad[ui] = True
        what = ": not " + _describe_choices(choice, item.choices)
        u_msg[ui] = (joined.astype(str) + what).to_numpy(dtype=object)
    answered = col.take(u_answered, False) & present
    invalid = col.take(u_bad, False) & present
    if invalid.any():
        idx = np.flatnonzero(invalid)
        err.add(idx, item.id, "invalid-code", col.take(u_msg, "")[idx], s.iloc[idx])
    exclusive = [codes.index(str(c)) for c in choice.exclusive_codes if str(c) in codes]
    if exclusive:
        # "None of these" ticked together with another option: the answer contradicts itself
        u_clash = table[:, exclusive].any(axis=1) & (table.sum(axis=1) > 1)
        clash = col.take(np.asarray(u_clash, dtype=bool), False) & present
        if clash.any():
            idx = np.flatnonzero(clash)
            names = " or ".join(repr(codes[j]) for j in exclusive)
            err.add(
                idx,
                item.id,
                "exclusive-combined",
                f"{names} rules out the other options but was ticked with them",
                s.iloc[idx],
            )
    assert col.codes is not None
    f = np.where(present, col.codes, -1)
    ext = np.vstack([table, np.zeros((1, k), dtype=np.int8)])
    by_code = np.ascontiguousarray(ext.T)  # (k, distinct answers + 1)
    f_kept = _rows(f, keep)
    mask = _rows(~answered, keep)
    miss_idx = np.where(present, col.take(u_missing, -1), -1)
    out = _Clean(
        {},
        miss_idx >= 0,
        _missing_categorical(choice, _rows(miss_idx, keep)),
    )
    decode = pd.array([0, 1, None], dtype="Int8")
    for j, code in enumerate(codes):
        name = f"{item.id}__{code}"
        out.columns[name] = pd.arrays.IntegerArray(by_code[j][f_kept], mask.copy())
        if want_eval:  # 0/1, -1 where NA: the values themselves, for show_if
            keys = np.where(answered, by_code[j][f], -1).astype(np.int64)
            out.eval[name] = _Eval(keys=keys, decode=decode)
    return out


def _evaluate_grouped(
    expr: Any,
    sources: dict[str, _Eval],
    n: int,
    item_types: Any,
) -> np.ndarray:
    """Evaluate ``expr`` once per distinct combination of the values it reads.

    A condition is a function of one row's values, so evaluating it on the distinct rows of
    the columns it refers to and broadcasting back gives the same answer as evaluating every
    row. Code columns are grouped by their integer keys (equal keys, equal values, -1 for NA)
    and their values made from the keys of the distinct rows only (skip logic on codes); other
    columns are factorised. A column's ``shown`` holds where its item was shown: elsewhere its
    value counts as NA.
    """
    import numpy as np
    import pandas as pd

    if n == 0 or not sources:
        rows = np.arange(n, dtype=np.int64)
        frame = pd.DataFrame(
            {name: src.distinct(rows) for name, src in sources.items()},
            index=pd.RangeIndex(n),
        )
        return np.asarray(expr.evaluate(frame, item_types=item_types).to_numpy(dtype=bool))
    combined = np.zeros(n, dtype=np.int64)
    card = 1
    for src in sources.values():
        if src.keys is not None:
            k = src.keys.astype(np.int64) + 1
            size = int(k.max()) + 1 if len(k) else 1
        else:
            codes, uniques = pd.factorize(src.values, use_na_sentinel=True)
            if src.shown is not None:
                codes = np.where(src.shown, codes, -1)
            k = codes.astype(np.int64) + 1
            size = len(uniques) + 1
        if card * size >= 2**62:
            combined = pd.factorize(combined)[0].astype(np.int64)
            card = int(combined.max()) + 1
        combined = combined * size + k
        card *= size
    if card <= 4 * n + 1024:  # few possible combinations: they are the group numbers
        first = np.full(card, -1, dtype=np.int64)
        first[combined[::-1]] = np.arange(n - 1, -1, -1)  # the last write wins: first rows
        seen = np.flatnonzero(first >= 0)
        rows, group = first[seen], None
    else:
        group, _ = pd.factorize(combined)
        n_groups = int(group.max()) + 1
        rows = np.empty(n_groups, dtype=np.int64)
        rows[group[::-1]] = np.arange(n - 1, -1, -1)
    distinct = pd.DataFrame(
        {name: src.distinct(rows) for name, src in sources.items()},
        index=pd.RangeIndex(len(rows)),
    )
    shown = expr.evaluate(distinct, item_types=item_types).to_numpy(dtype=bool)
    if group is None:
        table = np.zeros(card, dtype=bool)
        table[seen] = shown
        return np.asarray(table[combined], dtype=bool)
    return np.asarray(shown[group], dtype=bool)


def _empty_clean(item: Item, choice: ChoiceList | None, m: int, n: int, want_eval: bool) -> _Clean:
    """All-NA clean column(s) for an item with no column in the data (``m`` rows kept of
    ``n``)."""
    import numpy as np
    import pandas as pd

    def columns(rows: int) -> dict[str, Any]:
        if item.type == "multi_choice" and choice is not None:
            return {f"{item.id}__{c}": pd.array([pd.NA] * rows, dtype="Int8") for c in choice.codes}
        if item.type in ("likert", "choice"):
            dtype = "Int64" if choice is None or choice.numeric else "str"
            return {item.id: pd.array([pd.NA] * rows, dtype=dtype)}
        if item.type == "number":
            return {item.id: np.full(rows, np.nan)}
        if item.type == "date":
            return {item.id: pd.array(np.full(rows, np.datetime64("NaT", "ns")))}
        return {item.id: pd.array([None] * rows, dtype="str")}

    cat = None
    if choice is not None and choice.missing_codes:
        cat = pd.Categorical.from_codes(
            np.full(m, -1, dtype=np.int8),
            categories=pd.Index(list(choice.missing_codes), dtype=object),
        )
    out = _Clean(columns(m), np.zeros(n, dtype=bool), cat)
    if want_eval:
        out.eval = {name: _Eval(values=values) for name, values in columns(n).items()}
    return out


def _indicator_layout(data: pd.DataFrame, item: Item, choice: ChoiceList | None) -> list[str]:
    """Columns ``{id}__{code}`` holding a multi_choice item in the indicator layout."""
    if choice is None:
        return []
    wanted = {f"{item.id}__{c}" for c in choice.all_codes}
    return [c for c in data.columns if c in wanted]


def _from_indicators(data: pd.DataFrame, columns: list[str], item_id: str) -> pd.Series:
    """Indicator columns -> one column of space-separated codes (NA when nothing is ticked).

    Each row's ticks are read as the bits of one integer; the text is made once per distinct
    combination and broadcast to the rows.
    """
    import numpy as np
    import pandas as pd

    n = len(data)
    if len(columns) > 62:  # more options than bits: one text per row
        parts = np.full(n, "", dtype=object)
        for col in columns:
            code = col[len(item_id) + 2 :]
            on = pd.to_numeric(data[col], errors="coerce").to_numpy(dtype=float, na_value=0) == 1
            parts = np.where(on, np.where(parts == "", code, parts + " " + code), parts)
        out = pd.Series(parts, index=data.index, dtype=object)
        return out.mask(out == "")
    bits = np.zeros(n, dtype=np.int64)
    for j, col in enumerate(columns):
        on = pd.to_numeric(data[col], errors="coerce").to_numpy(dtype=float, na_value=0) == 1
        bits |= on.astype(np.int64) << j
    combos, inverse = np.unique(bits, return_inverse=True)
    names = [col[len(item_id) + 2 :] for col in columns]
    texts = np.empty(len(combos), dtype=object)
    for i, b in enumerate(combos.tolist()):
        ticked = [name for j, name in enumerate(names) if b >> j & 1]
        texts[i] = " ".join(ticked) if ticked else None
    return pd.Series(texts[inverse.reshape(-1)], index=data.index, dtype=object)


# --------------------------------------------------------------------------------- the API


def validate_responses(
    survey: Survey | str | Path,
    data: pd.DataFrame | ReadResponses,
    *,
    id_column: str | None = None,
    lazy: bool = True,
    read: ReadReport | None = None,
) -> ValidationReport:
    """Check responses against a survey and return clean data with every problem found.

    Parameters
    ----------
    survey : Survey, str or pathlib.Path
        The instrument the responses answer (or its YAML file, or a bundled instrument id).
    data : pandas.DataFrame or ReadResponses
        Responses in the raw form (one column per item id, or per the item's ``column``
        alias); ``multi_choice`` items as one column of space-separated codes (or as indicator
        columns ``{id}__{code}``). Any index (non-default and repeated labels are fine). What
        :func:`~leadership_eval.responses.read_responses` returns is taken whole: its read
        report tells validation which records the reader found broken and where each row
        stood in the file.
    id_column : str, optional
        The respondent id column used to find duplicates. Default: ``survey.respondent_id``
        when the data has that column; with neither, no duplicate check is made.
    lazy : bool, default True
        True: run every check and collect every problem in the report. False: raise
        :class:`~leadership_eval.errors.DataError` at the first check that finds an error, its
        failure cases attached (informational findings never raise).

    Returns
    -------
    ValidationReport
        ``.valid``, ``.errors`` (columns ``row, column, code, message, value, severity,
        position``), ``.data`` (clean form), ``.missing``, ``.hidden``, ``.excluded``,
        ``.summary()``, ``.raise_for_errors()``. Every input row is in ``.data`` or in
        ``.excluded``.

    Raises
    ------
    DataError
        ``data`` is not a data frame, has repeated column names or column labels of several
        levels (``multiindex``: a pandas MultiIndex; flatten them first), or ``id_column`` is
        not a column; with ``lazy=False``, at the first error.
    ArgumentError
        ``id_column`` is not text (a list, say).

    Notes
    -----
    Checks (codes in :data:`ERROR_CODES`):

    * choice and likert items: a value must be a code of the choice list (``invalid-code``);
      declared missing codes are valid and move to ``.missing``;
    * number items: a number (``wrong-type``), within ``min``/``max`` (``out-of-range``), whole
      when ``integer`` (``not-an-integer``); date items: ISO 8601 (``wrong-type``); text items:
      at most ``max_length`` characters (``too-long``); multi_choice items: every code of the
      answer in the list (``invalid-code``);
    * skip logic: each ``show_if`` is evaluated on the clean values of earlier items, so a
      declared missing code ("prefer not to say") counts as unanswered, and an answer to an
      item that was itself hidden counts as unanswered (as on ODK, whose non-relevant answers
      are blank). A substantive answer where the item is hidden is ``answered-when-hidden``;
      it is KEPT in ``.data`` and flagged in ``.hidden`` (a declared missing code such as "not
      applicable" in a hidden item is not flagged). A required item that is shown and has no
      value at all is ``missing-required`` (a declared missing code counts as an answer);
    * rows: a row with no answer to any question (ignoring the id column and other columns) is
      excluded (``empty-row``, informational); a row whose respondent id was seen on an earlier
      kept row is excluded (``duplicate-id``, an error); neither is checked further;
    * columns: an item with no column is ``missing-column`` (its clean column is all NA, and
      no ``missing-required`` is reported for it); a column that is no item is
      ``unknown-column`` (informational; kept unchanged in ``.data``).

    A value that fails a check is NA in ``.data`` and reported with the value as found.
    Text values are stripped of surrounding blanks for matching codes, and a blank string
    counts as no answer.

    In a frame of two million answers or more, float columns of choice codes (a file read
    with blank cells) are read on as many threads as there are processors (at most 8, and
    within a container's CPU quota); ``LEADERSHIP_EVAL_THREADS`` caps them (``1``: the calling
    thread only). The report is the same.

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.instruments.loader import loads_instrument
    >>> survey = loads_instrument('''
    ... kind: survey
    ... id: demo
    ... version: 1.0.0
    ... title: Demo
    ... respondent_id: rid
    ... choice_lists:
    ...   yn: {options: [{code: 1, label: "Yes"}, {code: 2, label: "No"}],
    ...        missing: [{code: 9, label: Prefer not to say}]}
    ... sections:
    ...   - id: s
    ...     title: S
    ...     items:
    ...       - {id: rid, type: text, text: Id}
    ...       - {id: mentor, type: choice, choices: yn, text: Met your mentor?, required: true}
    ...       - {id: meetings, type: number, text: How often?, min: 0, max: 50, integer: true,
    ...          show_if: "mentor == 1"}
    ... ''')
    >>> raw = pd.DataFrame({"rid": ["a", "b", "c", "c"], "mentor": [1, 2, 7, 1],
    ...                     "meetings": [3.0, 4.0, None, 2.5]})
    >>> report = validate_responses(survey, raw)
    >>> report.valid
    False
    >>> report.errors[["row", "column", "code"]]
      row   column                  code
    0   1  meetings  answered-when-hidden
    1   2    mentor          invalid-code
    2   3       rid          duplicate-id
    >>> print(report.errors.loc[1, "message"])
    7 is not a code of 'yn' (codes 1, 2; missing 9)
    >>> report.data
      rid  mentor  meetings
    0   a       1       3.0
    1   b       2       4.0
    2   c    <NA>       NaN
    >>> report.excluded["excluded_reason"].tolist()
    ['duplicate-id']
    """
    data, read = _frame_and_report(data, read)
    return _validate(survey, data, id_column=id_column, lazy=lazy, read=read)


def _frame_and_report(data: Any, read: ReadReport | None) -> tuple[pd.DataFrame, ReadReport | None]:
    """The responses' frame and read report: from a :class:`ReadResponses`, or as given."""
    import pandas as pd

    if isinstance(data, ReadResponses):
        return data.frame, read if read is not None else data.report
    if not isinstance(data, pd.DataFrame):
        raise NotATableError(
            f"responses must be a pandas DataFrame, not {type(data).__name__}", code="not-a-table"
        )
    return data, read


def _validate(
    survey: Survey | str | Path,
    data: pd.DataFrame,
    *,
    id_column: str | None = None,
    lazy: bool = True,
    compact: bool = False,
    read: ReadReport | None = None,
    for_data: bool = False,
) -> ValidationReport:
    """:func:`validate_responses`; ``compact``: the clean codes of integer choice lists in one
    byte when they fit (``Int8``), for the functions that only compute on them; ``for_data``:
    the report is read for its data, errors and stamp only (:func:`validated`), so its table
    of hidden answers has no rows when none was found (not one row of False per row kept)."""
    import pandas as pd

    survey = as_survey(survey)
    if not isinstance(data, pd.DataFrame):
        raise DataError(
            f"responses must be a pandas DataFrame, not {type(data).__name__}", code="not-a-table"
        )
    if isinstance(data.columns, pd.MultiIndex):
        raise _multiindex_error(data.columns)
    if data.columns.duplicated().any():
        repeated = sorted({str(c) for c in data.columns[data.columns.duplicated()]})
        raise DataError(
            f"repeated column names in the responses: {', '.join(repeated)}", "duplicate-column"
        )
    if id_column is not None and not isinstance(id_column, str):
        raise ArgumentError(
            "id_column must be the name of one column (a str) or None, not "
            f"{type(id_column).__name__}: {id_column!r}"
        )
    run = _Run(survey, data, lazy, compact, read)
    run.locate_columns(id_column)
    run.exclude_rows()
    run.column_findings()
    clean_cols, missing_cols, hidden = run.check_items()
    return run.report(clean_cols, missing_cols, hidden, for_data)


def _multiindex_error(columns: pd.MultiIndex) -> DataError:
    """The error for responses whose column labels have several levels."""
    first = ", ".join(repr(c) for c in list(columns[:3]))
    return DataError(
        f"the responses' columns have {columns.nlevels} levels of labels (a pandas MultiIndex: "
        f"{first}{', ...' if len(columns) > 3 else ''}); the columns must be one level of "
        "names, one per item: flatten them first, e.g. data.columns = "
        "data.columns.get_level_values(0), or data.columns = ['_'.join(map(str, c)) for c in "
        "data.columns]",
        code="multiindex",
    )


def _int_codes(survey: Survey, item: Item) -> ChoiceList | None:
    """The code list of a single-choice item whose codes are all integers (else None)."""
    choice = survey.choices_for(item)
    if item.type not in ("likert", "choice") or choice is None or not _all_int(choice):
        return None
    return choice


def _prepare_columns(
    tasks: list[tuple[str, pd.Series, bool, ChoiceList | None]],
) -> dict[str, _Column]:
    """Each item's column prepared (``(item id, column, factorise, integer codes)``), in the
    order given. The float columns of integer codes of a large frame are prepared on as many
    threads as there are processors: their work is numpy's, which runs without the
    interpreter's lock, and each column's is its own."""
    import numpy as np

    out: dict[str, _Column] = {}
    numeric = [
        t for t in tasks if t[3] is not None and _fits_a_byte(t[3]) and t[1].dtype == np.float64
    ]
    n = len(numeric[0][1]) if numeric else 0
    # their clean bytes and masks, each kind in one block: one large allocation is set up in
    # far less time than a column's each (its memory comes in huge pages where the system
    # gives them)
    values = np.empty((len(numeric), n), dtype=np.int8)
    masks = np.empty((len(numeric), n), dtype=bool)
    threaded = len(numeric) > 1 and uses_threads(n * len(numeric))
    block = _FLOAT_BLOCK_THREADED if threaded else _FLOAT_BLOCK
    done = map_threaded(
        lambda i: _Column.prepare(
            numeric[i][1], numeric[i][2], numeric[i][3], (values[i], masks[i]), block
        ),
        range(len(numeric)),
        n * len(numeric),
    )
    ready = {t[0]: col for t, col in zip(numeric, done, strict=True)}
    for item_id, series, factorise, choice in tasks:
        col = ready.get(item_id)
        out[item_id] = col if col is not None else _Column.prepare(series, factorise, choice)
    return out


class _Run:
    """One validation: the state its passes share (rows excluded, columns prepared, problems)."""

    def __init__(
        self,
        survey: Survey,
        data: pd.DataFrame,
        lazy: bool,
        compact: bool,
        read: ReadReport | None,
    ) -> None:
        import numpy as np

        self.survey, self.data, self.compact = survey, data, compact
        self.questions = survey.questions
        self.n = n = len(data)
        self.err = _Errors(data.index, lazy, survey.id)
        self.read = read
        # records the file's reader found broken (ragged, truncated, an unterminated quote)
        self.read_bad = np.zeros(n, dtype=bool)
        self.read_code: dict[int, str] = {}  # the reader's code for each of those records
        self.cell_problems: list[tuple[int, dict[str, Any]]] = []
        self._read_problems()
        self.source_of: dict[str, str] = {}  # item id -> data column
        self.indicator_cols: dict[str, list[str]] = {}
        self.used: set[Any] = set()
        self.id_column: str | None = None
        self.id_item: str | None = None
        self.prepared: dict[str, _Column] = {}
        self.unknown: list[Any] = []

    def _read_problems(self) -> None:
        """The reader's problems: broken records excluded at once, cell problems kept."""
        import numpy as np

        read, err = self.read, self.err
        if read is None or not read.problems:
            return
        at = _label_positions(self.data.index, [p["row"] for p in read.problems])
        for problem, pos in zip(read.problems, at, strict=True):
            if pos < 0:
                continue
            if problem["code"] not in ROW_CODES:
                self.cell_problems.append((int(pos), problem))
            elif not self.read_bad[pos]:
                self.read_bad[pos] = True
                self.read_code[int(pos)] = problem["code"]
                err.add(
                    np.array([pos]),
                    "*",
                    problem["code"],
                    problem["message"] + "; row excluded",
                    [problem.get("value")],
                )

    def locate_columns(self, id_column: str | None) -> None:
        """Which column holds each item (its id, its alias, or indicator columns)."""
        data, survey = self.data, self.survey
        for item in self.questions:
            if item.id in data.columns:
                self.source_of[item.id] = item.id
            elif item.column is not None and item.column in data.columns:
                self.source_of[item.id] = item.column
            elif item.type == "multi_choice":
                cols = _indicator_layout(data, item, survey.choices_for(item))
                if cols:
                    self.indicator_cols[item.id] = cols
        self.used = set(self.source_of.values()) | {
            c for cols in self.indicator_cols.values() for c in cols
        }
        if id_column is None and survey.respondent_id:
            rid = survey.respondent_id
            id_column = self.source_of.get(rid) or (rid if rid in data.columns else None)
        if id_column is not None and id_column not in data.columns:
            raise DataError(
                f"id_column {id_column!r} is not a column of the responses", "missing-column"
            )
        self.id_column = id_column
        self.id_item = next((i for i, c in self.source_of.items() if c == id_column), None)

    def _column_of(self, item_id: str) -> pd.Series:
        if item_id in self.indicator_cols:
            return _from_indicators(self.data, self.indicator_cols[item_id], item_id)
        return self.data[self.source_of[item_id]]

    def exclude_rows(self) -> None:
        """Prepare each column once; leave out empty rows, repeated ids and broken records."""
        import numpy as np

        n, id_item, read_bad = self.n, self.id_item, self.read_bad
        answered_any = np.zeros(n, dtype=bool)
        tasks = [
            (
                item.id,
                self._column_of(item.id),
                # respondent ids are distinct: factorising them would not pay
                item.id != id_item or item.type != "text",
                _int_codes(self.survey, item),
            )
            for item in self.questions
            if item.id in self.source_of or item.id in self.indicator_cols
        ]
        self.prepared = _prepare_columns(tasks)
        blank = None  # rows blank in every column of codes read as bytes
        for item_id, col in self.prepared.items():
            if item_id == id_item:
                continue
            coded = col.byte_codes
            if col.present_mask is None and coded is not None and coded.others == 0:
                # its answers are all codes: it is blank where its clean column is NA
                if blank is None:
                    blank = coded.not_code.copy()
                else:
                    blank &= coded.not_code
            else:
                answered_any |= col.present
        if blank is not None:
            answered_any |= ~blank
        has_questions = any(i.id != id_item for i in self.questions if i.id in self.prepared)
        self.empty = (~answered_any if has_questions else np.zeros(n, dtype=bool)) & ~read_bad
        self.dup = np.zeros(n, dtype=bool)
        if self.id_column is not None:
            id_col = (
                self.prepared[id_item]
                if id_item is not None
                else _Column.prepare(self.data[self.id_column], factorise=False)
            )
            candidates = np.flatnonzero(~self.empty & ~read_bad & id_col.present)
            self.dup[candidates[_repeated(id_col, candidates)]] = True
        self._report_excluded()
        self.excluded_mask = excluded_mask = self.empty | self.dup | read_bad
        self.all_kept = not excluded_mask.any()
        # the positions of the rows kept, made only when some are not
        keep_pos = None if self.all_kept else np.flatnonzero(~excluded_mask)
        self.keep_pos = keep_pos
        self.n_kept = n if keep_pos is None else len(keep_pos)
        self.out_index = self.data.index if keep_pos is None else self.data.index[keep_pos]
        # the checks read every row; the clean values of the rows kept are copied out once, and
        # problems in the rows excluded are not reported
        self.keep = None if self.all_kept else _Kept(excluded_mask)
        if not self.all_kept:
            self.err.live = ~excluded_mask

    def _report_excluded(self) -> None:
        import numpy as np

        err = self.err
        if self.empty.any():
            idx = np.flatnonzero(self.empty)
            err.add(
                idx, "*", "empty-row", "no answer to any question; row excluded", [None] * len(idx)
            )
        if self.dup.any():
            idx = np.flatnonzero(self.dup)
            vals = self.data[self.id_column].iloc[idx]
            err.add(
                idx,
                str(self.id_column),
                "duplicate-id",
                _with_value(vals, "respondent id {value} is on an earlier row; row excluded"),
                vals,
            )
        excluded = self.empty | self.dup | self.read_bad
        for pos, problem in self.cell_problems:
            if excluded[pos]:
                continue
            column = str(problem.get("column") or "*")
            column = self.read.renamed.get(column, column) if self.read is not None else column
            err.add(
                np.array([pos]), column, problem["code"], problem["message"], [problem.get("value")]
            )

    def column_findings(self) -> None:
        """Items with no column; columns that are no item (kept, or clashing)."""
        survey, err = self.survey, self.err
        for item in self.questions:
            if item.id not in self.prepared:
                err.column_level(
                    item.column_name,
                    "missing-column",
                    f"no column for item {item.id!r}"
                    + (f" (alias {item.column!r})" if item.column else ""),
                )
        self.unknown = [c for c in self.data.columns if c not in self.used and c != self.id_column]
        platform = set(self.read.metadata_columns) if self.read is not None else set()
        clean_names = {str(self.id_column)} if self.id_column is not None else set()
        for item in self.questions:
            choice = survey.choices_for(item)
            if item.type == "multi_choice" and choice is not None:
                clean_names.update(f"{item.id}__{c}" for c in choice.codes)
            else:
                clean_names.add(item.id)
        for col in self.unknown:
            if str(col) in clean_names:  # e.g. a stray "item__code" beside the item's own column
                what = f"column {col!r} clashes with a column of the clean data; left out of .data"
            elif col in platform or _is_platform_column(str(col)):
                what = f"column {col!r} is survey-platform bookkeeping, no item; kept"
            else:
                what = f"column {col!r} is no item of survey {survey.id!r}; kept"
            err.column_level(str(col), "unknown-column", what)

    def _check_one(
        self, item: Item, want: bool
    ) -> tuple[_Clean, pd.Series | None, Callable[[], np.ndarray]]:
        """One item's values checked: its clean form, its raw column and where it is answered
        (a function that gives it: only skip logic and required items need it)."""
        import numpy as np

        choice = self.survey.choices_for(item)
        err, keep = self.err, self.keep
        if item.id not in self.prepared:
            m = self.n_kept
            clean = _empty_clean(item, choice, m, self.n, want)
            return clean, None, lambda: np.zeros(self.n, dtype=bool)
        col = self.prepared.pop(item.id)
        s = col.series
        if item.type in ("likert", "choice") and choice is not None:
            res = _check_codes(item, choice, col, err, keep, want, self.compact)
        elif item.type == "multi_choice" and choice is not None:
            res = _check_multi(item, choice, col, err, keep, want)
        elif item.type == "number":
            res = _check_number(item, choice, col, err, keep, want)
        elif item.type == "date":
            res = _check_date(item, col, err, keep, want)
        else:
            res = _check_text(item, col, err, keep, want)
        # (the checks never change this column's answered rows: made when first asked for)
        return res, s, lambda: col.present

    def check_items(self) -> tuple[dict[str, Any], dict[str, Any], np.ndarray | None]:
        """Item by item, in survey order: values, skip logic and required answers (and the
        answers skip logic should have hidden, None when there are none)."""
        import numpy as np

        from ..instruments.expressions import parse_expression

        questions = self.questions
        clean_cols: dict[str, Any] = {}
        missing_cols: dict[str, Any] = {}
        hidden: np.ndarray | None = None
        sources: dict[str, _Eval] = {}  # what later show_if conditions see
        expressions = {i.id: parse_expression(i.show_if) for i in questions if i.show_if}
        referenced = {name for e in expressions.values() for name in e.names}
        # the same condition over the same (already final) columns gives the same answer
        shown_cache: dict[str, np.ndarray] = {}
        for j, item in enumerate(questions):
            res, s, present = self._check_one(item, item.id in referenced)
            shown = None
            if item.show_if:
                shown = self._shown(item, expressions[item.id], sources, shown_cache)
                flagged = ~shown & present() & ~res.declared_missing
                if not self.all_kept:
                    flagged &= ~self.excluded_mask
                if flagged.any():
                    if hidden is None:
                        hidden = np.zeros((self.n_kept, len(questions)), dtype=bool, order="F")
                    hidden[:, j] = _rows(flagged, self.keep)
                    self._answered_when_hidden(item, flagged, s)
            if item.required and s is not None:
                self._missing_required(item, present(), shown)
            clean_cols.update(res.columns)
            # what later show_if conditions see: answers of hidden items count as blank
            for name, source in res.eval.items():
                hide = shown is not None and not shown.all()
                sources[name] = source.hidden_where(shown) if hide else source  # type: ignore[arg-type]
            if res.missing_codes is not None:
                missing_cols[item.id] = res.missing_codes
        return clean_cols, missing_cols, hidden

    def _shown(
        self,
        item: Item,
        expr: Any,
        sources: dict[str, _Eval],
        cache: dict[str, np.ndarray],
    ) -> np.ndarray:
        """Where the item's show_if holds (evaluated once per distinct condition)."""
        from ..instruments.expressions import ExpressionError

        names = expr.names
        wanted = {c: v for c, v in sources.items() if c in names or c.split("__")[0] in names}
        item_types = {i.id: i.type for i in self.questions}
        try:
            text = str(expr)
            if text not in cache:
                cache[text] = _evaluate_grouped(expr, wanted, self.n, item_types)
            return cache[text]
        except ExpressionError as exc:
            raise DataError(
                f"show_if of item {item.id!r} ({item.show_if!r}) cannot be evaluated: {exc}",
                code="show-if",
            ) from exc

    def _answered_when_hidden(self, item: Item, flagged: np.ndarray, s: Any) -> None:
        import numpy as np

        idx = np.flatnonzero(flagged)
        vals = s.iloc[idx] if s is not None else [None] * len(idx)
        self.err.add(
            idx,
            item.id,
            "answered-when-hidden",
            f"answered, but show_if ({item.show_if}) should have hidden it",
            vals,
        )

    def _missing_required(self, item: Item, present: np.ndarray, shown: Any) -> None:
        import numpy as np

        need = ~present if shown is None else (shown & ~present)
        if need.any():
            idx = np.flatnonzero(need)
            self.err.add(
                idx,
                item.id,
                "missing-required",
                "required, shown and not answered"
                if shown is not None
                else "required and not answered",
                [None] * len(idx),
            )

    def _clean_frame(self, clean_cols: dict[str, Any]) -> pd.DataFrame:
        """The clean data: the id, the items in survey order, then the other columns kept."""
        import pandas as pd

        data, keep_pos, all_kept, out_index = (
            self.data,
            self.keep_pos,
            self.all_kept,
            self.out_index,
        )
        data_cols: dict[str, Any] = {}
        if self.id_column is not None and self.id_item is None:
            id_series = data[self.id_column]
            data_cols[str(self.id_column)] = id_series if all_kept else id_series.iloc[keep_pos]
        if self.id_item is not None:
            data_cols[self.id_item] = clean_cols.pop(self.id_item)
        data_cols.update(clean_cols)
        for col in self.unknown:
            if str(col) in data_cols:  # reported above as clashing
                continue
            series = data[col]
            data_cols[str(col)] = series if all_kept else series.iloc[keep_pos]
        for name, val in list(data_cols.items()):
            if isinstance(val, pd.Series):
                data_cols[name] = (
                    val.set_axis(out_index) if not val.index.equals(out_index) else val
                )
        return pd.DataFrame(data_cols, index=out_index, copy=False)

    def _excluded_frame(self) -> pd.DataFrame:
        """The rows left out, each with its reason first."""
        import numpy as np
        import pandas as pd

        data = self.data
        if self.all_kept:
            excluded = data.iloc[0:0].copy()
            reasons = pd.Series([], dtype=str)
        else:
            ex_pos = np.flatnonzero(self.excluded_mask)
            excluded = data.iloc[ex_pos].copy()
            why = np.where(self.dup[ex_pos], "duplicate-id", "empty-row").astype(object)
            if self.read_code:  # the broken records (all excluded) carry the reader's code
                broken = np.fromiter(self.read_code, dtype=np.int64, count=len(self.read_code))
                why[np.searchsorted(ex_pos, broken)] = list(self.read_code.values())
            reasons = pd.Series(why, dtype=str)
        excluded.insert(0, EXCLUDED_REASON, reasons.to_numpy(dtype=object))
        excluded[EXCLUDED_REASON] = excluded[EXCLUDED_REASON].astype(str)
        return excluded

    def _errors_frame(self) -> pd.DataFrame:
        """Every problem, by row and then in the order of the survey's columns."""
        import numpy as np

        errors = self.err.frame()
        if len(errors):
            order = {
                c: i
                for i, c in enumerate(
                    [*[q.column_name for q in self.questions], *map(str, self.data.columns)]
                )
            }
            rank = errors["column"].map(lambda c: order.get(c, -1)).to_numpy()
            sort_key = np.lexsort((rank, errors["position"].to_numpy()))
            errors = errors.iloc[sort_key].reset_index(drop=True)
        errors["sheet_row"] = _sheet_rows(self.read, self.data.index, errors["position"].to_numpy())
        return errors

    def report(
        self,
        clean_cols: dict[str, Any],
        missing_cols: dict[str, Any],
        hidden: np.ndarray | None,
        for_data: bool = False,
    ) -> ValidationReport:
        import numpy as np
        import pandas as pd

        clean = self._clean_frame(clean_cols)
        out_index = hidden_index = self.out_index
        if hidden is None:  # nothing hidden: a row of False for each row kept, when it is read
            if for_data:
                hidden_index = out_index[:0]
            hidden = np.zeros((len(hidden_index), len(self.questions)), dtype=bool, order="F")
        report = ValidationReport(
            survey_id=self.survey.id,
            data=clean,
            errors=self._errors_frame(),
            missing=pd.DataFrame(missing_cols, index=out_index, copy=False),
            hidden=pd.DataFrame(
                hidden, index=hidden_index, columns=[i.id for i in self.questions], copy=False
            ),
            excluded=self._excluded_frame(),
            n_rows=self.n,
            id_column=None if self.id_column is None else str(self.id_column),
            read_report=self.read,
            survey_version=self.survey.version,
        )
        put_stamp(clean, stamp_of(report))
        return report


def _label_positions(index: pd.Index, labels: list[Any]) -> np.ndarray:
    """Positions of index labels (-1 for a label not in the index, or a repeated index)."""
    import numpy as np

    if not index.is_unique:
        return np.full(len(labels), -1, dtype=np.int64)
    return np.asarray(index.get_indexer(labels), dtype=np.int64)


def _sheet_rows(read: ReadReport | None, index: pd.Index, positions: np.ndarray) -> Any:
    """The spreadsheet row of each error (NA for column-level errors and data from no file)."""
    import numpy as np
    import pandas as pd

    out = np.zeros(len(positions), dtype=np.int64)
    known = np.zeros(len(positions), dtype=bool)
    rows = read.sheet_rows if read is not None else None
    if rows is not None and len(rows) and pd.api.types.is_integer_dtype(index.dtype):
        table = np.asarray(rows, dtype=np.int64)
        ok = positions >= 0
        labels = np.zeros(len(positions), dtype=np.int64)
        labels[ok] = index.to_numpy()[positions[ok]]
        ok &= (labels >= 0) & (labels < len(table))
        out[ok] = table[labels[ok]]
        known = ok
    return pd.arrays.IntegerArray(out, ~known)
