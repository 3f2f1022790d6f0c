"""Simple Dublin Core for OAI-PMH (``oai_dc:dc``), valid against ``oai_dc.xsd``.

One part, ``oai_dc``: the ``oai_dc:dc`` element the OAI-PMH store serves for the ``oai_dc``
metadataPrefix. No files: the record only exists inside OAI-PMH responses.

Mapping (the DC element is repeated where the model has several values):

- title: per language, with ``xml:lang``; the subtitle in that language joined by the shared
  rule (:func:`pipeline.writers.shared.join_title`).
- creator: each author, "Family, Given" (a group by its name in the main language).
- contributor: each editor.
- subject: each keyword, with its group's ``xml:lang``.
- description: each abstract as plain text, with ``xml:lang``.
- publisher, date (publication date, as precise as known), language (main language).
- type: DCMI ``Text``, the info:eu-repo publication type and ``publishedVersion`` (the
  OpenAIRE/DRIVER vocabulary aggregators read from DC).
- format: ``text/html`` when the article has a landing page.
- identifier: the DOI as an https://doi.org/ URL, then the landing page.
- source: "Journal; Vol. V No. I (Year); pages" in the journal title's language ("Cilt V Sayı I"
  for Turkish), then each ISSN.
- rights: the license URL.
- relation: the journal's web site, PubMed and PMC records of the article.
"""

from __future__ import annotations

from lxml import etree

from pipeline.issue_label import has_words, issue_parts
from pipeline.writers.parts import OAI_DC_PART
from pipeline.model import Article, Collaboration, Contributor, Journal
from pipeline.writers import Rendered, shared

NAME = "oai_dc"

OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCHEMA_LOCATION = "http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd"

_NSMAP = {"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI_NS}

# info:eu-repo/semantics publication types (DRIVER / OpenAIRE guidelines) by JATS article-type.
_EU_REPO_TYPE = {
    "book-review": "review",
    "product-review": "review",
    "editorial": "contributionToPeriodical",
    "letter": "contributionToPeriodical",
    "news": "contributionToPeriodical",
    "correction": "contributionToPeriodical",
    "retraction": "contributionToPeriodical",
    "obituary": "contributionToPeriodical",
    "introduction": "contributionToPeriodical",
}


def render(article: Article, journal: Journal) -> Rendered:
    return Rendered(parts={OAI_DC_PART: etree.tostring(build(article, journal), encoding="UTF-8")})


def build(article: Article, journal: Journal) -> etree._Element:
    dc = etree.Element(f"{{{OAI_DC_NS}}}dc", nsmap=_NSMAP)
    dc.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)

    def add(name: str, text: str | None, lang: str | None = None) -> None:
        if not text:
            return
        element = etree.SubElement(dc, f"{{{DC_NS}}}{name}")
        element.text = text
        if lang:
            element.set(XML_LANG, lang)

    for lang, _ in article.title:
        add("title", shared.title_in(article, lang), lang)
    for author in article.authors:
        add("creator", _name(author))
    for editor in article.editors:
        add("contributor", _name(editor))
    for group in article.keywords:
        for term in group.terms:
            add("subject", term, group.lang)
    for abstract in article.abstracts:
        add("description", abstract.text, abstract.lang)
    add("publisher", journal.publisher_name)
    add("date", article.dates.published.iso())
    add("type", "Text")
    add("type", f"info:eu-repo/semantics/{_EU_REPO_TYPE.get(article.type, 'article')}")
    add("type", "info:eu-repo/semantics/publishedVersion")
    if article.url:
        add("format", "text/html")
    if article.doi:
        add("identifier", f"https://doi.org/{article.doi}")
    add("identifier", article.url)
    title_lang = journal.title.languages[0] if journal.title else None
    # Tagged with the title's language only when the issue words are in it too.
    add("source", _source(article, journal), title_lang if has_words(title_lang) else None)
    for issn in shared.all_issns(journal):
        add("source", issn)
    add("language", article.language)
    add("rights", article.license)
    add("relation", journal.url)
    if article.ids.pmid:
        add("relation", f"https://pubmed.ncbi.nlm.nih.gov/{article.ids.pmid}/")
    if article.ids.pmcid:
        add("relation", f"https://www.ncbi.nlm.nih.gov/pmc/articles/{article.ids.pmcid}/")
    return dc


def _name(contributor: Contributor) -> str:
    if isinstance(contributor, Collaboration):
        return contributor.display_name
    name = ", ".join(part for part in (contributor.family, contributor.given) if part)
    return f"{name}, {contributor.suffix}" if contributor.suffix else name


def _source(article: Article, journal: Journal) -> str:
    """"Journal; Vol. 12 No. 1 (2024); 5-27", the citation of the issue the article is in."""
    pieces = [journal.title.first() or journal.id]
    issue = " ".join(issue_parts(article.volume or None, article.issue or None,
                                 journal.title.languages[0] if journal.title else None))
    year = (article.dates.issue or article.dates.published).year
    pieces.append(f"{issue} ({year})" if issue else str(year))
    if article.pages:
        pieces.append(f"{article.pages.first}-{article.pages.last}" if article.pages.last else article.pages.first)
    elif article.elocation:
        pieces.append(article.elocation)
    return "; ".join(pieces)
