"""Printable questionnaires: HTML (self-contained, print-ready, accessible) and Markdown.

For paper administration, for respondents who cannot use the online form, and for ethics
committees and appendices. Questions are numbered through the whole survey; skip logic is
written out in plain words ("Answer this question only if question 3 is FY1"); options get tick
boxes (real form controls in HTML, each with its label, so screen readers read them).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any, Literal

from ..instruments.models import Item, Survey, text_in
from .common import number_text

__all__ = ["to_printable"]

_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font-family: Arial, Helvetica, sans-serif; font-size: 12pt; line-height: 1.45;
       color: #111; background: #fff; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .25rem; }
h2 { font-size: 1.25rem; border-bottom: 2px solid #111; padding-bottom: .2rem; margin-top: 2rem; }
.intro, .section-description { color: #222; }
fieldset, .question { border: 1px solid #555; border-radius: 4px; padding: .6rem .9rem .8rem;
       margin: 0 0 1rem; break-inside: avoid; page-break-inside: avoid; }
legend, .question-text { font-weight: bold; padding: 0 .3rem; }
.number { display: inline-block; min-width: 2rem; }
.required { font-weight: normal; font-style: italic; }
.hint { font-size: .95rem; color: #222; margin: .2rem 0 .5rem; }
.skip { font-size: .95rem; font-style: italic; margin: .2rem 0 .5rem;
        border-left: 4px solid #111; padding-left: .5rem; }
.options { list-style: none; margin: .3rem 0 0; padding: 0; }
.options li { margin: .3rem 0; display: flex; align-items: center; gap: .5rem; }
.options input { width: 1.1rem; height: 1.1rem; margin: 0; accent-color: #111; }
.missing-option { font-style: italic; }
.code { font-size: .8rem; color: #333; margin-left: auto; font-family: monospace; }
.answer-box { display: block; width: 100%; min-height: 2.2rem; border: 1px solid #333;
              margin-top: .4rem; font: inherit; padding: .3rem; }
textarea.answer-box { min-height: 7rem; }
.note { border: none; padding: .3rem 0; font-style: italic; }
.office { font-size: .8rem; color: #333; }
:focus-visible { outline: 3px solid #1a4fd6; outline-offset: 2px; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  a { color: #000; }
  @page { margin: 18mm 16mm; }
}
"""


def _number_items(survey: Survey) -> dict[str, int]:
    numbers: dict[str, int] = {}
    for item in survey.items:
        if item.is_question:
            numbers[item.id] = len(numbers) + 1
    return numbers


def _skip_text(survey: Survey, item: Item, numbers: dict[str, int], language: str) -> str:
    from ..instruments.expressions import ExpressionError, parse_expression

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
    survey: Survey,
    path: str | Path | None = None,
    format: Literal["html", "markdown"] = "html",
    language: str = "en",
    office_codes: bool = False,
) -> str:
    """A printable questionnaire, as HTML or Markdown.

    Parameters
    ----------
    survey : Survey
    path : str or pathlib.Path, optional
        Also write the document here.
    format : {"html", "markdown"}
        HTML is one self-contained file (inline CSS with print rules, no scripts, no external
        resources), with a heading per section, a ``fieldset``/``legend`` per question and a
        labelled control per option. Markdown uses ``- [ ]`` tick boxes.
    language : str
        The language of the texts (falling back to English, then to the first language).
    office_codes : bool
        Print each option's data code ("Office use") beside it.

    Returns
    -------
    str
        The document.

    Examples
    --------
    >>> from leadership_eval.instruments.loader import loads_instrument
    >>> s = loads_instrument('''
    ... kind: survey
    ... id: tiny
    ... version: 1.0.0
    ... title: A tiny survey
    ... choice_lists:
    ...   yn: {options: [{code: 1, label: "Yes"}, {code: 0, label: "No"}]}
    ... sections:
    ...   - id: main
    ...     title: Main
    ...     items:
    ...       - {id: met, type: choice, choices: yn, text: Have you met your mentor?}
    ...       - {id: how, type: text, text: How did you meet?, show_if: met == 1}
    ... ''')
    >>> print(to_printable(s, format="markdown"))  # doctest: +NORMALIZE_WHITESPACE
    # A tiny survey
    <BLANKLINE>
    ## Main
    <BLANKLINE>
    **1. Have you met your mentor?**
    <BLANKLINE>
    - [ ] Yes
    - [ ] No
    <BLANKLINE>
    **2. How did you meet?**
    <BLANKLINE>
    _Answer this question only if question 1 is “Yes”._
    <BLANKLINE>
    _Write your answer:_ ______________________________________
    <BLANKLINE>
    """
    if format not in ("html", "markdown"):
        raise ValueError(f"format must be 'html' or 'markdown', not {format!r}")
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


def _markdown(survey: Survey, numbers: dict[str, int], lang: str, office: bool) -> str:
    out = [f"# {text_in(survey.title, lang)}", ""]
    if survey.description:
        out += [text_in(survey.description, lang), ""]
    for section in survey.sections:
        out += [f"## {text_in(section.title, lang)}", ""]
        if section.description:
            out += [text_in(section.description, lang), ""]
        for item in section.items:
            if not item.is_question:
                out += [f"_{text_in(item.text, lang)}_", ""]
                continue
            req = " (required)" if item.required else ""
            out += [f"**{numbers[item.id]}. {text_in(item.text, lang)}**{req}", ""]
            skip = _skip_text(survey, item, numbers, lang)
            if skip:
                out += [f"_{skip}_", ""]
            if item.help:
                out += [f"> {text_in(item.help, lang)}", ""]
            cl = survey.choices_for(item)
            if cl is not None:
                if item.type == "multi_choice":
                    out += ["_Tick all that apply._", ""]
                for opt in (*cl.options, *cl.missing):
                    code = f" `[{opt.code}]`" if office else ""
                    out.append(f"- [ ] {text_in(opt.label, lang)}{code}")
                out.append("")
            elif item.type == "number":
                out += [f"_{_range_hint(item)}_ ____________", ""]
            elif item.type == "date":
                out += ["_Date (YYYY-MM-DD):_ ____ - __ - __", ""]
            else:
                out += ["_Write your answer:_ ______________________________________", ""]
    return "\n".join(out)


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
    for section in survey.sections:
        sid = f"section-{e(section.id)}"
        parts.append(f'<section aria-labelledby="{sid}">')
        parts.append(f'<h2 id="{sid}">{e(text_in(section.title, lang))}</h2>')
        if section.description:
            parts.append(
                f'<p class="section-description">{e(text_in(section.description, lang))}</p>'
            )
        for item in section.items:
            parts.append(_html_item(survey, item, numbers, lang, office))
        parts.append("</section>")
    parts += ["</main>", "</body>", "</html>", ""]
    return "\n".join(parts)


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
        for j, opt in enumerate((*cl.options, *cl.missing)):
            oid = f"{qid}-{j}"
            cls = ' class="missing-option"' if opt in cl.missing else ""
            code = f'<span class="code">Office use: {e(str(opt.code))}</span>' if office else ""
            rows.append(
                f'<li{cls}><input type="{kind}" id="{oid}" name="{e(item.id)}" '
                f'value="{e(str(opt.code))}"><label for="{oid}">'
                f"{e(text_in(opt.label, lang))}</label>{code}</li>"
            )
        body = '<ul class="options">' + "".join(rows) + "</ul>"
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
        control = f'<input class="answer-box" type="number" id="{qid}-input"{lo}{hi}{aria}>'
    elif item.type == "date":
        control = f'<input class="answer-box" type="date" id="{qid}-input"{aria}>'
        extra.append('<p class="hint">Date as YYYY-MM-DD.</p>')
    else:
        maxlen = f' maxlength="{item.max_length}"' if item.max_length else ""
        control = f'<textarea class="answer-box" id="{qid}-input"{maxlen}{aria}></textarea>'
    return (
        f'<div class="question" id="{qid}"><label class="question-text" for="{qid}-input">'
        f"{head}</label>" + "".join(extra) + control + "</div>"
    )
