"""The overlay staging of a small incremental publish: only new files are staged, the commit
is journaled, a killed commit is finished by the next run, a failed run leaves out/ as it was."""

from __future__ import annotations

import json
import shutil

import pytest

from pipeline import publishing as publish_module
from pipeline.publishing import publish
from pipeline.store import staging as staging_module
from pipeline.store.staging import COMMIT_JOURNAL, Staging, recover

from .test_publish import T0, T1, published_files, seeds, snapshot  # noqa: F401 (fixture)


@pytest.fixture()
def out(tmp_path):
    root = tmp_path / "out"
    (root / "a" / "x").mkdir(parents=True)
    (root / "a" / "x" / "keep.txt").write_bytes(b"keep")
    (root / "a" / "x" / "change.txt").write_bytes(b"old")
    (root / "a" / "gone" ).mkdir()
    (root / "a" / "gone" / "remove.txt").write_bytes(b"bye")
    return root


def _overlay(out):
    return Staging(out, start_from_previous=True, overlay=True)


def test_overlay_stages_only_new_files_and_reads_through(out):
    staging = _overlay(out)
    assert staging.read("a/x/keep.txt") == b"keep"
    assert staging.write("a/x/keep.txt", b"keep") is False  # same bytes: nothing staged
    assert staging.write("a/x/change.txt", b"new") is True
    assert staging.read("a/x/change.txt") == b"new"
    assert staging.write("b/new.txt", b"fresh") is True
    staging.remove("a/gone/remove.txt")
    assert staging.read("a/gone/remove.txt") is None
    staged = sorted(str(p.relative_to(staging.root)) for p in staging.root.rglob("*") if p.is_file())
    assert staged == ["a/x/change.txt", "b/new.txt"]
    keep_inode = (out / "a" / "x" / "keep.txt").stat().st_ino
    staging.commit()
    assert snapshot(out).keys() == {"a/x/keep.txt", "a/x/change.txt", "b/new.txt"}
    assert (out / "a" / "x" / "change.txt").read_bytes() == b"new"
    assert not (out / "a" / "gone").exists()  # emptied directories go too
    assert (out / "a" / "x" / "keep.txt").stat().st_ino == keep_inode
    assert not staging.root.exists()


def test_overlay_discard_leaves_out_as_it_was(out):
    before = snapshot(out)
    staging = _overlay(out)
    staging.write("a/x/change.txt", b"new")
    staging.remove("a/x/keep.txt")
    staging.discard()
    assert snapshot(out) == before


def test_a_killed_commit_is_finished_by_recover(out, monkeypatch):
    staging = _overlay(out)
    staging.write("a/x/change.txt", b"new")
    staging.write("b/new.txt", b"fresh")
    staging.remove("a/gone/remove.txt")
    real = staging_module._apply_journal

    def killed(root, target):  # dies after the journal is written and one file moved
        journal = json.loads((root / COMMIT_JOURNAL).read_bytes())
        first = journal["moves"][0]
        (target / first).parent.mkdir(parents=True, exist_ok=True)
        (root / first).replace(target / first)
        raise KeyboardInterrupt

    monkeypatch.setattr(staging_module, "_apply_journal", killed)
    with pytest.raises(KeyboardInterrupt):
        staging.commit()
    monkeypatch.setattr(staging_module, "_apply_journal", real)
    recover(out)
    assert snapshot(out).keys() == {"a/x/keep.txt", "a/x/change.txt", "b/new.txt"}
    assert (out / "b" / "new.txt").read_bytes() == b"fresh"
    assert not list(out.parent.glob(".out.staging-*"))


def test_a_staging_directory_without_journal_is_discarded(out):
    before = snapshot(out)
    staging = _overlay(out)
    staging.write("a/x/change.txt", b"new")
    recover(out)  # as if the publish had been killed before committing
    assert snapshot(out) == before and not staging.root.exists()


class _AlwaysOverlay(Staging):
    def __init__(self, out, *, start_from_previous, keep_out_of_tree=(), overlay=False):
        super().__init__(out, start_from_previous=start_from_previous, keep_out_of_tree=keep_out_of_tree, overlay=True)


def test_publish_with_an_overlay_gives_what_a_cold_publish_gives(seeds, tmp_path, monkeypatch):  # noqa: F811
    out = tmp_path / "out"
    publish(seeds, out, jobs=1, now=T0)
    monkeypatch.setattr(publish_module, "Staging", _AlwaysOverlay)
    articles = sorted((seeds / "tjh" / "articles").glob("*.yaml"))
    edited = articles[0]  # anadolu-demiryollari: its English title gets a suffix
    edited.write_text(edited.read_text(encoding="utf-8").replace("in Anatolia: 1923–1950", "in Anatolia: 1923–1950 (revised)", 1),
                      encoding="utf-8")
    articles[1].unlink()
    report = publish(seeds, out, jobs=1, now=T1)
    assert report.removed == 1 and report.changed
    cold = tmp_path / "cold"
    cold.mkdir()
    shutil.copy2(out / "oai.sqlite3", cold / "oai.sqlite3")
    monkeypatch.setattr(publish_module, "Staging", Staging)
    publish(seeds, cold, jobs=1, now=T1, full=True)
    assert published_files(out) == published_files(cold)
    assert "(revised)" in (out / "tjh" / "jats" / f"{edited.stem}.xml").read_text(encoding="utf-8")
    assert not any(articles[1].stem in k for k in published_files(out))
    assert not list(out.parent.glob(".out.staging-*"))


def test_a_failed_overlay_publish_leaves_out_untouched(seeds, tmp_path, monkeypatch):  # noqa: F811
    out = tmp_path / "out"
    publish(seeds, out, jobs=1, now=T0)
    before = snapshot(out)
    monkeypatch.setattr(publish_module, "Staging", _AlwaysOverlay)
    edited = sorted((seeds / "tjh" / "articles").glob("*.yaml"))[0]
    edited.write_text(edited.read_text(encoding="utf-8").replace("\ntitle:", "\ntitle: [broken", 1), encoding="utf-8")
    with pytest.raises(Exception):
        publish(seeds, out, jobs=1, now=T1)
    assert snapshot(out) == before
    assert not list(out.parent.glob(".out.staging-*"))
