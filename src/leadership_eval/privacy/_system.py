"""Published tables as one linear system: the model that suppression and its audit share.

Each table's inner cells and margins become variables; each margin is the sum of its cells, and
tables published together are linked (:class:`TableSum`: one table is the sum of others;
:class:`SharedLine`: a row or column of one table is a line of another). :func:`build_system`
turns parsed tables (:func:`parse_counts`, :func:`parse_published`) into the sparse equations
``A x = 0`` that :mod:`~leadership_eval.privacy.tables` protects and
:mod:`~leadership_eval.privacy.audit` attacks; :func:`published_bounds` says what a published
value tells the intruder. The solvers themselves are in :mod:`._linear`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import ArgumentError, ConfigurationError, DataError

if TYPE_CHECKING:
    from scipy import sparse

#: The label of the margin row and column added to (or detected in) tables.
TOTAL = "Total"

_TOL = 1e-6


@dataclass(frozen=True)
class TableSum:
    """Declare that one published table is the cell-by-cell sum of others (a hierarchy).

    Parameters
    ----------
    whole : str or int
        Key (name or position) of the table that is the sum, e.g. the regional table.
    parts : sequence of str or int
        Keys of the tables that add up to it, e.g. the trusts' tables. Cells are matched by their
        row and column labels (margins included); a part that lacks a label contributes a
        structural zero there, and a part may not have labels the whole lacks.

    Examples
    --------
    >>> TableSum("region", ["trust_a", "trust_b"]).parts
    ('trust_a', 'trust_b')
    """

    whole: Hashable
    parts: Sequence[Hashable]

    def __post_init__(self) -> None:
        parts = self.parts
        # one key (a name, a position) is one part, not the letters of a name
        if isinstance(parts, str | bytes) or not isinstance(parts, Iterable):
            parts = (parts,)
        object.__setattr__(self, "parts", tuple(parts))


@dataclass(frozen=True)
class SharedLine:
    """Declare that a row or column of one table equals a row or column of another.

    This is how tables that share a margin are linked: for example a trust's own table (grade x
    answer) whose ``Total`` row is the trust's row of the regional table (trust x answer), or two
    tables of the same respondents (trust x grade, trust x answer) whose ``Total`` columns are the
    same counts. Elements are matched by the labels along the line (``Total`` included); both
    lines must carry the same labels.

    Parameters
    ----------
    first, second : str or int
        Keys (names or positions) of the two tables.
    first_row, first_column : label, optional
        The line of the first table: give exactly one (a row label such as ``"Total"``, or a
        column label). For a 1-D table (a Series) give neither: the line is the whole series.
    second_row, second_column : label, optional
        The same for the second table.

    Examples
    --------
    >>> SharedLine("trust_a", "region", first_row="Total", second_row="Trust A").second_row
    'Trust A'
    """

    first: Hashable
    second: Hashable
    first_row: Hashable | None = None
    first_column: Hashable | None = None
    second_row: Hashable | None = None
    second_column: Hashable | None = None


Link = TableSum | SharedLine


def check_links(links: object) -> tuple[Link, ...]:
    """``links`` as a tuple: None is no link, one :class:`TableSum` or :class:`SharedLine` is a
    one-item list; anything else that is not a list is an
    :class:`~leadership_eval.errors.ArgumentError`."""
    if links is None:
        return ()
    if isinstance(links, TableSum | SharedLine):
        return (links,)
    if isinstance(links, str | bytes | Mapping | pd.DataFrame | pd.Series) or not isinstance(
        links, Iterable
    ):
        raise ArgumentError(
            "links must be a list of TableSum or SharedLine objects (or None for no links), "
            f"got {type(links).__name__}"
        )
    return tuple(links)


def check_optional_whole(name: str, value: object, minimum: int) -> int | None:
    """None, or :func:`check_whole`."""
    return None if value is None else check_whole(name, value, minimum, optional=True)


def check_whole(name: str, value: object, minimum: int, *, optional: bool = False) -> int:
    """An option that must be a whole number of at least ``minimum``.

    A value of another type (text, a fraction, NaN, a bool) is an
    :class:`~leadership_eval.errors.ArgumentError`; a whole number below ``minimum`` a
    :class:`~leadership_eval.errors.ConfigurationError`; both name the option (``optional``:
    the message says None is allowed too).
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
        raise ArgumentError(
            f"{name} must be a whole number of at least {minimum}"
            + (" (or None)" if optional else "")
            + f", got {type(value).__name__} {value!r}"
        )
    if value < minimum:
        raise ConfigurationError(
            f"{name} must be a whole number of at least {minimum}, got {value}",
            code="invalid-option",
        )
    return int(value)


def check_seconds(name: str, value: object) -> float:
    """A time limit: a number of seconds above 0 (``inf``: no limit)."""
    if isinstance(value, bool | np.bool_) or not isinstance(
        value, int | float | np.integer | np.floating
    ):
        raise ArgumentError(
            f"{name} must be a number of seconds above 0, got {type(value).__name__} {value!r}"
        )
    seconds = float(value)
    if math.isnan(seconds) or not seconds > 0:
        raise ConfigurationError(
            f"{name} must be a number of seconds above 0, got {value}", code="invalid-option"
        )
    return seconds


def check_flag(name: str, value: object) -> bool:
    """An option that must be True or False (``"no"`` would read as True)."""
    if not isinstance(value, bool | np.bool_):
        raise ArgumentError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


@dataclass
class Table:
    """One table inside a linear system (inner cells plus the margins it has)."""

    key: Hashable
    rows: list[Hashable]
    cols: list[Hashable]
    values: np.ndarray  # float, full shape incl. margins; NaN = unknown (suppressed)
    total_row: bool  # a Total row (column sums) is present
    total_col: bool  # a Total column (row sums) is present
    series: bool = False
    index_name: Hashable = None
    columns_name: Hashable = None
    series_name: Hashable = None
    offset: int = 0
    var: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))

    @property
    def full_rows(self) -> list[Hashable]:
        return [*self.rows, TOTAL] if self.total_row else list(self.rows)

    @property
    def full_cols(self) -> list[Hashable]:
        return [*self.cols, TOTAL] if self.total_col else list(self.cols)

    @property
    def size(self) -> int:
        return int(self.values.size)

    def label(self) -> str:
        return f"table {self.key!r}"

    def frame(self, values: np.ndarray) -> pd.DataFrame | pd.Series:
        """Values of the full table's shape as a frame (or Series) with this table's labels."""
        rows = pd.Index(self.full_rows, name=self.index_name)
        if self.series:
            return pd.Series(values[:, 0], index=rows, name=self.series_name)
        cols = pd.Index(self.full_cols, name=self.columns_name)
        return pd.DataFrame(values, index=rows, columns=cols)

    def count_frame(self, values: np.ndarray, missing: np.ndarray) -> pd.DataFrame | pd.Series:
        """Nullable Int64 frame of ``values`` with ``missing`` cells as ``pd.NA``."""
        # built column by column from masked integer arrays: what
        # ``frame(np.where(missing, nan, values)).astype("Int64")`` gives, without the casts
        mask = np.asarray(missing, dtype=bool)
        ints = np.where(mask, 0.0, values).astype(np.int64)
        rows = pd.Index(self.full_rows, name=self.index_name)
        if self.series:
            arr = pd.arrays.IntegerArray(ints[:, 0].copy(), mask[:, 0].copy())
            return pd.Series(arr, index=rows, name=self.series_name)
        cols = pd.Index(self.full_cols, name=self.columns_name)
        data = {
            j: pd.arrays.IntegerArray(ints[:, j].copy(), mask[:, j].copy())
            for j in range(ints.shape[1])
        }
        out = pd.DataFrame(data, index=rows)
        out.columns = cols
        return out


def _is_total_label(label: object) -> bool:
    return isinstance(label, str) and label.strip().lower() == TOTAL.lower()


def _where(table_key: Hashable, row: object, col: object, series: bool) -> str:
    if series:
        return f"row {row!r}"
    return f"row {row!r}, column {col!r}"


def _as_frame(obj: object, what: str) -> tuple[pd.DataFrame, bool, Hashable]:
    """Return ``(frame, is_series, series_name)``; reject anything that is not a 1-D/2-D table."""
    if isinstance(obj, pd.Series):
        name = obj.name
        return obj.to_frame(name=0 if name is None else name), True, name
    if isinstance(obj, pd.DataFrame):
        return obj, False, None
    raise DataError(
        f"{what} must be a pandas DataFrame (rows x columns of counts) or Series, "
        f"got {type(obj).__name__}",
        code="not-a-table",
    )


def _validate_counts(
    frame: pd.DataFrame, what: str, allow_missing: bool, series: bool
) -> np.ndarray:
    """Check every cell is a non-negative integer count; return them as float (NaN = missing)."""
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise DataError(f"{what} is empty (shape {frame.shape})", code="empty-table")
    for axis_name, labels in (("row", frame.index), ("column", frame.columns)):
        if isinstance(labels, pd.MultiIndex):
            raise DataError(
                f"{what} has a MultiIndex on its {axis_name}s; flatten it first "
                "(e.g. join the levels into one label)",
                code="multiindex",
            )
        dup = labels[labels.duplicated()]
        if len(dup):
            raise DataError(
                f"{what} has duplicate {axis_name} labels: {list(dup.unique())[:5]}",
                code="duplicate-labels",
            )
    if all(dt.kind in "iu" for dt in frame.dtypes if isinstance(dt, np.dtype)) and all(
        isinstance(dt, np.dtype) for dt in frame.dtypes
    ):
        # plain integer columns hold no missing, non-numeric or fractional values
        plain = frame.to_numpy(dtype=np.float64)
        if not (plain < 0).any():
            return plain
    numeric = frame.apply(lambda s: pd.to_numeric(s, errors="coerce"))
    bool_cols = [c for c in frame.columns if pd.api.types.is_bool_dtype(frame[c].dtype)]
    values = numeric.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    missing = frame.isna().to_numpy()
    nonnum = np.isnan(values) & ~missing
    for c in bool_cols:
        nonnum[:, frame.columns.get_loc(c)] = ~missing[:, frame.columns.get_loc(c)]
    finite = np.where(np.isnan(values), 0.0, values)
    infinite = np.isinf(finite)
    finite = np.where(infinite, 0.0, finite)
    negative = (finite < 0) & ~nonnum
    nonint = (np.abs(finite - np.round(finite)) > 1e-9) & ~nonnum
    problems: list[tuple[np.ndarray, str]] = [
        (nonnum, "is not a number"),
        (infinite, "is infinite"),
        (negative, "is negative"),
        (nonint & ~negative, "is not a whole number"),
    ]
    if not allow_missing:
        problems.insert(0, (missing, "is missing (NaN/NA)"))
    cases: list[dict[str, Any]] = []
    raw = frame.to_numpy(dtype=object)
    for mask, problem in problems:
        ii, jj = np.nonzero(mask)
        cases.extend(
            {
                "row": frame.index[i],
                "column": frame.columns[j],
                "value": raw[i, j],
                "problem": problem,
            }
            for i, j in zip(ii.tolist(), jj.tolist(), strict=True)
        )
    if cases:
        failure = pd.DataFrame(cases, columns=["row", "column", "value", "problem"])
        shown = "; ".join(
            f"{_where(None, c['row'], c['column'], series)}: {c['value']!r} {c['problem']}"
            for c in cases[:5]
        )
        more = f" (and {len(cases) - 5} more)" if len(cases) > 5 else ""
        raise DataError(
            f"{what} must hold non-negative whole-number counts; {shown}{more}",
            code="invalid-count",
            failure_cases=failure,
        )
    return values


def _split_margins(
    frame: pd.DataFrame, series: bool, detect: bool
) -> tuple[list[Hashable], list[Hashable], int | None, int | None]:
    """Locate ``Total`` row/column labels; return inner rows, inner cols and margin positions."""
    rows = list(frame.index)
    cols = list(frame.columns)
    trow = [i for i, r in enumerate(rows) if _is_total_label(r)] if detect else []
    tcol = [j for j, c in enumerate(cols) if _is_total_label(c)] if detect and not series else []
    if len(trow) > 1 or len(tcol) > 1:
        raise DataError("the table has more than one 'Total' row or column", code="duplicate-total")
    ti = trow[0] if trow else None
    tj = tcol[0] if tcol else None
    inner_rows = [r for i, r in enumerate(rows) if i != ti]
    inner_cols = [c for j, c in enumerate(cols) if j != tj]
    if not inner_rows or not inner_cols:
        raise DataError("the table has a 'Total' margin but no inner cells", code="empty-table")
    return inner_rows, inner_cols, ti, tj


def _is_all_label(label: object) -> bool:
    return isinstance(label, str) and label.strip().lower() == "all"


def _refuse_all_margins(
    inner: np.ndarray, rows: list[Hashable], cols: list[Hashable], what: str, series: bool
) -> None:
    """Refuse a row or column labelled ``All`` that adds up to the others: the margins of
    ``pandas.crosstab(..., margins=True)``. Only ``Total`` margins are recognised, so it would
    be protected as a category and published beside a second, doubled total."""
    lines = [("row", rows, inner)] + ([] if series else [("column", cols, inner.T)])
    for axis, labels, grid in lines:
        for i, label in enumerate(labels):
            if not _is_all_label(label) or len(labels) < 2:
                continue
            others = np.delete(grid, i, axis=0).sum(axis=0)
            if grid[i].sum() > 0 and np.allclose(grid[i], others):
                raise DataError(
                    f"{what}: its {axis} {label!r} adds up to the other {axis}s, as the margins "
                    "pandas.crosstab(..., margins=True) adds do; only a 'Total' row and column "
                    "are read as margins, so it would be protected as a category and published "
                    "beside a second, doubled total. Pass margins_name='Total' to crosstab, or "
                    f"drop the {label!r} margins (the totals are added back as 'Total')",
                    code="invalid-data",
                )


def parse_counts(obj: object, key: Hashable) -> Table:
    """A table of counts -> a full :class:`Table` with both margins computed and verified."""
    what = "table" if key is None else f"table {key!r}"
    frame, series, sname = _as_frame(obj, what)
    values = _validate_counts(frame, what, allow_missing=False, series=series)
    inner_rows, inner_cols, ti, tj = _split_margins(frame, series, detect=True)
    keep_r = [i for i in range(frame.shape[0]) if i != ti]
    keep_c = [j for j in range(frame.shape[1]) if j != tj]
    inner = values[np.ix_(keep_r, keep_c)]
    _refuse_all_margins(inner, inner_rows, inner_cols, what, series)
    nr, nc = inner.shape
    if series:
        full = np.zeros((nr + 1, 1))
        full[:nr, 0] = inner[:, 0]
        full[nr, 0] = inner.sum()
    else:
        full = np.zeros((nr + 1, nc + 1))
        full[:nr, :nc] = inner
        full[:nr, nc] = inner.sum(axis=1)
        full[nr, :nc] = inner.sum(axis=0)
        full[nr, nc] = inner.sum()
    # verify any totals the input already had
    bad: list[tuple[Hashable, Hashable, Any, Any]] = []
    if ti is not None:
        given = values[ti, keep_c] if tj is None else values[ti, [*keep_c, tj]]
        expect = full[nr, :nc] if tj is None else full[nr, :]
        labels = inner_cols if tj is None else [*inner_cols, TOTAL]
        bad += [
            (TOTAL, lab, g, e)
            for lab, g, e in zip(labels, given, expect, strict=True)
            if abs(g - e) > 1e-9
        ]
    if tj is not None:
        given = values[keep_r, tj]
        expect = full[:nr, nc]
        bad += [
            (lab, TOTAL, g, e)
            for lab, g, e in zip(inner_rows, given, expect, strict=True)
            if abs(g - e) > 1e-9
        ]
    if bad:
        shown = "; ".join(
            f"{_where(key, r, c, series)}: given {g:g}, cells sum to {e:g}"
            for r, c, g, e in bad[:5]
        )
        raise DataError(
            f"{what}: its 'Total' margin is inconsistent with the inner cells: {shown}",
            code="inconsistent-total",
            failure_cases=pd.DataFrame(bad, columns=["row", "column", "given", "sum_of_cells"]),
        )
    return Table(
        key=key,
        rows=inner_rows,
        cols=[0 if sname is None else sname] if series else inner_cols,
        values=full,
        total_row=True,
        total_col=not series,
        series=series,
        index_name=frame.index.name,
        columns_name=None if series else frame.columns.name,
        series_name=sname,
    )


def parse_published(obj: object, key: Hashable, totals: bool) -> Table:
    """A published table (NA = suppressed) -> :class:`Table` with the margins it carries."""
    what = "published table" if key is None else f"published table {key!r}"
    frame, series, sname = _as_frame(obj, what)
    values = _validate_counts(frame, what, allow_missing=True, series=series)
    inner_rows, inner_cols, ti, tj = _split_margins(frame, series, detect=totals)
    if totals and ti is None and tj is None:
        named_all = any(_is_all_label(c) for c in [*frame.index, *frame.columns])
        raise DataError(
            f"{what} has no 'Total' row or column; pass totals=False to audit a table without "
            "margins (every suppressed cell is then only known to be >= 0)"
            + (
                "; its 'All' row or column is not read as a margin (pandas.crosstab names its "
                "margins so: pass margins_name='Total')"
                if named_all
                else ""
            ),
            code="no-total",
        )
    order_r = [i for i in range(frame.shape[0]) if i != ti] + ([ti] if ti is not None else [])
    order_c = [j for j in range(frame.shape[1]) if j != tj] + ([tj] if tj is not None else [])
    return Table(
        key=key,
        rows=inner_rows,
        cols=[0 if sname is None else sname] if series else inner_cols,
        values=values[np.ix_(order_r, order_c)],
        total_row=ti is not None,
        total_col=tj is not None,
        series=series,
        index_name=frame.index.name,
        columns_name=None if series else frame.columns.name,
        series_name=sname,
    )


@dataclass
class System:
    """Cells of one or more linked tables as variables, and the sum equations ``A x = 0``."""

    tables: list[Table]
    n: int
    A: sparse.csr_matrix
    value: np.ndarray  # per variable; NaN where unknown
    is_total: np.ndarray  # per variable: the variable is a margin cell somewhere
    positions: list[list[tuple[int, int, int]]]  # per variable: (table, row, col) positions

    def describe(self, v: int) -> str:
        t, i, j = self.positions[v][0]
        tab = self.tables[t]
        where = _where(tab.key, tab.full_rows[i], tab.full_cols[j], tab.series)
        return where if len(self.tables) == 1 else f"{tab.label()}, {where}"


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = np.arange(n)

    def find(self, a: int) -> int:
        p = self.parent
        root = a
        while p[root] != root:
            root = p[root]
        while p[a] != root:
            p[a], a = root, p[a]
        return int(root)

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _resolve_key(key: Hashable, keys: list[Hashable]) -> int:
    if key in keys:
        return keys.index(key)
    if isinstance(key, int) and not isinstance(key, bool) and 0 <= key < len(keys):
        return key
    raise DataError(
        f"a link names table {key!r}, which is not among the tables {keys}", code="unknown-table"
    )


def _line_positions(tab: Table, row: Hashable | None, col: Hashable | None) -> dict[Hashable, int]:
    """Map label-along-the-line -> flat position within the table for a row/column line."""
    if tab.series:
        if row is not None or col is not None:
            raise DataError(
                f"{tab.label()} is 1-D: a shared line of it takes neither a row nor a column "
                "(the whole series is the line)",
                code="bad-link",
            )
        return {lab: i for i, lab in enumerate(tab.full_rows)}
    if (row is None) == (col is None):
        raise DataError(
            f"a shared line of {tab.label()} needs exactly one of a row or a column label",
            code="bad-link",
        )
    ncols = len(tab.full_cols)
    if row is not None:
        rows = tab.full_rows
        if row not in rows:
            raise DataError(f"{tab.label()} has no row {row!r}", code="bad-link")
        i = rows.index(row)
        return {lab: i * ncols + j for j, lab in enumerate(tab.full_cols)}
    cols = tab.full_cols
    if col not in cols:
        raise DataError(f"{tab.label()} has no column {col!r}", code="bad-link")
    j = cols.index(col)
    return {lab: i * ncols + j for i, lab in enumerate(tab.full_rows)}


def build_system(tables: list[Table], links: Sequence[Link] = (), check: bool = True) -> System:
    """Number the cells of ``tables`` (merging shared ones) and write their sum equations."""
    keys = [t.key for t in tables]
    offset = 0
    for t in tables:
        t.offset = offset
        offset += t.size
    uf = _UnionFind(offset)
    sums: list[TableSum] = []
    for link in check_links(links):
        if isinstance(link, SharedLine):
            _share(tables, keys, link, uf)
        elif isinstance(link, TableSum):
            sums.append(link)
        else:
            raise DataError(
                f"links must be TableSum or SharedLine objects, got {type(link).__name__}",
                code="bad-link",
            )
    roots = np.array([uf.find(p) for p in range(offset)])
    uniq, var_of_pos = np.unique(roots, return_inverse=True)
    n = len(uniq)
    value, is_total, positions = _variables(tables, var_of_pos, n)
    eq = _Equations()
    for t in tables:
        eq.margins(t)
    for link in sums:
        whole = tables[_resolve_key(link.whole, keys)]
        parts = [tables[_resolve_key(p, keys)] for p in link.parts]
        _check_sum(whole, parts)
        eq.table_sum(whole, parts)
    system = System(tables, n, eq.matrix(n), value, is_total, positions)
    if check:
        check_consistent(system)
    return system


def _share(tables: list[Table], keys: list[Hashable], link: SharedLine, uf: _UnionFind) -> None:
    """Merge the cells of the two lines a SharedLine declares the same."""
    a = tables[_resolve_key(link.first, keys)]
    b = tables[_resolve_key(link.second, keys)]
    la = _line_positions(a, link.first_row, link.first_column)
    lb = _line_positions(b, link.second_row, link.second_column)
    if set(la) != set(lb):
        raise DataError(
            f"shared line of {a.label()} and {b.label()}: the labels differ "
            f"(only in the first: {sorted(map(str, set(la) - set(lb)))}; only in the "
            f"second: {sorted(map(str, set(lb) - set(la)))})",
            code="bad-link",
        )
    for lab, pa in la.items():
        uf.union(a.offset + pa, b.offset + lb[lab])


def _variables(
    tables: list[Table], var_of_pos: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, list[list[tuple[int, int, int]]]]:
    """Each variable's published value, whether it is a margin, and where it appears."""
    value = np.full(n, np.nan)
    is_total = np.zeros(n, dtype=bool)
    positions: list[list[tuple[int, int, int]]] = [[] for _ in range(n)]
    conflicts = []
    for ti, t in enumerate(tables):
        nr, nc = t.values.shape
        t.var = var_of_pos[t.offset : t.offset + t.size].reshape(nr, nc)
        inner_r = nr - int(t.total_row)
        inner_c = nc - int(t.total_col)
        for i in range(nr):
            for j in range(nc):
                v = int(t.var[i, j])
                positions[v].append((ti, i, j))
                if i >= inner_r or j >= inner_c:
                    is_total[v] = True
                x = t.values[i, j]
                if not np.isnan(x):
                    if np.isnan(value[v]):
                        value[v] = x
                    elif abs(value[v] - x) > 1e-9:
                        conflicts.append((v, x))
    if conflicts:
        msgs = []
        for v, _x in conflicts[:5]:
            shown = ", ".join(
                f"{tables[t].label()} {_where(None, tables[t].full_rows[i], tables[t].full_cols[j], tables[t].series)}"
                f" = {tables[t].values[i, j]:g}"
                for t, i, j in positions[v]
            )
            msgs.append(shown)
        raise DataError(
            "cells declared shared by a SharedLine hold different values: " + " | ".join(msgs),
            code="inconsistent-link",
        )
    return value, is_total, positions


def _check_sum(whole: Table, parts: list[Table]) -> None:
    """A TableSum's parts: some, of the whole's dimensions, with none of its labels missing."""
    if not parts:
        raise DataError(f"TableSum for {whole.label()} lists no parts", code="bad-link")
    for p in parts:
        if p.series != whole.series:
            raise DataError(
                f"TableSum: {p.label()} and {whole.label()} must both be 1-D or both 2-D",
                code="bad-link",
            )
        extra_r = set(map(_hkey, p.full_rows)) - set(map(_hkey, whole.full_rows))
        extra_c = set(map(_hkey, p.full_cols)) - set(map(_hkey, whole.full_cols))
        if (extra_r or extra_c) and not whole.series:
            raise DataError(
                f"TableSum: {p.label()} has labels that {whole.label()} lacks "
                f"(rows {sorted(map(str, extra_r))}, columns {sorted(map(str, extra_c))})",
                code="bad-link",
            )
        if extra_r and whole.series:
            raise DataError(
                f"TableSum: {p.label()} has labels that {whole.label()} lacks: "
                f"{sorted(map(str, extra_r))}",
                code="bad-link",
            )


class _Equations:
    """The sum equations ``A x = 0``, one row at a time."""

    def __init__(self) -> None:
        self.rows_i: list[int] = []
        self.cols_i: list[int] = []
        self.coefs: list[float] = []
        self.m = 0

    def equation(self, vars_: Sequence[int], cs: Sequence[float]) -> None:
        self.rows_i.extend([self.m] * len(vars_))
        self.cols_i.extend(int(v) for v in vars_)
        self.coefs.extend(cs)
        self.m += 1

    def margins(self, t: Table) -> None:
        """Each row (column) of inner cells sums to its Total."""
        nr, nc = t.values.shape
        inner_r = nr - int(t.total_row)
        inner_c = nc - int(t.total_col)
        if t.total_col:
            for i in range(nr):
                self.equation([*t.var[i, :inner_c], t.var[i, inner_c]], [1.0] * inner_c + [-1.0])
        if t.total_row:
            for j in range(nc):
                self.equation([*t.var[:inner_r, j], t.var[inner_r, j]], [1.0] * inner_r + [-1.0])

    def table_sum(self, whole: Table, parts: list[Table]) -> None:
        """Each cell of the whole is the sum of the parts' cells with the same labels."""
        for i, r in enumerate(whole.full_rows):
            for j, c in enumerate(whole.full_cols):
                vars_ = [int(whole.var[i, j])]
                cs = [1.0]
                for p in parts:
                    pr, pc = p.full_rows, p.full_cols
                    if whole.series:
                        if r in pr:
                            vars_.append(int(p.var[pr.index(r), 0]))
                            cs.append(-1.0)
                    elif r in pr and c in pc:
                        vars_.append(int(p.var[pr.index(r), pc.index(c)]))
                        cs.append(-1.0)
                self.equation(vars_, cs)

    def matrix(self, n: int) -> sparse.csr_matrix:
        from scipy import sparse

        A = sparse.csr_matrix((self.coefs, (self.rows_i, self.cols_i)), shape=(self.m, n))
        A.sum_duplicates()
        A.eliminate_zeros()
        keep = np.diff(A.indptr) > 0
        return A[keep]


def _hkey(label: object) -> object:
    return label


def check_consistent(system: System) -> None:
    """Where every variable is known, the sum equations must hold exactly."""
    known = ~np.isnan(system.value)
    A = system.A.tocsr()
    rows_all_known = np.asarray((A[:, ~known] != 0).sum(axis=1)).ravel() == 0
    resid = A @ np.where(known, system.value, 0.0)
    bad = np.nonzero(rows_all_known & (np.abs(resid) > 1e-6))[0]
    if len(bad):
        msgs = []
        for r in bad[:5]:
            idx = A.indices[A.indptr[r] : A.indptr[r + 1]]
            co = A.data[A.indptr[r] : A.indptr[r + 1]]
            tot = [v for v, c in zip(idx, co, strict=True) if c < 0]
            head = system.describe(int(tot[-1])) if tot else system.describe(int(idx[0]))
            msgs.append(f"{head} is off by {-resid[r]:g} from the cells it should total")
        raise DataError(
            "the tables are inconsistent with their sum relations: " + "; ".join(msgs),
            code="inconsistent-total",
        )


def round_interval(lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The intruder knows counts are integers: tighten LP bounds to whole numbers."""
    lo = np.ceil(lower - _TOL) + 0.0  # + 0.0 turns -0.0 into 0.0
    hi = np.where(np.isinf(upper), np.inf, np.floor(upper + _TOL))
    return lo, hi


def published_bounds(
    value: np.ndarray, rounding: int | None, threshold: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """What a published value tells the intruder: ``[lo, hi]`` (``[0, inf)`` when suppressed).

    With rounding to base ``b`` (half up), a published ``r`` means a true value in
    ``[r - floor(b/2), r + ceil(b/2) - 1]``. If the intruder also knows that nonzero counts below
    ``threshold`` are never published, a published ``0`` is an exact zero and a published
    ``r > 0`` is at least ``threshold``.
    """
    unknown = np.isnan(value)
    v = np.where(unknown, 0.0, value)
    lo = v.copy()
    hi = v.copy()
    if rounding:
        lo = v - rounding // 2
        hi = v + (rounding + 1) // 2 - 1
        if threshold:
            zero = v == 0
            lo = np.where(zero, 0.0, np.maximum(lo, threshold))
            hi = np.where(zero, 0.0, hi)
        lo = np.maximum(lo, 0.0)
    lo = np.where(unknown, 0.0, lo)
    hi = np.where(unknown, np.inf, hi)
    return lo, hi
