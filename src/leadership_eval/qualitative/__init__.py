"""Qualitative data: coded interview segments, theme summaries, REFI-QDA exchange.

- :mod:`.segments`: :func:`read_segments` reads coded segments and checks every code against
  the codebook;
- :mod:`.themes`: :func:`framework_matrix` and :func:`theme_summary` (participant counts per
  trust and theme, with thresholds and redacted quotes);
- :mod:`.refi`: REFI-QDA projects (``.qdpx``) and codebooks (``.qdc``) in and out.
"""

from __future__ import annotations

from .refi import codebook_from_qdc, codebook_to_qdc, read_qdpx, write_qdpx
from .segments import SEGMENT_COLUMNS, read_segments
from .themes import framework_matrix, theme_summary

__all__ = [
    "SEGMENT_COLUMNS",
    "codebook_from_qdc",
    "codebook_to_qdc",
    "framework_matrix",
    "read_qdpx",
    "read_segments",
    "theme_summary",
    "write_qdpx",
]
