"""The demo's main job: the same files whether the two surveys are built in one process or two,
and a failure in the second process reaches the caller."""

from __future__ import annotations

import filecmp
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadership_eval.demo import run_demo
from leadership_eval.errors import DataError
from leadership_eval.reports.publish import _crosstab

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks only on Linux")


def _files(root: Path) -> list[Path]:
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


@linux
def test_parallel_and_sequential_write_the_same_files(tmp_path: Path) -> None:
    one = run_demo(tmp_path / "one", parallel=False)
    two = run_demo(tmp_path / "two", parallel=True)
    assert _files(tmp_path / "one") == _files(tmp_path / "two")
    for f in _files(tmp_path / "one"):
        assert filecmp.cmp(tmp_path / "one" / f, tmp_path / "two" / f, shallow=False), f
    # what comes back from the forked process is the same as what was built here
    for key in ("trainees", "supervisors"):
        assert one[key].not_reported == two[key].not_reported
        assert one[key].log == two[key].log
        assert sorted(one[key].tables) == sorted(two[key].tables)
    # the data drawn in two processes is the data drawn in one
    a, b = one["data"], two["data"]
    for name in ("trainees", "trainees_before", "supervisors", "activity_log", "segments"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    pd.testing.assert_frame_equal(a.profiles, b.profiles)
    assert (a.eligible, a.planted) == (b.eligible, b.planted)
    # a mentor reads "1 more statement differs", not "1 more statements differ"
    pages = [f.read_text(encoding="utf-8") for f in (tmp_path / "one").rglob("trust-*.html")]
    assert not any("1 more statements" in page for page in pages)
    assert "1 more statement differs less" in (tmp_path / "one/trainees/trust-t07.html").read_text(
        encoding="utf-8"
    )


def test_what_both_processes_need_is_made_before_the_fork(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After ``_load_shared`` neither process parses a bundled instrument or compiles the
    demo's redaction patterns again: both come from what the fork handed over."""
    import re

    from leadership_eval import demo
    from leadership_eval.instruments import loader
    from leadership_eval.instruments.catalogue import shared_bundled_catalogue
    from leadership_eval.privacy.text import Redactor

    loader._LOADED.clear()  # as in a fresh process
    re.purge()
    demo._load_shared()

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("made again after _load_shared")

    monkeypatch.setattr(loader, "parse_document", refuse)
    # re.compile serves a pattern compiled before from its cache; only a new one is compiled
    monkeypatch.setattr(re._compiler, "compile", refuse)  # type: ignore[attr-defined]
    shared_bundled_catalogue()
    loader.as_survey("trainee-survey")
    Redactor(demo.ROSTER, demo.PLACES).redact("Dr Smith said so.")


@linux
def test_a_failure_drawing_the_later_waves_is_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import leadership_eval.demo as demo

    def failing(seed: int, n_trusts: int, trainee_survey: object) -> object:
        raise DataError("the previous wave could not be drawn", code="test")

    monkeypatch.setattr(demo, "_previous_returns", failing)  # the fork inherits the patch
    with pytest.raises(DataError, match="previous wave could not be drawn"):
        run_demo(tmp_path / "out", parallel=True)


@linux
def test_a_failure_in_the_second_process_is_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import leadership_eval.reports.build as build

    real = build.build_reports

    def failing(survey: object, *args: object, **kwargs: object) -> object:
        if survey == "supervisor-survey":
            raise DataError("the supervisor survey could not be read", code="test")
        return real(survey, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(build, "build_reports", failing)  # the fork inherits the patch
    with pytest.raises(DataError, match="supervisor survey could not be read"):
        run_demo(tmp_path / "out", parallel=True)


@linux
def test_a_second_process_that_dies_is_an_error_not_a_hang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    import leadership_eval.demo as demo
    from leadership_eval.errors import LeadershipEvalError

    def dying(seed: int, n_trusts: int, trainee_survey: object) -> object:
        os._exit(3)  # killed, as by the system's out-of-memory killer

    monkeypatch.setattr(demo, "_previous_returns", dying)
    with pytest.raises(LeadershipEvalError, match=r"second process stopped .*exit code 3"):
        run_demo(tmp_path / "out", parallel=True)


@linux
def test_an_error_that_cannot_travel_arrives_as_its_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import leadership_eval.demo as demo
    from leadership_eval.errors import LeadershipEvalError

    class Unpicklable(Exception):
        def __init__(self, message: str, handle: object) -> None:
            super().__init__(message)
            self.handle = handle

        def __reduce__(self) -> object:
            raise TypeError("cannot pickle")

    def failing(seed: int, n_trusts: int, trainee_survey: object) -> object:
        raise Unpicklable("a lock cannot be sent", object())

    monkeypatch.setattr(demo, "_previous_returns", failing)
    with pytest.raises(
        LeadershipEvalError, match=r"second process failed: .*a lock cannot be sent"
    ):
        run_demo(tmp_path / "out", parallel=True)


@linux
def test_a_failure_here_waits_for_the_second_process_and_leaves_nothing_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import multiprocessing

    import leadership_eval.demo as demo

    def failing(seed: int, n_trusts: int) -> object:
        raise DataError("this year's returns could not be drawn", code="test")

    monkeypatch.setattr(demo, "_first_wave", failing)
    with pytest.raises(DataError, match="this year's returns could not be drawn"):
        run_demo(tmp_path / "out", parallel=True)
    assert multiprocessing.active_children() == []
    # the second process was not cut short: the supervisors' reports are whole
    assert (
        (tmp_path / "out" / "supervisors" / "regional.html")
        .read_text()
        .rstrip()
        .endswith("</html>")
    )


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(st.sampled_from(["a", "b", "c", "x", None]), min_size=0, max_size=40),
    data=st.data(),
)
def test_crosstab_is_pandas_crosstab(rows: list[str | None], data: st.DataObject) -> None:
    # counting by integer codes gives pd.crosstab's table, reindexed to the orders (labels
    # outside them, "x" and "Z" here, left out), and the same dtypes and labels
    cols = data.draw(
        st.lists(st.sampled_from(["Y", "N", "Z", None]), min_size=len(rows), max_size=len(rows))
    )
    index = pd.Index(np.random.default_rng(len(rows)).permutation(len(rows)) * 3)
    r = pd.Series(rows, index=index, dtype=object)
    c = pd.Series(cols, index=index, dtype=object)
    ok = r.notna() & c.notna()
    r, c = r[ok], c[ok]
    order = ["a", "b", "c"]
    got = _crosstab(r, c, order, ["N", "Y"])
    ref = pd.crosstab(r, c).reindex(index=order, columns=["N", "Y"]).fillna(0).astype("int64")
    ref.columns.name = None
    ref.index.name = None
    pd.testing.assert_frame_equal(got, ref)
