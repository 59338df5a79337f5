"""Hostile input to the disclosure policy: files, mappings, presets and tightening arguments.

Each test is one way a hand-written policy (``policy.yaml``, a mapping, ``tighten`` arguments)
could go wrong. The rule they check: bad input is a located
:class:`~leadership_eval.errors.ConfigurationError` listing every problem, never a traceback, and
a policy never silently ends up weaker than what was written (a boolean read as a number, a YAML
1.1 octal read as a smaller threshold, an empty preset ignored, a quoted ``'false'`` switching a
rule off...).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from leadership_eval.errors import ConfigurationError, DisclosureError
from leadership_eval.policy import PRESETS, DisclosurePolicy


def _file(tmp_path: Path, text: str) -> Path:
    f = tmp_path / "policy.yaml"
    f.write_text(text, encoding="utf-8")
    return f


def _problems(f: Path) -> str:
    with pytest.raises(ConfigurationError) as info:
        DisclosurePolicy.from_file(f)
    assert info.value.code == "invalid-policy-file"
    return str(info.value)


# ------------------------------------------------------------------ values read as something else


def test_quoted_false_cannot_switch_off_zero_suppression() -> None:
    strict = DisclosurePolicy(name="mine", suppress_zero=True)
    for text in ("false", "no", "off"):
        with pytest.raises((ConfigurationError, DisclosureError)):
            strict.tighten(suppress_zero=text)


def test_dominance_false_is_refused_not_read_as_zero(tmp_path: Path) -> None:
    text = _problems(_file(tmp_path, "dominance_group: false\n"))
    assert "policy.yaml:1:18: wrong-type: dominance_group should be a number" in text


def test_percent_step_true_is_refused_not_read_as_one(tmp_path: Path) -> None:
    text = _problems(_file(tmp_path, "perturbation:\n  percent_step: true\n"))
    assert "policy.yaml:2:17: wrong-type: percent_step should be a number" in text


def test_yaml_octal_threshold_is_refused_not_read_as_eight(tmp_path: Path) -> None:
    text = _problems(_file(tmp_path, "min_cell: 010\nmin_group: 10\n"))
    assert "policy.yaml:1:11: invalid-format: min_cell" in text
    assert "8" in text


def test_yaml_sexagesimal_number_is_refused(tmp_path: Path) -> None:
    text = _problems(_file(tmp_path, "preset: default\nperturbation: {max_noise: 1:00}\n"))
    assert "policy.yaml:2:27: invalid-format: max_noise" in text


# ------------------------------------------------------------------ presets


def test_empty_preset_is_refused_not_ignored(tmp_path: Path) -> None:
    text = _problems(_file(tmp_path, "preset:\nmin_cell: 6\nmin_group: 6\n"))
    assert "policy.yaml:1:8: wrong-type: preset" in text


def test_unknown_preset_in_a_file_is_located_with_a_hint(tmp_path: Path) -> None:
    text = _problems(_file(tmp_path, "preset: nhs-hse\n"))
    assert "policy.yaml:1:9: unknown-policy: unknown preset 'nhs-hse' (presets: " in text
    assert "did you mean 'nhs-hes'?" in text


def test_misspelt_preset_key_suggests_preset(tmp_path: Path) -> None:
    text = _problems(_file(tmp_path, "Preset: nhs-hes\n"))
    assert "policy.yaml:1:1: unknown-field: unknown field 'Preset'; did you mean 'preset'?" in text


def test_unknown_preset_name_argument_has_a_hint() -> None:
    with pytest.raises(ConfigurationError, match="did you mean 'gmc-nts'"):
        DisclosurePolicy.resolve("gmcnts")


def test_folder_given_as_policy_says_it_is_a_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="is a folder"):
        DisclosurePolicy.resolve(str(tmp_path))


def test_presets_cannot_be_replaced() -> None:
    with pytest.raises(TypeError):
        PRESETS["default"] = DisclosurePolicy(name="default", min_cell=2, min_group=2)  # type: ignore[index]


def test_policy_named_as_a_preset_with_other_settings_is_refused(tmp_path: Path) -> None:
    text = _problems(_file(tmp_path, "name: nhs-hes\nmin_cell: 3\nmin_group: 3\n"))
    assert "policy.yaml:1:7: invalid-value: name" in text
    assert "preset: nhs-hes" in text


# ------------------------------------------------------------------ a preset with overrides


def test_preset_file_lists_every_problem_at_once(tmp_path: Path) -> None:
    f = _file(tmp_path, "preset: default\nmin_cell: 7.5\nsuppress_zero: maybe\nmin_grup: 9\n")
    text = _problems(f)
    assert "policy.yaml:2:11: wrong-type: min_cell" in text
    assert "policy.yaml:3:16: wrong-type: suppress_zero" in text
    assert "policy.yaml:4:1: unknown-field: unknown field 'min_grup'; did you mean" in text


def test_misspelt_perturbation_setting_under_a_preset_is_located(tmp_path: Path) -> None:
    text = _problems(_file(tmp_path, "preset: default\nperturbation:\n  max_nois: 5\n"))
    assert (
        "policy.yaml:3:3: unknown-field: unknown field 'max_nois'; did you mean 'max_noise'?"
        in text
    )


def test_perturbation_none_under_a_preset_is_a_located_error(tmp_path: Path) -> None:
    text = _problems(_file(tmp_path, "preset: default\nperturbation: none\n"))
    assert "policy.yaml:2:15: wrong-type: perturbation" in text


def test_contradicting_perturbation_under_a_preset_is_located(tmp_path: Path) -> None:
    text = _problems(_file(tmp_path, "preset: default\nperturbation:\n  percent_step: 7\n"))
    assert "policy.yaml:3:3: invalid-value: perturbation: percent_step must divide 100" in text


def test_infinite_threshold_under_a_preset_is_a_located_error(tmp_path: Path) -> None:
    text = _problems(_file(tmp_path, "preset: default\nmin_cell: .inf\n"))
    assert "policy.yaml:2:11: wrong-type: min_cell" in text


def test_quoted_rounding_over_a_rounding_preset_is_read_as_its_number(tmp_path: Path) -> None:
    f = _file(tmp_path, "preset: nhs-hes\nrounding: '10'\n")
    assert DisclosurePolicy.from_file(f).rounding == 10


def test_every_loosening_override_is_listed_at_once(tmp_path: Path) -> None:
    f = _file(tmp_path, "preset: default\nmin_cell: 3\nmin_comments: 4\n")
    with pytest.raises(DisclosureError) as info:
        DisclosurePolicy.from_file(f)
    assert "policy.yaml:2:11: min_cell=3 would loosen" in str(info.value)
    assert "policy.yaml:3:15: min_comments=4 would loosen" in str(info.value)


def test_overrides_that_contradict_each_other_are_located(tmp_path: Path) -> None:
    text = _problems(_file(tmp_path, "preset: default\nmin_cell: 8\nmin_group: 6\n"))
    assert "policy.yaml:3:12: invalid-value: min_group (6) must be at least min_cell (8)" in text


# ------------------------------------------------------------------ contradictions


def test_rounding_that_would_publish_a_threshold_count_as_zero_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="rounded to 0"):
        DisclosurePolicy.resolve({"rounding": 20})


def test_dominance_rule_that_can_never_apply_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="never apply"):
        DisclosurePolicy.resolve({"dominance_group": 3})


# ------------------------------------------------------------------ tightening arguments


def test_tighten_rounding_true_is_not_a_whole_number() -> None:
    with pytest.raises(ConfigurationError, match="whole number"):
        DisclosurePolicy.preset("nhs-hes").tighten(rounding=True)


def test_tighten_quoted_rounding_is_not_a_crash() -> None:
    with pytest.raises(ConfigurationError, match="whole number"):
        DisclosurePolicy.preset("nhs-hes").tighten(rounding="10")


def test_tighten_infinite_threshold_is_not_a_crash() -> None:
    with pytest.raises(ConfigurationError, match="whole number"):
        DisclosurePolicy().tighten(min_cell=float("inf"))


def test_tighten_perturbation_text_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="perturbation must be a mapping"):
        DisclosurePolicy().tighten(perturbation="none")


def test_tighten_invalid_perturbation_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="variance"):
        DisclosurePolicy().tighten(perturbation={"variance": float("nan")})
