"""A person reviews every comment before it is published.

Redaction (:mod:`leadership_eval.privacy.text`) removes names, contact details and numbers, but
it cannot see that "as the only LTFT paediatric registrar here" singles its writer out. So free
text goes through a review step before any report shows it:

1. :func:`export_comments` writes every free-text answer, redacted, one row per comment, with
   automatic warnings (a possible name left, a self-identifying phrase, a role or grade that few
   respondents in that trust hold, health details, dates);
2. a reviewer decides each row: ``publish``, ``edit`` (and writes ``edited_text``) or ``drop``;
3. :func:`read_comment_review` reads the filled file back, checks it (every problem located by
   its spreadsheet row) and returns the approved text only; reports publish nothing else.

The review file is for the evaluation team only: it holds comments before the disclosure rules
that decide which of them a report may show.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._codes import code_series
from .._frames import check_frame
from ..errors import DataError, did_you_mean
from ..safe_output import neutralise, restore

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..instruments.models import Item, Survey
    from ..policy import DisclosurePolicy

__all__ = [
    "DECISIONS",
    "REVIEW_COLUMNS",
    "WARNING_CODES",
    "CommentReview",
    "export_comments",
    "read_comment_review",
    "write_comment_review",
]

#: The columns of a review file, in order.
REVIEW_COLUMNS: tuple[str, ...] = (
    "comment_id",
    "group",
    "item",
    "question",
    "text",
    "warnings",
    "warning_details",
    "decision",
    "edited_text",
)

#: What a reviewer may write in ``decision`` (a blank cell is "not decided yet").
DECISIONS: tuple[str, ...] = ("publish", "edit", "drop")

#: The warning codes and what each means.
WARNING_CODES: dict[str, str] = {
    "possible-name": "a capitalised word on no word list, or a title, is left in the text: a "
    "name the redaction missed?",
    "self-identifying": "a phrase that can single the writer out ('the only ...', 'I am the one "
    "who', 'my rare specialty')",
    "rare-role": "mentions a role, grade or specialty that fewer than the policy's min_cell "
    "respondents in this group hold",
    "health": "mentions health, disability, pregnancy or sickness (special category data)",
    "date": "mentions a date that could pin down an event or a person",
    "redacted": "personal data was replaced by placeholders: read the rest of the sentence",
    "few-comments": "fewer than the policy's min_comments people in this group answered this "
    "question: its comments are not shown in the group's report whatever the decision",
    "no-group": "the respondent gave no group (trust), so the group cell is blank: the comment "
    "cannot be shown in any group's report whatever the decision",
}

_REQUIRED = ("comment_id", "group", "item", "text", "decision", "edited_text")

# OWASP, "CSV Injection": a cell starting with one of these is read as a formula by spreadsheets


# --------------------------------------------------------------------------- warnings

_SELF_IDENTIFYING = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\b(?:the|as\s+the|am\s+the|i'?m\s+the|was\s+the|being\s+the|one\s+of\s+the)\s+only\b",
        r"\bonly\s+(?:one|person|doctor|trainee|registrar|consultant|woman|man|female|male"
        r"|fy1|fy2|ltft|gp|surgeon|anaesthetist|paediatrician|psychiatrist)\b",
        r"\b(?:i\s+am|i'?m|i\s+was)\s+the\s+(?:one|person|first|last|youngest|oldest|newest"
        r"|sole|lead|rep|\w+\s+rep)\b",
        r"\bthe\s+one\s+who\b",
        r"\bthe\s+(?:first|last|youngest|oldest|newest|sole)\s+(?:\w+\s+)?(?:trainee|registrar"
        r"|doctor|woman|man|person|fy1|fy2|consultant|one|fellow)\b",
        r"\bmy\s+(?:rare|unusual|small|niche|tiny|unique|specific)\s+(?:specialty|speciality"
        r"|role|post|job|rotation|grade|department|team|background|circumstances|situation)\b",
        r"\bmy\s+(?:specialty|speciality|sub-?specialty)\b",
        r"\bin\s+my\s+(?:role|capacity)\s+as\b",
        r"\b(?:identify|identifies|identifiable|recogni[sz]e|recogni[sz]able)\s+(?:me|who\s+i\s+am)",
        r"\b(?:know|guess)\s+(?:who\s+i\s+am|it'?s\s+me|it\s+was\s+me)\b",
        r"\bwhen\s+i\s+(?:raised|reported|complained|escalated|whistle-?blew)\b",
    )
]

_HEALTH = re.compile(
    r"\b(?:pregnan\w*|maternity|paternity|miscarr\w*|ivf|fertility|disab\w*|wheelchair"
    r"|deaf\w*|visual(?:ly)?\s+impair\w*|dyslexi\w*|dyspraxi\w*|adhd|autis\w*|neurodiver\w*"
    r"|chronic\s+(?:illness|pain|condition|fatigue)|illness|ill\s+health|sickness|off\s+sick"
    r"|sick\s+leave|cancer|chemo\w*|diagnosed\s+with|depress(?:ion|ed)|anxiety|mental\s+health"
    r"|burn-?out|burnt\s+out|ptsd|bipolar|eating\s+disorder|suicid\w*|self[-\s]harm"
    r"|long\s+covid|occupational\s+health|reasonable\s+adjustments?|my\s+(?:own\s+)?(?:condition"
    r"|diagnosis|health|illness|disability|operation|medication|therapy|counselling|treatment)"
    r"|signed\s+off|bereave\w*|carer|caring\s+responsibilities)\b",
    re.IGNORECASE,
)

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE = re.compile(
    r"\b\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})\b"
    r"|\b\d{4}-\d{2}-\d{2}\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?![a-z])"
    rf"|\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?!\s*(?:pm|am|hours?|minutes?))"
    rf"|\b{_MONTH}\s+(?:19|20)\d{{2}}\b",
    re.IGNORECASE,
)

_PLACEHOLDER = re.compile(r"\[([A-Z][A-Z_]*)\]")
_CAPITALISED = re.compile(r"(?<![\w\[\-'’])[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]+(?:['’\-][A-Za-zÀ-ÖØ-öø-ÿ]+)*")
_TITLE_WORDS = frozenset({"dr", "mr", "mrs", "ms", "mx", "prof", "professor"})

# words in choice labels too general to point at anyone
_GENERIC_LABEL_WORDS = frozenset(
    [
        "other",
        "specialty",
        "specialties",
        "speciality",
        "specialities",
        "medical",
        "medicine",
        "training",
        "trainee",
        "trainees",
        "early",
        "year",
        "years",
        "programme",
        "foundation",
        "general",
        "practice",
        "care",
        "locally",
        "employed",
        "grade",
        "doctor",
        "doctors",
        "trust",
        "hospital",
        "above",
        "prefer",
        "unsure",
        "none",
        "with",
        "without",
        "only",
        "main",
        "scheme",
        "some",
        "time",
        "full",
        "part",
        "special",
        "specialist",
        "acute",
        "community",
        "mental",
        "health",
    ]
)
_GENERIC_LABELS = frozenset(
    {"no", "other", "none", "prefer not to say", "don't know", "unsure", "not sure", "n/a"}
)


def _possible_names(text: str) -> list[str]:
    from .text import PERSON_AFTER, VERB_LIKE, sentence_initial, word_lists

    lists = word_lists()
    clean = text
    for phrase in lists.protected:  # "Edward Jenner programme", "Dr Foster"
        clean = re.sub(r"(?i)\b" + re.escape(phrase).replace(r"\ ", r"\s+") + r"\b", " ", clean)
    found: list[str] = []
    for m in _CAPITALISED.finditer(clean):
        word = m.group(0)
        w = word.lower().replace("’", "'")
        base = w.removesuffix("'s")
        if w in _TITLE_WORDS:
            found.append(word)
            continue
        known = (
            base in lists.function_words
            or base in lists.common_words
            or base in lists.stop_words
            or base.rstrip("s") in lists.common_words
            or base.rstrip("s") in lists.stop_words
        )
        if known:
            continue
        if sentence_initial(clean, m.start()) and (
            base in lists.ordinary
            or VERB_LIKE.fullmatch(base) is not None
            or PERSON_AFTER.match(clean, m.end()) is None
        ):
            # "Unfortunately", "Clearer guidance", "Grace period" start sentences; an unknown
            # word there is flagged only before what a person does ("Okoro said")
            continue
        found.append(word)
    return found


@dataclass(frozen=True)
class _RareTerm:
    item: str
    label: str
    pattern: re.Pattern[str]


def _option_terms(item: Item, code: str, label: str) -> list[str]:
    """Regex pieces that point at one option of a quasi-identifier in free text."""
    from .text import word_lists

    lab = " ".join(label.split())
    low = lab.lower()
    if low in {"yes", "true"}:
        # a yes to a question: the item id names the attribute ("ltft")
        word = item.id.replace("_", " ")
        return [r"\b" + re.escape(word) + r"\b"] if len(word) >= 3 else []
    if low in _GENERIC_LABELS:
        return []
    terms: list[str] = []
    # abbreviations in the label: "FY1", "GPST3", "CT1-3" (CT1, CT2, CT3)
    for m in re.finditer(r"\b([A-Z]{2,5})(\d)(?:\s*-\s*(\d))?\b", lab):
        first, last = int(m.group(2)), int(m.group(3) or m.group(2))
        for n in range(first, max(first, last) + 1):
            terms.append(r"\b" + m.group(1) + str(n) + r"s?\b")
    for m in re.finditer(r"\b[A-Z]{2,6}\b", lab):
        terms.append(r"\b" + m.group(0) + r"s?\b")
    function = word_lists().function_words
    main = re.sub(r"\(.*?\)", " ", lab)
    for word in re.findall(r"[A-Za-z][A-Za-z'\-]+", main):
        w = word.lower()
        if len(w) < 4 or w in function or w in _GENERIC_LABEL_WORDS:
            continue
        stem = w[: max(5, len(w) - 3)] if len(w) > 5 else w
        terms.append(r"\b" + re.escape(stem) + r"\w*")
    key = str(code).strip().lower()
    if re.fullmatch(r"[a-z][a-z0-9_]{2,}", key) and key not in _GENERIC_LABEL_WORDS:
        terms.append(r"\b" + r"[\s&/_-]*".join(map(re.escape, key.split("_"))) + r"\b")
    return terms


def _rare_terms(
    survey: Survey,
    data: pd.DataFrame,
    groups: pd.Series,
    group_column: str | None,
    min_cell: int,
) -> dict[str, list[_RareTerm]]:
    """For each group, the options of quasi-identifiers held by fewer than ``min_cell`` of its
    respondents (but by someone), as patterns to look for in that group's comments."""
    out: dict[str, list[_RareTerm]] = {}
    for item in survey.items_with("quasi"):
        col = item.column_name
        choices = survey.choices_for(item)
        if choices is None or item.type != "choice" or col not in data or col == group_column:
            continue
        codes = code_series(data[col])
        labels = {str(o.code): o.label for o in choices.options}
        counts = (
            codes.to_frame("code")
            .assign(group=groups.to_numpy())
            .dropna(subset=["code"])
            .groupby(["group", "code"], sort=True)
            .size()
        )
        for (grp, code), n in counts.items():
            if n >= min_cell or str(code) not in labels:
                continue
            label = labels[str(code)]
            label_text = label if isinstance(label, str) else str(label)
            terms = _option_terms(item, str(code), label_text)
            if not terms:
                continue
            pattern = re.compile("|".join(terms), re.IGNORECASE)
            out.setdefault(str(grp), []).append(_RareTerm(item.id, label_text, pattern))
    return out


def _warn(
    text: str,
    rare: list[_RareTerm],
    few: bool,
    min_cell: int,
    min_comments: int,
) -> tuple[list[str], list[str]]:
    codes: list[str] = []
    details: list[str] = []
    names = _possible_names(text)
    if names:
        codes.append("possible-name")
        details.append("possible name left: " + ", ".join(dict.fromkeys(names)))
    phrases = [m.group(0) for p in _SELF_IDENTIFYING for m in p.finditer(text)]
    if phrases:
        codes.append("self-identifying")
        details.append("self-identifying: " + ", ".join(f"'{p}'" for p in dict.fromkeys(phrases)))
    hits = []
    for term in rare:
        m = term.pattern.search(text)
        if m:
            hits.append(f"'{m.group(0)}' ({term.item}: {term.label})")
    if hits:
        codes.append("rare-role")
        details.append(
            f"held by fewer than {min_cell} respondents in this group: " + ", ".join(hits)
        )
    health = [m.group(0) for m in _HEALTH.finditer(text)]
    if health:
        codes.append("health")
        details.append("health: " + ", ".join(f"'{h}'" for h in dict.fromkeys(health)))
    dates = [m.group(0) for m in _DATE.finditer(text)]
    if dates:
        codes.append("date")
        details.append("date: " + ", ".join(f"'{d}'" for d in dict.fromkeys(dates)))
    holders = [m.group(1) for m in _PLACEHOLDER.finditer(text)]
    if holders:
        codes.append("redacted")
        counted = {h: holders.count(h) for h in dict.fromkeys(holders)}
        details.append(
            "redacted: " + ", ".join(f"{h} x{n}" if n > 1 else h for h, n in counted.items())
        )
    if few:
        codes.append("few-comments")
        details.append(f"fewer than {min_comments} people in this group answered this question")
    return codes, details


# --------------------------------------------------------------------------- export


def _comment_id(key: str, item: str, text: str) -> str:
    digest = hashlib.sha256(json.dumps([key, item, text]).encode("utf-8")).hexdigest()
    return "c" + digest[:12]


def export_comments(
    survey: Survey | str | Path,
    data: pd.DataFrame,
    *,
    group: str | None = None,
    names: Iterable[str] = (),
    places: Iterable[str] = (),
    policy: DisclosurePolicy | str | Path | None = None,
) -> pd.DataFrame:
    """Every free-text answer, redacted, one row per comment, with warnings for a reviewer.

    Parameters
    ----------
    survey : Survey, or a path or bundled id
        The survey: its ``disclosure: free_text`` items are the comments, its ``group_by`` item
        the group (trust) of each, its ``quasi`` items the roles and grades checked for rarity,
        and its ``respondent_id`` item keys the comment ids.
    data : pandas.DataFrame
        The responses, one row per respondent (raw or validated).
    group : str, optional
        The column that holds each respondent's group, instead of the survey's ``group_by``.
    names, places : iterable of str, optional
        Rosters passed to :func:`~leadership_eval.privacy.text.redact_series`.
    policy : DisclosurePolicy, preset name, policy file or None
        The disclosure policy (see :meth:`~leadership_eval.policy.DisclosurePolicy.resolve`):
        ``min_cell`` decides which roles are rare, ``min_comments`` which questions had too few
        comments in a group to be shown.

    Returns
    -------
    pandas.DataFrame
        One row per non-blank free-text answer, sorted by group, question (in survey order) and
        comment id, with columns ``comment_id``, ``group``, ``item``, ``question``, ``text``
        (redacted), ``warnings`` (codes of :data:`WARNING_CODES`, separated by ``"; "``),
        ``warning_details`` (what was found), ``decision`` and ``edited_text`` (empty, for the
        reviewer). Write it with :func:`write_comment_review`.

    Raises
    ------
    DataError
        When the survey has no free-text item, none is in ``data``, or the group column is
        missing.

    Notes
    -----
    ``comment_id`` is ``"c"`` and the first 12 hexadecimal digits of the SHA-256 of the
    respondent's id (the survey's ``respondent_id`` column; the row position where there is
    none), the item id and the text as written: the same answer keeps its id in every export,
    whatever the row order or the rosters. A second identical answer from the same key gets
    ``-2``. Rows are sorted by id within each group and question, so their order says nothing
    about the order of the returns.

    The warnings are hints for the reviewer, not a verdict: ``possible-name`` flags capitalised
    words on none of the redaction's word lists (and titles such as "Dr" left behind);
    ``self-identifying`` flags phrases such as "the only ...", "I am the one who", "my rare
    specialty", "in my role as"; ``rare-role`` flags mentions of an option of a ``quasi`` item
    (its label's words and abbreviations, or the item id for a "Yes", e.g. ``ltft``) that fewer
    than ``min_cell`` respondents in the comment's group chose; ``health``, ``date`` and
    ``redacted`` flag what their names say; ``few-comments`` marks questions that fewer than
    ``min_comments`` people in the group answered; ``no-group`` marks the comments of
    respondents who gave no group (their ``group`` is blank): they are kept, so that none is lost
    without a word, but no group's report can show them, whatever the decision.

    Examples
    --------
    >>> import leadership_eval as le
    >>> from leadership_eval.privacy.review import export_comments
    >>> survey, data = le.datasets.example_survey(), le.datasets.example_responses()
    >>> review = export_comments(survey, data)
    >>> review[["group", "item", "text"]]
      group      item                                            text
    0   t01  comments                         [NAME] was a great help
    1   t01  comments                      More protected time please
    2   t02  comments  As the only registrar here, I felt unsupported
    >>> review["warnings"].tolist()
    ['redacted; few-comments', 'few-comments', 'self-identifying; rare-role; few-comments']
    >>> for detail in review.loc[2, "warning_details"].split("; "):
    ...     print(detail)
    self-identifying: 'As the only', 'only registrar'
    held by fewer than 5 respondents in this group: 'registrar' (grade: Registrar)
    fewer than 5 people in this group answered this question
    """
    import pandas as pd

    from ..instruments.loader import as_survey
    from ..policy import DisclosurePolicy
    from .text import redact_series

    model = as_survey(survey)
    check_frame(data)
    rules = DisclosurePolicy.resolve(policy)
    free = [i for i in model.items_with("free_text") if i.is_question]
    if not free:
        raise DataError(
            f"survey {model.id!r} has no free-text item (disclosure: free_text)",
            code="no-free-text",
        )
    present = [i for i in free if i.column_name in data.columns]
    if not present:
        raise DataError(
            f"none of the survey's free-text columns is in the data: expected one of "
            f"{', '.join(i.column_name for i in free)}",
            code="missing-column",
        )
    group_column, groups = _comment_groups(model, data, group)
    # whether comments belong to groups at all: then a blank group is a respondent without one
    grouped = group is not None or model.group_by is not None
    keys = _respondent_keys(model, data)
    rare = _rare_terms(model, data, groups, group_column, rules.min_cell)

    rows: list[dict[str, Any]] = []
    for order, item in enumerate(present):
        raw = data[item.column_name]
        text = raw.astype(object).map(str, na_action="ignore").where(raw.notna(), None)
        stripped = text.map(lambda t: t.strip(), na_action="ignore")
        answered = stripped.notna() & (stripped != "")
        if not answered.any():
            continue
        positions = answered.to_numpy().nonzero()[0]
        written = text[answered]
        redacted = redact_series(written, names, places).tolist()
        item_groups = groups[answered].tolist()
        per_group = pd.Series(item_groups).value_counts().to_dict()
        question = " ".join(str(item.text).split())
        for pos, original, clean, grp in zip(
            positions, written.tolist(), redacted, item_groups, strict=True
        ):
            if grouped and str(grp) == "":
                # no group: no group's report can show it, whatever the reviewer decides; it is
                # kept (and marked) so that nothing is lost without a word
                codes, details = _warn(clean, [], False, rules.min_cell, rules.min_comments)
                codes.append("no-group")
                details.append(
                    f"the respondent gave no {group_column or model.group_by}: the comment "
                    "cannot be shown in any group's report"
                )
            else:
                few = per_group.get(grp, 0) < rules.min_comments
                codes, details = _warn(
                    clean, rare.get(str(grp), []), few, rules.min_cell, rules.min_comments
                )
            rows.append(
                {
                    "comment_id": _comment_id(keys[pos], item.id, original),
                    "group": str(grp),
                    "item": item.id,
                    "question": question,
                    "text": clean,
                    "warnings": "; ".join(codes),
                    "warning_details": "; ".join(details),
                    "decision": "",
                    "edited_text": "",
                    "_order": order,
                }
            )
    frame = pd.DataFrame(rows, columns=[*REVIEW_COLUMNS, "_order"])
    # the same key, item and text twice (a duplicated return): -2, -3... in row order
    dup = frame.groupby("comment_id").cumcount()
    frame.loc[dup > 0, "comment_id"] = frame["comment_id"] + "-" + (dup + 1).astype(str)
    frame = frame.sort_values(["group", "_order", "comment_id"], kind="stable")
    return frame.drop(columns="_order").reset_index(drop=True).astype(object)


def _comment_groups(
    model: Survey, data: pd.DataFrame, group: str | None
) -> tuple[str | None, pd.Series]:
    """The grouping column (None when the data have none) and each row's group code."""
    import pandas as pd

    group_column = _column_of(model, group if group is not None else model.group_by)
    if group is not None and group_column not in data.columns:
        raise DataError(
            f"group column {group!r} is not in the data (columns: {', '.join(map(str, data))})",
            code="unknown-column",
        )
    if group_column is None or group_column not in data.columns:
        return None, pd.Series([""] * len(data), index=data.index, dtype=object)
    groups = code_series(data[group_column]).astype(object).where(lambda s: s.notna(), "")
    return group_column, groups


def _respondent_keys(model: Survey, data: pd.DataFrame) -> list[str]:
    """Each row's key for its comments' ids: the respondent id, or else its position."""
    import pandas as pd

    rid_column = _column_of(model, model.respondent_id)
    if rid_column is not None and rid_column in data.columns:
        rids = code_series(data[rid_column]).astype(object)
    else:
        rids = pd.Series([None] * len(data), index=data.index, dtype=object)
    return [
        f"id:{r}" if isinstance(r, str) else f"row:{pos}"
        for pos, r in enumerate(rids.where(rids.notna(), None).tolist())
    ]


def _column_of(survey: Survey, item_id: str | None) -> str | None:
    if item_id is None:
        return None
    try:
        return survey.item(item_id).column_name
    except KeyError:
        return item_id


# --------------------------------------------------------------------------- writing


def write_comment_review(frame: pd.DataFrame, path: str | Path | None = None) -> str:
    """Write a review frame as CSV (UTF-8 with a byte-order mark, so spreadsheets read it as
    UTF-8), with every cell safe to open in a spreadsheet.

    Parameters
    ----------
    frame : pandas.DataFrame
        A frame from :func:`export_comments`.
    path : str or pathlib.Path, optional
        Where to write; without it the CSV text is only returned.

    Returns
    -------
    str
        The CSV text.

    Notes
    -----
    A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
    formula by spreadsheet programs, so a comment such as ``=HYPERLINK(...)`` could run when a
    reviewer opens the file. Following OWASP's advice such a cell is written with a leading
    apostrophe (which spreadsheets hide), and every field is quoted; :func:`read_comment_review`
    removes the apostrophe again (both through :mod:`leadership_eval.safe_output`, which every
    CSV and XLSX file the library writes goes through).

    References
    ----------
    OWASP Foundation. CSV Injection. https://owasp.org/www-community/attacks/CSV_Injection

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.privacy.review import write_comment_review
    >>> print(write_comment_review(pd.DataFrame({"text": ["=1+1", "fine"]})).lstrip("\\ufeff"))
    "text"
    "'=1+1"
    "fine"
    <BLANKLINE>
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow([neutralise(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False):
        writer.writerow(
            [
                "" if v is None or (isinstance(v, float) and v != v) else neutralise(str(v))
                for v in row
            ]
        )
    text = "\ufeff" + buffer.getvalue()
    if path is not None:
        Path(path).write_text(text, encoding="utf-8", newline="")
    return text


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class CommentReview:
    """A filled review file, checked.

    Attributes
    ----------
    frame : pandas.DataFrame
        Every row of the file, with the columns as read (cells as text, apostrophes added
        against formula injection removed), ``decision`` in lower case (``""`` when not
        decided), and ``row``, the row number in the spreadsheet (the header is row 1).
    approved : pandas.DataFrame
        The text that may be published: columns ``comment_id``, ``group``, ``item``, ``text``;
        ``publish`` rows with their text, ``edit`` rows with their ``edited_text``, both
        redacted again; ``drop`` and undecided rows are left out.
    counts : dict
        Rows per decision: ``publish``, ``edit``, ``drop`` and ``undecided``.
    source : str
        The file read (``"<frame>"`` for a frame).
    """

    frame: pd.DataFrame
    approved: pd.DataFrame
    counts: Mapping[str, int] = field(default_factory=dict)
    source: str = "<frame>"

    @property
    def n_undecided(self) -> int:
        """Rows not decided yet (they are not published)."""
        return int(self.counts.get("undecided", 0))


def _read_review_file(path: Path) -> pd.DataFrame:
    import pandas as pd

    if not path.exists():
        raise DataError(f"{path}: no such file", code="missing-file")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            return pd.read_excel(path, dtype=str).fillna("")
        except (ValueError, KeyError, ImportError, zipfile.BadZipFile) as exc:
            raise DataError(
                f"{path}: not an .xlsx workbook, though named {path.suffix}: save the review "
                "from the spreadsheet program as an Excel workbook, or name a CSV file .csv",
                code="unreadable",
            ) from exc
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path}: not UTF-8 text (byte {exc.start}); in a spreadsheet program save it as "
            "'CSV UTF-8'",
            code="not-utf8",
        ) from exc
    if not text.strip():
        raise DataError(f"{path}: the file is empty", code="empty-file")
    # the delimiter that splits the header into the review's columns (spreadsheets in many
    # locales save with semicolons; comments are full of commas, so sniffing the body misleads)
    header = text.splitlines()[0]
    sep = ","
    for candidate in (",", ";", "\t"):
        fields = [f.strip().lower() for f in next(csv.reader([header], delimiter=candidate))]
        if "comment_id" in fields:
            sep = candidate
            break
    try:
        return pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, sep=sep, skip_blank_lines=False
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"{path}: cannot read the table: {exc}", code="unreadable") from exc


def read_comment_review(
    path_or_frame: str | Path | pd.DataFrame,
    *,
    survey: Survey | str | Path | None = None,
    names: Iterable[str] = (),
    places: Iterable[str] = (),
) -> CommentReview:
    """Read a filled review file and return the approved comments.

    Parameters
    ----------
    path_or_frame : str, pathlib.Path or pandas.DataFrame
        The review file (CSV, as written by :func:`write_comment_review` and saved by a
        spreadsheet program, or ``.xlsx``), or the frame itself.
    survey : Survey, or a path or bundled id, optional
        When given, every ``item`` must be one of its free-text items and every ``group`` one of
        the codes of its ``group_by`` item, or blank on a row whose ``warnings`` say
        ``no-group`` (a respondent without a group, as :func:`export_comments` writes it; such
        a comment is in no group's report, whatever the decision).
    names, places : iterable of str, optional
        Rosters for redacting the approved text again (an edit may add a name).

    Returns
    -------
    CommentReview
        ``frame`` (every row), ``approved`` (``comment_id``, ``group``, ``item``, ``text``),
        ``counts`` per decision.

    Raises
    ------
    DataError
        Listing every problem, each located by its spreadsheet row (the header is row 1), in
        ``failure_cases`` (columns ``row``, ``column``, ``code``, ``message``, ``value``):
        ``missing-column``, ``missing-id``, ``duplicate-id``, ``unknown-decision``,
        ``empty-edit`` (an ``edit`` without ``edited_text``), ``edited-text-ignored`` (a
        ``publish`` with an ``edited_text``: which one was meant?), ``empty-text``,
        ``unknown-item``, ``unknown-group``.

    Notes
    -----
    Decisions are read without regard to case or surrounding spaces; a blank decision means
    "not decided yet", and such rows are not published. Approved text is redacted again
    (redaction is idempotent, so reviewed text is unchanged unless it gained personal data).

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.privacy.review import read_comment_review
    >>> filled = pd.DataFrame({
    ...     "comment_id": ["c1", "c2", "c3"], "group": ["t01", "t01", "t02"],
    ...     "item": ["comments"] * 3,
    ...     "text": ["[NAME] was great", "I'm the only LTFT reg", "More time please"],
    ...     "decision": ["publish", "edit", "drop"],
    ...     "edited_text": ["", "As a trainee, I felt supported", ""],
    ... })
    >>> review = read_comment_review(filled)
    >>> review.approved
      comment_id group      item                            text
    0         c1   t01  comments                [NAME] was great
    1         c2   t01  comments  As a trainee, I felt supported
    >>> dict(review.counts)
    {'publish': 1, 'edit': 1, 'drop': 1, 'undecided': 0}
    """
    import pandas as pd

    from .text import Redactor

    table, source = _review_table(path_or_frame)
    checker = _ReviewChecker(survey)
    first_row: dict[str, int] = {}
    for rec in table.itertuples(index=False):
        checker.row(rec, first_row)
    if checker.problems:
        problems = checker.problems
        cases = pd.DataFrame(problems, columns=["row", "column", "code", "message", "value"])
        lines = "\n".join(f"  row {p['row']}, {p['column']}: {p['message']}" for p in problems)
        n = len(problems)
        codes = sorted({p["code"] for p in problems})
        raise DataError(
            f"{source}: {n} problem{'s' if n != 1 else ''} in the review file:\n{lines}",
            code=codes[0] if len(codes) == 1 else "invalid-review",
            failure_cases=cases,
        )
    redactor = Redactor(list(names), list(places))  # the names' passes compiled once
    chosen = table[table["decision"].isin(("publish", "edit"))]
    texts = [
        redactor.redact(str(rec.edited_text if rec.decision == "edit" else rec.text).strip())
        for rec in chosen.itertuples(index=False)
    ]
    approved = pd.DataFrame(
        {
            "comment_id": chosen["comment_id"].str.strip().tolist(),
            "group": chosen["group"].tolist(),
            "item": chosen["item"].tolist(),
            "text": texts,
        },
        dtype=object,
    )
    counts = {d: int((table["decision"] == d).sum()) for d in DECISIONS}
    counts["undecided"] = int((table["decision"] == "").sum())
    return CommentReview(frame=table, approved=approved, counts=counts, source=source)


def _review_table(path_or_frame: Any) -> tuple[pd.DataFrame, str]:
    """The review file as a frame of text (formula guards undone, decisions normalised),
    each row numbered as the spreadsheet numbers it; and where it came from."""
    import pandas as pd

    if isinstance(path_or_frame, pd.DataFrame):
        table = path_or_frame.copy()
        source = "<frame>"
    elif isinstance(path_or_frame, (str, Path)):
        table = _read_review_file(Path(path_or_frame))
        source = str(path_or_frame)
    else:
        raise DataError(
            "expected the path of a review file or a DataFrame, got "
            f"{type(path_or_frame).__name__}",
            code="bad-argument",
        )
    table.columns = [str(c).strip().lower() for c in table.columns]
    missing = [c for c in _REQUIRED if c not in table.columns]
    if missing:
        raise DataError(
            f"{source}: the review file lacks the column(s) {', '.join(missing)} (row 1, the "
            f"header, has: {', '.join(map(str, table.columns))})",
            code="missing-column",
            failure_cases=pd.DataFrame(
                {
                    "row": 1,
                    "column": missing,
                    "code": "missing-column",
                    "message": [f"no column {c!r}" for c in missing],
                    "value": None,
                }
            ),
        )
    table = table.astype(object).where(table.notna(), "")
    table = table.map(lambda v: restore(str(v)))  # type: ignore[operator]
    table["decision"] = table["decision"].str.strip().str.lower()
    table.insert(0, "row", range(2, len(table) + 2))
    return table, source


class _ReviewChecker:
    """Every problem of a review file's rows (ids, decisions, items, groups), by row."""

    def __init__(self, survey: Survey | str | Path | None) -> None:
        self.problems: list[dict[str, Any]] = []
        self.model: Survey | None = None
        self.free_items: set[str] = set()
        self.group_codes: set[str] | None = None
        if survey is None:
            return
        from ..instruments.loader import as_survey

        self.model = model = as_survey(survey)
        self.free_items = {i.id for i in model.items_with("free_text")}
        if model.group_by is not None:
            try:
                choices = model.choices_for(model.group_by)
            except KeyError:
                choices = None
            if choices is not None:
                self.group_codes = {str(c) for c in choices.codes}

    def problem(self, row: int, column: str, code: str, message: str, value: Any) -> None:
        self.problems.append(
            {"row": row, "column": column, "code": code, "message": message, "value": value}
        )

    def row(self, rec: Any, first_row: dict[str, int]) -> None:
        row = int(rec.row)
        cid = str(rec.comment_id).strip()
        if not cid:
            self.problem(row, "comment_id", "missing-id", "no comment id", rec.comment_id)
        elif cid in first_row:
            message = f"comment id {cid!r} is also on row {first_row[cid]}"
            self.problem(row, "comment_id", "duplicate-id", message, cid)
        else:
            first_row[cid] = row
        self.decision(row, rec)
        model = self.model
        if model is not None and str(rec.item) not in self.free_items:
            message = f"{rec.item!r} is not a free-text item of survey {model.id!r}"
            self.problem(row, "item", "unknown-item", message, rec.item)
        group = str(rec.group)
        warnings = {w.strip() for w in str(getattr(rec, "warnings", "")).split(";")}
        # a blank group is a respondent without one when export_comments marked it so
        marked = not group.strip() and "no-group" in warnings
        if self.group_codes is not None and group not in self.group_codes and not marked:
            if not group.strip():
                message = (
                    "no group, and the row is not marked no-group by the export: write the "
                    f"code of the survey's {model.group_by!r} item the comment belongs to"
                    if model is not None
                    else "no group"
                )
            elif model is not None:
                message = f"{rec.group!r} is not a code of the survey's {model.group_by!r} item"
            else:
                message = f"unknown group {rec.group!r}"
            self.problem(row, "group", "unknown-group", message, rec.group)

    def decision(self, row: int, rec: Any) -> None:
        decision = str(rec.decision)
        edited = str(rec.edited_text).strip()
        if decision and decision not in DECISIONS:
            self.problem(
                row,
                "decision",
                "unknown-decision",
                f"unknown decision {decision!r} (expected publish, edit, drop, or blank for "
                f"not decided yet){did_you_mean(decision, DECISIONS)}",
                decision,
            )
        elif decision == "edit" and not edited:
            self.problem(
                row, "edited_text", "empty-edit", "decision 'edit' with no edited_text", ""
            )
        elif decision == "publish" and edited:
            self.problem(
                row,
                "edited_text",
                "edited-text-ignored",
                "decision 'publish' with an edited_text: write 'edit' to publish the edited "
                "text, or clear edited_text",
                edited,
            )
        elif decision == "publish" and not str(rec.text).strip():
            self.problem(row, "text", "empty-text", "decision 'publish' with no text", "")
