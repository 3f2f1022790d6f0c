"""The CRediT contributor-role taxonomy (https://credit.niso.org/), recognised in what editors
write: case, spacing, the dash used and "&" / "and" do not matter, so "writing - review and
editing" is "Writing – review & editing". Any other text is a free-text role.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

VOCAB_IDENTIFIER = "https://credit.niso.org/"


@dataclass(frozen=True)
class CreditTerm:
    name: str  # NISO's spelling, written back into records' outputs
    vocab_term: str  # JATS4R credit-roles.xml's spelling (``vocab-term`` must match it)
    slug: str

    @property
    def uri(self) -> str:
        return f"{VOCAB_IDENTIFIER}contributor-roles/{self.slug}/"


TERMS = (
    CreditTerm("Conceptualization", "Conceptualization", "conceptualization"),
    CreditTerm("Data curation", "Data curation", "data-curation"),
    CreditTerm("Formal analysis", "Formal Analysis", "formal-analysis"),
    CreditTerm("Funding acquisition", "Funding acquisition", "funding-acquisition"),
    CreditTerm("Investigation", "Investigation", "investigation"),
    CreditTerm("Methodology", "Methodology", "methodology"),
    CreditTerm("Project administration", "Project administration", "project-administration"),
    CreditTerm("Resources", "Resources", "resources"),
    CreditTerm("Software", "Software", "software"),
    CreditTerm("Supervision", "Supervision", "supervision"),
    CreditTerm("Validation", "Validation", "validation"),
    CreditTerm("Visualization", "Visualization", "visualization"),
    CreditTerm("Writing – original draft", "Writing – original draft", "writing-original-draft"),
    CreditTerm("Writing – review & editing", "Writing – review & editing", "writing-review-editing"),
)


def _key(text: str) -> str:
    """Letters only, lowercased, "&" read as "and": every spelling of a term gives one key."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("&", " and ")
    return "".join(ch for ch in text if ch.isalnum())


@functools.cache
def _index() -> dict[str, CreditTerm]:
    return {_key(term.name): term for term in TERMS}


def recognise(text: str) -> CreditTerm | None:
    return _index().get(_key(text))


def canonical(text: str) -> str:
    """The CRediT spelling when ``text`` is a CRediT term, else ``text`` unchanged."""
    term = recognise(text)
    return term.name if term else text
