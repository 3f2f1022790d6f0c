"""Full-text files (``galleys``): a PDF, HTML or XML file kept in the article's own folder
(``articles/<article-id>/``) or found at a URL.

A local file is copied beside the landing page; the page links every galley; the head names
the PDFs as Google Scholar's inclusion guidelines ask (``citation_pdf_url``: the absolute URL
of a file in the same directory as the page that carries the tags, so a PDF elsewhere is
linked but not named there); JATS lists them as ``self-uri``. A galley whose file is missing
or wrong is an input problem at its file, line and field.
"""

from __future__ import annotations

import json

import pytest
import yaml
from lxml import etree, html

from pipeline.publishing import publish
from pipeline.diagnostics import InvalidInput

from .conftest import run_cli
from .test_site import T0, T1, make_seeds

ARTICLE = "anadolu-demiryollari"
PDF_TR = b"%PDF-1.4\n% the Turkish full text\n%%EOF\n"
PDF_EN = b"%PDF-1.4\n% the English translation\n%%EOF\n"
ELSEWHERE = "https://repository.example.org/tjh/anadolu.html"
GALLEYS = f"""galleys:
  - format: pdf
    file: anadolu-tr.pdf
    language: tr
  - format: html
    url: {ELSEWHERE}
    label: Repository copy
  - format: pdf
    file: anadolu-en.pdf
    language: en
    label: English translation (PDF)
"""
XLINK = "http://www.w3.org/1999/xlink"


def with_galleys(seeds, galleys: str = GALLEYS, files: dict[str, bytes] | None = None):
    record = seeds / "tjh" / "articles" / f"{ARTICLE}.yaml"
    record.write_text(record.read_text(encoding="utf-8").rstrip("\n") + "\n" + galleys, encoding="utf-8")
    folder = seeds / "tjh" / "articles" / ARTICLE
    folder.mkdir(exist_ok=True)
    for name, data in (files if files is not None else {"anadolu-tr.pdf": PDF_TR, "anadolu-en.pdf": PDF_EN}).items():
        (folder / name).write_bytes(data)
    return record


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    base = tmp_path_factory.mktemp("galleys")
    seeds = make_seeds(base / "seeds")
    with_galleys(seeds)
    out = base / "out"
    report = publish(seeds, out, jobs=1, now=T0)
    assert report.validation  # the JATS with its self-uri elements passed the DTD and the schematron
    return seeds, out


def test_local_galleys_are_copied_beside_the_landing_page_and_linked(published):
    _seeds, out = published
    folder = out / "site" / "tjh" / ARTICLE
    assert (folder / "anadolu-tr.pdf").read_bytes() == PDF_TR
    assert (folder / "anadolu-en.pdf").read_bytes() == PDF_EN
    page = html.fromstring((folder / "index.html").read_bytes())
    links = [(a.get("href"), a.get("type"), a.get("hreflang"), a.text_content()) for a in page.xpath("//ul[@class='galleys']/li/a")]
    assert links == [
        ("anadolu-tr.pdf", "application/pdf", "tr", "PDF"),
        (ELSEWHERE, "text/html", None, "Repository copy"),
        ("anadolu-en.pdf", "application/pdf", "en", "English translation (PDF)"),
    ]
    # the heading and the language names in the journal's language (Turkish chrome)
    assert "Tam Metin" in [h.text_content() for h in page.xpath("//h2")]
    assert page.xpath("//ul[@class='galleys']/li[1]/span/text()") == ["(Türkçe)"]
    assert page.xpath("//ul[@class='galleys']/li[3]/span/text()") == ["(İngilizce)"]


def test_scholar_reads_the_pdfs_in_the_landing_pages_directory(published):
    seeds, out = published
    journal = yaml.safe_load((seeds / "tjh" / "journal.yaml").read_text(encoding="utf-8"))
    record = yaml.safe_load((seeds / "tjh" / "articles" / f"{ARTICLE}.yaml").read_text(encoding="utf-8"))
    landing = f"{journal['url']}/{ARTICLE}/"
    page = html.fromstring((out / "site" / "tjh" / ARTICLE / "index.html").read_bytes())
    # absolute, in the page's own directory, ending in .pdf, the article's language first
    assert page.xpath("//head/meta[@name='citation_pdf_url']/@content") == [landing + "anadolu-tr.pdf", landing + "anadolu-en.pdf"]
    # the HTML copy lives elsewhere: linked, but the full-text HTML tag stays the article's page
    assert page.xpath("//head/meta[@name='citation_fulltext_html_url']/@content") == [record["url"]]
    names = [m.get("name") for m in page.xpath("//head/meta[starts-with(@name, 'citation_')]")]
    assert names.index("citation_pdf_url") > names.index("citation_abstract_html_url")
    data = json.loads(page.xpath("//script[@type='application/ld+json']/text()")[0])
    assert [(e["contentUrl"], e["encodingFormat"]) for e in data["encoding"]] == [
        (landing + "anadolu-tr.pdf", "application/pdf"), (ELSEWHERE, "text/html"), (landing + "anadolu-en.pdf", "application/pdf")]


def test_jats_lists_the_galleys_as_self_uri(published):
    seeds, out = published
    journal = yaml.safe_load((seeds / "tjh" / "journal.yaml").read_text(encoding="utf-8"))
    landing = f"{journal['url']}/{ARTICLE}/"
    jats = etree.parse(str(out / "tjh" / "jats" / f"{ARTICLE}.xml"))
    found = [(e.get("content-type"), e.get(f"{{{XLINK}}}href"), e.get("{http://www.w3.org/XML/1998/namespace}lang"))
             for e in jats.xpath("//article-meta/self-uri[@content-type]")]
    assert found == [("pdf", landing + "anadolu-tr.pdf", "tr"), ("html", ELSEWHERE, None), ("pdf", landing + "anadolu-en.pdf", "en")]
    assert all(e.get(f"{{{XLINK}}}title") for e in jats.xpath("//article-meta/self-uri"))  # JATS4R: link text


def test_a_changed_galley_file_republishes_its_article(tmp_path):
    seeds = make_seeds(tmp_path / "seeds")
    with_galleys(seeds)
    out = tmp_path / "out"
    publish(seeds, out, jobs=1, now=T0)
    (seeds / "tjh" / "articles" / ARTICLE / "anadolu-en.pdf").write_bytes(PDF_EN + b"% corrected\n")
    report = publish(seeds, out, jobs=1, now=T1)
    assert report.rendered == 1
    assert (out / "site" / "tjh" / ARTICLE / "anadolu-en.pdf").read_bytes() == PDF_EN + b"% corrected\n"


def _line_of(text: str, needle: str) -> int:
    return text.splitlines().index(needle) + 1


@pytest.mark.parametrize("galleys, files, needle, words", [
    ("galleys:\n  - format: pdf\n    file: missing.pdf\n", {}, "    file: missing.pdf", "no file 'missing.pdf' in articles/anadolu-demiryollari/"),
    ("galleys:\n  - format: pdf\n    file: notes.pdf\n", {"notes.pdf": b"plain text"}, "    file: notes.pdf", "is not a PDF file"),
    ("galleys:\n  - format: pdf\n    file: paper.txt\n", {"paper.txt": PDF_TR}, "    file: paper.txt", "ends in .pdf"),
    ("galleys:\n  - format: xml\n    file: anadolu-demiryollari.xml\n", {"anadolu-demiryollari.xml": b"<article/>"},
     "    file: anadolu-demiryollari.xml", "a name the website writes"),
])
def test_a_bad_galley_is_reported_at_its_file_line_and_field(tmp_path, galleys, files, needle, words):
    seeds = make_seeds(tmp_path / "seeds")
    record = with_galleys(seeds, galleys, files)
    line = _line_of(record.read_text(encoding="utf-8"), needle)
    with pytest.raises(InvalidInput) as caught:
        publish(seeds, tmp_path / "out", jobs=1, now=T0)
    [problem] = caught.value.diagnostics
    assert problem.file.endswith(f"tjh/articles/{ARTICLE}.yaml")
    assert (problem.line, problem.field) == (line, "galleys[0].file") and words in problem.message, problem
    result = run_cli("validate", str(seeds))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert f"{ARTICLE}.yaml:{line}:" in result.stdout + result.stderr


def test_a_galley_needs_a_url_or_a_file(tmp_path):
    seeds = make_seeds(tmp_path / "seeds")
    with_galleys(seeds, "galleys:\n  - format: pdf\n    label: nowhere\n", {})
    with pytest.raises(InvalidInput) as caught:
        publish(seeds, tmp_path / "out", jobs=1, now=T0)
    assert [d.field for d in caught.value.diagnostics] == ["galleys[0]"]


def test_the_jats_importer_reads_the_galleys_back(published):
    from pipeline.importer.jats import read_jats

    seeds, out = published
    journal = yaml.safe_load((seeds / "tjh" / "journal.yaml").read_text(encoding="utf-8"))
    landing = f"{journal['url']}/{ARTICLE}/"
    imported = read_jats((out / "tjh" / "jats" / f"{ARTICLE}.xml").read_bytes(), "x.xml", ARTICLE)
    assert imported.article["galleys"] == [
        {"format": "pdf", "url": landing + "anadolu-tr.pdf", "language": "tr"},
        {"format": "html", "url": ELSEWHERE},
        {"format": "pdf", "url": landing + "anadolu-en.pdf", "language": "en"},
    ]
