"""Make the seeded data sets whose psych results tests/test_scoring_psych.py holds us to.

Run from this folder: ``python make_data.py`` (then ``Rscript reference.R``).
Each set is answers on a Likert list with some items worded in reverse, ~5 % NA.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def likert(rng, n, loadings, reverse, k, na_rate):
    theta = rng.standard_normal(n)
    cols = {}
    cuts = np.linspace(-1.6, 1.4, k - 1)
    for j, lam in enumerate(loadings):
        y = lam * theta + np.sqrt(1 - lam**2) * rng.standard_normal(n)
        if j in reverse:
            y = -y
        x = np.searchsorted(cuts + rng.normal(0, 0.2), y) + 1
        x = x.astype(float)
        x[rng.random(n) < na_rate] = np.nan
        cols[j] = x
    return cols


def main() -> None:
    rng = np.random.default_rng(20260101)
    a = likert(rng, 200, [0.7, 0.6, 0.65, 0.75, 0.5, 0.6], {2, 4}, 5, 0.05)
    pd.DataFrame({f"a{j + 1}": pd.array(v, dtype="Int64") for j, v in a.items()}).to_csv(
        "set_a.csv", index=False
    )
    b = likert(rng, 150, [0.8, 0.7, 0.3, 0.6, 0.7], {1, 3}, 7, 0.08)
    pd.DataFrame({f"b{j + 1}": pd.array(v, dtype="Int64") for j, v in b.items()}).to_csv(
        "set_b.csv", index=False
    )
    c1 = likert(rng, 300, [0.7, 0.7, 0.6, 0.5, 0.65], {1}, 5, 0.05)
    c2 = likert(rng, 300, [0.6, 0.55, 0.7, 0.6, 0.5], {0, 4}, 5, 0.05)
    frame = {f"c{j + 1}": pd.array(v, dtype="Int64") for j, v in c1.items()}
    frame.update({f"c{j + 6}": pd.array(v, dtype="Int64") for j, v in c2.items()})
    pd.DataFrame(frame).to_csv("set_c.csv", index=False)


if __name__ == "__main__":
    main()
