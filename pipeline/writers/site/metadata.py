"""The landing page's ``<head>`` metadata, from the model: Highwire Press ``citation_*`` tags
(as Google Scholar's inclusion guidelines ask), Dublin Core, Open Graph and schema.org
JSON-LD. Values are plain text; the template escapes them."""

from __future__ import annotations

import json

from ...model import Article, Collaboration, Journal, PartialDate, Person


def highwire_date(value: PartialDate) -> str:
    """Google Scholar's ``YYYY/MM/DD`` (or ``YYYY/MM``, ``YYYY`` at the record's precision)."""
    return "/".join(f"{part:02d}" if i else f"{part:04d}" for i, part in enumerate(value.parts()))


def full_title(article: Article, lang: str) -> str | None:
    title = article.title.get(lang)
    subtitle = article.subtitle.get(lang)
    if title and subtitle:
        return f"{title}: {subtitle}"
    return title


def _institutions(article: Article, contributor) -> list[str]:
    names = []
    for aff_id in contributor.affiliations:
        aff = article.affiliation(aff_id)
        if aff is not None:
            names.append(aff.text or ", ".join(p for p in (aff.department, aff.institution, aff.city, aff.country) if p))
    return names


# where a reference's container goes, by its type (others: citation_publisher_title)
CONTAINER_TAGS = {"journal": "citation_journal_title", "chapter": "citation_inbook_title"}


def _reference(ref) -> str:
    """A reference in the ``citation_reference`` convention (key=value; pairs), or its text."""
    if not ref.structured:
        return ref.text or ""
    pairs = [f"citation_author={name}" for author in ref.authors if (name := author.display_name)]
    pages = ref.pages
    for key, value in (
        ("citation_title", ref.title),
        (CONTAINER_TAGS.get(ref.type, "citation_publisher_title"), ref.container_title),
        ("citation_publisher", ref.publisher),
        ("citation_publication_date", ref.year),
        ("citation_volume", ref.volume),
        ("citation_issue", ref.issue),
        ("citation_firstpage", pages.first if pages else None),
        ("citation_lastpage", pages.last if pages else None),
        ("citation_doi", ref.doi),
        ("citation_pmid", ref.pmid),
    ):
        if value:
            pairs.append(f"{key}={value}")
    return "; ".join(pairs)


def scholar_galleys(article: Article, journal: Journal, format: str) -> list[str]:
    """The absolute URLs of the article's ``format`` galleys in the landing page's directory,
    main language first."""
    landing = journal.page_url(article.id)
    if landing is None:
        return []
    found = []
    for galley in sorted(article.galleys, key=lambda g: g.language not in (None, article.language)):
        url = journal.galley_url(article.id, galley)
        if galley.format == format and url and url.startswith(landing) and "/" not in url[len(landing):]:
            found.append(url)
    return found


def meta_tags(article: Article, journal: Journal) -> list[dict]:
    """``<meta name content [lang] [scheme]>`` in document order."""
    tags: list[dict] = []

    def add(name: str, content: str | None, lang: str | None = None, scheme: str | None = None) -> None:
        if content:
            tags.append({"name": name, "content": content, "lang": lang, "scheme": scheme})

    main = article.language
    # Highwire Press, Google Scholar's order: title, authors (each followed by its
    # institutions and ORCID), dates, journal, issue, pages, identifiers.
    # One citation_title (Scholar takes the first); the translations are DC.title per language.
    add("citation_title", full_title(article, main) or article.title.first(), main)
    for contributor in article.authors:
        if isinstance(contributor, Person):
            add("citation_author", f"{contributor.family}, {contributor.given}" if contributor.given else contributor.family)
        else:
            add("citation_author", contributor.display_name)
        for institution in _institutions(article, contributor):
            add("citation_author_institution", institution)
        if isinstance(contributor, Person):
            add("citation_author_orcid", contributor.orcid)
            add("citation_author_email", contributor.email)
    add("citation_publication_date", highwire_date(article.dates.published))
    add("citation_online_date", highwire_date(article.dates.published))
    add("citation_journal_title", journal.title.first())
    add("citation_journal_abbrev", journal.abbrev_title)
    for issn in (journal.issn_print, journal.issn_electronic):
        add("citation_issn", issn)
    add("citation_publisher", journal.publisher_name)
    add("citation_volume", article.volume)
    add("citation_issue", article.issue)
    if article.pages:
        add("citation_firstpage", article.pages.first)
        add("citation_lastpage", article.pages.last)
    elif article.elocation:
        add("citation_firstpage", article.elocation)
    add("citation_doi", article.doi)
    add("citation_language", main)
    for group in article.keywords:
        add("citation_keywords", "; ".join(group.terms), group.lang)
    for abstract in article.abstracts:
        add("citation_abstract", abstract.text, abstract.lang)
    add("citation_abstract_html_url", article.url)
    # Full text, as Scholar's guidelines ask: the absolute URL of a file in the same directory
    # as the landing page (a galley copied beside it, or a url there); files elsewhere are only
    # linked from the page. The first HTML galley so placed is the full-text page, else the
    # landing page itself.
    html_galleys = scholar_galleys(article, journal, "html")
    add("citation_fulltext_html_url", html_galleys[0] if html_galleys else article.url)
    for url in scholar_galleys(article, journal, "pdf"):
        add("citation_pdf_url", url)
    for ref in article.references:
        add("citation_reference", _reference(ref))
    # Dublin Core
    for lang, _text in article.title:
        add("DC.title", full_title(article, lang), lang)
    for contributor in article.authors:
        add("DC.creator", contributor.display_name)
    add("DC.date", article.dates.published.iso())
    if article.doi:
        add("DC.identifier", f"https://doi.org/{article.doi}")
    add("DC.rights", article.license)
    add("DC.language", main)
    for abstract in article.abstracts:
        add("DC.description", abstract.text, abstract.lang)
    add("DC.source", journal.title.first())
    add("DC.publisher", journal.publisher_name)
    for group in article.keywords:
        for term in group.terms:
            add("DC.subject", term, group.lang)
    add("DC.type", "Text")
    return tags


def open_graph(article: Article, journal: Journal) -> list[dict]:
    items = [
        ("og:type", "article"),
        ("og:title", full_title(article, article.language) or article.title.first()),
        ("og:url", article.url),
        ("og:site_name", journal.title.first()),
        ("og:locale", article.language.replace("-", "_")),
        ("og:description", article.abstracts[0].text if article.abstracts else None),
        ("article:published_time", article.dates.published.iso()),
    ]
    return [{"property": p, "content": c} for p, c in items if c]


def _person(article: Article, contributor) -> dict:
    if isinstance(contributor, Collaboration):
        return {"@type": "Organization", "name": contributor.display_name}
    person: dict = {"@type": "Person", "name": contributor.display_name, "familyName": contributor.family}
    if contributor.given:
        person["givenName"] = contributor.given
    if contributor.orcid:
        person["@id"] = contributor.orcid
        person["sameAs"] = contributor.orcid
    organizations = []
    for aff_id in contributor.affiliations:
        aff = article.affiliation(aff_id)
        if aff is None:
            continue
        organization = {"@type": "Organization", "name": aff.institution or aff.text or aff.id}
        if aff.ror:
            organization["sameAs"] = aff.ror
        organizations.append(organization)
    if organizations:
        person["affiliation"] = organizations
    return person


def json_ld(article: Article, journal: Journal) -> dict:
    periodical: dict = {"@type": "Periodical", "name": journal.title.first()}
    issns = [i for i in (journal.issn_print, journal.issn_electronic) if i]
    if issns:
        periodical["issn"] = issns
    if journal.publisher_name:
        periodical["publisher"] = {"@type": "Organization", "name": journal.publisher_name}
    part_of = periodical
    if article.volume:
        part_of = {"@type": "PublicationVolume", "volumeNumber": article.volume, "isPartOf": part_of}
    if article.issue:
        part_of = {"@type": "PublicationIssue", "issueNumber": article.issue, "isPartOf": part_of}
    main = article.language
    data: dict = {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "headline": full_title(article, main) or article.title.first(),
        "name": full_title(article, main) or article.title.first(),
        "inLanguage": main,
        "datePublished": article.dates.published.iso(),
        "author": [_person(article, c) for c in article.authors],
        "isPartOf": part_of,
    }
    translated = [{"@language": lang, "@value": full_title(article, lang)} for lang, _t in article.title.others(main)]
    if translated:
        data["alternativeHeadline"] = translated
    if article.url:
        data["@id"] = article.url
        data["url"] = article.url
    if article.doi:
        data["identifier"] = {"@type": "PropertyValue", "propertyID": "DOI", "value": article.doi}
        data["sameAs"] = f"https://doi.org/{article.doi}"
    if article.license:
        data["license"] = article.license
    keywords = [term for group in article.keywords for term in group.terms]
    if keywords:
        data["keywords"] = keywords
    abstract = article.abstract(main) or (article.abstracts[0] if article.abstracts else None)
    if abstract is not None:
        data["abstract"] = abstract.text
    if article.pages:
        data["pageStart"] = article.pages.first
        if article.pages.last:
            data["pageEnd"] = article.pages.last
    media_types = {"pdf": "application/pdf", "html": "text/html", "xml": "application/xml"}
    encodings = [
        {"@type": "MediaObject", "contentUrl": url, "encodingFormat": media_types[galley.format]}
        | ({"inLanguage": galley.language} if galley.language else {})
        for galley in article.galleys if (url := journal.galley_url(article.id, galley))
    ]
    if encodings:
        data["encoding"] = encodings
    if article.references:
        data["citation"] = [
            {"@type": "CreativeWork", "name": ref.title or ref.text or ""} | ({"sameAs": f"https://doi.org/{ref.doi}"} if ref.doi else {})
            for ref in article.references
        ]
    return data


def json_ld_text(article: Article, journal: Journal) -> str:
    """JSON-LD safe inside ``<script>``: ``<``, ``>`` and ``&`` as ``\\u003c`` etc., so a title
    holding ``</script>`` or ``<!--`` cannot end the element."""
    # one line: json's C encoder runs only without indent (the indented form took a tenth of the page's time)
    text = json.dumps(json_ld(article, journal), ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
