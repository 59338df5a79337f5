"""Placeholders: the parts of an instrument that each adopter fills in before deploying it.

Information sheets, consent questions and privacy notices name people and organisations that
differ from one evaluation to the next: the data controller, the lawful basis, the ethics
decision, a contact. The shipped instruments write them as ``{{name}}`` (for example
``{{data_controller}}``), and:

* the loader checks every placeholder is well formed and known (a standard name below, or one
  the document declares under ``placeholders:``), with the file, line and column of a mistake;
* :func:`fill_placeholders` puts an adopter's values in (from a mapping, or a YAML file written
  by ``leadership-eval init``);
* :func:`check_filled` refuses an instrument that still has a placeholder where a respondent or
  participant would read it, so an export never shows ``{{data_controller}}`` to anyone
  (``leadership-eval export`` calls it, unless ``--draft``).

Notes for adopters (``adopter_notes``), the ``placeholders`` declarations themselves and the
changelog are never shown to respondents, so placeholders there need not be filled.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from .._files import file_bytes, file_text
from ..errors import ArgumentError, ConfigurationError, InstrumentError, Problem
from .models import Codebook, Evaluation, Guidance, InterviewGuide, Survey

if TYPE_CHECKING:  # pragma: no cover
    from ..document import Document
    from .models import Instrument

DocT = TypeVar("DocT", bound=Survey | InterviewGuide | Codebook | Guidance | Evaluation)

__all__ = [
    "PLACEHOLDER_PATTERN",
    "STANDARD_PLACEHOLDERS",
    "check_filled",
    "fill_placeholders",
    "find_placeholders",
    "load_placeholder_values",
    "unfilled_placeholders",
]

PLACEHOLDER_PATTERN = re.compile(r"\{\{(.*?)\}\}", re.S)
"""A placeholder: ``{{name}}`` (spaces inside the braces are allowed)."""

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

STANDARD_PLACEHOLDERS: dict[str, str] = {
    "evaluation_team": "Who runs the evaluation: the organisation and team (e.g. 'the "
    "evaluation team of the Centre for X at the University of Y').",
    "funder": "Who funds the evaluation (e.g. 'NHS England, through the regional deanery').",
    "purpose": "Why the evaluation is done, in one sentence a respondent understands.",
    "data_controller": "The organisation that decides why and how the personal data are "
    "processed (the data controller under UK GDPR), with its address.",
    "lawful_basis": "The UK GDPR lawful basis (Article 6, e.g. 'public task, Article 6(1)(e)'), "
    "and the Article 9 condition if special category data are collected.",
    "retention": "How long the data are kept and when they are deleted (e.g. 'survey returns "
    "for five years after the final report, then deleted').",
    "contact": "Whom participants contact with questions (a role and an email address).",
    "dpo_contact": "The data protection officer's contact, and the right to complain to the "
    "Information Commissioner's Office (ico.org.uk).",
    "ethics_decision": "The ethics decision: the committee and reference, or who decided that "
    "review was not needed and why (e.g. service evaluation under the HRA decision tool).",
    "survey_close_date": "The date the survey closes.",
    "withdrawal_date": "The last date interview data can be withdrawn (when transcripts are "
    "anonymised and merged for analysis).",
    "research_lead": "The research lead: the person co-researchers report to (a role and a name).",
    "research_lead_contact": "How to reach the research lead the same day (phone and email).",
    "deputy_lead": "Who stands in when the research lead cannot be reached.",
    "governance_contact": "The information governance or data protection contact of the "
    "organisation that holds the data (for a data breach).",
    "safeguarding_contact": "The safeguarding lead to contact when a participant discloses a "
    "risk of harm.",
    "secure_folder": "Where recordings, transcripts and the participant-code key are stored "
    "(an encrypted, access-controlled folder).",
    "transcription_service": "Who transcribes the interviews, under which confidentiality "
    "agreement.",
    "professional_support": "The local professional support unit or wellbeing service for "
    "doctors in training.",
    "mentor_title": "What the mentor is called locally (e.g. 'Clinical Leadership Mentor').",
}
"""The placeholders every instrument may use, with what an adopter puts in each."""

_NOT_SHOWN = frozenset({"adopter_notes", "placeholders", "changelog"})


def find_placeholders(text: str) -> list[tuple[str, int]]:
    """The placeholder names in ``text`` with their offsets, in order.

    >>> find_placeholders("Contact {{contact}} or {{ dpo_contact }}.")
    [('contact', 8), ('dpo_contact', 23)]
    """
    return [(m.group(1).strip(), m.start()) for m in PLACEHOLDER_PATTERN.finditer(text)]


def _strings(
    data: Any, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, Mapping):
        for key, value in data.items():
            yield from _strings(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _strings(value, (*path, i))


def check_syntax(doc: Document) -> None:
    """Record a problem for every malformed or unknown placeholder of a raw document.

    Called by the loader for every kind of instrument.
    """
    data = doc.data if isinstance(doc.data, Mapping) else {}
    declared_raw = data.get("placeholders")
    declared = set(declared_raw) if isinstance(declared_raw, Mapping) else set()
    known = set(STANDARD_PLACEHOLDERS) | {str(k) for k in declared}
    for path, text in _strings(data):
        if path and path[0] in ("placeholders", "changelog"):
            continue  # declarations, and history that may name placeholders no longer used
        for match in PLACEHOLDER_PATTERN.finditer(text):
            name = match.group(1).strip()
            line, col = _column(doc, path, text, match.start())
            if not _NAME.match(name):
                doc.problems.append(
                    Problem(
                        doc.source,
                        line,
                        col,
                        "invalid-placeholder",
                        f"placeholder {match.group(0)!r} must be {{{{name}}}} with a name of "
                        "lower-case letters, digits and underscores",
                        path,
                    )
                )
            elif name not in known:
                from difflib import get_close_matches

                close = get_close_matches(name, sorted(known), n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                doc.problems.append(
                    Problem(
                        doc.source,
                        line,
                        col,
                        "unknown-placeholder",
                        f"placeholder {{{{{name}}}}} is neither a standard placeholder nor "
                        f"declared under 'placeholders:'{hint}",
                        path,
                    )
                )
        rest = PLACEHOLDER_PATTERN.sub("", text)
        if "{{" in rest or "}}" in rest:
            at = text.find("{{") if "{{" in rest else text.find("}}")
            line, col = _column(doc, path, text, max(at, 0))
            doc.problems.append(
                Problem(
                    doc.source,
                    line,
                    col,
                    "invalid-placeholder",
                    "unbalanced '{{' or '}}': a placeholder is written {{name}}",
                    path,
                )
            )


def _column(doc: Document, path: tuple[str | int, ...], text: str, offset: int) -> tuple[int, int]:
    """Line and column of ``offset`` in the string at ``path``: exact for a one-line scalar,
    the start of the value for one written over several lines (a folded block...)."""
    line, col = doc.where(path)
    if path in doc.multiline:
        return line, col
    return line, col + offset + (1 if path in doc.quoted else 0)


def _as_instrument(instrument: Any) -> Instrument:
    """``instrument`` itself when it is one (placeholders are checked on the model, so that an
    adopter's filled copy is checked, not the file it came from)."""
    from pydantic import BaseModel

    if isinstance(instrument, BaseModel) and hasattr(instrument, "placeholders"):
        return instrument  # type: ignore[return-value]
    hint = (
        f"; load it first: le.load_instrument({str(instrument)!r})"
        if isinstance(instrument, str | Path)
        else ""
    )
    raise ArgumentError(f"expected an instrument, not {type(instrument).__name__}{hint}")


def unfilled_placeholders(instrument: Instrument) -> list[tuple[tuple[str | int, ...], str]]:
    """Every placeholder left where someone would read it, as ``(field path, name)``.

    Placeholders in ``adopter_notes``, in the ``placeholders`` declarations and in the changelog
    are not listed: no one but the adopter reads those.

    Examples
    --------
    >>> import leadership_eval as le
    >>> survey = le.load_instrument("trainee-survey")
    >>> sorted({name for _, name in unfilled_placeholders(survey)})[:3]
    ['contact', 'data_controller', 'dpo_contact']
    """
    instrument = _as_instrument(instrument)
    data = instrument.model_dump(mode="json", by_alias=True)
    out: list[tuple[tuple[str | int, ...], str]] = []
    for path, text in _strings(data):
        if any(part in _NOT_SHOWN for part in path if isinstance(part, str)):
            continue
        out.extend((path, name) for name, _ in find_placeholders(text))
    return out


def fill_placeholders(instrument: DocT, values: Mapping[str, str]) -> DocT:
    """A copy of ``instrument`` with the given placeholders replaced by their values.

    Placeholders without a value (or with an empty one) are left as they are, so
    :func:`check_filled` can list them.

    Parameters
    ----------
    instrument : Survey, InterviewGuide, Codebook, Guidance or Evaluation
    values : mapping of placeholder name to text

    Returns
    -------
    The same kind of instrument, validated again.

    Raises
    ------
    ArgumentError
        When ``instrument`` is not an instrument, or ``values`` is not a mapping.
    ConfigurationError
        When a value is not text, or a key is not the name of a placeholder of the instrument.

    Examples
    --------
    >>> import leadership_eval as le
    >>> from leadership_eval.instruments.models import text_in
    >>> survey = le.load_instrument("trainee-survey")
    >>> filled = fill_placeholders(survey, {"data_controller": "University of Ashfield"})
    >>> "University of Ashfield" in text_in(filled.sections[0].items[4].text)
    True
    """
    instrument = cast(DocT, _as_instrument(instrument))
    if getattr(values, "ndim", None) == 1 and hasattr(values, "to_dict"):
        values = values.to_dict()  # a pandas Series of name -> text
    if not isinstance(values, Mapping):
        raise ArgumentError(
            "values must be a mapping of placeholder name to text (a dict, or what "
            f"load_placeholder_values() reads from a file), not {type(values).__name__}"
        )
    known = set(STANDARD_PLACEHOLDERS) | set(instrument.placeholders)
    for name, value in values.items():
        if not isinstance(name, str):
            raise ConfigurationError(
                f"placeholder names are text; values has the key {name!r} ({type(name).__name__})",
                code="unknown-placeholder",
            )
        if not isinstance(value, str):
            raise ConfigurationError(
                f"the value of placeholder {name!r} must be text, not {type(value).__name__}",
                code="invalid-placeholder-value",
            )
        if name not in known:
            from difflib import get_close_matches

            close = get_close_matches(name, sorted(known), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigurationError(
                f"{name!r} is not a placeholder of {instrument.id!r}{hint}",
                code="unknown-placeholder",
            )
    filled = {k: v.strip() for k, v in values.items() if v.strip()}

    def sub(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        return filled.get(name, match.group(0))

    def walk(node: Any, key: str | None = None) -> Any:
        if key in _NOT_SHOWN - {"adopter_notes"}:
            return node
        if isinstance(node, str):
            return PLACEHOLDER_PATTERN.sub(sub, node)
        if isinstance(node, dict):
            return {k: walk(v, k if isinstance(k, str) else None) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    data = walk(instrument.model_dump(mode="json", by_alias=True))
    return cast(DocT, type(instrument).model_validate(data))


def check_filled(instrument: Instrument, source: str | Path | None = None) -> None:
    """Raise :class:`~leadership_eval.errors.InstrumentError` when a placeholder is unfilled.

    Parameters
    ----------
    instrument : the instrument to be exported or printed.
    source : str or pathlib.Path, optional
        The instrument's YAML file: problems then carry its line and column.

    Raises
    ------
    InstrumentError
        With one ``unfilled-placeholder`` problem per placeholder left, saying what to put in.
    """
    instrument = _as_instrument(instrument)
    left = unfilled_placeholders(instrument)
    if not left:
        return
    doc = None
    name = str(source) if source is not None else instrument.id
    if source is not None and Path(source).is_file():
        from ..document import parse_document

        doc = parse_document(Path(source).read_bytes(), str(source))
    problems = []
    for path, key in left:
        line, col = doc.where(path) if doc is not None else (0, 0)
        what = STANDARD_PLACEHOLDERS.get(key) or _text(instrument.placeholders.get(key))
        problems.append(
            Problem(
                name,
                line,
                col,
                "unfilled-placeholder",
                f"{{{{{key}}}}} is not filled in" + (f": {what}" if what else ""),
                path,
            )
        )
    raise InstrumentError(
        problems,
        summary=f"{instrument.id} has {len(problems)} placeholder"
        f"{'s' if len(problems) != 1 else ''} to fill in before it is used (or export it "
        "with --draft to review it)",
    )


def _text(value: Any) -> str:
    from .models import text_in

    return text_in(value) if value is not None else ""


def load_placeholder_values(path: str | Path) -> dict[str, str]:
    """Read placeholder values from a YAML file of ``name: value`` lines.

    Empty values are kept as empty (unfilled). The file ``leadership-eval init`` writes lists
    every placeholder the instruments use, with a comment saying what goes in each.

    Raises
    ------
    ConfigurationError
        When the file cannot be read (no such file, a folder, not UTF-8, not YAML), is not a
        mapping, or holds a value that is not text.
    """
    import yaml

    p = Path(path)
    try:
        raw = yaml.safe_load(_values_text(p))
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{p}: cannot read placeholder values: {exc}") from exc
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigurationError(f"{p}: placeholder values must be a mapping of name: value")
    out: dict[str, str] = {}
    for key, value in raw.items():
        if value is None:
            value = ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ConfigurationError(
                f"{p}: the value of {key!r} must be text, not {type(value).__name__}",
                code="invalid-placeholder-value",
            )
        out[str(key)] = str(value)
    return out


def _values_text(p: Path) -> str:
    """The text of the placeholder values file ``p`` (UTF-8); :class:`ConfigurationError`
    saying there is no such file, that it is a folder, or the line of a byte that is not
    UTF-8 and how to save the file."""
    what = "the placeholder values, a YAML file of name: value lines"
    data = file_bytes(p, what, error=ConfigurationError, unreadable="unreadable-file")
    return file_text(data, str(p), error=ConfigurationError, code="bad-file")
