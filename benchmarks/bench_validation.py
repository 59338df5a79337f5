"""Benchmark: ``validate_responses`` on 1,000,000 respondents x 50 items with skip logic.

Peers, on the same data and the same rules:

* pandera (``pandera.pandas``): a ``DataFrameSchema`` with one column per item (``isin``,
  ``in_range``, integer and date checks, unique respondent ids) and dataframe-wide checks for
  skip logic and required items, validated lazily so that every failure is collected;
* pydantic: one model per respondent (``Literal`` codes, bounded numbers, dates, a validator for
  multi_choice codes and a model validator for skip logic), validating each row. It is timed on
  a 20,000-row sample and extrapolated linearly to the full data (said so in the output).

Peak memory of ``validate_responses`` is measured with ``tracemalloc`` (numpy and pandas buffers
are traced) and compared with the size of the input frame (``memory_usage(deep=True)``).

Run: ``.venv/bin/python benchmarks/run.py validation`` (set ``BENCH_ROWS`` for a smaller run,
``BENCH_OURS_ONLY=1`` to time ``validate_responses`` alone, without the slow peers).
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import time
import tracemalloc
from typing import Any

import _figures

N_ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
N_LIKERT = 41  # + 9 other items = 50 items
PYDANTIC_SAMPLE = 20_000
OURS_ONLY = os.environ.get("BENCH_OURS_ONLY", "") not in ("", "0")
SEED = 20240901


def survey_yaml() -> str:
    likert = []
    for i in range(1, N_LIKERT + 1):
        show = ', show_if: "met_mentor == 1"' if i % 4 == 0 else ""
        req = ", required: true" if i <= 5 else ""
        likert.append(
            f"      - {{id: l{i:02d}, type: likert, choices: agree5, text: L{i}{show}{req}}}"
        )
    likert_text = "\n".join(likert)
    return f"""
kind: survey
id: bench
version: 1.0.0
title: Benchmark survey
respondent_id: rid
choice_lists:
  agree5:
    ordered: true
    options: [{{code: 1, label: a}}, {{code: 2, label: b}}, {{code: 3, label: c}},
              {{code: 4, label: d}}, {{code: 5, label: e}}]
    missing: [{{code: 8, label: Not applicable}}, {{code: 9, label: Prefer not to say}}]
  grade:
    options: [{{code: fy1, label: FY1}}, {{code: fy2, label: FY2}}, {{code: st, label: ST}}]
    missing: [{{code: pns, label: Prefer not to say}}]
  yesno:
    options: [{{code: 1, label: "Yes"}}, {{code: 2, label: "No"}}]
  acts:
    options: [{{code: qi, label: QI}}, {{code: teach, label: Teaching}},
              {{code: audit, label: Audit}}, {{code: mgmt, label: Management}}]
    missing: [{{code: pns, label: Prefer not to say}}]
sections:
  - id: s
    title: S
    items:
      - {{id: rid, type: text, text: Id}}
      - {{id: grade, type: choice, choices: grade, text: Grade, required: true}}
      - {{id: start_date, type: date, text: Start}}
      - {{id: met_mentor, type: choice, choices: yesno, text: Met?, required: true}}
      - {{id: meetings, type: number, text: N, min: 0, max: 52, integer: true,
         show_if: "met_mentor == 1", required: true}}
      - {{id: activities, type: multi_choice, choices: acts, text: A,
         show_if: "met_mentor == 1"}}
      - {{id: qi_impact, type: likert, choices: agree5, text: QI,
         show_if: "selected(activities, 'qi')"}}
      - {{id: hours, type: number, text: H, min: 0, max: 100}}
      - {{id: comments, type: text, text: C, show_if: "grade != 'fy1'"}}
{likert_text}
"""


def make_data(n: int) -> Any:
    """Raw-form responses that follow the skip logic, with ~0.1% planted errors."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(SEED)
    cols: dict[str, Any] = {}
    cols["rid"] = pd.array([f"r{i:07d}" for i in range(n)], dtype="str")
    grade = np.array(["fy1", "fy2", "st", "pns"], dtype=object)[rng.integers(0, 4, n)]
    cols["grade"] = pd.array(grade, dtype="str")
    days = rng.integers(0, 2000, n)
    dates = (np.datetime64("2019-01-01") + days).astype(str)
    cols["start_date"] = pd.array(dates.astype(object), dtype="str")
    met = rng.integers(1, 3, n)
    cols["met_mentor"] = pd.array(met, dtype="Int64")
    shown = met == 1
    cols["meetings"] = np.where(shown, rng.integers(0, 30, n), np.nan).astype(float)
    combos = np.array(["qi", "teach", "qi teach", "audit mgmt", "qi audit", "mgmt", "pns"])
    acts = combos[rng.integers(0, len(combos), n)].astype(object)
    acts[~shown] = None
    cols["activities"] = pd.array(acts, dtype="str")
    has_qi = (
        shown
        & np.array(["qi" in (a or "").split() for a in combos])[rng.integers(0, len(combos), n)]
    )
    # recompute has_qi from the answers actually drawn (vectorised over the few combos)
    has_qi = pd.Series(acts).isin([c for c in combos if "qi" in c.split()]).to_numpy()
    qi = pd.array(rng.integers(1, 6, n), dtype="Int64")
    qi[~has_qi] = pd.NA
    cols["qi_impact"] = qi
    cols["hours"] = np.round(rng.uniform(0, 100, n), 1)
    comm = np.where(grade != "fy1", "some text", None).astype(object)
    comm[rng.random(n) < 0.7] = None
    cols["comments"] = pd.array(comm, dtype="str")
    for i in range(1, N_LIKERT + 1):
        v = rng.choice(np.array([1, 2, 3, 4, 5, 8, 9]), n, p=[0.18] * 5 + [0.05] * 2)
        arr = pd.array(v, dtype="Int64")
        if i % 4 == 0:
            arr[~shown] = pd.NA
        elif i > 5:
            arr[rng.random(n) < 0.03] = pd.NA
        cols[f"l{i:02d}"] = arr
    df = pd.DataFrame(cols)
    # plant errors: invalid codes, out of range, hidden answers, a few duplicate ids
    k = max(1, n // 1000)
    pos = rng.choice(n, size=k, replace=False)
    df.loc[pos[: k // 4], "l01"] = 7
    df.loc[pos[k // 4 : k // 2], "hours"] = 150.0
    hidden_rows = np.flatnonzero(~shown)[: k // 4]
    df.loc[hidden_rows, "l04"] = 3
    df.loc[pos[3 * k // 4 :][:10], "rid"] = "r0000000"
    return df


def pandera_schema(survey: Any) -> Any:
    import pandas as pd
    import pandera.pandas as pa

    cols: dict[str, Any] = {}
    for item in survey.questions:
        choice = survey.choices_for(item)
        if item.type in ("likert", "choice") and choice is not None:
            cols[item.id] = pa.Column(checks=pa.Check.isin(choice.all_codes), nullable=True)
        elif item.type == "number":
            checks = [pa.Check.in_range(item.min, item.max)]
            if item.integer:
                checks.append(pa.Check(lambda s: s % 1 == 0, name="integer"))
            cols[item.id] = pa.Column(float, checks=checks, nullable=True)
        elif item.type == "date":
            cols[item.id] = pa.Column(
                checks=pa.Check(
                    lambda s: pd.to_datetime(s, format="ISO8601", errors="coerce").notna(),
                    name="iso_date",
                ),
                nullable=True,
            )
        elif item.type == "multi_choice" and choice is not None:
            codes = [str(c) for c in choice.all_codes]
            cols[item.id] = pa.Column(
                checks=pa.Check(
                    lambda s, codes=codes: (
                        s.str.split().explode().isin(codes).groupby(level=0).all()
                    ),
                    name="codes",
                ),
                nullable=True,
            )
        elif item.id == survey.respondent_id:
            cols[item.id] = pa.Column(unique=True, nullable=True)
        else:
            cols[item.id] = pa.Column(nullable=True)

    def met(df: Any) -> Any:
        return df["met_mentor"] == 1

    checks = [
        pa.Check(lambda df: ~(~met(df) & df["meetings"].notna()), name="meetings_hidden"),
        pa.Check(lambda df: ~(~met(df) & df["activities"].notna()), name="activities_hidden"),
        pa.Check(
            lambda df: (
                ~(
                    ~df["activities"].fillna("").str.contains(r"(?:^|\s)qi(?:\s|$)")
                    & df["qi_impact"].notna()
                )
            ),
            name="qi_hidden",
        ),
        pa.Check(lambda df: ~((df["grade"] == "fy1") & df["comments"].notna()), name="c_hidden"),
        pa.Check(lambda df: ~(met(df) & df["meetings"].isna()), name="meetings_required"),
        pa.Check(lambda df: df["grade"].notna(), name="grade_required"),
        pa.Check(lambda df: df["met_mentor"].notna(), name="met_required"),
    ]
    for i in range(1, N_LIKERT + 1):
        c = f"l{i:02d}"
        if i % 4 == 0:
            checks.append(pa.Check(lambda df, c=c: ~(~met(df) & df[c].notna()), name=f"{c}_hidden"))
        if i <= 5 and i % 4 == 0:  # required where shown
            checks.append(pa.Check(lambda df, c=c: ~(met(df) & df[c].isna()), name=f"{c}_required"))
        elif i <= 5:
            checks.append(pa.Check(lambda df, c=c: df[c].notna(), name=f"{c}_required"))
    return pa.DataFrameSchema(cols, checks=checks)


def pydantic_model(survey: Any) -> Any:
    from typing import Literal as L

    from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

    agree = L[1, 2, 3, 4, 5, 8, 9]
    fields: dict[str, Any] = {}
    ns: dict[str, Any] = {"__annotations__": fields}
    fields["rid"] = str
    fields["grade"] = L["fy1", "fy2", "st", "pns"]
    fields["start_date"] = dt.date | None
    fields["met_mentor"] = L[1, 2]
    fields["meetings"] = int | None
    ns["meetings"] = Field(None, ge=0, le=52)
    fields["activities"] = str | None
    ns["activities"] = None
    fields["qi_impact"] = agree | None
    ns["qi_impact"] = None
    fields["hours"] = float | None
    ns["hours"] = Field(None, ge=0, le=100)
    fields["comments"] = str | None
    ns["comments"] = None
    ns["start_date"] = None
    for i in range(1, N_LIKERT + 1):
        always = i <= 5 and i % 4 != 0  # required and never hidden
        fields[f"l{i:02d}"] = agree if always else agree | None
        if not always:
            ns[f"l{i:02d}"] = None
    ns["model_config"] = ConfigDict(extra="forbid")
    codes = {"qi", "teach", "audit", "mgmt", "pns"}

    def check_acts(cls: Any, v: str | None) -> str | None:
        if v is not None and not set(v.split()) <= codes:
            raise ValueError("invalid code")
        return v

    def skip(self: Any) -> Any:
        met = self.met_mentor == 1
        if not met and (self.meetings is not None or self.activities is not None):
            raise ValueError("answered when hidden")
        if met and self.meetings is None:
            raise ValueError("meetings required")
        if self.qi_impact is not None and "qi" not in (self.activities or "").split():
            raise ValueError("qi_impact answered when hidden")
        if self.grade == "fy1" and self.comments is not None:
            raise ValueError("comments answered when hidden")
        for i in range(4, N_LIKERT + 1, 4):
            if not met and getattr(self, f"l{i:02d}") is not None:
                raise ValueError("answered when hidden")
            if met and i <= 5 and getattr(self, f"l{i:02d}") is None:
                raise ValueError("required")
        return self

    ns["_acts"] = field_validator("activities")(classmethod(check_acts))  # type: ignore[arg-type]
    ns["_skip"] = model_validator(mode="after")(skip)
    return type("Row", (BaseModel,), ns)


def main() -> None:
    import numpy as np
    import pandas as pd
    from pydantic import ValidationError

    from leadership_eval.instruments.loader import loads_instrument
    from leadership_eval.responses import validate_responses

    survey = loads_instrument(survey_yaml(), "bench.yaml")
    t0 = time.perf_counter()
    df = make_data(N_ROWS)
    size = int(df.memory_usage(deep=True).sum())
    print(
        f"data: {len(df):,} rows x {df.shape[1]} items, {size / 1e6:.0f} MB in memory "
        f"(made in {time.perf_counter() - t0:.1f} s)"
    )

    # leadership_eval (best of 2 runs; the first run's report is let go before the second, as
    # a user validating once holds one: two reports alive at once take 1.4 GB, and the second
    # run then spent up to twice as long getting fresh memory)
    times = []
    report = None
    for _ in range(2):
        report = None
        gc.collect()
        t0 = time.perf_counter()
        report = validate_responses(survey, df)
        times.append(time.perf_counter() - t0)
    assert report is not None
    t_ours = min(times)
    print(
        f"validate_responses: {t_ours:.2f} s  ({report.n_errors:,} errors; "
        f"{dict(report.summary()['n'])}; rows kept {len(report.data):,}, excluded "
        f"{len(report.excluded):,})"
    )
    # the floor: what any validator that finds repeated respondents and returns a clean copy
    # must do, hash every id and copy the rows kept (here as one take of the whole frame)
    kept = np.flatnonzero(~df.index.isin(report.excluded.index))
    floors = []
    for _ in range(2):
        gc.collect()
        t0 = time.perf_counter()
        pd.factorize(df["rid"])
        df.take(kept)
        floors.append(time.perf_counter() - t0)
    t_floor = min(floors)
    hashing = []
    for _ in range(2):
        t0 = time.perf_counter()
        pd.factorize(df["rid"])
        hashing.append(time.perf_counter() - t0)
    t_ids = min(hashing)
    print(
        f"floor: hashing {len(df):,} ids and copying the {len(kept):,} rows kept "
        f"(pandas.factorize + DataFrame.take): {t_floor:.2f} s -> validate_responses takes "
        f"{t_ours / t_floor:.1f}x the floor; hashing the ids alone takes {t_ids:.2f} s"
    )
    del report
    gc.collect()

    # peak memory
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    report = validate_responses(survey, df)
    held, peak = tracemalloc.get_traced_memory()  # held: what the report keeps allocated
    tracemalloc.stop()
    out_size = int(
        report.data.memory_usage(deep=True).sum()
        + report.missing.memory_usage(deep=True).sum()
        + report.hidden.memory_usage(deep=True).sum()
    )
    share = (peak - base) / size
    working = (peak - held) / size
    _figures.record(
        f"validate_responses {len(df):,} x {df.shape[1]}, memory peak",
        f"{share:.2f} x the data",
        f"{(held - base) / size:.2f} x: the report it returns",
        "<= 0.5 x",
        share <= 0.5,
    )
    _figures.record(
        "  of which working memory (peak less the report)",
        f"{working:.2f} x the data",
        "-",
        "<= 0.5 x",
        working <= 0.5,
    )
    print(
        f"peak memory during validate_responses (tracemalloc): {(peak - base) / 1e6:.0f} MB = "
        f"{(peak - base) / size:.2f} x the data ({size / 1e6:.0f} MB); the report it returns "
        f"holds {out_size / 1e6:.0f} MB ({(held - base) / 1e6:.0f} MB of it allocated by the "
        f"validation, the rest shared text), so the validation's working memory is "
        f"{(peak - held) / 1e6:.0f} MB"
    )
    del report
    gc.collect()
    if OURS_ONLY:
        print("BENCH_OURS_ONLY set: pandera and pydantic skipped")
        peer = "(peers skipped)"
    else:
        # pandera
        schema = pandera_schema(survey)
        import pandera.errors as pe

        t0 = time.perf_counter()
        n_pa = 0
        try:
            schema.validate(df, lazy=True)
        except pe.SchemaErrors as exc:
            n_pa = len(exc.failure_cases)
        t_pa = time.perf_counter() - t0
        print(
            f"pandera (lazy): {t_pa:.2f} s ({n_pa:,} failure cases) -> validate_responses is "
            f"{t_pa / t_ours:.1f}x faster"
        )
        peer = f"pandera {t_pa:.2f} s ({t_pa / t_ours:.1f}x)"
    _figures.record(
        f"validate_responses {len(df):,} x {df.shape[1]}",
        _figures.seconds(t_ours),
        peer,
        "<= 0.1 s",
        t_ours <= 0.1,
    )
    _figures.record(
        "  floor: hash the ids, copy the rows kept",
        _figures.seconds(t_floor),
        f"validate_responses {t_ours / t_floor:.1f}x it",
    )
    _figures.record(
        "  of which hashing the ids alone",
        _figures.seconds(t_ids),
        "pandas.factorize",
    )
    if OURS_ONLY:
        return

    # pydantic, per row, on a sample (rows -> dicts with None for NA, then one model each)
    Row = pydantic_model(survey)
    sample = df.iloc[:PYDANTIC_SAMPLE]
    t0 = time.perf_counter()
    records = sample.astype(object).where(sample.notna(), None).to_dict("records")
    t_convert = time.perf_counter() - t0
    t0 = time.perf_counter()
    bad = 0
    for rec in records:
        try:
            Row.model_validate(rec)
        except ValidationError:
            bad += 1
    t_sample = time.perf_counter() - t0
    scale = len(df) / PYDANTIC_SAMPLE
    t_pyd = t_sample * scale
    t_pyd_all = (t_sample + t_convert) * scale
    n_sample = len(sample)
    print(
        f"pydantic baseline: one Row.model_validate(dict) per respondent, timed on the first "
        f"{n_sample:,} rows only and extrapolated linearly (x{scale:.0f}) to {len(df):,} rows "
        f"(not run on the full data)"
    )
    print(
        f"  model_validate alone: {t_sample:.2f} s on the sample -> {t_pyd:.1f} s estimated; "
        f"plus converting the rows to dicts ({t_convert:.2f} s on the sample): "
        f"{t_pyd_all:.1f} s estimated ({bad} invalid rows in the sample)"
    )
    print(
        f"-> validate_responses ({t_ours:.2f} s, measured on all rows) is "
        f"{t_pyd / t_ours:.0f}x faster than per-row pydantic model_validate alone, and "
        f"{t_pyd_all / t_ours:.0f}x counting the conversion to dicts (target: >= 100x)"
    )
    _figures.record(
        "  vs per-row pydantic",
        f"{t_pyd / t_ours:.0f}x faster",
        f"pydantic ~{t_pyd:.1f} s (extrapolated)",
        ">= 100x",
        t_pyd / t_ours >= 100,
    )
    print(f"load average while running: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    _ = np  # numpy is used by make_data
    _ = pd


if __name__ == "__main__":
    main()
