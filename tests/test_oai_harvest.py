"""End to end: the endpoint runs as a separate process on 127.0.0.1 and real harvesters from
PyPI (sickle, oaipmh-scythe) harvest it while the test publishes into the store. Every
response the harvesters receive is validated against the OAI-PMH schemas."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
from oaipmh_scythe import Scythe
from oaipmh_scythe.config import HTTPConfig
from oaipmh_scythe.exceptions import NoRecordsMatch as ScytheNoRecordsMatch
from sickle import Sickle
from sickle import oaiexceptions

from pipeline.output_checks.oai import check_response
from pipeline.model import Multilingual
from pipeline.store.oai_store import open_store

from . import factories
from .oai_fixtures import at, publish, sample_articles, server_process

JOURNAL = factories.journal()
ID = "oai:journal.example.org:tjh/a{:03d}"
TIMEOUT = 30  # seconds, per HTTP request: bounds every harvest


class ResponseLog:
    """Collects every response body a harvester receives (through its HTTP client's hooks)."""

    def __init__(self):
        self.bodies: list[bytes] = []
        self.statuses: list[int] = []
        self._lock = threading.Lock()

    def requests_hook(self, response, *args, **kwargs):
        self._record(response)

    def httpx_hook(self, response):
        response.read()
        self._record(response)

    def _record(self, response):
        with self._lock:
            self.statuses.append(response.status_code)
            self.bodies.append(response.content)

    def assert_all_valid(self):
        assert self.bodies, "no response was recorded"
        assert set(self.statuses) == {200}
        for body in self.bodies:
            assert check_response(body) == [], body[:2000]


def sickle(url: str, log: ResponseLog, method: str = "GET") -> Sickle:
    return Sickle(url, http_method=method, timeout=TIMEOUT, hooks={"response": [log.requests_hook]})


def scythe(url: str, log: ResponseLog, method: str = "GET") -> Scythe:
    client = Scythe(url, http_config=HTTPConfig(http_method=method, timeout=TIMEOUT))
    client.client.event_hooks["response"].append(log.httpx_hook)
    return client


Harvest = dict[str, tuple[str, bool, tuple[str, ...], str | None]]


def sickle_harvest(client: Sickle, **arguments) -> Harvest:
    return _harvest(lambda: client.ListRecords(**arguments), oaiexceptions.NoRecordsMatch)


def scythe_harvest(client: Scythe, **arguments) -> Harvest:
    return _harvest(lambda: client.list_records(**arguments), ScytheNoRecordsMatch)


def _harvest(list_records, no_records_match: type[Exception]) -> Harvest:
    """identifier -> (datestamp, deleted, sets, first title); asserts each identifier once. Both
    harvesters' records have the same attributes; an empty list is their noRecordsMatch error
    (sickle raises it from ListRecords itself, hence the call inside the try)."""
    harvested = {}
    try:
        for record in list_records():
            identifier = record.header.identifier
            assert identifier not in harvested, f"{identifier} returned twice"
            title = None if record.deleted else record.metadata["title"][0]
            harvested[identifier] = (record.header.datestamp, record.deleted, tuple(record.header.setSpecs), title)
    except no_records_match:
        pass
    return harvested


@pytest.fixture(scope="module")
def served(new_store_location):
    """25 articles published once, served with page size 2 (on each store backend)."""
    db = new_store_location("served")
    store = open_store(db)
    publish(store, sample_articles(25), JOURNAL, at("2024-05-01T10:00:00"))
    store.close()
    with server_process(db, page_size=2) as url:
        yield url


def _published_store(new_store_location, count: int):
    """A new store with ``count`` sample articles published on 2024-05-01: its location, the
    open store and the articles (the test publishes them again, changed)."""
    db = new_store_location()
    store = open_store(db)
    articles = sample_articles(count)
    publish(store, articles, JOURNAL, at("2024-05-01T10:00:00"))
    return db, store, articles


def test_sickle_harvests_every_record_exactly_once(served):
    log = ResponseLog()
    client = sickle(served, log)
    harvested = sickle_harvest(client, metadataPrefix="oai_dc")
    assert sorted(harvested) == [ID.format(i) for i in range(25)]
    assert harvested[ID.format(1)] == ("2024-05-01T10:00:00Z", False, ("tjh", "tjh:12-2"), "Editorial #1")
    assert len(log.bodies) == 13  # 25 records, 2 per page
    jats = [record.header.identifier for record in client.ListRecords(metadataPrefix="jats", set="tjh:12-3")]
    assert sorted(jats) == [ID.format(i) for i in range(25) if i % 3 == 2]
    identify = client.Identify()
    assert identify.repositoryName == "Örnek Dergi Platformu"
    assert identify.deletedRecord == "persistent"
    assert [fmt.metadataPrefix for fmt in client.ListMetadataFormats()] == ["oai_dc", "jats"]
    assert [s.setSpec for s in client.ListSets()] == ["tjh", "tjh:12-1", "tjh:12-2", "tjh:12-3"]
    record = client.GetRecord(identifier=ID.format(4), metadataPrefix="oai_dc")
    assert record.metadata["identifier"] == [
        "https://doi.org/10.5555/tjh.2024.12.1.5", "https://journal.example.org/tjh/article/tr-ru-relations"]
    with pytest.raises(oaiexceptions.IdDoesNotExist):
        client.GetRecord(identifier="oai:journal.example.org:tjh/nope", metadataPrefix="oai_dc")
    with pytest.raises(oaiexceptions.CannotDisseminateFormat):
        list(client.ListIdentifiers(metadataPrefix="marcxml"))
    log.assert_all_valid()


def test_oaipmh_scythe_harvests_the_same_records_by_post(served):
    log = ResponseLog()
    with scythe(served, log, method="POST") as client:
        harvested = scythe_harvest(client, metadata_prefix="oai_dc")
        headers = [header.identifier for header in client.list_identifiers(metadata_prefix="jats", set_="tjh")]
    assert harvested == sickle_harvest(sickle(served, ResponseLog()), metadataPrefix="oai_dc")
    assert sorted(headers) == [ID.format(i) for i in range(25)]
    log.assert_all_valid()


def test_incremental_harvests_follow_publishes(new_store_location):
    db, store, articles = _published_store(new_store_location, 6)
    log = ResponseLog()
    with server_process(db, page_size=2) as url:
        client = sickle(url, log)
        initial = sickle_harvest(client, metadataPrefix="oai_dc")
        assert len(initial) == 6

        # Re-publishing unchanged seeds changes no datestamp, so nothing is new.
        publish(store, articles, JOURNAL, at("2024-05-02T10:00:00"))
        assert sickle_harvest(client, metadataPrefix="oai_dc") == initial
        assert sickle_harvest(client, metadataPrefix="oai_dc", **{"from": "2024-05-02T10:00:00Z"}) == {}

        # Editing one seed: an incremental harvest returns only that record.
        articles[3] = replace(articles[3], title=Multilingual((("en", "Edited title"),)))
        publish(store, articles, JOURNAL, at("2024-05-03T10:00:00"))
        changed = sickle_harvest(client, metadataPrefix="oai_dc", **{"from": "2024-05-03T10:00:00Z"})
        assert changed == {ID.format(3): ("2024-05-03T10:00:00Z", False, ("tjh", "tjh:12-1"), "Edited title")}
        with scythe(url, log) as other:
            assert scythe_harvest(other, metadata_prefix="oai_dc", from_="2024-05-03") == changed

        # Removing a seed: the record shows up as deleted, in incremental and full harvests.
        publish(store, articles[:5], JOURNAL, at("2024-05-04T10:00:00"))
        removed = sickle_harvest(client, metadataPrefix="oai_dc", **{"from": "2024-05-04T10:00:00Z"})
        assert removed == {ID.format(5): ("2024-05-04T10:00:00Z", True, ("tjh", "tjh:12-3"), None)}
        full = sickle_harvest(client, metadataPrefix="oai_dc")
        assert full[ID.format(5)][1] is True
        assert {k: v for k, v in full.items() if k not in (ID.format(3), ID.format(5))} == {
            k: v for k, v in initial.items() if k not in (ID.format(3), ID.format(5))}

        # The seed comes back: a live record again, with a new datestamp.
        publish(store, articles, JOURNAL, at("2024-05-05T10:00:00"))
        back = sickle_harvest(client, metadataPrefix="oai_dc", **{"from": "2024-05-05"})
        assert back == {ID.format(5): ("2024-05-05T10:00:00Z", False, ("tjh", "tjh:12-3"), initial[ID.format(5)][3])}
    log.assert_all_valid()


def test_walk_is_exactly_once_while_the_store_changes_between_pages(new_store_location):
    db, store, articles = _published_store(new_store_location, 10)
    log = ResponseLog()
    with server_process(db, page_size=2) as url:
        seen = []
        for count, record in enumerate(sickle(url, log).ListRecords(metadataPrefix="oai_dc"), start=1):
            seen.append(record.header.identifier)
            if count % 2 == 0:  # a page is consumed: publish before the harvester asks for the next
                step = count // 2
                articles = list(articles)
                # Change a record already harvested (with OFFSET paging this would skip one).
                articles[0] = replace(articles[0], title=Multilingual((("tr", f"Sürüm {step}"),)))
                articles.append(replace(articles[1], id=f"added{step}"))
                publish(store, articles, JOURNAL, at(f"2024-05-{1 + step:02d}T10:00:00"))
    assert len(seen) == len(set(seen))
    assert sorted(seen) == [ID.format(i) for i in range(10)]
    log.assert_all_valid()


def test_twenty_concurrent_harvesters_get_identical_results(served):
    clients = 20
    start = threading.Barrier(clients, timeout=TIMEOUT)
    logs = [ResponseLog() for _ in range(clients)]

    def harvest(index: int):
        start.wait()
        if index % 2:
            with scythe(served, logs[index]) as client:
                return scythe_harvest(client, metadata_prefix="oai_dc")
        return sickle_harvest(sickle(served, logs[index]), metadataPrefix="oai_dc")

    with ThreadPoolExecutor(max_workers=clients) as pool:
        futures = [pool.submit(harvest, index) for index in range(clients)]
        results = [future.result(timeout=300) for future in futures]
    assert len(results) == clients
    assert all(result == results[0] for result in results)
    assert sorted(results[0]) == [ID.format(i) for i in range(25)]
    for log in logs:
        assert len(log.bodies) == 13
        log.assert_all_valid()
