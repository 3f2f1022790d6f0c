"""CRediT terms recognised however editors write them (issue 11 item 8)."""

from __future__ import annotations

import pytest

from pipeline import credit


@pytest.mark.parametrize("written, canonical", [
    ("Formal Analysis", "Formal analysis"),
    ("formal analysis", "Formal analysis"),
    ("writing - review & editing", "Writing – review & editing"),
    ("Writing—Review and Editing", "Writing – review & editing"),
    ("WRITING – ORIGINAL DRAFT", "Writing – original draft"),
    ("data-curation", "Data curation"),
])
def test_variants_are_recognised_and_written_canonically(written, canonical):
    assert credit.canonical(written) == canonical
    assert credit.recognise(written).name == canonical


def test_free_text_stays_as_written():
    assert credit.recognise("contributed to data analysis") is None
    assert credit.canonical("contributed to data analysis") == "contributed to data analysis"


def test_every_term_has_its_niso_uri():
    assert credit.recognise("Formal analysis").uri == "https://credit.niso.org/contributor-roles/formal-analysis/"
    assert credit.recognise("Formal analysis").vocab_term == "Formal Analysis"  # JATS4R's spelling
    assert len(credit.TERMS) == 14
