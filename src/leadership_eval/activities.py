"""Deprecated alias of :mod:`leadership_eval.compare.activities` (kept for one release)."""

from .compare.activities import (
    MENTOR_ORIGINS,
    ActivityOutcome,
    MostHelpful,
    UptakeModel,
    activity_origins,
    minimum_detectable_r,
    model_activity_uptake,
    most_helpful_activities,
    origin_items,
    relate_activity_outcomes,
    summarise_activities,
)

__all__ = [
    "MENTOR_ORIGINS",
    "ActivityOutcome",
    "MostHelpful",
    "UptakeModel",
    "activity_origins",
    "minimum_detectable_r",
    "model_activity_uptake",
    "most_helpful_activities",
    "origin_items",
    "relate_activity_outcomes",
    "summarise_activities",
]
