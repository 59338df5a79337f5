"""Report figures drawn as HTML and inline SVG: diverging Likert bars and funnel plots.

Reports draw many small charts (a funnel plot per scale and bars per statement, for every
trust). Drawn directly as HTML/CSS and SVG they are sharp on a phone and in print, readable by
screen readers, and cost almost nothing to render; matplotlib is kept for the few figures that
need it (the regional flag grid).
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

__all__ = ["funnel_svg", "likert_bars_html", "likert_legend_html"]


def likert_bars_html(item: Any, keys: Sequence[str]) -> str:
    """Diverging stacked bars of a published statement: disagreement left of centre.

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
        raise TypeError("likert_bars_html draws published statements only (PublishedItem)")
    out = [
        f'<div class="likert" role="table" aria-label="{html.escape(item.text)}: answers, '
        'disagree to agree">'
    ]
    out.append(f'<div class="lk-item" role="row">{html.escape(item.text)}</div>')
    for key in keys:
        row = item.rows.get(key)
        if row is None:
            continue
        who = html.escape(row.who)
        if row.status == "dominated":
            text = f"almost all answered “{html.escape(str(row.dominant))}”"
            out.append(
                f'<div class="lk-row" role="row"><span class="lk-who">{who}</span>'
                f'<span class="lk-bar lk-dom" title="all, or all but one, gave this answer">'
                f"{text}</span></div>"
            )
            continue
        if row.status != "shown" or row.percents is None:
            text = "no answers" if row.status == "missing" else "not shown (too few answers)"
            out.append(
                f'<div class="lk-row" role="row"><span class="lk-who">{who}</span>'
                f'<span class="lk-bar lk-sup">{text}</span></div>'
            )
            continue
        pct = dict(row.percents)
        d = pct.get("Disagree", 0)
        n = pct.get("Neutral", 0)
        a = pct.get("Agree", 0)
        # the bar spans -100 % .. +100 %: disagreement and half the neutral share end on the
        # midline, so the padding on the left is what remains of the left half
        left_pad = 100 - d - n / 2
        segs = [f'<span class="lk-pad" style="width:{max(left_pad, 0) / 2:g}%"></span>']
        for name, v in (("Disagree", d), ("Neutral", n), ("Agree", a)):
            label = f"{v}%" if v >= 10 else ""
            segs.append(
                f'<span class="lk-seg lk-{name.lower()}" style="width:{v / 2:g}%"'
                f' title="{name}: {v}%">{label}</span>'
            )
        summary = f"{who}: {d}% disagree, {n}% neutral, {a}% agree"
        out.append(
            f'<div class="lk-row" role="row" aria-label="{summary}">'
            f'<span class="lk-who">{who}</span>'
            f'<span class="lk-bar">{"".join(segs)}<span class="lk-mid"></span></span></div>'
        )
    out.append("</div>")
    return "".join(out)


def likert_legend_html() -> str:
    """The colour key of the diverging bars."""
    return (
        '<div class="lk-legend" aria-hidden="true">'
        + "".join(
            f'<span><i class="lk-{k.lower()}"></i>{k}</span>'
            for k in ("Disagree", "Neutral", "Agree")
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


def funnel_svg(scale: Any, highlight: str | None = None) -> str:
    """A published scale's funnel plot as inline SVG (no raster, no matplotlib: fast and sharp).

    Points are the groups whose score is published (``highlight`` in orange, flagged groups
    labelled); the lines are the region's published mean and its 95 % (dotted) and 99.8 %
    (dashed) control limits. Every position, label and tooltip comes from the publication.

    Parameters
    ----------
    scale : PublishedScale
    highlight : str, optional
        The group code to mark.

    Returns
    -------
    str
        An ``<svg>`` element ("" when no group's score is published).
    """
    from .publish import PublishedScale

    if not isinstance(scale, PublishedScale):
        raise TypeError("funnel_svg draws published scales only (PublishedScale)")
    w, h, left, right, top, bottom = 420.0, 270.0, 46.0, 12.0, 28.0, 36.0
    shown = [r for r in scale.rows.values() if r.status == "shown" and r.n and r.mean is not None]
    if not shown or scale.centre is None or not scale.funnel:
        return ""
    centre = scale.centre
    ns = [f[0] for f in scale.funnel]
    n_lo, n_hi = float(min(ns)), float(max(ns))
    y_values = [float(r.mean) for r in shown if r.mean is not None]
    y_values += [f[3] for f in scale.funnel] + [f[4] for f in scale.funnel]
    finite = [v for v in y_values if math.isfinite(v)]
    y_lo, y_hi = min(finite), max(finite)
    y_lo, y_hi = max(y_lo, scale.low), min(y_hi, scale.high)
    pad = (y_hi - y_lo) * 0.06 or 0.1
    y_lo, y_hi = y_lo - pad, y_hi + pad

    def x(v: float) -> float:
        return left + (v - n_lo) / ((n_hi - n_lo) or 1.0) * (w - left - right)

    def y(v: float) -> float:
        return top + (y_hi - min(max(v, y_lo), y_hi)) / (y_hi - y_lo) * (h - top - bottom)

    esc = html.escape
    fmt = f".{scale.decimals}f"
    flagged = [r.who for r in shown if r.flag in ("low", "high")]
    message = f"{len(shown)} trusts; " + (
        f"outside the 99.8% limits: {', '.join(flagged)}"
        if flagged
        else "none outside the 99.8% limits"
    )
    parts: list[str] = [
        f'<svg class="funnel" viewBox="0 0 {w:.0f} {h:.0f}" role="img" '
        f'aria-label="Funnel plot: {esc(scale.title)}. {esc(message)}">'
    ]
    parts.append(
        f'<text x="{w / 2:.0f}" y="16" text-anchor="middle" class="ft">{esc(scale.title)}</text>'
    )
    for t in _ticks(y_lo, y_hi):
        parts.append(
            f'<line x1="{left}" x2="{w - right}" y1="{y(t):.1f}" y2="{y(t):.1f}" class="fg"/>'
            f'<text x="{left - 4}" y="{y(t) + 3:.1f}" text-anchor="end" class="fl">{t:g}</text>'
        )
    for t in _ticks(n_lo, n_hi):
        parts.append(
            f'<text x="{x(t):.1f}" y="{h - bottom + 14}" text-anchor="middle" class="fl">{t:g}</text>'
        )
    parts.append(
        f'<text x="{(left + w - right) / 2:.0f}" y="{h - 6}" text-anchor="middle" class="fl">'
        "Responses</text>"
    )
    parts.append(
        f'<line x1="{left}" x2="{w - right}" y1="{y(centre):.1f}" y2="{y(centre):.1f}" class="fc"/>'
    )
    for pos, cls in ((1, "f95"), (2, "f95"), (3, "f998"), (4, "f998")):
        pts = " ".join(
            f"{x(f[0]):.1f},{y(f[pos]):.1f}" for f in scale.funnel if math.isfinite(f[pos])
        )
        parts.append(f'<polyline points="{pts}" class="{cls}"/>')
    for r in shown:
        mine = highlight is not None and r.key == highlight
        cls = "fp fh" if mine else "fp"
        assert r.n is not None and r.mean is not None
        label = f"{r.who}: mean {format(r.mean, fmt)}, {r.n:,} responses"
        parts.append(
            f'<circle cx="{x(r.n):.1f}" cy="{y(r.mean):.1f}" '
            f'r="{6 if mine else 3.5}" class="{cls}"><title>{esc(label)}</title></circle>'
        )
        if mine or r.flag in ("low", "high"):
            parts.append(
                f'<text x="{x(r.n) + 7:.1f}" y="{y(r.mean) - 5:.1f}" '
                f'class="fl{" fb" if mine else ""}">{esc(r.who)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
