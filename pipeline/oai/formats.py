"""The metadata formats the OAI-PMH endpoint disseminates, and how writer parts become them.

OAI-PMH only carries namespace-qualified metadata (``OAI-PMH.xsd`` declares ``<metadata>`` as a
strict ``##other`` wildcard), but JATS has no namespace. PubMed Central's OAI service solves
this by putting the JATS elements in a namespace of the form
``https://jats.nlm.nih.gov/ns/<tag set>/<version>/`` (its ``pmc`` format uses
``https://jats.nlm.nih.gov/ns/archiving/1.3/``). Our writer produces the Journal *Publishing*
tag set, version 1.3, so the ``jats`` format uses ``https://jats.nlm.nih.gov/ns/publishing/1.3/``;
its ``schema`` points at the official JATS Publishing 1.3 XSD, which describes the payload once
that namespace is taken off again (the XSD itself has no target namespace).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Mapping

from lxml import etree

from ..writers.parts import JATS_PART, OAI_DC_PART


@dataclass(frozen=True)
class MetadataFormat:
    prefix: str
    schema: str
    namespace: str


OAI_DC = MetadataFormat(
    prefix="oai_dc",
    schema="http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
    namespace="http://www.openarchives.org/OAI/2.0/oai_dc/",
)
JATS = MetadataFormat(
    prefix="jats",
    schema="https://jats.nlm.nih.gov/publishing/1.3/xsd/JATS-journalpublishing1-3-mathml3.xsd",
    namespace="https://jats.nlm.nih.gov/ns/publishing/1.3/",
)

# In the order ListMetadataFormats lists them.
FORMATS: dict[str, MetadataFormat] = {fmt.prefix: fmt for fmt in (OAI_DC, JATS)}

# Writer part name -> metadataPrefix, and how the part becomes the format's payload.
_PART_FOR_PREFIX = {"oai_dc": OAI_DC_PART, "jats": JATS_PART}
# The writers whose parts the store's record is made of (each writer's part is named after it).
PARTS = frozenset(_PART_FOR_PREFIX.values())

_PARSER = etree.XMLParser(
    load_dtd=False, resolve_entities=False, no_network=True, remove_blank_text=False, huge_tree=True
)


def jats_for_oai(jats_bytes: bytes) -> bytes:
    """The article's JATS with every un-namespaced element moved into :data:`JATS`'s namespace
    and without the DOCTYPE. Elements and attributes already in a namespace (MathML, XLink,
    ALI, ``xml:lang``) keep theirs, so removing the JATS namespace again gives back the same
    article, valid against the JATS 1.3 DTD."""
    source = etree.fromstring(jats_bytes, _PARSER)
    namespace = JATS.namespace
    nsmap = {prefix: uri for prefix, uri in source.nsmap.items() if prefix is not None}
    root = etree.Element(_jats_tag(source.tag, namespace), nsmap={None: namespace, **nsmap})
    for name, value in source.attrib.items():
        root.set(name, value)
    root.text = source.text
    for child in list(source):
        root.append(child)
    for element in root.iter():
        if isinstance(element.tag, str):  # comments and processing instructions have no name
            element.tag = _jats_tag(element.tag, namespace)
    return etree.tostring(root, encoding="UTF-8")


def _jats_tag(tag: str, namespace: str) -> str:
    return tag if tag.startswith("{") else f"{{{namespace}}}{tag}"


def formats_from_parts(parts: Mapping[str, bytes]) -> dict[str, bytes]:
    """The OAI-PMH payloads (metadataPrefix -> bytes) an article's writer parts provide.

    ``parts`` is the union of the writers' parts (``oai_dc`` from :mod:`pipeline.writers.oai_dc`,
    ``jats`` from the JATS writer); a format whose part is missing is left out.
    """
    formats: dict[str, bytes] = {}
    for prefix, part in _PART_FOR_PREFIX.items():
        if part in parts:
            formats[prefix] = jats_for_oai(parts[part]) if prefix == "jats" else bytes(parts[part])
    return formats


def content_hash(set_specs: tuple[str, ...], formats: Mapping[str, bytes]) -> str:
    """A hash of everything a harvester receives for an item: its sets and every payload.

    Hashing the disseminated bytes (rather than the seed) means the datestamp also moves when
    a writer change alters the output, and never moves when it does not.
    """
    digest = hashlib.sha256()
    for spec in sorted(set(set_specs)):
        digest.update(b"set\0" + spec.encode() + b"\0")
    for prefix in sorted(formats):
        payload = formats[prefix]
        digest.update(b"format\0" + prefix.encode() + b"\0" + str(len(payload)).encode() + b"\0" + payload)
    return digest.hexdigest()
