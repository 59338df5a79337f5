"""The documentation covers the public API, the problem codes and the format; CITATION.cff is valid.

These are fast text checks; the docs themselves are built (with -W -n, html and doctest) by
``./dev test``.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
import yaml

import leadership_eval as le
from leadership_eval.instruments.loader import loads_instrument

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
API = DOCS / "api"


def _api_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(API.glob("*.rst")))


def _documented_paths(name: str) -> set[str]:
    """Dotted paths under which a public name may be documented: where ``le`` imports it from,
    and where the object is defined."""
    paths = {f"leadership_eval.{le._EXPORTS[name]}.{name}"}
    obj = getattr(le, name)
    module = getattr(obj, "__module__", None)
    if isinstance(module, str) and module.startswith("leadership_eval"):
        paths.add(f"{module}.{name}")
    return paths


@pytest.mark.parametrize("name", [n for n in le.__all__ if n != "__version__"])
def test_every_public_name_is_in_the_api_reference(name: str) -> None:
    text = _api_text()
    paths = _documented_paths(name)
    directive = re.compile(
        r"^\.\. (?:auto\w+|autopydantic_model|py:\w+):: ("
        + "|".join(map(re.escape, paths))
        + r")\s*$",
        re.MULTILINE,
    )
    assert directive.search(text), f"{name} is not documented in docs/api (looked for {paths})"


def test_api_pages_are_all_in_the_toctree() -> None:
    index = (API / "index.rst").read_text(encoding="utf-8")
    for page in API.glob("*.rst"):
        if page.stem != "index":
            assert f"   {page.stem}\n" in index, page.name


def test_api_directives_name_importable_objects() -> None:
    targets = re.findall(
        r"^\.\. (?:autofunction|autoclass|autoexception|autopydantic_model|autodata):: (\S+)",
        _api_text(),
        re.MULTILINE,
    )
    assert targets
    for target in targets:
        module, _, attr = target.rpartition(".")
        assert hasattr(importlib.import_module(module), attr), target


def _problem_codes() -> set[str]:
    src = ROOT / "src" / "leadership_eval" / "instruments"
    codes: set[str] = set()
    for path in (
        src / "loader.py",
        src / "checks.py",
        src / "catalogue.py",
        src.parent / "document.py",
    ):
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r"\"([a-z][a-z0-9]*(?:-[a-z0-9]+)+)\"", text))
    return codes - {"utf-8", "utf-8-sig"}


def test_every_problem_code_is_documented() -> None:
    # the problems page renders the registry (errors.REASONS) with its reason-codes directive
    from leadership_eval.errors import reason_codes

    page = (DOCS / "format" / "problems.rst").read_text(encoding="utf-8")
    assert ".. reason-codes:: references" in page
    codes = _problem_codes()
    assert len(codes) > 40
    missing = sorted(c for c in codes if c not in reason_codes())
    assert not missing, f"problem codes missing from errors.REASONS: {missing}"


def _yaml_blocks(page: Path) -> list[str]:
    """The ``.. code-block:: yaml`` blocks of a page that hold a whole instrument."""
    blocks = []
    lines = page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() == ".. code-block:: yaml":
            i += 1
            body = []
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith("   ")):
                body.append(lines[i][3:])
                i += 1
            text = "\n".join(body).strip("\n")
            if text.startswith("kind: survey"):
                blocks.append(text)
        else:
            i += 1
    return blocks


def test_the_survey_example_of_the_format_guide_loads() -> None:
    blocks = _yaml_blocks(DOCS / "format" / "surveys.rst")
    assert blocks
    for text in blocks:
        survey = loads_instrument(text, "surveys.rst")
        assert survey.kind == "survey"


def test_citation_cff_is_valid() -> None:
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    for key in ("cff-version", "message", "title", "authors", "version", "date-released"):
        assert key in cff, key
    assert cff["cff-version"] == "1.2.0"
    assert str(cff["version"]) == le.__version__
    assert cff["license"] == "MIT"
    assert cff["authors"] == [{"name": "The leadership-eval developers"}]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(cff["date-released"]))
    assert cff["abstract"] and cff["keywords"]


def test_bibliography_keys_cited_in_the_docs_exist() -> None:
    bib = (DOCS / "references.bib").read_text(encoding="utf-8")
    keys = set(re.findall(r"^@\w+\{([^,]+),", bib, re.MULTILINE))
    cited: set[str] = set()
    for page in DOCS.rglob("*.rst"):
        if "_build" in page.parts or "catalogue" in page.parts:
            continue
        for group in re.findall(r":cite:[pt]?:`([^`]+)`", page.read_text(encoding="utf-8")):
            cited |= {k.strip() for k in group.split(",")}
    assert cited
    assert cited <= keys, sorted(cited - keys)
