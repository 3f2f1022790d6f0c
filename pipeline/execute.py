"""Executors: where units of work run. A small interface so that another engine (Dask, for
corpora past one machine) can run the same pure units without touching the writers.

- :class:`SerialExecutor`: this process (``--jobs 1``), the reference;
- :class:`ProcessExecutor`: worker processes on this machine (the default);
- :class:`DaskExecutor`: the workers of a Dask cluster (``--executor dask``): an existing one
  at ``--scheduler tcp://HOST:8786``, or a ``distributed.LocalCluster`` of ``--jobs`` worker
  processes. A task carries the seed's path, not its bytes: workers read the seeds from the
  same path on a shared file system (see README).

Both keep results in input order (outputs must not depend on scheduling) and bound the
work in flight, so memory does not grow with the corpus.
"""

from __future__ import annotations

import collections
import itertools
import os
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Protocol, TypeVar

if TYPE_CHECKING:
    import multiprocessing.context
    from concurrent.futures import Future

# multiprocessing, concurrent.futures and logging are imported where a pool or a cluster
# starts: the command line imports this module for its error class, and a publish with
# nothing to render never starts one (~30 ms of imports).

from .errors import PipelineError

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


def _worker_context() -> multiprocessing.context.BaseContext:
    """Workers come from a forkserver, not a fork of this process.

    Forking copies every lock of the parent in whatever state its threads hold it: publish
    compiles schemas in a warm-up thread (and libraries keep threads of their own) while the
    pool starts workers, and a worker forked while that thread held a lock (the import lock,
    a logging or libxml2 lock) waited on it forever (seen as a hanging ``--jobs 2``). The
    forkserver is a clean single-threaded process that has imported the renderer once, so a
    worker still starts in milliseconds with the modules loaded."""
    import multiprocessing

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["pipeline.rendering"])
    return context


class ProcessExecutor:
    """Worker processes; heavy objects (DTDs, schemas, styles) are built once per worker."""

    def __init__(self, jobs: int, window_per_job: int = 8):
        self.jobs = jobs
        self.window = jobs * window_per_job
        from concurrent.futures import ProcessPoolExecutor

        self._pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_worker_context())

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


class ExecutorUnavailable(PipelineError):
    """The executor cannot start or lost its workers: one line, naming what failed."""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


class DaskExecutor:
    """Tasks on Dask workers through ``Client.submit``, at most ``window`` in flight, each
    task a batch of ``batch`` consecutive items (:func:`_run_batch`).

    Results are taken as they complete (so a slow record does not stall the workers) but
    yielded in input order (outputs must not depend on scheduling); in flight plus waiting
    never exceeds the window, so memory stays flat whatever the corpus size. A worker that
    dies is replaced by its nanny and Dask runs its tasks again elsewhere; a task that kills
    workers repeatedly (``distributed.scheduler.allowed-failures``) ends the run with
    :class:`ExecutorUnavailable`. Heavy objects (schemas, DTDs, styles) live in module-level
    caches, so each worker process builds them once and reuses them for every task.
    """

    def __init__(self, jobs: int, scheduler: str | None = None, window_per_job: int = 3, connect_timeout: float = 5,
                 batch: int = 16):
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise ExecutorUnavailable(f"--executor dask needs dask[distributed] (pip install 'pipeline[scale]'): {exc}") from exc
        self._cluster = None
        if scheduler:
            try:
                self._client = Client(scheduler, timeout=connect_timeout)
            except (OSError, TimeoutError) as exc:
                raise ExecutorUnavailable(f"cannot reach the Dask scheduler at {scheduler}: {_first_line(exc)}") from exc
            workers = self._client.scheduler_info().get("workers", {})
            self.jobs = max(1, sum(w.get("nthreads", 1) for w in workers.values()))
        else:
            import logging

            self._cluster = LocalCluster(
                n_workers=jobs, processes=True, threads_per_worker=1, dashboard_address=None,
                host="127.0.0.1", scheduler_port=0, silence_logs=logging.ERROR,
                # No dashboard; the scheduler's small HTTP endpoint (health, metrics) still
                # listens, on a free port of 127.0.0.1 rather than the shared default 8787.
                scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
            )
            self._client = Client(self._cluster)
            self.jobs = jobs
        self.window = max(2, self.jobs * window_per_job)  # batches in flight
        self.batch = max(1, batch)

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        from distributed import as_completed

        source = iter(items)
        index_of: dict[str, int] = {}  # task key -> batch number
        sizes: dict[int, int] = {}  # batch number -> its items (the last one may be short)
        finished: dict[int, list[R]] = {}
        submitted = 0
        running = as_completed()

        def submit_next() -> bool:
            nonlocal submitted
            batch = list(itertools.islice(source, self.batch))
            if not batch:
                return False
            # pure=False: every task runs (two batches of equal items are still two tasks)
            future = self._client.submit(_run_batch, fn, batch, pure=False)
            index_of[future.key] = submitted
            sizes[submitted] = len(batch)
            submitted += 1
            running.add(future)
            return True

        while len(index_of) < self.window and submit_next():
            pass
        following = 0
        for future in running:
            index = index_of.pop(future.key)
            try:
                finished[index] = future.result()
            except Exception as exc:
                from distributed import KilledWorker

                if isinstance(exc, KilledWorker):
                    first = index * self.batch
                    raise ExecutorUnavailable(f"Dask workers died running items {first}-{first + sizes[index] - 1} too often: {_first_line(exc)}") from exc
                raise
            finally:
                future.release()
                sizes.pop(index, None)
            submit_next()
            while following in finished:
                yield from finished.pop(following)
                following += 1

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def _run_batch(fn: Callable[[T], R], items: list[T]) -> list[R]:
    """One Dask task: ``fn`` over a few items. A task per item cost the client and the
    scheduler ~17 ms of CPU per article (more than a third of the article's own work);
    a batch of 16 spreads that over its items, and the items of one journal share one
    pickled copy of the journal model in the task's payload (pickle's memo)."""
    return [fn(item) for item in items]


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


EXECUTORS = ("process", "dask")


def make_executor(jobs: int | None, kind: str = "process", scheduler: str | None = None) -> Executor:
    """``jobs`` workers of ``kind``; one job is this process, unless a Dask scheduler is named."""
    jobs = default_jobs() if not jobs else jobs
    if kind == "dask":
        return DaskExecutor(jobs, scheduler)
    if kind != "process":
        raise ValueError(f"unknown executor {kind!r} (choose from {', '.join(EXECUTORS)})")
    return SerialExecutor() if jobs <= 1 else ProcessExecutor(jobs)
