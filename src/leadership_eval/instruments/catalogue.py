"""A catalogue: the instruments of a folder, loaded together and cross-checked.

The default catalogue is the set of instruments shipped with the package. Loading a catalogue
reports every problem of every file at once, plus the problems between files: duplicate ids,
objectives that the evaluation does not define, instruments the evaluation lists but the folder
lacks.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import ArgumentError, InstrumentError, Problem
from .loader import bundled_paths, load_instrument, shared_instrument
from .models import (
    Codebook,
    Evaluation,
    Guidance,
    Instrument,
    InterviewGuide,
    Survey,
)

__all__ = ["DEFAULT_OBJECTIVES", "Catalogue", "coverage_matrix", "load_catalogue"]

DEFAULT_OBJECTIVES = ("O1", "O2", "O3", "O4", "O5", "O6", "O7")
"""The objectives of the Clinical Leadership Mentor evaluation (used when a folder has no
evaluation document)."""


class Catalogue(Mapping[str, Instrument]):
    """A read-only mapping from instrument id to instrument, with the file each came from."""

    def __init__(self, instruments: dict[str, Instrument], paths: dict[str, Path]) -> None:
        self._instruments = dict(instruments)
        self.paths: dict[str, Path] = dict(paths)

    def __getitem__(self, key: str) -> Instrument:
        return self._instruments[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._instruments)

    def __len__(self) -> int:
        return len(self._instruments)

    def __repr__(self) -> str:
        return f"Catalogue({', '.join(self._instruments)})"

    def of_kind(self, kind: str) -> list[Instrument]:
        """The instruments of one kind (``survey``, ``interview_guide``...)."""
        return [i for i in self._instruments.values() if i.kind == kind]

    @property
    def surveys(self) -> list[Survey]:
        """The surveys."""
        return [i for i in self._instruments.values() if isinstance(i, Survey)]

    @property
    def guides(self) -> list[InterviewGuide]:
        """The interview guides."""
        return [i for i in self._instruments.values() if isinstance(i, InterviewGuide)]

    @property
    def codebooks(self) -> list[Codebook]:
        """The codebooks."""
        return [i for i in self._instruments.values() if isinstance(i, Codebook)]

    @property
    def guidance(self) -> list[Guidance]:
        """The guidance documents."""
        return [i for i in self._instruments.values() if isinstance(i, Guidance)]

    @property
    def evaluation(self) -> Evaluation | None:
        """The evaluation document, if the catalogue has one."""
        found = [i for i in self._instruments.values() if isinstance(i, Evaluation)]
        return found[0] if found else None

    @property
    def objective_ids(self) -> list[str]:
        """The evaluation's objectives (the default O1..O7 without an evaluation)."""
        ev = self.evaluation
        return ev.objective_ids if ev else list(DEFAULT_OBJECTIVES)

    def coverage(self) -> dict[str, dict[str, int]]:
        """For each objective, how many parts of each instrument name it.

        Parts are items, sections and scales of a survey, topics and questions of a guide, codes of
        a codebook and sections of guidance; an instrument-level objective counts once.
        """
        out: dict[str, dict[str, int]] = {o: {} for o in self.objective_ids}
        for ident, inst in self._instruments.items():
            if isinstance(inst, Evaluation):
                continue
            for objective in inst.objective_mentions():
                out.setdefault(objective, {})
                out[objective][ident] = out[objective].get(ident, 0) + 1
        return out

    def uncovered(self) -> list[str]:
        """Objectives that no instrument serves."""
        return [o for o, by in self.coverage().items() if not by]


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def load_catalogue(folder: str | Path | None = None) -> Catalogue:
    """Load every instrument in a folder (default: the bundled ones) and cross-check them.

    Parameters
    ----------
    folder : str or pathlib.Path, optional
        A folder of ``.yaml`` instrument files (searched recursively). None loads the
        instruments shipped with the package.

    Returns
    -------
    Catalogue
        A mapping from instrument id to instrument.

    Raises
    ------
    ArgumentError
        When ``folder`` is not a path.
    InstrumentError
        Every problem of every file, plus duplicate ids across files, objectives not defined by
        the evaluation, and instruments the evaluation lists that the folder does not hold; a
        folder that does not exist (``not-a-folder``) or holds no ``.yaml`` file
        (``no-instruments``).

    Examples
    --------
    >>> import leadership_eval as le
    >>> catalogue = le.load_catalogue()
    >>> catalogue.uncovered()
    []
    """
    if folder is None:
        paths = list(bundled_paths().values())
    else:
        if not isinstance(folder, str | Path):
            raise ArgumentError(
                f"folder must be the path of a folder of instruments (str or Path), or None for "
                f"the bundled ones; not {type(folder).__name__}"
            )
        root = Path(folder)
        if not root.is_dir():
            what = "is a file, not a folder" if root.exists() else "no such folder"
            raise InstrumentError(
                [Problem(str(root), 0, 0, "not-a-folder", f"{what}: {root}")],
                summary="cannot load catalogue",
            )
        paths = _files(root)
        if not paths:
            raise InstrumentError(
                [
                    Problem(
                        str(root),
                        0,
                        0,
                        "no-instruments",
                        f"the folder {root} holds no instrument file (.yaml or .yml, searched "
                        "in its subfolders too)",
                    )
                ],
                summary="cannot load catalogue",
            )
    return catalogue_from_paths(paths)


def shared_bundled_catalogue() -> Catalogue:
    """The bundled catalogue, its instruments as loaded once in this process, for callers
    inside the package that only read it (the regional report's table of objectives, and the
    demo, which loads it before it forks so that both processes have it)."""
    return catalogue_from_paths(list(bundled_paths().values()), copies=False)


def catalogue_from_paths(paths: list[Path], *, copies: bool = True) -> Catalogue:
    """Load and cross-check the given instrument files as one catalogue (``copies=False``:
    the instruments as loaded once in this process, for a caller that only reads them and
    keeps the catalogue to itself)."""
    problems: list[Problem] = []
    instruments: dict[str, Instrument] = {}
    where: dict[str, Path] = {}
    for path in paths:
        try:
            inst = load_instrument(path) if copies else shared_instrument(path)
        except InstrumentError as exc:
            problems.extend(exc.problems)
            continue
        if inst.id in instruments:
            problems.append(
                Problem(
                    str(path),
                    _line_of(path, "id"),
                    1,
                    "duplicate-instrument-id",
                    f"instrument id {inst.id!r} is already used by {where[inst.id]}",
                    ("id",),
                )
            )
            continue
        instruments[inst.id] = inst
        where[inst.id] = path
    catalogue = Catalogue(instruments, where)
    evaluations = [i for i in instruments.values() if isinstance(i, Evaluation)]
    if len(evaluations) > 1:
        for ev in evaluations[1:]:
            problems.append(
                Problem(
                    str(where[ev.id]),
                    1,
                    1,
                    "multiple-evaluations",
                    f"a catalogue holds one evaluation; {evaluations[0].id!r} came first",
                )
            )
    known = set(catalogue.objective_ids)
    for ident, inst in instruments.items():
        if isinstance(inst, Evaluation):
            for j, ref in enumerate(inst.instruments):
                if ref not in instruments:
                    problems.append(
                        Problem(
                            str(where[ident]),
                            _line_of(where[ident], ref),
                            1,
                            "unknown-instrument",
                            f"the evaluation lists instrument {ref!r}, which is not in the "
                            "catalogue",
                            ("instruments", j),
                        )
                    )
            continue
        for objective in sorted(inst.all_objectives() - known):
            problems.append(
                Problem(
                    str(where[ident]),
                    _line_of(where[ident], objective),
                    1,
                    "unknown-objective",
                    f"objective {objective!r} is not one of the evaluation's objectives "
                    f"({', '.join(sorted(known))})",
                )
            )
    if problems:
        raise InstrumentError(problems)
    return catalogue


def _line_of(path: Path, needle: str) -> int:
    """First line of a file mentioning ``needle`` as a word (1 if none): for cross-file problems."""
    import re

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return 1
    pattern = re.compile(rf"(?<![\w-]){re.escape(needle)}(?![\w-])")
    for n, line in enumerate(text.splitlines(), start=1):
        if pattern.search(line):
            return n
    return 1


def coverage_matrix(catalogue: Catalogue | None = None) -> Any:
    """The objectives x instruments coverage matrix.

    Parameters
    ----------
    catalogue : Catalogue, optional
        Default: the bundled catalogue.

    Raises
    ------
    ArgumentError
        When ``catalogue`` is not a Catalogue (a folder's path: load it with
        :func:`load_catalogue` first).

    Returns
    -------
    pandas.DataFrame
        Indexed by objective id, one column per instrument (evaluation excluded), each cell the
        number of the instrument's parts (items, scales, topics, questions, codes, sections) that
        name the objective; a final ``covered`` column is True where any instrument serves it.

    Examples
    --------
    >>> import leadership_eval as le
    >>> m = le.coverage_matrix()
    >>> bool(m["covered"].all())
    True
    """
    import pandas as pd

    if catalogue is not None and not isinstance(catalogue, Catalogue):
        hint = (
            f"; load it first: le.load_catalogue({str(catalogue)!r})"
            if isinstance(catalogue, str | Path)
            else ""
        )
        raise ArgumentError(
            f"catalogue must be a Catalogue (from le.load_catalogue) or None for the bundled "
            f"one, not {type(catalogue).__name__}{hint}"
        )
    cat = catalogue if catalogue is not None else load_catalogue()
    cov = cat.coverage()
    columns = [i for i, inst in cat.items() if not isinstance(inst, Evaluation)]
    frame = pd.DataFrame(
        [[cov.get(o, {}).get(c, 0) for c in columns] for o in cat.objective_ids],
        index=pd.Index(cat.objective_ids, name="objective"),
        columns=columns,
        dtype="int64",
    )
    frame["covered"] = frame.sum(axis=1) > 0
    return frame
