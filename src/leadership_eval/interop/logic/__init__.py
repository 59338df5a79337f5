"""Skip logic on survey platforms: each dialect's reader and printer side by side, one dispatch.

A ``show_if`` expression (:mod:`leadership_eval.instruments.expressions`) is written for a
platform with :func:`to_dialect` and read back from one with :func:`from_dialect`:

- ``xlsform``: read by :func:`.xlsform.parse_xpath`, written by :func:`.xlsform.to_xpath`;
- ``redcap``: read by :func:`.redcap.parse_redcap_logic`, written by
  :func:`.redcap.to_branching_logic`;
- ``limesurvey``: written by :func:`.limesurvey.to_expression_script` (not read).

The readers share one grammar (:mod:`._reader`); every printer is a
:class:`~leadership_eval.instruments.expressions.NodeVisitor`, the one dispatch over the syntax
tree that the canonical text, the evaluator and the English describer use too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...errors import ConfigurationError
from ...instruments.expressions import Expression
from ._reader import UnsupportedLogic, coerce_literals
from .limesurvey import to_expression_script
from .redcap import parse_redcap_logic, to_branching_logic
from .xlsform import parse_xpath, to_xpath

__all__ = [
    "DIALECTS",
    "UnsupportedLogic",
    "coerce_literals",
    "from_dialect",
    "parse_redcap_logic",
    "parse_xpath",
    "to_branching_logic",
    "to_dialect",
    "to_expression_script",
    "to_xpath",
]

DIALECTS = ("xlsform", "redcap", "limesurvey")
"""The platforms' skip-logic dialects :func:`to_dialect` writes."""

_WRITERS: dict[str, Any] = {
    "xlsform": to_xpath,
    "redcap": to_branching_logic,
    "limesurvey": to_expression_script,
}
_READERS: dict[str, Any] = {"xlsform": parse_xpath, "redcap": parse_redcap_logic}


def _known(dialect: str, table: Mapping[str, Any], what: str) -> Any:
    if dialect not in table:
        raise ConfigurationError(
            f"no {what} for skip-logic dialect {dialect!r}; the dialects are {', '.join(table)}",
            code="unknown-format",
        )
    return table[dialect]


def to_dialect(expression: Expression, dialect: str, *args: Any, **options: Any) -> str:
    """``expression`` written in a platform's dialect.

    Parameters
    ----------
    expression : Expression
    dialect : {"xlsform", "redcap", "limesurvey"}
    *args, **options
        The dialect's own options: ``item_types`` (xlsform), ``checkbox_items`` (redcap),
        ``names``, ``multi``, ``code_of``, ``multi_codes`` (limesurvey).

    Examples
    --------
    >>> from leadership_eval.instruments.expressions import parse_expression
    >>> e = parse_expression("met == 1 and selected(acts, 'audit')")
    >>> to_dialect(e, "xlsform", {"acts": "multi_choice"})
    "${met} = 1 and selected(${acts}, 'audit')"
    >>> to_dialect(e, "redcap", {"acts"})
    "[met] = '1' and [acts(audit)] = '1'"
    """
    return str(_known(dialect, _WRITERS, "printer")(expression, *args, **options))


def from_dialect(text: str, dialect: str, names: Mapping[str, str]) -> Expression:
    """A platform's skip logic read into a ``show_if`` expression.

    ``names`` maps the form's field names to item ids. Logic the ``show_if`` language cannot
    express raises :class:`UnsupportedLogic` with the reason.

    >>> from_dialect("${met} = 1", "xlsform", {"met": "met"}).text
    'met == 1'
    """
    return _known(dialect, _READERS, "reader")(text, names)  # type: ignore[no-any-return]
