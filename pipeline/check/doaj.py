"""Validation of DOAJ article XML files against ``doajArticles.xsd``, offline.

The schema imports its ISO 639-2/B list by an absolute doaj.org URL, which the schema
bundle's catalog maps to the local copy.
"""

from __future__ import annotations

import functools
import os
from typing import Iterable

from lxml import etree

from . import OutputProblem, bundle
from .crossref import check_files, validate_document

SCHEMA_FILE = "doaj/doajArticles.xsd"
LANGUAGES_FILE = "doaj/iso_639-2b.xsd"
_XSD = "{http://www.w3.org/2001/XMLSchema}"


@functools.cache
def schema() -> etree.XMLSchema:
    root = bundle.active()  # before the first schema load: libxml2 reads the catalog once
    parser = etree.XMLParser(no_network=True)
    return etree.XMLSchema(etree.parse(str(root.path(SCHEMA_FILE)), parser))


@functools.cache
def language_codes() -> frozenset[str]:
    """The ISO 639-2/B codes DOAJ accepts (a subset of ISO 639-2: no 'fil', 'und', ...)."""
    root = bundle.active()
    doc = etree.parse(str(root.path(LANGUAGES_FILE)), etree.XMLParser(no_network=True))
    return frozenset(e.get("value") for e in doc.iter(f"{_XSD}enumeration"))


def validate_doaj(data: bytes, name: str) -> list[OutputProblem]:
    """Problems with one DOAJ article XML file (empty when it is valid)."""
    return validate_document(data, name, schema(), "records", "records (no namespace)")


def check_doaj_files(paths: Iterable[str | os.PathLike]) -> list[OutputProblem]:
    """``pipeline check-doaj FILE...``: every problem in every file."""
    return check_files(paths, validate_doaj)
