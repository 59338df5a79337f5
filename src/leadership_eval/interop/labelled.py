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

    from ..instruments.models import ChoiceList, Item
    from ..responses import ValidationReport

__all__ = ["CODEBOOK_COLUMNS", "write_labelled"]

CODEBOOK_COLUMNS = ("variable", "label", "code", "value_label", "missing")
"""Columns of the codebook CSV written beside a CSV export."""

_STATA_MISSING = "abcdefghijklmnopqrstuvwxyz"


def write_labelled(
    data: pd.DataFrame | ValidationReport,
    survey: Survey | str | Path,
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
    survey : Survey, or a path or bundled id
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
        A date that is not ``YYYY-MM-DD``; repeated column names (``duplicate-column``); a
        column name the format cannot hold (``name``: for ``sav``, every name that is not an
        SPSS variable name is listed, e.g. a platform's "Start time" or "_uuid"; rename or
        drop them).

    Notes
    -----
    multi_choice items in the raw form are expanded to 0/1 indicator variables
    ``{item}__{code}`` (labelled "Not selected"/"Selected"; NA where the question was not
    answered); a selected declared missing code (e.g. "none of these") is an indicator too.
    :func:`~leadership_eval.responses.read_responses` combines such indicators back into one
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
    import pandas as pd

    from ..instruments.loader import as_survey

    survey = as_survey(survey)
    if format not in ("sav", "dta", "csv"):
        raise ConfigurationError(
            f"format must be 'sav', 'dta' or 'csv', not {format!r}", code="unknown-format"
        )
    from ..responses import ValidationReport

    if isinstance(data, ValidationReport):
        missing = data.missing if missing is None else missing
        data = data.data
    data = check_frame(data, unique_columns=True)
    if missing is not None:
        data = _restore_missing(data, missing, survey)
    path = Path(path)
    lab = _Labels(survey, language)
    for col in data.columns:
        lab.column(str(col), data[col])
    frame = pd.DataFrame(lab.out, index=data.index)
    path.parent.mkdir(parents=True, exist_ok=True)
    if format == "csv":
        path.write_text(csv_text(frame), encoding="utf-8", newline="")
        _write_codebook(
            path, list(frame.columns), lab.var_labels, lab.value_labels, lab.user_missing_codes
        )
    else:
        plain = _plain_frame(frame)
        if format == "sav":
            _write_sav(plain, path, lab)
        else:
            _write_dta(plain, path, lab)
            # the full labels, which Stata cannot hold, beside the data
            _write_codebook(
                path, list(frame.columns), lab.var_labels, lab.value_labels, lab.user_missing_codes
            )
    warn_unmapped(f"write_labelled({path.name})", lab.problems)
    return path


class _Labels:
    """The columns of a labelled file and their variable, value and missing-value labels,
    gathered column by column (one handler per kind of column)."""

    def __init__(self, survey: Survey, language: str) -> None:
        self.survey = survey
        self.language = language
        self.problems: list[str] = []
        self.out: dict[str, Any] = {}
        self.var_labels: dict[str, str] = {}
        self.value_labels: dict[str, dict[Any, str]] = {}
        self.user_missing_codes: dict[str, list[Any]] = {}
        self.indicator_of: dict[str, tuple[str, str]] = {}  # indicator -> (question, option)
        self.by_column = {item.column_name: item for item in survey.items}
        self.scales = {s.id: s for s in survey.scales}
        self.done: set[str] = set()

    def text(self, value: Any) -> str:
        return text_in(value, self.language)

    def column(self, name: str, series: pd.Series) -> None:
        import pandas as pd

        if name in self.done:
            return
        item = self.by_column.get(name)
        if item is None and self.indicator(name, series):
            return
        if item is None:
            self.out[name] = series
            if name in self.scales:
                self.var_labels[name] = self.text(self.scales[name].title)
            return
        self.var_labels[name] = self.text(item.text)
        cl = self.survey.choices_for(item)
        if item.type == "multi_choice" and cl is not None:
            self.multi_choice(name, series, item, cl)
        elif cl is not None:
            self.coded(name, series, item, cl)
        elif item.type == "date":
            self.out[name] = _dates(name, series)
        elif item.type == "number":
            self.out[name] = pd.to_numeric(series, errors="coerce").astype("Float64")
        else:
            self.out[name] = series.astype("string") if series.dtype == object else series

    def label_indicator(self, name: str, question: Any, option: Any) -> None:
        self.var_labels[name] = f"{self.text(question)}: {option}"
        self.indicator_of[name] = (self.text(question), str(option))
        self.value_labels[name] = {0: "Not selected", 1: "Selected"}

    def indicator(self, name: str, series: pd.Series) -> bool:
        """An indicator column ``{item}__{code}`` of a multi_choice item (True when it is one)."""
        import pandas as pd

        if INDICATOR_SEPARATOR not in name:
            return False
        base, _, code = name.partition(INDICATOR_SEPARATOR)
        parent = self.by_column.get(base)
        if parent is None or parent.type != "multi_choice":
            return False
        cl = self.survey.choices_for(parent)
        label = cl.label_of(code, self.language) if cl is not None else code
        self.out[name] = pd.to_numeric(series, errors="coerce").astype("Float64")
        self.label_indicator(name, parent.text, label)
        return True

    def multi_choice(self, name: str, series: pd.Series, item: Item, cl: ChoiceList) -> None:
        """A multi_choice column of space-separated codes, as one 0/1 column per code."""
        import numpy as np
        import pandas as pd

        text = series.astype("string")
        answered = text.str.strip().fillna("").ne("")
        tokens = text.fillna("").str.split().explode().dropna()
        unknown = sorted(set(tokens.unique()) - {str(c) for c in cl.all_codes})
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
            self.out[ind] = values.where(answered.to_numpy(), np.nan).astype("Float64")
            self.label_indicator(ind, item.text, cl.label_of(choice, self.language))
            self.done.add(ind)

    def coded(self, name: str, series: pd.Series, item: Item, cl: ChoiceList) -> None:
        """A column of a choice list's codes, labelled (numbers, or text codes)."""
        import pandas as pd

        item_labels = {o.code: self.text(o.label) for o in (*cl.options, *cl.missing)}
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
            self.out[name] = values
            self.value_labels[name] = {float(k): v for k, v in item_labels.items()}
        else:
            self.out[name] = series.astype("string")
            self.value_labels[name] = {str(k): v for k, v in item_labels.items()}
        self.user_missing_codes[name] = list(cl.missing_codes)


def _dates(name: str, series: pd.Series) -> pd.Series:
    import pandas as pd

    parsed = pd.to_datetime(series, format="%Y-%m-%d", errors="coerce")
    bad = series.notna() & parsed.isna()
    if bad.any():
        rows = list(series.index[bad][:5])
        raise DataError(
            f"column {name!r}: {int(bad.sum())} value(s) are not dates as YYYY-MM-DD (rows {rows})",
            code="invalid-date",
            failure_cases=failure_rows(series, bad, name),
        )
    return parsed


def _plain_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame in plain numpy dtypes, as pyreadstat wants them."""
    import pandas as pd

    columns: dict[str, Any] = {}
    for col in frame.columns:
        s = frame[col].reset_index(drop=True)
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            columns[col] = s
        elif pd.api.types.is_numeric_dtype(s.dtype):
            columns[col] = s.astype("float64")
        else:
            columns[col] = s.astype(object).where(s.notna(), None)
    return pd.DataFrame(columns, index=range(len(frame)))


def _sav_missing_ranges(lab: _Labels) -> dict[str, list[Any]]:
    """SPSS's user-missing values: up to three values, or one range."""
    ranges: dict[str, list[Any]] = {}
    for col, codes in lab.user_missing_codes.items():
        if not codes:
            continue
        numeric = all(isinstance(c, int) for c in codes)
        values: list[Any] = [float(c) for c in codes] if numeric else [str(c) for c in codes]
        if len(values) <= 3:
            ranges[col] = values
            continue
        what = "values" if numeric else "text values"
        if numeric:
            lo, hi = min(values), max(values)
            cl = lab.survey.choices_for(lab.by_column[col])
            if not [c for c in (cl.codes if cl else []) if lo <= float(c) <= hi]:
                ranges[col] = [{"lo": lo, "hi": hi}]
                continue
        ranges[col] = values[:3]
        lab.problems.append(
            f"{col}: SPSS holds at most 3 missing {what}; {values[3:]} are labelled but not "
            "user-missing"
        )
    return ranges


def _sav_measure(lab: _Labels, col: str, plain: pd.DataFrame) -> str:
    import pandas as pd

    item = lab.by_column.get(col)
    if item is not None and item.type == "likert":
        return "ordinal"
    if item is not None and item.type in ("choice", "multi_choice"):
        cl = lab.survey.choices_for(item)
        return "ordinal" if cl is not None and cl.ordered else "nominal"
    if item is not None and item.type in ("number", "date"):
        return "scale"
    if item is not None or col in lab.value_labels:
        return "nominal"
    if col in lab.scales or pd.api.types.is_numeric_dtype(plain[col].dtype):
        return "scale"
    return "nominal"


_SAV_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789@#$_.")
_SAV_RESERVED = frozenset(
    {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"}
)


def _sav_name_problem(name: str) -> str | None:
    """Why ``name`` is not an SPSS variable name, or None.

    The rule pyreadstat applies (its own check, then ReadStat's): 1 to 64 bytes of UTF-8; a
    letter first (``str.isalpha``: accented letters too); then letters, digits, ``@ # $ _ .``
    or other non-ASCII characters; not a reserved word of SPSS syntax (in any case: SPSS names
    ignore case).
    """
    size = len(name.encode("utf-8", "surrogatepass"))
    if size == 0:
        return "empty"
    if size > 64:
        return f"{size} bytes, more than 64"
    if name.upper() in _SAV_RESERVED:
        return "a reserved word of SPSS syntax"
    if not name[0].isalpha():
        return f"begins with {name[0]!r}"
    bad = sorted({c for c in name if c not in _SAV_NAME_CHARS and c.isascii()})
    if bad:
        return "holds " + ", ".join(repr(c) for c in bad)
    return None


def _check_sav_names(columns: list[str]) -> None:
    """Refuse, before anything is written, column names SPSS cannot hold (every one listed)."""
    import pandas as pd

    bad = {c: why for c in columns if (why := _sav_name_problem(c)) is not None}
    seen: dict[str, str] = {}
    for c in columns:  # SPSS names ignore case: "Q1" and "q1" are one variable
        if c.upper() in seen and c not in bad:
            bad[c] = f"the same name as {seen[c.upper()]!r} to SPSS, which ignores case"
        seen.setdefault(c.upper(), c)
    if not bad:
        return
    listed = "; ".join(f"{c!r} ({why})" for c, why in bad.items())
    raise DataError(
        f"{len(bad)} column name(s) are not SPSS variable names: {listed}. SPSS names begin "
        "with a letter, then hold letters, digits and _ . @ # $ (no spaces), at most 64 "
        "bytes, and are not reserved words (ALL AND BY EQ GE GT LE LT NE NOT OR TO WITH). "
        "Rename these columns, or drop them (a survey platform's bookkeeping columns such as "
        "'Start time' or '_uuid' are seldom needed in SPSS), or write format='csv'",
        code="name",
        failure_cases=pd.DataFrame({"column": list(bad), "problem": list(bad.values())}),
    )


def _write_sav(plain: pd.DataFrame, path: Path, lab: _Labels) -> None:
    import pyreadstat

    _check_sav_names([str(c) for c in plain.columns])
    ranges = _sav_missing_ranges(lab)
    pyreadstat.write_sav(
        plain,
        path,
        file_label=lab.text(lab.survey.title)[:64],
        column_labels={c: lab.var_labels[c] for c in plain.columns if c in lab.var_labels},
        variable_value_labels=lab.value_labels,
        missing_ranges=ranges,
        variable_measure={col: _sav_measure(lab, col, plain) for col in plain.columns},
    )


def _stata_column(
    plain: pd.DataFrame, col: str, lab: _Labels, user_missing: dict[str, list[str]]
) -> tuple[dict[Any, str] | None, bool]:
    """A column's Stata value labels (text codes recoded to numbers, missing codes to
    Stata's letters), and whether it was recoded."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,31}", col):
        raise DataError(
            f"column {col!r} is not a Stata variable name (letters, digits and _, at "
            "most 32 characters)",
            code="name",
        )
    labels: dict[Any, str] = dict(lab.value_labels.get(col) or {})
    if not labels:
        return None, False
    miss: list[Any] = list(lab.user_missing_codes.get(col, []))
    recoded = any(isinstance(k, str) for k in labels)
    if recoded:
        # Stata labels numbers only: recode text codes 1, 2, ... in list order
        number = {c: float(i) for i, c in enumerate(labels, start=1)}
        plain[col] = plain[col].map(number).astype("float64")
        labels = {number[c]: f"{c}: {text}" for c, text in labels.items()}
        miss = [number[str(m)] for m in miss]
    letters = {float(m): _STATA_MISSING[j] for j, m in enumerate(miss[: len(_STATA_MISSING)])}
    if letters:
        s = plain[col].astype(object)
        plain[col] = s.where(~s.isin(list(letters)), s.map(letters))
        user_missing[col] = list(letters.values())
    return {letters.get(float(k), k): v for k, v in labels.items()}, recoded


def _write_dta(plain: pd.DataFrame, path: Path, lab: _Labels) -> None:
    import pyreadstat

    stata_labels: dict[str, dict[Any, str]] = {}
    user_missing: dict[str, list[str]] = {}
    recoded = []
    for col in plain.columns:
        labels, was_recoded = _stata_column(plain, col, lab, user_missing)
        if labels is not None:
            stata_labels[col] = labels
        if was_recoded:
            recoded.append(col)
    if recoded:
        lab.problems.append(
            "Stata value labels need numbers: text codes recoded 1, 2, ... in choice-list "
            f"order (the labels show the codes) in {', '.join(recoded)}"
        )
    var_labels = lab.var_labels
    short: dict[str, str | None] = {
        str(c): _stata_label(var_labels[c], lab.indicator_of.get(c))
        for c in plain.columns
        if c in var_labels
    }
    pyreadstat.write_dta(
        plain,
        path,
        file_label=lab.text(lab.survey.title)[:80],
        column_labels=short,
        variable_value_labels=stata_labels,
        missing_user_values=user_missing,
    )
    cut = [c for c in short if short[c] != var_labels.get(c)]
    if cut:
        lab.problems.append(
            f"Stata labels hold 80 characters: {len(cut)} shortened (full labels in "
            f"{path.stem}_codebook.csv): {', '.join(cut)}"
        )


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
