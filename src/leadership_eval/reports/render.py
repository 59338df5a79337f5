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
        raise TypeError(
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
        for key in keys:
            row = item.rows.get(key)
            if row is None:
                continue
            index.append(f"{item.text} ({row.who})")
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


def _trust_sections(pub: Publication, code: str) -> list[dict[str, Any]]:
    g = pub.group(code)
    label = g.label
    sections = []
    n = pub.responses.value(label, "Responses")
    region_n = pub.responses.value(REGION, "Responses")
    facts = [
        ("Responses", "–" if n is None else f"{n:,}"),
        ("Region", "–" if region_n is None else f"{region_n:,}"),
    ]
    rate = pub.response_rates.get(code)
    if rate is not None:
        facts.append(("Response rate", f"about {rate}%"))
    flags = []
    for scale in pub.scales:
        r = scale.rows.get(code)
        if r is not None and r.status == "shown" and r.flag in ("low", "high"):
            flags.append(f"{scale.title}: {r.flag}er than the region")
    facts.append(("Flags", str(len(flags))))
    facts_html = "".join(f"<div><b>{_html.escape(v)}</b>{_html.escape(k)}</div>" for k, v in facts)
    summary = f'<div class="keyfacts">{facts_html}</div>'
    if flags:
        summary += (
            "<p>Outside the 99.8% control limits:</p><ul>"
            + "".join(f"<li>{_html.escape(f)}</li>" for f in flags)
            + "</ul>"
        )
    elif pub.scales:
        summary += (
            "<p>No scale score is outside the 99.8% control limits around the rest of the "
            "region: differences from the region are within what chance alone would give.</p>"
        )
    sections.append(_section("summary", "Summary", summary))

    if pub.scales:
        index: list[str] = []
        values: list[tuple[Any, ...]] = []
        status: list[tuple[str, ...]] = []
        for scale in pub.scales:
            r = scale.rows.get(code)
            if r is None:
                continue
            index.append(scale.title)
            d = scale.decimals
            if r.status == "shown":
                ci = (
                    f"{_fmt(r.ci_low, d)} to {_fmt(r.ci_high, d)}" if r.ci_low is not None else None
                )
                values.append((r.mean, ci, r.benchmark, r.flag))
                status.append(
                    (
                        "shown",
                        "shown" if ci else "missing",
                        "shown" if r.benchmark is not None else "missing",
                        "shown",
                    )
                )
            else:
                values.append((None, None, None, None))
                status.append(tuple(r.status for _ in range(4)))
        dec = pub.scales[0].decimals
        table = PublishedTable(
            "Scale scores",
            "Scale",
            tuple(index),
            ("Trust mean", "95% CI", "Rest of region", "Flag"),
            tuple(values),
            tuple(status),
            (("Trust mean", f".{dec}f"), ("Rest of region", f".{dec}f")),
        )
        body = table_html(table)
        body += (
            '<p class="note">Scale scores are means of the items (reverse-worded items '
            "reversed), shown on the scale's own range; the rest of the region excludes this "
            "trust. Means carry a little noise and are rounded, so that two releases cannot be "
            "compared to recover one person's answers.</p>"
        )
        body += (
            '<div class="funnels">'
            + "".join(funnel_svg(s, highlight=code) for s in pub.scales)
            + "</div>"
        )
        body += (
            f'<p class="note">Funnel plots: each point is a trust ({_html.escape(label)} in '
            "orange); dotted and dashed lines are the 95% and 99.8% control limits around the "
            "region's mean, narrowing as the number of responses grows.</p>"
        )
        sections.append(_section("scales", "Scale scores against the region", body))

    sections.extend(_statement_sections(pub, [code, "Region"]))

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
    )
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
    return body


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


def _regional_sections(pub: Publication) -> list[dict[str, Any]]:
    sections = []
    body = table_html(pub.responses)
    if pub.n_not_reported:
        body += (
            f"<p>{pub.n_not_reported} trust{'s' if pub.n_not_reported != 1 else ''} had fewer "
            f"than {pub.policy.min_group} responses: no report of their own; their responses are "
            "pooled in “Other trusts (combined)” and count towards the region.</p>"
        )
    sections.append(_section("responses", "Responses", body))

    for scale in pub.scales:
        rows = [scale.rows[g.code] for g in pub.groups if g.code in scale.rows]
        d = scale.decimals
        table = PublishedTable(
            scale.title,
            "Trust",
            tuple(r.who for r in rows),
            ("Mean", "CI low", "CI high", "Rest of region", "Flag"),
            tuple(
                (r.mean, r.ci_low, r.ci_high, r.benchmark, r.flag)
                if r.status == "shown"
                else (None,) * 5
                for r in rows
            ),
            tuple(("shown",) * 5 if r.status == "shown" else (r.status,) * 5 for r in rows),
            tuple((c, f".{d}f") for c in ("Mean", "CI low", "CI high", "Rest of region")),
        )
        body = '<div class="funnels">' + funnel_svg(scale) + "</div>"
        body += (
            '<p class="note">Each point is a trust; dotted and dashed lines are the 95% and '
            "99.8% control limits around the region's mean.</p>"
        )
        body += table_html(table)
        sections.append(_section(f"scale-{scale.scale_id}", scale.title, body))

    if pub.items:
        sections.append(_section("flags", "Agreement by statement and trust", _flag_grid(pub)))

    if pub.reliability is not None:
        sections.append(
            _section("reliability", "Reliability of the scales", table_html(pub.reliability))
        )

    if pub.themes is not None:
        region = [t for t in pub.themes if t.scope == "region"]
        table = PublishedTable(
            "Themes across the region",
            "Theme",
            tuple(t.label for t in region),
            ("Participants", "Roles"),
            tuple((t.n_participants, t.roles.replace(";", ", ")) for t in region),
            tuple(
                ("shown" if t.n_participants is not None else "suppressed", "shown") for t in region
            ),
        )
        body = table_html(table)
        for t in region:
            if t.quote:
                who = _html.escape(t.attribution or "an interviewee")
                body += (
                    f"<h3>{_html.escape(t.label)}</h3>"
                    f"<blockquote>{_html.escape(t.quote)}<footer>{who}</footer></blockquote>"
                )
        sections.append(_section("themes", "Themes across the region", body))

    sections.append(_section("objectives", "Objectives covered", _objectives_html()))
    sections.append(
        _section(
            "recommendations",
            "Recommendations",
            '<p class="note">For the evaluation team to complete: recommendations for '
            "enhancing the scheme (objective O6) and issues for further exploration (O7), "
            "drawing on the comparisons and themes above.</p>",
        )
    )
    return sections


def _flag_grid(pub: Publication) -> str:
    """Statements by trust: the published percentage agreeing, coloured by the flag."""
    head = "".join(f'<th scope="col">{_html.escape(g.label)}</th>' for g in pub.groups)
    rows = []
    for item in pub.items:
        cells = []
        for g in pub.groups:
            row = item.rows.get(g.code)
            flag = item.flags.get(g.code, "")
            if row is None or row.status in ("suppressed", "missing"):
                text, cls = (
                    ("–", "sup") if row is None or row.status == "suppressed" else ("n/a", "na")
                )
            elif row.agree is None:
                text, cls = (
                    ("almost all: " + str(row.dominant).lower(), "dom")
                    if row.status == "dominated"
                    else ("–", "sup")
                )
            else:
                text = f"{row.agree}%"
                cls = f"flag-{flag}" if flag in ("low", "high") else ""
            title = f"{g.label}: {text}" + (f" ({flag})" if flag in ("low", "high") else "")
            cells.append(
                f'<td class="{cls}" title="{_html.escape(title)}">{_html.escape(text)}</td>'
            )
        rows.append(f'<tr><th scope="row">{_html.escape(item.text)}</th>{"".join(cells)}</tr>')
    return (
        '<div class="table-wrap"><table class="data grid"><thead><tr><th scope="col">'
        f"Statement</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        '<p class="note">Percentage agreeing with each statement in each trust (in steps of '
        f"{pub.policy.perturbation.percent_step}%); trusts above or below the rest of the region "
        "beyond the 99.8% limits are marked in colour; – not shown (too few answers).</p>"
    )


def _objectives_html() -> str:
    from ..instruments.models import text_in

    try:
        from ..instruments.catalogue import coverage_matrix, load_catalogue

        cat = load_catalogue()
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
