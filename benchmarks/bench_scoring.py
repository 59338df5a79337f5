"""Scoring and reliability of 1,000,000 respondents x 25 items in 5 scales vs R psych.

leadership_eval: ``score`` (5 mean scales with reverse-keyed items, declared missing codes,
min_answered) plus ``reliability`` (alpha, std alpha, Feldt CI, omega, average r; pairwise
covariances). Peer: ``psych::scoreItems(keys, x, totals = FALSE, min = 1, max = 5,
impute = "none")`` on the same CSV, timed inside R with ``system.time`` (CSV reading excluded on
both sides, and reported separately). Skips R when ``Rscript`` or psych is missing.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import textwrap
import time
from pathlib import Path

import _figures

N = 1_000_000
SCALES = 5
PER_SCALE = 5


def _survey_text() -> str:
    items = []
    scales = []
    for s in range(1, SCALES + 1):
        ids = [f"s{s}_{j}" for j in range(1, PER_SCALE + 1)]
        items += [f"      - {{id: {i}, type: likert, choices: agree5, text: {i}}}" for i in ids]
        scales.append(
            f"  - {{id: scale_{s}, title: Scale {s}, items: [{', '.join(ids)}], "
            f"reverse: [{ids[1]}, {ids[3]}], min_answered: 1}}"
        )
    return (
        textwrap.dedent(
            """\
        kind: survey
        id: bench
        version: 1.0.0
        title: Benchmark
        choice_lists:
          agree5:
            ordered: true
            options: [{code: 1, label: a}, {code: 2, label: b}, {code: 3, label: c},
                      {code: 4, label: d}, {code: 5, label: e}]
            missing: [{code: 9, label: Prefer not to say}]
        sections:
          - id: s
            title: S
            items:
        """
        )
        + "\n".join(items)
        + "\nscales:\n"
        + "\n".join(scales)
        + "\n"
    )


R_SCRIPT = """
suppressPackageStartupMessages(library(psych))
args <- commandArgs(trailingOnly = TRUE)
t0 <- proc.time()[["elapsed"]]
x <- read.csv(args[1])
x[x == 9] <- NA
t1 <- proc.time()[["elapsed"]]
keys <- list()
for (s in 1:5) {
  ids <- paste0("s", s, "_", 1:5)
  ids[c(2, 4)] <- paste0("-", ids[c(2, 4)])
  keys[[paste0("scale_", s)]] <- ids
}
t <- system.time(sc <- psych::scoreItems(keys, x, totals = FALSE, min = 1, max = 5,
                                         impute = "none"))[["elapsed"]]
cat("read", t1 - t0, "\\n")
cat("scoreItems", t, "\\n")
cat("alpha", paste(round(sc$alpha[1, ], 6), collapse = " "), "\\n")
cat("mean1", format(sum(sc$scores[, 1], na.rm = TRUE), digits = 15), "\\n")
"""


def main() -> None:
    import numpy as np
    import pandas as pd

    from leadership_eval.instruments.loader import loads_instrument
    from leadership_eval.scoring import reliability, score
    from leadership_eval.simulate import simulate_responses

    survey = loads_instrument(_survey_text())
    t = time.perf_counter()
    data = simulate_responses(survey, N, seed=1)
    print(f"simulate_responses({N:,} x {data.shape[1]} items): {time.perf_counter() - t:.2f} s")

    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "bench.csv"
        data.to_csv(csv, index=False)
        t = time.perf_counter()
        data = pd.read_csv(csv)
        read_py = time.perf_counter() - t

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
        print(f"pandas.read_csv: {read_py:.2f} s")
        print(
            f"leadership_eval score: {t_score:.3f} s, reliability: {t_rel:.3f} s, "
            f"together: {total:.3f} s (best of 3)"
        )
        print("alpha:", " ".join(f"{a:.6f}" for a in rel["alpha"]))

        rscript = shutil.which("Rscript")
        if rscript is None:
            print("Rscript not found: R psych comparison skipped")
            _figures.record(
                f"score + reliability, {N:,} x {data.shape[1]}",
                _figures.seconds(total),
                "(R not found)",
                ">= 50x psych",
            )
            return
        script = Path(tmp) / "bench.R"
        script.write_text(R_SCRIPT)
        proc = subprocess.run(
            [rscript, str(script), str(csv)], capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            print("R psych failed:", proc.stderr.strip()[-500:])
            return
        out = dict(line.split(" ", 1) for line in proc.stdout.strip().splitlines())
        r_time = float(out["scoreItems"])
        print(f"R read.csv: {float(out['read']):.2f} s")
        print(f"R psych::scoreItems: {r_time:.2f} s")
        print(f"R alpha: {out['alpha'].strip()}")
        r_alpha = np.array([float(v) for v in out["alpha"].split()])
        same_alpha = np.allclose(r_alpha, rel["alpha"].to_numpy(), atol=1e-6)
        same_mean = abs(float(out["mean1"]) - float(scores["scale_1"].sum())) < 1e-3
        print(f"same alphas as psych: {same_alpha}; same scale_1 scores: {same_mean}")
        print(f"speed-up (score + reliability vs scoreItems): {r_time / total:.1f}x")
        _figures.record(
            f"score + reliability, {N:,} x {data.shape[1]}",
            f"{total:.2f} s ({r_time / total:.1f}x psych)",
            f"R psych scoreItems {r_time:.1f} s",
            ">= 50x psych",
            r_time / total >= 50 and same_alpha,
        )


if __name__ == "__main__":
    main()
