"""Plain-text normalization: text pasted from a PDF becomes clean paragraphs."""

from __future__ import annotations

import re
import unicodedata

_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_SPACES = re.compile(r"\s+")


def clean_line(text: str) -> str:
    """NFC, wrapped lines joined with a space, runs of white space collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def paragraphs(text: str) -> tuple[str, ...]:
    """A blank line starts a new paragraph; lines within a paragraph are joined."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return tuple(p for p in (clean_line(chunk) for chunk in _BLANK_LINE.split(text)) if p)
