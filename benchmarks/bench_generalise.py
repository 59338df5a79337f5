"""Optimal k-anonymisation of Adult: our Flash-style search against ARX and exhaustive search.

Adult (30,162 records), its 8 quasi-identifiers and ARX's hierarchies (a lattice of 6,480 nodes),
k = 5, no suppression, non-uniform entropy. ARX's Flash finds levels 1,2,1,1,3,2,2,1 after 142
evaluated transformations in about 30 ms on a 2-core machine (its 2025 source). We print our
optimum, checks and time end to end (best of 5 after a warm-up, wall and CPU, split into
preparing the data, the search and building the result with its anonymity report), the same for
an exhaustive search of the lattice, and, for the other metrics and with 1 % suppression, checks
and time.
"""

from __future__ import annotations

import itertools
import time

import _figures
import pandas as pd
from _adult import QIS, adult_hierarchies, read_adult

from leadership_eval.privacy.generalise import (
    GeneralisationResult,
    _build_result,
    _generalise_exhaustive,
    _generalise_reference,
    _prepare,
    _Search,
    generalise,
)
from leadership_eval.privacy.hierarchy import Hierarchy

ARX_LEVELS = [1, 2, 1, 1, 3, 2, 2, 1]
ARX_CHECKS = 142
ARX_SECONDS = 0.030
# ARX Flash with 5 % suppression (entropy, k=5), as issue 19 measured it on this machine
ARX_5_SECONDS = 0.488
ARX_5_CHECKS = 2019
TARGET_SECONDS = 0.026
TARGET_CHECKS = 133
REPEATS = 5


def _timed_phases(
    adult: pd.DataFrame, hier: dict[str, Hierarchy]
) -> tuple[GeneralisationResult, list[float], list[float]]:
    """One run of generalise() in its three phases: (result, wall splits, CPU splits)."""
    marks = [(time.perf_counter(), time.process_time())]
    problem, sens = _prepare(adult, hier, 5, 0.0, "entropy", None, None)
    marks.append((time.perf_counter(), time.process_time()))
    search = _Search(problem)
    search.run()
    marks.append((time.perf_counter(), time.process_time()))
    res = _build_result(adult, problem, search, sens)
    marks.append((time.perf_counter(), time.process_time()))
    wall = [b[0] - a[0] for a, b in itertools.pairwise(marks)]
    cpu = [b[1] - a[1] for a, b in itertools.pairwise(marks)]
    return res, wall, cpu


def main() -> None:
    adult = read_adult()
    hier = adult_hierarchies()
    generalise(adult, hier, k=5)  # warm-up (imports, caches)
    best_wall: list[float] | None = None
    best_cpu: list[float] | None = None
    res = None
    for _ in range(REPEATS):
        res, wall, cpu = _timed_phases(adult, hier)
        if best_wall is None or sum(wall) < sum(best_wall):
            best_wall = wall
        if best_cpu is None or sum(cpu) < sum(best_cpu):
            best_cpu = cpu
    assert res is not None and best_wall is not None and best_cpu is not None
    # the public function end to end, for the record (same work as the three phases)
    t_pub = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        generalise(adult, hier, k=5)
        t_pub.append(time.perf_counter() - t0)
    t, c = sum(best_wall), sum(best_cpu)
    levels = [res.levels[q] for q in QIS]

    def split(x: list[float]) -> str:
        return " + ".join(f"{v * 1000:.1f}" for v in x)

    print(
        f"ours:       levels {levels} ({'= ARX' if levels == ARX_LEVELS else 'DIFFERS from ARX'}), "
        f"{res.checks} checks of {res.lattice_size}, loss {res.information_loss:.1f} bits"
    )
    print(
        f"            best of {REPEATS}: {t * 1000:.1f} ms wall ({split(best_wall)} ms: prepare + "
        f"search + report), {c * 1000:.1f} ms CPU ({split(best_cpu)}); generalise() "
        f"{min(t_pub) * 1000:.1f} ms wall"
    )
    print(
        f"ARX Flash:  levels {ARX_LEVELS}, {ARX_CHECKS} checks, ~{ARX_SECONDS * 1000:.0f} ms "
        f"-> ours {res.checks / ARX_CHECKS:.2f}x the checks, {t / ARX_SECONDS:.2f}x the time "
        f"(wall; {c / ARX_SECONDS:.2f}x in CPU time)"
    )
    _figures.record(
        "optimal k=5, Adult, entropy (time)",
        _figures.seconds(t),
        f"ARX Flash ~{ARX_SECONDS * 1000:.0f} ms (26-31)",
        f"<= {TARGET_SECONDS * 1000:.0f} ms",
        t <= TARGET_SECONDS,
    )
    _figures.record(
        "optimal k=5, Adult, entropy (checks)",
        str(res.checks),
        f"ARX Flash {ARX_CHECKS}",
        f"<= {TARGET_CHECKS}",
        res.checks <= TARGET_CHECKS and levels == ARX_LEVELS,
    )
    # 5 % suppression: ours (best of 3) and the earlier search, measured here, and ARX
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        r5 = generalise(adult, hier, k=5, max_suppression=0.05)
        runs.append(time.perf_counter() - t0)
    t5 = min(runs)
    t0 = time.perf_counter()
    ref5 = _generalise_reference(adult, hier, k=5, max_suppression=0.05)
    t5_ref = time.perf_counter() - t0
    same5 = ref5.levels == r5.levels and abs(ref5.information_loss - r5.information_loss) < 1e-6
    print(
        f"entropy, 5% suppression: levels {[r5.levels[q] for q in QIS]}, {r5.checks} checks, "
        f"{t5 * 1000:.0f} ms, {r5.n_suppressed} suppressed; earlier search {ref5.checks} checks, "
        f"{t5_ref * 1000:.0f} ms (same optimum: {same5}); ARX {ARX_5_CHECKS} checks, "
        f"{ARX_5_SECONDS * 1000:.0f} ms"
    )
    _figures.record(
        "same with 5 % suppression (time)",
        _figures.seconds(t5),
        f"ARX {ARX_5_SECONDS * 1000:.0f} ms; earlier {t5_ref * 1000:.0f} ms",
        "<= ARX",
        t5 <= ARX_5_SECONDS,
    )
    _figures.record(
        "same with 5 % suppression (checks)",
        str(r5.checks),
        f"ARX {ARX_5_CHECKS}; earlier {ref5.checks}",
        "<= ARX",
        r5.checks <= ARX_5_CHECKS and same5,
    )
    c0, w0 = time.process_time(), time.perf_counter()
    ex = _generalise_exhaustive(adult, hier, k=5)
    t_ex, w_ex = time.process_time() - c0, time.perf_counter() - w0
    print(
        f"exhaustive: levels {[ex.levels[q] for q in QIS]}, {ex.checks} checks, {w_ex:.2f} s wall, "
        f"{t_ex:.2f} s CPU (same loss: {abs(ex.information_loss - res.information_loss) < 1e-6}) "
        f"-> search is {t_ex / c:.0f}x faster"
    )
    for metric in ("loss", "precision", "discernibility"):
        for supp in (0.0, 0.01):
            t0 = time.perf_counter()
            r = generalise(adult, hier, k=5, metric=metric, max_suppression=supp)
            el = time.perf_counter() - t0
            print(
                f"{metric:>14}, {supp:4.0%} suppression: levels {[r.levels[q] for q in QIS]}, "
                f"{r.checks} checks, {el * 1000:.0f} ms, {r.n_suppressed} suppressed"
            )
    t0 = time.perf_counter()
    r = generalise(adult, hier, k=5, metric="entropy", max_suppression=0.01)
    el = time.perf_counter() - t0
    print(
        f"       entropy,   1% suppression: levels {[r.levels[q] for q in QIS]}, "
        f"{r.checks} checks, {el * 1000:.0f} ms, {r.n_suppressed} suppressed"
    )


if __name__ == "__main__":
    main()
