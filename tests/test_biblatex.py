"""The BibLaTeX writer: UTF-8 letters, escaped specials, biblatex fields, and the round
trip through bibtexparser v2 and pybtex."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import HealthCheck, given, settings

from pipeline.model import Collaboration, Multilingual, Person
from pipeline.writers import JournalEntry, biblatex, bibtex
from tests import expected, factories, strategies
from tests.latex_tools import parse_with_bibtexparser, parse_with_pybtex
from tests.test_bibtex import raw_braces_balance

JOURNAL = factories.journal()


def expected_fields(article, journal) -> dict[str, str]:
    return {k: unicodedata.normalize("NFC", v) for k, v in expected.biblatex_fields(article, journal).items()}


def assert_round_trip(article, journal=JOURNAL) -> None:
    text = biblatex.entry(article, journal)
    assert raw_braces_balance(text)
    for parsed in (parse_with_bibtexparser(text), parse_with_pybtex(text)):
        (entry,) = parsed
        assert re.fullmatch(expected.citation_key_pattern(article), entry.key), entry.key
        assert entry.fields == expected_fields(article, journal)
        # The word joiners written for biber (see biblatex._encode_name) are not record text.
        names = {role: [tuple(part.replace("\u2060", "") for part in name) for name in people]
                 for role, people in entry.names.items()}
        assert names.get("author", []) == expected.bibtex_names(article.authors)
        assert names.get("editor", []) == expected.bibtex_names(article.editors)


def test_letters_stay_utf8_and_specials_are_escaped():
    assert biblatex._encode("şğıİöüç Иванов 中国") == "şğıİöüç Иванов 中国"
    assert biblatex._encode(r"\input{x} 50% $a_1$ # {") == (
        r"{\textbackslash}input\{x\} 50{\%} {\$}a{\_}1{\$} {\#} {\textbraceleft}"
    )
    # Dashes and quotes stay UTF-8 too (biber reads them); ligature neighbours are kept apart.
    assert biblatex._encode("(1919–1922) “x” a--b") == "(1919–1922) “x” a-{}-b"


def test_rich_article_fields():
    article = factories.rich_article()
    lines = biblatex.entry(article, JOURNAL).splitlines()
    assert lines[0] == f"@article{{{bibtex.citation_key(article)},"
    for line in (
        "  author = {Şahin, Ayşe Gül and van der Berg, Jr., Jan and {Ílhan} and {Osmanlı Arşivi Çalışma Grubu}},",
        "  editor = {Demir, Elif},",
        "  title = {Milli {Mücadele} {Döneminde} {Türk-Sovyet} {İlişkileri} {\\&} {<Ankara>}},",
        "  subtitle = {1920–1923},",
        "  journaltitle = {Türk Tarihi Dergisi},",
        "  shortjournal = {Türk Tar. Derg.},",
        "  date = {2024-03-28},",
        "  pages = {5--27},",
        "  doi = {10.5555/tjh.2024.12.1.5},",
        "  issn = {1300-0004},",
        "  langid = {turkish}",
    ):
        assert line in lines
    assert_round_trip(article)


def test_elocation_is_eid_and_partial_dates_stay_partial():
    lines = biblatex.entry(factories.elocation_article(), JOURNAL).splitlines()
    assert "  eid = {e2024001}," in lines and not any(l.startswith("  pages") for l in lines)
    assert "  date = {2024}," in biblatex.entry(factories.minimal_article(), JOURNAL).splitlines()
    assert_round_trip(factories.elocation_article())
    assert_round_trip(factories.minimal_article())


def test_name_tokens_starting_with_a_special_get_a_word_joiner_for_biber():
    people = (Person(family="#tag", given=r"\relax{"), Person(family="50% @misc", given="x}"))
    assert biblatex.entry(factories.rich_article(authors=people), JOURNAL).splitlines()[1] == (
        "  author = {\u2060{\\#}tag, \u2060{\\textbackslash}relax{\\textbraceleft} and 50{\\%} @misc, x{\\textbraceright}},"
    )
    assert_round_trip(factories.rich_article(authors=people))


def test_collaboration_names_are_brace_protected_without_invisible_characters():
    # Issue 11.15: "&" in a collaboration's name got a U+2060 that Zotero imported as part of
    # the name. Braced whole, biber takes the first letter as the initial (test_latex_consumers).
    article = factories.rich_article(authors=(
        Collaboration(name=Multilingual((("en", "Smith & Jones #1 Consortium"),))),
        Collaboration(name=Multilingual((("en", "&Co Group"),))),
    ))
    author = biblatex.entry(article, JOURNAL).splitlines()[1]
    assert author == "  author = {{Smith {\\&} Jones {\\#}1 Consortium} and {\u2060{\\&}Co Group}},"
    assert_round_trip(article)


def test_language_without_a_babel_name_has_no_langid():
    # Abkhaz: babel has no locale for "ab".
    article = factories.minimal_article(language="ab", languages=("ab",), title=Multilingual((("ab", "Аԥсуа"),)))
    assert "langid" not in biblatex.entry(article, JOURNAL)


def test_persian_langid_is_babels_persian():
    article = factories.minimal_article(language="fa", languages=("fa",), title=Multilingual((("fa", "تاریخ ایران"),)))
    assert "  langid = {persian}" in biblatex.entry(article, JOURNAL).splitlines()


def test_render_files_and_journal_file():
    articles = [factories.rich_article(), factories.minimal_article(), factories.elocation_article()]
    rendered = [biblatex.render(a, JOURNAL) for a in articles]
    assert set(rendered[0].files) == {"tjh/bibtex/tr-ru-relations.biblatex.bib"}
    entries = [JournalEntry(a.id, a.issue_key, "2024-01-01T00:00:00Z", r.parts) for a, r in zip(articles, rendered)]
    combined = biblatex.render_journal(JOURNAL, entries)["tjh/tjh.biblatex.bib"].decode("utf-8")
    keys = re.findall(r"^@article\{([^,]+),", combined, re.M)
    assert keys == sorted(bibtex.citation_key(a) for a in articles)
    # The same keys as the BibTeX file, so a document can switch files.
    bib_entries = [JournalEntry(a.id, None, "", bibtex.render(a, JOURNAL).parts) for a in articles]
    assert keys == re.findall(r"^@article\{([^,]+),", bibtex.render_journal(JOURNAL, bib_entries)["tjh/tjh.bib"].decode(), re.M)


@given(strategies.articles())
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_round_trip_generated(article):
    assert_round_trip(article)
