"""Derived variables: values an instrument computes from answers instead of asking for them.

A survey's ``derived:`` entries name an item and an option attribute (see
:class:`~leadership_eval.instruments.models.Derived`): a trust's type is read from the trust
list rather than asked (respondents often do not know it, and each extra answer is one more
quasi-identifier), and whether an activity is work-based is a property of the activity, written
once in the shared activity list.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._codes import indicator_frame
from .._frames import check_frame, failure_rows
from ..errors import DataError
from .loader import as_survey
from .models import Survey

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["derive"]


def derive(survey: Survey | str | Path, data: pd.DataFrame) -> pd.DataFrame:
    """Compute a survey's derived variables for every respondent.

    Parameters
    ----------
    survey : Survey, or a path or bundled id
    data : pandas.DataFrame
        Responses in raw or clean form: a choice item as one column of codes; a
        ``multi_choice`` item as one column of space-separated codes or as indicator columns
        ``{item}__{code}`` holding 0/1.

    Returns
    -------
    pandas.DataFrame
        Same index as ``data``, one column per derived variable, in the order declared. The
        value of a ``choice`` source is the chosen option's attribute (pandas' nullable
        ``boolean`` when every value is true/false, else text or numbers); of a
        ``multi_choice`` source, ``boolean``: True when any chosen option has the attribute
        true. Missing answers and declared missing codes give NA.

    Raises
    ------
    DataError
        ``missing-column`` when a source item has no column; ``invalid-code`` when a column
        holds a code that is not in the item's choice list (with the rows); ``multiindex``
        when the columns have several levels of labels (flatten them first).

    Examples
    --------
    >>> import pandas as pd
    >>> import leadership_eval as le
    >>> data = pd.DataFrame({"trust": ["t01", "t05", None],
    ...                      "activities": ["qi course", "course", None]})
    >>> out = derive("trainee-survey", data)
    >>> out["trust_type"].tolist()
    ['acute', 'mental_health', nan]
    >>> out["any_work_based"].tolist()
    [True, False, <NA>]
    """
    import numpy as np
    import pandas as pd

    sv = as_survey(survey)
    check_frame(data)
    if isinstance(data.columns, pd.MultiIndex):
        first = ", ".join(repr(c) for c in list(data.columns[:3]))
        raise DataError(
            f"the data's columns have {data.columns.nlevels} levels of labels (a pandas "
            f"MultiIndex: {first}{', ...' if len(data.columns) > 3 else ''}); the columns "
            "must be one level of names, one per item: flatten them first, e.g. data.columns "
            "= data.columns.get_level_values(0), or data.columns = ['_'.join(map(str, c)) "
            "for c in data.columns]",
            code="multiindex",
        )
    columns: dict[str, Any] = {}
    for variable in sv.derived:
        item = sv.item(variable.source)
        cl = sv.choices_for(item)
        assert cl is not None  # the loader checks derived variables read a choice item
        values = cl.attribute(variable.attribute)
        by_text = {str(code): value for code, value in values.items()}
        allowed = {str(c) for c in cl.all_codes}
        if item.type == "multi_choice":
            chosen = indicator_frame(
                data, item.id, cl.all_codes, column=item.column_name, strict=True
            )
            if chosen is None:
                _column(data, item.id, item.column_name)  # raises: the data lack the item
                continue
            hits = np.zeros(len(data), dtype=bool)
            for code, flag in by_text.items():
                if flag is True and code in chosen.columns:
                    hits |= chosen[code].to_numpy(dtype=bool)
            substantive = [str(c) for c in cl.codes]
            has_answer = chosen[[c for c in chosen.columns if c in substantive]].any(axis=1)
            out = pd.array(hits, dtype="boolean")
            out[~has_answer.to_numpy(dtype=bool)] = pd.NA
            columns[variable.id] = pd.Series(out, index=data.index)
            continue
        col = _column(data, item.id, item.column_name)
        text = col.astype("string").str.strip()
        # whole-number codes read as floats (a CSV column with blanks): 1.0 is code 1
        text = text.str.replace(r"^(-?\d+)\.0+$", r"\1", regex=True)
        text = text.mask(text.eq(""))
        bad = text.notna() & ~text.isin(allowed)
        if bad.any():
            rows = list(data.index[bad.to_numpy(dtype=bool)][:10])
            raise DataError(
                f"column {item.column_name!r} holds value(s) not in choice list "
                f"{item.choices!r}: {', '.join(sorted(set(text[bad].astype(str)))[:10])} "
                f"(rows {', '.join(map(repr, rows))})",
                code="invalid-code",
                failure_cases=failure_rows(col, bad, item.column_name),
            )
        mapped = text.map(by_text, na_action="ignore")
        present = [v for v in by_text.values()]
        if present and all(isinstance(v, bool) for v in present):
            columns[variable.id] = mapped.astype("boolean")
        else:
            columns[variable.id] = mapped.astype(object).where(mapped.notna(), np.nan)
    return pd.DataFrame(columns, index=data.index)


def _column(data: pd.DataFrame, item_id: str, column: str) -> pd.Series:
    for name in (item_id, column):
        if name in data.columns:
            return data[name]
    raise DataError(f"the data have no column {item_id!r} to derive from", code="missing-column")
