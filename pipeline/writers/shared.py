"""Format-neutral choices more than one writer makes, each made once (cf. pandoc's Writers/Shared).

A writer formats; what it formats (which title, which abstract, which ISSN, which articles
share a batch) is decided here, so two formats of the same article cannot disagree.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterable

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
