"""What a publish left out of the deposit formats, said as one line per format and journal.

Crossref registers only articles with a DOI and a landing page, and only for a journal with a
depositor; DOAJ lists only articles with a full-text URL, and only for a journal with an ISSN.
Nothing is dropped silently: publish prints these lines (and ``--format json`` carries them).
"""

from __future__ import annotations

from typing import Iterable

from .model import Journal
from .writers import JournalEntry
from .writers.parts import CROSSREF_PART, DOAJ_PART

# The deposit formats, each with the part an article has when the format takes it in.
DEPOSIT_PARTS = {"crossref": CROSSREF_PART, "doaj": DOAJ_PART}


def _count_line(target: str, journal: Journal, count: int, total: int, what: str, reason: str) -> str:
    return f"{target}: {journal.id}: {count} of {total} articles {what}: {reason} — `pipeline validate --for {target}`"


def left_out_lines(target: str, part: str, journal: Journal, entries: Iterable[JournalEntry],
                   doi_of: dict[str, str | None]) -> list[str]:
    """``target`` is ``crossref`` or ``doaj``; ``entries`` the journal's articles with their
    parts (an article without ``part`` was left out); ``doi_of`` article id -> DOI."""
    entries = list(entries)
    total = len(entries)
    if not total:
        return []
    missing = [entry.article_id for entry in entries if part not in entry.parts]
    if target == "crossref":
        if journal.depositor is None:
            return [f"crossref: {journal.id}: no Crossref files for its {total} articles: journal.yaml has no depositor "
                    f"— `pipeline validate --for crossref`"]
        no_doi = [a for a in missing if not doi_of.get(a)]
        no_url = [a for a in missing if doi_of.get(a)]
        lines = []
        if no_doi:
            lines.append(_count_line("crossref", journal, len(no_doi), total, "not deposited", "no DOI"))
        if no_url:
            lines.append(_count_line("crossref", journal, len(no_url), total, "not deposited", "no url"))
        return lines
    if target == "doaj":
        if not (journal.issn_print or journal.issn_electronic):
            return [f"doaj: {journal.id}: no DOAJ files for its {total} articles: journal.yaml has no ISSN "
                    f"— `pipeline validate --for doaj`"]
        if missing:
            return [_count_line("doaj", journal, len(missing), total, "not listed", "no full-text url")]
    return []


def removed_doi_warning(key: str, doi: str) -> str:
    return (f"{key}: its seed was removed, but its DOI {doi} may have been deposited, and a DOI is permanent: "
            f"its OAI-PMH record is now marked deleted; keep a landing page at the DOI's URL that says the "
            f"article was withdrawn, or restore the seed")
