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
    "mentor-trust-profile",
    "interview-information-sheet",
    "interview-consent-form",
    "interview-consent-log",
    "participant-characteristics",
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
# Domains 5 and 6 of the GMC Generic Professional Capabilities Framework (General Medical
# Council, 2017) and the three domains of the FMLM Leadership and Management Standards for
# Medical Professionals (Faculty of Medical Leadership and Management, 3rd ed., 2021).
GPC = {
    "Capabilities in leadership and team working",
    "Capabilities in patient safety and quality improvement",
}
FMLM = {"Self", "Team", "Corporate"}

# What a participant is told before answering a questionnaire (the item tags of the notes that
# say it), and the placeholder each adopter fills in for it, where there is one.
INFO_ELEMENTS = {
    "info-who": "evaluation_team",
    "info-funder": "funder",
    "info-purpose": "purpose",
    "info-voluntary": None,
    "info-anonymity": None,
    "info-withdrawal": None,
    "info-mentor-sees": None,
    "info-data-controller": "data_controller",
    "info-lawful-basis": "lawful_basis",
    "info-retention": "retention",
    "info-publication": None,
    "info-ethics": "ethics_decision",
    "info-contact": "contact",
}
# Documents for participants and the research team, not for an objective.
GOVERNANCE = {"interview-information-sheet", "interview-consent-form", "interview-consent-log"}


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
    r"^(under\w*|understand\w*|unit\w*|univers\w*|uniq\w*|union|until|discuss\w*|distinct\w*|"
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
    assert f"{len(EXPECTED_IDS)} instruments valid" in result.output


def test_ids_unique(catalogue: Catalogue) -> None:
    ids = [load_instrument(path).id for path in sorted(FOLDER.glob("*.yaml"))]
    assert len(ids) == len(set(ids)) == len(EXPECTED_IDS)
    for survey in catalogue.surveys:
        names = (
            [i.id for i in survey.items]
            + [s.id for s in survey.scales]
            + [d.id for d in survey.derived]
        )
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
        entries = [e for e in inst.changelog if e.version == inst.version]
        assert len(entries) == 1 and entries[0].changes, ident
        assert inst.changelog[0].version == inst.version, f"{ident}: newest entry first"
        assert inst.description, ident


# Every instrument changed in this round is a new version whose changelog entry says what
# changed (wave comparisons use only identical items, so versions must be exact).
NEW_VERSIONS = {
    "trainee-survey": (
        "2.0.0",
        [
            "respondent_id",
            "mentor_signposted",
            "most_helpful_v2",
            "access_4",
            "conf_service",
            "learned_",
            "value_",
            "meaning_top3",
            "trust_type",
        ],
    ),
    "supervisor-survey": (
        "2.0.0",
        [
            "n_supervisees_band",
            "trust_recognition",
            "disc_freq",
            "mentor_contact_all",
            "leadership_importance",
        ],
    ),
    "mentor-activity-log": ("2.0.0", ["mentor_activity", "entry_id", "work_based"]),
    "clm-codebook": ("2.0.0", ["act_signposting", "act_advocacy", "other_emergent", "valence"]),
    "co-researcher-guidance": ("2.0.0", ["escalation", "data-breach", "transcription"]),
    "interview-trainee": ("1.1.0", ["consent script", "prompts"]),
    "interview-supervisor": ("1.1.0", ["consent script", "prompts"]),
    "interview-manager": ("1.1.0", ["consent script", "prompts"]),
    "interview-mentor": ("1.1.0", ["consent script", "prompts"]),
    "clm-evaluation": ("1.1.0", ["mentor and trust profile", "information sheet"]),
}


def test_changes_are_new_versions_with_changelog_entries(catalogue: Catalogue) -> None:
    for ident, (version, mentioned) in NEW_VERSIONS.items():
        inst = catalogue[ident]
        assert inst.version == version, ident
        text = " ".join(inst.changelog[0].changes).lower()
        for word in mentioned:
            assert word.lower() in text, f"{ident}: changelog does not mention {word!r}"
        assert inst.changelog[-1].version == "1.0.0", ident  # the history is kept
    # the instruments added in this round start their own history at 1.0.0
    for ident in EXPECTED_IDS - set(NEW_VERSIONS):
        inst = catalogue[ident]
        assert inst.version == "1.0.0", ident
        assert [e.version for e in inst.changelog] == ["1.0.0"], ident


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
    # every instrument except the evaluation and the governance documents (information sheet,
    # consent form and log: they serve participants and the research team, not an objective)
    # serves at least one objective
    served = matrix.drop(columns=["covered", *sorted(GOVERNANCE)]).sum(axis=0)
    assert (served > 0).all(), served[served == 0]
    for ident in GOVERNANCE:
        assert "governance" in catalogue[ident].tags, ident
        assert matrix[ident].sum() == 0, ident


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


# ------------------------------------------------------------- information and consent


def test_every_survey_has_the_information_and_consent_elements(catalogue: Catalogue) -> None:
    from leadership_eval.instruments.placeholders import find_placeholders

    roles = {}
    for survey in catalogue.surveys:
        role = {"questionnaire", "consent-form", "research-record"} & set(survey.tags)
        assert len(role) == 1, f"{survey.id}: tag it questionnaire, consent-form or research-record"
        roles[survey.id] = role.pop()
        if roles[survey.id] != "questionnaire":
            continue
        intro = survey.sections[0]
        notes = [i for i in intro.items if i.type == "note"]
        tags = {t for i in notes for t in i.tags}
        assert set(INFO_ELEMENTS) <= tags, f"{survey.id}: missing {set(INFO_ELEMENTS) - tags}"
        for element, placeholder in INFO_ELEMENTS.items():
            text = " ".join(text_in(i.text) for i in notes if element in i.tags)
            if placeholder:
                names = {n for n, _ in find_placeholders(text)}
                assert placeholder in names, (survey.id, element)
        said = " ".join(text_in(i.text) for i in notes).lower()
        for words in (
            "voluntary",
            "will not affect",
            "withdraw",
            "data controller",
            "lawful basis",
            "published",
            "ethics",
        ):
            assert words in said, f"{survey.id}: the information does not say {words!r}"
        # "anonymous" only where it is true: the mentors' own log and profile identify them,
        # so they say so, and that mentors' data are reported across the region only
        if survey.id in ("mentor-activity-log", "mentor-trust-profile"):
            assert "not anonymous" in said and "across the region" in said, survey.id
        else:
            assert "is anonymous" in said and "cannot withdraw" in said, survey.id
            assert "at least five" in said, survey.id
        gate = [i for i in intro.items if "consent" in i.tags]
        assert len(gate) == 1 and gate[0].required, survey.id
    assert {k for k, v in roles.items() if v == "questionnaire"} == {
        "trainee-survey",
        "supervisor-survey",
        "mentor-activity-log",
        "mentor-trust-profile",
    }
    # the interview consent form: one statement per element, the agreement itself required
    form = catalogue["interview-consent-form"]
    assert isinstance(form, Survey)
    statements = {t: i for i in form.items for t in i.tags}
    for element in (
        "consent-read",
        "consent-questions",
        "consent-voluntary",
        "consent-no-detriment",
        "consent-withdrawal",
        "consent-confidentiality-limits",
        "consent-pseudonymised",
        "consent-data",
        "consent-recording",
        "consent-quotes",
        "consent",
    ):
        assert element in statements, element
    assert statements["consent"].required
    # recording and quotations may be refused without refusing the interview
    assert not statements["consent-recording"].required
    assert not statements["consent-quotes"].required


def test_consent_gates_every_later_question(catalogue: Catalogue) -> None:
    """Someone who declines sees nothing more: every question after the consent question is
    hidden, directly or through the earlier answers its skip logic depends on (a hidden answer
    is blank, as on the platforms)."""
    for survey in catalogue.surveys:
        if "questionnaire" not in survey.tags:
            continue
        gate = next(i for i in survey.items if "consent" in i.tags)
        gate_list = survey.choices_for(gate)
        assert gate.type == "choice" and gate_list is not None, survey.id
        types = {i.id: i.type for i in survey.items}
        questions = survey.questions
        later = questions[questions.index(gate) + 1 :]
        assert later, survey.id
        # answer everything, as someone filling in the form without reading would
        answers: dict[str, object] = {}
        for item in questions:
            cl = survey.choices_for(item)
            if item is gate:
                answers[item.id] = gate_list.codes[-1]  # declines
            elif item.type == "multi_choice" and cl is not None:
                answers[item.id] = " ".join(str(c) for c in cl.codes if c not in cl.exclusive_codes)
            elif cl is not None:
                answers[item.id] = cl.codes[-1]
            elif item.type == "number":
                answers[item.id] = 1.0
            else:
                answers[item.id] = "x"
        row = pd.DataFrame({k: [v] for k, v in answers.items()})
        for item in later:
            assert item.show_if, f"{survey.id}:{item.id} does not depend on consent"
            shown = bool(parse_expression(item.show_if).evaluate(row, types).iloc[0])
            assert not shown, f"{survey.id}:{item.id} is shown to someone who declined"
            row[item.id] = [None]
        # and someone who agrees goes on to the next question
        agree = pd.DataFrame({gate.id: [gate_list.codes[0]]})
        assert bool(parse_expression(later[0].show_if).evaluate(agree, types).iloc[0])


def test_information_sheet(catalogue: Catalogue) -> None:
    sheet = catalogue["interview-information-sheet"]
    assert isinstance(sheet, Guidance)
    sections = {s.id: s for s in sheet.sections}
    assert set(sections) >= {
        "about",
        "why_you",
        "recruitment",
        "taking_part",
        "voluntary",
        "withdrawal",
        "confidentiality",
        "data",
        "results",
        "mentor_sees",
        "risks",
        "support",
        "contacts",
        "ethics",
    }
    text = " ".join(
        text_in(s.body) + " " + " ".join(text_in(p) for p in s.points) for s in sheet.sections
    )
    for placeholder in (
        "evaluation_team",
        "funder",
        "data_controller",
        "lawful_basis",
        "retention",
        "withdrawal_date",
        "contact",
        "dpo_contact",
        "ethics_decision",
    ):
        assert "{{" + placeholder + "}}" in text, placeholder
    recruitment = text_in(sections["recruitment"].body)
    assert "mentor" in recruitment and "not told" in recruitment
    assert "pseudonymised" in text_in(sections["confidentiality"].body)
    assert "Samaritans" in " ".join(text_in(p) for p in sections["support"].points)


# -------------------------------------------------------------------------- trainee survey


def test_trainee_survey_design(trainee: Survey) -> None:
    # the record id is platform metadata named by respondent_id, never a question
    assert trainee.respondent_id == "respondent_id"
    assert "respondent_id" not in {i.id for i in trainee.items}
    assert trainee.group_by == "trust"
    quasi = {i.id for i in trainee.items_with("quasi")}
    assert {"trust", "specialty", "grade", "ltft", "months_in_trust"} <= quasi
    # the trust's type is derived from the trust list, not asked
    assert "trust_type" not in {i.id for i in trainee.items}
    derived = {d.id: d for d in trainee.derived}
    assert derived["trust_type"].source == "trust"
    assert derived["trust_type"].disclosure == "quasi"
    trust = trainee.choices_for("trust")
    assert trust is not None
    assert trust.codes == [f"t{n:02d}" for n in range(1, 20)]
    assert [text_in(o.label) for o in trust.options] == [f"Trust {n:02d}" for n in range(1, 20)]
    types = set(trust.attribute("trust_type").values())
    assert types <= set(trainee.choice_lists["trust_type"].codes)
    # item fixes
    activity = trainee.choices_for("activities")
    assert activity is not None and activity.exclusive_codes == ["none"]
    meanings = trainee.item("meaning_top3")
    assert meanings.type == "multi_choice" and meanings.max_choices == 3
    assert "up to three" in text_in(meanings.text)
    grade = trainee.choices_for("grade")
    assert grade is not None and [text_in(o.label) for o in grade.missing] == ["Prefer not to say"]
    ids = {i.id for i in trainee.items}
    assert "access_4" not in ids  # the rota barrier is asked once, among the barriers
    assert trainee.item("access_5_v2").choices == "agree5_dk"
    assert {"conf_service_plan", "conf_rota_plan"} <= ids and "conf_service" not in ids
    # one referent: the respondent's trust is "my trust", never "here" or "this trust"
    for item in trainee.questions:
        text = text_in(item.text).lower()
        assert not re.search(r"\bhere\b|\bthis trust\b", text), item.id
    # mentor contact is asked of everyone, naming the local title
    contact = trainee.item("mentor_contact_all")
    assert contact.show_if == "consent = 1" and "{{mentor_title}}" in text_in(contact.text)
    origin = trainee.choice_lists["origin"]
    assert {"mentor_signposted", "mentor_brokered"} <= set(origin.codes)
    assert "mentor" not in origin.codes
    assert {"self", "supervisor", "colleague", "rota", "required", "other"} <= set(origin.codes)
    # the support trainees would value, parallel to the supervisors' block
    values = [i for i in trainee.questions if i.id.startswith("value_")]
    assert len(values) >= 5 and all(i.choices == "useful5" for i in values)


def test_one_learning_item_per_activity(trainee: Survey) -> None:
    activity = trainee.choices_for("activities")
    assert activity is not None
    for code in activity.codes:
        if code == "none":
            continue
        for prefix in ("origin", "learned"):
            item = trainee.item(f"{prefix}_{code}")
            assert item.show_if == f"selected(activities, '{code}')", item.id
        assert "teach you about leading" in text_in(trainee.item(f"learned_{code}").text)
    assert "origin_none" not in {i.id for i in trainee.items}


def test_most_helpful_is_filtered_to_the_activities_chosen(trainee: Survey) -> None:
    from leadership_eval.instruments.expressions import parse_choice_filter

    item = trainee.item("most_helpful_v2")
    assert item.choices == "activity"
    assert item.choice_filter == "selected(activities, choice)"
    assert item.show_if == "count(activities) >= 2"
    types = {i.id: i.type for i in trainee.items}
    data = pd.DataFrame({"activities": ["qi audit", "qi", "none", None]})
    shown = parse_expression(item.show_if).evaluate(data, types).tolist()
    assert shown == [True, False, False, False]
    offered = parse_choice_filter(item.choice_filter).allowed_choices(
        data, ["qi", "audit", "course"], types
    )
    assert offered.loc[0].tolist() == [True, True, False]


def test_trainee_survey_scales(trainee: Survey) -> None:
    scales = {s.id: s for s in trainee.scales}
    assert set(scales) == {
        "leader_identity",
        "development_access",
        "leadership_confidence",
        "trust_receptiveness",
    }
    # motivation to lead is not leader identity; importance items are descriptive single items
    assert scales["leader_identity"].items == ["ident_1", "ident_2", "ident_3"]
    assert not any(i.startswith("role_") for s in trainee.scales for i in s.items)
    # access is an index of separate conditions, not a reflective scale: no alpha
    assert scales["development_access"].structure == "formative"
    others = [s for k, s in scales.items() if k != "development_access"]
    assert all(s.structure == "reflective" for s in others)
    for scale in trainee.scales:
        assert 3 <= len(scale.items) <= 7, scale.id
        assert scale.min_answered is not None, scale.id
        assert scale.required_answers() < len(scale.items), scale.id
        lists = [trainee.choices_for(i) for i in scale.items]
        assert all(cl is not None and cl.ordered and cl.numeric for cl in lists), scale.id
        assert all(cl is not None and cl.missing_codes for cl in lists), scale.id
        # reverse keying (min + max - x) needs one scored range across the scale's items
        assert len({cl.score_range() for cl in lists if cl is not None}) == 1, scale.id
        # reversed items are a minority: the scale keeps its direction
        assert len(scale.reverse) < len(scale.items) / 2 + 0.01, scale.id


def test_trainee_survey_skip_logic(trainee: Survey) -> None:
    conditions = {i.id: i.show_if for i in trainee.items if i.show_if}
    # one origin question per activity, each shown only when that activity was selected
    activity = trainee.choices_for("activities")
    assert activity is not None
    for code in activity.codes:
        if code != "none":
            assert conditions[f"origin_{code}"] == f"selected(activities, '{code}')"
    assert "mentor_contact_all" in parse_expression(conditions["mentor_useful"]).names
    # the mentor chain behaves as intended on a few respondents
    items = {i.id: i.type for i in trainee.items}
    data = pd.DataFrame(
        {
            "activities": ["qi audit", "", None, "none"],
            "mentor_contact_all": pd.array([1, 0, None, 0], dtype="Int64"),
        }
    )
    shown = {
        name: parse_expression(conditions[name]).evaluate(data, item_types=items).tolist()
        for name in ("origin_qi", "origin_course", "mentor_useful", "no_contact_why")
    }
    assert shown["origin_qi"] == [True, False, False, False]
    assert shown["origin_course"] == [False, False, False, False]
    assert shown["mentor_useful"] == [True, False, False, False]
    assert shown["no_contact_why"] == [False, True, False, True]


def test_confidence_items_tagged_to_the_frameworks(trainee: Survey) -> None:
    scale = trainee.scale("leadership_confidence")
    allowed = {"hlm": HLM, "mlcf": MLCF, "gpc": GPC, "fmlm": FMLM}
    found: dict[str, set[str]] = {name: set() for name in allowed}
    for ident in scale.items:
        item = trainee.item(ident)
        for framework, names in allowed.items():
            assert item.frameworks.get(framework), f"{ident}: no {framework} tag"
            assert set(item.frameworks[framework]) <= names, ident
            found[framework].update(item.frameworks[framework])
    assert found == allowed
    for framework, names in allowed.items():
        assert set(scale.frameworks[framework]) == names
    # "tagged to", never "spans": the items are not a measure of any framework
    description = text_in(scale.description).lower()
    assert "tagged to" in description and "span" not in description


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


# --------------------------------------------------------------------- item-writing rules


def test_double_negative_heuristic_detects_and_passes() -> None:
    assert is_double_negative("I am not unhappy with my training.")
    assert is_double_negative("Leadership is never disconnected from care.")
    assert not is_double_negative("Trainees' ideas are usually ignored in this trust.")
    assert not is_double_negative("I do not discuss leadership.")  # discuss: no prefix
    assert not is_double_negative("I am unhappy with my training.")
    assert not is_double_negative("I can withdraw until May, without giving a reason.")


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
    assert reversed_items >= 3


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


def test_column_names_fit_every_statistics_package(catalogue: Catalogue) -> None:
    """Item ids, and a multi_choice item's indicator columns ``{item}__{code}``, are at most 28
    characters: Stata allows 32, and pyreadstat names each value-label set after its column
    with a counter appended."""
    long = []
    for survey in catalogue.surveys:
        for item in survey.questions:
            cl = survey.choices_for(item)
            names = [item.id]
            if item.type == "multi_choice" and cl is not None:
                names = [f"{item.id}__{code}" for code in cl.all_codes]
            long += [f"{survey.id}:{n}" for n in names if len(n) > 28]
    assert not long, long


def test_free_text_and_identifiers_are_declared(catalogue: Catalogue) -> None:
    for survey in catalogue.surveys:
        assert survey.respondent_id == "respondent_id", survey.id
        # the record id is the platform's, never a question
        assert survey.respondent_id not in {i.id for i in survey.items}, survey.id
        if survey.id != "interview-consent-form":
            assert survey.group_by == "trust", survey.id
            assert survey.item("trust").disclosure == "quasi", survey.id
        for item in survey.items:
            if item.type == "text":
                # free text that gets redacted, or a direct identifier of a research record
                assert item.disclosure in ("direct", "free_text"), f"{survey.id}:{item.id}"
                if item.disclosure == "direct":
                    assert "questionnaire" not in survey.tags, f"{survey.id}:{item.id}"
            if item.type == "number":
                assert item.min is not None and item.max is not None, f"{survey.id}:{item.id}"


# ----------------------------------------------------------------- shared lists and others


def test_shared_lists_match_across_surveys(catalogue: Catalogue) -> None:
    trainee = catalogue["trainee-survey"]
    assert isinstance(trainee, Survey)
    others = [s for s in catalogue.surveys if s.id != trainee.id and "trust" in s.choice_lists]
    assert {s.id for s in others} == {
        "supervisor-survey",
        "mentor-activity-log",
        "mentor-trust-profile",
        "interview-consent-log",
        "participant-characteristics",
    }
    for other in others:
        # trust codes, names and types identical everywhere: reports and joins use them
        assert other.choice_lists["trust"] == trainee.choice_lists["trust"], other.id
        assert other.choice_lists["trust_type"] == trainee.choice_lists["trust_type"], other.id
    for ident in ("supervisor-survey", "mentor-activity-log"):
        other = catalogue[ident]
        assert isinstance(other, Survey)
        # the same grade bands (only trainees are offered "prefer not to say")
        assert other.choice_lists["grade"].options == trainee.choice_lists["grade"].options
        assert not other.choice_lists["grade"].missing


def test_activity_lists_are_one_list(catalogue: Catalogue) -> None:
    """The kinds of leadership activity: the same codes, labels and work_based flags in the
    trainee survey, the activity log and the participant characteristics form."""
    trainee = catalogue["trainee-survey"]
    log = catalogue["mentor-activity-log"]
    chars = catalogue["participant-characteristics"]
    assert isinstance(trainee, Survey) and isinstance(log, Survey)
    assert isinstance(chars, Survey)
    t_acts = trainee.choice_lists["activity"]
    l_acts = log.choice_lists["activity"]
    # the survey's multi_choice adds the exclusive "none of these"; the log's single choice not
    assert t_acts.options[:-1] == l_acts.options
    assert t_acts.options[-1].code == "none" and t_acts.options[-1].exclusive
    assert chars.choice_lists["activity"] == t_acts
    flags = l_acts.attribute("work_based")
    assert set(flags) == set(l_acts.codes)
    assert all(isinstance(v, bool) for v in flags.values())
    assert {c for c, v in flags.items() if v} == {
        "qi",
        "audit",
        "committee",
        "rep",
        "teaching",
        "shadowing",
        "fellowship",
    }
    assert "work_based" in {d.id for d in log.derived}
    assert "any_work_based" in {d.id for d in trainee.derived}


def test_mentor_activity_taxonomy_is_shared(catalogue: Catalogue) -> None:
    """One taxonomy of mentor work: the activity log's mentor_activity list and the codebook's
    act_* codes (the same codes and labels), and the trainee survey's origin options, whose
    mentor_* codes name the parts of it a trainee can see."""
    log = catalogue["mentor-activity-log"]
    codebook = catalogue["clm-codebook"]
    trainee = catalogue["trainee-survey"]
    assert isinstance(log, Survey) and isinstance(codebook, Codebook)
    assert isinstance(trainee, Survey)
    taxonomy = log.choice_lists["mentor_activity"]
    in_log = {str(o.code): text_in(o.label) for o in taxonomy.options if o.code != "other"}
    theme = codebook.code("mentor_activities")
    assert all(c.id.startswith("act_") for c in theme.codes)
    in_codebook = {c.id.removeprefix("act_"): text_in(c.label) for c in theme.codes}
    assert in_codebook == in_log
    stray = [c.id for _, c in codebook.walk() if c.id.startswith("act_") and c not in theme.codes]
    assert not stray
    # the survey's origin options point into the taxonomy, and the taxonomy points back
    origin = trainee.choice_lists["origin"]
    pointers = origin.attribute("mentor_activity")
    assert set(pointers) == {c for c in origin.codes if str(c).startswith("mentor_")}
    assert set(pointers.values()) <= set(in_log)
    seen_by_trainees = taxonomy.attribute("trainee_origin")
    assert set(seen_by_trainees.values()) == set(pointers)
    for code, points_to in pointers.items():
        assert seen_by_trainees[points_to] == code
    # the kind of trainee activity is asked only for work on a trainee opportunity
    opportunity = [c for c, v in taxonomy.attribute("trainee_opportunity").items() if v]
    listed = ", ".join(f"'{c}'" for c in opportunity)
    assert log.item("activity_type").show_if == f"mentor_activity in [{listed}]"
    # mentor-only work is logged too
    mentor_only = {"supervisor_development", "directory", "advocacy", "induction", "regional"}
    assert mentor_only <= set(in_log)


def test_supervisor_survey(catalogue: Catalogue) -> None:
    sup = catalogue["supervisor-survey"]
    assert isinstance(sup, Survey)
    # importance items sit at the ceiling: descriptive single items, not a scale
    assert [s.id for s in sup.scales] == ["opportunity_knowledge"]
    band = sup.item("n_supervisees_band")
    cl = sup.choices_for(band)
    assert band.type == "choice" and band.disclosure == "quasi" and cl is not None
    labels = [text_in(o.label) for o in cl.options]
    assert labels == ["None at present", "1 or 2", "3 to 5", "6 or more"]
    assert "n_supervisees" not in {i.id for i in sup.items}
    disc = sup.choices_for("disc_freq")
    assert disc is not None and 8 in disc.missing_codes
    values = {i.id for i in sup.items if i.id.startswith("value_")}
    assert {"value_broker", "value_directory", "value_sessions", "value_matching"} <= values
    assert "value_recognition" not in values
    trust_items = next(s for s in sup.sections if s.id == "trust_support").items
    assert [i.id for i in trust_items] == ["trust_recognition"]
    assert sup.item("mentor_contact_all").show_if == "consent = 1"


def test_activity_log(catalogue: Catalogue) -> None:
    log = catalogue["mentor-activity-log"]
    assert isinstance(log, Survey)
    types = {i.id: i.type for i in log.items}
    assert types["activity_date"] == "date"
    assert types["trust"] == "choice"
    assert types["mentor_activity"] == "choice"
    assert types["trainees_reached"] == "number"
    assert types["supervisors_reached"] == "number"
    assert types["grades_reached"] == "multi_choice"
    assert types["partners"] == "multi_choice"
    assert types["follow_up"] == "choice" and types["follow_up_text"] == "text"
    assert "entry_id" not in types and "mentor_part" not in types
    served = log.all_objectives()
    assert {"O1", "O3", "O4", "O5"} <= served


def test_mentor_trust_profile(catalogue: Catalogue) -> None:
    profile = catalogue["mentor-trust-profile"]
    assert isinstance(profile, Survey)
    ids = {i.id for i in profile.questions}
    # sessions (PAs), start date, reporting line, budget, trainees in the trust
    assert {"mentor_pas", "mentor_start", "reporting_line", "budget", "trainees_in_trust"} <= ids
    assert profile.item("mentor_start").type == "date"
    assert {"O1", "O5"} <= profile.all_objectives()


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
        # the same elements in every script
        for point in (
            "voluntary",
            "will not affect",
            "audio-record",
            "replaced by a code",
            "withdraw what you have said until {{withdrawal_date}}",
            "the one limit to confidentiality",
            "serious risk",
            "sources of support",
        ):
            assert point in consent, f"{ident}: consent script does not say {point!r}"
        advice = " ".join(text_in(g) for g in guide.guidance).lower()
        assert "online interviews" in advice and "read out the prompts only" in advice, ident
        minutes = [t.minutes for t in guide.topics]
        assert all(m is not None for m in minutes), ident
        assert sum(m for m in minutes if m is not None) <= guide.duration_minutes, ident
        for topic in guide.topics:
            assert topic.objectives, f"{ident}:{topic.id}"
            for q in topic.questions:
                assert q.objectives, f"{ident}:{topic.id}:{q.id}"
    # read-out lists are prompts, asked after the open question
    prompted = {q.id for g in guides.values() for t in g.topics for q in t.questions if q.prompts}
    assert {"easier_harder", "mentor_support", "helps_hinders", "typical_month"} <= prompted


def test_co_researcher_guidance(catalogue: Catalogue) -> None:
    guidance = catalogue["co-researcher-guidance"]
    assert isinstance(guidance, Guidance)
    assert guidance.audience == "co-researchers"
    sections = {s.id: s for s in guidance.sections}
    for needed in (
        "escalation",
        "recruitment",
        "consent",
        "online",
        "never_record",
        "storage",
        "transcription",
        "retention",
        "breach",
        "anonymising",
        "distress",
        "professional_duty",
        "training",
        "reflexivity",
    ):
        assert needed in sections, needed
    assert sections["never_record"].never
    assert sum(len(s.never) for s in guidance.sections) >= 10
    escalation = text_in(sections["escalation"].body)
    for placeholder in (
        "research_lead",
        "deputy_lead",
        "governance_contact",
        "safeguarding_contact",
    ):
        assert "{{" + placeholder + "}}" in escalation, placeholder
    distress = " ".join(text_in(p) for p in sections["distress"].points)
    assert "Samaritans (116 123" in distress and "85258" in distress
    assert "GMC" in text_in(sections["professional_duty"].body)
    assert "72 hours" in text_in(sections["breach"].body)
    assert any("own trust" in text_in(p) for p in sections["your_role"].points)
    assert "confidentiality agreement" in text_in(sections["transcription"].body)


def test_codebook(catalogue: Catalogue) -> None:
    codebook = catalogue["clm-codebook"]
    assert isinstance(codebook, Codebook)
    assert "Ritchie" in text_in(codebook.approach) and "Spencer" in text_in(codebook.approach)
    assert 6 <= len(codebook.codes) <= 8
    leaves = [c for depth, c in codebook.walk() if depth == 1]
    assert 25 <= len(leaves) <= 50
    assert all(not c.codes for c in leaves)
    for theme in codebook.codes:
        assert theme.codes and theme.objectives and text_in(theme.definition), theme.id
    for code in leaves:
        assert text_in(code.definition), code.id
        assert code.include and code.exclude and code.examples, code.id
        assert code.objectives, code.id
    assert {o for _, c in codebook.walk() for o in c.objectives} == set(OBJECTIVES)
    # case attributes to chart by; a valence and a context-mechanism-outcome link per segment
    assert [a.id for a in codebook.case_attributes] == [
        "role",
        "grade_band",
        "trust",
        "activity_discussed",
    ]
    assert {a.id for a in codebook.segment_attributes} == {"valence", "cmo_part", "cmo_link"}
    conventions = " ".join(text_in(c) for c in codebook.conventions)
    assert "first three transcripts of each participant group are coded independently" in (
        conventions
    )
    assert "other_emergent" in conventions and "cmo_link" in conventions
    assert codebook.code("other_emergent").objectives == ["O7"]
    assert [c.id for c in codebook.code("learning").codes] == [
        "learn_self",
        "learn_team",
        "learn_organisation",
        "learn_improvement",
    ]


if __name__ == "__main__":  # pragma: no cover - a maintenance command, not a test
    if sys.argv[1:] == ["--write-readme"]:
        write_readme()
        print(f"rewrote the coverage matrix in {README.relative_to(ROOT)}")
    else:
        print(f"usage: {REGENERATE}")
        sys.exit(2)
