"""Survey fixtures shared by the interoperability tests (and a check that they load)."""

from __future__ import annotations

import textwrap

from leadership_eval.instruments.loader import loads_instrument
from leadership_eval.instruments.models import Survey

# Every feature of the survey format that an export has to carry somewhere.
RICH_YAML = textwrap.dedent(
    """\
    kind: survey
    id: rich-survey
    version: 2.1.0
    title: {en: Leadership in training, cy: Arweinyddiaeth mewn hyfforddiant}
    description: A survey that uses every feature of the format.
    licence: CC-BY-4.0
    authors:
      - {name: A. Researcher, affiliation: Somewhere University, orcid: 0000-0002-1825-0097}
    changelog:
      - {version: 2.1.0, date: '2024-05-01', changes: [Added the mentor section]}
      - {version: 1.0.0, changes: [First version]}
    languages: [en, cy]
    tags: [pilot, "wave 1"]
    objectives: [O1, O2]
    respondent_id: rid
    group_by: trust
    choice_lists:
      agree5:
        ordered: true
        options:
          - {code: 1, label: {en: Strongly disagree, cy: Anghytuno'n gryf}}
          - {code: 2, label: {en: Disagree, cy: Anghytuno}}
          - {code: 3, label: {en: Neither, cy: Niwtral}}
          - {code: 4, label: {en: Agree, cy: Cytuno}}
          - {code: 5, label: {en: Strongly agree, cy: Cytuno'n gryf},
             description: {en: The strongest agreement}}
        missing:
          - {code: 9, label: {en: Prefer not to say, cy: Gwell gennyf beidio}}
          - {code: -1, label: Not applicable}
      grade:
        ordered: true
        options:
          - {code: fy1, label: FY1}
          - {code: fy2, label: FY2}
          - {code: st, label: Specialty trainee, description: ST1 and above}
      trust:
        options:
          - {code: t01, label: Trust 01}
          - {code: t02, label: Trust 02}
          - {code: '7', label: Trust seven}
      acts:
        description: Leadership activities
        options:
          - {code: qi, label: {en: Quality improvement, cy: Gwella ansawdd}}
          - {code: audit, label: Audit}
          - {code: teach, label: Teaching}
          - {code: nothing, label: Nothing yet, exclusive: true}
        missing:
          - {code: none, label: None of these}
      yn:
        options:
          - {code: 1, label: "Yes"}
          - {code: 0, label: "No"}
      unused:
        options:
          - {code: a, label: An unused option}
    sections:
      - id: about
        title: {en: About you, cy: Amdanoch chi}
        description: {en: Questions about your post., cy: Cwestiynau am eich swydd.}
        objectives: [O2]
        items:
          - {id: rid, type: text, text: Respondent id, disclosure: direct, max_length: 12}
          - {id: trust, type: choice, choices: trust, text: {en: Your trust, cy: Eich ymddiriedolaeth},
             disclosure: quasi, required: true}
          - {id: grade, type: choice, choices: grade, text: Your grade, disclosure: quasi,
             column: Grade_Now}
          - {id: years, type: number, integer: true, min: 0, max: 40,
             text: {en: Years since graduating, cy: Blynyddoedd}, disclosure: quasi,
             help: {en: Whole years, cy: Blynyddoedd cyfan}}
          - {id: fte, type: number, min: 0.1, max: 1.0, text: Working time (FTE), help: For example 0.8}
          - {id: started, type: date, text: When did your post start?, disclosure: sensitive}
      - id: mentor
        title: {en: Your mentor, cy: Eich mentor}
        items:
          - {id: intro, type: note, text: {en: The next questions are about your mentor., cy: Mentor.}}
          - {id: met, type: choice, choices: yn, text: Have you met the mentor?, required: true,
             objectives: [O1, O3], frameworks: {healthcare_leadership_model: [engaging_the_team]}}
          - {id: acts, type: multi_choice, choices: acts, text: What did you do together?,
             show_if: met == 1, tags: [activity, core]}
          - {id: acts_other, type: text, text: Anything else?, disclosure: free_text,
             show_if: "not selected(acts, 'qi') and answered(acts)"}
          - {id: lead_1, type: likert, choices: agree5, text: {en: I see myself as a leader, cy: Arweinydd}}
          - {id: lead_2, type: likert, choices: agree5, text: I am confident leading a team}
          - {id: lead_3, type: likert, choices: agree5, text: Leadership is not for me,
             show_if: "grade in ['fy1', 'fy2'] or years >= 3"}
          - {id: lead_4, type: likert, choices: agree5, text: I lead change,
             show_if: "trust not in ['t01', '7'] and acts == 'audit' and fte < 0.5"}
          - {id: value, type: choice, choices: agree5, text: The scheme is worth it,
             show_if: "lead_1 != 9 and not (grade == 'st')"}
          - {id: comments, type: text, text: Any other comments?, disclosure: free_text,
             help: Please do not name anyone., show_if: "grade != 'fy1'"}
    scales:
      - id: leader_identity
        title: {en: Leader identity, cy: Hunaniaeth arweinydd}
        description: Three items on seeing oneself as a leader.
        items: [lead_1, lead_2, lead_3]
        reverse: [lead_3]
        min_answered: 2
        objectives: [O2]
        frameworks: {healthcare_leadership_model: [leading_with_care]}
      - id: leading
        title: Leading
        items: [lead_2, lead_4, years]
        method: sum
        min_answered: 0.5
        transform: percent
    """
)

# A single-language survey with plain texts only.
PLAIN_YAML = textwrap.dedent(
    """\
    kind: survey
    id: plain-survey
    version: 1.0.0
    title: A plain survey
    choice_lists:
      agree3:
        ordered: true
        options: [{code: 1, label: Disagree}, {code: 2, label: Neutral}, {code: 3, label: Agree}]
        missing: [{code: 9, label: Don't know}]
    sections:
      - id: main
        title: Main
        items:
          - {id: q1, type: likert, choices: agree3, text: First statement}
          - {id: q2, type: likert, choices: agree3, text: Second statement}
          - {id: q3, type: likert, choices: agree3, text: Third statement, show_if: q1 >= 2}
          - {id: age, type: number, text: Age, min: 18}
      - id: end
        title: The end
        items:
          - {id: why, type: text, text: Why?, show_if: q2 == 9}
    scales:
      - {id: total, title: Total, items: [q1, q2, q3]}
    """
)


def rich_survey() -> Survey:
    survey = loads_instrument(RICH_YAML, "rich.yaml")
    assert isinstance(survey, Survey)
    return survey


def plain_survey() -> Survey:
    survey = loads_instrument(PLAIN_YAML, "plain.yaml")
    assert isinstance(survey, Survey)
    return survey


def test_fixtures_load() -> None:
    rich = rich_survey()
    assert len(rich.items) == 16
    assert rich.choice_lists["trust"].codes == ["t01", "t02", "7"]
    assert plain_survey().id == "plain-survey"
