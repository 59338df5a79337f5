"""LimeSurvey export: the tab-separated survey structure (``.txt``) import format.

One row per survey setting (class ``S``), language setting (``SL``), group (``G``), question
(``Q``), subquestion (``SQ``) and answer option (``A``); rows are related by order, the whole
base-language block first and then one translated copy per further language, sharing ``id``
values (LimeSurvey manual, "Tab Separated Value survey structure").

Mapping: sections -> groups (description from the section's); ``likert``/``choice`` ->
``L`` (list, radio) with ``A`` rows; ``multi_choice`` -> ``M`` with one ``SQ`` row per code;
``number`` -> ``N`` (attributes ``min_num_value_n``, ``max_num_value_n``,
``num_value_int_only``); ``text`` -> ``S`` (short) or ``T`` (long, for free text or more than
255 characters; attribute ``maximum_chars``); ``date`` -> ``D``; ``note`` -> ``X``;
``required`` -> ``mandatory = Y``; ``help`` -> ``help``; ``show_if`` -> ``relevance`` in
ExpressionScript (``grade == "fy1"``, ``!is_empty(x)``, ``acts_qi == "Y"``); ``max_choices`` ->
``max_answers``. A ``choice_filter`` has no equivalent for list questions (every option is
offered; a warning says so).

LimeSurvey question codes are letters and digits only (at most 20) and answer codes at most
5 letters or digits, so ids such as ``lead_1`` become ``lead1`` and codes such as ``-1`` or
``teaching`` get short codes (``A1``...): every renaming is listed in an
:class:`~leadership_eval.interop.common.InteropWarning`, as is what LimeSurvey has no place
for (scales, disclosure levels, objectives, missing-code flags).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._files import file_bytes, file_path
from ..errors import DataError
from ..instruments.models import Item, Survey, Text, text_in
from .common import InteropWarning, number_text, survey_languages, warn_unmapped

__all__ = [
    "LIMESURVEY_COLUMNS",
    "LIMESURVEY_RESPONSE_COLUMNS",
    "InteropWarning",
    "LimeSurveyCodes",
    "limesurvey_codes",
    "limesurvey_codes_path",
    "read_limesurvey_codes",
    "to_limesurvey",
]

LIMESURVEY_COLUMNS = (
    "id",
    "related_id",
    "class",
    "type/scale",
    "name",
    "relevance",
    "text",
    "help",
    "language",
    "validation",
    "mandatory",
    "other",
    "default",
    "same_default",
    "min_num_value_n",
    "max_num_value_n",
    "num_value_int_only",
    "maximum_chars",
    "exclude_all_others",
    "max_answers",
)
"""Columns written: the standard ones, then the question attributes used."""


LIMESURVEY_RESPONSE_COLUMNS = (
    "id",
    "submitdate",
    "lastpage",
    "startlanguage",
    "seed",
    "token",
    "startdate",
    "datestamp",
    "ipaddr",
    "refurl",
)
"""The bookkeeping columns LimeSurvey writes before the questions in a response export."""

# ExpressionScript's reserved words, refused as question codes by LimeSurvey's Question model
_RESERVED_QUESTION = {
    "lang",
    "sid",
    "savedid",
    "token",
    "qid",
    "gid",
    "sgq",
    "self",
    "that",
    "this",
}
# refused as a subquestion code by the same model (it would clash with the timing fields)
_RESERVED_SUBQUESTION = {"time"}


def _unique(base: str, taken: set[str], limit: int) -> str:
    base = base[:limit] or "Q"
    name, n = base, 2
    while name.lower() in taken:
        suffix = str(n)
        name = base[: limit - len(suffix)] + suffix
        n += 1
    taken.add(name.lower())
    return name


@dataclass(frozen=True)
class LimeSurveyCodes:
    """The LimeSurvey codes of a survey's questions and options.

    Attributes
    ----------
    questions : dict
        Item id -> question code, for every item but the respondent id (which is LimeSurvey's
        own ``id``).
    answers : dict
        Choice list -> {code as text -> answer code}, for single-choice questions (``L``).
    subquestions : dict
        Choice list -> {code as text -> subquestion code}, for multiple-choice questions (``M``).
    renamed : list of str
        One line per list of renamings, for people.
    """

    questions: dict[str, str]
    answers: dict[str, dict[str, str]]
    subquestions: dict[str, dict[str, str]]
    renamed: list[str] = field(default_factory=list)


def _option_codes(
    codes: list[Any], limit: int, reserved: set[str]
) -> tuple[dict[str, str], list[str]]:
    """Codes LimeSurvey accepts (letters and digits, ``limit`` at most, none ``reserved``)."""
    used: set[str] = set()
    mapping: dict[str, str] = {}
    renamed = []
    for code in codes:
        text = str(code)
        ok = re.fullmatch(rf"[A-Za-z0-9]{{1,{limit}}}", text) is not None
        if ok and text.lower() not in used and text.lower() not in reserved:
            mapping[text] = text
            used.add(text.lower())
    n = 1
    for code in codes:
        text = str(code)
        if text in mapping:
            continue
        short = re.sub(r"[^A-Za-z0-9]", "", text)[:limit]
        if short and short.lower() in reserved:  # 'time' -> 'time1'
            k = 1
            while (short[: limit - len(str(k))] + str(k)).lower() in used:
                k += 1
            short = short[: limit - len(str(k))] + str(k)
        if short.lower() in used:  # '-1' would be '1', taken: a code of its own instead
            short = ""
        if not short:
            while f"a{n}" in used:
                n += 1
            short = f"A{n}"
        mapping[text] = short
        used.add(short.lower())
        renamed.append(f"{text!r} -> {short!r}")
    return {str(c): mapping[str(c)] for c in codes}, renamed


def limesurvey_codes(survey: Survey) -> LimeSurveyCodes:
    """The codes :func:`to_limesurvey` gives a survey's questions and options.

    The same survey always gets the same codes, so its response exports can be read back with
    or without the mapping file.

    Parameters
    ----------
    survey : Survey

    Returns
    -------
    LimeSurveyCodes

    Examples
    --------
    >>> from leadership_eval.instruments.loader import loads_instrument
    >>> s = loads_instrument('''
    ... kind: survey
    ... id: tiny
    ... version: 1.0.0
    ... title: A tiny survey
    ... choice_lists:
    ...   acts: {options: [{code: committee, label: Committee}, {code: time, label: No time}]}
    ... sections:
    ...   - id: main
    ...     title: Main
    ...     items:
    ...       - {id: acts_done, type: multi_choice, choices: acts, text: Done}
    ...       - {id: acts_main, type: choice, choices: acts, text: Main one}
    ... ''')
    >>> codes = limesurvey_codes(s)
    >>> codes.questions
    {'acts_done': 'actsdone', 'acts_main': 'actsmain'}
    >>> codes.subquestions["acts"], codes.answers["acts"]
    ({'committee': 'committee', 'time': 'time1'}, {'committee': 'commi', 'time': 'time'})
    """
    taken: set[str] = set(_RESERVED_QUESTION) | set(LIMESURVEY_RESPONSE_COLUMNS)
    questions: dict[str, str] = {}
    for item in survey.items:
        if item.id == survey.respondent_id:
            continue
        base = re.sub(r"[^A-Za-z0-9]", "", item.id)
        if not base or not base[0].isalpha():
            base = "Q" + base
        questions[item.id] = _unique(base, taken, 20)
    lines = []
    renamed = [f"{k} -> {v}" for k, v in questions.items() if k != v]
    if renamed:
        lines.append("question codes (letters and digits only): " + ", ".join(renamed))
    multi_lists = {str(i.choices) for i in survey.items if i.type == "multi_choice" and i.choices}
    answers: dict[str, dict[str, str]] = {}
    subquestions: dict[str, dict[str, str]] = {}
    for name, cl in survey.choice_lists.items():
        codes = list(cl.all_codes)
        answers[name], ren = _option_codes(codes, 5, set())
        single = any(i.choices == name and i.type in ("likert", "choice") for i in survey.items)
        if ren and (single or name not in multi_lists):
            lines.append(f"choice list {name!r}: codes renamed for LimeSurvey: {', '.join(ren)}")
        subquestions[name], ren = _option_codes(codes, 20, _RESERVED_SUBQUESTION)
        if ren and name in multi_lists:
            lines.append(
                f"choice list {name!r}: subquestion codes renamed for LimeSurvey: {', '.join(ren)}"
            )
    return LimeSurveyCodes(questions, answers, subquestions, lines)


def _codes_rows(survey: Survey, codes: LimeSurveyCodes) -> list[list[str]]:
    rows: list[list[str]] = [["item", "code", "limesurvey"]]
    if survey.respondent_id:
        rows.append([survey.respondent_id, "", "id"])
    for item in survey.items:
        if item.id not in codes.questions:
            continue
        rows.append([item.id, "", codes.questions[item.id]])
        cl = survey.choices_for(item)
        if cl is None:
            continue
        table = codes.subquestions if item.type == "multi_choice" else codes.answers
        for code in cl.all_codes:
            rows.append([item.id, str(code), table[str(item.choices)][str(code)]])
    return rows


def limesurvey_codes_path(path: str | Path) -> Path:
    """Where :func:`to_limesurvey` writes the code mapping of ``path``: ``<stem>_codes.csv``."""
    p = Path(path)
    return p.with_name(f"{p.stem}_codes.csv")


def read_limesurvey_codes(path: str | Path) -> dict[str, Any]:
    """Read the code mapping :func:`to_limesurvey` writes beside the survey.

    Parameters
    ----------
    path : str or pathlib.Path
        The ``<name>_codes.csv`` file (columns ``item``, ``code``, ``limesurvey``: one row per
        question, then one per option of a choice question; the respondent id's row says
        ``id``).

    Returns
    -------
    dict
        ``questions`` (item id -> question code), ``options`` (item id -> {code -> LimeSurvey
        code}) and ``respondent_id`` (the item LimeSurvey's ``id`` stands for, or None).

    The file is read as UTF-8 (with or without a byte order mark), or as UTF-16 when a byte
    order mark says so (a spreadsheet's "Unicode text").

    Raises
    ------
    DataError
        The file is no such mapping (``not-a-mapping``: the message names the missing
        columns), does not exist or is a folder (``missing-file``), or is not UTF-8 text
        (``not-utf8``: the line and the byte found).
    ArgumentError
        ``path`` is not a path (``None``, a number...).
    """
    import io

    p = file_path(
        path,
        "the LimeSurvey code mapping must be a file path or the dict read_limesurvey_codes returns",
    )
    raw = file_bytes(
        p, "the LimeSurvey code mapping, the <name>_codes.csv that to_limesurvey writes"
    )
    text = _codes_text(p, raw)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in ("item", "code", "limesurvey") if c not in (reader.fieldnames or [])]
    if missing:
        raise DataError(
            f"{p}: not a LimeSurvey code mapping (no column {', '.join(missing)}; "
            "to_limesurvey writes item, code, limesurvey)",
            code="not-a-mapping",
        )
    rows = list(reader)
    out: dict[str, Any] = {"questions": {}, "options": {}, "respondent_id": None}
    for row in rows:
        item = (row.get("item") or "").strip()
        code = (row.get("code") or "").strip()
        ls = (row.get("limesurvey") or "").strip()
        if not item or not ls:
            continue
        if not code and ls == "id":
            out["respondent_id"] = item
        elif not code:
            out["questions"][item] = ls
        else:
            out["options"].setdefault(item, {})[code] = ls
    return out


def _codes_text(p: Path, raw: bytes) -> str:
    """A code mapping file's text: UTF-8 (a BOM or none), or UTF-16 with its BOM."""
    encoding = "utf-16" if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            f"{p}: the LimeSurvey code mapping is not {encoding.upper().removesuffix('-SIG')} "
            f"text: byte 0x{raw[exc.start]:02x} on line {line} cannot be read; save it as "
            "UTF-8 (in Excel: CSV UTF-8)",
            code="not-utf8",
        ) from None
    if "\0" in text:
        raise DataError(
            f"{p}: the LimeSurvey code mapping holds NUL characters: UTF-16 text without a "
            "byte order mark, or no text at all; save it as UTF-8 (in Excel: CSV UTF-8)",
            code="not-utf8",
        )
    return text


def to_limesurvey(survey: Survey | str | Path, path: str | Path) -> Path:
    """Write ``survey`` in LimeSurvey's tab-separated survey structure format.

    Parameters
    ----------
    survey : Survey, or a path or bundled id
    path : str or pathlib.Path
        The ``.txt`` file to write (UTF-8 with a byte order mark, as LimeSurvey exports). The
        code mapping is written beside it as ``<stem>_codes.csv`` (see
        :func:`limesurvey_codes_path`): keep the two together, and pass the mapping to
        :func:`~leadership_eval.responses.read_responses` with LimeSurvey's response export.

    Returns
    -------
    pathlib.Path
        ``path``.

    Warns
    -----
    InteropWarning
        Listing renamed question and answer codes and what LimeSurvey cannot carry.

    Examples
    --------
    >>> import csv, tempfile, pathlib
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
    >>> out = to_limesurvey(s, pathlib.Path(tempfile.mkdtemp()) / "tiny.txt")
    >>> rows = csv.DictReader(out.open(encoding="utf-8-sig"), delimiter="\\t")
    >>> [(r["name"], r["relevance"]) for r in rows if r["class"] == "Q"]
    [('met', '1'), ('how', 'met == "1"')]
    """
    from ..instruments.loader import as_survey

    survey = as_survey(survey)
    path = Path(path)
    langs = survey_languages(survey)
    codes = limesurvey_codes(survey)
    problems: list[str] = list(codes.renamed)
    relevance = _relevance(survey, codes, problems)
    rows = _survey_rows(survey, langs)
    for lang in langs:
        rows.extend(_question_rows(survey, codes, relevance, lang))
    # subquestion ids must point at their question: recompute per language block
    _fix_related(rows)
    lost = _lost(survey)
    if lost:
        problems.append("LimeSurvey has no place for: " + "; ".join(lost))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.DictWriter(
            fh,
            fieldnames=LIMESURVEY_COLUMNS,
            delimiter="\t",
            lineterminator="\n",
            quoting=csv.QUOTE_MINIMAL,
        )
        writer.writeheader()
        for r in rows:
            writer.writerow({c: _clean(r.get(c, "")) for c in LIMESURVEY_COLUMNS})
    with limesurvey_codes_path(path).open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(_codes_rows(survey, codes))
    warn_unmapped(f"to_limesurvey({path.name})", problems)
    return path


def _relevance(survey: Survey, codes: LimeSurveyCodes, problems: list[str]) -> dict[str, str]:
    """Each question's relevance in ExpressionScript (a question whose show_if has no
    ExpressionScript form is always shown, and said so)."""
    from ..instruments.expressions import ExpressionError, parse_expression
    from .logic import UnsupportedLogic, to_expression_script

    qcode, acode, sqcode = codes.questions, codes.answers, codes.subquestions

    def code_of(item_id: str, value: Any) -> str | None:
        lst = survey.item(item_id).choices
        text = str(value)
        return acode[lst].get(text, text) if lst else None

    multi = {
        item.id: (lambda v, q=qcode[item.id], lst=str(item.choices): f"{q}_{sqcode[lst][str(v)]}")
        for item in survey.items
        if item.type == "multi_choice" and item.id in qcode
    }
    multi_codes = {
        item.id: survey.choices_for(item).all_codes  # type: ignore[union-attr]
        for item in survey.items
        if item.type == "multi_choice"
    }
    relevance: dict[str, str] = {}
    for item in survey.items:
        if not item.show_if:
            continue
        try:
            expr = parse_expression(item.show_if)
            relevance[item.id] = to_expression_script(expr, qcode, multi, code_of, multi_codes)
        except (ExpressionError, UnsupportedLogic, KeyError) as exc:
            problems.append(
                f"item {item.id!r}: show_if {item.show_if!r} has no ExpressionScript form ({exc});"
                " the question is always shown"
            )
    return relevance


def _survey_rows(survey: Survey, langs: list[str]) -> list[dict[str, Any]]:
    """The survey's own rows: languages, format, title and description in each language."""
    rows: list[dict[str, Any]] = [{"class": "S", "name": "language", "text": langs[0]}]
    if len(langs) > 1:
        rows.append({"class": "S", "name": "additional_languages", "text": " ".join(langs[1:])})
    rows.append({"class": "S", "name": "format", "text": "G"})
    for lang in langs:
        title = text_in(survey.title, lang)
        rows.append({"class": "SL", "name": "surveyls_title", "text": title, "language": lang})
        if survey.description:
            rows.append(
                {
                    "class": "SL",
                    "name": "surveyls_description",
                    "text": text_in(survey.description, lang),
                    "language": lang,
                }
            )
    return rows


def _t(value: Text | None, lang: str) -> str:
    return text_in(value, lang) if value is not None else ""


def _question_rows(
    survey: Survey, codes: LimeSurveyCodes, relevance: dict[str, str], lang: str
) -> list[dict[str, Any]]:
    """One language's groups, questions, answers and subquestions."""
    rows: list[dict[str, Any]] = []
    qid = 0
    for gid, section in enumerate(survey.sections, start=1):
        rows.append(
            {
                "id": gid,
                "class": "G",
                "type/scale": gid,
                "name": _t(section.title, lang),
                "relevance": "1",
                "text": _t(section.description, lang),
                "language": lang,
            }
        )
        for item in section.items:
            if item.id not in codes.questions:  # the respondent id: LimeSurvey's response id
                continue
            qid += 1
            qtype, attrs = _question_type(survey, item, codes)
            rows.append(
                {
                    "id": qid,
                    "class": "Q",
                    "type/scale": qtype,
                    "name": codes.questions[item.id],
                    "relevance": relevance.get(item.id, "1"),
                    "text": _t(item.text, lang),
                    "help": _t(item.help, lang),
                    "language": lang,
                    "mandatory": "Y" if item.required else "",
                    "same_default": "0",
                    **attrs,
                }
            )
            qid = _option_rows(survey, item, codes, qtype, qid, lang, rows)
    return rows


def _question_type(
    survey: Survey, item: Item, codes: LimeSurveyCodes
) -> tuple[str, dict[str, Any]]:
    """LimeSurvey's question type and the attributes it takes."""
    attrs: dict[str, Any] = {}
    if item.type in ("likert", "choice"):
        return "L", attrs
    if item.type == "multi_choice":
        ex = survey.choices_for(item)
        if ex is not None and ex.exclusive_codes:
            sq = codes.subquestions[str(item.choices)]
            attrs["exclude_all_others"] = ";".join(sq[str(c)] for c in ex.exclusive_codes)
        if item.max_choices is not None:
            attrs["max_answers"] = item.max_choices
        return "M", attrs
    if item.type == "number":
        if item.min is not None:
            attrs["min_num_value_n"] = number_text(item.min)
        if item.max is not None:
            attrs["max_num_value_n"] = number_text(item.max)
        if item.integer:
            attrs["num_value_int_only"] = 1
        return "N", attrs
    if item.type == "text":
        long = item.disclosure == "free_text" or (item.max_length or 0) > 255
        if item.max_length is not None:
            attrs["maximum_chars"] = item.max_length
        return ("T" if long else "S"), attrs
    return ("D" if item.type == "date" else "X"), attrs


def _option_rows(
    survey: Survey,
    item: Item,
    codes: LimeSurveyCodes,
    qtype: str,
    qid: int,
    lang: str,
    rows: list[dict[str, Any]],
) -> int:
    """The answers (or, for a multiple choice, the subquestions) of a question; the last id."""
    choice_list = survey.choices_for(item)
    if choice_list is None:
        return qid
    mapping = (codes.subquestions if qtype == "M" else codes.answers)[str(item.choices)]
    for opt in (*choice_list.options, *choice_list.missing):
        row = {
            "class": "A",
            "type/scale": 0,
            "name": mapping[str(opt.code)],
            "text": _t(opt.label, lang),
            "language": lang,
        }
        if qtype == "M":
            qid += 1
            row.update({"class": "SQ", "related_id": qid - 1, "relevance": "1"})
        rows.append({"id": qid, **row})
    return qid


def _lost(survey: Survey) -> list[str]:
    """What of the survey LimeSurvey has no place for."""
    lost = []
    if survey.scales:
        lost.append(f"scales ({', '.join(s.id for s in survey.scales)})")
    if any(i.disclosure != "none" for i in survey.items):
        lost.append("disclosure levels")
    if survey.all_objectives():
        lost.append("objectives")
    if any(cl.missing for cl in survey.choice_lists.values()):
        lost.append("which codes are missing codes (they are ordinary answers in LimeSurvey)")
    if any(i.frameworks for i in survey.items) or any(s.frameworks for s in survey.scales):
        lost.append("framework mappings")
    if any(i.column for i in survey.items):
        lost.append("column aliases")
    filtered = [i.id for i in survey.items if i.choice_filter]
    if filtered:
        lost.append(f"choice filters ({', '.join(filtered)}: every option is offered)")
    return lost


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\t", " ").replace("\r\n", "<br />").replace("\n", "<br />")
    return value


def _fix_related(rows: list[dict[str, Any]]) -> None:
    parent = None
    for r in rows:
        if r.get("class") == "Q":
            parent = r["id"]
        elif r.get("class") == "SQ":
            r["related_id"] = parent
