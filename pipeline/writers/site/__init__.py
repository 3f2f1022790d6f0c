"""The journal website: static HTML pages under ``out/site/``, built from the model only.

Per article, :func:`render` writes the landing page ``site/<journal>/<article>/index.html``
(every language the record carries, the ``<head>`` metadata indexers read: Highwire
``citation_*``, Dublin Core, schema.org JSON-LD, canonical/alternate links, Open Graph)
and copies the article's JATS, BibTeX, BibLaTeX, RIS and CSL-JSON beside it, so the
download links work wherever the site tree is copied. It also leaves a part (``site``): what
a table of contents says of the article, from which :func:`render_journal` builds the
journal home, one page per issue and the journal's ``sitemap.xml`` without re-rendering
anything. :func:`render_site` writes what spans journals: the site index, the sitemap index,
``robots.txt`` and the one stylesheet.

- Templates are Jinja2 with autoescaping on, shipped in this package (``templates/``) and
  compiled once per process; record text is never markup.
- The page chrome is translated with gettext catalogs (``locale/<lang>/LC_MESSAGES/site.po``),
  compiled in memory by Babel when first used: a wheel carries only the ``.po`` sources, and
  nothing generated has to be kept in step with them.
- The citations and the download files are the other writers' outputs of the same render
  (``outputs``); only when this writer runs alone (its code changed) does it render them.
"""

from __future__ import annotations

import functools
import gettext
import io
import json
from datetime import date
from pathlib import Path
from typing import Mapping

import jinja2
from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from lxml import etree
from markupsafe import Markup

from ...layout import SITE_ROOT, article_path, citation_path
from ...model import Article, Collaboration, Journal, PartialDate, Person
from ...diagnostics import Diagnostic, InvalidInput
from .. import JournalEntry, Rendered
from ...countries import country_name
from . import metadata, output_escaping, template_cache

NAME = "site"
PART = "site"
PARTS = (PART,)
READS_OUTPUTS = True  # render() gets the other writers' files of the article (pipeline.rendering)
ROOT = SITE_ROOT
CHROME_LANGUAGES = ("en", "tr")  # the catalogs shipped; others fall back to English
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "sd", "ug", "yi", "dv", "ckb"})
STATIC_FILES = ("style.css", "favicon.svg")
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
WRITER_MODULES = {
    "jats": "pipeline.writers.jats", "bibtex": "pipeline.writers.bibtex", "biblatex": "pipeline.writers.biblatex",
    "ris": "pipeline.writers.ris", "csl": "pipeline.writers.csl", "citations": "pipeline.writers.citations",
}

# The files copied beside the landing page: (writer, file name, label, type). Where each
# writer's own file is in out/ is pipeline.layout's to say (article_path), not the site's.
DOWNLOADS = (
    ("jats", "{a}.xml", "JATS XML", "application/xml"),
    ("bibtex", "{a}.bib", "BibTeX", "application/x-bibtex"),
    ("biblatex", "{a}.biblatex.bib", "BibLaTeX", "application/x-bibtex"),
    ("ris", "{a}.ris", "RIS", "application/x-research-info-systems"),
    ("csl", "{a}.csl.json", "CSL-JSON", "application/vnd.citationstyles.csl+json"),
)

GALLEY_LABELS = {"pdf": "PDF", "html": "HTML", "xml": "JATS XML"}
GALLEY_TYPES = {"pdf": "application/pdf", "html": "text/html", "xml": "application/xml"}

LICENSE_NAMES = {
    "https://creativecommons.org/licenses/by/4.0/": "CC BY 4.0",
    "https://creativecommons.org/licenses/by-sa/4.0/": "CC BY-SA 4.0",
    "https://creativecommons.org/licenses/by-nc/4.0/": "CC BY-NC 4.0",
    "https://creativecommons.org/licenses/by-nc-sa/4.0/": "CC BY-NC-SA 4.0",
    "https://creativecommons.org/licenses/by-nd/4.0/": "CC BY-ND 4.0",
    "https://creativecommons.org/licenses/by-nc-nd/4.0/": "CC BY-NC-ND 4.0",
    "https://creativecommons.org/publicdomain/zero/1.0/": "CC0 1.0",
}
NOTE_HEADINGS = {
    "competing-interests": "Competing interests",
    "author-contributions": "Author contributions",
    "data-availability": "Data availability",
}
SUMMARY_HEADINGS = {"key-points": "Key points", "lay-summary": "Plain language summary"}


# --- templates and catalogs, once per process ----------------------------------------------


class SiteTemplateError(InvalidInput):
    """A journal's own template failed while rendering a page (a syntax error is found by the
    reader already): reported like an input problem, at the template's file and line."""

    def __reduce__(self):  # crosses from a worker process: rebuilt from its diagnostics
        return (SiteTemplateError, (self.diagnostics,))


class _PageEnvironment(jinja2.Environment):
    """Page contexts are plain dicts: ``meta.name`` looks the key up first. (Jinja's default
    tries the attribute first and pays an AttributeError for every lookup in a dict, a tenth
    of the page's time.) Anything else is looked up as Jinja does. An autoescaped output is
    yielded as escaped text, not as a ``Markup`` the page's join discards (:mod:`.output_escaping`)."""

    if output_escaping.AVAILABLE:
        code_generator_class = output_escaping.TextOutputCodeGenerator
        escaped_text = staticmethod(output_escaping.escaped_text)

    def getattr(self, obj, attribute):
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


@functools.cache
def environment(overrides: tuple[tuple[str, str, str], ...] = ()) -> jinja2.Environment:
    """The templates: the journal's own (``SiteFiles.templates``) before the built-in ones,
    one environment per set of overrides, compiled once per process (and kept compiled
    between processes: :mod:`.template_cache`)."""
    builtin = jinja2.PackageLoader("pipeline.writers.site", "templates")
    loader: jinja2.BaseLoader = builtin
    if overrides:
        own = {name: (source, shown) for name, shown, source in overrides}

        def journal_template(name: str):
            if name not in own:
                return None
            source, shown = own[name]
            return source, shown, lambda: True

        loader = jinja2.ChoiceLoader([jinja2.FunctionLoader(journal_template), builtin])
    return template_cache.attach(_PageEnvironment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
        # compiled once per process: no stat of base.html on every {% extends %} (a journal's
        # templates come with the model; the built-in ones change only with the package)
        auto_reload=False,
    ))


@functools.cache
def template(name: str, overrides: tuple[tuple[str, str, str], ...] = ()) -> jinja2.Template:
    return environment(overrides).get_template(name)


def render_page(journal: Journal | None, name: str, context: dict) -> bytes:
    """A page from template ``name`` (the journal's own one when it has it); an error raised
    in a journal's template is reported at its file and line (a misspelt template name is
    the reader's to report: :mod:`pipeline.read.site_files`)."""
    overrides = journal.site.templates if journal is not None else ()
    try:
        return template(name, overrides).render(context).encode("utf-8")
    except jinja2.TemplateError as exc:
        shown = {shown for _name, shown, _source in overrides}
        frames = []
        trace = exc.__traceback__
        while trace is not None:
            if trace.tb_frame.f_code.co_filename in shown:
                frames.append((trace.tb_frame.f_code.co_filename, trace.tb_lineno))
            trace = trace.tb_next
        if not frames:
            raise  # the built-in templates: a bug, not the journal's input
        file, line = frames[-1]
        raise SiteTemplateError([Diagnostic(file, line, 1, "(site files)", f"template error: {exc.message or type(exc).__name__}")]) from None


def journal_chrome(journal: Journal, to_journal: str) -> dict:
    """What every page of a journal shows of its own site files: the logo, its stylesheet
    (``to_journal``: the relative path from the page to the journal's directory)."""
    stylesheet = any(relative == "style.css" for relative, _path in journal.site.assets)
    return {
        "logo": f"{to_journal}{journal.site.logo[0]}" if journal.site.logo else None,
        "journal_home": f"{to_journal}index.html",
        "journal_stylesheet": f"{to_journal}assets/style.css" if stylesheet else None,
    }


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The chrome catalog for a language (its primary subtag), compiled from the .po once."""
    from importlib.resources import files

    primary = language.split("-")[0].lower()
    if primary not in CHROME_LANGUAGES:
        primary = "en"
    source = files("pipeline.writers.site").joinpath("locale", primary, "LC_MESSAGES", "site.po")
    with source.open("rb") as handle:
        catalog = read_po(handle, locale=primary)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@functools.cache
def static_file(name: str) -> bytes:
    """A file of the site shipped in this package (``static/``): the stylesheet, the icon."""
    from importlib.resources import files

    return files("pipeline.writers.site").joinpath("static", name).read_bytes()


def chrome_language(journal: Journal) -> str:
    """The page chrome's language: the journal's main one when a catalog exists for it."""
    primary = journal.main_language.split("-")[0].lower()
    return primary if primary in CHROME_LANGUAGES else "en"


def chrome_direction(chrome: str, page_dir: str | None) -> str | None:
    """The chrome's ``dir`` where it differs from the page's (English chrome on an RTL page)."""
    own = text_dir(chrome)
    if own == page_dir:
        return None
    return own or "ltr"


def text_dir(language: str) -> str | None:
    return "rtl" if language.split("-")[0].lower() in RTL_LANGUAGES else None


def _lang_text(lang: str, text: str, **extra) -> dict:
    return {"lang": lang, "dir": text_dir(lang), "text": text, **extra}


def language_name(language: str, chrome: str) -> str:
    """A language as the chrome's language names it ("Türkçe", "English"), else its tag."""
    try:
        return Locale.parse(language.replace("-", "_")).get_display_name(chrome) or language
    except (ValueError, LookupError):
        return language


@functools.cache
def _date_pattern(language: str, precision: str):
    """The locale and its parsed date pattern for a precision ("day": the long date, "month":
    the yMMMM skeleton), once per process: ``format_date`` parses the locale and the pattern
    again on every call, several times the cost of applying it."""
    from babel.dates import get_date_format, match_skeleton, parse_pattern

    locale = Locale.parse(language.replace("-", "_"))
    if precision == "day":
        return locale, get_date_format("long", locale=locale)
    skeletons = locale.datetime_skeletons
    return locale, parse_pattern(skeletons[match_skeleton("yMMMM", skeletons)])


@functools.lru_cache(maxsize=4096)  # a journal's articles share their dates (issue days)
def written_date(value: PartialDate, language: str) -> str:
    """A date as the page's language writes it, at the precision the record gives (what
    babel's ``format_date(format="long")`` and ``format_skeleton("yMMMM")`` write)."""
    try:
        if value.day is not None:
            locale, pattern = _date_pattern(language, "day")
            return pattern.apply(date(value.year, value.month, value.day), locale)
        if value.month is not None:
            locale, pattern = _date_pattern(language, "month")
            return pattern.apply(date(value.year, value.month, 1), locale)
    except (ValueError, LookupError, TypeError):
        return value.iso()
    return str(value.year)


def license_name(url: str) -> str:
    normalized = url if url.endswith("/") else url + "/"
    return LICENSE_NAMES.get(normalized.replace("http://", "https://"), url)


def pages_text(article: Article) -> str | None:
    if article.pages is None:
        return None
    return f"{article.pages.first}–{article.pages.last}" if article.pages.last else article.pages.first


def issue_label(volume: str | None, issue: str | None, _) -> str:
    if volume and issue:
        return _("Volume {volume}, Issue {issue}").format(volume=volume, issue=issue)
    if volume:
        return _("Volume {volume}").format(volume=volume)
    return _("Issue {issue}").format(issue=issue)


def contributor_name(contributor: Person | Collaboration) -> str:
    return contributor.display_name


# --- the landing page ----------------------------------------------------------------------


def _other_outputs(article: Article, journal: Journal, outputs: Mapping[str, bytes] | None) -> Mapping[str, bytes]:
    """The other writers' files of this article: given by the render, or, for a writer that
    did not run with this one (an incremental run after a change to some writers' code),
    rendered here."""
    import importlib

    from ..citations import locales_for, style_directory

    have = dict(outputs or {})
    expected = {name: [article_path(name, journal.id, article.id)] for name, *_ in DOWNLOADS}
    expected["citations"] = [
        citation_path(journal.id, style_directory(style), locale, article.id, "html")
        for style in journal.citation_styles for locale in locales_for(article, journal)
    ]
    for name, paths in expected.items():
        if not all(path in have for path in paths):
            # named in full so that this writer's code fingerprint covers theirs
            module = importlib.import_module(WRITER_MODULES[name])
            have.update(module.render(article, journal).files)
    return have


def _citations(article: Article, journal: Journal, outputs: Mapping[str, bytes]) -> list[dict]:
    from ..citations import locales_for, style_directory

    found = []
    for style in journal.citation_styles:
        directory = style_directory(style)
        for locale in locales_for(article, journal):
            html = outputs.get(citation_path(journal.id, directory, locale, article.id, "html"))
            if html is not None:
                found.append({"style": directory, "locale": locale, "lang": locale.split("-")[0],
                              "html": Markup(html.decode("utf-8").strip())})
    return found


def _abstract_view(abstract, heading: str) -> dict:
    return {"heading": heading, "sections": [{"title": s.title, "paragraphs": s.paragraphs} for s in abstract.sections]}


def _reference_text(ref) -> str:
    """The reference as printed in the record, or written from its parts."""
    if ref.text:
        return ref.text
    names = "; ".join(
        [f"{a.family}, {a.given}" if type(a) is Person and a.given else a.display_name for a in ref.authors]
    )
    pieces = [names, f"({ref.year})" if ref.year else "", ref.title, ref.container_title]
    volume = ref.volume or ""
    if ref.issue:
        volume += f"({ref.issue})"
    pieces.append(volume)
    if ref.pages:
        pieces.append(f"{ref.pages.first}–{ref.pages.last}" if ref.pages.last else ref.pages.first)
    elif ref.elocation:
        pieces.append(ref.elocation)
    pieces += [ref.publisher_location, ref.publisher]
    return ". ".join([p.strip().rstrip(".") for p in pieces if p and p.strip()]) + "."


def article_page(article: Article, journal: Journal, outputs: Mapping[str, bytes]) -> tuple[bytes, dict[str, bytes]]:
    chrome = chrome_language(journal)
    _ = translations(chrome).gettext
    marks = {aff.id: str(i) for i, aff in enumerate(article.affiliations, start=1)}
    authors = []
    for contributor in article.authors:
        view = {"name": contributor_name(contributor), "affiliation_marks": [marks[a] for a in contributor.affiliations if a in marks],
                "corresponding": contributor.corresponding, "email": contributor.email, "orcid": None, "equal": False,
                "roles": [], "members": []}
        if isinstance(contributor, Person):
            view.update(orcid=contributor.orcid, equal=contributor.equal_contribution,
                        roles=[r if isinstance(r, str) else (r.get(chrome) or r.first()) for r in contributor.roles])
        else:
            view["members"] = [m.display_name for m in contributor.members]
        authors.append(view)
    affiliations = [
        {"mark": marks[aff.id], "ror": aff.ror,
         "text": aff.text or ", ".join(p for p in (aff.department, aff.institution, aff.city, aff.state,
                                                   country_name(aff.country, article.language) if aff.country else None) if p)}
        for aff in article.affiliations
    ]
    dates = [
        {"label": _(label), "iso": value.iso(), "text": written_date(value, chrome)}
        for label, value in (("Received", article.dates.received), ("Accepted", article.dates.accepted),
                             ("Published", article.dates.published))
        if value is not None
    ]
    blocks = []
    for lang in article.languages:
        abstracts = [_abstract_view(a, _("Abstract")) for a in article.abstracts if a.lang == lang]
        abstracts += [_abstract_view(s, _(SUMMARY_HEADINGS.get(s.kind, "Summary"))) for s in article.summaries if s.lang == lang]
        keywords = article.keywords_in(lang)
        if abstracts or keywords:
            blocks.append({"lang": lang, "dir": text_dir(lang), "abstracts": abstracts, "keywords": keywords})
    notes = [
        {"heading": _(NOTE_HEADINGS.get(note.kind, note.kind)), "texts": [_lang_text(l, t) for l, t in note.text]}
        for note in article.notes
    ]
    downloads = []
    copies: dict[str, bytes] = {}
    base = f"{ROOT}/{journal.id}/{article.id}"
    for writer, name, label, media_type in DOWNLOADS:
        data = outputs.get(article_path(writer, journal.id, article.id))
        if data is None:
            continue
        file_name = name.format(a=article.id)
        copies[f"{base}/{file_name}"] = data
        downloads.append({"href": file_name, "label": label, "type": media_type})
    galleys = []
    for galley in article.galleys:
        if galley.file:
            copies[f"{base}/{galley.name}"] = Path(galley.file).read_bytes()
        galleys.append({
            "href": galley.name if galley.file else galley.url,
            "label": galley.label or GALLEY_LABELS[galley.format],
            "type": GALLEY_TYPES[galley.format],
            "lang": galley.language, "language_name": language_name(galley.language, chrome) if galley.language else None,
        })
    title_lang = article.language
    main_title = article.title.get(title_lang) or article.title.first()
    issue = None
    if article.issue_key:
        issue = {"key": article.issue_key, "label": issue_label(article.volume, article.issue, _)}
    copyright_text = None
    if article.copyright:
        copyright_text = " ".join(
            p for p in ("©", str(article.copyright.year or article.dates.published.year), article.copyright.holder) if p
        )
    context = {
        "html_lang": article.language,
        "html_dir": text_dir(article.language),
        "chrome_lang": chrome,
        "chrome_dir": chrome_direction(chrome, text_dir(article.language)),
        "page_title": main_title,
        "root": "../../",
        "canonical": article.url,
        "metas": metadata.meta_tags(article, journal),
        "alternates": [{"href": d["href"], "type": d["type"], "title": d["label"]} for d in downloads],
        "open_graph": metadata.open_graph(article, journal),
        "json_ld": Markup(metadata.json_ld_text(article, journal)),
        "journal_title": journal.title.first(),
        "section": _lang_text(article.section.items[0][0], article.section.items[0][1]) if article.section else None,
        "title": _lang_text(title_lang, main_title, subtitle=article.subtitle.get(title_lang)),
        "translated_titles": [_lang_text(l, t, subtitle=article.subtitle.get(l)) for l, t in article.title.others(title_lang)],
        "authors": authors,
        "affiliations": affiliations,
        "editors": [contributor_name(e) for e in article.editors],
        "dates": dates,
        "issue": issue,
        "pages": pages_text(article),
        "elocation": article.elocation,
        "doi_url": f"https://doi.org/{article.doi}" if article.doi else None,
        "license": {"url": article.license, "name": license_name(article.license)} if article.license else None,
        "copyright": copyright_text,
        "language_blocks": blocks,
        "funding": [{"funder": f.funder, "funder_id": f.funder_id, "awards": f.awards} for f in article.funding],
        "funding_statements": [_lang_text(l, t) for l, t in article.funding_statement],
        "notes": notes,
        "citations": _citations(article, journal, outputs),
        "downloads": downloads,
        "galleys": galleys,
        "references": [
            {"id": ref.id, "text": _reference_text(ref), "doi_url": f"https://doi.org/{ref.doi}" if ref.doi else None, "url": ref.url}
            for ref in article.references
        ],
        "issns": [i for i in (journal.issn_print, journal.issn_electronic) if i],
        "_": _,
    } | journal_chrome(journal, "../")
    return render_page(journal, "article.html", context), copies


def toc_entry(article: Article) -> dict:
    """What a table of contents shows of an article (the ``site`` part)."""
    return {
        "id": article.id,
        "issue": article.issue_key,
        "volume": article.volume,
        "number": article.issue,
        "title": [list(item) for item in article.title],
        "authors": [contributor_name(c) for c in article.authors],
        "pages": pages_text(article) or article.elocation,
        "first_page": article.pages.first if article.pages else None,
        "doi": article.doi,
        "section": [list(item) for item in article.section],
        "published": article.dates.published.iso(),
    }


def render(article: Article, journal: Journal, outputs: Mapping[str, bytes] | None = None) -> Rendered:
    outputs = _other_outputs(article, journal, outputs)
    page, copies = article_page(article, journal, outputs)
    files = {f"{ROOT}/{journal.id}/{article.id}/index.html": page, **copies}
    part = json.dumps(toc_entry(article), ensure_ascii=False, sort_keys=True).encode("utf-8")
    return Rendered(files=files, parts={PART: part})


# --- journal home, issue pages, sitemap ----------------------------------------------------


def _entry_view(entry: dict, chrome: str) -> dict:
    titles = dict((l, t) for l, t in entry["title"])
    lang = entry["title"][0][0]
    return {"id": entry["id"], "title": titles[lang], "title_lang": lang, "title_dir": text_dir(lang),
            "authors": entry["authors"], "pages": entry["pages"], "doi": entry["doi"]}


def _page_order(entry: dict) -> tuple:
    first = entry["first_page"] or ""
    return (0 if first.isdigit() else 1, int(first) if first.isdigit() else 0, first, entry["id"])


def _journal_context(journal: Journal, _) -> dict:
    chrome = chrome_language(journal)
    return {"html_lang": chrome, "html_dir": text_dir(chrome), "chrome_lang": chrome, "chrome_dir": None,
            "journal_title": journal.title.first(), "_": _}


def render_journal(journal: Journal, entries: list[JournalEntry]) -> Mapping[str, bytes]:
    chrome = chrome_language(journal)
    _ = translations(chrome).gettext
    toc = [(entry, json.loads(entry.parts[PART])) for entry in entries if PART in entry.parts]
    issues: dict[str, list[tuple[JournalEntry, dict]]] = {}
    online_first = []
    for entry, data in toc:
        if data["issue"]:
            issues.setdefault(data["issue"], []).append((entry, data))
        else:
            online_first.append((entry, data))
    files: dict[str, bytes] = {}
    base = f"{ROOT}/{journal.id}"
    issue_views = []
    for key, members in issues.items():
        members.sort(key=lambda pair: _page_order(pair[1]))
        label = issue_label(members[0][1]["volume"], members[0][1]["number"], _)
        groups: list[dict] = []
        by_heading: dict[str, dict] = {}
        for _entry, data in members:
            heading = tuple(data["section"][0]) if data["section"] else None
            group = by_heading.get(heading)
            if group is None:
                group = by_heading[heading] = {"heading": _lang_text(*heading) if heading else None, "entries": []}
                groups.append(group)
            group["entries"].append(_entry_view(data, chrome))
        context = _journal_context(journal, _) | {
            "page_title": f"{label} · {journal.title.first()}", "root": "../../../", "canonical": journal.page_url("issue", key),
            "issue_label": label, "groups": groups, "prefix": "../../",
        }
        files[f"{base}/issue/{key}/index.html"] = render_page(journal, "issue.html", context | journal_chrome(journal, "../../"))
        newest = max(data["published"] for _e, data in members)
        issue_views.append({"key": key, "label": label, "count": len(members), "newest": newest,
                            "lastmod": max(e.datestamp for e, _d in members)})
    issue_views.sort(key=lambda view: (view["newest"], view["key"]), reverse=True)
    title_lang = journal.title.items[0][0]
    context = _journal_context(journal, _) | {
        "page_title": journal.title.first(), "root": "../", "canonical": journal.page_url(),
        "title": _lang_text(title_lang, journal.title.first()),
        "translated_titles": [_lang_text(l, t) for l, t in journal.title.others(title_lang)],
        "issns": [{"label": _(label), "value": value} for label, value in
                  (("Print ISSN", journal.issn_print), ("Online ISSN", journal.issn_electronic)) if value],
        "publisher": ", ".join(p for p in (journal.publisher_name, journal.publisher_location) if p) or None,
        "license": {"url": journal.license, "name": license_name(journal.license)} if journal.license else None,
        "issues": issue_views, "several_journals": False, "prefix": "",
        "online_first": [_entry_view(d, chrome) for _e, d in sorted(online_first, key=lambda p: (p[1]["published"], p[1]["id"]), reverse=True)],
    }
    files[f"{base}/index.html"] = render_page(journal, "journal.html", context | journal_chrome(journal, ""))
    for relative, path in journal.site.assets:
        files[f"{base}/assets/{relative}"] = Path(path).read_bytes()
    if journal.site.logo:
        files[f"{base}/{journal.site.logo[0]}"] = Path(journal.site.logo[1]).read_bytes()
    if journal.url:
        files[f"{base}/sitemap.xml"] = sitemap(journal, toc, issue_views)
    return files


def _lastmod(datestamp: str) -> str:
    return datestamp[:10]  # the OAI datestamp's day: changes only when the record's outputs do


def sitemap(journal: Journal, toc: list[tuple[JournalEntry, dict]], issue_views: list[dict]) -> bytes:
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS})

    def add(loc: str, lastmod: str | None) -> None:
        url = etree.SubElement(root, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = loc
        if lastmod:
            etree.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = _lastmod(lastmod)

    add(journal.page_url(), max((e.datestamp for e, _d in toc), default=None))
    for view in sorted(issue_views, key=lambda v: v["key"]):
        add(journal.page_url("issue", view["key"]), view["lastmod"])
    for entry, data in sorted(toc, key=lambda pair: pair[1]["id"]):
        add(journal.page_url(data["id"]), entry.datestamp)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- what spans journals -------------------------------------------------------------------


def render_site(journals: list[Journal]) -> Mapping[str, bytes]:
    """The site index, the sitemap index (journals with a ``url``), robots.txt, the stylesheet."""
    journals = sorted(journals, key=lambda j: j.id)
    # the icon too: without one, every browser asks the host for /favicon.ico (a 404)
    files = {f"{ROOT}/{name}": static_file(name) for name in STATIC_FILES}
    chrome = journals[0].main_language if journals else "en"
    _ = translations(chrome).gettext
    context = {
        "html_lang": chrome, "html_dir": text_dir(chrome), "chrome_lang": chrome, "chrome_dir": None,
        "page_title": _("Journals"), "root": "", "canonical": None, "_": _,
        "journals": [_lang_text(j.title.items[0][0], j.title.first(), id=j.id, title=j.title.first()) for j in journals],
    }
    context |= {"logo": None, "journal_home": None, "journal_stylesheet": None}
    files[f"{ROOT}/index.html"] = render_page(None, "index.html", context)
    with_url = [j for j in journals if j.url]
    index = etree.Element(f"{{{SITEMAP_NS}}}sitemapindex", nsmap={None: SITEMAP_NS})
    for journal in with_url:
        sm = etree.SubElement(index, f"{{{SITEMAP_NS}}}sitemap")
        etree.SubElement(sm, f"{{{SITEMAP_NS}}}loc").text = journal.url.rstrip("/") + "/sitemap.xml"
    if with_url:
        files[f"{ROOT}/sitemap.xml"] = etree.tostring(index, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    robots = ["User-agent: *", "Allow: /", ""] + [f"Sitemap: {j.url.rstrip('/')}/sitemap.xml" for j in with_url]
    files[f"{ROOT}/robots.txt"] = ("\n".join(robots).rstrip("\n") + "\n").encode("utf-8")
    return files
