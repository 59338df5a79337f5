"""Deprecated alias of :mod:`leadership_eval.responses.read` (kept for one release)."""

from .responses.read import (
    ODK_METADATA,
    PLATFORMS,
    REDCAP_METADATA,
    SOURCES,
    ReadReport,
    as_survey,
    read_responses,
)

__all__ = [
    "ODK_METADATA",
    "PLATFORMS",
    "REDCAP_METADATA",
    "SOURCES",
    "ReadReport",
    "as_survey",
    "read_responses",
]
