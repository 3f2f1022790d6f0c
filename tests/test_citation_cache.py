"""The formatted-citation cache (pipeline/store/citation_cache.py + citations.entry_key):
it returns exactly what a fresh render gives, for generated records and every configured
style, and each field that feeds a citation gives a new key, while fields no style prints
(abstract, keywords, references) leave every key as it was."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.model import Abstract, AbstractSection, Dates, Keywords, Multilingual, PartialDate, Pages, Person
from pipeline.publishing import publish
from pipeline.store.citation_cache import CitationCache, default_cache
from pipeline.writers import citations

from . import factories, strategies

ROOT = Path(__file__).resolve().parents[1]
ISNAD = str(ROOT.parent / "shared" / "styles" / "isnad-metinici.csl")
# The sample journal's seven styles (seeds/tjh/journal.yaml), İSNAD from the shared copy.
STYLES = ("apa", "chicago-author-date", "modern-language-association", "ieee", "nlm-citation-sequence",
          "harvard-cite-them-right", ISNAD)


class RecordingCache(CitationCache):
    """The real store, counting what it was asked."""

    def __init__(self, path):
        super().__init__(path)
        self.hits = self.misses = 0

    def get(self, key):
        found = super().get(key)
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found


def _fresh(article, journal) -> dict[str, bytes]:
    """Every entry formatted from the whole CSL item, without the cache or the field filter."""
    files = {}
    for style in journal.citation_styles:
        item = citations.citation_item(article, journal, style)
        for locale in citations.locales_for(article, journal):
            base = f"{journal.id}/citations/{citations.style_directory(style)}/{locale}/{article.id}"
            files[f"{base}.txt"] = (citations.format_item(item, style, locale, "text") + "\n").encode()
            files[f"{base}.html"] = (citations.format_item(item, style, locale, "html") + "\n").encode()
    return files


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return RecordingCache(tmp_path_factory.mktemp("cache") / "citations.sqlite3")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                  HealthCheck.function_scoped_fixture])
@given(strategies.articles())
def test_cached_entries_equal_a_fresh_render(cache, article):
    journal = factories.journal(citation_styles=STYLES)
    fresh = _fresh(article, journal)
    first = citations.render(article, journal, cache=cache).files  # fills the cache
    hits = cache.hits
    second = citations.render(article, journal, cache=cache).files  # reads it back
    assert first == fresh and second == fresh
    assert cache.hits - hits == len(fresh) // 2  # every entry came from the cache


def _keys(article, journal) -> set[str]:
    keys = set()
    for style in journal.citation_styles:
        item = citations.cited_fields(citations._without_markers(citations.citation_item(article, journal, style)), style)
        for locale in citations.locales_for(article, journal):
            keys.add(citations.entry_key(item, style, locale))
    return keys


BASE = factories.rich_article()
EDITS_THAT_CHANGE_CITATIONS = {
    "authors": dict(authors=(Person(family="Kaya", given="Deniz"),)),
    "author given name": dict(authors=(dataclasses.replace(BASE.authors[0], given="Ayşe"),) + BASE.authors[1:]),
    "title": dict(title=Multilingual((("tr", "Başka Bir Başlık"), ("en", "Another Title")))),
    "subtitle": dict(subtitle=Multilingual((("tr", "Yeni"),))),
    "volume": dict(volume="13"),
    "issue": dict(issue="2"),
    "pages": dict(pages=Pages("6", "27")),
    "elocation": dict(pages=None, elocation="e7"),
    "published": dict(dates=dataclasses.replace(BASE.dates, published=PartialDate(2024, 4, 1))),
    "issue date": dict(dates=dataclasses.replace(BASE.dates, issue=PartialDate(2024, 4))),
    "doi": dict(doi="10.5555/tjh.2024.12.1.6"),
    "url": dict(url="https://journals.example.org/tjh/article/other"),
    "language": dict(language="en", languages=("en", "tr")),
}


@pytest.mark.parametrize("edit", sorted(EDITS_THAT_CHANGE_CITATIONS))
def test_each_field_that_feeds_a_citation_invalidates_it(edit, tmp_path):
    journal = factories.journal(citation_styles=STYLES)
    edited = dataclasses.replace(BASE, **EDITS_THAT_CHANGE_CITATIONS[edit])
    cache = CitationCache(tmp_path / "c.sqlite3")
    citations.render(BASE, journal, cache=cache)  # the cache holds the old record's entries
    assert _keys(edited, journal) != _keys(BASE, journal)
    assert citations.render(edited, journal, cache=cache).files == _fresh(edited, journal)


@pytest.mark.parametrize("change", ["journal title", "journal abbreviation"])
def test_journal_fields_invalidate(change, tmp_path):
    journal = factories.journal(citation_styles=STYLES)
    edited = (dataclasses.replace(journal, title=Multilingual((("tr", "Yeni Dergi"),))) if change == "journal title"
              else dataclasses.replace(journal, abbrev_title="Yeni Derg."))
    cache = CitationCache(tmp_path / "c.sqlite3")
    citations.render(BASE, journal, cache=cache)
    assert citations.render(BASE, edited, cache=cache).files == _fresh(BASE, edited)
    assert citations.render(BASE, edited, cache=cache).files != citations.render(BASE, journal, cache=cache).files


def test_abstract_keywords_and_references_leave_every_key():
    journal = factories.journal(citation_styles=STYLES)
    edited = dataclasses.replace(
        BASE,
        abstracts=(Abstract("tr", (AbstractSection(None, ("Tamamen yeni bir özet.",)),)),),
        keywords=(Keywords("tr", ("yeni", "anahtar")),),
        references=BASE.references[:1],
    )
    assert _keys(edited, journal) == _keys(BASE, journal)


def test_a_changed_style_file_changes_its_keys(tmp_path):
    import shutil

    style = tmp_path / "house.csl"
    shutil.copy(citations.style_path("apa"), style)
    journal = factories.journal(citation_styles=(str(style),))
    before = _keys(BASE, journal)
    style.write_text(style.read_text().replace("</style>", "<!-- edited --></style>"))
    citations.load_style.cache_clear()
    assert _keys(BASE, journal) != before


def test_a_broken_cache_is_no_cache(tmp_path):
    path = tmp_path / "not-a-database.sqlite3"
    path.write_bytes(b"this is not SQLite" * 100)
    journal = factories.journal(citation_styles=("apa",))
    assert citations.render(BASE, journal, cache=CitationCache(path)).files == _fresh(BASE, journal)


def test_publish_fills_the_cache_and_gives_the_same_files(tmp_path, monkeypatch):
    monkeypatch.setenv("PIPELINE_CITATION_CACHE", str(tmp_path / "cache.sqlite3"))
    assert default_cache().path == tmp_path / "cache.sqlite3"
    publish(ROOT / "seeds", tmp_path / "cold", db=tmp_path / "cold.sqlite3", jobs=1)
    filled = len(CitationCache(tmp_path / "cache.sqlite3"))
    assert filled > 0
    publish(ROOT / "seeds", tmp_path / "warm", db=tmp_path / "warm.sqlite3", jobs=1)
    assert len(CitationCache(tmp_path / "cache.sqlite3")) == filled  # nothing new was formatted
    monkeypatch.setenv("PIPELINE_CITATION_CACHE", "off")
    assert default_cache() is None
    publish(ROOT / "seeds", tmp_path / "none", db=tmp_path / "none.sqlite3", jobs=1)
    for tree in ("warm", "none"):
        cold = sorted(p.relative_to(tmp_path / "cold") for p in (tmp_path / "cold").rglob("*") if p.is_file() and "citations" in p.parts)
        assert cold and all((tmp_path / "cold" / p).read_bytes() == (tmp_path / tree / p).read_bytes() for p in cold)


def test_the_default_cache_is_the_per_user_cache_directory(tmp_path, monkeypatch):
    # Without PIPELINE_CITATION_CACHE, the file is in $XDG_CACHE_HOME/pipeline (Linux), and in
    # ~/.cache/pipeline when XDG_CACHE_HOME is unset or empty (the XDG base directory rule).
    monkeypatch.delenv("PIPELINE_CITATION_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache().path == tmp_path / "xdg" / "pipeline" / "citations.sqlite3"
    monkeypatch.setenv("XDG_CACHE_HOME", "")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache().path == tmp_path / "home" / ".cache" / "pipeline" / "citations.sqlite3"


def test_the_suite_never_uses_the_users_cache():
    # tests/conftest.py points both variables at the session's own directory before any import,
    # so every publish in the suite (in this process and in subprocesses) writes there.
    import os
    import tempfile

    from .conftest import SESSION_CACHE_HOME

    user_cache = Path(os.path.expanduser("~")) / ".cache"
    assert Path(tempfile.gettempdir()) in SESSION_CACHE_HOME.parents
    assert default_cache().path == SESSION_CACHE_HOME / "pipeline" / "citations.sqlite3"
    assert user_cache not in default_cache().path.parents
    from pipeline.schema_bundle.bundle import user_cache_dir

    assert user_cache_dir() == SESSION_CACHE_HOME / "pipeline" / "schemas"
