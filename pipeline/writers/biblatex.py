"""BibLaTeX: the same ``@article`` for biber, in UTF-8.

Biber reads UTF-8 and handles Unicode names, initials and sorting itself, so letters stay
as they are; LaTeX's special characters are still escaped exactly as in the BibTeX writer
(``pipeline.writers.latex.latex_text``), titles get the same capital protection and the
citation key is the same, so a document can switch between the two files.

BibLaTeX-specific fields: ``date`` (ISO 8601, as precise as the record), ``journaltitle``
and ``shortjournal``, ``subtitle`` as its own field, ``eid`` for an e-location, ``langid``
(the babel/polyglossia name, for hyphenation and biblatex's ``autolang``) and ``editor``.

Names differ from the BibTeX writer in one point: a person's name token that starts with a
LaTeX special character gets an invisible word joiner in front (see ``_encode_name``); a
collaboration's name never does.
"""

from __future__ import annotations

import re

from pipeline.layout import article_path, journal_path
from pipeline.writers.parts import BIBLATEX_PART
from pipeline.model import Article, Journal
from pipeline.writers import JournalEntry, Rendered
from pipeline.writers.latex import latex_text
from pipeline.writers.bibtex import (
    babel_language,
    citation_key,
    combined_entries,
    format_entry,
    identifier_and_text_fields,
    name_list,
    page_range,
    protected_title,
    volume_fields,
)

NAME = "biblatex"


def _encode(text: str) -> str:
    return latex_text(text, ascii_letters=False)


# Biber builds name initials from its own decoding of the field and writes them to the .bbl
# unescaped: a name token starting with a LaTeX special character ("#tag", "\\x", "{a")
# yields a broken .bbl whatever the escaping or bracing (biber 2.18). A WORD JOINER (U+2060,
# invisible, zero width) in front of such a token of a person's name gives biber a harmless
# initial. A collaboration is one brace-protected token ({A {\&} B Group}): biber takes its
# first letter as the initial, so its name stays as the record has it, "&" and all (a
# collaboration whose very first character is special still gets the joiner: biber's
# initial would break the .bbl as above).
_SPECIAL_TOKEN_START = re.compile(r"(^|[ \-])(?=[#$%&_\\{}~^`])")
_SPECIAL_START = re.compile(r"^(?=[#$%&_\\{}~^`])")
WORD_JOINER = "\u2060"


def _encode_name(text: str) -> str:
    return _encode(_SPECIAL_TOKEN_START.sub(lambda m: m.group(1) + WORD_JOINER, text))


def _encode_collaboration(text: str) -> str:
    return _encode(_SPECIAL_START.sub(WORD_JOINER, text))


def entry(article: Article, journal: Journal) -> str:
    fields: list[tuple[str, str]] = []
    if article.authors:
        fields.append(("author", name_list(article.authors, _encode_name, _encode_collaboration)))
    if article.editors:
        fields.append(("editor", name_list(article.editors, _encode_name, _encode_collaboration)))
    fields.append(("title", protected_title(article.title.first() or "", _encode)))
    subtitle = article.subtitle.get(article.language) if article.subtitle else None
    if subtitle:
        fields.append(("subtitle", protected_title(subtitle, _encode)))
    if journal.title:
        fields.append(("journaltitle", _encode(journal.title.first() or "")))
    if journal.abbrev_title:
        fields.append(("shortjournal", _encode(journal.abbrev_title)))
    fields.append(("date", article.dates.published.iso()))
    fields += volume_fields(article, _encode)
    if article.pages:
        fields.append(("pages", page_range(article, _encode)))
    if article.elocation:
        fields.append(("eid", _encode(article.elocation)))
    fields += identifier_and_text_fields(article, journal, _encode)
    langid = babel_language(article.language)
    if langid:
        fields.append(("langid", langid))
    return format_entry("article", citation_key(article), fields)


def render(article: Article, journal: Journal) -> Rendered:
    data = entry(article, journal).encode("utf-8")
    return Rendered(files={article_path(NAME, journal.id, article.id): data}, parts={BIBLATEX_PART: data})


def render_journal(journal: Journal, entries: list[JournalEntry]) -> dict[str, bytes]:
    parts = [e.parts[BIBLATEX_PART] for e in entries if BIBLATEX_PART in e.parts]
    path = journal_path(NAME, journal.id)
    return {path: combined_entries(parts, path)}
