"""The BibTeX writer: encoding, names, keys, fields, files, and the round trip through
bibtexparser v2 and pybtex (LaTeX-decoded with pylatexenc)."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.model import Keywords, Multilingual, PartialDate, Pages, Person
from pipeline.writers import JournalEntry, bibtex
from tests import expected, factories, strategies
from tests.latex_tools import latex_decoder, parse_with_bibtexparser, parse_with_pybtex

JOURNAL = factories.journal()
REPO = Path(__file__).resolve().parents[1]


def raw_braces_balance(text: str) -> bool:
    """BibTeX's view: every brace counts, backslash or not."""
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def expected_fields(article, journal) -> dict[str, str]:
    """What each field holds for the record, as a decoder should read it back (the month is
    checked on its own: a macro or the month's name)."""
    return {k: unicodedata.normalize("NFC", v) for k, v in expected.bibtex_fields(article, journal).items()}


def assert_round_trip(article, journal=JOURNAL) -> None:
    text = bibtex.entry(article, journal)
    assert raw_braces_balance(text)
    fields = expected_fields(article, journal)
    for parsed in (parse_with_bibtexparser(text), parse_with_pybtex(text)):
        assert len(parsed) == 1
        entry = parsed[0]
        assert re.fullmatch(expected.citation_key_pattern(article), entry.key), entry.key
        month = entry.fields.pop("month", None)
        if article.dates.published.month:
            assert month in (expected.MONTH_MACROS[article.dates.published.month - 1],
                             ("January February March April May June July August September "
                              "October November December").split()[article.dates.published.month - 1])
        assert entry.fields == fields
        assert entry.names.get("author", []) == expected.bibtex_names(article.authors)


# --- LaTeX encoding -----------------------------------------------------------------------

def test_turkish_letters_become_braced_latex_commands_in_zoteros_spelling():
    # {\.I} and {\c s}, not {\.{I}} and {\c{s}}: Zotero reads only the first forms (issue 11.17).
    assert bibtex.latex_text("şğıİöüçŞĞÖÜÇ") == (
        r"{\c s}{\u g}{\i}{\.I}{\"o}{\"u}{\c c}{\c S}{\u G}{\"O}{\"U}{\c C}"
    )


def test_latin_letters_beyond_turkish():
    assert bibtex.latex_text("ǎḥåőąæøłßïíĭ") == (
        r"{\v a}{\d h}{\r a}{\H o}{\k a}{\ae}{\o}{\l }{\ss}{\"i}{\'i}{\u i}"
    )
    # No spelling that Zotero reads back (two accents, đ, œ: "{\oe}" imports as "øe"): UTF-8.
    assert bibtex.latex_text("ǖ đ œ Œ ǅ") == "ǖ đ œ Œ ǅ"
    decoder = latex_decoder()
    sample = "Łódź Ærøskøbing naïve café Dvořák Şişli Ağrı İğdır Ḥasan ǅ"
    assert unicodedata.normalize("NFC", decoder.latex_to_text(bibtex.latex_text(sample))) == sample


def test_scripts_without_latex_form_stay_utf8():
    for text in ("Российская империя", "العلاقات التركية", "中国语言学", "Ελληνικά"):
        assert bibtex.latex_text(text) == text


def test_every_latex_special_is_escaped():
    specials = "# $ % & ~ _ ^ \\ } { ` {paired}"
    encoded = bibtex.latex_text(specials)
    assert encoded == (
        r"{\#} {\$} {\%} {\&} {\textasciitilde} {\_} {\textasciicircum} {\textbackslash}"
        r" {\textbraceright} {\textbraceleft} {\textasciigrave} \{paired\}"
    )
    # Outside our own braced commands and escaped braces no special character is left.
    stripped = re.sub(r"\{\\(?:[#$%&_]|[a-zA-Z]+)\}|\\[{}]", "", encoded)
    assert not set(stripped) & set("#$%&~_^\\{}`")
    assert latex_decoder().latex_to_text(encoded) == specials


def test_hostile_text_cannot_run_latex():
    hostile = r"\input{/etc/passwd} {unbalanced } } 50% @misc{x, $\alpha$ \def\x{y}"
    encoded = bibtex.latex_text(hostile)
    assert raw_braces_balance(encoded)
    assert r"\input" not in encoded and r"\def" not in encoded and r"\alpha" not in encoded
    assert latex_decoder().latex_to_text(encoded) == hostile


def test_ligature_neighbours_are_kept_apart_so_every_consumer_reads_them_as_typed():
    encoded = bibtex.latex_text("a -- b --- c '' ,, << >> !! ?! !?")
    assert encoded == "a -{}- b -{}-{}- c '{}' ,{}, <{}< >{}> !{}! ?{}! !{}?"
    assert latex_decoder().latex_to_text(encoded) == "a -- b --- c '' ,, << >> !! ?! !?"


def test_dashes_and_typographic_quotes_are_written_in_tex_forms():
    # Issue 11.16: classic BibTeX with any input encoding prints these.
    assert bibtex.latex_text("(1919–1922) a — b") == "(1919--1922) a --- b"
    assert bibtex.latex_text("“Milli” ‘Mücadele’ Rusya’sında") == (
        r"``Milli'' {\textquoteleft}M{\"u}cadele{\textquoteright} Rusya{\textquoteright}s{\i}nda"
    )
    # A dash next to an ASCII hyphen or two quotes side by side must not merge into another glyph.
    assert bibtex.latex_text("–-") == "--{}-"
    assert bibtex.latex_text("”'") == "''{}'"
    assert bibtex.latex_text("!“") == "!{}``"
    decoder = latex_decoder()
    for text in ("(1919–1922) a — b", "“Milli” ‘Mücadele’ Rusya’sında", "–-", "-—", "”'"):
        assert unicodedata.normalize("NFC", decoder.latex_to_text(bibtex.latex_text(text))) == text


def test_a_long_text_is_spelled_whole_with_or_without_neighbours_that_join():
    # Text without braces or joining neighbours takes latex_text's translate path, text with
    # them the loop: both spell every character the same.
    plain = "Osmanlı’da “Şark” & 50% — çağ_1 ~ #2 ^ Ærø Łódź"
    assert bibtex.latex_text(plain) == (
        r"Osmanl{\i}{\textquoteright}da ``{\c S}ark'' {\&} 50{\%} --- {\c c}a{\u g}{\_}1 {\textasciitilde} {\#}2 "
        r"{\textasciicircum} {\AE}r{\o} {\L }{\'o}d{\'z}")
    assert bibtex.latex_text(plain + " --") == bibtex.latex_text(plain) + " -{}-"
    assert bibtex.latex_text(plain + " {x}") == bibtex.latex_text(plain) + r" \{x\}"
    assert bibtex.latex_text(plain, ascii_letters=False) == "Osmanlı’da “Şark” {\\&} 50{\\%} — çağ{\\_}1 {\\textasciitilde} {\\#}2 {\\textasciicircum} Ærø Łódź"


@given(st.text(alphabet=st.sampled_from(list("aZ0 -'`,<>!?{}#$%&_\\~^.\t\"–—“”‘’ığşİĞÇéøßłþŋǖđœМ中ع\u0301")), max_size=12),
       st.booleans(), st.booleans(), st.booleans())
@settings(max_examples=500, deadline=None)
def test_latex_text_spells_as_the_character_loop_does(text, ascii_letters, brace_name_initials, first_initial_only):
    from pipeline.writers import latex

    assert latex.latex_text(text, ascii_letters=ascii_letters, brace_name_initials=brace_name_initials,
                            first_initial_only=first_initial_only) == latex._latex_text_by_character(
        text, ascii_letters, brace_name_initials, first_initial_only)


def test_non_latin_name_initials_are_bibtex_special_characters():
    assert bibtex.latex_text("Мария Ан-На", brace_name_initials=True) == r"{\relax М}ария {\relax А}н-{\relax Н}а"
    # Latin letters already are special characters through their command.
    assert bibtex.latex_text("Çağrı", brace_name_initials=True) == r"{\c C}a{\u g}r{\i}"
    # A Latin letter that stays UTF-8 (two accents) is guarded like Cyrillic.
    assert bibtex.latex_text("Ǖmit", brace_name_initials=True) == r"{\relax Ǖ}mit"


# --- titles -------------------------------------------------------------------------------

@pytest.mark.parametrize("title, expected", [
    ("DNA repair in Ankara", "{DNA} repair in {Ankara}"),
    ("The iPhone and McDonald's", "The {iPhone} and {McDonald's}"),
    ("Milli Mücadele", r"Milli {M{\"u}cadele}"),
    ("İstanbul tarihi", r"{\.I}stanbul tarihi"),
    # A word starting with an escaped brace is double-braced: "{\{" would be a BibTeX special
    # character, whose letters change.case$ lowercases.
    ("{DNA} test", r"{{\{DNA\}}} test"),
    ("pH of NaCl: a study", "{pH} of {NaCl:} a study"),
    ("E = mc^2", r"E = mc{\textasciicircum}2"),
])
def test_title_capitals_are_protected(title, expected):
    assert bibtex.protected_title(title, bibtex.latex_text) == expected


def test_subtitle_is_joined_to_the_title():
    article = factories.rich_article()
    assert bibtex.title_with_subtitle(article) == "Milli Mücadele Döneminde Türk-Sovyet İlişkileri & <Ankara>: 1920–1923"
    question = factories.rich_article(title=Multilingual((("tr", "Neden?"),)))
    assert bibtex.title_with_subtitle(question) == "Neden? 1920–1923"


# --- names --------------------------------------------------------------------------------

def test_authors_family_given_with_particles_suffix_and_collaboration():
    entry = bibtex.entry(factories.rich_article(), JOURNAL)
    author = re.search(r"^  author = \{(.*)\},$", entry, re.M).group(1)
    assert author == (
        r"{\c S}ahin, Ay{\c s}e G{\"u}l and van der Berg, Jr., Jan and {{\'I}lhan}"
        r" and {Osmanl{\i} Ar{\c s}ivi {\c C}al{\i}{\c s}ma Grubu}"
    )


def test_name_parts_that_look_like_structure_are_braced():
    people = (
        Person(family="Smith, Jones", given="A"),
        Person(family="Fish and Chips", given="B"),
        Person(family="others"),
        Person(family="Ng", suffix="Jr."),
    )
    names = bibtex.name_list(people, bibtex.latex_text)
    assert names == "{Smith, Jones}, A and {Fish and Chips}, B and {others} and {Ng Jr.}"
    assert_round_trip(factories.rich_article(authors=people))


# --- citation keys ------------------------------------------------------------------------

def test_key_is_ascii_family_year_significant_word_and_suffix():
    key = bibtex.citation_key(factories.rich_article())
    assert re.fullmatch(r"sahin2024milli-[a-z2-7]{4}", key)
    english = factories.rich_article(title=Multilingual((("en", "The Ottoman archives"),)), language="en")
    assert bibtex.citation_key(english).startswith("sahin2024ottoman-")
    turkish = factories.rich_article(title=Multilingual((("tr", "Bir ve İki Üzerine"),)))
    assert bibtex.citation_key(turkish).startswith("sahin2024iki-")
    cyrillic = factories.rich_article(
        authors=(Person(family="Иванов", given="Мария"),),
        title=Multilingual((("ru", "О Российской империи"),)),
        language="ru",
        languages=("ru",),
    )
    assert bibtex.citation_key(cyrillic).startswith("ivanov2024rossiyskoy-")
    collab = factories.rich_article(authors=factories.rich_article().authors[3:])
    assert bibtex.citation_key(collab).startswith("osmanliarsivicalisma2024milli-")
    assert bibtex.citation_key(factories.minimal_article()).startswith("anon2024editorial-")


def test_keys_differ_for_articles_that_share_author_year_and_title_word():
    first = factories.rich_article(id="a")
    second = factories.rich_article(id="b")
    other_journal = factories.rich_article(id="a", journal_id="other")
    keys = {bibtex.citation_key(a) for a in (first, second, other_journal)}
    assert len(keys) == 3
    assert all(k.startswith("sahin2024milli-") for k in keys)


def test_key_is_stable_across_processes():
    code = (
        "from tests import factories; from pipeline.writers import bibtex;"
        "print(bibtex.citation_key(factories.rich_article()))"
    )
    keys = set()
    for seed in ("1", "2"):
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        keys.add(result.stdout.strip())
    assert keys == {bibtex.citation_key(factories.rich_article())}


# --- fields and files ---------------------------------------------------------------------

def test_rich_article_fields():
    entry = bibtex.entry(factories.rich_article(), JOURNAL)
    assert entry.startswith("@article{sahin2024milli-")
    for line in (
        r"  journal = {T{\"u}rk Tarihi Dergisi},",
        "  year = {2024},",
        "  month = mar,",
        "  volume = {12},",
        "  number = {1},",
        "  pages = {5--27},",
        "  doi = {10.5555/tjh.2024.12.1.5},",
        "  issn = {1300-0004},",
        "  url = {https://journal.example.org/tjh/article/tr-ru-relations},",
        "  language = {turkish}",
    ):
        assert line in entry.splitlines()
    assert_round_trip(factories.rich_article())


def test_elocation_goes_to_pages_and_authorless_entry_gets_a_sort_key():
    entry = bibtex.entry(factories.elocation_article(), JOURNAL)
    assert "  pages = {e2024001}," in entry.splitlines()
    minimal = bibtex.entry(factories.minimal_article(), JOURNAL)
    assert "author" not in minimal and "  key = {Editorial}," in minimal.splitlines()
    assert_round_trip(factories.elocation_article())
    assert_round_trip(factories.minimal_article())


def test_verbatim_fields_cannot_break_the_entry():
    article = factories.rich_article(doi="10.1002/(SICI)x_{1}%", url="https://e.org/a b?q={x}\\")
    entry = bibtex.entry(article, JOURNAL)
    assert "  doi = {10.1002/(SICI)x_%7B1%7D%}," in entry.splitlines()
    assert "  url = {https://e.org/a%20b?q=%7Bx%7D%5C}," in entry.splitlines()
    assert raw_braces_balance(entry)


def test_render_files_and_parts():
    article = factories.rich_article()
    rendered = bibtex.render(article, JOURNAL)
    assert set(rendered.files) == {"tjh/bibtex/tr-ru-relations.bib"}
    assert rendered.parts["bibtex"] == rendered.files["tjh/bibtex/tr-ru-relations.bib"]
    assert rendered.parts["bibtex"] == bibtex.render(article, JOURNAL).parts["bibtex"]
    rendered.parts["bibtex"].decode("utf-8")


def _journal_entries(articles):
    return [
        JournalEntry(a.id, a.issue_key, "2024-01-01T00:00:00Z", bibtex.render(a, JOURNAL).parts)
        for a in articles
    ]


def test_journal_file_is_sorted_by_key_and_rejects_a_repeated_key():
    articles = [factories.rich_article(), factories.minimal_article(), factories.elocation_article()]
    files = bibtex.render_journal(JOURNAL, _journal_entries(articles))
    combined = files["tjh/tjh.bib"].decode("utf-8")
    keys = re.findall(r"^@article\{([^,]+),", combined, re.M)
    assert keys == sorted(bibtex.citation_key(a) for a in articles)
    assert files == bibtex.render_journal(JOURNAL, _journal_entries(reversed(articles)))
    assert len(parse_with_bibtexparser(combined)) == 3
    with pytest.raises(ValueError, match="used by two articles"):
        bibtex.render_journal(JOURNAL, _journal_entries([articles[0], articles[0]]))


# --- round trip over generated records ----------------------------------------------------

def test_round_trip_extremes():
    thirty = tuple(Person(family=f"Çelik{i}", given="Ayşe") for i in range(30))
    assert_round_trip(factories.rich_article(authors=thirty))
    assert_round_trip(factories.rich_article(authors=(Person(family="Ğ"),)))
    assert_round_trip(factories.rich_article(
        authors=(Person(family="de la Cruz", given="Jean-Luc"), Person(family="Müller-Lüdenscheidt", given="J. A.")),
        title=Multilingual((("tr", r"DNA ve RNA: \input{/etc/passwd} {unbalanced 50% $x_1^2$ @misc"),)),
        pages=Pages("e1"),
        dates=dataclasses.replace(factories.rich_article().dates, published=PartialDate(2024)),
    ))


@given(strategies.articles())
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_round_trip_generated(article):
    key = bibtex.citation_key(article)
    assert re.fullmatch(r"[a-z0-9]+-[a-z2-7]{4}", key)
    assert str(article.dates.published.year) in key
    assert_round_trip(article)


def test_keywords_keep_letters_in_utf8_and_escape_specials():
    # Better BibTeX reads keywords verbatim, so letters stay UTF-8 there; LaTeX's specials are
    # still escaped in case a style prints the field.
    article = factories.rich_article(keywords=(Keywords("tr", ("Milli Mücadele", "R&D, 50%", "İlişkiler")),))
    assert "  keywords = {Milli Mücadele, {R{\\&}D, 50{\\%}}, İlişkiler}," in bibtex.entry(article, JOURNAL).splitlines()
    assert_round_trip(article)


def test_every_babel_language_gets_its_name():
    # Issue 11.15: languages babel has a locale for, missing from the table before.
    for tag, name in (("fa", "persian"), ("ko", "korean"), ("ka", "georgian"), ("id", "indonesian"),
                      ("sr-Cyrl", "serbian-cyrillic"), ("fr-CA", "french")):
        assert bibtex.babel_language(tag) == name, tag
