"""The one home of a code's canonical text, and of the indicator columns named after codes.

A choice code reaches the library as many things: ``3`` in the instrument, ``3.0`` from a
spreadsheet column with a blank, ``"3 "`` from a CSV, ``True`` from a checkbox export. Everything
that matches data values with codes (validation, scoring summaries, skip logic, hierarchies,
activity tables, published counts) compares their canonical text, built by one rule:

- missing (``None``, ``NaN``, ``pd.NA``, ``NaT``) and blank text: ``None``;
- text: stripped;
- a boolean: ``"1"`` or ``"0"`` (a ticked box is the code 1, as survey platforms export it);
- a whole number (int, or a float such as ``3.0``): its digits without a decimal point;
- any other number: Python's shortest round-tripping form (``repr``: ``1.5``, ``1e-05``);
- anything else: ``str(value)`` stripped.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .errors import DataError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

__all__ = [
    "INDICATOR_SEPARATOR",
    "code_series",
    "code_text",
    "code_texts",
    "factorize_strings",
    "indicator_column",
]

INDICATOR_SEPARATOR = "__"
"""Between an item id and a code in the name of a multi_choice indicator column."""


def code_text(value: Any) -> str | None:
    """The canonical text of one code or answer (``None`` for a missing or blank value).

    >>> import numpy as np
    >>> [code_text(v) for v in (3, 3.0, " 3 ", True, np.True_, 1.5, "", None, float("nan"), "fy1")]
    ['3', '3', '3', '1', '1', '1.5', None, None, None, 'fy1']
    """
    if isinstance(value, str):
        return value.strip() or None
    if value is None:
        return None
    if isinstance(value, bool) or _is_numpy_bool(value):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) or type(value).__name__.startswith(("float", "int")):
        try:
            f = float(value)
        except (TypeError, ValueError):
            return str(value).strip() or None
        if math.isnan(f):
            return None
        if f.is_integer() and abs(f) < 2**63:
            return str(int(f))
        return repr(f)
    if _is_na(value):
        return None
    return str(value).strip() or None


def _is_numpy_bool(value: Any) -> bool:
    """A numpy boolean scalar (``numpy.bool``, named ``bool_`` before numpy 2), without
    importing numpy."""
    kind = type(value)
    return kind.__module__ == "numpy" and kind.__name__ in ("bool", "bool_")


def _is_na(value: Any) -> bool:
    """``pd.NA`` and ``pd.NaT`` (without importing pandas when it is not loaded)."""
    name = type(value).__name__
    return name in ("NAType", "NaTType")


def code_texts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Canonical text of many values: an object array (``None`` where absent) and the mask.

    The usual column, all text, is stripped in one C-level pass; a mixed one goes value by value
    through :func:`code_text`.
    """
    import numpy as np
    import pandas as pd

    u = np.asarray(values, dtype=object)
    if not len(u):
        return np.empty(0, dtype=object), np.zeros(0, dtype=bool)
    if pd.api.types.infer_dtype(u, skipna=False) == "string":  # text only, no NA: no masking
        out = np.asarray(np.frompyfunc(str.strip, 1, 1)(u), dtype=object)
        absent = np.asarray(out == "", dtype=bool)
    else:
        out = np.empty(len(u), dtype=object)
        na = np.asarray(pd.isna(u), dtype=bool)
        vals = u[~na]
        if len(vals):
            if pd.api.types.infer_dtype(vals, skipna=False) == "string":  # text with gaps
                out[~na] = np.frompyfunc(str.strip, 1, 1)(vals)
            else:
                out[~na] = np.frompyfunc(code_text, 1, 1)(vals)
        out[na] = None
        absent = na | np.asarray(pd.isna(out), dtype=bool) | np.asarray(out == "", dtype=bool)
    if absent.any():
        out[absent] = None
    return out, absent


def factorize_strings(s: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """``pandas.factorize(s.to_numpy(dtype=object), use_na_sentinel=True)`` for a column of a
    string dtype: the codes (int64, -1 where missing) and the distinct strings (object array,
    in order of first appearance). None for a column of any other dtype.

    The strings are hashed by their characters (pandas' ``StringHashTable``), about a third
    quicker than hashing them as Python objects. That table takes anything that is not a
    string for missing, so it is used only where the dtype guarantees strings.

    A column whose equal strings are mostly one object each (as pandas' CSV reader and most
    frames built from a few values hold them) is grouped by object first
    (:func:`_by_object`), and only its distinct objects are hashed by their characters.

    Examples
    --------
    >>> import pandas as pd
    >>> codes, uniques = factorize_strings(pd.Series(["st", None, "fy1", "st"], dtype="str"))
    >>> codes.tolist(), uniques.tolist()
    ([0, -1, 1, 0], ['st', 'fy1'])
    >>> factorize_strings(pd.Series([1, 2])) is None
    True
    """
    import pandas as pd

    if not isinstance(s.dtype, pd.StringDtype):
        return None
    values = s.to_numpy(dtype=object)
    grouped = _by_object(values)
    if grouped is not None:  # the distinct objects' codes, through each row's object
        objects, first = grouped
        distinct = values[first]
        codes, uniques = _by_characters(distinct, len(distinct))
        return codes[objects], uniques
    return _by_characters(values, _distinct_guess(values))


def _by_characters(values: np.ndarray, size_hint: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`factorize_strings` of an object array of strings (and missing values), in a
    hash table made for ``size_hint`` strings."""
    import numpy as np
    import pandas as pd

    try:
        from pandas._libs.hashtable import StringHashTable

        uniques, codes = StringHashTable(size_hint).factorize(values, na_sentinel=-1)
    except (ImportError, AttributeError, TypeError):  # pragma: no cover - another pandas
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), np.asarray(uniques, dtype=object)


def _distinct_guess(values: np.ndarray) -> int:
    """The hash table's size for the strings of ``values``: room for every row when more than
    a sixteenth of the first 1,024 are distinct, else a small table.

    A table grows by rehashing every string it holds, which for a column of distinct strings
    (ids, comments) takes twice as long as the hashing itself; a table sized for every row
    of a column of few strings costs a little more than a small one."""
    n = len(values)
    if n <= 2 * _OBJECT_SAMPLE:
        return n
    sample = values[:_OBJECT_SAMPLE]
    try:
        from pandas._libs.hashtable import StringHashTable

        distinct = len(StringHashTable(_OBJECT_SAMPLE).factorize(sample, na_sentinel=-1)[0])
    except (ImportError, AttributeError, TypeError):  # pragma: no cover - another pandas
        return n
    return n if distinct > _OBJECT_SAMPLE // 16 else 64


#: rows looked at first: if more than a sixteenth of them are distinct objects, grouping by
#: object would not pay (numbering many objects costs about what hashing their text does)
_OBJECT_SAMPLE = 1024


def _by_object(values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Each row's object numbered by first appearance, and the row where each first appears;
    None when the objects are not few (or their identities cannot be read).

    An object array holds one reference per row; equal references are the same object, so
    they hold equal strings. The references are read through the buffer protocol as integers
    (never followed), and grouped as integers, which is far quicker than hashing characters.
    Equal strings held by different objects get different numbers here and the same code
    once the distinct objects are hashed by their characters."""
    import numpy as np
    import pandas as pd

    n = len(values)
    if n < 2 * _OBJECT_SAMPLE:
        return None
    try:
        refs = np.frombuffer(values.data.cast("B"), dtype=np.intp)
    except (TypeError, ValueError, BufferError):  # pragma: no cover - no buffer for objects
        return None
    if len(refs) != n:  # pragma: no cover - references of another width
        return None
    if len(pd.unique(refs[:_OBJECT_SAMPLE])) > _OBJECT_SAMPLE // 16:
        return None
    objects = np.asarray(pd.factorize(refs)[0], dtype=np.int64)
    # numbered by first appearance: a row is an object's first where its number is new
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.greater(objects[1:], np.maximum.accumulate(objects)[:-1], out=new[1:])
    first = np.flatnonzero(new)
    if len(first) > n // 16:
        return None
    return objects, first


def code_series(values: Any) -> pd.Series:
    """Canonical text of a column as a ``string`` Series (``<NA>`` where absent), same index."""
    import pandas as pd

    s = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    if pd.api.types.is_float_dtype(s.dtype) and not pd.api.types.is_extension_array_dtype(s.dtype):
        whole = s.notna() & (s % 1 == 0)
        text = s.astype("string")
        return text.where(~whole, s.where(whole).astype("Int64").astype("string"))
    out, _ = code_texts(s.to_numpy(dtype=object, na_value=None))
    return pd.Series(out, index=s.index, dtype="string")


def indicator_column(item_id: str, code: Any) -> str:
    """The name of the 0/1 column of one code of a multi_choice item: ``{item}__{code}``.

    >>> indicator_column("activities", 3)
    'activities__3'
    """
    text = code_text(code)
    if text is None:
        raise DataError(f"an indicator column needs a code, not {code!r}", code="invalid-data")
    return f"{item_id}{INDICATOR_SEPARATOR}{text}"


def indicator_frame(
    data: pd.DataFrame,
    item_id: str,
    codes: list[Any],
    *,
    column: str | None = None,
    strict: bool = False,
) -> pd.DataFrame | None:
    """The codes chosen in a multi_choice answer as a 0/1 frame, from either layout.

    A multi_choice answer is held either in indicator columns ``{item}__{code}`` (0/1 each) or
    in one column (``item_id``, or its ``column`` alias) of codes separated by spaces, as survey
    platforms export it. This is the one place that tells the two layouts apart.

    Returns an ``int64`` frame with one column per code (its canonical text), on ``data``'s
    index, or ``None`` when the data hold the item in neither layout. With ``strict``, a code in
    the one-column layout that is not in ``codes`` raises ``invalid-code`` with the failing rows.
    """
    import numpy as np
    import pandas as pd

    from .errors import DataError

    wanted = [code_text(c) or "" for c in codes]
    names = [indicator_column(item_id, c) for c in wanted]
    single = next((n for n in (item_id, column) if n is not None and n in data.columns), None)
    if single is None:
        present = [n for n in names if n in data.columns]
        if not present:
            return None
        values = {
            code: pd.to_numeric(data[name], errors="coerce").fillna(0).eq(1).astype("int64")
            if name in data.columns
            else pd.Series(0, index=data.index, dtype="int64")
            for code, name in zip(wanted, names, strict=True)
        }
        return pd.DataFrame(values, index=data.index)
    text = data[single].astype(object).where(data[single].notna(), "").astype(str)
    tokens = text.reset_index(drop=True).str.split().explode().dropna()
    tokens = tokens[tokens != ""]
    unknown = sorted(set(tokens) - set(wanted))
    if strict and unknown:
        where = tokens.isin(unknown).to_numpy()
        rows = data.index[np.unique(tokens.index.to_numpy()[where])]
        raise DataError(
            f"column {single!r} holds code(s) not in its choice list: {', '.join(unknown)} "
            f"(rows {', '.join(map(repr, rows[:10]))})",
            code="invalid-code",
            failure_cases=pd.DataFrame(
                {
                    "row": rows,
                    "column": single,
                    "value": data[single].to_numpy()[np.unique(tokens.index.to_numpy()[where])],
                }
            ),
        )
    out = np.zeros((len(data), len(wanted)), dtype=np.int64)
    position = {code: j for j, code in enumerate(wanted)}
    for row, code in zip(tokens.index.to_numpy(), tokens.to_numpy(), strict=True):
        j = position.get(code)
        if j is not None:
            out[row, j] = 1
    return pd.DataFrame(out, index=data.index, columns=wanted)
