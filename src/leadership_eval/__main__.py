"""``python -m leadership_eval``: the same as the ``leadership-eval`` command."""

from .cli import entry

entry()
