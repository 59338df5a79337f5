"""Scoring and reliability of psych::bfi x 357 (999,600 respondents x 25 items) vs R psych.

The data: the 25 personality items of ``psych::bfi`` (2,800 respondents, six-point items, real
missing answers), stacked 357 times, written by R to a CSV file. leadership_eval reads it with
``pandas.read_csv`` and runs ``score`` (5 mean scales, reverse-keyed items as in
``psych::bfi.keys``) plus ``reliability`` (alpha, std alpha, Feldt CI, omega, average r;
pairwise covariances), each on the frame as read (each validates it), best of 3; and, as a user
following the documented path would, ``validate_responses`` once and both on its clean data.
Peer: ``psych::scoreItems(keys, x, totals = FALSE, min = 1, max = 6, impute = "none")`` on the
same data, timed inside R with ``system.time``, best of 3 as ours (reading excluded on both
sides). The alphas and the scores must agree with psych's. Without R (or psych) the
comparison is skipped.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import _figures

REPEAT = 357
TARGET = 50.0
KEYS = {
    "agreeableness": ["-A1", "A2", "A3", "A4", "A5"],
    "conscientiousness": ["C1", "C2", "C3", "-C4", "-C5"],
    "extraversion": ["-E1", "-E2", "E3", "E4", "E5"],
    "neuroticism": ["N1", "N2", "N3", "N4", "N5"],
    "openness": ["O1", "-O2", "O3", "O4", "-O5"],
}


def survey_text() -> str:
    """The bfi items as a survey: item ids in lower case, the data's names as ``column``."""
    items = [k.lstrip("-") for keys in KEYS.values() for k in keys]
    lines = [
        "kind: survey",
        "id: bfi",
        "version: 1.0.0",
        "title: psych::bfi personality items",
        "choice_lists:",
        "  six:",
        "    ordered: true",
        "    options: [" + ", ".join(f"{{code: {c}, label: '{c}'}}" for c in range(1, 7)) + "]",
        "sections:",
        "  - id: s",
        "    title: S",
        "    items:",
    ]
    lines += [
        f"      - {{id: {i.lower()}, column: {i}, type: likert, choices: six, text: {i}}}"
        for i in sorted(items)
    ]
    lines.append("scales:")
    for scale, keys in KEYS.items():
        ids = [k.lstrip("-").lower() for k in keys]
        rev = [k[1:].lower() for k in keys if k.startswith("-")]
        lines.append(
            f"  - {{id: {scale}, title: {scale}, items: [{', '.join(ids)}], "
            f"reverse: [{', '.join(rev)}], min_answered: 1}}"
        )
    return "\n".join(lines) + "\n"


R_SCRIPT = """
suppressPackageStartupMessages(library(psych))
args <- commandArgs(trailingOnly = TRUE)
x <- bfi[rep(seq_len(nrow(bfi)), as.integer(args[2])), 1:25]
write.csv(x, args[1], row.names = FALSE, na = "")
keys <- list(%s)
# best of 3, as ours is timed
t <- min(sapply(1:3, function(i) system.time(
  sc <<- psych::scoreItems(keys, x, totals = FALSE, min = 1, max = 6, impute = "none")
)[["elapsed"]]))
cat("scoreItems", t, "\\n")
cat("alpha", paste(format(sc$alpha[1, ], digits = 15), collapse = " "), "\\n")
cat("sums", paste(format(colSums(sc$scores, na.rm = TRUE), digits = 15), collapse = " "), "\\n")
"""


def r_script() -> str:
    keys = ", ".join(
        f"{s} = c({', '.join(repr(k).replace(chr(39), chr(34)) for k in ks)})"
        for s, ks in KEYS.items()
    )
    return R_SCRIPT % keys


def main() -> None:
    import numpy as np
    import pandas as pd

    from leadership_eval.instruments.loader import loads_instrument
    from leadership_eval.responses import validate_responses
    from leadership_eval.responses.validate import validated
    from leadership_eval.scoring import reliability, score

    rscript = shutil.which("Rscript")
    if rscript is None:
        print("Rscript not found: psych::bfi cannot be read and the comparison is skipped")
        _figures.record(f"score + reliability, psych::bfi x {REPEAT}", "(R not found)")
        return
    survey = loads_instrument(survey_text(), "bfi.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        csv, script = Path(tmp) / "bfi.csv", Path(tmp) / "bench.R"
        script.write_text(r_script())
        proc = subprocess.run(
            [rscript, str(script), str(csv), str(REPEAT)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            print("R psych failed:", proc.stderr.strip()[-500:])
            return
        out = dict(line.split(" ", 1) for line in proc.stdout.strip().splitlines())
        t = time.perf_counter()
        data = pd.read_csv(csv)
        print(
            f"psych::bfi x {REPEAT}: {data.shape[0]:,} x {data.shape[1]} items, read by pandas in "
            f"{time.perf_counter() - t:.2f} s"
        )

    best = []
    for _ in range(3):
        t = time.perf_counter()
        scores = score(survey, data)
        t_score = time.perf_counter() - t
        t = time.perf_counter()
        rel = reliability(survey, data)
        t_rel = time.perf_counter() - t
        best.append((t_score + t_rel, t_score, t_rel))
    total, t_score, t_rel = min(best)
    piped = []
    for _ in range(3):
        t = time.perf_counter()
        clean = validate_responses(survey, data).data
        score(survey, clean)
        reliability(survey, clean)
        piped.append(time.perf_counter() - t)
    pipeline = min(piped)
    # what each of score and reliability pays to validate the frame as read (psych checks
    # nothing): the same validation they run, alone
    need = [i for scale in survey.scales for i in scale.items]
    checks = []
    for _ in range(3):
        t = time.perf_counter()
        validated(survey, data, need=need, form="codes", warn=False)
        checks.append(time.perf_counter() - t)
    t_check = min(checks)
    print(
        f"leadership_eval score: {t_score:.3f} s, reliability: {t_rel:.3f} s, together: "
        f"{total:.3f} s (best of 3; each validates the frame as read)"
    )
    print(
        f"  of which validating the frame as read: {t_check:.3f} s in each of the two calls "
        f"({2 * t_check / total:.0%} of the time)"
    )
    print(f"validate_responses once, then score + reliability: {pipeline:.3f} s (best of 3)")
    r_time = float(out["scoreItems"])
    r_alpha = np.array([float(v) for v in out["alpha"].split()])
    r_sums = np.array([float(v) for v in out["sums"].split()])
    print(f"R psych::scoreItems: {r_time:.2f} s (best of 3)")
    print("alpha, ours:  ", " ".join(f"{a:.12f}" for a in rel["alpha"]))
    print("alpha, psych: ", " ".join(f"{a:.12f}" for a in r_alpha))
    same_alpha = np.allclose(r_alpha, rel["alpha"].to_numpy(), rtol=0, atol=1e-10)
    same_scores = np.allclose(r_sums, scores.sum().to_numpy(), rtol=1e-12, atol=0)
    print(f"same alphas as psych (1e-10): {same_alpha}; same score sums: {same_scores}")
    print(
        f"speed-up vs scoreItems: {r_time / total:.1f}x; validated once: {r_time / pipeline:.1f}x"
    )
    _figures.record(
        f"score + reliability, psych::bfi x {REPEAT}",
        f"{total:.2f} s ({r_time / total:.1f}x psych)",
        f"R psych scoreItems {r_time:.1f} s",
        f">= {TARGET:.0f}x psych",
        r_time / total >= TARGET and same_alpha and same_scores,
    )
    _figures.record(
        "  of which validating the frame, in each call",
        _figures.seconds(t_check),
        f"{2 * t_check / total:.0%} of the time; psych validates nothing",
    )
    _figures.record(
        "  validate once, then score + reliability",
        f"{pipeline:.2f} s ({r_time / pipeline:.1f}x psych)",
        f"R psych scoreItems {r_time:.1f} s",
        f">= {TARGET:.0f}x psych",
        r_time / pipeline >= TARGET and same_alpha and same_scores,
    )


if __name__ == "__main__":
    main()
    print(_figures.table())
