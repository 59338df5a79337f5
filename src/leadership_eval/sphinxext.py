"""Sphinx extension: render instruments from their YAML, through the library.

Add ``"leadership_eval.sphinxext"`` to ``extensions`` in ``conf.py``. It provides:

``.. instrument:: ID-OR-PATH``
    The whole instrument: metadata, sections and items with their response options, skip logic
    and choice filters in plain words, scales with their items and reverse keys, derived
    variables, missing codes, objectives and framework tags, the notes for adopters and the
    placeholders to fill in, version and changelog; an interview guide as a guide an interviewer
    could print (prompts after the open question); a codebook's themes, codes, attributes and
    conventions; guidance; the evaluation's objectives and policy.
    A path is relative to the document, or to the source folder when it starts with ``/`` (as
    for ``literalinclude``); anything else is the id of a bundled instrument.
    Option ``:downloads:`` adds links to the XLSForm and REDCap exports of a survey (written at
    build time by the interop exporters). Option ``:language: cy`` renders the texts in one of
    the instrument's ``languages`` (English where a text lacks it).
``.. coverage-matrix::``
    The objectives x instruments coverage table of a catalogue (option ``:folder:``, a path as
    above; default the bundled instruments).

Because the directive loads the file with :func:`leadership_eval.load_instrument`, a page can
never show an invalid instrument: each problem of the file (or of the catalogue) is a warning
at the directive, of type ``leadership_eval`` and subtype the problem's code (so
``suppress_warnings = ["leadership_eval.unknown-field"]`` works), and the page shows an error
box listing them where the instrument would be; ``-W`` fails the build. Texts of an instrument
are always plain text: reST, HTML and Markdown in them are shown, never interpreted.

With ``leadership_eval_catalogue_pages = "catalogue"`` in ``conf.py`` (the default), a page per
bundled instrument is written into that folder of the docs before the build reads its sources
(its index is ``:orphan:``; ``""`` writes none).
"""

from __future__ import annotations

import re
import warnings
from contextvars import ContextVar
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

from .errors import InstrumentError, LeadershipEvalError, Problem, did_you_mean
from .instruments.models import (
    Codebook,
    Evaluation,
    Guidance,
    Instrument,
    InterviewGuide,
    Item,
    Survey,
    Text,
    text_in,
)

__all__ = [
    "CoverageMatrixDirective",
    "InstrumentDirective",
    "ReasonCodesDirective",
    "instrument_rst",
    "setup",
]

logger = logging.getLogger(__name__)


_LANGUAGE: ContextVar[str] = ContextVar("leadership_eval_language", default="en")
"""The language an instrument is being rendered in (set by :func:`instrument_rst`)."""


def _t(text: Text | None) -> str:
    return " ".join(text_in(text, _LANGUAGE.get()).split())


_LINKABLE = frozenset({"http", "https", "mailto"})
_ENUMERATOR = re.compile(r"(\w+|#)[.)](\s|$)")


def _unquoted(text: str) -> str:
    """``text`` without one pair of quotation marks around it (an example quote written with
    its own marks is shown in the page's, once).

    >>> _unquoted('"On nights I lead."'), _unquoted("“Yes”"), _unquoted('"a" and "b"')
    ('On nights I lead.', 'Yes', '"a" and "b"')
    """
    t = text.strip()
    pairs = {'"': '"', "“": "”", "'": "'", "‘": "’"}
    if len(t) >= 2 and pairs.get(t[0]) == t[-1] and t[0] not in t[1:-1] and t[-1] not in t[1:-1]:
        return t[1:-1]
    return text


def _esc(text: str) -> str:
    """Escape user text so reStructuredText reads it as plain words.

    Inline markup is escaped, and so is a first character that could start a block
    (``.. include::``, ``.. raw::``, a list, a field list) wherever the text lands; the colon
    after a URI scheme other than http, https and mailto too, so ``javascript:`` never becomes a
    link.
    """
    out = text.replace("\\", "\\\\")
    for ch in "*`|_[":
        out = out.replace(ch, "\\" + ch)
    out = re.sub(
        r"\b([A-Za-z][A-Za-z0-9.+-]*):",
        lambda m: m[0] if m[1].lower() in _LINKABLE else m[1] + "\\:",
        out,
    )
    if out and not out.startswith("\\") and (not out[0].isalpha() or _ENUMERATOR.match(out)):
        out = "\\" + out
    return out


def _lit(text: str) -> str:
    """Text as an inline literal, or escaped text when it cannot be one (backticks, spaces)."""
    if not text or "`" in text or text != text.strip():
        return _esc(text)
    return f"``{text}``"


def _para(text: Text | None) -> list[str]:
    """A block of user text, escaped: one reST paragraph per paragraph of the text (lines of a
    paragraph joined, so indentation and underlines make no block quotes or titles)."""
    raw = text_in(text, _LANGUAGE.get())
    out: list[str] = []
    for block in re.split(r"\n\s*\n", raw.strip()):
        line = " ".join(block.split())
        if line:
            out += [_esc(line), ""]
    return out or [""]


def _objectives(objectives: list[str]) -> str:
    return ", ".join(objectives)


def _adopter(notes: Text | None, indent: str = "") -> list[str]:
    """Notes for adopters as an admonition (the docs are for adopters; respondents never see
    these)."""
    if notes is None:
        return []
    body = [f"{indent}   {line}" if line else "" for line in _para(notes)]
    return [f"{indent}.. admonition:: For adopters", "", *body]


def _placeholders(inst: Instrument) -> list[str]:
    from .instruments.placeholders import STANDARD_PLACEHOLDERS, unfilled_placeholders

    names = sorted({name for _, name in unfilled_placeholders(inst)})
    if not names:
        return []
    lines = [".. rubric:: Placeholders to fill in", ""]
    for name in names:
        what = STANDARD_PLACEHOLDERS.get(name) or _t(inst.placeholders.get(name))
        lines.append(f"- ``{{{{{name}}}}}``: {_esc(what)}")
    return [*lines, ""]


def _meta(inst: Instrument) -> list[str]:
    lines = [
        f":Id: ``{inst.id}``",
        f":Kind: {inst.kind.replace('_', ' ')}",
        f":Version: {inst.version}",
    ]
    if inst.licence:
        lines.append(f":Licence: {_esc(inst.licence)}")
    if inst.authors:
        lines.append(":Authors: " + "; ".join(_esc(a.name) for a in inst.authors))
    objs = sorted(inst.all_objectives(), key=lambda o: (len(o), o))
    if objs and not isinstance(inst, Evaluation):
        lines.append(f":Objectives: {_objectives(objs)}")
    if len(inst.languages) > 1:
        lines.append(f":Languages: {', '.join(inst.languages)}")
    lines.append("")
    if inst.description:
        lines += _para(inst.description)
    lines += _adopter(inst.adopter_notes)
    lines += _placeholders(inst)
    return lines


def _changelog(inst: Instrument) -> list[str]:
    if not inst.changelog:
        return []
    lines = [".. rubric:: Changelog", ""]
    for entry in inst.changelog:
        when = f" ({entry.date})" if entry.date else ""
        lines.append(f"- **{entry.version}**{when}: " + " ".join(_esc(c) for c in entry.changes))
    return [*lines, ""]


def _survey(s: Survey, downloads: dict[str, str]) -> list[str]:
    from .instruments.expressions import parse_expression

    labels: dict[Any, str] = {i.id: _t(i.text) for i in s.items}
    for item in s.items:
        cl = s.choices_for(item)
        if cl is not None:
            for o in (*cl.options, *cl.missing):
                labels[(item.id, o.code)] = _t(o.label)
    lines: list[str] = []
    if downloads:
        links = " · ".join(f":download:`{name} <{path}>`" for name, path in downloads.items())
        lines += [f":Deploy: {links}", ""]
    # the consent gate: said once, not under every question that depends only on it
    gates = {}
    for item in s.items:
        cl = s.choices_for(item)
        if "consent" in item.tags and cl is not None and cl.options:
            gates[item.id] = parse_expression(f"{item.id} == {cl.options[0].code!r}")
    number = 0
    for section in s.sections:
        lines += [f".. rubric:: {_esc(_t(section.title))}", ""]
        if section.description:
            lines += _para(section.description)
        lines += _adopter(section.adopter_notes)
        for item in section.items:
            if item.type == "note":
                lines += [f"*{_esc(_t(item.text))}*", ""]
                continue
            number += 1
            lines += _question(s, item, number, labels, gates)
    lines += _scales_table(s)
    lines += _derived(s)
    return lines


def _question(
    s: Survey, item: Item, number: int, labels: dict[Any, str], gates: dict[str, Any]
) -> list[str]:
    """One question: its text and kind, then its conditions, options and mappings."""
    from .instruments.expressions import ExpressionError, parse_choice_filter, parse_expression

    types = {i.id: i.type for i in s.items}
    tags = [f"``{item.id}``", item.type.replace("_", " ")]
    if item.required:
        tags.append("required")
    if item.disclosure != "none":
        tags.append(f"disclosure: {item.disclosure.replace('_', ' ')}")
    lines = [f"{number}. **{_esc(_t(item.text))}** ({', '.join(tags)})", ""]
    body: list[str] = []
    if item.help:
        body.append(f"*{_esc(_t(item.help))}*")
    if item.show_if:
        try:
            expr = parse_expression(item.show_if)
            words = expr.describe(labels=labels, item_types=types)
        except ExpressionError:
            expr, words = None, item.show_if
        if expr is None or expr not in gates.values():
            body.append(f"Asked only if {_esc(words)}.")
    if item.id in gates:
        cl_gate = s.choices_for(item)
        agree = _t(cl_gate.options[0].label) if cl_gate is not None else ""
        body.append(
            f"Every later question is asked only of respondents who answer "
            f"*{_esc(agree)}*; further conditions are shown under each question."
        )
    if item.choice_filter:
        try:
            offered = parse_choice_filter(item.choice_filter).describe(
                labels=labels, item_types=types
            )
        except ExpressionError:
            offered = item.choice_filter
        body.append(f"Options offered only where {_esc(offered)}.")
    body += _answers(s, item)
    if item.objectives:
        body.append(f"Objectives: {_objectives(item.objectives)}.")
    for framework, domains in item.frameworks.items():
        body.append(f"{_esc(framework.upper())}: {_esc(', '.join(domains))}.")
    if item.column:
        body.append(f"Read from column {_lit(item.column)}.")
    for b in body:
        lines += [f"   {b}", ""]
    return lines + _adopter(item.adopter_notes, indent="   ")


def _answers(s: Survey, item: Item) -> list[str]:
    """What a question's answers may be: its options and missing codes, or its range."""
    body: list[str] = []
    cl = s.choices_for(item)
    if cl is not None:
        opts = "; ".join(f"{_esc(str(o.code))} = {_esc(_t(o.label))}" for o in cl.options)
        many = ""
        if item.type == "multi_choice":
            many = f" (up to {item.max_choices})" if item.max_choices else " (multiple answers)"
        body.append(f"Options{many}: {opts}.")
        if cl.missing:
            miss = "; ".join(f"{_esc(str(o.code))} = {_esc(_t(o.label))}" for o in cl.missing)
            body.append(f"Missing codes (never scored): {miss}.")
    if item.type == "number":
        rng = []
        if item.min is not None:
            rng.append(f"at least {item.min:g}")
        if item.max is not None:
            rng.append(f"at most {item.max:g}")
        if rng:
            body.append(f"A {'whole ' if item.integer else ''}number, {' and '.join(rng)}.")
    return body


def _scales_table(s: Survey) -> list[str]:
    if not s.scales:
        return []
    lines = [".. rubric:: Scales", ""]
    lines += [
        ".. list-table::",
        "   :header-rows: 1",
        "   :widths: 20 30 10 10 10",
        "",
        "   * - Scale",
        "     - Items (reverse-keyed marked R)",
        "     - Method",
        "     - Minimum answered",
        "     - Objectives",
    ]
    for scale in s.scales:
        items = ", ".join(f"``{i}``{' (R)' if i in scale.reverse else ''}" for i in scale.items)
        mina = scale.min_answered if scale.min_answered is not None else "all"
        kind = " (formative index: no alpha)" if scale.structure == "formative" else ""
        lines += [
            f"   * - **{_esc(_t(scale.title))}** (``{scale.id}``){kind}",
            f"     - {items}",
            f"     - {scale.method}{' (0-100)' if scale.transform == 'percent' else ''}",
            f"     - {mina}",
            f"     - {_objectives(scale.objectives) or '-'}",
        ]
    lines.append("")
    lines += [
        "Reverse-keyed items are scored as (min + max) - x over the list's scored codes.",
        "",
    ]
    return lines


def _derived(s: Survey) -> list[str]:
    if not s.derived:
        return []
    lines = [".. rubric:: Derived variables (computed, not asked)", ""]
    for variable in s.derived:
        cl = s.choices_for(variable.source)
        values = cl.attribute(variable.attribute) if cl is not None else {}
        shown = "; ".join(f"{code} = {value}" for code, value in values.items())
        lines += [
            f"- **{_esc(_t(variable.title))}** (``{variable.id}``), from ``{variable.source}``"
            f" (option attribute ``{variable.attribute}``: {_esc(shown)}).",
        ]
        if variable.description:
            lines += ["", *[f"  {x}" if x else "" for x in _para(variable.description)]]
    lines.append("")
    return lines


def _guide(g: InterviewGuide) -> list[str]:
    lines = [
        f":Audience: {g.audience}",
        f":Duration: about {g.duration_minutes} minutes",
        "",
        ".. rubric:: Purpose",
        "",
        *_para(g.purpose),
        ".. admonition:: Consent and anonymity (read aloud)",
        "",
        *[f"   {line}" if line else "" for line in _para(g.consent_script)],
    ]
    if g.guidance:
        lines += [".. rubric:: Guidance for the interviewer", ""]
        lines += [f"- {_esc(_t(x))}" for x in g.guidance] + [""]
    for n, topic in enumerate(g.topics, start=1):
        mins = f" ({topic.minutes} min)" if topic.minutes else ""
        lines += [f".. rubric:: {n}. {_esc(_t(topic.title))}{mins}", ""]
        if topic.purpose:
            lines += _para(topic.purpose)
        if topic.objectives:
            lines += [f"*Objectives: {_objectives(topic.objectives)}*", ""]
        for q in topic.questions:
            lines += [f"- **{_esc(_t(q.text))}**", ""]
            for p in q.probes:
                lines += [f"  - Probe: {_esc(_t(p))}"]
            if q.probes:
                lines.append("")
            if q.prompts:
                lines += ["  *Prompts, read out only after the open answer:*", ""]
                lines += [f"  - {_esc(_t(p))}" for p in q.prompts] + [""]
    if g.closing:
        lines += [".. rubric:: Closing", "", *_para(g.closing)]
    return lines


def _codebook(b: Codebook) -> list[str]:
    lines: list[str] = []
    if b.approach:
        lines += [".. rubric:: Approach", "", *_para(b.approach)]
    for title, attrs in (
        ("Case attributes", b.case_attributes),
        ("Segment attributes", b.segment_attributes),
    ):
        if not attrs:
            continue
        lines += [f".. rubric:: {title}", ""]
        for attr in attrs:
            values = "; ".join(f"{_esc(str(o.code))} = {_esc(_t(o.label))}" for o in attr.values)
            text = f"- **{_esc(_t(attr.label))}** (``{attr.id}``)"
            if attr.description:
                text += f": {_esc(_t(attr.description))}"
            if values:
                text += f" Values: {values}."
            lines.append(text)
        lines.append("")
    if b.conventions:
        lines += [".. rubric:: Coding conventions", ""]
        lines += [f"- {_esc(_t(c))}" for c in b.conventions] + [""]
    for theme in b.codes:
        lines += [f".. rubric:: Theme: {_esc(_t(theme.label))} (``{theme.id}``)", ""]
        lines += _para(theme.definition)
        for depth, code in theme.walk():
            if depth == 0:
                continue
            pad = "  " * (depth - 1)
            lines.append(
                f"{pad}- **{_esc(_t(code.label))}** (``{code.id}``): {_esc(_t(code.definition))}"
            )
            extra = []
            if code.include:
                extra.append("Include: " + "; ".join(_esc(_t(x)) for x in code.include))
            if code.exclude:
                extra.append("Exclude: " + "; ".join(_esc(_t(x)) for x in code.exclude))
            if code.examples:
                extra.append(
                    "Example: "
                    + " / ".join(f"“{_esc(_unquoted(_t(x)))}”" for x in code.examples[:2])
                )
            if code.objectives:
                extra.append(f"Objectives: {_objectives(code.objectives)}")
            if extra:
                lines.append("")
                for e in extra:
                    lines += [f"{pad}  {e}", ""]
        lines.append("")
    return lines


def _guidance(g: Guidance) -> list[str]:
    lines = [f":Audience: {_esc(g.audience)}", ""]
    for s in g.sections:
        lines += [f".. rubric:: {_esc(_t(s.title))}", ""]
        if s.body:
            lines += _para(s.body)
        lines += [f"- {_esc(_t(p))}" for p in s.points]
        if s.points:
            lines.append("")
        if s.never:
            lines += ["**Never:**", ""] + [f"- {_esc(_t(p))}" for p in s.never] + [""]
    return lines


def _evaluation(e: Evaluation) -> list[str]:
    lines = [".. rubric:: The scheme", "", *_para(e.scheme), ".. rubric:: Objectives", ""]
    lines += [f"- **{o.id}**: {_esc(_t(o.text))}" for o in e.objectives] + [""]
    if e.case_studies:
        cs = e.case_studies
        of = f" of {cs.of}" if cs.of else ""
        lines += [".. rubric:: Case studies", "", f"{cs.sites}{of} sites.", ""]
        if cs.selection:
            lines += _para(cs.selection)
        lines += [f"- {_esc(_t(p))}" for p in cs.participants] + [""]
        if cs.fieldwork:
            lines += _para(cs.fieldwork)
    p = e.disclosure
    lines += [
        ".. rubric:: Disclosure policy",
        "",
        f"- No report for a group of fewer than {p.min_group} respondents.",
        f"- No count, percentage or mean based on fewer than {p.min_cell}; complementary cells "
        "suppressed so none can be recovered.",
        f"- A theme is reported for a trust only when at least {p.min_participants_theme} "
        "participants support it.",
        f"- Quotes attributed by {p.quote_attribution} at most.",
        "",
    ]
    if e.instruments:
        lines += [".. rubric:: Instruments", ""] + [f"- ``{i}``" for i in e.instruments] + [""]
    return lines


def instrument_rst(
    inst: Instrument, downloads: dict[str, str] | None = None, language: str = "en"
) -> list[str]:
    """The reStructuredText lines the ``instrument`` directive renders for an instrument.

    Parameters
    ----------
    inst : Instrument
        The instrument.
    downloads : dict, optional
        Link text -> path of the exports to offer (surveys).
    language : str, default "en"
        The language of the texts (a text missing in it falls back to English).

    Returns
    -------
    list of str
    """
    token = _LANGUAGE.set(language)
    try:
        lines = _meta(inst)
        if isinstance(inst, Survey):
            lines += _survey(inst, downloads or {})
        elif isinstance(inst, InterviewGuide):
            lines += _guide(inst)
        elif isinstance(inst, Codebook):
            lines += _codebook(inst)
        elif isinstance(inst, Guidance):
            lines += _guidance(inst)
        elif isinstance(inst, Evaluation):
            lines += _evaluation(inst)
        return lines + _changelog(inst)
    finally:
        _LANGUAGE.reset(token)


def _candidates(directive: SphinxDirective, arg: str) -> list[Path]:
    """Where a path given to a directive may point, in the order Sphinx looks.

    Relative to the document, ``/`` for the source folder (as ``literalinclude`` reads paths),
    then relative to the source folder (where earlier versions looked), then the path itself
    when it is absolute; never the working directory, so the build does not depend on where
    ``sphinx-build`` runs.
    """
    env = directive.env
    _, by_document = env.relfn2path(arg, env.docname)
    out = [Path(by_document), Path(env.srcdir) / arg.lstrip("/\\")]
    if Path(arg).is_absolute():
        out.append(Path(arg))
    return list(dict.fromkeys(out))


def _not_loadable(arg: str, candidates: list[Path], folder: Path | None) -> InstrumentError:
    """The error for an argument that names no instrument file and no bundled id."""
    from .instruments.loader import bundled_paths

    if folder is not None:
        message = f"{arg!r} is a folder, not an instrument file ({folder})"
        code = "file-not-found"
    elif arg.endswith((".yaml", ".yml")) or "/" in arg or "\\" in arg:
        looked = ", ".join(str(c) for c in candidates)
        message, code = f"no such file: {arg} (looked for {looked})", "file-not-found"
    else:
        bundled = bundled_paths()
        message = (
            f"{arg!r} is neither a file next to the document nor a bundled instrument id"
            f"{did_you_mean(arg, bundled)} (bundled: {', '.join(bundled) or 'none'})"
        )
        code = "unknown-instrument"
    return InstrumentError([Problem(arg, 0, 0, code, message)], summary="cannot load instrument")


def _load(directive: SphinxDirective, arg: str) -> Instrument:
    """The instrument a directive's argument names (a file, found as :func:`_candidates` says,
    or a bundled id); the file becomes a dependency of the document."""
    from .instruments.loader import bundled_paths, load_instrument

    candidates = _candidates(directive, arg)
    path = next((c for c in candidates if c.is_file()), None)
    if path is None:
        path = bundled_paths().get(arg)
    if path is None:
        folder = next((c for c in candidates if c.is_dir()), None)
        raise _not_loadable(arg, candidates, folder)
    directive.env.note_dependency(str(path))
    return load_instrument(path)


def _shown_file(file: str, srcdir: Path) -> str:
    """A problem's file as the page shows it: relative to the docs, else its name only (the
    author's own folders are not published)."""
    path = Path(file)
    if not path.is_absolute():
        return file
    try:
        return path.relative_to(srcdir).as_posix()
    except ValueError:
        return path.name


def _broken(directive: SphinxDirective, what: str, exc: InstrumentError) -> list[nodes.Node]:
    """Report every problem as a warning at the directive, and put a visible error box in its
    place: a reader of a page built without ``-W`` sees that something is missing."""
    where = directive.get_location()
    for problem in exc.problems:
        logger.warning(
            "%s: %s", what, problem, location=where, type="leadership_eval", subtype=problem.code
        )
    box = nodes.error()
    n = len(exc.problems)
    box += nodes.paragraph(
        text=f"{what[0].upper()}{what[1:]} could not be rendered: "
        f"{n} problem{'s' if n != 1 else ''} (also in the build log)."
    )
    items = nodes.bullet_list()
    srcdir = Path(directive.env.srcdir)
    for p in exc.problems:
        shown = Problem(_shown_file(p.file, srcdir), p.line, p.column, p.code, p.message, p.path)
        items += nodes.list_item("", nodes.paragraph(text=str(shown)))
    box += items
    return [box]


def _warn(directive: SphinxDirective, message: str, subtype: str) -> None:
    logger.warning(
        message, location=directive.get_location(), type="leadership_eval", subtype=subtype
    )


class InstrumentDirective(SphinxDirective):
    """``.. instrument:: ID-OR-PATH``: render an instrument loaded through the library.

    A path is relative to the document (``/`` for the source folder); an id names a bundled
    instrument. Every problem of the file is a warning at the directive
    (``leadership_eval.<problem code>``) and the page shows an error box in its place.
    """

    required_arguments = 1
    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {
        "downloads": directives.flag,
        "language": directives.unchanged_required,
    }

    def run(self) -> list[nodes.Node]:
        """Load the instrument and parse its reStructuredText into a container."""
        arg = self.arguments[0]
        try:
            inst = _load(self, arg)
        except InstrumentError as exc:
            return _broken(self, f"instrument {arg!r}", exc)
        downloads: dict[str, str] = {}
        if "downloads" in self.options:
            if isinstance(inst, Survey):
                downloads = _exports(self, inst)
            else:
                _warn(
                    self,
                    f"instrument {arg!r}: :downloads: is only for surveys; "
                    f"{inst.id!r} is a {inst.kind.replace('_', ' ')} (no export written)",
                    "downloads",
                )
        lines = instrument_rst(inst, downloads, self._language(inst))
        container = nodes.container(classes=["leadership-eval-instrument"])
        nested_parse_with_titles(
            self.state, StringList(lines, source=f"<instrument {arg}>"), container
        )
        return [container]

    def _language(self, inst: Instrument) -> str:
        """The ``:language:`` asked for, if the instrument has it; else a warning and English."""
        language = str(self.options.get("language", "en")).strip()
        if language in inst.languages or language == "en":
            return language
        _warn(
            self,
            f"instrument {self.arguments[0]!r}: :language: {language!r} is not one of its "
            f"languages ({', '.join(inst.languages)}); rendered in English",
            "language",
        )
        return "en"


class CoverageMatrixDirective(SphinxDirective):
    """``.. coverage-matrix::``: objectives x instruments.

    Option ``:folder:`` names a folder of instrument files (relative to the document, ``/`` for
    the source folder); without it, the bundled instruments.
    """

    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {"folder": directives.path}

    def run(self) -> list[nodes.Node]:
        """Load the catalogue and render its coverage table."""
        from .instruments.catalogue import load_catalogue

        folder = self.options.get("folder")
        where: Path | None = None
        if folder is not None:
            candidates = _candidates(self, folder)
            where = next((c for c in candidates if c.is_dir()), candidates[0])
            self.env.note_dependency(str(where))
        try:
            cat = load_catalogue(where)
        except InstrumentError as exc:
            return _broken(self, "coverage matrix", exc)
        cov = cat.coverage()
        names = [i for i, inst in cat.items() if not isinstance(inst, Evaluation)]
        ev = cat.evaluation
        text = {o.id: _t(o.text) for o in ev.objectives} if ev else {}
        lines = [
            ".. list-table:: Parts of each instrument that serve each objective",
            "   :header-rows: 1",
            "   :stub-columns: 1",
            "",
            "   * - Objective",
        ]
        lines += [f"     - ``{n}``" for n in names]
        for objective, by in cov.items():
            label = f"{objective}: {_esc(text[objective])}" if objective in text else objective
            lines.append(f"   * - {label}")
            lines += [f"     - {by.get(n, '')}" for n in names]
        lines.append("")
        container = nodes.container(classes=["leadership-eval-coverage"])
        self.state.nested_parse(StringList(lines, source="<coverage-matrix>"), 0, container)
        return [container]


class ReasonCodesDirective(SphinxDirective):
    """``.. reason-codes:: AREA``: the codes of one area of the registry, with their meanings."""

    has_content = False
    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        from .errors import REASONS

        area = self.arguments[0]
        if area not in REASONS:
            raise self.error(f"no reason-code area {area!r}; the areas are {sorted(REASONS)}")
        lines = [
            ".. list-table::",
            "   :header-rows: 1",
            "   :widths: 30 70",
            "",
            "   * - Code",
            "     - Meaning",
        ]
        for code, meaning in sorted(REASONS[area].items()):
            lines += [f"   * - ``{code}``", f"     - {_esc(meaning)}"]
        lines.append("")
        container = nodes.container(classes=["leadership-eval-reasons"])
        self.state.nested_parse(StringList(lines, source=f"<reason-codes {area}>"), 0, container)
        return [container]


def _exports(directive: SphinxDirective, survey: Survey) -> dict[str, str]:
    """Write the survey's XLSForm and REDCap exports into the docs; return name -> path.

    What an exporter could not carry exactly (its warnings) becomes a Sphinx warning at the
    directive (``leadership_eval.export``); an export that fails is a warning and no link.
    """
    from .interop.redcap import to_redcap
    from .interop.xlsform import to_xlsform

    srcdir = Path(directive.env.srcdir)
    out = srcdir / "_generated" / "downloads"
    found: dict[str, str] = {}
    exports = (
        ("XLSForm (ODK, Kobo)", to_xlsform, f"{survey.id}-{survey.version}.xlsx"),
        ("REDCap data dictionary", to_redcap, f"{survey.id}-{survey.version}-redcap.csv"),
    )
    for name, export, file in exports:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                out.mkdir(parents=True, exist_ok=True)
                export(survey, out / file)
            except (LeadershipEvalError, OSError) as exc:
                _warn(
                    directive, f"survey {survey.id!r}: the {name} was not written: {exc}", "export"
                )
                continue
        for w in caught:
            _warn(directive, f"survey {survey.id!r}: {w.message}", "export")
        found[name] = "/" + (out / file).relative_to(srcdir).as_posix()
    return found


def _conf_location(app: Sphinx) -> str | None:
    """``conf.py:line`` where ``leadership_eval_catalogue_pages`` is set, if it is set there."""
    conf = Path(app.confdir or app.srcdir) / "conf.py"
    try:
        lines = conf.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for number, line in enumerate(lines, start=1):
        if line.lstrip().startswith("leadership_eval_catalogue_pages"):
            return f"{conf}:{number}"
    return None


def _catalogue_folder(app: Sphinx) -> Path | None:
    """The folder ``leadership_eval_catalogue_pages`` names, checked; None when it is off or
    wrong (a wrong value is a warning, never a traceback)."""
    value = app.config.leadership_eval_catalogue_pages
    if value is None or value is False or value == "":
        return None
    where = _conf_location(app)
    if not isinstance(value, str):
        logger.warning(
            "leadership_eval_catalogue_pages must be the name of a folder inside the "
            "documentation (a str), or '' to write no pages; found %r (%s); no pages written",
            value,
            type(value).__name__,
            location=where,
            type="leadership_eval",
            subtype="config",
        )
        return None
    srcdir = Path(app.srcdir).resolve()
    root = (srcdir / value).resolve()
    if root == srcdir or not root.is_relative_to(srcdir):
        logger.warning(
            "leadership_eval_catalogue_pages must be a folder inside the documentation "
            "(relative to %s); found %r; no pages written",
            srcdir,
            value,
            location=where,
            type="leadership_eval",
            subtype="config",
        )
        return None
    return root


def _write_if_changed(page: Path, text: str) -> bool:
    if page.exists() and page.read_text(encoding="utf-8") == text:
        return False
    page.write_text(text, encoding="utf-8")
    return True


def _write_catalogue_pages(app: Sphinx) -> None:
    """Write a page per bundled instrument, and an index, into the configured folder.

    The index is ``:orphan:``, so a project that does not list it in a toctree still builds
    with ``-W``.
    """
    root = _catalogue_folder(app)
    if root is None:
        return
    from .instruments.catalogue import load_catalogue

    cat = load_catalogue()
    order = {"evaluation": 0, "survey": 1, "interview_guide": 2, "guidance": 3, "codebook": 4}
    idents = sorted(cat, key=lambda i: (order.get(cat[i].kind, 9), i))
    pages = {}
    for ident in idents:
        inst = cat[ident]
        title = _t(inst.title)
        opts = "   :downloads:\n" if isinstance(inst, Survey) else ""
        pages[f"{ident}.rst"] = f"{title}\n{'=' * len(title)}\n\n.. instrument:: {ident}\n{opts}"
    pages["index.rst"] = (
        ":orphan:\n\nThe instrument catalogue\n========================\n\n"
        "Every instrument shipped with leadership-eval, rendered from its YAML by the\n"
        "``instrument`` directive.\n\n.. coverage-matrix::\n\n"
        ".. toctree::\n   :maxdepth: 1\n\n" + "".join(f"   {i}\n" for i in idents)
    )
    try:
        root.mkdir(parents=True, exist_ok=True)
        written = [_write_if_changed(root / name, text) for name, text in pages.items()]
    except OSError as exc:
        logger.warning(
            "cannot write the catalogue pages into %s (leadership_eval_catalogue_pages): %s",
            root,
            exc.strerror or exc,
            location=_conf_location(app),
            type="leadership_eval",
            subtype="config",
        )
        return
    if any(written):
        logger.info(
            "leadership_eval: wrote the instrument catalogue pages into %s "
            "(leadership_eval_catalogue_pages = '' turns them off)",
            root,
        )


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directives with Sphinx."""
    app.add_config_value(
        "leadership_eval_catalogue_pages", "catalogue", "env", types=(str, type(None))
    )
    app.add_directive("instrument", InstrumentDirective)
    app.add_directive("coverage-matrix", CoverageMatrixDirective)
    app.add_directive("reason-codes", ReasonCodesDirective)
    app.connect("builder-inited", _write_catalogue_pages)
    from ._version import __version__

    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
