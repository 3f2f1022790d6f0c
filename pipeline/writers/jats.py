"""JATS 1.3 (Journal Publishing) writer: one ``<journal-id>/jats/<article-id>.xml`` per article.

Front matter follows the JATS4R recommendations where they speak (ORCID as ``contrib-id``,
affiliations with ``institution-wrap``/ROR and ``country/@country``, ``ali:license_ref``,
CRediT roles with the four vocabulary attributes, Open Funder Registry ids, ``coi-statement``
author notes, a ``data-availability`` section in ``back``). Record text is always set as element
text or attribute values through lxml, so it can never become markup.
"""

from __future__ import annotations

import re

from lxml import etree

from pipeline.countries import country_name
from pipeline.layout import article_path
from pipeline.model import (
    Abstract,
    Affiliation,
    Article,
    Collaboration,
    Contributor,
    Journal,
    Multilingual,
    Pages,
    PartialDate,
    Person,
    Reference,
)
from pipeline import credit
from pipeline.writers import Rendered, shared
from pipeline.writers.parts import JATS_PART

NAME = "jats"

PUBLIC_ID = "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD v1.3 20210610//EN"
SYSTEM_URL = "https://jats.nlm.nih.gov/publishing/1.3/JATS-journalpublishing1-3.dtd"
DTD_VERSION = "1.3"

XLINK = "http://www.w3.org/1999/xlink"
ALI = "http://www.niso.org/schemas/ali/1.0/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
HREF = f"{{{XLINK}}}href"
TITLE = f"{{{XLINK}}}title"
NSMAP = {"ali": ALI, "xlink": XLINK}

FUNDER_REGISTRY_PREFIX = "https://doi.org/"

# Model abstract kinds -> JATS4R recommended abstract-type values where one fits.
ABSTRACT_TYPES = {"lay-summary": "plain-language-summary", "plain-language-summary": "plain-language-summary"}

# Record publication types the JATS4R citation recommendation spells differently.
PUBLICATION_TYPES = {"chapter": "book"}

# Headings for back-matter sections, which the Publishing DTD requires a title for.
DATA_AVAILABILITY_TITLES = {
    "en": "Data availability",
    "tr": "Veri erişilebilirliği",
    "pt": "Disponibilidade de dados",
    "es": "Disponibilidad de datos",
    "fr": "Disponibilité des données",
    "de": "Datenverfügbarkeit",
}
LICENSE_STATEMENTS = {
    "en": "This article is distributed under the terms of the license at",
    "tr": "Bu makale şu lisansın koşulları altında dağıtılmaktadır:",
    "pt": "Este artigo é distribuído sob os termos da licença em",
    "es": "Este artículo se distribuye bajo los términos de la licencia en",
    "fr": "Cet article est diffusé selon les termes de la licence",
    "de": "Dieser Artikel wird unter den Bedingungen der Lizenz verbreitet:",
}

_NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*\Z")


_CC_LICENSE = re.compile(r"https?://creativecommons\.org/licenses/([a-z-]+)/(\d\.\d)(?:/([a-z]+))?/?\Z")
_CC_PUBLIC_DOMAIN = {"zero": "CC0", "mark": "Public Domain Mark"}
_CC_DOMAIN = re.compile(r"https?://creativecommons\.org/publicdomain/(zero|mark)/(\d\.\d)/?\Z")


def creative_commons_name(url: str) -> str | None:
    """"CC BY-NC 4.0" for a Creative Commons license URL, None for any other URL."""
    match = _CC_LICENSE.match(url)
    if match:
        code, version, jurisdiction = match.groups()
        name = f"CC {code.upper()} {version}"
        return f"{name} {jurisdiction.upper()}" if jurisdiction else name
    match = _CC_DOMAIN.match(url)
    if match:
        return f"{_CC_PUBLIC_DOMAIN[match.group(1)]} {match.group(2)}"
    return None


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    # Attributes in one call: the per-attribute set() calls were a tenth of the writer's time.
    element = etree.SubElement(parent, tag, attrs) if attrs else etree.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _set_lang(element: etree._Element, lang: str, context_lang: str) -> None:
    """``xml:lang`` only where it differs from what the element inherits."""
    if lang != context_lang:
        element.set(XML_LANG, lang)


def _locator(parent: etree._Element, volume: str | None, issue: str | None, pages: Pages | None, elocation: str | None) -> None:
    """Where in the journal a work stands; article-meta and element-citation use the same elements."""
    if volume:
        _sub(parent, "volume", volume)
    if issue:
        _sub(parent, "issue", issue)
    if pages:
        _sub(parent, "fpage", pages.first)
        if pages.last:
            _sub(parent, "lpage", pages.last)
    elif elocation:
        _sub(parent, "elocation-id", elocation)


def _date(parent: etree._Element, tag: str, date: PartialDate, **attrs: str) -> etree._Element:
    element = _sub(parent, tag, **attrs)
    element.set("iso-8601-date", date.iso())
    if date.day is not None:
        _sub(element, "day", f"{date.day:02d}")
    if date.month is not None:
        _sub(element, "month", f"{date.month:02d}")
    _sub(element, "year", f"{date.year:04d}")
    return element


class _Ids:
    """XML ids for one document: affiliations get ``aff1``..., references keep theirs."""

    def __init__(self, article: Article) -> None:
        self.taken: set[str] = set()
        self.aff: dict[str, str] = {}
        for index, aff in enumerate(article.affiliations, start=1):
            self.aff[aff.id] = self._claim(f"aff{index}")
        self.ref: dict[int, str] = {}
        for index, ref in enumerate(article.references, start=1):
            wanted = ref.id if _NCNAME.match(ref.id or "") else f"ref{index}"
            self.ref[index] = self._claim(wanted)

    def _claim(self, wanted: str) -> str:
        candidate, n = wanted, 1
        while candidate in self.taken:
            n += 1
            candidate = f"{wanted}-{n}"
        self.taken.add(candidate)
        return candidate


# ---------------------------------------------------------------- journal-meta


def _journal_meta(front: etree._Element, journal: Journal, lang: str) -> None:
    meta = _sub(front, "journal-meta")
    _sub(meta, "journal-id", journal.id, **{"journal-id-type": "publisher-id"})
    group = _sub(meta, "journal-title-group")
    main_title_lang, main_title = (journal.title.items[0] if journal.title else (lang, journal.id))
    title = _sub(group, "journal-title", main_title)
    _set_lang(title, main_title_lang, lang)
    for other_lang, text in journal.title.others(main_title_lang):
        trans = _sub(group, "trans-title-group")
        trans.set(XML_LANG, other_lang)
        _sub(trans, "trans-title", text)
    if journal.abbrev_title:
        _sub(group, "abbrev-journal-title", journal.abbrev_title, **{"abbrev-type": "publisher"})
    if journal.issn_print:
        _sub(meta, "issn", journal.issn_print, **{"publication-format": "print"})
    if journal.issn_electronic:
        _sub(meta, "issn", journal.issn_electronic, **{"publication-format": "electronic"})
    if journal.publisher_name or journal.publisher_location:
        publisher = _sub(meta, "publisher")
        _sub(publisher, "publisher-name", journal.publisher_name or journal.id)
        if journal.publisher_location:
            _sub(publisher, "publisher-loc", journal.publisher_location)


# ---------------------------------------------------------------- contributors


def _name(parent: etree._Element, person: Person) -> None:
    name = _sub(parent, "name")
    _sub(name, "surname", person.family)
    if person.given:
        _sub(name, "given-names", person.given)
    if person.suffix:
        _sub(name, "suffix", person.suffix)


def _role(parent: etree._Element, role: "str | Multilingual") -> None:
    """A CRediT term gets the four JATS4R vocabulary attributes; free text is a plain role. A
    role given per language is one ``role[@xml:lang]`` per language."""
    texts = [(None, role)] if isinstance(role, str) else list(role)
    term = next((credit.recognise(text) for _, text in texts if credit.recognise(text)), None)
    for lang, text in texts:
        element = _sub(parent, "role", credit.canonical(text))
        if lang is not None:
            element.set(XML_LANG, lang)
        if term:
            element.set("vocab", "credit")
            element.set("vocab-identifier", credit.VOCAB_IDENTIFIER)
            element.set("vocab-term", term.vocab_term)
            element.set("vocab-term-identifier", term.uri)


def _person_contrib(parent: etree._Element, person: Person, contrib_type: str, ids: _Ids) -> None:
    contrib = _sub(parent, "contrib", **{"contrib-type": contrib_type})
    if person.corresponding:
        contrib.set("corresp", "yes")
    if person.equal_contribution:
        contrib.set("equal-contrib", "yes")
    if person.orcid:
        # No @authenticated: an ORCID pasted into a record was not authenticated via ORCID's API.
        _sub(contrib, "contrib-id", person.orcid, **{"contrib-id-type": "orcid"})
    _name(contrib, person)
    for role in person.roles:
        _role(contrib, role)
    if person.email:
        _sub(contrib, "email", person.email)
    _aff_xrefs(contrib, person.affiliations, ids)


def _aff_xrefs(contrib: etree._Element, aff_ids: tuple[str, ...], ids: _Ids) -> None:
    for aff_id in aff_ids:
        if aff_id in ids.aff:
            _sub(contrib, "xref", **{"ref-type": "aff", "rid": ids.aff[aff_id]})


def _collab_element(parent: etree._Element, lang: str, text: str, context_lang: str) -> etree._Element:
    collab = _sub(parent, "collab", text)
    _set_lang(collab, lang, context_lang)
    return collab


def _collab_contrib(parent: etree._Element, group: Collaboration, contrib_type: str, ids: _Ids, lang: str) -> None:
    contrib = _sub(parent, "contrib", **{"contrib-type": contrib_type})
    if group.corresponding:
        contrib.set("corresp", "yes")
    names = group.name.items or ((lang, ""),)
    if len(names) == 1:
        first = _collab_element(contrib, names[0][0], names[0][1], lang)
    else:
        alternatives = _sub(contrib, "collab-alternatives")
        first = None
        for name_lang, text in names:
            collab = _collab_element(alternatives, name_lang, text, lang)
            first = first if first is not None else collab
    if group.members:
        # Members are not authors in their own right (JATS4R: no author contrib inside collab).
        members = _sub(first, "contrib-group")
        for member in group.members:
            _person_contrib(members, member, "member", ids)
    if group.email:
        _sub(contrib, "email", group.email)
    _aff_xrefs(contrib, group.affiliations, ids)


def _contrib_group(parent: etree._Element, contributors: tuple[Contributor, ...], contrib_type: str, ids: _Ids, lang: str) -> None:
    group = _sub(parent, "contrib-group", **{"content-type": f"{contrib_type}s"})
    for contributor in contributors:
        if isinstance(contributor, Collaboration):
            _collab_contrib(group, contributor, contrib_type, ids, lang)
        else:
            _person_contrib(group, contributor, contrib_type, ids)


def _aff_parts(parent: etree._Element, aff: Affiliation, lang: str) -> None:
    """Structured affiliation; parts separated by ", " so that its text reads as printed."""
    pieces: list[etree._Element] = []
    if aff.institution or aff.department or aff.ror:
        wrap = _make("institution-wrap")
        if aff.ror:
            wrap.append(_make("institution-id", aff.ror, **{"institution-id-type": "ror"}))
        # institution-wrap is element-only: no separator between department and institution.
        if aff.department:
            wrap.append(_make("institution", aff.department, **{"content-type": "dept"}))
        if aff.institution:
            wrap.append(_make("institution", aff.institution))
        pieces.append(wrap)
    if aff.city:
        pieces.append(_make("city", aff.city))
    if aff.state:
        pieces.append(_make("state", aff.state))
    if aff.country:
        pieces.append(_make("country", country_name(aff.country, lang), country=aff.country))
    _append_separated(parent, pieces)


def _append_separated(parent: etree._Element, children: list[etree._Element]) -> None:
    for index, child in enumerate(children):
        if index < len(children) - 1:
            child.tail = ", "
        parent.append(child)


def _make(tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.Element(tag)
    element.text = text
    for key, value in attrs.items():
        element.set(key, value)
    return element


def _affiliations(meta: etree._Element, article: Article, ids: _Ids) -> None:
    for aff in article.affiliations:
        if aff.text:
            # Structured parts and the text as printed are two versions of one affiliation.
            alternatives = _sub(meta, "aff-alternatives")
            structured = _sub(alternatives, "aff", id=ids.aff[aff.id])
            _aff_parts(structured, aff, article.language)
            _sub(alternatives, "aff", aff.text, **{"specific-use": "as-printed"})
        else:
            structured = _sub(meta, "aff", id=ids.aff[aff.id])
            _aff_parts(structured, aff, article.language)


# ---------------------------------------------------------------- article-meta


def _article_meta(front: etree._Element, article: Article, journal: Journal, ids: _Ids) -> None:
    lang = article.language
    meta = _sub(front, "article-meta")
    if article.ids.publisher_id:
        _sub(meta, "article-id", article.ids.publisher_id, **{"pub-id-type": "publisher-id"})
    if article.doi:
        _sub(meta, "article-id", article.doi, **{"pub-id-type": "doi"})
    if article.ids.pmid:
        _sub(meta, "article-id", article.ids.pmid, **{"pub-id-type": "pmid"})
    if article.ids.pmcid:
        _sub(meta, "article-id", article.ids.pmcid, **{"pub-id-type": "pmcid"})

    if article.section:
        categories = _sub(meta, "article-categories")
        for section_lang, text in article.section:
            group = _sub(categories, "subj-group", **{"subj-group-type": "heading"})
            _set_lang(group, section_lang, lang)
            _sub(group, "subject", text)

    _title_group(meta, article)

    if article.authors:
        _contrib_group(meta, article.authors, "author", ids, lang)
    if article.editors:
        _contrib_group(meta, article.editors, "editor", ids, lang)
    _affiliations(meta, article, ids)
    _author_notes(meta, article)

    _date(meta, "pub-date", article.dates.published, **{"publication-format": "electronic", "date-type": "pub"})
    if article.dates.issue:
        _date(meta, "pub-date", article.dates.issue, **{"date-type": "collection"})
    _locator(meta, article.volume, article.issue, article.pages, article.elocation)

    if article.dates.received or article.dates.accepted:
        history = _sub(meta, "history")
        if article.dates.received:
            _date(history, "date", article.dates.received, **{"date-type": "received"})
        if article.dates.accepted:
            _date(history, "date", article.dates.accepted, **{"date-type": "accepted"})

    _permissions(meta, article, journal)
    if article.url:
        _sub(meta, "self-uri", **{HREF: article.url, TITLE: article.title.get(lang) or article.title.first() or article.url})
    for galley in article.galleys:  # the full text: one self-uri per file, typed by its format
        galley_url = journal.galley_url(article.id, galley)
        if galley_url:
            attributes = {"content-type": galley.format, HREF: galley_url, TITLE: galley.label or f"Full text ({galley.format.upper()})"}
            if galley.language:
                attributes[XML_LANG] = galley.language
            _sub(meta, "self-uri", **attributes)

    _abstracts(meta, article)

    for group in article.keywords:
        if not group.terms:
            continue
        kwd_group = _sub(meta, "kwd-group", **{"kwd-group-type": "author"})
        _set_lang(kwd_group, group.lang, lang)
        for term in group.terms:
            _sub(kwd_group, "kwd", term)

    _funding(meta, article)


def _title_group(meta: etree._Element, article: Article) -> None:
    lang = article.language
    group = _sub(meta, "title-group")
    main_title = article.title.get(lang)
    title_lang = lang
    if main_title is None:  # the reader requires it; stay valid if a caller did not
        title_lang, main_title = article.title.items[0]
    _sub(group, "article-title", main_title)
    subtitle = article.subtitle.get(title_lang)
    if subtitle:
        _sub(group, "subtitle", subtitle)
    for other_lang, text in article.title.others(title_lang):
        trans = _sub(group, "trans-title-group")
        trans.set(XML_LANG, other_lang)
        _sub(trans, "trans-title", text)
        trans_subtitle = article.subtitle.get(other_lang)
        if trans_subtitle:
            _sub(trans, "trans-subtitle", trans_subtitle)
    for alt_lang, text in article.running_title:
        alt = _sub(group, "alt-title", text, **{"alt-title-type": "running-head"})
        _set_lang(alt, alt_lang, lang)


def _author_notes(meta: etree._Element, article: Article) -> None:
    fn_types = {"competing-interests": "coi-statement", "author-contributions": "con"}
    notes = [(fn_types[note.kind], note.text) for note in article.notes if note.kind in fn_types and note.text]
    if not notes:
        return
    author_notes = _sub(meta, "author-notes")
    for fn_type, text in notes:
        for note_lang, note_text in text:
            fn = _sub(author_notes, "fn", **{"fn-type": fn_type})
            _set_lang(fn, note_lang, article.language)
            _sub(fn, "p", note_text)


def _permissions(meta: etree._Element, article: Article, journal: Journal) -> None:
    license_url = article.license or journal.license
    copyright = article.copyright
    holder = copyright.holder if copyright else None
    if not license_url and not holder:
        return
    permissions = _sub(meta, "permissions")
    if holder:
        # JATS4R: a holder implies a year; default to the year of publication.
        year = copyright.year if copyright and copyright.year else article.dates.published.year
        _sub(permissions, "copyright-statement", f"© {year} {holder}")
        _sub(permissions, "copyright-year", str(year))
        _sub(permissions, "copyright-holder", holder)
    if license_url:
        license = _sub(permissions, "license")
        _sub(license, f"{{{ALI}}}license_ref", license_url)
        statement_lang = article.language if article.language in LICENSE_STATEMENTS else "en"
        if statement_lang != article.language:
            license.set(XML_LANG, statement_lang)
        paragraph = _sub(license, "license-p", LICENSE_STATEMENTS[statement_lang] + " ")
        link = _sub(paragraph, "ext-link", **{"ext-link-type": "uri", HREF: license_url})
        # JATS4R accessibility: link text must describe the target, a bare URL does not.
        name = creative_commons_name(license_url)
        if name:
            link.text = name
        else:
            link.text = license_url
            link.set(TITLE, LICENSE_STATEMENTS[statement_lang].rstrip(":"))
        link.tail = "."


def _abstract_body(element: etree._Element, abstract: Abstract) -> None:
    sections = abstract.sections
    titled = [s for s in sections if s.title]
    if len(sections) == 1 and titled:
        # A single titled section: JATS4R forbids an abstract holding exactly one sec.
        _sub(element, "title", sections[0].title)
        for paragraph in sections[0].paragraphs:
            _sub(element, "p", paragraph)
        return
    current_sec = None
    for section in sections:
        if section.title:
            current_sec = _sub(element, "sec")
            _sub(current_sec, "title", section.title)
            target = current_sec
        else:
            # Untitled text after a titled section continues that section.
            target = current_sec if current_sec is not None else element
        for paragraph in section.paragraphs:
            _sub(target, "p", paragraph)


def _abstracts(meta: etree._Element, article: Article) -> None:
    lang = article.language
    # The main-language abstract (or, lacking one, the first given) is <abstract>; the rest
    # are translations.
    primary = shared.main_abstract(article)
    ordered: list[tuple[str, Abstract]] = []
    if primary:
        ordered.append(("abstract", primary))
    ordered += [("abstract", s) for s in article.summaries if s.lang == lang]
    ordered += [("trans-abstract", a) for a in article.abstracts if a is not primary]
    ordered += [("trans-abstract", s) for s in article.summaries if s.lang != lang]
    for tag, abstract in ordered:
        element = _sub(meta, tag)
        if abstract.kind:
            element.set("abstract-type", ABSTRACT_TYPES.get(abstract.kind, abstract.kind))
        if tag == "trans-abstract" or abstract.lang != lang or not abstract.kind:
            element.set(XML_LANG, abstract.lang)
        _abstract_body(element, abstract)


def _funding(meta: etree._Element, article: Article) -> None:
    if not article.funding and not article.funding_statement:
        return
    group = _sub(meta, "funding-group")
    for index, funding in enumerate(article.funding, start=1):
        award_group = _sub(group, "award-group", id=f"fund{index}")
        source = _sub(award_group, "funding-source")
        wrap = _sub(source, "institution-wrap")
        if funding.funder_id:
            funder_doi = funding.funder_id.removeprefix(FUNDER_REGISTRY_PREFIX)
            _sub(
                wrap,
                "institution-id",
                funder_doi,
                **{
                    "institution-id-type": "doi",
                    "vocab": "open-funder-registry",
                    "vocab-identifier": "10.13039/open_funder_registry",
                },
            )
        _sub(wrap, "institution", funding.funder)
        for award in funding.awards:
            _sub(award_group, "award-id", award)
    for statement_lang, text in article.funding_statement:
        statement = _sub(group, "funding-statement", text)
        _set_lang(statement, statement_lang, article.language)


# ---------------------------------------------------------------- back matter


def _person_group(citation: etree._Element, people: tuple[Contributor, ...], group_type: str) -> None:
    if not people:
        return
    group = _sub(citation, "person-group", **{"person-group-type": group_type})
    for person in people:
        if isinstance(person, Collaboration):
            _sub(group, "collab", person.display_name)
        else:
            _name(group, person)


def _element_citation(parent: etree._Element, ref: Reference) -> None:
    ref_type = ref.type or "other"
    citation = _sub(parent, "element-citation", **{"publication-type": PUBLICATION_TYPES.get(ref_type, ref_type)})
    _person_group(citation, ref.authors, "author")
    _person_group(citation, ref.editors, "editor")
    if ref.title:
        if ref_type == "chapter":
            _sub(citation, "chapter-title", ref.title)
        elif ref_type in ("book", "report", "thesis") and not ref.container_title:
            _sub(citation, "source", ref.title)
        elif ref_type in ("data", "software"):
            _sub(citation, "data-title", ref.title)
        else:
            _sub(citation, "article-title", ref.title)
    if ref.container_title:
        _sub(citation, "source", ref.container_title)
    if ref.edition:
        _sub(citation, "edition", ref.edition)
    if ref.year is not None:
        _sub(citation, "year", str(ref.year))
    _locator(citation, ref.volume, ref.issue, ref.pages, ref.elocation)
    if ref.publisher_location:
        _sub(citation, "publisher-loc", ref.publisher_location)
    if ref.publisher:
        _sub(citation, "publisher-name", ref.publisher)
    if ref.doi:
        _sub(citation, "pub-id", ref.doi, **{"pub-id-type": "doi"})
    if ref.pmid:
        _sub(citation, "pub-id", ref.pmid, **{"pub-id-type": "pmid"})
    if ref.url:
        link = _sub(citation, "ext-link", ref.url, **{"ext-link-type": "uri", HREF: ref.url})
        if ref.title or ref.container_title:
            link.set(TITLE, ref.title or ref.container_title)
    if ref.accessed:
        _sub(citation, "date-in-citation", ref.accessed.iso(), **{"content-type": "access-date", "iso-8601-date": ref.accessed.iso()})


def _has_parts(ref: Reference) -> bool:
    return any((
        ref.authors, ref.editors, ref.title, ref.container_title, ref.year is not None, ref.volume,
        ref.issue, ref.pages, ref.elocation, ref.publisher, ref.publisher_location, ref.edition,
        ref.doi, ref.pmid, ref.url, ref.accessed,
    ))


def _reference(ref_list: etree._Element, ref: Reference, ref_id: str) -> None:
    element = _sub(ref_list, "ref", id=ref_id)
    structured = _has_parts(ref)
    if structured and ref.text:
        # The citation as printed and its parts: two versions of one reference.
        target = _sub(element, "citation-alternatives")
    else:
        target = element
    if structured or not ref.text:
        _element_citation(target, ref)
    if ref.text:
        ref_type = ref.type or "other"
        _sub(target, "mixed-citation", ref.text, **{"publication-type": PUBLICATION_TYPES.get(ref_type, ref_type)})


def _back(article_el: etree._Element, article: Article, ids: _Ids) -> None:
    data_availability = article.note("data-availability")
    if not data_availability and not article.references:
        return
    back = _sub(article_el, "back")
    for note_lang, text in data_availability:
        sec = _sub(back, "sec", **{"sec-type": "data-availability"})
        _set_lang(sec, note_lang, article.language)
        _sub(sec, "title", DATA_AVAILABILITY_TITLES.get(note_lang, DATA_AVAILABILITY_TITLES["en"]))
        _sub(sec, "p", text)
    if article.references:
        ref_list = _sub(back, "ref-list")
        for index, ref in enumerate(article.references, start=1):
            _reference(ref_list, ref, ids.ref[index])


# ---------------------------------------------------------------- entry points


def build_tree(article: Article, journal: Journal) -> etree._ElementTree:
    """The article as a JATS Journal Publishing 1.3 document (no namespace, with DOCTYPE)."""
    root = etree.Element("article", nsmap=NSMAP)
    root.set("article-type", article.type)
    root.set("dtd-version", DTD_VERSION)
    root.set(XML_LANG, article.language)
    ids = _Ids(article)
    front = _sub(root, "front")
    _journal_meta(front, journal, article.language)
    _article_meta(front, article, journal, ids)
    _back(root, article, ids)
    tree = etree.ElementTree(root)
    tree.docinfo.public_id = PUBLIC_ID
    tree.docinfo.system_url = SYSTEM_URL
    return tree


XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def serialize(tree: etree._ElementTree) -> bytes:
    """UTF-8 with a declaration in the usual double-quoted form (lxml's own uses single quotes)."""
    return XML_DECLARATION + etree.tostring(tree, encoding="UTF-8", xml_declaration=False, pretty_print=True)


def render(article: Article, journal: Journal) -> Rendered:
    data = serialize(build_tree(article, journal))
    return Rendered(files={article_path(NAME, journal.id, article.id): data}, parts={JATS_PART: data})
