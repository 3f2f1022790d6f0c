"""The stub-MathML Crossref schema (one edit must not pay the full schema's compile) accepts
exactly what the full 5.3.1 schema accepts for MathML-free batches, and never lets an invalid
batch through."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from pipeline.output_checks import crossref as crossref_check
from pipeline.output_checks.crossref import MATHML_NS, validate_crossref
from pipeline.output_checks.xsd import validate_document

from . import factories
from .test_crossref import deposits

XSD = "http://www.w3.org/2001/XMLSchema"
QNAME_ATTRIBUTES = ("ref", "type", "base", "substitutionGroup", "itemType", "memberTypes", "refer")


def _qname_references(path: Path) -> set[tuple[str, str, str]]:
    """(xsd element, attribute, local name) of every QName in ``path`` that names a MathML component."""
    found = set()
    doc = etree.parse(str(path))
    for element in doc.iter(f"{{{XSD}}}*"):
        for attribute in QNAME_ATTRIBUTES:
            for qname in (element.get(attribute) or "").split():
                prefix, _, local = qname.rpartition(":")
                if element.nsmap.get(prefix or None) == MATHML_NS:
                    found.add((etree.QName(element).localname, attribute, local))
    return found


def test_the_bundle_reaches_mathml_only_through_the_math_element(bundle):
    """The soundness argument in mathml_free_schema rests on this property of the bundle."""
    directory = bundle.path("crossref/5.3.1")
    outside = [p for p in sorted(directory.rglob("*.xsd")) if "mathml3" not in p.parts]
    assert len(outside) >= 8
    references = set().union(*(_qname_references(p) for p in outside))
    assert references == {("element", "ref", "math")}
    # ...and MathML's own documents refer to nothing in the Crossref, JATS or other namespaces.
    for path in sorted((directory / "standard-modules" / "mathml3").glob("*.xsd")):
        doc = etree.parse(str(path))
        for element in doc.iter(f"{{{XSD}}}*"):
            for attribute in QNAME_ATTRIBUTES:
                for qname in (element.get(attribute) or "").split():
                    prefix = qname.rpartition(":")[0] or None
                    assert element.nsmap.get(prefix) in (MATHML_NS, XSD, "http://www.w3.org/XML/1998/namespace"), (path, qname)


def _batch() -> bytes:
    return deposits([factories.rich_article()])["tjh/crossref/12-1.xml"]


def test_both_schemas_accept_our_batches():
    data = _batch()
    doc = etree.ElementTree(etree.fromstring(data))
    assert crossref_check.mathml_free_schema().validate(doc)
    assert crossref_check.schema().validate(doc)
    assert validate_crossref(data, "batch.xml") == []


def test_an_invalid_batch_is_still_rejected_with_the_full_schemas_message():
    broken = _batch().replace(b"<doi>10.5555/tjh.2024.12.1.5</doi>", b"<doi>not-a-doi</doi>")
    doc = etree.ElementTree(etree.fromstring(broken))
    assert not crossref_check.mathml_free_schema().validate(doc)
    problems = validate_crossref(broken, "broken.xml")
    assert problems and "doi" in problems[0].message
    full = crossref_check.schema()
    assert not full.validate(doc)
    assert problems == validate_document(broken, "broken.xml", full, crossref_check.ROOT, "doi_batch")
    # an element the schema does not know
    unknown = _batch().replace(b"</titles>", b"<unknown/></titles>", 1)
    assert validate_crossref(unknown, "unknown.xml")


def _with_title_math(inner: bytes) -> bytes:
    math = b'<mml:math xmlns:mml="' + MATHML_NS.encode() + b'">' + inner + b"</mml:math>"
    data = _batch()
    start = data.index(b"<title>") + len(b"<title>")
    return data[:start] + math + data[start:]


def test_a_batch_with_mathml_is_judged_by_the_full_schema():
    valid_math = _with_title_math(b"<mml:mi>x</mml:mi>")
    doc = etree.ElementTree(etree.fromstring(valid_math))
    assert not crossref_check.mathml_free_schema().validate(doc)  # the stub accepts no MathML content
    assert crossref_check.schema().validate(doc)
    assert validate_crossref(valid_math, "math.xml") == []
    invalid_math = _with_title_math(b"<mml:nonsense/>")
    assert validate_crossref(invalid_math, "bad-math.xml")


def test_the_mathml_namespace_declared_anywhere_means_the_full_schema():
    data = _batch()
    declared = data.replace(b"<doi_batch ", b'<doi_batch xmlns:m="' + MATHML_NS.encode() + b'" ', 1)
    assert crossref_check._mentions_mathml(etree.ElementTree(etree.fromstring(declared)))
    # a character reference in the namespace name hides it from a byte search, not from the tree
    hidden = data.replace(b"<doi_batch ", b'<doi_batch xmlns:m="http://www.w3.org/1998/&#x4D;ath/MathML" ', 1)
    assert crossref_check._mentions_mathml(etree.ElementTree(etree.fromstring(hidden)))
    assert not crossref_check._mentions_mathml(etree.ElementTree(etree.fromstring(data)))
