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

import re
import uuid
import warnings
import zipfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .errors import ConfigurationError, DataError
from .instruments.models import Code, Codebook, text_in

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


def code_guid(code_id: str) -> str:
    """The stable REFI guid of a code: ``uuid5`` of the library's namespace and the code id.

    >>> from leadership_eval.qualitative_refi import code_guid
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


def _code_elements(parent: Any, codes: list[Code], tag: str, lossy: list[str]) -> None:
    from lxml import etree

    for code in codes:
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
    >>> from leadership_eval.qualitative_refi import codebook_to_qdc, codebook_from_qdc
    >>> cb = load_instrument("clm-codebook")
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     back = codebook_from_qdc(codebook_to_qdc(cb, pathlib.Path(tmp) / "cb.qdc"))
    >>> back.codes == cb.codes, back.id, back.version
    (True, 'clm-codebook', '2.0.0')
    """
    from lxml import etree

    if not isinstance(codebook, Codebook):
        raise ConfigurationError("codebook_to_qdc needs a Codebook", code="not-a-codebook")
    root = etree.Element(
        f"{{{CODEBOOK_NS}}}CodeBook",
        nsmap={None: CODEBOOK_NS},
        origin=f"{_ORIGIN}: {codebook.id} {codebook.version}",
    )
    codes = etree.SubElement(root, f"{{{CODEBOOK_NS}}}Codes")
    lossy: list[str] = []
    _code_elements(codes, codebook.codes, f"{{{CODEBOOK_NS}}}Code", lossy)
    _warn_lossy(lossy)
    p = Path(path)
    p.write_bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True))
    return p


def _slug(name: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    if not s or not s[0].isalpha():
        s = "c_" + s
    return s[:64]


def _read_codes(parent: Any, ns: str, seen: dict[str, str]) -> list[Code]:
    out = []
    for el in parent.findall(f"{{{ns}}}Code"):
        desc_el = el.find(f"{{{ns}}}Description")
        parsed = _parse_description(desc_el.text if desc_el is not None else "")
        name = el.get("name") or ""
        cid = parsed.get("id") or _slug(name)
        if not _ID_RE.match(cid):
            cid = _slug(cid)
        base, i = cid, 2
        while cid in seen.values():
            cid = f"{base}_{i}"
            i += 1
        seen[el.get("guid", cid)] = cid
        children = _read_codes(el, ns, seen)
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

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise DataError(f"{where}: not well-formed XML: {exc}", code="bad-xml") from exc


def _codebook_from_root(
    codes_el: Any, ns: str, origin: str, where: str, **meta: Any
) -> tuple[Codebook, dict[str, str]]:
    seen: dict[str, str] = {}
    codes = _read_codes(codes_el, ns, seen)
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
    """
    p = Path(path)
    if p.suffix.lower() == ".qdpx":
        root, _ = _read_project_xml(p)
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
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise DataError(f"{p}: cannot read: {exc}", code="unreadable") from exc
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
    import pandas as pd
    from lxml import etree

    from .qualitative import SEGMENT_COLUMNS, _check_segments

    _check_segments(segments)
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
    segs = segments.drop_duplicates("segment_id")
    for col in ("participant", "role", "trust", "source", "text"):
        clash = segments.groupby("segment_id")[col].nunique(dropna=False)
        if (clash > 1).any():
            raise DataError(
                f"segment(s) {', '.join(clash[clash > 1].index[:5])} have more than one {col}",
                code="inconsistent-segment",
            )
    codes_of = segments.groupby("segment_id", sort=False)["code"].agg(list)
    now = _now()
    P = f"{{{PROJECT_NS}}}"
    user = _guid("user", _ORIGIN)
    root = etree.Element(
        f"{P}Project",
        nsmap={None: PROJECT_NS},
        name=project,
        origin=f"{_ORIGIN}: {codebook.id} {codebook.version}",
        creatingUserGUID=user,
        creationDateTime=now,
    )
    users = etree.SubElement(root, f"{P}Users")
    etree.SubElement(users, f"{P}User", guid=user, name=_ORIGIN)
    cbe = etree.SubElement(root, f"{P}CodeBook")
    codes_el = etree.SubElement(cbe, f"{P}Codes")
    lossy: list[str] = []
    _code_elements(codes_el, codebook.codes, f"{P}Code", lossy)
    _warn_lossy(lossy)
    variables = etree.SubElement(root, f"{P}Variables")
    var_guid = {}
    for name in ("role", "trust"):
        var_guid[name] = _guid("variable", name)
        etree.SubElement(
            variables, f"{P}Variable", guid=var_guid[name], name=name, typeOfVariable="Text"
        )
    # sources and selections
    files: dict[str, bytes] = {}
    source_elements = []
    sel_guid: dict[str, str] = {}
    for source, group in segs.groupby("source", sort=False):
        sguid = _guid("source", str(source))
        texts = group["text"].astype(str).tolist()
        if sources is not None:
            if source not in sources:
                raise DataError(f"no text given for source {source!r}", code="missing-source")
            full = str(sources[source])
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
        else:
            full, starts, pos = "", [], 0
            for i, t in enumerate(texts):
                if i:
                    full += "\n\n"
                starts.append(len(full))
                full += t
        files[f"sources/{sguid}.txt"] = full.encode("utf-8")
        el = etree.Element(
            f"{P}TextSource",
            guid=sguid,
            name=str(source),
            plainTextPath=f"internal://{sguid}.txt",
            creatingUser=user,
            creationDateTime=now,
        )
        units = _utf16_units(full) if offsets == "utf16" else None
        for sid, t, start in zip(group["segment_id"], texts, starts, strict=True):
            g = _guid("selection", str(sid))
            sel_guid[str(sid)] = g
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
            for code in codes_of[sid]:
                coding = etree.SubElement(
                    sel,
                    f"{P}Coding",
                    guid=_guid("coding", f"{sid}/{code}"),
                    creatingUser=user,
                    creationDateTime=now,
                )
                etree.SubElement(coding, f"{P}CodeRef", targetGUID=code_guid(code))
        source_elements.append(el)
    cases = etree.SubElement(root, f"{P}Cases")
    for participant, group in segs.groupby("participant", sort=False):
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
                etree.SubElement(vv, f"{P}VariableRef", targetGUID=var_guid[name])
                etree.SubElement(vv, f"{P}TextValue").text = str(vals[0])
        for src in pd.unique(group["source"]):
            etree.SubElement(case, f"{P}SourceRef", targetGUID=_guid("source", str(src)))
        for sid in group["segment_id"]:
            etree.SubElement(case, f"{P}SelectionRef", targetGUID=sel_guid[str(sid)])
    if not len(cases):
        root.remove(cases)
    src_el = etree.SubElement(root, f"{P}Sources")
    for el in source_elements:
        src_el.append(el)
    p = Path(path)
    xml = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    with zipfile.ZipFile(p, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", xml)
        for name, data in files.items():
            zf.writestr(name, data)
    return p


def _read_project_xml(path: Path) -> tuple[Any, dict[str, bytes]]:
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            qde = [n for n in names if n.lower().endswith(".qde")]
            if not qde:
                raise DataError(f"{path}: no project.qde inside the archive", code="not-refi")
            root = _parse_xml(zf.read(qde[0]), f"{path}:{qde[0]}")
            texts = {
                n.rsplit("/", 1)[-1].lower(): zf.read(n)
                for n in names
                if n.lower().endswith(".txt")
            }
    except (OSError, zipfile.BadZipFile) as exc:
        raise DataError(
            f"{path}: not a readable .qdpx (zip) file: {exc}", code="unreadable"
        ) from exc
    if root.tag != f"{{{PROJECT_NS}}}Project":
        raise DataError(
            f"{path}: not a REFI-QDA project (root {root.tag!r}, expected Project in {PROJECT_NS})",
            code="not-refi",
        )
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
        Selections without codings are left out; ``frame.attrs["uncoded"]`` counts them.

    Raises
    ------
    DataError
        Not a zip, no ``project.qde``, malformed XML, a source's text missing, a selection
        outside its text, or (with ``codebook``) codes it does not know.
    """
    import pandas as pd

    from .qualitative import SEGMENT_COLUMNS, _tidy

    _check_offsets(offsets)
    p = Path(path)
    root, texts = _read_project_xml(p)
    P = f"{{{PROJECT_NS}}}"
    codes_el = root.find(f"{P}CodeBook/{P}Codes")
    if codes_el is None:
        raise DataError(f"{p}: the project has no codebook", code="empty-codebook")
    own, guid_to_id = _codebook_from_root(codes_el, PROJECT_NS, root.get("origin", ""), str(p))
    if codebook is not None:
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
        guid_to_id = mapped  # type: ignore[assignment]
        cb = codebook
    else:
        cb = own
    theme_of = {c.id: t.id for t in cb.codes for _, c in t.walk()}
    var_names = {v.get("guid"): v.get("name") for v in root.iter(f"{P}Variable")}
    case_of_source: dict[str, str] = {}
    case_of_sel: dict[str, str] = {}
    case_vars: dict[str, dict[str, str]] = {}
    for case in root.iter(f"{P}Case"):
        name = case.get("name") or case.get("guid")
        vals = {}
        for vv in case.findall(f"{P}VariableValue"):
            ref = vv.find(f"{P}VariableRef")
            tv = vv.find(f"{P}TextValue")
            if ref is not None and tv is not None:
                vals[var_names.get(ref.get("targetGUID"), "")] = tv.text or ""
        case_vars[name] = vals
        for ref in case.findall(f"{P}SourceRef"):
            case_of_source.setdefault(ref.get("targetGUID"), name)
        for ref in case.findall(f"{P}SelectionRef"):
            case_of_sel[ref.get("targetGUID")] = name
    rows: list[dict[str, Any]] = []
    uncoded = 0
    for src in root.iter(f"{P}TextSource"):
        sname = src.get("name") or src.get("guid")
        content = src.find(f"{P}PlainTextContent")
        if content is not None and content.text is not None:
            full = content.text
        else:
            ref = (src.get("plainTextPath") or "").replace("internal://", "")
            key = ref.rsplit("/", 1)[-1].lower()
            if key not in texts:
                raise DataError(
                    f"{p}: the text of source {sname!r} ({ref}) is missing", code="missing-source"
                )
            full = texts[key].decode("utf-8-sig")
        sels = sorted(
            src.findall(f"{P}PlainTextSelection"),
            key=lambda e: (int(e.get("startPosition", 0)), int(e.get("endPosition", 0))),
        )
        units = _utf16_units(full) if offsets == "utf16" else None
        for sel in sels:
            start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
            if units is not None:
                if not 0 <= start <= end <= units[-1]:
                    start, end = -1, -1
                else:
                    start, end = _to_codepoint(units, start), _to_codepoint(units, end)
            if not 0 <= start <= end <= len(full):
                raise DataError(
                    f"{p}: selection {sel.get('name') or sel.get('guid')!r} ({start}-{end}) "
                    f"lies outside source {sname!r} ({len(full)} characters)",
                    code="bad-selection",
                )
            codings = sel.findall(f"{P}Coding/{P}CodeRef")
            if not codings:
                uncoded += 1
                continue
            owner: str | None = case_of_sel.get(sel.get("guid")) or case_of_source.get(
                src.get("guid")
            )
            vals = case_vars.get(owner or "", {})
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
                        "segment_id": sel.get("name") or sel.get("guid"),
                        "participant": owner or sname,
                        "role": vals.get("role"),
                        "trust": vals.get("trust"),
                        "source": sname,
                        "code": code_id,
                        "theme": theme_of.get(code_id),
                        "text": full[start:end],
                    }
                )
    frame = pd.DataFrame(rows, columns=SEGMENT_COLUMNS)
    frame = frame[~frame.duplicated(["segment_id", "code"])]
    out = _tidy(frame)
    out.attrs["uncoded"] = uncoded
    return out
