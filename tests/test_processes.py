"""Work handed to a forked process (``leadership_eval._processes``), and the previous wave
published in one while ``build_reports`` analyses this wave: the same reports and log as in one
process, every error raised in the caller, and no process left behind."""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

import leadership_eval as le
from leadership_eval import _processes
from leadership_eval.demo import simulate_evaluation
from leadership_eval.errors import DataError, LeadershipEvalError

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux only")

SECRET = b"a report key for the tests, 32 b"


def _square(x: int) -> int:
    return x * x


def _fail(message: str) -> None:
    raise DataError(message, code="test")


class _Unpicklable(Exception):
    def __reduce__(self) -> object:
        raise TypeError("cannot pickle")


def _fail_unpicklably() -> None:
    raise _Unpicklable("holds a lock")


def _die() -> None:
    os._exit(3)  # killed, as by the system's out-of-memory killer


def _lock() -> object:
    return threading.Lock()  # a result that cannot be pickled


def _sleep() -> None:
    threading.Event().wait(60)


@linux
def test_a_forked_result_comes_back() -> None:
    assert _processes.Forked(_square, 12).result() == 144
    assert multiprocessing.active_children() == []


@linux
def test_a_forked_error_is_raised_here_with_its_traceback() -> None:
    with pytest.raises(DataError, match="nothing to read") as err:
        _processes.Forked(_fail, "nothing to read").result()
    assert err.value.code == "test"
    assert isinstance(err.value.__cause__, _processes.RemoteTraceback)
    assert "_fail" in str(err.value.__cause__)


@linux
def test_what_cannot_travel_arrives_as_a_traceback() -> None:
    with pytest.raises(LeadershipEvalError, match=r"second process failed: .*holds a lock"):
        _processes.Forked(_fail_unpicklably).result()
    with pytest.raises(TypeError, match="pickle") as err:  # the result's pickling error
        _processes.Forked(_lock).result()
    assert isinstance(err.value.__cause__, _processes.RemoteTraceback)


@linux
def test_a_forked_process_that_dies_is_an_error_not_a_hang() -> None:
    with pytest.raises(LeadershipEvalError, match=r"stopped before it had finished.*exit code 3"):
        _processes.Forked(_die).result()


@linux
def test_an_abandoned_process_is_ended() -> None:
    work = _processes.Forked(_sleep)
    work.abandon()
    assert multiprocessing.active_children() == []
    done = _processes.Forked(_square, 3)
    assert done.result() == 9
    done.abandon()  # taken already: nothing to do


@linux
def test_forking_by_default_waits_for_a_process_without_other_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_processes, "usable_processors", lambda: 2)
    monkeypatch.setattr(_processes.threading, "active_count", lambda: 1)
    assert _processes.can_fork()
    monkeypatch.setattr(_processes.threading, "active_count", lambda: 2)
    assert not _processes.can_fork()  # another thread might hold a lock the child needs
    assert _processes.can_fork(other_threads=True)
    monkeypatch.setattr(_processes, "usable_processors", lambda: 1)
    assert not _processes.can_fork(other_threads=True)


_DEMO: list[object] = []


def _demo() -> object:
    if not _DEMO:
        _DEMO.append(simulate_evaluation(seed=2024))
    return _DEMO[0]


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _counted_forks(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The functions handed to a forked process from now on, in order (each still forked)."""
    started: list[object] = []
    real = _processes.Forked

    def counted(*args: object, **kwargs: object) -> object:
        started.append(args[0])
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_processes, "Forked", counted)
    return started


def _build(out: Path, parallel: bool | None, previous: object = None, **options: object) -> None:
    demo = _demo()
    le.build_reports(
        "trainee-survey",
        demo.trainees,  # type: ignore[attr-defined]
        out / "reports",
        analyst_dir=out / "analyst",
        previous=demo.trainees_before if previous is None else previous,  # type: ignore[attr-defined]
        previous_label="2025",
        parallel=parallel,
        **options,  # type: ignore[arg-type]
    )


@linux
def test_the_previous_wave_published_meanwhile_gives_the_same_reports_and_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = _counted_forks(monkeypatch)
    _build(tmp_path / "one", parallel=False, key=SECRET)
    assert started == []
    _build(tmp_path / "two", parallel=True, key=SECRET)
    assert [f.__name__ for f in started] == ["publish_wave"]  # type: ignore[attr-defined]
    assert multiprocessing.active_children() == []
    one, two = _files(tmp_path / "one"), _files(tmp_path / "two")
    assert "analyst/disclosure-log.json" in one
    assert sorted(one) == sorted(two)
    assert [name for name in one if one[name] != two[name]] == []


@linux
def test_a_key_this_run_makes_is_made_after_the_analysis_as_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(*args: object, **kwargs: object) -> object:
        raise AssertionError("no second process before the key exists")

    monkeypatch.setattr(_processes, "Forked", refused)
    _build(tmp_path / "first", parallel=True)  # no key given: report.key is made by this run
    assert (tmp_path / "first" / "analyst" / "report.key").is_file()
    with pytest.raises(AssertionError, match="no second process"):
        _build(tmp_path / "first", parallel=True)  # the key exists now: the wave goes meanwhile


@linux
def test_an_error_in_the_previous_wave_is_raised_as_in_one_process(tmp_path: Path) -> None:
    demo = _demo()
    broken = demo.trainees_before.drop(columns=["trust"])  # type: ignore[attr-defined]
    errors = []
    for parallel in (False, True):
        with pytest.raises(DataError) as err:
            _build(tmp_path / str(parallel), parallel=parallel, previous=broken, key=SECRET)
        errors.append((type(err.value), err.value.code, str(err.value)))
        assert not (tmp_path / str(parallel) / "reports").exists()
    assert errors[0] == errors[1]
    assert multiprocessing.active_children() == []


@linux
def test_an_error_in_this_wave_ends_the_second_process(tmp_path: Path) -> None:
    demo = _demo()
    with pytest.raises(DataError, match="no responses"):
        le.build_reports(
            "trainee-survey",
            pd.DataFrame(),
            tmp_path / "reports",
            previous=demo.trainees_before,  # type: ignore[attr-defined]
            key=SECRET,
            parallel=True,
        )
    assert multiprocessing.active_children() == []
    assert not (tmp_path / "reports").exists()


@linux
def test_a_second_process_that_cannot_start_leaves_the_wave_to_this_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(*args: object, **kwargs: object) -> object:
        raise OSError(11, "Resource temporarily unavailable")  # fork refused (process limit)

    monkeypatch.setattr(_processes, "Forked", refused)
    monkeypatch.setattr(_processes, "can_fork", lambda **_: True)
    _build(tmp_path / "default", parallel=None, key=SECRET)  # published here instead
    assert (tmp_path / "default" / "reports" / "regional.html").is_file()
    with pytest.raises(OSError, match="temporarily unavailable"):
        _build(tmp_path / "required", parallel=True, key=SECRET)


def _build_with_log(out: Path, parallel: bool | None) -> le.ReportSet:
    demo = _demo()
    return le.build_reports(
        "trainee-survey",
        demo.trainees,  # type: ignore[attr-defined]
        out / "reports",
        analyst_dir=out / "analyst",
        activity_log=demo.activity_log,  # type: ignore[attr-defined]
        parallel=parallel,
        key=SECRET,
    )


@linux
def test_the_activity_tables_protected_meanwhile_give_the_same_reports_and_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = _counted_forks(monkeypatch)
    one_set = _build_with_log(tmp_path / "one", parallel=False)
    assert started == []
    two_set = _build_with_log(tmp_path / "two", parallel=True)
    assert [f.__name__ for f in started] == ["_activities_apart"]  # type: ignore[attr-defined]
    # the protected tables the reports read from, in the same order, with the same cells
    assert list(one_set.tables) == list(two_set.tables)
    for name, table in one_set.tables.items():
        other = two_set.tables[name]
        assert table.published.equals(other.published) and table.log.equals(other.log)
    assert multiprocessing.active_children() == []
    one, two = _files(tmp_path / "one"), _files(tmp_path / "two")
    log = json.loads(one["analyst/disclosure-log.json"])
    assert any(cell["table"].startswith("activities") for cell in log["cells"])
    assert sorted(one) == sorted(two)
    assert [name for name in one if one[name] != two[name]] == []


@linux
def test_an_error_in_this_publication_ends_the_activities_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from leadership_eval.reports import publish

    def broken(*args: object) -> object:
        raise DataError("a statement that cannot be published", code="test")

    monkeypatch.setattr(publish, "_publish_statement", broken)
    with pytest.raises(DataError, match="cannot be published"):
        _build_with_log(tmp_path, parallel=True)
    assert multiprocessing.active_children() == []
