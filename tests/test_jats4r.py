"""The JATS4R Schematron rules (run with Saxon) on our JATS output."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from pipeline.output_checks import jats as check
from pipeline.output_checks import jats4r
from pipeline.read import load_corpus
from pipeline.writers import jats
from tests import factories

REAL_JATS = Path(__file__).resolve().parents[2] / "shared" / "real-jats"
SEEDS = Path(__file__).resolve().parents[1] / "seeds"

# Warnings that remain on our output, and why they are left:
EXPECTED_WARNINGS = {
    # The rule only knows <contrib>/<collab>; a name in several languages is what
    # <collab-alternatives> exists for (JATS tag library), so the warning is a false positive.
    "<collab> should be a child of <contrib contrib-type=\"author\"> when it is a group author",
    # Reference data: a web page without authors, a raw citation of unknown type, the URL of a
    # cited web page as printed. Nothing the writer can invent.
    "should always have a child <person-group>",
    "has the attribute publication-type=\"other\"",
    "A URI is not descriptive link text",
    # "key-points" (SciELO's value) is kept: none of JATS4R's recommended values means that.
    "abstract-type attribute value (key-points)",
}


def _findings(article) -> list[jats4r.Finding]:
    return jats4r.check_jats4r(jats.render(article, factories.journal()).parts["jats"])


@pytest.mark.parametrize("make", [factories.rich_article, factories.minimal_article, factories.elocation_article])
def test_factory_articles_have_no_jats4r_errors(make):
    findings = _findings(make())
    assert [str(f) for f in jats4r.errors(findings)] == []
    unexpected = [
        str(f) for f in findings
        if f.role == "warning" and not any(expected in f.message for expected in EXPECTED_WARNINGS)
    ]
    assert unexpected == []


def test_sample_seed_articles_are_valid_and_have_no_jats4r_errors():
    result = load_corpus(SEEDS)
    assert result.corpus.articles
    for article in result.corpus.articles:
        data = jats.render(article, result.corpus.journal(article.journal_id)).parts["jats"]
        assert check.validate_jats(data, article.id) == []
        findings = jats4r.check_jats4r(data)
        assert [str(f) for f in jats4r.errors(findings)] == [], article.id
        unexpected = [
            str(f) for f in findings
            if f.role == "warning" and not any(expected in f.message for expected in EXPECTED_WARNINGS)
        ]
        assert unexpected == [], article.id


def test_front_matter_has_no_jats4r_warnings():
    findings = _findings(factories.rich_article())
    front = [f for f in findings if f.role == "warning" and f.location.startswith("/article/front") and "collab" not in f.message]
    assert front == []


def test_the_rules_fire_on_our_output_when_front_matter_is_wrong():
    data = jats.render(factories.rich_article(), factories.journal()).parts["jats"]
    root = etree.fromstring(data)
    meta = root.find("front/article-meta")
    meta.remove(meta.find("permissions"))
    meta.find("trans-abstract").attrib.pop("{http://www.w3.org/XML/1998/namespace}lang")
    role = meta.find("contrib-group/contrib/role")
    role.set("vocab-term-identifier", "https://credit.niso.org/contributor-roles/software/")
    messages = [f.message for f in jats4r.errors(jats4r.check_jats4r(etree.tostring(root)))]
    assert any("Missing top-level <permissions>" in m for m in messages)
    assert any("<trans-abstract> must have an xml:lang" in m for m in messages)
    assert any("CRediT taxonomy role" in m for m in messages)


def test_the_rules_find_real_problems_in_a_real_article():
    findings = jats4r.check_jats4r((REAL_JATS / "elife-14093-v1.xml").read_bytes())
    messages = [f.message for f in jats4r.errors(findings)]
    assert any("Text that describes the linked object" in m for m in messages)
    assert all(f.location.startswith("/") for f in findings)
