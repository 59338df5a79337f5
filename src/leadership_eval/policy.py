"""Disclosure policies: the one owner of the rules every published number obeys.

Every function that publishes or checks something about respondents takes ``policy=`` and
resolves it here, with :meth:`DisclosurePolicy.resolve`: a preset name, a YAML file (read through
the same safe, located loader as the instruments), a policy object, or None for the default.
Arguments such as ``min_cell=`` or ``k=`` may only *tighten* the resolved policy
(:meth:`DisclosurePolicy.tighten`); a looser value is refused with
:class:`~leadership_eval.errors.DisclosureError`.

Presets exist for rules people already follow:

``default``
    The library's default, stricter than both presets: no report for a group of fewer than 5
    respondents, no count, percentage or mean based on fewer than 5.
``gmc-nts``
    General Medical Council National Training Survey: results from fewer than 3 respondents are
    not published.
``nhs-hes``
    NHS Digital Hospital Episode Statistics: counts of 1 to 7 are suppressed and all other counts
    are rounded to the nearest 5.

A preset copies another body's *threshold*; every preset still applies this library's rules for
comments (reviewed, and only when enough people wrote one), dominance (a small group all, or all
but one, in one category), quotes (attributed to a role only when enough people of that role took
part) and differencing between releases (cell-key perturbation of counts, coarse percentages,
perturbed means): see :class:`Perturbation`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import ConfigurationError, DisclosureError, Problem

__all__ = ["PRESETS", "DisclosurePolicy", "Perturbation"]


class Perturbation(BaseModel):
    """How published numbers are perturbed so that releases cannot be differenced.

    Counts get noise from a perturbation table looked up with a *cell key* (the cell-key method
    of the Australian Bureau of Statistics and the Office for National Statistics, see
    :mod:`leadership_eval.privacy.perturb`); means get noise scaled to the group's size; displayed
    percentages and means are coarse.

    Attributes
    ----------
    method : {"cell-key", "none"}
        ``"cell-key"`` perturbs; ``"none"`` publishes exact counts (then releases that differ by
        one respondent can be differenced: only for a one-off release).
    max_noise : int
        Largest change a count may get (``D`` of the perturbation table).
    variance : float
        Variance of the noise added to a count (``V``), before the constraints at small values.
    percent_step : int
        Displayed percentages are multiples of this (10 shows 0, 10, 20, ... 100).
    mean_decimals : int
        Decimals shown for means and their intervals.
    mean_noise : float
        Standard deviation of the noise added to a group's mean, as a multiple of the
        respondents' standard deviation divided by the group's size (1 means ``sd / n``:
        the change one respondent can make to a mean).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    method: Literal["cell-key", "none"] = "cell-key"
    max_noise: int = Field(3, ge=1, le=10)
    variance: float = Field(3.0, gt=0, le=25)
    percent_step: int = Field(10, ge=1, le=25)
    mean_decimals: int = Field(1, ge=0, le=3)
    mean_noise: float = Field(1.0, ge=0, le=10)

    @model_validator(mode="after")
    def _check(self) -> Perturbation:
        if self.method == "cell-key" and self.variance > self.max_noise**2:
            raise ValueError(
                f"variance ({self.variance}) cannot exceed max_noise squared "
                f"({self.max_noise**2}): noise bounded by {self.max_noise} cannot vary more"
            )
        if 100 % self.percent_step:
            raise ValueError(f"percent_step must divide 100; found {self.percent_step}")
        return self


# the direction in which each setting is stricter: +1 larger is stricter, -1 smaller is
_STRICTER: dict[str, int] = {
    "min_group": 1,
    "min_cell": 1,
    "min_comments": 1,
    "min_participants_theme": 1,
    "dominance_group": 1,
}
_PERTURB_STRICTER: dict[str, int] = {
    "max_noise": 1,
    "variance": 1,
    "percent_step": 1,
    "mean_decimals": -1,
    "mean_noise": 1,
}


class DisclosurePolicy(BaseModel):
    """The thresholds and rules that decide what may be published.

    Attributes
    ----------
    name : str
        A label for the policy (a preset's name, with ``+`` and each tightened setting after
        it; or the user's own).
    min_group : int
        Fewest respondents a group (a trust, a grade band...) must have for any report or
        summary of it to be produced; also the default ``k`` of k-anonymity checks.
    min_cell : int
        Fewest contributors a published count, percentage or mean must be based on; smaller
        cells are suppressed, with enough complementary cells that they cannot be recovered.
    suppress_zero : bool
        Whether zero counts are also suppressed (a zero can disclose that nobody in a group
        gave an answer; most policies publish zeros).
    rounding : int or None
        Round every published count to a multiple of this base (HES uses 5); None publishes
        counts without rounding (they are still perturbed unless ``perturbation.method`` is
        ``"none"``).
    min_participants_theme : int
        Fewest interview participants a qualitative theme must be supported by to be shown for
        a single trust (otherwise it rolls up to the region); also the fewest participants of a
        role in a trust for a quote to be attributed to that role.
    quote_attribution : {"role", "none"}
        How a quote is attributed: by role at most, or not at all.
    min_comments : int
        Fewest people who must have written a comment on a question in a group for any of that
        group's comments on it to be shown.
    dominance_group : int
        In a group with fewer answers than this, a row where all, or all but one, gave the same
        answer is not shown as percentages (that would tell everyone's answer): it is shown as
        "almost all" of that answer. 0 turns the rule off.
    perturbation : Perturbation
        Protection of releases against differencing (see :class:`Perturbation`).
    flags_in_mentor_reports : bool
        Whether a mentor's report flags scale scores outside the funnel limits. Off by
        default: the evaluation is formative, and a flag on a sample of 5-14 reads as a
        verdict; the regional report always keeps the comparisons.

    Examples
    --------
    >>> from leadership_eval.policy import DisclosurePolicy
    >>> DisclosurePolicy.resolve("gmc-nts").min_cell
    3
    >>> DisclosurePolicy.resolve(None, min_cell=8).name
    'default+min_cell=8'
    >>> DisclosurePolicy.resolve("default", min_cell=2)
    Traceback (most recent call last):
    ...
    leadership_eval.errors.DisclosureError: min_cell=2 would loosen the disclosure policy 'default' (min_cell=5); arguments may only tighten a policy: choose a preset or a policy file with the rule you need
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "default"
    min_group: int = Field(5, ge=2)
    min_cell: int = Field(5, ge=2)
    suppress_zero: bool = False
    rounding: int | None = Field(None, ge=2)
    min_participants_theme: int = Field(3, ge=2)
    quote_attribution: Literal["role", "none"] = "role"
    min_comments: int = Field(5, ge=3)
    dominance_group: int = Field(20, ge=0)
    perturbation: Perturbation = Field(default_factory=Perturbation)
    flags_in_mentor_reports: bool = False

    @model_validator(mode="after")
    def _check(self) -> DisclosurePolicy:
        if self.min_group < self.min_cell:
            raise ValueError(
                f"min_group ({self.min_group}) must be at least min_cell ({self.min_cell}): "
                "a report on a group smaller than the cell threshold would disclose its cells"
            )
        return self

    # ------------------------------------------------------------------ construction

    @classmethod
    def preset(cls, name: str) -> DisclosurePolicy:
        """Return a named preset: ``default``, ``gmc-nts`` or ``nhs-hes``.

        Examples
        --------
        >>> from leadership_eval.policy import DisclosurePolicy
        >>> DisclosurePolicy.preset("gmc-nts").min_cell
        3
        >>> DisclosurePolicy.preset("nhs-hes").rounding
        5
        """
        key = str(name).strip().lower().replace("_", "-")
        if key not in PRESETS:
            known = ", ".join(sorted(PRESETS))
            raise ConfigurationError(
                f"unknown disclosure policy {name!r}: not a preset ({known}) nor a .yaml file",
                code="unknown-policy",
            )
        return PRESETS[key]

    @classmethod
    def resolve(
        cls,
        policy: DisclosurePolicy | str | Path | Mapping[str, Any] | None = None,
        **tighten: Any,
    ) -> DisclosurePolicy:
        """The policy to apply: ``policy`` resolved, then tightened by the non-None settings.

        Every function that publishes or checks takes ``policy=`` and calls this, so that one
        policy is applied everywhere.

        Parameters
        ----------
        policy : DisclosurePolicy, str, pathlib.Path, mapping or None
            A policy; a preset name (``default``, ``gmc-nts``, ``nhs-hes``); the path of a
            policy YAML file (see :meth:`from_file`); a mapping of settings (validated as a
            file's would be); or None for the ``default`` preset.
        **tighten
            Settings that may only make the policy stricter (``min_cell=8``); None values are
            ignored, so callers can pass their optional arguments straight through.

        Returns
        -------
        DisclosurePolicy

        Raises
        ------
        DisclosureError
            With code ``loosens-policy`` when a setting would loosen the policy.
        ConfigurationError
            An unknown preset, an unreadable or invalid file, or an unknown setting.
        """
        if policy is None:
            base = PRESETS["default"]
        elif isinstance(policy, DisclosurePolicy):
            base = policy
        elif isinstance(policy, Mapping):
            base = cls._from_mapping(dict(policy), "<policy>")
        elif isinstance(policy, Path):
            base = cls.from_file(policy)
        elif isinstance(policy, str):
            text = policy.strip()
            if Path(text).suffix.lower() in (".yaml", ".yml") or (
                text.lower().replace("_", "-") not in PRESETS and Path(text).is_file()
            ):
                base = cls.from_file(text)
            else:
                base = cls.preset(text)
        else:
            raise ConfigurationError(
                "policy must be a DisclosurePolicy, a preset name, a policy file or None; "
                f"found {type(policy).__name__}",
                code="bad-policy",
            )
        changes = {k: v for k, v in tighten.items() if v is not None}
        return base.tighten(**changes) if changes else base

    @classmethod
    def from_file(cls, path: str | Path) -> DisclosurePolicy:
        """Read a policy from a YAML file.

        The file is read through the instrument loader's safe YAML reader (duplicate keys, merge
        keys, tags and alias bombs are errors) and every problem is reported with
        ``file:line:col``. Its keys are this model's fields; or ``preset: NAME`` and settings
        that tighten that preset.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from leadership_eval.policy import DisclosurePolicy
        >>> with tempfile.TemporaryDirectory() as d:
        ...     p = pathlib.Path(d, "policy.yaml")
        ...     _ = p.write_text("preset: gmc-nts\\nmin_cell: 4\\nmin_group: 4\\n")
        ...     DisclosurePolicy.from_file(p).name
        'gmc-nts+min_cell=4+min_group=4'
        """
        p = Path(path)
        try:
            raw = p.read_bytes()
        except OSError as exc:
            raise ConfigurationError(
                f"{p}: cannot read the disclosure policy file: {exc.strerror or exc}",
                code="unreadable-file",
            ) from exc
        from .document import parse_document

        doc = parse_document(raw, str(p))
        if doc.problems:
            raise _located(doc.problems, p)
        if not isinstance(doc.data, dict):
            raise _located(
                [Problem(str(p), 1, 1, "not-a-mapping", "a policy file is a mapping of settings")],
                p,
            )
        return cls._from_mapping(doc.data, str(p), doc)

    @classmethod
    def _from_mapping(cls, raw: dict[str, Any], source: str, doc: Any = None) -> DisclosurePolicy:
        from .document import Document, pydantic_problems

        if doc is None:
            doc = Document(source=source, data=raw)
        data = dict(raw)
        base_name = data.pop("preset", None)
        try:
            if base_name is not None:
                base = cls.preset(str(base_name))
                unknown = [k for k in data if k not in cls.model_fields or k == "name"]
                if unknown:
                    for k in unknown:
                        doc.add(
                            (k,),
                            "unknown-field",
                            f"unknown setting {k!r} (a preset's name cannot be changed)"
                            if k == "name"
                            else f"unknown setting {k!r}",
                            key=True,
                        )
                    raise _located(doc.problems, source)
                if isinstance(data.get("perturbation"), Mapping):
                    pert = base.perturbation.model_dump() | dict(data["perturbation"])
                    data["perturbation"] = Perturbation.model_validate(pert)
                try:
                    return base.tighten(**data)
                except DisclosureError as exc:
                    key = next((k for k in data if f"{k}=" in str(exc)), None)
                    line, col = doc.where((key,)) if key else (1, 1)
                    raise DisclosureError(f"{source}:{line}:{col}: {exc}", code=exc.code) from exc
            return cls.model_validate(data)
        except ValidationError as exc:
            pydantic_problems(doc, cls, exc)
            raise _located(doc.problems, source) from exc

    # ------------------------------------------------------------------ tightening

    def tighten(self, **changes: Any) -> DisclosurePolicy:
        """A copy with ``changes`` applied, each of which must be at least as strict.

        Raises
        ------
        DisclosureError
            With code ``loosens-policy`` for a change that is less strict than the policy.

        Examples
        --------
        >>> from leadership_eval.policy import DisclosurePolicy
        >>> p = DisclosurePolicy.preset("gmc-nts").tighten(min_cell=5, min_group=5)
        >>> p.name, p.min_cell
        ('gmc-nts+min_cell=5+min_group=5', 5)
        """
        current = self.model_dump()
        update: dict[str, Any] = {}
        notes: list[str] = []
        for key, value in changes.items():
            if key not in type(self).model_fields or key == "name":
                raise ConfigurationError(
                    f"unknown disclosure policy setting {key!r}; settings: "
                    + ", ".join(k for k in type(self).model_fields if k != "name"),
                    code="unknown-setting",
                )
            if key == "perturbation":
                value = self._tighter_perturbation(value)
                if value != self.perturbation:
                    notes.append("perturbation")
                update[key] = value
                continue
            value = self._tighter_setting(key, current[key], value)
            if value != current[key]:
                notes.append(f"{key}={value}")
            update[key] = value
        if not update:
            return self
        # a group smaller than the cell threshold cannot be reported: raising min_cell raises
        # min_group with it
        if "min_group" not in update and update.get("min_cell", 0) > current["min_group"]:
            update["min_group"] = update["min_cell"]
        name = self.name + "".join(f"+{n}" for n in notes)
        try:
            return type(self).model_validate({**current, **update, "name": name})
        except ValidationError as exc:
            raise ConfigurationError(
                f"invalid disclosure policy settings: {exc.errors()[0]['msg']}",
                code="bad-setting",
            ) from exc

    def _tighter_perturbation(self, value: Any) -> Perturbation:
        """The perturbation asked for, refused if any of its settings is less strict."""
        value = (
            value
            if isinstance(value, Perturbation)
            else Perturbation.model_validate(self.perturbation.model_dump() | dict(value or {}))
        )
        for sub, direction in _PERTURB_STRICTER.items():
            self._check_direction(
                f"perturbation.{sub}",
                getattr(self.perturbation, sub),
                getattr(value, sub),
                direction,
            )
        if self.perturbation.method == "cell-key" and value.method == "none":
            self._refuse("perturbation.method='none'", "perturbation.method='cell-key'")
        if value.percent_step % self.perturbation.percent_step:
            self._refuse(
                f"perturbation.percent_step={value.percent_step}",
                f"perturbation.percent_step={self.perturbation.percent_step} "
                "(a tighter step must be a multiple of it)",
            )
        return value

    def _tighter_setting(self, key: str, old: Any, value: Any) -> Any:
        """The setting asked for (a whole number where one is needed), refused if it loosens."""
        if key in _STRICTER:
            if isinstance(value, bool) or not isinstance(value, int):
                try:
                    as_int = int(value)
                except (TypeError, ValueError):
                    as_int = None
                if as_int is None or as_int != value or isinstance(value, bool):
                    raise ConfigurationError(
                        f"{key} must be a whole number; found {value!r}", code="bad-setting"
                    )
                value = as_int
            self._check_direction(key, old, value, _STRICTER[key])
        elif key == "suppress_zero":
            if old and not value:
                self._refuse(f"{key}={value!r}", f"{key}=True")
        elif key == "rounding":
            if value is None and old is not None:
                self._refuse("rounding=None", f"rounding={old}")
            if old is not None and value is not None and (value < old or value % old):
                self._refuse(f"rounding={value}", f"rounding={old} (a multiple of it is stricter)")
        elif key == "quote_attribution" and old == "none" and value != "none":
            self._refuse(f"{key}={value!r}", f"{key}='none'")
        return value

    def _check_direction(self, key: str, old: Any, new: Any, direction: int) -> None:
        if (new - old) * direction < 0:
            self._refuse(f"{key}={new}", f"{key}={old}")

    def _refuse(self, asked: str, current: str) -> None:
        raise DisclosureError(
            f"{asked} would loosen the disclosure policy {self.name!r} ({current}); arguments "
            "may only tighten a policy: choose a preset or a policy file with the rule you need",
            code="loosens-policy",
        )

    # ------------------------------------------------------------------ questions

    def is_publishable_count(self, n: int) -> bool:
        """Whether a cell based on ``n`` contributors may be shown.

        >>> DisclosurePolicy().is_publishable_count(4), DisclosurePolicy().is_publishable_count(5)
        (False, True)
        """
        if n == 0:
            return not self.suppress_zero
        return n >= self.min_cell

    def is_dominated(self, counts: Any) -> bool:
        """Whether a row of answer counts falls under the dominance rule.

        True when the row's total is below ``dominance_group`` and all, or all but one, of its
        answers are in one category (publishing it would tell every member's answer, or all
        but one's).

        >>> p = DisclosurePolicy()
        >>> p.is_dominated([0, 1, 11]), p.is_dominated([2, 3, 7]), p.is_dominated([0, 0, 25])
        (True, False, False)
        """
        values = [int(v) for v in counts]
        total = sum(values)
        if total == 0 or total >= self.dominance_group:
            return False
        return max(values) >= total - 1

    def settings(self) -> dict[str, Any]:
        """The effective settings, flat (for logs and the methods text)."""
        out = self.model_dump()
        pert = out.pop("perturbation")
        out.update({f"perturbation.{k}": v for k, v in pert.items()})
        return out


def _located(problems: list[Problem], source: str | Path) -> ConfigurationError:
    lines = "\n".join(str(p) for p in sorted(problems, key=lambda p: (p.line, p.column)))
    return ConfigurationError(
        f"{source}: invalid disclosure policy:\n{lines}",
        code="invalid-policy-file",
        problems=problems,
    )


PRESETS: dict[str, DisclosurePolicy] = {
    "default": DisclosurePolicy(name="default", min_group=5, min_cell=5),
    "gmc-nts": DisclosurePolicy(name="gmc-nts", min_group=3, min_cell=3),
    "nhs-hes": DisclosurePolicy(name="nhs-hes", min_group=8, min_cell=8, rounding=5),
}
