"""The Adult benchmark data set (tests/data/adult) shared by bench_anonymity and bench_generalise."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from leadership_eval.privacy.hierarchy import Hierarchy, load_hierarchy

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "adult"
QIS = [
    c for c in pd.read_csv(DATA / "adult.csv.gz", sep=";", nrows=0).columns if c != "salary-class"
]
"""Adult's 8 quasi-identifiers in ARX's order: every column but the sensitive salary class."""


def read_adult() -> pd.DataFrame:
    """The 30,162 complete Adult records."""
    return pd.read_csv(DATA / "adult.csv.gz", sep=";")


def adult_hierarchies() -> dict[str, Hierarchy]:
    """ARX's generalisation hierarchies for the quasi-identifiers."""
    return {q: load_hierarchy(DATA / f"adult_hierarchy_{q}.csv") for q in QIS}
