"""OJS reader (``pipeline import ojs``): an OJS 3.x Native XML export as article records.

Reads ``<issues>``, ``<issue>``, ``<articles>`` and ``<article>`` exports in the
``http://pkp.sfu.ca`` namespace. Before reading, the file is checked against OJS's own
``native.xsd`` (3.3 and 3.4) when the schema bundle has them; a file valid against neither is
still read (OJS 3.2 wrote such files, PKP's own test issue among them) and the first schema error
is reported. Per article the current publication is read; OJS keeps abstracts as HTML, which
becomes our paragraphs. OJS locale codes become BCP 47 (``tr_TR`` -> ``tr``, ``pt_BR`` -> ``pt-BR``).
"""

from __future__ import annotations

import functools
import html
import re
from pathlib import Path

from lxml import etree

from pipeline.importer.source import (
    SLUG,
    TODO,
    DropReport,
    ImportedRecord,
    SourceError,
    localname,
    parse_xml,
    slug,
)
from pipeline.read.text import clean_line

PKP = "http://pkp.sfu.ca"
NS = {"pkp": PKP}
# Exports may embed every galley as base64; a larger limit than for one JATS file.
MAX_OJS_BYTES = 200 * 1024 * 1024
SCHEMA_VERSIONS = ("3.4", "3.3")
_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"(?i)</(?:p|div|li|h[1-6]|blockquote)\s*>|<br\s*/?>\s*<br\s*/?>")


def bcp47(locale: str | None) -> str | None:
    """OJS locale -> BCP 47: ``tr_TR`` -> ``tr``, ``en_US`` -> ``en``, ``pt_BR`` -> ``pt-BR``."""
    if not locale:
        return None
    match = re.fullmatch(r"([a-z]{2,3})(?:[_-]([A-Za-z]{2}|\d{3}))?(?:@\w+)?", locale.strip())
    if not match:
        return None
    language, region = match.groups()
    # The region is kept only where it tells a variety apart (pt-BR, fr-CA, es-MX), not where
    # OJS just pairs a language with its home country or English with the US.
    if region is None or region.upper() == language.upper() or language == "en":
        return language
    return f"{language}-{region.upper()}"


def html_paragraphs(text: str | None) -> str | None:
    """OJS's HTML (``<p>``, ``<br>``, entities) as our paragraphs: tags dropped, text kept."""
    if not text:
        return None
    chunks = _BLOCK_END.split(text)
    paragraphs = []
    for chunk in chunks:
        value = clean_line(html.unescape(_TAG.sub(" ", chunk or "")))
        if value:
            paragraphs.append(value)
    return "\n\n".join(paragraphs) or None


@functools.cache
def _schemas() -> tuple[tuple[str, etree.XMLSchema], ...]:
    try:
        from pipeline.schema_bundle import bundle as schema_bundle

        root = schema_bundle.locate().root
    except Exception:  # no bundle: nothing to check against (the README says so)
        return ()
    found = []
    for version in SCHEMA_VERSIONS:
        path = root / "ojs-native" / version / "plugins" / "importexport" / "native" / "native.xsd"
        if path.is_file():
            parser = etree.XMLParser(no_network=True, resolve_entities=False)
            found.append((version, etree.XMLSchema(etree.parse(str(path), parser))))
    return tuple(found)


def check_schema(tree: etree._ElementTree, report: DropReport) -> str | None:
    """The OJS version the export is valid for, or None (the first error goes in the report)."""
    first_error = None
    for version, schema in _schemas():
        if schema.validate(tree):
            return version
        if first_error is None and schema.error_log:
            error = schema.error_log[0]
            first_error = f"line {error.line}: {error.message}"
    if first_error:
        report.drop(f"not valid against OJS {'/'.join(v for v, _ in _schemas())} native.xsd ({first_error})")
    return None


def _q(tag: str) -> str:
    return f"{{{PKP}}}{tag}"


class _OjsReader:
    def __init__(self, display: str, journal_id: str):
        self.display = display
        self.journal_id = journal_id

    def per_locale(self, parent, tag: str, default: str) -> dict[str, str]:
        values: dict[str, str] = {}
        for element in parent.findall(f"pkp:{tag}", NS):
            lang = bcp47(element.get("locale")) or default
            text = clean_line(html.unescape(_TAG.sub("", element.text or "")))
            if text and lang not in values:
                values[lang] = text
        return values

    def article(self, article, issue, sections: dict, report: DropReport) -> dict:
        publications = article.findall("pkp:publication", NS)
        if not publications:
            raise SourceError(self.display, article.sourceline or 1, "article without a <publication> (OJS 3.x exports have one per version)")
        current_id = article.get("current_publication_id")
        publication = next((p for p in publications if p.findtext("pkp:id[@type='internal']", namespaces=NS) == current_id), None)
        if publication is None:
            published = [p for p in publications if p.get("status") == "3"]
            publication = (published or publications)[-1]
        report.drop("further publication version", len(publications) - 1)

        locale = publication.get("locale") or article.get("locale")
        titles_any = publication.findall("pkp:title", NS)
        main = bcp47(locale) or (bcp47(titles_any[0].get("locale")) if titles_any else None) or "en"
        languages = [main]

        def seen(values: dict) -> dict:
            for lang in values:
                if lang not in languages:
                    languages.append(lang)
            ordered = {lang: values[lang] for lang in languages if lang in values}
            return ordered

        doi = None
        for element in publication.findall("pkp:id", NS) + publication.findall("pkp:pub-id", NS):
            if element.get("type") == "doi" and element.text and element.text.strip().startswith("10."):
                doi = doi or element.text.strip()
        url_path = publication.get("url_path") or article.get("url_path")
        internal = article.findtext("pkp:id[@type='internal']", namespaces=NS)
        article_id = (slug(doi.split("/", 1)[1]) if doi else None) or slug(url_path) or slug(f"article-{internal or article.sourceline}")
        if not article_id or not SLUG.match(article_id):
            raise SourceError(self.display, article.sourceline or 1, "cannot derive an article id (no DOI, url_path or id)")

        record: dict = {"id": article_id, "type": "research-article", "language": main, "languages": languages}
        if doi:
            record["doi"] = doi
        titles = self.per_locale(publication, "title", main)
        prefixes = self.per_locale(publication, "prefix", main)
        titles = {lang: f"{prefixes[lang]} {text}" if lang in prefixes else text for lang, text in titles.items()}
        if main not in titles:
            titles = {main: f"{TODO} title in the article's main language", **titles}
            self.todos.append("title")
        record["title"] = seen(titles)
        subtitles = self.per_locale(publication, "subtitle", main)
        if subtitles:
            record["subtitle"] = seen(subtitles)

        affiliations: list[dict] = []
        authors = []
        primary = publication.get("primary_contact_id")
        holder = publication.find("pkp:authors", NS)
        people = sorted(holder.findall("pkp:author", NS) if holder is not None else [], key=lambda a: int(a.get("seq") or 0))
        for author in people:
            given = self.per_locale(author, "givenname", main)
            family = self.per_locale(author, "familyname", main)
            pick = lambda names: names.get(main) or next(iter(names.values()), None)  # noqa: E731
            if len(set(given.values())) > 1 or len(set(family.values())) > 1:
                report.drop("author name in a further locale")
            person: dict = {}
            if pick(family):
                if pick(given):
                    person["given"] = pick(given)
                person["family"] = pick(family)
            elif pick(given):
                person["family"] = pick(given)  # OJS allows a given name alone (single-name authors)
            else:
                report.drop("author without a name")
                continue
            orcid = re.search(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dXx])", author.findtext("pkp:orcid", default="", namespaces=NS))
            if orcid:
                person["orcid"] = orcid.group(1).upper()
            email = (author.findtext("pkp:email", default="", namespaces=NS) or "").strip()
            if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
                person["email"] = email
            affiliation = self.per_locale(author, "affiliation", main)
            country = (author.findtext("pkp:country", default="", namespaces=NS) or "").strip().upper()
            if affiliation:
                name = pick(affiliation)
                if len(set(affiliation.values())) > 1:
                    report.drop("affiliation in a further locale")
                entry = {"institution": name, **({"country": country} if re.fullmatch(r"[A-Z]{2}", country) else {})}
                existing = next((a for a in affiliations if {k: v for k, v in a.items() if k != "id"} == entry), None)
                if existing is None:
                    existing = {"id": f"aff{len(affiliations) + 1}", **entry}
                    affiliations.append(existing)
                person["affiliations"] = [existing["id"]]
            elif country:
                report.drop("country without an affiliation")
            if author.get("primary_contact") == "true" or (primary and author.get("id") == primary):
                person["corresponding"] = True
            for extra in ("biography", "url"):
                if author.find(f"pkp:{extra}", NS) is not None:
                    report.drop(f"author {extra}")
            authors.append(person)
        if authors:
            record["authors"] = authors
        else:
            self.todos.append("authors")
            record["authors"] = f"{TODO} list of authors, e.g. [{{given: ..., family: ..., orcid: ...}}]"
        if affiliations:
            record["affiliations"] = affiliations

        identification = issue.find("pkp:issue_identification", NS) if issue is not None else None
        if identification is not None:
            for tag, key in (("volume", "volume"), ("number", "issue")):
                value = clean_line(identification.findtext(f"pkp:{tag}", default="", namespaces=NS))
                if value:
                    record[key] = value
            if identification.find("pkp:title", NS) is not None:
                report.drop("issue title")
        pages = clean_line(publication.findtext("pkp:pages", default="", namespaces=NS))
        if pages:
            first, _, last = pages.partition("-")
            record["pages"] = {"first": first.strip(), **({"last": last.strip()} if last.strip() else {})}

        dates: dict = {}
        published = publication.get("date_published") or (issue.findtext("pkp:date_published", namespaces=NS) if issue is not None else None)
        match = re.match(r"\d{4}-\d{2}-\d{2}", published or "")
        if match:
            dates["published"] = match.group()
        else:
            self.todos.append("dates.published")
            dates["published"] = f"{TODO} publication date, YYYY-MM-DD"
        year = identification.findtext("pkp:year", default="", namespaces=NS).strip() if identification is not None else ""
        if re.fullmatch(r"\d{4}", year):
            dates["issue"] = year
        record["dates"] = dates

        section = sections.get(publication.get("section_ref") or article.get("section_ref") or "")
        if section:
            record["section"] = seen(section)
        abstracts = {}
        for element in publication.findall("pkp:abstract", NS):
            lang = bcp47(element.get("locale")) or main
            text = html_paragraphs(element.text)
            if text and lang not in abstracts:
                abstracts[lang] = text
        if abstracts:
            record["abstract"] = seen(abstracts)
        keywords: dict[str, list[str]] = {}
        for group_tag, item_tag in (("keywords", "keyword"), ("subjects", "subject")):
            for group in publication.findall(f"pkp:{group_tag}", NS):
                lang = bcp47(group.get("locale")) or main
                for item in group.findall(f"pkp:{item_tag}", NS):
                    term = clean_line(item.text or "")
                    if term and term not in keywords.setdefault(lang, []):
                        keywords[lang].append(term)
                        if group_tag == "subjects":
                            report.drop("subject kept as a keyword")
        keywords = {k: v for k, v in keywords.items() if v}
        if keywords:
            record["keywords"] = seen(keywords)
        license_url = (publication.findtext("pkp:licenseUrl", default="", namespaces=NS) or "").strip()
        if re.match(r"https?://\S+\Z", license_url):
            record["license"] = license_url
        holders = self.per_locale(publication, "copyrightHolder", main)
        copyright_year = (publication.findtext("pkp:copyrightYear", default="", namespaces=NS) or "").strip()
        if holders:
            record["copyright"] = {"holder": holders.get(main) or next(iter(holders.values()))}
            if re.fullmatch(r"\d{4}", copyright_year):
                record["copyright"]["year"] = int(copyright_year)
            if len(set(holders.values())) > 1:
                report.drop("copyright holder in a further locale")
        references = []
        for citations in publication.findall("pkp:citations", NS):
            for citation in citations.findall("pkp:citation", NS):
                for line in (citation.text or "").splitlines():
                    if clean_line(line):
                        references.append({"text": clean_line(line)})
        if references:
            record["references"] = references
        for tag in ("article_galley", "covers", "agencies", "disciplines", "coverage", "rights", "source", "type", "languages", "supporting_agencies"):
            report.drop(f"publication {tag}", len(publication.findall(f"pkp:{tag}", NS)))
        report.drop("submission_file", len(article.findall("pkp:submission_file", NS)))
        return record

    def read(self, root) -> list[ImportedRecord]:
        name = localname(root)
        if root.tag.split("}")[0].strip("{") != PKP:
            raise SourceError(self.display, root.sourceline or 1, f"the root element <{name}> is not in the OJS namespace {PKP}: not an OJS Native XML export")
        if name == "issues":
            issues = root.findall("pkp:issue", NS)
            loose = []
        elif name == "issue":
            issues, loose = [root], []
        elif name == "articles":
            issues, loose = [], root.findall("pkp:article", NS)
        elif name == "article":
            issues, loose = [], [root]
        else:
            raise SourceError(self.display, root.sourceline or 1, f"the root element is <{name}>: expected <issues>, <issue>, <articles> or <article>")
        pairs = [(issue, article) for issue in issues for article in issue.findall("pkp:articles/pkp:article", NS)] + [(None, a) for a in loose]
        if not pairs:
            raise SourceError(self.display, root.sourceline or 1, "the export holds no article")
        records = []
        for issue, article in pairs:
            report = DropReport()
            self.todos: list[str] = []
            sections: dict[str, dict] = {}
            if issue is not None:
                for section in issue.findall("pkp:sections/pkp:section", NS):
                    titles = self.per_locale(section, "title", "en")
                    for abbrev in section.findall("pkp:abbrev", NS):
                        if abbrev.text:
                            sections[abbrev.text.strip()] = titles
                if issue.findtext("pkp:description", namespaces=NS):
                    report.drop("issue description")
            record = self.article(article, issue, sections, report)
            journal = {"id": self.journal_id, "title": {record["language"]: f"{TODO} journal title (an OJS export does not carry it)"},
                       "languages": list(record["languages"])}
            records.append(ImportedRecord(source=f"{self.display}:{article.sourceline}", journal=journal, article=record,
                                          report=report, todos=self.todos))
        return records


def read_ojs(raw: bytes, display: str, journal_id: str) -> list[ImportedRecord]:
    tree = parse_xml(raw, display)
    schema_report = DropReport()
    check_schema(tree, schema_report)
    records = _OjsReader(display, journal_id).read(tree.getroot())
    for record in records:
        for kind, count in schema_report.counts.items():
            record.report.drop(kind, count)
    return records


def import_ojs_file(path: Path, journal_id: str | None = None) -> list[ImportedRecord]:
    display = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SourceError(display, 1, f"cannot read: {exc.strerror}") from None
    if size > MAX_OJS_BYTES:
        raise SourceError(display, 1, f"file is {size} bytes; the import limit is {MAX_OJS_BYTES}")
    journal = journal_id or slug(path.stem)
    if not journal or not SLUG.match(journal):
        raise SourceError(display, 1, "cannot make a journal id from the file name; pass --journal ID")
    return read_ojs(path.read_bytes(), display, journal)
