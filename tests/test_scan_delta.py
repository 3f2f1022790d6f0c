"""Issue 15 item 3 and issue 14: an unchanged re-publish costs a stat per seed (a seed is read
and hashed only when its size or times changed), reads no journal and imports no parser or
validator; changes that a stat alone would miss are still found."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest
import yaml

from pipeline import publishing as publish_module
from pipeline.publishing import PublishOptions, publish, scan

from .conftest import REPO
from .test_publish import T0, T1, snapshot, seeds  # noqa: F401 (fixture)

HEAVY = ("jsonschema", "jsonschema_rs", "yaml", "langcodes", "lxml", "citeproc", "jinja2", "pipeline.scaffold")


@pytest.fixture()
def trusting(monkeypatch):
    """Seed states are trusted however recent (the tests cannot wait out the racy window)."""
    monkeypatch.setattr(publish_module, "_RACY_SECONDS", -1)


def _count(monkeypatch, name: str) -> list:
    calls = []
    real = getattr(publish_module, name)
    monkeypatch.setattr(publish_module, name, lambda *a, **k: calls.append(a) or real(*a, **k))
    return calls


def _published(seeds, tmp_path):  # noqa: F811
    out = tmp_path / "out"
    publish(seeds, out, jobs=1, now=T0)
    return out


def test_an_unchanged_republish_reads_no_seed_and_no_journal(seeds, tmp_path, monkeypatch, trusting):  # noqa: F811
    out = _published(seeds, tmp_path)
    with sqlite3.connect(out / ".pipeline" / "manifest.sqlite3") as db:
        states = [row[0] for row in db.execute("SELECT stat FROM records")]
    assert len(states) == 3 and all(states)  # each seed's state was recorded
    hashed, journals = _count(monkeypatch, "record_hash"), _count(monkeypatch, "read_journal")
    before = snapshot(out)
    report = publish(seeds, out, jobs=1, now=T1)
    assert not report.changed and report.unchanged == 3
    assert hashed == [] and journals == []
    assert snapshot(out) == before


def test_a_seed_rewritten_with_the_same_size_and_mtime_is_still_found(seeds, tmp_path, monkeypatch, trusting):  # noqa: F811
    out = _published(seeds, tmp_path)
    path = seeds / "tjh" / "articles" / "digital-archives.yaml"
    status = path.stat()
    text = path.read_text(encoding="utf-8")
    assert "Open Research" in text
    path.write_text(text.replace("Open Research", "Open Rosearch"), encoding="utf-8")  # same length
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))  # the old mtime back (ctime moves on)
    assert path.stat().st_size == status.st_size and path.stat().st_mtime_ns == status.st_mtime_ns
    plan = scan(seeds, out, PublishOptions())
    plan.previous.close()
    assert plan.render == ("tjh/digital-archives",)
    assert publish(seeds, out, jobs=1, now=T1).rendered == 1


def test_a_just_saved_seed_is_hashed_again_next_time(seeds, tmp_path, monkeypatch):  # noqa: F811
    """Within the racy window a state is not trusted (a save in the same clock tick could
    leave it unchanged): it is recorded as unknown and the seed is hashed next time."""
    out = _published(seeds, tmp_path)  # the copied seeds are seconds old: inside the window
    with sqlite3.connect(out / ".pipeline" / "manifest.sqlite3") as db:
        assert [row[0] for row in db.execute("SELECT stat FROM records")] == [None, None, None]
    hashed = _count(monkeypatch, "record_hash")
    assert not publish(seeds, out, jobs=1, now=T1).changed
    assert len(hashed) == 3


def test_a_changed_repository_identity_renders_every_record(seeds, tmp_path, trusting):  # noqa: F811
    out = _published(seeds, tmp_path)
    repository = seeds / "repository.yaml"
    text = repository.read_text(encoding="utf-8")
    assert "namespace: journals.example.org" in text
    repository.write_text(text.replace("namespace: journals.example.org", "namespace: other.example.org"), encoding="utf-8")
    report = publish(seeds, out, jobs=1, now=T1)
    assert report.rendered == 3
    with sqlite3.connect(out / "oai.sqlite3") as db:
        items = dict(db.execute("SELECT identifier, deleted FROM items"))
    assert {i for i, deleted in items.items() if not deleted} == {
        f"oai:other.example.org:tjh/{name}" for name in ("anadolu-demiryollari", "digital-archives", "turk-sovyet-iliskileri")}
    assert all(items[i] for i in items if i.startswith("oai:journals.example.org:"))  # the old ones: deleted


def test_a_journal_change_is_found_without_reading_the_journal_first(seeds, tmp_path, trusting):  # noqa: F811
    out = _published(seeds, tmp_path)
    journal = seeds / "tjh" / "journal.yaml"
    styles = yaml.safe_load(journal.read_text(encoding="utf-8"))["citation-styles"]
    assert "chicago-author-date" in styles
    journal.write_text(journal.read_text(encoding="utf-8").replace("  - chicago-author-date\n", ""), encoding="utf-8")
    report = publish(seeds, out, jobs=1, now=T1)
    assert report.rendered == 3
    with sqlite3.connect(out / ".pipeline" / "manifest.sqlite3") as db:
        recorded = json.loads(db.execute("SELECT styles FROM journals WHERE id = 'tjh'").fetchone()[0])
    assert recorded == [s for s in styles if s != "chicago-author-date"]
    assert not list(out.glob("tjh/citations/chicago-author-date/*/*"))


def test_an_unchanged_cli_publish_imports_no_parser_or_validator(seeds, tmp_path):  # noqa: F811
    out = _published(seeds, tmp_path)
    probe = ("import sys; from pipeline.cli import main; code = main(['publish', sys.argv[1], '-o', sys.argv[2], '-q']); "
             f"print(sorted(m for m in {HEAVY!r} if m in sys.modules)); sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", probe, str(seeds), str(out)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    helped = subprocess.run([sys.executable, "-c", "import sys; from pipeline.cli import build_parser; build_parser(); "
                             f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"],
                            cwd=REPO, capture_output=True, text=True, timeout=300)
    assert helped.stdout.strip() == "[]", helped.stderr


def test_a_changed_galley_is_found_though_its_record_is_unchanged(seeds, tmp_path, trusting):  # noqa: F811
    from .test_site_galleys import ARTICLE, with_galleys

    with_galleys(seeds)
    out = _published(seeds, tmp_path)
    galley = seeds / "tjh" / "articles" / ARTICLE / "anadolu-tr.pdf"
    galley.write_bytes(galley.read_bytes().replace(b"Turkish", b"revised"))
    plan = scan(seeds, out, PublishOptions())
    plan.previous.close()
    assert plan.render == (f"tjh/{ARTICLE}",)
    publish(seeds, out, jobs=1, now=T1)
    assert b"revised" in (out / "site" / "tjh" / ARTICLE / "anadolu-tr.pdf").read_bytes()


def test_a_seed_saved_again_unchanged_has_its_new_state_remembered(seeds, tmp_path, monkeypatch, trusting):  # noqa: F811
    out = _published(seeds, tmp_path)
    touched = seeds / "tjh" / "articles" / "anadolu-demiryollari.yaml"
    touched.write_bytes(touched.read_bytes())  # the same bytes: a new state
    edited = seeds / "tjh" / "articles" / "digital-archives.yaml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("Open Research", "Open Science"), encoding="utf-8")
    report = publish(seeds, out, jobs=1, now=T1)
    assert report.rendered == 1  # the touched seed is not rendered again...
    with sqlite3.connect(out / ".pipeline" / "manifest.sqlite3") as db:
        state = db.execute("SELECT stat FROM records WHERE key = 'tjh/anadolu-demiryollari'").fetchone()[0]
    assert state.startswith(f":{touched.stat().st_size}:{touched.stat().st_mtime_ns}:")  # ...but its state is new
    hashed = _count(monkeypatch, "record_hash")
    assert not publish(seeds, out, jobs=1, now=T1).changed
    assert hashed == []


def _edit(seeds, old: str = "Open Research", new: str = "Open Science") -> bytes:  # noqa: F811
    path = seeds / "tjh" / "articles" / "digital-archives.yaml"
    before = path.read_bytes()
    assert old.encode() in before
    path.write_bytes(before.replace(old.encode(), new.encode()))
    return before


def test_one_change_writes_the_manifest_in_place_not_a_copy(seeds, tmp_path, trusting):  # noqa: F811
    out = _published(seeds, tmp_path)
    manifest = out / ".pipeline" / "manifest.sqlite3"
    inode = manifest.stat().st_ino
    _edit(seeds)
    assert publish(seeds, out, jobs=1, now=T1).rendered == 1
    assert manifest.stat().st_ino == inode  # the same file, its changed rows written
    assert not list(manifest.parent.glob("manifest.sqlite3?*"))  # no journal or copy left beside it
    assert (out / ".pipeline" / "generation").read_text(encoding="utf-8").strip() == \
        sqlite3.connect(manifest).execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0]


def test_a_manifest_ahead_of_its_tree_is_not_trusted(seeds, tmp_path, monkeypatch, trusting):  # noqa: F811
    """A publish killed after the manifest's in-place commit but before the tree's: the
    manifest then describes outputs out/ does not have (the edited seed's). Trusted, it would
    call the edited seed unchanged and leave the old outputs for good; it is not trusted, so
    the next publish renders everything again."""
    from .test_publish import published_files
    from .test_incremental_issues import _cold

    out = _published(seeds, tmp_path)
    files = published_files(out)
    original = _edit(seeds)

    def killed(self):
        raise RuntimeError("killed before the tree's commit")

    monkeypatch.setattr(publish_module.Staging, "commit", killed)
    with pytest.raises(RuntimeError):
        publish(seeds, out, jobs=1, now=T1)
    monkeypatch.undo()
    monkeypatch.setattr(publish_module, "_RACY_SECONDS", -1)
    assert published_files(out) == files  # the tree is the old one
    assert original != (seeds / "tjh" / "articles" / "digital-archives.yaml").read_bytes()  # still edited
    report = publish(seeds, out, jobs=1, now=T1)
    assert report.rendered == 3  # the manifest was not trusted
    assert published_files(out) == _cold(seeds, out, tmp_path)
