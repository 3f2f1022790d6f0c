"""Crossref deposit XML (schema 5.3.1): one ``doi_batch`` per journal issue.

Per article, :func:`render` builds the ``journal_article`` element (part ``crossref``) and the
``journal_issue`` element it belongs to (part ``crossref-issue``); :func:`render_journal`
assembles one deposit file per issue from those parts only.

Choices the schema leaves open, and why:

- Translations. ``titles`` holds one ``title`` and at most one ``original_language_title``,
  but may repeat (up to 20). Every translated title therefore gets its own ``titles``:
  the main-language title (and subtitle) in ``title``/``subtitle``, the translation in
  ``original_language_title language=".."`` with its own subtitle. Abstracts are one
  ``jats:abstract xml:lang=".."`` per language.
- Names Crossref cannot take as a ``person_name`` (its ``surname``/``given_name`` patterns
  refuse e.g. digits on both sides of a space, and cap the length at 60) are deposited as an
  ``organization`` with the full display name, rather than altered or dropped;
  :func:`pipeline.input_checks.deposit.deposit_notices` names them and ``pipeline validate``
  prints them as warnings.
- Articles without a DOI or a landing URL have nothing to register and give no part;
  ``pipeline validate --for crossref`` reports them.
- The batch of articles with neither volume nor issue is ``ahead-of-print``: it has no
  ``journal_issue``.
- ``timestamp`` is the latest OAI datestamp of the batch as ``yyyyMMddHHmmss`` digits, so it
  only grows when an article of the batch changes; ``doi_batch_id`` adds a hash of the body.
"""

from __future__ import annotations

import hashlib
from typing import Iterable, Mapping

from lxml import etree

from .. import deposit
from ..layout import issue_path
from .parts import CROSSREF_ISSUE_PART, CROSSREF_PART
from ..model import Abstract, Article, Collaboration, Funding, Journal, PartialDate, Person, Reference
from . import JournalEntry, Rendered
from .shared import AHEAD_OF_PRINT, batch_name, group_by_issue  # noqa: F401 (batch_name: callers)
from ..countries import country_name

NAME = "crossref"
PART = CROSSREF_PART
ISSUE_PART = CROSSREF_ISSUE_PART
PARTS = (PART, ISSUE_PART)  # what render_journal reads (the registry lists the same)

CROSSREF_NS = "http://www.crossref.org/schema/5.3.1"
JATS_NS = "http://www.ncbi.nlm.nih.gov/JATS1"
FUNDREF_NS = "http://www.crossref.org/fundref.xsd"
ACCESS_NS = "http://www.crossref.org/AccessIndicators.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NSMAP = {None: CROSSREF_NS, "jats": JATS_NS, "fr": FUNDREF_NS, "ai": ACCESS_NS}
SCHEMA_LOCATION = f"{CROSSREF_NS} https://www.crossref.org/schemas/crossref5.3.1.xsd"
MAX_TITLES = deposit.CROSSREF_MAX_TITLES



def _cr(tag: str) -> str:
    return f"{{{CROSSREF_NS}}}{tag}"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrib: str) -> etree._Element:
    element = etree.SubElement(parent, _cr(tag) if "{" not in tag else tag, attrib)
    if text is not None:
        element.text = text
    return element


def _fits(text: str | None, max_length: int, min_length: int = 1) -> bool:
    return text is not None and min_length <= len(text) <= max_length


# The rules pipeline.input_checks.deposit shares live in pipeline.deposit; these names stay for callers.
person_name_fits = deposit.crossref_person_name_fits
language_code = deposit.crossref_language_code


def _with_language(attrib: dict[str, str], tag: str) -> dict[str, str]:
    code = language_code(tag)
    if code:
        attrib["language"] = code
    return attrib


# ---------------------------------------------------------------------------- article


def _date(parent: etree._Element, tag: str, date: PartialDate, media_type: str | None) -> None:
    element = _sub(parent, tag, **({"media_type": media_type} if media_type else {}))
    if date.month is not None:
        _sub(element, "month", f"{date.month:02d}")
        if date.day is not None:
            _sub(element, "day", f"{date.day:02d}")
    _sub(element, "year", f"{date.year:04d}")


def _titles(parent: etree._Element, article: Article) -> None:
    (main_lang, main_title), *translations = article.title.items
    main_subtitle = article.subtitle.get(main_lang)

    def main_titles() -> etree._Element:
        titles = _sub(parent, "titles")
        _sub(titles, "title", main_title)
        if main_subtitle:
            _sub(titles, "subtitle", main_subtitle)
        return titles

    if not translations:
        main_titles()
    for lang, text in translations[:MAX_TITLES]:
        titles = main_titles()
        _sub(titles, "original_language_title", text, **_with_language({}, lang))
        if article.subtitle.get(lang):
            _sub(titles, "subtitle", article.subtitle.get(lang))


def _institution(parent: etree._Element, article: Article, aff_id: str) -> None:
    aff = article.affiliation(aff_id)
    if aff is None:
        return
    name = aff.institution or aff.text
    if not name and not aff.ror:
        return
    institution = _sub(parent, "institution")
    if name:
        _sub(institution, "institution_name", name[:1024])
    if aff.ror:
        _sub(institution, "institution_id", aff.ror, type="ror")
    # The country by its name in the article's language, as JATS writes it, not its code.
    country = country_name(aff.country, article.language) if aff.country else None
    place = ", ".join(p for p in (aff.city, aff.state, country) if p)
    if _fits(place, 255, 2):
        _sub(institution, "institution_place", place)
    if _fits(aff.department, 255, 2):
        _sub(institution, "institution_department", aff.department)


def _contributors(parent: etree._Element, article: Article) -> None:
    if not article.authors:
        return
    contributors = _sub(parent, "contributors")
    for index, author in enumerate(article.authors):
        attrib = {"sequence": "first" if index == 0 else "additional", "contributor_role": "author"}
        if isinstance(author, Collaboration):
            _sub(contributors, "organization", author.display_name, **attrib)
        elif not person_name_fits(author):
            _sub(contributors, "organization", author.display_name, **attrib)
        else:
            person = _sub(contributors, "person_name", **attrib)
            if author.given:
                _sub(person, "given_name", author.given)
            _sub(person, "surname", author.family)
            if author.suffix:
                _sub(person, "suffix", author.suffix)
            if author.affiliations:
                affiliations = _sub(person, "affiliations")
                for aff_id in author.affiliations:
                    _institution(affiliations, article, aff_id)
                if len(affiliations) == 0:
                    person.remove(affiliations)
            if author.orcid:
                _sub(person, "ORCID", author.orcid, authenticated="false")


def _abstract(parent: etree._Element, abstract: Abstract) -> None:
    element = _sub(parent, f"{{{JATS_NS}}}abstract", **{XML_LANG: abstract.lang})
    for section in abstract.sections:
        # JATS puts every paragraph before the first section, so a structured abstract
        # wraps each of its parts in a sec (titled or not) to keep the record's order.
        container = _sub(element, f"{{{JATS_NS}}}sec") if abstract.structured else element
        if section.title:
            _sub(container, f"{{{JATS_NS}}}title", section.title)
        for paragraph in section.paragraphs:
            _sub(container, f"{{{JATS_NS}}}p", paragraph)


def _fundref(parent: etree._Element, funding: tuple[Funding, ...]) -> None:
    program = _sub(parent, f"{{{FUNDREF_NS}}}program", name="fundref")
    for funder in funding:
        group = _sub(program, f"{{{FUNDREF_NS}}}assertion", name="fundgroup")
        name = _sub(group, f"{{{FUNDREF_NS}}}assertion", funder.funder, name="funder_name")
        if funder.funder_id:
            _sub(name, f"{{{FUNDREF_NS}}}assertion", funder.funder_id, name="funder_identifier")
        for award in funder.awards:
            _sub(group, f"{{{FUNDREF_NS}}}assertion", award, name="award_number")


def _first_author(reference: Reference) -> str | None:
    if not reference.authors:
        return None
    first = reference.authors[0]
    return first.display_name if isinstance(first, Collaboration) else first.family


def _citation(parent: etree._Element, reference: Reference) -> None:
    """``doi`` when known, else the structured fields, else the citation as printed."""
    if reference.doi:
        citation = _sub(parent, "citation", key=reference.id)
        _sub(citation, "doi", reference.doi)
        return
    if reference.structured:
        citation = _sub(parent, "citation", key=reference.id)
        standalone = reference.type in ("book", "report", "thesis")
        in_volume = reference.type in ("chapter", "confproc")
        if reference.container_title and not standalone:
            _sub(citation, "volume_title" if in_volume else "journal_title", reference.container_title)
        if _first_author(reference):
            _sub(citation, "author", _first_author(reference))
        if _fits(reference.volume, 32):
            _sub(citation, "volume", reference.volume)
        if _fits(reference.issue, 32):
            _sub(citation, "issue", reference.issue)
        if reference.pages and _fits(reference.pages.first, 32):
            _sub(citation, "first_page", reference.pages.first)
        if reference.elocation:
            _sub(citation, "elocation_id", reference.elocation)
        if reference.year is not None:
            _sub(citation, "cYear", str(reference.year))
        if _fits(reference.edition, 15):
            _sub(citation, "edition_number", reference.edition)
        if reference.title:
            _sub(citation, "volume_title" if standalone else "article_title", reference.title)
        return
    if reference.text:
        citation = _sub(parent, "citation", key=reference.id)
        _sub(citation, "unstructured_citation", reference.text)


def can_deposit(article: Article) -> bool:
    """Whether the article has what a Crossref registration needs: a DOI and a landing page."""
    return bool(article.doi and article.url)


def journal_article(article: Article) -> etree._Element:
    attrib = _with_language({"publication_type": "full_text"}, article.language)
    root = etree.Element(_cr("journal_article"), attrib, nsmap=NSMAP)
    _titles(root, article)
    _contributors(root, article)
    for abstract in article.abstracts:
        _abstract(root, abstract)
    _date(root, "publication_date", article.dates.published, "online")
    if article.dates.accepted:
        _date(root, "acceptance_date", article.dates.accepted, None)
    if article.pages:
        pages = _sub(root, "pages")
        _sub(pages, "first_page", article.pages.first)
        if article.pages.last:
            _sub(pages, "last_page", article.pages.last)
    if article.elocation:
        item = _sub(root, "publisher_item")
        _sub(item, "item_number", article.elocation, item_number_type="article_number")
    if article.funding:
        _fundref(root, article.funding)
    if article.license:
        program = _sub(root, f"{{{ACCESS_NS}}}program", name="AccessIndicators")
        _sub(program, f"{{{ACCESS_NS}}}license_ref", article.license, applies_to="vor")
    doi_data = _sub(root, "doi_data")
    _sub(doi_data, "doi", article.doi)
    _sub(doi_data, "resource", article.url)
    if article.references:
        citations = _sub(root, "citation_list")
        for reference in article.references:
            _citation(citations, reference)
        if len(citations) == 0:
            root.remove(citations)
    return root


def journal_issue(article: Article, journal: Journal) -> etree._Element | None:
    if article.issue_key is None:
        return None
    root = etree.Element(_cr("journal_issue"), nsmap={None: CROSSREF_NS})
    online = bool(journal.issn_electronic or not journal.issn_print)
    _date(root, "publication_date", article.dates.issue or article.dates.published, "online" if online else "print")
    if article.volume is not None:
        _sub(_sub(root, "journal_volume"), "volume", article.volume)
    if article.issue is not None:
        _sub(root, "issue", article.issue)
    return root


def render(article: Article, journal: Journal) -> Rendered:
    if not can_deposit(article):
        return Rendered()
    parts = {PART: etree.tostring(journal_article(article), encoding="UTF-8")}
    issue = journal_issue(article, journal)
    if issue is not None:
        parts[ISSUE_PART] = etree.tostring(issue, encoding="UTF-8")
    return Rendered(parts=parts)


# ---------------------------------------------------------------------------- journal


def batch_timestamp(datestamps: Iterable[str]) -> str:
    """``2024-05-02T10:11:12Z`` -> ``20240502101112``: the latest datestamp, as digits."""
    digits = max("".join(ch for ch in stamp if ch.isdigit()).ljust(14, "0")[:14] for stamp in datestamps)
    return digits


def _page_order(element: etree._Element, article_id: str) -> tuple:
    """Issue order: by first page (numbers numerically), then e-location, then article id."""
    first = element.findtext(f"{_cr('pages')}/{_cr('first_page')}")
    if first is None:
        first = element.findtext(f"{_cr('publisher_item')}/{_cr('item_number')}") or ""
    number = int(first) if first.isdigit() else float("inf")
    return (number, first, article_id)


def _issue_element(entries: list[JournalEntry]) -> etree._Element | None:
    """The issue's metadata: the one with the earliest date if articles disagree."""
    candidates = []
    for entry in entries:
        data = entry.parts.get(ISSUE_PART)
        if data is None:
            continue
        element = etree.fromstring(data)
        date = element.find(_cr("publication_date"))
        parts = tuple(int(date.findtext(_cr(p)) or 0) for p in ("year", "month", "day"))
        candidates.append((parts, data, element))
    return min(candidates, key=lambda c: (c[0], c[1]))[2] if candidates else None


def _journal_metadata(parent: etree._Element, journal: Journal) -> None:
    metadata = _sub(parent, "journal_metadata", **_with_language({}, journal.main_language))
    for _, title in journal.title.items[:10]:
        _sub(metadata, "full_title", title)
    if journal.abbrev_title:
        _sub(metadata, "abbrev_title", journal.abbrev_title)
    if journal.issn_print:
        _sub(metadata, "issn", journal.issn_print, media_type="print")
    if journal.issn_electronic:
        _sub(metadata, "issn", journal.issn_electronic, media_type="electronic")


def _batch_id(journal: Journal, name: str, timestamp: str, body: bytes) -> str:
    digest = hashlib.sha256(body).hexdigest()[:12]
    return f"{journal.id[:40]}.{name[:30]}.{timestamp}.{digest}"


def deposit(journal: Journal, name: str, entries: list[JournalEntry]) -> bytes:
    """One issue's ``doi_batch``, built from the parts of its entries."""
    root = etree.Element(_cr("doi_batch"), {f"{{{XSI_NS}}}schemaLocation": SCHEMA_LOCATION, "version": "5.3.1"},
                         nsmap={**NSMAP, "xsi": XSI_NS})
    head = _sub(root, "head")
    body = _sub(root, "body")
    journal_element = _sub(body, "journal")
    _journal_metadata(journal_element, journal)
    issue = _issue_element(entries)
    if issue is not None:
        journal_element.append(issue)
    articles = [(etree.fromstring(entry.parts[PART]), entry.article_id) for entry in entries]
    for element, _ in sorted(articles, key=lambda a: _page_order(*a)):
        journal_element.append(element)
    etree.cleanup_namespaces(root, top_nsmap=root.nsmap)

    timestamp = batch_timestamp(entry.datestamp for entry in entries)
    _sub(head, "doi_batch_id", _batch_id(journal, name, timestamp, etree.tostring(body)))
    _sub(head, "timestamp", timestamp)
    depositor = _sub(head, "depositor")
    _sub(depositor, "depositor_name", journal.depositor.name)
    _sub(depositor, "email_address", journal.depositor.email)
    _sub(head, "registrant", journal.registrant or journal.publisher_name or journal.depositor.name)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def render_journal(journal: Journal, entries: list[JournalEntry]) -> Mapping[str, bytes]:
    """``<journal-id>/crossref/<issue>.xml`` for every issue with at least one depositable article.

    A journal without a depositor gives no deposit at all (``pipeline validate --for crossref``
    reports it)."""
    if journal.depositor is None:
        return {}
    return {
        issue_path(NAME, journal.id, name): deposit(journal, name, batch)
        for name, batch in group_by_issue(entries, PART).items()
    }
