"""k-anonymity, l-diversity, t-closeness and re-identification risk of a data set.

:func:`check_anonymity` groups the records into equivalence classes (records sharing every
quasi-identifier value) in one vectorised pass and derives every measure from that grouping.
A missing value in a quasi-identifier is a category like any other: every record is counted,
whatever the index of the frame.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._codes import factorize_strings
from .._frames import check_frame, unhashable_positions, unknown_column
from ..errors import DataError

__all__ = ["AnonymityReport", "check_anonymity"]

INT64_SAFE = 1 << 62


# ---------------------------------------------------------------------- grouping helpers
def check_columns(data: Any, columns: Sequence[Hashable], role: str) -> None:
    """Raise :class:`DataError` unless ``data`` is a non-empty frame holding ``columns``."""
    check_frame(data, unique_columns=True)
    for c in columns:
        if c not in data.columns:
            raise unknown_column(c, data, role)


def as_list(columns: Hashable | Sequence[Hashable] | None) -> list[Hashable]:
    """A column name or a list of them as a list (None -> [])."""
    if columns is None:
        return []
    if isinstance(columns, str) or not isinstance(columns, Sequence):
        return [columns]
    return list(columns)


def factorize(col: pd.Series) -> tuple[np.ndarray, int]:
    """Integer codes (int64) of a column, missing values as one code of their own.

    Python-backed strings are hashed by their characters
    (``leadership_eval._codes.factorize_strings``: the same codes, quicker)."""
    dtype = col.dtype
    strings = isinstance(dtype, pd.StringDtype) and dtype.storage == "python"
    factorised = factorize_strings(col) if strings else None
    if factorised is None:
        codes_i, uniques = pd.factorize(col, use_na_sentinel=True)
        codes = np.asarray(codes_i, dtype=np.int64)
    else:
        codes, uniques = factorised
    card = len(uniques)
    na = codes < 0
    if na.any():
        codes[na] = card
        card += 1
    return codes, max(card, 1)


def combine(codes: Sequence[np.ndarray], cards: Sequence[int], n: int) -> tuple[np.ndarray, int]:
    """One int64 key per record from per-column codes (multiply-add; compacted if it would overflow)."""
    key = np.zeros(n, dtype=np.int64)
    total = 1
    for c, m in zip(codes, cards, strict=True):
        if total * m >= INT64_SAFE:
            key_i, uniq = pd.factorize(key)
            key = np.asarray(key_i, dtype=np.int64)
            total = max(len(uniq), 1)
        key = key * m + c if total > 1 else c.astype(np.int64, copy=True)
        total *= m
    return key, total


def group_keys(key: np.ndarray, total: int) -> tuple[np.ndarray, np.ndarray]:
    """Class id per record (classes ordered by key) and class sizes."""
    n = len(key)
    if total <= max(4 * n, 1 << 16):
        full = np.bincount(key, minlength=total)
        present = np.flatnonzero(full > 0)  # (faster than on the counts)
        remap = np.zeros(total, dtype=np.int64)
        remap[present] = np.arange(len(present), dtype=np.int64)
        return remap[key], full[present]
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    return inverse.astype(np.int64).ravel(), counts


def group_codes(
    codes: Sequence[np.ndarray], cards: Sequence[int], n: int
) -> tuple[np.ndarray, np.ndarray]:
    """``group_keys(*combine(codes, cards, n))``: class id per record and class sizes.

    When the combined keys fit in int64 (classes then ordered by their code tuples), the key is
    built column by column and renumbered densely (an order-keeping ``bincount`` remap)
    whenever its range would outgrow a small multiple of ``n``, so no sort is needed.
    """
    if math.prod(cards) >= INT64_SAFE:
        return group_keys(*combine(codes, cards, n))
    dense = max(4 * n, 1 << 16)
    key = np.zeros(n, dtype=np.int64)
    total = 1
    for c, m in zip(codes, cards, strict=True):
        if m == 1:
            continue
        if total * m > dense:
            present = np.flatnonzero(np.bincount(key, minlength=total) > 0)
            remap = np.zeros(total, dtype=np.int64)
            remap[present] = np.arange(len(present), dtype=np.int64)
            key = remap[key]
            total = len(present)
        key *= m
        key += c
        total *= m
    return group_keys(key, total)


# ---------------------------------------------------------------------- sensitive measures
def _sensitive_codes(col: pd.Series) -> tuple[np.ndarray, int, bool]:
    """Codes of a sensitive column in domain order, domain size, and whether it is ordered.

    Numbers (not booleans) are ordered by value, ordered categoricals by their categories (all
    declared categories form the domain); missing values come last. Other columns are nominal.
    """
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype) and dtype.ordered:
        codes = np.asarray(col.cat.codes, dtype=np.int64)
        m = len(dtype.categories)
        na = codes < 0
        if na.any():
            codes = np.where(na, m, codes)
            m += 1
        return codes, max(m, 1), True
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        values = col.to_numpy(dtype=float, na_value=np.nan)
        na = np.isnan(values)
        uniq, inv = np.unique(values[~na], return_inverse=True)
        codes = np.full(len(values), len(uniq), dtype=np.int64)
        codes[~na] = inv.ravel()
        m = len(uniq) + int(na.any())
        return codes, max(m, 1), True
    codes, m = factorize(col)
    return codes, m, False


def _sensitive_measures(
    cls: np.ndarray, sizes: np.ndarray, col: pd.Series
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per class: distinct l, entropy l (exp of Shannon entropy) and t (EMD to the table)."""
    n_classes = len(sizes)
    n = len(cls)
    s, m, ordered = _sensitive_codes(col)
    pair_key = cls * m + s
    pair_id, pair_count = group_keys(pair_key, n_classes * m)
    # recover the (class, value) of each pair from its first record
    first = np.full(len(pair_count), n, dtype=np.int64)
    np.minimum.at(first, pair_id, np.arange(n, dtype=np.int64))
    pc = cls[first]
    pv = s[first]
    distinct = np.bincount(pc, minlength=n_classes)
    p = pair_count / sizes[pc]
    entropy = np.bincount(pc, weights=-p * np.log(p), minlength=n_classes)
    q = np.bincount(s, minlength=m) / n
    t: np.ndarray
    if m <= 1:
        t = np.zeros(n_classes)
    elif not ordered:
        # equal ground distance: D = 1/2 sum_i |p_i - q_i|; values absent from a class add q_i
        part = np.bincount(pc, weights=np.abs(p - q[pv]) - q[pv], minlength=n_classes)
        t = 0.5 * (1.0 + part)
    else:
        # ordered distance: D = 1/(m-1) sum_i |sum_{j<=i} (p_j - q_j)|, summed segment by segment
        # (pairs are sorted by class then value, because keys are class * m + value)
        F = np.cumsum(q)
        F[-1] = 1.0
        S = np.concatenate([[0.0], np.cumsum(F)])
        cum_all = np.cumsum(p)
        starts = np.flatnonzero(np.r_[True, pc[1:] != pc[:-1]])
        offset = np.repeat(np.r_[0.0, cum_all[starts[1:] - 1]], np.diff(np.r_[starts, len(pc)]))
        c = cum_all - offset  # class's cumulative probability up to each present value
        nxt = np.r_[pv[1:], m]
        last_in_class = np.r_[pc[1:] != pc[:-1], True]
        b = np.where(last_in_class, m, nxt)
        a = pv
        idx = np.clip(np.searchsorted(F, c, side="left"), a, b)
        seg = c * (idx - a) - (S[idx] - S[a]) + (S[b] - S[idx]) - c * (b - idx)
        total = np.bincount(pc, weights=seg, minlength=n_classes)
        lead = S[pv[starts]]  # values before the class's first value: sum of F_i
        total[pc[starts]] += lead
        t = np.clip(total / (m - 1), 0.0, 1.0)
    return distinct, np.exp(entropy), t


# ---------------------------------------------------------------------- report
@dataclass(frozen=True)
class AnonymityReport:
    """What :func:`check_anonymity` found.

    Attributes
    ----------
    k : int
        Size of the smallest equivalence class.
    l : int or None
        Distinct l-diversity: the fewest distinct sensitive values in a class (smallest over the
        sensitive columns); None without ``sensitive``.
    entropy_l : float or None
        Entropy l-diversity: the smallest ``exp(H)`` over classes (and sensitive columns).
    t : float or None
        t-closeness: the largest Earth Mover's Distance between a class's sensitive distribution
        and the whole table's.
    passes : bool
        k (and the l and t targets, when given) hold.
    risk_highest, risk_average, share_at_risk, share_unique : float
        Prosecutor re-identification risk: ``1 / k``; classes per record; share of records whose
        ``1 / class size`` exceeds ``risk_threshold``; share of records alone in their class.
    classes : pandas.DataFrame
        One row per class (index ``class_id``): the quasi-identifier values, ``size`` and, with
        ``sensitive``, ``l``, ``entropy_l``, ``t``.
    offending : pandas.DataFrame
        The rows of ``classes`` that fail k (or the l / t targets).
    record_class : pandas.Series
        Each record's ``class_id``, aligned to the data's index.
    """

    k: int
    l: int | None  # noqa: E741
    entropy_l: float | None
    t: float | None
    passes: bool
    k_target: int
    l_target: float | None
    t_target: float | None
    n_records: int
    n_classes: int
    risk_highest: float
    risk_average: float
    share_at_risk: float
    share_unique: float
    risk_threshold: float
    quasi_identifiers: list[Hashable]
    sensitive: list[Hashable]
    classes: pd.DataFrame = field(repr=False)
    offending: pd.DataFrame = field(repr=False)
    record_class: pd.Series = field(repr=False)

    @property
    def offending_records(self) -> pd.Series:
        """Boolean Series (aligned to the data's index): the record is in an offending class."""
        mask = np.isin(self.record_class.to_numpy(), self.offending.index.to_numpy())
        return pd.Series(mask, index=self.record_class.index, name="offending")

    @property
    def n_offending_records(self) -> int:
        """Number of records in offending classes."""
        return int(self.offending["size"].sum())

    def to_dict(self, max_offending: int | None = 100) -> dict[str, Any]:
        """A JSON-ready summary for logs.

        The measures, targets, risks and the offending classes: their quasi-identifier values
        and sizes only (no other record values), the smallest first, at most ``max_offending``
        of them (None for all); ``n_offending_classes`` gives the full count.
        """

        def _clean(v: Any) -> Any:
            if isinstance(v, np.integer):
                return int(v)
            if isinstance(v, np.floating):
                return None if np.isnan(v) else float(v)
            if isinstance(v, float) and np.isnan(v):
                return None
            if v is pd.NA or v is None:
                return None
            if isinstance(v, np.bool_):
                return bool(v)
            return v if isinstance(v, int | float | str | bool) else str(v)

        off_cols = [*map(str, self.quasi_identifiers), "size"]
        worst = self.offending[[*self.quasi_identifiers, "size"]].sort_values("size", kind="stable")
        if max_offending is not None:
            worst = worst.iloc[:max_offending]
        offending = [
            {c: _clean(v) for c, v in zip(off_cols, row, strict=True)}
            for row in worst.itertuples(index=False)
        ]
        return {
            "quasi_identifiers": [str(q) for q in self.quasi_identifiers],
            "sensitive": [str(s) for s in self.sensitive],
            "n_records": self.n_records,
            "n_classes": self.n_classes,
            "k": self.k,
            "l": self.l,
            "entropy_l": _clean(self.entropy_l),
            "t": _clean(self.t),
            "k_target": self.k_target,
            "l_target": self.l_target,
            "t_target": self.t_target,
            "passes": self.passes,
            "risk_highest": self.risk_highest,
            "risk_average": self.risk_average,
            "share_at_risk": self.share_at_risk,
            "share_unique": self.share_unique,
            "risk_threshold": self.risk_threshold,
            "n_offending_classes": len(self.offending),
            "n_offending_records": self.n_offending_records,
            "offending": offending,
        }


def _validate_targets(k: Any, l: Any, t: Any, risk_threshold: Any) -> None:  # noqa: E741
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise DataError(f"k must be a whole number of at least 1, got {k!r}", code="invalid-k")
    if l is not None and (
        isinstance(l, bool) or not isinstance(l, int | float) or not 1 <= l < math.inf
    ):
        raise DataError(
            f"l must be a number of at least 1, and finite, got {l!r}", code="invalid-l"
        )
    if t is not None and (isinstance(t, bool) or not isinstance(t, int | float) or not 0 <= t <= 1):
        raise DataError(f"t must be a number between 0 and 1, got {t!r}", code="invalid-t")
    if (
        isinstance(risk_threshold, bool)
        or not isinstance(risk_threshold, int | float)
        or not 0 < risk_threshold <= 1
    ):
        raise DataError(
            f"risk_threshold must be in (0, 1], got {risk_threshold!r}", code="invalid-threshold"
        )


def target_k(k: Any, policy: Any) -> Any:
    """The ``k`` to measure against: ``k`` when given, else the policy's ``min_group``.

    ``policy`` is resolved either way (a misspelt preset is an error even beside an explicit
    ``k``). A measurement may take any ``k``: asking whether data are 3-anonymous under a
    policy of 5 is a fair question; only functions that release data refuse a looser ``k``.
    """
    from ..policy import DisclosurePolicy

    resolved = DisclosurePolicy.resolve(policy)
    return resolved.min_group if k is None else k


def check_anonymity(
    data: pd.DataFrame,
    quasi_identifiers: Hashable | Sequence[Hashable],
    k: int | None = None,
    sensitive: Hashable | Sequence[Hashable] | None = None,
    l: float | None = None,  # noqa: E741
    t: float | None = None,
    risk_threshold: float = 0.2,
    *,
    policy: Any = None,
) -> AnonymityReport:
    """Measure k-anonymity, l-diversity, t-closeness and prosecutor risk.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per record; any index (filtered, string labels, duplicates).
    quasi_identifiers : str or list of str
        Columns an attacker could link to other sources. A missing value (NaN, None, pd.NA) is
        a category of its own: no record is dropped.
    k : int, optional
        The smallest class size required. Default: the policy's ``min_group``. Any ``k`` may
        be asked for (this is a measurement, not a release).
    sensitive : str or list of str, optional
        Sensitive columns; l, entropy l and t are computed for each and the worst is reported.
    l : float, optional
        Required distinct l-diversity (checked when given).
    t : float, optional
        Required t-closeness: the largest EMD allowed (checked when given).
    risk_threshold : float
        A record is "at risk" when ``1 / (its class size)`` exceeds this (0.2 = classes under 5).
    policy : DisclosurePolicy, str, path or None
        The disclosure policy whose ``min_group`` is the default ``k`` (see
        :meth:`~leadership_eval.policy.DisclosurePolicy.resolve`; None: the default policy, 5).

    Returns
    -------
    AnonymityReport
        With ``k``, ``l``, ``entropy_l``, ``t``, ``passes``, the risks, ``classes`` (columns: the
        quasi-identifiers, ``size``, and with ``sensitive`` ``l``, ``entropy_l``, ``t``),
        ``offending`` and ``record_class``.

    Raises
    ------
    DataError
        Empty data, an unknown column (with a "did you mean"), a column both quasi-identifier
        and sensitive, or an invalid target (k < 1, l < 1, t outside [0, 1]).

    Notes
    -----
    For a class :math:`E` of size :math:`|E|` with sensitive distribution :math:`P` and the
    table's distribution :math:`Q` over :math:`m` values:

    - k-anonymity: :math:`k = \\min_E |E|` (Sweeney 2002).
    - distinct l-diversity: :math:`l = \\min_E |\\{s : P(s) > 0\\}|`; entropy l-diversity:
      :math:`\\min_E \\exp(-\\sum_s P(s) \\ln P(s))` (Machanavajjhala et al. 2007).
    - t-closeness (Li et al. 2007): :math:`t = \\max_E D[P, Q]` with the Earth Mover's
      Distance. For nominal columns (equal ground distance)
      :math:`D = \\tfrac12 \\sum_i |p_i - q_i|`; for numbers and ordered categoricals (ordered
      distance) :math:`D = \\frac{1}{m-1} \\sum_{i=1}^{m} |\\sum_{j \\le i} (p_j - q_j)|`,
      the domain being the distinct numbers observed, or the declared categories.
    - Prosecutor risk (as ARX reports it): highest :math:`1/k`; average = number of classes /
      number of records; records at risk are those with :math:`1/|E| >` ``risk_threshold``.

    References
    ----------
    .. [1] Sweeney, L. (2002). k-anonymity: a model for protecting privacy. *International
       Journal of Uncertainty, Fuzziness and Knowledge-Based Systems*, 10(5), 557-570.
    .. [2] Machanavajjhala, A., Kifer, D., Gehrke, J., & Venkitasubramaniam, M. (2007).
       l-diversity: privacy beyond k-anonymity. *ACM Transactions on Knowledge Discovery from
       Data*, 1(1), 3.
    .. [3] Li, N., Li, T., & Venkatasubramanian, S. (2007). t-closeness: privacy beyond
       k-anonymity and l-diversity. *Proceedings of the 23rd IEEE International Conference on
       Data Engineering (ICDE)*, 106-115.
    .. [4] Prasser, F., Eicher, J., Spengler, H., Bild, R., & Kuhn, K. A. (2020). Flexible data
       anonymization using ARX: current status and challenges ahead. *Software: Practice and
       Experience*, 50(7), 1277-1304.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"grade": ["FY1", "FY1", "FY2", "FY2", None],
    ...                    "trust": ["A", "A", "A", "A", "B"],
    ...                    "score": [3, 4, 4, 4, 2]})
    >>> r = check_anonymity(df, ["grade", "trust"], k=2, sensitive="score")
    >>> r.k, r.l, r.passes, r.n_classes
    (1, 1, False, 3)
    >>> r.classes[["grade", "trust", "size", "l"]]
             grade trust  size  l
    class_id
    0          FY1     A     2  2
    1          FY2     A     2  1
    2          NaN     B     1  1
    >>> round(r.risk_average, 2), r.share_unique
    (0.6, 0.2)
    >>> check_anonymity(df, ["grade", "trust"], policy="gmc-nts").k_target
    3
    """
    k = target_k(k, policy)
    qis, sens = check_report_inputs(data, quasi_identifiers, k, sensitive, l, t, risk_threshold)
    try:
        coded = [factorize(data[q]) for q in qis]
        return report_from_codes(data, qis, coded, k, sens, l, t, risk_threshold)
    except TypeError as exc:  # a cell holding a list, dict or set cannot be compared as a value
        raise _unhashable_error(data, [*qis, *sens]) or exc from exc


def _unhashable_error(data: pd.DataFrame, columns: Sequence[Hashable]) -> DataError | None:
    """A located error for the first cell that holds a list, dict or set (None if none does)."""
    for c in columns:
        col = data[c]
        if col.dtype != object:
            continue
        found = unhashable_positions(col, first=True)
        if found:
            pos = found[0]
            value = col.iloc[pos]
            return DataError(
                f"column {c!r} holds a {type(value).__name__} at data row {pos} (counting "
                f"from 0; index {col.index[pos]!r}): {value!r:.60}; each cell of a "
                "quasi-identifier or sensitive column must be one value (text or a number); "
                "join lists into text first",
                code="unhashable-value",
                failure_cases=pd.DataFrame(
                    {"row": [col.index[pos]], "column": [c], "value": [repr(value)]}
                ),
            )
    return None


def check_report_inputs(
    data: pd.DataFrame,
    quasi_identifiers: Hashable | Sequence[Hashable],
    k: int,
    sensitive: Hashable | Sequence[Hashable] | None,
    l: float | None,  # noqa: E741
    t: float | None,
    risk_threshold: float,
) -> tuple[list[Hashable], list[Hashable]]:
    """Validate :func:`check_anonymity`'s arguments; the quasi-identifiers and sensitive columns."""
    qis = as_list(quasi_identifiers)
    sens = as_list(sensitive)
    _validate_targets(k, l, t, risk_threshold)
    if not qis:
        raise DataError("give at least one quasi-identifier column", code="no-quasi-identifiers")
    check_columns(data, qis, "quasi-identifier")
    check_columns(data, sens, "sensitive")
    if len(set(qis)) != len(qis):
        raise DataError(f"quasi-identifiers listed twice: {qis}", code="duplicate-column")
    both = [s for s in sens if s in qis]
    if both:
        raise DataError(
            f"column(s) {both} cannot be both quasi-identifier and sensitive",
            code="sensitive-is-quasi-identifier",
        )
    reserved = [q for q in qis if q in ("size", "l", "entropy_l", "t")]
    if reserved:
        raise DataError(
            f"quasi-identifier column(s) {reserved} clash with the report's own columns (size, "
            "l, entropy_l, t); rename them first",
            code="reserved-column",
        )
    if len(data) == 0:
        raise DataError("data has no rows", code="empty-data")
    if (l is not None or t is not None) and not sens:
        raise DataError("l and t targets need a sensitive column", code="no-sensitive")
    return qis, sens


def report_from_codes(
    data: pd.DataFrame,
    qis: list[Hashable],
    coded: Sequence[tuple[np.ndarray, int]],
    k: int,
    sens: list[Hashable],
    l: float | None = None,  # noqa: E741
    t: float | None = None,
    risk_threshold: float = 0.2,
) -> AnonymityReport:
    """:func:`check_anonymity` of validated arguments, given ``factorize(data[q])`` of each QI."""
    n = len(data)
    cls, sizes = group_codes([c for c, _ in coded], [m for _, m in coded], n)
    n_classes = len(sizes)
    first = np.full(n_classes, n, dtype=np.int64)
    np.minimum.at(first, cls, np.arange(n, dtype=np.int64))

    classes = data[qis].iloc[first].reset_index(drop=True)
    classes.index.name = "class_id"
    classes["size"] = sizes
    fails = sizes < k
    l_min: int | None = None
    el_min: float | None = None
    t_max: float | None = None
    if sens:
        ls, els, ts = [], [], []
        for s_col in sens:
            d, e, tt = _sensitive_measures(cls, sizes, data[s_col])
            ls.append(d)
            els.append(e)
            ts.append(tt)
        cl = np.min(ls, axis=0)
        ce = np.min(els, axis=0)
        ct = np.max(ts, axis=0)
        classes["l"] = cl
        classes["entropy_l"] = ce
        classes["t"] = ct
        l_min, el_min, t_max = int(cl.min()), float(ce.min()), float(ct.max())
        if l is not None:
            fails |= cl < l
        if t is not None:
            fails |= ct > t + 1e-12

    k_min = int(sizes.min())
    rec_size = sizes[cls]
    passes = (
        k_min >= k
        and (l is None or (l_min is not None and l_min >= l))
        and (t is None or (t_max is not None and t_max <= t + 1e-12))
    )
    return AnonymityReport(
        k=k_min,
        l=l_min,
        entropy_l=el_min,
        t=t_max,
        passes=bool(passes),
        k_target=int(k),
        l_target=l,
        t_target=t,
        n_records=n,
        n_classes=n_classes,
        risk_highest=1.0 / k_min,
        risk_average=n_classes / n,
        share_at_risk=float(np.mean(1.0 / rec_size > risk_threshold)),
        share_unique=float(np.mean(rec_size == 1)),
        risk_threshold=float(risk_threshold),
        quasi_identifiers=qis,
        sensitive=sens,
        classes=classes,
        offending=classes[fails],
        record_class=pd.Series(cls, index=data.index, name="class_id"),
    )
