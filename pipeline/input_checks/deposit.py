"""What a Crossref deposit or a DOAJ upload needs from a record, checked before any file is made.

``pipeline validate --for crossref`` (or ``doaj``) reports each problem with the record's
file, line and field, instead of the deposit silently leaving the article out or failing
at Crossref with a message about the XML.

Field paths follow the input keys: ``doi``, ``url``, ``authors[2].family`` (0-based) for
the article's file; paths starting with ``journal.`` (``journal.depositor``,
``journal.issn``) point into the journal's ``journal.yaml``.
"""

from __future__ import annotations

import re
from typing import Literal

from .. import deposit as rules
from ..model import Article, Collaboration, Journal, PartialDate, Person

Target = Literal["crossref", "doaj"]
Problem = tuple[str, str]  # (field path, message)

_DOI = re.compile(r"10\.[0-9]{4,9}/.{1,200}")
TARGETS = ("crossref", "doaj")


def _too_long(value: str | None, limit: int) -> bool:
    return value is not None and len(value) > limit


def _date_problems(field: str, date: PartialDate | None) -> list[Problem]:
    if date is not None and not 1400 <= date.year <= 2200:
        return [(field, f"Crossref accepts years 1400 to 2200, not {date.year}")]
    return []


def _crossref_journal(journal: Journal) -> list[Problem]:
    problems: list[Problem] = []
    if journal.depositor is None:
        problems.append(("journal.depositor", "a Crossref deposit needs the depositor's name and email (depositor: {name, email})"))
    else:
        if _too_long(journal.depositor.name, 130):
            problems.append(("journal.depositor.name", "Crossref takes at most 130 characters"))
        if not 6 <= len(journal.depositor.email) <= 200:
            problems.append(("journal.depositor.email", "Crossref takes 6 to 200 characters"))
    if _too_long(journal.registrant, 255):
        problems.append(("journal.registrant", "Crossref takes at most 255 characters"))
    if not (journal.issn_print or journal.issn_electronic):
        problems.append(("journal.issn", "Crossref registers journal articles under the journal's ISSN; give issn.print or issn.electronic"))
    for lang, title in journal.title:
        if _too_long(title, 255):
            problems.append((f"journal.title.{lang}", "Crossref takes journal titles of at most 255 characters"))
    if _too_long(journal.abbrev_title, 150):
        problems.append(("journal.abbrev-title", "Crossref takes at most 150 characters"))
    return problems


def _crossref_article(article: Article, journal: Journal) -> list[Problem]:
    problems: list[Problem] = []
    if not article.doi:
        problems.append(("doi", "no DOI: Crossref registers DOIs, so this article cannot be deposited"))
    elif not _DOI.fullmatch(article.doi):
        problems.append(("doi", f"Crossref does not accept {article.doi!r} as a DOI (10.NNNN/suffix of at most 200 characters)"))
    elif journal.doi_prefix and not article.doi.startswith(journal.doi_prefix + "/"):
        problems.append(("doi", f"DOI {article.doi} is not under the journal's prefix {journal.doi_prefix}: Crossref refuses DOIs of other prefixes"))
    if not article.url:
        problems.append(("url", "no landing page URL: Crossref needs one as the DOI's resource"))
    for field, value in (("volume", article.volume), ("issue", article.issue), ("elocation", article.elocation)):
        if _too_long(value, 32):
            problems.append((field, "Crossref takes at most 32 characters"))
    if article.pages and (_too_long(article.pages.first, 32) or _too_long(article.pages.last, 32)):
        problems.append(("pages", "Crossref takes page numbers of at most 32 characters"))
    problems += _date_problems("dates.published", article.dates.published)
    problems += _date_problems("dates.accepted", article.dates.accepted)
    problems += _date_problems("dates.issue", article.dates.issue)
    if len(article.title) - 1 > rules.CROSSREF_MAX_TITLES:
        problems.append(("title", f"Crossref takes at most {rules.CROSSREF_MAX_TITLES} translated titles"))
    for index, author in enumerate(article.authors):
        if isinstance(author, Collaboration) and _too_long(author.display_name, 511):
            problems.append((f"authors[{index}].name", "Crossref takes organization names of at most 511 characters"))
    return problems


def _doaj_article(article: Article, journal: Journal) -> list[Problem]:
    problems: list[Problem] = []
    if not article.url:
        problems.append(("url", "no URL: DOAJ requires a link to the full text (fullTextUrl)"))
    elif not rules.doaj_full_text_url_fits(article.url):
        problems.append(("url", f"DOAJ does not accept {article.url!r} as fullTextUrl (it wants http(s)://host.tld/... or an IP address)"))
    if not (journal.issn_print or journal.issn_electronic):
        problems.append(("journal.issn", "DOAJ matches uploaded articles to the journal by ISSN; give issn.print or issn.electronic"))
    return problems


def deposit_requirements(article: Article, journal: Journal, target: Target) -> list[Problem]:
    """What keeps ``article`` out of a ``target`` deposit, as (field path, message) pairs."""
    if target == "crossref":
        return _crossref_journal(journal) + _crossref_article(article, journal)
    if target == "doaj":
        return _doaj_article(article, journal)
    raise ValueError(f"unknown deposit target {target!r}; expected one of {', '.join(TARGETS)}")


def _languages(article: Article) -> list[str]:
    seen: list[str] = []
    for lang in (
        article.language,
        *article.title.languages,
        *(a.lang for a in article.abstracts),
        *(k.lang for k in article.keywords),
    ):
        if lang not in seen:
            seen.append(lang)
    return seen


def deposits_built(journal: Journal) -> tuple[Target, ...]:
    """The deposit files ``publish`` builds for a journal, as the writers decide it: Crossref
    needs a depositor (writers/crossref.py render_journal), DOAJ an ISSN (writers/doaj.py)."""
    built: list[Target] = []
    if journal.depositor is not None:
        built.append("crossref")
    if journal.issn_print or journal.issn_electronic:
        built.append("doaj")
    return tuple(built)


def deposit_notices(article: Article, journal: Journal, target: Target) -> list[Problem]:
    """What the deposit keeps, but not in the form the record gives (warnings, not errors)."""
    notices: list[Problem] = []
    if target == "crossref":
        for index, author in enumerate(article.authors):
            if isinstance(author, Person) and not rules.crossref_person_name_fits(author):
                notices.append((
                    f"authors[{index}]",
                    f"Crossref's person-name rules (no digits on both sides of a space, no '?', at most 60 "
                    f"characters, suffix at most 10) refuse {author.display_name!r}: it is deposited as an organization name",
                ))
        for lang in _languages(article):
            if rules.crossref_language_code(lang) is None:
                notices.append(("languages", f"Crossref has no ISO 639-1 code for {lang!r}: its texts go without a language attribute"))
        for index, reference in enumerate(article.references):
            if not (reference.doi or reference.structured or reference.text):
                notices.append((f"references[{index}]", "no DOI, no structured fields and no text: left out of the citation list"))
    elif target == "doaj":
        for lang in _languages(article):
            if rules.doaj_language_code(lang) is None:
                notices.append(("languages", f"DOAJ's ISO 639-2/B list has no code for {lang!r}: its texts go without a language attribute"))
    else:
        raise ValueError(f"unknown deposit target {target!r}; expected one of {', '.join(TARGETS)}")
    return notices
