"""Stage 1 of the reports: the analysis, numbers in memory.

Nothing here leaves the process. :func:`analyse` validates the responses, redacts free text,
groups respondents (trusts with too few respondents pooled), scores the scales, compares each
trust with the rest of the region and gathers activities, themes and comments. The next stage,
:mod:`leadership_eval.reports.publish`, passes every number through disclosure control once.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import ArgumentError, DataError, DisclosureError, did_you_mean
from ..instruments.loader import as_survey
from ..instruments.models import Survey, text_in
from ..policy import DisclosurePolicy

if TYPE_CHECKING:  # pragma: no cover
    from ..compare.funnel import BenchmarkComparison
    from ..privacy.text import Redactor
    from ..responses import ReadResponses

__all__ = ["OTHER", "Analysis", "analyse"]

OTHER = "Other trusts (combined)"
"""The row that pools every group below the reporting threshold."""


@dataclass
class Analysis:
    """Everything the reports may draw on, unprotected: never publish it as it is.

    Attributes
    ----------
    survey : Survey
    policy : DisclosurePolicy
        The resolved policy every later stage applies.
    group : str
        The column holding each respondent's trust.
    checked : ValidationReport
        The validation of the responses.
    clean : pandas.DataFrame
        The validated responses, free text redacted.
    record_ids : pandas.Series
        A stable identifier per clean row (the respondent id, or a digest of the row's answers
        when the survey names none): the record keys of the perturbation are made from it.
    reported, small : list
        Group codes with a report of their own (at least ``policy.min_group`` respondents),
        sorted by label; and the codes pooled into :data:`OTHER`.
    labels : dict
        Group code -> the label shown (unique).
    row_key : pandas.Series
        Per clean row: its group code when reported, else :data:`OTHER`.
    scores : pandas.DataFrame
        Scale scores.
    reliability : pandas.DataFrame or None
    comparisons : dict
        Scale id -> :class:`~leadership_eval.compare.BenchmarkComparison` (its frame indexed by
        group: reported groups and the pooled row), on the true values.
    agree : dict
        Likert item id -> proportion agreeing (top two options) compared with the rest of the
        region, on the true values.
    activities : pandas.DataFrame or None
        The activity log, checked, with its group column.
    activity_survey : Survey or None
    themes : pandas.DataFrame or None
        :func:`~leadership_eval.theme_summary` of the coded segments.
    interviewed : set of str
        Group codes with any coded interview.
    segments : pandas.DataFrame or None
        The coded segments, one row per segment and code, with a redacted ``quote`` column.
    codebook : Codebook or None
    comments : dict
        Free-text item id -> group code -> list of approved (already redacted) comments.
    comments_pending : int
        Comments not published because they were not reviewed.
    decisions : list of dict
        What was decided, for the analyst's log.
    statements_only : bool
        An analysis of a previous wave for a later wave's comparison: its statements only
        (scales not scored, free text not published). :func:`publish
        <leadership_eval.reports.publish.publish>` makes its statements alone from it.
    """

    survey: Survey
    policy: DisclosurePolicy
    group: str
    checked: Any
    clean: pd.DataFrame
    record_ids: pd.Series
    reported: list[Any]
    small: list[Any]
    labels: dict[Any, str]
    row_key: pd.Series
    scores: pd.DataFrame
    reliability: pd.DataFrame | None = None
    comparisons: dict[str, BenchmarkComparison] = field(default_factory=dict)
    agree: dict[str, pd.DataFrame] = field(default_factory=dict)
    activities: pd.DataFrame | None = None
    activity_survey: Survey | None = None
    themes: pd.DataFrame | None = None
    interviewed: set[str] = field(default_factory=set)
    segments: pd.DataFrame | None = None
    codebook: Any = None
    comments: dict[str, dict[Any, list[str]]] = field(default_factory=dict)
    comments_pending: int = 0
    decisions: list[dict[str, Any]] = field(default_factory=list)
    statements_only: bool = False

    @property
    def order(self) -> list[Any]:
        """The rows of every table: reported codes, then :data:`OTHER` when anyone is pooled."""
        return [*self.reported, *([OTHER] if (self.row_key == OTHER).any() else [])]

    def decide(self, what: str, reason: str, **details: Any) -> None:
        """Record a decision in the analyst's log."""
        self.decisions.append({"decision": what, "reason": reason, **details})


def _unique_labels(survey: Survey, group: str, codes: Sequence[Any]) -> dict[Any, str]:
    """Group code -> label from the group item's choice list, made unique with the code."""
    try:
        cl = survey.choices_for(survey.item(group))
    except KeyError:
        cl = None
    raw: dict[Any, str] = {}
    for code in codes:
        label = str(code)
        if cl is not None:
            with contextlib.suppress(KeyError):
                label = cl.label_of(code)
        raw[code] = label
    seen: dict[str, int] = {}
    for label in raw.values():
        seen[label.casefold()] = seen.get(label.casefold(), 0) + 1
    return {
        code: (f"{label} ({code})" if seen[label.casefold()] > 1 else label)
        for code, label in raw.items()
    }


def _respondent_ids(survey: Survey, data: pd.DataFrame) -> pd.Series | None:
    """The respondent id of every row, when the survey names one and every row has it."""
    rid = survey.respondent_id
    if rid and rid in data.columns and data[rid].notna().all():
        return data[rid].astype(str)
    return None


def row_texts(data: pd.DataFrame) -> pd.Series:
    """Each row's values as one text (joined by ``\x1f``, a missing value as empty text,
    which pandas keeps missing through ``astype(str)``): what a record is known by when it has
    no id."""
    return data.astype(str).fillna("").agg("\x1f".join, axis=1)


def _record_ids(survey: Survey, data: pd.DataFrame) -> pd.Series:
    """A stable id per row: the respondent id, or a digest of the row's values (the free text
    as redacted)."""
    ids = _respondent_ids(survey, data)
    if ids is not None:
        return ids
    return row_texts(data).map(
        lambda t: "row:" + hashlib.sha256(t.encode("utf-8")).hexdigest()[:32]
    )


def file_names(codes: Sequence[Any]) -> dict[Any, str]:
    """One report file name per distinct group code, never shared, safe on any file system.

    Names are ``trust-<slug>.html``, the slug made of the code's letters and digits (accents
    folded, lower case). When two codes give the same slug (``t01`` and ``T01``, two codes in a
    non-Latin script) each gets a short digest of its code as well, so no report can overwrite
    another's, on a case-insensitive file system too.

    Examples
    --------
    >>> from leadership_eval.reports.analyse import file_names
    >>> file_names(["t01", "T01", "t02"])  # doctest: +NORMALIZE_WHITESPACE
    {'t01': 'trust-t01-48ebf3.html', 'T01': 'trust-t01-1b98de.html', 't02': 'trust-t02.html'}
    """
    import re

    def slug(code: Any) -> str:
        folded = unicodedata.normalize("NFKD", str(code))
        ascii_ = folded.encode("ascii", "ignore").decode("ascii").lower()
        return re.sub(r"[^a-z0-9]+", "-", ascii_).strip("-")[:40] or "group"

    slugs = {code: slug(code) for code in codes}
    counts: dict[str, int] = {}
    for s in slugs.values():
        counts[s] = counts.get(s, 0) + 1
    out: dict[Any, str] = {}
    for code, s in slugs.items():
        if counts[s] > 1 or s == "group":
            digest = hashlib.sha256(str(code).encode("utf-8")).hexdigest()[:6]
            s = f"{s}-{digest}"
        out[code] = f"trust-{s}.html"
    if len(set(out.values())) != len(out):  # pragma: no cover - a digest collision
        raise DataError("two trust codes map to the same report file name", code="file-name")
    return out


def _approved_comments(
    comments: Any,
    survey: Survey,
    names: Sequence[str],
    places: Sequence[str],
    redactor: Redactor,
) -> dict[str, dict[Any, list[str]]]:
    """Approved comments per item and group, from a review (frame with group, item, text)."""

    frame: pd.DataFrame
    if isinstance(comments, str | Path):
        from ..privacy.review import read_comment_review

        comments = read_comment_review(comments, survey=survey, names=names, places=places)
    if hasattr(comments, "approved"):
        frame = comments.approved
    elif isinstance(comments, pd.DataFrame):
        frame = comments
    else:
        raise DataError(
            "comments must be a reviewed comment file's approved rows (a DataFrame with "
            f"columns group, item, text); found {type(comments).__name__}",
            code="bad-argument",
        )
    missing = [c for c in ("group", "item", "text") if c not in frame.columns]
    if missing:
        raise DataError(
            f"the approved comments have no column(s) {', '.join(missing)}",
            code="unknown-column",
        )
    for column in ("group", "item"):
        blank = frame[column].isna().to_numpy()
        if blank.any():
            from .._frames import failure_rows

            rows = list(frame.index[blank][:10])
            raise DataError(
                f"{int(blank.sum())} approved comment(s) have no {column} (rows {rows}): "
                f"each needs the {column} it was written for",
                code="missing-value",
                failure_cases=failure_rows(frame[column], blank, column),
            )
    free = {i.id for i in survey.items_with("free_text")}
    unknown = sorted(set(frame["item"].astype(str)) - free)
    if unknown:
        raise DataError(
            f"approved comments on item(s) that are not free-text items of {survey.id!r}: "
            f"{', '.join(unknown[:10])}",
            code="unknown-item",
        )
    # a reviewer's edit is redacted again: the review may have put a name back
    texts = redactor.redact_series(frame["text"].astype(str))
    out: dict[str, dict[Any, list[str]]] = {}
    for (g, item), t in zip(
        zip(frame["group"].astype(str), frame["item"].astype(str), strict=True),
        texts,
        strict=True,
    ):
        if t is not None and t.strip():  # a blank comment publishes nothing
            out.setdefault(item, {}).setdefault(g, []).append(t.strip())
    return out


def _readable(survey: Survey, details: Mapping[str, str] | str | Path | None = None) -> Survey:
    """The survey with its placeholders filled from ``details`` (a mapping, or a file as
    ``leadership-eval export --details`` takes), and any left (``{{mentor_title}}``) shown as a
    bracketed description (``[mentor title]``) in what the reports print."""
    from ..instruments.placeholders import (
        fill_placeholders,
        load_placeholder_values,
        unfilled_placeholders,
    )

    if details is not None:
        values = (
            load_placeholder_values(details) if isinstance(details, str | Path) else dict(details)
        )
        used = {name for _, name in unfilled_placeholders(survey)}
        survey = fill_placeholders(survey, {k: v for k, v in values.items() if k in used})
    names = {name for _, name in unfilled_placeholders(survey)}
    if not names:
        return survey
    return fill_placeholders(survey, {n: f"[{n.replace('_', ' ')}]" for n in sorted(names)})


def _consenting(survey: Survey, responses: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The rows of people who consented: those whose consent question (an item tagged
    ``consent``) holds its list's first option, the affirmative one. A survey without a consent
    question, or data without its column, keeps every row."""
    items = [i for i in survey.questions if "consent" in i.tags and i.type == "choice"]
    if not items:
        return responses, 0
    item = items[0]
    column = item.id if item.id in responses.columns else item.column_name
    cl = survey.choices_for(item)
    if column not in responses.columns or cl is None:
        return responses, 0
    yes = str(cl.options[0].code)
    given = responses[column].map(lambda v: None if pd.isna(v) else str(v).strip())
    numeric = pd.to_numeric(given, errors="coerce")
    keep = (given == yes) | (numeric == pd.to_numeric(yes, errors="coerce"))
    keep |= given.str.casefold() == text_in(cl.options[0].label).casefold()
    return responses[keep.fillna(False).to_numpy()], int((~keep.fillna(False)).sum())


def _consented(survey: Survey, responses: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """:func:`_consenting`'s rows, and an error when nobody consented."""
    kept, declined = _consenting(survey, responses)
    if kept.empty:
        consent = next(i.id for i in survey.questions if "consent" in i.tags)
        raise DataError(
            f"none of the {declined} responses consented (the consent question {consent!r} "
            "holds no yes on any row), so nothing can be reported: check that its column holds "
            "the question's codes or labels",
            code="no-rows",
        )
    return kept, declined


def analyse(
    survey: Survey | str | Path,
    responses: pd.DataFrame | ReadResponses,
    *,
    group: str | None = None,
    policy: DisclosurePolicy | str | Path | None = None,
    activity_log: pd.DataFrame | ReadResponses | None = None,
    activity_survey: Survey | str | Path | None = None,
    segments: pd.DataFrame | None = None,
    codebook: Any = None,
    names: Sequence[str] = (),
    places: Sequence[str] = (),
    comments: Any = None,
    publish_unreviewed_comments: bool = False,
    details: Mapping[str, str] | str | Path | None = None,
    progress: Callable[[str], None] | None = None,
    statements_only: bool = False,
) -> Analysis:
    """Validate, redact, group, score and compare: the numbers the reports are made from.

    Parameters are those of :func:`~leadership_eval.build_reports`, and ``statements_only``:
    analyse the agreement statements only, for a later wave's comparison (no free text,
    scales, activities, themes or comments; ``Analysis.statements_only``).

    Returns
    -------
    Analysis
    """
    step = progress or (lambda _msg: None)
    model = _readable(as_survey(survey), details)
    pol = DisclosurePolicy.resolve(policy)
    group = group or model.group_by
    if group is None:
        raise DataError(
            f"survey {model.id!r} names no group_by item; pass group= (the trust column)",
            code="no-group",
        )
    from ..responses import ReadResponses, validate_responses

    read = responses.report if isinstance(responses, ReadResponses) else None
    responses = responses.frame if isinstance(responses, ReadResponses) else responses
    if not isinstance(responses, pd.DataFrame) or responses.empty:
        raise DataError("there are no responses to report on (the data has no rows)", "empty-data")

    responses, declined = _consented(model, responses)

    step("validating responses")
    checked = validate_responses(model, responses, read=read)
    clean = _distinct_rows(checked.data.copy())
    _check_columns(model, group, responses, checked)
    decisions = _validation_decisions(checked, len(clean), declined)
    if statements_only and (
        activity_log is not None or segments is not None or comments is not None
    ):
        raise ArgumentError(
            "an analysis of the statements only takes no activity log, segments or comments"
        )
    redactor = _redacted(model, clean, names, places, decisions, statements_only, step)
    groups = clean[group]
    counts = groups.value_counts(dropna=True)
    labels = _unique_labels(model, group, list(counts.index))
    reported = sorted(
        (g for g in counts.index if counts[g] >= pol.min_group), key=lambda g: labels[g]
    )
    small = [g for g in counts.index if counts[g] < pol.min_group]
    if not reported:
        raise DisclosureError(
            f"no {group} has at least {pol.min_group} respondents (the policy's min_group), so "
            f"no report can be produced{_why_no_group(checked, group, groups, declined)}",
            code="no-qualifying-group",
        )
    row_key = groups.astype(object).where(groups.isin(reported), OTHER)
    decisions.append(
        {
            "decision": "groups",
            "reason": f"groups with fewer than {pol.min_group} respondents get no report and "
            "are pooled",
            "reported": [labels[g] for g in reported],
            "not_reported": len(small),
            "no_group": int(groups.isna().sum()),
        }
    )
    an = Analysis(
        survey=model,
        policy=pol,
        group=group,
        checked=checked,
        clean=clean,
        record_ids=_record_ids(model, clean),
        reported=list(reported),
        small=list(small),
        labels=labels,
        row_key=row_key,
        scores=pd.DataFrame(index=clean.index),
        decisions=decisions,
        statements_only=statements_only,
    )
    if statements_only or redactor is None:
        _statements(an, step)
        return an
    _scales(an, step)
    _statements(an, step)
    if activity_log is not None:
        step("checking the mentor activity log")
        _activities(an, activity_log, activity_survey)
    if segments is not None:
        step("summarising interview themes")
        _themes(an, segments, codebook, redactor)
    _comments(an, comments, names, places, publish_unreviewed_comments, redactor)
    return an


def _redacted(
    model: Survey,
    clean: pd.DataFrame,
    names: Sequence[str],
    places: Sequence[str],
    decisions: list[dict[str, Any]],
    statements_only: bool,
    step: Callable[[str], None],
) -> Redactor | None:
    """The free text of ``clean`` redacted in place, and the redactor that did it (None when
    an analysis of the statements only needs no redaction)."""
    if statements_only and _respondent_ids(model, clean) is not None:
        # no free text is published from it, and the record keys come from the respondent
        # ids, not from the rows' texts: the texts need no redaction
        decisions.append(
            {
                "decision": "statements only",
                "reason": "a previous wave, for a later wave's comparison: its statements "
                "only; its free text is not published, so not redacted",
            }
        )
        return None
    step("redacting free text")
    from ..privacy.text import Redactor

    # the names' and places' passes compiled once for every text of this analysis
    redactor = Redactor(names, places)
    decisions.append(_redact(model, clean, redactor))
    return redactor


def _distinct_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame``, its rows numbered 0, 1, 2... when its labels repeat (frames concatenated
    without ``ignore_index``): from here on rows are told apart by their labels (record keys,
    groups), and the validation report has already named them."""
    return frame.reset_index(drop=True) if frame.index.has_duplicates else frame


def _check_columns(model: Survey, group: str, responses: pd.DataFrame, checked: Any) -> None:
    """The grouping column is there, and the responses answer this survey."""
    clean = checked.data
    if group not in clean.columns:
        hint = did_you_mean(group, [str(c) for c in responses.columns])
        raise DataError(
            f"the responses have no column {group!r} to group by{hint}", code="unknown-column"
        )
    absent = checked.errors[checked.errors["code"] == "missing-column"]["column"]
    if group in {i.id for i in model.questions} and model.item(group).column_name in set(absent):
        found = ", ".join(map(str, responses.columns[:12]))
        raise DataError(
            f"the responses have no column {model.item(group).column_name!r} (the trust of each "
            f"respondent, which reports are grouped by); found the columns {found}; name the "
            "column with group= (--group)",
            code="missing-column",
        )
    known_items = {i.column_name for i in model.questions} | {i.id for i in model.questions}
    overlap = len(known_items & {str(c) for c in responses.columns})
    if overlap < max(2, len(model.questions) // 4):
        raise DataError(
            f"these responses do not look like answers to {model.id!r}: only {overlap} of its "
            f"{len(model.questions)} questions appear as columns",
            code="wrong-survey",
        )


def _validation_decisions(checked: Any, n_used: int, declined: int) -> list[dict[str, Any]]:
    excluded = checked.excluded
    reasons: dict[str, int] = {}
    if len(excluded) and "excluded_reason" in excluded.columns:
        reasons = {str(k): int(v) for k, v in excluded["excluded_reason"].value_counts().items()}
    problems = {str(k): int(v) for k, v in checked.errors["code"].value_counts().items()}
    return [
        {
            "decision": "consent",
            "reason": "rows whose consent question is not answered yes are left out entirely",
            "rows_declined": declined,
        },
        {
            "decision": "validation",
            "reason": "rows checked against the survey",
            "rows_in": int(checked.n_rows),
            "rows_used": n_used,
            "rows_excluded": len(excluded),
            "excluded_reasons": reasons,
            "problems_by_code": problems,
        },
    ]


def _redact(model: Survey, clean: pd.DataFrame, redactor: Redactor) -> dict[str, Any]:
    """Redact the free-text answers in place; the decision, with counts by kind."""
    from ..privacy.text import ENTITY_TYPES

    redaction_counts: dict[str, int] = {}
    # every marker in a column's texts at once (a marker holds no line break, so joining the
    # texts with one makes no new marker)
    markers = re.compile(r"\[(" + "|".join(map(re.escape, ENTITY_TYPES)) + r")\]")

    def found(texts: pd.Series) -> Counter[str]:
        return Counter(markers.findall("\n".join(texts.tolist())))

    for item in model.items_with("free_text"):
        if item.id in clean.columns:
            col = clean[item.id]
            redacted = redactor.redact_series(col)
            added_by_kind = found(redacted.dropna())
            added_by_kind.subtract(found(col.dropna().astype(str)))
            for kind in ENTITY_TYPES:
                added = int(added_by_kind[kind])
                if added:
                    redaction_counts[kind] = redaction_counts.get(kind, 0) + added
            clean[item.id] = redacted
    return {
        "decision": "redaction",
        "reason": "personal data removed from free text",
        "counts": redaction_counts,
    }


def _scales(an: Analysis, step: Callable[[str], None]) -> None:
    """Scores, reliability, and each scale against the benchmark."""
    from ..compare.funnel import compare_columns_to_benchmark
    from ..scoring import reliability, score

    model, clean, pol = an.survey, an.clean, an.policy
    step("scoring scales")
    if model.scales:
        an.scores = score(model, clean)
        try:
            an.reliability = reliability(model, clean)
        except Exception as exc:  # informative only; a failure must not stop reports
            an.decide("reliability", f"not computed: {exc}")
    # every scale compared in one pass (the groups are the same); the key column is named as
    # no item or scale can be
    step("comparing scales with the region")
    frame = pd.DataFrame({_KEY: an.row_key}).join(an.scores)
    scales = compare_columns_to_benchmark(
        frame, [scale.id for scale in model.scales], _KEY, policy=pol
    )
    for scale_id, result in scales.items():
        an.comparisons[scale_id] = replace(result, frame=result.frame.set_index("group"))


def _statements(an: Analysis, step: Callable[[str], None]) -> None:
    """Each agreement statement (the top two options of a likert item) against the benchmark,
    all in one pass."""
    from ..compare.funnel import compare_columns_to_benchmark

    model, clean = an.survey, an.clean
    step("comparing statements with the region")
    agree: dict[str, pd.Series] = {}
    for item in model.questions:
        cl = model.choices_for(item)
        if item.type != "likert" or cl is None:
            continue
        numeric = sorted(c for c in cl.codes if isinstance(c, int | float))
        top = set(numeric[-2:])
        values = pd.to_numeric(clean[item.id], errors="coerce")
        agree[item.id] = values.isin(list(top)).astype("float64").where(values.notna())
    statements = compare_columns_to_benchmark(
        pd.DataFrame({_KEY: an.row_key, **agree}),
        list(agree),
        _KEY,
        kind="proportion",
        policy=an.policy,
    )
    for item_id, result in statements.items():
        an.agree[item_id] = result.frame.set_index("group")


# the column of report rows (a reported group, or OTHER) in the frames compared: capitalised,
# which no item or scale id can be
_KEY = "Group"


def _activities(
    an: Analysis, activity_log: pd.DataFrame | ReadResponses, activity_survey: Any
) -> None:
    """The activity log checked against its survey: records whose consent question is not
    answered yes left out, as a survey's responses are."""
    from ..responses import ReadResponses, validate_responses

    an.activity_survey = as_survey(activity_survey or "mentor-activity-log")
    read = activity_log.report if isinstance(activity_log, ReadResponses) else None
    frame = activity_log.frame if isinstance(activity_log, ReadResponses) else activity_log
    declined = 0
    if isinstance(frame, pd.DataFrame):
        frame, declined = _consenting(an.activity_survey, frame)
    act = validate_responses(an.activity_survey, frame, read=read)
    if an.group not in act.data.columns:
        raise DataError(
            f"the activity log has no column {an.group!r} to group by", code="unknown-column"
        )
    without = _activity_groups_refused(an, act)
    an.activities = _distinct_rows(act.data)
    # counts of what was left out, when anything was (the log's record reads as before else)
    lost = {"rows_declined": declined, "rows_without_trust": without}
    an.decide(
        "activities",
        "activity log records checked against the log's survey",
        rows_in=int(act.n_rows) + declined,
        rows_used=len(act.data),
        rows_excluded=len(act.excluded),
        **{k: v for k, v in lost.items() if v},
    )


def _activity_groups_refused(an: Analysis, act: Any) -> int:
    """How many activity records lost their trust to validation (a value that is no code of the
    log's list): they are pooled, so an error when every record with a trust lost it (the log
    uses other codes than its survey, and every mentor's report would show no activity)."""
    errors = act.errors
    refused = errors[(errors["column"] == an.group) & (errors["code"] == "invalid-code")]
    if len(refused) and len(refused) == int(act.data[an.group].isna().sum()) == len(act.data):
        values = ", ".join(repr(v) for v in pd.unique(refused["value"].to_numpy(object))[:5])
        cl = an.activity_survey.choices_for(an.group) if an.activity_survey else None
        codes = ", ".join(map(str, cl.codes[:5])) if cl is not None else ""
        raise DataError(
            f"the activity log's {an.group!r} column holds no code of the log's {an.group!r} "
            f"list (e.g. {values}, on {len(refused)} rows): every record would be pooled and "
            f"each trust's report would show no activity; use the list's codes ({codes}...)",
            code="invalid-code",
        )
    return len(refused)


def _themes(an: Analysis, segments: Any, codebook: Any, redactor: Redactor) -> None:
    from ..instruments.loader import load_instrument
    from ..instruments.models import Codebook
    from ..qualitative import read_segments, theme_summary

    pol, group = an.policy, an.group
    book = (
        codebook if isinstance(codebook, Codebook) else load_instrument(codebook or "clm-codebook")
    )
    if not isinstance(book, Codebook):
        raise DataError(f"{codebook!r} is not a codebook", code="not-a-codebook")
    coded = read_segments(segments, book)
    an.codebook = book
    an.segments = coded.assign(quote=redactor.redact_series(coded["text"]))
    # the redactor that has just redacted these segments: their quotes are not scanned again
    an.themes = theme_summary(coded, book, group=group, policy=pol, redactor=redactor)
    if isinstance(segments, pd.DataFrame) and group in segments.columns:
        an.interviewed = {str(x) for x in segments[group].dropna().unique()}
    an.decide(
        "themes",
        f"themes supported by fewer than {pol.min_participants_theme} participants in a "
        "trust are shown for the region only; quotes are attributed to a role only when at "
        f"least {pol.min_participants_theme} people of that role took part in the trust",
        region_rows=int((an.themes["scope"] == "region").sum()),
    )


def _comments(
    an: Analysis,
    comments: Any,
    names: Sequence[str],
    places: Sequence[str],
    publish_unreviewed_comments: bool,
    redactor: Redactor,
) -> None:
    """Approved comments only; unreviewed ones counted (or, when asked, published redacted)."""
    clean = an.clean
    free = [i for i in an.survey.items_with("free_text") if i.id in clean.columns]
    if comments is not None:
        an.comments = _approved_comments(comments, an.survey, names, places, redactor)
        _check_comment_groups(an)
        an.comments_pending = 0
        an.decide("comments", "only comments approved in review are published")
        return
    pending = int(sum(clean[i.id].notna().sum() for i in free))
    if not publish_unreviewed_comments:
        an.comments_pending = pending
        an.decide(
            "comments",
            "no comments published: none were reviewed (export them with `leadership-eval "
            "comments export`, review, and pass the file with --comments)",
            n=pending,
        )
        return
    # each reported group's comments in row order, read in one pass over each column
    position = {g: i for i, g in enumerate(an.reported)}
    at = clean[an.group].map(position).to_numpy(dtype=float, na_value=np.nan)
    for item in free:
        column = clean[item.id]
        answered = column.notna().to_numpy(dtype=bool) & ~np.isnan(at)
        lists: list[list[str]] = [[] for _ in an.reported]
        texts = column[answered].astype(str).tolist()
        for i, text in zip(at[answered].astype(np.int64).tolist(), texts, strict=True):
            if text := text.strip():
                lists[i].append(text)
        an.comments[item.id] = {str(g): lists[i] for g, i in position.items()}
    an.decide(
        "comments",
        "comments published without review (publish_unreviewed_comments=True): "
        "redacted automatically only",
        n=pending,
    )


def _check_comment_groups(an: Analysis) -> None:
    """Approved comments name groups by their codes: a group that is no code of the survey's
    list and no group of the data (a label, a mistyped code) is an error, not comments dropped
    without a word (a code with too few respondents publishes nothing, by design, and neither
    does a comment without a group, which the review marks no-group)."""
    cl = None
    if an.group in {i.id for i in an.survey.questions}:
        cl = an.survey.choices_for(an.survey.item(an.group))
    codes = {str(o.code): text_in(o.label) for o in cl.options} if cl else {}
    codes.update({str(g): label for g, label in an.labels.items()})
    # a comment without a group ("": the review's no-group rows) is in no report, by design
    unknown = sorted({g for per in an.comments.values() for g in per if g} - set(codes))
    if not unknown:
        return
    by_label = {label.casefold(): code for code, label in codes.items()}
    hints = [
        f"{g!r}"
        + (
            f" (the label of {by_label[g.casefold()]!r})"
            if g.casefold() in by_label
            else did_you_mean(g, codes)
        )
        for g in unknown[:5]
    ]
    raise DataError(
        f"approved comments name {len(unknown)} {an.group} value(s) that are no {an.group} code "
        f"of {an.survey.id!r} or the responses: {', '.join(hints)}; give each comment's group "
        "as its code (as `leadership-eval comments export` writes it)",
        code="unknown-group",
    )


def group_members(an: Analysis, key: Hashable) -> pd.Index:
    """Index labels of the clean rows in a table row (a group code, :data:`OTHER` or all)."""
    if key is None:
        return an.clean.index
    return an.clean.index[(an.row_key == key).to_numpy()]


def _why_no_group(checked: Any, group: str, groups: pd.Series, declined: int = 0) -> str:
    """Why no group qualifies, when rows were lost on the way: the rows that declined consent
    or that the validation excluded (repeated ids...), when they were many; then, when most rows
    kept have no group, the values the validation refused (the usual cause: the group column
    holds names or numbers, not the survey's codes)."""
    text = _rows_lost(checked, declined)
    missing = int(groups.isna().sum())
    if not len(groups) or missing * 2 <= len(groups):
        return text
    errors = checked.errors
    refused = errors[(errors["column"] == group) & (errors["code"] == "invalid-code")]
    text += f"{'; ' if text else ': '}{missing} of the {len(groups)} rows kept have no {group}"
    if len(refused):
        values = ", ".join(repr(v) for v in pd.unique(refused["value"].to_numpy(object))[:5])
        text += (
            f", {len(refused)} of them because their value is not a code of the survey's "
            f"{group!r} item (e.g. {values}); see the validation report"
        )
    return text


def _rows_lost(checked: Any, declined: int) -> str:
    """``": 45 of the 46 rows were excluded by validation (45 duplicate-id)..."`` when at
    least half the rows given were declined or excluded, else ``""``."""
    excluded = checked.excluded
    given = int(checked.n_rows) + declined
    lost = len(excluded) + declined
    if not given or lost * 2 < given:
        return ""
    parts = []
    if len(excluded):
        reasons = ""
        if "excluded_reason" in excluded.columns:
            counts = excluded["excluded_reason"].value_counts()
            reasons = " (" + ", ".join(f"{int(n)} {k}" for k, n in counts.items()) + ")"
        parts.append(
            f"{len(excluded)} of the {given} rows were excluded by validation{reasons}; "
            "validate_responses() lists each one"
        )
    if declined:
        parts.append(f"{declined} of the {given} rows did not consent")
    return ": " + "; ".join(parts)


def _mapping_or_none(m: Mapping[Any, int] | None) -> dict[str, int]:
    return {str(k): int(v) for k, v in (m or {}).items() if v is not None and not np.isnan(v)}
