"""Issue 14: per-writer fingerprints. A change to one writer's code re-renders only that
writer's outputs; shared code re-renders everything."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path

import pytest

from pipeline import fingerprint
from pipeline import publishing as publish_module
from pipeline.publishing import publish
from pipeline.rendering import WRITERS, writer_modules
from pipeline.store.manifest import Manifest

from .test_publish import T0, T1, published_files, seeds  # noqa: F401 (fixture)

PACKAGE = Path(fingerprint.__file__).resolve().parent


@pytest.fixture()
def package_copy(tmp_path, monkeypatch):
    """The fingerprint module pointed at a private copy of the package, which tests edit."""
    copy = tmp_path / "pkg" / "pipeline"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(fingerprint, "PACKAGE_DIR", copy)
    for cached in (fingerprint._imports, fingerprint.closure, fingerprint._source_digest, fingerprint._package_data_digest):
        cached.cache_clear()
    yield copy
    for cached in (fingerprint._imports, fingerprint.closure, fingerprint._source_digest, fingerprint._package_data_digest):
        cached.cache_clear()


def _changed_after(copy: Path, relative: str) -> set[str]:
    before = fingerprint.writer_fingerprints(WRITERS)
    path = copy / relative
    path.write_text(path.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    fingerprint._source_digest.cache_clear()
    fingerprint._package_data_digest.cache_clear()
    after = fingerprint.writer_fingerprints(WRITERS)
    return {name for name in WRITERS if before[name] != after[name]}


def test_editing_a_writer_changes_only_its_fingerprint_and_its_importers(package_copy):
    alone = 0
    for name in WRITERS:
        importers = {other for other in WRITERS if f"pipeline.writers.{name}" in fingerprint.closure(f"pipeline.writers.{other}")}
        assert name in importers
        source = f"writers/{name}/__init__.py" if (package_copy / "writers" / name).is_dir() else f"writers/{name}.py"
        assert _changed_after(package_copy, source) == importers
        alone += importers == {name}
    assert alone >= 3  # most writers stand alone
    # the site serves copies of the JATS, BibTeX, RIS, CSL files: it changes with their writers
    assert "pipeline.writers.jats" in fingerprint.closure("pipeline.writers.site")


def test_editing_a_site_template_or_catalog_changes_only_the_site_fingerprint(package_copy):
    assert _changed_after(package_copy, "writers/site/templates/article.html") == {"site"}
    assert _changed_after(package_copy, "writers/site/locale/tr/LC_MESSAGES/site.po") == {"site"}


def test_editing_a_module_a_writer_imports_changes_every_importer(package_copy):
    # biblatex and RIS build on the BibTeX writer's helpers
    importers = {name for name in WRITERS if "pipeline.writers.bibtex" in fingerprint.closure(f"pipeline.writers.{name}")}
    assert {"bibtex", "biblatex"} <= importers
    assert _changed_after(package_copy, "writers/bibtex.py") == importers


def test_editing_shared_code_changes_every_fingerprint(package_copy):
    assert _changed_after(package_copy, "model.py") == set(WRITERS)
    assert _changed_after(package_copy, "located_yaml.py") == set(WRITERS)
    # a validator the routing table names only as a string is shared code too
    assert _changed_after(package_copy, "output_checks/jats.py") == set(WRITERS)


def test_editing_the_command_line_changes_no_fingerprint(package_copy):
    assert _changed_after(package_copy, "cli.py") == set()


def test_editing_the_library_api_changes_no_fingerprint(package_copy):
    # pipeline.api renders nothing itself; pipeline/__init__ reaches it lazily from everywhere
    assert _changed_after(package_copy, "api.py") == set()


def test_a_library_version_is_part_of_the_fingerprints_of_the_writers_using_it(monkeypatch):
    before = fingerprint.writer_fingerprints(WRITERS)
    real = fingerprint.library_version
    monkeypatch.setattr(fingerprint, "library_version", lambda dist: "99" if dist == "citeproc-py" else real(dist))
    after = fingerprint.writer_fingerprints(WRITERS)
    # the site writer serves the formatted citations on its pages (and renders them when alone)
    assert {name for name in WRITERS if before[name] != after[name]} == {"citations", "site"}


def test_installed_versions_agree_with_importlib_metadata():
    import importlib.metadata

    for dist in ("lxml", "PyYAML", "citeproc-py", "langcodes"):
        assert fingerprint.library_version(dist) == importlib.metadata.version(dist)


def test_every_library_the_pipeline_imports_has_its_version_in_the_fingerprints():
    """A third-party module whose distribution has another name (stdnum is python-stdnum)
    must be mapped, or its version is "-" and an upgrade of it re-renders nothing."""
    import importlib.metadata

    modules = set(fingerprint.closure(fingerprint.COMMON_ROOT))
    for name in WRITERS:
        modules |= fingerprint.closure(f"pipeline.writers.{name}")
    tops = sorted(set().union(*(fingerprint._imports(m)[1] for m in modules)))
    assert "lxml" in tops and "stdnum" in tops
    for top in tops:
        for dist in fingerprint.DISTRIBUTIONS.get(top, (top,)):
            assert fingerprint.library_version(dist) == importlib.metadata.version(dist), (top, dist)


# --- publishing ----------------------------------------------------------------------------


def _count_calls(monkeypatch) -> Counter:
    calls: Counter = Counter()
    for module in writer_modules(WRITERS):
        for function in ("render", "render_journal"):
            if hasattr(module, function):
                original = getattr(module, function)

                def counted(*args, _original=original, _key=(module.NAME, function), **kwargs):
                    calls[_key] += 1
                    return _original(*args, **kwargs)

                monkeypatch.setattr(module, function, counted)
    return calls


def _upgrade(monkeypatch, *names: str) -> None:
    """What a code change to these writers does to the fingerprints."""
    real = publish_module.writer_fingerprints

    def upgraded(writers):
        return {name: value + ("-upgraded" if name in names else "") for name, value in real(writers).items()}

    monkeypatch.setattr(publish_module, "writer_fingerprints", upgraded)


def _inodes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_ino for p in root.rglob("*") if p.is_file()}


def test_an_upgraded_writer_re_renders_only_its_outputs(seeds, tmp_path, monkeypatch):  # noqa: F811
    out = tmp_path / "out"
    publish(seeds, out, jobs=1, now=T0)
    before_files, before_inodes = published_files(out), _inodes(out)
    calls = _count_calls(monkeypatch)
    _upgrade(monkeypatch, "bibtex")
    # the new BibTeX writer writes something else, so its files must change on disk
    from pipeline.writers import bibtex

    original_render = bibtex.render

    def new_render(article, journal):
        rendered = original_render(article, journal)
        return type(rendered)({k: v + b"% v2\n" for k, v in rendered.files.items()},
                              {k: v + b"% v2\n" for k, v in rendered.parts.items()})

    monkeypatch.setattr(bibtex, "render", new_render)
    report = publish(seeds, out, jobs=1, now=T1)
    articles = report.articles
    assert articles == 3 and report.changed
    # the site serves a copy of each .bib beside its landing page: it re-renders with BibTeX,
    # and renders (without writing) the other files it copies, which did not run this time
    copied = ("jats", "csl", "citations", "biblatex", "ris")
    assert calls == Counter({("bibtex", "render"): articles, ("bibtex", "render_journal"): 1,
                             ("site", "render"): articles, ("site", "render_journal"): 1}
                            | {(name, "render"): articles for name in copied})
    after_files, after_inodes = published_files(out), _inodes(out)
    changed = {k for k in before_files if before_files[k] != after_files.get(k)}
    assert changed and all(k.endswith(".bib") and not k.endswith(".biblatex.bib") for k in changed)
    assert set(after_files) == set(before_files)
    untouched = [k for k in after_files if not k.endswith(".bib") or k.endswith(".biblatex.bib")]
    assert untouched and all(after_inodes[k] == before_inodes[k] for k in untouched)  # not even rewritten
    # per-article .bib files now end with the marker; the journal file is rebuilt from them
    journal_bib = (out / "tjh" / "tjh.bib").read_bytes()
    assert journal_bib.count(b"% v2") == articles
    manifest = Manifest.load(out)
    assert manifest.writers["bibtex"].endswith("-upgraded")
    assert sum(len(manifest.records[key].files["bibtex"]) for key in manifest.records) == articles
    manifest.close()

    # the incremental result is what a cold publish with the new writer gives
    cold = tmp_path / "cold"
    cold.mkdir()
    shutil.copy2(out / "oai.sqlite3", cold / "oai.sqlite3")  # same datestamps
    publish(seeds, cold, jobs=1, now=T1, full=True)
    assert published_files(cold) == after_files

    # and nothing to do afterwards
    calls.clear()
    again = publish(seeds, out, jobs=1, now=T1)
    assert not again.changed and not calls


def test_the_store_writers_re_render_together(seeds, tmp_path, monkeypatch):  # noqa: F811
    out = tmp_path / "out"
    publish(seeds, out, jobs=1, now=T0)
    store = out / "oai.sqlite3"
    calls = _count_calls(monkeypatch)
    _upgrade(monkeypatch, "jats")
    report = publish(seeds, out, jobs=1, now=T1)
    # the OAI-PMH record is made of the JATS and oai_dc parts: both run; and the site, which
    # serves a copy of the JATS (rendering, without writing, the other files it copies)
    copied = ("csl", "citations", "bibtex", "biblatex", "ris")
    assert calls == Counter({("jats", "render"): report.articles, ("oai_dc", "render"): report.articles,
                             ("site", "render"): report.articles, ("site", "render_journal"): 1}
                            | {(name, "render"): report.articles for name in copied})
    assert store.is_file()


def test_a_writer_left_out_of_the_list_is_a_full_run(seeds, tmp_path):  # noqa: F811
    out = tmp_path / "out"
    publish(seeds, out, jobs=1, now=T0)
    fewer = tuple(w for w in WRITERS if w != "ris")
    publish(seeds, out, jobs=1, now=T1, writers=fewer)
    # (the site still offers its RIS download: it renders the files it copies itself)
    assert not any(k.endswith(".ris") and not k.startswith("site/") for k in published_files(out))
    publish(seeds, out, jobs=1, now=T1)
    assert any(k.endswith(".ris") for k in published_files(out))
    assert os.path.isfile(out / "tjh" / "tjh.ris")


def test_the_facade_is_in_no_writer_fingerprint():
    """Every writer module lives under the package root, whose only imports are the facade's
    (made on first use of pipeline.render & co.); the library API is not part of a writer."""
    for name in WRITERS:
        assert "pipeline.api" not in fingerprint.closure(f"pipeline.writers.{name}"), name
    assert "pipeline.api" not in fingerprint.closure(fingerprint.COMMON_ROOT)
