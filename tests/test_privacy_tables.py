"""Tests of cell suppression (protect_table/protect_tables) and the intruder's audit.

References for expected values:
- "hand": worked out by hand in the comment beside the value (the sum equations solved for the
  free parameter), following the LP attack of Hundepool et al. (2012), Statistical Disclosure
  Control, Wiley, ch. 4-5;
- "exhaustive": every suppression pattern of a smaller size enumerated and attacked, which proves
  the pattern found is of minimum size (an independent check of the MILP's optimality).
"""

from __future__ import annotations

import contextlib
import itertools
import signal
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadership_eval.errors import ConfigurationError, DataError, DisclosureError
from leadership_eval.policy import DisclosurePolicy
from leadership_eval.privacy._system import build_system as _build_system
from leadership_eval.privacy._system import parse_counts as _parse_counts
from leadership_eval.privacy.audit import attack_bounds as _var_bounds
from leadership_eval.privacy.audit import (
    audit_table,
    audit_tables,
)
from leadership_eval.privacy.tables import (
    ProtectedTable,
    SharedLine,
    TableSum,
    _protect,
    protect_table,
    protect_tables,
)

NA = pd.NA


def frame(rows: list[list[int]], index: str = "abcdefg", columns: str = "ABCDEFG") -> pd.DataFrame:
    return pd.DataFrame(rows, index=list(index[: len(rows)]), columns=list(columns[: len(rows[0])]))


def cells(mask: pd.DataFrame) -> set[tuple[object, object]]:
    s = mask.stack()
    return set(s[s].index.tolist())


def check_protected(p: ProtectedTable, table: pd.DataFrame | pd.Series) -> None:
    """Invariants every protected table must satisfy."""
    pub, orig = p.published, p.original
    sup = p.primary | p.secondary
    # suppressed exactly where published is NA
    assert (pub.isna() == sup).all(axis=None)
    # published values are the originals
    shown = np.asarray(pub.astype("float"), dtype=float)
    keep = ~np.asarray(sup)
    assert (shown[keep] == np.asarray(orig.astype("float"), dtype=float)[keep]).all()
    # originals equal the input and the totals are consistent
    if isinstance(table, pd.DataFrame):
        inner = orig.iloc[:-1, :-1].astype(int)
        assert (inner.to_numpy() == table.to_numpy()).all()
        assert (orig.iloc[:-1, -1].to_numpy() == table.sum(axis=1).to_numpy()).all()
        assert (orig.iloc[-1, :-1].to_numpy() == table.sum(axis=0).to_numpy()).all()
        assert orig.iloc[-1, -1] == table.to_numpy().sum()
    # primaries are exactly the small nonzero counts
    small = (orig > 0) & (orig < p.min_cell)
    assert (p.primary == small).all(axis=None)
    # the independent attack on the published table finds nothing below the threshold
    audit = audit_table(pub)
    assert audit.safe(p.min_cell), audit.unsafe(p.min_cell)
    assert len(audit) == int(np.asarray(sup).sum())
    pd.testing.assert_frame_equal(audit.frame, p.audit.frame)


# --------------------------------------------------------------------------------------------
# audit_table
# --------------------------------------------------------------------------------------------


def test_audit_single_suppression_is_recovered() -> None:
    pub = pd.DataFrame(
        {"A": [NA, 10, 13], "B": [9, 11, 20], "Total": [12, 21, 33]},
        index=["a", "b", "Total"],
        dtype="Int64",
    )
    res = audit_table(pub)
    assert res.frame[["lower", "upper"]].to_numpy().tolist() == [[3.0, 3.0]]  # hand: 12 - 9
    assert res.frame["exact"].tolist() == [True]
    assert not res.safe(5)
    assert res.n_exact == 1


def test_audit_rectangle_intervals() -> None:
    # inner [[3, 9], [10, 11]], all four suppressed. hand: x_aA = t, x_aB = 12 - t,
    # x_bA = 13 - t, x_bB = 8 + t, all >= 0  ->  t in [0, 12].
    pub = pd.DataFrame(
        {"A": [NA, NA, 13], "B": [NA, NA, 20], "Total": [12, 21, 33]},
        index=["a", "b", "Total"],
        dtype="Int64",
    )
    f = audit_table(pub).frame
    got = {(r, c): (lo, up) for r, c, lo, up in f[["row", "column", "lower", "upper"]].to_numpy()}
    assert got == {
        ("a", "A"): (0, 12),  # hand
        ("a", "B"): (0, 12),  # hand: 12 - t
        ("b", "A"): (1, 13),  # hand: 13 - t
        ("b", "B"): (8, 20),  # hand: 8 + t
    }
    assert audit_table(pub).safe(5)


def test_audit_unbounded_when_totals_suppressed() -> None:
    pub = pd.DataFrame(
        {"A": [NA, 5, NA], "B": [6, 7, 13], "Total": [NA, 12, NA]},
        index=["a", "b", "Total"],
        dtype="Int64",
    )
    f = audit_table(pub).frame
    assert np.isinf(f["upper"]).all()
    # hand: x = (a, A) >= 0; (a, Total) = x + 6; (Total, A) = x + 5; grand total = x + 18
    assert f["lower"].tolist() == [0, 6, 5, 18]


def test_audit_series_and_rounding() -> None:
    pub = pd.Series([NA, 10, 20, 35], index=["x", "y", "z", "Total"], dtype="Int64")
    f = audit_table(pub).frame
    assert f[["lower", "upper"]].to_numpy().tolist() == [[5, 5]]  # hand: 35 - 10 - 20
    # rounded to 5: y in [8, 12], z in [18, 22], total in [33, 37] -> x in [0, 11]  (hand)
    f = audit_table(pub, rounding=5).frame
    assert f[["lower", "upper"]].to_numpy().tolist() == [[0, 11]]
    # knowing the HES rule (published nonzero counts are >= 8) changes nothing here (hand)
    f = audit_table(pub, rounding=5, threshold=8).frame
    assert f[["lower", "upper"]].to_numpy().tolist() == [[0, 11]]


def test_audit_requires_totals() -> None:
    pub = pd.DataFrame({"A": [NA, 3], "B": [1, 2]}, dtype="Int64")
    with pytest.raises(DataError, match="no 'Total'"):
        audit_table(pub)
    f = audit_table(pub, totals=False).frame
    assert f["lower"].tolist() == [0] and np.isinf(f["upper"]).all()


def test_audit_inconsistent_published_table() -> None:
    pub = pd.DataFrame(
        {"A": [2, 10, 13], "B": [9, 11, 20], "Total": [12, 21, 33]},
        index=["a", "b", "Total"],
        dtype="Int64",
    )
    with pytest.raises(DataError, match="row 'a', column 'Total'"):
        audit_table(pub)


# --------------------------------------------------------------------------------------------
# protect_table: hand-checked patterns
# --------------------------------------------------------------------------------------------


def test_classic_rectangle_three_secondaries() -> None:
    t = frame([[3, 9, 12], [10, 11, 14], [8, 20, 6]])
    p = protect_table(t, min_cell=5)
    check_protected(p, t)
    assert cells(p.primary) == {("a", "A")}
    # hand: each row and column with a suppressed cell needs two, so at least a 2 x 2 rectangle;
    # of the four rectangles through (a, A) the cheapest is {aC, cA, cC} (12 + 8 + 6 = 26 vs 30,
    # 36, 37), and it protects: (a, A) can rise by min(12, 8) = 8 to 11 >= 5.
    assert cells(p.secondary) == {("a", "C"), ("c", "A"), ("c", "C")}
    row = p.audit.frame.query("row == 'a' and column == 'A'")
    assert (row["lower"].item(), row["upper"].item()) == (0, 11)  # hand
    assert p.log["reason"].value_counts().to_dict() == {"secondary": 3, "primary": 1}
    assert p.info["optimal"] and p.info["method"] == "benders-milp"


def _smaller_safe_pattern_exists(p: ProtectedTable) -> bool:
    """Exhaustive: is any pattern with fewer suppressed cells than ``p``'s safe?

    Enumerates every set of non-primary cells (totals included) smaller than ``p``'s
    secondaries and attacks the table each leaves (the LP attack of ``audit_table``).
    """
    system = _build_system([_parse_counts(p.original, None)])
    a = system.value
    prim = (a > 0) & (a < p.min_cell)
    others = np.nonzero(~prim)[0].tolist()
    for size in range(p.n_secondary):
        for extra in itertools.combinations(others, size):
            sup = prim.copy()
            sup[list(extra)] = True
            lo = np.where(sup, 0.0, a)
            hi = np.where(sup, np.inf, a)
            bounds = _var_bounds(system, sup, lo, hi)
            if all(up >= p.min_cell for _, up in bounds.values()):
                return True
    return False


@pytest.mark.parametrize(
    "rows",
    [
        [[3, 9, 12], [10, 11, 14]],  # one small cell
        [[2, 9, 12], [10, 1, 14]],  # two small cells on a diagonal
        [[4, 0, 12], [10, 6, 14]],  # a zero next to the small cell
    ],
)
def test_pattern_is_minimum_size(rows: list[list[int]]) -> None:
    t = frame(rows)
    p = protect_table(t, min_cell=5)
    check_protected(p, t)
    assert not _smaller_safe_pattern_exists(p)  # exhaustive: nothing smaller is safe


def test_diagonal_primaries_protect_each_other() -> None:
    # hand: suppressing both diagonal small cells and the other diagonal forms a rectangle:
    # (a, A) = t, (a, B) = 11 - ..., 2 -> t can rise to 2 + min(9, 10) = 11.
    t = frame([[2, 9, 12], [10, 1, 14]])
    p = protect_table(t, min_cell=5)
    assert cells(p.primary) == {("a", "A"), ("b", "B")}
    assert cells(p.secondary) == {("a", "B"), ("b", "A")}


def test_small_total_suppresses_its_row() -> None:
    # row a totals 3: the total is primary too; its only nonzero cell and the total are hidden
    # and the pattern still protects both through other rows.
    t = frame([[3, 0, 0], [10, 12, 9], [8, 7, 6]])
    p = protect_table(t, min_cell=5)
    check_protected(p, t)
    assert cells(p.primary) == {("a", "A"), ("a", "Total")}
    f = p.audit.frame.set_index(["row", "column"])
    assert f.loc[("a", "Total"), "upper"] >= 5
    assert f.loc[("a", "A"), "upper"] >= 5


def test_table_below_threshold_everything_small() -> None:
    t = frame([[1, 0], [2, 0]])
    p = protect_table(t, min_cell=5)
    check_protected(p, t)
    # hand: every nonzero cell and every nonzero total is small, zeros stay published
    assert p.published.loc["a", "B"] == 0
    assert p.published.isna().to_numpy().sum() == 6


def test_zero_cells_published_unless_policy() -> None:
    t = frame([[0, 9, 12], [10, 11, 14], [8, 20, 6]])
    p = protect_table(t, min_cell=5)
    assert p.n_primary == 0 and p.n_secondary == 0
    pol = DisclosurePolicy(name="strict", min_cell=5, suppress_zero=True)
    q = protect_table(t, policy=pol)
    assert cells(q.primary) == {("a", "A")}
    assert q.rule == "strict"
    f = q.audit.frame.set_index(["row", "column"])
    assert f.loc[("a", "A"), "upper"] >= 5  # a suppressed zero cannot be shown to be zero
    assert q.audit.safe(5)


def test_no_suppression_needed() -> None:
    t = frame([[5, 9], [10, 11]])
    p = protect_table(t)
    assert p.n_primary == p.n_secondary == 0
    assert p.log.empty and p.audit.frame.empty
    assert p.published.dtypes.eq("Int64").all()


def test_existing_totals_detected_and_checked() -> None:
    t = frame([[3, 9, 12], [10, 11, 14]])
    with_totals = pd.concat([t, t.sum().to_frame("total").T])
    with_totals["TOTAL"] = with_totals.sum(axis=1)
    p = protect_table(with_totals)
    q = protect_table(t)
    pd.testing.assert_frame_equal(p.published, q.published)
    bad = with_totals.copy()
    bad.loc["a", "TOTAL"] = 25
    with pytest.raises(DataError, match=r"row 'a', column 'Total': given 25, cells sum to 24"):
        protect_table(bad)


def test_series_smallest_further_cells() -> None:
    s = pd.Series([3, 10, 20, 1], index=list("wxyz"), name="n")
    p = protect_table(s, min_cell=5)
    check_protected(p, s)
    assert isinstance(p.published, pd.Series)
    # hand: w + z = 4 < 5 would still show both small, so one more cell: the smallest, x = 10.
    assert p.published.isna().tolist() == [True, True, False, True, False]
    assert p.audit.frame["upper"].tolist() == [14, 14, 14]  # hand: 34 - 20
    one = protect_table(pd.Series([3, 10, 20]), min_cell=5)
    assert one.published.isna().tolist() == [True, True, False, False]  # hand: 3 and 10
    assert one.log["column"].isna().all()


def test_presets() -> None:
    t = frame([[2, 9, 12], [3, 11, 14], [8, 20, 6]])
    g = protect_table(t, rule="gmc-nts")
    assert g.min_cell == 3 and g.rule == "gmc-nts"
    assert cells(g.primary) == {("a", "A")}  # hand: only the 2 is under 3
    check_protected(g, t)
    h = protect_table(t, rule="nhs-hes")
    assert h.min_cell == 8 and h.rule == "nhs-hes"
    assert cells(h.primary) == {("a", "A"), ("b", "A"), ("c", "C")}  # 1-7
    shown = h.published.to_numpy(dtype=float, na_value=np.nan)
    shown = shown[~np.isnan(shown)]
    assert (shown % 5 == 0).all()
    assert set(h.log["reason"]) == {"primary", "rounded"} | (
        {"secondary"} if h.n_secondary else set()
    )
    # the rounding-aware attack (as the intruder who knows the HES rule) is safe
    res = audit_table(h.published, rounding=5, threshold=8)
    assert res.safe(8)
    pd.testing.assert_frame_equal(res.frame, h.audit.frame)


def test_rounding_needs_secondary_beside_zeros() -> None:
    # hand: row a = [3, 0, 40 | 43]; rounded 40 -> [38, 42], total 45 -> [43, 47], zero exact:
    # x = T - 40' in [1, 9] reaches 8 -> safe by rounding alone in the row; column A also
    # needs it: A = [3, 40, 40 | 83] -> x in [83-2-42-42, 87 - 38 - 38] clipped = [0, 11].
    t = frame([[3, 0, 40], [40, 20, 30], [40, 10, 10]])
    h = protect_table(t, rule="nhs-hes")
    assert h.n_secondary == 0
    # ...but with only small totals around it rounding cannot hide it: [3, 0 | 3] column
    t2 = frame([[3, 0, 10], [0, 20, 30]])
    h2 = protect_table(t2, rule="nhs-hes")
    assert audit_table(h2.published, rounding=5, threshold=8).safe(8)


def test_cost_value_and_protection_levels() -> None:
    t = frame([[3, 9, 12, 30], [10, 11, 14, 5], [8, 20, 6, 7]])
    c = protect_table(t, cost="cells")
    v = protect_table(t, cost="value")
    check_protected(c, t)
    check_protected(v, t)
    val = lambda p: int(p.original[p.secondary].sum().sum())  # noqa: E731
    assert val(v) <= val(c)
    assert v.n_secondary >= c.n_secondary
    s = protect_table(t, sliding_protection=12, lower_protection=1)
    f = s.audit.frame.set_index(["row", "column"])
    for r, col in cells(s.primary):
        lo, up = f.loc[(r, col), ["lower", "upper"]]
        assert up - lo >= 12 and lo <= s.original.loc[r, col] - 1
    u = protect_table(t, upper_protection=10)
    f = u.audit.frame.set_index(["row", "column"])
    assert f.loc[("a", "A"), "upper"] >= 13


def test_time_limit_falls_back_to_greedy_and_prunes() -> None:
    # the exact search given no time at all: the greedy completion and pruning take over
    t = frame([[3, 9, 12, 30], [10, 1, 14, 5], [8, 20, 6, 2], [9, 9, 9, 9]])
    res = _protect(
        [_parse_counts(t, None)],
        (),
        min_cell=None,
        rule="threshold",
        policy=None,
        cost="cells",
        upper_protection=None,
        lower_protection=0,
        sliding_protection=0,
        solver_time_limit=30.0,
        search_share=0.0,
    )
    p = res.tables[0]
    assert p.info["method"] == "greedy" and not p.info["optimal"]
    check_protected(p, t)
    # pruned: every secondary is needed
    pub = p.published.astype(float)
    for r, c in cells(p.secondary):
        trial = pub.copy()
        trial.loc[r, c] = p.original.loc[r, c]
        assert not audit_table(trial).safe(5)


def test_no_time_at_all_still_returns_a_safe_pattern() -> None:
    # nothing can be searched in a nanosecond: every cell is suppressed, which is safe
    t = frame([[3, 9, 12, 30], [10, 1, 14, 5], [8, 20, 6, 2], [9, 9, 9, 9]])
    p = protect_table(t, solver_time_limit=1e-9)
    assert p.info["method"] in ("greedy", "all") and not p.info["optimal"]
    check_protected(p, t)


@contextlib.contextmanager
def _deadline(seconds: int) -> Iterator[None]:
    """Fail (instead of hanging the suite) if the block runs longer than ``seconds``."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.mark.skipif(not hasattr(signal, "SIGALRM"), reason="needs SIGALRM")
def test_huge_min_cell_returns_within_time_limit() -> None:
    # regression: with min_cell=10**9 every count is primary, and the requirement (a rise to
    # 10**9) exceeded the subproblems' cap on a deviation (10**6), so no pattern could meet it
    # and the search never returned, past any solver_time_limit.
    t = frame([[3, 9, 12], [10, 11, 14], [8, 0, 6]])
    with _deadline(20):
        p = protect_table(t, min_cell=10**9, solver_time_limit=2)
    assert p.info["optimal"] and p.info["method"] == "benders-milp"
    # hand: every nonzero count is small; the zero stays published; nothing can be bounded
    assert int(p.published.isna().to_numpy().sum()) == 15
    assert p.published.loc["c", "B"] == 0
    assert p.audit.safe(10**9) and (p.audit.frame["upper"] == np.inf).all()


def test_unattainable_lower_protection_is_a_clear_error() -> None:
    # the attack's lower bound of a count is never below 0: a lower protection level above
    # the small count can never be met (this searched until the time limit, then looped)
    t = frame([[3, 9, 12], [10, 11, 14], [8, 20, 6]])
    with pytest.raises(DisclosureError, match=r"lower_protection 4 .*row 'a', column 'A'") as e:
        protect_table(t, lower_protection=4)
    assert e.value.code == "protection-unattainable"


# --------------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (-1, r"row 'b', column 'B': -1 is negative"),
        (2.5, r"row 'b', column 'B': 2.5 is not a whole number"),
        (np.nan, r"row 'b', column 'B': nan is missing"),
        ("x", r"row 'b', column 'B': 'x' is not a number"),
    ],
)
def test_bad_counts(value: object, match: str) -> None:
    t = frame([[3, 9], [10, 11]]).astype(object)
    t.loc["b", "B"] = value
    with pytest.raises(DataError, match=match) as info:
        protect_table(t)
    assert info.value.failure_cases[["row", "column"]].to_numpy().tolist() == [["b", "B"]]


def test_bad_inputs() -> None:
    with pytest.raises(DataError, match="DataFrame"):
        protect_table([[1, 2], [3, 4]])  # type: ignore[arg-type]
    with pytest.raises(DataError, match="empty"):
        protect_table(pd.DataFrame())
    with pytest.raises(DataError, match="duplicate row"):
        protect_table(pd.DataFrame([[1, 2], [3, 4]], index=["a", "a"]))
    with pytest.raises(ConfigurationError, match="unknown rule"):
        protect_table(frame([[1, 2], [3, 4]]), rule="nope")
    with pytest.raises(ConfigurationError, match="min_cell"):
        protect_table(frame([[1, 2], [3, 4]]), min_cell=0)
    with pytest.raises(ConfigurationError, match="not both"):
        protect_table(frame([[1, 2], [3, 4]]), rule="gmc-nts", policy=DisclosurePolicy())
    with pytest.raises(DataError, match="not a number"):
        protect_table(pd.DataFrame({"A": [True, False], "B": [1, 2]}))


# --------------------------------------------------------------------------------------------
# linked tables
# --------------------------------------------------------------------------------------------


def _trusts() -> dict[str, pd.DataFrame]:
    a = pd.DataFrame({"yes": [3, 12, 9], "no": [10, 9, 14]}, index=["FY", "CT", "ST"])
    b = pd.DataFrame({"yes": [7, 8, 6], "no": [6, 15, 2]}, index=["FY", "CT", "ST"])
    c = pd.DataFrame({"yes": [11, 9], "no": [13, 10]}, index=["FY", "ST"])  # no CT trainees
    return {"a": a, "b": b, "c": c}


def test_hierarchy_joint_protection_blocks_differencing() -> None:
    trusts = _trusts()
    region = trusts["a"].add(trusts["b"], fill_value=0).add(trusts["c"], fill_value=0)
    region = region.loc[["FY", "CT", "ST"]].astype(int)
    tables = {**trusts, "region": region}
    links = [TableSum("region", ["a", "b", "c"])]
    # protected one at a time, the region's published cells give the trusts' small cells away
    alone = {k: protect_table(v).published for k, v in tables.items()}
    assert not audit_tables(alone, links=links).safe(5)
    tabs, joint = protect_tables(tables, links=links)
    assert joint.safe(5)
    assert "table" in joint.frame.columns
    assert [t.name for t in tabs] == ["a", "b", "c", "region"]
    for t in tabs:
        check_protected(t, tables[t.name])
    again = audit_tables({t.name: t.published for t in tabs}, links=links)
    pd.testing.assert_frame_equal(again.frame, joint.frame)


def test_shared_margin_trust_row_of_region() -> None:
    trusts = _trusts()
    region = pd.DataFrame({k: v.sum() for k, v in trusts.items()}).T  # trust x answer
    tables = {**trusts, "region": region}
    links = [SharedLine(k, "region", first_row="Total", second_row=k) for k in ("a", "b", "c")]
    tabs, joint = protect_tables(tables, links=links)
    assert joint.safe(5)
    # a shared cell is suppressed in both tables or in neither
    for t in tabs[:3]:
        reg = tabs[3].published.loc[t.name]
        own = t.published.loc["Total"]
        assert (reg.isna() == own.isna()).all()
    # two tables of the same respondents sharing their Total column
    by_grade = pd.DataFrame({"FY": [3, 20], "ST": [12, 9]}, index=["a", "b"])
    by_answer = pd.DataFrame({"yes": [7, 14], "no": [8, 15]}, index=["a", "b"])
    tabs2, joint2 = protect_tables(
        [by_grade, by_answer], links=[SharedLine(0, 1, first_column="Total", second_column="Total")]
    )
    assert joint2.safe(5)
    assert [t.name for t in tabs2] == [0, 1]


def test_link_errors() -> None:
    trusts = _trusts()
    region = pd.DataFrame({k: v.sum() for k, v in trusts.items()}).T
    region.loc["a", "yes"] += 1
    with pytest.raises(DataError, match="different values"):
        protect_tables(
            {**trusts, "region": region},
            links=[SharedLine("a", "region", first_row="Total", second_row="a")],
        )
    with pytest.raises(DataError, match="not among the tables"):
        protect_tables(trusts, links=[TableSum("zz", ["a"])])
    with pytest.raises(DataError, match="inconsistent"):
        protect_tables({**trusts, "r": trusts["a"]}, links=[TableSum("r", ["a", "b"])])
    with pytest.raises(DataError, match="labels that"):
        protect_tables({"a": trusts["a"], "c": trusts["c"]}, links=[TableSum("c", ["a"])])
    with pytest.raises(DataError, match="exactly one"):
        protect_tables(trusts, links=[SharedLine("a", "b")])


# --------------------------------------------------------------------------------------------
# hypothesis invariants
# --------------------------------------------------------------------------------------------


@st.composite
def tables(draw: st.DrawFn, largest: int = 6) -> pd.DataFrame:
    r = draw(st.integers(2, largest))
    c = draw(st.integers(2, largest))
    vals = draw(st.lists(st.integers(0, 30), min_size=r * c, max_size=r * c))
    return frame([vals[i * c : (i + 1) * c] for i in range(r)])


@settings(max_examples=20, deadline=None)
@given(t=tables(), min_cell=st.sampled_from([3, 5]))
def test_protected_tables_are_safe(t: pd.DataFrame, min_cell: int) -> None:
    # a threshold below the default needs a policy that says so (arguments only tighten)
    own = DisclosurePolicy(name="own", min_cell=min_cell, min_group=min_cell)
    p = protect_table(t, policy=own)
    check_protected(p, t)
    # primaries: the attack's upper bound reaches the threshold, never exact
    f = p.audit.frame.set_index(["row", "column"])
    for key in cells(p.primary):
        assert f.loc[key, "upper"] >= min_cell and not f.loc[key, "exact"]


@settings(max_examples=6, deadline=None)
@given(t=tables())
def test_every_secondary_is_needed(t: pd.DataFrame) -> None:
    p = protect_table(t)
    pub = p.published.astype(float)
    for r, c in cells(p.secondary):
        trial = pub.copy()
        trial.loc[r, c] = p.original.loc[r, c]
        assert not audit_table(trial).safe(5)


@settings(max_examples=4, deadline=None)
@given(t1=tables(largest=4), seed=st.integers(0, 10_000))
def test_hierarchy_random(t1: pd.DataFrame, seed: int) -> None:
    # linked systems are not totally unimodular and take longer to solve exactly: small tables,
    # and a time limit (past it the greedy completion must be just as safe)
    rng = np.random.default_rng(seed)
    t2 = pd.DataFrame(rng.integers(0, 20, t1.shape), index=t1.index, columns=t1.columns)
    tabs, joint = protect_tables(
        [t1, t2, t1 + t2], links=[TableSum(2, [0, 1])], solver_time_limit=3
    )
    assert joint.safe(5)
    for t, src in zip(tabs, [t1, t2, t1 + t2], strict=True):
        check_protected(t, src)
