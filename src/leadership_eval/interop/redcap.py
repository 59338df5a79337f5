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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._files import file_bytes
from ..errors import InstrumentError, Problem
from ..instruments.models import ChoiceList, Item, Section, Survey, text_in
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
from .logic import to_branching_logic

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


def to_redcap(survey: Survey | str | Path, path: str | Path) -> Path:
    """Write ``survey`` as a REDCap data dictionary (CSV).

    Parameters
    ----------
    survey : Survey, or a path or bundled id
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
    >>> import leadership_eval as le
    >>> s = le.datasets.example_survey()
    >>> out = to_redcap(s, pathlib.Path(tempfile.mkdtemp()) / "example.csv")
    >>> how = next(row for row in out.read_text().splitlines() if row.startswith("how,"))
    >>> "[met] = '1'" in how
    True
    >>> from_redcap(out) == s
    True
    """
    from ..instruments.loader import as_survey

    survey = as_survey(survey)
    path = Path(path)
    w = _DictionaryWriter(survey)
    rows = [w.record_id_row()]
    for section in survey.sections:
        visible = [i for i in section.items if i.id != survey.respondent_id]
        rows.extend(w.field(section, position, item) for position, item in enumerate(visible))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=REDCAP_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in REDCAP_COLUMNS})
    warn_unmapped(f"to_redcap({path.name})", w.problems)
    return path


class _DictionaryWriter:
    """A survey's REDCap data dictionary: the record id row (carrying the survey in its
    annotation), then one row per field."""

    def __init__(self, survey: Survey) -> None:
        self.survey = survey
        self.lang = survey_languages(survey)[0] if survey.languages else "en"
        self.form = re.sub(r"[^a-z0-9_]", "_", survey.id.lower())
        self.problems: list[str] = []
        self.relabelled: set[str] = set()
        self.checkbox = {
            item.id: survey.choices_for(item).all_codes  # type: ignore[union-attr]
            for item in survey.items
            if item.type == "multi_choice"
        }
        self.matrix_of = self.matrices()
        for section in survey.sections:
            if not section.items:
                self.problems.append(
                    f"section {section.id!r} has no items: REDCap has no place for an empty section"
                )

    def matrices(self) -> dict[str, str]:
        """Item -> matrix group, for runs of two or more likert items on one list."""
        matrix_of: dict[str, str] = {}
        counter: dict[str, int] = {}
        for section in self.survey.sections:
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
                    for member in run:
                        matrix_of[member.id] = f"{name}_{counter[name]}"
                run = [item] if item is not None and item.type == "likert" else []
        return matrix_of

    def record_id_row(self) -> dict[str, str]:
        survey = self.survey
        record_id = _record_id_name(survey)
        # every survey-level field but the lists and sections (so fields added later travel)
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
            s.model_dump(mode="json", exclude_defaults=True, exclude={"items"})
            for s in survey.sections
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
        return {
            "Variable / Field Name": record_id,
            "Form Name": self.form,
            "Field Type": "text",
            "Field Label": "Record ID",
            "Field Annotation": "@LE-SURVEY=" + dumps(meta),
        }

    def field(self, section: Section, position: int, item: Item) -> dict[str, str]:
        lang = self.lang
        ann: dict[str, Any] = {"type": item.type}
        row = {"Variable / Field Name": item.id, "Form Name": self.form}
        if position == 0:
            ann["section"] = section.id
            # the section's title, then its description: the stem of its questions (REDCap
            # shows a matrix's section header above the matrix)
            header = text_in(section.title, lang)
            if section.description:
                header += "<br>" + text_in(section.description, lang)
            row["Section Header"] = header
        cl = self.survey.choices_for(item)
        self.field_type(item, cl, row, ann)
        row["Field Label"] = text_in(item.text, lang)
        if isinstance(item.text, dict):
            ann["text"] = item.text
        if item.help is not None:
            row["Field Note"] = text_in(item.help, lang)
            if isinstance(item.help, dict):
                ann["help"] = item.help
        hidden = self.choice_filter(item, cl, row, ann)
        if item.disclosure == "direct":
            row["Identifier?"] = "y"
        if item.disclosure != "none":
            ann["disclosure"] = item.disclosure
        if item.show_if:
            self.branching(item, row, ann)
        if item.required:
            row["Required Field?"] = "y"
        if item.id in self.matrix_of:
            row["Matrix Group Name"] = self.matrix_of[item.id]
        ann.update(_annotated_fields(item))
        row["Field Annotation"] = _action_tags(item, cl, hidden) + "@LE=" + dumps(ann)
        return row

    def field_type(
        self, item: Item, cl: ChoiceList | None, row: dict[str, str], ann: dict[str, Any]
    ) -> None:
        if item.type in ("likert", "choice", "multi_choice") and cl is not None:
            row["Field Type"] = "checkbox" if item.type == "multi_choice" else "radio"
            options = [(o.code, text_in(o.label, self.lang)) for o in (*cl.options, *cl.missing)]
            row["Choices, Calculations, OR Slider Labels"] = _choices_text(options)
            ann["choices"] = item.choices
            self.check_choices(item, cl)
        elif item.type == "number":
            row["Field Type"] = "text"
            validation = "integer" if item.integer else "number"
            row["Text Validation Type OR Show Slider Number"] = validation
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

    def check_choices(self, item: Item, cl: ChoiceList) -> None:
        """Labels REDCap's choices column rewrites, and codes it cannot hold."""
        for opt in (*cl.options, *cl.missing):
            shown = text_in(opt.label, self.lang)
            if _choice_label(shown) != shown and item.choices not in self.relabelled:
                self.relabelled.add(str(item.choices))
                self.problems.append(
                    f"choice list {item.choices!r}: label {shown!r} is written "
                    f"{_choice_label(shown)!r} in the choices column (the annotation "
                    "keeps it as it is)"
                )
        for code in cl.all_codes:
            if not re.fullmatch(r"-?[A-Za-z0-9_.]+", str(code)) or (
                item.type == "multi_choice" and not re.fullmatch(r"[A-Za-z0-9_]+", str(code))
            ):
                self.problems.append(
                    f"item {item.id!r}: code {code!r} is not a valid REDCap choice code"
                )

    def choice_filter(
        self, item: Item, cl: ChoiceList | None, row: dict[str, str], ann: dict[str, Any]
    ) -> list[Any]:
        """The codes a choice filter always hides (@HIDECHOICE), its piped note added."""
        from ..instruments.expressions import ExpressionError

        if not item.choice_filter or cl is None:
            return []
        try:
            hidden, piped = _filter_parts(item.choice_filter, cl.all_codes, self.checkbox)
        except ExpressionError as exc:
            self.problems.append(
                f"item {item.id!r}: choice_filter {item.choice_filter!r} has no REDCap form: {exc}"
            )
            return []
        ann["choice_filter"] = item.choice_filter
        if piped:
            note = row.get("Field Note", "")
            row["Field Note"] = f"{note}\n{piped}" if note else piped
        return list(hidden)

    def branching(self, item: Item, row: dict[str, str], ann: dict[str, Any]) -> None:
        from ..instruments.expressions import ExpressionError, parse_expression

        assert item.show_if is not None
        try:
            row["Branching Logic (Show field only if...)"] = to_branching_logic(
                parse_expression(item.show_if), self.checkbox
            )
            ann["show_if"] = item.show_if
        except ExpressionError as exc:
            self.problems.append(
                f"item {item.id!r}: show_if {item.show_if!r} has no REDCap form: {exc}"
            )


def _annotated_fields(item: Item) -> dict[str, Any]:
    """The item's fields REDCap has no column for, kept in the @LE annotation."""
    ann: dict[str, Any] = {}
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
    return ann


def _action_tags(item: Item, cl: ChoiceList | None, hidden: list[Any]) -> str:
    """REDCap's own action tags for the item, each on its own line, before @LE."""
    tags = ""
    if item.type == "text" and item.max_length is not None:
        # the field takes at most this many characters
        tags = f"@CHARLIMIT={item.max_length}\n" + tags
    if item.type == "multi_choice" and cl is not None and cl.exclusive_codes:
        codes = ",".join(str(c) for c in cl.exclusive_codes)
        tags = f"@NONEOFTHEABOVE='{codes}'\n" + tags
    if item.type == "multi_choice" and item.max_choices is not None:
        tags = f"@MAXCHECKED={item.max_choices}\n" + tags
    if hidden:
        codes = ",".join(str(c) for c in hidden)
        tags = f"@HIDECHOICE='{codes}'\n" + tags
    return tags


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
        When the file is not a data dictionary (missing columns, an Excel workbook or other
        file that is not CSV text: ``not-redcap``; a choice field without choices; a code given
        twice in one field's choices: ``duplicate-code``...), each problem located by CSV line.
    DataError
        ``missing-file``: no file at ``path`` (or a folder); ``unreadable``: it cannot be read.

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

    reader = _DictionaryReader(Path(path))
    survey = reader.read()
    warn_unmapped(f"from_redcap({reader.path.name})", reader.problems)
    return survey


_CHOICE_TYPES = ("radio", "dropdown", "checkbox", "yesno", "truefalse")
_ITEM_KEYS = ("objectives", "frameworks", "tags", "column", "max_length", "adopter_notes")
_SUMMARY = "cannot import REDCap data dictionary"


@dataclass
class _Field:
    """One data dictionary row, its annotation read: the unit each field handler takes."""

    line: int
    rec: dict[str, str]
    name: str
    ftype: str
    ann: dict[str, Any]  # our @LE annotation
    exclusive: set[str]  # @NONEOFTHEABOVE codes
    charlimit: int | None
    most: int | None
    hidden: list[str]  # @HIDECHOICE codes


class _DictionaryReader:
    """Reads a REDCap data dictionary field by field, one handler per field type.

    :meth:`read` reads the CSV, then each field (:meth:`field` dispatches on its type to
    :meth:`choice_field`, :meth:`text_field`, :meth:`descriptive` or :meth:`slider`), then
    restores the respondent item, resolves branching logic and choice filters and builds the
    document.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.src = str(path)
        self.problems: list[str] = []
        self.errors: list[Problem] = []
        self.choice_lists: dict[str, dict[str, Any]] = {}
        self.list_by_pairs: dict[tuple[tuple[Any, str], ...], str] = {}
        self.sections: list[dict[str, Any]] = []
        self.section_ids: set[str] = set()
        self.item_ids: set[str] = set()
        self.name_map: dict[str, str] = {}
        self.logic: list[tuple[dict[str, Any], str, str, int]] = []
        self.filters: list[tuple[dict[str, Any], str, list[str], int]] = []
        self.current_form: str | None = None
        self.respondent_id: str | None = None
        self.matrix_members: dict[str, list[str]] = {}

    def fail(self, line: int, code: str, message: str) -> InstrumentError:
        return InstrumentError([Problem(self.src, line, 0, code, message)], summary=_SUMMARY)

    # ---- the file ------------------------------------------------------------------------
    def read(self) -> Survey:
        self.records = self.read_records()
        first = self.records[0][1]
        m = _LE_SURVEY_TAG.search(first.get("field_annotation", ""))
        self.meta: dict[str, Any] = json.loads(m.group(1)) if m else {}
        self.meta_lists: dict[str, Any] = self.meta.get("choice_lists", {})
        self.meta_sections = {s["id"]: s for s in self.meta.get("sections", [])}
        self.lang = (self.meta.get("languages") or ["en"])[0]
        self.ours = bool(m) and first["field_name"] == self.meta.get("record_id")
        start = 1 if self.ours else 0
        for index, (line, rec) in enumerate(self.records[start:], start=start):
            self.field(index, line, rec)
        if self.errors:
            summary = f"cannot import REDCap data dictionary {self.path.name}"
            raise InstrumentError(self.errors, summary=summary)
        self.restore_respondent_item()
        self.finish_choice_lists()
        self.resolve_logic()
        survey = survey_from_data(
            self.document(), self.src, f"the data dictionary {self.path.name}"
        )
        return survey

    def read_records(self) -> list[tuple[int, dict[str, str]]]:
        raw = file_bytes(self.path, "from_redcap reads a REDCap data dictionary, a .csv file")
        if raw.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
            message = (
                "not a REDCap data dictionary: this is an Excel workbook, and a data "
                "dictionary is a CSV file (download it from REDCap as CSV, or save the sheet "
                "as CSV UTF-8)"
            )
            raise self.fail(1, "not-redcap", message)
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16, as Excel's "Unicode text"
            text = raw.decode("utf-16")
        else:
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("cp1252", errors="replace")
        reader = csv.reader(io.StringIO(text), delimiter=self.delimiter(text))
        try:
            return self.csv_records(reader)
        except csv.Error as exc:
            message = (
                f"not a REDCap data dictionary: line {reader.line_num} is not CSV text "
                f"({str(exc).split(' - ', 1)[0]}); "
                "a data dictionary is a CSV file as REDCap downloads it"
            )
            raise self.fail(reader.line_num or 1, "not-redcap", message) from exc

    @staticmethod
    def delimiter(text: str) -> str:
        """The separator of the dictionary: the comma REDCap writes, or the semicolon or tab a
        spreadsheet saves with in many locales (the one whose first header cell is a field
        name column's). A first line that is no CSV text (binary data, a stray carriage
        return) gives the comma: reading the records then fails as ``not-redcap``."""
        head = text.split("\n", 1)[0]
        lookup = {c.lower(): k for c, k in _KEY.items()} | {k: k for k in _API_NAMES}
        for sep in (",", ";", "\t"):
            try:
                first = next(csv.reader([head], delimiter=sep), [""])[:1] or [""]
            except csv.Error:
                continue
            if lookup.get(first[0].strip().lower()) == "field_name":
                return sep
        return ","

    def csv_records(self, reader: Any) -> list[tuple[int, dict[str, str]]]:
        try:
            header = next(reader)
        except StopIteration:
            raise self.fail(1, "empty-file", "the data dictionary is empty") from None
        lookup = {c.lower(): k for c, k in _KEY.items()} | {k: k for k in _API_NAMES}
        keys = [lookup.get(h.strip().lower(), h.strip()) for h in header]
        needed = ("field_name", "form_name", "field_type", "field_label")
        missing = [k for k in needed if k not in keys]
        if missing:
            named = ", ".join(repr(REDCAP_COLUMNS[_API_NAMES.index(m)]) for m in missing)
            message = f"not a REDCap data dictionary: missing column(s) {named}"
            raise self.fail(1, "not-redcap", message)
        records = []
        for line, values in enumerate(reader, start=2):
            if any(v.strip() for v in values):
                rec = {k: (v or "").strip() for k, v in zip(keys, values, strict=False)}
                records.append((line, rec))
        if not records:
            raise self.fail(1, "empty-file", "the data dictionary has no fields")
        return records

    # ---- sections and choice lists --------------------------------------------------------
    def new_section(self, sid_hint: str, header: Any) -> None:
        ids = self.section_ids
        sid = sid_hint if sid_hint not in ids else ident(sid_hint, ids, "s")
        ids.add(sid)
        # "Title<br>Description": the description is the stem of the section's questions
        parts = _BR.split(str(header), maxsplit=1)
        title = parts[0].strip()
        description = parts[1].strip() if len(parts) == 2 else ""
        sec: dict[str, Any] = {"id": sid, "title": title, "items": []}
        smeta = self.meta_sections.get(sid, {})
        for key, value in smeta.items():
            if key not in ("id", "title", "description"):
                sec[key] = value
        if description:  # the visible header wins over the annotation
            same = text_in(smeta.get("description"), self.lang) == description
            sec["description"] = smeta["description"] if same else description
        if smeta and text_in(smeta.get("title"), self.lang) == text_in(title, self.lang):
            sec["title"] = smeta["title"]
        self.sections.append(sec)

    def list_for(self, pairs: list[tuple[int | str, str]], hint: str, ann: dict[str, Any]) -> str:
        """The name of the choice list with these (code, label) pairs, made when new."""
        name = ann.get("choices")
        if name in self.meta_lists:
            cl = self.meta_lists[name]
            meta_pairs = [
                (
                    parse_code(o["code"]) if not isinstance(o["code"], str) else o["code"],
                    _choice_label(text_in(o["label"], self.lang)),
                )
                for o in (*cl["options"], *cl.get("missing", []))
            ]
            if [(str(c), lab) for c, lab in meta_pairs] == [(str(c), lab) for c, lab in pairs]:
                self.choice_lists.setdefault(name, cl)
                return str(name)
        key = tuple((str(c), lab) for c, lab in pairs)
        if key in self.list_by_pairs:
            return self.list_by_pairs[key]
        name = ident(hint, set(self.choice_lists) | set(self.meta_lists), "list")
        missing_codes = {str(c) for c in (ann.get("missing") or [])}
        options = [{"code": c, "label": lab} for c, lab in pairs if str(c) not in missing_codes]
        self.choice_lists[name] = {"options": options}
        miss = [{"code": c, "label": lab} for c, lab in pairs if str(c) in missing_codes]
        if miss:
            self.choice_lists[name]["missing"] = miss
        self.list_by_pairs[key] = name
        return name

    # ---- fields: one handler per field type -----------------------------------------------
    def annotated(self, line: int, rec: dict[str, str]) -> _Field:
        annotation = rec.get("field_annotation", "")
        am = _LE_TAG.search(annotation)
        exclusive = _NONE_OF_THE_ABOVE.search(annotation)
        charlimit = _CHARLIMIT.search(annotation)
        most = _MAX_CHECKED.search(annotation)
        hide = _HIDE_CHOICE.search(annotation)
        hidden = ((hide.group(1) or hide.group(2) or "") if hide else "").split(",")
        rest = _NONE_OF_THE_ABOVE.sub("", _LE_TAG.sub("", _LE_SURVEY_TAG.sub("", annotation)))
        rest = _HIDE_CHOICE.sub("", _MAX_CHECKED.sub("", _CHARLIMIT.sub("", rest))).strip()
        field = rec["field_name"]
        if rest:
            self.problems.append(
                f"line {line}: field annotation {rest!r} of {field!r} is not carried"
            )
        return _Field(
            line=line,
            rec=rec,
            name=field,
            ftype=rec.get("field_type", "").lower(),
            ann=json.loads(am.group(1)) if am else {},
            exclusive={c.strip() for c in exclusive.group(1).split(",")} if exclusive else set(),
            charlimit=int(charlimit.group(1)) if charlimit else None,
            most=int(most.group(1)) if most else None,
            hidden=[c.strip() for c in hidden if c.strip()],
        )

    def field(self, index: int, line: int, rec: dict[str, str]) -> None:
        f = self.annotated(line, rec)
        if not f.name:
            self.errors.append(
                Problem(self.src, line, 0, "missing-name", f"line {line}: no field name")
            )
            return
        self.section_for(f)
        item_id = ident(f.name, self.item_ids)
        self.name_map[f.name] = item_id
        item: dict[str, Any] = {"id": item_id}
        if item_id != f.name:
            item["column"] = f.name
        handler = {
            **dict.fromkeys(_CHOICE_TYPES, self.choice_field),
            "text": self.text_field,
            "notes": self.text_field,
            "descriptive": self.descriptive,
            "slider": self.slider,
        }.get(f.ftype)
        if handler is None:
            self.problems.append(
                f"line {line}: {f.ftype or 'untyped'} field {f.name!r} has no equivalent in the "
                "survey format; skipped"
            )
            del self.name_map[f.name]
            return
        if not handler(f, item):
            return
        self.item_fields(f, item)
        if index == 0 and not self.ours:
            self.respondent_id = item_id
            item.setdefault("disclosure", "direct")
        self.sections[-1]["items"].append(item)

    def section_for(self, f: _Field) -> None:
        """A new section at each form and each section header."""
        form = f.rec.get("form_name", "")
        sec_header = f.rec.get("section_header", "")
        if sec_header or form != self.current_form or not self.sections:
            sec_title = sec_header or form.replace("_", " ").capitalize() or "Questions"
            hint = f.ann.get("section") or ident(sec_header or form or "main", set(), "s")
            self.new_section(str(hint), sec_title)
        self.current_form = form

    def choice_field(self, f: _Field, item: dict[str, Any]) -> bool:
        rec, line = f.rec, f.line
        if f.ftype == "yesno":
            pairs: list[tuple[int | str, str]] = [(1, "Yes"), (0, "No")]
        elif f.ftype == "truefalse":
            pairs = [(1, "True"), (0, "False")]
        else:
            pairs = _parse_choices(rec.get("select_choices_or_calculations", ""))
        if not pairs:
            message = f"line {line}: {f.ftype} field {f.name!r} has no choices"
            self.errors.append(Problem(self.src, line, 0, "missing-choices", message))
            return False
        labels: dict[str, list[str]] = {}
        for code, label in pairs:
            labels.setdefault(str(code), []).append(label)
        twice = {c: labs for c, labs in labels.items() if len(labs) > 1}
        for code, labs in twice.items():
            message = (
                f"line {line}: the choices of {f.ftype} field {f.name!r} give code {code!r} "
                f"{len(labs)} times ({', '.join(repr(lab) for lab in labs)}): each choice needs "
                "a code of its own, or answers could not be told apart"
            )
            self.errors.append(Problem(self.src, line, 0, "duplicate-code", message))
        if twice:
            return False
        item["choices"] = self.list_for(pairs, rec.get("matrix_group_name") or f.name, f.ann)
        for option in self.choice_lists[item["choices"]]["options"]:
            if str(option["code"]) in f.exclusive and not option.get("exclusive"):
                option["exclusive"] = True
        if f.ftype == "checkbox":
            item["type"] = "multi_choice"
            if f.most is not None:
                item["max_choices"] = f.most
        elif f.ann.get("type") in ("likert", "choice"):
            item["type"] = f.ann["type"]
        elif rec.get("matrix_group_name") and all(isinstance(c, int) for c, _ in pairs):
            item["type"] = "likert"
            self.matrix_members.setdefault(item["choices"], []).append(item["id"])
        else:
            item["type"] = "choice"
        if f.ftype == "dropdown":
            self.problems.append(f"line {line}: {f.name!r} is a dropdown; read as a choice item")
        return True

    def text_field(self, f: _Field, item: dict[str, Any]) -> bool:
        rec, line, field = f.rec, f.line, f.name
        validation = rec.get("text_validation_type_or_show_slider_number", "").lower()
        if validation == "integer":
            item["type"], item["integer"] = "number", True
        elif _VALIDATION_NUMBER.match(validation):
            item["type"] = "number"
        elif validation.startswith("date_") and f.ann.get("type", "date") == "date":
            item["type"] = "date"
            if validation != "date_ymd":
                self.problems.append(
                    f"line {line}: {field!r} validated {validation}; read as a date "
                    "(REDCap exports dates as YYYY-MM-DD)"
                )
        else:
            item["type"] = "text"
            if validation:
                self.problems.append(
                    f"line {line}: validation {validation!r} of {field!r} is not carried"
                )
        if item["type"] == "number":
            for key, col in (("min", "text_validation_min"), ("max", "text_validation_max")):
                value = rec.get(col, "")
                if value:
                    try:
                        item[key] = float(value)
                    except ValueError:
                        self.problems.append(
                            f"line {line}: {col} {value!r} of {field!r} is not a number"
                        )
        elif rec.get("text_validation_min") or rec.get("text_validation_max"):
            self.problems.append(f"line {line}: the validation range of {field!r} is not carried")
        return True

    def descriptive(self, f: _Field, item: dict[str, Any]) -> bool:
        item["type"] = "note"
        return True

    def slider(self, f: _Field, item: dict[str, Any]) -> bool:
        item.update(type="number", min=0.0, max=100.0)
        self.problems.append(f"line {f.line}: slider {f.name!r} read as a number from 0 to 100")
        return True

    def item_fields(self, f: _Field, item: dict[str, Any]) -> None:
        """Text, help, required, disclosure, our annotation's fields and the action tags."""
        rec, ann, lang = f.rec, f.ann, self.lang
        label = rec.get("field_label", "") or f.name
        ann_text = ann.get("text")
        same = ann_text is not None and text_in(ann_text, lang) == label
        item["text"] = ann_text if same else label
        note = rec.get("field_note", "")
        if note:
            ann_help = ann.get("help")
            same = ann_help is not None and text_in(ann_help, lang) == note
            item["help"] = ann_help if same else note
        if rec.get("required_field", "").lower() == "y":
            item["required"] = True
        disclosure = ann.get("disclosure")
        if rec.get("identifier", "").lower() == "y":
            disclosure = "direct"
        elif disclosure == "direct":
            disclosure = None
        if disclosure and disclosure != "none":
            item["disclosure"] = disclosure
        item.update({key: ann[key] for key in _ITEM_KEYS if key in ann})
        if f.charlimit is not None and item["type"] == "text":
            item["max_length"] = f.charlimit  # REDCap's own tag wins
        if "max_choices" in ann and item["type"] != "multi_choice":
            item["max_choices"] = ann["max_choices"]
        if "choices" in item and (ann.get("choice_filter") or f.hidden):
            self.filters.append((item, str(ann.get("choice_filter") or ""), f.hidden, f.line))
        if item["type"] != "number":
            item.update({key: ann[key] for key in ("min", "max", "integer") if key in ann})
        for col in ("custom_alignment", "question_number", "matrix_ranking"):
            if rec.get(col):
                what = col.replace("_", " ")
                self.problems.append(f"line {f.line}: {what} of {f.name!r} is not carried")
        branching = rec.get("branching_logic", "")
        if branching:
            self.logic.append((item, branching, str(ann.get("show_if") or ""), f.line))

    # ---- after the fields -----------------------------------------------------------------
    def restore_respondent_item(self) -> None:
        """The respondent id item, which REDCap's record id stands for, back where it was."""
        hidden = self.meta.get("respondent_item")
        if not (self.ours and isinstance(hidden, dict) and isinstance(hidden.get("item"), dict)):
            return
        target = next((s for s in self.sections if s["id"] == hidden.get("section")), None)
        if target is None:
            target = {"id": str(hidden.get("section")), "title": "", "items": []}
            smeta = self.meta_sections.get(target["id"], {})
            target.update({k: v for k, v in smeta.items() if k != "id"})
            self.sections.insert(0, target)
        position = min(int(hidden.get("position", 0)), len(target["items"]))
        target["items"].insert(position, dict(hidden["item"]))

    def finish_choice_lists(self) -> None:
        for name in self.matrix_members:
            self.choice_lists[name]["ordered"] = True
        if self.ours:  # lists no field uses are carried in the annotation too
            for name, cl in self.meta_lists.items():
                self.choice_lists.setdefault(name, cl)

    def resolve_logic(self) -> None:
        """Branching logic and choice filters, once every field is known."""
        items = [i for s in self.sections for i in s["items"]]
        item_types = {i["id"]: i["type"] for i in items}
        order = [i["id"] for i in items]
        codes = {
            i["id"]: [
                o["code"]
                for o in (
                    *self.choice_lists[i["choices"]]["options"],
                    *self.choice_lists[i["choices"]].get("missing", []),
                )
            ]
            for i in items
            if "choices" in i
        }
        checkbox = {k: codes[k] for k, t in item_types.items() if t == "multi_choice"}
        for item, branching, stored, line in self.logic:
            show_if = self.show_if(item, branching, stored, line, checkbox, codes, order)
            if show_if is not None:
                item["show_if"] = show_if
        for item, stored_filter, hidden_codes, line in self.filters:
            _read_filter(
                item, stored_filter, hidden_codes, self.choice_lists, checkbox, line, self.problems
            )

    def show_if(
        self,
        item: dict[str, Any],
        branching: str,
        stored: str,
        line: int,
        checkbox: dict[str, list[Any]],
        codes: dict[str, list[Any]],
        order: list[str],
    ) -> str | None:
        """The item's show_if: the stored one when it prints as this branching logic, else
        the logic read."""
        from ..instruments.expressions import ExpressionError, parse_expression
        from .logic import UnsupportedLogic, coerce_literals, parse_redcap_logic

        if stored:
            try:
                if to_branching_logic(parse_expression(stored), checkbox) == branching:
                    return stored
            except ExpressionError:
                pass
        try:
            expr = parse_redcap_logic(branching, self.name_map)
        except (UnsupportedLogic, ExpressionError) as exc:
            self.problems.append(
                f"line {line}: branching logic {branching!r} has no show_if form ({exc}); the "
                "field is shown to everyone"
            )
            return None
        earlier = set(order[: order.index(item["id"])])
        later = sorted(n for n in expr.names if n not in earlier)
        if later:
            self.problems.append(
                f"line {line}: branching logic {branching!r} refers to {', '.join(later)}, "
                "which do(es) not come before the field; the field is shown to everyone"
            )
            return None
        return str(coerce_literals(expr, codes))

    def document(self) -> dict[str, Any]:
        skip = ("choice_lists", "sections", "record_id", "respondent_item")
        data: dict[str, Any] = {"kind": "survey"}
        data.update({k: v for k, v in self.meta.items() if k not in skip})
        if "id" not in data:
            form = self.records[0][1].get("form_name") or self.path.stem
            data["id"] = slug_id(form)
            data["version"] = "1.0.0"
            data["title"] = form.replace("_", " ").capitalize()
        if self.respondent_id and "respondent_id" not in data:
            data["respondent_id"] = self.respondent_id
        data["choice_lists"] = self.choice_lists
        data["sections"] = self.sections
        return data


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
