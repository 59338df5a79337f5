"""leadership_eval: evaluate clinical leadership development for doctors in training.

Instruments written in YAML, survey responses validated and scored, anonymisation and disclosure
control, comparisons between trusts, qualitative theme summaries, and privacy-safe reports.

The public API is flat (``import leadership_eval as le; le.score(...)``). Names are imported
lazily, so ``import leadership_eval`` stays fast (the ``validate`` command never loads pandas).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> submodule that defines it
_EXPORTS: dict[str, str] = {
    # errors
    "LeadershipEvalError": "errors",
    "InstrumentError": "errors",
    "Problem": "errors",
    "DataError": "errors",
    "DisclosureError": "errors",
    "ConfigurationError": "errors",
    # policy
    "DisclosurePolicy": "policy",
    # instruments
    "Survey": "instruments.models",
    "InterviewGuide": "instruments.models",
    "Codebook": "instruments.models",
    "Evaluation": "instruments.models",
    "Guidance": "instruments.models",
    "Instrument": "instruments.models",
    "load_instrument": "instruments.loader",
    "loads_instrument": "instruments.loader",
    "load_catalogue": "instruments.catalogue",
    "Catalogue": "instruments.catalogue",
    "coverage_matrix": "instruments.catalogue",
    "json_schema": "instruments.schema",
    "parse_expression": "instruments.expressions",
}

__all__ = ["__version__", *sorted(_EXPORTS)]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .errors import (
        ConfigurationError,
        DataError,
        DisclosureError,
        InstrumentError,
        LeadershipEvalError,
        Problem,
    )
    from .instruments.catalogue import Catalogue, coverage_matrix, load_catalogue
    from .instruments.expressions import parse_expression
    from .instruments.loader import load_instrument, loads_instrument
    from .instruments.models import (
        Codebook,
        Evaluation,
        Guidance,
        Instrument,
        InterviewGuide,
        Survey,
    )
    from .instruments.schema import json_schema
    from .policy import DisclosurePolicy


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'leadership_eval' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
