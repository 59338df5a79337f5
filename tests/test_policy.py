"""The one owner of disclosure policy: resolving, tightening, files, refusals."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest

import leadership_eval as le
from leadership_eval.errors import ConfigurationError, DisclosureError
from leadership_eval.policy import PRESETS, DisclosurePolicy, Perturbation


def test_resolve_accepts_every_form(tmp_path: Path) -> None:
    assert DisclosurePolicy.resolve(None) is PRESETS["default"]
    assert DisclosurePolicy.resolve("GMC_NTS").name == "gmc-nts"
    pol = DisclosurePolicy(name="mine", min_cell=6, min_group=6)
    assert DisclosurePolicy.resolve(pol) is pol
    assert DisclosurePolicy.resolve({"min_cell": 7, "min_group": 9}).min_group == 9
    f = tmp_path / "policy.yaml"
    f.write_text("preset: nhs-hes\nmin_group: 10\n", encoding="utf-8")
    assert DisclosurePolicy.resolve(f).min_group == 10
    assert DisclosurePolicy.resolve(str(f)).rounding == 5
    with pytest.raises(ConfigurationError, match="not a preset"):
        DisclosurePolicy.resolve("strictest")
    with pytest.raises(ConfigurationError, match="found int"):
        DisclosurePolicy.resolve(5)  # type: ignore[arg-type]


def test_arguments_only_tighten() -> None:
    base = DisclosurePolicy.resolve("gmc-nts", min_cell=4)
    assert (base.min_cell, base.min_group) == (4, 4)  # min_group follows min_cell up
    assert base.name == "gmc-nts+min_cell=4"
    for loosen in (
        {"min_cell": 2},
        {"min_group": 2},
        {"quote_attribution": "role", "policy": DisclosurePolicy(quote_attribution="none")},
        {"min_comments": 3},
        {"dominance_group": 0},
        {"perturbation": {"max_noise": 1, "variance": 1.0}},
        {"perturbation": {"method": "none"}},
        {"perturbation": {"percent_step": 2}},
        {"perturbation": {"mean_decimals": 2}},
    ):
        pol = loosen.pop("policy", None)
        with pytest.raises(DisclosureError, match="would loosen") as info:
            DisclosurePolicy.resolve(pol, **loosen)
        assert info.value.code == "loosens-policy"
    hes = DisclosurePolicy.preset("nhs-hes")
    with pytest.raises(DisclosureError, match="rounding=None"):
        hes.tighten(rounding=None)
    with pytest.raises(DisclosureError, match="a multiple"):
        hes.tighten(rounding=7)
    assert hes.tighten(rounding=10).rounding == 10
    stricter = DisclosurePolicy().tighten(perturbation={"percent_step": 20})
    assert stricter.perturbation.percent_step == 20
    assert stricter.name == "default+perturbation"
    with pytest.raises(ConfigurationError, match="unknown disclosure policy setting"):
        DisclosurePolicy().tighten(min_cells=6)


def test_every_publishing_function_refuses_a_looser_threshold() -> None:
    table = pd.DataFrame({"a": [1, 2], "b": [3, 9]}, index=["x", "y"])
    with pytest.raises(DisclosureError, match="min_cell=2 would loosen"):
        le.protect_table(table, min_cell=2, policy=DisclosurePolicy())
    with pytest.raises(DisclosureError):
        le.protect_table(table, min_cell=2)  # no policy: the default's 5
    assert le.protect_table(table, min_cell=4, policy="gmc-nts").min_cell == 4
    assert le.protect_table(table, policy="gmc-nts").min_cell == 3
    frame = pd.DataFrame({"trust": ["a"] * 6 + ["b"] * 6, "score": [3.0] * 12})
    with pytest.raises(DisclosureError):
        le.compare_to_benchmark(frame, "score", "trust", policy="default", min_n=3)


def test_policy_file_errors_are_located(tmp_path: Path) -> None:
    f = tmp_path / "policy.yaml"
    # a duplicate key: last-one-wins would have silently published at 1
    f.write_text("min_cell: 10\nmin_cell: 1\n", encoding="utf-8")
    with pytest.raises(ConfigurationError) as info:
        DisclosurePolicy.from_file(f)
    assert f"{f}:2:1: duplicate-key" in str(info.value)
    assert [p.code for p in info.value.problems] == ["duplicate-key"]
    f.write_text("min_cel: 6\nmin_group: lots\nperturbation: {max_noise: 0}\n", encoding="utf-8")
    with pytest.raises(ConfigurationError) as info:
        DisclosurePolicy.from_file(f)
    text = str(info.value)
    assert f"{f}:1:1: unknown-field: unknown field 'min_cel'; did you mean 'min_cell'?" in text
    assert f"{f}:2:12: wrong-type" in text
    assert "max_noise" in text
    f.write_text("preset: default\nmin_cell: 3\n", encoding="utf-8")
    with pytest.raises(DisclosureError, match=r"policy.yaml:2:11: min_cell=3 would loosen"):
        DisclosurePolicy.from_file(f)
    f.write_text("- min_cell\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="mapping of settings"):
        DisclosurePolicy.from_file(f)
    with pytest.raises(ConfigurationError, match="cannot read"):
        DisclosurePolicy.from_file(tmp_path / "missing.yaml")


def test_policy_file_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i, name in enumerate("bcdefgh"):
        prev = "abcdefgh"[i]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    f = tmp_path / "bomb.yaml"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    start = time.perf_counter()
    with pytest.raises(ConfigurationError, match="document-too-large"):
        DisclosurePolicy.from_file(f)
    assert time.perf_counter() - start < 5  # was 30 s and 2 GB


def test_presets_all_apply_the_library_rules() -> None:
    for pol in PRESETS.values():
        assert pol.min_comments >= 5
        assert pol.dominance_group >= 10
        assert pol.perturbation.method == "cell-key"
        assert pol.quote_attribution in ("role", "none")
        assert pol.min_participants_theme >= 3


def test_perturbation_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="cannot exceed max_noise squared"):
        Perturbation(max_noise=1, variance=2.0)
    with pytest.raises(ValueError, match="must divide 100"):
        Perturbation(percent_step=7)


def test_dominance_rule() -> None:
    pol = DisclosurePolicy()
    assert pol.is_dominated([0, 0, 12])
    assert pol.is_dominated([1, 0, 12])
    assert not pol.is_dominated([2, 0, 12])
    assert not pol.is_dominated([0, 0, 20])  # a group of 20 is large enough
    assert not pol.is_dominated([0, 0, 0])
    assert not DisclosurePolicy(dominance_group=0).is_dominated([0, 0, 12])


def test_settings_are_flat_for_the_log() -> None:
    s = DisclosurePolicy().settings()
    assert s["min_cell"] == 5 and s["perturbation.max_noise"] == 3
