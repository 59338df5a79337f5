"""A small example survey and its responses, for examples, tutorials and quick experiments.

:func:`example_survey` has one of each kind of item a real survey has (an id, a trust and a
grade that are quasi-identifiers, three agreement statements forming a scale with one reversed,
a yes/no question with a follow-up shown only after "yes", a multiple choice with an exclusive
"none of these", and a free-text comment); :func:`example_responses` are eight answers to it,
with the usual blemishes (a declared missing code, a blank, a follow-up answered).

The documentation's examples use these instead of repeating a survey inline.
"""

from __future__ import annotations

from importlib.resources import files
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .instruments.models import Survey

__all__ = ["example_responses", "example_survey", "example_survey_text"]


def example_survey_text() -> str:
    """The example survey's YAML (to read, adapt, or load with a change)."""
    return files("leadership_eval").joinpath("data/example-survey.yaml").read_text("utf-8")


def example_survey() -> Survey:
    """The example survey (``example-survey``).

    Examples
    --------
    >>> import leadership_eval as le
    >>> survey = le.datasets.example_survey()
    >>> survey.id, [i.id for i in survey.questions][:4], survey.scales[0].items
    ('example-survey', ['rid', 'trust', 'grade', 'q1'], ['q1', 'q2', 'q3'])
    """
    from .instruments.loader import loads_instrument
    from .instruments.models import Survey

    survey = loads_instrument(example_survey_text(), "example-survey.yaml")
    assert isinstance(survey, Survey)
    return survey


def example_responses() -> pd.DataFrame:
    """Eight responses to :func:`example_survey`, in its codes (one row per respondent).

    Respondent ``R3`` answered q1 "Prefer not to say" (code 9), ``R5`` left q2 blank; the
    multiple choice is one column of space-separated codes, as survey platforms export it.

    Examples
    --------
    >>> import leadership_eval as le
    >>> data = le.datasets.example_responses()
    >>> data.shape
    (8, 10)
    >>> data.head(3)[["rid", "trust", "grade", "q1", "q2", "q3", "acts"]]
      rid trust      grade  q1  q2  q3      acts
    0  R1   t01         fy   5   4   1  qi audit
    1  R2   t01         fy   4   4   2        qi
    2  R3   t01  registrar   9   3   2      none
    """
    import pandas as pd

    return pd.DataFrame(
        {
            "rid": ["R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8"],
            "trust": ["t01", "t01", "t01", "t01", "t02", "t02", "t02", "t02"],
            "grade": ["fy", "fy", "registrar", "fy", "registrar", "registrar", "fy", "fy"],
            "q1": pd.array([5, 4, 9, 4, 3, 2, 4, 5], dtype="Int64"),
            "q2": pd.array([4, 4, 3, 5, None, 2, 3, 5], dtype="Int64"),
            "q3": pd.array([1, 2, 2, 1, 3, 4, 2, 1], dtype="Int64"),
            "met": pd.array([1, 1, 0, 1, 0, 0, 1, 1], dtype="Int64"),
            "how": [
                "At induction",
                "By e-mail",
                None,
                "Through my supervisor",
                None,
                None,
                "At a teaching day",
                None,
            ],
            "acts": ["qi audit", "qi", "none", "audit", "none", "qi", "qi audit", "audit"],
            "comments": [
                "Dr Patel was a great help",
                None,
                None,
                "More protected time please",
                None,
                "As the only registrar here, I felt unsupported",
                None,
                None,
            ],
        }
    )
