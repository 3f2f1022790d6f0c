"""``pipeline import``: hostile and broken input is refused with ``file:line: message`` and
writes nothing; imports are all or nothing; records and journals already there are kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline import cli
from pipeline.importer import source
from pipeline.importer.records import write_records
from pipeline.importer.source import DropReport, ImportedRecord, SourceError

SHARED = Path(__file__).resolve().parents[2] / "shared"
REAL = SHARED / "real-jats" / "scielo-ensaio-2022-pt-en-es.xml"
SMALL = SHARED / "import-samples" / "jats" / "elife-07586-correction.xml"

MINIMAL = """<?xml version="1.0"?>
<article article-type="research-article" xml:lang="en"><front>
<journal-meta><journal-id journal-id-type="publisher-id">{journal}</journal-id>
<journal-title-group><journal-title>A Journal</journal-title></journal-title-group></journal-meta>
<article-meta><title-group><article-title>A title</article-title></title-group>
<contrib-group><contrib contrib-type="author"><name><surname>Şahin</surname><given-names>Ayşe</given-names></name></contrib></contrib-group>
<pub-date date-type="pub"><year>2024</year><month>3</month></pub-date></article-meta></front></article>
"""


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def files_under(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*")) if path.exists() else []


HOSTILE = {
    "xxe": ('<?xml version="1.0"?>\n<!DOCTYPE article [\n<!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n'
            "<article><front><article-meta>&xxe;</article-meta></front></article>", 3, "entities"),
    "billion-laughs": ('<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
                       ' <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n]>\n<article>&lol3;</article>', 3, "entities"),
    "deep-nesting": ('<?xml version="1.0"?>\n<article><front><article-meta><title-group><article-title>'
                     + "<italic>" * 5000 + "x" + "</italic>" * 5000 + "</article-title></title-group></article-meta></front></article>", 2, "not well-formed"),
    "wrong-root": ('<?xml version="1.0"?>\n<html><body>not JATS</body></html>', 2, "not <article>"),
    "not-xml": ("this is a plain text file\n", 1, "not well-formed"),
    "no-front": ('<?xml version="1.0"?>\n<article>\n<body/></article>', 2, "no <front>"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_or_broken_xml_is_refused_and_nothing_is_written(tmp_path, capsys, name):
    text, line, words = HOSTILE[name]
    bad = tmp_path / f"{name}.xml"
    bad.write_text(text, encoding="utf-8")
    seeds = tmp_path / "seeds"
    code, out, err = run(capsys, "import", "jats", str(bad), "-o", str(seeds))
    assert code == 1
    first = err.splitlines()[0]
    assert first.startswith(f"{bad}:{line}: "), err
    assert words in first
    assert "Traceback" not in err
    assert files_under(seeds) == []


def test_truncated_file_names_its_line(tmp_path, capsys):
    raw = REAL.read_bytes()
    bad = tmp_path / "truncated.xml"
    bad.write_bytes(raw[: len(raw) // 2])
    code, _, err = run(capsys, "import", "jats", str(bad), "-o", str(tmp_path / "seeds"))
    assert code == 1
    line = int(err.split(":")[1])
    assert line >= raw[: len(raw) // 2].count(b"\n")
    assert "not well-formed" in err
    assert not (tmp_path / "seeds").exists() or files_under(tmp_path / "seeds") == []


def test_too_large_file_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(source, "MAX_SOURCE_BYTES", 1000)
    code, _, err = run(capsys, "import", "jats", str(REAL), "-o", str(tmp_path / "seeds"))
    assert code == 1
    assert err.startswith(f"{REAL}:1: file is {REAL.stat().st_size} bytes; the import limit is 1000")


def test_one_bad_file_means_nothing_is_written(tmp_path, capsys):
    bad = tmp_path / "bad.xml"
    bad.write_text("<article><front>", encoding="utf-8")
    seeds = tmp_path / "seeds"
    code, _, err = run(capsys, "import", "jats", str(SMALL), str(bad), "-o", str(seeds))
    assert code == 1
    assert f"{bad}:1: not well-formed" in err
    assert files_under(seeds) == []


def test_existing_record_is_kept_unless_force(tmp_path, capsys):
    seeds = tmp_path / "seeds"
    assert run(capsys, "import", "jats", str(SMALL), "-o", str(seeds))[0] == 0
    record = seeds / "elife" / "articles" / "elife-07586-correction.yaml"
    record.write_text("edited by hand\n", encoding="utf-8")
    code, _, err = run(capsys, "import", "jats", str(SMALL), "-o", str(seeds))
    assert code == 1
    assert f"{record}: exists" in err and "--force" in err
    assert record.read_text(encoding="utf-8") == "edited by hand\n"
    code, _, err = run(capsys, "import", "jats", str(SMALL), "-o", str(seeds), "--force")
    assert code == 0
    assert f"replaced (--force): {record}" in err
    assert "Correction: Mucosal effects" in record.read_text(encoding="utf-8")
    assert [p.name for p in seeds.iterdir()] == ["elife"]  # no staging directory left behind


def test_existing_journal_is_kept_and_disagreement_reported(tmp_path, capsys):
    seeds = tmp_path / "seeds"
    journal = seeds / "elife" / "journal.yaml"
    journal.parent.mkdir(parents=True)
    journal.write_text("id: elife\ntitle: {en: eLife Sciences}\nlanguages: [en]\n", encoding="utf-8")
    code, _, err = run(capsys, "import", "jats", str(SMALL), "-o", str(seeds))
    assert code == 0
    assert journal.read_text(encoding="utf-8") == "id: elife\ntitle: {en: eLife Sciences}\nlanguages: [en]\n"
    assert f"journal differs: {journal}: title is {{'en': 'eLife Sciences'}} here but {{'en': 'eLife'}}" in err


def test_json_report_counts_what_was_dropped(tmp_path, capsys):
    seeds = tmp_path / "seeds"
    code, out, _ = run(capsys, "import", "jats", str(SMALL), "-o", str(seeds), "--format", "json")
    assert code == 0
    document = json.loads(out)
    [record] = document["records"]
    assert record["article"] == "elife-07586-correction"
    assert record["dropped"]["contrib xref (fn)"] == 20
    assert record["dropped"]["article-meta related-article"] == 1
    assert record["todo"] == []


def test_journal_id_cannot_escape_seeds(tmp_path, capsys):
    source_file = tmp_path / "a.xml"
    source_file.write_text(MINIMAL.format(journal="../../outside"), encoding="utf-8")
    seeds = tmp_path / "seeds"
    code, _, err = run(capsys, "import", "jats", str(source_file), "-o", str(seeds))
    assert code == 0, err
    assert files_under(tmp_path / "seeds") == ["outside", "outside/articles", "outside/articles/a.yaml", "outside/journal.yaml"]
    # A reader that produced such an id anyway is stopped by the writer.
    record = ImportedRecord("x.xml", {"id": "..", "title": {"en": "t"}, "languages": ["en"]}, {"id": "a"}, DropReport())
    with pytest.raises(SourceError, match="not a valid id"):
        write_records(seeds, [record], "jats")


def test_missing_facts_become_named_todos(tmp_path, capsys):
    source_file = tmp_path / "no-date.xml"
    source_file.write_text(MINIMAL.format(journal="j").replace('<pub-date date-type="pub"><year>2024</year><month>3</month></pub-date>', ""), encoding="utf-8")
    seeds = tmp_path / "seeds"
    assert run(capsys, "import", "jats", str(source_file), "-o", str(seeds))[0] == 0
    text = (seeds / "j" / "articles" / "no-date.yaml").read_text(encoding="utf-8")
    assert "published: 'TODO: publication date, YYYY-MM-DD'" in text
    assert "family: Şahin" in text  # UTF-8, no escapes
    code, out, _ = run(capsys, "validate", str(seeds))
    assert code == 1
    assert "dates.published: 'TODO: publication date" in out


def test_import_text_alias(tmp_path, capsys):
    text = tmp_path / "abstract.txt"
    text.write_text("Abstract: This study examines the railway network of Anatolia in the early years.\nKeywords: railways, Anatolia\n", encoding="utf-8")
    code, out, _ = run(capsys, "import", "text", str(text))
    assert code == 0
    assert "railways" in out


def test_parallel_import_of_a_directory_equals_the_serial_one(tmp_path, capsys, monkeypatch):
    from pipeline.importer import run as import_run
    from pipeline.read import load_corpus
    from pipeline.writers import jats

    corpus = load_corpus(Path(__file__).resolve().parents[1] / "seeds").corpus
    sources = tmp_path / "jats"
    sources.mkdir()
    for copy in range(25):  # 75 files: above the size that starts worker processes
        for article in corpus.articles:
            data = jats.serialize(jats.build_tree(article, corpus.journal(article.journal_id)))
            (sources / f"{article.id}-{copy}.xml").write_bytes(data)
    assert import_run.PARALLEL_FROM <= 75
    assert run(capsys, "import", "jats", str(sources), "-o", str(tmp_path / "parallel"))[0] == 0
    monkeypatch.setattr(import_run, "PARALLEL_FROM", 10_000)
    assert run(capsys, "import", "jats", str(sources), "-o", str(tmp_path / "serial"))[0] == 0
    parallel = {p.relative_to(tmp_path / "parallel"): p.read_bytes() for p in (tmp_path / "parallel").rglob("*.yaml")}
    serial = {p.relative_to(tmp_path / "serial"): p.read_bytes() for p in (tmp_path / "serial").rglob("*.yaml")}
    assert len(parallel) == 76 and parallel.keys() == serial.keys()
    # The header names the source file, which differs by directory only in the seeds path.
    assert parallel == serial
