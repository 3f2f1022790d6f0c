"""Validation of Crossref deposit files against the official 5.3.1 schema, offline.

The schema (with the JATS, MathML, FundRef and AccessIndicators schemas it imports) is
loaded once per process from the schema bundle; its absolute imports resolve through the
bundle's XML catalog, so nothing is fetched from the network.

Compiling the full schema costs libxml2 seconds, nearly all of it the MathML 3 schema Crossref
imports for ``mml:math`` in titles. A batch without MathML is first validated against the
same schema with MathML 3 replaced by a one-element stub (compiled in a tenth of a second);
see :func:`mathml_free_schema` for why that is sound. Any rejection is re-checked against the
full schema, so the problems reported are always the full schema's.
"""

from __future__ import annotations

import os
import functools
from typing import Iterable

from lxml import etree

from . import OutputProblem
from ..schema_bundle import bundle
from .xsd import XSD_NS, check_files, compile_schema, enumeration, parse_document, validate_document

NAMESPACE = "http://www.crossref.org/schema/5.3.1"
SCHEMA_FILE = "crossref/5.3.1/crossref5.3.1.xsd"
COMMON_FILE = "crossref/5.3.1/common5.3.1.xsd"
ROOT = f"{{{NAMESPACE}}}doi_batch"
MATHML_NS = "http://www.w3.org/1998/Math/MathML"
MATHML_SCHEMA_URLS = frozenset({
    "http://www.w3.org/Math/XMLSchema/mathml3/mathml3.xsd",
    "https://www.w3.org/Math/XMLSchema/mathml3/mathml3.xsd",
})
# The only MathML component the Crossref and JATS schema documents refer to is the element
# mml:math (tests/test_crossref_fast_schema.py checks the bundle for it). Its content model
# here accepts nothing, so any mml:math is rejected by the stub (and then judged by the full schema).
_MATHML_STUB = (
    b'<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified"'
    b' targetNamespace="http://www.w3.org/1998/Math/MathML">'
    b'<xsd:element name="math"><xsd:complexType><xsd:choice/></xsd:complexType></xsd:element>'
    b"</xsd:schema>"
)


def schema() -> etree.XMLSchema:
    return compile_schema(SCHEMA_FILE)


class _MathmlStub(etree.Resolver):
    def resolve(self, url, public_id, context):
        return self.resolve_string(_MATHML_STUB, context) if url in MATHML_SCHEMA_URLS else None


@functools.cache
def mathml_free_schema() -> etree.XMLSchema:
    """Crossref 5.3.1 with the MathML 3 import replaced by a stub declaring only ``mml:math``.

    Why a document without any MathML namespace node that this schema accepts is also valid
    against the full schema: XSD validation assesses each element and attribute against the
    declaration its name (or a wildcard) selects, and each declaration's type. Every
    declaration and type outside the MathML namespace is the same in both schemas (the stub
    replaces only the MathML schema documents). From outside, the MathML components are
    reached only through the element particle ``ref="mml:math"``, which matches only an
    element named mml:math; substitution groups, type derivation, attribute groups and
    identity constraints never cross into MathML (MathML's schema refers to no Crossref or
    JATS component). So with no element, attribute or QName in the MathML namespace in the
    document, every assessment goes through identical components in both schemas. The guard
    (no MathML namespace declared anywhere in the document) covers elements, attributes and
    ``xsi:type`` QNames, which all need the namespace in scope.
    """
    root = bundle.active()  # before the first schema load: libxml2 reads the catalog once
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_MathmlStub())
    return etree.XMLSchema(etree.parse(str(root.path(SCHEMA_FILE)), parser))


def _mentions_mathml(doc: etree._ElementTree) -> bool:
    return bool(doc.xpath("boolean(//namespace::*[. = $ns])", ns=MATHML_NS))


def language_codes() -> frozenset[str]:
    """The values Crossref accepts in ``language`` attributes (ISO 639-1 codes)."""
    return enumeration(COMMON_FILE, f"{XSD_NS}attributeGroup[@name='language.atts']")


def validate_crossref(data: bytes, name: str) -> list[OutputProblem]:
    """Problems with one Crossref deposit file (empty when it is valid)."""
    doc, _ = parse_document(data, name)
    if doc is not None and doc.getroot().tag == ROOT and not _mentions_mathml(doc) and mathml_free_schema().validate(doc):
        return []
    return validate_document(data, name, schema(), ROOT, f"doi_batch in {NAMESPACE}")


def check_crossref_files(paths: Iterable[str | os.PathLike]) -> list[OutputProblem]:
    """``pipeline check-crossref FILE...``: every problem in every file."""
    return check_files(paths, validate_crossref)
