"""XLSForm export and import (ODK, KoboToolbox, Ona, SurveyCTO).

:func:`to_xlsform` writes a workbook that pyxform (the reference XLSForm converter) turns
into an XForm; :func:`from_xlsform` reads XLSForms back, ours exactly and hand-written ones
as well as their features allow.

How the survey maps onto XLSForm
--------------------------------
``survey`` sheet
    One ``begin_group``/``end_group`` pair per section (``name`` = section id, ``label`` =
    title). Items: ``select_one <list>`` (``likert`` items carry ``appearance: likert``),
    ``select_multiple <list>``, ``integer``/``decimal`` (``constraint`` from min/max), ``text``
    (``constraint: string-length(.) <= n`` from ``max_length``), ``date``, ``note``.
    ``required``, ``relevant`` (translated from ``show_if``), ``choice_filter`` (translated from
    the item's ``choice_filter``: ``selected(${activities}, name)``), ``hint`` (from ``help``),
    and ``count-selected(.) <= n`` in ``constraint`` for ``max_choices``. Texts in several
    languages fill ``label::English (en)`` / ``hint::Welsh (cy)`` columns.
``bind::le:*`` columns (namespace ``le`` declared in the settings' ``namespaces``)
    What XLSForm has no column for, per item, carried into the XForm as bind attributes (so
    ODK servers keep it too): ``le:show_if`` (the original expression), ``le:disclosure``,
    ``le:objectives`` (space-separated), ``le:frameworks`` and ``le:tags`` (JSON),
    ``le:column``, ``le:choice_filter`` (the original), and ``le:extra`` (JSON, for settings
    that the item's type does not use).
``choices`` sheet
    ``list_name`` = choice list id, ``name`` = code, ``label``. Missing codes are ordinary
    choices marked ``le_missing = yes``; ``le_code = text`` marks a text code that looks like
    a number; ``le_description`` holds option descriptions (JSON); ``le_exclusive = yes``
    marks an exclusive option ("none of these"); ``le_attributes`` holds option attributes
    (JSON), the analysts' facts about an option. pyxform keeps these
    extra columns as data of the choice instance.
``settings`` sheet
    ``form_id`` = survey id, ``version``, ``form_title``, ``default_language``,
    ``namespaces``.
``leadership_eval`` sheet (ignored by pyxform)
    One row per fact XLSForm cannot hold (``scope``, ``id``, ``field``, ``value`` as JSON):
    survey metadata (title in every language, description, authors, licence, changelog,
    languages, objectives, tags, respondent_id, group_by), section descriptions and
    objectives, ``ordered`` flags and descriptions of choice lists, scales (one row per field), which texts were
    plain strings in a multilingual form, and every ``adopter_notes`` (scopes ``survey``,
    ``section`` and ``item``): notes for adopters stay off the sheets a form is built from, so no
    respondent sees them.

The visible columns win over the extension: an XLSForm edited by hand (a label reworded, a
relevance rewritten, a constraint changed) is read as edited.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._files import file_bytes
from ..errors import InstrumentError, Problem
from ..instruments.models import Item, Survey, Text, text_in
from .common import (
    InteropWarning,
    dumps,
    ident,
    is_multilingual,
    language_code,
    language_label,
    number_text,
    parse_code,
    slug_id,
    survey_from_data,
    survey_languages,
    warn_unmapped,
)
from .logic import to_xpath

__all__ = [
    "LE_NAMESPACE",
    "META_SHEET",
    "InteropWarning",
    "from_xlsform",
    "stem_names",
    "to_xlsform",
]

LE_NAMESPACE = "https://leadership-eval.readthedocs.io/xlsform"
"""The XML namespace of the ``le:`` bind attributes."""

META_SHEET = "leadership_eval"
"""The extra sheet holding what XLSForm has no place for."""

_TYPE_OUT = {"text": "text", "date": "date", "note": "note"}
_META_SCOPES = ("survey", "section", "choice_list", "scale", "texts", "item")


def stem_names(survey: Survey) -> dict[str, str]:
    """Section id -> the name of the note that carries its description (the questions' stem).

    ``{section}_stem``, made unique among the survey's item ids; the readers of ODK and Kobo
    exports know these columns as notes.

    >>> from leadership_eval.instruments.loader import load_instrument
    >>> stem_names(load_instrument("trainee-survey"))["confidence"]
    'confidence_stem'
    """
    taken = {item.id for item in survey.items}
    out: dict[str, str] = {}
    for section in survey.sections:
        out[section.id] = ident(f"{section.id}_stem", taken)
    return out


# ------------------------------------------------------------------------------------ export


def to_xlsform(survey: Survey | str | Path, path: str | Path, language: str | None = None) -> Path:
    """Write ``survey`` as an XLSForm workbook (``.xlsx``).

    Parameters
    ----------
    survey : Survey, or a path or bundled id
        The instrument.
    path : str or pathlib.Path
        The workbook to write.
    language : str, optional
        Write only this language, as plain ``label``/``hint`` columns (for platforms without
        multilingual forms). Texts in other languages are then left out, with an
        :class:`InteropWarning`. By default every language is written.

    Returns
    -------
    pathlib.Path
        ``path``.

    Notes
    -----
    ``from_xlsform(to_xlsform(s, p)) == s`` for every survey (when ``language`` is not
    given): see the module documentation for where each field goes.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import leadership_eval as le
    >>> s = le.datasets.example_survey()
    >>> out = to_xlsform(s, pathlib.Path(tempfile.mkdtemp()) / "example.xlsx")
    >>> from_xlsform(out) == s
    True
    """
    from openpyxl import Workbook

    from ..instruments.loader import as_survey

    survey = as_survey(survey)
    path = Path(path)
    w = _XLSFormWriter(survey, language)
    rows = w.survey_rows()
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "survey"
    _append(ws, [w.header, *rows])
    _append(wb.create_sheet("choices"), w.choices_sheet())
    _append(wb.create_sheet("settings"), w.settings_sheet())
    _append(wb.create_sheet(META_SHEET), w.meta_sheet())
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    warn_unmapped(f"to_xlsform({path.name})", w.problems)
    return path


_BIND_COLUMNS = [
    "bind::le:show_if",
    "bind::le:disclosure",
    "bind::le:objectives",
    "bind::le:frameworks",
    "bind::le:tags",
    "bind::le:column",
    "bind::le:choice_filter",
    "bind::le:extra",
]


class _XLSFormWriter:
    """A survey's XLSForm sheets: survey rows (one per section boundary and question),
    choices, settings, and the meta sheet that carries what XLSForm has no column for."""

    def __init__(self, survey: Survey, language: str | None) -> None:
        self.survey = survey
        self.language = language
        self.langs = survey_languages(survey)
        self.problems: list[str] = []
        self.multi = language is None and is_multilingual(survey)
        if language is not None:
            others = [lang for lang in self.langs if lang != language]
            if others and is_multilingual(survey):
                self.problems.append(
                    f"language={language!r}: texts in {', '.join(others)} are not exported"
                )
        self.plain_paths: list[str] = []
        self.hidden: list[list[Any]] = []  # META_SHEET rows of the items kept off the form
        self.types = {item.id: item.type for item in survey.items}
        self.stems = stem_names(survey)
        self.header = [
            "type",
            "name",
            *self.text_headers("label"),
            *self.text_headers("hint"),
            "required",
            "relevant",
            "constraint",
            *self.text_headers("constraint_message"),
            "appearance",
            "choice_filter",
            *_BIND_COLUMNS,
        ]

    def first_language(self) -> str:
        return self.language or (self.langs[0] if self.langs else "en")

    def text_cells(self, value: Text | None, where: str) -> list[str]:
        if not self.multi:
            return [text_in(value, self.first_language()) if value else ""]
        if value is None:
            return [""] * len(self.langs)
        if isinstance(value, str):
            self.plain_paths.append(where)
            return [value] * len(self.langs)
        return [value.get(lang, "") for lang in self.langs]

    def text_headers(self, base: str) -> list[str]:
        if not self.multi:
            return [base]
        return [f"{base}::{language_label(lang)}" for lang in self.langs]

    def survey_rows(self) -> list[list[Any]]:
        rows: list[list[Any]] = []
        pad = [""] * (len(self.header) - 2 - len(self.text_headers("label")))
        for section in self.survey.sections:
            title = self.text_cells(section.title, f"section:{section.id}:title")
            rows.append(["begin_group", section.id, *title, *pad])
            if section.description:  # the stem of the section's questions, shown as a note
                where = f"section:{section.id}:description"
                stem = self.text_cells(section.description, where)
                rows.append(["note", self.stems[section.id], *stem, *pad])
            for position, item in enumerate(section.items):
                if item.id == self.survey.respondent_id:
                    # the platform's own record id (meta/instanceID) stands for it: never a
                    # question
                    dumped = item.model_dump(mode="json", exclude_defaults=True)
                    value = {"section": section.id, "position": position, "item": dumped}
                    self.hidden.append(["item", item.id, "hidden", dumps(value)])
                    continue
                rows.append(self.question(item))
            rows.append(["end_group", section.id] + [""] * (len(self.header) - 2))
        return rows

    def question(self, item: Item) -> list[Any]:
        qtype, constraint, message = self.question_type(item)
        if item.type == "text" and item.max_length is not None:
            constraint = f"string-length(.) <= {item.max_length}"
            message = f"At most {item.max_length} characters"
        extra = _extra_fields(item)
        choice_filter = ""
        if item.choice_filter:
            choice_filter = _choice_filter(item.choice_filter, self.types, item.id, self.problems)
        relevant = (
            _relevant(item.show_if, self.types, item.id, self.problems) if item.show_if else ""
        )
        return [
            qtype,
            item.id,
            *self.text_cells(item.text, f"item:{item.id}:text"),
            *self.text_cells(item.help, f"item:{item.id}:help"),
            "yes" if item.required else "",
            relevant,
            constraint,
            *([message] * len(self.text_headers("constraint_message"))),
            "likert" if item.type == "likert" else "",
            choice_filter,
            item.show_if or "",
            item.disclosure if item.disclosure != "none" else "",
            " ".join(item.objectives),
            dumps(item.frameworks) if item.frameworks else "",
            dumps(item.tags) if item.tags else "",
            item.column or "",
            item.choice_filter or "",
            dumps(extra) if extra else "",
        ]

    def question_type(self, item: Item) -> tuple[str, str, str]:
        """The XLSForm type, and the constraint and its message the type brings."""
        if item.type in ("likert", "choice"):
            return f"select_one {item.choices}", "", ""
        if item.type == "number":
            constraint, message = _range_constraint(item.min, item.max)
            return ("integer" if item.integer else "decimal"), constraint, message
        if item.type != "multi_choice":
            return _TYPE_OUT[item.type], "", ""
        constraint, message = "", ""
        cl = self.survey.choices_for(item)
        for code in cl.all_codes if cl else []:
            if re.search(r"\s", str(code)):
                self.problems.append(
                    f"item {item.id!r}: code {code!r} has a space, which "
                    "select_multiple answers cannot hold"
                )
        if cl is not None and cl.exclusive_codes:
            # "none of these" may not be ticked with anything else
            constraint = " and ".join(_exclusive_constraint(code) for code in cl.exclusive_codes)
            message = "An answer that rules out the others cannot be combined with them"
        if item.max_choices is not None:
            most = f"count-selected(.) <= {item.max_choices}"
            constraint = f"{constraint} and {most}" if constraint else most
            choose = f"Choose at most {item.max_choices}."
            message = f"{message} {choose}" if message else choose
        return f"select_multiple {item.choices}", constraint, message

    def choices_sheet(self) -> list[list[Any]]:
        header = ["list_name", "name", *self.text_headers("label"), "le_missing", "le_code"]
        header += ["le_description", "le_exclusive", "le_attributes"]
        rows: list[list[Any]] = [header]
        for name, cl in self.survey.choice_lists.items():
            for missing, options in ((False, cl.options), (True, cl.missing)):
                for opt in options:
                    code = str(opt.code)
                    text_code = isinstance(opt.code, str) and parse_code(code) != opt.code
                    rows.append(
                        [
                            name,
                            code,
                            *self.text_cells(opt.label, f"choice:{name}:{code}:label"),
                            "yes" if missing else "",
                            "text" if text_code else "",
                            dumps(opt.description) if opt.description is not None else "",
                            "yes" if opt.exclusive else "",
                            dumps(opt.attributes) if opt.attributes else "",
                        ]
                    )
        return rows

    def settings_sheet(self) -> list[list[Any]]:
        survey = self.survey
        header = ["form_id", "version", "form_title", "namespaces"]
        row = [
            survey.id,
            survey.version,
            text_in(survey.title, self.first_language()),
            f'le="{LE_NAMESPACE}"',
        ]
        if self.multi:
            header.append("default_language")
            row.append(language_label(self.langs[0]))
        return [header, row]

    def meta_sheet(self) -> list[list[Any]]:
        survey = self.survey
        meta: list[list[Any]] = [["scope", "id", "field", "value"]]
        # every survey-level field but those the sheets carry (so fields added later travel too)
        doc = survey.model_dump(
            mode="json",
            exclude_defaults=True,
            exclude={"kind", "id", "version", "choice_lists", "sections", "scales"},
        )
        doc["title"] = survey.model_dump(mode="json", include={"title"})["title"]
        meta.extend(["survey", "", key, dumps(value)] for key, value in doc.items())
        for section in survey.sections:
            dumped = section.model_dump(
                mode="json", exclude_defaults=True, exclude={"id", "title", "items", "description"}
            )
            meta.extend(["section", section.id, key, dumps(value)] for key, value in dumped.items())
            if section.description:
                meta.append(["section", section.id, "stem", dumps(self.stems[section.id])])
            for item in section.items:
                if item.adopter_notes is not None and item.id != survey.respondent_id:
                    meta.append(["item", item.id, "adopter_notes", dumps(item.adopter_notes)])
        meta.extend(self.hidden)
        for name, cl in survey.choice_lists.items():
            if cl.ordered:
                meta.append(["choice_list", name, "ordered", "true"])
            if cl.description is not None:
                meta.append(["choice_list", name, "description", dumps(cl.description)])
        for scale in survey.scales:
            dumped = scale.model_dump(mode="json", exclude_defaults=True)
            meta.append(["scale", scale.id, "title", dumps(dumped.pop("title"))])
            meta.extend(["scale", scale.id, k, dumps(v)] for k, v in dumped.items() if k != "id")
        if self.plain_paths:
            meta.append(["texts", "", "plain", dumps(self.plain_paths)])
        return meta


def _extra_fields(item: Item) -> dict[str, Any]:
    """Fields of an item its XLSForm type does not carry (kept in ``bind::le:extra``)."""
    extra: dict[str, Any] = {}
    if item.type != "number":
        for key in ("min", "max"):
            if getattr(item, key) is not None:
                extra[key] = getattr(item, key)
        if item.integer:
            extra["integer"] = True
    if item.type != "text" and item.max_length is not None:
        extra["max_length"] = item.max_length
    if item.type != "multi_choice" and item.max_choices is not None:
        extra["max_choices"] = item.max_choices
    return extra


def _append(ws: Any, rows: list[list[Any]]) -> None:
    """Append rows, keeping text that a spreadsheet would take for a formula as text."""
    from ..safe_output import mark_text_cell

    for r in rows:
        ws.append(r)
        for cell in ws[ws.max_row]:
            mark_text_cell(cell)


def _range_constraint(lo: float | None, hi: float | None) -> tuple[str, str]:
    parts = []
    if lo is not None:
        parts.append(f". >= {number_text(lo)}")
    if hi is not None:
        parts.append(f". <= {number_text(hi)}")
    if lo is not None and hi is not None:
        msg = f"Enter a number from {number_text(lo)} to {number_text(hi)}"
    elif lo is not None:
        msg = f"Enter a number of at least {number_text(lo)}"
    elif hi is not None:
        msg = f"Enter a number of at most {number_text(hi)}"
    else:
        msg = ""
    return " and ".join(parts), msg


def _choice_filter(text: str, types: Mapping[str, str], item_id: str, problems: list[str]) -> str:
    from ..instruments.expressions import ExpressionError, parse_choice_filter

    try:
        return to_xpath(parse_choice_filter(text), types)
    except ExpressionError as exc:
        problems.append(f"item {item_id!r}: choice_filter {text!r} has no XLSForm form: {exc}")
        return ""


def _relevant(show_if: str, types: Mapping[str, str], item_id: str, problems: list[str]) -> str:
    from ..instruments.expressions import ExpressionError, parse_expression

    try:
        return to_xpath(parse_expression(show_if), types)
    except ExpressionError as exc:
        problems.append(f"item {item_id!r}: show_if {show_if!r} has no XLSForm form: {exc}")
        return ""


# ------------------------------------------------------------------------------------ import


_META_TYPES = {
    "start",
    "end",
    "today",
    "deviceid",
    "subscriberid",
    "simserial",
    "phonenumber",
    "username",
    "email",
    "audit",
    "start-geopoint",
    "background-audio",
}
_TYPE_ALIASES = {
    "select one": "select_one",
    "select_one": "select_one",
    "select1": "select_one",
    "select all that apply": "select_multiple",
    "select multiple": "select_multiple",
    "select_multiple": "select_multiple",
    "begin group": "begin_group",
    "begin_group": "begin_group",
    "end group": "end_group",
    "end_group": "end_group",
    "begin repeat": "begin_repeat",
    "begin_repeat": "begin_repeat",
    "end repeat": "end_repeat",
    "end_repeat": "end_repeat",
    "int": "integer",
    "integer": "integer",
    "decimal": "decimal",
    "text": "text",
    "string": "text",
    "date": "date",
    "note": "note",
    "range": "range",
}
_COLUMN_ALIASES = {
    "caption": "label",
    "relevance": "relevant",
    "list name": "list_name",
    "value": "name",
    "required": "required",
    "mandatory": "required",
}
_HANDLED = {
    "choice_filter",
    "type",
    "name",
    "label",
    "hint",
    "required",
    "relevant",
    "constraint",
    "constraint_message",
    "appearance",
    "parameters",
}


class _Sheet:
    """A worksheet as header-normalised rows (with their 1-based row numbers)."""

    def __init__(self, ws: Any, aliases: bool = True) -> None:
        values = list(ws.iter_rows(values_only=True))
        self.headers: list[str] = []
        self.rows: list[tuple[int, dict[str, Any]]] = []
        if not values:
            return
        norm = _norm_header if aliases else (lambda h: h.strip().lower())
        self.headers = [norm(str(h)) if h is not None else "" for h in values[0]]
        for n, raw in enumerate(values[1:], start=2):
            row = {
                h: v
                for h, v in zip(self.headers, raw, strict=False)
                if h and v is not None and str(v).strip() != ""
            }
            if row:
                self.rows.append((n, row))


def _norm_header(header: str) -> str:
    """Lower-case a column's base name and resolve aliases (``list name`` -> ``list_name``)."""
    header = header.strip()
    if header.lower().startswith(("bind::", "instance::", "body::")):
        return header
    for sep in ("::", ":"):
        if sep in header:
            base, rest = header.split(sep, 1)
            base = base.strip().lower()
            return f"{_COLUMN_ALIASES.get(base, base)}::{rest.strip()}"
    return _COLUMN_ALIASES.get(header.lower(), header.lower())


def _split_header(header: str) -> tuple[str, str | None]:
    """``label::English (en)`` -> (``label``, ``en``); ``bind::x`` stays whole."""
    if header.lower().startswith(("bind::", "instance::", "body::")):
        return header, None
    if "::" in header:
        base, lang = header.split("::", 1)
    elif ":" in header:
        base, lang = header.split(":", 1)
    else:
        return _COLUMN_ALIASES.get(header.lower(), header.lower()), None
    base = _COLUMN_ALIASES.get(base.strip().lower(), base.strip().lower())
    return base, language_code(lang)


def _cell(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() if value is not None else ""


def _truthy(value: Any) -> bool:
    return _cell(value).lower() in ("yes", "true", "true()", "1", "y")


class _Texts:
    """Reads the (possibly multilingual) text columns of a sheet."""

    def __init__(self, headers: list[str], languages: list[str], plain: set[str]) -> None:
        self.by_base: dict[str, list[tuple[str | None, str]]] = {}
        for h in headers:
            if not h:
                continue
            base, lang = _split_header(h)
            self.by_base.setdefault(base, []).append((lang, h))
        self.languages = languages
        self.plain = plain

    def get(self, row: dict[str, Any], base: str, where: str) -> Text | None:
        cols = self.by_base.get(base, [])
        values: dict[str, str] = {}
        plain_value = ""
        for lang, header in cols:
            v = _cell(row.get(header))
            if lang is None:
                plain_value = v
            elif v:
                values[lang] = v
        if not values:
            return plain_value or None
        if where in self.plain:
            distinct = set(values.values())
            if len(distinct) == 1:
                return distinct.pop()
        if plain_value and self.languages and self.languages[0] not in values:
            values[self.languages[0]] = plain_value
        ordered = {lang: values[lang] for lang in self.languages if lang in values}
        ordered.update({k: v for k, v in values.items() if k not in ordered})
        return ordered


def _read_meta(ws: Any) -> dict[tuple[str, str], dict[str, Any]]:
    sheet = _Sheet(ws, aliases=False)
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for _, row in sheet.rows:
        scope = _cell(row.get("scope"))
        key = (scope, _cell(row.get("id")))
        field = _cell(row.get("field"))
        raw = row.get("value")
        try:
            value = json.loads(str(raw)) if raw is not None else None
        except json.JSONDecodeError:
            value = raw
        out.setdefault(key, {})[field] = value
    return out


def from_xlsform(path: str | Path) -> Survey:
    """Read an XLSForm workbook as a :class:`Survey`.

    Parameters
    ----------
    path : str or pathlib.Path
        An ``.xlsx`` XLSForm: one written by :func:`to_xlsform` (read back exactly), or one
        written by hand or by another tool.

    Returns
    -------
    Survey

    Raises
    ------
    InstrumentError
        When the workbook is not an XLSForm (``not-xlsform``: no ``survey`` sheet, or a file
        that is no .xlsx workbook, such as a CSV XLSForm: save it as .xlsx), a select without
        its choice list, a choice list with a code twice (``duplicate-code``), unbalanced
        groups..., each problem located by sheet row.
    DataError
        ``missing-file``: no file at ``path`` (or a folder); ``unreadable``: it cannot be read.

    Warns
    -----
    InteropWarning
        Listing everything that could not be mapped: question types the survey format has no
        equivalent for (calculations, GPS, media, metadata fields), repeats and nested
        groups (flattened), relevance and constraint expressions outside the ``show_if``
        language, and columns with no place in an instrument (defaults, choice filters...).

    Notes
    -----
    Names that are not item ids (upper case, dots, hyphens) become ids (``Age-Years`` ->
    ``age_years``) with ``column`` keeping the original name, so response exports still
    match. Items outside any group form a section of their own; a group's ``relevant`` is
    added (with ``and``) to each of its items. ``appearance: likert`` makes an item
    ``likert`` (its choice list is then ordered).
    """
    reader = _XLSFormReader(Path(path))
    survey = reader.read()
    warn_unmapped(f"from_xlsform({reader.path.name})", reader.problems)
    return survey


def _not_a_workbook(head: bytes) -> str:
    """Why a file whose first bytes are ``head`` is no XLSX workbook, and what to do."""
    if not head:
        return "the file is empty; an XLSForm is an .xlsx workbook"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return (
            "this is a legacy Excel .xls workbook (or a password-protected one); open it in "
            "Excel or LibreOffice and save it as .xlsx"
        )
    try:
        head.decode("utf-8")
        text = b"\x00" not in head
    except UnicodeDecodeError as exc:  # a character cut at the 4096th byte is still text
        text = exc.start >= len(head) - 3 and b"\x00" not in head
    if text:
        return (
            "this is a text file (CSV?), not an .xlsx workbook; this importer reads XLSForms "
            "saved as .xlsx: open it in Excel or LibreOffice and save it as an .xlsx workbook "
            "with sheets survey and choices (a CSV XLSForm holds them one below the other)"
        )
    return "not an .xlsx workbook (an XLSForm is an Excel .xlsx file)"


_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:[-+][0-9A-Za-z.-]+)?$")
_CHOICE_COLUMNS = (
    "list_name",
    "name",
    "label",
    "le_missing",
    "le_code",
    "le_description",
    "le_exclusive",
    "le_attributes",
)
_NOT_REQUIRED = ("no", "false", "false()", "0", "n")


@dataclass
class _Row:
    """One survey-sheet row, its type read: the unit each row handler takes."""

    number: int
    cells: dict[str, Any]
    raw_type: str
    qtype: str | None
    list_name: str | None
    name: str


class _XLSFormReader:
    """Reads an XLSForm workbook row by row into a survey document, one handler per row type.

    :meth:`read` opens the workbook, reads the choices sheet (:meth:`choice_row` per row) and
    the survey sheet, dispatching each row on its type (:meth:`begin_group`,
    :meth:`end_group`, :meth:`question`, or :meth:`skipped`), then resolves the skip logic
    (which may refer to later questions) and builds the document. Problems that stop the
    import collect in ``errors``; what could not be carried exactly, in ``problems``.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.src = str(path)
        self.problems: list[str] = []
        self.errors: list[Problem] = []
        self.choice_lists: dict[str, dict[str, Any]] = {}
        self.choice_codes: dict[str, list[int | str]] = {}
        self.code_rows: dict[tuple[str, str], int] = {}  # (list, code) -> its first row
        self.sections: list[dict[str, Any]] = []
        self.taken: set[str] = set()
        self.section_taken: set[str] = set()
        self.name_map: dict[str, str] = {}
        self.pending_relevant: list[tuple[dict[str, Any], str, str, int]] = []
        self.pending_filters: list[tuple[dict[str, Any], str, str, int]] = []
        self.group_stack: list[tuple[str, str | None, int]] = []  # (kind, relevant, row)
        self.current: dict[str, Any] | None = None
        self.loose: dict[str, Any] | None = None
        self.used_lists: dict[str, list[str]] = {}
        self.item_types: dict[str, str] = {}

    # ---- the workbook ----------------------------------------------------------------------
    def read(self) -> Survey:
        survey_sheet, choices_sheet, settings_sheet = self.open()
        rows = settings_sheet.rows if settings_sheet else []
        self.settings = {k.strip().lower(): v for k, v in (rows[0][1] if rows else {}).items()}
        self.survey_meta = self.meta.get(("survey", ""), {})
        plain = set(self.meta.get(("texts", ""), {}).get("plain") or [])
        self.langs = self.languages(survey_sheet, choices_sheet)
        self.texts = _Texts(survey_sheet.headers, self.langs, plain)
        if choices_sheet:
            ctexts = _Texts(choices_sheet.headers, self.langs, plain)
            for rownum, row in choices_sheet.rows:
                self.choice_row(rownum, row, ctexts)
        for rownum, row in survey_sheet.rows:
            self.survey_row(rownum, row)
        if self.group_stack:
            kind, _, rownum = self.group_stack[-1]
            self.error(rownum, "unbalanced-group", f"survey row {rownum}: {kind} is never closed")
        if self.errors:
            raise InstrumentError(self.errors, summary=f"cannot import XLSForm {self.path.name}")
        self.restore_hidden_items()
        self.finish_choice_lists()
        self.resolve_logic()
        return survey_from_data(self.document(), self.src, f"the XLSForm {self.path.name}")

    def open(self) -> tuple[_Sheet, _Sheet | None, _Sheet | None]:
        """The survey, choices and settings sheets (and the metadata sheet into ``meta``).

        The file is read by its content, whatever its extension: an XLSX workbook saved as
        ``.bin`` is read; a CSV file (pyxform's CSV XLSForms), a legacy ``.xls`` workbook or
        any other file is refused with ``not-xlsform``.
        """
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        head = file_bytes(
            self.path, "from_xlsform reads an XLSForm workbook, a .xlsx file", limit=4096
        )
        if not head.startswith(b"PK\x03\x04"):
            raise self.not_xlsform(f"cannot read the workbook: {_not_a_workbook(head)}")
        with self.path.open("rb") as fh:
            try:
                wb = load_workbook(fh, read_only=True, data_only=True)
            except (
                OSError,
                ValueError,
                KeyError,
                zipfile.BadZipFile,
                InvalidFileException,
            ) as exc:
                raise self.not_xlsform(f"cannot read the workbook: {exc}") from exc
            try:
                sheets = {name.lower(): wb[name] for name in wb.sheetnames}
                if "survey" not in sheets:
                    raise self.not_xlsform(
                        f"the workbook has no 'survey' sheet (sheets: {', '.join(wb.sheetnames)})"
                    )
                found = (
                    _Sheet(sheets["survey"]),
                    _Sheet(sheets["choices"]) if "choices" in sheets else None,
                    _Sheet(sheets["settings"]) if "settings" in sheets else None,
                )
                self.meta = _read_meta(sheets[META_SHEET]) if META_SHEET in sheets else {}
            finally:
                wb.close()
        return found

    def not_xlsform(self, message: str) -> InstrumentError:
        return InstrumentError(
            [Problem(self.src, 0, 0, "not-xlsform", message)], summary="cannot import XLSForm"
        )

    def error(self, rownum: int, code: str, message: str) -> None:
        self.errors.append(Problem(self.src, rownum, 0, code, message))

    def languages(self, survey_sheet: _Sheet, choices_sheet: _Sheet | None) -> list[str]:
        """The declared default first, then the order of the columns."""
        langs: list[str] = []
        default_lang = self.settings.get("default_language")
        if default_lang:
            langs.append(language_code(str(default_lang)))
        for sheet in (survey_sheet, choices_sheet):
            for h in sheet.headers if sheet else []:
                base, lang = _split_header(h)
                if lang and base in ("label", "hint") and lang not in langs:
                    langs.append(lang)
        if isinstance(self.survey_meta.get("languages"), list):
            declared = [str(x) for x in self.survey_meta["languages"]]
            langs = declared + [x for x in langs if x not in declared]
        return langs

    # ---- choices ---------------------------------------------------------------------------
    def choice_row(self, rownum: int, row: dict[str, Any], ctexts: _Texts) -> None:
        lname = _cell(row.get("list_name"))
        if not lname:
            return
        if "name" not in row:
            message = f"choices row {rownum} of list {lname!r} has no name"
            self.error(rownum, "missing-choice-name", message)
            return
        raw_code = _cell(row["name"])
        code: int | str = (
            raw_code if _cell(row.get("le_code")) == "text" else parse_code(row["name"])
        )
        first = self.code_rows.setdefault((lname, str(code)), rownum)
        if first != rownum:
            message = (
                f"choices row {rownum}: list {lname!r} has code {code!r} twice (rows {first} "
                f"and {rownum}): each choice needs a name of its own, or answers could not be "
                "told apart"
            )
            self.error(rownum, "duplicate-code", message)
            return
        label = ctexts.get(row, "label", f"choice:{lname}:{raw_code}:label") or raw_code
        option: dict[str, Any] = {"code": code, "label": label}
        if row.get("le_description") is not None:
            try:
                option["description"] = json.loads(str(row["le_description"]))
            except json.JSONDecodeError:
                option["description"] = str(row["le_description"])
        cl = self.choice_lists.setdefault(lname, {"options": [], "missing": []})
        if _truthy(row.get("le_exclusive")):
            option["exclusive"] = True
        if row.get("le_attributes") is not None:
            try:
                option["attributes"] = json.loads(str(row["le_attributes"]))
            except json.JSONDecodeError:
                self.problems.append(
                    f"choices row {rownum}: le_attributes is not JSON; not carried"
                )
        cl["missing" if _truthy(row.get("le_missing")) else "options"].append(option)
        self.choice_codes.setdefault(lname, []).append(code)
        for h in row:
            if _split_header(h)[0] not in _CHOICE_COLUMNS:
                self.problems.append(f"choices row {rownum}: column {h!r} is not carried")

    # ---- survey rows: one handler per row type ---------------------------------------------
    def survey_row(self, rownum: int, cells: dict[str, Any]) -> None:
        raw_type = _cell(cells.get("type"))
        if not raw_type:
            self.problems.append(f"survey row {rownum}: no type; row skipped")
            return
        parts = raw_type.split()
        base = " ".join(parts[:-1]) if len(parts) > 1 else parts[0]
        qtype = _TYPE_ALIASES.get(base.lower()) or _TYPE_ALIASES.get(raw_type.lower())
        selects = ("select_one", "select_multiple")
        list_name = parts[-1] if len(parts) > 1 and qtype in selects else None
        row = _Row(rownum, cells, raw_type, qtype, list_name, _cell(cells.get("name")))
        if qtype in ("begin_group", "begin_repeat"):
            self.begin_group(row)
        elif qtype in ("end_group", "end_repeat"):
            self.end_group(row)
        elif qtype is None or (qtype == "range" and not row.name):
            self.skipped(row, base.lower())
        elif not row.name:
            message = f"survey row {rownum}: a {raw_type} question has no name"
            self.error(rownum, "missing-name", message)
        elif not self.section_description(row):
            self.question(row)

    def begin_group(self, row: _Row) -> None:
        assert row.qtype is not None
        relevant = _cell(row.cells.get("relevant")) or None
        name, rownum = row.name, row.number
        if row.qtype == "begin_repeat":
            self.problems.append(
                f"survey row {rownum}: repeat {name!r} flattened (an instrument has no "
                "repeats: its questions are asked once)"
            )
        if not self.group_stack and row.qtype == "begin_group":
            sid = ident(name or "section", self.section_taken, "section")
            sec_title = self.texts.get(row.cells, "label", f"section:{sid}:title") or name or sid
            self.current = {"id": sid, "title": sec_title, "items": []}
            for key, value in self.meta.get(("section", sid), {}).items():
                if key != "stem":
                    self.current[key] = value
            self.sections.append(self.current)
            self.loose = None
        elif row.qtype == "begin_group":
            self.problems.append(
                f"survey row {rownum}: nested group {name!r} flattened into its section"
                + (" (its label is not carried)" if row.cells.get("label") else "")
            )
        for h, v in row.cells.items():
            if _split_header(h)[0] not in ("type", "name", "label", "relevant"):
                self.problems.append(
                    f"survey row {rownum}: column {h!r} ({_cell(v)!r}) of group {name!r} "
                    "is not carried"
                )
        self.group_stack.append((row.qtype, relevant, rownum))

    def end_group(self, row: _Row) -> None:
        if not self.group_stack:
            message = f"survey row {row.number}: {row.raw_type} without a matching begin"
            self.error(row.number, "unbalanced-group", message)
            return
        self.group_stack.pop()
        if not self.group_stack:
            self.current = None

    def skipped(self, row: _Row, base: str) -> None:
        kind = "metadata field" if base in _META_TYPES else "question type"
        self.problems.append(
            f"survey row {row.number}: {kind} {row.raw_type!r} ({row.name or 'no name'}) has "
            "no equivalent in the survey format; skipped"
        )

    def section_description(self, row: _Row) -> bool:
        """Whether the row is the note :func:`to_xlsform` writes for a section's description
        (read into the section)."""
        if row.qtype != "note" or self.current is None or not self.group_stack:
            return False
        stem = self.meta.get(("section", self.current["id"]), {}).get("stem")
        if stem is None or row.name != stem:
            return False
        where = f"section:{self.current['id']}:description"
        description = self.texts.get(row.cells, "label", where)
        if description is not None:
            self.current["description"] = description
        return True

    def question(self, row: _Row) -> None:
        item_id = ident(row.name, self.taken)
        self.name_map[row.name] = item_id
        item: dict[str, Any] = {"id": item_id}
        if item_id != row.name:
            item["column"] = row.name
        if not self.question_type(row, item):
            return
        self.item_types[item_id] = item["type"]
        self.question_texts(row, item)
        _read_constraint(item, _cell(row.cells.get("constraint")), row.number, self.problems)
        binds = {
            h[len("bind::") :].lower(): v
            for h, v in row.cells.items()
            if h.lower().startswith("bind::")
        }
        self.extensions(row, item, binds)
        self.uncarried_columns(row)
        conditions = [rel for _, rel, _ in self.group_stack if rel]
        own = _cell(row.cells.get("relevant"))
        if own or conditions:
            stored = _cell(binds.get("le:show_if"))
            self.pending_relevant.append((item, own, stored, row.number))
            item["_groups"] = conditions
        self.place(item)

    def question_type(self, row: _Row, item: dict[str, Any]) -> bool:
        """Set the item's type (and choices, range); False when the row cannot be imported."""
        qtype, rownum = row.qtype, row.number
        if qtype in ("select_one", "select_multiple"):
            return self.select(row, item)
        if qtype in ("integer", "decimal", "range"):
            item["type"] = "number"
            if qtype == "integer":
                item["integer"] = True
            if qtype == "range":
                params = _cell(row.cells.get("parameters"))
                found = dict(re.findall(r"(\w+)\s*=\s*([-\d.]+)", params))
                if "start" in found:
                    item["min"] = float(found["start"])
                if "end" in found:
                    item["max"] = float(found["end"])
                step = found.get("step", "1")
                if float(step).is_integer() and float(found.get("start", 0)).is_integer():
                    item["integer"] = True
                self.problems.append(
                    f"survey row {rownum}: range {row.name!r} read as a number item "
                    f"({params or 'no parameters'})"
                )
            return True
        item["type"] = qtype
        return True

    def select(self, row: _Row, item: dict[str, Any]) -> bool:
        rownum, list_name = row.number, row.list_name
        if not list_name:
            message = f"survey row {rownum}: {row.raw_type!r} names no choice list"
            self.error(rownum, "missing-list", message)
            return False
        if list_name not in self.choice_lists:
            message = f"survey row {rownum}: choice list {list_name!r} is not on the choices sheet"
            self.error(rownum, "unknown-choice-list", message)
            return False
        appearance = _cell(row.cells.get("appearance")).lower()
        if row.qtype == "select_multiple":
            item["type"] = "multi_choice"
        elif "likert" in appearance.split():
            item["type"] = "likert"
        else:
            item["type"] = "choice"
        item["choices"] = list_name
        self.used_lists.setdefault(list_name, []).append(item["type"])
        return True

    def question_texts(self, row: _Row, item: dict[str, Any]) -> None:
        """Label, hint, required and appearance."""
        item_id, rownum, cells = item["id"], row.number, row.cells
        text = self.texts.get(cells, "label", f"item:{item_id}:text")
        if text is None:
            text = row.name
            if item["type"] != "note":
                self.problems.append(
                    f"survey row {rownum}: {row.name!r} has no label; its name is used"
                )
        item["text"] = text
        help_text = self.texts.get(cells, "hint", f"item:{item_id}:help")
        if help_text is not None:
            item["help"] = help_text
        required = _cell(cells.get("required"))
        if _truthy(cells.get("required")):
            item["required"] = True
        elif required and required.lower() not in _NOT_REQUIRED:
            self.problems.append(
                f"survey row {rownum}: required condition {cells['required']!r} read as not "
                "required"
            )
        appearance = _cell(cells.get("appearance"))
        if appearance and appearance.lower() != "likert":
            self.problems.append(f"survey row {rownum}: appearance {appearance!r} is not carried")

    def extensions(self, row: _Row, item: dict[str, Any], binds: dict[str, Any]) -> None:
        """The ``bind::le:*`` columns :func:`to_xlsform` writes, and the choice filter."""
        if binds.get("le:disclosure"):
            item["disclosure"] = _cell(binds["le:disclosure"])
        if binds.get("le:objectives"):
            item["objectives"] = _cell(binds["le:objectives"]).split()
        for key in ("frameworks", "tags"):
            if binds.get(f"le:{key}"):
                item[key] = json.loads(str(binds[f"le:{key}"]))
        if binds.get("le:column"):
            item["column"] = _cell(binds["le:column"])
        if binds.get("le:extra"):
            item.update(json.loads(str(binds["le:extra"])))
        notes = self.meta.get(("item", row.name), {}).get("adopter_notes")
        if notes is not None:
            item["adopter_notes"] = notes
        own_filter = _cell(row.cells.get("choice_filter"))
        if own_filter:
            stored = _cell(binds.get("le:choice_filter"))
            self.pending_filters.append((item, own_filter, stored, row.number))

    def uncarried_columns(self, row: _Row) -> None:
        for h, v in row.cells.items():
            base_name = _split_header(h)[0]
            if base_name.lower().startswith("bind::le:"):
                continue
            if base_name not in _HANDLED and not base_name.startswith("bind::le"):
                self.problems.append(
                    f"survey row {row.number}: column {h!r} ({_cell(v)!r}) is not carried"
                )

    def place(self, item: dict[str, Any]) -> None:
        """Into the open group's section, or the section of questions outside any group."""
        if self.group_stack and self.current is not None:
            self.current["items"].append(item)
            return
        if self.loose is None:
            sid = ident("main", self.section_taken, "section")
            title = self.settings.get("form_title") or "Questions"
            self.loose = {"id": sid, "title": str(title), "items": []}
            self.sections.append(self.loose)
        self.loose["items"].append(item)

    # ---- after the rows --------------------------------------------------------------------
    def restore_hidden_items(self) -> None:
        """Items kept off the form (the respondent id), back where they were."""
        for (scope, _), fields in self.meta.items():
            if scope != "item" or not isinstance(fields.get("hidden"), dict):
                continue
            spec = fields["hidden"]
            target = next((s for s in self.sections if s["id"] == spec.get("section")), None)
            if target is None or not isinstance(spec.get("item"), dict):
                self.problems.append(
                    f"{META_SHEET} sheet: hidden item of section {spec.get('section')!r} "
                    "has no section to go to; not carried"
                )
                continue
            hidden_item = dict(spec["item"])
            self.taken.add(str(hidden_item.get("id")))
            position = min(int(spec.get("position", 0)), len(target["items"]))
            target["items"].insert(position, hidden_item)

    def finish_choice_lists(self) -> None:
        """Ordered flags and descriptions; lists whose every option was marked missing."""
        for lname, cl in self.choice_lists.items():
            list_meta = self.meta.get(("choice_list", lname), {})
            if "description" in list_meta:
                cl["description"] = list_meta["description"]
            if list_meta.get("ordered") or "likert" in self.used_lists.get(lname, []):
                cl["ordered"] = True
            if not cl["missing"]:
                del cl["missing"]
            if not cl["options"]:
                cl["options"] = cl.pop("missing", [])
                self.problems.append(f"choice list {lname!r}: every option was marked missing")

    def resolve_logic(self) -> None:
        """Relevance and choice filters, read once every question is known."""
        item_codes = {
            sec_item["id"]: self.choice_codes.get(sec_item["choices"], [])
            for sec in self.sections
            for sec_item in sec["items"]
            if "choices" in sec_item
        }
        order = [i["id"] for s in self.sections for i in s["items"]]
        for item, own, stored, rownum in self.pending_relevant:
            groups = item.pop("_groups", [])
            item_show = _show_if(
                own,
                stored,
                groups,
                self.name_map,
                self.item_types,
                item_codes,
                item["id"],
                order,
                rownum,
                self.problems,
            )
            if item_show:
                item["show_if"] = item_show
        for item, own_filter, stored_filter, rownum in self.pending_filters:
            read = _read_choice_filter(
                own_filter, stored_filter, self.item_types, item["id"], rownum
            )
            if read is None:
                self.problems.append(
                    f"survey row {rownum}: choice_filter {own_filter!r} has no choice_filter "
                    "form in the survey format; every option is offered"
                )
            else:
                item["choice_filter"] = read

    def document(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": "survey"}
        form_id = _cell(self.settings.get("form_id"))
        data["id"] = slug_id(form_id or self.path.stem)
        if form_id and data["id"] != form_id:
            self.problems.append(f"settings: form_id {form_id!r} read as id {data['id']!r}")
        data["version"] = self.version()
        title: Any = self.survey_meta.get("title")
        form_title = _cell(self.settings.get("form_title"))
        first = self.langs[0] if self.langs else "en"
        if title is None or (form_title and form_title != text_in(title, first)):
            title = form_title or self.path.stem
        data["title"] = title
        data.update({k: v for k, v in self.survey_meta.items() if k != "title"})
        labelled = any(lang for lang, _ in self.texts.by_base.get("label") or [])
        if self.langs and "languages" not in data and labelled:
            data["languages"] = self.langs
        data["choice_lists"] = self.choice_lists
        sections = self.sections
        data["sections"] = [s for s in sections if s["items"] or s.get("description")] or sections
        scales = [{"id": k, **f} for (scope, k), f in self.meta.items() if scope == "scale"]
        if scales:
            data["scales"] = scales
        for scope, key in self.meta:
            if scope not in _META_SCOPES:
                self.problems.append(f"{META_SHEET} sheet: unknown scope {scope!r} ({key}) ignored")
        return data

    def version(self) -> str:
        version = _cell(self.settings.get("version"))
        if not version:
            return "1.0.0"
        if _SEMVER.match(version):
            return version
        read = "1.0.0+" + re.sub(r"[^0-9A-Za-z.-]", "-", version)
        self.problems.append(
            f"settings: version {version!r} is not a semantic version; read as {read!r}"
        )
        return read


_NUM = r"(-?\d+(?:\.\d+)?)"


def _read_choice_filter(
    own: str, stored: str, item_types: Mapping[str, str], item_id: str, rownum: int
) -> str | None:
    """The item's choice_filter: the stored original when the column still says what it would
    write, else the column read back when it is ``selected(${x}, name)`` (and nothing else)."""
    from ..instruments.expressions import ExpressionError, parse_choice_filter

    if stored:
        try:
            if to_xpath(parse_choice_filter(stored), item_types).strip() == own.strip():
                return stored
        except ExpressionError:
            pass
    m = re.fullmatch(r"\s*selected\(\s*\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}\s*,\s*name\s*\)\s*", own)
    if m and m.group(1) in item_types:
        return f"selected({m.group(1)}, choice)"
    return None


def _exclusive_constraint(code: Any) -> str:
    """The XLSForm constraint that keeps an exclusive option of a select_multiple alone."""
    return f"not(selected(., '{code}') and count-selected(.) > 1)"


_EXCLUSIVE = re.compile(
    r"not\(\s*selected\(\s*\.\s*,\s*'[^']*'\s*\)\s+and\s+count-selected\(\s*\.\s*\)\s*>\s*1\s*\)"
)


def _read_constraint(item: dict[str, Any], text: str, rownum: int, problems: list[str]) -> None:
    if item.get("type") == "multi_choice":
        # the constraint written for exclusive options: carried by the choices' le_exclusive
        text = _EXCLUSIVE.sub("", text)
        most = re.search(r"count-selected\(\s*\.\s*\)\s*<=\s*(\d+)", text)
        if most:
            item["max_choices"] = int(most.group(1))
            text = text.replace(most.group(0), "")
        text = re.sub(r"^\s*(and\s+)*|(\s+and)*\s*$", "", text)
        text = re.sub(r"\s+and\s+(and\s+)+", " and ", text)
    if not text:
        return
    unread = []
    for part in re.split(r"\s+and\s+", text.strip()):
        part = part.strip()
        while part.startswith("(") and part.endswith(")"):
            part = part[1:-1].strip()
        m = re.fullmatch(r"\.\s*(>=|<=|>|<)\s*" + _NUM, part)
        m2 = re.fullmatch(r"string-length\(\s*\.\s*\)\s*(<=|<)\s*(\d+)", part)
        if m and item.get("type") == "number":
            op, value = m.group(1), float(m.group(2))
            if op in (">", "<") and item.get("integer") and value.is_integer():
                value += 1 if op == ">" else -1  # exact for whole numbers
            elif op in (">", "<"):
                unread.append(part)
            item["min" if op.startswith(">") else "max"] = value
        elif m2 and item.get("type") == "text":
            n = int(m2.group(2)) - (1 if m2.group(1) == "<" else 0)
            item["max_length"] = n
        else:
            unread.append(part)
    if unread:
        problems.append(
            f"survey row {rownum}: constraint {' and '.join(unread)!r} is not carried"
            + (
                " exactly (strict bounds read as inclusive)"
                if any(re.fullmatch(r"\.\s*[<>]\s*" + _NUM, u) for u in unread)
                else ""
            )
        )


def _show_if(
    own: str,
    stored: str,
    groups: list[str],
    name_map: dict[str, str],
    item_types: dict[str, str],
    item_codes: dict[str, list[int | str]],
    item_id: str,
    order: list[str],
    rownum: int,
    problems: list[str],
) -> str | None:
    from ..instruments.expressions import And, Expression, ExpressionError, parse_expression
    from .logic import UnsupportedLogic, coerce_literals, parse_xpath

    parts = []
    if stored and own and not groups:
        try:
            if to_xpath(parse_expression(stored), item_types).strip() == own.strip():
                return stored
        except ExpressionError:
            pass
    earlier = set(order[: order.index(item_id)])
    for text in [*groups, own]:
        if not text:
            continue
        try:
            expr = parse_xpath(text, name_map)
        except (UnsupportedLogic, ExpressionError) as exc:
            problems.append(
                f"survey row {rownum}: relevant {text!r} has no show_if form ({exc}); "
                "the item is shown to everyone"
            )
            return None
        later = sorted(n for n in expr.names if n not in earlier)
        if later:
            problems.append(
                f"survey row {rownum}: relevant {text!r} refers to {', '.join(later)}, which "
                "do(es) not come before the item; the item is shown to everyone"
            )
            return None
        parts.append(coerce_literals(expr, item_codes))
    if not parts:
        return None
    if len(parts) == 1:
        return str(parts[0])
    operands: list[Any] = []
    for p in parts:
        operands.extend(p.root.operands if isinstance(p.root, And) else [p.root])
    return str(Expression.from_ast(And(tuple(operands))))
