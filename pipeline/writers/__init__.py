"""Writers: one module per output format, each a pure function of the model.

A writer module defines:

- ``NAME``: a short name (``"jats"``, ``"bibtex"``...), used in messages and the manifest;
- ``render(article, journal) -> Rendered``: everything one article contributes: the files of
  that article (paths relative to ``out/``) and named *parts*, byte fragments that
  journal-level files and the OAI-PMH store are assembled from;
- optionally ``render_journal(journal, entries) -> dict[path, bytes]``: the per-journal or
  per-issue files, built only from the parts of that journal's articles (so an incremental
  publish can rebuild them without re-rendering unchanged articles).

Writers never touch the file system: the publish stage writes what they return. Heavy
objects (a citeproc style, a schema) are built once per process behind ``functools.cache``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping


@dataclass(frozen=True)
class Rendered:
    files: Mapping[str, bytes] = field(default_factory=dict)
    parts: Mapping[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class JournalEntry:
    """What a journal-level writer knows of one article: its parts and its place."""

    article_id: str
    issue_key: str | None  # "<volume>-<issue>", None when the article has no issue yet
    datestamp: str  # the article's OAI-PMH datestamp, "YYYY-MM-DDThh:mm:ssZ"
    parts: Mapping[str, bytes]
