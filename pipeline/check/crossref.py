"""Validation of Crossref deposit files against the official 5.3.1 schema, offline.

The schema (with the JATS, MathML, FundRef and AccessIndicators schemas it imports) is
loaded once per process from the schema bundle; its absolute imports resolve through the
bundle's XML catalog, so nothing is fetched from the network.
"""

from __future__ import annotations

import functools
import os
import re
from typing import Iterable

from lxml import etree

from . import OutputProblem, bundle

NAMESPACE = "http://www.crossref.org/schema/5.3.1"
SCHEMA_FILE = "crossref/5.3.1/crossref5.3.1.xsd"
COMMON_FILE = "crossref/5.3.1/common5.3.1.xsd"
ROOT = f"{{{NAMESPACE}}}doi_batch"
_XSD = "{http://www.w3.org/2001/XMLSchema}"


@functools.cache
def schema() -> etree.XMLSchema:
    root = bundle.active()  # before the first schema load: libxml2 reads the catalog once
    parser = etree.XMLParser(no_network=True)
    return etree.XMLSchema(etree.parse(str(root.path(SCHEMA_FILE)), parser))


@functools.cache
def language_codes() -> frozenset[str]:
    """The values Crossref accepts in ``language`` attributes (ISO 639-1 codes)."""
    root = bundle.active()
    doc = etree.parse(str(root.path(COMMON_FILE)), etree.XMLParser(no_network=True))
    group = doc.find(f"{_XSD}attributeGroup[@name='language.atts']")
    return frozenset(e.get("value") for e in group.iter(f"{_XSD}enumeration"))


def _parse(data: bytes, name: str) -> tuple[etree._ElementTree | None, list[OutputProblem]]:
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    try:
        return etree.ElementTree(etree.fromstring(data, parser)), []
    except etree.XMLSyntaxError as error:
        return None, [OutputProblem(name, error.lineno or None, f"not well-formed XML: {error.msg}")]


def validate_document(
    data: bytes, name: str, xml_schema: etree.XMLSchema, root_tag: str, root_label: str
) -> list[OutputProblem]:
    """Parse ``data`` and validate it; a schema accepts any global element, so pin the root."""
    doc, problems = _parse(data, name)
    if doc is None:
        return problems
    if doc.getroot().tag != root_tag:
        return [OutputProblem(name, doc.getroot().sourceline, f"root element is {doc.getroot().tag}, expected {root_label}")]
    if xml_schema.validate(doc):
        return []
    return [OutputProblem(name, error.line or None, _shortened(error.message)) for error in xml_schema.error_log]


def _shortened(message: str) -> str:
    """libxml2 lists a whole enumeration (184 language codes...) in its message: count it instead."""

    def count(match: re.Match) -> str:
        return f"{{...{match.group(0).count(',') + 1} values}}"

    return re.sub(r"\{[^{}]{120,}\}", count, message)


def validate_crossref(data: bytes, name: str) -> list[OutputProblem]:
    """Problems with one Crossref deposit file (empty when it is valid)."""
    return validate_document(data, name, schema(), ROOT, f"doi_batch in {NAMESPACE}")


def check_files(paths: Iterable[str | os.PathLike], validate) -> list[OutputProblem]:
    problems: list[OutputProblem] = []
    for path in paths:
        try:
            data = open(path, "rb").read()
        except OSError as error:
            problems.append(OutputProblem(str(path), None, f"cannot read: {error.strerror}"))
            continue
        problems.extend(validate(data, str(path)))
    return problems


def check_crossref_files(paths: Iterable[str | os.PathLike]) -> list[OutputProblem]:
    """``pipeline check-crossref FILE...``: every problem in every file."""
    return check_files(paths, validate_crossref)
