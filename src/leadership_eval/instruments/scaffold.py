"""Scaffold an evaluation for another deanery: ``leadership-eval init DIR``.

:func:`scaffold_evaluation` writes a folder an adopting deanery or region works in:

``instruments/``
    Copies of every bundled instrument (and their README), to adapt.
``trusts.csv``
    The trust list: code, name, type, and the numbers of trainees and supervisors eligible in
    each trust (the denominators of response rates). :func:`set_trusts` writes it into every
    instrument that has a trust list, and into the evaluation's number of groups.
``placeholders.yaml``
    Every placeholder the instruments use (the data controller, the ethics decision...), with
    what to put in each; exports fill them in and refuse to leave one empty.
``policy.yaml``
    The disclosure policy every report obeys, starting from the strict default.
``run.py``
    The steps of an evaluation as one script: check, set the trusts, export the surveys to a
    platform, and after fieldwork build the reports.
``README.md``
    What to do next, in order.
"""

from __future__ import annotations

import csv
import io
import numbers
import re
import shutil
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .._files import file_text
from ..errors import ArgumentError, ConfigurationError, InstrumentError, Problem

__all__ = ["TRUST_COLUMNS", "read_trusts", "scaffold_evaluation", "set_trusts"]

TRUST_COLUMNS = ("code", "name", "trust_type", "eligible_trainees", "eligible_supervisors")
"""The columns of ``trusts.csv``."""

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def scaffold_evaluation(folder: str | Path, *, force: bool = False) -> dict[str, Path]:
    """Write a new evaluation folder from the bundled instruments.

    Parameters
    ----------
    folder : str or pathlib.Path
        The folder to create (it may exist if it is empty).
    force : bool
        Write into a folder that is not empty, replacing the files this function writes.

    Returns
    -------
    dict
        What was written: ``instruments`` (the folder), ``trusts``, ``placeholders``,
        ``policy``, ``run`` and ``readme`` (the files).

    Raises
    ------
    ArgumentError
        When ``folder`` is not a path, or ``force`` is not True or False.
    ConfigurationError
        When ``folder`` is a file, or a folder that is not empty (without ``force``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = scaffold_evaluation(pathlib.Path(tempfile.mkdtemp()) / "nw-evaluation")
    >>> sorted(out)
    ['instruments', 'placeholders', 'policy', 'readme', 'run', 'trusts']
    >>> import leadership_eval as le
    >>> len(le.load_catalogue(out["instruments"]))
    15
    """
    from .catalogue import load_catalogue
    from .loader import bundled_paths
    from .placeholders import STANDARD_PLACEHOLDERS, unfilled_placeholders

    if not isinstance(folder, str | Path):
        raise ArgumentError(f"folder must be a path (str or Path), not {type(folder).__name__}")
    if not isinstance(force, bool):
        raise ArgumentError(
            f"force must be True or False, not {type(force).__name__} ({force!r}): it decides "
            "whether files in a folder that is not empty are replaced"
        )
    root = Path(folder)
    if root.exists() and not root.is_dir():
        raise ConfigurationError(f"{root} is a file, not a folder", code="not-a-folder")
    if root.is_dir() and any(root.iterdir()) and not force:
        raise ConfigurationError(
            f"{root} is not empty; choose a new folder, or pass force=True (--force) to write "
            "into it",
            code="folder-not-empty",
        )
    target = root / "instruments"
    target.mkdir(parents=True, exist_ok=True)
    sources = bundled_paths()
    for path in sources.values():
        shutil.copyfile(path, target / path.name)
    readme = next(iter(sources.values())).parent / "README.md"
    if readme.is_file():
        shutil.copyfile(readme, target / "README.md")

    catalogue = load_catalogue()
    trainee = catalogue["trainee-survey"]
    trust_list = trainee.choice_lists["trust"]  # type: ignore[union-attr]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(TRUST_COLUMNS)
    for option in trust_list.options:
        writer.writerow(
            [option.code, option.label, option.attributes.get("trust_type", ""), "", ""]
        )
    trusts = root / "trusts.csv"
    trusts.write_text(buffer.getvalue(), encoding="utf-8")

    used: dict[str, str] = {}
    for inst in catalogue.values():
        for _, name in unfilled_placeholders(inst):
            used.setdefault(name, STANDARD_PLACEHOLDERS.get(name, ""))
    lines = [
        "# The placeholders of the instruments: fill in each value (text in quotes).",
        "# Exports put them into the forms people read, and refuse to leave one empty",
        "# (leadership-eval export --details placeholders.yaml; --draft to review a draft).",
        "",
    ]
    for name in sorted(used):
        for part in _wrap(used[name]):
            lines.append(f"# {part}")
        default = '"Clinical Leadership Mentor"' if name == "mentor_title" else '""'
        lines += [f"{name}: {default}", ""]
    placeholders = root / "placeholders.yaml"
    placeholders.write_text("\n".join(lines), encoding="utf-8")

    policy = root / "policy.yaml"
    policy.write_text(_POLICY, encoding="utf-8")
    run = root / "run.py"
    run.write_text(_RUN, encoding="utf-8")
    readme_out = root / "README.md"
    readme_out.write_text(_README, encoding="utf-8")
    return {
        "instruments": target,
        "trusts": trusts,
        "placeholders": placeholders,
        "policy": policy,
        "run": run,
        "readme": readme_out,
    }


def _wrap(text: str, width: int = 94) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [""]


def read_trusts(path: str | Path) -> list[dict[str, Any]]:
    """Read and check a ``trusts.csv``: one row per trust.

    Returns
    -------
    list of dict
        ``code``, ``name``, ``trust_type`` (text; may be empty), ``eligible_trainees`` and
        ``eligible_supervisors`` (int or None), in the file's order.

    Raises
    ------
    ConfigurationError
        Naming every bad row (missing columns, an empty or repeated code, a code that is not
        letters, digits, ``_``, ``.`` or ``-``, an empty name, a count that is not a whole
        number of at least 0).
    """
    p = Path(path)
    reader = csv.DictReader(io.StringIO(_trust_text(p)))
    missing = [c for c in ("code", "name") if c not in (reader.fieldnames or [])]
    if missing:
        raise ConfigurationError(
            f"{p}: the trust list needs the columns {', '.join(TRUST_COLUMNS)}; missing: "
            f"{', '.join(missing)}",
            code="missing-column",
        )
    return _checked_trusts(
        ((f"line {line}", raw) for line, raw in enumerate(reader, start=2)), str(p)
    )


def _trust_text(p: Path) -> str:
    """The text of the trust list ``p``: UTF-8 (a byte order mark or none), or UTF-16 with its
    byte order mark (Excel's "Unicode text"); :class:`ConfigurationError` naming the line of
    the first byte that is neither, and how to save the file."""
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"{p}: cannot read the trust list: {exc}") from exc
    return file_text(raw, f"{p} (the trust list)", error=ConfigurationError, code="configuration")


def _checked_trusts(
    rows_in: Iterable[tuple[str, Mapping[str, Any]]], source: str
) -> list[dict[str, Any]]:
    """The trusts of ``rows_in`` (``(where, row)`` pairs: ``line 2`` of a file, or
    ``trusts[0]`` of a list), checked; :class:`ConfigurationError` (``invalid-trusts``) listing
    every bad row."""
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for where, raw in rows_in:
        text = {k: _cell(raw.get(k)) for k in TRUST_COLUMNS}
        if not any(text.values()) and not any(_cell(v) for v in raw.values()):
            continue
        code, name = text["code"], text["name"]
        bad = [k for k in TRUST_COLUMNS if text[k] is None]
        problems += [
            f"{where}: {k} must be text, not {type(raw.get(k)).__name__} ({raw.get(k)!r})"
            for k in bad
        ]
        if "code" not in bad and not _CODE.match(code or ""):
            problems.append(f"{where}: code {code!r} must be letters, digits, '_', '.' or '-'")
        elif "code" not in bad and code in seen:
            problems.append(f"{where}: code {code!r} is already used on {seen[code]}")
        elif "code" not in bad:
            seen[str(code)] = where
        if not name and "name" not in bad:
            problems.append(f"{where}: trust {code!r} has no name")
        row: dict[str, Any] = {"code": code, "name": name, "trust_type": text["trust_type"] or ""}
        for key in ("eligible_trainees", "eligible_supervisors"):
            value = text[key]
            row[key] = int(value) if value and re.fullmatch(r"\d+", value) else None
            if value and row[key] is None:
                problems.append(f"{where}: {key} {value!r} is not a whole number")
        rows.append(row)
    if not rows:
        problems.append("the trust list has no trusts")
    if problems:
        raise ConfigurationError(
            f"{source}: {len(problems)} problem(s) in the trust list:\n  " + "\n  ".join(problems),
            code="invalid-trusts",
        )
    return rows


def _cell(value: Any) -> str | None:
    """A trust list's value as stripped text (``""`` when empty), or None when it is not text (a
    whole number counts as text: codes and counts may be given as numbers)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return str(int(value))
    return None


def set_trusts(folder: str | Path, trusts: str | Path | Sequence[Mapping[str, Any]]) -> list[Path]:
    """Write a trust list into every instrument of ``folder`` that has one.

    Each instrument's ``trust`` choice list is replaced (codes, names and ``trust_type``
    attributes, in the order given), and the evaluation's ``groups`` is set to the number of
    trusts. Files are edited in place, keeping their comments; every file is loaded again
    afterwards, so a bad value (a trust type that is not a code of the ``trust_type`` list) is
    reported with its file, line and column, and nothing is written.

    Parameters
    ----------
    folder : str or pathlib.Path
        A folder of instruments (``instruments/`` of a scaffolded evaluation).
    trusts : path to a ``trusts.csv``, or a sequence of mappings with ``code``, ``name`` and
        ``trust_type``

    Returns
    -------
    list of pathlib.Path
        The files changed.

    Raises
    ------
    ArgumentError
        When ``folder`` is not a path, or ``trusts`` is neither a path nor a list of mappings.
    ConfigurationError
        When ``folder`` is not a folder (``not-a-folder``); for a bad trust list, from a file
        or a list (``invalid-trusts``, see :func:`read_trusts`).
    InstrumentError
        When the edited instruments do not load; no file is changed.

    Notes
    -----
    Instruments with other trusts are new instruments for comparisons (the groups are not the
    same groups): give them your own ids and versions (see the adapting guide).
    """
    import yaml

    from .catalogue import catalogue_from_paths

    root = _instrument_folder(folder)
    rows = read_trusts(trusts) if isinstance(trusts, str | Path) else _trust_list(trusts)
    files = sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    new_text: dict[Path, str] = {}
    for path in files:
        text = path.read_text(encoding="utf-8")
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            continue  # reported when the folder is loaded below
        changed = _replace_trust_list(text, node, rows)
        changed = _replace_groups(changed, node, len(rows))
        if changed != text:
            new_text[path] = changed
    if not new_text:
        return []
    # load the edited catalogue from a copy before touching a file
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        copies = []
        for path in files:
            copy = Path(tmp) / path.relative_to(root)
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(new_text.get(path, path.read_text(encoding="utf-8")), encoding="utf-8")
            copies.append(copy)
        try:
            catalogue_from_paths(copies)
        except InstrumentError as exc:
            problems = [
                Problem(
                    str(root / Path(p.file).relative_to(tmp)) if p.file.startswith(tmp) else p.file,
                    p.line,
                    p.column,
                    p.code,
                    p.message,
                    p.path,
                )
                for p in exc.problems
            ]
            raise InstrumentError(problems, summary="the trust list does not fit") from None
    for path, text in new_text.items():
        path.write_text(text, encoding="utf-8")
    return sorted(new_text)


def _instrument_folder(folder: Any) -> Path:
    """``folder`` of :func:`set_trusts` as a path to an existing folder."""
    if not isinstance(folder, str | Path):
        raise ArgumentError(
            f"folder must be the path of a folder of instruments, not {type(folder).__name__}"
        )
    root = Path(folder)
    if not root.is_dir():
        what = "is a file, not a folder" if root.exists() else "does not exist"
        raise ConfigurationError(
            f"{root} {what}: give the folder of instruments (instruments/ of a scaffolded "
            "evaluation)",
            code="not-a-folder",
        )
    return root


def _trust_list(trusts: Any) -> list[dict[str, Any]]:
    """``trusts`` of :func:`set_trusts` given as a sequence of mappings, checked as a file is."""
    if getattr(trusts, "ndim", None) == 2 and hasattr(trusts, "to_dict"):
        trusts = trusts.to_dict("records")  # a pandas DataFrame, one row per trust
    if isinstance(trusts, Mapping | bytes) or not isinstance(trusts, Sequence):
        raise ArgumentError(
            "trusts must be the path of a trusts.csv or a list of mappings (one per trust, with "
            f"code, name and trust_type), not {type(trusts).__name__}"
        )
    not_rows = [i for i, r in enumerate(trusts) if not isinstance(r, Mapping)]
    if not_rows:
        i = not_rows[0]
        raise ArgumentError(
            f"trusts[{i}] is {type(trusts[i]).__name__} ({trusts[i]!r}), not a mapping: each "
            "trust is a mapping with code, name and trust_type"
        )
    return _checked_trusts(((f"trusts[{i}]", r) for i, r in enumerate(trusts)), "trusts")


def _child(node: Any, key: str) -> tuple[Any, Any] | None:
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return k, v
    return None


def _yaml_text(value: Any) -> str:
    text = str(value)
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9 ()'._/-]*", text) and text.lower() not in (
        "yes",
        "no",
        "true",
        "false",
        "on",
        "off",
        "null",
    ):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _replace_trust_list(text: str, root: Any, rows: Sequence[Mapping[str, Any]]) -> str:
    lists = _child(root, "choice_lists")
    found = _child(lists[1], "trust") if lists else None
    if found is None:
        return text
    key, value = found
    options = _child(value, "options")
    if options is None:
        return text
    items = getattr(options[1], "value", None)
    if not isinstance(items, list) or not items:
        return text
    lines = text.splitlines(keepends=True)
    start = options[1].start_mark.line  # the first option's line
    last = items[-1].end_mark  # just after the last option
    end = last.line + 1 if last.column else last.line
    indent = " " * options[1].start_mark.column
    new = []
    for row in rows:
        attrs = (
            f", attributes: {{trust_type: {row['trust_type']}}}" if row.get("trust_type") else ""
        )
        new.append(
            f"{indent}- {{code: {_yaml_text(row['code'])}, label: {_yaml_text(row['name'])}{attrs}}}\n"
        )
    del key
    return "".join(lines[:start] + new + lines[end:])


def _replace_groups(text: str, root: Any, n: int) -> str:
    found = _child(root, "groups")
    kind = _child(root, "kind")
    if found is None or kind is None or kind[1].value != "evaluation":
        return text
    lines = text.splitlines(keepends=True)
    targets = [found[1]]
    design = _child(root, "case_studies")
    of = _child(design[1], "of") if design else None
    if of is not None and of[1].value == found[1].value:
        targets.append(of[1])  # "6 of 19 trusts": the same count
    for value in targets:
        line = lines[value.start_mark.line]
        col = value.start_mark.column
        lines[value.start_mark.line] = line[:col] + str(n) + line[value.end_mark.column :]
    return "".join(lines)


_POLICY = """# The disclosure policy every report of this evaluation obeys (see the docs, "Disclosure").
# Start from a preset (default, gmc-nts, nhs-hes) and override a field only to make it stricter.
preset: default
# min_group: 5               # no report for a group (a trust) of fewer respondents
# min_cell: 5                # no count, percentage or mean based on fewer
# suppress_zero: false
# rounding: null             # e.g. 5 to round every published count to a multiple of 5
# min_participants_theme: 3  # an interview theme is shown for a trust only with this many
# quote_attribution: role    # or none
"""

_README = """# A new evaluation, scaffolded by leadership-eval

1. **Trusts.** Edit `trusts.csv`: one row per trust with its code (keep `t01`...
   or use your own short codes), its name, its type (`acute`, `mental_health`, `community`,
   `combined`, `specialist`, `other`) and the numbers of trainees and supervisors eligible
   to answer. Then `python run.py trusts` writes the list into every instrument.
2. **Placeholders.** Fill in `placeholders.yaml`: who runs the evaluation, the funder,
   the data controller and lawful basis, retention, contacts, the ethics decision, the local
   title of the mentor. `python run.py check` lists what is still empty.
3. **Adapt.** Edit the instruments in `instruments/` (each file explains what an adopter
   may change, under `adopter_notes`). Give every instrument you change your own id and a
   version and changelog entry: data from your version must never be pooled with another's by
   mistake. `python run.py check` validates the folder after every change.
4. **Policy.** `policy.yaml` holds the disclosure policy (the strict default to start).
5. **Deploy.** `python run.py export` writes each survey for your platform into `forms/`
   (XLSForm for ODK or KoboToolbox, and a REDCap data dictionary), with the placeholders
   filled in; it refuses while one is empty (`python run.py export --draft` to review).
6. **Report.** After fieldwork, put the platform exports in `data/` (`trainee-survey.csv`,
   `supervisor-survey.csv`, `mentor-activity-log.csv`) and run `python run.py report`.
"""

_RUN = '''"""The steps of this evaluation, written by `leadership-eval init`.

    python run.py check            validate the instruments; list placeholders still empty
    python run.py trusts           write trusts.csv into every instrument
    python run.py export [--draft] export the surveys to forms/ (XLSForm and REDCap)
    python run.py report           build the reports from data/ into reports/
"""

from __future__ import annotations

import sys
from pathlib import Path

import leadership_eval as le
from leadership_eval.instruments.placeholders import (
    check_filled,
    fill_placeholders,
    load_placeholder_values,
    unfilled_placeholders,
)
from leadership_eval.instruments.scaffold import read_trusts, set_trusts

HERE = Path(__file__).resolve().parent
INSTRUMENTS = HERE / "instruments"
SURVEYS = ("trainee-survey", "supervisor-survey", "mentor-activity-log", "mentor-trust-profile")


def check() -> int:
    catalogue = le.load_catalogue(INSTRUMENTS)
    print(f"{len(catalogue)} instruments valid")
    values = load_placeholder_values(HERE / "placeholders.yaml")
    empty = sorted({name for inst in catalogue.values() for _, name in
                    unfilled_placeholders(fill_placeholders(inst, values))})
    if empty:
        print("placeholders still empty: " + ", ".join(empty))
        return 1
    print("every placeholder is filled in")
    return 0


def trusts() -> int:
    changed = set_trusts(INSTRUMENTS, HERE / "trusts.csv")
    print(f"trust list written into {len(changed)} file(s)")
    return 0


def export(draft: bool) -> int:
    from leadership_eval.interop.redcap import to_redcap
    from leadership_eval.interop.xlsform import to_xlsform

    catalogue = le.load_catalogue(INSTRUMENTS)
    values = load_placeholder_values(HERE / "placeholders.yaml")
    out = HERE / "forms"
    out.mkdir(exist_ok=True)
    for ident in SURVEYS:
        if ident not in catalogue:
            continue
        survey = fill_placeholders(catalogue[ident], values)
        if not draft:
            check_filled(survey, catalogue.paths[ident])
        to_xlsform(survey, out / f"{ident}.xlsx")
        to_redcap(survey, out / f"{ident}-redcap.csv")
        print(f"wrote forms/{ident}.xlsx and forms/{ident}-redcap.csv")
    return 0


def report() -> int:
    catalogue = le.load_catalogue(INSTRUMENTS)
    eligible = {row["code"]: row["eligible_trainees"] for row in read_trusts(HERE / "trusts.csv")
                if row["eligible_trainees"] is not None}
    policy = le.DisclosurePolicy.from_file(HERE / "policy.yaml")
    data = HERE / "data"
    log = data / "mentor-activity-log.csv"
    log_data = le.read_responses(log, catalogue["mentor-activity-log"]) if log.is_file() else None
    for ident in ("trainee-survey", "supervisor-survey"):
        path = data / f"{ident}.csv"
        if not path.is_file():
            print(f"no {path.relative_to(HERE)}: skipped")
            continue
        survey = catalogue[ident]
        le.build_reports(
            survey,
            le.read_responses(path, survey),
            HERE / "reports" / ident,
            policy=policy,
            activity_log=log_data if ident == "trainee-survey" else None,
            activity_survey=catalogue["mentor-activity-log"] if log_data is not None else None,
            eligible=(eligible or None) if ident == "trainee-survey" else None,
        )
        print(f"wrote reports/{ident}/")
    return 0


def main(argv: list[str]) -> int:
    try:
        if argv[:1] == ["check"]:
            return check()
        if argv[:1] == ["trusts"]:
            return trusts()
        if argv[:1] == ["export"]:
            return export(draft="--draft" in argv[1:])
        if argv[:1] == ["report"]:
            return report()
    except le.LeadershipEvalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
'''
