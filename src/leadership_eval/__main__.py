"""``python -m leadership_eval``: the same as the ``leadership-eval`` command."""

from .cli import main

main()
