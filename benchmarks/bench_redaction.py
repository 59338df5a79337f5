"""Benchmark: free-text redaction, accuracy and speed.

Accuracy: recall and precision per entity type of ``find_personal_data`` on the labelled corpus
``tests/data/redaction_corpus.jsonl`` (trainee and supervisor comments with names, contact
details, NHS/GMC/NI numbers, postcodes, dates of birth, places, and hard negatives), with the
corpus's rosters. A found span counts when it overlaps a labelled entity of the same type.

Peer: scrubadub 2.0 (``Scrubber(locale="en_GB")``, its default detectors: email, phone via
libphonenumber, UK postcode, National Insurance number, URL...), scored on the same corpus and
rules for the types it has. It has no NHS number, GMC number, date-of-birth, place or (without
extra models) name detector. If scrubadub is not installed the peer is skipped.

Before and after: the same measures for the redaction as it was before issue 12 (lower-case
names, names after non-breaking spaces, social-media handles, postcodes without a space,
full-width characters, National Insurance numbers in unusual spacing), side by side with the
current one, in one run. The earlier version is taken from git (``BENCH_BASELINE``, default the
commit before that work), unpacked into a temporary folder and run in a subprocess on the
current corpus; without git it is skipped, said so in the output.

Speed: ``redact_series`` (each pattern compiled once, applied with ``Series.str.replace``) on a
column of ``BENCH_TEXTS`` comments (default 50,000: the corpus repeated), against
``Series.map(redact_text)`` and scrubadub's ``clean`` per text (timed on a sample and
extrapolated, said so in the output).

Run: ``.venv/bin/python benchmarks/run.py redaction``.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import _figures
import pandas as pd

from leadership_eval.privacy.text import (
    Span,
    evaluate_redaction,
    load_redaction_corpus,
    redact_series,
    redact_text,
)

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "redaction_corpus.jsonl"
# the redaction before issue 12 (lower case, Unicode spaces, handles, full-width...)
BASELINE = os.environ.get("BENCH_BASELINE", "4e87a4b73bfa907fd0ee17bd3de3d52f98ff2712")
N_TEXTS = int(os.environ.get("BENCH_TEXTS", "50000"))
PEER_SAMPLE = 5_000

_SCRUBADUB_TYPES = {
    "email": "EMAIL",
    "phone": "PHONE",
    "postalcode": "POSTCODE",
    "national_insurance_number": "NI_NUMBER",
    "url": "URL",
    "name": "NAME",
}


def _scrubadub_finder():  # type: ignore[no-untyped-def]
    try:
        import scrubadub
    except ImportError:
        return None
    scrubber = scrubadub.Scrubber(locale="en_GB")

    def find(text: str, names: Sequence[str], places: Sequence[str]) -> Iterable[Span]:
        for f in scrubber.iter_filth(text):
            kind = _SCRUBADUB_TYPES.get(f.type, f.type.upper())
            yield Span(kind, f.beg, f.end, text[f.beg : f.end])

    return scrubber, find


def _fmt(table: pd.DataFrame) -> str:
    return table.to_string(index=False, float_format=lambda v: f"{v:.3f}")


_BASELINE_SCRIPT = """
import sys
from leadership_eval.privacy.text import evaluate_redaction
print(evaluate_redaction(sys.argv[1]).to_json(orient="records"))
"""


def _baseline_table() -> pd.DataFrame | str:
    """The evaluation of the baseline commit's redaction on the current corpus, or why not."""
    try:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", BASELINE, "src"],
            check=True,
            capture_output=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        return f"baseline {BASELINE[:10]} not available from git ({exc})"
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        env = dict(os.environ, PYTHONPATH=str(Path(tmp) / "src"))
        done = subprocess.run(
            [sys.executable, "-c", _BASELINE_SCRIPT, str(CORPUS)],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp,
        )
    if done.returncode != 0:
        return f"baseline {BASELINE[:10]} failed: {done.stderr.strip()[-300:]}"
    return pd.DataFrame(json.loads(done.stdout))


def _before_after(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    was = before[["entity_type", "n_found", "recall", "precision"]].rename(
        columns={
            "n_found": "found_before",
            "recall": "recall_before",
            "precision": "precision_before",
        }
    )
    now = after[["entity_type", "n_true", "n_found", "recall", "precision"]].rename(
        columns={"n_found": "found_after", "recall": "recall_after", "precision": "precision_after"}
    )
    table = now.merge(was, on="entity_type", how="left")
    table["found_before"] = table["found_before"].fillna(0).astype(int)
    return table[
        [
            "entity_type",
            "n_true",
            "found_before",
            "found_after",
            "recall_before",
            "recall_after",
            "precision_before",
            "precision_after",
        ]
    ]


def main() -> None:
    records = load_redaction_corpus(CORPUS)
    n_ent = sum(len(r["entities"]) for r in records)
    n_neg = sum(not r["entities"] for r in records)
    print(f"corpus: {len(records)} comments, {n_ent} labelled entities, {n_neg} with none")

    t0 = time.perf_counter()
    ours = evaluate_redaction(records)
    t_eval = time.perf_counter() - t0
    print(f"\nleadership_eval find_personal_data ({t_eval * 1000:.0f} ms for the corpus)")
    print(_fmt(ours))

    before = _baseline_table()
    if isinstance(before, str):
        print(f"\nbefore/after skipped: {before}")
    else:
        print(
            f"\nbefore (commit {BASELINE[:10]}, before issue 12) and after, same corpus and "
            "scoring (a type the baseline did not know has no 'before' precision)"
        )
        print(_fmt(_before_after(before, ours)))

    peer = _scrubadub_finder()
    if peer is None:
        print("\nscrubadub not installed: peer skipped (pip install scrubadub)")
    else:
        scrubber, find = peer
        theirs = evaluate_redaction(records, finder=find)
        print("\nscrubadub 2.0 (en_GB default detectors), same corpus and scoring")
        print(_fmt(theirs))

    # speed
    texts = [r["text"] for r in records]
    reps = -(-N_TEXTS // len(texts))
    series = pd.Series((texts * reps)[:N_TEXTS], dtype=object)
    redact_series(series.head(10))  # compile the patterns
    t0 = time.perf_counter()
    vec = redact_series(series)
    t_vec = time.perf_counter() - t0
    t0 = time.perf_counter()
    one = series.map(redact_text)
    t_map = time.perf_counter() - t0
    assert vec.tolist() == one.tolist(), "redact_series and redact_text disagree"
    print(f"\nspeed on {len(series):,} comments (mean {series.str.len().mean():.0f} characters)")
    print(f"  redact_series            {t_vec:7.2f} s  ({len(series) / t_vec:,.0f} texts/s)")
    _figures.record(f"redact_series, {len(series):,} comments", f"{len(series) / t_vec:,.0f}/s")
    print(
        f"  Series.map(redact_text)  {t_map:7.2f} s  ({len(series) / t_map:,.0f} texts/s)"
        f"  ratio {t_map / t_vec:.2f}x"
    )
    if peer is not None:
        sample = series.head(PEER_SAMPLE)
        t0 = time.perf_counter()
        sample.map(scrubber.clean)
        t_peer = (time.perf_counter() - t0) * len(series) / len(sample)
        print(
            f"  scrubadub clean          {t_peer:7.2f} s  (timed on {len(sample):,}, "
            f"extrapolated)  ratio {t_peer / t_vec:.2f}x"
        )
        _figures.record(
            "  vs scrubadub", f"{t_peer / t_vec:.1f}x faster", f"{len(series) / t_peer:,.0f}/s"
        )


if __name__ == "__main__":
    main()
