"""A publish killed (SIGKILL) at several points (by progress, not time) leaves out/ and the OAI-PMH store (SQLite and
PostgreSQL) exactly as they were, and the next publish completes (issue 15, bad conditions)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import REPO
from .test_dask_executor import generate, tree
from bench.corpus import retitle  # noqa: E402 (bench is put on sys.path by test_dask_executor)
from .test_postgres_publish import postgres_items, sqlite_items


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """80 generated records: long enough a publish to be killed at several points."""
    root = tmp_path_factory.mktemp("corpus80") / "seeds"
    generate(root, 80)
    return root


def _publish_argv(seeds: Path, out: Path, db: str | None) -> list[str]:
    argv = [sys.executable, "-m", "pipeline.cli", "publish", str(seeds), "-o", str(out), "--jobs", "1", "-q"]
    return argv + (["--db", db] if db else [])


def _store(out: Path, db: str | None) -> list[tuple]:
    return postgres_items(db) if db else sqlite_items(out / "oai.sqlite3")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_publish_killed_at_several_points_leaves_both_stores_consistent(backend, corpus, request, tmp_path):
    db = request.getfixturevalue("postgres_server").new_database("killed") if backend == "postgresql" else None
    out = tmp_path / "out"
    env = dict(os.environ, CI="1")
    subprocess.run(_publish_argv(corpus, out, db), check=True, cwd=REPO, env=env, timeout=600)
    seeds = shutil.copytree(corpus, tmp_path / "seeds")
    for article in seeds.glob("*/articles/*.yaml"):
        retitle(article)  # every record renders again, to new bytes
    before = tree(out), _store(out, db)

    # Kill points by what the publish has done, not by time (a loaded machine makes time
    # meaningless): the staging tree exists; a quarter, then three quarters of the records are
    # rendered and upserted into the open store transaction (the rest, the journal files and
    # the commit still ahead).
    leftovers: set[Path] = set()  # staging trees of earlier killed runs (the next run removes them)

    def new_staging() -> list[Path]:
        return [path for path in tmp_path.glob(".out.staging-*") if path not in leftovers]

    def rendered() -> int:  # records written anew into this run's staging tree (links to out/ have nlink 2)
        count = 0
        for root in new_staging():
            for path in root.glob("*/jats/*.xml"):
                try:
                    count += path.stat().st_nlink == 1
                except FileNotFoundError:
                    pass
        return count

    total = len(list(seeds.glob("*/articles/*.yaml")))
    for label, reached in (("staging created", lambda: bool(new_staging())),
                           ("a quarter rendered", lambda: rendered() >= total // 4),
                           ("three quarters rendered", lambda: rendered() >= 3 * total // 4)):
        leftovers = set(tmp_path.glob(".out.staging-*"))
        process = subprocess.Popen(_publish_argv(seeds, out, db), cwd=REPO, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 300
        while not reached() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert process.poll() is None, f"the publish ended before the kill point {label!r}"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        assert (tree(out), _store(out, db)) == before, f"changed by a publish killed at {label!r}"

    done = subprocess.run(_publish_argv(seeds, out, db), cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert not list(tmp_path.glob(".out.staging-*")) and not list(tmp_path.glob(".out.old-*"))
    assert tree(out) != before[0]
    assert len(_store(out, db)) == len(before[1])
