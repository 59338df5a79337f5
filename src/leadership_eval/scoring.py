"""Scale scores and item summaries of survey responses.

Everything here reads a :class:`~leadership_eval.instruments.models.Survey` and a frame of
responses in either of the library's two forms ("raw", as exported and mapped to item ids, with
declared missing codes still present and multi_choice answers as space-separated codes; or
"clean", as returned by :func:`leadership_eval.responses.validate_responses`). Declared missing
codes (``9 = prefer not to say``) are never scored: they count as no answer.

The numeric work is vectorised: each scale becomes one 2-D float array (respondents x items,
``NaN`` where there is no usable answer), so a million respondents are scored in well under a
second. Reliability has its own module, :mod:`~leadership_eval.scale_reliability` (its names are
importable from here too, as before, for one release).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ._frames import check_frame
from ._scales import (
    column_of,
    failure,
    reverse_key,
    scale_matrix,
    scale_patterns,
    select_scales,
)
from .errors import ConfigurationError, DataError
from .instruments.loader import as_survey
from .instruments.models import ChoiceList, Item, Survey
from .responses import validated
from .responses.report import put_stamp
from .scale_reliability import OMEGA_REASONS, item_statistics, one_factor_minres, reliability

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


# ------------------------------------------------------------------------------ scoring


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
    need = [i for sc in select_scales(survey, scales) for i in sc.items]
    data, stamp = validated(survey, check_frame(data), need=need, form="codes")
    if transform is not None and transform not in ("none", "percent"):
        raise ConfigurationError(
            f"transform must be 'none' or 'percent'; found {transform!r}", code="invalid-transform"
        )
    chosen = select_scales(survey, scales)
    # one block of scores, filled a column at a time (the frame is made on it without a copy)
    out = np.empty((len(data), len(chosen)), dtype=np.float64, order="F")
    for j, scale in enumerate(chosen):
        patterns = scale_patterns(survey, data, scale)
        if patterns is not None:
            # the score of each pattern that occurs, then broadcast to the respondents
            seen = np.flatnonzero(np.bincount(patterns.rows, minlength=patterns.size))
            A, V = patterns.decode(seen)
            lo, hi, k = patterns.lo, patterns.hi, A.shape[1]
            n_ans = A.sum(axis=1)
            total = V.sum(axis=1).astype(np.float64)
        else:
            X, lo, hi = scale_matrix(survey, data, scale)
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
    put_stamp(result, stamp)
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
    data, _ = validated(survey, check_frame(data), form="raw")  # the one validation path
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
