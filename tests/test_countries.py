"""Country codes (pycountry's ISO 3166-1 list) and names (CLDR), pipeline/countries.py.

Expected values are written out from ISO 3166-1 and CLDR, not computed by the module.
"""

from __future__ import annotations

import json

import pytest

from pipeline import countries


@pytest.mark.parametrize("code", ["TR", "tr", "Tr", "DE", "LB", "PS", "SS", "CW", "AX", "GB", "CC", "GS"])
def test_iso_3166_1_codes_are_country_codes(code):
    assert countries.is_country_code(code)


@pytest.mark.parametrize("code", [
    "EU", "UN", "EZ",               # CLDR names them; ISO 3166-1 reserves them exceptionally, no country
    "AC", "IC", "TA", "DG", "CP",   # exceptionally reserved
    "XK", "QO", "AA", "ZZ", "XA",   # user-assigned / private use (Kosovo's XK too)
    "YU", "SU", "CS", "DD", "ZR", "TP", "AN",  # withdrawn
    "UK",                           # the usual mistake for GB
    "T1", "TUR", "", "İT",
])
def test_other_codes_are_not(code):
    assert not countries.is_country_code(code)


def test_there_are_249_country_codes_as_in_iso_3166_1():
    import string

    found = [a + b for a in string.ascii_uppercase for b in string.ascii_uppercase if countries.is_country_code(a + b)]
    assert len(found) == 249


@pytest.mark.parametrize("code, lang, name", [
    ("TR", "tr", "Türkiye"), ("TR", "en", "Türkiye"), ("DE", "tr", "Almanya"), ("DE", "en", "Germany"),
    ("DE", "ar", "ألمانيا"), ("LB", "ar", "لبنان"), ("GB", "tr", "Birleşik Krallık"), ("FR", "fa", "فرانسه"),
])
def test_names_are_cldr_names_in_the_language(code, lang, name):
    assert countries.country_name(code, lang) == name


@pytest.mark.parametrize("code", ["AA", "EU", "XK", "ZZ"])
def test_a_code_that_is_no_country_is_written_as_it_is(code):
    # It used to come out as CLDR's "Private use" (AA) or a region name (EU: "European Union"),
    # decided by looking for "Unknown" in the English name.
    for lang in ("en", "tr", "ar"):
        assert countries.country_name(code, lang) == code


def test_every_country_has_a_name_in_turkish_and_english():
    import string

    for code in (a + b for a in string.ascii_uppercase for b in string.ascii_uppercase):
        if countries.is_country_code(code):
            for lang in ("tr", "en"):
                assert countries.country_name(code, lang) != code, (code, lang)


@pytest.mark.parametrize("name, languages, code", [
    ("Almanya", ["tr"], "DE"), ("Türkiye", ["en", "tr"], "TR"), ("Turkey", ["en"], "TR"),
    ("Brasil", ["en", "pt"], "BR"), ("France", ["en"], "FR"), ("  Germany ", ["en"], "DE"),
    ("Kosova", ["tr"], None), ("European Union", ["en"], None), ("Atlantis", ["en", "tr"], None), ("", ["en"], None),
])
def test_a_typed_name_gives_its_code(name, languages, code):
    assert countries.code_for_name(name, languages) == code


def test_validate_suggests_the_code_of_a_typed_name():
    from pipeline.input_checks.messages import country_message

    assert country_message("Almanya") == "'Almanya' is not a country code: use the ISO 3166-1 code, e.g. DE"
    assert country_message("Kosova") == "'Kosova' is not a country code: use the ISO 3166-1 code, e.g. TR"


# -- the names kept between processes (country-names.json in the user cache) ----------------

@pytest.fixture
def fresh_names(tmp_path, monkeypatch):
    """A process that starts with what the cache file at tmp_path holds."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))

    def restart():
        monkeypatch.setattr(countries, "_NAMES_SEEN", countries._NamesSeen())
        countries.country_name.cache_clear()

    restart()
    yield restart
    countries.country_name.cache_clear()


def test_a_name_looked_up_once_is_found_by_the_next_process_without_cldr(fresh_names, monkeypatch, tmp_path):
    assert countries.country_name("DE", "tr") == "Almanya"
    assert (tmp_path / "pipeline" / "country-names.json").is_file()
    fresh_names()
    monkeypatch.setattr(countries, "_cldr_name", lambda code, lang: pytest.fail("looked up in CLDR again"))
    assert countries.country_name("DE", "tr") == "Almanya"


def test_names_kept_for_other_library_files_are_not_used(fresh_names, tmp_path):
    countries.country_name("DE", "tr")
    path = tmp_path / "pipeline" / "country-names.json"
    stored = json.loads(path.read_text(encoding="utf-8"))
    stored["names"]["DE|tr"] = "Wrong"
    path.write_text(json.dumps(stored), encoding="utf-8")
    fresh_names()
    assert countries.country_name("DE", "tr") == "Wrong"  # (the same library files: the file is trusted)
    stored["data"] = "another langcodes"
    path.write_text(json.dumps(stored), encoding="utf-8")
    fresh_names()
    assert countries.country_name("DE", "tr") == "Almanya"


@pytest.mark.parametrize("content", [b"", b"{not json", b"[]", b'{"data": 1}'])
def test_a_broken_file_is_no_cache(fresh_names, tmp_path, content):
    path = tmp_path / "pipeline" / "country-names.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    assert countries.country_name("FR", "en") == "France"


def test_an_unwritable_cache_is_no_cache(fresh_names, tmp_path):
    (tmp_path / "pipeline").write_text("a file where the directory would be")
    assert countries.country_name("FR", "tr") == "Fransa"
