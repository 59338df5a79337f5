"""Load instrument files, reporting every problem at once with its file, line and column.

The loader reads YAML safely (no Python objects, duplicate keys rejected, alias expansion
bounded), validates the document against the pydantic models, then checks the references
between its parts (choice lists, scale items, skip logic). Every problem found by all three
passes is raised together as one :class:`~leadership_eval.errors.InstrumentError`.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from pydantic import ValidationError

from ..document import (
    MAX_FILE_BYTES,
    MAX_NODES,
    Document,
    describe_value,
    parse_document,
    pydantic_problems,
    too_large,
)
from ..errors import ArgumentError, DataError, InstrumentError, Problem, did_you_mean
from . import checks
from .models import MODEL_FOR_KIND, Instrument, Survey

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "Document",
    "as_survey",
    "bundled_paths",
    "load_instrument",
    "loads_instrument",
    "parse_document",
    "shared_instrument",
]


# ----------------------------------------------------------------------- pydantic problems


# ------------------------------------------------------------------------------ public API


def _build(doc: Document) -> Instrument | None:
    data = doc.data
    if data is None:
        return None
    if not isinstance(data, dict):
        doc.add(
            (),
            "not-a-mapping",
            f"an instrument must be a mapping of fields; found {describe_value(data)}",
        )
        return None
    kind = data.get("kind")
    if kind is None:
        doc.add(
            (),
            "missing-field",
            "required field 'kind' is missing (one of: " + ", ".join(MODEL_FOR_KIND) + ")",
        )
        return None
    if not isinstance(kind, str) or kind not in MODEL_FOR_KIND:
        doc.add(
            ("kind",),
            "unknown-kind",
            f"kind must be one of {', '.join(MODEL_FOR_KIND)}; found {kind!r}"
            f"{did_you_mean(kind, MODEL_FOR_KIND)}",
        )
        return None
    model = MODEL_FOR_KIND[kind]
    checks.check_references(doc, kind)
    try:
        result = model.model_validate(data)
    except ValidationError as exc:
        pydantic_problems(doc, model, exc)
        return None
    except (TypeError, ValueError, RecursionError) as exc:  # pragma: no cover - defensive
        doc.add((), "invalid-document", f"the document could not be validated: {exc}")
        return None
    return result  # type: ignore[no-any-return]


def loads_instrument(text: str | bytes, source: str = "<string>") -> Instrument:
    """Load an instrument from YAML text.

    Parameters
    ----------
    text : str or bytes
        The YAML document.
    source : str
        The name used in problem locations (a file name).

    Returns
    -------
    Survey, InterviewGuide, Codebook, Guidance or Evaluation

    Raises
    ------
    InstrumentError
        Listing every problem found, each with file, line, column and field path.

    Examples
    --------
    >>> from leadership_eval import loads_instrument, InstrumentError
    >>> survey = loads_instrument('''
    ... kind: survey
    ... id: tiny
    ... version: 1.0.0
    ... title: A tiny survey
    ... choice_lists:
    ...   yn: {options: [{code: 1, label: "Yes"}, {code: 0, label: "No"}]}
    ... sections:
    ...   - id: main
    ...     title: Main
    ...     items:
    ...       - {id: mentor_met, type: choice, choices: yn, text: Have you met your mentor?}
    ... ''')
    >>> [item.id for item in survey.items]
    ['mentor_met']
    >>> try:
    ...     loads_instrument("kind: survey\\nid: Bad Id\\nversion: 1\\ntitel: x\\n", "s.yaml")
    ... except InstrumentError as err:
    ...     print(err)  # doctest: +NORMALIZE_WHITESPACE
    4 problems found:
    s.yaml:1:1: missing-field: required field 'sections' is missing
    s.yaml:2:5: invalid-format: id must be an instrument id: lower-case words joined by hyphens, e.g. 'trainee-survey'; found 'Bad Id' (id)
    s.yaml:3:10: wrong-type: version should be a valid string; found int 1 (quote it: version: '1.0.0') (version)
    s.yaml:4:1: unknown-field: unknown field 'titel'; did you mean 'title'? (titel)
    """
    # a copy: the models are frozen, but their lists and dicts could still be changed in place
    return _shared(text, source).model_copy(deep=True)


def _shared(text: str | bytes, source: str) -> Instrument:
    """The instrument of ``text`` as loaded once in this process, not a copy: for callers that
    only read it (and never hand it on). Raises :class:`InstrumentError` as
    :func:`loads_instrument` does."""
    raw = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    key = (source, hashlib.sha256(raw).digest())
    loaded = _LOADED.get(key)
    if loaded is None:
        doc = parse_document(text, source)
        result = _build(doc)
        if doc.problems or result is None:
            raise InstrumentError(
                doc.problems or [Problem(source, 1, 1, "invalid-document", "not loaded")]
            )
        if len(_LOADED) >= _LOADED_MAX:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[key] = loaded = result
    return loaded


# instruments already loaded, by (source, SHA-256 of the text): the same file is loaded by
# several steps of a run (the reports, the catalogue of objectives), and parsing and checking
# it is most of the cost
_LOADED: dict[tuple[str, bytes], Instrument] = {}
_LOADED_MAX = 128


_TOP_ID = re.compile(r"^id:[ \t]*['\"]?([a-z0-9-]+)", re.MULTILINE)


def bundled_paths() -> dict[str, Path]:
    """The instrument files shipped with the package, by instrument id.

    The id is read from the file's top-level ``id:`` line (falling back to the file name), so
    looking one up does not load every instrument.
    """
    from importlib.resources import files

    root = files("leadership_eval.bundled")
    out: dict[str, Path] = {}
    for entry in root.iterdir():
        name = entry.name
        if name.endswith((".yaml", ".yml")):
            path = Path(str(entry))
            try:
                found = _TOP_ID.search(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                found = None
            out[found.group(1) if found else name.rsplit(".", 1)[0]] = path
    return dict(sorted(out.items()))


def load_instrument(path_or_id: str | Path) -> Instrument:
    """Load an instrument from a YAML file, or a bundled one by its id.

    Parameters
    ----------
    path_or_id : str or pathlib.Path
        A path to a ``.yaml`` file, or the id of a bundled instrument (``trainee-survey``).

    Returns
    -------
    Survey, InterviewGuide, Codebook, Guidance or Evaluation

    Raises
    ------
    InstrumentError
        Listing every problem found in the file (or saying that no such file or id exists).
    """
    path = Path(path_or_id)
    if path.is_file():
        return _load_file(path)
    key = str(path_or_id)
    bundled = bundled_paths()
    if key in bundled:
        return _load_file(bundled[key])
    if path.suffix in (".yaml", ".yml") or "/" in key or "\\" in key:
        raise InstrumentError(
            [Problem(key, 0, 0, "file-not-found", f"no such file: {key}")],
            summary="cannot load instrument",
        )
    hint = did_you_mean(key, bundled)
    raise InstrumentError(
        [
            Problem(
                key,
                0,
                0,
                "unknown-instrument",
                f"{key!r} is neither a file nor a bundled instrument id{hint} "
                f"(bundled: {', '.join(bundled) or 'none'})",
            )
        ],
        summary="cannot load instrument",
    )


def shared_instrument(path: Path) -> Instrument:
    """The instrument in the file ``path`` as loaded once in this process, not a copy: for a
    caller inside the package that only reads it and hands it to nobody (the regional report's
    table of objectives). Raises :class:`InstrumentError` as :func:`load_instrument` does."""
    return _load_file(path, copy=False)


def _load_file(path: Path, *, copy: bool = True) -> Instrument:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InstrumentError([too_large(str(path), size)])
        raw = path.read_bytes()
    except OSError as exc:
        raise InstrumentError(
            [Problem(str(path), 0, 0, "unreadable-file", f"cannot read the file: {exc.strerror}")]
        ) from exc
    return loads_instrument(raw, str(path)) if copy else _shared(raw, str(path))


def as_survey(survey: Survey | str | Path) -> Survey:
    """A survey: ``survey`` itself, or the survey loaded from a YAML path or bundled id.

    The functions that work on a survey (``score``, ``validate_responses``, ``build_reports``...)
    accept any of the three through this function.

    Parameters
    ----------
    survey : Survey, str or pathlib.Path
        A loaded :class:`~leadership_eval.instruments.models.Survey` (returned unchanged), a path
        to a survey's ``.yaml`` file, or the id of a bundled survey (``trainee-survey``).

    Returns
    -------
    Survey
        ``survey`` itself when it is already a survey, else the survey loaded.

    Raises
    ------
    InstrumentError
        When the file or id cannot be loaded (every problem in the file is listed).
    DataError
        With code ``not-a-survey`` when the instrument loaded is another kind (an interview
        guide, a codebook...).
    TypeError
        When ``survey`` is none of the three.

    Examples
    --------
    >>> from leadership_eval.instruments.loader import as_survey
    >>> survey = as_survey('trainee-survey')
    >>> survey.id, as_survey(survey) is survey
    ('trainee-survey', True)
    >>> as_survey('clm-codebook')
    Traceback (most recent call last):
    ...
    leadership_eval.errors.DataError: instrument 'clm-codebook' is a codebook, not a survey
    """
    if isinstance(survey, Survey):
        return survey
    if not isinstance(survey, str | Path):
        raise ArgumentError(
            "survey must be a Survey, a YAML path or a bundled instrument id, "
            f"not {type(survey).__name__}"
        )
    inst = load_instrument(survey)
    if not isinstance(inst, Survey):
        kind = inst.kind.replace("_", " ")
        where = "" if str(survey) == inst.id else f"{survey}: "
        raise DataError(
            f"{where}instrument {inst.id!r} is {'an' if kind[0] in 'aeiou' else 'a'} {kind}, "
            "not a survey",
            code="not-a-survey",
        )
    return inst
