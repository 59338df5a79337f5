"""Read skip logic written for other platforms back into ``show_if`` syntax trees.

Two dialects: XLSForm ``relevant`` (ODK XPath: ``${x} = 'a' and selected(${y}, 'b')``) and
REDCap branching logic (``[x] = 'a' and [y(b)] = '1'``). Both are parsed by hand into the
syntax tree of :mod:`leadership_eval.instruments.expressions`; anything outside the subset the
``show_if`` language can express raises :class:`UnsupportedLogic` with the reason, so the
importer can list it in a warning. A third printer writes LimeSurvey ExpressionScript.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import LeadershipEvalError
from ..instruments.expressions import (
    And,
    Answered,
    Compare,
    Condition,
    Count,
    Expression,
    InList,
    Literal,
    Name,
    Not,
    Or,
    Selected,
)

__all__ = [
    "UnsupportedLogic",
    "coerce_literals",
    "parse_redcap_logic",
    "parse_xpath",
    "to_expression_script",
]


class UnsupportedLogic(LeadershipEvalError, ValueError):
    """Skip logic that the ``show_if`` language (or the target) cannot express."""


@dataclass
class _Tok:
    kind: str  # name, str, num, op, word, '(', ')', ',', end
    value: Any


_OPS = ("<=", ">=", "!=", "<>", "==", "=", "<", ">")


def _tokenize(text: str, dialect: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if dialect == "xpath" and text.startswith("${", i):
            j = text.find("}", i)
            if j < 0:
                raise UnsupportedLogic(f"unclosed '${{' at offset {i}")
            toks.append(_Tok("name", text[i + 2 : j].strip()))
            i = j + 1
            continue
        if dialect == "redcap" and c == "[":
            j = text.find("]", i)
            if j < 0:
                raise UnsupportedLogic(f"unclosed '[' at offset {i}")
            inner = text[i + 1 : j].strip()
            if text.startswith("[", j + 1):
                raise UnsupportedLogic(
                    f"event or instance references ([{inner}][...]) are not supported"
                )
            m = re.fullmatch(r"([A-Za-z0-9_]+)(?:\(([^()]*)\))?", inner)
            if not m:
                raise UnsupportedLogic(f"cannot read the field reference [{inner}]")
            toks.append(_Tok("name", (m.group(1), m.group(2))))
            i = j + 1
            continue
        if c in "'\"":
            j = text.find(c, i + 1)
            if j < 0:
                raise UnsupportedLogic(f"unclosed string at offset {i}")
            toks.append(_Tok("str", text[i + 1 : j]))
            i = j + 1
            continue
        m = re.match(r"-?\d+(\.\d+)?", text[i:])
        if m and (c != "-" or not toks or toks[-1].kind in ("op", "(", ",", "word")):
            raw = m.group(0)
            toks.append(_Tok("num", float(raw) if m.group(1) else int(raw)))
            i += len(raw)
            continue
        op = next((o for o in _OPS if text.startswith(o, i)), None)
        if op:
            toks.append(_Tok("op", op))
            i += len(op)
            continue
        if c in "(),":
            toks.append(_Tok(c, c))
            i += 1
            continue
        m = re.match(r"[A-Za-z_][A-Za-z0-9_:-]*", text[i:])
        if m:
            toks.append(_Tok("word", m.group(0)))
            i += len(m.group(0))
            continue
        raise UnsupportedLogic(f"unexpected character {c!r} at offset {i}")
    toks.append(_Tok("end", None))
    return toks


class _Parser:
    def __init__(self, text: str, dialect: str, names: Mapping[str, str]) -> None:
        self.text = text
        self.dialect = dialect
        self.names = names
        self.toks = _tokenize(text, dialect)
        self.pos = 0

    @property
    def tok(self) -> _Tok:
        return self.toks[self.pos]

    def next(self) -> _Tok:
        t = self.toks[self.pos]
        self.pos += 1
        return t

    def word(self, w: str) -> bool:
        return self.tok.kind == "word" and str(self.tok.value).lower() == w

    def expect(self, kind: str) -> _Tok:
        if self.tok.kind != kind:
            raise UnsupportedLogic(f"expected {kind!r} in {self.text!r}")
        return self.next()

    def name(self, raw: str) -> Name:
        if raw not in self.names:
            raise UnsupportedLogic(f"it refers to {raw!r}, which is not an item of the form")
        return Name(self.names[raw])

    def parse(self) -> Condition:
        node = self.or_()
        if self.tok.kind != "end":
            raise UnsupportedLogic(f"cannot read {self.text!r} past token {self.tok.value!r}")
        return _fold(node)

    def or_(self) -> Any:
        items = [self.and_()]
        while self.word("or"):
            self.next()
            items.append(self.and_())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_(self) -> Any:
        items = [self.unary()]
        while self.word("and"):
            self.next()
            items.append(self.unary())
        return items[0] if len(items) == 1 else And(tuple(items))

    def unary(self) -> Any:
        if self.word("not") and self.toks[self.pos + 1].kind == "(":
            self.next()
            self.next()
            inner = self.or_()
            self.expect(")")
            return Not(inner)
        return self.comparison()

    def comparison(self) -> Any:
        left = self.operand()
        if self.tok.kind != "op":
            if isinstance(left, _Fn):
                raise UnsupportedLogic(f"{left.name}() must be compared with a number")
            if isinstance(left, Name):
                raise UnsupportedLogic(f"a bare field reference in {self.text!r}")
            return left
        op = self.next().value
        op = {"=": "==", "<>": "!="}.get(op, op)
        right = self.operand()
        return self.combine(left, op, right)

    def combine(self, left: Any, op: str, right: Any) -> Any:
        if isinstance(right, _Fn) and not isinstance(left, _Fn):
            flip = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}
            return self.combine(right, flip.get(op, op), left)
        if isinstance(left, _Fn):
            if not (isinstance(right, Literal) and isinstance(right.value, int | float)):
                raise UnsupportedLogic(f"{left.name}() compared with something other than 0")
            v = right.value
            answered = {(">", 0), ("!=", 0), (">=", 1)}
            unanswered = {("==", 0), ("<", 1), ("<=", 0)}
            if (op, v) in answered:
                return Answered(left.arg)
            if (op, v) in unanswered:
                return Not(Answered(left.arg))
            raise UnsupportedLogic(f"{left.name}(...) {op} {v} has no show_if equivalent")
        if isinstance(left, _Check):
            if not isinstance(right, Literal) or str(right.value) not in ("0", "1"):
                raise UnsupportedLogic("a checkbox option must be compared with '1' or '0'")
            on = (str(right.value) == "1") == (op == "==")
            if op not in ("==", "!="):
                raise UnsupportedLogic("a checkbox option may only be compared with = or <>")
            sel = Selected(left.name, Literal(left.code))
            return sel if on else Not(sel)
        if isinstance(left, Literal) and isinstance(right, Literal):
            return Literal(_const(left.value, op, right.value))
        if isinstance(left, Literal) and isinstance(right, Name):
            flip = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}
            return self.combine(right, flip[op], left)
        if isinstance(left, Name) and isinstance(right, Literal):
            if isinstance(right.value, str) and not right.value.strip() and op in ("==", "!="):
                return Answered(left) if op == "!=" else Not(Answered(left))
            return Compare(left, op, right)
        if isinstance(left, Name) and isinstance(right, Name):
            return Compare(left, op, right)
        raise UnsupportedLogic(f"cannot compare these values in {self.text!r}")

    def operand(self) -> Any:
        t = self.tok
        if t.kind == "name":
            self.next()
            if self.dialect == "redcap":
                field, code = t.value
                name = self.name(field)
                if code is not None:
                    return _Check(name, _code(code))
                return name
            return self.name(t.value)
        if t.kind == "str":
            self.next()
            return Literal(t.value)
        if t.kind == "num":
            self.next()
            return Literal(t.value)
        if t.kind == "(":
            self.next()
            inner = self.or_()
            self.expect(")")
            return inner
        if t.kind == "word":
            w = str(t.value).lower()
            self.next()
            if self.tok.kind != "(":
                if w in ("true", "false") and self.dialect == "redcap":
                    return Literal(w == "true")
                raise UnsupportedLogic(f"unknown word {t.value!r}")
            self.next()
            return self.function(w)
        raise UnsupportedLogic(f"unexpected {t.value!r} in {self.text!r}")

    def function(self, w: str) -> Any:
        if self.dialect == "xpath" and w in ("true", "false"):
            self.expect(")")
            return Literal(w == "true")
        if self.dialect == "xpath" and w == "selected":
            item = self.operand()
            self.expect(",")
            value = self.operand()
            self.expect(")")
            if not isinstance(item, Name) or not isinstance(value, Literal):
                raise UnsupportedLogic("selected() needs a field and a code")
            return Selected(item, Literal(_code(value.value)))
        if self.dialect == "xpath" and w in ("string-length", "count-selected"):
            item = self.operand()
            self.expect(")")
            if not isinstance(item, Name):
                raise UnsupportedLogic(f"{w}() needs a field")
            return _Fn(w, item)
        if self.dialect == "xpath" and w == "concat":
            parts = [self.operand()]
            while self.tok.kind == ",":
                self.next()
                parts.append(self.operand())
            self.expect(")")
            if not all(isinstance(p, Literal) and isinstance(p.value, str) for p in parts):
                raise UnsupportedLogic("concat() of fields has no show_if equivalent")
            return Literal("".join(str(p.value) for p in parts))
        raise UnsupportedLogic(f"the function {w}() has no show_if equivalent")


@dataclass(frozen=True)
class _Fn:
    name: str
    arg: Name


@dataclass(frozen=True)
class _Check:
    name: Name
    code: int | str


def _code(value: Any) -> int | str:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    s = str(value)
    return int(s) if re.fullmatch(r"-?(0|[1-9]\d*)", s) else s


def _const(a: Any, op: str, b: Any) -> bool:
    try:
        a, b = float(a), float(b)
    except (TypeError, ValueError):
        a, b = str(a), str(b)
    return bool(
        {
            "==": a == b,
            "!=": a != b,
            "<": a < b,
            "<=": a <= b,
            ">": a > b,
            ">=": a >= b,
        }[op]
    )


def _fold(node: Any) -> Any:
    """Fold ``x == a or x == b`` into ``x in [a, b]`` and ``not (...)`` into ``not in``."""
    if isinstance(node, Or):
        parts = tuple(_fold(p) for p in node.operands)
        if (
            all(
                isinstance(p, Compare)
                and p.op == "=="
                and isinstance(p.left, Name)
                and isinstance(p.right, Literal)
                for p in parts
            )
            and len({p.left.id for p in parts if isinstance(p.left, Name)}) == 1
        ):
            first = parts[0]
            assert isinstance(first, Compare) and isinstance(first.left, Name)
            return InList(
                first.left,
                tuple(p.right for p in parts if isinstance(p, Compare)),  # type: ignore[misc]
            )
        return Or(parts)
    if isinstance(node, And):
        return And(tuple(_fold(p) for p in node.operands))
    if isinstance(node, Not):
        inner = _fold(node.operand)
        if isinstance(inner, InList) and not inner.negated:
            return InList(inner.subject, inner.values, True)
        if isinstance(inner, Compare) and inner.op in ("==", "!="):
            return Compare(inner.left, "!=" if inner.op == "==" else "==", inner.right)
        if isinstance(inner, Not):
            return inner.operand
        return Not(inner)
    return node


def parse_xpath(text: str, names: Mapping[str, str]) -> Expression:
    """Parse an XLSForm ``relevant`` value; ``names`` maps form field names to item ids."""
    root = _Parser(text, "xpath", names).parse()
    return Expression.from_ast(root)


def parse_redcap_logic(text: str, names: Mapping[str, str]) -> Expression:
    """Parse REDCap branching logic; ``names`` maps field names to item ids."""
    root = _Parser(text, "redcap", names).parse()
    return Expression.from_ast(root)


def coerce_literals(expr: Expression, codes: Mapping[str, list[int | str]]) -> Expression:
    """Write quoted codes as the item's own codes (``'1'`` becomes ``1`` for integer codes)."""

    def fix(name: Any, lit: Literal) -> Literal:
        if not isinstance(name, Name) or name.id not in codes:
            return lit
        for code in codes[name.id]:
            if str(code) == str(lit.value) and type(code) is not type(lit.value):
                return Literal(code)
        return lit

    def walk(node: Any) -> Any:
        if isinstance(node, Compare):
            if isinstance(node.left, Name) and isinstance(node.right, Literal):
                return Compare(node.left, node.op, fix(node.left, node.right))
            return node
        if isinstance(node, InList):
            return InList(
                node.subject, tuple(fix(node.subject, v) for v in node.values), node.negated
            )
        if isinstance(node, Selected):
            return Selected(node.item, fix(node.item, node.value))
        if isinstance(node, Not):
            return Not(walk(node.operand))
        if isinstance(node, And):
            return And(tuple(walk(p) for p in node.operands))
        if isinstance(node, Or):
            return Or(tuple(walk(p) for p in node.operands))
        return node

    return Expression.from_ast(walk(expr.root))


# ----------------------------------------------------------------------- LimeSurvey printer


def to_expression_script(
    expr: Expression,
    names: Mapping[str, str],
    multi: Mapping[str, Callable[[Any], str]],
    code_of: Callable[[str, Any], str | None],
    multi_codes: Mapping[str, list[Any]] | None = None,
) -> str:
    """Print ``expr`` as LimeSurvey ExpressionScript.

    Parameters
    ----------
    names : item id -> LimeSurvey question code.
    multi : item id -> function giving the subquestion variable of a code, for multiple-choice
        questions (``Q1_SQ001``); such items are tested with ``== "Y"``.
    multi_codes : item id -> every code of a multiple-choice item (for ``answered()``).
    code_of : (item id, code) -> the LimeSurvey answer code of that option (None for items
        without a choice list, whose values are written as they are).
    """

    def q(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

    def val(node: Any, other: Any) -> str:
        if isinstance(node, Name):
            return names[node.id]
        v = node.value
        if isinstance(v, bool):
            return "1" if v else "0"
        if isinstance(other, Name):
            mapped = code_of(other.id, v)
            if mapped is not None:
                return q(mapped)
        return str(v) if isinstance(v, int | float) else q(str(v))

    def answered(name: Name, neg: bool) -> str:
        if name.id in multi:
            codes = (multi_codes or {}).get(name.id)
            if not codes:
                raise UnsupportedLogic(f"answered({name.id}) needs the codes of {name.id!r}")
            parts = [f'{multi[name.id](c)} {"!=" if neg else "=="} "Y"' for c in codes]
            return "(" + (" and " if neg else " or ").join(parts) + ")"
        return f"is_empty({names[name.id]})" if neg else f"!is_empty({names[name.id]})"

    def sel(name: Name, lit: Literal, neg: bool) -> str:
        var = multi[name.id](lit.value)
        return f'{var} {"!=" if neg else "=="} "Y"'

    def cond(node: Any, top: bool = False) -> str:
        if isinstance(node, Name):
            return answered(node, False)
        if isinstance(node, Literal):
            return "1" if node.value else "0"
        if isinstance(node, Answered):
            return answered(node.item, False)
        if isinstance(node, Selected):
            return sel(node.item, node.value, False)
        if isinstance(node, Not):
            inner = node.operand
            if isinstance(inner, Answered | Name):
                return answered(inner.item if isinstance(inner, Answered) else inner, True)
            if isinstance(inner, Selected):
                return sel(inner.item, inner.value, True)
            return f"!({cond(inner, True)})"
        if isinstance(node, And | Or):
            joiner = " and " if isinstance(node, And) else " or "
            out = joiner.join(cond(p) for p in node.operands)
            return out if top else f"({out})"
        if isinstance(node, InList):
            parts = [cond(Compare(node.subject, "==", v)) for v in node.values]
            out = " or ".join(parts)
            return f"!({out})" if node.negated else (out if top else f"({out})")
        if isinstance(node, Compare):
            left, op, right = node.left, node.op, node.right
            if isinstance(left, Literal) and isinstance(right, Name | Count):
                flip = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}
                left, op, right = right, flip[op], left
            if isinstance(left, Count):
                # count() of a multiple-choice question: its ticked ("Y") subquestions
                codes = (multi_codes or {}).get(left.item.id)
                if left.item.id not in multi or not codes:
                    raise UnsupportedLogic(f"count({left.item.id}) needs its codes")
                terms = ", ".join(multi[left.item.id](c) for c in codes)
                return f"count({terms}) {op} {val(right, None)}"
            if isinstance(left, Name) and left.id in multi:
                if not isinstance(right, Literal) or op not in ("==", "!="):
                    raise UnsupportedLogic(f"'{op}' with multiple-choice item {left.id!r}")
                return sel(left, right, op == "!=")
            if (
                isinstance(right, Literal)
                and isinstance(right.value, str)
                and not right.value
                and isinstance(left, Name)
                and op in ("==", "!=")
            ):
                return answered(left, op == "==")
            expr = f"{val(left, right)} {op} {val(right, left)}"
            if op == "!=" or not isinstance(left, Name):
                return expr
            # a missing answer never satisfies ==, <, >... (as in show_if and XLSForm)
            return f"(!is_empty({names[left.id]}) and {expr})" if op != "==" else expr
        raise UnsupportedLogic(f"cannot translate {node!r}")

    return cond(expr.root, True)
