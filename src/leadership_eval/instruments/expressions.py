"""The ``show_if`` skip-logic language of survey items.

A small, safe expression language for conditions such as ``grade != 'FY1'`` or
``selected(roles, 'mentor') and not answered(comments)``. Text is tokenised and parsed by hand
(recursive descent, no ``eval`` and no Python ``ast``) into an immutable tree of frozen
dataclasses, which can be evaluated over a response frame (vectorised) and translated to the
skip-logic syntax of the platforms people deploy surveys on (XLSForm ``relevant`` and REDCap
branching logic), to plain English, and back to canonical text.

Grammar::

    expr       := or_
    or_        := and_ ('or' and_)*
    and_       := not_ ('and' not_)*
    not_       := 'not' not_ | comparison
    comparison := operand (cmpop operand | 'in' list | 'not' 'in' list)?
    cmpop      := '==' | '=' | '!=' | '<' | '<=' | '>' | '>='
    operand    := NAME | NUMBER | STRING | 'true' | 'false'
                | 'answered' '(' NAME ')' | 'selected' '(' NAME ',' literal ')' | '(' expr ')'
                | 'count' '(' NAME ')'    (a number: compared with a number, never alone)
    list       := '[' literal (',' literal)* ']' | '(' literal (',' literal)* ')'
    NAME       := [a-z_][a-z0-9_]*     (an item id; keywords are reserved)

A bare item id where a condition is expected means ``answered(item)``. ``count(item)`` is the
number of options chosen in a multi_choice answer (``count`` is a function only when followed by
``(``, so an item may still be called ``count``).

A *choice filter* (:func:`parse_choice_filter`) is the same language with one more word,
``choice``: the code of the option being offered. ``selected(activities, choice)`` offers only
the options chosen earlier in ``activities``; ``choice != 'none'`` leaves one option out.

Examples
--------
>>> e = parse_expression("grade != 'FY1' and (role in ['A', 'B'] or answered(notes))")
>>> sorted(e.names)
['grade', 'notes', 'role']
>>> e.to_xlsform()
"${grade} != 'FY1' and ((${role} = 'A' or ${role} = 'B') or ${notes} != '')"
>>> e.describe()
'grade is not FY1 and (role is one of A or B or answered notes)'
>>> import pandas as pd
>>> df = pd.DataFrame({"grade": ["FY1", "ST3", None], "role": ["A", "C", "B"],
...                    "notes": ["", "x", None]})
>>> e.evaluate(df).tolist()
[False, True, True]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias

from leadership_eval.errors import LeadershipEvalError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "And",
    "Answered",
    "ChoiceIn",
    "ChoiceSelected",
    "Compare",
    "Count",
    "Expression",
    "ExpressionError",
    "InList",
    "Literal",
    "Name",
    "Not",
    "Or",
    "Selected",
    "parse_choice_filter",
    "parse_expression",
]

MAX_LENGTH = 2000
"""Longest ``show_if`` text accepted, in characters."""

MAX_DEPTH = 50
"""Deepest nesting of parentheses and ``not`` accepted."""

KEYWORDS = frozenset({"and", "or", "not", "in", "answered", "selected", "true", "false"})
COMPARISON_OPS = ("==", "!=", "<", "<=", ">", ">=")
_FLIP = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_NEGATE = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_NUMERIC_TEXT = re.compile(r"\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*")


class ExpressionError(LeadershipEvalError, ValueError):
    """A ``show_if`` expression is invalid, or cannot be evaluated or translated.

    Attributes
    ----------
    offset : int
        0-based character offset into the expression text where the problem is (``-1`` when
        the problem has no position, e.g. a data frame without a needed column but no text).
    code : str
        ``show-if-syntax`` for text that does not parse; ``show-if-column`` for a referenced
        item missing from the data; ``show-if-type`` for an operation the item's type does not
        support; ``show-if-translate`` for an expression a target platform cannot express.
    text : str
        The expression text (may be empty).
    """

    def __init__(
        self, message: str, offset: int = -1, code: str = "show-if-syntax", text: str = ""
    ) -> None:
        self.offset = offset
        self.code = code
        self.text = text
        self.message = message
        where = f" (at offset {offset})" if offset >= 0 else ""
        super().__init__(f"{message}{where}")


# --------------------------------------------------------------------------------------------
# AST
# --------------------------------------------------------------------------------------------

LiteralValue: TypeAlias = int | float | str | bool


@dataclass(frozen=True)
class Name:
    """A reference to an item (a response column). ``offset`` is not part of equality."""

    id: str
    offset: int = field(default=-1, compare=False)

    def __post_init__(self) -> None:
        if not _is_name(self.id):
            raise ExpressionError(f"{self.id!r} is not a valid item id", self.offset)


@dataclass(frozen=True, eq=False)
class Literal:
    """A number, string or boolean constant. ``true`` is never equal to ``1``."""

    value: LiteralValue
    offset: int = field(default=-1, compare=False)

    def __post_init__(self) -> None:
        v = self.value
        if not isinstance(v, (bool, int, float, str)):
            raise ExpressionError(f"a literal must be a number, string or boolean, not {v!r}")
        if isinstance(v, float) and not (v == v and abs(v) != float("inf")):
            raise ExpressionError(f"a number literal must be finite, not {v!r}")

    def _key(self) -> tuple[str, Any]:
        v = self.value
        kind = "bool" if isinstance(v, bool) else "str" if isinstance(v, str) else "num"
        return (kind, v)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Literal) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


@dataclass(frozen=True)
class Compare:
    """``left op right``; ``op`` is one of ``== != < <= > >=`` (``=`` is parsed as ``==``).

    A :class:`Count` side is always compared with a number literal.
    """

    left: Name | Literal | Count
    op: str
    right: Name | Literal | Count

    def __post_init__(self) -> None:
        if self.op not in COMPARISON_OPS:
            raise ExpressionError(f"unknown comparison operator {self.op!r}")


@dataclass(frozen=True)
class InList:
    """``subject in [v1, v2, ...]`` (``negated``: ``not in``)."""

    subject: Name | Literal
    values: tuple[Literal, ...]
    negated: bool = False

    def __post_init__(self) -> None:
        if not self.values:
            raise ExpressionError("an 'in' list needs at least one value")


@dataclass(frozen=True)
class Answered:
    """``answered(item)``: the item has a non-missing, non-empty answer."""

    item: Name


@dataclass(frozen=True)
class Selected:
    """``selected(item, code)``: a multi_choice answer includes ``code``."""

    item: Name
    value: Literal


@dataclass(frozen=True)
class Count:
    """``count(item)``: how many options a multi_choice answer holds (0 when unanswered).

    A number, so it appears only in a comparison with a number (``count(activities) >= 2``).
    """

    item: Name


@dataclass(frozen=True)
class ChoiceSelected:
    """``selected(item, choice)`` in a choice filter: the option offered was chosen in ``item``."""

    item: Name


@dataclass(frozen=True)
class ChoiceIn:
    """``choice == v``, ``choice != v``, ``choice in [...]`` or ``choice not in [...]`` in a
    choice filter: the option offered is (not) one of ``values``."""

    values: tuple[Literal, ...]
    negated: bool = False

    def __post_init__(self) -> None:
        if not self.values:
            raise ExpressionError("a choice comparison needs at least one value")


@dataclass(frozen=True)
class Not:
    """``not operand``."""

    operand: Condition


@dataclass(frozen=True)
class And:
    """``a and b and ...`` (two or more operands)."""

    operands: tuple[Condition, ...]

    def __post_init__(self) -> None:
        if len(self.operands) < 2:
            raise ExpressionError("'and' needs at least two operands")


@dataclass(frozen=True)
class Or:
    """``a or b or ...`` (two or more operands)."""

    operands: tuple[Condition, ...]

    def __post_init__(self) -> None:
        if len(self.operands) < 2:
            raise ExpressionError("'or' needs at least two operands")


# A condition: a boolean-valued node. A bare Name means answered(name); only boolean Literals
# can stand as conditions. ChoiceSelected and ChoiceIn occur only in choice filters.
Condition: TypeAlias = (
    Compare
    | InList
    | Answered
    | Selected
    | Not
    | And
    | Or
    | Name
    | Literal
    | ChoiceSelected
    | ChoiceIn
)
Value: TypeAlias = Name | Literal
Node: TypeAlias = Condition | Value | Count

_PRECEDENCE: dict[type, int] = {Or: 1, And: 2, Not: 3}


def _is_name(text: str) -> bool:
    return bool(re.fullmatch(r"[a-z_][a-z0-9_]*", text)) and text not in KEYWORDS


def _children(node: Node) -> Iterator[Node]:
    if isinstance(node, Compare):
        yield node.left
        yield node.right
    elif isinstance(node, InList):
        yield node.subject
        yield from node.values
    elif isinstance(node, Answered):
        yield node.item
    elif isinstance(node, Selected):
        yield node.item
        yield node.value
    elif isinstance(node, Count | ChoiceSelected):
        yield node.item
    elif isinstance(node, ChoiceIn):
        yield from node.values
    elif isinstance(node, Not):
        yield node.operand
    elif isinstance(node, (And, Or)):
        yield from node.operands


def _walk(node: Node) -> Iterator[Node]:
    yield node
    for child in _children(node):
        yield from _walk(child)


# --------------------------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # name, keyword, number, string, op, '(', ')', '[', ']', ',', end
    value: Any
    offset: int
    raw: str

    def describe(self) -> str:
        if self.kind == "end":
            return "end of expression"
        if self.kind == "name":
            return f"item id '{self.value}'"
        if self.kind == "number":
            return f"number {self.raw}"
        if self.kind == "string":
            return f"string {self.raw}"
        return f"'{self.raw}'"


_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t", "r": "\r"}
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)

    def err(msg: str, at: int) -> ExpressionError:
        return ExpressionError(msg, at, text=text)

    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        two = text[i : i + 2]
        if two in ("==", "!=", "<=", ">="):
            tokens.append(_Token("op", two, i, two))
            i += 2
        elif two == "<>":
            raise err("'<>' is not an operator here: use '!=' for 'not equal'", i)
        elif two in ("=>", "=<"):
            raise err(f"'{two}' is not an operator: did you mean '{two[::-1]}'?", i)
        elif two == "&&" or c == "&":
            raise err(f"'{'&&' if two == '&&' else '&'}' is not an operator: use 'and'", i)
        elif two == "||" or c == "|":
            raise err(f"'{'||' if two == '||' else '|'}' is not an operator: use 'or'", i)
        elif c == "!":
            raise err("'!' is not an operator: use 'not' (or '!=' for 'not equal')", i)
        elif c == "=":
            tokens.append(_Token("op", "==", i, "="))
            i += 1
        elif c in "<>":
            tokens.append(_Token("op", c, i, c))
            i += 1
        elif c in "()[],":
            tokens.append(_Token(c, c, i, c))
            i += 1
        elif c == "$" and text[i + 1 : i + 2] == "{":
            close = text.find("}", i)
            inner = text[i + 2 : close] if close > 0 else "item"
            raise err(f"write item ids without '${{...}}': use {inner} instead of ${{{inner}}}", i)
        elif c in "'\"":
            start, i = i, i + 1
            chars: list[str] = []
            while True:
                if i >= n:
                    raise err(
                        f"the string starting here is not closed: expected a closing {c}", start
                    )
                ch = text[i]
                if ch == c:
                    i += 1
                    break
                if ch == "\\":
                    if i + 1 >= n:
                        raise err(
                            f"the string starting here is not closed: expected a closing {c}", start
                        )
                    esc = text[i + 1]
                    if esc not in _ESCAPES:
                        raise err(
                            f"unknown escape '\\{esc}' in a string: the escapes are "
                            "\\\\, \\', \\\", \\n, \\t and \\r",
                            i,
                        )
                    chars.append(_ESCAPES[esc])
                    i += 2
                    continue
                chars.append(ch)
                i += 1
            tokens.append(_Token("string", "".join(chars), start, text[start:i]))
        elif c.isdigit() or (c == "-" and text[i + 1 : i + 2].isdigit()) or c == ".":
            m = _NUMBER.match(text, i)
            end = m.end() if m else i
            if m is None or (end < n and (text[end].isalnum() or text[end] in "_.")):
                j = end
                while j < n and (text[j].isalnum() or text[j] in "_."):
                    j += 1
                hint = (
                    " (item ids start with a letter or '_')"
                    if re.search("[A-Za-z_]", text[i:j])
                    else ""
                )
                raise err(f"expected a number like 3, -1 or 2.5 but found {text[i:j]!r}{hint}", i)
            raw = text[i:end]
            value: int | float
            if m.group(1) or m.group(2):
                value = float(raw)
                if value in (float("inf"), float("-inf")):
                    raise err(f"the number {raw} is too large", i)
            else:
                value = int(raw)
                if abs(value) > 2**53:  # beyond float precision: no data value can equal it
                    shown = raw if len(raw) <= 24 else f"{raw[:12]}...({len(raw)} digits)"
                    raise err(
                        f"the number {shown} is too large: whole numbers in show_if lie "
                        "between -2**53 and 2**53",
                        i,
                    )
            tokens.append(_Token("number", value, i, raw))
            i = end
        elif c == "-":
            raise err("arithmetic is not supported: '-' may only start a number like -1", i)
        elif c.isalpha() or c == "_":
            m = _WORD.match(text, i)
            if m is None:  # a letter outside a-z (an accented or non-Latin letter)
                raise err(
                    f"unexpected character {c!r}: item ids and keywords use the letters a-z, "
                    "digits and '_'",
                    i,
                )
            word = m.group(0)
            if word in KEYWORDS:
                tokens.append(_Token("keyword", word, i, word))
            elif word.lower() in KEYWORDS:
                raise err(f"keywords are lower case: use '{word.lower()}' instead of '{word}'", i)
            elif word.lower() != word:
                raise err(
                    f"item ids are lower case (letters, digits and '_'): found '{word}'; "
                    f"did you mean '{word.lower()}'?",
                    i,
                )
            else:
                tokens.append(_Token("name", word, i, word))
            i = m.end()
        else:
            raise err(f"unexpected character {c!r}", i)
    tokens.append(_Token("end", None, n, ""))
    return tokens


# --------------------------------------------------------------------------------------------
# Parser
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ChoiceRef:
    """The word ``choice`` while parsing a choice filter (never left in a finished tree)."""

    offset: int


CHOICE_WORD = "choice"
"""The word that stands for the option being offered, in a choice filter."""


class _Parser:
    def __init__(self, text: str, choice_filter: bool = False) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0
        self.depth = 0
        self.choice_filter = choice_filter

    # helpers
    @property
    def tok(self) -> _Token:
        return self.tokens[self.pos]

    def advance(self) -> _Token:
        t = self.tokens[self.pos]
        if t.kind != "end":
            self.pos += 1
        return t

    def is_kw(self, word: str, ahead: int = 0) -> bool:
        t = self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]
        return t.kind == "keyword" and t.value == word

    def error(self, expected: str, tok: _Token | None = None, hint: str = "") -> ExpressionError:
        tok = tok or self.tok
        msg = f"expected {expected} but found {tok.describe()}"
        return ExpressionError(msg + (f"; {hint}" if hint else ""), tok.offset, text=self.text)

    def expect(self, kind: str, expected: str) -> _Token:
        if self.tok.kind != kind:
            raise self.error(expected)
        return self.advance()

    def enter(self, tok: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(
                f"the expression is nested more than {MAX_DEPTH} levels deep "
                "(parentheses and 'not'); simplify it",
                tok.offset,
                text=self.text,
            )

    # grammar
    def parse(self) -> Condition:
        if self.tok.kind == "end":
            raise self.error("a condition")
        node = self.or_()
        if self.tok.kind != "end":
            t = self.tok
            if t.kind == "op":
                raise self.error(
                    "'and', 'or' or end of expression", hint="comparisons cannot be chained"
                )
            raise self.error("'and', 'or' or end of expression")
        return self.condition(node, self.tokens[0])

    def condition(self, node: Node | _ChoiceRef, tok: _Token) -> Condition:
        """Check that ``node`` can stand where a condition is expected."""
        if isinstance(node, _ChoiceRef):
            raise ExpressionError(
                "'choice' alone is not a condition: compare it (choice != 'none') or test it "
                "with selected(item, choice)",
                node.offset,
                text=self.text,
            )
        if isinstance(node, Count):
            raise ExpressionError(
                f"count({node.item.id}) is a number, not a condition: compare it, e.g. "
                f"count({node.item.id}) >= 2",
                node.item.offset,
                text=self.text,
            )
        if isinstance(node, Literal) and not isinstance(node.value, bool):
            t = next((t for t in self.tokens if t.offset == node.offset), tok)
            raise ExpressionError(
                f"expected a condition but found {t.describe()}; compare it with an item, "
                "e.g. grade == 'FY1'",
                node.offset if node.offset >= 0 else tok.offset,
                text=self.text,
            )
        return node

    def or_(self) -> Node | _ChoiceRef:
        first = self.tok
        items = [self.and_()]
        while self.is_kw("or"):
            self.advance()
            if self.tok.kind == "end":
                raise self.error("a condition after 'or'")
            at = self.tok
            items.append(self.condition(self.and_(), at))
        if len(items) == 1:
            return items[0]
        items[0] = self.condition(items[0], first)
        return Or(tuple(items))  # type: ignore[arg-type]

    def and_(self) -> Node | _ChoiceRef:
        first = self.tok
        items = [self.not_()]
        while self.is_kw("and"):
            self.advance()
            if self.tok.kind == "end":
                raise self.error("a condition after 'and'")
            at = self.tok
            items.append(self.condition(self.not_(), at))
        if len(items) == 1:
            return items[0]
        items[0] = self.condition(items[0], first)
        return And(tuple(items))  # type: ignore[arg-type]

    def not_(self) -> Node | _ChoiceRef:
        if self.is_kw("not"):
            tok = self.advance()
            if self.is_kw("in"):
                raise self.error("a value before 'not in'", tok)
            if self.tok.kind == "end":
                raise self.error("a condition after 'not'")
            self.enter(tok)
            at = self.tok
            inner = self.condition(self.not_(), at)
            self.depth -= 1
            return Not(inner)
        return self.comparison()

    def comparison(self) -> Node | _ChoiceRef:
        left_tok = self.tok
        left = self.operand()
        t = self.tok
        if isinstance(left, _ChoiceRef):
            return self.choice_comparison(left)
        if t.kind == "op":
            self.value_operand(left, left_tok, t.raw)
            self.advance()
            if self.tok.kind == "end":
                raise self.error(f"a value after '{t.raw}'")
            right_tok = self.tok
            if right_tok.kind in ("op",) or (
                right_tok.kind == "keyword" and right_tok.value in ("and", "or", "in")
            ):
                raise self.error(f"a value after '{t.raw}'")
            right = self.operand()
            if isinstance(right, _ChoiceRef):
                raise ExpressionError(
                    "write 'choice' on the left of a comparison: choice == 'x'",
                    right.offset,
                    text=self.text,
                )
            self.value_operand(right, right_tok, t.raw)
            if isinstance(left, Count) or isinstance(right, Count):
                other, other_tok = (
                    (right, right_tok) if isinstance(left, Count) else (left, left_tok)
                )
                if not (isinstance(other, Literal) and _literal_number(other) is not None) or (
                    isinstance(other, Literal) and isinstance(other.value, bool | str)
                ):
                    raise ExpressionError(
                        "count(...) is compared with a number, e.g. count(activities) >= 2",
                        other_tok.offset,
                        text=self.text,
                    )
            return Compare(left, t.value, right)  # type: ignore[arg-type]
        if self.is_kw("in") or (self.is_kw("not") and self.is_kw("in", 1)):
            negated = self.is_kw("not")
            if negated:
                self.advance()
            self.advance()
            word = "not in" if negated else "in"
            self.value_operand(left, left_tok, word)
            if isinstance(left, Count):
                raise ExpressionError(
                    f"count(...) takes '==', '<', '>='... not '{word}'",
                    left_tok.offset,
                    text=self.text,
                )
            values = self.list_(word)
            return InList(left, values, negated)  # type: ignore[arg-type]
        if self.is_kw("not"):
            raise self.error("'in' after 'not' (as in: x not in [1, 2])", self.tokens[self.pos + 1])
        return left

    def choice_comparison(self, ref: _ChoiceRef) -> ChoiceIn:
        """``choice == v``, ``choice != v``, ``choice in [...]``, ``choice not in [...]``."""
        t = self.tok
        if t.kind == "op":
            if t.value not in ("==", "!="):
                raise self.error(
                    "'==', '!=', 'in' or 'not in' after 'choice'",
                    hint="option codes are compared for equality only",
                )
            self.advance()
            value = self.literal(f"a code (a number or a quoted string) after '{t.raw}'")
            return ChoiceIn((value,), negated=t.value == "!=")
        if self.is_kw("in") or (self.is_kw("not") and self.is_kw("in", 1)):
            negated = self.is_kw("not")
            if negated:
                self.advance()
            self.advance()
            return ChoiceIn(self.list_("not in" if negated else "in"), negated)
        raise ExpressionError(
            "'choice' alone is not a condition: compare it (choice != 'none') or test it "
            "with selected(item, choice)",
            ref.offset,
            text=self.text,
        )

    def value_operand(self, node: Node | _ChoiceRef, tok: _Token, op: str) -> None:
        if not isinstance(node, (Name, Literal, Count)):
            raise ExpressionError(
                f"a condition cannot be compared with '{op}': compare an item or a value "
                "(use 'not' to negate a condition)",
                tok.offset,
                text=self.text,
            )

    def operand(self) -> Node | _ChoiceRef:
        t = self.tok
        if t.kind == "name":
            self.advance()
            if self.tok.kind == "(":
                if t.value == "count":
                    self.advance()
                    item = self.name_arg("count")
                    self.expect(")", "')' to close count(...)")
                    return Count(item)
                raise ExpressionError(
                    f"unknown function '{t.value}': the functions are answered(item), "
                    "selected(item, code) and count(item)",
                    t.offset,
                    text=self.text,
                )
            if self.choice_filter and t.value == CHOICE_WORD:
                return _ChoiceRef(t.offset)
            return Name(t.value, t.offset)
        if t.kind in ("number", "string"):
            self.advance()
            return Literal(t.value, t.offset)
        if t.kind == "keyword":
            if t.value in ("true", "false"):
                self.advance()
                return Literal(t.value == "true", t.offset)
            if t.value == "answered":
                self.advance()
                self.expect("(", "'(' after 'answered'")
                item = self.name_arg("answered")
                self.expect(")", "')' to close answered(...)")
                return Answered(item)
            if t.value == "selected":
                self.advance()
                self.expect("(", "'(' after 'selected'")
                item = self.name_arg("selected")
                self.expect(",", "',' and a code after the item id in selected(item, code)")
                if self.choice_filter and self.tok.kind == "name" and self.tok.value == CHOICE_WORD:
                    self.advance()
                    self.expect(")", "')' to close selected(...)")
                    return ChoiceSelected(item)
                value = self.literal("a code (a number or a quoted string) in selected(item, code)")
                self.expect(")", "')' to close selected(...)")
                return Selected(item, value)
            raise self.error("a condition or a value", hint=f"'{t.value}' is a reserved word")
        if t.kind == "(":
            self.advance()
            self.enter(t)
            if self.tok.kind == "end":
                raise self.error(f"a condition after '(' at offset {t.offset}")
            inner = self.or_()
            if self.tok.kind != ")":
                raise self.error(f"')' to close '(' at offset {t.offset}")
            self.advance()
            self.depth -= 1
            return inner
        if t.kind == "[":
            raise self.error("a condition or a value", hint="a list [...] may only follow 'in'")
        raise self.error("a condition or a value")

    def name_arg(self, fn: str) -> Name:
        t = self.tok
        if t.kind != "name" or (self.choice_filter and t.value == CHOICE_WORD):
            raise self.error(f"an item id in {fn}(...)")
        self.advance()
        return Name(t.value, t.offset)

    def literal(self, expected: str) -> Literal:
        t = self.tok
        if t.kind in ("number", "string"):
            self.advance()
            return Literal(t.value, t.offset)
        if t.kind == "keyword" and t.value in ("true", "false"):
            self.advance()
            return Literal(t.value == "true", t.offset)
        raise self.error(expected)

    def list_(self, word: str) -> tuple[Literal, ...]:
        t = self.tok
        if t.kind not in ("[", "("):
            raise self.error(f"a list like [1, 2] after '{word}'")
        close = "]" if t.kind == "[" else ")"
        self.advance()
        values = [self.literal(f"a value (a number or a quoted string) in the list after '{word}'")]
        while self.tok.kind == ",":
            self.advance()
            values.append(
                self.literal(f"a value (a number or a quoted string) in the list after '{word}'")
            )
        if self.tok.kind != close:
            raise self.error(f"',' or '{close}' to close the list opened at offset {t.offset}")
        self.advance()
        return tuple(values)


def parse_expression(text: str) -> Expression:
    """Parse a ``show_if`` expression.

    Parameters
    ----------
    text : str
        The expression, e.g. ``"grade != 'FY1' and answered(lead_1)"``.

    Returns
    -------
    Expression
        The parsed, immutable expression.

    Raises
    ------
    ExpressionError
        With ``.offset`` (0-based) and ``.code == "show-if-syntax"`` when the text does not
        parse, is longer than :data:`MAX_LENGTH` characters, or nests deeper than
        :data:`MAX_DEPTH` levels.

    Examples
    --------
    >>> str(parse_expression("not grade = 'FY1'  or x"))
    "not grade == 'FY1' or x"
    >>> try:
    ...     parse_expression("grade ==")
    ... except ExpressionError as err:
    ...     print(err.offset, err.message)
    8 expected a value after '==' but found end of expression
    """
    if not isinstance(text, str):
        raise ExpressionError(f"a show_if expression must be a string, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is {len(text):,} characters long; the limit is {MAX_LENGTH:,}",
            MAX_LENGTH,
            text=text,
        )
    root = _Parser(text).parse()
    return Expression(text, root)


def parse_choice_filter(text: str) -> Expression:
    """Parse a ``choice_filter``: which options of an item are offered to a respondent.

    The language is that of ``show_if`` (:func:`parse_expression`) with one more word,
    ``choice``, standing for the code of the option being offered. An option is offered when
    the condition holds for it.

    Parameters
    ----------
    text : str
        E.g. ``"selected(activities, choice)"`` (only the options chosen in ``activities``) or
        ``"selected(activities, choice) and choice != 'other'"``.

    Returns
    -------
    Expression
        With :attr:`Expression.is_choice_filter` True.

    Raises
    ------
    ExpressionError
        ``code="show-if-syntax"`` with ``.offset`` when the text does not parse, or does not
        use ``choice`` at all (a filter that does not depend on the option offers all or
        nothing).

    Examples
    --------
    >>> f = parse_choice_filter("selected(activities, choice) and choice != 'other'")
    >>> f.to_xlsform()
    "selected(${activities}, name) and name != 'other'"
    >>> str(f.for_choice("qi")), str(f.for_choice("other"))
    ("selected(activities, 'qi')", 'false')
    >>> import pandas as pd
    >>> data = pd.DataFrame({"activities": ["qi audit", "other", None]})
    >>> f.allowed_choices(data, ["qi", "audit", "other"], {"activities": "multi_choice"})
          qi  audit  other
    0   True   True  False
    1  False  False  False
    2  False  False  False
    """
    if not isinstance(text, str):
        raise ExpressionError(f"a choice_filter must be a string, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is {len(text):,} characters long; the limit is {MAX_LENGTH:,}",
            MAX_LENGTH,
            text=text,
        )
    root = _Parser(text, choice_filter=True).parse()
    expr = Expression(text, root)
    if not expr.is_choice_filter:
        raise ExpressionError(
            "a choice filter must depend on the option offered: use 'choice', e.g. "
            "selected(activities, choice)",
            0,
            text=text,
        )
    return expr


def _has_choice(node: Node) -> bool:
    return any(isinstance(n, ChoiceSelected | ChoiceIn) for n in _walk(node))


def _substitute(node: Node, code: LiteralValue) -> Node:
    """``node`` with the option ``code`` put in place of ``choice``, constants folded."""
    if isinstance(node, ChoiceSelected):
        return Selected(node.item, Literal(code))
    if isinstance(node, ChoiceIn):
        hit = any(_code_text(v) == _code_text(Literal(code)) for v in node.values)
        return Literal(hit != node.negated)
    if isinstance(node, Not):
        inner = _substitute(node.operand, code)
        if isinstance(inner, Literal) and isinstance(inner.value, bool):
            return Literal(not inner.value)
        return Not(inner)  # type: ignore[arg-type]
    if isinstance(node, And | Or):
        absorbing = isinstance(node, Or)  # True absorbs an 'or', False an 'and'
        kept: list[Node] = []
        for child in node.operands:
            sub = _substitute(child, code)
            if isinstance(sub, Literal) and isinstance(sub.value, bool):
                if sub.value == absorbing:
                    return Literal(absorbing)
                continue  # the neutral constant
            kept.append(sub)
        if not kept:
            return Literal(not absorbing)
        if len(kept) == 1:
            return kept[0]
        return (Or if absorbing else And)(tuple(kept))  # type: ignore[arg-type]
    return node


# --------------------------------------------------------------------------------------------
# Canonical text
# --------------------------------------------------------------------------------------------


def _quote(s: str) -> str:
    out = s.replace("\\", "\\\\").replace("'", "\\'")
    out = out.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    return f"'{out}'"


def _fmt_literal(lit: Literal) -> str:
    v = lit.value
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return _quote(v)
    return repr(v)


def _fmt(node: Node) -> str:
    if isinstance(node, Name):
        return node.id
    if isinstance(node, Literal):
        return _fmt_literal(node)
    if isinstance(node, Compare):
        return f"{_fmt(node.left)} {node.op} {_fmt(node.right)}"
    if isinstance(node, InList):
        vals = ", ".join(_fmt_literal(v) for v in node.values)
        return f"{_fmt(node.subject)} {'not in' if node.negated else 'in'} [{vals}]"
    if isinstance(node, Answered):
        return f"answered({node.item.id})"
    if isinstance(node, Selected):
        return f"selected({node.item.id}, {_fmt_literal(node.value)})"
    if isinstance(node, Count):
        return f"count({node.item.id})"
    if isinstance(node, ChoiceSelected):
        return f"selected({node.item.id}, {CHOICE_WORD})"
    if isinstance(node, ChoiceIn):
        if len(node.values) == 1:
            return f"{CHOICE_WORD} {'!=' if node.negated else '=='} {_fmt_literal(node.values[0])}"
        vals = ", ".join(_fmt_literal(v) for v in node.values)
        return f"{CHOICE_WORD} {'not in' if node.negated else 'in'} [{vals}]"
    if isinstance(node, Not):
        inner = _fmt(node.operand)
        if _PRECEDENCE.get(type(node.operand), 9) < 3:
            inner = f"({inner})"
        return f"not {inner}"
    if isinstance(node, (And, Or)):
        mine = _PRECEDENCE[type(node)]
        parts = []
        for child in node.operands:
            s = _fmt(child)
            parts.append(f"({s})" if _PRECEDENCE.get(type(child), 9) <= mine else s)
        return (" and " if isinstance(node, And) else " or ").join(parts)
    raise TypeError(f"not an expression node: {node!r}")


# --------------------------------------------------------------------------------------------
# Helpers shared by translations
# --------------------------------------------------------------------------------------------


def _literal_number(lit: Literal) -> float | None:
    """The literal as a number, when it is one or is a string holding one."""
    v = lit.value
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, (int, float)):
        return float(v)
    if _NUMERIC_TEXT.fullmatch(v):
        return float(v)
    return None


def _code_text(lit: Literal) -> str:
    """A literal as a choice code written in data (``1``, ``1.5``, ``a``)."""
    v = lit.value
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else format(Decimal(repr(v)), "f")
    return str(v)


def _is_blank_literal(node: Node) -> bool:
    return isinstance(node, Literal) and isinstance(node.value, str) and not node.value.strip()


def _normalise_compare(node: Compare) -> Compare:
    """Put an item (or a count) on the left when the other side is a literal."""
    if isinstance(node.left, Literal) and isinstance(node.right, Name | Count):
        return Compare(node.right, _FLIP[node.op], node.left)
    return node


def _xpath_string(s: str) -> str:
    if "'" not in s:
        return f"'{s}'"
    if '"' not in s:
        return f'"{s}"'
    parts = s.split("'")
    return "concat(" + ', "\'", '.join(f"'{p}'" for p in parts) + ")"


def _is_multi(name: str, item_types: Mapping[str, str] | Collection[str] | None) -> bool:
    if not item_types:
        return False
    if isinstance(item_types, Mapping):
        return item_types.get(name) in ("multi_choice", "select_multiple", "checkbox")
    return name in item_types


def _join_list(words: Sequence[str], conj: str = "or") -> str:
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + f" {conj} " + words[-1]


# --------------------------------------------------------------------------------------------
# Expression
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expression:
    """A parsed ``show_if`` expression (immutable; equality compares the syntax tree).

    Build one with :func:`parse_expression` (or :meth:`from_ast`).

    Attributes
    ----------
    text : str
        The text it was parsed from.
    root : Condition
        The syntax tree.
    """

    text: str = field(compare=False)
    root: Condition

    @classmethod
    def from_ast(cls, root: Condition) -> Expression:
        """An expression for a syntax tree, its text being the canonical form.

        The canonical text is parsed again, so a malformed tree raises :class:`ExpressionError`.
        A tree with ``choice`` nodes is read back as a choice filter.
        """
        if _has_choice(root):
            return parse_choice_filter(_fmt(root))
        return parse_expression(_fmt(root))

    @property
    def is_choice_filter(self) -> bool:
        """Whether the expression uses ``choice`` (the option offered): a choice filter."""
        return _has_choice(self.root)

    def choice_values(self) -> list[tuple[tuple[LiteralValue, ...], int]]:
        """The codes a choice filter compares ``choice`` with, and the offset of the first.

        >>> parse_choice_filter("choice not in ['a', 'b'] or selected(x, choice)").choice_values()
        [(('a', 'b'), 15)]
        """
        out = [
            (tuple(v.value for v in n.values), n.values[0].offset)
            for n in _walk(self.root)
            if isinstance(n, ChoiceIn)
        ]
        return sorted(out, key=lambda r: r[1])

    def choice_items(self) -> list[tuple[str, int]]:
        """``(item id, offset)`` of every ``selected(item, choice)`` of a choice filter.

        >>> parse_choice_filter("selected(acts, choice) or choice == 'x'").choice_items()
        [('acts', 9)]
        """
        refs = [
            (n.item.id, n.item.offset) for n in _walk(self.root) if isinstance(n, ChoiceSelected)
        ]
        return sorted(refs, key=lambda r: r[1])

    def counted(self) -> list[tuple[str, int]]:
        """``(item id, offset)`` of every ``count(item)``, in text order.

        >>> parse_expression("count(acts) >= 2 and count(roles) < 3").counted()
        [('acts', 6), ('roles', 27)]
        """
        refs = [(n.item.id, n.item.offset) for n in _walk(self.root) if isinstance(n, Count)]
        return sorted(refs, key=lambda r: r[1])

    def for_choice(self, code: LiteralValue) -> Expression:
        """The condition under which the option ``code`` is offered (a plain ``show_if``).

        ``choice`` is replaced by ``code`` and constant parts are folded, so an option a filter
        always or never offers gives ``true`` or ``false``.

        >>> f = parse_choice_filter("selected(acts, choice) or choice == 'none'")
        >>> str(f.for_choice("qi")), str(f.for_choice("none"))
        ("selected(acts, 'qi')", 'true')
        """
        if not isinstance(code, bool | int | float | str):
            raise ExpressionError(f"an option code must be a number or a string, not {code!r}")
        return Expression.from_ast(_substitute(self.root, code))  # type: ignore[arg-type]

    def allowed_choices(
        self,
        data: pd.DataFrame,
        codes: Sequence[LiteralValue],
        item_types: Mapping[str, str] | None = None,
    ) -> pd.DataFrame:
        """Which options a choice filter offers each respondent (vectorised).

        Parameters
        ----------
        data : pandas.DataFrame
            Responses (as for :meth:`evaluate`).
        codes : sequence
            The codes of the filtered item's choice list.
        item_types : mapping of item id to type, optional
            As for :meth:`evaluate`.

        Returns
        -------
        pandas.DataFrame of bool
            Same index as ``data``, one column per code (in the order given): True where the
            option is offered.
        """
        import pandas as pd

        if not self.is_choice_filter:
            raise ExpressionError(
                "allowed_choices needs a choice filter (parse it with parse_choice_filter)",
                code="show-if-type",
                text=self.text,
            )
        columns = {code: self.for_choice(code).evaluate(data, item_types) for code in codes}
        return pd.DataFrame(columns, index=data.index, columns=list(codes))

    def __str__(self) -> str:
        return _fmt(self.root)

    # ---- introspection ----------------------------------------------------------------------

    @property
    def names(self) -> frozenset[str]:
        """The item ids referenced anywhere in the expression."""
        return frozenset(n.id for n in _walk(self.root) if isinstance(n, Name))

    @property
    def name_offsets(self) -> list[tuple[str, int]]:
        """``(item id, offset)`` of every item reference, in text order."""
        refs = [(n.id, n.offset) for n in _walk(self.root) if isinstance(n, Name)]
        return sorted(refs, key=lambda r: r[1])

    def literals(self) -> list[tuple[str, tuple[LiteralValue, ...], int]]:
        """Each comparison of an item with literal values.

        Returns
        -------
        list of (item id, values, offset)
            One entry per ``==``/``!=``/ordering comparison with a literal, ``in``/``not in``
            list and ``selected()`` call; ``offset`` is that of the first literal, so a loader
            can point at the code that is not in the item's choice list. Comparisons with the
            empty string (which test for a missing answer) are not listed.

        Examples
        --------
        >>> parse_expression("grade in ['FY1', 'FY2'] and selected(roles, 3)").literals()
        [('grade', ('FY1', 'FY2'), 10), ('roles', (3,), 44)]
        """
        out: list[tuple[str, tuple[LiteralValue, ...], int]] = []
        for node in _walk(self.root):
            if isinstance(node, Compare):
                c = _normalise_compare(node)
                if (
                    isinstance(c.left, Name)
                    and isinstance(c.right, Literal)
                    and not _is_blank_literal(c.right)
                ):
                    out.append((c.left.id, (c.right.value,), c.right.offset))
            elif isinstance(node, InList) and isinstance(node.subject, Name):
                vals = tuple(v.value for v in node.values)
                out.append((node.subject.id, vals, node.values[0].offset))
            elif isinstance(node, Selected):
                out.append((node.item.id, (node.value.value,), node.value.offset))
        return sorted(out, key=lambda r: r[2])

    # ---- evaluation ---------------------------------------------------------------------------

    def evaluate(
        self, data: pd.DataFrame, item_types: Mapping[str, str] | None = None
    ) -> pd.Series:
        """Evaluate the condition for every row of ``data`` (vectorised).

        Parameters
        ----------
        data : pandas.DataFrame
            Responses, one row per respondent, one column per item. A multi_choice item may be
            a single column of space-separated codes (``"a c"``) or indicator columns
            ``{item}__{code}`` holding 0/1/NA.
        item_types : mapping of item id to type, optional
            Items typed ``"multi_choice"`` have ``==``, ``!=`` and ``in`` mean "includes".
            Indicator columns are recognised without it.

        Returns
        -------
        pandas.Series of bool
            Same index as ``data``; True where the item would be shown.

        Raises
        ------
        ExpressionError
            ``code="show-if-column"`` naming an item that is not a column of ``data``;
            ``code="show-if-type"`` for an ordering comparison on a multi_choice item.

        Notes
        -----
        Missing answers follow XPath 1.0 (ODK/XLSForm) and REDCap, so that deployed forms
        agree: an answer is missing when it is NA, None, NaN or an empty (or blank) string. A
        missing answer makes ``==``, ``<``, ``<=``, ``>``, ``>=`` and ``in`` False and ``!=`` and
        ``not in`` True; ``answered(x)`` is True when the answer is not missing (for indicator
        columns: when at least one code is selected). Comparing with the empty string tests
        for a missing answer (``x == ''`` is ``not answered(x)``), as on both platforms.

        The logic is two-valued, so ``not e`` is always the complement of ``e``; but it is not
        the same as flipping the operator when answers are missing: ``not x < 3`` is True for a
        missing ``x`` while ``x >= 3`` is False (``not x == 3`` and ``x != 3`` do agree).

        Values are compared as numbers when the literal is a number (or a numeric string and
        the column is numeric), so codes may be written ``1`` or ``'1'``; otherwise as strings.
        Two items are compared as numbers where both values are numeric; otherwise equality
        compares them as text, and ordering is True only when both are non-numeric text.
        """
        import pandas as pd

        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
        if self.is_choice_filter:
            raise ExpressionError(
                "a choice filter is evaluated per option: use allowed_choices() or for_choice()",
                code="show-if-type",
                text=self.text,
            )
        ev = _Evaluator(self, data, item_types or {})
        for name, offset in self.name_offsets:
            ev.resolve(name, offset)
        return pd.Series(ev.cond(self.root), index=data.index, dtype=bool)

    # ---- translations -------------------------------------------------------------------------

    def to_xlsform(self, item_types: Mapping[str, str] | Collection[str] | None = None) -> str:
        """The expression as an XLSForm ``relevant`` column value (ODK XPath).

        Parameters
        ----------
        item_types : mapping of item id to type, or a collection of multi_choice item ids
            Multi_choice (``select_multiple``) items turn ``==``/``!=``/``in`` into
            ``selected()``.

        Returns
        -------
        str
            E.g. ``${grade} != 'FY1' and selected(${roles}, 'a')``.

        Examples
        --------
        >>> parse_expression("roles == 'a' and not age < 18").to_xlsform({"roles": "multi_choice"})
        "selected(${roles}, 'a') and not(${age} < 18)"
        """
        return _XLSForm(item_types, self.text).cond(self.root)

    def to_redcap(
        self, checkbox_items: Collection[str] | Mapping[str, Sequence[Any]] = frozenset()
    ) -> str:
        """The expression as REDCap branching logic.

        REDCap has no general ``not``: negations are pushed inward with De Morgan's laws and
        operators inverted, keeping this module's missing-answer semantics (so
        ``not x < 3`` becomes ``([x] = '' or [x] >= 3)``).

        Parameters
        ----------
        checkbox_items : collection of item ids, or mapping of item id to its codes
            Items that are REDCap checkbox fields (multi_choice): ``x == 'a'`` and
            ``selected(x, 'a')`` become ``[x(a)] = '1'``. ``answered(x)`` on a checkbox needs
            its codes (pass a mapping) and becomes ``([x(a)] = '1' or [x(b)] = '1')``.

        Returns
        -------
        str

        Examples
        --------
        >>> parse_expression("not (grade == 'FY1' and answered(lead_1))").to_redcap()
        "[grade] <> 'FY1' or [lead_1] = ''"
        >>> parse_expression("not selected(roles, 'a')").to_redcap({"roles"})
        "[roles(a)] = '0'"
        """
        return _REDCap(checkbox_items, self.text).cond(self.root, False, top=True)

    def describe(
        self,
        labels: Mapping[Any, str] | None = None,
        item_types: Mapping[str, str] | Collection[str] | None = None,
    ) -> str:
        """The condition in plain English, for documentation and printed questionnaires.

        Parameters
        ----------
        labels : mapping, optional
            ``item id -> question text`` and ``(item id, code) -> option label``.
        item_types : mapping of item id to type, or collection of multi_choice item ids
            ``==`` on a multi_choice item reads "includes".

        Returns
        -------
        str

        Examples
        --------
        >>> e = parse_expression("grade != 'FY1' and role in ['A', 'B', 'C']")
        >>> e.describe()
        'grade is not FY1 and role is one of A, B or C'
        >>> e.describe({"grade": "Your grade", ("grade", "FY1"): "Foundation year 1"})
        'Your grade is not Foundation year 1 and role is one of A, B or C'
        """
        return _Describer(labels or {}, item_types).cond(self.root, top=True)


# --------------------------------------------------------------------------------------------
# Vectorised evaluation
# --------------------------------------------------------------------------------------------


class _Evaluator:
    def __init__(self, expr: Expression, data: pd.DataFrame, item_types: Mapping[str, str]):
        import numpy as np
        import pandas as pd

        self.np = np
        self.pd = pd
        self.expr = expr
        self.data = data
        self.n = len(data)
        self.item_types = item_types
        self.cache: dict[str, tuple[str, Any]] = {}
        self.offsets = dict(reversed(expr.name_offsets))

    def err(self, msg: str, name: str, code: str) -> ExpressionError:
        return ExpressionError(msg, self.offsets.get(name, -1), code=code, text=self.expr.text)

    # column resolution --------------------------------------------------------------------
    def resolve(self, name: str, offset: int = -1) -> tuple[str, Any]:
        if name in self.cache:
            return self.cache[name]
        data = self.data
        multi = self.item_types.get(name) == "multi_choice"
        if name in data.columns:
            col = data[name]
            if isinstance(col, self.pd.DataFrame):
                raise self.err(
                    f"the data has more than one column named '{name}'", name, "show-if-column"
                )
            out: tuple[str, Any] = ("multi" if multi else "plain", col)
        else:
            prefix = f"{name}__"
            cols = [c for c in data.columns if isinstance(c, str) and c.startswith(prefix)]
            if not cols:
                also = f" (nor indicator columns '{prefix}<code>')" if multi else ""
                raise self.err(
                    f"the expression refers to item '{name}', which is not a column of the "
                    f"data{also}",
                    name,
                    "show-if-column",
                )
            out = ("indicators", {c[len(prefix) :]: data[c] for c in cols})
        self.cache[name] = out
        return out

    # primitive vectors ------------------------------------------------------------------------
    def full(self, value: bool) -> np.ndarray:
        return self.np.full(self.n, value, dtype=bool)

    def missing(self, s: pd.Series) -> np.ndarray:
        m = s.isna().to_numpy(dtype=bool)
        if not self.pd.api.types.is_numeric_dtype(s.dtype) and not self.pd.api.types.is_bool_dtype(
            s.dtype
        ):
            blank = s.astype("string").str.strip().eq("")
            m = m | blank.to_numpy(dtype=bool, na_value=False)
        return m

    def to_num(self, s: pd.Series) -> np.ndarray:
        pd = self.pd
        if pd.api.types.is_bool_dtype(s.dtype):
            s = s.astype("Float64")
        num = pd.to_numeric(s, errors="coerce")
        if pd.api.types.is_bool_dtype(num.dtype):
            num = num.astype("Float64")
        return num.astype("Float64").to_numpy(dtype=float, na_value=self.np.nan)

    def as_str(self, s: pd.Series) -> pd.Series:
        return s.astype("string")

    def bool_arr(self, s: pd.Series) -> np.ndarray:
        return s.to_numpy(dtype=bool, na_value=False)

    def const(self, lit: Literal) -> pd.Series:
        return self.pd.Series([lit.value] * self.n, dtype=object)

    # comparisons ------------------------------------------------------------------------------
    def eq_literal(self, s: pd.Series, lit: Literal) -> np.ndarray:
        np, pd = self.np, self.pd
        miss = self.missing(s)
        num = _literal_number(lit)
        v = lit.value
        if not isinstance(v, str):
            res = self.to_num(s) == num
        elif pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
            res = self.to_num(s) == num if num is not None else self.full(False)
        else:
            res = self.bool_arr(self.as_str(s) == v)
            if num is not None and s.dtype == object:
                raw = s.to_numpy(dtype=object)
                not_text = raw != s.astype(str).to_numpy(dtype=object)
                res = res | (not_text & (self.to_num(s) == num))
        return np.asarray(res, dtype=bool) & ~miss

    def order_literal(self, s: pd.Series, op: str, lit: Literal) -> np.ndarray:
        miss = self.missing(s)
        num = _literal_number(lit)
        fn = _OPS[op]
        if num is not None:
            with self.np.errstate(invalid="ignore"):
                res = fn(self.to_num(s), num)
        else:
            res = self.bool_arr(fn(self.as_str(s), lit.value))
        return self.np.asarray(res, dtype=bool) & ~miss

    def compare_literal(self, s: pd.Series, op: str, lit: Literal) -> np.ndarray:
        if _is_blank_literal(lit):
            if op in ("==", "!="):
                miss = self.missing(s)
                return miss if op == "==" else ~miss
            return self.full(False)
        if op in ("==", "!="):
            eq = self.eq_literal(s, lit)
            return eq if op == "==" else ~eq
        return self.order_literal(s, op, lit)

    def compare_columns(self, a: pd.Series, op: str, b: pd.Series) -> np.ndarray:
        np = self.np
        miss = self.missing(a) | self.missing(b)
        na, nb = self.to_num(a), self.to_num(b)
        both = ~np.isnan(na) & ~np.isnan(nb)
        fn = _OPS["==" if op == "!=" else op]
        with np.errstate(invalid="ignore"):
            as_num = fn(na, nb)
        as_str = self.bool_arr(fn(self.as_str(a), self.as_str(b)))
        if op not in ("==", "!="):  # XPath orders numbers only; two texts order as text
            as_str = as_str & np.isnan(na) & np.isnan(nb)
        res = np.where(both, as_num, as_str) & ~miss
        return ~res if op == "!=" else res

    # multi_choice -----------------------------------------------------------------------------
    def includes(self, name: str, lit: Literal) -> np.ndarray:
        kind, col = self.resolve(name)
        code = _code_text(lit)
        num = _literal_number(lit)
        if not code.strip():  # no answer includes the empty code
            return self.full(False)
        if kind == "indicators":
            key = code if code in col else None
            if key is None and num is not None:
                key = next((k for k in col if _NUMERIC_TEXT.fullmatch(k) and float(k) == num), None)
            if key is None:
                raise self.err(
                    f"the data has no indicator column '{name}__{code}' for code {code!r} of "
                    f"multi_choice item '{name}'",
                    name,
                    "show-if-column",
                )
            return self.to_num(col[key]) == 1
        s: pd.Series = col
        if self.pd.api.types.is_numeric_dtype(s.dtype):
            return self.eq_literal(s, lit)
        pattern = r"(?:^|\s)" + re.escape(code) + r"(?:\s|$)"
        text = self.as_str(s)
        hit = self.bool_arr(text.str.contains(pattern, regex=True))
        if num is not None and s.dtype == object:  # single numeric codes held as numbers
            raw = s.to_numpy(dtype=object)
            not_text = raw != s.astype(str).to_numpy(dtype=object)
            hit = hit | (not_text & (self.to_num(s) == num))
        return hit & ~self.missing(s)

    def count(self, name: str) -> np.ndarray:
        """How many options each answer holds (0 for a missing answer)."""
        np = self.np
        kind, col = self.resolve(name)
        if kind == "indicators":
            out = np.zeros(self.n, dtype=float)
            for s in col.values():
                out = out + (self.to_num(s) == 1)
            return out
        miss = self.missing(col)
        if self.pd.api.types.is_numeric_dtype(col.dtype):  # one numeric code per answer
            return np.where(miss, 0.0, 1.0)
        words = self.as_str(col).str.split().str.len()
        return np.where(miss, 0.0, words.to_numpy(dtype=float, na_value=0.0))

    def answered(self, name: str) -> np.ndarray:
        kind, col = self.resolve(name)
        if kind == "indicators":
            out = self.full(False)
            for s in col.values():
                out = out | (self.to_num(s) == 1)
            return out
        return ~self.missing(col)

    # conditions -------------------------------------------------------------------------------
    def cond(self, node: Node) -> np.ndarray:
        if isinstance(node, Name):
            return self.answered(node.id)
        if isinstance(node, Literal):
            return self.full(bool(node.value))
        if isinstance(node, Answered):
            return self.answered(node.item.id)
        if isinstance(node, Selected):
            kind, col = self.resolve(node.item.id)
            if kind in ("multi", "indicators"):
                return self.includes(node.item.id, node.value)
            return self.compare_literal(col, "==", node.value)
        if isinstance(node, Not):
            return ~self.cond(node.operand)
        if isinstance(node, And):
            out = self.cond(node.operands[0])
            for child in node.operands[1:]:
                out = out & self.cond(child)
            return out
        if isinstance(node, Or):
            out = self.cond(node.operands[0])
            for child in node.operands[1:]:
                out = out | self.cond(child)
            return out
        if isinstance(node, Compare):
            return self.compare(node)
        if isinstance(node, InList):
            out = self.full(False)
            for v in node.values:
                out = out | self.compare(Compare(node.subject, "==", v))
            return ~out if node.negated else out
        raise TypeError(f"not an expression node: {node!r}")

    def compare(self, node: Compare) -> np.ndarray:
        c = _normalise_compare(node)
        left, op, right = c.left, c.op, c.right
        if isinstance(left, Count):
            assert isinstance(right, Literal)  # the parser allows nothing else
            counts = self.count(left.item.id)
            if op == "!=":
                return self.np.asarray(counts != _literal_number(right), dtype=bool)
            return self.np.asarray(_OPS[op](counts, _literal_number(right)), dtype=bool)
        if isinstance(left, Name):
            kind, col = self.resolve(left.id)
            multi = kind in ("multi", "indicators")
            if isinstance(right, Literal):
                if multi and not _is_blank_literal(right):
                    if op not in ("==", "!="):
                        raise self.err(
                            f"'{op}' does not apply to multi_choice item '{left.id}': use ==, "
                            "!=, in or selected()",
                            left.id,
                            "show-if-type",
                        )
                    inc = self.includes(left.id, right)
                    return inc if op == "==" else ~inc
                if multi:
                    ans = self.answered(left.id)
                    return {"==": ~ans, "!=": ans}.get(op, self.full(False))
                return self.compare_literal(col, op, right)
            assert isinstance(right, Name)
            kind_r, col_r = self.resolve(right.id)
            if multi or kind_r in ("multi", "indicators"):
                which = left.id if multi else right.id
                raise self.err(
                    f"multi_choice item '{which}' cannot be compared with another item",
                    which,
                    "show-if-type",
                )
            return self.compare_columns(col, op, col_r)
        assert isinstance(right, Literal)
        return self.compare_literal(self.const(left), op, right)


def _op_eq(a: Any, b: Any) -> Any:
    return a == b


def _op_lt(a: Any, b: Any) -> Any:
    return a < b


def _op_le(a: Any, b: Any) -> Any:
    return a <= b


def _op_gt(a: Any, b: Any) -> Any:
    return a > b


def _op_ge(a: Any, b: Any) -> Any:
    return a >= b


_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "==": _op_eq,
    "<": _op_lt,
    "<=": _op_le,
    ">": _op_gt,
    ">=": _op_ge,
}


# --------------------------------------------------------------------------------------------
# XLSForm (ODK XPath)
# --------------------------------------------------------------------------------------------


class _XLSForm:
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

    def value(self, node: Value) -> str:
        if isinstance(node, Name):
            return f"${{{node.id}}}"
        v = node.value
        if isinstance(v, bool):
            return "1" if v else "0"
        if isinstance(v, str):
            return _xpath_string(v)
        if isinstance(v, float):
            return format(Decimal(repr(v)), "f")
        return str(v)

    def code(self, lit: Literal) -> str:
        return _xpath_string(_code_text(lit))

    def wrap(self, node: Node, parent: int) -> str:
        s = self.cond(node)
        return f"({s})" if _PRECEDENCE.get(type(node), 9) < parent else s

    def cond(self, node: Node) -> str:
        if isinstance(node, Name):
            return f"${{{node.id}}} != ''"
        if isinstance(node, Literal):
            return "true()" if node.value else "false()"
        if isinstance(node, Answered):
            return f"${{{node.item.id}}} != ''"
        if isinstance(node, Selected):
            return f"selected(${{{node.item.id}}}, {self.code(node.value)})"
        if isinstance(node, ChoiceSelected):  # XLSForm's choice_filter names the option 'name'
            return f"selected(${{{node.item.id}}}, name)"
        if isinstance(node, ChoiceIn):
            eqs = " or ".join(f"name = {self.code(v)}" for v in node.values)
            if node.negated:
                return f"not({eqs})" if len(node.values) > 1 else eqs.replace(" = ", " != ", 1)
            return eqs if len(node.values) == 1 else f"({eqs})"
        if isinstance(node, Not):
            return f"not({self.cond(node.operand)})"
        if isinstance(node, And):
            return " and ".join(self.wrap(c, 3) for c in node.operands)
        if isinstance(node, Or):
            return " or ".join(self.wrap(c, 2) for c in node.operands)
        if isinstance(node, Compare):
            return self.compare(node)
        if isinstance(node, InList):
            eqs = " or ".join(self.compare(Compare(node.subject, "==", v)) for v in node.values)
            return f"not({eqs})" if node.negated else f"({eqs})"
        raise TypeError(f"not an expression node: {node!r}")

    def compare(self, node: Compare) -> str:
        c = _normalise_compare(node)
        left, op, right = c.left, c.op, c.right
        if isinstance(left, Count):
            assert isinstance(right, Literal)
            return f"count-selected(${{{left.item.id}}}) {self._OP[op]} {self.value(right)}"
        assert not isinstance(right, Count)
        if _is_blank_literal(right):
            if op in ("==", "!="):
                return f"{self.value(left)} {self._OP[op]} ''"
            return "false()"
        if isinstance(left, Name) and _is_multi(left.id, self.item_types):
            if isinstance(right, Name) or op not in ("==", "!="):
                raise ExpressionError(
                    f"'{op}' with multi_choice item '{left.id}' has no XLSForm equivalent",
                    left.offset,
                    code="show-if-translate",
                    text=self.text,
                )
            sel = f"selected(${{{left.id}}}, {self.code(right)})"
            return sel if op == "==" else f"not({sel})"
        expr = f"{self.value(left)} {self._OP[op]} {self.value(right)}"
        if isinstance(left, Name) and isinstance(right, Name):
            # XPath treats two empty answers as equal; a missing answer never compares here.
            a, b = self.value(left), self.value(right)
            if op == "!=":
                return f"({a} = '' or {b} = '' or {expr})"
            return f"({a} != '' and {b} != '' and {expr})"
        return expr


# --------------------------------------------------------------------------------------------
# REDCap branching logic
# --------------------------------------------------------------------------------------------


class _REDCap:
    _OP: ClassVar[dict[str, str]] = {
        "==": "=",
        "!=": "<>",
        "<": "<",
        "<=": "<=",
        ">": ">",
        ">=": ">=",
    }

    def __init__(self, checkbox: Collection[str] | Mapping[str, Sequence[Any]], text: str) -> None:
        self.checkbox = checkbox
        self.text = text

    def err(self, msg: str, offset: int) -> ExpressionError:
        return ExpressionError(msg, offset, code="show-if-translate", text=self.text)

    def is_checkbox(self, name: str) -> bool:
        return name in self.checkbox

    @staticmethod
    def quoted(s: str) -> str:
        return f"'{s}'" if "'" not in s else f'"{s}"'

    def eq_value(self, node: Value) -> str:
        if isinstance(node, Name):
            return f"[{node.id}]"
        text = _code_text(node)
        if "'" in text and '"' in text:
            raise self.err("REDCap strings cannot hold both ' and \"", node.offset)
        return self.quoted(text)

    def order_value(self, node: Value) -> str:
        if isinstance(node, Literal) and _literal_number(node) is not None:
            return _code_text(node) if not isinstance(node.value, str) else node.value.strip()
        return self.eq_value(node)

    def cond(self, node: Node, neg: bool, top: bool = False) -> str:
        if isinstance(node, Name):
            return self.answered(node, neg)
        if isinstance(node, Literal):
            return "1 = 1" if bool(node.value) != neg else "1 = 0"
        if isinstance(node, Answered):
            return self.answered(node.item, neg)
        if isinstance(node, Selected):
            return self.equal(node.item, node.value, neg)
        if isinstance(node, ChoiceSelected | ChoiceIn):
            raise self.err(
                "a choice filter has no REDCap branching logic form (translate it option by "
                "option with for_choice())",
                -1,
            )
        if isinstance(node, Not):
            return self.cond(node.operand, not neg, top)
        if isinstance(node, (And, Or)):
            is_and = isinstance(node, And) != neg
            parts = [self.cond(c, neg) for c in node.operands]
            out = (" and " if is_and else " or ").join(parts)
            return out if top else f"({out})"
        if isinstance(node, Compare):
            return self.compare(node, neg, top)
        if isinstance(node, InList):
            eq_neg = neg != node.negated
            parts = [
                self.compare(Compare(node.subject, "==", v), eq_neg, False) for v in node.values
            ]
            if len(parts) == 1:
                return parts[0]
            out = (" and " if eq_neg else " or ").join(parts)
            return out if top else f"({out})"
        raise TypeError(f"not an expression node: {node!r}")

    def answered(self, name: Name, neg: bool) -> str:
        if self.is_checkbox(name.id):
            codes = self.checkbox.get(name.id) if isinstance(self.checkbox, Mapping) else None
            if not codes:
                raise self.err(
                    f"answered({name.id}) on REDCap checkbox item '{name.id}' needs its codes: "
                    f"pass checkbox_items={{'{name.id}': [codes...]}}",
                    name.offset,
                )
            val = "'0'" if neg else "'1'"
            parts = [f"[{name.id}({_code_text(Literal(c))})] = {val}" for c in codes]
            joined = (" and " if neg else " or ").join(parts)
            return joined if len(parts) == 1 else f"({joined})"
        return f"[{name.id}] = ''" if neg else f"[{name.id}] <> ''"

    def equal(self, name: Name, lit: Literal, neg: bool) -> str:
        if self.is_checkbox(name.id):
            return f"[{name.id}({_code_text(lit)})] = '{0 if neg else 1}'"
        return f"[{name.id}] {'<>' if neg else '='} {self.eq_value(lit)}"

    def compare(self, node: Compare, neg: bool, top: bool) -> str:
        c = _normalise_compare(node)
        left, op, right = c.left, c.op, c.right
        op_n = _NEGATE[op] if neg else op
        if isinstance(left, Count):
            # a count is never missing, so 'not' is exactly the inverted operator
            assert isinstance(right, Literal)
            codes = self.checkbox.get(left.item.id) if isinstance(self.checkbox, Mapping) else None
            if not codes:
                raise self.err(
                    f"count({left.item.id}) needs the codes of REDCap checkbox item "
                    f"'{left.item.id}': pass checkbox_items={{'{left.item.id}': [codes...]}}",
                    left.item.offset,
                )
            terms = ", ".join(f"[{left.item.id}({_code_text(Literal(c))})]" for c in codes)
            return f"sum({terms}) {self._OP[op_n]} {self.order_value(right)}"
        assert not isinstance(right, Count)

        def group(parts: list[str], conj: str) -> str:
            out = f" {conj} ".join(parts)
            return out if top else f"({out})"

        if _is_blank_literal(right):
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
        # Blank handling: keep the missing-answer semantics whatever REDCap does with blanks
        # in ordering comparisons (its JavaScript coerces '' to 0).
        blanks = [v for v in (left, right) if isinstance(v, Name)]
        if op_n in ("==", "!="):
            lv, rv = self.eq_value(left), self.eq_value(right)
            expr = f"{lv} {self._OP[op_n]} {rv}"
            if len(blanks) == 2:
                if op_n == "==":
                    return group([*(f"[{b.id}] <> ''" for b in blanks), expr], "and")
                return group([*(f"[{b.id}] = ''" for b in blanks), expr], "or")
            return expr
        expr = f"{self.order_value(left)} {self._OP[op_n]} {self.order_value(right)}"
        if neg:  # not (x < 3): True when x is missing
            return group([*(f"[{b.id}] = ''" for b in blanks), expr], "or")
        return group([*(f"[{b.id}] <> ''" for b in blanks), expr], "and")

    @staticmethod
    def _constant(c: Compare) -> bool:
        import pandas as pd

        frame = pd.DataFrame(index=range(1))
        return bool(Expression(_fmt(c), c).evaluate(frame).iloc[0])


# --------------------------------------------------------------------------------------------
# Plain English
# --------------------------------------------------------------------------------------------


class _Describer:
    _OP: ClassVar[dict[str, str]] = {
        "==": "is",
        "!=": "is not",
        "<": "is less than",
        "<=": "is at most",
        ">": "is more than",
        ">=": "is at least",
    }

    def __init__(
        self, labels: Mapping[Any, str], item_types: Mapping[str, str] | Collection[str] | None
    ) -> None:
        self.labels = labels
        self.item_types = item_types

    def item(self, name: Name) -> str:
        return str(self.labels.get(name.id, name.id))

    def code(self, name: Value, lit: Literal) -> str:
        if isinstance(name, Name):
            for key in (lit.value, _code_text(lit)):
                label = self.labels.get((name.id, key))
                if label is not None:
                    return str(label)
        v = lit.value
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return v if v.strip() else "blank"
        return _code_text(lit)

    def value(self, node: Value, other: Value) -> str:
        if isinstance(node, Name):
            return self.item(node)
        return self.code(other, node)

    def cond(self, node: Node, top: bool = False) -> str:
        if isinstance(node, Name):
            return f"answered {self.item(node)}"
        if isinstance(node, Literal):
            return "always" if node.value else "never"
        if isinstance(node, Answered):
            return f"answered {self.item(node.item)}"
        if isinstance(node, Selected):
            return f"{self.item(node.item)} includes {self.code(node.item, node.value)}"
        if isinstance(node, ChoiceSelected):
            return f"the option was chosen in {self.item(node.item)}"
        if isinstance(node, ChoiceIn):
            words = [self.code(Name("choice"), v) for v in node.values]
            verb = "is not" if node.negated else "is"
            if len(words) == 1:
                return f"the option {verb} {words[0]}"
            return f"the option {verb} one of {_join_list(words)}"
        if isinstance(node, Not):
            inner = node.operand
            if isinstance(inner, (Name, Answered)):
                name = inner if isinstance(inner, Name) else inner.item
                return f"did not answer {self.item(name)}"
            if isinstance(inner, Selected):
                return (
                    f"{self.item(inner.item)} does not include {self.code(inner.item, inner.value)}"
                )
            if isinstance(inner, Compare):
                return self.compare(inner, negate=True)
            if isinstance(inner, InList):
                return self.cond(InList(inner.subject, inner.values, not inner.negated))
            return f"not ({self.cond(inner)})"
        if isinstance(node, (And, Or)):
            conj = " and " if isinstance(node, And) else " or "
            parts = []
            for child in node.operands:
                s = self.cond(child)
                parts.append(f"({s})" if isinstance(child, (And, Or)) else s)
            return conj.join(parts)
        if isinstance(node, Compare):
            return self.compare(node)
        if isinstance(node, InList):
            subject = node.subject
            words = [self.code(subject, v) for v in node.values]
            who = self.value(subject, subject)
            if isinstance(subject, Name) and _is_multi(subject.id, self.item_types):
                verb = "does not include any of" if node.negated else "includes"
                return f"{who} {verb} {_join_list(words, 'and' if node.negated else 'or')}"
            return f"{who} is {'not ' if node.negated else ''}one of {_join_list(words)}"
        raise TypeError(f"not an expression node: {node!r}")

    def compare(self, node: Compare, negate: bool = False) -> str:
        c = _normalise_compare(node)
        op = _NEGATE[c.op] if negate else c.op
        if isinstance(c.left, Count):
            assert isinstance(c.right, Literal)
            return (
                f"the number of answers chosen in {self.item(c.left.item)} "
                f"{self._OP[op]} {_code_text(c.right)}"
            )
        left, right = c.left, c.right
        assert not isinstance(left, Count) and not isinstance(right, Count)
        if negate and c.op not in ("==", "!="):
            words = self._OP[c.op].replace("is ", "is not ", 1)
            return f"{self.value(left, right)} {words} {self.value(right, left)}"
        if isinstance(left, Name) and _is_blank_literal(right) and op in ("==", "!="):
            return f"{'did not answer' if op == '==' else 'answered'} {self.item(left)}"
        if (
            isinstance(left, Name)
            and isinstance(right, Literal)
            and _is_multi(left.id, self.item_types)
        ):
            verb = "includes" if op == "==" else "does not include"
            return f"{self.item(left)} {verb} {self.code(left, right)}"
        return f"{self.value(left, right)} {self._OP[op]} {self.value(right, left)}"
