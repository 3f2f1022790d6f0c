"""Validation of DOAJ article XML files against ``doajArticles.xsd``, offline.

The schema imports its ISO 639-2/B list by an absolute doaj.org URL, which the schema
bundle's catalog maps to the local copy.
"""

from __future__ import annotations

import os
from typing import Iterable

from lxml import etree

from . import OutputProblem
from .xsd import check_files, compile_schema, enumeration, validate_document

SCHEMA_FILE = "doaj/doajArticles.xsd"
LANGUAGES_FILE = "doaj/iso_639-2b.xsd"


def schema() -> etree.XMLSchema:
    return compile_schema(SCHEMA_FILE)


def language_codes() -> frozenset[str]:
    """The ISO 639-2/B codes DOAJ accepts (a subset of ISO 639-2: no 'fil', 'und', ...)."""
    return enumeration(LANGUAGES_FILE)


def validate_doaj(data: bytes, name: str) -> list[OutputProblem]:
    """Problems with one DOAJ article XML file (empty when it is valid)."""
    return validate_document(data, name, schema(), "records", "records (no namespace)")


def check_doaj_files(paths: Iterable[str | os.PathLike]) -> list[OutputProblem]:
    """``pipeline check-doaj FILE...``: every problem in every file."""
    return check_files(paths, validate_doaj)
