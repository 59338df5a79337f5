"""A YAML document read safely and located: every value keeps its file, line and column.

The one reader of the project's YAML files (instruments, disclosure policies, placeholder
values): no Python objects, duplicate keys rejected, alias expansion and file size bounded.
:func:`parse_document` returns a :class:`Document` whose problems and positions the instrument
loader, the policy loader and the checks all report through; :func:`pydantic_problems` turns a
model's validation errors into located problems.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import re
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import ArgumentError, Problem, did_you_mean

__all__ = ["MAX_FILE_BYTES", "MAX_NODES", "Document", "parse_document", "pydantic_problems"]


MAX_FILE_BYTES = 2_000_000
"""Largest instrument file read (2 MB: the largest real instrument is a few tens of kB)."""


MAX_NODES = 200_000
"""Most YAML nodes a document may expand to (bounds 'billion laughs' alias bombs)."""


Path_ = tuple[str | int, ...]


@dataclass
class Document:
    """A YAML document converted to plain Python, with the position of every node.

    ``positions`` maps a field path to the (line, column) of its value; ``key_positions`` maps
    it to the position of its key (for mapping entries). Lines and columns are 1-based.
    """

    source: str
    data: Any
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    quoted: set[Path_] = field(default_factory=set)
    multiline: set[Path_] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    unreadable: set[Path_] = field(default_factory=set)

    def where(self, path: Iterable[str | int], key: bool = False) -> tuple[int, int]:
        """Position of the node at ``path`` (or of its nearest existing ancestor)."""
        p = tuple(path)
        while True:
            if key and p in self.key_positions:
                return self.key_positions[p]
            if p in self.positions:
                return self.positions[p]
            if not p:
                return (1, 1)
            p = p[:-1]

    def problem(
        self, path: Iterable[str | int], code: str, message: str, key: bool = False
    ) -> Problem:
        """A :class:`Problem` located at ``path`` in this document."""
        p = tuple(path)
        line, col = self.where(p, key=key)
        return Problem(self.source, line, col, code, message, p)

    def add(self, path: Iterable[str | int], code: str, message: str, key: bool = False) -> None:
        """Record a problem at ``path``."""
        self.problems.append(self.problem(path, code, message, key=key))


_STANDARD_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}"
    for t in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
)


class _Budget:
    def __init__(self, limit: int) -> None:
        self.left = limit


# libyaml's parser (when PyYAML was built with it) composes the same nodes, with positions,
# several times faster than the pure-Python one
_BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _FastLoader(_BASE_LOADER):  # type: ignore[misc, valid-type]
    """The safe loader with its implicit-tag resolution memoised.

    Resolving a plain scalar's tag (is ``1.0`` a float, ``yes`` a bool?) runs a list of
    regular expressions in Python for every scalar, which is most of the parse time of an
    instrument; the same few thousand values recur across a catalogue.
    """

    _memo: ClassVar[dict[tuple[str, tuple[bool, bool]], str]] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode and isinstance(value, str) and isinstance(implicit, tuple):
            key = (value, implicit)
            tag = self._memo.get(key)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(self._memo) > 100_000:
                    self._memo.clear()
                self._memo[key] = tag
            return tag
        return super().resolve(kind, value, implicit)


_FAST_LOADER: Any = _FastLoader


_CONSTRUCTOR = yaml.SafeLoader("")  # its construct_* methods resolve scalars by tag


_STR_TAG = "tag:yaml.org,2002:str"


def _scalar(node: yaml.ScalarNode) -> Any:
    if node.tag == _STR_TAG:  # most scalars: no constructor needed
        return node.value
    value = _CONSTRUCTOR.construct_object(node, deep=True)
    if isinstance(value, _dt.datetime | _dt.date):
        # dates stay text, as the models expect ISO strings
        return node.value
    return value


# a number as a reader of the file sees it; YAML 1.1 also reads 010 as 8 (octal), 1:00 as 60
# (base 60), 0x10 as 16 and 0b10 as 2
_PLAIN_NUMBER = re.compile(
    r"[-+]?(?:0|[1-9][0-9_]*)(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|[-+]?\.[0-9]+"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)


def _misread(node: yaml.ScalarNode, value: Any) -> str:
    """How to write a plain scalar YAML reads as another value than it shows ("" when it
    reads as written): a number such as ``010`` (8) or ``1:30`` (90), so that codes ``01``
    ... ``07`` silently become 1 ... 7; or ``yes``, ``no``, ``on``, ``off`` (true and false),
    so that a code ``yes`` silently becomes 1."""
    if node.style:
        return ""
    if isinstance(value, bool):
        return "" if node.value.lower() in ("true", "false") else "write true or false"
    if isinstance(value, int | float) and _PLAIN_NUMBER.fullmatch(node.value) is None:
        return "write the number in plain decimal digits"
    return ""


def _convert_scalar(doc: Document, node: yaml.ScalarNode, path: Path_) -> Any:
    """A scalar's value; where it cannot be read, or is a number YAML reads as another value
    than it shows, a problem at its place (and its text, marked unreadable)."""
    if node.style in ("'", '"'):
        doc.quoted.add(path)
    if node.style in (">", "|") or node.end_mark.line != node.start_mark.line:
        doc.multiline.add(path)  # offsets into its value are not columns of one line
    try:
        value = _scalar(node)
    except (yaml.constructor.ConstructorError, ValueError, TypeError) as exc:
        problem = getattr(exc, "problem", None) or str(exc)
        doc.add(path, "invalid-scalar", f"cannot read this value: {problem}")
        doc.unreadable.add(path)
        return node.value
    misread = _misread(node, value)
    if misread:
        name = next((p for p in reversed(path) if isinstance(p, str)), "value")
        doc.add(
            path,
            "invalid-format",
            f"{name}: YAML reads {node.value} as {value!r}; {misread}, or quote it "
            f"('{node.value}') if it is a code or text",
        )
        doc.unreadable.add(path)
    return value


def _convert(doc: Document, node: yaml.Node, path: Path_, budget: _Budget, depth: int) -> Any:
    budget.left -= 1
    if budget.left < 0:
        raise _TooBig(node)
    if depth > 100:
        raise _TooBig(node, nested=True)
    doc.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if node.tag not in _STANDARD_TAGS:
        doc.add(
            path,
            "unknown-tag",
            f"YAML tag {node.tag!r} is not allowed in instrument and settings files; remove "
            "the tag",
        )
        doc.unreadable.add(path)
        return None
    if isinstance(node, yaml.ScalarNode):
        return _convert_scalar(doc, node, path)
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(doc, child, (*path, i), budget, depth + 1)
            for i, child in enumerate(node.value)
        ]
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        seen: dict[Any, yaml.Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                doc.add(
                    path,
                    "merge-key",
                    "merge keys ('<<') are not supported in instrument and settings files; write "
                    "the fields out",
                )
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                doc.positions[(*path, "?")] = (
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
                doc.add((*path, "?"), "invalid-key", "a mapping key must be a plain value")
                continue
            key = _scalar(key_node)
            if not isinstance(key, str | int) or isinstance(key, bool):
                key = str(key_node.value)
            kpos = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in seen:
                first = seen[key]
                doc.key_positions[(*path, key, "#dup")] = kpos
                doc.problems.append(
                    Problem(
                        doc.source,
                        kpos[0],
                        kpos[1],
                        "duplicate-key",
                        f"key {key!r} appears twice in this mapping (first on line "
                        f"{first.start_mark.line + 1}); YAML would silently keep only the last",
                        (*path, key),
                    )
                )
                continue
            seen[key] = key_node
            doc.key_positions[(*path, key)] = kpos
            out[key] = _convert(doc, value_node, (*path, key), budget, depth + 1)
        return out
    raise ArgumentError(f"unexpected YAML node {node!r}")  # pragma: no cover - exhaustive


class _TooBig(Exception):
    def __init__(self, node: yaml.Node, nested: bool = False) -> None:
        self.node = node
        self.nested = nested


def parse_document(text: str | bytes, source: str = "<string>") -> Document:
    """Parse YAML text into a :class:`Document` with node positions.

    Problems found while reading (not UTF-8, not YAML, duplicate keys, too large) are recorded
    in ``Document.problems``; ``Document.data`` is None when nothing could be read.
    """
    doc = Document(source=source, data=None)
    if isinstance(text, bytes):
        raw = text
        if len(raw) > MAX_FILE_BYTES:
            doc.problems.append(too_large(source, len(text)))
            return doc
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
            doc.problems.append(
                Problem(
                    source,
                    line,
                    col,
                    "not-utf8",
                    f"the file is not UTF-8 text: byte 0x{raw[exc.start]:02x} cannot be decoded;"
                    " save it as UTF-8",
                )
            )
            return doc
    elif len(text) > MAX_FILE_BYTES:
        doc.problems.append(too_large(source, len(text)))
        return doc
    text = text.lstrip("\ufeff")
    try:
        nodes = list(yaml.compose_all(text, Loader=_FAST_LOADER))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        if "flow" in (exc.context or "") or "mapping values are not allowed" in what:
            context += (
                "; text with ':', '?', '#', ',' or brackets inside {...} or [...] must be"
                ' quoted, e.g. text: "Have you met your mentor?"'
            )
        doc.problems.append(Problem(source, line, col, "yaml-syntax", f"{what}{context}"))
        return doc
    except yaml.YAMLError as exc:
        doc.problems.append(Problem(source, 1, 1, "yaml-syntax", str(exc)))
        return doc
    nodes = [n for n in nodes if n is not None]
    if not nodes:
        doc.problems.append(Problem(source, 1, 1, "empty-document", "the file holds no YAML"))
        return doc
    if len(nodes) > 1:
        second = nodes[1]
        doc.problems.append(
            Problem(
                source,
                second.start_mark.line + 1,
                second.start_mark.column + 1,
                "multiple-documents",
                "one document per file: found a second YAML document after '---'",
            )
        )
    try:
        doc.data = _convert(doc, nodes[0], (), _Budget(MAX_NODES), 0)
    except _TooBig as big:
        mark = big.node.start_mark
        msg = (
            "the document is nested more than 100 levels deep"
            if big.nested
            else f"the document expands to more than {MAX_NODES:,} nodes "
            "(aliases repeated too often); write the repeated parts out or shorten them"
        )
        doc.problems.append(
            Problem(source, mark.line + 1, mark.column + 1, "document-too-large", msg)
        )
        doc.data = None
    return doc


def too_large(source: str, size: int) -> Problem:
    return Problem(
        source,
        1,
        1,
        "file-too-large",
        f"the file is {size:,} bytes; instrument and settings files may be at most "
        f"{MAX_FILE_BYTES:,} bytes",
    )


def _strip_annotations(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _model_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The model class that describes the mapping found at ``loc`` (None if not a model)."""
    tp: Any = model
    for part in loc:
        tp = _strip_annotations(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            fields = tp.model_fields
            name = part
            if name not in fields:
                name = next((n for n, f in fields.items() if f.alias == part), part)
            if name not in fields:
                return None
            tp = fields[name].annotation
            continue
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if origin in (typing.Union, types.UnionType):
            candidates = [a for a in args if a is not type(None)]
            tp = candidates[0] if len(candidates) == 1 else None
            if tp is None:
                return None
            tp = _strip_annotations(tp)
            # re-run this part against the unwrapped type
            sub = _model_at(tp, (part,)) if isinstance(tp, type) else None
            if sub is None and typing.get_origin(tp) in (list, dict):
                tp = typing.get_args(tp)[-1]
                continue
            return sub if sub is not None else None
        if origin in (list, dict):
            tp = args[-1]
            continue
        return None
    tp = _strip_annotations(tp)
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        non_none = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(non_none) == 1:
            tp = _strip_annotations(non_none[0])
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _field_names(model: type[BaseModel] | None) -> list[str]:
    if model is None:
        return []
    names = []
    for name, f in model.model_fields.items():
        names.append(f.alias or name)
    return names


def _data_path(data: Any, loc: tuple[str | int, ...]) -> tuple[tuple[str | int, ...], bool]:
    """Keep the parts of a pydantic ``loc`` that exist in the data; say whether it all did."""
    out: list[str | int] = []
    node = data
    complete = True
    for part in loc:
        if (isinstance(node, Mapping) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            out.append(part)
            node = node[part]  # type: ignore[index]
        elif isinstance(node, Mapping) and isinstance(part, str) and not _is_union_tag(part):
            out.append(part)  # a missing field: its name is part of the path
            complete = False
            break
        else:
            # a union member tag ('str', 'dict[str,str]', 'function-after[...]'): not data
            continue
    return tuple(out), complete


def _is_union_tag(part: str) -> bool:
    return bool(re.search(r"[\[\]()]", part)) or part in {
        "str",
        "int",
        "float",
        "bool",
        "list",
        "dict",
        "none",
    }


_PATTERN_HELP = {
    "^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$": "an instrument id: lower-case words joined by hyphens, "
    "e.g. 'trainee-survey'",
    "^[a-z][a-z0-9_]*$": "an id of lower-case letters, digits and underscores starting with a "
    "letter, e.g. 'lead_1'",
    "^[A-Z][A-Za-z0-9_.-]*$": "an objective id starting with a capital letter, e.g. 'O1'",
    r"^\d{4}-\d{2}-\d{2}$": "a date as YYYY-MM-DD",
}


def describe_value(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def loc_of(err: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(err.get("loc", ()))


def pydantic_problems(doc: Document, model: type[BaseModel], exc: ValidationError) -> None:
    grouped: dict[tuple[tuple[str | int, ...], str], list[dict[str, Any]]] = {}
    for details in exc.errors(include_url=False):
        err: dict[str, Any] = dict(details)
        loc = tuple(err["loc"])
        path, _ = _data_path(doc.data, loc)
        if any(path[: len(bad)] == bad for bad in doc.unreadable):
            continue  # already reported while reading
        grouped.setdefault((path, err["type"]), []).append(err)
    # a misspelt required field is one mistake: "unknown field 'titel'; did you mean 'title'?"
    # says it all, so the matching "missing field 'title'" is not reported as well
    extras: dict[tuple[str | int, ...], list[str]] = {}
    for path, etype in grouped:
        if etype == "extra_forbidden" and path and isinstance(path[-1], str):
            extras.setdefault(path[:-1], []).append(path[-1])
    # a value that failed every member of a union is reported once, as a type problem
    paths_seen: set[tuple[str | int, ...]] = set()
    for (path, etype), errs in grouped.items():
        err = errs[0]
        if etype == "extra_forbidden":
            parent = path[:-1]
            name = path[-1] if path else ""
            where_model = _model_at(model, tuple(p for p in parent))
            hint = did_you_mean(name, _field_names(where_model))
            allowed = ""
            if not hint and where_model is not None:
                allowed = "; allowed fields: " + ", ".join(sorted(_field_names(where_model)))
            doc.add(path, "unknown-field", f"unknown field {name!r}{hint}{allowed}", key=True)
            continue
        if path in paths_seen and etype != "missing":
            continue
        if etype == "missing":
            name = path[-1] if path else "?"
            if isinstance(name, str) and difflib.get_close_matches(
                name, extras.get(path[:-1], []), n=1, cutoff=0.6
            ):
                continue
            doc.add(path[:-1], "missing-field", f"required field {name!r} is missing")
            continue
        paths_seen.add(path)
        field_name = next((p for p in reversed(path) if isinstance(p, str)), "")
        if "[key]" in loc_of(errs[0]):
            field_name = "key"
        _value_problem(doc, path, etype, err, str(field_name), grouped)


def _value_problem(
    doc: Document,
    path: tuple[str | int, ...],
    etype: str,
    err: dict[str, Any],
    field_name: str,
    grouped: dict[tuple[tuple[str | int, ...], str], list[dict[str, Any]]],
) -> None:
    """One pydantic error about a value, as a located problem with its code."""
    value = err.get("input")
    if etype == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        options = re.findall(r"'([^']*)'", expected)
        code = {"type": "unknown-type", "kind": "unknown-kind"}.get(field_name, "invalid-choice")
        doc.add(
            path,
            code,
            f"{field_name} must be one of {expected}; found {value!r}"
            f"{did_you_mean(value, options)}",
        )
    elif etype == "string_pattern_mismatch":
        pattern = err.get("ctx", {}).get("pattern", "")
        what = _PATTERN_HELP.get(pattern, f"text matching {pattern}")
        if "\\d+)\\.(0|" in pattern:
            what = "a semantic version such as '1.0.0'"
        doc.add(path, "invalid-format", f"{field_name} must be {what}; found {value!r}")
    elif etype in ("too_short", "too_long"):
        doc.add(path, "invalid-length", f"{field_name}: {err['msg'].lower()}")
    elif etype in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        doc.add(path, "out-of-range", f"{field_name}: {err['msg'].lower()}; found {value!r}")
    elif etype == "value_error":
        msg = str(err.get("ctx", {}).get("error", err["msg"]))
        doc.add(path, "invalid-value", f"{field_name}: {msg}")
    else:
        # type problems: collect what every union member expected
        expected = sorted(
            {
                re.sub(r"^Input should be ", "", e["msg"]).split(",")[0]
                for (p, _), es in grouped.items()
                if p == path
                for e in es
                if e["type"] not in ("missing", "extra_forbidden")
            }
        )
        hint = ""
        if field_name == "version" and isinstance(value, int | float):
            hint = " (quote it: version: '1.0.0')"
        doc.add(
            path,
            "wrong-type",
            f"{field_name or 'value'} should be {' or '.join(expected)}; "
            f"found {describe_value(value)}{hint}",
        )
