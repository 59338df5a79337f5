"""Optimal full-domain generalisation until k-anonymity (and optionally l-diversity) holds.

:func:`generalise` searches the lattice of generalisation level vectors (one level per
quasi-identifier) for the transformation of least information loss that satisfies the privacy
model after suppressing at most a given share of records. The search follows ARX's Flash
algorithm (binary search along greedy paths, predictive tagging with monotonicity) and prunes
with lower bounds on the information loss; it is exact, i.e. returns a global optimum.

The data are coded once (each distinct value of a quasi-identifier at every level, then the
distinct tuples); a node is checked by "rolling up" the class table of the evaluated node below
it with the fewest classes (its classes are unions of those), as ARX does, with integer keys
counted densely by ``np.bincount``; the anonymity report of the result is built from those codes.
A node with suppressed records is costed from its class table too, and the lower bounds that
prune the search rise below every such node (see :func:`generalise`).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from .anonymity import (
    INT64_SAFE,
    AnonymityReport,
    as_list,
    check_columns,
    check_report_inputs,
    combine,
    factorize,
    group_codes,
    group_keys,
    report_from_codes,
    target_k,
)
from .hierarchy import Hierarchy, load_hierarchy

__all__ = ["METRICS", "GeneralisationResult", "generalise"]

METRICS: tuple[str, ...] = ("entropy", "loss", "discernibility", "precision")
SUPPRESSED = "*"
_MAX_LATTICE = 2_000_000
_MARGIN = 1e-9  # relative: a bound derived from an evaluated loss is lowered by this much


@dataclass(frozen=True)
class GeneralisationResult:
    """What :func:`generalise` produced.

    Attributes
    ----------
    data : pandas.DataFrame
        The generalised data, same index and columns as the input; quasi-identifiers replaced by
        their generalised values, and by ``"*"`` in suppressed records.
    suppressed : pandas.Series
        Boolean, aligned to the index: the record's quasi-identifiers were suppressed.
    levels : dict
        Quasi-identifier -> chosen hierarchy level.
    checks : int
        Lattice nodes whose grouping was actually evaluated.
    information_loss : float
        The metric's value at the chosen node (see :func:`generalise`).
    report : AnonymityReport
        :func:`~leadership_eval.privacy.anonymity.check_anonymity` of ``data``.
    lattice_size : int
        Number of nodes (level vectors) in the lattice.
    metric : str
        The information-loss metric used.
    """

    data: pd.DataFrame
    suppressed: pd.Series
    levels: dict[Hashable, int]
    checks: int
    information_loss: float
    report: AnonymityReport = field(repr=False)
    lattice_size: int
    metric: str

    @property
    def n_suppressed(self) -> int:
        """Number of suppressed records."""
        return int(self.suppressed.sum())

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary for logs (no record values)."""
        return {
            "levels": {str(q): int(v) for q, v in self.levels.items()},
            "metric": self.metric,
            "information_loss": float(self.information_loss),
            "n_suppressed": self.n_suppressed,
            "checks": self.checks,
            "lattice_size": self.lattice_size,
            "k": self.report.k,
            "passes": self.report.passes,
        }


# ---------------------------------------------------------------------- problem set-up
def _dot(a: np.ndarray, b: np.ndarray) -> float:
    # elementwise, not BLAS: a threaded BLAS call is slow on a busy machine for vectors this size
    return float(np.multiply(a, b).sum())


@dataclass
class _Eval:
    anonymous: bool  # the monotone property: criteria hold after suppressing <= the limit
    acceptable: bool  # anonymous, and the suppressed records are none or form a valid class
    n_suppressed: int
    loss: float
    dm_all: float  # sum of squared class sizes with no suppression (a bound for successors)
    bad: np.ndarray | None  # per distinct tuple: suppressed (None: not computed, or none)


@dataclass
class _Table:
    """The classes of an evaluated node: their codes at the node's levels, and sizes."""

    levels: np.ndarray
    sizes: np.ndarray  # float64 record counts
    codes: np.ndarray | None  # (quasi-identifiers, classes) int64
    # until first used as a source: the source rows' codes and one row of each class
    pending: tuple[np.ndarray | list[np.ndarray], np.ndarray] | None = None

    def decode(self) -> np.ndarray:
        if self.codes is None:
            assert self.pending is not None
            row_codes, rep = self.pending
            if isinstance(row_codes, list):
                self.codes = np.stack([c[rep] for c in row_codes])
            else:
                self.codes = row_codes[:, rep]
            self.pending = None
        return self.codes


class _Problem:
    """Data coded once per quasi-identifier and level, reduced to distinct tuples."""

    def __init__(
        self,
        data: pd.DataFrame,
        hierarchies: dict[Hashable, Hierarchy],
        k: int,
        max_suppression: float,
        metric: str,
        l: float | None,  # noqa: E741
        sensitive: list[Hashable],
    ) -> None:
        self.qis = list(hierarchies)
        self.hierarchies = hierarchies
        self.k = k
        self.l = l
        self.metric = metric
        n = len(data)
        self.n = n
        self.limit = math.floor(max_suppression * n + 1e-9)
        self.d = len(self.qis)
        shares, counts = self._code_values(data, hierarchies)
        self._tuples(data, sensitive, l)
        self._cell_losses(metric, shares, counts)
        d = self.d
        # per-QI, per-level totals: the generalisation-only loss (a lower bound)
        self.level_loss = [np.array([_dot(self.w, c) for c in self.cell[j]]) for j in range(d)]
        self.norm = 1.0 if metric in ("entropy", "discernibility") else float(n * d)
        self._lookups()
        self.rollup = l is None and math.prod(self.cards[j][0] for j in range(d)) < INT64_SAFE
        #: nodes with suppressed records are costed from their class table (False: from the
        #: suppressed tuples by evaluate_full, the reference)
        self.class_level = True
        self._tables: list[_Table] = []
        self._table_levels = np.zeros((16, d), dtype=np.int64)
        self._table_rows = np.zeros(16, dtype=np.int64)
        if self.rollup:
            bottom = np.zeros(d, dtype=np.int64)
            self._add_table(_Table(bottom, self.w, None))  # its codes: self.t_code

    def _code_values(
        self, data: pd.DataFrame, hierarchies: dict[Hashable, Hierarchy]
    ) -> tuple[list[list[np.ndarray]], list[np.ndarray]]:
        """Code every distinct value at every level (keeping only levels' values present in
        the data); a record's code at a level is then a look-up through its value's index.
        Returns each level's loss shares and each value's count."""
        n = self.n
        self.vidx: list[np.ndarray] = []  # per record: index of its distinct value (NA last)
        self.n_values: list[int] = []  # distinct values, NA counted as one
        self.first_of_value: list[np.ndarray] = []
        self.val_codes: list[list[np.ndarray]] = []  # per distinct value: code at each level
        self.labels: list[list[np.ndarray]] = []
        self.cards: list[list[int]] = []
        shares: list[list[np.ndarray]] = []
        counts: list[np.ndarray] = []
        positions = np.arange(n, dtype=np.int64)
        for q in self.qis:
            col = data[q]
            vi, nv = factorize(col)
            first_v = np.full(nv, n, dtype=np.int64)
            np.minimum.at(first_v, vi, positions)
            # each distinct value once (a positional take of the column's array: no labels)
            codings = hierarchies[q].encode(pd.Series(col.array.take(first_v), name=q), q)
            vc, lab, car, sh = [], [], [], []
            for c in codings:
                present = np.unique(c.codes)
                remap = np.zeros(max(len(c.labels), 1), dtype=np.int64)
                remap[present] = np.arange(len(present), dtype=np.int64)
                vc.append(remap[c.codes])
                lab.append(c.labels[present])
                car.append(len(present))
                sh.append(c.share[present])
            self.vidx.append(vi)
            self.n_values.append(nv)
            self.first_of_value.append(first_v)
            self.val_codes.append(vc)
            self.labels.append(lab)
            self.cards.append(car)
            shares.append(sh)
            counts.append(np.bincount(vi, minlength=nv).astype(np.float64))
        self.heights = np.array([len(c) - 1 for c in self.cards], dtype=np.int64)
        return shares, counts

    def _tuples(self, data: pd.DataFrame, sensitive: list[Hashable], l: float | None) -> None:  # noqa: E741
        """Distinct bottom tuples (with the sensitive values when l is asked), with weights."""
        n, d = self.n, self.d
        parts = [self.val_codes[j][0][self.vidx[j]] for j in range(d)]
        part_cards = [self.cards[j][0] for j in range(d)]
        self.s_rec: list[np.ndarray] = []
        self.s_card: list[int] = []
        if l is not None:
            for s in sensitive:
                sc, sm = factorize(data[s])
                self.s_rec.append(sc)
                self.s_card.append(sm)
                parts.append(sc)
                part_cards.append(sm)
        self.rec_tuple, weights = group_codes(parts, part_cards, n)
        T = len(weights)
        self.T = T
        self.w = weights.astype(np.float64)
        first = np.full(T, n, dtype=np.int64)
        np.minimum.at(first, self.rec_tuple, np.arange(n, dtype=np.int64))
        self.t_vals = [self.vidx[j][first] for j in range(d)]  # per tuple: its value index
        self._t_codes: dict[tuple[int, int], np.ndarray] = {}
        self.t_sens = [sc[first] for sc in self.s_rec]

    def _cell_losses(
        self, metric: str, shares: list[list[np.ndarray]], counts: list[np.ndarray]
    ) -> None:
        """Per-cell information loss of each tuple at each level, and of a suppressed cell
        (computed per distinct value, then looked up per tuple); and what suppressing a
        record costs over generalising it, per code of each level: it depends on the
        generalised value only (for entropy the original value's frequency cancels out:
        log2(n / f0) - log2(f_L / f0) = log2(n) - log2(f_L)), so a class table gives the loss
        of suppressing its small classes."""
        n, T = self.n, self.T
        self.cell: list[list[np.ndarray]] = []
        self.cell_top: list[np.ndarray] = []
        self.supp_cost: list[list[np.ndarray]] = []
        for j in range(self.d):
            levels_j = []
            cost_j = []
            tv = self.t_vals[j]
            cards = self.cards[j]
            if metric == "entropy":
                freq = [
                    np.bincount(vc, weights=counts[j], minlength=cards[L])
                    for L, vc in enumerate(self.val_codes[j])
                ]
                f0 = freq[0][self.val_codes[j][0]]
                for L in range(len(freq)):
                    levels_j.append(np.log2(freq[L][self.val_codes[j][L]] / f0)[tv])
                    cost_j.append(np.log2(float(n)) - np.log2(np.maximum(freq[L], 1.0)))
                self.cell_top.append(np.log2(n / f0)[tv])
            elif metric == "loss":
                for L in range(len(cards)):
                    levels_j.append(shares[j][L][self.val_codes[j][L]][tv])
                    cost_j.append(1.0 - shares[j][L])
                self.cell_top.append(np.ones(T))
            elif metric == "precision":
                h = max(len(cards) - 1, 1)
                for L in range(len(cards)):
                    levels_j.append(np.full(T, L / h))
                    cost_j.append(np.full(cards[L], 1.0 - L / h))
                self.cell_top.append(np.ones(T))
            else:  # discernibility: not a per-cell metric
                for L in range(len(cards)):
                    levels_j.append(np.zeros(T))
                    cost_j.append(np.zeros(cards[L]))
                self.cell_top.append(np.zeros(T))
            self.cell.append(levels_j)
            self.supp_cost.append(cost_j)

    def _lookups(self) -> None:
        """Roll-up: a node's classes are unions of an evaluated predecessor's classes, so it
        is grouped from that (smaller) class table. The map of QI j's level-a codes to level b
        (b >= a) is the block of self.lut starting at self.lut_at[j][a][b]."""
        blocks: list[np.ndarray] = []
        self.lut_at: list[list[list[int]]] = []
        at = 0
        for j in range(self.d):
            h = len(self.cards[j])
            at_j: list[list[int]] = []
            for a in range(h):
                row = []
                for b in range(h):
                    m = np.zeros(self.cards[j][a], dtype=np.int64)
                    if b >= a:
                        m[self.val_codes[j][a]] = self.val_codes[j][b]
                    blocks.append(m)
                    row.append(at)
                    at += len(m)
                at_j.append(row)
            self.lut_at.append(at_j)
        self.lut = np.concatenate(blocks)

    def t_code(self, j: int, level: int) -> np.ndarray:
        """Every distinct tuple's code of quasi-identifier ``j`` at ``level`` (cached)."""
        out = self._t_codes.get((j, level))
        if out is None:
            out = self.val_codes[j][level][self.t_vals[j]]
            self._t_codes[(j, level)] = out
        return out

    def rec_codes(self, j: int, level: int) -> np.ndarray:
        """Every record's code of quasi-identifier ``j`` at ``level``."""
        return self.val_codes[j][level][self.vidx[j]]

    def _add_table(self, table: _Table) -> None:
        i = len(self._tables)
        if i == len(self._table_rows):
            self._table_levels = np.concatenate([self._table_levels, self._table_levels])
            self._table_rows = np.concatenate([self._table_rows, self._table_rows])
        self._tables.append(table)
        self._table_levels[i] = table.levels
        self._table_rows[i] = len(table.sizes)

    # -- lattice
    def lattice(self) -> np.ndarray:
        dims = tuple(int(h) + 1 for h in self.heights)
        size = math.prod(dims)
        if size > _MAX_LATTICE:
            raise DataError(
                f"the generalisation lattice has {size:,} nodes (more than {_MAX_LATTICE:,}); "
                "use fewer quasi-identifiers or hierarchies with fewer levels",
                code="lattice-too-large",
            )
        grid = np.indices(dims).reshape(len(dims), -1).T
        return np.ascontiguousarray(grid.astype(np.int16))

    def lower_bounds(self, nodes: np.ndarray) -> np.ndarray:
        lb = np.zeros(len(nodes))
        for j in range(self.d):
            lb += self.level_loss[j][nodes[:, j]]
        if self.metric == "discernibility":
            return np.full(len(nodes), float(self.n) * min(self.k, self.n))
        return lb / self.norm

    # -- node evaluation
    def evaluate(self, v: np.ndarray) -> _Eval:
        if not self.rollup:
            return self.evaluate_full(v)
        d = self.d
        lv = np.asarray(v, dtype=np.int64)
        m = len(self._tables)
        # the evaluated node below v with the fewest classes
        below = (self._table_levels[:m] <= lv).all(axis=1)
        i_src = int(np.where(below, self._table_rows[:m], self.n + 1).argmin())
        src = self._tables[i_src]
        b_lv = lv.tolist()
        n_rows = len(src.sizes)
        cards = [self.cards[j][b_lv[j]] for j in range(d)]
        codes: np.ndarray | list[np.ndarray]  # the source rows' codes at v's levels
        if i_src == 0:  # the bottom: rows are the distinct tuples, whose codes are cached
            codes = [self.t_code(j, b_lv[j]) for j in range(d)]
        else:
            # a quasi-identifier at the source's level keeps its codes (its roll-up is the
            # identity): only the others are looked up
            a_lv = src.levels.tolist()
            codes = src.decode().copy()
            for j in range(d):
                if a_lv[j] != b_lv[j]:
                    codes[j] = self.lut[codes[j] + self.lut_at[j][a_lv[j]][b_lv[j]]]
        total = math.prod(cards)
        dense = max(4 * n_rows, 1 << 12)
        if total <= dense and not isinstance(codes, list):  # mixed-radix keys, counted densely
            strides = [1] * d
            for j in range(d - 2, -1, -1):
                strides[j] = strides[j + 1] * cards[j + 1]
            key = np.array(strides, dtype=np.int64) @ codes
        else:
            # multiply-add, largest domains first, re-densified whenever the key space would
            # outgrow a small multiple of the rows (so counting stays a dense bincount)
            key = np.zeros(n_rows, dtype=np.int64)
            total = 1
            for j in sorted(range(d), key=lambda x: -cards[x]):
                card = cards[j]
                if card == 1:
                    continue
                if total * card > dense:
                    present = np.flatnonzero(np.bincount(key, minlength=total) > 0)
                    remap = np.empty(total, dtype=np.int64)
                    remap[present] = np.arange(len(present), dtype=np.int64)
                    key = remap[key]
                    total = len(present)
                key *= card
                key += codes[j]
                total *= card
        full = np.bincount(key, weights=src.sizes, minlength=total)
        present = np.flatnonzero(full > 0)  # (nonzero of a bool array is much faster)
        sizes = full[present]
        n_supp = 0 if sizes.min() >= self.k else round(float(sizes[sizes < self.k].sum()))
        anonymous = n_supp <= self.limit
        if anonymous and n_supp > 0 and not self.class_level:
            # the reference: the loss from the suppressed tuples, record by record
            return self.evaluate_full(v)
        slot = np.empty(total, dtype=np.int64)
        slot[key] = np.arange(n_rows, dtype=np.int64)
        rep = slot[present]  # a source row of each class
        self._add_table(_Table(lv, sizes, None, (codes, rep)))
        dm_all = float(np.multiply(sizes, sizes).sum()) if self.metric == "discernibility" else 0.0
        loss = math.inf
        if anonymous and n_supp == 0:  # no record suppressed: the same arithmetic as evaluate_full
            if self.metric == "discernibility":
                loss = dm_all - 0.0 + 0.0
            else:
                total_loss = 0.0
                for j in range(d):
                    total_loss += self.level_loss[j][int(lv[j])]
                loss = total_loss / self.norm
        elif anonymous:  # the suppressed classes' loss, from their codes at v's levels
            small = np.flatnonzero(sizes < self.k)
            ws = sizes[small]
            if self.metric == "discernibility":
                loss = dm_all - _dot(ws, ws) + float(n_supp) * self.n
            else:
                rows = rep[small]
                total_loss = 0.0
                for j in range(d):
                    L = b_lv[j]
                    cj = codes[j][rows] if isinstance(codes, list) else codes[j, rows]
                    total_loss += self.level_loss[j][L] + _dot(ws, self.supp_cost[j][L][cj])
                loss = total_loss / self.norm
        acceptable = anonymous and (n_supp == 0 or n_supp >= self.k)
        return _Eval(anonymous, acceptable, n_supp, loss, dm_all, None)

    def evaluate_full(self, v: np.ndarray) -> _Eval:
        """Evaluate a node on the distinct tuples (with the suppressed ones marked)."""
        d = self.d
        codes = [self.t_code(j, int(v[j])) for j in range(d)]
        cards = [self.cards[j][int(v[j])] for j in range(d)]
        key, total = combine(codes, cards, self.T)
        w = self.w
        cls, _ = group_keys(key, total)
        sizes = np.bincount(cls, weights=w)
        size_t = sizes[cls]
        bad = size_t < self.k
        if self.l is not None:
            n_cls = len(sizes)
            for st, sm in zip(self.t_sens, self.s_card, strict=True):
                pid, _ = group_keys(cls * sm + st, n_cls * sm)
                firsts = np.full(int(pid.max()) + 1, self.T, dtype=np.int64)
                np.minimum.at(firsts, pid, np.arange(self.T, dtype=np.int64))
                distinct = np.bincount(cls[firsts], minlength=n_cls)
                bad |= distinct[cls] < self.l
        bad_idx = np.flatnonzero(bad)
        n_supp = round(float(w[bad_idx].sum()))
        anonymous = n_supp <= self.limit
        acceptable = anonymous
        if anonymous and n_supp > 0:
            acceptable = n_supp >= self.k
            if acceptable and self.l is not None:
                acceptable = all(len(np.unique(st[bad_idx])) >= self.l for st in self.t_sens)
        dm_all = _dot(w, size_t) if self.metric == "discernibility" else 0.0
        loss = math.inf
        if anonymous:  # the loss of a node that fails is never needed
            if self.metric == "discernibility":
                loss = dm_all - _dot(w[bad_idx], size_t[bad_idx]) + float(n_supp) * self.n
            else:
                total_loss = 0.0
                wb = w[bad_idx]
                for j in range(d):
                    L = int(v[j])
                    total_loss += self.level_loss[j][L]
                    if n_supp:
                        total_loss += _dot(wb, self.cell_top[j][bad_idx] - self.cell[j][L][bad_idx])
                loss = total_loss / self.norm
        return _Eval(anonymous, acceptable, n_supp, loss, dm_all, bad if n_supp else None)


# ---------------------------------------------------------------------- search
class _Search:
    """Flash's traversal (binary search on greedy paths, predictive tagging) plus bounds."""

    #: skip starting a path at a node whose lower bound cannot beat the best loss found
    prune_starts = True
    #: raise the bounds of the nodes below a node with suppressed records (False: the
    #: generalisation loss alone, the reference)
    tight_bounds = True

    def __init__(self, problem: _Problem) -> None:
        self.p = problem
        self.nodes = problem.lattice()
        N = len(self.nodes)
        self.N = N
        self.dims = tuple(int(h) + 1 for h in problem.heights)
        self.strides = np.ones(problem.d, dtype=np.int64)
        for j in range(problem.d - 2, -1, -1):
            self.strides[j] = self.strides[j + 1] * self.dims[j + 1]
        self.status = np.zeros(N, dtype=np.int8)  # 0 unknown, 1 anonymous, -1 not anonymous
        self._status_nd = self.status.reshape(self.dims)
        self.evaluated: dict[int, _Eval] = {}
        self.lb_gen = problem.lower_bounds(self.nodes)  # the generalisation loss alone
        self._lb_gen_nd = self.lb_gen.reshape(self.dims)
        self.lb = self.lb_gen.copy()  # raised as evaluated nodes show more (_bound_below)
        self._lb_nd = self.lb.reshape(self.dims)
        self.best = -1
        self.best_loss = math.inf
        self.checks = 0
        # Flash's ordering: level, then precision, then (1 - share of distinct values kept)
        sums = self.nodes.sum(axis=1).astype(float)
        max_level = float(problem.heights.sum()) or 1.0
        h = np.maximum(problem.heights, 1).astype(float)
        prec = (self.nodes / h).mean(axis=1)
        kept = np.zeros(N)
        for j in range(problem.d):
            c = np.asarray(problem.cards[j], dtype=float)
            kept += c[self.nodes[:, j]] / c[0]
        kept = 1.0 - kept / problem.d
        order = np.lexsort((np.arange(N), kept, prec, sums / max_level))
        self.rank = np.empty(N, dtype=np.int64)
        self.rank[order] = np.arange(N)
        self.level_sum = self.nodes.sum(axis=1).astype(np.int64)
        self._succ: dict[int, list[int]] = {}
        # plain-Python copies for the traversal's scalar look-ups
        self._rank = self.rank.tolist()
        self._strides = self.strides.tolist()
        self._heights = problem.heights.tolist()

    def _up(self, i: int) -> tuple[slice, ...]:
        return tuple(slice(x, None) for x in self.nodes[i].tolist())

    def _down(self, i: int) -> tuple[slice, ...]:
        return tuple(slice(0, x + 1) for x in self.nodes[i].tolist())

    def skip(self, i: int) -> bool:
        return bool(self.status[i] != 0)

    def skip_start(self, i: int) -> bool:
        return bool(self.status[i] != 0) or (
            self.prune_starts and bool(self.lb[i] >= self.best_loss)
        )

    def successors(self, i: int) -> list[int]:
        out = self._succ.get(i)
        if out is None:
            v = self.nodes[i].tolist()
            h = self._heights
            st = self._strides
            out = [i + st[j] for j in range(len(v)) if v[j] < h[j]]
            out.sort(key=self._rank.__getitem__)
            self._succ[i] = out
        return out

    def _update_best(self, i: int, loss: float) -> None:
        if loss < self.best_loss:
            self.best_loss = loss
            self.best = i

    def evaluate(self, i: int) -> _Eval:
        ev = self.evaluated.get(i)
        if ev is None:
            ev = self.p.evaluate(self.nodes[i])
            self.checks += 1
            self.evaluated[i] = ev
            if self.p.metric == "discernibility":
                sub = self._lb_nd[self._up(i)]
                np.maximum(sub, ev.dm_all, out=sub)
            if self.tight_bounds and ev.anonymous and ev.n_suppressed:
                self._bound_below(i, ev)
        return ev

    def _bound_below(self, i: int, ev: _Eval) -> None:
        """Raise the lower bounds of the nodes below ``i`` by what its suppression costs.

        Below ``i`` classes split, so every record suppressed at ``i`` is suppressed there
        too, and a record's suppression costs at least as much at lower levels (its
        generalised value is rarer, narrower or lower). So a node ``v`` below loses at least
        its generalisation loss plus ``i``'s suppression loss; for discernibility, whose
        released classes have at least ``k`` records, at least ``k n + (n - k) s`` with ``s``
        the records suppressed at ``i``. A small margin keeps rounding from overstating it.
        """
        down = self._down(i)
        if self.p.metric == "discernibility":
            n, k = float(self.p.n), float(min(self.p.k, self.p.n))
            bound = k * n + (n - k) * ev.n_suppressed
            sub = self._lb_nd[down]
            np.maximum(sub, bound * (1.0 - _MARGIN), out=sub)
            return
        extra = (ev.loss - self.lb_gen[i]) - _MARGIN * abs(ev.loss)
        if extra > 0:
            sub = self._lb_nd[down]
            np.maximum(sub, self._lb_gen_nd[down] + extra, out=sub)

    def check_and_tag(self, i: int) -> bool:
        ev = self.evaluate(i)
        if ev.anonymous:
            # (nothing above an anonymous node is known not to be: monotonicity)
            sub = self._status_nd[self._up(i)]
            np.maximum(sub, 1, out=sub)
            self.status[i] = 1
            if ev.acceptable:
                self._update_best(i, ev.loss)
        else:
            sub = self._status_nd[self._down(i)]
            np.minimum(sub, -1, out=sub)
            self.status[i] = -1
        return ev.anonymous

    def find_path(self, i: int) -> list[int]:
        path = [i]
        cur = i
        while True:
            nxt = next((s for s in self.successors(cur) if not self.skip(s)), None)
            if nxt is None:
                return path
            path.append(nxt)
            cur = nxt

    def check_path(self, path: list[int], queue: list[tuple[int, int]]) -> None:
        low, high = 0, len(path) - 1
        while low <= high:
            mid = (low + high) // 2
            node = path[mid]
            if self.skip(node):
                high = mid - 1
                continue
            if self.check_and_tag(node):
                high = mid - 1
            else:
                for s in self.successors(node):
                    if not self.skip(s):
                        heapq.heappush(queue, (self._rank[s], s))
                low = mid + 1

    def run(self) -> None:
        """Classify every node that could beat the best loss as anonymous or not."""
        self.check_and_tag(0)  # the bottom
        queue: list[tuple[int, int]] = []
        for level in range(int(self.level_sum.max()) + 1):
            at = np.flatnonzero((self.level_sum == level) & (self.status == 0))
            for start in at[np.argsort(self.rank[at])]:
                start = int(start)
                if self.skip_start(start):
                    continue
                heapq.heappush(queue, (self._rank[start], start))
                while queue:
                    _, head = heapq.heappop(queue)
                    if not self.skip_start(head):
                        self.check_path(self.find_path(head), queue)
        self.finish()

    def finish(self) -> None:
        """Consider the anonymous nodes that were only tagged, in lower-bound order.

        Bounds rise as nodes are evaluated (:meth:`_bound_below`): a node whose bound rose
        since it was queued goes back in the queue with its new bound."""
        cand = np.flatnonzero(self.status == 1)
        cand = cand[np.argsort(self.lb[cand], kind="stable")]
        level_only = self.p.limit == 0 and self.p.metric != "discernibility"
        queue = [(float(self.lb[c]), pos, int(c)) for pos, c in enumerate(cand.tolist())]
        pos = len(queue)
        while queue:
            queued, _, i = heapq.heappop(queue)
            if queued >= self.best_loss:
                break
            if i in self.evaluated:
                continue
            now = float(self.lb[i])
            if now > queued:
                heapq.heappush(queue, (now, pos, i))
                pos += 1
                continue
            if level_only:
                # no suppression is allowed, so the loss is the generalisation loss itself
                self._update_best(i, now)
                continue
            ev = self.evaluate(i)
            if ev.acceptable:
                self._update_best(i, ev.loss)

    def exhaustive(self) -> None:
        """Evaluate every node (for reference and benchmarks)."""
        for i in range(self.N):
            ev = self.evaluate(i)
            self.status[i] = 1 if ev.anonymous else -1
            if ev.acceptable:
                self._update_best(i, ev.loss)


# ---------------------------------------------------------------------- public
def _resolve_hierarchies(
    data: pd.DataFrame, hierarchies: Mapping[Hashable, Hierarchy | str | Path]
) -> dict[Hashable, Hierarchy]:
    if not isinstance(hierarchies, Mapping) or not hierarchies:
        raise DataError(
            "hierarchies must map each quasi-identifier column to a Hierarchy or a file path",
            code="no-quasi-identifiers",
        )
    check_columns(data, list(hierarchies), "quasi-identifier")
    out: dict[Hashable, Hierarchy] = {}
    for q, h in hierarchies.items():
        if isinstance(h, Hierarchy):
            out[q] = h
        elif isinstance(h, str | Path):
            out[q] = load_hierarchy(h)
        else:
            raise DataError(
                f"hierarchy for {q!r} must be a Hierarchy or a file path, not {type(h).__name__}",
                code="invalid-hierarchy",
            )
    return out


def _prepare(
    data: pd.DataFrame,
    hierarchies: Mapping[Hashable, Hierarchy | str | Path],
    k: int,
    max_suppression: float,
    metric: str,
    l: float | None,  # noqa: E741
    sensitive: Hashable | list[Hashable] | None,
) -> tuple[_Problem, list[Hashable]]:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise DataError(f"k must be a whole number of at least 1, got {k!r}", code="invalid-k")
    if (
        isinstance(max_suppression, bool)
        or not isinstance(max_suppression, int | float)
        or not 0 <= max_suppression <= 1
    ):
        raise DataError(
            f"max_suppression must be a share between 0 and 1, got {max_suppression!r}",
            code="invalid-suppression",
        )
    if metric not in METRICS:
        raise DataError(
            f"unknown metric {metric!r}; choose one of {', '.join(METRICS)}", code="invalid-metric"
        )
    if l is not None and (
        isinstance(l, bool) or not isinstance(l, int | float) or not 1 <= l < math.inf
    ):
        raise DataError(
            f"l must be a number of at least 1, and finite, got {l!r}", code="invalid-l"
        )
    sens = as_list(sensitive)
    if l is not None and not sens:
        raise DataError("an l target needs a sensitive column", code="no-sensitive")
    hier = _resolve_hierarchies(data, hierarchies)
    check_columns(data, sens, "sensitive")
    both = [s for s in sens if s in hier]
    if both:
        raise DataError(
            f"column(s) {both} cannot be both quasi-identifier and sensitive",
            code="sensitive-is-quasi-identifier",
        )
    if len(data) == 0:
        raise DataError("data has no rows", code="empty-data")
    return _Problem(data, hier, int(k), float(max_suppression), metric, l, sens), sens


def _factorize_values(
    values: np.ndarray, idx: np.ndarray, first_of_code: np.ndarray | None = None
) -> tuple[np.ndarray, int]:
    """``factorize(pd.Series(ext[idx]))`` where ``ext`` is ``values`` plus ``"*"``, hashing only
    the few distinct values (equal values share a code; codes in order of first appearance,
    missing values last).

    ``first_of_code`` (the first record of each code of ``idx``, ``len(idx)`` for a code no
    record has) lets it work on the codes alone, with one look-up per record at the end."""
    ext = np.empty(len(values) + 1, dtype=object)
    ext[:-1] = values
    ext[-1] = SUPPRESSED
    group, _ = pd.factorize(ext, use_na_sentinel=True)
    n = len(idx)
    if first_of_code is not None:
        gc = np.asarray(group, dtype=np.int64)[: len(first_of_code)] + 1  # per code; 0 missing
        first = np.full(len(ext) + 1, n, dtype=np.int64)
        np.minimum.at(first, gc, np.asarray(first_of_code, dtype=np.int64))
    else:
        g = (np.asarray(group, dtype=np.int64) + 1)[idx]  # 0 = missing
        first = np.full(len(ext) + 1, n, dtype=np.int64)
        np.minimum.at(first, g, np.arange(n, dtype=np.int64))
    seen = np.flatnonzero(first[1:] < n) + 1
    order = seen[np.argsort(first[seen], kind="stable")]
    rank = np.zeros(len(ext) + 1, dtype=np.int64)
    rank[order] = np.arange(len(order), dtype=np.int64)
    rank[0] = len(order)
    if first_of_code is not None:
        return rank[gc][idx], len(order) + int(first[0] < n)
    return rank[g], len(order) + int(first[0] < n)


def _build_result(
    data: pd.DataFrame,
    problem: _Problem,
    search: _Search,
    sens: list[Hashable],
) -> GeneralisationResult:
    if search.best < 0:
        top = {q: int(h) for q, h in zip(problem.qis, problem.heights, strict=True)}
        raise DataError(
            f"no generalisation satisfies k={problem.k}"
            + (f", l={problem.l}" if problem.l is not None else "")
            + f" with at most {problem.limit} suppressed record(s) of {problem.n} "
            f"(even the top levels {top} fail); allow more suppression, lower k or l, or "
            "use hierarchies that generalise further",
            code="not-anonymisable",
        )
    v = search.nodes[search.best]
    ev = search.evaluated.get(search.best) or problem.evaluate(v)
    if search.best not in search.evaluated:
        search.checks += 1
    bad = ev.bad
    if bad is None and ev.n_suppressed:  # costed from its class table: which tuples go
        bad = problem.evaluate_full(v).bad
    supp_rec = bad[problem.rec_tuple] if bad is not None else np.zeros(problem.n, dtype=bool)
    out = data.copy(deep=False)  # copy-on-write: the QI columns are replaced below
    levels: dict[Hashable, int] = {}
    coded: list[tuple[np.ndarray, int]] = []
    any_supp = bool(supp_rec.any())
    for j, q in enumerate(problem.qis):
        L = int(v[j])
        levels[q] = L
        if L == 0 and not any_supp:
            coded.append((problem.vidx[j], problem.n_values[j]))
            continue
        if L == 0:
            col = data[q].astype(object).to_numpy(copy=True)
            values = data[q].iloc[problem.first_of_value[j]].astype(object).to_numpy()
            idx = problem.vidx[j]
        else:
            idx = problem.rec_codes(j, L)
            values = problem.labels[j][L]
            col = values[idx]
        first_of_code = None
        if any_supp:
            col[supp_rec] = SUPPRESSED
            idx = np.where(supp_rec, len(values), idx)
        elif L > 0:  # each level code first appears with the first of its values
            first_of_code = np.full(len(values), problem.n, dtype=np.int64)
            np.minimum.at(first_of_code, problem.val_codes[j][L], problem.first_of_value[j])
        out[q] = pd.Series(col, index=data.index, dtype=object, copy=False)
        coded.append(_factorize_values(values, idx, first_of_code))
    qis, sens = check_report_inputs(out, problem.qis, problem.k, sens or None, problem.l, None, 0.2)
    report = report_from_codes(out, qis, coded, problem.k, sens, problem.l)
    return GeneralisationResult(
        data=out,
        suppressed=pd.Series(supp_rec, index=data.index, name="suppressed"),
        levels=levels,
        checks=search.checks,
        information_loss=float(ev.loss),
        report=report,
        lattice_size=search.N,
        metric=problem.metric,
    )


def generalise(
    data: pd.DataFrame,
    hierarchies: Mapping[Hashable, Hierarchy | str | Path],
    k: int | None = None,
    max_suppression: float = 0.0,
    metric: str = "entropy",
    l: float | None = None,  # noqa: E741
    sensitive: Hashable | list[Hashable] | None = None,
    *,
    policy: Any = None,
) -> GeneralisationResult:
    """Generalise quasi-identifiers, with least information loss, until k-anonymity holds.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per record (any index).
    hierarchies : dict
        Quasi-identifier column -> :class:`~leadership_eval.privacy.hierarchy.Hierarchy` (or a
        path for :func:`~leadership_eval.privacy.hierarchy.load_hierarchy`). Every
        quasi-identifier needs one; :meth:`Hierarchy.from_values` gives a keep-or-suppress one.
    k : int, optional
        Smallest class size required. Default: the policy's ``min_group``. Any ``k`` may be
        asked for; :func:`~leadership_eval.privacy.pipeline.anonymise`, which releases data,
        refuses one below the policy's.
    max_suppression : float
        Largest share of records (0 to 1) that may be suppressed: records in classes smaller
        than k (or not l-diverse) get ``"*"`` in every quasi-identifier.
    metric : {"entropy", "loss", "discernibility", "precision"}
        Information loss to minimise (see Notes).
    l : float, optional
        Also require distinct l-diversity of ``sensitive``.
    sensitive : str or list of str, optional
        Sensitive column(s), for ``l`` and for the report.
    policy : DisclosurePolicy, str, path or None
        The disclosure policy whose ``min_group`` is the default ``k`` (see
        :meth:`~leadership_eval.policy.DisclosurePolicy.resolve`; None: the default policy, 5).

    Returns
    -------
    GeneralisationResult
        ``.data`` (generalised frame, same index), ``.suppressed``, ``.levels`` (column ->
        level), ``.checks``, ``.information_loss``, ``.report``, ``.lattice_size``.

    Raises
    ------
    DataError
        Unknown columns, values missing from a hierarchy (all listed), invalid k, l,
        ``max_suppression`` or metric, or no node of the lattice satisfies the constraints.

    Notes
    -----
    Full-domain generalisation: every value of a column is generalised to the same level. A
    node of the lattice is a level vector; it is *anonymous* when, after suppressing the records
    in classes smaller than k (or with fewer than l distinct sensitive values), at most
    ``max_suppression * n`` records are suppressed. This property is monotone: if a node is
    anonymous, so is every node above it (classes only merge), and if not, no node below is.
    The search (Kohlmayer et al. 2012) checks nodes by binary search along greedy paths up the
    lattice, tags the nodes above an anonymous one and below a non-anonymous one without
    checking them, and skips every node whose lower bound on loss is no better than the best
    found. Suppressed records, all ``"*"``, form a class of their own in the output, so a node
    is only accepted when there are none or at least k of them (and l-diverse, with ``l``).

    Losses, with suppressed cells counted as fully generalised (top level):

    - ``"entropy"``: non-uniform entropy as ARX defines it,
      :math:`\\sum_{j} \\sum_{r} -\\log_2 P(x_{rj} \\mid g(x_{rj}))`, where
      :math:`P(x \\mid g) = f(x) / f(g)` from the input's column frequencies (in bits).
    - ``"loss"``: Iyengar's loss metric, the mean over cells of
      :math:`(M_g - 1) / (M - 1)`, :math:`M_g` the number of hierarchy values a generalised
      value covers, :math:`M` the size of the domain (band width over domain width for
      interval hierarchies); ARX's "Loss".
    - ``"precision"``: Sweeney's Prec as a loss, the mean over cells of level / height.
    - ``"discernibility"``: :math:`\\sum_{E} |E|^2 + n \\cdot |S|` over released classes
      :math:`E` and suppressed records :math:`S` (Bayardo & Agrawal 2005).

    All four are monotone under generalisation when no suppression is allowed; with
    suppression none is (generalising can un-suppress records). The search is exact either
    way: monotone metrics need only the anonymous nodes the traversal checks, and otherwise the
    tagged anonymous nodes are evaluated in order of a monotone lower bound (the loss without
    suppression; for discernibility, the sum of squared class sizes of an evaluated
    predecessor) until the bound reaches the best loss found. The bound rises with what the
    search learns: below a node whose small classes are suppressed, every one of those records
    is suppressed too, at no smaller cost per record, so a node below loses at least its
    generalisation loss plus that node's suppression loss (for discernibility at least
    :math:`kn + (n-k)s`, :math:`s` the records suppressed above). A node is costed from its
    class table: the loss of suppressing a record depends on its generalised value only (for
    entropy :math:`\\log_2 n - \\log_2 f(g)`).

    References
    ----------
    .. [1] Kohlmayer, F., Prasser, F., Eckert, C., Kemper, A., & Kuhn, K. A. (2012). Flash:
       efficient, stable and optimal k-anonymity. *2012 International Conference on Privacy,
       Security, Risk and Trust (PASSAT) and 2012 International Conference on Social Computing
       (SocialCom)*, 708-717.
    .. [2] Samarati, P. (2001). Protecting respondents' identities in microdata release.
       *IEEE Transactions on Knowledge and Data Engineering*, 13(6), 1010-1027.
    .. [3] Iyengar, V. S. (2002). Transforming data to satisfy privacy constraints.
       *Proceedings of the 8th ACM SIGKDD International Conference on Knowledge Discovery and
       Data Mining*, 279-288.
    .. [4] Sweeney, L. (2002). Achieving k-anonymity privacy protection using generalization
       and suppression. *International Journal of Uncertainty, Fuzziness and Knowledge-Based
       Systems*, 10(5), 571-588.
    .. [5] Bayardo, R. J., & Agrawal, R. (2005). Data privacy through optimal
       k-anonymization. *Proceedings of the 21st International Conference on Data Engineering
       (ICDE)*, 217-228.
    .. [6] Prasser, F., Kohlmayer, F., & Kuhn, K. A. (2014). A benchmark of globally-optimal
       anonymization methods for biomedical data. *2014 IEEE 27th International Symposium on
       Computer-Based Medical Systems*, 66-71 (non-uniform entropy as ARX implements it).

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.privacy.hierarchy import Hierarchy
    >>> df = pd.DataFrame({"grade": ["FY1", "FY1", "FY2", "ST3", "ST4", "ST4"],
    ...                    "trust": ["A", "A", "A", "B", "B", "B"]})
    >>> grade = Hierarchy.from_rows([["FY1", "Foundation", "*"], ["FY2", "Foundation", "*"],
    ...                              ["ST3", "Specialty", "*"], ["ST4", "Specialty", "*"]])
    >>> res = generalise(df, {"grade": grade, "trust": Hierarchy.from_values("AB")}, k=3)
    >>> res.levels
    {'grade': 1, 'trust': 0}
    >>> res.data["grade"].tolist()
    ['Foundation', 'Foundation', 'Foundation', 'Specialty', 'Specialty', 'Specialty']
    >>> res.report.k, res.n_suppressed
    (3, 0)
    """
    k = target_k(k, policy)
    problem, sens = _prepare(data, hierarchies, k, max_suppression, metric, l, sensitive)
    search = _Search(problem)
    search.run()
    return _build_result(data, problem, search, sens)


def _generalise_exhaustive(
    data: pd.DataFrame,
    hierarchies: Mapping[Hashable, Hierarchy | str | Path],
    k: int | None = None,
    max_suppression: float = 0.0,
    metric: str = "entropy",
    l: float | None = None,  # noqa: E741
    sensitive: Hashable | list[Hashable] | None = None,
    *,
    policy: Any = None,
) -> GeneralisationResult:
    """:func:`generalise` by evaluating every node of the lattice (a reference for benchmarks)."""
    k = target_k(k, policy)
    problem, sens = _prepare(data, hierarchies, k, max_suppression, metric, l, sensitive)
    search = _Search(problem)
    search.exhaustive()
    return _build_result(data, problem, search, sens)


def _generalise_reference(
    data: pd.DataFrame,
    hierarchies: Mapping[Hashable, Hierarchy | str | Path],
    k: int | None = None,
    max_suppression: float = 0.0,
    metric: str = "entropy",
    l: float | None = None,  # noqa: E741
    sensitive: Hashable | list[Hashable] | None = None,
    *,
    policy: Any = None,
) -> GeneralisationResult:
    """:func:`generalise` as it was before class-level costing and raised bounds: a node with
    suppressed records costed from its suppressed tuples, and bounds from the generalisation
    loss alone (a reference for tests and benchmarks)."""
    k = target_k(k, policy)
    problem, sens = _prepare(data, hierarchies, k, max_suppression, metric, l, sensitive)
    problem.class_level = False
    search = _Search(problem)
    search.tight_bounds = False
    search.run()
    return _build_result(data, problem, search, sens)
