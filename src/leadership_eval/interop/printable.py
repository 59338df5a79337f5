"""Printable questionnaires: HTML (self-contained, print-ready, accessible) and Markdown.

For paper administration, for respondents who cannot use the online form, and for ethics
committees and appendices. Questions are numbered through the whole survey; skip logic is
written out in plain words ("Answer this question only if question 3 is FY1"); options get tick
boxes (real form controls in HTML, each with its label, so screen readers read them).

The layout is made for paper: consecutive questions of a section that share one choice list
(a run of Likert statements, or "how did it come about?" for each activity) are one grid, a
row per question and a column per option; long option lists run in two or three columns; a
date has three boxes, ``YYYY``, ``MM`` and ``DD``. The survey's respondent id is never printed:
it is the analyst's, added when the form is keyed in.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any, Literal

from ..errors import ConfigurationError
from ..instruments.loader import as_survey
from ..instruments.models import ChoiceList, Item, Survey, text_in
from .common import check_language, number_text

__all__ = ["to_printable"]

_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font-family: Arial, Helvetica, sans-serif; font-size: 11pt; line-height: 1.35;
       color: #111; background: #fff; max-width: 48rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.45rem; margin: 0 0 .2rem; }
h2 { font-size: 1.1rem; border-bottom: 2px solid #111; padding-bottom: .1rem;
     margin: 1.1rem 0 .45rem; break-after: avoid; page-break-after: avoid; }
.intro, .section-description { color: #222; margin: .2rem 0 .5rem; }
fieldset, .question { border: 0; padding: 0; margin: 0 0 .7rem; break-inside: avoid;
       page-break-inside: avoid; }
legend, .question-text { font-weight: bold; padding: 0; }
.number { display: inline-block; min-width: 1.9rem; }
.required { font-weight: normal; font-style: italic; }
.hint { font-size: .9rem; color: #222; margin: .1rem 0 .25rem 1.9rem; }
.skip { font-size: .9rem; font-style: italic; margin: .1rem 0 .25rem 1.9rem;
        border-left: 3px solid #111; padding-left: .4rem; }
.options { list-style: none; margin: .2rem 0 0 1.9rem; padding: 0; }
.options.cols-2 { columns: 2; column-gap: 1.2rem; }
.options.cols-3 { columns: 3; column-gap: 1rem; }
.options.inline li { display: inline-block; margin-right: 1.4rem; }
.options li { margin: .12rem 0; break-inside: avoid; page-break-inside: avoid; }
.options input { display: inline-block; width: .95rem; height: .95rem; margin: 0 .35rem 0 0;
                 vertical-align: -.12rem; accent-color: #111; }
.missing-option { font-style: italic; }
.code { font-size: .75rem; color: #333; margin-left: .3rem; font-family: monospace; }
.answer-box { display: block; width: calc(100% - 1.9rem); margin: .25rem 0 0 1.9rem;
              min-height: 1.7rem; border: 1px solid #333; font: inherit; padding: .2rem; }
textarea.answer-box { min-height: 2.6rem; }
textarea.answer-box.long { min-height: 3.6rem; }
.date-boxes { margin: .25rem 0 0 1.9rem; }
.date-boxes label { font-size: .85rem; margin-right: .2rem; }
.date-boxes input { width: 3.4rem; height: 1.6rem; border: 1px solid #333; font: inherit;
                    margin-right: .6rem; text-align: center; }
.date-boxes input.year { width: 4.6rem; }
input.number-box { width: 7rem; height: 1.6rem; border: 1px solid #333; font: inherit;
                   margin: .25rem 0 0 1.9rem; }
table.grid { width: 100%; border-collapse: collapse; margin: .2rem 0 .8rem; font-size: .95rem;
             table-layout: fixed; }
table.grid.short { break-inside: avoid; page-break-inside: avoid; }
table.grid thead { display: table-header-group; }
table.grid caption { text-align: left; font-weight: bold; padding-bottom: .2rem; }
table.grid th, table.grid td { border-bottom: 1px solid #999; padding: .18rem .2rem; }
table.grid thead th { font-size: .78rem; font-weight: normal; vertical-align: bottom;
                      text-align: center; border-bottom: 1.5px solid #111; }
table.grid tbody th, table.grid thead td { text-align: left; font-weight: normal; width: 46%; }
table.grid td { text-align: center; }
table.grid tr { break-inside: avoid; page-break-inside: avoid; }
table.grid .row-skip { display: block; font-size: .8rem; font-style: italic; }
table.grid input { display: inline-block; width: .95rem; height: .95rem; margin: 0;
                   accent-color: #111; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden;
                   clip: rect(0 0 0 0); white-space: nowrap; }
.note { border: none; padding: .1rem 0; margin: 0 0 .5rem; font-style: italic; }
.office { font-size: .8rem; color: #333; margin: 0 0 .4rem; }
:focus-visible { outline: 3px solid #1a4fd6; outline-offset: 2px; }
@media print {
  body { margin: 0; max-width: none; font-size: 9.5pt; line-height: 1.22; }
  a { color: #000; }
  @page { size: A4; margin: 11mm 12mm; }
}
"""


def _shown_items(survey: Survey) -> list[Item]:
    """The items on paper: all but the respondent id (the analyst's, never the respondent's)."""
    return [i for i in survey.items if i.id != survey.respondent_id]


def _number_items(survey: Survey) -> dict[str, int]:
    numbers: dict[str, int] = {}
    for item in _shown_items(survey):
        if item.is_question:
            numbers[item.id] = len(numbers) + 1
    return numbers


def _grids(survey: Survey) -> dict[str, list[Item]]:
    """First item id -> the run of consecutive single-choice items of a section on one list."""
    out: dict[str, list[Item]] = {}
    for section in survey.sections:
        run: list[Item] = []
        items = [i for i in section.items if i.id != survey.respondent_id]
        for item in [*items, None]:
            if (
                item is not None
                and item.type in ("likert", "choice")
                and (not run or run[-1].choices == item.choices)
            ):
                run.append(item)
                continue
            if len(run) >= 2:
                out[run[0].id] = list(run)
            run = [item] if item is not None and item.type in ("likert", "choice") else []
    return out


def _consent_gate(survey: Survey) -> tuple[Item, Any] | None:
    """The consent question (an item tagged ``consent``) and the condition of agreeing to it."""
    from ..instruments.expressions import parse_expression

    for item in survey.items:
        cl = survey.choices_for(item)
        if "consent" in item.tags and cl is not None and cl.options:
            return item, parse_expression(f"{item.id} == {cl.options[0].code!r}")
    return None


def _skip_text(survey: Survey, item: Item, numbers: dict[str, int], language: str) -> str:
    from ..instruments.expressions import ExpressionError, parse_expression

    gate = _consent_gate(survey)
    if gate is not None:  # said once, at the consent question, not under every question
        gate_item, agreed = gate
        cl = survey.choices_for(gate_item)
        if item.id == gate_item.id and cl is not None and len(cl.all_codes) > 1:
            declined = text_in(cl.label_of(cl.all_codes[-1]), language)
            return f"If you answered “{declined}”, stop here: the other questions are not for you."
        try:
            if item.show_if and parse_expression(item.show_if) == agreed:
                return ""
        except ExpressionError:
            pass
    if not item.show_if:
        return ""
    labels: dict[Any, str] = {}
    for other in survey.items:
        if other.id in numbers:
            labels[other.id] = f"question {numbers[other.id]}"
        cl = survey.choices_for(other)
        if cl is not None:
            for opt in (*cl.options, *cl.missing):
                labels[(other.id, opt.code)] = f"“{text_in(opt.label, language)}”"
    types = {i.id: i.type for i in survey.items}
    try:
        words = parse_expression(item.show_if).describe(labels, types)
    except ExpressionError:
        words = item.show_if
    return f"Answer this question only if {words}."


def to_printable(
    survey: Survey | str | Path,
    path: str | Path | None = None,
    format: Literal["html", "markdown"] = "html",
    language: str = "en",
    office_codes: bool = False,
) -> str:
    """A printable questionnaire, as HTML or Markdown.

    Parameters
    ----------
    survey : Survey, or a path or bundled id
    path : str or pathlib.Path, optional
        Also write the document here.
    format : {"html", "markdown"}
        HTML is one self-contained file (inline CSS with print rules for A4, no scripts, no
        external resources), with a heading per section, a ``fieldset``/``legend`` per choice
        question, a table per grid of questions sharing a choice list, and a labelled control
        per option. Markdown uses ``- [ ]`` tick boxes and tables for grids.
    language : str
        The language of the texts (falling back to English, then to the first language).
    office_codes : bool
        Print each option's data code ("Office use") beside it.

    Returns
    -------
    str
        The document.

    Notes
    -----
    The survey's respondent id item is left out (it is keyed in from the platform or by the
    analyst, never asked). Consecutive ``likert`` or ``choice`` items of a section on one
    choice list are printed as one grid; each row keeps its own question number and skip
    instruction.

    Examples
    --------
    >>> import leadership_eval as le
    >>> text = to_printable(le.datasets.example_survey(), format="markdown")
    >>> print(text[text.index("**6."):text.index("**8.")])  # doctest: +NORMALIZE_WHITESPACE
    **6. Have you met your leadership mentor?**
    <BLANKLINE>
    - [ ] Yes
    - [ ] No
    <BLANKLINE>
    **7. How did you meet?**
    <BLANKLINE>
    _Answer this question only if question 6 is “Yes”._
    <BLANKLINE>
    _Write your answer:_ ______________________________________
    <BLANKLINE>
    <BLANKLINE>
    """
    if format not in ("html", "markdown"):
        raise ConfigurationError(
            f"format must be 'html' or 'markdown', not {format!r}", code="unknown-format"
        )
    survey = as_survey(survey)
    check_language(survey, language)
    numbers = _number_items(survey)
    text = (
        _html(survey, numbers, language, office_codes)
        if format == "html"
        else _markdown(survey, numbers, language, office_codes)
    )
    if path is not None:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return text


def _range_hint(item: Item) -> str:
    parts = []
    if item.min is not None and item.max is not None:
        parts.append(f"a number from {number_text(item.min)} to {number_text(item.max)}")
    elif item.min is not None:
        parts.append(f"a number of at least {number_text(item.min)}")
    elif item.max is not None:
        parts.append(f"a number of at most {number_text(item.max)}")
    else:
        parts.append("a number")
    if item.integer:
        parts.append("whole numbers only")
    return "Write " + ", ".join(parts) + "."


def _all_options(cl: ChoiceList) -> list[Any]:
    return [*cl.options, *cl.missing]


# -------------------------------------------------------------------------------- Markdown


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]!|~])")
_MD_LINE_START = re.compile(r"^(\d+)([.)])|^([-+=#>])")


def _md(text: str, block: bool = False) -> str:
    """Text as Markdown that shows it literally: every character that could start markup
    (emphasis, links, images, raw HTML, entities, code, tables) is backslash-escaped, and so
    are list, heading and quote markers at the start of a line; inline text is one line."""
    lines = [ln.strip() for ln in str(text).splitlines()] or [""]
    if not block:
        lines = [" ".join(ln for ln in lines if ln)]
    out = []
    for ln in lines:
        ln = html.escape(ln, quote=False)  # <, > and & as entities: no raw HTML, no autolink
        ln = _MD_SPECIAL.sub(r"\\\1", ln)
        ln = _MD_LINE_START.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1], ln)
        out.append(ln)
    return "\n".join(out)


def _markdown(survey: Survey, numbers: dict[str, int], lang: str, office: bool) -> str:
    out = [f"# {_md(text_in(survey.title, lang))}", ""]
    if survey.description:
        out += [_md(text_in(survey.description, lang), block=True), ""]
    grids = _grids(survey)
    in_grid: set[str] = {i.id for run in grids.values() for i in run}
    for section in survey.sections:
        out += [f"## {_md(text_in(section.title, lang))}", ""]
        if section.description:
            out += [_md(text_in(section.description, lang), block=True), ""]
        for item in section.items:
            if item.id == survey.respondent_id:
                continue
            if item.id in grids:
                out += _markdown_grid(survey, grids[item.id], numbers, lang, office)
                continue
            if item.id in in_grid:
                continue
            if not item.is_question:
                out += [f"_{_md(text_in(item.text, lang))}_", ""]
                continue
            req = " (required)" if item.required else ""
            out += [f"**{numbers[item.id]}. {_md(text_in(item.text, lang))}**{req}", ""]
            skip = _md(_skip_text(survey, item, numbers, lang))
            if skip:
                out += [f"_{skip}_", ""]
            if item.help:
                out += [f"> {_md(text_in(item.help, lang))}", ""]
            cl = survey.choices_for(item)
            if cl is not None:
                if item.type == "multi_choice":
                    out += ["_Tick all that apply._", ""]
                for opt in _all_options(cl):
                    code = f" `[{opt.code}]`" if office else ""
                    out.append(f"- [ ] {_md(text_in(opt.label, lang))}{code}")
                out.append("")
            elif item.type == "number":
                out += [f"_{_range_hint(item)}_ ____________", ""]
            elif item.type == "date":
                out += ["_Date (YYYY-MM-DD):_ ____ - __ - __", ""]
            else:
                out += ["_Write your answer:_ ______________________________________", ""]
    return "\n".join(out)


def _markdown_grid(
    survey: Survey, run: list[Item], numbers: dict[str, int], lang: str, office: bool
) -> list[str]:
    cl = survey.choices_for(run[0])
    assert cl is not None
    heads = [
        _md(text_in(o.label, lang)) + (f" `[{o.code}]`" if office else "") for o in _all_options(cl)
    ]
    out = ["_Tick one box in each row._", ""]
    out.append("| | " + " | ".join(heads) + " |")
    out.append("|---|" + "---|" * len(heads))
    for item in run:
        req = " (required)" if item.required else ""
        skip = _md(_skip_text(survey, item, numbers, lang))
        cell = f"**{numbers[item.id]}.** {_md(text_in(item.text, lang))}{req}"
        if skip:
            cell += f" _({skip})_"
        out.append(f"| {cell} | " + " | ".join("[ ]" for _ in heads) + " |")
    out.append("")
    return out


# ------------------------------------------------------------------------------------ HTML


def _html(survey: Survey, numbers: dict[str, int], lang: str, office: bool) -> str:
    e = html.escape
    title = e(text_in(survey.title, lang))
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{e(lang)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{title}</h1>",
        f'<p class="office">{e(survey.id)} version {e(survey.version)}</p>',
    ]
    if survey.description:
        parts.append(f'<p class="intro">{e(text_in(survey.description, lang))}</p>')
    grids = _grids(survey)
    in_grid: set[str] = {i.id for run in grids.values() for i in run}
    for section in survey.sections:
        sid = f"section-{e(section.id)}"
        parts.append(f'<section aria-labelledby="{sid}">')
        parts.append(f'<h2 id="{sid}">{e(text_in(section.title, lang))}</h2>')
        if section.description:
            parts.append(
                f'<p class="section-description">{e(text_in(section.description, lang))}</p>'
            )
        for item in section.items:
            if item.id == survey.respondent_id:
                continue
            if item.id in grids:
                parts.append(_html_grid(survey, grids[item.id], numbers, lang, office))
            elif item.id not in in_grid:
                parts.append(_html_item(survey, item, numbers, lang, office))
        parts.append("</section>")
    parts += ["</main>", "</body>", "</html>", ""]
    return "\n".join(parts)


def _option_layout(cl: ChoiceList, lang: str) -> str:
    opts = _all_options(cl)
    longest = max(len(text_in(o.label, lang)) for o in opts)
    if len(opts) <= 4 and longest <= 14:
        return "options inline"
    if len(opts) >= 7 and longest <= 26:
        return "options cols-3"
    if len(opts) >= 4:
        return "options cols-2"
    return "options"


def _html_grid(
    survey: Survey, run: list[Item], numbers: dict[str, int], lang: str, office: bool
) -> str:
    e = html.escape
    cl = survey.choices_for(run[0])
    assert cl is not None
    opts = _all_options(cl)
    gid = f"grid-{e(run[0].id)}"
    heads = []
    for opt in opts:
        code = f'<span class="code">{e(str(opt.code))}</span>' if office else ""
        cls = ' class="missing-option"' if opt in cl.missing else ""
        heads.append(f'<th scope="col"{cls}>{e(text_in(opt.label, lang))}{code}</th>')
    rows = []
    for item in run:
        qid = f"q-{e(item.id)}"
        req = ' <span class="required">(required)</span>' if item.required else ""
        skip = _skip_text(survey, item, numbers, lang).replace(
            "Answer this question only if", "Only if", 1
        )
        skip_html = f'<span class="row-skip" id="{qid}-skip">{e(skip)}</span>' if skip else ""
        help_html = (
            f'<span class="row-skip">{e(text_in(item.help, lang))}</span>' if item.help else ""
        )
        statement = e(text_in(item.text, lang))
        cells = []
        for j, opt in enumerate(opts):
            oid = f"{qid}-{j}"
            described = f' aria-describedby="{qid}-skip"' if skip else ""
            cells.append(
                f'<td><input type="radio" id="{oid}" name="{e(item.id)}" '
                f'value="{e(str(opt.code))}"{described}><label for="{oid}" '
                f'class="visually-hidden">{statement}: {e(text_in(opt.label, lang))}</label></td>'
            )
        rows.append(
            f'<tr id="{qid}"><th scope="row"><span class="number">{numbers[item.id]}.</span> '
            f"{statement}{req}{skip_html}{help_html}</th>" + "".join(cells) + "</tr>"
        )
    short = " short" if len(run) <= 6 else ""
    return (
        f'<table class="grid{short}" id="{gid}"><caption>Tick one box in each row.</caption>'
        "<thead><tr><td></td>" + "".join(heads) + "</tr></thead>"
        "<tbody>" + "".join(rows) + "</tbody></table>"
    )


def _html_item(survey: Survey, item: Item, numbers: dict[str, int], lang: str, office: bool) -> str:
    e = html.escape
    qid = f"q-{e(item.id)}"
    if not item.is_question:
        return f'<p class="note" id="{qid}">{e(text_in(item.text, lang))}</p>'
    n = numbers[item.id]
    req = ' <span class="required">(required)</span>' if item.required else ""
    head = f'<span class="number">{n}.</span> {e(text_in(item.text, lang))}{req}'
    described = []
    extra = []
    skip = _skip_text(survey, item, numbers, lang)
    if skip:
        extra.append(f'<p class="skip" id="{qid}-skip">{e(skip)}</p>')
        described.append(f"{qid}-skip")
    if item.help:
        extra.append(f'<p class="hint" id="{qid}-hint">{e(text_in(item.help, lang))}</p>')
        described.append(f"{qid}-hint")
    aria = f' aria-describedby="{" ".join(described)}"' if described else ""
    cl = survey.choices_for(item)
    if cl is not None:
        kind = "checkbox" if item.type == "multi_choice" else "radio"
        rows = []
        if kind == "checkbox":
            extra.append('<p class="hint">Tick all that apply.</p>')
        for j, opt in enumerate(_all_options(cl)):
            oid = f"{qid}-{j}"
            cls = ' class="missing-option"' if opt in cl.missing else ""
            code = f'<span class="code">Office use: {e(str(opt.code))}</span>' if office else ""
            rows.append(
                f'<li{cls}><input type="{kind}" id="{oid}" name="{e(item.id)}" '
                f'value="{e(str(opt.code))}"><label for="{oid}">'
                f"{e(text_in(opt.label, lang))}</label>{code}</li>"
            )
        body = f'<ul class="{_option_layout(cl, lang)}">' + "".join(rows) + "</ul>"
        return (
            f'<fieldset id="{qid}"{aria}><legend>{head}</legend>'
            + "".join(extra)
            + body
            + "</fieldset>"
        )
    if item.type == "number":
        hint = _range_hint(item)
        extra.append(f'<p class="hint" id="{qid}-range">{e(hint)}</p>')
        described.append(f"{qid}-range")
        aria = f' aria-describedby="{" ".join(described)}"'
        lo = f' min="{number_text(item.min)}"' if item.min is not None else ""
        hi = f' max="{number_text(item.max)}"' if item.max is not None else ""
        control = f'<input class="number-box" type="text" inputmode="decimal" id="{qid}-input"{lo}{hi}{aria}>'
        return (
            f'<div class="question" id="{qid}"><label class="question-text" for="{qid}-input">'
            f"{head}</label>" + "".join(extra) + control + "</div>"
        )
    if item.type == "date":
        # three boxes, as the hint says: a browser's date field would print mm/dd/yyyy
        boxes = []
        for part, size, cls in (("Year", 4, "year"), ("Month", 2, "month"), ("Day", 2, "day")):
            bid = f"{qid}-{cls}"
            placeholder = {"year": "YYYY", "month": "MM", "day": "DD"}[cls]
            boxes.append(
                f'<label for="{bid}">{part}</label><input class="{cls}" type="text" '
                f'inputmode="numeric" id="{bid}" maxlength="{size}" placeholder="{placeholder}"'
                f"{aria}>"
            )
        return (
            f'<fieldset class="question" id="{qid}"{aria}><legend>{head}</legend>'
            + "".join(extra)
            + '<p class="hint">Date as YYYY-MM-DD: year, month, day.</p>'
            + '<div class="date-boxes">'
            + "".join(boxes)
            + "</div></fieldset>"
        )
    maxlen = f' maxlength="{item.max_length}"' if item.max_length else ""
    long = " long" if (item.max_length or 0) > 500 or item.disclosure == "free_text" else ""
    control = (
        f'<textarea class="answer-box{long}" id="{qid}-input"{maxlen}{aria}></textarea>'
        if item.type == "text"
        else f'<input class="answer-box" type="text" id="{qid}-input"{aria}>'
    )
    return (
        f'<div class="question" id="{qid}"><label class="question-text" for="{qid}-input">'
        f"{head}</label>" + "".join(extra) + control + "</div>"
    )
