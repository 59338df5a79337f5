"""The faster paths give what the slower ones gave.

* :func:`choose_forms` settles most of the intruder's targets with a feasible table found by
  moving answers around rectangles (or, in a row shown by its average, between three options
  keeping its sums); with those shortcuts off, every target's linear programme is solved. Both
  choose the same forms, and every bound a shortcut reports is on the right side of the linear
  programme's.
* ``build_reports(previous=...)`` takes the previous wave's publication (or a function giving
  it) in place of its responses and writes the same reports.
* Loading the same instrument twice parses it once, and hands out copies.
* Float answers (a file read with blanks) whose codes fit in one byte are classified by
  comparing bytes; the classes, the values and the validation report are those of the general
  path (cast to 64 bits, gathered through a table).
* Scale patterns of one-byte answers, read through a table over every byte, are those of the
  same answers in 64 bits.
* The cell keys of a statement's tables (numbers answering, then each level's groups of
  answers), made together from one set of key sums, are those of one table at a time.
* Large frames validated and scored on several threads give what one thread gives.
* Text held as a few shared string objects, grouped by object and then by characters, gets
  pandas' codes.
* Tasks handed to :class:`~leadership_eval._threads.Workers` run beside the caller, keep their
  order, and raise the first error once none is left running.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import leadership_eval as le
from leadership_eval.demo import simulate_evaluation
from leadership_eval.errors import ArgumentError
from leadership_eval.policy import PRESETS, DisclosurePolicy
from leadership_eval.privacy._linear import LinearAttack
from leadership_eval.reports import forms
from leadership_eval.reports.forms import Level, choose_forms, levels_for

SECRET = b"speed-equivalence-key-0123456789"


def _levels() -> list[list[Level]]:
    survey = le.as_survey("trainee-survey")
    five = survey.choice_lists["confidence5"]
    four = next(cl for cl in survey.choice_lists.values() if cl.ordered and len(cl.options) == 4)
    binary = [Level("full", ((0,), (1,)), ("not ticked", "ticked"), (None, None))]
    return [levels_for(five), levels_for(five, reverse=True), levels_for(four), binary]


def _table(rng: np.random.Generator, levels: list[Level]) -> pd.DataFrame:
    codes = [c for g in levels[0].groups for c in g]
    n_rows = int(rng.integers(2, 9))
    sizes = rng.integers(0, 30, n_rows)
    probs = rng.dirichlet(np.full(len(codes), float(rng.choice([0.3, 1.0, 3.0]))))
    counts = np.array([rng.multinomial(int(s), probs) for s in sizes])
    frame = pd.DataFrame(counts, index=[f"t{i:02d}" for i in range(n_rows)], columns=codes)
    frame.loc["Total"] = frame.sum(axis=0)
    return frame.astype("int64")


def _forms(table: pd.DataFrame, levels: list[Level], policy: DisclosurePolicy) -> tuple:
    f = choose_forms(table, levels, policy)
    return (f.level, f.dominated, f.n_shown, f.rounds)


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_forms_are_the_same_with_and_without_the_shortcuts(
    preset: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = PRESETS[preset]
    rng = np.random.default_rng(sum(map(ord, preset)))
    all_levels = _levels()
    settled = settled_mean = 0
    for trial in range(120):
        levels = all_levels[trial % len(all_levels)]
        table = _table(rng, levels)
        monkeypatch.setattr(forms, "_WITNESSES", True)
        fast = _forms(table, levels, policy)
        monkeypatch.setattr(forms, "_WITNESSES", False)
        reference = _forms(table, levels, policy)
        assert fast == reference, table
        # the shortcut's bounds against the linear programmes, on the finest forms
        monkeypatch.setattr(forms, "_WITNESSES", True)
        cells = forms._Cells(table, [int(c) for c in table.columns])
        codes = [int(c) for c in table.columns]
        totals = {r: cells.total(r) for r in table.index}
        level, dominated, n_shown = forms._finest_forms(cells, codes, levels, policy, totals, ())
        rows = [r for r in table.index if r != "Total"]
        targets = forms._attack_targets(cells, codes, levels, rows, level, dominated, policy)
        quick = forms._witness_bounds(cells, codes, levels, level, dominated, targets, policy)
        exact = forms._attack_upper(cells, codes, levels, level, dominated, n_shown, targets)
        for target, value in quick.items():
            if target[2] == "max":
                assert exact[target] >= value - 1e-6, (target, value, exact[target])
            else:
                assert exact[target] <= value + 1e-6, (target, value, exact[target])
        settled += sum(1 for t in targets if t in quick and t[2] == "max" and quick[t] > 0)
        settled_mean += sum(
            1
            for t in targets
            if t in quick and level[t[0]] is not None and levels[level[t[0]]].name == "mean"
        )
    # both shortcuts are exercised (rectangles, and moves within a row shown by its average)
    assert settled > 50 and settled_mean > 5, (settled, settled_mean)


def test_a_rectangle_move_keeps_every_published_equation() -> None:
    """A table reached by the shortcut satisfies the intruder's equations (checked with the
    same model the linear programmes use)."""
    x = np.array([[3, 1, 4], [2, 6, 1], [5, 2, 2]])
    group = np.zeros_like(x)  # no row published by groups: only totals bind
    moved = forms._moved(x, group, 0, 1, 4)
    assert moved >= 4
    equations = [
        *[(list(range(i * 3, i * 3 + 3)), [1.0] * 3, float(x[i].sum())) for i in range(3)],
        *[([j, 3 + j, 6 + j], [1.0] * 3, float(x[:, j].sum())) for j in range(3)],
    ]
    attack = LinearAttack(9, equations)
    assert attack.bound(1, maximise=True) >= moved - 1e-9


def test_the_moves_leave_the_counts_they_start_from() -> None:
    """Rows are copied only when answers move in them: the table every target starts from is
    never changed (a move that wrote into it would feed one target's table to the next)."""
    rng = np.random.default_rng(7)
    codes = [1, 2, 3, 4, 5]
    changed = 0
    for _ in range(300):
        x0 = rng.integers(0, 6, (int(rng.integers(2, 7)), 5)).tolist()
        group = [list(rng.choice([[0] * 5, [0, 0, 1, 1, 1], [-1] * 5])) for _ in x0]
        before = [list(row) for row in x0]
        i, j = int(rng.integers(len(x0))), int(rng.integers(5))
        # the region: no groups, every option alone, or two groups
        region = [[0] * 5, [0, 1, 2, 3, 4], [0, 0, 1, 1, 1]][int(rng.integers(3))]
        if group[i][0] >= 0:
            moved = forms._moved(x0, group, i, j, int(rng.integers(-5, 6)), region)
        else:
            moved = forms._moved_within_mean(x0, group, codes, i, j, 4, region)
        changed += moved != before[i][j]
        assert x0 == before
    assert changed > 50  # answers did move


def _built(out: Path, previous: object) -> dict[str, str]:
    demo = _demo()
    le.build_reports(
        "trainee-survey",
        demo.trainees,
        out,
        previous=previous,
        previous_label="2025",
        key=SECRET,
    )
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(out.iterdir())}


_DEMO: list[object] = []


def _demo() -> object:
    if not _DEMO:
        _DEMO.append(simulate_evaluation(seed=2024))
    return _DEMO[0]


def _comments_row_by_row(an: object) -> dict[str, dict[str, list[str]]]:
    """The unreviewed comments of each reported group, selected group by group (the reference
    for the one pass over each column that the analysis makes)."""
    clean, group = an.clean, an.group  # type: ignore[attr-defined]
    out: dict[str, dict[str, list[str]]] = {}
    for item in an.survey.items_with("free_text"):  # type: ignore[attr-defined]
        if item.id not in clean.columns:
            continue
        per: dict[str, list[str]] = {}
        for g in an.reported:  # type: ignore[attr-defined]
            texts = clean.loc[clean[group] == g, item.id].dropna().astype(str)
            per[str(g)] = [t.strip() for t in texts if t.strip()]
        out[item.id] = per
    return out


@pytest.mark.parametrize("variant", ["as drawn", "trusts as categories", "gaps and blanks"])
def test_unreviewed_comments_are_those_selected_group_by_group(variant: str) -> None:
    from leadership_eval.reports.analyse import analyse

    data = _demo().trainees.copy()  # type: ignore[attr-defined]
    rng = np.random.default_rng(11)
    if variant == "trusts as categories":
        data["trust"] = data["trust"].astype("category")
    elif variant == "gaps and blanks":
        text = data["meaning_text"].astype(object)
        text[rng.random(len(data)) < 0.1] = "   "
        padded = (rng.random(len(data)) < 0.2) & text.notna()
        text[padded] = "  " + text[padded].astype(str) + " \n"
        data["meaning_text"] = text
        data.index = [f"r{i % 300}" for i in range(len(data))]  # repeated labels
    an = analyse("trainee-survey", data, publish_unreviewed_comments=True)
    assert an.comments == _comments_row_by_row(an)
    assert sum(len(texts) for per in an.comments.values() for texts in per.values()) > 100


def test_previous_wave_as_publication_gives_the_same_reports(tmp_path: Path) -> None:
    demo = _demo()
    from_responses = _built(tmp_path / "a", demo.trainees_before)  # type: ignore[attr-defined]
    pub, used = le.publish_wave("trainee-survey", demo.trainees_before, SECRET)  # type: ignore[attr-defined]
    assert used > 0 and pub.survey_id == "trainee-survey"
    from_publication = _built(tmp_path / "b", pub)
    from_function = _built(tmp_path / "c", lambda: pub)
    assert from_publication == from_responses
    assert from_function == from_responses


@pytest.mark.parametrize("ids", ["every respondent id", "one id missing"])
def test_a_previous_wave_for_comparison_publishes_its_statements_as_in_full(ids: str) -> None:
    # publish_wave makes only what a later wave shows (the statements and the responses
    # table); they must be those of the wave's full publication. With an id missing, the
    # record keys are digests of the rows, redacted text included: the texts must then be
    # redacted as in full, or a planted name would change the noise
    from leadership_eval.demo import PLACES, ROSTER

    before = _demo().trainees_before.copy()  # type: ignore[attr-defined]
    text = next(i.id for i in le.as_survey("trainee-survey").items_with("free_text"))
    before[text] = before[text].astype(object)
    before.loc[before.index[:40], text] = "Dr Amara Okafor on Rowan Ward helped me a lot"
    if ids == "one id missing":
        before.loc[before.index[3], "respondent_id"] = None
    names = {"names": ROSTER, "places": PLACES}
    full, used_full = le.publish_wave("trainee-survey", before, SECRET, full=True, **names)
    lean, used = le.publish_wave("trainee-survey", before, SECRET, **names)
    assert used == used_full
    assert lean.items == full.items and len(lean.items) > 20
    assert lean.responses == full.responses and lean.groups == full.groups
    assert (lean.scales, lean.choices, lean.comments, lean.activities) == ((), (), {}, None)
    assert full.scales and full.choices


def test_an_analysis_of_statements_only_publishes_nothing_else() -> None:
    from leadership_eval.reports.analyse import analyse
    from leadership_eval.reports.publish import publish

    before = _demo().trainees_before  # type: ignore[attr-defined]
    with pytest.raises(ArgumentError, match="statements only"):
        analyse("trainee-survey", before, statements_only=True, segments=pd.DataFrame())
    an = analyse("trainee-survey", before, statements_only=True)
    assert an.statements_only and an.agree and not an.comparisons and not an.comments
    with pytest.raises(ArgumentError, match="statements only"):
        publish(an, SECRET, previous=lambda: None)  # type: ignore[arg-type,return-value]


def test_previous_wave_under_another_policy_is_refused(tmp_path: Path) -> None:
    demo = _demo()
    pub, _ = le.publish_wave(
        "trainee-survey",
        demo.trainees_before,  # type: ignore[attr-defined]
        SECRET,
        policy=DisclosurePolicy.resolve(None, min_cell=6),
    )
    with pytest.raises(le.DisclosureError) as err:
        _built(tmp_path / "a", pub)
    assert err.value.code == "previous-policy"
    with pytest.raises(le.DataError, match="must return the previous wave's Publication"):
        _built(tmp_path / "b", lambda: demo.trainees_before)  # type: ignore[attr-defined]
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_an_instrument_loaded_twice_is_parsed_once_and_copied(tmp_path: Path) -> None:
    from leadership_eval.instruments import loader

    path = tmp_path / "s.yaml"
    path.write_text(
        "kind: survey\nid: tiny\nversion: 1.0.0\ntitle: Tiny\nsections:\n"
        "  - id: main\n    title: Main\n    items:\n"
        "      - {id: note, type: text, text: Anything else?}\n",
        encoding="utf-8",
    )
    first = le.load_instrument(path)
    parsed = len(loader._LOADED)
    second = le.load_instrument(path)
    assert len(loader._LOADED) == parsed
    assert first == second and first is not second
    first.sections[0].items.clear()  # a caller changing its copy in place
    assert [i.id for i in le.load_instrument(path).items] == ["note"]
    # the read-only instance is the cached one, the same at every call, and no copy shares
    # its lists
    shared = loader.shared_instrument(path)
    assert shared is loader.shared_instrument(path) and shared == second
    second.sections[0].items.clear()
    assert [i.id for i in loader.shared_instrument(path).items] == ["note"]
    path.write_text(path.read_text(encoding="utf-8").replace("Tiny", "Small"), encoding="utf-8")
    assert "Small" in str(le.load_instrument(path).title)
    assert "Small" in str(loader.shared_instrument(path).title)


@pytest.mark.parametrize(
    ("codes", "missing"),
    [
        ([1, 2, 3, 4, 5], []),
        ([1, 2, 3, 4, 5, 6], [-9, 99]),
        ([0, 1], [9]),
        ([-3, -1, 0, 2, 7], [-99]),  # not a run of codes
        ([-128, 0, 127], [-127]),  # a byte's ends
        ([1, 2, 3], [3]),  # a missing code also listed: missing wins, as in the table
    ],
)
def test_float_codes_of_one_byte_are_classified_as_through_the_table(
    codes: list[int], missing: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from leadership_eval.responses import validate

    choice = le.ChoiceList.model_validate(
        {
            "options": [{"code": c, "label": f"c{c}"} for c in codes],
            "missing": [{"code": c, "label": f"m{c}"} for c in missing],
        }
    )
    rng = np.random.default_rng(len(codes) * 31 + len(missing))
    edges = [np.nan, np.inf, -np.inf, -0.0, 0.5, 2.5, 127.0, 128.0, -128.0, -129.0, 255.0]
    edges += [256.0, 257.0, 1e19, -1e19, 2.0**63, 1e300]
    pool = np.array([*codes, *missing, *edges, *(c + 256 for c in codes)], dtype=np.float64)
    f = np.concatenate([pool, rng.choice(pool, 5_000), rng.normal(0, 200, 2_000)])
    wide_cls, wide_values = validate._wide_classes(f, choice)  # the path for codes of any size
    expected = np.where(np.isnan(f), -1, wide_cls)  # no answer: -1, as validation marks it
    # blocks of 1,000 rows (and a last one of another size), then the column in one block
    for block in (1_000, validate._FLOAT_BLOCK):
        monkeypatch.setattr(validate, "_FLOAT_BLOCK", block)
        got = validate._byte_codes(f, choice)
        assert got is not None
        np.testing.assert_array_equal(got.classes(), expected)
        np.testing.assert_array_equal(got.not_code, expected != 1)
        np.testing.assert_array_equal(got.present(), ~np.isnan(f))
        assert got.others == int(np.count_nonzero((expected != 1) & (expected != -1)))
        kept = expected >= 1  # the values are read where the class says an answer
        np.testing.assert_array_equal(got.values[kept].astype(np.float64), f[kept])
        np.testing.assert_array_equal(got.values[kept], wide_values[kept])


@pytest.mark.parametrize("codes", [[1, 2, 3, 4, 5], [-3, -1, 0, 2, 7]])
def test_float_codes_without_other_answers_give_their_classes_from_the_mask(
    codes: list[int],
) -> None:
    """A column of codes and blanks only: classes and answered rows follow from the mask."""
    from leadership_eval.responses import validate

    choice = le.ChoiceList.model_validate(
        {
            "options": [{"code": c, "label": f"c{c}"} for c in codes],
            "missing": [{"code": 99, "label": "n/a"}],
        }
    )
    rng = np.random.default_rng(3)
    f = rng.choice(np.array([*codes, np.nan], dtype=np.float64), 3_000)
    got = validate._byte_codes(f, choice)
    assert got is not None and got.others == 0
    wide_cls, _ = validate._wide_classes(f, choice)
    np.testing.assert_array_equal(got.classes(), np.where(np.isnan(f), -1, wide_cls))
    np.testing.assert_array_equal(got.present(), ~np.isnan(f))


def test_float_answers_validate_as_integer_answers() -> None:
    survey = le.as_survey("trainee-survey")
    data = simulate_evaluation(seed=7).trainees
    likert = [i.id for i in survey.items if i.type == "likert"]
    floats = data.copy()
    rng = np.random.default_rng(7)
    for c in likert[:6]:
        col = floats[c].astype("Float64").astype(np.float64)
        col[rng.random(len(col)) < 0.05] = 7.5  # not a code
        col[rng.random(len(col)) < 0.05] = 260.0  # beyond a byte, and 260 - 256 is a code
        floats[c] = col
    ints = floats.copy()
    for c in likert[:6]:
        v = floats[c].to_numpy()
        ints[c] = pd.array(np.where(np.isnan(v), None, v), dtype="object")  # the same values
    a = le.validate_responses(survey, floats)
    b = le.validate_responses(survey, ints)
    pd.testing.assert_frame_equal(
        a.errors.drop(columns=["message", "value"], errors="ignore"),
        b.errors.drop(columns=["message", "value"], errors="ignore"),
    )
    for c in likert:
        np.testing.assert_array_equal(
            a.data[c].to_numpy(dtype=np.float64, na_value=np.nan),
            b.data[c].to_numpy(dtype=np.float64, na_value=np.nan),
        )


@pytest.mark.parametrize("seed", range(6))
def test_one_byte_answer_patterns_are_those_of_64_bit_answers(seed: int) -> None:
    from leadership_eval._scales import scale_patterns

    rng = np.random.default_rng(seed)
    survey = le.as_survey("trainee-survey")
    scale = survey.scales[seed % len(survey.scales)]
    n = 3_000
    frame8, frame64 = {}, {}
    for item_id in scale.items:
        cl = survey.choices_for(survey.item(item_id))
        assert cl is not None
        pool = [*(int(c) for c in cl.codes), *(int(c) for c in cl.missing_codes)]  # type: ignore[call-overload]
        if seed == 0:
            pool += [-128, -1]  # values that are no codes: negative bytes
        elif seed == 3:
            pool += [0, 127, max(pool) + 1]  # and positive ones
        values = rng.choice(np.asarray(pool, dtype=np.int8), n)
        na = rng.random(n) < 0.1
        garbage = rng.integers(-128, 128, n).astype(np.int8)  # what NA hides
        raw8 = np.where(na, garbage, values)
        frame8[item_id] = pd.arrays.IntegerArray(raw8, na)
        frame64[item_id] = pd.arrays.IntegerArray(raw8.astype(np.int64), na.copy())
    got = scale_patterns(survey, pd.DataFrame(frame8), scale)
    want = scale_patterns(survey, pd.DataFrame(frame64), scale)
    if want is None:
        assert got is None
    else:
        assert got is not None
        np.testing.assert_array_equal(got.rows, want.rows)


@pytest.mark.parametrize("seed", range(8))
def test_grouped_cell_keys_are_those_of_one_table_at_a_time(seed: int) -> None:
    from leadership_eval.privacy.perturb import CellKeys, record_keys
    from test_perturbation_reference import earlier_cell_uniforms

    rng = np.random.default_rng(seed)
    secret = b"grouped cell keys test key"
    n = int(rng.integers(0, 60))
    n_codes = int(rng.integers(1, 7))
    ids = pd.Series([f"r{i}" for i in range(n)], index=rng.permutation(n) + 100)
    keys = CellKeys(pd.Series(record_keys(ids, secret), index=ids.index), secret)
    trusts = [f"t{i}" for i in range(int(rng.integers(1, 6)))]
    rows = pd.Series(rng.choice(trusts, n) if n else [], index=ids.index, dtype=object)
    codes = rng.integers(0, n_codes, n)
    # the order names a trust no record has, and leaves out one that some may have
    order = [*trusts[1:], "t-none"]
    tables: list[tuple[str, list[str], list[list[int]]]] = [("item:q", [], [])]
    for level in range(3):
        cut = np.sort(
            rng.choice(np.arange(1, n_codes), size=min(level, n_codes - 1), replace=False)
        )
        groups = [g.tolist() for g in np.split(rng.permutation(n_codes), cut)]
        tables.append((f"item:q:{level}", [f"label {j}" for j in range(len(groups))], groups))
    got = keys.grouped_grids(tables, rows, codes, n_codes, row_order=order)
    for (name, labels, groups), grid in zip(tables, got, strict=True):
        # against the earlier implementation, one table at a time, each record's label of its
        # group as its column
        if labels:
            label_of = {c: labels[j] for j, g in enumerate(groups) for c in g}
            columns = pd.Series([label_of[c] for c in codes], index=ids.index, dtype=object)
            want = earlier_cell_uniforms(
                keys, name, rows, columns, row_order=order, column_order=labels
            )
        else:
            want = earlier_cell_uniforms(keys, name, rows, None, row_order=order)
        assert grid[1:] == (list(want.index), list(want.columns))
        np.testing.assert_array_equal(grid[0], want.to_numpy())


def test_grouped_cell_keys_refuse_what_they_cannot_group() -> None:
    from leadership_eval.privacy.perturb import CellKeys, record_keys

    secret = b"grouped cell keys test key"
    ids = pd.Series(["a", "b", "c"])
    keys = CellKeys(pd.Series(record_keys(ids, secret)), secret)
    rows = pd.Series(["t1", "t1", "t2"])
    codes = np.array([0, 1, 1])
    two = ("q:two", ["yes", "no"], [[0], [1]])
    with pytest.raises(le.DataError, match="take each code once"):
        keys.grouped_grids(
            [("q:two", ["yes", "no"], [[0], [0, 1]])], rows, codes, 2, row_order=["t1"]
        )
    with pytest.raises(le.DataError, match="distinct labels"):
        keys.grouped_grids(
            [("q:two", ["yes", "yes"], [[0], [1]])], rows, codes, 2, row_order=["t1"]
        )
    with pytest.raises(le.DataError, match="must be strings"):
        keys.grouped_grids([("q:two", [1, 2], [[0], [1]])], rows, codes, 2, row_order=["t1"])  # type: ignore[list-item]
    with pytest.raises(le.DataError, match=r"codes must lie in 0\.\.1"):
        keys.grouped_grids([two], rows, np.array([0, 1, 2]), 2, row_order=["t1"])
    with pytest.raises(le.DataError, match="a row label and a code for every record"):
        keys.grouped_grids([two], pd.Series(["t1", None, "t2"]), codes, 2, row_order=["t1"])


def test_a_group_key_sums_its_members_keys_and_refuses_strangers() -> None:
    import hashlib
    import hmac

    from leadership_eval.privacy.perturb import CellKeys, record_keys

    secret = b"group key test key, sixteen+"
    ids = pd.Series([f"r{i}" for i in range(30)], index=np.arange(30) * 3 + 7)
    keys = CellKeys(pd.Series(record_keys(ids, secret), index=ids.index), secret)
    members = pd.Index([88, 7, 43, 10, 61])  # in no particular order
    total = int(keys.keys.reindex(members).to_numpy(dtype=np.uint64).sum())
    # the key as first published: HMAC-SHA256 of "group", the statistic and the key sum
    mac = hmac.new(secret, f"group\x1fitem:q:mean\x1f{total}".encode(), hashlib.sha256).digest()
    want = (int.from_bytes(mac[:8], "big") >> 11) / float(1 << 53)
    assert keys.group_uniform("item:q:mean", members) == want
    assert keys.group_uniform("item:q:mean", list(members)) == want
    with pytest.raises(le.DataError, match="rows of the keyed data"):
        keys.group_uniform("item:q:mean", [7, 8])


@pytest.mark.parametrize("policy", ["default", "nhs-hes", "no-perturbation"])
def test_grouped_tables_publish_the_counts_of_one_noisy_table_at_a_time(policy: str) -> None:
    """The statement and tick-box tables, published together from arrays, are what the
    protector's noisy() publishes table by table from frames (cell keys, perturbation and
    rounding); a label named like the margins ("Total") is matched by label, as noisy() does."""
    from leadership_eval.reports.analyse import analyse
    from leadership_eval.reports.publish import _Protector

    pol = (
        PRESETS["default"].model_copy(
            update={
                "perturbation": PRESETS["default"].perturbation.model_copy(
                    update={"method": "none"}
                )
            }
        )
        if policy == "no-perturbation"
        else PRESETS[policy]
    )
    survey = le.load_instrument("trainee-survey")
    sizes = {"t01": 40, "t02": 31, "t03": 22, "t04": 12}
    data = le.simulate_responses(survey, sum(sizes.values()), groups=sizes, seed=9)
    an = analyse(survey, data, policy=pol)
    order = list(an.reported)
    rng = np.random.default_rng(3)
    rows = an.row_key[an.row_key.isin(order).to_numpy()]
    codes = rng.integers(0, 5, len(rows))
    at = pd.Index(order).get_indexer(rows)
    table = np.bincount(at * 5 + codes, minlength=5 * len(order)).reshape(len(order), 5)
    table = np.vstack([table, table.sum(axis=0)])
    index = [*order, "Total"]
    for labels in (["low", "middle", "high"], ["low", "Total", "high"]):
        groups = [[0, 1], [2], [3, 4]]
        grouped = np.stack([table[:, g].sum(axis=1) for g in groups], 1)
        n = table.sum(axis=1)
        together = _Protector(an, b"sixteen byte key, and more")
        got = together.noisy_groupings(
            rows,
            codes,
            5,
            order,
            [("item:q", [], [], n[:, None]), ("item:q:three", labels, groups, grouped)],
        )
        apart = _Protector(an, b"sixteen byte key, and more")
        label_col = pd.Series(
            np.asarray(labels, dtype=object)[np.array([0, 0, 1, 2, 2])[codes]], index=rows.index
        )
        want = [
            apart.noisy("item:q", rows, None, order, [], pd.Series(n, index=index)),
            apart.noisy(
                "item:q:three",
                rows,
                label_col,
                order,
                labels,
                pd.DataFrame(grouped, index=index, columns=labels),
            ),
        ]
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, w.to_numpy().astype(np.int64))
        assert together.changes == apart.changes


@pytest.mark.parametrize("seed", range(6))
def test_counts_by_trust_are_the_crosstab_with_the_region(seed: int) -> None:
    from leadership_eval.reports.publish import _counts_by_trust, _crosstab

    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 80))
    trusts, codes = ["t1", "t2", "t3"], [1, 2, 3, 4]
    # positions outside the table too: a pooled trust (-1), an answer that is no code (4, -1)
    trust_at = rng.integers(-1, 3, n)
    code_at = rng.integers(-1, 5, n)
    rows = pd.Series([trusts[i] if i >= 0 else "pooled" for i in trust_at], dtype=object)
    answers = pd.Series([codes[j] if 0 <= j < 4 else 9 for j in code_at], dtype=object)
    want = _crosstab(rows, answers, trusts, codes).to_numpy()
    got = _counts_by_trust(trust_at, code_at, len(trusts), len(codes))
    np.testing.assert_array_equal(got, np.vstack([want, want.sum(axis=0)]))
    assert got.dtype == np.int64


def _many_threads(monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    """Large numpy work shared between ``workers`` threads, whatever the machine has."""
    from leadership_eval import _scales, _threads

    monkeypatch.setattr(_threads, "worker_count", lambda: workers)
    monkeypatch.setattr(_scales, "worker_count", lambda: workers)


def _large_float_answers(as_int: bool = False) -> tuple[le.Survey, pd.DataFrame]:
    """The trainee survey's answers repeated to over two million values, read as floats (a
    file with blanks; ``as_int``: as nullable integers, as the readers give them), with values
    that are no codes, declared missing codes and repeated ids."""
    from leadership_eval._threads import THREADED_VALUES

    survey = le.as_survey("trainee-survey")
    data = simulate_evaluation(seed=11).trainees
    likert = [i.column_name for i in survey.items if i.type == "likert" and i.column_name in data]
    reps = THREADED_VALUES // (len(data) * len(likert)) + 2
    big = pd.concat([data] * reps, ignore_index=True)
    rid = survey.respondent_id
    rng = np.random.default_rng(11)
    if rid is not None:
        ids = np.array([f"r{i}" for i in range(len(big))], dtype=object)
        ids[rng.random(len(big)) < 0.01] = "r0"  # repeated ids: those rows are excluded
        big[rid] = ids
    for c in likert:
        col = big[c].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
        col[rng.random(len(col)) < 0.002] = 7.0 if as_int else 7.5  # not a code
        col[rng.random(len(col)) < 0.002] = 260.0  # beyond a byte
        big[c] = pd.array(np.where(np.isnan(col), None, col), dtype="Int64") if as_int else col
    assert len(big) * len(likert) >= THREADED_VALUES
    return survey, big


@pytest.mark.parametrize("as_int", [False, True], ids=["floats", "nullable-integers"])
def test_validation_and_scores_on_threads_are_those_of_one_thread(
    monkeypatch: pytest.MonkeyPatch, as_int: bool
) -> None:
    survey, big = _large_float_answers(as_int)
    from leadership_eval.responses import validated

    results = []
    for workers in (1, 3):
        _many_threads(monkeypatch, workers)
        report = le.validate_responses(survey, big)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", le.DataWarning)  # the set-aside values, known
            scores, alphas = le.score(survey, big), le.reliability(survey, big)
        codes = validated(survey, big, form="codes", warn=False)[0]
        results.append((report, scores, alphas, codes))
    (r1, s1, a1, c1), (r3, s3, a3, c3) = results
    pd.testing.assert_frame_equal(r1.errors, r3.errors)
    pd.testing.assert_frame_equal(r1.data, r3.data)
    pd.testing.assert_frame_equal(r1.missing, r3.missing)
    pd.testing.assert_frame_equal(r1.excluded, r3.excluded)
    pd.testing.assert_frame_equal(s1, s3)
    pd.testing.assert_frame_equal(a1, a3)
    pd.testing.assert_frame_equal(c1, c3)
    assert (r1.errors["code"] == "invalid-code").sum() > 0  # the checks had work to do
    assert len(r1.excluded) > 0


def test_patterns_summed_on_threads_are_those_of_one_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from leadership_eval import _scales

    survey, big = _large_float_answers()
    from leadership_eval.responses import validated

    clean = validated(survey, big, form="codes", warn=False)[0]
    monkeypatch.setattr(_scales, "_BLOCK", 1 << 12)  # many blocks, shared unevenly
    for scale in survey.scales:
        _many_threads(monkeypatch, 1)
        one = _scales.scale_patterns(survey, clean, scale)
        _many_threads(monkeypatch, 3)
        room = np.full(len(clean), -7, dtype=np.int32)
        three = _scales.scale_patterns(survey, clean, scale, out=room)
        if one is None:
            assert three is None
            continue
        assert three is not None and three.rows is room  # written where it was asked to be
        np.testing.assert_array_equal(one.rows, three.rows)


def test_map_threaded_keeps_order_raises_the_first_error_and_obeys_the_cap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    from leadership_eval import _threads

    big = _threads.THREADED_VALUES
    monkeypatch.setattr(_threads, "worker_count", lambda: 4)
    seen: set[int] = set()

    def square(x: int) -> int:
        seen.add(threading.get_ident())
        return x * x

    assert _threads.uses_threads(big) and not _threads.uses_threads(big - 1)
    assert _threads.map_threaded(square, range(40), big) == [x * x for x in range(40)]
    assert threading.get_ident() not in seen  # large work: on the pool's threads
    seen.clear()
    assert _threads.map_threaded(square, range(5), big - 1) == [0, 1, 4, 9, 16]
    assert seen == {threading.get_ident()}  # small work: on the caller's thread

    def fail(x: int) -> int:
        if x in (3, 7):
            raise ValueError(f"item {x}")
        return x

    with pytest.raises(ValueError, match="item 3"):
        _threads.map_threaded(fail, range(10), big)
    monkeypatch.undo()
    monkeypatch.setenv("LEADERSHIP_EVAL_THREADS", "1")
    assert _threads.worker_count() == 1
    assert not _threads.uses_threads(10 * big)  # one thread: everything on the caller's
    monkeypatch.setenv("LEADERSHIP_EVAL_THREADS", "not a number")
    assert 1 <= _threads.worker_count() <= 8


@pytest.mark.parametrize(
    ("v2", "v1", "expected"),
    [
        ("200000 100000\n", None, 2),  # cgroup v2: two processors' worth
        ("150000 100000\n", None, 2),  # one and a half: rounded up
        ("50000 100000\n", None, 1),
        ("max 100000\n", None, None),  # no quota
        (None, ("300000", "100000"), 3),  # cgroup v1
        (None, ("-1", "100000"), None),  # v1 without a quota
        (None, None, None),  # no control group files
        ("garbage\n", None, None),
    ],
)
def test_threads_keep_to_the_control_groups_cpu_quota(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    v2: str | None,
    v1: tuple[str, str] | None,
    expected: int | None,
) -> None:
    from leadership_eval import _threads

    cpu_max = tmp_path / "cpu.max"
    if v2 is not None:
        cpu_max.write_text(v2)
    v1_dir = tmp_path / "cpu"
    if v1 is not None:
        v1_dir.mkdir()
        (v1_dir / "cpu.cfs_quota_us").write_text(v1[0] + "\n")
        (v1_dir / "cpu.cfs_period_us").write_text(v1[1] + "\n")
    monkeypatch.setattr(_threads, "_CPU_MAX", str(cpu_max))
    monkeypatch.setattr(_threads, "_CFS_DIRS", (str(tmp_path / "nowhere"), str(v1_dir)))
    monkeypatch.delenv("LEADERSHIP_EVAL_THREADS", raising=False)
    _threads._cgroup_cpus.cache_clear()
    try:
        assert _threads._cgroup_cpus() == expected
        if expected is not None:
            monkeypatch.setattr(_threads.os, "sched_getaffinity", lambda _pid: set(range(64)))
            assert _threads.worker_count() == min(expected, 8)
    finally:
        _threads._cgroup_cpus.cache_clear()


def _fresh(text: str) -> str:
    """An equal string held by a new object (not the interpreter's interned one)."""
    return "".join(list(text))


@pytest.mark.parametrize(
    "layout",
    ["shared-objects", "equal-strings-new-objects", "mostly-distinct", "all-distinct", "short"],
)
def test_strings_grouped_by_object_get_the_codes_of_their_characters(layout: str) -> None:
    """Strings held as a few shared objects are grouped by object, then by characters; the
    codes and distinct strings are ``pandas.factorize``'s, whatever the objects."""
    from leadership_eval._codes import factorize_strings

    rng = np.random.default_rng(len(layout))
    pool = np.array(["fy1", "fy2", "st", " st", "", "ct1", None], dtype=object)
    n = 200 if layout == "short" else 20_000
    values = pool[rng.integers(0, len(pool), n)]
    if layout == "equal-strings-new-objects":
        redo = rng.random(n) < 0.02  # a few: still grouped by object first
        values[redo] = [None if v is None else _fresh(v) for v in values[redo]]
    elif layout == "mostly-distinct":
        values[n // 2 :] = [f"id{i}" for i in range(n - n // 2)]  # the sample looks repetitive
    elif layout == "all-distinct":  # (ids, comments) hashed in a table sized for every row
        values[:] = [f"id{i}" for i in range(n)]
        values[rng.random(n) < 0.01] = None
    column = pd.Series(values, dtype="str")
    got = factorize_strings(column)
    assert got is not None
    want_codes, want_uniques = pd.factorize(column.to_numpy(dtype=object), use_na_sentinel=True)
    np.testing.assert_array_equal(got[0], want_codes)
    assert got[1].tolist() == list(want_uniques)
    # every other row (a view that is not contiguous in memory): the same as a copy
    half = column.iloc[::2]
    got_half = factorize_strings(half)
    assert got_half is not None
    np.testing.assert_array_equal(got_half[0], pd.factorize(half.to_numpy(dtype=object))[0])


def test_string_hash_tables_are_sized_for_the_distinct_strings_a_sample_shows() -> None:
    from leadership_eval._codes import _distinct_guess

    distinct = np.array([f"id{i}" for i in range(20_000)], dtype=object)
    few = np.array([_fresh(("fy1", "st", "ct2")[i % 3]) for i in range(20_000)], dtype=object)
    assert _distinct_guess(distinct) == 20_000
    assert _distinct_guess(few) == 64
    assert _distinct_guess(few[:300]) == 300  # a short column: room for every row


def test_strings_are_grouped_by_object_only_when_the_objects_are_few() -> None:
    from leadership_eval._codes import _by_object

    rng = np.random.default_rng(5)
    pool = np.array(["fy1", "fy2", "st", None], dtype=object)
    shared = pool[rng.integers(0, 4, 20_000)]
    grouped = _by_object(shared)
    assert grouped is not None
    objects, first = grouped
    assert len(first) == 4 and (objects[first] == np.arange(4)).all()
    fresh = np.array([None if v is None else _fresh(v) for v in shared], dtype=object)
    assert _by_object(fresh) is None  # one object per row: hashed by characters at once


def test_workers_run_tasks_beside_the_caller_and_stop(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    from leadership_eval import _threads

    here = threading.get_ident()
    monkeypatch.setattr(_threads, "worker_count", lambda: 1)
    with _threads.Workers() as w:  # one processor: at once, on the caller's thread
        job = w.submit(threading.get_ident)
        assert job.done() and job.result() == here
        assert w.submit(int, "x").exception() is not None  # the error kept in the future
    monkeypatch.setattr(_threads, "worker_count", lambda: 3)
    before = threading.active_count()
    with _threads.Workers() as w:
        assert set(w.gather([w.submit(threading.get_ident) for _ in range(6)])) - {here}
        assert w.submit(threading.get_ident).result() != here
        started: list[int] = []
        finished: list[int] = []

        def task(x: int) -> int:
            started.append(x)
            time.sleep(0.01 * (5 - x))
            finished.append(x)
            if x in (1, 3):
                raise ValueError(f"item {x}")
            return x

        with pytest.raises(ValueError, match="item 1"):  # the first in order
            w.gather([w.submit(task, x) for x in range(5)])
        assert sorted(finished) == sorted(started)  # raised once none was left running
    assert threading.active_count() == before
    with _threads.Workers(start_at=2.5) as w:  # the first tasks, up to 2.5 of work, run here
        done = [w.submit(threading.get_ident, work=1).result() for _ in range(4)]
        assert done[:2] == [here, here] and here not in done[2:]
    with _threads.Workers(threads=False) as w:
        assert w.submit(threading.get_ident).result() == here
