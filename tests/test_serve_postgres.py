"""`pipeline serve --db postgresql://...` (issue 15): the command a user runs serves the
PostgreSQL store over HTTP on 127.0.0.1, and sickle harvests it completely, deletions
included; when the database goes away the endpoint answers 503 (a harvester retries) and
keeps running. Its own PostgreSQL server, so that the test can stop it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import datetime, timezone

import pytest
from sickle import Sickle

from bench.server_process import stop_server
from pipeline.publishing import publish

from .conftest import REPO, SEEDS
from .postgres_server import PostgresServer

T0 = datetime(2024, 6, 1, 12, 0, 0, tzinfo=timezone.utc)
T1 = datetime(2024, 6, 2, 8, 30, 0, tzinfo=timezone.utc)


@pytest.fixture
def own_postgres():
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


def _namespace() -> str:
    import yaml

    for journal in sorted(SEEDS.glob("*/journal.yaml")):
        namespace = (yaml.safe_load(journal.read_text(encoding="utf-8")).get("oai") or {}).get("namespace")
        if namespace:
            return namespace
    raise AssertionError("the sample seeds name an OAI namespace")


def test_pipeline_serve_from_postgresql_to_sickle_and_503_when_the_database_goes(own_postgres, tmp_path):
    url = own_postgres.new_database("serve")
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    articles = sorted(seeds.glob("*/articles/*.yaml"))
    assert len(articles) >= 2
    publish(seeds, tmp_path / "out", jobs=1, db=url, now=T0)
    gone = articles[0]
    gone.unlink()  # a removed article: a persistent deletion in the store
    publish(seeds, tmp_path / "out", jobs=1, db=url, now=T1)

    server = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "serve", "--db", url, "--no-site", "--host", "127.0.0.1",
         "--port", "0", "--page-size", "1"],
        cwd=REPO, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        announced = server.stdout.readline().strip()
        assert announced.startswith("serving OAI-PMH at http://127.0.0.1:"), (announced, server.poll())
        base = announced.rsplit(" ", 1)[1]
        assert base.endswith("/oai")

        namespace = _namespace()
        expected = {f"oai:{namespace}:{path.parent.parent.name}/{path.stem}": "2024-06-01T12:00:00Z" for path in articles}
        expected[f"oai:{namespace}:{gone.parent.parent.name}/{gone.stem}"] = "2024-06-02T08:30:00Z"
        records = list(Sickle(base).ListRecords(metadataPrefix="oai_dc", ignore_deleted=False))  # one per page
        assert {r.header.identifier: r.header.datestamp for r in records} == expected
        deleted = [r.header.identifier for r in records if r.header.deleted]
        assert deleted == [f"oai:{namespace}:{gone.parent.parent.name}/{gone.stem}"]
        assert all(r.metadata.get("title") for r in records if not r.header.deleted)
        assert Sickle(base).Identify().deletedRecord == "persistent"

        own_postgres.stop_server()  # the database goes away; the endpoint stays up
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(base + "?verb=Identify", timeout=30)
        assert answer.value.code == 503
        assert server.poll() is None
    finally:
        stop_server(server, timeout=30)


def test_pipeline_serve_with_a_database_that_is_down_is_one_line():
    from .conftest import run_cli
    from .postgres_server import free_port

    url = f"postgresql://postgres@127.0.0.1:{free_port()}/oai"
    result = run_cli("serve", "--db", url, "--no-site", "--port", "0")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: cannot use the OAI-PMH store at {url}: ") and "Connection refused" in lines[0]
    assert result.stdout == ""  # it never announced an endpoint
