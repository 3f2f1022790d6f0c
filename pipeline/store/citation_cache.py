"""The formatted-citation cache: entries already formatted, by content key, in SQLite.

Formatting is the dominant cost of a cold publish (citeproc-py, 2-4 ms per entry, 14 entries
per article for 7 styles x 2 locales), and an entry depends on few fields. The citations
writer computes each entry's key (:func:`pipeline.writers.citations.entry_key`: the hash of
the CSL item it formats, the style and locale files, citeproc-py's and the styles' versions
and its own code) and asks this store before formatting; this module only keeps text by key,
so the writer stays a pure function of the record and an edit to an abstract, a reference
list or unrelated code finds every citation already there.

Where: ``$PIPELINE_CITATION_CACHE`` (a file path, or ``off``), else ``citations.sqlite3`` in
the per-user cache directory platformdirs names (``$XDG_CACHE_HOME/pipeline``, by default
``~/.cache/pipeline`` on Linux; ``~/Library/Caches/pipeline`` on macOS,
``%LOCALAPPDATA%\\pipeline\\Cache`` on Windows). Outside ``out/`` on
purpose: a failed publish leaves ``out/`` and the OAI store untouched, and an entry added by
it is still right (keys are content). Any database error switches the cache off for the
process: a cache never fails a publish.

Each process opens its own connection (workers receive the cache pickled, without one);
WAL lets two workers write at once.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import platformdirs

ENV_VAR = "PIPELINE_CITATION_CACHE"


class CitationCache:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._connection: sqlite3.Connection | None = None
        self._pid: int | None = None
        self._broken = False

    def __getstate__(self) -> dict:
        return {"path": self.path}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["path"])

    def _connect(self) -> sqlite3.Connection | None:
        if self._broken:
            return None
        if self._connection is None or self._pid != os.getpid():
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                connection = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=OFF")  # losing the newest entries costs only time
                connection.execute("CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, entry TEXT NOT NULL) WITHOUT ROWID")
            except (OSError, sqlite3.Error):
                self._broken = True
                return None
            self._connection, self._pid = connection, os.getpid()
        return self._connection

    def get(self, key: str) -> str | None:
        connection = self._connect()
        if connection is None:
            return None
        try:
            row = connection.execute("SELECT entry FROM entries WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            self._broken = True
            return None
        return row[0] if row else None

    def put(self, key: str, entry: str) -> None:
        connection = self._connect()
        if connection is None:
            return
        try:
            connection.execute("INSERT OR IGNORE INTO entries (key, entry) VALUES (?, ?)", (key, entry))
        except sqlite3.Error:
            self._broken = True

    def __len__(self) -> int:
        connection = self._connect()
        return connection.execute("SELECT count(*) FROM entries").fetchone()[0] if connection else 0

    def close(self) -> None:
        if self._connection is not None and self._pid == os.getpid():
            self._connection.close()
        self._connection = None


def default_cache() -> CitationCache | None:
    """The per-user cache, or the one ``$PIPELINE_CITATION_CACHE`` names; None when it is ``off``."""
    configured = os.environ.get(ENV_VAR, "")
    if configured.lower() in ("off", "0", "none"):
        return None
    if configured:
        return CitationCache(configured)
    return CitationCache(platformdirs.user_cache_path("pipeline", appauthor=False) / "citations.sqlite3")
