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
from pathlib import Path
from typing import Any

from ..errors import InstrumentError, Problem
from ..instruments.models import Survey, Text, text_in
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


def to_xlsform(survey: Survey, path: str | Path, language: str | None = None) -> Path:
    """Write ``survey`` as an XLSForm workbook (``.xlsx``).

    Parameters
    ----------
    survey : Survey
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
    ...       - {id: how, type: text, text: How?, show_if: met == 1}
    ... ''')
    >>> out = to_xlsform(s, pathlib.Path(tempfile.mkdtemp()) / "tiny.xlsx")
    >>> from_xlsform(out) == s
    True
    """
    from openpyxl import Workbook

    path = Path(path)
    langs = survey_languages(survey)
    problems: list[str] = []
    multi = language is None and is_multilingual(survey)
    if language is not None:
        others = [lang for lang in langs if lang != language]
        if others and is_multilingual(survey):
            problems.append(f"language={language!r}: texts in {', '.join(others)} are not exported")
    plain_paths: list[str] = []

    def text_cells(value: Text | None, where: str) -> list[str]:
        if not multi:
            return [text_in(value, language or (langs[0] if langs else "en")) if value else ""]
        if value is None:
            return [""] * len(langs)
        if isinstance(value, str):
            plain_paths.append(where)
            return [value] * len(langs)
        return [value.get(lang, "") for lang in langs]

    def text_headers(base: str) -> list[str]:
        if not multi:
            return [base]
        return [f"{base}::{language_label(lang)}" for lang in langs]

    types = {item.id: item.type for item in survey.items}
    bind_cols = [
        "bind::le:show_if",
        "bind::le:disclosure",
        "bind::le:objectives",
        "bind::le:frameworks",
        "bind::le:tags",
        "bind::le:column",
        "bind::le:choice_filter",
        "bind::le:extra",
    ]
    header = [
        "type",
        "name",
        *text_headers("label"),
        *text_headers("hint"),
        "required",
        "relevant",
        "constraint",
        *text_headers("constraint_message"),
        "appearance",
        "choice_filter",
        *bind_cols,
    ]
    rows: list[list[Any]] = []
    hidden: list[list[Any]] = []  # META_SHEET rows of the items kept off the form
    stems = stem_names(survey)
    for section in survey.sections:
        rows.append(
            ["begin_group", section.id]
            + text_cells(section.title, f"section:{section.id}:title")
            + [""] * (len(header) - 2 - len(text_headers("label")))
        )
        if section.description:  # the stem of the section's questions, shown as a note
            rows.append(
                ["note", stems[section.id]]
                + text_cells(section.description, f"section:{section.id}:description")
                + [""] * (len(header) - 2 - len(text_headers("label")))
            )
        for position, item in enumerate(section.items):
            if item.id == survey.respondent_id:
                # the platform's own record id (meta/instanceID) stands for it: never a question
                dumped = item.model_dump(mode="json", exclude_defaults=True)
                value = {"section": section.id, "position": position, "item": dumped}
                hidden.append(["item", item.id, "hidden", dumps(value)])
                continue
            extra: dict[str, Any] = {}
            constraint, message = "", ""
            if item.type in ("likert", "choice"):
                qtype = f"select_one {item.choices}"
            elif item.type == "multi_choice":
                qtype = f"select_multiple {item.choices}"
                cl = survey.choices_for(item)
                for code in cl.all_codes if cl else []:
                    if re.search(r"\s", str(code)):
                        problems.append(
                            f"item {item.id!r}: code {code!r} has a space, which "
                            "select_multiple answers cannot hold"
                        )
                if cl is not None and cl.exclusive_codes:
                    # "none of these" may not be ticked with anything else
                    constraint = " and ".join(
                        _exclusive_constraint(code) for code in cl.exclusive_codes
                    )
                    message = "An answer that rules out the others cannot be combined with them"
                if item.max_choices is not None:
                    most = f"count-selected(.) <= {item.max_choices}"
                    constraint = f"{constraint} and {most}" if constraint else most
                    message = " ".join(
                        [message, f"Choose at most {item.max_choices}."]
                        if message
                        else [f"Choose at most {item.max_choices}."]
                    )
            elif item.type == "number":
                qtype = "integer" if item.integer else "decimal"
                constraint, message = _range_constraint(item.min, item.max)
            else:
                qtype = _TYPE_OUT[item.type]
            if item.type == "text" and item.max_length is not None:
                constraint = f"string-length(.) <= {item.max_length}"
                message = f"At most {item.max_length} characters"
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
            choice_filter = ""
            if item.choice_filter:
                choice_filter = _choice_filter(item.choice_filter, types, item.id, problems)
            relevant = ""
            if item.show_if:
                relevant = _relevant(item.show_if, types, item.id, problems)
            row = [qtype, item.id]
            row += text_cells(item.text, f"item:{item.id}:text")
            row += text_cells(item.help, f"item:{item.id}:help")
            row += [
                "yes" if item.required else "",
                relevant,
                constraint,
                *([message] * len(text_headers("constraint_message"))),
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
            rows.append(row)
        rows.append(["end_group", section.id] + [""] * (len(header) - 2))

    choice_header = ["list_name", "name", *text_headers("label"), "le_missing", "le_code"]
    choice_header += ["le_description", "le_exclusive", "le_attributes"]
    choice_rows: list[list[Any]] = []
    for name, cl in survey.choice_lists.items():
        for missing, options in ((False, cl.options), (True, cl.missing)):
            for opt in options:
                code_text = str(opt.code)
                text_code = isinstance(opt.code, str) and parse_code(code_text) != opt.code
                choice_rows.append(
                    [
                        name,
                        code_text,
                        *text_cells(opt.label, f"choice:{name}:{code_text}:label"),
                        "yes" if missing else "",
                        "text" if text_code else "",
                        dumps(opt.description) if opt.description is not None else "",
                        "yes" if opt.exclusive else "",
                        dumps(opt.attributes) if opt.attributes else "",
                    ]
                )

    settings_header = ["form_id", "version", "form_title", "namespaces"]
    settings_row = [
        survey.id,
        survey.version,
        text_in(survey.title, language or (langs[0] if langs else "en")),
        f'le="{LE_NAMESPACE}"',
    ]
    if multi:
        settings_header.append("default_language")
        settings_row.append(language_label(langs[0]))

    meta: list[list[Any]] = [["scope", "id", "field", "value"]]
    # every survey-level field but those the sheets carry (so fields added later travel too)
    doc = survey.model_dump(
        mode="json",
        exclude_defaults=True,
        exclude={"kind", "id", "version", "choice_lists", "sections", "scales"},
    )
    doc["title"] = survey.model_dump(mode="json", include={"title"})["title"]
    for key, value in doc.items():
        meta.append(["survey", "", key, dumps(value)])
    for section in survey.sections:
        dumped = section.model_dump(
            mode="json", exclude_defaults=True, exclude={"id", "title", "items", "description"}
        )
        for key, value in dumped.items():
            meta.append(["section", section.id, key, dumps(value)])
        if section.description:
            meta.append(["section", section.id, "stem", dumps(stems[section.id])])
        for item in section.items:
            if item.adopter_notes is not None and item.id != survey.respondent_id:
                meta.append(["item", item.id, "adopter_notes", dumps(item.adopter_notes)])
    meta.extend(hidden)
    for name, cl in survey.choice_lists.items():
        if cl.ordered:
            meta.append(["choice_list", name, "ordered", "true"])
        if cl.description is not None:
            meta.append(["choice_list", name, "description", dumps(cl.description)])
    for scale in survey.scales:
        dumped = scale.model_dump(mode="json", exclude_defaults=True)
        meta.append(["scale", scale.id, "title", dumps(dumped.pop("title"))])
        for key, value in dumped.items():
            if key != "id":
                meta.append(["scale", scale.id, key, dumps(value)])
    if plain_paths:
        meta.append(["texts", "", "plain", dumps(plain_paths)])

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "survey"
    _append(ws, [header, *rows])
    _append(wb.create_sheet("choices"), [choice_header, *choice_rows])
    _append(wb.create_sheet("settings"), [settings_header, settings_row])
    _append(wb.create_sheet(META_SHEET), meta)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    warn_unmapped(f"to_xlsform({path.name})", problems)
    return path


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
        return parse_choice_filter(text).to_xlsform(types)
    except ExpressionError as exc:
        problems.append(f"item {item_id!r}: choice_filter {text!r} has no XLSForm form: {exc}")
        return ""


def _relevant(show_if: str, types: Mapping[str, str], item_id: str, problems: list[str]) -> str:
    from ..instruments.expressions import ExpressionError, parse_expression

    try:
        return parse_expression(show_if).to_xlsform(types)
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
        When the workbook is not an XLSForm (no ``survey`` sheet, a select without its
        choice list, unbalanced groups...), each problem located by sheet row.

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
    from openpyxl import load_workbook

    path = Path(path)
    src = str(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise InstrumentError(
            [Problem(src, 0, 0, "not-xlsform", f"cannot read the workbook: {exc}")],
            summary="cannot import XLSForm",
        ) from exc
    sheets = {name.lower(): wb[name] for name in wb.sheetnames}
    if "survey" not in sheets:
        raise InstrumentError(
            [
                Problem(
                    src,
                    0,
                    0,
                    "not-xlsform",
                    f"the workbook has no 'survey' sheet (sheets: {', '.join(wb.sheetnames)})",
                )
            ],
            summary="cannot import XLSForm",
        )
    survey_sheet = _Sheet(sheets["survey"])
    choices_sheet = _Sheet(sheets["choices"]) if "choices" in sheets else None
    settings_sheet = _Sheet(sheets["settings"]) if "settings" in sheets else None
    meta = _read_meta(sheets[META_SHEET]) if META_SHEET in sheets else {}
    wb.close()

    problems: list[str] = []
    errors: list[Problem] = []
    settings = settings_sheet.rows[0][1] if settings_sheet and settings_sheet.rows else {}
    settings = {k.strip().lower(): v for k, v in settings.items()}
    survey_meta = meta.get(("survey", ""), {})
    plain = set(meta.get(("texts", ""), {}).get("plain") or [])

    # languages: declared default first, then the order of the columns
    langs: list[str] = []
    default_lang = settings.get("default_language")
    if default_lang:
        langs.append(language_code(str(default_lang)))
    for sheet in (survey_sheet, choices_sheet):
        for h in sheet.headers if sheet else []:
            base, lang = _split_header(h)
            if lang and base in ("label", "hint") and lang not in langs:
                langs.append(lang)
    if isinstance(survey_meta.get("languages"), list):
        declared = [str(x) for x in survey_meta["languages"]]
        langs = declared + [x for x in langs if x not in declared]
    texts = _Texts(survey_sheet.headers, langs, plain)

    # ------------------------------------------------------------------ choices
    choice_lists: dict[str, dict[str, Any]] = {}
    choice_codes: dict[str, list[int | str]] = {}
    if choices_sheet:
        ctexts = _Texts(choices_sheet.headers, langs, plain)
        for rownum, row in choices_sheet.rows:
            lname = _cell(row.get("list_name"))
            if not lname:
                continue
            if "name" not in row:
                errors.append(
                    Problem(
                        src,
                        rownum,
                        0,
                        "missing-choice-name",
                        f"choices row {rownum} of list {lname!r} has no name",
                    )
                )
                continue
            raw_code = _cell(row["name"])
            code: int | str = (
                raw_code if _cell(row.get("le_code")) == "text" else parse_code(row["name"])
            )
            label = ctexts.get(row, "label", f"choice:{lname}:{raw_code}:label") or raw_code
            option: dict[str, Any] = {"code": code, "label": label}
            if row.get("le_description") is not None:
                try:
                    option["description"] = json.loads(str(row["le_description"]))
                except json.JSONDecodeError:
                    option["description"] = str(row["le_description"])
            cl = choice_lists.setdefault(lname, {"options": [], "missing": []})
            if _truthy(row.get("le_exclusive")):
                option["exclusive"] = True
            if row.get("le_attributes") is not None:
                try:
                    option["attributes"] = json.loads(str(row["le_attributes"]))
                except json.JSONDecodeError:
                    problems.append(f"choices row {rownum}: le_attributes is not JSON; not carried")
            cl["missing" if _truthy(row.get("le_missing")) else "options"].append(option)
            choice_codes.setdefault(lname, []).append(code)
            extra_cols = [
                h
                for h in row
                if _split_header(h)[0]
                not in (
                    "list_name",
                    "name",
                    "label",
                    "le_missing",
                    "le_code",
                    "le_description",
                    "le_exclusive",
                    "le_attributes",
                )
            ]
            for h in extra_cols:
                problems.append(f"choices row {rownum}: column {h!r} is not carried")

    # ------------------------------------------------------------------ survey rows
    sections: list[dict[str, Any]] = []
    taken: set[str] = set()
    section_taken: set[str] = set()
    name_map: dict[str, str] = {}
    pending_relevant: list[tuple[dict[str, Any], str, str, int]] = []
    pending_filters: list[tuple[dict[str, Any], str, str, int]] = []
    group_stack: list[tuple[str, str | None, int]] = []  # (kind, relevant, row)
    current: dict[str, Any] | None = None
    loose: dict[str, Any] | None = None
    used_lists: dict[str, list[str]] = {}
    item_types: dict[str, str] = {}

    def new_loose() -> dict[str, Any]:
        sid = ident("main", section_taken, "section")
        title = settings.get("form_title") or "Questions"
        sec = {"id": sid, "title": str(title), "items": []}
        sections.append(sec)
        return sec

    for rownum, row in survey_sheet.rows:
        raw_type = _cell(row.get("type"))
        if not raw_type:
            problems.append(f"survey row {rownum}: no type; row skipped")
            continue
        parts = raw_type.split()
        base = " ".join(parts[:-1]) if len(parts) > 1 else parts[0]
        base_l = base.lower()
        qtype = _TYPE_ALIASES.get(base_l) or _TYPE_ALIASES.get(raw_type.lower())
        list_name = (
            parts[-1] if len(parts) > 1 and qtype in ("select_one", "select_multiple") else None
        )
        if qtype is None and base_l.startswith(("select_one_from_file", "select_multiple_from")):
            qtype = None
        name = _cell(row.get("name"))
        if qtype in ("begin_group", "begin_repeat"):
            relevant = _cell(row.get("relevant")) or None
            if qtype == "begin_repeat":
                problems.append(
                    f"survey row {rownum}: repeat {name!r} flattened (an instrument has no "
                    "repeats: its questions are asked once)"
                )
            if not group_stack and qtype == "begin_group":
                sid = ident(name or "section", section_taken, "section")
                sec_title = texts.get(row, "label", f"section:{sid}:title") or name or sid
                current = {"id": sid, "title": sec_title, "items": []}
                smeta = meta.get(("section", sid), {})
                for key, value in smeta.items():
                    if key != "stem":
                        current[key] = value
                sections.append(current)
                loose = None
            elif qtype == "begin_group":
                problems.append(
                    f"survey row {rownum}: nested group {name!r} flattened into its section"
                    + (" (its label is not carried)" if row.get("label") else "")
                )
            for h, v in row.items():
                if _split_header(h)[0] not in ("type", "name", "label", "relevant"):
                    problems.append(
                        f"survey row {rownum}: column {h!r} ({_cell(v)!r}) of group {name!r} "
                        "is not carried"
                    )
            group_stack.append((qtype, relevant, rownum))
            continue
        if qtype in ("end_group", "end_repeat"):
            if not group_stack:
                errors.append(
                    Problem(
                        src,
                        rownum,
                        0,
                        "unbalanced-group",
                        f"survey row {rownum}: {raw_type} without a matching begin",
                    )
                )
                continue
            group_stack.pop()
            if not group_stack:
                current = None
            continue
        if qtype is None or (qtype == "range" and not name):
            kind = "metadata field" if base_l in _META_TYPES else "question type"
            problems.append(
                f"survey row {rownum}: {kind} {raw_type!r} ({name or 'no name'}) has no "
                "equivalent in the survey format; skipped"
            )
            continue
        if not name:
            errors.append(
                Problem(
                    src,
                    rownum,
                    0,
                    "missing-name",
                    f"survey row {rownum}: a {raw_type} question has no name",
                )
            )
            continue
        if qtype == "note" and current is not None and group_stack:
            stem = meta.get(("section", current["id"]), {}).get("stem")
            if stem is not None and name == stem:  # the section's description, as a note
                where = f"section:{current['id']}:description"
                description = texts.get(row, "label", where)
                if description is not None:
                    current["description"] = description
                continue
        item_id = ident(name, taken)
        name_map[name] = item_id
        item: dict[str, Any] = {"id": item_id}
        if item_id != name:
            item["column"] = name
        if qtype in ("select_one", "select_multiple"):
            if not list_name:
                errors.append(
                    Problem(
                        src,
                        rownum,
                        0,
                        "missing-list",
                        f"survey row {rownum}: {raw_type!r} names no choice list",
                    )
                )
                continue
            if list_name not in choice_lists:
                errors.append(
                    Problem(
                        src,
                        rownum,
                        0,
                        "unknown-choice-list",
                        f"survey row {rownum}: "
                        f"choice list {list_name!r} is not on the choices sheet",
                    )
                )
                continue
            appearance = _cell(row.get("appearance")).lower()
            if qtype == "select_multiple":
                item["type"] = "multi_choice"
            elif "likert" in appearance.split():
                item["type"] = "likert"
            else:
                item["type"] = "choice"
            item["choices"] = list_name
            used_lists.setdefault(list_name, []).append(item["type"])
        elif qtype in ("integer", "decimal", "range"):
            item["type"] = "number"
            if qtype == "integer":
                item["integer"] = True
            if qtype == "range":
                params = _cell(row.get("parameters"))
                found = dict(re.findall(r"(\w+)\s*=\s*([-\d.]+)", params))
                if "start" in found:
                    item["min"] = float(found["start"])
                if "end" in found:
                    item["max"] = float(found["end"])
                step = found.get("step", "1")
                if float(step).is_integer() and float(found.get("start", 0)).is_integer():
                    item["integer"] = True
                problems.append(
                    f"survey row {rownum}: range {name!r} read as a number item "
                    f"({params or 'no parameters'})"
                )
        else:
            item["type"] = qtype
        item_types[item_id] = item["type"]
        text = texts.get(row, "label", f"item:{item_id}:text")
        if text is None:
            text = name
            if item["type"] != "note":
                problems.append(f"survey row {rownum}: {name!r} has no label; its name is used")
        item["text"] = text
        help_text = texts.get(row, "hint", f"item:{item_id}:help")
        if help_text is not None:
            item["help"] = help_text
        if _truthy(row.get("required")):
            item["required"] = True
        elif _cell(row.get("required")) and _cell(row.get("required")).lower() not in (
            "no",
            "false",
            "false()",
            "0",
            "n",
        ):
            problems.append(
                f"survey row {rownum}: required condition {row['required']!r} read as not required"
            )
        appearance = _cell(row.get("appearance"))
        if appearance and appearance.lower() != "likert":
            problems.append(f"survey row {rownum}: appearance {appearance!r} is not carried")
        _read_constraint(item, _cell(row.get("constraint")), rownum, problems)
        # le: extensions
        binds = {
            h[len("bind::") :].lower(): v for h, v in row.items() if h.lower().startswith("bind::")
        }
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
        notes = meta.get(("item", name), {}).get("adopter_notes")
        if notes is not None:
            item["adopter_notes"] = notes
        own_filter = _cell(row.get("choice_filter"))
        if own_filter:
            pending_filters.append((item, own_filter, _cell(binds.get("le:choice_filter")), rownum))
        for h, v in row.items():
            base_name = _split_header(h)[0]
            if base_name.lower().startswith("bind::le:"):
                continue
            if base_name not in _HANDLED and not base_name.startswith("bind::le"):
                problems.append(f"survey row {rownum}: column {h!r} ({_cell(v)!r}) is not carried")
        # relevance: the item's own and its groups'
        conditions = [rel for _, rel, _ in group_stack if rel]
        own = _cell(row.get("relevant"))
        stored = _cell(binds.get("le:show_if"))
        if own or conditions:
            pending_relevant.append((item, own, stored, rownum))
            item["_groups"] = conditions
        if group_stack and current is not None:
            current["items"].append(item)
        else:
            if loose is None:
                loose = new_loose()
            loose["items"].append(item)

    if group_stack:
        kind, _, rownum = group_stack[-1]
        errors.append(
            Problem(
                src, rownum, 0, "unbalanced-group", f"survey row {rownum}: {kind} is never closed"
            )
        )
    if errors:
        raise InstrumentError(errors, summary=f"cannot import XLSForm {path.name}")

    # items kept off the form (the respondent id), back where they were
    for (scope, _), fields in meta.items():
        if scope != "item" or not isinstance(fields.get("hidden"), dict):
            continue
        spec = fields["hidden"]
        target = next((sec for sec in sections if sec["id"] == spec.get("section")), None)
        if target is None or not isinstance(spec.get("item"), dict):
            problems.append(
                f"{META_SHEET} sheet: hidden item of section {spec.get('section')!r} "
                "has no section to go to; not carried"
            )
            continue
        hidden_item = dict(spec["item"])
        taken.add(str(hidden_item.get("id")))
        target["items"].insert(min(int(spec.get("position", 0)), len(target["items"])), hidden_item)

    # choice lists: ordered flag, description
    for lname, cl in choice_lists.items():
        if "description" in meta.get(("choice_list", lname), {}):
            cl["description"] = meta[("choice_list", lname)]["description"]
        if meta.get(("choice_list", lname), {}).get("ordered") or "likert" in used_lists.get(
            lname, []
        ):
            cl["ordered"] = True
        if not cl["missing"]:
            del cl["missing"]
        if not cl["options"]:
            cl["options"] = cl.pop("missing", [])
            problems.append(f"choice list {lname!r}: every option was marked missing")

    item_codes = {
        item_id: choice_codes.get(sec_item["choices"], [])
        for sec in sections
        for sec_item in sec["items"]
        if "choices" in sec_item
        for item_id in [sec_item["id"]]
    }
    order = [i["id"] for s in sections for i in s["items"]]
    for item, own, stored, rownum in pending_relevant:
        groups = item.pop("_groups", [])
        item_show = _show_if(
            own,
            stored,
            groups,
            name_map,
            item_types,
            item_codes,
            item["id"],
            order,
            rownum,
            problems,
        )
        if item_show:
            item["show_if"] = item_show

    for item, own_filter, stored_filter, rownum in pending_filters:
        read = _read_choice_filter(own_filter, stored_filter, item_types, item["id"], rownum)
        if read is None:
            problems.append(
                f"survey row {rownum}: choice_filter {own_filter!r} has no choice_filter form in "
                "the survey format; every option is offered"
            )
        else:
            item["choice_filter"] = read

    # ------------------------------------------------------------------ document
    data: dict[str, Any] = {"kind": "survey"}
    form_id = _cell(settings.get("form_id"))
    data["id"] = slug_id(form_id or path.stem)
    if form_id and data["id"] != form_id:
        problems.append(f"settings: form_id {form_id!r} read as id {data['id']!r}")
    version = _cell(settings.get("version"))
    semver = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:[-+][0-9A-Za-z.-]+)?$")
    if not version:
        data["version"] = "1.0.0"
    elif semver.match(version):
        data["version"] = version
    else:
        data["version"] = "1.0.0+" + re.sub(r"[^0-9A-Za-z.-]", "-", version)
        problems.append(
            f"settings: version {version!r} is not a semantic version; read as {data['version']!r}"
        )
    title: Any = survey_meta.get("title")
    form_title = _cell(settings.get("form_title"))
    if title is None or (form_title and form_title != text_in(title, langs[0] if langs else "en")):
        title = form_title or path.stem
    data["title"] = title
    for key, value in survey_meta.items():
        if key != "title":
            data[key] = value
    if (
        langs
        and "languages" not in data
        and len(langs) > 0
        and texts.by_base.get("label")
        and any(lang for lang, _ in texts.by_base["label"])
    ):
        data["languages"] = langs
    data["choice_lists"] = choice_lists
    data["sections"] = [s for s in sections if s["items"] or s.get("description")] or sections
    scales = [{"id": sid, **fields} for (scope, sid), fields in meta.items() if scope == "scale"]
    if scales:
        data["scales"] = scales
    for (scope, key), fields in meta.items():
        if scope not in _META_SCOPES:
            problems.append(f"{META_SHEET} sheet: unknown scope {scope!r} ({key}) ignored")
        del fields
    survey = survey_from_data(data, src, f"the XLSForm {path.name}")
    warn_unmapped(f"from_xlsform({path.name})", problems)
    return survey


_NUM = r"(-?\d+(?:\.\d+)?)"


def _read_choice_filter(
    own: str, stored: str, item_types: Mapping[str, str], item_id: str, rownum: int
) -> str | None:
    """The item's choice_filter: the stored original when the column still says what it would
    write, else the column read back when it is ``selected(${x}, name)`` (and nothing else)."""
    from ..instruments.expressions import ExpressionError, parse_choice_filter

    if stored:
        try:
            if parse_choice_filter(stored).to_xlsform(item_types).strip() == own.strip():
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
    from ._logic import UnsupportedLogic, coerce_literals, parse_xpath

    parts = []
    if stored and own and not groups:
        try:
            if parse_expression(stored).to_xlsform(item_types).strip() == own.strip():
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
