"""Coded interview segments: reading them and checking every code against the codebook.

Interview transcripts are coded (in a CAQDAS tool, or a spreadsheet) against the evaluation's
codebook; :func:`read_segments` reads the coded segments (CSV or a frame) into the tidy segment
frame (:data:`SEGMENT_COLUMNS`, one row per segment and code) that the theme summaries and the
REFI-QDA export take.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConfigurationError, DataError, did_you_mean
from ..instruments.models import Codebook, text_in

__all__ = ["SEGMENT_COLUMNS", "check_segments", "load_codebook", "read_segments", "tidy_segments"]

SEGMENT_COLUMNS = ["segment_id", "participant", "role", "trust", "source", "code", "theme", "text"]
"""Columns of the tidy segment frame (one row per segment and code)."""

_REQUIRED = ("participant", "role", "trust", "codes", "text")


def load_codebook(codebook: Codebook | str | Path | None) -> Codebook:
    if isinstance(codebook, Codebook):
        return codebook
    from ..instruments.loader import load_instrument

    inst = load_instrument("clm-codebook" if codebook is None else codebook)
    if not isinstance(inst, Codebook):
        raise ConfigurationError(f"{codebook!s} is not a codebook", code="not-a-codebook")
    return inst


def _as_text(series: pd.Series) -> pd.Series:
    """Strings with surrounding space stripped; NA (and empty) stays NA."""
    out = series.astype(object).map(lambda v: str(v).strip(), na_action="ignore")
    out = out.where(out.notna() & (out != ""), None)
    return out.astype("str").where(out.notna(), None)


def read_segments(
    path_or_frame: str | Path | pd.DataFrame,
    codebook: Codebook | str | Path | None = None,
) -> pd.DataFrame:
    """Read coded interview segments and check them against the codebook.

    Parameters
    ----------
    path_or_frame : str, pathlib.Path or pandas.DataFrame
        A CSV file (UTF-8) or a frame with one row per coded segment and the columns
        ``participant`` (pseudonym), ``role`` (``trainee``, ``supervisor``, ``manager``,
        ``mentor``...), ``trust``, ``codes`` (code ids separated by ``;``) and ``text``;
        optionally ``segment_id`` (default ``S0001``... in row order) and ``source`` (the
        transcript; default the participant's pseudonym).
    codebook : Codebook, path or bundled id, optional
        The codebook the segments were coded with (default: the bundled ``clm-codebook``).

    Returns
    -------
    pandas.DataFrame
        One row per segment and code, in input order (:data:`SEGMENT_COLUMNS`):
        ``segment_id``, ``participant``, ``role`` (lower case), ``trust``, ``source``, ``code``,
        ``theme`` (the code's top-level theme), ``text``. A code repeated within one segment is
        kept once.

    Raises
    ------
    DataError
        ``invalid-segments``, listing EVERY problem (missing columns, empty required values,
        a segment with no codes, unknown code ids with a did-you-mean, repeated segment ids);
        ``failure_cases`` has ``row``, ``column``, ``problem``, ``value``. No row is dropped
        silently: the frame is returned only when every row is usable.

    Examples
    --------
    >>> import pandas as pd
    >>> from leadership_eval.qualitative import read_segments
    >>> rows = pd.DataFrame({"participant": ["P01", "P02"], "role": ["Trainee", "manager"],
    ...                      "trust": ["t03", "t03"],
    ...                      "codes": ["act_brokering; lead_identity", "ctx_culture"],
    ...                      "text": ["She put me in touch with the QI lead.", "It is hard."]})
    >>> read_segments(rows)[["segment_id", "role", "code", "theme"]]
      segment_id     role           code              theme
    0      S0001  trainee  act_brokering  mentor_activities
    1      S0001  trainee  lead_identity      understanding
    2      S0002  manager    ctx_culture            context
    """
    cb = load_codebook(codebook)
    raw, where = _raw_segments(path_or_frame)
    problems: list[dict[str, Any]] = []
    cols = {c: _as_text(raw[c]) for c in _REQUIRED}
    for c in ("participant", "role", "trust", "text"):
        for r in np.flatnonzero(cols[c].isna().to_numpy()):
            problems.append({"row": int(r), "column": c, "problem": "empty", "value": None})
    seg_id = (
        _as_text(raw["segment_id"])
        if "segment_id" in raw.columns
        else pd.Series([None] * len(raw), dtype=object)
    )
    default_ids = pd.Series([f"S{i + 1:04d}" for i in range(len(raw))])
    seg_id = seg_id.where(seg_id.notna(), default_ids)
    dup = seg_id.duplicated(keep=False)
    for r in np.flatnonzero(dup.to_numpy()):
        problems.append(
            {"row": int(r), "column": "segment_id", "problem": "repeated", "value": seg_id[r]}
        )
    source = _as_text(raw["source"]) if "source" in raw.columns else cols["participant"]
    source = source.where(source.notna(), cols["participant"])
    long, unknown = _segment_codes(cols["codes"], cb, problems)
    if problems:
        raise _segment_problems(problems, where, sorted(set(unknown)))
    theme_of = {c.id: t.id for t in cb.codes for _, c in t.walk()}
    base = pd.DataFrame(
        {
            "segment_id": seg_id.astype("str"),
            "participant": cols["participant"],
            "role": cols["role"].str.lower(),
            "trust": cols["trust"],
            "source": source.astype("str"),
            "text": cols["text"],
        }
    )
    frame = base.loc[long.index].assign(code=long.to_numpy())
    frame = frame[~frame.duplicated(["segment_id", "code"])]
    frame["theme"] = frame["code"].map(theme_of)
    return tidy_segments(frame)


def _raw_segments(path_or_frame: Any) -> tuple[pd.DataFrame, str]:
    """The segments as text, with lower-case column names and the required columns."""
    if isinstance(path_or_frame, pd.DataFrame):
        raw = path_or_frame.copy()
        where = "segments"
    else:
        p = Path(path_or_frame)
        where = str(p)
        try:
            raw = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8")
        except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
            raise DataError(f"{p}: cannot read coded segments: {exc}", code="unreadable") from exc
        except pd.errors.EmptyDataError as exc:
            raise DataError(f"{p}: the file is empty", code="empty-file") from exc
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    missing_cols = [c for c in _REQUIRED if c not in raw.columns]
    if missing_cols:
        hints = "".join(did_you_mean(c, raw.columns) for c in missing_cols)
        raise DataError(
            f"{where}: missing column(s) {', '.join(missing_cols)}{hints}; expected "
            f"{', '.join(_REQUIRED)} (and optionally segment_id, source)",
            code="missing-column",
        )
    return raw.reset_index(drop=True), where


def _segment_codes(
    codes_col: pd.Series, cb: Codebook, problems: list[dict[str, Any]]
) -> tuple[pd.Series, pd.Series]:
    """One row per segment and code; rows without codes and unknown codes noted."""
    known = [c.id for _, c in cb.walk()]
    label_to_id = {text_in(c.label).lower(): c.id for _, c in cb.walk()}
    long = codes_col.fillna("").str.split(";").explode().str.strip()
    long = long[long != ""]
    for r in np.flatnonzero(~codes_col.fillna("").str.replace(";", "").str.strip().astype(bool)):
        problems.append({"row": int(r), "column": "codes", "problem": "no codes", "value": None})
    unknown = long[~long.isin(known)]
    for r, code in unknown.items():
        hint = did_you_mean(code, known)
        if not hint and code.lower() in label_to_id:
            hint = f" (did you mean {label_to_id[code.lower()]!r}? that is its label)"
        problems.append(
            {"row": int(r), "column": "codes", "problem": f"unknown code{hint}", "value": code}
        )
    return long, unknown


def _segment_problems(
    problems: list[dict[str, Any]], where: str, bad_codes: list[str]
) -> DataError:
    fc = pd.DataFrame(problems, columns=["row", "column", "problem", "value"])
    fc = fc.sort_values(["row", "column"], kind="stable").reset_index(drop=True)
    shown = "; ".join(
        f"row {r['row'] + 2}: {r['column']} {r['problem']}"
        + (f" {r['value']!r}" if r["value"] is not None else "")
        for _, r in fc.head(15).iterrows()
    )
    head = f"{where}: {len(fc)} problem(s) in {fc['row'].nunique()} row(s)"
    if bad_codes:
        head += f"; unknown code id(s): {', '.join(bad_codes)}"
    return DataError(
        f"{head}. {shown}{' ...' if len(fc) > 15 else ''} (rows are numbered as in the file, "
        "the header being row 1)",
        code="invalid-segments",
        failure_cases=fc,
    )


def tidy_segments(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[SEGMENT_COLUMNS].reset_index(drop=True)
    return out.astype({c: "str" for c in SEGMENT_COLUMNS})


def check_segments(segments: pd.DataFrame) -> None:
    if not isinstance(segments, pd.DataFrame):
        raise DataError("segments must be the frame read_segments returns", code="bad-argument")
    missing = [c for c in ("participant", "role", "trust", "code", "text") if c not in segments]
    if missing:
        raise DataError(
            f"segments lack column(s) {', '.join(missing)}: pass the frame read_segments returns",
            code="missing-column",
        )
