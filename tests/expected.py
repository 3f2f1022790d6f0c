"""Expected field values for writer tests, written from the record and the documented rules.

Deliberately independent of the writers' own helpers (pipeline.writers.shared and the
format modules): a test that took its expectation from the code under test could not fail.
"""

from __future__ import annotations

import re

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
