"""The deposit rules the Crossref and DOAJ writers and ``pipeline validate --for`` share.

One home for each rule, so a writer and the check that predicts what it will leave out
cannot drift apart, and so neither depends on output validation: the language codes each
schema accepts are package data (``languages.json``, generated from the schema bundle's XSD
enumerations by ``scripts/generate_deposit_vocabularies.py`` and tested against the bundle),
not read from the bundle at run time. A publish without a schema bundle therefore writes the
same files as one with it.

Layering: this module uses only the model; the writers (``pipeline.writers.crossref``,
``pipeline.writers.doaj``) and input validation (``pipeline.input_checks.deposit``) import it.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

import langcodes

from ..model import Person

CROSSREF_MAX_TITLES = 20  # journal_article/titles maxOccurs in crossref5.3.1.xsd

# surname/given_name: xsd pattern "[^\d\?]*[^\?\s]+[^\d]*" (\s is the four XML blanks).
_PERSON_NAME = re.compile(r"[^\d?]*[^?\x20\t\n\r]+[^\d]*")
_XML_BLANKS = re.compile(r"[\x20\t\n\r]+")

# fullUrl in doajArticles.xsd; [^\W\d_] stands for \p{L} (Python's re has no \p{..}).
_FULL_URL = re.compile(r"https?://(?:[^/:]+\.[^\W\d_]{2,10}|(?:[0-9]{1,3}\.){3}[0-9]{1,3})(?::[0-9]+)?.*")


@cache
def _vocabularies() -> dict:
    return json.loads(resources.files(__package__).joinpath("languages.json").read_text(encoding="utf-8"))


def crossref_language_codes() -> frozenset[str]:
    """The ISO 639-1 codes Crossref's ``language`` attributes accept (``language.atts``)."""
    return frozenset(_vocabularies()["crossref"]["codes"])


def doaj_language_codes() -> frozenset[str]:
    """The ISO 639-2/B codes DOAJ accepts (``iso_639-2b.xsd``: no 'fil', 'und', ...)."""
    return frozenset(_vocabularies()["doaj"]["codes"])


def crossref_language_code(tag: str) -> str | None:
    """The ISO 639-1 code Crossref's ``language`` attributes take for a BCP 47 tag, if any.

    langcodes normalizes the tag first (``iw`` -> ``he``, ``zh-Hant`` -> ``zh``)."""
    try:
        primary = langcodes.Language.get(tag).language
    except (LookupError, ValueError):
        return None
    return primary if primary in crossref_language_codes() else None


def doaj_language_code(tag: str) -> str | None:
    """The ISO 639-2/B code DOAJ accepts for a BCP 47 tag, or None."""
    try:
        code = langcodes.Language.get(tag).to_alpha3(variant="B")
    except (LookupError, ValueError):
        return None
    return code if code in doaj_language_codes() else None


def _fits(text: str | None, max_length: int, min_length: int = 1) -> bool:
    return text is not None and min_length <= len(text) <= max_length


def collapsed(text: str) -> str:
    """``text`` with XML blank runs made one space, as Crossref's token types read it."""
    return _XML_BLANKS.sub(" ", text).strip(" ")


def crossref_person_name_fits(person: Person) -> bool:
    """Whether Crossref's ``person_name`` accepts this name as it is."""

    def part_fits(text: str | None) -> bool:
        text = collapsed(text or "")
        return _fits(text, 60) and _PERSON_NAME.fullmatch(text) is not None

    return (
        part_fits(person.family)
        and (person.given is None or part_fits(person.given))
        and (person.suffix is None or _fits(person.suffix, 10))
    )


def doaj_full_text_url_fits(url: str | None) -> bool:
    """Whether DOAJ's ``fullTextUrl`` pattern accepts ``url``."""
    return url is not None and _FULL_URL.fullmatch(url) is not None
