"""Labelled data files for SPSS, Stata and spreadsheet users.

:func:`write_labelled` writes responses (raw, clean, scored or anonymised) with the survey's
variable labels, value labels and missing codes, so a colleague opening the file in SPSS or
Stata sees "Strongly agree" rather than 5, and "Prefer not to say" treated as missing.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .._codes import INDICATOR_SEPARATOR, indicator_column
from .._frames import check_frame, failure_rows
from ..errors import ConfigurationError, DataError
from ..instruments.models import Survey, text_in
from ..safe_output import csv_text, neutralise
from .common import warn_unmapped

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..responses import ValidationReport

__all__ = ["CODEBOOK_COLUMNS", "write_labelled"]

CODEBOOK_COLUMNS = ("variable", "label", "code", "value_label", "missing")
"""Columns of the codebook CSV written beside a CSV export."""

_STATA_MISSING = "abcdefghijklmnopqrstuvwxyz"


def write_labelled(
    data: pd.DataFrame | ValidationReport,
    survey: Survey,
    path: str | Path,
    format: Literal["sav", "dta", "csv"] = "sav",
    language: str = "en",
    missing: pd.DataFrame | None = None,
) -> Path:
    """Write responses with variable labels, value labels and user-missing codes.

    Parameters
    ----------
    data : pandas.DataFrame or ValidationReport
        Responses in the "raw" form (declared missing codes still present, multi_choice as
        one column of space-separated codes) or the "clean" form (indicator columns
        ``{item}__{code}``), optionally with scale scores (columns named by scale id) and any
        other columns (written unlabelled). Columns are matched to items by their column name
        (``column`` alias or id). A :class:`~leadership_eval.responses.ValidationReport`
        stands for its clean ``data`` with its ``missing`` codes.
    survey : Survey
    path : str or pathlib.Path
        The file to write.
    format : {"sav", "dta", "csv"}
        ``sav`` (SPSS): value labels for every choice item, declared missing codes as
        user-missing values (``missing_ranges``: up to three values, or one range when there
        are more). ``dta`` (Stata 15): value labels; declared missing codes become the
        extended missing values ``.a``, ``.b``... (labelled); items with text codes are
        recoded to 1, 2, ... in the order of their choice list (listed in an
        :class:`~leadership_eval.interop.common.InteropWarning`). ``csv``: the data as it is,
        plus ``<name>_codebook.csv`` beside it with columns ``variable``, ``label``, ``code``,
        ``value_label``, ``missing`` (one row per code of a labelled variable, one row per
        other variable).
    language : str
        Language of the labels.
    missing : pandas.DataFrame, optional
        The declared missing codes the clean form took out (``ValidationReport.missing``):
        they are put back, and declared user-missing, so "Prefer not to say" stays "Prefer not
        to say" in SPSS and Stata rather than becoming a plain blank. A ``multi_choice`` item's
        missing code becomes an indicator of its own.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    DataError
        A date that is not ``YYYY-MM-DD``, or a column name the format cannot hold.

    Notes
    -----
    multi_choice items in the raw form are expanded to 0/1 indicator variables
    ``{item}__{code}`` (labelled "Not selected"/"Selected"; NA where the question was not
    answered); a selected declared missing code (e.g. "none of these") is an indicator too.
    :func:`~leadership_eval.readers.read_responses` combines such indicators back into one
    answer. Dates become SPSS/Stata dates.

    Measurement levels (SPSS): likert items and ordered lists ``ordinal``, other choice
    items and indicators ``nominal``, numbers, dates and scale scores ``scale``, text
    ``nominal``. Stata variable labels hold at most 80 characters: a longer label is shortened
    from the question's end, keeping the option's text of an indicator whole ("... the
    question…: Option"), and every full label is written to ``<name>_codebook.csv`` beside the
    ``.dta`` (the same columns as the CSV codebook).

    Examples
    --------
    >>> import tempfile, pathlib, pyreadstat
    >>> import leadership_eval as le
    >>> s, data = le.datasets.example_survey(), le.datasets.example_responses()
    >>> out = write_labelled(data, s, pathlib.Path(tempfile.mkdtemp()) / "q.sav")
    >>> back, meta = pyreadstat.read_sav(out, user_missing=True)
    >>> meta.variable_value_labels["q1"][9.0], meta.missing_ranges["q1"]
    ('Prefer not to say', [{'lo': 9.0, 'hi': 9.0}])
    >>> [c for c in back.columns if c.startswith("acts")]
    ['acts__qi', 'acts__audit', 'acts__none']
    """
    import numpy as np
    import pandas as pd
    import pyreadstat

    if format not in ("sav", "dta", "csv"):
        raise ConfigurationError(
            f"format must be 'sav', 'dta' or 'csv', not {format!r}", code="unknown-format"
        )
    from ..responses import ValidationReport

    if isinstance(data, ValidationReport):
        missing = data.missing if missing is None else missing
        data = data.data
    if missing is not None:
        data = _restore_missing(data, missing, survey)
    check_frame(data)
    path = Path(path)
    problems: list[str] = []
    out: dict[str, pd.Series] = {}
    var_labels: dict[str, str] = {}
    value_labels: dict[str, dict[Any, str]] = {}
    user_missing_codes: dict[str, list[Any]] = {}
    by_column = {item.column_name: item for item in survey.items}
    scales = {s.id: s for s in survey.scales}
    done: set[str] = set()
    indicator_of: dict[str, tuple[str, str]] = {}  # indicator -> (question, option)

    for col in data.columns:
        name = str(col)
        if name in done:
            continue
        series = data[col]
        item = by_column.get(name)
        if item is None and "__" in name:
            base, _, code = name.partition("__")
            parent = by_column.get(base)
            if parent is not None and parent.type == "multi_choice":
                cl = survey.choices_for(parent)
                label = cl.label_of(code, language) if cl is not None else code
                out[name] = pd.to_numeric(series, errors="coerce").astype("Float64")
                var_labels[name] = f"{text_in(parent.text, language)}: {label}"
                indicator_of[name] = (text_in(parent.text, language), str(label))
                value_labels[name] = {0: "Not selected", 1: "Selected"}
                continue
        if item is None:
            out[name] = series
            if name in scales:
                var_labels[name] = text_in(scales[name].title, language)
            continue
        var_labels[name] = text_in(item.text, language)
        cl = survey.choices_for(item)
        if item.type == "multi_choice" and cl is not None:
            text = series.astype("string")
            answered = text.str.strip().fillna("").ne("")
            tokens = text.fillna("").str.split().explode().dropna()
            known = {str(c) for c in cl.all_codes}
            unknown = sorted(set(tokens.unique()) - known)
            if unknown:
                raise DataError(
                    f"column {name!r} holds codes {unknown} that are not in choice list "
                    f"{item.choices!r}",
                    code="unknown-code",
                )
            for choice in cl.all_codes:
                ind = indicator_column(name, choice)
                pattern = rf"(?:^|\s){re.escape(str(choice))}(?:\s|$)"
                hit = text.fillna("").str.contains(pattern, regex=True)
                values = pd.Series(np.where(hit, 1.0, 0.0), index=series.index)
                out[ind] = values.where(answered.to_numpy(), np.nan).astype("Float64")
                var_labels[ind] = f"{text_in(item.text, language)}: {cl.label_of(choice, language)}"
                indicator_of[ind] = (
                    text_in(item.text, language),
                    str(cl.label_of(choice, language)),
                )
                value_labels[ind] = {0: "Not selected", 1: "Selected"}
                done.add(ind)
            continue
        if cl is not None:
            item_labels = {o.code: text_in(o.label, language) for o in (*cl.options, *cl.missing)}
            if all(isinstance(c, int) for c in item_labels):
                values = pd.to_numeric(series, errors="coerce").astype("Float64")
                bad = series.notna() & values.isna()
                if bad.any():
                    raise DataError(
                        f"column {name!r} holds values that are not codes of {item.choices!r}: "
                        f"{sorted(map(str, series[bad].unique()))[:5]}",
                        code="unknown-code",
                        failure_cases=failure_rows(series, bad, name),
                    )
                out[name] = values
                value_labels[name] = {float(k): v for k, v in item_labels.items()}
            else:
                out[name] = series.astype("string")
                value_labels[name] = {str(k): v for k, v in item_labels.items()}
            user_missing_codes[name] = list(cl.missing_codes)
        elif item.type == "date":
            parsed = pd.to_datetime(series, format="%Y-%m-%d", errors="coerce")
            bad = series.notna() & parsed.isna()
            if bad.any():
                rows = list(series.index[bad][:5])
                raise DataError(
                    f"column {name!r}: {int(bad.sum())} value(s) are not dates as YYYY-MM-DD "
                    f"(rows {rows})",
                    code="invalid-date",
                    failure_cases=failure_rows(series, bad, name),
                )
            out[name] = parsed
        elif item.type == "number":
            out[name] = pd.to_numeric(series, errors="coerce").astype("Float64")
        else:
            out[name] = series.astype("string") if series.dtype == object else series

    frame = pd.DataFrame(out, index=data.index)
    path.parent.mkdir(parents=True, exist_ok=True)

    if format == "csv":
        path.write_text(csv_text(frame), encoding="utf-8", newline="")
        _write_codebook(path, list(frame.columns), var_labels, value_labels, user_missing_codes)
        warn_unmapped(f"write_labelled({path.name})", problems)
        return path

    # pyreadstat wants plain numpy dtypes
    plain = pd.DataFrame(index=range(len(frame)))
    for col in frame.columns:
        s = frame[col].reset_index(drop=True)
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            plain[col] = s
        elif pd.api.types.is_numeric_dtype(s.dtype):
            plain[col] = s.astype("float64")
        else:
            plain[col] = s.astype(object).where(s.notna(), None)

    if format == "sav":
        ranges: dict[str, list[Any]] = {}
        for col, codes in user_missing_codes.items():
            if not codes:
                continue
            numeric = all(isinstance(c, int) for c in codes)
            values = [float(c) for c in codes] if numeric else [str(c) for c in codes]
            if len(values) <= 3:
                ranges[col] = values
            elif numeric:
                lo, hi = min(values), max(values)
                cl = survey.choices_for(by_column[col])
                inside = [c for c in (cl.codes if cl else []) if lo <= float(c) <= hi]
                if inside:
                    ranges[col] = values[:3]
                    problems.append(
                        f"{col}: SPSS holds at most 3 missing values; {values[3:]} are labelled "
                        "but not user-missing"
                    )
                else:
                    ranges[col] = [{"lo": lo, "hi": hi}]
            else:
                ranges[col] = values[:3]
                problems.append(
                    f"{col}: SPSS holds at most 3 missing text values; {values[3:]} are "
                    "labelled but not user-missing"
                )
        for col in plain.columns:
            if len(col) > 64:
                raise DataError(f"column {col!r} is longer than SPSS's 64 characters", code="name")
        measure = {}
        for col in plain.columns:
            item = by_column.get(col)
            if item is not None and item.type == "likert":
                measure[col] = "ordinal"
            elif item is not None and item.type in ("choice", "multi_choice"):
                cl = survey.choices_for(item)
                measure[col] = "ordinal" if cl is not None and cl.ordered else "nominal"
            elif item is not None and item.type in ("number", "date"):
                measure[col] = "scale"
            elif item is not None or col in value_labels:
                measure[col] = "nominal"
            elif col in scales or pd.api.types.is_numeric_dtype(plain[col].dtype):
                measure[col] = "scale"
            else:
                measure[col] = "nominal"
        pyreadstat.write_sav(
            plain,
            path,
            file_label=text_in(survey.title, language)[:64],
            column_labels={c: var_labels[c] for c in plain.columns if c in var_labels},
            variable_value_labels=value_labels,
            missing_ranges=ranges,
            variable_measure=measure,
        )
    else:
        stata_labels: dict[str, dict[Any, str]] = {}
        user_missing: dict[str, list[str]] = {}
        recoded = []
        for col in plain.columns:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,31}", col):
                raise DataError(
                    f"column {col!r} is not a Stata variable name (letters, digits and _, at "
                    "most 32 characters)",
                    code="name",
                )
            labels: dict[Any, str] = dict(value_labels.get(col) or {})
            if not labels:
                continue
            miss: list[Any] = list(user_missing_codes.get(col, []))
            if any(isinstance(k, str) for k in labels):
                # Stata labels numbers only: recode text codes 1, 2, ... in list order
                codes = list(labels)
                number = {c: float(i) for i, c in enumerate(codes, start=1)}
                plain[col] = plain[col].map(number).astype("float64")
                labels = {number[c]: f"{c}: {lab}" for c, lab in labels.items()}
                miss = [number[str(m)] for m in miss]
                recoded.append(col)
            letters: dict[float, str] = {}
            for j, m in enumerate(miss[: len(_STATA_MISSING)]):
                letters[float(m)] = _STATA_MISSING[j]
            if letters:
                s = plain[col].astype(object)
                plain[col] = s.where(~s.isin(list(letters)), s.map(letters))
                user_missing[col] = list(letters.values())
            stata_labels[col] = {letters.get(float(k), k): v for k, v in labels.items()}
        if recoded:
            problems.append(
                "Stata value labels need numbers: text codes recoded 1, 2, ... in choice-list "
                f"order (the labels show the codes) in {', '.join(recoded)}"
            )
        short: dict[str, str | None] = {
            str(c): _stata_label(var_labels[c], indicator_of.get(c))
            for c in plain.columns
            if c in var_labels
        }
        pyreadstat.write_dta(
            plain,
            path,
            file_label=text_in(survey.title, language)[:80],
            column_labels=short,
            variable_value_labels=stata_labels,
            missing_user_values=user_missing,
        )
        # the full labels, which Stata cannot hold, beside the data
        _write_codebook(path, list(frame.columns), var_labels, value_labels, user_missing_codes)
        cut = [c for c in short if short[c] != var_labels.get(c)]
        if cut:
            problems.append(
                f"Stata labels hold 80 characters: {len(cut)} shortened (full labels in "
                f"{path.stem}_codebook.csv): {', '.join(cut)}"
            )
    warn_unmapped(f"write_labelled({path.name})", problems)
    return path


def _stata_label(label: str, indicator: tuple[str, str] | None, limit: int = 80) -> str:
    """A label of at most ``limit`` characters; an indicator keeps its option's text whole."""
    if len(label) <= limit:
        return label
    if indicator is not None:
        question, option = indicator
        option = option[: limit - 12]
        room = limit - len(option) - 3
        return f"{question[:room].rstrip()}\u2026: {option}"
    return label[: limit - 1].rstrip() + "\u2026"


def _write_codebook(
    path: Path,
    columns: list[str],
    var_labels: dict[str, str],
    value_labels: dict[str, dict[Any, str]],
    missing: dict[str, list[Any]],
) -> Path:
    """``<name>_codebook.csv`` beside ``path``: full variable and value labels."""
    book = path.with_name(f"{path.stem}_codebook.csv")
    with book.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(CODEBOOK_COLUMNS)
        for col in columns:
            book_labels = value_labels.get(col)
            if not book_labels:
                w.writerow([neutralise(col), neutralise(var_labels.get(col, "")), "", "", ""])
                continue
            miss_text = {str(m) for m in missing.get(col, [])}
            for code, lab in book_labels.items():
                text_code = str(int(code)) if isinstance(code, float) else str(code)
                w.writerow(
                    [
                        neutralise(col),
                        neutralise(var_labels.get(col, "")),
                        text_code,
                        neutralise(lab),
                        "yes" if text_code in miss_text else "",
                    ]
                )
    return book


def _restore_missing(data: pd.DataFrame, missing: pd.DataFrame, survey: Survey) -> pd.DataFrame:
    """Put the declared missing codes of the clean form back (see ``write_labelled``)."""
    import numpy as np
    import pandas as pd

    out = data.copy()
    for item_id in missing.columns:
        codes = missing[item_id].reindex(out.index)
        given = codes.notna().to_numpy(bool)
        if not given.any():
            continue
        item = survey.item(item_id)
        col = item.column_name
        if item.type == "multi_choice":
            cl = survey.choices_for(item)
            indicators = [
                c for c in out.columns if str(c).startswith(f"{col}{INDICATOR_SEPARATOR}")
            ]
            answered = out[indicators].notna().any(axis=1).to_numpy(bool) if indicators else given
            for code in cl.missing_codes if cl is not None else []:
                name = indicator_column(col, code)
                if name in out.columns:
                    continue
                hit = (codes.astype(object) == code).to_numpy(bool)
                values = np.where(hit, 1.0, np.where(answered | given, 0.0, np.nan))
                out[name] = pd.Series(values, index=out.index).astype("Float64")
            continue
        if col not in out.columns:
            continue
        series = out[col]
        filled = series.astype(object).where(
            ~(series.isna().to_numpy(bool) & given), codes.astype(object)
        )
        if pd.api.types.is_integer_dtype(series.dtype) or pd.api.types.is_float_dtype(series.dtype):
            out[col] = pd.to_numeric(filled, errors="coerce").astype(
                series.dtype if str(series.dtype) == "Int64" else "Float64"
            )
        else:
            out[col] = filled
    return out
