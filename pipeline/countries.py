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

CLDR's names come in one table of every name in every language (language_data's
``name_data``): loading it is ~0.1 s of every process that names a country, e.g. most of a
one-article re-publish's JATS. The names looked up are kept in ``country-names.json`` of the
per-user cache directory (beside the citation cache), under the identity of the installed
langcodes and language_data files, so a process finds the names the last ones looked up; a
cache that cannot be read or written is no cache.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from pathlib import Path
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
    key = f"{code.upper()}|{lang}"
    known = _NAMES_SEEN.names()
    if key not in known:
        _NAMES_SEEN.add(key, _cldr_name(code, lang))
    return known[key]


def _cldr_name(code: str, lang: str) -> str:
    try:
        name = langcodes.Language.get(f"und-{code.upper()}").territory_name(lang)
    except (ValueError, LookupError):
        return code
    return name or code


class _NamesSeen:
    """The names :func:`_cldr_name` gave, kept on disk between processes (module docstring)."""

    def __init__(self) -> None:
        self._names: dict[str, str] | None = None

    @staticmethod
    def path() -> Path:
        import platformdirs

        return platformdirs.user_cache_path("pipeline", appauthor=False) / "country-names.json"

    @staticmethod
    def data_identity() -> str:
        """What the names depend on: the installed langcodes and CLDR table (path, size and
        modification time of each: any other version is another file)."""
        import importlib.util

        files = [langcodes.__file__, importlib.util.find_spec("language_data.name_data").origin]
        return "|".join(f"{file}:{os.stat(file).st_size}:{os.stat(file).st_mtime_ns}" for file in files)

    def names(self) -> dict[str, str]:
        if self._names is None:
            self._names = {}
            try:
                stored = json.loads(self.path().read_bytes())
                if stored.get("data") == self.data_identity():
                    self._names = dict(stored["names"])
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                pass
        return self._names

    def add(self, key: str, name: str) -> None:
        names = self.names()
        names[key] = name
        try:
            path = self.path()
            path.parent.mkdir(parents=True, exist_ok=True)
            data = json.dumps({"data": self.data_identity(), "names": names}, ensure_ascii=False, sort_keys=True)
            descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".country-names.", suffix=".tmp")
            try:
                with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                    handle.write(data)
                os.replace(temporary, path)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            pass


_NAMES_SEEN = _NamesSeen()


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
