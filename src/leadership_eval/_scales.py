"""A survey's scales as arrays: the one home of the scale matrix shared by scoring and reliability.

Each scale becomes one 2-D float array (respondents x items, ``NaN`` where there is no usable
answer), or, when every item holds integer codes, one answer pattern per respondent (scores and
pairwise sums computed once per distinct pattern). :mod:`~leadership_eval.scoring` and
:mod:`~leadership_eval.scale_reliability` both read scales through these functions.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from ._threads import map_threaded, uses_threads, worker_count
from .errors import ArgumentError, ConfigurationError, DataError
from .instruments.models import ChoiceList, Item, Scale, Survey

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd


_MAX_SHOWN = 10  # failure cases quoted in an error message


def select_scales(survey: Survey, scales: str | Iterable[str] | None) -> list[Scale]:
    """The scales named by ``scales`` (a scale id, a list of them, or None for all)."""
    if scales is None:
        chosen = list(survey.scales)
    else:
        if not isinstance(scales, str | Iterable) or isinstance(scales, bytes):
            raise ArgumentError(
                "scales must be a scale id (str), a list of scale ids or None (all), not "
                f"{type(scales).__name__}: {scales!r}; the survey's scales are: "
                f"{', '.join(s.id for s in survey.scales) or '(none)'}"
            )
        ids = [scales] if isinstance(scales, str) else list(scales)
        known = {s.id: s for s in survey.scales}
        unknown = [s for s in ids if s not in known]
        if unknown:
            raise ConfigurationError(
                f"survey {survey.id!r} has no scale {', '.join(map(repr, unknown))}; its scales"
                f" are: {', '.join(known) or '(none)'}",
                code="unknown-scale",
            )
        chosen = [known[s] for s in ids]
    return chosen


def column_of(data: pd.DataFrame, item: Item) -> pd.Series:
    """The column holding ``item``: its id, or its ``column`` alias."""
    for name in (item.id, item.column):
        if name is not None and name in data.columns:
            col = data[name]
            if not hasattr(col, "dtype"):  # duplicated column label -> a DataFrame
                raise DataError(
                    f"the data has more than one column named {name!r}", code="duplicate-column"
                )
            return col
    also = f" (or {item.column!r})" if item.column and item.column != item.id else ""
    raise DataError(
        f"the data has no column {item.id!r}{also} for item {item.id!r}", code="missing-column"
    )


def failure(
    data: pd.DataFrame, column: str, mask: np.ndarray, values: Any, what: str, code: str
) -> DataError:
    import numpy as np
    import pandas as pd

    rows = np.flatnonzero(mask)
    vals = np.asarray(values, dtype=object)[rows]
    cases = pd.DataFrame(
        {"row": data.index[rows], "column": column, "value": vals},
    )
    shown = ", ".join(
        f"row {r!r}: {v!r}" for r, v in zip(cases["row"][:_MAX_SHOWN], vals, strict=False)
    )
    more = f" and {len(rows) - _MAX_SHOWN} more" if len(rows) > _MAX_SHOWN else ""
    return DataError(
        f"column {column!r}: {len(rows)} value{'s' if len(rows) != 1 else ''} {what} ({shown}{more})",
        code=code,
        failure_cases=cases,
    )


def _code_range(survey: Survey, item: Item, scale_id: str | None = None) -> tuple[float, float]:
    """The lowest and highest scored value of an item (list codes, or the number's min/max)."""
    cl = survey.choices_for(item)
    if cl is not None:
        if not cl.numeric:
            raise ConfigurationError(
                f"item {item.id!r} cannot be scored: its choice list {item.choices!r} has codes "
                "that are not whole numbers",
                code="unscorable-item",
            )
        return cl.score_range()
    if item.type == "number":
        if item.min is None or item.max is None:
            where = f" in scale {scale_id!r}" if scale_id else ""
            raise ConfigurationError(
                f"number item {item.id!r}{where} needs both min and max to be reverse keyed or "
                "transformed",
                code="missing-range",
            )
        return float(item.min), float(item.max)
    raise ConfigurationError(
        f"item {item.id!r} cannot be scored: it is a {item.type} item", code="unscorable-item"
    )


def _item_values(data: pd.DataFrame, survey: Survey, item: Item) -> np.ndarray:
    """An item's answers as floats: NaN for blanks and declared missing codes.

    Raises DataError for values that are neither numbers nor declared missing codes, and for
    codes that are not in the item's choice list (or numbers outside the item's min/max).
    """
    import numpy as np
    import pandas as pd
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    col = column_of(data, item)
    name = str(col.name)
    cl: ChoiceList | None = survey.choices_for(item)
    missing = cl.missing_codes if cl is not None else []
    num_missing = [
        float(c) for c in missing if isinstance(c, int | float) and not isinstance(c, bool)
    ]
    str_missing = {str(c) for c in missing}

    if is_numeric_dtype(col.dtype) and not is_bool_dtype(col.dtype):
        if isinstance(col.dtype, np.dtype):
            x = col.to_numpy(dtype=np.float64, copy=True)  # never a view of the caller's data
        else:
            # nullable Int64 etc.: astype maps NA to NaN, much faster than to_numpy(na_value=)
            x = np.asarray(col.astype("float64"), dtype=np.float64)
            if not x.flags.writeable:
                x = x.copy()
    else:
        text = col.astype("string").str.strip()
        blank = text.isna() | (text == "")
        declared = text.isin(str_missing).fillna(False) if str_missing else blank & False
        keep = ~(blank | declared)
        num = pd.to_numeric(text.where(keep), errors="coerce")
        bad = (keep & num.isna()).to_numpy(dtype=bool)
        if bad.any():
            raise failure(
                data, name, bad, col.to_numpy(dtype=object), "are not numbers", "not-numeric"
            )
        x = num.to_numpy(dtype="float64", na_value=np.nan)
    if num_missing:
        for code in num_missing:
            x[x == code] = np.nan
    present = ~np.isnan(x)
    if cl is not None:
        codes = np.asarray([float(c) for c in cl.codes if isinstance(c, int)], dtype=float)
        lo_code, hi_code = codes.min(), codes.max()
        if len(codes) == hi_code - lo_code + 1:  # consecutive whole numbers: a range check
            with np.errstate(invalid="ignore"):
                bad = (x < lo_code) | (x > hi_code) | (np.floor(x) != x)
            bad &= present
        else:
            bad = present & ~np.isin(x, codes)
        if bad.any():
            listed = ", ".join(str(c) for c in cl.all_codes)
            raise failure(
                data,
                name,
                bad,
                x,
                f"not codes of choice list {item.choices!r} ({listed})",
                "invalid-code",
            )
    else:
        lo = -np.inf if item.min is None else item.min
        hi = np.inf if item.max is None else item.max
        bad = present & ((x < lo) | (x > hi))
        if bad.any():
            raise failure(
                data,
                name,
                bad,
                x,
                f"outside the item's range {item.min}..{item.max}",
                "out-of-range",
            )
    return x


def scale_matrix(
    survey: Survey, data: pd.DataFrame, scale: Scale
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The keyed answers of a scale (n x k floats, NaN = no usable answer) and item ranges."""
    import numpy as np

    k = len(scale.items)
    X = np.empty((len(data), k), dtype=np.float64, order="F")
    lo = np.full(k, np.nan)
    hi = np.full(k, np.nan)
    reverse = set(scale.reverse)
    for j, item_id in enumerate(scale.items):
        try:
            item = survey.item(item_id)
        except KeyError:
            raise ConfigurationError(
                f"scale {scale.id!r} lists item {item_id!r}, which the survey does not have",
                code="unknown-scale-item",
            ) from None
        x = _item_values(data, survey, item)
        if item_id in reverse or item.choices is not None:
            lo[j], hi[j] = _code_range(survey, item, scale.id)
        elif item.min is not None and item.max is not None:
            lo[j], hi[j] = item.min, item.max
        if item_id in reverse:
            x = reverse_key(x, lo[j], hi[j])
        X[:, j] = x
    return X, lo, hi


_USE_CODES = True  # the tests turn it off to compare the code path with the float path


_MAX_PATTERNS = 1 << 20


@dataclass
class _Patterns:
    """The answers to a scale's items as one integer per respondent: the answer pattern.

    Each item's answer is a *state* (0: no usable answer; 1..L: the position of the code in
    the item's list), and the pattern is the number whose digits, in the mixed radix of the
    items' L + 1 states, are those states. A scale of five 6-point items has 7**5 = 16,807
    possible patterns: everything a score or a covariance needs is a function of the
    pattern, so it is computed once per pattern (exactly, in integers) and either broadcast
    back to the respondents (scores) or weighted by how many respondents gave each pattern
    (reliability).
    """

    rows: np.ndarray  # (n,) the pattern of each respondent
    size: int  # number of possible patterns
    bases: list[int]  # the value of one state of item j in the pattern
    levels: list[int]  # states of item j (codes + 1)
    values: list[np.ndarray]  # item j: the keyed value of each state (state 0: 0)
    lo: np.ndarray  # the items' lowest and highest scored codes (as scale_matrix)
    hi: np.ndarray

    def decode(self, patterns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Answered flags (bool) and keyed values (int64, 0 where unanswered) of patterns."""
        import numpy as np

        k = len(self.bases)
        A = np.empty((len(patterns), k), dtype=bool)
        V = np.empty((len(patterns), k), dtype=np.int64)
        for j in range(k):
            state = patterns // self.bases[j] % self.levels[j]
            A[:, j] = state > 0
            V[:, j] = self.values[j][state]
        return A, V


def scale_patterns(
    survey: Survey,
    data: pd.DataFrame,
    scale: Scale,
    *,
    threads: bool = True,
    out: np.ndarray | None = None,
) -> _Patterns | None:
    """The answer patterns of a scale whose items are integer-coded choice items held in
    integer columns (the clean form), or None (then :func:`scale_matrix` is used: it also
    reports any value that is not a code). ``threads``: the rows of a large frame may be
    shared out between threads (False when the caller runs scales side by side); ``out``:
    an int32 array, one per row, to write the patterns into."""
    import numpy as np
    import pandas as pd

    if not _USE_CODES:
        return None
    k = len(scale.items)
    reverse = set(scale.reverse)
    lo, hi = np.full(k, np.nan), np.full(k, np.nan)
    bases: list[int] = []
    levels: list[int] = []
    values: list[np.ndarray] = []
    size = 1
    # per item: its table of shares, its values, their shift into the table, its NA mask
    sources: list[tuple[np.ndarray, np.ndarray, int, np.ndarray | None]] = []
    for j, item_id in enumerate(scale.items):
        try:
            item = survey.item(item_id)
        except KeyError:
            return None
        cl = survey.choices_for(item)
        if cl is None or not cl.numeric:
            return None
        missing = [c for c in cl.missing_codes if isinstance(c, int) and not isinstance(c, bool)]
        if not all(isinstance(c, int) for c in cl.missing_codes):
            return None
        codes = [int(c) for c in cl.codes]  # type: ignore[call-overload]
        if not codes:
            return None
        try:
            col = column_of(data, item)
        except DataError:
            return None
        if not pd.api.types.is_integer_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
            return None
        first, last = min(codes + missing), max(codes + missing)
        if last - first > 100_000:
            return None
        bases.append(size)
        levels.append(len(codes) + 1)
        size *= len(codes) + 1
        if size > _MAX_PATTERNS:
            return None
        lo[j], hi[j] = min(codes), max(codes)
        keyed = np.asarray(codes, dtype=np.int64)
        if item_id in reverse:
            keyed = (min(codes) + max(codes)) - keyed
        values.append(np.concatenate([[0], keyed]))
        # a table from each value to its state's share of the pattern: -1 for a value that is
        # no code (the table's two ends, where clipping puts every value beyond them), 0 for a
        # declared missing code
        shift = first - 1
        table = np.full(last - shift + 2, -1, dtype=np.int32)  # patterns < 2**31
        table[np.asarray(missing, dtype=np.int64) - shift] = 0
        table[np.asarray(codes, dtype=np.int64) - shift] = np.arange(1, len(codes) + 1) * bases[-1]
        arr = col.array
        buf, mask = getattr(arr, "_data", None), getattr(arr, "_mask", None)
        if not isinstance(buf, np.ndarray):
            buf, mask = np.asarray(arr), None
        if buf.dtype.kind == "u" and buf.dtype.itemsize == 8:
            return None
        if buf.dtype == np.int8:
            # one-byte codes (the form score and reliability validate to): a table over every
            # byte, so no value is widened to 64 bits first
            byte_value = np.arange(-128, 128)
            inside = (byte_value >= first) & (byte_value <= last)
            by_byte = np.full(256, -1, dtype=np.int32)
            by_byte[byte_value[inside] & 0xFF] = table[byte_value[inside] - shift]
            sources.append((by_byte, buf.view(np.uint8), 0, mask))
        else:
            sources.append((table, buf, shift, mask))
    if not sources:
        return None
    rows = _pattern_rows(sources, len(data), threads, out)
    if rows is None:
        return None  # values that are no codes: scale_matrix reports them
    return _Patterns(rows, size, bases, levels, values, lo, hi)


#: rows per block when patterns are summed: a block's shares and running sums stay in cache
_BLOCK = 1 << 17


def _pattern_rows(
    sources: list[tuple[np.ndarray, np.ndarray, int, np.ndarray | None]],
    n: int,
    threads: bool = True,
    out: np.ndarray | None = None,
) -> np.ndarray | None:
    """Each row's pattern: the sum over items of ``table[value - shift]`` (0 where the item's
    mask is set), or None if some value maps to -1 (no code). Summed a block of rows at a time,
    so each item's shares are written into one small buffer, not a new column; the blocks of
    a large frame are shared out between threads."""
    import numpy as np

    rows = np.empty(n, dtype=np.int32) if out is None else out
    masks = [m if m is not None and m.any() else None for _, _, _, m in sources]
    values = n * len(sources)
    parts = worker_count() if threads and uses_threads(values) else 1
    blocks = -(-n // _BLOCK)
    cuts = [min(n, _BLOCK * (blocks * i // parts)) for i in range(parts + 1)]
    ranges = [(a, b) for a, b in itertools.pairwise(cuts) if b > a]
    ok = map_threaded(lambda r: _pattern_range(sources, masks, rows, *r), ranges, values)
    return rows if all(ok) else None


def _pattern_range(
    sources: list[tuple[np.ndarray, np.ndarray, int, np.ndarray | None]],
    masks: list[np.ndarray | None],
    rows: np.ndarray,
    first: int,
    end: int,
) -> bool:
    """:func:`_pattern_rows` for the rows ``first:end``, written into ``rows``; False if some
    value maps to -1."""
    import numpy as np

    share = np.empty(min(end - first, _BLOCK), dtype=np.int32)
    index: np.ndarray | None = None
    for start in range(first, end, _BLOCK):
        stop = min(end, start + _BLOCK)
        acc = rows[start:stop]
        part = share[: stop - start]
        for j, ((table, values, shift, _), mask) in enumerate(zip(sources, masks, strict=True)):
            block = values[start:stop]
            if shift or (block.dtype.itemsize > 1 and block.dtype != np.int64):
                if index is None:
                    index = np.empty(len(share), dtype=np.int64)
                idx = index[: stop - start]
                np.copyto(idx, block, casting="unsafe")  # widened first: no unsigned wrap-around
                if shift:
                    idx -= shift
                block = idx
            # (a take into ``out`` is buffered unless it may clip: the tables' ends are -1)
            np.take(table, block, out=part, mode="clip")
            if mask is not None:
                np.copyto(part, 0, where=mask[start:stop])
            if part.min() < 0:
                return False
            if j == 0:
                acc[:] = part
            else:
                acc += part
    return True


@dataclass
class _Sums:
    """Exact pairwise sums of a scale's keyed answers: ``N[i, j]`` respondents answering both
    items, ``S[i, j]`` the sum of item i over them, ``Q[i, j]`` the sum of the products."""

    N: np.ndarray
    S: np.ndarray
    Q: np.ndarray
    n: int  # respondents used (pairwise: answering any item; complete: answering all)

    def cov(self) -> np.ndarray:
        """The pairwise-complete covariances (R's ``cov(x, use = "pairwise")``), each the
        correctly rounded value of the exact ratio ``(N Q - S S') / (N (N - 1))``."""
        import numpy as np

        k = self.N.shape[0]
        C = np.full((k, k), np.nan)
        N, S, Q = self.N.tolist(), self.S.tolist(), self.Q.tolist()
        for i in range(k):
            for j in range(k):
                n = N[i][j]
                if n >= 2:
                    C[i, j] = (n * Q[i][j] - S[i][j] * S[j][i]) / (n * (n - 1))
        return C

    def means(self) -> np.ndarray:
        """Each item's mean over the respondents answering it (correctly rounded)."""
        import numpy as np

        pairs = zip(np.diag(self.S).tolist(), np.diag(self.N).tolist(), strict=True)
        return np.array([s / n if n else float("nan") for s, n in pairs], dtype=np.float64)


def pattern_sums(patterns: _Patterns, use: str) -> _Sums:
    """Pairwise sums from the counts of each pattern (one pass over the respondents)."""
    import numpy as np

    counts = np.bincount(patterns.rows, minlength=patterns.size)
    seen = np.flatnonzero(counts)
    A, V = patterns.decode(seen)
    w = counts[seen]
    if use == "complete":
        full = A.all(axis=1)
        A, V, w = A[full], V[full], w[full]
        n = int(w.sum())
    else:
        n = int(w[A.any(axis=1)].sum())
    Aw = A.T * w  # (k, patterns)
    Vw = V.T * w
    return _Sums(Aw @ A.astype(np.int64), Vw @ A.astype(np.int64), Vw @ V, n)


_T = TypeVar("_T")


def reverse_key(values: _T, low: float, high: float) -> _T:
    """Reverse-key answers on a scale from ``low`` to ``high``: ``(low + high) - x``.

    Parameters
    ----------
    values : scalar, numpy array or pandas Series/DataFrame
        Answers (missing values stay missing), as numbers. A list is not taken (pass
        ``numpy.asarray(values)``).
    low, high : float
        The lowest and highest scored codes of the item's list (see
        :meth:`~leadership_eval.instruments.models.ChoiceList.score_range`).

    Returns
    -------
    Same type as ``values``
        The reversed answers; reversing twice gives the answers back.

    Raises
    ------
    ArgumentError
        ``values`` is None, text, a list or another type that holds no numbers; ``low`` or
        ``high`` is no number.
    DataError
        ``not-numeric``: an array, Series or DataFrame of text or categories (convert the
        codes to numbers first, e.g. ``pandas.to_numeric``).
    ConfigurationError
        ``invalid-range``: ``low`` or ``high`` not finite, or ``low > high``.

    Examples
    --------
    >>> reverse_key(2, 1, 5)
    4
    >>> import numpy as np
    >>> reverse_key(np.array([1.0, 5.0, np.nan]), 1, 5)
    array([ 5.,  1., nan])
    """
    for name, bound in (("low", low), ("high", high)):
        if not isinstance(bound, numbers.Real) or isinstance(bound, bool):
            raise ArgumentError(
                f"reverse_key: {name} must be a number, not {type(bound).__name__}: {bound!r}"
            )
    if not math.isfinite(low) or not math.isfinite(high) or low > high:
        raise ConfigurationError(
            f"reverse keying needs finite low <= high; found low={low}, high={high}",
            code="invalid-range",
        )
    if not isinstance(values, numbers.Number) or isinstance(values, bool):
        _check_reverse_values(values)
    try:
        return (low + high) - values  # type: ignore[operator,no-any-return,return-value]
    except TypeError as exc:  # an object column holding text among its numbers
        raise DataError(
            f"reverse_key: the values are not all numbers ({_describe(values)}): {exc}",
            code="not-numeric",
        ) from exc


def _describe(values: Any) -> str:
    """``"Series of dtype str"``, ``"a DataFrame with dtypes a: str, b: int64"``,
    ``"list: [1, 2]"``: what ``values`` is, for an error message."""
    dtypes = getattr(values, "dtypes", None)
    if dtypes is not None and hasattr(dtypes, "items"):  # a DataFrame
        shown = ", ".join(f"{c}: {t}" for c, t in list(dtypes.items())[:8])
        return f"a DataFrame with dtypes {shown}"
    dtype = getattr(values, "dtype", None)
    if dtype is not None:
        return f"{type(values).__name__} of dtype {dtype}"
    return f"{type(values).__name__}: {values!r}"[:200]


def _check_reverse_values(values: Any) -> None:
    """Refuse what :func:`reverse_key` cannot reverse, naming it."""
    import numpy as np
    import pandas as pd

    if isinstance(values, np.ndarray | pd.Series | pd.DataFrame | pd.Index):
        dtypes = list(values.dtypes) if isinstance(values, pd.DataFrame) else [values.dtype]
        if any(
            isinstance(t, pd.CategoricalDtype | pd.StringDtype)
            or (isinstance(t, np.dtype) and t.kind in "USb")
            for t in dtypes
        ):
            raise DataError(
                f"reverse_key needs numbers; found {_describe(values)} (convert the codes to "
                "numbers first, e.g. pandas.to_numeric)",
                code="not-numeric",
            )
        return
    if isinstance(values, np.generic) or values is pd.NA:
        if isinstance(values, np.str_ | np.bytes_ | np.bool_):
            raise ArgumentError(f"reverse_key needs numbers; found {_describe(values)}")
        return
    hint = " (pass numpy.asarray(values))" if isinstance(values, list | tuple) else ""
    raise ArgumentError(
        "reverse_key: values must be a number, a numpy array or a pandas Series or DataFrame "
        f"of numbers, not {_describe(values)}{hint}"
    )
