"""OAI identifiers and sets of articles.

One set per journal (``<journal-id>``) and one per issue (``<journal-id>:<volume>-<issue>``),
the issue set a child of the journal set in the OAI-PMH set hierarchy.
"""

from __future__ import annotations

import re

from pipeline.issue_label import issue_parts
from pipeline.model import Article, Journal
from pipeline.oai.protocol import SPEC_CHARACTERS

# A character OAI-PMH.xsd does not allow in one setSpec component.
_NOT_SET_SPEC_CHAR = re.compile(rf"[^{SPEC_CHARACTERS}]")


def record_identifier(namespace: str, key: str) -> str:
    """``oai:<namespace>:<journal-id>/<article-id>`` (the oai-identifier scheme), from the
    article's key: the one place this format is written."""
    return f"oai:{namespace}:{key}"


def oai_identifier(namespace: str, article: Article) -> str:
    return record_identifier(namespace, article.key)


def set_spec_component(text: str) -> str:
    """``text`` as one setSpec component: characters the schema does not allow become ``_``."""
    return _NOT_SET_SPEC_CHAR.sub("_", text) or "_"


def journal_set(journal: Journal) -> tuple[str, str]:
    """(setSpec, setName) of the journal's set."""
    return set_spec_component(journal.id), journal.title.first() or journal.id


def issue_set(article: Article, journal: Journal) -> tuple[str, str] | None:
    """(setSpec, setName) of the article's issue set, None when it has no volume or issue."""
    if article.issue_key is None:
        return None
    spec = f"{set_spec_component(journal.id)}:{set_spec_component(article.issue_key)}"
    # In the language of the journal title it follows ("Cilt 12, Sayı 1" for Turkish).
    parts = issue_parts(article.volume, article.issue, journal.title.languages[0] if journal.title else None)
    # No year: articles of one issue may carry different publication dates, and every article
    # of the issue must name the set the same way.
    return spec, f"{journal.title.first() or journal.id}, {', '.join(parts)}"


def article_sets(article: Article, journal: Journal) -> tuple[tuple[str, str], ...]:
    """The sets the article belongs to, journal set first."""
    sets = [journal_set(journal)]
    issue = issue_set(article, journal)
    if issue is not None:
        sets.append(issue)
    return tuple(sets)
