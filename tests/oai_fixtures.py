"""Helpers for the OAI-PMH tests: fill a store the way the publish stage will (render each
article with the oai_dc writer and a small JATS document, then upsert through the store API),
call the WSGI app in-process, and run the endpoint as a separate server process."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path
from typing import Iterator
from urllib.parse import urlencode

from lxml import etree

from bench.server_process import stop_server
from pipeline.output_checks.oai import check_response
from pipeline.model import Article, Journal
from pipeline.oai.formats import content_hash, formats_from_parts
from pipeline.oai.sets import article_sets, journal_set, oai_identifier
from pipeline.store.oai_store import RecordStore
from pipeline.writers import jats, oai_dc

from . import factories

OAI = "{http://www.openarchives.org/OAI/2.0/}"
JATS_PUBLIC_ID = "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD v1.3 20210610//EN"
JATS_SYSTEM_ID = "https://jats.nlm.nih.gov/publishing/1.3/JATS-journalpublishing1-3.dtd"
XLINK = "http://www.w3.org/1999/xlink"
MML = "http://www.w3.org/1998/Math/MathML"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
REPO_ROOT = Path(__file__).resolve().parents[1]


def at(text: str) -> datetime:
    """A fixed UTC clock value: ``at("2024-05-01T10:00:00")``."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def small_jats(article: Article, journal: Journal) -> bytes:
    """A small hand-built JATS 1.3 article (front matter only, with a DOCTYPE, no namespace),
    independent of the JATS writer, for unit tests of the jats payload."""
    root = etree.Element("article", nsmap={"xlink": XLINK, "mml": MML})
    root.set("article-type", article.type)
    root.set("dtd-version", "1.3")
    root.set(XML_LANG, article.language)
    front = etree.SubElement(root, "front")
    journal_meta = etree.SubElement(front, "journal-meta")
    etree.SubElement(journal_meta, "journal-id", {"journal-id-type": "publisher-id"}).text = journal.id
    title_group = etree.SubElement(journal_meta, "journal-title-group")
    etree.SubElement(title_group, "journal-title").text = journal.title.first()
    etree.SubElement(journal_meta, "issn", {"publication-format": "print"}).text = journal.issn_print or "0000-0000"
    meta = etree.SubElement(front, "article-meta")
    if article.doi:
        etree.SubElement(meta, "article-id", {"pub-id-type": "doi"}).text = article.doi
    titles = etree.SubElement(meta, "title-group")
    etree.SubElement(titles, "article-title").text = article.title.first()
    date = etree.SubElement(meta, "pub-date", {"publication-format": "electronic", "date-type": "pub"})
    etree.SubElement(date, "year").text = str(article.dates.published.year)
    if article.url:
        etree.SubElement(meta, "self-uri", {f"{{{XLINK}}}href": article.url})
    return etree.tostring(
        etree.ElementTree(root), encoding="UTF-8", xml_declaration=True,
        doctype=f'<!DOCTYPE article PUBLIC "{JATS_PUBLIC_ID}" "{JATS_SYSTEM_ID}">',
    )


def item_for(article: Article, journal: Journal, namespace: str | None = None) -> tuple[str, tuple[str, ...], str, dict[str, bytes]]:
    """(identifier, set specs, content hash, formats) of an article, as the publish stage
    derives them from the oai_dc and JATS writers' parts."""
    namespace = namespace or journal.oai.namespace
    parts = {**oai_dc.render(article, journal).parts, **jats.render(article, journal).parts}
    formats = formats_from_parts(parts)
    specs = tuple(spec for spec, _ in article_sets(article, journal))
    return oai_identifier(namespace, article), specs, content_hash(specs, formats), formats


def publish(store: RecordStore, articles: list[Article], journal: Journal, now: datetime) -> dict[str, str]:
    """One publish: every article upserted, the rest deleted; identifier -> datestamp."""
    stamps = {}
    with store.transaction(now) as tx:
        tx.set_identity(journal.oai)
        sets = {journal_set(journal)}
        for article in articles:
            sets.update(article_sets(article, journal))
        tx.set_sets(sorted(sets))
        for article in articles:
            identifier, specs, digest, formats = item_for(article, journal)
            stamps[identifier] = tx.upsert(identifier, specs, digest, formats)
        tx.delete_missing(set(stamps))
    return stamps


def sample_articles(count: int) -> list[Article]:
    """``count`` distinct articles over three issues, alternating rich and minimal ones."""
    articles = []
    for index in range(count):
        base = factories.rich_article() if index % 2 == 0 else factories.minimal_article()
        articles.append(replace(
            base, id=f"a{index:03d}", volume="12", issue=str(1 + index % 3),
            title=type(base.title)(((base.language, f"{base.title.first()} #{index}"),) + base.title.others(base.language)),
        ))
    return articles


def call(app, query: dict | list | str | None = None, method: str = "GET", body: bytes | None = None,
         content_type: str = "application/x-www-form-urlencoded", path: str = "/oai") -> tuple[str, dict, bytes]:
    """Call the WSGI app in-process: (status, headers, body)."""
    if isinstance(query, (dict, list)):
        query = urlencode(query)
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query or "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "wsgi.url_scheme": "http",
        "wsgi.input": BytesIO(body or b""), "CONTENT_LENGTH": str(len(body or b"")),
        "CONTENT_TYPE": content_type if method == "POST" else "",
    }
    captured = {}

    def start_response(status, headers):
        captured["status"], captured["headers"] = status, dict(headers)

    chunks = app(environ, start_response)
    return captured["status"], captured["headers"], b"".join(chunks)


def oai_get(app, query) -> etree._Element:
    """GET through the app; assert a 200 text/xml response valid against the schemas."""
    status, headers, body = call(app, query)
    assert status == "200 OK", (status, body[:500])
    assert headers["Content-Type"] == "text/xml; charset=utf-8"
    problems = check_response(body)
    assert problems == [], (problems, body[:2000])
    return etree.fromstring(body)


def error_code(document: etree._Element) -> str | None:
    error = document.find(f"{OAI}error")
    return None if error is None else error.get("code")


@contextmanager
def server_process(db: Path | str, page_size: int = 100, threads: int = 8) -> Iterator[str]:
    """The endpoint as a separate process on 127.0.0.1 (a free port); yields its /oai URL."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "serve", "--no-site", "--db", str(db), "--port", "0",
         "--page-size", str(page_size), "--threads", str(threads)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO_ROOT, env=env, text=True,
    )
    stderr_lines: list[str] = []
    drain = threading.Thread(target=lambda: stderr_lines.extend(process.stderr), daemon=True)
    drain.start()
    try:
        line = process.stdout.readline()
        assert line.startswith("serving OAI-PMH at "), (line, "".join(stderr_lines))
        yield line.rsplit(" ", 1)[1].strip()
    finally:
        stop_server(process, timeout=10)
        drain.join(timeout=5)
        assert not any("Traceback" in line for line in stderr_lines), "".join(stderr_lines)


def default_journal() -> Journal:
    return factories.journal()
