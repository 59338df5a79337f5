"""The architecture's contracts (pyproject.toml, [tool.importlinter]) hold, and can fail.

import-linter checks every import of the package, lazy and type-only ones included: no import
circle, no private name or private module reached from outside, the layers in order, the
disclosure engines and the statistics free of surveys, the renderer reading only the
publication.
"""

from __future__ import annotations

import ast
import io
import sys
from contextlib import redirect_stdout
from pathlib import Path

import grimp
import pytest
from importlinter.application.use_cases import lint_imports
from importlinter.configuration import configure

from import_contracts import NoCycles, NoPrivateNames

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "leadership_eval"


def test_every_contract_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    configure()
    out = io.StringIO()
    with redirect_stdout(out):
        ok = lint_imports(
            config_filename=str(ROOT / "pyproject.toml"), cache_dir=None, no_logo=True
        )
    report = out.getvalue()
    assert ok, report
    assert "0 broken" in report and "8 kept" in report, report


def _package(tmp_path: Path, files: dict[str, str]) -> grimp.ImportGraph:
    name = f"archpkg_{abs(hash(tmp_path)) % 10**8}"
    pkg = tmp_path / name
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for file, text in files.items():
        (pkg / file).write_text(text.replace("PKG", name))
    sys.path.insert(0, str(tmp_path))
    try:
        return grimp.build_graph(name, cache_dir=None)
    finally:
        sys.path.remove(str(tmp_path))


def test_the_custom_contracts_fail_on_a_circle_and_a_private_name(tmp_path: Path) -> None:
    graph = _package(
        tmp_path,
        {
            "a.py": "from .b import _secret\n",
            "b.py": "_secret = 1\n\ndef f():\n    from . import c\n",
            "c.py": "from PKG import a\n",
        },
    )
    sys.path.insert(0, str(tmp_path))
    try:
        circles = NoCycles("c", {}, {}).check(graph, verbose=False)
        names = NoPrivateNames("p", {}, {}).check(graph, verbose=False)
    finally:
        sys.path.remove(str(tmp_path))
    assert not circles.kept
    assert [len(c) for c in circles.metadata["circles"]] == [3]  # a -> b -> c -> a (lazy)
    assert not names.kept
    [bad] = names.metadata["imports"]
    assert bad["name"] == "_secret" and bad["importer"].endswith(".a")


def test_the_custom_contracts_keep_a_clean_package(tmp_path: Path) -> None:
    graph = _package(tmp_path, {"a.py": "from .b import public\n", "b.py": "public = 1\n"})
    sys.path.insert(0, str(tmp_path))
    try:
        assert NoCycles("c", {}, {}).check(graph, verbose=False).kept
        assert NoPrivateNames("p", {}, {}).check(graph, verbose=False).kept
    finally:
        sys.path.remove(str(tmp_path))


MAX_FUNCTION_LINES = 80
"""Lines of code in a function's body (blank lines, comments and docstrings not counted)."""


def _code_lines(path: Path) -> dict[str, int]:
    """Lines of code (not blank, not comments, not docstrings) of each function body in a file."""
    import tokenize

    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    docs: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Module):
            body = node.body
            first = body[0] if body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                docs.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    code: set[int] = set()
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type not in skip and tok.type != tokenize.ENDMARKER:
            code.update(range(tok.start[0], tok.end[0] + 1))
    code -= docs
    out: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            end = node.end_lineno or node.lineno
            n = sum(1 for line in range(node.body[0].lineno, end + 1) if line in code)
            where = path.relative_to(SRC.parent) if path.is_relative_to(SRC.parent) else path
            out[f"{where}:{node.lineno} {node.name}"] = n
    return out


def test_no_function_is_longer_than_80_lines_of_code() -> None:
    lengths: dict[str, int] = {}
    for path in sorted(SRC.rglob("*.py")):
        lengths.update(_code_lines(path))
    long = {name: n for name, n in lengths.items() if n > MAX_FUNCTION_LINES}
    assert not long, long


def test_the_line_count_skips_docstrings_comments_and_the_signature(tmp_path: Path) -> None:
    path = tmp_path / "probe.py"
    text = (
        "def f(\n    a: int,\n) -> int:\n"
        '    """Doc.\n\n    More doc.\n    """\n'
        "    # a comment\n\n    b = a + 1\n    return b\n"
    )
    path.write_text(text, encoding="utf-8")
    assert list(_code_lines(path).values()) == [2]


def test_mccabe_complexity_is_checked_by_ruff() -> None:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    lint = config["tool"]["ruff"]["lint"]
    assert "C90" in lint["select"] and lint["mccabe"]["max-complexity"] <= 20


def test_no_submodule_hides_a_public_function() -> None:
    """Importing every module leaves each ``le.<name>`` what it was: a submodule named like a
    public function (``reliability``) would replace the function on the package."""
    import importlib
    import pkgutil
    import types

    import leadership_eval as le

    names = {n: getattr(le, n) for n in le.__all__}
    for info in pkgutil.walk_packages(le.__path__, "leadership_eval."):
        if info.name.endswith("__main__"):
            continue
        importlib.import_module(info.name)
    for name, value in names.items():
        now = getattr(le, name)
        assert now is value, name
        if isinstance(now, types.ModuleType):
            assert name in le._SUBMODULES, name


BUILTIN_ERRORS = {
    "ValueError",
    "TypeError",
    "KeyError",
    "IndexError",
    "LookupError",
    "RuntimeError",
}
"""Raised by the library only through its own classes (which derive from these as well)."""


def test_every_error_raised_is_the_librarys_own() -> None:
    """No ``raise ValueError(...)`` and the like: every error is a LeadershipEvalError with a
    reason code. Pydantic validators are the exception (pydantic turns their ValueErrors into
    located problems)."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            decorators = {ast.unparse(d).split("(")[0].split(".")[-1] for d in fn.decorator_list}
            if decorators & {"field_validator", "model_validator"}:
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                    name = ast.unparse(node.exc.func)
                    if name in BUILTIN_ERRORS:
                        found.append(f"{path.relative_to(SRC.parent)}:{node.lineno} {name}")
    assert not found, found


ATTRS_OWNERS = {
    "leadership_eval/responses/report.py",  # writes and reads the validation stamp (stamp_on)
    "leadership_eval/_results.py",  # results' deprecated .attrs, kept for one release
}
"""The only modules that touch ``DataFrame.attrs``: one mark (the stamp), with one reader."""


def test_dataframe_attrs_have_one_owner() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        where = str(path.relative_to(SRC.parent))
        if where in ATTRS_OWNERS:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "attrs":
                found.append(f"{where}:{node.lineno}")
    assert not found, found
