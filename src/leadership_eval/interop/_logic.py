"""Deprecated alias of :mod:`leadership_eval.interop.logic` (kept for one release)."""

from .logic import (
    UnsupportedLogic,
    coerce_literals,
    parse_redcap_logic,
    parse_xpath,
    to_expression_script,
)

__all__ = [
    "UnsupportedLogic",
    "coerce_literals",
    "parse_redcap_logic",
    "parse_xpath",
    "to_expression_script",
]
