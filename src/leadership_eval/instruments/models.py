"""The instrument models: surveys, interview guides, codebooks, guidance and the evaluation.

Every model is a frozen pydantic v2 model that forbids unknown fields, so an instrument that
loads is an instrument that means what it says. Files are read by
:func:`leadership_eval.load_instrument`, which reports every problem with its file, line and
column; build models directly only in code.

Text fields that users read (titles, item text, option labels) accept either a string or a
mapping of language code to string (``{en: Your grade, cy: Eich gradd}``): see :data:`Text`.

``adopter_notes`` (on every document, on sections and on items) are for the people who adapt and
deploy an instrument; no export shows them to respondents. Text may hold placeholders such as
``{{data_controller}}`` that an adopter fills in (:mod:`leadership_eval.instruments.placeholders`).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    FiniteFloat,
    StringConstraints,
    field_validator,
    model_validator,
)

from ..policy import DisclosurePolicy

__all__ = [
    "ANALYSES",
    "DISCLOSURE_LEVELS",
    "ITEM_TYPES",
    "KINDS",
    "SCORABLE_TYPES",
    "AnalysisPlan",
    "Attribute",
    "Author",
    "CaseStudyDesign",
    "ChangelogEntry",
    "ChoiceList",
    "Code",
    "Codebook",
    "Derived",
    "Evaluation",
    "Guidance",
    "GuidanceSection",
    "Instrument",
    "InterviewGuide",
    "InterviewQuestion",
    "InterviewTopic",
    "Item",
    "Objective",
    "Option",
    "PlannedComparison",
    "Scale",
    "Section",
    "Survey",
    "Text",
    "text_in",
]

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$", max_length=80)]
"""An instrument id: lower-case words joined by hyphens, e.g. ``trainee-leadership``."""

Ident = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
"""An item, scale, section, topic or code id: lower-case letters, digits and underscores."""

ObjectiveId = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Za-z0-9_.-]*$", max_length=32)]
"""An objective id, e.g. ``O1``."""

SemVer = Annotated[
    str,
    StringConstraints(pattern=r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:[-+][0-9A-Za-z.-]+)?$"),
]

Text = str | dict[str, str]
"""Text a person reads: a string, or a mapping from language code (``en``, ``cy``...) to text."""

CodeValue = int | str
"""A response code as stored in the data (``1``, ``"fy1"``)."""

KINDS = ("survey", "interview_guide", "codebook", "evaluation", "guidance")
ITEM_TYPES = ("likert", "choice", "multi_choice", "number", "text", "date", "note")
SCORABLE_TYPES = ("likert", "choice", "number")
DISCLOSURE_LEVELS = ("none", "quasi", "direct", "sensitive", "free_text")


def text_in(text: Text | None, language: str = "en") -> str:
    """Return ``text`` in ``language`` (falling back to English, then the first language).

    >>> text_in({"en": "Your grade", "cy": "Eich gradd"}, "cy")
    'Eich gradd'
    >>> text_in("Your grade", "cy")
    'Your grade'
    """
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    return text.get(language) or text.get("en") or next(iter(text.values()), "")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


# --------------------------------------------------------------------------------- metadata


class Author(_Model):
    """An author of an instrument."""

    name: str
    affiliation: str | None = None
    orcid: str | None = Field(None, pattern=r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
    role: str | None = None


class ChangelogEntry(_Model):
    """One version in an instrument's history."""

    version: SemVer
    date: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    changes: list[str] = Field(min_length=1)


class _Document(_Model):
    """Fields every instrument shares."""

    id: Slug
    version: SemVer
    title: Text
    description: Text | None = None
    licence: str | None = None
    authors: list[Author] = Field(default_factory=list)
    changelog: list[ChangelogEntry] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=lambda: ["en"], min_length=1)
    tags: list[str] = Field(default_factory=list)
    adopter_notes: Text | None = None
    """Notes for whoever adapts and deploys the instrument; never shown to respondents."""
    placeholders: dict[Ident, Text] = Field(default_factory=dict)
    """Placeholders of this document beyond the standard ones (``{{name}}`` -> what to fill in)."""

    def objective_mentions(self) -> list[str]:
        """Every objective named in the document, once per part that names it (the
        instrument itself, its sections, items, scales, topics, questions or codes)."""
        raise NotImplementedError

    def all_objectives(self) -> set[str]:
        """Objectives named anywhere in the document (its own and its parts')."""
        return set(self.objective_mentions())


# ------------------------------------------------------------------------------------ survey


class Option(_Model):
    """One response option of a choice list."""

    code: CodeValue
    label: Text
    description: Text | None = None
    exclusive: bool = False
    """For multi_choice items: choosing this option (e.g. "None of these") rules out the others."""
    attributes: dict[Ident, str | int | float | bool] = Field(default_factory=dict)
    """Facts about the option for analysts, never shown to respondents (a trust's type, whether an
    activity is work-based); :class:`Derived` variables read them."""


class ChoiceList(_Model):
    """A reusable list of response options.

    ``options`` are the answers that carry meaning (and, for an ordered list, are scored in the
    order of their codes); ``missing`` are codes that mean "no usable answer" (not applicable,
    prefer not to say) and are never scored.
    """

    ordered: bool = False
    description: Text | None = None
    options: list[Option] = Field(min_length=1)
    missing: list[Option] = Field(default_factory=list)

    @property
    def codes(self) -> list[CodeValue]:
        """Codes of the substantive options, in the listed order."""
        return [o.code for o in self.options]

    @property
    def missing_codes(self) -> list[CodeValue]:
        """Codes that mean no usable answer."""
        return [o.code for o in self.missing]

    @property
    def all_codes(self) -> list[CodeValue]:
        """Every code the data may hold."""
        return self.codes + self.missing_codes

    @property
    def exclusive_codes(self) -> list[CodeValue]:
        """Codes that, chosen in a multi_choice answer, rule out every other option."""
        return [o.code for o in self.options if o.exclusive]

    @property
    def numeric(self) -> bool:
        """Whether every substantive code is a number (so the list can be scored)."""
        return all(isinstance(c, int) and not isinstance(c, bool) for c in self.codes)

    def score_range(self) -> tuple[float, float]:
        """The smallest and largest scored code (for reverse keying: ``min + max - x``)."""
        codes = [float(c) for c in self.codes if isinstance(c, int)]
        if not codes:
            raise ValueError("this choice list has no numeric codes to score")
        return min(codes), max(codes)

    def attribute(self, name: str) -> dict[CodeValue, str | int | float | bool]:
        """``code -> value`` of one option attribute, for the options that have it."""
        return {o.code: o.attributes[name] for o in self.options if name in o.attributes}

    def label_of(self, code: CodeValue, language: str = "en") -> str:
        """The label of ``code`` (substantive or missing)."""
        for option in (*self.options, *self.missing):
            if option.code == code or str(option.code) == str(code):
                return text_in(option.label, language)
        raise KeyError(code)


class Item(_Model):
    """One question (or note) of a survey.

    ``id`` is the response column; ``column`` names another column that holds it in an export.
    """

    id: Ident
    type: Literal["likert", "choice", "multi_choice", "number", "text", "date", "note"]
    text: Text
    help: Text | None = None
    choices: Ident | None = None
    choice_filter: str | None = None
    """Which options are offered: a condition on ``choice`` (the option's code) and earlier
    answers, e.g. ``selected(activities, choice)``."""
    required: bool = False
    show_if: str | None = None
    disclosure: Literal["none", "quasi", "direct", "sensitive", "free_text"] = "none"
    objectives: list[ObjectiveId] = Field(default_factory=list)
    frameworks: dict[str, list[str]] = Field(default_factory=dict)
    column: str | None = None
    min: FiniteFloat | None = None
    max: FiniteFloat | None = None
    integer: bool = False
    max_length: int | None = Field(None, ge=1)
    max_choices: int | None = Field(None, ge=1)
    """For multi_choice items: the most options a respondent may choose ("choose up to three")."""
    tags: list[str] = Field(default_factory=list)
    adopter_notes: Text | None = None
    """Notes for adopters (why the item is asked, what may be changed); never shown."""

    @property
    def column_name(self) -> str:
        """The column that holds this item in the response data."""
        return self.column or self.id

    @property
    def is_question(self) -> bool:
        """False for notes, which take no answer."""
        return self.type != "note"


class Section(_Model):
    """A titled group of items."""

    id: Ident
    title: Text
    description: Text | None = None
    items: list[Item] = Field(default_factory=list)
    objectives: list[ObjectiveId] = Field(default_factory=list)
    adopter_notes: Text | None = None
    """Notes for adopters; never shown to respondents."""


class Derived(_Model):
    """A variable computed from an answer and the answer's option ``attributes``, not asked.

    For a ``choice`` item the derived value is the attribute of the chosen option (a trust's
    type from the trust); for a ``multi_choice`` item, whose attribute must be true/false,
    it is true when any chosen option has the attribute true (any work-based activity). A
    missing answer or a declared missing code gives a missing value.
    """

    id: Ident
    title: Text
    description: Text | None = None
    source: Ident = Field(alias="from")
    """The item the value is derived from."""
    attribute: Ident
    """The option attribute read."""
    choices: Ident | None = None
    """Optional: a choice list whose codes are the derived values (for labels)."""
    disclosure: Literal["none", "quasi", "direct", "sensitive", "free_text"] = "none"
    objectives: list[ObjectiveId] = Field(default_factory=list)


class Scale(_Model):
    """A scored combination of items.

    ``min_answered`` is a count of items (an integer of at least 1) or a share of them (a number
    between 0 and 1); fewer answered items give a missing score.
    """

    id: Ident
    title: Text
    description: Text | None = None
    items: list[Ident] = Field(min_length=1)
    reverse: list[Ident] = Field(default_factory=list)
    method: Literal["mean", "sum"] = "mean"
    min_answered: int | float | None = None
    transform: Literal["none", "percent"] = "none"
    structure: Literal["reflective", "formative"] = "reflective"
    """``reflective``: the items reflect one trait, so internal consistency (alpha) applies;
    ``formative``: an index whose items form the construct together (access = knowing + time +
    encouragement...), so alpha says nothing about it and is not reported."""
    objectives: list[ObjectiveId] = Field(default_factory=list)
    frameworks: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("min_answered")
    @classmethod
    def _check_min_answered(cls, v: int | float | None) -> int | float | None:
        if v is None:
            return v
        if isinstance(v, bool):
            raise ValueError("min_answered must be a count or a share, not true/false")
        if isinstance(v, int):
            if v < 1:
                raise ValueError(f"min_answered must be at least 1 when a count; found {v}")
        elif not 0 < v <= 1:
            raise ValueError(
                f"min_answered must be a whole count or a share between 0 and 1; found {v}"
            )
        return v

    def required_answers(self) -> int:
        """How many items must be answered for a score (all of them when not set)."""
        import math

        n = len(self.items)
        v = self.min_answered
        if v is None:
            return n
        if isinstance(v, int):
            return v
        return max(1, math.ceil(v * n - 1e-9))


class Survey(_Document):
    """A survey instrument: choice lists, sections of items, and scales."""

    kind: Literal["survey"] = "survey"
    objectives: list[ObjectiveId] = Field(default_factory=list)
    respondent_id: Ident | None = None
    group_by: Ident | None = None
    choice_lists: dict[Ident, ChoiceList] = Field(default_factory=dict)
    sections: list[Section] = Field(min_length=1)
    scales: list[Scale] = Field(default_factory=list)
    derived: list[Derived] = Field(default_factory=list)

    @cached_property
    def _item_index(self) -> dict[str, Item]:
        return {item.id: item for section in self.sections for item in section.items}

    @property
    def items(self) -> list[Item]:
        """Every item, in order, across sections."""
        return list(self._item_index.values())

    @property
    def questions(self) -> list[Item]:
        """Every item that takes an answer (notes left out)."""
        return [i for i in self.items if i.is_question]

    def item(self, item_id: str) -> Item:
        """The item with this id (``KeyError`` if there is none)."""
        return self._item_index[item_id]

    def choices_for(self, item: Item | str) -> ChoiceList | None:
        """The choice list of an item (None for items without one)."""
        it = self.item(item) if isinstance(item, str) else item
        return self.choice_lists.get(it.choices) if it.choices else None

    def scale(self, scale_id: str) -> Scale:
        """The scale with this id."""
        for s in self.scales:
            if s.id == scale_id:
                return s
        raise KeyError(scale_id)

    def items_with(self, disclosure: str) -> list[Item]:
        """Items of a given disclosure level (``quasi``, ``direct``, ``free_text``...)."""
        return [i for i in self.items if i.disclosure == disclosure]

    def objective_mentions(self) -> list[str]:
        found = list(self.objectives)
        for section in self.sections:
            found.extend(section.objectives)
            for item in section.items:
                found.extend(item.objectives)
        for scale in self.scales:
            found.extend(scale.objectives)
        for variable in self.derived:
            found.extend(variable.objectives)
        return found

    def iter_items(self) -> Iterator[tuple[Section, Item]]:
        """Pairs of (section, item), in order."""
        for section in self.sections:
            for item in section.items:
                yield section, item


# --------------------------------------------------------------------------- interview guide


class InterviewQuestion(_Model):
    """An open question with optional probes and read-out prompts.

    ``probes`` follow up what the participant said; ``prompts`` are suggestions read out only
    after the participant has answered the open question in their own words (so the list does
    not lead the answer).
    """

    id: Ident
    text: Text
    probes: list[Text] = Field(default_factory=list)
    prompts: list[Text] = Field(default_factory=list)
    objectives: list[ObjectiveId] = Field(default_factory=list)
    notes: Text | None = None


class InterviewTopic(_Model):
    """A topic of an interview guide: questions, probes and a time budget."""

    id: Ident
    title: Text
    minutes: int | None = Field(None, ge=1, le=240)
    purpose: Text | None = None
    objectives: list[ObjectiveId] = Field(default_factory=list)
    questions: list[InterviewQuestion] = Field(min_length=1)


class InterviewGuide(_Document):
    """A semi-structured interview guide."""

    kind: Literal["interview_guide"] = "interview_guide"
    objectives: list[ObjectiveId] = Field(default_factory=list)
    audience: Literal["trainee", "supervisor", "manager", "mentor", "other"]
    duration_minutes: int = Field(ge=5, le=240)
    purpose: Text
    consent_script: Text
    guidance: list[Text] = Field(default_factory=list)
    topics: list[InterviewTopic] = Field(min_length=1)
    closing: Text | None = None

    def objective_mentions(self) -> list[str]:
        found = list(self.objectives)
        for topic in self.topics:
            found.extend(topic.objectives)
            for q in topic.questions:
                found.extend(q.objectives)
        return found


# ---------------------------------------------------------------------------------- codebook


class Code(_Model):
    """A code (or, with child codes, a theme) of a qualitative codebook."""

    id: Ident
    label: Text
    definition: Text
    include: list[Text] = Field(default_factory=list)
    exclude: list[Text] = Field(default_factory=list)
    examples: list[Text] = Field(default_factory=list)
    objectives: list[ObjectiveId] = Field(default_factory=list)
    codes: list[Code] = Field(default_factory=list)

    def walk(self, depth: int = 0) -> Iterator[tuple[int, Code]]:
        """This code and its descendants, depth first, with their depth."""
        yield depth, self
        for child in self.codes:
            yield from child.walk(depth + 1)


class Attribute(_Model):
    """An attribute recorded for every case (participant) or coded segment of a codebook.

    Case attributes (role, grade band, trust code...) are what a framework matrix is charted
    by; segment attributes (valence...) qualify each coded segment. ``values`` lists the
    allowed values; without it any value is allowed.
    """

    id: Ident
    label: Text
    description: Text | None = None
    values: list[Option] = Field(default_factory=list)


class Codebook(_Document):
    """A codebook for framework (thematic) analysis: themes with nested codes."""

    kind: Literal["codebook"] = "codebook"
    objectives: list[ObjectiveId] = Field(default_factory=list)
    approach: Text | None = None
    case_attributes: list[Attribute] = Field(default_factory=list)
    segment_attributes: list[Attribute] = Field(default_factory=list)
    conventions: list[Text] = Field(default_factory=list)
    """Coding conventions (double coding, linking codes, promoting emergent codes...)."""
    codes: list[Code] = Field(min_length=1)

    def walk(self) -> Iterator[tuple[int, Code]]:
        """Every code, depth first, with its depth (0 for themes)."""
        for code in self.codes:
            yield from code.walk()

    def code(self, code_id: str) -> Code:
        """The code with this id, at any depth."""
        for _, c in self.walk():
            if c.id == code_id:
                return c
        raise KeyError(code_id)

    def theme_of(self, code_id: str) -> Code:
        """The top-level theme a code belongs to."""
        for theme in self.codes:
            for _, c in theme.walk():
                if c.id == code_id:
                    return theme
        raise KeyError(code_id)

    def objective_mentions(self) -> list[str]:
        found = list(self.objectives)
        for _, c in self.walk():
            found.extend(c.objectives)
        return found


# ---------------------------------------------------------------------------------- guidance


class GuidanceSection(_Model):
    """A section of a guidance document: prose (Markdown) and optional bullet points."""

    id: Ident
    title: Text
    body: Text | None = None
    points: list[Text] = Field(default_factory=list)
    never: list[Text] = Field(default_factory=list)
    objectives: list[ObjectiveId] = Field(default_factory=list)


class Guidance(_Document):
    """Written guidance, e.g. for co-researchers who conduct interviews."""

    kind: Literal["guidance"] = "guidance"
    objectives: list[ObjectiveId] = Field(default_factory=list)
    audience: str
    sections: list[GuidanceSection] = Field(min_length=1)

    def objective_mentions(self) -> list[str]:
        found = list(self.objectives)
        for s in self.sections:
            found.extend(s.objectives)
        return found


# -------------------------------------------------------------------------------- evaluation


class Objective(_Model):
    """One objective of the evaluation."""

    id: ObjectiveId
    text: Text


class CaseStudyDesign(_Model):
    """How case-study sites are chosen and who is interviewed."""

    sites: int = Field(ge=0)
    of: int | None = Field(None, ge=1)
    selection: Text | None = None
    participants: list[Text] = Field(default_factory=list)
    fieldwork: Text | None = None


ANALYSES = (
    "benchmark",
    "groups",
    "waves",
    "activity_origins",
    "most_helpful",
    "uptake",
    "activity_outcomes",
)
"""The kinds of analysis a plan can pre-specify (the library function each names is in the
methods pages: compare_to_benchmark, compare_groups, compare_waves, activity_origins,
most_helpful_activities, model_activity_uptake, relate_activity_outcomes)."""


class PlannedComparison(_Model):
    """One pre-specified (confirmatory) analysis of the evaluation's analysis plan."""

    id: Ident
    objective: ObjectiveId
    question: Text
    instrument: Slug
    analysis: Literal[
        "benchmark",
        "groups",
        "waves",
        "activity_origins",
        "most_helpful",
        "uptake",
        "activity_outcomes",
    ]
    measure: Ident
    between: Ident | None = None
    test: str | None = None


class AnalysisPlan(_Model):
    """The analysis plan: a handful of confirmatory analyses, fixed before the data are seen;
    every other result is exploratory. Each family's p-values are adjusted apart."""

    confirmatory: list[PlannedComparison] = Field(default_factory=list, max_length=12)
    alpha: float = Field(0.05, gt=0, lt=1)
    confirmatory_adjust: Literal["holm", "bonf", "none"] = "holm"
    exploratory_adjust: Literal["fdr_bh", "fdr_by", "holm", "bonf", "none"] = "fdr_bh"
    notes: Text | None = None


class Evaluation(_Document):
    """The evaluation: the scheme, its objectives, the design, the analysis plan and the
    disclosure policy."""

    kind: Literal["evaluation"] = "evaluation"
    scheme: Text
    objectives: list[Objective] = Field(min_length=1)
    groups: int | None = Field(None, ge=1)
    case_studies: CaseStudyDesign | None = None
    instruments: list[Slug] = Field(default_factory=list)
    disclosure: DisclosurePolicy = Field(default_factory=DisclosurePolicy)
    analysis_plan: AnalysisPlan | None = None

    @model_validator(mode="after")
    def _check_plan(self) -> Evaluation:
        plan = self.analysis_plan
        if plan is None:
            return self
        known = {o.id for o in self.objectives}
        seen: set[str] = set()
        for entry in plan.confirmatory:
            if entry.objective not in known:
                raise ValueError(
                    f"analysis_plan entry {entry.id!r} serves objective {entry.objective!r}, "
                    f"which is not one of the evaluation's ({', '.join(sorted(known))})"
                )
            if entry.id in seen:
                raise ValueError(f"analysis_plan entry id {entry.id!r} is used twice")
            seen.add(entry.id)
            if entry.analysis == "groups" and entry.between is None:
                raise ValueError(f"analysis_plan entry {entry.id!r} compares groups: say 'between'")
        return self

    @property
    def objective_ids(self) -> list[str]:
        """The ids of the evaluation's objectives, in order."""
        return [o.id for o in self.objectives]

    def objective_mentions(self) -> list[str]:
        return []  # the evaluation defines objectives; it does not serve them

    def all_objectives(self) -> set[str]:
        return set(self.objective_ids)


Instrument = Survey | InterviewGuide | Codebook | Guidance | Evaluation
"""Any document the loader returns."""

MODEL_FOR_KIND: dict[str, type[Any]] = {
    "survey": Survey,
    "interview_guide": InterviewGuide,
    "codebook": Codebook,
    "guidance": Guidance,
    "evaluation": Evaluation,
}
