"""Cell-key perturbation: the same respondents give the same noise in every table and every run.

Two releases that differ by one respondent (a rerun with a late return, a leaver, the next wave)
would, published exactly, let anyone subtract them and read that respondent's answers. The
cell-key method of the Australian Bureau of Statistics (Fraser and Wooton 2005; Thompson,
Broadfoot and Elazar 2013), used by the Office for National Statistics for the 2021 Census, adds
a small, bounded noise to every published count, drawn from a *perturbation table* with a *cell
key* that depends only on which records are in the cell:

* each record gets a **record key**, here the HMAC-SHA256 of its identifier under a secret key
  (so nobody without the key can compute the noise and remove it);
* a cell's **cell key** is derived from the record keys of the records in the cell and, in
  this library, of every record in the cell's *row* (the published group: a trust's answers to
  one question): a change of one respondent anywhere in a group draws fresh noise for every cell
  of that group's row, so the cells that changed between two releases do not point to the one
  the respondent was in (with the plain cell key only that cell would change);
* the **perturbation table** gives, for each true count ``n``, the probabilities of each change
  ``d`` in ``-D..D`` (:func:`perturbation_table`): the distribution of maximum entropy with mean
  0 and variance ``V``, never below the policy's threshold for counts at or above it, and zeros
  stay zeros (an empty cell has no records to key it).

Identical data always give identical noise, so repeating a run reveals nothing; data that differ
give independent noise in the rows that differ. Means are perturbed the same way
(:func:`perturb_mean`), with noise of the order of one respondent's influence.

References
----------
Fraser B, Wooton J. A proposed method for confidentialising tabular output to protect against
differencing. Monographs of Official Statistics: Work Session on Statistical Data
Confidentiality. Eurostat; 2005: 299-302.

Thompson G, Broadfoot S, Elazar D. Methodology for the automatic confidentialisation of
statistical outputs from remote servers at the Australian Bureau of Statistics. Joint
UNECE/Eurostat Work Session on Statistical Data Confidentiality, Ottawa; 2013.

Office for National Statistics. Protecting personal data in Census 2021 results. 2022.

Enderle T, Giessing S, Tent R. Calculation of risk probabilities for the cell key method. In:
Domingo-Ferrer J, Montes F, eds. Privacy in Statistical Databases. Springer; 2018: 151-165.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConfigurationError, DataError

__all__ = [
    "CellKeys",
    "PerturbationTable",
    "perturb_mean",
    "perturbation_table",
    "record_keys",
]

_MASK = (1 << 64) - 1
_TWO53 = float(1 << 53)


def _mac(secret: bytes, *parts: object) -> bytes:
    msg = "\x1f".join([str(p) for p in parts]).encode("utf-8")
    return hmac.digest(secret, msg, hashlib.sha256)


def _uniform(secret: bytes, *parts: object) -> float:
    """A number in [0, 1) determined by ``parts`` under ``secret`` (53 random bits)."""
    return _unit(_mac(secret, *parts))


def _unit(mac: bytes) -> float:
    """A MAC's first 53 bits as a number in [0, 1)."""
    return (int.from_bytes(mac[:8], "big") >> 11) / _TWO53


def record_keys(ids: Iterable[Any], secret: bytes) -> np.ndarray:
    """The record key of each identifier: 64 bits of ``HMAC-SHA256(secret, id)``.

    Parameters
    ----------
    ids : iterable
        One identifier per record (respondent ids, pseudonyms, or any stable text).
    secret : bytes
        The report key (at least 16 bytes).

    Returns
    -------
    numpy.ndarray of uint64

    Examples
    --------
    >>> from leadership_eval.privacy.perturb import record_keys
    >>> k = record_keys(["r1", "r2", "r1"], b"0123456789abcdef")
    >>> bool(k[0] == k[2]), bool(k[0] == k[1])
    (True, False)
    """
    if len(secret) < 16:
        raise ConfigurationError("the perturbation key must be at least 16 bytes", "short-key")
    out = [int.from_bytes(_mac(secret, "record", i)[:8], "big") for i in ids]
    return np.array(out, dtype=np.uint64)


@dataclass(frozen=True)
class PerturbationTable:
    """Probabilities of each change ``d`` (``-D..D``) for each true count.

    Attributes
    ----------
    max_noise : int
        ``D``.
    variance : float
        ``V``, the target variance (reached wherever the constraints allow).
    floor : int
        The smallest value a count at or above it may be perturbed to (the policy's
        ``min_cell``): a published count never looks like a suppressed one.
    probabilities : numpy.ndarray
        Row ``n`` (0-based, for true counts ``0..n_max``) holds the probabilities of
        ``d = -D..D``; counts above ``n_max`` use the last row.
    """

    max_noise: int
    variance: float
    floor: int
    probabilities: np.ndarray = field(repr=False)

    @property
    def n_max(self) -> int:
        """The largest count with a row of its own."""
        return int(self.probabilities.shape[0] - 1)

    def frame(self) -> pd.DataFrame:
        """The table as a frame: one row per true count, one column per change, plus the
        mean and variance of each row's change.

        Examples
        --------
        >>> from leadership_eval.privacy.perturb import perturbation_table
        >>> t = perturbation_table(max_noise=2, variance=1.0, floor=3).frame()
        >>> t.loc[[0, 3, 4, 5], ["mean", "variance"]].round(3).abs()
               mean  variance
        count
        0       0.0       0.0
        3       0.0       0.0
        4       0.0       1.0
        5       0.0       1.0
        """
        d = np.arange(-self.max_noise, self.max_noise + 1)
        out = pd.DataFrame(self.probabilities, columns=[int(x) for x in d])
        out.index.name = "count"
        out["mean"] = (self.probabilities * d).sum(axis=1).round(12)
        out["variance"] = (self.probabilities * d**2).sum(axis=1) - out["mean"] ** 2
        return out

    def noise(self, counts: np.ndarray, u: np.ndarray) -> np.ndarray:
        """The change for each count, drawn with its uniform cell key ``u`` in [0, 1)."""
        counts = np.asarray(counts, dtype=np.int64)
        rows = np.minimum(counts, self.n_max)
        cdf = np.cumsum(self.probabilities, axis=1)
        cdf[:, -1] = 1.0
        idx = (np.asarray(u)[:, None] >= cdf[rows]).sum(axis=1)
        d = idx - self.max_noise
        return np.where(counts > 0, d, 0).astype(np.int64)


def _maxent(support: np.ndarray, variance: float) -> np.ndarray:
    """Maximum-entropy probabilities on ``support`` (changes) with mean 0 and ``variance``.

    The solution is :math:`p(d) \\propto \\exp(a d + b d^2)` with :math:`(a, b)` minimising the
    convex dual :math:`\\log \\sum_d \\exp(a d + b d^2) - b V`, whose gradient is
    :math:`(E[d], E[d^2] - V)` and Hessian the covariance of :math:`(d, d^2)`. Newton's method
    with a halving line search solves it to machine precision in a few steps (the same optimum
    as ``scipy.optimize.minimize(..., method="BFGS")`` on the dual, which this replaced: its
    import alone took a fifth of a second of every report run).
    """
    t = support.astype(float)
    if len(t) == 1:
        return np.ones(1)
    # the largest variance with mean 0 on this support is the two-point one at its ends
    lo, hi = t.min(), t.max()
    v = min(variance, 0.9 * (-lo * hi)) if lo < 0 < hi else 0.0
    if v <= 0:
        out = np.zeros(len(t))
        out[np.flatnonzero(t == 0)[0]] = 1.0
        return out
    features = np.stack([t, t**2 - v])  # the dual's gradient is E[features]

    def dual(x: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        z = x[0] * t + x[1] * t**2
        m = z.max()
        w = np.exp(z - m)
        s = w.sum()
        p = w / s
        return m + math.log(s) - x[1] * v, p, features @ p

    x = np.zeros(2)
    value, p, grad = dual(x)
    for _ in range(200):
        centred = features - grad[:, None]
        hessian = (centred * p) @ centred.T
        try:
            step = np.linalg.solve(hessian, grad)
        except np.linalg.LinAlgError:
            break
        size = 1.0
        while size > 1e-12:  # a step that lowers the dual, or (at its flat bottom) the gradient
            trial = x - size * step
            new_value, new_p, new_grad = dual(trial)
            if new_value < value or np.max(np.abs(new_grad)) < np.max(np.abs(grad)):
                break
            size /= 2
        else:
            break
        done = np.max(np.abs(new_grad)) < 1e-15 or np.array_equal(trial, x)
        x, value, p, grad = trial, new_value, new_p, new_grad
        if done:
            break
    return np.asarray(p)


@lru_cache(maxsize=32)
def perturbation_table(
    max_noise: int = 3, variance: float = 2.0, floor: int = 5
) -> PerturbationTable:
    """The perturbation table for counts: maximum entropy, mean 0, variance ``variance``.

    Parameters
    ----------
    max_noise : int
        ``D``: no count changes by more than this.
    variance : float
        ``V``: the variance of the change, reached wherever the constraints allow (it must not
        exceed ``D**2``).
    floor : int
        Counts at or above ``floor`` are never perturbed below it; smaller non-zero counts
        never reach zero. Zero stays zero.

    Returns
    -------
    PerturbationTable

    Notes
    -----
    For a true count :math:`n` the change :math:`d` takes values in
    :math:`\\{\\max(f_n - n, -D), \\dots, D\\}` with :math:`f_n` the floor (``floor`` when
    :math:`n \\ge` ``floor``, else 1). Its distribution maximises the entropy subject to
    :math:`E[d] = 0` and :math:`E[d^2] = V`, i.e. :math:`p(d) \\propto \\exp(a d + b d^2)`
    (a discretised normal), as in the ``ptable`` package of Enderle, Giessing and Tent (2018);
    where the floor leaves too little room below :math:`n` the variance is reduced to 90 % of
    the largest a zero-mean distribution on that support can have. The noise is unbiased for
    every count.

    Examples
    --------
    >>> from leadership_eval.privacy.perturb import perturbation_table
    >>> t = perturbation_table(2, 1.0, floor=3)
    >>> t.frame().loc[5, [-2, -1, 0, 1, 2]].round(3).tolist()
    [0.064, 0.245, 0.383, 0.245, 0.064]
    >>> t.frame().loc[3, [-2, -1, 0, 1, 2]].tolist()  # at the floor: never below it
    [0.0, 0.0, 1.0, 0.0, 0.0]
    """
    if isinstance(max_noise, bool) or not isinstance(max_noise, int) or max_noise < 1:
        raise ConfigurationError(f"max_noise must be a whole number >= 1; found {max_noise!r}")
    if not 0 < variance <= max_noise**2:
        raise ConfigurationError(
            f"variance must be in (0, max_noise**2 = {max_noise**2}]; found {variance!r}"
        )
    if floor < 1:
        raise ConfigurationError(f"floor must be at least 1; found {floor!r}")
    d = np.arange(-max_noise, max_noise + 1)
    n_max = floor + max_noise
    probs = np.zeros((n_max + 1, len(d)))
    probs[0, max_noise] = 1.0  # zeros stay zeros
    for n in range(1, n_max + 1):
        f = floor if n >= floor else 1
        allowed = d >= f - n
        p = np.zeros(len(d))
        p[allowed] = _maxent(d[allowed], variance)
        probs[n] = p
    probs.setflags(write=False)
    return PerturbationTable(max_noise, float(variance), int(floor), probs)


@dataclass
class CellKeys:
    """Record keys of a data set's rows, and the cell keys of tables made from them.

    Parameters
    ----------
    keys : pandas.Series of uint64
        One record key per row (same index as the data the tables are made from), from
        :func:`record_keys`.
    secret : bytes
        The report key: cell keys are HMACs under it.

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.privacy.perturb import CellKeys, record_keys
    >>> secret = b"0123456789abcdef"
    >>> ids = pd.Series(["a", "b", "c", "d"])
    >>> ck = CellKeys(pd.Series(record_keys(ids, secret)), secret)
    >>> rows = pd.Series(["t1", "t1", "t2", "t2"])
    >>> cols = pd.Series(["yes", "no", "yes", "yes"])
    >>> u = ck.cell_uniforms("q1", rows, cols)
    >>> u.shape, bool(((u >= 0) & (u < 1)).all().all())
    ((3, 3), True)
    """

    keys: pd.Series
    secret: bytes

    def _aligned(self, index: pd.Index) -> np.ndarray:
        """The record keys of the rows ``index`` (uint64), which must be rows of the keyed
        data."""
        if index.equals(self.keys.index):
            return self.keys.to_numpy(dtype=np.uint64)
        at = self.keys.index.get_indexer(index)
        if (at < 0).any():
            raise DataError("the rows of a table must be rows of the keyed data", code="bad-rows")
        return self.keys.to_numpy(dtype=np.uint64)[at]

    def cell_uniforms(
        self,
        table: Hashable,
        rows: pd.Series,
        columns: pd.Series | None = None,
        *,
        row_order: Sequence[Hashable] | None = None,
        column_order: Sequence[Hashable] | None = None,
        total: Hashable = "Total",
    ) -> pd.DataFrame:
        """Uniform cell keys in [0, 1) of the table ``rows x columns`` with its margins.

        The key of cell (r, c) is derived from the table's name, the column, the sum of the
        record keys of row ``r`` and the sum of those of the cell; a margin's from all the
        records it counts. Records with a missing row or column label count nowhere.

        Returns
        -------
        pandas.DataFrame
            Rows ``row_order`` (default: the labels in order of appearance) and ``total``;
            columns ``column_order`` and ``total`` (only ``total`` when ``columns`` is None).
        """
        values, index, cols = self.uniform_grid(
            table, rows, columns, row_order=row_order, column_order=column_order, total=total
        )
        return pd.DataFrame(values, index=index, columns=cols)

    def uniform_grid(
        self,
        table: Hashable,
        rows: pd.Series,
        columns: pd.Series | None = None,
        *,
        row_order: Sequence[Hashable] | None = None,
        column_order: Sequence[Hashable] | None = None,
        total: Hashable = "Total",
    ) -> tuple[np.ndarray, list[Hashable], list[Hashable]]:
        """:meth:`cell_uniforms` as an array with its row and column labels (for callers that
        make many small tables and need no frame)."""
        if columns is None:
            columns = pd.Series(total, index=rows.index, dtype="object")
            column_order = []
        # the labels as plain arrays: tables are small and many, and pandas' per-call overhead
        # was most of the time
        r_all, c_all = rows.to_numpy(dtype=object), columns.to_numpy(dtype=object)
        ok = ~(pd.isna(r_all) | pd.isna(c_all))
        c_codes, c_labels = pd.factorize(c_all[ok], sort=False)
        r_order = list(row_order) if row_order is not None else list(pd.unique(rows[ok]))
        c_order = list(column_order) if column_order is not None else list(pd.unique(columns[ok]))
        sums = _KeySums(self._aligned(rows.index)[ok], r_all[ok], r_order, c_codes, len(c_labels))
        # each column of the table is one label of the data (or none, when no record has it)
        groups = [[j] if j >= 0 else [] for j in _positions(c_labels, c_order)]
        values = sums.grid(self.secret, table, c_order, groups, total)
        return values, [*r_order, total], [*c_order, total]

    def grouped_grids(
        self,
        tables: Sequence[tuple[Hashable, Sequence[str], Sequence[Sequence[int]]]],
        rows: pd.Series,
        codes: np.ndarray,
        n_codes: int,
        *,
        row_order: Sequence[Hashable],
        total: Hashable = "Total",
    ) -> list[tuple[np.ndarray, list[Hashable], list[Hashable]]]:
        """:meth:`uniform_grid` of several tables of the same records whose columns group one
        coding of them, with the records' key sums made once for all the tables.

        Record ``i`` (of ``rows``, which has no missing label) has the code ``codes[i]``
        (``0 <= codes[i] < n_codes``). Table ``(name, labels, groups)`` puts it in column
        ``labels[j]`` when its code is in ``groups[j]``; the groups take each code once, and
        the labels are distinct strings. A table with no labels is the one of
        ``columns=None``. Each grid is that of ``uniform_grid(name, rows, columns,
        row_order=row_order, column_order=labels)``, with each record's label as its column.

        Examples
        --------
        >>> import numpy as np
        >>> import pandas as pd
        >>> from leadership_eval.privacy.perturb import CellKeys, record_keys
        >>> secret = b"0123456789abcdef"
        >>> ids = pd.Series(["a", "b", "c", "d"])
        >>> ck = CellKeys(pd.Series(record_keys(ids, secret)), secret)
        >>> rows = pd.Series(["t1", "t1", "t2", "t2"])
        >>> codes = np.array([0, 2, 1, 2])  # agree, disagree, neither, disagree
        >>> two = ("q1:two", ["agree", "other"], [[0], [1, 2]])
        >>> [grid] = ck.grouped_grids([two], rows, codes, 3, row_order=["t1", "t2"])
        >>> labels = pd.Series(["agree", "other", "other", "other"])
        >>> same = ck.uniform_grid("q1:two", rows, labels, row_order=["t1", "t2"],
        ...                        column_order=["agree", "other"])
        >>> bool((grid[0] == same[0]).all()), grid[1:] == same[1:]
        (True, True)
        """
        r_all = rows.to_numpy(dtype=object)
        codes = np.asarray(codes, dtype=np.int64)
        if bool(pd.isna(r_all).any()) or len(codes) != len(r_all):
            raise DataError(
                "grouped_grids needs a row label and a code for every record", code="bad-argument"
            )
        if len(codes) and (codes.min() < 0 or codes.max() >= n_codes):
            raise DataError(f"codes must lie in 0..{n_codes - 1}", code="bad-argument")
        for name, labels, groups in tables:
            taken = sorted(c for g in groups for c in g)
            if labels and taken != list(range(n_codes)):
                raise DataError(
                    f"the groups of table {name!r} must take each code once", code="bad-argument"
                )
            if len(groups) != len(labels) or len(set(labels)) != len(labels):
                raise DataError(
                    f"table {name!r} needs one group per label, and distinct labels",
                    code="bad-argument",
                )
            if not all(isinstance(x, str) for x in labels):
                raise DataError(
                    f"the labels of table {name!r} must be strings", code="bad-argument"
                )
        order = list(row_order)
        sums = _KeySums(self._aligned(rows.index), r_all, order, codes, n_codes)
        return [
            (
                sums.grid(self.secret, name, list(labels), groups, total),
                [*order, total],
                [*labels, total],
            )
            for name, labels, groups in tables
        ]

    def group_uniform(self, what: Hashable, members: pd.Index | Sequence[Hashable]) -> float:
        """One uniform key in [0, 1) for a statistic of a set of records (a group's mean)."""
        k = self._aligned(pd.Index(members))
        return _uniform(self.secret, "group", what, int(k.sum()))


class _KeySums:
    """Sums of the record keys of a table's records (wrapping modulo 2**64), by row, by code
    and by cell (row and code); then the grid of cell keys of any grouping of the codes."""

    def __init__(
        self,
        keys: np.ndarray,
        row_labels: np.ndarray,
        row_order: Sequence[Hashable],
        codes: np.ndarray,
        n_codes: int,
    ) -> None:
        r_codes, r_labels = pd.factorize(row_labels, sort=False)
        n_r, n_c = len(r_labels), n_codes
        row_sum = np.zeros(n_r, dtype=np.uint64)
        np.add.at(row_sum, r_codes, keys)
        col_sum = np.zeros(n_c, dtype=np.uint64)
        np.add.at(col_sum, codes, keys)
        cell_sum = np.zeros((n_r, n_c), dtype=np.uint64)
        np.add.at(cell_sum, (r_codes, codes), keys)
        # the position of each label of the order among the rows (-1: no record, a sum of 0)
        self.r_at = _positions(r_labels, row_order)
        self.row_sums = [int(row_sum[i]) if i >= 0 else 0 for i in self.r_at]
        self.col_sum, self.cell_sum = col_sum, cell_sum
        self.everything = int(keys.sum())

    def grid(
        self,
        secret: bytes,
        table: Hashable,
        labels: Sequence[Hashable],
        groups: Sequence[Sequence[int]],
        total: Hashable,
    ) -> np.ndarray:
        """The cell keys of the table whose column ``j`` counts the codes ``groups[j]``."""
        member = np.zeros((self.cell_sum.shape[1], len(groups)), dtype=np.uint64)
        for j, g in enumerate(groups):
            member[list(g), j] = 1
        # sums over each group's codes (an integer product wraps as the sums do)
        cells = (self.cell_sum @ member).tolist()
        col_sums = (self.col_sum @ member).tolist()
        everything = self.everything
        # _uniform(secret, table, column, row sum, cell sum), its message built here once per
        # table and column (the same bytes: parts joined by \x1f, UTF-8)
        digest, sha256 = hmac.digest, hashlib.sha256
        head = [f"{table}\x1f{c}\x1f" for c in [*labels, total]]
        last = head[-1]

        def u(h: str, row: int, cell: int) -> float:
            return _unit(digest(secret, f"{h}{row}\x1f{cell}".encode(), sha256))

        n_cols = len(groups)
        values = np.empty((len(self.r_at) + 1, n_cols + 1))
        for i, (r, rs) in enumerate(zip(self.r_at, self.row_sums, strict=True)):
            row_values = values[i]
            row_cells = cells[r] if r >= 0 else [0] * n_cols
            for j in range(n_cols):
                row_values[j] = u(head[j], rs, row_cells[j])
            row_values[-1] = u(last, rs, rs)
        for j in range(n_cols):
            values[-1, j] = u(head[j], everything, col_sums[j])
        values[-1, -1] = u(last, everything, everything)
        return values


def _positions(labels: np.ndarray, order: Sequence[Hashable]) -> list[int]:
    """The position of each label of ``order`` among the distinct ``labels`` (-1: absent), by
    one factorisation of both (pandas' label equality, as ``Index.get_indexer``)."""
    if not len(order):
        return []
    both = np.empty(len(labels) + len(order), dtype=object)
    for i, label in enumerate([*labels, *order]):  # one by one: a tuple is one label
        both[i] = label
    codes = pd.factorize(both, sort=False)[0][len(labels) :]
    return [int(c) if 0 <= c < len(labels) else -1 for c in codes.tolist()]


def perturb_mean(mean: float, n: int, sd: float, u: float, *, scale: float = 1.0) -> float:
    """A mean plus noise of standard deviation ``scale * sd / n`` (normal, truncated at 3 SD).

    ``u`` is the group's uniform key (:meth:`CellKeys.group_uniform`): the same respondents
    give the same noise. ``sd / n`` is the largest change a respondent at one standard deviation
    from the mean makes to it, so differencing two releases recovers a respondent's value no
    better than the noise allows.

    Examples
    --------
    >>> from leadership_eval.privacy.perturb import perturb_mean
    >>> round(perturb_mean(3.5, 20, 0.8, 0.5), 6), round(perturb_mean(3.5, 20, 0.8, 0.975), 3)
    (3.5, 3.578)
    """
    from .._distributions import norm_ppf

    if not (math.isfinite(mean) and n > 0 and math.isfinite(sd)):
        return mean
    z = float(np.clip(norm_ppf(min(max(u, 1e-12), 1 - 1e-12)), -3.0, 3.0))
    return float(mean + scale * sd / n * z)
