"""The OAI-PMH record store: datestamps move only with content, deletions are persistent,
writes are transactional, and readers see a consistent snapshot while a publish writes.
Every test that takes ``store`` or ``new_store_location`` runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import replace

import pytest

from pipeline.model import Multilingual
from pipeline.store.oai_store import OaiStore, StoreUnavailable, open_store

from . import factories
from .oai_fixtures import at, item_for, publish, sample_articles

JOURNAL = factories.journal()


@pytest.fixture
def location(new_store_location):
    return new_store_location()


@pytest.fixture
def store(location):
    store = open_store(location)
    yield store
    store.close()


def test_new_store_is_created_empty_in_wal_mode(tmp_path):
    path = tmp_path / "nested" / "oai.sqlite3"
    store = OaiStore(path)
    assert path.is_file()
    assert store.identifiers(include_deleted=True) == []
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # Opening it again keeps what is there (the schema is created only if missing).
    publish(store, sample_articles(2), JOURNAL, at("2024-05-01T10:00:00"))
    assert len(OaiStore(path).identifiers()) == 2


def test_first_publish_stamps_every_item_with_now(store):
    stamps = publish(store, sample_articles(3), JOURNAL, at("2024-05-01T10:00:00"))
    assert set(stamps.values()) == {"2024-05-01T10:00:00Z"}
    with store.view() as view:
        assert view.identity() == JOURNAL.oai
        assert [spec for spec, _ in view.sets()] == ["tjh", "tjh:12-1", "tjh:12-2", "tjh:12-3"]


def test_unchanged_republish_changes_no_datestamp(store):
    articles = sample_articles(4)
    first = publish(store, articles, JOURNAL, at("2024-05-01T10:00:00"))
    second = publish(store, articles, JOURNAL, at("2024-06-01T10:00:00"))
    assert second == first


def test_changed_item_alone_gets_a_new_datestamp(store):
    articles = sample_articles(4)
    first = publish(store, articles, JOURNAL, at("2024-05-01T10:00:00"))
    edited = list(articles)
    edited[2] = replace(edited[2], title=Multilingual((("tr", "Yeni başlık"),)))
    second = publish(store, edited, JOURNAL, at("2024-06-01T10:00:00"))
    changed = {identifier for identifier in second if second[identifier] != first[identifier]}
    assert changed == {"oai:journal.example.org:tjh/a002"}
    assert second["oai:journal.example.org:tjh/a002"] == "2024-06-01T10:00:00Z"


def test_a_new_change_is_stamped_after_everything_even_if_the_clock_says_otherwise(store):
    articles = sample_articles(2)
    publish(store, articles, JOURNAL, at("2024-05-01T10:00:00"))
    edited = [replace(articles[0], title=Multilingual((("tr", "Aynı saniye"),))), articles[1]]
    same_second = publish(store, edited, JOURNAL, at("2024-05-01T10:00:00"))
    assert same_second["oai:journal.example.org:tjh/a000"] == "2024-05-01T10:00:01Z"
    edited[1] = replace(articles[1], title=Multilingual((("en", "Clock went back"),)))
    earlier = publish(store, edited, JOURNAL, at("2023-01-01T00:00:00"))
    assert earlier["oai:journal.example.org:tjh/a001"] == "2024-05-01T10:00:02Z"


def test_missing_item_becomes_deleted_and_comes_back(store):
    articles = sample_articles(3)
    publish(store, articles, JOURNAL, at("2024-05-01T10:00:00"))
    publish(store, articles[:2], JOURNAL, at("2024-05-02T10:00:00"))
    gone = "oai:journal.example.org:tjh/a002"
    assert store.is_deleted(gone) is True
    assert store.datestamp(gone) == "2024-05-02T10:00:00Z"
    assert store.identifiers() == sorted(set(store.identifiers(include_deleted=True)) - {gone})
    with store.view() as view:
        row = view.record(gone, "oai_dc")
        assert row.deleted and row.xml is None  # still disseminated, as a deleted header
        assert view.item_prefixes(gone) == ["jats", "oai_dc"]
    # Deleting again changes nothing: the deletion keeps its datestamp.
    publish(store, articles[:2], JOURNAL, at("2024-05-03T10:00:00"))
    assert store.datestamp(gone) == "2024-05-02T10:00:00Z"
    # The seed returns with the same content: a live item again, with a new datestamp.
    publish(store, articles, JOURNAL, at("2024-05-04T10:00:00"))
    assert store.is_deleted(gone) is False
    assert store.datestamp(gone) == "2024-05-04T10:00:00Z"
    with store.view() as view:
        assert view.record(gone, "oai_dc").xml is not None


def test_keep_leaves_an_item_untouched(store):
    articles = sample_articles(2)
    publish(store, articles, JOURNAL, at("2024-05-01T10:00:00"))
    identifier = "oai:journal.example.org:tjh/a000"
    with store.transaction(at("2024-06-01T00:00:00")) as tx:
        assert tx.keep(identifier) == "2024-05-01T10:00:00Z"
        assert tx.keep("oai:journal.example.org:tjh/unknown") is None
        assert tx.delete_missing({identifier}) == ["oai:journal.example.org:tjh/a001"]
    assert store.datestamp(identifier) == "2024-05-01T10:00:00Z"
    with store.transaction(at("2024-06-02T00:00:00")) as tx:
        assert tx.keep("oai:journal.example.org:tjh/a001") is None  # deleted: must be upserted


def test_a_batch_keeps_each_items_datestamp_rules(store):
    """upsert_many (how a publish fills the store): in one batch, a new item, an unchanged
    one, a changed one and a deleted one that returns, each stamped as upsert would."""
    new, unchanged, changed, returning = (f"oai:x.org:j/{name}" for name in ("new", "same", "edited", "back"))
    with store.transaction(at("2024-05-01T10:00:00")) as tx:
        for identifier in (unchanged, changed, returning):
            tx.upsert(identifier, ("j", "j:1"), "h1", {"oai_dc": b"<old/>", "jats": b"<old/>"})
    with store.transaction(at("2024-05-02T10:00:00")) as tx:
        tx.delete_missing({unchanged, changed})
    with store.transaction(at("2024-05-03T10:00:00")) as tx:
        stamps = tx.upsert_many([
            (new, ("j", "j:2"), "h1", {"oai_dc": b"<new/>"}),
            (unchanged, ("j", "j:1"), "h1", {"oai_dc": b"<same/>", "jats": b"<old/>"}),
            (changed, ("j", "j:2"), "h2", {"oai_dc": b"<edited/>"}),
            (returning, ("j", "j:1"), "h1", {"oai_dc": b"<back/>", "jats": b"<old/>"}),
        ])
    assert stamps == {new: "2024-05-03T10:00:00Z", unchanged: "2024-05-01T10:00:00Z",
                      changed: "2024-05-03T10:00:00Z", returning: "2024-05-03T10:00:00Z"}
    with store.view() as view:
        assert view.item_sets(changed) == ("j", "j:2")  # the old membership j:1 is gone
        assert view.item_prefixes(changed) == ["oai_dc"]  # and the old jats
        assert view.record(unchanged, "oai_dc").xml == b"<same/>"  # refreshed in place
        assert view.record(returning, "oai_dc").xml == b"<back/>" and not view.record(returning, "oai_dc").deleted


def test_a_batch_larger_than_one_statements_list_and_a_repeated_identifier(store):
    identifiers = [f"oai:x.org:j/a{index:04d}" for index in range(1200)]
    with store.transaction(at("2024-05-01T10:00:00")) as tx:
        tx.upsert_many([(identifier, ("j",), "h1", {"oai_dc": b"<a/>"}) for identifier in identifiers])
    with store.transaction(at("2024-05-02T10:00:00")) as tx:
        stamps = tx.upsert_many([(identifier, ("j",), "h2" if index % 2 else "h1", {"oai_dc": b"<b/>"})
                                 for index, identifier in enumerate(identifiers)])
    assert [stamps[i] for i in identifiers[:2]] == ["2024-05-01T10:00:00Z", "2024-05-02T10:00:00Z"]
    assert sum(stamp == "2024-05-02T10:00:00Z" for stamp in stamps.values()) == 600
    with store.view() as view:
        assert view.count("oai_dc", None, None, None) == 1200
        assert view.record(identifiers[-1], "oai_dc").xml == b"<b/>"
    with pytest.raises(ValueError, match="more than once"):
        with store.transaction(at("2024-05-03T10:00:00")) as tx:
            tx.upsert_many([(identifiers[0], ("j",), "h3", {"oai_dc": b"<c/>"})] * 2)
    assert store.datestamp(identifiers[0]) == "2024-05-01T10:00:00Z"


def test_failed_publish_leaves_the_store_as_it_was(store, location):
    articles = sample_articles(3)
    before = publish(store, articles, JOURNAL, at("2024-05-01T10:00:00"))
    with pytest.raises(RuntimeError):
        with store.transaction(at("2024-06-01T00:00:00")) as tx:
            tx.set_sets([("other", "Other")])
            identifier, specs, digest, formats = item_for(
                replace(articles[0], title=Multilingual((("tr", "Değişti"),))), JOURNAL)
            tx.upsert(identifier, specs, digest, formats)
            tx.delete_missing(set())
            raise RuntimeError("writer failed halfway")
    reopened = open_store(location)
    with reopened.view() as view:
        assert {identifier: view.datestamp(identifier) for identifier in view.identifiers()} == before
        assert [spec for spec, _ in view.sets()][0] == "tjh"


def test_invalid_set_spec_and_prefix_are_refused(store):
    with pytest.raises(ValueError, match="setSpec"):
        with store.transaction(at("2024-05-01T00:00:00")) as tx:
            tx.upsert("oai:x.org:a/b", ("tjh:12 1",), "h", {"oai_dc": b"<x/>"})
    with pytest.raises(ValueError, match="metadataPrefix"):
        with store.transaction(at("2024-05-01T00:00:00")) as tx:
            tx.upsert("oai:x.org:a/b", ("tjh",), "h", {"oai dc": b"<x/>"})
    with pytest.raises(ValueError, match="setSpec"):
        with store.transaction(at("2024-05-01T00:00:00")) as tx:
            tx.set_sets([("a::b", "bad")])
    assert store.identifiers(include_deleted=True) == []


def test_reader_sees_the_last_commit_while_a_publish_is_open(store, location):
    articles = sample_articles(2)
    publish(store, articles, JOURNAL, at("2024-05-01T10:00:00"))
    reader = open_store(location)
    writing = threading.Event()
    release = threading.Event()

    def writer():
        with store.transaction(at("2024-06-01T00:00:00")) as tx:
            tx.delete_missing(set())
            writing.set()
            release.wait(timeout=30)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert writing.wait(timeout=30)
        # WAL: the read does not wait for the writer and sees the committed state.
        assert reader.identifiers() == sorted(
            ["oai:journal.example.org:tjh/a000", "oai:journal.example.org:tjh/a001"])
    finally:
        release.set()
        thread.join(timeout=30)
    assert reader.identifiers() == []  # the commit is visible to the next read at once


def test_list_pages_follow_datestamp_then_identifier(store):
    articles = sample_articles(5)
    publish(store, articles, JOURNAL, at("2024-05-01T10:00:00"))
    publish(store, [replace(articles[0], title=Multilingual((("tr", "Son"),)))] + articles[1:], JOURNAL,
            at("2024-05-02T10:00:00"))
    with store.view() as view:
        latest = view.max_datestamp()
        keys, after = [], None
        while True:
            rows = view.page("oai_dc", None, None, latest, after, 2, with_metadata=False)
            if not rows:
                break
            keys += [(row.datestamp, row.identifier) for row in rows]
            after = keys[-1]
        assert keys == sorted(keys)
        assert [identifier for _, identifier in keys][-1] == "oai:journal.example.org:tjh/a000"
        assert view.count("oai_dc", "tjh:12-1", None, latest) == 2
        assert view.count("oai_dc", "tjh", None, latest) == 5  # a set includes its subsets
        assert view.count("oai_dc", "tj", None, latest) == 0  # but not a mere prefix of its name
        assert view.count("oai_dc", None, "2024-05-02T00:00:00Z", latest) == 1


def _schema_version(location: str) -> int:
    """Read schema_version with the database's own client, not through the store."""
    if location.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(location) as raw:
            return raw.execute("SELECT version FROM schema_version").fetchone()[0]
    with sqlite3.connect(location) as raw:
        return raw.execute("SELECT version FROM schema_version").fetchone()[0]


def test_schema_is_versioned_and_migrating_again_changes_nothing(store, location):
    assert _schema_version(location) == 1
    publish(store, sample_articles(2), JOURNAL, at("2024-05-01T10:00:00"))
    assert store.migrate() == (1, 1)
    assert open_store(location).identifiers() == [
        "oai:journal.example.org:tjh/a000", "oai:journal.example.org:tjh/a001"]


def test_a_store_from_before_schema_versions_is_upgraded_in_place(tmp_path):
    path = tmp_path / "oai.sqlite3"
    with sqlite3.connect(path) as raw:  # the unversioned schema earlier releases wrote
        raw.executescript(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
            "CREATE TABLE items (identifier TEXT PRIMARY KEY, datestamp TEXT NOT NULL,"
            " content_hash TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0);"
            "INSERT INTO meta VALUES ('token_secret', 'ab');"
            "INSERT INTO items VALUES ('oai:x.org:j/a', '2024-01-01T00:00:00Z', 'h', 0);")
    store = OaiStore(path)
    assert _schema_version(str(path)) == 1
    assert store.identifiers() == ["oai:x.org:j/a"]
    with store.view() as view:
        assert view.token_secret() == bytes.fromhex("ab")  # kept: old tokens stay valid


def test_concurrent_publishes_are_serialised_and_stamped_in_order(store, location):
    articles = sample_articles(2)
    publish(store, articles, JOURNAL, at("2024-05-01T10:00:00"))
    other = open_store(location)
    first_open, release = threading.Event(), threading.Event()
    stamps = {}

    def first():
        with store.transaction(at("2024-06-01T00:00:00")) as tx:
            stamps["first"] = tx.datestamp
            tx.delete_missing({"oai:journal.example.org:tjh/a000"})
            first_open.set()
            release.wait(timeout=30)

    thread = threading.Thread(target=first)
    thread.start()
    assert first_open.wait(timeout=30)
    threading.Timer(0.5, release.set).start()
    # Same clock value: the second publish waits for the first and is stamped after it.
    with other.transaction(at("2024-06-01T00:00:00")) as tx:
        stamps["second"] = tx.datestamp
        assert tx.delete_missing(set()) == ["oai:journal.example.org:tjh/a000"]
    thread.join(timeout=30)
    assert stamps == {"first": "2024-06-01T00:00:00Z", "second": "2024-06-01T00:00:01Z"}
    other.close()


def test_a_database_that_is_down_or_refuses_the_login_is_one_clear_line(postgres_server):
    from .postgres_server import free_port

    down = f"postgresql://postgres@127.0.0.1:{free_port()}/oai"
    with pytest.raises(StoreUnavailable) as raised:
        open_store(down)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"cannot use the OAI-PMH store at {down}: ")
    assert "Connection refused" in message
    refused = postgres_server.url(user="nobody")
    with pytest.raises(StoreUnavailable) as raised:
        open_store(refused)
    assert "\n" not in str(raised.value)
    assert 'role "nobody" does not exist' in str(raised.value)
    secret = postgres_server.url(user="nobody").replace("nobody@", "nobody:hunter2@")
    with pytest.raises(StoreUnavailable) as raised:
        open_store(secret)
    assert "hunter2" not in str(raised.value) and "nobody:***@" in str(raised.value)
