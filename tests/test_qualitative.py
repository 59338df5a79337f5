"""Tests of leadership_eval.qualitative and qualitative_refi (segments, framework, themes, REFI)."""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from leadership_eval.errors import DataError
from leadership_eval.instruments.loader import load_instrument
from leadership_eval.instruments.models import Code, Codebook
from leadership_eval.policy import DisclosurePolicy
from leadership_eval.qualitative import (
    SEGMENT_COLUMNS,
    framework_matrix,
    read_segments,
    theme_summary,
)
from leadership_eval.qualitative_refi import (
    CODEBOOK_NS,
    PROJECT_NS,
    code_guid,
    codebook_from_qdc,
    codebook_to_qdc,
    read_qdpx,
    write_qdpx,
)

DATA = Path(__file__).parent / "data" / "qualitative"
CB = load_instrument("clm-codebook")


@pytest.fixture(scope="module")
def segments() -> pd.DataFrame:
    return read_segments(DATA / "segments.csv", CB)


# ------------------------------------------------------------------------------ read_segments


def test_read_segments_is_long_and_keeps_every_row(segments: pd.DataFrame) -> None:
    assert list(segments.columns) == SEGMENT_COLUMNS
    raw = pd.read_csv(DATA / "segments.csv", dtype=str)
    n_codes = raw["codes"].str.split(";").str.len().sum()
    assert len(segments) == n_codes
    assert set(segments["segment_id"]) == set(raw["segment_id"])
    s4 = segments[segments["segment_id"] == "S004"]
    assert s4["code"].tolist() == ["ctx_time", "ctx_rotation"]
    assert (s4["theme"] == "context").all()
    assert "ça arrive" in s4["text"].iloc[0]


def test_read_segments_reports_every_problem_with_did_you_mean() -> None:
    with pytest.raises(DataError) as info:
        read_segments(DATA / "segments_bad.csv", CB)
    err = info.value
    assert err.code == "invalid-segments"
    msg = str(err)
    assert "did you mean 'act_brokering'" in msg
    assert "that is its label" in msg  # a label typed instead of the id
    fc = err.failure_cases
    assert set(fc["row"]) == {0, 1, 2, 3}  # every bad row is reported
    assert set(fc["problem"].str.split(" ").str[0]) >= {"unknown", "empty", "no"}
    assert "row 2:" in msg  # file rows (header = row 1)


def test_read_segments_defaults_and_duplicates() -> None:
    frame = pd.DataFrame(
        {
            "participant": ["P1", "P2"],
            "role": ["Trainee ", "mentor"],
            "trust": ["t1", "t1"],
            "codes": ["ctx_time;ctx_time", "ctx_culture"],
            "text": ["a", "b"],
        }
    )
    out = read_segments(frame, CB)
    assert out["segment_id"].tolist() == ["S0001", "S0002"]  # repeated code kept once
    assert out["source"].tolist() == ["P1", "P2"]
    assert out["role"].tolist() == ["trainee", "mentor"]
    frame["segment_id"] = ["X", "X"]
    with pytest.raises(DataError, match="repeated"):
        read_segments(frame, CB)
    with pytest.raises(DataError, match="missing column"):
        read_segments(frame.drop(columns="codes"), CB)


# ------------------------------------------------------------------------------ framework


def test_framework_matrix_counts_and_texts(segments: pd.DataFrame) -> None:
    counts = framework_matrix(segments, CB, values="count")
    assert list(counts.columns) == [t.id for t in CB.codes]
    assert counts.loc[("P02", "trainee", "t03"), "context"] == 1  # one segment, two codes
    assert counts.loc[("P01", "trainee", "t03"), "mentor_activities"] == 1
    assert counts.loc[("P01", "trainee", "t03"), "access_routes"] == 1
    texts = framework_matrix(segments, CB, level="code")
    cell = texts.loc[("P06", "mentor", "t08"), "act_advocacy"]
    assert cell.startswith("[S008] A lot of my time")
    assert texts.loc[("P06", "mentor", "t08"), "ctx_time"] == ""
    by_trust = framework_matrix(segments, CB, by="trust", values="count")
    assert by_trust.loc["t08", "context"] == 2


# ------------------------------------------------------------------------------ theme summary


def test_theme_summary_counts_participants_not_segments(segments: pd.DataFrame) -> None:
    out = theme_summary(segments, CB, names=["Amara Okafor"], places=["Rowan Ward"])
    trust = out[out["scope"] == "trust"].set_index(["group", "theme"])
    # t03 mentor_activities: P01, P02, P03 (3 participants, 3 segments) -> shown
    assert trust.loc[("t03", "mentor_activities"), "n_participants"] == 3
    assert trust.loc[("t03", "mentor_activities"), "roles"] == "supervisor;trainee"
    # t08 context: P07, P08 -> 2 < 3 -> not shown for the trust
    assert ("t08", "context") not in trust.index
    assert ("t03", "context") not in trust.index  # P02, P04: 2
    region = out[out["scope"] == "region"].set_index("theme")
    assert region.loc["context", "n_participants"] == 4  # P02, P04, P07, P08
    # mentor_activities: t03 shown (3), t08 hidden (P05, P06: 2) -> one hidden trust -> withheld
    assert pd.isna(region.loc["mentor_activities", "n_participants"])
    assert "withheld" in region.loc["mentor_activities", "note"]
    assert pd.isna(region.loc["understanding", "n_participants"])  # only P01
    assert region.loc["future", "n_participants"] == 0


def test_theme_summary_quotes_are_redacted_and_attributed_by_role_only(
    segments: pd.DataFrame,
) -> None:
    out = theme_summary(segments, CB, names=["Amara Okafor"], places=["Rowan Ward"])
    quotes = " ".join(out["quote"].dropna())
    assert "Okafor" not in quotes
    assert "p7@example" not in quotes
    # whichever segment is chosen as the example, it is redacted
    named = segments.assign(text=segments["text"] + " Ask Amara Okafor on p7@example.org.")
    quotes = " ".join(theme_summary(named, CB, names=["Amara Okafor"])["quote"].dropna())
    assert "Okafor" not in quotes and "[NAME]" in quotes and "[EMAIL]" in quotes
    joined = " ".join(map(str, out.drop(columns=["group"]).to_numpy().ravel()))
    for pseudonym in segments["participant"].unique():
        assert pseudonym not in joined  # never a pseudonym anywhere in the output
    assert set(out["quote_role"].dropna()) <= {"trainee", "supervisor", "manager", "mentor"}
    assert "quote_role" in out.columns
    none = theme_summary(segments, CB, policy=DisclosurePolicy(quote_attribution="none"))
    assert none["quote_role"].isna().all()
    lenient = theme_summary(segments, CB, policy=DisclosurePolicy(min_participants_theme=2))
    shown = lenient[lenient["scope"] == "trust"].set_index(["group", "theme"])
    assert shown.loc[("t08", "context"), "n_participants"] == 2


def test_theme_summary_takes_a_redactor_in_place_of_the_rosters(segments: pd.DataFrame) -> None:
    from leadership_eval.errors import ArgumentError
    from leadership_eval.privacy.text import Redactor

    named = segments.assign(text=segments["text"] + " Ask Amara Okafor on Rowan Ward.")
    rosters = theme_summary(named, CB, names=["Amara Okafor"], places=["Rowan Ward"])
    redactor = Redactor(["Amara Okafor"], ["Rowan Ward"])
    pd.testing.assert_frame_equal(theme_summary(named, CB, redactor=redactor), rosters)
    # the redactor that has just redacted the same segments gives the same quotes again
    redactor.redact_series(named["text"])
    pd.testing.assert_frame_equal(theme_summary(named, CB, redactor=redactor), rosters)
    with pytest.raises(ArgumentError, match="not both"):
        theme_summary(named, CB, names=["Amara Okafor"], redactor=redactor)


# ------------------------------------------------------------------------------ REFI-QDA


def test_qdc_round_trip_keeps_the_whole_codebook(tmp_path: Path) -> None:
    path = codebook_to_qdc(CB, tmp_path / "cb.qdc")
    root = etree.parse(str(path)).getroot()
    assert root.tag == f"{{{CODEBOOK_NS}}}CodeBook"
    first = root.find(f"{{{CODEBOOK_NS}}}Codes/{{{CODEBOOK_NS}}}Code")
    assert first.get("guid") == code_guid("understanding")
    assert first.get("name") == "Understanding of leadership"
    assert first.get("isCodable") == "true"
    back = codebook_from_qdc(path)
    assert back.codes == CB.codes
    assert (back.id, back.version) == (CB.id, CB.version)


def test_qdc_from_another_tool_gets_slug_ids(tmp_path: Path) -> None:
    xml = f"""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="{CODEBOOK_NS}" origin="QualCoder">
  <Codes>
    <Code guid="11111111-1111-4111-8111-111111111111" name="Time pressure" isCodable="true">
      <Description>Lack of time.</Description>
      <Code guid="22222222-2222-4222-8222-222222222222" name="Rota gaps" isCodable="true"/>
    </Code>
    <Code guid="33333333-3333-4333-8333-333333333333" name="Time pressure" isCodable="true"/>
  </Codes>
</CodeBook>"""
    path = tmp_path / "other.qdc"
    path.write_text(xml, encoding="utf-8")
    cb = codebook_from_qdc(path)
    assert [c.id for _, c in cb.walk()] == ["time_pressure", "rota_gaps", "time_pressure_2"]
    assert cb.codes[0].definition == "Lack of time."
    assert cb.id == "other"


def test_multilingual_text_warns(tmp_path: Path) -> None:
    cb = Codebook(
        id="ml",
        version="1.0.0",
        title="ML",
        codes=[Code(id="a", label={"en": "A", "cy": "Ay"}, definition="Def")],
    )
    with pytest.warns(UserWarning, match="only the English text of a"):
        codebook_to_qdc(cb, tmp_path / "ml.qdc")


def test_qdpx_round_trip_is_lossless(tmp_path: Path, segments: pd.DataFrame) -> None:
    path = write_qdpx(segments, CB, tmp_path / "p.qdpx")
    back = read_qdpx(path, CB)
    pd.testing.assert_frame_equal(back, segments)
    again = read_qdpx(path)  # ids from the project's own codebook
    pd.testing.assert_frame_equal(again, segments)
    assert codebook_from_qdc(path).codes == CB.codes


def test_qdpx_structure_follows_the_standard(tmp_path: Path, segments: pd.DataFrame) -> None:
    path = write_qdpx(segments, CB, tmp_path / "p.qdpx")
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        root = etree.fromstring(zf.read("project.qde"))
        assert all(n == "project.qde" or n.startswith("sources/") for n in names)
        P = f"{{{PROJECT_NS}}}"
        assert root.tag == f"{P}Project"
        order = [etree.QName(c).localname for c in root]
        assert order == ["Users", "CodeBook", "Variables", "Cases", "Sources"]  # XSD sequence
        src = root.find(f"{P}Sources/{P}TextSource")
        text = zf.read("sources/" + src.get("plainTextPath").removeprefix("internal://"))
        full = text.decode("utf-8")
        assert not text.startswith(b"\xef\xbb\xbf")
        sel = src.find(f"{P}PlainTextSelection")
        start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
        assert full[start:end] == segments["text"].iloc[0]
        ref = sel.find(f"{P}Coding/{P}CodeRef").get("targetGUID")
        assert ref == code_guid("act_brokering")
        case = root.find(f"{P}Cases/{P}Case")
        assert case.get("name") == "P01"
        assert [etree.QName(c).localname for c in case][:2] == ["VariableValue", "VariableValue"]


def test_qdpx_with_full_transcripts(tmp_path: Path) -> None:
    seg = read_segments(
        pd.DataFrame(
            {
                "segment_id": ["a", "b"],
                "participant": ["P1", "P1"],
                "role": ["trainee"] * 2,
                "trust": ["t1", "t1"],
                "source": ["T1", "T1"],
                "codes": ["ctx_time", "ctx_culture"],
                "text": ["no time", "the culture"],
            }
        ),
        CB,
    )
    transcript = "Q: How is it?\nA: There is no time, and the culture is hard."
    path = write_qdpx(seg, CB, tmp_path / "t.qdpx", sources={"T1": transcript})
    back = read_qdpx(path, CB)
    pd.testing.assert_frame_equal(back, seg)
    with pytest.raises(DataError, match="not found in the text"):
        write_qdpx(seg, CB, tmp_path / "x.qdpx", sources={"T1": "nothing here"})


def test_read_qdpx_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.qdpx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(DataError, match="not a readable"):
        read_qdpx(bad)
    other = Codebook(
        id="other", version="1.0.0", title="O", codes=[Code(id="zzz", label="Z", definition="Z")]
    )
    seg = read_segments(DATA / "segments.csv", CB)
    path = write_qdpx(seg, CB, tmp_path / "p.qdpx")
    with pytest.raises(DataError, match="not in the codebook 'other'"):
        read_qdpx(path, other)


_text = (
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=20, deadline=None)
@given(
    st.lists(
        st.tuples(_text, st.sampled_from(["ctx_time", "act_brokering", "future"])),
        min_size=1,
        max_size=6,
    )
)
def test_qdpx_round_trip_property(tmp_path_factory: pytest.TempPathFactory, rows) -> None:
    frame = pd.DataFrame(
        {
            "participant": [f"P{i % 2}" for i in range(len(rows))],
            "role": ["trainee" if i % 2 == 0 else "manager" for i in range(len(rows))],
            "trust": ["t1"] * len(rows),
            "codes": [c for _, c in rows],
            "text": [t for t, _ in rows],
        }
    )
    seg = read_segments(frame, CB).sort_values(["source", "segment_id"], kind="stable")
    seg = seg.reset_index(drop=True)
    path = tmp_path_factory.mktemp("q") / "p.qdpx"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        write_qdpx(seg, CB, path)
    pd.testing.assert_frame_equal(read_qdpx(path, CB), seg)
