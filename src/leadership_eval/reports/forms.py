"""The forms a statement's answers can be published in, and the choice of form for each row.

A statement on an ordered scale can be shown in full (every option), in three groups (the lower
options, the middle one, the upper ones), as "agree vs not" (the top two options against the
rest), or not at all. :func:`choose_forms` gives each group (trust) the most detailed form the
policy allows and then checks, by solving the intruder's linear programmes over everything
published about the statement (every trust's row in its form, the region's, the numbers
answering), that no small count can be recovered; where one could, another row is coarsened and
the check repeated. This keeps every trust's statements visible in some protected form instead
of hiding the whole row as soon as one option is rare.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..instruments.models import ChoiceList, text_in
from ..policy import DisclosurePolicy

__all__ = ["Level", "choose_forms", "levels_for"]

TOTAL = "Total"


@dataclass(frozen=True)
class Level:
    """One form of a statement: groups of option codes, each with the label shown.

    ``name`` is ``full``, ``three`` or ``two``; ``favourable`` says, per group, whether it is the
    favourable end (True), the unfavourable end (False) or the middle (None), so that colours
    follow the statement's meaning.
    """

    name: str  # "full", "three", "two" or "mean"
    groups: tuple[tuple[int, ...], ...]
    labels: tuple[str, ...]
    favourable: tuple[bool | None, ...]

    def group_of(self) -> dict[int, int]:
        """Option code -> index of its group."""
        return {c: i for i, g in enumerate(self.groups) for c in g}


def _join(labels: Sequence[str]) -> str:
    """'Very confident', 'Extremely confident' -> 'Very or extremely confident'."""
    if len(labels) == 1:
        return labels[0]
    words = [lab.split() for lab in labels]
    last = {w[-1].casefold() for w in words}
    if len(last) == 1 and all(len(w) >= 2 for w in words):
        heads = [" ".join(w[:-1]) for w in words]
        joined = heads[0] + "".join(" or " + h[0].lower() + h[1:] for h in heads[1:])
        return f"{joined} {words[0][-1]}"
    return labels[0] + "".join(" or " + lab[0].lower() + lab[1:] for lab in labels[1:])


def levels_for(cl: ChoiceList, *, reverse: bool = False) -> list[Level]:
    """The forms of a statement answered on ``cl``, most detailed first.

    Every option (``full``), the lower options against the middle one and the upper ones
    (``three``), the top two options against the rest (``two``), and the average answer
    (``mean``), the last resort before a row cannot be shown at all.

    Parameters
    ----------
    cl : ChoiceList
        An ordered list with numeric codes.
    reverse : bool
        The statement is worded negatively (a reverse-keyed item): its upper options are the
        unfavourable end.

    Examples
    --------
    >>> from leadership_eval.instruments.loader import as_survey
    >>> cl = as_survey("trainee-survey").choice_lists["confidence5"]
    >>> [lv.labels for lv in levels_for(cl)][1:]  # doctest: +NORMALIZE_WHITESPACE
    [('Not at all or slightly confident', 'Moderately confident', 'Very or extremely confident'),
     ('Very or extremely confident', 'Other answers'),
     ('Average answer',)]
    """
    options = [o for o in cl.options if isinstance(o.code, int)]
    options.sort(key=lambda o: int(o.code))  # type: ignore[arg-type]
    codes = [int(o.code) for o in options]  # type: ignore[arg-type]
    labels = {int(o.code): text_in(o.label) for o in options}  # type: ignore[arg-type]
    k = len(codes)
    up = not reverse

    def fav(position: float) -> bool | None:
        if position == 0:
            return None
        return (position > 0) == up

    centre = (k - 1) / 2
    full = Level(
        "full",
        tuple((c,) for c in codes),
        tuple(labels[c] for c in codes),
        tuple(fav(i - centre) for i in range(k)),
    )
    out = [full]
    if k >= 4:
        half = k // 2
        low, high = codes[:half], codes[-half:]
        middle = codes[half:-half]
        groups = [tuple(low), *([tuple(middle)] if middle else []), tuple(high)]
        names = [_join([labels[c] for c in g]) for g in groups]
        favour = [fav(-1), *([None] if middle else []), fav(1)]
        out.append(Level("three", tuple(groups), tuple(names), tuple(favour)))
    if k >= 3:
        top = tuple(codes[-2:])
        rest = tuple(codes[:-2])
        out.append(
            Level(
                "two",
                (top, rest),
                (_join([labels[c] for c in top]), "Other answers"),
                (fav(1), None),
            )
        )
    # drop a level that groups exactly as the one before it
    unique: list[Level] = []
    for lv in out:
        if not unique or lv.groups != unique[-1].groups:
            unique.append(lv)
    # the last resort before "too few": the average answer
    unique.append(Level("mean", (tuple(codes),), ("Average answer",), (None,)))
    return unique


class _Cells:
    """A statement's counts as plain integers (reading a frame cell by cell is slow)."""

    def __init__(self, frame: pd.DataFrame, codes: Sequence[int]) -> None:
        self.rows = list(frame.index)
        self._pos = {c: j for j, c in enumerate(codes)}
        # the frame's own columns when they are the codes in order (a statement's table):
        # selecting columns by label costs more than the rest of this
        same = len(frame.columns) == len(codes) and all(
            a == b for a, b in zip(frame.columns.tolist(), codes, strict=True)
        )
        self._values = (frame if same else frame[list(codes)]).to_numpy(dtype=np.int64)
        self._row = {r: i for i, r in enumerate(self.rows)}

    def row(self, r: Hashable) -> np.ndarray:
        return self._values[self._row[r]]

    def get(self, r: Hashable, c: int) -> int:
        return int(self._values[self._row[r], self._pos[c]])

    def total(self, r: Hashable) -> int:
        return int(self._values[self._row[r]].sum())


def _grouped(counts: np.ndarray, level: Level, codes: Sequence[int]) -> np.ndarray:
    """The counts of each group of ``level`` (``counts`` by option, in the order ``codes``)."""
    return counts @ _group_matrix(level.groups, tuple(codes))  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=256)
def _group_matrix(groups: tuple[tuple[int, ...], ...], codes: tuple[int, ...]) -> np.ndarray:
    """Option x group indicator matrix (integers, so sums stay integers)."""
    pos = {c: i for i, c in enumerate(codes)}
    m = np.zeros((len(codes), len(groups)), dtype=np.int64)
    for j, g in enumerate(groups):
        for c in g:
            m[pos[c], j] = 1
    m.setflags(write=False)
    return m


def _max_given_mean(j: int, codes: Sequence[int], n: float, total: float) -> float:
    """The largest count of option ``j`` over ``x >= 0`` with ``sum x = n`` and
    ``sum code * x = total``: the linear programme's optimum is at a vertex with at most two
    options answered, so it is found in closed form."""
    cj = float(codes[j])
    if abs(cj * n - total) < 1e-9:
        return n
    best = 0.0
    for k, ck in enumerate(codes):
        if k == j or ck == cj:
            continue
        xj = (total - ck * n) / (cj - ck)
        if -1e-9 <= xj <= n + 1e-9:
            best = max(best, xj)
    return best


def _mean_alone_safe(x: np.ndarray, codes: Sequence[int], policy: DisclosurePolicy) -> bool:
    """Whether a row's average and number answering, on their own, leave every small count
    able to reach ``min_cell`` (in a small group an average can bound the extreme options)."""
    n = float(x.sum())
    total = float(np.dot(codes, x))
    m = policy.min_cell
    for j, v in enumerate(x):
        if (0 < v < m or (policy.suppress_zero and v == 0)) and _max_given_mean(
            j, codes, n, total
        ) < m - 1e-6:
            return False
    return True


def _publishable(values: np.ndarray, policy: DisclosurePolicy) -> bool:
    small = (values > 0) & (values < policy.min_cell)
    if policy.suppress_zero:
        small |= values == 0
    return not bool(small.any())


@dataclass
class Forms:
    """The form chosen for each row of a statement's table.

    ``level`` maps each row (group code, the pooled row, ``"Total"`` for the region) to the
    index of its level in ``levels`` or None (not shown); ``dominated`` holds the rows shown as
    "almost all" of one group of their level; ``n_shown`` the rows whose number of answers is
    published; ``rounds`` how many times the check had to coarsen a row.
    """

    levels: list[Level]
    level: dict[Hashable, int | None]
    dominated: dict[Hashable, int]
    n_shown: set[Hashable]
    rounds: int


def _attack_upper(
    counts: _Cells,
    codes: Sequence[int],
    levels: list[Level],
    forms: Mapping[Hashable, int | None],
    dominated: Mapping[Hashable, int],
    n_shown: set[Hashable],
    targets: list[tuple[Hashable, int, str]],
) -> dict[tuple[Hashable, int, str], float]:
    """The intruder's bound on each target cell (``max`` or ``min``) from what is published.

    One HiGHS model holds every published equation; each target only changes the objective, so
    the model is built once and re-solved warm.
    """
    from ..privacy.audit import LinearAttack

    rows = [r for r in counts.rows if r != TOTAL]
    nc = len(codes)
    if not targets:
        return {}
    at = {r: i * nc for i, r in enumerate(rows)}  # a row's first variable
    col = {c: j for j, c in enumerate(codes)}
    every = list(range(nc))
    equations: list[tuple[list[int], list[float], float]] = []
    for r in [*rows, TOTAL]:
        lv = forms.get(r)
        starts = [at[m] for m in rows] if r == TOTAL else [at[r]]
        x = counts.row(r).tolist()
        if lv is not None and r not in dominated:
            if levels[lv].name == "mean":
                # the average answer: the sum of the codes (the intruder is given it exactly)
                cells = [s + j for s in starts for j in every]
                weights = [float(c) for _ in starts for c in codes]
                total = float(sum(c * v for c, v in zip(codes, x, strict=True)))
                equations.append((cells, weights, total))
            else:
                for g in levels[lv].groups:
                    js = [col[c] for c in g]
                    cells = [s + j for s in starts for j in js]
                    equations.append((cells, [1.0] * len(cells), float(sum(x[j] for j in js))))
        if r in n_shown:
            cells = [s + j for s in starts for j in every]
            equations.append((cells, [1.0] * len(cells), float(sum(x))))
    attack = LinearAttack(len(rows) * nc, equations)
    return {
        (r, c, sense): attack.bound(at[r] + col[c], maximise=sense == "max")
        for r, c, sense in targets
    }


# Feasible tables found by moving counts around a rectangle settle most targets without a
# linear programme; False solves every target's programme (the reference path, tested equal).
_WITNESSES = True


def _witness_bounds(
    cells: _Cells,
    codes: Sequence[int],
    levels: Sequence[Level],
    level: Mapping[Hashable, int | None],
    dominated: Mapping[Hashable, int],
    targets: list[tuple[Hashable, int, str]],
    policy: DisclosurePolicy,
) -> dict[tuple[Hashable, int, str], float]:
    """Bounds of the targets settled by a table the intruder cannot rule out.

    Moving ``d`` answers around a rectangle (rows ``r, s``, options ``c, e``: ``+d`` at
    ``(r, c)`` and ``(s, e)``, ``-d`` at ``(r, e)`` and ``(s, c)``) keeps every row's number
    answering and every column's total, hence the region's row in any form; it keeps a row's
    published groups when ``c`` and ``e`` share a group of that row's form, and any row not
    published by groups (hidden, or "almost all"). Where the region's form allows it (both
    options in one of its groups, or no groups published), answers move within the row alone.
    A row shown by its average takes no part in rectangles; its own targets are moved within it
    by :func:`_moved_within_mean`.
    A table so reached, with no count below 0, satisfies every published equation, so the
    intruder's maximum of a cell is at least its value there (and the minimum at most). A target
    is settled when such a table takes it past what :func:`_failing` asks: ``min_cell`` for a
    small cell, 1 for an empty minority cell of an "almost all" row, 0 for the minimum of one.
    The value returned is that table's, a bound on the right side of the test; the targets
    left unsettled go to the linear programmes.
    """
    if not _WITNESSES or not targets:
        return {}
    rows = [r for r in cells.rows if r != TOTAL]
    # plain lists: the moves read and write single cells, which lists do fastest
    x0 = [cells.row(r).tolist() for r in rows]
    at = {r: i for i, r in enumerate(rows)}
    col = {c: j for j, c in enumerate(codes)}

    # per row, and for the region: the group of each option under its published form (all 0:
    # no groups published; -1: shown by its average)
    def groups_of(r: Hashable) -> list[int]:
        lv = level.get(r)
        if lv is None or r in dominated:
            return [0] * len(codes)
        if levels[lv].name == "mean":
            return [-1] * len(codes)
        out = [0] * len(codes)
        for gi, g in enumerate(levels[lv].groups):
            for c in g:
                out[col[c]] = gi
        return out

    group = [groups_of(r) for r in rows]
    region = groups_of(TOTAL)
    m = policy.min_cell
    out: dict[tuple[Hashable, int, str], float] = {}
    for r, c, sense in targets:
        i, j = at[r], col[c]
        v = int(x0[i][j])
        if sense == "min":
            if v == 0 or (group[i][0] >= 0 and _moved(x0, group, i, j, -v, region) == 0):
                out[(r, c, sense)] = 0.0
            continue
        small = 0 < v < m or (v == 0 and policy.suppress_zero)
        goal = m if small else (1 if (r in dominated and v == 0) else None)
        if goal is None or v >= goal:
            out[(r, c, sense)] = float(v)
        else:
            reached = (
                _moved(x0, group, i, j, goal - v, region)
                if group[i][0] >= 0
                else _moved_within_mean(x0, group, codes, i, j, goal - v, region)
            )
            if reached >= goal:
                out[(r, c, sense)] = float(reached)
    return out


def _moved_within_mean(
    x0: Sequence[Sequence[int]],
    group: Sequence[Sequence[int]],
    codes: Sequence[int],
    i: int,
    j: int,
    need: int,
    region: Sequence[int] | None = None,
) -> float:
    """Cell ``(i, j)`` of a row shown by its average after moving up to ``need`` answers into
    it, keeping the row's number answering and sum of codes.

    ``d`` answers come into option ``j`` from two others ``a`` and ``b`` in the proportions
    that keep both sums (``d_a + d_b = -d``, ``c_a d_a + c_b d_b = -c_j d``; the intruder's
    programme is over real numbers, so fractions are tables it cannot rule out), and another
    row gives the opposite change, so every column total stays: a row shown by its average
    too, or one whose published groups hold ``a``, ``b`` and ``j`` together, or one published
    by no groups. Greedy over pairs and rows; no count goes below 0."""
    # fractions may be moved: a row is copied as floats when first read (most never are)
    x: list[list[float] | None] = [None] * len(x0)
    xi = x[i] = [float(v) for v in x0[i]]
    cj = float(codes[j])
    left = float(need)
    k = len(codes)
    for a in range(k):
        for b in range(a + 1, k):
            if a == j or b == j or codes[a] == codes[b]:
                continue
            ca, cb = float(codes[a]), float(codes[b])
            rb = (ca - cj) / (cb - ca)  # change of b per answer moved into j
            ra = -1.0 - rb
            if region is not None and (region[0] < 0 or region[a] == region[b] == region[j]):
                # the region's published form is kept by the change alone (it holds the three
                # options in one group, publishes no groups, or is itself an average)
                room = [left] + [xi[c] / -r for r, c in ((ra, a), (rb, b)) if r < 0]
                d = min(room)
                if d > 1e-9:
                    xi[j] += d
                    xi[a] += ra * d
                    xi[b] += rb * d
                    left -= d
            for s in range(len(x)):
                if left <= 1e-9:
                    return xi[j]
                gs = group[s]
                if s == i or not (gs[0] < 0 or gs[a] == gs[b] == gs[j]):
                    continue
                xs = x[s]
                if xs is None:
                    xs = x[s] = [float(v) for v in x0[s]]
                # row i: +d at j, ra*d at a, rb*d at b; row s the opposite
                room = [left, xs[j]]
                for r, col in ((ra, a), (rb, b)):
                    room.append(xi[col] / -r if r < 0 else (xs[col] / r if r > 0 else left))
                d = min(room)
                if d > 1e-9:
                    xi[j] += d
                    xs[j] -= d
                    xi[a] += ra * d
                    xs[a] -= ra * d
                    xi[b] += rb * d
                    xs[b] -= rb * d
                    left -= d
    return xi[j]


def _moved(
    x0: Sequence[Sequence[int]],
    group: Sequence[Sequence[int]],
    i: int,
    j: int,
    change: int,
    region: Sequence[int] | None = None,
) -> int:
    """Cell ``(i, j)`` after moving up to ``|change|`` answers into it (``change > 0``) or out
    of it (``change < 0``) around rectangles, greedily; every table on the way is feasible.

    ``x0`` holds the counts by row and option, ``group`` each row's group of each option
    (a row whose first entry is negative is left alone), ``region`` the region's (given, a
    move within row ``i`` alone is tried first where the region's form allows it: the two
    options in one of its groups, or no groups published)."""
    # the rows answers are moved in, each copied when first changed (most never are)
    x: list[Any] = list(x0)  # x0's own rows until copied
    copied = [False] * len(x)
    need = abs(change)
    sign = 1 if change > 0 else -1
    xi, gi = list(x0[i]), group[i]
    x[i], copied[i] = xi, True
    for e in range(len(xi)):
        if e == j or gi[e] != gi[j]:
            continue
        if region is not None and region[0] >= 0 and region[e] == region[j]:
            # +sign*d at (i, j), -sign*d at (i, e): the region's groups keep their sums
            d = min(need, xi[e] if sign > 0 else xi[j])
            if d > 0:
                xi[j] += sign * d
                xi[e] -= sign * d
                need -= d
        for s in range(len(x)):
            if need == 0:
                return xi[j]
            gs = group[s]
            if s == i or gs[0] < 0 or gs[j] != gs[e]:
                continue
            xs = x[s]
            # +sign*d at (i, j) and (s, e); -sign*d at (i, e) and (s, j)
            room = min(xi[e], xs[j]) if sign > 0 else min(xi[j], xs[e])
            d = min(need, room)
            if d > 0:
                if not copied[s]:
                    xs = x[s] = list(xs)
                    copied[s] = True
                xi[j] += sign * d
                xs[e] += sign * d
                xi[e] -= sign * d
                xs[j] -= sign * d
                need -= d
    return xi[j]


def choose_forms(
    counts: pd.DataFrame,
    levels: list[Level],
    policy: DisclosurePolicy,
    hidden: Sequence[Hashable] = (),
) -> Forms:
    """The most detailed safe form for every row of a statement's table of answers.

    Parameters
    ----------
    counts : pandas.DataFrame
        True answer counts: rows are the groups (and the pooled row), plus a ``"Total"`` row for
        the region; columns the option codes of the full level, in order.
    levels : list of Level
        From :func:`levels_for`.
    policy : DisclosurePolicy
    hidden : sequence
        Rows never shown (the pooled row of small trusts): they take part in the totals only.

    Returns
    -------
    Forms

    Notes
    -----
    Each row starts at the most detailed level whose cells are all 0 or at least ``min_cell``
    (the dominance rule applied at that level: a row with fewer than ``dominance_group``
    answers, all or all but one in one group, is shown as "almost all" of it). The number
    answering is published for rows with at least ``min_cell`` answers. Then the intruder's
    linear programmes are solved over every published quantity (each row's group counts, the
    region's, the numbers answering; counts are non-negative): every cell with a count between
    1 and ``min_cell - 1`` must have an upper bound of at least ``min_cell``, and the minority
    cells of an "almost all" row must be able to be 0 or 1. Where a cell fails, the row with the
    fewest answers among those shown in more detail than the failing row is coarsened to the
    failing row's level (the region last), and the check is repeated. The result is safe by
    construction (every published form passed the check), though not necessarily the one that
    shows most.
    """
    codes = [int(c) for c in counts.columns]
    rows = [r for r in counts.index if r != TOTAL]
    cells = _Cells(counts, codes)
    totals = {r: cells.total(r) for r in counts.index}
    level, dominated, n_shown = _finest_forms(cells, codes, levels, policy, totals, hidden)
    rounds = 0
    for _ in range(4 * len(counts) * len(levels) + 4):
        targets = _attack_targets(cells, codes, levels, rows, level, dominated, policy)
        bounds = _witness_bounds(cells, codes, levels, level, dominated, targets, policy)
        rest = [t for t in targets if t not in bounds]
        bounds.update(_attack_upper(cells, codes, levels, level, dominated, n_shown, rest))
        bounds = {t: bounds[t] for t in targets}
        failing = _failing(cells, bounds, dominated, policy)
        if not failing:
            return Forms(levels, level, dominated, n_shown, rounds)
        rounds += 1
        _coarsen(failing, rows, levels, level, dominated, n_shown, totals, policy.min_cell)
    # the loop always ends by hiding rows; as a last resort hide everything but the numbers
    return Forms(levels, dict.fromkeys(level), {}, n_shown, rounds)


def _finest_forms(
    cells: _Cells,
    codes: list[int],
    levels: Sequence[Level],
    policy: DisclosurePolicy,
    totals: Mapping[Hashable, Any],
    hidden: Any,
) -> tuple[dict[Hashable, int | None], dict[Hashable, int], set[Hashable]]:
    """Each row's finest publishable form (None: not shown), the rows shown as "almost all"
    of one group, and the rows whose number answering is shown."""
    level: dict[Hashable, int | None] = {}
    dominated: dict[Hashable, int] = {}
    n_shown: set[Hashable] = set()
    # the levels whose groups take every option once: their groups' total is the row's, so
    # the dominance rule (a total below dominance_group) needs no grouping in a larger row
    whole = [sorted(c for g in lv.groups for c in g) == sorted(codes) for lv in levels]
    for r in [*[r for r in totals if r != TOTAL], TOTAL]:
        x = cells.row(r)
        level[r] = None
        if r in hidden:
            continue
        if totals[r] >= policy.min_cell:
            n_shown.add(r)
        if totals[r] == 0:
            continue
        # a row all (or all but one) of whose answers fall in one group of ANY level is shown
        # as "almost all" of that group at the finest such level: a more detailed form would
        # tell the same (e.g. every option shown, but nobody below "agree")
        large = totals[r] >= policy.dominance_group
        for i, lv in enumerate(levels):
            if lv.name == "mean" or (large and whole[i]):
                continue
            grouped = _grouped(x, lv, codes)
            if policy.is_dominated(grouped):
                level[r] = i
                dominated[r] = int(np.argmax(grouped))
                break
        if r in dominated:
            continue
        for i, lv in enumerate(levels):
            if lv.name == "mean":
                if (
                    r != TOTAL
                    and totals[r] >= policy.min_cell
                    and _mean_alone_safe(x, codes, policy)
                ):
                    level[r] = i
                break
            if _publishable(_grouped(x, lv, codes), policy):
                level[r] = i
                break
    return level, dominated, n_shown


def _attack_targets(
    cells: _Cells,
    codes: list[int],
    levels: Sequence[Level],
    rows: list[Hashable],
    level: dict[Hashable, int | None],
    dominated: dict[Hashable, int],
    policy: DisclosurePolicy,
) -> list[tuple[Hashable, int, str]]:
    """The cells the intruder's attack bounds: small ones not shown alone (their maximum),
    and the other groups of an "almost all" row (both bounds)."""
    m = policy.min_cell
    targets: list[tuple[Hashable, int, str]] = []
    for r in rows:
        li = level[r]
        for c in codes:
            v = cells.get(r, c)
            shown_alone = (
                li is not None
                and r not in dominated
                and levels[li].name != "mean"
                and (c,) in levels[li].groups
            )
            if shown_alone:
                continue
            if 0 < v < m or (policy.suppress_zero and v == 0):
                targets.append((r, c, "max"))
        if r in dominated:
            lvl = levels[level[r]]  # type: ignore[index]
            for gi, g in enumerate(lvl.groups):
                if gi != dominated[r]:
                    for c in g:
                        targets.append((r, c, "min"))
                        targets.append((r, c, "max"))
    return targets


def _failing(
    cells: _Cells,
    bounds: dict[tuple[Hashable, int, str], float],
    dominated: dict[Hashable, int],
    policy: DisclosurePolicy,
) -> list[Hashable]:
    """The rows whose published form lets the attack recover a small cell."""
    m = policy.min_cell
    failing: list[Hashable] = []
    for (r, c, sense), value in bounds.items():
        v = cells.get(r, c)
        if r in dominated and sense == "min" and value > 0.5:
            failing.append(r)
        elif r in dominated and sense == "max" and value < 0.5 and v == 0:
            failing.append(r)  # shown to be all, not "all but one"
        elif (
            sense == "max" and value < m - 1e-6 and (0 < v < m or (v == 0 and policy.suppress_zero))
        ):
            failing.append(r)
    return failing


def _coarsen(
    failing: list[Hashable],
    rows: list[Hashable],
    levels: Sequence[Level],
    level: dict[Hashable, int | None],
    dominated: dict[Hashable, int],
    n_shown: set[Hashable],
    totals: Mapping[Hashable, Any],
    m: int,
) -> None:
    """For each failing row, coarsen the smallest finer row, else the region, else hide it."""
    changed: set[Hashable] = set()
    for r_fail in dict.fromkeys(failing):
        if r_fail in changed:
            continue
        target_level = level[r_fail]
        rank = len(levels) if target_level is None else target_level
        candidates = [
            r
            for r in rows
            if r != r_fail
            and r not in changed
            and level[r] is not None
            and r not in dominated
            and (level[r] or 0) < rank
        ]
        if candidates:
            pick = min(candidates, key=lambda r: (int(totals[r]), str(r)))
            new = target_level if target_level is not None else (level[pick] or 0) + 1
            level[pick] = new if new is not None and new < len(levels) else None
            if target_level is None and int(totals[r_fail]) < m:
                # the failing row's own total is small: another total must be hidden too
                level[pick] = None
                n_shown.discard(pick)
            changed.add(pick)
        elif (
            level[TOTAL] is not None
            and (level[TOTAL] or 0) < rank
            and (level[TOTAL] or 0) + 1 < len(levels)
            and levels[(level[TOTAL] or 0) + 1].name != "mean"
            and TOTAL not in changed
        ):
            level[TOTAL] = (level[TOTAL] or 0) + 1  # the region: never reduced to a mean
            changed.add(TOTAL)
        else:
            # nothing coarser is left: stop showing the failing row
            level[r_fail] = None
            dominated.pop(r_fail, None)
            n_shown.discard(r_fail)
            changed.add(r_fail)
