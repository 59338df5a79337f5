"""Write the example input files of the command-line tutorial (cli.rst).

Run from the project root: ``python docs/tutorials/files/make_examples.py``. The files are
simulated with the bundled instruments, so they have exactly the columns and codes a real
export of those instruments has.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import leadership_eval as le
from leadership_eval.demo import PLANTED, ROSTER, _segments

HERE = Path(__file__).resolve().parent


def main() -> None:
    sizes = {"t01": 34, "t02": 27, "t03": 4}
    trainees = le.simulate_responses(
        "trainee-survey", sum(sizes.values()), groups=sizes, group_effects={"t02": -0.8}, seed=5
    )
    survey = le.load_instrument("trainee-survey")
    text = [i.id for i in survey.items_with("free_text") if i.id in trainees]  # type: ignore[union-attr]
    for k, row in enumerate(trainees.index[::9]):
        trainees.loc[row, text[-1]] = PLANTED[k % len(PLANTED)]
    trainees.to_csv(HERE / "export.csv", index=False)
    pd.DataFrame({"trust": ["t01", "t02", "t03"], "eligible": [140, 120, 40]}).to_csv(
        HERE / "eligible.csv", index=False
    )
    log = le.simulate_responses(
        "mentor-activity-log", 24, groups={"t01": 10, "t02": 8, "t03": 6}, seed=6
    )
    log.to_csv(HERE / "activities.csv", index=False)
    segments = _segments(np.random.default_rng(7), ["t01", "t02"], "t02")
    segments.to_csv(HERE / "segments.csv", index=False)
    (HERE / "staff.txt").write_text("\n".join(ROSTER) + "\n", encoding="utf-8")
    (HERE / "places.txt").write_text("Rowan Ward\nSt Aidan's Hospital\n", encoding="utf-8")


if __name__ == "__main__":
    main()
