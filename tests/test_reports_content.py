"""What mentors and the regional lead read: every statement in some form, the instrument's labels
and polarity, formative framing, response rates, waves, recommendations, print and contrast."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import leadership_eval as le
from leadership_eval.cli import app
from leadership_eval.demo import _segments, simulate_evaluation
from leadership_eval.instruments.loader import loads_instrument
from leadership_eval.reports.analyse import analyse
from leadership_eval.reports.forms import levels_for
from leadership_eval.reports.publish import publish

SECRET = b"content tests' report key, 32 b."
TEMPLATE = Path(le.__file__).parent / "reports" / "templates" / "base.html.j2"


@pytest.fixture(scope="module")
def demo() -> object:
    return simulate_evaluation(seed=2024)


def test_nearly_every_statement_row_is_shown_at_trust_level(demo: object) -> None:
    """At least 95 % of the demo's statement rows are shown in some protected form.

    Follow-ups asked only of those who took part in one activity (the trainee survey's
    ``learned_<activity>``, asked of a few trainees per trust) are counted apart: the region
    shows each of them."""
    shown = total = 0
    for survey, frame in (
        ("trainee-survey", demo.trainees),
        ("supervisor-survey", demo.supervisors),
    ):  # type: ignore[attr-defined]
        pub, _ = publish(analyse(survey, frame), SECRET)
        model = le.load_instrument(survey)
        for item in pub.items:
            if (model.item(item.item_id).show_if or "").startswith("selected(activities,"):
                assert item.rows["Region"].status == "shown", item.item_id
                continue
            for g in pub.groups:
                row = item.rows[g.code]
                if row.status == "missing":
                    continue
                total += 1
                shown += row.status in ("shown", "dominated")
    assert total > 500
    assert shown / total >= 0.95, (shown, total)


def test_labels_and_polarity_come_from_the_instrument() -> None:
    survey = le.load_instrument("trainee-survey")
    conf = levels_for(survey.choice_lists["confidence5"])  # type: ignore[union-attr]
    assert conf[0].labels[-1] == "Extremely confident"
    assert conf[1].labels == (
        "Not at all or slightly confident",
        "Moderately confident",
        "Very or extremely confident",
    )
    agree = survey.choice_lists["agree5"]  # type: ignore[union-attr]
    forward, reverse = levels_for(agree), levels_for(agree, reverse=True)
    assert forward[0].favourable[-1] is True and reverse[0].favourable[-1] is False
    data = le.simulate_responses(survey, 90, groups={"t01": 45, "t02": 45}, seed=1)
    pub, _ = publish(analyse(survey, data), SECRET)
    items = {i.item_id: i for i in pub.items}
    reversed_ids = {i for sc in survey.scales for i in sc.reverse}  # type: ignore[union-attr]
    for item_id, item in items.items():
        row = item.rows["Region"]
        if row.level != "full" or row.percents is None:
            continue
        top_tone = row.tones[-1]
        assert top_tone == ("neg2" if item_id in reversed_ids else "pos2"), item_id
    conf_item = next(i for i in pub.items if i.item_id.startswith("conf_"))
    assert "Extremely confident" in conf_item.options


def test_the_top_of_a_four_point_list_has_the_strongest_colour() -> None:
    from leadership_eval.reports.publish import _tones

    survey = le.load_instrument("trainee-survey")
    four = next(cl for cl in survey.choice_lists.values() if cl.ordered and len(cl.options) == 4)  # type: ignore[union-attr]
    assert _tones(levels_for(four)[0]) == ("neg2", "neg1", "pos1", "pos2")
    assert _tones(levels_for(four, reverse=True)[0]) == ("pos2", "pos1", "neg1", "neg2")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, demo: object) -> dict[str, object]:
    import numpy as np

    data = demo.trainees  # type: ignore[attr-defined]
    keep = data["trust"].isin(["t01", "t02", "t04", "t05", "t06", "t07", "t03"])
    out = tmp_path_factory.mktemp("content") / "reports"
    segments = _segments(np.random.default_rng(5), ["t01", "t02", "t04", "t05"], "t02")
    result = le.build_reports(
        "trainee-survey",
        data[keep],
        out,
        eligible=demo.eligible,  # type: ignore[attr-defined]
        previous=demo.trainees_before[demo.trainees_before["trust"].isin(["t01", "t02", "t04"])],  # type: ignore[attr-defined]
        previous_label="2025",
        segments=segments,
        key=SECRET,
        code_trusts=True,
    )
    texts = {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()}
    return {"result": result, "texts": texts}


def test_a_mentor_report_names_no_other_trust(built: dict[str, object]) -> None:
    result = built["result"]
    texts = built["texts"]
    assert isinstance(result, le.ReportSet) and isinstance(texts, dict)
    labels = {g.code: g.label for g in result.publication.groups}  # type: ignore[union-attr]
    for code, path in result.trust_reports.items():
        text = texts[path.name]
        for other, label in labels.items():
            if other != code:
                assert f"{label}:" not in text and f">{label}<" not in text, (code, label)
        assert "What this means for" in text
        assert ">Flag<" not in text  # flags are off in mentor reports by default


def test_regional_report_codes_trusts_for_publication(built: dict[str, object]) -> None:
    texts = built["texts"]
    assert isinstance(texts, dict)
    regional = texts["regional.html"]
    assert "Trust A" in regional and "Trust B" in regional
    assert not re.search(r">Trust 0\d<", regional)


def test_response_rates_have_their_denominators(built: dict[str, object]) -> None:
    result = built["result"]
    texts = built["texts"]
    assert isinstance(result, le.ReportSet) and isinstance(texts, dict)
    pub = result.publication
    assert pub is not None
    for code, path in result.trust_reports.items():
        rate = pub.response_rates[code]
        invited = pub.eligible[code]
        if rate is None:  # the trust's count is not published
            continue
        assert f"about {rate}%" in texts[path.name]
        assert f"of {invited:,} invited" in texts[path.name]
    low = [c for c, r in pub.response_rates.items() if r is not None and r < 30]
    for code in low:
        assert "Fewer than a third" in texts[result.trust_reports[code].name]


def test_previous_wave_is_shown_beside_this_one(built: dict[str, object]) -> None:
    result = built["result"]
    texts = built["texts"]
    assert isinstance(result, le.ReportSet) and isinstance(texts, dict)
    pub = result.publication
    assert pub is not None and pub.changes and pub.previous_label == "2025"
    text = texts[result.trust_reports["t01"].name]
    assert "Since the last wave" in text and "Trust 01: 2025" in text


def test_recommendations_come_from_the_codebook_with_evidence(built: dict[str, object]) -> None:
    texts = built["texts"]
    assert isinstance(texts, dict)
    regional = texts["regional.html"]
    section = regional[regional.index('id="recommendations"') :]
    assert "Recommendations for the scheme" in section
    assert "Raised by" in section
    assert "For the evaluation team to complete" not in regional


def test_counts_stay_integers_and_intervals_stay_on_the_scale(built: dict[str, object]) -> None:
    result = built["result"]
    texts = built["texts"]
    assert isinstance(result, le.ReportSet) and isinstance(texts, dict)
    for name, text in texts.items():
        assert not re.search(r'<td class="num">\d[\d,]*\.00</td>', text), name
    for scale in result.publication.scales:  # type: ignore[union-attr]
        for r in scale.rows.values():
            for v in (r.ci_low, r.ci_high, r.mean):
                assert v is None or scale.low <= v <= scale.high


def test_flags_in_mentor_reports_only_when_the_policy_says(tmp_path: Path) -> None:
    data = le.simulate_responses(
        "trainee-survey", 60, groups={"t01": 30, "t02": 30}, group_effects={"t02": -2}, seed=4
    )
    policy = le.DisclosurePolicy(name="flags", flags_in_mentor_reports=True)
    result = le.build_reports("trainee-survey", data, tmp_path / "r", policy=policy, key=SECRET)
    assert ">Flag<" in result.trust_reports["t01"].read_text(encoding="utf-8")


def test_low_or_negative_alpha_is_explained() -> None:
    survey = loads_instrument(
        """
kind: survey
id: alpha-survey
version: 1.0.0
title: Alpha
group_by: trust
choice_lists:
  a5:
    ordered: true
    options: [{code: 1, label: One}, {code: 2, label: Two}, {code: 3, label: Three},
              {code: 4, label: Four}, {code: 5, label: Five}]
sections:
  - id: s
    title: S
    items:
      - {id: trust, type: text, text: Trust}
      - {id: a, type: likert, choices: a5, text: A}
      - {id: b, type: likert, choices: a5, text: B}
scales:
  - {id: sc, title: Opposed items, items: [a, b]}
""",
        "alpha.yaml",
    )
    import numpy as np

    rng = np.random.default_rng(3)
    a = rng.integers(1, 6, 60)
    b = np.clip(6 - a + rng.integers(-1, 2, 60), 1, 5)  # worded the other way, not reversed
    data = pd.DataFrame({"trust": ["t1"] * 30 + ["t2"] * 30, "a": a, "b": b})
    pub, _ = publish(analyse(survey, data), SECRET)
    assert "negative" in pub.reliability_notes["Opposed items"]


def test_eligible_file_from_the_command_line(tmp_path: Path) -> None:
    data = le.simulate_responses("trainee-survey", 60, groups={"t01": 30, "t02": 30}, seed=5)
    csv = tmp_path / "r.csv"
    data.to_csv(csv, index=False)
    eligible = tmp_path / "eligible.csv"
    eligible.write_text("trust,eligible\nt01,120\nt02,60\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "report",
            "trainee-survey",
            str(csv),
            "--out",
            str(out),
            "--eligible",
            str(eligible),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "of 120 invited" in (out / "trust-t01.html").read_text(encoding="utf-8")
    eligible.write_text("trust,eligible\nt01,many\n", encoding="utf-8")
    result = CliRunner().invoke(
        app,
        [
            "report",
            "trainee-survey",
            str(csv),
            "--out",
            str(out),
            "--eligible",
            str(eligible),
            "-q",
        ],
    )
    assert result.exit_code != 0 and "row 2" in result.output and "Traceback" not in result.output


def _luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    rgb = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_every_text_colour_has_a_contrast_of_at_least_4_5() -> None:
    """WCAG 2.1 AA for normal text, computed from the report stylesheet."""
    css = TEMPLATE.read_text(encoding="utf-8")
    css = css[css.index("<style>") : css.index("</style>")]
    variables = dict(re.findall(r"--([a-z]+):\s*(#[0-9a-fA-F]{3,6})", css))

    def resolve(value: str) -> str | None:
        value = value.strip().removesuffix("!important").strip()
        m = re.fullmatch(r"var\(--([a-z]+)\)", value)
        if m:
            return variables.get(m.group(1))
        return value if re.fullmatch(r"#[0-9a-fA-F]{3,6}", value) else None

    checked = 0
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        decls = dict(
            (k.strip(), v.strip())
            for k, v in (d.split(":", 1) for d in body.split(";") if ":" in d)
        )
        if "color" not in decls:
            continue
        colour = resolve(decls["color"])
        background = resolve(decls.get("background", decls.get("background-color", "#ffffff")))
        if colour is None or background is None:
            continue
        checked += 1
        assert _contrast(colour, background) >= 4.5, (selector.strip(), colour, background)
    assert checked >= 15
    # SVG text colours are fills on the white plot background
    for selector, body in re.findall(r"(svg\.funnel [^{}]+)\{([^{}]*)\}", css):
        fill = re.search(r"fill:\s*([^;]+)", body)
        if fill and "font" in body:
            colour = resolve(fill.group(1))
            assert colour is not None and _contrast(colour, "#ffffff") >= 4.5, selector
