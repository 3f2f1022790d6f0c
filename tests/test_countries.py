"""Country codes (pycountry's ISO 3166-1 list) and names (CLDR), pipeline/countries.py.

Expected values are written out from ISO 3166-1 and CLDR, not computed by the module.
"""

from __future__ import annotations

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
