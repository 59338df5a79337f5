"""``python -m leadership_eval.cli``: the same as the ``leadership-eval`` command."""

from . import main

main()
