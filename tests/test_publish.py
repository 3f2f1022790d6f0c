"""Issues 2 and 6: publish is all-or-nothing, deterministic, incremental and parallel-safe."""

from __future__ import annotations

import hashlib
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from pipeline import publishing as publish_module
from pipeline.publishing import OutputInvalid, publish
from pipeline.output_checks import OutputProblem
from pipeline.diagnostics import InvalidInput

from .conftest import REPO, SEEDS, run_cli

T0 = datetime(2025, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
T1 = datetime(2025, 1, 2, 12, 0, 0, tzinfo=timezone.utc)


def snapshot(root: Path) -> dict[str, str]:
    """Every file under root (the OAI store included) with its SHA-256."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file()
    }


def published_files(root: Path) -> dict[str, str]:
    """The files users see: everything but the store and our own bookkeeping."""
    return {k: v for k, v in snapshot(root).items() if not k.startswith(".pipeline") and not k.startswith("oai.sqlite3")}


@pytest.fixture()
def seeds(tmp_path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture()
def first_publish(seeds, tmp_path):
    out = tmp_path / "out"
    report = publish(seeds, out, jobs=1, now=T0)
    assert report.changed and report.rendered == 3
    return seeds, out


def test_publish_writes_every_format(first_publish):
    _, out = first_publish
    files = published_files(out)
    for expected in (
        "tjh/jats/turk-sovyet-iliskileri.xml",
        "tjh/csl/turk-sovyet-iliskileri.json",
        "tjh/csl.json",
        "tjh/crossref/12-1.xml",
        "tjh/doaj/12-1.xml",
    ):
        assert expected in files, sorted(files)
    assert (out / "oai.sqlite3").is_file()
    # Journal-level files are built from stored parts: the issue's own data must get there too.
    crossref = (out / "tjh" / "crossref" / "12-1.xml").read_text(encoding="utf-8")
    assert "<journal_issue>" in crossref and "<volume>12</volume>" in crossref and "<issue>1</issue>" in crossref


def test_invalid_record_leaves_out_byte_identical(first_publish):
    seeds, out = first_publish
    before = snapshot(out)
    (seeds / "tjh" / "articles" / "broken.yaml").write_text("id: broken\ntitle: [unclosed\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        publish(seeds, out, jobs=1, now=T1)
    assert any(d.file.endswith("broken.yaml") for d in caught.value.diagnostics)
    assert snapshot(out) == before
    assert not list(out.parent.glob(".out.staging-*"))


def test_writer_crash_midway_leaves_out_byte_identical(first_publish, monkeypatch):
    seeds, out = first_publish
    before = snapshot(out)
    path = seeds / "tjh" / "articles" / "digital-archives.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Open Research", "Open Science"), encoding="utf-8")
    calls = {"n": 0}
    real = publish_module._Publication.absorb

    def absorb_then_crash(self, *args, **kwargs):
        real(self, *args, **kwargs)  # the changed record is written into staging and the store...
        calls["n"] += 1
        raise RuntimeError("disk full")  # ...then the run dies

    monkeypatch.setattr(publish_module._Publication, "absorb", absorb_then_crash)
    with pytest.raises(RuntimeError):
        publish(seeds, out, jobs=1, now=T1)
    assert calls["n"] == 1
    assert snapshot(out) == before


def test_invalid_output_fails_publish_and_leaves_out(first_publish, monkeypatch):
    seeds, out = first_publish
    before = snapshot(out)
    path = seeds / "tjh" / "articles" / "digital-archives.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Open Research", "Open Data"), encoding="utf-8")

    def reject_crossref(spec, files):
        return [OutputProblem(relative, 1, "rejected for the test") for relative in files if spec.name == "crossref"]

    monkeypatch.setattr(publish_module, "check_files", reject_crossref)
    with pytest.raises(OutputInvalid) as caught:
        publish(seeds, out, jobs=1, now=T1)
    assert all("/crossref/" in p.path for p in caught.value.problems)
    assert snapshot(out) == before


def test_republish_unchanged_changes_nothing(first_publish):
    seeds, out = first_publish
    before = snapshot(out)
    report = publish(seeds, out, jobs=1, now=T1)
    assert not report.changed and report.rendered == 0 and report.unchanged == 3
    assert snapshot(out) == before


def test_same_seeds_give_byte_identical_outputs(seeds, tmp_path):
    a = tmp_path / "a"
    b = tmp_path / "b"
    publish(seeds, a, jobs=1, now=T0)
    publish(seeds, b, jobs=2, now=T0)
    assert published_files(a) == published_files(b)


def test_incremental_equals_cold(first_publish, tmp_path):
    seeds, out = first_publish
    path = seeds / "tjh" / "articles" / "anadolu-demiryollari.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Economic Integration", "Market Integration"), encoding="utf-8")
    report = publish(seeds, out, jobs=1, now=T1)
    assert report.rendered == 1 and report.unchanged == 2
    cold = tmp_path / "cold"
    shutil.copytree(out, cold)
    shutil.rmtree(cold / ".pipeline")  # no memory of the last run: everything is rendered again
    for p in cold.rglob("*"):
        if p.is_file() and not p.name.startswith("oai.sqlite3"):
            p.unlink()
    report = publish(seeds, cold, jobs=1, now=T1)
    assert report.rendered == 3
    assert published_files(cold) == published_files(out)
    assert "Market Integration" in (out / "tjh" / "jats" / "anadolu-demiryollari.xml").read_text(encoding="utf-8")


def test_removed_seed_removes_its_outputs(first_publish):
    seeds, out = first_publish
    (seeds / "tjh" / "articles" / "digital-archives.yaml").unlink()
    report = publish(seeds, out, jobs=1, now=T1)
    assert report.removed == 1
    leftovers = [f for f in published_files(out) if "digital-archives" in f]
    assert leftovers == []
    assert not (out / "tjh" / "crossref" / "12-Special.xml").exists()
    from pipeline.store.oai_store import OaiStore

    store = OaiStore(out / "oai.sqlite3")
    assert store.is_deleted("oai:journals.example.org:tjh/digital-archives") is True
    store.close()


def test_keep_going_publishes_the_valid_records(seeds, tmp_path):
    (seeds / "tjh" / "articles" / "broken.yaml").write_text("id: broken\ntype: nonsense\n", encoding="utf-8")
    out = tmp_path / "out"
    report = publish(seeds, out, jobs=1, keep_going=True, now=T0)
    assert report.changed and report.articles == 3
    assert "tjh/broken" in report.skipped
    assert any(d.file.endswith("broken.yaml") for d in report.diagnostics)
    assert (out / "tjh" / "jats" / "digital-archives.xml").is_file()


def test_cli_publish_and_exit_codes(seeds, tmp_path):
    out = tmp_path / "out"
    ok = run_cli("publish", str(seeds), "-o", str(out), "--jobs", "2")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "published" in ok.stderr
    (seeds / "tjh" / "articles" / "bad.yaml").write_text("id: bad\n", encoding="utf-8")
    bad = run_cli("publish", str(seeds), "-o", str(out), "--format", "json")
    assert bad.returncode == 1
    assert '"valid": false' in bad.stdout
    assert "Traceback" not in bad.stderr


def test_version_and_help():
    result = run_cli("--version")
    assert result.returncode == 0 and result.stdout.startswith("pipeline ")
    for command in ("validate", "publish", "import-text", "cite", "check-jats", "check-crossref", "check-doaj", "serve", "schemas"):
        helped = run_cli(command, "--help")
        assert helped.returncode == 0 and "usage:" in helped.stdout, command


def test_killed_publish_leftovers_are_recovered(first_publish):
    seeds, out = first_publish
    before = snapshot(out)
    # A publish killed between "out -> .out.old-x" and "staging -> out", with a staging tree left.
    old = out.parent / ".out.old-killed"
    out.rename(old)
    (out.parent / ".out.staging-killed").mkdir()
    report = publish(seeds, out, jobs=1, now=T1)
    assert not report.changed  # the old tree came back, and nothing had changed
    assert snapshot(out) == before
    assert not list(out.parent.glob(".out.old-*")) and not list(out.parent.glob(".out.staging-*"))


def test_lost_store_is_refilled_from_unchanged_records(first_publish):
    seeds, out = first_publish
    for path in out.glob("oai.sqlite3*"):
        path.unlink()
    files_before = published_files(out)
    report = publish(seeds, out, jobs=1, now=T1)
    assert report.rendered == 3  # the store had nothing: every record went into it again
    assert published_files(out) == files_before
    from pipeline.store.oai_store import OaiStore

    store = OaiStore(out / "oai.sqlite3")
    assert len(store.identifiers()) == 3
    store.close()


def test_doi_clash_at_publish_names_the_later_record_and_its_line(first_publish):
    seeds, out = first_publish
    before = snapshot(out)
    source = seeds / "tjh" / "articles" / "digital-archives.yaml"
    text = source.read_text(encoding="utf-8").replace("doi: 10.5555/tjh.2024.e2024101", "doi: 10.5555/TJH.2024.12.1.001")
    source.write_text(text, encoding="utf-8")
    line = next(i for i, l in enumerate(text.splitlines(), start=1) if l.startswith("doi:"))
    with pytest.raises(InvalidInput) as caught:
        publish(seeds, out, jobs=1, now=T1)
    (problem,) = caught.value.diagnostics
    assert problem.file.endswith("digital-archives.yaml") and problem.field == "doi"
    assert (problem.line, problem.column) == (line, 6)
    assert "tjh/turk-sovyet-iliskileri" in problem.message
    assert snapshot(out) == before
