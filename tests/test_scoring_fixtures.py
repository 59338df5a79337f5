"""Survey fixtures shared by the scoring and simulation tests (no tests of its own)."""

from __future__ import annotations

import textwrap

from leadership_eval.instruments.loader import loads_instrument
from leadership_eval.instruments.models import Survey

FULL_SURVEY = textwrap.dedent(
    """\
    kind: survey
    id: sim-survey
    version: 1.0.0
    title: A survey with every item type
    respondent_id: rid
    group_by: trust
    choice_lists:
      agree5:
        ordered: true
        options:
          - {code: 1, label: Strongly disagree}
          - {code: 2, label: Disagree}
          - {code: 3, label: Neither agree nor disagree}
          - {code: 4, label: Agree}
          - {code: 5, label: Strongly agree}
        missing:
          - {code: 8, label: Not applicable}
          - {code: 9, label: Prefer not to say}
      often4:
        ordered: true
        options:
          - {code: 0, label: Never}
          - {code: 1, label: Rarely}
          - {code: 2, label: Sometimes}
          - {code: 3, label: Often}
      trust:
        options:
          - {code: t01, label: Trust 01}
          - {code: t02, label: Trust 02}
          - {code: t03, label: Trust 03}
          - {code: t04, label: Trust 04}
      grade:
        options:
          - {code: fy1, label: FY1}
          - {code: fy2, label: FY2}
          - {code: ct, label: Core trainee}
          - {code: st, label: Specialty trainee}
        missing:
          - {code: pnts, label: Prefer not to say}
      acts:
        options:
          - {code: qi, label: Quality improvement}
          - {code: audit, label: Audit}
          - {code: teach, label: Teaching}
        missing:
          - {code: none, label: None of these}
      yesno:
        options:
          - {code: 1, label: "Yes"}
          - {code: 0, label: "No"}
    sections:
      - id: about
        title: About you
        items:
          - {id: rid, type: text, text: Respondent id, disclosure: direct}
          - {id: trust, type: choice, choices: trust, text: Your trust, disclosure: quasi,
             required: true}
          - {id: grade, type: choice, choices: grade, text: Your grade, disclosure: quasi}
          - {id: years, type: number, text: Years in training, min: 0, max: 15, integer: true}
          - {id: started, type: date, text: Date you started}
      - id: views
        title: Your views
        items:
          - {id: intro, type: note, text: Some statements follow.}
          - {id: lead_1, type: likert, choices: agree5, text: I see myself as a leader}
          - {id: lead_2, type: likert, choices: agree5, text: Leadership is for senior staff}
          - {id: lead_3, type: likert, choices: agree5, text: Others see me as a leader}
          - {id: lead_4, type: likert, choices: agree5, text: I lead in my daily work}
          - {id: dev_1, type: likert, choices: often4, text: I join leadership sessions}
          - {id: dev_2, type: likert, choices: often4, text: I read about leadership}
          - {id: dev_3, type: likert, choices: often4, text: I seek feedback on leading}
          - {id: mentor, type: choice, choices: yesno, text: Have you met the mentor?}
          - {id: mentor_help, type: likert, choices: agree5, text: The mentor helped me,
             show_if: "mentor == 1"}
          - {id: acts, type: multi_choice, choices: acts, text: Activities}
          - {id: qi_how, type: text, text: "How did the QI come about?",
             show_if: "selected(acts, 'qi')"}
          - {id: comments, type: text, text: "Anything else?", disclosure: free_text,
             show_if: "grade != 'fy1'"}
    scales:
      - id: leader_identity
        title: Leader identity
        items: [lead_1, lead_2, lead_3, lead_4]
        reverse: [lead_2]
        min_answered: 0.5
      - id: development
        title: Leadership development
        items: [dev_1, dev_2, dev_3]
        method: sum
        min_answered: 2
    """
)


def full_survey() -> Survey:
    survey = loads_instrument(FULL_SURVEY, "sim-survey.yaml")
    assert isinstance(survey, Survey)
    return survey
