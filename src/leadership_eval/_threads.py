"""Work split over threads: the one place that decides when and on how many.

numpy's loops over large arrays run without the interpreter's lock, so independent pieces of
such work (the columns of a frame, the halves of its rows) run side by side on threads with
no copying (:func:`map_threaded`). Only work of at least :data:`THREADED_VALUES` values is
split: below that the threads' start-up costs more than they save. HiGHS also solves without
the lock: :class:`Workers` takes solves one by one while the caller goes on.
``LEADERSHIP_EVAL_THREADS`` caps the threads (``1`` runs everything on the calling thread).
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

__all__ = [
    "THREADED_VALUES",
    "Workers",
    "map_threaded",
    "usable_processors",
    "uses_threads",
    "worker_count",
]

THREADED_VALUES = 1 << 21
"""The least number of array values worth splitting over threads."""

_T = TypeVar("_T")
_R = TypeVar("_R")


_CPU_MAX = "/sys/fs/cgroup/cpu.max"  # cgroup v2: "<quota> <period>" or "max <period>"
_CFS_DIRS = ("/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct")  # cgroup v1


@functools.cache
def _cgroup_cpus() -> int | None:
    """The processors' worth of time the process's control group may use (its CPU quota over
    its period, rounded up), or None when no quota is set or none can be read.

    A container limited to two processors of a 64-processor host sees all 64 in its affinity
    mask; its quota is the limit. The files read are the container's own (Docker, Kubernetes
    and systemd mount its control group at ``/sys/fs/cgroup``).
    """
    quota = period = ""
    try:
        with open(_CPU_MAX) as f:
            quota, period = [*f.read().split(), "", ""][:2]
    except OSError:
        for folder in _CFS_DIRS:
            try:
                with open(os.path.join(folder, "cpu.cfs_quota_us")) as f:
                    quota = f.read().strip()
                with open(os.path.join(folder, "cpu.cfs_period_us")) as f:
                    period = f.read().strip()
                break
            except OSError:
                continue
    try:
        q, p = int(quota), int(period)
    except ValueError:  # "max", nothing read, or not numbers
        return None
    return math.ceil(q / p) if q > 0 and p > 0 else None


def usable_processors() -> int:
    """The processors this process may run on, no more than its control group's CPU quota
    allows.

    >>> usable_processors() >= 1
    True
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cpus = os.cpu_count() or 1
    quota = _cgroup_cpus()
    return max(1, cpus if quota is None else min(cpus, quota))


def worker_count() -> int:
    """Threads for large numpy work: the :func:`usable_processors` (at most 8), capped by the
    environment variable ``LEADERSHIP_EVAL_THREADS`` when it is set.

    >>> 1 <= worker_count() <= 8
    True
    """
    cpus = usable_processors()
    cap = os.environ.get("LEADERSHIP_EVAL_THREADS", "").strip()
    if cap.isdigit() and int(cap) >= 1:
        cpus = min(cpus, int(cap))
    return max(1, min(cpus, 8))


def uses_threads(values: int) -> bool:
    """Whether :func:`map_threaded` shares out work of ``values`` array values (of two items
    or more) between threads.

    >>> uses_threads(10)
    False
    """
    return values >= THREADED_VALUES and worker_count() > 1


def map_threaded(fn: Callable[[_T], _R], items: Iterable[_T], values: int) -> list[_R]:
    """``[fn(x) for x in items]``, on several threads when the work covers at least
    :data:`THREADED_VALUES` array ``values`` and more than one processor is at hand. ``fn``
    must not share writable state between items. The results keep the items' order; the
    first error raised is raised here.

    >>> map_threaded(lambda x: x * x, range(4), values=10)
    [0, 1, 4, 9]
    """
    todo = list(items)
    workers = min(worker_count(), len(todo))
    if workers <= 1 or not uses_threads(values):
        return [fn(x) for x in todo]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, todo))


class Workers:
    """Tasks handed to a few threads as they come, for work that releases the interpreter's
    lock in pieces too small or too many for :func:`map_threaded` (HiGHS solves, each a
    fraction of a millisecond): the caller goes on while they run.

    The threads start at the first task and stop at :meth:`close` (or the end of a ``with``
    block): a process must not fork while they live. There are :func:`worker_count` of them,
    and each runs ``initializer`` first. Starting them costs about a millisecond: tasks run on
    the caller's thread until their ``work`` adds up to more than ``start_at``. Without them
    (one processor, or ``threads=False``) every task runs at once on the caller's thread, and
    its future is already done.

    >>> with Workers() as w:
    ...     w.gather([w.submit(pow, x, 2) for x in range(4)])
    [0, 1, 4, 9]
    """

    def __init__(
        self,
        threads: bool = True,
        initializer: Callable[[], object] | None = None,
        start_at: float = 0,
    ) -> None:
        wanted = worker_count() if threads else 1
        self.workers = wanted if wanted > 1 else 0
        self.initializer = initializer
        self.start_at = start_at
        self._work = 0.0
        self._pool: ThreadPoolExecutor | None = None

    def submit(self, fn: Callable[..., _R], /, *args: object, work: float = 1) -> Future[_R]:
        """``fn(*args)``, as a future. ``work`` is the task's size, in the unit of
        ``start_at``."""
        self._work += work
        if self.workers < 1 or self._work <= self.start_at:
            done: Future[_R] = Future()
            try:
                done.set_result(fn(*args))
            except BaseException as error:
                done.set_exception(error)
            return done
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, initializer=self.initializer)
        return self._pool.submit(fn, *args)

    @staticmethod
    def gather(jobs: list[Future[_R]]) -> list[_R]:
        """The jobs' results in order; the first error is raised once none is left running."""
        try:
            return [job.result() for job in jobs]
        finally:
            Workers.drop(jobs)

    @staticmethod
    def drop(jobs: list[Future[_R]]) -> None:
        """Cancel the jobs not begun and wait for the others (their errors are dropped)."""
        for job in jobs:
            if not job.cancel():
                job.exception()

    def close(self) -> None:
        """Stop the threads (waiting for the tasks they have begun)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
