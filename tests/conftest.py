"""Shared test fixtures: the Adult benchmark data set (tests/data/adult)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from leadership_eval.privacy.hierarchy import Hierarchy, load_hierarchy

ADULT = Path(__file__).parent / "data" / "adult"


@pytest.fixture(scope="module")
def adult() -> pd.DataFrame:
    """The 30,162 complete Adult records (a fresh copy per test module)."""
    return pd.read_csv(ADULT / "adult.csv.gz", sep=";")


@pytest.fixture(scope="module")
def adult_qis(adult: pd.DataFrame) -> list[str]:
    """Adult's 8 quasi-identifiers in ARX's order: every column but the sensitive salary class."""
    return [c for c in adult.columns if c != "salary-class"]


@pytest.fixture(scope="module")
def adult_hierarchies(adult_qis: list[str]) -> dict[str, Hierarchy]:
    """ARX's generalisation hierarchies for Adult's quasi-identifiers."""
    return {q: load_hierarchy(ADULT / f"adult_hierarchy_{q}.csv") for q in adult_qis}
