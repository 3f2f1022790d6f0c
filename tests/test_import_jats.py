"""``pipeline import jats``: our own JATS comes back as the records it was written from, real
publishers' JATS imports into valid records that publish, and hostile XML is refused.

Round trip: model -> our JATS writer -> the JATS reader -> record -> the YAML reader's model.
The comparison normalizes only what the JATS cannot say or the reader normalizes anyway
(language order, affiliation ids, the journal's default license, the copyright year the writer
fills in, the parts of reference authors JATS citations do not carry).
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from pipeline.importer.jats import read_jats
from pipeline.importer.records import dump_record, write_records
from pipeline.importer.source import SourceError
from pipeline.model import Collaboration, Multilingual, Person
from pipeline.read import build, load_corpus
from pipeline.input_checks import schema
from pipeline.writers import jats

from . import factories, strategies

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


# --- normalization for the comparison ------------------------------------------------------

def _multilingual_sorted(value: Multilingual) -> tuple:
    return tuple(sorted(value.items))


def _people(people, keep_all: bool) -> tuple:
    result = []
    for person in people:
        if isinstance(person, Collaboration):
            result.append(("collab", _multilingual_sorted(person.name), _people(person.members, keep_all),
                           person.affiliations, person.email, person.corresponding))
        elif keep_all:
            result.append(dataclasses.astuple(person))
        else:  # a citation's person-group holds names only
            result.append((person.family, person.given, person.suffix))
    return tuple(result)


def comparable(article, journal) -> dict:
    aff_ids = {aff.id: f"aff{i}" for i, aff in enumerate(article.affiliations, start=1)}

    def renamed(person):
        if isinstance(person, Person):
            return dataclasses.replace(person, affiliations=tuple(aff_ids[a] for a in person.affiliations))
        return dataclasses.replace(person, affiliations=tuple(aff_ids[a] for a in person.affiliations),
                                   members=tuple(renamed(m) for m in person.members))

    title_langs = set(article.title.languages)
    copyright = article.copyright
    if copyright and copyright.holder and copyright.year is None:
        copyright = dataclasses.replace(copyright, year=article.dates.published.year)
    return {
        "id": article.id, "type": article.type, "language": article.language,
        "title": _multilingual_sorted(article.title),
        # the writer sets a subtitle only beside a title in its language
        "subtitle": tuple(sorted(i for i in article.subtitle.items if i[0] in title_langs)),
        "running-title": _multilingual_sorted(article.running_title),
        "doi": article.doi, "ids": article.ids,
        "authors": _people(tuple(renamed(p) for p in article.authors), True),
        "editors": _people(tuple(renamed(p) for p in article.editors), True),
        "affiliations": tuple(dataclasses.replace(a, id=aff_ids[a.id]) for a in article.affiliations),
        "volume": article.volume, "issue": article.issue, "pages": article.pages, "elocation": article.elocation,
        "dates": article.dates,
        "abstracts": tuple(sorted(article.abstracts, key=lambda a: a.lang)),
        "summaries": tuple(sorted(article.summaries, key=lambda a: (a.kind, a.lang))),
        "keywords": tuple(sorted(article.keywords, key=lambda k: k.lang)),
        "license": article.license or journal.license,
        "copyright": copyright,
        "funding": article.funding,
        "funding-statement": _multilingual_sorted(article.funding_statement),
        "notes": tuple((n.kind, _multilingual_sorted(n.text)) for n in article.notes if n.text),
        "section": _multilingual_sorted(article.section),
        "url": article.url or journal.page_url(article.id),  # the reader gives a record without url its landing page
        "references": tuple(
            dataclasses.replace(r, authors=_people(r.authors, False), editors=_people(r.editors, False))
            for r in article.references
        ),
    }


def differences(expected: dict, actual: dict) -> list[str]:
    return [f"{key}:\n  written:  {expected[key]!r}\n  imported: {actual[key]!r}"
            for key in expected if expected[key] != actual[key]]


def round_trip(article, journal):
    data = jats.serialize(jats.build_tree(article, journal))
    record = read_jats(data, f"{article.id}.xml", article.id)
    assert schema.is_valid("article", record.article), [str(e) for e in schema.reference_validator("article").iter_errors(record.article)][:5]
    imported = build.article(record.article, journal, "imported")
    return record, imported


# --- round trip ----------------------------------------------------------------------------

def test_sample_seeds_round_trip_through_our_jats():
    corpus = load_corpus(SEEDS).corpus
    assert corpus.articles
    for article in corpus.articles:
        journal = corpus.journal(article.journal_id)
        record, imported = round_trip(article, journal)
        diff = differences(comparable(article, journal), comparable(imported, journal))
        assert diff == [], f"{article.key}:\n" + "\n".join(diff)
        # Our own JATS has nothing the record cannot hold.
        assert record.report.as_dict() == {}, article.key
        assert record.todos == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(strategies.articles())
def test_generated_records_round_trip_through_our_jats(article):
    journal = factories.journal()
    record, imported = round_trip(article, journal)
    diff = differences(comparable(article, journal), comparable(imported, journal))
    assert diff == [], "\n".join(diff)
    assert record.report.as_dict() == {}


def test_same_source_gives_byte_identical_yaml():
    corpus = load_corpus(SEEDS).corpus
    article = corpus.articles[0]
    data = jats.serialize(jats.build_tree(article, corpus.journal(article.journal_id)))
    first = dump_record(read_jats(data, "a.xml", article.id).article)
    second = dump_record(read_jats(data, "a.xml", article.id).article)
    assert first == second
    assert "\\u" not in first and "İ" in first or "ş" in first
