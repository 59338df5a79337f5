"""Survey waves against each other (:func:`compare_waves`), over the items and scales that are
the same in both versions of the instrument.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import _distributions as _dist
from .._frames import check_columns, check_frame, numeric
from .._results import FrameResult
from ..errors import ArgumentError, ConfigurationError, DataError
from ..instruments.loader import as_survey
from ..instruments.models import Item, Scale, Survey, text_in
from ..policy import DisclosurePolicy


def _item_difference(a: Item, b: Item, sa: Survey, sb: Survey) -> str | None:
    """Why item ``a`` (wave 1) and ``b`` (wave 2) are not the same question, or None."""
    if a.type != b.type:
        return f"type changed ({a.type} -> {b.type})"
    if text_in(a.text) != text_in(b.text) or a.text != b.text:
        return "question text changed"
    ca, cb = sa.choices_for(a), sb.choices_for(b)
    if (ca is None) != (cb is None):
        return "choice list added or removed"
    if ca is not None and cb is not None:
        pa = [(o.code, o.label) for o in ca.options]
        pb = [(o.code, o.label) for o in cb.options]
        if pa != pb:
            return "choice list codes or labels changed"
        if [(o.code, o.label) for o in ca.missing] != [(o.code, o.label) for o in cb.missing]:
            return "missing codes changed"
        if ca.ordered != cb.ordered:
            return "choice list ordering changed"
    if (a.min, a.max, a.integer) != (b.min, b.max, b.integer):
        return "allowed range changed"
    if a.column_name != b.column_name:
        return "response column changed"
    return None


def _scorable(item: Item, survey: Survey) -> str | None:
    if item.type == "number":
        return None
    if item.type not in ("likert", "choice"):
        return f"{item.type} items are not compared as numbers"
    cl = survey.choices_for(item)
    if cl is None or not cl.numeric or not (cl.ordered or item.type == "likert"):
        return "not an ordered list of numeric codes"
    return None


def _item_numbers(data: pd.DataFrame, survey: Survey, item: Item) -> np.ndarray:
    col = item.column_name if item.column_name in data.columns else item.id
    if col not in data.columns:
        raise DataError(
            f"item {item.id!r} (column {col!r}) is missing from the wave's data",
            code="missing-column",
        )
    x = numeric(data[col], col)
    cl = survey.choices_for(item)
    if cl is not None and cl.missing_codes:
        miss = [float(c) for c in cl.missing_codes if isinstance(c, int | float)]
        x = np.where(np.isin(x, miss), np.nan, x)
    return x


@dataclass(frozen=True, repr=False)
class WaveComparison(FrameResult):
    """The result of :func:`compare_waves`: the changes, and the measures not compared.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per measure (and group) compared (the columns are listed under
        :func:`compare_waves`).
    skipped : pandas.DataFrame
        The measures NOT compared, with ``measure``, ``kind`` and ``reason`` (only in one
        version, text, type, choice list or range changed, not numeric, a scale whose
        definition or items changed).
    """

    frame: pd.DataFrame
    skipped: pd.DataFrame

    _legacy_key = "skipped"

    def _legacy_value(self) -> pd.DataFrame:
        return self.skipped

    def __repr__(self) -> str:
        return f"WaveComparison({len(self.frame)} compared, {len(self.skipped)} skipped)"


def compare_waves(
    before: pd.DataFrame,
    after: pd.DataFrame,
    survey_before: Survey | str | Path,
    survey_after: Survey | str | Path,
    *,
    group: str | None = None,
    items: str | Sequence[str] | None = None,
    paired_id: str | None = None,
    policy: DisclosurePolicy | str | None = None,
    adjust: str | None = None,
) -> pd.DataFrame:
    """Change between two survey waves, over the items and scales both versions share.

    Parameters
    ----------
    before, after : pandas.DataFrame
        Responses of each wave (raw or clean form), one row per respondent.
    survey_before, survey_after : Survey, or a path or bundled id
        The instrument version each wave used.
    group : str, optional
        A column of both frames (e.g. ``trust``) to compare within; an overall comparison is
        always included.
    items : str or sequence of str, optional
        An item or scale id, or a list of them, to compare (default: every comparable number, ordered choice or
        likert item, and every comparable scale).
    paired_id : str, optional
        A column identifying the same respondent in both waves (a pseudonym). Everyone is
        used: when every respondent with an answer is in both waves, the Wilcoxon signed-rank
        test; when only some are, the partially overlapping samples t test (Derrick et al.
        2017), which uses the pairs and the unmatched together. The unmatched are counted.
    policy : DisclosurePolicy or preset name, optional
        Cells with fewer than ``min_cell`` answers in either wave are suppressed.
    adjust : str, optional
        Adjust the p-values over the rows returned (``"fdr_bh"``, ``"holm"``...) into
        ``p_adjusted``.

    Returns
    -------
    WaveComparison
        ``.frame`` has one row per measure and group (``scope`` ``overall`` first, then ``group``): ``scope``,
        ``group``, ``measure``, ``kind`` (item/scale), ``n_before``, ``n_after`` (answers
        used); with ``paired_id`` also ``n_pairs``, ``n_unmatched_before``,
        ``n_unmatched_after``; ``mean_before``, ``mean_after`` (everyone used), ``change``
        (after - before), ``test`` (``mannwhitney``, ``wilcoxon`` or
        ``partially_overlapping_t``), ``statistic``, ``df`` (the t test's), ``p_value``,
        ``p_adjusted`` (with ``adjust``), ``effect_size`` (``rank_biserial`` or
        ``cohens_d_av``: the change over the root mean of the two waves' variances),
        ``effect`` (positive: higher after), ``method`` (how the p-value was computed),
        ``suppressed``.

        ``skipped`` is a frame of the measures NOT compared, with ``measure``, ``kind`` and
        ``reason`` (only in one version, text, type, choice list or range changed, not
        numeric, a scale whose definition or items changed).

    Notes
    -----
    An item is compared only when both versions have the same id, type, text (every
    language), choice codes and labels (substantive and missing), ordering, range and column;
    a scale only when its definition (items, reverse keying, method, minimum answered,
    transform) is the same and all its items are. Independent waves: Mann-Whitney U of after
    vs before (:func:`~leadership_eval.exact.mann_whitney`: ``statistic`` is :math:`U` of the
    after wave, R's ``W`` in ``wilcox.test(after, before)``, exact without ties for samples
    under 50; rank-biserial effect). Paired, everyone in both waves: Wilcoxon signed-rank on
    after - before (:func:`~leadership_eval.exact.signed_rank`, zero differences dropped;
    ``statistic`` is :math:`V`, R's ``V`` in ``wilcox.test(after, before, paired = TRUE)``).
    Partly paired: the partially overlapping samples t test (Derrick et al. 2017, equal
    variances not assumed, as ``Partiallyoverlapping::Partover.test``): with :math:`n_1, n_2`
    all answers of each wave, :math:`n_c` pairs whose correlation is :math:`r`,

    .. math:: T = \\frac{\\bar x_1 - \\bar x_2}{\\sqrt{s_1^2/n_1 + s_2^2/n_2 - 2 r s_1 s_2 n_c /
       (n_1 n_2)}}, \\quad \\nu = (n_c - 1) + \\frac{\\gamma - n_c + 1}{n_a + n_b + 2n_c}
       (n_a + n_b)

    with :math:`\\gamma` Welch's degrees of freedom and :math:`n_a, n_b` the unmatched. With
    fewer than 2 pairs the waves are compared as independent samples. A respondent answering
    in both waves but missing the measure in one counts as unmatched in the other.
    p-values are not adjusted unless ``adjust`` is given; see also
    :func:`compare_composition` for differences in who answered each wave.

    References
    ----------
    Derrick B, Russ B, Toher D, White P. Test statistics for the comparison of means for two
    samples that include both paired and independent observations. Journal of Modern Applied
    Statistical Methods 2017; 16(1): 137-157. doi:10.22237/jmasm/1493597280

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.instruments.loader import loads_instrument
    >>> from leadership_eval.compare import compare_waves
    >>> yaml = '''
    ... kind: survey
    ... id: w
    ... version: VERSION
    ... title: W
    ... choice_lists:
    ...   a5: {ordered: true, options: [{code: 1, label: SD}, {code: 2, label: D},
    ...        {code: 3, label: N}, {code: 4, label: A}, {code: 5, label: SA}]}
    ... sections:
    ...   - id: s
    ...     title: S
    ...     items:
    ...       - {id: q1, type: likert, choices: a5, text: I lead}
    ...       - {id: q2, type: likert, choices: a5, text: QTEXT}
    ... '''
    >>> v1 = loads_instrument(yaml.replace("VERSION", "1.0.0").replace("QTEXT", "Old"))
    >>> v2 = loads_instrument(yaml.replace("VERSION", "2.0.0").replace("QTEXT", "New"))
    >>> b = pd.DataFrame({"q1": [2, 3, 3, 2, 4, 3], "q2": [1, 2, 3, 4, 5, 3]})
    >>> a = pd.DataFrame({"q1": [4, 4, 5, 3, 5, 4], "q2": [1, 2, 3, 4, 5, 3]})
    >>> out = compare_waves(b, a, v1, v2)
    >>> out.frame[["measure", "mean_before", "mean_after", "change"]].round(2)
      measure  mean_before  mean_after  change
    0      q1         2.83        4.17    1.33
    >>> out.skipped[["measure", "reason"]]
      measure                 reason
    0      q2  question text changed
    """
    from ..responses import ReadResponses, validated  # the one validation path
    from ..scoring import score

    if adjust is not None:
        from ..multiplicity import adjustment_method

        adjustment_method(adjust)
    sa, sb = as_survey(survey_before), as_survey(survey_after)
    before, _ = validated(
        sa, before if isinstance(before, ReadResponses) else check_frame(before, "before")
    )
    after, _ = validated(
        sb, after if isinstance(after, ReadResponses) else check_frame(after, "after")
    )
    pol = DisclosurePolicy.resolve(policy)
    for column, role in ((group, "group"), (paired_id, "paired_id")):
        if column is not None:
            check_columns(before, column, role)
            check_columns(after, column, role)
    measures, skipped = _comparable(sa, sb)
    if items is not None:
        measures, skipped = _chosen(measures, skipped, _wanted(items))
    scale_ids = [m for m, kind in measures if kind == "scale"]
    sc_a = score(sa, before, scales=scale_ids) if scale_ids else pd.DataFrame(index=before.index)
    sc_b = score(sb, after, scales=scale_ids) if scale_ids else pd.DataFrame(index=after.index)
    waves = _Waves(before, after, group, paired_id)
    rows: list[dict[str, Any]] = []
    for mid, kind in measures:
        xa = _values(before, sc_a, sa, mid, kind)
        xb = _values(after, sc_b, sb, mid, kind)
        for scope, g, ma, mb in waves.scopes(len(xa), len(xb)):
            row: dict[str, Any] = {"scope": scope, "group": g, "measure": mid, "kind": kind}
            row.update(waves.compare(xa, xb, ma, mb, pol.min_cell))
            rows.append(row)
    out = pd.DataFrame(rows, columns=_WAVE_COLUMNS)
    if paired_id is None:
        out = out.drop(columns=["n_pairs", "n_unmatched_before", "n_unmatched_after"])
    if adjust is not None:
        from ..multiplicity import adjust_pvalues

        idx = out.columns.get_loc("p_value") + 1
        out.insert(int(idx), "p_adjusted", adjust_pvalues(out["p_value"], adjust))
    if group is None:
        out = out.drop(columns=["scope", "group"])
    return WaveComparison(
        frame=out, skipped=pd.DataFrame(skipped, columns=["measure", "kind", "reason"])
    )


_WAVE_COLUMNS = [
    "scope",
    "group",
    "measure",
    "kind",
    "n_before",
    "n_after",
    "n_pairs",
    "n_unmatched_before",
    "n_unmatched_after",
    "mean_before",
    "mean_after",
    "change",
    "test",
    "statistic",
    "df",
    "p_value",
    "effect_size",
    "effect",
    "method",
    "suppressed",
]


def _comparable(sa: Survey, sb: Survey) -> tuple[list[tuple[str, str]], list[dict[str, str]]]:
    """The items and scales the same in both versions (id, kind), and the others with why."""
    skipped: list[dict[str, str]] = []
    measures: list[tuple[str, str]] = []
    items_a = {i.id: i for i in sa.questions}
    items_b = {i.id: i for i in sb.questions}
    same_items: set[str] = set()
    for iid, ia in items_a.items():
        if iid not in items_b:
            skipped.append({"measure": iid, "kind": "item", "reason": "only in the first wave"})
            continue
        why = _item_difference(ia, items_b[iid], sa, sb)
        if why is None:
            same_items.add(iid)
            why = _scorable(ia, sa)
            if why is None:
                measures.append((iid, "item"))
                continue
        skipped.append({"measure": iid, "kind": "item", "reason": why})
    for iid in items_b:
        if iid not in items_a:
            skipped.append({"measure": iid, "kind": "item", "reason": "only in the second wave"})
    scales_b = {s.id: s for s in sb.scales}
    for sc in sa.scales:
        why = _scale_difference(sc, scales_b.get(sc.id), same_items)
        if why is None:
            measures.append((sc.id, "scale"))
        else:
            skipped.append({"measure": sc.id, "kind": "scale", "reason": why})
    for sid in scales_b:
        if sid not in {s.id for s in sa.scales}:
            skipped.append({"measure": sid, "kind": "scale", "reason": "only in the second wave"})
    return measures, skipped


def _scale_difference(sc: Scale, other: Scale | None, same_items: set[str]) -> str | None:
    """Why scale ``sc`` (wave 1) and ``other`` (wave 2) do not measure the same, or None."""
    if other is None:
        return "only in the first wave"
    keys = ("items", "reverse", "method", "min_answered", "transform")
    if any(getattr(sc, key) != getattr(other, key) for key in keys):
        return "scale definition changed"
    changed = [i for i in sc.items if i not in same_items]
    if changed:
        return f"scale items changed: {', '.join(changed)}"
    return None


def _wanted(items: Any) -> list[str]:
    """``items`` as a list of ids: one id given as text is a list of one."""
    if isinstance(items, str):
        return [items]
    if not isinstance(items, Iterable) or isinstance(items, bytes | Mapping | pd.DataFrame):
        raise ArgumentError(
            f"items must be an item or scale id or a list of them, not {type(items).__name__}"
        )
    return list(items)


def _chosen(
    measures: list[tuple[str, str]], skipped: list[dict[str, str]], wanted: list[str]
) -> tuple[list[tuple[str, str]], list[dict[str, str]]]:
    known = {m for m, _ in measures} | {s["measure"] for s in skipped}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise ConfigurationError(
            f"unknown item or scale id(s): {', '.join(map(str, unknown))}",
            code="unknown-measure",
        )
    return [m for m in measures if m[0] in wanted], [s for s in skipped if s["measure"] in wanted]


def _values(
    frame: pd.DataFrame, scores: pd.DataFrame, survey: Survey, mid: str, kind: str
) -> np.ndarray:
    if kind == "scale":
        return scores[mid].to_numpy(dtype=float)
    return _item_numbers(frame, survey, survey.item(mid))


class _Waves:
    """Two waves' groups and, with a paired id, which respondents answered both."""

    def __init__(
        self, before: pd.DataFrame, after: pd.DataFrame, group: str | None, paired_id: str | None
    ) -> None:
        self.ga = before[group].to_numpy() if group else np.zeros(len(before))
        self.gb = after[group].to_numpy() if group else np.zeros(len(after))
        self.group_values: list[Any] = []
        if group:
            both = pd.unique(np.concatenate([self.ga, self.gb])).tolist()
            self.group_values = sorted(both, key=lambda v: (v is None, str(v)))
        self.paired = paired_id is not None
        if paired_id is not None:
            self.pairs(before[paired_id].to_numpy(), after[paired_id].to_numpy(), paired_id)

    def pairs(self, ida: np.ndarray, idb: np.ndarray, paired_id: str) -> None:
        for name, ids in (("before", ida), ("after", idb)):
            dup = pd.Series(ids).duplicated() & pd.Series(ids).notna()
            if dup.any():
                raise DataError(
                    f"paired_id {paired_id!r} repeats in the {name} wave "
                    f"(e.g. {ids[np.flatnonzero(dup.to_numpy())[0]]!r})",
                    code="duplicate-id",
                    failure_cases=pd.DataFrame(
                        {"position": np.flatnonzero(dup.to_numpy()), "column": paired_id}
                    ),
                )
        pos_b = pd.Series(np.arange(len(idb)), index=pd.Index(idb))
        common = pd.Series(ida).isin(set(pd.Series(idb).dropna())).to_numpy()
        self.ia_idx = np.flatnonzero(common)
        self.ib_idx = pos_b.loc[ida[common]].to_numpy()

    def scopes(self, na: int, nb: int) -> list[tuple[str, Any, np.ndarray, np.ndarray]]:
        """``(scope, group, rows of wave 1, rows of wave 2)``: overall, then each group."""
        out: list[tuple[str, Any, np.ndarray, np.ndarray]] = [
            ("overall", pd.NA, np.ones(na, bool), np.ones(nb, bool))
        ]
        for g in self.group_values:
            ma = pd.isna(self.ga) if pd.isna(g) else (self.ga == g)
            mb = pd.isna(self.gb) if pd.isna(g) else (self.gb == g)
            out.append(("group", g, np.asarray(ma, bool), np.asarray(mb, bool)))
        return out

    def samples(
        self, xa: np.ndarray, xb: np.ndarray, ma: np.ndarray, mb: np.ndarray
    ) -> tuple[dict[str, Any], np.ndarray, np.ndarray, np.ndarray, np.ndarray, str, str]:
        """Counts, paired values (``pa``, ``pb``), unpaired ones, and the test to run."""
        if not self.paired:
            pa, pb = xa[ma], xb[mb]
            pa, pb = pa[~np.isnan(pa)], pb[~np.isnan(pb)]
            counts = {"n_before": len(pa), "n_after": len(pb)}
            empty = np.array([])
            return counts, pa, pb, empty, empty, "mannwhitney", "rank_biserial"
        ia_idx, ib_idx = self.ia_idx, self.ib_idx
        sel = ma[ia_idx] & mb[ib_idx]
        pa, pb = xa[ia_idx][sel], xb[ib_idx][sel]
        both = ~np.isnan(pa) & ~np.isnan(pb)
        used_a = np.zeros(len(xa), bool)
        used_b = np.zeros(len(xb), bool)
        used_a[ia_idx[sel][both]] = True
        used_b[ib_idx[sel][both]] = True
        pa, pb = pa[both], pb[both]
        ua = xa[ma & ~used_a & ~np.isnan(xa)]
        ub = xb[mb & ~used_b & ~np.isnan(xb)]
        counts = {
            "n_before": len(pa) + len(ua),
            "n_after": len(pb) + len(ub),
            "n_pairs": len(pa),
            "n_unmatched_before": len(ua),
            "n_unmatched_after": len(ub),
        }
        if len(ua) + len(ub) == 0:
            return counts, pa, pb, ua, ub, "wilcoxon", "rank_biserial"
        if len(pa) >= 2:
            return counts, pa, pb, ua, ub, "partially_overlapping_t", "cohens_d_av"
        return counts, pa, pb, ua, ub, "mannwhitney", "rank_biserial"

    def compare(
        self, xa: np.ndarray, xb: np.ndarray, ma: np.ndarray, mb: np.ndarray, min_cell: int
    ) -> dict[str, Any]:
        """One measure in one scope: counts, means, the test and its effect size."""
        from ..exact import mann_whitney, signed_rank

        counts, pa, pb, ua, ub, test_name, eff_name = self.samples(xa, xb, ma, mb)
        row: dict[str, Any] = dict(counts)
        small = min(counts["n_before"], counts["n_after"]) < min_cell
        row.update(test=test_name, effect_size=eff_name, suppressed=small)
        if small:
            nan_fields = ("mean_before", "mean_after", "change", "statistic", "df")
            row.update(dict.fromkeys(nan_fields, np.nan), p_value=np.nan, effect=np.nan)
            row["method"] = ""
            return row
        all_a, all_b = np.concatenate([pa, ua]), np.concatenate([pb, ub])
        row.update(mean_before=float(all_a.mean()), mean_after=float(all_b.mean()))
        row["change"] = row["mean_after"] - row["mean_before"]
        dof = np.nan
        if test_name == "wilcoxon":
            if np.all(pb - pa == 0):
                stat, p, eff, method = np.nan, 1.0, 0.0, "no differences"
            else:
                res = signed_rank(pb, pa).iloc[0]
                stat, p = float(res["statistic"]), float(res["p_value"])
                eff, method = float(res["rank_biserial"]), str(res["method"])
        elif test_name == "partially_overlapping_t":
            stat, dof, p = _partially_overlapping_t(ub, ua, pb, pa)
            sd = math.sqrt((np.var(all_a, ddof=1) + np.var(all_b, ddof=1)) / 2)
            eff = row["change"] / sd if sd > 0 else np.nan
            method = "Welch-type, Derrick et al. (2017)"
        else:
            res = mann_whitney(all_b, all_a).iloc[0]
            stat, p = float(res["statistic"]), float(res["p_value"])
            eff, method = float(res["rank_biserial"]), str(res["method"])
        row.update(statistic=stat, df=dof, p_value=p, effect=eff, method=method)
        return row


def _partially_overlapping_t(
    x1: np.ndarray, x2: np.ndarray, x3: np.ndarray, x4: np.ndarray
) -> tuple[float, float, float]:
    """(T, df, two-sided p) of Derrick et al.'s partially overlapping samples t test, equal
    variances not assumed: ``x1``/``x2`` the unpaired of samples 1 and 2, ``x3``/``x4`` the
    pairs (as ``Partiallyoverlapping::Partover.test(x1, x2, x3, x4)``)."""
    s1, s2 = np.concatenate([x1, x3]), np.concatenate([x2, x4])
    n1, n2, nc = len(s1), len(s2), len(x3)
    v1, v2 = float(np.var(s1, ddof=1)), float(np.var(s2, ddof=1))
    constant = np.std(x3) == 0 or np.std(x4) == 0  # as Partover.test: no correlation then
    r = 0.0 if constant else float(np.corrcoef(x3, x4)[0, 1])
    denom = v1 / n1 + v2 / n2 - 2 * r * nc * math.sqrt(v1 * v2) / (n1 * n2)
    diff = float(s1.mean() - s2.mean())
    t = (
        diff / math.sqrt(denom)
        if denom > 0
        else (0.0 if diff == 0 else math.copysign(math.inf, diff))
    )
    welch = (
        (v1 / n1 + v2 / n2) ** 2 / ((v1 / n1) ** 2 / (n1 - 1) + (v2 / n2) ** 2 / (n2 - 1))
        if (v1 + v2) > 0
        else float(n1 + n2 - 2)
    )
    na, nb = len(x1), len(x2)
    df = (nc - 1) + (welch - nc + 1) / (na + nb + 2 * nc) * (na + nb)
    p = 1.0 if t == 0 else float(2 * _dist.t_sf(abs(t), df))
    return float(t), float(df), p
