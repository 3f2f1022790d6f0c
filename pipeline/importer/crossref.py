"""Crossref reader (``pipeline import crossref``): REST API work records as article records.

Takes what ``api.crossref.org/works/<doi>`` returns (``{"message-type": "work", "message":
{...}}``) or a ``work-list`` of them. Titles beyond the first carry no language in Crossref's
JSON, so each extra title's language is identified (lingua, as ``import-text`` does); the
abstract is JATS inside JSON and is read by the JATS reader's abstract code. Top-level keys the
contract has no home for are counted in the drop report, except bookkeeping (indexed, score...).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from lxml import etree

from pipeline.importer.jats import _Reader, _strip_namespaces, expand_last_page
from pipeline.importer.source import (
    SLUG,
    TODO,
    DropReport,
    ImportedRecord,
    SourceError,
    read_limited,
    slug,
)
from pipeline.read.text import clean_line

TYPES = {
    "journal-article": "research-article", "proceedings-article": "research-article",
    "posted-content": "research-article", "report": "research-article", "dissertation": "dissertation",
    "book-review": "book-review", "editorial": "editorial", "letter": "letter",
}
# Crossref's bookkeeping: nothing an editor would miss in a record.
BOOKKEEPING = frozenset({
    "indexed", "score", "deposited", "created", "member", "prefix", "source", "content-domain",
    "reference-count", "references-count", "is-referenced-by-count", "URL", "short-title", "published",
    "issn-type", "ISSN", "journal-issue", "language", "type", "DOI", "title", "subtitle", "original-title",
    "container-title", "short-container-title", "publisher", "publisher-location", "author", "editor",
    "volume", "issue", "page", "article-number", "published-online", "published-print", "issued", "posted",
    "accepted", "license", "funder", "abstract", "reference", "resource",
})
GENERIC_ABSTRACT_HEADINGS = frozenset({"abstract", "summary", "zusammenfassung", "resumo", "resumen", "résumé", "özet"})
_TAG = re.compile(r"<[^>]+>")


def _plain(value) -> str | None:
    """Crossref strings may hold HTML (``<i>``, entities, line breaks): plain text out."""
    if not isinstance(value, str):
        return None
    text = clean_line(html.unescape(_TAG.sub("", value)))
    return text or None


def _name_slug(name: str) -> str | None:
    """A journal id from its (abbreviated) name: "Org. Lett." -> "org-lett"."""
    return slug(re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40])


def _date(value) -> str | None:
    parts = (value or {}).get("date-parts") if isinstance(value, dict) else None
    if not parts or not parts[0] or parts[0][0] is None:
        return None
    numbers = [int(p) for p in parts[0][:3] if p is not None]
    year, rest = numbers[0], numbers[1:]
    return "-".join([f"{year:04d}"] + [f"{n:02d}" for n in rest])


class _CrossrefReader:
    def __init__(self, message: dict, display: str):
        self.m = message
        self.display = display
        self.report = DropReport()
        self.todos: list[str] = []

    def languages_of(self, texts: list[str], main: str) -> list[str | None]:
        from pipeline.importer.text import detect_language

        found = []
        for text in texts:
            lang, confidence = detect_language(text)
            found.append(lang if lang and confidence >= 0.5 else None)
        del main
        return found

    def read(self) -> tuple[dict, dict]:
        m = self.m
        doi = m.get("DOI")
        if not isinstance(doi, str) or not doi.startswith("10."):
            raise SourceError(self.display, 1, "the work record has no DOI")
        main = m.get("language") if isinstance(m.get("language"), str) and re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]+)*", m.get("language")) else None
        titles_raw = [t for t in (_plain(t) for t in m.get("title") or []) if t]
        subtitles_raw = [_plain(t) for t in m.get("subtitle") or []]
        originals = [t for t in (_plain(t) for t in m.get("original-title") or []) if t]
        if main is None:
            # Short English titles are too easily taken for French or German by trigrams; a
            # missing language is far more often English than anything else in Crossref.
            main = "en"
            self.report.drop("no language in the record (en assumed)")
        languages = [main]

        journal = self.journal(main)
        record: dict = {"id": slug(doi.split("/", 1)[1]) or slug(doi)}
        if not record["id"] or not SLUG.match(record["id"]):
            raise SourceError(self.display, 1, f"cannot derive an article id from DOI {doi}")
        kind = m.get("type") or "other"
        record["type"] = TYPES.get(kind, "other")
        if kind not in TYPES:
            self.report.drop(f"crossref type {kind} (written as other)")
        record["language"] = main
        record["languages"] = languages
        record["doi"] = doi

        titles: dict[str, str] = {}
        subtitles: dict[str, str] = {}
        extra = titles_raw[1:] + originals
        extra_langs = self.languages_of(extra, main)
        for index, text in enumerate(titles_raw[:1] + extra):
            lang = main if index == 0 else extra_langs[index - 1]
            if lang is None or lang in titles:
                self.report.drop("title in an unidentified or repeated language")
                continue
            titles[lang] = text
            if lang not in languages:
                languages.append(lang)
            sub = subtitles_raw[index] if index < len(subtitles_raw) and index < len(titles_raw) else None
            if sub:
                subtitles[lang] = sub
        if main not in titles:
            self.todos.append("title")
            titles = {main: f"{TODO} title in the article's main language", **titles}
        record["title"] = titles
        if subtitles:
            record["subtitle"] = subtitles

        self.affiliations: list[dict] = []
        authors = [a for a in (self.person(p) for p in m.get("author") or []) if a]
        editors = [a for a in (self.person(p) for p in m.get("editor") or []) if a]
        if authors:
            record["authors"] = authors
        elif record["type"] != "editorial":
            self.todos.append("authors")
            record["authors"] = f"{TODO} list of authors, e.g. [{{given: ..., family: ..., orcid: ...}}]"
        if editors:
            record["editors"] = editors
        if self.affiliations:
            record["affiliations"] = self.affiliations

        for key in ("volume", "issue"):
            value = _plain(m.get(key))
            if value and len(value) <= 50:
                record[key] = value
        page = _plain(m.get("page"))
        if page:
            first, _, last = page.partition("-")
            record["pages"] = {"first": first.strip(), **({"last": expand_last_page(first.strip(), last.strip())} if last.strip() else {})}
        elif _plain(m.get("article-number")):
            record["elocation"] = _plain(m.get("article-number"))

        dates: dict = {}
        accepted = _date(m.get("accepted"))
        if accepted:
            dates["accepted"] = accepted
        online, printed = _date(m.get("published-online")), _date(m.get("published-print"))
        published = online or _date(m.get("posted")) or printed or _date(m.get("issued"))
        if published:
            dates["published"] = published
        else:
            self.todos.append("dates.published")
            dates["published"] = f"{TODO} publication date, YYYY-MM-DD"
        if accepted and published and accepted > published:
            # A preprint's record carries the journal version's acceptance: not this work's.
            self.report.drop("accepted date after the publication date")
            del dates["accepted"]
        if printed and printed != published:
            dates["issue"] = printed
        record["dates"] = dates

        abstract = self.abstract(m.get("abstract"), main)
        if abstract:
            record["abstract"] = {main: abstract}
        license_url = self.license(m.get("license") or [])
        if license_url:
            record["license"] = license_url
        funding = self.funding(m.get("funder") or [])
        if funding:
            record["funding"] = funding
        url = ((m.get("resource") or {}).get("primary") or {}).get("URL")
        if isinstance(url, str) and re.match(r"https?://\S+\Z", url):
            record["url"] = url
        references = [r for r in (self.reference(r) for r in m.get("reference") or []) if r]
        if references:
            record["references"] = references
        for key in sorted(set(m) - BOOKKEEPING):
            if m[key] not in (None, [], {}, ""):
                self.report.drop(f"crossref {key}")
        journal["languages"] = list(dict.fromkeys(journal["languages"] + languages))
        return journal, record

    def journal(self, main: str) -> dict:
        m = self.m
        container = [t for t in (_plain(t) for t in m.get("container-title") or []) if t]
        short = [t for t in (_plain(t) for t in m.get("short-container-title") or []) if t]
        publisher = _plain(m.get("publisher"))
        journal_id = next(filter(None, (_name_slug(n) for n in short[:1] + container[:1] + [publisher or ""])), None)
        if journal_id is None:
            raise SourceError(self.display, 1, "the work record names no container (journal) or publisher")
        journal: dict = {"id": journal_id, "title": {main: container[0] if container else f"{TODO} journal title"}}
        if short:
            journal["abbrev-title"] = short[0]
        issn = {}
        for entry in m.get("issn-type") or []:
            kind = {"print": "print", "electronic": "electronic"}.get(entry.get("type"))
            if kind and entry.get("value"):
                issn.setdefault(kind, entry["value"])
        if issn:
            journal["issn"] = issn
        if publisher:
            location = _plain(m.get("publisher-location"))
            journal["publisher"] = {"name": publisher, **({"location": location} if location else {})}
        journal["languages"] = [main]
        prefix = (m.get("DOI") or "").split("/", 1)[0]  # the DOI's, not the member's "prefix"
        if re.fullmatch(r"10\.\d{4,9}", prefix):
            journal["doi-prefix"] = prefix
        return journal

    def person(self, data: dict) -> dict | None:
        if not isinstance(data, dict):
            return None
        family, given = _plain(data.get("family")), _plain(data.get("given"))
        person: dict = {}
        if family is None:
            name = _plain(data.get("name"))
            if name is None and given is None:
                self.report.drop("contributor without a name")
                return None
            if name:
                person["collab"] = name
            else:
                person["family"] = given
        else:
            if given:
                person["given"] = given
            person["family"] = family
            suffix = _plain(data.get("suffix"))
            if suffix:
                person["suffix"] = suffix
        match = re.search(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dXx])", data.get("ORCID") or "")
        if match and "collab" not in person:
            person["orcid"] = match.group(1).upper()
        affs = []
        for aff in data.get("affiliation") or []:
            name = _plain(aff.get("name")) if isinstance(aff, dict) else None
            if not name:
                continue
            place = [p for p in (_plain(p) for p in (aff.get("place") or [])) if p]
            text = ", ".join([name] + place)
            existing = next((a for a in self.affiliations if a["text"] == text), None)
            if existing is None:
                existing = {"id": f"aff{len(self.affiliations) + 1}", "text": text}
                self.affiliations.append(existing)
            if existing["id"] not in affs:
                affs.append(existing["id"])
            for key in set(aff) - {"name", "place"}:
                self.report.drop(f"affiliation {key}")
        if affs:
            person["affiliations"] = affs
        return person

    def abstract(self, value, main: str):
        if not isinstance(value, str) or not value.strip():
            return None
        fragment = f'<abstract xmlns:jats="http://www.ncbi.nlm.nih.gov/JATS1" xmlns:mml="http://www.w3.org/1998/Math/MathML" xmlns:xlink="http://www.w3.org/1999/xlink">{value}</abstract>'
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=False)
        try:
            element = etree.fromstring(fragment.encode("utf-8"), parser)
        except etree.XMLSyntaxError:
            self.report.drop("abstract that is not well-formed JATS (kept as plain text)")
            return _plain(value)
        _strip_namespaces(element)
        reader = _Reader(element, self.display)
        reader.main = main
        text, sections = reader.abstract_body(element)
        for kind, count in reader.report.counts.items():
            self.report.drop(kind, count)
        if sections and len(sections) == 1 and sections[0]["title"].lower() in GENERIC_ABSTRACT_HEADINGS:
            return sections[0]["text"]  # "Abstract" is a heading, not a section title
        return text if text is not None else sections

    def license(self, licenses: list) -> str | None:
        urls = [entry.get("URL") for entry in licenses if isinstance(entry, dict) and isinstance(entry.get("URL"), str)]
        vor = [entry.get("URL") for entry in licenses if isinstance(entry, dict) and entry.get("content-version") == "vor" and entry.get("URL")]
        # A text-and-data-mining or accepted-manuscript license is not the article's license.
        chosen = (vor or [u for u in urls if "creativecommons.org" in u] or [None])[0]
        others = {u for u in urls if u != chosen}
        self.report.drop("license other than the version of record's (TDM, AM)", len(others))
        return chosen if chosen and re.match(r"https?://\S+\Z", chosen) else None

    def funding(self, funders: list) -> list[dict]:
        funding = []
        for funder in funders:
            name = _plain(funder.get("name")) if isinstance(funder, dict) else None
            if not name:
                continue
            entry: dict = {"funder": name}
            doi = funder.get("DOI") or ""
            if re.fullmatch(r"10\.13039/\d+", doi):
                entry["funder-id"] = doi
            awards = []
            for award in funder.get("award") or []:
                # One string may hold many grant numbers ("CCF 1533644, CCF 1714527, ...").
                awards += [a.strip() for a in re.split(r"[,;]", str(award)) if a.strip()]
            awards = list(dict.fromkeys(awards))
            if awards:
                entry["award"] = awards[0] if len(awards) == 1 else awards
            funding.append(entry)
        return funding

    def reference(self, data: dict) -> dict | None:
        if not isinstance(data, dict):
            return None
        record: dict = {}
        text = _plain(data.get("unstructured"))
        if text:
            record["text"] = text
        if data.get("journal-title") or data.get("article-title"):
            ref_type = "journal"
        elif data.get("volume-title") or data.get("series-title") or data.get("ISBN"):
            ref_type = "book" if not data.get("article-title") else "chapter"
        else:
            ref_type = None
        if ref_type:
            record["type"] = ref_type
        author = _plain(data.get("author"))
        if author:
            record["authors"] = [{"family": author}]
        title = _plain(data.get("article-title"))
        container = _plain(data.get("journal-title")) or _plain(data.get("volume-title")) or _plain(data.get("series-title"))
        if ref_type == "book" and not title and container:
            title, container = container, None
        if title:
            record["title"] = title
        if container:
            record["container-title"] = container
        year = re.match(r"\d{4}", str(data.get("year") or ""))
        if year:
            record["year"] = int(year.group())
        for key in ("volume", "issue", "edition"):
            value = _plain(data.get(key))
            if value and len(value) <= 50:
                record[key] = value
        first = _plain(data.get("first-page"))
        if first:
            record["pages"] = {"first": first}
        doi = data.get("DOI")
        if isinstance(doi, str) and re.fullmatch(r"10\.\d{4,9}/\S+", doi.strip()):
            record["doi"] = doi.strip()
        if not any(k in record for k in ("text", "title", "container-title")):
            if "doi" not in record:
                self.report.drop("empty reference")
                return None
            record = {"text": f"https://doi.org/{record['doi']}", **record}
            self.report.drop("reference with only a DOI (text is the DOI link)")
        for key in sorted(set(data) - {"key", "unstructured", "journal-title", "article-title", "volume-title", "series-title",
                                       "author", "year", "volume", "issue", "edition", "first-page", "DOI", "doi-asserted-by"}):
            self.report.drop(f"reference {key}")
        return record


def _messages(document, display: str) -> list[dict]:
    if not isinstance(document, dict) or "message" not in document:
        raise SourceError(display, 1, "not a Crossref REST API response (no 'message'): expected {\"message-type\": \"work\", \"message\": {...}}")
    kind = document.get("message-type")
    message = document["message"]
    if kind == "work" and isinstance(message, dict):
        return [message]
    if kind == "work-list" and isinstance(message, dict) and isinstance(message.get("items"), list):
        return [item for item in message["items"] if isinstance(item, dict)]
    raise SourceError(display, 1, f"message-type is {kind!r}; expected 'work' or 'work-list'")


def read_crossref(raw: bytes, display: str) -> list[ImportedRecord]:
    try:
        document = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SourceError(display, line, "not valid UTF-8") from None
    except json.JSONDecodeError as exc:
        raise SourceError(display, exc.lineno, f"not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise SourceError(display, 1, "JSON nested too deeply") from None
    records = []
    for message in _messages(document, display):
        reader = _CrossrefReader(message, display)
        journal, article = reader.read()
        records.append(ImportedRecord(source=display, journal=journal, article=article, report=reader.report, todos=reader.todos))
    return records


def import_crossref_file(path: Path) -> list[ImportedRecord]:
    display = str(path)
    return read_crossref(read_limited(path, display), display)
