"""Work handed to a second process: when to fork, and how its result or error comes back.

A forked process inherits every module and object of its parent, so work on data already in
memory starts at once, with nothing sent on the way in. Its result, or the error that stopped
it, comes back through a pipe; an error that cannot be pickled comes back as its traceback.
The child writes nothing to the parent's standard streams (a progress bar may hold their
locks at the fork).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from ._threads import usable_processors
from .errors import ConfigurationError, LeadershipEvalError

__all__ = [
    "Forked",
    "RemoteTraceback",
    "can_fork",
    "error_message",
    "fork_context",
    "fork_wanted",
    "quiet_child",
    "raise_remote",
    "receive",
    "send_quietly",
]

_T = TypeVar("_T")


def fork_context() -> Any:
    """The "fork" multiprocessing context on Linux (None elsewhere: forking is unsafe on macOS,
    absent on Windows, and a spawned process would spend longer importing than it saves)."""
    import multiprocessing

    if not sys.platform.startswith("linux"):  # pragma: no cover - the test machines are Linux
        return None
    return multiprocessing.get_context("fork")


def can_fork(*, other_threads: bool = False) -> bool:
    """Whether work may go to a forked process by default: on Linux, with two processors or
    more usable, from a process running no other thread (a thread holding a lock at the fork
    would leave the child waiting for it forever). ``other_threads=True``: the caller knows
    its other threads (a progress bar's) hold nothing the child takes.

    >>> isinstance(can_fork(), bool)
    True
    """
    return (
        fork_context() is not None
        and usable_processors() >= 2
        and (other_threads or threading.active_count() == 1)
    )


def fork_wanted(parallel: bool | None, caller: str, *, other_threads: bool = False) -> bool:
    """Whether to use a forked process, as a ``parallel=`` option asks: ``True`` wherever the
    platform can fork (a :class:`~leadership_eval.errors.ConfigurationError` naming ``caller``
    where it cannot), ``False`` never, ``None`` as :func:`can_fork` judges.

    >>> fork_wanted(False, "f()")
    False
    """
    if parallel and fork_context() is None:  # pragma: no cover - the test machines are Linux
        raise ConfigurationError(
            f"{caller}(parallel=True) needs a platform that can fork processes (Linux)"
        )
    return parallel if parallel is not None else can_fork(other_threads=other_threads)


class RemoteTraceback(Exception):
    """The traceback of an error in the second process, attached as its cause."""

    def __init__(self, trace: str) -> None:
        super().__init__(trace)
        self.trace = trace

    def __str__(self) -> str:
        return f'\n"""\n{self.trace}"""'


def error_message(exc: BaseException) -> tuple[str, BaseException | None, str]:
    """What a child sends back for ``exc``: the error itself when it can be pickled (None when
    it cannot), and its traceback."""
    import pickle

    trace = "".join(traceback.format_exception(exc))
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # an error that does not travel: its traceback does
        return "error", None, trace
    return "error", exc, trace


def raise_remote(
    error: BaseException | None, trace: str, process: str = "the second process"
) -> None:
    """Raise, in the parent, the error a child sent back, with its traceback as the cause (an
    error that could not travel as a :class:`~leadership_eval.errors.LeadershipEvalError`
    quoting its last line, ``process`` naming the child)."""
    cause = RemoteTraceback(trace)
    if error is None:
        raise LeadershipEvalError(f"{process} failed: {trace.strip().splitlines()[-1]}") from cause
    raise error from cause


def receive(
    reader: Any, process: Any, name: str = "the second process", hint: str = ""
) -> tuple[str, Any]:
    """The next message ``(kind, payload)`` from the child ``process`` (called ``name``): an
    error it sent is raised here, and a child that stopped without a word (killed, as by the
    system's out-of-memory killer) is an error naming its exit code, followed by ``hint``."""
    try:
        kind, payload, trace = reader.recv()
    except EOFError:
        process.join()
        raise LeadershipEvalError(
            f"{name} stopped before it had finished (exit code {process.exitcode}){hint}"
        ) from None
    if kind == "error":
        process.join()
        raise_remote(payload, trace or "", name)
    return kind, payload


def send_quietly(writer: Any, message: tuple[str, Any, str | None]) -> None:  # pragma: no cover
    """Send, unless the parent has stopped reading (it failed, or needs the result no more)."""
    with contextlib.suppress(OSError):
        writer.send(message)


def quiet_child() -> None:  # pragma: no cover - runs in the child process
    """A forked child writes nothing: its standard streams are new ones onto the null device,
    so none of the parent's (a progress bar may hold their locks at the fork) is touched."""
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - open for the child's life
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115


def _run(  # pragma: no cover - runs in the child process
    reader: Any, writer: Any, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    reader.close()  # so that a send fails once the parent stops reading
    quiet_child()
    try:
        message: tuple[str, Any, str | None] = ("result", fn(*args, **kwargs), None)
        from multiprocessing.reduction import ForkingPickler

        data = bytes(ForkingPickler.dumps(message))
    except BaseException as exc:  # every error goes back to the parent
        send_quietly(writer, error_message(exc))
    else:
        with contextlib.suppress(OSError):
            writer.send_bytes(data)
    finally:
        writer.close()


class Forked(Generic[_T]):
    """``fn(*args, **kwargs)`` computed meanwhile in a forked process.

    :meth:`result` waits for it and returns it, or raises the error that stopped it (a child
    that dies, as by the system's out-of-memory killer, is a
    :class:`~leadership_eval.errors.LeadershipEvalError` naming its exit code). A result not
    wanted any more is given up with :meth:`abandon`, which ends the child. Check
    :func:`can_fork` first.
    """

    def __init__(self, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> None:
        context = fork_context()
        if context is None:  # pragma: no cover - the test machines are Linux
            raise LeadershipEvalError("this platform cannot fork a second process")
        self._reader, writer = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_run, args=(self._reader, writer, fn, args, kwargs), daemon=True
        )
        self._process.start()
        writer.close()

    def result(self) -> _T:
        """The result (waiting for it), or the child's error raised here."""
        try:
            _, payload = receive(self._reader, self._process)
        finally:
            self._reader.close()
        self._process.join()
        return payload  # type: ignore[no-any-return]

    def abandon(self) -> None:
        """Give the result up, if it was not taken: stop reading and end the child."""
        self._reader.close()
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
