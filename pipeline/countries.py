"""Countries: which two-letter codes are ISO 3166-1 countries, and their names per language.

Two libraries, each for what it knows:

- **pycountry** (the ISO 3166-1 list, from Debian's iso-codes) decides what is a country code.
  The codes a record may carry are exactly its alpha-2 codes: assigned and current. Codes CLDR
  also names but ISO 3166-1 does not assign (``EU``, ``UN``, ``EZ``, ``XK``, ``QO``,
  exceptional reservations such as ``AC`` or ``IC``) and withdrawn ones (``YU``, ``SU``, ``CS``)
  are refused, as the JATS4R rules (``countries.xml``) and the deposit schemas expect.
- **CLDR** (through langcodes/language_data, already used for language tags) gives the name
  in the article's language ("Türkiye", "Almanya", "ألمانيا") and finds a code from a name an
  editor typed in one of several languages. pycountry's own translations are gettext
  catalogues of the English ISO names, incomplete for many languages and not the names the
  outputs have always carried, so the names stay CLDR's.
"""

from __future__ import annotations

import functools
from typing import Iterable

import langcodes
import pycountry


@functools.lru_cache(maxsize=512)
def is_country_code(code: str) -> bool:
    """An ISO 3166-1 alpha-2 code (any case) that pycountry lists."""
    return len(code) == 2 and code.isascii() and code.isalpha() and pycountry.countries.get(alpha_2=code.upper()) is not None


@functools.cache
def country_name(code: str, lang: str) -> str:
    """The country's name in ``lang`` (CLDR), or the code itself when it is no ISO 3166-1
    country or CLDR has no name for it."""
    if not is_country_code(code):
        return code
    try:
        name = langcodes.Language.get(f"und-{code.upper()}").territory_name(lang)
    except (ValueError, LookupError):
        return code
    return name or code


def code_for_name(name: str, languages: Iterable[str]) -> str | None:
    """The ISO 3166-1 code of a country named in one of ``languages`` (the first that knows
    the name wins), e.g. "Almanya" in Turkish -> DE; None for no country ("Europe", "Kosova"
    is found by CLDR but is no ISO 3166-1 country)."""
    text = name.strip()
    if not text:
        return None
    for language in languages:
        try:
            found = langcodes.find_name("territory", text, language)
        except (LookupError, ValueError):
            continue
        if found.territory:
            return found.territory if is_country_code(found.territory) else None
    return None
