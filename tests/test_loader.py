"""The instrument loader: every problem code, located; round trips; fuzzing."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import leadership_eval as le
from leadership_eval.errors import InstrumentError
from leadership_eval.instruments.loader import MAX_FILE_BYTES, loads_instrument

SURVEY = textwrap.dedent(
    """\
    kind: survey
    id: mini-survey
    version: 1.0.0
    title: A small survey
    licence: CC-BY-4.0
    respondent_id: rid
    group_by: trust
    choice_lists:
      agree5:
        ordered: true
        options:
          - {code: 1, label: Strongly disagree}
          - {code: 2, label: Disagree}
          - {code: 3, label: Neither agree nor disagree}
          - {code: 4, label: Agree}
          - {code: 5, label: Strongly agree}
        missing:
          - {code: 9, label: Prefer not to say}
      trust:
        options:
          - {code: t01, label: Trust 01}
          - {code: t02, label: Trust 02}
      acts:
        options:
          - {code: qi, label: Quality improvement}
          - {code: audit, label: Audit}
    sections:
      - id: about
        title: {en: About you, cy: Amdanoch chi}
        items:
          - {id: rid, type: text, text: Respondent id, disclosure: direct}
          - {id: trust, type: choice, choices: trust, text: Your trust, disclosure: quasi}
          - {id: lead_1, type: likert, choices: agree5, text: I see myself as a leader,
             objectives: [O2]}
          - {id: lead_2, type: likert, choices: agree5, text: Leadership is for senior staff}
          - {id: lead_3, type: likert, choices: agree5, text: Others see me as a leader}
          - {id: acts, type: multi_choice, choices: acts, text: Activities}
          - {id: qi_how, type: text, text: "How did the QI come about?",
             show_if: "selected(acts, 'qi')"}
          - {id: years, type: number, text: Years in training, min: 0, max: 20, integer: true}
          - {id: comments, type: text, text: "Anything else?", disclosure: free_text,
             show_if: "trust != 't02'"}
    scales:
      - id: leader_identity
        title: Leader identity
        items: [lead_1, lead_2, lead_3]
        reverse: [lead_2]
        min_answered: 2
    changelog:
      - {version: 1.0.0, date: 2026-01-01, changes: [First version]}
    """
)


def load(text: str) -> object:
    return loads_instrument(textwrap.dedent(text), "test.yaml")


def problems_of(text: str) -> list[le.Problem]:
    with pytest.raises(InstrumentError) as info:
        load(text)
    return info.value.problems


def codes_of(text: str) -> list[str]:
    return [p.code for p in problems_of(text)]


def edit(old: str, new: str, base: str = SURVEY) -> str:
    assert old in base, old
    return base.replace(old, new, 1)


def test_valid_survey_loads() -> None:
    survey = load(SURVEY)
    assert isinstance(survey, le.Survey)
    assert [i.id for i in survey.items][:3] == ["rid", "trust", "lead_1"]
    assert survey.choices_for("lead_1").score_range() == (1.0, 5.0)  # type: ignore[union-attr]
    assert survey.scale("leader_identity").required_answers() == 2
    assert survey.all_objectives() == {"O2"}


def test_nine_mistakes_give_nine_located_problems() -> None:
    broken = SURVEY
    for old, new in [
        ("title: A small survey", "titel: A small survey"),  # 1 unknown-field (did you mean)
        ("type: multi_choice, choices: acts", "type: multichoice, choices: acts"),  # 2
        ("id: lead_3, type: likert, choices: agree5", "id: lead_3, type: likert, choices: agre5"),
        ("- {code: audit, label: Audit}", "- {code: qi, label: Audit}"),  # 4 duplicate-code
        ("id: years, type: number", "id: lead_1, type: number"),  # 5 duplicate-id
        ("min: 0, max: 20", "min: 30, max: 20"),  # 6 invalid-range
        ("items: [lead_1, lead_2, lead_3]", "items: [lead_1, lead_2, lead_3, lead_4]"),  # 7
        ("reverse: [lead_2]", "reverse: [lead_2, acts]"),  # 8 reverse-not-in-scale
        ("show_if: \"trust != 't02'\"", "show_if: \"trust != 't03'\""),  # 9 unknown code
    ]:
        broken = edit(old, new, broken)
    found = problems_of(broken)
    assert sorted(p.code for p in found) == sorted(
        [
            "unknown-field",
            "unknown-type",
            "unknown-choice-list",
            "duplicate-code",
            "duplicate-id",
            "invalid-range",
            "unknown-scale-item",
            "reverse-not-in-scale",
            "show-if-unknown-code",
        ]
    )
    lines = broken.splitlines()
    for p in found:
        assert p.file == "test.yaml"
        assert 1 <= p.line <= len(lines)
        assert p.column >= 1
        assert str(p).startswith(f"test.yaml:{p.line}:{p.column}: {p.code}: ")
    by_code = {p.code: p for p in found}
    assert "did you mean 'title'" in by_code["unknown-field"].message
    assert "did you mean 'multi_choice'" in by_code["unknown-type"].message
    assert "did you mean 'agree5'" in by_code["unknown-choice-list"].message
    # the unknown choice list is pointed at exactly: line and column of 'agre5'
    p = by_code["unknown-choice-list"]
    assert lines[p.line - 1][p.column - 1 :].startswith("agre5")
    p = by_code["show-if-unknown-code"]
    assert lines[p.line - 1][p.column - 1 :].startswith("'t03'")
    assert p.field_path.endswith("show_if")


# Each case: an edit of the valid survey (or a whole document) and the one code it must raise.
CASES: list[tuple[str, str, str]] = [
    ("unknown-field", "title: A small survey", "title: A small survey\ncolour: blue"),
    ("missing-field", "title: A small survey\n", ""),
    ("unknown-type", "type: number", "type: numbr"),
    ("invalid-choice", "disclosure: direct", "disclosure: secret"),
    ("invalid-format", "id: mini-survey", "id: Mini Survey"),
    ("wrong-type", "version: 1.0.0", "version: 1.0"),
    ("invalid-length", "options:\n      - {code: qi", "options: []\n    x:\n      - {code: qi"),
    ("invalid-value", "min_answered: 2", "min_answered: 1.5"),
    ("duplicate-id", "id: years, type", "id: trust, type"),
    ("duplicate-code", "{code: 2, label: Disagree}", "{code: 1, label: Disagree}"),
    ("duplicate-column", "id: years, type: number,", "id: years, column: trust, type: number,"),
    ("missing-choices", "type: choice, choices: trust,", "type: choice,"),
    ("unknown-choice-list", "choices: acts,", "choices: activities,"),
    (
        "unordered-likert",
        "type: likert, choices: agree5, text: Others",
        "type: likert, choices: trust, text: Others",
    ),
    ("unexpected-choices", "type: number,", "type: number, choices: agree5,"),
    ("invalid-range", "min: 0, max: 20", "min: 21, max: 20"),
    ("unexpected-range", 'type: text, text: "How did', 'type: text, max: 3, text: "How did'),
    ("show-if-syntax", "\"selected(acts, 'qi')\"", "\"selected(acts, 'qi'\""),
    ("show-if-unknown-item", "\"trust != 't02'\"", "\"trst != 't02'\""),
    ("show-if-forward-reference", "\"selected(acts, 'qi')\"", '"years > 2"'),
    ("show-if-self-reference", "\"selected(acts, 'qi')\"", '"answered(qi_how)"'),
    ("show-if-unknown-code", "\"selected(acts, 'qi')\"", "\"selected(acts, 'teaching')\""),
    ("unknown-item", "group_by: trust", "group_by: trusts"),
    ("duplicate-scale-item", "[lead_1, lead_2, lead_3]", "[lead_1, lead_2, lead_3, lead_1]"),
    ("unknown-scale-item", "[lead_1, lead_2, lead_3]", "[lead_1, lead_2, lead_4]"),
    ("unscorable-scale-item", "[lead_1, lead_2, lead_3]", "[lead_1, lead_2, lead_3, trust]"),
    ("reverse-not-in-scale", "reverse: [lead_2]", "reverse: [years]"),
    ("impossible-min-answered", "min_answered: 2", "min_answered: 4"),
    ("changelog-missing-version", "{version: 1.0.0, date", "{version: 0.9.0, date"),
    ("duplicate-key", "title: A small survey", "title: A small survey\ntitle: Again"),
    ("unknown-tag", "title: A small survey", "title: !!python/object:os.system {}"),
    ("invalid-scalar", "title: A small survey", "title: !!int abc"),
    ("merge-key", "  trust:\n    options:", "  trust:\n    <<: {ordered: false}\n    options:"),
]


@pytest.mark.parametrize(("code", "old", "new"), CASES, ids=[c[0] for c in CASES])
def test_each_survey_problem_code(code: str, old: str, new: str) -> None:
    found = problems_of(edit(old, new))
    assert code in [p.code for p in found], found
    assert all(p.line >= 1 for p in found)


GUIDE = textwrap.dedent(
    """\
    kind: interview_guide
    id: guide
    version: 1.0.0
    title: Guide
    audience: trainee
    duration_minutes: 30
    purpose: To learn.
    consent_script: You may stop at any time.
    topics:
      - id: role
        title: The role
        minutes: 20
        objectives: [O2]
        questions:
          - {id: q1, text: Tell me about your role., probes: ["What helps?"]}
      - id: access
        title: Access
        minutes: 10
        questions:
          - {id: q2, text: "How did you find opportunities?"}
    """
)


def test_guide_codes() -> None:
    guide = load(GUIDE)
    assert isinstance(guide, le.InterviewGuide)
    assert guide.all_objectives() == {"O2"}
    assert "timing-exceeds-duration" in codes_of(edit("minutes: 10", "minutes: 15", GUIDE))
    assert "out-of-range" in codes_of(edit("duration_minutes: 30", "duration_minutes: 2", GUIDE))
    assert "duplicate-id" in codes_of(edit("id: q2", "id: q1", GUIDE))
    assert "invalid-choice" in codes_of(edit("audience: trainee", "audience: trainees", GUIDE))


def test_codebook_and_evaluation_codes() -> None:
    codebook = textwrap.dedent(
        """\
        kind: codebook
        id: book
        version: 1.0.0
        title: Book
        codes:
          - id: access
            label: Access
            definition: Getting to leadership learning.
            codes:
              - {id: time, label: Time, definition: Lack of time., objectives: [O5]}
              - {id: rota, label: Rota, definition: Rota pressure.}
        """
    )
    book = load(codebook)
    assert isinstance(book, le.Codebook)
    assert [c.id for _, c in book.walk()] == ["access", "time", "rota"]
    assert book.theme_of("rota").id == "access"
    assert "duplicate-id" in codes_of(edit("id: rota", "id: time", codebook))
    evaluation = textwrap.dedent(
        """\
        kind: evaluation
        id: ev
        version: 1.0.0
        title: Ev
        scheme: A scheme.
        objectives:
          - {id: O1, text: One}
          - {id: O2, text: Two}
        instruments: [a, b]
        disclosure: {min_group: 5, min_cell: 5}
        """
    )
    ev = load(evaluation)
    assert isinstance(ev, le.Evaluation)
    assert ev.objective_ids == ["O1", "O2"]
    assert "duplicate-id" in codes_of(edit("id: O2", "id: O1", evaluation))
    assert "duplicate-id" in codes_of(edit("[a, b]", "[a, a]", evaluation))
    assert "invalid-value" in codes_of(edit("min_group: 5", "min_group: 2", evaluation))


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty-document"),
        ("kind: survey\n  id: [\n", "yaml-syntax"),
        ("- a\n- b\n", "not-a-mapping"),
        ("kind: surveys\n", "unknown-kind"),
        ("id: x\n", "missing-field"),
        ("kind: survey\n---\nkind: survey\n", "multiple-documents"),
        (
            "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\n"
            + "".join(
                f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
                for p, c in zip("abcdefgh", "bcdefghi", strict=True)
            ),
            "document-too-large",
        ),
        ("a: " + "[" * 120 + "]" * 120 + "\n", "document-too-large"),
    ],
)
def test_reading_problems(text: str, code: str) -> None:
    assert code in codes_of(text)


def test_not_utf8_and_too_large(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("kind: survey\ntitle: Caf\xe9\n".encode("latin-1"))
    with pytest.raises(InstrumentError) as info:
        le.load_instrument(bad)
    (p,) = info.value.problems
    assert (p.code, p.line, p.column) == ("not-utf8", 2, 11)
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# x\n" * (MAX_FILE_BYTES // 4 + 10))
    with pytest.raises(InstrumentError) as info:
        le.load_instrument(big)
    assert info.value.codes == ["file-too-large"]


def test_load_by_path_and_unknown_id(tmp_path: Path) -> None:
    f = tmp_path / "mini.yaml"
    f.write_text(SURVEY, encoding="utf-8")
    assert le.load_instrument(f).id == "mini-survey"
    assert le.load_instrument(str(f)).id == "mini-survey"
    with pytest.raises(InstrumentError) as info:
        le.load_instrument("trainee-survy")
    assert info.value.codes == ["unknown-instrument"]
    assert "did you mean 'trainee-survey'" in str(info.value)
    with pytest.raises(InstrumentError) as info:
        le.load_instrument(tmp_path / "absent.yaml")
    assert info.value.codes == ["file-not-found"]


def test_errors_subclass_builtins_and_carry_data() -> None:
    with pytest.raises(ValueError) as info:
        load("kind: survey\n")
    err = info.value
    assert isinstance(err, le.LeadershipEvalError)
    frame = err.to_frame()  # type: ignore[attr-defined]
    assert list(frame.columns) == ["file", "line", "column", "code", "message", "path"]
    assert len(frame) == len(err.problems)  # type: ignore[attr-defined]


def _dump(model: object) -> str:
    data = model.model_dump(mode="json", by_alias=True, exclude_defaults=True)  # type: ignore[attr-defined]
    data = {"kind": model.kind, **data}  # type: ignore[attr-defined]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def test_every_bundled_model_round_trips_through_yaml() -> None:
    for ident, inst in le.load_catalogue().items():
        again = loads_instrument(_dump(inst), f"{ident}.yaml")
        assert again == inst, ident


def test_fixture_models_round_trip() -> None:
    for text in (SURVEY, GUIDE):
        model = load(text)
        assert loads_instrument(_dump(model)) == model


# ----------------------------------------------------------------------------- fuzzing

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 50),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(
        ["survey", "likert", "choice", "agree5", "lead_1", "O1", "1.0.0", "x y", "", "t01"]
    ),
    st.text(max_size=8),
)
_keys = st.sampled_from(
    [
        "kind",
        "id",
        "version",
        "title",
        "sections",
        "items",
        "type",
        "choices",
        "text",
        "choice_lists",
        "options",
        "code",
        "label",
        "scales",
        "reverse",
        "min_answered",
        "show_if",
        "missing",
        "ordered",
        "topics",
        "questions",
        "codes",
        "objectives",
        "x",
    ]
)
_docs = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(_keys, children, max_size=6)
    ),
    max_leaves=30,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    doc=_docs,
    kind=st.sampled_from(["survey", "interview_guide", "codebook", "evaluation", "guidance", None]),
)
def test_fuzz_generated_documents(doc: object, kind: str | None) -> None:
    if isinstance(doc, dict) and kind is not None:
        doc = {"kind": kind, **doc}
    text = yaml.safe_dump(doc, allow_unicode=True)
    try:
        result = loads_instrument(text)
    except InstrumentError as exc:
        assert exc.problems
        assert all(p.line >= 1 and p.code for p in exc.problems)
    else:
        assert result.kind in ("survey", "interview_guide", "codebook", "evaluation", "guidance")


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_fuzz_mutated_survey(data: st.DataObject) -> None:
    lines = SURVEY.splitlines()
    n = data.draw(st.integers(1, 4))
    for _ in range(n):
        i = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["drop", "dup", "chop", "swap"]))
        if action == "drop":
            del lines[i]
        elif action == "dup":
            lines.insert(i, lines[i])
        elif action == "chop":
            lines[i] = lines[i][: data.draw(st.integers(0, len(lines[i])))]
        else:
            j = data.draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        if not lines:
            lines = [""]
    try:
        loads_instrument("\n".join(lines))
    except InstrumentError as exc:
        assert exc.problems


def test_section_id_may_not_equal_an_item_id() -> None:
    found = problems_of(edit("  - id: about\n", "  - id: trust\n"))
    assert [p.code for p in found] == ["duplicate-id"]
    assert "one namespace" in found[0].message


def test_exclusive_options() -> None:
    survey = load(
        edit(
            "- {code: audit, label: Audit}", "- {code: none, label: None of these, exclusive: true}"
        )
    )
    cl = survey.choices_for("acts")  # type: ignore[attr-defined]
    assert cl.exclusive_codes == ["none"]


def test_complex_mapping_key_is_reported() -> None:
    assert "invalid-key" in codes_of("kind: survey\n? [a, b]\n: 1\n")


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "locked.yaml"
    f.write_text(SURVEY, encoding="utf-8")

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(InstrumentError) as info:
        le.load_instrument(f)
    assert info.value.codes == ["unreadable-file"]
    assert "Permission denied" in str(info.value)


def test_as_survey_rejects_other_kinds() -> None:
    with pytest.raises(le.DataError) as info:
        le.as_survey("interview-trainee")
    assert info.value.code == "not-a-survey"
    survey = le.load_instrument("trainee-survey")
    assert le.as_survey(survey) is survey


EVALUATION = textwrap.dedent(
    """\
    kind: evaluation
    id: ev-{n}
    version: 1.0.0
    title: Evaluation {n}
    scheme: A scheme.
    objectives:
      - {{id: O1, text: One}}
    instruments: [mini-survey, missing-guide]
    """
)


def test_catalogue_cross_checks(tmp_path: Path) -> None:
    with pytest.raises(InstrumentError) as info:
        le.load_catalogue(tmp_path / "absent")
    assert info.value.codes == ["not-a-folder"]
    (tmp_path / "survey.yaml").write_text(SURVEY, encoding="utf-8")
    (tmp_path / "ev1.yaml").write_text(EVALUATION.format(n=1), encoding="utf-8")
    (tmp_path / "ev2.yaml").write_text(EVALUATION.format(n=2), encoding="utf-8")
    with pytest.raises(InstrumentError) as info:
        le.load_catalogue(tmp_path)
    codes = info.value.codes
    assert "multiple-evaluations" in codes
    assert "unknown-instrument" in codes  # the evaluation lists a guide the folder lacks
    assert "unknown-objective" in codes  # the survey names O2, which the evaluation lacks
    missing = next(p for p in info.value.problems if p.code == "unknown-instrument")
    assert missing.file.endswith("ev1.yaml") and missing.line == 8


# ---------------------------------------------------- choice filters, count(), derived, notes

FILTERED = edit(
    "      - {id: years, type: number,",
    "      - {id: best, type: choice, choices: acts, text: Which helped most?,\n"
    '         choice_filter: "selected(acts, choice)", show_if: "count(acts) >= 2"}\n'
    "      - {id: years, type: number,",
)

NEW_CASES = [
    ("choice-filter-syntax", '"selected(acts, choice)"', '"selected(acts, choice"'),
    ("choice-filter-syntax", '"selected(acts, choice)"', "\"selected(acts, 'qi')\""),
    ("choice-filter-unknown-item", '"selected(acts, choice)"', '"selected(act, choice)"'),
    ("choice-filter-self-reference", '"selected(acts, choice)"', '"selected(best, choice)"'),
    (
        "choice-filter-forward-reference",
        '"selected(acts, choice)"',
        '"selected(acts, choice) and years > 1"',
    ),
    ("choice-filter-unknown-code", '"selected(acts, choice)"', "\"choice != 'teaching'\""),
    ("choice-filter-not-a-choice", '"selected(acts, choice)"', '"selected(qi_how, choice)"'),
    (
        "choice-filter-count-not-multi",
        '"selected(acts, choice)"',
        "\"count(trust) > 1 and choice == 'qi'\"",
    ),
    ("show-if-count-not-multi", '"count(acts) >= 2"', '"count(trust) >= 2"'),
    ("show-if-syntax", '"count(acts) >= 2"', '"count(acts)"'),
    ("show-if-syntax", '"count(acts) >= 2"', "\"count(acts) >= 'two'\""),
    (
        "unexpected-choice-filter",
        "type: number, text: Years",
        'type: number, choice_filter: "choice == 1", text: Years',
    ),
    (
        "unexpected-max-choices",
        "type: number, text: Years",
        "type: number, max_choices: 2, text: Years",
    ),
]


@pytest.mark.parametrize(("code", "old", "new"), NEW_CASES, ids=[c[0] for c in NEW_CASES])
def test_choice_filter_and_count_problem_codes(code: str, old: str, new: str) -> None:
    found = problems_of(edit(old, new, FILTERED))
    assert code in [p.code for p in found], found
    assert len(found) == 1, found


def test_choice_filter_problems_point_at_the_character() -> None:
    (problem,) = problems_of(edit('"selected(acts, choice)"', '"selected(act, choice)"', FILTERED))
    line = edit('"selected(acts, choice)"', '"selected(act, choice)"', FILTERED).splitlines()[
        problem.line - 1
    ]
    assert line[problem.column - 1 :].startswith("act, choice)")
    assert problem.path[-1] == "choice_filter"


def test_choice_filter_and_count_load() -> None:
    survey = load(FILTERED)
    assert isinstance(survey, le.Survey)
    item = survey.item("best")
    assert item.choice_filter == "selected(acts, choice)"
    assert item.show_if == "count(acts) >= 2"


def test_respondent_id_may_be_platform_metadata() -> None:
    # the column of the platform's record id: not an item, not an error
    text = edit("      - {id: rid, type: text, text: Respondent id, disclosure: direct}\n", "")
    survey = load(text)
    assert isinstance(survey, le.Survey)
    assert survey.respondent_id == "rid" and "rid" not in {i.id for i in survey.items}
    # group_by must still be an item
    assert "unknown-item" in codes_of(edit("group_by: trust", "group_by: trusts", text))


DERIVED = edit(
    "      - {code: t01, label: Trust 01}\n      - {code: t02, label: Trust 02}\n",
    "      - {code: t01, label: Trust 01, attributes: {kind: acute}}\n"
    "      - {code: t02, label: Trust 02, attributes: {kind: mental}}\n",
    edit(
        "      - {code: qi, label: Quality improvement}\n      - {code: audit, label: Audit}\n",
        "      - {code: qi, label: Quality improvement, attributes: {work: true}}\n"
        "      - {code: audit, label: Audit, attributes: {work: true}}\n",
    ),
) + textwrap.dedent(
    """\
    derived:
      - {id: trust_kind, title: Trust kind, from: trust, attribute: kind}
      - {id: any_work, title: Any work-based, from: acts, attribute: work}
    """
)


def test_derived_variables_load_and_compute() -> None:
    import pandas as pd

    survey = load(DERIVED)
    assert isinstance(survey, le.Survey)
    assert [d.source for d in survey.derived] == ["trust", "acts"]
    data = pd.DataFrame(
        {"trust": ["t01", "t02", None, "t01"], "acts": ["qi", "audit qi", None, ""]}
    )
    out = le.derive(survey, data)
    assert out["trust_kind"].tolist()[:2] == ["acute", "mental"]
    assert pd.isna(out["trust_kind"].iloc[2])
    assert out["any_work"].tolist()[:2] == [True, True]
    assert out["any_work"].isna().tolist() == [False, False, True, True]
    # indicator columns give the same answer
    wide = pd.DataFrame({"trust": ["t01"], "acts__qi": [0], "acts__audit": [1]})
    assert le.derive(survey, wide)["any_work"].tolist() == [True]
    with pytest.raises(le.DataError, match="not in choice list"):
        le.derive(survey, pd.DataFrame({"trust": ["t09"], "acts": ["qi"]}))
    with pytest.raises(le.DataError, match="no column"):
        le.derive(survey, pd.DataFrame({"acts": ["qi"]}))


@pytest.mark.parametrize(
    ("code", "old", "new"),
    [
        ("derived-missing-attribute", "attributes: {kind: mental}", "attributes: {other: 1}"),
        (
            "derived-not-boolean",
            "attributes: {work: true}}\n      - {code: audit",
            "attributes: {work: 'yes'}}\n      - {code: audit",
        ),
        ("derived-not-a-choice", "from: trust, attribute: kind", "from: years, attribute: kind"),
        ("unknown-item", "from: trust, attribute: kind", "from: trusts, attribute: kind"),
        ("duplicate-id", "id: trust_kind", "id: trust"),
    ],
)
def test_derived_problem_codes(code: str, old: str, new: str) -> None:
    assert code in codes_of(edit(old, new, DERIVED))


def test_derived_values_must_be_codes_of_their_list() -> None:
    text = edit("attribute: kind}", "attribute: kind, choices: trust}", DERIVED)
    assert codes_of(text).count("derived-unknown-code") == 2


PLACEHOLDERS = edit("title: A small survey\n", "title: A small survey for {{evaluation_team}}\n")


def test_placeholders_are_checked_and_located() -> None:
    assert load(PLACEHOLDERS).title == "A small survey for {{evaluation_team}}"  # type: ignore[attr-defined]
    text = edit("{{evaluation_team}}", "{{evaluation_teem}}", PLACEHOLDERS)
    (problem,) = problems_of(text)
    assert problem.code == "unknown-placeholder"
    assert "did you mean 'evaluation_team'?" in problem.message
    assert (problem.line, problem.column) == (4, 27)  # at the brace, in a one-line scalar
    assert codes_of(edit("{{evaluation_team}}", "{{Evaluation Team}}", PLACEHOLDERS)) == [
        "invalid-placeholder"
    ]
    assert codes_of(edit("{{evaluation_team}}", "{{evaluation_team}", PLACEHOLDERS)) == [
        "invalid-placeholder"
    ]
    # a placeholder of the document's own, declared with what to put in it
    own = edit("{{evaluation_team}}", "{{wave}}", PLACEHOLDERS) + "placeholders: {wave: The wave}\n"
    assert load(own).placeholders == {"wave": "The wave"}  # type: ignore[attr-defined]


def test_fill_and_check_placeholders(tmp_path: Path) -> None:
    from leadership_eval.instruments.placeholders import load_placeholder_values

    survey = load(PLACEHOLDERS)
    assert le.unfilled_placeholders(survey) == [(("title",), "evaluation_team")]  # type: ignore[arg-type]
    path = tmp_path / "s.yaml"
    path.write_text(PLACEHOLDERS, encoding="utf-8")
    with pytest.raises(InstrumentError) as info:
        le.check_filled(survey, path)  # type: ignore[arg-type]
    (problem,) = info.value.problems
    assert (problem.code, problem.line, problem.column) == ("unfilled-placeholder", 4, 8)
    assert "Who runs the evaluation" in problem.message
    filled = le.fill_placeholders(survey, {"evaluation_team": "the North West team"})  # type: ignore[type-var]
    assert filled.title == "A small survey for the North West team"
    le.check_filled(filled)
    assert le.fill_placeholders(survey, {"evaluation_team": ""}) == survey  # type: ignore[type-var]
    with pytest.raises(le.ConfigurationError, match="did you mean 'funder'"):
        le.fill_placeholders(survey, {"funderr": "x"})  # type: ignore[type-var]
    values = tmp_path / "values.yaml"
    values.write_text("evaluation_team: Team\nfunder:\n", encoding="utf-8")
    assert load_placeholder_values(values) == {"evaluation_team": "Team", "funder": ""}
    values.write_text("- a\n", encoding="utf-8")
    with pytest.raises(le.ConfigurationError, match="mapping"):
        load_placeholder_values(values)


def test_adopter_notes_and_analyst_fields_load() -> None:
    text = edit("sections:\n", "adopter_notes: For adopters.\nsections:\n")
    text = edit("  - id: about\n", "  - id: about\n    adopter_notes: Why this section.\n", text)
    text = edit(
        "{id: trust, type: choice, choices: trust, text: Your trust, disclosure: quasi}",
        "{id: trust, type: choice, choices: trust, text: Your trust, disclosure: quasi,\n"
        "         adopter_notes: Keep the codes.}",
        text,
    )
    survey = load(text)
    assert isinstance(survey, le.Survey)
    assert survey.adopter_notes == "For adopters."
    assert survey.sections[0].adopter_notes == "Why this section."
    assert survey.item("trust").adopter_notes == "Keep the codes."
    # a typo is still an unknown field, with a hint
    assert "did you mean 'adopter_notes'?" in str(
        problems_of(edit("adopter_notes: For", "adopter_note: For", text))[0]
    )
