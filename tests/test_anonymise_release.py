"""``anonymise`` produces data for release: what it keeps, drops, refuses and explains.

Each test of a finding of issue 12 (point 6) failed on the code before the fix: the export's
record id was kept beside the new pseudonym, e-mail, IP-address and timestamp columns were kept,
duplicate and blank rows passed through, and a quasi-identifier generalised to ``*`` for
everyone was not explained. The export below is what a survey platform gives: the answers
simulated by :func:`leadership_eval.demo.simulate_evaluation`, plus the identifier columns a
Qualtrics-style export carries, a double submission and records started but never answered.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from leadership_eval.cli import app
from leadership_eval.demo import simulate_evaluation
from leadership_eval.errors import DataError, DisclosureError
from leadership_eval.instruments.loader import as_survey
from leadership_eval.instruments.models import Survey
from leadership_eval.policy import DisclosurePolicy
from leadership_eval.privacy.anonymity import check_anonymity
from leadership_eval.privacy.generalise import generalise
from leadership_eval.privacy.hierarchy import Hierarchy
from leadership_eval.privacy.identifiers import KEY_ENV, find_identifier_columns, pseudonymise
from leadership_eval.privacy.pipeline import anonymise
from leadership_eval.responses import validate_responses

KEY = "a test key for the release tests, 32+"

# the identifier columns of the export, and the kind each must be recognised as
IDENTIFIERS = {
    "ResponseId": "record-id",
    "StartDate": "timestamp",
    "EndDate": "timestamp",
    "RecordedDate": "timestamp",
    "IPAddress": "ip-address",
    "Duration (in seconds)": "timestamp",
    "RecipientLastName": "name",
    "RecipientFirstName": "name",
    "RecipientEmail": "email",
    "LocationLatitude": "location",
    "LocationLongitude": "location",
    "meta/deviceid": "device",
    "Phone (optional)": "contact",
}
# platform bookkeeping that identifies no one: dropped as "not an item", not as an identifier
BOOKKEEPING = ["Finished", "DistributionChannel", "UserLanguage"]

DUPLICATED = [3, 10, 11]  # positions submitted twice
N_BLANK = 2  # records started and never answered

GRADE = Hierarchy.from_rows(
    [
        ["fy1", "foundation", "*"],
        ["fy2", "foundation", "*"],
        ["core", "specialty", "*"],
        ["registrar", "specialty", "*"],
        ["led", "other", "*"],
        ["other", "other", "*"],
        ["pnts", "other", "*"],  # "prefer not to say" (trainee survey 2.0.0)
    ],
    name="grade",
)
TRUST = Hierarchy.from_rows(
    [[f"t{i:02d}", ["north", "south", "east", "west"][i % 4], "*"] for i in range(1, 20)],
    name="trust",
)
HIER = {"grade": GRADE, "trust": TRUST}


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)


@pytest.fixture(scope="module")
def survey() -> Survey:
    return as_survey("trainee-survey")


def _export(seed: int = 7) -> pd.DataFrame:
    """A messy export of the trainee survey (index 0..n-1, as read_responses gives)."""
    answers = simulate_evaluation(seed=seed).trainees
    answers = answers.drop(columns=["respondent_id"], errors="ignore")
    n = len(answers)
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2025-03-01 08:00:00") + pd.to_timedelta(
        rng.integers(0, 30 * 24 * 3600, n), unit="s"
    )
    took = rng.integers(200, 1500, n)
    meta = pd.DataFrame(
        {
            "respondent_id": [f"{1000 + i}" for i in range(n)],
            "ResponseId": [f"R_{i:04d}{rng.integers(10**6, 10**7)}" for i in range(n)],
            "StartDate": start.strftime("%Y-%m-%d %H:%M:%S"),
            "EndDate": (start + pd.to_timedelta(took, unit="s")).strftime("%Y-%m-%d %H:%M:%S"),
            "RecordedDate": (start + pd.to_timedelta(took + 1, unit="s")).strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
            "IPAddress": [f"10.{i % 7}.{(i * 37) % 251}.{(i * 11) % 253}" for i in range(n)],
            "Duration (in seconds)": took.astype(str),
            "Finished": "True",
            "RecipientLastName": [f"Surname{i}" for i in range(n)],
            "RecipientFirstName": [f"Given{i}" for i in range(n)],
            "RecipientEmail": [f"trainee{i}@nhs.net" for i in range(n)],
            "LocationLatitude": [f"{53 + rng.random():.4f}" for _ in range(n)],
            "LocationLongitude": [f"{-1.5 - rng.random():.4f}" for _ in range(n)],
            "meta/deviceid": [f"enketo.org:{rng.integers(10**8)}" for _ in range(n)],
            "Phone (optional)": [f"07700 9{i:05d}" if i % 4 == 0 else None for i in range(n)],
            "DistributionChannel": "email",
            "UserLanguage": "EN-GB",
        }
    )
    export = pd.concat([meta, answers.reset_index(drop=True)], axis=1)
    twice = export.iloc[DUPLICATED].copy()
    twice["StartDate"] = "2025-03-31 23:00:00"
    blank = meta.iloc[:N_BLANK].copy()
    blank["respondent_id"] = [f"{9000 + i}" for i in range(N_BLANK)]
    blank["Finished"] = "False"
    export = pd.concat([export, twice, blank], ignore_index=True)
    return export


@pytest.fixture(scope="module")
def export() -> pd.DataFrame:
    return _export()


def _item_columns(survey: Survey, data: pd.DataFrame) -> list[str]:
    """The columns of the survey's questions (not direct identifiers) that the data has."""
    return [
        i.id
        for i in survey.questions
        if i.id in data.columns and i.disclosure != "direct" and i.id != survey.respondent_id
    ]


# ------------------------------------------------------------------ finding 6, one by one


def test_record_id_never_sits_beside_the_pseudonym(survey, export) -> None:
    res = anonymise(export, survey, key=KEY, hierarchies=HIER)
    out = res.data
    assert "ResponseId" not in out
    # the pseudonym replaces the record id in its own column; no other column carries an id
    assert out["respondent_id"].str.fullmatch(r"P[A-Z2-7]{12}").all()
    raw_ids = set(export["respondent_id"]) | set(export["ResponseId"])
    for col in out.columns:
        assert not out[col].astype(str).isin(raw_ids).any(), col
    kept = export.drop(index=res.excluded.index)
    assert out["respondent_id"].tolist() == pseudonymise(kept["respondent_id"], KEY).tolist()
    assert res.log["respondent_id"]["action"] == "pseudonymised"


def test_only_declared_items_and_the_pseudonym_are_kept(survey, export) -> None:
    res = anonymise(export, survey, key=KEY, hierarchies=HIER)
    assert list(res.data.columns) == ["respondent_id", *_item_columns(survey, export)]
    for col in [*IDENTIFIERS, *BOOKKEEPING]:
        assert col not in res.data
    # every dropped column is in the log with its reason
    dropped = {d["column"]: d for d in res.log["columns"] if d["action"] == "dropped"}
    assert set(dropped) == {*IDENTIFIERS, *BOOKKEEPING}
    assert res.log["dropped"] == [c for c in export.columns if c in dropped]
    for col, kind in IDENTIFIERS.items():
        assert dropped[col]["kind"] == kind, col
        assert dropped[col]["reason"].startswith("looks like"), col
    for col in BOOKKEEPING:
        assert dropped[col]["kind"] is None
        assert "not an item of survey 'trainee-survey'" in dropped[col]["reason"]
    # the log holds no value of a dropped column
    text = res.log_json()
    for value in ("trainee0@nhs.net", "Surname1", "10.1.37.11", "07700 900000", "2025-03-0"):
        assert value not in text


def test_duplicates_and_blank_rows_are_excluded_with_their_reasons(survey, export) -> None:
    res = anonymise(export, survey, key=KEY, hierarchies=HIER)
    n = len(export)
    n_answers = n - len(DUPLICATED) - N_BLANK
    # rows in = rows out + rows excluded
    assert len(res.data) == n_answers
    assert len(res.excluded) == len(DUPLICATED) + N_BLANK
    assert res.log["n_records"] == n == res.log["n_records_out"] + res.log["excluded"]["n"]
    assert res.log["excluded"]["reasons"] == {"duplicate-id": 3, "empty-row": 2}
    rows = res.log["excluded"]["rows"]
    assert [r["position"] for r in rows] == list(range(n_answers, n))
    assert [r["reason"] for r in rows] == ["duplicate-id"] * 3 + ["empty-row"] * 2
    # the same rule as validate_responses, row for row
    checked = validate_responses(survey, export)
    assert res.excluded.index.equals(checked.excluded.index)
    assert (res.excluded["excluded_reason"] == checked.excluded["excluded_reason"]).all()
    assert res.data.index.equals(checked.data.index)
    # the log names rows by position and reason only, never by their values or index labels
    assert set(rows[0]) == {"position", "reason"}
    assert (
        "excluded as duplicate-id, the respondent id is on an earlier row (a second "
        f"submission): rows {n_answers}, {n_answers + 1}, {n_answers + 2}" in res.log["messages"][1]
    )


def test_each_generalisation_is_explained(survey, export) -> None:
    res = anonymise(export, survey, key=KEY, hierarchies=HIER)
    messages = "\n".join(res.log["messages"])
    assert "specialty: removed" in messages
    gen = res.log["generalisation"]
    cols = gen["columns"]
    qis = ["trust", "specialty", "grade", "ltft", "months_in_trust"]
    assert list(cols) == qis
    levels = gen["levels"]
    released = ~res.generalisation.suppressed
    for q in qis:
        c = cols[q]
        assert c["level"] == levels[q]
        values = res.data.loc[released, q]
        if c["action"] == "kept":
            assert c["level"] == 0
            assert f"{q}: kept as it is" in messages
        elif c["action"] == "removed":
            # everyone shows the same value: called out as removed, with the reason
            assert values.nunique(dropna=False) == 1
            assert f"{q}: removed (" in messages and "became '*' for everyone)" in c["reason"]
            assert "smaller combinations" in c["reason"]
            assert "at least 5 people" in c["reason"]
        else:
            assert c["action"] == "generalised" and c["level"] > 0
            # "prefer not to say" (a declared missing code) is missing: NA, not a value
            assert sorted(values.dropna().unique()) == c["values"]
            assert f"{q}: generalised to level {c['level']}" in messages
    # what this export needs (seeded): each of the three outcomes
    assert [cols[q]["action"] for q in qis] == [
        "generalised",
        "removed",
        "generalised",
        "kept",
        "removed",
    ]
    assert cols["trust"]["values"] == ["east", "north", "south", "west"]
    assert (
        "trust: generalised to level 1 of 2, from 19 values to 4 (east / north / south / west), "
        "so that every combination of trust, specialty, grade, ltft and months_in_trust has at "
        "least 5 people" in messages
    )
    # a column without a hierarchy can only be kept or removed, and the message says so
    assert "no hierarchy" in cols["specialty"]["reason"]
    assert "--hierarchy specialty=FILE" in cols["specialty"]["reason"]
    assert "no hierarchy" not in cols["grade"]["reason"]
    assert "from 7 values to 3 (foundation / other / specialty)" in cols["grade"]["reason"]
    # the reason's numbers are true: trust one level lower, the others as chosen
    kept = export.loc[res.data.index]
    grade = GRADE.apply(kept["grade"].dropna(), cols["grade"]["level"]).reindex(kept.index)
    lower = pd.DataFrame(
        {
            "trust": kept["trust"],
            "specialty": "*",
            "grade": grade,
            "ltft": kept["ltft"],
            "months_in_trust": "*",
        },
        index=kept.index,
    )
    small = check_anonymity(lower, qis, k=5).n_offending_records
    assert f"it would leave {small} people in smaller combinations" in cols["trust"]["reason"]
    assert small > res.log["suppressed"]
    assert res.log["suppressed"] <= int(0.05 * len(res.data))
    assert f"{res.log['suppressed']} record(s) suppressed" in messages
    assert check_anonymity(res.data, qis, k=5).passes


# ------------------------------------------------------------------ keep=, with warnings


def test_identifiers_are_kept_only_when_named_and_with_a_warning(survey, export) -> None:
    res = anonymise(export, survey, key=KEY, hierarchies=HIER, keep=["IPAddress", "Finished"])
    assert "IPAddress" in res.data and "Finished" in res.data
    assert "RecipientEmail" not in res.data
    warnings = res.log["warnings"]
    assert len(warnings) == 1 and "IPAddress" in warnings[0] and "IP address" in warnings[0]
    assert any(m.startswith("warning: ") and "IPAddress" in m for m in res.log["messages"])
    by_col = {d["column"]: d for d in res.log["columns"]}
    assert by_col["IPAddress"]["action"] == "kept-on-request"
    assert by_col["Finished"]["action"] == "kept-on-request"
    with pytest.raises(DataError, match=r"'IPadress'.*did you mean 'IPAddress'"):
        anonymise(export, survey, key=KEY, keep=["IPadress"])


def test_a_record_id_is_refused_beside_the_pseudonym(survey, export) -> None:
    for col in ("ResponseId", "respondent_id"):
        with pytest.raises(DisclosureError, match="record id") as info:
            anonymise(export, survey, key=KEY, keep=[col])
        assert info.value.code == "record-id-beside-pseudonym"
    # without a key there is no pseudonym: the record id is dropped, or kept with a warning
    res = anonymise(export, survey, hierarchies=HIER)
    assert "respondent_id" not in res.data and res.log["respondent_id"]["action"] == "dropped"
    kept = anonymise(export, survey, hierarchies=HIER, keep=["ResponseId"])
    assert "ResponseId" in kept.data and "respondent_id" not in kept.data
    assert any("ResponseId" in w for w in kept.log["warnings"])


def test_the_surveys_record_id_is_refused_beside_another_pseudonym() -> None:
    df = pd.DataFrame(
        {"rid": [f"r{i}" for i in range(6)], "token": [f"x{i}" for i in range(6)], "q": [1] * 6}
    )
    spec = {"none": ["q"], "respondent_id": "rid"}
    res = anonymise(df, spec, key=KEY, id_column="token")
    assert list(res.data.columns) == ["token", "q"]
    assert res.columns.set_index("column").loc["rid", "kind"] == "record-id"
    with pytest.raises(DisclosureError) as info:
        anonymise(df, spec, key=KEY, id_column="token", keep=["rid"])
    assert info.value.code == "record-id-beside-pseudonym"
    # without a key there is no pseudonym: kept on request, with a warning
    kept = anonymise(df, spec, id_column="token", keep=["rid"])
    assert list(kept.data.columns) == ["rid", "q"] and len(kept.log["warnings"]) == 1


def test_a_declared_item_holding_identifiers_is_dropped() -> None:
    from leadership_eval.instruments.loader import loads_instrument

    mini = loads_instrument(
        """
kind: survey
id: mini
version: 1.0.0
title: Mini
respondent_id: rid
sections:
  - id: s
    title: S
    items:
      - {id: rid, type: text, text: Respondent id, disclosure: direct}
      - {id: q1, type: number, text: Q1}
      - {id: follow_up, type: text, text: May we contact you?}
      - {id: fav, type: text, text: Favourite teaching session}
"""
    )
    df = pd.DataFrame(
        {
            "rid": [f"r{i}" for i in range(12)],
            "q1": range(12),
            "follow_up": [f"person{i}@nhs.net" for i in range(12)],
            "fav": ["Simulation"] * 11 + ["Ask me on 07700 900123"],
        }
    )
    res = anonymise(df, mini, key=KEY)
    assert list(res.data.columns) == ["rid", "q1", "fav"]
    by_col = {d["column"]: d for d in res.log["columns"]}
    assert by_col["follow_up"]["kind"] == "email"
    assert "label it" in by_col["follow_up"]["reason"]
    # one answer in twelve with a phone number: kept, with a warning to label it free text
    assert any("fav" in w and "free_text" in w for w in res.log["warnings"])
    assert "follow_up" in anonymise(df, mini, key=KEY, keep=["follow_up"]).data


# ------------------------------------------------------------------ respondent_id not an item


def test_the_record_id_column_need_not_be_an_item(survey, export) -> None:
    # the survey-level respondent_id names the column of the platform's record id, whether or
    # not an item of that id exists (issue 14 removes the item from the bundled surveys)
    raw = survey.model_dump(mode="python", by_alias=True, exclude_none=True)
    for section in raw["sections"]:
        section["items"] = [i for i in section["items"] if i["id"] != "respondent_id"]
    no_item = Survey.model_validate(raw)
    assert no_item.respondent_id == "respondent_id"
    assert "respondent_id" not in [i.id for i in no_item.items]
    res = anonymise(export, no_item, key=KEY, hierarchies=HIER)
    assert res.data.columns[0] == "respondent_id"
    assert res.data["respondent_id"].str.startswith("P").all()
    assert res.log["excluded"]["reasons"] == {"duplicate-id": 3, "empty-row": 2}
    with_item = anonymise(export, survey, key=KEY, hierarchies=HIER)
    assert res.data.equals(with_item.data)


# ------------------------------------------------------------------ validation results


def test_a_validation_result_can_be_passed_in(survey, export) -> None:
    checked = validate_responses(survey, export)
    direct = anonymise(export, survey, key=KEY, hierarchies=HIER)
    given = anonymise(export, survey, key=KEY, hierarchies=HIER, validation=checked)
    assert given.data.equals(direct.data)
    assert given.log["excluded"] == direct.log["excluded"]
    # the clean data with its report: the excluded rows come from the report
    clean = anonymise(checked.data, survey, key=KEY, hierarchies=HIER, validation=checked)
    assert len(clean.data) == len(checked.data)
    assert clean.log["excluded"]["reasons"] == {"duplicate-id": 3, "empty-row": 2}
    assert clean.log["n_records"] == len(export)
    with pytest.raises(DataError, match="validation") as info:
        anonymise(export.iloc[:50], survey, key=KEY, validation=checked)
    assert info.value.code == "validation-mismatch"


def test_a_column_mapping_gets_the_same_row_rules() -> None:
    df = pd.DataFrame(
        {
            "id": ["a", "b", "c", "c", "d", "e"],
            "band": ["x", "x", "x", "x", None, "x"],
            "c": ["fine", "ok", "good", "good", None, None],
            "ip": ["10.0.0.1"] * 6,
        }
    )
    res = anonymise(
        df,
        {"quasi": ["band"], "free_text": ["c"], "respondent_id": "id"},
        key=KEY,
        policy="gmc-nts",
    )
    assert res.log["excluded"]["reasons"] == {"duplicate-id": 1, "empty-row": 1}
    assert [r["position"] for r in res.log["excluded"]["rows"]] == [3, 4]
    assert list(res.data.columns) == ["id", "band", "c"]
    assert len(res.data) == 4


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c", None]),  # ids: repeats and blanks
            st.sampled_from(["x", "y", None]),
            st.sampled_from(["fine", "", None]),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_rows_in_equal_rows_out_plus_rows_excluded(rows: list) -> None:
    df = pd.DataFrame(rows, columns=["id", "band", "c"])
    df.index = df.index * 2 + 5  # not the default index
    spec = {"none": ["band", "c"], "respondent_id": "id"}
    try:
        res = anonymise(df, spec, key=KEY)
    except DataError as exc:  # every row excluded
        assert exc.code == "no-rows"
        return
    assert len(res.data) + len(res.excluded) == len(df) == res.log["n_records"]
    assert res.data.index.union(res.excluded.index).sort_values().equals(df.index)
    # no blank row and no repeated id is left; every excluded row is one of them
    answered = df[["band", "c"]].replace("", None).notna().any(axis=1)
    assert answered.loc[res.data.index].all()
    ids = df.loc[res.data.index, "id"].dropna()
    assert not ids.duplicated().any()
    for pos, reason in zip(
        [r["position"] for r in res.log["excluded"]["rows"]],
        res.excluded["excluded_reason"],
        strict=True,
    ):
        earlier = df["id"].iloc[:pos][answered.iloc[:pos].to_numpy()]
        if reason == "empty-row":
            assert not answered.iloc[pos]
        else:
            assert answered.iloc[pos] and df["id"].iloc[pos] in set(earlier.dropna())


# ------------------------------------------------------------------ policy and k


def test_k_comes_from_the_policy_and_may_only_tighten_it(survey, export) -> None:
    res = anonymise(export, survey, key=KEY, hierarchies=HIER)
    assert res.log["k_target"] == 5
    assert res.log["policy"] == DisclosurePolicy.resolve(None).settings()
    hes = anonymise(export, survey, key=KEY, hierarchies=HIER, policy="nhs-hes")
    assert hes.log["k_target"] == 8 and hes.log["policy"]["name"] == "nhs-hes"
    assert check_anonymity(hes.data, hes.log["quasi_identifiers"], k=8).passes
    with pytest.raises(DisclosureError, match="min_group=3") as info:
        anonymise(export, survey, key=KEY, k=3)
    assert info.value.code == "loosens-policy"
    gmc = anonymise(export, survey, key=KEY, hierarchies=HIER, policy="gmc-nts", k=3)
    assert gmc.log["k_target"] == 3
    tight = anonymise(export, survey, key=KEY, hierarchies=HIER, k=10)
    assert tight.log["k_target"] == 10
    assert tight.log["policy"]["name"] == "default+min_group=10"


def test_measurements_take_any_k_and_default_to_the_policy() -> None:
    df = pd.DataFrame({"g": ["a"] * 4 + ["b"] * 4 + ["c"] * 9})
    assert check_anonymity(df, ["g"]).k_target == 5
    assert not check_anonymity(df, ["g"]).passes
    assert check_anonymity(df, ["g"], policy="gmc-nts").passes
    assert check_anonymity(df, ["g"], k=3).passes  # "is this 3-anonymous?"
    assert check_anonymity(df, ["g"], k=4, policy="nhs-hes").k_target == 4
    h = {"g": Hierarchy.from_rows([["a", "ab"], ["b", "ab"], ["c", "c"]])}
    assert generalise(df, h).levels == {"g": 1}
    assert generalise(df, h, policy="gmc-nts").levels == {"g": 0}
    assert generalise(df, h, k=4).levels == {"g": 0}
    assert generalise(df, h, policy="nhs-hes").report.k_target == 8


# ------------------------------------------------------------------ finding identifiers


def test_find_identifier_columns_on_the_export(export) -> None:
    found = find_identifier_columns(export, min_share=0.5)
    assert dict(zip(found["column"], found["kind"], strict=True)) == {
        "respondent_id": "record-id",
        **IDENTIFIERS,
    }
    # any value counts by default: a comment with an e-mail address in it is found
    everything = find_identifier_columns(export)
    free = everything[everything["column"] == "ft_other"].iloc[0]
    assert free["kind"] == "email" and free["evidence"] == "values" and free["share"] < 0.5
    # the answers are not identifiers: choice codes, numbers
    assert not set(everything["column"]) & {"trust", "grade", "ident_1", "meanings"}
    by_values = find_identifier_columns(
        export.rename(columns={"IPAddress": "q99", "RecipientEmail": "q98"}), by_name=False
    )
    kinds = dict(zip(by_values["column"], by_values["kind"], strict=True))
    assert kinds["q99"] == "ip-address" and kinds["q98"] == "email"
    assert kinds["StartDate"] == "timestamp"
    with pytest.raises(DataError, match="not in the data"):
        find_identifier_columns(export, ["nope"])


# ------------------------------------------------------------------ the CLI, end to end

runner = CliRunner()


def _cli_files(tmp_path: Path) -> tuple[Path, Path, list[str]]:
    data = tmp_path / "export.csv"
    _export().to_csv(data, index=False)
    key = tmp_path / "pseudonym.key"
    assert runner.invoke(app, ["generate-key", str(key)]).exit_code == 0
    files = []
    for h in (GRADE, TRUST):
        path = tmp_path / f"{h.name}.csv"
        h.to_frame().to_csv(path, sep=";", header=False, index=False)
        files += ["--hierarchy", f"{h.name}={path}"]
    return data, key, files


def test_cli_anonymise_on_a_messy_export(tmp_path: Path, survey) -> None:
    data, key, hierarchies = _cli_files(tmp_path)
    out = tmp_path / "shareable.csv"
    log = tmp_path / "log.json"
    args = ["anonymise", "trainee-survey", str(data), "--out", str(out), "--log", str(log)]
    result = runner.invoke(app, [*args, "--key-file", str(key), "-k", "5", *hierarchies])
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out, dtype=str)
    export = pd.read_csv(data, dtype=str)
    assert list(written.columns) == ["respondent_id", *_item_columns(survey, export)]
    assert len(written) == len(export) - len(DUPLICATED) - N_BLANK
    assert written["respondent_id"].str.startswith("P").all()
    body = out.read_text()
    for value in ("@nhs.net", "10.1.37.11", "Surname", "R_0001"):
        assert value not in body
    logged = json.loads(log.read_text())
    assert logged["survey"] == "trainee-survey"
    assert logged["excluded"]["reasons"] == {"duplicate-id": 3, "empty-row": 2}
    assert logged["policy"]["min_group"] == 5 and logged["k_target"] == 5
    assert {d["column"] for d in logged["columns"] if d["action"] == "dropped"} == {
        *IDENTIFIERS,
        *BOOKKEEPING,
    }
    assert key.read_text().strip() not in log.read_text() + body
    console = result.output
    assert (
        f"rows: {len(export)} read, {len(written)} used, 5 excluded (2 empty-row, 3 duplicate-id)"
        in console
    )
    assert "(2 empty-row, 3 duplicate-id)" in console
    assert "dropped column 'RecipientEmail': looks like an e-mail address" in console
    assert "trust: generalised to level 1 of 2, from 19 values to 4 (east / north" in console
    assert "specialty: removed" in console
    assert "--hierarchy specialty=FILE" in console


def test_cli_anonymise_refuses_a_looser_k_and_keeps_on_request(tmp_path: Path) -> None:
    data, key, hierarchies = _cli_files(tmp_path)
    out = tmp_path / "shareable.csv"
    base = ["anonymise", "trainee-survey", str(data), "--out", str(out), "--key-file", str(key)]
    base += hierarchies
    loose = runner.invoke(app, [*base, "-k", "3"])
    assert loose.exit_code == 1 and "min_group=3 would loosen" in loose.output
    assert not out.exists()
    ok = runner.invoke(app, [*base, "-k", "3", "--policy", "gmc-nts", "--keep", "IPAddress"])
    assert ok.exit_code == 0, ok.output
    assert "IPAddress" in pd.read_csv(out).columns
    assert "warning: column 'IPAddress'" in ok.output
    beside = runner.invoke(app, [*base, "--keep", "ResponseId"])
    assert beside.exit_code == 1 and "record id" in beside.output
    assert "Traceback" not in beside.output


def test_cli_check_anonymity_follows_the_policy(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    pd.DataFrame({"g": ["a"] * 4 + ["b"] * 9}).to_csv(path, index=False)
    assert runner.invoke(app, ["check-anonymity", str(path), "--qi", "g"]).exit_code == 1
    gmc = runner.invoke(app, ["check-anonymity", str(path), "--qi", "g", "--policy", "gmc-nts"])
    assert gmc.exit_code == 0, gmc.output
    assert runner.invoke(app, ["check-anonymity", str(path), "--qi", "g", "-k", "4"]).exit_code == 0


def test_the_readme_commands_hold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's ``anonymise`` and ``check-anonymity`` lines, run as written on a messy export."""
    import shlex

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    text = readme.replace("\\\n", " ")
    lines = {}
    for line in text.splitlines():
        if line.startswith(("leadership-eval anonymise", "leadership-eval check-anonymity")):
            words = shlex.split(line.split("#")[0])
            lines[words[1]] = words[1:]
    assert set(lines) == {"anonymise", "check-anonymity"}
    monkeypatch.chdir(tmp_path)
    _export().to_csv("export.csv", index=False)
    assert runner.invoke(app, ["generate-key", "pseudonym.key"]).exit_code == 0
    done = runner.invoke(app, lines["anonymise"])
    assert done.exit_code == 0, done.output
    shared = pd.read_csv("shareable.csv", dtype=str)
    assert "ResponseId" not in shared and "RecipientEmail" not in shared
    assert json.loads(Path("log.json").read_text())["excluded"]["n"] == 5
    checked = runner.invoke(app, lines["check-anonymity"])
    assert checked.exit_code == 0, checked.output
