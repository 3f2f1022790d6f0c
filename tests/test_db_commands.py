"""`pipeline db init` and `pipeline db upgrade` (issue 15) differ: init creates the OAI-PMH
store's schema in a new store and refuses a store that has one; upgrade applies the missing
migrations to an existing store (one from before schema versioning included) and refuses a
database without a store, so that a mistyped URL does not quietly get a new, empty store.
Every refusal is one line, exit 2, and leaves the database as it was. Both backends."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import psycopg
import pytest

from .conftest import run_cli
from .postgres_server import free_port

# The schema this pipeline writes (pipeline/store/oai_store.py MIGRATIONS), spelled out here.
TABLES = {"schema_version", "meta", "sets", "items", "item_sets", "metadata"}


def tables(location: str) -> set[str]:
    if location.startswith("postgresql://"):
        with psycopg.connect(location) as raw:
            return {row[0] for row in raw.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    with closing(sqlite3.connect(location)) as raw:
        return {row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def query(location: str, sql: str) -> list[tuple]:
    if location.startswith("postgresql://"):
        with psycopg.connect(location) as raw:
            return raw.execute(sql).fetchall()
    with closing(sqlite3.connect(location)) as raw:
        return raw.execute(sql).fetchall()


def execute(location: str, *statements: str) -> None:
    if location.startswith("postgresql://"):
        with psycopg.connect(location) as raw:
            for statement in statements:
                raw.execute(statement)
        return
    with closing(sqlite3.connect(location)) as raw:
        for statement in statements:
            raw.execute(statement)
        raw.commit()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_store(request, tmp_path):
    """An empty database: a SQLite path that does not exist yet, or a new PostgreSQL database."""
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_server").new_database("dbcmd")
    return str(tmp_path / "oai.sqlite3")


def test_init_creates_the_schema_then_refuses_to_init_again(empty_store):
    first = run_cli("db", "init", "--db", empty_store)
    assert first.returncode == 0, first.stderr
    assert first.stderr.strip() == f"{empty_store}: created the OAI-PMH store schema, version 1"
    assert tables(empty_store) == TABLES
    assert query(empty_store, "SELECT version FROM schema_version") == [(1,)]
    secret = query(empty_store, "SELECT value FROM meta WHERE key = 'token_secret'")
    assert len(secret) == 1 and len(secret[0][0]) == 64

    again = run_cli("db", "init", "--db", empty_store)
    assert again.returncode == 2
    lines = again.stderr.strip().splitlines()
    assert lines == [f"error: {empty_store}: already holds an OAI-PMH store (schema version 1); "
                     "'pipeline db upgrade' brings it to version 1"]
    assert query(empty_store, "SELECT value FROM meta WHERE key = 'token_secret'") == secret  # untouched


def test_upgrade_of_a_current_store_has_nothing_to_do(empty_store):
    assert run_cli("db", "init", "--db", empty_store).returncode == 0
    result = run_cli("db", "upgrade", "--db", empty_store)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == (f"{empty_store}: the OAI-PMH store schema is at version 1, "
                                     "this pipeline's (1): nothing to do")
    assert query(empty_store, "SELECT version FROM schema_version") == [(1,)]


def test_upgrade_refuses_a_database_without_a_store_and_creates_nothing(empty_store):
    if not empty_store.startswith("postgresql://"):
        result = run_cli("db", "upgrade", "--db", empty_store)
        assert result.returncode == 2
        assert result.stderr.strip() == (f"error: {empty_store}: no OAI-PMH store here to upgrade; "
                                         f"'pipeline db init --db {empty_store}' creates one")
        assert not Path(empty_store).exists()
        # An existing file that is not a store (an empty SQLite file) is refused the same way.
        execute(empty_store, "CREATE TABLE unrelated (x INTEGER)")
    result = run_cli("db", "upgrade", "--db", empty_store)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {empty_store}: holds no OAI-PMH store to upgrade; 'pipeline db init' creates one"]
    assert tables(empty_store) <= {"unrelated"}  # not even schema_version was left behind


def test_upgrade_versions_a_store_from_before_schema_versioning(empty_store):
    # A store written before schema_version existed: the version-1 items table with a row.
    execute(empty_store,
            "CREATE TABLE items (identifier TEXT PRIMARY KEY, datestamp TEXT NOT NULL, "
            "content_hash TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0)",
            "INSERT INTO items VALUES ('oai:x:j/a', '2024-06-01T12:00:00Z', 'h', 0)")
    refused = run_cli("db", "init", "--db", empty_store)
    assert refused.returncode == 2
    assert "already holds an OAI-PMH store (a schema from before versioning)" in refused.stderr
    assert "schema_version" not in tables(empty_store)

    result = run_cli("db", "upgrade", "--db", empty_store)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == (f"{empty_store}: upgraded the OAI-PMH store schema from a schema "
                                     "from before versioning to version 1")
    assert tables(empty_store) == TABLES
    assert query(empty_store, "SELECT version FROM schema_version") == [(1,)]
    assert query(empty_store, "SELECT identifier, datestamp FROM items") == [("oai:x:j/a", "2024-06-01T12:00:00Z")]


@pytest.mark.parametrize("action", ["init", "upgrade"])
def test_a_database_that_is_down_is_one_line(action):
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/nothing"
    result = run_cli("db", action, "--db", url)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: cannot use the OAI-PMH store at {url}: ") and "Connection refused" in lines[0]
