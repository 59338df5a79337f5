"""The shipped instruments: they validate, cover every objective and follow the item-writing rules.

The coverage matrix in ``instruments/README.md`` is generated from the catalogue; when it goes
stale, regenerate it with::

    .venv/bin/python tests/test_instruments_catalogue.py --write-readme
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd
import pytest

from leadership_eval.instruments.catalogue import Catalogue, coverage_matrix, load_catalogue
from leadership_eval.instruments.expressions import parse_expression
from leadership_eval.instruments.loader import load_instrument
from leadership_eval.instruments.models import (
    Codebook,
    Evaluation,
    Guidance,
    InterviewGuide,
    Survey,
    text_in,
)
from leadership_eval.policy import DisclosurePolicy

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "instruments"
README = FOLDER / "README.md"
START = "<!-- coverage-matrix:start (generated: do not edit by hand) -->"
END = "<!-- coverage-matrix:end -->"
REGENERATE = ".venv/bin/python tests/test_instruments_catalogue.py --write-readme"

OBJECTIVES = ["O1", "O2", "O3", "O4", "O5", "O6", "O7"]
EXPECTED_IDS = {
    "clm-evaluation",
    "trainee-survey",
    "supervisor-survey",
    "mentor-activity-log",
    "interview-trainee",
    "interview-supervisor",
    "interview-manager",
    "interview-mentor",
    "co-researcher-guidance",
    "clm-codebook",
}

# The nine dimensions of the NHS Healthcare Leadership Model (NHS Leadership Academy, 2013) and
# the five domains of the Medical Leadership Competency Framework (NHS Institute for Innovation
# and Improvement & Academy of Medical Royal Colleges, 3rd ed., 2010): names only.
HLM = {
    "Inspiring shared purpose",
    "Leading with care",
    "Evaluating information",
    "Connecting our service",
    "Sharing the vision",
    "Engaging the team",
    "Holding to account",
    "Developing capability",
    "Influencing for results",
}
MLCF = {
    "Demonstrating personal qualities",
    "Working with others",
    "Managing services",
    "Improving services",
    "Setting direction",
}


# ----------------------------------------------------------------------------- helpers


def coverage_table(matrix: pd.DataFrame) -> str:
    """The coverage matrix as the Markdown table kept in instruments/README.md."""
    # sorted by instrument id, so the table does not depend on the order files were found in
    columns = sorted(c for c in matrix.columns if c != "covered")
    header = "| objective | " + " | ".join(f"`{c}`" for c in columns) + " | covered |"
    rule = "|---|" + "---:|" * len(columns) + ":---:|"
    rows = [
        f"| {objective} | "
        + " | ".join(str(int(row[c])) for c in columns)
        + f" | {'yes' if row['covered'] else '**no**'} |"
        for objective, row in matrix.iterrows()
    ]
    return "\n".join([header, rule, *rows])


def readme_table(text: str) -> str:
    """The table between the coverage markers of the README."""
    if START not in text or END not in text:
        raise AssertionError(
            f"instruments/README.md lacks the coverage-matrix markers; run {REGENERATE}"
        )
    return text.split(START, 1)[1].split(END, 1)[0].strip()


def write_readme() -> None:
    """Rewrite the coverage table of instruments/README.md from the bundled catalogue."""
    text = README.read_text(encoding="utf-8")
    table = coverage_table(coverage_matrix(load_catalogue(FOLDER)))
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    README.write_text(f"{before}{START}\n{table}\n{END}{after}", encoding="utf-8")


NEGATORS = re.compile(r"\b(not|no|never|none|nobody|nothing|neither|nor|without)\b|n't\b", re.I)
# words that start with un-/dis- without being negations
_NOT_PREFIXED = re.compile(
    r"^(under\w*|understand\w*|unit\w*|univers\w*|uniq\w*|union|discuss\w*|distinct\w*|"
    r"distress\w*|district\w*|disc|display\w*|distance|distribut\w*)$",
    re.I,
)
NEGATIVE_PREFIX = re.compile(r"\b(un|dis)[a-z]{3,}\b", re.I)


def is_double_negative(text: str) -> bool:
    """Heuristic: a negator together with an un-/dis- word ("I am not unhappy")."""
    if not NEGATORS.search(text):
        return False
    return any(not _NOT_PREFIXED.match(m.group(0)) for m in NEGATIVE_PREFIX.finditer(text))


QUESTION_WORDS = (
    r"how|what|why|when|where|who|whom|which|do|does|did|is|are|was|were|have|has|had|would|"
    r"will|can|could|should"
)
JOINED_QUESTIONS = re.compile(rf"\band\s+({QUESTION_WORDS})\b", re.I)


def double_barrelled(text: str, item_type: str) -> str:
    """Heuristic: why an item looks like two questions in one ('' when it does not).

    Any item with two question marks, or with 'and' followed by a question word ("... and how
    often ..."); a likert statement (rated as one idea on one scale) with any 'and' at all.
    """
    if text.count("?") > 1:
        return "two question marks"
    if JOINED_QUESTIONS.search(text):
        return "'and' joins a second question"
    if item_type == "likert" and re.search(r"\band\b", text, re.I):
        return "'and' in a likert statement"
    return ""


def words(text: str) -> int:
    return len(text.split())


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="module")
def trainee(catalogue: Catalogue) -> Survey:
    survey = catalogue["trainee-survey"]
    assert isinstance(survey, Survey)
    return survey


# -------------------------------------------------------------------- the catalogue loads


def test_bundled_catalogue_validates_and_holds_every_instrument(catalogue: Catalogue) -> None:
    assert set(catalogue) == EXPECTED_IDS
    # the folder in the source tree is the same catalogue as the installed package data
    from_folder = load_catalogue(FOLDER)
    assert set(from_folder) == set(catalogue)
    for ident in catalogue:
        assert from_folder[ident] == catalogue[ident]
        # every bundled instrument loads by its id (file names need not match ids)
        assert load_instrument(ident) == catalogue[ident]


def test_cli_validate_accepts_the_folder() -> None:
    from typer.testing import CliRunner

    from leadership_eval.cli import app

    result = CliRunner().invoke(app, ["validate", str(FOLDER)])
    assert result.exit_code == 0, result.output
    assert "10 instruments valid" in result.output


def test_ids_unique(catalogue: Catalogue) -> None:
    ids = [load_instrument(path).id for path in sorted(FOLDER.glob("*.yaml"))]
    assert len(ids) == len(set(ids)) == len(EXPECTED_IDS)
    for survey in catalogue.surveys:
        names = [i.id for i in survey.items] + [s.id for s in survey.scales]
        assert len(names) == len(set(names)), survey.id
        sections = [s.id for s in survey.sections]
        assert len(set(sections)) == len(sections), survey.id
        # XLSForm gives groups and questions one namespace: a section may not share an item id
        assert not set(sections) & set(names), survey.id
    for guide in catalogue.guides:
        qs = [q.id for t in guide.topics for q in t.questions]
        assert len(qs) == len(set(qs)), guide.id
    codebook = catalogue["clm-codebook"]
    assert isinstance(codebook, Codebook)
    codes = [c.id for _, c in codebook.walk()]
    assert len(codes) == len(set(codes))


def test_every_instrument_has_licence_authors_and_changelog(catalogue: Catalogue) -> None:
    for ident, inst in catalogue.items():
        assert inst.licence == "CC-BY-4.0", ident
        assert inst.authors and all(a.name for a in inst.authors), ident
        assert inst.version == "1.0.0", ident
        entries = [e for e in inst.changelog if e.version == inst.version]
        assert len(entries) == 1 and entries[0].changes, ident
        assert inst.description, ident


# ------------------------------------------------------------------- evaluation & coverage


def test_evaluation_document(catalogue: Catalogue) -> None:
    ev = catalogue.evaluation
    assert isinstance(ev, Evaluation)
    assert ev.id == "clm-evaluation"
    assert ev.objective_ids == OBJECTIVES
    assert all(text_in(o.text) for o in ev.objectives)
    assert ev.groups == 19
    assert ev.case_studies is not None
    assert (ev.case_studies.sites, ev.case_studies.of) == (6, 19)
    assert ev.case_studies.selection and ev.case_studies.fieldwork
    assert len(ev.case_studies.participants) >= 4
    # the evaluation lists every other instrument, once
    assert sorted(ev.instruments) == sorted(EXPECTED_IDS - {ev.id})
    # the default preset's values
    default = DisclosurePolicy()
    assert ev.disclosure.min_group == default.min_group == 5
    assert ev.disclosure.min_cell == default.min_cell == 5
    assert ev.disclosure.min_participants_theme == default.min_participants_theme == 3
    assert ev.disclosure.quote_attribution == "role"


def test_every_objective_is_served(catalogue: Catalogue) -> None:
    assert catalogue.uncovered() == []
    coverage = catalogue.coverage()
    for objective in OBJECTIVES:
        assert sum(coverage[objective].values()) > 0, objective
    matrix = coverage_matrix(catalogue)
    assert list(matrix.index) == OBJECTIVES
    assert bool(matrix["covered"].all())
    # every instrument except the evaluation serves at least one objective
    assert (matrix.drop(columns="covered").sum(axis=0) > 0).all()


def test_readme_coverage_matrix_is_current(catalogue: Catalogue) -> None:
    expected = coverage_table(coverage_matrix(catalogue))
    found = readme_table(README.read_text(encoding="utf-8"))
    assert found == expected, (
        "the coverage matrix in instruments/README.md is stale; regenerate it with "
        f"`{REGENERATE}`\n--- expected ---\n{expected}\n--- found ---\n{found}"
    )


def test_coverage_table_renders_counts_and_flags_uncovered() -> None:
    matrix = pd.DataFrame(
        {"a-survey": [2, 0], "covered": [True, False]},
        index=pd.Index(["O1", "O2"], name="objective"),
    )
    assert coverage_table(matrix) == (
        "| objective | `a-survey` | covered |\n|---|---:|:---:|\n"
        "| O1 | 2 | yes |\n| O2 | 0 | **no** |"
    )


# -------------------------------------------------------------------------- trainee survey


def test_trainee_survey_design(trainee: Survey) -> None:
    assert trainee.respondent_id == "respondent_id"
    assert trainee.item("respondent_id").type == "text"
    assert trainee.item("respondent_id").disclosure == "direct"
    assert trainee.group_by == "trust"
    quasi = {i.id for i in trainee.items_with("quasi")}
    assert {"trust", "trust_type", "specialty", "grade", "ltft"} <= quasi
    trust = trainee.choices_for("trust")
    assert trust is not None
    assert trust.codes == [f"t{n:02d}" for n in range(1, 20)]
    assert [text_in(o.label) for o in trust.options] == [f"Trust {n:02d}" for n in range(1, 20)]
    assert trainee.item("activities").type == "multi_choice"
    assert trainee.item("meanings").type == "multi_choice"


def test_trainee_survey_scales(trainee: Survey) -> None:
    scales = [s for s in trainee.scales if len(s.items) >= 3]
    assert len(scales) >= 4
    with_reverse = [s for s in scales if s.reverse]
    assert len(with_reverse) >= 3
    for scale in trainee.scales:
        assert 3 <= len(scale.items) <= 6, scale.id
        assert scale.min_answered is not None, scale.id
        assert scale.required_answers() < len(scale.items), scale.id
        # reverse keying (min + max - x) needs one scored range across the scale's items
        lists = {trainee.item(i).choices for i in scale.items}
        assert len(lists) == 1, scale.id
        cl = trainee.choices_for(scale.items[0])
        assert cl is not None and cl.ordered and cl.numeric
        assert cl.missing_codes, f"{scale.id}: no declared missing codes"
        # reversed items are a minority: the scale keeps its direction
        assert len(scale.reverse) < len(scale.items) / 2 + 0.01, scale.id


def test_agree5_declares_missing_codes(trainee: Survey) -> None:
    agree5 = trainee.choice_lists["agree5"]
    assert agree5.ordered
    assert agree5.codes == [1, 2, 3, 4, 5]
    assert agree5.missing_codes == [8, 9]
    assert agree5.label_of(8) == "Not applicable"
    assert agree5.label_of(9) == "Prefer not to say"


def test_agreement_lists_are_balanced(catalogue: Catalogue) -> None:
    # as many agree as disagree options, mirrored around a neutral midpoint
    found = 0
    for survey in catalogue.surveys:
        for name, cl in survey.choice_lists.items():
            if not name.startswith("agree"):
                continue
            found += 1
            labels = [text_in(o.label).lower() for o in cl.options]
            assert cl.ordered and len(labels) == 5, f"{survey.id}:{name}"
            assert labels[2] == "neither agree nor disagree", f"{survey.id}:{name}"
            assert all("disagree" in lab for lab in labels[:2]), f"{survey.id}:{name}"
            assert all("disagree" not in lab for lab in labels[3:]), f"{survey.id}:{name}"
            assert labels[0].startswith("strongly") and labels[4].startswith("strongly")
            assert cl.missing_codes, f"{survey.id}:{name}: no declared missing codes"
    assert found >= 3


def test_trainee_survey_skip_logic(trainee: Survey) -> None:
    conditions = {i.id: i.show_if for i in trainee.items if i.show_if}
    # one origin question per activity, each shown only when that activity was selected
    activity = trainee.choices_for("activities")
    assert activity is not None
    for code in activity.codes:
        assert conditions[f"origin_{code}"] == f"selected(activities, '{code}')"
    assert "mentor_aware" in parse_expression(conditions["mentor_contact"]).names
    assert "mentor_contact" in parse_expression(conditions["mentor_useful"]).names
    # the mentor chain behaves as intended on a few respondents
    items = {i.id: i.type for i in trainee.items}
    data = pd.DataFrame(
        {
            "activities": ["qi audit", "", None, "mentor"],
            "mentor_aware": pd.array([1, 1, 0, None], dtype="Int64"),
            "mentor_contact": pd.array([1, 0, None, None], dtype="Int64"),
        }
    )
    shown = {
        name: parse_expression(conditions[name]).evaluate(data, item_types=items).tolist()
        for name in ("origin_qi", "origin_course", "mentor_contact", "mentor_useful")
    }
    assert shown["origin_qi"] == [True, False, False, False]
    assert shown["origin_course"] == [False, False, False, False]
    assert shown["mentor_contact"] == [True, True, False, False]
    assert shown["mentor_useful"] == [True, False, False, False]


def test_confidence_items_tagged_to_both_frameworks(trainee: Survey) -> None:
    scale = trainee.scale("leadership_confidence")
    hlm: set[str] = set()
    mlcf: set[str] = set()
    for ident in scale.items:
        item = trainee.item(ident)
        assert item.frameworks.get("hlm") and item.frameworks.get("mlcf"), ident
        assert set(item.frameworks["hlm"]) <= HLM, ident
        assert set(item.frameworks["mlcf"]) <= MLCF, ident
        hlm.update(item.frameworks["hlm"])
        mlcf.update(item.frameworks["mlcf"])
    assert hlm == HLM and mlcf == MLCF
    assert set(scale.frameworks["hlm"]) == HLM
    assert set(scale.frameworks["mlcf"]) == MLCF


# --------------------------------------------------------------------- item-writing rules


def test_double_negative_heuristic_detects_and_passes() -> None:
    assert is_double_negative("I am not unhappy with my training.")
    assert is_double_negative("Leadership is never disconnected from care.")
    assert not is_double_negative("Trainees' ideas are usually ignored in this trust.")
    assert not is_double_negative("I do not discuss leadership.")  # discuss: no prefix
    assert not is_double_negative("I am unhappy with my training.")


def test_reverse_keyed_items_are_reversed_in_meaning(catalogue: Catalogue) -> None:
    reversed_items = 0
    for survey in catalogue.surveys:
        for scale in survey.scales:
            for ident in scale.reverse:
                text = text_in(survey.item(ident).text)
                reversed_items += 1
                assert not is_double_negative(text), f"{survey.id}:{ident}: {text}"
                # stricter: reversal comes from meaning, not from a negation
                assert not NEGATORS.search(text), f"{survey.id}:{ident} is negated: {text}"
    assert reversed_items >= 5


def test_no_double_negatives_anywhere(catalogue: Catalogue) -> None:
    for survey in catalogue.surveys:
        for item in survey.questions:
            text = text_in(item.text)
            assert not is_double_negative(text), f"{survey.id}:{item.id}: {text}"


def test_double_barrelled_heuristic() -> None:
    assert double_barrelled("Do you lead and how often?", "choice")
    assert double_barrelled("I enjoy leading and I am good at it.", "likert")
    assert double_barrelled("Are you aware? Have you met them?", "choice")
    assert not double_barrelled(
        "Which activities came about through rota and forum roles?", "choice"
    )
    assert not double_barrelled("I see myself as a leader.", "likert")


def test_items_are_short_and_ask_one_thing(catalogue: Catalogue) -> None:
    problems = []
    for survey in catalogue.surveys:
        for item in survey.questions:
            text = text_in(item.text)
            if words(text) > 25:
                problems.append(f"{survey.id}:{item.id}: {words(text)} words")
            why = double_barrelled(text, item.type)
            if why:
                problems.append(f"{survey.id}:{item.id}: {why}: {text}")
    for guide in catalogue.guides:
        for topic in guide.topics:
            for q in topic.questions:
                text = text_in(q.text)
                if words(text) > 25:
                    problems.append(f"{guide.id}:{q.id}: {words(text)} words")
    assert not problems, "\n".join(problems)


def test_free_text_and_identifiers_are_declared(catalogue: Catalogue) -> None:
    for survey in catalogue.surveys:
        assert survey.respondent_id is not None, survey.id
        assert survey.group_by == "trust", survey.id
        assert survey.item("trust").disclosure == "quasi", survey.id
        for item in survey.items:
            if item.type == "text":
                # every text answer is either the platform's id or free text that gets redacted
                assert item.disclosure in ("direct", "free_text"), f"{survey.id}:{item.id}"
            if item.type == "number":
                assert item.min is not None and item.max is not None, f"{survey.id}:{item.id}"


# ----------------------------------------------------------------- shared lists and others


def test_shared_lists_match_across_surveys(catalogue: Catalogue) -> None:
    trainee = catalogue["trainee-survey"]
    log = catalogue["mentor-activity-log"]
    supervisor = catalogue["supervisor-survey"]
    assert isinstance(trainee, Survey) and isinstance(log, Survey)
    assert isinstance(supervisor, Survey)
    t_acts = trainee.choices_for("activities")
    l_acts = log.choices_for("activity_type")
    assert t_acts is not None and l_acts is not None
    assert t_acts.codes == l_acts.codes
    assert [o.label for o in t_acts.options] == [o.label for o in l_acts.options]
    assert {"qi", "audit", "committee", "rep", "teaching", "shadowing", "fellowship"} <= set(
        t_acts.codes
    )
    assert "course" in t_acts.codes
    for other in (log, supervisor):
        assert other.choice_lists["trust"] == trainee.choice_lists["trust"], other.id
        assert other.choice_lists["grade"] == trainee.choice_lists["grade"], other.id


def test_supervisor_survey(catalogue: Catalogue) -> None:
    sup = catalogue["supervisor-survey"]
    assert isinstance(sup, Survey)
    assert len([s for s in sup.scales if len(s.items) >= 3]) >= 2
    n = sup.item("n_supervisees")
    assert n.type == "number" and n.integer and n.min == 0 and n.max is not None
    values = {i.id for i in sup.items if i.id.startswith("value_")}
    assert {
        "value_broker",
        "value_directory",
        "value_sessions",
        "value_matching",
        "value_recognition",
    } <= values


def test_activity_log(catalogue: Catalogue) -> None:
    log = catalogue["mentor-activity-log"]
    assert isinstance(log, Survey)
    types = {i.id: i.type for i in log.items}
    assert types["activity_date"] == "date"
    assert types["trust"] == "choice"
    assert types["trainees_reached"] == "number"
    assert types["grades_reached"] == "multi_choice"
    assert types["partners"] == "multi_choice"
    assert types["follow_up"] == "choice" and types["follow_up_text"] == "text"
    served = log.all_objectives()
    assert {"O1", "O3", "O4", "O5"} <= served


def test_interview_guides(catalogue: Catalogue) -> None:
    guides = {g.id: g for g in catalogue.guides}
    audiences = {
        "interview-trainee": "trainee",
        "interview-supervisor": "supervisor",
        "interview-manager": "manager",
        "interview-mentor": "mentor",
    }
    assert set(guides) == set(audiences)
    for ident, audience in audiences.items():
        guide = guides[ident]
        assert isinstance(guide, InterviewGuide)
        assert guide.audience == audience
        assert text_in(guide.purpose) and text_in(guide.consent_script) and guide.guidance
        consent = text_in(guide.consent_script).lower()
        for point in ("voluntary", "record", "withdraw"):
            assert point in consent, f"{ident}: consent script does not mention {point!r}"
        minutes = [t.minutes for t in guide.topics]
        assert all(m is not None for m in minutes), ident
        assert sum(m for m in minutes if m is not None) <= guide.duration_minutes, ident
        for topic in guide.topics:
            assert topic.objectives, f"{ident}:{topic.id}"
            for q in topic.questions:
                assert q.objectives, f"{ident}:{topic.id}:{q.id}"


def test_co_researcher_guidance(catalogue: Catalogue) -> None:
    guidance = catalogue["co-researcher-guidance"]
    assert isinstance(guidance, Guidance)
    assert guidance.audience == "co-researchers"
    sections = {s.id: s for s in guidance.sections}
    for needed in ("consent", "never_record", "storage", "anonymising", "distress", "reflexivity"):
        assert needed in sections, needed
    assert sections["never_record"].never
    assert sum(len(s.never) for s in guidance.sections) >= 10


def test_codebook(catalogue: Catalogue) -> None:
    codebook = catalogue["clm-codebook"]
    assert isinstance(codebook, Codebook)
    assert "Ritchie" in text_in(codebook.approach) and "Spencer" in text_in(codebook.approach)
    assert 6 <= len(codebook.codes) <= 8
    leaves = [c for depth, c in codebook.walk() if depth == 1]
    assert 25 <= len(leaves) <= 40
    assert all(not c.codes for c in leaves)
    for theme in codebook.codes:
        assert theme.codes and theme.objectives and text_in(theme.definition), theme.id
    for code in leaves:
        assert text_in(code.definition), code.id
        assert code.include and code.exclude and code.examples, code.id
        assert code.objectives, code.id
    assert {o for _, c in codebook.walk() for o in c.objectives} == set(OBJECTIVES)


if __name__ == "__main__":  # pragma: no cover - a maintenance command, not a test
    if sys.argv[1:] == ["--write-readme"]:
        write_readme()
        print(f"rewrote the coverage matrix in {README.relative_to(ROOT)}")
    else:
        print(f"usage: {REGENERATE}")
        sys.exit(2)
