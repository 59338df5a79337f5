"""Cross-reference checks on a raw instrument document.

These run on the plain data read from YAML, before and independently of the pydantic
validation, so that a file with a misspelt field *and* a dangling reference gets both problems
reported in one run. Every access is defensive: the document may be malformed anywhere.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .loader import Document

__all__ = ["check_references"]

CHOICE_TYPES = ("likert", "choice", "multi_choice")
NO_CHOICE_TYPES = ("number", "text", "date", "note")


def _hint(word: object, candidates: Iterable[str]) -> str:
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _list(x: Any) -> list[Any]:
    return x if isinstance(x, list) else []


def _dict(x: Any) -> dict[Any, Any]:
    return x if isinstance(x, dict) else {}


def _hashable(x: Any) -> bool:
    return isinstance(x, str | int | float | bool) or x is None


def check_references(doc: Document, kind: str) -> None:
    """Record every cross-reference problem of a document of ``kind`` in ``doc.problems``."""
    from .placeholders import check_syntax

    data = _dict(doc.data)
    check_syntax(doc)
    if kind == "survey":
        _check_survey(doc, data)
    elif kind == "interview_guide":
        _check_guide(doc, data)
    elif kind == "codebook":
        _check_codebook(doc, data)
    elif kind == "evaluation":
        _check_evaluation(doc, data)
    elif kind == "guidance":
        _unique_ids(
            doc,
            [(("sections", i), s) for i, s in enumerate(_list(data.get("sections")))],
            "section",
        )
    _check_changelog(doc, data)


def _unique_ids(
    doc: Document, entries: list[tuple[tuple[str | int, ...], Any]], what: str
) -> dict[str, tuple[str | int, ...]]:
    seen: dict[str, tuple[str | int, ...]] = {}
    for path, entry in entries:
        ident = _dict(entry).get("id")
        if not isinstance(ident, str):
            continue
        if ident in seen:
            line, _ = doc.where((*seen[ident], "id"))
            doc.add(
                (*path, "id"),
                "duplicate-id",
                f"{what} id {ident!r} is already used (line {line}); ids must be unique",
            )
        else:
            seen[ident] = path
    return seen


def _check_changelog(doc: Document, data: dict[Any, Any]) -> None:
    version = data.get("version")
    log = _list(data.get("changelog"))
    versions = [_dict(e).get("version") for e in log]
    if log and isinstance(version, str) and version not in versions:
        doc.add(
            ("changelog",),
            "changelog-missing-version",
            f"the changelog has no entry for the current version {version!r}",
        )


# ------------------------------------------------------------------------------------ survey


def _check_survey(doc: Document, data: dict[Any, Any]) -> None:
    lists = _dict(data.get("choice_lists"))
    list_info: dict[str, dict[str, Any]] = {}
    for name, cl in lists.items():
        cl = _dict(cl)
        codes: dict[Any, tuple[str | int, ...]] = {}
        substantive = []
        for part in ("options", "missing"):
            for j, opt in enumerate(_list(cl.get(part))):
                code = _dict(opt).get("code")
                if not _hashable(code):
                    continue
                key = str(code)
                cpath: tuple[str | int, ...] = ("choice_lists", name, part, j, "code")
                if key in codes:
                    line, _ = doc.where(codes[key])
                    doc.add(
                        cpath,
                        "duplicate-code",
                        f"code {code!r} is already used in choice list {name!r} (line {line});"
                        " codes must be unique across options and missing codes",
                    )
                else:
                    codes[key] = cpath
                if part == "options":
                    substantive.append(code)
        numeric = bool(substantive) and all(
            isinstance(c, int) and not isinstance(c, bool) for c in substantive
        )
        list_info[str(name)] = {
            "codes": set(codes),
            "ordered": bool(cl.get("ordered", False)),
            "numeric": numeric,
        }

    sections = _list(data.get("sections"))
    _unique_ids(doc, [(("sections", i), s) for i, s in enumerate(sections)], "section")

    path: tuple[str | int, ...]
    items: dict[str, dict[str, Any]] = {}  # id -> info, in document order
    columns: dict[str, tuple[str | int, ...]] = {}
    order: list[str] = []
    pending: list[tuple[tuple[str | int, ...], str, Any, list[str]]] = []
    filters: list[tuple[tuple[str | int, ...], str, Any, list[str]]] = []
    for i, section in enumerate(sections):
        for j, item in enumerate(_list(_dict(section).get("items"))):
            path = ("sections", i, "items", j)
            item = _dict(item)
            ident = item.get("id")
            itype = item.get("type")
            if isinstance(ident, str):
                duplicate = ident in items
                if duplicate:
                    line, _ = doc.where((*items[ident]["path"], "id"))
                    doc.add(
                        (*path, "id"),
                        "duplicate-id",
                        f"item id {ident!r} is already used (line {line}); item ids must be"
                        " unique across the survey",
                    )
                else:
                    items[ident] = {"path": path, "type": itype, "choices": item.get("choices")}
                    order.append(ident)
                col: str = item["column"] if isinstance(item.get("column"), str) else ident
                if col in columns and columns[col] != path and not (duplicate and col == ident):
                    line, _ = doc.where(columns[col])
                    doc.add(
                        (*path, "column") if "column" in item else (*path, "id"),
                        "duplicate-column",
                        f"column {col!r} is already read by another item (line {line})",
                    )
                else:
                    columns[col] = path
            choices = item.get("choices")
            if itype in CHOICE_TYPES:
                if choices is None:
                    doc.add(
                        path,
                        "missing-choices",
                        f"a {itype} item needs 'choices' naming a choice list"
                        + (f" (defined: {', '.join(map(str, lists))})" if lists else ""),
                    )
                elif isinstance(choices, str) and choices not in lists:
                    doc.add(
                        (*path, "choices"),
                        "unknown-choice-list",
                        f"choice list {choices!r} is not defined in choice_lists"
                        f"{_hint(choices, map(str, lists))}",
                    )
                elif (
                    itype == "likert"
                    and isinstance(choices, str)
                    and not list_info[choices]["ordered"]
                ):
                    doc.add(
                        (*path, "choices"),
                        "unordered-likert",
                        f"a likert item needs an ordered choice list; {choices!r} is not "
                        "marked 'ordered: true'",
                    )
            elif itype in NO_CHOICE_TYPES and choices is not None:
                doc.add(
                    (*path, "choices"),
                    "unexpected-choices",
                    f"a {itype} item takes no choice list; remove 'choices' or change the type"
                    " to choice, likert or multi_choice",
                )
            if item.get("max_choices") is not None and itype != "multi_choice":
                doc.add(
                    (*path, "max_choices"),
                    "unexpected-max-choices",
                    f"max_choices applies to multi_choice items only; this item is {itype!r}",
                )
            lo, hi = item.get("min"), item.get("max")
            if isinstance(lo, int | float) and isinstance(hi, int | float) and lo > hi:
                doc.add((*path, "min"), "invalid-range", f"min ({lo}) is greater than max ({hi})")
            if itype != "number" and (lo is not None or hi is not None):
                doc.add(
                    (*path, "min" if lo is not None else "max"),
                    "unexpected-range",
                    f"min and max apply to number items only; this item is {itype!r}",
                )
            show_if = item.get("show_if")
            if isinstance(show_if, str):
                pending.append(((*path, "show_if"), show_if, ident, list(order)))
            choice_filter = item.get("choice_filter")
            if choice_filter is not None and itype in NO_CHOICE_TYPES:
                doc.add(
                    (*path, "choice_filter"),
                    "unexpected-choice-filter",
                    f"a {itype} item has no options to filter; remove 'choice_filter'",
                )
            elif isinstance(choice_filter, str):
                filters.append(((*path, "choice_filter"), choice_filter, ident, list(order)))

    section_ids = {
        _dict(sec).get("id"): i
        for i, sec in enumerate(sections)
        if isinstance(_dict(sec).get("id"), str)
    }
    for sid, i in section_ids.items():
        if sid in items:
            line, _ = doc.where((*items[sid]["path"], "id"))
            doc.add(
                ("sections", i, "id"),
                "duplicate-id",
                f"section id {sid!r} is also an item id (line {line}); survey platforms "
                "(XLSForm, REDCap) keep sections and questions in one namespace",
            )

    for spath, text, ident, before in pending:
        _check_show_if(doc, spath, text, ident, before, items, list_info)
    for spath, text, ident, before in filters:
        _check_show_if(doc, spath, text, ident, before, items, list_info, choice_filter=True)

    # respondent_id names the column of the platform's own record id (an item or not): it is
    # platform metadata, so only group_by must be an item
    ref = data.get("group_by")
    if isinstance(ref, str) and ref not in items:
        doc.add(
            ("group_by",),
            "unknown-item",
            f"group_by names item {ref!r}, which the survey does not have{_hint(ref, items)}",
        )
    _check_derived(doc, data, items, lists)

    scales = _list(data.get("scales"))
    _unique_ids(doc, [(("scales", i), s) for i, s in enumerate(scales)], "scale")
    for i, scale in enumerate(scales):
        scale = _dict(scale)
        path = ("scales", i)
        sid = scale.get("id")
        if isinstance(sid, str) and sid in items:
            doc.add(
                (*path, "id"),
                "duplicate-id",
                f"scale id {sid!r} is also an item id; scores and items share one table",
            )
        members = _list(scale.get("items"))
        seen: set[str] = set()
        for j, ref in enumerate(members):
            if not isinstance(ref, str):
                continue
            ipath = (*path, "items", j)
            if ref in seen:
                doc.add(ipath, "duplicate-scale-item", f"item {ref!r} is listed twice in the scale")
                continue
            seen.add(ref)
            if ref not in items:
                doc.add(
                    ipath,
                    "unknown-scale-item",
                    f"scale item {ref!r} is not an item of the survey{_hint(ref, items)}",
                )
                continue
            info = items[ref]
            why = _unscorable(info, list_info)
            if why:
                doc.add(ipath, "unscorable-scale-item", f"item {ref!r} cannot be scored: {why}")
        for j, ref in enumerate(_list(scale.get("reverse"))):
            if isinstance(ref, str) and ref not in seen:
                doc.add(
                    (*path, "reverse", j),
                    "reverse-not-in-scale",
                    f"reverse-keyed item {ref!r} is not one of the scale's items"
                    f"{_hint(ref, [s for s in seen if s in items])}",
                )
        mina = scale.get("min_answered")
        n = len([m for m in members if isinstance(m, str)])
        if isinstance(mina, int) and not isinstance(mina, bool) and n and mina > n:
            doc.add(
                (*path, "min_answered"),
                "impossible-min-answered",
                f"min_answered is {mina} but the scale has only {n} item{'s' if n != 1 else ''}",
            )
        if scale.get("method") == "sum" and isinstance(mina, int | float) and mina != n:
            pass  # allowed: sums of partial answers are prorated by the scorer


def _unscorable(info: dict[str, Any], list_info: dict[str, dict[str, Any]]) -> str:
    itype = info.get("type")
    if itype == "number":
        return ""
    if itype not in ("likert", "choice"):
        return f"it is a {itype} item (scales take likert, choice or number items)"
    cl = list_info.get(str(info.get("choices")))
    if cl is None:
        return ""  # reported as an unknown choice list already
    if not cl["ordered"]:
        return f"its choice list {info.get('choices')!r} is not ordered"
    if not cl["numeric"]:
        return f"its choice list {info.get('choices')!r} has codes that are not whole numbers"
    return ""


def _show_if_column(doc: Document, path: tuple[str | int, ...], offset: int) -> tuple[int, int]:
    line, col = doc.where(path)
    return line, col + offset + (1 if path in doc.quoted else 0)


_SHOW_IF_CODES = {
    "syntax": "show-if-syntax",
    "self_reference": "show-if-self-reference",
    "unknown_item": "show-if-unknown-item",
    "forward_reference": "show-if-forward-reference",
    "count_not_multi": "show-if-count-not-multi",
    "not_a_choice": "show-if-not-a-choice",
    "unknown_code": "show-if-unknown-code",
}
_FILTER_CODES = {
    "syntax": "choice-filter-syntax",
    "self_reference": "choice-filter-self-reference",
    "unknown_item": "choice-filter-unknown-item",
    "forward_reference": "choice-filter-forward-reference",
    "count_not_multi": "choice-filter-count-not-multi",
    "not_a_choice": "choice-filter-not-a-choice",
    "unknown_code": "choice-filter-unknown-code",
}


def _check_show_if(
    doc: Document,
    path: tuple[str | int, ...],
    text: str,
    ident: Any,
    order: list[str],
    items: dict[str, dict[str, Any]],
    list_info: dict[str, dict[str, Any]],
    choice_filter: bool = False,
) -> None:
    """Check a ``show_if`` (or, with ``choice_filter``, a ``choice_filter``) of item ``ident``."""
    from ..errors import Problem
    from .expressions import ExpressionError, parse_choice_filter, parse_expression

    field = "choice_filter" if choice_filter else "show_if"
    codes = _FILTER_CODES if choice_filter else _SHOW_IF_CODES

    def add(offset: int, code: str, message: str) -> None:
        line, col = _show_if_column(doc, path, offset)
        doc.problems.append(Problem(doc.source, line, col, codes[code], message, path))

    try:
        expr = parse_choice_filter(text) if choice_filter else parse_expression(text)
    except ExpressionError as exc:
        add(exc.offset, "syntax", str(exc))
        return
    earlier = order[:-1] if order and order[-1] == ident else order
    for name, offset in expr.name_offsets:
        if name == ident:
            add(offset, "self_reference", f"{field} of {ident!r} refers to itself")
        elif name not in items:
            add(
                offset,
                "unknown_item",
                f"{field} refers to {name!r}, which is not an item{_hint(name, items)}",
            )
        elif name not in earlier:
            add(
                offset,
                "forward_reference",
                f"{field} refers to {name!r}, which comes later in the survey; skip logic and "
                "choice filters may refer only to earlier items",
            )
    for name, offset in expr.counted():
        itype = items.get(name, {}).get("type")
        if name in items and itype != "multi_choice":
            add(
                offset,
                "count_not_multi",
                f"count({name}) counts the options chosen in a multi_choice item; {name!r} is "
                f"a {itype} item",
            )
    for name, offset in expr.choice_items():
        itype = items.get(name, {}).get("type")
        if name in items and itype not in CHOICE_TYPES:
            add(
                offset,
                "not_a_choice",
                f"selected({name}, choice) needs an item with options; {name!r} is a {itype} item",
            )
    for name, values, offset in expr.literals():
        info = items.get(name)
        if info is None or info.get("type") not in CHOICE_TYPES:
            continue
        cl = list_info.get(str(info.get("choices")))
        if cl is None:
            continue
        for value in values:
            if str(value) not in cl["codes"]:
                known = ", ".join(sorted(cl["codes"]))
                add(
                    offset,
                    "unknown_code",
                    f"{field} compares {name!r} with {value!r}, which is not a code of its "
                    f"choice list {info.get('choices')!r} (codes: {known})"
                    f"{_hint(str(value), cl['codes'])}",
                )
    if choice_filter and isinstance(ident, str) and ident in items:
        own = list_info.get(str(items[ident].get("choices")))
        for values, offset in expr.choice_values():
            for value in values:
                if own is not None and str(value) not in own["codes"]:
                    known = ", ".join(sorted(own["codes"]))
                    add(
                        offset,
                        "unknown_code",
                        f"choice_filter compares choice with {value!r}, which is not a code of "
                        f"{ident!r}'s choice list {items[ident].get('choices')!r} (codes: "
                        f"{known}){_hint(str(value), own['codes'])}",
                    )


def _check_derived(
    doc: Document,
    data: dict[Any, Any],
    items: dict[str, dict[str, Any]],
    lists: dict[Any, Any],
) -> None:
    """Derived variables: a unique id, an item with options, an attribute every option has."""
    scale_ids = {
        _dict(s).get("id") for s in _list(data.get("scales")) if isinstance(_dict(s).get("id"), str)
    }
    seen: dict[str, int] = {}
    for i, entry in enumerate(_list(data.get("derived"))):
        entry = _dict(entry)
        path: tuple[str | int, ...] = ("derived", i)
        ident = entry.get("id")
        if isinstance(ident, str):
            if ident in items or ident in scale_ids or ident in seen:
                doc.add(
                    (*path, "id"),
                    "duplicate-id",
                    f"derived variable id {ident!r} is already an item, scale or derived id; "
                    "derived values, answers and scores share one table",
                )
            seen[ident] = i
        source = entry.get("from", entry.get("source"))
        key = "from" if "from" in entry else "source"
        if not isinstance(source, str):
            continue
        if source not in items:
            doc.add(
                (*path, key),
                "unknown-item",
                f"derived variable reads item {source!r}, which the survey does not have"
                f"{_hint(source, items)}",
            )
            continue
        info = items[source]
        if info.get("type") not in ("choice", "likert", "multi_choice"):
            doc.add(
                (*path, key),
                "derived-not-a-choice",
                f"a derived variable reads the option attributes of a choice item; {source!r} "
                f"is a {info.get('type')} item",
            )
            continue
        attribute = entry.get("attribute")
        cl = _dict(lists.get(info.get("choices")))
        if not isinstance(attribute, str) or not cl:
            continue
        target = entry.get("choices")
        target_codes = None
        if isinstance(target, str):
            if target not in lists:
                doc.add(
                    (*path, "choices"),
                    "unknown-choice-list",
                    f"choice list {target!r} is not defined in choice_lists"
                    f"{_hint(target, map(str, lists))}",
                )
            else:
                target_codes = {
                    str(_dict(o).get("code")) for o in _list(_dict(lists[target]).get("options"))
                }
        for j, option in enumerate(_list(cl.get("options"))):
            option = _dict(option)
            opath: tuple[str | int, ...] = ("choice_lists", info["choices"], "options", j)
            attrs = _dict(option.get("attributes"))
            if attribute not in attrs:
                doc.add(
                    opath,
                    "derived-missing-attribute",
                    f"option {option.get('code')!r} of {info['choices']!r} has no attribute "
                    f"{attribute!r}, which derived variable {ident!r} reads",
                )
                continue
            value = attrs[attribute]
            if info.get("type") == "multi_choice" and not isinstance(value, bool):
                doc.add(
                    (*opath, "attributes", attribute),
                    "derived-not-boolean",
                    f"derived variable {ident!r} reads multi_choice item {source!r}, so "
                    f"{attribute!r} must be true or false; found {value!r}",
                )
            elif target_codes is not None and str(value) not in target_codes:
                doc.add(
                    (*opath, "attributes", attribute),
                    "derived-unknown-code",
                    f"{attribute!r} is {value!r}, which is not a code of choice list {target!r}"
                    f"{_hint(str(value), target_codes)}",
                )


# --------------------------------------------------------------------------------- others


def _check_guide(doc: Document, data: dict[Any, Any]) -> None:
    topics = _list(data.get("topics"))
    _unique_ids(doc, [(("topics", i), t) for i, t in enumerate(topics)], "topic")
    questions: list[tuple[tuple[str | int, ...], Any]] = [
        (("topics", i, "questions", j), q)
        for i, t in enumerate(topics)
        for j, q in enumerate(_list(_dict(t).get("questions")))
    ]
    _unique_ids(doc, questions, "question")
    raw_minutes = [_dict(t).get("minutes") for t in topics]
    minutes = [m for m in raw_minutes if isinstance(m, int) and not isinstance(m, bool)]
    duration = data.get("duration_minutes")
    if minutes and len(minutes) == len(raw_minutes):
        total = sum(minutes)
        if isinstance(duration, int) and total > duration:
            doc.add(
                ("duration_minutes",),
                "timing-exceeds-duration",
                f"the topics' minutes add up to {total}, more than duration_minutes ({duration})",
            )


def _check_codebook(doc: Document, data: dict[Any, Any]) -> None:
    for field in ("case_attributes", "segment_attributes"):
        attrs = _list(data.get(field))
        _unique_ids(doc, [((field, i), a) for i, a in enumerate(attrs)], "attribute")
    entries: list[tuple[tuple[str | int, ...], Any]] = []

    def walk(codes: Any, path: tuple[str | int, ...], depth: int) -> None:
        if depth > 20:
            return
        for i, code in enumerate(_list(codes)):
            entries.append(((*path, i), code))
            walk(_dict(code).get("codes"), (*path, i, "codes"), depth + 1)

    walk(data.get("codes"), ("codes",), 0)
    _unique_ids(doc, entries, "code")


def _check_evaluation(doc: Document, data: dict[Any, Any]) -> None:
    objectives = _list(data.get("objectives"))
    _unique_ids(doc, [(("objectives", i), o) for i, o in enumerate(objectives)], "objective")
    instruments = _list(data.get("instruments"))
    seen: set[str] = set()
    for i, ref in enumerate(instruments):
        if isinstance(ref, str):
            if ref in seen:
                doc.add(("instruments", i), "duplicate-id", f"instrument {ref!r} is listed twice")
            seen.add(ref)
