"""Comparisons: groups against a benchmark, groups against each other, survey waves, activities.

Three questions an evaluation of a regional scheme keeps asking, and the activities behind them:

- :mod:`.funnel`: is a trust's result different from the rest of the region?
  (:func:`compare_to_benchmark`, :func:`funnel_limits`);
- :mod:`.groups`: do the groups differ at all, and which pairs? (:func:`compare_groups`,
  :func:`compare_composition`);
- :mod:`.waves`: did anything change between two survey waves? (:func:`compare_waves`, only
  over the items and scales that are the same in both versions of the instrument);
- :mod:`.activities`: what the mentors did, how it came about and what it relates to.

Every function applies the disclosure policy's ``min_cell``: a group with fewer contributors is
reported as suppressed, and its respondents are kept out of every published benchmark.
"""

from __future__ import annotations

from .funnel import BenchmarkComparison, compare_to_benchmark, funnel_limits
from .groups import CompareResult, compare_composition, compare_groups
from .waves import WaveComparison, compare_waves

__all__ = [
    "BenchmarkComparison",
    "CompareResult",
    "WaveComparison",
    "compare_composition",
    "compare_groups",
    "compare_to_benchmark",
    "compare_waves",
    "funnel_limits",
]
