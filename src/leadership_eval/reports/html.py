"""HTML rendering for reports: Jinja2 templates, embedded figures, tables with suppressed cells."""

from __future__ import annotations

import base64
import html
import io
import numbers
from collections.abc import Sequence
from typing import Any

import pandas as pd

__all__ = ["SUPPRESSED", "figure_to_uri", "render", "table_html"]

SUPPRESSED = "–"
"""What a suppressed cell shows (an en dash, explained under every table that has one)."""


def figure_to_uri(fig: Any) -> str:
    """Embed a matplotlib figure as a ``data:`` URI (SVG: sharp at any zoom), closing it."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "leadership-eval"}):
        fig.savefig(buf, format="svg")
    plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _cell(value: Any, fmt: str | None) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return f'<td class="sup" title="not shown to protect confidentiality">{SUPPRESSED}</td>'
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        if isinstance(value, numbers.Integral):
            text = format(int(value), fmt or ",")
        else:
            text = format(float(value), fmt or ".2f")  # type: ignore[arg-type]
        return f'<td class="num">{html.escape(text)}</td>'
    return f"<td>{html.escape(str(value))}</td>"


def table_html(
    frame: pd.DataFrame,
    *,
    caption: str | None = None,
    formats: dict[str, str] | None = None,
    index: bool = True,
    highlight_rows: Sequence[Any] = (),
    css_class: str = "data",
) -> str:
    """Render a frame as an accessible HTML table; NA cells show as suppressed."""
    formats = formats or {}
    parts = [f'<div class="table-wrap"><table class="{css_class}">']
    if caption:
        parts.append(f"<caption>{html.escape(caption)}</caption>")
    head = "".join(f'<th scope="col">{html.escape(str(c))}</th>' for c in frame.columns)
    index_head = f'<th scope="col">{html.escape(str(frame.index.name or ""))}</th>' if index else ""
    parts.append(f"<thead><tr>{index_head}{head}</tr></thead><tbody>")
    for label, row in frame.iterrows():
        cls = ' class="highlight"' if label in highlight_rows else ""
        cells = "".join(_cell(row[c], formats.get(str(c))) for c in frame.columns)
        row_head = f'<th scope="row">{html.escape(str(label))}</th>' if index else ""
        parts.append(f"<tr{cls}>{row_head}{cells}</tr>")
    parts.append("</tbody></table></div>")
    if frame.isna().to_numpy().any():
        parts.append(
            f'<p class="note">{SUPPRESSED} not shown: based on too few responses, or would let '
            "a small number be worked out from the totals.</p>"
        )
    return "".join(parts)


def render(template: str, **context: Any) -> str:
    """Render one of the package's report templates."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("leadership_eval.reports", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template(template).render(**context)
