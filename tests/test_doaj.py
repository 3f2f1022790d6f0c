"""DOAJ article XML: valid against doajArticles.xsd, ISO 639-2/B codes, every language kept."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from pipeline.output_checks.doaj import check_doaj_files, language_codes, validate_doaj
from pipeline.model import Abstract, AbstractSection, Keywords, Multilingual
from pipeline.input_checks.deposit import deposit_notices, deposit_requirements
from pipeline.writers import JournalEntry, doaj

from . import factories, strategies
from .seed_deposits import assert_every_seed_written_or_reported


def outputs(articles, journal=None):
    journal = journal or factories.journal()
    entries = [
        JournalEntry(a.id, a.issue_key, f"2024-05-{i + 1:02d}T10:00:00Z", doaj.render(a, journal).parts)
        for i, a in enumerate(articles)
    ]
    return doaj.render_journal(journal, entries)


def assert_valid(files):
    assert files, "no DOAJ file was written"
    for path, data in files.items():
        assert validate_doaj(data, path) == []


def record_of(files, article):
    for data in files.values():
        # The factories share publisher ids and URLs between articles: find it by its title.
        found = etree.fromstring(data).xpath("record[title[1] = $title]", title=article.title.first())
        if found:
            return found[0]
    raise AssertionError(f"{article.id} is in no DOAJ file")


def assert_languages_kept(record, article):
    """Per language: the record's title, abstract and keywords, once each, in record order."""
    code = doaj.language_code
    assert [(t.get("language"), t.text) for t in record.findall("title")] == [(code(lang), text) for lang, text in article.title]
    assert Counter(a.get("language") for a in record.findall("abstract")) == Counter(code(a.lang) for a in article.abstracts)
    assert [a.text for a in record.findall("abstract")] == [a.text for a in article.abstracts]
    assert [(k.get("language"), tuple(k.xpath("keyword/text()"))) for k in record.findall("keywords")] == [
        (code(group.lang), group.terms) for group in article.keywords
    ]


def test_iso_639_2b_codes():
    assert [doaj.language_code(tag) for tag in ("tr", "en", "de", "zh-Hant", "ar", "ru", "fa", "pt-BR")] == [
        "tur", "eng", "ger", "chi", "ara", "rus", "per", "por",
    ]
    assert "deu" not in language_codes() and "ger" in language_codes()
    assert doaj.language_code("fil") is None  # ISO 639-2, but not in DOAJ's list
    assert doaj.language_code("xx-not-a-language") is None


def test_factory_articles_give_one_valid_file_per_issue():
    articles = [factories.rich_article(), factories.elocation_article(), factories.minimal_article(url="https://journal.example.org/tjh/minimal")]
    files = outputs(articles)
    assert sorted(files) == ["tjh/doaj/12-1.xml", "tjh/doaj/12-Special.xml", "tjh/doaj/ahead-of-print.xml"]
    assert_valid(files)
    for article in articles:
        assert_languages_kept(record_of(files, article), article)


def test_every_seed_is_listed_or_reported():
    assert_every_seed_written_or_reported("doaj", outputs, validate_doaj, record_of, assert_languages_kept)


def test_rich_article_fields():
    article = factories.rich_article()
    record = record_of(outputs([article]), article)
    expected = {
        "language": "tur",
        "publisher": "Örnek Üniversitesi Yayınları",
        "journalTitle": "Türk Tarihi Dergisi",
        "issn": "1300-0004",
        "eissn": "2147-0006",
        "publicationDate": "2024-03-28",
        "volume": "12",
        "issue": "1",
        "startPage": "5",
        "endPage": "27",
        "doi": "10.5555/tjh.2024.12.1.5",
        "publisherRecordId": "tjh-2024-005",
        "documentType": "research-article",
        "fullTextUrl": article.url,
    }
    assert {tag: record.findtext(tag) for tag in expected} == expected
    authors = record.findall("authors/author")
    assert [a.findtext("name") for a in authors] == ["Ayşe Gül Şahin", "Jan van der Berg, Jr.", "Ílhan", "Osmanlı Arşivi Çalışma Grubu"]
    assert authors[0].findtext("email") == "ayse.sahin@example.org"
    assert authors[0].findtext("orcid_id") == "https://orcid.org/0000-0002-1825-0097"
    assert authors[1].xpath("affiliationId/text()") == ["aff1", "aff2"]
    affiliations = {a.get("affiliationId"): a.text for a in record.findall("affiliationsList/affiliationName")}
    assert affiliations == {
        "aff1": "Tarih Bölümü, Boğaziçi Üniversitesi, İstanbul, Türkiye",
        "aff2": "Faculdade de Saúde Pública, Universidade de São Paulo, São Paulo, SP, Brezilya",  # country named in the article's language (tr)
    }
    assert record.find("title").text == "Milli Mücadele Döneminde Türk-Sovyet İlişkileri & <Ankara>"
    assert record.find("title/*") is None  # record text is never markup


def test_elocation_is_the_start_page():
    article = factories.elocation_article()
    record = record_of(outputs([article]), article)
    assert record.findtext("startPage") == "e2024001" and record.find("endPage") is None


def test_language_doaj_does_not_list_keeps_its_text():
    article = factories.rich_article(
        languages=("fil", "en"),
        language="fil",
        title=Multilingual((("fil", "Pamagat"), ("en", "Title"))),
        abstracts=(Abstract("fil", (AbstractSection(None, ("Buod.",)),)), Abstract("en", (AbstractSection(None, ("Summary.",)),))),
        keywords=(Keywords("fil", ("salita",)),),
    )
    files = outputs([article])
    assert_valid(files)
    record = record_of(files, article)
    assert record.find("language") is None
    assert [(t.get("language"), t.text) for t in record.findall("title")] == [(None, "Pamagat"), ("eng", "Title")]
    assert_languages_kept(record, article)
    assert [field for field, _ in deposit_notices(article, factories.journal(), "doaj")] == ["languages"]


def test_articles_doaj_cannot_take_are_left_out_and_reported():
    journal = factories.journal()
    no_url = factories.minimal_article()
    local = factories.minimal_article(id="local", url="http://localhost/article")
    assert doaj.render(no_url, journal).parts == {} and doaj.render(local, journal).parts == {}
    assert outputs([no_url, local]) == {}
    assert [f for f, _ in deposit_requirements(no_url, journal, "doaj")] == ["url"]
    assert [f for f, _ in deposit_requirements(local, journal, "doaj")] == ["url"]
    assert deposit_requirements(factories.rich_article(), journal, "doaj") == []
    no_issn = factories.journal(issn_print=None, issn_electronic=None)
    assert [f for f, _ in deposit_requirements(factories.rich_article(), no_issn, "doaj")] == ["journal.issn"]
    assert outputs([factories.rich_article()], no_issn) == {}


def test_rendering_twice_and_in_any_order_gives_the_same_bytes():
    journal = factories.journal()
    articles = [factories.rich_article(id="b", pages=factories.Pages("30")), factories.rich_article(id="a"), factories.elocation_article()]
    first = outputs(articles, journal)
    assert outputs(articles, journal) == first
    assert outputs(list(reversed(articles)), journal) == first
    assert etree.fromstring(first["tjh/doaj/12-1.xml"]).xpath("record/startPage/text()") == ["5", "30"]


def test_checker(tmp_path):
    data = outputs([factories.rich_article()])["tjh/doaj/12-1.xml"]
    broken = data.replace(b"<language>tur</language>", b"<language>deu</language>")
    problems = validate_doaj(broken, "broken.xml")
    assert len(problems) == 1 and problems[0].line == 4 and "'deu'" in problems[0].message
    assert len(problems[0].message) < 300  # not the 184 codes of the list
    (tmp_path / "good.xml").write_bytes(data)
    (tmp_path / "part.xml").write_bytes(doaj.render(factories.rich_article(), factories.journal()).parts["doaj"])
    found = check_doaj_files([tmp_path / "good.xml", tmp_path / "part.xml"])
    assert len(found) == 1 and found[0].path.endswith("part.xml") and "expected records" in found[0].message


@st.composite
def listable_articles(draw):
    article = draw(strategies.articles())
    return dataclasses.replace(article, url=article.url or f"https://journal.example.org/a/{article.id}")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(listable_articles())
def test_generated_articles_give_valid_files_keeping_every_language(article):
    journal = factories.journal()
    neighbour = factories.rich_article(id="neighbour", title=Multilingual((("en", "The neighbour: a title no generated record has"),)))
    files = outputs([article, neighbour], journal)
    assert_valid(files)
    assert deposit_requirements(article, journal, "doaj") == []
    assert_languages_kept(record_of(files, article), article)
    assert outputs([article, neighbour], journal) == files


@pytest.mark.parametrize("tag", ["tr", "en", "ar", "ru", "zh"])
def test_generated_languages_all_have_doaj_codes(tag):
    # The property test above only shows the attribute is valid; this shows it is there.
    assert doaj.language_code(tag) in language_codes()
