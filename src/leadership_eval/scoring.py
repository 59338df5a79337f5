"""Scale scores, item summaries and reliability of survey responses.

Everything here reads a :class:`~leadership_eval.instruments.models.Survey` and a frame of
responses in either of the library's two forms ("raw", as exported and mapped to item ids, with
declared missing codes still present and multi_choice answers as space-separated codes; or
"clean", as returned by :func:`leadership_eval.responses.validate_responses`). Declared missing
codes (``9 = prefer not to say``) are never scored: they count as no answer.

The numeric work is vectorised: each scale becomes one 2-D float array (respondents x items,
``NaN`` where there is no usable answer), so a million respondents are scored in well under a
second. Reliability uses pairwise-complete covariances computed with three matrix products.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from .errors import ConfigurationError, DataError
from .instruments.loader import as_survey
from .instruments.models import ChoiceList, Item, Scale, Survey
from .responses import validated

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

__all__ = [
    "OMEGA_REASONS",
    "item_statistics",
    "item_summary",
    "one_factor_minres",
    "reliability",
    "reverse_key",
    "score",
]

Transform = Literal["none", "percent"]
_T = TypeVar("_T")

_MAX_SHOWN = 10  # failure cases quoted in an error message


# ------------------------------------------------------------------------------ helpers


def _check_frame(data: Any) -> pd.DataFrame:
    import pandas as pd

    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    return data


def _select_scales(survey: Survey, scales: str | Iterable[str] | None) -> list[Scale]:
    if scales is None:
        chosen = list(survey.scales)
    else:
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


def _column_of(data: pd.DataFrame, item: Item) -> pd.Series:
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


def _failure(
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

    col = _column_of(data, item)
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
            raise _failure(
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
            raise _failure(
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
            raise _failure(
                data,
                name,
                bad,
                x,
                f"outside the item's range {item.min}..{item.max}",
                "out-of-range",
            )
    return x


def _scale_matrix(
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
    lo: np.ndarray  # the items' lowest and highest scored codes (as _scale_matrix)
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


def _scale_patterns(survey: Survey, data: pd.DataFrame, scale: Scale) -> _Patterns | None:
    """The answer patterns of a scale whose items are integer-coded choice items held in
    integer columns (the clean form), or None (then :func:`_scale_matrix` is used: it also
    reports any value that is not a code)."""
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
    rows: np.ndarray | None = None
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
            col = _column_of(data, item)
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
        index = buf.astype(np.int64, copy=False)
        if shift:
            index = index - shift
        share = np.take(table, index, mode="clip")
        if mask is not None and mask.any():
            np.copyto(share, 0, where=mask)
        if len(share) and share.min() < 0:
            return None  # values that are no codes: _scale_matrix reports them
        if rows is None:
            rows = share
        else:
            rows += share
    if rows is None:
        return None
    return _Patterns(rows, size, bases, levels, values, lo, hi)


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


def _pattern_sums(patterns: _Patterns, use: str) -> _Sums:
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


# ------------------------------------------------------------------------------ scoring


def reverse_key(values: _T, low: float, high: float) -> _T:
    """Reverse-key answers on a scale from ``low`` to ``high``: ``(low + high) - x``.

    Parameters
    ----------
    values : scalar, numpy array or pandas Series/DataFrame
        Answers (missing values stay missing).
    low, high : float
        The lowest and highest scored codes of the item's list (see
        :meth:`~leadership_eval.instruments.models.ChoiceList.score_range`).

    Returns
    -------
    Same type as ``values``
        The reversed answers; reversing twice gives the answers back.

    Examples
    --------
    >>> reverse_key(2, 1, 5)
    4
    >>> import numpy as np
    >>> reverse_key(np.array([1.0, 5.0, np.nan]), 1, 5)
    array([ 5.,  1., nan])
    """
    if not math.isfinite(low) or not math.isfinite(high) or low > high:
        raise ConfigurationError(
            f"reverse keying needs finite low <= high; found low={low}, high={high}",
            code="invalid-range",
        )
    return (low + high) - values  # type: ignore[operator,no-any-return,return-value]


def score(
    survey: Survey | str | Path,
    data: pd.DataFrame,
    *,
    scales: str | Iterable[str] | None = None,
    transform: Transform | None = None,
) -> pd.DataFrame:
    """Score the survey's scales for every respondent.

    Parameters
    ----------
    survey : Survey, or a path or bundled id
        The instrument that defines the scales.
    data : pandas.DataFrame
        Responses in raw or clean form, one row per respondent, one column per item id (or the
        item's ``column`` alias).
    scales : str or list of str, optional
        Scale ids to score (default: all, in the survey's order).
    transform : {"none", "percent"}, optional
        Overrides every scale's own ``transform``: ``"percent"`` rescales to 0-100 (POMP).

    Returns
    -------
    pandas.DataFrame
        Same index as ``data``; one float column per scale id, NaN where the respondent
        answered fewer than the scale's ``min_answered`` items.

    Raises
    ------
    DataError
        A scale item's column is missing (``missing-column``), holds text that is not a number
        (``not-numeric``), a code not in the item's list (``invalid-code``) or a number outside
        the item's min/max (``out-of-range``); ``failure_cases`` lists the rows.
    ConfigurationError
        An unknown scale id (``unknown-scale``) or a transform that is not known.

    Notes
    -----
    For each respondent, with :math:`A` the scale's answered items (declared missing codes and
    blanks are not answers) and :math:`k` its number of items:

    * reverse-keyed items are first reversed, :math:`x' = (\\min + \\max) - x` with the lowest and
      highest scored codes of the item's list;
    * if :math:`|A|` is below the scale's ``min_answered`` (a count, or a share of :math:`k`
      rounded up; all items when not set) the score is missing;
    * ``method: mean`` gives :math:`\\bar x_A = \\sum_{i \\in A} x_i / |A|`, the mean of the
      answered items (as ``psych::scoreItems(..., totals=FALSE, impute="none")``);
    * ``method: sum`` gives the prorated sum :math:`k \\, \\bar x_A`. With every item answered it is
      the plain sum (``psych::scoreItems(..., totals=TRUE)``); with some missing it is the sum the
      respondent would have had at their own mean, which keeps sums comparable between people who
      skipped items. (psych's ``totals=TRUE, impute="none"`` instead adds only the answered items,
      which biases totals down for anyone who skipped one.)

    ``"percent"`` is the percent of maximum possible (POMP) score of Cohen et al. (1999):
    :math:`100 (s - s_{min}) / (s_{max} - s_{min})`, where :math:`s_{min}` and :math:`s_{max}` are
    the scale's lowest and highest possible scores (the mean or sum of its items' lowest and
    highest codes).

    References
    ----------
    .. [1] Revelle, W. (2025). psych: Procedures for Psychological, Psychometric, and Personality
       Research (``scoreItems``). Northwestern University, Evanston, Illinois. R package.
       https://CRAN.R-project.org/package=psych
    .. [2] Cohen, P., Cohen, J., Aiken, L. S., & West, S. G. (1999). The problem of units and the
       circumstance for POMP. Multivariate Behavioral Research, 34(3), 315-346.
       https://doi.org/10.1207/S15327906MBR3403_2

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.instruments.loader import loads_instrument
    >>> survey = loads_instrument('''
    ... kind: survey
    ... id: demo
    ... version: 1.0.0
    ... title: Demo
    ... choice_lists:
    ...   agree5:
    ...     ordered: true
    ...     options: [{code: 1, label: SD}, {code: 2, label: D}, {code: 3, label: N},
    ...               {code: 4, label: A}, {code: 5, label: SA}]
    ...     missing: [{code: 9, label: Prefer not to say}]
    ... sections:
    ...   - id: s
    ...     title: S
    ...     items:
    ...       - {id: q1, type: likert, choices: agree5, text: One}
    ...       - {id: q2, type: likert, choices: agree5, text: Two}
    ...       - {id: q3, type: likert, choices: agree5, text: Three}
    ... scales:
    ...   - {id: lead, title: Leadership, items: [q1, q2, q3], reverse: [q3], min_answered: 2}
    ... ''')
    >>> data = pd.DataFrame({"q1": [5, 4, 9], "q2": [5, None, 2], "q3": [1, 2, None]},
    ...                     dtype="Int64")
    >>> score(survey, data)
       lead
    0   5.0
    1   4.0
    2   NaN
    >>> score(survey, data, transform="percent").round(1)
        lead
    0  100.0
    1   75.0
    2    NaN
    """
    import numpy as np
    import pandas as pd

    survey = as_survey(survey)
    need = [i for sc in _select_scales(survey, scales) for i in sc.items]
    data, stamp = validated(survey, _check_frame(data), need=need, form="codes")
    if transform is not None and transform not in ("none", "percent"):
        raise ConfigurationError(
            f"transform must be 'none' or 'percent'; found {transform!r}", code="invalid-transform"
        )
    chosen = _select_scales(survey, scales)
    # one block of scores, filled a column at a time (the frame is made on it without a copy)
    out = np.empty((len(data), len(chosen)), dtype=np.float64, order="F")
    for j, scale in enumerate(chosen):
        patterns = _scale_patterns(survey, data, scale)
        if patterns is not None:
            # the score of each pattern that occurs, then broadcast to the respondents
            seen = np.flatnonzero(np.bincount(patterns.rows, minlength=patterns.size))
            A, V = patterns.decode(seen)
            lo, hi, k = patterns.lo, patterns.hi, A.shape[1]
            n_ans = A.sum(axis=1)
            total = V.sum(axis=1).astype(np.float64)
        else:
            X, lo, hi = _scale_matrix(survey, data, scale)
            k = X.shape[1]
            answered = ~np.isnan(X)
            n_ans = answered.sum(axis=1)
            total = np.where(answered, X, 0.0).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            value = total / n_ans
        value[n_ans < scale.required_answers()] = np.nan
        value[n_ans == 0] = np.nan
        s_min, s_max = float(np.mean(lo)), float(np.mean(hi))
        if scale.method == "sum":
            value = value * k
            s_min, s_max = s_min * k, s_max * k
        how = transform if transform is not None else scale.transform
        if how == "percent":
            if not (np.isfinite(s_min) and np.isfinite(s_max)) or s_max <= s_min:
                raise ConfigurationError(
                    f"scale {scale.id!r} cannot be shown as percent: its items' range is unknown"
                    " or empty (number items need min and max)",
                    code="missing-range",
                )
            value = (value - s_min) / (s_max - s_min) * 100.0
        if patterns is not None:
            table = np.empty(patterns.size)
            table[seen] = value
            np.take(table, patterns.rows, out=out[:, j])
        else:
            out[:, j] = value
    result = pd.DataFrame(out, index=data.index, columns=[s.id for s in chosen], copy=False)
    result.attrs["validation"] = stamp
    return result


# ------------------------------------------------------------------------- item summary


def _key_of(value: Any) -> str | None:
    """The code string of one distinct answer (None for a blank), whatever its type."""
    if value is None:
        return None
    if isinstance(value, float | int) and not isinstance(value, bool):
        f = float(value)
        if math.isnan(f):
            return None
        return str(int(f)) if f.is_integer() else str(f)
    text = str(value).strip()
    if not text:
        return None
    try:
        f = float(text)
    except ValueError:
        return text
    return (
        str(int(f)) if f.is_integer() and text.lstrip("+-").replace(".", "", 1).isdigit() else text
    )


def _factorize(col: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """Integer codes (-1 for NA) and the distinct values of a column (fast on any dtype)."""
    import pandas as pd

    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    return codes, list(uniques)


def _ordered_codes(cl: ChoiceList) -> list[str]:
    """Substantive codes from lowest to highest (numeric order for numeric lists)."""
    codes = list(cl.codes)
    if cl.numeric:
        codes = sorted(codes, key=float)
    return [str(c) for c in codes]


def _selections(data: pd.DataFrame, item: Item, cl: ChoiceList) -> tuple[np.ndarray, np.ndarray]:
    """An n x (codes + missing codes) 0/1 matrix of answers, and a "valid answer" flag.

    Raises DataError for answers that are not codes of the item's list.
    """
    import numpy as np

    all_codes = [str(c) for c in cl.all_codes]
    position = {c: i for i, c in enumerate(all_codes)}
    n_sub = len(cl.codes)
    n = len(data)
    if item.type == "multi_choice" and not (
        item.id in data.columns or (item.column and item.column in data.columns)
    ):
        prefix = f"{item.column_name}__"
        cols = {c: f"{prefix}{c}" for c in all_codes if f"{prefix}{c}" in data.columns}
        if not cols:
            raise DataError(
                f"the data has neither column {item.column_name!r} nor indicator columns "
                f"'{prefix}<code>' for multi_choice item {item.id!r}",
                code="missing-column",
            )
        sel = np.zeros((n, len(all_codes)), dtype=np.int64)
        answered = np.zeros(n, dtype=bool)
        for c, name in cols.items():
            v = data[name].to_numpy(dtype="float64", na_value=np.nan)
            answered |= ~np.isnan(v)
            sel[:, position[c]] = np.nan_to_num(v) > 0
        valid = answered & (sel[:, :n_sub].sum(axis=1) > 0)
        return sel, valid

    col = _column_of(data, item)
    codes, uniques = _factorize(col)
    table = np.zeros((len(uniques) + 1, len(all_codes)), dtype=np.int64)  # last row: blank
    bad = np.zeros(len(uniques) + 1, dtype=bool)
    for u, value in enumerate(uniques):
        if item.type == "multi_choice":
            keys = [] if value is None else str(value).split()
        else:
            key = _key_of(value)
            keys = [] if key is None else [key]
        for key in keys:
            if key in position:
                table[u, position[key]] = 1
            else:
                bad[u] = True
    rows = np.where(codes < 0, len(uniques), codes)
    if bad.any():
        raise _failure(
            data,
            str(col.name),
            bad[rows],
            col.to_numpy(dtype=object),
            f"are not codes of choice list {item.choices!r} ({', '.join(all_codes)})",
            "invalid-code",
        )
    sel = table[rows]
    valid = sel[:, :n_sub].sum(axis=1) > 0
    return sel, valid


def _summary_rows(
    sel: np.ndarray,
    valid: np.ndarray,
    group_codes: np.ndarray | None,
    group_values: list[Any],
    item: Item,
    cl: ChoiceList,
    language: str,
) -> pd.DataFrame:
    """Counts of one item (per group) as a tidy frame."""
    import numpy as np
    import pandas as pd

    all_codes = [str(c) for c in cl.all_codes]
    n_codes = len(all_codes)
    n_groups = len(group_values)
    if group_codes is None:
        counts_a = sel.sum(axis=0, dtype=np.int64)[None, :]
        valid_a = np.array([int(valid.sum())], dtype=np.int64)
        sizes = np.array([len(valid)], dtype=np.int64)
    else:
        counts_a = np.stack(
            [
                np.bincount(group_codes, weights=sel[:, j], minlength=n_groups)
                for j in range(n_codes)
            ],
            axis=1,
        ).astype(np.int64)
        valid_a = np.bincount(group_codes, weights=valid, minlength=n_groups).astype(np.int64)
        sizes = np.bincount(group_codes, minlength=n_groups).astype(np.int64)

    agreeing = np.full(n_groups, np.nan)
    if cl.ordered and item.type != "multi_choice" and len(cl.codes) >= 4:
        idx = [all_codes.index(c) for c in _ordered_codes(cl)[-2:]]
        with np.errstate(invalid="ignore", divide="ignore"):
            agreeing = np.where(valid_a > 0, counts_a[:, idx].sum(axis=1) / valid_a * 100.0, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(valid_a[:, None] > 0, counts_a / valid_a[:, None] * 100.0, np.nan)
    is_missing = np.arange(n_codes) >= len(cl.codes)
    pct[:, is_missing] = np.nan
    labels = [cl.label_of(c, language) for c in cl.all_codes]
    code_column = np.empty(n_codes * n_groups, dtype=object)
    code_column[:] = list(cl.all_codes) * n_groups
    out = pd.DataFrame(
        {
            "item": item.id,
            "code": code_column,
            "label": labels * n_groups,
            "missing": np.tile(is_missing, n_groups),
            "n": counts_a.reshape(-1),
            "percent": pct.reshape(-1),
            "n_valid": np.repeat(valid_a, n_codes),
            "n_missing": np.repeat(sizes - valid_a, n_codes),
            "percent_agreeing": np.repeat(agreeing, n_codes),
        }
    )
    if group_codes is not None:
        groups_column = np.empty(n_groups, dtype=object)
        groups_column[:] = group_values
        out.insert(0, "__group", np.repeat(groups_column, n_codes))
    return out


def item_summary(
    survey: Survey | str | Path,
    data: pd.DataFrame,
    by: str | None = None,
    items: str | Sequence[str] | None = None,
    *,
    language: str = "en",
) -> pd.DataFrame:
    """Answer counts and percentages of the survey's choice items, tidy.

    Parameters
    ----------
    survey : Survey, or a path or bundled id
    data : pandas.DataFrame
        Responses in raw or clean form (multi_choice as one column of space-separated codes or
        as indicator columns ``{item}__{code}``).
    by : str, optional
        A column of ``data`` (usually the survey's ``group_by`` item) to count within. Its values
        are the groups; a missing value is a group of its own (no row is dropped).
    items : str or list of str, optional
        Item ids to summarise (default: every likert, choice and multi_choice item except the
        ``by`` item).
    language : str
        Language of the option labels.

    Returns
    -------
    pandas.DataFrame
        One row per item, option and group, options in list order followed by missing codes:

        * the ``by`` column first (named as ``by``), when given;
        * ``item``, ``code`` (as in the instrument), ``label``;
        * ``missing``: True for the list's declared missing codes;
        * ``n``: respondents giving this answer (for multi_choice: selecting this option);
        * ``percent``: ``n`` as a percentage of ``n_valid`` (NA on missing-code rows);
        * ``n_valid``: respondents giving a substantive answer to the item;
        * ``n_missing``: respondents without one (blank, hidden or a declared missing code; the
          missing-code rows break it down);
        * ``percent_agreeing``: for ordered lists of at least four options, the share of valid
          answers in the top two boxes (the two highest codes), repeated on the item's rows;
          NA otherwise.

    Notes
    -----
    Percentages are of valid answers, so declared missing codes ("prefer not to say") do not
    dilute them. For a multi_choice item the options' percentages are of the respondents who
    selected at least one substantive option, and may add up to more than 100.

    Summaries are not disclosure-controlled: pass them through the library's table
    protection before publishing counts of small groups.

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.instruments.loader import loads_instrument
    >>> survey = loads_instrument('''
    ... kind: survey
    ... id: demo
    ... version: 1.0.0
    ... title: Demo
    ... choice_lists:
    ...   agree4:
    ...     ordered: true
    ...     options: [{code: 1, label: SD}, {code: 2, label: D}, {code: 3, label: A},
    ...               {code: 4, label: SA}]
    ...     missing: [{code: 9, label: Prefer not to say}]
    ... sections:
    ...   - id: s
    ...     title: S
    ...     items:
    ...       - {id: q1, type: likert, choices: agree4, text: One}
    ... ''')
    >>> data = pd.DataFrame({"q1": [4, 3, 1, 9, None]}, dtype="Int64")
    >>> item_summary(survey, data)[["code", "n", "percent", "n_valid", "percent_agreeing"]].round(1)
      code  n  percent  n_valid  percent_agreeing
    0    1  1     33.3        3              66.7
    1    2  0      0.0        3              66.7
    2    3  1     33.3        3              66.7
    3    4  1     33.3        3              66.7
    4    9  1      NaN        3              66.7
    """
    import numpy as np
    import pandas as pd

    survey = as_survey(survey)
    data, _ = validated(survey, _check_frame(data), form="raw")  # the one validation path
    if by is not None and by not in data.columns:
        raise DataError(f"the data has no column {by!r} to group by", code="missing-column")
    if items is None:
        chosen = [
            it
            for it in survey.questions
            if it.type in ("likert", "choice", "multi_choice")
            and it.choices is not None
            and it.id != by
            and it.column_name != by
        ]
    else:
        ids = [items] if isinstance(items, str) else list(items)
        chosen = []
        for item_id in ids:
            try:
                it = survey.item(item_id)
            except KeyError:
                raise ConfigurationError(
                    f"survey {survey.id!r} has no item {item_id!r}", code="unknown-item"
                ) from None
            if survey.choices_for(it) is None:
                raise ConfigurationError(
                    f"item {item_id!r} is a {it.type} item without a choice list; item_summary "
                    "counts the answers of likert, choice and multi_choice items",
                    code="unsummarisable-item",
                )
            chosen.append(it)
    group_codes = None
    group_values: list[Any] = [None]
    if by is not None:
        group_col = data[by]
        if not hasattr(group_col, "dtype"):
            raise DataError(
                f"the data has more than one column named {by!r}", code="duplicate-column"
            )
        codes, uniques = pd.factorize(group_col, sort=True, use_na_sentinel=True)
        group_values = list(uniques)
        if (codes < 0).any():  # missing group values form a group of their own, listed last
            codes = np.where(codes < 0, len(group_values), codes)
            group_values.append(None)
        group_codes = codes
    parts = []
    for it in chosen:
        cl = survey.choices_for(it)
        assert cl is not None
        sel, valid = _selections(data, it, cl)
        parts.append(_summary_rows(sel, valid, group_codes, group_values, it, cl, language))
    columns = [
        "item",
        "code",
        "label",
        "missing",
        "n",
        "percent",
        "n_valid",
        "n_missing",
        "percent_agreeing",
    ]
    if not parts:
        out = pd.DataFrame({c: [] for c in columns})
    else:
        out = pd.concat(parts, ignore_index=True)
    if by is not None:
        if "__group" not in out.columns:
            out.insert(0, "__group", [])
        out = out.rename(columns={"__group": by})
    return out


# --------------------------------------------------------------------------- reliability


def _pairwise_cov(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise-complete covariance matrix of the columns of X (NaN = missing) and pair counts.

    Matches R's ``cov(x, use = "pairwise")``: each covariance uses the rows where both items
    are answered, with means over those rows.
    """
    import numpy as np

    n, k = X.shape
    M = ~np.isnan(X)
    counts = M.sum(axis=0)
    Z = np.empty((n, 2 * k), dtype=np.float64, order="F")
    Z[:, k:] = M
    np.copyto(Z[:, :k], X)
    np.copyto(Z[:, :k], 0.0, where=~M)
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = Z[:, :k].sum(axis=0) / counts
    mu = np.where(np.isfinite(mu), mu, 0.0)
    Z[:, :k] -= mu  # centring first keeps the sums of squares small (no cancellation)
    np.copyto(Z[:, :k], 0.0, where=~M)
    G = Z.T @ Z  # one Gram matrix holds all three sums
    P, S, N = G[:k, :k], G[:k, k:], G[k:, k:]
    # S[i, j]: sum of (centred) item i over the rows where items i and j are both answered
    with np.errstate(invalid="ignore", divide="ignore"):
        C = (P - S * S.T / N) / (N - 1)
    C[N < 2] = np.nan
    return C, N


def _cov(X: np.ndarray, use: str) -> tuple[np.ndarray, int]:
    import numpy as np

    if use == "complete":
        X = X[~np.isnan(X).any(axis=1)]
        n = X.shape[0]
    else:
        n = int((~np.isnan(X)).any(axis=1).sum())
    C, _ = _pairwise_cov(X)
    return C, n


def _alpha_from_cov(C: np.ndarray) -> float:
    import numpy as np

    k = C.shape[0]
    if k < 2:
        return float("nan")
    total = C.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(k / (k - 1) * (1.0 - np.trace(C) / total))


def _cov2cor(C: np.ndarray) -> np.ndarray:
    import numpy as np

    d = np.sqrt(np.diag(C))
    with np.errstate(invalid="ignore", divide="ignore"):
        return C / np.outer(d, d)  # type: ignore[no-any-return]


def _smc(R: np.ndarray) -> np.ndarray:
    """Squared multiple correlations, 1 - 1 / diag(R^-1) (psych's ``smc``), as start values."""
    import numpy as np

    try:
        inv = np.linalg.inv(R)
        s = 1.0 - 1.0 / np.diag(inv)
    except np.linalg.LinAlgError:
        s = np.full(R.shape[0], np.nan)
    if not np.all(np.isfinite(s)) or np.any(s <= 0) or np.any(s >= 1):
        off = np.abs(R - np.diag(np.diag(R)))
        s = off.max(axis=1)
    return s  # type: ignore[no-any-return]


def one_factor_minres(R: np.ndarray, *, tol: float = 1e-12, max_iter: int = 10_000) -> np.ndarray:
    """Loadings of a one-factor minimum residual (unweighted least squares) model.

    Minimises :math:`\\sum_{i \\ne j} (r_{ij} - \\lambda_i \\lambda_j)^2` by iterated principal
    axes (communalities start at the squared multiple correlations and are replaced by
    :math:`\\lambda_i^2` until they change by less than ``tol``), whose fixed point is the minres
    solution (Harman & Jones, 1966) that ``psych::fa(r, 1, fm = "minres")`` finds by
    optimisation. Returns NaN loadings when the correlation matrix is not usable or the
    iteration does not converge.

    Examples
    --------
    >>> import numpy as np
    >>> lam = np.array([0.8, 0.7, 0.6, 0.5])
    >>> R = np.outer(lam, lam); np.fill_diagonal(R, 1.0)
    >>> one_factor_minres(R).round(6)
    array([0.8, 0.7, 0.6, 0.5])
    """
    import numpy as np

    k = R.shape[0]
    bad = np.full(k, np.nan)
    if k < 3 or not np.all(np.isfinite(R)):
        return bad
    h2 = _smc(R)
    lam = bad
    for _ in range(max_iter):
        Rr = R.copy()
        np.fill_diagonal(Rr, h2)
        w, v = np.linalg.eigh(Rr)
        top = max(float(w[-1]), 0.0)
        lam = v[:, -1] * math.sqrt(top)
        if lam.sum() < 0:
            lam = -lam
        new = lam**2
        if np.max(np.abs(new - h2)) < tol:
            return lam  # type: ignore[no-any-return]
        h2 = new
    return bad


OMEGA_REASONS = {
    "items": "fewer than three items: a one-factor model is not identified",
    "correlations": "correlations not computable (an item without variance, or a pair of "
    "items answered together by fewer than two respondents)",
    "convergence": "the one-factor model did not converge",
    "heywood": "Heywood case: a standardised loading of 1 or more",
}
"""Why ``omega_total`` is NA, by key (the texts are the ``omega_reason`` column)."""


def _omega_total(R: np.ndarray) -> tuple[float, str | None]:
    """Omega total and, when it cannot be estimated, the reason."""
    import numpy as np

    if R.shape[0] < 3:
        return float("nan"), OMEGA_REASONS["items"]
    if not np.all(np.isfinite(R)):
        return float("nan"), OMEGA_REASONS["correlations"]
    lam = one_factor_minres(R)
    if not np.all(np.isfinite(lam)):
        return float("nan"), OMEGA_REASONS["convergence"]
    if np.any(lam**2 >= 1.0):
        return float("nan"), OMEGA_REASONS["heywood"]
    u2 = 1.0 - lam**2
    return float(1.0 - u2.sum() / R.sum()), None


def _f_isf(q: float, df1: float, df2: float) -> float:
    """The upper ``q`` quantile of the F distribution: ``scipy.stats.f.isf(q, df1, df2)``,
    computed as that function does (``fdtri(df1, df2, 1 - q)``) without importing
    ``scipy.stats`` (half a second)."""
    from scipy.special import fdtri

    return float(fdtri(df1, df2, 1.0 - q))


def reliability(
    survey: Survey | str | Path,
    data: pd.DataFrame,
    *,
    scales: str | Iterable[str] | None = None,
    ci: float = 0.95,
    use: Literal["pairwise", "complete"] = "pairwise",
) -> pd.DataFrame:
    """Internal consistency of the survey's scales: Cronbach's alpha (with Feldt's interval),
    standardised alpha, McDonald's omega and the average inter-item correlation.

    Parameters
    ----------
    survey : Survey, or a path or bundled id
    data : pandas.DataFrame
        Responses in raw or clean form. Items are reverse keyed as the scale says and declared
        missing codes are treated as missing before anything is computed.
    scales : str or list of str, optional
        Scale ids (default: all).
    ci : float
        Confidence level of the interval for alpha.
    use : {"pairwise", "complete"}
        ``"pairwise"`` (default, as ``psych::alpha``) computes each covariance from the
        respondents who answered both items; ``"complete"`` keeps only respondents who answered
        every item of the scale (listwise deletion).

    Returns
    -------
    pandas.DataFrame
        Indexed by scale id (``scale``), with columns:

        * ``n``: respondents used (pairwise: those answering at least one item; complete: those
          answering all);
        * ``n_items``: items in the scale;
        * ``alpha``: Cronbach's alpha from the covariances (psych's ``raw_alpha``);
        * ``std_alpha``: alpha from the correlations (psych's ``std.alpha``);
        * ``alpha_ci_low``, ``alpha_ci_high``: Feldt's confidence interval;
        * ``omega_total``: McDonald's omega total from a one-factor model;
        * ``omega_reason``: why ``omega_total`` is NA (fewer than three items, correlations
          not computable, no convergence, or a Heywood case; see ``OMEGA_REASONS``), else NA;
        * ``average_r``: mean inter-item correlation (psych's ``average_r``).

    Notes
    -----
    With :math:`C` the :math:`k \\times k` covariance matrix of the keyed items and :math:`R` the
    correlations derived from it (:math:`r_{ij} = c_{ij}/\\sqrt{c_{ii} c_{jj}}`, psych's
    ``cov2cor``):

    .. math::

        \\alpha = \\frac{k}{k-1}\\left(1 - \\frac{\\operatorname{tr} C}{\\mathbf 1' C \\mathbf 1}\\right),
        \\qquad
        \\alpha_{std} = \\frac{k}{k-1}\\left(1 - \\frac{k}{\\mathbf 1' R \\mathbf 1}\\right),
        \\qquad
        \\bar r = \\frac{\\mathbf 1' R \\mathbf 1 - k}{k(k-1)}.

    Feldt's interval (Feldt, 1965; Feldt, Woodruff & Salih, 1987), as ``pingouin.cronbach_alpha``:
    :math:`1 - (1 - \\alpha) F_{1-a/2}` to :math:`1 - (1 - \\alpha) F_{a/2}` with
    :math:`F_p` the upper :math:`p` quantile of :math:`F(n - 1, (n - 1)(k - 1))` and
    :math:`a = 1 - ` ``ci``.

    **Where this differs from psych.** (1) The :math:`n` of Feldt's interval is ``n`` above:
    with ``use="pairwise"`` the respondents who answered at least one item of the scale.
    ``psych::alpha`` uses every row of the data it is given (``nrow(x)``), including rows with
    no answer to the scale, so its interval is narrower when such rows are passed; the two
    agree when every row answered something. ``pingouin.cronbach_alpha`` drops incomplete rows
    (listwise), which is ``use="complete"`` here. psych also prints Duhachek's asymptotic
    interval, which is not computed here. (2) ``omega_total`` is the one-factor omega,
    ``psych::omega(r, nfactors = 1)$omega.tot``. psych's DEFAULT is ``nfactors = 3`` with a
    Schmid-Leiman rotation, whose ``omega.tot`` is generally different (larger); one factor is
    the model the scales here are meant to follow. psych warns and still reports an omega after a
    Heywood case; here it is NA with the reason.

    Omega total (McDonald, 1999) for one factor:
    :math:`\\omega_t = 1 - \\sum_i (1 - \\lambda_i^2) / \\mathbf 1' R \\mathbf 1`, with loadings
    :math:`\\lambda` of a one-factor minimum residual (unweighted least squares) model of
    :math:`R` (see :func:`one_factor_minres`; psych's default ``fm = "minres"``).

    References
    ----------
    .. [1] Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
       Psychometrika, 16(3), 297-334. https://doi.org/10.1007/BF02310555
    .. [2] Feldt, L. S. (1965). The approximate sampling distribution of Kuder-Richardson
       reliability coefficient twenty. Psychometrika, 30(3), 357-370.
       https://doi.org/10.1007/BF02289499
    .. [3] Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference for
       coefficient alpha. Applied Psychological Measurement, 11(1), 93-103.
    .. [4] McDonald, R. P. (1999). Test theory: A unified treatment. Mahwah, NJ: Lawrence
       Erlbaum.
    .. [5] Revelle, W. (2025). psych: Procedures for Psychological, Psychometric, and
       Personality Research (``alpha``, ``omega``, ``fa``). R package.
       https://CRAN.R-project.org/package=psych
    .. [6] Vallat, R. (2018). Pingouin: statistics in Python. Journal of Open Source Software,
       3(31), 1026. https://doi.org/10.21105/joss.01026

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.instruments.loader import loads_instrument
    >>> survey = loads_instrument('''
    ... kind: survey
    ... id: demo
    ... version: 1.0.0
    ... title: Demo
    ... choice_lists:
    ...   agree5:
    ...     ordered: true
    ...     options: [{code: 1, label: SD}, {code: 2, label: D}, {code: 3, label: N},
    ...               {code: 4, label: A}, {code: 5, label: SA}]
    ... sections:
    ...   - id: s
    ...     title: S
    ...     items:
    ...       - {id: q1, type: likert, choices: agree5, text: One}
    ...       - {id: q2, type: likert, choices: agree5, text: Two}
    ...       - {id: q3, type: likert, choices: agree5, text: Three}
    ... scales:
    ...   - {id: lead, title: Leadership, items: [q1, q2, q3], reverse: [q3]}
    ... ''')
    >>> data = pd.DataFrame({"q1": [5, 4, 2, 1, 3, 4], "q2": [4, 4, 1, 2, 3, 5],
    ...                      "q3": [1, 2, 4, 5, 3, 2]})
    >>> reliability(survey, data)[["n", "n_items", "alpha", "std_alpha"]].round(3)
           n  n_items  alpha  std_alpha
    scale
    lead   6        3  0.955      0.955
    """
    import numpy as np
    import pandas as pd

    survey = as_survey(survey)
    need = [i for sc in _select_scales(survey, scales) for i in sc.items]
    data, _ = validated(survey, _check_frame(data), need=need, form="codes")
    if use not in ("pairwise", "complete"):
        raise ConfigurationError(
            f"use must be 'pairwise' or 'complete'; found {use!r}", code="invalid-option"
        )
    if not 0 < ci < 1:
        raise ConfigurationError(f"ci must be between 0 and 1; found {ci!r}", code="invalid-option")
    rows = []
    for scale in _select_scales(survey, scales):
        patterns = _scale_patterns(survey, data, scale)
        if patterns is not None:
            sums = _pattern_sums(patterns, use)
            k, C, n = len(scale.items), sums.cov(), sums.n
        else:
            X, _, _ = _scale_matrix(survey, data, scale)
            k = X.shape[1]
            C, n = _cov(X, use)
        alpha = _alpha_from_cov(C) if n >= 2 else float("nan")
        R = _cov2cor(C)
        sum_r = float(R.sum())
        omega, omega_reason = _omega_total(R)
        if k >= 2 and np.all(np.isfinite(R)):
            with np.errstate(divide="ignore", invalid="ignore"):  # correlations summing to 0
                std_alpha = float(k / (k - 1) * (1.0 - k / np.float64(sum_r)))
            average_r = (sum_r - k) / (k * (k - 1))
        else:
            std_alpha = average_r = float("nan")
        low = high = float("nan")
        if k >= 2 and n >= 2 and math.isfinite(alpha):
            a = 1.0 - ci
            df1, df2 = n - 1, (n - 1) * (k - 1)
            low = 1.0 - (1.0 - alpha) * _f_isf(a / 2, df1, df2)
            high = 1.0 - (1.0 - alpha) * _f_isf(1 - a / 2, df1, df2)
        rows.append(
            {
                "scale": scale.id,
                "n": n,
                "n_items": k,
                "alpha": alpha,
                "std_alpha": std_alpha,
                "alpha_ci_low": low,
                "alpha_ci_high": high,
                "omega_total": omega,
                "omega_reason": omega_reason,
                "average_r": average_r,
            }
        )
    columns = [
        "scale",
        "n",
        "n_items",
        "alpha",
        "std_alpha",
        "alpha_ci_low",
        "alpha_ci_high",
        "omega_total",
        "omega_reason",
        "average_r",
    ]
    out = pd.DataFrame(rows, columns=columns).set_index("scale")
    return out.astype({"n": "int64", "n_items": "int64"})


def item_statistics(
    survey: Survey | str | Path,
    data: pd.DataFrame,
    scale: str,
    *,
    use: Literal["pairwise", "complete"] = "pairwise",
) -> pd.DataFrame:
    """Item statistics of one scale: corrected item-total correlations and alpha if deleted.

    Parameters
    ----------
    survey : Survey, or a path or bundled id
    data : pandas.DataFrame
        Responses in raw or clean form.
    scale : str
        The scale id.
    use : {"pairwise", "complete"}
        As in :func:`reliability`.

    Returns
    -------
    pandas.DataFrame
        Indexed by item id (``item``), in the scale's order, with columns:

        * ``reversed``: whether the item is reverse keyed (the statistics are of keyed answers);
        * ``n``: respondents answering the item (a usable answer);
        * ``mean``, ``sd``: mean and standard deviation (n - 1) of the keyed answers;
        * ``r_drop``: correlation of the item with the sum of the other items (psych's
          ``r.drop``);
        * ``alpha_if_deleted``: raw alpha of the scale without the item (psych's
          ``alpha.drop$raw_alpha``).

    Notes
    -----
    From the covariance matrix :math:`C` (pairwise-complete by default, as ``psych::alpha``):
    :math:`r_{drop,i} = (\\sum_j c_{ij} - c_{ii}) / \\sqrt{c_{ii} \\sum_{j,l \\ne i} c_{jl}}`,
    and ``alpha_if_deleted`` is alpha of :math:`C` with row and column :math:`i` removed.

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.instruments.loader import loads_instrument
    >>> survey = loads_instrument('''
    ... kind: survey
    ... id: demo
    ... version: 1.0.0
    ... title: Demo
    ... choice_lists:
    ...   agree5:
    ...     ordered: true
    ...     options: [{code: 1, label: SD}, {code: 2, label: D}, {code: 3, label: N},
    ...               {code: 4, label: A}, {code: 5, label: SA}]
    ... sections:
    ...   - id: s
    ...     title: S
    ...     items:
    ...       - {id: q1, type: likert, choices: agree5, text: One}
    ...       - {id: q2, type: likert, choices: agree5, text: Two}
    ...       - {id: q3, type: likert, choices: agree5, text: Three}
    ... scales:
    ...   - {id: lead, title: Leadership, items: [q1, q2, q3], reverse: [q3]}
    ... ''')
    >>> data = pd.DataFrame({"q1": [5, 4, 2, 1, 3, 4], "q2": [4, 4, 1, 2, 3, 5],
    ...                      "q3": [1, 2, 4, 5, 3, 2]})
    >>> item_statistics(survey, data, "lead")[["reversed", "mean", "r_drop"]].round(3)
          reversed   mean  r_drop
    item
    q1       False  3.167   0.953
    q2       False  3.167   0.815
    q3        True  3.167   0.953
    """
    import numpy as np
    import pandas as pd

    survey = as_survey(survey)
    data, _ = validated(survey, _check_frame(data), form="codes")  # one validation path
    if use not in ("pairwise", "complete"):
        raise ConfigurationError(
            f"use must be 'pairwise' or 'complete'; found {use!r}", code="invalid-option"
        )
    (sc,) = _select_scales(survey, [scale])
    patterns = _scale_patterns(survey, data, sc)
    if patterns is not None:
        sums = _pattern_sums(patterns, use)
        k, C = len(sc.items), sums.cov()
        n = np.diag(sums.N).copy()
        mean = sums.means()
    else:
        X, _, _ = _scale_matrix(survey, data, sc)
        if use == "complete":
            X = X[~np.isnan(X).any(axis=1)]
        k = X.shape[1]
        C, _ = _pairwise_cov(X)
        answered = ~np.isnan(X)
        n = answered.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(answered, X, 0.0).sum(axis=0) / n
    sd = np.sqrt(np.diag(C))
    total = C.sum()
    col = C.sum(axis=0)
    diag = np.diag(C)
    v_drop = total - 2 * col + diag
    with np.errstate(invalid="ignore", divide="ignore"):
        r_drop = (col - diag) / np.sqrt(diag * v_drop)
        if k > 2:
            alpha_drop = (k - 1) / (k - 2) * (1.0 - (np.trace(C) - diag) / v_drop)
        else:
            alpha_drop = np.full(k, np.nan)
    reverse = set(sc.reverse)
    out = pd.DataFrame(
        {
            "reversed": [i in reverse for i in sc.items],
            "n": n.astype(np.int64),
            "mean": mean,
            "sd": sd,
            "r_drop": r_drop,
            "alpha_if_deleted": alpha_drop,
        },
        index=pd.Index(list(sc.items), name="item"),
    )
    return out
