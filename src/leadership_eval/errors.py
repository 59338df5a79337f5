"""Exceptions raised by leadership_eval.

Every exception the library raises on purpose derives from :class:`LeadershipEvalError`, and each
leaf also subclasses the matching builtin (``ValueError``, ``KeyError``...), so callers can catch
either. Errors carry data, not just text: :class:`InstrumentError` holds every
:class:`Problem` found in a file, each located by file, line, column and field path.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "REASONS",
    "REASON_AREAS",
    "ArgumentError",
    "ConfigurationError",
    "DataError",
    "DataWarning",
    "DisclosureError",
    "InstrumentError",
    "LeadershipEvalError",
    "NotATableError",
    "NotFoundError",
    "Problem",
    "SolverError",
    "describe_reason",
    "did_you_mean",
    "reason_codes",
]


REASON_AREAS: dict[str, str] = {
    "file": "Reading an instrument file",
    "fields": "An instrument's fields and values",
    "references": "References between an instrument's parts",
    "catalogue": "Catalogues of instruments",
    "forms": "Importing XLSForm and REDCap forms",
    "expression": "Evaluating and exporting skip logic",
    "responses": "Response data: problems with rows and values",
    "reading": "Response data: problems that stop the reading",
    "review": "Comment reviews",
    "data": "Data errors (DataError)",
    "configuration": "Settings (ConfigurationError)",
    "disclosure": "Disclosure control (DisclosureError)",
    "solver": "The solver (SolverError)",
}
"""The areas of :data:`REASONS`, with the heading each has in the documentation."""

REASONS: dict[str, dict[str, str]] = {
    "file": {
        "file-not-found": "the path names no file",
        "unknown-instrument": "neither a file nor the id of a bundled instrument (the message lists the bundled ids); in a catalogue: the evaluation lists an instrument the folder does not hold",
        "unreadable-file": "the file exists but cannot be read (permissions...)",
        "file-too-large": "larger than 2 MB",
        "not-utf8": "a byte that is not UTF-8 (the position of the first one)",
        "yaml-syntax": "not valid YAML (with a hint about quoting text in {...})",
        "empty-document": "the file holds no YAML",
        "multiple-documents": "a second document after ---: one instrument per file",
        "document-too-large": "aliases expand to more than 200,000 nodes, or nesting deeper than 100 levels",
        "duplicate-key": "a key appears twice in one mapping (YAML would keep the last)",
        "unknown-tag": "a YAML tag such as !!python/object",
        "merge-key": "a << merge key",
        "invalid-key": "a mapping key that is not a plain value",
        "invalid-scalar": "a value YAML cannot construct",
    },
    "fields": {
        "not-a-mapping": "the document is not a mapping of fields",
        "missing-field": "a required field is absent (kind, id, sections...)",
        "unknown-field": "a field the model does not have (with a did you mean, or the list of allowed fields)",
        "unknown-kind": "kind is not one of the five kinds",
        "unknown-type": "an item type that does not exist",
        "invalid-choice": "another field with a fixed set of values (disclosure, method, transform, audience...)",
        "invalid-format": "text of the wrong shape: an id, a version, a date, an ORCID",
        "invalid-length": "a list that must not be empty (sections, options...) or text too long",
        "out-of-range": "a number outside its bounds (duration_minutes, minutes, max_length...)",
        "invalid-value": "a value a validator rejects (min_answered that is neither a count nor a share)",
        "wrong-type": "a value of the wrong type (a number where text is expected; the message suggests quoting version)",
        "invalid-document": "the document could not be validated at all (should not happen)",
    },
    "references": {
        "duplicate-id": "an id used twice where it must be unique (items, sections, scales, topics, questions, codes, objectives, listed instruments), or a section or scale id that is also an item id",
        "duplicate-code": "a code used twice in a choice list (options and missing codes together)",
        "duplicate-column": "two items read the same response column (column aliases)",
        "missing-choices": "a likert, choice or multi_choice item without choices",
        "unknown-choice-list": "choices names a list that is not defined",
        "unordered-likert": "a likert item on a list not marked ordered: true",
        "unexpected-choices": "choices on a number, text, date or note item",
        "invalid-range": "min greater than max",
        "unexpected-range": "min/max on an item that is not a number",
        "unknown-item": "group_by, or a derived variable’s from, names no item (respondent_id may name a column that is not an item: the survey platform’s own record id)",
        "unknown-scale-item": "a scale lists an item the survey does not have",
        "duplicate-scale-item": "a scale lists an item twice",
        "unscorable-scale-item": "a scale item that cannot be scored (text, multi_choice, an unordered list, codes that are not whole numbers)",
        "reverse-not-in-scale": "reverse names an item that is not one of the scale's items",
        "impossible-min-answered": "min_answered is a count larger than the number of items",
        "show-if-syntax": "a show_if that does not parse (the column is that of the offending character)",
        "show-if-unknown-item": "show_if refers to an item that does not exist",
        "show-if-self-reference": "show_if refers to its own item",
        "show-if-forward-reference": "show_if refers to a later item",
        "show-if-unknown-code": "show_if compares a choice item with a code not in its list",
        "show-if-count-not-multi": "count(x) in a show_if where x is not a multi_choice item",
        "show-if-not-a-choice": "selected(x, ...) on an item without options",
        "choice-filter-syntax": "a choice_filter that does not parse, or that does not use choice (a filter must depend on the option offered)",
        "choice-filter-unknown-item": "a choice_filter refers to an item that does not exist",
        "choice-filter-self-reference": "a choice_filter refers to its own item",
        "choice-filter-forward-reference": "a choice_filter refers to a later item",
        "choice-filter-unknown-code": "a choice_filter compares an item, or choice, with a code that is not in the list",
        "choice-filter-count-not-multi": "count(x) in a choice_filter where x is not a multi_choice item",
        "choice-filter-not-a-choice": "selected(x, choice) where x has no options",
        "unexpected-choice-filter": "choice_filter on an item without options (number, text, date, note)",
        "unexpected-max-choices": "max_choices on an item that is not multi_choice",
        "derived-not-a-choice": "a derived variable reads an item that has no options",
        "derived-missing-attribute": "an option of the item a derived variable reads lacks the attribute (every option needs it)",
        "derived-not-boolean": "a derived variable over a multi_choice item reads an attribute that is not true/false",
        "derived-unknown-code": "an option’s attribute is not a code of the derived variable’s choices list",
        "invalid-placeholder": "text with {{ or }} that is not a placeholder {{name}}",
        "unknown-placeholder": "a placeholder that is neither standard nor declared under placeholders: (with a did you mean)",
        "timing-exceeds-duration": "an interview guide’s topics take longer than duration_minutes",
        "changelog-missing-version": "the changelog has no entry for the current version",
    },
    "catalogue": {
        "not-a-folder": "the folder does not exist (or is a file)",
        "no-instruments": "the folder holds no instrument file (.yaml or .yml)",
        "duplicate-instrument-id": "two files declare the same instrument id",
        "multiple-evaluations": "more than one evaluation document",
        "unknown-instrument": "the evaluation lists an instrument the catalogue lacks",
        "unknown-objective": "an instrument names an objective the evaluation does not define",
    },
    "responses": {
        "invalid-code": "a value that is no code of the item’s choice list (set aside)",
        "out-of-range": "a number below the item’s min or above its max (set aside)",
        "not-an-integer": "a fraction where the item wants whole numbers (set aside)",
        "wrong-type": "text in a number column, or a date that does not parse (set aside)",
        "too-long": "text longer than max_length (set aside)",
        "formula-without-value": "an XLSX formula cell saved without its computed value (set aside)",
        "exclusive-combined": "an exclusive option (none of these) ticked with other options",
        "answered-when-hidden": "an answer that show_if should have hidden (kept, flagged)",
        "missing-required": "a required item shown and not answered",
        "duplicate-id": "a respondent id seen on an earlier row (excluded)",
        "empty-row": "a row with no answer at all (excluded; informational)",
        "ragged-row": "a CSV record with more or fewer fields than the header: a stray separator, or a line cut short (excluded)",
        "truncated-record": "the file ends in the middle of this record (excluded)",
        "unterminated-quote": "a quoted field running over lines that look like records of their own: a quote opened and closed far later (excluded); a quote never closed before the end of the file stops the reading instead",
        "missing-column": "an item of the survey with no column in the data",
        "unknown-column": "a column that is no item (informational; kept)",
    },
    "reading": {
        "empty-file": "the file (or the sheet) holds nothing",
        "no-header": "no header row",
        "not-a-table": "binary data, or a file no CSV, XLSX or SPSS reader can read",
        "bad-encoding": "neither UTF-8, UTF-16 nor Windows-1252 text",
        "unsupported-format": "a legacy .xls workbook or a password-protected one",
        "unterminated-quote": "a quote never closed: the rest of the file would be one field",
        "no-item-columns": "no column matches an item of the survey",
        "wrong-survey": "fewer than half of the survey’s questions have a column, or a bundled survey’s questions match the columns better (the message names it)",
        "duplicate-column": "two columns hold the same item",
        "unknown-format": "an output file named with an extension other than .csv or .xlsx (--out, --errors, --reliability)",
        "unhashable-value": "a cell of a quasi-identifier or sensitive column holding a list, set or dict (check_anonymity)",
    },
    "forms": {
        "not-xlsform": "the file is not an XLSForm workbook (no survey sheet, or it cannot be opened)",
        "not-redcap": "the file is not a REDCap data dictionary (its header lacks the dictionary's columns)",
        "empty-file": "the form file holds no rows",
        "missing-name": "a question row without a name",
        "missing-choice-name": "a choices row without a name (code)",
        "missing-list": "a select question names a choice list the choices sheet does not define",
        "unbalanced-group": "a begin group (or repeat) without its end, or an end without a begin",
        "invalid-survey": "the imported form does not make a valid survey (the problems are listed)",
    },
    "expression": {
        "show-if-column": "evaluating a show_if: an item it reads has no column in the data",
        "show-if-type": "evaluating a show_if: an operation the item's type does not support",
        "show-if-translate": "exporting a show_if: the target platform cannot express it",
        "show-if": "a show_if that cannot be evaluated on the data being validated",
    },
    "review": {
        "missing-id": "a row of a comment review without its comment id",
        "unknown-decision": "a decision other than publish, edit or drop (with a did you mean)",
        "empty-edit": "the decision edit with no edited text",
        "empty-text": "the decision publish for a comment with no text",
        "edited-text-ignored": "edited text on a row whose decision is not edit (the edit is not used)",
        "invalid-review": "a comment review with problems of several kinds (each row is listed)",
        "not-utf8": "a review file that is not UTF-8 text (save it as CSV UTF-8)",
    },
    "data": {
        "invalid-data": "data that cannot be used as given (the message says how)",
        "bad-argument": "an argument of the wrong type or shape (a frame where a result is wanted, a raw frame given to a renderer...)",
        "not-a-table": "an argument that must be a pandas DataFrame is something else",
        "duplicate-column": "a frame with repeated column names",
        "column-names": "a frame whose column names are not text (numbers, as a file read without its header gives)",
        "unknown-column": "a column named in an argument is not in the data (with a did you mean)",
        "missing-column": "the data lack a column that is needed (an item, the group)",
        "missing-value": "rows without a value they need (an approved comment's group or item; the rows are listed)",
        "not-numeric": "a column that must hold numbers holds text (the failing rows are listed)",
        "not-binary": "a column that must hold 0/1 holds other values",
        "invalid-code": "a column holds codes that are not in the item's choice list",
        "invalid-date": "a column of dates holds values that are not YYYY-MM-DD",
        "unknown-code": "coded segments use a code the codebook does not have",
        "unknown-group": "a group value that is not in the table it is matched with",
        "unknown-item": "a column mapping names something that is no item of the survey",
        "not-a-survey": "the instrument given is another kind (an interview guide, a codebook...)",
        "not-a-codebook": "the instrument or file given is not a codebook",
        "not-a-mapping": "a mapping file lacks the columns it needs",
        "no-group": "the survey names no group_by item and no group column was given",
        "no-free-text": "the survey has no free-text item (disclosure: free_text)",
        "no-rows": "every row was excluded: nothing is left to work on",
        "empty-data": "the data have no rows",
        "file-name": "two group codes map to the same report file name",
        "name": "a column name too long for the target format (SPSS: 64 characters)",
        "bad-indicator": "an indicator column holds a value other than 0/1, Y, Checked or the option's label",
        "unknown-source": "a survey platform name that is not known",
        "validation-mismatch": "a validation report made for another data set",
        "reserved-column": "a column name that clashes with the report's own columns",
        "unhashable-value": "a cell holds a list, set or dict where a value is needed",
        "pseudonym-collision": "two values got the same pseudonym at the length asked for",
        "empty-table": "a table with no cells",
        "multiindex": "a table with a MultiIndex (flatten its labels first)",
        "duplicate-labels": "a table with repeated row or column labels",
        "duplicate-total": "a table with more than one Total row or column",
        "no-total": "a table without a Total row or column where margins are needed",
        "invalid-count": "a table of counts holds negative or fractional values",
        "inconsistent-total": "a table's Total margin does not add up to its cells",
        "inconsistent-link": "cells declared the same by a SharedLine hold different values",
        "bad-link": "a link between tables names no line, or two",
        "unknown-table": "a link names a table that is not among those given",
        "bad-rows": "the rows of a table are not rows of the keyed data",
        "invalid-hierarchy": "a generalisation hierarchy file or object that is not well formed",
        "invalid-level": "a hierarchy level that does not exist",
        "value-not-in-hierarchy": "data values the hierarchy does not list",
        "no-quasi-identifiers": "generalisation without any quasi-identifier hierarchy",
        "no-sensitive": "an l-diversity target without a sensitive column",
        "sensitive-is-quasi-identifier": "a column named both quasi-identifier and sensitive",
        "invalid-k": "k is not a whole number of at least 1",
        "invalid-l": "l is not a number of at least 1",
        "invalid-t": "t is not a number between 0 and 1",
        "invalid-threshold": "a risk threshold outside (0, 1]",
        "invalid-metric": "an unknown information-loss metric",
        "invalid-suppression": "a suppression limit that is not a share between 0 and 1",
        "lattice-too-large": "too many combinations of generalisation levels to search",
        "not-anonymisable": "no generalisation reaches the k (and l) asked for within the suppression allowed",
        "not-anonymous": "k-anonymity does not hold after anonymisation: nothing is written",
        "missing-file": "a file named does not exist (or is a folder)",
        "bad-file": "a file that cannot be read",
        "unreadable": "a file that cannot be read (the reason is given)",
        "bad-xml": "a file whose XML is not well formed",
        "not-refi": "a file that is not a REFI-QDA codebook or project",
        "empty-codebook": "a codebook with no codes",
        "bad-selection": "a coded passage that lies outside its source's text",
        "missing-source": "no text for a source that segments refer to",
        "segment-not-in-source": "a segment's text is not found in its source",
        "inconsistent-segment": "a segment with more than one participant, role or trust",
        "inconsistent-participant": "a participant with more than one role or trust",
        "invalid-segments": "coded segments with problems in some rows (the rows are listed)",
        "missing-group": "segments without the group (trust) they belong to",
        "bad-corpus": "a redaction test corpus record without its text, or with entities that are not spans of it (each is located)",
        "bad-span": "a custom detector or finder returned something that is not a span of the text (outside it, or not a (type, start, end))",
        "bad-pvalue": "p-values outside [0, 1]",
        "empty-sample": "a test needs values in both samples",
        "too-few": "too few pairs for the test, or too few values in a group",
        "constant": "a statistic undefined for constant data",
        "unequal-length": "paired samples of different lengths",
        "counts": "a contingency table holding other than whole numbers of 0 or more",
        "shape": "a contingency table with other than two dimensions",
        "collinear": "fixed effects that are collinear",
        "too-few-rows": "too few rows for the model's fixed effects",
        "too-few-groups": "too few groups for a random intercept",
        "no-folder": "the folder to write into does not exist",
        "unknown-format": "an output file named with an extension other than the formats written",
        "duplicate-id": "an id that repeats where each must be unique (a paired wave id)",
        "not-found": "a name looked up in an instrument or a publication that it does not have",
        "not-utf8": "a file that is not UTF-8 text",
    },
    "configuration": {
        "configuration": "a setting that is missing or invalid (the message says which)",
        "bad-policy": "a policy argument that is none of a policy, a preset name or a policy file",
        "bad-setting": "a disclosure policy setting with an invalid value",
        "unknown-setting": "a disclosure policy setting that does not exist",
        "unknown-policy": "neither a preset nor a policy file",
        "invalid-policy-file": "a disclosure policy file with problems (each is located)",
        "unreadable-file": "a settings file that cannot be read",
        "conflicting-rule": "a table rule and a policy given together",
        "unknown-rule": "an unknown table protection rule",
        "unknown-adjustment": "an unknown p-value adjustment method",
        "gmc-rule": "the GMC outlier rule used where it does not apply (proportions, a fixed benchmark)",
        "standardise-options": "case-mix standardisation with options it does not combine with",
        "not-comparable": "an item of a type the comparison does not compare",
        "too-many-groups": "a two-group test asked for with more groups",
        "unknown-measure": "an item or scale id that the surveys do not have",
        "unknown-scale": "a scale the survey does not have",
        "unknown-scale-item": "a scale listing an item the survey does not have",
        "unscorable-item": "an item that cannot be scored (its type)",
        "unsummarisable-item": "an item item_summary cannot count",
        "missing-range": "a number item without the min and max that reverse keying needs",
        "invalid-range": "a range with low above high",
        "invalid-option": "an option value outside its allowed set",
        "invalid-transform": "an unknown score transform",
        "invalid-groups": "negative group sizes in a simulation",
        "no-group-by": "the survey has no group_by item to assign groups",
        "no-choices": "an item without a choice list where one is needed",
        "ambiguous-code": "cannot tell which code of an item means yes",
        "no-origin-items": "no items say how each activity came about",
        "no-work-based": "the survey does not mark which activities are work-based",
        "missing-key": "the pseudonym key file does not exist",
        "short-key": "a pseudonym key shorter than 16 bytes",
        "key-exists": "a key file that already exists (not replaced)",
        "folder-not-empty": "a folder to scaffold into that is not empty",
        "not-a-folder": "a path that is a file, or does not exist, where a folder is wanted",
        "invalid-trusts": "a trust list with problems",
        "invalid-placeholder-value": "a placeholder value that is not text",
        "unknown-placeholder": "a value for a placeholder the instrument does not have",
        "unfilled-placeholder": "an instrument exported with a placeholder left unfilled",
        "analyst-dir-inside": "the analyst's folder placed inside the published folder",
        "missing-file": "a settings file named does not exist",
        "bad-file": "a settings file that cannot be read",
        "invalid-hierarchy": "a hierarchy file that is not a mapping of levels or intervals",
        "not-a-codebook": "the codebook argument is not a codebook",
        "unknown-code": "a code the codebook does not have",
        "unknown-item": "an item id the survey does not have",
        "missing-column": "a column setting names a column that is not there",
        "unknown-format": "a format name that is not one of those written",
        "unknown-language": "a language no text of the instrument is in",
        "missing-path": "an output that can only be written to a file, asked for without a path",
    },
    "disclosure": {
        "disclosure": "an output that would break the disclosure policy was not produced",
        "loosens-policy": "an argument that would loosen the disclosure policy (arguments may only tighten it)",
        "no-qualifying-group": "no group has the policy's minimum of respondents: no report",
        "previous-policy": "a previous wave's publication made under another disclosure policy",
        "record-id-beside-pseudonym": "the export's record id kept beside the pseudonym",
        "protection-failed": "secondary suppression failed its own audit",
        "protection-unattainable": "a protection interval that no suppression can give",
    },
    "solver": {
        "solver-failed": "the linear-programming solver (HiGHS) failed on a model it should solve",
    },
}
"""Every reason code the library reports, by area: ``{area: {code: meaning}}``.

The one registry of reason codes: a :class:`Problem`, an error's ``code``, a row of a validation
report or of a comment review carries one of these (the tests check every code the source uses
is here, and the documentation's problems page is rendered from it). A code may mean a similar
thing in several areas (``duplicate-id``, ``unknown-column``).
"""


def reason_codes() -> frozenset[str]:
    """Every code of :data:`REASONS`."""
    return frozenset(code for codes in REASONS.values() for code in codes)


def describe_reason(code: str) -> str:
    """What a reason code means (each area's meaning, ``; ``-separated), or ``""``.

    >>> describe_reason("loosens-policy")
    'an argument that would loosen the disclosure policy (arguments may only tighten it)'
    """
    return "; ".join(codes[code] for codes in REASONS.values() if code in codes)


def did_you_mean(word: object, candidates: Iterable[str], *, cutoff: float = 0.6) -> str:
    """``"; did you mean 'x'?"`` for the candidate closest to ``word``, or ``""``.

    A candidate that differs from ``word`` only in case counts as close. Every "did you mean"
    in the library's messages comes from here.
    """
    if not isinstance(word, str):
        return ""
    pool = [str(c) for c in candidates]
    close = difflib.get_close_matches(word, pool, n=1, cutoff=cutoff)
    if not close:
        close = [c for c in pool if c.lower() == word.lower()]
    return f"; did you mean {close[0]!r}?" if close else ""


class LeadershipEvalError(Exception):
    """Base class of every error raised by leadership_eval.

    Every error pickles with its data (as pandera's errors do, through ``__reduce__``): an
    error raised in a worker process (``concurrent.futures``, ``multiprocessing``, joblib)
    arrives in the parent with its message, code, problems and failure cases intact.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception.__reduce__ calls the class with self.args (the message only), which loses
        # the data and fails for classes whose __init__ wants more than a message; rebuild the
        # object without calling __init__, then restore the message and every attribute.
        return (_rebuild_error, (type(self), self.args), dict(self.__dict__))

    def __setstate__(self, state: dict[str, Any] | None) -> None:
        self.__dict__.update(state or {})


def _rebuild_error(cls: type[LeadershipEvalError], args: tuple[Any, ...]) -> LeadershipEvalError:
    """Unpickle an error: the object without ``__init__``, its ``args`` (the message) set."""
    error = cls.__new__(cls)
    error.args = args
    return error


@dataclass(frozen=True, order=True)
class Problem:
    """One located problem in an instrument file.

    Attributes
    ----------
    file : str
        The file the problem was found in (``"<string>"`` for text that came from no file).
    line, column : int
        1-based position of the offending node (0 when unknown).
    code : str
        A stable, machine-readable code such as ``unknown-field`` or ``unknown-choice-list``.
    message : str
        What was expected and what was found, with a "did you mean" where one helps.
    path : tuple
        The field path inside the document, e.g. ``("sections", 0, "items", 2, "choices")``.
    """

    file: str
    line: int
    column: int
    code: str
    message: str
    path: tuple[str | int, ...] = field(default=())

    @property
    def location(self) -> str:
        """``file:line:col`` of the problem."""
        return f"{self.file}:{self.line}:{self.column}"

    @property
    def field_path(self) -> str:
        """The field path as a dotted string, e.g. ``sections[0].items[2].choices``."""
        out = ""
        for part in self.path:
            if isinstance(part, int):
                out += f"[{part}]"
            else:
                out += ("." if out else "") + str(part)
        return out

    def __str__(self) -> str:
        where = f" ({self.field_path})" if self.path else ""
        return f"{self.location}: {self.code}: {self.message}{where}"

    def to_dict(self) -> dict[str, Any]:
        """The problem as a plain dictionary (for JSON output and data frames)."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "message": self.message,
            "path": self.field_path,
        }


class InstrumentError(LeadershipEvalError, ValueError):
    """An instrument file (or a catalogue of them) is invalid.

    ``problems`` lists every problem found, in file and line order; ``str(error)`` prints one
    ``file:line:col: code: message`` line each.
    """

    def __init__(self, problems: Iterable[Problem], summary: str | None = None) -> None:
        self.problems: list[Problem] = sorted(problems, key=lambda p: (p.file, p.line, p.column))
        n = len(self.problems)
        head = summary or f"{n} problem{'s' if n != 1 else ''} found"
        body = "\n".join(str(p) for p in self.problems)
        super().__init__(f"{head}:\n{body}" if body else head)

    @property
    def codes(self) -> list[str]:
        """The problem codes, in order."""
        return [p.code for p in self.problems]

    def to_frame(self) -> Any:
        """The problems as a pandas DataFrame (file, line, column, code, message, path)."""
        import pandas as pd

        return pd.DataFrame(
            [p.to_dict() for p in self.problems],
            columns=["file", "line", "column", "code", "message", "path"],
        )


class DataError(LeadershipEvalError, ValueError):
    """Response or table data cannot be used as given.

    Parameters
    ----------
    message : str
        What is wrong, where, and what was expected.
    code : str
        A stable reason code (``unknown-column``, ``empty-file``...).
    failure_cases : pandas.DataFrame, optional
        The offending rows or values, like pandera's failure cases.
    """

    def __init__(self, message: str, code: str = "invalid-data", failure_cases: Any = None) -> None:
        self.code = code
        self.failure_cases = failure_cases
        super().__init__(message)


class ArgumentError(DataError, TypeError):
    """An argument is of a type the function cannot take (a raw frame given to a renderer, a
    frame where a comparison's result is wanted).

    A :class:`DataError` (reason code ``bad-argument`` unless said) and a ``TypeError``, so
    either catches it.
    """

    def __init__(self, message: str, code: str = "bad-argument", failure_cases: Any = None) -> None:
        super().__init__(message, code=code, failure_cases=failure_cases)


class NotATableError(ArgumentError):
    """An argument that must be a table (a pandas DataFrame) is something else
    (reason code ``not-a-table``)."""

    def __init__(self, message: str, code: str = "not-a-table", failure_cases: Any = None) -> None:
        super().__init__(message, code=code, failure_cases=failure_cases)


class NotFoundError(LeadershipEvalError, KeyError):
    """A name looked up in an instrument or a publication that it does not have.

    A ``KeyError`` too (``survey.item("nope")`` is caught by ``except KeyError``), whose message
    reads as text, with a "did you mean".
    """

    def __init__(self, message: str, code: str = "not-found") -> None:
        self.code = code
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class SolverError(LeadershipEvalError, RuntimeError):
    """The linear-programming solver (HiGHS) failed on a model it should solve."""

    def __init__(self, message: str, code: str = "solver-failed") -> None:
        self.code = code
        super().__init__(message)


class DisclosureError(LeadershipEvalError, RuntimeError):
    """An output would break the disclosure policy, so it was not produced."""

    def __init__(self, message: str, code: str = "disclosure", details: Sequence[Any] = ()) -> None:
        self.code = code
        self.details = list(details)
        super().__init__(message)


class ConfigurationError(LeadershipEvalError, ValueError):
    """A setting is missing or invalid (a pseudonym key, a policy file...)."""

    def __init__(
        self, message: str, code: str = "configuration", problems: Sequence[Problem] = ()
    ) -> None:
        self.code = code
        self.problems: list[Problem] = list(problems)
        super().__init__(message)


class DataWarning(UserWarning):
    """Responses were used after setting some of them aside, by the validation's rules.

    Raised (as a warning) by the functions that validate the responses they are given
    (:func:`~leadership_eval.score`, :func:`~leadership_eval.reliability`,
    :func:`~leadership_eval.item_summary`, :func:`~leadership_eval.compare_waves`) when rows were
    excluded or values set aside; :func:`~leadership_eval.validate_responses` lists each one.
    """
