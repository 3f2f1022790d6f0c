"""The oai_dc writer, the jats payload and the sets of an article."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from lxml import etree

from pipeline.output_checks.oai import check_jats_payload, check_oai_dc, jats_dtd, without_jats_namespace
from pipeline.model import Multilingual
from pipeline.oai.formats import FORMATS, JATS, content_hash, formats_from_parts, jats_for_oai
from pipeline.oai.sets import article_sets, oai_identifier
from pipeline.writers import jats, oai_dc

from . import factories, strategies
from .oai_fixtures import small_jats

DC = "{http://purl.org/dc/elements/1.1/}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
JOURNAL = factories.journal()


def dc_values(article, journal=JOURNAL) -> list[tuple[str, str | None, str]]:
    record = oai_dc.render(article, journal).parts["oai_dc"]
    root = etree.fromstring(record)
    return [(element.tag.removeprefix(DC), element.get(XML_LANG), element.text) for element in root]


def test_rich_article_maps_every_field():
    values = dc_values(factories.rich_article())
    by_name: dict[str, list] = {}
    for name, lang, text in values:
        by_name.setdefault(name, []).append((lang, text))
    assert by_name["title"] == [
        ("tr", "Milli Mücadele Döneminde Türk-Sovyet İlişkileri & <Ankara>: 1920–1923"),
        ("en", "Turkish-Soviet Relations during the National Struggle: 1920–1923"),
    ]
    assert [text for _, text in by_name["creator"]] == [
        "Şahin, Ayşe Gül", "van der Berg, Jan, Jr.", "Ílhan", "Osmanlı Arşivi Çalışma Grubu"]
    assert by_name["contributor"] == [(None, "Demir, Elif")]
    assert ("tr", "Türk-Rus İlişkileri") in by_name["subject"] and ("en", "Soviets") in by_name["subject"]
    assert len(by_name["subject"]) == 8
    assert [lang for lang, _ in by_name["description"]] == ["tr", "en"]
    assert by_name["description"][1][1] == "Background: First World War.\n\nResults: Cooperation & conflict."
    assert by_name["publisher"] == [(None, "Örnek Üniversitesi Yayınları")]
    assert by_name["date"] == [(None, "2024-03-28")]
    assert [text for _, text in by_name["type"]] == [
        "Text", "info:eu-repo/semantics/article", "info:eu-repo/semantics/publishedVersion"]
    assert by_name["format"] == [(None, "text/html")]
    assert [text for _, text in by_name["identifier"]] == [
        "https://doi.org/10.5555/tjh.2024.12.1.5", "https://journal.example.org/tjh/article/tr-ru-relations"]
    assert by_name["source"] == [
        ("tr", "Türk Tarihi Dergisi; Cilt 12 Sayı 1 (2024); 5-27"), (None, "1300-0004"), (None, "2147-0006")]
    assert by_name["language"] == [(None, "tr")]
    assert by_name["rights"] == [(None, "https://creativecommons.org/licenses/by/4.0/")]
    assert [text for _, text in by_name["relation"]] == [
        "https://journal.example.org/tjh", "https://pubmed.ncbi.nlm.nih.gov/38000001/",
        "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC1000001/"]


def test_minimal_and_elocation_articles():
    minimal = dict((name, text) for name, _, text in dc_values(factories.minimal_article()))
    assert minimal["title"] == "Editorial" and minimal["date"] == "2024"
    assert "identifier" not in minimal and "rights" not in minimal and "format" not in minimal
    assert ("type", None, "info:eu-repo/semantics/contributionToPeriodical") in dc_values(factories.minimal_article())
    source = [text for name, _, text in dc_values(factories.elocation_article()) if name == "source"][0]
    assert source == "Türk Tarihi Dergisi; Cilt 12 Sayı Special (2024); e2024001"


def test_output_is_deterministic_and_valid():
    article = factories.rich_article()
    first = oai_dc.render(article, JOURNAL).parts["oai_dc"]
    assert first == oai_dc.render(article, JOURNAL).parts["oai_dc"]
    assert check_oai_dc(first) == []
    assert oai_dc.render(article, JOURNAL).files == {}


def test_validator_rejects_a_broken_record():
    record = etree.fromstring(oai_dc.render(factories.rich_article(), JOURNAL).parts["oai_dc"])
    etree.SubElement(record, f"{DC}colour").text = "blue"
    problems = check_oai_dc(etree.tostring(record))
    assert problems and "colour" in problems[0].message


# 50 examples: generating one article takes ~0.3 s, and the writer has few branches.
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(strategies.articles())
def test_generated_articles_give_valid_oai_dc(article):
    record = oai_dc.render(article, JOURNAL).parts["oai_dc"]
    assert check_oai_dc(record) == []
    titles = [(lang, text) for name, lang, text in dc_values(article) if name == "title"]
    assert [lang for lang, _ in titles] == list(article.title.languages)
    assert sum(1 for name, _, _ in dc_values(article) if name == "subject") == sum(
        len(group.terms) for group in article.keywords)


def test_jats_payload_is_namespaced_and_the_same_article_without_it():
    raw = small_jats(factories.rich_article(), JOURNAL)
    assert b"<!DOCTYPE" in raw
    payload = jats_for_oai(raw)
    assert b"<!DOCTYPE" not in payload
    root = etree.fromstring(payload)
    assert root.tag == f"{{{JATS.namespace}}}article"
    assert all(
        element.tag.startswith(f"{{{JATS.namespace}}}")
        for element in root.iter() if isinstance(element.tag, str))
    # xlink attributes and xml:lang keep their namespaces.
    assert root.find(f".//{{{JATS.namespace}}}self-uri").get("{http://www.w3.org/1999/xlink}href")
    assert root.get(XML_LANG) == "tr"
    assert check_jats_payload(payload) == []
    original = etree.fromstring(raw)
    assert etree.tostring(without_jats_namespace(payload), method="c14n") == etree.tostring(original, method="c14n")


def test_jats_writer_output_becomes_a_valid_payload():
    for article in (factories.rich_article(), factories.minimal_article(), factories.elocation_article()):
        raw = jats.render(article, JOURNAL).parts["jats"]
        payload = jats_for_oai(raw)
        assert check_jats_payload(payload) == []
        assert etree.tostring(without_jats_namespace(payload), method="c14n") == etree.tostring(
            etree.fromstring(raw), method="c14n")


def test_jats_payload_keeps_mathml_and_comments_and_is_checked_against_the_dtd():
    raw = small_jats(factories.rich_article(), JOURNAL)
    document = etree.fromstring(raw)
    title = document.find(".//article-title")
    math = etree.SubElement(title, "inline-formula")
    mml = etree.SubElement(math, "{http://www.w3.org/1998/Math/MathML}math")
    etree.SubElement(mml, "{http://www.w3.org/1998/Math/MathML}mi").text = "x"
    document.insert(0, etree.Comment(" produced for a test "))
    payload = jats_for_oai(etree.tostring(document))
    root = etree.fromstring(payload)
    assert root.find(f".//{{{JATS.namespace}}}inline-formula/{{http://www.w3.org/1998/Math/MathML}}math") is not None
    assert isinstance(root[0], etree._Comment)
    assert check_jats_payload(payload) == []
    # An element the DTD does not allow there is reported.
    front = root.find(f"{{{JATS.namespace}}}front")
    etree.SubElement(front, f"{{{JATS.namespace}}}not-jats")
    assert check_jats_payload(etree.tostring(root))
    assert jats_dtd().validate(without_jats_namespace(etree.tostring(root))) is False


def test_formats_from_parts_and_content_hash():
    article = factories.rich_article()
    parts = {"oai_dc": oai_dc.render(article, JOURNAL).parts["oai_dc"], "jats": small_jats(article, JOURNAL),
             "csl": b"{}"}
    formats = formats_from_parts(parts)
    assert sorted(formats) == sorted(FORMATS)
    assert formats["jats"] == jats_for_oai(parts["jats"])
    assert sorted(formats_from_parts({"oai_dc": parts["oai_dc"]})) == ["oai_dc"]
    digest = content_hash(("tjh", "tjh:12-1"), formats)
    assert digest == content_hash(("tjh:12-1", "tjh"), dict(reversed(list(formats.items()))))
    assert digest != content_hash(("tjh",), formats)
    assert digest != content_hash(("tjh", "tjh:12-1"), {**formats, "oai_dc": formats["oai_dc"] + b" "})


def test_sets_and_identifier_of_an_article():
    article = factories.rich_article()
    assert oai_identifier("journal.example.org", article) == "oai:journal.example.org:tjh/tr-ru-relations"
    assert article_sets(article, JOURNAL) == (
        ("tjh", "Türk Tarihi Dergisi"), ("tjh:12-1", "Türk Tarihi Dergisi, Cilt 12, Sayı 1"))
    assert article_sets(factories.minimal_article(), JOURNAL) == (("tjh", "Türk Tarihi Dergisi"),)
    odd = replace(article, volume="12", issue="3/4 (Özel)")
    assert article_sets(odd, JOURNAL)[1][0] == "tjh:12-3_4_(_zel)"
    volume_only = replace(article, issue=None, title=Multilingual((("tr", "x"),)))
    assert article_sets(volume_only, JOURNAL)[1] == ("tjh:12", "Türk Tarihi Dergisi, Cilt 12")


def test_source_and_set_names_speak_the_language_they_are_tagged_with():
    # Issue 11 item 18: a Turkish title tagged tr is followed by Turkish issue words; an
    # English-titled journal says "Vol."; a language without issue words is left untagged.
    english = replace(JOURNAL, title=Multilingual((("en", "Journal of History"), ("tr", "Tarih Dergisi"))))
    arabic = replace(JOURNAL, title=Multilingual((("ar", "مجلة التاريخ"),)))
    article = factories.rich_article()
    sources = {name: [(lang, text) for tag, lang, text in dc_values(article, journal) if tag == "source"][0]
               for name, journal in (("tr", JOURNAL), ("en", english), ("ar", arabic))}
    assert sources["tr"] == ("tr", "Türk Tarihi Dergisi; Cilt 12 Sayı 1 (2024); 5-27")
    assert sources["en"] == ("en", "Journal of History; Vol. 12 No. 1 (2024); 5-27")
    assert sources["ar"] == (None, "مجلة التاريخ; Vol. 12 No. 1 (2024); 5-27")
    assert article_sets(article, english)[1] == ("tjh:12-1", "Journal of History, Vol. 12, No. 1")
