"""Write the fixture exports of ``survey.yaml`` (run from the repository root to regenerate).

    .venv/bin/python tests/data/exports/make_exports.py

Every export holds the same ten records (``RECORDS``) with planted problems; the tests list
the problems each format must reveal. Formats that cannot carry a planted value (a word in an
SPSS numeric variable, a code outside a REDCap checkbox list) hold a valid value instead, and
the tests say so.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

HERE = Path(__file__).resolve().parent

NA = None
COLUMNS = [
    "rid",
    "grade",
    "start_date",
    "met_mentor",
    "meetings",
    "activities",
    "lead_1",
    "lead_2",
    "qi_impact",
    "hours",
    "comments",
]
# planted problems (position: column code) are listed beside each record
RECORDS = [
    ["r01", "fy1", "2024-08-07", 1, 4, "qi teach", 4, 5, 4, 10.5, NA],  # valid
    ["r02", "st", "2023-08-02", 2, NA, NA, 3, 9, NA, 2, "Très bien"],  # valid (9 = declined)
    ["r03", "fy2", "2024-02-01", 1, 60, "audit", 8, 2, NA, 5, NA],  # meetings out-of-range
    ["r04", "pns", "2022-09-01", 1, 3, "qi golf", 7, 4, 3, NA, "ok"],  # activities, lead_1 invalid
    ["r05", "fy1", "2024-13-45", 2, 5, NA, 2, 2, NA, 1, NA],  # date wrong-type; meetings hidden
    ["r06", "st", "2021-01-01", 1, NA, "teach", 1, 1, 2, 3, NA],  # meetings required; qi hidden
    ["r06", "st", "2021-01-01", 2, NA, NA, 3, 3, NA, 3, NA],  # duplicate-id (excluded)
    ["r08", NA, NA, NA, NA, NA, NA, NA, NA, NA, NA],  # empty-row (excluded)
    ["r09", "fy2", "2020-05-05", 1, 2.5, "mgmt", 5, 5, NA, -3, NA],  # not-an-integer; hours range
    ["r10", "st", "2019-10-10", 2, NA, NA, 3, 3, NA, "abc", NA],  # hours wrong-type
]


def frame():  # type: ignore[no-untyped-def]
    import pandas as pd

    return pd.DataFrame(RECORDS, columns=COLUMNS, dtype=object)


def write_csv() -> None:
    df = frame().rename(columns={"grade": "Training grade", "lead_1": " LEAD_1 "})
    df["source_note"] = ["web"] * len(df)  # a column no item matches
    df.to_csv(HERE / "responses.csv", index=False, encoding="utf-8")
    # Windows-1252, semicolons (as Excel writes in many European locales)
    df.to_csv(HERE / "responses_cp1252.csv", index=False, encoding="cp1252", sep=";")


def write_xlsx() -> None:
    df = frame()
    dates = []
    for v in df["start_date"]:
        try:
            dates.append(dt.datetime.strptime(v, "%Y-%m-%d") if v else None)
        except ValueError:
            dates.append(v)  # the planted bad date stays text
    df["start_date"] = dates
    df.to_excel(HERE / "responses.xlsx", index=False, sheet_name="responses", engine="openpyxl")


def write_sav() -> None:
    import numpy as np
    import pyreadstat

    df = frame()
    df["hours"] = df["hours"].replace({"abc": 4})  # an SPSS numeric variable holds no words
    for col in ("met_mentor", "meetings", "lead_1", "lead_2", "qi_impact", "hours"):
        df[col] = df[col].astype(float)
    for col in ("rid", "grade", "start_date", "activities", "comments"):
        df[col] = df[col].fillna("").astype(str)
    df.loc[2, "lead_1"] = -99  # user-missing "Not applicable": recoded to the survey's 8
    agree = {
        1.0: "Strongly disagree",
        2.0: "Disagree",
        3.0: "Neither agree nor disagree",
        4.0: "Agree",
        5.0: "Strongly agree",
        9.0: "Prefer not to say",
        -99.0: "Not applicable",
    }
    labels = {c: agree for c in ("lead_1", "lead_2", "qi_impact")}
    labels["met_mentor"] = {1.0: "Yes", 2.0: "No"}
    missing = {c: [-99.0, 9.0] for c in ("lead_1", "lead_2", "qi_impact")}
    pyreadstat.write_sav(
        df.replace({np.nan: None}),
        str(HERE / "responses.sav"),
        variable_value_labels=labels,
        missing_ranges=missing,
        column_labels={"rid": "Respondent id", "lead_1": "I see myself as a leader"},
    )


def write_redcap() -> None:
    import pandas as pd

    df = frame()
    out = pd.DataFrame({"record_id": df["rid"], "redcap_event_name": "baseline_arm_1"})
    for col in ("grade", "start_date", "met_mentor", "meetings"):
        out[col] = df[col]
    acts = df["activities"].fillna("").str.replace("golf", "")  # no checkbox for a stray code
    for code in ("qi", "teach", "audit", "mgmt", "pns"):
        out[f"activities___{code}"] = acts.str.split().map(lambda t, c=code: int(c in t))
    for col in ("lead_1", "lead_2", "qi_impact", "hours", "comments"):
        out[col] = df[col]
    out["trainee_survey_complete"] = 2
    out.to_csv(HERE / "redcap.csv", index=False)


def write_kobo() -> None:
    import pandas as pd

    df = frame()
    groups = {c: "about" for c in ("rid", "grade", "start_date")}
    out = pd.DataFrame({"start": "2024-09-01T10:00:00.000+01:00"}, index=df.index)
    for col in COLUMNS:
        out[f"{groups.get(col, 'mentor')}/{col}"] = df[col]
        if col == "activities":  # Kobo writes the answer and one 0/1 column per option
            acts = df["activities"].fillna("")
            for code in ("qi", "teach", "audit", "mgmt", "pns"):
                split = acts.str.split().map(lambda t, c=code: int(c in t))
                out[f"mentor/activities/{code}"] = split.where(df["activities"].notna())
    out["meta/instanceID"] = [f"uuid:{i:04d}" for i in range(len(df))]
    out["_uuid"] = [f"{i:04d}" for i in range(len(df))]
    out["_submission_time"] = "2024-09-01T10:05:00"
    out.to_csv(HERE / "kobo.csv", index=False)
    # split-only layout (group/item/code), without the combined answer column
    split_only = out.drop(columns=["mentor/activities"])
    split_only.to_csv(HERE / "kobo_split.csv", index=False)


def main() -> None:
    write_csv()
    write_xlsx()
    write_sav()
    write_redcap()
    write_kobo()


if __name__ == "__main__":
    main()
