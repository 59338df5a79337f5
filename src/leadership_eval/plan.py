"""The analysis plan: which results are confirmatory, and adjusted p-values for each family.

The evaluation instrument (``kind: evaluation``) may carry an ``analysis_plan``: a handful of
pre-specified confirmatory analyses. Everything else the library computes is exploratory.
:func:`label_analyses` marks the rows of a result frame as confirmatory or exploratory and
adjusts each family's p-values apart (Holm for the confirmatory family, Benjamini-Hochberg for
the exploratory one, unless the plan says otherwise); :func:`planned_analyses` lists the plan.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ._frames import check_frame, numeric
from .errors import ArgumentError, ConfigurationError, DataError, did_you_mean
from .instruments.models import AnalysisPlan, Evaluation, text_in

__all__ = ["label_analyses", "planned_analyses"]


def _plan(plan: AnalysisPlan | Evaluation | str | Path | None) -> AnalysisPlan:
    if plan is None:
        from .instruments.catalogue import load_catalogue

        ev = load_catalogue().evaluation
        if ev is None or ev.analysis_plan is None:
            raise ConfigurationError("the bundled evaluation has no analysis plan")
        return ev.analysis_plan
    if isinstance(plan, AnalysisPlan):
        return plan
    if isinstance(plan, str | Path):
        from .instruments.loader import load_instrument

        plan = load_instrument(plan)  # type: ignore[assignment]
    if not isinstance(plan, Evaluation):
        raise ConfigurationError(
            f"plan must be an evaluation or its analysis plan, not {type(plan).__name__}"
        )
    if plan.analysis_plan is None:
        raise ConfigurationError(f"evaluation {plan.id!r} has no analysis_plan")
    return plan.analysis_plan


def planned_analyses(plan: AnalysisPlan | Evaluation | str | Path | None = None) -> pd.DataFrame:
    """The confirmatory analyses of a plan, one per row.

    Parameters
    ----------
    plan : AnalysisPlan, Evaluation, path or bundled id, optional
        Default: the bundled evaluation's plan.

    Returns
    -------
    pandas.DataFrame
        ``id``, ``objective``, ``analysis``, ``instrument``, ``measure``, ``between``,
        ``question``.

    Examples
    --------
    >>> from leadership_eval.plan import planned_analyses
    >>> planned_analyses()[["id", "objective", "analysis"]]
                          id objective     analysis
    0         uptake_contact        O3       uptake
    1  brokered_most_helpful        O4  most_helpful
    2       identity_contact        O5       groups
    3           access_waves        O5        waves
    """
    p = _plan(plan)
    return pd.DataFrame(
        [
            {
                "id": e.id,
                "objective": e.objective,
                "analysis": e.analysis,
                "instrument": e.instrument,
                "measure": e.measure,
                "between": e.between,
                "question": text_in(e.question),
            }
            for e in p.confirmatory
        ],
        columns=["id", "objective", "analysis", "instrument", "measure", "between", "question"],
    )


def label_analyses(
    results: pd.DataFrame,
    plan: AnalysisPlan | Evaluation | str | Path | None = None,
    *,
    analysis: str,
    measure: str | None = None,
    measure_column: str = "measure",
    between: str | None = None,
    instrument: str | None = None,
    p: str = "p_value",
) -> pd.DataFrame:
    """Mark each result as confirmatory or exploratory, and adjust each family's p-values.

    Parameters
    ----------
    results : pandas.DataFrame
        Rows of results of one kind of analysis (e.g. :func:`~leadership_eval.compare_waves`'s
        frame, or several calls' frames concatenated).
    plan : AnalysisPlan, Evaluation, path or bundled id, optional
        Default: the bundled evaluation's plan.
    analysis : str
        The kind of analysis the rows come from (``benchmark``, ``groups``, ``waves``,
        ``activity_origins``, ``most_helpful``, ``uptake``, ``activity_outcomes``).
    measure : str, optional
        The measure of every row; default: the ``measure_column`` of each row.
    measure_column : str
    between : str, optional
        The grouping of a ``groups`` analysis.
    instrument : str, optional
        The instrument the rows come from (when given, it must match the plan entry).
    p : str
        The p-value column (rows without one keep their label and get no adjusted value).

    Returns
    -------
    pandas.DataFrame
        A copy with ``plan`` (``confirmatory`` or ``exploratory``), ``plan_id`` (the plan
        entry, or NA) and, when there is a p-value column, ``p_adjusted`` and ``p_adjust``
        (the method), adjusted within the confirmatory rows and within the exploratory rows.

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.plan import label_analyses
    >>> res = pd.DataFrame({"measure": ["development_access", "leader_identity", "q1"],
    ...                     "p_value": [0.01, 0.02, 0.04]})
    >>> label_analyses(res, analysis="waves")[["measure", "plan", "p_adjusted"]]
                  measure          plan  p_adjusted
    0  development_access  confirmatory        0.01
    1     leader_identity   exploratory        0.04
    2                  q1   exploratory        0.04
    """
    from .instruments.models import ANALYSES
    from .multiplicity import adjust_pvalues

    check_frame(results, "results")
    if analysis not in ANALYSES:
        raise ConfigurationError(
            f"analysis must be one of {', '.join(ANALYSES)}; found {analysis!r}"
        )
    pl = _plan(plan)
    _check_label_columns(results, measure, measure_column, p)
    measures = (
        pd.Series(measure, index=results.index)
        if measure is not None
        else results[measure_column].astype(object)
    )
    ids = pd.Series(pd.NA, index=results.index, dtype=object)
    for entry in pl.confirmatory:
        if entry.analysis != analysis:
            continue
        if instrument is not None and entry.instrument != instrument:
            continue
        if entry.between is not None and between is not None and entry.between != between:
            continue
        if entry.analysis == "groups" and between is None:
            continue
        ids[(measures == entry.measure) & ids.isna()] = entry.id
    out = results.copy()
    out["plan"] = np.where(ids.notna(), "confirmatory", "exploratory")
    out["plan_id"] = ids
    if p in out.columns:
        values = _pvalues(out[p], p)
        adjusted = np.full(len(out), np.nan)
        method = np.empty(len(out), dtype=object)
        for family, how in (
            ("confirmatory", pl.confirmatory_adjust),
            ("exploratory", pl.exploratory_adjust),
        ):
            sel = (out["plan"] == family).to_numpy()
            if sel.any():
                adjusted[sel] = adjust_pvalues(values[sel], how)
                method[sel] = how
        out["p_adjusted"] = adjusted
        out["p_adjust"] = method
    return out


def _check_label_columns(results: pd.DataFrame, measure: object, column: object, p: object) -> None:
    """The arguments of :func:`label_analyses` naming columns: one name each, a column once."""
    from collections.abc import Hashable

    if measure is not None and not isinstance(measure, str):
        raise ArgumentError(
            f"measure must be one measure id (str) for every row, or None to read each row's "
            f"{column!r} column; not {type(measure).__name__}"
        )
    for name, role in ((column, "measure_column"), (p, "p")):
        if not isinstance(name, Hashable):
            raise ArgumentError(f"{role} must be one column name, not {type(name).__name__}")
    if measure is None and column not in results.columns:
        hint = did_you_mean(column, [str(c) for c in results.columns])
        raise DataError(
            f"results have no {column!r} column{hint}; pass measure=... or measure_column=...",
            code="unknown-column",
        )
    if p is not None and p != "p_value" and p not in results.columns:
        hint = did_you_mean(p, [str(c) for c in results.columns])
        raise DataError(f"results have no p-value column {p!r}{hint}", code="unknown-column")
    for name, role in ((column, "measure_column"), (p, "p")):
        if int((results.columns == name).sum()) > 1:
            raise DataError(
                f"results have repeated column names: {name!r} (the {role} column); rename or "
                "drop the copies",
                code="duplicate-column",
            )


def _pvalues(column: pd.Series, name: object) -> np.ndarray:
    """The p-values of ``column`` as floats (NaN where missing), each between 0 and 1."""
    values = numeric(column, name)
    bad = ~np.isnan(values) & ((values < 0) | (values > 1))
    if bad.any():
        rows = column.index[bad]
        shown = ", ".join(
            f"{r!r}: {float(v)}" for r, v in zip(rows[:10], values[bad][:10], strict=False)
        )
        raise DataError(
            f"column {name!r} holds {int(bad.sum())} p-value(s) outside 0 to 1 (row: value) "
            f"{shown}",
            code="bad-pvalue",
            failure_cases=pd.DataFrame({"row": rows, "column": name, "value": values[bad]}),
        )
    return values
