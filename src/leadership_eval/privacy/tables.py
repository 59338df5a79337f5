"""Statistical disclosure control of frequency tables: primary and secondary cell suppression.

:func:`protect_table` suppresses every count below the threshold (primary suppression) and then
the fewest further cells (secondary suppression) such that an intruder who solves linear
programmes over the published cells and margins (:func:`~leadership_eval.privacy.audit.audit_table`)
cannot narrow any suppressed small cell down to values below the threshold.
:func:`protect_tables` does the same jointly for tables published together (a hierarchy of trust
tables and the regional table; tables sharing a margin), so differencing between them recovers
nothing.

The secondary suppression problem is solved exactly, as the mixed-integer programme of Fischetti
and Salazar-González (1999, 2000), by Benders decomposition (row generation): HiGHS solves the
master problem over the suppression pattern, and one LP per protection requirement either
certifies the pattern or returns a dual solution, i.e. a violated "capacity" cut. See
:func:`protect_table` for the model. HiGHS is called directly through ``highspy``
(:mod:`leadership_eval.privacy._linear`): the requirements are checked on a model of the table
built once and re-solved warm, and the LPs whose dual becomes a cut, and the masters, are
solved exactly as :func:`scipy.optimize.linprog` and :func:`scipy.optimize.milp` would solve
them, so the pattern chosen among equally small ones is the same.
"""

from __future__ import annotations

import math
import time
from collections.abc import Hashable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd

from .._threads import Workers
from ..errors import ConfigurationError, DisclosureError, SolverError
from ..policy import DisclosurePolicy
from ._linear import CSC, WarmLP, one_thread_scheduler, solve_lp, solve_milp
from ._system import (
    Link,
    SharedLine,
    System,
    Table,
    TableSum,
    build_system,
    check_links,
    check_optional_whole,
    check_seconds,
    check_whole,
    parse_counts,
    published_bounds,
)
from .audit import AuditResult, attack_bounds, bounds_frame

__all__ = [
    "ProtectedTable",
    "ProtectedTables",
    "SharedLine",
    "TableSum",
    "protect_table",
    "protect_tables",
]

_TOL = 1e-6
# a warm-started value this close to a requirement's threshold is left to the exact check
_GUARD = 1e-7
# share of solver_time_limit the exact search may use; the greedy completion has the rest
_SEARCH_SHARE = 0.75
# "highs": HiGHS through highspy; "scipy": through scipy.optimize (the reference)
_ENGINE = "highs"
# the exact checks go to worker threads once their LPs' variables add up to more than this
# (about 7 ms of LPs, at some 3.5 us per variable): starting the threads takes 2-3 ms, so a
# small table's few checks stay on the calling thread (measured: ./dev bench tables)
_THREADED_LP_WORK = 2000
_RULES = ("threshold", "default", "gmc-nts", "nhs-hes")


@dataclass(frozen=True)
class ProtectedTable:
    """A table after disclosure control.

    Attributes
    ----------
    published : pandas.DataFrame or pandas.Series
        The table with a ``Total`` row and column (a ``Total`` entry for a Series), nullable
        ``Int64``, suppressed cells as ``pd.NA``; rounded when the rule rounds.
    primary, secondary : pandas.DataFrame or pandas.Series of bool
        Masks (same shape as ``published``) of cells suppressed for being small (primary) and
        to protect them (secondary, complementary).
    original : pandas.DataFrame or pandas.Series
        The unprotected counts with computed margins (``Int64``), same shape. Never publish it.
    rule : str
        ``"threshold"`` or the preset applied (``"gmc-nts"``, ``"nhs-hes"``, ``"default"``).
    min_cell : int
        The threshold: nonzero counts below it are primary suppressions.
    log : pandas.DataFrame
        The disclosure log: columns ``row``, ``column`` and ``reason`` (``primary``,
        ``secondary`` or ``rounded``), one row per cell acted on.
    audit : AuditResult
        The intruder's attack on ``published`` alone (what
        :func:`~leadership_eval.privacy.audit.audit_table` finds, with the rounding the rule
        applies); for linked tables the joint attack is ``ProtectedTables.audit``.
    name : str or int or None
        The table's key when protected with others.
    info : dict
        How the pattern was found: ``method`` (``"benders-milp"`` when solved to optimality,
        ``"greedy"`` when the time limit forced the heuristic, ``"all"`` when not even that
        finished in time and every cell was suppressed), ``optimal``, ``iterations``,
        ``lps``, ``cuts``, ``seconds``, ``cost``.
    """

    published: pd.DataFrame | pd.Series
    primary: pd.DataFrame | pd.Series
    secondary: pd.DataFrame | pd.Series
    original: pd.DataFrame | pd.Series
    rule: str
    min_cell: int
    log: pd.DataFrame
    audit: AuditResult
    name: Hashable = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def suppressed(self) -> pd.DataFrame | pd.Series:
        """Mask of every suppressed cell (primary or secondary)."""
        return self.primary | self.secondary

    @property
    def n_primary(self) -> int:
        """Number of primary suppressions."""
        return int(np.asarray(self.primary).sum())

    @property
    def n_secondary(self) -> int:
        """Number of secondary (complementary) suppressions."""
        return int(np.asarray(self.secondary).sum())


class ProtectedTables(NamedTuple):
    """Tables protected jointly: ``tables, audit = protect_tables(...)``.

    Attributes
    ----------
    tables : list of ProtectedTable
        One per input table, in input order (each with the ``audit`` of that table alone).
    audit : AuditResult
        The joint attack using every table and link at once; its frame has a ``table`` column.
    """

    tables: list[ProtectedTable]
    audit: AuditResult


# --------------------------------------------------------------------------------------------
# Rules and policies
# --------------------------------------------------------------------------------------------


def _resolve_policy(
    rule: str, policy: DisclosurePolicy | str | None, min_cell: int | None
) -> tuple[str, int, bool, int | None]:
    """Return ``(rule_name, min_cell, suppress_zero, rounding)`` of the policy to apply."""
    key = str(rule).strip().lower().replace("_", "-")
    if key not in _RULES:
        raise ConfigurationError(
            f"unknown rule {rule!r}; expected one of {', '.join(_RULES)}", code="unknown-rule"
        )
    if key != "threshold" and policy is not None:
        raise ConfigurationError(
            f"give either rule={rule!r} (a preset) or a policy, not both", code="conflicting-rule"
        )
    if min_cell is not None and (
        isinstance(min_cell, bool) or not isinstance(min_cell, int | np.integer) or min_cell < 1
    ):
        raise ConfigurationError(f"min_cell must be a whole number >= 1, got {min_cell!r}")
    pol = DisclosurePolicy.resolve(
        key if key != "threshold" else policy,
        min_cell=None if min_cell is None else int(min_cell),
    )
    return pol.name, pol.min_cell, pol.suppress_zero, pol.rounding


def _round_half_up(x: np.ndarray, base: int) -> np.ndarray:
    return base * np.floor(x / base + 0.5)


# --------------------------------------------------------------------------------------------
# The secondary suppression problem
# --------------------------------------------------------------------------------------------


@dataclass
class _Requirement:
    var: int
    upper: float  # required rise above the true value (0 = none)
    lower: float  # required fall below the true value (0 = none)
    sliding: float  # required width of the interval (0 = none)
    conditional: bool  # only applies when the variable is suppressed (a non-primary cell)


@dataclass
class _Cut:
    coef: np.ndarray
    rhs: float
    cond_var: int | None


class _Solver:
    """Benders decomposition of the cell suppression MILP (Fischetti & Salazar-González).

    ``engine="highs"`` solves on HiGHS through :mod:`._linear`: a requirement is first checked
    on a warm-started model of the whole table (its optimal value decides), and only a
    violated one is solved again from scratch, as :func:`scipy.optimize.linprog` would, for
    the dual solution that becomes its cut; the master problem is passed to HiGHS as
    :func:`scipy.optimize.milp` would pass it. ``engine="scipy"`` is the reference: every
    subproblem through :func:`scipy.optimize.linprog` and the master through
    :func:`scipy.optimize.milp`. Both take the same decisions.
    """

    def __init__(
        self,
        system: System,
        a: np.ndarray,
        lo_pub: np.ndarray,
        hi_pub: np.ndarray,
        primary: np.ndarray,
        reqs: list[_Requirement],
        weight: np.ndarray,
        time_limit: float,
        engine: str = "highs",
        search_share: float = 0.75,
        workers: Workers | None = None,
    ) -> None:
        self.system = system
        self.a = a
        self.h = hi_pub - a  # how far a published value may lie above the truth
        self.l = a - lo_pub  # ... and below
        self.primary = primary
        self.reqs = reqs
        self.weight = weight
        self.time_limit = time_limit
        self.search_share = search_share
        self.engine = engine
        self.t0 = time.perf_counter()
        levels = [max(r.upper, r.lower, r.sliding) for r in reqs] or [1.0]
        top = max(levels)
        # The cap M bounds a suppressed cell's deviation in the subproblems; it must exceed
        # every protection level (else no pattern meets them), and is kept at 1e6 otherwise
        # for the MILP's numerics.
        self.M = float(min(max(10.0 * top, float(a.sum()) + top), max(1e6, 10.0 * top)))
        self.Acsc = system.A.tocsc()
        self.csc = CSC.from_sparse(system.A)
        self.b_eq = np.zeros(system.A.shape[0]) if system.A.shape[0] else None
        self.lps = 0
        self.cuts: list[_Cut] = []
        self.iterations = 0
        # patterns under which each requirement was met: it stays met under any pattern that
        # suppresses at least those cells (the deviations allowed only grow), so it is not
        # checked again there
        self.met: list[list[np.ndarray]] = [[] for _ in reqs]
        self._warm: WarmLP | None = None
        # the best deviations up and down seen in the warm model's solutions under the current
        # pattern: a requirement they already meet needs no LP of its own
        self._pattern: np.ndarray | None = None
        self._seen_up = np.zeros(system.n)
        self._seen_down = np.zeros(system.n)
        self.workers = workers or Workers(threads=False)

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def _bounds(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Bounds of the deviations ``y`` from the truth under pattern ``z``."""
        return -((1 - z) * self.l + z * self.a), (1 - z) * self.h + z * self.M

    # -- subproblem ---------------------------------------------------------------------------
    def _use_pattern(self, z: np.ndarray) -> None:
        """Set the warm model's bounds to pattern ``z`` (and forget solutions of another)."""
        if self._pattern is not None and np.array_equal(z, self._pattern):
            return
        lb, ub = self._bounds(z)
        if self._warm is None:
            A = self.csc
            self._warm = WarmLP(A.indptr, A.indices, A.data, A.n_rows, np.zeros(A.n_rows), lb, ub)
        else:
            self._warm.set_bounds(lb, ub)
        self._pattern = z.copy()
        self._seen_up[:] = 0.0
        self._seen_down[:] = 0.0

    def _value(self, z: np.ndarray, var: int, sign: float) -> float:
        """Max of ``sign * y_var`` for pattern ``z`` (its value only, from the warm model)."""
        self._use_pattern(z)
        assert self._warm is not None
        status, value, y = self._warm.optimise(var, -sign, want_x=True)
        self.lps += 1
        if status != 0 or y is None:  # pragma: no cover - y = 0 is feasible and ub finite
            raise SolverError(f"cell suppression subproblem failed (status {status})")
        np.maximum(self._seen_up, y, out=self._seen_up)
        np.maximum(self._seen_down, -y, out=self._seen_down)
        return -value

    def _direction(self, z: np.ndarray, var: int, sign: float) -> tuple[float, float, np.ndarray]:
        """Max of ``sign * y_var`` over deviations ``y`` from the truth for pattern ``z``.

        Returns ``(value, const, coef)`` with ``value <= const + coef @ z'`` for every pattern
        ``z'`` (LP duality; equality at ``z' = z``).
        """
        lb, ub = self._bounds(z)
        # Variables pinned at zero (published exactly) are left out of the LP; their bound
        # multipliers are recovered afterwards as reduced costs ``c_j - A_j' gamma``.
        free = (ub - lb) > 0
        free[var] = True
        Af = self.csc.columns(free)
        c = np.zeros(Af.n_cols)
        c[int(free[:var].sum())] = -sign
        if self.engine == "scipy":
            from scipy.optimize import linprog

            A_eq = self.Acsc[:, free]
            res = linprog(
                c,
                A_eq=A_eq if A_eq.shape[0] else None,
                b_eq=self.b_eq,
                bounds=np.column_stack([lb[free], ub[free]]),
                method="highs",
            )
            status, fun = res.status, res.fun
            marg_upper, marg_lower = res.upper.marginals, res.lower.marginals
            row_dual = res.eqlin.marginals if A_eq.shape[0] else None
        else:
            sol = solve_lp(
                c, Af.indptr, Af.indices, Af.data, np.zeros(Af.n_rows), lb[free], ub[free]
            )
            status, fun = sol.status, sol.fun
            marg_upper, marg_lower, row_dual = sol.marg_upper, sol.marg_lower, sol.row_dual
        if status != 0:  # pragma: no cover - y = 0 is always feasible and ub is finite
            raise SolverError(f"cell suppression subproblem failed (status {status})")
        beta = np.zeros(self.system.n)
        alpha = np.zeros(self.system.n)
        beta[free] = np.maximum(-np.asarray(marg_upper), 0.0)
        alpha[free] = np.maximum(np.asarray(marg_lower), 0.0)
        if Af.n_rows:
            reduced = -self.csc.rmatvec(np.asarray(row_dual))[~free]
            beta[~free] = np.maximum(-reduced, 0.0)
            alpha[~free] = np.maximum(reduced, 0.0)
        const = float(beta @ self.h + alpha @ self.l)
        coef = beta * (self.M - self.h) + alpha * (self.a - self.l)
        return float(-fun), const, np.maximum(coef, 0.0)

    def _clearly_met(self, z: np.ndarray, req: _Requirement) -> bool:
        """Whether the warm model's values show ``req`` met under ``z`` with room to spare.

        Values within ``_GUARD`` of a threshold are left to the exact check, so that this
        never decides otherwise than it."""
        self._use_pattern(z)
        v = req.var
        seen = {1.0: self._seen_up[v], -1.0: self._seen_down[v]}
        exact: dict[float, float] = {}
        for sign, level in ((1.0, req.upper), (-1.0, req.lower)):
            # a solution seen already that deviates this far shows the maximum is at least so
            if level > 0 and seen[sign] < level - _TOL + _GUARD:
                exact[sign] = self._value(z, v, sign)
                if exact[sign] < level - _TOL + _GUARD:
                    return False
        if req.sliding > 0 and seen[1.0] + seen[-1.0] < req.sliding - _TOL + _GUARD:
            up = exact.get(1.0)
            down = exact.get(-1.0)
            up = self._value(z, v, 1.0) if up is None else up
            down = self._value(z, v, -1.0) if down is None else down
            return up + down >= req.sliding - _TOL + _GUARD
        return True

    def _settled(self, z: np.ndarray, req: _Requirement, index: int) -> bool:
        """Whether ``req`` is known to be met under ``z`` without an exact check: it does not
        apply, it was met under a pattern ``z`` suppresses at least as much as, or the warm
        model shows it met."""
        if req.conditional and z[req.var] < 0.5:
            return True
        zb = z > 0.5
        if any(not np.any(m & ~zb) for m in self.met[index]):
            return True
        if self.engine != "scipy" and self._clearly_met(z, req):
            self._record_met(index, zb)
            return True
        return False

    def _record_met(self, index: int, zb: np.ndarray) -> None:
        met = self.met[index]
        met.append(zb)
        del met[:-4]

    def _exact_check(self, z: np.ndarray, req: _Requirement) -> list[_Cut]:
        """The cuts ``req`` gives under ``z`` (empty when it is met), from LPs solved from
        scratch. Reads the solver's data and writes nothing of it, so that several run side by
        side on threads."""
        cuts: list[_Cut] = []
        parts: dict[float, tuple[float, float, np.ndarray]] = {}
        for sign, level in ((1.0, req.upper), (-1.0, req.lower)):
            if level > 0 or req.sliding > 0:
                parts[sign] = self._direction(z, req.var, sign)
        cond = req.var if req.conditional else None
        for sign, level in ((1.0, req.upper), (-1.0, req.lower)):
            if level > 0:
                value, const, coef = parts[sign]
                if value < level - _TOL:
                    cuts.append(self._cut(const, coef, level, cond))
        if req.sliding > 0:
            (vu, cu, ku), (vd, cd, kd) = parts[1.0], parts[-1.0]
            if vu + vd < req.sliding - _TOL:
                cuts.append(self._cut(cu + cd, ku + kd, req.sliding, cond))
        return cuts

    @staticmethod
    def _exact_lps(req: _Requirement) -> int:
        """The LPs :meth:`_exact_check` solves for ``req``."""
        return sum(1 for level in (req.upper, req.lower) if level > 0 or req.sliding > 0)

    @staticmethod
    def _cut(const: float, coef: np.ndarray, level: float, cond: int | None) -> _Cut:
        rhs = level - const
        # coefficient strengthening: z is binary, so a coefficient above rhs can be cut to rhs
        return _Cut(np.minimum(coef, rhs), rhs, cond)

    def violated(self, z: np.ndarray, deadline: float = math.inf) -> list[_Cut] | None:
        """Cuts violated by ``z``, every requirement checked; None if ``deadline`` (seconds
        since the start) passed before all were.

        The requirements are checked in order on the warm model. Those it cannot settle are
        checked exactly on the ``workers``' threads, if it has more than one, while this thread
        goes on with the warm model. Their cuts are taken in the requirements' order, so the
        cuts, and every pattern after them, are those of one thread."""
        exact: list[int] = []  # the requirements checked exactly
        jobs: list[Future[list[_Cut]]] = []  # ... and their checks
        try:
            for i, req in enumerate(self.reqs):
                if self.elapsed() > deadline:
                    self.workers.drop(jobs)
                    return None
                if not self._settled(z, req, i):
                    lps = self._exact_lps(req)
                    self.lps += lps
                    work = lps * self.system.n  # an LP's time grows with the table
                    jobs.append(self.workers.submit(self._exact_check, z, req, work=work))
                    exact.append(i)
        except BaseException:
            self.workers.drop(jobs)
            raise
        found = self.workers.gather(jobs)
        out: list[_Cut] = []
        for i, cuts in zip(exact, found, strict=True):
            if not cuts:
                self._record_met(i, z > 0.5)
            out.extend(cuts)
        return out

    # -- master ---------------------------------------------------------------------------------
    def master(self, gap: float, deadline: float) -> tuple[np.ndarray | None, bool]:
        """The least-cost pattern meeting every cut so far: ``(z, proven optimal)``; ``z`` is
        None if the time ran out before HiGHS found one."""
        n = self.system.n
        remaining = deadline - self.elapsed()
        if remaining <= 0:
            return None, False
        rows = []
        for cut in self.cuts:
            row = cut.coef.copy()
            if cut.cond_var is not None:
                row[cut.cond_var] -= cut.rhs
            rows.append(row)
        C = np.vstack(rows)
        lb = np.array([0.0 if c.cond_var is not None else c.rhs for c in self.cuts])
        if self.engine == "scipy":
            from scipy.optimize import Bounds, LinearConstraint, milp

            res = milp(
                self.weight,
                constraints=LinearConstraint(C, lb, np.inf),
                integrality=np.ones(n),
                bounds=Bounds(self.primary.astype(float), np.ones(n)),
                options={"time_limit": remaining, "mip_rel_gap": gap},
            )
            status, x = res.status, res.x
        else:
            sol = solve_milp(
                self.weight, C, lb, self.primary.astype(float), np.ones(n), remaining, gap
            )
            status, x = sol.status, sol.x
        if status == 2:
            # every cut is valid, so no pattern meets the requirements (guarded against by
            # _unattainable before the search starts)
            raise DisclosureError(
                "no suppression pattern meets the protection levels, even suppressing every cell",
                code="protection-unattainable",
            )
        if x is None:
            return None, False
        return (np.asarray(x) > 0.5).astype(float), bool(status == 0)

    # -- drivers ----------------------------------------------------------------------------------
    def solve(self) -> tuple[np.ndarray, dict[str, Any]]:
        z = self.primary.astype(float)
        optimal = True
        method = "benders-milp"
        # the exact search may take this share of the time; the greedy completion the rest
        search_end = self.search_share * self.time_limit
        # Early masters only need good patterns, not proven optimal ones: solve them to a 5%
        # gap, then to optimality once no cut is violated (the usual Benders acceleration).
        gap = 0.05
        pending: list[_Cut] = []
        while True:
            self.iterations += 1
            new = self.violated(z, search_end)
            if new is None:
                break
            if not new:
                if gap > 1e-6 and self.cuts:
                    gap = 1e-7
                    nz, solved = self.master(gap, search_end)
                    if nz is None:
                        new = None
                        break
                    z = nz
                    optimal = optimal and solved
                    continue
                break
            self.cuts.extend(new)
            if self.elapsed() > search_end:
                pending = new
                new = None
                break
            nz, solved = self.master(gap, search_end)
            if nz is None:
                pending = new
                new = None
                break
            z = nz
            optimal = optimal and solved
        if new is None:  # out of time: complete the pattern greedily, then prune it
            optimal = False
            done = self.greedy(z, pending)
            if done is None:
                method, z = "all", np.ones(self.system.n)
            else:
                method, z = "greedy", self.prune(done)
        info = {
            "method": method,
            "optimal": optimal,
            "iterations": self.iterations,
            "lps": self.lps,
            "cuts": len(self.cuts),
            "seconds": round(self.elapsed(), 3),
        }
        return z, info

    def greedy(self, z: np.ndarray, cuts: list[_Cut]) -> np.ndarray | None:
        """Repair ``z`` by adding, for each violated cut, the cells with most capacity per cost.

        None if the time limit passed before the pattern met every requirement."""
        z = z.copy()
        pending: list[_Cut] | None = cuts or None  # None: not checked yet
        while pending is None or pending:
            for cut in pending or []:
                gain = cut.coef * (1 - z)
                have = float(cut.coef @ z)
                for j in np.argsort(-(gain / self.weight), kind="stable"):
                    if have >= cut.rhs - _TOL or gain[j] <= 0:
                        break
                    z[j] = 1.0
                    have += gain[j]
            pending = self.violated(z, self.time_limit)
            if pending is None:
                return None
        return z

    def prune(self, z: np.ndarray) -> np.ndarray:
        """Drop secondaries (most costly first) whose removal keeps every requirement met.

        Stops at the time limit; whatever it has not reached by then stays suppressed, which
        is safe."""
        z = z.copy()
        for j in np.argsort(-self.weight, kind="stable"):
            if z[j] < 0.5 or self.primary[j]:
                continue
            z[j] = 0.0
            cuts = self.violated(z, self.time_limit)
            if cuts is None:
                z[j] = 1.0
                break
            if cuts:
                z[j] = 1.0
        return z


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def _check_protection_options(
    cost: str,
    upper_protection: int | None,
    lower_protection: int,
    sliding_protection: int,
    solver_time_limit: float,
) -> tuple[int | None, int, int, float]:
    """The protection options, checked: ``(upper, lower, sliding, seconds)``.

    A protection level is a whole number of respondents (text, a fraction, NaN or a bool is an
    ArgumentError naming the option; a level out of range a ConfigurationError), the time
    limit a number of seconds above 0."""
    if not isinstance(cost, str) or cost not in ("cells", "value"):
        raise ConfigurationError(f"cost must be 'cells' or 'value', got {cost!r}")
    lower = check_whole("lower_protection", lower_protection, 0)
    sliding = check_whole("sliding_protection", sliding_protection, 0)
    upper = check_optional_whole("upper_protection", upper_protection, 1)
    seconds = check_seconds("solver_time_limit", solver_time_limit)
    return upper, lower, sliding, seconds


def _requirements(
    a: np.ndarray,
    primary: np.ndarray,
    mc: int,
    upper_protection: int | None,
    lower_protection: int,
    sliding_protection: int,
) -> list[_Requirement]:
    """What the attack must not learn: each small cell's protection interval, and that a
    publishable zero used as a secondary is not shown to be small either."""
    reqs: list[_Requirement] = []
    for v in range(len(a)):
        if primary[v]:
            up = float(upper_protection) if upper_protection is not None else float(mc - a[v])
            reqs.append(
                _Requirement(v, up, float(lower_protection), float(sliding_protection), False)
            )
        elif a[v] < mc:
            reqs.append(_Requirement(v, float(mc - a[v]), 0.0, 0.0, True))
    return reqs


def _audit_alone(
    tab: Table,
    sup: np.ndarray,
    shown: np.ndarray,
    rounding: int | None,
    mc: int,
    engine: str | None,
) -> pd.DataFrame:
    """The attack on one table as published, read without the tables linked to it."""
    alone = replace(tab, values=np.where(sup, np.nan, shown[tab.var]))
    sys1 = build_system([alone], check=not rounding)
    lo1, hi1 = published_bounds(sys1.value, rounding, mc)
    bounds1 = attack_bounds(sys1, np.isnan(sys1.value), lo1, hi1, engine=engine)
    return bounds_frame(sys1, bounds1, linked=False)


def _protect(
    tables: list[Table],
    links: Sequence[Link],
    *,
    min_cell: int | None,
    rule: str,
    policy: DisclosurePolicy | str | None,
    cost: str,
    upper_protection: int | None,
    lower_protection: int,
    sliding_protection: int,
    solver_time_limit: float,
    engine: str | None = None,
    joint: bool = True,
    search_share: float = _SEARCH_SHARE,
) -> ProtectedTables:
    """Protect ``tables`` jointly.

    ``engine="scipy"`` (default: the module's ``_ENGINE``) solves every linear programme
    through scipy.optimize instead of HiGHS directly: the reference the tests hold the default
    to. ``joint=False`` leaves out the joint audit frame (``audit`` is then None), which a
    single table does not need. ``search_share`` is the share of the time limit the exact
    search may use before the greedy completion takes over."""
    engine = engine or _ENGINE
    rule_name, mc, suppress_zero, rounding = _resolve_policy(rule, policy, min_cell)
    upper_protection, lower_protection, sliding_protection, solver_time_limit = (
        _check_protection_options(
            cost, upper_protection, lower_protection, sliding_protection, solver_time_limit
        )
    )

    system = build_system(tables, links)
    a = system.value.astype(float)
    n = system.n
    primary = (a > 0) & (a < mc)
    if suppress_zero:
        primary |= a == 0
    # What the intruder knows of a published value (exact, or an interval when rounded).
    shown = _round_half_up(a, rounding) if rounding else a
    lo_pub, hi_pub = published_bounds(shown, rounding, mc)
    reqs = _requirements(a, primary, mc, upper_protection, lower_protection, sliding_protection)
    _check_attainable(system, reqs, a)
    scale = float(a.sum()) + 1.0
    weight = 1.0 + a / scale if cost == "cells" else a + 1.0 / (n + 1)
    with Workers(
        threads=engine != "scipy", initializer=one_thread_scheduler, start_at=_THREADED_LP_WORK
    ) as workers:
        solver = _Solver(
            system,
            a,
            lo_pub,
            hi_pub,
            primary,
            reqs,
            weight,
            solver_time_limit,
            engine=engine,
            search_share=search_share,
            workers=workers,
        )
        z, info = solver.solve()
    info["cost"] = cost
    suppressed = z > 0.5

    # Final check with the real (uncapped) attack; the capped model is a restriction of it, so
    # this cannot fail unless the LP solver misbehaves.
    lo = np.where(suppressed, 0.0, lo_pub)
    hi = np.where(suppressed, np.inf, hi_pub)
    bounds = attack_bounds(system, suppressed, lo, hi, engine=engine)
    _verify(system, bounds, reqs, a)

    out = []
    for ti, tab in enumerate(system.tables):
        sup = suppressed[tab.var]
        prim = primary[tab.var]
        sec = sup & ~prim
        orig = a[tab.var]
        pub = tab.count_frame(shown[tab.var], sup)
        rounded = ~sup & (shown[tab.var] != orig)
        if len(system.tables) == 1:
            own = bounds_frame(system, bounds, linked=False)
        else:  # what a reader of this table alone can find
            own = _audit_alone(tab, sup, shown, rounding, mc, engine)
        out.append(
            ProtectedTable(
                published=pub,
                primary=_mask(tab, prim),
                secondary=_mask(tab, sec),
                original=tab.count_frame(orig, np.zeros_like(sup)),
                rule=rule_name,
                min_cell=mc,
                log=_log(tab, prim, sec, rounded),
                audit=AuditResult(own),
                name=tab.key if len(system.tables) > 1 or tab.key is not None else None,
                info=dict(info, table_index=ti),
            )
        )
    if not joint:
        return ProtectedTables(out, None)  # type: ignore[arg-type]
    return ProtectedTables(out, AuditResult(bounds_frame(system, bounds, linked=True)))


def _check_attainable(system: System, reqs: list[_Requirement], a: np.ndarray) -> None:
    """Refuse protection levels no pattern can meet.

    Suppressing every cell leaves each one unbounded above (a respondent more in a cell adds
    one to every margin it is in), so upper and sliding levels can always be met; but the
    attack's lower bound of a count is never below 0, so a lower level above the count
    cannot."""
    bad = [r for r in reqs if r.lower > a[r.var] + _TOL]
    if bad:
        shown = "; ".join(f"{system.describe(r.var)} (count {a[r.var]:g})" for r in bad[:5])
        raise DisclosureError(
            f"lower_protection {bad[0].lower:g} cannot be met where the count is smaller: "
            f"the intruder's lower bound is never below 0 ({shown}"
            + (f" and {len(bad) - 5} more)" if len(bad) > 5 else ")"),
            code="protection-unattainable",
            details=[system.describe(r.var) for r in bad],
        )


def _verify(
    system: System,
    bounds: dict[int, tuple[float, float]],
    reqs: list[_Requirement],
    a: np.ndarray,
) -> None:
    bad = []
    for r in reqs:
        if r.var not in bounds:
            continue
        lw, up = bounds[r.var]
        if (
            (r.upper > 0 and up < a[r.var] + r.upper - _TOL)
            or (r.lower > 0 and lw > a[r.var] - r.lower + _TOL)
            or (r.sliding > 0 and up - lw < r.sliding - _TOL)
        ):
            bad.append(system.describe(r.var))
    if bad:  # pragma: no cover - guarded by construction
        raise DisclosureError(
            "secondary suppression failed its own audit at " + "; ".join(bad[:5]),
            code="protection-failed",
            details=bad,
        )


def _mask(tab: Table, m: np.ndarray) -> pd.DataFrame | pd.Series:
    return tab.frame(m.astype(bool)).astype(bool)


def _log(tab: Table, prim: np.ndarray, sec: np.ndarray, rounded: np.ndarray) -> pd.DataFrame:
    recs: list[tuple[Hashable, Hashable, str]] = []
    rows, cols = tab.full_rows, tab.full_cols
    for mask, reason in ((prim, "primary"), (sec, "secondary"), (rounded, "rounded")):
        ii, jj = np.nonzero(mask)
        recs.extend(
            (rows[i], None if tab.series else cols[j], reason)
            for i, j in zip(ii.tolist(), jj.tolist(), strict=True)
        )
    return pd.DataFrame(recs, columns=["row", "column", "reason"])


def protect_table(
    table: pd.DataFrame | pd.Series,
    min_cell: int | None = None,
    rule: str = "threshold",
    policy: DisclosurePolicy | str | None = None,
    solver_time_limit: float = 30.0,
    *,
    cost: Literal["cells", "value"] = "cells",
    upper_protection: int | None = None,
    lower_protection: int = 0,
    sliding_protection: int = 0,
) -> ProtectedTable:
    """Suppress small counts, and the fewest further cells that stop them being recovered.

    Parameters
    ----------
    table : pandas.DataFrame or pandas.Series
        Non-negative whole-number counts: rows x columns (e.g. trusts x answer options) or a
        1-D Series. Totals are computed from the inner cells; a ``Total`` row/column (any case)
        already present is detected and checked against them. A row or column labelled ``All``
        that adds up to the others (the margins of ``pandas.crosstab(..., margins=True)``) is
        refused: pass ``margins_name="Total"`` to ``crosstab``.
    min_cell : int, optional
        The threshold: nonzero counts below it are suppressed (default 5, or the policy's).
    rule : {"threshold", "default", "gmc-nts", "nhs-hes"}
        ``"threshold"`` applies ``min_cell`` (and ``policy``, if given); the presets apply a
        :class:`~leadership_eval.policy.DisclosurePolicy`: ``"gmc-nts"`` (under 3 not
        published), ``"nhs-hes"`` (1-7 suppressed, all other published counts, totals included,
        rounded to the nearest 5).
    policy : DisclosurePolicy, optional
        Supplies ``min_cell``, ``suppress_zero`` (zeros are primary suppressions too) and
        ``rounding``.
    solver_time_limit : float, default 30
        Seconds the search may take. The exact search has three quarters of it; past that the
        pattern found so far is completed greedily and pruned within the rest
        (``info["method"] == "greedy"``: still safe, maybe not minimal), and should even that
        not finish in time, every cell is suppressed (``"all"``). The final audit of the
        pattern (two LPs at most per suppressed cell) comes on top.
    cost : {"cells", "value"}
        Minimise the number of suppressed cells (ties broken by smaller total value), or the
        total value suppressed (ties broken by fewer cells).
    upper_protection : int, optional
        Upper protection level: the attack's upper bound of a primary cell ``x`` must reach
        ``x + upper_protection``. Default ``min_cell - x``: the bound reaches ``min_cell``, so
        the intruder cannot show the cell is below the threshold.
    lower_protection : int, default 0
        Lower protection level: the attack's lower bound must be at most ``x -
        lower_protection``.
    sliding_protection : int, default 0
        Sliding protection level: ``upper - lower`` must be at least this.

    Returns
    -------
    ProtectedTable
        ``published`` (``Int64``, ``Total`` row and column, ``pd.NA`` where suppressed),
        ``primary`` and ``secondary`` masks, ``original``, ``rule``, ``min_cell``, ``log``
        (columns ``row``, ``column``, ``reason``), ``audit`` (columns ``row``, ``column``,
        ``lower``, ``upper``, ``width``, ``exact``) and ``info``.

    Raises
    ------
    DataError
        Negative, non-integer, missing or non-numeric counts (naming the row and column), or a
        ``Total`` margin that disagrees with the cells.
    DisclosureError
        A ``lower_protection`` above a count it applies to: the intruder's lower bound is
        never below 0, so no pattern meets it (code ``protection-unattainable``).

    Notes
    -----
    **Primary suppression.** A cell (inner or total) with :math:`0 < x < m` (``min_cell``) is
    suppressed; so is a zero when ``policy.suppress_zero``.

    **Protection rule.** The intruder knows every published cell and every sum equation
    :math:`A x = 0` (rows and columns add up to their totals, tables to the tables they sum to)
    and that counts are non-negative. For a primary cell with value :math:`x_k` and the
    attack's bounds :math:`[L_k, U_k]` (see
    :func:`~leadership_eval.privacy.audit.audit_table`), the pattern must give, in the
    notation of sdcTable and tau-ARGUS protection levels [2]_ [3]_,

    .. math::

        U_k \\ge x_k + \\mathrm{UPL}_k, \\qquad L_k \\le x_k - \\mathrm{LPL}_k, \\qquad
        U_k - L_k \\ge \\mathrm{SPL}_k,

    with default :math:`\\mathrm{UPL}_k = m - x_k`, :math:`\\mathrm{LPL} = \\mathrm{SPL} = 0`:
    the interval reaches the threshold, so the cell cannot be shown to be small (and is never
    exact). A zero used as a secondary suppression must meet the same :math:`U \\ge m`, so
    that no suppressed cell is ever shown to be below the threshold: the published table then
    passes ``audit_table(...).safe(min_cell)`` whoever runs it.

    **Secondary suppression (exact).** With :math:`z_j \\in \\{0, 1\\}` (1 = suppressed, fixed
    to 1 for primaries) and cost :math:`w_j` (1 per cell, or the cell value), the model of
    Fischetti and Salazar-González [1]_ is

    .. math::

        \\min \\sum_j w_j z_j \\quad\\text{s.t. for each primary } k:\\;
        \\max\\{ y_k : A y = 0,\\; -x_j z_j \\le y_j \\le M z_j \\} \\ge \\mathrm{UPL}_k

    (and likewise for the lower and sliding levels), where :math:`y` is a deviation of a
    suppressed pattern from the true table. LP duality turns each requirement into the
    *capacity cuts* :math:`\\sum_j (M\\beta_j + x_j\\alpha_j) z_j \\ge \\mathrm{UPL}_k` over
    dual solutions :math:`(\\alpha, \\beta)`; they are generated lazily (Benders): solve the
    master MILP over :math:`z` with HiGHS [4]_, solve each requirement's LP, add the cut from
    the dual of any that fails, repeat. A requirement met by a pattern stays met by any pattern
    that suppresses more, so it is not checked again there. With two processors or more, the
    LPs whose duals become cuts are solved on worker threads, once they are enough to repay
    the threads' start, while the next requirements are checked (``LEADERSHIP_EVAL_THREADS=1``:
    on the calling thread); the cuts are taken in the requirements' order, so the pattern is
    the one of one thread. When no cut is violated the pattern is safe and, as every cut is
    valid, optimal. Coefficients are capped at the right-hand side (valid for binary
    :math:`z`). A final attack without the cap :math:`M` re-checks the result. A single suppressed cell in a
    row is always recovered from the total, so at least two cells per affected row and column
    are suppressed; a small total is itself primary, which forces suppression along its row.

    **Rounding (``nhs-hes``).** Published values, totals included, are rounded to the nearest
    5, independently. The intruder then only knows each published :math:`r` lies in
    :math:`[r-2, r+2]` (and, knowing the rule, that it is 0 or at least 8), so the attack uses
    intervals instead of exact values and differencing a total against its rounded cells
    leaves an interval of width up to :math:`4(c+1)` for :math:`c` published cells: this is
    why HES needs no secondary suppression in most rows. What remains is checked, not assumed:
    a suppressed cell beside published zeros (exact under the rule) and one other cell still
    has a narrow interval, and secondary cells are added exactly where the attack with
    intervals would show a cell to be below 8.

    **Limits.** Bounds are LP bounds rounded inwards; for two-way tables (totally
    unimodular) they equal the integer bounds. The intruder is assumed not to know the
    distribution of the data beyond the published table (no prior knowledge of single
    respondents).

    References
    ----------
    .. [1] Fischetti, M. and Salazar-González, J.-J. (1999). Models and algorithms for the
       2-dimensional cell suppression problem in statistical disclosure control.
       *Mathematical Programming*, 84(2), 283-312.
    .. [2] Hundepool, A., Domingo-Ferrer, J., Franconi, L., Giessing, S., Schulte Nordholt, E.,
       Spicer, K. and de Wolf, P.-P. (2012). *Statistical Disclosure Control*. Chichester:
       Wiley, ch. 4-5.
    .. [3] Meindl, B. (2023). *sdcTable: Methods for Statistical Disclosure Control in Tabular
       Data*. R package, https://CRAN.R-project.org/package=sdcTable.
    .. [4] Huangfu, Q. and Hall, J. A. J. (2018). Parallelizing the dual revised simplex method.
       *Mathematical Programming Computation*, 10(1), 119-142.

    Examples
    --------
    One small cell needs three complementary cells forming a rectangle; of the four
    rectangles through it, the one of least total value is chosen:

    >>> import pandas as pd
    >>> t = pd.DataFrame({"yes": [3, 10, 8], "no": [9, 11, 20], "unsure": [12, 14, 6]},
    ...                  index=["a", "b", "c"])
    >>> p = protect_table(t, min_cell=5)
    >>> p.published
           yes  no  unsure  Total
    a     <NA>   9    <NA>     24
    b       10  11      14     35
    c     <NA>  20    <NA>     34
    Total   21  40      32     93
    >>> p.n_primary, p.n_secondary
    (1, 3)
    >>> p.audit.safe(5)
    True
    """
    tab = parse_counts(table, None)
    res = _protect(
        [tab],
        (),
        min_cell=min_cell,
        rule=rule,
        policy=policy,
        cost=cost,
        upper_protection=upper_protection,
        lower_protection=lower_protection,
        sliding_protection=sliding_protection,
        solver_time_limit=solver_time_limit,
        joint=False,
    )
    return res.tables[0]


def protect_tables(
    tables: Sequence[pd.DataFrame | pd.Series] | Mapping[Hashable, pd.DataFrame | pd.Series],
    min_cell: int | None = None,
    links: Sequence[TableSum | SharedLine] = (),
    rule: str = "threshold",
    policy: DisclosurePolicy | str | None = None,
    solver_time_limit: float = 60.0,
    *,
    cost: Literal["cells", "value"] = "cells",
    upper_protection: int | None = None,
    lower_protection: int = 0,
    sliding_protection: int = 0,
) -> ProtectedTables:
    """Protect tables that are published together, as one linear system.

    Parameters
    ----------
    tables : sequence or mapping of DataFrame/Series
        The tables (counts, as for :func:`protect_table`). With a mapping, its keys name the
        tables in ``links`` and in the results; with a sequence, positions do.
    min_cell, rule, policy, solver_time_limit, cost, upper_protection, lower_protection, \
sliding_protection
        As for :func:`protect_table`.
    links : sequence of TableSum or SharedLine
        How the tables are linked (None: not linked; one link alone is a list of one).
        Supported linkage models:

        (a) **hierarchical**: ``TableSum(whole, parts)``, the whole (e.g. the regional table)
            is the cell-by-cell sum of the parts (the trusts' tables of the same layout);
        (b) **shared margin**: ``SharedLine(first, second, ...)``, a row or column of one
            table (often its ``Total`` row/column) holds the same counts as a row or column of
            another (e.g. a trust's ``Total`` row is its row in the regional trust x answer
            table; two tables of the same respondents share their ``Total`` column).

        Shared cells become one variable (suppressed in every table or in none) and each sum
        adds equations, so the intruder's attack uses all tables at once. Tables with no link
        (e.g. two survey waves of different respondents, none of them pooled) are protected
        independently; if a pooled table is published too, link it with ``TableSum``.

    Returns
    -------
    ProtectedTables
        ``(tables, audit)``: a list of :class:`ProtectedTable` in input order and the joint
        :class:`~leadership_eval.privacy.audit.AuditResult` (frame columns ``table``, ``row``,
        ``column``, ``lower``, ``upper``, ``width``, ``exact``).

    Notes
    -----
    Protecting linked tables one at a time is not safe: a trust table's secondary cells may be
    published in the regional table, and the difference of two published tables recovers a
    suppressed cell. The joint system stacks every table's margin equations, the equations of
    each ``TableSum`` (``whole - sum(parts) = 0`` for every cell, margins included) and merges
    cells declared equal by ``SharedLine``; the suppression model and the attack are then those
    of :func:`protect_table` on that system.

    Examples
    --------
    Two trusts and the region they make up: the region is published in full, and each trust's
    small cell is hidden by a rectangle in both trusts, so region minus trust ``b`` recovers
    nothing:

    >>> import pandas as pd
    >>> a = pd.DataFrame({"yes": [3, 12], "no": [10, 9]}, index=["FY", "ST"])
    >>> b = pd.DataFrame({"yes": [7, 8], "no": [6, 15]}, index=["FY", "ST"])
    >>> tabs, audit = protect_tables({"a": a, "b": b, "region": a + b},
    ...                              links=[TableSum("region", ["a", "b"])])
    >>> audit.safe(5)
    True
    >>> [t.n_secondary for t in tabs]
    [3, 4, 0]
    >>> audit.frame.loc[:0, ["table", "row", "column", "lower", "upper"]]
      table row column  lower  upper
    0     a  FY    yes    0.0   10.0
    """
    if isinstance(tables, Mapping):
        items = list(tables.items())
    elif isinstance(tables, Sequence) and not isinstance(tables, str | bytes):
        items = list(enumerate(tables))
    else:
        raise ConfigurationError(
            f"tables must be a list or a dict of tables, got {type(tables).__name__}"
        )
    if not items:
        raise ConfigurationError("protect_tables needs at least one table")
    links = check_links(links)
    parsed = [parse_counts(obj, key) for key, obj in items]
    return _protect(
        parsed,
        links,
        min_cell=min_cell,
        rule=rule,
        policy=policy,
        cost=cost,
        upper_protection=upper_protection,
        lower_protection=lower_protection,
        sliding_protection=sliding_protection,
        solver_time_limit=solver_time_limit,
    )
