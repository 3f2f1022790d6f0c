"""Validation of Crossref deposit files against the official 5.3.1 schema, offline.

The schema (with the JATS, MathML, FundRef and AccessIndicators schemas it imports) is
loaded once per process from the schema bundle; its absolute imports resolve through the
bundle's XML catalog, so nothing is fetched from the network.
"""

from __future__ import annotations

import os
from typing import Iterable

from lxml import etree

from . import OutputProblem
from .xsd import XSD_NS, check_files, compile_schema, enumeration, validate_document

NAMESPACE = "http://www.crossref.org/schema/5.3.1"
SCHEMA_FILE = "crossref/5.3.1/crossref5.3.1.xsd"
COMMON_FILE = "crossref/5.3.1/common5.3.1.xsd"
ROOT = f"{{{NAMESPACE}}}doi_batch"


def schema() -> etree.XMLSchema:
    return compile_schema(SCHEMA_FILE)


def language_codes() -> frozenset[str]:
    """The values Crossref accepts in ``language`` attributes (ISO 639-1 codes)."""
    return enumeration(COMMON_FILE, f"{XSD_NS}attributeGroup[@name='language.atts']")


def validate_crossref(data: bytes, name: str) -> list[OutputProblem]:
    """Problems with one Crossref deposit file (empty when it is valid)."""
    return validate_document(data, name, schema(), ROOT, f"doi_batch in {NAMESPACE}")


def check_crossref_files(paths: Iterable[str | os.PathLike]) -> list[OutputProblem]:
    """``pipeline check-crossref FILE...``: every problem in every file."""
    return check_files(paths, validate_crossref)
