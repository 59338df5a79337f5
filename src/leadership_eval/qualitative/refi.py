"""REFI-QDA exchange: coded projects (``.qdpx``) and codebooks (``.qdc``).

The REFI-QDA standard (Rotterdam Exchange Format Initiative, https://www.qdasoftware.org) is the
exchange format of ATLAS.ti, MAXQDA, NVivo, QualCoder, Transana and others:

* a codebook file (``.qdc``) is XML in the namespace ``urn:QDA-XML:codebook:1.0``: a
  ``CodeBook`` root holding ``Codes``, each ``Code`` with ``guid``, ``name``, ``isCodable``, an
  optional ``Description`` and nested ``Code`` children;
* a project (``.qdpx``) is a zip archive holding ``project.qde`` (XML in
  ``urn:QDA-XML:project:1.0``: ``Users``, ``CodeBook``, ``Variables``, ``Cases``, ``Sources``)
  and the sources' plain text in ``sources/`` (referred to as ``internal://<file>``). A coded
  passage is a ``PlainTextSelection`` with ``startPosition``/``endPosition`` (offsets in the
  plain text counted in Unicode code points from 0, as the standard's section 10.2 says)
  holding ``Coding`` elements that point to codes with ``CodeRef targetGUID``.

Some programs count UTF-16 code units instead (an emoji or any character outside the Basic
Multilingual Plane then counts twice, so every later offset shifts by one per such character):
``read_qdpx(..., offsets="utf16")`` reads their files, and ``write_qdpx(..., offsets="utf16")``
writes for them. The default is the standard's code points.

Mapping used here: each code's ``guid`` is ``uuid5`` of a fixed namespace and its id, so the same
code has the same guid in every file; its ``name`` is its label; its ``Description`` holds the
definition, then ``Include:``, ``Exclude:`` and ``Examples:`` lists, ``Objectives:`` and the
``Code id:`` (a structure :func:`codebook_from_qdc` parses back). In a project, each source is a
``TextSource``, each segment a ``PlainTextSelection`` named with its segment id, and each
participant a ``Case`` whose variables ``role`` and ``trust`` are ``VariableValue`` elements and
whose segments are ``SelectionRef`` elements.
"""

from __future__ import annotations

import codecs
import posixpath
import re
import uuid
import warnings
import zipfile
import zlib
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .._files import file_bytes, file_path
from ..errors import ArgumentError, ConfigurationError, DataError, DataWarning
from ..instruments.models import Code, Codebook, text_in
from .segments import SEGMENT_COLUMNS, check_segments, tidy_segments

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "CODEBOOK_NS",
    "PROJECT_NS",
    "code_guid",
    "codebook_from_qdc",
    "codebook_to_qdc",
    "read_qdpx",
    "write_qdpx",
]

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"
_GUID_NS = uuid.UUID("6f1c0a52-3a1e-5b8e-9d0c-1e7a5c2b4f10")
_ORIGIN = "leadership-eval"
_HEADINGS = ("Include:", "Exclude:", "Examples:")
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_WHOLE_RE = re.compile(r"\s*[+-]?[0-9]+\s*")
# characters XML 1.0 cannot hold (control characters but tab and line breaks, lone surrogates,
# U+FFFE, U+FFFF), and those UTF-8 cannot encode (lone surrogates)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NOT_UTF8 = re.compile("[\ud800-\udfff]")
# the most read from a .qdpx or .qdc: per member (project.qde, a source text) and in total, as
# the archive's directory gives the sizes (a zip bomb is refused before it is decompressed)
_MAX_MEMBER = 200_000_000
_MAX_TOTAL = 200_000_000
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def code_guid(code_id: str) -> str:
    """The stable REFI guid of a code: ``uuid5`` of the library's namespace and the code id.

    >>> from leadership_eval.qualitative.refi import code_guid
    >>> code_guid("act_brokering") == code_guid("act_brokering")
    True
    """
    return str(uuid.uuid5(_GUID_NS, f"code:{code_id}"))


def _guid(kind: str, key: str) -> str:
    return str(uuid.uuid5(_GUID_NS, f"{kind}:{key}"))


# ------------------------------------------------------------------------------ descriptions


def _describe(code: Code) -> str:
    """The structured Description text of a code."""

    def items(title: str, values: list[Any]) -> list[str]:
        if not values:
            return []
        out = ["", title]
        for v in values:
            out.append("- " + text_in(v).replace("\n", "\n  "))
        return out

    lines = [text_in(code.definition)]
    lines += items("Include:", code.include)
    lines += items("Exclude:", code.exclude)
    lines += items("Examples:", code.examples)
    lines.append("")
    if code.objectives:
        lines.append("Objectives: " + ", ".join(code.objectives))
    lines.append(f"Code id: {code.id}")
    return "\n".join(lines)


def _parse_description(text: str) -> dict[str, Any]:
    """Definition, include/exclude/examples lists, objectives and id from a Description."""
    lines = (text or "").replace("\r\n", "\n").split("\n")
    out: dict[str, Any] = {"include": [], "exclude": [], "examples": [], "objectives": []}
    # trailing "Code id:" and "Objectives:" lines
    while lines and not lines[-1].strip():
        lines.pop()
    if lines and lines[-1].startswith("Code id: "):
        out["id"] = lines.pop()[len("Code id: ") :].strip()
    if lines and lines[-1].startswith("Objectives: "):
        out["objectives"] = [o.strip() for o in lines.pop()[len("Objectives: ") :].split(",")]
    definition: list[str] = []
    current: list[str] | None = None
    key = {"Include:": "include", "Exclude:": "exclude", "Examples:": "examples"}
    for line in lines:
        if line in key and (current is not None or not definition or definition[-1] == ""):
            current = out[key[line]]
            continue
        if current is None:
            definition.append(line)
        elif line.startswith("- "):
            current.append(line[2:])
        elif line.startswith("  ") and current:
            current[-1] += "\n" + line[2:]
        elif line.strip():
            current.append(line)
    while definition and not definition[-1].strip():
        definition.pop()
    out["definition"] = "\n".join(definition)
    return out


def _lossy_fields(code: Code) -> list[str]:
    lost = []
    for name in ("label", "definition"):
        if isinstance(getattr(code, name), dict) and len(getattr(code, name)) > 1:
            lost.append(name)
    for name in ("include", "exclude", "examples"):
        if any(isinstance(v, dict) and len(v) > 1 for v in getattr(code, name)):
            lost.append(name)
    return lost


# ------------------------------------------------------------------------------ codebook


def _check_chars(value: str, field: str, where: str, *, file_text: bool = False) -> None:
    """DataError naming ``where`` and ``field`` when ``value`` holds a character XML cannot
    hold (or, for ``file_text`` written to a UTF-8 file, one UTF-8 cannot encode)."""
    found = (_NOT_UTF8 if file_text else _NOT_XML).search(value)
    if found:
        cannot = "UTF-8 cannot encode (a lone surrogate)" if file_text else "XML cannot hold"
        raise DataError(
            f"{where}: {field} holds {found.group()!r} at position {found.start()}, a character "
            f"{cannot}: remove it",
            code="invalid-data",
        )


def _check_code(code: Code) -> None:
    """Every text of a code that goes into the XML, checked for characters XML cannot hold."""
    where = f"code {code.id!r}"
    _check_chars(code.id, "id", where)
    _check_chars(text_in(code.label), "label", where)
    _check_chars(text_in(code.definition), "definition", where)
    for name in ("include", "exclude", "examples"):
        for i, value in enumerate(getattr(code, name), 1):
            _check_chars(text_in(value), f"{name} {i}", where)
    for objective in code.objectives:
        _check_chars(objective, "objectives", where)


def _output_path(path: object, what: str, example: str) -> Path:
    """The path to write to: ArgumentError for no path, DataError for a folder or a folder that
    does not exist (before anything is built)."""
    p = file_path(path, f"{what}: path must be the file to write")
    if p.is_dir():
        raise DataError(
            f"{p} is a folder: give the path of the file to write (e.g. {p / example})",
            code="missing-file",
        )
    folder = p.absolute().parent
    if not folder.is_dir():
        raise DataError(f"{p}: folder {folder} does not exist", code="no-folder")
    return p


def _origin(codebook: Codebook) -> str:
    origin = f"{_ORIGIN}: {codebook.id} {codebook.version}"
    _check_chars(origin, "id and version", f"codebook {codebook.id!r}")
    return origin


def _code_elements(parent: Any, codes: list[Code], tag: str, lossy: list[str]) -> None:
    from lxml import etree

    for code in codes:
        _check_code(code)
        el = etree.SubElement(
            parent, tag, guid=code_guid(code.id), name=text_in(code.label), isCodable="true"
        )
        desc = etree.SubElement(el, tag.replace("Code", "Description"))
        desc.text = _describe(code)
        lost = _lossy_fields(code)
        if lost:
            lossy.append(f"{code.id} ({', '.join(lost)})")
        _code_elements(el, code.codes, tag, lossy)


def _warn_lossy(lossy: list[str]) -> None:
    if lossy:
        warnings.warn(
            "REFI-QDA holds one language: only the English text of "
            + "; ".join(lossy)
            + " was written",
            UserWarning,
            stacklevel=3,
        )


def codebook_to_qdc(codebook: Codebook, path: str | Path) -> Path:
    """Write a codebook as a REFI-QDA codebook file (``.qdc``).

    Parameters
    ----------
    codebook : Codebook
    path : str or pathlib.Path

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ArgumentError
        ``path`` is not a str or path.
    DataError
        ``path`` is a folder (``missing-file``) or in a folder that does not exist
        (``no-folder``); a code's text holds a character XML cannot hold (``invalid-data``,
        naming the code and the field).

    Notes
    -----
    Every code keeps its id (in the ``Description`` and, as ``uuid5``, in the ``guid``),
    label (``name``), definition, include/exclude criteria, examples, objectives and nesting,
    so :func:`codebook_from_qdc` returns an equal codebook's codes. What the format has no room
    for: the codebook's title, description, approach, authors, licence and changelog (the id
    and version are kept in the ``origin`` attribute), and any language but English (a
    ``UserWarning`` names the codes concerned).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from leadership_eval.instruments.loader import load_instrument
    >>> from leadership_eval.qualitative.refi import codebook_to_qdc, codebook_from_qdc
    >>> cb = load_instrument("clm-codebook")
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     back = codebook_from_qdc(codebook_to_qdc(cb, pathlib.Path(tmp) / "cb.qdc"))
    >>> back.codes == cb.codes, back.id, back.version
    (True, 'clm-codebook', '2.0.0')
    """
    from lxml import etree

    if not isinstance(codebook, Codebook):
        raise ConfigurationError("codebook_to_qdc needs a Codebook", code="not-a-codebook")
    p = _output_path(path, "codebook_to_qdc", "codebook.qdc")
    root = etree.Element(
        f"{{{CODEBOOK_NS}}}CodeBook", nsmap={None: CODEBOOK_NS}, origin=_origin(codebook)
    )
    codes = etree.SubElement(root, f"{{{CODEBOOK_NS}}}Codes")
    lossy: list[str] = []
    _code_elements(codes, codebook.codes, f"{{{CODEBOOK_NS}}}Code", lossy)
    _warn_lossy(lossy)
    p.write_bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True))
    return p


def _slug(name: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    if not s or not s[0].isalpha():
        s = "c_" + s
    return s[:64]


def _text(el: Any) -> str:
    """All the text of an element (a comment or processing instruction inside does not cut it
    short as ``el.text`` would)."""
    return "" if el is None else str(el.xpath("string()"))


def _code_guid_of(el: Any, ns: str, where: str, seen: dict[str, str]) -> str:
    """A ``Code`` element's guid: DataError when it has none, or an earlier code (in ``seen``)
    has it."""
    guid = el.get("guid")
    name = el.get("name") or ""
    if not guid:
        raise DataError(
            f"{where}: code {name!r} (line {el.sourceline}) has no guid: REFI-QDA gives every "
            "Code one, and codings refer to codes by it",
            code="not-refi",
        )
    if guid in seen:
        codes = el.getroottree().getroot().iter(f"{{{ns}}}Code")
        other = next(o for o in codes if o.get("guid") == guid)
        raise DataError(
            f"{where}: two codes have the guid {guid!r}: {other.get('name') or ''!r} (line "
            f"{other.sourceline}) and {name!r} (line {el.sourceline}); codings to it could "
            "belong to either: give each code its own guid",
            code="duplicate-id",
        )
    return guid


def _read_codes(parent: Any, ns: str, seen: dict[str, str], where: str) -> list[Code]:
    out = []
    for el in parent.findall(f"{{{ns}}}Code"):
        guid = _code_guid_of(el, ns, where, seen)
        parsed = _parse_description(_text(el.find(f"{{{ns}}}Description")))
        name = el.get("name") or ""
        cid = parsed.get("id") or _slug(name)
        if not _ID_RE.match(cid):
            cid = _slug(cid)
        base, i = cid, 2
        while cid in seen.values():
            cid = f"{base}_{i}"
            i += 1
        seen[guid] = cid
        children = _read_codes(el, ns, seen, where)
        out.append(
            Code(
                id=cid,
                label=name or cid,
                definition=parsed["definition"] or name or cid,
                include=parsed["include"],
                exclude=parsed["exclude"],
                examples=parsed["examples"],
                objectives=[o for o in parsed["objectives"] if o],
                codes=children,
            )
        )
    return out


def _parse_xml(data: bytes, where: str) -> Any:
    from lxml import etree

    # nothing expanded, nothing loaded or fetched: entities stay references, no DTD is read
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise DataError(f"{where}: not well-formed XML: {exc}", code="bad-xml") from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        # an entity reference would stay a node that cuts every text it is in short
        raise DataError(
            f"{where}: DOCTYPE and entity declarations are not allowed in REFI-QDA files "
            f"(the file has {docinfo.doctype[:80]!r}): export it again without them",
            code="bad-xml",
        )
    return root


def _codebook_from_root(
    codes_el: Any, ns: str, origin: str, where: str, **meta: Any
) -> tuple[Codebook, dict[str, str]]:
    seen: dict[str, str] = {}
    codes = _read_codes(codes_el, ns, seen, where)
    if not codes:
        raise DataError(f"{where}: the codebook has no codes", code="empty-codebook")
    m = re.match(rf"^{_ORIGIN}: (\S+) (\S+)$", origin or "")
    stem = _slug(Path(where).stem).replace("_", "-").strip("-") or "codebook"
    cid = meta.get("id") or (m.group(1) if m else stem)
    version = meta.get("version") or (m.group(2) if m else "1.0.0")
    title = meta.get("title") or cid
    return Codebook(id=cid, version=version, title=title, codes=codes), seen


def codebook_from_qdc(
    path: str | Path,
    *,
    id: str | None = None,
    version: str | None = None,
    title: str | None = None,
) -> Codebook:
    """Read a REFI-QDA codebook (``.qdc``), or the codebook of a project (``.qdpx``).

    Parameters
    ----------
    path : str or pathlib.Path
    id, version, title : str, optional
        The codebook's id, version and title (the format has no place for them; defaults: as
        written by :func:`codebook_to_qdc`, else the file name, ``1.0.0`` and the id).

    Returns
    -------
    Codebook
        Code ids come from the ``Code id:`` line of each description, else from the code's name
        (lower case, non-letters as ``_``, made unique). Descriptions written by other tools
        become the definition.

    Raises
    ------
    ArgumentError
        ``path`` is not a str or path.
    DataError
        No such file, or a folder (``missing-file``); a file that cannot be read, or larger
        than 200 MB (``unreadable``); XML not well formed, or with a DOCTYPE (``bad-xml``); not
        a REFI-QDA codebook or project, or a code without a guid (``not-refi``); two codes with
        one guid (``duplicate-id``); no codes (``empty-codebook``).
    """
    p = file_path(path, "codebook_from_qdc: path must be a REFI-QDA codebook (.qdc) or project")
    if p.suffix.lower() == ".qdpx":
        root, _ = _read_project_xml(p, with_texts=False)
        codes_el = root.find(f"{{{PROJECT_NS}}}CodeBook/{{{PROJECT_NS}}}Codes")
        if codes_el is None:
            raise DataError(f"{p}: the project has no codebook", code="empty-codebook")
        cb, _ = _codebook_from_root(
            codes_el,
            PROJECT_NS,
            root.get("origin", ""),
            str(p),
            id=id,
            version=version,
            title=title,
        )
        return cb
    data = file_bytes(p, "codebook_from_qdc reads a REFI-QDA codebook (.qdc)", _MAX_MEMBER + 1)
    if len(data) > _MAX_MEMBER:
        raise DataError(
            f"{p}: more than {_MAX_MEMBER:,} bytes: too large for a codebook", code="unreadable"
        )
    root = _parse_xml(data, str(p))
    if root.tag != f"{{{CODEBOOK_NS}}}CodeBook":
        raise DataError(
            f"{p}: not a REFI-QDA codebook (root element {root.tag!r}, expected CodeBook in "
            f"namespace {CODEBOOK_NS})",
            code="not-refi",
        )
    codes_el = root.find(f"{{{CODEBOOK_NS}}}Codes")
    if codes_el is None:
        raise DataError(f"{p}: the codebook has no Codes element", code="empty-codebook")
    cb, _ = _codebook_from_root(
        codes_el,
        CODEBOOK_NS,
        root.get("origin", ""),
        str(p),
        id=id,
        version=version,
        title=title,
    )
    return cb


# ------------------------------------------------------------------------------ projects


Offsets = Literal["codepoint", "utf16"]


def _check_offsets(offsets: str) -> None:
    if offsets not in ("codepoint", "utf16"):
        raise ConfigurationError(
            f"offsets must be 'codepoint' (the REFI-QDA standard) or 'utf16', not {offsets!r}"
        )


def _utf16_units(text: str) -> list[int]:
    """UTF-16 units before each code point of ``text`` (and after the last): a prefix table."""
    out = [0]
    for ch in text:
        out.append(out[-1] + (2 if ord(ch) > 0xFFFF else 1))
    return out


def _to_codepoint(units: list[int], offset: int) -> int:
    """The code point index at a UTF-16 offset (an offset inside a pair counts as its start)."""
    from bisect import bisect_right

    return max(bisect_right(units, offset) - 1, 0)


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def write_qdpx(
    segments: pd.DataFrame,
    codebook: Codebook,
    path: str | Path,
    sources: Mapping[str, str] | None = None,
    *,
    project: str = "leadership-eval project",
    offsets: Offsets = "codepoint",
) -> Path:
    """Write coded segments as a REFI-QDA project (``.qdpx``).

    Parameters
    ----------
    segments : pandas.DataFrame
        From :func:`~leadership_eval.qualitative.read_segments`.
    codebook : Codebook
    path : str or pathlib.Path
    sources : mapping of source name to full text, optional
        Transcripts. Each segment's text is located in its source's text (in order; a segment
        not found is an error). Without it, each source's text is its segments' texts joined
        by blank lines.
    project : str
        The project's name.
    offsets : {"codepoint", "utf16"}
        How positions are counted: in Unicode code points, as the REFI-QDA standard says (the
        default), or in UTF-16 code units for a program that counts so.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ArgumentError
        ``path`` is not a str or path, or ``project`` not a str.
    DataError
        ``path`` is a folder (``missing-file``) or in a folder that does not exist
        (``no-folder``); the project name, a code's text, or a segment's id, participant,
        role, trust or source holds a character XML cannot hold, or a segment's or source's
        text a lone surrogate UTF-8 cannot encode (``invalid-data``, naming the segment or code
        and the field); and the problems of the segments themselves.

    Notes
    -----
    Positions are offsets in the source's plain text, counted from 0 (REFI-QDA 1.5, section
    10.2: "the first and the last character (Unicode codepoint)"), the end one past the last
    character; the text is written in UTF-8 without a byte-order mark to
    ``sources/<guid>.txt``. Guids are deterministic (``uuid5``) so the same data gives the
    same file apart from the timestamps. The project validates against the standard's schema
    (``Project-mrt2019.xsd``).
    """
    _check_offsets(offsets)
    from lxml import etree

    p = _output_path(path, "write_qdpx", "project.qdpx")
    if not isinstance(project, str):
        raise ArgumentError(
            f"project must be the project's name (a str), not {type(project).__name__}: "
            f"{project!r:.60}"
        )
    _check_chars(project, "name", "project")
    _check_for_export(segments, codebook)
    segs = segments.drop_duplicates("segment_id")
    _check_segment_chars(segs)
    w = _ProjectWriter(project, codebook, segments, offsets)
    source_elements = []
    for source, group in segs.groupby("source", sort=False):
        full, starts = _source_text(source, group, sources)
        source_elements.append(w.source(str(source), group, full, starts))
    cases = etree.SubElement(w.root, f"{w.P}Cases")
    for participant, group in segs.groupby("participant", sort=False):
        w.case(cases, participant, group)
    if not len(cases):
        w.root.remove(cases)
    src_el = etree.SubElement(w.root, f"{w.P}Sources")
    for el in source_elements:
        src_el.append(el)
    xml = etree.tostring(w.root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    with zipfile.ZipFile(p, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", xml)
        for name, data in w.files.items():
            zf.writestr(name, data)
    return p


def _check_for_export(segments: pd.DataFrame, codebook: Codebook) -> None:
    """Every column, every code in the codebook, one participant, role... per segment."""
    if not isinstance(codebook, Codebook):
        raise ConfigurationError("write_qdpx needs a Codebook", code="not-a-codebook")
    check_segments(segments)
    missing = [c for c in SEGMENT_COLUMNS if c not in segments.columns]
    if missing:
        raise DataError(
            f"segments lack column(s) {', '.join(missing)}: pass the frame read_segments returns",
            code="missing-column",
        )
    ids = {c.id for _, c in codebook.walk()}
    unknown = sorted(set(segments["code"]) - ids)
    if unknown:
        raise DataError(
            f"segments use code(s) not in the codebook: {', '.join(unknown)}", code="unknown-code"
        )
    for col in ("participant", "role", "trust", "source", "text"):
        clash = segments.groupby("segment_id")[col].nunique(dropna=False)
        if (clash > 1).any():
            raise DataError(
                f"segment(s) {', '.join(clash[clash > 1].index[:5])} have more than one {col}",
                code="inconsistent-segment",
            )


def _check_segment_chars(segs: pd.DataFrame) -> None:
    """Each segment's id, participant, role, trust and source (XML attributes and text) and its
    text (the source's UTF-8 file) checked for characters that cannot be written there."""
    cols = ["segment_id", "participant", "role", "trust", "source", "text"]
    for values in segs[cols].itertuples(index=False, name=None):
        where = f"segment {values[0]!r} of source {values[4]!r}"
        for col, value in zip(cols, values, strict=True):
            if isinstance(value, str):
                _check_chars(value, col, where, file_text=col == "text")


def _source_text(
    source: Any, group: pd.DataFrame, sources: Mapping[str, str] | None
) -> tuple[str, list[int]]:
    """A source's plain text and where each of its segments starts in it (the segments
    joined by blank lines when no text is given)."""
    texts = group["text"].astype(str).tolist()
    if sources is None:
        full, starts = "", []
        for i, t in enumerate(texts):
            if i:
                full += "\n\n"
            starts.append(len(full))
            full += t
        return full, starts
    if source not in sources:
        raise DataError(f"no text given for source {source!r}", code="missing-source")
    full = str(sources[source])
    _check_chars(full, "the text given", f"source {source!r}", file_text=True)
    starts, pos = [], 0
    for sid, t in zip(group["segment_id"], texts, strict=True):
        at = full.find(t, pos)
        if at < 0:
            at = full.find(t)
        if at < 0:
            raise DataError(
                f"segment {sid!r} is not found in the text of source {source!r}",
                code="segment-not-in-source",
            )
        starts.append(at)
        pos = at + len(t)
    return full, starts


class _ProjectWriter:
    """The XML of a REFI-QDA project: users, codebook, variables, sources, cases."""

    def __init__(
        self, project: str, codebook: Codebook, segments: pd.DataFrame, offsets: Offsets
    ) -> None:
        from lxml import etree

        self.offsets = offsets
        self.now = _now()
        self.P = P = f"{{{PROJECT_NS}}}"
        self.user = user = _guid("user", _ORIGIN)
        self.codes_of = segments.groupby("segment_id", sort=False)["code"].agg(list)
        self.files: dict[str, bytes] = {}
        self.sel_guid: dict[str, str] = {}
        self.root = root = etree.Element(
            f"{P}Project",
            nsmap={None: PROJECT_NS},
            name=project,
            origin=_origin(codebook),
            creatingUserGUID=user,
            creationDateTime=self.now,
        )
        users = etree.SubElement(root, f"{P}Users")
        etree.SubElement(users, f"{P}User", guid=user, name=_ORIGIN)
        cbe = etree.SubElement(root, f"{P}CodeBook")
        codes_el = etree.SubElement(cbe, f"{P}Codes")
        lossy: list[str] = []
        _code_elements(codes_el, codebook.codes, f"{P}Code", lossy)
        _warn_lossy(lossy)
        variables = etree.SubElement(root, f"{P}Variables")
        self.var_guid = {}
        for name in ("role", "trust"):
            self.var_guid[name] = _guid("variable", name)
            etree.SubElement(
                variables,
                f"{P}Variable",
                guid=self.var_guid[name],
                name=name,
                typeOfVariable="Text",
            )

    def source(self, source: str, group: pd.DataFrame, full: str, starts: list[int]) -> Any:
        """A text source and its coded selections."""
        from lxml import etree

        P, user, now = self.P, self.user, self.now
        sguid = _guid("source", source)
        self.files[f"sources/{sguid}.txt"] = full.encode("utf-8")
        el = etree.Element(
            f"{P}TextSource",
            guid=sguid,
            name=source,
            plainTextPath=f"internal://{sguid}.txt",
            creatingUser=user,
            creationDateTime=now,
        )
        units = _utf16_units(full) if self.offsets == "utf16" else None
        texts = group["text"].astype(str).tolist()
        for sid, t, start in zip(group["segment_id"], texts, starts, strict=True):
            g = _guid("selection", str(sid))
            self.sel_guid[str(sid)] = g
            end = start + len(t)
            if units is not None:
                start, end = units[start], units[end]
            sel = etree.SubElement(
                el,
                f"{P}PlainTextSelection",
                guid=g,
                name=str(sid),
                startPosition=str(start),
                endPosition=str(end),
                creatingUser=user,
                creationDateTime=now,
            )
            for code in self.codes_of[sid]:
                coding = etree.SubElement(
                    sel,
                    f"{P}Coding",
                    guid=_guid("coding", f"{sid}/{code}"),
                    creatingUser=user,
                    creationDateTime=now,
                )
                etree.SubElement(coding, f"{P}CodeRef", targetGUID=code_guid(code))
        return el

    def case(self, cases: Any, participant: Any, group: pd.DataFrame) -> None:
        """A participant: their role and trust, their sources and selections."""
        import pandas as pd
        from lxml import etree

        P = self.P
        case = etree.SubElement(
            cases, f"{P}Case", guid=_guid("case", str(participant)), name=str(participant)
        )
        for name in ("role", "trust"):
            vals = group[name].dropna().unique()
            if len(vals) > 1:
                raise DataError(
                    f"participant {participant!r} has more than one {name}: {list(vals)}",
                    code="inconsistent-participant",
                )
            if len(vals):
                vv = etree.SubElement(case, f"{P}VariableValue")
                etree.SubElement(vv, f"{P}VariableRef", targetGUID=self.var_guid[name])
                etree.SubElement(vv, f"{P}TextValue").text = str(vals[0])
        for src in pd.unique(group["source"]):
            etree.SubElement(case, f"{P}SourceRef", targetGUID=_guid("source", str(src)))
        for sid in group["segment_id"]:
            etree.SubElement(case, f"{P}SelectionRef", targetGUID=self.sel_guid[str(sid)])


def _member_key(name: str) -> str:
    """A path in the archive as references name it: ``/`` separators, no leading ``/`` or
    ``./``, lower case (REFI-QDA tools differ in case)."""
    return posixpath.normpath("/" + name.replace("\\", "/")).lstrip("/").lower()


class _Archive:
    """The members of an open ``.qdpx``, found by the path a source gives and read only when
    asked, each after its size (from the archive's directory) is checked."""

    def __init__(self, zf: zipfile.ZipFile, path: Path) -> None:
        self.zf, self.path, self.total = zf, path, 0
        self.by_key: dict[str, list[zipfile.ZipInfo]] = {}
        for info in zf.infolist():
            if not info.is_dir():
                self.by_key.setdefault(_member_key(info.filename), []).append(info)

    def read(self, info: zipfile.ZipInfo) -> bytes:
        """A member's bytes; DataError (``unreadable``) when it, or all read, is too large."""
        size = info.file_size
        if size > _MAX_MEMBER:
            raise DataError(
                f"{self.path}: member {info.filename} holds {size:,} bytes, more than the "
                f"{_MAX_MEMBER:,} read from one member of a REFI-QDA project",
                code="unreadable",
            )
        if self.total + size > _MAX_TOTAL:
            raise DataError(
                f"{self.path}: member {info.filename} ({size:,} bytes) takes what is read past "
                f"{_MAX_TOTAL:,} bytes in total",
                code="unreadable",
            )
        self.total += size
        return self.zf.read(info)

    def find(self, ref: str, sname: str) -> zipfile.ZipInfo | None:
        """The member a source's ``plainTextPath`` names: ``internal://x`` is ``sources/x`` (or
        ``x``); else the one member with that file name. DataError when two members match."""
        rest = ref.split("://", 1)[-1]
        if not rest:
            return None
        hits: list[zipfile.ZipInfo] = []
        if ref.lower().startswith("internal://"):
            keys = [_member_key(f"sources/{rest}"), _member_key(rest)]
            hits = next((self.by_key[k] for k in keys if k in self.by_key), [])
        if not hits:
            base = _member_key(rest).rsplit("/", 1)[-1]
            hits = [
                i for k, infos in self.by_key.items() if k.rsplit("/", 1)[-1] == base for i in infos
            ]
        if len(hits) > 1:
            raise DataError(
                f"{self.path}: the text of source {sname!r} ({ref}) could be any of the members "
                f"{', '.join(i.filename for i in hits)}: keep only one",
                code="missing-source",
            )
        return hits[0] if hits else None


def _inline_text(src: Any) -> str | None:
    """A text source's inline ``PlainTextContent``, if it has any."""
    content = src.find(f"{{{PROJECT_NS}}}PlainTextContent")
    text = _text(content)
    return text if content is not None and text else None


def _archive_texts(archive: _Archive, root: Any) -> dict[str, tuple[str, bytes]]:
    """The member and bytes of each ``plainTextPath`` a source without inline text names."""
    texts: dict[str, tuple[str, bytes]] = {}
    for src in root.iter(f"{{{PROJECT_NS}}}TextSource"):
        ref = src.get("plainTextPath") or ""
        if ref in texts or _inline_text(src) is not None:
            continue
        info = archive.find(ref, src.get("name") or src.get("guid"))
        if info is not None:
            texts[ref] = (info.filename, archive.read(info))
    return texts


def _read_project_xml(
    path: Path, with_texts: bool = True
) -> tuple[Any, dict[str, tuple[str, bytes]]]:
    """A project's XML root and (``with_texts``) the source texts it refers to, by path."""
    # no such file, a folder, unreadable: said as every reader of the library says it
    file_bytes(path, "a REFI-QDA project (.qdpx)", limit=0)
    try:
        with zipfile.ZipFile(path) as zf:
            archive = _Archive(zf, path)
            qde = [i for i in zf.infolist() if i.filename.lower().endswith(".qde")]
            if not qde:
                raise DataError(f"{path}: no project.qde inside the archive", code="not-refi")
            root = _parse_xml(archive.read(qde[0]), f"{path}:{qde[0].filename}")
            if root.tag != f"{{{PROJECT_NS}}}Project":
                raise DataError(
                    f"{path}: not a REFI-QDA project (root {root.tag!r}, expected Project in "
                    f"{PROJECT_NS})",
                    code="not-refi",
                )
            texts = _archive_texts(archive, root) if with_texts else {}
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError) as exc:
        raise DataError(
            f"{path}: not a readable .qdpx (zip) file: {exc}", code="unreadable"
        ) from exc
    except RuntimeError as exc:  # zipfile: an encrypted member
        raise DataError(f"{path}: cannot be read: {exc}", code="unreadable") from exc
    return root, texts


def read_qdpx(
    path: str | Path, codebook: Codebook | None = None, *, offsets: Offsets = "codepoint"
) -> pd.DataFrame:
    """Read the coded text segments of a REFI-QDA project (``.qdpx``).

    Parameters
    ----------
    path : str or pathlib.Path
    codebook : Codebook, optional
        Map the project's codes to this codebook's ids (by guid, then by ``Code id:`` in the
        description, then by label); a code that matches none is an error. Without it, ids come
        from the project's own codebook (see :func:`codebook_from_qdc`).
    offsets : {"codepoint", "utf16"}
        How the file counts positions: Unicode code points as the standard says (the default),
        or UTF-16 code units, as some programs write them (each emoji then counts twice).

    Returns
    -------
    pandas.DataFrame
        The segment frame of :func:`~leadership_eval.qualitative.read_segments`, in document
        order (sources in order, selections by position, codings in order): ``segment_id``
        (the selection's name, else its guid), ``participant`` (the case that refers to the
        selection or its source, else the source name), ``role`` and ``trust`` (the case's
        variables of those names; NA if absent), ``source`` (the source's name), ``code``,
        ``theme``, ``text`` (the selected characters of the source's plain text).
        Selections without codings are left out, and a
        :class:`~leadership_eval.errors.DataWarning` says how many. The archive's members are
        read only when a source names them (``internal://x`` is ``sources/x``, in any case).

    Raises
    ------
    ArgumentError
        ``path`` is not a str or path.
    DataError
        No such file, or a folder (``missing-file``); not a zip, or a member larger than 200 MB
        (or all read together) (``unreadable``); no ``project.qde`` (``not-refi``); XML not well
        formed, or with a DOCTYPE (``bad-xml``); a code without a guid (``not-refi``) or two
        with one guid (``duplicate-id``); a source's text missing, or two members it could be
        (``missing-source``), or neither UTF-8 nor UTF-16 with a byte-order mark
        (``not-utf8``); a selection whose position is not a whole number, that ends before it
        starts or lies outside its text (``bad-selection``); or (with ``codebook``) codes it
        does not know (``unknown-code``).

    Warns
    -----
    DataWarning
        Selections without codings, left out; selections that share their name with another
        passage: the first keeps it as ``segment_id``, the next get ``name_2``, ``name_3``...
        (every passage is kept).
    """
    import pandas as pd

    _check_offsets(offsets)
    p = file_path(path, "read_qdpx: path must be a REFI-QDA project (.qdpx)")
    root, texts = _read_project_xml(p)
    P = f"{{{PROJECT_NS}}}"
    codes_el = root.find(f"{P}CodeBook/{P}Codes")
    if codes_el is None:
        raise DataError(f"{p}: the project has no codebook", code="empty-codebook")
    own, guid_to_id = _codebook_from_root(codes_el, PROJECT_NS, root.get("origin", ""), str(p))
    cb = own
    if codebook is not None:
        guid_to_id = _mapped_codes(codebook, codes_el, guid_to_id, p)
        cb = codebook
    theme_of = {c.id: t.id for t in cb.codes for _, c in t.walk()}
    reader = _ProjectReader(root, texts, p, offsets)
    rows = reader.rows(guid_to_id, theme_of)
    frame = pd.DataFrame(rows, columns=SEGMENT_COLUMNS)
    # the same passage coded twice alike is one row; passages apart have their own ids
    frame = frame[~frame.duplicated(["segment_id", "code", "source", "text"])]
    if reader.uncoded:
        warnings.warn(
            f"{path}: {reader.uncoded} selection(s) without a coding left out",
            DataWarning,
            stacklevel=2,
        )
    if reader.renamed:
        warnings.warn(
            f"{path}: {len(reader.renamed)} selection(s) share their name with another passage "
            "and have new segment ids (every passage is kept): "
            + "; ".join(reader.renamed[:10])
            + ("; ..." if len(reader.renamed) > 10 else ""),
            DataWarning,
            stacklevel=2,
        )
    return tidy_segments(frame)


class _ProjectReader:
    """The rows of a project's coded selections, source by source, by position."""

    def __init__(
        self, root: Any, texts: dict[str, tuple[str, bytes]], p: Path, offsets: Offsets
    ) -> None:
        self.root, self.texts, self.p, self.offsets = root, texts, p, offsets
        self.cases = _Cases(root)
        self.uncoded = 0
        self.renamed: list[str] = []
        self.taken = {
            s.get("name") or s.get("guid") for s in root.iter(f"{{{PROJECT_NS}}}PlainTextSelection")
        }
        self.span_of: dict[str, tuple[Any, int, int]] = {}

    def segment_id(self, sel: Any, sname: str, start: int, end: int) -> str:
        """The selection's name (else guid); a second passage of that name gets ``name_2``..."""
        name = sel.get("name") or sel.get("guid") or f"{sname}@{start}-{end}"
        if self.span_of.setdefault(name, (sname, start, end)) == (sname, start, end):
            return str(name)
        i = 2
        while f"{name}_{i}" in self.taken:
            i += 1
        new = f"{name}_{i}"
        self.taken.add(new)
        self.span_of[new] = (sname, start, end)
        self.renamed.append(f"{name!r} at {start}-{end} in source {sname!r} is now {new!r}")
        return new

    def rows(self, guid_to_id: dict[str, str], theme_of: dict[str, str]) -> list[dict[str, Any]]:
        """One row per selection and coding, in document order."""
        P, p, cases = f"{{{PROJECT_NS}}}", self.p, self.cases
        rows: list[dict[str, Any]] = []
        for src in self.root.iter(f"{P}TextSource"):
            sname = src.get("name") or src.get("guid")
            full = _source_content(src, self.texts, p)
            units = _utf16_units(full) if self.offsets == "utf16" else None
            sels = [(_positions(s, sname, p), s) for s in src.findall(f"{P}PlainTextSelection")]
            for (start, end), sel in sorted(sels, key=lambda t: t[0]):
                start, end = _selection_span(sel, start, end, full, units, sname, p)
                codings = sel.findall(f"{P}Coding/{P}CodeRef")
                if not codings:
                    self.uncoded += 1
                    continue
                owner: str | None = cases.of_selection.get(sel.get("guid")) or cases.of_source.get(
                    src.get("guid")
                )
                vals = cases.variables.get(owner or "", {})
                sid = self.segment_id(sel, sname, start, end)
                for ref in codings:
                    code_id = guid_to_id.get(ref.get("targetGUID"))
                    if code_id is None:
                        raise DataError(
                            f"{p}: a coding refers to a code guid not in the codebook "
                            f"({ref.get('targetGUID')})",
                            code="unknown-code",
                        )
                    rows.append(
                        {
                            "segment_id": sid,
                            "participant": owner or sname,
                            "role": vals.get("role"),
                            "trust": vals.get("trust"),
                            "source": sname,
                            "code": code_id,
                            "theme": theme_of.get(code_id),
                            "text": full[start:end],
                        }
                    )
        return rows


def _mapped_codes(
    codebook: Codebook, codes_el: Any, guid_to_id: dict[str, str], p: Path
) -> dict[str, str]:
    """The project's code guids mapped to ``codebook``'s ids (by guid, id, then label)."""
    P = f"{{{PROJECT_NS}}}"
    ids = {c.id for _, c in codebook.walk()}
    by_guid = {code_guid(i): i for i in ids}
    by_label = {text_in(c.label).lower(): c.id for _, c in codebook.walk()}
    names = {el.get("guid"): el.get("name", "") for el in codes_el.iter(f"{P}Code")}
    mapped, unmatched = {}, []
    for g, cid in guid_to_id.items():
        target = by_guid.get(g) or (cid if cid in ids else None)
        target = target or by_label.get(names.get(g, "").lower())
        if target is None:
            unmatched.append(names.get(g) or cid)
        mapped[g] = target
    if unmatched:
        raise DataError(
            f"{p}: code(s) not in the codebook {codebook.id!r}: {', '.join(unmatched[:20])}",
            code="unknown-code",
        )
    return mapped  # type: ignore[return-value]


class _Cases:
    """Each case's variables, and the case of each source and selection it refers to."""

    def __init__(self, root: Any) -> None:
        P = f"{{{PROJECT_NS}}}"
        var_names = {v.get("guid"): v.get("name") for v in root.iter(f"{P}Variable")}
        self.of_source: dict[str, str] = {}
        self.of_selection: dict[str, str] = {}
        self.variables: dict[str, dict[str, str]] = {}
        for case in root.iter(f"{P}Case"):
            name = case.get("name") or case.get("guid")
            vals = {}
            for vv in case.findall(f"{P}VariableValue"):
                ref = vv.find(f"{P}VariableRef")
                tv = vv.find(f"{P}TextValue")
                if ref is not None and tv is not None:
                    vals[var_names.get(ref.get("targetGUID"), "")] = tv.text or ""
            self.variables[name] = vals
            for ref in case.findall(f"{P}SourceRef"):
                self.of_source.setdefault(ref.get("targetGUID"), name)
            for ref in case.findall(f"{P}SelectionRef"):
                self.of_selection[ref.get("targetGUID")] = name


def _source_content(src: Any, texts: dict[str, tuple[str, bytes]], p: Path) -> str:
    """A text source's plain text: inline, or the file in the archive it points to (UTF-8, or
    UTF-16 with a byte-order mark)."""
    inline = _inline_text(src)
    if inline is not None:
        return inline
    ref = src.get("plainTextPath") or ""
    sname = src.get("name") or src.get("guid")
    if ref not in texts:
        raise DataError(
            f"{p}: the text of source {sname!r} ({ref}) is missing", code="missing-source"
        )
    member, data = texts[ref]
    bom, encoding = next(((b, e) for b, e in _BOMS if data.startswith(b)), (b"", "utf-8"))
    try:
        return data[len(bom) :].decode(encoding)
    except UnicodeDecodeError as exc:
        at = len(bom) + exc.start
        raise DataError(
            f"{p}: the text of source {sname!r} ({member}) is not "
            f"{'UTF-8' if encoding == 'utf-8' else 'valid UTF-16'}: byte {at} (0x{data[at]:02x}) "
            "cannot be decoded; save it as UTF-8",
            code="not-utf8",
        ) from None


def _position(sel: Any, attr: str, sname: str, p: Path) -> int:
    """A selection's ``startPosition`` or ``endPosition``: DataError unless a whole number."""
    value = sel.get(attr)
    if value is None or not _WHOLE_RE.fullmatch(value):
        name = sel.get("name") or sel.get("guid")
        raise DataError(
            f"{p}: selection {name!r} in source {sname!r}: {attr} {value!r} is not a whole number",
            code="bad-selection",
        )
    return int(value)


def _positions(sel: Any, sname: str, p: Path) -> tuple[int, int]:
    return _position(sel, "startPosition", sname, p), _position(sel, "endPosition", sname, p)


def _selection_span(
    sel: Any, start: int, end: int, full: str, units: list[int] | None, sname: str, p: Path
) -> tuple[int, int]:
    """A selection's start and end in code points (from UTF-16 units when so counted)."""
    name = sel.get("name") or sel.get("guid")
    if end < start:
        raise DataError(
            f"{p}: selection {name!r} in source {sname!r} ends ({end}) before it starts ({start})",
            code="bad-selection",
        )
    if units is not None:
        if not 0 <= start <= end <= units[-1]:
            start, end = -1, -1
        else:
            start, end = _to_codepoint(units, start), _to_codepoint(units, end)
    if not 0 <= start <= end <= len(full):
        raise DataError(
            f"{p}: selection {name!r} ({start}-{end}) "
            f"lies outside source {sname!r} ({len(full)} characters)",
            code="bad-selection",
        )
    return start, end
