"""Expected field values for writer tests, written from the record and the documented rules.

Deliberately independent of the writers' own helpers (pipeline.writers.shared and the
format modules): a test that took its expectation from the code under test could not fail.
"""

from __future__ import annotations

import re

from pipeline.model import Collaboration

# The title rule documented in README/shared.py: ": " unless the title ends in ? ! : … or "...".
_SEPARATING_ENDS = ("?", "!", ":", "\u2026", "...")


def joined(title: str, subtitle: str | None) -> str:
    if not subtitle:
        return title
    return title + (" " if any(title.endswith(end) for end in _SEPARATING_ENDS) else ": ") + subtitle


def main_title(article) -> str:
    lang = article.language
    return joined(article.title.get(lang) or "", article.subtitle.get(lang))


def first_translated_title(article) -> str | None:
    for lang, title in article.title.items:
        if lang != article.language:
            return joined(title, article.subtitle.get(lang))
    return None


def main_keywords(article) -> list[str]:
    """The main-language keywords, or the first group given."""
    for group in article.keywords:
        if group.lang == article.language:
            return list(group.terms)
    return list(article.keywords[0].terms) if article.keywords else []


def main_abstract_one_paragraph(article) -> str | None:
    """The main-language abstract (or the first), its line breaks read as one space each."""
    chosen = next((a for a in article.abstracts if a.lang == article.language), None)
    if chosen is None and article.abstracts:
        chosen = article.abstracts[0]
    return re.sub(r"\s*\n\s*", " ", chosen.text) if chosen else None


# The babel names of the languages the factories and strategies write records in (babel's
# own names: babel-<name>.tex, as tests/test_babel_languages.py checks for the whole table).
BABEL_NAMES = {"tr": "turkish", "en": "english", "ar": "arabic", "ru": "russian", "zh": "chinese",
               "de": "ngerman", "fa": "persian"}

MONTH_MACROS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def citation_key_pattern(article) -> str:
    """A regex for the documented key ``<family><year><word>-<hash>``: ASCII letters and digits,
    the publication year, and the first four base32 characters of SHA-256 of the article key."""
    import base64
    import hashlib

    digest = hashlib.sha256(f"{article.journal_id}/{article.id}".encode("utf-8")).digest()
    suffix = base64.b32encode(digest).decode("ascii").lower()[:4]
    return rf"[a-z0-9]+{article.dates.published.year:04d}[a-z0-9]*-{suffix}"


# --- BibTeX and BibLaTeX entries ------------------------------------------------------------
# The fields as a LaTeX-aware reader decodes them back. Names and the month are left to each
# test: every consumer reads those its own way (bibtexparser and pybtex a macro or a month
# name, Better BibTeX a number, Zotero a macro), as it does the verbatim doi and url.


def page_range(article) -> str | None:
    """``first–last`` (an en dash: how every style prints "--"), or ``first`` alone for one page."""
    if not article.pages:
        return None
    first, last = article.pages.first, article.pages.last
    return first + (f"\u2013{last}" if last and last != first else "")


def bibtex_names(contributors) -> list[tuple[str, str, str]]:
    """(family with particles, given, suffix) per author or editor; a collaboration, and a
    person with no given name, is one name with the suffix after it."""
    names = []
    for c in contributors:
        if isinstance(c, Collaboration):
            names.append((c.display_name, "", ""))
        elif not c.given:
            names.append((" ".join(p for p in (c.family, c.suffix) if p), "", ""))
        else:
            names.append((c.family, c.given, c.suffix or ""))
    return names


def _written(fields: dict) -> dict:
    return {name: value for name, value in fields.items() if value}


def bibtex_fields(article, journal) -> dict[str, str]:
    """The BibTeX entry's fields but the names and the month; an empty field is not written."""
    return _written({
        "title": main_title(article),
        "journal": journal.title.first(),
        "year": str(article.dates.published.year),
        "issn": journal.issn_print,
        "language": BABEL_NAMES[article.language],
        "key": None if article.authors else main_title(article),  # sorting without an author
        "volume": article.volume,
        "number": article.issue,
        "pages": page_range(article) or article.elocation,
        "doi": article.doi,
        "url": article.url,
        "keywords": ", ".join(main_keywords(article)),
        "abstract": main_abstract_one_paragraph(article),
    })


def biblatex_fields(article, journal) -> dict[str, str]:
    """The BibLaTeX entry's fields but the names; an empty field is not written."""
    return _written({
        "title": article.title.first(),
        "subtitle": article.subtitle.get(article.language),
        "journaltitle": journal.title.first(),
        "shortjournal": journal.abbrev_title,
        "date": article.dates.published.iso(),
        "issn": journal.issn_print,
        "volume": article.volume,
        "number": article.issue,
        "pages": page_range(article),
        "eid": article.elocation,
        "doi": article.doi,
        "url": article.url,
        "keywords": ", ".join(main_keywords(article)),
        "abstract": main_abstract_one_paragraph(article),
        "langid": BABEL_NAMES[article.language],
    })
