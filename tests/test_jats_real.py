"""Real published articles, written as our YAML records (tests/data/real-jats), read by the
reader and published as JATS: their front matter must come back as the original has it.

Originals: ../shared/real-jats/scielo-ensaio-2022-pt-en-es.xml (trilingual SciELO) and
elife-14093-v1.xml. What the record contract has no home for is listed in each YAML header.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from pipeline.output_checks import jats as check
from pipeline.output_checks import jats4r
from pipeline.read import load_corpus
from pipeline.writers import jats

DATA = Path(__file__).parent / "data" / "real-jats"
REAL_JATS = Path(__file__).resolve().parents[2] / "shared" / "real-jats"
ORIGINALS = {"ensaio-2022-09201": "scielo-ensaio-2022-pt-en-es.xml", "elife-14093": "elife-14093-v1.xml"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _own_text(element) -> str:
    """Text without footnote markers (<xref> inside a title)."""
    parts = [element.text or ""] + [child.tail or "" for child in element]
    return " ".join("".join(parts).split())


def _paragraphs(abstract) -> list[str]:
    # eLife ends each abstract with a paragraph holding the abstract's own DOI: not text.
    return [_text(p) for p in abstract.iter("p") if p.find("ext-link[@ext-link-type='doi']") is None]


def _date(element) -> str:
    return "-".join(element.findtext(t) for t in ("year", "month", "day") if element.findtext(t))


def _award_group(group) -> tuple:
    source = group.find("funding-source")
    institution = source.find(".//institution")
    funder_id = source.findtext(".//institution-id")
    return (
        _text(institution) if institution is not None else _text(source),
        funder_id[funder_id.index("10.13039/"):] if funder_id else None,  # URL or bare DOI
        [a.text for a in group.iterfind("award-id")],
    )


def front_matter(root: etree._Element) -> dict:
    """The comparable front matter of any JATS article, ours or a publisher's."""
    meta = root.find("front/article-meta")
    lang = root.get(XML_LANG) or "en"
    affs = {aff.get("id"): aff for aff in meta.iter("aff") if aff.get("id")}

    def aff_parts(aff):
        institutions = [i.text.strip() for i in aff.iter("institution") if i.get("content-type") in (None, "orgname")]
        city = aff.findtext(".//city") or aff.findtext(".//named-content[@content-type='city']")
        return (institutions[0] if institutions else None, city)

    contributors = []
    for contrib in meta.iterfind("contrib-group/contrib[@contrib-type='author']"):
        orcid = contrib.findtext("contrib-id[@contrib-id-type='orcid']")
        contributors.append((
            contrib.findtext("name/surname"),
            contrib.findtext("name/given-names"),
            orcid[-19:] if orcid else None,
            contrib.get("corresp") == "yes",
            tuple(aff_parts(affs[x.get("rid")]) for x in contrib.iterfind("xref[@ref-type='aff']")),
        ))
    abstracts = {}
    for abstract in meta.iterfind("abstract"):
        kind = abstract.get("abstract-type")
        if kind in (None, "executive-summary"):
            abstracts[(kind, abstract.get(XML_LANG) or lang)] = (abstract.findtext("title"), _paragraphs(abstract))
    for abstract in meta.iterfind("trans-abstract"):
        abstracts[(abstract.get("abstract-type"), abstract.get(XML_LANG))] = (abstract.findtext("title"), _paragraphs(abstract))
    keywords = {}
    for group in meta.iterfind("kwd-group"):
        if group.get("kwd-group-type") in (None, "author", "author-keywords"):
            keywords[group.get(XML_LANG) or lang] = [_text(k) for k in group.iterfind("kwd")]
    titles = {lang: _own_text(meta.find("title-group/article-title"))}
    for group in meta.iterfind("title-group/trans-title-group"):
        titles[group.get(XML_LANG)] = _text(group.find("trans-title"))
    history = meta.find("history")
    return {
        "titles": titles,
        "contributors": contributors,
        "abstracts": abstracts,
        "keywords": keywords,
        "doi": meta.findtext("article-id[@pub-id-type='doi']"),
        "published": _date(meta.find("pub-date[@date-type='pub']")),
        "history": {d.get("date-type"): _date(d) for d in history.iterfind("date")} if history is not None else {},
        "volume": meta.findtext("volume"),
        "elocation": meta.findtext("elocation-id"),
        "funding": [_award_group(g) for g in meta.iterfind("funding-group/award-group")],
    }


@pytest.fixture(scope="module")
def published():
    result = load_corpus(DATA)
    assert [str(d) for d in result.diagnostics] == []
    corpus = result.corpus
    assert sorted(a.id for a in corpus.articles) == sorted(ORIGINALS)
    return {a.id: jats.render(a, corpus.journal(a.journal_id)).parts["jats"] for a in corpus.articles}


def _parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, etree.XMLParser(no_network=True, load_dtd=False, resolve_entities=False))


@pytest.mark.parametrize("article_id", sorted(ORIGINALS))
def test_front_matter_comes_back_as_in_the_original(published, article_id):
    original = front_matter(etree.parse(str(REAL_JATS / ORIGINALS[article_id])).getroot())
    ours = front_matter(_parse(published[article_id]))
    for key in original:
        assert ours[key] == original[key], key


@pytest.mark.parametrize("article_id", sorted(ORIGINALS))
def test_published_real_articles_are_valid_and_jats4r_clean(published, article_id):
    data = published[article_id]
    assert check.validate_jats(data, article_id) == []
    assert [str(f) for f in jats4r.errors(jats4r.check_jats4r(data))] == []
