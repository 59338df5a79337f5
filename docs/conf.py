"""Sphinx configuration for the leadership-eval documentation."""

from __future__ import annotations

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
    "leadership_eval.sphinxext",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "_generated/**/*.rst", "Thumbs.db", ".DS_Store"]
html_theme = "furo"
html_title = f"leadership-eval {release}"
bibtex_bibfiles = ["references.bib"]
bibtex_default_style = "plain"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()
autodoc_typehints = "none"
autodoc_member_order = "bysource"
myst_enable_extensions = ["colon_fence", "deflist"]
intersphinx_mapping: dict[str, tuple[str, None]] = {}
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r".*"),  # numpydoc type strings (pandas.DataFrame, array-like...) are prose
]
suppress_warnings = ["myst.header"]
doctest_global_setup = """
import leadership_eval as le
import pandas as pd
"""
