"""Response exports written exactly as each survey platform writes them.

Each writer takes a survey and responses in the library's raw form (as ``simulate_responses``
makes them) and writes the file that platform would give an analyst who collected those answers
with the survey exported by this library (``to_xlsform``, ``to_redcap``, ``to_limesurvey``) or
built by hand on the platform from the same wording. Every convention is cited beside the code
that follows it: the platform's documentation, its source, or a real export's header rows. The
writers share no code with the reader they test.

Each writer returns ``(path, ids)``: the file and the platform's own record id of each row, which
the reader must put in the survey's respondent id column.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import uuid
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from leadership_eval.instruments.models import Item, Survey, text_in
from leadership_eval.interop.common import InteropWarning

XF = "{http://www.w3.org/2002/xforms}"
BASE = dt.datetime(2025, 3, 3, 9, 30, 0)


# ------------------------------------------------------------------------------ the answers


def questions(survey: Survey) -> list[Item]:
    """The items a respondent answers (the respondent id is the platform's own record id)."""
    return [i for i in survey.items if i.is_question and i.id != survey.respondent_id]


def _na(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and v != v)


def raw_text(v: Any) -> str:
    """A raw-form value as the platforms write codes and numbers: 3, 10.5, fy1 ('' for NA)."""
    if _na(v):
        return ""
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v)


def label(survey: Survey, item: Item, code: Any) -> str:
    cl = survey.choices_for(item)
    assert cl is not None
    for opt in (*cl.options, *cl.missing):
        if str(opt.code) == str(code):
            return text_in(opt.label)
    raise KeyError(code)


def all_codes(survey: Survey, item: Item) -> list[str]:
    cl = survey.choices_for(item)
    return [str(c) for c in cl.all_codes] if cl else []


def ticked(v: Any) -> list[str]:
    return [] if _na(v) else str(v).split()


def uk_date(v: Any) -> str:
    """2024-08-07 -> 07/08/2024 (day first, as a UK account writes dates)."""
    if _na(v):
        return ""
    y, m, d = str(v).split("-")
    return f"{d}/{m}/{y}"


def matrices(survey: Survey) -> dict[str, tuple[str, list[Item]]]:
    """Item id -> (stem, items) for runs of two or more likert items on one list in a section.

    On platforms without our export (Qualtrics, SurveyMonkey) a section's likert statements are
    built as one matrix question whose stem is the section's description (or title).
    """
    out: dict[str, tuple[str, list[Item]]] = {}
    for section in survey.sections:
        stem = text_in(section.description or section.title)
        run: list[Item] = []
        for item in [*section.items, None]:
            if (
                item is not None
                and item.type == "likert"
                and (not run or run[-1].choices == item.choices)
            ):
                run.append(item)
                continue
            if len(run) >= 2:
                for member in run:
                    out[member.id] = (stem, list(run))
            run = [item] if item is not None and item.type == "likert" else []
    return out


def _uuid(survey: Survey, row: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{survey.id}/{row}"))


# ------------------------------------------------------------------- ODK Central, Briefcase


def _xform_fields(survey: Survey, folder: Path) -> list[tuple[str, ...]]:
    """The instance's leaf paths of the XForm pyxform makes of our XLSForm export."""
    from lxml import etree
    from pyxform.xls2xform import convert

    from leadership_eval.interop.xlsform import to_xlsform

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InteropWarning)
        form = to_xlsform(survey, folder / f"{survey.id}.xlsx")
    root = etree.fromstring(convert(xlsform=str(form)).xform.encode())
    data = root.find(f".//{XF}instance/{XF}data")
    out: list[tuple[str, ...]] = []

    def walk(el: Any, path: tuple[str, ...]) -> None:
        for child in el:
            name = etree.QName(child).localname
            if len(child):
                walk(child, (*path, name))
            else:
                out.append((*path, name))

    walk(data, ())
    return out


def _odk_value(survey: Survey, row: pd.Series, field: str, ids: list[str], i: int) -> str:
    if field == "instanceID":
        return ids[i]
    if field not in row.index:  # notes hold no answer
        return ""
    return raw_text(row[field])


def odk_central(survey: Survey, data: pd.DataFrame, folder: Path, split: bool = False) -> tuple:
    """ODK Central's CSV download (``submissions.csv``, optionally with split select_multiple).

    Conventions (getodk/central-backend, test/integration/other/select-many.js, whose header
    row is asserted by Central's own tests):
    ``SubmissionDate,meta-instanceID,q1,q1/a,q1/b,g1-q2,g1-q2/x,...,KEY,SubmitterID,
    SubmitterName,AttachmentsPresent,AttachmentsExpected,Status,ReviewState,DeviceID,Edits,
    FormVersion``: fields in the order of the form's instance, group names joined with ``-``,
    select_multiple answers as space-separated codes, split columns ``field/code`` of 1/0 after
    their field (``splitSelectMultiples=true``), the instance id as ``KEY``; lines end with
    ``\\n``; values quoted only when needed (csv-stringify).
    """
    fields = _xform_fields(survey, folder)
    items = {i.id: i for i in survey.items}
    ids = [f"uuid:{_uuid(survey, i)}" for i in range(len(data))]
    header = ["SubmissionDate"]
    for path in fields:
        header.append("-".join(path))
        item = items.get(path[-1])
        if split and item is not None and item.type == "multi_choice":
            header += [f"{'-'.join(path)}/{c}" for c in all_codes(survey, item)]
    tail = ["KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent", "AttachmentsExpected"]
    tail += ["Status", "ReviewState", "DeviceID", "Edits", "FormVersion"]
    header += tail
    rows = []
    for i, (_, row) in enumerate(data.iterrows()):
        when = (BASE + dt.timedelta(hours=i)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        out = [when]
        for path in fields:
            out.append(_odk_value(survey, row, path[-1], ids, i))
            item = items.get(path[-1])
            if split and item is not None and item.type == "multi_choice":
                chosen = ticked(row[item.id])
                for c in all_codes(survey, item):
                    out.append("" if not chosen else ("1" if c in chosen else "0"))
        out += [ids[i], "5", "Data Collector", "0", "0", "", "", "", "0", survey.version]
        rows.append(out)
    path = folder / f"{survey.id}_central{'_split' if split else ''}.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path, ids


def odk_briefcase(survey: Survey, data: pd.DataFrame, folder: Path) -> tuple:
    """ODK Briefcase's CSV export.

    Conventions (getodk/briefcase, docs/export-format.md): ``SubmissionDate`` first (quoted),
    then the values block (non-repeat groups flattened, names joined with ``-``, so the meta
    block gives ``meta-instanceID``), then ``KEY`` (the instanceID). Text and select answers
    are quoted, empty ones as ``""``; numbers unquoted, empty ones as ``""``; dates quoted in
    Java's MEDIUM style (``"Apr 26, 2018"``), empty dates as an empty column; date-times
    ``"Apr 26, 2018 8:56:00 AM"``.
    """
    fields = _xform_fields(survey, folder)
    items = {i.id: i for i in survey.items}
    ids = [f"uuid:{_uuid(survey, i)}" for i in range(len(data))]

    def q(s: str) -> str:
        return '"' + s.replace('"', '""') + '"'

    header = ["SubmissionDate", *["-".join(p) for p in fields], "KEY"]
    lines = [",".join(header)]
    for i, (_, row) in enumerate(data.iterrows()):
        when = BASE + dt.timedelta(hours=i)
        stamp = f"{when:%b} {when.day}, {when:%Y} {when.hour % 12 or 12}:{when:%M:%S} "
        stamp += "AM" if when.hour < 12 else "PM"
        cells = [q(stamp)]
        for p in fields:
            item = items.get(p[-1])
            value = _odk_value(survey, row, p[-1], ids, i)
            if item is not None and item.type == "number":
                cells.append(value if value else '""')
            elif item is not None and item.type == "date":
                if value:
                    d = dt.date.fromisoformat(value)
                    cells.append(q(f"{d:%b} {d.day}, {d:%Y}"))
                else:
                    cells.append("")
            else:
                cells.append(q(value))
        cells.append(ids[i])
        lines.append(",".join(cells))
    path = folder / f"{survey.id}_briefcase.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, ids


# ----------------------------------------------------------------------------- KoboToolbox

_KOBO_TAIL = ["_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status"]
_KOBO_TAIL += ["_submitted_by", "_tags", "_index"]


def _kobo_write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    """Kobo's CSV: ``;`` between fields, every field quoted, lines ending ``\\r\\n``
    (kobotoolbox/kpi, kpi/tests/test_mock_data_exports.py, test_csv_export_default_options)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        w.writerow(header)
        w.writerows(rows)


def kobo(survey: Survey, data: pd.DataFrame, folder: Path, labels: bool = False) -> tuple:
    """KoboToolbox's CSV export, "XML values and headers" or labels.

    Conventions (kobotoolbox/kpi, kpi/tests/test_mock_data_exports.py): headers are the field
    paths joined with ``/`` (XML headers) or the question labels without their groups (label
    headers); a select_multiple gives its answer column and then one column per option
    (``question/option``) holding 1 or 0 (the default "both" layout), the answer column holding
    codes or, with labels, the options' labels joined by spaces ("Spherical Radial Bilateral");
    notes and the meta block are left out; the submission's columns follow:
    ``_id;_uuid;_submission_time;_validation_status;_notes;_status;_submitted_by;_tags;_index``.
    """
    fields = [p for p in _xform_fields(survey, folder) if p[0] != "meta"]
    items = {i.id: i for i in questions(survey)}
    fields = [p for p in fields if p[-1] in items]
    ids = [_uuid(survey, i) for i in range(len(data))]
    header: list[str] = []
    for p in fields:
        item = items[p[-1]]
        head = text_in(item.text) if labels else "/".join(p)
        header.append(head)
        if item.type == "multi_choice":
            for c in all_codes(survey, item):
                header.append(f"{head}/{label(survey, item, c) if labels else c}")
    header += _KOBO_TAIL
    rows = []
    for i, (_, row) in enumerate(data.iterrows()):
        out = []
        for p in fields:
            item = items[p[-1]]
            v = row[item.id]
            if item.type == "multi_choice":
                chosen = ticked(v)
                shown = [label(survey, item, c) for c in chosen] if labels else chosen
                out.append(" ".join(shown))
                for c in all_codes(survey, item):
                    out.append("" if not chosen else ("1" if c in chosen else "0"))
            elif labels and item.type in ("likert", "choice") and not _na(v):
                out.append(label(survey, item, v))
            else:
                out.append(raw_text(v))
        when = (BASE + dt.timedelta(hours=i)).strftime("%Y-%m-%dT%H:%M:%S")
        out += [str(61 + i), ids[i], when, "", "", "submitted_via_web", "", "", str(i + 1)]
        rows.append(out)
    path = folder / f"{survey.id}_kobo{'_labels' if labels else ''}.csv"
    _kobo_write(path, header, rows)
    return path, ids


# ---------------------------------------------------------------------------------- REDCap


def _dictionary(survey: Survey, folder: Path) -> list[dict[str, str]]:
    from leadership_eval.interop.redcap import to_redcap

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InteropWarning)
        path = to_redcap(survey, folder / f"{survey.id}_dictionary.csv")
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _redcap_choices(text: str) -> list[tuple[str, str]]:
    out = []
    for part in text.split("|"):
        code, _, lab = part.strip().partition(",")
        out.append((code.strip(), lab.strip()))
    return out


def redcap(survey: Survey, data: pd.DataFrame, folder: Path, labels: bool = False) -> tuple:
    """REDCap's "CSV / Microsoft Excel (raw data)" or "(labels)" export of a survey project.

    Built from the data dictionary ``to_redcap`` writes, as REDCap builds its exports from the
    project's dictionary. Conventions (OuhscBbmc/REDCapR, inst/test-data/specific-redcapr/
    read-oneshot/label.R and label-header.R, real exports of REDCap's test project): the record
    id first; checkbox fields as one column per choice ``field___code`` holding 1/0 (raw) or
    ``Checked``/``Unchecked`` (labels); descriptive fields have no column; each form ends with
    ``form_complete`` (raw 0/1/2, labels ``Incomplete``/``Unverified``/``Complete``). Label
    headers are the field labels, a checkbox choice ``Label (choice=Choice label)`` and the
    form status ``Complete?``. Survey projects add ``redcap_survey_identifier`` and
    ``form_timestamp`` ("Survey Identifier", "Survey Timestamp") after the record id.
    """
    fields = _dictionary(survey, folder)
    form = fields[0]["Form Name"]
    rid = survey.respondent_id
    if rid and rid in data.columns:
        ids = [str(v) for v in data[rid]]
    else:  # REDCap numbers the records itself
        ids = [str(i + 1) for i in range(len(data))]
    header = [
        fields[0]["Field Label"] if labels else fields[0]["Variable / Field Name"],
        "Survey Identifier" if labels else "redcap_survey_identifier",
        "Survey Timestamp" if labels else f"{form}_timestamp",
    ]
    columns: list[tuple[str, str | None]] = []  # (field, code)
    for f in fields[1:]:
        kind = f["Field Type"]
        if kind == "descriptive":
            continue
        if kind == "checkbox":
            for code, lab in _redcap_choices(f["Choices, Calculations, OR Slider Labels"]):
                header.append(
                    f"{f['Field Label']} (choice={lab})"
                    if labels
                    else f"{f['Variable / Field Name']}___{code.lower()}"
                )
                columns.append((f["Variable / Field Name"], code))
        else:
            header.append(f["Field Label"] if labels else f["Variable / Field Name"])
            columns.append((f["Variable / Field Name"], None))
    header.append("Complete?" if labels else f"{form}_complete")
    spec = {f["Variable / Field Name"]: f for f in fields}
    rows = []
    for i, (_, row) in enumerate(data.iterrows()):
        when = (BASE + dt.timedelta(hours=i)).strftime("%Y-%m-%d %H:%M:%S")
        out = [ids[i], "", when]
        for field, code in columns:
            v = row[field]
            if code is not None:
                on = code in ticked(v)
                out.append(("Checked" if on else "Unchecked") if labels else ("1" if on else "0"))
            elif labels and spec[field]["Field Type"] == "radio" and not _na(v):
                pairs = dict(
                    _redcap_choices(spec[field]["Choices, Calculations, OR Slider Labels"])
                )
                out.append(pairs[raw_text(v)])
            else:
                out.append(raw_text(v))
        out.append("Complete" if labels else "2")
        rows.append(out)
    path = folder / f"{survey.id}_redcap{'_labels' if labels else ''}.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path, ids


# ------------------------------------------------------------------------------ LimeSurvey


def limesurvey(survey: Survey, data: pd.DataFrame, folder: Path, headings: str = "code") -> tuple:
    """LimeSurvey's "Export responses" CSV of the survey ``to_limesurvey`` wrote.

    Questions, subquestions and codes are read from the ``.txt`` survey structure and the
    ``_codes.csv`` mapping written beside it (as LimeSurvey keeps the codes it imported).
    Conventions (LimeSurvey/LimeSurvey, application/helpers/admin/export/CsvWriter.php,
    Writer.php and SurveyObj.php): UTF-8 with a byte order mark, every value quoted, lines
    ending ``\\r\\n`` and one empty line at the end; the response table's own columns first
    (``id, submitdate, lastpage, startlanguage, seed, startdate, datestamp``); "Question code"
    headings ``code`` and ``code[SQ]`` for a multiple-choice subquestion (``headings="em"``:
    ExpressionScript codes ``code_SQ``); "Full question text" headings the question's text,
    ``Question [Subquestion]`` for a subquestion; short answers are the answer codes, ``Y`` or
    empty for a subquestion, numbers without trailing zeros, dates as ``YYYY-MM-DD 00:00:00``;
    full answers are the answer texts and ``Yes``/``No`` for subquestions. Boilerplate (``X``)
    questions have no column.
    """
    from leadership_eval.interop.limesurvey import limesurvey_codes_path, to_limesurvey

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InteropWarning)
        structure = to_limesurvey(survey, folder / f"{survey.id}.txt")
    with structure.open(encoding="utf-8-sig", newline="") as fh:
        rows_ls = [r for r in csv.DictReader(fh, delimiter="\t")]
    base = rows_ls[0]["text"]
    ls_rows = [r for r in rows_ls if r["language"] in (base, "")]
    with limesurvey_codes_path(structure).open(encoding="utf-8", newline="") as fh:
        mapping = list(csv.DictReader(fh))
    item_of = {m["limesurvey"]: m["item"] for m in mapping if not m["code"]}
    code_of = {(m["item"], m["limesurvey"]): m["code"] for m in mapping if m["code"]}
    full = headings == "full"
    header = ["id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp"]
    columns: list[tuple[str, str, str]] = []  # (item, kind, subquestion code)
    current = None
    answers: dict[str, dict[str, str]] = {}
    for r in ls_rows:
        if r["class"] == "Q":
            current = r
            if r["type/scale"] in ("X", "M"):
                continue
            header.append(r["text"] if full else r["name"])
            columns.append((item_of[r["name"]], r["type/scale"], ""))
        elif r["class"] == "SQ" and current is not None:
            q = current["name"]
            if full:
                header.append(f"{current['text']} [{r['text']}]")
            else:
                header.append(f"{q}_{r['name']}" if headings == "em" else f"{q}[{r['name']}]")
            columns.append((item_of[q], "SQ", r["name"]))
        elif r["class"] == "A" and current is not None:
            answers.setdefault(item_of[current["name"]], {})[r["name"]] = r["text"]
    ls_code = {(m["item"], m["code"]): m["limesurvey"] for m in mapping if m["code"]}
    ids = [str(i + 1) for i in range(len(data))]
    out_rows = []
    for i, (_, row) in enumerate(data.iterrows()):
        when = (BASE + dt.timedelta(hours=i)).strftime("%Y-%m-%d %H:%M:%S")
        out = [ids[i], when, "9", "en", str(1000 + i), when, when]
        for item_id, kind, sq in columns:
            v = row[item_id]
            if kind == "SQ":
                on = code_of[(item_id, sq)] in ticked(v)
                out.append(("Yes" if on else "No") if full else ("Y" if on else ""))
            elif kind == "L":
                code = "" if _na(v) else ls_code[(item_id, raw_text(v))]
                out.append(answers[item_id][code] if full and code else code)
            elif kind == "D":
                out.append("" if _na(v) else f"{v} 00:00:00")
            else:
                out.append(raw_text(v))
        out_rows.append(out)
    path = folder / f"{survey.id}_limesurvey_{headings}.csv"
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        w.writerow(header)
        w.writerows(out_rows)
        fh.write("\r\n")
    return path, ids


# ------------------------------------------------------------------------- Microsoft Forms


def msforms(survey: Survey, data: pd.DataFrame, folder: Path) -> tuple:
    """Microsoft Forms' "Open results in Excel" workbook of the survey built on Forms.

    Conventions (a real download's header row, quoted in a public project's tests:
    ``ID, Start time, Completion time, Email, Name, Last modified time``, then the questions;
    anonymous responses have ``anonymous`` as email; a "choice" question allowing several answers
    holds the chosen options joined and ended by ``;`` ("Excel;Power BI;")): headers are the
    question texts (each statement of a Likert question is a column of its own), answers are
    the options' texts; dates as the account's locale writes them (UK: day first).
    """
    from openpyxl import Workbook

    items = questions(survey)
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(
        ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time"]
        + [text_in(i.text) for i in items]
    )
    ids = [str(i + 1) for i in range(len(data))]
    for i, (_, row) in enumerate(data.iterrows()):
        start = BASE + dt.timedelta(hours=i)
        out: list[Any] = [i + 1, start, start + dt.timedelta(minutes=9), "anonymous", None, None]
        for item in items:
            v = row[item.id]
            if _na(v):
                out.append(None)
            elif item.type == "multi_choice":
                out.append("".join(f"{label(survey, item, c)};" for c in ticked(v)))
            elif item.type in ("likert", "choice"):
                out.append(label(survey, item, v))
            elif item.type == "number":
                out.append(float(v) if not float(v).is_integer() else int(v))
            elif item.type == "date":
                out.append(uk_date(v))
            else:
                out.append(str(v))
        ws.append(out)
    path = folder / f"{survey.id}_msforms.xlsx"
    wb.save(path)
    return path, ids


# ------------------------------------------------------------------------------- Qualtrics


def qualtrics(survey: Survey, data: pd.DataFrame, folder: Path, values: str = "text") -> tuple:
    """Qualtrics' "Download data table" CSV of the survey built on Qualtrics.

    Conventions (ropensci/qualtRics, tests/testthat/files/sample.csv, a real export): three
    header rows: the export tags (``StartDate,EndDate,Status,IPAddress,Progress,Duration (in
    seconds),Finished,RecordedDate,ResponseId,RecipientLastName,RecipientFirstName,
    RecipientEmail,ExternalReference,LocationLatitude,LocationLongitude,DistributionChannel,
    UserLanguage``, then ``Q1``, ``Q2``... and ``Q5_1`` for row 1 of matrix ``Q5``), the
    question texts (a matrix row as ``Stem - Statement``), and ``{"ImportId":"QID1"}`` cells;
    values are the choice texts ("Use choice text") or their recode values ("Use numeric
    values"; here the recode values were set to the survey's codes, as the survey's codebook
    asks); a multiple-answer question holds its choices joined by commas. Response ids look
    like ``R_2YPOQ602ER1jkf1``. Dates in a text box validated as dd/mm/yyyy.
    """
    meta = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)"]
    meta += ["Finished", "RecordedDate", "ResponseId", "RecipientLastName"]
    meta += ["RecipientFirstName", "RecipientEmail", "ExternalReference", "LocationLatitude"]
    meta += ["LocationLongitude", "DistributionChannel", "UserLanguage"]
    texts = ["Start Date", "End Date", "Response Type", "IP Address", "Progress"]
    texts += ["Duration (in seconds)", "Finished", "Recorded Date", "Response ID"]
    texts += ["Recipient Last Name", "Recipient First Name", "Recipient Email"]
    texts += ["External Data Reference", "Location Latitude", "Location Longitude"]
    texts += ["Distribution Channel", "User Language"]
    import_ids = ["startDate", "endDate", "status", "ipAddress", "progress", "duration"]
    import_ids += ["finished", "recordedDate", "_recordId", "recipientLastName"]
    import_ids += ["recipientFirstName", "recipientEmail", "externalDataReference"]
    import_ids += ["locationLatitude", "locationLongitude", "distributionChannel", "userLanguage"]
    row1, row2, row3 = list(meta), list(texts), [json.dumps({"ImportId": x}) for x in import_ids]
    mats = matrices(survey)
    n, items, done = 0, [], set()
    for item in questions(survey):
        if item.id in done:
            continue
        n += 1
        if item.id in mats:
            stem, members = mats[item.id]
            for k, m in enumerate(members, start=1):
                row1.append(f"Q{n}_{k}")
                row2.append(f"{stem} - {text_in(m.text)}")
                row3.append(json.dumps({"ImportId": f"QID{n}_{k}"}))
                items.append(m)
                done.add(m.id)
        else:
            row1.append(f"Q{n}")
            row2.append(text_in(item.text))
            suffix = "_TEXT" if item.type in ("text", "number", "date") else ""
            row3.append(json.dumps({"ImportId": f"QID{n}{suffix}"}))
            items.append(item)
    ids = [
        f"R_{uuid.uuid5(uuid.NAMESPACE_DNS, f'{survey.id}{i}').hex[:15]}" for i in range(len(data))
    ]
    rows = []
    for i, (_, row) in enumerate(data.iterrows()):
        start = BASE + dt.timedelta(hours=i)
        end = start + dt.timedelta(minutes=11)
        out = [f"{start:%Y-%m-%d %H:%M:%S}", f"{end:%Y-%m-%d %H:%M:%S}", "0", "", "100", "660"]
        out += ["1", f"{end:%Y-%m-%d %H:%M:%S}", ids[i], "", "", "", "", "", "", "anonymous", "EN"]
        for item in items:
            v = row[item.id]
            if _na(v):
                out.append("")
            elif item.type == "multi_choice":
                chosen = ticked(v)
                if values == "text":
                    out.append(",".join(label(survey, item, c) for c in chosen))
                else:
                    out.append(",".join(chosen))
            elif item.type in ("likert", "choice"):
                out.append(label(survey, item, v) if values == "text" else raw_text(v))
            elif item.type == "date":
                out.append(uk_date(v))
            else:
                out.append(raw_text(v))
        rows.append(out)
    path = folder / f"{survey.id}_qualtrics_{values}.csv"
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerows([row1, row2, row3, *rows])
    return path, ids


# ---------------------------------------------------------------------------- SurveyMonkey


def surveymonkey(survey: Survey, data: pd.DataFrame, folder: Path) -> tuple:
    """SurveyMonkey's "All individual responses" CSV (expanded) of the survey built on it.

    Conventions (real exports' first header rows, quoted in public projects: ``Respondent ID,
    Collector ID,Start Date,End Date,IP Address,Email Address,First Name,Last Name,Custom Data
    1,`` then the questions, a question's text over its first column and blank over the rest of
    its columns): a second header row names each column: ``Response`` for a one-answer
    question, ``Open-Ended Response`` for a text box, the option for each column of a
    multiple-answer question (the cell holds the option's text when it was ticked), the row's
    statement for each column of a matrix (the cell holds the chosen column's text).
    """
    meta = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address"]
    meta += ["Email Address", "First Name", "Last Name", "Custom Data 1"]
    row1, row2 = list(meta), [""] * len(meta)
    mats = matrices(survey)
    layout: list[tuple[Item, str | None]] = []  # (item, option code) per column
    done: set[str] = set()
    for item in questions(survey):
        if item.id in done:
            continue
        if item.id in mats:
            stem, members = mats[item.id]
            for k, m in enumerate(members):
                row1.append(stem if k == 0 else "")
                row2.append(text_in(m.text))
                layout.append((m, None))
                done.add(m.id)
        elif item.type == "multi_choice":
            for k, c in enumerate(all_codes(survey, item)):
                row1.append(text_in(item.text) if k == 0 else "")
                row2.append(label(survey, item, c))
                layout.append((item, c))
        else:
            row1.append(text_in(item.text))
            row2.append("Open-Ended Response" if item.type == "text" else "Response")
            layout.append((item, None))
    ids = [str(114_000_000_001 + i) for i in range(len(data))]
    rows = []
    for i, (_, row) in enumerate(data.iterrows()):
        start = BASE + dt.timedelta(hours=i)
        out = [ids[i], "431000001", f"{start:%m/%d/%Y %I:%M:%S %p}"]
        out += [f"{start + dt.timedelta(minutes=7):%m/%d/%Y %I:%M:%S %p}", "", "", "", "", ""]
        for item, code in layout:
            v = row[item.id]
            if code is not None:
                out.append(label(survey, item, code) if code in ticked(v) else "")
            elif _na(v):
                out.append("")
            elif item.type in ("likert", "choice"):
                out.append(label(survey, item, v))
            elif item.type == "date":
                out.append(uk_date(v))
            else:
                out.append(raw_text(v))
        rows.append(out)
    path = folder / f"{survey.id}_surveymonkey.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerows([row1, row2, *rows])
    return path, ids


# ---------------------------------------------------------------------- Jisc Online Surveys


def jisc(survey: Survey, data: pd.DataFrame, folder: Path) -> tuple:
    """Jisc Online Surveys' response download: an ASSUMED layout, not yet checked.

    Neither a real Jisc export nor a description of its columns was found among the references
    searched, so this layout is an assumption to be checked against a real download: a
    ``Response ID`` and start and completion times, then one column per question headed by the
    question's number and text (``3. What is your current grade?``; a grid's rows as ``7.1.
    Statement``), answers as the options' texts, several answers joined by ``; ``.
    """
    row1 = ["Response ID", "Started", "Completed"]
    mats = matrices(survey)
    layout: list[Item] = []
    n, done = 0, set()
    for item in questions(survey):
        if item.id in done:
            continue
        n += 1
        if item.id in mats:
            _, members = mats[item.id]
            for k, m in enumerate(members, start=1):
                row1.append(f"{n}.{k}. {text_in(m.text)}")
                layout.append(m)
                done.add(m.id)
        else:
            row1.append(f"{n}. {text_in(item.text)}")
            layout.append(item)
    ids = [str(88_000_001 + i) for i in range(len(data))]
    rows = []
    for i, (_, row) in enumerate(data.iterrows()):
        start = BASE + dt.timedelta(hours=i)
        out = [
            ids[i],
            f"{start:%d/%m/%Y %H:%M}",
            f"{start + dt.timedelta(minutes=8):%d/%m/%Y %H:%M}",
        ]
        for item in layout:
            v = row[item.id]
            if _na(v):
                out.append("")
            elif item.type == "multi_choice":
                out.append("; ".join(label(survey, item, c) for c in ticked(v)))
            elif item.type in ("likert", "choice"):
                out.append(label(survey, item, v))
            elif item.type == "date":
                out.append(uk_date(v))
            else:
                out.append(raw_text(v))
        rows.append(out)
    path = folder / f"{survey.id}_jisc.csv"
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerows([row1, *rows])
    return path, ids
