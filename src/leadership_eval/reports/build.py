"""Per-trust mentor reports and the regional report, with disclosure control by construction.

:func:`build_reports` runs the whole pipeline: validate the responses against the survey, redact
free text, score the scales, compare every trust with the rest of the region, protect every
published count, and render one self-contained HTML report per qualifying trust plus a regional
report and a machine-readable disclosure log.

Disclosure control is structural, not a final check:

* a group with fewer than ``policy.min_group`` respondents gets no report, is never shown on its
  own in the regional report, and is pooled with the other small groups into one
  "other trusts (combined)" row, which is itself protected like any other cell;
* every table of counts is protected once, with :func:`~leadership_eval.protect_table`, and
  every report reads its numbers from that one protected table, so the trust reports and the
  regional report can never be differenced against each other;
* percentages and means are shown only when the count beneath them is published;
* free text is redacted before anything else reads it, and quotes are attributed by role at most.
"""

from __future__ import annotations

import datetime as _dt
import json
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import __version__
from ..errors import DataError
from ..instruments.loader import as_survey
from ..instruments.models import ChoiceList, Item, Survey, text_in
from ..policy import DisclosurePolicy
from .figures import funnel_svg, likert_bars_html
from .html import figure_to_uri, render, table_html

__all__ = ["OTHER", "ReportSet", "build_reports"]

OTHER = "Other trusts (combined)"
"""The row that pools every group below the reporting threshold."""

CATEGORIES = ("Disagree", "Neutral", "Agree")

REFERENCES = [
    "Cronbach LJ. Coefficient alpha and the internal structure of tests. Psychometrika. "
    "1951;16(3):297-334.",
    "Feldt LS. The approximate sampling distribution of Kuder-Richardson reliability "
    "coefficient twenty. Psychometrika. 1965;30(3):357-370.",
    "Spiegelhalter DJ. Funnel plots for comparing institutional performance. Statistics in "
    "Medicine. 2005;24(8):1185-1202.",
    "Hundepool A, Domingo-Ferrer J, Franconi L, et al. Statistical Disclosure Control. "
    "Chichester: Wiley; 2012.",
    "Ritchie J, Spencer L. Qualitative data analysis for applied policy research. In: Bryman A, "
    "Burgess RG, eds. Analyzing Qualitative Data. London: Routledge; 1994:173-194.",
    "Wilson EB. Probable inference, the law of succession, and statistical inference. Journal "
    "of the American Statistical Association. 1927;22(158):209-212.",
]


@dataclass(frozen=True)
class ReportSet:
    """What :func:`build_reports` wrote.

    Attributes
    ----------
    out_dir : pathlib.Path
        The folder holding every file.
    trust_reports : dict
        Group code -> path of that group's report (only groups with enough respondents).
    regional_report : pathlib.Path
        The regional report.
    disclosure_log : pathlib.Path
        The machine-readable log of every disclosure-control decision (JSON).
    not_reported : list of str
        Groups that got no report because they had too few respondents.
    log : dict
        The disclosure log's content.
    tables : dict
        Name -> :class:`~leadership_eval.ProtectedTable` of every table of counts the reports
        read from (``responses`` and ``item:<id>``), so the published cells can be audited.
    """

    out_dir: Path
    trust_reports: dict[str, Path]
    regional_report: Path
    disclosure_log: Path
    not_reported: list[str]
    log: dict[str, Any] = field(repr=False)
    tables: dict[str, Any] = field(default_factory=dict, repr=False)


# ----------------------------------------------------------------------------- helpers


def _category_of(codes: pd.Series, cl: ChoiceList) -> pd.Series:
    """Collapse an ordered list's codes into Disagree / Neutral / Agree (lower / middle / upper)."""
    low, high = cl.score_range()
    mid = (low + high) / 2
    values = pd.to_numeric(codes, errors="coerce").astype("float64")
    out = pd.Series(pd.NA, index=codes.index, dtype="object")
    out[values < mid] = CATEGORIES[0]
    out[values == mid] = CATEGORIES[1]
    out[values > mid] = CATEGORIES[2]
    return out


def _top_two(cl: ChoiceList) -> set[Any]:
    numeric = sorted(c for c in cl.codes if isinstance(c, int))
    return set(numeric[-2:])


def _labels(survey: Survey, group: str, codes: Iterable[Any]) -> dict[Any, str]:
    try:
        item = survey.item(group)
        cl = survey.choices_for(item)
    except KeyError:
        cl = None
    out: dict[Any, str] = {}
    for code in codes:
        if cl is not None:
            try:
                out[code] = cl.label_of(code)
                continue
            except KeyError:
                pass
        out[code] = str(code)
    return out


def _short(text: str, width: int = 48) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _slug(code: Any) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "-", str(code).lower()).strip("-") or "group"


class _Log:
    def __init__(self, policy: DisclosurePolicy) -> None:
        self.entries: list[dict[str, Any]] = []
        self.policy = policy

    def table(self, name: str, protected: Any, reports: str) -> None:
        for rec in protected.log.to_dict("records"):
            self.entries.append(
                {
                    "table": name,
                    "row": str(rec["row"]),
                    "column": str(rec["column"]),
                    "reason": rec["reason"],
                    "published_in": reports,
                }
            )

    def decision(self, what: str, reason: str, **details: Any) -> None:
        self.entries.append({"decision": what, "reason": reason, **details})


# ------------------------------------------------------------------------------ analysis


@dataclass
class _Published:
    """Every number the reports may show, already protected."""

    responses: Any = None  # ProtectedTable of n by row key
    items: dict[str, Any] = field(default_factory=dict)  # item id -> ProtectedTable
    comparisons: dict[str, pd.DataFrame] = field(default_factory=dict)  # scale id -> frame
    agree_flags: pd.DataFrame | None = None  # items x groups flags
    activities: pd.DataFrame | None = None
    themes: pd.DataFrame | None = None
    interviewed: set[str] = field(default_factory=set)  # groups with any coded interview
    comments: dict[str, dict[Any, list[str]]] = field(default_factory=dict)
    reliability: pd.DataFrame | None = None


def build_reports(
    survey: Survey | str | Path,
    responses: pd.DataFrame,
    out_dir: str | Path,
    *,
    group: str | None = None,
    policy: DisclosurePolicy | str | Path | None = None,
    activity_log: pd.DataFrame | None = None,
    activity_survey: Survey | str | Path | None = None,
    segments: pd.DataFrame | None = None,
    codebook: Any = None,
    eligible: Mapping[Any, int] | None = None,
    names: Sequence[str] = (),
    places: Sequence[str] = (),
    title: str | None = None,
    progress: Callable[[str], None] | None = None,
    overwrite: bool = True,
) -> ReportSet:
    """Write a report for each trust's mentor, a regional report and a disclosure log.

    Parameters
    ----------
    survey : Survey, or a path or bundled id
        The survey the responses answer (e.g. ``"trainee-survey"``).
    responses : pandas.DataFrame
        Responses in the raw form (as read by :func:`~leadership_eval.read_responses`).
    out_dir : str or pathlib.Path
        Folder to write into (created; files of an earlier run are replaced when
        ``overwrite``). Nothing is written unless every report was built.
    group : str, optional
        The column that holds each respondent's trust (default: the survey's ``group_by``).
    policy : DisclosurePolicy, preset name or YAML path, optional
        The disclosure thresholds (default: the strict default, 5 and 5).
    activity_log : pandas.DataFrame, optional
        Mentor activity log records (the ``mentor-activity-log`` survey), summarised per trust.
    activity_survey : Survey, or a path or bundled id, optional
        The activity log's survey (default: the bundled ``mentor-activity-log``).
    segments : pandas.DataFrame, optional
        Coded interview segments (participant, role, trust, codes, text) for theme summaries.
    codebook : Codebook, or a path or bundled id, optional
        The codebook the segments use (default: the bundled ``clm-codebook``).
    eligible : mapping, optional
        Group code -> number of people invited, for response rates.
    names, places : sequence of str
        Names and places (staff roster, wards, hospitals) to redact from free text, on top of the
        rule-based detectors.
    title : str, optional
        Title of the evaluation shown on every report.
    progress : callable, optional
        Called with a short description of each step (the CLI drives a progress bar with it).
    overwrite : bool, default True
        Replace report files of an earlier run in ``out_dir``; if False, an ``out_dir`` holding
        reports is an error.

    Returns
    -------
    ReportSet
        Paths of what was written, the groups not reported, and the disclosure log.

    Raises
    ------
    DataError
        No responses, a group column that does not exist, responses that do not match the
        survey at all, or no group with enough respondents for any report.
    """
    step = progress or (lambda _msg: None)
    model = as_survey(survey)
    pol = DisclosurePolicy.resolve(policy)
    group = group or model.group_by
    if group is None:
        raise DataError(
            f"survey {model.id!r} names no group_by item; pass group= (the trust column)",
            code="no-group",
        )
    if not isinstance(responses, pd.DataFrame) or responses.empty:
        raise DataError("there are no responses to report on (the data has no rows)", "empty")

    step("validating responses")
    from ..responses import validate_responses

    checked = validate_responses(model, responses)
    clean = checked.data
    if group not in clean.columns:
        import difflib

        close = difflib.get_close_matches(group, [str(c) for c in responses.columns], n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise DataError(
            f"the responses have no column {group!r} to group by{hint}", code="unknown-column"
        )
    known_items = {i.column_name for i in model.questions} | {i.id for i in model.questions}
    overlap = len(known_items & {str(c) for c in responses.columns})
    if overlap < max(2, len(model.questions) // 4):
        raise DataError(
            f"these responses do not look like answers to {model.id!r}: only {overlap} of its "
            f"{len(model.questions)} questions appear as columns",
            code="wrong-survey",
        )
    log = _Log(pol)
    log.decision(
        "validation",
        "rows checked against the survey",
        rows_in=len(responses),
        rows_used=len(clean),
        rows_excluded=len(checked.excluded),
        excluded_reasons={
            str(k): int(v)
            for k, v in (
                checked.excluded["reason"].value_counts().items()
                if len(checked.excluded) and "reason" in checked.excluded
                else []
            )
        },
        problems_by_code={str(k): int(v) for k, v in checked.errors["code"].value_counts().items()},
    )

    step("redacting free text")
    from ..privacy.text import ENTITY_TYPES, redact_series

    redaction_counts: dict[str, int] = {}
    for item in model.items_with("free_text"):
        if item.id in clean.columns:
            col = clean[item.id]
            redacted = redact_series(col, names=names, places=places)
            before, after = col.dropna().astype(str), redacted.dropna()
            # each span found is replaced by one [TYPE] placeholder: count the new ones
            for kind in ENTITY_TYPES:
                marker = rf"\[{kind}\]"
                added = int(after.str.count(marker).sum() - before.str.count(marker).sum())
                if added:
                    redaction_counts[kind] = redaction_counts.get(kind, 0) + added
            clean[item.id] = redacted
    log.decision("redaction", "personal data removed from free text", counts=redaction_counts)

    # --- groups
    groups = clean[group]
    counts = groups.value_counts(dropna=True)
    label_of = _labels(model, group, counts.index)
    reported = [g for g in counts.index if counts[g] >= pol.min_group]
    reported.sort(key=lambda g: label_of[g])
    small = [g for g in counts.index if counts[g] < pol.min_group]
    if not reported:
        raise DataError(
            f"no {group} has at least {pol.min_group} respondents, so no report can be produced",
            code="no-qualifying-group",
        )
    row_key = groups.map(lambda g: label_of[g] if g in reported else OTHER)
    row_key = row_key.where(groups.notna(), OTHER)
    order = [label_of[g] for g in reported] + ([OTHER] if (row_key == OTHER).any() else [])
    log.decision(
        "groups",
        f"groups with fewer than {pol.min_group} respondents get no report and are pooled",
        reported=[str(label_of[g]) for g in reported],
        not_reported=len(small),
    )

    pub = _Published()
    from ..privacy.tables import protect_table

    step("protecting response counts")
    n_table = row_key.value_counts().reindex(order).fillna(0).astype("int64")
    n_table.index.name = group
    n_table.name = "responses"
    pub.responses = protect_table(n_table, policy=pol)
    log.table("responses", pub.responses, "all reports")

    # --- scores and comparisons
    step("scoring scales")
    from ..scoring import reliability, score

    scores = score(model, clean) if model.scales else pd.DataFrame(index=clean.index)
    try:
        pub.reliability = reliability(model, clean) if model.scales else None
    except Exception as exc:  # reliability is informative; a failure must not stop reports
        log.decision("reliability", f"not computed: {exc}")
    from ..compare import compare_to_benchmark

    frame = pd.DataFrame({"group": row_key}).join(scores)
    for scale in model.scales:
        step(f"comparing {scale.id}")
        cmp = compare_to_benchmark(
            frame[["group", scale.id]].dropna(subset=["group"]),
            value=scale.id,
            group="group",
            policy=pol,
        )
        cmp = cmp[cmp["group"] != OTHER].reset_index(drop=True)
        pub.comparisons[scale.id] = cmp

    # --- item distributions, protected once, read by every report
    likert = [i for i in model.questions if i.type == "likert" and model.choices_for(i) is not None]
    agree_rows = []
    for item in likert:
        step(f"protecting {item.id}")
        cl = model.choices_for(item)
        assert cl is not None
        cats = _category_of(clean[item.id], cl)
        present = [c for c in CATEGORIES if (cats == c).any()] or list(CATEGORIES)
        table = pd.crosstab(row_key, cats).reindex(index=order, columns=present).fillna(0)
        table = table.astype("int64")
        table.index.name = group
        table.columns.name = None
        protected = protect_table(table, policy=pol)
        pub.items[item.id] = protected
        log.table(f"item:{item.id}", protected, "all reports")
        agree_rows.append((item, cl))
    if likert:
        pub.agree_flags = _agree_flags(clean, row_key, agree_rows, pub, order, pol)

    # --- mentor activities
    if activity_log is not None:
        step("summarising mentor activities")
        pub.activities = _activities(activity_log, activity_survey, group, pol, log)

    # --- themes
    if segments is not None:
        step("summarising interview themes")
        pub.themes = _themes(segments, codebook, group, label_of, pol, names, places, log)
        if group in segments.columns:
            pub.interviewed = {str(x) for x in segments[group].dropna().unique()}

    # --- comments (already redacted), per reported group, in a shuffled order
    rng = np.random.default_rng(20240601)
    for item in model.items_with("free_text"):
        if item.id not in clean.columns:
            continue
        per: dict[Any, list[str]] = {}
        for g in reported:
            texts = [
                t.strip() for t in clean.loc[groups == g, item.id].dropna().astype(str) if t.strip()
            ]
            rng.shuffle(texts)
            per[g] = texts
        pub.comments[item.id] = per

    # --- render
    generated = _dt.date.today().isoformat()
    heading = title or text_in(model.title)
    context = {"version": __version__, "generated": generated, "policy": pol}
    tmp_parent = Path(out_dir).resolve().parent
    tmp_parent.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    for g in reported:
        step(f"writing report for {label_of[g]}")
        html_text = render(
            "trust.html.j2",
            title=f"{heading}: {label_of[g]}",
            subtitle=f"Mentor's report · {text_in(model.title)} (version {model.version})",
            group_label=label_of[g],
            sections=_trust_sections(model, g, label_of, pub, clean, group, eligible, pol),
            methods=_methods(model, pol),
            **context,
        )
        files[f"trust-{_slug(g)}.html"] = html_text
    step("writing the regional report")
    files["regional.html"] = render(
        "regional.html.j2",
        title=f"{heading}: regional report",
        subtitle=f"{text_in(model.title)} (version {model.version}) · all trusts",
        sections=_regional_sections(model, reported, small, label_of, pub, order, pol),
        methods=_methods(model, pol),
        references=REFERENCES,
        **context,
    )
    log_doc = {
        "generated": generated,
        "tool": f"leadership-eval {__version__}",
        "survey": {"id": model.id, "version": model.version},
        "policy": pol.model_dump(),
        "files": [*sorted(files), "disclosure-log.json"],
        "entries": log.entries,
    }
    files["disclosure-log.json"] = json.dumps(log_doc, indent=2, ensure_ascii=False, default=str)

    out = Path(out_dir)
    with tempfile.TemporaryDirectory(dir=tmp_parent, prefix=".leadership-eval-") as tmp:
        for name, text in files.items():
            (Path(tmp) / name).write_text(text, encoding="utf-8")
        out.mkdir(parents=True, exist_ok=True)
        earlier = [p for p in out.glob("trust-*.html")] + [
            p for p in (out / "regional.html", out / "disclosure-log.json") if p.exists()
        ]
        if earlier and not overwrite:
            raise DataError(f"{out} already holds reports; pass overwrite=True to replace them")
        for p in earlier:
            p.unlink()
        for name in files:
            shutil.move(str(Path(tmp) / name), out / name)
    step("done")
    return ReportSet(
        out_dir=out,
        trust_reports={str(g): out / f"trust-{_slug(g)}.html" for g in reported},
        regional_report=out / "regional.html",
        disclosure_log=out / "disclosure-log.json",
        not_reported=[str(g) for g in small],
        log=log_doc,
        tables={"responses": pub.responses, **{f"item:{k}": v for k, v in pub.items.items()}},
    )


def _agree_flags(
    clean: pd.DataFrame,
    row_key: pd.Series,
    items: list[tuple[Item, ChoiceList]],
    pub: _Published,
    order: list[str],
    pol: DisclosurePolicy,
) -> pd.DataFrame:
    """Per item and group: percent agreeing (from published counts) and its flag."""
    from ..compare import compare_to_benchmark

    rows = []
    for item, cl in items:
        top = _top_two(cl)
        values = pd.to_numeric(clean[item.id], errors="coerce")
        agree = values.isin(list(top)).astype("float64").where(values.notna())
        frame = pd.DataFrame({"group": row_key, "agree": agree})
        cmp = compare_to_benchmark(
            frame, value="agree", group="group", kind="proportion", policy=pol
        ).set_index("group")
        published = pub.items[item.id].published
        for g in order:
            if g == OTHER:
                continue
            agree_n = published.loc[g, "Agree"] if "Agree" in published.columns else 0
            total = published.loc[g, "Total"]
            if pd.isna(agree_n) or pd.isna(total) or not total:
                pct: float | None = None
                flag = "suppressed"
            else:
                pct = 100.0 * float(agree_n) / float(total)
                flag = str(cmp.loc[g, "flag"]) if g in cmp.index else "none"
            rows.append({"item": item.id, "group": g, "percent_agree": pct, "flag": flag})
        region_total = published.loc["Total", "Total"]
        region_agree = published.loc["Total", "Agree"] if "Agree" in published.columns else 0
        rows.append(
            {
                "item": item.id,
                "group": "Region",
                "percent_agree": None
                if pd.isna(region_agree) or pd.isna(region_total) or not region_total
                else 100.0 * float(region_agree) / float(region_total),
                "flag": "none",
            }
        )
    return pd.DataFrame(rows)


def _activities(
    log_data: pd.DataFrame,
    activity_survey: Survey | str | Path | None,
    group: str,
    pol: DisclosurePolicy,
    log: _Log,
) -> pd.DataFrame:
    from ..activities import summarise_activities

    act_survey = as_survey(activity_survey or "mentor-activity-log")
    summary = summarise_activities(log_data, act_survey, group=group, policy=pol)
    log.decision(
        "activities",
        f"trainees-reached totals from 1 to {pol.min_cell - 1} are suppressed",
        groups=len(summary),
    )
    return summary


def _themes(
    segments: pd.DataFrame,
    codebook: Any,
    group: str,
    label_of: dict[Any, str],
    pol: DisclosurePolicy,
    names: Sequence[str],
    places: Sequence[str],
    log: _Log,
) -> pd.DataFrame:
    from ..instruments.loader import load_instrument
    from ..instruments.models import Codebook
    from ..qualitative import read_segments, theme_summary

    book = (
        codebook if isinstance(codebook, Codebook) else load_instrument(codebook or "clm-codebook")
    )
    if not isinstance(book, Codebook):
        raise DataError(f"{codebook!r} is not a codebook", code="not-a-codebook")
    coded = read_segments(segments, book)
    summary = theme_summary(coded, book, group=group, policy=pol, names=names, places=places)
    rolled = summary[summary["scope"] == "region"] if "scope" in summary else summary.iloc[0:0]
    log.decision(
        "themes",
        f"themes supported by fewer than {pol.min_participants_theme} participants in a trust "
        "are shown for the region only",
        region_rows=len(rolled),
    )
    return summary


# ------------------------------------------------------------------------------- sections


def _section(anchor: str, title: str, html_text: str) -> dict[str, Any]:
    from markupsafe import Markup

    return {"anchor": anchor, "title": title, "html": Markup(html_text)}


def _n_published(pub: _Published, key: str) -> Any:
    value = pub.responses.published.get(key, pd.NA)
    return value


def _trust_sections(
    model: Survey,
    g: Any,
    label_of: dict[Any, str],
    pub: _Published,
    clean: pd.DataFrame,
    group: str,
    eligible: Mapping[Any, int] | None,
    pol: DisclosurePolicy,
) -> list[dict[str, Any]]:
    import html as _html

    label = label_of[g]
    sections = []
    n = _n_published(pub, label)
    region_n = pub.responses.published.get("Total", pd.NA)
    facts = [
        ("Responses", "–" if pd.isna(n) else f"{int(n):,}"),
        ("Region", "–" if pd.isna(region_n) else f"{int(region_n):,}"),
    ]
    if eligible and g in eligible and not pd.isna(n) and eligible[g]:
        facts.append(("Response rate", f"{100 * int(n) / eligible[g]:.0f}%"))
    flags = []
    for scale in model.scales:
        cmp = pub.comparisons.get(scale.id)
        if cmp is None:
            continue
        row = cmp[cmp["group"] == label]
        if len(row) and row["flag"].iloc[0] in ("low", "high"):
            flags.append(f"{text_in(scale.title)}: {row['flag'].iloc[0]}er than the region")
    facts.append(("Flags", str(len(flags))))
    facts_html = "".join(f"<div><b>{_html.escape(v)}</b>{_html.escape(k)}</div>" for k, v in facts)
    summary = f'<div class="keyfacts">{facts_html}</div>'
    if flags:
        summary += (
            "<p>Outside the 99.8% control limits:</p><ul>"
            + "".join(f"<li>{_html.escape(f)}</li>" for f in flags)
            + "</ul>"
        )
    else:
        summary += (
            "<p>No scale score is outside the 99.8% control limits around the rest of the "
            "region: differences from the region are within what chance alone would give.</p>"
        )
    sections.append(_section("summary", "Summary", summary))

    # scales
    if model.scales:
        rows = []
        for scale in model.scales:
            cmp = pub.comparisons[scale.id]
            row = cmp[cmp["group"] == label]
            if not len(row):
                continue
            r = row.iloc[0]
            suppressed = r["flag"] == "suppressed"
            rows.append(
                {
                    "Scale": text_in(scale.title),
                    "Trust mean": None if suppressed else float(r["mean"]),
                    "95% CI": "–"
                    if suppressed
                    else f"{float(r['ci_low']):.2f} to {float(r['ci_high']):.2f}",
                    "Rest of region": float(r["benchmark"]),
                    "Flag": str(r["flag"]),
                }
            )
        table = pd.DataFrame(rows).set_index("Scale")
        body = table_html(table, formats={"Trust mean": ".2f", "Rest of region": ".2f"})
        body += (
            '<p class="note">Scale scores are means of the items (1 = most negative, 5 = most '
            "positive, reverse-worded items reversed). The rest of the region excludes this "
            "trust.</p>"
        )
        body += (
            '<div class="funnels">'
            + "".join(
                funnel_svg(pub.comparisons[sc.id], text_in(sc.title), highlight=label)
                for sc in model.scales
            )
            + "</div>"
        )
        body += (
            f'<p class="note">Funnel plots: each point is a trust ({_html.escape(label)} in '
            "orange); dotted and dashed lines are the 95% and 99.8% control limits around the "
            "region's mean, narrowing as the number of responses grows.</p>"
        )
        sections.append(_section("scales", "Scale scores against the region", body))

    # item distributions by section
    for section in model.sections:
        items = [i for i in section.items if i.id in pub.items]
        if not items:
            continue
        rows = []
        for item in items:
            pt = pub.items[item.id].published
            for who, key in ((label, label), ("Region", "Total")):
                total = pt.loc[key, "Total"]
                rec: dict[str, Any] = {"item": text_in(item.text), "who": who}
                for c in CATEGORIES:
                    v = pt.loc[key, c] if c in pt.columns else 0
                    rec[c] = (
                        None
                        if pd.isna(v) or pd.isna(total) or not total
                        else 100.0 * float(v) / float(total)
                    )
                if any(rec[c] is None for c in CATEGORIES):
                    # the shares of a row add up to 100: one hidden share means all are hidden
                    for c in CATEGORIES:
                        rec[c] = None
                rows.append(rec)
        pct = pd.DataFrame(rows)
        table = pct.set_index(["item", "who"])
        flat = table.copy()
        flat.index = [f"{a} ({b})" for a, b in table.index]
        flat.index.name = "Statement"
        body = likert_bars_html(
            [
                (str(r["item"]), str(r["who"]), {c: r[c] for c in CATEGORIES})
                for _, r in pct.iterrows()
            ]
        )
        body += (
            "<details><summary>The numbers behind the bars</summary>"
            + table_html(
                flat.rename(columns=lambda c: f"% {c.lower()}"),
                formats={f"% {c.lower()}": ".0f" for c in CATEGORIES},
            )
            + "</details>"
        )
        sections.append(_section(f"s-{section.id}", text_in(section.title), body))

    # activities
    if pub.activities is not None and g in pub.activities.index:
        body = _activities_html(model_activity_labels(), pub.activities, g, label)
        sections.append(_section("activities", "Mentor activities", body))

    # themes
    if pub.themes is not None:
        if str(g) in pub.interviewed:
            body = _themes_html(pub.themes, label_of.get(g, g), g)
        else:
            body = (
                "<p>This trust was not one of the case-study trusts where interviews took "
                "place; the regional report summarises the themes across the region.</p>"
            )
        sections.append(_section("themes", "Themes from interviews", body))

    # comments
    comment_html = ""
    for item_id, per in pub.comments.items():
        texts = per.get(g, [])
        if not texts:
            continue
        item = model.item(item_id)
        comment_html += f"<h3>{_html.escape(text_in(item.text))}</h3>"
        if len(texts) < pol.min_cell:
            comment_html += (
                '<p class="note">Too few people answered this question in the trust to show '
                "their comments without a risk of recognising who wrote them.</p>"
            )
            continue
        comment_html += '<ul class="comments">'
        comment_html += "".join(f"<li>{_html.escape(t)}</li>" for t in texts)
        comment_html += "</ul>"
    if comment_html:
        comment_html = (
            '<p class="note">Comments are shown in a random order with names, contact details '
            "and other personal data replaced by a marker such as [NAME].</p>" + comment_html
        )
        sections.append(_section("comments", "Comments", comment_html))
    return sections


def model_activity_labels() -> dict[str, dict[str, str]]:
    """Labels of the activity log's coded lists (activity type, mentor's part, grade bands)."""
    try:
        log_survey = as_survey("mentor-activity-log")
    except Exception:
        return {}
    out: dict[str, dict[str, str]] = {}
    for prefix, item_id in (
        ("activity_", "activity_type"),
        ("part_", "mentor_part"),
        ("grade_", "grades_reached"),
        ("partner_", "partners"),
    ):
        try:
            cl = log_survey.choices_for(item_id)
        except KeyError:
            continue
        if cl is not None:
            out[prefix] = {str(o.code): text_in(o.label) for o in cl.options}
    return out


def _activities_html(
    labels: dict[str, dict[str, str]], summary: pd.DataFrame, g: Any, label: str
) -> str:
    row = summary.loc[g]
    region = summary.sum(numeric_only=True, min_count=1)
    facts = {"Activities logged": row.get("n_activities")}
    if "trainees_reached" in summary.columns:
        facts["Trainees reached (sum of estimates)"] = row.get("trainees_reached")
    if "mentor_hours" in summary.columns:
        facts["Mentor hours"] = row.get("mentor_hours")
    body = (
        "<ul>"
        + "".join(
            f"<li>{k}: <strong>{'–' if pd.isna(v) else f'{float(v):,.0f}'}</strong></li>"
            for k, v in facts.items()
        )
        + "</ul>"
    )
    for prefix, caption in (
        ("activity_", "Activities by type"),
        ("part_", "The mentor's part"),
        ("grade_", "Activities reaching each grade band"),
    ):
        cols = [c for c in summary.columns if str(c).startswith(prefix)]
        if not cols:
            continue
        names = labels.get(prefix, {})
        t = pd.DataFrame(
            {
                label: [row[c] for c in cols],
                "Region": [region.get(c) for c in cols],
            },
            index=[
                names.get(str(c).removeprefix(prefix), str(c).removeprefix(prefix)) for c in cols
            ],
        )
        t.index.name = caption
        body += table_html(t, formats={label: ",.0f", "Region": ",.0f"})
    return body


def _themes_html(themes: pd.DataFrame, label: str, code: Any) -> str:
    import html as _html

    mine = themes[(themes["scope"] == "trust") & (themes["group"].astype(str) == str(code))]
    if mine.empty:
        return (
            "<p>No theme was raised by enough interview participants in this trust to be "
            "reported for the trust alone; see the regional report for themes across trusts.</p>"
        )
    out = ""
    for _, r in mine.iterrows():
        out += f"<h3>{_html.escape(text_in(r['label']))}</h3>"
        out += f"<p>Raised by {int(r['n_participants'])} participants"
        roles = r.get("roles")
        if isinstance(roles, str) and roles:
            out += f" ({_html.escape(roles.replace(';', ', '))})"
        out += ".</p>"
        quote = r.get("quote")
        if isinstance(quote, str) and quote:
            who = r.get("quote_role")
            attribution = (
                f"<footer>{_html.escape(str(who))}</footer>" if isinstance(who, str) else ""
            )
            out += f"<blockquote>{_html.escape(quote)}{attribution}</blockquote>"
    return out


def _regional_sections(
    model: Survey,
    reported: list[Any],
    small: list[Any],
    label_of: dict[Any, str],
    pub: _Published,
    order: list[str],
    pol: DisclosurePolicy,
) -> list[dict[str, Any]]:
    import html as _html

    from .. import plots

    sections = []
    n = pub.responses.published.copy()
    table = pd.DataFrame({"Responses": n})
    table.index.name = "Trust"
    body = table_html(table)
    if small:
        body += (
            f"<p>Trusts with fewer than {pol.min_group} responses have no report of their own; "
            f"their responses are pooled in “{OTHER}” and count towards the region.</p>"
        )
    sections.append(_section("responses", "Responses", body))

    for scale in model.scales:
        cmp = pub.comparisons[scale.id]
        shown = cmp[cmp["group"].isin([label_of[g] for g in reported])].copy()
        t = pd.DataFrame(
            {
                "Mean": shown["mean"].astype("Float64"),
                "CI low": shown["ci_low"].astype("Float64"),
                "CI high": shown["ci_high"].astype("Float64"),
                "Rest of region": shown["benchmark"].astype("Float64"),
                "Flag": shown["flag"].astype(str),
            }
        )
        t.index = shown["group"]
        t.index.name = "Trust"
        body = '<div class="funnels">' + funnel_svg(cmp, text_in(scale.title)) + "</div>"
        body += (
            '<p class="note">Each point is a trust; dotted and dashed lines are the 95% and '
            "99.8% control limits around the region's mean.</p>"
        )
        body += table_html(
            t, formats={c: ".2f" for c in ("Mean", "CI low", "CI high", "Rest of region")}
        )
        sections.append(_section(f"scale-{scale.id}", text_in(scale.title), body))

    if pub.agree_flags is not None and len(pub.agree_flags):
        flags = pub.agree_flags[pub.agree_flags["group"] != "Region"].pivot(
            index="item", columns="group", values="flag"
        )
        flags = flags.reindex(index=list(dict.fromkeys(pub.agree_flags["item"])))
        fig = plots.plot_flag_grid(flags)
        body = (
            f'<figure><img src="{figure_to_uri(fig)}" alt="Grid of flags, statements by trust">'
            "<figcaption>Percentage agreeing with each statement in each trust against the rest "
            "of the region; grey cells are suppressed.</figcaption></figure>"
        )
        sections.append(_section("flags", "Agreement by statement and trust", body))

    if pub.reliability is not None:
        rel = pub.reliability.copy()
        keep = [
            c
            for c in ("n_items", "alpha", "alpha_ci_low", "alpha_ci_high", "omega_total")
            if c in rel
        ]
        rel = rel[keep]
        rel.index = [text_in(model.scale(s).title) for s in rel.index]
        rel.index.name = "Scale"
        body = table_html(
            rel, formats={c: ".2f" for c in keep if c != "n_items"} | {"n_items": ".0f"}
        )
        sections.append(_section("reliability", "Reliability of the scales", body))

    if pub.themes is not None:
        region = pub.themes[pub.themes["scope"] == "region"]
        t = pd.DataFrame(
            {
                "Participants": region["n_participants"].astype("Int64").to_numpy(),
                "Roles": region["roles"].fillna("").str.replace(";", ", ").to_numpy(),
            },
            index=[text_in(x) for x in region["label"]],
        )
        t.index.name = "Theme"
        body = table_html(t)
        quotes = region.dropna(subset=["quote"])
        for _, r in quotes.iterrows():
            who = r.get("quote_role")
            attribution = (
                f"<footer>{_html.escape(str(who))}</footer>" if isinstance(who, str) else ""
            )
            body += (
                f"<h3>{_html.escape(text_in(r['label']))}</h3>"
                f"<blockquote>{_html.escape(str(r['quote']))}{attribution}</blockquote>"
            )
        sections.append(_section("themes", "Themes across the region", body))

    sections.append(
        _section(
            "objectives",
            "Objectives covered",
            _objectives_html(),
        )
    )
    sections.append(
        _section(
            "recommendations",
            "Recommendations",
            '<p class="note">For the evaluation team to complete: recommendations for '
            "enhancing the scheme (objective O6) and issues for further exploration (O7), "
            "drawing on the comparisons and themes above.</p><ol><li>…</li></ol>",
        )
    )
    return sections


def _objectives_html() -> str:
    try:
        from ..instruments.catalogue import coverage_matrix, load_catalogue

        cat = load_catalogue()
        m = coverage_matrix(cat)
    except Exception:  # an adapted catalogue may not load; the report still stands
        return "<p>The bundled catalogue could not be loaded to show objective coverage.</p>"
    ev = cat.evaluation
    text = {o.id: text_in(o.text) for o in ev.objectives} if ev else {}
    m = m.drop(columns=["covered"])
    t = pd.DataFrame(
        {
            "Objective": [text.get(o, o) for o in m.index],
            "Instruments serving it": [
                ", ".join(c for c in m.columns if m.loc[o, c] > 0) or "none" for o in m.index
            ],
        },
        index=m.index,
    )
    t.index.name = "Id"
    return table_html(t)


def _methods(model: Survey, pol: DisclosurePolicy) -> Any:
    from markupsafe import Markup

    return Markup(
        "<p>Responses were checked against the survey instrument "
        f"(<code>{model.id}</code>, version {model.version}); answers outside the response "
        "options, and answers to questions that skip logic should have hidden, were set aside "
        "and counted in the disclosure log. Declared missing codes (such as ‘prefer not to "
        "say’) are never scored.</p>"
        "<p>Scale scores are the mean of a respondent's answered items, reverse-worded items "
        "reversed as (min + max) − x, with a score only when enough items were answered. "
        "Each trust is compared with the rest of the region (all other trusts' respondents): "
        "the funnel plot's control limits are the region's mean ± 1.96 and ± 3.09 standard "
        "errors at the trust's size (Spiegelhalter 2005); a trust outside the 99.8% limits is "
        "flagged. Percentages agreeing are compared the same way with binomial limits.</p>"
        f"<p>Disclosure control: no report for a trust with fewer than {pol.min_group} "
        f"respondents; any count below {pol.min_cell} is suppressed, together with enough "
        "other cells that it cannot be worked out from the totals, checked by solving the "
        "linear programs an intruder would (Hundepool et al. 2012). All reports read their "
        "numbers from the same protected tables, so they cannot be differenced against each "
        "other. Free text is redacted (names, contact details, NHS and GMC numbers, "
        "postcodes, dates of birth) before it is read by any analysis.</p>"
    )
