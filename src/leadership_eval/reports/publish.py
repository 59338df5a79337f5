"""Stage 2 of the reports: every number that leaves the process passes disclosure control once.

:func:`publish` turns an :class:`~leadership_eval.reports.analyse.Analysis` into a frozen
:class:`Publication`. The renderer (:mod:`leadership_eval.reports.render`) reads nothing else:
tables, bars, tooltips, alt text, figure labels and side files are all made from it. Each kind of
number is protected here, in one place:

* **counts** (responses, answers, activities): small counts suppressed with enough complementary
  cells that no suppressed count can be recovered from the published cells and totals
  (:func:`~leadership_eval.protect_table`, one table per question holding every trust and the
  region, so reports published together are protected together); then every published count is
  perturbed with the cell-key method (:mod:`leadership_eval.privacy.perturb`) and rounded when
  the policy rounds;
* **percentages** are computed from the perturbed counts and shown in coarse steps
  (``policy.perturbation.percent_step``);
* **rows where all, or all but one, answered alike** in a small group are shown as "almost all"
  of that answer (the dominance rule);
* **means** get noise of the order of one respondent's influence and are rounded
  (``policy.perturbation.mean_decimals``); intervals are centred on the published mean and kept
  within the scale's range;
* **comments** are published only when approved in review and only where at least
  ``policy.min_comments`` people in the trust wrote one; **quotes** are attributed to a role only
  when enough people of that role took part (see :func:`~leadership_eval.theme_summary`).

The per-cell record of what was done (which cell was suppressed and why) goes to the analyst's
log, never into the publication.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import ArgumentError, DataError, NotFoundError
from ..instruments.models import Item, Scale, Survey, text_in
from ..policy import DisclosurePolicy
from ..privacy.perturb import CellKeys, perturb_mean, perturbation_table, record_keys
from .analyse import OTHER, Analysis, file_names, row_texts
from .forms import Level, choose_forms, levels_for

__all__ = [
    "REGION",
    "ItemRow",
    "Publication",
    "PublishedActivities",
    "PublishedGroup",
    "PublishedItem",
    "PublishedScale",
    "PublishedTable",
    "PublishedTheme",
    "ScaleRow",
    "publish",
]

REGION = "Region"
"""The label of the whole region's row."""

Status = Literal["shown", "suppressed", "missing", "dominated"]


# --------------------------------------------------------------------------- published types


@dataclass(frozen=True)
class PublishedTable:
    """A table every cell of which passed disclosure control.

    Attributes
    ----------
    title : str
    index_name : str
    index : tuple of str
        Row labels.
    columns : tuple of str
    values : tuple of tuples
        Cell values (int, float or str) as published; None where not shown.
    status : tuple of tuples
        ``shown``, ``suppressed`` (hidden to protect confidentiality) or ``missing`` (no data).
    formats : tuple of (column, format) pairs
        Number formats for the renderer (``",d"``, ``".1f"``...).
    """

    title: str
    index_name: str
    index: tuple[str, ...]
    columns: tuple[str, ...]
    values: tuple[tuple[Any, ...], ...]
    status: tuple[tuple[str, ...], ...]
    formats: tuple[tuple[str, str], ...] = ()

    def value(self, row: str, column: str) -> Any:
        """The published value of a cell (None when not shown)."""
        return self.values[self.index.index(row)][self.columns.index(column)]

    def cell_status(self, row: str, column: str) -> str:
        """The status of a cell."""
        return self.status[self.index.index(row)][self.columns.index(column)]

    def rows(self, keep: Sequence[str]) -> PublishedTable:
        """The same table with only the rows ``keep`` (in that order)."""
        pos = [self.index.index(r) for r in keep if r in self.index]
        return PublishedTable(
            self.title,
            self.index_name,
            tuple(self.index[i] for i in pos),
            self.columns,
            tuple(self.values[i] for i in pos),
            tuple(self.status[i] for i in pos),
            self.formats,
        )

    def numbers(self) -> Iterator[float]:
        for row, st in zip(self.values, self.status, strict=True):
            for v, s in zip(row, st, strict=True):
                if s == "shown" and isinstance(v, int | float) and not isinstance(v, bool):
                    yield float(v)


@dataclass(frozen=True)
class PublishedGroup:
    """A group (trust) with a report: its code, the label shown and its report's file name."""

    code: str
    label: str
    file: str


@dataclass(frozen=True)
class ItemRow:
    """One group's answers to a statement, in the most detailed form the policy allows.

    Attributes
    ----------
    key : str
        The group code, :data:`~leadership_eval.reports.analyse.OTHER` or :data:`REGION`.
    who : str
        The label shown.
    status : {"shown", "suppressed", "dominated", "missing"}
        ``dominated``: all, or all but one, gave an answer in the same group in a small group,
        shown as "almost all" of ``dominant``; ``suppressed``: no form of the row can be shown
        safely; ``missing``: nobody answered.
    n : int or None
        Published (perturbed) number of answers, None when not shown.
    level : str or None
        The form shown: ``full`` (every option), ``three`` (lower, middle, upper options),
        ``two`` (the top two options against the rest) or ``mean`` (the average answer only).
    percents : tuple of (label, int) pairs, or None
        Coarse percentages of the perturbed counts of each group of the form, adding up to 100.
    tones : tuple of str
        For each group of the form, its meaning for the colours: ``neg2``, ``neg1``, ``mid``,
        ``pos1``, ``pos2`` (unfavourable to favourable, following the statement's wording) or
        ``other``.
    dominant : str or None
    agree : int or None
        The published percentage giving one of the top two options (the form's upper group),
        None when the form does not show it.
    mean : float or None
        For the ``mean`` form: the average answer (perturbed and rounded), on the codes' scale.
    collapsed : mapping
        For the region row: its shares in each coarser form (``three``, ``two``), computed from
        the same perturbed counts, so that a trust shown in a coarser form can be set beside
        the region in the same form.
    """

    key: str
    who: str
    status: str
    n: int | None = None
    level: str | None = None
    percents: tuple[tuple[str, int], ...] | None = None
    tones: tuple[str, ...] = ()
    dominant: str | None = None
    agree: int | None = None
    mean: float | None = None
    collapsed: Mapping[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)

    def percent(self, category: str) -> int | None:
        """The published percentage of a category, None when not shown."""
        if self.percents is None:
            return None
        return dict(self.percents).get(category)


@dataclass(frozen=True)
class PublishedItem:
    """A statement's published distribution in every group and the region.

    ``options`` are the labels of the statement's answer options (its choice list), ``reverse``
    says the statement is worded negatively (agreeing is the unfavourable end), ``flags`` holds
    the comparison of each group's share giving the top two options with the rest of the region
    (``low``/``high``/``none``), and ``top_label`` names those top two options.
    """

    item_id: str
    section_id: str
    text: str
    options: tuple[str, ...]
    rows: Mapping[str, ItemRow]
    flags: Mapping[str, str] = field(default_factory=dict)
    reverse: bool = False
    top_label: str = ""


@dataclass(frozen=True)
class ScaleRow:
    """A group's published scale score.

    ``status`` is ``shown``, ``suppressed`` (too few scores) or ``missing`` (no scores);
    ``flag`` is ``low``, ``high`` or ``none`` (the funnel comparison on the true values) or ``""``
    when not shown.
    """

    key: str
    who: str
    status: str
    n: int | None = None
    mean: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    benchmark: float | None = None
    flag: str = ""


@dataclass(frozen=True)
class PublishedScale:
    """A scale's published comparison: every group, the region and the funnel's limits."""

    scale_id: str
    title: str
    rows: Mapping[str, ScaleRow]
    centre: float | None
    sd: float | None
    low: float
    high: float
    decimals: int
    funnel: tuple[tuple[int, float, float, float, float], ...] = ()


@dataclass(frozen=True)
class PublishedChoice:
    """A tick-box question: the share of each group ticking each option, where safe.

    ``rows`` maps a group code (and ``"Region"``) to ``(option label, percent)`` pairs for the
    options that can be shown, most often ticked first; ``n`` to the published number
    answering.
    """

    item_id: str
    text: str
    rows: Mapping[str, tuple[tuple[str, int], ...]]
    n: Mapping[str, int | None]


@dataclass(frozen=True)
class Difference:
    """A statement where a group clearly differs from the rest of the region.

    ``direction`` is ``higher`` or ``lower`` (the share giving the top two options);
    ``favourable`` whether that difference is the good one given the statement's wording;
    ``group``/``region`` the published percentages.
    """

    item_id: str
    text: str
    top_label: str
    direction: str
    favourable: bool
    group: int
    region: int


@dataclass(frozen=True)
class WaveChange:
    """A statement asked identically in the previous wave: the published shares then and now."""

    item_id: str
    text: str
    top_label: str
    before: Mapping[str, int | None]
    after: Mapping[str, int | None]


@dataclass(frozen=True)
class Recommendation:
    """A recommendation code of the codebook with the evidence for it (regional report)."""

    code: str
    label: str
    definition: str
    n_participants: int | None
    trusts: int | None
    quote: str | None
    attribution: str | None


@dataclass(frozen=True)
class PublishedActivities:
    """Mentor activities: counts per trust (protected) and facts about each trust's mentor."""

    logged: PublishedTable
    tables: tuple[PublishedTable, ...]
    trainees_reached: Mapping[str, int | None]
    mentor_hours: Mapping[str, int | None]


@dataclass(frozen=True)
class PublishedTheme:
    """A theme row as published (see :func:`~leadership_eval.theme_summary`)."""

    scope: str
    group: str | None
    label: str
    n_participants: int | None
    roles: str
    quote: str | None
    attribution: str | None
    note: str | None


@dataclass(frozen=True)
class Publication:
    """Everything the reports show, protected: the only input of the renderer.

    Attributes
    ----------
    survey_id, survey_version, survey_title : str
    policy : DisclosurePolicy
    group_column : str
    groups : tuple of PublishedGroup
        The groups with a report, in display order.
    n_not_reported : int
        How many groups had too few respondents for a report (they are not named).
    responses : PublishedTable
        Responses per group, the pooled row and the region.
    items : tuple of PublishedItem
    scales : tuple of PublishedScale
    reliability : PublishedTable or None
    activities : PublishedActivities or None
    themes : tuple of PublishedTheme or None
    interviewed : frozenset of str
        Group codes where interviews took place.
    comments : mapping
        Item id -> group code -> tuple of comments (or None when too few wrote one).
    comment_questions : mapping
        Item id -> question text.
    comments_pending : int
        Comments held back because they were not reviewed.
    response_rates : mapping
        Group code -> published response rate (whole percent), when eligible counts were given.
    section_titles : mapping
        Section id -> title, for headings.
    eligible : mapping
        Group code -> people invited (public information), when given.
    choices : tuple of PublishedChoice
        Tick-box questions: the options most often ticked in each group.
    differences : mapping
        Group code -> statements where the group clearly differs from the rest of the region
        (exact one-sided tests, Benjamini-Hochberg adjusted across the group's statements).
    changes : tuple of WaveChange
        Statements asked identically in the previous wave, with the published shares of both.
    previous_label : str or None
        How the previous wave is named.
    recommendations : tuple of Recommendation
        The codebook's recommendation codes with their evidence.
    regional_labels : mapping
        Group code -> the label the regional report uses (a neutral code when trusts are coded
        for publication, else the trust's label).
    reliability_notes : mapping
        Scale title -> a warning when its alpha is low or negative.
    """

    survey_id: str
    survey_version: str
    survey_title: str
    policy: DisclosurePolicy
    group_column: str
    groups: tuple[PublishedGroup, ...]
    n_not_reported: int
    responses: PublishedTable
    items: tuple[PublishedItem, ...]
    scales: tuple[PublishedScale, ...]
    reliability: PublishedTable | None = None
    activities: PublishedActivities | None = None
    themes: tuple[PublishedTheme, ...] | None = None
    interviewed: frozenset[str] = frozenset()
    comments: Mapping[str, Mapping[str, tuple[str, ...] | None]] = field(default_factory=dict)
    comment_questions: Mapping[str, str] = field(default_factory=dict)
    comments_pending: int = 0
    response_rates: Mapping[str, int | None] = field(default_factory=dict)
    section_titles: Mapping[str, str] = field(default_factory=dict)
    eligible: Mapping[str, int] = field(default_factory=dict)
    choices: tuple[PublishedChoice, ...] = ()
    differences: Mapping[str, tuple[Difference, ...]] = field(default_factory=dict)
    changes: tuple[WaveChange, ...] = ()
    previous_label: str | None = None
    recommendations: tuple[Recommendation, ...] = ()
    regional_labels: Mapping[str, str] = field(default_factory=dict)
    reliability_notes: Mapping[str, str] = field(default_factory=dict)

    def group(self, code: str) -> PublishedGroup:
        """The published group with this code."""
        for g in self.groups:
            if g.code == code:
                return g
        raise NotFoundError(f"no published group {code!r}", code="not-found")

    def numbers(self) -> set[float]:
        """Every number the publication holds (what a rendered report may show)."""
        out: set[float] = set(self.responses.numbers())
        out.update(self._item_numbers(), self._scale_numbers(), self._activity_numbers())
        if self.reliability is not None:
            out.update(self.reliability.numbers())
        out.update(_floats(th.n_participants for th in self.themes or ()))
        out.update(_floats(self.response_rates.values()), _floats(self.eligible.values()))
        if self.eligible:
            out.add(float(sum(self.eligible.values())))
        for ch in self.choices:
            for pairs in ch.rows.values():
                out.update(float(p) for _, p in pairs)
            out.update(_floats(ch.n.values()))
        for diffs in self.differences.values():
            for d in diffs:
                out.update((float(d.group), float(d.region)))
        for wc in self.changes:
            out.update(_floats(wc.before.values()), _floats(wc.after.values()))
        for rec in self.recommendations:
            out.update(_floats((rec.n_participants, rec.trusts)))
        return out

    def _item_numbers(self) -> set[float]:
        out: set[float] = set()
        for item in self.items:
            for row in item.rows.values():
                for pairs in row.collapsed.values():
                    out.update(float(p) for _, p in pairs)
                out.update(float(p) for _, p in row.percents or ())
                out.update(_floats((row.n, row.agree, row.mean)))
        return out

    def _scale_numbers(self) -> set[float]:
        out: set[float] = set()
        for scale in self.scales:
            for r in scale.rows.values():
                out.update(_floats((r.n, r.mean, r.ci_low, r.ci_high, r.benchmark)))
            out.update(_floats((scale.centre, scale.sd, scale.low, scale.high)))
        return out

    def _activity_numbers(self) -> set[float]:
        act = self.activities
        if act is None:
            return set()
        out = set(act.logged.numbers())
        for t in act.tables:
            out.update(t.numbers())
        out.update(_floats(act.trainees_reached.values()), _floats(act.mentor_hours.values()))
        return out


def _floats(values: Iterable[float | int | None]) -> set[float]:
    """The numbers among ``values`` (None left out), as floats."""
    return {float(v) for v in values if v is not None}


# --------------------------------------------------------------------------------- helpers


def _coarse_percents(counts: Sequence[int], step: int) -> list[int]:
    """Percentages of ``counts`` in multiples of ``step`` that add up to 100.

    Largest-remainder rounding (Hamilton's method) in units of ``step``; a category with no
    answers stays at 0.

    >>> _coarse_percents([3, 9, 8], 5)
    [15, 45, 40]
    >>> _coarse_percents([0, 1, 2], 10)
    [0, 30, 70]
    """
    total = sum(counts)
    if total <= 0:
        return [0 for _ in counts]
    units = 100 // step
    exact = [units * c / total for c in counts]
    base = [math.floor(x) for x in exact]
    short = units - sum(base)
    order = sorted(range(len(counts)), key=lambda i: (-(exact[i] - base[i]), -counts[i], i))
    for i in order[:short]:
        if counts[i] > 0:
            base[i] += 1
        else:  # pragma: no cover - zeros have no remainder, so they come last
            short += 1
    return [b * step for b in base]


def _round_to(value: float, decimals: int) -> float:
    q = 10**decimals
    return math.floor(value * q + 0.5) / q


def _round_base(x: int, base: int | None) -> int:
    if not base:
        return int(x)
    return int(math.floor(x / base + 0.5) * base)


def _tones(level: Level) -> tuple[str, ...]:
    """Colour meaning of each group of a level, by its place and its favourability."""
    out = []
    k = len(level.groups)
    for i, fav in enumerate(level.favourable):
        if fav is None:
            out.append("mid" if level.name != "two" else "other")
            continue
        end = i in (0, k - 1)
        strength = 2 if level.name == "full" and k >= 4 and end else 1
        out.append(f"{'pos' if fav else 'neg'}{strength}")
    return tuple(out)


def _scale_range(survey: Survey, scale: Scale) -> tuple[float, float]:
    lows, highs = [], []
    for item_id in scale.items:
        cl = survey.choices_for(item_id)
        if cl is None:
            continue
        lo, hi = cl.score_range()
        lows.append(lo)
        highs.append(hi)
    if not lows:
        return (-math.inf, math.inf)
    if scale.transform == "percent":
        return (0.0, 100.0)
    if scale.method == "sum":
        return (float(sum(lows)), float(sum(highs)))
    return (float(min(lows)), float(max(highs)))


def _crosstab(
    rows: pd.Series,
    columns: pd.Series,
    row_order: Sequence[Hashable],
    column_order: Sequence[Hashable],
) -> pd.DataFrame:
    """Counts of (row, column) pairs, in the given orders, pairs outside them left out.

    ``pd.crosstab(rows, columns)`` reindexed to the orders (zeros where a pair never occurs),
    without its labels' names, counted by integer codes.
    """
    r_index = pd.Index(list(row_order))
    c_index = pd.Index(list(column_order))
    aligned = rows.index.equals(columns.index)
    if not (aligned and r_index.is_unique and c_index.is_unique):  # pragma: no cover
        table = (
            pd.crosstab(rows, columns)
            .reindex(index=list(row_order), columns=list(column_order))
            .fillna(0)
            .astype("int64")
        )
        table.columns.name = None
        return table
    ri = r_index.get_indexer(rows)
    ci = c_index.get_indexer(columns)
    keep = (ri >= 0) & (ci >= 0)
    nr, nc = len(r_index), len(c_index)
    counts = np.bincount(ri[keep] * nc + ci[keep], minlength=nr * nc).astype(np.int64)
    return pd.DataFrame(counts.reshape(nr, nc), index=r_index, columns=c_index)


def _counts_by_trust(
    trust_at: np.ndarray, code_at: np.ndarray, n_trusts: int, n_codes: int
) -> np.ndarray:
    """Counts of records by trust and answer, from their positions among the reported trusts
    and the answers' codes, with the region's row (the column sums) below: the counts of
    ``_crosstab`` (a position outside the table counts nowhere), as integers."""
    keep = (trust_at >= 0) & (trust_at < n_trusts) & (code_at >= 0) & (code_at < n_codes)
    flat = trust_at[keep] * n_codes + code_at[keep]
    by_trust = np.bincount(flat, minlength=n_trusts * n_codes).astype(np.int64)
    by_trust = by_trust.reshape(n_trusts, n_codes)
    return np.vstack([by_trust, by_trust.sum(axis=0)])


def _aligned_to(
    grid: tuple[np.ndarray, list[Hashable], list[Hashable]], like: pd.DataFrame, fill: float
) -> np.ndarray:
    """The values of ``grid`` (values, row labels, column labels) at the labels of ``like``,
    ``fill`` where it has none: a frame's ``reindex(...).fillna(fill)`` (unique labels; the
    tables here are small and many)."""
    arr, index, columns = grid
    row_at = {label: i for i, label in enumerate(index)}
    col_at = {label: j for j, label in enumerate(columns)}
    ri = np.array([row_at.get(label, -1) for label in like.index], dtype=np.intp)
    ci = np.array([col_at.get(label, -1) for label in like.columns], dtype=np.intp)
    out = arr[np.ix_(np.maximum(ri, 0), np.maximum(ci, 0))]
    out[(ri < 0)[:, None] | (ci < 0)[None, :]] = fill
    out[np.isnan(out)] = fill
    return out


def _group_at(groups: Sequence[Sequence[int]], codes: np.ndarray) -> np.ndarray:
    """The group (its position in ``groups``) of each code of ``codes``."""
    at = np.full(max((c for g in groups for c in g), default=-1) + 1, -1, dtype=np.int64)
    for j, g in enumerate(groups):
        at[list(g)] = j
    return at[np.asarray(codes, dtype=np.int64)]


class _Protector:
    """Suppression, then cell-key perturbation, of the count tables of one publication."""

    def __init__(self, an: Analysis, secret: bytes) -> None:
        self.an = an
        self.policy = an.policy
        self.secret = secret
        pert = an.policy.perturbation
        self.perturb = pert.method == "cell-key"
        self.ptable = perturbation_table(pert.max_noise, pert.variance, an.policy.min_cell)
        self.keys = CellKeys(
            pd.Series(record_keys(an.record_ids, secret), index=an.clean.index), secret
        )
        # the suppression pattern is found for an intruder who knows every published count
        # exactly: perturbation and rounding then only widen what the intruder knows
        self.suppression_policy = an.policy.model_copy(update={"rounding": None})
        self.log: list[dict[str, Any]] = []
        self.tables: dict[str, Any] = {}
        self.changes: list[int] = []

    def noisy(
        self,
        name: str,
        rows: pd.Series,
        columns: pd.Series | None,
        row_order: Sequence[Hashable],
        column_order: Sequence[Hashable],
        original: pd.DataFrame | pd.Series,
    ) -> pd.DataFrame:
        """``original`` (true counts, rows ``row_order`` + ``Total``) perturbed and rounded."""
        frame = original.to_frame("Total") if isinstance(original, pd.Series) else original
        if not self.perturb:
            return self._rounded(frame.astype(float))
        out, noise = self._perturbed(
            self.keys, name, rows, columns, row_order, column_order, frame, 0.5
        )
        self.changes.extend(int(x) for x in noise)
        return self._rounded(out)

    def _perturbed(
        self,
        keys: CellKeys,
        name: str,
        rows: pd.Series,
        columns: pd.Series | None,
        row_order: Sequence[Hashable],
        column_order: Sequence[Hashable],
        frame: pd.DataFrame,
        fill: float,
    ) -> tuple[pd.DataFrame, np.ndarray]:
        """``frame``'s counts plus their cell-key noise (as floats), and the noise by cell
        (``fill`` is the key of a cell the records give none)."""
        grid = keys.uniform_grid(
            name,
            rows,
            columns,
            row_order=row_order,
            column_order=column_order if columns is not None else None,
        )
        flat = frame.to_numpy(dtype=np.int64).ravel()
        noise = self.ptable.noise(flat, _aligned_to(grid, frame, fill).ravel())
        out = pd.DataFrame(
            (flat + noise).reshape(frame.shape).astype(float),
            index=frame.index,
            columns=frame.columns,
        )
        return out, noise

    def noisy_groupings(
        self,
        rows: pd.Series,
        codes: np.ndarray,
        n_codes: int,
        row_order: Sequence[Hashable],
        tables: Sequence[tuple[str, list[str], list[list[int]], np.ndarray]],
    ) -> list[np.ndarray]:
        """:meth:`noisy` of several tables of the same records whose columns group one coding
        of them, their cell keys made together.

        Each table is ``(name, labels, groups, original)`` (see
        :meth:`~leadership_eval.privacy.perturb.CellKeys.grouped_grids`; no labels for a table
        of totals), ``original`` its true counts: a row per label of ``row_order`` and the
        total's, a column per label (one for a table of totals). Returns the published counts
        (integers, the same shape) that one call of :meth:`noisy` each gives, in this order.
        """
        originals = [np.asarray(t[3], dtype=np.int64) for t in tables]
        if not self.perturb:
            return [self._rounded_array(o) for o in originals]
        if "Total" in row_order or any("Total" in t[1] for t in tables):
            # a label named like the margins: matched by label, as noisy() does
            return [
                self.noisy(
                    name,
                    rows,
                    pd.Series(
                        np.asarray(labels, dtype=object)[_group_at(groups, codes)],
                        index=rows.index,
                    )
                    if labels
                    else None,
                    row_order,
                    labels,
                    pd.DataFrame(
                        original, index=[*row_order, "Total"], columns=labels or ["Total"]
                    ),
                )
                .to_numpy()
                .astype(np.int64)
                for (name, labels, groups, _), original in zip(tables, originals, strict=True)
            ]
        grids = self.keys.grouped_grids(
            [(name, labels, groups) for name, labels, groups, _ in tables],
            rows,
            codes,
            n_codes,
            row_order=row_order,
        )
        out = []
        for (keys, _, _), original in zip(grids, originals, strict=True):
            # the grid's rows are the table's (row_order, then the total), its columns the
            # table's labels then their total (a table of totals: that one column)
            noise = self.ptable.noise(original.ravel(), keys[:, : original.shape[1]].ravel())
            self.changes.extend(int(x) for x in noise)
            out.append(self._rounded_array(original + noise.reshape(original.shape)))
        return out

    def _rounded_array(self, counts: np.ndarray) -> np.ndarray:
        """Published counts (integers) rounded to the policy's base (when it rounds)."""
        counts = np.asarray(counts)
        base = self.policy.rounding
        flat = [_round_base(int(v), base) for v in counts.ravel().tolist()]
        return np.array(flat, dtype=np.int64).reshape(counts.shape)

    def _rounded(self, published: pd.DataFrame) -> pd.DataFrame:
        """Published counts rounded to the policy's base (when it rounds)."""
        if not self.policy.rounding:
            return published
        rounded = self._rounded_array(published.to_numpy()).astype(float)
        return pd.DataFrame(rounded, index=published.index, columns=published.columns)

    def counts(
        self,
        name: str,
        rows: pd.Series,
        columns: pd.Series | None,
        row_order: Sequence[Hashable],
        column_order: Sequence[Hashable],
        keys: CellKeys | None = None,
    ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """Protect a table of counts of records.

        Returns (true counts, published counts as float with NaN where suppressed, suppressed
        mask), each with a ``Total`` row and column.
        """
        from ..privacy.tables import protect_table

        keys = keys or self.keys
        ok = rows.notna() if columns is None else rows.notna() & columns.notna()
        r, c = rows[ok], (columns[ok] if columns is not None else None)
        if c is None:
            table: pd.DataFrame | pd.Series = (
                r.value_counts().reindex(list(row_order)).fillna(0).astype("int64")
            )
            table.name = "Total"
        else:
            table = _crosstab(r, c, row_order, column_order)
        table.index.name = None
        protected = protect_table(table, policy=self.suppression_policy)
        self.tables[name] = protected
        for rec in protected.log.to_dict("records"):
            self.log.append(
                {
                    "table": name,
                    "row": str(rec["row"]),
                    "column": str(rec["column"]),
                    "reason": rec["reason"],
                }
            )
        original = protected.original
        mask = protected.suppressed
        if isinstance(original, pd.Series):
            original = original.to_frame("Total")
            mask = mask.to_frame("Total")
        original = original.astype("int64")
        published = original.astype(float)
        if self.perturb:
            published, noise = self._perturbed(
                keys, name, r, c, row_order, column_order, original, np.nan
            )
            self.changes.extend(int(x) for x in noise[~mask.to_numpy().ravel()])
        published = self._rounded(published).mask(mask.to_numpy())
        return original, published, mask


def _table(
    title: str,
    index_name: str,
    frame: pd.DataFrame,
    status: pd.DataFrame | None = None,
    formats: Mapping[str, str] | None = None,
) -> PublishedTable:
    vals: list[tuple[Any, ...]] = []
    stats: list[tuple[str, ...]] = []
    # the values as iterrows gives them (each row in the frame's common type), the statuses
    # aligned to the frame (both have unique labels)
    values = frame.to_numpy()
    status_values = (
        status.reindex(index=frame.index, columns=frame.columns).to_numpy(dtype=object)
        if status is not None
        else None
    )
    for i in range(len(frame)):
        vrow: list[Any] = []
        srow: list[str] = []
        for j, col in enumerate(frame.columns):
            v = values[i, j]
            st = status_values[i, j] if status_values is not None else None
            if st is None:
                st = "missing" if v is None or (isinstance(v, float) and math.isnan(v)) else "shown"
            if st != "shown":
                vrow.append(None)
            elif (
                isinstance(v, float | np.floating)
                and float(v).is_integer()
                and (formats is None or formats.get(str(col), ",d") == ",d")
            ) or isinstance(v, np.integer):
                vrow.append(int(v))
            elif isinstance(v, np.floating):
                vrow.append(float(v))
            else:
                vrow.append(v)
            srow.append(str(st))
        vals.append(tuple(vrow))
        stats.append(tuple(srow))
    return PublishedTable(
        title,
        index_name,
        tuple(str(i) for i in frame.index),
        tuple(str(c) for c in frame.columns),
        tuple(vals),
        tuple(stats),
        tuple((formats or {}).items()),
    )


# ---------------------------------------------------------------------------------- publish


def publish(
    an: Analysis,
    secret: bytes,
    *,
    eligible: Mapping[Any, int | None] | pd.Series | None = None,
    previous: Publication | Callable[[], Publication] | None = None,
    previous_label: str = "the previous wave",
    code_trusts: bool = False,
    codebook: Any = None,
    parallel: bool | None = False,
) -> tuple[Publication, dict[str, Any]]:
    """Protect every number of an analysis, once.

    Parameters
    ----------
    an : Analysis
    secret : bytes
        The report key (from the analyst's key file): record keys, and so the perturbation, are
        derived from it. Keep it, and use it for every run and wave, so that the same respondents
        always give the same noise.
    eligible : mapping or pandas.Series, optional
        Group code -> people invited, for response rates (checked by :func:`eligible_counts`).
    previous : Publication, or a function returning one, optional
        The previous wave's publication (made with the same key): statements asked identically
        in both are shown side by side. A function is called once, when the statements are
        compared (the rest of this publication is made first).
    previous_label : str
        How the previous wave is named in the reports.
    code_trusts : bool
        Name trusts in the regional report by neutral codes (Trust A, Trust B...), as for a
        publication; each mentor's report still names its own trust.
    codebook : Codebook, optional
        The codebook of the interview segments, for the regional recommendations.
    parallel : bool, optional
        Protect the activity log's tables in a forked process meanwhile (``None``: when the
        platform can fork, two processors are usable and this process runs no other thread;
        ``True``: wherever the platform can fork). The publication and the log are the same
        either way.

    Returns
    -------
    (Publication, dict)
        The publication, and the analyst's log of what was done to each cell (never published).
        From an analysis of the statements only (``Analysis.statements_only``), the
        publication holds the responses table and the statements, and nothing else.
    """
    if an.statements_only and previous is not None:
        raise ArgumentError("a publication of statements only compares with no other wave")
    counts = eligible_counts(an, eligible)
    apart = _Apart.start(an, secret, parallel)
    try:
        return _publish(an, secret, apart, counts, previous, previous_label, code_trusts, codebook)
    finally:
        apart.abandon()  # ends the forked process if this one failed first


def _publish(
    an: Analysis,
    secret: bytes,
    apart: _Apart,
    eligible: Mapping[str, int],
    previous: Publication | Callable[[], Publication] | None,
    previous_label: str,
    code_trusts: bool,
    codebook: Any,
) -> tuple[Publication, dict[str, Any]]:
    pol = an.policy
    prot = _Protector(an, secret)
    ctx = _Context(an, prot)
    files = file_names([str(g) for g in an.reported])
    groups = tuple(PublishedGroup(str(g), an.labels[g], files[str(g)]) for g in an.reported)
    responses, resp = _publish_responses(ctx)
    section_of = {i.id: s.id for s in an.survey.sections for i in s.items}
    reversed_items = {i for sc in an.survey.scales for i in sc.reverse}
    items = [
        _publish_statement(ctx, item_id, cmp, section_of.get(item_id, ""), reversed_items)
        for item_id, cmp in an.agree.items()
    ]
    # what every publication holds, a previous wave's for comparison included
    common: dict[str, Any] = {
        "survey_id": an.survey.id,
        "survey_version": str(an.survey.version),
        "survey_title": text_in(an.survey.title),
        "policy": pol,
        "group_column": an.group,
        "groups": groups,
        "n_not_reported": len(an.small),
        "responses": responses,
        "items": tuple(items),
    }
    if an.statements_only:
        # a previous wave's statements, for a later wave's comparison: nothing else
        return Publication(**common, scales=()), _analyst_log(prot)
    scales = [_publish_scale(ctx, scale) for scale in an.survey.scales]
    rates = _response_rates(an, resp, eligible, pol.perturbation.percent_step)
    pub = Publication(
        **common,
        scales=tuple(scales),
        reliability=_publish_reliability(an),
        activities=apart.activities(prot) if an.activities is not None else None,
        themes=_publish_themes(an),
        interviewed=frozenset(an.interviewed),
        comments=_publish_comments(an, secret),
        comment_questions={i: text_in(an.survey.item(i).text) for i in an.comments},
        comments_pending=an.comments_pending,
        response_rates=rates,
        section_titles={s.id: text_in(s.title) for s in an.survey.sections},
        eligible={k: v for k, v in eligible.items() if k in rates},
        # tick-box questions: the options most often ticked, each protected like a statement
        choices=tuple(_publish_choices(an, prot)),
        # statements where a trust clearly differs (for "what this means for your trust")
        differences=_differences(an, items),
        # the previous wave: statements asked identically in both
        changes=(
            _wave_changes(an, items, previous() if callable(previous) else previous)
            if previous is not None
            else ()
        ),
        previous_label=previous_label if previous is not None else None,
        # the codebook's recommendation codes with their evidence
        recommendations=_recommendations(an, codebook, prot),
        # the regional report's names for trusts
        regional_labels={
            str(g): (f"Trust {_letters(i)}" if code_trusts else an.labels[g])
            for i, g in enumerate(sorted(an.reported, key=str))
        },
        reliability_notes=_reliability_notes(an),
    )
    return pub, _analyst_log(prot)


class _Apart:
    """The activity log's tables of a publication, protected meanwhile in a forked process
    (where one is used), or here when the publication reaches them. Their log entries, tables
    and noise join the publication's at the place they would have taken."""

    def __init__(self, an: Analysis, secret: bytes, background: Any) -> None:
        self.an, self.secret, self.background = an, secret, background

    @classmethod
    def start(cls, an: Analysis, secret: bytes, parallel: bool | None) -> _Apart:
        from .._processes import Forked, fork_wanted

        background = None
        if an.activities is not None and fork_wanted(parallel, "publish"):
            try:
                background = Forked(_activities_apart, an, secret)
            except OSError:  # no process can be started here (limits, a sandbox)
                if parallel:
                    raise
        return cls(an, secret, background)

    def activities(self, prot: _Protector) -> PublishedActivities:
        """The published activities, their protection recorded in ``prot``."""
        if self.background is None:
            return _publish_activities(self.an, prot, self.secret)
        background, self.background = self.background, None
        published, log, tables, changes = background.result()
        prot.log.extend(log)
        prot.tables.update(tables)
        prot.changes.extend(changes)
        return published  # type: ignore[no-any-return]

    def abandon(self) -> None:
        """Give the forked process's work up, if it was not taken."""
        if self.background is not None:
            self.background.abandon()
            self.background = None


def _activities_apart(
    an: Analysis, secret: bytes
) -> tuple[PublishedActivities, list[dict[str, Any]], dict[str, Any], list[int]]:
    """In the forked process: the activities published with a protector of their own."""
    prot = _Protector(an, secret)
    published = _publish_activities(an, prot, secret)
    return published, prot.log, prot.tables, prot.changes


@dataclass
class _Context:
    """What every part of a publication is protected with: the analysis, its protector, the
    policy, the order of the groups and their labels."""

    an: Analysis
    prot: _Protector

    def __post_init__(self) -> None:
        self.pol = self.an.policy
        self.order = self.an.order
        an = self.an
        self.labels = {**{g: an.labels[g] for g in an.reported}, OTHER: OTHER}
        # each clean row's position among the reported groups (-1: pooled)
        self.reported_at = pd.Index(list(an.reported)).get_indexer(an.row_key)

    def who(self, key: Any) -> str:
        return REGION if key == "Total" else self.labels.get(key, str(key))


def _analyst_log(prot: _Protector) -> dict[str, Any]:
    """What was done to each cell (the analyst's; never published)."""
    noise = np.array(prot.changes or [0])
    return {
        "cells": prot.log,
        "perturbation": {
            "method": prot.an.policy.perturbation.method,
            "cells_published": len(prot.changes),
            "cells_changed": int((noise != 0).sum()) if prot.changes else 0,
            "mean_absolute_change": float(np.abs(noise).mean()) if prot.changes else 0.0,
        },
        "tables": prot.tables,
    }


def _publish_responses(ctx: _Context) -> tuple[PublishedTable, pd.DataFrame]:
    """Responses per group (the published table, and its counts for the response rates)."""
    _, pub_n, sup_n = ctx.prot.counts("responses", ctx.an.row_key, None, ctx.order, [])
    resp = pd.DataFrame(
        {"Responses": pub_n["Total"].to_numpy()}, index=[ctx.who(k) for k in pub_n.index]
    )
    resp_status = pd.DataFrame(
        {"Responses": ["suppressed" if s else "shown" for s in sup_n["Total"]]}, index=resp.index
    )
    return _table("Responses", "Trust", resp, resp_status), resp


def _response_rates(
    an: Analysis, resp: pd.DataFrame, eligible: Mapping[str, int], step: int
) -> dict[str, int | None]:
    """Response rates, from the published count."""
    rates: dict[str, int | None] = {}
    for g in an.reported:
        denom = eligible.get(str(g))
        n = resp.loc[an.labels[g], "Responses"]
        if denom and not pd.isna(n) and denom > 0:
            rates[str(g)] = int(min(100, _round_base(round(100 * float(n) / denom), step)))
        else:
            rates[str(g)] = None
    return rates


def _eligible_count(code: str, value: Any) -> int | None:
    """One group's count of people invited: a whole number of 0 or more, or None when the
    count is missing (``None``, NaN)."""
    if value is None or (isinstance(value, float | np.floating) and math.isnan(value)):
        return None
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number):
        raise DataError(
            f"eligible: the count of people invited in {code!r} is {value!r}, not a number: "
            "give each trust's count as a whole number (or None when it is not known)",
            code="not-numeric",
        )
    if value < 0 or value != math.floor(value):
        raise DataError(
            f"eligible: the count of people invited in {code!r} is {value!r}: a count of people "
            "is a whole number of 0 or more",
            code="invalid-count",
        )
    return int(value)


def eligible_counts(
    an: Analysis, eligible: Mapping[Any, int | None] | pd.Series | None
) -> dict[str, int]:
    """Group code -> people invited, checked: whole numbers (a missing count leaves that group
    without a response rate), none below the group's respondents, keyed by the groups' codes.

    Parameters
    ----------
    an : Analysis
    eligible : mapping or pandas.Series, optional
        Group code -> people invited.

    Returns
    -------
    dict
        ``str(code)`` -> count, for every group given a count.

    Raises
    ------
    DataError
        A count that is not a whole number of 0 or more (``not-numeric``, ``invalid-count``),
        fewer invited than responded in a reported group (``invalid-count``), or counts none of
        whose keys is a group of the survey or the data (``unknown-group``).
    """
    if eligible is None:
        return {}
    if not isinstance(eligible, Mapping | pd.Series):
        raise ArgumentError(
            "eligible must map each trust's code to the number of people invited (a dict or "
            f"a pandas Series), not {type(eligible).__name__}"
        )
    counts: dict[str, int] = {}
    for key, value in eligible.items():
        count = _eligible_count(str(key), value)
        if count is not None:
            counts[str(key)] = count
    _check_eligible_groups(an, counts)
    responded = an.row_key.astype(str).value_counts()
    for g in an.reported:
        n = int(responded.get(str(g), 0))
        if str(g) in counts and counts[str(g)] < n:
            raise DataError(
                f"eligible: {counts[str(g)]} invited in {str(g)!r} ({an.labels[g]}), but {n} "
                "of its people responded: check the count (or leave the trust out of eligible, "
                "and its report shows no response rate)",
                code="invalid-count",
            )
    return counts


def _check_eligible_groups(an: Analysis, counts: Mapping[str, int]) -> None:
    """Counts keyed by something other than the groups' codes: an error when no key is a
    group's code (labels given for codes), a warning naming the keys no group has."""
    import warnings

    from ..errors import DataWarning, did_you_mean

    cl = None
    if an.group in {i.id for i in an.survey.questions}:
        cl = an.survey.choices_for(an.survey.item(an.group))
    codes = {str(c): str(an.labels.get(c, c)) for c in (cl.codes if cl is not None else [])}
    codes.update({str(g): label for g, label in an.labels.items()})
    unknown = [k for k in counts if k not in codes]
    if not unknown:
        return
    by_label = {label.casefold(): code for code, label in codes.items()}
    if cl is not None:
        by_label.update({text_in(o.label).casefold(): str(o.code) for o in cl.options})
    hints = []
    for k in unknown[:5]:
        hint = (
            f"; did you mean {by_label[k.casefold()]!r}?"
            if k.casefold() in by_label
            else did_you_mean(k, codes)
        )
        hints.append(f"{k!r}{hint}")
    shown = "; ".join(hints) + (f" (and {len(unknown) - 5} more)" if len(unknown) > 5 else "")
    known = ", ".join(list(codes)[:8])
    text = (
        f"eligible: counts for {len(unknown)} key(s) that are no {an.group} code of the survey "
        f"or the data: {shown}; key the counts by the codes ({known}...)"
    )
    if len(unknown) == len(counts):
        raise DataError(text + ": no trust would get a response rate", code="unknown-group")
    warnings.warn(DataWarning(text + "; those counts are not used"), stacklevel=4)


@dataclass
class _Statement:
    """One statement's true counts and perturbed counts, while its rows are published."""

    item_id: str
    levels: list[Level]
    codes: list[Any]
    counts: pd.DataFrame
    rows_s: pd.Series
    vals: pd.Series
    forms: Any
    n_true: dict[Hashable, int]  # row -> number answering
    n_noisy: dict[Hashable, int]  # row -> number answering, perturbed
    noisy_levels: list[dict[Hashable, list[int]]]  # per level: row -> perturbed group counts
    item_sd: float


def _publish_statement(
    ctx: _Context, item_id: str, cmp: pd.DataFrame, section: str, reversed_items: set[str]
) -> PublishedItem:
    """A statement, every row in the most detailed form the policy allows."""
    an = ctx.an
    item = an.survey.item(item_id)
    cl = an.survey.choices_for(item)
    assert cl is not None
    reverse = item_id in reversed_items
    st = _statement_counts(ctx, item_id, levels_for(cl, reverse=reverse))
    rows: dict[str, ItemRow] = {}
    flags: dict[str, str] = {}
    flag_of = dict(zip(cmp.index, cmp["flag"].tolist(), strict=True)) if len(cmp) else {}
    for key in st.counts.index:
        k = REGION if key == "Total" else str(key)
        rows[k] = _statement_row(ctx, st, key, k)
        if key in flag_of and key not in ("Total", OTHER):
            flags[k] = str(flag_of[key]) if rows[k].agree is not None else "not shown"
    levels = st.levels
    return PublishedItem(
        item_id,
        section,
        text_in(item.text),
        levels[0].labels,
        rows,
        flags,
        reverse=reverse,
        top_label=next((lv.labels[0] for lv in levels if lv.name == "two"), ""),
    )


def _statement_counts(ctx: _Context, item_id: str, levels: list[Level]) -> _Statement:
    an, prot = ctx.an, ctx.prot
    codes = [c for g in levels[0].groups for c in g]
    values = pd.to_numeric(an.clean[item_id], errors="coerce").to_numpy(
        dtype=float, na_value=np.nan
    )
    # the statements' region row counts the respondents of the trusts with a report: the
    # pooled small trusts are in the responses table only, so no statement's table holds
    # a row about fewer than min_group people
    code_at = pd.Index(codes).get_indexer(values)
    answered = (code_at >= 0) & (ctx.reported_at >= 0)
    rows_s = an.row_key[answered]
    code_at = code_at[answered]
    vals = pd.Series(np.asarray(codes, dtype=np.int64)[code_at], index=rows_s.index)
    table = _counts_by_trust(ctx.reported_at[answered], code_at, len(an.reported), len(codes))
    index = pd.Index([*an.reported, "Total"])
    counts = pd.DataFrame(table, index=index, columns=pd.Index(codes))
    forms = choose_forms(counts, levels, ctx.pol)
    prot.log.extend(
        {
            "table": f"item:{item_id}",
            "row": str(r),
            "column": "form",
            "reason": (
                "not shown"
                if lv is None
                else f"{levels[lv].name}{' (almost all)' if r in forms.dominated else ''}"
            ),
        }
        for r, lv in forms.level.items()
    )
    # perturbed numbers answering, and perturbed group counts at each level
    n_true = table.sum(axis=1)
    # the numbers answering, and the counts of each level's groups of answers, their cell keys
    # made together: every table counts the same answers
    tables: list[tuple[str, list[str], list[list[int]], np.ndarray]] = [
        (f"item:{item_id}", [], [], n_true[:, None])
    ]
    for lv in levels:
        groups = [[codes.index(c) for c in g] for g in lv.groups]
        grouped = np.stack([table[:, g].sum(axis=1) for g in groups], 1)
        tables.append((f"item:{item_id}:{lv.name}", list(lv.labels), groups, grouped))
    n_noisy, *noisy = prot.noisy_groupings(rows_s, code_at, len(codes), list(an.reported), tables)
    noisy_levels = [dict(zip(index, t.tolist(), strict=True)) for t in noisy]
    item_sd = float(vals.std(ddof=1)) if len(vals) > 1 else 0.0
    return _Statement(
        item_id,
        levels,
        codes,
        counts,
        rows_s,
        vals,
        forms,
        dict(zip(index, n_true.tolist(), strict=True)),
        dict(zip(index, n_noisy[:, 0].tolist(), strict=True)),
        noisy_levels,
        item_sd,
    )


def _statement_row(ctx: _Context, st: _Statement, key: Any, k: str) -> ItemRow:
    label = ctx.who(key)
    n_true = st.n_true[key]
    n_pub = st.n_noisy[key] if key in st.forms.n_shown else None
    lv_i = st.forms.level.get(key)
    if n_true == 0:
        return ItemRow(k, label, "missing")
    if lv_i is None:
        return ItemRow(k, label, "suppressed", n=n_pub)
    lv = st.levels[lv_i]
    tones = _tones(lv)
    if key in st.forms.dominated:
        dominant = lv.labels[st.forms.dominated[key]]
        return ItemRow(
            k, label, "dominated", n=n_pub, level=lv.name, tones=tones, dominant=dominant
        )
    if lv.name == "mean":
        return _mean_row(ctx, st, key, k, n_pub)
    group_counts = st.noisy_levels[lv_i][key]
    step = ctx.pol.perturbation.percent_step
    pct = _coarse_percents(group_counts, step)
    top = set(st.codes[-2:])
    agree = None
    upper = [i for i, g in enumerate(lv.groups) if set(g) == top]
    if upper:
        agree = pct[upper[0]]
    elif lv.name == "full":
        agree_n = sum(c for c, g in zip(group_counts, lv.groups, strict=True) if g[0] in top)
        agree = _coarse_percents([agree_n, sum(group_counts) - agree_n], step)[0]
    collapsed = _collapsed(st.levels, lv_i, group_counts, step) if key == "Total" else {}
    return ItemRow(
        k,
        label,
        "shown",
        n=n_pub,
        level=lv.name,
        percents=tuple(zip(lv.labels, pct, strict=True)),
        tones=tones,
        agree=agree,
        collapsed=collapsed,
    )


def _collapsed(
    levels: list[Level], lv_i: int, group_counts: list[int], step: int
) -> dict[str, tuple[tuple[str, int], ...]]:
    """The region's row in each coarser form (for rows of trusts shown coarser)."""
    lv = levels[lv_i]
    if lv.name != "full":
        return {}
    by_code = {g[0]: c for c, g in zip(group_counts, lv.groups, strict=True)}
    collapsed: dict[str, tuple[tuple[str, int], ...]] = {}
    for coarse in levels[lv_i + 1 :]:
        if coarse.name == "mean" or not by_code:
            continue
        sums = [sum(by_code[c] for c in g) for g in coarse.groups]
        collapsed[coarse.name] = tuple(
            zip(coarse.labels, _coarse_percents(sums, step), strict=True)
        )
    return collapsed


def _mean_row(ctx: _Context, st: _Statement, key: Any, k: str, n_pub: int | None) -> ItemRow:
    pol, prot, rows_s = ctx.pol, ctx.prot, st.rows_s
    values = st.vals.to_numpy()
    if key == "Total":
        members = rows_s.index
    else:
        mine = rows_s.to_numpy(dtype=object) == key
        members, values = rows_s.index[mine], values[mine]
    true_mean = float(values.mean())
    noisy_mean = (
        perturb_mean(
            true_mean,
            len(members),
            st.item_sd,
            prot.keys.group_uniform(f"item:{st.item_id}:mean", members),
            scale=pol.perturbation.mean_noise,
        )
        if prot.perturb
        else true_mean
    )
    mean = _round_to(
        min(max(noisy_mean, st.codes[0]), st.codes[-1]), pol.perturbation.mean_decimals
    )
    return ItemRow(k, ctx.who(key), "shown", n=n_pub, level="mean", mean=mean)


def _publish_scale(ctx: _Context, scale: Scale) -> PublishedScale:
    """A scale's published means, benchmarks and flags, its region's mean and funnel."""
    an, prot, pol = ctx.an, ctx.prot, ctx.pol
    dec = pol.perturbation.mean_decimals
    result = an.comparisons[scale.id]
    lo, hi = _scale_range(an.survey, scale)
    scored = an.scores[scale.id].notna()
    sd_all = result.sd
    sd_val = float(sd_all) if sd_all is not None and math.isfinite(sd_all) else None
    _, n_scored, n_sup = prot.counts(f"scale:{scale.id}", an.row_key[scored], None, ctx.order, [])
    srows: dict[str, ScaleRow] = {}
    published_members: list[Any] = []
    # plain values: the comparison's rows by group, the published numbers scored, and whether
    # each was suppressed
    table = _ScaleTable(
        result.frame.to_dict("index"),
        scored.to_numpy(dtype=bool),
        dict(zip(n_scored.index, n_scored["Total"].tolist(), strict=True)),
        dict(zip(n_sup.index, n_sup["Total"].tolist(), strict=True)),
    )
    for i, key in enumerate(an.reported):
        srows[str(key)] = _scale_row(ctx, scale, table, i, key, sd_val, published_members)
    centre_true = result.centre
    centre = None
    if centre_true is not None and math.isfinite(centre_true) and published_members:
        c = float(centre_true)
        if prot.perturb:
            c = perturb_mean(
                c,
                len(published_members),
                sd_val or 0.0,
                prot.keys.group_uniform(f"scale:{scale.id}:region", pd.Index(published_members)),
                scale=pol.perturbation.mean_noise,
            )
        centre = _round_to(c, dec + 1)
    sd_pub = _round_to(sd_val, 2) if sd_val is not None else None
    shown_n = [r.n for r in srows.values() if r.status == "shown" and r.n]
    funnel = _funnel_points(centre, sd_pub, shown_n)
    return PublishedScale(
        scale.id, text_in(scale.title), srows, centre, sd_pub, lo, hi, dec, funnel
    )


@dataclass
class _ScaleTable:
    """A scale's comparison rows by group, which rows are scored, and the published numbers
    scored per group with their suppression, as plain values."""

    rows: dict[Any, dict[str, Any]]
    scored: np.ndarray
    n_published: dict[Any, float]
    suppressed: dict[Any, bool]


def _scale_row(
    ctx: _Context,
    scale: Scale,
    table: _ScaleTable,
    position: int,
    key: Any,
    sd_val: float | None,
    published_members: list[Any],
) -> ScaleRow:
    """The row of the group ``key`` (the ``position``-th reported group)."""
    an, prot, pol = ctx.an, ctx.prot, ctx.pol
    dec = pol.perturbation.mean_decimals
    lo, hi = _scale_range(an.survey, scale)
    k, label = str(key), ctx.who(key)
    r = table.rows.get(key)
    if r is None or int(r["n"]) == 0:
        return ScaleRow(k, label, "missing")
    if r["flag"] == "suppressed" or bool(table.suppressed[key]):
        return ScaleRow(k, label, "suppressed")
    members = an.clean.index[(ctx.reported_at == position) & table.scored]
    published_members.extend(members)
    u = prot.keys.group_uniform(f"scale:{scale.id}:mean", members)
    noisy = (
        perturb_mean(
            float(r["mean"]), int(r["n"]), sd_val or 0.0, u, scale=pol.perturbation.mean_noise
        )
        if prot.perturb
        else float(r["mean"])
    )
    mean = _round_to(min(max(noisy, lo), hi), dec)
    half = float(r["ci_high"]) - float(r["mean"])
    ci_low = _round_to(max(mean - half, lo), dec) if math.isfinite(half) else None
    ci_high = _round_to(min(mean + half, hi), dec) if math.isfinite(half) else None
    others = an.clean.index[(ctx.reported_at != position) & (ctx.reported_at >= 0) & table.scored]
    bench = float(r["benchmark"])
    if prot.perturb and math.isfinite(bench) and len(others):
        bench = perturb_mean(
            bench,
            len(others),
            sd_val or 0.0,
            prot.keys.group_uniform(f"scale:{scale.id}:bench:{k}", others),
            scale=pol.perturbation.mean_noise,
        )
    return ScaleRow(
        k,
        label,
        "shown",
        n=int(table.n_published[key]),
        mean=mean,
        ci_low=ci_low,
        ci_high=ci_high,
        benchmark=_round_to(bench, dec) if math.isfinite(bench) else None,
        flag=str(r["flag"]),
    )


def _funnel_points(
    centre: float | None, sd_pub: float | None, shown_n: list[int]
) -> tuple[tuple[int, float, float, float, float], ...]:
    """The funnel's limits around the published centre, at the published numbers."""
    if centre is None or not sd_pub or not shown_n:
        return ()
    from ..compare import funnel_limits

    n_lo = max(2, int(min(shown_n) * 0.8))
    n_hi = max(int(max(shown_n) * 1.08) + 1, n_lo + 5)
    grid = np.unique(np.linspace(n_lo, n_hi, 60).round()).astype(int)
    lim = funnel_limits(grid, centre, kind="mean", sd=sd_pub)
    return tuple(
        (int(n), float(a), float(b), float(c2), float(d))
        for n, a, b, c2, d in zip(
            lim["n"],
            lim["lower_95"],
            lim["upper_95"],
            lim["lower_998"],
            lim["upper_998"],
            strict=True,
        )
    )


def _publish_reliability(an: Analysis) -> PublishedTable | None:
    """Reliability of the reflective scales (whole region: no small groups)."""
    if an.reliability is None or not len(an.reliability):
        return None
    rel = an.reliability
    names = ("n_items", "alpha", "alpha_ci_low", "alpha_ci_high", "omega_total")
    keep = [col for col in names if col in rel]
    formative = {sc.id for sc in an.survey.scales if getattr(sc, "structure", "") == "formative"}
    frame = rel.loc[[i for i in rel.index if i not in formative], keep].copy()
    frame.index = pd.Index([text_in(an.survey.scale(s).title) for s in frame.index])
    for col in keep:
        if col != "n_items":
            frame[col] = frame[col].astype(float).round(2)
    return _table(
        "Reliability of the scales",
        "Scale",
        frame,
        formats={col: ".2f" for col in keep if col != "n_items"} | {"n_items": ",d"},
    )


def _publish_themes(an: Analysis) -> tuple[PublishedTheme, ...] | None:
    if an.themes is None:
        return None
    return tuple(
        PublishedTheme(
            scope=str(r["scope"]),
            group=None if pd.isna(r["group"]) else str(r["group"]),
            label=text_in(r["label"]),
            n_participants=None if pd.isna(r["n_participants"]) else int(r["n_participants"]),
            roles=str(r["roles"]) if isinstance(r["roles"], str) else "",
            quote=r["quote"] if isinstance(r["quote"], str) and r["quote"] else None,
            attribution=r["quote_role"] if isinstance(r["quote_role"], str) else None,
            note=r["note"] if isinstance(r["note"], str) else None,
        )
        for _, r in an.themes.iterrows()
    )


def _publish_comments(an: Analysis, secret: bytes) -> dict[str, dict[str, tuple[str, ...] | None]]:
    """Approved comments, only where enough were approved, in an order that depends on nothing
    but the text."""
    comments: dict[str, dict[str, tuple[str, ...] | None]] = {}
    for item_id, per in an.comments.items():
        out: dict[str, tuple[str, ...] | None] = {}
        for g in an.reported:
            texts = per.get(str(g), [])
            if not texts:
                continue
            if len(texts) < an.policy.min_comments:
                out[str(g)] = None
                continue
            out[str(g)] = tuple(
                sorted(
                    texts,
                    key=lambda t: hmac.new(secret, t.encode("utf-8"), hashlib.sha256).digest(),
                )
            )
        comments[item_id] = out
    return comments


def _reliability_notes(an: Analysis) -> dict[str, str]:
    """What readers are told about scales whose alpha is negative or low."""
    notes: dict[str, str] = {}
    if an.reliability is None or "alpha" not in an.reliability:
        return notes
    for scale_id, alpha in an.reliability["alpha"].items():
        title = text_in(an.survey.scale(str(scale_id)).title)
        if pd.isna(alpha):
            continue
        if alpha < 0:
            notes[title] = (
                "negative: the items do not hang together (check that reverse-worded "
                "items are marked as such); do not read this scale's score"
            )
        elif alpha < 0.6:
            notes[title] = (
                "low: the items may not measure one thing; read the scale's score with "
                "care and look at its statements one by one"
            )
    return notes


def _activity_records(
    item: Item,
    codes: Sequence[int | str],
    sv: Survey,
    act: pd.DataFrame,
    key: pd.Series,
    keys: CellKeys,
    secret: bytes,
) -> tuple[pd.Series, pd.Series, CellKeys] | None:
    """The (trust, answer, cell key) records of one tabled activity question: one per
    activity, or one per activity and option ticked for a tick-box question; None when the
    log has no column for it."""
    if item.type == "multi_choice":
        indicators = sv.indicator_columns(item)
        cols = [indicators[c] for c in codes if indicators[c] in act.columns]
        code_of = {name: code for code, name in indicators.items()}
        if not cols:
            return None
        # one record per activity and grade band ticked (a long table)
        long = act[cols].eq(1).stack()
        long = long[long]
        idx = long.index.get_level_values(0)
        positions = pd.RangeIndex(len(long))
        cats = pd.Series(
            [str(code_of[c]) for c in long.index.get_level_values(1)],
            index=positions,
        )
        rows = pd.Series(key.reindex(idx).to_numpy(), index=positions)
        table_keys = CellKeys(pd.Series(keys.keys.reindex(idx).to_numpy(), index=positions), secret)
        return rows, cats, table_keys
    if item.id in act.columns:
        cats = act[item.id].astype(object).map(lambda v: None if pd.isna(v) else str(v))
        return key, cats, keys
    return None


def _activity_totals(an: Analysis) -> tuple[dict[str, int | None], dict[str, int | None]]:
    """Trainees reached (rounded, hidden below the minimum cell) and mentor hours of each
    reported trust."""
    assert an.activities is not None
    act, pol, group_col = an.activities, an.policy, an.group
    reached: dict[str, int | None] = {}
    hours: dict[str, int | None] = {}
    base = pol.rounding or 5
    for g in an.reported:
        sel = act[group_col] == g
        if "trainees_reached" in act.columns:
            total = float(
                pd.to_numeric(act.loc[sel, "trainees_reached"], errors="coerce").fillna(0).sum()
            )
            reached[str(g)] = None if total < pol.min_cell else _round_base(round(total), base)
        if "mentor_hours" in act.columns:
            h = float(pd.to_numeric(act.loc[sel, "mentor_hours"], errors="coerce").fillna(0).sum())
            hours[str(g)] = round(h)
    return reached, hours


def _publish_activities(an: Analysis, prot: _Protector, secret: bytes) -> PublishedActivities:
    assert an.activities is not None and an.activity_survey is not None
    act = an.activities
    sv = an.activity_survey
    group_col = an.group
    key = act[group_col].astype(object).where(act[group_col].isin(an.reported), OTHER)
    key = key.where(act[group_col].notna(), OTHER)
    order = [*an.reported, *([OTHER] if (key == OTHER).any() else [])]
    ids = (
        act[sv.respondent_id].astype(str)
        if sv.respondent_id and sv.respondent_id in act.columns
        else row_texts(act)  # no id column: the record's values
    )
    keys = CellKeys(pd.Series(record_keys(ids, secret), index=act.index), secret)
    labels = {**{g: an.labels[g] for g in an.reported}, OTHER: OTHER, "Total": REGION}

    _, logged_pub, logged_sup = prot.counts("activities", key, None, order, [], keys=keys)
    logged_frame = pd.DataFrame(
        {"Activities logged": logged_pub["Total"].to_numpy()},
        index=[labels.get(k, str(k)) for k in logged_pub.index],
    )
    logged = _table(
        "Activities logged",
        "Trust",
        logged_frame,
        pd.DataFrame(
            {"Activities logged": ["suppressed" if s else "shown" for s in logged_sup["Total"]]},
            index=logged_frame.index,
        ),
    )
    tables: list[PublishedTable] = []
    tabled = [
        i
        for i in sv.questions
        if i.type in ("choice", "multi_choice")
        and i.id != group_col
        and "consent" not in i.tags
        and i.disclosure in ("none", "quasi")
    ]
    for item in tabled:
        item_id, caption = item.id, text_in(item.text)
        cl = sv.choices_for(item)
        if cl is None:
            continue
        codes = [c for c in cl.codes]
        names = {str(c): text_in(o.label) for c, o in zip(cl.codes, cl.options, strict=False)}
        found = _activity_records(item, codes, sv, act, key, keys, secret)
        if found is None:
            continue
        rows, cats, table_keys = found
        str_codes = [str(c) for c in codes]
        _, published, mask = prot.counts(
            f"activities:{item_id}", rows, cats, order, str_codes, keys=table_keys
        )
        frame = published.rename(
            index=lambda k: labels.get(k, str(k)), columns={c: names.get(c, c) for c in str_codes}
        )
        status = pd.DataFrame(
            np.where(mask.to_numpy(), "suppressed", "shown"),
            index=frame.index,
            columns=frame.columns,
        )
        tables.append(_table(caption, "Trust", frame, status))
    reached, hours = _activity_totals(an)
    return PublishedActivities(logged, tuple(tables), reached, hours)


def _letters(i: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _publish_choices(an: Analysis, prot: _Protector) -> list[PublishedChoice]:
    """Each tick-box question's options, ticked vs not, in every trust, in a safe form."""
    out: list[PublishedChoice] = []
    pol = an.policy
    step = pol.perturbation.percent_step
    reported = list(an.reported)
    binary = Level("full", ((0,), (1,)), ("not ticked", "ticked"), (None, None))
    for item in an.survey.questions:
        if item.type != "multi_choice":
            continue
        cl = an.survey.choices_for(item)
        if cl is None:
            continue
        answered_any = an.clean.index[an.row_key.isin(reported).to_numpy()]
        options: list[tuple[str, str]] = []
        indicators = an.survey.indicator_columns(item)
        for o in cl.options:
            col = indicators.get(o.code, "")
            if col in an.clean.columns:
                options.append((col, text_in(o.label)))
        if not options:
            continue
        ticks = an.clean.loc[answered_any, [c for c, _ in options]]
        answering = ticks.notna().any(axis=1)
        ticks = ticks[answering]
        rows_s = an.row_key[ticks.index]
        n_true = rows_s.value_counts().reindex(reported).fillna(0).astype("int64")
        n_true.loc["Total"] = int(n_true.sum())
        n_noisy = prot.noisy(f"choice:{item.id}", rows_s, None, reported, [], n_true)
        shown: dict[str, list[tuple[str, int]]] = {str(g): [] for g in [*reported, REGION]}
        n_pub: dict[str, int | None] = {}
        for g in [*reported, "Total"]:
            k = REGION if g == "Total" else str(g)
            n_pub[k] = int(n_noisy.loc[g, "Total"]) if n_true[g] >= pol.min_cell else None
        index = pd.Index([*reported, "Total"])
        # each answering respondent's trust, by its position among the reported ones
        trust_at = pd.Index(reported).get_indexer(rows_s)
        for col, label in options:
            t = ticks[col].fillna(0).astype(int).to_numpy()
            # ticked (1) or not (0) by trust, and the region; any other value counts nowhere,
            # in the table or in its cell keys
            table = _counts_by_trust(trust_at, t, len(reported), 2)
            forms = choose_forms(pd.DataFrame(table, index=index, columns=[0, 1]), [binary], pol)
            ticked = ["not ticked", "ticked"]
            binary_answer = (t == 0) | (t == 1)
            [noisy] = prot.noisy_groupings(
                rows_s[binary_answer],
                t[binary_answer],
                2,
                reported,
                [(f"choice:{col}", ticked, [[0], [1]], table)],
            )
            noisy_at = dict(zip(index, noisy.tolist(), strict=True))
            for g in [*reported, "Total"]:
                k = REGION if g == "Total" else str(g)
                if forms.level.get(g) is None or g in forms.dominated:
                    continue
                pct = _coarse_percents(noisy_at[g], step)[1]
                if pct > 0:
                    shown[k].append((label, pct))
        rows = {k: tuple(sorted(v, key=lambda x: (-x[1], x[0]))) for k, v in shown.items()}
        out.append(PublishedChoice(item.id, text_in(item.text), rows, n_pub))
    return out


def _differences(an: Analysis, items: list[PublishedItem]) -> dict[str, tuple[Difference, ...]]:
    """Statements where a trust's share giving the top two options clearly differs."""
    from ..multiplicity import adjust_pvalues

    out: dict[str, tuple[Difference, ...]] = {}
    by_id = {i.item_id: i for i in items}
    # each statement's comparison as plain values, by group
    tests = {
        item_id: cmp[["p_value", "proportion", "benchmark"]].to_dict("index")
        for item_id, cmp in an.agree.items()
        if "p_value" in cmp
    }
    for g in an.reported:
        k = str(g)
        cands: list[tuple[PublishedItem, float, str]] = []
        for item_id, by_group in tests.items():
            if g not in by_group:
                continue
            p = by_group[g]["p_value"]
            item = by_id.get(item_id)
            if item is None or pd.isna(p):
                continue
            row, region = item.rows.get(k), item.rows.get(REGION)
            if row is None or region is None or row.agree is None or region.agree is None:
                continue
            direction = (
                "higher"
                if float(by_group[g]["proportion"]) > float(by_group[g]["benchmark"])
                else "lower"
            )
            cands.append((item, float(p), direction))
        if not cands:
            continue
        q = adjust_pvalues([c[1] for c in cands], method="fdr_bh")
        found = []
        for (item, _, direction), qv in zip(cands, q, strict=True):
            row, region = item.rows[k], item.rows[REGION]
            assert row.agree is not None and region.agree is not None
            if qv < 0.05 and row.agree != region.agree:
                favourable = (direction == "higher") != item.reverse
                found.append(
                    Difference(
                        item.item_id,
                        item.text,
                        item.top_label,
                        direction,
                        favourable,
                        row.agree,
                        region.agree,
                    )
                )
        out[k] = tuple(found)
    return out


def _wave_changes(
    an: Analysis, items: list[PublishedItem], previous: Publication
) -> tuple[WaveChange, ...]:
    """Statements with the same text and options in both waves, with both waves' shares."""
    before = {i.item_id: i for i in previous.items}
    out = []
    for item in items:
        old = before.get(item.item_id)
        if old is None or old.text != item.text or old.options != item.options:
            continue
        keys = [*[str(g) for g in an.reported], REGION]
        out.append(
            WaveChange(
                item.item_id,
                item.text,
                item.top_label,
                {k: (old.rows[k].agree if k in old.rows else None) for k in keys},
                {k: (item.rows[k].agree if k in item.rows else None) for k in keys},
            )
        )
    return tuple(out)


def _recommendations(an: Analysis, codebook: Any, prot: _Protector) -> tuple[Recommendation, ...]:
    """The codebook's recommendation codes (``rec_*``) with the interviews' support for each."""
    if an.themes is None or codebook is None:
        return ()
    out = []
    segments = an.segments
    k_min = an.policy.min_participants_theme
    for _, code in codebook.walk():
        if not code.id.startswith("rec_"):
            continue
        n = trusts = None
        quote = who = None
        if segments is not None:
            sel = segments[segments["code"] == code.id]
            n_true = int(sel["participant"].nunique())
            n_trusts = int(sel[an.group].nunique()) if an.group in sel else 0
            if n_true >= k_min:
                n, trusts = n_true, n_trusts
                # the example: smallest digest of its text, from a role with enough people
                texts = sel.assign(
                    _pick=sel["quote"].map(
                        lambda t: hashlib.sha256(str(t).encode("utf-8")).hexdigest()
                    )
                ).sort_values("_pick")
                if len(texts):
                    first = texts.iloc[0]
                    quote = str(first["quote"])
                    role_n = segments[segments["role"] == first["role"]]["participant"].nunique()
                    who = str(first["role"]) if role_n >= k_min else None
        out.append(
            Recommendation(
                code.id,
                text_in(code.label),
                text_in(code.definition),
                n,
                trusts,
                quote,
                who,
            )
        )
    return tuple(out)
