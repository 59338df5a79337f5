"""Generalisation hierarchies for quasi-identifiers.

A hierarchy says, for every original value of a quasi-identifier, what it becomes at each level of
generalisation: level 0 is the value itself, each further level is coarser, and the last level is
usually a single ``*`` (the value fully suppressed). :func:`generalise` searches the lattice of
level vectors built from one hierarchy per quasi-identifier.

Three ways to make one:

- an ARX CSV file (``;``-separated, no header, one row per original value, each further column
  one level up), read by :func:`load_hierarchy`;
- a YAML file, read by :func:`load_hierarchy`, in one of two shapes (see below);
- :meth:`Hierarchy.from_values`, :meth:`Hierarchy.from_rows`, :meth:`Hierarchy.from_intervals`.

YAML format
-----------
A *table* hierarchy maps each original value to the list of its ancestors, lowest first::

    levels:
      Bachelors: [Undergraduate, Higher education, "*"]
      Masters:   [Graduate, Higher education, "*"]
      HS-grad:   [High School, Secondary education, "*"]

(``levels`` may also be a list of rows ``[value, ancestor1, ancestor2, ...]``, exactly like the
CSV.) Every value needs the same number of ancestors. A value ``null`` (or an empty string) is the
row used for missing data.

An *interval* hierarchy generalises numbers into bands of growing width::

    intervals: [5, 10, 20]   # band widths at levels 1, 2, 3; each a multiple of the one before
    start: 0                 # bands start at start + i * width (default 0)
    range: [17, 90]          # optional: values outside are an error; also the loss-metric domain
    top: "*"                 # label of the last level (default "*"; null for no top level)

Integer data gets inclusive labels (``20-24``), other numbers half-open ones (``[20, 25)``).

Matching data to a hierarchy
----------------------------
Values are matched on a canonical text form, so an integer ``39`` in the data (or a float
``39.0``) matches the CSV cell ``39``. A value in the data that the hierarchy does not list is a
:class:`~leadership_eval.errors.DataError` that lists every such value. A missing value (NaN,
None, ``pd.NA``) uses the hierarchy's missing row when it has one; otherwise it stays a category
of its own ("missing") at every level below the top and becomes the top value at the top level,
so no record is ever dropped.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._codes import code_text
from .._files import file_text
from ..errors import ArgumentError, ConfigurationError, DataError

__all__ = ["Hierarchy", "LevelCoding", "load_hierarchy"]

_MAX_LISTED = 20


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(float(value))
    return False


def canonical(value: Any) -> str | None:
    """The text form used to match a data value with a hierarchy value (None for missing).

    The library's one canonical code text (:func:`leadership_eval._codes.code_text`), except
    that a blank text is a value of its own here (``""``), not a missing one.
    """
    if isinstance(value, str):
        return value.strip()
    return code_text(value)


@dataclass(frozen=True)
class LevelCoding:
    """The records of one column coded at one hierarchy level.

    Attributes
    ----------
    codes : numpy.ndarray
        int64, one per record: index into ``labels``.
    labels : numpy.ndarray
        object array, the generalised value of each code.
    share : numpy.ndarray
        float, Iyengar's loss of each generalised value: ``(M_g - 1) / (M - 1)`` with ``M_g`` the
        number of original values it covers and ``M`` the size of the domain (for intervals,
        the band's width over the domain's width); 0 at level 0, 1 for the top value.
    """

    codes: np.ndarray
    labels: np.ndarray
    share: np.ndarray


def _check_one_value_per_level(rows: Sequence[Sequence[Any]], name: str) -> None:
    """Refuse a row whose levels are not single values (a nested mapping or list, as a slip in
    a YAML file's indentation gives)."""
    for i, r in enumerate(rows):
        nested = next((v for v in r if isinstance(v, Mapping | list | tuple | set)), None)
        if nested is not None:
            raise ConfigurationError(
                f"hierarchy {name}: row {i + 1} ({r[0]!r}) holds {nested!r}; each level "
                "must be one value (text or a number)",
                code="invalid-hierarchy",
            )


class Hierarchy:
    """A generalisation hierarchy for one quasi-identifier.

    Build one with :func:`load_hierarchy`, :meth:`from_rows`, :meth:`from_mapping`,
    :meth:`from_values` or :meth:`from_intervals`.

    Attributes
    ----------
    name : str
        Where it came from (a file name or ``"<rows>"``).
    n_levels : int
        Number of levels, counting level 0 (the original values).
    height : int
        Index of the top level (``n_levels - 1``); Sweeney's precision divides by it.

    Examples
    --------
    >>> import pandas as pd
    >>> h = Hierarchy.from_rows([["a", "ab", "*"], ["b", "ab", "*"], ["c", "c", "*"]])
    >>> h.n_levels, h.height
    (3, 2)
    >>> h.apply(pd.Series(["a", "c", "b"]), 1).tolist()
    ['ab', 'c', 'ab']
    """

    def __init__(
        self,
        rows: Sequence[Sequence[Any]],
        name: str = "<rows>",
        *,
        _intervals: dict[str, Any] | None = None,
    ) -> None:
        self.name = name
        self._intervals = _intervals
        if _intervals is not None:
            self.n_levels = len(_intervals["widths"]) + 1 + (_intervals["top"] is not None)
            self._keys: dict[str | None, int] = {}
            self._codes: list[np.ndarray] = []
            self._labels: list[np.ndarray] = []
            self._share: list[np.ndarray] = []
            return
        if not rows:
            raise ConfigurationError(f"hierarchy {name}: it has no rows", code="invalid-hierarchy")
        _check_one_value_per_level(rows, name)
        widths = {len(r) for r in rows}
        if len(widths) != 1:
            bad = [i + 1 for i, r in enumerate(rows) if len(r) != len(rows[0])][:_MAX_LISTED]
            raise ConfigurationError(
                f"hierarchy {name}: every row needs the same number of levels; row 1 has "
                f"{len(rows[0])}, rows {bad} differ",
                code="invalid-hierarchy",
            )
        self.n_levels = widths.pop()
        if self.n_levels < 1:
            raise ConfigurationError(f"hierarchy {name}: rows are empty", code="invalid-hierarchy")
        keys: dict[str | None, int] = {}
        dups: list[str] = []
        for i, r in enumerate(rows):
            key = canonical(r[0])
            if isinstance(r[0], str) and r[0] == "":
                key = None
            if key in keys:
                dups.append(repr(r[0]))
            keys[key] = i
        if dups:
            raise ConfigurationError(
                f"hierarchy {name}: values listed more than once: {', '.join(dups[:_MAX_LISTED])}",
                code="invalid-hierarchy",
            )
        self._keys = keys
        n = len(rows)
        self._codes = []
        self._labels = []
        self._share = []
        prev_codes: np.ndarray | None = None
        for level in range(self.n_levels):
            col = [r[level] for r in rows]
            if level == 0:
                codes = np.arange(n, dtype=np.int64)
                labels = np.empty(n, dtype=object)
                labels[:] = col
            else:
                text = [canonical(v) or "" for v in col]
                codes_i, uniq = pd.factorize(pd.Series(text, dtype=object))
                codes = codes_i.astype(np.int64)
                labels = np.empty(len(uniq), dtype=object)
                _, first = np.unique(codes, return_index=True)
                labels[:] = [col[int(i)] for i in first]
            if prev_codes is not None:
                # each value at level-1 must have one parent at this level (a tree)
                pairs = pd.DataFrame({"child": prev_codes, "parent": codes}).drop_duplicates()
                split = pairs["child"].duplicated(keep=False)
                if split.any():
                    bad_children = sorted(
                        {str(self._labels[-1][c]) for c in pairs.loc[split, "child"]}
                    )
                    raise ConfigurationError(
                        f"hierarchy {name}: level {level - 1} value(s) "
                        f"{', '.join(bad_children[:_MAX_LISTED])} generalise to more than one "
                        f"value at level {level}; a hierarchy must be a tree",
                        code="invalid-hierarchy",
                    )
            leaves = np.bincount(codes, minlength=len(labels)).astype(float)
            share = (leaves - 1.0) / (n - 1.0) if n > 1 else np.zeros(len(labels))
            if level == self.n_levels - 1 and len(labels) == 1:
                share = np.ones(1)
            self._codes.append(codes)
            self._labels.append(labels)
            self._share.append(share)
            prev_codes = codes

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_rows(cls, rows: Iterable[Sequence[Any]], name: str = "<rows>") -> Hierarchy:
        """A hierarchy from rows ``[value, level1, level2, ...]`` (the ARX CSV layout)."""
        if isinstance(rows, pd.DataFrame):
            rows = rows.itertuples(index=False)
        listed = []
        for i, r in enumerate(rows):
            if isinstance(r, str) or not isinstance(r, Sequence):
                raise ConfigurationError(
                    f"hierarchy {name}: row {i + 1} is {r!r}, not a list [value, level1, ...]",
                    code="invalid-hierarchy",
                )
            listed.append(list(r))
        return cls(listed, name=name)

    @classmethod
    def from_mapping(
        cls, mapping: Mapping[Any, Sequence[Any]], name: str = "<mapping>"
    ) -> Hierarchy:
        """A hierarchy from ``{value: [ancestor1, ancestor2, ...]}`` (lowest ancestor first)."""
        if not isinstance(mapping, Mapping):
            raise ConfigurationError(
                f"hierarchy {name}: expected a mapping {{value: [ancestor1, ...]}}, not "
                f"{type(mapping).__name__}",
                code="invalid-hierarchy",
            )
        rows = []
        for value, ancestors in mapping.items():
            if isinstance(ancestors, str) or not isinstance(ancestors, Sequence):
                ancestors = [ancestors]
            rows.append([value, *ancestors])
        return cls(rows, name=name)

    @classmethod
    def from_values(
        cls, values: Iterable[Any], top: str = "*", name: str = "<values>"
    ) -> Hierarchy:
        """A two-level hierarchy: each distinct value (level 0), then ``top`` (level 1).

        Examples
        --------
        >>> Hierarchy.from_values(["F1", "F2", "F1"]).apply(pd.Series(["F2"]), 1).tolist()
        ['*']
        """
        seen: dict[str | None, Any] = {}
        for v in values:
            key = canonical(v)
            if key not in seen:
                seen[key] = None if key is None else v
        return cls([[v, top] for v in seen.values()], name=name)

    @classmethod
    def from_intervals(
        cls,
        widths: Sequence[float],
        *,
        start: float = 0.0,
        top: str | None = "*",
        value_range: tuple[float, float] | None = None,
        name: str = "<intervals>",
    ) -> Hierarchy:
        """A hierarchy of numeric bands: level ``i`` puts ``x`` in ``[start + j*w, start + (j+1)*w)``.

        Parameters
        ----------
        widths : sequence of float
            Band widths at levels 1, 2, ...; each must be a positive multiple of the one before,
            so the bands nest (a tree).
        start : float
            Where bands begin.
        top : str or None
            Label of one further, top level (None for none).
        value_range : (float, float), optional
            Allowed values (an error outside) and the domain used by the ``"loss"`` metric
            (default: the data's range).

        Examples
        --------
        >>> h = Hierarchy.from_intervals([5, 10])
        >>> h.apply(pd.Series([17, 23, 39]), 1).tolist()
        ['15-19', '20-24', '35-39']
        >>> h.apply(pd.Series([17, 23, 39]), 2).tolist()
        ['10-19', '20-29', '30-39']
        """
        try:
            w = [float(x) for x in widths]
            first = float(start)
            bounds = None if value_range is None else [float(b) for b in value_range]
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(
                f"hierarchy {name}: 'intervals', 'start' and 'range' must be numbers ({exc})",
                code="invalid-hierarchy",
            ) from None
        if not math.isfinite(first):
            raise ConfigurationError(
                f"hierarchy {name}: start {first:g} must be a finite number",
                code="invalid-hierarchy",
            )
        if bounds is not None and (len(bounds) != 2 or any(math.isnan(b) for b in bounds)):
            raise ConfigurationError(
                f"hierarchy {name}: range must be two numbers (lowest, highest), got "
                f"{list(value_range or ())}",
                code="invalid-hierarchy",
            )
        if not w:
            raise ConfigurationError(
                f"hierarchy {name}: 'intervals' is empty", code="invalid-hierarchy"
            )
        for i, x in enumerate(w):
            if not 0 < x < math.inf:
                raise ConfigurationError(
                    f"hierarchy {name}: interval width {x:g} must be a positive number",
                    code="invalid-hierarchy",
                )
            if i and not math.isclose(x / w[i - 1], round(x / w[i - 1])):
                raise ConfigurationError(
                    f"hierarchy {name}: interval width {x:g} (level {i + 1}) is not a multiple "
                    f"of {w[i - 1]:g} (level {i}); bands must nest",
                    code="invalid-hierarchy",
                )
        if bounds is not None and not bounds[0] <= bounds[1]:
            raise ConfigurationError(
                f"hierarchy {name}: range {bounds} is empty", code="invalid-hierarchy"
            )
        spec = {"widths": w, "start": first, "top": top, "range": bounds}
        return cls([], name=name, _intervals=spec)

    # ------------------------------------------------------------------ properties
    @property
    def height(self) -> int:
        """Index of the top level."""
        return self.n_levels - 1

    @property
    def is_interval(self) -> bool:
        """True for a numeric interval hierarchy."""
        return self._intervals is not None

    def to_frame(self) -> pd.DataFrame:
        """The hierarchy as a table: one row per original value, columns ``level_0``... ."""
        if self._intervals is not None:
            raise ConfigurationError(
                f"hierarchy {self.name}: an interval hierarchy has no fixed table; apply it to data",
                code="invalid-hierarchy",
            )
        return pd.DataFrame(
            {f"level_{i}": self._labels[i][self._codes[i]] for i in range(self.n_levels)}
        )

    def __repr__(self) -> str:
        kind = "intervals" if self._intervals is not None else f"{len(self._keys)} values"
        return f"Hierarchy({self.name!r}, {kind}, n_levels={self.n_levels})"

    # ------------------------------------------------------------------ encoding
    def encode(self, data: pd.Series, column: Hashable = None) -> list[LevelCoding]:
        """Code every record of ``data`` at every level (vectorised).

        Raises
        ------
        DataError
            When ``data`` holds values the hierarchy does not list (all of them are named).
        """
        where = f"column {column!r}" if column is not None else "the data"
        if self._intervals is not None:
            return self._encode_intervals(data, where)
        codes_i, uniques = pd.factorize(data, use_na_sentinel=True)
        codes = codes_i.astype(np.int64)
        has_na = bool((codes < 0).any())
        uniq_keys = [canonical(u) for u in uniques]
        rows = np.array([self._keys.get(k, -1) for k in uniq_keys], dtype=np.int64)
        missing = [u for u, r in zip(uniques, rows, strict=True) if r < 0]
        if missing:
            listed = ", ".join(repr(m) for m in missing[:_MAX_LISTED])
            more = f" and {len(missing) - _MAX_LISTED} more" if len(missing) > _MAX_LISTED else ""
            raise DataError(
                f"hierarchy {self.name}: {where} has {len(missing)} value(s) the hierarchy does "
                f"not list: {listed}{more}",
                code="value-not-in-hierarchy",
                failure_cases=pd.DataFrame({"column": [column] * len(missing), "value": missing}),
            )
        na_row = self._keys.get(None, -1)
        out: list[LevelCoding] = []
        for level in range(self.n_levels):
            lc = self._codes[level]
            labels = self._labels[level]
            share = self._share[level]
            rec = (
                lc[rows][np.where(codes < 0, 0, codes)]
                if len(rows)
                else np.zeros(len(codes), np.int64)
            )
            if has_na:
                if na_row >= 0:
                    rec = np.where(codes < 0, lc[na_row], rec)
                elif level == self.n_levels - 1 and len(labels) == 1 and self.n_levels > 1:
                    rec = np.where(codes < 0, 0, rec)
                else:
                    rec = np.where(codes < 0, len(labels), rec)
                    grown = np.empty(len(labels) + 1, dtype=object)
                    grown[:-1] = labels
                    grown[-1] = np.nan
                    labels = grown
                    share = np.append(share, 0.0)
            out.append(LevelCoding(rec.astype(np.int64), labels, share))
        return out

    def _encode_intervals(self, data: pd.Series, where: str) -> list[LevelCoding]:
        spec = self._intervals
        assert spec is not None
        try:
            x = pd.to_numeric(data, errors="raise").to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError) as exc:
            bad = data[pd.to_numeric(data, errors="coerce").isna() & data.notna()].unique()
            raise DataError(
                f"hierarchy {self.name}: {where} must be numeric for an interval hierarchy; "
                f"found {', '.join(repr(b) for b in bad[:_MAX_LISTED])}",
                code="value-not-in-hierarchy",
            ) from exc
        na = np.isnan(x)
        vr = spec["range"]
        if vr is not None:
            outside = ~na & ((x < vr[0]) | (x > vr[1]))
            if outside.any():
                vals = np.unique(x[outside])
                raise DataError(
                    f"hierarchy {self.name}: {where} has {len(vals)} value(s) outside the range "
                    f"{list(vr)}: {', '.join(f'{v:g}' for v in vals[:_MAX_LISTED])}",
                    code="value-not-in-hierarchy",
                )
            lo_dom, hi_dom = float(vr[0]), float(vr[1])
        else:
            lo_dom = float(np.nanmin(x)) if (~na).any() else 0.0
            hi_dom = float(np.nanmax(x)) if (~na).any() else 0.0
        integral = bool(np.all(np.mod(x[~na], 1) == 0))
        span = hi_dom - lo_dom
        out: list[LevelCoding] = []
        codes_i, uniques = pd.factorize(data, use_na_sentinel=True)
        codes0 = np.where(codes_i < 0, len(uniques), codes_i).astype(np.int64)
        labels0 = np.empty(len(uniques) + 1, dtype=object)
        labels0[: len(uniques)] = list(uniques)
        labels0[-1] = np.nan
        out.append(LevelCoding(codes0, labels0, np.zeros(len(labels0))))
        start = spec["start"]
        for w in spec["widths"]:
            band = np.floor((np.where(na, start, x) - start) / w)
            bcodes_i, buniq = pd.factorize(band)
            bcodes = np.where(na, len(buniq), bcodes_i).astype(np.int64)
            lows = start + np.asarray(buniq, dtype=float) * w
            labels = np.empty(len(buniq) + 1, dtype=object)
            if integral and float(w).is_integer() and float(start).is_integer():
                labels[:-1] = [f"{int(lo)}-{int(lo + w - 1)}" for lo in lows]
            else:
                labels[:-1] = [f"[{lo:g}, {lo + w:g})" for lo in lows]
            labels[-1] = np.nan
            if span > 0:
                covered = np.minimum(lows + w, hi_dom) - np.maximum(lows, lo_dom)
                share = np.append(np.clip(covered / span, 0.0, 1.0), 0.0)
            else:
                share = np.zeros(len(labels))
            out.append(LevelCoding(bcodes, labels, share))
        if spec["top"] is not None:
            labels = np.array([spec["top"]], dtype=object)
            out.append(LevelCoding(np.zeros(len(x), np.int64), labels, np.ones(1)))
        return out

    def check(self, data: pd.Series, column: Hashable = None) -> None:
        """Raise :class:`DataError` listing values of ``data`` the hierarchy lacks."""
        self.encode(data, column)

    def apply(self, data: pd.Series, level: int) -> pd.Series:
        """``data`` generalised to ``level`` (same index; level 0 returns the values unchanged)."""
        if not 0 <= level < self.n_levels:
            raise DataError(
                f"hierarchy {self.name}: level {level} does not exist (levels 0..{self.height})",
                code="invalid-level",
            )
        if level == 0:
            self.check(data, data.name)
            return data.copy()
        coding = self.encode(data, data.name)[level]
        return pd.Series(
            coding.labels[coding.codes], index=data.index, name=data.name, dtype=object
        )


# ---------------------------------------------------------------------- loading
def _file_text(path: Path) -> str:
    """A hierarchy file's text (UTF-8, or UTF-16 with its byte-order mark); anything else is a
    :class:`ConfigurationError` naming the file and line, saying how to save it."""
    return file_text(
        path.read_bytes(), f"hierarchy file {path}", error=ConfigurationError, code="not-utf8"
    )


def _read_csv_rows(path: Path, sep: str) -> list[list[str]]:
    """The rows of an ARX CSV file, checked with the file's line numbers.

    Trailing empty cells (a spreadsheet's trailing separators) and rows with no value at all
    are dropped; a row whose length differs from the first, a blank generalised value, and a
    file of one column (most often the wrong ``sep``) are refused.
    """
    rows: list[list[str]] = []
    lines: list[int] = []
    for number, line in enumerate(_file_text(path).splitlines(), start=1):
        for row in csv.reader([line], delimiter=sep):
            while row and not row[-1].strip():
                row.pop()
            if row:
                rows.append(row)
                lines.append(number)
    if not rows:
        return rows
    where = f"hierarchy file {path}"
    if all(len(r) == 1 for r in rows):
        seps = [c for c in (",", "\t", ";", "|") if c != sep and any(c in r[0] for r in rows)]
        hint = f"; its values hold {seps[0]!r}: pass sep={seps[0]!r}" if seps else ""
        raise ConfigurationError(
            f"{where}: every row has one column (no {sep!r} separator found), so nothing can "
            f"be generalised: a row needs the value, then its ancestors up to '*'{hint}",
            code="invalid-hierarchy",
        )
    for row, number in zip(rows, lines, strict=True):
        if len(row) != len(rows[0]):
            raise ConfigurationError(
                f"{where}, line {number}: {len(row)} level(s) where line {lines[0]} has "
                f"{len(rows[0])}; every row needs the same number of levels",
                code="invalid-hierarchy",
            )
        blank = next((i for i, v in enumerate(row) if i and not v.strip()), None)
        if blank is not None:
            raise ConfigurationError(
                f"{where}, line {number}: level {blank} of {row[0]!r} is blank; give the "
                "generalised value (or '*' for a suppressed one)",
                code="invalid-hierarchy",
            )
    return rows


def load_hierarchy(path: str | Path, sep: str = ";") -> Hierarchy:
    """Read a generalisation hierarchy from an ARX CSV file or a YAML file.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.csv`` (or ``.txt``) file in ARX's layout: no header, ``sep``-separated, one row per
        original value, each further column one level up (the last usually ``*``); UTF-8 (or
        UTF-16 with a byte-order mark). Empty lines, rows with no value and trailing empty cells
        (a spreadsheet's trailing separators) are ignored. Or a ``.yaml`` / ``.yml`` file in one
        of the shapes the module documentation describes (``levels:`` or ``intervals:``).
    sep : str
        The CSV field separator, one character (ARX uses ``;``).

    Returns
    -------
    Hierarchy

    Raises
    ------
    ConfigurationError
        The file is missing (or a folder), unreadable, not UTF-8, or not a valid hierarchy (one
        column only, rows of different lengths, a blank generalised value, a value listed twice,
        a value with two parents, interval widths that do not nest); the message names the file
        and, for a CSV file, the line.
    ArgumentError
        ``path`` is not a path, or ``sep`` not one character.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "grade.csv").write_text("FY1;Foundation;*\\nFY2;Foundation;*\\nST3;Specialty;*\\n")
    >>> h = load_hierarchy(d / "grade.csv")
    >>> h.height
    2
    >>> _ = (d / "age.yaml").write_text("intervals: [5, 10]\\n")
    >>> load_hierarchy(d / "age.yaml").apply(pd.Series([23, 31]), 2).tolist()
    ['20-29', '30-39']
    """
    p = _hierarchy_path(path)
    if p.suffix.lower() in {".yaml", ".yml"}:
        return _load_yaml(p)
    if not isinstance(sep, str) or len(sep) != 1:
        raise ArgumentError(
            f"load_hierarchy: sep must be one character (ARX uses ';'), not {sep!r}"
        )
    try:
        rows = _read_csv_rows(p, sep)
    except (OSError, csv.Error) as exc:
        raise ConfigurationError(
            f"hierarchy file {p}: cannot be read: {exc}", code="bad-file"
        ) from exc
    return Hierarchy(rows, name=p.name)


def _hierarchy_path(path: Any) -> Path:
    """``path`` as an existing file, or a clear error (not a path, missing, a folder)."""
    if isinstance(path, pd.DataFrame):
        raise ArgumentError(
            "load_hierarchy takes the path of a hierarchy file, not a DataFrame: for a table "
            "of rows [value, level1, ...] use Hierarchy.from_rows(frame)"
        )
    if not isinstance(path, str | PathLike):
        raise ArgumentError(
            "load_hierarchy takes the path of a hierarchy file (.csv or .yaml), not "
            f"{type(path).__name__} {path!r:.60}"
        )
    p = Path(path)
    if p.is_dir():
        raise ConfigurationError(
            f"hierarchy file {str(p)!r} is a folder, not a file: name the .csv or .yaml file in it",
            code="missing-file",
        )
    if not p.is_file():
        raise ConfigurationError(f"hierarchy file {str(p)!r} does not exist", code="missing-file")
    return p


def _load_yaml(p: Path) -> Hierarchy:
    import yaml

    try:
        doc = yaml.safe_load(_file_text(p))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(
            f"hierarchy file {p}: cannot be read: {exc}", code="bad-file"
        ) from exc
    if not isinstance(doc, dict):
        raise ConfigurationError(
            f"hierarchy file {p}: expected a mapping with 'levels' or 'intervals'",
            code="invalid-hierarchy",
        )
    known = {"levels", "intervals", "start", "top", "range", "name", "description"}
    unknown = sorted(set(map(str, doc)) - known)
    if unknown:
        raise ConfigurationError(
            f"hierarchy file {p}: unknown key(s) {', '.join(unknown)}; expected {sorted(known)}",
            code="invalid-hierarchy",
        )
    if ("levels" in doc) == ("intervals" in doc):
        raise ConfigurationError(
            f"hierarchy file {p}: give exactly one of 'levels' (a table) or 'intervals' (numbers)",
            code="invalid-hierarchy",
        )
    if "levels" in doc:
        levels = doc["levels"]
        if isinstance(levels, dict):
            return Hierarchy.from_mapping(levels, name=p.name)
        if isinstance(levels, list) and all(isinstance(r, list) for r in levels):
            return Hierarchy.from_rows(levels, name=p.name)
        raise ConfigurationError(
            f"hierarchy file {p}: 'levels' must map each value to its list of ancestors, or be a "
            "list of rows [value, ancestor, ...]",
            code="invalid-hierarchy",
        )
    widths = doc["intervals"]
    if not isinstance(widths, list) or not all(
        isinstance(w, int | float) and not isinstance(w, bool) for w in widths
    ):
        raise ConfigurationError(
            f"hierarchy file {p}: 'intervals' must be a list of band widths, e.g. [5, 10, 20]",
            code="invalid-hierarchy",
        )
    rng = doc.get("range")
    if rng is not None and not (
        isinstance(rng, list) and len(rng) == 2 and all(isinstance(v, int | float) for v in rng)
    ):
        raise ConfigurationError(
            f"hierarchy file {p}: 'range' must be [low, high]", code="invalid-hierarchy"
        )
    top = doc.get("top", "*")
    if top is not None and (isinstance(top, bool) or not isinstance(top, str | int | float)):
        raise ConfigurationError(
            f"hierarchy file {p}: 'top' must be one label (text, e.g. \"*\"), or null for no "
            f"top level; got {top!r}",
            code="invalid-hierarchy",
        )
    start = doc.get("start", 0)
    if not isinstance(start, int | float):
        raise ConfigurationError(
            f"hierarchy file {p}: 'start' must be a number", code="invalid-hierarchy"
        )
    return Hierarchy.from_intervals(
        widths,
        start=float(start),
        top=top if top is None else str(top),
        value_range=(float(rng[0]), float(rng[1])) if rng is not None else None,
        name=p.name,
    )
