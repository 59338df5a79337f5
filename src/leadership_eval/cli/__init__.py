"""The ``leadership-eval`` command.

Each area registers its commands from its own module (``cli/<area>.py`` with a ``register(app)``
function). Heavy libraries (pandas, pingouin, matplotlib) are imported inside the commands that
need them, so ``leadership-eval validate`` starts in a fraction of a second.
"""

from __future__ import annotations

import gc
import importlib
import sys

import typer

__all__ = ["app", "entry", "main"]

app = typer.Typer(
    name="leadership-eval",
    help="Instruments, analysis and privacy-safe reports for clinical leadership evaluations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# modules that add commands, in the order their commands are listed
_COMMAND_MODULES = (
    "instruments",
    "init",
    "responses",
    "scoring",
    "privacy",
    "comments",
    "interop",
    "reports",
)

for _name in _COMMAND_MODULES:
    _mod = importlib.import_module(f".{_name}", __name__)
    _mod.register(app)


def main(argv: list[str] | None = None) -> None:
    """Run the command line (the ``leadership-eval`` entry point)."""
    try:
        app(args=argv, prog_name="leadership-eval")
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        sys.exit(130)


def entry() -> None:
    """The ``leadership-eval`` command in a process of its own: :func:`main`, with the cyclic
    garbage collector run less often (the commands make many objects and few cycles), then an
    exit that skips the collector's last walk over everything the command made. Together about
    a quarter of a second off the demo. Exit handlers still run."""
    gc.set_threshold(20_000, 20, 20)
    try:
        main()
    finally:
        gc.freeze()
