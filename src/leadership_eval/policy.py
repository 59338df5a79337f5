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
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .errors import (
    ConfigurationError,
    DisclosureError,
    LeadershipEvalError,
    Problem,
    did_you_mean,
)

__all__ = ["PRESETS", "DisclosurePolicy", "Perturbation"]


def _not_bool(value: Any) -> Any:
    """Refuse true/false where a number is wanted (pydantic would read them as 1 and 0)."""
    if isinstance(value, bool):
        raise PydanticCustomError("bool_not_number", "Input should be a number, not true or false")
    return value


Count = Annotated[int, BeforeValidator(_not_bool)]
"""A whole number that is not a boolean (``dominance_group: false`` is not 0)."""

Number = Annotated[float, BeforeValidator(_not_bool)]
"""A number that is not a boolean (``variance: on`` is not 1.0)."""


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
    max_noise: Count = Field(3, ge=1, le=10)
    variance: Number = Field(3.0, gt=0, le=25)
    percent_step: Count = Field(10, ge=1, le=25)
    mean_decimals: Count = Field(1, ge=0, le=3)
    mean_noise: Number = Field(1.0, ge=0, le=10)

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
        ``"none"``). At most twice ``min_cell``: a larger base would round a count that may be
        published to 0.
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
        "almost all" of that answer. 0 turns the rule off; a policy file's value must
        otherwise be above ``min_cell`` (smaller rows are suppressed, so the rule would never
        apply).
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
    min_group: Count = Field(5, ge=2)
    min_cell: Count = Field(5, ge=2)
    suppress_zero: bool = False
    rounding: Count | None = Field(None, ge=2)
    min_participants_theme: Count = Field(3, ge=2)
    quote_attribution: Literal["role", "none"] = "role"
    min_comments: Count = Field(5, ge=3)
    dominance_group: Count = Field(20, ge=0)
    perturbation: Perturbation = Field(default_factory=Perturbation)
    flags_in_mentor_reports: bool = False

    @model_validator(mode="after")
    def _check(self) -> DisclosurePolicy:
        if self.min_group < self.min_cell:
            raise ValueError(
                f"min_group ({self.min_group}) must be at least min_cell ({self.min_cell}): "
                "a report on a group smaller than the cell threshold would disclose its cells"
            )
        if self.rounding is not None and self.rounding > 2 * self.min_cell:
            raise ValueError(
                f"rounding ({self.rounding}) is more than twice min_cell ({self.min_cell}): a "
                f"count of {self.min_cell}, which may be published, would be rounded to 0; use "
                f"a base of at most {2 * self.min_cell}"
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
        key = _preset_key(name)
        if key not in PRESETS:
            known = ", ".join(sorted(PRESETS))
            raise ConfigurationError(
                f"unknown disclosure policy {name!r}: not a preset ({known}) nor a .yaml file"
                + did_you_mean(key, PRESETS),
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
                _preset_key(text) not in PRESETS and Path(text).is_file()
            ):
                base = cls.from_file(text)
            elif _preset_key(text) not in PRESETS and text and Path(text).is_dir():
                raise ConfigurationError(
                    f"{text}: is a folder, not a disclosure policy file nor a preset",
                    code="unknown-policy",
                )
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
        that tighten that preset. Numbers are written in plain decimal digits (YAML 1.1 would
        read ``010`` as 8 and ``1:00`` as 60) and are never ``true`` or ``false``.

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
        """The policy a file's (or a mapping's) settings describe, every problem located.

        Without ``preset`` the settings are a whole policy (absent ones take the defaults);
        with it they may only tighten that preset. Every problem is collected before one error
        lists them all; settings that would loosen the preset are refused together.
        """
        from .document import Document, pydantic_problems

        if doc is None:
            doc = Document(source=source, data=raw)
        data = dict(raw)
        has_preset = "preset" in data
        base = _base_preset(data.pop("preset", None), doc) if has_preset else None
        _unknown_settings(data, doc, has_preset)
        if base is None and not has_preset:
            try:
                policy = cls.model_validate(data)
            except ValidationError as exc:
                pydantic_problems(doc, cls, exc)
                raise _located(doc.problems, source) from exc
            if doc.problems:
                raise _located(doc.problems, source)
            _check_name(policy, data, doc)
        else:
            try:
                given = _SETTINGS.model_validate(data).model_dump(exclude_unset=True)
                given = {k: given[k] for k in data if k in given}  # the file's order: the name
            except ValidationError as exc:
                pydantic_problems(doc, _SETTINGS, exc)
                raise _located(doc.problems, source) from exc
            if doc.problems or base is None:
                raise _located(doc.problems, source)
            policy = _tightened(base, given, doc)
        if (
            "dominance_group" in data
            and 0 < policy.dominance_group <= policy.min_cell
            and not doc.problems
        ):
            doc.add(
                ("dominance_group",),
                "invalid-value",
                f"dominance_group ({policy.dominance_group}) must be above min_cell "
                f"({policy.min_cell}): smaller rows are suppressed anyway, so the rule would "
                "never apply; 0 turns it off",
            )
        if doc.problems:
            raise _located(doc.problems, source)
        return policy

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
            raise ConfigurationError(_INVALID + _first_error(exc), code="bad-setting") from exc

    def _tighter_perturbation(self, value: Any) -> Perturbation:
        """The perturbation asked for, refused if any of its settings is less strict."""
        if not isinstance(value, Perturbation):
            if value is not None and not isinstance(value, Mapping):
                raise ConfigurationError(
                    "perturbation must be a mapping of settings (max_noise, variance, "
                    f"percent_step, mean_decimals, mean_noise, method); found {value!r}",
                    code="bad-setting",
                )
            try:
                value = Perturbation.model_validate(
                    self.perturbation.model_dump() | dict(value or {})
                )
            except ValidationError as exc:
                raise ConfigurationError(
                    "invalid perturbation settings: " + _first_error(exc), code="bad-setting"
                ) from exc
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
            value = _whole_number(key, value)
            self._check_direction(key, old, value, _STRICTER[key])
        elif key in ("suppress_zero", "flags_in_mentor_reports"):
            # a quoted 'false' is true to Python: it must not slip past the check below
            if type(value).__name__ not in ("bool", "bool_") and value not in (0, 1):
                raise ConfigurationError(
                    f"{key} must be true or false; found {value!r}", code="bad-setting"
                )
            value = bool(value)
            if key == "suppress_zero" and old and not value:
                self._refuse(f"{key}={value!r}", f"{key}=True")
        elif key == "rounding":
            if value is None and old is not None:
                self._refuse("rounding=None", f"rounding={old}")
            value = None if value is None else _whole_number(key, value)
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


def _whole_number(key: str, value: Any) -> int:
    """``value`` as a whole number; refused if it is text, a boolean, a fraction or infinite."""
    if isinstance(value, bool | str) or not isinstance(value, int):
        try:
            as_int = int(value)
        except (TypeError, ValueError, OverflowError):
            as_int = None
        if as_int is None or as_int != value or isinstance(value, bool | str):
            raise ConfigurationError(
                f"{key} must be a whole number; found {value!r}", code="bad-setting"
            )
        value = as_int
    return int(value)


def _first_error(exc: ValidationError) -> str:
    """The first of a validation's errors, as a sentence naming its setting."""
    err = exc.errors(include_url=False)[0]
    msg = str(err.get("ctx", {}).get("error", err["msg"]))
    where = ".".join(str(p) for p in err.get("loc", ()))
    if err["type"] == "value_error" or not where:
        return msg
    return f"{where}: {msg} (found {err.get('input')!r})"


def _located(problems: list[Problem], source: str | Path) -> ConfigurationError:
    lines = "\n".join(str(p) for p in sorted(problems, key=lambda p: (p.line, p.column)))
    return ConfigurationError(
        f"{source}: invalid disclosure policy:\n{lines}",
        code="invalid-policy-file",
        problems=problems,
    )


def _preset_key(name: object) -> str:
    """A preset name as the presets are keyed (``GMC_NTS`` -> ``gmc-nts``)."""
    return str(name).strip().lower().replace("_", "-")


def _base_preset(value: Any, doc: Any) -> DisclosurePolicy | None:
    """The preset a file's ``preset:`` names; None, with a located problem, if it names none."""
    from .document import describe_value

    known = ", ".join(sorted(PRESETS))
    if not isinstance(value, str) or not value.strip():
        found = "empty text" if isinstance(value, str) else describe_value(value)
        doc.add(
            ("preset",),
            "wrong-type",
            f"preset should be the name of a preset ({known}); found {found}",
        )
        return None
    if _preset_key(value) not in PRESETS:
        doc.add(
            ("preset",),
            "unknown-policy",
            f"unknown preset {value!r} (presets: {known})"
            + did_you_mean(_preset_key(value), PRESETS),
        )
        return None
    return PRESETS[_preset_key(value)]


def _unknown_settings(data: dict[Any, Any], doc: Any, has_preset: bool) -> None:
    """Report (and drop) the top-level keys that are not settings, with a "did you mean"."""
    fields = [f for f in DisclosurePolicy.model_fields if not (has_preset and f == "name")]
    for key in list(data):
        if key in fields:
            continue
        del data[key]
        if key == "name":
            doc.add(
                (key,),
                "unknown-field",
                "unknown setting 'name' (a preset's name cannot be changed)",
                key=True,
            )
            continue
        hint = did_you_mean(key, [*fields, "preset"])
        allowed = "" if hint else "; allowed fields: " + ", ".join(sorted([*fields, "preset"]))
        doc.add((key,), "unknown-field", f"unknown field {str(key)!r}{hint}{allowed}", key=True)


def _check_name(policy: DisclosurePolicy, data: Mapping[str, Any], doc: Any) -> None:
    """A policy named after a preset must be at least as strict as that preset."""
    key = _preset_key(policy.name.split("+")[0])
    if "name" not in data or key not in PRESETS:
        return
    settings = policy.model_dump(exclude={"name"})
    settings["perturbation"] = policy.perturbation
    try:
        PRESETS[key].tighten(**settings)
    except LeadershipEvalError as exc:
        doc.add(
            ("name",),
            "invalid-value",
            f"name: {policy.name!r} is a preset's name, but these settings are less strict "
            f"than that preset ({str(exc).split(' would loosen')[0]}); start from it with "
            f"'preset: {key}' and settings that tighten it, or choose another name",
        )


def _tightened(base: DisclosurePolicy, given: dict[str, Any], doc: Any) -> DisclosurePolicy:
    """``base`` tightened by a file's (validated) settings; every refusal located, at once."""
    refusals: list[str] = []
    for key, value in given.items():
        if key == "perturbation":
            merged = base.perturbation.model_dump() | value
            try:
                given[key] = value = Perturbation.model_validate(merged)
            except ValidationError as exc:
                for err in exc.errors(include_url=False):
                    msg = err.get("ctx", {}).get("error", err["msg"])
                    doc.add((key,), "invalid-value", f"perturbation: {msg}")
                continue
        try:
            base.tighten(**{key: value})
        except DisclosureError as exc:
            line, col = doc.where((key,))
            refusals.append(f"{doc.source}:{line}:{col}: {exc}")
        except ConfigurationError as exc:
            doc.add((key,), "invalid-value", str(exc))
    if doc.problems:
        raise _located(doc.problems, doc.source)
    if refusals:
        raise DisclosureError("\n".join(refusals), code="loosens-policy")
    try:
        return base.tighten(**given)
    except ConfigurationError as exc:
        msg = str(exc).removeprefix(_INVALID)
        at = min(given, key=lambda k: (msg.find(k) % (len(msg) + 1), k))
        doc.add((at,), "invalid-value", msg)
        raise _located(doc.problems, doc.source) from exc


def _settings_model(model: type[BaseModel], nested: dict[str, Any]) -> type[BaseModel]:
    """A model of ``model``'s settings, each optional (a file overriding some of a preset's)."""
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name == "name":
            continue
        annotation = nested.get(name, info.annotation)
        if name not in nested and info.metadata:
            annotation = Annotated[(annotation, *info.metadata)]  # type: ignore[valid-type]
        fields[name] = (annotation, None)
    return create_model(  # type: ignore[call-overload, no-any-return]
        model.__name__, __config__=ConfigDict(extra="forbid"), **fields
    )


_SETTINGS = _settings_model(DisclosurePolicy, {"perturbation": _settings_model(Perturbation, {})})
_INVALID = "invalid disclosure policy settings: "


PRESETS: Mapping[str, DisclosurePolicy] = MappingProxyType(
    {
        "default": DisclosurePolicy(name="default", min_group=5, min_cell=5),
        "gmc-nts": DisclosurePolicy(name="gmc-nts", min_group=3, min_cell=3),
        "nhs-hes": DisclosurePolicy(name="nhs-hes", min_group=8, min_cell=8, rounding=5),
    }
)
"""The presets by name (read-only: replacing one would change every report's rules)."""
