"""The one result convention: a table plus its parameters is a frozen result with ``.frame``.

A function that returns a single table returns a plain tidy frame, everything in its columns. A
function that returns a table and parameters that belong to it (a funnel's centre, limits and
overdispersion; the measures a wave comparison skipped) returns a frozen dataclass deriving from
:class:`FrameResult`: the table in ``.frame``, each parameter a typed attribute. Nothing travels
in ``DataFrame.attrs`` (experimental in pandas, and dropped by ``concat`` and ``merge``).

For one release, a result still answers as the frame it replaces did (``result["n"]``,
``result.set_index("group")``, ``result.attrs["funnel"]``), with a :class:`FutureWarning`
saying to use ``.frame``. (A frame taken out of a result carries nothing in ``attrs``.)
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["FrameResult"]


class FrameResult:
    """Base of the frozen results that hold a table in ``.frame`` (see the module's notes)."""

    frame: pd.DataFrame

    #: The key the parameters had in ``frame.attrs`` before results had attributes.
    _legacy_key: str = ""

    def _legacy_value(self) -> Any:  # pragma: no cover - every subclass defines it
        return None

    def warn_legacy(self, what: str) -> None:
        """A FutureWarning: this result was used as the frame it replaces (kept one release)."""
        name = type(self).__name__
        warnings.warn(
            f"{name} is not a DataFrame: {what} is a use of the frame it replaces, kept for one "
            f"release; use .frame (the table) and the result's attributes instead",
            FutureWarning,
            stacklevel=3,
        )

    @property
    def attrs(self) -> dict[str, Any]:
        """The parameters as they were in ``frame.attrs`` (deprecated: use the attributes)."""
        self.warn_legacy(f"attrs[{self._legacy_key!r}]")
        return {self._legacy_key: self._legacy_value()}

    def __getattr__(self, name: str) -> Any:
        # only called when ordinary lookup fails: the frame's own methods and columns
        if name.startswith("__") or name == "frame":
            raise AttributeError(name)
        frame = object.__getattribute__(self, "frame")
        if not hasattr(frame, name):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        self.warn_legacy(f".{name}")
        return getattr(frame, name)

    def __getitem__(self, key: Any) -> Any:
        self.warn_legacy("[...]")
        return self.frame[key]

    def __len__(self) -> int:
        return len(self.frame)

    def __iter__(self) -> Iterator[Any]:
        self.warn_legacy("iteration")
        return iter(self.frame)

    def __contains__(self, key: Any) -> bool:
        return key in self.frame

    def _repr_html_(self) -> str | None:
        return self.frame._repr_html_()  # type: ignore[operator]
