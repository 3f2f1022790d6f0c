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
