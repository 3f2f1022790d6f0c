"""Validation of OAI-PMH responses and oai_dc records against the official schemas.

``OAI-PMH.xsd`` declares ``<metadata>`` and ``<description>`` as *strict* ``##other``
wildcards, so the envelope alone rejects every record, and libxml2 does not follow
``xsi:schemaLocation``. As the schema bundle's README (note 2) describes, one driver schema
imports the envelope together with every payload schema: ``oai_dc.xsd`` and
``oai-identifier.xsd``. The ``jats`` payload has no namespaced schema (the JATS XSD has no
target namespace), so the driver also imports a stub for the JATS namespace that accepts any
``article`` element; each JATS payload is then taken out of its namespace and validated
against the JATS 1.3 DTD on its own, which is what the format promises.

Schemas and the DTD are loaded once per process.
"""

from __future__ import annotations

import functools

from lxml import etree

from pipeline.output_checks import OutputProblem
from pipeline.schema_bundle import bundle
from pipeline.oai.formats import JATS
from pipeline.output_checks.jats import load_dtd
from pipeline.output_checks.xsd import compile_schema

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
_STUB_URL = "urn:pipeline:oai:jats-namespace-stub.xsd"

_DRIVER = f"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:import namespace="{OAI_NS}" schemaLocation="http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"/>
  <xs:import namespace="{OAI_DC_NS}" schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc.xsd"/>
  <xs:import namespace="http://www.openarchives.org/OAI/2.0/oai-identifier"
             schemaLocation="http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"/>
  <xs:import namespace="{JATS.namespace}" schemaLocation="{_STUB_URL}"/>
</xs:schema>""".encode()

# Only lets the envelope's strict wildcard accept a namespaced <article>; the article itself is
# validated against the JATS DTD separately.
_JATS_STUB = f"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="{JATS.namespace}">
  <xs:element name="article">
    <xs:complexType>
      <xs:sequence>
        <xs:any namespace="##any" processContents="skip" minOccurs="0" maxOccurs="unbounded"/>
      </xs:sequence>
      <xs:anyAttribute namespace="##any" processContents="skip"/>
    </xs:complexType>
  </xs:element>
</xs:schema>""".encode()

_JATS_DTD_PUBLIC_ID = "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD with MathML3 v1.3 20210610//EN"


class _StubResolver(etree.Resolver):
    def resolve(self, url, public_id, context):
        if url == _STUB_URL:
            return self.resolve_string(_JATS_STUB, context)
        return None


@functools.cache
def response_schema() -> etree.XMLSchema:
    bundle.active()
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_StubResolver())
    return etree.XMLSchema(etree.fromstring(_DRIVER, parser))


def oai_dc_schema() -> etree.XMLSchema:
    return compile_schema("oai-pmh/2.0/oai_dc.xsd")


def jats_dtd() -> etree.DTD:
    return load_dtd(_JATS_DTD_PUBLIC_ID)


_PARSER = etree.XMLParser(no_network=True, load_dtd=False, resolve_entities=False, huge_tree=True)


def _problems(path: str, log) -> list[OutputProblem]:
    return [OutputProblem(path, entry.line or None, entry.message) for entry in log]


def check_response(body: bytes, path: str = "OAI-PMH response") -> list[OutputProblem]:
    """Problems of one OAI-PMH response: the envelope and oai_dc records against the
    schemas, each jats record (out of its namespace) against the JATS 1.3 DTD."""
    try:
        document = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as error:
        return [OutputProblem(path, error.lineno, f"not well-formed: {error.msg}")]
    schema = response_schema()
    problems = [] if schema.validate(document) else _problems(path, schema.error_log)
    for article in document.iterfind(f".//{{{OAI_NS}}}metadata/{{{JATS.namespace}}}article"):
        problems += check_jats_payload(etree.tostring(article), f"{path} (jats record)")
    return problems


def check_oai_dc(record: bytes, path: str = "oai_dc record") -> list[OutputProblem]:
    """Problems of one ``oai_dc:dc`` record against ``oai_dc.xsd``."""
    try:
        document = etree.fromstring(record, _PARSER)
    except etree.XMLSyntaxError as error:
        return [OutputProblem(path, error.lineno, f"not well-formed: {error.msg}")]
    schema = oai_dc_schema()
    return [] if schema.validate(document) else _problems(path, schema.error_log)


def without_jats_namespace(payload: bytes) -> etree._Element:
    """The jats payload with its elements moved back out of the JATS namespace."""
    article = etree.fromstring(payload, _PARSER)
    prefix = f"{{{JATS.namespace}}}"
    for element in article.iter():
        if isinstance(element.tag, str) and element.tag.startswith(prefix):
            element.tag = element.tag[len(prefix):]
    # Drop only the now unused JATS default namespace; keep the declarations the article had.
    etree.cleanup_namespaces(article, keep_ns_prefixes=[prefix for prefix in article.nsmap if prefix])
    return article


def check_jats_payload(payload: bytes, path: str = "jats record") -> list[OutputProblem]:
    """Problems of a ``jats`` payload: it must be in the JATS namespace, and without it be a
    JATS 1.3 article valid against the DTD."""
    root = etree.fromstring(payload, _PARSER)
    if root.tag != f"{{{JATS.namespace}}}article":
        return [OutputProblem(path, None, f"the root is {root.tag}, not article in {JATS.namespace}")]
    article = without_jats_namespace(payload)
    dtd = jats_dtd()
    return [] if dtd.validate(article) else _problems(path, dtd.error_log)
