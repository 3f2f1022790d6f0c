"""The journal website (out/site/): checked by real consumers.

The W3C Nu Html Checker (vnu-jar, tools/site-checks) validates every page; the head metadata
is read back from pages served by ``pipeline serve`` the way indexers read it (lxml for the
Highwire and Dublin Core tags, extruct for the JSON-LD) and compared with the seed YAML;
the sitemaps are validated against the sitemaps.org XSD; every relative link must resolve to
a file of the site. Expected values come from the seed files, not from the writer.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urldefrag, urlsplit
from urllib.request import urlopen

import extruct
import pytest
import yaml
from lxml import etree, html

from pipeline.publishing import publish
from pipeline.server.preview import StaticFiles

REPO = Path(__file__).resolve().parents[1]
SITE_DATA = REPO / "tests" / "data" / "site-seeds"
VNU_JAR = REPO / "tools" / "site-checks" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
SITEMAP_XSD = REPO.parent / "shared" / "schemas" / "sitemaps" / "0.9"
T0 = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)
T1 = datetime(2024, 6, 3, 12, 0, tzinfo=timezone.utc)


def make_seeds(target: Path) -> Path:
    """The sample seeds plus a right-to-left journal whose article has no url."""
    shutil.copytree(REPO / "seeds", target)
    for journal in SITE_DATA.iterdir():
        shutil.copytree(journal, target / journal.name)
    return target


def seed(seeds: Path, key: str) -> dict:
    journal_id, article_id = key.split("/")
    return yaml.safe_load((seeds / journal_id / "articles" / f"{article_id}.yaml").read_text(encoding="utf-8"))


def journal_seed(seeds: Path, journal_id: str) -> dict:
    return yaml.safe_load((seeds / journal_id / "journal.yaml").read_text(encoding="utf-8"))


def site_files(out: Path) -> dict[str, str]:
    root = out / "site"
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    base = tmp_path_factory.mktemp("site")
    seeds = make_seeds(base / "seeds")
    out = base / "out"
    report = publish(seeds, out, jobs=1, now=T0)
    assert report.validation
    return seeds, out


@pytest.fixture(scope="module")
def server(published):
    """``pipeline serve`` on 127.0.0.1 (a free port), as a user runs it."""
    _seeds, out = published
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "serve", "--db", str(out / "oai.sqlite3"), "--site", str(out / "site"), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    line = process.stdout.readline()
    assert line.startswith("serving the site at "), (line, process.stderr.read() if process.poll() is not None else "")
    url = line.split()[4]
    yield url
    process.terminate()
    process.wait(timeout=10)


def fetch(url: str) -> bytes:
    with urlopen(url, timeout=10) as response:
        assert response.status == 200
        return response.read()


def pages(out: Path) -> list[Path]:
    return sorted((out / "site").rglob("*.html"))


# --- the pages exist and are valid HTML ------------------------------------------------------


def test_the_site_has_every_page(published):
    _seeds, out = published
    files = set(site_files(out))
    assert {
        "index.html", "style.css", "robots.txt", "sitemap.xml",
        "tjh/index.html", "tjh/issue/12-1/index.html", "tjh/issue/12-Special/index.html", "tjh/sitemap.xml",
        "tjh/anadolu-demiryollari/index.html", "tjh/turk-sovyet-iliskileri/index.html", "tjh/digital-archives/index.html",
        "mjs/index.html", "mjs/issue/3-2/index.html", "mjs/arabic-ports/index.html", "mjs/sitemap.xml",
    } <= files
    # the downloads are copies of the other writers' files, beside the landing page
    for name, source in (("anadolu-demiryollari.xml", "tjh/jats/anadolu-demiryollari.xml"),
                         ("anadolu-demiryollari.bib", "tjh/bibtex/anadolu-demiryollari.bib"),
                         ("anadolu-demiryollari.biblatex.bib", "tjh/bibtex/anadolu-demiryollari.biblatex.bib"),
                         ("anadolu-demiryollari.ris", "tjh/ris/anadolu-demiryollari.ris"),
                         ("anadolu-demiryollari.csl.json", "tjh/csl/anadolu-demiryollari.json")):
        assert (out / "site" / "tjh" / "anadolu-demiryollari" / name).read_bytes() == (out / source).read_bytes()


def test_every_page_is_valid_html_by_the_nu_checker(published):
    _seeds, out = published
    assert VNU_JAR.is_file(), "the Nu Html Checker is missing: run 'npm ci' in tools/site-checks (.ci/run does)"
    found = pages(out)
    assert len(found) >= 10
    result = subprocess.run(["java", "-jar", str(VNU_JAR), "--format", "json", "--also-check-css", *map(str, found)],
                            capture_output=True, text=True, timeout=300)
    messages = json.loads(result.stderr)["messages"]
    errors = [m for m in messages if m.get("type") == "error" or m.get("subType") == "fatal"]
    assert errors == [], json.dumps(errors, ensure_ascii=False, indent=1)[:4000]
    assert result.returncode == 0


# --- head metadata, read back as indexers do ------------------------------------------------


def _metas(document, name: str) -> list[tuple[str, str | None]]:
    return [(m.get("content"), m.get("lang")) for m in document.xpath("//head/meta[@name=$n]", n=name)]


def _values(document, name: str) -> list[str]:
    return [content for content, _lang in _metas(document, name)]


def test_highwire_and_dublin_core_match_the_record(published, server):
    seeds, _out = published
    record = seed(seeds, "tjh/anadolu-demiryollari")
    journal = journal_seed(seeds, "tjh")
    document = html.fromstring(fetch(server + "tjh/anadolu-demiryollari/"))
    assert document.get("lang") == record["language"]
    assert _values(document, "citation_title") == [f"{record['title']['tr']}: {record['subtitle']['tr']}"]
    persons = [a for a in record["authors"] if "family" in a]
    expected_authors = [f"{a['family']}, {a['given']}" for a in persons] + [a["collab"]["tr"] for a in record["authors"] if "collab" in a]
    assert _values(document, "citation_author") == expected_authors
    # each author's ORCID directly follows that author (after its institutions)
    sequence = [(m.get("name"), m.get("content")) for m in document.xpath("//head/meta[starts-with(@name, 'citation_author')]")]
    for author in persons:
        if "orcid" in author:
            at = sequence.index(("citation_author", f"{author['family']}, {author['given']}"))
            following = [name for name, _ in sequence[at + 1:]]
            stop = following.index("citation_author") if "citation_author" in following else len(following)
            orcid = author["orcid"] if author["orcid"].startswith("https://") else f"https://orcid.org/{author['orcid']}"
            assert ("citation_author_orcid", orcid) in sequence[at + 1: at + 1 + stop]
    published_date = str(record["dates"]["published"]).replace("-", "/")
    assert _values(document, "citation_publication_date") == [published_date]
    assert _values(document, "citation_online_date") == [published_date]
    assert _values(document, "citation_journal_title") == [journal["title"]["tr"]]
    assert _values(document, "citation_journal_abbrev") == [journal["abbrev-title"]]
    assert _values(document, "citation_issn") == [journal["issn"]["print"], journal["issn"]["electronic"]]
    assert _values(document, "citation_publisher") == [journal["publisher"]["name"]]
    assert _values(document, "citation_volume") == [str(record["volume"])]
    assert _values(document, "citation_issue") == [str(record["issue"])]
    assert _values(document, "citation_firstpage") == [str(record["pages"]["first"])]
    assert _values(document, "citation_lastpage") == [str(record["pages"]["last"])]
    assert _values(document, "citation_doi") == [record["doi"]]
    assert _values(document, "citation_language") == ["tr"]
    assert _values(document, "citation_abstract_html_url") == [record["url"]]
    assert len(_values(document, "citation_reference")) == len(record["references"])
    assert ("; ".join(record["keywords"]["en"]), "en") in _metas(document, "citation_keywords")
    # Dublin Core: every language's title, creators in order, date, DOI, rights, subjects
    assert _metas(document, "DC.title") == [(f"{record['title'][l]}: {record['subtitle'][l]}", l) for l in ("tr", "en")]
    assert _values(document, "DC.creator")[: len(persons)] == [f"{a['given']} {a['family']}" + (f", {a['suffix']}" if a.get("suffix") else "") for a in persons]
    assert _values(document, "DC.date") == [str(record["dates"]["published"])]
    assert _values(document, "DC.identifier") == [f"https://doi.org/{record['doi']}"]
    assert _values(document, "DC.rights") == [record.get("license", journal["license"])]
    assert _values(document, "DC.source") == [journal["title"]["tr"]]
    assert sorted(_metas(document, "DC.subject")) == sorted((k, l) for l, ks in record["keywords"].items() for k in ks)
    assert {lang for _c, lang in _metas(document, "DC.description")} == set(record["abstract"])
    assert document.xpath("//head/link[@rel='canonical']/@href") == [record["url"]]
    alternates = document.xpath("//head/link[@rel='alternate']/@href")
    assert "anadolu-demiryollari.xml" in alternates and "anadolu-demiryollari.ris" in alternates
    assert document.xpath("//head/meta[@property='og:title']/@content")


def test_json_ld_read_by_extruct(published, server):
    seeds, _out = published
    record = seed(seeds, "tjh/anadolu-demiryollari")
    journal = journal_seed(seeds, "tjh")
    url = server + "tjh/anadolu-demiryollari/"
    data = extruct.extract(fetch(url).decode("utf-8"), base_url=url, syntaxes=["json-ld"])["json-ld"]
    assert len(data) == 1
    article = data[0]
    assert article["@type"] == "ScholarlyArticle"
    assert article["headline"] == f"{record['title']['tr']}: {record['subtitle']['tr']}"
    assert {"@language": "en", "@value": f"{record['title']['en']}: {record['subtitle']['en']}"} in article["alternativeHeadline"]
    assert article["datePublished"] == str(record["dates"]["published"])
    assert article["identifier"] == {"@type": "PropertyValue", "propertyID": "DOI", "value": record["doi"]}
    assert article["license"] == record.get("license", journal["license"])
    assert article["inLanguage"] == "tr"
    assert set(record["keywords"]["tr"]) <= set(article["keywords"])
    first = article["author"][0]
    assert first["@type"] == "Person" and first["familyName"] == record["authors"][0]["family"]
    assert first["@id"] == first["sameAs"] == "https://orcid.org/" + record["authors"][0]["orcid"].removeprefix("https://orcid.org/")
    assert any(o.get("sameAs") == "https://ror.org/03z9tma90" for o in first["affiliation"])
    issue = article["isPartOf"]
    assert issue["@type"] == "PublicationIssue" and issue["issueNumber"] == str(record["issue"])
    assert issue["isPartOf"]["volumeNumber"] == str(record["volume"])
    periodical = issue["isPartOf"]["isPartOf"]
    assert periodical["@type"] == "Periodical" and periodical["issn"] == [journal["issn"]["print"], journal["issn"]["electronic"]]
    assert len(article["citation"]) == len(record["references"])
    assert article["abstract"]


# --- language, chrome, dates -----------------------------------------------------------------


def test_turkish_chrome_and_dates(published):
    _seeds, out = published
    page = (out / "site" / "tjh" / "anadolu-demiryollari" / "index.html").read_text(encoding="utf-8")
    for label in ("Özet", "Anahtar Kelimeler", "Nasıl Atıf Yapılır", "İndir", "Geliş Tarihi", "Kabul Tarihi", "Kaynakça"):
        assert f">{label}<" in page
    assert "15 Mart 2024" in page  # published 2024-03-15, written as Turkish writes it
    document = html.fromstring(page.encode("utf-8"))
    assert document.xpath("//body/@lang") == ["tr"]
    # every style the journal configures, as <details>, usable without JavaScript
    assert len(document.xpath("//details/summary")) >= 7
    assert not document.xpath("//script[not(@type='application/ld+json')]")


@pytest.mark.parametrize("article_id", ["anadolu-demiryollari", "digital-archives"])
def test_how_to_cite_gives_every_style_in_the_articles_and_the_journals_language_and_en_us(published, article_id):
    """Issue 12 item 3: every configured style, in the page's language and in en-US. The page's
    chrome is the journal's main language, so an English article of a Turkish journal is cited
    in Turkish too (the citations writer makes that file; the page must show it)."""
    seeds, out = published
    record, journal = seed(seeds, f"tjh/{article_id}"), journal_seed(seeds, "tjh")
    region = {"tr": "tr-TR", "en": "en-US"}  # CSL's locale for each language the journal has
    locales = list(dict.fromkeys([region[record["language"]], region[journal["languages"][0]], "en-US"]))
    page = (out / "site" / "tjh" / article_id / "index.html").read_bytes()
    document = html.fromstring(page)
    shown = [(summary.text_content(), summary.getparent().xpath("string(div[@class='citation']/@lang)"))
             for summary in document.xpath("//details/summary")]
    styles = journal["citation-styles"]
    assert len(shown) == len(styles) * len(locales)
    for locale in locales:
        assert sum(1 for text, _lang in shown if text.endswith(f"({locale})")) == len(styles)
        assert all(lang == locale.split("-")[0] for text, lang in shown if text.endswith(f"({locale})"))


def test_affiliation_marks_and_country_names(published):
    seeds, out = published
    record = yaml.safe_load((seeds / "tjh" / "articles" / "anadolu-demiryollari.yaml").read_text(encoding="utf-8"))
    document = html.fromstring((out / "site" / "tjh" / "anadolu-demiryollari" / "index.html").read_bytes())
    ids = [aff["id"] for aff in record["affiliations"]]
    first = record["authors"][0]
    expected = ",".join(str(ids.index(a) + 1) for a in first["affiliations"])
    assert document.xpath("//li[span[@class='name']][1]/sup/text()")[0] == expected  # "1,2", not "12"
    listed = " ".join(document.xpath("//li[sup]/text()"))
    structured = [aff for aff in record["affiliations"] if "text" not in aff and aff.get("country") == "TR"]
    assert structured, "the sample needs an affiliation without printed text"
    assert ", TR " not in listed + " " and "Türkiye" in listed


def test_right_to_left_blocks(published):
    _seeds, out = published
    document = html.fromstring((out / "site" / "mjs" / "arabic-ports" / "index.html").read_bytes())
    assert document.get("lang") == "ar" and document.get("dir") == "rtl"
    assert document.xpath("//h1/@lang") == ["ar"] and document.xpath("//h1/@dir") == ["rtl"]
    blocks = {b.get("lang"): b.get("dir") for b in document.xpath("//section[contains(@class, 'language-block')]")}
    assert blocks == {"ar": "rtl", "en": None}
    # the English chrome (no Arabic catalog) says so, and runs left to right
    assert document.xpath("//body/@lang") == ["en"] and document.xpath("//body/@dir") == ["ltr"]


def test_markup_like_text_shows_literally(published):
    seeds, out = published
    record = seed(seeds, "mjs/arabic-ports")
    raw = (out / "site" / "mjs" / "arabic-ports" / "index.html").read_text(encoding="utf-8")
    document = html.fromstring(raw.encode("utf-8"))
    english = record["title"]["en"]
    assert document.xpath("//p[@class='translated-title']")[0].text_content() == english
    assert (english, "en") in _metas(document, "DC.title")
    assert "Farouk </script><!--" in [a.text_content() for a in document.xpath("//ol[@class='authors']//span[@class='name']")][1]
    scripts = document.xpath("//script")
    assert [s.get("type") for s in scripts] == ["application/ld+json"]  # nothing broke out
    ld = json.loads(scripts[0].text)
    assert ld["alternativeHeadline"][0]["@value"] == english
    assert "</script" not in scripts[0].text and "<!--" not in scripts[0].text
    assert "{{ 7*7 }}" in raw and "49" not in english  # not a template expression


# --- one URL everywhere ----------------------------------------------------------------------


def test_an_article_without_url_carries_its_landing_page_url_in_every_format(published, server):
    seeds, out = published
    assert "url" not in seed(seeds, "mjs/arabic-ports")
    landing = journal_seed(seeds, "mjs")["url"] + "/arabic-ports/"
    ns = {"cr": "http://www.crossref.org/schema/5.3.1", "j": "http://www.w3.org/1999/xlink"}
    crossref = etree.parse(str(out / "mjs" / "crossref" / "3-2.xml"))
    assert crossref.xpath("//cr:doi_data/cr:resource/text()", namespaces=ns) == [landing]
    doaj = etree.parse(str(out / "mjs" / "doaj" / "3-2.xml"))
    assert doaj.xpath("//fullTextUrl/text()") == [landing]
    jats = etree.parse(str(out / "mjs" / "jats" / "arabic-ports.xml"))
    assert jats.xpath("//article-meta/self-uri/@j:href", namespaces=ns) == [landing]
    assert json.loads((out / "mjs" / "csl" / "arabic-ports.json").read_text())[0]["URL"] == landing
    assert f"UR  - {landing}" in (out / "mjs" / "ris" / "arabic-ports.ris").read_text()
    import bibtexparser

    entry = bibtexparser.parse_string((out / "mjs" / "bibtex" / "arabic-ports.bib").read_text()).entries[0]
    assert entry.fields_dict["url"].value == landing
    namespace = yaml.safe_load((seeds / "repository.yaml").read_text())["namespace"]
    payload = fetch(f"{server}oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:{namespace}:mjs/arabic-ports")
    identifiers = etree.fromstring(payload).xpath("//dc:identifier/text()", namespaces={"dc": "http://purl.org/dc/elements/1.1/"})
    assert landing in identifiers
    # and the page it names exists where the site puts it
    assert (out / "site" / "mjs" / "arabic-ports" / "index.html").is_file()
    canonical = html.fromstring((out / "site" / "mjs" / "arabic-ports" / "index.html").read_bytes()).xpath("//link[@rel='canonical']/@href")
    assert canonical == [landing]


# --- site files ------------------------------------------------------------------------------


def test_sitemaps_are_valid_and_list_every_page(published):
    seeds, out = published
    urlset = etree.XMLSchema(etree.parse(str(SITEMAP_XSD / "sitemap.xsd")))
    index_schema = etree.XMLSchema(etree.parse(str(SITEMAP_XSD / "siteindex.xsd")))
    for journal_id in ("tjh", "mjs"):
        document = etree.parse(str(out / "site" / journal_id / "sitemap.xml"))
        assert urlset.validate(document), urlset.error_log
        locs = document.xpath("//s:loc/text()", namespaces={"s": "http://www.sitemaps.org/schemas/sitemap/0.9"})
        base = journal_seed(seeds, journal_id)["url"]
        articles = sorted(p.stem for p in (seeds / journal_id / "articles").glob("*.yaml"))
        assert {f"{base}/{a}/" for a in articles} | {f"{base}/"} <= set(locs)
    index = etree.parse(str(out / "site" / "sitemap.xml"))
    assert index_schema.validate(index), index_schema.error_log
    robots = (out / "site" / "robots.txt").read_text()
    assert "Sitemap: https://journals.example.org/tjh/sitemap.xml" in robots


def test_every_link_resolves_to_a_file_of_the_site(published):
    _seeds, out = published
    root = (out / "site").resolve()
    checked = 0
    for page in pages(out):
        document = html.fromstring(page.read_bytes())
        for href in document.xpath("//a/@href | //link/@href | //script/@src | //img/@src"):
            if urlsplit(href).scheme or href.startswith("//"):
                continue  # absolute: DOIs, ORCID, the canonical URL
            path, _fragment = urldefrag(href)
            if not path:
                continue
            target = (page.parent / path).resolve()
            if href.endswith("/"):
                target = target / "index.html"
            assert root in target.parents and target.is_file(), f"{page.relative_to(root)}: {href}"
            checked += 1
    assert checked > 50


def test_the_server_refuses_paths_out_of_the_site(published, server, tmp_path):
    _seeds, out = published
    static = StaticFiles(out / "site")
    assert static.resolve("/tjh/index.html") == (out / "site" / "tjh" / "index.html").resolve()
    for bad in ("/../oai.sqlite3", "/%2e%2e/oai.sqlite3", "/tjh/..%2F..%2Foai.sqlite3", "/a\\..\\b", "/x%00"):
        assert static.resolve(bad) is None, bad
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    link = out / "site" / "leak.txt"
    link.symlink_to(outside)
    try:
        assert static.resolve("/leak.txt") is None
    finally:
        link.unlink()
    import http.client

    host, port = urlsplit(server).hostname, urlsplit(server).port
    for bad in ("/../oai.sqlite3", "/%2e%2e/oai.sqlite3"):
        connection = http.client.HTTPConnection(host, port, timeout=10)
        connection.request("GET", bad)
        response = connection.getresponse()
        assert response.status == 404 and b"SQLite" not in response.read()
        connection.close()
    assert b"<Identify>" in fetch(server + "oai?verb=Identify")
    assert b"<!DOCTYPE html>" in fetch(server)


# --- incremental and deterministic -----------------------------------------------------------


def test_an_edit_rewrites_only_its_page_its_issue_and_what_lists_it(tmp_path):
    seeds = make_seeds(tmp_path / "seeds")
    out = tmp_path / "out"
    publish(seeds, out, jobs=1, now=T0)
    before = site_files(out)
    path = seeds / "tjh" / "articles" / "turk-sovyet-iliskileri.yaml"
    text = path.read_text(encoding="utf-8")
    record = yaml.safe_load(text)
    old_title = record["title"]["tr"]
    path.write_text(text.replace(old_title, old_title + " (düzeltilmiş)", 1), encoding="utf-8")
    report = publish(seeds, out, jobs=1, now=T1)
    assert report.rendered == 1
    after = site_files(out)
    changed = {k for k in after if before.get(k) != after[k]}
    issue = f"{record['volume']}-{record['issue']}"
    own = {k for k in after if k.startswith("tjh/turk-sovyet-iliskileri/")}
    assert "tjh/turk-sovyet-iliskileri/index.html" in changed
    assert f"tjh/issue/{issue}/index.html" in changed
    assert "tjh/sitemap.xml" in changed  # its lastmod moved
    assert changed <= own | {f"tjh/issue/{issue}/index.html", "tjh/index.html", "tjh/sitemap.xml"}
    assert set(after) == set(before)


def test_the_same_seeds_give_byte_identical_pages(tmp_path):
    seeds = make_seeds(tmp_path / "seeds")
    publish(seeds, tmp_path / "a", jobs=1, now=T0)
    publish(seeds, tmp_path / "b", jobs=2, now=T0)
    assert site_files(tmp_path / "a") == site_files(tmp_path / "b")


# --- names the site's layout takes ---------------------------------------------------------


def _line_of_id(path: Path) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if line.startswith("id:"))


def test_a_journal_called_site_is_refused_out_site_is_the_website(tmp_path):
    from .conftest import run_cli

    seeds = make_seeds(tmp_path / "seeds")
    journal_file = seeds / "site" / "journal.yaml"
    (seeds / "mjs").rename(seeds / "site")
    journal_file.write_text(journal_file.read_text(encoding="utf-8").replace("id: mjs", "id: site", 1), encoding="utf-8")
    assert yaml.safe_load(journal_file.read_text(encoding="utf-8"))["id"] == "site"
    out = tmp_path / "out"
    result = run_cli("publish", str(seeds), "-o", str(out))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    where = f"site/journal.yaml:{_line_of_id(journal_file)}:"
    assert where in result.stdout + result.stderr and "out/site/ is the website's directory" in result.stdout + result.stderr
    assert not (out / "site").exists()


@pytest.mark.parametrize("name", ["issue", "assets"])
def test_an_article_named_like_a_site_directory_is_refused(tmp_path, name):
    from pipeline.diagnostics import InvalidInput

    seeds = make_seeds(tmp_path / "seeds")
    source = seeds / "tjh" / "articles" / "digital-archives.yaml"
    target = source.with_name(f"{name}.yaml")
    target.write_text(source.read_text(encoding="utf-8").replace("id: digital-archives", f"id: {name}", 1), encoding="utf-8")
    source.unlink()
    with pytest.raises(InvalidInput) as caught:
        publish(seeds, tmp_path / "out", jobs=1, now=T0)
    [problem] = caught.value.diagnostics
    assert (problem.file.endswith(f"{name}.yaml"), problem.line, problem.field) == (True, _line_of_id(target), "id")
    assert f"the website keeps its {name}/ directory" in problem.message
