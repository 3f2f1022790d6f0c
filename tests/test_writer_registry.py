"""The writer registry: one entry per writer; validation goes by writer, never by path."""

from __future__ import annotations

import dataclasses

from . import factories
from pipeline import layout
from pipeline.output_checks import OutputProblem
from pipeline.rendering import render_record
from pipeline.writers import registry
from pipeline.writers.registry import NoValidator, Validator


def test_every_writer_says_how_it_is_validated():
    assert registry.WRITERS == ("jats", "csl", "citations", "bibtex", "biblatex", "ris", "oai_dc", "crossref", "doaj", "site")
    for spec in registry.REGISTRY:
        assert isinstance(spec.validator, (Validator, NoValidator)), spec.name
        if isinstance(spec.validator, NoValidator):
            assert spec.validator.reason
    validated = {spec.name for spec in registry.REGISTRY if isinstance(spec.validator, Validator)}
    assert validated == {"jats", "csl", "oai_dc", "crossref", "doaj"}


def test_layout_paths():
    assert layout.article_path("jats", "tjh", "a1") == "tjh/jats/a1.xml"
    assert layout.article_path("biblatex", "tjh", "a1") == "tjh/bibtex/a1.biblatex.bib"
    assert layout.journal_path("csl", "tjh") == "tjh/csl.json"
    assert layout.journal_path("ris", "tjh") == "tjh/tjh.ris"
    assert layout.issue_path("crossref", "tjh", "12-1") == "tjh/crossref/12-1.xml"
    assert layout.citation_path("tjh", "apa", "tr-TR", "a1", "txt") == "tjh/citations/apa/tr-TR/a1.txt"


def test_writers_write_where_the_layout_says_and_produce_their_parts():
    article, journal = factories.rich_article(), factories.journal()
    for spec in registry.REGISTRY:
        rendered = spec.render(article, journal)
        if spec.layout.article:
            assert set(rendered.files) == {layout.article_path(spec.name, journal.id, article.id)}, spec.name
        assert set(rendered.parts) <= set(spec.parts), spec.name
        assert (spec.render_journal is not None) == spec.has_journal_files


def reject(data: bytes, where: str) -> list[OutputProblem]:
    return [OutputProblem(where, 1, "rejected by the test validator")]


def test_validation_follows_the_writer_when_its_folder_is_renamed(monkeypatch):
    """A writer's files moved to another folder are still checked by its validator."""
    monkeypatch.setitem(layout.LAYOUTS, "jats", layout.Layout(article="{journal}/xml-elsewhere/{article}.jats"))
    spec = dataclasses.replace(registry.writer("jats"), validator=Validator("tests.test_writer_registry:reject"))
    monkeypatch.setitem(registry._BY_NAME, "jats", spec)
    article, journal = factories.rich_article(), factories.journal()
    result = render_record(article, journal, writers=("jats", "ris"))
    moved = f"{journal.id}/xml-elsewhere/{article.id}.jats"
    assert moved in result.files
    assert [p.path for p in result.problems] == [moved]


def test_the_site_finds_the_other_writers_files_through_the_layout(monkeypatch):
    """The site copies JATS beside the landing page from wherever the layout puts it: with
    JATS moved to another folder the download is still there, with the same bytes."""
    monkeypatch.setitem(layout.LAYOUTS, "jats", layout.Layout(article="{journal}/xml-elsewhere/{article}.jats"))
    article, journal = factories.rich_article(), factories.journal()
    result = render_record(article, journal, writers=("jats", "site"), validate=False)
    moved = f"{journal.id}/xml-elsewhere/{article.id}.jats"
    copy = f"site/{journal.id}/{article.id}/{article.id}.xml"
    assert result.files[copy] == result.files[moved]
    page = result.files[f"site/{journal.id}/{article.id}/index.html"].decode("utf-8")
    assert f'href="{article.id}.xml"' in page
