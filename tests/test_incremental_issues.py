"""Issue 14: an edit rebuilds only its issue's deposit batches (Crossref, DOAJ: one file per
issue, built from that issue's articles alone); the other issues' files are not rebuilt, and
the result is what a cold publish gives."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest

from pipeline.writers import crossref, doaj

from .test_publish import T0, T1, published_files, publish, seeds  # noqa: F401 (fixture)

ARTICLES = "tjh/articles"


@pytest.fixture()
def published(seeds, tmp_path):  # noqa: F811
    out = tmp_path / "out"
    publish(seeds, out, jobs=1, now=T0)
    return seeds, out


def _inode(path) -> int:
    return path.stat().st_ino


def _batches_built(monkeypatch) -> Counter:
    """(writer, article id) for every article a deposit writer's render_journal was given."""
    seen: Counter = Counter()
    for module in (crossref, doaj):
        real = module.render_journal

        def counted(journal, entries, _real=real, _name=module.NAME):
            seen.update((_name, entry.article_id) for entry in entries)
            return _real(journal, entries)

        monkeypatch.setattr(module, "render_journal", counted)
    return seen


def _cold(seeds, out, tmp_path):
    """A cold publish of the same seeds from a copy of the same store (same datestamps)."""
    cold = tmp_path / "cold"
    cold.mkdir()
    shutil.copy2(out / "oai.sqlite3", cold / "oai.sqlite3")
    publish(seeds, cold, jobs=1, now=T1, full=True)
    return published_files(cold)


def _edit(seeds, name: str, old: str, new: str) -> None:
    path = seeds / ARTICLES / f"{name}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_edit_rebuilds_only_its_issue_batches(published, monkeypatch, tmp_path):
    seeds, out = published
    other = {w: out / "tjh" / w / "12-Special.xml" for w in ("crossref", "doaj")}
    inodes = {w: _inode(p) for w, p in other.items()}
    built = _batches_built(monkeypatch)
    _edit(seeds, "anadolu-demiryollari", "Economic Integration in Anatolia", "Economic Integration in Anatolia (revised)")
    report = publish(seeds, out, jobs=1, now=T1)
    assert report.rendered == 1
    # only the two articles of issue 12-1 went into the batches built
    assert set(built) == {(w, a) for w in ("crossref", "doaj") for a in ("anadolu-demiryollari", "turk-sovyet-iliskileri")}
    assert all(_inode(p) == inodes[w] for w, p in other.items())  # not even rewritten
    assert b"(revised)" in (out / "tjh" / "crossref" / "12-1.xml").read_bytes()
    monkeypatch.undo()
    assert published_files(out) == _cold(seeds, out, tmp_path)


def test_an_article_moved_to_another_issue_rebuilds_both(published, tmp_path):
    seeds, out = published
    _edit(seeds, "turk-sovyet-iliskileri", "\nissue: 1\n", "\nissue: Special\n")
    publish(seeds, out, jobs=1, now=T1)
    for writer, record in (("crossref", b"<journal_article "), ("doaj", b"<record>")):
        assert (out / "tjh" / writer / "12-Special.xml").read_bytes().count(record) == 2, writer
        assert (out / "tjh" / writer / "12-1.xml").read_bytes().count(record) == 1, writer
    assert published_files(out) == _cold(seeds, out, tmp_path)


def test_removing_the_last_article_of_an_issue_removes_its_batches(published, tmp_path):
    seeds, out = published
    (seeds / ARTICLES / "digital-archives.yaml").unlink()
    publish(seeds, out, jobs=1, now=T1)
    for writer in ("crossref", "doaj"):
        assert not (out / "tjh" / writer / "12-Special.xml").exists()
        assert (out / "tjh" / writer / "12-1.xml").is_file()
    assert published_files(out) == _cold(seeds, out, tmp_path)
