"""One registry of reason codes (errors.REASONS): every code the source reports is in it, every
code in it is reported somewhere, and the problems page renders every area."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from leadership_eval import errors
from leadership_eval.errors import REASONS, describe_reason, reason_codes

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "leadership_eval"
CODE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
# calls that report a code: errors (code= or their second argument), Problem(file, line, column,
# code, ...), and the collectors' add/problem(where..., code, ...)
ERRORS = {
    "DataError",
    "ConfigurationError",
    "DisclosureError",
    "ExpressionError",
    "ArgumentError",
    "NotATableError",
    "SolverError",
}


def _trees() -> list[tuple[Path, ast.AST]]:
    return [(p, ast.parse(p.read_text(encoding="utf-8"))) for p in sorted(SRC.rglob("*.py"))]


def _literal(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value):
        return node.value
    return None


def _reported() -> dict[str, str]:
    """code -> where, for every literal code passed where a code is reported."""
    found: dict[str, str] = {}
    for path, tree in _trees():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            # (argument, whether a one-word literal counts: not for add/problem, whose other
            # arguments are column names)
            candidates = [(kw.value, True) for kw in node.keywords if kw.arg == "code"]
            if name in ERRORS and len(node.args) > 1:
                candidates.append((node.args[1], True))
            elif name == "Problem" and len(node.args) > 3:
                candidates.append((node.args[3], True))
            elif name in ("add", "problem") and len(node.args) > 1:
                candidates += [(arg, False) for arg in node.args[1:3]]
            for cand, one_word in candidates:
                arms = [cand.body, cand.orelse] if isinstance(cand, ast.IfExp) else [cand]
                for sub in arms:  # a literal, or both arms of `"a" if ... else "b"`
                    code = _literal(sub)
                    if code is not None and (one_word or "-" in code):
                        found.setdefault(code, f"{path.relative_to(SRC)}:{node.lineno}")
    return found


def test_every_reported_code_is_registered() -> None:
    known = reason_codes()
    missing = {c: where for c, where in _reported().items() if c not in known}
    assert not missing, f"reason codes used but not in errors.REASONS: {missing}"


def test_every_registered_code_is_used_somewhere() -> None:
    text = "\n".join(
        p.read_text(encoding="utf-8") for p in SRC.rglob("*.py") if p.name != "errors.py"
    )
    defaults = {"invalid-data", "configuration", "disclosure", "solver-failed", "bad-argument"}
    unused = sorted(c for c in reason_codes() - defaults if f'"{c}"' not in text)
    assert not unused, f"registered but never reported: {unused}"
    errors_text = (SRC / "errors.py").read_text(encoding="utf-8")
    for code in defaults:  # the exceptions' own defaults
        assert f'code: str = "{code}"' in errors_text, code


def test_the_problems_page_renders_every_area() -> None:
    page = (ROOT / "docs" / "format" / "problems.rst").read_text(encoding="utf-8")
    shown = set(re.findall(r"^\.\. reason-codes:: (\S+)$", page, re.MULTILINE))
    assert shown == set(REASONS) == set(errors.REASON_AREAS)


def test_meanings_are_plain_sentences() -> None:
    for area, codes in REASONS.items():
        for code, meaning in codes.items():
            assert CODE.match(code), (area, code)
            assert meaning and meaning[0].islower() and not meaning.endswith("."), (area, code)


@pytest.mark.parametrize(
    ("code", "part"),
    [("loosens-policy", "tighten"), ("duplicate-id", "; "), ("no-such-code", "")],
)
def test_describe_reason(code: str, part: str) -> None:
    text = describe_reason(code)
    assert (part in text) if part else text == ""
