"""XML Schema validation shared by the deposit formats (Crossref, DOAJ): schemas compiled once
per process from the bundle, files parsed without network or entities, problems located by line.
"""

from __future__ import annotations

import functools
import os
import re
from typing import Callable, Iterable

from lxml import etree

from . import OutputProblem
from ..schema_bundle import bundle

XSD_NS = "{http://www.w3.org/2001/XMLSchema}"


@functools.cache
def compile_schema(relative: str) -> etree.XMLSchema:
    """The bundle's schema at ``relative``; its absolute imports resolve through the catalog."""
    root = bundle.active()  # before the first schema load: libxml2 reads the catalog once
    return etree.XMLSchema(etree.parse(str(root.path(relative)), etree.XMLParser(no_network=True)))


@functools.cache
def enumeration(relative: str, within: str | None = None) -> frozenset[str]:
    """The ``xs:enumeration`` values of a bundle schema (inside the element ``within`` names)."""
    doc = etree.parse(str(bundle.active().path(relative)), etree.XMLParser(no_network=True))
    scope = doc.find(within) if within else doc.getroot()
    return frozenset(e.get("value") for e in scope.iter(f"{XSD_NS}enumeration"))


def parse_document(data: bytes, name: str) -> tuple[etree._ElementTree | None, list[OutputProblem]]:
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    try:
        return etree.ElementTree(etree.fromstring(data, parser)), []
    except etree.XMLSyntaxError as error:
        return None, [OutputProblem(name, error.lineno or None, f"not well-formed XML: {error.msg}")]


def validate_document(
    data: bytes, name: str, xml_schema: etree.XMLSchema, root_tag: str, root_label: str
) -> list[OutputProblem]:
    """Parse ``data`` and validate it; a schema accepts any global element, so pin the root."""
    doc, problems = parse_document(data, name)
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


def check_files(paths: Iterable[str | os.PathLike], validate: Callable[[bytes, str], list[OutputProblem]]) -> list[OutputProblem]:
    """Every problem in every file; an unreadable file is a problem too."""
    problems: list[OutputProblem] = []
    for path in paths:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as error:
            problems.append(OutputProblem(str(path), None, f"cannot read: {error.strerror}"))
            continue
        problems.extend(validate(data, str(path)))
    return problems
