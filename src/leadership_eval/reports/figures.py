"""Report figures: funnel-plot panels (matplotlib) and diverging Likert bars (HTML and CSS).

Reports draw many small charts. The diverging bars are plain HTML and CSS (crisp on a phone,
readable by screen readers, printable, and free to render); the funnel plots of all scales share
one matplotlib figure per report.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["funnel_panels", "likert_bars_html"]

_COLOURS = {"Disagree": "#b35806", "Neutral": "#d8d8d8", "Agree": "#542788"}


def funnel_panels(
    comparisons: Mapping[str, pd.DataFrame], highlight: Any = None, ncols: int = 2
) -> Any:
    """One funnel plot per scale, as panels of one figure.

    Parameters
    ----------
    comparisons : mapping
        Panel title -> frame from :func:`~leadership_eval.compare_to_benchmark` (kind mean).
    highlight : optional
        The group to mark (a trust's own report).
    ncols : int
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from ..compare import funnel_limits

    k = max(1, len(comparisons))
    ncols = min(ncols, k)
    nrows = math.ceil(k / ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(4.2 * ncols, 3.1 * nrows), squeeze=False, layout="constrained"
    )
    for ax in axes.flat[k:]:
        ax.set_visible(False)
    for ax, (title, cmp) in zip(axes.flat, comparisons.items(), strict=False):
        info = cmp.attrs.get("funnel", {})
        shown = cmp[cmp["flag"] != "suppressed"].dropna(subset=["mean", "n"])
        centre = info.get("centre")
        sd = info.get("sd")
        if len(shown) and centre is not None and sd is not None and np.isfinite(sd):
            n_max = max(float(shown["n"].max()) * 1.1, 10.0)
            grid = np.unique(np.linspace(max(2.0, float(shown["n"].min()) * 0.8), n_max, 80).round())
            lim = funnel_limits(grid, centre, kind="mean", sd=sd)
            ax.axhline(centre, color="#333333", lw=0.9)
            for col, style in (("95", ":"), ("998", "--")):
                ax.plot(lim["n"], lim[f"lower_{col}"], style, color="#555555", lw=0.9)
                ax.plot(lim["n"], lim[f"upper_{col}"], style, color="#555555", lw=0.9)
        others = shown[shown["group"] != highlight]
        ax.scatter(others["n"], others["mean"], s=18, color="#7f9bb8", zorder=3)
        flagged = others[others["flag"].isin(["low", "high"])]
        for _, r in flagged.iterrows():
            ax.annotate(str(r["group"]), (r["n"], r["mean"]), fontsize=7, xytext=(3, 3),
                        textcoords="offset points")
        mine = shown[shown["group"] == highlight]
        if len(mine):
            ax.scatter(mine["n"], mine["mean"], s=60, color="#d95f02", edgecolor="black",
                       zorder=4, label=str(highlight))
            ax.legend(loc="lower right", fontsize=7, frameon=False)
        ax.set_title(title, fontsize=9.5)
        ax.set_xlabel("Responses", fontsize=8)
        ax.set_ylabel("Mean score", fontsize=8)
        ax.tick_params(labelsize=7.5)
        ax.spines[["top", "right"]].set_visible(False)
    return fig


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
        + "".join(
            f'<span><i style="background:{c}"></i>{k}</span>' for k, c in _COLOURS.items()
        )
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
