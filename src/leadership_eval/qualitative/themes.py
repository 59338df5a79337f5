"""Themes from coded segments: framework matrices and the theme summaries mentors read.

:func:`framework_matrix` charts participants by themes (Ritchie & Spencer's framework analysis),
and :func:`theme_summary` produces what a mentor's report may show: per trust and theme, how many
PARTICIPANTS support it, only when enough do (otherwise it is reported for the region), with
redacted example quotes attributed by role at most.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..errors import ArgumentError, ConfigurationError, DataError
from ..instruments.models import Codebook, text_in
from ..policy import DisclosurePolicy
from .segments import check_segments, load_codebook

if TYPE_CHECKING:  # pragma: no cover
    from ..privacy.text import Redactor

__all__ = ["framework_matrix", "theme_summary"]


def _require_values(segments: pd.DataFrame, columns: Iterable[str]) -> None:
    """A DataError naming the rows where any of ``columns`` is missing: such a segment could
    not be placed, and would otherwise be dropped without a word by the grouping."""
    for col in dict.fromkeys(columns):
        if col not in segments.columns:
            continue
        miss = segments[col].isna().to_numpy()
        if miss.any():
            rows = segments.index[miss]
            shown = ", ".join(map(str, rows[:10])) + (" ..." if len(rows) > 10 else "")
            raise DataError(
                f"{len(rows)} segment(s) without a {col} (at index {shown}): every segment "
                f"needs one; pass the frame read_segments returns, or fill in the {col}",
                code="missing-value",
                failure_cases=pd.DataFrame({"row": rows, "column": col}),
            )


def _theme_column(segments: pd.DataFrame, cb: Codebook, level: str) -> pd.Series:
    ids = {c.id for _, c in cb.walk()}
    _require_values(segments, ["code"])
    unknown = sorted(map(str, set(segments["code"]) - ids))
    if unknown:
        raise DataError(
            f"segments use code(s) not in the codebook: {', '.join(unknown)}",
            code="unknown-code",
        )
    if level == "code":
        return segments["code"]
    if level != "theme":
        raise ConfigurationError(f"level must be 'theme' or 'code'; found {level!r}")
    theme_of = {c.id: t.id for t in cb.codes for _, c in t.walk()}
    return segments["code"].map(theme_of)


def framework_matrix(
    segments: pd.DataFrame,
    codebook: Codebook | str | Path | None = None,
    *,
    by: str = "participant",
    level: Literal["theme", "code"] = "theme",
    values: Literal["text", "count"] = "text",
    sep: str = "\n",
) -> pd.DataFrame:
    """Chart segments into a framework matrix: participants (rows) by themes or codes.

    Parameters
    ----------
    segments : pandas.DataFrame
        From :func:`read_segments` (or :func:`read_qdpx`).
    codebook : Codebook, path or bundled id, optional
    by : str
        The row variable (``participant``, or ``trust``, ``role``, ``source``).
    level : {"theme", "code"}
        Columns: the top-level themes, or every code (codebook order).
    values : {"text", "count"}
        Cells hold the segments' texts joined by ``sep`` (each prefixed with its segment id),
        for the analyst to summarise; or the number of segments.
    sep : str

    Returns
    -------
    pandas.DataFrame
        Index: the ``by`` values (with ``role`` and ``trust`` as further index levels when
        ``by="participant"``); one column per theme or code in codebook order, including
        themes nobody spoke to. Empty cells are ``""`` (text) or 0 (count); a segment
        without text is charted as its id alone.

    Raises
    ------
    DataError
        ``missing-value`` (the rows named) for a segment without a code, a segment id or a
        value of the row variable (with ``by="participant"``, also its role and trust).

    Notes
    -----
    Charting is the fourth stage of framework analysis (Ritchie & Spencer 1994): the indexed
    (coded) data are rearranged into a matrix of cases by themes, to be summarised cell by cell
    and then read across cases and down themes. The matrix is raw material for the research
    team: it is NOT disclosure-controlled and holds unredacted text.

    References
    ----------
    Ritchie J, Spencer L. Qualitative data analysis for applied policy research. In: Bryman A,
    Burgess RG, editors. Analyzing qualitative data. London: Routledge; 1994. p. 173-194.

    Gale NK, Heath G, Cameron E, Rashid S, Redwood S. Using the framework method for the
    analysis of qualitative data in multi-disciplinary health research. BMC Medical Research
    Methodology 2013; 13: 117. doi:10.1186/1471-2288-13-117

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.qualitative import read_segments, framework_matrix
    >>> seg = read_segments(pd.DataFrame({
    ...     "participant": ["P01", "P01", "P02"], "role": ["trainee"] * 3, "trust": ["t01"] * 3,
    ...     "codes": ["act_brokering", "lead_identity;act_one_to_one", "act_brokering"],
    ...     "text": ["Put me in touch.", "We met twice.", "She found me a project."]}))
    >>> framework_matrix(seg, values="count")[["understanding", "mentor_activities"]]
                          understanding  mentor_activities
    participant role    trust
    P01         trainee t01              1                  2
    P02         trainee t01              0                  1
    """
    cb = load_codebook(codebook)
    check_segments(segments)
    if by not in segments.columns:
        raise DataError(f"segments have no column {by!r}", code="unknown-column")
    keys = [by, "role", "trust"] if by == "participant" else [by]
    # a segment without one of these would be dropped silently by the grouping
    _require_values(segments, ["code", *keys, "segment_id"])
    col = _theme_column(segments, cb, level)
    order = [t.id for t in cb.codes] if level == "theme" else [c.id for _, c in cb.walk()]
    frame = segments.assign(_col=col)
    if by == "participant":
        roles = frame.groupby("participant")[["role", "trust"]].nunique()
        bad = roles[(roles > 1).any(axis=1)]
        if not bad.empty:
            raise DataError(
                f"participant(s) with more than one role or trust: {', '.join(bad.index[:10])}",
                code="inconsistent-participant",
            )
    if values == "count":
        seg_level = (
            frame.drop_duplicates(["segment_id", "_col"]) if "segment_id" in frame else frame
        )
        out = pd.crosstab([seg_level[k] for k in keys], seg_level["_col"]).reindex(
            columns=order, fill_value=0
        )
        out.columns.name = None
        return out.astype("int64")
    if values != "text":
        raise ConfigurationError(f"values must be 'text' or 'count'; found {values!r}")
    sid = frame["segment_id"] if "segment_id" in frame else pd.Series("", index=frame.index)
    # a segment without text is charted as empty text (its id still shows it was coded)
    text = frame["text"].astype(object).where(frame["text"].notna(), "")
    frame = frame.assign(_t="[" + sid.astype(str) + "] " + text.astype(str))
    frame = frame.drop_duplicates([*keys, "_col", "_t"])
    out = frame.groupby([*keys, "_col"], sort=True)["_t"].agg(sep.join).unstack("_col")
    out = out.reindex(columns=order).astype(object)
    out = out.where(out.notna(), "")
    out.columns.name = None
    return out


def theme_summary(
    segments: pd.DataFrame,
    codebook: Codebook | str | Path | None = None,
    *,
    group: str = "trust",
    policy: DisclosurePolicy | str | None = None,
    names: Iterable[str] = (),
    places: Iterable[str] = (),
    level: Literal["theme", "code"] = "theme",
    redactor: Redactor | None = None,
) -> pd.DataFrame:
    """Themes per trust, by participants, with redacted example quotes: safe to publish.

    Parameters
    ----------
    segments : pandas.DataFrame
        From :func:`read_segments` (or :func:`read_qdpx`).
    codebook : Codebook, path or bundled id, optional
    group : str
        The column of the local unit (default ``trust``); any column of the segments (``role``
        gives the themes per role).
    policy : DisclosurePolicy or preset name, optional
        ``min_participants_theme`` (default 3) and ``quote_attribution`` (default ``role``).
    names, places : iterable of str
        Rosters passed to :func:`~leadership_eval.privacy.text.redact_text` (participants',
        mentors' and colleagues' names; wards, sites, the trusts' names).
    level : {"theme", "code"}
    redactor : Redactor, optional
        Redacts the quotes in place of one made from ``names`` and ``places`` (which are then
        left empty): one made with other detectors, or the one that has just redacted the same
        segments (it does not scan them again).

    Returns
    -------
    pandas.DataFrame
        Trust rows first (by trust, then codebook order), then region rows:

        * ``scope``: ``trust`` (shown for that trust) or ``region``;
        * ``group``: the trust (NA on region rows);
        * ``theme``, ``label``;
        * ``n_participants``: distinct participants with at least one segment coded to the
          theme (any of its codes); on region rows all participants in the region, or NA when
          publishing it would let a reader recover a single trust's small count by subtracting
          the trust rows;
        * ``roles``: the roles among them (sorted, ``;``-separated; counts per role are not
          given);
        * ``quote``: one example segment, redacted; ``quote_role``: its speaker's role, or NA
          (the quote is then attributed to "an interviewee") when fewer than
          ``min_participants_theme`` people of that role took part in the trust (in the region,
          for region rows), or when ``quote_attribution`` is ``none``;
        * ``note``: why a region row has no count, or why a theme is not shown.

        Without any segment, only the region rows (each ``no participant``).

    Raises
    ------
    DataError
        ``missing-group`` for a segment without its group; ``missing-value`` (the rows named)
        for one without a participant, role or code. A segment without text counts, with no
        quote.

    Notes
    -----
    A theme is shown for a trust only when at least ``min_participants_theme`` participants of
    that trust support it; otherwise those participants count only towards the region row. A
    region row is given for every theme: its count is withheld when fewer than
    ``min_participants_theme`` participants in the whole region support it, and when exactly
    one trust's (small, non-zero) support is not shown at trust level, since the region count
    minus the trust rows would reveal it. Quotes are redacted and attributed by role at most,
    never by pseudonym or trust, and by role only when at least ``min_participants_theme``
    people of that role took part in the trust (two managers interviewed in a trust would each
    be one of two). The example is the segment with the smallest SHA-256 digest of its text,
    so it does not depend on the order of the rows; for a trust row it comes from that trust,
    for a region row only from participants whose trust-level count for the theme is published
    (never from one whose support was too small to show).

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.qualitative import read_segments, theme_summary
    >>> seg = read_segments(pd.DataFrame({
    ...     "participant": ["P1", "P2", "P3", "P4"], "role": ["trainee"] * 3 + ["manager"],
    ...     "trust": ["t01", "t01", "t01", "t02"],
    ...     "codes": ["act_brokering"] * 4,
    ...     "text": ["Dr Jane Smith found me a project.", "She linked me up.",
    ...              "Put me in touch.", "Our mentor brokers well."]}))
    >>> out = theme_summary(seg)
    >>> out[out["theme"] == "mentor_activities"][["scope", "group", "n_participants",
    ...                                           "quote", "quote_role"]]
        scope group  n_participants              quote quote_role
    0   trust   t01               3  She linked me up.    trainee
    2  region  None            <NA>  She linked me up.    trainee
    """
    from ..privacy.text import Redactor

    names, places = list(names), list(places)
    if redactor is not None and (names or places):
        raise ArgumentError(
            "theme_summary takes names and places, or a redactor made with them, not both"
        )
    cb = load_codebook(codebook)
    check_segments(segments)
    if group not in segments.columns:
        raise DataError(f"segments have no column {group!r}", code="unknown-column")
    pol = DisclosurePolicy.resolve(policy)
    k = pol.min_participants_theme
    col = _theme_column(segments, cb, level)
    order = [t.id for t in cb.codes] if level == "theme" else [c.id for _, c in cb.walk()]
    labels = {c.id: text_in(c.label) for _, c in cb.walk()}
    frame = segments.assign(_theme=col.to_numpy())
    if frame[group].isna().any():
        raise DataError(f"segments with no {group}: every segment needs one", code="missing-group")
    _require_values(frame, ["participant", "role"])
    redact = redactor if redactor is not None else Redactor(names, places)
    frame = frame.assign(quote=redact.redact_series(frame["text"]))
    # the example quote: the segment whose text has the smallest digest, so the choice does not
    # depend on the order of the rows
    frame = frame.assign(
        _pick=frame["quote"].map(
            lambda t: (
                hashlib.sha256(str(t).encode("utf-8")).hexdigest() if isinstance(t, str) else "~"
            )
        )
    )
    # the group under a name of its own, so any segment column (role, participant...) can be
    # the group without clashing with the columns used below
    gcol = "_group"
    frame = frame.assign(**{gcol: frame[group]})
    att = _Attribution(frame, gcol, k)
    per = frame.groupby([gcol, "_theme"], sort=False).agg(
        n_participants=("participant", "nunique"), roles=("role", _roles_of)
    )
    firsts = frame.sort_values("_pick", kind="stable").drop_duplicates([gcol, "_theme"])
    per = per.join(firsts.set_index([gcol, "_theme"])[["quote", "role"]])
    per = per.rename(columns={"role": "quote_role"}).reset_index()
    per["quote_role"] = [att.role(t, r) for t, r in zip(per[gcol], per["quote_role"], strict=True)]
    shown = per[per["n_participants"] >= k].copy()
    hidden = per[per["n_participants"] < k]
    shown["_o"] = shown["_theme"].map({t: i for i, t in enumerate(order)})
    shown = shown.sort_values([gcol, "_o"], key=lambda s: s.astype(str) if s.name == gcol else s)
    trust_rows = pd.DataFrame(
        {
            "scope": "trust",
            "group": shown[gcol].to_numpy(),
            "theme": shown["_theme"].to_numpy(),
            "label": shown["_theme"].map(labels).to_numpy(),
            "n_participants": shown["n_participants"].to_numpy(),
            "roles": shown["roles"].to_numpy(),
            "quote": shown["quote"].to_numpy(),
            "quote_role": shown["quote_role"].to_numpy(),
            "note": None,
        }
    )
    region_rows = _region_rows(frame, gcol, shown, hidden, order, labels, k, att)
    out = pd.concat([trust_rows, pd.DataFrame(region_rows)], ignore_index=True)
    out["n_participants"] = out["n_participants"].astype("Int64")
    if pol.quote_attribution == "none":
        out["quote_role"] = None
    return out


def _roles_of(s: pd.Series) -> str:
    return ";".join(sorted(set(s.dropna().astype(str))))


class _Attribution:
    """A quote is attributed to a role only when enough people of that role took part in the
    trust (or, for the region's quotes, the region)."""

    def __init__(self, frame: pd.DataFrame, group: str, k: int) -> None:
        self.role_n = frame.groupby([group, "role"])["participant"].nunique()
        self.region_role_n = frame.groupby("role")["participant"].nunique()
        self.k = k

    def role(self, trust: Any, role: Any) -> Any:
        if not isinstance(role, str):
            return None
        n = self.region_role_n.get(role, 0) if trust is None else self.role_n.get((trust, role), 0)
        return role if n >= self.k else None


def _region_rows(
    frame: pd.DataFrame,
    group: str,
    shown: pd.DataFrame,
    hidden: pd.DataFrame,
    order: list[str],
    labels: dict[str, str],
    k: int,
    att: _Attribution,
) -> list[dict[str, Any]]:
    """One row per theme for the region: its count unless it would reveal a trust's small
    count, and a quote from a participant whose trust-level count is published."""
    reg = frame.groupby("_theme").agg(
        n_participants=("participant", "nunique"), roles=("role", _roles_of)
    )
    shown_keys = set(zip(shown[group], shown["_theme"], strict=True))
    # a boolean array (a list would select columns when it is empty: no segments)
    quotable = frame[
        np.array(
            [(g, t) in shown_keys for g, t in zip(frame[group], frame["_theme"], strict=True)],
            dtype=bool,
        )
    ]
    reg_first = (
        quotable.sort_values("_pick", kind="stable").drop_duplicates("_theme").set_index("_theme")
    )
    rows = []
    for theme in order:
        row: dict[str, Any] = {"scope": "region", "group": None, "theme": theme}
        row["label"] = labels[theme]
        if theme not in reg.index:
            row.update(n_participants=0, roles="", quote=None, quote_role=None)
            row["note"] = "no participant"
            rows.append(row)
            continue
        n = int(reg.loc[theme, "n_participants"])
        small = hidden[hidden["_theme"] == theme]
        note = None
        count: Any = n
        if n < k:
            count, note = pd.NA, f"fewer than {k} participants in the region"
        elif len(small) == 1:
            count = pd.NA
            note = "count withheld: with the trust rows it would reveal one trust's small count"
        quoted = n >= k and theme in reg_first.index
        row.update(
            n_participants=count,
            roles=reg.loc[theme, "roles"] if n >= k else None,
            quote=reg_first.loc[theme, "quote"] if quoted else None,
            quote_role=att.role(None, reg_first.loc[theme, "role"]) if quoted else None,
            note=note,
        )
        rows.append(row)
    return rows
