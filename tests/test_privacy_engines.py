"""HiGHS called directly (the default) against the scipy.optimize reference: the same results.

Cell suppression and its audit solve their linear programmes on HiGHS through ``highspy``
(:mod:`leadership_eval.privacy._linear`): warm-started models for values, and from-scratch
solves, with scipy's models and options, where a solution itself decides what is published (a
Benders cut's dual, the master's pattern). The reference is the earlier implementation, which
called :func:`scipy.optimize.linprog` and :func:`scipy.optimize.milp` for every programme
(``engine="scipy"``; ``_attack_reference`` for the audit). These tests hold the two to the same
published tables, masks, audit frames and search (cuts and rounds), on fixed and random tables
of every kind the library protects, and on a whole publication.

Identity of the pattern chosen among equally small ones needs the same solver version on both
sides: the tests skip when highspy's HiGHS is not the version scipy bundles.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from leadership_eval.errors import DataError
from leadership_eval.privacy import _linear, _system, audit, tables
from leadership_eval.privacy._system import build_system as _build_system
from leadership_eval.privacy._system import parse_counts as _parse_counts
from leadership_eval.privacy.audit import (
    SharedLine,
    TableSum,
    audit_table,
    audit_tables,
)
from leadership_eval.privacy.audit import attack_bounds as _var_bounds


def _versions() -> tuple[str, str]:
    from highspy import _core as hs
    from scipy.optimize._highspy import _core as sc

    return hs._Highs().version(), sc._Highs().version()


SAME_HIGHS = _versions()[0] == _versions()[1]
needs_same_highs = pytest.mark.skipif(
    not SAME_HIGHS,
    reason=f"highspy's HiGHS {_versions()[0]} is not scipy's {_versions()[1]}: the choice among "
    "equally good patterns may differ",
)

ARGS = {
    "min_cell": None,
    "rule": "threshold",
    "policy": None,
    "cost": "cells",
    "upper_protection": None,
    "lower_protection": 0,
    "sliding_protection": 0,
    "solver_time_limit": 60.0,
}


def both(
    tabs: list[pd.DataFrame | pd.Series] | dict[str, pd.DataFrame],
    links: tuple[object, ...] | list[object] = (),
    **kw: object,
) -> tuple[tables.ProtectedTables, tables.ProtectedTables]:
    items = list(tabs.items()) if isinstance(tabs, dict) else list(enumerate(tabs))
    out = []
    for engine in ("highs", "scipy"):
        parsed = [_parse_counts(t, k) for k, t in items]
        out.append(tables._protect(parsed, links, **{**ARGS, **kw}, engine=engine))  # type: ignore[arg-type]
    return out[0], out[1]


def assert_same(new: tables.ProtectedTables, ref: tables.ProtectedTables) -> None:
    for a, b in zip(new.tables, ref.tables, strict=True):
        for field in ("published", "primary", "secondary", "original"):
            x, y = getattr(a, field), getattr(b, field)
            if isinstance(x, pd.Series):
                pd.testing.assert_series_equal(x, y)
            else:
                pd.testing.assert_frame_equal(x, y)
        pd.testing.assert_frame_equal(a.log, b.log)
        pd.testing.assert_frame_equal(a.audit.frame, b.audit.frame)
        # the same search: the same cuts in the same rounds
        assert (a.info["method"], a.info["optimal"]) == (b.info["method"], b.info["optimal"])
        assert (a.info["iterations"], a.info["cuts"]) == (b.info["iterations"], b.info["cuts"])
    pd.testing.assert_frame_equal(new.audit.frame, ref.audit.frame)


def grid(rows: list[list[int]]) -> pd.DataFrame:
    return pd.DataFrame(
        rows,
        index=[f"t{i:02d}" for i in range(len(rows))],
        columns=[f"c{j}" for j in range(len(rows[0]))],
    )


# --------------------------------------------------------------------------------------------
# protection
# --------------------------------------------------------------------------------------------

# Ties between equally small patterns, from the simulated evaluation: two statements' tables in
# which two rectangles of the same number of cells and the same total value protect the small
# counts. Warm-started duals chose the other rectangle; the from-scratch cut LPs do not.
TIE_1 = [
    [11, 11, 28], [14, 22, 25], [3, 6, 7], [4, 9, 10], [3, 12, 9], [17, 14, 13], [12, 17, 35],
    [13, 19, 40], [6, 9, 21], [3, 6, 16], [2, 5, 7], [23, 32, 60], [2, 4, 22], [14, 16, 40],
    [2, 5, 10], [3, 9, 15], [5, 4, 18], [1, 0, 6],
]  # fmt: skip
TIE_2 = [
    [17, 10, 4], [21, 11, 5], [3, 1, 5], [9, 4, 1], [5, 5, 5], [16, 5, 5], [22, 10, 6],
    [18, 22, 5], [10, 10, 3], [10, 4, 3], [2, 6, 1], [27, 27, 11], [7, 6, 3], [21, 16, 8],
    [6, 0, 2], [7, 3, 5], [9, 4, 3], [1, 1, 1],
]  # fmt: skip


@needs_same_highs
@pytest.mark.parametrize(
    ("rows", "kw"),
    [
        (TIE_1, {}),
        (TIE_2, {}),
        ([[3, 9, 12], [10, 11, 14], [8, 20, 6]], {}),
        ([[2, 9, 12], [10, 1, 14], [0, 7, 3]], {"cost": "value"}),
        ([[3, 9, 12, 30], [10, 11, 14, 5], [8, 20, 6, 7]], {"sliding_protection": 12}),
        ([[3, 9, 12, 30], [10, 11, 14, 5], [8, 20, 6, 7]], {"lower_protection": 1}),
        ([[3, 9, 12, 30], [10, 11, 14, 5], [8, 20, 6, 7]], {"upper_protection": 10}),
        ([[1, 0, 4], [12, 2, 9], [7, 16, 0], [3, 3, 3]], {"rule": "nhs-hes"}),
        ([[1, 0, 4], [12, 2, 9], [7, 16, 0], [3, 3, 3]], {"rule": "gmc-nts"}),
    ],
)
def test_same_pattern_as_the_reference(rows: list[list[int]], kw: dict[str, object]) -> None:
    new, ref = both([grid(rows)], **kw)
    assert_same(new, ref)


@needs_same_highs
def test_tied_patterns_are_broken_as_before() -> None:
    # the rectangle the earlier implementation chose in TIE_1 (reference: its output)
    new, _ = both([grid(TIE_1)])
    sec = new.tables[0].secondary
    assert bool(sec.loc["t02", "c2"]) and bool(sec.loc["t03", "c1"])
    assert not sec.loc["t02", "c1"] and not sec.loc["t03", "c2"]


@needs_same_highs
def test_same_pattern_for_linked_tables() -> None:
    rng = np.random.default_rng(7)
    trusts = {f"t{i}": grid(rng.integers(0, 14, (3, 4)).tolist()) for i in range(4)}
    region = pd.DataFrame({k: v.sum() for k, v in trusts.items()}).T
    links = [SharedLine(k, "region", first_row="Total", second_row=k) for k in trusts]
    new, ref = both({**trusts, "region": region}, links)
    assert_same(new, ref)
    a = grid([[3, 12], [10, 9]])
    b = grid([[7, 8], [6, 15]])
    new, ref = both({"a": a, "b": b, "region": a + b}, [TableSum("region", ["a", "b"])])
    assert_same(new, ref)


def _linked_trusts(seed: int, n: int) -> tuple[dict[str, pd.DataFrame], list[SharedLine]]:
    """``n`` trust tables (grade x option) whose totals are the rows of a regional table."""
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.full(4, 2.0))
    trusts = {}
    for i in range(n):
        sizes = rng.multinomial(rng.integers(15, 60), [0.4, 0.3, 0.3])
        trusts[f"t{i:02d}"] = grid([rng.multinomial(k, p).tolist() for k in sizes])
    region = pd.DataFrame({k: v.sum() for k, v in trusts.items()}).T
    links = [SharedLine(k, "region", first_row="Total", second_row=k) for k in trusts]
    return {**trusts, "region": region}, links


def _threads_of_exact_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The thread of every exact check the solver runs from now on, in order."""
    import threading

    on: list[int] = []
    exact = tables._Solver._exact_check

    def spy(self: tables._Solver, *args: object) -> object:
        on.append(threading.get_ident())
        return exact(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(tables._Solver, "_exact_check", spy)
    return on


def test_exact_checks_on_threads_decide_as_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """The requirements the warm model cannot settle are checked on worker threads while it
    goes on (once their LPs are worth the threads' start): the same cuts, rounds and LPs, hence
    the same tables, as on one thread."""
    import threading

    from leadership_eval import _threads

    tabs, links = _linked_trusts(11, 8)
    parsed = [_parse_counts(t, k) for k, t in tabs.items()]
    on = _threads_of_exact_checks(monkeypatch)
    monkeypatch.setattr(_threads, "worker_count", lambda: 1)
    one = tables._protect(parsed, links, **ARGS)  # type: ignore[arg-type]
    here = threading.get_ident()
    assert set(on) == {here}
    n = _build_system(parsed, links).n
    assert len(on) * n > 2 * tables._THREADED_LP_WORK  # enough LPs to start the threads
    on.clear()
    before = threading.active_count()
    monkeypatch.setattr(_threads, "worker_count", lambda: 3)
    many = tables._protect(parsed, links, **ARGS)  # type: ignore[arg-type]
    assert on[0] == here and set(on[-5:]) - {here}  # the first on this thread, later on others
    assert threading.active_count() == before  # and none of them left running
    assert_same(many, one)
    assert many.tables[0].info["lps"] == one.tables[0].info["lps"]


def test_a_small_tables_checks_stay_on_the_calling_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from leadership_eval import _threads

    on = _threads_of_exact_checks(monkeypatch)
    monkeypatch.setattr(_threads, "worker_count", lambda: 3)
    protected = tables.protect_table(grid(TIE_1), min_cell=5)
    assert protected.info["cuts"] > 0 and set(on) == {threading.get_ident()}


def test_worker_threads_solve_on_a_one_thread_scheduler(monkeypatch: pytest.MonkeyPatch) -> None:
    """HiGHS sizes a thread's scheduler at its first solve and refuses a solve asking for
    another size: the exact checks' threads start one-threaded, as the thread whose warm model
    (one thread) solved first, so no machine sees them fail or solve otherwise."""
    from leadership_eval import _threads

    def asks_for_two() -> object:
        return _linear._trivial_solve(threads=2)

    core = _linear._core()
    monkeypatch.setattr(_threads, "worker_count", lambda: 2)
    with _threads.Workers(initializer=_linear.one_thread_scheduler) as w:
        assert w.submit(asks_for_two).result() == core.HighsStatus.kError
    with _threads.Workers() as w:  # the first solve on a thread sizes its scheduler
        assert w.submit(asks_for_two).result() == core.HighsStatus.kOk


def test_an_error_in_an_exact_check_is_raised_once_none_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    from leadership_eval import _threads
    from leadership_eval.errors import SolverError

    tabs, links = _linked_trusts(11, 8)
    parsed = [_parse_counts(t, k) for k, t in tabs.items()]
    calls: list[int] = []
    direction = tables._Solver._direction

    def failing(self: tables._Solver, *args: object) -> object:
        calls.append(1)
        if len(calls) == 5:
            raise SolverError("HiGHS failed on purpose")
        return direction(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(tables._Solver, "_direction", failing)
    monkeypatch.setattr(_threads, "worker_count", lambda: 3)
    before = threading.active_count()
    with pytest.raises(SolverError, match="on purpose"):
        tables._protect(parsed, links, **ARGS)  # type: ignore[arg-type]
    assert threading.active_count() == before


@needs_same_highs
def test_same_pattern_for_a_series() -> None:
    s = pd.Series([3, 12, 0, 7, 2], index=list("abcde"), name="n")
    new, ref = both([s])
    assert_same(new, ref)


@st.composite
def count_tables(draw: st.DrawFn) -> pd.DataFrame:
    r = draw(st.integers(2, 7))
    c = draw(st.integers(2, 6))
    vals = draw(st.lists(st.integers(0, 25), min_size=r * c, max_size=r * c))
    return grid([vals[i * c : (i + 1) * c] for i in range(r)])


@needs_same_highs
@settings(max_examples=25, deadline=None)
@given(t=count_tables(), rule=st.sampled_from(["threshold", "nhs-hes"]))
def test_same_pattern_random_tables(t: pd.DataFrame, rule: str) -> None:
    new, ref = both([t], rule=rule)
    assert_same(new, ref)


@needs_same_highs
@settings(max_examples=5, deadline=None)
@given(t1=count_tables(), seed=st.integers(0, 10_000))
def test_same_pattern_random_hierarchies(t1: pd.DataFrame, seed: int) -> None:
    t1 = t1.iloc[:3, :3]
    t2 = pd.DataFrame(
        np.random.default_rng(seed).integers(0, 20, t1.shape), index=t1.index, columns=t1.columns
    )
    new, ref = both([t1, t2, t1 + t2], [TableSum(2, [0, 1])])
    assert_same(new, ref)


@needs_same_highs
def test_same_publication_as_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    # every table of a whole publication (the simulated supervisor survey, 19 trusts)
    from leadership_eval.demo import simulate_evaluation
    from leadership_eval.instruments.loader import as_survey
    from leadership_eval.reports.analyse import analyse
    from leadership_eval.reports.publish import publish

    data = simulate_evaluation(seed=5).supervisors
    an = analyse(as_survey("supervisor-survey"), data)
    new_pub, new_log = publish(an, b"k" * 32)
    monkeypatch.setattr(tables, "_ENGINE", "scipy")
    monkeypatch.setattr(audit, "_ENGINE", "scipy")
    ref_pub, ref_log = publish(an, b"k" * 32)
    assert_deep_equal(new_pub, ref_pub)
    assert_deep_equal(new_log, ref_log)


def assert_deep_equal(a: object, b: object) -> None:
    """Equality through dataclasses, mappings and sequences, pandas objects compared exactly."""
    assert type(a) is type(b)
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)  # type: ignore[arg-type]
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b)  # type: ignore[arg-type]
    elif dataclasses.is_dataclass(a) and not isinstance(a, type):
        for f in dataclasses.fields(a):
            assert_deep_equal(getattr(a, f.name), getattr(b, f.name))
    elif isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b)
        for k in a:
            if "lps" in a and k in ("lps", "seconds"):
                continue  # a ProtectedTable's info: LPs solved and time taken differ, by design
            assert_deep_equal(a[k], b[k])
    elif isinstance(a, list | tuple):
        assert isinstance(b, list | tuple) and len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            assert_deep_equal(x, y)
    elif isinstance(a, float) and np.isnan(a):
        assert isinstance(b, float) and np.isnan(b)
    else:
        assert a == b


# --------------------------------------------------------------------------------------------
# the audit
# --------------------------------------------------------------------------------------------


def _attack_both(system: _system.System, sup: np.ndarray) -> None:
    lo = np.where(sup, 0.0, system.value)
    hi = np.where(sup, np.inf, system.value)
    assert _var_bounds(system, sup, lo, hi) == _var_bounds(system, sup, lo, hi, engine="scipy")


@settings(max_examples=30, deadline=None)
@given(t=count_tables(), seed=st.integers(0, 10_000))
def test_attack_same_bounds_as_the_reference(t: pd.DataFrame, seed: int) -> None:
    # any suppression pattern, safe or not, bounded or not (totals suppressed too)
    system = _build_system([_parse_counts(t, None)])
    sup = np.random.default_rng(seed).random(system.n) < 0.4
    _attack_both(system, sup)


def test_attack_linked_and_unbounded_as_the_reference() -> None:
    rng = np.random.default_rng(3)
    parts = [grid(rng.integers(0, 9, (3, 3)).tolist()) for _ in range(3)]
    whole = parts[0] + parts[1] + parts[2]
    tabs = [_parse_counts(x, k) for k, x in enumerate([*parts, whole])]
    system = _build_system(tabs, [TableSum(3, [0, 1, 2])])
    for seed in range(5):
        _attack_both(system, np.random.default_rng(seed).random(system.n) < 0.5)
    _attack_both(system, np.ones(system.n, dtype=bool))  # nothing published: unbounded


def test_audit_rounding_and_errors_as_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    pub = pd.DataFrame(
        {"yes": [pd.NA, 10, 15], "no": [10, pd.NA, 20], "Total": [15, 20, 35]},
        index=["a", "b", "Total"],
        dtype="Int64",
    )
    bad = pub.copy()
    bad.loc["a", "no"] = 30  # more than its row total: no non-negative values fit
    new = audit_table(pub, rounding=5, threshold=8)
    with pytest.raises(DataError, match="inconsistent") as e_new:
        audit_table(bad)
    monkeypatch.setattr(audit, "_ENGINE", "scipy")
    pd.testing.assert_frame_equal(new.frame, audit_table(pub, rounding=5, threshold=8).frame)
    with pytest.raises(DataError, match="inconsistent") as e_ref:
        audit_table(bad)
    assert str(e_new.value) == str(e_ref.value)
    both_frames = audit_tables({"x": pub, "y": pub}, [TableSum("x", ["y"])])
    monkeypatch.setattr(audit, "_ENGINE", "highs")
    pd.testing.assert_frame_equal(
        audit_tables({"x": pub, "y": pub}, [TableSum("x", ["y"])]).frame, both_frames.frame
    )


# --------------------------------------------------------------------------------------------
# the HiGHS calls themselves
# --------------------------------------------------------------------------------------------


def _random_lp(seed: int) -> tuple[np.ndarray, sparse.csc_array, np.ndarray, np.ndarray]:
    system = _build_system(
        [_parse_counts(grid(np.random.default_rng(seed).integers(0, 9, (4, 3)).tolist()), None)]
    )
    rng = np.random.default_rng(seed)
    lb = -np.floor(rng.random(system.n) * 5)
    ub = np.floor(rng.random(system.n) * 5) + 1
    c = np.zeros(system.n)
    c[rng.integers(system.n)] = rng.choice([-1.0, 1.0])
    return c, sparse.csc_array(system.A), lb, ub


@needs_same_highs
@pytest.mark.parametrize("seed", range(8))
def test_solve_lp_is_linprog(seed: int) -> None:
    c, A, lb, ub = _random_lp(seed)
    ref = linprog(c, A_eq=A, b_eq=np.zeros(A.shape[0]), bounds=np.column_stack([lb, ub]))
    new = _linear.solve_lp(c, A.indptr, A.indices, A.data, np.zeros(A.shape[0]), lb, ub)
    assert new.status == ref.status == 0
    assert new.fun == ref.fun
    assert new.x is not None and np.array_equal(new.x, ref.x)
    assert np.array_equal(new.row_dual, ref.eqlin.marginals)  # type: ignore[arg-type]
    assert np.array_equal(new.marg_lower, ref.lower.marginals)  # type: ignore[arg-type]
    assert np.array_equal(new.marg_upper, ref.upper.marginals)  # type: ignore[arg-type]


@needs_same_highs
@pytest.mark.parametrize("gap", [0.05, 1e-7])
def test_solve_milp_is_milp(gap: float) -> None:
    rng = np.random.default_rng(11)
    n = 30
    rows = np.where(rng.random((8, n)) < 0.3, rng.integers(1, 5, (8, n)), 0).astype(float)
    lower = np.full(8, 3.0)
    w = 1.0 + rng.integers(0, 4, n) / 10  # ties on purpose
    lb = (rng.random(n) < 0.1).astype(float)
    ref = milp(
        w,
        constraints=LinearConstraint(rows, lower, np.inf),
        integrality=np.ones(n),
        bounds=Bounds(lb, np.ones(n)),
        options={"time_limit": 30.0, "mip_rel_gap": gap},
    )
    new = _linear.solve_milp(w, rows, lower, lb, np.ones(n), 30.0, gap)
    assert new.status == ref.status == 0
    assert new.x is not None and np.array_equal(new.x, ref.x)


def test_warm_lp_values_are_linprogs() -> None:
    _, A, lb, ub = _random_lp(3)
    model = _linear.WarmLP(A.indptr, A.indices, A.data, A.shape[0], np.zeros(A.shape[0]), lb, ub)
    for v in range(A.shape[1]):
        for sign in (1.0, -1.0):
            e = np.zeros(A.shape[1])
            e[v] = sign
            ref = linprog(e, A_eq=A, b_eq=np.zeros(A.shape[0]), bounds=np.column_stack([lb, ub]))
            status, value, _ = model.optimise(v, sign)
            assert status == 0 and value == pytest.approx(ref.fun, abs=1e-9)
    # unbounded, then feasible again once bounded; infeasible
    model.set_bounds(lb, np.full(A.shape[1], np.inf))
    assert model.optimise(0, -1.0)[0] == 3
    model.set_bounds(lb, ub)
    assert model.optimise(0, -1.0)[0] == 0
    model.set_bounds(np.full(A.shape[1], 1.0), np.full(A.shape[1], 2.0))  # totals can't be sums
    assert model.optimise(0, 1.0)[0] == 2


def test_csc_columns_and_products_are_scipys() -> None:
    rng = np.random.default_rng(0)
    m = sparse.random_array((7, 12), density=0.3, format="csc", rng=rng)
    csc = _linear.CSC.from_sparse(m)
    mask = rng.random(12) < 0.5
    sub = csc.columns(mask)
    ref = m[:, mask]
    assert np.array_equal(sub.indptr, ref.indptr) and np.array_equal(sub.indices, ref.indices)
    assert np.array_equal(sub.data, ref.data)
    y = rng.random(7)
    x = rng.random(12)
    assert np.allclose(csc.rmatvec(y), m.T @ y) and np.allclose(csc.matvec(x), m @ x)
    dense = rng.integers(0, 3, (4, 6)).astype(float)
    indptr, indices, data = _linear._dense_to_csc(dense)
    ref2 = sparse.csc_array(dense)
    assert np.array_equal(indptr, ref2.indptr) and np.array_equal(indices, ref2.indices)
    assert np.array_equal(data, ref2.data)
