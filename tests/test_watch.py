"""Issue 14: ``pipeline watch`` republishes an edited seed, reports an invalid one without
stopping, and republishes once it is fixed."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

from .conftest import REPO
from .test_publish import seeds  # noqa: F401 (fixture)

TIMEOUT = 120


class _Lines:
    """The watch process's output, line by line, read in a thread (so waiting can time out)."""

    def __init__(self, process: subprocess.Popen):
        self.queue: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=lambda: [self.queue.put(line) for line in process.stdout], daemon=True).start()

    def wait_for(self, text: str) -> list[str]:
        """Lines up to and including the first one containing ``text``."""
        got = []
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                line = self.queue.get(timeout=0.5)
            except queue.Empty:
                continue
            got.append(line)
            self.seen.append(line)
            if text in line:
                return got
        raise AssertionError(f"no {text!r} within {TIMEOUT} s; output so far:\n{''.join(self.seen)}")


def _wait_until(predicate) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("timed out")


def test_watch_republishes_reports_invalid_seeds_and_keeps_running(seeds, tmp_path):  # noqa: F811
    out = tmp_path / "out"
    env = dict(os.environ, CI="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "watch", str(seeds), "-o", str(out)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    lines = _Lines(process)
    try:
        first = lines.wait_for("watching")
        assert any("published" in line and "3 rendered" in line for line in first), first
        seed = seeds / "tjh" / "articles" / "anadolu-demiryollari.yaml"
        jats = out / "tjh" / "jats" / "anadolu-demiryollari.xml"
        original = seed.read_text(encoding="utf-8")
        assert "1923–1950 (revised)" not in jats.read_text(encoding="utf-8")

        # 1. an edit is republished: JATS, citations, Crossref batch...
        seed.write_text(original.replace("in Anatolia: 1923–1950", "in Anatolia: 1923–1950 (revised)", 1), encoding="utf-8")
        _wait_until(lambda: "1923–1950 (revised)" in jats.read_text(encoding="utf-8"))
        lines.wait_for("watching")
        assert "(revised)" in (out / "tjh" / "crossref" / "12-1.xml").read_text(encoding="utf-8")
        good_jats = jats.read_bytes()

        # 2. an invalid save is reported with its file and line; the process keeps running
        seed.write_text(original.replace("\ndoi:", "\ndoi: [unclosed", 1), encoding="utf-8")
        reported = lines.wait_for("not published")
        assert any("anadolu-demiryollari.yaml:" in line for line in reported), reported
        lines.wait_for("watching")
        assert process.poll() is None
        assert jats.read_bytes() == good_jats  # out/ is the last good publish

        # 3. fixed: republished again
        seed.write_text(original.replace("in Anatolia: 1923–1950", "in Anatolia: 1923–1950 (fixed)", 1), encoding="utf-8")
        _wait_until(lambda: "1923–1950 (fixed)" in jats.read_text(encoding="utf-8"))
        assert any("published after anadolu-demiryollari.yaml changed" in line for line in lines.wait_for("watching"))
        assert process.poll() is None
    finally:
        process.terminate()
        process.wait(timeout=30)
