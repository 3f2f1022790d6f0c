"""Format-neutral choices more than one writer makes, each made once (cf. pandoc's Writers/Shared).

A writer formats; what it formats (which title, which abstract, which ISSN, which articles
share a batch) is decided here, so two formats of the same article cannot disagree.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterable

from ..model import Abstract, Article, Journal
from . import JournalEntry

AHEAD_OF_PRINT = "ahead-of-print"


# ---------------------------------------------------------------------------- per-issue batches
# Crossref deposits and DOAJ uploads are both one file per issue, named the same way.


def batch_name(issue_key: str | None) -> str:
    """The file stem of an issue's batch: the issue key, made safe as one path segment."""
    if issue_key is None:
        return AHEAD_OF_PRINT
    stem = re.sub(r"[^\w.-]+", "_", issue_key).strip(".")
    return stem or "_"


def group_by_issue(entries: Iterable[JournalEntry], part: str) -> dict[str, list[JournalEntry]]:
    """The entries that have ``part``, by batch name, each batch in article-id order."""
    batches: dict[str, list[JournalEntry]] = defaultdict(list)
    for entry in entries:
        if part in entry.parts:
            batches[batch_name(entry.issue_key)].append(entry)
    return {name: sorted(batch, key=lambda e: e.article_id) for name, batch in sorted(batches.items())}


# ---------------------------------------------------------------------------- titles
# One rule for every format that has no field of its own for the subtitle (CSL, BibTeX's
# title, RIS, Dublin Core, citations): "Title: Subtitle", except after a title that already
# ends in a mark that separates ("Why wait? A study", "Why wait… A study", "Part one: …"),
# where a second colon would be wrong. A final "." is not such a mark: it usually ends an
# abbreviation ("… in the U.S.: A study").
_ENDS_SEPARATED = ("?", "!", ":", "\u2026", "...")


def join_title(title: str, subtitle: str | None) -> str:
    """``title`` and ``subtitle`` as one title, by the rule above."""
    if not subtitle:
        return title
    return f"{title}{' ' if title.endswith(_ENDS_SEPARATED) else ': '}{subtitle}"


def title_in(article: Article, lang: str) -> str | None:
    """The title in ``lang`` with the subtitle in ``lang``, or None without a title in ``lang``."""
    title = article.title.get(lang)
    return join_title(title, article.subtitle.get(lang)) if title else None


def main_title(article: Article) -> str:
    """The main-language title with its subtitle (the first title given, which is the main one)."""
    if not article.title:
        return ""
    lang, title = article.title.items[0]
    return join_title(title, article.subtitle.get(lang))


def translated_titles(article: Article) -> list[tuple[str, str]]:
    """(language, title with subtitle) for every title but the main-language one."""
    return [(lang, join_title(title, article.subtitle.get(lang))) for lang, title in article.title.others(article.language)]


# ---------------------------------------------------------------------------- abstract, keywords, ISSN


def main_abstract(article: Article) -> Abstract | None:
    """The abstract in the article's language, else the first one given (formats with one abstract)."""
    return article.abstract(article.language) or (article.abstracts[0] if article.abstracts else None)


def main_keywords(article: Article) -> tuple[str, ...]:
    """The keywords in the article's language, else the first group given."""
    return article.keywords_in(article.language) or (article.keywords[0].terms if article.keywords else ())


def single_issn(journal: Journal) -> str | None:
    """One ISSN for formats with one field (the print one first: it is most often the ISSN-L)."""
    return journal.issn_print or journal.issn_electronic


def all_issns(journal: Journal) -> list[str]:
    """Every ISSN the journal has, print first."""
    return [issn for issn in (journal.issn_print, journal.issn_electronic) if issn]
