"""The intruder's attacks on what the reports publish.

Each test plays an intruder who holds every file ever released (every trust report, the
regional report, earlier runs) and knows some respondents, and checks that the attack fails.
Each attack recovered respondents' data from the reports of leadership-eval 0.1.0 (the
disclosure issue's findings 1-5, 7 and 8); the comments beside each test say what it recovered.
"""

from __future__ import annotations

import html
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

import leadership_eval as le
from leadership_eval.instruments.loader import loads_instrument
from leadership_eval.qualitative import read_segments, theme_summary

# a small survey (fast to protect): two trust codes that share a slug, one with a non-ASCII
# code; six statements and a scale
SURVEY_YAML = """
kind: survey
id: attack-survey
version: 1.0.0
title: Attack survey
respondent_id: rid
group_by: trust
choice_lists:
  trust:
    options:
      - {code: t01, label: Trust 01}
      - {code: t02, label: Trust 02}
      - {code: t03, label: Trust 03}
      - {code: t04, label: Trust 04}
      - {code: T01, label: Trust 01 North}
      - {code: ysbyty_ŵ, label: Ysbyty Ŵ}
      - {code: small, label: Small trust}
  agree5:
    ordered: true
    options:
      - {code: 1, label: Strongly disagree}
      - {code: 2, label: Disagree}
      - {code: 3, label: Neither}
      - {code: 4, label: Agree}
      - {code: 5, label: Strongly agree}
sections:
  - id: about
    title: About you
    items:
      - {id: rid, type: text, text: Id}
      - {id: trust, type: choice, choices: trust, text: Trust, disclosure: quasi}
  - id: views
    title: Views
    items:
      - {id: q1, type: likert, choices: agree5, text: Statement one}
      - {id: q2, type: likert, choices: agree5, text: Statement two}
      - {id: q3, type: likert, choices: agree5, text: Statement three}
      - {id: q4, type: likert, choices: agree5, text: Statement four}
      - {id: q5, type: likert, choices: agree5, text: Statement five}
      - {id: q6, type: likert, choices: agree5, text: Statement six}
      - {id: comment, type: text, text: Anything else?, disclosure: free_text}
scales:
  - {id: view, title: Views, items: [q1, q2, q3, q4, q5, q6], min_answered: 4}
"""

SURVEY = loads_instrument(SURVEY_YAML, "attack-survey.yaml")
ITEMS = ["q1", "q2", "q3", "q4", "q5", "q6"]
# the old reports' three categories, and every label a statement's answers can be shown under:
# the intruder knows the instrument (it is public), so each label names a set of option codes
OLD = {"disagree": frozenset({1, 2}), "neutral": frozenset({3}), "agree": frozenset({4, 5})}


def _label_codes() -> dict[str, frozenset[int]]:
    out = dict(OLD)
    try:
        from leadership_eval.reports.forms import levels_for
    except ImportError:  # the reports of 0.1.0, which the attacks were first run on
        return out
    cl = SURVEY.choice_lists["agree5"]
    for level in levels_for(cl):
        for label, codes in zip(level.labels, level.groups, strict=True):
            out[label.casefold()] = frozenset(codes)
    return out


LABEL_CODES = _label_codes()
TOP = frozenset({4, 5})


def _responses(sizes: dict[str, int], seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    trust = np.repeat(list(sizes), list(sizes.values()))
    n = len(trust)
    latent = rng.normal(0, 1, n)
    data = {"rid": [f"R{i:04d}" for i in range(n)], "trust": trust}
    for k, item in enumerate(ITEMS):
        raw = latent + rng.normal(0.4 + 0.1 * k, 1.0, n)
        data[item] = np.clip(np.round(raw + 3), 1, 5).astype(int)
    data["comment"] = [None] * n
    return pd.DataFrame(data)


def _files(out: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file()}


def _statement_rows(text: str, who: str) -> dict[str, dict[frozenset[int], float]]:
    """The intruder's reading of "the numbers behind the bars": statement -> codes -> %."""
    out: dict[str, dict[frozenset[int], float]] = {}
    for head, cells in re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', text, flags=re.S):
        head = html.unescape(head)
        if not head.endswith(f"({who})"):
            continue
        values = [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", cells)]
        dist: dict[frozenset[int], float] = {}
        try:  # the old reports: % disagree, % neutral, % agree
            dist = {OLD[c]: float(v) for c, v in zip(OLD, values[:3], strict=True)}
        except (ValueError, KeyError):
            for part in values[0].split(" · ") if values else []:
                m = re.fullmatch(r"(.+) (\d+)%", part.strip())
                if m and m.group(1).casefold() in LABEL_CODES:
                    dist[LABEL_CODES[m.group(1).casefold()]] = float(m.group(2))
        if dist:
            out[head[: -len(who) - 3]] = dist
    return out


def _collapse(
    dist: dict[frozenset[int], float], groups: list[frozenset[int]]
) -> list[float] | None:
    """The shares of ``groups`` from a distribution over finer (or equal) groups, if possible."""
    out = [0.0] * len(groups)
    for codes, pct in dist.items():
        home = [i for i, g in enumerate(groups) if codes <= g]
        if not home:
            return None
        out[home[0]] += pct
    return out


# ----------------------------------------------------------------------------------- 1


def _count_evidence(texts: dict[str, str], labels: list[str]) -> dict[str, list[int]]:
    """Every count printed for a trust anywhere: table cells, tooltips, labels, alt text."""
    evidence: dict[str, list[int]] = {lab: [] for lab in labels}
    for text in texts.values():
        plain = html.unescape(text)
        for lab in labels:
            esc = re.escape(lab)
            for m in re.finditer(esc + r"[^<]{0,60}?(\d[\d,]*) responses", plain):
                evidence[lab].append(int(m.group(1).replace(",", "")))
            for m in re.finditer(r"<b>([\d,]+)</b>" + esc + "<", plain):  # key facts
                evidence[lab].append(int(m.group(1).replace(",", "")))
            heads = [esc, "Total"] if lab == "Region" else [esc]  # the region's row
            for head in heads:
                for m in re.finditer(
                    r'<th scope="row">' + head + r'</th><td class="num">([\d,]+)(?:\.0+)?</td>',
                    plain,
                ):
                    evidence[lab].append(int(m.group(1).replace(",", "")))
    return evidence


def test_lp_intruder_cannot_pin_a_suppressed_or_pooled_count(tmp_path: Path) -> None:
    """Finding 1: tooltips printed each trust's exact count, also where the table suppressed
    it; region minus the trusts then gave the pooled small trusts' count exactly."""
    sizes = {"t01": 31, "t02": 22, "t03": 12, "t04": 9, "small": 3}
    data = _responses(sizes, seed=1)
    le.build_reports(SURVEY, data, tmp_path / "out")
    texts = _files(tmp_path / "out")
    labels = ["Trust 01", "Trust 02", "Trust 03", "Trust 04", "Other trusts (combined)", "Region"]
    evidence = _count_evidence(texts, labels)
    # the intruder reads the perturbation's bound and the rounding from the published methods
    page = html.unescape(texts.get("protection.html", ""))
    m = re.search(r"Largest change a count may get</th><td class=\"num\">(\d+)<", page)
    slack = int(m.group(1)) if m else 0
    # variables: the trusts and the pooled row; the region is their sum
    rows = labels[:-1]
    a_ub, b_ub = [], []
    for i, lab in enumerate([*rows, "Region"]):
        coef = np.ones(len(rows)) if lab == "Region" else np.eye(len(rows))[i]
        for value in evidence[lab]:
            a_ub.append(coef)
            b_ub.append(value + slack)
            a_ub.append(-coef)
            b_ub.append(-(value - slack))
    widths = {}
    for j, lab in enumerate(rows):
        if evidence[lab]:
            continue  # published: nothing to recover
        bounds = []
        for sign in (1, -1):
            c = np.zeros(len(rows))
            c[j] = sign
            res = linprog(c, A_ub=np.array(a_ub), b_ub=np.array(b_ub), bounds=(0, None))
            assert res.status in (0, 3)  # 3: unbounded, the intruder learns nothing
            bounds.append(sign * res.fun if res.status == 0 else math.inf)
        widths[lab] = bounds
    assert "Other trusts (combined)" in widths, "the pooled count of 3 was printed"
    for lab, (low, high) in widths.items():
        assert high >= 5, f"{lab} shown to be small: {low}-{high}"
        assert high - low >= 1, f"{lab} pinned to {low}"


# ----------------------------------------------------------------------------------- 2


def test_published_folder_holds_no_per_cell_log(tmp_path: Path) -> None:
    """Finding 2: the disclosure log went out with the reports, tagging each suppressed cell
    'primary' (true count 1..min_cell-1) or 'secondary'."""
    data = _responses({"t01": 31, "t02": 22, "t03": 12, "small": 3}, seed=2)
    le.build_reports(SURVEY, data, tmp_path / "out")
    for name, text in _files(tmp_path / "out").items():
        assert not name.endswith(".json"), name
        assert '"primary"' not in text and "'primary'" not in text, name
        assert "secondary" not in text.lower(), name
    log = tmp_path / "out-analyst" / "disclosure-log.json"
    assert log.is_file() and "primary" in log.read_text(encoding="utf-8")


# ----------------------------------------------------------------------------------- 3


@pytest.fixture(scope="module")
def differencing(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Reports of one data set, and of the same data less one respondent, for many leavers.

    Every run uses one fixed report key, as an evaluation's runs do. Left to make its own, each
    session of the suite drew a new key, and so new noise: over 16 keys the intruder's hit rate
    ranged from 5 points below the modal guess to 6 above it (1.2 above on average), one key
    in 28 failed the bound of the test below (10 points above), and 3 of 15 runs of this
    module failed.
    """
    sizes = {"t01": 44, "t02": 37, "t03": 29, "t04": 23}
    data = _responses(sizes, seed=3)
    base = tmp_path_factory.mktemp("diff")
    out = base / "out"
    key = b"attack suite: differencing runs."
    le.build_reports(SURVEY, data, out, key=key)
    first = _files(out)
    rng = np.random.default_rng(7)
    leavers = rng.choice(len(data), size=30, replace=False)
    runs = []
    for leaver in leavers:
        le.build_reports(SURVEY, data.drop(index=data.index[leaver]), out, key=key)
        runs.append((int(leaver), _files(out)))
    return {"data": data, "first": first, "runs": runs}


def test_differencing_two_runs_recovers_no_more_than_a_guess(
    differencing: dict[str, object],
) -> None:
    """Finding 3: percentages printed to 0.01 % (bar widths) or 1 % rebuilt every count, so
    two runs differing by one respondent gave that respondent's answers."""
    data = differencing["data"]
    assert isinstance(data, pd.DataFrame)
    first = differencing["first"]
    assert isinstance(first, dict)
    hits = modal_hits = total = 0
    for leaver, files in differencing["runs"]:  # type: ignore[attr-defined]
        row = data.iloc[leaver]
        label = f"Trust {str(row['trust'])[1:]}"
        name = next(n for n, t in first.items() if n.startswith("trust-") and f": {label}<" in t)
        before = _statement_rows(first[name], label)
        after = _statement_rows(files[name], label)
        region = _statement_rows(first[name], "Region")
        for k, item in enumerate(ITEMS):
            text = f"Statement {['one', 'two', 'three', 'four', 'five', 'six'][k]}"
            if text not in before or text not in after or text not in region:
                continue
            # compare the two runs in the finest grouping both show (else agree vs not)
            groups = sorted(before[text], key=min)
            if set(groups) != set(after[text]):
                groups = [frozenset({1, 2, 3}), TOP]
            b = _collapse(before[text], groups)
            a = _collapse(after[text], groups)
            reg = _collapse(region[text], groups)
            if a is None or b is None or reg is None:
                continue
            code = int(row[item])
            truth = next(i for i, g in enumerate(groups) if code in g)
            modal = int(np.argmax(reg))
            change = [x - y for x, y in zip(a, b, strict=True)]
            fell = int(np.argmin(change))
            guess = fell if change[fell] < 0 else modal
            hits += guess == truth
            modal_hits += modal == truth
            total += 1
    assert total >= 80, total
    attack, baseline = hits / total, modal_hits / total
    se = math.sqrt(max(baseline * (1 - baseline), 0.05) / total)
    assert attack <= baseline + 2 * se, (attack, baseline, total)


def test_differencing_means_recovers_no_more_than_the_region_mean(
    differencing: dict[str, object],
) -> None:
    """Finding 3, for means: n x mean before minus after was the leaver's scale score."""
    data = differencing["data"]
    assert isinstance(data, pd.DataFrame)
    first = differencing["first"]
    assert isinstance(first, dict)
    scores = le.score(SURVEY, data)["view"]
    errors_attack, errors_guess = [], []

    def reading(text: str, label: str) -> tuple[int, float] | None:
        plain = html.unescape(text)
        m = re.search(re.escape(label) + r": mean ([\d.]+), ([\d,]+) responses", plain)
        return (int(m.group(2).replace(",", "")), float(m.group(1))) if m else None

    region_mean = float(scores.mean())
    for leaver, files in differencing["runs"]:  # type: ignore[attr-defined]
        row = data.iloc[leaver]
        label = f"Trust {str(row['trust'])[1:]}"
        name = next(n for n, t in first.items() if n.startswith("trust-") and f": {label}<" in t)
        a, b = reading(first[name], label), reading(files[name], label)
        if a is None or b is None or math.isnan(scores.iloc[leaver]):
            continue
        estimate = a[0] * a[1] - b[0] * b[1]
        errors_attack.append((estimate - scores.iloc[leaver]) ** 2)
        errors_guess.append((region_mean - scores.iloc[leaver]) ** 2)
    assert len(errors_attack) >= 15
    rmse_attack = math.sqrt(float(np.mean(errors_attack)))
    rmse_guess = math.sqrt(float(np.mean(errors_guess)))
    assert rmse_attack >= rmse_guess, (rmse_attack, rmse_guess)


# ----------------------------------------------------------------------------------- 4


def test_unanimous_small_group_is_not_shown_as_100_percent(tmp_path: Path) -> None:
    """Finding 4: everyone in a trust agreeing showed as 100 % agree: everyone's answer known."""
    data = _responses({"t01": 31, "t02": 22, "t03": 12}, seed=4)
    data.loc[data["trust"] == "t03", "q2"] = 5
    le.build_reports(SURVEY, data, tmp_path / "out")
    texts = _files(tmp_path / "out")
    name = next(n for n, t in texts.items() if n.startswith("trust-") and ": Trust 03<" in t)
    rows = _statement_rows(texts[name], "Trust 03")
    if "Statement two" in rows:
        shares = _collapse(rows["Statement two"], [frozenset({1, 2, 3}), TOP])
        assert shares is None or max(shares) < 100
    assert "almost all" in texts[name]


# ----------------------------------------------------------------------------------- 5


def _segments(order_seed: int | None = None) -> pd.DataFrame:
    rows = []
    people = [("P1", "trainee"), ("P2", "trainee"), ("P3", "trainee"), ("P4", "manager"),
              ("P5", "manager")]  # fmt: skip
    for pid, role in people:
        for k in range(2):
            rows.append(
                {
                    "participant": pid,
                    "role": role,
                    "trust": "t01",
                    "codes": "act_brokering",
                    "text": f"{pid} said the mentor found them project number {k}.",
                }
            )
    frame = pd.DataFrame(rows)
    if order_seed is not None:
        frame = frame.sample(frac=1, random_state=order_seed).reset_index(drop=True)
    return frame


def test_quotes_name_no_role_held_by_too_few_and_do_not_depend_on_row_order() -> None:
    """Finding 5: a quote was attributed to 'manager' when two managers took part, and which
    quote was shown depended on the order of the rows."""
    outs = [theme_summary(read_segments(_segments(seed))) for seed in (None, 1, 2, 3)]
    for out in outs:
        for _, r in out.dropna(subset=["quote"]).iterrows():
            speaker = re.match(r"(P\d)", str(r["quote"]))
            assert speaker is not None
            if speaker.group(1) in ("P4", "P5"):  # two managers in the trust: < 3
                assert r["quote_role"] != "manager", r.to_dict()
    quotes = [tuple(o["quote"].fillna("")) for o in outs]
    assert len(set(quotes)) == 1, quotes


# ----------------------------------------------------------------------------------- 7


def test_gmc_preset_publishes_no_comment_of_a_three_person_trust(tmp_path: Path) -> None:
    """Finding 7: under gmc-nts a 3-person trust got a full report with its verbatim,
    self-identifying comments."""
    data = _responses({"t01": 31, "t02": 22, "t03": 3}, seed=5)
    planted = "As the only LTFT paediatric registrar here I never get a chance to lead."
    data.loc[data["trust"] == "t03", "comment"] = planted
    le.build_reports(SURVEY, data, tmp_path / "out", policy="gmc-nts")
    for name, text in _files(tmp_path / "out").items():
        assert "LTFT paediatric registrar" not in text, name


# ----------------------------------------------------------------------------------- 8


def test_trust_codes_that_share_a_slug_get_their_own_reports(tmp_path: Path) -> None:
    """Finding 8: 't01' and 'T01' (or two non-ASCII codes) wrote the same file, so a mentor
    could receive another trust's report."""
    data = _responses({"t01": 20, "T01": 18, "ysbyty_ŵ": 15, "t02": 16}, seed=6)
    result = le.build_reports(SURVEY, data, tmp_path / "out")
    paths = result.trust_reports
    assert len(set(paths.values())) == 4
    labels = {"t01": "Trust 01", "T01": "Trust 01 North", "ysbyty_ŵ": "Ysbyty Ŵ", "t02": "Trust 02"}
    for code, path in paths.items():
        text = path.read_text(encoding="utf-8")
        assert f"<strong>{html.escape(labels[code])}</strong>" in text, code
    assert len(list((tmp_path / "out").glob("trust-*.html"))) == 4


# ----------------------------------------------------------------------------------- 1


def test_nhs_hes_rounding_holds_in_every_published_count(tmp_path: Path) -> None:
    """Finding 1: under nhs-hes the table said 55 and the tooltip 53."""
    data = _responses({"t01": 41, "t02": 33, "t03": 26}, seed=8)
    le.build_reports(SURVEY, data, tmp_path / "out", policy="nhs-hes")
    evidence = _count_evidence(
        _files(tmp_path / "out"), ["Trust 01", "Trust 02", "Trust 03", "Region"]
    )
    assert all(evidence.values())
    for label, counts in evidence.items():
        assert all(c % 5 == 0 for c in counts), (label, counts)
