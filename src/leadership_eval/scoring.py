"""Scale scores of survey responses.

Everything here reads a :class:`~leadership_eval.instruments.models.Survey` and a frame of
responses in either of the library's two forms ("raw", as exported and mapped to item ids, with
declared missing codes still present and multi_choice answers as space-separated codes; or
"clean", as returned by :func:`leadership_eval.responses.validate_responses`). Declared missing
codes (``9 = prefer not to say``) are never scored: they count as no answer.

The numeric work is vectorised: each scale becomes one 2-D float array (respondents x items,
``NaN`` where there is no usable answer), so a million respondents are scored in well under a
second. Reliability and item summaries have their own modules,
:mod:`~leadership_eval.scale_reliability` and :mod:`~leadership_eval.summaries` (their names are
importable from here too, as before, for one release).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ._scales import (
    reverse_key,
    scale_matrix,
    scale_patterns,
    select_scales,
)
from ._threads import map_threaded
from .errors import ConfigurationError
from .instruments.loader import as_survey
from .instruments.models import Scale, Survey
from .responses import validated
from .responses.report import put_stamp
from .scale_reliability import OMEGA_REASONS, item_statistics, one_factor_minres, reliability
from .summaries import item_summary

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
def _score_scale(
    survey: Survey,
    data: pd.DataFrame,
    scale: Scale,
    transform: str | None,
    out: np.ndarray,
    rows: np.ndarray,
) -> None:
    """One scale's scores (see :func:`score`), written into ``out`` (``rows``: room for its
    answer patterns)."""
    import numpy as np

    # one task among the scales: its patterns are not split between threads again
    patterns = scale_patterns(survey, data, scale, threads=False, out=rows)
    if patterns is not None:
        # the score of each pattern that occurs (of every possible one, when they are few
        # beside the respondents: quicker than finding those that occur), then broadcast
        if patterns.size * 8 <= len(patterns.rows):
            seen = np.arange(patterns.size)
        else:
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
        # (a take into ``out`` is buffered unless it may clip: the patterns are in range)
        np.take(table, patterns.rows, out=out, mode="clip")
    else:
        out[:] = value


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
        One row per respondent kept, with their index labels from ``data``: data that is not
        already validated (the ``.data`` of :func:`~leadership_eval.validate_responses`) is
        validated first, and blank rows and rows repeating an earlier respondent id are left
        out (a :class:`~leadership_eval.errors.DataWarning` counts them; align scores by index
        label, not by position). One float column per scale id, NaN where the respondent
        answered fewer than the scale's ``min_answered`` items.

    Raises
    ------
    DataError
        A scale item has no column (``missing-column``).
    ConfigurationError
        An unknown scale id (``unknown-scale``) or a transform that is not known.

    Notes
    -----
    Values that fail the survey's checks (text that is not a number, a code not in the item's
    list, a number outside the item's min/max) are set aside as unanswered, as the validation
    sets them aside; the :class:`~leadership_eval.errors.DataWarning` says how many, and
    :func:`~leadership_eval.validate_responses` lists them row by row.

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

    A frame of two million answers or more is scored on as many threads as there are
    processors (at most 8, and within a container's CPU quota), a scale on each; the
    environment variable ``LEADERSHIP_EVAL_THREADS`` caps them (``1``: the calling thread
    only). The scores are the same.

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
    data, stamp = validated(survey, data, need=need, form="codes")
    if transform is not None and transform not in ("none", "percent"):
        raise ConfigurationError(
            f"transform must be 'none' or 'percent'; found {transform!r}", code="invalid-transform"
        )
    chosen = select_scales(survey, scales)
    # one block of scores, filled a column at a time (the frame is made on it without a copy);
    # the scales of a large frame are scored side by side on threads, each into its own column
    out = np.empty((len(data), len(chosen)), dtype=np.float64, order="F")
    rows = np.empty((len(chosen), len(data)), dtype=np.int32)  # one allocation for all
    map_threaded(
        lambda j: _score_scale(survey, data, chosen[j], transform, out[:, j], rows[j]),
        range(len(chosen)),
        sum(len(sc.items) for sc in chosen) * len(data),
    )
    result = pd.DataFrame(out, index=data.index, columns=[s.id for s in chosen], copy=False)
    put_stamp(result, stamp)
    return result
