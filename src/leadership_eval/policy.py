"""Disclosure policies: the thresholds every report and table obeys.

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
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .errors import ConfigurationError

__all__ = ["PRESETS", "DisclosurePolicy"]


class DisclosurePolicy(BaseModel):
    """The thresholds that decide what may be published.

    Attributes
    ----------
    name : str
        A label for the policy (a preset name or the user's own).
    min_group : int
        Fewest respondents a group (a trust, a grade band...) must have for any report or
        summary of it to be produced.
    min_cell : int
        Fewest contributors a published count, percentage or mean must be based on; smaller cells
        are suppressed, with enough complementary cells that they cannot be recovered.
    suppress_zero : bool
        Whether zero counts are also suppressed (a zero can disclose that nobody in a group
        gave an answer; most policies publish zeros).
    rounding : int or None
        Round every published count to a multiple of this base (HES uses 5); None publishes
        exact counts.
    min_participants_theme : int
        Fewest interview participants a qualitative theme must be supported by to be shown for
        a single trust; otherwise it rolls up to the region.
    quote_attribution : {"role", "none"}
        How a quote is attributed: by role at most, or not at all.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "default"
    min_group: int = Field(5, ge=1)
    min_cell: int = Field(5, ge=1)
    suppress_zero: bool = False
    rounding: int | None = Field(None, ge=2)
    min_participants_theme: int = Field(3, ge=1)
    quote_attribution: Literal["role", "none"] = "role"

    @model_validator(mode="after")
    def _check(self) -> DisclosurePolicy:
        if self.min_group < self.min_cell:
            raise ValueError(
                f"min_group ({self.min_group}) must be at least min_cell ({self.min_cell}): "
                "a report on a group smaller than the cell threshold would disclose its cells"
            )
        return self

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
        key = name.strip().lower().replace("_", "-")
        if key not in PRESETS:
            known = ", ".join(sorted(PRESETS))
            raise ConfigurationError(
                f"unknown disclosure policy preset {name!r}; expected one of {known}",
                code="unknown-policy",
            )
        return PRESETS[key]

    @classmethod
    def from_file(cls, path: str | Path) -> DisclosurePolicy:
        """Read a policy from a YAML file (its keys are this model's fields, or ``preset: NAME``
        with overrides)."""
        import yaml

        p = Path(path)
        try:
            raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise ConfigurationError(f"{p}: cannot read disclosure policy: {exc}") from exc
        if not isinstance(raw, dict):
            raise ConfigurationError(f"{p}: a disclosure policy must be a mapping of settings")
        base = raw.pop("preset", None)
        try:
            if base is not None:
                return (
                    cls.preset(str(base))
                    .model_copy(update=raw)
                    .model_validate({**cls.preset(str(base)).model_dump(), **raw})
                )
            return cls.model_validate(raw)
        except ValueError as exc:
            raise ConfigurationError(f"{p}: invalid disclosure policy: {exc}") from exc

    def is_publishable_count(self, n: int) -> bool:
        """Whether a cell based on ``n`` contributors may be shown.

        >>> DisclosurePolicy().is_publishable_count(4), DisclosurePolicy().is_publishable_count(5)
        (False, True)
        """
        if n == 0:
            return not self.suppress_zero
        return n >= self.min_cell


PRESETS: dict[str, DisclosurePolicy] = {
    "default": DisclosurePolicy(name="default", min_group=5, min_cell=5),
    "gmc-nts": DisclosurePolicy(name="gmc-nts", min_group=3, min_cell=3),
    "nhs-hes": DisclosurePolicy(name="nhs-hes", min_group=8, min_cell=8, rounding=5),
}
