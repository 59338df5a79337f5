"""LimeSurvey ExpressionScript (question relevance), written from ``show_if`` trees.

LimeSurvey's own survey structure files are written by
:func:`~leadership_eval.interop.limesurvey.to_limesurvey`; reading relevance back is not
supported (LimeSurvey exports are read as data, not as instruments).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ...instruments.expressions import (
    FLIP,
    And,
    Answered,
    Compare,
    Count,
    Expression,
    InList,
    Literal,
    Name,
    NodeVisitor,
    Not,
    Or,
    Selected,
)
from ._reader import UnsupportedLogic

__all__ = ["ExpressionScriptPrinter", "to_expression_script"]


def _q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ExpressionScriptPrinter(NodeVisitor):
    """A ``show_if`` tree as LimeSurvey ExpressionScript; ``visit(node, top)``."""

    def __init__(
        self,
        names: Mapping[str, str],
        multi: Mapping[str, Callable[[Any], str]],
        code_of: Callable[[str, Any], str | None],
        multi_codes: Mapping[str, list[Any]] | None = None,
    ) -> None:
        self.names = names
        self.multi = multi
        self.code_of = code_of
        self.multi_codes = multi_codes or {}

    def val(self, node: Name | Literal, other: Any) -> str:
        if isinstance(node, Name):
            return self.names[node.id]
        v = node.value
        if isinstance(v, bool):
            return "1" if v else "0"
        if isinstance(other, Name):
            mapped = self.code_of(other.id, v)
            if mapped is not None:
                return _q(mapped)
        return str(v) if isinstance(v, int | float) else _q(str(v))

    def answered(self, name: Name, neg: bool) -> str:
        if name.id in self.multi:
            codes = self.multi_codes.get(name.id)
            if not codes:
                raise UnsupportedLogic(f"answered({name.id}) needs the codes of {name.id!r}")
            parts = [f'{self.multi[name.id](c)} {"!=" if neg else "=="} "Y"' for c in codes]
            return "(" + (" and " if neg else " or ").join(parts) + ")"
        var = self.names[name.id]
        return f"is_empty({var})" if neg else f"!is_empty({var})"

    def selected(self, name: Name, lit: Literal, neg: bool) -> str:
        return f'{self.multi[name.id](lit.value)} {"!=" if neg else "=="} "Y"'

    def visit_Name(self, node: Name, top: bool = False) -> str:
        return self.answered(node, False)

    def visit_Literal(self, node: Literal, top: bool = False) -> str:
        return "1" if node.value else "0"

    def visit_Answered(self, node: Answered, top: bool = False) -> str:
        return self.answered(node.item, False)

    def visit_Selected(self, node: Selected, top: bool = False) -> str:
        return self.selected(node.item, node.value, False)

    def visit_Not(self, node: Not, top: bool = False) -> str:
        inner = node.operand
        if isinstance(inner, Answered | Name):
            return self.answered(inner.item if isinstance(inner, Answered) else inner, True)
        if isinstance(inner, Selected):
            return self.selected(inner.item, inner.value, True)
        return f"!({self.visit(inner, True)})"

    def _joined(self, node: And | Or, joiner: str, top: bool) -> str:
        out = joiner.join(self.visit(p) for p in node.operands)
        return out if top else f"({out})"

    def visit_And(self, node: And, top: bool = False) -> str:
        return self._joined(node, " and ", top)

    def visit_Or(self, node: Or, top: bool = False) -> str:
        return self._joined(node, " or ", top)

    def visit_InList(self, node: InList, top: bool = False) -> str:
        out = " or ".join(self.visit_Compare(Compare(node.subject, "==", v)) for v in node.values)
        return f"!({out})" if node.negated else (out if top else f"({out})")

    def visit_Compare(self, node: Compare, top: bool = False) -> str:
        left, op, right = node.left, node.op, node.right
        if isinstance(left, Literal) and isinstance(right, Name | Count):
            left, op, right = right, FLIP[op], left
        if isinstance(left, Count):
            # count() of a multiple-choice question: its ticked ("Y") subquestions
            codes = self.multi_codes.get(left.item.id)
            if left.item.id not in self.multi or not codes:
                raise UnsupportedLogic(f"count({left.item.id}) needs its codes")
            terms = ", ".join(self.multi[left.item.id](c) for c in codes)
            assert not isinstance(right, Count)
            return f"count({terms}) {op} {self.val(right, None)}"
        assert not isinstance(right, Count)
        if isinstance(left, Name) and left.id in self.multi:
            if not isinstance(right, Literal) or op not in ("==", "!="):
                raise UnsupportedLogic(f"'{op}' with multiple-choice item {left.id!r}")
            return self.selected(left, right, op == "!=")
        if (
            isinstance(right, Literal)
            and isinstance(right.value, str)
            and not right.value
            and isinstance(left, Name)
            and op in ("==", "!=")
        ):
            return self.answered(left, op == "==")
        expr = f"{self.val(left, right)} {op} {self.val(right, left)}"
        if op == "!=" or not isinstance(left, Name):
            return expr
        # a missing answer never satisfies ==, <, >... (as in show_if and XLSForm)
        return f"(!is_empty({self.names[left.id]}) and {expr})" if op != "==" else expr

    def visit(self, node: Any, *args: Any, **kwargs: Any) -> Any:
        if not hasattr(self, f"visit_{type(node).__name__}"):
            raise UnsupportedLogic(f"cannot translate {node!r}")
        return super().visit(node, *args, **kwargs)


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
    code_of : (item id, code) -> the LimeSurvey answer code of that option (None for items
        without a choice list, whose values are written as they are).
    multi_codes : item id -> every code of a multiple-choice item (for ``answered()``).
    """
    printer = ExpressionScriptPrinter(names, multi, code_of, multi_codes)
    return str(printer.visit(expr.root, True))
