"""Exceptions raised by leadership_eval.

Every exception the library raises on purpose derives from :class:`LeadershipEvalError`, and each
leaf also subclasses the matching builtin (``ValueError``, ``KeyError``...), so callers can catch
either. Errors carry data, not just text: :class:`InstrumentError` holds every
:class:`Problem` found in a file, each located by file, line, column and field path.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ArgumentError",
    "ConfigurationError",
    "DataError",
    "DataWarning",
    "DisclosureError",
    "InstrumentError",
    "LeadershipEvalError",
    "NotATableError",
    "Problem",
    "SolverError",
    "did_you_mean",
]


def did_you_mean(word: object, candidates: Iterable[str], *, cutoff: float = 0.6) -> str:
    """``"; did you mean 'x'?"`` for the candidate closest to ``word``, or ``""``.

    A candidate that differs from ``word`` only in case counts as close. Every "did you mean"
    in the library's messages comes from here.
    """
    if not isinstance(word, str):
        return ""
    pool = [str(c) for c in candidates]
    close = difflib.get_close_matches(word, pool, n=1, cutoff=cutoff)
    if not close:
        close = [c for c in pool if c.lower() == word.lower()]
    return f"; did you mean {close[0]!r}?" if close else ""


class LeadershipEvalError(Exception):
    """Base class of every error raised by leadership_eval.

    Every error pickles with its data (as pandera's errors do, through ``__reduce__``): an
    error raised in a worker process (``concurrent.futures``, ``multiprocessing``, joblib)
    arrives in the parent with its message, code, problems and failure cases intact.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception.__reduce__ calls the class with self.args (the message only), which loses
        # the data and fails for classes whose __init__ wants more than a message; rebuild the
        # object without calling __init__, then restore the message and every attribute.
        return (_rebuild_error, (type(self), self.args), dict(self.__dict__))

    def __setstate__(self, state: dict[str, Any] | None) -> None:
        self.__dict__.update(state or {})


def _rebuild_error(cls: type[LeadershipEvalError], args: tuple[Any, ...]) -> LeadershipEvalError:
    """Unpickle an error: the object without ``__init__``, its ``args`` (the message) set."""
    error = cls.__new__(cls)
    error.args = args
    return error


@dataclass(frozen=True, order=True)
class Problem:
    """One located problem in an instrument file.

    Attributes
    ----------
    file : str
        The file the problem was found in (``"<string>"`` for text that came from no file).
    line, column : int
        1-based position of the offending node (0 when unknown).
    code : str
        A stable, machine-readable code such as ``unknown-field`` or ``unknown-choice-list``.
    message : str
        What was expected and what was found, with a "did you mean" where one helps.
    path : tuple
        The field path inside the document, e.g. ``("sections", 0, "items", 2, "choices")``.
    """

    file: str
    line: int
    column: int
    code: str
    message: str
    path: tuple[str | int, ...] = field(default=())

    @property
    def location(self) -> str:
        """``file:line:col`` of the problem."""
        return f"{self.file}:{self.line}:{self.column}"

    @property
    def field_path(self) -> str:
        """The field path as a dotted string, e.g. ``sections[0].items[2].choices``."""
        out = ""
        for part in self.path:
            if isinstance(part, int):
                out += f"[{part}]"
            else:
                out += ("." if out else "") + str(part)
        return out

    def __str__(self) -> str:
        where = f" ({self.field_path})" if self.path else ""
        return f"{self.location}: {self.code}: {self.message}{where}"

    def to_dict(self) -> dict[str, Any]:
        """The problem as a plain dictionary (for JSON output and data frames)."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "message": self.message,
            "path": self.field_path,
        }


class InstrumentError(LeadershipEvalError, ValueError):
    """An instrument file (or a catalogue of them) is invalid.

    ``problems`` lists every problem found, in file and line order; ``str(error)`` prints one
    ``file:line:col: code: message`` line each.
    """

    def __init__(self, problems: Iterable[Problem], summary: str | None = None) -> None:
        self.problems: list[Problem] = sorted(problems, key=lambda p: (p.file, p.line, p.column))
        n = len(self.problems)
        head = summary or f"{n} problem{'s' if n != 1 else ''} found"
        body = "\n".join(str(p) for p in self.problems)
        super().__init__(f"{head}:\n{body}" if body else head)

    @property
    def codes(self) -> list[str]:
        """The problem codes, in order."""
        return [p.code for p in self.problems]

    def to_frame(self) -> Any:
        """The problems as a pandas DataFrame (file, line, column, code, message, path)."""
        import pandas as pd

        return pd.DataFrame(
            [p.to_dict() for p in self.problems],
            columns=["file", "line", "column", "code", "message", "path"],
        )


class DataError(LeadershipEvalError, ValueError):
    """Response or table data cannot be used as given.

    Parameters
    ----------
    message : str
        What is wrong, where, and what was expected.
    code : str
        A stable reason code (``unknown-column``, ``empty-file``...).
    failure_cases : pandas.DataFrame, optional
        The offending rows or values, like pandera's failure cases.
    """

    def __init__(self, message: str, code: str = "invalid-data", failure_cases: Any = None) -> None:
        self.code = code
        self.failure_cases = failure_cases
        super().__init__(message)


class ArgumentError(DataError, TypeError):
    """An argument is of a type the function cannot take (a raw frame given to a renderer, a
    frame where a comparison's result is wanted).

    A :class:`DataError` (reason code ``bad-argument`` unless said) and a ``TypeError``, so
    either catches it.
    """

    def __init__(self, message: str, code: str = "bad-argument", failure_cases: Any = None) -> None:
        super().__init__(message, code=code, failure_cases=failure_cases)


class NotATableError(ArgumentError):
    """An argument that must be a table (a pandas DataFrame) is something else
    (reason code ``not-a-table``)."""

    def __init__(self, message: str, code: str = "not-a-table", failure_cases: Any = None) -> None:
        super().__init__(message, code=code, failure_cases=failure_cases)


class SolverError(LeadershipEvalError, RuntimeError):
    """The linear-programming solver (HiGHS) failed on a model it should solve."""

    def __init__(self, message: str, code: str = "solver-failed") -> None:
        self.code = code
        super().__init__(message)


class DisclosureError(LeadershipEvalError, RuntimeError):
    """An output would break the disclosure policy, so it was not produced."""

    def __init__(self, message: str, code: str = "disclosure", details: Sequence[Any] = ()) -> None:
        self.code = code
        self.details = list(details)
        super().__init__(message)


class ConfigurationError(LeadershipEvalError, ValueError):
    """A setting is missing or invalid (a pseudonym key, a policy file...)."""

    def __init__(
        self, message: str, code: str = "configuration", problems: Sequence[Problem] = ()
    ) -> None:
        self.code = code
        self.problems: list[Problem] = list(problems)
        super().__init__(message)


class DataWarning(UserWarning):
    """Responses were used after setting some of them aside, by the validation's rules.

    Raised (as a warning) by the functions that validate the responses they are given
    (:func:`~leadership_eval.score`, :func:`~leadership_eval.reliability`,
    :func:`~leadership_eval.item_summary`, :func:`~leadership_eval.compare_waves`) when rows were
    excluded or values set aside; :func:`~leadership_eval.validate_responses` lists each one.
    """
