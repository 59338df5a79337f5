"""REDCap data dictionary export and import.

:func:`to_redcap` writes the data dictionary CSV that REDCap's "Upload data dictionary" page
takes (the 18 standard columns, in order); :func:`from_redcap` reads one back: ours exactly,
anyone else's as well as its features allow.

How the survey maps onto a data dictionary
------------------------------------------
- The first field is the record id (``record_id``, or ``le_record_id`` when an item already
  has that name). All fields are on one form named after the survey id.
- A section's title is the ``Section Header`` of its first field.
- ``likert``/``choice`` -> ``radio`` (``"1, Agree | 2, Disagree"``; declared missing codes are
  ordinary choices); ``multi_choice`` -> ``checkbox``; ``number`` -> ``text`` validated as
  ``integer`` or ``number`` with min/max; ``date`` -> ``text`` validated ``date_ymd``;
  ``text`` -> ``text`` (``notes`` for free text or more than 255 characters); ``note`` ->
  ``descriptive``. Consecutive likert items on one choice list in one section share a
  ``Matrix Group Name``.
- ``required`` -> ``Required Field? = y``; ``disclosure: direct`` -> ``Identifier? = y``;
  ``show_if`` -> ``Branching Logic`` (checkbox options as ``[x(code)] = '1'``); ``help`` ->
  ``Field Note``. Labels are in the survey's first language.
- What REDCap has no column for goes in ``Field Annotation`` as a one-line JSON tag:
  ``@LE={...}`` on each field (item type, choice list, texts in every language, original
  ``show_if``, disclosure, objectives, frameworks, tags, column...) and ``@LE-SURVEY={...}``
  on the record id (survey metadata, choice lists with their missing codes, sections, scales).
  REDCap ignores annotation text that is not one of its action tags. Exclusive options of
  a checkbox field are also written as REDCap's own ``@NONEOFTHEABOVE='code'`` action tag
  (and read from it in any dictionary); ``max_choices`` as ``@MAXCHECKED=n``. Notes for
  adopters (``adopter_notes``) travel in the annotation only, which respondents never see.
- A ``choice_filter``: options the filter never offers are hidden with ``@HIDECHOICE``; REDCap
  cannot hide options that depend on another answer (its ``@IF`` applies one ``@HIDECHOICE``,
  evaluated when the page loads), so for those the field note pipes the earlier answer
  (``[activities:checked]``: the labels the respondent ticked), and validation checks the
  answer. Read back: our own filter from the annotation; in any dictionary, ``@HIDECHOICE`` as
  ``choice not in [...]``.

Visible columns win over the annotation: a dictionary edited in REDCap is read as edited.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from ..errors import InstrumentError, Problem
from ..instruments.models import Item, Survey, text_in
from .common import (
    InteropWarning,
    dumps,
    ident,
    number_text,
    parse_code,
    slug_id,
    survey_from_data,
    survey_languages,
    warn_unmapped,
)

__all__ = ["REDCAP_COLUMNS", "InteropWarning", "from_redcap", "to_redcap"]

REDCAP_COLUMNS = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)
"""The 18 columns of a REDCap data dictionary, in REDCap's order."""

# the API / lower-case names of the same columns, accepted on import
_API_NAMES = (
    "field_name",
    "form_name",
    "section_header",
    "field_type",
    "field_label",
    "select_choices_or_calculations",
    "field_note",
    "text_validation_type_or_show_slider_number",
    "text_validation_min",
    "text_validation_max",
    "identifier",
    "branching_logic",
    "required_field",
    "custom_alignment",
    "question_number",
    "matrix_group_name",
    "matrix_ranking",
    "field_annotation",
)
_KEY = dict(zip(REDCAP_COLUMNS, _API_NAMES, strict=True))
_LE_TAG = re.compile(r"@LE=(\{.*\})\s*$", re.M)
_LE_SURVEY_TAG = re.compile(r"@LE-SURVEY=(\{.*\})\s*$", re.M)
_NONE_OF_THE_ABOVE = re.compile(r"@NONEOFTHEABOVE\s*=\s*['\"]?([^'\"\s]+)['\"]?")
_MAX_CHECKED = re.compile(r"@MAXCHECKED\s*=\s*['\"]?(\d+)['\"]?")
_HIDE_CHOICE = re.compile(r"@HIDECHOICE\s*=\s*(?:'([^']*)'|\"([^\"]*)\")")


def _filter_parts(
    text: str, codes: list[Any], checkbox: dict[str, list[Any]]
) -> tuple[list[Any], str]:
    """What REDCap can carry of a choice filter: the codes it never offers (for @HIDECHOICE),
    and a field-note line piping the earlier answers its other options depend on."""
    from ..instruments.expressions import Literal, parse_choice_filter

    expr = parse_choice_filter(text)
    hidden, dynamic = [], False
    for code in codes:
        root = expr.for_choice(code).root
        if isinstance(root, Literal) and root.value is False:
            hidden.append(code)
        elif not isinstance(root, Literal):
            dynamic = True
    note = ""
    if dynamic:
        names = list(dict.fromkeys(name for name, _ in expr.choice_items()))
        pipes = [f"[{n}:checked]" if n in checkbox else f"[{n}]" for n in names]
        if pipes:
            note = "(Your earlier answer: " + "; ".join(pipes) + ".)"
    return hidden, note


_CHARLIMIT = re.compile(r"@CHARLIMIT\s*=\s*['\"]?(\d+)['\"]?")
_BR = re.compile(r"<br\s*/?>", re.I)


def _record_id_name(survey: Survey) -> str:
    """The record id field: named as the survey's respondent id (so exports need no renaming)."""
    rid = survey.respondent_id
    others = {item.id for item in survey.items if item.id != rid}
    if rid and re.fullmatch(r"[a-z][a-z0-9_]{0,99}", rid) and rid not in others:
        return rid
    return "record_id" if "record_id" not in others else "le_record_id"


def _choice_label(label: str) -> str:
    """A label as REDCap's choices column can hold it ('|' separates the choices)."""
    return " ".join(label.replace("|", "/").split())


def _choices_text(pairs: list[tuple[Any, str]]) -> str:
    return " | ".join(f"{code}, {_choice_label(label)}" for code, label in pairs)


def to_redcap(survey: Survey, path: str | Path) -> Path:
    """Write ``survey`` as a REDCap data dictionary (CSV).

    Parameters
    ----------
    survey : Survey
    path : str or pathlib.Path
        The CSV file to write.

    Returns
    -------
    pathlib.Path
        ``path``.

    Notes
    -----
    ``from_redcap(to_redcap(s, p)) == s``: see the module documentation for where each
    field goes.

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
    ...   acts: {options: [{code: qi, label: QI}, {code: audit, label: Audit}]}
    ... sections:
    ...   - id: main
    ...     title: Main
    ...     items:
    ...       - {id: acts, type: multi_choice, choices: acts, text: Activities}
    ...       - {id: how, type: text, text: How was the audit?, show_if: "selected(acts, 'audit')"}
    ... ''')
    >>> out = to_redcap(s, pathlib.Path(tempfile.mkdtemp()) / "tiny.csv")
    >>> row = out.read_text().splitlines()[3]
    >>> "[acts(audit)] = '1'" in row
    True
    >>> from_redcap(out) == s
    True
    """
    from ..instruments.expressions import ExpressionError, parse_expression

    path = Path(path)
    lang = survey_languages(survey)[0] if survey.languages else "en"
    form = re.sub(r"[^a-z0-9_]", "_", survey.id.lower())
    problems: list[str] = []
    record_id = _record_id_name(survey)
    checkbox = {
        item.id: survey.choices_for(item).all_codes  # type: ignore[union-attr]
        for item in survey.items
        if item.type == "multi_choice"
    }

    # every survey-level field but the lists and sections (so fields added later travel too)
    meta: dict[str, Any] = survey.model_dump(
        mode="json", exclude_defaults=True, exclude={"kind", "choice_lists", "sections"}
    )
    meta["id"], meta["version"] = survey.id, survey.version
    meta["title"] = survey.model_dump(mode="json", include={"title"})["title"]
    meta["choice_lists"] = {
        name: cl.model_dump(mode="json", exclude_defaults=True)
        for name, cl in survey.choice_lists.items()
    }
    meta["sections"] = [
        s.model_dump(mode="json", exclude_defaults=True, exclude={"items"}) for s in survey.sections
    ]
    meta["record_id"] = record_id
    for section in survey.sections:
        for position, member in enumerate(section.items):
            if member.id == survey.respondent_id:  # REDCap's record id stands for it
                meta["respondent_item"] = {
                    "section": section.id,
                    "position": position,
                    "item": member.model_dump(mode="json", exclude_defaults=True),
                }
    rows: list[dict[str, str]] = [
        {
            "Variable / Field Name": record_id,
            "Form Name": form,
            "Field Type": "text",
            "Field Label": "Record ID",
            "Field Annotation": "@LE-SURVEY=" + dumps(meta),
        }
    ]

    relabelled: set[str] = set()
    matrix_of: dict[str, str] = {}
    counter: dict[str, int] = {}
    for section in survey.sections:
        if not section.items:
            problems.append(
                f"section {section.id!r} has no items: REDCap has no place for an empty section"
            )
        run: list[Item] = []
        for item in [*section.items, None]:
            if (
                item is not None
                and item.type == "likert"
                and (not run or run[-1].choices == item.choices)
            ):
                run.append(item)
                continue
            if len(run) >= 2:
                name = str(run[0].choices)
                counter[name] = counter.get(name, 0) + 1
                group = f"{name}_{counter[name]}"
                for member in run:
                    matrix_of[member.id] = group
            run = [item] if item is not None and item.type == "likert" else []

    for section in survey.sections:
        visible = [i for i in section.items if i.id != survey.respondent_id]
        for position, item in enumerate(visible):
            ann: dict[str, Any] = {"type": item.type}
            if position == 0:
                ann["section"] = section.id
            row = {"Variable / Field Name": item.id, "Form Name": form}
            if position == 0:
                # the section's title, then its description: the stem of its questions (REDCap
                # shows a matrix's section header above the matrix)
                header = text_in(section.title, lang)
                if section.description:
                    header += "<br>" + text_in(section.description, lang)
                row["Section Header"] = header
            cl = survey.choices_for(item)
            if item.type in ("likert", "choice", "multi_choice") and cl is not None:
                row["Field Type"] = "checkbox" if item.type == "multi_choice" else "radio"
                row["Choices, Calculations, OR Slider Labels"] = _choices_text(
                    [(o.code, text_in(o.label, lang)) for o in (*cl.options, *cl.missing)]
                )
                ann["choices"] = item.choices
                for opt in (*cl.options, *cl.missing):
                    shown = text_in(opt.label, lang)
                    if _choice_label(shown) != shown and item.choices not in relabelled:
                        relabelled.add(str(item.choices))
                        problems.append(
                            f"choice list {item.choices!r}: label {shown!r} is written "
                            f"{_choice_label(shown)!r} in the choices column (the annotation "
                            "keeps it as it is)"
                        )
                for code in cl.all_codes:
                    if not re.fullmatch(r"-?[A-Za-z0-9_.]+", str(code)) or (
                        item.type == "multi_choice"
                        and not re.fullmatch(r"[A-Za-z0-9_]+", str(code))
                    ):
                        problems.append(
                            f"item {item.id!r}: code {code!r} is not a valid REDCap choice code"
                        )
            elif item.type == "number":
                row["Field Type"] = "text"
                row["Text Validation Type OR Show Slider Number"] = (
                    "integer" if item.integer else "number"
                )
                if item.min is not None:
                    row["Text Validation Min"] = number_text(item.min)
                if item.max is not None:
                    row["Text Validation Max"] = number_text(item.max)
            elif item.type == "date":
                row["Field Type"] = "text"
                row["Text Validation Type OR Show Slider Number"] = "date_ymd"
            elif item.type == "text":
                long = item.disclosure == "free_text" or (item.max_length or 0) > 255
                row["Field Type"] = "notes" if long else "text"
                if item.max_length is not None:
                    ann["max_length"] = item.max_length
            else:
                row["Field Type"] = "descriptive"
            row["Field Label"] = text_in(item.text, lang)
            if isinstance(item.text, dict):
                ann["text"] = item.text
            if item.help is not None:
                row["Field Note"] = text_in(item.help, lang)
                if isinstance(item.help, dict):
                    ann["help"] = item.help
            hidden: list[Any] = []
            if item.choice_filter and cl is not None:
                try:
                    hidden, piped = _filter_parts(item.choice_filter, cl.all_codes, checkbox)
                except ExpressionError as exc:
                    problems.append(
                        f"item {item.id!r}: choice_filter {item.choice_filter!r} has no REDCap "
                        f"form: {exc}"
                    )
                else:
                    ann["choice_filter"] = item.choice_filter
                    if piped:
                        note = row.get("Field Note", "")
                        row["Field Note"] = f"{note}\n{piped}" if note else piped
            if item.disclosure == "direct":
                row["Identifier?"] = "y"
            if item.disclosure != "none":
                ann["disclosure"] = item.disclosure
            if item.show_if:
                try:
                    row["Branching Logic (Show field only if...)"] = parse_expression(
                        item.show_if
                    ).to_redcap(checkbox_items=checkbox)
                    ann["show_if"] = item.show_if
                except ExpressionError as exc:
                    problems.append(
                        f"item {item.id!r}: show_if {item.show_if!r} has no REDCap form: {exc}"
                    )
            if item.required:
                row["Required Field?"] = "y"
            if item.id in matrix_of:
                row["Matrix Group Name"] = matrix_of[item.id]
            for key in ("objectives", "frameworks", "tags", "column"):
                value = getattr(item, key)
                if value:
                    ann[key] = value
            if item.adopter_notes is not None:
                ann["adopter_notes"] = item.adopter_notes
            if item.max_choices is not None and item.type != "multi_choice":
                ann["max_choices"] = item.max_choices
            if item.type != "number":
                for key in ("min", "max"):
                    if getattr(item, key) is not None:
                        ann[key] = getattr(item, key)
                if item.integer:
                    ann["integer"] = True
            if item.type != "text" and item.max_length is not None:
                ann["max_length"] = item.max_length
            row["Field Annotation"] = "@LE=" + dumps(ann)
            if item.type == "text" and item.max_length is not None:
                # REDCap's own action tag: the field takes at most this many characters
                row["Field Annotation"] = (
                    f"@CHARLIMIT={item.max_length}\n" + row["Field Annotation"]
                )
            if item.type == "multi_choice" and cl is not None and cl.exclusive_codes:
                codes = ",".join(str(c) for c in cl.exclusive_codes)
                row["Field Annotation"] = f"@NONEOFTHEABOVE='{codes}'\n" + row["Field Annotation"]
            if item.type == "multi_choice" and item.max_choices is not None:
                row["Field Annotation"] = (
                    f"@MAXCHECKED={item.max_choices}\n" + row["Field Annotation"]
                )
            if hidden:
                codes = ",".join(str(c) for c in hidden)
                row["Field Annotation"] = f"@HIDECHOICE='{codes}'\n" + row["Field Annotation"]
            rows.append(row)

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=REDCAP_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in REDCAP_COLUMNS})
    warn_unmapped(f"to_redcap({path.name})", problems)
    return path


# ------------------------------------------------------------------------------------ import


def _parse_choices(text: str) -> list[tuple[int | str, str]]:
    out = []
    for part in text.split("|"):
        part = part.strip()
        if not part:
            continue
        code, _, label = part.partition(",")
        out.append((parse_code(code.strip()), label.strip()))
    return out


_VALIDATION_NUMBER = re.compile(r"^number(_\d+dp)?(_comma_decimal)?$")


def from_redcap(path: str | Path) -> Survey:
    """Read a REDCap data dictionary (CSV) as a :class:`Survey`.

    Parameters
    ----------
    path : str or pathlib.Path
        A data dictionary: one written by :func:`to_redcap` (read back exactly) or one
        downloaded from any REDCap project (headers as in the web download or the API).

    Returns
    -------
    Survey

    Raises
    ------
    InstrumentError
        When the file is not a data dictionary (missing columns, a choice field without
        choices...), each problem located by CSV line.

    Warns
    -----
    InteropWarning
        Listing what could not be mapped: calculated, file, SQL and slider fields, validation
        types other than numbers and dates, action tags, branching logic outside the
        ``show_if`` language, alignment and question numbers.

    Notes
    -----
    Without our annotations, the first field is the record id (a ``text`` item with
    ``disclosure: direct``, named as ``respondent_id``); each form and each section header
    starts a section; fields with the same choices share a choice list (named after their
    matrix group or their first field); radio fields in a matrix with whole-number codes are
    ``likert`` items on an ordered list; ``yesno`` and ``truefalse`` fields get lists coded
    1/0.
    """

    from ..instruments.expressions import ExpressionError, parse_expression
    from ._logic import UnsupportedLogic, coerce_literals, parse_redcap_logic

    path = Path(path)
    src = str(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise InstrumentError(
            [Problem(src, 1, 0, "empty-file", "the data dictionary is empty")],
            summary="cannot import REDCap data dictionary",
        ) from None
    keys = []
    lookup = {c.lower(): k for c, k in _KEY.items()} | {k: k for k in _API_NAMES}
    for h in header:
        keys.append(lookup.get(h.strip().lower(), h.strip()))
    missing = [k for k in ("field_name", "form_name", "field_type", "field_label") if k not in keys]
    if missing:
        raise InstrumentError(
            [
                Problem(
                    src,
                    1,
                    0,
                    "not-redcap",
                    "not a REDCap data dictionary: missing column(s) "
                    + ", ".join(repr(REDCAP_COLUMNS[_API_NAMES.index(m)]) for m in missing),
                )
            ],
            summary="cannot import REDCap data dictionary",
        )
    records = []
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        records.append((line, {k: (v or "").strip() for k, v in zip(keys, values, strict=False)}))
    if not records:
        raise InstrumentError(
            [Problem(src, 1, 0, "empty-file", "the data dictionary has no fields")],
            summary="cannot import REDCap data dictionary",
        )

    problems: list[str] = []
    errors: list[Problem] = []
    first_line, first = records[0]
    m = _LE_SURVEY_TAG.search(first.get("field_annotation", ""))
    meta: dict[str, Any] = json.loads(m.group(1)) if m else {}
    meta_lists: dict[str, Any] = meta.get("choice_lists", {})
    meta_sections = {s["id"]: s for s in meta.get("sections", [])}
    lang = (meta.get("languages") or ["en"])[0]
    ours = bool(m) and first["field_name"] == meta.get("record_id")

    choice_lists: dict[str, dict[str, Any]] = {}
    list_by_pairs: dict[tuple[tuple[Any, str], ...], str] = {}
    sections: list[dict[str, Any]] = []
    section_ids: set[str] = set()
    item_ids: set[str] = set()
    name_map: dict[str, str] = {}
    logic: list[tuple[dict[str, Any], str, str, int]] = []
    filters: list[tuple[dict[str, Any], str, list[str], int]] = []
    current_form = None
    respondent_id = None
    matrix_members: dict[str, list[str]] = {}

    def new_section(sid_hint: str, header: Any) -> dict[str, Any]:
        sid = sid_hint if sid_hint not in section_ids else ident(sid_hint, section_ids, "s")
        section_ids.add(sid)
        # "Title<br>Description": the description is the stem of the section's questions
        parts = _BR.split(str(header), maxsplit=1)
        title = parts[0].strip()
        description = parts[1].strip() if len(parts) == 2 else ""
        sec: dict[str, Any] = {"id": sid, "title": title, "items": []}
        smeta = meta_sections.get(sid, {})
        for key, value in smeta.items():
            if key not in ("id", "title", "description"):
                sec[key] = value
        if description:  # the visible header wins over the annotation
            same = text_in(smeta.get("description"), lang) == description
            sec["description"] = smeta["description"] if same else description
        if smeta and text_in(smeta.get("title"), lang) == text_in(title, lang):
            sec["title"] = smeta["title"]
        sections.append(sec)
        return sec

    def list_for(pairs: list[tuple[int | str, str]], hint: str, ann: dict[str, Any]) -> str:
        name = ann.get("choices")
        if name in meta_lists:
            cl = meta_lists[name]
            meta_pairs = [
                (
                    parse_code(o["code"]) if not isinstance(o["code"], str) else o["code"],
                    _choice_label(text_in(o["label"], lang)),
                )
                for o in (*cl["options"], *cl.get("missing", []))
            ]
            if [(str(c), lab) for c, lab in meta_pairs] == [(str(c), lab) for c, lab in pairs]:
                choice_lists.setdefault(name, cl)
                return str(name)
        key = tuple((str(c), lab) for c, lab in pairs)
        if key in list_by_pairs:
            return list_by_pairs[key]
        name = ident(hint, set(choice_lists) | set(meta_lists), "list")
        missing_codes = {str(c) for c in (ann.get("missing") or [])}
        choice_lists[name] = {
            "options": [
                {"code": c, "label": lab} for c, lab in pairs if str(c) not in missing_codes
            ],
        }
        miss = [{"code": c, "label": lab} for c, lab in pairs if str(c) in missing_codes]
        if miss:
            choice_lists[name]["missing"] = miss
        list_by_pairs[key] = name
        return name

    start = 1 if ours else 0
    for index, (line, rec) in enumerate(records[start:], start=start):
        field = rec["field_name"]
        ftype = rec.get("field_type", "").lower()
        annotation = rec.get("field_annotation", "")
        am = _LE_TAG.search(annotation)
        ann: dict[str, Any] = json.loads(am.group(1)) if am else {}
        exclusive = _NONE_OF_THE_ABOVE.search(annotation)
        exclusive_codes = {c.strip() for c in exclusive.group(1).split(",")} if exclusive else set()
        charlimit = _CHARLIMIT.search(annotation)
        most = _MAX_CHECKED.search(annotation)
        hide = _HIDE_CHOICE.search(annotation)
        hidden_codes = [
            c.strip() for c in ((hide.group(1) or hide.group(2) or "") if hide else "").split(",")
        ]
        hidden_codes = [c for c in hidden_codes if c]
        rest = _NONE_OF_THE_ABOVE.sub("", _LE_TAG.sub("", _LE_SURVEY_TAG.sub("", annotation)))
        rest = _HIDE_CHOICE.sub("", _MAX_CHECKED.sub("", _CHARLIMIT.sub("", rest)))
        rest = rest.strip()
        if rest:
            problems.append(f"line {line}: field annotation {rest!r} of {field!r} is not carried")
        if not field:
            errors.append(Problem(src, line, 0, "missing-name", f"line {line}: no field name"))
            continue
        form = rec.get("form_name", "")
        sec_header = rec.get("section_header", "")
        if sec_header or form != current_form or not sections:
            sec_title = sec_header or form.replace("_", " ").capitalize() or "Questions"
            new_section(
                str(ann.get("section") or ident(sec_header or form or "main", set(), "s")),
                sec_title,
            )
        current_form = form
        item_id = ident(field, item_ids)
        name_map[field] = item_id
        item: dict[str, Any] = {"id": item_id}
        if item_id != field:
            item["column"] = field
        validation = rec.get("text_validation_type_or_show_slider_number", "").lower()
        choices_text = rec.get("select_choices_or_calculations", "")
        if ftype in ("radio", "dropdown", "checkbox", "yesno", "truefalse"):
            if ftype == "yesno":
                pairs: list[tuple[int | str, str]] = [(1, "Yes"), (0, "No")]
            elif ftype == "truefalse":
                pairs = [(1, "True"), (0, "False")]
            else:
                pairs = _parse_choices(choices_text)
            if not pairs:
                errors.append(
                    Problem(
                        src,
                        line,
                        0,
                        "missing-choices",
                        f"line {line}: {ftype} field {field!r} has no choices",
                    )
                )
                continue
            hint = rec.get("matrix_group_name") or field
            item["choices"] = list_for(pairs, hint, ann)
            for option in choice_lists[item["choices"]]["options"]:
                if str(option["code"]) in exclusive_codes and not option.get("exclusive"):
                    option["exclusive"] = True
            if ftype == "checkbox":
                item["type"] = "multi_choice"
                if most:
                    item["max_choices"] = int(most.group(1))
            elif ann.get("type") in ("likert", "choice"):
                item["type"] = ann["type"]
            elif rec.get("matrix_group_name") and all(isinstance(c, int) for c, _ in pairs):
                item["type"] = "likert"
                matrix_members.setdefault(item["choices"], []).append(item_id)
            else:
                item["type"] = "choice"
            if ftype == "dropdown":
                problems.append(f"line {line}: {field!r} is a dropdown; read as a choice item")
        elif ftype in ("text", "notes"):
            if validation == "integer":
                item["type"], item["integer"] = "number", True
            elif _VALIDATION_NUMBER.match(validation):
                item["type"] = "number"
            elif validation.startswith("date_") and ann.get("type", "date") == "date":
                item["type"] = "date"
                if validation != "date_ymd":
                    problems.append(
                        f"line {line}: {field!r} validated {validation}; read as a date "
                        "(REDCap exports dates as YYYY-MM-DD)"
                    )
            else:
                item["type"] = "text"
                if validation:
                    problems.append(
                        f"line {line}: validation {validation!r} of {field!r} is not carried"
                    )
            if item["type"] == "number":
                for key, col in (("min", "text_validation_min"), ("max", "text_validation_max")):
                    value = rec.get(col, "")
                    if value:
                        try:
                            item[key] = float(value)
                        except ValueError:
                            problems.append(
                                f"line {line}: {col} {value!r} of {field!r} is not a number"
                            )
            elif rec.get("text_validation_min") or rec.get("text_validation_max"):
                problems.append(f"line {line}: the validation range of {field!r} is not carried")
        elif ftype == "descriptive":
            item["type"] = "note"
        elif ftype == "slider":
            item.update(type="number", min=0.0, max=100.0)
            problems.append(f"line {line}: slider {field!r} read as a number from 0 to 100")
        else:
            problems.append(
                f"line {line}: {ftype or 'untyped'} field {field!r} has no equivalent in the "
                "survey format; skipped"
            )
            del name_map[field]
            continue
        label = rec.get("field_label", "") or field
        ann_text = ann.get("text")
        item["text"] = (
            ann_text if ann_text is not None and text_in(ann_text, lang) == label else label
        )
        note = rec.get("field_note", "")
        if note:
            ann_help = ann.get("help")
            item["help"] = (
                ann_help if ann_help is not None and text_in(ann_help, lang) == note else note
            )
        if rec.get("required_field", "").lower() == "y":
            item["required"] = True
        disclosure = ann.get("disclosure")
        if rec.get("identifier", "").lower() == "y":
            disclosure = "direct"
        elif disclosure == "direct":
            disclosure = None
        if disclosure and disclosure != "none":
            item["disclosure"] = disclosure
        for key in ("objectives", "frameworks", "tags", "column", "max_length", "adopter_notes"):
            if key in ann:
                item[key] = ann[key]
        if charlimit is not None and item["type"] == "text":
            item["max_length"] = int(charlimit.group(1))  # REDCap's own tag wins
        if "max_choices" in ann and item["type"] != "multi_choice":
            item["max_choices"] = ann["max_choices"]
        if "choices" in item and (ann.get("choice_filter") or hidden_codes):
            filters.append((item, str(ann.get("choice_filter") or ""), hidden_codes, line))
        if item["type"] != "number":
            for key in ("min", "max", "integer"):
                if key in ann:
                    item[key] = ann[key]
        for col in ("custom_alignment", "question_number", "matrix_ranking"):
            if rec.get(col):
                problems.append(f"line {line}: {col.replace('_', ' ')} of {field!r} is not carried")
        branching = rec.get("branching_logic", "")
        if branching:
            logic.append((item, branching, str(ann.get("show_if") or ""), line))
        if index == 0 and not ours:
            respondent_id = item_id
            item.setdefault("disclosure", "direct")
        sections[-1]["items"].append(item)

    if errors:
        raise InstrumentError(errors, summary=f"cannot import REDCap data dictionary {path.name}")

    # the respondent id item, which REDCap's record id stands for, back where it was
    hidden = meta.get("respondent_item")
    if ours and isinstance(hidden, dict) and isinstance(hidden.get("item"), dict):
        target = next((sec for sec in sections if sec["id"] == hidden.get("section")), None)
        if target is None:
            target = {"id": str(hidden.get("section")), "title": "", "items": []}
            smeta = meta_sections.get(target["id"], {})
            target.update({k: v for k, v in smeta.items() if k != "id"})
            sections.insert(0, target)
        position = min(int(hidden.get("position", 0)), len(target["items"]))
        target["items"].insert(position, dict(hidden["item"]))

    for name in matrix_members:
        choice_lists[name]["ordered"] = True
    if ours:  # lists no field uses are carried in the annotation too
        for name, cl in meta_lists.items():
            choice_lists.setdefault(name, cl)
    item_types = {i["id"]: i["type"] for s in sections for i in s["items"]}
    order = [i["id"] for s in sections for i in s["items"]]
    codes = {
        i["id"]: [
            o["code"]
            for o in (
                *choice_lists[i["choices"]]["options"],
                *choice_lists[i["choices"]].get("missing", []),
            )
        ]
        for s in sections
        for i in s["items"]
        if "choices" in i
    }
    checkbox = {k: codes[k] for k, t in item_types.items() if t == "multi_choice"}
    for item, branching, stored, line in logic:
        if stored:
            try:
                if parse_expression(stored).to_redcap(checkbox_items=checkbox) == branching:
                    item["show_if"] = stored
                    continue
            except ExpressionError:
                pass
        try:
            expr = parse_redcap_logic(branching, name_map)
        except (UnsupportedLogic, ExpressionError) as exc:
            problems.append(
                f"line {line}: branching logic {branching!r} has no show_if form ({exc}); the "
                "field is shown to everyone"
            )
            continue
        earlier = set(order[: order.index(item["id"])])
        later = sorted(n for n in expr.names if n not in earlier)
        if later:
            problems.append(
                f"line {line}: branching logic {branching!r} refers to {', '.join(later)}, "
                "which do(es) not come before the field; the field is shown to everyone"
            )
            continue
        item["show_if"] = str(coerce_literals(expr, codes))

    for item, stored_filter, hidden_codes, line in filters:
        _read_filter(item, stored_filter, hidden_codes, choice_lists, checkbox, line, problems)

    data: dict[str, Any] = {"kind": "survey"}
    for key, value in meta.items():
        if key not in ("choice_lists", "sections", "record_id", "respondent_item"):
            data[key] = value
    if "id" not in data:
        data["id"] = slug_id(records[0][1].get("form_name") or path.stem)
        data["version"] = "1.0.0"
        data["title"] = (records[0][1].get("form_name") or path.stem).replace("_", " ").capitalize()
    if respondent_id and "respondent_id" not in data:
        data["respondent_id"] = respondent_id
    data["choice_lists"] = choice_lists
    data["sections"] = sections
    survey = survey_from_data(data, src, f"the data dictionary {path.name}")
    del first_line
    warn_unmapped(f"from_redcap({path.name})", problems)
    return survey


def _read_filter(
    item: dict[str, Any],
    stored: str,
    hidden_codes: list[str],
    choice_lists: dict[str, dict[str, Any]],
    checkbox: dict[str, list[Any]],
    line: int,
    problems: list[str],
) -> None:
    """Set an item's choice_filter from our annotation (when the field still shows what we
    wrote) or from @HIDECHOICE; remove the piped note line we added."""
    from ..instruments.expressions import ExpressionError

    cl = choice_lists[item["choices"]]
    codes = [o["code"] for o in (*cl["options"], *cl.get("missing", []))]
    if stored:
        try:
            hidden, piped = _filter_parts(stored, codes, checkbox)
        except ExpressionError:
            hidden, piped = [], ""
        note = str(item.get("help") or "")
        if piped and note.endswith(piped):
            note = note[: -len(piped)].rstrip("\n")
            if note:
                item["help"] = note
            else:
                item.pop("help", None)
        if [str(c) for c in hidden] == hidden_codes:
            item["choice_filter"] = stored
            return
        problems.append(
            f"line {line}: the @HIDECHOICE of {item['id']!r} was changed in REDCap; its choice "
            "filter is read from @HIDECHOICE"
        )
    known = {str(c): c for c in codes}
    unknown = [c for c in hidden_codes if c not in known]
    if unknown:
        problems.append(
            f"line {line}: @HIDECHOICE of {item['id']!r} names code(s) {', '.join(unknown)} that "
            "are not choices; ignored"
        )
    values = [known[c] for c in hidden_codes if c in known]
    if values:
        listed = ", ".join(repr(v) if isinstance(v, str) else str(v) for v in values)
        item["choice_filter"] = f"choice not in [{listed}]"
