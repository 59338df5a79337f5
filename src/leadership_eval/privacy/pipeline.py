"""The anonymisation pipeline: from a survey export to data that can be released.

:func:`anonymise` applies, in order:

1. **rows**: the duplicate and blank-row rules of
   :func:`~leadership_eval.responses.validate_responses` (the function is called, or its result
   passed in); every excluded row is reported with its reason;
2. **columns**: only the survey's items and the pseudonym are kept. Every other column is
   dropped and logged with its reason; identifier-like columns (record ids, e-mail and IP
   addresses, names, timestamps, device and location metadata, contact details, found by
   :func:`~leadership_eval.privacy.identifiers.find_identifier_columns`) and the items
   labelled ``disclosure: direct`` are kept only when named in ``keep``, and then with a
   warning; the export's record id is never kept beside the pseudonym;
3. **the record id** is replaced by its keyed pseudonym (or dropped when no key is set);
4. **free text** (``disclosure: free_text``) is redacted;
5. **quasi-identifiers** (``disclosure: quasi``) are generalised with the least information
   loss until every combination of them is shared by at least ``k`` people (``k`` is the
   disclosure policy's ``min_group``), and each generalisation is explained;

and writes a disclosure log saying what was done, with counts, column names and row positions
only: never a respondent's value, a piece of redacted text or the key.
"""

from __future__ import annotations

import os
import re
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .._frames import check_frame, unknown_column
from ..errors import ArgumentError, ConfigurationError, DataError, DisclosureError
from ..policy import DisclosurePolicy
from .identifiers import KEY_ENV, find_identifier_columns, pseudonymise, resolve_key
from .text import ENTITY_TYPES, redact_series

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

    from ..responses import ReadResponses
    from .anonymity import AnonymityReport
    from .generalise import GeneralisationResult
    from .hierarchy import Hierarchy

__all__ = ["ROW_RULES", "AnonymisationResult", "anonymise"]

_LEVELS = ("none", "quasi", "direct", "sensitive", "free_text")

#: The validation codes whose rows :func:`anonymise` leaves out, with what each means.
ROW_RULES: dict[str, str] = {
    "duplicate-id": "the respondent id is on an earlier row (a second submission)",
    "empty-row": "no answer to any question (a record started and never answered)",
}

_RID_METHOD = (
    "HMAC-SHA256 of the trimmed value (emails casefolded), base32, prefix 'P', 12 characters"
)


@dataclass(frozen=True)
class AnonymisationResult:
    """What :func:`anonymise` produced.

    Attributes
    ----------
    data : pandas.DataFrame
        The anonymised data: the rows that were not excluded, in input order, with the input's
        index labels; the pseudonym and the survey's items (and any column named in ``keep``).
    log : dict
        The disclosure log (JSON-serialisable; see :func:`anonymise`).
    report_before, report_after : AnonymityReport or None
        :func:`~leadership_eval.privacy.anonymity.check_anonymity` of the quasi-identifiers
        before and after generalisation (None when there are no quasi-identifiers).
    generalisation : GeneralisationResult or None
        The generalisation found (None when there are no quasi-identifiers).
    columns : pandas.DataFrame
        One row per input column: ``column``, ``role`` (``record-id``, a disclosure level, or
        ``undeclared``), ``action`` (``pseudonymised``, ``kept``, ``redacted``, ``generalised``,
        ``removed``, ``kept-on-request`` or ``dropped``), ``kind`` (the identifier kind, see
        :data:`~leadership_eval.privacy.identifiers.IDENTIFIER_KINDS`, or None) and ``reason``.
    excluded : pandas.DataFrame
        The input rows left out, as they were, with a first column ``excluded_reason`` (a key
        of :data:`ROW_RULES`). For the analyst only: it holds the rows' identifiers.
    policy : DisclosurePolicy
        The disclosure policy applied (its ``min_group`` is the ``k`` reached).
    """

    data: pd.DataFrame
    log: dict[str, Any]
    report_before: AnonymityReport | None = field(default=None, repr=False)
    report_after: AnonymityReport | None = field(default=None, repr=False)
    generalisation: GeneralisationResult | None = field(default=None, repr=False)
    columns: pd.DataFrame | None = field(default=None, repr=False)
    excluded: pd.DataFrame | None = field(default=None, repr=False)
    policy: DisclosurePolicy | None = field(default=None, repr=False)

    @property
    def passes(self) -> bool:
        """Whether k-anonymity holds in :attr:`data` (True when there are no quasi-identifiers)."""
        return self.report_after is None or bool(self.report_after.passes)

    def log_json(self, indent: int | None = 2) -> str:
        """The disclosure log as JSON text."""
        import json

        return json.dumps(self.log, indent=indent, ensure_ascii=False)


# --------------------------------------------------------------------------- survey roles


@dataclass
class _Roles:
    level: dict[str, str]  # declared column -> disclosure level
    respondent_id: str | None  # the column of the export's record id
    source: str  # "survey 'id'" or "the column mapping"
    survey: Any  # the Survey, or None for a mapping


def _roles(data: pd.DataFrame, survey: Any) -> _Roles:
    """The disclosure level of each declared column, from a survey (or its id) or a mapping."""
    from ..instruments.loader import as_survey
    from ..instruments.models import Survey

    if isinstance(survey, str | Path | Survey):
        sv = as_survey(survey)
        rid: str | None = sv.respondent_id
        item = next((q for q in sv.questions if q.id == rid), None)
        if item is not None:
            rid = next(
                (n for n in (item.id, item.column) if n and n in data.columns),
                item.column or item.id,
            )
        return _Roles(sv.disclosure_roles(), rid, f"survey {sv.id!r}", sv)
    if isinstance(survey, Mapping):
        unknown = set(survey) - {*_LEVELS, "respondent_id"}
        if unknown:
            raise DataError(
                f"unknown key(s) {sorted(unknown)} in the survey mapping; expected "
                f"{', '.join(_LEVELS)} or respondent_id",
                code="bad-argument",
            )
        level: dict[str, str] = {}
        for lvl in _LEVELS:
            value = survey.get(lvl, ())
            if value is None:  # {"quasi": None}: no column of that level
                value = []
            elif isinstance(value, str):
                value = [value]
            elif isinstance(value, bytes | Mapping) or not isinstance(value, Iterable):
                raise ArgumentError(
                    f"the {lvl!r} entry of the survey mapping must be a column name or a list "
                    f"of them, got {type(value).__name__} {value!r}"
                )
            else:
                value = list(value)
            missing = [c for c in value if not _has_column(data, c)]
            if missing:
                raise DataError(
                    f"{lvl} column(s) {missing} are not in the data "
                    f"(columns: {list(map(str, data.columns))})",
                    code="unknown-column",
                )
            for c in value:
                level.setdefault(str(c), lvl)
        rid = survey.get("respondent_id")
        return _Roles(level, None if rid is None else str(rid), "the column mapping", None)
    raise ArgumentError(
        "survey must be a Survey or a mapping such as {'direct': [...], 'quasi': [...], "
        f"'free_text': [...], 'respondent_id': 'id'}}, got {type(survey).__name__}"
    )


def _has_column(data: pd.DataFrame, name: Any) -> bool:
    try:
        return name in data.columns
    except TypeError:  # an unhashable name (a list inside the list)
        return False


def _risk(report: AnonymityReport | None) -> dict[str, Any] | None:
    if report is None:
        return None
    return {
        "k": int(report.k),
        "passes": bool(report.passes),
        "n_classes": int(report.n_classes),
        "n_offending_classes": len(report.offending),
        "n_offending_records": int(report.n_offending_records),
        "risk_highest": float(report.risk_highest),
        "risk_average": float(report.risk_average),
        "share_at_risk": float(report.share_at_risk),
        "share_unique": float(report.share_unique),
    }


def _load_hierarchies(
    hierarchies: Mapping[Hashable, Hierarchy | str | os.PathLike[str]] | None,
) -> dict[Hashable, Hierarchy]:
    from .hierarchy import Hierarchy, load_hierarchy

    out: dict[Hashable, Hierarchy] = {}
    for col, h in (hierarchies or {}).items():
        out[col] = h if isinstance(h, Hierarchy) else load_hierarchy(Path(h))
    return out


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# --------------------------------------------------------------------------- rows


@dataclass
class _Rows:
    keep: np.ndarray | None  # positions of the rows kept (None: every row of data)
    excluded: pd.DataFrame
    records: list[dict[str, Any]]  # {"position", "reason"} per excluded row
    n_in: int
    report: Any


def _mapping_survey(data: pd.DataFrame, columns: list[str]) -> Any:
    """A survey of text items, one per declared column, so that validate_responses applies its
    row rules to a column mapping exactly as to a survey."""
    from ..instruments.models import Survey

    taken = {str(c) for c in data.columns}
    items = []
    for i, col in enumerate(columns):
        item_id = f"column_{i}"
        while item_id in taken:
            item_id += "_"
        items.append({"id": item_id, "type": "text", "text": str(col), "column": str(col)})
    return Survey.model_validate(
        {
            "id": "anonymise-columns",
            "version": "1.0.0",
            "title": "Columns named for anonymise",
            "sections": [{"id": "columns", "title": "Columns", "items": items}],
        }
    )


def _row_rules(
    data: pd.DataFrame, roles: _Roles, rid: str | None, validation: Any, read: Any
) -> _Rows:
    import numpy as np

    from ..responses import ValidationReport

    id_column = rid if rid is not None and rid in data.columns else None
    if validation is None:
        from ..responses import validate_responses

        if roles.survey is not None:
            target = roles.survey
        else:
            target = _mapping_survey(
                data, [c for c in roles.level if c in data.columns and c != id_column]
            )
        validation = validate_responses(target, data, id_column=id_column, read=read)
    elif not isinstance(validation, ValidationReport):
        raise DataError(
            "validation must be the report validate_responses returned for this data, got "
            f"{type(validation).__name__}",
            code="bad-argument",
        )
    errors = validation.errors
    chosen = errors[errors["code"].isin(list(ROW_RULES)) & (errors["position"] >= 0)]
    chosen = chosen.sort_values("position", kind="stable")
    positions = chosen["position"].to_numpy(dtype=np.int64)
    # positions, not index labels: an index may hold identifiers, and the log holds none
    records = [
        {"position": int(p), "reason": str(c)}
        for p, c in zip(positions, chosen["code"], strict=True)
    ]
    consistent = len(positions) == len(validation.excluded) and len(set(positions.tolist())) == len(
        positions
    )
    if consistent and validation.n_rows == len(data):  # the raw data that was validated
        keep = np.setdiff1d(np.arange(len(data)), positions)
        excluded = data.iloc[positions].copy()
        excluded.insert(0, "excluded_reason", chosen["code"].astype(str).to_numpy())
        return _Rows(
            None if len(positions) == 0 else keep, excluded, records, len(data), validation
        )
    if (
        consistent
        and len(validation.data) == len(data)
        and validation.data.index.equals(data.index)
    ):  # the clean data: excluded rows already left out
        return _Rows(None, validation.excluded.copy(), records, validation.n_rows, validation)
    raise DataError(
        f"validation is the report of another data set: it read {validation.n_rows} rows and "
        f"kept {len(validation.data)}, the data has {len(data)}; pass the data you validated "
        "(raw, or the report's .data)",
        code="validation-mismatch",
    )


# --------------------------------------------------------------------------- columns


def _plan_columns(
    rows: pd.DataFrame,
    roles: _Roles,
    rid: str | None,
    keep: list[Hashable],
    given: Mapping[Hashable, Any],
    undeclared: str,
    pseudonym: bool,
    read: Any,
) -> tuple[list[dict[str, Any]], list[str]]:
    """What happens to each column, why, and the warnings to give."""
    planner = _Planner(rows, roles, rid, keep, given, undeclared, pseudonym, read)
    for col in rows.columns:
        if col == rid:
            planner.record_id(col)
        elif col == roles.respondent_id:  # the survey's record id, when id_column names another
            planner.survey_record_id(col)
        elif col in planner.declared:
            planner.declared_column(col)
        else:
            planner.undeclared_column(col)
    return planner.plan, planner.warnings


class _Planner:
    """The plan for each column of a release: kept, redacted, dropped, pseudonymised."""

    def __init__(
        self,
        rows: pd.DataFrame,
        roles: _Roles,
        rid: str | None,
        keep: list[Hashable],
        given: Mapping[Hashable, Any],
        undeclared: str,
        pseudonym: bool,
        read: Any,
    ) -> None:
        self.roles, self.rid, self.given = roles, rid, given
        self.keep_set = set(keep)
        self.undeclared, self.pseudonym = undeclared, pseudonym
        self.declared = [c for c in rows.columns if c != rid and (c in roles.level or c in given)]
        others = [c for c in rows.columns if c != rid and c not in self.declared]
        checked = [
            c
            for c in self.declared
            if c not in given and roles.level.get(c) in ("none", "quasi", "sensitive")
        ]
        found = find_identifier_columns(rows, others).itertuples()
        self.found_u = {r.column: r for r in found}
        found = find_identifier_columns(rows, checked, by_name=False).itertuples()
        self.found_d = {r.column: r for r in found}
        # the platform's bookkeeping columns, as the export's reader found them
        self.platform = set(read.metadata_columns) if read is not None else set()
        self.plan: list[dict[str, Any]] = []
        self.warnings: list[str] = []

    def decide(self, col: Hashable, role: str, action: str, kind: str | None, reason: str) -> None:
        self.plan.append(dict(column=col, role=role, action=action, kind=kind, reason=reason))

    @staticmethod
    def refuse_beside(col: Hashable) -> None:
        raise DisclosureError(
            f"column {col!r} is the export's record id and cannot be kept beside the pseudonym: "
            "it would link every pseudonymised row back to the survey platform's records; "
            "leave it out of keep, or release without a pseudonym key",
            code="record-id-beside-pseudonym",
        )

    def on_request(self, col: Hashable, role: str, kind: str | None, why: str) -> None:
        self.warnings.append(
            f"column {col!r} kept on request (keep=, --keep) although it {why}: whoever "
            "receives the data can use it to identify respondents, and the k-anonymity check "
            "does not cover it"
        )
        self.decide(col, role, "kept-on-request", kind, why)

    def record_id(self, col: Hashable) -> None:
        """The export's record id: pseudonymised with a key, else dropped."""
        if self.pseudonym:
            if col in self.keep_set:
                self.refuse_beside(col)
            why = "the export's record id, replaced by its keyed pseudonym"
            self.decide(col, "record-id", "pseudonymised", "record-id", why)
        elif col in self.keep_set:
            self.on_request(col, "record-id", "record-id", "is the export's record id")
        else:
            why = "the export's record id; without a pseudonym key it is dropped"
            self.decide(col, "record-id", "dropped", "record-id", why)

    def survey_record_id(self, col: Hashable) -> None:
        source = self.roles.source
        if col in self.keep_set:
            if self.pseudonym:
                self.refuse_beside(col)
            why = f"is the record id column of {source} (respondent_id)"
            self.on_request(col, "record-id", "record-id", why)
            return
        why = (
            f"the record id column of {source} (respondent_id), while id_column names {self.rid!r}"
        )
        self.decide(col, "record-id", "dropped", "record-id", why)

    def declared_column(self, col: Any) -> None:
        """An item of the survey (or a quasi-identifier given a hierarchy)."""
        roles, given, source = self.roles, self.given, self.roles.source
        level = "quasi" if col in given else roles.level[col]
        hit = self.found_d.get(col)
        if level == "direct":
            why = f"is labelled a direct identifier (disclosure: direct) in {source}"
            self.dropped_or_kept(col, level, None, why)
        elif hit is not None and hit.share >= 0.5:
            why = (
                f"is an item (disclosure: {level}) but {hit.reason}; label it "
                "disclosure: direct if it is an identifier"
            )
            self.dropped_or_kept(col, level, hit.kind, why)
        else:
            if hit is not None:
                self.warnings.append(
                    f"item {col!r} (disclosure: {level}) holds personal data in some "
                    f"answers ({hit.reason.removeprefix('looks like ')}): label it "
                    "disclosure: free_text so that it is redacted"
                )
            reason = (
                f"an item of {source} (disclosure: {level})"
                if col not in given or col in roles.level
                else "a quasi-identifier with a generalisation hierarchy"
            )
            self.decide(col, level, "redacted" if level == "free_text" else "kept", None, reason)

    def dropped_or_kept(self, col: Hashable, role: str, kind: str | None, why: str) -> None:
        if col in self.keep_set:
            self.on_request(col, role, kind, why)
        else:
            self.decide(col, role, "dropped", kind, why)

    def undeclared_column(self, col: Hashable) -> None:
        """A column the survey does not declare: dropped if it looks identifying."""
        hit = self.found_u.get(col)
        if hit is not None:
            if col in self.keep_set and hit.kind == "record-id" and self.pseudonym:
                self.refuse_beside(col)
            self.dropped_or_kept(col, "undeclared", hit.kind, hit.reason)
            return
        bookkeeping = " (survey-platform bookkeeping)" if col in self.platform else ""
        what = f"not an item of {self.roles.source}{bookkeeping}"
        if col in self.keep_set or self.undeclared == "keep":
            self.decide(col, "undeclared", "kept-on-request", None, f"{what}; kept on request")
        else:
            self.decide(col, "undeclared", "dropped", None, what)


# --------------------------------------------------------------------------- explanations


def _labels(values: pd.Series) -> list[str]:
    return sorted({str(v) for v in values.dropna().unique()})


def _shown(labels: list[str], limit: int = 8) -> str:
    if len(labels) <= limit:
        return " / ".join(labels)
    return " / ".join(labels[:limit]) + f" / ... ({len(labels)} values)"


def _explain(
    before: pd.DataFrame,
    gen: GeneralisationResult,
    hierarchies: Mapping[Hashable, Hierarchy],
    source: Mapping[str, str],
    k: int,
    max_suppression: float,
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Why each quasi-identifier ended at its level, in words, with the numbers that say so.

    A generalised column is compared with the same column one level lower (the others as
    chosen): the number of people that would then be in combinations smaller than k says why
    the lower level was not enough.
    """
    import math

    import pandas as pd

    from .anonymity import check_anonymity

    qis = list(hierarchies)
    n = len(before)
    limit = math.floor(max_suppression * n + 1e-9)
    allowed = f"the {limit} ({max_suppression:.0%}) that may be suppressed"
    goal = f"so that every combination of {_and([str(q) for q in qis])} has at least {k} people"
    chosen = {q: hierarchies[q].apply(before[q], gen.levels[q]) for q in qis}
    released = ~gen.suppressed.to_numpy()
    columns: dict[str, dict[str, Any]] = {}
    messages: list[str] = []
    for q in qis:
        level = int(gen.levels[q])
        height = int(hierarchies[q].height)
        name = str(q)
        entry: dict[str, Any] = {
            "level": level,
            "height": height,
            "hierarchy": source[name],
        }
        if level == 0:
            entry.update(action="kept", values=None, reason="kept as it is")
            columns[name] = entry
            messages.append(f"{name}: kept as it is")
            continue
        values = chosen[q][released]
        labels = _labels(values)
        removed = values.nunique(dropna=False) <= 1
        lower = dict(chosen)
        lower[q] = hierarchies[q].apply(before[q], level - 1)
        small = check_anonymity(pd.DataFrame(lower, index=before.index), qis, k=k)
        n_small = int(small.n_offending_records)
        at = (
            "kept as it is"
            if level == 1
            else f"left at level {level - 1} ({_shown(_labels(lower[q]))})"
        )
        why = _why_not_lower(at, n_small, limit, allowed, k, level)
        n_before = int(before[q].nunique())
        was = f"{n_before} value{'s' if n_before != 1 else ''}"
        entry["n_values_before"] = n_before
        if removed:
            shown = labels[0] if labels else "missing"
            head = f"{name}: removed ({was} became {shown!r} for everyone) {goal}"
            entry.update(action="removed", values=labels)
        else:
            head = (
                f"{name}: generalised to level {level} of {height}, from {was} to "
                f"{len(labels)} ({_shown(labels)}), {goal}"
            )
            entry.update(action="generalised", values=labels)
        reason = f"{head}; {why}"
        if removed and source[name] == "keep-or-suppress":
            reason += (
                f"; it has no hierarchy, so it could only be kept or removed: give it one to "
                f"coarsen it instead (hierarchies={{{name!r}: ...}}, or --hierarchy {name}=FILE)"
            )
        entry["reason"] = reason
        columns[name] = entry
        messages.append(reason)
    if gen.n_suppressed:
        messages.append(
            f"{gen.n_suppressed} record(s) suppressed (every quasi-identifier shows '*'): at the "
            f"levels chosen they were in combinations of fewer than {k} people; at most "
            f"{limit} ({max_suppression:.0%}) may be suppressed"
        )
    return columns, messages


def _why_not_lower(at: str, n_small: int, limit: int, allowed: str, k: int, level: int) -> str:
    """Why a quasi-identifier is not left one level lower, in words."""
    leave = f"{at}, it would leave {n_small} people in smaller combinations"
    if n_small > limit:
        return f"{leave}, more than {allowed}"
    if n_small == 0:
        return f"{at}, every combination would reach {k}, but level {level} loses less information"
    if n_small < k:
        return (
            f"{leave}: too few to suppress, since the suppressed records form a group "
            f"that needs {k} people too"
        )
    return f"{leave}, and suppressing them loses more information than generalising"


_PLACEHOLDER = re.compile(r"\[(" + "|".join(map(re.escape, ENTITY_TYPES)) + r")\]")


def _placeholders(texts: pd.Series) -> pd.Series:
    """How many placeholders of each type the texts hold (one pass over the texts)."""
    import pandas as pd

    found = texts.dropna().astype(str).str.findall(_PLACEHOLDER).explode().dropna()
    return pd.Series(found.value_counts(), dtype="int64")


# --------------------------------------------------------------------------- the pipeline


def anonymise(
    data: pd.DataFrame | ReadResponses,
    survey: Any,
    *,
    policy: DisclosurePolicy | str | os.PathLike[str] | Mapping[str, Any] | None = None,
    k: int | None = None,
    keep: Iterable[Hashable] = (),
    validation: Any = None,
    key: str | bytes | None = None,
    key_file: str | os.PathLike[str] | None = None,
    key_env: str = KEY_ENV,
    hierarchies: Mapping[Hashable, Hierarchy | str | os.PathLike[str]] | None = None,
    id_column: str | None = None,
    names: Iterable[str] = (),
    places: Iterable[str] = (),
    max_suppression: float = 0.05,
    metric: str = "entropy",
    undeclared: Literal["keep", "drop"] = "drop",
) -> AnonymisationResult:
    """Anonymise survey responses for release, as the instrument's disclosure labels require.

    Parameters
    ----------
    data : pandas.DataFrame
        Responses, one row per record, as exported (columns named by item id or ``column``
        alias; platform columns such as e-mail, IP address and timestamps may be present), or
        the ``.data`` of ``validation``.
    survey : Survey or mapping
        The instrument (its items' ``disclosure`` and its ``respondent_id``, the column of the
        export's record id, whether or not it is also an item), or a mapping
        ``{"direct": [...], "quasi": [...], "free_text": [...], "sensitive": [...],
        "none": [...], "respondent_id": "id"}``.
    policy : DisclosurePolicy, str, path, mapping or None
        The disclosure policy (see :meth:`~leadership_eval.policy.DisclosurePolicy.resolve`):
        a preset name, a policy file, a policy, or None for the default.
    k : int, optional
        Smallest number of people every combination of quasi-identifiers must have. Default:
        the policy's ``min_group``. The data are for release, so ``k`` may only tighten the
        policy: a ``k`` below ``min_group`` raises :class:`~leadership_eval.errors.DisclosureError`.
    keep : iterable of column names, optional
        Columns to keep although they are no item of the survey, or look like identifiers, or
        are labelled ``disclosure: direct``. Each identifier kept is named in a warning. The
        export's record id is never kept beside the pseudonym (a
        :class:`~leadership_eval.errors.DisclosureError`).
    validation : ValidationReport, optional
        :func:`~leadership_eval.responses.validate_responses` of ``data`` (raw or its
        ``.data``). Default: ``validate_responses`` is run here (for a mapping, on a survey
        of text items, one per declared column).
    key, key_file, key_env
        The pseudonym key (see :func:`~leadership_eval.privacy.identifiers.pseudonymise`). When
        none is found the record id is dropped instead, and the log says so.
    hierarchies : dict, optional
        Quasi-identifier -> generalisation hierarchy (a
        :class:`~leadership_eval.privacy.hierarchy.Hierarchy` or a file for
        :func:`~leadership_eval.privacy.hierarchy.load_hierarchy`). A quasi-identifier without
        one is kept or removed as a whole (:meth:`Hierarchy.from_values`). A column given a
        hierarchy is treated as a quasi-identifier even if the survey does not label it so.
    id_column : str, optional
        The record id column, overriding the survey's ``respondent_id``.
    names, places : iterable of str, optional
        Rosters passed to :func:`~leadership_eval.privacy.text.redact_series`.
    max_suppression : float, default 0.05
        Largest share of records whose quasi-identifiers may be suppressed (set to ``"*"``).
    metric : str, default ``"entropy"``
        Information-loss metric of :func:`~leadership_eval.privacy.generalise.generalise`.
    undeclared : {"drop", "keep"}, default "drop"
        What to do with columns the survey does not describe. ``"keep"`` keeps those that do
        not look like identifiers (derived scores, say); identifier-like ones still need
        ``keep``.

    Returns
    -------
    AnonymisationResult
        ``.data`` (the rows kept, in input order), ``.log``, ``.columns`` (one row per input
        column: ``column``, ``role``, ``action``, ``kind``, ``reason``), ``.excluded`` (the
        rows left out, with ``excluded_reason``), ``.report_before``, ``.report_after``,
        ``.generalisation``, ``.policy``, ``.passes``.

    Raises
    ------
    DisclosureError
        ``k`` below the policy's ``min_group`` (code ``loosens-policy``); the record id named
        in ``keep`` beside a pseudonym (code ``record-id-beside-pseudonym``).
    DataError
        Unknown columns (in ``keep``, ``id_column``, the mapping or ``hierarchies``);
        ``validation`` of other data; no row left; a value missing from a hierarchy; no
        generalisation reaches k within ``max_suppression``.
    ConfigurationError
        A key was given (or the variable set) but is unusable (too short, unreadable file); an
        unknown policy.

    Notes
    -----
    Rows are left out by the rules of :func:`~leadership_eval.responses.validate_responses`
    (:data:`ROW_RULES`): a row with no answer to any question (``empty-row``) and a row whose
    respondent id is on an earlier row (``duplicate-id``). Rows in = rows out + rows excluded.

    Columns kept: the record id's column, holding the keyed pseudonyms, and the columns of the
    survey's questions (with their ``column`` aliases and ``{id}__{code}`` indicator columns),
    except those labelled ``disclosure: direct`` and those whose values are mostly
    identifiers (:func:`~leadership_eval.privacy.identifiers.find_identifier_columns`, half of
    the distinct values or more). Everything else is dropped unless named in ``keep``.

    The log records: ``policy`` (the effective settings), ``n_records`` (rows in),
    ``n_records_out``, ``excluded`` (``n``, ``reasons`` counted, ``rows``: each excluded
    row's position, counting from 0, and reason; not its index label, which may be an
    identifier), ``respondent_id`` (column, and whether it was
    pseudonymised, with the method but never the key, or dropped), ``columns`` (one entry per
    input column, as :attr:`AnonymisationResult.columns`), ``dropped`` (the dropped column
    names), ``warnings``, ``free_text`` (per column: values, values changed, placeholders added
    per type), ``quasi_identifiers``, ``k_target``, ``generalisation`` (per quasi-identifier:
    level, hierarchy height, ``action`` ``kept`` / ``generalised`` / ``removed``, the values at
    that level, and the ``reason`` in words; information loss), ``suppressed`` (records),
    ``k_before``, ``k_after``, ``risk_before`` and ``risk_after`` (prosecutor risk: highest,
    average, share of records at risk and unique) and ``messages`` (what to print). Only
    counts, column names, category labels and row positions are logged; offending classes are
    counted, not listed.

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.privacy.pipeline import anonymise
    >>> df = pd.DataFrame({
    ...     "rid": [f"r{i}" for i in range(11)] + ["r3"],
    ...     "IPAddress": [f"192.0.2.{i}" for i in range(12)],
    ...     "email": [f"t{i}@nhs.net" for i in range(10)] + [None, "t3@nhs.net"],
    ...     "grade": ["FY1"] * 5 + ["FY2"] * 4 + ["ST3", None, "FY1"],
    ...     "comment": ["Dr Okafor was great"] + ["Fine"] * 9 + [None, "Fine"],
    ... })
    >>> spec = {"direct": ["email"], "quasi": ["grade"], "free_text": ["comment"],
    ...         "respondent_id": "rid"}
    >>> res = anonymise(df, spec, key="a demonstration key, not a secret",
    ...                 max_suppression=0.5)
    >>> list(res.data.columns), res.data["comment"][0]
    (['rid', 'grade', 'comment'], '[NAME] was great')
    >>> res.log["dropped"], res.log["excluded"]["reasons"]
    (['IPAddress', 'email'], {'duplicate-id': 1, 'empty-row': 1})
    >>> res.data["grade"].tolist()
    ['FY1', 'FY1', 'FY1', 'FY1', 'FY1', '*', '*', '*', '*', '*']
    >>> res.log["k_target"], res.log["k_before"], res.log["k_after"], res.log["suppressed"]
    (5, 1, 5, 5)
    """
    import pandas as pd

    from ..responses import ReadResponses

    read = data.report if isinstance(data, ReadResponses) else None  # the export's read report
    data = data.frame if isinstance(data, ReadResponses) else data
    pol = _check_arguments(data, undeclared, k, policy)
    keep_list: list[Hashable] = [keep] if isinstance(keep, str) else list(keep)
    for col in keep_list:
        if col not in data.columns:
            raise unknown_column(col, data, "keep")
    roles = _roles(data, survey)
    rid = id_column if id_column is not None else roles.respondent_id
    if id_column is not None and id_column not in data.columns:
        raise unknown_column(id_column, data, "id")
    given = _load_hierarchies(hierarchies)
    unknown_h = [c for c in given if c not in data.columns]
    if unknown_h:
        raise DataError(
            f"hierarchies given for column(s) {unknown_h} that are not in the data",
            code="unknown-column",
        )
    messages: list[str] = []
    log: dict[str, Any] = {"policy": pol.settings()}
    # 1. rows
    found_rows = _row_rules(data, roles, rid, validation, read)
    rows = data if found_rows.keep is None else data.iloc[found_rows.keep]
    _log_rows(found_rows, len(rows), log, messages)
    # 2. the pseudonym key, then what happens to each column
    resolved = None
    if rid is not None and rid in data.columns:
        try:
            resolved = resolve_key(key, key_env=key_env, key_file=key_file)
        except ConfigurationError as exc:
            if exc.code != "missing-key" or key_file is not None:
                raise
    plan, warnings = _plan_columns(
        rows, roles, rid, keep_list, given, undeclared, resolved is not None, read
    )
    out = rows[[p["column"] for p in plan if p["action"] != "dropped"]].copy()
    # 3. the record id
    log["respondent_id"] = _record_id(out, rid, data, plan, resolved, key_env, messages)
    dropped = [p for p in plan if p["action"] == "dropped"]
    _log_dropped(dropped, rid, warnings, messages)
    # 4. free text
    _redact_free_text(out, plan, list(names), list(places), log, messages)
    # 5. quasi-identifiers
    out, report_before, report_after, gen = _generalise_quasi_identifiers(
        out, plan, given, pol, max_suppression, metric, log, messages
    )
    log["columns"] = [{**p, "column": str(p["column"])} for p in plan]  # actions filled in
    log["dropped"] = [str(p["column"]) for p in dropped]
    log["warnings"] = warnings
    log["n_records_out"] = len(out)
    log["messages"] = messages
    if len(out) + len(found_rows.records) != found_rows.n_in:  # pragma: no cover - a bug
        raise AssertionError("anonymise lost records")
    columns = pd.DataFrame(plan, columns=["column", "role", "action", "kind", "reason"])
    return AnonymisationResult(
        out,
        log,
        report_before,
        report_after,
        gen,
        columns=columns,
        excluded=found_rows.excluded,
        policy=pol,
    )


def _check_arguments(data: Any, undeclared: str, k: int | None, policy: Any) -> DisclosurePolicy:
    """The policy the arguments resolve to, after checking them."""
    check_frame(data, unique_columns=True, text_columns=True)
    if undeclared not in ("keep", "drop"):
        raise DataError(
            f"undeclared must be 'keep' or 'drop', got {undeclared!r}", code="bad-argument"
        )
    if k is not None and (isinstance(k, bool) or not isinstance(k, int) or k < 1):
        raise DataError(f"k must be a whole number of at least 1, got {k!r}", code="invalid-k")
    return DisclosurePolicy.resolve(
        Path(policy) if isinstance(policy, os.PathLike) else policy, min_group=k
    )


def _log_rows(found: _Rows, n_kept: int, log: dict[str, Any], messages: list[str]) -> None:
    tally = [r["reason"] for r in found.records]
    reasons = {code: tally.count(code) for code in ROW_RULES if code in tally}
    log["n_records"] = found.n_in
    log["excluded"] = {"n": len(found.records), "reasons": reasons, "rows": found.records}
    counted = ", ".join(f"{n} {code}" for code, n in reasons.items())
    messages.append(
        f"rows: {found.n_in} read, {n_kept} kept, {len(found.records)} excluded"
        + (f" ({counted})" if counted else "")
    )
    for code in reasons:
        at = [str(r["position"]) for r in found.records if r["reason"] == code]
        more = f" and {len(at) - 20} more (all in the log)" if len(at) > 20 else ""
        messages.append(
            f"excluded as {code}, {ROW_RULES[code]}: row{'s' if len(at) > 1 else ''} "
            f"{', '.join(at[:20])}{more} (data rows counted from 0)"
        )
    if found.n_in == 0:
        raise DataError(
            "the responses have no data rows (only a header): nothing to anonymise",
            code="empty-data",
        )
    if n_kept == 0:
        raise DataError(
            f"no row left to anonymise: all {found.n_in} were excluded ({counted})",
            code="no-rows",
        )


def _record_id(
    out: pd.DataFrame,
    rid: str | None,
    data: pd.DataFrame,
    plan: list[dict[str, Any]],
    resolved: bytes | None,
    key_env: str,
    messages: list[str],
) -> dict[str, Any]:
    """Pseudonymise the record id column in place (or say why not); its log entry."""
    rid_log: dict[str, Any] = {"column": rid, "action": "none"}
    if rid is not None and rid in data.columns:
        action = next(p["action"] for p in plan if p["column"] == rid)
        if resolved is not None:
            out[rid] = pseudonymise(out[rid], resolved)
            n_missing = int(out[rid].isna().sum())
            rid_log.update(action="pseudonymised", method=_RID_METHOD, n_missing=n_missing)
            messages.append(f"record id {rid!r} replaced by keyed pseudonyms")
        elif action == "dropped":
            rid_log["action"] = "dropped"
            messages.append(
                f"record id {rid!r} dropped: no pseudonym key (set {key_env} or pass a key "
                "file to keep a link between waves)"
            )
        else:
            rid_log["action"] = "kept-on-request"
    elif rid is not None:
        rid_log["action"] = "absent"
        ids = [str(p["column"]) for p in plan if p["kind"] == "record-id" and p["column"] != rid]
        hint = (
            f"; {', '.join(ids)} look(s) like a record id: pass it as id_column "
            "(--id-column) to pseudonymise it"
            if ids
            else ""
        )
        messages.append(f"record id column {rid!r} is not in the data{hint}")
    return rid_log


def _log_dropped(
    dropped: list[dict[str, Any]], rid: str | None, warnings: list[str], messages: list[str]
) -> None:
    for p in dropped:
        if p["column"] != rid:
            messages.append(f"dropped column {str(p['column'])!r}: {p['reason']}")
    if any(p["kind"] is not None and p["column"] != rid for p in dropped):
        messages.append(
            "identifier-like columns are kept only when named in keep (--keep COLUMN), and "
            "then with a warning"
        )
    messages.extend(f"warning: {w}" for w in warnings)


def _redact_free_text(
    out: pd.DataFrame,
    plan: list[dict[str, Any]],
    names: list[str],
    places: list[str],
    log: dict[str, Any],
    messages: list[str],
) -> None:
    """Redact the free-text columns in place, counting the placeholders each gained."""
    free_log: dict[str, Any] = {}
    totals = dict.fromkeys(ENTITY_TYPES, 0)
    for col in [p["column"] for p in plan if p["action"] == "redacted"]:
        before = out[col]
        after = redact_series(before, names, places)
        as_text = before.astype(object).map(str, na_action="ignore").astype(object)
        # each span found became one [TYPE] placeholder: count the new ones
        added = _placeholders(after).sub(_placeholders(as_text), fill_value=0)
        counts: dict[str, int] = {}
        for t in ENTITY_TYPES:
            n = int(added.get(t, 0))
            if n:
                counts[t] = n
                totals[t] += n
        changed = int((after.astype(object).fillna("") != as_text.fillna("")).sum())
        free_log[str(col)] = {
            "n_values": int(before.notna().sum()),
            "n_changed": changed,
            "placeholders": counts,
        }
        out[col] = after
    log["free_text"] = {"columns": free_log, "placeholders": {t: n for t, n in totals.items() if n}}
    if free_log:
        n_changed = sum(v["n_changed"] for v in free_log.values())
        messages.append(
            f"redacted personal data in {n_changed} free-text answer(s) across "
            f"{len(free_log)} column(s)"
        )


def _generalise_quasi_identifiers(
    out: pd.DataFrame,
    plan: list[dict[str, Any]],
    given: dict[Hashable, Any],
    pol: DisclosurePolicy,
    max_suppression: float,
    metric: str,
    log: dict[str, Any],
    messages: list[str],
) -> tuple[pd.DataFrame, Any, Any, Any]:
    """Generalise the quasi-identifiers until k holds: (data, reports before and after, result)."""
    k_eff = int(pol.min_group)
    qis: list[Hashable] = [
        p["column"] for p in plan if p["role"] == "quasi" and p["action"] == "kept"
    ]
    log["quasi_identifiers"] = [str(q) for q in qis]
    log["k_target"] = k_eff
    log["max_suppression"] = max_suppression
    if not qis:
        log.update(
            generalisation=None,
            suppressed=0,
            k_before=None,
            k_after=None,
            risk_before=None,
            risk_after=None,
            passes=True,
        )
        messages.append("no quasi-identifiers: k-anonymity not assessed")
        return out, None, None, None
    from .anonymity import check_anonymity
    from .generalise import generalise
    from .hierarchy import Hierarchy

    report_before = check_anonymity(out, qis, k=k_eff)
    hier: dict[Hashable, Hierarchy] = {}
    source: dict[str, str] = {}
    for q in qis:
        if q in given:
            hier[q], source[str(q)] = given[q], "given"
        else:
            hier[q] = Hierarchy.from_values(out[q], top="*", name=str(q))
            source[str(q)] = "keep-or-suppress"
    before_qis = out[qis]
    gen = generalise(out, hier, k=k_eff, max_suppression=max_suppression, metric=metric)
    report_after = check_anonymity(gen.data, qis, k=k_eff)
    explained, lines = _explain(before_qis, gen, hier, source, k_eff, max_suppression)
    by_column = {p["column"]: p for p in plan}
    for q in qis:
        by_column[q]["action"] = explained[str(q)]["action"]
        if explained[str(q)]["action"] != "kept":
            by_column[q]["reason"] = explained[str(q)]["reason"]
    log["generalisation"] = {
        "levels": {str(q): int(v) for q, v in gen.levels.items()},
        "hierarchy": source,
        "columns": explained,
        "metric": gen.metric,
        "information_loss": float(gen.information_loss),
    }
    log["suppressed"] = int(gen.n_suppressed)
    log["k_before"] = int(report_before.k)
    log["k_after"] = int(report_after.k)
    log["risk_before"] = _risk(report_before)
    log["risk_after"] = _risk(report_after)
    log["passes"] = bool(report_after.passes)
    messages.extend(lines)
    messages.append(
        f"k went from {report_before.k} to {report_after.k} (target {k_eff}, policy "
        f"{pol.name!r}); {gen.n_suppressed} record(s) suppressed"
    )
    return gen.data, report_before, report_after, gen
