"""Report figures drawn as HTML and inline SVG: diverging Likert bars and funnel plots.

Reports draw many small charts (a funnel plot per scale and bars per statement, for every
trust). Drawn directly as HTML/CSS and SVG they are sharp on a phone and in print, readable by
screen readers, and cost almost nothing to render. Every function here takes published objects
(:mod:`leadership_eval.reports.publish`) only.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import ArgumentError
from ..plots import left_of_centre

__all__ = ["funnel_svg", "likert_bars_html"]


def _segments(row: Any) -> list[tuple[str, int, str]]:
    """(label, percent, tone) of a shown row, lowest options first."""
    assert row.percents is not None
    segs = [(lab, p, tone) for (lab, p), tone in zip(row.percents, row.tones, strict=True)]
    if row.level == "two":  # (top two, other answers): the other answers sit on the left
        segs = segs[::-1]
    return segs


def _left_share(segs: list[tuple[str, int, str]]) -> float:
    """The share drawn left of the midline: the lower groups and half of the middle one."""
    return left_of_centre([p for _, p, _ in segs], neutral=len(segs) % 2 == 1)


def likert_bars_html(item: Any, keys: Sequence[str]) -> str:
    """Diverging stacked bars of a published statement, unfavourable answers left of centre.

    Each row is drawn in the form it was published in (every option, three groups, or the top
    two against the rest), coloured by meaning: for a negatively worded statement agreeing is
    the unfavourable end. Rows shown as "almost all" or not shown say so in words.

    Parameters
    ----------
    item : PublishedItem
        The statement as published (:mod:`leadership_eval.reports.publish`).
    keys : sequence of str
        The rows to draw, in order (group codes, ``"Region"``).

    Returns
    -------
    str
        A ``<div class="likert">`` block; the CSS is in the report template. Every percentage,
        tooltip and accessible label comes from the published row.
    """
    from .publish import PublishedItem

    if not isinstance(item, PublishedItem):
        raise ArgumentError("likert_bars_html draws published statements only (PublishedItem)")
    esc = html.escape
    first = item.rows.get(keys[0]) if keys else None
    reference = first.level if first is not None and first.status == "shown" else None
    out = [f'<div class="likert" role="group" aria-label="{esc(item.text)}">']
    out.append(f'<div class="lk-item">{esc(item.text)}</div>')
    seen: dict[str, str] = {}
    for key in keys:
        row = item.rows.get(key)
        if row is None:
            continue
        who = esc(row.who)
        if row.status == "dominated":
            out.append(_dominated_row(item, row, who))
        elif row.status == "shown" and row.level == "mean" and row.mean is not None:
            out.append(_average_row(item, row, who))
        elif row.status != "shown" or row.percents is None:
            text = "no answers" if row.status == "missing" else "not shown (too few answers)"
            out.append(
                f'<div class="lk-row"><span class="lk-who">{who}</span>'
                f'<span class="lk-bar lk-sup">{text}</span></div>'
            )
        else:
            segs = _segments(row)
            if key == "Region" and reference is not None and reference in row.collapsed:
                segs = _region_as(item, row, reference) or segs
            out.append(_bar_row(segs, who, seen))
    if seen:
        out.append(_likert_key(seen, item.reverse))
    out.append("</div>")
    return "".join(out)


def _dominated_row(item: Any, row: Any, who: str) -> str:
    esc = html.escape
    text = (
        f"almost nobody: {esc(item.top_label)}"
        if row.dominant == "Other answers" and item.top_label
        else f"almost all: {esc(str(row.dominant))}"
    )
    return (
        f'<div class="lk-row"><span class="lk-who">{who}</span>'
        f'<span class="lk-bar lk-dom" title="all, or all but one, gave this answer">'
        f"{text}</span></div>"
    )


def _average_row(item: Any, row: Any, who: str) -> str:
    esc = html.escape
    lo, hi = 1.0, float(len(item.options))
    pos = 100 * (row.mean - lo) / ((hi - lo) or 1.0)
    nearest = item.options[min(max(round(row.mean) - 1, 0), len(item.options) - 1)]
    text = f"average {row.mean:.1f} (nearest answer: {nearest})"
    return (
        f'<div class="lk-row" role="img" aria-label="{who}: {esc(text)}">'
        f'<span class="lk-who">{who}</span>'
        f'<span class="lk-bar lk-avg{" lk-avg-rev" if item.reverse else ""}">'
        f'<span class="lk-dot" style="left:{pos:g}%"></span>'
        f'<span class="lk-avg-text">{esc(text)}</span></span></div>'
    )


def _region_as(item: Any, row: Any, reference: str) -> list[tuple[str, int, str]] | None:
    """Beside a trust shown in a coarser form, the region in the same form."""
    coarse = row.collapsed[reference]
    tones = next(
        (r.tones for r in item.rows.values() if r.level == reference and r.tones),
        (),
    )
    if len(tones) != len(coarse):
        return None
    segs = [(lab, p, t) for (lab, p), t in zip(coarse, tones, strict=True)]
    return segs[::-1] if reference == "two" else segs


def _bar_row(segs: list[tuple[str, int, str]], who: str, seen: dict[str, str]) -> str:
    """A diverging bar, unfavourable answers left of the centre line (each tone noted in
    ``seen`` for the key)."""
    esc = html.escape
    left_pad = 100 - _left_share(segs)
    parts = [f'<span class="lk-pad" style="width:{max(left_pad, 0) / 2:g}%"></span>']
    for label, pct, tone in segs:
        seen.setdefault(label, tone)
        text = f"{pct}%" if pct >= 10 else ""
        parts.append(
            f'<span class="lk-seg lk-{tone}" style="width:{pct / 2:g}%" '
            f'title="{esc(label)}: {pct}%">{text}</span>'
        )
    summary = ", ".join(f"{lab} {p}%" for lab, p, _ in segs)
    return (
        f'<div class="lk-row" role="img" aria-label="{who}: {esc(summary)}">'
        f'<span class="lk-who">{who}</span>'
        f'<span class="lk-bar">{"".join(parts)}<span class="lk-axis"></span></span></div>'
    )


def _likert_key(seen: dict[str, str], reverse: bool) -> str:
    esc = html.escape
    order = {"neg2": 0, "neg1": 1, "other": 2, "mid": 2, "pos1": 3, "pos2": 4}
    if reverse:
        order = {k: 4 - v for k, v in order.items()}
    return (
        '<div class="lk-key" aria-hidden="true">'
        + "".join(
            f'<span><i class="lk-{tone}"></i>{esc(label)}</span>'
            for label, tone in sorted(seen.items(), key=lambda lt: order.get(lt[1], 2))
        )
        + "</div>"
    )


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    span = hi - lo or 1.0
    raw = span / n
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=raw)
    start = math.ceil(lo / step) * step
    out = []
    v = start
    while v <= hi + 1e-9:
        out.append(round(v, 10))
        v += step
    return out


def funnel_svg(
    scale: Any,
    highlight: str | None = None,
    *,
    name_others: bool = True,
    names: Mapping[str, str] | None = None,
) -> str:
    """A published scale's funnel plot as inline SVG (no raster, no matplotlib: fast and sharp).

    Points are the groups whose score is published (``highlight`` in orange, flagged groups
    labelled); the lines are the region's published mean and its 95 % (dotted) and 99.8 %
    (dashed) control limits. Every position, label and tooltip comes from the publication.

    Parameters
    ----------
    scale : PublishedScale
    highlight : str, optional
        The group code to mark.
    name_others : bool, default True
        Name the other groups (in tooltips, and beside those outside the limits). A mentor's
        report shows the other trusts as unnamed points.
    names : mapping, optional
        Group code -> the name to show (trusts coded for publication).

    Returns
    -------
    str
        An ``<svg>`` element ("" when no group's score is published).
    """
    from .publish import PublishedScale

    if not isinstance(scale, PublishedScale):
        raise ArgumentError("funnel_svg draws published scales only (PublishedScale)")
    shown = [r for r in scale.rows.values() if r.status == "shown" and r.n and r.mean is not None]
    if not shown or scale.centre is None or not scale.funnel:
        return ""
    names = names or {}
    plot, frame = _funnel_frame(scale, shown)
    esc = html.escape
    message = _funnel_message(scale, shown, highlight, name_others, names)
    parts: list[str] = [
        f'<svg class="funnel" viewBox="0 0 {plot.w:.0f} {plot.h:.0f}" role="img" '
        f'aria-label="Funnel plot: {esc(scale.title)}. {esc(message)}">'
    ]
    parts.append(
        f'<text x="{plot.w / 2:.0f}" y="16" text-anchor="middle" class="ft">{esc(scale.title)}</text>'
    )
    parts += frame
    fmt = f".{scale.decimals}f"
    for r in sorted(shown, key=lambda r: r.key == highlight):  # the highlighted point on top
        mine = highlight is not None and r.key == highlight
        label = names.get(r.key, r.who)
        parts += plot.point(r, mine, label, fmt, name_others)
    parts.append("</svg>")
    return "".join(parts)


# the frames (axes, centre line and limits) of the funnels drawn last: every report of a
# publication draws the same frame around its points. Keyed by the scale and what the frame is
# drawn from (its published points), and holding the scale, so a key is never another's.
_FRAMES: dict[tuple[Any, ...], tuple[Any, _Plot, list[str]]] = {}
_FRAMES_MAX = 32


def _funnel_frame(scale: Any, shown: list[Any]) -> tuple[_Plot, list[str]]:
    """The plot of a scale's funnel and the SVG of its frame: grid lines, axes, the centre line
    and the control limits."""
    key = (id(scale), scale.centre, tuple((r.n, r.mean) for r in shown))
    hit = _FRAMES.get(key)
    if hit is not None and hit[0] is scale:
        return hit[1], hit[2]
    plot = _Plot(scale, shown)
    parts = plot.axes(scale.centre)
    for pos, cls in ((1, "f95"), (2, "f95"), (3, "f998"), (4, "f998")):
        pts = " ".join(
            f"{plot.x(f[0]):.1f},{plot.y(f[pos]):.1f}"
            for f in scale.funnel
            if math.isfinite(f[pos])
        )
        parts.append(f'<polyline points="{pts}" class="{cls}"/>')
    if len(_FRAMES) >= _FRAMES_MAX:
        _FRAMES.pop(next(iter(_FRAMES)))
    _FRAMES[key] = (scale, plot, parts)
    return plot, parts


def _funnel_message(
    scale: Any, shown: list[Any], highlight: str | None, name_others: bool, names: Mapping[str, str]
) -> str:
    """What the plot shows, in words (its accessible description)."""
    fmt = f".{scale.decimals}f"
    if highlight is not None and not name_others:
        mine_rows = [r for r in shown if r.key == highlight]
        if not mine_rows:
            return "this trust's score is not shown"
        r0 = mine_rows[0]
        where = {"low": "below", "high": "above"}.get(r0.flag, "within")
        return (
            f"{r0.who}: {format(r0.mean, fmt)} against the region's "
            f"{format(scale.centre, fmt)}, {where} the range chance would give"
        )
    flagged = [names.get(r.key, r.who) for r in shown if r.flag in ("low", "high")]
    outside = (
        f"outside the 99.8% limits: {', '.join(flagged)}"
        if flagged
        else "none outside the 99.8% limits"
    )
    return f"{len(shown)} trusts; {outside}"


class _Plot:
    """The funnel plot's frame: its size, its ranges and the mapping of data to the page."""

    w, h, left, right, top, bottom = 420.0, 270.0, 46.0, 12.0, 28.0, 36.0

    def __init__(self, scale: Any, shown: list[Any]) -> None:
        ns = [f[0] for f in scale.funnel]
        self.n_lo, self.n_hi = float(min(ns)), float(max(ns))
        y_values = [float(r.mean) for r in shown if r.mean is not None]
        y_values += [f[3] for f in scale.funnel] + [f[4] for f in scale.funnel]
        finite = [v for v in y_values if math.isfinite(v)]
        y_lo, y_hi = max(min(finite), scale.low), min(max(finite), scale.high)
        pad = (y_hi - y_lo) * 0.06 or 0.1
        self.y_lo, self.y_hi = y_lo - pad, y_hi + pad

    def x(self, v: float) -> float:
        span = (self.n_hi - self.n_lo) or 1.0
        return self.left + (v - self.n_lo) / span * (self.w - self.left - self.right)

    def y(self, v: float) -> float:
        y_lo, y_hi = self.y_lo, self.y_hi
        return self.top + (y_hi - min(max(v, y_lo), y_hi)) / (y_hi - y_lo) * (
            self.h - self.top - self.bottom
        )

    def axes(self, centre: float) -> list[str]:
        """Grid lines with their values, the responses axis, and the centre line."""
        w, h, left, right, bottom = self.w, self.h, self.left, self.right, self.bottom
        parts = []
        for t in _ticks(self.y_lo, self.y_hi):
            parts.append(
                f'<line x1="{left}" x2="{w - right}" y1="{self.y(t):.1f}" y2="{self.y(t):.1f}" '
                f'class="fg"/><text x="{left - 4}" y="{self.y(t) + 3:.1f}" text-anchor="end" '
                f'class="fl">{t:g}</text>'
            )
        for t in _ticks(self.n_lo, self.n_hi):
            parts.append(
                f'<text x="{self.x(t):.1f}" y="{h - bottom + 14}" text-anchor="middle" '
                f'class="fl">{t:g}</text>'
            )
        parts.append(
            f'<text x="{(left + w - right) / 2:.0f}" y="{h - 6}" text-anchor="middle" class="fl">'
            "Responses</text>"
        )
        parts.append(
            f'<line x1="{left}" x2="{w - right}" y1="{self.y(centre):.1f}" '
            f'y2="{self.y(centre):.1f}" class="fc"/>'
        )
        return parts

    def point(self, r: Any, mine: bool, label: str, fmt: str, name_others: bool) -> list[str]:
        """A trust's point, its tooltip and, when highlighted or flagged, its name."""
        esc = html.escape
        cls = "fp fh" if mine else "fp"
        title = ""
        if mine or name_others:
            text = f"{label}: mean {format(r.mean, fmt)}, {r.n:,} responses"
            title = f"<title>{esc(text)}</title>"
        parts = [
            f'<circle cx="{self.x(r.n):.1f}" cy="{self.y(r.mean):.1f}" '
            f'r="{6 if mine else 3.5}" class="{cls}">{title}</circle>'
        ]
        if mine or (name_others and r.flag in ("low", "high")):
            parts.append(
                f'<text x="{self.x(r.n) + 7:.1f}" y="{self.y(r.mean) - 5:.1f}" '
                f'class="fl{" fb" if mine else ""}">{esc(label)}</text>'
            )
        return parts
