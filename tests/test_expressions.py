"""Tests of the show_if expression language (leadership_eval.instruments.expressions)."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import sys
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from leadership_eval.errors import LeadershipEvalError
from leadership_eval.instruments.expressions import (
    KEYWORDS,
    MAX_DEPTH,
    MAX_LENGTH,
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
    Not,
    Or,
    Selected,
    parse_choice_filter,
    parse_expression,
)


def P(text: str) -> Any:
    return parse_expression(text).root


N = Name
L = Literal


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("x", N("x")),
        ("x == 1", Compare(N("x"), "==", L(1))),
        ("x = 1", Compare(N("x"), "==", L(1))),
        ("x != 'a'", Compare(N("x"), "!=", L("a"))),
        ("x < -2.5", Compare(N("x"), "<", L(-2.5))),
        ("x <= 2", Compare(N("x"), "<=", L(2))),
        ("x > 1e3", Compare(N("x"), ">", L(1000.0))),
        ("x >= y", Compare(N("x"), ">=", N("y"))),
        ("1 < x", Compare(L(1), "<", N("x"))),
        ("x == true", Compare(N("x"), "==", L(True))),
        ("false", L(False)),
        ("x in [1, 'a', true]", InList(N("x"), (L(1), L("a"), L(True)))),
        ("x in (1, 2)", InList(N("x"), (L(1), L(2)))),
        ("x not in [1]", InList(N("x"), (L(1),), negated=True)),
        ("answered(x)", Answered(N("x"))),
        ("selected(x, 'a')", Selected(N("x"), L("a"))),
        ("selected(x, 3)", Selected(N("x"), L(3))),
        ("not x", Not(N("x"))),
        ("not not x", Not(Not(N("x")))),
        ("not x == 1", Not(Compare(N("x"), "==", L(1)))),
        ("(x == 1)", Compare(N("x"), "==", L(1))),
        ("(x) == 1", Compare(N("x"), "==", L(1))),
        ('x == "it\'s \\"q\\" \\\\ \\n"', Compare(N("x"), "==", L('it\'s "q" \\ \n'))),
        ("x == 'a\\'b'", Compare(N("x"), "==", L("a'b"))),
        ("_a1 == 0", Compare(N("_a1"), "==", L(0))),
    ],
)
def test_parse_constructs(text: str, tree: Any) -> None:
    assert P(text) == tree


def test_precedence_and_associativity() -> None:
    a, b, c = N("a"), N("b"), N("c")
    assert P("a or b and c") == Or((a, And((b, c))))
    assert P("a and b or c") == Or((And((a, b)), c))
    assert P("a and b and c") == And((a, b, c))
    assert P("a or b or c") == Or((a, b, c))
    assert P("a and (b or c)") == And((a, Or((b, c))))
    assert P("not a and b") == And((Not(a), b))
    assert P("not (a and b)") == Not(And((a, b)))
    assert P("not a == 1 or b") == Or((Not(Compare(a, "==", L(1))), b))
    assert P("a and (b and c)") == And((a, And((b, c))))


def test_literal_equality_distinguishes_booleans() -> None:
    assert L(True) != L(1)
    assert L(1) == L(1.0)
    assert L("1") != L(1)
    assert P("x == true") != P("x == 1")


def test_offsets_names_and_literals() -> None:
    e = parse_expression("grade != 'FY1' and (role in ['A', 'B'] or selected(roles, 2))")
    assert e.names == frozenset({"grade", "role", "roles"})
    assert e.name_offsets == [("grade", 0), ("role", 20), ("roles", 51)]
    assert e.literals() == [
        ("grade", ("FY1",), 9),
        ("role", ("A", "B"), 29),
        ("roles", (2,), 58),
    ]
    # literal on the left, and blank comparisons (missing tests) are not codes
    e = parse_expression("3 == x or y == ''")
    assert e.literals() == [("x", (3,), 0)]
    assert e.name_offsets == [("x", 5), ("y", 10)]
    for name, offset in parse_expression("a == b or answered(c)").name_offsets:
        assert "a == b or answered(c)"[offset : offset + len(name)] == name


@pytest.mark.parametrize(
    ("text", "offset", "fragment"),
    [
        ("", 0, "expected a condition but found end of expression"),
        ("x ==", 4, "expected a value after '==' but found end of expression"),
        ("x == ", 5, "expected a value after '==' but found end of expression"),
        ("x == and y", 5, "expected a value after '==' but found 'and'"),
        ("x && y", 2, "use 'and'"),
        ("x & y", 2, "use 'and'"),
        ("x || y", 2, "use 'or'"),
        ("!x", 0, "use 'not'"),
        ("x <> 1", 2, "use '!='"),
        ("x => 1", 2, "did you mean '>='"),
        ("x == 1 and", 10, "expected a condition after 'and' but found end of expression"),
        ("x or", 4, "expected a condition after 'or'"),
        ("not", 3, "expected a condition after 'not'"),
        ("(x == 1", 7, "expected ')' to close '(' at offset 0 but found end of expression"),
        ("x == 1)", 6, "expected 'and', 'or' or end of expression but found ')'"),
        ("x in 1", 5, "expected a list like [1, 2] after 'in' but found number 1"),
        ("x in []", 6, "in the list after 'in' but found ']'"),
        ("x in [1,", 8, "but found end of expression"),
        ("x in [1 2]", 8, "expected ',' or ']' to close the list opened at offset 5"),
        ("x in (1]", 7, "expected ',' or ')'"),
        ("answered(1)", 9, "expected an item id in answered(...) but found number 1"),
        ("answered x", 9, "expected '(' after 'answered'"),
        ("answered(x", 10, "expected ')' to close answered(...)"),
        ("selected(x)", 10, "expected ',' and a code"),
        ("selected(x, y)", 12, "expected a code"),
        ("foo(x)", 0, "unknown function 'foo'"),
        ("x == 1 y", 7, "expected 'and', 'or' or end of expression but found item id 'y'"),
        ("x == y == z", 7, "comparisons cannot be chained"),
        ("Grade == 1", 0, "item ids are lower case"),
        ("x AND y", 2, "use 'and' instead of 'AND'"),
        ("x == 'abc", 5, "not closed"),
        ("x == 'a\\q'", 7, "unknown escape"),
        ("${x} == 1", 0, "without '${...}'"),
        ("3", 0, "expected a condition but found number 3"),
        ("x == 1 or 'a'", 10, "expected a condition but found string 'a'"),
        ("not 2", 4, "expected a condition but found number 2"),
        ("(x and y) == 1", 0, "a condition cannot be compared"),
        ("answered(x) == 1", 0, "a condition cannot be compared"),
        ("x == answered(y)", 5, "a condition cannot be compared"),
        ("x not 1", 6, "expected 'in' after 'not'"),
        ("x - 1", 2, "arithmetic is not supported"),
        ("1abc == x", 0, "expected a number"),
        ("x == 1.", 5, "expected a number"),
        ("not in [1]", 0, "expected a value before 'not in'"),
        ("[1] == x", 0, "a list [...] may only follow 'in'"),
        ("a @ b", 2, "unexpected character '@'"),
        ("and", 0, "'and' is a reserved word"),
        ("x == 1e999", 5, "too large"),
    ],
)
def test_syntax_errors(text: str, offset: int, fragment: str) -> None:
    with pytest.raises(ExpressionError) as info:
        parse_expression(text)
    err = info.value
    assert err.offset == offset, err.message
    assert err.code == "show-if-syntax"
    assert fragment in err.message
    assert isinstance(err, LeadershipEvalError) and isinstance(err, ValueError)


def test_limits() -> None:
    deep = "(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1)
    with pytest.raises(ExpressionError, match="nested more than 50") as info:
        parse_expression(deep)
    assert info.value.offset == MAX_DEPTH
    with pytest.raises(ExpressionError, match="nested"):
        parse_expression("not " * (MAX_DEPTH + 1) + "x")
    ok = "(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH
    assert parse_expression(ok).root == N("x")
    long = " or ".join(["x == 1"] * 300)
    assert len(long) > MAX_LENGTH
    with pytest.raises(ExpressionError, match="the limit is 2,000") as info:
        parse_expression(long)
    assert info.value.offset == MAX_LENGTH
    with pytest.raises(ExpressionError, match="must be a string"):
        parse_expression(3)  # type: ignore[arg-type]


def test_canonical_text() -> None:
    cases = {
        "x = 1": "x == 1",
        "not (a or b) and c": "not (a or b) and c",
        "a and (b and c)": "a and (b and c)",
        "(a or b) and c": "(a or b) and c",
        "a or (b and c)": "a or b and c",
        "x in (1, 'b')": "x in [1, 'b']",
        'x == "it\'s"': "x == 'it\\'s'",
        "not not x": "not not x",
        "x not in [1]": "x not in [1]",
    }
    for text, canonical in cases.items():
        e = parse_expression(text)
        assert str(e) == canonical
        assert parse_expression(str(e)) == e


def test_frozen() -> None:
    e = parse_expression("x == 1")
    with pytest.raises(AttributeError):
        e.root = N("y")  # type: ignore[misc]
    assert hash(e) == hash(parse_expression("x = 1"))


def test_no_pandas_at_import() -> None:
    code = (
        "import sys, leadership_eval.instruments.expressions as m;"
        "m.parse_expression('x == 1 and not answered(y)').to_xlsform();"
        "print('pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------------------------------------
# Random syntax trees: print then parse is the identity
# ---------------------------------------------------------------------------------------------

names = st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True).filter(lambda s: s not in KEYWORDS)
literals = st.one_of(
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
    st.booleans(),
).map(Literal)
values = st.one_of(names.map(Name), literals)
leaves = st.one_of(
    names.map(Name),
    st.booleans().map(Literal),
    st.builds(Compare, values, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), values),
    st.builds(InList, values, st.lists(literals, min_size=1, max_size=3).map(tuple), st.booleans()),
    st.builds(Answered, names.map(Name)),
    st.builds(Selected, names.map(Name), literals),
)
conditions = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.builds(Not, inner),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: And(tuple(xs))),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: Or(tuple(xs))),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conditions)
def test_print_then_parse_roundtrip(tree: Any) -> None:
    e = Expression.from_ast(tree)
    assert e.root == tree
    assert parse_expression(str(e)).root == tree
    assert str(parse_expression(str(e))) == str(e)


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "num": [1, 2, np.nan, 3, 1],
            "code": ["1", "2", None, "", "a"],
            "mixed": pd.Series([1, "1", 1.0, None, "b"], dtype=object, index=range(10, 15)),
            "multi": ["a b", "b", "", None, "c a"],
            "ind__a": [1, 0, 0, pd.NA, 1],
            "ind__b": [1, 1, 0, pd.NA, 0],
            "ind__c": [0, 0, 0, pd.NA, 1],
        },
        index=[10, 11, 12, 13, 14],
    )


TYPES = {"multi": "multi_choice", "ind": "multi_choice"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # numeric column; NaN missing -> == / ordering False, != True
        ("num == 1", [1, 0, 0, 0, 1]),
        ("num == '1'", [1, 0, 0, 0, 1]),
        ("num != 1", [0, 1, 1, 1, 0]),
        ("num < 2", [1, 0, 0, 0, 1]),
        ("num >= 2", [0, 1, 0, 1, 0]),
        ("not num < 2", [0, 1, 1, 1, 0]),  # NA-aware: differs from num >= 2 on the missing row
        ("2 < num", [0, 0, 0, 1, 0]),
        ("num in [2, 3]", [0, 1, 0, 1, 0]),
        ("num not in [2, 3]", [1, 0, 1, 0, 1]),
        # text codes; None and '' are missing
        ("code == 1", [1, 0, 0, 0, 0]),
        ("code == '1'", [1, 0, 0, 0, 0]),
        ("code != '1'", [0, 1, 1, 1, 1]),
        ("code in [1, 'a']", [1, 0, 0, 0, 1]),
        ("code not in [1, 'a']", [0, 1, 1, 1, 0]),
        ("code < 2", [1, 0, 0, 0, 0]),
        ("code >= 'a'", [0, 0, 0, 0, 1]),
        ("answered(code)", [1, 1, 0, 0, 1]),
        ("code", [1, 1, 0, 0, 1]),
        ("code == ''", [0, 0, 1, 1, 0]),
        ("code != ''", [1, 1, 0, 0, 1]),
        # object column mixing ints, strings and floats: codes may be ints or strings
        ("mixed == '1'", [1, 1, 1, 0, 0]),
        ("mixed == 1", [1, 1, 1, 0, 0]),
        ("mixed == 'b'", [0, 0, 0, 0, 1]),
        # multi_choice as one column of space-separated codes
        ("multi == 'a'", [1, 0, 0, 0, 1]),
        ("selected(multi, 'a')", [1, 0, 0, 0, 1]),
        ("multi != 'a'", [0, 1, 1, 1, 0]),
        ("multi in ['b', 'c']", [1, 1, 0, 0, 1]),
        ("multi not in ['b', 'c']", [0, 0, 1, 1, 0]),
        ("answered(multi)", [1, 1, 0, 0, 1]),
        # the same answers as indicator columns
        ("ind == 'a'", [1, 0, 0, 0, 1]),
        ("selected(ind, 'b')", [1, 1, 0, 0, 0]),
        ("ind != 'a'", [0, 1, 1, 1, 0]),
        ("ind in ['b', 'c']", [1, 1, 0, 0, 1]),
        ("answered(ind)", [1, 1, 0, 0, 1]),
        ("ind", [1, 1, 0, 0, 1]),
        # two items; a missing value on either side never compares
        ("num == code", [1, 1, 0, 0, 0]),
        ("num != code", [0, 0, 1, 1, 1]),
        ("num < code", [0, 0, 0, 0, 0]),
        # logic and constants
        ("true", [1, 1, 1, 1, 1]),
        ("false or num == 3", [0, 0, 0, 1, 0]),
        ("num == 1 and multi == 'c'", [0, 0, 0, 0, 1]),
        ("not (num == 1 or code == 2)", [0, 0, 1, 1, 0]),
        ("1 == 1", [1, 1, 1, 1, 1]),
        ("'a' == 'b'", [0, 0, 0, 0, 0]),
        ("selected(code, 2)", [0, 1, 0, 0, 0]),
    ],
)
def test_evaluate(frame: pd.DataFrame, text: str, expected: list[int]) -> None:
    out = parse_expression(text).evaluate(frame, TYPES)
    assert out.dtype == bool
    assert list(out.index) == list(frame.index)
    assert out.astype(int).tolist() == expected


def test_evaluate_layouts_agree_without_item_types() -> None:
    single = pd.DataFrame({"m": ["1 2", "2", None, "3 1", ""]})
    ind = pd.DataFrame(
        {
            "m__1": [1, 0, np.nan, 1, 0],
            "m__2": [1, 1, np.nan, 0, 0],
            "m__3": [0, 0, np.nan, 1, 0],
        }
    )
    for text in ["m == 1", "selected(m, '2')", "m in [3, 2]", "not m == 1", "answered(m)"]:
        e = parse_expression(text)
        a = e.evaluate(single, {"m": "multi_choice"})
        b = e.evaluate(ind)  # indicator columns are recognised by name
        assert a.tolist() == b.tolist(), text
    assert parse_expression("m == 1").evaluate(ind).tolist() == [True, False, False, True, False]


def test_evaluate_boolean_and_string_dtypes() -> None:
    df = pd.DataFrame(
        {
            "b": pd.Series([True, False, None], dtype="boolean"),
            "s": pd.Series(["x", pd.NA, "y"], dtype="string"),
            "i": pd.Series([1, pd.NA, 3], dtype="Int64"),
        }
    )
    assert parse_expression("b == true").evaluate(df).tolist() == [True, False, False]
    assert parse_expression("b != 1").evaluate(df).tolist() == [False, True, True]
    assert parse_expression("s == 'x'").evaluate(df).tolist() == [True, False, False]
    assert parse_expression("i > 2").evaluate(df).tolist() == [False, False, True]
    assert parse_expression("answered(i)").evaluate(df).tolist() == [True, False, True]


def test_evaluate_errors(frame: pd.DataFrame) -> None:
    with pytest.raises(ExpressionError, match="'zz', which is not a column") as info:
        parse_expression("num == 1 or zz == 1").evaluate(frame)
    assert info.value.code == "show-if-column"
    assert info.value.offset == 12
    with pytest.raises(ExpressionError, match="does not apply to multi_choice") as info:
        parse_expression("multi < 1").evaluate(frame, TYPES)
    assert info.value.code == "show-if-type"
    with pytest.raises(ExpressionError, match="no indicator column 'ind__z'"):
        parse_expression("ind == 'z'").evaluate(frame, TYPES)
    with pytest.raises(ExpressionError, match="cannot be compared with another item"):
        parse_expression("ind == num").evaluate(frame, TYPES)
    with pytest.raises(ExpressionError, match="indicator columns"):
        parse_expression("nope == 'a'").evaluate(frame, {"nope": "multi_choice"})
    with pytest.raises(TypeError):
        parse_expression("x").evaluate({"x": [1]})  # type: ignore[arg-type]


def test_evaluate_empty_frame() -> None:
    out = parse_expression("x == 1 or answered(y)").evaluate(pd.DataFrame({"x": [], "y": []}))
    assert len(out) == 0 and out.dtype == bool


def test_evaluate_is_vectorised_on_large_frames() -> None:
    rng = np.random.default_rng(1)
    n = 200_000
    df = pd.DataFrame(
        {
            "a": rng.integers(1, 6, n).astype(float),
            "b": rng.choice(np.array(["x", "y", "", None], dtype=object), n),
            "m": rng.choice(np.array(["1 2", "3", "", None], dtype=object), n),
        }
    )
    e = parse_expression("(a >= 3 and b in ['x', 'y']) or not selected(m, 2)")
    out = e.evaluate(df, {"m": "multi_choice"})
    expected = ((df["a"] >= 3) & df["b"].isin(["x", "y"])) | ~df["m"].isin(["1 2"])
    assert (out == expected).all()


# ---------------------------------------------------------------------------------------------
# Random data: NA-aware invariants and agreement with the platforms' own semantics
# ---------------------------------------------------------------------------------------------

ITEMS = {"n1": "integer", "n2": "integer", "s1": "text", "m": "multi_choice"}
num_lit = st.integers(0, 4).map(Literal)
str_lit = st.sampled_from(["a", "b", "c"]).map(Literal)
num_name = st.sampled_from(["n1", "n2"]).map(Name)
ops = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
typed_leaves = st.one_of(
    st.builds(Compare, num_name, ops, num_lit),
    st.builds(Compare, num_lit, ops, num_name),
    st.builds(Compare, num_name, ops, num_name),
    st.builds(Compare, st.just(Name("s1")), st.sampled_from(["==", "!="]), str_lit),
    st.builds(Compare, st.just(Name("m")), st.sampled_from(["==", "!="]), str_lit),
    st.builds(
        InList, num_name, st.lists(num_lit, min_size=1, max_size=3).map(tuple), st.booleans()
    ),
    st.builds(
        InList,
        st.just(Name("s1")),
        st.lists(str_lit, min_size=1, max_size=2).map(tuple),
        st.booleans(),
    ),
    st.builds(
        InList,
        st.just(Name("m")),
        st.lists(str_lit, min_size=1, max_size=2).map(tuple),
        st.booleans(),
    ),
    st.builds(Answered, st.sampled_from(["n1", "s1", "m"]).map(Name)),
    st.sampled_from(["n1", "n2", "s1", "m"]).map(Name),
    st.builds(Selected, st.just(Name("m")), str_lit),
    st.builds(Selected, st.just(Name("s1")), str_lit),
    st.booleans().map(Literal),
    st.builds(Compare, st.just(Count(Name("m"))), ops, num_lit),
    st.builds(Compare, num_lit, ops, st.just(Count(Name("m")))),
)
typed_conditions = st.recursive(
    typed_leaves,
    lambda inner: st.one_of(
        st.builds(Not, inner),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: And(tuple(xs))),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: Or(tuple(xs))),
    ),
    max_leaves=8,
)

# every combination of a few values, missing ones included
_n = [1.0, 2.0, 3.0, np.nan]
_s = ["a", "b", "", None]
_m = ["a", "a b", "c", "", None]
GRID = pd.MultiIndex.from_product([_n, _n, _s, _m], names=["n1", "n2", "s1", "m"]).to_frame(
    index=False
)


@settings(max_examples=120, deadline=None)
@given(typed_conditions)
def test_not_is_complement(tree: Any) -> None:
    e = Expression.from_ast(tree)
    neg = Expression.from_ast(Not(tree))
    assert (neg.evaluate(GRID, ITEMS) == ~e.evaluate(GRID, ITEMS)).all()


@settings(max_examples=60, deadline=None)
@given(num_name, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), num_lit)
def test_not_versus_flipped_operator_na_aware(name: Name, op: str, lit: Literal) -> None:
    """``not x op v`` equals ``x op' v`` off missing rows; on missing rows only for == and !=."""
    flipped = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}[op]
    a = Expression.from_ast(Not(Compare(name, op, lit))).evaluate(GRID)
    b = Expression.from_ast(Compare(name, flipped, lit)).evaluate(GRID)
    present = GRID[name.id].notna()
    assert (a[present] == b[present]).all()
    if op in ("==", "!="):
        assert (a == b).all()
    else:
        assert a[~present].all() and not b[~present].any()


# --- a tiny, independent evaluator of REDCap branching logic ------------------------------

_RC_TOKEN = re.compile(
    r"\s*(?:(?P<var>\[[a-z0-9_]+(?:\([^)]*\))?\])|(?P<str>'[^']*'|\"[^\"]*\")|"
    r"(?P<num>-?\d+(?:\.\d+)?)|(?P<op><>|<=|>=|=|<|>)|(?P<kw>and|or)\b|(?P<fn>sum\()|"
    r"(?P<comma>,)|(?P<p>[()]))"
)


def _rc_tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _RC_TOKEN.match(text, pos)
        assert m, f"REDCap syntax error at {pos}: {text[pos:]!r}"
        kind = m.lastgroup
        assert kind is not None
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def redcap_eval(text: str, record: dict[str, str], checkbox: dict[str, set[str]]) -> bool:
    """REDCap semantics: values are strings ('' blank); = and <> compare numbers when both are
    numeric, else text; < etc. coerce like JavaScript ('' -> 0), the worst case for blanks."""
    toks = _rc_tokens(text)
    pos = 0

    def value(tok: tuple[str, str]) -> str:
        kind, raw = tok
        if kind == "var":
            m = re.fullmatch(r"\[([a-z0-9_]+)(?:\(([^)]*)\))?\]", raw)
            assert m
            if m.group(2) is not None:
                return "1" if m.group(2) in checkbox.get(m.group(1), set()) else "0"
            return record[m.group(1)]
        if kind == "str":
            return raw[1:-1]
        return raw

    def num(s: str) -> float | None:
        try:
            return float(s)
        except ValueError:
            return None

    def operand() -> str:
        """A value: a field, a constant, or REDCap's sum() of fields (1/0 for checkboxes)."""
        nonlocal pos
        if toks[pos][0] == "fn":
            pos += 1
            total = 0.0
            while True:
                total += float(value(toks[pos]))
                pos += 1
                if toks[pos] == ("p", ")"):
                    pos += 1
                    return str(total)
                assert toks[pos][0] == "comma"
                pos += 1
        pos += 1
        return value(toks[pos - 1])

    def atom() -> bool:
        nonlocal pos
        if toks[pos] == ("p", "("):
            pos += 1
            r = disj()
            assert toks[pos] == ("p", ")")
            pos += 1
            return r
        a = operand()
        k, op = toks[pos]
        pos += 1
        b = operand()
        assert k == "op"
        if op in ("=", "<>"):
            na, nb = num(a), num(b)
            eq = na == nb if na is not None and nb is not None else a == b
            return eq if op == "=" else not eq
        xa = 0.0 if a == "" else num(a)
        xb = 0.0 if b == "" else num(b)
        if xa is None or xb is None:
            return False
        return {"<": xa < xb, "<=": xa <= xb, ">": xa > xb, ">=": xa >= xb}[op]

    def conj() -> bool:
        nonlocal pos
        r = atom()
        while pos < len(toks) and toks[pos] == ("kw", "and"):
            pos += 1
            r = atom() and r
        return r

    def disj() -> bool:
        nonlocal pos
        r = conj()
        while pos < len(toks) and toks[pos] == ("kw", "or"):
            pos += 1
            r = conj() or r
        return r

    result = disj()
    assert pos == len(toks), f"trailing REDCap tokens in {text!r}"
    return result


def _text(v: Any) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)


def _records(grid: pd.DataFrame) -> list[tuple[dict[str, str], dict[str, set[str]]]]:
    out = []
    for row in grid.itertuples(index=False):
        rec = {
            "n1": "" if math.isnan(row.n1) else str(int(row.n1)),
            "n2": "" if math.isnan(row.n2) else str(int(row.n2)),
            "s1": _text(row.s1),
            "m": _text(row.m),
        }
        out.append((rec, {"m": set(rec["m"].split())}))
    return out


RECORDS = _records(GRID)
CHECKBOX = {"m": ["a", "b", "c"]}


@settings(max_examples=80, deadline=None)
@given(typed_conditions)
def test_redcap_translation_agrees_with_evaluation(tree: Any) -> None:
    e = Expression.from_ast(tree)
    logic = e.to_redcap(CHECKBOX)
    assert "not" not in logic  # REDCap has no 'not'
    expected = e.evaluate(GRID, ITEMS).tolist()
    got = [redcap_eval(logic, rec, cb) for rec, cb in RECORDS]
    assert got == expected, logic


@pytest.mark.parametrize(
    ("text", "redcap"),
    [
        ("x == 'a'", "[x] = 'a'"),
        ("x != 'a'", "[x] <> 'a'"),
        ("x == 1", "[x] = '1'"),
        ("answered(x)", "[x] <> ''"),
        ("not answered(x)", "[x] = ''"),
        ("not x == 1", "[x] <> '1'"),
        ("not x in [1, 2]", "[x] <> '1' and [x] <> '2'"),
        ("x in [1, 2] and y", "([x] = '1' or [x] = '2') and [y] <> ''"),
        ("not (a == 1 and b == 2)", "[a] <> '1' or [b] <> '2'"),
        ("not (a == 1 or b == 2) and c", "([a] <> '1' and [b] <> '2') and [c] <> ''"),
        ("selected(cb, 'a')", "[cb(a)] = '1'"),
        ("cb == 3", "[cb(3)] = '1'"),
        ("not selected(cb, 'a')", "[cb(a)] = '0'"),
        ("cb != 'a'", "[cb(a)] = '0'"),
        ("x < 3", "[x] <> '' and [x] < 3"),
        ("not x < 3", "[x] = '' or [x] >= 3"),
        ('x == "it\'s"', '[x] = "it\'s"'),
    ],
)
def test_redcap_examples(text: str, redcap: str) -> None:
    assert parse_expression(text).to_redcap({"cb"}) == redcap


def test_redcap_errors() -> None:
    with pytest.raises(ExpressionError, match="needs its codes") as info:
        parse_expression("answered(cb)").to_redcap({"cb"})
    assert info.value.code == "show-if-translate"
    assert parse_expression("answered(cb)").to_redcap({"cb": [1, 2]}) == (
        "([cb(1)] = '1' or [cb(2)] = '1')"
    )
    with pytest.raises(ExpressionError, match="no REDCap equivalent"):
        parse_expression("cb < 2").to_redcap({"cb"})


# --- XLSForm: pyxform accepts it; an XPath 1.0 engine (libxml2) agrees with evaluation ----------


def _xpath_selected(context: Any, nodes: Any, code: Any) -> bool:
    text = nodes[0].text if isinstance(nodes, list) and nodes else ""
    return str(code) in (text or "").split()


def _xpath_count_selected(context: Any, nodes: Any) -> float:
    text = nodes[0].text if isinstance(nodes, list) and nodes else ""
    return float(len((text or "").split()))


etree.FunctionNamespace(None)["selected"] = _xpath_selected
etree.FunctionNamespace(None)["count-selected"] = _xpath_count_selected


def _xpath(relevant: str) -> etree.XPath:
    return etree.XPath(re.sub(r"\$\{([a-z0-9_]+)\}", r"/data/\1", relevant))


def _documents(grid: pd.DataFrame) -> list[Any]:
    docs = []
    for rec, _ in _records(grid):
        root = etree.Element("data")
        for k, v in rec.items():
            etree.SubElement(root, k).text = v or None
        docs.append(root)
    return docs


DOCUMENTS = _documents(GRID)


@settings(max_examples=80, deadline=None)
@given(typed_conditions)
def test_xlsform_translation_agrees_with_xpath(tree: Any) -> None:
    e = Expression.from_ast(tree)
    relevant = e.to_xlsform(ITEMS)
    xp = _xpath(relevant)  # raises XPathSyntaxError if the XPath is malformed
    got = [bool(xp(doc)) for doc in DOCUMENTS]
    assert got == e.evaluate(GRID, ITEMS).tolist(), relevant


@pytest.mark.parametrize(
    ("text", "xlsform"),
    [
        ("x == 'a'", "${x} = 'a'"),
        ("x != 'a'", "${x} != 'a'"),
        ("x == 1", "${x} = 1"),
        ("x >= 2.5", "${x} >= 2.5"),
        ("x > 1e-05", "${x} > 0.00001"),
        ("answered(x)", "${x} != ''"),
        ("x", "${x} != ''"),
        ("not answered(x)", "not(${x} != '')"),
        ("selected(m, 'a')", "selected(${m}, 'a')"),
        ("selected(m, 2)", "selected(${m}, '2')"),
        ("m == 'a'", "selected(${m}, 'a')"),
        ("m != 'a'", "not(selected(${m}, 'a'))"),
        ("x in [1, 'b']", "(${x} = 1 or ${x} = 'b')"),
        ("x not in [1, 2]", "not(${x} = 1 or ${x} = 2)"),
        ("a or b and c", "${a} != '' or ${b} != '' and ${c} != ''"),
        ("(a or b) and not c", "(${a} != '' or ${b} != '') and not(${c} != '')"),
        ("true and x == true", "true() and ${x} = 1"),
        ('x == "it\'s"', '${x} = "it\'s"'),
        ("x == 'a\\'b\"c'", "${x} = concat('a', \"'\", 'b\"c')"),
    ],
)
def test_xlsform_examples(text: str, xlsform: str) -> None:
    assert parse_expression(text).to_xlsform({"m": "multi_choice"}) == xlsform


XLSFORM_CASES = [
    "grade != 'FY1'",
    "grade in ['FY1', 'FY2'] and not answered(notes)",
    "selected(roles, 'mentor') or roles == 'other'",
    "not (age < 30 or age >= 60) and age != 45",
    "roles not in ['mentor', 'other'] or true",
    "grade == \"it's\" or notes == 'a\\'b\"c'",
    "age == age2 or age < age2",
    "age > -1.5 and age <= 1e3",
]


def test_pyxform_accepts_translations() -> None:
    from pyxform.xls2xform import convert

    rows = [
        "| survey |",
        "| | type | name | label | relevant |",
        "| | select_one grade | grade | Grade | |",
        "| | select_multiple roles | roles | Roles | |",
        "| | integer | age | Age | |",
        "| | integer | age2 | Age 2 | |",
        "| | text | notes | Notes | |",
    ]
    types = {"roles": "multi_choice"}
    for i, text in enumerate(XLSFORM_CASES):
        relevant = parse_expression(text).to_xlsform(types)
        _xpath(relevant)
        assert "|" not in relevant
        rows.append(f"| | note | q{i} | Q{i} | {relevant} |")
    rows += [
        "| choices |",
        "| | list_name | name | label |",
        "| | grade | FY1 | Foundation year 1 |",
        "| | grade | FY2 | Foundation year 2 |",
        "| | roles | mentor | Mentor |",
        "| | roles | other | Other |",
    ]
    md = "\n".join(rows)
    java = shutil.which("java") is not None
    result = convert(xlsform=md, file_type=".md", validate=java)  # ODK Validate when Java exists
    for i in range(len(XLSFORM_CASES)):
        assert f'nodeset="/data/q{i}"' in result.xform
        assert "relevant=" in result.xform


# ---------------------------------------------------------------------------------------------
# Plain English
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("grade != 'FY1'", "grade is not FY1"),
        ("answered(lead_1)", "answered lead_1"),
        ("lead_1", "answered lead_1"),
        ("not answered(lead_1)", "did not answer lead_1"),
        ("role in ['A', 'B', 'C']", "role is one of A, B or C"),
        ("role not in ['A', 'B']", "role is not one of A or B"),
        ("age >= 30", "age is at least 30"),
        ("not age < 30", "age is not less than 30"),
        ("not grade == 'FY1'", "grade is not FY1"),
        ("30 < age", "age is more than 30"),
        ("selected(roles, 'm')", "roles includes m"),
        ("not selected(roles, 'm')", "roles does not include m"),
        ("roles == 'm'", "roles includes m"),
        ("a and (b or c)", "answered a and (answered b or answered c)"),
        ("not (a and b)", "not (answered a and answered b)"),
        ("notes == ''", "did not answer notes"),
    ],
)
def test_describe(text: str, english: str) -> None:
    assert parse_expression(text).describe(item_types={"roles"}) == english


def test_describe_with_labels() -> None:
    labels = {
        "grade": "Your grade",
        ("grade", "FY1"): "Foundation year 1",
        "role": "Your role",
        ("role", 1): "Trainee",
        ("role", "2"): "Supervisor",
    }
    e = parse_expression("grade != 'FY1' and role in [1, 2, 3]")
    assert e.describe(labels) == (
        "Your grade is not Foundation year 1 and Your role is one of Trainee, Supervisor or 3"
    )


# --- count() and choice filters ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("count(m) >= 2", Compare(Count(Name("m")), ">=", Literal(2))),
        ("2 <= count(m)", Compare(Literal(2), "<=", Count(Name("m")))),
        ("count(count) == 0", Compare(Count(Name("count")), "==", Literal(0))),
        ("count > 1", Compare(Name("count"), ">", Literal(1))),  # an item may be called count
    ],
)
def test_count_parses(text: str, tree: Any) -> None:
    assert P(text) == tree
    assert parse_expression(str(parse_expression(text))).root == tree  # canonical text


@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [
        ("count(m)", 6, "is a number, not a condition"),
        ("count(m) >= 'a'", 12, "compared with a number"),
        ("count(m) == n1", 12, "compared with a number"),
        ("count(m) in [1, 2]", 0, "not 'in'"),
        ("count(1) > 0", 6, "an item id in count(...)"),
        ("count(m > 0", 8, "')' to close count(...)"),
    ],
)
def test_count_errors(text: str, offset: int, message: str) -> None:
    with pytest.raises(ExpressionError) as info:
        parse_expression(text)
    assert info.value.offset == offset and message in str(info.value)


def test_count_evaluates_in_every_layout() -> None:
    e = parse_expression("count(m) >= 2")
    data = pd.DataFrame({"m": ["a b", "a", "", None, "a b c"]})
    assert e.evaluate(data, {"m": "multi_choice"}).tolist() == [True, False, False, False, True]
    wide = pd.DataFrame({"m__a": [1, 1, 0, None], "m__b": [1, 0, 0, None]})
    assert e.evaluate(wide).tolist() == [True, False, False, False]
    # a missing answer counts 0, so 'not' is exactly the inverted operator
    assert parse_expression("count(m) < 1").evaluate(data).tolist() == [
        False,
        False,
        True,
        True,
        False,
    ]


def test_count_translations() -> None:
    e = parse_expression("not count(m) >= 2")
    assert e.to_xlsform({"m": "multi_choice"}) == "not(count-selected(${m}) >= 2)"
    assert e.to_redcap({"m": ["a", "b"]}) == "sum([m(a)], [m(b)]) < 2"
    assert e.describe() == "the number of answers chosen in m is less than 2"
    with pytest.raises(ExpressionError, match="needs the codes"):
        e.to_redcap({"m"})


def test_choice_is_an_item_id_outside_choice_filters() -> None:
    assert parse_expression("choice == 'a'").names == {"choice"}


def test_choice_filter_parses_translates_and_evaluates() -> None:
    f = parse_choice_filter("selected(m, choice) and choice not in ['c', 'd'] or choice == 'x'")
    assert f.is_choice_filter
    assert f.choice_items() == [("m", 9)]
    assert f.choice_values() == [(("c", "d"), 39), (("x",), 62)]
    assert isinstance(f.root, Or)
    assert f.root.operands[1] == ChoiceIn((Literal("x"),))
    assert parse_choice_filter(str(f)).root == f.root
    assert Expression.from_ast(f.root) == f
    assert f.to_xlsform({"m": "multi_choice"}) == (
        "selected(${m}, name) and not(name = 'c' or name = 'd') or name = 'x'"
    )
    assert f.describe() == (
        "(the option was chosen in m and the option is not one of c or d) or the option is x"
    )
    assert str(f.for_choice("a")) == "selected(m, 'a')"
    assert str(f.for_choice("c")) == "false"
    assert str(f.for_choice("x")) == "true"
    data = pd.DataFrame({"m": ["a c", "b", None]})
    offered = f.allowed_choices(data, ["a", "b", "c", "x"], {"m": "multi_choice"})
    assert offered.to_numpy().tolist() == [
        [True, False, False, True],
        [False, True, False, True],
        [False, False, False, True],
    ]
    with pytest.raises(ExpressionError, match="per option"):
        f.evaluate(data)
    with pytest.raises(ExpressionError, match="no REDCap branching logic"):
        f.to_redcap({"m"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("selected(m, 'a')", "must depend on the option offered"),
        ("choice", "'choice' alone is not a condition"),
        ("choice > 'a'", "compared for equality only"),
        ("'a' == choice", "write 'choice' on the left"),
        ("selected(choice, choice)", "an item id in selected(...)"),
        ("choice == m", "a code (a number or a quoted string)"),
    ],
)
def test_choice_filter_errors(text: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=re.escape(message)):
        parse_choice_filter(text)


@settings(max_examples=60, deadline=None)
@given(typed_conditions, st.sampled_from(["a", "b", "c"]))
def test_a_filter_offers_an_option_exactly_where_its_condition_holds(tree: Any, code: str) -> None:
    """for_choice() folds constants without changing meaning: the option is offered where the
    filter, with the option's code put in, holds."""
    f = Expression.from_ast(And((tree, Or((ChoiceSelected(Name("m")), ChoiceIn((Literal("a"),)))))))
    direct = Expression.from_ast(
        And((tree, Or((Selected(Name("m"), Literal(code)), Literal(code == "a")))))
    )
    offered = f.allowed_choices(GRID, [code], ITEMS)[code]
    assert offered.tolist() == direct.evaluate(GRID, ITEMS).tolist()
