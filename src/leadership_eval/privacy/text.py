"""Redaction of personal data in free-text answers.

Free text is where surveys leak identities: a trainee names their mentor, gives a ward, signs off
with an email address. :func:`redact_text` replaces personal data with typed placeholders, using
rules, checksums and name lists only (no statistical model to download), so it runs anywhere and
gives the same answer every time:

============================  ==================================================================
placeholder                   what is detected
============================  ==================================================================
``[EMAIL]``                   email addresses, also spelt out ("j.bloggs at nhs dot net",
                              "jb[at]nhs.net")
``[URL]``                     web addresses (``http://``, ``https://``, ``www.``, or a domain
                              with a path: ``linkedin.com/in/...``)
``[HANDLE]``                  social-media handles (``@tired_reg``; not "@ 5pm", "@home")
``[DATE_OF_BIRTH]``           a date after a birth cue ("DOB", "date of birth", "born on/in")
``[NHS_NUMBER]``              10 digits passing the NHS modulus-11 check digit
                              (``943 476 5919``, ``9434765919``); ones starting with 0, or
                              grouped otherwise (``943 4765 919``), need "NHS"/"CHI" nearby
``[NI_NUMBER]``               National Insurance numbers with a prefix and suffix HMRC
                              allocates, spaced, dotted or dashed in any way; without the
                              suffix letter, after "NI" / "national insurance"
``[GMC_NUMBER]``              7 digits (``7123456``, ``712 3456``) with "GMC" just before (or
                              after) them
``[PHONE]``                   UK phone numbers: mobile, landline, ``+44``/``0044``, ``(0)``,
                              spaces, dashes, dots, brackets, an extension
``[POSTCODE]``                full UK postcodes, with or without the space: in capitals
                              anywhere (``LS1 3EX``, ``LS13EX``; not "FY1" or "ST3"), in
                              lower or mixed case unless they read as a grade and an ordinal
                              ("fy1 2nd"), and in any case after "postcode"
``[PLACE]``                   places from the ``places`` list (wards, hospitals, trusts), and
                              names ending in Hospital, Infirmary, Ward, Hospice, Surgery,
                              Medical/Health Centre or NHS (Foundation) Trust; ``Ward 12``
``[NAME]``                    titled names (Dr, Mr, Mrs, Ms, Miss, Mx, Prof, Professor, Sister,
                              Nurse, Matron; the title is redacted with the name; "Dr.Patel"),
                              also in lower case after Dr, Mr, Mrs, Ms, Mx, Prof ("dr okafor");
                              names from the ``names`` roster; common UK first names with the
                              capitalised word after them (``privacy/data/first_names.txt``; one
                              that is also an ordinary word, "Will", "Grace", "May", only when
                              not at the start of a sentence, or followed by a surname or by a
                              verb only a person does: "Joy ran"); first names in lower case
                              where the context says a person ("hannah was great", "my mentor
                              sophie", "thanks to aisha", "sarah jones"); a known surname on
                              its own before such a verb ("Patel was great")
============================  ==================================================================

Before matching, each character is NFKC-normalised (full-width letters and digits, ligatures,
non-breaking and other Unicode spaces become their plain forms), invisible characters (soft
hyphen, zero-width space) are dropped and dashes read as hyphens; the redacted text keeps every
original character outside the spans it replaces.

Dates other than dates of birth are kept: rotation and event dates are rarely identifying on
their own and are often what an analyst needs. Add a detector (``detectors=``) to redact them
too, or to plug in a statistical recogniser such as Presidio.

A capitalised word is never a name just because it is capitalised: NHS, medical-education and
leadership vocabulary (``privacy/data/vocabulary.txt``) stops a name, and ordinary words are
names only with evidence (a title, the roster, the first-name list, the context). Lower-case
words are read through lists of closed-class words (``function_words.txt``) and common words
(``common_words.txt``): "the dr said", "ms teams", "prof dev" are kept. Towns and a surname
alone that is on no list are found only through the ``names`` and ``places`` lists, so pass
them. On the labelled corpus in ``tests/data/redaction_corpus.jsonl``
(``benchmarks/bench_redaction.py``) recall is 1.0 for every structured identifier, about 0.99
for names and 0.93 for places, with precision above 0.99.
"""

from __future__ import annotations

import json
import numbers
import re
import reprlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._files import file_bytes
from ..errors import ArgumentError, DataError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

__all__ = [
    "ENTITY_TYPES",
    "Detector",
    "Redactor",
    "Span",
    "evaluate_redaction",
    "find_personal_data",
    "load_redaction_corpus",
    "nhs_number_is_valid",
    "redact_series",
    "redact_text",
]

#: Entity types, in the order their detectors run (an earlier type wins an overlap).
ENTITY_TYPES: tuple[str, ...] = (
    "EMAIL",
    "URL",
    "HANDLE",
    "DATE_OF_BIRTH",
    "NHS_NUMBER",
    "NI_NUMBER",
    "GMC_NUMBER",
    "PHONE",
    "POSTCODE",
    "PLACE",
    "NAME",
)


@dataclass(frozen=True)
class Span:
    """A piece of personal data found in a text: ``text[start:end]`` is of type ``type``."""

    type: str
    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        """The span as a plain dictionary."""
        return {"type": self.type, "start": self.start, "end": self.end, "text": self.text}


#: A user-supplied detector: takes a text, returns spans (``Span`` or ``(type, start, end)``).
Detector = Callable[[str], Iterable["Span | tuple[str, int, int]"]]

# --------------------------------------------------------------------------- word lists


def _read_words(name: str) -> list[str]:
    text = resources.files("leadership_eval.privacy").joinpath("data", name).read_text("utf-8")
    words: list[str] = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if name == "vocabulary.txt":
            words.append(" ".join(line.lower().split()))
        else:
            words.extend(w.lower() for w in line.split())
    return words


@dataclass(frozen=True)
class _Lists:
    first_names: frozenset[str]
    name_words: frozenset[str]
    surnames: frozenset[str]
    stop_words: frozenset[str]
    ordinary: frozenset[str]
    protected: tuple[str, ...]
    ordinary_names: frozenset[str]  # ordinary_words.txt alone: surnames that are words
    function_words: frozenset[str]
    common_words: frozenset[str]
    lower_first_names: frozenset[str]  # first names that are names even in lower case


@lru_cache(maxsize=1)
def word_lists() -> _Lists:
    vocab = _read_words("vocabulary.txt")
    stop = frozenset(w for w in vocab if " " not in w)
    name_words = frozenset(_read_words("name_words.txt"))
    first = frozenset(_read_words("first_names.txt")) - stop - name_words
    ordinary_names = frozenset(_read_words("ordinary_words.txt"))
    function = frozenset(_read_words("function_words.txt"))
    common = frozenset(_read_words("common_words.txt"))
    return _Lists(
        first_names=first,
        name_words=name_words - stop,
        surnames=frozenset(_read_words("surnames.txt")),
        stop_words=stop,
        ordinary=ordinary_names | stop | name_words,
        protected=tuple(w for w in vocab if " " in w),
        ordinary_names=ordinary_names,
        function_words=function,
        common_words=common,
        lower_first_names=first - function - common - ordinary_names,
    )


# --------------------------------------------------------------------------- normalisation

# characters removed before matching (soft hyphen, zero-width space/joiners, word joiner, BOM)
_INVISIBLE = frozenset("\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff")
# dashes read as "-" and line separators read as a new line, after NFKC
_MATCH_MAP = str.maketrans(
    {
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2212": "-",
        "\u2028": "\n",
        "\u2029": "\n",
        "\u0085": "\n",
    }
)


# how a roster name is read: apostrophes as "'" (which matches any of them in the text), the
# Turkish dotted capital I as "I" ("İ".lower() is two characters), invisible characters dropped
_APOSTROPHES = "'\u2019\u2018\u02bc"
_ROSTER_MAP = str.maketrans(
    {**{a: "'" for a in _APOSTROPHES[1:]}, "\u0130": "I", **dict.fromkeys(_INVISIBLE)}
)
_EXAMPLE = {"names": "Sarah Jones", "places": "Rowan Ward"}


def _matching_form(text: str) -> tuple[str, list[int], list[int]] | None:
    """The text the detectors read, or ``None`` when it is the text itself.

    Each character with its combining marks is NFKC-normalised (full-width letters and digits,
    ligatures and Unicode spaces become their plain forms), invisible characters are dropped,
    and dashes read as hyphens. Returns the matching text and, for each of its characters, the
    start and end of the piece of ``text`` it came from, so that spans found in the matching
    text redact exactly the original characters.
    """
    if text.isascii():
        return None
    import unicodedata

    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    n = len(text)
    i = 0
    while i < n:
        j = i + 1
        while j < n and (unicodedata.combining(text[j]) or text[j] in _INVISIBLE):
            j += 1
        piece = "".join(ch for ch in text[i:j] if ch not in _INVISIBLE)
        norm = unicodedata.normalize("NFKC", piece).translate(_MATCH_MAP) if piece else ""
        out.append(norm)
        starts.extend([i] * len(norm))
        ends.extend([j] * len(norm))
        i = j
    form = "".join(out)
    if form == text:
        return None
    return form, starts, ends


# --------------------------------------------------------------------------- regex helpers


def _trie_pattern(words: Iterable[str], space: str = r"\s+") -> str:
    """A regex matching any of ``words``, longest first, as a character trie (fast for long
    lists: Python's ``re`` tries plain alternatives one by one)."""
    root: dict[str, Any] = {}
    for word in words:
        if not word:
            continue
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        end = "" in node
        alts = []
        for ch in sorted(k for k in node if k):
            piece = space if ch == " " else "[" + _APOSTROPHES + "]" if ch == "'" else re.escape(ch)
            alts.append(piece + build(node[ch]))
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if end:
            return "(?:" + body + ")?"
        return body

    if not root:
        return "(?!x)x"  # matches nothing
    return "(?:" + build(root) + ")"


_LB = r"(?<![\w\[\]])"  # not inside a word or just after "[" (a placeholder)
_LA = r"(?![\w\[\]])"
_HSPACE = r"[ \t]+"
_UP = "A-ZÀ-ÖØ-Þ"  # capitals, with the Latin-1 accented ones (Ó Briain, Émilie)
_LO = "a-zß-öø-ÿ"
_NAME_TOKEN = (
    rf"(?:[{_UP}]['’])?(?:Ma?c)?[{_UP}](?:[{_LO}]+|[{_UP}]+)(?:-[{_UP}](?:[{_LO}]+|[{_UP}]+))*"
    r"(?!\w|['’][A-Za-z]{2})"
)
_INITIAL = rf"[{_UP}]\.?(?![\w'’])"
_PARTICLE = r"(?:van[ \t]+der|van|von|de[ \t]+la|de|da|del|di|du|le|la|bin|ibn|al|el|ap)"
_TITLES = (
    "dr",
    "drs",
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "prof",
    "professor",
    "sister",
    "sr",
    "nurse",
    "matron",
)
_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
)
_MONTH_NAMES = frozenset({"april", "may", "june", "august"})
# titles written with a full stop and no space before the name ("Dr.Patel")
_DOT_TITLES = ("dr", "drs", "mr", "mrs", "ms", "mx", "prof", "sr")
# titles that mark a lower-case name ("dr smith"); "miss", "sister", "nurse" are too often
# ordinary words in lower case ("i miss", "sister wards", "nurse led")
_LOWER_TITLES = ("dr", "drs", "mr", "mrs", "ms", "mx", "prof", "professor")
_LOWER_WORD = r"[a-z]+(?:(?:-|['’](?=[a-z]{2}))[a-z]+)*"

# what, just before a lower-case word, says it is a person: thanks, a role, a contact verb
_CUE_THANKS = (
    r"(?:thanks?(?:[ \t]+you)?(?:[ \t]+(?:so[ \t]+much|again|also))?(?:[ \t]+to)?"
    r"|cheers(?:[ \t]+to)?|shout[ \t\-]?outs?(?:[ \t]+to)?|kudos(?:[ \t]+to)?"
    r"|credit[ \t]+to|grateful[ \t]+to|thankful[ \t]+to)"
)
_CUE_ROLE = (
    r"(?:my|our|the|her|his|their|a)[ \t]+(?:(?:educational|clinical|named|previous|new"
    r"|current|old|lovely|amazing|great|fantastic|brilliant|excellent|wonderful|fellow"
    r"|leadership)[ \t]+)*(?:mentor|supervisor|es|cs|consultant|registrar|reg|boss|manager"
    r"|trainer|tutor|buddy|colleague|coordinator|co-ordinator|lead|fy1|fy2|sho|secretary|pa"
    r"|friend|champion|rep)"
)
_CUE_CONTACT = (
    r"(?:asked|ask|told|tell|e-?mailed|e-?mail|messaged|message|contacted|contact|called"
    r"|call|rang|ring|phoned|texted|met|meet|(?:spoke|speak|talked|talk)[ \t]+to"
    r"|(?:worked|working|work|met|meeting)[ \t]+with|shadowed|shadowing|named|via|cc)"
)
# a role cue needs punctuation before an ordinary word ("my mentor, mark, ..."), not before an
# unambiguous first name ("my mentor sophie")
_STRONG_CUE = re.compile(
    rf"(?i)(?:\b{_CUE_THANKS}[ \t]*[,:(\-]?|\b{_CUE_CONTACT}[ \t]*[,:(\-]?"
    rf"|\b{_CUE_ROLE}[ \t]*[,:(\-])[ \t]*$"
)
_CUE = re.compile(
    rf"(?i)(?:\b(?:{_CUE_THANKS}|{_CUE_CONTACT}|{_CUE_ROLE}|and|with|from|by|for|or)"
    r"[ \t]*[,:(\-]?|&)[ \t]*$"
)
# what, just after a lower-case first name, says it is a person
PERSON_AFTER = re.compile(
    r"(?:[ \t]*(?:[,.;:!?)\]]|$)|['’]s\b|[ \t]+(?:was|is|has|had|said|says|told|tells|helped"
    r"|helps|gave|gives|got|gets|made|makes|ran|runs|organi[sz]ed|arranged|introduced"
    r"|supported|supports|encouraged|suggested|e-?mailed|explained|showed|taught|took|sent"
    r"|asked|did|does|set|sorted|found|left|joined|came|comes|went|goes|wrote|will|would"
    r"|could|should|can|never|always|really|didn't|doesn't|wasn't|isn't|hasn't|hadn't"
    r"|couldn't|wouldn't|won't|and|from|who|pushed|offered|listened|replied|responded"
    r"|answered|led|leads|chaired|mentored|supervised|signed|agreed|recommended|ensured"
    r"|invited|visited|knows|knew|seems|seemed|became|deserves|deserved)\b)"
)
# after a capitalised word that is also an ordinary word, at the start of a sentence: a verb
# only a person does ("Will arranged", "Joy ran"; not "Joy was in short supply")
_AGENT_AFTER = re.compile(
    r"[ \t]+(?:said|says|told|tells|helped|helps|gave|gives|got|made|ran|runs|organi[sz]ed"
    r"|arranged|introduced|supported|supports|encouraged|suggested|e-?mailed|explained|showed"
    r"|taught|took|sent|asked|sorted|wrote|pushed|offered|listened|replied|responded"
    r"|answered|led|chaired|mentored|supervised|signed|agreed|recommended|invited|visited)\b"
)
# after a lower-case word that is also an ordinary word ("will", "grace"): only the end of a
# phrase or a word that cannot follow the ordinary reading
_AMBIGUOUS_AFTER = re.compile(
    r"(?:[ \t]*(?:[,;:!?)\]]|\.(?!\w)|$)|[ \t]+(?:for|and|who|from|about|in|at|on|&)\b)"
)


def sentence_initial(text: str, pos: int) -> bool:
    """Whether ``text[pos]`` starts a sentence (or the text, a line, a bullet)."""
    before = text[:pos].rstrip(" \t\"'“‘(")
    return not before or before[-1] in ".!?\n\r:;•*-–—"


# --------------------------------------------------------------------------- passes


Locate = Callable[["re.Match[str]"], "tuple[int, int] | None"]


@dataclass(frozen=True)
class _Pass:
    """One detector: a compiled pattern, and a function that says where in a match the entity is
    (``None``: not an entity after all)."""

    type: str
    pattern: re.Pattern[str]
    locate: Locate

    def repl(self, m: re.Match[str]) -> str:
        span = self.locate(m)
        if span is None:
            return m.group(0)
        s, e = span
        text = m.string
        return text[m.start() : s] + "[" + self.type + "]" + text[e : m.end()]


def _group_span(*names: str) -> Locate:
    def locate(m: re.Match[str]) -> tuple[int, int] | None:
        for name in names:
            if m.group(name) is not None:
                return m.span(name)
        return m.span()

    return locate


def _nhs_check_digit(digits: str) -> int | None:
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def nhs_number_is_valid(number: str) -> bool:
    """Whether ``number`` (10 digits, spaces or dashes allowed) passes the NHS modulus-11 check.

    The first nine digits are weighted 10, 9, ..., 2; the check digit is
    ``11 - (sum mod 11)``, with 11 read as 0 and 10 never issued. Numbers of one repeated digit
    pass the arithmetic but are never issued, and are rejected.

    References
    ----------
    NHS England. NHS Number. NHS Data Model and Dictionary, version 3.
    https://www.datadictionary.nhs.uk/attributes/nhs_number.html

    Examples
    --------
    >>> from leadership_eval.privacy.text import nhs_number_is_valid
    >>> nhs_number_is_valid("943 476 5919"), nhs_number_is_valid("943 476 5918")
    (True, False)
    """
    digits = re.sub(r"[\s-]", "", number)
    if len(digits) != 10 or not digits.isdigit() or len(set(digits)) == 1:
        return False
    check = _nhs_check_digit(digits)
    return check is not None and check == int(digits[9])


_NHS_GROUPED = re.compile(r"\d{3}([ \-]?)\d{3}\1\d{4}")
_NHS_CUE = re.compile(r"(?i)\b(?:nhs|chi)\b")


def _locate_nhs(m: re.Match[str]) -> tuple[int, int] | None:
    number = m.group("e")
    digits = re.sub(r"\D", "", number)
    if not nhs_number_is_valid(digits):
        return None
    # a leading 0 (more often a phone number) or an unusual grouping needs a cue nearby
    if digits[0] == "0" or not _NHS_GROUPED.fullmatch(number):
        context = m.string[max(0, m.start("e") - 40) : m.start("e")]
        if not _NHS_CUE.search(context):
            return None
    return m.span("e")


_NI_CUE = re.compile(r"(?i)(?:\bni\b|\bn\.i\.|\bnino\b|\bnational[ \t]+insurance\b)")
_NI_INVALID_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})
_NI_STANDARD = re.compile(r"(?i)[A-Z]{2}(?: ?\d{2}){3} ?[A-D]")


def _locate_ni(m: re.Match[str]) -> tuple[int, int] | None:
    found = m.group("e")
    prefix = re.sub(r"[^A-Za-z]", "", found)[:2]
    if prefix.upper() in _NI_INVALID_PREFIXES:
        return None
    standard = m.group("sfx") is not None and _NI_STANDARD.fullmatch(found) is not None
    # no suffix letter, or a spaced-out form starting with a word ("on 12 03 24 a"): needs a cue
    if not standard or prefix.lower() in word_lists().function_words:
        context = m.string[max(0, m.start("e") - 40) : m.start("e")]
        if not _NI_CUE.search(context):
            return None
    return m.span("e")


_EMAIL_WORD_DOT = re.compile(r"(?i)[ \t]dot[ \t]|[\[({<][ \t]*dot[ \t]*[\])}>]")


def _locate_spelt_email(m: re.Match[str]) -> tuple[int, int] | None:
    """An e-mail address spelt out ("j.bloggs at nhs dot net", "jb[at]nhs.net"): a bracketed
    "at", or a plain " at " with a spelt-out "dot" or a local part that has a dot, digit,
    underscore or plus (not "meet at nhs.net")."""
    if any(ch in m.group("at") for ch in "[({<"):
        return m.span("e")
    if _EMAIL_WORD_DOT.search(m.group("e")) or re.search(r"[._+\d]", m.group("local")):
        return m.span("e")
    return None


# "@home", "@ the start": an at sign used for "at"
_HANDLE_NOT = frozenset(
    [
        "home",
        "work",
        "the",
        "night",
        "nights",
        "weekend",
        "weekends",
        "lunch",
        "lunchtime",
        "noon",
        "midday",
        "all",
        "least",
        "last",
        "times",
    ]
)


def _locate_handle(m: re.Match[str]) -> tuple[int, int] | None:
    body = m.group("e")[1:]
    if len(body) < 2 or body.lower() in _HANDLE_NOT:
        return None
    return m.span("e")


_POSTCODE_UNITS = frozenset({"st", "nd", "rd", "th", "hr", "yr", "ft", "lb"})


def _locate_postcode(m: re.Match[str]) -> tuple[int, int] | None:
    if m.group("e2") is not None:  # after "postcode": any case
        return m.span("e2")
    found = m.group("e")
    if found.upper() == found:  # in capitals
        return m.span("e")
    # in lower or mixed case: not an ordinal or unit after a grade ("fy1 2nd", "ct1 1yr")
    if found[-2:].lower() in _POSTCODE_UNITS:
        return None
    return m.span("e")


def _phone_digits_ok(candidate: str) -> bool:
    main = re.split(r"(?i)\s*,?\s*(?:ext(?:ension|n)?\.?|x)\s*\d", candidate, maxsplit=1)[0]
    main = main.replace("(0)", "", 1) if main.lstrip().startswith(("+", "00")) else main
    digits = re.sub(r"\D", "", main)
    if main.lstrip().startswith("+"):
        digits = "0" + digits[2:]
    elif digits.startswith("0044"):
        digits = "0" + digits[4:]
    return len(digits) in (10, 11) and digits[0] == "0" and digits[1] in "1235789"


def _locate_phone(m: re.Match[str]) -> tuple[int, int] | None:
    return m.span("e") if _phone_digits_ok(m.group("e")) else None


_URL_TRAIL = ".,;:!?'\"’”"


def _locate_url(m: re.Match[str]) -> tuple[int, int] | None:
    s, e = m.span("e")
    text = m.string
    while e > s:
        ch = text[e - 1]
        if ch in _URL_TRAIL or (ch == ")" and text[s:e].count("(") < text[s:e].count(")")):
            e -= 1
            continue
        break
    return (s, e) if e - s > 4 else None


def _make_static_passes() -> list[_Pass]:
    dob = _date_of_birth_pattern()
    email, spelt_email, url, bare_url, handle = _contact_patterns()
    nhs, ni, gmc, phone = _number_patterns()
    postcode, generic_place, locate_place = _place_patterns()
    return [
        _Pass("EMAIL", email, _group_span("e")),
        _Pass("EMAIL", spelt_email, _locate_spelt_email),
        _Pass("URL", url, _locate_url),
        _Pass("URL", bare_url, _locate_url),
        _Pass("HANDLE", handle, _locate_handle),
        _Pass("DATE_OF_BIRTH", dob, _group_span("e")),
        _Pass("NHS_NUMBER", nhs, _locate_nhs),
        _Pass("NI_NUMBER", ni, _locate_ni),
        _Pass("GMC_NUMBER", gmc, _group_span("e", "e2")),
        _Pass("PHONE", phone, _locate_phone),
        _Pass("POSTCODE", postcode, _locate_postcode),
        _Pass("PLACE", generic_place, locate_place),
    ]


def _date_of_birth_pattern() -> re.Pattern[str]:
    """A date after a date-of-birth cue ("DOB", "born on", "date of birth:")."""
    month = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
    ordinal = r"(?:st|nd|rd|th)?"
    date = (
        r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})(?!\d)"
        r"|\d{4}-\d{2}-\d{2}(?!\d)"
        rf"|\d{{1,2}}{ordinal}[ \t]+(?:of[ \t]+)?{month}[ \t]*,?[ \t]*\d{{4}}"
        rf"|{month}[ \t]+\d{{1,2}}{ordinal}[ \t]*,?[ \t]*\d{{4}}"
        rf"|{month}[ \t]+\d{{4}}"
        r"|(?:19|20)\d{2}(?!\d))"
    )
    return re.compile(
        r"(?i:(?<![\w\]])(?:d\.o\.b\.?|dob|date[ \t]+of[ \t]+birth|birth[ \t]*date|birthday|born"
        r"(?:[ \t]+(?:on|in))?))"
        r"[ \t]*(?:[:\-–=][ \t]*)?(?:(?i:is|was)[ \t]+)?(?:(?i:on|in)[ \t]+)?"
        rf"(?i:(?P<e>{date}))"
    )


def _contact_patterns() -> tuple[re.Pattern[str], ...]:
    """E-mail addresses (also spelt out), web addresses, social media handles."""
    email = re.compile(
        r"(?<![\w.+\-\]])(?P<e>[A-Za-z0-9][A-Za-z0-9._%+'\-]*@[A-Za-z0-9](?:[A-Za-z0-9\-]*"
        r"[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,})"
        r"(?![\w\-@\[])"
    )
    # spelt out: "j.bloggs at nhs dot net", "j.bloggs[at]nhs.net", "jb (at) nhs (dot) net"
    local = r"[A-Za-z0-9][A-Za-z0-9._%+'\-]*+"  # possessive: the scan stays linear
    label = r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
    at_word = r"(?:[ \t]*[\[({<][ \t]*(?i:at)[ \t]*[\])}>][ \t]*|[ \t]+(?i:at)[ \t]+)"
    dot_word = r"(?:[ \t]*[\[({<][ \t]*(?i:dot)[ \t]*[\])}>][ \t]*|[ \t]+(?i:dot)[ \t]+)"
    tld = r"(?i:com|org|net|uk|edu|gov|ac|co|io|ie|info|me|scot|wales|biz)"
    spelt_email = re.compile(
        r"(?<![\w.+\-\]@])(?=[A-Za-z0-9._%+'\-]++[ \t]*+(?:[\[({<][ \t]*+)?(?i:at|dot)\b)"
        rf"(?P<e>(?P<local>{local}(?:{dot_word}{local})*)(?P<at>{at_word})"
        rf"{label}(?:(?:{dot_word}|\.){label})*?(?:{dot_word}|\.){tld})(?![\w\-@\[])"
    )
    url = re.compile(r"(?i)(?<![\w@/.\]])(?P<e>(?:https?://|www\.)[^\s<>\"\[\]{}|\\^`]+)")
    # a web address without http or www, with a path: "linkedin.com/in/jane-doe", "x.com/jd"
    bare_url = re.compile(
        r"(?i)(?<![\w@/.\-\]])(?P<e>(?:[a-z0-9][a-z0-9\-]*+\.)++"
        r"(?:com|org|net|uk|io|me|ly|gl|be|tv|app|info|ie|edu|gov)/[^\s<>\"\[\]{}|\\^`]+)"
    )
    handle = re.compile(
        r"(?<![\w.@/+\-\]])(?P<e>@[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)(?![\w@\[\-])"
    )
    return email, spelt_email, url, bare_url, handle


def _number_patterns() -> tuple[re.Pattern[str], ...]:
    """NHS, National Insurance and GMC numbers, and telephone numbers."""
    # 10 digits, spaces or dashes anywhere (unusual groupings need an NHS/CHI cue)
    nhs = re.compile(r"(?<![\w\-\]])(?P<e>\d(?:(?:[ \t]{1,2}|-)?\d){9})(?![\w\-\[])")
    nisep = r"[ \t.\-]{0,2}"
    ni = re.compile(
        r"(?i)(?<![\w\[\]])(?P<e>[A-CEGHJ-PR-TW-Z]"
        + nisep
        + r"[A-CEGHJ-NPR-TW-Z](?:"
        + nisep
        + r"\d){6}(?:"
        + nisep
        + r"(?P<sfx>[A-D]))?)(?![\w\[\]])"
    )
    gmc = re.compile(
        r"(?i:\bGMC\b)[^\d\n\[]{0,30}?(?<![\d\-\]])(?P<e>\d(?:[ ]?\d){6})(?![\d\-\[]|[ ]\d)"
        # (the cue after the number is looked at, not taken: a number after it is found too)
        r"|(?<![\w\-\]])(?P<e2>\d{7})(?![\d\-\[])(?=[ \t]*(?:\([ \t]*)?(?i:GMC\b))"
    )
    sep = r"(?:[ \t]{1,2}|[ \t]?-[ \t]?)?"
    phone = re.compile(
        r"(?<![\w+/\-\]])(?P<e>(?:"
        rf"(?:\+|00)[ \t]?44[ \t]?(?:\(0\)[ \t]?)?(?:\d{sep}){{8,9}}\d"
        rf"|\(0\d{{2,4}}\)[ \t]?(?:\d{sep}){{4,7}}\d"
        r"|0\d{2,4}\.\d{3,4}\.\d{3,4}"
        rf"|0(?:\d{sep}){{8,9}}\d)"
        r"(?:[ \t]*,?[ \t]*(?i:ext(?:ension|n)?\.?|x)[ \t]*\d{1,5})?)(?![\w\[])"
    )
    return nhs, ni, gmc, phone


def _place_patterns() -> tuple[re.Pattern[str], re.Pattern[str], Any]:
    """Postcodes, and places ending in a generic word (a hospital, a ward) with its locator."""
    stop = word_lists().stop_words
    pc = r"GIR[ \t]{0,2}0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?[ \t]{0,2}\d[ABD-HJLNP-UW-Z]{2}"
    # in capitals anywhere; in lower or mixed case unless it reads as a grade and an ordinal
    # ("fy1 2nd"); in any case after "postcode" / "post code"
    postcode = re.compile(
        r"(?i:\bpost[ \t]?code\b)[^\n\d\[]{0,20}?"
        + _LB
        + rf"(?i:(?P<e2>{pc}))"
        + _LA
        + "|"
        + _LB
        + rf"(?i:(?P<e>{pc}))"
        + _LA
    )
    # places ending in a generic word: at least one word in them must not be vocabulary
    ptoken = (
        r"(?:St\.?|Saint|(?!(?:Hospitals?|Infirmary|Ward|Trust|Hospice|Surgery)\b)"
        r"[A-Z][A-Za-z]+(?:-[A-Z][A-Za-z]+)*(?:['’]s|s['’])?)"
    )
    suffix = (
        r"(?:Hospitals?[ \t]+NHS[ \t]+Foundation[ \t]+Trust|Hospitals?[ \t]+NHS[ \t]+Trust"
        r"|NHS[ \t]+Foundation[ \t]+Trust|NHS[ \t]+Trust|University[ \t]+Hospitals?"
        r"|Hospitals?|Infirmary|Ward|Hospice|Surgery|Medical[ \t]+Centre|Health[ \t]+Centre)"
    )
    generic_place = re.compile(
        _LB
        + rf"(?P<e>{ptoken}(?:[ \t]+(?:and|&|of|upon|on)?[ \t]*{ptoken}){{0,4}}[ \t]+{suffix}"
        + r"|(?i:ward)[ \t]+\d{1,3}[A-Za-z]?)"
        + _LA
    )

    def locate_place(m: re.Match[str]) -> tuple[int, int] | None:
        words = re.findall(r"[A-Za-z]+(?:['’][a-z]+)?", m.group("e"))
        if m.group("e").lower().startswith("ward"):
            return m.span("e")
        body = [
            w for w in words[:-1] if w.lower() not in ("st", "saint", "and", "of", "upon", "on")
        ]
        if any(w.lower() not in stop and w.lower().rstrip("'’s") not in stop for w in body):
            return m.span("e")
        return None

    return postcode, generic_place, locate_place


@lru_cache(maxsize=1)
def _static_passes() -> tuple[_Pass, ...]:
    return tuple(_make_static_passes())


@lru_cache(maxsize=1)
def _stop_lookahead() -> str:
    lists = word_lists()
    words = set(lists.stop_words) | set(_TITLES) | set(lists.protected)
    return r"(?!(?i:" + _trie_pattern(sorted(words)) + r")s?(?![\w'’]))"


@lru_cache(maxsize=1)
def _protected_lookahead() -> str:
    return r"(?!(?i:" + _trie_pattern(word_lists().protected) + r")(?![\w]))"


@lru_cache(maxsize=1)
def _name_passes() -> tuple[_Pass, _Pass]:
    lists = word_lists()
    stop = _stop_lookahead()
    protected = _protected_lookahead()
    title = r"(?i:" + _trie_pattern(_TITLES) + r")"
    # "Dr Patel", "Dr. Patel", and an abbreviation with a full stop and no space, "Dr.Patel"
    tsep = rf"(?:{title}\.?{_HSPACE}|(?i:{_trie_pattern(_DOT_TITLES)})\.)"
    token = rf"(?:{_PARTICLE}[ \t]+)?{_NAME_TOKEN}"
    titled = re.compile(
        _LB
        + protected
        + rf"(?P<e>{tsep}{stop}(?:{_INITIAL}{_HSPACE}){{0,2}}{token}"
        + rf"(?:{_HSPACE}{stop}{token}){{0,2}}"
        + rf"|{tsep}{_INITIAL}(?:{_HSPACE}{_INITIAL})?)"
        + r"(?!\w|['’][A-Za-z]{2})"
    )

    unambiguous = sorted(lists.first_names)
    ambiguous = sorted(lists.name_words)
    variants = [w.title() for w in unambiguous] + [w.upper() for w in unambiguous]
    variants += [w.title() for w in ambiguous]
    first = re.compile(
        _LB
        + protected
        + r"(?P<e>(?P<fn>"
        + _trie_pattern(variants)
        + r")(?!\w|['’][A-Za-z]{2}|-)(?:"
        + _HSPACE
        + stop
        + r"(?P<sn>"
        + _NAME_TOKEN
        + r"))?)"
        + _LA
    )
    surnames = lists.surnames
    ambiguous_set = lists.name_words

    def locate_first(m: re.Match[str]) -> tuple[int, int] | None:
        fn = m.group("fn")
        sn = m.group("sn")
        s = m.start("e")
        end = m.end("e")
        # the word after a first name is part of the name unless it is a capitalised ordinary
        # word in an all-caps text ("SARAH WAS GREAT")
        name_like = sn is not None and (
            sn.lower() in surnames or sn.lower() in lists.first_names or sn.lower() in ambiguous_set
        )
        if sn is not None and sn.isupper() and not name_like:
            sn, end = None, m.end("fn")
        key = fn.lower()
        if key in lists.name_words:
            if key in _MONTH_NAMES:
                if not name_like:
                    return None
            elif sentence_initial(m.string, s) and not name_like:
                return None
        return s, end

    return _Pass("NAME", titled, _group_span("e")), _Pass("NAME", first, locate_first)


VERB_LIKE = re.compile(r"[a-z]{2,}(?:ed|ing|ly)")
# surnames that are also verbs in the past tense ("the dr read the notes")
_VERB_SURNAMES = frozenset({"read"})


def _title_word_is_name(word: str) -> bool:
    """Whether a lower-case word after a title is a name ("dr okafor") and not an ordinary word
    ("the dr said"): closed-class words and NHS vocabulary never are; a common word only when
    it is also a surname ("dr young"); known first names and surnames are; any other word is,
    unless it has the ending of a verb or adverb ("the dr bleeped", "dr kindly")."""
    lists = word_lists()
    w = word.lower()
    if w in lists.function_words or w in lists.stop_words or w in _TITLES:
        return False
    if w in lists.common_words:
        return w in lists.surnames and w not in _VERB_SURNAMES
    if (
        w in lists.surnames
        or w in lists.first_names
        or w in lists.name_words
        or w in lists.ordinary_names
    ):
        return True
    return VERB_LIKE.fullmatch(w) is None


def _lower_word_is_unknown(word: str) -> bool:
    """A lower-case word that is on no list and does not end like a verb or adverb: an unusual
    surname ("okoro")."""
    lists = word_lists()
    w = word.lower()
    return not (
        w in lists.function_words
        or w in lists.common_words
        or w in lists.ordinary
        or w in lists.first_names
        or w in _TITLES
        or len(w) < 2
        or VERB_LIKE.fullmatch(w) is not None
    )


_LOWER_WORD_RE = re.compile(_LOWER_WORD)
_PARTICLES = frozenset(
    {"van", "der", "von", "de", "la", "da", "del", "di", "du", "le", "bin", "ibn", "al", "el", "ap"}
)


@lru_cache(maxsize=1)
def _lower_case_passes() -> tuple[_Pass, _Pass, _Pass]:
    """Names typed in lower case: after a title ("dr smith"), and common first names where the
    context says a person ("hannah was great", "my mentor sophie", "sarah jones")."""
    lists = word_lists()
    protected = _protected_lookahead()
    excluded = sorted(lists.function_words | lists.common_words | lists.stop_words | set(_TITLES))
    not_word = r"(?!" + _trie_pattern(excluded) + r"(?![\w'’]))"
    ltitle = r"(?i:" + _trie_pattern(_LOWER_TITLES) + r")"
    lower_titled = re.compile(
        _LB
        + protected
        + rf"(?P<e>{ltitle}(?:\.?{_HSPACE}|\.)(?:[a-z]\.?{_HSPACE}(?={_LOWER_WORD}))?"
        + rf"(?:{_PARTICLE}{_HSPACE})?(?P<w1>{_LOWER_WORD})"
        + rf"(?:{_HSPACE}{not_word}(?:{_PARTICLE}{_HSPACE})?{_LOWER_WORD}){{0,2}})"
        + r"(?![\w])"
    )

    names = lists.surnames | lists.first_names | lists.ordinary_names

    def locate_titled(m: re.Match[str]) -> tuple[int, int] | None:
        if not _title_word_is_name(m.group("w1")):
            return None
        # further words (the regex stops at common words and titles) while they read as names
        end = m.end("w1")
        for wm in _LOWER_WORD_RE.finditer(m.string, m.end("w1"), m.end("e")):
            w = wm.group(0)
            if w in _PARTICLES:
                continue
            if w not in names and VERB_LIKE.fullmatch(w) is not None:
                break
            end = wm.end()
        return m.start("e"), end

    first = re.compile(
        _LB
        + r"(?P<e>(?P<fn>"
        + _trie_pattern(sorted(lists.lower_first_names))
        + r")(?![\w\-]|['’][a-z]{2})(?:[ \t]+(?P<sn>"
        + _LOWER_WORD
        + r"))?)(?![\w])"
    )
    surname_like = (lists.surnames | lists.lower_first_names) - lists.function_words
    surname_like -= lists.common_words

    def locate_first(m: re.Match[str]) -> tuple[int, int] | None:
        text = m.string
        s = m.start("fn")
        cue = _CUE.search(text, max(0, s - 60), s) is not None
        sn = m.group("sn")
        if sn is not None and sn in surname_like:
            return s, m.end("sn")  # "sarah jones", "priya sharma", "mary jane"
        if sn is not None and _lower_word_is_unknown(sn):
            after_sn = PERSON_AFTER.match(text, m.end("sn")) is not None
            if cue or after_sn:
                return s, m.end("sn")  # "my mentor sophie okoro", "hannah okoro was great"
        if cue or PERSON_AFTER.match(text, m.end("fn")):
            return m.span("fn")
        return None

    # a capitalised surname on its own, before what a person does ("Patel was great",
    # "Khan's enthusiasm"); not an ordinary word ("Walker frames", "Young doctors")
    alone = sorted(lists.surnames - lists.ordinary - lists.common_words - lists.function_words)
    surname_variants = [w.title() for w in alone] + [w.upper() for w in alone]
    surname = re.compile(
        _LB + r"(?P<e>" + _trie_pattern(surname_variants) + r")(?![\w\-]|['’][A-Za-z]{2})"
    )

    def locate_surname(m: re.Match[str]) -> tuple[int, int] | None:
        return m.span("e") if PERSON_AFTER.match(m.string, m.end("e")) else None

    return (
        _Pass("NAME", surname, locate_surname),
        _Pass("NAME", lower_titled, locate_titled),
        _Pass("NAME", first, locate_first),
    )


def _clean_list(values: Iterable[str] | str | None, what: str) -> list[str]:
    """The names (or places) given, each in the form the text is matched in.

    Blank entries and missing values (a blank cell of a roster column) are skipped; each name
    is NFKC-normalised like the text (so decomposed accents and full-width letters match),
    invisible characters are dropped, typographic apostrophes read as ``'`` (which matches
    either in the text) and a Turkish dotted capital I as ``I``.
    """
    import unicodedata

    import pandas as pd

    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, Iterable):
        raise ArgumentError(
            f"{what} must be a list of strings (e.g. {what}=[{_EXAMPLE[what]!r}]), got "
            f"{type(values).__name__} {values!r:.40}"
        )
    out: list[str] = []
    for v in values:
        if v is None or (
            not isinstance(v, str | bytes) and pd.api.types.is_scalar(v) and pd.isna(v)
        ):
            continue
        if not isinstance(v, str):
            raise DataError(f"{what} must be strings, got {v!r}", code="bad-argument")
        v = unicodedata.normalize("NFKC", v).translate(_ROSTER_MAP)
        v = " ".join(v.split())
        if v:
            out.append(v)
    return out


def _roster_passes(names: tuple[str, ...], places: tuple[str, ...]) -> tuple[_Pass, ...]:
    lists = word_lists()
    ordinary = lists.ordinary
    titles = set(_TITLES)
    out: list[_Pass] = []
    if places:
        words = sorted({p.lower() for p in places})
        pat = re.compile(r"(?i)" + _LB + r"(?P<e>" + _trie_pattern(words) + r")" + _LA)
        out.append(_Pass("PLACE", pat, _group_span("e")))
    if names:
        full: set[str] = set()
        loose: set[str] = set()  # single words matched in any case
        strict: set[str] = set()  # single words that are also ordinary words
        for name in names:
            parts = [p for p in re.split(r"\s+", name) if p.strip(".")]
            while len(parts) > 1 and parts[0].lower().rstrip(".") in titles:
                parts = parts[1:]
            if len(parts) > 1:
                full.add(" ".join(parts).lower())
            singles = {parts[0], parts[-1]} if len(parts) > 1 else {parts[0]}
            for part in singles:
                if len(part.strip(".")) < 2:
                    continue
                (strict if part.lower() in ordinary else loose).add(part.lower())
        if full:
            pat = re.compile(r"(?i)" + _LB + r"(?P<e>" + _trie_pattern(sorted(full)) + r")" + _LA)
            out.append(_Pass("NAME", pat, _group_span("e")))
        if loose:
            pat = re.compile(r"(?i)" + _LB + r"(?P<e>" + _trie_pattern(sorted(loose)) + r")" + _LA)
            out.append(_Pass("NAME", pat, _group_span("e")))
        if strict:
            variants = sorted({w.title() for w in strict} | {w.upper() for w in strict})
            pat = re.compile(_LB + r"(?P<e>" + _trie_pattern(variants) + r")" + _LA)

            def locate_strict(m: re.Match[str]) -> tuple[int, int] | None:
                if not sentence_initial(m.string, m.start("e")):
                    return m.span("e")
                # at the start of a sentence only before a verb a person does ("Joy ran")
                return m.span("e") if _AGENT_AFTER.match(m.string, m.end("e")) else None

            out.append(_Pass("NAME", pat, locate_strict))
            # typed in lower case, only where the context says a person: "thanks to will for
            # the rota", "my mentor, mark, was great" (not "will the rota change?")
            lower = re.compile(_LB + r"(?P<e>" + _trie_pattern(sorted(strict)) + r")" + _LA)

            def locate_strict_lower(m: re.Match[str]) -> tuple[int, int] | None:
                text, s = m.string, m.start("e")
                if _STRONG_CUE.search(text, max(0, s - 60), s) is None:
                    return None
                if _AMBIGUOUS_AFTER.match(text, m.end("e")) is None:
                    return None
                return m.span("e")

            out.append(_Pass("NAME", lower, locate_strict_lower))
    return tuple(out)


def _passes(names: Iterable[str] | str | None, places: Iterable[str] | str | None) -> list[_Pass]:
    """Every pass, in the order they run."""
    static = list(_static_passes())
    roster = _roster_passes(
        tuple(sorted(set(_clean_list(names, "names")))),
        tuple(sorted(set(_clean_list(places, "places")))),
    )
    titled, first = _name_passes()
    lone_surname, lower_titled, lower_first = _lower_case_passes()
    place_list = [p for p in roster if p.type == "PLACE"]
    name_list = [p for p in roster if p.type == "NAME"]
    # structured identifiers, then places (listed before generic), then names: titled first
    # (they include the title), then roster names, then common first names, then names typed
    # in lower case (after a title, then first names in context)
    return [
        *static[:-1],
        *place_list,
        static[-1],
        titled,
        *name_list,
        first,
        lone_surname,
        lower_titled,
        lower_first,
    ]


# --------------------------------------------------------------------------- the engine


def _scan(text: str, passes: Sequence[_Pass]) -> tuple[str, list[Span]]:
    """Run the passes in order; return the redacted text and the spans in ``text``'s offsets.

    Each pass sees the text as the earlier passes left it (so later passes cannot match inside
    an earlier placeholder), exactly as ``re.sub`` / ``Series.str.replace`` would apply them.
    """
    # replaced spans in original coordinates, sorted, non-overlapping
    repl: list[tuple[int, int, str]] = []
    current = text
    for p in passes:
        found: list[tuple[int, int]] = []
        for m in p.pattern.finditer(current):
            span = p.locate(m)
            if span is not None:
                found.append(span)
        if not found:
            continue
        # map current offsets back to the original: walk the placeholders already in place
        starts_cur: list[int] = []
        pos_cur = 0
        pos_orig = 0
        for s0, e0, t0 in repl:
            pos_cur += s0 - pos_orig
            starts_cur.append(pos_cur)
            pos_cur += len(t0) + 2
            pos_orig = e0

        def to_orig(
            pos: int,
            _sc: list[int] = starts_cur,
            _repl: list[tuple[int, int, str]] = repl,
        ) -> int:
            delta = 0
            for (s0, e0, t0), cs in zip(_repl, _sc, strict=True):
                if cs >= pos:
                    break
                delta += (e0 - s0) - (len(t0) + 2)
            return pos + delta

        new = [(to_orig(s), to_orig(e), p.type) for s, e in found]
        # a new span swallowing an earlier placeholder replaces it
        kept = [r for r in repl if not any(n[0] <= r[0] and r[1] <= n[1] for n in new)]
        repl = sorted(kept + new)
        parts = []
        last = 0
        for s0, e0, t0 in repl:
            parts.append(text[last:s0])
            parts.append("[" + t0 + "]")
            last = e0
        parts.append(text[last:])
        current = "".join(parts)
    spans = [Span(t, s, e, text[s:e]) for s, e, t in repl]
    return current, spans


def _find(text: str, passes: Sequence[_Pass]) -> tuple[str, list[Span]]:
    """:func:`_scan` on the matching form of ``text`` (see :func:`_matching_form`), with the
    spans mapped back to ``text``: the redacted text keeps every original character outside
    the spans (full-width letters, non-breaking spaces) and replaces exactly the original
    characters of each span."""
    form = _matching_form(text)
    if form is None:
        return _scan(text, passes)
    matched, starts, ends = form
    _, found = _scan(matched, passes)
    spans = [Span(sp.type, starts[sp.start], ends[sp.end - 1], "") for sp in found]
    spans = [Span(sp.type, sp.start, sp.end, text[sp.start : sp.end]) for sp in spans]
    return _render(text, spans), spans


def _short(value: Any) -> str:
    """``repr(value)``, cut short (a detector's output may be long)."""
    short = reprlib.Repr()
    short.maxstring = short.maxother = 60
    short.maxlist = short.maxtuple = short.maxdict = 4
    return short.repr(value)


def _offset(value: Any) -> int | None:
    """A character offset as an int: an integer (not a bool) or a whole-number float; else
    None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real) and float(value).is_integer():
        return int(float(value))
    return None


def _as_span(item: Any, text: str, source: str = "a detector", *, upper: bool = True) -> Span:
    """A detector's (or a finder's) span, checked: a :class:`Span` or a ``(type, start, end)``
    tuple with a type in text and whole-number offsets inside ``text``; ``source`` names who
    returned it, for the message."""
    if isinstance(item, Span):
        t, s, e = item.type, item.start, item.end
    elif isinstance(item, tuple | list) and len(item) == 3:
        t, s, e = item
    else:
        raise DataError(
            f"{source} returned {_short(item)}: each span must be a Span or a (type, start, "
            "end) tuple",
            code="bad-span",
        )
    if not isinstance(t, str) or not t.strip():
        raise DataError(
            f"{source} returned the span {_short(item)}, whose type is not a name such as "
            "'NAME' (text)",
            code="bad-span",
        )
    start, end = _offset(s), _offset(e)
    if start is None or end is None:
        raise DataError(
            f"{source} returned the span {_short(item)}: start and end must be whole numbers "
            "(character offsets in the text)",
            code="bad-span",
        )
    if not (0 <= start < end <= len(text)):
        what = "which ends before it starts" if start >= end else "outside the text"
        raise DataError(
            f"{source} returned the span {t} {start}:{end}, {what} (length {len(text)}): a "
            "span needs 0 <= start < end <= the text's length",
            code="bad-span",
        )
    return Span(t.upper() if upper else t, start, end, text[start:end])


def _spans_of(found: Any, text: str, source: str, *, upper: bool = True) -> list[Span]:
    """The spans a detector (or a finder) returned, each checked (see :func:`_as_span`)."""
    if isinstance(found, str | bytes | Span) or not isinstance(found, Iterable):
        raise DataError(
            f"{source} returned {_short(found)}: it must return an iterable of spans (Span or "
            "(type, start, end) tuples), [] when it finds nothing",
            code="bad-span",
        )
    return [_as_span(item, text, source, upper=upper) for item in found]


def _check_detectors(detectors: Any) -> tuple[Detector, ...]:
    """``detectors`` as a tuple of callables, or an :class:`ArgumentError` saying what is
    wrong."""
    if detectors is None:
        return ()
    if callable(detectors):
        raise ArgumentError(
            f"detectors must be a list of callables; got one callable ({_name_of(detectors)}): "
            "pass detectors=[...] around it"
        )
    if isinstance(detectors, str | bytes | Mapping) or not isinstance(detectors, Iterable):
        raise ArgumentError(
            f"detectors must be a list of callables, got {type(detectors).__name__} "
            f"{_short(detectors)}"
        )
    out = tuple(detectors)
    for i, det in enumerate(out):
        if not callable(det):
            raise ArgumentError(
                f"detectors[{i}] is {type(det).__name__} {_short(det)}, not a callable (a "
                "detector takes a text and returns its spans)"
            )
    return out


def _name_of(func: Any) -> str:
    return str(getattr(func, "__qualname__", None) or getattr(func, "__name__", None) or func)


def _merge(spans: Iterable[Span], text: str) -> list[Span]:
    """Resolve overlaps: the longest span wins (ties: the earlier); a loser's characters that
    stick out of the winner are redacted with it (the winner grows to cover them)."""
    out: list[Span] = []
    for sp in sorted(spans, key=lambda x: (-(x.end - x.start), x.start)):
        hit = [o for o in out if o.start < sp.end and sp.start < o.end]
        if not hit:
            out.append(sp)
            continue
        winner = hit[0]
        s = min(sp.start, *(o.start for o in hit))
        e = max(sp.end, *(o.end for o in hit))
        out = [o for o in out if o not in hit]
        out.append(Span(winner.type, s, e, text[s:e]))
    return sorted(out, key=lambda x: (x.start, x.end))


def _render(text: str, spans: Sequence[Span]) -> str:
    parts = []
    last = 0
    for sp in spans:
        parts.append(text[last : sp.start])
        parts.append("[" + sp.type + "]")
        last = sp.end
    parts.append(text[last:])
    return "".join(parts)


_PLACEHOLDER = re.compile(r"\[(?:" + "|".join(ENTITY_TYPES) + r"|[A-Z][A-Z_]*)\]")


def _with_detectors(text: str, spans: list[Span], detectors: Sequence[Detector]) -> list[Span]:
    extra: list[Span] = []
    holders = [m.span() for m in _PLACEHOLDER.finditer(text)]
    for i, det in enumerate(detectors):
        for sp in _spans_of(det(text), text, f"detectors[{i}] ({_name_of(det)})"):
            # never redact an existing placeholder from an earlier redaction
            if any(s <= sp.start and sp.end <= e for s, e in holders):
                continue
            extra.append(sp)
    return _merge([*spans, *extra], text) if extra else spans


# --------------------------------------------------------------------------- public API


class Redactor:
    """The redaction passes for one list of names and places, compiled once.

    :func:`find_personal_data`, :func:`redact_text` and :func:`redact_series` build one for
    each call. Code that redacts many texts with the same names builds one itself and calls
    :meth:`redact` or :meth:`find` for each text, or :meth:`redact_series` for each column.
    Nothing is kept between calls at module level: the names (which are staff names) live only
    as long as the redactor, as does the last column it redacted (kept so that the same texts
    asked for again are not scanned twice).

    >>> from leadership_eval.privacy.text import Redactor
    >>> r = Redactor(names=["Sam Hill"])
    >>> [r.redact(t) for t in ("Thanks to Sam", "Sam Hill helped")]
    ['Thanks to [NAME]', '[NAME] helped']
    """

    def __init__(
        self,
        names: Iterable[str] | str | None = (),
        places: Iterable[str] | str | None = (),
        *,
        detectors: Sequence[Detector] | None = None,
    ) -> None:
        self._passes = _passes(names, places)
        self._detectors = _check_detectors(detectors)
        # the last column redacted, as given and redacted: the same texts asked again (the
        # analysis's interview segments, then their themes' quotes) are not scanned twice
        self._last: tuple[list[Any], np.ndarray] | None = None

    def find(self, text: str) -> list[Span]:
        """The personal data in ``text`` (as :func:`find_personal_data`)."""
        _check_text(text)
        _, spans = _find(text, self._passes)
        if self._detectors:
            spans = _with_detectors(text, spans, self._detectors)
        return spans

    def redact(self, text: str) -> str:
        """``text`` with its personal data replaced (as :func:`redact_text`)."""
        _check_text(text)
        redacted, spans = _find(text, self._passes)
        if self._detectors:
            return _render(text, _with_detectors(text, spans, self._detectors))
        return redacted

    def redact_series(self, series: pd.Series) -> pd.Series:
        """Every text of ``series`` redacted (as :func:`redact_series`)."""
        import pandas as pd

        if isinstance(series, pd.DataFrame):
            raise ArgumentError(
                "redact_series takes one column (a Series), got a DataFrame with the column(s) "
                f"{', '.join(map(repr, series.columns[:10]))}: pass frame[column], or redact "
                "each column in turn"
            )
        if not isinstance(series, pd.Series):
            try:
                series = pd.Series(series)
            except (TypeError, ValueError) as exc:
                raise ArgumentError(
                    f"redact_series takes a Series of texts, got {type(series).__name__}: {exc}"
                ) from exc
        missing = series.isna().to_numpy()
        values = series.astype(object).where(
            missing, series.astype(object).map(str, na_action="ignore")
        )
        values = values.where(~missing, None)
        if self._detectors:
            out = values.map(self.redact, na_action="ignore").astype(object)
            out = out.where(~missing, None)  # missing as None, as without detectors
            return pd.Series(out, index=series.index, name=series.name, dtype=object)
        out = values.astype(object)
        if not (~missing).any():
            return pd.Series(out, index=series.index, name=series.name, dtype=object)
        given = values.tolist()
        if self._last is not None and self._last[0] == given:
            return pd.Series(
                self._last[1].copy(), index=series.index, name=series.name, dtype=object
            )
        passes = self._passes
        # texts whose matching form differs (full-width, non-breaking spaces...) are redacted
        # one by one, so their spans map back to the original characters; the rest column-wise
        special = (
            values.map(lambda t: _matching_form(t) is not None, na_action="ignore")
            .fillna(False)
            .astype(bool)
            .to_numpy()
        )
        # each pass over the texts present, as ``Series.str.replace(pattern, repl, regex=True)``
        # does it (``pattern.sub``), without pandas' per-call overhead
        present = ~missing
        texts = out[present].tolist()
        for p in passes:
            sub, repl = p.pattern.sub, p.repl
            texts = [sub(repl, t) for t in texts]
        out = out.copy()
        out[present] = texts
        if special.any():
            out = out.astype(object)
            out[special] = [_find(t, passes)[0] for t in values[special].tolist()]
        out = out.where(~missing, None)
        self._last = (given, out.to_numpy(dtype=object, copy=True))
        return pd.Series(out, index=series.index, name=series.name, dtype=object)


def _check_text(text: Any) -> None:
    if not isinstance(text, str):
        raise DataError(f"expected a string, got {type(text).__name__}", code="bad-argument")


def find_personal_data(
    text: str,
    names: Iterable[str] = (),
    places: Iterable[str] = (),
    *,
    detectors: Sequence[Detector] | None = None,
) -> list[Span]:
    """Find the personal data in a text, for auditing what :func:`redact_text` replaces.

    Parameters
    ----------
    text : str
        The text.
    names : iterable of str, optional
        A roster of people's names ("Sarah Jones"). Each full name, its first word and its last
        word are found as whole words in any case ("sarah", "JONES"); a word that is also an
        ordinary word ("Will", "Young", "Lead") only when capitalised and not at the start of a
        sentence. The longest match wins. Missing values (a roster column's blank cells) are
        skipped; each name is read NFKC-normalised like the text, and its apostrophe matches
        any apostrophe (``'``, ``’``) in the text.
    places : iterable of str, optional
        Place names (wards, hospitals, trusts, towns), found as whole words in any case.
    detectors : sequence of callables, optional
        Extra detectors (e.g. a wrapper around Presidio): each takes the text and returns spans,
        as :class:`Span` or ``(type, start, end)`` tuples, in the text's offsets.

    Returns
    -------
    list of Span
        Non-overlapping spans in text order, each with ``type``, ``start``, ``end`` and ``text``.

    Notes
    -----
    The built-in detectors run in the order of :data:`ENTITY_TYPES` (then places from the list
    before generic place names, titled names, roster names, common first names, names in lower
    case); each sees the text with earlier findings already replaced, so an email address inside
    a URL stays an email address and "Dr Sarah Jones" is one name. They read the text
    NFKC-normalised character by character (full-width forms, ligatures and Unicode spaces made
    plain, soft hyphens and zero-width characters dropped, dashes read as hyphens); the spans
    are in the offsets of the text as given, and cover its original characters. Spans from ``detectors`` are merged with the
    built-in ones: where two overlap, the longer one wins and grows to cover both.

    Examples
    --------
    >>> from leadership_eval.privacy.text import find_personal_data
    >>> [(s.type, s.text) for s in find_personal_data("Ask Dr O'Brien on 07700 900123.")]
    [('NAME', "Dr O'Brien"), ('PHONE', '07700 900123')]
    """
    return Redactor(names, places, detectors=detectors).find(text)


def redact_text(
    text: str,
    names: Iterable[str] = (),
    places: Iterable[str] = (),
    *,
    detectors: Sequence[Detector] | None = None,
) -> str:
    """Replace the personal data in a text with typed placeholders.

    Parameters
    ----------
    text : str
        The text.
    names, places, detectors
        As for :func:`find_personal_data`.

    Returns
    -------
    str
        The text with each piece of personal data replaced by ``[NAME]``, ``[EMAIL]``,
        ``[PHONE]``, ``[NHS_NUMBER]``, ``[GMC_NUMBER]``, ``[NI_NUMBER]``, ``[POSTCODE]``,
        ``[DATE_OF_BIRTH]``, ``[URL]``, ``[HANDLE]`` or ``[PLACE]`` (or the type a detector
        names). Everything outside the replaced spans is kept exactly as written.

    Notes
    -----
    Redaction is idempotent: redacting redacted text changes nothing. Ordinary capitalised words
    and the leadership and NHS vocabulary in ``privacy/data/vocabulary.txt`` ("Quality
    Improvement", "Foundation", "Dean", "Nurse Practitioner", "Dr Foster", "the Mary Seacole
    programme") are left alone. Recall is not perfect: an unusual first name with no title, not
    in the roster, is kept. Pass the roster of mentors, supervisors and trainees whenever you
    have it.

    Examples
    --------
    >>> from leadership_eval.privacy.text import redact_text
    >>> redact_text("My mentor Dr Amara Okafor (amara.okafor@nhs.net, 0113 496 0000) "
    ...             "got me onto the QI project on Rowan Ward.")
    'My mentor [NAME] ([EMAIL], [PHONE]) got me onto the QI project on [PLACE].'
    >>> redact_text("NHS no 943 476 5919; 10-digit ref 1234567890 is not one.")
    'NHS no [NHS_NUMBER]; 10-digit ref 1234567890 is not one.'
    >>> redact_text("Thanks to Sam for the rota help", names=["Sam Hill"])
    'Thanks to [NAME] for the rota help'

    Lower case, handles, postcodes without a space, full-width letters:

    >>> redact_text("thanks dr okafor (@tired_reg), post to ls13ex")
    'thanks [NAME] ([HANDLE]), post to [POSTCODE]'
    >>> redact_text("Ask Ｄｒ Ｐａｔｅｌ now")
    'Ask [NAME] now'
    """
    return Redactor(names, places, detectors=detectors).redact(text)


def redact_series(
    series: pd.Series,
    names: Iterable[str] = (),
    places: Iterable[str] = (),
    *,
    detectors: Sequence[Detector] | None = None,
) -> pd.Series:
    """Redact every text in a series (a free-text column).

    Each detector's pattern is compiled once and applied to the whole column with
    ``Series.str.replace``; the result equals :func:`redact_text` applied to each value.
    Missing values stay missing; other non-text values (a number typed into a comment box) are
    turned into text first, so none is lost. With ``detectors`` the values are redacted one by
    one (a detector is an arbitrary function).

    Parameters
    ----------
    series : pandas.Series
        The texts.
    names, places, detectors
        As for :func:`find_personal_data`.

    Returns
    -------
    pandas.Series
        The redacted texts, with the input's index and name.

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.privacy.text import redact_series
    >>> s = pd.Series(["Email me: j.bloggs@nhs.net", None, "Ward 7 was short-staffed"])
    >>> redact_series(s).tolist()
    ['Email me: [EMAIL]', None, '[PLACE] was short-staffed']
    """
    return Redactor(names, places, detectors=detectors).redact_series(series)


# --------------------------------------------------------------------------- evaluation


def load_redaction_corpus(path: str | Path) -> list[dict[str, Any]]:
    """Read a labelled corpus: JSON lines, each ``{"text": ..., "entities": [{"type", "start",
    "end"}, ...]}`` with optional ``"names"`` and ``"places"`` lists.

    Raises
    ------
    DataError
        When the file does not exist (``missing-file``), cannot be read (``unreadable``), is
        not UTF-8 (``not-utf8``), or a line is not a valid record (``bad-corpus``: not JSON,
        no ``text``, an entity without ``type``, ``start`` or ``end``, offsets that are not
        whole numbers or lie outside the text); the message gives the file and line.
    """
    records = []
    for where, rec in _read_corpus(Path(path)):
        _check_record(rec, where)
        records.append(rec)
    return records


def _read_corpus(p: Path) -> list[tuple[str, Any]]:
    """Each record of a JSON-lines corpus file, with its ``file:line``."""
    raw = file_bytes(p, "a redaction corpus, a JSON-lines file")
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        at = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            f"{p}:{at}: not UTF-8 text (byte {exc.start}): save the corpus as UTF-8",
            code="not-utf8",
        ) from exc
    out: list[tuple[str, Any]] = []
    for lineno, line in enumerate(content.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{p}:{lineno}: not valid JSON: {exc}", code="bad-corpus") from exc
        out.append((f"{p}:{lineno}", rec))
    return out


def _corpus_records(corpus: Any) -> list[tuple[str, Any]]:
    """The records of an :func:`evaluate_redaction` corpus, each with where it is (``file:line``,
    ``corpus[i]`` or a frame's ``row <label>``)."""
    import pandas as pd

    if isinstance(corpus, str | Path):
        return _read_corpus(Path(corpus))
    if isinstance(corpus, pd.DataFrame):
        # its rows as records; a missing cell is a field the record does not have
        return [
            (
                f"row {label!r} of the frame",
                {k: v for k, v in rec.items() if not _absent(v)},
            )
            for label, rec in zip(corpus.index, corpus.to_dict("records"), strict=True)
        ]
    if isinstance(corpus, Mapping):
        raise ArgumentError(
            "corpus must be a list of records (or a JSON-lines file), got one mapping: pass "
            "[record]"
        )
    if isinstance(corpus, bytes) or not isinstance(corpus, Iterable):
        raise ArgumentError(
            "corpus must be a list of records, a DataFrame of them or the path of a JSON-lines "
            f"file, got {type(corpus).__name__}"
        )
    return [(f"corpus[{i}]", rec) for i, rec in enumerate(corpus)]


def _absent(value: Any) -> bool:
    """A frame's missing cell: None, NA or NaN (a list or a text is present)."""
    import pandas as pd

    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def _check_record(
    rec: Any, where: str
) -> tuple[str, list[tuple[str, int, int]], list[str], list[str]]:
    """A corpus record's text, labelled entities, names and places, checked; a
    :class:`DataError` (``bad-corpus``) naming the record (``where``) and the field if not."""
    if not isinstance(rec, Mapping):
        raise DataError(
            f"{where}: a record must be a mapping with 'text' and 'entities', got "
            f"{type(rec).__name__} {_short(rec)}",
            code="bad-corpus",
        )
    if "text" not in rec:
        raise DataError(
            f"{where}: a record needs a 'text' field (it has: "
            f"{', '.join(map(str, rec)) or 'no field'})",
            code="bad-corpus",
        )
    text = rec["text"]
    if not isinstance(text, str):
        raise DataError(
            f"{where}: 'text' must be a string, got {type(text).__name__} {_short(text)}",
            code="bad-corpus",
        )
    entities = rec.get("entities", [])
    if isinstance(entities, str | bytes | Mapping) or not isinstance(entities, Iterable):
        raise DataError(
            f"{where}: 'entities' must be a list of {{type, start, end}} mappings ([] for "
            f"none), got {_short(entities)}",
            code="bad-corpus",
        )
    gold: list[tuple[str, int, int]] = []
    for j, ent in enumerate(entities):
        at = f"{where}, entities[{j}]"
        if not isinstance(ent, Mapping):
            raise DataError(
                f"{at}: an entity must be a mapping with type, start and end, got {_short(ent)}",
                code="bad-corpus",
            )
        missing = [k for k in ("type", "start", "end") if k not in ent]
        if missing:
            raise DataError(
                f"{at}: no {' or '.join(map(repr, missing))} (an entity needs type, start and "
                f"end): {_short(dict(ent))}",
                code="bad-corpus",
            )
        kind, s, e = ent["type"], _offset(ent["start"]), _offset(ent["end"])
        if not isinstance(kind, str) or not kind.strip():
            raise DataError(
                f"{at}: 'type' must be a name such as 'NAME', got {_short(kind)}",
                code="bad-corpus",
            )
        if s is None or e is None:
            raise DataError(
                f"{at}: 'start' and 'end' must be whole numbers (character offsets), got "
                f"start={ent['start']!r}, end={ent['end']!r}",
                code="bad-corpus",
            )
        if not 0 <= s < e <= len(text):
            what = "ends before it starts" if s >= e else "is outside the text"
            raise DataError(
                f"{at}: the entity {kind} {s}:{e} {what} (length {len(text)}): an entity "
                "needs 0 <= start < end <= the text's length",
                code="bad-corpus",
            )
        gold.append((kind, s, e))
    lists = []
    for key in ("names", "places"):
        values = rec.get(key)
        if values is None:
            values = []
        elif isinstance(values, str):
            values = [values]
        elif isinstance(values, Iterable) and not isinstance(values, bytes | Mapping):
            values = list(values)
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise DataError(
                f"{where}: {key!r} must be a list of strings, got {_short(rec.get(key))}",
                code="bad-corpus",
            )
        lists.append(values)
    return text, gold, lists[0], lists[1]


def evaluate_redaction(
    corpus: Iterable[Mapping[str, Any]] | str | Path,
    *,
    detectors: Sequence[Detector] | None = None,
    finder: Callable[[str, Sequence[str], Sequence[str]], Iterable[Span]] | None = None,
) -> pd.DataFrame:
    """Recall and precision of the detectors, per entity type, on a labelled corpus.

    Parameters
    ----------
    corpus : iterable of mappings, a DataFrame of them, or a path to a JSON-lines file
        Records with ``text``, ``entities`` (``type``, ``start``, ``end``) and optionally the
        ``names`` and ``places`` lists to pass to :func:`find_personal_data`. A frame's rows are
        the records (a missing cell is a field the record does not have).
    detectors : sequence of callables, optional
        Passed to :func:`find_personal_data`.
    finder : callable, optional
        ``finder(text, names, places)`` returning :class:`Span` objects or ``(type, start,
        end)`` tuples, to evaluate another tool on the same corpus (default:
        :func:`find_personal_data`).

    Returns
    -------
    pandas.DataFrame
        One row per entity type and a final ``ALL`` row, with columns ``entity_type``,
        ``n_true`` (labelled entities), ``n_found`` (spans found), ``recall``, ``precision``
        and ``redacted`` (the share of labelled entities covered by a placeholder of any type:
        what matters for privacy).

    Raises
    ------
    ArgumentError
        When ``corpus``, ``detectors`` or ``finder`` is of the wrong type.
    DataError
        When the corpus file cannot be read (see :func:`load_redaction_corpus`), a record is
        not valid (``bad-corpus``: no ``text``, ``entities`` not a list, an entity without
        ``type``, ``start`` or ``end``, offsets that are not whole numbers or not inside the
        text), or a detector or the finder returns something that is not a span of the text
        (``bad-span``); the message names the record (``file:line``, ``corpus[i]`` or the
        frame's row) and the field.

    Notes
    -----
    A labelled entity counts as found when a found span of the same type overlaps it; a found
    span is correct when it overlaps a labelled entity of the same type (overlap matching, as in
    the i2b2 de-identification evaluations, rather than exact boundaries).
    ``recall = found / n_true`` and ``precision = correct / n_found``; a type with nothing to
    measure gets NaN.

    References
    ----------
    Stubbs A, Kotfila C, Uzuner Ö. Automated systems for the de-identification of longitudinal
    clinical narratives: Overview of 2014 i2b2/UTHealth shared task Track 1. J Biomed Inform.
    2015;58(Suppl):S11-S19. https://doi.org/10.1016/j.jbi.2015.06.007

    Examples
    --------
    >>> from leadership_eval.privacy.text import evaluate_redaction
    >>> corpus = [{"text": "Mail ann@x.org", "entities": [{"type": "EMAIL", "start": 5,
    ...            "end": 14}]}, {"text": "Quality Improvement rocks", "entities": []}]
    >>> evaluate_redaction(corpus).set_index("entity_type").loc["EMAIL", ["recall", "precision"]].tolist()
    [1.0, 1.0]
    """
    import numpy as np
    import pandas as pd

    dets = _check_detectors(detectors)
    if finder is not None and not callable(finder):
        raise ArgumentError(
            f"finder must be a callable finder(text, names, places), got "
            f"{type(finder).__name__} {_short(finder)}"
        )
    records = [(where, *_check_record(rec, where)) for where, rec in _corpus_records(corpus)]
    rows: dict[str, list[int]] = {}  # type -> [n_true, found, n_found, correct, redacted]
    for where, text, gold, names, places in records:
        if finder is None:
            try:
                pred = find_personal_data(text, names, places, detectors=dets)
            except DataError as exc:  # a detector's bad span: say which record
                raise DataError(
                    f"{where}: {exc}", code=exc.code, failure_cases=exc.failure_cases
                ) from exc
        else:
            # a finder's spans as Span objects or (type, start, end) tuples, each checked
            pred = _spans_of(finder(text, names, places), text, f"{where}: the finder", upper=False)
        for t, s, e in gold:
            r = rows.setdefault(t, [0, 0, 0, 0, 0])
            r[0] += 1
            r[1] += any(p.type == t and p.start < e and s < p.end for p in pred)
            r[4] += any(p.start < e and s < p.end for p in pred)
        for p in pred:
            r = rows.setdefault(p.type, [0, 0, 0, 0, 0])
            r[2] += 1
            r[3] += any(t == p.type and p.start < e and s < p.end for t, s, e in gold)
    order = [t for t in ENTITY_TYPES if t in rows] + sorted(set(rows) - set(ENTITY_TYPES))
    table = pd.DataFrame(
        [[t, *rows[t]] for t in order],
        columns=["entity_type", "n_true", "found", "n_found", "correct", "covered"],
    )
    total = table[["n_true", "found", "n_found", "correct", "covered"]].sum()
    table.loc[len(table)] = ["ALL", *total.tolist()]
    with np.errstate(invalid="ignore", divide="ignore"):
        table["recall"] = np.where(table["n_true"] > 0, table["found"] / table["n_true"], np.nan)
        table["precision"] = np.where(
            table["n_found"] > 0, table["correct"] / table["n_found"], np.nan
        )
        table["redacted"] = np.where(
            table["n_true"] > 0, table["covered"] / table["n_true"], np.nan
        )
    return table[["entity_type", "n_true", "n_found", "recall", "precision", "redacted"]]
