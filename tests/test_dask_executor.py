"""The Dask executor (issue 15): a LocalCluster of 2 worker processes gives byte-identical
out/ to a serial publish, on the sample seeds and on 200 generated records; a worker killed
mid-publish is survived; a task that keeps killing workers is reported; an unreachable
scheduler fails fast, naming its address, with out/ untouched; heavy resources are built
once per worker process."""

from __future__ import annotations

from contextlib import closing

import os
import sqlite3
import re
import shutil
import signal
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import dask
import pytest
from distributed import Client, LocalCluster

from pipeline.execute import DaskExecutor, ExecutorUnavailable
from pipeline.publishing import publish

from .conftest import REPO, SEEDS, run_cli

sys.path.insert(0, str(REPO))
from bench.corpus import generate  # noqa: E402

T0 = datetime(2024, 6, 1, 12, 0, 0, tzinfo=timezone.utc)


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root, by relative path (the SQLite store compared by its rows, the
    manifest database by its rows without what differs by design: the seed files' states)."""
    from bench.compare_trees import MANIFEST_DB, manifest_db_rows

    files = {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.name.startswith("oai.sqlite3") and path.relative_to(root).as_posix() != MANIFEST_DB
    }
    if (root / MANIFEST_DB).is_file():
        files[MANIFEST_DB] = repr(manifest_db_rows(root / MANIFEST_DB)).encode()
    return files


def store_rows(db: Path) -> list[tuple]:
    with closing(sqlite3.connect(db)) as raw:  # closed at once: no -wal/-shm left behind
        items = raw.execute("SELECT identifier, datestamp, content_hash, deleted FROM items ORDER BY identifier").fetchall()
        metadata = raw.execute("SELECT identifier, prefix, xml FROM metadata ORDER BY identifier, prefix").fetchall()
        sets = raw.execute("SELECT * FROM item_sets ORDER BY 1, 2").fetchall()
    return items + metadata + sets


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus200") / "seeds"
    info = generate(root, 200)
    assert info.articles == 200
    return root


@pytest.fixture(scope="module")
def serial_corpus_out(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("serial") / "out"
    report = publish(corpus, out, jobs=1, now=T0)
    assert report.rendered == 200
    return out


@pytest.fixture(scope="module")
def cluster():
    """A cluster the test owns (so it can kill a worker): 2 worker processes on 127.0.0.1."""
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                      host="127.0.0.1", scheduler_port=0,
                      scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"}) as local:
        yield local


def test_local_cluster_publishes_the_sample_seeds_byte_identical_to_serial(tmp_path):
    serial, dask_out = tmp_path / "serial", tmp_path / "dask"
    publish(SEEDS, serial, jobs=1, now=T0)
    report = publish(SEEDS, dask_out, jobs=2, executor="dask", now=T0)
    assert report.rendered == 3
    assert tree(dask_out) == tree(serial)
    assert len(tree(serial)) > 50
    assert store_rows(dask_out / "oai.sqlite3") == store_rows(serial / "oai.sqlite3")


def test_local_cluster_publishes_200_records_byte_identical_to_serial(corpus, serial_corpus_out, tmp_path):
    out = tmp_path / "out"
    report = publish(corpus, out, jobs=2, executor="dask", now=T0)
    assert (report.rendered, report.articles) == (200, 200)
    assert tree(out) == tree(serial_corpus_out)
    assert store_rows(out / "oai.sqlite3") == store_rows(serial_corpus_out / "oai.sqlite3")


def test_a_worker_killed_mid_publish_is_survived(corpus, serial_corpus_out, cluster, tmp_path):
    with Client(cluster) as client:
        pids = client.run(os.getpid)
    victim = sorted(pids.values())[0]
    killed = []

    def progress(done, total):
        if done == 40 and not killed:  # well inside the run: tasks are in flight on both workers
            os.kill(victim, signal.SIGKILL)
            killed.append(done)

    out = tmp_path / "out"
    report = publish(corpus, out, jobs=2, executor="dask", scheduler=cluster.scheduler_address,
                     now=T0, progress=progress)
    assert killed == [40]
    assert report.rendered == 200
    assert tree(out) == tree(serial_corpus_out)
    assert store_rows(out / "oai.sqlite3") == store_rows(serial_corpus_out / "oai.sqlite3")


def square_or_die_once(argument: tuple[str, int]) -> int:
    marker, value = argument
    if value == 5 and not os.path.exists(marker):
        Path(marker).touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return value * value


def always_die_on_five(value: int) -> int:
    if value == 5:
        os.kill(os.getpid(), signal.SIGKILL)
    return value


def test_results_come_in_input_order_and_a_killed_task_is_retried(tmp_path):
    executor = DaskExecutor(2, window_per_job=2, batch=4)  # 8 tasks, the last one of 2 items
    try:
        marker = str(tmp_path / "died")
        results = list(executor.map(square_or_die_once, [(marker, value) for value in range(30)]))
    finally:
        executor.close()
    assert os.path.exists(marker)  # a worker really died
    assert results == [value * value for value in range(30)]


def test_a_task_that_keeps_killing_workers_is_reported_in_one_line():
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        executor = DaskExecutor(2, batch=3)
    try:
        with pytest.raises(ExecutorUnavailable) as raised:
            list(executor.map(always_die_on_five, range(10)))
    finally:
        executor.close()
    assert "\n" not in str(raised.value)
    # Item 5 (in the batch of items 3-5) kills its worker; a batch queued on the same worker
    # may be the one reported.
    assert re.match(r"Dask workers died running items \d+-\d+ too often: ", str(raised.value))


def dtd_and_style_loads(_: int) -> tuple[int, int, int]:
    """In a worker: load the JATS DTD and a CSL style (what rendering a record does), and
    say how often each was built in this process."""
    from pipeline.output_checks.jats import load_dtd, publishing_dtds
    from pipeline.writers.citations import load_style

    load_dtd(sorted(publishing_dtds())[0])
    load_style("apa", "en-US")
    return os.getpid(), load_dtd.cache_info().misses, load_style.cache_info().misses


def test_heavy_resources_are_built_once_per_worker_process():
    executor = DaskExecutor(2)
    try:
        results = list(executor.map(dtd_and_style_loads, range(40)))
    finally:
        executor.close()
    by_worker: dict[int, list[tuple[int, int]]] = {}
    for pid, dtd_builds, style_builds in results:
        by_worker.setdefault(pid, []).append((dtd_builds, style_builds))
    assert os.getpid() not in by_worker  # the work ran in the worker processes
    assert 1 <= len(by_worker) <= 2
    for counts in by_worker.values():
        assert set(counts) == {(1, 1)}  # every task after the first reused the worker's copy


def test_an_unreachable_scheduler_fails_fast_naming_it_and_out_is_untouched(tmp_path):
    from .postgres_server import free_port

    out = tmp_path / "out"
    publish(SEEDS, out, jobs=1, now=T0)
    seeds = shutil.copytree(SEEDS, tmp_path / "seeds")
    for article in sorted(seeds.glob("*/articles/*.yaml"))[:2]:  # new bytes: something to render
        article.write_bytes(article.read_bytes() + b"\n")
    before = tree(out)
    address = f"tcp://127.0.0.1:{free_port()}"
    started = time.monotonic()
    result = run_cli("publish", str(seeds), "-o", str(out), "--executor", "dask", "--scheduler", address)
    elapsed = time.monotonic() - started
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"publish failed: cannot reach the Dask scheduler at {address}: ")
    assert lines[0].endswith(f"{out} is unchanged")
    assert "Traceback" not in result.stderr
    assert elapsed < 30
    assert tree(out) == before
    assert not list(tmp_path.glob(".out.staging-*"))


def test_a_publish_whose_workers_keep_dying_fails_cleanly_with_out_untouched(corpus, serial_corpus_out, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(serial_corpus_out, out)
    seeds = shutil.copytree(corpus, tmp_path / "seeds")
    for article in seeds.glob("*/articles/*.yaml"):
        article.write_bytes(article.read_bytes() + b"\n")  # new bytes: every record renders again
    before = tree(out), store_rows(out / "oai.sqlite3")
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                          host="127.0.0.1", scheduler_port=0,
                          scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"}) as strict:
            with Client(strict) as client:
                victim = sorted(client.run(os.getpid).values())[0]

            def progress(done, total):
                if done == 30:
                    os.kill(victim, signal.SIGKILL)

            with pytest.raises(ExecutorUnavailable, match=r"^Dask workers died running items \d+-\d+ too often"):
                publish(seeds, out, jobs=2, executor="dask", scheduler=strict.scheduler_address, now=T0,
                        progress=progress)
    assert (tree(out), store_rows(out / "oai.sqlite3")) == before
    assert not list(tmp_path.glob(".out.staging-*"))
