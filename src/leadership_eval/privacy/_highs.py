"""HiGHS, called directly: one linear model built once and re-solved for many objectives.

The intruder's attacks solve two linear programmes per cell over the same constraints; building
the model once and changing only the objective (HiGHS re-solves warm from the last basis) is many
times faster than a fresh :func:`scipy.optimize.linprog` call per cell.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["LinearAttack", "new_highs"]

_started = False


def new_highs() -> Any:
    """A silent :class:`highspy.Highs` instance.

    HiGHS prints its banner when the first instance of a process is made, before any option can
    be set; the process's standard output is closed around that first construction.
    """
    global _started
    import highspy

    if _started:
        h = highspy.Highs()
    else:
        sys.stdout.flush()
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
        _started = True
    h.setOptionValue("output_flag", False)
    return h


class LinearAttack:
    """Bounds of single variables over ``{x >= 0, A x = b}`` (one sparse row per equation).

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
        import highspy

        self.n = n
        self.h = new_highs()
        h = self.h
        inf = highspy.kHighsInf
        h.addVars(n, np.zeros(n), np.full(n, inf))
        if equations:
            starts: list[int] = []
            index: list[int] = []
            value: list[float] = []
            rhs: list[float] = []
            for cells, coefs, total in equations:
                starts.append(len(index))
                index.extend(int(c) for c in cells)
                value.extend(float(w) for w in coefs)
                rhs.append(float(total))
            h.addRows(
                len(equations),
                np.array(rhs),
                np.array(rhs),
                len(index),
                np.array(starts, dtype=np.int32),
                np.array(index, dtype=np.int32),
                np.array(value),
            )
        self._status = highspy.HighsModelStatus

    def bound(self, var: int, *, maximise: bool) -> float:
        """The largest (or smallest) value of ``x[var]``; ``inf`` when unbounded above."""
        h = self.h
        h.changeColCost(var, -1.0 if maximise else 1.0)
        h.run()
        status = h.getModelStatus()
        value = float(h.getObjectiveValue())  # read before the cost changes back
        h.changeColCost(var, 0.0)
        if status == self._status.kUnbounded:
            return math.inf if maximise else 0.0
        if status != self._status.kOptimal:  # pragma: no cover - the true table is feasible
            raise RuntimeError(f"HiGHS could not bound a cell: {h.modelStatusToString(status)}")
        return -value if maximise else value
