"""What the previous publish produced, so the next one can skip what did not change.

``out/.pipeline/manifest.sqlite3`` maps each article key to the hash of its seed (under its
journal's), its DOI (for the corpus-wide uniqueness check without re-reading the record) and
the files each writer wrote for it; it also keeps each writer's code fingerprint
(:mod:`pipeline.fingerprint`), so a change to one writer re-renders only that writer's files. Each article's parts (fragments for journal-level files and the OAI
store) are kept in ``out/.pipeline/parts/<journal>/<article>.json``.

Why SQLite and not one JSON document: a JSON manifest is read and written whole on every
publish, about 1 KB per article (a gigabyte at a million articles) for a change to one. Here
a publish is a delta: a scan reads each record's hash and seed state in one narrow query,
only the changed records' entries are read whole (by primary key), the kept ones are known
by their summaries (no file lists), and the next manifest is the previous database with
only the changed rows written, in place, in one transaction at the commit point. The
generation token it records is also written into the tree by the same publish's commit, so a
publish killed between the two leaves a manifest that is not trusted (a full re-render, never
a stale output). A manifest.json left by an earlier release is read once and replaced.
"""

from __future__ import annotations

import hashlib
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
GENERATION = f"{STATE_DIR}/generation"  # the token of the publish whose commit made the tree
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

    def summaries(self) -> dict[str, RecordSummary]:
        """Key -> :class:`RecordSummary` of every record, in one query that leaves out the
        file lists (identical set lists are decoded once)."""
        decoded: dict[str, list] = {}
        found = {}
        for key, journal, issue_key, doi, sets in self._db.execute("SELECT key, journal, issue_key, doi, sets FROM records"):
            if sets not in decoded:
                decoded[sets] = json.loads(sets)
            found[key] = RecordSummary(journal, issue_key, doi, decoded[sets])
        return found

    def carried_over(self, key: str, entry: RecordEntry) -> bool:
        return self._handed_out.get(key) is entry

    def close(self) -> None:
        self._db.close()


@dataclass(frozen=True)
class RecordSummary:
    """What journal files and the store's lists need of a kept record: its entry without the
    list of its files (the bulk of a row)."""

    journal: str
    issue_key: str | None
    doi: str | None
    sets: list[list[str]]


class NextRecords(Mapping):
    """The next manifest's records as a delta over the previous one: the kept records stay
    rows of the previous database (known by their summaries from one narrow query, never
    read whole), and only what changed is held here: new and re-rendered entries
    (``changed``), kept records whose seed state moved (``restated``); every other key of
    the previous manifest is gone. Values are :class:`RecordEntry` (changed) or
    :class:`RecordSummary` (kept)."""

    def __init__(self, previous: "Manifest", kept):
        self.previous = previous
        # (a manifest held in memory, as a JSON one read once is: its entries are at hand)
        self._summaries = previous.summaries() if isinstance(previous.records, StoredRecords) else dict(previous.records)
        self._kept = set(kept)
        self.changed: dict[str, RecordEntry] = {}
        self.restated: dict[str, str | None] = {}

    def __getitem__(self, key: str):
        if key in self.changed:
            return self.changed[key]
        if key in self._kept:
            return self._summaries[key]
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        yield from self._kept
        yield from (key for key in self.changed if key not in self._kept)

    def __len__(self) -> int:
        return len(self._kept | set(self.changed))

    def __setitem__(self, key: str, entry: RecordEntry) -> None:
        self.changed[key] = entry
        self._kept.discard(key)
        self.restated.pop(key, None)

    def keep(self, key: str) -> None:
        """Carry the previous manifest's row for ``key`` over as it is."""
        self.changed.pop(key, None)
        self._kept.add(key)

    def restate(self, key: str, state: str | None) -> None:
        self.restated[key] = state

    def gone(self) -> list[str]:
        return sorted(key for key in self._summaries if key not in self._kept and key not in self.changed)


def _content(key: str, e: RecordEntry) -> tuple:
    """A row's columns but the seed state."""
    files = json.dumps({w: sorted(f) for w, f in sorted(e.files.items())}, ensure_ascii=False, sort_keys=True)
    return (key, e.journal, e.hash, e.doi, e.issue_key, files, json.dumps(e.sets, ensure_ascii=False))


def _row(key: str, e: RecordEntry) -> tuple:
    return (*_content(key, e), e.stat)


@dataclass
class Manifest:
    writers: dict[str, str] = field(default_factory=dict)  # writer name -> code fingerprint
    records: dict[str, RecordEntry] = field(default_factory=dict)
    journals: dict[str, str] = field(default_factory=dict)  # journal id -> hash of journal.yaml
    journal_files: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # journal -> writer -> files
    journal_styles: dict[str, list[str]] = field(default_factory=dict)  # journal id -> its citation-styles
    repository: str | None = None  # digest of repository.yaml ("" when there is none; None: not known)
    clean: bool = False  # whether that publish reported no problem (then unchanged journals need no re-reading)
    # A token of the publish that wrote it, also written into out/ by that publish's commit:
    # a manifest whose token is not the tree's is from a publish that did not commit.
    generation: str | None = None

    def summaries(self) -> dict[str, RecordSummary]:
        """Key -> :class:`RecordSummary` of every record."""
        if isinstance(self.records, StoredRecords):
            return self.records.summaries()
        return {key: RecordSummary(e.journal, e.issue_key, e.doi, e.sets) for key, e in self.records.items()}

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
            marker = out / GENERATION
            in_tree = marker.read_text(encoding="utf-8").strip() if marker.is_file() else None
            if meta.get("format") != str(FORMAT) or meta.get("generation") != in_tree:
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
                generation=meta.get("generation"),
            )
        except (sqlite3.DatabaseError, ValueError):
            return cls()

    def next_generation(self, previous: "Manifest") -> str:
        """This manifest's generation token: ``previous``'s chained with what this one
        changes (journals, journal files, meta, the rows written or removed; not the seed
        states, which differ between copies of the same seeds and change no output). Two
        publishes that give the same manifest give the same token; one that changes it, a
        new one."""
        digest = hashlib.sha256((previous.generation or "").encode() + b"\0")
        digest.update(json.dumps([sorted(self.writers.items()), sorted(self.journals.items()),
                                  sorted((j, sorted(v.items())) for j, v in self.journal_files.items()),
                                  sorted(self.journal_styles.items()), self.repository, self.clean],
                                 ensure_ascii=False).encode())
        records = self.records
        if isinstance(records, NextRecords) and records.previous is previous:
            changed, gone = records.changed, records.gone()
        else:
            changed, gone = {key: records[key] for key in records}, []
        for key in sorted(changed):
            digest.update(b"\0" + json.dumps(_content(key, changed[key]), ensure_ascii=False).encode())
        digest.update(b"\0gone\0" + "\0".join(gone).encode())
        return digest.hexdigest()[:32]

    def is_delta_of(self, previous: "Manifest") -> bool:
        """Whether this manifest is ``previous``'s database plus a delta (then
        :meth:`apply_delta` writes it in place)."""
        return isinstance(self.records, NextRecords) and isinstance(previous.records, StoredRecords) \
            and self.records.previous is previous

    def save(self, path: Path, previous: "Manifest") -> None:
        """Write this manifest as a new database at ``path`` (every row; ``previous``'s
        database, when there is one, is copied first and only the differences written).
        Written beside and renamed into place, so a link to the previous file is never
        written through."""
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
            self._write(db, base)
            db.execute("COMMIT")
        finally:
            db.close()
        os.replace(fresh, path)

    def apply_delta(self, path: Path) -> None:
        """Write this manifest into the previous one's database at ``path``, in place and in
        one transaction: only the rows that changed (no copy of the whole file, whatever the
        corpus size). The caller does this at the commit point; the generation it records
        must match ``out/.pipeline/generation`` for the manifest to be trusted next time."""
        base = self.records.previous.records
        db = sqlite3.connect(path, isolation_level=None)
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                self._write(db, base)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()

    def _write(self, db: sqlite3.Connection, base: "StoredRecords | None") -> None:
        db.execute("DELETE FROM meta")
        db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [
            ("format", str(FORMAT)), ("writers", json.dumps(dict(sorted(self.writers.items())), sort_keys=True)),
            *([("repository", self.repository)] if self.repository is not None else []),
            *([("generation", self.generation)] if self.generation is not None else []),
            ("clean", "1" if self.clean else "0")])
        db.execute("DELETE FROM journals")
        db.executemany("INSERT INTO journals (id, hash, styles) VALUES (?, ?, ?)", [
            (j, digest, json.dumps(self.journal_styles.get(j, []), ensure_ascii=False))
            for j, digest in sorted(self.journals.items())])
        db.execute("DELETE FROM journal_files")
        db.executemany("INSERT INTO journal_files (id, files) VALUES (?, ?)", [
            (j, json.dumps({w: sorted(f) for w, f in sorted(v.items())}, sort_keys=True))
            for j, v in sorted(self.journal_files.items())])
        records = self.records
        if isinstance(records, NextRecords) and base is not None and records.previous.records is base:
            # the delta: only the rows that changed are written
            db.executemany("DELETE FROM records WHERE key = ?", [(key,) for key in records.gone()])
            rows = [_row(key, entry) for key, entry in sorted(records.changed.items())]
        else:
            if base is not None:  # a dict of entries over a previous database
                db.executemany("DELETE FROM records WHERE key = ?", [(key,) for key in base if key not in records])
                changed = sorted(key for key, entry in records.items() if not base.carried_over(key, entry))
            else:
                changed = sorted(records)
            rows = [_row(key, records[key]) for key in changed]
        db.executemany(
            "INSERT OR REPLACE INTO records (key, journal, hash, doi, issue_key, files, sets, stat) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows)
        if isinstance(records, NextRecords):
            db.executemany("UPDATE records SET stat = ? WHERE key = ?",
                           [(state, key) for key, state in sorted(records.restated.items())])

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
