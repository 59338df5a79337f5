"""The publication stage: invariants under every shipped preset, and reports made from it alone."""

from __future__ import annotations

import html
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import leadership_eval as le
from leadership_eval.instruments.loader import loads_instrument
from leadership_eval.policy import PRESETS
from leadership_eval.privacy.perturb import perturbation_table
from leadership_eval.reports.analyse import OTHER, analyse
from leadership_eval.reports.publish import Publication, publish
from leadership_eval.reports.render import render_regional, render_trust

SECRET = b"a test report key of 32 bytes..."

SURVEY = loads_instrument(
    """
kind: survey
id: prop-survey
version: 1.0.0
title: Property survey
respondent_id: rid
group_by: trust
choice_lists:
  agree5:
    ordered: true
    options:
      - {code: 1, label: Strongly disagree}
      - {code: 2, label: Disagree}
      - {code: 3, label: Neither}
      - {code: 4, label: Agree}
      - {code: 5, label: Strongly agree}
sections:
  - id: s
    title: S
    items:
      - {id: rid, type: text, text: Id}
      - {id: trust, type: text, text: Trust, disclosure: quasi}
      - {id: q1, type: likert, choices: agree5, text: One}
      - {id: q2, type: likert, choices: agree5, text: Two}
      - {id: q3, type: likert, choices: agree5, text: Three}
scales:
  - {id: sc, title: Scale, items: [q1, q2, q3], min_answered: 2}
""",
    "prop.yaml",
)


@st.composite
def datasets(draw: st.DrawFn) -> pd.DataFrame:
    sizes = draw(st.lists(st.integers(1, 30), min_size=2, max_size=5))
    if max(sizes) < 8:
        sizes[0] = 8 + draw(st.integers(0, 20))
    rows = []
    rid = 0
    for t, n in enumerate(sizes):
        # some trusts answer unanimously; others from a random distribution
        unanimous = draw(st.booleans())
        probs = np.array(draw(st.lists(st.floats(0.05, 1.0), min_size=5, max_size=5)))
        probs = probs / probs.sum()
        seed = draw(st.integers(0, 10_000))
        rng = np.random.default_rng(seed)
        for _ in range(n):
            rid += 1
            row: dict[str, object] = {"rid": f"R{rid:04d}", "trust": f"t{t:02d}"}
            for q in ("q1", "q2", "q3"):
                row[q] = 5 if unanimous and q == "q2" else int(rng.choice(5, p=probs)) + 1
            rows.append(row)
    return pd.DataFrame(rows)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=datasets(), preset=st.sampled_from(sorted(PRESETS)))
def test_publication_invariants_under_every_preset(data: pd.DataFrame, preset: str) -> None:
    from leadership_eval.errors import DataError

    try:
        an = analyse(SURVEY, data, policy=preset)
    except DataError as exc:
        assert exc.code == "no-qualifying-group"
        return
    pol = an.policy
    pub, log = publish(an, SECRET)
    # groups too small for a report appear nowhere but in the pooled row
    sizes = data["trust"].value_counts()
    assert {g.code for g in pub.groups} == set(sizes[sizes >= pol.min_group].index)
    # every suppression pattern survives the intruder's linear programs
    for name, protected in log["tables"].items():
        audit = le.audit_table(protected.published)
        assert audit.safe(pol.min_cell), (name, audit.unsafe(pol.min_cell))
    # a published count is never a small one, and rounds when the policy rounds
    shown = list(pub.responses.numbers())
    for item in pub.items:
        for row in item.rows.values():
            if row.n is not None:
                shown.append(row.n)
    for v in shown:
        assert v == 0 or v >= pol.min_cell
        if pol.rounding:
            assert v % pol.rounding == 0
    step = pol.perturbation.percent_step
    for item in pub.items:
        truth = an.clean.groupby(an.row_key)[item.item_id].agg(list)
        for key, row in item.rows.items():
            if row.status != "shown":
                assert row.percents is None
                continue
            if row.level == "mean":
                assert row.mean is not None and 1 <= row.mean <= 5
                continue
            pct = [p for _, p in row.percents or ()]
            assert sum(pct) == 100 and all(p % step == 0 for p in pct)
            if key in truth.index:
                answers = [a for a in truth[key] if not pd.isna(a)]
                if len(answers) < pol.dominance_group:
                    # no small group is shown as all giving one answer (unanimity)
                    assert max(pct) < 100 or len(answers) == 0
    for scale in pub.scales:
        for r in scale.rows.values():
            if r.status == "shown":
                for v in (r.mean, r.ci_low, r.ci_high):
                    assert v is None or scale.low <= v <= scale.high
                assert r.n is not None and r.n >= pol.min_cell


def test_perturbation_table_is_unbiased_and_bounded() -> None:
    t = perturbation_table(3, 2.0, floor=5).frame()
    assert (t["mean"].abs() < 1e-6).all()
    assert t.loc[8, "variance"] == pytest.approx(2.0, abs=1e-6)
    d = np.arange(-3, 4)
    probs = t[list(d)].to_numpy()
    for n in range(5, len(t)):
        assert (n + d[probs[n] > 0] >= 5).all()  # never perturbed below the threshold


def test_same_respondents_same_noise_and_a_leaver_redraws_the_row() -> None:
    from leadership_eval.privacy.perturb import CellKeys, record_keys

    ids = pd.Series([f"r{i}" for i in range(40)])
    keys = CellKeys(pd.Series(record_keys(ids, SECRET)), SECRET)
    rows = pd.Series(["a"] * 20 + ["b"] * 20)
    cols = pd.Series(["x", "y"] * 20)
    u1 = keys.cell_uniforms("t", rows, cols)
    u2 = keys.cell_uniforms("t", rows, cols)
    pd.testing.assert_frame_equal(u1, u2)  # the same records: the same keys, every run
    drop = ids.index[3]
    keys_b = CellKeys(keys.keys.drop(drop), SECRET)
    u3 = keys_b.cell_uniforms("t", rows.drop(drop), cols.drop(drop))
    # every cell of the leaver's row (and the region's) gets a new key; other rows keep theirs
    assert (u3.loc["a"] != u1.loc["a"]).all()
    assert (u3.loc["Total"] != u1.loc["Total"]).all()
    pd.testing.assert_series_equal(u3.loc["b"], u1.loc["b"])


@pytest.fixture(scope="module")
def published() -> tuple[Publication, dict[str, str]]:
    survey = le.load_instrument("trainee-survey")
    sizes = {"t01": 40, "t02": 31, "t03": 22, "t04": 12, "t05": 3}
    data = le.simulate_responses(survey, sum(sizes.values()), groups=sizes, seed=4)
    an = analyse(survey, data)
    pub, _ = publish(an, SECRET, eligible={t: 4 * n for t, n in sizes.items()})
    ctx = {"heading": "Test", "generated": "2026-01-01", "version": "0"}
    pages = {g.code: render_trust(pub, g.code, **ctx) for g in pub.groups}
    pages["regional"] = render_regional(pub, **ctx)
    return pub, pages


def test_every_number_on_a_page_comes_from_the_publication(
    published: tuple[Publication, dict[str, str]],
) -> None:
    pub, pages = published
    allowed = pub.numbers() | {95.0, 99.8}
    for name, page in pages.items():
        # table cells, key facts, tooltips, accessible labels: where numbers are published
        places = re.findall(r'<td class="num">([^<]*)</td>', page)
        places += re.findall(r"<b>([^<]*)</b>(?!Flags)", page)  # key facts (not the tally)
        places += re.findall(r'(?:title|aria-label)="([^"]*)"', page)
        places += re.findall(r"<title>([^<]*)</title>", page)
        places += re.findall(r'<span class="lk-seg[^"]*"[^>]*>([^<]*)</span>', page)
        for text in places:
            text = html.unescape(text)
            text = re.sub(r"Trust \d+", "", text)  # labels, not numbers
            for token in re.findall(r"\d[\d,]*(?:\.\d+)?", text):
                value = float(token.replace(",", ""))
                assert value in allowed or any(
                    math.isclose(value, a, abs_tol=1e-9) for a in allowed
                ), f"{name}: {token!r} in {text!r} is not a published number"


def test_renderer_takes_nothing_but_the_publication(
    published: tuple[Publication, dict[str, str]],
) -> None:
    from leadership_eval.reports.figures import funnel_svg, likert_bars_html
    from leadership_eval.reports.html import table_html

    frame = pd.DataFrame({"n": [3, 9]})
    with pytest.raises(TypeError, match="disclosure control"):
        table_html(frame)
    with pytest.raises(TypeError, match="published"):
        funnel_svg(frame)
    with pytest.raises(TypeError, match="published"):
        likert_bars_html(frame, ["t01"])
    with pytest.raises(TypeError, match="Publication"):
        render_trust(frame, "t01", heading="x", generated="x", version="x")  # type: ignore[arg-type]


def test_suppressed_and_missing_render_differently(tmp_path: Path) -> None:
    from leadership_eval.reports.html import table_html
    from leadership_eval.reports.publish import PublishedTable

    t = PublishedTable(
        "t", "Trust", ("a", "b"), ("n",), ((None,), (None,)), (("suppressed",), ("missing",))
    )
    out = table_html(t)
    assert 'class="sup"' in out and 'class="na"' in out
    assert "n/a" in out and "–" in out
    assert "no data" in out and "too few responses" in out


def test_pooled_row_is_never_a_report(published: tuple[Publication, dict[str, str]]) -> None:
    pub, pages = published
    assert OTHER in pub.responses.index
    assert all(g.code != OTHER for g in pub.groups)
    assert "t05" not in {g.code for g in pub.groups}
    assert all("Trust 05" not in p for p in pages.values())


def test_the_average_bound_in_closed_form_equals_the_linear_programme() -> None:
    """The largest count an average and a total allow, found by a formula, is the LP optimum."""
    from leadership_eval.privacy._highs import LinearAttack
    from leadership_eval.reports.forms import _max_given_mean

    rng = np.random.default_rng(0)
    codes = [1, 2, 3, 4, 5]
    for _ in range(150):
        x = rng.integers(0, 8, 5)
        n, total = float(x.sum()), float(np.dot(codes, x))
        if n == 0:
            continue
        lp = LinearAttack(
            5, [(list(range(5)), [1.0] * 5, n), (list(range(5)), [float(c) for c in codes], total)]
        )
        for j in range(5):
            assert lp.bound(j, maximise=True) == pytest.approx(_max_given_mean(j, codes, n, total))


def test_a_funnel_drawn_again_is_drawn_the_same(
    published: tuple[Publication, dict[str, str]],
) -> None:
    import dataclasses

    from leadership_eval.reports import figures

    pub, _ = published
    scale = next(s for s in pub.scales if s.funnel)
    codes = [k for k, r in scale.rows.items() if r.status == "shown"]
    figures._FRAMES.clear()
    fresh = [figures.funnel_svg(scale, c, name_others=False) for c in codes]
    # every report after the first takes the frame drawn for the first: the same pictures
    assert [figures.funnel_svg(scale, c, name_others=False) for c in codes] == fresh
    # a scale whose published points change in place is drawn anew, not from its old frame
    own = dataclasses.replace(scale, rows=dict(scale.rows))
    figures.funnel_svg(own, codes[0])
    own.rows[codes[0]] = dataclasses.replace(scale.rows[codes[0]], mean=scale.high)  # type: ignore[index]
    redrawn = figures.funnel_svg(own, codes[0])
    figures._FRAMES.clear()
    assert redrawn == figures.funnel_svg(own, codes[0])
    assert redrawn != fresh[0]
