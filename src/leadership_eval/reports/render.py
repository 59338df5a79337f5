"""Stage 3 of the reports: HTML made from the publication alone.

Every function here takes a :class:`~leadership_eval.reports.publish.Publication` (or a part of
it) and nothing else: no frame of responses, no unprotected number, can reach a page. Suppressed
cells and cells without data render differently (an en dash and "n/a", each explained).
"""

from __future__ import annotations

import html as _html
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from ..errors import ArgumentError
from .figures import funnel_svg, likert_bars_html
from .html import render, table_html
from .publish import REGION, Publication, PublishedItem, PublishedTable

__all__ = ["render_protection", "render_regional", "render_trust"]

REFERENCES = [
    "Cronbach LJ. Coefficient alpha and the internal structure of tests. Psychometrika. "
    "1951;16(3):297-334.",
    "Feldt LS. The approximate sampling distribution of Kuder-Richardson reliability "
    "coefficient twenty. Psychometrika. 1965;30(3):357-370.",
    "Spiegelhalter DJ. Funnel plots for comparing institutional performance. Statistics in "
    "Medicine. 2005;24(8):1185-1202.",
    "Hundepool A, Domingo-Ferrer J, Franconi L, et al. Statistical Disclosure Control. "
    "Chichester: Wiley; 2012.",
    "Fraser B, Wooton J. A proposed method for confidentialising tabular output to protect "
    "against differencing. Monographs of Official Statistics: Work Session on Statistical Data "
    "Confidentiality. Eurostat; 2005:299-302.",
    "Ritchie J, Spencer L. Qualitative data analysis for applied policy research. In: Bryman A, "
    "Burgess RG, eds. Analyzing Qualitative Data. London: Routledge; 1994:173-194.",
    "Wilson EB. Probable inference, the law of succession, and statistical inference. Journal "
    "of the American Statistical Association. 1927;22(158):209-212.",
]


def _section(anchor: str, title: str, html_text: str) -> dict[str, Any]:
    return {"anchor": anchor, "title": title, "html": Markup(html_text)}


def _check(pub: Any) -> Publication:
    if not isinstance(pub, Publication):
        raise ArgumentError(
            "reports are rendered from a Publication only; a "
            f"{type(pub).__name__} has not passed disclosure control"
        )
    return pub


def _fmt(value: float | None, decimals: int) -> str:
    return "–" if value is None else format(value, f".{decimals}f")


def _items_table(items: Sequence[PublishedItem], keys: Sequence[str]) -> PublishedTable:
    """The numbers behind a section's bars, as a published table."""
    index: list[str] = []
    values: list[tuple[Any, ...]] = []
    status: list[tuple[str, ...]] = []
    for item in items:
        first = item.rows.get(keys[0]) if keys else None
        reference = first.level if first is not None and first.status == "shown" else None
        for key in keys:
            row = item.rows.get(key)
            if row is None:
                continue
            index.append(f"{item.text} ({row.who})")
            if key == REGION and reference is not None and reference in row.collapsed:
                answers = " · ".join(f"{lab} {p}%" for lab, p in row.collapsed[reference])
                values.append((answers, row.n))
                status.append(("shown", "shown" if row.n is not None else "suppressed"))
                continue
            n_status = (
                "shown"
                if row.n is not None
                else ("missing" if row.status == "missing" else "suppressed")
            )
            if row.status == "shown" and row.percents is not None:
                answers = " · ".join(f"{lab} {p}%" for lab, p in row.percents)
                values.append((answers, row.n))
                status.append(("shown", n_status))
            elif row.status == "shown" and row.mean is not None:
                values.append((f"average answer {row.mean:.1f} (1 to {len(item.options)})", row.n))
                status.append(("shown", n_status))
            elif row.status == "dominated":
                text = (
                    f"almost nobody: {item.top_label}"
                    if row.dominant == "Other answers" and item.top_label
                    else f"almost all: {row.dominant}"
                )
                values.append((text, row.n))
                status.append(("shown", n_status))
            else:
                values.append((None, row.n))
                status.append(("missing" if row.status == "missing" else "suppressed", n_status))
    return PublishedTable(
        "Statements",
        "Statement",
        tuple(index),
        ("Answers", "Number answering"),
        tuple(values),
        tuple(status),
    )


def _statement_sections(pub: Publication, keys: Sequence[str]) -> list[dict[str, Any]]:
    sections = []
    by_section: dict[str, list[PublishedItem]] = {}
    for item in pub.items:
        by_section.setdefault(item.section_id, []).append(item)
    for section_id, items in by_section.items():
        body = "".join(likert_bars_html(i, keys) for i in items)
        body += (
            '<details class="numbers"><summary>The numbers behind the bars</summary>'
            + table_html(_items_table(items, keys))
            + "</details>"
        )
        title = pub.section_titles.get(section_id, section_id)
        sections.append(_section(f"s-{section_id}", title, body))
    return sections


def _people(pub: Publication) -> str:
    """Who answered, in words: 'trainees', 'supervisors' or 'respondents'."""
    sid = pub.survey_id.lower()
    for word in ("trainee", "supervisor", "mentor", "manager"):
        if word in sid:
            return word + "s"
    return "respondents"


def _rate_text(pub: Publication, code: str) -> tuple[str, str] | None:
    rate = pub.response_rates.get(code)
    denom = pub.eligible.get(code)
    if rate is None or denom is None:
        return None
    label = pub.group(code).label
    n = pub.responses.value(label, "Responses")
    return (f"about {rate}%", f"{n:,} of {denom:,} invited" if n is not None else "")


def _summary_html(pub: Publication, code: str) -> str:
    """'What this means for your trust': facts, clear differences, what people said most."""
    esc = _html.escape
    g = pub.group(code)
    people = _people(pub)
    n = pub.responses.value(g.label, "Responses")
    region_n = pub.responses.value(REGION, "Responses")
    facts = [
        (f"{people.capitalize()} who answered here", "–" if n is None else f"{n:,}"),
        ("In the region", "–" if region_n is None else f"{region_n:,}"),
    ]
    rate = _rate_text(pub, code)
    if rate is not None:
        facts.append((f"Response rate ({rate[1]})", rate[0]))
    out = (
        '<div class="keyfacts">'
        + "".join(f"<div><b>{esc(v)}</b>{esc(k)}</div>" for k, v in facts)
        + "</div>"
    )
    if rate is not None and pub.response_rates.get(code, 100) < 30:  # type: ignore[operator]
        out += (
            f'<p class="warn">Fewer than a third of the {people} invited answered: the results '
            "may not represent the trust's "
            f"{people} as a whole, and small differences should not be read into.</p>"
        )
    diffs = pub.differences.get(code, ())
    if diffs:
        out += (
            f"<h3>Where {esc(g.label)} stands out</h3>"
            "<p>On these statements the share of people here giving the answer shown differs "
            "from the rest of the region by more than chance alone would usually give "
            "(exact tests, allowing for the number of statements compared). They describe the "
            "trust; they do not say why, and the mentor's work is one influence among many.</p>"
            '<ul class="diffs">'
        )
        shown = sorted(diffs, key=lambda d: -abs(d.group - d.region))[:6]
        for d in shown:
            more = "More" if d.direction == "higher" else "Fewer"
            mark = "good" if d.favourable else "concern"
            out += (
                f'<li class="{mark}"><span class="tag">{"strength" if d.favourable else "to look at"}'
                f"</span> {more} {people} here than elsewhere answered "
                f"“{esc(d.top_label.lower())}” to <q>{esc(d.text)}</q> "
                f"({d.group}% here, {d.region}% across the region).</li>"
            )
        out += "</ul>"
        if len(diffs) > len(shown):
            rest = len(diffs) - len(shown)
            what = "statement differs" if rest == 1 else "statements differ"
            out += f'<p class="note">{rest} more {what} less: see the statements below.</p>'
    else:
        out += (
            f"<p>No statement shows {esc(g.label)} clearly above or below the rest of the "
            "region: differences are within what chance alone would usually give, so the "
            "trust's results are best read alongside the region's.</p>"
        )
    tops = [(c, c.rows.get(code, ())) for c in pub.choices]
    tops = [(c, r) for c, r in tops if r]
    if tops:
        out += f"<h3>What {people} here said most often</h3><ul>"
        for c, pairs in tops:
            top3 = "; ".join(f"{esc(lab)} (about {p}%)" for lab, p in pairs[:3])
            out += f'<li>{esc(c.text)} <span class="muted">{top3}</span></li>'
        out += "</ul>"
    helpful = [t for t in pub.themes or () if t.scope == "trust" and t.group == code]
    if helpful:
        out += (
            "<h3>What interviewees here talked about</h3><p>"
            + ", ".join(esc(t.label) for t in helpful)
            + ' (see <a href="#themes">Themes from interviews</a>).</p>'
        )
    if any(code in per and per[code] for per in pub.comments.values()):
        out += '<p>People\'s own words are in <a href="#comments">Comments</a>.</p>'
    return out


def _scale_table(pub: Publication, code: str, *, flags: bool) -> PublishedTable:
    index: list[str] = []
    values: list[tuple[Any, ...]] = []
    status: list[tuple[str, ...]] = []
    cols = ["This trust", "95% interval", "Rest of region"] + (["Flag"] if flags else [])
    for scale in pub.scales:
        r = scale.rows.get(code)
        if r is None:
            continue
        index.append(f"{scale.title} ({_fmt(scale.low, 0)} to {_fmt(scale.high, 0)})")
        d = scale.decimals
        if r.status == "shown":
            ci = f"{_fmt(r.ci_low, d)} to {_fmt(r.ci_high, d)}" if r.ci_low is not None else None
            row: tuple[Any, ...] = (r.mean, ci, r.benchmark) + ((r.flag,) if flags else ())
            st: tuple[str, ...] = (
                "shown",
                "shown" if ci else "missing",
                "shown" if r.benchmark is not None else "missing",
            ) + (("shown",) if flags else ())
        else:
            row = (None,) * len(cols)
            st = (r.status,) * len(cols)
        values.append(row)
        status.append(st)
    dec = pub.scales[0].decimals if pub.scales else 1
    return PublishedTable(
        "Scale scores",
        "Scale (range)",
        tuple(index),
        tuple(cols),
        tuple(values),
        tuple(status),
        (("This trust", f".{dec}f"), ("Rest of region", f".{dec}f")),
    )


def _trust_sections(pub: Publication, code: str) -> list[dict[str, Any]]:
    g = pub.group(code)
    label = g.label
    flags = pub.policy.flags_in_mentor_reports
    sections = [_section("summary", f"What this means for {label}", _summary_html(pub, code))]

    if pub.scales:
        body = table_html(_scale_table(pub, code, flags=flags))
        body += (
            '<p class="note">Scale scores are the average of a scale\'s statements '
            "(negatively worded ones reversed), on the scale's own range; the 95% interval "
            "shows how far the trust's score could move by chance; the rest of the region "
            "excludes this trust. Means carry a little noise and are rounded, so that two "
            "releases cannot be compared to recover one person's answers.</p>"
        )
        if pub.reliability_notes:
            body += "".join(
                f'<p class="warn">{_html.escape(t)}: reliability {_html.escape(n)}.</p>'
                for t, n in pub.reliability_notes.items()
            )
        body += (
            '<div class="funnels">'
            + "".join(funnel_svg(s, highlight=code, name_others=False) for s in pub.scales)
            + "</div>"
        )
        body += (
            f'<p class="note">Each plot shows {_html.escape(label)} (the orange point) against '
            "the region's average (solid line) and the range that trusts of each size would "
            "fall in by chance (dotted: 95%, dashed: 99.8%). The grey points are the other "
            "trusts, unnamed: this report is about your trust, not a league table.</p>"
        )
        sections.append(_section("scales", "Scale scores against the region", body))

    sections.extend(_statement_sections(pub, [code, "Region"]))

    if pub.changes:
        sections.append(_section("waves", "Since the last wave", _changes_html(pub, [code])))

    if pub.activities is not None:
        sections.append(_section("activities", "Mentor activities", _activities_html(pub, code)))

    if pub.themes is not None:
        if code in pub.interviewed:
            body = _themes_html(pub, code)
        else:
            body = (
                "<p>This trust was not one of the case-study trusts where interviews took "
                "place; the regional report summarises the themes across the region.</p>"
            )
        sections.append(_section("themes", "Themes from interviews", body))

    sections.append(_section("comments", "Comments", _comments_html(pub, code)))
    return sections


def _changes_html(pub: Publication, keys: Sequence[str]) -> str:
    """Statements asked identically in both waves: the share giving the top answers, then and
    now, each wave protected on its own."""
    esc = _html.escape
    who = {k: pub.group(k).label for k in keys if k != REGION}
    who[REGION] = "Region"
    head = "".join(
        f'<th scope="col">{esc(who[k])}: {esc(pub.previous_label or "before")}</th>'
        f'<th scope="col">{esc(who[k])}: now</th>'
        for k in [*keys, REGION]
    )
    rows = []
    for wc in pub.changes:
        cells = []
        for k in [*keys, REGION]:
            for v in (wc.before.get(k), wc.after.get(k)):
                cells.append(
                    '<td class="sup" title="not shown to protect confidentiality">–</td>'
                    if v is None
                    else f'<td class="num">{v}%</td>'
                )
        rows.append(
            f'<tr><th scope="row">{esc(wc.text)} <span class="muted">'
            f"({esc(wc.top_label.lower())})</span></th>{''.join(cells)}</tr>"
        )
    if not rows:
        return "<p>No statement was asked in the same words in both waves.</p>"
    return (
        f"<p>The share giving the top two answers to each statement asked in the same words in "
        f"{esc(pub.previous_label or 'the previous wave')} and now. Each wave is protected on "
        "its own, and the two waves' respondents differ, so a change of a few points is "
        "within chance.</p>"
        '<div class="table-wrap"><table class="data waves"><thead><tr><th scope="col">'
        f"Statement</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _comments_html(pub: Publication, code: str) -> str:
    out = ""
    for item_id, per in pub.comments.items():
        if code not in per:
            continue
        texts = per[code]
        out += f"<h3>{_html.escape(pub.comment_questions.get(item_id, item_id))}</h3>"
        if texts is None:
            out += (
                '<p class="note">Too few people in the trust wrote a comment on this question '
                "to show them without a risk of recognising who wrote them.</p>"
            )
            continue
        out += (
            '<ul class="comments">'
            + "".join(f"<li>{_html.escape(t)}</li>" for t in texts)
            + "</ul>"
        )
    if out:
        return (
            '<p class="note">Comments were reviewed before publication; names, contact details '
            "and other personal data are replaced by a marker such as [NAME]. They are shown in "
            "an order that says nothing about who wrote them.</p>" + out
        )
    if pub.comments_pending:
        return (
            "<p>Comments are not included in this report: they have not been reviewed yet. "
            "The evaluation team reviews every comment before any is shared.</p>"
        )
    return "<p>No comments are shown for this trust.</p>"


def _activities_html(pub: Publication, code: str) -> str:
    act = pub.activities
    assert act is not None
    label = pub.group(code).label
    logged = act.logged.value(label, "Activities logged") if label in act.logged.index else None
    facts: dict[str, Any] = {"Activities logged": logged}
    if act.trainees_reached:
        facts["Trainees reached (sum of the mentor's estimates, rounded)"] = (
            act.trainees_reached.get(code)
        )
    if act.mentor_hours:
        facts["Mentor hours logged"] = act.mentor_hours.get(code)
    body = (
        "<ul>"
        + "".join(
            f"<li>{_html.escape(k)}: <strong>{'–' if v is None else f'{v:,}'}</strong></li>"
            for k, v in facts.items()
        )
        + "</ul>"
        + '<p class="note">From the mentor activity log: a record is counted only when its '
        "consent question was answered yes.</p>"
    )
    body += '<div class="act-tables">'
    for t in act.tables:
        rows = t.rows([label, REGION])
        # transpose: categories down the side, the trust and the region across
        table = PublishedTable(
            t.title,
            t.title,
            t.columns[:-1],
            rows.index,
            tuple(tuple(r[i] for r in rows.values) for i in range(len(t.columns) - 1)),
            tuple(tuple(r[i] for r in rows.status) for i in range(len(t.columns) - 1)),
        )
        body += table_html(table)
    return body + "</div>"


def _themes_html(pub: Publication, code: str) -> str:
    mine = [t for t in pub.themes or () if t.scope == "trust" and t.group == code]
    if not mine:
        return (
            "<p>No theme was raised by enough interview participants in this trust to be "
            "reported for the trust alone; see the regional report for themes across trusts.</p>"
        )
    out = ""
    for t in mine:
        out += f"<h3>{_html.escape(t.label)}</h3>"
        out += f"<p>Raised by {t.n_participants} participants"
        if t.roles:
            out += f" ({_html.escape(t.roles.replace(';', ', '))})"
        out += ".</p>"
        if t.quote:
            who = _html.escape(t.attribution or "an interviewee")
            out += f"<blockquote>{_html.escape(t.quote)}<footer>{who}</footer></blockquote>"
    return out


def _regional_summary(pub: Publication) -> str:
    esc = _html.escape
    people = _people(pub)
    region_n = pub.responses.value(REGION, "Responses")
    facts = [
        (f"{people.capitalize()} who answered", "–" if region_n is None else f"{region_n:,}"),
        ("Trusts with a report", str(len(pub.groups))),
        ("Trusts with too few answers for a report", str(pub.n_not_reported)),
    ]
    if pub.eligible:
        invited = sum(pub.eligible.values())
        facts.append(("Invited (trusts with a report)", f"{invited:,}"))
    out = (
        '<div class="keyfacts">'
        + "".join(f"<div><b>{esc(v)}</b>{esc(k)}</div>" for k, v in facts)
        + "</div>"
    )
    names = pub.regional_labels
    flagged = []
    for scale in pub.scales:
        for code, r in scale.rows.items():
            if r.status == "shown" and r.flag in ("low", "high"):
                flagged.append(f"{names.get(code, code)}: {scale.title.lower()} {r.flag}er")
    if flagged:
        out += (
            "<p>Scale scores outside the 99.8% limits around the rest of the region (see the "
            "funnel plots): " + "; ".join(esc(f) for f in flagged) + ".</p>"
        )
    else:
        out += (
            "<p>No trust's scale score lies outside the 99.8% limits around the rest of the "
            "region: the trusts differ by no more than chance would usually give.</p>"
        )
    spread = []
    for item in pub.items:
        vals = [item.rows[g.code].agree for g in pub.groups if g.code in item.rows]
        known = [v for v in vals if v is not None]
        if len(known) >= 3:
            spread.append((max(known) - min(known), item))
    spread.sort(key=lambda x: -x[0])
    if spread:
        out += (
            "<p>Statements on which the trusts differ most (share giving the top two "
            "answers):</p><ul>"
        )
        for width, item in spread[:3]:
            region = item.rows[REGION].agree
            shown = f"{region}%" if region is not None else "–"
            out += f"<li><q>{esc(item.text)}</q>: region {shown}, trusts {width} points apart</li>"
        out += "</ul>"
    if pub.themes:
        # (a theme no interviewee raised, as with no coded segments at all, is no finding)
        region_themes = [t for t in pub.themes if t.scope == "region" and t.n_participants]
        region_themes.sort(key=lambda t: -(t.n_participants or 0))
        if region_themes:
            out += (
                "<p>Themes raised by most interviewees: "
                + "; ".join(f"{esc(t.label)} ({t.n_participants})" for t in region_themes[:3])
                + ".</p>"
            )
    supported = [r for r in pub.recommendations if r.n_participants]
    if supported:
        out += (
            "<p>Recommendations with support from interviews: "
            + "; ".join(esc(r.label) for r in supported)
            + ' (see <a href="#recommendations">Recommendations</a>).</p>'
        )
    return out


def _regional_sections(pub: Publication) -> list[dict[str, Any]]:
    sections = [_section("summary", "Summary", _regional_summary(pub))]
    sections.append(_section("responses", "Responses", _regional_responses(pub)))
    if pub.scales:
        sections.append(_section("scales", "Scale scores by trust", _regional_scales(pub)))
    if pub.items:
        sections.append(_section("flags", "Agreement by statement and trust", _flag_grid(pub)))
    if pub.choices:
        body = _regional_choices(pub)
        if body:
            sections.append(_section("choices", "What people ticked, across the region", body))
    if pub.changes:
        sections.append(_section("waves", "Since the last wave", _changes_html(pub, [])))
    if pub.reliability is not None:
        body = table_html(pub.reliability)
        body += "".join(
            f'<p class="warn">{_html.escape(t)}: reliability {_html.escape(n)}.</p>'
            for t, n in pub.reliability_notes.items()
        )
        sections.append(_section("reliability", "Reliability of the scales", body))
    if pub.themes is not None:
        sections.append(_section("themes", "Themes across the region", _regional_themes(pub)))
    sections.append(_section("recommendations", "Recommendations", _recommendations_html(pub)))
    sections.append(_section("objectives", "Objectives covered", _objectives_html()))
    return sections


def _regional_responses(pub: Publication) -> str:
    """Responses per trust, with the invited and the response rate when known."""
    names = pub.regional_labels
    responses = pub.responses
    label_to_code = {g.label: g.code for g in pub.groups}
    cols: tuple[str, ...] = responses.columns
    values: tuple[tuple[Any, ...], ...] = responses.values
    statuses: tuple[tuple[str, ...], ...] = responses.status
    if pub.eligible:
        cols = (*cols, "Invited", "Response rate")
        values = tuple(
            (
                *v,
                pub.eligible.get(label_to_code.get(i, ""), None),
                f"about {pub.response_rates[label_to_code[i]]}%"
                if i in label_to_code and pub.response_rates.get(label_to_code[i]) is not None
                else None,
            )
            for i, v in zip(responses.index, responses.values, strict=True)
        )
        statuses = tuple(
            (
                *st,
                *(
                    ("shown", "shown")
                    if i in label_to_code and v[-1] is not None
                    else ("missing", "missing")
                ),
            )
            for i, st, v in zip(responses.index, responses.status, values, strict=True)
        )
    table = PublishedTable(
        responses.title,
        "Trust",
        tuple(names.get(label_to_code.get(i, ""), i) for i in responses.index),
        cols,
        values,
        statuses,
        responses.formats,
    )
    body = table_html(table)
    if pub.n_not_reported:
        body += (
            f"<p>{pub.n_not_reported} trust{'s' if pub.n_not_reported != 1 else ''} had fewer "
            f"than {pub.policy.min_group} responses: no report of their own; their responses "
            "are pooled in “Other trusts (combined)” and count towards the region. The "
            "statements' region rows count the trusts with a report.</p>"
        )
    return body


def _regional_scales(pub: Publication) -> str:
    """The scales' funnel plots, and every trust's mean score."""
    names = pub.regional_labels
    body = (
        '<div class="funnels small">'
        + "".join(funnel_svg(sc, names=names) for sc in pub.scales)
        + "</div>"
    )
    body += (
        '<p class="note">Each point is a trust; the solid line is the region\'s average, '
        "the dotted and dashed lines the 95% and 99.8% limits within which trusts of each "
        "size would fall by chance. Trusts outside the 99.8% limits are named.</p>"
    )
    rows: list[tuple[Any, ...]] = []
    stats: list[tuple[str, ...]] = []
    for g in pub.groups:
        cells: list[Any] = []
        sts: list[str] = []
        for sc in pub.scales:
            x = sc.rows.get(g.code)
            if x is not None and x.status == "shown" and x.mean is not None:
                flag = f" ({x.flag})" if x.flag in ("low", "high") else ""
                cells.append(f"{x.mean:.{sc.decimals}f}{flag}")
                sts.append("shown")
            else:
                cells.append(None)
                sts.append(x.status if x is not None else "missing")
        rows.append(tuple(cells))
        stats.append(tuple(sts))
    means = PublishedTable(
        "Scale means",
        "Trust",
        tuple(names.get(g.code, g.label) for g in pub.groups),
        tuple(sc.title for sc in pub.scales),
        tuple(rows),
        tuple(stats),
    )
    return (
        body
        + '<details class="numbers"><summary>Every trust\'s mean score</summary>'
        + table_html(means)
        + "</details>"
    )


def _regional_choices(pub: Publication) -> str:
    esc = _html.escape
    body = ""
    for c in pub.choices:
        pairs = c.rows.get(REGION, ())
        if not pairs:
            continue
        body += (
            f"<h3>{esc(c.text)}</h3><ul>"
            + "".join(f"<li>{esc(lab)}: about {p}%</li>" for lab, p in pairs[:6])
            + "</ul>"
        )
    return body


def _regional_themes(pub: Publication) -> str:
    esc = _html.escape
    assert pub.themes is not None
    region = [t for t in pub.themes if t.scope == "region"]
    themes = PublishedTable(
        "Themes across the region",
        "Theme",
        tuple(t.label for t in region),
        ("Participants", "Roles"),
        tuple((t.n_participants, t.roles.replace(";", ", ")) for t in region),
        tuple(("shown" if t.n_participants is not None else "suppressed", "shown") for t in region),
    )
    body = table_html(themes)
    for t in region:
        if t.quote:
            who = esc(t.attribution or "an interviewee")
            body += (
                f"<h3>{esc(t.label)}</h3>"
                f"<blockquote>{esc(t.quote)}<footer>{who}</footer></blockquote>"
            )
    return body


def _recommendations_html(pub: Publication) -> str:
    esc = _html.escape
    if not pub.recommendations:
        return (
            "<p>No coded interviews were given, so no recommendation rests on them here. The "
            "evaluation team drafts the recommendations (objective O6) and issues for further "
            "exploration (O7) from the comparisons above.</p>"
        )
    out = (
        "<p>Recommendations for enhancing the scheme (objective O6), as interviewees made them "
        "(the codebook's recommendation codes), with the evidence for each. The evaluation "
        "team weighs them with the survey results above before adopting any.</p><ol>"
    )
    for r in pub.recommendations:
        out += f"<li><strong>{esc(r.label)}</strong>: {esc(r.definition)}"
        if r.n_participants:
            out += (
                f'<br><span class="muted">Raised by {r.n_participants} interviewees in '
                f"{r.trusts} trust{'s' if r.trusts != 1 else ''}.</span>"
            )
            if r.quote:
                out += (
                    f"<blockquote>{esc(r.quote)}<footer>"
                    f"{esc(r.attribution or 'an interviewee')}</footer></blockquote>"
                )
        else:
            out += (
                '<br><span class="muted">Raised by fewer than '
                f"{pub.policy.min_participants_theme} interviewees, or by none: an issue for "
                "further exploration (O7) rather than a recommendation.</span>"
            )
        out += "</li>"
    return out + "</ol>"


def _flag_grid(pub: Publication) -> str:
    """Statements by trust: the published share giving the top two answers, coloured by how
    the trust compares with the rest of the region, and by what the statement's wording makes
    favourable."""
    esc = _html.escape
    names = pub.regional_labels
    head = "".join(
        f'<th scope="col"><span>{esc(names.get(g.code, g.label))}</span></th>' for g in pub.groups
    )
    rows = []
    for item in pub.items:
        cells = []
        for g in pub.groups:
            row = item.rows.get(g.code)
            flag = item.flags.get(g.code, "")
            cls = ""
            if row is None or row.status == "suppressed":
                text, cls = "–", "sup"
            elif row.status == "missing":
                text, cls = "n/a", "na"
            elif row.status == "dominated":
                text, cls = ("≈none" if row.dominant == "Other answers" else "≈all"), "dom"
            elif row.agree is None:
                text = f"avg {row.mean:.1f}" if row.mean is not None else "–"
                cls = "avg"
            else:
                text = f"{row.agree}%"
                if flag in ("low", "high"):
                    good = (flag == "high") != item.reverse
                    cls = "better" if good else "worse"
            title = f"{names.get(g.code, g.label)}: {text}"
            if flag in ("low", "high"):
                title += f" ({flag}er than the rest of the region)"
            cells.append(f'<td class="{cls}" title="{esc(title)}">{esc(text)}</td>')
        region = item.rows.get(REGION)
        rtext = f"{region.agree}%" if region is not None and region.agree is not None else "–"
        rev = ' <span class="muted">(negatively worded)</span>' if item.reverse else ""
        rows.append(
            f'<tr><th scope="row">{esc(item.text)}{rev}</th><td class="region">{rtext}</td>'
            f"{''.join(cells)}</tr>"
        )
    return (
        '<div class="grid-key"><span><i class="better"></i>differs from the rest of the region, '
        'in the favourable direction</span><span><i class="worse"></i>in the unfavourable '
        "direction</span><span>– too few answers to show</span><span>≈all / ≈none: all or all "
        "but one gave (or did not give) the top answers</span><span>avg: only the average "
        "answer can be shown</span></div>"
        '<div class="table-wrap"><table class="data grid"><thead><tr><th scope="col">'
        f'Statement</th><th scope="col">Region</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
        '<p class="note">Percentage giving the top two answers (agree or strongly agree, or '
        "the scale's equivalent) to each statement, in steps of "
        f"{pub.policy.perturbation.percent_step}%. A coloured cell differs from the rest of "
        "the region beyond the 99.8% limit (exact test); for a negatively worded statement a "
        "higher share is the unfavourable direction.</p>"
    )


def _objectives_html() -> str:
    from ..instruments.models import text_in

    try:
        from ..instruments.catalogue import coverage_matrix, shared_bundled_catalogue

        cat = shared_bundled_catalogue()  # read here only: no copies needed
        m = coverage_matrix(cat)
    except Exception:  # an adapted catalogue may not load; the report still stands
        return "<p>The bundled catalogue could not be loaded to show objective coverage.</p>"
    ev = cat.evaluation
    text = {o.id: text_in(o.text) for o in ev.objectives} if ev else {}
    m = m.drop(columns=["covered"])
    table = PublishedTable(
        "Objectives",
        "Id",
        tuple(str(o) for o in m.index),
        ("Objective", "Instruments serving it"),
        tuple(
            (text.get(o, o), ", ".join(c for c in m.columns if m.loc[o, c] > 0) or "none")
            for o in m.index
        ),
        tuple(("shown", "shown") for _ in m.index),
    )
    return table_html(table)


def methods_html(pub: Publication) -> Markup:
    """The methods text: what was done, and exactly what protection was applied."""
    pol = pub.policy
    pert = pol.perturbation
    perturbation = (
        "Every published count was then perturbed with the cell-key method of the Australian "
        "Bureau of Statistics and the Office for National Statistics (Fraser and Wooton 2005): "
        f"a change of at most {pert.max_noise} (variance {pert.variance:g}, zero on average), "
        "drawn with a key made from the respondents in the cell and in its row, so that the "
        "same respondents give the same numbers in every table and every run, and a release "
        "that differs by a few respondents draws fresh noise for their whole trust. "
        f"Percentages are shown in steps of {pert.percent_step}% and means to "
        f"{pert.mean_decimals} decimal place{'s' if pert.mean_decimals != 1 else ''}, with a "
        "small noise of the size of one respondent's influence. Counts and percentages may "
        "therefore differ slightly from the exact ones and need not add up."
        if pert.method == "cell-key"
        else "Counts are published without perturbation (this policy allows it): two "
        "releases that differ by a few respondents could be compared to recover their answers."
    )
    rounding = (
        f" Every published count is rounded to the nearest {pol.rounding}." if pol.rounding else ""
    )
    return Markup(
        "<p>Responses were checked against the survey instrument "
        f"(<code>{_html.escape(pub.survey_id)}</code>, version "
        f"{_html.escape(pub.survey_version)}); answers outside the response options, and answers "
        "to questions that skip logic should have hidden, were set aside. Declared missing "
        "codes (such as ‘prefer not to say’) are never scored.</p>"
        "<p>Scale scores are the mean of a respondent's answered items, reverse-worded items "
        "reversed as (min + max) − x, with a score only when enough items were answered. "
        "Each trust is compared with the rest of the region (all other trusts' respondents): "
        "the funnel plot's control limits are the region's mean ± 1.96 and ± 3.09 standard "
        "errors at the trust's size (Spiegelhalter 2005); a trust outside the 99.8% limits is "
        "flagged. Percentages agreeing are compared the same way with binomial limits.</p>"
        f"<p>Disclosure control: no report for a trust with fewer than {pol.min_group} "
        f"respondents; any count below {pol.min_cell} is suppressed, together with enough "
        "other cells that it cannot be worked out from the totals, checked by solving the "
        "linear programs an intruder would (Hundepool et al. 2012); every trust and the region "
        "are protected in one table per question, so the reports cannot be differenced "
        f"against each other. {perturbation}{rounding} Where, in a trust with fewer than "
        f"{pol.dominance_group} answers, all or all but one gave the same answer, the statement "
        "is shown as “almost all” of that answer. Comments are published only after a person "
        "has reviewed them and only where at least "
        f"{pol.min_comments} people in the trust wrote one; quotes from interviews are "
        "attributed to a role only when at least "
        f"{pol.min_participants_theme} people of that role took part in the trust. Free text "
        "is redacted (names, contact details, NHS and GMC numbers, postcodes, dates of birth) "
        "before it is read by any analysis.</p>"
        "<p>What this does not protect against: someone who already knows the answers of all "
        "but one respondent in a trust learns about the last one from any honest summary; the "
        "noise hides, but cannot erase, the small trace one respondent leaves in two releases "
        "that differ only by them.</p>"
    )


def render_trust(pub: Publication, code: str, *, heading: str, generated: str, version: str) -> str:
    """The report for one group's mentor."""
    pub = _check(pub)
    g = pub.group(code)
    return render(
        "trust.html.j2",
        title=f"{heading}: {g.label}",
        subtitle=f"Mentor's report · {pub.survey_title} (version {pub.survey_version})",
        group_label=g.label,
        sections=_trust_sections(pub, code),
        methods=methods_html(pub),
        version=version,
        generated=generated,
        policy=pub.policy,
    )


def render_regional(pub: Publication, *, heading: str, generated: str, version: str) -> str:
    """The regional report."""
    pub = _check(pub)
    return render(
        "regional.html.j2",
        title=f"{heading}: regional report",
        subtitle=f"{pub.survey_title} (version {pub.survey_version}) · all trusts",
        sections=_regional_sections(pub),
        methods=methods_html(pub),
        references=REFERENCES,
        version=version,
        generated=generated,
        policy=pub.policy,
    )


def render_protection(pub: Publication, *, heading: str, generated: str, version: str) -> str:
    """A plain page for readers: how the numbers in these reports were protected."""
    pub = _check(pub)
    pol = pub.policy
    settings = PublishedTable(
        "Settings",
        "Setting",
        (
            "Fewest respondents for a trust report",
            "Fewest people behind any number",
            "Fewest people who wrote a comment for comments to be shown",
            "Dominance rule applies below (answers)",
            "Fewest interviewees of a role for a quote to name the role",
            "Largest change a count may get",
            "Percentages shown in steps of",
        ),
        ("Value",),
        (
            (pol.min_group,),
            (pol.min_cell,),
            (pol.min_comments,),
            (pol.dominance_group,),
            (pol.min_participants_theme,),
            (pol.perturbation.max_noise if pol.perturbation.method == "cell-key" else 0,),
            (pol.perturbation.percent_step,),
        ),
        tuple(("shown",) for _ in range(7)),
    )
    body = Markup(
        "<p>These reports describe groups, never individuals. This page explains, for anyone "
        "reading them, how the numbers were protected so that nobody can be identified from "
        f"them. The rules followed are the disclosure policy “{_html.escape(pol.name)}”.</p>"
        + table_html(settings)
    )
    return render(
        "protection.html.j2",
        title=f"{heading}: how these numbers were protected",
        subtitle=f"{pub.survey_title} (version {pub.survey_version})",
        body=body,
        methods=methods_html(pub),
        references=REFERENCES,
        version=version,
        generated=generated,
        policy=pol,
    )
