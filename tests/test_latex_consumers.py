"""Our combined .bib files through the real consumers: bibtex (plain and apalike) under
lualatex and pdflatex, biber + biblatex under lualatex; the typeset text is read back with
pdftotext. Each test compiles one document with many entries: LaTeX is slow."""

from __future__ import annotations

import dataclasses
import unicodedata

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import pytest

from pipeline.model import Collaboration, Multilingual, Person
from pipeline.writers import JournalEntry, biblatex, bibtex
from tests import factories, strategies
from tests.latex_tools import compile_biblatex, compile_bibtex

JOURNAL = factories.journal()

HOSTILE_TITLE = r"\input{/etc/passwd} {unbalanced } 50% @misc{x, #tag ~ $x_1^2$ a--b \def\x{y}"
TURKISH_TITLE = "Ağaç, ışık, İğne, öğretmen, üzüm, çiçek ve şeker"
SCRIPTS_TITLE = "Российская империя и العلاقات التركية 中国语言学"
# Issue 11.16: dashes and typographic quotes, written in TeX forms by the BibTeX writer.
PUNCTUATION_TITLE = "Türk-Sovyet İlişkileri (1919–1922) — “Milli” Rusya’sında ‘Sovyet’"


def _article(article_id: str, title: str, lang: str = "tr", **overrides):
    return factories.rich_article(
        id=article_id,
        title=Multilingual(((lang, title),)),
        subtitle=Multilingual(),
        language=lang,
        languages=(lang,),
        **overrides,
    )


def fixed_articles():
    return [
        factories.rich_article(),
        factories.elocation_article(),
        factories.minimal_article(),
        _article("hostile", HOSTILE_TITLE, "en",
                 authors=(Person(family="Hacker", given=r"\relax{"), Person(family="50% @misc", given="x}"))),
        _article("alfabe", TURKISH_TITLE,
                 authors=(Person(family="Çağlayan", given="Işıl"), Person(family="Öztürk", given="Ümit"),
                          Person(family="İnalcık", given="Halil"))),
        _article("names", "Names with particles and groups", "en", authors=(
            Person(family="van der Berg", given="Jan", suffix="Jr."),
            Person(family="de la Cruz", given="María José"),
            Person(family="Müller-Lüdenscheidt", given="Jean-Luc"),
            Person(family="Ğ"),
            Collaboration(name=Multilingual((("en", "DNA and RNA Consortium"),))),
            Collaboration(name=Multilingual((("en", "Smith & Jones Consortium"),))),
        )),
        _article("punctuation", PUNCTUATION_TITLE, authors=(Person(family="İnanç", given="İsmail"),)),
        _article("persian", "تاریخ روابط ایران و عثمانی", "fa", authors=(Person(family="محمدی", given="علی"),)),
        _article("thirty", "Thirty authors", "en",
                 authors=tuple(Person(family=f"Şahin{chr(65 + i % 26)}", given="Ayşe") for i in range(30))),
        _article("acronyms", "DNA and RNA in NATO: E = mc^2 and H2O in pH 7", "en"),
        _article("scripts", SCRIPTS_TITLE, "ru",
                 authors=(Person(family="Иванов", given="Мария"), Person(family="محمد"), Person(family="李", given="小龙"))),
    ]


def combined(writer, articles) -> bytes:
    entries = [JournalEntry(a.id, a.issue_key, "", writer.render(a, JOURNAL).parts) for a in articles]
    (data,) = writer.render_journal(JOURNAL, entries).values()
    return data


def _is_cjk(char: str) -> bool:
    return unicodedata.name(char, "").startswith(("CJK", "HIRAGANA", "KATAKANA", "HANGUL"))


def assert_only_cjk_glyphs_missing(run) -> None:
    # DejaVu has no CJK glyphs: LuaTeX notes them and typesets nothing (documented).
    for line in run.missing_glyphs():
        char = line.split("There is no ")[1][0]
        assert _is_cjk(char), line


def assert_turkish_and_literal_text(text: str, engine: str = "lualatex") -> None:
    hostile = HOSTILE_TITLE
    if engine == "lualatex":
        # LuaTeX ligates across the empty group that keeps a record's "--" apart for every
        # decoder and for pdfTeX (pipeline/writers/latex.py): it prints an en dash there.
        hostile = hostile.replace("a--b", "a\u2013b")
    for expected in (TURKISH_TITLE, "Çağlayan", "Öztürk", "İnalcık", "Şahin", "Osmanlı Arşivi Çalışma Grubu",
                     "Türk Tarihi Dergisi", "Mücadele", "İlişkileri", hostile, "Smith & Jones Consortium",
                     PUNCTUATION_TITLE, "DNA and RNA in NATO", "Российская империя"):
        assert expected in text, expected


MINIMAL_KEY = bibtex.citation_key(factories.minimal_article())


@pytest.mark.parametrize("style", ["plain", "apalike"])
def test_bibtex_styles_under_lualatex(style, tmp_path):
    articles = fixed_articles()
    run = compile_bibtex(combined(bibtex, articles), style, tmp_path)
    assert run.backend_errors() == []
    # The editorial has no author: both styles say so, and that is true.
    assert run.backend_warnings() == [f"Warning--empty author in {MINIMAL_KEY}"]
    assert run.latex_warnings() == []
    assert_only_cjk_glyphs_missing(run)
    for article in articles:
        assert f"{{{bibtex.citation_key(article)}}}" in run.bbl
    text = run.flat_text()
    assert_turkish_and_literal_text(text)
    if style == "plain":
        assert "Ayşe Gül Şahin, Jan van der Berg, Jr., Ílhan" in text
        assert "Işıl Çağlayan, Ümit Öztürk, and Halil İnalcık" in text
    else:
        assert "Şahin, A. G., van der Berg, Jr., J., Ílhan" in text
        assert "Çağlayan, I., Öztürk, Ü., and İnalcık, H." in text
        assert "Иванов, М., محمد" in text or "Иванов, М.," in text


def test_bibtex_under_classic_pdflatex(tmp_path):
    # The 8-bit engine has no Unicode fonts: only the LaTeX-encoded Latin entries go in.
    articles = [a for a in fixed_articles() if a.id not in ("scripts", "persian")]
    run = compile_bibtex(combined(bibtex, articles), "plain", tmp_path, engine="pdflatex")
    assert run.backend_errors() == []
    assert run.backend_warnings() == [f"Warning--empty author in {MINIMAL_KEY}"]
    assert run.latex_warnings() == []
    text = run.flat_text()
    for expected in (TURKISH_TITLE, "Işıl Çağlayan, Ümit Öztürk, and Halil İnalcık", "Osmanlı Arşivi Çalışma Grubu",
                     HOSTILE_TITLE, PUNCTUATION_TITLE, "İsmail İnanç", "Smith & Jones Consortium"):
        assert expected in text, expected


def test_biblatex_with_biber(tmp_path):
    articles = fixed_articles()
    run = compile_biblatex(combined(biblatex, articles), tmp_path, options="giveninits=true,uniquename=init,maxbibnames=99")
    assert run.backend_errors() == []
    # biber's data model check: an article needs an author; the editorial has none.
    assert run.backend_warnings() == [
        f"WARN - Datamodel: Entry '{MINIMAL_KEY}' (refs.bib): Missing mandatory field 'author'"
    ]
    assert [w for w in run.latex_warnings() if "Biber reported" not in w] == []
    assert_only_cjk_glyphs_missing(run)
    text = run.flat_text()
    assert_turkish_and_literal_text(text)
    assert "Şahin, A. G., J. van der Berg Jr., Ílhan" in text
    assert "Çağlayan, I., Ü. Öztürk, and H. İnalcık" in text
    assert "Иванов, М." in text
    # No invisible character in the collaboration's name (issue 11.15), and biber's initial
    # for it is its first letter: the .bbl compiled above.
    assert "{Smith {\\&} Jones Consortium}" in combined(biblatex, articles).decode()
    assert "familyi={S\\bibinitperiod}" in run.bbl


def _batch(articles):
    # Unique ids (the keys must differ) and at least one author (an authorless article's
    # "empty author" warning is tested above).
    return [
        dataclasses.replace(a, id=f"g{i}", authors=a.authors or (Person(family="Anon"),))
        for i, a in enumerate(articles)
    ]


def explained_bibtex_warnings(articles) -> set[str]:
    return {
        f"Warning--there's a number but no volume in {bibtex.citation_key(a)}"
        for a in articles if a.issue and not a.volume
    }


def explained_biber_warnings(articles) -> set[str]:
    # biblatex's data model declares volume an integer: a Roman-numeral volume ("XL") is
    # real, printed by every style, and only flagged when the model is validated.
    return {
        f"WARN - Datamodel: Entry '{bibtex.citation_key(a)}' (refs.bib): Invalid value of field 'volume'"
        " must be datatype 'integer' - ignoring field"
        for a in articles if a.volume and not a.volume.isdigit()
    }


# LaTeX is slow (and so is generating records): two generated batches of 6 records, each
# through three consumers.
@given(st.lists(strategies.articles(), min_size=6, max_size=6))
@settings(max_examples=2, deadline=None, phases=[Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large, HealthCheck.large_base_example])
def test_generated_records_compile_everywhere(tmp_path_factory, batch):
    articles = _batch(batch)
    workdir = tmp_path_factory.mktemp("generated")
    bib = combined(bibtex, articles)
    for style in ("plain", "apalike"):
        run = compile_bibtex(bib, style, workdir / style)
        assert run.backend_errors() == []
        assert set(run.backend_warnings()) <= explained_bibtex_warnings(articles)
        assert run.latex_warnings() == []
        for article in articles:
            assert f"{{{bibtex.citation_key(article)}}}" in run.bbl
        run.bbl.encode("utf-8")  # bibtex cut no UTF-8 sequence
    run = compile_biblatex(combined(biblatex, articles), workdir / "biblatex")
    assert run.backend_errors() == []
    assert set(run.backend_warnings()) <= explained_biber_warnings(articles)
    assert run.latex_warnings() == []
