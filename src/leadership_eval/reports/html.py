"""HTML rendering for reports: Jinja2 templates, embedded figures, tables with suppressed cells."""

from __future__ import annotations

import functools
import html
import numbers
from collections.abc import Sequence
from typing import Any

from ..errors import ArgumentError

__all__ = ["MISSING", "SUPPRESSED", "render", "table_html"]

SUPPRESSED = "–"
"""What a suppressed cell shows (an en dash, explained under every table that has one)."""

MISSING = "n/a"
"""What a cell without data shows (nobody answered): not the same as a suppressed cell."""


_STATUS_TEXT = {
    "suppressed": (SUPPRESSED, "sup", "not shown to protect confidentiality"),
    "missing": (MISSING, "na", "no data"),
    "dominated": ("almost all", "dom", "all, or all but one, gave this answer"),
}


def _cell(value: Any, status: str, fmt: str | None) -> str:
    if status != "shown":
        text, cls, title = _STATUS_TEXT.get(status, (SUPPRESSED, "sup", status))
        if status == "dominated" and value is None:
            text = ""
        return f'<td class="{cls}" title="{title}">{html.escape(text)}</td>'
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        if isinstance(value, numbers.Integral):
            text = format(int(value), fmt if fmt and fmt != ",d" else ",")
        else:
            text = format(float(value), fmt or ".2f")  # type: ignore[arg-type]
        return f'<td class="num">{html.escape(text)}</td>'
    return f"<td>{html.escape(str(value))}</td>"


def table_html(
    table: Any,
    *,
    caption: str | None = None,
    index: bool = True,
    highlight_rows: Sequence[Any] = (),
    css_class: str = "data",
) -> str:
    """Render a published table as an accessible HTML table.

    Only a :class:`~leadership_eval.reports.publish.PublishedTable` is accepted: a raw frame
    has not passed disclosure control. Suppressed cells show an en dash and cells without data
    "n/a", each explained under the table.
    """
    from .publish import PublishedTable

    if not isinstance(table, PublishedTable):
        raise ArgumentError(
            "table_html renders published tables only (PublishedTable); a "
            f"{type(table).__name__} has not passed disclosure control"
        )
    formats = dict(table.formats)
    parts = [f'<div class="table-wrap"><table class="{css_class}">']
    if caption:
        parts.append(f"<caption>{html.escape(caption)}</caption>")
    head = "".join(f'<th scope="col">{html.escape(str(c))}</th>' for c in table.columns)
    index_head = f'<th scope="col">{html.escape(table.index_name)}</th>' if index else ""
    parts.append(f"<thead><tr>{index_head}{head}</tr></thead><tbody>")
    for label, values, statuses in zip(table.index, table.values, table.status, strict=True):
        cls = ' class="highlight"' if label in highlight_rows else ""
        cells = "".join(
            _cell(v, st, formats.get(c))
            for c, v, st in zip(table.columns, values, statuses, strict=True)
        )
        row_head = f'<th scope="row">{html.escape(str(label))}</th>' if index else ""
        parts.append(f"<tr{cls}>{row_head}{cells}</tr>")
    parts.append("</tbody></table></div>")
    seen = {st for row in table.status for st in row}
    if "suppressed" in seen:
        parts.append(
            f'<p class="note">{SUPPRESSED} not shown: based on too few responses, or would let '
            "a small number be worked out from the totals.</p>"
        )
    if "missing" in seen:
        parts.append(f'<p class="note">{MISSING}: no data (nobody answered, or not asked).</p>')
    if "dominated" in seen:
        parts.append(
            '<p class="note">“almost all”: in a small group all, or all but one, gave this '
            "answer; the exact split is not shown, so nobody's own answer can be read from "
            "it.</p>"
        )
    return "".join(parts)


def render(template: str, **context: Any) -> str:
    """Render one of the package's report templates."""
    return _environment().get_template(template).render(**context)


@functools.lru_cache(maxsize=1)
def _environment() -> Any:
    """The templates' environment, made once: it compiles each template once and keeps it
    (reloading a template whose file changed)."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("leadership_eval.reports", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
