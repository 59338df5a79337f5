"""The intruder's attack on published tables: interval bounds of every suppressed cell.

A published frequency table with suppressed cells (``NA``) and its margins forms a linear system:
every row and column of inner cells sums to its published total. An intruder who knows the system
can solve two linear programmes per suppressed cell (minimise and maximise the cell subject to
the published values, the sum equations and non-negativity) and learn the interval the cell must
lie in. :func:`audit_table` runs that attack (as sdcTable's ``attack()`` and tau-ARGUS's audit do)
on any published table; :func:`leadership_eval.privacy.tables.protect_table` chooses suppressions
so that the attack reveals nothing below the threshold.

The tables' linear system (parsing and validating tables, links between tables published
together: :class:`TableSum`, :class:`SharedLine`) is built by the private ``_system`` module, which
:mod:`leadership_eval.privacy.tables` shares; the solvers are in ``_linear``.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import ArgumentError, ConfigurationError, DataError, SolverError
from ._linear import LinearAttack
from ._system import (
    TOTAL,
    SharedLine,
    System,
    TableSum,
    build_system,
    check_flag,
    check_links,
    check_optional_whole,
    parse_published,
    published_bounds,
    round_interval,
)

if TYPE_CHECKING:
    pass

__all__ = [
    "TOTAL",
    "AuditResult",
    "LinearAttack",
    "SharedLine",
    "TableSum",
    "audit_table",
    "audit_tables",
]


_TOL = 1e-6
# "highs": the attack on HiGHS through highspy; "scipy": through scipy.optimize (the reference)
_ENGINE = "highs"


# --------------------------------------------------------------------------------------------
# Link declarations between tables published together
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# Tables and their validation
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# The linear system
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# The attack
# --------------------------------------------------------------------------------------------


def _attack(
    system: System, lo: np.ndarray, hi: np.ndarray, targets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Min and max of each target variable over ``{A x = 0, lo <= x <= hi}``.

    Fixed variables (``lo == hi``) are moved to the right-hand side so the LP only holds the
    unknown ones. The model is built once (:class:`~leadership_eval.privacy._linear.WarmLP`)
    and re-solved warm for each bound. Maxima come first: a cell that sits at its lower bound
    ``lo`` in any optimal solution found on the way has that bound as its minimum, with no LP
    of its own. Returns float arrays (``inf`` when unbounded above).
    """
    from ._linear import WarmLP

    fixed = lo == hi
    free = np.flatnonzero(~fixed)
    A = system.A.tocsc()
    rhs = -(A[:, fixed] @ lo[fixed])
    Af = A[:, free].tocsr()
    nonempty = np.diff(Af.indptr) > 0
    if np.any(np.abs(rhs[~nonempty]) > 1e-6):
        raise DataError(
            "the published values are inconsistent with their totals", code="inconsistent-total"
        )
    A_eq = Af[nonempty].tocsc()
    b_eq = rhs[nonempty]
    position = np.full(system.n, -1, dtype=np.int64)
    position[free] = np.arange(len(free))
    lower = np.empty(len(targets))
    upper = np.empty(len(targets))
    unknown = [(t, int(position[v])) for t, v in enumerate(targets.tolist()) if position[v] >= 0]
    for t, v in enumerate(targets.tolist()):
        if position[v] < 0:
            lower[t] = upper[t] = lo[v]
    if not unknown:
        return lower, upper
    lo_f = lo[free]
    model = WarmLP(A_eq.indptr, A_eq.indices, A_eq.data, A_eq.shape[0], b_eq, lo_f, hi[free])
    at_lower = np.zeros(len(free), dtype=bool)

    def solve(k: int, sign: float, want_x: bool) -> tuple[float, np.ndarray | None]:
        status, value, x = model.optimise(k, sign, want_x)
        if status == 3:
            return np.inf, None
        if status == 2:
            raise DataError(
                "the published values are inconsistent with their totals (no non-negative "
                "cell values satisfy them)",
                code="inconsistent-total",
            )
        if status != 0:  # pragma: no cover - HiGHS failure
            raise SolverError(f"LP attack failed (HiGHS status {status})")
        return sign * value, x

    for t, k in unknown:
        upper[t], x = solve(k, -1.0, True)
        if x is not None:
            at_lower |= x <= lo_f + 1e-9
    for t, k in unknown:
        lower[t] = lo_f[k] if at_lower[k] else solve(k, 1.0, False)[0]
    return lower, upper


def _attack_reference(
    system: System, lo: np.ndarray, hi: np.ndarray, targets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_attack` through :func:`scipy.optimize.linprog`, one connected block of unknown
    cells at a time: the reference the tests hold :func:`_attack` to."""
    from scipy import sparse
    from scipy.optimize import linprog
    from scipy.sparse.csgraph import connected_components

    fixed = lo == hi
    free = np.nonzero(~fixed)[0]
    A = system.A.tocsc()
    rhs = -(A[:, fixed] @ lo[fixed])
    Af = A[:, free].tocsr()
    where = {int(v): k for k, v in enumerate(free)}
    bounds = np.column_stack([lo[free], np.where(np.isinf(hi[free]), np.inf, hi[free])])
    bounds_list = [(float(a), None if math.isinf(b) else float(b)) for a, b in bounds]
    lower = np.empty(len(targets))
    upper = np.empty(len(targets))
    nonempty = np.diff(Af.indptr) > 0
    if np.any(np.abs(rhs[~nonempty]) > 1e-6):
        raise DataError(
            "the published values are inconsistent with their totals", code="inconsistent-total"
        )
    A_eq = Af[nonempty]
    b_eq = rhs[nonempty]
    # Unknown cells that share no equation, directly or through other unknown cells, do not
    # constrain each other: attack each connected block of the system on its own.
    m_eq, nf = A_eq.shape
    incidence = sparse.bmat([[None, A_eq], [A_eq.T, None]], format="csr") if m_eq else None
    if incidence is not None:
        _, label = connected_components(incidence != 0, directed=False)
        row_label, col_label = label[:m_eq], label[m_eq:]
    else:
        row_label, col_label = np.zeros(0, dtype=int), np.arange(nf)
    blocks: dict[int, tuple[Any, Any, np.ndarray, list[tuple[float, float | None]]]] = {}
    for t, v in enumerate(targets):
        v = int(v)
        if v not in where:
            lower[t] = upper[t] = lo[v]
            continue
        comp = int(col_label[where[v]])
        if comp not in blocks:
            cols = np.nonzero(col_label == comp)[0]
            rows = np.nonzero(row_label == comp)[0]
            blocks[comp] = (
                A_eq[rows][:, cols] if len(rows) else None,
                b_eq[rows] if len(rows) else None,
                cols,
                [bounds_list[int(k)] for k in cols],
            )
        A_b, b_b, cols, bl = blocks[comp]
        c = np.zeros(len(cols))
        c[int(np.searchsorted(cols, where[v]))] = 1.0
        out = []
        for sign in (1.0, -1.0):
            res = linprog(sign * c, A_eq=A_b, b_eq=b_b, bounds=bl, method="highs")
            if res.status == 3:
                out.append(np.inf)
            elif res.status == 2:
                raise DataError(
                    "the published values are inconsistent with their totals (no non-negative "
                    "cell values satisfy them)",
                    code="inconsistent-total",
                )
            elif res.status != 0:  # pragma: no cover - HiGHS failure
                raise SolverError(f"LP attack failed: {res.message}")
            else:
                out.append(sign * res.fun)
        lower[t], upper[t] = out
    return lower, upper


# --------------------------------------------------------------------------------------------
# Public: AuditResult and audit_table
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditResult:
    """The intruder's view of a published table: the feasible interval of each suppressed cell.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per suppressed cell (per position, when tables are linked), with columns
        ``table`` (only for linked tables), ``row``, ``column``, ``lower``, ``upper`` (the
        smallest and largest whole-number values consistent with everything published; ``upper``
        is ``inf`` when unbounded), ``width`` (``upper - lower``) and ``exact`` (``lower ==
        upper``: the cell is recovered).
    """

    frame: pd.DataFrame

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def n_exact(self) -> int:
        """How many suppressed cells the intruder recovers exactly."""
        return int(self.frame["exact"].sum())

    def unsafe(self, min_cell: int = 5) -> pd.DataFrame:
        """Suppressed cells that the attack shows to be below ``min_cell`` (``upper <
        min_cell``); a cell recovered exactly is among them unless its value is publishable."""
        f = self.frame
        return f[f["upper"] < min_cell]

    def safe(self, min_cell: int = 5) -> bool:
        """True when no suppressed cell can be shown to be below ``min_cell``.

        Every suppressed cell is checked, because a reader cannot tell which were suppressed for
        being small (primary) and which to protect them (secondary): an interval that stays
        below the threshold tells the reader the cell is small (or recovers it). A suppressed
        cell recovered exactly at a publishable value (``exact`` with ``upper >= min_cell``)
        discloses nothing the threshold rule protects; it is a wasted suppression.
        """
        return bool(len(self.unsafe(min_cell)) == 0)


def attack_bounds(
    system: System,
    suppressed: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    engine: str | None = None,
) -> dict[int, tuple[float, float]]:
    """Whole-number attack bounds ``{variable: (lower, upper)}`` of every suppressed variable
    (``engine="scipy"``, or the module's ``_ENGINE`` by default: through the reference
    :func:`_attack_reference`)."""
    targets = np.nonzero(suppressed)[0]
    attack = _attack_reference if (engine or _ENGINE) == "scipy" else _attack
    lower, upper = round_interval(*attack(system, lo, hi, targets))
    return {
        v: (lw, up)
        for v, lw, up in zip(targets.tolist(), lower.tolist(), upper.tolist(), strict=True)
    }


def bounds_frame(
    system: System,
    bounds: dict[int, tuple[float, float]],
    linked: bool,
    only_table: int | None = None,
) -> pd.DataFrame:
    """Tidy frame of attack bounds, one row per table position of each suppressed variable."""
    keys: list[Any] = []
    rows_at: list[Any] = []
    columns_at: list[Any] = []
    lower: list[float] = []
    upper: list[float] = []
    targets = np.fromiter(bounds, dtype=np.int64, count=len(bounds))
    for t, tab in enumerate(system.tables):
        if only_table is not None and t != only_table:
            continue
        rows, cols = tab.full_rows, tab.full_cols
        ii, jj = np.nonzero(np.isin(tab.var, targets))  # row-major, as the cells are read
        for i, j in zip(ii.tolist(), jj.tolist(), strict=True):
            lo, hi = bounds[int(tab.var[i, j])]
            keys.append(tab.key)
            rows_at.append(rows[i])
            columns_at.append(None if tab.series else cols[j])
            lower.append(lo)
            upper.append(hi)

    def labels(values: list[Any]) -> Any:
        # lists, whose dtype is inferred as from records (object when there are none)
        return values if values else pd.Series(values, dtype=object)

    # the columns made once (small frames, one per table audited)
    lo_a, hi_a = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
    data: dict[str, Any] = {"table": labels(keys)} if linked else {}
    data |= {"row": labels(rows_at), "column": labels(columns_at), "lower": lo_a, "upper": hi_a}
    data |= {"width": hi_a - lo_a, "exact": hi_a == lo_a}
    return pd.DataFrame(data)


def _check_audit_options(
    totals: object, rounding: object, threshold: object
) -> tuple[bool, int | None, int | None]:
    """``totals`` True or False, ``rounding`` a base of at least 1 and ``threshold`` a count of
    at least 0 (each may be None): text, a fraction or NaN would be misread as a number."""
    return (
        check_flag("totals", totals),
        check_optional_whole("rounding", rounding, 1),
        check_optional_whole("threshold", threshold, 0),
    )


def audit_table(
    published: pd.DataFrame | pd.Series,
    totals: bool = True,
    rounding: int | None = None,
    threshold: int | None = None,
) -> AuditResult:
    """Attack a published table: the feasible interval of every suppressed (``NA``) cell.

    Runnable on any published table of counts with ``NA`` for suppressed cells, this is the
    intruder's attack that sdcTable's ``attack()`` and tau-ARGUS's audit perform.

    Parameters
    ----------
    published : pandas.DataFrame or pandas.Series
        A table of counts with ``NA``/``NaN`` where a cell is suppressed, and its margins: a row
        and/or a column labelled ``Total`` (any case). A Series has a ``Total`` entry.
    totals : bool, default True
        Whether to read the ``Total`` row/column as margins (an error if there is none). With
        ``False`` every label is an inner cell and nothing links the cells.
    rounding : int, optional
        The base published values were rounded to (a whole number; HES rounds to 5): a
        published ``r`` is then only known to lie in ``[r - floor(b/2), r + ceil(b/2) - 1]``.
    threshold : int, optional
        With ``rounding``: the intruder knows nonzero counts below ``threshold`` are never
        published, so a published ``0`` is exact and a published ``r > 0`` is at least
        ``threshold``.

    Returns
    -------
    AuditResult
        ``.frame`` has columns ``row``, ``column`` (``None`` for a Series), ``lower``, ``upper``,
        ``width`` and ``exact``, one row per suppressed cell; ``.safe(min_cell)`` is True when no
        suppressed cell is recovered or shown to be below ``min_cell``.

    Notes
    -----
    For each suppressed cell :math:`x_k` the attack solves

    .. math::

        \\min / \\max\\; x_k \\quad\\text{s.t.}\\quad A x = 0,\\;
        x_j = p_j \\text{ for published } j,\\; x_j \\ge 0 \\text{ for suppressed } j,

    where :math:`A x = 0` holds every equation "cells of a row (column) sum to its total" and
    :math:`p_j` are the published values, with HiGHS [2]_ (the model built once and re-solved
    warm for each bound; a cell seen at 0 in an optimal solution of another cell's maximum has
    0 as its minimum). Counts are whole numbers, so the LP bounds are rounded
    inwards (:math:`\\lceil L \\rceil`, :math:`\\lfloor U \\rfloor`). For a two-way table the
    constraint matrix is totally unimodular, so these are the exact integer bounds; for linked
    tables the integer bounds can only be tighter than the LP ones in rare non-unimodular
    patterns [1]_.

    References
    ----------
    .. [1] Hundepool, A., Domingo-Ferrer, J., Franconi, L., Giessing, S., Schulte Nordholt, E.,
       Spicer, K. and de Wolf, P.-P. (2012). *Statistical Disclosure Control*. Chichester: Wiley,
       ch. 4-5 (audit of suppressed tables).
    .. [2] Huangfu, Q. and Hall, J. A. J. (2018). Parallelizing the dual revised simplex method.
       *Mathematical Programming Computation*, 10(1), 119-142.

    Examples
    --------
    A single suppressed cell in a row is recovered from the row total:

    >>> import pandas as pd
    >>> pub = pd.DataFrame({"yes": [pd.NA, 10, 13], "no": [9, 11, 20], "Total": [12, 21, 33]},
    ...                    index=["a", "b", "Total"], dtype="Int64")
    >>> res = audit_table(pub)
    >>> res.frame[["row", "column", "lower", "upper", "exact"]]
      row column  lower  upper  exact
    0   a    yes    3.0    3.0   True
    >>> res.safe(5)
    False
    """
    totals, rounding, threshold = _check_audit_options(totals, rounding, threshold)
    table = parse_published(published, None, totals)
    system = build_system([table], check=rounding is None)
    suppressed = np.isnan(system.value)
    lo, hi = published_bounds(system.value, rounding, threshold)
    bounds = attack_bounds(system, suppressed, lo, hi)
    return AuditResult(bounds_frame(system, bounds, linked=False))


def audit_tables(
    published: Sequence[pd.DataFrame | pd.Series] | Mapping[Hashable, pd.DataFrame | pd.Series],
    links: Sequence[TableSum | SharedLine] = (),
    totals: bool = True,
    rounding: int | None = None,
    threshold: int | None = None,
) -> AuditResult:
    """Attack several published tables at once, using the links between them.

    The joint version of :func:`audit_table`: cells declared shared by a
    :class:`SharedLine` are one unknown, and every :class:`TableSum` adds its equations, so a
    cell suppressed in one table but deducible from another (by differencing) is found.

    Parameters
    ----------
    published : sequence or mapping of DataFrame/Series
        Published tables (``NA`` = suppressed) with their ``Total`` margins; mapping keys (or
        positions) name them in ``links`` and in the result.
    links : sequence of TableSum or SharedLine
        How the tables are linked (see :func:`~leadership_eval.privacy.tables.protect_tables`;
        None: not linked).
    totals, rounding, threshold
        As for :func:`audit_table`.

    Returns
    -------
    AuditResult
        ``.frame`` has columns ``table``, ``row``, ``column``, ``lower``, ``upper``, ``width``,
        ``exact``.

    Examples
    --------
    Each table alone hides trust ``a``'s small cell, but the region minus trust ``b`` gives it:

    >>> import pandas as pd
    >>> NA = pd.NA
    >>> a = pd.DataFrame({"yes": [NA, NA, 15], "no": [NA, NA, 19], "Total": [13, 21, 34]},
    ...                  index=["FY", "ST", "Total"], dtype="Int64")
    >>> b = pd.DataFrame({"yes": [7, 8, 15], "no": [6, 15, 21], "Total": [13, 23, 36]},
    ...                  index=["FY", "ST", "Total"], dtype="Int64")
    >>> region = pd.DataFrame({"yes": [10, 20, 30], "no": [16, 24, 40], "Total": [26, 44, 70]},
    ...                       index=["FY", "ST", "Total"], dtype="Int64")
    >>> audit_table(a).safe(5)
    True
    >>> res = audit_tables({"a": a, "b": b, "region": region},
    ...                    links=[TableSum("region", ["a", "b"])])
    >>> res.frame.loc[:0, ["table", "row", "column", "lower", "upper"]]
      table row column  lower  upper
    0     a  FY    yes    3.0   3.0
    """
    totals, rounding, threshold = _check_audit_options(totals, rounding, threshold)
    links = check_links(links)
    if isinstance(published, Mapping):
        items = list(published.items())
    elif isinstance(published, Sequence) and not isinstance(published, str | bytes):
        items = list(enumerate(published))
    else:
        raise ArgumentError(
            "published must be a list or a dict of published tables, got "
            f"{type(published).__name__}"
            + (
                "; audit one table with audit_table"
                if isinstance(published, pd.DataFrame | pd.Series)
                else ""
            )
        )
    if not items:
        raise ConfigurationError("audit_tables needs at least one published table")
    tables = [parse_published(obj, key, totals) for key, obj in items]
    system = build_system(tables, links, check=rounding is None)
    suppressed = np.isnan(system.value)
    lo, hi = published_bounds(system.value, rounding, threshold)
    bounds = attack_bounds(system, suppressed, lo, hi)
    return AuditResult(bounds_frame(system, bounds, linked=True))
