"""``pipeline import crossref``: the Crossref REST API work records in
../shared/import-samples/crossref become valid records that keep every title and abstract
language, the authors with ORCIDs, funders with awards, and the references."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline import cli
from pipeline.importer.crossref import import_crossref_file
from pipeline.importer.records import write_records
from pipeline.read import load_corpus

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "import-samples" / "crossref"
FILES = sorted(SAMPLES.glob("*.json"))


def message(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))["message"]


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    seeds = tmp_path_factory.mktemp("seeds")
    records = {path.name: import_crossref_file(path)[0] for path in FILES}
    write_records(seeds, list(records.values()), "crossref")
    return seeds, records


def test_every_record_validates_but_for_named_todos(imported):
    seeds, records = imported
    assert len(records) == 9
    result = load_corpus(seeds)
    todos = {name: r.todos for name, r in records.items() if r.todos}
    # The RSC book has editors and no author.
    assert todos == {"work-10.1039_9781788019972.json": ["authors"]}
    assert [(Path(d.file).stem, d.field) for d in result.diagnostics] == [("9781788019972", "authors")]
    assert len(result.corpus.articles) == 8


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_record_keeps_the_works_facts(imported, path):
    _, records = imported
    record = records[path.name].article
    work = message(path)
    assert record["doi"] == work["DOI"]
    # Every title in the source is in the record (two untagged ones in Der Urologe: de and en).
    assert sorted(record["title"].values()) == sorted(" ".join(t.replace("<i>", "").replace("</i>", "").split()) for t in work["title"])
    if work.get("abstract"):
        assert set(record["abstract"]) == {record["language"]}
    people = [a for a in work.get("author", []) if a.get("family")]
    assert [(a.get("given"), a["family"]) for a in people] == [(r.get("given"), r["family"]) for r in record.get("authors", []) if "family" in r]
    orcids = [a["ORCID"][-19:] for a in people if a.get("ORCID")]
    assert [r["orcid"] for r in record.get("authors", []) if "orcid" in r] == orcids
    assert len(record.get("references", [])) + records[path.name].report.counts["empty reference"] == len(work.get("reference", []))
    dois = [r["DOI"] for r in work.get("reference", []) if r.get("DOI")]
    assert [r["doi"] for r in record.get("references", []) if "doi" in r] == dois


def test_specific_facts(imported):
    _, records = imported
    urologe = records["work-10.1007_s00120-007-1345-2.json"].article
    assert urologe["language"] == "de"
    assert urologe["title"] == {"de": "Penisverletzung durch eine Moulinette", "en": "Penile injury caused by a Moulinette"}
    assert urologe["subtitle"] == {"de": "Folge einer autoerotischen Selbstverstümmelung", "en": "Result of autoerotic self-mutilation"}
    assert urologe["pages"] == {"first": "776", "last": "779"}
    assert urologe["license"] == "https://www.springer.com/tdm"  # what Crossref gives for the version of record
    sigmod = records["work-10.1145_3448016.3452841.json"].article
    awards = [f.get("award") for f in sigmod["funding"]]
    assert all(isinstance(a, list) for a in awards) and sum(len(a) for a in awards) > 20
    assert all("," not in award for group in awards for award in group)
    assert sigmod["license"] == "https://creativecommons.org/licenses/by/4.0/"
    apj = records["work-10.3847_1538-4357_acacf5.json"].article
    assert apj["abstract"]["en"].startswith("We present a new method based on information theory")
    assert apj["license"] == "http://creativecommons.org/licenses/by/4.0/"
    assert len([a for a in apj["authors"] if "orcid" in a]) == 19
    primer = records["work-10.1038_s43586-021-00024-3.json"].article
    assert primer["elocation"] == "27" and primer["authors"][0]["given"] == "Ēriks"
    assert primer["dates"] == {"published": "2021-04-08", "issue": "2021-12"}
    orglett = records["work-10.1021_acs.orglett.9b00971.json"].article
    source_funders = message(SAMPLES / "work-10.1021_acs.orglett.9b00971.json")["funder"]
    assert [(f["funder"], f.get("funder-id")) for f in orglett["funding"]] == [(f["name"], f.get("DOI")) for f in source_funders]
    assert len(orglett["funding"]) == 13


@pytest.mark.parametrize("text, line, words", [
    ('{"message-type": "work",\n "message": {"DOI": "10.1/x"\n', 3, "not valid JSON"),
    ('{"message-type": "member", "message": {}}', 1, "expected 'work' or 'work-list'"),
    ('[1, 2, 3]', 1, "not a Crossref REST API response"),
    ('{"message": ' * 100000 + "1" + "}" * 100000, 1, "nested too deeply"),
])
def test_broken_or_hostile_json_is_refused(tmp_path, capsys, text, line, words):
    bad = tmp_path / "bad.json"
    bad.write_text(text, encoding="utf-8")
    seeds = tmp_path / "seeds"
    code = cli.main(["import", "crossref", str(FILES[0]), str(bad), "-o", str(seeds)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith(f"{bad}:{line}: ") and words in err.splitlines()[0], err
    assert not seeds.exists() or list(seeds.rglob("*")) == []


def test_work_list_gives_one_record_per_item(tmp_path, capsys):
    items = [message(FILES[0]), message(FILES[1])]
    listing = tmp_path / "list.json"
    listing.write_text(json.dumps({"message-type": "work-list", "message": {"items": items}}), encoding="utf-8")
    seeds = tmp_path / "seeds"
    assert cli.main(["import", "crossref", str(listing), "-o", str(seeds)]) == 0
    assert sorted(p.stem for p in seeds.glob("*/articles/*.yaml")) == ["acs.orglett.9b00971", "s00120-007-1345-2"]
