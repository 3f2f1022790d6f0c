"""Issue 10 item 4: format-neutral choices are made once and every format follows them.

Expected titles are written out here from the rule (": " between title and subtitle, a space
after a title that ends in "?", "!", ":" or "…"), not computed by the writers' helpers.
"""

from __future__ import annotations

import json

import bibtexparser
import pytest
import rispy
from lxml import etree
from pylatexenc.latex2text import LatexNodes2Text

from pipeline.model import Multilingual
from pipeline.writers import bibtex, citations, csl, oai_dc, ris

from .factories import journal, minimal_article

CASES = [
    ("Why wait\u2026", "A study", "Why wait\u2026 A study"),
    ("Why wait...", "A study", "Why wait... A study"),
    ("Why wait?", "A study", "Why wait? A study"),
    ("Wait!", "A study", "Wait! A study"),
    ("Part one:", "A study", "Part one: A study"),
    ("Growth in the U.S.", "A study", "Growth in the U.S.: A study"),
    ("Plain title", "A study", "Plain title: A study"),
]


def _article(title: str, subtitle: str):
    return minimal_article(
        type="research-article",
        title=Multilingual((("en", title), ("tr", "Türkçe başlık"))),
        subtitle=Multilingual((("en", subtitle), ("tr", "Bir çalışma"))),
        languages=("en", "tr"),
    )


def _titles_in_every_format(article) -> dict[str, str]:
    j = journal()
    (csl_file,) = csl.render(article, j).files.values()
    (bib_file,) = bibtex.render(article, j).files.values()
    (ris_file,) = ris.render(article, j).files.values()
    dc = etree.fromstring(oai_dc.render(article, j).parts["oai_dc"])
    bib_title = bibtexparser.parse_string(bib_file.decode()).entries[0]["title"]
    return {
        "csl": json.loads(csl_file)[0]["title"] if isinstance(json.loads(csl_file), list) else json.loads(csl_file)["title"],
        "bibtex": LatexNodes2Text().latex_to_text(bib_title),
        "ris": rispy.loads(ris_file.decode())[0]["title"],
        "oai_dc": dc.findtext("{http://purl.org/dc/elements/1.1/}title[@{http://www.w3.org/XML/1998/namespace}lang='en']"),
    }


@pytest.mark.parametrize(("title", "subtitle", "expected"), CASES)
def test_title_and_subtitle_joined_alike_in_every_format(title, subtitle, expected):
    assert _titles_in_every_format(_article(title, subtitle)) == dict.fromkeys(("csl", "bibtex", "ris", "oai_dc"), expected)


def test_translated_titles_follow_the_same_rule():
    article = _article("Why wait\u2026", "A study")
    (ris_file,) = ris.render(article, journal()).files.values()
    assert rispy.loads(ris_file.decode())[0]["translated_title"] == "Türkçe başlık: Bir çalışma"
    dc = etree.fromstring(oai_dc.render(article, journal()).parts["oai_dc"])
    assert dc.findtext("{http://purl.org/dc/elements/1.1/}title[@{http://www.w3.org/XML/1998/namespace}lang='tr']") == "Türkçe başlık: Bir çalışma"


def test_citations_print_the_shared_title():
    article = _article("Why wait\u2026", "A study")
    text = b"".join(citations.render(article, journal()).files.values()).decode()
    assert "Why wait\u2026 A study" in text and "Why wait\u2026:" not in text


def test_doaj_does_not_import_the_crossref_writer():
    from pipeline.writers import doaj
    import ast
    import inspect
    tree = ast.parse(inspect.getsource(doaj))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "crossref" not in imported and not any(m and m.endswith(".crossref") for m in imported)


def test_bibtex_text_starting_with_equals_is_not_a_macro():
    from pipeline.model import Dates, PartialDate
    from pipeline.writers import biblatex

    j = journal(title=Multilingual((("tr", "=Revista"),)), abbrev_title=None)
    article = minimal_article(type="research-article", dates=Dates(published=PartialDate(2024, 3)))
    (bib,) = bibtex.render(article, j).files.values()
    assert "journal = {=Revista}," in bib.decode()
    assert "month = mar," in bib.decode() or "month = mar\n" in bib.decode()  # the one real macro stays bare
    entry = bibtexparser.parse_string(bib.decode()).entries[0]
    assert entry["journal"] == "=Revista"
    (bbl,) = biblatex.render(article, j).files.values()
    assert bibtexparser.parse_string(bbl.decode()).entries[0]["journaltitle"] == "=Revista"
