"""JATS reader (``pipeline import jats``): a JATS article's front matter and references as a
record, and its ``journal-meta`` as a journal record.

Reads JATS 1.0-1.4 in the Publishing and Archiving tag sets as PMC, SciELO (SPS), eLife, PLOS
and this pipeline write them. Every element the reader takes is marked as used; whatever is
left in the front matter and back matter is counted in the file's drop report, so nothing is
lost silently. Text is taken as plain text (inline markup flattened), normalized as the YAML
reader would.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path
from urllib.parse import unquote

from lxml import etree

from pipeline.importer.source import (
    SLUG,
    SLUG_MAX,
    TODO,
    DropReport,
    ImportedRecord,
    SourceError,
    localname,
    parse_xml,
    read_limited,
    slug,
)
from pipeline.countries import code_for_name
from pipeline.read.text import clean_line

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
ALI_LICENSE_REF = "{http://www.niso.org/schemas/ali/1.0/}license_ref"
KEEP_NAMESPACES = ("http://www.niso.org/schemas/ali/1.0/", "http://www.w3.org/1998/Math/MathML")
# self-uri content-types of full-text files -> the record's galley format
GALLEY_FORMATS = {"pdf": "pdf", "application/pdf": "pdf", "xml": "xml", "application/xml": "xml", "text/xml": "xml", "html": "html", "text/html": "html"}

ARTICLE_TYPES = frozenset("""abstract addendum announcement article-commentary book-review books-received
brief-report calendar case-report collection correction data-paper discussion dissertation editorial
expression-of-concern in-brief introduction letter meeting-report methods-article news obituary oration
other partial-retraction product-review rapid-communication reply reprint research-article retraction
review-article translation""".split())
# Types with no authors by nature: the record contract does not require authors for them.
AUTHORLESS_TYPES = frozenset({"editorial", "correction", "retraction", "announcement", "calendar",
                              "books-received", "news", "expression-of-concern", "partial-retraction", "addendum"})
REFERENCE_TYPES = frozenset({"journal", "book", "chapter", "confproc", "report", "thesis", "webpage",
                             "data", "software", "preprint", "patent", "other"})
REFERENCE_TYPE_ALIASES = {"web": "webpage", "website": "webpage", "conf-proc": "confproc", "conference": "confproc",
                          "dataset": "data", "database": "data", "book-chapter": "chapter"}

CREDIT_ROLES = ("Conceptualization", "Data curation", "Formal analysis", "Funding acquisition",
                "Investigation", "Methodology", "Project administration", "Resources", "Software",
                "Supervision", "Validation", "Visualization", "Writing – original draft",
                "Writing – review & editing")
ABSTRACT_KINDS = {"plain-language-summary": "lay-summary"}
NOTE_FN_TYPES = {"coi-statement": "competing-interests", "conflict": "competing-interests",
                 "con": "author-contributions", "data-availability": "data-availability"}

PLACEHOLDERS = {
    "title": f"{TODO} title in the article's main language",
    "authors": f"{TODO} list of authors, e.g. [{{given: ..., family: ..., orcid: ...}}]",
    "published": f"{TODO} publication date, YYYY-MM-DD",
}

_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_ORCID = re.compile(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dXx])")
_ROR = re.compile(r"(0[a-hj-km-np-tv-z0-9]{6}\d{2})\s*$")
_FUNDER = re.compile(r"(10\.13039/\d+)")
_DOI = re.compile(r"(10\.\d{4,9}/\S+)")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+\Z")


_PLAIN = re.compile(r"[^\s]+(?: [^\s]+)*\Z")


def _clean(text: str | None) -> str | None:
    """clean_line, with a fast path for text that is already clean (most of it)."""
    if not text:
        return None
    if _PLAIN.match(text) and (text.isascii() or unicodedata.is_normalized("NFC", text)):
        return text
    return clean_line(text) or None


@functools.cache
def country_code(name: str | None, lang: str) -> str | None:
    """ISO 3166 code of a country named in the article's language, English or another journal language (CLDR names):
    eLife and older SciELO files give only the name ("France", "Brasil" in an English article)."""
    if not name or not name.strip():
        return None
    return code_for_name(name.strip().rstrip("."), dict.fromkeys((lang.split("-")[0], "en", "pt", "es", "fr", "de")))


def _credit_key(text: str) -> str:
    return re.sub(r"[\s—–-]", "", text.lower())


_CREDIT = {_credit_key(term): term for term in CREDIT_ROLES}


class _Reader:
    def __init__(self, root: etree._Element, display: str):
        self.root = root
        self.display = display
        self.used: set = set()
        self.report = DropReport()
        self.todos: list[str] = []

    # --- bookkeeping --------------------------------------------------------------------
    def use(self, element, subtree: bool = True):
        if element is None:
            return None
        self.used.add(element)
        if subtree and len(element):
            self.used.update(element.iter())
        return element

    def find(self, parent, path: str):
        return None if parent is None else parent.find(path)

    def text(self, element, skip: tuple[str, ...] = ("xref", "fn"), read_elsewhere: tuple[str, ...] = ()) -> str | None:
        """The element's text as plain text; footnote markers inside it left out."""
        if element is None:
            return None
        if not len(element):  # the common case, a leaf: no walk needed
            self.used.add(element)
            return _clean(element.text)
        self.use(element)
        parts: list[str] = []

        def walk(node):
            if node.text:
                parts.append(node.text)
            for child in node:
                if localname(child) in read_elsewhere:
                    pass
                elif localname(child) in skip:
                    self.report.drop(f"{localname(child)} inside {localname(element)}")
                else:
                    walk(child)
                if child.tail:
                    parts.append(child.tail)

        walk(element)
        return _clean("".join(parts))

    def lang(self, element, default: str) -> str:
        value = element.get(XML_LANG) if element is not None else None
        return value.strip() if value and value.strip() else default

    # --- the record ---------------------------------------------------------------------
    def read(self, stem: str) -> tuple[dict, dict]:
        root = self.root
        self.use(root, subtree=False)
        front = self.use(root.find("front"), subtree=False)
        if front is None:
            raise SourceError(self.display, root.sourceline or 1, "no <front> element: not a JATS article")
        meta = self.use(front.find("article-meta"), subtree=False)
        if meta is None:
            raise SourceError(self.display, front.sourceline or 1, "no <front>/<article-meta>: not a JATS article")
        self.main = self.lang(root, "en")
        self.languages: list[str] = [self.main]
        journal = self.journal(front.find("journal-meta"))
        article = self.article(meta, stem)
        journal["languages"] = list(dict.fromkeys(journal["languages"] + article["languages"]))
        self.leftovers()
        return journal, article

    def seen(self, lang: str) -> str:
        if lang not in self.languages:
            self.languages.append(lang)
        return lang

    def journal(self, jmeta) -> dict:
        self.use(jmeta, subtree=False)
        journal: dict = {}
        ids = jmeta.findall("journal-id") if jmeta is not None else []
        preferred = sorted(ids, key=lambda e: {"publisher-id": 0, "nlm-ta": 2}.get(e.get("journal-id-type"), 1))
        journal_id = next((slug(self.text(e)) for e in preferred if slug(e.text)), None)
        for element in ids:
            self.use(element)
        title_group = self.use(self.find(jmeta, "journal-title-group"), subtree=False)
        titles: dict[str, str] = {}
        holders = [jmeta] if jmeta is not None else []
        if title_group is not None:
            holders.append(title_group)
        for holder in holders:
            for element in holder.findall("journal-title"):
                text = self.text(element)
                if text:
                    titles.setdefault(self.lang(element, self.main), text)
            for group in holder.findall("trans-title-group"):
                self.use(group, subtree=False)
                for element in group.findall("trans-title"):
                    text = self.text(element)
                    if text:
                        titles.setdefault(self.lang(element, self.lang(group, self.main)), text)
        abbrev = None
        for holder in holders:
            for element in holder.findall("abbrev-journal-title"):
                abbrev = abbrev or self.text(element)
        if journal_id is None:
            journal_id = slug(abbrev) or slug(next(iter(titles.values()), None))
        if journal_id is None:
            raise SourceError(self.display, (jmeta.sourceline if jmeta is not None else self.root.sourceline) or 1,
                              "no journal-id or journal title in journal-meta: cannot tell which journal this article belongs to")
        journal["id"] = journal_id
        journal["title"] = titles or {self.main: f"{TODO} journal title"}
        if abbrev:
            journal["abbrev-title"] = abbrev
        issn: dict[str, str] = {}
        for element in (jmeta.findall("issn") if jmeta is not None else []):
            kind = element.get("publication-format") or element.get("pub-type")
            value = self.text(element)
            target = {"print": "print", "ppub": "print", "electronic": "electronic", "epub": "electronic", "online": "electronic"}.get(kind or "")
            if value and target:
                issn.setdefault(target, value)
            else:
                self.report.drop(f"issn without print/electronic type ({value})")
        if issn:
            journal["issn"] = issn
        publisher = self.use(self.find(jmeta, "publisher"), subtree=False)
        if publisher is not None:
            name = self.text(publisher.find("publisher-name"))
            location = self.text(publisher.find("publisher-loc"))
            if name:
                journal["publisher"] = {"name": name, **({"location": location} if location else {})}
        journal["languages"] = [self.main]
        return journal

    def article(self, meta, stem: str) -> dict:
        record: dict = {}
        ids = {}
        doi = None
        for element in meta.findall("article-id"):
            kind = element.get("pub-id-type")
            value = self.text(element)
            if not value:
                continue
            if kind == "doi" and doi is None:
                doi = value
            elif kind == "pmid" and re.fullmatch(r"\d{1,9}", value):
                ids.setdefault("pmid", value)
            elif kind in ("pmcid", "pmc"):
                ids.setdefault("pmcid", value if value.startswith("PMC") else f"PMC{value}")
            elif kind == "publisher-id":
                ids.setdefault("publisher-id", value)
            else:
                self.report.drop(f"article-id ({kind})")
        article_id = stem if SLUG.match(stem) and len(stem) <= SLUG_MAX else None
        article_id = article_id or slug(doi.split("/", 1)[1] if doi and "/" in doi else None) or slug(ids.get("publisher-id")) or slug(stem)
        if article_id is None:
            raise SourceError(self.display, meta.sourceline or 1, "cannot derive an article id from the file name, DOI or publisher id")
        article_type = (self.root.get("article-type") or "").strip()
        record["id"] = article_id
        if article_type not in ARTICLE_TYPES:
            self.report.drop(f"article-type {article_type or '(none)'} (written as other)")
            article_type = "other"
        record["type"] = article_type
        record["language"] = self.main
        record["languages"] = self.languages  # filled while reading; the list is shared
        if doi:
            record["doi"] = doi
        if ids:
            record["ids"] = ids

        titles, subtitles, running = self.titles(meta)
        if self.main not in titles:
            self.todos.append("title")
            titles = {self.main: PLACEHOLDERS["title"], **titles}
        record["title"] = titles
        if subtitles:
            record["subtitle"] = subtitles
        if running:
            record["running-title"] = running

        self.affs: dict[str, str] = {}  # JATS aff id -> record affiliation id
        self.affiliation_records: list[dict] = []
        self.read_affiliations(meta)
        self.corresp_emails = self.corresp(meta)
        authors, editors = self.contributors(meta)
        if authors:
            record["authors"] = authors
        elif article_type not in AUTHORLESS_TYPES:
            self.todos.append("authors")
            record["authors"] = PLACEHOLDERS["authors"]
        if editors:
            record["editors"] = editors
        if self.affiliation_records:
            record["affiliations"] = self.affiliation_records

        for tag in ("volume", "issue"):
            element = meta.find(tag)
            value = self.text(element)
            if value:
                record[tag] = value
            for extra in meta.findall(tag)[1:]:
                self.use(extra)
                self.report.drop(f"second {tag}")
        fpage, lpage = self.text(meta.find("fpage")), self.text(meta.find("lpage"))
        elocation = self.text(meta.find("elocation-id"))
        if fpage:
            record["pages"] = {"first": fpage, **({"last": lpage} if lpage else {})}
            if elocation:
                self.report.drop("elocation-id (the record has pages)")
        elif elocation:
            record["elocation"] = elocation
        self.use(meta.find("page-range"))

        record["dates"] = self.dates(meta)
        if "published" not in record["dates"]:
            self.todos.append("dates.published")
            record["dates"] = {**record["dates"], "published": PLACEHOLDERS["published"]}
            record["dates"] = {k: record["dates"][k] for k in ("received", "accepted", "published", "issue") if k in record["dates"]}

        section = self.section(meta)
        if section:
            record["section"] = section
        abstracts, summaries = self.abstracts(meta)
        keywords = self.keywords(meta)
        self.sub_articles(abstracts, keywords, titles, subtitles)
        if abstracts:
            record["abstract"] = abstracts
        if summaries:
            record["summaries"] = summaries
        if keywords:
            record["keywords"] = keywords
        license_url, copyright = self.permissions(meta)
        if license_url:
            record["license"] = license_url
        if copyright:
            record["copyright"] = copyright
        funding, statements = self.funding(meta)
        if funding:
            record["funding"] = funding
        if statements:
            record["funding-statement"] = statements
        notes = self.notes(meta)
        if notes:
            record["notes"] = notes
        for element in meta.findall("self-uri"):
            href = (element.get(XLINK_HREF) or "").strip()
            self.use(element)
            kind = element.get("content-type")
            if "url" not in record and re.match(r"https?://\S+\Z", href) and kind in (None, "html", "text/html"):
                record["url"] = href
            elif re.match(r"https?://\S+\Z", href) and kind in GALLEY_FORMATS:  # a full-text file
                galley = {"format": GALLEY_FORMATS[kind], "url": href}
                if element.get(XML_LANG):
                    galley["language"] = element.get(XML_LANG)
                record.setdefault("galleys", []).append(galley)
            else:
                self.report.drop(f"self-uri ({element.get('content-type') or 'second'})")
        references = self.references()
        if references:
            record["references"] = references
        return record

    # --- titles -------------------------------------------------------------------------
    def titles(self, meta):
        titles: dict[str, str] = {}
        subtitles: dict[str, str] = {}
        running: dict[str, str] = {}
        group = self.use(meta.find("title-group"), subtree=False)
        if group is None:
            return titles, subtitles, running
        title = self.text(group.find("article-title"))
        lang = self.lang(group.find("article-title"), self.main)
        if title:
            titles[self.seen(lang)] = title
        subtitle = self.text(group.find("subtitle"))
        if subtitle:
            subtitles[lang] = subtitle
        for trans in group.findall("trans-title-group"):
            self.use(trans, subtree=False)
            trans_lang = self.lang(trans, None) or self.lang(trans.find("trans-title"), None)
            text = self.text(trans.find("trans-title"))
            if trans_lang and text and trans_lang not in titles:
                titles[self.seen(trans_lang)] = text
                sub = self.text(trans.find("trans-subtitle"))
                if sub:
                    subtitles[trans_lang] = sub
        for alt in group.findall("alt-title"):
            if alt.get("alt-title-type") in ("running-head", "running-title", "right-running", "short"):
                text = self.text(alt)
                alt_lang = self.lang(alt, self.main)
                if text and alt_lang not in running:
                    running[self.seen(alt_lang)] = text
                    continue
            self.use(alt)
            self.report.drop(f"alt-title ({alt.get('alt-title-type') or 'untyped'})")
        return titles, subtitles, running

    # --- contributors -------------------------------------------------------------------
    def corresp(self, meta) -> dict[str, str]:
        """``corresp`` ids -> e-mail: where eLife and SciELO put the corresponding author's address."""
        emails: dict[str, str] = {}
        notes = meta.find("author-notes")
        if notes is None:
            return emails
        for corresp in notes.findall("corresp"):
            email = corresp.find(".//email")
            if email is not None and email.text:
                emails[corresp.get("id") or ""] = email.text.strip()
        return emails

    def person(self, contrib, name_el) -> dict | None:
        person: dict = {}
        if localname(name_el) == "name-alternatives":
            self.use(name_el, subtree=False)
            options = [c for c in name_el if localname(c) in ("name", "string-name")]
            for extra in options[1:]:
                self.use(extra)
                self.report.drop("name-alternatives (further names)")
            name_el = options[0] if options else None
            if name_el is None:
                return None
        if localname(name_el) == "string-name" and name_el.find("surname") is None:
            text = self.text(name_el)
            if not text:
                return None
            self.report.drop("string-name kept whole as family name")
            return {"family": text}
        self.use(name_el, subtree=False)
        given = self.text(name_el.find("given-names"))
        family = self.text(name_el.find("surname"))
        suffix = self.text(name_el.find("suffix"))
        prefix = name_el.find("prefix")
        if prefix is not None:
            self.use(prefix)
            self.report.drop("name prefix (honorific)")
        if family is None:
            if given is None:
                return None
            family, given = given, None
        if given:
            person["given"] = given
        person["family"] = family
        if suffix:
            person["suffix"] = suffix
        return person

    def contrib_person(self, contrib) -> dict | None:
        name_el = next((c for c in contrib if localname(c) in ("name", "string-name", "name-alternatives")), None)
        if name_el is None:
            return None
        person = self.person(contrib, name_el)
        if person is None:
            return None
        for cid in contrib.findall("contrib-id"):
            self.use(cid)
            kind = cid.get("contrib-id-type")
            match = _ORCID.search(cid.text or "")
            if (kind == "orcid" or "orcid.org" in (cid.text or "")) and match and "orcid" not in person:
                person["orcid"] = match.group(1).upper()
            else:
                self.report.drop(f"contrib-id ({kind})")
        self.contact(contrib, person)
        roles = []
        for role in contrib.findall("role"):
            text = self.text(role)
            term = role.get("vocab-term") or text or ""
            credit = _CREDIT.get(_credit_key(term))
            if credit and credit not in roles:
                roles.append(credit)
            elif text:
                self.report.drop("free-text role")
        self.affiliation_refs(contrib, person)
        if roles:
            person["roles"] = roles
        return person

    def contact(self, contrib, person: dict) -> None:
        email = self.text(contrib.find("email"))
        for xref in contrib.findall("xref"):
            if xref.get("ref-type") == "corresp":
                self.use(xref)
                person["_corresponding"] = True
                email = email or self.corresp_emails.get(xref.get("rid") or "")
        if email and _EMAIL.match(email):
            person["email"] = email
        elif email:
            self.report.drop("e-mail that is not an address")
        for extra in contrib.findall("email")[1:]:
            self.report.drop("second e-mail")

    def affiliation_refs(self, contrib, person: dict) -> None:
        affs = []
        for xref in contrib.findall("xref"):
            kind = xref.get("ref-type")
            if kind == "aff":
                self.use(xref)
                for rid in (xref.get("rid") or "").split():
                    if rid in self.affs and self.affs[rid] not in affs:
                        affs.append(self.affs[rid])
            elif kind != "corresp":
                self.use(xref)
                self.report.drop(f"contrib xref ({kind})")
        for aff in contrib.findall("aff"):  # affiliations written inside the contrib (eLife POA)
            record_id = self.affiliation(aff)
            if record_id and record_id not in affs:
                affs.append(record_id)
        if affs:
            person["affiliations"] = affs

    def finish(self, contrib, person: dict) -> dict:
        corresponding = person.pop("_corresponding", False) or contrib.get("corresp") == "yes"
        ordered = {k: person[k] for k in ("collab", "members", "given", "family", "suffix", "orcid", "email", "affiliations") if k in person}
        if corresponding:
            ordered["corresponding"] = True
        if contrib.get("equal-contrib") == "yes" and "collab" not in person:
            ordered["equal-contribution"] = True
        if "roles" in person:
            ordered["roles"] = person["roles"]
        return ordered

    def collaboration(self, contrib, collab_el) -> dict | None:
        names: dict[str, str] = {}
        members: list[dict] = []
        self.use(collab_el, subtree=False)
        holders = [c for c in collab_el if localname(c) == "collab"] if localname(collab_el) == "collab-alternatives" else [collab_el]
        for holder in holders:
            self.use(holder, subtree=False)
            name = self.text(holder, skip=("xref", "fn", "address", "email", "institution-wrap"), read_elsewhere=("contrib-group",))
            lang = self.lang(holder, self.main)
            if name and lang not in names:
                names[self.seen(lang)] = name
            for group in holder.findall("contrib-group"):
                self.use(group, subtree=False)
                for member in group.findall("contrib"):
                    self.use(member, subtree=False)
                    person = self.contrib_person(member)
                    if person:
                        members.append(self.finish(member, person))
        if not names:
            return None
        value: dict = {"collab": names[self.main] if list(names) == [self.main] else names}
        if members:
            value["members"] = members
        self.contact(contrib, value)
        self.affiliation_refs(contrib, value)
        return value

    def contributors(self, meta):
        authors: list[dict] = []
        editors: list[dict] = []
        groups = meta.findall("contrib-group")
        for group in groups:
            self.use(group, subtree=False)
            for contrib in group.findall("contrib"):
                self.use(contrib, subtree=False)
                kind = (contrib.get("contrib-type") or "author").lower()
                collab_el = next((c for c in contrib if localname(c) in ("collab", "collab-alternatives")), None)
                value = self.collaboration(contrib, collab_el) if collab_el is not None else self.contrib_person(contrib)
                if value is None:
                    self.report.drop(f"contrib ({kind}) without a name")
                    continue
                value = self.finish(contrib, value)
                if kind == "author":
                    authors.append(value)
                elif "editor" in kind:
                    editors.append(value)
                else:
                    self.report.drop(f"contrib ({kind})")
            for element in group:
                if localname(element) == "aff":
                    self.affiliation(element)
        return authors, editors

    # --- affiliations -------------------------------------------------------------------
    def read_affiliations(self, meta) -> None:
        holders = [meta] + meta.findall("contrib-group")
        for holder in holders:
            for element in holder:
                name = localname(element)
                if name == "aff":
                    self.affiliation(element)
                elif name == "aff-alternatives":
                    self.use(element, subtree=False)
                    affs = [a for a in element if localname(a) == "aff"]
                    printed = next((a for a in affs if a.get("specific-use") == "as-printed"), None)
                    structured = next((a for a in affs if a is not printed), None)
                    if structured is None:
                        continue
                    text = self.text(printed) if printed is not None else None
                    record_id = self.affiliation(structured, printed_text=text, alias=element.get("id"))
                    for other in affs:
                        if other is not structured and other is not printed:
                            self.use(other)
                            self.report.drop("aff-alternatives (further version)")
                    del record_id

    def affiliation(self, aff, printed_text: str | None = None, alias: str | None = None) -> str | None:
        jats_id = aff.get("id")
        if jats_id and jats_id in self.affs:
            return self.affs[jats_id]
        self.use(aff, subtree=False)
        record: dict = {}
        institutions: list[str] = []
        departments: list[str] = []
        label = aff.find("label")
        if label is not None:
            self.use(label)
            self.report.drop("aff label")
        structured = False

        def institution(element) -> None:
            kind = element.get("content-type")
            text = self.text(element)
            if not text:
                return
            if kind in ("dept", "orgdiv1", "orgdiv2", "orgdiv3", "department"):
                departments.append(text)
            elif kind == "original":
                nonlocal printed_text
                printed_text = printed_text or text
            else:
                institutions.append(text)

        for child in aff:
            name = localname(child)
            if name == "institution-wrap":
                structured = True
                self.use(child, subtree=False)
                for part in child:
                    if localname(part) == "institution":
                        institution(part)
                    elif localname(part) == "institution-id":
                        self.use(part)
                        match = _ROR.search(part.text or "")
                        if part.get("institution-id-type", "").lower() == "ror" and match and "ror" not in record:
                            record["ror"] = match.group(1)
                        else:
                            self.report.drop(f"institution-id ({part.get('institution-id-type')})")
            elif name == "institution":
                structured = structured or child.get("content-type") != "original"
                institution(child)
            elif name in ("city", "state"):
                structured = True
                record[name] = self.text(child)
            elif name == "country":
                structured = True
                code = (child.get("country") or "").strip()
                self.text(child)
                found = code.upper() if re.fullmatch(r"[A-Za-z]{2}", code) else country_code(child.text, self.lang(aff, self.main))
                if found:
                    record["country"] = found
                else:
                    self.report.drop("country name without ISO code")
            elif name == "addr-line":
                parts = [p for p in child if localname(p) in ("named-content", "city", "state", "country")]
                if parts:
                    structured = True
                    self.use(child, subtree=False)
                    for part in parts:
                        kind = part.get("content-type") if localname(part) == "named-content" else localname(part)
                        if kind in ("city", "state") and kind not in record:
                            record[kind] = self.text(part)
                        elif kind == "country" and re.fullmatch(r"[A-Za-z]{2}", part.get("country") or ""):
                            self.use(part)
                            record["country"] = part.get("country").upper()
                        else:
                            self.use(part)
                            self.report.drop(f"addr-line part ({kind})")
                else:
                    self.use(child)
                    if structured or aff.find("institution") is not None:
                        self.report.drop("addr-line (kept only in the text as printed)")
            elif name == "email":
                self.use(child)
                self.report.drop("e-mail inside aff")
            elif name != "label":
                self.use(child)
                if name:
                    self.report.drop(f"aff {name}")
        if structured and institutions:
            record["institution"] = institutions[0]
            if len(institutions) > 1:
                self.report.drop("second institution in aff")
        if departments:
            if structured and institutions:
                record["department"] = ", ".join(departments)
                if len(departments) > 1:
                    self.report.drop("aff departments joined (orgdiv1, orgdiv2)")
        if not structured or not institutions:
            printed_text = printed_text or self.text(aff, skip=("label", "email", "xref", "fn"))
            for key in ("institution", "department", "city", "state", "country", "ror"):
                if key not in ("country", "ror"):
                    record.pop(key, None)
        if printed_text:
            record["text"] = printed_text
        if not record.get("institution") and not record.get("text"):
            self.report.drop("empty aff")
            return None
        record_id = self.new_affiliation_id(jats_id)
        ordered = {"id": record_id}
        ordered.update({k: record[k] for k in ("institution", "department", "city", "state", "country", "ror", "text") if record.get(k)})
        self.affiliation_records.append(ordered)
        for key in filter(None, (jats_id, alias)):
            self.affs[key] = record_id
        return record_id

    def new_affiliation_id(self, jats_id: str | None) -> str:
        taken = {a["id"] for a in self.affiliation_records}
        wanted = slug(jats_id) or f"aff{len(self.affiliation_records) + 1}"
        candidate, n = wanted, 1
        while candidate in taken:
            n += 1
            candidate = f"{wanted}-{n}"
        return candidate

    # --- dates --------------------------------------------------------------------------
    def date(self, element) -> str | None:
        if element is None:
            return None
        self.use(element)
        iso = element.get("iso-8601-date")
        match = _DATE.fullmatch(iso.strip()) if iso else None
        if match:
            return "-".join(p for p in match.groups() if p)
        year = (element.findtext("year") or "").strip()
        if not re.fullmatch(r"\d{4}", year):
            return None
        month = (element.findtext("month") or "").strip()
        day = (element.findtext("day") or "").strip()
        if element.find("season") is not None:
            self.report.drop("season in a date (year kept)")
        parts = [year]
        if month.isdigit() and 1 <= int(month) <= 12:
            parts.append(f"{int(month):02d}")
            if day.isdigit() and 1 <= int(day) <= 31:
                parts.append(f"{int(day):02d}")
        return "-".join(parts)

    def dates(self, meta) -> dict:
        dates: dict = {}
        published = issue = None
        rank_published = 99
        for element in meta.findall("pub-date"):
            kind = element.get("date-type") or element.get("pub-type") or "pub"
            value = self.date(element)
            if value is None:
                continue
            if kind == "collection":
                issue = issue or value
                continue
            rank = {"pub": 0, "epub": 1, "epub-ppub": 2, "ppub": 3}.get(kind, 4)
            if rank < rank_published:
                if published is not None:
                    self.report.drop("second publication date")
                published, rank_published = value, rank
            else:
                self.report.drop(f"pub-date ({kind})")
        history = self.use(meta.find("history"), subtree=False)
        for element in (history if history is not None else ()):
            kind = element.get("date-type")
            value = self.date(element)
            if kind in ("received", "accepted") and value and kind not in dates:
                dates[kind] = value
            else:
                self.report.drop(f"history date ({kind})")
        if published:
            dates["published"] = published
        if issue:
            dates["issue"] = issue
        return {k: dates[k] for k in ("received", "accepted", "published", "issue") if k in dates}

    # --- categories, abstracts, keywords ------------------------------------------------
    def section(self, meta) -> dict | None:
        categories = self.use(meta.find("article-categories"), subtree=False)
        if categories is None:
            return None
        section: dict[str, str] = {}
        for group in categories:
            self.use(group)
            if localname(group) == "subj-group" and group.get("subj-group-type") in ("heading", None):
                subject = group.find("subject")
                text = self.text(subject)
                lang = self.lang(group, self.lang(subject, self.main)) if subject is not None else self.main
                if text and lang not in section and group.get("subj-group-type") == "heading":
                    section[self.seen(lang)] = text
                    nested = group.findall("subj-group")
                    self.report.drop("nested subj-group", len(nested))
                    continue
            self.report.drop(f"subj-group ({group.get('subj-group-type') or 'untyped'})")
        return (section[self.main] if list(section) == [self.main] else section) or None

    def abstract_body(self, element) -> tuple[str | None, list]:
        """``(text, None)`` for a plain abstract, ``(None, sections)`` for a structured one."""
        self.use(element, subtree=False)
        title = element.find("title")
        title_text = self.text(title)
        sections: list[tuple[str | None, list[str]]] = []
        loose: list[str] = []
        for child in element:
            name = localname(child)
            if name == "p":
                if child.find("ext-link[@ext-link-type='doi']") is not None:  # eLife: the abstract's own DOI
                    self.use(child)
                    self.report.drop("abstract DOI paragraph")
                    continue
                text = self.text(child)
                if text:
                    loose.append(text)
            elif name == "sec":
                self.use(child, subtree=False)
                sec_title = self.text(child.find("title"))
                paras = []
                for part in child:
                    if localname(part) == "p":
                        text = self.text(part)
                        if text:
                            paras.append(text)
                    elif localname(part) != "title":
                        self.use(part)
                        self.report.drop(f"abstract sec {localname(part)}")
                sections.append((sec_title, paras))
            elif name not in ("title", "label"):
                self.use(child)
                self.report.drop(f"abstract {name}")
            elif name == "label":
                self.use(child)
        if sections:
            if loose:
                sections.insert(0, (title_text, loose))
            elif title_text:
                self.report.drop("abstract title above sections")
            result = [{"title": t or "", "text": "\n\n".join(p)} for t, p in sections if p]
            if any(not s["title"] for s in result):
                # The contract's sections all have titles: untitled text joins a plain abstract.
                return "\n\n".join(s["text"] for s in result), None
            return None, result
        if title_text and loose:
            return None, [{"title": title_text, "text": "\n\n".join(loose)}]
        return ("\n\n".join(loose) or None), None

    def abstracts(self, meta):
        abstracts: dict = {}
        summaries: dict = {}
        for element in meta:
            name = localname(element)
            if name not in ("abstract", "trans-abstract"):
                continue
            kind = element.get("abstract-type")
            lang = self.lang(element, self.main if name == "abstract" else None)
            if lang is None:
                self.use(element)
                self.report.drop("trans-abstract without xml:lang")
                continue
            text, sections = self.abstract_body(element)
            value = text if text is not None else sections
            if not value:
                continue
            if kind:
                kind = ABSTRACT_KINDS.get(kind, kind)
                kind = slug(kind) or "other"
                target = summaries.setdefault(kind, {})
            else:
                target = abstracts
            if lang in target:
                self.report.drop(f"second {kind or 'abstract'} in {lang}")
                continue
            target[self.seen(lang)] = value
        return abstracts, summaries

    def keywords(self, meta) -> dict:
        keywords: dict[str, list[str]] = {}
        for group in meta.findall("kwd-group"):
            self.use(group, subtree=False)
            kind = group.get("kwd-group-type")
            if kind not in (None, "author", "author-keywords", "author-generated"):
                self.use(group)
                self.report.drop(f"kwd-group ({kind})")
                continue
            lang = self.lang(group, self.main)
            terms = keywords.setdefault(self.seen(lang), [])
            for child in group:
                if localname(child) == "kwd":
                    term = self.text(child)
                    if term and term not in terms:
                        terms.append(term)
                else:
                    self.use(child)
                    if localname(child) != "title":
                        self.report.drop(f"kwd-group {localname(child)}")
        return {lang: terms for lang, terms in keywords.items() if terms}

    def sub_articles(self, abstracts: dict, keywords: dict, titles: dict, subtitles: dict) -> None:
        """A translation sub-article's title, abstract and keywords fill the languages the main
        front matter lacks; its body and everything else are reported dropped."""
        for sub in self.root.findall("sub-article"):
            kind = sub.get("article-type") or "untyped"
            lang = self.lang(sub, None)
            self.use(sub)
            if kind == "translation" and lang:
                stub = sub.find("front-stub")
                if stub is None:
                    stub = sub.find("front/article-meta")
                kept = []
                if stub is not None:
                    group = stub.find("title-group")
                    title = self.text(group.find("article-title")) if group is not None else None
                    if title and lang not in titles:
                        titles[self.seen(lang)] = title
                        kept.append("title")
                        subtitle = self.text(group.find("subtitle"))
                        if subtitle:
                            subtitles[lang] = subtitle
                    for element in stub.findall("abstract") + stub.findall("trans-abstract"):
                        if element.get("abstract-type") or self.lang(element, lang) != lang or lang in abstracts:
                            continue
                        text, sections = self.abstract_body(element)
                        if text or sections:
                            abstracts[self.seen(lang)] = text if text is not None else sections
                            kept.append("abstract")
                    for group in stub.findall("kwd-group"):
                        if self.lang(group, lang) == lang and lang not in keywords and group.get("kwd-group-type") in (None, "author"):
                            terms = [t for t in (self.text(k) for k in group.findall("kwd")) if t]
                            if terms:
                                keywords[self.seen(lang)] = terms
                                kept.append("keywords")
                what = f"{', '.join(kept)} kept; the rest" if kept else "all"
                self.report.drop(f"sub-article ({lang} translation): {what} dropped")
            else:
                self.report.drop(f"sub-article ({kind}{', ' + lang if lang else ''}) dropped")

    # --- permissions, funding, notes ----------------------------------------------------
    def permissions(self, meta):
        permissions = self.use(meta.find("permissions"), subtree=False)
        license_url = None
        copyright: dict = {}
        if permissions is None:
            return None, None
        for child in permissions:
            name = localname(child)
            self.use(child)
            if name == "license":
                ref = child.find(ALI_LICENSE_REF)
                url = (ref.text if ref is not None else None) or child.get(XLINK_HREF) or ""
                url = url.strip()
                if not url:
                    link = child.find(".//ext-link")
                    url = (link.get(XLINK_HREF) or "").strip() if link is not None else ""
                if re.match(r"https?://\S+\Z", url):
                    if license_url is None:
                        license_url = url
                    elif url.rstrip("/") != license_url.rstrip("/"):
                        self.report.drop("second license")
                else:
                    self.report.drop("license without a URL")
            elif name == "copyright-holder":
                copyright.setdefault("holder", self.text(child))
            elif name == "copyright-year":
                year = (child.text or "").strip()
                if re.fullmatch(r"\d{4}", year):
                    copyright["year"] = int(year)
            elif name == "copyright-statement":
                if permissions.find("copyright-holder") is None:
                    self.report.drop("copyright-statement without holder")
            else:
                self.report.drop(f"permissions {name}")
        if copyright and "holder" not in copyright:
            copyright = {}
        return license_url, ({k: copyright[k] for k in ("holder", "year") if copyright.get(k)} or None)

    def funding(self, meta):
        funding: list[dict] = []
        statements: dict[str, str] = {}
        for group in meta.findall("funding-group"):
            self.use(group, subtree=False)
            for child in group:
                name = localname(child)
                if name == "award-group":
                    self.use(child, subtree=False)
                    awards = [a for a in (self.text(e) for e in child.findall("award-id")) if a]
                    sources = child.findall("funding-source")
                    for source in sources:
                        self.use(source, subtree=False)
                        funder_id = None
                        names = []
                        for element in source.iter():
                            local = localname(element)
                            if local == "institution-id" or (local == "named-content" and element.get("content-type") == "funder-id"):
                                self.use(element)
                                match = _FUNDER.search(element.text or "")
                                if match:
                                    funder_id = funder_id or match.group(1)
                            elif local == "institution":
                                names.append(self.text(element))
                        name_text = next((n for n in names if n), None)
                        if name_text is None:
                            name_text = self.text(source, skip=("institution-id", "named-content", "xref"))
                        self.use(source)
                        if not name_text:
                            continue
                        entry: dict = {"funder": name_text}
                        if funder_id:
                            entry["funder-id"] = funder_id
                        if awards:
                            entry["award"] = awards[0] if len(awards) == 1 else awards
                        funding.append(entry)
                    if not sources and awards:
                        self.report.drop("award-id without funding-source", len(awards))
                    for extra in child:
                        if localname(extra) not in ("award-id", "funding-source"):
                            self.use(extra)
                            self.report.drop(f"award-group {localname(extra)}")
                elif name == "funding-statement":
                    text = self.text(child)
                    lang = self.lang(child, self.main)
                    if text and lang not in statements:
                        statements[self.seen(lang)] = text
                    elif text:
                        self.report.drop("second funding-statement")
                else:
                    self.use(child)
                    self.report.drop(f"funding-group {name}")
        if list(statements) == [self.main]:
            return funding, statements[self.main]
        return funding, statements

    def note_text(self, element) -> str | None:
        paragraphs = [self.text(p) for p in element.findall("p")]
        paragraphs = [p for p in paragraphs if p]
        self.use(element)
        return " ".join(paragraphs) if paragraphs else self.text(element, skip=("label", "title"))

    def notes(self, meta) -> dict:
        notes: dict[str, dict[str, str]] = {}
        author_notes = self.use(meta.find("author-notes"), subtree=False)
        holders = []
        if author_notes is not None:
            holders.append(author_notes)
        back = self.root.find("back")
        for fn_group in (back.findall("fn-group") if back is not None else []):
            holders.append(fn_group)
        for holder in holders:
            for child in holder:
                name = localname(child)
                if name == "fn" and NOTE_FN_TYPES.get(child.get("fn-type") or ""):
                    kind = NOTE_FN_TYPES[child.get("fn-type")]
                    text = self.note_text(child)
                    lang = self.lang(child, self.main)
                    if text and lang not in notes.setdefault(kind, {}):
                        notes[kind][self.seen(lang)] = text
                        if holder is not author_notes:
                            self.use(holder, subtree=False)
                        continue
                if holder is author_notes:
                    self.use(child)
                    if name == "corresp" and self.corresp_emails:
                        continue
                    self.report.drop(f"author-notes {name}" + (f" ({child.get('fn-type')})" if child.get("fn-type") else ""))
        if back is not None:
            for sec in back.findall("sec"):
                if sec.get("sec-type") in ("data-availability", "data-availability-statement"):
                    text = self.note_text(sec)
                    lang = self.lang(sec, self.main)
                    if text and lang not in notes.setdefault("data-availability", {}):
                        notes["data-availability"][self.seen(lang)] = text
        result = {}
        for kind in ("competing-interests", "author-contributions", "data-availability"):
            if notes.get(kind):
                result[kind] = notes[kind][self.main] if list(notes[kind]) == [self.main] else notes[kind]
        return result

    # --- references ---------------------------------------------------------------------
    def references(self) -> list[dict]:
        back = self.use(self.root.find("back"), subtree=False)
        if back is None:
            return []
        references = []
        for ref_list in back.iter("ref-list"):
            self.use(ref_list, subtree=False)
            for child in ref_list:
                if localname(child) == "ref":
                    value = self.reference(child)
                    if value:
                        references.append(value)
                elif localname(child) != "title":
                    self.use(child)
                    if localname(child) != "ref-list":
                        self.report.drop(f"ref-list {localname(child)}")
                else:
                    self.use(child)
        return references

    def reference(self, ref) -> dict | None:
        self.use(ref, subtree=False)
        holder = ref.find("citation-alternatives")
        if holder is not None:
            self.use(holder, subtree=False)
        else:
            holder = ref
        elements = [c for c in holder if localname(c) in ("element-citation", "mixed-citation", "citation", "nlm-citation")]
        label = ref.find("label")
        if label is not None:
            self.use(label)
        if not elements:
            self.use(ref)
            self.report.drop("ref without a citation")
            return None
        structured = next((e for e in elements if localname(e) != "mixed-citation"), None)
        mixed = next((e for e in elements if localname(e) == "mixed-citation"), None)
        record: dict = {}
        text = None
        if mixed is not None:
            text = self.text(mixed, skip=())
            if structured is None and len(mixed):
                structured = mixed
        parts = self.citation_parts(structured) if structured is not None else {}
        for element in elements:
            self.use(element)
            if element is not structured and element is not mixed:
                self.report.drop("further citation version in ref")
        source_el = structured if structured is not None else mixed
        ref_type = (source_el.get("publication-type") or source_el.get("citation-type") or "other").lower()
        ref_type = REFERENCE_TYPE_ALIASES.get(ref_type, ref_type)
        if ref_type == "book" and parts.pop("_chapter", False):
            ref_type = "chapter"
        parts.pop("_chapter", None)
        if ref_type not in REFERENCE_TYPES:
            self.report.drop(f"reference type {ref_type} (written as other)")
            ref_type = "other"
        if text:
            record["text"] = text
        if parts or ref_type != "other":
            record["type"] = ref_type
        if ref_type in ("book", "report", "thesis") and "title" not in parts and "container-title" in parts:
            parts["title"] = parts.pop("container-title")
        for key in ("authors", "editors", "title", "container-title", "year", "volume", "issue", "pages",
                    "elocation", "publisher", "publisher-location", "edition", "doi", "pmid", "url", "accessed"):
            if key in parts:
                record[key] = parts[key]
        if not any(k in record for k in ("text", "title", "container-title")):
            fallback = self.text(source_el, skip=())
            if not fallback:
                return None
            record = {"text": fallback, **record}
        return record

    def citation_parts(self, citation) -> dict:
        parts: dict = {}
        for child in citation:
            name = localname(child)
            if name == "person-group":
                kind = child.get("person-group-type") or "author"
                people = []
                for member in child:
                    local = localname(member)
                    if local in ("name", "string-name", "name-alternatives"):
                        person = self.person(member, member)
                        if person:
                            people.append(person)
                    elif local == "collab":
                        text = self.text(member)
                        if text:
                            people.append({"collab": text})
                    elif local == "etal":
                        self.report.drop("etal in a reference")
                key = {"author": "authors", "editor": "editors"}.get(kind)
                if key and people:
                    parts.setdefault(key, []).extend(people)
                elif people:
                    self.report.drop(f"person-group ({kind}) in a reference")
            elif name in ("name", "string-name"):  # names straight in the citation (PMC mixed-citation)
                person = self.person(child, child)
                if person:
                    parts.setdefault("authors", []).append(person)
            elif name == "collab":
                text = self.text(child)
                if text:
                    parts.setdefault("authors", []).append({"collab": text})
            elif name in ("article-title", "chapter-title", "data-title", "part-title"):
                text = self.text(child)
                if text and "title" not in parts:
                    parts["title"] = text
                    if name == "chapter-title":
                        parts["_chapter"] = True
            elif name == "source":
                parts.setdefault("container-title", self.text(child))
            elif name == "year":
                year = re.match(r"\d{4}", (child.text or "").strip())
                self.use(child)
                if year and 1000 <= int(year.group()) <= 9999:
                    parts.setdefault("year", int(year.group()))
                    if (child.text or "").strip() != year.group():
                        self.report.drop("year suffix in a reference (1996a)")
            elif name in ("volume", "issue", "edition"):
                text = self.text(child)
                if text and len(text) <= 50:
                    parts.setdefault(name, text)
            elif name == "fpage":
                first = self.text(child)
                if first:
                    parts.setdefault("pages", {"first": first})
            elif name == "lpage":
                last = self.text(child)
                if last and "pages" in parts:
                    parts["pages"]["last"] = expand_last_page(parts["pages"]["first"], last)
            elif name == "elocation-id":
                parts.setdefault("elocation", self.text(child))
            elif name == "publisher-name":
                parts.setdefault("publisher", self.text(child))
            elif name == "publisher-loc":
                parts.setdefault("publisher-location", self.text(child))
            elif name == "pub-id":
                kind = child.get("pub-id-type")
                value = self.text(child)
                # DOIs pasted as URLs are sometimes percent-encoded (10.1186%2Fs12889-...).
                match = _DOI.search(unquote(value or "")) if kind == "doi" else None
                if match:
                    parts.setdefault("doi", match.group(1))
                elif kind == "pmid" and value and re.fullmatch(r"\d{1,9}", value):
                    parts.setdefault("pmid", value)
                else:
                    self.report.drop(f"pub-id ({kind}) in a reference")
            elif name in ("ext-link", "uri"):
                href = (child.get(XLINK_HREF) or child.text or "").strip()
                self.use(child)
                if re.match(r"https?://\S+\Z", href) and "url" not in parts:
                    parts["url"] = href
                elif href.startswith("10.") or "doi.org/" in href:
                    match = _DOI.search(href)
                    if match:
                        parts.setdefault("doi", match.group(1))
                else:
                    self.report.drop("link in a reference")
            elif name == "date-in-citation":
                value = self.date(child) or (lambda m: m.group(0) if m else None)(_DATE.search(child.get("iso-8601-date") or ""))
                if value:
                    parts.setdefault("accessed", value)
                else:
                    self.report.drop("date-in-citation without a date")
            elif name:
                self.use(child)
                self.report.drop(f"reference {name}")
        if "pages" in parts and "elocation" in parts:
            parts.pop("elocation")
        return {k: v for k, v in parts.items() if v is not None}

    # --- what is left -------------------------------------------------------------------
    def leftovers(self) -> None:
        """Count every element the reader did not take, where its parent was read."""
        for element in self.root.iter():
            if not isinstance(element.tag, str) or element in self.used:
                continue
            parent = element.getparent()
            if parent is None or parent not in self.used:
                continue
            if localname(parent) == "article" and localname(element) == "body":
                self.report.drop("body (full text)")
            elif localname(element) == "back" or localname(parent) == "back":
                self.report.drop(f"back {localname(element)}")
            else:
                self.report.drop(f"{localname(parent)} {localname(element)}")
            self.used.update(element.iter())


def expand_last_page(first: str, last: str) -> str:
    """"1703-15" means 1703-1715: citations abbreviate the last page, records spell it out."""
    if first.isdigit() and last.isdigit() and len(last) < len(first) and int(last) < int(first):
        return first[: len(first) - len(last)] + last
    return last


def _strip_namespaces(root: etree._Element) -> None:
    """JATS in a namespace (as OAI-PMH serves it) reads like JATS without one."""
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith("{"):
            namespace = element.tag[1:].split("}", 1)[0]
            if namespace not in KEEP_NAMESPACES:
                element.tag = localname(element)


def read_jats(raw: bytes, display: str, stem: str) -> ImportedRecord:
    tree = parse_xml(raw, display)
    root = tree.getroot()
    _strip_namespaces(root)
    if localname(root) != "article":
        raise SourceError(display, root.sourceline or 1, f"the root element is <{localname(root)}>, not <article>: not a JATS article")
    reader = _Reader(root, display)
    journal, article = reader.read(stem)
    return ImportedRecord(source=display, journal=journal, article=article, report=reader.report, todos=reader.todos)


def jats_files(paths: list[str]) -> list[Path]:
    """Files named, and the .xml/.nxml files of directories named (sorted, not recursive into hidden)."""
    found: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix.lower() in (".xml", ".nxml") and p.is_file()
                            and not any(part.startswith(".") for part in p.relative_to(path).parts))
        else:
            found.append(path)
    return found


def import_jats_file(path: Path) -> ImportedRecord:
    display = str(path)
    return read_jats(read_limited(path, display), display, path.stem)
