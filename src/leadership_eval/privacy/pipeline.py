"""The anonymisation pipeline: from validated responses to data that can leave the team.

:func:`anonymise` applies, in order, what the instrument's ``disclosure`` labels ask for:

1. drop the direct identifiers (``disclosure: direct``);
2. replace the respondent id with a keyed pseudonym (or drop it when no key is set);
3. redact personal data in every free-text item (``disclosure: free_text``);
4. generalise the quasi-identifiers (``disclosure: quasi``) with the least information loss
   until k-anonymity holds, suppressing at most ``max_suppression`` of the records;

and writes a disclosure log saying what was done, with counts only: never a value, a piece of
redacted text or the key.
"""

from __future__ import annotations

import os
import re
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..errors import ConfigurationError, DataError
from .identifiers import KEY_ENV, drop_direct_identifiers, pseudonymise, resolve_key
from .text import ENTITY_TYPES, redact_series

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .anonymity import AnonymityReport
    from .generalise import GeneralisationResult
    from .hierarchy import Hierarchy

__all__ = ["AnonymisationResult", "anonymise"]

_LEVELS = ("none", "quasi", "direct", "sensitive", "free_text")


@dataclass(frozen=True)
class AnonymisationResult:
    """What :func:`anonymise` produced.

    Attributes
    ----------
    data : pandas.DataFrame
        The anonymised data: every input row, in order, with the input's index.
    log : dict
        The disclosure log (JSON-serialisable; see :func:`anonymise`).
    report_before, report_after : AnonymityReport or None
        :func:`~leadership_eval.privacy.anonymity.check_anonymity` of the quasi-identifiers
        before and after generalisation (None when there are no quasi-identifiers).
    generalisation : GeneralisationResult or None
        The generalisation found (None when there are no quasi-identifiers).
    """

    data: pd.DataFrame
    log: dict[str, Any]
    report_before: AnonymityReport | None = field(default=None, repr=False)
    report_after: AnonymityReport | None = field(default=None, repr=False)
    generalisation: GeneralisationResult | None = field(default=None, repr=False)

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
    direct: list[str]
    quasi: list[str]
    free_text: list[str]
    respondent_id: str | None
    declared: set[str]


def _present(data: pd.DataFrame, names: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for n in names:
        if n in data.columns and n not in seen:
            seen.append(n)
    return seen


def _roles(data: pd.DataFrame, survey: Any) -> _Roles:
    """The columns of each disclosure level, from a Survey or a mapping of level -> columns."""
    if not isinstance(survey, Mapping) and hasattr(survey, "items"):
        by: dict[str, list[str]] = {lvl: [] for lvl in _LEVELS}
        declared: set[str] = set()
        rid_item = getattr(survey, "respondent_id", None)
        rid: str | None = rid_item
        for item in survey.items:
            names = [item.id] + ([item.column] if item.column else [])
            declared.update(names)
            col = next((n for n in names if n in data.columns), None)
            if item.id == rid_item:
                rid = col or item.column or item.id
            if col is not None:
                by.setdefault(item.disclosure, []).append(col)
        return _Roles(by["direct"], by["quasi"], by["free_text"], rid, declared)
    if isinstance(survey, Mapping):
        unknown = set(survey) - {*_LEVELS, "respondent_id"}
        if unknown:
            raise DataError(
                f"unknown key(s) {sorted(unknown)} in the survey mapping; expected "
                f"{', '.join(_LEVELS)} or respondent_id",
                code="bad-argument",
            )

        def cols(level: str) -> list[str]:
            value = survey.get(level, ())
            value = [value] if isinstance(value, str) else list(value)
            missing = [c for c in value if c not in data.columns]
            if missing:
                raise DataError(
                    f"{level} column(s) {missing} are not in the data "
                    f"(columns: {list(map(str, data.columns))})",
                    code="unknown-column",
                )
            return [str(c) for c in value]

        direct, quasi, free = cols("direct"), cols("quasi"), cols("free_text")
        declared = {*direct, *quasi, *free, *cols("sensitive"), *cols("none")}
        rid = survey.get("respondent_id")
        return _Roles(direct, quasi, free, rid, declared | ({rid} if rid else set()))
    raise DataError(
        "survey must be a Survey or a mapping such as {'direct': [...], 'quasi': [...], "
        f"'free_text': [...], 'respondent_id': 'id'}}, got {type(survey).__name__}",
        code="bad-argument",
    )


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


_STRUCTURED = ("EMAIL", "URL", "DATE_OF_BIRTH", "NHS_NUMBER", "NI_NUMBER", "GMC_NUMBER", "PHONE")


def _looks_personal(data: pd.DataFrame, columns: Iterable[Hashable]) -> dict[str, list[str]]:
    """Columns whose first 200 values hold structured personal data (emails, phones...)."""
    from .text import find_personal_data

    found: dict[str, list[str]] = {}
    for col in columns:
        values = data[col].dropna()
        if values.empty or values.dtype.kind in "biufcmM":
            continue
        types: set[str] = set()
        for v in values.head(200).astype(str):
            types.update(s.type for s in find_personal_data(v) if s.type in _STRUCTURED)
        if types:
            found[str(col)] = sorted(types)
    return found


# --------------------------------------------------------------------------- the pipeline


def anonymise(
    data: pd.DataFrame,
    survey: Any,
    *,
    k: int = 5,
    key: str | bytes | None = None,
    key_file: str | os.PathLike[str] | None = None,
    key_env: str = KEY_ENV,
    hierarchies: Mapping[Hashable, Hierarchy | str | os.PathLike[str]] | None = None,
    id_column: str | None = None,
    names: Iterable[str] = (),
    places: Iterable[str] = (),
    max_suppression: float = 0.05,
    metric: str = "entropy",
    undeclared: Literal["keep", "drop"] = "keep",
) -> AnonymisationResult:
    """Anonymise survey responses as the instrument's disclosure labels require.

    Parameters
    ----------
    data : pandas.DataFrame
        Responses, one row per respondent (columns named by item id or ``column`` alias).
    survey : Survey or mapping
        The instrument (its items' ``disclosure`` and its ``respondent_id``), or a mapping
        ``{"direct": [...], "quasi": [...], "free_text": [...], "respondent_id": "id"}``.
    k : int, default 5
        Smallest equivalence class size required over the quasi-identifiers.
    key, key_file, key_env
        The pseudonym key (see :func:`~leadership_eval.privacy.identifiers.pseudonymise`). When
        none is found the respondent id is dropped instead, and the log says so.
    hierarchies : dict, optional
        Quasi-identifier -> generalisation hierarchy (a
        :class:`~leadership_eval.privacy.hierarchy.Hierarchy` or a file for
        :func:`~leadership_eval.privacy.hierarchy.load_hierarchy`). A quasi-identifier without
        one is kept or suppressed as a whole (:meth:`Hierarchy.from_values`). A column given a
        hierarchy is treated as a quasi-identifier even if the survey does not label it so.
    id_column : str, optional
        The respondent id column, overriding the survey's ``respondent_id``.
    names, places : iterable of str, optional
        Rosters passed to :func:`~leadership_eval.privacy.text.redact_series`.
    max_suppression : float, default 0.05
        Largest share of records whose quasi-identifiers may be suppressed (set to ``"*"``).
    metric : str, default ``"entropy"``
        Information-loss metric of :func:`~leadership_eval.privacy.generalise.generalise`.
    undeclared : {"keep", "drop"}, default "keep"
        What to do with columns the survey does not describe (platform metadata such as a
        recipient email or IP address, derived scores). Either way they are listed in the log,
        and those whose values hold personal data (an email, phone, NHS number... found by
        :func:`~leadership_eval.privacy.text.find_personal_data` in the first 200 values) are
        named in a warning.

    Returns
    -------
    AnonymisationResult
        ``.data`` (every input row, in input order), ``.log``, ``.report_before``,
        ``.report_after``, ``.generalisation``, ``.passes``.

    Raises
    ------
    DataError
        Unknown columns; a value missing from a hierarchy; no generalisation reaches k within
        ``max_suppression``.
    ConfigurationError
        A key was given (or the variable set) but is unusable (too short, unreadable file).

    Notes
    -----
    The log records: ``dropped`` (direct-identifier columns), ``respondent_id`` (column and
    whether it was pseudonymised, with the method but never the key, or dropped),
    ``free_text`` (per column: values, values changed, placeholders added per type),
    ``quasi_identifiers``, ``generalisation`` (level per quasi-identifier, whether its hierarchy
    was given or keep-or-suppress, information loss), ``suppressed`` (records), ``k_before``,
    ``k_after``, ``risk_before`` and ``risk_after`` (prosecutor risk: highest, average, share
    of records at risk and unique), ``undeclared_columns`` (columns the survey does not
    describe, whether they were kept or dropped, and which hold personal data) and
    ``messages``. Only counts and column names are
    logged; offending classes are counted, not listed, since their values would single people
    out.

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.privacy.pipeline import anonymise
    >>> df = pd.DataFrame({
    ...     "rid": [f"r{i}" for i in range(10)],
    ...     "email": [f"t{i}@nhs.net" for i in range(10)],
    ...     "grade": ["FY1"] * 5 + ["FY2"] * 4 + ["ST3"],
    ...     "comment": ["Dr Okafor was great"] + ["Fine"] * 9,
    ... })
    >>> spec = {"direct": ["email"], "quasi": ["grade"], "free_text": ["comment"],
    ...         "respondent_id": "rid"}
    >>> res = anonymise(df, spec, k=5, key="a demonstration key, not a secret",
    ...                 max_suppression=0.5)
    >>> list(res.data.columns), res.data["comment"][0]
    (['rid', 'grade', 'comment'], '[NAME] was great')
    >>> res.data["grade"].tolist()
    ['FY1', 'FY1', 'FY1', 'FY1', 'FY1', '*', '*', '*', '*', '*']
    >>> res.log["k_before"], res.log["k_after"], res.log["suppressed"]
    (1, 5, 5)
    """
    import pandas as pd

    if not isinstance(data, pd.DataFrame):
        raise DataError(
            f"data must be a pandas DataFrame, got {type(data).__name__}", code="bad-argument"
        )
    if undeclared not in ("keep", "drop"):
        raise DataError(
            f"undeclared must be 'keep' or 'drop', got {undeclared!r}", code="bad-argument"
        )
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise DataError(f"k must be a whole number of at least 1, got {k!r}", code="invalid-k")
    if data.columns.duplicated().any():
        dup = sorted({str(c) for c in data.columns[data.columns.duplicated()]})
        raise DataError(f"duplicate column names in the data: {dup}", code="duplicate-column")
    roles = _roles(data, survey)
    messages: list[str] = []
    log: dict[str, Any] = {
        "n_records": len(data),
        "k_target": k,
        "max_suppression": max_suppression,
    }
    out = data.copy()

    # 1-2. respondent id, then direct identifiers
    rid = id_column if id_column is not None else roles.respondent_id
    rid_log: dict[str, Any] = {"column": rid, "action": "none"}
    if id_column is not None and id_column not in data.columns:
        raise DataError(
            f"id column {id_column!r} is not in the data (columns: {list(map(str, data.columns))})",
            code="unknown-column",
        )
    if rid is not None and rid in out.columns:
        try:
            resolved = resolve_key(key, key_env=key_env, key_file=key_file)
        except ConfigurationError as exc:
            if exc.code != "missing-key" or key_file is not None:
                raise
            resolved = None
        if resolved is not None:
            out[rid] = pseudonymise(out[rid], resolved)
            rid_log.update(
                action="pseudonymised",
                method="HMAC-SHA256 of the trimmed value (emails casefolded), base32, "
                "prefix 'P', 12 characters",
                n_missing=int(out[rid].isna().sum()),
            )
            messages.append(f"respondent id {rid!r} replaced by keyed pseudonyms")
        else:
            out = out.drop(columns=[rid])
            rid_log["action"] = "dropped"
            messages.append(
                f"respondent id {rid!r} dropped: no pseudonym key (set {key_env} or pass a key "
                "file to keep a link between waves)"
            )
    elif rid is not None:
        rid_log["action"] = "absent"
        messages.append(f"respondent id {rid!r} is not in the data")
    log["respondent_id"] = rid_log
    keep = [rid] if rid_log["action"] == "pseudonymised" and rid is not None else []
    out, dropped = drop_direct_identifiers(
        out, [c for c in roles.direct if c in out.columns], keep=keep
    )
    if rid_log["action"] == "dropped" and rid is not None:
        dropped = [rid, *dropped]
    log["dropped"] = dropped
    if dropped:
        messages.append(f"dropped {len(dropped)} direct identifier column(s): {', '.join(dropped)}")

    # 3. free text
    free_log: dict[str, Any] = {}
    totals = dict.fromkeys(ENTITY_TYPES, 0)
    names_t = list(names)
    places_t = list(places)
    for col in roles.free_text:
        if col not in out.columns:
            continue
        before = out[col]
        after = redact_series(before, names_t, places_t)
        as_text = before.astype(object).map(str, na_action="ignore")
        counts: dict[str, int] = {}
        for t in ENTITY_TYPES:
            token = "[" + t + "]"
            n = int(
                after.str.count(re.escape(token)).sum() - as_text.str.count(re.escape(token)).sum()
            )
            if n:
                counts[t] = n
                totals[t] += n
        changed = int((after.fillna("") != as_text.fillna("")).sum())
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

    # 4. quasi-identifiers
    given = _load_hierarchies(hierarchies)
    unknown_h = [c for c in given if c not in out.columns]
    if unknown_h:
        raise DataError(
            f"hierarchies given for column(s) {unknown_h} that are not in the data",
            code="unknown-column",
        )
    qis: list[Hashable] = [*roles.quasi, *[c for c in given if c not in roles.quasi]]
    qis = [q for q in qis if q in out.columns]
    log["quasi_identifiers"] = [str(q) for q in qis]
    report_before = report_after = None
    gen = None
    if qis:
        from .anonymity import check_anonymity
        from .generalise import generalise
        from .hierarchy import Hierarchy

        report_before = check_anonymity(out, qis, k=k)
        hier: dict[Hashable, Hierarchy] = {}
        source: dict[str, str] = {}
        for q in qis:
            if q in given:
                hier[q] = given[q]
                source[str(q)] = "given"
            else:
                hier[q] = Hierarchy.from_values(out[q], top="*", name=str(q))
                source[str(q)] = "keep-or-suppress"
        gen = generalise(out, hier, k=k, max_suppression=max_suppression, metric=metric)
        out = gen.data
        report_after = check_anonymity(out, qis, k=k)
        log["generalisation"] = {
            "levels": {str(q): int(v) for q, v in gen.levels.items()},
            "hierarchy": source,
            "metric": gen.metric,
            "information_loss": float(gen.information_loss),
        }
        log["suppressed"] = int(gen.n_suppressed)
        log["k_before"] = int(report_before.k)
        log["k_after"] = int(report_after.k)
        log["risk_before"] = _risk(report_before)
        log["risk_after"] = _risk(report_after)
        log["passes"] = bool(report_after.passes)
        raised = [str(q) for q, v in gen.levels.items() if v]
        messages.append(
            f"k went from {report_before.k} to {report_after.k} (target {k}); "
            + (f"generalised {', '.join(raised)}; " if raised else "no generalisation needed; ")
            + f"{gen.n_suppressed} record(s) suppressed"
        )
    else:
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

    undeclared_cols = [c for c in out.columns if c not in roles.declared and c != rid]
    suspicious = _looks_personal(out, undeclared_cols)
    if undeclared == "drop" and undeclared_cols:
        out = out.drop(columns=undeclared_cols)
        log["dropped"] = [*log["dropped"], *map(str, undeclared_cols)]
        messages.append(
            f"dropped {len(undeclared_cols)} column(s) the survey does not describe: "
            + ", ".join(map(str, undeclared_cols))
        )
    elif undeclared_cols:
        messages.append(
            f"{len(undeclared_cols)} column(s) not described by the survey were kept as they "
            f"are (check them for identifiers): {', '.join(map(str, undeclared_cols))}"
        )
    for col, types in suspicious.items():
        messages.append(
            f"warning: column {col!r} (not described by the survey) holds personal data "
            f"({', '.join(types)})"
            + (": dropped" if undeclared == "drop" else ": drop it or declare it")
        )
    log["undeclared_columns"] = {
        "columns": [str(c) for c in undeclared_cols],
        "action": "dropped" if undeclared == "drop" else "kept",
        "personal_data_found": suspicious,
    }
    log["n_records_out"] = len(out)
    log["messages"] = messages
    if len(out) != len(data):  # pragma: no cover - a bug, never bad input
        raise AssertionError("anonymise lost records")
    return AnonymisationResult(out, log, report_before, report_after, gen)
