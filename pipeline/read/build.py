"""Validated record data -> the immutable model.

Runs only on records that passed the schema and the semantic checks, so it can assume
shapes and formats; its job is normalization (text, identifiers, language order).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..model import (
    Abstract,
    AbstractSection,
    Affiliation,
    Article,
    ArticleIds,
    Collaboration,
    Contributor,
    Copyright,
    Dates,
    Depositor,
    Funding,
    Galley,
    Journal,
    Keywords,
    Multilingual,
    Note,
    OaiIdentity,
    PartialDate,
    Pages,
    Person,
    Reference,
)
from .. import credit
from .. import identifiers
from .text import clean_line, paragraphs

NOTE_KINDS = ("competing-interests", "author-contributions", "data-availability")


def partial_date(value: Any) -> PartialDate:
    parts = [int(p) for p in str(value).split("-")]
    return PartialDate(*parts)


def _opt_text(value: Any) -> str | None:
    return None if value is None else clean_line(str(value))


def _order(languages: tuple[str, ...], keys) -> list[str]:
    """Declared languages first in their order, then anything else as written."""
    keys = list(keys)
    return [lang for lang in languages if lang in keys] + [k for k in keys if k not in languages]


def multilingual(value: Any, languages: tuple[str, ...]) -> Multilingual:
    if value is None:
        return Multilingual()
    if isinstance(value, str):
        return Multilingual(((languages[0], clean_line(value)),))
    return Multilingual(tuple((lang, clean_line(value[lang])) for lang in _order(languages, value)))


def article_languages(data: dict, journal: Journal) -> tuple[str, ...]:
    declared = tuple(data.get("languages") or journal.languages)
    main = data["language"]
    return (main,) + tuple(lang for lang in declared if lang != main)


def role(value: Any, languages: tuple[str, ...]) -> str | Multilingual:
    """A role as text, CRediT terms in their canonical spelling; per language as a map."""
    if isinstance(value, str):
        return credit.canonical(clean_line(value))
    order = _order(languages, value) if languages else list(value)
    return Multilingual(tuple((lang, credit.canonical(clean_line(value[lang]))) for lang in order))


def person(data: dict, languages: tuple[str, ...] = ()) -> Person:
    return Person(
        family=clean_line(data["family"]),
        given=_opt_text(data.get("given")),
        suffix=_opt_text(data.get("suffix")),
        orcid=identifiers.canonical_orcid(data["orcid"]) if data.get("orcid") else None,
        email=_opt_text(data.get("email")),
        affiliations=tuple(data.get("affiliations", ())),
        corresponding=bool(data.get("corresponding", False)),
        equal_contribution=bool(data.get("equal-contribution", False)),
        roles=tuple(role(value, languages) for value in data.get("roles", ())),
    )


def contributor(data: dict, languages: tuple[str, ...]) -> Contributor:
    if "collab" in data:
        return Collaboration(
            name=multilingual(data["collab"], languages),
            members=tuple(person(m, languages) for m in data.get("members", ())),
            affiliations=tuple(data.get("affiliations", ())),
            email=_opt_text(data.get("email")),
            corresponding=bool(data.get("corresponding", False)),
        )
    return person(data, languages)


def affiliation(data: dict) -> Affiliation:
    return Affiliation(
        id=data["id"],
        institution=_opt_text(data.get("institution")),
        department=_opt_text(data.get("department")),
        city=_opt_text(data.get("city")),
        state=_opt_text(data.get("state")),
        country=data["country"].upper() if data.get("country") else None,
        ror=identifiers.canonical_ror(data["ror"]) if data.get("ror") else None,
        text=_opt_text(data.get("text")),
    )


def pages(data: dict | None) -> Pages | None:
    if not data:
        return None
    return Pages(str(data["first"]), None if data.get("last") is None else str(data["last"]))


def abstract(lang: str, value: Any, kind: str | None = None) -> Abstract:
    if isinstance(value, str):
        return Abstract(lang, (AbstractSection(None, paragraphs(value)),), kind)
    sections = tuple(AbstractSection(clean_line(s["title"]), paragraphs(s["text"])) for s in value)
    return Abstract(lang, sections, kind)


def reference(index: int, data: dict, languages: tuple[str, ...]) -> Reference:
    return Reference(
        id=f"ref{index}",
        type=data.get("type"),
        text=_opt_text(data.get("text")),
        authors=tuple(contributor(a, languages) for a in data.get("authors", ())),
        editors=tuple(contributor(e, languages) for e in data.get("editors", ())),
        title=_opt_text(data.get("title")),
        container_title=_opt_text(data.get("container-title")),
        year=data.get("year"),
        volume=_opt_text(data.get("volume")),
        issue=_opt_text(data.get("issue")),
        pages=pages(data.get("pages")),
        elocation=_opt_text(data.get("elocation")),
        publisher=_opt_text(data.get("publisher")),
        publisher_location=_opt_text(data.get("publisher-location")),
        edition=_opt_text(data.get("edition")),
        doi=identifiers.canonical_doi(data["doi"]) if data.get("doi") else None,
        pmid=str(data["pmid"]) if data.get("pmid") is not None else None,
        url=data.get("url"),
        accessed=partial_date(data["accessed"]) if data.get("accessed") is not None else None,
    )


def oai_identity(data: dict | None) -> OaiIdentity | None:
    if not data:
        return None
    return OaiIdentity(
        repository_name=clean_line(data["repository-name"]),
        base_url=data["base-url"],
        admin_email=data["admin-email"],
        namespace=data["namespace"],
    )


def journal(data: dict, source: str) -> Journal:
    languages = tuple(data["languages"])
    issn = data.get("issn", {})
    publisher = data.get("publisher", {})
    depositor = data.get("depositor")
    return Journal(
        id=data["id"],
        title=multilingual(data["title"], languages),
        languages=languages,
        abbrev_title=_opt_text(data.get("abbrev-title")),
        issn_print=identifiers.canonical_issn(issn["print"]) if issn.get("print") else None,
        issn_electronic=identifiers.canonical_issn(issn["electronic"]) if issn.get("electronic") else None,
        publisher_name=_opt_text(publisher.get("name")),
        publisher_location=_opt_text(publisher.get("location")),
        doi_prefix=data.get("doi-prefix"),
        license=data.get("license"),
        url=data.get("url"),
        oai=oai_identity(data.get("oai")),
        depositor=Depositor(clean_line(depositor["name"]), depositor["email"]) if depositor else None,
        registrant=_opt_text(data.get("registrant")),
        citation_styles=tuple(data.get("citation-styles", ("apa",))),
        source=source,
    )


def galley(data: dict, files_dir: Path | None) -> Galley:
    file = None
    if data.get("file"):
        file = str((files_dir / data["file"]).resolve()) if files_dir is not None else data["file"]
    return Galley(format=data["format"], label=_opt_text(data.get("label")), language=data.get("language"),
                  url=data.get("url"), file=file)


def article(data: dict, journal: Journal, source: str, files_dir: Path | None = None) -> Article:
    """``files_dir``: the article's folder (``articles/<article-id>/``), where its galley files are."""
    languages = article_languages(data, journal)
    dates = data["dates"]
    summaries = tuple(
        abstract(lang, per_lang[lang], kind)
        for kind, per_lang in data.get("summaries", {}).items()
        for lang in _order(languages, per_lang)
    )
    copyright_data = data.get("copyright")
    ids = data.get("ids", {})
    return Article(
        id=data["id"],
        journal_id=journal.id,
        type=data["type"],
        language=data["language"],
        languages=languages,
        title=multilingual(data["title"], languages),
        subtitle=multilingual(data.get("subtitle"), languages),
        running_title=multilingual(data.get("running-title"), languages),
        dates=Dates(
            published=partial_date(dates["published"]),
            received=partial_date(dates["received"]) if "received" in dates else None,
            accepted=partial_date(dates["accepted"]) if "accepted" in dates else None,
            issue=partial_date(dates["issue"]) if "issue" in dates else None,
        ),
        doi=identifiers.canonical_doi(data["doi"]) if data.get("doi") else None,
        ids=ArticleIds(
            pmid=str(ids["pmid"]) if ids.get("pmid") is not None else None,
            pmcid=ids.get("pmcid"),
            publisher_id=_opt_text(ids.get("publisher-id")),
        ),
        authors=tuple(contributor(a, languages) for a in data.get("authors", ())),
        editors=tuple(contributor(e, languages) for e in data.get("editors", ())),
        affiliations=tuple(affiliation(a) for a in data.get("affiliations", ())),
        volume=_opt_text(data.get("volume")),
        issue=_opt_text(data.get("issue")),
        pages=pages(data.get("pages")),
        elocation=_opt_text(data.get("elocation")),
        abstracts=tuple(abstract(lang, data["abstract"][lang]) for lang in _order(languages, data.get("abstract", {}))),
        summaries=summaries,
        keywords=tuple(
            Keywords(lang, tuple(clean_line(k) for k in data["keywords"][lang]))
            for lang in _order(languages, data.get("keywords", {}))
        ),
        license=data.get("license") or journal.license,
        copyright=Copyright(
            holder=_opt_text(copyright_data.get("holder")), year=copyright_data.get("year")
        ) if copyright_data else None,
        funding=tuple(
            Funding(
                funder=clean_line(f["funder"]),
                funder_id=identifiers.canonical_funder_id(f["funder-id"]) if f.get("funder-id") else None,
                awards=tuple(str(a).strip() for a in (f["award"] if isinstance(f.get("award"), list) else [f["award"]] if f.get("award") is not None else [])),
            )
            for f in data.get("funding", ())
        ),
        funding_statement=multilingual(data.get("funding-statement"), languages),
        notes=tuple(
            Note(kind, multilingual(data["notes"][kind], languages))
            for kind in NOTE_KINDS
            if kind in data.get("notes", {})
        ),
        section=multilingual(data.get("section"), languages),
        # One URL for the article everywhere: without its own, the landing page the journal's
        # site gives it (Crossref resource, DOAJ fullTextUrl, JATS self-uri, BibTeX/CSL/RIS, OAI).
        url=data.get("url") or journal.page_url(data["id"]),
        references=tuple(reference(i, r, languages) for i, r in enumerate(data.get("references", ()), start=1)),
        source=source,
        galleys=tuple(galley(g, files_dir) for g in data.get("galleys", ())),
    )
