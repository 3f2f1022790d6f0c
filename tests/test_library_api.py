"""The library API a script or notebook uses: ``import pipeline`` and five functions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from lxml import etree

import pipeline
from pipeline import api
from pipeline.schema_bundle import bundle as schema_bundle

from .conftest import SEEDS

ARTICLE = SEEDS / "tjh" / "articles" / "anadolu-demiryollari.yaml"


def _record() -> dict:
    return yaml.safe_load(ARTICLE.read_text(encoding="utf-8"))


def test_import_pipeline_offers_the_facade_and_the_error_base():
    assert pipeline.load_corpus is api.load_corpus and pipeline.read_record is api.read_record
    assert pipeline.render_files is api.render_files and pipeline.PipelineError.__name__ == "PipelineError"


def test_load_corpus_and_validate_on_the_sample_seeds():
    corpus = api.load_corpus(SEEDS)
    names = sorted(p.stem for p in SEEDS.glob("*/articles/*.yaml"))
    assert sorted(a.id for a in corpus.articles) == names
    assert api.validate(SEEDS) == []


def test_read_record_reads_one_file_and_its_journal():
    record = _record()
    article, journal = api.read_record(ARTICLE)
    assert article.id == record["id"] == ARTICLE.stem
    assert journal.id == "tjh"
    assert article.doi == record["doi"].lower() or article.doi == record["doi"]


def test_read_record_outside_the_layout_with_an_explicit_journal(tmp_path):
    lone = tmp_path / "anywhere" / ARTICLE.name
    lone.parent.mkdir()
    shutil.copy(ARTICLE, lone)
    with pytest.raises(pipeline.PipelineError, match="journal.yaml"):
        api.read_record(lone)
    article, journal = api.read_record(lone, SEEDS / "tjh" / "journal.yaml")
    assert article.id == ARTICLE.stem and journal.id == "tjh"
    _, model = api.read_record(ARTICLE)
    article, journal = api.read_record(lone, model)
    assert journal is model


def test_invalid_record_raises_invalid_input_a_pipeline_error(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    broken = seeds / "tjh" / "articles" / ARTICLE.name
    broken.write_text(ARTICLE.read_text(encoding="utf-8").replace("type: research-article", "type: no-such-type"), encoding="utf-8")
    with pytest.raises(pipeline.PipelineError) as caught:
        api.read_record(broken)
    assert any(d.field == "type" for d in caught.value.diagnostics)
    with pytest.raises(pipeline.PipelineError):
        api.load_corpus(seeds)
    assert [d.field for d in api.validate(seeds)] == ["type"]


def test_render_gives_one_output_as_bytes():
    record = _record()
    article, journal = api.read_record(ARTICLE)
    jats = etree.fromstring(api.render(article, journal, "jats"))
    assert jats.findtext(".//article-meta/article-id[@pub-id-type='doi']") == record["doi"]
    crossref = etree.fromstring(api.render(article, journal, "crossref"))
    ns = {"c": "http://www.crossref.org/schema/5.3.1"}
    assert crossref.xpath("//c:journal_article/c:doi_data/c:doi/text()", namespaces=ns) == [record["doi"]]
    bib = api.render(article, journal, "bibtex").decode()
    assert bib.lstrip().startswith("@article{")
    with pytest.raises(pipeline.PipelineError, match="render_files"):
        api.render(article, journal, "citations")
    styles = {path.split("/")[2] for path in api.render_files(article, journal, "citations")}
    assert "apa" in styles
    with pytest.raises(pipeline.PipelineError, match="unknown format"):
        api.render(article, journal, "docx")


def test_publish_through_the_facade(tmp_path):
    report = api.publish(SEEDS, tmp_path / "out")
    assert report.articles == len(list(SEEDS.glob("*/articles/*.yaml")))
    assert (tmp_path / "out").is_dir()


def test_every_deliberate_error_is_a_pipeline_error():
    from pipeline.schema_bundle.bundle import BundleConflict, BundleNotFound
    from pipeline.execute import ExecutorUnavailable
    from pipeline.publishing import OutputInvalid
    from pipeline.located_yaml import YamlError
    from pipeline.store.oai_store import StoreUnavailable
    from pipeline.diagnostics import InvalidInput
    from pipeline.writers.citations import StyleError

    for error in (BundleConflict, BundleNotFound, ExecutorUnavailable, OutputInvalid, YamlError, StoreUnavailable, InvalidInput, StyleError):
        assert issubclass(error, pipeline.PipelineError), error


def test_a_different_bundle_after_the_first_raises(tmp_path, bundle):
    other = tmp_path / "other-bundle"
    other.mkdir()
    (other / "catalog.xml").write_text("<catalog xmlns='urn:oasis:names:tc:entity:xmlns:xml:catalog'/>")
    assert schema_bundle.activate(schema_bundle.SchemaBundle(Path(bundle.root), "again")) is schema_bundle.active()
    with pytest.raises(schema_bundle.BundleConflict, match="already in use"):
        schema_bundle.activate(schema_bundle.locate(other))
    with pytest.raises(pipeline.PipelineError):
        api.publish(SEEDS, tmp_path / "out", schemas=other)
    assert not (tmp_path / "out").exists()
