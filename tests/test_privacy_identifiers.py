"""Tests of leadership_eval.privacy.identifiers: dropping direct identifiers, keyed pseudonyms."""

from __future__ import annotations

import base64
import os
import stat

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadership_eval.errors import ConfigurationError, DataError
from leadership_eval.instruments.loader import loads_instrument
from leadership_eval.privacy.identifiers import (
    KEY_ENV,
    drop_direct_identifiers,
    generate_key,
    pseudonymise,
    pseudonymise_column,
)

KEY = "test key: 0123456789abcdef"

SURVEY_YAML = """
kind: survey
id: mini-survey
version: 1.0.0
title: Mini
respondent_id: rid
sections:
  - id: s1
    title: About you
    items:
      - {id: rid, type: text, text: Respondent id, disclosure: direct}
      - {id: email, type: text, text: Email, disclosure: direct, column: Email Address}
      - {id: gmc, type: text, text: GMC number, disclosure: direct}
      - {id: grade, type: text, text: Grade, disclosure: quasi}
      - {id: q1, type: number, text: Q1}
"""


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)


# ----------------------------------------------------------------------------- dropping


def test_drop_with_column_names_keeps_rows_and_index() -> None:
    df = pd.DataFrame(
        {"name": ["A", "B"], "q1": [1, 2], "email": ["a@x", "b@x"]}, index=["r9", "r3"]
    )
    out, dropped = drop_direct_identifiers(df, ["email", "name"])
    assert dropped == ["name", "email"]  # in the data's column order
    assert list(out.columns) == ["q1"]
    assert list(out.index) == ["r9", "r3"]
    assert list(df.columns) == ["name", "q1", "email"]  # input untouched


def test_drop_with_survey_uses_ids_and_aliases() -> None:
    survey = loads_instrument(SURVEY_YAML)
    df = pd.DataFrame(
        {"rid": [1, 2], "Email Address": ["a@x", "b@x"], "grade": ["FY1", "FY2"], "q1": [3, 4]}
    )
    out, dropped = drop_direct_identifiers(df, survey)
    # gmc is absent from the export: ignored, not an error
    assert dropped == ["rid", "Email Address"]
    assert list(out.columns) == ["grade", "q1"]
    out2, dropped2 = drop_direct_identifiers(df, survey, keep=["rid"])
    assert dropped2 == ["Email Address"] and "rid" in out2


def test_drop_misspelt_column_is_an_error() -> None:
    df = pd.DataFrame({"email": ["a@x"]})
    with pytest.raises(DataError, match="emial"):
        drop_direct_identifiers(df, ["emial"])
    with pytest.raises(DataError, match="single string"):
        drop_direct_identifiers(df, "email")


# ----------------------------------------------------------------------------- pseudonyms


def test_hmac_matches_rfc4231_test_case_1() -> None:
    # RFC 4231, section 4.2 (HMAC-SHA256 test case 1): key = 0x0b * 20, data = "Hi There"
    expected = bytes.fromhex("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    want = base64.b32encode(expected).decode()[:52]
    assert pseudonymise("Hi There", key=b"\x0b" * 20, prefix="", length=52) == want


def test_pseudonyms_are_stable_normalised_and_keyed() -> None:
    wave1 = pd.Series(["Ann.Lee@NHS.net", "R-0012", 12.0, None], name="rid", index=[5, 6, 7, 8])
    wave2 = pd.Series([" ann.lee@nhs.net ", "R-0012", 12, np.nan])
    p1 = pseudonymise(wave1, KEY)
    p2 = pseudonymise(wave2, KEY)
    assert p1.tolist()[:3] == p2.tolist()[:3]
    assert p1.name == "rid" and list(p1.index) == [5, 6, 7, 8]
    assert p1.isna().tolist() == [False, False, False, True]
    assert p2.isna().tolist() == [False, False, False, True]
    assert all(v.startswith("P") and len(v) == 13 for v in p1.dropna())
    # ids are case-sensitive apart from emails
    assert pseudonymise("r-0012", KEY) != p1[6]
    # a different key gives unrelated pseudonyms
    other = pseudonymise(wave1, "another key, also 16+ bytes")
    assert not set(other.dropna()) & set(p1.dropna())
    # prefix and length
    assert pseudonymise("x", KEY, prefix="T-", length=8).startswith("T-")
    assert len(pseudonymise("x", KEY, prefix="", length=20)) == 20


def test_key_sources(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    path = generate_key(tmp_path / "k.key")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    from_file = pseudonymise("abc", key_file=path)
    assert from_file == pseudonymise("abc", key=path.read_text().strip())
    monkeypatch.setenv(KEY_ENV, path.read_text())
    assert pseudonymise("abc") == from_file
    # the argument wins over the environment
    assert pseudonymise("abc", key=KEY) != from_file


def test_missing_and_short_keys_say_how_to_set_one(tmp_path) -> None:
    with pytest.raises(ConfigurationError, match=KEY_ENV) as info:
        pseudonymise(pd.Series(["a"]))
    assert "generate-key" in str(info.value)
    assert info.value.code == "missing-key"
    with pytest.raises(ConfigurationError, match="too short") as info:
        pseudonymise("a", key="short")
    assert info.value.code == "short-key"
    with pytest.raises(ConfigurationError, match="does not exist"):
        pseudonymise("a", key_file=tmp_path / "nope.key")


def test_generate_key_refuses_to_overwrite(tmp_path) -> None:
    p = generate_key(tmp_path / "k.key")
    old = p.read_text()
    with pytest.raises(ConfigurationError, match="already exists"):
        generate_key(p)
    assert p.read_text() == old
    generate_key(p, overwrite=True)
    assert p.read_text() != old
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o600


def test_collisions_are_detected() -> None:
    # 40 distinct values into 32 one-character pseudonyms must collide (pigeonhole)
    with pytest.raises(DataError, match="larger length"):
        pseudonymise(pd.Series([f"id{i}" for i in range(40)]), KEY, length=1)


def test_pseudonymise_column_and_the_key_never_leaks() -> None:
    df = pd.DataFrame({"rid": ["a", "b", "a"], "q": [1, 2, 3]})
    out = pseudonymise_column(df, "rid", KEY)
    assert out["rid"][0] == out["rid"][2] != out["rid"][1]
    assert df["rid"].tolist() == ["a", "b", "a"]
    assert KEY not in out.to_csv()
    with pytest.raises(DataError, match="'nope'"):
        pseudonymise_column(df, "nope", KEY)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=12), st.integers(), st.none()), max_size=30))
def test_equal_values_get_equal_pseudonyms_and_distinct_differ(values: list) -> None:
    s = pd.Series(values, dtype=object)
    p = pseudonymise(s, KEY)
    assert len(p) == len(s)
    assert p.isna().tolist() == s.isna().tolist()
    seen: dict[str, object] = {}
    for raw, pseud in zip(s, p, strict=True):
        if raw is None:
            continue
        norm = " ".join(str(raw).split())
        norm = norm.casefold() if "@" in norm else norm
        if norm in seen:
            assert seen[norm] == pseud
        seen[norm] = pseud
    assert len(set(seen.values())) == len(seen)
