"""Issue 10 item 6: a publish is a frozen plan (``scan``) and its application; how to
publish is one ``PublishOptions`` that the command line, the API and watch pass as it is."""

from __future__ import annotations

import dataclasses

import pytest

from pipeline import api
from pipeline import publishing as publish_module
from pipeline.cli import _publish_options, build_parser
from pipeline.publishing import Plan, PublishOptions, publish, scan

from .test_publish import T0, T1, published_files, snapshot, seeds  # noqa: F401 (fixture)

KEYS = ("tjh/anadolu-demiryollari", "tjh/digital-archives", "tjh/turk-sovyet-iliskileri")


@pytest.fixture()
def published(seeds, tmp_path):  # noqa: F811
    out = tmp_path / "out"
    publish(seeds, out, jobs=1, now=T0)
    return seeds, out


def _scan(seeds, out, **options) -> Plan:
    plan = scan(seeds, out, PublishOptions(**options))
    plan.previous.close()
    return plan


def test_nothing_changed_is_an_empty_plan(published):
    seeds, out = published
    before = snapshot(out)
    plan = _scan(seeds, out)
    assert plan.is_empty
    assert (plan.render, plan.refresh, plan.removed, plan.stale_writers) == ((), (), (), ())
    assert plan.changed_journals == frozenset()
    assert sorted(plan.kept) == list(KEYS)
    assert snapshot(out) == before  # a scan writes nothing


def test_a_changed_seed_is_rendered_and_its_journal_rebuilt(published):
    seeds, out = published
    path = seeds / "tjh" / "articles" / "digital-archives.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Open Research", "Open Science"), encoding="utf-8")
    plan = _scan(seeds, out)
    assert not plan.is_empty
    assert plan.render == ("tjh/digital-archives",)
    assert sorted(plan.kept) == ["tjh/anadolu-demiryollari", "tjh/turk-sovyet-iliskileri"]
    assert (plan.refresh, plan.removed) == ((), ())
    assert plan.changed_journals == {"tjh"}
    assert plan.seed_by_key["tjh/digital-archives"].path == path


def test_a_removed_seed_is_planned_for_removal(published):
    seeds, out = published
    (seeds / "tjh" / "articles" / "anadolu-demiryollari.yaml").unlink()
    plan = _scan(seeds, out)
    assert plan.removed == ("tjh/anadolu-demiryollari",)
    assert plan.render == ()
    assert sorted(plan.kept) == ["tjh/digital-archives", "tjh/turk-sovyet-iliskileri"]
    assert plan.changed_journals == {"tjh"}


def test_a_writer_upgrade_refreshes_unchanged_records_with_that_writer_only(published, monkeypatch):
    seeds, out = published
    real = publish_module.writer_fingerprints
    monkeypatch.setattr(publish_module, "writer_fingerprints",
                        lambda writers: {name: value + ("+v2" if name == "ris" else "") for name, value in real(writers).items()})
    plan = _scan(seeds, out)
    assert not plan.is_empty
    # the site serves a copy of each .ris file, so it renders again with the RIS writer
    assert plan.stale_writers == ("ris", "site")
    assert plan.render == ()
    assert sorted(plan.refresh) == sorted(plan.kept) == list(KEYS)
    assert plan.changed_journals == frozenset()
    assert plan.fingerprints["ris"].endswith("+v2")


def test_every_writer_upgraded_or_full_renders_everything(published, monkeypatch):
    seeds, out = published
    assert sorted(_scan(seeds, out, full=True).render) == list(KEYS)
    real = publish_module.writer_fingerprints
    monkeypatch.setattr(publish_module, "writer_fingerprints",
                        lambda writers: {name: value + "+v2" for name, value in real(writers).items()})
    plan = _scan(seeds, out)
    assert sorted(plan.render) == list(KEYS)
    assert (plan.kept, plan.refresh, plan.stale_writers) == ((), (), ())


def test_a_journal_change_renders_its_records(published):
    seeds, out = published
    journal = seeds / "tjh" / "journal.yaml"
    journal.write_text(journal.read_text(encoding="utf-8") + "\n# a comment changes the bytes\n", encoding="utf-8")
    plan = _scan(seeds, out)
    assert sorted(plan.render) == list(KEYS)
    assert plan.changed_journals == {"tjh"}


def test_the_plan_is_frozen(published):
    seeds, out = published
    plan = _scan(seeds, out)
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.render = ("tjh/digital-archives",)
    with pytest.raises(TypeError):
        plan.fingerprints["jats"] = "changed"  # a read-only view


def test_records_the_store_lost_move_from_kept_to_render(published):
    seeds, out = published
    plan = _scan(seeds, out)
    lost = plan.with_lost_records({"tjh/digital-archives"})
    assert lost.render == ("tjh/digital-archives",)
    assert "tjh/digital-archives" not in lost.kept and len(lost.kept) == 2
    assert plan.render == ()  # the original is unchanged
    assert plan.with_lost_records(set()) is plan


def test_options_and_overrides_publish_the_same(seeds, tmp_path):  # noqa: F811
    a = publish(seeds, tmp_path / "a", PublishOptions(jobs=1, now=T0))
    b = api.publish(seeds, tmp_path / "b", jobs=1, now=T0)
    assert a.rendered == b.rendered == 3
    assert published_files(tmp_path / "a") == published_files(tmp_path / "b")
    with pytest.raises(TypeError):
        publish(seeds, tmp_path / "c", jobs=1, colour=True)  # not an option: refused, not ignored


def test_the_command_line_passes_its_options_whole(tmp_path):
    args = build_parser().parse_args(["publish", "seeds", "-o", str(tmp_path), "--jobs", "3", "--keep-going",
                                      "--db", "x.sqlite3", "--full", "--executor", "dask", "--scheduler", "tcp://h:1"])
    assert _publish_options(args) == PublishOptions(jobs=3, keep_going=True, db="x.sqlite3", full=True,
                                                    executor="dask", scheduler="tcp://h:1")
    args = build_parser().parse_args(["watch", "seeds", "-o", str(tmp_path), "--schemas", "s"])
    assert _publish_options(args) == PublishOptions(jobs=1, schemas="s")  # watch renders in its own process


def test_an_unchanged_republish_after_the_plan_does_nothing(published):
    seeds, out = published
    before = snapshot(out)
    report = publish(seeds, out, jobs=1, now=T1)
    assert not report.changed and report.unchanged == 3
    assert snapshot(out) == before
