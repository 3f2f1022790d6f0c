"""The OAI-PMH record store in PostgreSQL, for a platform: several server processes (gunicorn
workers, several machines) read one database while a publish writes to it.

Same semantics as the SQLite store, from the same code: :class:`StoreView` and
:class:`StoreTransaction` run their SQL through :class:`_Connection`, which only changes the
parameter style. What differs is how transactions are taken:

- a publish is one transaction that first takes a transaction-level advisory lock, so two
  publishes are serialised and the datestamp computed from the store's maximum cannot be
  overtaken (what ``BEGIN IMMEDIATE`` gives in SQLite);
- a request reads in one ``REPEATABLE READ READ ONLY`` transaction: one snapshot for the
  whole response, never blocked by a publish (what WAL gives in SQLite);
- the schema is migrated under another advisory lock, so workers starting together do not
  race;
- a batch of records' set memberships and metadata is copied in (``COPY ... FROM STDIN``,
  :class:`PostgresTransaction`) rather than inserted row by row.

Connections come from a :mod:`psycopg_pool` pool, created lazily in the process that uses it
(a pool must not cross a ``fork``, and gunicorn forks its workers).
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from datetime import datetime
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from .oai_store import StoreTransaction, StoreUnavailable, StoreView, _Readers, apply_migrations

# pg_advisory_xact_lock keys (any constant bigint, private to this schema).
_PUBLISH_LOCK = 0x6F61_6970_6D68_0001
_MIGRATE_LOCK = 0x6F61_6970_6D68_0002
CONNECT_TIMEOUT = 5  # seconds: a database that is down is reported, not waited for


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[-1]}"))


def _first_line(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(line.strip() for line in text.splitlines()[:1])


class _Connection:
    """A psycopg connection with the ``?`` parameter style the shared SQL is written in."""

    def __init__(self, connection: psycopg.Connection):
        self.raw = connection

    def execute(self, sql: str, params=()):
        return self.raw.execute(sql.replace("?", "%s"), tuple(params))

    def executemany(self, sql: str, rows) -> None:
        rows = list(rows)
        if rows:
            with self.raw.cursor() as cursor:
                cursor.executemany(sql.replace("?", "%s"), rows)


class PostgresTransaction(StoreTransaction):
    """The shared write side; a batch's set memberships and metadata go in by ``COPY``
    (one stream per table) rather than as rows of INSERT statements."""

    def _insert_rows(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        with self._db.raw.cursor() as cursor:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)


class PostgresStore(_Readers):
    """The store in the PostgreSQL database at ``url`` (``postgresql://user@host:port/db``)."""

    def __init__(self, url: str, max_connections: int = 8, migrate: bool = True):
        self.url = url
        self.max_connections = max_connections
        self._pool: ConnectionPool | None = None
        self._pool_pid: int | None = None
        self._pool_lock = threading.Lock()
        self._local = threading.local()  # the write transaction this thread has open, if any
        if migrate:
            self.migrate()

    def describe(self) -> str:
        return redact(self.url)

    def _unavailable(self, exc: Exception) -> StoreUnavailable:
        return StoreUnavailable(f"cannot use the OAI-PMH store at {redact(self.url)}: {_first_line(exc)}")

    def _connect(self) -> psycopg.Connection:
        try:
            return psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
        except psycopg.Error as exc:
            raise self._unavailable(exc) from exc

    def migrate(self, require: str | None = None) -> tuple[int, int]:
        """Create or upgrade the schema; (version before, version after); ``require``: see
        :func:`~pipeline.store.oai_store.apply_migrations`. Also the first contact with the
        database, so a database that is down is reported here."""
        with self._connect() as raw:
            db = _Connection(raw)
            try:
                with raw.transaction():
                    db.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATE_LOCK,))
                    return apply_migrations(db, "BYTEA", 'TEXT COLLATE "C"', require=require, dialect="postgresql")
            except psycopg.Error as exc:
                raise self._unavailable(exc) from exc

    def _get_pool(self) -> ConnectionPool:
        with self._pool_lock:
            if self._pool is None or self._pool_pid != os.getpid():
                # A pool inherited through fork shares sockets with the parent: start afresh.
                self._pool = ConnectionPool(
                    self.url, min_size=1, max_size=self.max_connections, open=True, timeout=30,
                    kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT},
                )
                self._pool_pid = os.getpid()
            return self._pool

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        try:
            with self._get_pool().connection() as raw:
                yield raw
        except (PoolTimeout, psycopg.OperationalError) as exc:
            raise self._unavailable(exc) from exc

    def close(self) -> None:
        with self._pool_lock:
            if self._pool is not None and self._pool_pid == os.getpid():
                self._pool.close()
            self._pool = None

    def __del__(self):
        # Close the pool from the thread that drops the store; left to the pool's own
        # finaliser, it may run in one of the pool's threads, which cannot join itself.
        try:
            self.close()
        except Exception:
            pass

    @contextmanager
    def transaction(self, now: datetime) -> Iterator[StoreTransaction]:
        """One write transaction: committed on normal exit, rolled back on an exception."""
        with self._connection() as raw:
            db = _Connection(raw)
            raw.execute("BEGIN")
            try:
                db.execute("SELECT pg_advisory_xact_lock(?)", (_PUBLISH_LOCK,))
                self._local.writing = db
                yield PostgresTransaction(db, now)
            except BaseException:
                raw.execute("ROLLBACK")
                raise
            else:
                raw.execute("COMMIT")
            finally:
                self._local.writing = None

    @contextmanager
    def view(self) -> Iterator[StoreView]:
        """A consistent read snapshot for one request."""
        writing = getattr(self._local, "writing", None)
        if writing is not None:  # inside this thread's write transaction: read its state
            yield StoreView(writing)
            return
        with self._connection() as raw:
            raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                yield StoreView(_Connection(raw))
            finally:
                raw.execute("ROLLBACK")  # read only: nothing to commit
