"""Publishing into PostgreSQL and serving it from several gunicorn worker processes (issue 15):
the same store contents as the SQLite default, `pipeline db init|upgrade`, a database that is
down or refuses the login is one line with out/ untouched, and sickle harvests the endpoint
that 2 gunicorn workers serve from one database."""

from __future__ import annotations

from contextlib import closing

import os
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import psycopg
import pytest
from sickle import Sickle

from pipeline.publishing import publish

from .conftest import REPO, SEEDS, run_cli
from .postgres_server import free_port

T0 = datetime(2024, 6, 1, 12, 0, 0, tzinfo=timezone.utc)
OAI = "{http://www.openarchives.org/OAI/2.0/}"


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def sqlite_items(db: Path) -> list[tuple]:
    with closing(sqlite3.connect(db)) as raw:  # closed at once: no -wal/-shm left behind
        return (raw.execute("SELECT identifier, datestamp, content_hash, deleted FROM items ORDER BY identifier").fetchall()
                + raw.execute("SELECT identifier, prefix, xml FROM metadata ORDER BY identifier, prefix").fetchall()
                + raw.execute("SELECT spec, name FROM sets ORDER BY spec").fetchall())


def postgres_items(url: str) -> list[tuple]:
    with psycopg.connect(url) as raw:
        return (raw.execute("SELECT identifier, datestamp, content_hash, deleted FROM items ORDER BY identifier").fetchall()
                + raw.execute("SELECT identifier, prefix, xml FROM metadata ORDER BY identifier, prefix").fetchall()
                + raw.execute("SELECT spec, name FROM sets ORDER BY spec").fetchall())


def test_publish_into_postgresql_stores_what_sqlite_stores(postgres_server, tmp_path):
    url = postgres_server.new_database("publish")
    sqlite_out, pg_out = tmp_path / "sqlite", tmp_path / "pg"
    publish(SEEDS, sqlite_out, jobs=1, now=T0)
    report = publish(SEEDS, pg_out, jobs=1, db=url, now=T0)
    assert report.rendered == 3
    assert postgres_items(url) == sqlite_items(sqlite_out / "oai.sqlite3")
    assert len(postgres_items(url)) > 3
    without_store = {k: v for k, v in tree(sqlite_out).items() if not k.startswith("oai.sqlite3")}
    assert tree(pg_out) == without_store  # the store is the database, not a file in out/
    # Unchanged: nothing to do. A new, empty database is filled although out/ is up to date.
    assert publish(SEEDS, pg_out, jobs=1, db=url).changed is False
    fresh = postgres_server.new_database("fresh")
    again = publish(SEEDS, pg_out, jobs=1, db=fresh, now=T0)
    assert again.changed is True
    assert postgres_items(fresh) == postgres_items(url)


def test_db_init_then_upgrade(postgres_server):
    url = postgres_server.new_database("init")
    first = run_cli("db", "init", "--db", url)
    assert first.returncode == 0, first.stderr
    assert first.stderr.strip() == f"{url}: created the OAI-PMH store schema, version 1"
    again = run_cli("db", "upgrade", "--db", url)
    assert again.returncode == 0, again.stderr
    assert "is at version 1" in again.stderr and "nothing to do" in again.stderr
    with psycopg.connect(url) as raw:
        assert raw.execute("SELECT version FROM schema_version").fetchall() == [(1,)]
        tables = {row[0] for row in raw.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert tables == {"schema_version", "meta", "sets", "items", "item_sets", "metadata"}


@pytest.mark.parametrize("how", ["down", "login refused"])
def test_a_database_that_is_down_or_refuses_the_login_leaves_out_untouched(how, postgres_server, tmp_path):
    url = postgres_server.new_database("bad")
    out = tmp_path / "out"
    publish(SEEDS, out, jobs=1, db=url, now=T0)
    seeds = tmp_path / "seeds"
    subprocess.run(["cp", "-r", str(SEEDS), str(seeds)], check=True)
    for article in sorted(seeds.glob("*/articles/*.yaml")):
        article.write_bytes(article.read_bytes() + b"\n")  # new bytes: a real publish is needed
    before = tree(out)
    bad = (f"postgresql://postgres@127.0.0.1:{free_port()}/bad" if how == "down"
           else postgres_server.url("bad_1", user="intruder"))
    result = run_cli("publish", str(seeds), "-o", str(out), "--db", bad, "--jobs", "1")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"publish failed: cannot use the OAI-PMH store at {bad}: ")
    assert ("Connection refused" if how == "down" else 'role "intruder" does not exist') in lines[0]
    assert lines[0].endswith(f"{out} is unchanged")
    assert tree(out) == before
    assert not list(tmp_path.glob(".out.staging-*"))


def test_two_gunicorn_workers_serve_one_postgresql_store_to_sickle(postgres_server, tmp_path):
    url = postgres_server.new_database("served")
    report = publish(SEEDS, tmp_path / "out", jobs=1, db=url, now=T0)
    assert report.articles == 3
    port = free_port()
    env = dict(os.environ, PIPELINE_OAI_DB=url, PIPELINE_OAI_PAGE_SIZE="1")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "pipeline.server.oai_app:app_from_environment()"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}/oai"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "?verb=Identify", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        client = Sickle(base)
        records = list(client.ListRecords(metadataPrefix="oai_dc"))  # 3 pages of 1 record
        identifiers = sorted(record.header.identifier for record in records)
        assert identifiers == sorted(
            f"oai:{_namespace()}:{path.parent.parent.name}/{path.stem}" for path in SEEDS.glob("*/articles/*.yaml"))
        assert all(record.header.datestamp == "2024-06-01T12:00:00Z" for record in records)
        jats = list(client.ListRecords(metadataPrefix="jats"))
        assert len(jats) == 3
        assert client.Identify().deletedRecord == "persistent"
        # Harvesters at once, over both workers: every harvest complete and identical.
        with ThreadPoolExecutor(max_workers=8) as pool:
            walks = list(pool.map(lambda _: [(r.header.identifier, r.raw) for r in Sickle(base).ListRecords(
                metadataPrefix="oai_dc")], range(8)))
        assert all(walk == walks[0] for walk in walks) and len(walks[0]) == 3
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)
    workers = {line.split("Booting worker with pid: ")[1].strip() for line in stderr.splitlines()
               if "Booting worker with pid: " in line}
    assert len(workers) == 2, stderr
    assert "Traceback" not in stderr, stderr


def _namespace() -> str:
    import yaml

    return yaml.safe_load((SEEDS / "repository.yaml").read_text())["namespace"]
