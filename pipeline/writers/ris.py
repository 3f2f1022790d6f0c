"""RIS: one ``TY  - JOUR`` record per article, for EndNote, Zotero, Mendeley and the like.

The RIS specification (Research Information Systems, 2011) writes each line as a two-letter
tag, two spaces, a hyphen and a space, and ends lines with CR LF; a record ends with
``ER  - ``. Files are UTF-8 without a byte order mark (EndNote and Zotero read UTF-8; a BOM
would glue itself to the first tag for readers such as rispy).

A tag's value is always one line: line breaks in record text (an abstract's paragraphs)
become spaces, so no text can start a line of its own and pass for a tag.
"""

from __future__ import annotations

import re

from pipeline.layout import article_path, journal_path
from pipeline.writers.parts import RIS_PART
from pipeline.model import Article, Collaboration, Journal, Person
from pipeline.writers import JournalEntry, Rendered, shared
from pipeline.writers.bibtex import abstract_text

NAME = "ris"

_NEWLINE = "\r\n"
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")


def one_line(text: str) -> str:
    """What a RIS value holds for ``text``: line breaks become single spaces."""
    return _LINE_BREAKS.sub(" ", text).strip()


def author_name(contributor: Person | Collaboration) -> str:
    """``Family, Given, Suffix`` as the RIS specification writes names; a group by name."""
    if isinstance(contributor, Collaboration):
        return contributor.display_name
    parts = [contributor.family]
    if contributor.given or contributor.suffix:
        parts.append(contributor.given or "")
    if contributor.suffix:
        parts.append(contributor.suffix)
    return ", ".join(parts)


def ris_date(article: Article) -> str:
    """``YYYY/MM/DD/``, with empty parts where the date is less precise."""
    date = article.dates.published
    month = f"{date.month:02d}" if date.month else ""
    day = f"{date.day:02d}" if date.day else ""
    return f"{date.year:04d}/{month}/{day}/"


def translated_title(article: Article) -> str | None:
    translations = shared.translated_titles(article)
    return translations[0][1] if translations else None


def record_lines(article: Article, journal: Journal) -> list[tuple[str, str]]:
    lines: list[tuple[str, str]] = [("TY", "JOUR")]
    lines += [("AU", author_name(author)) for author in article.authors]
    lines.append(("TI", shared.main_title(article)))
    if translated_title(article):
        lines.append(("TT", translated_title(article)))
    if journal.title:
        lines.append(("T2", journal.title.first()))
    if journal.abbrev_title:
        lines.append(("J2", journal.abbrev_title))
    if shared.single_issn(journal):
        lines.append(("SN", shared.single_issn(journal)))
    if article.volume:
        lines.append(("VL", article.volume))
    if article.issue:
        lines.append(("IS", article.issue))
    if article.pages:
        lines.append(("SP", article.pages.first))
        if article.pages.last:
            lines.append(("EP", article.pages.last))
    elif article.elocation:
        lines.append(("SP", article.elocation))
    lines.append(("PY", f"{article.dates.published.year:04d}"))
    lines.append(("DA", ris_date(article)))
    if article.doi:
        lines.append(("DO", article.doi))
    if article.url:
        lines.append(("UR", article.url))
    lines += [("KW", term) for term in shared.main_keywords(article)]
    if abstract_text(article):
        lines.append(("AB", abstract_text(article)))
    lines.append(("LA", article.language))
    if journal.publisher_name:
        lines.append(("PB", journal.publisher_name))
    return lines


def record(article: Article, journal: Journal) -> str:
    text = "".join(f"{tag}  - {one_line(value)}{_NEWLINE}" for tag, value in record_lines(article, journal))
    return text + f"ER  - {_NEWLINE}"


def render(article: Article, journal: Journal) -> Rendered:
    data = record(article, journal).encode("utf-8")
    return Rendered(files={article_path(NAME, journal.id, article.id): data}, parts={RIS_PART: data})


def render_journal(journal: Journal, entries: list[JournalEntry]) -> dict[str, bytes]:
    """Every record of the journal, in article id order, one blank line apart."""
    parts = [e.parts[RIS_PART] for e in sorted(entries, key=lambda e: e.article_id) if RIS_PART in e.parts]
    return {journal_path(NAME, journal.id): _NEWLINE.encode().join(parts)}
