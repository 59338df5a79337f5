"""Shared pieces of the interoperability modules: the warning class and text helpers.

Every exporter and importer keeps what its target format can carry in the format's own
columns and what it cannot in a field the format allows (extra columns, an extra sheet, the
REDCap field annotation). Whatever cannot be carried either way is listed in one
:class:`InteropWarning`, never dropped silently.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterable, Iterator
from typing import Any

from ..errors import ArgumentError, ConfigurationError
from ..instruments.models import Survey, Text

__all__ = [
    "LANGUAGE_NAMES",
    "InteropWarning",
    "check_language",
    "document_languages",
    "dumps",
    "ident",
    "is_multilingual",
    "language_code",
    "language_label",
    "number_text",
    "parse_code",
    "slug_id",
    "survey_languages",
    "warn_unmapped",
]


class InteropWarning(UserWarning):
    """Something in an imported or exported file could not be mapped exactly.

    Attributes
    ----------
    problems : list of str
        One line per thing that was not carried (row, field and why).
    """

    def __init__(self, message: str, problems: Iterable[str] = ()) -> None:
        self.problems = list(problems)
        super().__init__(message)


def warn_unmapped(what: str, problems: list[str], stacklevel: int = 3) -> None:
    """Issue one :class:`InteropWarning` listing ``problems`` (nothing when there are none)."""
    if not problems:
        return
    n = len(problems)
    body = "\n".join(f"  - {p}" for p in problems)
    message = f"{what}: {n} thing{'s' if n != 1 else ''} could not be mapped exactly:\n{body}"
    warnings.warn(InteropWarning(message, problems), stacklevel=stacklevel)


LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "cy": "Welsh",
    "ga": "Irish",
    "gd": "Scottish Gaelic",
    "fr": "French",
    "de": "German",
    "es": "Spanish",
    "it": "Italian",
    "nl": "Dutch",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ar": "Arabic",
    "bn": "Bengali",
    "hi": "Hindi",
    "pa": "Punjabi",
    "ur": "Urdu",
    "gu": "Gujarati",
    "zh": "Chinese",
    "so": "Somali",
    "tr": "Turkish",
}
"""English names of common language codes, for XLSForm's ``label::English (en)`` columns."""


def language_label(code: str) -> str:
    """The XLSForm language name of a code: ``English (en)``.

    >>> language_label("cy")
    'Welsh (cy)'
    """
    return f"{LANGUAGE_NAMES.get(code, code)} ({code})"


def language_code(label: str) -> str:
    """The language code in an XLSForm language name (``English (en)`` or ``English``).

    >>> language_code("Welsh (cy)"), language_code("English"), language_code("Klingon")
    ('cy', 'en', 'klingon')
    """
    label = label.strip()
    m = re.search(r"\(([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*)\)\s*$", label)
    if m:
        return m.group(1)
    for code, name in LANGUAGE_NAMES.items():
        if name.lower() == label.lower():
            return code
    return re.sub(r"[^a-z0-9-]+", "-", label.lower()).strip("-") or "und"


def _texts(survey: Survey) -> Iterator[Text | None]:
    yield survey.title
    yield survey.description
    for cl in survey.choice_lists.values():
        for opt in (*cl.options, *cl.missing):
            yield opt.label
            yield opt.description
    for section in survey.sections:
        yield section.title
        yield section.description
        for item in section.items:
            yield item.text
            yield item.help
    for scale in survey.scales:
        yield scale.title
        yield scale.description


def survey_languages(survey: Survey) -> list[str]:
    """Every language of the survey: its declared ``languages``, then any other used in texts."""
    out = list(survey.languages)
    for text in _texts(survey):
        if isinstance(text, dict):
            for lang in text:
                if lang not in out:
                    out.append(lang)
    return out


#: a language tag as texts are keyed ("en", "cy", "en-GB")
_LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")


def document_languages(document: Any) -> list[str]:
    """Every language of an instrument: its declared ``languages``, then any other that keys
    one of its texts (a mapping of language tags to text, anywhere in the document)."""
    out = list(document.languages)

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if value and all(
                isinstance(k, str) and _LANGUAGE_TAG.fullmatch(k) and isinstance(v, str)
                for k, v in value.items()
            ):
                out.extend(k for k in value if k not in out)
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(document.model_dump())
    return out


def check_language(document: Any, language: Any) -> None:
    """Refuse a ``language`` that no text of the instrument is in (texts missing in a language
    the instrument has fall back to English, then to the first language, as documented).

    >>> from leadership_eval.instruments.loader import load_instrument
    >>> check_language(load_instrument("interview-trainee"), "xx")
    Traceback (most recent call last):
    ...
    leadership_eval.errors.ConfigurationError: instrument 'interview-trainee' has no text in \
language 'xx'; its languages: en
    """
    if not isinstance(language, str):
        raise ArgumentError(f"language must be a language code such as 'en', not {language!r}")
    languages = document_languages(document)
    if language not in languages:
        raise ConfigurationError(
            f"instrument {document.id!r} has no text in language {language!r}; its languages: "
            f"{', '.join(languages)}",
            code="unknown-language",
        )


def is_multilingual(survey: Survey) -> bool:
    """Whether any text of the survey is a mapping of languages (or it declares several)."""
    return len(survey.languages) > 1 or any(isinstance(t, dict) for t in _texts(survey))


def slug_id(text: str, fallback: str = "imported-survey") -> str:
    """An instrument id (lower-case words joined by hyphens) made from ``text``.

    >>> slug_id("Trainee_Survey 2024")
    'trainee-survey-2024'
    """
    s = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")
    if not s or not s[0].isalpha():
        s = f"s-{s}" if s else fallback
    return s[:80].rstrip("-")


def ident(text: str, taken: set[str], prefix: str = "q") -> str:
    """An item id (``[a-z][a-z0-9_]*``) made from ``text``, unique among ``taken`` (updated)."""
    s = re.sub(r"[^a-z0-9_]+", "_", str(text).strip().lower()).strip("_")
    if not s or not s[0].isalpha():
        s = f"{prefix}_{s}" if s else prefix
    s = s[:60]
    base, n = s, 2
    while s in taken:
        s = f"{base}_{n}"
        n += 1
    taken.add(s)
    return s


def dumps(value: Any) -> str:
    """Compact JSON (one line, UTF-8 kept) for metadata cells."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def parse_code(value: Any) -> int | str:
    """A choice code read from a file: whole numbers become ``int``, the rest ``str``.

    >>> parse_code("3"), parse_code(2.0), parse_code("03"), parse_code("fy1")
    (3, 2, '03', 'fy1')
    """
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    s = str(value).strip()
    if re.fullmatch(r"-?(0|[1-9]\d*)", s):
        return int(s)
    return s


def number_text(value: float) -> str:
    """A number written without a needless ``.0``: ``3``, ``2.5``."""
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def survey_from_data(data: dict[str, Any], source: str, what: str) -> Survey:
    """Validate survey fields read from another format into a :class:`Survey`.

    Parameters
    ----------
    data : dict
        The fields, as the importer assembled them.
    source : str
        The file they came from (for problem locations).
    what : str
        How to name the file in the summary, e.g. ``"the XLSForm form.xlsx"``.

    Raises
    ------
    InstrumentError
        One ``invalid-survey`` problem per pydantic error, naming the field.
    """
    from pydantic import ValidationError

    from ..errors import InstrumentError, Problem

    try:
        return Survey.model_validate(data)
    except ValidationError as exc:
        raise InstrumentError(
            [
                Problem(
                    source,
                    0,
                    0,
                    "invalid-survey",
                    f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}",
                )
                for err in exc.errors(include_url=False)
            ],
            summary=f"{what} does not make a valid survey",
        ) from exc
