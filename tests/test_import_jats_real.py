"""Real publishers' JATS (../shared/real-jats, ../shared/import-samples/jats) through
``pipeline import jats``: every file imports, validates (or fails only on named TODOs),
renders as JATS valid against the DTD, and our JATS keeps the original's front matter. Each
file's drop report is asserted (tests/data/import-jats-drops.json), so a new loss fails.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from urllib.parse import unquote

import pytest
from lxml import etree

from pipeline.output_checks import jats as check_jats
from pipeline.importer.jats import import_jats_file
from pipeline.importer.records import write_records
from pipeline.read import load_corpus
from pipeline.writers import jats

from .test_jats_real import XML_LANG, _award_group, _paragraphs, _text

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FILES = sorted((SHARED / "real-jats").glob("*.xml")) + sorted((SHARED / "import-samples" / "jats").glob("*.xml"))
EXPECTED_DROPS = json.loads((Path(__file__).parent / "data" / "import-jats-drops.json").read_text(encoding="utf-8"))
# The one file whose source lacks a required fact: eLife's publish-on-accept record has no pub-date.
EXPECTED_TODOS = {"elife-06828-poa": ["dates.published"]}
PARSER = etree.XMLParser(no_network=True, load_dtd=False, resolve_entities=False)


def _date(element) -> str:
    parts = [element.findtext(t) for t in ("year", "month", "day")]
    return "-".join(f"{int(p):02d}" if i else p.strip() for i, p in enumerate(parts) if p and p.strip().isdigit())


def _title(element) -> str:
    """The title's text, inline markup kept as text, footnote markers (xref) left out."""
    parts = [element.text or ""]
    for child in element:
        if child.tag != "xref":
            parts.append("".join(child.itertext()))
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


def _bare_doi(text: str) -> str:
    value = unquote(text.strip())
    return value[value.index("10."):]


def _pub_date(meta) -> str | None:
    """The publication date as the importer ranks them (date-type=pub, then epub, epub-ppub, ppub)."""
    dates = meta.findall("pub-date")
    for kind in ("pub", "epub", "epub-ppub", "ppub"):
        for element in dates:
            if (element.get("date-type") or element.get("pub-type")) == kind:
                return _date(element)
    return None


def facts(root) -> dict:
    """Front-matter facts of any JATS article, compared original -> ours."""
    meta = root.find("front/article-meta")
    lang = root.get(XML_LANG) or "en"
    affs = {aff.get("id"): aff for aff in meta.iter("aff") if aff.get("id")}

    def institution(aff):
        names = [" ".join(i.text.split()) for i in aff.iter("institution") if i.text and i.get("content-type") in (None, "orgname")]
        return names[0] if names else None

    def city(aff):
        value = aff.findtext(".//city") or aff.findtext(".//named-content[@content-type='city']")
        return " ".join(value.split()) if value else None

    contributors = []
    for contrib in meta.iterfind("contrib-group/contrib[@contrib-type='author']"):
        orcid = contrib.findtext("contrib-id[@contrib-id-type='orcid']")
        contributors.append((
            contrib.findtext("name/surname"),
            contrib.findtext("name/given-names"),
            orcid.strip()[-19:] if orcid else None,
            contrib.get("corresp") == "yes" or contrib.find("xref[@ref-type='corresp']") is not None,
            tuple((institution(aff), city(aff)) for aff in
                  [affs[x.get("rid")] for x in contrib.iterfind("xref[@ref-type='aff']") if x.get("rid") in affs]
                  + contrib.findall("aff")),  # eLife POA writes each affiliation inside its contrib
        ))
    abstracts = {}
    for abstract in meta.iterfind("abstract"):
        abstracts[(abstract.get("abstract-type"), abstract.get(XML_LANG) or lang)] = _paragraphs(abstract)
    for abstract in meta.iterfind("trans-abstract"):
        abstracts[(abstract.get("abstract-type"), abstract.get(XML_LANG))] = _paragraphs(abstract)
    keywords = {}
    for group in meta.iterfind("kwd-group"):
        if group.get("kwd-group-type") in (None, "author", "author-keywords"):
            keywords.setdefault(group.get(XML_LANG) or lang, []).extend(_text(k) for k in group.iterfind("kwd"))
    titles = {lang: _title(meta.find("title-group/article-title"))}
    for group in meta.iterfind("title-group/trans-title-group"):
        titles[group.get(XML_LANG)] = _title(group.find("trans-title"))
    history = meta.find("history")
    license = meta.find("permissions/license")
    license_url = None
    if license is not None:
        ref = license.find("{http://www.niso.org/schemas/ali/1.0/}license_ref")
        license_url = (ref.text if ref is not None else None) or license.get("{http://www.w3.org/1999/xlink}href")
    references = root.findall("back/ref-list/ref")
    return {
        "titles": titles,
        "contributors": contributors,
        "abstracts": abstracts,
        "keywords": keywords,
        "doi": meta.findtext("article-id[@pub-id-type='doi']"),
        "published": _pub_date(meta),
        "history": {d.get("date-type"): _date(d) for d in history.iterfind("date")
                    if d.get("date-type") in ("received", "accepted")} if history is not None else {},
        "volume": meta.findtext("volume"),
        "issue": meta.findtext("issue"),
        "fpage": meta.findtext("fpage"),
        "elocation": None if meta.findtext("fpage") else meta.findtext("elocation-id"),
        "license": license_url.strip() if license_url else None,
        "funding": [_award_group(g) for g in meta.iterfind("funding-group/award-group")],
        "references": len(references),
        "reference-dois": [_bare_doi(d.text) for d in root.iterfind("back/ref-list/ref//pub-id[@pub-id-type='doi']")],
    }


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    seeds = tmp_path_factory.mktemp("seeds")
    records = [import_jats_file(path) for path in FILES]
    write_records(seeds, records, "jats")
    return seeds, {r.article_id: (Path(r.source), r) for r in records}


def test_every_file_imports_and_validates_but_for_named_todos(imported):
    seeds, records = imported
    assert len(records) == len(FILES) == 18
    result = load_corpus(seeds)
    problems = [d for d in result.diagnostics]
    assert all("TODO:" in d.message for d in problems), [str(d) for d in problems]
    todos = {article_id: record.todos for article_id, (_, record) in records.items() if record.todos}
    assert todos == EXPECTED_TODOS
    assert {Path(d.file).stem for d in problems} == set(EXPECTED_TODOS)
    assert sorted(a.id for a in result.corpus.articles) == sorted(set(records) - set(EXPECTED_TODOS))


def test_drop_reports_are_the_expected_ones(imported):
    _, records = imported
    reports = {article_id: record.report.as_dict() for article_id, (_, record) in records.items()}
    assert reports == EXPECTED_DROPS


@pytest.fixture(scope="module")
def edited(imported, tmp_path_factory):
    """The imported seeds after an editor filled the one TODO (the POA record's publication date)."""
    seeds, _ = imported
    copy = tmp_path_factory.mktemp("edited") / "seeds"
    shutil.copytree(seeds, copy)
    record = copy / "elife" / "articles" / "elife-06828-poa.yaml"
    text = record.read_text(encoding="utf-8")
    assert "published: 'TODO: publication date, YYYY-MM-DD'" in text
    record.write_text(text.replace("published: 'TODO: publication date, YYYY-MM-DD'", "published: 2015-05-01"), encoding="utf-8")
    result = load_corpus(copy)
    assert [str(d) for d in result.diagnostics] == []
    return copy, result.corpus


def test_imported_records_publish(edited, tmp_path):
    seeds, corpus = edited
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "pipeline.cli", "publish", str(seeds), "-o", str(out), "--jobs", "1", "-q"],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert sorted(p.stem for p in out.glob("*/jats/*.xml")) == sorted(a.id for a in corpus.articles)
    assert len(corpus.articles) == len(FILES)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_our_jats_keeps_the_originals_front_matter(edited, path):
    _, corpus = edited
    article = next(a for a in corpus.articles if a.id == path.stem)
    data = jats.render(article, corpus.journal(article.journal_id)).parts["jats"]
    assert check_jats.validate_jats(data, path.stem) == []
    original = facts(etree.parse(str(path), PARSER).getroot())
    ours = facts(etree.fromstring(data, PARSER))
    for key in ("titles", "keywords"):
        # Translations taken from sub-articles add languages; none of the original's may change.
        assert {k: v for k, v in ours[key].items() if k in original[key]} == original[key], key
    if path.stem in EXPECTED_TODOS:  # the editor's date, not the source's (it had none)
        assert (original["published"], ours["published"]) == (None, "2015-05-01")
        original["published"] = ours["published"]
    for key in ("contributors", "doi", "published", "history", "volume", "issue", "fpage", "elocation",
                "license", "funding", "references", "reference-dois"):
        assert ours[key] == original[key], key
    for key, paragraphs in original["abstracts"].items():
        kind, lang = key
        ours_key = ("plain-language-summary" if kind == "plain-language-summary" else kind, lang)
        assert ours["abstracts"].get(ours_key) == paragraphs, key


def test_country_names_become_iso_codes(imported):
    """eLife gives country names only; the record holds ISO codes (hand-written expectations)."""
    _, records = imported
    names = {"France": "FR", "United Kingdom": "GB", "Switzerland": "CH"}
    source = etree.parse(str(SHARED / "real-jats" / "elife-14093-v1.xml"), PARSER).getroot()
    expected = [names[aff.findtext(".//country")] for aff in source.find("front/article-meta").iter("aff")]
    assert len(expected) == 8
    _, record = records["elife-14093-v1"]
    assert [a.get("country") for a in record.article["affiliations"]] == expected
    _, review = records["scielo-rsp-2014-review-en-pt"]  # "Brasil" in an English article
    assert {a.get("country") for a in review.article["affiliations"]} == {"BR"}
