"""Survey responses: read an export, validate it against its instrument, report what was found.

Three modules, one direction of use:

- :mod:`~leadership_eval.responses.read` reads platform exports into the "raw" form
  (:func:`read_responses` gives a :class:`ReadResponses`: the frame and its :class:`ReadReport`);
- :mod:`~leadership_eval.responses.validate` checks raw data against the survey
  (:func:`validate_responses`, :func:`validated`);
- :mod:`~leadership_eval.responses.report` holds what validation found
  (:class:`ValidationReport`, :class:`ValidationStamp` and the problem codes).

Every name is importable from here, as it was from the single module it replaces.
"""

from .read import (
    ODK_METADATA,
    PLATFORMS,
    REDCAP_METADATA,
    SOURCES,
    ReadReport,
    ReadResponses,
    read_responses,
)
from .report import (
    ERROR_CODES,
    ERROR_COLUMNS,
    EXCLUDED_REASON,
    INFO_CODES,
    ROW_CODES,
    SET_ASIDE_CODES,
    ValidationReport,
    ValidationStamp,
    stamp_on,
)
from .validate import validate_responses, validated

__all__ = [
    "ERROR_CODES",
    "ERROR_COLUMNS",
    "EXCLUDED_REASON",
    "INFO_CODES",
    "ODK_METADATA",
    "PLATFORMS",
    "REDCAP_METADATA",
    "ROW_CODES",
    "SET_ASIDE_CODES",
    "SOURCES",
    "ReadReport",
    "ReadResponses",
    "ValidationReport",
    "ValidationStamp",
    "read_responses",
    "stamp_on",
    "validate_responses",
    "validated",
]
