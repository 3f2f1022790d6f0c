"""The citeproc-py corrections (pipeline/writers/citeproc_compat.py): applied at style load
only, guarded by version, each checked against citeproc-js on the same item, style and locale,
and each upstream defect pinned so that the patch is dropped once citeproc-py is fixed."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from citeproc import model

from pipeline.model import Multilingual, Pages, Person
from pipeline.writers import citations, citeproc_compat

from . import factories
from .citeproc_js_oracle import format_with_citeproc_js

ROOT = Path(__file__).resolve().parents[1]
ISNAD = str(ROOT.parent / "shared" / "styles" / "isnad-metinici.csl")
STYLES = ("apa", "chicago-author-date", "modern-language-association", "ieee", "harvard-cite-them-right", ISNAD)
EN_DASH = "\u2013"


def test_patches_are_applied_when_a_style_is_loaded_not_on_import():
    script = (
        "from citeproc import model\n"
        "import pipeline.writers.citations as c\n"
        "before = model.FormatNumber._format_last_page.__module__\n"
        "c.load_style('apa', 'en-US')\n"
        "print(before, model.FormatNumber._format_last_page.__module__)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["citeproc.model", "pipeline.writers.citeproc_compat"]


def test_version_guard_matches_the_pin_in_pyproject():
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pin = next(d for d in dependencies if d.startswith("citeproc-py>") or d.startswith("citeproc-py="))
    low, high = re.fullmatch(r"citeproc-py>=([\d.]+),<([\d.]+)", pin).groups()
    assert citeproc_compat.SUPPORTED == (tuple(map(int, low.split("."))), tuple(map(int, high.split("."))))
    citeproc_compat.check_version((0, 11, 1))
    for unsupported in ((0, 10, 0), (0, 12, 0), (1, 0, 0)):
        with pytest.raises(citeproc_compat.UnsupportedCiteproc, match="not supported"):
            citeproc_compat.check_version(unsupported)


# --- upstream defects still there (each failing test means: remove that patch) ----------


def test_upstream_page_range_elision_bug_is_still_there():
    """citeproc-py elides "27" to "7" after "5" under minimal-two. When this fails, upstream
    fixed _format_last_page: delete citeproc_compat._format_last_page and its installation."""
    citations.load_style("modern-language-association", "en-US")
    root = citations.load_style("modern-language-association", "en-US").root
    original = citeproc_compat._ORIGINAL["format_last_page"]
    assert original(root, "5", "27") == "7"
    assert model.FormatNumber._format_last_page(root, "5", "27") == "27"


def test_upstream_ignores_initialize_false():
    """When this fails, citeproc-py honours initialize="false": delete citeproc_compat._initialize."""
    root = citations.load_style("chicago-author-date", "en-US").root
    name = root.xpath("//cs:name[@initialize='false']", namespaces={"cs": citations.CSL_NS})[0]
    context = root.bibliography.layout  # the macro's name, as the bibliography calls it
    assert citeproc_compat._ORIGINAL["initialize"](name, "Mehmet Ali", ". ", context) == "M. A."
    assert model.Name.initialize(name, "Mehmet Ali", ". ", context) == "Mehmet Ali"


# --- against citeproc-js -------------------------------------------------------------------


def _oracle(item, style, locale, tmp_path):
    path = citations.style_path(style)
    if citations.csl_style_id(style) in citations.RANGE_DELIMITER:
        # The style with our correction to it, exactly as citeproc-py formats with it.
        path = tmp_path / f"{citations.style_directory(style)}.csl"
        citations.load_style(style, locale).root.getroottree().write(str(path), encoding="utf-8", xml_declaration=True)
    return format_with_citeproc_js([item], path, locale)[0][0]


@pytest.mark.parametrize("locale", ("tr-TR", "en-US"))
@pytest.mark.parametrize("style", STYLES)
def test_rich_article_matches_citeproc_js(style, locale, tmp_path):
    article = factories.rich_article()
    item = citations.citation_item(article, factories.journal(citation_styles=(style,)), style)
    assert citations.format_item(item, style, locale, "text") == _oracle(item, style, locale, tmp_path)


def test_apa_page_range_is_an_en_dash_in_turkish(tmp_path):
    article = factories.rich_article(pages=Pages("1", "20"))
    item = citations.citation_item(article, factories.journal(), "apa")
    ours = citations.format_item(item, "apa", "tr-TR", "text")
    assert f", 1{EN_DASH}20. " in ours
    assert ours == _oracle(item, "apa", "tr-TR", tmp_path)


@pytest.mark.parametrize("style", ("chicago-author-date", "modern-language-association"))
def test_given_names_in_full_where_the_style_says_initialize_false(style, tmp_path):
    article = factories.rich_article(authors=(Person(family="Öztürk", given="Mehmet Ali"), Person(family="Kirk", given="James T")))
    item = citations.citation_item(article, factories.journal(), style)
    ours = citations.format_item(item, style, "en-US", "text")
    assert ours.startswith("Öztürk, Mehmet Ali, ")
    assert "James T. Kirk" in ours  # initials already in the name still get the mark
    assert ours == _oracle(item, style, "en-US", tmp_path)


@pytest.mark.parametrize("title", ("The Black Sea Region", "Why Wait?"))
@pytest.mark.parametrize("style", ("chicago-author-date", "modern-language-association", "ieee", "harvard-cite-them-right"))
def test_punctuation_inside_the_closing_quote_in_en_us(style, title, tmp_path):
    article = factories.rich_article(title=Multilingual((("tr", title),)), subtitle=Multilingual())
    item = citations.citation_item(article, factories.journal(), style)
    en = citations.format_item(item, style, "en-US", "text")
    tr = citations.format_item(item, style, "tr-TR", "text")  # tr-TR: punctuation-in-quote="false"
    assert "”." not in en and "”," not in en
    assert en == _oracle(item, style, "en-US", tmp_path)
    assert tr == _oracle(item, style, "tr-TR", tmp_path)


def test_upstream_joins_a_localized_date_with_the_callers_delimiter():
    """When this fails, citeproc-py joins a localized date with its own delimiter: delete
    citeproc_compat._render_single_date."""
    from citeproc.source import Date as CslDate

    root = citations.load_style("nlm-citation-sequence", "en-US").root
    localized = root.xpath("cs:locale[@xml:lang='en']/cs:date[@form='text']", namespaces={"cs": citations.CSL_NS})[0]
    caller = root.xpath("//cs:date[@variable='issued'][@form='text']", namespaces={"cs": citations.CSL_NS})[0]
    date = CslDate(year=2024, month=3, day=28)  # shown: year and day (a month term needs an entry)
    assert str(citeproc_compat._ORIGINAL["render_single_date"](localized, date, ["year", "day"], caller)) == "202428"
    assert str(model.Date.render_single_date(localized, date, ["year", "day"], caller)) == "2024 28"


@pytest.mark.parametrize("locale", ("tr-TR", "en-US"))
def test_vancouver_date_matches_citeproc_js(locale, tmp_path):
    item = citations.citation_item(factories.rich_article(), factories.journal(), "nlm-citation-sequence")
    ours = citations.format_item(item, "nlm-citation-sequence", locale, "text")
    assert (" 2024 Mar 28;" if locale == "en-US" else " 28 Mart 2024;") in ours
    theirs = _oracle(item, "nlm-citation-sequence", locale, tmp_path)
    # The one remaining difference is citeproc-py's "Jr." (citeproc-js strips the suffix's period).
    assert ours.replace(" Jr.,", " Jr,") == theirs


@pytest.mark.parametrize("style", ("apa", "chicago-author-date", "modern-language-association"))
def test_a_title_that_stands_in_for_the_author_is_not_repeated(style, tmp_path):
    article = factories.minimal_article()
    assert not article.authors and article.title.first() == "Editorial"
    item = citations.citation_item(article, factories.journal(), style)
    ours = citations.format_item(item, style, "en-US", "text")
    assert ours.count("Editorial") == 1
    assert ours == _oracle(item, style, "en-US", tmp_path)
