"""The language names in BibTeX's ``language`` and BibLaTeX's ``langid`` against the TeX
installation: every name is one babel loads, every language babel has a locale for gets a
name, and Persian's ``persian`` works with biber and with both babel and polyglossia (issue
11.15). A missing kpsewhich or TeX tool fails, never skips."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from pipeline.model import Multilingual, Person
from pipeline.writers import JournalEntry, biblatex, bibtex
from tests import factories
from tests.latex_tools import compile_biblatex, tool


def _kpsewhich(name: str) -> str:
    result = subprocess.run([tool("kpsewhich"), name], capture_output=True, text=True)
    return result.stdout.strip()


def _babel_loads(name: str) -> bool:
    return bool(_kpsewhich(f"babel-{name}.tex") or _kpsewhich(f"{name}.ldf"))


def test_every_language_name_is_one_babel_loads():
    names = set(bibtex._BABEL_NAMES.values())
    assert {"persian", "indonesian", "serbian-cyrillic"} <= names
    assert not names & {"farsi", "bahasai", "serbianc", "acadian"}  # babel has none of these
    assert sorted(name for name in names if not _babel_loads(name)) == []


def _babel_locales() -> dict[str, list[str]]:
    """Language subtag -> the names babel's own locale file gives (babel-<tag>.ini)."""
    english = Path(_kpsewhich("babel-en.ini"))
    assert english.is_file(), "babel's locale files are not installed"
    locales = {}
    for ini in english.parent.parent.glob("*/babel-*.ini"):
        tag = ini.stem.removeprefix("babel-")
        names = re.search(r"^name\.babel\s*=\s*(.+)$", ini.read_text("utf-8"), re.M)
        if re.fullmatch(r"[a-z]{2}", tag) and names:
            locales[tag] = names.group(1).split()
    return locales


def test_every_language_babel_has_a_locale_for_gets_a_langid():
    locales = _babel_locales()
    assert len(locales) > 100 and locales["fa"] == ["persian"]
    missing = sorted(tag for tag in locales if bibtex.babel_language(tag) is None)
    assert missing == []
    # The name is babel's own for that locale, or an alias babel loads the same language by.
    for tag, names in locales.items():
        name = bibtex.babel_language(tag)
        assert name in names or _babel_loads(name), (tag, name, names)


def _persian_and_turkish_entries() -> bytes:
    articles = [
        factories.minimal_article(id="fa1", language="fa", languages=("fa",),
                                  title=Multilingual((("fa", "تاریخ روابط ایران و عثمانی"),)),
                                  authors=(Person(family="محمدی", given="علی"),)),
        factories.minimal_article(id="tr1", language="tr", languages=("tr",),
                                  title=Multilingual((("tr", "Osmanlı arşivleri"),)),
                                  authors=(Person(family="Şahin", given="Ayşe"),)),
    ]
    entries = [JournalEntry(a.id, a.issue_key, "", biblatex.render(a, factories.journal()).parts) for a in articles]
    (data,) = biblatex.render_journal(factories.journal(), entries).values()
    assert b"langid = {persian}" in data and b"langid = {turkish}" in data
    return data


BABEL = r"""\usepackage[english]{babel}
\babelprovide[import]{persian}
\babelprovide[import]{turkish}
\babelfont{rm}{DejaVu Sans}
"""
POLYGLOSSIA = r"""\usepackage{polyglossia}
\setdefaultlanguage{english}
\setotherlanguage{persian}
\setotherlanguage{turkish}
\newfontfamily\persianfont{DejaVu Sans}[Script=Arabic]
"""


@pytest.mark.parametrize("languages", [BABEL, POLYGLOSSIA], ids=["babel", "polyglossia"])
def test_persian_langid_with_biber_and_each_language_package(languages, tmp_path):
    run = compile_biblatex(_persian_and_turkish_entries(), tmp_path, options="autolang=other", languages=languages)
    assert run.backend_errors() == [] and run.backend_warnings() == []
    # biber passes babel's name through (it would rewrite only a BCP 47 tag such as fa-IR).
    assert "\\field{langid}{persian}" in run.bbl
    errors = [line for line in run.latex_log.splitlines() if line.startswith("!")]
    assert errors == []
    assert run.missing_glyphs() == []
    # biblatex switches to the entry's language: Turkish has biblatex strings ("İçinde"),
    # Persian has none (biblatex ships no persian.lbx) and says so -- under babel's name, or
    # polyglossia's own name for the language it loaded for "persian" -- which is all it says.
    assert "İçinde" in run.flat_text() or "Içinde" in run.flat_text()
    language_warnings = [w for w in run.latex_warnings() if "Language" in w]
    persian = "persian" if languages is BABEL else "farsi"
    assert language_warnings == [f"Package biblatex Warning: Language '{persian}' not supported."]
