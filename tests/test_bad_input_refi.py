"""Bad input to the REFI-QDA reader and writers: one named regression test per case.

The hostile ``.qdpx`` archives and ``.qdc`` codebooks are built here with ``zipfile`` and
strings. Each test failed on the code before the fix: a raw ``TypeError``/``ValueError``/
``UnicodeDecodeError``/``FileNotFoundError`` of Python or lxml, a member read whole into memory,
or data lost or mislabelled without a word. Now each is a library error (or warning) that says
where (file, member, selection, source, code) and what.
"""

from __future__ import annotations

import struct
import warnings
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from leadership_eval.errors import ArgumentError, DataError, DataWarning
from leadership_eval.instruments.loader import load_instrument
from leadership_eval.instruments.models import Code, Codebook
from leadership_eval.qualitative import read_segments
from leadership_eval.qualitative.refi import (
    CODEBOOK_NS,
    PROJECT_NS,
    codebook_from_qdc,
    codebook_to_qdc,
    read_qdpx,
    write_qdpx,
)

CB = load_instrument("clm-codebook")
TEXT = "There is no time at all."
CODE = (
    '<Code guid="g-time" name="Time pressure" isCodable="true">'
    "<Description>Lack of time.\n\nCode id: ctx_time</Description></Code>"
)


def _sel(
    name: str, start: object = 0, end: object = 8, code: str = "g-time", guid: str = ""
) -> str:
    pos = "".join(
        f' {attr}="{value}"'
        for attr, value in (("startPosition", start), ("endPosition", end))
        if value is not None
    )
    return (
        f'<PlainTextSelection guid="{guid or "sel-" + name + str(start)}" name="{name}"{pos}>'
        f'<Coding guid="c-{name}{start}"><CodeRef targetGUID="{code}"/></Coding>'
        "</PlainTextSelection>"
    )


def _source(body: str, name: str = "T1", path: str = "internal://t1.txt") -> str:
    return f'<TextSource guid="src-{name}" name="{name}" plainTextPath="{path}">{body}</TextSource>'


def _qde(sources: str, codes: str = CODE, doctype: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{doctype}'
        f'<Project xmlns="{PROJECT_NS}" name="p"><CodeBook><Codes>{codes}</Codes></CodeBook>'
        f"<Sources>{sources}</Sources></Project>"
    )


def _qdpx(
    tmp_path: Path, qde: str, members: dict[str, bytes] | None = None, name: str = "p.qdpx"
) -> Path:
    members = {"sources/t1.txt": TEXT.encode()} if members is None else members
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as zf:  # stored: member bytes appear as they are
        zf.writestr("project.qde", qde)
        for member, data in members.items():
            zf.writestr(member, data)
    return path


def _claim_size(path: Path, member: str, size: int) -> None:
    """Make the central directory claim ``member`` holds ``size`` bytes (a zip bomb's header)."""
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        (name_len,) = struct.unpack_from("<H", data, at + 28)
        if data[at + 46 : at + 46 + name_len].decode() == member:
            struct.pack_into("<I", data, at + 24, size)
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))


def _segments(**columns: list[str]) -> pd.DataFrame:
    frame = {
        "segment_id": ["s1", "s2"],
        "participant": ["P1", "P1"],
        "role": ["trainee", "trainee"],
        "trust": ["t01", "t01"],
        "source": ["T1", "T1"],
        "codes": ["ctx_time", "ctx_culture"],
        "text": ["no time", "the culture"],
    }
    frame.update(columns)
    return read_segments(pd.DataFrame(frame), CB)


# ------------------------------------------------------------------------------ positions


@pytest.mark.parametrize(
    ("start", "end", "wrong"),
    [
        ("zero", 8, "startPosition 'zero'"),
        (0, "0.0", "endPosition '0.0'"),
        (None, 8, "startPosition None"),
        (0, None, "endPosition None"),
    ],
)
def test_position_that_is_not_a_whole_number_names_selection_and_source(
    tmp_path: Path, start: object, end: object, wrong: str
) -> None:
    path = _qdpx(tmp_path, _qde(_source(_sel("s1", 0, 3) + _sel("s2", start, end))))
    with pytest.raises(DataError, match=f"selection 's2' in source 'T1': {wrong} is not a whole"):
        read_qdpx(path)


def test_reversed_selection_says_it_ends_before_it_starts(tmp_path: Path) -> None:
    path = _qdpx(tmp_path, _qde(_source(_sel("s1", 7, 0))))
    with pytest.raises(DataError, match=r"selection 's1'.*ends \(0\) before it starts \(7\)"):
        read_qdpx(path)


# ------------------------------------------------------------------------------ source texts


def test_source_text_not_utf8_names_source_and_byte(tmp_path: Path) -> None:
    latin1 = "Café: no time".encode("latin-1")
    path = _qdpx(tmp_path, _qde(_source(_sel("s1"))), {"sources/t1.txt": latin1})
    with pytest.raises(DataError, match=r"source 'T1'.*byte 3.*save it as UTF-8") as info:
        read_qdpx(path)
    assert info.value.code == "not-utf8"


def test_source_text_in_utf16_with_bom_is_read(tmp_path: Path) -> None:
    path = _qdpx(tmp_path, _qde(_source(_sel("s1"))), {"sources/t1.txt": TEXT.encode("utf-16")})
    assert read_qdpx(path)["text"].tolist() == [TEXT[:8]]


def test_source_text_is_found_by_its_path_not_its_file_name(tmp_path: Path) -> None:
    """A member elsewhere whose file name differs only in case was the text read."""
    members = {"sources/a.txt": TEXT.encode(), "other/A.txt": b"Something else entirely"}
    qde = _qde(_source(_sel("s1"), path="internal://a.txt"))
    assert read_qdpx(_qdpx(tmp_path, qde, members))["text"].tolist() == [TEXT[:8]]


def test_two_members_for_one_source_are_refused(tmp_path: Path) -> None:
    members = {"sources/a.txt": TEXT.encode(), "sources/A.txt": b"Something else entirely"}
    path = _qdpx(tmp_path, _qde(_source(_sel("s1"), path="internal://a.txt")), members)
    with pytest.raises(DataError, match=r"source 'T1'.*sources/a\.txt.*sources/A\.txt"):
        read_qdpx(path)


# ------------------------------------------------------------------------------ zip bombs


def test_member_no_source_refers_to_is_not_read(tmp_path: Path) -> None:
    """A corrupt member (wrong CRC) that no source names: it used to be read, and failed."""
    junk = b"J" * 1000
    path = _qdpx(
        tmp_path, _qde(_source(_sel("s1"))), {"sources/t1.txt": TEXT.encode(), "x.txt": junk}
    )
    data = path.read_bytes()
    path.write_bytes(data.replace(junk, b"K" * 1000))
    assert read_qdpx(path)["text"].tolist() == [TEXT[:8]]


def test_member_larger_than_the_limit_is_refused_unread(tmp_path: Path) -> None:
    path = _qdpx(tmp_path, _qde(_source(_sel("s1"))))
    _claim_size(path, "sources/t1.txt", 300_000_000)
    with pytest.raises(DataError, match=r"sources/t1\.txt.*300,000,000 bytes") as info:
        read_qdpx(path)
    assert info.value.code == "unreadable"


def test_members_larger_than_the_limit_in_total_are_refused(tmp_path: Path) -> None:
    sources = _source(_sel("s1")) + _source(_sel("s2"), name="T2", path="internal://t2.txt")
    members = {"sources/t1.txt": TEXT.encode(), "sources/t2.txt": TEXT.encode()}
    path = _qdpx(tmp_path, _qde(sources), members)
    _claim_size(path, "sources/t1.txt", 150_000_000)
    _claim_size(path, "sources/t2.txt", 150_000_000)
    with pytest.raises(DataError, match=r"sources/t2\.txt.*in total") as info:
        read_qdpx(path)
    assert info.value.code == "unreadable"


def test_project_xml_larger_than_the_limit_is_refused(tmp_path: Path) -> None:
    path = _qdpx(tmp_path, _qde(_source(_sel("s1"))))
    _claim_size(path, "project.qde", 300_000_000)
    with pytest.raises(DataError, match=r"project\.qde.*300,000,000 bytes"):
        codebook_from_qdc(path)


# ------------------------------------------------------------------------------ XML


def test_doctype_with_entities_in_a_project_is_refused(tmp_path: Path) -> None:
    """``&x;`` stayed a node: the Description lost its Code id line, inline text went missing."""
    doctype = '<!DOCTYPE Project [<!ENTITY x "time">]>'
    code = CODE.replace("Lack of time.", "Lack of &x;.")
    inline = f'<TextSource guid="s" name="T1"><PlainTextContent>No &x; at all</PlainTextContent>{_sel("s1")}</TextSource>'
    path = _qdpx(tmp_path, _qde(inline, codes=code, doctype=doctype))
    with pytest.raises(DataError, match="DOCTYPE and entity declarations are not allowed") as info:
        read_qdpx(path)
    assert info.value.code == "bad-xml"


def test_doctype_in_a_codebook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cb.qdc"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE CodeBook [<!ENTITY x "y">]>'
        f'<CodeBook xmlns="{CODEBOOK_NS}"><Codes>{CODE.replace("time.", "&x;.")}</Codes></CodeBook>',
        encoding="utf-8",
    )
    with pytest.raises(DataError, match="DOCTYPE and entity declarations are not allowed"):
        codebook_from_qdc(path)


def test_comment_inside_a_description_keeps_the_code_id(tmp_path: Path) -> None:
    code = CODE.replace("Lack of time.", "Lack of <!-- note -->time.")
    frame = read_qdpx(_qdpx(tmp_path, _qde(_source(_sel("s1")), codes=code)))
    assert frame["code"].tolist() == ["ctx_time"]


# ------------------------------------------------------------------------------ ids


def test_selections_sharing_a_name_keep_every_passage(tmp_path: Path) -> None:
    """Two passages named s1 coded alike were one row: the second passage was lost."""
    path = _qdpx(tmp_path, _qde(_source(_sel("s1", 0, 8) + _sel("s1", 12, 16))))
    with pytest.warns(DataWarning, match=r"'s1' at 12-16 in source 'T1' is now 's1_2'"):
        frame = read_qdpx(path)
    assert frame[["segment_id", "text"]].values.tolist() == [["s1", TEXT[:8]], ["s1_2", "time"]]


def test_codes_sharing_a_guid_are_refused(tmp_path: Path) -> None:
    other = '<Code guid="g-time" name="Culture" isCodable="true"/>'
    path = _qdpx(tmp_path, _qde(_source(_sel("s1")), codes=CODE + other))
    with pytest.raises(DataError, match=r"guid 'g-time'.*'Time pressure'.*'Culture'") as info:
        read_qdpx(path)
    assert info.value.code == "duplicate-id"


def test_code_without_a_guid_is_refused(tmp_path: Path) -> None:
    other = '<Code name="Culture" isCodable="true"/>'
    path = _qdpx(tmp_path, _qde(_source(_sel("s1")), codes=CODE + other))
    with pytest.raises(DataError, match=r"code 'Culture' .*has no guid"):
        read_qdpx(path)


# ------------------------------------------------------------------------------ paths


@pytest.mark.parametrize(
    "call",
    [
        lambda: read_qdpx(None),  # type: ignore[arg-type]
        lambda: codebook_from_qdc(None),  # type: ignore[arg-type]
        lambda: codebook_to_qdc(CB, None),  # type: ignore[arg-type]
        lambda: write_qdpx(_segments(), CB, None),  # type: ignore[arg-type]
    ],
    ids=["read_qdpx", "codebook_from_qdc", "codebook_to_qdc", "write_qdpx"],
)
def test_none_as_the_path_is_an_argument_error(call) -> None:
    with pytest.raises(ArgumentError, match="not NoneType"):
        call()


@pytest.mark.parametrize("name", ["missing.qdpx", "missing.qdc", "folder.qdpx", "folder.qdc"])
def test_missing_file_or_folder_to_read_is_named(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name.startswith("folder"):
        path.mkdir()
    read = read_qdpx if name.endswith(".qdpx") else codebook_from_qdc
    with pytest.raises(
        DataError, match="no such file" if "missing" in name else "is a folder"
    ) as info:
        read(path)
    assert info.value.code == "missing-file"


def test_writing_into_a_missing_folder_says_no_folder(tmp_path: Path) -> None:
    for write in (
        lambda p: codebook_to_qdc(CB, p / "cb.qdc"),
        lambda p: write_qdpx(_segments(), CB, p / "p.qdpx"),
    ):
        with pytest.raises(DataError, match="does not exist") as info:
            write(tmp_path / "nowhere")
        assert info.value.code == "no-folder"


def test_writing_to_a_folder_path_is_refused(tmp_path: Path) -> None:
    for write in (lambda p: codebook_to_qdc(CB, p), lambda p: write_qdpx(_segments(), CB, p)):
        with pytest.raises(DataError, match="is a folder"):
            write(tmp_path)


# ------------------------------------------------------------------------------ writing text


def test_project_name_that_is_not_text_is_an_argument_error(tmp_path: Path) -> None:
    with pytest.raises(ArgumentError, match="project"):
        write_qdpx(_segments(), CB, tmp_path / "p.qdpx", project=None)  # type: ignore[arg-type]


def test_control_character_in_the_project_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"project.*'\\x07'"):
        write_qdpx(_segments(), CB, tmp_path / "p.qdpx", project="Bell\x07")
    assert not (tmp_path / "p.qdpx").exists()


def test_control_character_in_a_code_label_names_the_code(tmp_path: Path) -> None:
    cb = Codebook(
        id="cc", version="1.0.0", title="C", codes=[Code(id="a", label="A\x01", definition="D")]
    )
    segs = read_segments(
        pd.DataFrame(
            {"participant": ["P1"], "role": ["r"], "trust": ["t"], "codes": ["a"], "text": ["x"]}
        ),
        cb,
    )
    for write in (
        lambda: codebook_to_qdc(cb, tmp_path / "c.qdc"),
        lambda: write_qdpx(segs, cb, tmp_path / "c.qdpx"),
    ):
        with pytest.raises(DataError, match=r"code 'a': label.*'\\x01'"):
            write()


def test_control_character_in_a_participant_names_the_segment(tmp_path: Path) -> None:
    segs = _segments(participant=["P\x0b1", "P\x0b1"])
    with pytest.raises(DataError, match=r"segment 's1'.*participant.*'\\x0b'"):
        write_qdpx(segs, CB, tmp_path / "p.qdpx")


def test_lone_surrogate_in_a_segment_text_names_segment_source_and_position(
    tmp_path: Path,
) -> None:
    segs = _segments(text=["no time", "the \ud800culture"])
    with pytest.raises(DataError, match=r"segment 's2'.*source 'T1'.*position 4"):
        write_qdpx(segs, CB, tmp_path / "p.qdpx")


def test_lone_surrogate_in_a_source_text_names_source_and_position(tmp_path: Path) -> None:
    transcript = "\udc80 no time, the culture"
    with pytest.raises(DataError, match=r"source 'T1'.*position 0"):
        write_qdpx(_segments(), CB, tmp_path / "p.qdpx", sources={"T1": transcript})


def test_valid_files_still_read_without_warning(tmp_path: Path) -> None:
    path = write_qdpx(_segments(), CB, tmp_path / "p.qdpx")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pd.testing.assert_frame_equal(read_qdpx(path, CB), _segments())
