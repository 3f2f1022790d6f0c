"""Executors: where units of work run. A small interface so that another engine (Dask, for
corpora past one machine) can run the same pure units without touching the writers.

Both keep results in input order (outputs must not depend on scheduling) and bound the
work in flight, so memory does not grow with the corpus.
"""

from __future__ import annotations

import collections
import os
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Callable, Iterable, Iterator, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    jobs: int

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]: ...

    def close(self) -> None: ...


class SerialExecutor:
    """Everything in this process: ``--jobs 1``, and the reference for the others."""

    jobs = 1

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        for item in items:
            yield fn(item)

    def close(self) -> None:
        pass


class ProcessExecutor:
    """Worker processes; heavy objects (DTDs, schemas, styles) are built once per worker."""

    def __init__(self, jobs: int, window_per_job: int = 8):
        self.jobs = jobs
        self.window = jobs * window_per_job
        self._pool = ProcessPoolExecutor(max_workers=jobs)

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        pending: collections.deque[Future] = collections.deque()
        for item in items:
            pending.append(self._pool.submit(fn, item))
            if len(pending) >= self.window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def make_executor(jobs: int | None) -> Executor:
    jobs = default_jobs() if not jobs else jobs
    return SerialExecutor() if jobs <= 1 else ProcessExecutor(jobs)
