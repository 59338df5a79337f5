"""Item summaries of survey responses: counts and percentages of each answer, by group.

:func:`item_summary` reads a :class:`~leadership_eval.instruments.models.Survey` and its
responses (raw or clean, validated through the one validation path) and counts each item's
answers; declared missing codes are counted apart from valid answers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._scales import column_of, failure
from .errors import ConfigurationError, DataError
from .instruments.loader import as_survey
from .instruments.models import ChoiceList, Item, Survey
from .responses import validated

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

__all__ = ["item_summary"]


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

    col = column_of(data, item)
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
        raise failure(
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
    data, _ = validated(survey, data, form="raw")  # the one validation path
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
