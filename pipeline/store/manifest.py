"""What the previous publish produced, so the next one can skip what did not change.

``out/.pipeline/manifest.sqlite3`` maps each article key to the hash of its seed (under its
journal's), its DOI (for the corpus-wide uniqueness check without re-reading the record) and
the files each writer wrote for it; it also keeps each writer's code fingerprint
(:mod:`pipeline.fingerprint`), so a change to one writer re-renders only that writer's files. Each article's parts (fragments for journal-level files and the OAI
store) are kept in ``out/.pipeline/parts/<journal>/<article>.json``.

Why SQLite and not one JSON document: a JSON manifest is read and written whole on every
publish, about 1 KB per article (a gigabyte at a million articles) for a change to one. In
SQLite the previous manifest is looked up per article through its primary key (nothing is
loaded up front), and the next one is the previous file copied with only the differences
written (changed, added and removed articles). A manifest.json left by an earlier release is
read once and replaced.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .staging import STATE_DIR

MANIFEST = f"{STATE_DIR}/manifest.sqlite3"
LEGACY_MANIFEST = f"{STATE_DIR}/manifest.json"
FORMAT = 3  # 2: files and fingerprints per writer; 3: seed file states, journal styles, repository

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE journals (id TEXT PRIMARY KEY, hash TEXT NOT NULL, styles TEXT NOT NULL DEFAULT '[]');
CREATE TABLE journal_files (id TEXT PRIMARY KEY, files TEXT NOT NULL);
CREATE TABLE records (
    key TEXT PRIMARY KEY,
    journal TEXT NOT NULL,
    hash TEXT NOT NULL,
    doi TEXT,
    issue_key TEXT,
    files TEXT NOT NULL,
    sets TEXT NOT NULL,
    stat TEXT
);
CREATE INDEX records_by_journal ON records (journal, key);
"""


def parts_path(journal_id: str, article_id: str) -> str:
    return f"{STATE_DIR}/parts/{journal_id}/{article_id}.json"


@dataclass
class RecordEntry:
    hash: str
    journal: str
    doi: str | None
    files: dict[str, list[str]]  # writer name -> files it wrote for this record
    issue_key: str | None = None
    sets: list[list[str]] = field(default_factory=list)  # OAI-PMH [setSpec, setName] pairs
    # The seed file's state when it was hashed ("size:mtime_ns:ctime_ns:inode"), or None when
    # it was too recent to be trusted: a seed in the same state is not read again.
    stat: str | None = None

    def all_files(self) -> list[str]:
        return sorted(path for paths in self.files.values() for path in paths)


class StoredRecords(Mapping):
    """The previous publish's records, read from its manifest database on demand (by primary
    key), not loaded whole. An entry handed out is remembered, so that saving the next
    manifest can tell an entry carried over unchanged (the same object) from a new one."""

    def __init__(self, connection: sqlite3.Connection):
        self._db = connection
        self._handed_out: dict[str, RecordEntry] = {}

    def __getitem__(self, key: str) -> RecordEntry:
        entry = self._handed_out.get(key)
        if entry is not None:
            return entry
        row = self._db.execute(
            "SELECT journal, hash, doi, issue_key, files, sets, stat FROM records WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            raise KeyError(key)
        entry = RecordEntry(hash=row[1], journal=row[0], doi=row[2], files=json.loads(row[4]),
                            issue_key=row[3], sets=json.loads(row[5]), stat=row[6])
        self._handed_out[key] = entry
        return entry

    def __iter__(self) -> Iterator[str]:
        return (row[0] for row in self._db.execute("SELECT key FROM records ORDER BY key").fetchall())

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM records").fetchone()[0]

    def states(self) -> dict[str, tuple[str, str | None]]:
        """Key -> (seed hash, seed file state) of every record, in one narrow query: what
        a scan compares each seed with (the rest of an entry is read only when needed)."""
        return {key: (digest, stat) for key, digest, stat in self._db.execute("SELECT key, hash, stat FROM records")}

    def carried_over(self, key: str, entry: RecordEntry) -> bool:
        return self._handed_out.get(key) is entry

    def close(self) -> None:
        self._db.close()


def _row(key: str, e: RecordEntry) -> tuple:
    files = json.dumps({w: sorted(f) for w, f in sorted(e.files.items())}, ensure_ascii=False, sort_keys=True)
    return (key, e.journal, e.hash, e.doi, e.issue_key, files, json.dumps(e.sets, ensure_ascii=False), e.stat)


@dataclass
class Manifest:
    writers: dict[str, str] = field(default_factory=dict)  # writer name -> code fingerprint
    records: dict[str, RecordEntry] = field(default_factory=dict)
    journals: dict[str, str] = field(default_factory=dict)  # journal id -> hash of journal.yaml
    journal_files: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # journal -> writer -> files
    journal_styles: dict[str, list[str]] = field(default_factory=dict)  # journal id -> its citation-styles
    repository: str | None = None  # digest of repository.yaml ("" when there is none; None: not known)
    clean: bool = False  # whether that publish reported no problem (then unchanged journals need no re-reading)

    def states(self) -> Mapping[str, tuple[str, str | None]]:
        """Key -> (seed hash, seed file state) of every record."""
        if isinstance(self.records, StoredRecords):
            return self.records.states()
        return {key: (entry.hash, entry.stat) for key, entry in self.records.items()}

    @classmethod
    def load(cls, out: Path) -> "Manifest":
        """The manifest the last publish into ``out`` left (empty if none, or unreadable:
        a damaged manifest only costs a full re-render)."""
        path = out / MANIFEST
        if not path.is_file():
            legacy = out / LEGACY_MANIFEST
            return cls.parse(legacy.read_bytes() if legacy.is_file() else None)
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            meta = dict(db.execute("SELECT key, value FROM meta"))
            if meta.get("format") != str(FORMAT):
                db.close()
                return cls()
            journals = list(db.execute("SELECT id, hash, styles FROM journals"))
            return cls(
                writers=json.loads(meta.get("writers", "{}")),
                records=StoredRecords(db),
                journals={j: digest for j, digest, _ in journals},
                journal_files={j: json.loads(f) for j, f in db.execute("SELECT id, files FROM journal_files")},
                journal_styles={j: json.loads(styles) for j, _, styles in journals},
                repository=meta.get("repository"),
                clean=meta.get("clean") == "1",
            )
        except (sqlite3.DatabaseError, ValueError):
            return cls()

    def save(self, path: Path, previous: "Manifest") -> None:
        """Write this manifest as a database at ``path``: a copy of ``previous``'s with only
        the differences applied when there is one, else from scratch. Written beside and
        renamed into place, so a link to the previous file is never written through."""
        fresh = path.with_name(path.name + ".new")
        fresh.unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(fresh, isolation_level=None)
        try:
            base = previous.records if isinstance(previous.records, StoredRecords) else None
            if base is not None:
                base._db.backup(db)
            else:
                db.executescript(_SCHEMA)
            db.execute("BEGIN")
            db.execute("DELETE FROM meta")
            db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [
                ("format", str(FORMAT)), ("writers", json.dumps(dict(sorted(self.writers.items())), sort_keys=True)),
                *([("repository", self.repository)] if self.repository is not None else []),
                ("clean", "1" if self.clean else "0")])
            db.execute("DELETE FROM journals")
            db.executemany("INSERT INTO journals (id, hash, styles) VALUES (?, ?, ?)", [
                (j, digest, json.dumps(self.journal_styles.get(j, []), ensure_ascii=False))
                for j, digest in sorted(self.journals.items())])
            db.execute("DELETE FROM journal_files")
            db.executemany("INSERT INTO journal_files (id, files) VALUES (?, ?)", [
                (j, json.dumps({w: sorted(f) for w, f in sorted(v.items())}, sort_keys=True))
                for j, v in sorted(self.journal_files.items())])
            if base is not None:
                gone = [(key,) for key in base if key not in self.records]
                db.executemany("DELETE FROM records WHERE key = ?", gone)
                changed = sorted(key for key, entry in self.records.items() if not base.carried_over(key, entry))
            else:
                changed = sorted(self.records)
            db.executemany(
                "INSERT OR REPLACE INTO records (key, journal, hash, doi, issue_key, files, sets, stat) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [_row(key, self.records[key]) for key in changed])
            db.execute("COMMIT")
        finally:
            db.close()
        os.replace(fresh, path)

    def close(self) -> None:
        if isinstance(self.records, StoredRecords):
            self.records.close()

    @classmethod
    def parse(cls, raw: bytes | None) -> "Manifest":
        """A JSON manifest (what releases before the SQLite manifest wrote)."""
        if not raw:
            return cls()
        try:
            data = json.loads(raw)
        except ValueError:
            return cls()  # a damaged manifest only costs a full re-render
        if data.get("format") not in (2, FORMAT):  # format 2's records read as they are
            return cls()
        return cls(
            writers=data.get("writers", {}),
            records={key: RecordEntry(**entry) for key, entry in data.get("records", {}).items()},
            journals=data.get("journals", {}),
            journal_files=data.get("journal_files", {}),
            repository=data.get("repository"),
        )

    def dump(self) -> bytes:
        data = {
            "format": FORMAT,
            "writers": dict(sorted(self.writers.items())),
            "journals": dict(sorted(self.journals.items())),
            "journal_files": {k: {w: sorted(f) for w, f in sorted(v.items())} for k, v in sorted(self.journal_files.items())},
            **({"repository": self.repository} if self.repository is not None else {}),
            "records": {
                key: {"hash": e.hash, "journal": e.journal, "doi": e.doi, "files": {w: sorted(f) for w, f in sorted(e.files.items())},
                      "issue_key": e.issue_key, "sets": e.sets}
                for key, e in sorted(self.records.items())
            },
        }
        # No indent: json's C encoder only runs without one (0.3 s -> 0.03 s for 2,000 records).
        return (json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")


def dump_parts(parts: dict[str, bytes]) -> bytes:
    return (json.dumps({k: v.decode("utf-8") for k, v in sorted(parts.items())}, ensure_ascii=False) + "\n").encode("utf-8")


def load_parts(raw: bytes, names: frozenset[str] | None = None) -> dict[str, bytes]:
    """The parts of one article; only ``names`` when given (to keep memory per journal small)."""
    return {k: v.encode("utf-8") for k, v in json.loads(raw).items() if names is None or k in names}


class PartsCache:
    """Decoded parts files, kept between publishes of one long-lived process (``pipeline
    watch``): the journal-level files of a journal are rebuilt from every article's parts, and
    decoding them all again is most of a warm republish. A file is known by its identity
    (device, inode, size, modification time): staging never writes into an existing file
    (see :func:`pipeline.store.staging.write_atomic`), so a changed parts file is a new one.
    Off by default: a one-shot publish would only grow its memory with it."""

    def __init__(self) -> None:
        self.enabled = False
        self._entries: dict[str, tuple[tuple[int, int, int, int], dict[str, bytes]]] = {}

    def load(self, relative: str, path: Path | None, names: frozenset[str] | None = None) -> dict[str, bytes]:
        """The parts at ``path``, which is the parts file ``relative`` (to out/) now."""
        if path is None:
            return {}
        if not self.enabled:
            try:
                return load_parts(path.read_bytes(), names)
            except FileNotFoundError:
                return {}
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            return {}
        identity = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
        cached = self._entries.get(relative)
        if cached is None or cached[0] != identity:
            cached = (identity, load_parts(path.read_bytes()))
            self._entries[relative] = cached
        parts = cached[1]
        return parts if names is None else {k: v for k, v in parts.items() if k in names}


PARTS_CACHE = PartsCache()
