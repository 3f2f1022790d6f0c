"""The RIS writer: tag structure, CRLF lines, UTF-8, and the round trip through rispy."""

from __future__ import annotations

import re

import rispy
from hypothesis import HealthCheck, given, settings

from pipeline.model import Abstract, AbstractSection, Collaboration, Person
from pipeline.writers import JournalEntry, ris
from tests import expected, factories, strategies

JOURNAL = factories.journal()
_TAG_LINE = re.compile(r"[A-Z][A-Z0-9]  - ")


def expected_name(contributor) -> str:
    if isinstance(contributor, Collaboration):
        return contributor.display_name
    parts = [contributor.family]
    if contributor.given or contributor.suffix:
        parts.append(contributor.given or "")
    if contributor.suffix:
        parts.append(contributor.suffix)
    return ", ".join(parts)


def expected_record(article, journal) -> dict:
    published = article.dates.published
    record = {
        "type_of_reference": "JOUR",
        "authors": [expected_name(a) for a in article.authors],
        "title": expected.main_title(article),
        "secondary_title": journal.title.first(),
        "alternate_title1": journal.abbrev_title,
        "issn": journal.issn_print,
        "year": str(published.year),
        "date": f"{published.year:04d}/{published.month or 0:02d}/{published.day or 0:02d}/".replace("/00", "/"),
        "language": article.language,
        "publisher": journal.publisher_name,
    }
    if not record["authors"]:
        del record["authors"]
    if expected.first_translated_title(article):
        record["translated_title"] = expected.first_translated_title(article)
    if article.volume:
        record["volume"] = article.volume
    if article.issue:
        record["number"] = article.issue
    if article.pages:
        record["start_page"] = article.pages.first
        if article.pages.last:
            record["end_page"] = article.pages.last
    elif article.elocation:
        record["start_page"] = article.elocation
    if article.doi:
        record["doi"] = article.doi
    if article.url:
        record["urls"] = [u.strip() for u in article.url.split(";")]  # rispy splits UR on ";"
    if expected.main_keywords(article):
        record["keywords"] = expected.main_keywords(article)
    if expected.main_abstract_one_paragraph(article):
        record["abstract"] = expected.main_abstract_one_paragraph(article)
    return record


def assert_round_trip(article, journal=JOURNAL) -> None:
    data = ris.render(article, journal).files[f"{journal.id}/ris/{article.id}.ris"]
    text = data.decode("utf-8")
    assert not text.startswith("\ufeff")
    lines = text.split("\r\n")
    assert lines[-1] == "" and lines[-2] == "ER  - "
    assert "\n" not in text.replace("\r\n", "")
    assert all(_TAG_LINE.match(line) for line in lines[:-1])
    (parsed,) = rispy.loads(text)
    assert parsed == expected_record(article, journal)


def test_rich_article_record():
    text = ris.render(factories.rich_article(), JOURNAL).files["tjh/ris/tr-ru-relations.ris"].decode("utf-8")
    lines = text.split("\r\n")
    assert lines[:6] == [
        "TY  - JOUR",
        "AU  - Şahin, Ayşe Gül",
        "AU  - van der Berg, Jan, Jr.",
        "AU  - Ílhan",
        "AU  - Osmanlı Arşivi Çalışma Grubu",
        "TI  - Milli Mücadele Döneminde Türk-Sovyet İlişkileri & <Ankara>: 1920–1923",
    ]
    for line in ("T2  - Türk Tarihi Dergisi", "SN  - 1300-0004", "VL  - 12", "IS  - 1", "SP  - 5", "EP  - 27",
                 "PY  - 2024", "DA  - 2024/03/28/", "DO  - 10.5555/tjh.2024.12.1.5", "LA  - tr",
                 "KW  - Milli Mücadele", "TT  - Turkish-Soviet Relations during the National Struggle: 1920–1923"):
        assert line in lines
    assert lines[-2:] == ["ER  - ", ""]
    assert_round_trip(factories.rich_article())


def test_elocation_minimal_and_partial_dates():
    assert_round_trip(factories.elocation_article())
    assert_round_trip(factories.minimal_article())
    assert "DA  - 2024///\r\n" in ris.record(factories.minimal_article(), JOURNAL)


def test_line_breaks_in_text_cannot_forge_tags():
    article = factories.rich_article(
        abstracts=(Abstract("tr", (AbstractSection(None, ("first\nER  - ", "TY  - JOUR\r\nAU  - Forged")),)),),
        authors=(Person(family="Doe\nER  - ", given="J"),),
    )
    text = ris.record(article, JOURNAL)
    assert text.count("ER  - ") == 3  # the real end tag and the two inside values
    assert [line for line in text.split("\r\n") if line.startswith("ER")] == ["ER  - "]
    (parsed,) = rispy.loads(text)
    assert parsed["authors"] == ["Doe ER  - , J"]
    assert parsed["abstract"] == "first ER  - TY  - JOUR AU  - Forged"


def test_journal_file_holds_every_record_in_article_order():
    articles = [factories.rich_article(), factories.minimal_article(), factories.elocation_article()]
    entries = [JournalEntry(a.id, a.issue_key, "", ris.render(a, JOURNAL).parts) for a in articles]
    data = ris.render_journal(JOURNAL, entries)["tjh/tjh.ris"]
    assert data == ris.render_journal(JOURNAL, list(reversed(entries)))["tjh/tjh.ris"]
    parsed = rispy.loads(data.decode("utf-8"))
    assert [p["title"] for p in parsed] == [
        expected.main_title(a) for a in sorted(articles, key=lambda a: a.id)
    ]


def test_rispy_file_reader_accepts_the_crlf_file(tmp_path):
    path = tmp_path / "a.ris"
    path.write_bytes(ris.render(factories.rich_article(), JOURNAL).parts["ris"])
    (parsed,) = rispy.load(path, encoding="utf-8")
    assert parsed == expected_record(factories.rich_article(), JOURNAL)


@given(strategies.articles())
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_round_trip_generated(article):
    assert_round_trip(article)
