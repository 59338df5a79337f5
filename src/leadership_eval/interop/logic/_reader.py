"""The grammar the platforms' skip-logic dialects share, read into ``show_if`` syntax trees.

XLSForm ``relevant`` values and REDCap branching logic are both ``a and b``, ``a or b``,
``not(...)``, comparisons of fields with values and a few functions; they differ in how a field
is written (``${x}``, ``[x]``, ``[x(code)]``) and in their functions. :class:`Reader` reads the
shared grammar; each dialect's module subclasses it with its own field references and functions
(``read_reference`` and ``function``). Anything outside what the ``show_if`` language can
express raises :class:`UnsupportedLogic` with the reason, so the importer can list it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ...errors import LeadershipEvalError
from ...instruments.expressions import (
    And,
    Answered,
    Compare,
    Condition,
    Expression,
    InList,
    Literal,
    Name,
    NodeVisitor,
    Not,
    Or,
    Selected,
)

__all__ = [
    "Check",
    "Function",
    "Reader",
    "Token",
    "UnsupportedLogic",
    "as_code",
    "coerce_literals",
    "fold",
]


class UnsupportedLogic(LeadershipEvalError, ValueError):
    """Skip logic that the ``show_if`` language (or the target) cannot express."""


@dataclass
class Token:
    """One token: ``kind`` is name, str, num, op, word, ``(``, ``)``, ``,`` or end."""

    kind: str
    value: Any


@dataclass(frozen=True)
class Function:
    """A function of one field read before its comparison (``string-length(${x}) > 0``)."""

    name: str
    arg: Name


@dataclass(frozen=True)
class Check:
    """One option of a checkbox field (REDCap ``[x(code)]``), before its comparison."""

    name: Name
    code: int | str


_OPS = ("<=", ">=", "!=", "<>", "==", "=", "<", ">")
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}


def as_code(value: Any) -> int | str:
    """A value read from a form as a choice code (``2.0`` and ``"2"`` are the code 2)."""
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
        {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    )


def _same_item_equalities(parts: tuple[Any, ...]) -> bool:
    return (
        all(
            isinstance(p, Compare)
            and p.op == "=="
            and isinstance(p.left, Name)
            and isinstance(p.right, Literal)
            for p in parts
        )
        and len({p.left.id for p in parts}) == 1
    )


def fold(node: Any) -> Any:
    """Fold ``x == a or x == b`` into ``x in [a, b]`` and ``not (...)`` into ``not in``."""
    if isinstance(node, Or):
        parts = tuple(fold(p) for p in node.operands)
        if _same_item_equalities(parts):
            return InList(parts[0].left, tuple(p.right for p in parts))
        return Or(parts)
    if isinstance(node, And):
        return And(tuple(fold(p) for p in node.operands))
    if isinstance(node, Not):
        inner = fold(node.operand)
        if isinstance(inner, InList) and not inner.negated:
            return InList(inner.subject, inner.values, True)
        if isinstance(inner, Compare) and inner.op in ("==", "!="):
            return Compare(inner.left, "!=" if inner.op == "==" else "==", inner.right)
        if isinstance(inner, Not):
            return inner.operand
        return Not(inner)
    return node


class Reader:
    """Recursive descent over the shared grammar; a dialect supplies its references and
    functions.

    Parameters
    ----------
    text : str
        The skip logic as the form holds it.
    names : mapping
        The form's field names -> item ids.
    """

    #: How a field reference opens (``${`` or ``[``), for the tokenizer.
    reference_opens: ClassVar[str] = ""
    #: Whether ``true``/``false`` are words (REDCap) rather than functions (XPath).
    bare_booleans: ClassVar[bool] = False

    def __init__(self, text: str, names: Mapping[str, str]) -> None:
        self.text = text
        self.names = names
        self.toks = self.tokenize(text)
        self.pos = 0

    # ---- tokens ----------------------------------------------------------------------------
    def read_reference(self, text: str, i: int) -> tuple[Token, int]:  # pragma: no cover
        """The field reference starting at ``i``: its token and the offset after it."""
        raise NotImplementedError

    def tokenize(self, text: str) -> list[Token]:
        toks: list[Token] = []
        i, n = 0, len(text)
        while i < n:
            c = text[i]
            if c.isspace():
                i += 1
                continue
            if text.startswith(self.reference_opens, i):
                tok, i = self.read_reference(text, i)
                toks.append(tok)
                continue
            tok, i = self._plain_token(text, i, toks)
            toks.append(tok)
        toks.append(Token("end", None))
        return toks

    @staticmethod
    def _plain_token(text: str, i: int, toks: list[Token]) -> tuple[Token, int]:
        c = text[i]
        if c in "'\"":
            j = text.find(c, i + 1)
            if j < 0:
                raise UnsupportedLogic(f"unclosed string at offset {i}")
            return Token("str", text[i + 1 : j]), j + 1
        m = re.match(r"-?\d+(\.\d+)?", text[i:])
        if m and (c != "-" or not toks or toks[-1].kind in ("op", "(", ",", "word")):
            raw = m.group(0)
            return Token("num", float(raw) if m.group(1) else int(raw)), i + len(raw)
        op = next((o for o in _OPS if text.startswith(o, i)), None)
        if op:
            return Token("op", op), i + len(op)
        if c in "(),":
            return Token(c, c), i + 1
        m = re.match(r"[A-Za-z_][A-Za-z0-9_:-]*", text[i:])
        if m:
            return Token("word", m.group(0)), i + len(m.group(0))
        raise UnsupportedLogic(f"unexpected character {c!r} at offset {i}")

    @property
    def tok(self) -> Token:
        return self.toks[self.pos]

    def next(self) -> Token:
        t = self.toks[self.pos]
        self.pos += 1
        return t

    def word(self, w: str) -> bool:
        return self.tok.kind == "word" and str(self.tok.value).lower() == w

    def expect(self, kind: str) -> Token:
        if self.tok.kind != kind:
            raise UnsupportedLogic(f"expected {kind!r} in {self.text!r}")
        return self.next()

    def name(self, raw: str) -> Name:
        if raw not in self.names:
            raise UnsupportedLogic(f"it refers to {raw!r}, which is not an item of the form")
        return Name(self.names[raw])

    # ---- grammar ---------------------------------------------------------------------------
    def parse(self) -> Condition:
        node = self.or_()
        if self.tok.kind != "end":
            raise UnsupportedLogic(f"cannot read {self.text!r} past token {self.tok.value!r}")
        return fold(node)  # type: ignore[no-any-return]

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
            if isinstance(left, Function):
                raise UnsupportedLogic(f"{left.name}() must be compared with a number")
            if isinstance(left, Name):
                raise UnsupportedLogic(f"a bare field reference in {self.text!r}")
            return left
        op = self.next().value
        op = {"=": "==", "<>": "!="}.get(op, op)
        return self.combine(left, op, self.operand())

    def combine(self, left: Any, op: str, right: Any) -> Any:
        if isinstance(right, Function) and not isinstance(left, Function):
            return self.combine(right, _FLIP[op], left)
        if isinstance(left, Function):
            return self._function_test(left, op, right)
        if isinstance(left, Check):
            return self._check_test(left, op, right)
        if isinstance(left, Literal) and isinstance(right, Literal):
            return Literal(_const(left.value, op, right.value))
        if isinstance(left, Literal) and isinstance(right, Name):
            return self.combine(right, _FLIP[op], left)
        if isinstance(left, Name) and isinstance(right, Literal):
            if isinstance(right.value, str) and not right.value.strip() and op in ("==", "!="):
                return Answered(left) if op == "!=" else Not(Answered(left))
            return Compare(left, op, right)
        if isinstance(left, Name) and isinstance(right, Name):
            return Compare(left, op, right)
        raise UnsupportedLogic(f"cannot compare these values in {self.text!r}")

    @staticmethod
    def _function_test(left: Function, op: str, right: Any) -> Any:
        if not (isinstance(right, Literal) and isinstance(right.value, int | float)):
            raise UnsupportedLogic(f"{left.name}() compared with something other than 0")
        v = right.value
        if (op, v) in {(">", 0), ("!=", 0), (">=", 1)}:
            return Answered(left.arg)
        if (op, v) in {("==", 0), ("<", 1), ("<=", 0)}:
            return Not(Answered(left.arg))
        raise UnsupportedLogic(f"{left.name}(...) {op} {v} has no show_if equivalent")

    @staticmethod
    def _check_test(left: Check, op: str, right: Any) -> Any:
        if not isinstance(right, Literal) or str(right.value) not in ("0", "1"):
            raise UnsupportedLogic("a checkbox option must be compared with '1' or '0'")
        if op not in ("==", "!="):
            raise UnsupportedLogic("a checkbox option may only be compared with = or <>")
        sel = Selected(left.name, Literal(left.code))
        return sel if (str(right.value) == "1") == (op == "==") else Not(sel)

    def operand(self) -> Any:
        t = self.tok
        if t.kind == "name":
            self.next()
            return self.reference(t.value)
        if t.kind in ("str", "num"):
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
                if w in ("true", "false") and self.bare_booleans:
                    return Literal(w == "true")
                raise UnsupportedLogic(f"unknown word {t.value!r}")
            self.next()
            return self.function(w)
        raise UnsupportedLogic(f"unexpected {t.value!r} in {self.text!r}")

    def reference(self, value: Any) -> Any:
        """The operand a field reference token stands for (a :class:`Name` by default)."""
        return self.name(value)

    def function(self, w: str) -> Any:
        """The operand a function call stands for (after its opening parenthesis)."""
        raise UnsupportedLogic(f"the function {w}() has no show_if equivalent")


class _LiteralFixer(NodeVisitor):
    """Write quoted codes as the item's own codes (``'1'`` becomes ``1`` for integer codes)."""

    def __init__(self, codes: Mapping[str, list[int | str]]) -> None:
        self.codes = codes

    def fix(self, name: Any, lit: Literal) -> Literal:
        if not isinstance(name, Name) or name.id not in self.codes:
            return lit
        for code in self.codes[name.id]:
            if str(code) == str(lit.value) and type(code) is not type(lit.value):
                return Literal(code)
        return lit

    def visit_Compare(self, node: Compare) -> Any:
        if isinstance(node.left, Name) and isinstance(node.right, Literal):
            return Compare(node.left, node.op, self.fix(node.left, node.right))
        return node

    def visit_InList(self, node: InList) -> Any:
        values = tuple(self.fix(node.subject, v) for v in node.values)
        return InList(node.subject, values, node.negated)

    def visit_Selected(self, node: Selected) -> Any:
        return Selected(node.item, self.fix(node.item, node.value))

    def visit_Not(self, node: Not) -> Any:
        return Not(self.visit(node.operand))

    def visit_And(self, node: And) -> Any:
        return And(tuple(self.visit(p) for p in node.operands))

    def visit_Or(self, node: Or) -> Any:
        return Or(tuple(self.visit(p) for p in node.operands))

    def visit(self, node: Any, *args: Any, **kwargs: Any) -> Any:
        if not hasattr(self, f"visit_{type(node).__name__}"):
            return node  # names, literals, answered(), count(): nothing to fix
        return super().visit(node, *args, **kwargs)


def coerce_literals(expr: Expression, codes: Mapping[str, list[int | str]]) -> Expression:
    """Write quoted codes as the item's own codes (``'1'`` becomes ``1`` for integer codes)."""
    return Expression.from_ast(_LiteralFixer(codes).visit(expr.root))
