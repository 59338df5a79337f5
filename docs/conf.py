"""Sphinx configuration for the leadership-eval documentation."""

from __future__ import annotations

import json
from pathlib import Path

import leadership_eval

project = "leadership-eval"
author = "The leadership-eval developers"
copyright = "2026, The leadership-eval developers"
release = leadership_eval.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinxcontrib.bibtex",
    "sphinxcontrib.typer",
    "sphinxcontrib.autodoc_pydantic",
    "sphinx-jsonschema",
    "leadership_eval.sphinxext",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "_generated/**/*.rst", "Thumbs.db", ".DS_Store"]
html_theme = "furo"
html_title = f"leadership-eval {release}"
bibtex_bibfiles = ["references.bib"]
bibtex_default_style = "plain"
bibtex_reference_style = "author_year"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()
autodoc_typehints = "none"
autodoc_member_order = "bysource"
myst_enable_extensions = ["colon_fence", "deflist", "dollarmath"]
intersphinx_mapping: dict[str, tuple[str, None]] = {}
nitpicky = True
nitpick_ignore_regex = [
    # numpydoc type strings (pandas.DataFrame, array-like...) are prose; (?s) also covers a
    # role broken over two lines in plots.plot_flag_grid's docstring
    (r"py:.*", r"(?s).*"),
]
suppress_warnings = ["myst.header"]

# -- autodoc_pydantic: the models are documented one by one with ``autopydantic_model``
autodoc_pydantic_model_show_json = False
autodoc_pydantic_model_show_config_summary = False
autodoc_pydantic_model_show_validator_summary = False
autodoc_pydantic_model_show_validator_members = False
autodoc_pydantic_model_show_field_summary = True
autodoc_pydantic_model_members = True
autodoc_pydantic_model_undoc_members = True
autodoc_pydantic_model_member_order = "bysource"
autodoc_pydantic_field_list_validators = False
autodoc_pydantic_field_show_constraints = False  # regex patterns break reST
autodoc_pydantic_field_show_default = True
autodoc_pydantic_model_hide_paramlist = True
autodoc_pydantic_model_signature_prefix = "model"

# -- doctest: only the explicit ``.. doctest::`` blocks of the pages (the docstrings' own
# examples run under pytest --doctest-modules)
doctest_test_doctest_blocks = ""
import doctest  # noqa: E402

doctest_default_flags = (
    doctest.ELLIPSIS
    | doctest.NORMALIZE_WHITESPACE
    | doctest.IGNORE_EXCEPTION_DETAIL
    | doctest.DONT_ACCEPT_TRUE_FOR_1
)
_HERE = Path(__file__).resolve().parent
doctest_global_setup = f"""
import pathlib
import leadership_eval as le
import pandas as pd
pd.set_option("display.width", 120)
pd.set_option("display.max_columns", 20)
pd.set_option("display.max_colwidth", 80)
DOCS = pathlib.Path({str(_HERE)!r})
"""

# -- files generated at build time (git-ignored) ----------------------------------------------
_GENERATED = _HERE / "_generated"
_GENERATED.mkdir(exist_ok=True)


def _write_if_changed(path: Path, text: str) -> None:
    """Write only when the content changes, so incremental builds stay incremental."""
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


# The JSON Schema of the instrument format, rendered by sphinx-jsonschema in format/schema.rst
# and offered for download.
def _first_paragraph(node: object) -> object:
    """The schema with every description cut to its first paragraph.

    pydantic takes descriptions from the models' docstrings, whose numpydoc sections
    ("Attributes" with an underline) are not valid inside a rendered table.
    """
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                value = " ".join(value.strip().split("\n\n")[0].split())
            out[key] = _first_paragraph(value)
        return out
    if isinstance(node, list):
        return [_first_paragraph(v) for v in node]
    return node


_write_if_changed(
    _GENERATED / "instrument.schema.json",
    json.dumps(_first_paragraph(leadership_eval.json_schema()), indent=2) + "\n",
)


def _redaction_metrics() -> None:
    """Recall and precision of the redaction on the labelled corpus, as a CSV table."""
    corpus = _HERE.parent / "tests" / "data" / "redaction_corpus.jsonl"
    target = _GENERATED / "redaction_metrics.csv"
    if not corpus.exists():
        _write_if_changed(target, "Entity type,Labelled,Found,Recall,Precision\nALL,,,,\n")
        return
    from leadership_eval.privacy.text import evaluate_redaction

    table = evaluate_redaction(corpus)
    lines = ["Entity type,Labelled,Found,Recall,Precision"]
    for row in table.itertuples(index=False):
        lines.append(
            f"{row.entity_type},{row.n_true},{row.n_found},{row.recall:.3f},{row.precision:.3f}"
        )
    _write_if_changed(target, "\n".join(lines) + "\n")


_redaction_metrics()
