"""Sphinx extension: render instruments from their YAML, through the library.

Add ``"leadership_eval.sphinxext"`` to ``extensions`` in ``conf.py``. It provides:

``.. instrument:: ID-OR-PATH``
    The whole instrument: metadata, sections and items with their response options, skip logic
    and choice filters in plain words, scales with their items and reverse keys, derived
    variables, missing codes, objectives and framework tags, the notes for adopters and the
    placeholders to fill in, version and changelog; an interview guide as a guide an interviewer
    could print (prompts after the open question); a codebook's themes, codes, attributes and
    conventions; guidance; the evaluation's objectives and policy.
    Option ``:downloads:`` adds links to the XLSForm and REDCap exports of a survey (written at
    build time by the interop exporters).
``.. coverage-matrix::``
    The objectives x instruments coverage table of a catalogue (option ``:folder:``; default
    the bundled instruments).

Because the directive loads the file with :func:`leadership_eval.load_instrument`, a page can
never show an invalid instrument: an instrument with problems fails the build with every
problem listed.

With ``leadership_eval_catalogue_pages = "catalogue"`` in ``conf.py`` (the default), a page per
bundled instrument is written into that folder of the docs before the build reads its sources.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

from .errors import InstrumentError
from .instruments.models import (
    Codebook,
    Evaluation,
    Guidance,
    Instrument,
    InterviewGuide,
    Survey,
    Text,
    text_in,
)

__all__ = ["CoverageMatrixDirective", "InstrumentDirective", "instrument_rst", "setup"]


def _t(text: Text | None, language: str = "en") -> str:
    return " ".join(text_in(text, language).split())


def _esc(text: str) -> str:
    """Escape reStructuredText inline markup in user text."""
    out = text.replace("\\", "\\\\")
    for ch in "*`|_[":
        out = out.replace(ch, "\\" + ch)
    return out


def _para(text: Text | None) -> list[str]:
    """A block of user text (may be several paragraphs), escaped."""
    raw = text_in(text)
    return [_esc(line) for line in raw.strip().splitlines()] + [""]


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
    from .instruments.expressions import ExpressionError, parse_choice_filter, parse_expression

    labels: dict[Any, str] = {i.id: _t(i.text) for i in s.items}
    for item in s.items:
        cl = s.choices_for(item)
        if cl is not None:
            for o in (*cl.options, *cl.missing):
                labels[(item.id, o.code)] = _t(o.label)
    types = {i.id: i.type for i in s.items}
    lines: list[str] = []
    if downloads:
        lines += [
            ":Deploy: "
            + " · ".join(f":download:`{name} <{path}>`" for name, path in downloads.items()),
            "",
        ]
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
            tags = [f"``{item.id}``", item.type.replace("_", " ")]
            if item.required:
                tags.append("required")
            if item.disclosure != "none":
                tags.append(f"disclosure: {item.disclosure.replace('_', ' ')}")
            lines.append(f"{number}. **{_esc(_t(item.text))}** ({', '.join(tags)})")
            lines.append("")
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
            cl = s.choices_for(item)
            if cl is not None:
                opts = "; ".join(f"{o.code} = {_esc(_t(o.label))}" for o in cl.options)
                many = ""
                if item.type == "multi_choice":
                    many = (
                        f" (up to {item.max_choices})"
                        if item.max_choices
                        else " (multiple answers)"
                    )
                body.append(f"Options{many}: {opts}.")
                if cl.missing:
                    miss = "; ".join(f"{o.code} = {_esc(_t(o.label))}" for o in cl.missing)
                    body.append(f"Missing codes (never scored): {miss}.")
            if item.type == "number":
                rng = []
                if item.min is not None:
                    rng.append(f"at least {item.min:g}")
                if item.max is not None:
                    rng.append(f"at most {item.max:g}")
                if rng:
                    body.append(f"A {'whole ' if item.integer else ''}number, {' and '.join(rng)}.")
            if item.objectives:
                body.append(f"Objectives: {_objectives(item.objectives)}.")
            for framework, domains in item.frameworks.items():
                body.append(f"{_esc(framework.upper())}: {_esc(', '.join(domains))}.")
            if item.column:
                body.append(f"Read from column ``{item.column}``.")
            for b in body:
                lines += [f"   {b}", ""]
            lines += _adopter(item.adopter_notes, indent="   ")
    if s.scales:
        lines += [".. rubric:: Scales", ""]
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
    if s.derived:
        lines += [".. rubric:: Derived variables (computed, not asked)", ""]
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
            values = "; ".join(f"{o.code} = {_esc(_t(o.label))}" for o in attr.values)
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
                    "Example: " + " / ".join(f"“{_esc(_t(x))}”" for x in code.examples[:2])
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


def instrument_rst(inst: Instrument, downloads: dict[str, str] | None = None) -> list[str]:
    """The reStructuredText lines the ``instrument`` directive renders for an instrument."""
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


class InstrumentDirective(SphinxDirective):
    """``.. instrument:: ID-OR-PATH``: render an instrument loaded through the library."""

    required_arguments = 1
    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {"downloads": directives.flag}

    def run(self) -> list[nodes.Node]:
        from .instruments.loader import load_instrument

        arg = self.arguments[0]
        candidate = Path(self.env.srcdir) / arg
        target: str | Path = candidate if candidate.is_file() else arg
        try:
            inst = load_instrument(target)
        except InstrumentError as exc:
            raise self.error(f"instrument {arg!r} is invalid:\n{exc}") from exc
        if isinstance(target, Path):
            self.env.note_dependency(str(target))
        downloads: dict[str, str] = {}
        if "downloads" in self.options and isinstance(inst, Survey):
            downloads = _exports(self.env.app, inst)
        lines = instrument_rst(inst, downloads)
        container = nodes.container(classes=["leadership-eval-instrument"])
        nested_parse_with_titles(
            self.state, StringList(lines, source=f"<instrument {arg}>"), container
        )
        return [container]


class CoverageMatrixDirective(SphinxDirective):
    """``.. coverage-matrix::``: objectives x instruments."""

    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {"folder": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        from .instruments.catalogue import load_catalogue

        folder = self.options.get("folder")
        try:
            cat = load_catalogue(Path(self.env.srcdir) / folder if folder else None)
        except InstrumentError as exc:
            raise self.error(f"the catalogue is invalid:\n{exc}") from exc
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


def _exports(app: Sphinx, survey: Survey) -> dict[str, str]:
    """Write the survey's XLSForm and REDCap exports into the docs; return name -> path."""
    out = Path(app.srcdir) / "_generated" / "downloads"
    out.mkdir(parents=True, exist_ok=True)
    found: dict[str, str] = {}
    try:
        from .interop.redcap import to_redcap
        from .interop.xlsform import to_xlsform
    except ImportError:  # pragma: no cover - interop is part of the package
        return found
    xls = out / f"{survey.id}-{survey.version}.xlsx"
    red = out / f"{survey.id}-{survey.version}-redcap.csv"
    to_xlsform(survey, xls)
    to_redcap(survey, red)
    found["XLSForm (ODK, Kobo)"] = "/" + str(xls.relative_to(app.srcdir))
    found["REDCap data dictionary"] = "/" + str(red.relative_to(app.srcdir))
    return found


def _write_catalogue_pages(app: Sphinx) -> None:
    folder = app.config.leadership_eval_catalogue_pages
    if not folder:
        return
    from .instruments.catalogue import load_catalogue

    root = Path(app.srcdir) / folder
    root.mkdir(parents=True, exist_ok=True)
    cat = load_catalogue()
    order = {"evaluation": 0, "survey": 1, "interview_guide": 2, "guidance": 3, "codebook": 4}
    idents = sorted(cat, key=lambda i: (order.get(cat[i].kind, 9), i))
    for ident in idents:
        inst = cat[ident]
        title = _t(inst.title)
        opts = "   :downloads:\n" if isinstance(inst, Survey) else ""
        text = f"{title}\n{'=' * len(title)}\n\n.. instrument:: {ident}\n{opts}"
        page = root / f"{ident}.rst"
        if not page.exists() or page.read_text(encoding="utf-8") != text:
            page.write_text(text, encoding="utf-8")
    index = (
        "The instrument catalogue\n========================\n\n"
        "Every instrument shipped with leadership-eval, rendered from its YAML by the\n"
        "``instrument`` directive.\n\n.. coverage-matrix::\n\n"
        ".. toctree::\n   :maxdepth: 1\n\n" + "".join(f"   {i}\n" for i in idents)
    )
    page = root / "index.rst"
    if not page.exists() or page.read_text(encoding="utf-8") != index:
        page.write_text(index, encoding="utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directives with Sphinx."""
    app.add_config_value("leadership_eval_catalogue_pages", "catalogue", "env")
    app.add_directive("instrument", InstrumentDirective)
    app.add_directive("coverage-matrix", CoverageMatrixDirective)
    app.connect("builder-inited", _write_catalogue_pages)
    from . import __version__

    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
