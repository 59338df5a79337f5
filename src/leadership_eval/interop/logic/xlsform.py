"""XLSForm skip logic (ODK XPath ``relevant`` and ``choice_filter``), read and written.

:func:`parse_xpath` reads ``${x} = 'a' and selected(${y}, 'b')`` into a ``show_if`` syntax tree;
:func:`to_xpath` writes one back. The two sides are each other's inverse on everything the
``show_if`` language can say (the XLSForm round trip of :mod:`leadership_eval.interop.xlsform`
rests on it).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from decimal import Decimal
from typing import Any, ClassVar

from ...instruments.expressions import (
    PRECEDENCE,
    And,
    Answered,
    ChoiceIn,
    ChoiceSelected,
    Compare,
    Count,
    Expression,
    ExpressionError,
    InList,
    Literal,
    Name,
    NodeVisitor,
    Not,
    Or,
    Selected,
    is_blank_literal,
    is_multi,
    literal_code,
    normalise_compare,
)
from ._reader import Function, Reader, Token, UnsupportedLogic, as_code

__all__ = ["XPathPrinter", "XPathReader", "parse_xpath", "to_xpath", "xpath_string"]


# ------------------------------------------------------------------------------------ reading


class XPathReader(Reader):
    """ODK XPath: fields as ``${name}``; ``selected()``, ``string-length()``,
    ``count-selected()``, ``concat()`` of strings, ``true()`` and ``false()``."""

    reference_opens = "${"

    def read_reference(self, text: str, i: int) -> tuple[Token, int]:
        j = text.find("}", i)
        if j < 0:
            raise UnsupportedLogic(f"unclosed '${{' at offset {i}")
        return Token("name", text[i + 2 : j].strip()), j + 1

    def function(self, w: str) -> Any:
        if w in ("true", "false"):
            self.expect(")")
            return Literal(w == "true")
        if w == "selected":
            item = self.operand()
            self.expect(",")
            value = self.operand()
            self.expect(")")
            if not isinstance(item, Name) or not isinstance(value, Literal):
                raise UnsupportedLogic("selected() needs a field and a code")
            return Selected(item, Literal(as_code(value.value)))
        if w in ("string-length", "count-selected"):
            item = self.operand()
            self.expect(")")
            if not isinstance(item, Name):
                raise UnsupportedLogic(f"{w}() needs a field")
            return Function(w, item)
        if w == "concat":
            return self._concat()
        return super().function(w)

    def _concat(self) -> Literal:
        parts = [self.operand()]
        while self.tok.kind == ",":
            self.next()
            parts.append(self.operand())
        self.expect(")")
        if not all(isinstance(p, Literal) and isinstance(p.value, str) for p in parts):
            raise UnsupportedLogic("concat() of fields has no show_if equivalent")
        return Literal("".join(str(p.value) for p in parts))


def parse_xpath(text: str, names: Mapping[str, str]) -> Expression:
    """Parse an XLSForm ``relevant`` value; ``names`` maps form field names to item ids."""
    return Expression.from_ast(XPathReader(text, names).parse())


# ------------------------------------------------------------------------------------ writing


def xpath_string(s: str) -> str:
    """A string literal in XPath (which has no escapes: ``concat()`` joins mixed quotes)."""
    if "'" not in s:
        return f"'{s}'"
    if '"' not in s:
        return f'"{s}"'
    parts = s.split("'")
    return "concat(" + ', "\'", '.join(f"'{p}'" for p in parts) + ")"


class XPathPrinter(NodeVisitor):
    """A ``show_if`` tree as an XLSForm ``relevant`` value (a choice filter: ``choice_filter``).

    Multi_choice items (``item_types``) turn ``==``/``!=``/``in`` into ``selected()``.
    """

    _OP: ClassVar[dict[str, str]] = {
        "==": "=",
        "!=": "!=",
        "<": "<",
        "<=": "<=",
        ">": ">",
        ">=": ">=",
    }

    def __init__(self, item_types: Mapping[str, str] | Collection[str] | None, text: str) -> None:
        self.item_types = item_types
        self.text = text

    def value(self, node: Name | Literal) -> str:
        if isinstance(node, Name):
            return f"${{{node.id}}}"
        v = node.value
        if isinstance(v, bool):
            return "1" if v else "0"
        if isinstance(v, str):
            return xpath_string(v)
        if isinstance(v, float):
            return format(Decimal(repr(v)), "f")
        return str(v)

    def code(self, lit: Literal) -> str:
        return xpath_string(literal_code(lit))

    def wrap(self, node: Any, parent: int) -> str:
        s = self.visit(node)
        return f"({s})" if PRECEDENCE.get(type(node), 9) < parent else s

    def visit_Name(self, node: Name) -> str:
        return f"${{{node.id}}} != ''"

    def visit_Literal(self, node: Literal) -> str:
        return "true()" if node.value else "false()"

    def visit_Answered(self, node: Answered) -> str:
        return f"${{{node.item.id}}} != ''"

    def visit_Selected(self, node: Selected) -> str:
        return f"selected(${{{node.item.id}}}, {self.code(node.value)})"

    def visit_ChoiceSelected(self, node: ChoiceSelected) -> str:
        # XLSForm's choice_filter names the option offered 'name'
        return f"selected(${{{node.item.id}}}, name)"

    def visit_ChoiceIn(self, node: ChoiceIn) -> str:
        eqs = " or ".join(f"name = {self.code(v)}" for v in node.values)
        if node.negated:
            return f"not({eqs})" if len(node.values) > 1 else eqs.replace(" = ", " != ", 1)
        return eqs if len(node.values) == 1 else f"({eqs})"

    def visit_Not(self, node: Not) -> str:
        return f"not({self.visit(node.operand)})"

    def visit_And(self, node: And) -> str:
        return " and ".join(self.wrap(c, 3) for c in node.operands)

    def visit_Or(self, node: Or) -> str:
        return " or ".join(self.wrap(c, 2) for c in node.operands)

    def visit_InList(self, node: InList) -> str:
        eqs = " or ".join(self.visit_Compare(Compare(node.subject, "==", v)) for v in node.values)
        return f"not({eqs})" if node.negated else f"({eqs})"

    def visit_Compare(self, node: Compare) -> str:
        c = normalise_compare(node)
        left, op, right = c.left, c.op, c.right
        if isinstance(left, Count):
            assert isinstance(right, Literal)
            return f"count-selected(${{{left.item.id}}}) {self._OP[op]} {self.value(right)}"
        assert not isinstance(right, Count)
        if is_blank_literal(right):
            return f"{self.value(left)} {self._OP[op]} ''" if op in ("==", "!=") else "false()"
        if isinstance(left, Name) and is_multi(left.id, self.item_types):
            return self._multi(left, op, right)
        expr = f"{self.value(left)} {self._OP[op]} {self.value(right)}"
        if isinstance(left, Name) and isinstance(right, Name):
            # XPath treats two empty answers as equal; a missing answer never compares here.
            a, b = self.value(left), self.value(right)
            if op == "!=":
                return f"({a} = '' or {b} = '' or {expr})"
            return f"({a} != '' and {b} != '' and {expr})"
        return expr

    def _multi(self, left: Name, op: str, right: Name | Literal) -> str:
        if isinstance(right, Name) or op not in ("==", "!="):
            raise ExpressionError(
                f"'{op}' with multi_choice item '{left.id}' has no XLSForm equivalent",
                left.offset,
                code="show-if-translate",
                text=self.text,
            )
        sel = f"selected(${{{left.id}}}, {self.code(right)})"
        return sel if op == "==" else f"not({sel})"


def to_xpath(
    expression: Expression, item_types: Mapping[str, str] | Collection[str] | None = None
) -> str:
    """The expression as an XLSForm ``relevant`` (or ``choice_filter``) value.

    Parameters
    ----------
    expression : Expression
    item_types : mapping of item id to type, or a collection of multi_choice item ids
        Multi_choice (``select_multiple``) items turn ``==``/``!=``/``in`` into
        ``selected()``.

    Examples
    --------
    >>> from leadership_eval.instruments.expressions import parse_expression
    >>> to_xpath(parse_expression("roles == 'a' and not age < 18"), {"roles": "multi_choice"})
    "selected(${roles}, 'a') and not(${age} < 18)"
    """
    return str(XPathPrinter(item_types, expression.text).visit(expression.root))
