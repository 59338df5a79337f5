"""Report figures drawn as HTML and inline SVG: diverging Likert bars and funnel plots.

Reports draw many small charts (a funnel plot per scale and bars per statement, for every
trust). Drawn directly as HTML/CSS and SVG they are sharp on a phone and in print, readable by
screen readers, and cost almost nothing to render; matplotlib is kept for the few figures that
need it (the regional flag grid).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["funnel_svg", "likert_bars_html"]

_COLOURS = {"Disagree": "#b35806", "Neutral": "#d8d8d8", "Agree": "#542788"}


def likert_bars_html(rows: Sequence[tuple[str, str, Mapping[str, float | None]]]) -> str:
    """Diverging stacked bars as HTML: disagreement left of centre, agreement right.

    Parameters
    ----------
    rows : sequence of (statement, who, percentages)
        ``percentages`` maps ``Disagree``, ``Neutral`` and ``Agree`` to percentages; a missing or
        None value (a suppressed cell) shows the bar as suppressed, because the other shares
        would give it away.

    Returns
    -------
    str
        A ``<div class="likert">`` block; the CSS is in the report template.
    """
    out = ['<div class="likert" role="table" aria-label="Answers, disagree to agree">']
    out.append(
        '<div class="lk-legend" aria-hidden="true">'
        + "".join(f'<span><i style="background:{c}"></i>{k}</span>' for k, c in _COLOURS.items())
        + "</div>"
    )
    last = None
    for statement, who, pct in rows:
        if statement != last:
            out.append(f'<div class="lk-item" role="row">{html.escape(statement)}</div>')
            last = statement
        values = {k: pct.get(k) for k in _COLOURS}
        if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in values.values()):
            out.append(
                f'<div class="lk-row" role="row"><span class="lk-who">{html.escape(who)}</span>'
                '<span class="lk-bar lk-sup">not shown (too few answers)</span></div>'
            )
            continue
        d = float(values["Disagree"] or 0)
        n = float(values["Neutral"] or 0)
        a = float(values["Agree"] or 0)
        total = d + n + a or 1.0
        d, n, a = (100 * x / total for x in (d, n, a))
        # the bar spans -100 % .. +100 %: disagreement and half the neutral share end on the
        # midline, so the padding on the left is what remains of the left half
        left_pad = 100 - d - n / 2
        segs = [f'<span class="lk-pad" style="width:{max(left_pad, 0) / 2:.2f}%"></span>']
        for name, v in (("Disagree", d), ("Neutral", n), ("Agree", a)):
            label = f"{v:.0f}%" if v >= 8 else ""
            segs.append(
                f'<span class="lk-seg" style="width:{v / 2:.2f}%;background:{_COLOURS[name]}"'
                f' title="{name}: {v:.0f}%">{label}</span>'
            )
        summary = f"{html.escape(who)}: {d:.0f}% disagree, {n:.0f}% neutral, {a:.0f}% agree"
        out.append(
            f'<div class="lk-row" role="row" aria-label="{summary}">'
            f'<span class="lk-who">{html.escape(who)}</span>'
            f'<span class="lk-bar">{"".join(segs)}<span class="lk-mid"></span></span></div>'
        )
    out.append("</div>")
    return "".join(out)


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


def funnel_svg(cmp: pd.DataFrame, title: str, highlight: Any = None) -> str:
    """A funnel plot drawn directly as inline SVG (no raster, no matplotlib: fast and sharp).

    Points are groups (``highlight`` in orange, flagged groups labelled); the lines are the
    benchmark and its 95 % (dotted) and 99.8 % (dashed) control limits, from
    :func:`~leadership_eval.compare.funnel_limits` at the benchmark's overall mean and SD.

    Parameters
    ----------
    cmp : pandas.DataFrame
        A frame from :func:`~leadership_eval.compare_to_benchmark` (kind mean).
    title : str
        The chart's title (also its accessible name).
    highlight : optional
        The group to mark.

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    from ..compare import funnel_limits

    w, h, left, right, top, bottom = 420.0, 270.0, 46.0, 12.0, 28.0, 36.0
    info = cmp.attrs.get("funnel", {})
    shown = cmp[cmp["flag"] != "suppressed"].dropna(subset=["mean", "n"])
    centre, sd = info.get("centre"), info.get("sd")
    parts: list[str] = []
    if not len(shown) or centre is None or sd is None or not np.isfinite(sd):
        return ""
    n_lo = max(2.0, float(shown["n"].min()) * 0.8)
    n_hi = max(float(shown["n"].max()) * 1.08, n_lo + 5)
    grid = np.unique(np.linspace(n_lo, n_hi, 60).round())
    lim = funnel_limits(grid, centre, kind="mean", sd=sd)
    y_values = np.concatenate(
        [
            shown["mean"].to_numpy(float),
            lim["lower_998"].to_numpy(float),
            lim["upper_998"].to_numpy(float),
        ]
    )
    y_lo, y_hi = float(np.nanmin(y_values)), float(np.nanmax(y_values))
    pad = (y_hi - y_lo) * 0.06 or 0.1
    y_lo, y_hi = y_lo - pad, y_hi + pad

    def x(v: float) -> float:
        return left + (v - n_lo) / (n_hi - n_lo) * (w - left - right)

    def y(v: float) -> float:
        return top + (y_hi - v) / (y_hi - y_lo) * (h - top - bottom)

    esc = html.escape
    parts.append(
        f'<svg class="funnel" viewBox="0 0 {w:.0f} {h:.0f}" role="img" '
        f'aria-label="Funnel plot: {esc(title)}">'
    )
    parts.append(
        f'<text x="{w / 2:.0f}" y="16" text-anchor="middle" class="ft">{esc(title)}</text>'
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
    for col, cls in (("95", "f95"), ("998", "f998")):
        for side in ("lower", "upper"):
            pts = " ".join(
                f"{x(n):.1f},{y(v):.1f}"
                for n, v in zip(lim["n"], lim[f"{side}_{col}"], strict=True)
                if np.isfinite(v)
            )
            parts.append(f'<polyline points="{pts}" class="{cls}"/>')
    for _, r in shown.iterrows():
        mine = highlight is not None and r["group"] == highlight
        cls = "fp fh" if mine else "fp"
        label = f"{r['group']}: mean {float(r['mean']):.2f}, {int(r['n'])} responses"
        parts.append(
            f'<circle cx="{x(float(r["n"])):.1f}" cy="{y(float(r["mean"])):.1f}" '
            f'r="{6 if mine else 3.5}" class="{cls}"><title>{esc(label)}</title></circle>'
        )
        if mine or r["flag"] in ("low", "high"):
            parts.append(
                f'<text x="{x(float(r["n"])) + 7:.1f}" y="{y(float(r["mean"])) - 5:.1f}" '
                f'class="fl{" fb" if mine else ""}">{esc(str(r["group"]))}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
