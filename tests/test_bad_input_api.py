"""Bad input to public API functions: placeholders, scaffolding and trust lists, catalogues,
group comparisons, item statistics, the analysis plan, activity origins, the funnel plot, YAML
dumps, print packs and wave publications. One named regression test per case.

Each case gives the library's own error, saying where and what, instead of a raw Python
exception or a silently wrong result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import leadership_eval as le
from leadership_eval.errors import (
    ArgumentError,
    ConfigurationError,
    DataError,
    InstrumentError,
    NotATableError,
)


@pytest.fixture(scope="module")
def survey() -> Any:
    return le.load_instrument("trainee-survey")


@pytest.fixture(scope="module")
def responses(survey: Any) -> pd.DataFrame:
    return le.simulate_responses(survey, n=150, seed=3)


def _groups() -> pd.DataFrame:
    return pd.DataFrame(
        {"g": list("aaaaabbbbbccccc"), "y": [1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 2, 3, 3, 4, 4]}
    )


# ------------------------------------------------------------------------------ placeholders


@pytest.mark.parametrize("values", [None, "data_controller", [("contact", "x")]])
def test_fill_placeholders_refuses_values_that_are_not_a_mapping(survey: Any, values: Any) -> None:
    """A str, list or None as values gave AttributeError: 'str' object has no attribute 'items'."""
    with pytest.raises(ArgumentError, match="values must be a mapping"):
        le.fill_placeholders(survey, values)


def test_fill_placeholders_refuses_a_key_that_is_not_text(survey: Any) -> None:
    """A number as a placeholder name gave TypeError from difflib."""
    with pytest.raises(ConfigurationError, match="placeholder names are text") as info:
        le.fill_placeholders(survey, {1: "x"})
    assert info.value.code == "unknown-placeholder"


def test_fill_placeholders_refuses_an_instrument_id_instead_of_an_instrument() -> None:
    """An instrument id gave AttributeError: 'str' object has no attribute 'placeholders'."""
    with pytest.raises(ArgumentError, match=r"load_instrument\('trainee-survey'\)"):
        le.fill_placeholders("trainee-survey", {"contact": "x"})  # type: ignore[type-var]


def test_fill_placeholders_still_takes_a_series_of_values(survey: Any) -> None:
    filled = le.fill_placeholders(survey, pd.Series({"contact": "Ms X"}))
    assert "contact" not in {name for _, name in le.unfilled_placeholders(filled)}


# ------------------------------------------------------------------------------ scaffold, trusts


def test_scaffold_evaluation_refuses_a_folder_that_is_not_a_path() -> None:
    """A number as folder gave TypeError from pathlib."""
    with pytest.raises(ArgumentError, match="folder must be a path"):
        le.scaffold_evaluation(5)  # type: ignore[arg-type]


def test_scaffold_evaluation_refuses_force_that_is_not_a_bool(tmp_path: Path) -> None:
    """force="no" is truthy: files in a folder that is not empty were replaced."""
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ArgumentError, match="force must be True or False"):
        le.scaffold_evaluation(tmp_path, force="no")  # type: ignore[arg-type]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@pytest.fixture()
def instruments(tmp_path: Path) -> Path:
    return le.scaffold_evaluation(tmp_path / "ev")["instruments"]


@pytest.mark.parametrize("trusts", [None, {"code": "t1", "name": "A"}, ["t1", "t2"]])
def test_set_trusts_refuses_a_trust_list_of_the_wrong_shape(instruments: Path, trusts: Any) -> None:
    """None, a single dict or a list of codes gave TypeError or 'dictionary update sequence'."""
    with pytest.raises(ArgumentError, match="trust"):
        le.set_trusts(instruments, trusts)


def test_set_trusts_checks_a_list_of_trusts_as_it_checks_a_file(instruments: Path) -> None:
    """A trust without a name gave KeyError 'name'; a repeated or malformed code was only
    reported indirectly, through every instrument's problems."""
    rows = [
        {"code": "t1", "name": "A", "trust_type": "acute"},
        {"code": "t1", "name": "B", "trust_type": "acute"},
        {"code": "t 3", "name": "C", "trust_type": "acute"},
        {"code": "t4"},
    ]
    before = {p: p.read_text() for p in instruments.glob("*.yaml")}
    with pytest.raises(ConfigurationError) as info:
        le.set_trusts(instruments, rows)
    message = str(info.value)
    assert info.value.code == "invalid-trusts"
    assert "trusts[1]: code 't1' is already used on trusts[0]" in message
    assert "trusts[2]: code 't 3' must be letters" in message
    assert "trusts[3]: trust 't4' has no name" in message
    assert {p: p.read_text() for p in instruments.glob("*.yaml")} == before


def test_set_trusts_refuses_an_empty_list(instruments: Path) -> None:
    with pytest.raises(ConfigurationError, match="the trust list has no trusts"):
        le.set_trusts(instruments, [])


def test_set_trusts_refuses_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    """A mistyped folder changed nothing and returned [] as if there were nothing to do."""
    with pytest.raises(ConfigurationError, match="does not exist") as info:
        le.set_trusts(tmp_path / "instrumnets", [{"code": "t1", "name": "A"}])
    assert info.value.code == "not-a-folder"


# ------------------------------------------------------------------------------ catalogue


def test_load_catalogue_refuses_a_folder_that_is_not_a_path() -> None:
    """A number gave TypeError from pathlib."""
    with pytest.raises(ArgumentError, match="folder must be the path"):
        le.load_catalogue(5)  # type: ignore[arg-type]


def test_load_catalogue_refuses_a_folder_without_instruments(tmp_path: Path) -> None:
    """A folder holding no YAML file gave an empty catalogue, silently."""
    with pytest.raises(InstrumentError) as info:
        le.load_catalogue(tmp_path)
    assert info.value.codes == ["no-instruments"]


@pytest.mark.parametrize("catalogue", ["instruments", {}, []])
def test_coverage_matrix_refuses_what_is_not_a_catalogue(catalogue: Any) -> None:
    """A folder path, a dict or a list gave AttributeError: no attribute 'coverage'."""
    with pytest.raises(ArgumentError, match="catalogue must be a Catalogue"):
        le.coverage_matrix(catalogue)


# ------------------------------------------------------------------------------ compare_groups


@pytest.mark.parametrize("role", ["value", "between"])
def test_compare_groups_refuses_a_list_of_columns(role: str) -> None:
    """A list gave AttributeError ('DataFrame' has no 'dtype') or pandas' TypeError."""
    args = {"value": "y", "between": "g", role: ["y" if role == "value" else "g"]}
    with pytest.raises(ArgumentError, match=f"{role} must be one column name"):
        le.compare_groups(_groups(), args["value"], args["between"])


@pytest.mark.parametrize("column", ["y", "g"])
def test_compare_groups_refuses_a_repeated_column(column: str) -> None:
    """A repeated column gave AttributeError or 'cannot reindex on an axis with duplicate labels'."""
    data = pd.concat([_groups(), _groups()[[column]]], axis=1)
    with pytest.raises(DataError, match="repeated column names") as info:
        le.compare_groups(data, "y", "g")
    assert info.value.code == "duplicate-column"


def test_compare_groups_refuses_groups_that_differ_only_in_type() -> None:
    """1 and '1' were one group in the omnibus test (compared as text) but two in the count
    of groups and the pairwise tests."""
    data = _groups()
    data["g"] = [1] * 5 + ["1"] * 5 + [3] * 5
    with pytest.raises(DataError, match=r"1 \(int\) and '1' \(str\)"):
        le.compare_groups(data, "y", "g")


def test_compare_groups_refuses_a_list_in_a_cell() -> None:
    """A list in a cell gave TypeError: unhashable type: 'list'."""
    data = _groups().astype({"g": object})
    data.at[0, "g"] = ["a"]
    with pytest.raises(DataError, match="holds a list") as info:
        le.compare_groups(data, "y", "g")
    assert info.value.code == "unhashable-value"


@pytest.mark.parametrize("test", ["welch", "anova"])
def test_compare_groups_parametric_tests_refuse_constant_groups(test: str) -> None:
    """Constant values gave pingouin's ValueError (Welch) or KeyError 'F' (ANOVA)."""
    data = _groups().assign(y=3)
    with pytest.raises(DataError, match="vary") as info:
        le.compare_groups(data, "y", "g", test=test)  # type: ignore[arg-type]
    assert info.value.code == "constant"


def test_compare_groups_parametric_tests_refuse_a_group_of_one() -> None:
    """Welch's ANOVA with a group of one value gave pingouin's ValueError; Welch's t test gave
    a p-value from an undefined variance."""
    data = _groups().iloc[[0, 1, 5, 6, 10]]
    with pytest.raises(DataError, match="group 'c' has 1") as info:
        le.compare_groups(data, "y", "g", test="welch")
    assert info.value.code == "too-few"
    with pytest.raises(DataError, match="group 'b' has 1"):
        le.compare_groups(_groups().iloc[[0, 1, 5]], "y", "g", test="t")
    # the classic ANOVA takes a group of one (without pairwise t tests)
    res = le.compare_groups(data, "y", "g", test="anova", pairwise=False)
    assert res.omnibus["p_value"].iloc[0] == pytest.approx(0.1923076923076923)


def test_compare_groups_refuses_a_pairwise_that_is_not_true_or_false() -> None:
    """pairwise="no" ran the pairwise tests, as any non-empty text is true."""
    data = pd.DataFrame({"v": [1.0, 2, 3, 4, 5, 6], "g": list("aabbcc")})
    with pytest.raises(ArgumentError, match="pairwise must be True or False"):
        le.compare_groups(data, "v", "g", pairwise="no")  # type: ignore[arg-type]


def test_compare_groups_refuses_infinite_values() -> None:
    """inf was ranked as the largest answer, or gave a NaN effect size (Welch)."""
    data = _groups().astype({"y": float})
    data.loc[0, "y"] = np.inf
    with pytest.raises(DataError, match="infinite values"):
        le.compare_groups(data, "y", "g")


def test_compare_groups_ranks_an_ordered_categorical_of_text() -> None:
    """An ordered categorical of text was documented as ordinal but tested as categories
    (Fisher), the order ignored."""
    order = ["low", "mid", "high"]
    data = pd.DataFrame(
        {
            "g": ["a"] * 6 + ["b"] * 6,
            "y": pd.Categorical(
                ["low"] * 4 + ["mid"] * 2 + ["mid"] * 2 + ["high"] * 4, order, ordered=True
            ),
        }
    )
    res = le.compare_groups(data, "y", "g")
    assert res.test == "mannwhitney" and res.omnibus["level"].iloc[0] == "ordinal"
    as_ranks = data.assign(y=data["y"].cat.codes + 1)
    same = le.compare_groups(as_ranks, "y", "g", level="ordinal")
    assert res.omnibus["p_value"].iloc[0] == pytest.approx(same.omnibus["p_value"].iloc[0])


# ------------------------------------------------------------------------------ item_statistics


def test_item_statistics_refuses_a_list_of_scales(survey: Any, responses: pd.DataFrame) -> None:
    """A list gave TypeError: unhashable type: 'list'."""
    with pytest.raises(ArgumentError, match="scale must be one scale id"):
        le.item_statistics(survey, responses, ["leader_identity"])  # type: ignore[arg-type]


def test_item_statistics_refuses_data_without_an_item_of_the_scale(
    survey: Any, responses: pd.DataFrame
) -> None:
    """A missing item column gave n = 0 and NaN statistics for every item, without a word."""
    with pytest.raises(DataError, match="ident_2") as info:
        le.item_statistics(survey, responses.drop(columns=["ident_2"]), "leader_identity")
    assert info.value.code == "missing-column"


# ------------------------------------------------------------------------------ label_analyses


def _results() -> pd.DataFrame:
    return pd.DataFrame(
        {"measure": ["development_access", "leader_identity", "q1"], "p_value": [0.01, 0.02, 0.04]}
    )


def test_label_analyses_refuses_p_values_that_are_not_numbers() -> None:
    """Text in the p-value column became NaN: the row silently got no adjusted p-value."""
    res = _results().astype({"p_value": object})
    res.loc[1, "p_value"] = "n.s."
    with pytest.raises(DataError, match=r"'n\.s\.'") as info:
        le.label_analyses(res, analysis="waves")
    assert info.value.code == "not-numeric"


def test_label_analyses_names_the_row_of_a_p_value_out_of_range() -> None:
    """The error gave the position within one family ('position 0'), not the row."""
    res = _results()
    res.loc[2, "p_value"] = 1.5
    with pytest.raises(DataError, match=r"\(row: value\) 2: 1.5") as info:
        le.label_analyses(res, analysis="waves")
    assert info.value.code == "bad-pvalue"


@pytest.mark.parametrize("column", ["measure", "p_value"])
def test_label_analyses_refuses_a_repeated_column(column: str) -> None:
    """A repeated column gave pandas' TypeError or 'cannot reindex' ValueError."""
    res = pd.concat([_results(), _results()[[column]]], axis=1)
    with pytest.raises(DataError, match="repeated column names") as info:
        le.label_analyses(res, analysis="waves")
    assert info.value.code == "duplicate-column"


def test_label_analyses_refuses_a_list_as_measure_or_measure_column() -> None:
    """A list gave TypeError (unhashable) or a per-row measure the docs do not describe."""
    with pytest.raises(ArgumentError, match="measure must be one measure id"):
        le.label_analyses(_results(), analysis="waves", measure=["a", "b", "c"])  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="measure_column must be one column name"):
        le.label_analyses(_results(), analysis="waves", measure_column=["measure"])  # type: ignore[arg-type]


def test_label_analyses_refuses_a_p_column_that_is_not_there() -> None:
    """p='pval' (a typo) was ignored: no adjusted p-values, without a word."""
    with pytest.raises(DataError, match="did you mean 'p_value'"):
        le.label_analyses(_results(), analysis="waves", p="pval")


# ------------------------------------------------------------------------------ activity origins


def test_origin_items_takes_one_mentor_code_as_text(survey: Any) -> None:
    """A str was read letter by letter: no origin item was found."""
    found = le.origin_items(survey, mentor="mentor_brokered")
    assert found == le.origin_items(survey)


def test_origin_items_refuses_a_list_of_activity_items(survey: Any) -> None:
    """A list gave TypeError: unhashable type: 'list'."""
    with pytest.raises(ArgumentError, match="activities must be the id of one"):
        le.origin_items(survey, activities=["activities"])  # type: ignore[arg-type]


@pytest.mark.parametrize("ci", [95, "0.95", None])
def test_activity_origins_refuses_a_confidence_level_outside_0_1(
    survey: Any, responses: pd.DataFrame, ci: Any
) -> None:
    """ci=95 gave intervals silently; text or None gave TypeError."""
    with pytest.raises((ArgumentError, ConfigurationError), match="ci must be"):
        le.activity_origins(responses, survey, ci=ci)


def test_activity_origins_refuses_what_is_not_a_frame(survey: Any, responses: pd.DataFrame) -> None:
    """A Series or None gave AttributeError: no attribute 'columns'."""
    with pytest.raises(NotATableError):
        le.activity_origins(responses["activities"], survey)  # type: ignore[arg-type]


def test_activity_origins_refuses_origins_that_are_not_a_mapping(
    survey: Any, responses: pd.DataFrame
) -> None:
    """A list gave 'dictionary update sequence element #0 has length 9'."""
    with pytest.raises(ArgumentError, match="origins must be a mapping"):
        le.activity_origins(responses, survey, origins=["origin_qi"])  # type: ignore[arg-type]


def test_activity_origins_refuses_a_repeated_origin_column(
    survey: Any, responses: pd.DataFrame
) -> None:
    """A repeated column gave 'cannot reindex on an axis with duplicate labels'."""
    data = pd.concat([responses, responses[["origin_qi"]]], axis=1)
    with pytest.raises(DataError, match="'origin_qi'") as info:
        le.activity_origins(data, survey)
    assert info.value.code == "duplicate-column"


# ------------------------------------------------------------------------------ plot_funnel


@pytest.fixture(scope="module")
def comparison() -> Any:
    from leadership_eval.compare import compare_to_benchmark

    df = pd.DataFrame(
        {
            "trust": ["a"] * 8 + ["b"] * 12 + ["c"] * 20,
            "score": [3, 4] * 4 + [2, 3, 4] * 4 + [4, 5, 3, 4] * 5,
        }
    )
    return compare_to_benchmark(df, "score", "trust")


def test_plot_funnel_takes_highlight_as_an_array_or_series(comparison: Any) -> None:
    """A Series or an array gave TypeError: unhashable type."""
    for highlight in (pd.Series(["a"]), np.array(["a", "b"])):
        assert le.plot_funnel(comparison, highlight=highlight) is not None


def test_plot_funnel_refuses_a_nested_highlight(comparison: Any) -> None:
    with pytest.raises(ArgumentError, match="not a group"):
        le.plot_funnel(comparison, highlight=[["a"]])


def test_plot_funnel_lists_the_groups_for_an_unknown_highlight(comparison: Any) -> None:
    with pytest.raises(ConfigurationError, match="the groups are 'a', 'b', 'c'"):
        le.plot_funnel(comparison, highlight="d")


def test_plot_funnel_refuses_a_figure_as_axes(comparison: Any) -> None:
    """A Figure or text as ax gave AttributeError: no attribute 'plot'."""
    from matplotlib.figure import Figure

    with pytest.raises(ArgumentError, match=r"fig\.add_subplot"):
        le.plot_funnel(comparison, ax=Figure())


@pytest.mark.parametrize("figsize", [7, ("a", "b"), (-1, 3)])
def test_plot_funnel_refuses_a_bad_figsize(comparison: Any, figsize: Any) -> None:
    """A number, text or a negative size gave TypeError or matplotlib's ValueError."""
    with pytest.raises(ArgumentError, match="figsize must be"):
        le.plot_funnel(comparison, figsize=figsize)


# ------------------------------------------------------------------------------ dump, print pack


@pytest.mark.parametrize("model", [None, "trainee-survey", {"kind": "survey"}])
def test_dump_instrument_refuses_what_is_not_an_instrument(model: Any) -> None:
    """Gave AttributeError: no attribute 'model_dump'."""
    with pytest.raises(ArgumentError, match="expected an instrument"):
        le.dump_instrument(model)


def test_to_print_pack_refuses_a_folder_as_path(tmp_path: Path) -> None:
    """Gave IsADirectoryError."""
    guide = le.load_instrument("interview-trainee")
    with pytest.raises(ConfigurationError, match="is a folder"):
        le.to_print_pack(guide, tmp_path)


def test_to_print_pack_refuses_an_extension_it_does_not_write(tmp_path: Path) -> None:
    """guide.pdf got an HTML page, silently."""
    guide = le.load_instrument("interview-trainee")
    with pytest.raises(ConfigurationError, match=r"\.html or \.docx, not \.pdf") as info:
        le.to_print_pack(guide, tmp_path / "guide.pdf")
    assert info.value.code == "unknown-format"
    assert not (tmp_path / "guide.pdf").exists()


def test_to_print_pack_refuses_a_path_or_language_of_the_wrong_type() -> None:
    """A number as path gave TypeError; None as language AttributeError."""
    guide = le.load_instrument("interview-trainee")
    with pytest.raises(ArgumentError, match="path must be a file path"):
        le.to_print_pack(guide, 5)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="language must be"):
        le.to_print_pack(guide, language=None)  # type: ignore[arg-type]


def test_print_outs_refuse_a_language_the_instrument_has_no_text_in() -> None:
    """language='xx' (or a typo of 'cy') printed the English texts, silently."""
    guide = le.load_instrument("interview-trainee")
    with pytest.raises(ConfigurationError, match="no text in language 'xx'") as info:
        le.to_print_pack(guide, language="xx")
    assert info.value.code == "unknown-language"
    with pytest.raises(ConfigurationError, match="no text in language 'cyy'"):
        le.to_printable("trainee-survey", language="cyy")
    # a language some text is in is printed (texts missing in it fall back to English)
    welsh = le.loads_instrument(
        "kind: survey\nid: w\nversion: 1.0.0\ntitle: {en: T, cy: Teitl}\nsections:\n"
        "  - {id: s, title: S, items: [{id: q, type: text, text: Q}]}\n",
        "w.yaml",
    )
    assert "Teitl" in le.to_printable(welsh, language="cy")


# ------------------------------------------------------------------------------ publish_wave


@pytest.mark.parametrize("secret", ["k" * 32, None])
def test_publish_wave_refuses_a_secret_that_is_not_bytes(
    survey: Any, responses: pd.DataFrame, secret: Any
) -> None:
    """A str or None gave TypeError (bytes-like object required / no len())."""
    with pytest.raises(ArgumentError, match="secret must be the report key as bytes"):
        le.publish_wave(survey, responses, secret)


def test_publish_wave_refuses_responses_that_are_not_a_table(survey: Any) -> None:
    """None or a Series was reported as 'the data has no rows'."""
    with pytest.raises(NotATableError, match="not Series"):
        le.publish_wave(survey, pd.Series([1, 2]), b"k" * 32)  # type: ignore[arg-type]


def test_publish_wave_refuses_a_list_as_group(survey: Any, responses: pd.DataFrame) -> None:
    """A list gave TypeError: unhashable type: 'list'."""
    with pytest.raises(ArgumentError, match="group must be the name"):
        le.publish_wave(survey, responses, b"k" * 32, group=["trust"])  # type: ignore[arg-type]
