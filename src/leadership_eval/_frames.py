"""The one home of the checks every function runs on the frames and columns it is given.

Like pingouin's ``utils``: a function that takes a table calls :func:`check_frame` on it and
:func:`check_columns` on the columns it names, so that "this is not a table" and "there is no such
column" read the same, carry the same reason code and are the same exception everywhere.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, Any

from ._results import FrameResult
from .errors import DataError, NotATableError, did_you_mean

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

__all__ = [
    "check_columns",
    "check_frame",
    "failure_rows",
    "numeric",
    "unhashable_positions",
    "unknown_column",
]

_MAX_SHOWN = 10


def check_frame(
    data: Any, what: str = "data", *, unique_columns: bool = False, text_columns: bool = False
) -> pd.DataFrame:
    """``data`` itself when it is a pandas DataFrame, else :class:`~leadership_eval.errors.NotATableError`.

    ``unique_columns=True`` also refuses a frame with repeated column names
    (``duplicate-column``), listing them; ``text_columns=True`` one whose column names are not
    all text (``column-names``: the function names columns as text, and would match none of
    them). A result holding a table (a
    :class:`~leadership_eval._results.FrameResult`) gives its ``.frame``, with a
    :class:`FutureWarning` for one release (results were frames before).
    """
    import pandas as pd

    if isinstance(data, FrameResult):
        data.warn_legacy("passing it where a table is wanted")
        data = data.frame
    if not isinstance(data, pd.DataFrame):
        raise NotATableError(
            f"{what} must be a pandas DataFrame, not {type(data).__name__}", code="not-a-table"
        )
    if unique_columns and data.columns.duplicated().any():
        dup = sorted({str(c) for c in data.columns[data.columns.duplicated()]})
        raise DataError(
            f"{what} has repeated column names: {', '.join(dup)}",
            code="duplicate-column",
            failure_cases=pd.DataFrame({"column": dup}),
        )
    if text_columns and not all(isinstance(c, str) for c in data.columns):
        other = [c for c in data.columns if not isinstance(c, str)]
        shown = ", ".join(repr(c) for c in other[:8]) + (", ..." if len(other) > 8 else "")
        raise DataError(
            f"{what} has {len(other)} column name(s) that are not text ({shown}); columns are "
            "named as text here (read the file with its header row, or rename them, e.g. "
            "data.columns = data.columns.astype(str))",
            code="column-names",
            failure_cases=pd.DataFrame({"column": [str(c) for c in other]}),
        )
    return data


def unknown_column(name: Hashable, data: pd.DataFrame, role: str) -> DataError:
    """The error for a ``role`` column ``name`` that ``data`` does not have."""
    import pandas as pd

    names = [str(c) for c in data.columns]
    hint = did_you_mean(str(name), names)
    if not hint:
        hint = f"; the columns are {', '.join(names[:20])}{' ...' if len(names) > 20 else ''}"
    return DataError(
        f"the {role} column {name!r} is not in the data{hint}",
        code="unknown-column",
        failure_cases=pd.DataFrame({"column": [name]}),
    )


def check_columns(data: pd.DataFrame, columns: Hashable | Iterable[Hashable], role: str) -> None:
    """Raise ``unknown-column`` for the first of ``columns`` that ``data`` does not have."""
    wanted = [columns] if isinstance(columns, str) or not isinstance(columns, Iterable) else columns
    for column in wanted:
        if column not in data.columns:
            raise unknown_column(column, data, role)


def failure_rows(series: pd.Series, bad: Any, column: Hashable) -> pd.DataFrame:
    """The failure cases of a row-level check: ``row``, ``column``, ``value`` per failing row."""
    import numpy as np
    import pandas as pd

    mask = np.asarray(bad, dtype=bool)
    rows = series.index[mask]
    return pd.DataFrame({"row": rows, "column": column, "value": series.to_numpy()[mask]})


def numeric(series: pd.Series, column: Hashable) -> np.ndarray:
    """A column as float (NaN for missing); text that is not a number is ``not-numeric``.

    The error carries every failing row (``row``, ``column``, ``value``).
    """
    import numpy as np
    import pandas as pd

    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)
    num = pd.to_numeric(series, errors="coerce")
    bad = (num.isna() & series.notna()).to_numpy()
    if bad.any():
        cases = failure_rows(series, bad, column)
        head = cases.head(_MAX_SHOWN)
        shown = ", ".join(f"{r!r}: {v!r}" for r, v in zip(head["row"], head["value"], strict=True))
        raise DataError(
            f"column {column!r} holds {len(cases)} value(s) that are not numbers "
            f"(row: value) {shown}{' ...' if len(cases) > _MAX_SHOWN else ''}",
            code="not-numeric",
            failure_cases=cases,
        )
    return num.to_numpy(dtype=float, na_value=np.nan)


def unhashable_positions(column: pd.Series, *, first: bool = False) -> list[int]:
    """The positions of the cells of ``column`` that cannot be compared as values (a list, set
    or dict in a cell, as data read from JSON holds), only the first one when ``first``."""
    out: list[int] = []
    for pos, value in enumerate(column.to_numpy(dtype=object)):
        try:
            hash(value)
        except TypeError:
            out.append(pos)
            if first:
                break
    return out
