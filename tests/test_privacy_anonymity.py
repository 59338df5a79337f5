"""Tests of check_anonymity: k, l, entropy l, t-closeness, risk; NA and index handling."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import wasserstein_distance

from leadership_eval.errors import DataError
from leadership_eval.privacy.anonymity import (
    AnonymityReport,
    check_anonymity,
    combine,
    group_codes,
    group_keys,
)

# pyCANON's own groupby call warns under pandas 3; that is not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:In a future version, the keys of `groups`")

# Li, Li & Venkatasubramanian (2007), Table 3: a 3-diverse version of their Table 1 (9 patients).
LI_TABLE = pd.DataFrame(
    {
        "zip": ["476**"] * 3 + ["4790*"] * 3 + ["476**"] * 3,
        "age": ["2*"] * 3 + [">=40"] * 3 + ["3*"] * 3,
        "salary": [3, 4, 5, 6, 11, 8, 7, 9, 10],  # in thousands
        "disease": [
            "gastric ulcer",
            "gastritis",
            "stomach cancer",
            "gastritis",
            "flu",
            "bronchitis",
            "bronchitis",
            "pneumonia",
            "stomach cancer",
        ],
    }
)


def _class_of(report: AnonymityReport, **values: str) -> pd.Series:
    c = report.classes
    mask = np.ones(len(c), dtype=bool)
    for k, v in values.items():
        mask &= (c[k] == v).to_numpy()
    assert mask.sum() == 1
    return c[mask].iloc[0]


def test_emd_ordered_matches_li_et_al_salary_example() -> None:
    r = check_anonymity(LI_TABLE, ["zip", "age"], k=3, sensitive="salary")
    # Li et al. 2007, Section 4.2: D[P1, Q] = 0.375 for {3k, 4k, 5k}; D[P2, Q] = 0.167 for
    # {6k, 8k, 11k}
    assert _class_of(r, age="2*")["t"] == pytest.approx(0.375)
    assert _class_of(r, age=">=40")["t"] == pytest.approx(1 / 6)
    # {7k, 9k, 10k}: hand-computed |cumulative differences| 1,2,3,4,2,3,1,1,0 (ninths) / 8
    assert _class_of(r, age="3*")["t"] == pytest.approx(17 / 72)
    assert r.t == pytest.approx(0.375)
    assert r.k == 3 and r.l == 3 and r.entropy_l == pytest.approx(3.0)


def test_emd_nominal_equal_distance_hand_computed() -> None:
    r = check_anonymity(LI_TABLE, ["zip", "age"], k=3, sensitive="disease")
    # hand-computed: Q = (ulcer 1, gastritis 2, cancer 2, flu 1, bronchitis 2, pneumonia 1)/9;
    # class {ulcer, gastritis, cancer}: 1/2 (2/9 + 1/9 + 1/9 + 1/9 + 2/9 + 1/9) = 4/9
    assert _class_of(r, age="2*")["t"] == pytest.approx(4 / 9)
    # class {gastritis, flu, bronchitis}: 1/2 (1/9 + 1/9 + 2/9 + 1/9 + 2/9 + 1/9) = 4/9
    assert _class_of(r, age=">=40")["t"] == pytest.approx(4 / 9)
    assert r.t == pytest.approx(4 / 9)


def test_entropy_l_and_distinct_l_hand_computed() -> None:
    df = pd.DataFrame({"q": ["a"] * 4 + ["b"] * 3, "s": ["x", "x", "y", "z", "u", "u", "u"]})
    r = check_anonymity(df, "q", k=3, sensitive="s")
    a = _class_of(r, q="a")
    # H = -(1/2 ln 1/2 + 2 * 1/4 ln 1/4) = 1.5 ln 2, so exp(H) = 2 ** 1.5
    assert a["entropy_l"] == pytest.approx(2**1.5)
    assert a["l"] == 3
    assert _class_of(r, q="b")["l"] == 1
    assert r.l == 1 and r.entropy_l == pytest.approx(1.0)


def test_several_sensitive_columns_take_the_worst() -> None:
    r1 = check_anonymity(LI_TABLE, ["zip", "age"], sensitive="salary")
    r2 = check_anonymity(LI_TABLE, ["zip", "age"], sensitive="disease")
    both = check_anonymity(LI_TABLE, ["zip", "age"], sensitive=["salary", "disease"])
    assert both.t == pytest.approx(max(r1.t, r2.t))  # type: ignore[type-var]
    assert both.l == min(r1.l, r2.l)  # type: ignore[type-var]


def test_adult_raw_risk_matches_arx(adult: pd.DataFrame, adult_qis: list[str]) -> None:
    r = check_anonymity(adult, adult_qis, k=5)
    assert r.n_records == 30162
    # ARX 3.x risk analysis of the raw Adult data (8 QIs): average prosecutor risk 0.6004,
    # 46.5 % unique records (shared/data/adult/README.md)
    assert r.risk_average == pytest.approx(0.6004, abs=5e-5)
    assert r.share_unique == pytest.approx(0.465, abs=5e-4)
    assert r.k == 1 and r.risk_highest == 1.0
    assert not r.passes
    assert r.classes["size"].sum() == len(adult)
    assert (r.offending["size"] < 5).all()
    assert r.n_offending_records == int((r.classes["size"][r.classes["size"] < 5]).sum())


def test_missing_values_are_a_category_and_every_row_counts() -> None:
    df = pd.DataFrame(
        {
            "grade": ["FY1", None, np.nan, "FY1", pd.NA, "FY2"],
            "trust": ["A", "A", "A", "A", "A", "B"],
        },
        dtype=object,
    )
    r = check_anonymity(df, ["grade", "trust"], k=2)
    assert r.classes["size"].sum() == 6
    # None, NaN and pd.NA are one category: three records
    na_class = r.classes[r.classes["grade"].isna()]
    assert na_class["size"].tolist() == [3]
    assert r.k == 1  # the FY2/B record is alone
    assert r.record_class.nunique() == 3


def test_pycanon_drops_missing_values_we_do_not() -> None:
    from pycanon import anonymity as pa

    df = pd.DataFrame({"a": ["x", "x", None, "y", "y"], "b": [1, 1, 2, 2, 2]})
    # pyCANON's groupby drops the record with a missing QI, so it reports k = 2
    assert pa.k_anonymity(df, ["a", "b"]) == 2
    # that record is unique on (missing, 2): k is 1
    assert check_anonymity(df, ["a", "b"]).k == 1


def test_any_index_gives_the_same_answer() -> None:
    df = pd.DataFrame(
        {
            "q": ["x", "x", "y", "y", "y", "z"],
            "s": [1, 2, 3, 3, 4, 9],
        }
    )
    base = check_anonymity(df, "q", sensitive="s")
    variants = [
        df.set_axis(list("abcdef")),  # string labels
        df.set_axis([7, 7, 7, 1, 1, 1]),  # duplicated labels
        df.iloc[::-1],  # reversed default index
    ]
    junk = pd.DataFrame({"q": ["drop"] * 2, "s": [0, 0]})
    padded = pd.concat([df.iloc[:3], junk, df.iloc[3:]], ignore_index=True)
    variants.append(padded[padded["q"] != "drop"])  # a filtered frame: index 0,1,2,5,6,7
    for v in variants:
        r = check_anonymity(v, "q", sensitive="s")
        assert (r.k, r.l, r.n_classes) == (base.k, base.l, base.n_classes)
        assert r.t == pytest.approx(base.t)
        assert r.record_class.index.equals(v.index)
        # the class of each record holds that record's QI value
        assert (r.classes["q"].to_numpy()[r.record_class.to_numpy()] == v["q"].to_numpy()).all()


def test_pycanon_misreads_a_non_default_index() -> None:
    from pycanon import anonymity as pa

    df = pd.DataFrame({"q": ["x", "x", "y", "y", "y"], "s": [1, 2, 3, 3, 4]})
    shuffled = df.iloc[[2, 3, 4, 0, 1]]  # labels 2,3,4,0,1: labels are not positions
    assert check_anonymity(df, "q", sensitive="s").l == 2
    assert check_anonymity(shuffled, "q", sensitive="s").l == 2
    # pyCANON looks the group's labels up by position (iloc): class x reads rows of class y
    assert pa.l_diversity(df, ["q"], ["s"]) == 2
    assert pa.l_diversity(shuffled, ["q"], ["s"]) == 1
    with pytest.raises((IndexError, ValueError)):
        pa.l_diversity(df.set_axis(list("abcde")), ["q"], ["s"])


def test_equal_to_pycanon_on_complete_data(adult: pd.DataFrame) -> None:
    from pycanon import anonymity as pa

    sample = adult.iloc[:1200].reset_index(drop=True)
    qi = ["sex", "race", "marital-status", "workclass"]
    sample = sample.assign(hours=(sample["age"] % 7) * 10)
    r = check_anonymity(sample, qi, sensitive=["education"])
    assert r.k == pa.k_anonymity(sample, qi)
    assert r.l == pa.l_diversity(sample, qi, ["education"])
    assert int(r.entropy_l) == pa.entropy_l_diversity(sample, qi, ["education"])  # type: ignore[arg-type]
    assert r.t == pytest.approx(pa.t_closeness(sample, qi, ["education"]))
    rn = check_anonymity(sample, qi, sensitive="hours")
    assert rn.t == pytest.approx(pa.t_closeness(sample, qi, ["hours"]))


def test_targets_and_offending_classes() -> None:
    r = check_anonymity(LI_TABLE, ["zip", "age"], k=3, sensitive="salary", l=3, t=0.4)
    assert r.passes and r.offending.empty
    r = check_anonymity(LI_TABLE, ["zip", "age"], k=3, sensitive="salary", t=0.3)
    assert not r.passes
    assert r.offending["age"].tolist() == ["2*"]
    assert r.offending_records.sum() == 3
    r = check_anonymity(LI_TABLE, ["zip", "age"], k=4)
    assert not r.passes and len(r.offending) == 3
    assert r.share_at_risk == 1.0  # 1/3 > 0.2 for everyone
    assert check_anonymity(LI_TABLE, ["zip", "age"], k=3).passes


def test_to_dict_is_json_ready_and_holds_no_sensitive_values() -> None:
    r = check_anonymity(LI_TABLE, ["zip", "age"], k=4, sensitive="disease")
    d = r.to_dict()
    text = json.dumps(d)
    assert "gastritis" not in text  # sensitive values never logged
    assert d["n_offending_classes"] == 3 and d["k"] == 3
    assert d["offending"][0]["size"] == 3


def test_ordered_categorical_uses_declared_categories() -> None:
    cat = pd.CategoricalDtype(["low", "mid", "high", "top"], ordered=True)
    df = pd.DataFrame(
        {"q": ["a", "a", "b", "b"], "s": pd.Series(["low", "mid", "high", "high"], dtype=cat)}
    )
    r = check_anonymity(df, "q", k=1, sensitive="s")
    # hand-computed: Q = (1/4, 1/4, 1/2, 0); class a: P = (1/2, 1/2, 0, 0); cumulative
    # differences 1/4, 1/2, 0, 0 over m - 1 = 3 -> 1/4
    assert _class_of(r, q="a")["t"] == pytest.approx(0.25)


@pytest.mark.parametrize(
    ("kwargs", "code", "text"),
    [
        ({"quasi_identifiers": ["sexx"]}, "unknown-column", "did you mean 'sex'"),
        ({"quasi_identifiers": ["sex"], "sensitive": "salry"}, "unknown-column", "salary"),
        ({"quasi_identifiers": ["sex"], "k": 0}, "invalid-k", "at least 1"),
        ({"quasi_identifiers": ["sex"], "k": 2.5}, "invalid-k", "whole number"),
        ({"quasi_identifiers": []}, "no-quasi-identifiers", "at least one"),
        ({"quasi_identifiers": ["sex"], "l": 2}, "no-sensitive", "sensitive"),
        (
            {"quasi_identifiers": ["sex"], "sensitive": "sex"},
            "sensitive-is-quasi-identifier",
            "both",
        ),
        ({"quasi_identifiers": ["sex"], "t": 1.5}, "invalid-t", "between 0 and 1"),
    ],
)
def test_clear_errors(kwargs: dict, code: str, text: str) -> None:
    df = pd.DataFrame({"sex": ["M", "F"], "salary": [1, 2]})
    with pytest.raises(DataError, match=text) as err:
        check_anonymity(df, **kwargs)
    assert err.value.code == code


def test_empty_data_is_an_error() -> None:
    with pytest.raises(DataError, match="no rows") as err:
        check_anonymity(pd.DataFrame({"a": []}), "a")
    assert err.value.code == "empty-data"
    with pytest.raises(DataError, match="DataFrame"):
        check_anonymity([1, 2], "a")  # type: ignore[arg-type]


values = st.one_of(st.none(), st.sampled_from(["a", "b", "c"]), st.just(float("nan")))


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(values, st.sampled_from([1, 2, None]), st.integers(0, 4)),
        min_size=1,
        max_size=40,
    ),
    labels=st.sampled_from(["default", "strings", "duplicates", "shuffled"]),
)
def test_matches_pandas_groupby_and_scipy(rows: list, labels: str) -> None:
    df = pd.DataFrame(rows, columns=["q1", "q2", "s"]).astype({"q1": object, "q2": object})
    n = len(df)
    if labels == "strings":
        df.index = [f"r{i}" for i in range(n)]
    elif labels == "duplicates":
        df.index = [i % 3 for i in range(n)]
    elif labels == "shuffled":
        df = df.sample(frac=1.0, random_state=1)
    r = check_anonymity(df, ["q1", "q2"], k=2, sensitive="s")
    sizes = df.groupby(["q1", "q2"], dropna=False).size()
    assert r.k == sizes.min() and r.n_classes == len(sizes)
    assert r.classes["size"].sum() == n
    assert r.risk_average == pytest.approx(len(sizes) / n)
    # ordered t against scipy's 1-D Wasserstein distance on value ranks, / (m - 1)
    ranks = df["s"].rank(method="dense").to_numpy() - 1
    m = df["s"].nunique()
    cls = r.record_class.to_numpy()
    for c in range(r.n_classes):
        mine = ranks[cls == c]
        expect = 0.0 if m == 1 else wasserstein_distance(mine, ranks) / (m - 1)
        assert r.classes["t"].iloc[c] == pytest.approx(expect, abs=1e-9)
        assert r.classes["l"].iloc[c] == len(np.unique(mine))
        p = np.unique(mine, return_counts=True)[1] / len(mine)
        assert r.classes["entropy_l"].iloc[c] == pytest.approx(math.exp(-(p * np.log(p)).sum()))


@settings(max_examples=40, deadline=None)
@given(
    cards=st.lists(st.integers(1, 300), min_size=1, max_size=6),
    n=st.integers(1, 400),
    seed=st.integers(0, 2**16),
    huge=st.booleans(),
)
def test_group_codes_equals_sorting_the_combined_keys(
    cards: list[int], n: int, seed: int, huge: bool
) -> None:
    # group_codes re-densifies column by column; the reference sorts the full keys (np.unique),
    # or compacts by first appearance when they would overflow int64 (huge cardinalities)
    if huge:
        cards = [*cards, 2**40, 2**40]
    rng = np.random.default_rng(seed)
    codes = [rng.integers(0, min(m, 50), n) if m > 50 else rng.integers(0, m, n) for m in cards]
    got_cls, got_sizes = group_codes(codes, cards, n)
    ref_cls, ref_sizes = group_keys(*combine(codes, cards, n))
    assert np.array_equal(got_cls, ref_cls) and np.array_equal(got_sizes, ref_sizes)
