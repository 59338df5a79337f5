"""``python -m leadership_eval.cli``: the same as the ``leadership-eval`` command."""

from . import entry

entry()
