"""`pipeline schemas fetch` against a local HTTP server that mirrors the canonical hosts."""

from __future__ import annotations

import copy
import http.server
import json
import os
import shutil
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from lxml import etree

from pipeline.schema_bundle import fetch
from pipeline.schema_bundle.bundle import user_cache_dir

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "schemas"
SLOW_PATHS: dict[str, str] = {}  # URL path -> "stall" | "drip", set per test
USER_AGENTS: set[str] = set()


def _sums() -> dict[str, str]:
    lines = (SHARED / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    return {name: digest for digest, _, name in (line.partition("  ") for line in lines)}


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):
        USER_AGENTS.add(self.headers.get("User-Agent", ""))
        mode = SLOW_PATHS.get(urllib.parse.urlsplit(self.path).path)
        if mode == "stall":
            time.sleep(3)
            return
        if mode == "drip":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            try:
                for _ in range(50):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass
            return
        super().do_GET()


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    """A copy of the shared bundle laid out as <host>/<URL path>, served on 127.0.0.1."""
    root = tmp_path_factory.mktemp("mirror")
    for item in fetch.load_manifest()["files"]:
        url = urllib.parse.urlsplit(item["url"])
        target = root / url.hostname / url.path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SHARED / item["path"], target)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), lambda *a: _Handler(*a, directory=str(root)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    hosts = sorted({urllib.parse.urlsplit(f["url"])[:2]
                    for f in fetch.load_manifest()["files"]})
    base_urls = {f"{scheme}://{host}/": f"http://127.0.0.1:{port}/{host}/"
                 for scheme, host in hosts}
    yield root, base_urls
    server.shutdown()
    server.server_close()


@pytest.fixture
def opener():
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy


@pytest.fixture
def existing_cache(tmp_path):
    dest = tmp_path / "cache" / "pipeline" / "schemas"
    dest.mkdir(parents=True)
    (dest / "catalog.xml").write_text("<catalog/>")
    (dest / "old.txt").write_text("previous fetch")
    return dest


def _assert_untouched(dest: Path):
    assert _tree(dest) == {"catalog.xml": b"<catalog/>", "old.txt": b"previous fetch"}
    assert sorted(p.name for p in dest.parent.iterdir()) == ["schemas"]  # no staging left


def _assert_rejected_while_served(mirror, opener, cache: Path, host_path: str, served: bytes | None,
                                  message: str):
    """While the mirror serves ``served`` for ``host_path`` (None: no such file, a 404), the
    fetch fails with ``message`` and the cache is as it was. The mirror's file is put back."""
    root, base_urls = mirror
    target = root / host_path
    saved = target.read_bytes()
    if served is None:
        target.unlink()
    else:
        target.write_bytes(served)
    try:
        with pytest.raises(fetch.FetchError, match=message):
            fetch.fetch_bundle(cache, base_urls=base_urls, opener=opener, timeout=10)
    finally:
        target.write_bytes(saved)
    _assert_untouched(cache)


# --- the manifest ------------------------------------------------------------------------------


def test_committed_manifest_is_derived_from_the_shared_bundle():
    assert fetch.derive_manifest(SHARED) == fetch.load_manifest()


def test_manifest_scope():
    manifest = fetch.load_manifest()
    paths = {f["path"] for f in manifest["files"]}
    sums = _sums()
    # Every file the four JATS 1.3 Publishing DTDs load (the bundle holds no others there).
    assert {p for p in sums if p.startswith("jats/publishing/1.3/dtd/")} <= paths
    for required in ("jats/publishing/1.3/xsd/JATS-journalpublishing1-3-mathml3.xsd",
                     "jats/publishing/1.3/xsd/standard-modules/mathml3/mathml3-content.xsd",
                     "oai-pmh/2.0/OAI-PMH.xsd", "oai-pmh/2.0/oai_dc.xsd",
                     "oai-pmh/dc/simpledc20021212.xsd", "common/xml.xsd",
                     "crossref/5.3.1/crossref5.3.1.xsd", "crossref/5.3.1/relations.xsd",
                     "crossref/5.3.1/standard-modules/mathml3/mathml3.xsd",
                     "doaj/doajArticles.xsd", "doaj/iso_639-2b.xsd", "csl/csl-data.json"):
        assert required in paths
    for path in paths:
        assert not path.startswith(("jats/publishing/1.4/", "jats4r/", "csl/styles/"))
        assert path.endswith((".dtd", ".ent", ".mod", ".xsd", ".json")), path
    assert "oai-pmh/2.0/branding.xsd" not in paths  # not loaded by anything we validate


def test_manifest_urls_and_hashes():
    manifest = fetch.load_manifest()
    sums = _sums()
    for item in manifest["files"]:
        assert item["url"].startswith(("https://", "http://"))
        if item["path"] in fetch.UNPINNED:
            assert item["sha256"] is None
        else:
            assert item["sha256"] == sums[item["path"]]
    urls = {f["path"]: f["url"] for f in manifest["files"]}
    assert urls["jats/publishing/1.3/dtd/JATS-journalpublishing1-3.dtd"] == \
        "https://jats.nlm.nih.gov/publishing/1.3/JATS-journalpublishing1-3.dtd"
    assert urls["crossref/5.3.1/crossref5.3.1.xsd"] == \
        "https://www.crossref.org/schemas/crossref5.3.1.xsd"
    assert urls["doaj/doajArticles.xsd"] == "https://doaj.org/static/doaj/doajArticles.xsd"
    assert urls["common/xml.xsd"] == "https://www.w3.org/2001/xml.xsd"


# --- fetching -----------------------------------------------------------------------------------


def test_fetch_fills_the_cache_like_the_shared_bundle(mirror, opener, existing_cache):
    _, base_urls = mirror
    report = fetch.fetch_bundle(existing_cache, base_urls=base_urls, opener=opener, timeout=10)

    manifest = fetch.load_manifest()
    fetched = _tree(existing_cache)
    assert set(fetched) == {f["path"] for f in manifest["files"]} | {"catalog.xml"}
    for item in manifest["files"]:
        assert fetched[item["path"]] == (SHARED / item["path"]).read_bytes()
    assert len(report.files) == len(manifest["files"])
    assert all(f.url.startswith("http://127.0.0.1:") for f in report.files)
    assert {f.path for f in report.files if f.checked == "well-formed"} == set(fetch.UNPINNED)
    assert sorted(p.name for p in existing_cache.parent.iterdir()) == ["schemas"]
    assert all(agent.startswith("pipeline/") for agent in USER_AGENTS)

    # The written catalog maps the identifiers exactly as the shared catalog does.
    written = fetch.read_catalog(existing_cache / "catalog.xml")
    shared = fetch.read_catalog(SHARED / "catalog.xml")
    assert written == manifest["catalog"]
    assert all(entry in shared for entry in written)
    assert any(e["kind"] == "public" and "Journal Publishing DTD v1.3" in e["match"]
               for e in written)


def test_fetched_cache_is_a_working_bundle_for_xmllint(mirror, opener, tmp_path):
    """A real consumer: xmllint, offline, with only the fetched catalog."""
    _, base_urls = mirror
    dest = tmp_path / "schemas"
    fetch.fetch_bundle(dest, base_urls=base_urls, opener=opener, timeout=10)
    env = dict(os.environ, XML_CATALOG_FILES=str(dest / "catalog.xml"))

    article = tmp_path / "article.xml"
    article.write_text(
        '<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD v1.3 '
        '20210610//EN" "https://jats.nlm.nih.gov/publishing/1.3/JATS-journalpublishing1-3.dtd">'
        '<article article-type="research-article" dtd-version="1.3"><front><journal-meta>'
        '<journal-id journal-id-type="publisher-id">j</journal-id><issn>2049-3630</issn>'
        '</journal-meta><article-meta><title-group><article-title>T</article-title>'
        '</title-group></article-meta></front></article>')
    run = subprocess.run(["xmllint", "--noout", "--nonet", "--valid", str(article)],
                         env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr

    driver = tmp_path / "oai_driver.xsd"
    driver.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        '<xs:import namespace="http://www.openarchives.org/OAI/2.0/" '
        'schemaLocation="http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"/>'
        '<xs:import namespace="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        'schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc.xsd"/></xs:schema>')
    record = tmp_path / "oai.xml"
    record.write_text(
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
        '<responseDate>2024-01-01T00:00:00Z</responseDate>'
        '<request verb="GetRecord">https://example.org/oai</request><GetRecord><record><header>'
        '<identifier>oai:example.org:1</identifier><datestamp>2024-01-01</datestamp></header>'
        '<metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title xml:lang="tr">Başlık</dc:title>'
        '</oai_dc:dc></metadata></record></GetRecord></OAI-PMH>')
    run = subprocess.run(["xmllint", "--noout", "--nonet", "--schema", str(driver), str(record)],
                         env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_http_404_leaves_the_cache_untouched(mirror, opener, existing_cache):
    _assert_rejected_while_served(mirror, opener, existing_cache, "jats.nlm.nih.gov/publishing/1.3/JATS-para1-3.ent",
                                  None, r"JATS-para1-3\.ent: HTTP 404")


def test_corrupted_pinned_file_is_rejected(mirror, opener, existing_cache):
    host_path = "www.crossref.org/schemas/fundref.xsd"
    corrupted = (mirror[0] / host_path).read_bytes().replace(b"fundref", b"fundrefX", 1)  # still well-formed
    _assert_rejected_while_served(mirror, opener, existing_cache, host_path, corrupted,
                                  r"crossref/5\.3\.1/fundref\.xsd: SHA-256 mismatch")


@pytest.mark.parametrize("host_path, damage, message", [
    ("dublincore.org/schemas/xmls/simpledc20021212.xsd", b"<xs:schema",
     r"simpledc20021212\.xsd: not well-formed XML"),
    ("dublincore.org/schemas/xmls/simpledc20021212.xsd", b"<?xml version='1.0'?><html/>",
     r"simpledc20021212\.xsd: not an XML Schema"),
    ("resource.citationstyles.org/schema/v1.0/input/json/csl-data.json", b'{"type": ',
     r"csl/csl-data\.json: not valid JSON"),
])
def test_corrupted_unpinned_file_is_rejected(mirror, opener, existing_cache, host_path,
                                             damage, message):
    _assert_rejected_while_served(mirror, opener, existing_cache, host_path, damage, message)


def test_unpinned_schema_that_does_not_compile_is_rejected(mirror, opener, existing_cache):
    empty_schema = (b'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" '
                    b'targetNamespace="http://purl.org/dc/elements/1.1/"/>')
    _assert_rejected_while_served(mirror, opener, existing_cache, "dublincore.org/schemas/xmls/simpledc20021212.xsd",
                                  empty_schema, r"oai_dc\.xsd: does not compile")


def _assert_caught_without(mirror, opener, cache: Path, left_out: str, message: str):
    """A manifest that lacks ``left_out`` (a bundle path) fails the fetch with ``message`` and
    leaves the cache as it was."""
    _, base_urls = mirror
    manifest = copy.deepcopy(fetch.load_manifest())
    manifest["files"] = [f for f in manifest["files"] if f["path"] != left_out]
    with pytest.raises(fetch.FetchError, match=message):
        fetch.fetch_bundle(cache, base_urls=base_urls, opener=opener, timeout=10, manifest=manifest)
    _assert_untouched(cache)


def test_manifest_missing_a_dtd_module_is_caught(mirror, opener, existing_cache):
    _assert_caught_without(mirror, opener, existing_cache, "jats/publishing/1.3/dtd/JATS-para1-3.ent",
                           r"JATS-journalpublishing.*\.dtd: ")


def test_manifest_missing_an_xsd_module_is_caught(mirror, opener, existing_cache):
    _assert_caught_without(mirror, opener, existing_cache, "crossref/5.3.1/relations.xsd",
                           r"loads crossref/5\.3\.1/relations\.xsd, which the manifest lacks")


@pytest.mark.parametrize("mode, message", [("stall", "timed out"), ("drip", "timed out")])
def test_timeouts_are_bounded(mirror, opener, existing_cache, mode, message):
    _, base_urls = mirror
    SLOW_PATHS["/doaj.org/static/doaj/doajArticles.xsd"] = mode
    try:
        with pytest.raises(fetch.FetchError, match=rf"doajArticles\.xsd: {message}"):
            fetch.fetch_bundle(existing_cache, base_urls=base_urls, opener=opener, timeout=0.3)
    finally:
        SLOW_PATHS.clear()
    _assert_untouched(existing_cache)


def test_unreachable_server_is_a_clear_error(opener, tmp_path):
    dest = tmp_path / "schemas"
    base_urls = {"https://": "http://127.0.0.1:9/", "http://": "http://127.0.0.1:9/"}
    with pytest.raises(fetch.FetchError, match=r"http://127\.0\.0\.1:9/"):
        fetch.fetch_bundle(dest, base_urls=base_urls, opener=opener, timeout=2)
    assert not dest.exists()
    assert list(tmp_path.iterdir()) == []


def test_default_destination_is_the_user_cache(mirror, opener, tmp_path, monkeypatch):
    _, base_urls = mirror
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    report = fetch.fetch_bundle(base_urls=base_urls, opener=opener, timeout=10)
    assert report.dest == user_cache_dir() == tmp_path / "xdg" / "pipeline" / "schemas"
    assert (report.dest / "catalog.xml").is_file()
    assert "fetched" in str(report)


def test_catalog_is_built_with_lxml_and_escapes_identifiers():
    xml = fetch.catalog_xml([{"kind": "system", "match": 'http://x.org/a?b=1&c="2"',
                              "target": "a.xsd"}])
    root = etree.fromstring(xml)
    assert root.get("prefer") == "public"
    assert root[1].get("systemId") == 'http://x.org/a?b=1&c="2"'
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")


def test_manifest_json_is_stable_text():
    text = fetch.MANIFEST_PATH.read_text(encoding="utf-8")
    # Byte-for-byte what `python -m pipeline.schema_bundle.fetch ../shared/schemas` writes.
    assert text == json.dumps(fetch.derive_manifest(SHARED), indent=2, ensure_ascii=False) + "\n"
