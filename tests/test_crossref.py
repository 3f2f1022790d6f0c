"""Crossref deposit 5.3.1: valid against the official schema, every translation kept,
deterministic, and a batch's timestamp that only moves when one of its articles does."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from pipeline.output_checks.crossref import check_crossref_files, validate_crossref
from pipeline.model import Multilingual, Person, Reference
from pipeline.input_checks.deposit import deposit_notices, deposit_requirements
from pipeline.writers import JournalEntry, crossref

from . import factories, strategies
from .seed_deposits import assert_every_seed_written_or_reported

NS = {"cr": crossref.CROSSREF_NS, "jats": crossref.JATS_NS, "fr": crossref.FUNDREF_NS, "ai": crossref.ACCESS_NS}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def entries_for(articles, journal, datestamps=None):
    entries = []
    for index, article in enumerate(articles):
        stamp = (datestamps or {}).get(article.id, f"2024-05-{index + 1:02d}T10:00:00Z")
        entries.append(JournalEntry(article.id, article.issue_key, stamp, crossref.render(article, journal).parts))
    return entries


def deposits(articles, journal=None, datestamps=None):
    journal = journal or factories.journal()
    return crossref.render_journal(journal, entries_for(articles, journal, datestamps))


def assert_valid(files):
    assert files, "no deposit file was written"
    for path, data in files.items():
        assert validate_crossref(data, path) == []


def article_element(files, doi):
    for data in files.values():
        found = etree.fromstring(data).xpath("//cr:journal_article[cr:doi_data/cr:doi = $doi]", namespaces=NS, doi=doi)
        if found:
            return found[0]
    raise AssertionError(f"{doi} is in no deposit")


def assert_translations_kept(element, article):
    """Per language, the deposit has the record's title, subtitle and abstract, once each."""
    main_lang, main_title = article.title.items[0]
    titles = element.findall("cr:titles", NS)
    assert {t.findtext("cr:title", namespaces=NS) for t in titles} == {main_title}
    translated = [
        (original.get("language"), original.text)
        for titles_element in titles
        for original in titles_element.findall("cr:original_language_title", NS)
    ]
    assert translated == [(crossref.language_code(lang), text) for lang, text in article.title.items[1:]]
    if article.subtitle.get(main_lang):
        assert titles[0].findtext("cr:subtitle", namespaces=NS) == article.subtitle.get(main_lang)

    abstracts = Counter(a.get(XML_LANG) for a in element.findall("jats:abstract", NS))
    assert abstracts == Counter(a.lang for a in article.abstracts)
    for abstract in article.abstracts:
        (deposited,) = element.xpath("jats:abstract[@xml:lang = $lang]", namespaces=NS, lang=abstract.lang)
        assert deposited.xpath(".//jats:p/text()", namespaces=NS) == list(abstract.paragraphs)


def test_factory_articles_give_one_valid_deposit_per_issue():
    articles = [
        factories.rich_article(),
        factories.elocation_article(),
        factories.minimal_article(doi="10.5555/tjh.minimal", url="https://journal.example.org/tjh/minimal"),
    ]
    files = deposits(articles)
    assert sorted(files) == ["tjh/crossref/12-1.xml", "tjh/crossref/12-Special.xml", "tjh/crossref/ahead-of-print.xml"]
    assert_valid(files)
    for article in articles:
        assert_translations_kept(article_element(files, article.doi), article)


def test_every_seed_is_deposited_or_reported():
    assert_every_seed_written_or_reported("crossref", deposits, validate_crossref,
                                          lambda files, article: article_element(files, article.doi),
                                          assert_translations_kept)


def test_rich_article_maps_every_field():
    article = factories.rich_article()
    files = deposits([article])
    root = etree.fromstring(files["tjh/crossref/12-1.xml"])
    head = root.find("cr:head", NS)
    assert head.findtext("cr:depositor/cr:depositor_name", namespaces=NS) == "Örnek Üniversitesi"
    assert head.findtext("cr:depositor/cr:email_address", namespaces=NS) == "doi@example.org"
    assert head.findtext("cr:registrant", namespaces=NS) == "Örnek Üniversitesi"
    journal = root.find("cr:body/cr:journal", NS)
    assert journal.xpath("cr:journal_metadata/cr:full_title/text()", namespaces=NS) == ["Türk Tarihi Dergisi", "Turkish Journal of History"]
    assert journal.xpath("cr:journal_metadata/cr:issn/@media_type", namespaces=NS) == ["print", "electronic"]
    issue = journal.find("cr:journal_issue", NS)
    assert issue.findtext("cr:journal_volume/cr:volume", namespaces=NS) == "12"
    assert issue.findtext("cr:issue", namespaces=NS) == "1"
    assert issue.xpath("cr:publication_date/*/text()", namespaces=NS) == ["03", "2024"]  # the issue date

    element = article_element(files, article.doi)
    assert element.get("language") == "tr"
    people = element.findall("cr:contributors/*", NS)
    assert [p.get("sequence") for p in people] == ["first", "additional", "additional", "additional"]
    assert {p.get("contributor_role") for p in people} == {"author"}
    first = people[0]
    assert first.findtext("cr:given_name", namespaces=NS) == "Ayşe Gül"
    assert first.findtext("cr:surname", namespaces=NS) == "Şahin"
    assert first.find("cr:ORCID", NS).get("authenticated") == "false"
    assert first.findtext("cr:affiliations/cr:institution/cr:institution_id[@type='ror']", namespaces=NS) == "https://ror.org/03z9tma90"
    # The place names the country as JATS does (in the article's language), not by its code.
    assert first.findtext("cr:affiliations/cr:institution/cr:institution_place", namespaces=NS) == "İstanbul, Türkiye"
    assert [i.findtext("cr:institution_place", namespaces=NS) for i in people[1].findall("cr:affiliations/cr:institution", NS)] == [
        "İstanbul, Türkiye", "São Paulo, SP, Brezilya"]
    assert people[1].findtext("cr:suffix", namespaces=NS) == "Jr."
    assert people[3].tag == f"{{{crossref.CROSSREF_NS}}}organization"
    assert people[3].text == "Osmanlı Arşivi Çalışma Grubu"
    assert element.find("cr:publication_date", NS).get("media_type") == "online"
    assert element.xpath("cr:pages/*/text()", namespaces=NS) == ["5", "27"]
    groups = element.findall("fr:program/fr:assertion[@name='fundgroup']", NS)
    assert groups[0].find("fr:assertion[@name='funder_name']", NS).text == "Türkiye Bilimsel ve Teknolojik Araştırma Kurumu"
    assert groups[0].findtext("fr:assertion/fr:assertion[@name='funder_identifier']", namespaces=NS) == "https://doi.org/10.13039/501100004410"
    assert groups[0].xpath("fr:assertion[@name='award_number']/text()", namespaces=NS) == ["122K001", "122K002"]
    assert element.findtext("ai:program/ai:license_ref", namespaces=NS) == "https://creativecommons.org/licenses/by/4.0/"
    assert element.findtext("cr:doi_data/cr:resource", namespaces=NS) == article.url

    citations = {c.get("key"): c for c in element.findall("cr:citation_list/cr:citation", NS)}
    assert list(citations) == ["ref1", "ref2", "ref3", "ref4", "ref5", "ref6"]
    assert [child.tag.split("}")[1] for child in citations["ref1"]] == ["doi"]  # the DOI alone
    assert citations["ref6"].findtext("cr:journal_title", namespaces=NS) == "J Stud"
    assert citations["ref6"].findtext("cr:author", namespaces=NS) == "Doe"
    assert citations["ref6"].findtext("cr:cYear", namespaces=NS) == "2020"
    assert citations["ref6"].findtext("cr:article_title", namespaces=NS) == "A study"
    assert citations["ref5"].findtext("cr:unstructured_citation", namespaces=NS).endswith("<b>not bold</b>")
    assert element.find(".//cr:unstructured_citation/*", NS) is None  # record text is never markup


def test_elocation_goes_to_item_number():
    article = factories.elocation_article()
    element = article_element(deposits([article]), article.doi)
    assert element.find("cr:pages", NS) is None
    assert element.findtext("cr:publisher_item/cr:item_number", namespaces=NS) == "e2024001"


def test_three_languages_give_one_titles_per_translation():
    article = factories.rich_article(
        languages=("ru", "tr", "en"),
        language="ru",
        title=Multilingual((("ru", "Российская империя"), ("tr", "Rus İmparatorluğu"), ("en", "The Russian Empire"))),
        subtitle=Multilingual((("en", "A subtitle"),)),
    )
    files = deposits([article])
    assert_valid(files)
    element = article_element(files, article.doi)
    titles = element.findall("cr:titles", NS)
    assert len(titles) == 2
    assert [t.find("cr:original_language_title", NS).get("language") for t in titles] == ["tr", "en"]
    assert titles[1].xpath("cr:subtitle/text()", namespaces=NS) == ["A subtitle"]
    assert_translations_kept(element, article)


def test_language_codes():
    assert [crossref.language_code(tag) for tag in ("tr", "en", "iw", "zh-Hant", "pt-BR", "fil", "xx-yy")] == [
        "tr", "en", "he", "zh", "pt", None, None,
    ]


def test_language_crossref_has_no_code_for_keeps_its_title():
    article = factories.rich_article(title=Multilingual((("tr", "Başlık"), ("fil", "Pamagat"))), subtitle=Multilingual())
    files = deposits([article])
    assert_valid(files)
    element = article_element(files, article.doi)
    (original,) = element.findall("cr:titles/cr:original_language_title", NS)
    assert original.text == "Pamagat" and original.get("language") is None
    assert ("languages", "Crossref has no ISO 639-1 code for 'fil': its texts go without a language attribute") in deposit_notices(
        article, factories.journal(), "crossref"
    )


def test_names_crossref_refuses_become_organizations():
    odd = Person(family="Smith 3 2", given="J.")
    article = factories.rich_article(authors=(odd, Person(family="x" * 61)))
    files = deposits([article])
    assert_valid(files)
    element = article_element(files, article.doi)
    assert [o.text for o in element.findall("cr:contributors/cr:organization", NS)] == ["J. Smith 3 2", "x" * 61]
    notices = deposit_notices(article, factories.journal(), "crossref")
    assert [field for field, _ in notices] == ["authors[0]", "authors[1]"]


def test_reference_with_nothing_to_match_is_left_out_and_noticed():
    article = factories.rich_article(references=(Reference(id="ref1", url="https://example.org/x"),))
    element = article_element(deposits([article]), article.doi)
    assert element.find("cr:citation_list", NS) is None
    assert ("references[0]", "no DOI, no structured fields and no text: left out of the citation list") in deposit_notices(
        article, factories.journal(), "crossref"
    )


def test_articles_without_doi_or_url_are_not_deposited_but_reported():
    journal = factories.journal()
    article = factories.minimal_article()
    assert crossref.render(article, journal).parts == {}
    assert deposits([article]) == {}
    fields = [field for field, _ in deposit_requirements(article, journal, "crossref")]
    assert fields == ["doi", "url"]
    assert deposit_requirements(factories.rich_article(), journal, "crossref") == []


def test_journal_requirements():
    journal = factories.journal(depositor=None, issn_print=None, issn_electronic=None)
    fields = [field for field, _ in deposit_requirements(factories.rich_article(), journal, "crossref")]
    assert fields == ["journal.depositor", "journal.issn"]
    assert crossref.render_journal(journal, entries_for([factories.rich_article()], journal)) == {}


def test_doi_outside_the_prefix_is_reported():
    article = factories.rich_article(doi="10.9999/elsewhere")
    problems = deposit_requirements(article, factories.journal(), "crossref")
    assert [field for field, _ in problems] == ["doi"]
    assert "10.5555" in problems[0][1]


def test_unknown_target_is_an_error():
    with pytest.raises(ValueError):
        deposit_requirements(factories.rich_article(), factories.journal(), "pubmed")


def test_rendering_twice_and_in_any_order_gives_the_same_bytes():
    articles = [factories.rich_article(), factories.elocation_article(), factories.rich_article(id="second", pages=None, doi="10.5555/second")]
    journal = factories.journal()
    entries = entries_for(articles, journal)
    first = crossref.render_journal(journal, entries)
    assert crossref.render_journal(journal, entries_for(articles, journal)) == first
    assert crossref.render_journal(journal, list(reversed(entries))) == first


def test_editing_one_article_moves_only_its_batch_timestamp_forward():
    journal = factories.journal()
    rich = factories.rich_article()
    other = factories.rich_article(id="other", doi="10.5555/other", pages=factories.Pages("30", "41"))
    special = factories.elocation_article()
    stamps = {rich.id: "2024-05-01T10:00:00Z", other.id: "2024-05-03T09:00:00Z", special.id: "2024-05-02T10:00:00Z"}
    before = deposits([rich, other, special], journal, stamps)

    edited = dataclasses.replace(rich, title=Multilingual((("tr", "Yeni başlık"), ("en", "New title"))))
    after = deposits([edited, other, special], journal, {**stamps, rich.id: "2024-06-01T08:30:00Z"})

    def timestamp(data):
        return int(etree.fromstring(data).findtext("cr:head/cr:timestamp", namespaces=NS))

    assert timestamp(before["tjh/crossref/12-1.xml"]) == 20240503090000  # the latest of the batch
    assert timestamp(after["tjh/crossref/12-1.xml"]) == 20240601083000
    assert after["tjh/crossref/12-Special.xml"] == before["tjh/crossref/12-Special.xml"]
    assert_valid(after)


def test_batch_id_follows_the_content():
    journal = factories.journal()
    rich = factories.rich_article()
    stamps = {rich.id: "2024-05-01T10:00:00Z"}
    before = deposits([rich], journal, stamps)["tjh/crossref/12-1.xml"]
    edited = dataclasses.replace(rich, url="https://journal.example.org/moved")
    after = deposits([edited], journal, stamps)["tjh/crossref/12-1.xml"]

    def batch_id(data):
        return etree.fromstring(data).findtext("cr:head/cr:doi_batch_id", namespaces=NS)

    assert batch_id(before) != batch_id(after)
    assert batch_id(before).startswith("tjh.12-1.20240501100000.")


def test_articles_are_in_page_order():
    journal = factories.journal()
    late = factories.rich_article(id="a-late", doi="10.5555/late", pages=factories.Pages("100", "120"))
    early = factories.rich_article(id="z-early", doi="10.5555/early", pages=factories.Pages("9", "20"))
    root = etree.fromstring(deposits([late, early], journal)["tjh/crossref/12-1.xml"])
    assert root.xpath("//cr:doi_data/cr:doi/text()", namespaces=NS) == ["10.5555/early", "10.5555/late"]


def test_batch_names_are_single_path_segments():
    assert crossref.batch_name(None) == "ahead-of-print"
    assert crossref.batch_name("12-3/4") == "12-3_4"
    assert crossref.batch_name("Cilt 3-Özel") == "Cilt_3-Özel"


def test_timestamp_digits():
    assert crossref.batch_timestamp(["2024-05-02T10:11:12Z", "2023-12-31T23:59:59Z"]) == "20240502101112"
    assert crossref.batch_timestamp(["2024-05-02"]) == "20240502000000"


def test_checker_reports_invalid_files_with_lines(tmp_path):
    data = deposits([factories.rich_article()])["tjh/crossref/12-1.xml"]
    broken = data.replace(b"<doi>10.5555/tjh.2024.12.1.5</doi>", b"<doi>not-a-doi</doi>")
    problems = validate_crossref(broken, "broken.xml")
    assert problems and problems[0].line == broken[: broken.index(b"not-a-doi")].count(b"\n") + 1
    assert "doi" in problems[0].message
    (tmp_path / "good.xml").write_bytes(data)
    (tmp_path / "bad.xml").write_bytes(b"<doi_batch")
    found = check_crossref_files([tmp_path / "good.xml", tmp_path / "bad.xml", tmp_path / "missing.xml"])
    assert [(p.path.rsplit("/", 1)[1], p.message.split(":")[0]) for p in found] == [
        ("bad.xml", "not well-formed XML"),
        ("missing.xml", "cannot read"),
    ]


def test_checker_wants_a_doi_batch_root():
    part = crossref.render(factories.rich_article(), factories.journal()).parts["crossref"]
    problems = validate_crossref(part, "part.xml")
    assert len(problems) == 1 and "expected doi_batch" in problems[0].message


@st.composite
def depositable_articles(draw):
    article = draw(strategies.articles())
    return dataclasses.replace(
        article,
        doi=article.doi or f"10.5555/gen.{article.id}",
        url=article.url or f"https://journal.example.org/a/{article.id}",
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(depositable_articles())
def test_generated_articles_give_valid_deposits_keeping_every_language(article):
    # One generated record per example (generating one is what costs), batched with a
    # factory article so that some deposits hold several articles.
    journal = factories.journal()
    neighbour = factories.rich_article(id="neighbour", doi="10.5555/neighbour")
    files = deposits([article, neighbour], journal)
    assert_valid(files)
    assert deposit_requirements(article, journal, "crossref") == []
    assert_translations_kept(article_element(files, article.doi), article)
    assert deposits([article, neighbour], journal) == files
