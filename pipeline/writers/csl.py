"""CSL-JSON writer: ``<journal-id>/csl/<article-id>.json`` and ``<journal-id>/csl.json``.

Each article becomes one CSL-JSON item (CSL 1.0.2 input schema). The per-article file is a
one-item array, the form Zotero, Mendeley, JabRef and pandoc import; the journal file is the
array of every item, ordered by article id. The same item feeds the formatted citations
(:mod:`pipeline.writers.citations`).

Mapping decisions (the README has the full table):

- ``type`` is always ``article-journal``. CSL has no types for editorials, letters,
  corrections or review articles, and its ``review-book`` needs the reviewed work
  (``reviewed-title``/``reviewed-author``) that the model does not hold: with only our title,
  APA prints "[Review of the book <our title>]" and Harvard and İSNAD drop volume and issue.
- ``title`` is the main-language title joined to its subtitle by the rule every format shares
  (:func:`pipeline.writers.shared.join_title`: ": ", or a space after "?", "!", ":", "…").
  CSL-JSON has no field for parallel (translated) titles: ``original-title`` means the title
  of the work a translation was made from, so it would mislead. Translations are left out.
- ``editor`` is left out on purpose: the model's article editors are the handling editors of
  the journal, not editors of the work. Vancouver, Harvard and İSNAD print a CSL ``editor`` of
  an article as "Demir E, editor." / "Edited by E. Demir", which is a wrong citation.
- ``publisher-place`` is left out: for a journal article, Chicago and MLA print it after the
  journal title as a place that tells same-named journals apart ("Türk Tarihi Dergisi
  (İstanbul, Türkiye)"), which the journal's publisher location is not meant to be.
- Family names are kept whole ("van der Berg"), as Zotero exports them; processors that
  know particles (citeproc-js) split them themselves.
- ``keyword`` is the main-language terms joined with ", " (CSL-JSON's one-string form; a term
  that itself contains a comma cannot be told apart by an importer).
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from pipeline.layout import article_path, journal_path
from pipeline.writers.parts import CSL_PART
from pipeline.model import Article, Collaboration, Contributor, Journal
from pipeline.writers import JournalEntry, Rendered, shared

NAME = "csl"

CSL_TYPE = "article-journal"
EN_DASH = "\u2013"


def csl_name(contributor: Contributor) -> dict[str, str]:
    """A CSL name object: family/given/suffix for a person, ``literal`` for a group."""
    if isinstance(contributor, Collaboration):
        return {"literal": contributor.display_name}
    name = {"family": contributor.family}
    if contributor.given:
        name["given"] = contributor.given
    if contributor.suffix:
        name["suffix"] = contributor.suffix
    return name


def _title(article: Article) -> str:
    return shared.main_title(article)


def _page(article: Article) -> str | None:
    if article.pages is None:
        return None
    if article.pages.last and article.pages.last != article.pages.first:
        return f"{article.pages.first}{EN_DASH}{article.pages.last}"
    return article.pages.first


def _abstract(article: Article) -> str | None:
    abstract = shared.main_abstract(article)
    return abstract.text if abstract is not None else None


def _keywords(article: Article) -> str | None:
    terms = shared.main_keywords(article)
    return ", ".join(terms) if terms else None


def _issn(journal: Journal) -> str | None:
    issns = shared.all_issns(journal)
    return ", ".join(issns) if issns else None


def csl_item(article: Article, journal: Journal) -> dict[str, Any]:
    """The article as one CSL-JSON item (keys in a fixed order, empty values left out)."""
    fields: Iterable[tuple[str, Any]] = (
        ("id", article.key),
        ("type", CSL_TYPE),
        ("language", article.language),
        ("title", _title(article)),
        ("title-short", article.running_title.get(article.language)),
        ("author", [csl_name(c) for c in article.authors] or None),
        ("container-title", journal.title.first()),
        ("container-title-short", journal.abbrev_title),
        ("ISSN", _issn(journal)),
        ("publisher", journal.publisher_name),
        ("volume", article.volume),
        ("issue", article.issue),
        ("page", _page(article)),
        # An e-location id (article number) replaces pages; CSL calls it ``number``.
        ("number", article.elocation if article.pages is None else None),
        ("issued", {"date-parts": [list(article.dates.published.parts())]}),
        ("DOI", article.doi),
        ("URL", article.url),
        ("PMID", article.ids.pmid),
        ("PMCID", article.ids.pmcid),
        ("abstract", _abstract(article)),
        ("keyword", _keywords(article)),
    )
    return {key: value for key, value in fields if value is not None and value != ""}


def dumps(items: list[dict[str, Any]]) -> bytes:
    """CSL-JSON text: UTF-8 (not \\u escapes), two-space indent, trailing newline."""
    return (json.dumps(items, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def render(article: Article, journal: Journal) -> Rendered:
    item = csl_item(article, journal)
    text = dumps([item])
    return Rendered(
        files={article_path(NAME, journal.id, article.id): text},
        # The item as it stands in an array (the one-item file without its brackets): the
        # journal file is these joined, byte for byte what dumps() of every item gives,
        # without decoding and encoding again every article of the journal (json's indented
        # encoding is pure Python: most of a one-article re-publish's CSL cost).
        parts={CSL_PART: text[len(_OPEN):-len(_CLOSE)]},
    )


_OPEN, _SEPARATOR, _CLOSE = b"[\n", b",\n", b"\n]\n"


def render_journal(journal: Journal, entries: list[JournalEntry]) -> dict[str, bytes]:
    ordered = sorted(entries, key=lambda entry: entry.article_id)
    items = [entry.parts[CSL_PART] for entry in ordered if CSL_PART in entry.parts]
    return {journal_path(NAME, journal.id): _OPEN + _SEPARATOR.join(items) + _CLOSE if items else dumps([])}
