"""The OAI-PMH record store: an embedded SQLite database the publish stage writes and the
OAI-PMH endpoint reads.

One row per item (OAI identifier, datestamp, content hash, deleted flag), its set memberships,
the metadata bytes of every format, the repository's identity and sets, and the secret that
signs resumption tokens.

Why the datestamp rules look the way they do:

- A datestamp changes only when the item's content hash changes (or a deleted item returns),
  so re-publishing unchanged seeds changes nothing and incremental harvests stay small.
- Every write transaction stamps its changes with one datestamp that is strictly later than
  every datestamp already in the store, even if the injected clock says otherwise (same
  second, or a clock that went backwards). A harvester that saw datestamps up to ``M`` then
  never misses a later change by asking ``from=M`` (or ``from=M+1s``), and a list request can
  freeze its upper bound at ``M`` to walk a stable snapshot while publishes go on (see
  :meth:`StoreView.max_datestamp`).

The database runs in WAL mode so the server keeps reading while a publish writes; a publish is
one SQLite transaction, so a failed publish leaves the store exactly as it was.

The same reads and writes (:class:`StoreView`, :class:`StoreTransaction`) run on PostgreSQL
(:mod:`pipeline.store.oai_postgres`), for a platform whose several server processes share one
database; :func:`open_store` picks the store from a ``--db`` value (a path or a
``postgresql://`` URL). The SQL is written once, in the subset both databases understand.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import ContextManager, Iterable, Iterator, Mapping, Protocol

from pipeline.model import OaiIdentity
# The OAI-PMH syntax of what the store keeps (datestamps, set specs, metadata prefixes) is the
# protocol's: the store follows it, the protocol does not depend on the store.
from pipeline.oai.protocol import METADATA_PREFIX, SET_SPEC, format_datestamp, parse_datestamp

from ..errors import PipelineError

# The schema, as numbered migrations (``schema_version`` holds the last one applied). Stores
# written before versioning have the version-1 tables already: its IF NOT EXISTS makes
# applying it to them a no-op. Types are spelled per database: BYTEA for BLOB in PostgreSQL,
# and its text compares bytewise (COLLATE "C") so lists come in the order SQLite gives.
SCHEMA_V1 = """
CREATE TABLE IF NOT EXISTS meta (
    key {text} PRIMARY KEY,
    value {text} NOT NULL
);
CREATE TABLE IF NOT EXISTS sets (
    spec {text} PRIMARY KEY,
    name {text} NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
    identifier {text} PRIMARY KEY,
    datestamp {text} NOT NULL,
    content_hash {text} NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS items_by_datestamp ON items (datestamp, identifier);
CREATE TABLE IF NOT EXISTS item_sets (
    identifier {text} NOT NULL REFERENCES items (identifier) ON DELETE CASCADE,
    set_spec {text} NOT NULL,
    PRIMARY KEY (identifier, set_spec)
);
CREATE INDEX IF NOT EXISTS item_sets_by_spec ON item_sets (set_spec);
-- xml is NULL for a deleted item: the prefix stays, so the deleted record is still
-- disseminated (as a header with status="deleted") in the formats the item had.
CREATE TABLE IF NOT EXISTS metadata (
    identifier {text} NOT NULL REFERENCES items (identifier) ON DELETE CASCADE,
    prefix {text} NOT NULL,
    xml {blob},
    PRIMARY KEY (identifier, prefix)
);
"""

MIGRATIONS: tuple[tuple[int, str], ...] = ((1, SCHEMA_V1),)
SCHEMA_VERSION = MIGRATIONS[-1][0]


class StoreUnavailable(PipelineError):
    """The store cannot be opened (a database that is down, a login refused): one line."""


class SchemaTooNew(StoreUnavailable):
    """The store was migrated by a newer version of the pipeline."""


class SchemaState(PipelineError):
    """``pipeline db init`` found a schema already, or ``db upgrade`` found none: one line."""


# Whether the version-1 tables are there (a store from before schema_version, or one made
# by hand): per database, as each keeps its own catalogue.
ITEMS_TABLE_QUERY = {
    "sqlite": "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'items'",
    "postgresql": "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'items'",
}


def apply_migrations(db, blob_type: str, text_type: str = "TEXT", *, require: str | None = None,
                     dialect: str = "sqlite") -> tuple[int, int]:
    """Bring the schema to :data:`SCHEMA_VERSION` inside the caller's write transaction;
    return (version before, version after). ``db`` has ``execute(sql, params)``.

    ``require``: ``"absent"`` (``db init``: a store that has a schema is refused, not
    touched) or ``"present"`` (``db upgrade``: a database without one is refused, so a
    mistyped URL does not quietly get a new empty store); None (publish, serve) creates or
    upgrades whatever is there. A refusal raises :class:`SchemaState`; the caller's
    transaction then rolls back, leaving the database as it was."""
    db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = db.execute("SELECT MAX(version) FROM schema_version").fetchone()
    before = row[0] or 0
    if require is not None:
        has_schema = before > 0 or db.execute(ITEMS_TABLE_QUERY[dialect]).fetchone()[0] > 0
        if require == "absent" and has_schema:
            version = f"schema version {before}" if before else "a schema from before versioning"
            raise SchemaState(f"already holds an OAI-PMH store ({version}); 'pipeline db upgrade' brings it to version {SCHEMA_VERSION}")
        if require == "present" and not has_schema:
            raise SchemaState("holds no OAI-PMH store to upgrade; 'pipeline db init' creates one")
    if before > SCHEMA_VERSION:
        raise SchemaTooNew(f"the OAI-PMH store has schema version {before}, newer than this pipeline's {SCHEMA_VERSION}; upgrade the pipeline")
    for version, script in MIGRATIONS:
        if version <= before:
            continue
        for statement in script.format(blob=blob_type, text=text_type).split(";"):
            if statement.strip():
                db.execute(statement)
        db.execute("DELETE FROM schema_version")
        db.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
    db.execute(
        "INSERT INTO meta (key, value) VALUES ('token_secret', ?) ON CONFLICT (key) DO NOTHING",
        (secrets.token_hex(32),),
    )
    return before, SCHEMA_VERSION


_IDENTITY_KEYS = ("repository_name", "base_url", "admin_email", "namespace")


@dataclass(frozen=True)
class ItemRow:
    """One item as a list or GetRecord response needs it."""

    identifier: str
    datestamp: str
    deleted: bool
    set_specs: tuple[str, ...]
    xml: bytes | None  # the metadata in the requested format; None for a deleted item


class RecordStore(Protocol):
    """What the publish stage and the OAI-PMH endpoint need of a store (SQLite or PostgreSQL)."""

    def transaction(self, now: datetime) -> ContextManager["StoreTransaction"]: ...

    def view(self) -> ContextManager["StoreView"]: ...

    def migrate(self, require: str | None = None) -> tuple[int, int]: ...

    def close(self) -> None: ...

    def describe(self) -> str: ...


class _Readers:
    """Convenience readers, each in its own snapshot (shared by both stores)."""

    def datestamp(self, identifier: str) -> str | None:
        with self.view() as view:
            return view.datestamp(identifier)

    def is_deleted(self, identifier: str) -> bool | None:
        with self.view() as view:
            item = view.item_state(identifier)
            return None if item is None else item[1]

    def identifiers(self, include_deleted: bool = False) -> list[str]:
        with self.view() as view:
            return view.identifiers(include_deleted)


def is_database_url(location: str | Path) -> bool:
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


def open_store(location: str | Path, migrate: bool = True) -> RecordStore:
    """The store a ``--db`` value names: a ``postgresql://`` URL, or else a SQLite file path.
    Opening brings the schema up to date unless ``migrate`` is False (``pipeline db``)."""
    if is_database_url(location):
        from .oai_postgres import PostgresStore

        return PostgresStore(str(location), migrate=migrate)
    return OaiStore(location, migrate=migrate)


class OaiStore(_Readers):
    """The SQLite store at ``path``, created with its schema if missing.

    Thread-safe: each thread gets its own connection (SQLite connections must not be shared
    across threads), so one store serves a multi-threaded WSGI server.
    """

    def __init__(self, path: str | Path, migrate: bool = True):
        self.path = Path(path)
        self._local = threading.local()
        if migrate:
            self.migrate()

    def describe(self) -> str:
        return str(self.path)

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: transactions are opened explicitly, so every read of a
            # request runs in one snapshot and a write is exactly one transaction.
            connection = sqlite3.connect(self.path, isolation_level=None, timeout=30.0, check_same_thread=True)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA foreign_keys=ON")
            connection.execute("PRAGMA synchronous=NORMAL")
            self._local.connection = connection
        return connection

    def migrate(self, require: str | None = None) -> tuple[int, int]:
        """Create or upgrade the schema; (version before, version after). ``require``: see
        :func:`apply_migrations`."""
        try:
            connection = self._connection()
            with _immediate(connection):
                return apply_migrations(connection, "BLOB", require=require, dialect="sqlite")
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"{self.path}: cannot open the OAI-PMH store: {exc}") from exc

    def close(self) -> None:
        """Close this thread's connection (other threads' connections close with the threads)."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    @contextmanager
    def transaction(self, now: datetime) -> Iterator["StoreTransaction"]:
        """One write transaction: committed on normal exit, rolled back on an exception.

        ``BEGIN IMMEDIATE`` takes the write lock at once, so the datestamp computed from the
        store's current maximum cannot be overtaken by a concurrent publish.
        """
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            tx = StoreTransaction(connection, now)
            yield tx
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        else:
            connection.execute("COMMIT")

    @contextmanager
    def view(self) -> Iterator["StoreView"]:
        """A consistent read snapshot (one read transaction) for one request."""
        connection = self._connection()
        if connection.in_transaction:  # inside this thread's write transaction: read its state
            yield StoreView(connection)
            return
        connection.execute("BEGIN")
        try:
            yield StoreView(connection)
        finally:
            connection.execute("COMMIT")


@contextmanager
def _immediate(connection: sqlite3.Connection) -> Iterator[None]:
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    else:
        connection.execute("COMMIT")


class StoreView:
    """Read access within one snapshot."""

    def __init__(self, connection):
        self._db = connection  # a sqlite3 connection, or the PostgreSQL adapter

    def token_secret(self) -> bytes:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'token_secret'").fetchone()
        return bytes.fromhex(row[0])

    def identity(self) -> OaiIdentity | None:
        rows = dict(self._db.execute("SELECT key, value FROM meta WHERE key IN (?, ?, ?, ?)", _IDENTITY_KEYS))
        if len(rows) < len(_IDENTITY_KEYS):
            return None
        return OaiIdentity(**{key: rows[key] for key in _IDENTITY_KEYS})

    def sets(self) -> list[tuple[str, str]]:
        return list(self._db.execute("SELECT spec, name FROM sets ORDER BY spec"))

    def has_sets(self) -> bool:
        return self._db.execute("SELECT 1 FROM sets LIMIT 1").fetchone() is not None

    def earliest_datestamp(self) -> str | None:
        return self._db.execute("SELECT MIN(datestamp) FROM items").fetchone()[0]

    def max_datestamp(self) -> str | None:
        """The latest datestamp in the store. Every later write gets a strictly later one, so
        a list bounded by this value is a snapshot that no publish can add to."""
        return self._db.execute("SELECT MAX(datestamp) FROM items").fetchone()[0]

    def datestamp(self, identifier: str) -> str | None:
        row = self._db.execute("SELECT datestamp FROM items WHERE identifier = ?", (identifier,)).fetchone()
        return row[0] if row else None

    def item_state(self, identifier: str) -> tuple[str, bool] | None:
        """``(datestamp, deleted)`` or None for an unknown identifier."""
        row = self._db.execute(
            "SELECT datestamp, deleted FROM items WHERE identifier = ?", (identifier,)
        ).fetchone()
        return (row[0], bool(row[1])) if row else None

    def identifiers(self, include_deleted: bool = False) -> list[str]:
        sql = "SELECT identifier FROM items" + ("" if include_deleted else " WHERE deleted = 0")
        return [row[0] for row in self._db.execute(sql + " ORDER BY identifier")]

    def first_identifier(self) -> str | None:
        """An identifier the repository holds (the smallest), for Identify's sampleIdentifier."""
        return self._db.execute("SELECT MIN(identifier) FROM items").fetchone()[0]

    def item_prefixes(self, identifier: str) -> list[str]:
        """The formats the item can be disseminated in (a deleted item keeps its prefixes)."""
        return [
            row[0]
            for row in self._db.execute(
                "SELECT prefix FROM metadata WHERE identifier = ? ORDER BY prefix", (identifier,)
            )
        ]

    def item_sets(self, identifier: str) -> tuple[str, ...]:
        return tuple(
            row[0]
            for row in self._db.execute(
                "SELECT set_spec FROM item_sets WHERE identifier = ? ORDER BY set_spec", (identifier,)
            )
        )

    def record(self, identifier: str, prefix: str) -> ItemRow | None:
        """The item in ``prefix``, or None if it is unknown or has no such format."""
        row = self._db.execute(
            "SELECT i.identifier, i.datestamp, i.deleted, m.xml FROM items i "
            "JOIN metadata m ON m.identifier = i.identifier AND m.prefix = ? WHERE i.identifier = ?",
            (prefix, identifier),
        ).fetchone()
        if row is None:
            return None
        return ItemRow(row[0], row[1], bool(row[2]), self.item_sets(identifier), None if row[2] else row[3])

    def _list_filter(
        self, prefix: str, set_spec: str | None, from_: str | None, until: str | None
    ) -> tuple[str, list]:
        sql = " FROM items i JOIN metadata m ON m.identifier = i.identifier AND m.prefix = ? WHERE 1 = 1"
        params: list = [prefix]
        if from_ is not None:
            sql += " AND i.datestamp >= ?"
            params.append(from_)
        if until is not None:
            sql += " AND i.datestamp <= ?"
            params.append(until)
        if set_spec is not None:
            # Harvesting a set also harvests its subsets (OAI-PMH 2.0, section 3.4).
            sql += (
                " AND EXISTS (SELECT 1 FROM item_sets s WHERE s.identifier = i.identifier"
                " AND (s.set_spec = ? OR substr(s.set_spec, 1, CAST(? AS INTEGER)) = ?))"
            )
            params += [set_spec, len(set_spec) + 1, set_spec + ":"]
        return sql, params

    def count(self, prefix: str, set_spec: str | None, from_: str | None, until: str | None) -> int:
        where, params = self._list_filter(prefix, set_spec, from_, until)
        return self._db.execute("SELECT COUNT(*)" + where, params).fetchone()[0]

    def page(
        self,
        prefix: str,
        set_spec: str | None,
        from_: str | None,
        until: str | None,
        after: tuple[str, str] | None,
        limit: int,
        with_metadata: bool,
    ) -> list[ItemRow]:
        """Up to ``limit`` items ordered by (datestamp, identifier), strictly after ``after``.

        Keyset paging, not OFFSET: an item that changes between two pages moves to a later
        datestamp instead of shifting every following item by one position.
        """
        where, params = self._list_filter(prefix, set_spec, from_, until)
        if after is not None:
            where += " AND (i.datestamp, i.identifier) > (?, ?)"
            params += list(after)
        columns = "i.identifier, i.datestamp, i.deleted" + (", m.xml" if with_metadata else ", NULL")
        rows = self._db.execute(
            f"SELECT {columns}{where} ORDER BY i.datestamp, i.identifier LIMIT ?", params + [limit]
        ).fetchall()
        sets = self._sets_of([row[0] for row in rows])
        return [
            ItemRow(row[0], row[1], bool(row[2]), sets.get(row[0], ()), None if row[2] else row[3])
            for row in rows
        ]

    def _sets_of(self, identifiers: list[str]) -> dict[str, tuple[str, ...]]:
        """The set memberships of a page of items in one query (not one per item: a
        round trip per record is what a networked database makes expensive)."""
        if not identifiers:
            return {}
        found: dict[str, list[str]] = {}
        marks = ", ".join("?" * len(identifiers))
        for identifier, spec in self._db.execute(
            f"SELECT identifier, set_spec FROM item_sets WHERE identifier IN ({marks}) ORDER BY identifier, set_spec",
            identifiers,
        ):
            found.setdefault(identifier, []).append(spec)
        return {identifier: tuple(specs) for identifier, specs in found.items()}


class StoreTransaction:
    """The write side, valid inside :meth:`OaiStore.transaction` only."""

    def __init__(self, connection, now: datetime):
        self._db = connection
        latest = connection.execute("SELECT MAX(datestamp) FROM items").fetchone()[0]
        stamp = format_datestamp(now)
        if latest is not None and stamp <= latest:
            stamp = format_datestamp(parse_datestamp(latest) + timedelta(seconds=1))
        # Computed once, so every change of one publish carries the same datestamp.
        self.datestamp = stamp

    def set_identity(self, identity: OaiIdentity) -> None:
        for key in _IDENTITY_KEYS:
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, getattr(identity, key)),
            )

    def set_sets(self, sets: Iterable[tuple[str, str]]) -> None:
        """Replace the repository's set list (spec, name).

        A set that only deleted items still name stays listed under its old name, so every
        setSpec a header carries can be looked up in ListSets.
        """
        sets = dict(sets)
        for spec in sets:
            _check_set_spec(spec)
        known = dict(self._db.execute("SELECT spec, name FROM sets"))
        for (spec,) in self._db.execute("SELECT DISTINCT set_spec FROM item_sets"):
            if spec not in sets and spec in known:
                sets[spec] = known[spec]
        self._db.execute("DELETE FROM sets")
        self._db.executemany("INSERT INTO sets (spec, name) VALUES (?, ?)", sorted(sets.items()))

    def upsert(
        self,
        identifier: str,
        set_specs: tuple[str, ...],
        content_hash: str,
        formats: Mapping[str, bytes],
    ) -> str:
        """Store the item; return its datestamp (:meth:`upsert_many` of one item)."""
        return self.upsert_many([(identifier, set_specs, content_hash, formats)])[identifier]

    def upsert_many(self, items: Iterable[tuple[str, tuple[str, ...], str, Mapping[str, bytes]]]) -> dict[str, str]:
        """Store items ``(identifier, set_specs, content_hash, formats)``, each identifier
        once; return identifier -> datestamp.

        An item's datestamp moves to this transaction's datestamp only if its content hash
        differs from the stored one or it was deleted; otherwise the metadata is refreshed in
        place (the same content renders to the same bytes) and the datestamp stays.

        A batch costs a few statements, whatever its size (a look-up of the stored rows,
        the changed items, their set memberships and metadata in bulk), not six per item:
        the publishing process fills the store of a whole corpus, over a socket with
        PostgreSQL, and that is work no worker can take from it."""
        items = list(items)
        identifiers = [item[0] for item in items]
        if len(set(identifiers)) != len(identifiers):
            raise ValueError("upsert_many: an identifier appears more than once")
        for _, set_specs, _, formats in items:
            for spec in set_specs:
                _check_set_spec(spec)
            for prefix in formats:
                if not METADATA_PREFIX.fullmatch(prefix):
                    raise ValueError(f"{prefix!r} is not a valid OAI-PMH metadataPrefix")
        stored = {
            row[0]: row[1:]
            for chunk in _chunks(identifiers)
            for row in self._db.execute(
                f"SELECT identifier, datestamp, content_hash, deleted FROM items WHERE identifier IN ({_marks(chunk)})", chunk)
        }
        datestamps: dict[str, str] = {}
        changed: list[tuple[str, str, str]] = []
        for identifier, _, content_hash, _ in items:
            row = stored.get(identifier)
            if row is not None and row[1] == content_hash and not row[2]:
                datestamps[identifier] = row[0]
            else:
                datestamps[identifier] = self.datestamp
                changed.append((identifier, self.datestamp, content_hash))
        if changed:
            self._db.executemany(
                "INSERT INTO items (identifier, datestamp, content_hash, deleted) VALUES (?, ?, ?, 0) "
                "ON CONFLICT (identifier) DO UPDATE SET datestamp = excluded.datestamp, "
                "content_hash = excluded.content_hash, deleted = 0",
                changed,
            )
        known = [identifier for identifier in identifiers if identifier in stored]  # new items have no rows to drop
        for table in ("item_sets", "metadata"):
            for chunk in _chunks(known):
                self._db.execute(f"DELETE FROM {table} WHERE identifier IN ({_marks(chunk)})", chunk)
        self._insert_rows("item_sets", ("identifier", "set_spec"),
                          [(identifier, spec) for identifier, set_specs, _, _ in items for spec in sorted(set(set_specs))])
        self._insert_rows("metadata", ("identifier", "prefix", "xml"),
                          [(identifier, prefix, bytes(formats[prefix]))
                           for identifier, _, _, formats in items for prefix in sorted(formats)])
        return datestamps

    def _insert_rows(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        """Plain inserts of many rows (PostgreSQL's transaction copies them instead)."""
        if rows:
            self._db.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({_marks(columns)})", rows)

    def keep(self, identifier: str) -> str | None:
        """An item that did not change and was not re-rendered: leave it, return its datestamp
        (None if the store does not know it, or holds it as deleted: then it must be upserted)."""
        row = self._db.execute(
            "SELECT datestamp, deleted FROM items WHERE identifier = ?", (identifier,)
        ).fetchone()
        if row is None or row[1]:
            return None
        return row[0]

    def keep_many(self, identifiers: Iterable[str]) -> dict[str, str]:
        """:meth:`keep` for many items at once: identifier -> datestamp of those that are live."""
        wanted = set(identifiers)
        return {
            identifier: datestamp
            for identifier, datestamp in self._db.execute("SELECT identifier, datestamp FROM items WHERE deleted = 0")
            if identifier in wanted
        }

    def delete_missing(self, present: set[str] | frozenset[str]) -> list[str]:
        """Mark every live item not in ``present`` deleted, with this transaction's datestamp.

        The metadata bytes are dropped (a deleted record has no metadata) but the prefixes stay,
        so the deleted record is still listed in the formats it had. Returns the identifiers,
        sorted.
        """
        live = [row[0] for row in self._db.execute("SELECT identifier FROM items WHERE deleted = 0")]
        gone = sorted(identifier for identifier in live if identifier not in present)
        for identifier in gone:
            self._db.execute(
                "UPDATE items SET deleted = 1, datestamp = ? WHERE identifier = ?", (self.datestamp, identifier)
            )
            self._db.execute("UPDATE metadata SET xml = NULL WHERE identifier = ?", (identifier,))
        return gone


# Identifiers per IN (...) list: far below SQLite's limit of bound parameters, and a few
# statements per batch of records.
_IN_LIST = 500


def _chunks(values: list) -> Iterator[list]:
    for start in range(0, len(values), _IN_LIST):
        yield values[start:start + _IN_LIST]


def _marks(values) -> str:
    return ", ".join("?" * len(values))


def _check_set_spec(spec: str) -> None:
    if not SET_SPEC.fullmatch(spec):
        raise ValueError(f"{spec!r} is not a valid OAI-PMH setSpec")
