"""DOAJ article XML (``doajArticles.xsd``): one ``records`` file per journal issue.

Per article, :func:`render` builds the ``record`` element (part ``doaj``);
:func:`render_journal` puts the records of each issue in one file, in page order.

Choices, and why:

- Languages are ISO 639-2/B codes (``ger``, not ``deu``), mapped from the record's BCP 47
  tags with langcodes. DOAJ's list is a subset of ISO 639-2 (no ``fil``, ``und``...): a
  title, abstract or keyword group in a language DOAJ does not list keeps its text and goes
  without a ``language`` attribute.
- Every title, abstract and keyword group is written, main language first: DOAJ's own
  importer reads the first one as the article's.
- DOAJ has no e-location field: an article numbered by e-location gives it as ``startPage``.
- ``fullTextUrl`` is required: an article without a landing URL DOAJ accepts has no record,
  and a journal without an ISSN (DOAJ files uploads by ISSN) has no file
  (``pipeline validate --for doaj`` reports both).
"""

from __future__ import annotations

import re
from typing import Mapping

from lxml import etree

from .. import deposit
from ..layout import issue_path
from .parts import DOAJ_PART
from ..model import Affiliation, Article, Collaboration, Journal
from . import JournalEntry, Rendered
# The same per-issue batches, named the same way, as the Crossref deposits.
from .shared import group_by_issue
from ..countries import country_name

NAME = "doaj"
PART = DOAJ_PART

_ORCID = re.compile(r"https://orcid\.org/[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]")
_ISSN = re.compile(r"[0-9]{4}-?[0-9]{3}[0-9xX]")


# The rules pipeline.input_checks.deposit shares live in pipeline.deposit; these names stay for callers.
language_code = deposit.doaj_language_code
full_text_url_fits = deposit.doaj_full_text_url_fits


def can_list(article: Article) -> bool:
    """Whether DOAJ can take the article: it needs a full-text URL of the form it accepts."""
    return full_text_url_fits(article.url)


def _sub(parent: etree._Element, tag: str, text: str | None = None, lang: str | None = None, **attrib: str):
    element = etree.SubElement(parent, tag, attrib)
    if lang is not None and language_code(lang):
        element.set("language", language_code(lang))
    if text is not None:
        element.text = text
    return element


def affiliation_name(aff: Affiliation, lang: str) -> str:
    if aff.text:
        return aff.text
    # The country by its name in the article's language, as JATS writes it, not its code.
    country = country_name(aff.country, lang) if aff.country else None
    return ", ".join(p for p in (aff.department, aff.institution, aff.city, aff.state, country) if p) or aff.id


def record(article: Article, journal: Journal) -> etree._Element:
    root = etree.Element("record")
    main = language_code(article.language)
    if main:
        _sub(root, "language", main)
    if journal.publisher_name:
        _sub(root, "publisher", journal.publisher_name)
    _sub(root, "journalTitle", journal.title.first())
    if journal.issn_print and _ISSN.fullmatch(journal.issn_print):
        _sub(root, "issn", journal.issn_print)
    if journal.issn_electronic and _ISSN.fullmatch(journal.issn_electronic):
        _sub(root, "eissn", journal.issn_electronic)
    _sub(root, "publicationDate", article.dates.published.iso())
    if article.volume is not None:
        _sub(root, "volume", article.volume)
    if article.issue is not None:
        _sub(root, "issue", article.issue)
    if article.pages:
        _sub(root, "startPage", article.pages.first)
        if article.pages.last:
            _sub(root, "endPage", article.pages.last)
    elif article.elocation:
        _sub(root, "startPage", article.elocation)
    if article.doi:
        _sub(root, "doi", article.doi)
    _sub(root, "publisherRecordId", article.ids.publisher_id or article.id)
    _sub(root, "documentType", article.type)
    for lang, title in article.title:
        _sub(root, "title", title, lang=lang)

    known_affiliations = {aff.id for aff in article.affiliations}
    if article.authors:
        authors = _sub(root, "authors")
        for contributor in article.authors:
            author = _sub(authors, "author")
            _sub(author, "name", contributor.display_name)
            if contributor.email:
                _sub(author, "email", contributor.email)
            for aff_id in contributor.affiliations:
                if aff_id in known_affiliations:
                    _sub(author, "affiliationId", aff_id)
            orcid = None if isinstance(contributor, Collaboration) else contributor.orcid
            if orcid and _ORCID.fullmatch(orcid):
                _sub(author, "orcid_id", orcid)
    if article.affiliations:
        affiliations = _sub(root, "affiliationsList")
        for aff in article.affiliations:
            _sub(affiliations, "affiliationName", affiliation_name(aff, article.language), affiliationId=aff.id)

    for abstract in article.abstracts:
        _sub(root, "abstract", abstract.text, lang=abstract.lang)
    _sub(root, "fullTextUrl", article.url, format="html")
    for group in article.keywords:
        keywords = _sub(root, "keywords", lang=group.lang)
        for term in group.terms:
            _sub(keywords, "keyword", term)
    return root


def render(article: Article, journal: Journal) -> Rendered:
    if not can_list(article):
        return Rendered()
    return Rendered(parts={PART: etree.tostring(record(article, journal), encoding="UTF-8")})


def _page_order(element: etree._Element, article_id: str) -> tuple:
    first = element.findtext("startPage") or ""
    return (int(first) if first.isdigit() else float("inf"), first, article_id)


def records(entries: list[JournalEntry]) -> bytes:
    root = etree.Element("records")
    elements = [(etree.fromstring(entry.parts[PART]), entry.article_id) for entry in entries]
    for element, _ in sorted(elements, key=lambda e: _page_order(*e)):
        root.append(element)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def render_journal(journal: Journal, entries: list[JournalEntry]) -> Mapping[str, bytes]:
    """``<journal-id>/doaj/<issue>.xml`` for every issue with at least one record.

    DOAJ files an upload under the journal its ISSN names, so a journal without an ISSN gives
    no file (``pipeline validate --for doaj`` reports it)."""
    if not (journal.issn_print or journal.issn_electronic):
        return {}
    return {
        issue_path(NAME, journal.id, name): records(batch)
        for name, batch in group_by_issue(entries, PART).items()
    }
