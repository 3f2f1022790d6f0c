""""Vol. 12, No. 1" in the language of the text it goes into (OAI-PMH set names, dc:source).

A Turkish journal's issue is "Cilt 12, Sayı 1"; text tagged ``xml:lang="tr"`` must not say
"Vol." (issue 11 item 18). Languages without words here get the English ones, and callers
that tag their text then leave the tag off rather than claim a language it is not in.
"""

from __future__ import annotations

# language -> (volume word, issue word), as journals in that language print them.
ISSUE_WORDS = {
    "en": ("Vol.", "No."),
    "tr": ("Cilt", "Sayı"),
    "de": ("Bd.", "Nr."),
    "fr": ("Vol.", "n°"),
    "es": ("Vol.", "Núm."),
    "pt": ("v.", "n."),
    "it": ("Vol.", "N."),
    "ru": ("Т.", "№"),
}


def has_words(lang: str | None) -> bool:
    return (lang or "").split("-")[0].lower() in ISSUE_WORDS


def issue_parts(volume: str | None, issue: str | None, lang: str | None) -> list[str]:
    """``["Cilt 12", "Sayı 1"]`` for tr; English words for a language not in the table."""
    volume_word, issue_word = ISSUE_WORDS.get((lang or "").split("-")[0].lower(), ISSUE_WORDS["en"])
    parts = []
    if volume is not None:
        parts.append(f"{volume_word} {volume}")
    if issue is not None:
        parts.append(f"{issue_word} {issue}")
    return parts
