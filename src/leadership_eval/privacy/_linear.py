"""HiGHS, called directly through ``highspy``: the linear programmes of cell suppression.

Cell suppression (:mod:`leadership_eval.privacy.tables`) and the intruder's audit
(:mod:`leadership_eval.privacy.audit`) solve thousands of small linear programmes over the
same sum equations ``A x = b``, changing only the bounds of the cells and a one-cell objective.
:class:`WarmLP` builds such a model once and re-solves it from the last optimal basis, which is
what makes them cheap: the model is not rebuilt, its input not re-checked, and the simplex
method starts one or two pivots from the new optimum.

:func:`solve_lp` and :func:`solve_milp` solve a model from scratch with exactly the model and
options :func:`scipy.optimize.linprog` (``method="highs"``) and :func:`scipy.optimize.milp`
pass to the same solver, without scipy's per-call input checking. They serve where the solution
itself, not only its value, decides what is published: the dual solution that becomes a
Benders cut and the suppression pattern of the master problem. An optimal dual solution, or
pattern, is not unique in general; solving the same model the same way keeps the choice among
equally good ones the same as before.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import SolverError

__all__ = [
    "CSC",
    "LPResult",
    "LinearAttack",
    "MILPResult",
    "WarmLP",
    "one_thread_scheduler",
    "solve_lp",
    "solve_milp",
]

# scipy.optimize.linprog(method="highs")'s options (scipy/optimize/_linprog_highs.py): presolve
# on, the dual simplex method, no output; everything else at HiGHS' defaults.
_LP_OPTIONS: dict[str, Any] = {
    "presolve": "on",
    "highs_debug_level": 0,
    "log_to_console": False,
    "output_flag": False,
    "simplex_strategy": 1,
}


_CORE: Any = None


def _core() -> Any:
    """highspy's compiled module (imported on first use: it is only needed to solve)."""
    global _CORE
    if _CORE is None:
        from highspy import _core as core

        _CORE = core
    return _CORE


def _new_highs(options: dict[str, Any]) -> Any:
    """A silent HiGHS instance.

    The base class is used rather than ``highspy.Highs``, whose constructor enables callbacks
    and prints the solver's banner on standard output (a command's output is its own).
    """
    h = _core()._Highs()
    for key, value in options.items():
        h.setOptionValue(key, value)
    return h


def one_thread_scheduler() -> None:
    """Start this thread's HiGHS task scheduler with one thread.

    HiGHS keeps one scheduler per calling thread, sized by the ``threads`` option of the first
    solve on that thread (the default, 0, takes half the processors), and refuses a later solve
    that asks for another size. :class:`WarmLP` asks for one thread, and is the first to solve
    on the thread that protects a table; a worker thread that solves LPs for it
    (:class:`~leadership_eval._threads.Workers`) calls this first, so that its solves run as
    they would on that thread, and leave no idle solver threads behind, on any machine.
    """
    _trivial_solve(threads=1)


def _trivial_solve(threads: int) -> Any:
    """Solve min x over 0 <= x <= 1 (one column, no rows) with the ``threads`` option given:
    HiGHS's status (an error when this thread's scheduler has another size)."""
    h = _new_highs({"output_flag": False, "threads": threads})
    no_rows, empty = np.zeros(0), np.zeros(0, np.int32)
    zero, one = np.zeros(1), np.ones(1)
    _pass_lp(h, one, np.zeros(2, np.int32), empty, no_rows, 0, no_rows, no_rows, zero, one)
    return h.run()


def _pass_lp(
    h: Any,
    c: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    n_rows: int,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    lb: np.ndarray,
    ub: np.ndarray,
    integer: bool = False,
) -> None:
    core = _core()
    n = len(c)
    lp = core.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = n_rows
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = n_rows
    lp.a_matrix_.format_ = core.MatrixFormat.kColwise
    lp.col_cost_ = np.ascontiguousarray(c, dtype=np.float64)
    lp.col_lower_ = np.ascontiguousarray(lb, dtype=np.float64)
    lp.col_upper_ = np.ascontiguousarray(ub, dtype=np.float64)
    lp.row_lower_ = np.ascontiguousarray(row_lower, dtype=np.float64)
    lp.row_upper_ = np.ascontiguousarray(row_upper, dtype=np.float64)
    lp.a_matrix_.start_ = indptr
    lp.a_matrix_.index_ = indices
    lp.a_matrix_.value_ = np.ascontiguousarray(data, dtype=np.float64)
    if integer:
        lp.integrality_ = [core.HighsVarType.kInteger] * n
    status = h.passModel(lp)
    if status == core.HighsStatus.kError:  # pragma: no cover - the arrays are built here
        raise SolverError("HiGHS rejected the model")


class CSC:
    """A sparse matrix in compressed sparse column form, with the column operations the
    solvers need (no scipy.sparse on the hot path: its per-call checks cost more than the
    arithmetic on matrices this small).

    Parameters
    ----------
    indptr, indices, data
        Column ``j``'s entries are ``data[indptr[j]:indptr[j+1]]`` in rows
        ``indices[indptr[j]:indptr[j+1]]`` (as :class:`scipy.sparse.csc_array` stores them).
    n_rows : int
        Number of rows.
    """

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, n_rows: int):
        self.indptr = np.asarray(indptr, dtype=np.int32)
        self.indices = np.asarray(indices, dtype=np.int32)
        self.data = np.asarray(data, dtype=np.float64)
        self.n_rows = int(n_rows)
        self.n_cols = len(self.indptr) - 1
        self._counts = np.diff(self.indptr)
        self._col_of = np.repeat(np.arange(self.n_cols), self._counts)

    @classmethod
    def from_sparse(cls, a: Any) -> CSC:
        """From any scipy.sparse matrix."""
        m = a.tocsc()
        m.sort_indices()
        return cls(m.indptr, m.indices, m.data, m.shape[0])

    def columns(self, mask: np.ndarray) -> CSC:
        """The columns where ``mask`` is True (entries in the same order, as
        ``csc[:, mask]`` gives them)."""
        sel = np.flatnonzero(mask)
        counts = self._counts[sel]
        indptr = np.zeros(len(sel) + 1, dtype=np.int32)
        np.cumsum(counts, out=indptr[1:])
        take = np.repeat(self.indptr[sel] - indptr[:-1], counts) + np.arange(indptr[-1])
        out = CSC.__new__(CSC)
        out.indptr, out.indices, out.data = indptr, self.indices[take], self.data[take]
        out.n_rows, out.n_cols = self.n_rows, len(sel)
        out._counts = counts
        out._col_of = np.repeat(np.arange(len(sel)), counts)
        return out

    def rmatvec(self, y: np.ndarray) -> np.ndarray:
        """``A.T @ y`` (each column's entries summed in stored order)."""
        return np.bincount(
            self._col_of, weights=self.data * np.asarray(y)[self.indices], minlength=self.n_cols
        )

    def matvec(self, x: np.ndarray) -> np.ndarray:
        """``A @ x``."""
        return np.bincount(
            self.indices, weights=self.data * np.asarray(x)[self._col_of], minlength=self.n_rows
        )


_LOCAL = threading.local()


def _lp_instance() -> Any:
    """This thread's HiGHS instance for :func:`solve_lp` (passing a model discards the last
    one's solution and basis, so every solve starts from scratch)."""
    h = getattr(_LOCAL, "lp", None)
    if h is None:
        h = _LOCAL.lp = _new_highs(_LP_OPTIONS)
    return h


@dataclass
class LPResult:
    """An LP's solution, in :func:`scipy.optimize.linprog`'s terms.

    ``status``: 0 optimal, 2 infeasible, 3 unbounded, 4 other (as linprog); ``marg_lower`` and
    ``marg_upper`` are the sensitivities of the objective to each column's lower and upper
    bound (the column dual, split by the bound the column sits at), ``row_dual`` those of the
    rows.
    """

    status: int
    fun: float
    x: np.ndarray | None
    row_dual: np.ndarray | None
    marg_lower: np.ndarray | None
    marg_upper: np.ndarray | None


def _lp_status(core: Any, model_status: Any) -> int:
    ms = core.HighsModelStatus
    if model_status == ms.kOptimal:
        return 0
    if model_status in (ms.kInfeasible, ms.kModelError):
        return 2
    if model_status == ms.kUnbounded:
        return 3
    if model_status in (ms.kTimeLimit, ms.kIterationLimit):
        return 1
    return 4


def solve_lp(
    c: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    b_eq: np.ndarray,
    lb: np.ndarray,
    ub: np.ndarray,
) -> LPResult:
    """``min c x`` subject to ``A x = b_eq``, ``lb <= x <= ub``, from scratch.

    ``A`` is given in compressed sparse column form (``indptr``, ``indices``, ``data``) with
    ``len(b_eq)`` rows. The model and options are those :func:`scipy.optimize.linprog` with
    ``method="highs"`` passes to HiGHS for the same arguments, so the solution (primal and
    dual) is the one it returns.
    """
    core = _core()
    h = _lp_instance()
    b = np.asarray(b_eq, dtype=np.float64)
    _pass_lp(h, c, indptr, indices, data, len(b), b, b, lb, ub)
    h.run()
    status = _lp_status(core, h.getModelStatus())
    if status != 0:
        return LPResult(status, math.nan, None, None, None, None)
    sol = h.getSolution()
    col_dual = np.asarray(sol.col_dual, dtype=np.float64)
    status_codes = np.array([int(s) for s in h.getBasis().col_status], dtype=np.int64)
    bs = core.HighsBasisStatus
    at_lower = status_codes == int(bs.kLower)
    at_upper = status_codes == int(bs.kUpper)
    return LPResult(
        0,
        float(h.getInfo().objective_function_value),
        np.asarray(sol.col_value, dtype=np.float64),
        np.asarray(sol.row_dual, dtype=np.float64),
        np.where(at_lower, col_dual, 0.0),
        np.where(at_upper, col_dual, 0.0),
    )


@dataclass
class MILPResult:
    """A MILP's solution, in :func:`scipy.optimize.milp`'s terms.

    ``status``: 0 optimal, 1 stopped by the time limit, 2 infeasible, 4 other; ``x`` is None
    when no feasible solution was found.
    """

    status: int
    x: np.ndarray | None


def solve_milp(
    c: np.ndarray,
    rows: np.ndarray,
    row_lower: np.ndarray,
    lb: np.ndarray,
    ub: np.ndarray,
    time_limit: float,
    mip_rel_gap: float,
) -> MILPResult:
    """``min c z`` over integer ``z`` with ``rows @ z >= row_lower`` and ``lb <= z <= ub``.

    ``rows`` is a dense matrix (one row per constraint). The model and options are those
    :func:`scipy.optimize.milp` passes to HiGHS for ``constraints=LinearConstraint(rows,
    row_lower, inf)``, ``integrality=1`` and options ``time_limit`` and ``mip_rel_gap``, so the
    solution is the one it returns; HiGHS stops at ``time_limit`` seconds.
    """
    core = _core()
    h = _new_highs(
        {
            "log_to_console": False,
            "output_flag": False,
            "time_limit": float(time_limit),
            "mip_rel_gap": float(mip_rel_gap),
        }
    )
    dense = np.asarray(rows, dtype=np.float64)
    indptr, indices, data = _dense_to_csc(dense)
    n_rows = dense.shape[0]
    _pass_lp(
        h,
        c,
        indptr,
        indices,
        data,
        n_rows,
        np.asarray(row_lower, dtype=np.float64),
        np.full(n_rows, math.inf),
        np.asarray(lb, dtype=np.float64),
        np.asarray(ub, dtype=np.float64),
        integer=True,
    )
    h.run()
    ms = core.HighsModelStatus
    model_status = h.getModelStatus()
    limited = (ms.kTimeLimit, ms.kIterationLimit, ms.kSolutionLimit)
    if model_status == ms.kOptimal:
        status = 0
    elif model_status in limited:
        status = 1
    elif model_status == ms.kInfeasible:
        status = 2
    else:
        status = 4
    found = model_status == ms.kOptimal or (
        model_status in limited and h.getInfo().objective_function_value != core.kHighsInf
    )
    x = np.asarray(h.getSolution().col_value, dtype=np.float64) if found else None
    return MILPResult(status, x)


def _dense_to_csc(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A dense matrix in compressed sparse column form (explicit zeros dropped), as
    ``scipy.sparse.csc_array(a)`` stores it."""
    nz = a.T != 0  # column-major scan: columns in order, rows ascending within a column
    cols, rows = np.nonzero(nz)
    data = a.T[cols, rows]
    indptr = np.zeros(a.shape[1] + 1, dtype=np.int32)
    np.cumsum(np.bincount(cols, minlength=a.shape[1]), out=indptr[1:])
    return indptr, rows.astype(np.int32), data


class WarmLP:
    """``min / max x_v`` over ``{A x = b, lb <= x <= ub}``, re-solved warm.

    The model is passed to HiGHS once; :meth:`set_bounds` changes the column bounds and
    :meth:`optimise` a one-column objective, and each solve starts from the previous optimal
    basis (presolve off, so the basis carries over). Only optimal values are read from it (they
    are unique, whichever optimal vertex the solve ends at).

    Parameters
    ----------
    indptr, indices, data, n_rows
        ``A`` in compressed sparse column form.
    b : array
        Right-hand sides of the equations.
    lb, ub : array
        Column bounds (``inf`` allowed).
    """

    def __init__(
        self,
        indptr: np.ndarray,
        indices: np.ndarray,
        data: np.ndarray,
        n_rows: int,
        b: np.ndarray,
        lb: np.ndarray,
        ub: np.ndarray,
    ) -> None:
        self.n = len(indptr) - 1
        self.h = _new_highs(
            {"output_flag": False, "presolve": "off", "threads": 1, "simplex_strategy": 4}
        )
        b = np.asarray(b, dtype=np.float64)
        self.lb = np.array(lb, dtype=np.float64)
        self.ub = np.array(ub, dtype=np.float64)
        _pass_lp(self.h, np.zeros(self.n), indptr, indices, data, n_rows, b, b, self.lb, self.ub)
        self._cost_at: int | None = None
        self.solves = 0
        self._ms = _core().HighsModelStatus

    def set_bounds(self, lb: np.ndarray, ub: np.ndarray) -> None:
        """Change the column bounds (only those that differ are passed)."""
        lb = np.asarray(lb, dtype=np.float64)
        ub = np.asarray(ub, dtype=np.float64)
        changed = np.flatnonzero((lb != self.lb) | (ub != self.ub))
        if len(changed):
            idx = changed.astype(np.int32)
            self.h.changeColsBounds(len(idx), idx, lb[changed], ub[changed])
            self.lb[changed] = lb[changed]
            self.ub[changed] = ub[changed]

    def optimise(
        self, var: int, sign: float, want_x: bool = False
    ) -> tuple[int, float, np.ndarray | None]:
        """Minimise ``sign * x_var``: ``(status, optimal objective value, x)``.

        ``status`` as :class:`LPResult`'s (0 optimal, 2 infeasible, 3 unbounded); ``x`` is the
        optimal solution when ``want_x`` (else None).
        """
        h = self.h
        if self._cost_at != var:
            if self._cost_at is not None:
                h.changeColCost(self._cost_at, 0.0)
            self._cost_at = var
        h.changeColCost(var, float(sign))
        h.run()
        self.solves += 1
        model_status = h.getModelStatus()
        if model_status != self._ms.kOptimal:
            status = _lp_status(_core(), model_status)
            if model_status == self._ms.kUnboundedOrInfeasible:
                # tell the two apart: the model is feasible if it is with no objective
                h.changeColCost(var, 0.0)
                h.run()
                feasible = h.getModelStatus() == self._ms.kOptimal
                h.changeColCost(var, float(sign))
                status = 3 if feasible else 2
            return status, math.nan, None
        value = float(h.getObjectiveValue())
        x = np.asarray(h.getSolution().col_value, dtype=np.float64) if want_x else None
        return 0, value, x


class LinearAttack:
    """Bounds of single variables over ``{x >= 0, A x = b}`` (one sparse row per equation).

    The intruder's attack on a small published form (a statement's counts, an average): the
    model is passed to HiGHS once (:class:`WarmLP`) and re-solved warm for each bound.

    Parameters
    ----------
    n : int
        Number of variables (non-negative, unbounded above).
    equations : sequence of (list of int, list of float, float)
        Each equation: the variables, their coefficients and the right-hand side.

    Examples
    --------
    >>> a = LinearAttack(3, [([0, 1], [1.0, 1.0], 4.0), ([1, 2], [1.0, 1.0], 6.0)])
    >>> a.bound(0, maximise=True), a.bound(2, maximise=False)
    (4.0, 2.0)
    """

    def __init__(
        self, n: int, equations: Sequence[tuple[Sequence[int], Sequence[float], float]]
    ) -> None:
        self.n = n
        rows: list[int] = []
        cols: list[Any] = []
        vals: list[Any] = []
        for r, (cells, coefs, _total) in enumerate(equations):
            rows.extend([r] * len(cells))
            cols.extend(cells)
            vals.extend(coefs)
        col = np.asarray(cols, dtype=np.int64)
        row = np.asarray(rows, dtype=np.int64)
        order = np.lexsort((row, col))
        indptr = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(np.bincount(col, minlength=n), out=indptr[1:])
        rhs = np.array([total for _, _, total in equations], dtype=np.float64)
        self._lp = WarmLP(
            indptr,
            row.astype(np.int32)[order],
            np.asarray(vals, dtype=np.float64)[order],
            len(equations),
            rhs,
            np.zeros(n),
            np.full(n, np.inf),
        )

    def bound(self, var: int, *, maximise: bool) -> float:
        """The largest (or smallest) value of ``x[var]``; ``inf`` when unbounded above."""
        status, value, _ = self._lp.optimise(var, -1.0 if maximise else 1.0)
        if status == 3:
            return math.inf if maximise else 0.0
        if status != 0:  # pragma: no cover - the true table is feasible
            raise SolverError(f"HiGHS could not bound a cell (status {status})")
        return -value if maximise else value
