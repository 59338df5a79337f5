"""Print packs: interview guides, co-researcher guidance and codebooks as HTML or Word.

Co-researchers take paper into interviews and NHS staff edit Word documents, so every
non-survey instrument can be written as a self-contained HTML page for printing or as a
``.docx`` (through python-docx) that opens and edits in Word, LibreOffice or Google Docs:

* an **interview guide** starts with a one-page topic grid (each topic with its running clock,
  minutes, main questions and probes) to keep on the table during the interview, then the full
  script: purpose, how to run it, the consent script, every topic with its questions, probes
  and notes, and the closing words;
* **guidance** starts with a one-page list of its sections and every "never" rule, then the
  full text, each section's "never" rules in a box;
* a **codebook** starts with its code tree on one page, then every code's definition, what to
  include and exclude, and examples.

Both formats hold the same text in the same order (:func:`print_pack_blocks` builds it once).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..errors import ArgumentError, ConfigurationError
from ..instruments.models import Code, Codebook, Guidance, InterviewGuide, text_in
from .common import check_language

__all__ = ["Block", "print_pack_blocks", "to_print_pack"]

Instrument = InterviewGuide | Guidance | Codebook


@dataclass
class Block:
    """One piece of a print pack.

    Attributes
    ----------
    kind : str
        ``title``, ``subtitle``, ``heading`` (``level`` 2 or 3), ``paragraph``, ``bullets``
        (``items``), ``box`` (a boxed paragraph or list: consent script, "never" rules),
        ``table`` (``header`` and ``rows`` of cell texts; a cell may be a list of bullets) or
        ``page_break``.
    """

    kind: str
    text: str = ""
    level: int = 2
    items: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    label: str = ""


def _t(value: Any, lang: str) -> str:
    return text_in(value, lang) if value is not None else ""


def print_pack_blocks(instrument: Instrument, language: str = "en") -> list[Block]:
    """The content of an instrument's print pack, in order (see the module notes).

    Parameters
    ----------
    instrument : InterviewGuide, Guidance or Codebook
    language : str

    Returns
    -------
    list of Block

    Raises
    ------
    TypeError
        For a survey (print it with :func:`~leadership_eval.interop.printable.to_printable`)
        or anything else.
    """
    if isinstance(instrument, InterviewGuide):
        return _guide(instrument, language)
    if isinstance(instrument, Guidance):
        return _guidance(instrument, language)
    if isinstance(instrument, Codebook):
        return _codebook(instrument, language)
    kind = getattr(instrument, "kind", type(instrument).__name__)
    raise ArgumentError(
        f"print packs are made of interview guides, guidance and codebooks, not a {kind}; "
        "print a survey with to_printable"
    )


def _front(doc: Instrument, lang: str) -> list[Block]:
    blocks = [Block("title", _t(doc.title, lang))]
    blocks.append(Block("subtitle", f"{doc.id} version {doc.version}"))
    return blocks


def _guide(guide: InterviewGuide, lang: str) -> list[Block]:
    blocks = _front(guide, lang)
    total = sum(t.minutes or 0 for t in guide.topics)
    blocks.append(
        Block(
            "paragraph",
            f"Topic grid: about {guide.duration_minutes} minutes in all "
            f"({total} minutes of topics). Keep this page in front of you; the full script "
            "follows.",
        )
    )
    rows: list[list[Any]] = []
    clock = 0
    for n, topic in enumerate(guide.topics, start=1):
        minutes = topic.minutes or 0
        when = f"{clock}-{clock + minutes}" if minutes else ""
        clock += minutes
        questions = [_t(q.text, lang) for q in topic.questions]
        probes = [_t(p, lang) for q in topic.questions for p in q.probes]
        rows.append(
            [f"{n}. {_t(topic.title, lang)}", f"{minutes} min\n({when})", questions, probes]
        )
    blocks.append(
        Block(
            "table", header=["Topic", "Time", "Main questions", "Probes"], rows=rows, label="grid"
        )
    )
    blocks.append(Block("page_break"))
    blocks.append(Block("heading", "Full interview script", level=2))
    if guide.description:
        blocks.append(Block("paragraph", _t(guide.description, lang)))
    blocks.append(Block("heading", "Purpose", level=3))
    blocks.append(Block("paragraph", _t(guide.purpose, lang)))
    if guide.guidance:
        blocks.append(Block("heading", "How to run the interview", level=3))
        blocks.append(Block("bullets", items=[_t(g, lang) for g in guide.guidance]))
    blocks.append(Block("heading", "Consent (read in your own words, cover every point)", level=3))
    blocks.append(Block("box", _t(guide.consent_script, lang)))
    for n, topic in enumerate(guide.topics, start=1):
        length = f" ({topic.minutes} minutes)" if topic.minutes else ""
        blocks.append(Block("heading", f"{n}. {_t(topic.title, lang)}{length}", level=3))
        if topic.purpose:
            blocks.append(Block("paragraph", f"Purpose: {_t(topic.purpose, lang)}"))
        for k, q in enumerate(topic.questions, start=1):
            blocks.append(Block("paragraph", f"{n}.{k} {_t(q.text, lang)}", label="question"))
            if q.probes:
                blocks.append(
                    Block("bullets", items=[_t(p, lang) for p in q.probes], label="probes")
                )
            if q.notes:
                blocks.append(Block("paragraph", f"Note: {_t(q.notes, lang)}", label="note"))
    if guide.closing:
        blocks.append(Block("heading", "Closing", level=3))
        blocks.append(Block("box", _t(guide.closing, lang)))
    return blocks


def _guidance(doc: Guidance, lang: str) -> list[Block]:
    blocks = _front(doc, lang)
    blocks.append(Block("paragraph", f"For: {doc.audience}."))
    blocks.append(Block("heading", "At a glance", level=2))
    blocks.append(
        Block("bullets", items=[f"{n}. {_t(s.title, lang)}" for n, s in enumerate(doc.sections, 1)])
    )
    nevers = [_t(x, lang) for s in doc.sections for x in s.never]
    if nevers:
        blocks.append(Block("heading", "Never", level=3))
        blocks.append(Block("box", items=nevers))
    blocks.append(Block("page_break"))
    if doc.description:
        blocks.append(Block("paragraph", _t(doc.description, lang)))
    for n, section in enumerate(doc.sections, start=1):
        blocks.append(Block("heading", f"{n}. {_t(section.title, lang)}", level=2))
        if section.body:
            blocks.append(Block("paragraph", _t(section.body, lang)))
        if section.points:
            blocks.append(Block("bullets", items=[_t(p, lang) for p in section.points]))
        if section.never:
            blocks.append(Block("box", "Never:", items=[_t(p, lang) for p in section.never]))
    return blocks


def _codebook(book: Codebook, lang: str) -> list[Block]:
    blocks = _front(book, lang)
    blocks.append(Block("heading", "Code tree", level=2))
    tree: list[str] = []

    def walk(codes: list[Code], depth: int) -> None:
        for c in codes:
            tree.append(f"{'    ' * depth}{_t(c.label, lang)} [{c.id}]")
            walk(c.codes, depth + 1)

    walk(book.codes, 0)
    blocks.append(Block("bullets", items=tree, label="tree"))
    blocks.append(Block("page_break"))
    if book.description:
        blocks.append(Block("paragraph", _t(book.description, lang)))
    if book.approach:
        blocks.append(Block("heading", "Approach", level=2))
        blocks.append(Block("paragraph", _t(book.approach, lang)))

    def detail(codes: list[Code], level: int) -> None:
        for c in codes:
            blocks.append(Block("heading", f"{_t(c.label, lang)} [{c.id}]", level=min(level, 3)))
            blocks.append(Block("paragraph", _t(c.definition, lang)))
            for head, values in (
                ("Include", c.include),
                ("Exclude", c.exclude),
                ("Examples", c.examples),
            ):
                if values:
                    blocks.append(Block("paragraph", f"{head}:", label="lead"))
                    blocks.append(Block("bullets", items=[_t(v, lang) for v in values]))
            detail(c.codes, level + 1)

    detail(book.codes, 2)
    return blocks


# ------------------------------------------------------------------------------------ HTML

_CSS = """
* { box-sizing: border-box; }
body { font-family: Arial, Helvetica, sans-serif; font-size: 11pt; line-height: 1.4;
       color: #111; background: #fff; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .2rem; }
h2 { font-size: 1.2rem; border-bottom: 2px solid #111; margin: 1.2rem 0 .4rem;
     break-after: avoid; page-break-after: avoid; }
h3 { font-size: 1.05rem; margin: 1rem 0 .3rem; break-after: avoid; page-break-after: avoid; }
.subtitle { font-size: .85rem; color: #333; margin: 0 0 .6rem; }
.box { border: 2px solid #111; padding: .5rem .8rem; margin: .4rem 0 .8rem;
       break-inside: avoid; page-break-inside: avoid; }
.question { font-weight: bold; margin: .6rem 0 .2rem; }
.note { font-style: italic; }
ul.tree { list-style: none; padding-left: 0; white-space: pre-wrap; }
table.grid { width: 100%; border-collapse: collapse; font-size: .8rem; line-height: 1.2;
             table-layout: fixed; }
table.grid th, table.grid td { border: 1px solid #555; padding: .25rem .35rem; vertical-align: top;
                               text-align: left; }
table.grid th { background: #eee; }
table.grid ul { margin: 0; padding-left: 1rem; }
table.grid th:nth-child(1) { width: 17%; }
table.grid th:nth-child(2) { width: 9%; }
table.grid th:nth-child(3) { width: 38%; }
table.grid th:nth-child(4) { width: 36%; }
table.grid td:nth-child(2) { white-space: pre-line; }
table.grid tr { break-inside: avoid; page-break-inside: avoid; }
.page-break { break-after: page; page-break-after: always; height: 0; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  table.grid { font-size: 8pt; }
  @page { size: A4; margin: 11mm 11mm; }
  .page-break { border: 0; }
}
@media screen { .page-break { border-top: 1px dashed #999; margin: 1.5rem 0; } }
"""


def _html(blocks: list[Block], lang: str) -> str:
    e = html.escape
    title = next((b.text for b in blocks if b.kind == "title"), "")
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{e(lang)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
    ]

    def items(values: list[str], cls: str = "") -> str:
        c = f' class="{cls}"' if cls else ""
        return f"<ul{c}>" + "".join(f"<li>{e(v)}</li>" for v in values) + "</ul>"

    for b in blocks:
        if b.kind == "title":
            out.append(f"<h1>{e(b.text)}</h1>")
        elif b.kind == "subtitle":
            out.append(f'<p class="subtitle">{e(b.text)}</p>')
        elif b.kind == "heading":
            out.append(f"<h{b.level}>{e(b.text)}</h{b.level}>")
        elif b.kind == "paragraph":
            cls = f' class="{b.label}"' if b.label in ("question", "note") else ""
            text = f"<strong>{e(b.text)}</strong>" if b.label == "lead" else e(b.text)
            out.append(f"<p{cls}>{text}</p>")
        elif b.kind == "bullets":
            out.append(items(b.items, "tree" if b.label == "tree" else ""))
        elif b.kind == "box":
            inner = f"<p><strong>{e(b.text)}</strong></p>" if b.items else f"<p>{e(b.text)}</p>"
            if not b.text:
                inner = ""
            out.append(f'<div class="box">{inner}{items(b.items) if b.items else ""}</div>')
        elif b.kind == "table":
            head = "".join(f'<th scope="col">{e(h)}</th>' for h in b.header)
            rows = []
            for row in b.rows:
                cells = []
                for cell in row:
                    body = items(cell) if isinstance(cell, list) else e(str(cell))
                    cells.append(f"<td>{body}</td>")
                rows.append("<tr>" + "".join(cells) + "</tr>")
            out.append(
                f'<table class="{b.label or "grid"}"><thead><tr>{head}</tr></thead><tbody>'
                + "".join(rows)
                + "</tbody></table>"
            )
        elif b.kind == "page_break":
            out.append('<div class="page-break" role="presentation"></div>')
    out += ["</main>", "</body>", "</html>", ""]
    return "\n".join(out)


# ------------------------------------------------------------------------------------ Word


def _docx(blocks: list[Block], path: Path) -> None:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_BREAK
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(15))
    doc.styles["Normal"].font.name = "Arial"
    doc.styles["Normal"].font.size = Pt(10.5)
    for b in blocks:
        if b.kind == "title":
            doc.add_heading(b.text, level=0)
        elif b.kind == "subtitle":
            doc.add_paragraph(b.text).runs[0].font.size = Pt(8.5)
        elif b.kind == "heading":
            doc.add_heading(b.text, level=1 if b.level <= 2 else 2)
        elif b.kind == "paragraph":
            p = doc.add_paragraph()
            run = p.add_run(b.text)
            run.bold = b.label in ("question", "lead")
            run.italic = b.label == "note"
        elif b.kind == "bullets":
            _docx_bullets(doc, b)
        elif b.kind == "box":
            _docx_box(doc, b)
        elif b.kind == "table":
            _docx_table(doc, b)
        elif b.kind == "page_break":
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    props = doc.core_properties
    props.title = next((b.text for b in blocks if b.kind == "title"), "")
    props.author = "leadership-eval"
    doc.save(str(path))


def _docx_bullets(doc: Any, b: Block) -> None:
    for item in b.items:
        if b.label == "tree":
            depth = (len(item) - len(item.lstrip(" "))) // 4
            style = "List Bullet" if depth == 0 else "List Bullet 2"
            doc.add_paragraph(item.strip(), style=style)
        else:
            doc.add_paragraph(item, style="List Bullet")


def _docx_boxed(paragraph: Any) -> None:
    """A single black border round a paragraph (a box to write in, or a note)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    for edge in ("top", "left", "bottom", "right"):
        el = OxmlElement(f"w:{edge}")
        for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "4")):
            el.set(qn(key), value)
        el.set(qn("w:color"), "000000")
        borders.append(el)
    ppr.append(borders)


def _docx_box(doc: Any, b: Block) -> None:
    if b.text:
        p = doc.add_paragraph()
        p.add_run(b.text).bold = bool(b.items)
        _docx_boxed(p)
    for item in b.items:
        p = doc.add_paragraph(f"\u2022 {item}")
        _docx_boxed(p)


def _docx_table(doc: Any, b: Block) -> None:
    from docx.shared import Mm, Pt

    table = doc.add_table(rows=1, cols=len(b.header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, b.header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in b.rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            if isinstance(value, list):
                cell.text = ""
                for k, item in enumerate(value):
                    par = cell.paragraphs[0] if k == 0 else cell.add_paragraph()
                    par.add_run(f"\u2022 {item}")
            else:
                cell.text = str(value)
            for par in cell.paragraphs:
                for run in par.runs:
                    run.font.size = Pt(8.5)
    widths = [Mm(34), Mm(17), Mm(64), Mm(65)]
    if len(b.header) == len(widths):
        for row in table.rows:
            for cell, width in zip(row.cells, widths, strict=True):
                cell.width = width


def to_print_pack(
    instrument: Instrument,
    path: str | Path | None = None,
    format: Literal["html", "docx"] | None = None,
    language: str = "en",
) -> str | Path:
    """An interview guide, guidance or codebook for print: HTML, or Word (``.docx``).

    Parameters
    ----------
    instrument : InterviewGuide, Guidance or Codebook
    path : str or pathlib.Path, optional
        The file to write. Required for ``docx``; for ``html`` the page is also returned.
    format : {"html", "docx"}, optional
        By default from ``path``'s extension (``.docx`` or ``.html``), else ``html``.
    language : str
        The language of the texts.

    Returns
    -------
    str or pathlib.Path
        The HTML page (``html``), or ``path`` (``docx``).

    Raises
    ------
    TypeError
        For a survey (see :func:`~leadership_eval.interop.printable.to_printable`).
    ValueError
        An unknown format (or a path whose extension is not ``.html`` or ``.docx``, without
        ``format``), ``docx`` without a path, or a path that is a folder.

    Notes
    -----
    An interview guide's first page is its topic grid (topic, minutes with the running clock,
    main questions, probes); the full script starts on the second page. The HTML is one
    self-contained file with A4 print rules; the Word file is A4 with Word's own heading,
    list and table styles, so it can be edited as any document.

    Examples
    --------
    >>> from leadership_eval.instruments.loader import load_instrument
    >>> page = to_print_pack(load_instrument("interview-trainee"))
    >>> "<th scope=\\"col\\">Probes</th>" in page and "Full interview script" in page
    True
    """
    if path is not None and not isinstance(path, str | Path):
        raise ArgumentError(f"path must be a file path (str or Path), not {type(path).__name__}")
    fmt = format
    suffix = Path(path).suffix.lower() if path is not None else ""
    if fmt is None and suffix not in ("", ".html", ".htm", ".docx"):
        raise ConfigurationError(
            f"{path}: a print pack is written as .html or .docx, not {suffix}; name the file "
            "with one of those, or pass format=",
            code="unknown-format",
        )
    if fmt is None:
        fmt = "docx" if suffix == ".docx" else "html"
    if path is not None and Path(path).is_dir():
        raise ConfigurationError(
            f"{path} is a folder: give the path of the file to write (e.g. {Path(path) / 'guide'}"
            f".{fmt})",
            code="missing-path",
        )
    if fmt not in ("html", "docx"):
        raise ConfigurationError(
            f"format must be 'html' or 'docx', not {fmt!r}", code="unknown-format"
        )
    if isinstance(instrument, InterviewGuide | Guidance | Codebook):
        check_language(instrument, language)
    blocks = print_pack_blocks(instrument, language)
    if fmt == "docx":
        if path is None:
            raise ConfigurationError(
                "a .docx print pack needs a path to write to", code="missing-path"
            )
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        _docx(blocks, p)
        return p
    page = _html(blocks, language)
    if path is not None:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(page, encoding="utf-8")
    return page
