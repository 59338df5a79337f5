"""The headline figures of a benchmark run, printed side by side at its end.

Each benchmark prints its details as it goes and records its headline figures with
:func:`record`: what was measured, our figure, the peer's (another tool, the R reference, or the
earlier implementation, measured in the same run unless said otherwise) and the target, with
whether the target is met. ``benchmarks/run.py`` prints them all as one table after the last
benchmark, so that a run of ``./dev bench`` gives every figure beside its peer and target.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    bench: str
    workload: str
    ours: str
    peer: str
    target: str
    met: bool | None


FIGURES: list[Figure] = []
_current = ["-"]


def start(bench: str) -> None:
    """Name the benchmark whose figures follow."""
    _current[0] = bench


def record(
    workload: str,
    ours: str,
    peer: str = "-",
    target: str = "-",
    met: bool | None = None,
) -> None:
    """Keep one headline figure for the summary table (``met`` None: no target)."""
    FIGURES.append(Figure(_current[0], workload, ours, peer, target, met))


def machine_check() -> float:
    """Seconds a fixed piece of plain Python takes here (5 million additions, best of 3): the
    same code's figures move with it from run to run and machine to machine, so a figure near
    its target reads with this beside it."""
    import time

    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        total = 0
        for i in range(5_000_000):
            total += i
        best = min(best, time.perf_counter() - t0)
    return best


def seconds(x: float) -> str:
    """A duration in the unit that reads best."""
    return f"{x * 1000:.1f} ms" if x < 1 else f"{x:.2f} s"


def table() -> str:
    """Every figure recorded, as a plain-text table."""
    if not FIGURES:
        return "(no figures recorded)"
    head = ("benchmark", "workload", "ours", "peer", "target", "met")
    rows = [
        (
            f.bench,
            f.workload,
            f.ours,
            f.peer,
            f.target,
            "-" if f.met is None else ("yes" if f.met else "NO"),
        )
        for f in FIGURES
    ]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    line = "  ".join("{:<%d}" % w for w in widths)  # noqa: UP031
    out = [line.format(*head), line.format(*("-" * w for w in widths))]
    out += [line.format(*r) for r in rows]
    met = [f.met for f in FIGURES if f.met is not None]
    out.append(f"\ntargets met: {sum(met)} of {len(met)}")
    try:
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        out.append(f"load average at the end (1, 5, 15 min): {load} on {os.cpu_count()} CPUs")
    except OSError:  # pragma: no cover - no load average here
        pass
    return "\n".join(out)
