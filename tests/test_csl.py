"""CSL-JSON writer: field mapping, schema validity (official csl-data.json), determinism, and a
real consumer (pandoc's citeproc) reading the files."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.output_checks import csl as csl_check
from pipeline.model import Collaboration, Multilingual, Pages
from pipeline.writers import JournalEntry, csl

from . import factories, strategies

EN_DASH = "\u2013"


def _item(article, journal=None):
    return csl.csl_item(article, journal or factories.journal())


def _file(article, journal=None):
    journal = journal or factories.journal()
    rendered = csl.render(article, journal)
    return rendered.files[f"{journal.id}/csl/{article.id}.json"]


def test_rich_article_fields():
    item = _item(factories.rich_article())
    assert item["id"] == "tjh/tr-ru-relations"
    assert item["type"] == "article-journal"
    assert item["language"] == "tr"
    assert item["title"] == "Milli Mücadele Döneminde Türk-Sovyet İlişkileri & <Ankara>: 1920–1923"
    assert item["title-short"] == "Türk-Sovyet İlişkileri"
    assert item["container-title"] == "Türk Tarihi Dergisi"
    assert item["container-title-short"] == "Türk Tar. Derg."
    assert item["ISSN"] == "1300-0004, 2147-0006"
    assert item["publisher"] == "Örnek Üniversitesi Yayınları"
    assert (item["volume"], item["issue"]) == ("12", "1")
    assert item["page"] == f"5{EN_DASH}27"
    assert "number" not in item
    assert item["issued"] == {"date-parts": [[2024, 3, 28]]}
    assert item["DOI"] == "10.5555/tjh.2024.12.1.5"
    assert item["URL"] == "https://journal.example.org/tjh/article/tr-ru-relations"
    assert (item["PMID"], item["PMCID"]) == ("38000001", "PMC1000001")
    assert item["abstract"] == "Birinci paragraf: I. Dünya Savaşı.\n\nİkinci paragraf & <son>."
    assert item["keyword"] == "Milli Mücadele, Sovyetler, Atatürk, Türk-Rus İlişkileri"
    assert item["author"] == [
        {"family": "Şahin", "given": "Ayşe Gül"},
        {"family": "van der Berg", "given": "Jan", "suffix": "Jr."},
        {"family": "Ílhan"},
        {"literal": "Osmanlı Arşivi Çalışma Grubu"},
    ]
    # Handling editors are not editors of the work; styles would print them as such.
    assert "editor" not in item
    assert "publisher-place" not in item


def test_elocation_is_number_not_page():
    item = _item(factories.elocation_article())
    assert item["number"] == "e2024001"
    assert "page" not in item
    assert item["issue"] == "Special"
    assert item["language"] == "en"


def test_minimal_article_has_only_what_exists():
    item = _item(factories.minimal_article(), factories.journal(abbrev_title=None, issn_electronic=None, publisher_name=None))
    assert item == {
        "id": "tjh/minimal",
        "type": "article-journal",
        "language": "en",
        "title": "Editorial",
        "container-title": "Türk Tarihi Dergisi",
        "ISSN": "1300-0004",
        "issued": {"date-parts": [[2024]]},
    }


def test_single_page_and_subtitle_after_question_mark():
    article = factories.rich_article(
        pages=Pages("7"),
        title=Multilingual((("tr", "Neden Ankara?"), ("en", "Why Ankara?"))),
        subtitle=Multilingual((("tr", "Bir inceleme"),)),
    )
    item = _item(article)
    assert item["page"] == "7"
    assert item["title"] == "Neden Ankara? Bir inceleme"


def test_file_is_one_item_array_utf8_with_newline():
    data = _file(factories.rich_article())
    assert data.endswith(b"}\n]\n")
    assert "Şahin".encode("utf-8") in data  # not \u015e escapes
    items = json.loads(data)
    assert isinstance(items, list) and len(items) == 1
    assert csl_check.validate_csl(data, "x.json") == []


@pytest.mark.parametrize("make", [factories.rich_article, factories.minimal_article, factories.elocation_article])
def test_factories_validate_against_official_schema(make):
    assert csl_check.validate_csl(_file(make()), "a.json") == []


def test_output_is_deterministic():
    article = factories.rich_article()
    assert csl.render(article, factories.journal()) == csl.render(article, factories.journal())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(strategies.articles())
def test_generated_articles_validate(article):
    journal = factories.journal()
    rendered = csl.render(article, journal)
    data = rendered.files[f"{journal.id}/csl/{article.id}.json"]
    assert csl_check.validate_csl(data, "generated.json") == []
    [item] = json.loads(data)
    assert item == json.loads(rendered.parts["csl"])
    assert item["title"].startswith(article.title.first())
    assert len(item["author"]) == len(article.authors)
    for name, contributor in zip(item["author"], article.authors):
        if isinstance(contributor, Collaboration):
            assert name == {"literal": contributor.display_name}
        else:
            assert name["family"] == contributor.family
            assert name.get("given") == contributor.given
    assert item["issued"]["date-parts"][0] == list(article.dates.published.parts())
    assert csl.render(article, journal) == rendered


def _entry(article, journal):
    rendered = csl.render(article, journal)
    return JournalEntry(article_id=article.id, issue_key=article.issue_key, datestamp="2024-01-01T00:00:00Z", parts=rendered.parts)


def test_journal_file_sorted_by_article_id_and_valid():
    journal = factories.journal()
    articles = [factories.rich_article(), factories.minimal_article(), factories.elocation_article()]
    files = csl.render_journal(journal, [_entry(a, journal) for a in articles])
    data = files["tjh/csl.json"]
    assert csl_check.validate_csl(data, "tjh/csl.json") == []
    assert [item["id"] for item in json.loads(data)] == ["tjh/elocation", "tjh/minimal", "tjh/tr-ru-relations"]
    shuffled = csl.render_journal(journal, [_entry(a, journal) for a in reversed(articles)])
    assert shuffled == files
    # Each item in the journal file is byte-for-byte the item of the article's own file.
    assert json.loads(data)[2] == json.loads(_file(articles[0]))[0]


# --- the validator ------------------------------------------------------------------------


def test_validator_reports_schema_errors():
    item = _item(factories.rich_article())
    item["type"] = "journal-article"  # a Crossref type, not a CSL one
    item["author"][0]["first"] = "Ayşe"
    item["issued"] = {"date-parts": [[2024, 3, 28, 1]]}
    problems = csl_check.validate_csl(json.dumps([item]).encode(), "bad.json")
    messages = "\n".join(p.message for p in problems)
    assert all(p.path == "bad.json" for p in problems)
    assert "/0/type: 'journal-article' is not one of" in messages
    assert "/0/author/0: Additional properties are not allowed ('first' was unexpected)" in messages
    assert "/0/issued" in messages


def test_validator_reports_broken_json_with_line():
    [problem] = csl_check.validate_csl(b'[\n  {"id": "x",\n  "type": }\n]\n', "broken.json")
    assert problem.line == 3
    assert problem.message.startswith("not JSON")


def test_validator_requires_an_array_with_id_and_type():
    assert csl_check.validate_csl(b'{"id": "x", "type": "book"}', "obj.json")
    assert csl_check.validate_csl(b'[{"type": "book"}]', "noid.json")


_mutations = st.sampled_from([
    ("type", "journal-article"), ("type", 3), ("id", None), ("id", 7), ("id", True),
    ("author", [{"family": "A", "given": 1}]), ("author", [{"name": "A"}]), ("author", "A"),
    ("issued", {"date-parts": [[2024, 1, 2, 3]]}), ("issued", {"date-parts": []}), ("issued", "2024"),
    ("issued", {"date-parts": [["2024"]]}), ("page", 12), ("page", ["1"]), ("keyword", ["a", "b"]),
    ("unknown-field", "x"), ("categories", ["a"]), ("volume", 12), ("volume", 1.5), ("DOI", None),
])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_mutations, max_size=3), st.booleans())
def test_fast_validator_verdict_equals_jsonschema(mutations, drop_type):
    """The Rust fast path accepts exactly what the reference Draft-07 validator accepts."""
    item = copy.deepcopy(_item(factories.rich_article()))
    for key, value in mutations:
        item[key] = value
    if drop_type:
        item.pop("type")
    reference = jsonschema.Draft7Validator(csl_check.schema())
    assert reference.is_valid([item]) == (csl_check.validate_items([item], "m.json") == [])


# --- a real consumer ----------------------------------------------------------------------


def test_pandoc_reads_the_journal_file(tmp_path):
    """pandoc (citeproc-hs) imports our CSL-JSON and keeps every mapped value."""
    assert shutil.which("pandoc"), "pandoc is required for this test"
    journal = factories.journal()
    articles = [factories.rich_article(), factories.elocation_article()]
    data = csl.render_journal(journal, [_entry(a, journal) for a in articles])["tjh/csl.json"]
    path = tmp_path / "csl.json"
    path.write_bytes(data)
    result = subprocess.run(
        ["pandoc", "-f", "csljson", "-t", "csljson", str(path)],
        capture_output=True, check=True,
    )
    assert result.stderr == b""
    ours = {item["id"]: item for item in json.loads(data)}
    theirs = {item["id"]: item for item in json.loads(result.stdout)}
    assert set(theirs) == set(ours)
    for key, item in ours.items():
        back = theirs[key]
        for field in ("title", "container-title", "DOI", "URL", "volume", "issue", "ISSN", "language", "keyword"):
            assert back.get(field) == item.get(field), field
        assert back["issued"] == item["issued"]
        assert back.get("page", back.get("number")) == item.get("page", item.get("number"))
        # citeproc-hs splits particles off family names itself, as CSL processors do.
        assert [_full_family(a) for a in back["author"]] == [_full_family(a) for a in item["author"]]
        assert [a.get("given") for a in back["author"]] == [a.get("given") for a in item["author"]]


def _full_family(name):
    if "literal" in name:
        return name["literal"]
    return " ".join(p for p in (name.get("non-dropping-particle"), name["family"]) if p)
