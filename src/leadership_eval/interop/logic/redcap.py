"""REDCap branching logic, read and written.

:func:`parse_redcap_logic` reads ``[x] = 'a' and [y(b)] = '1'`` into a ``show_if`` syntax tree;
:func:`to_branching_logic` writes one back. REDCap has no general ``not``: the printer pushes
negations inward with De Morgan's laws, inverting operators and keeping the ``show_if``
missing-answer semantics (``not x < 3`` becomes ``([x] = '' or [x] >= 3)``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any, ClassVar

from ...instruments.expressions import (
    NEGATE,
    And,
    Answered,
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
    format_node,
    is_blank_literal,
    literal_code,
    literal_number,
    normalise_compare,
)
from ._reader import Check, Reader, Token, UnsupportedLogic, as_code

__all__ = [
    "BranchingLogicPrinter",
    "RedcapReader",
    "parse_redcap_logic",
    "to_branching_logic",
]

Checkboxes = Collection[str] | Mapping[str, Sequence[Any]]


# ------------------------------------------------------------------------------------ reading


class RedcapReader(Reader):
    """REDCap: fields as ``[name]``, checkbox options as ``[name(code)]``, ``true``/``false``."""

    reference_opens = "["
    bare_booleans = True

    def read_reference(self, text: str, i: int) -> tuple[Token, int]:
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
        return Token("name", (m.group(1), m.group(2))), j + 1

    def reference(self, value: Any) -> Any:
        field, code = value
        name = self.name(field)
        return Check(name, as_code(code)) if code is not None else name


def parse_redcap_logic(text: str, names: Mapping[str, str]) -> Expression:
    """Parse REDCap branching logic; ``names`` maps field names to item ids."""
    return Expression.from_ast(RedcapReader(text, names).parse())


# ------------------------------------------------------------------------------------ writing


class BranchingLogicPrinter(NodeVisitor):
    """A ``show_if`` tree as REDCap branching logic; ``visit(node, neg, top)``."""

    _OP: ClassVar[dict[str, str]] = {
        "==": "=",
        "!=": "<>",
        "<": "<",
        "<=": "<=",
        ">": ">",
        ">=": ">=",
    }

    def __init__(self, checkbox: Checkboxes, text: str) -> None:
        self.checkbox = checkbox
        self.text = text

    def err(self, msg: str, offset: int) -> ExpressionError:
        return ExpressionError(msg, offset, code="show-if-translate", text=self.text)

    def is_checkbox(self, name: str) -> bool:
        return name in self.checkbox

    def codes_of(self, name: Name, what: str) -> Sequence[Any]:
        """The codes of checkbox item ``name``, which ``what`` (answered(), count()) needs."""
        codes = self.checkbox.get(name.id) if isinstance(self.checkbox, Mapping) else None
        if not codes:
            raise self.err(
                f"{what} needs the codes of REDCap checkbox item '{name.id}': pass "
                f"checkbox_items={{'{name.id}': [codes...]}} (a checkbox item needs its codes "
                "listed)",
                name.offset,
            )
        return codes

    @staticmethod
    def quoted(s: str) -> str:
        return f"'{s}'" if "'" not in s else f'"{s}"'

    def eq_value(self, node: Name | Literal) -> str:
        if isinstance(node, Name):
            return f"[{node.id}]"
        text = literal_code(node)
        if "'" in text and '"' in text:
            raise self.err("REDCap strings cannot hold both ' and \"", node.offset)
        return self.quoted(text)

    def order_value(self, node: Name | Literal) -> str:
        if isinstance(node, Literal) and literal_number(node) is not None:
            return literal_code(node) if not isinstance(node.value, str) else node.value.strip()
        return self.eq_value(node)

    @staticmethod
    def group(parts: list[str], conj: str, top: bool) -> str:
        out = f" {conj} ".join(parts)
        return out if top else f"({out})"

    # ---- conditions ------------------------------------------------------------------------
    def visit_Name(self, node: Name, neg: bool, top: bool = False) -> str:
        return self.answered(node, neg)

    def visit_Literal(self, node: Literal, neg: bool, top: bool = False) -> str:
        return "1 = 1" if bool(node.value) != neg else "1 = 0"

    def visit_Answered(self, node: Answered, neg: bool, top: bool = False) -> str:
        return self.answered(node.item, neg)

    def visit_Selected(self, node: Selected, neg: bool, top: bool = False) -> str:
        return self.equal(node.item, node.value, neg)

    def visit_ChoiceSelected(self, node: ChoiceSelected, neg: bool, top: bool = False) -> str:
        raise self.err(
            "a choice filter has no REDCap branching logic form (translate it option by "
            "option with for_choice())",
            -1,
        )

    visit_ChoiceIn = visit_ChoiceSelected  # type: ignore[assignment]

    def visit_Not(self, node: Not, neg: bool, top: bool = False) -> str:
        return str(self.visit(node.operand, not neg, top))

    def _joined(self, node: And | Or, neg: bool, top: bool) -> str:
        is_and = isinstance(node, And) != neg
        parts = [self.visit(c, neg) for c in node.operands]
        return self.group(parts, "and" if is_and else "or", top)

    def visit_And(self, node: And, neg: bool, top: bool = False) -> str:
        return self._joined(node, neg, top)

    def visit_Or(self, node: Or, neg: bool, top: bool = False) -> str:
        return self._joined(node, neg, top)

    def visit_InList(self, node: InList, neg: bool, top: bool = False) -> str:
        eq_neg = neg != node.negated
        parts = [
            self.visit_Compare(Compare(node.subject, "==", v), eq_neg, False) for v in node.values
        ]
        if len(parts) == 1:
            return parts[0]
        return self.group(parts, "and" if eq_neg else "or", top)

    def answered(self, name: Name, neg: bool) -> str:
        if self.is_checkbox(name.id):
            codes = self.codes_of(name, f"answered({name.id})")
            val = "'0'" if neg else "'1'"
            parts = [f"[{name.id}({literal_code(Literal(c))})] = {val}" for c in codes]
            joined = (" and " if neg else " or ").join(parts)
            return joined if len(parts) == 1 else f"({joined})"
        return f"[{name.id}] = ''" if neg else f"[{name.id}] <> ''"

    def equal(self, name: Name, lit: Literal, neg: bool) -> str:
        if self.is_checkbox(name.id):
            return f"[{name.id}({literal_code(lit)})] = '{0 if neg else 1}'"
        return f"[{name.id}] {'<>' if neg else '='} {self.eq_value(lit)}"

    def visit_Compare(self, node: Compare, neg: bool, top: bool = False) -> str:
        c = normalise_compare(node)
        left, op, right = c.left, c.op, c.right
        op_n = NEGATE[op] if neg else op
        if isinstance(left, Count):
            # a count is never missing, so 'not' is exactly the inverted operator
            assert isinstance(right, Literal)
            codes = self.codes_of(left.item, f"count({left.item.id})")
            terms = ", ".join(f"[{left.item.id}({literal_code(Literal(c))})]" for c in codes)
            return f"sum({terms}) {self._OP[op_n]} {self.order_value(right)}"
        assert not isinstance(right, Count)
        if is_blank_literal(right):
            if op in ("==", "!="):
                return f"{self.eq_value(left)} {self._OP[op_n]} ''"
            return "1 = 0" if not neg else "1 = 1"
        if isinstance(left, Name) and self.is_checkbox(left.id):
            if isinstance(right, Name) or op not in ("==", "!="):
                raise self.err(
                    f"'{op}' with checkbox item '{left.id}' has no REDCap equivalent", left.offset
                )
            return self.equal(left, right, op_n == "!=")
        if isinstance(right, Name) and self.is_checkbox(right.id):
            raise self.err(
                f"checkbox item '{right.id}' cannot be compared with another item", right.offset
            )
        if isinstance(left, Literal) and isinstance(right, Literal):
            return "1 = 1" if self._constant(c) != neg else "1 = 0"
        return self._values(left, op_n, right, neg, top)

    def _values(
        self, left: Name | Literal, op_n: str, right: Name | Literal, neg: bool, top: bool
    ) -> str:
        # Blank handling: keep the missing-answer semantics whatever REDCap does with blanks
        # in ordering comparisons (its JavaScript coerces '' to 0).
        blanks = [v for v in (left, right) if isinstance(v, Name)]
        if op_n in ("==", "!="):
            expr = f"{self.eq_value(left)} {self._OP[op_n]} {self.eq_value(right)}"
            if len(blanks) == 2:
                if op_n == "==":
                    return self.group([*(f"[{b.id}] <> ''" for b in blanks), expr], "and", top)
                return self.group([*(f"[{b.id}] = ''" for b in blanks), expr], "or", top)
            return expr
        expr = f"{self.order_value(left)} {self._OP[op_n]} {self.order_value(right)}"
        if neg:  # not (x < 3): True when x is missing
            return self.group([*(f"[{b.id}] = ''" for b in blanks), expr], "or", top)
        return self.group([*(f"[{b.id}] <> ''" for b in blanks), expr], "and", top)

    @staticmethod
    def _constant(c: Compare) -> bool:
        import pandas as pd

        frame = pd.DataFrame(index=range(1))
        return bool(Expression(format_node(c), c).evaluate(frame).iloc[0])


def to_branching_logic(expression: Expression, checkbox_items: Checkboxes = frozenset()) -> str:
    """The expression as REDCap branching logic.

    Parameters
    ----------
    expression : Expression
    checkbox_items : collection of item ids, or mapping of item id to its codes
        Items that are REDCap checkbox fields (multi_choice): ``x == 'a'`` and
        ``selected(x, 'a')`` become ``[x(a)] = '1'``. ``answered(x)`` and ``count(x)`` on a
        checkbox need its codes (pass a mapping).

    Examples
    --------
    >>> from leadership_eval.instruments.expressions import parse_expression
    >>> to_branching_logic(parse_expression("not (grade == 'FY1' and answered(lead_1))"))
    "[grade] <> 'FY1' or [lead_1] = ''"
    >>> to_branching_logic(parse_expression("not selected(roles, 'a')"), {"roles"})
    "[roles(a)] = '0'"
    """
    printer = BranchingLogicPrinter(checkbox_items, expression.text)
    return str(printer.visit(expression.root, False, top=True))
