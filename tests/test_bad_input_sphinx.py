"""Bad input to the Sphinx extension (``leadership_eval.sphinxext``): directives, texts, config.

One named regression test per case found in a hostile-input sweep of the ``instrument`` and
``coverage-matrix`` directives and the ``leadership_eval_catalogue_pages`` setting; each failed
on the code before its fix. Each test builds a tiny Sphinx project in ``tmp_path``, in process.

The rules checked: a bad file, path, option or setting gets a Sphinx warning that names the .rst
file and line (``type="leadership_eval"``, subtype the problem code, so it can be filtered) and
says what is wrong, never a traceback; a broken instrument leaves a visible error box in the
page rather than a silent gap; paths are resolved as Sphinx resolves them (relative to the
document, ``/`` for the source folder), never against the working directory; and no text of an
instrument can inject markup, HTML, links to scripts or files from disk into the page.
"""

from __future__ import annotations

import io
import re
import warnings as pywarnings
from pathlib import Path

import pytest
from sphinx.application import Sphinx
from sphinx.util.docutils import docutils_namespace, patch_docutils

NO_PAGES = "leadership_eval_catalogue_pages = ''\n"

SURVEY = """kind: survey
id: tiny
version: 1.0.0
title: Tiny
description: {description}
choice_lists:
  yn:
    options:
      - {{code: {code}, label: "Yes"}}
      - {{code: 0, label: "{label}"}}
sections:
  - id: s
    title: S
    items:
      - {{id: a, type: choice, choices: yn, text: A question}}
"""


def _survey(description: str = "A survey.", code: str = "1", label: str = "No") -> str:
    return SURVEY.format(description=description, code=code, label=label)


def _build(
    tmp_path: Path,
    index: str,
    files: dict[str, str] | None = None,
    conf: str = NO_PAGES,
    *,
    werror: bool = False,
) -> tuple[str, str, int]:
    """Build a project with ``index.rst`` and ``files``; its warnings, index.html, status."""
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    (src / "conf.py").write_text("extensions = ['leadership_eval.sphinxext']\n" + conf)
    (src / "index.rst").write_text(index)
    for name, text in (files or {}).items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text(text, encoding="utf-8")
    warnings = io.StringIO()
    with patch_docutils(str(src)), docutils_namespace():
        app = Sphinx(
            str(src),
            str(src),
            str(tmp_path / "out"),
            str(tmp_path / "doctrees"),
            "html",
            status=None,
            warning=warnings,
            warningiserror=werror,
            freshenv=True,
        )
        app.build()
    page = tmp_path / "out" / "index.html"
    html = page.read_text(encoding="utf-8") if page.exists() else ""
    return re.sub(r"\x1b\[[0-9;]*m", "", warnings.getvalue()), html, app.statuscode


# ------------------------------------------------------------------ broken instrument files

BROKEN = """kind: survey
id: x
version: '1'
title: T
sections:
  - id: s
    title: S
    items:
      - id: q
        type: likert
        text: Q
        choices: nolist
        bogus: 1
"""


def test_each_problem_of_an_instrument_is_its_own_located_warning(tmp_path: Path) -> None:
    warnings, _, _ = _build(tmp_path, "T\n=\n\n.. instrument:: x.yaml\n", {"x.yaml": BROKEN})
    lines = [w for w in warnings.splitlines() if "WARNING" in w]
    assert len(lines) == 3, warnings
    assert all(w.startswith(f"{tmp_path / 'src' / 'index.rst'}:4: WARNING: ") for w in lines)
    assert "x.yaml:3:10: invalid-format" in lines[0]
    assert lines[0].endswith("[leadership_eval.invalid-format]")
    assert lines[2].endswith("[leadership_eval.unknown-field]")


def test_a_broken_instrument_leaves_a_visible_error_box(tmp_path: Path) -> None:
    _, html, _ = _build(tmp_path, "T\n=\n\n.. instrument:: x.yaml\n", {"x.yaml": BROKEN})
    assert "could not be rendered" in html
    assert "x.yaml:12:18: unknown-choice-list" in html
    assert str(tmp_path) not in html  # the author's own folders are not published


def test_instrument_warnings_can_be_suppressed_by_type(tmp_path: Path) -> None:
    conf = NO_PAGES + "suppress_warnings = ['leadership_eval']\n"
    warnings, _, _ = _build(tmp_path, ".. instrument:: no-such-id\n", conf=conf)
    assert warnings == ""


# ------------------------------------------------------------------------------------ paths


def test_a_path_is_relative_to_the_document(tmp_path: Path) -> None:
    files = {"sub/page.rst": "P\n=\n\n.. instrument:: s.yaml\n", "sub/s.yaml": _survey()}
    warnings, _, _ = _build(tmp_path, "T\n=\n\n.. toctree::\n\n   sub/page\n", files)
    assert warnings == ""
    assert "A question" in (tmp_path / "out" / "sub" / "page.html").read_text()


def test_a_leading_slash_is_the_source_folder(tmp_path: Path) -> None:
    files = {"sub/page.rst": "P\n=\n\n.. instrument:: /s.yaml\n", "s.yaml": _survey()}
    warnings, _, _ = _build(tmp_path, "T\n=\n\n.. toctree::\n\n   sub/page\n", files)
    assert warnings == ""
    assert "A question" in (tmp_path / "out" / "sub" / "page.html").read_text()


def test_a_path_does_not_depend_on_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "s.yaml").write_text(_survey())
    monkeypatch.chdir(elsewhere)
    warnings, _, _ = _build(tmp_path, "T\n=\n\n.. instrument:: s.yaml\n")
    assert "index.rst:4: WARNING: instrument 's.yaml': " in warnings
    assert "file-not-found" in warnings


def test_a_folder_is_reported_as_a_folder(tmp_path: Path) -> None:
    warnings, _, _ = _build(tmp_path, ".. instrument:: sub\n", {"sub/x.txt": "x"})
    assert "index.rst:1: WARNING: instrument 'sub': " in warnings
    assert "is a folder, not an instrument file" in warnings


# ------------------------------------------------------------- texts that look like markup


def test_a_multiline_text_cannot_inject_raw_html(tmp_path: Path) -> None:
    desc = "|\n  First.\n\n  .. raw:: html\n\n     <script>alert(1)</script>\n"
    warnings, html, _ = _build(
        tmp_path, ".. instrument:: s.yaml\n", {"s.yaml": _survey(description=desc)}
    )
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert warnings == ""


def test_a_list_item_text_cannot_include_a_file_from_disk(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("TOPSECRET")
    guidance = (
        "kind: guidance\nid: g\nversion: 1.0.0\ntitle: G\naudience: everyone\n"
        "sections:\n  - id: s\n    title: S\n    points:\n"
        "      - '.. include:: ../secret.txt'\n"
    )
    warnings, html, _ = _build(tmp_path, ".. instrument:: g.yaml\n", {"g.yaml": guidance})
    assert "TOPSECRET" not in html
    assert ".. include::" in html
    assert warnings == ""


def test_a_multiline_text_cannot_open_a_section(tmp_path: Path) -> None:
    desc = "|\n  First.\n\n  Heading\n  -------\n\n  1. not a list\n"
    warnings, html, _ = _build(
        tmp_path, "T\n=\n\n.. instrument:: s.yaml\n", {"s.yaml": _survey(description=desc)}
    )
    assert "<h2>Heading" not in html and "<p>1. not a list</p>" in html
    assert "Heading ------- 1. not a list" not in html  # two paragraphs stay two
    assert warnings == ""


def test_only_web_and_mail_addresses_become_links(tmp_path: Path) -> None:
    desc = '"See javascript:alert(1) or data:text/html,x or https://example.org"'
    _, html, _ = _build(tmp_path, ".. instrument:: s.yaml\n", {"s.yaml": _survey(description=desc)})
    assert 'href="javascript:' not in html and 'href="data:' not in html
    assert 'href="https://example.org"' in html


def test_option_codes_are_shown_as_written(tmp_path: Path) -> None:
    warnings, html, _ = _build(
        tmp_path, ".. instrument:: s.yaml\n", {"s.yaml": _survey(code='"x_"')}
    )
    assert warnings == ""
    assert "x_ = Yes" in html


# --------------------------------------------------------------------------------- options


def test_downloads_on_an_instrument_that_is_not_a_survey_warns(tmp_path: Path) -> None:
    warnings, _, _ = _build(tmp_path, ".. instrument:: interview-supervisor\n   :downloads:\n")
    assert "index.rst:1: WARNING: " in warnings
    assert ":downloads: is only for surveys" in warnings


def test_export_warnings_become_sphinx_warnings(tmp_path: Path) -> None:
    files = {"s.yaml": _survey(label="No | never")}
    with pywarnings.catch_warnings(record=True) as caught:
        pywarnings.simplefilter("always")
        warnings, html, _ = _build(tmp_path, ".. instrument:: s.yaml\n   :downloads:\n", files)
    assert not [w for w in caught if "to_redcap" in str(w.message)]  # relayed, not loose
    assert "index.rst:1: WARNING: " in warnings and "to_redcap" in warnings
    assert "[leadership_eval.export]" in warnings
    assert "tiny-1.0.0-redcap.csv" in html  # the export is still offered


def test_coverage_matrix_folder_option_needs_a_value(tmp_path: Path) -> None:
    warnings, html, _ = _build(tmp_path, ".. coverage-matrix::\n   :folder:\n")
    assert "index.rst:1: ERROR: " in warnings and "folder" in warnings
    assert "trainee-survey" not in html  # not silently the bundled catalogue


def test_coverage_matrix_problems_are_located_warnings(tmp_path: Path) -> None:
    files = {"f/x.yaml": BROKEN, "f/ok.yaml": _survey()}
    warnings, html, _ = _build(tmp_path, "T\n=\n\n.. coverage-matrix::\n   :folder: f\n", files)
    lines = [w for w in warnings.splitlines() if "WARNING" in w]
    assert len(lines) == 3 and all("index.rst:4: WARNING: coverage matrix" in w for w in lines)
    assert "could not be rendered" in html


# ------------------------------------------------------------------------------ the config


@pytest.mark.parametrize("value", ["True", "5", "['catalogue']"])
def test_a_catalogue_pages_setting_of_the_wrong_type_warns(tmp_path: Path, value: str) -> None:
    conf = f"leadership_eval_catalogue_pages = {value}\n"
    warnings, _, status = _build(tmp_path, "T\n=\n\nHello.\n", conf=conf, werror=True)
    assert status == 1
    assert "conf.py:2: WARNING: leadership_eval_catalogue_pages must be the name of a" in warnings


def test_catalogue_pages_outside_the_source_folder_are_refused(tmp_path: Path) -> None:
    conf = "leadership_eval_catalogue_pages = '../outside'\n"
    warnings, _, _ = _build(tmp_path, "T\n=\n\nHello.\n", conf=conf)
    assert not (tmp_path / "outside").exists()
    assert "conf.py:2: WARNING: leadership_eval_catalogue_pages must be a folder inside" in warnings


def test_catalogue_pages_folder_that_is_a_file_warns(tmp_path: Path) -> None:
    conf = "leadership_eval_catalogue_pages = 'cat'\n"
    warnings, _, status = _build(tmp_path, "T\n=\n\nHello.\n", {"cat": "x"}, conf, werror=True)
    assert status == 1
    assert "cannot write the catalogue pages" in warnings


def test_the_default_catalogue_pages_do_not_break_a_strict_build(tmp_path: Path) -> None:
    warnings, _, status = _build(tmp_path, "T\n=\n\nHello.\n", conf="", werror=True)
    assert warnings == "" and status == 0


def test_a_second_language_can_be_rendered(tmp_path: Path) -> None:
    survey = _survey(label="No").replace('label: "No"', 'label: {en: "No", cy: "Na"}')
    survey = survey.replace("title: Tiny", "title: Tiny\nlanguages: [en, cy]")
    files = {"s.yaml": survey}
    warnings, html, _ = _build(tmp_path, ".. instrument:: s.yaml\n   :language: cy\n", files)
    assert warnings == "" and "0 = Na" in html


def test_a_language_the_instrument_lacks_warns(tmp_path: Path) -> None:
    index = ".. instrument:: trainee-survey\n   :language: fr\n"
    warnings, html, _ = _build(tmp_path, index)
    assert "index.rst:1: WARNING: instrument 'trainee-survey': :language: 'fr'" in warnings
    assert "[leadership_eval.language]" in warnings and "Strongly agree" in html
