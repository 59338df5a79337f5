"""REFI-QDA projects: valid against the official schema, positions in Unicode code points.

The schema is REFI's own ``Project-mrt2019.xsd`` (tests/data/refi/, MIT licence, source noted
in its README). Positions follow REFI-QDA 1.5, section 10.2: "Selections in a text file are
defined by the first and the last character (Unicode codepoint) in the file. The first
codepoint in the file has the number 0."
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest
from lxml import etree

from leadership_eval.errors import ConfigurationError, DataError
from leadership_eval.instruments.loader import load_instrument
from leadership_eval.qualitative import read_segments
from leadership_eval.qualitative_refi import PROJECT_NS, read_qdpx, write_qdpx

HERE = Path(__file__).parent
SCHEMA = etree.XMLSchema(etree.parse(str(HERE / "data" / "refi" / "Project-mrt2019.xsd")))
CB = load_instrument("clm-codebook")
P = f"{{{PROJECT_NS}}}"

# a transcript with emoji (outside the Basic Multilingual Plane: two UTF-16 units each, and a
# zero-width joiner sequence of three code points)
TRANSCRIPT = (
    "Q: How was it? 🙂\n"
    "A: Honestly 😅 there is no time, and 👩‍⚕️ the culture is hard. 🎉🎉 But the mentor helped."
)


def _segments() -> pd.DataFrame:
    return read_segments(
        pd.DataFrame(
            {
                "segment_id": ["s1", "s2", "s3"],
                "participant": ["P1"] * 3,
                "role": ["trainee"] * 3,
                "trust": ["t01"] * 3,
                "source": ["T1"] * 3,
                "codes": ["ctx_time", "ctx_culture", "act_brokering"],
                "text": ["no time", "the culture is hard", "the mentor helped"],
            }
        ),
        CB,
    )


def _project(path: Path) -> tuple[etree._Element, str]:
    with zipfile.ZipFile(path) as zf:
        root = etree.fromstring(zf.read("project.qde"))
        src = root.find(f"{P}Sources/{P}TextSource")
        name = src.get("plainTextPath").removeprefix("internal://")
        return root, zf.read(f"sources/{name}").decode("utf-8")


def test_projects_validate_against_the_official_schema(tmp_path: Path) -> None:
    fixture = read_segments(HERE / "data" / "qualitative" / "segments.csv", CB)
    for name, segs, sources in (
        ("fixture", fixture, None),
        ("emoji", _segments(), {"T1": TRANSCRIPT}),
    ):
        path = write_qdpx(segs, CB, tmp_path / f"{name}.qdpx", sources=sources)
        root, _ = _project(path)
        assert SCHEMA.validate(root), SCHEMA.error_log


def test_positions_count_code_points_with_emoji(tmp_path: Path) -> None:
    segs = _segments()
    path = write_qdpx(segs, CB, tmp_path / "p.qdpx", sources={"T1": TRANSCRIPT})
    root, text = _project(path)
    assert text == TRANSCRIPT
    for sel in root.iter(f"{P}PlainTextSelection"):
        wanted = segs.loc[segs["segment_id"] == sel.get("name"), "text"].iloc[0]
        start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
        # code points: the index of the text in the Python string (which counts code points)
        assert (start, end) == (TRANSCRIPT.index(wanted), TRANSCRIPT.index(wanted) + len(wanted))
        assert text[start:end] == wanted
    # five characters outside the BMP come before s3: in UTF-16 its offsets would be 5 larger
    s3 = next(s for s in root.iter(f"{P}PlainTextSelection") if s.get("name") == "s3")
    before = TRANSCRIPT[: int(s3.get("startPosition"))]
    assert len(before.encode("utf-16-le")) // 2 - len(before) == 5
    pd.testing.assert_frame_equal(read_qdpx(path, CB), segs)


def test_utf16_offsets_of_other_programs(tmp_path: Path) -> None:
    segs = _segments()
    path = write_qdpx(segs, CB, tmp_path / "u.qdpx", sources={"T1": TRANSCRIPT}, offsets="utf16")
    root, _ = _project(path)
    s1 = next(s for s in root.iter(f"{P}PlainTextSelection") if s.get("name") == "s1")
    start = TRANSCRIPT.index("no time")
    assert int(s1.get("startPosition")) == start + 2  # 🙂 and 😅 count twice in UTF-16
    pd.testing.assert_frame_equal(read_qdpx(path, CB, offsets="utf16"), segs)
    # read as code points, the same file is off by one character per emoji before each passage
    with pytest.raises(DataError, match="lies outside"):
        read_qdpx(path, CB)
    first = segs[segs["segment_id"] == "s1"]
    one = write_qdpx(first, CB, tmp_path / "1.qdpx", sources={"T1": TRANSCRIPT}, offsets="utf16")
    assert read_qdpx(one, CB)["text"].iloc[0] == " time, "  # two emoji before: shifted by 2
    with pytest.raises(ConfigurationError, match="offsets"):
        read_qdpx(path, CB, offsets="bytes")  # type: ignore[arg-type]
