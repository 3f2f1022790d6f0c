"""The incremental manifest in SQLite (issue 15): one row per article, looked up by key rather
than loaded whole, and only the differences written when one article changes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import yaml

from pipeline.publishing import publish
from pipeline.store import manifest as manifest_module
from pipeline.store.manifest import Manifest

from .test_publish import T0, T1, published_files, seeds  # noqa: F401 (fixture)


def rows(out: Path) -> dict[str, tuple]:
    with sqlite3.connect(out / ".pipeline" / "manifest.sqlite3") as raw:
        return {row[0]: row[1:] for row in raw.execute("SELECT key, journal, hash, doi, issue_key, files, sets FROM records")}


def article_paths(seeds: Path) -> list[Path]:
    return sorted(seeds.glob("*/articles/*.yaml"))


def test_publish_keeps_one_row_per_article(seeds, tmp_path):  # noqa: F811
    out = tmp_path / "out"
    publish(seeds, out, jobs=1, now=T0)
    assert not (out / ".pipeline" / "manifest.json").exists()
    found = rows(out)
    expected = {f"{p.parent.parent.name}/{p.stem}": yaml.safe_load(p.read_text(encoding="utf-8")) for p in article_paths(seeds)}
    assert set(found) == set(expected)
    for key, record in expected.items():
        journal, _hash, doi, _issue, files, _sets = found[key]
        assert journal == key.split("/")[0]
        assert doi == record.get("doi")
        assert f'"{key.split("/")[0]}/jats/{key.split("/")[1]}.xml"' in files
    with sqlite3.connect(out / ".pipeline" / "manifest.sqlite3") as raw:
        plan = " ".join(row[-1] for row in raw.execute("EXPLAIN QUERY PLAN SELECT * FROM records WHERE key = 'x'"))
    assert "USING INDEX" in plan  # a lookup, not a scan


def test_one_changed_article_is_the_only_row_written(seeds, tmp_path, monkeypatch):  # noqa: F811
    out = tmp_path / "out"
    publish(seeds, out, jobs=1, now=T0)
    before = rows(out)
    changed = article_paths(seeds)[1]
    changed.write_bytes(changed.read_bytes() + b"\n")  # new bytes, same record
    key = f"{changed.parent.parent.name}/{changed.stem}"

    written, looked_up = [], []
    real_row, real_get = manifest_module._row, manifest_module.StoredRecords.__getitem__
    monkeypatch.setattr(manifest_module, "_row", lambda k, e: written.append(k) or real_row(k, e))
    monkeypatch.setattr(manifest_module.StoredRecords, "__getitem__",
                        lambda self, k: looked_up.append(k) or real_get(self, k))
    report = publish(seeds, out, jobs=1, now=T1)
    assert report.rendered == 1
    assert written == [key]
    # only the changed record's entry is read whole (by key); the kept ones stay rows
    assert sorted(set(looked_up)) == [key]
    after = rows(out)
    assert after[key][1] != before[key][1]  # its seed hash
    assert {k: v for k, v in after.items() if k != key} == {k: v for k, v in before.items() if k != key}


def test_a_removed_article_loses_its_row(seeds, tmp_path):  # noqa: F811
    out = tmp_path / "out"
    publish(seeds, out, jobs=1, now=T0)
    gone = article_paths(seeds)[0]
    gone.unlink()
    publish(seeds, out, jobs=1, now=T1)
    assert f"{gone.parent.parent.name}/{gone.stem}" not in rows(out)
    assert len(rows(out)) == 2


def test_a_json_manifest_from_an_earlier_release_is_used_then_replaced(seeds, tmp_path):  # noqa: F811
    out = tmp_path / "out"
    publish(seeds, out, jobs=1, now=T0)
    manifest = Manifest.load(out)
    legacy = Manifest(writers=manifest.writers, records={k: manifest.records[k] for k in manifest.records},
                      journals=manifest.journals, journal_files=manifest.journal_files)
    manifest.close()
    (out / ".pipeline" / "manifest.json").write_bytes(legacy.dump())
    (out / ".pipeline" / "manifest.sqlite3").unlink()
    files = published_files(out)
    assert publish(seeds, out, jobs=1, now=T1).rendered == 0  # nothing re-rendered
    article_paths(seeds)[2].write_bytes(article_paths(seeds)[2].read_bytes() + b"\n")
    report = publish(seeds, out, jobs=1, now=T1)
    assert report.rendered == 1
    assert not (out / ".pipeline" / "manifest.json").exists()
    assert len(rows(out)) == 3
    assert published_files(out).keys() == files.keys()


def test_a_damaged_manifest_costs_a_full_render_not_a_failure(seeds, tmp_path):  # noqa: F811
    out = tmp_path / "out"
    publish(seeds, out, jobs=1, now=T0)
    (out / ".pipeline" / "manifest.sqlite3").write_bytes(b"not a database" * 100)
    article_paths(seeds)[0].write_bytes(article_paths(seeds)[0].read_bytes() + b"\n")
    report = publish(seeds, out, jobs=1, now=T1)
    assert report.rendered == 3
    assert len(rows(out)) == 3
