"""JATS4R Schematron rules (``<bundle>/jats4r/1.0/jats4r.sch``) run with Saxon (saxonche).

The rules need XPath 2 (``queryBinding="xslt2"``), which lxml's XSLT 1 Schematron cannot run.
The ISO Schematron reference skeleton that lxml ships compiles them to XSLT; Saxon runs that
as XSLT 2 (see ``jats4r/RUNNING.md`` in the bundle). Compilation happens once per process; each
article is then one transformation whose SVRL report becomes :class:`Finding` values.

Why this compile and not SchXslt (the maintained successor of the ISO skeleton, which compiles
``xslt2`` schemas natively): SchXslt is published on Maven Central and GitHub only, not on
PyPI, npm or Debian (checked: ``pip download schxslt``, ``npm view schxslt``, ``apt-cache
search schxslt``), the only registries this project installs from, and copying its XSLT into
the repository would be third-party code in it. pyschematron 1.x (pure Python, XPath 3) needs
Python >= 3.12; the project supports 3.11. So the skeleton lxml already ships stays, with the
small adjustments below (each says why); tests/test_jats4r.py shows the compiled rules fire
on a real eLife article and on our output with broken front matter.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import lxml.isoschematron
from lxml import etree

from pipeline.schema_bundle import bundle as schema_bundle

SCHEMA = "jats4r/1.0/jats4r.sch"
SVRL = "{http://purl.oclc.org/dsdl/svrl}"
XS = "http://www.w3.org/2001/XMLSchema"
SKELETON = Path(lxml.isoschematron.__file__).parent / "resources" / "xsl" / "iso-schematron-xslt1"


@dataclass(frozen=True)
class Finding:
    role: str  # "error", "warning" or "info" as the rule declares it
    message: str
    location: str  # XPath of the node the rule fired on

    def __str__(self) -> str:
        return f"{self.role}: {self.location}: {self.message}"


@functools.cache
def _processor():
    from saxonche import PySaxonProcessor

    return PySaxonProcessor(license=False)


def _compile_schematron(schema_path: Path) -> str:
    xslt = _processor().new_xslt30_processor()
    included = xslt.compile_stylesheet(stylesheet_file=str(SKELETON / "iso_dsdl_include.xsl")).transform_to_string(
        source_file=str(schema_path)
    )
    expand = xslt.compile_stylesheet(stylesheet_file=str(SKELETON / "iso_abstract_expand.xsl"))
    expanded = expand.transform_to_string(xdm_node=_processor().parse_xml(xml_text=included))
    # The XSLT 1 skeleton refuses other query bindings; Saxon then runs its output as XSLT 2.
    expanded = expanded.replace('queryBinding="xslt2"', 'queryBinding="xslt"', 1)
    svrl = xslt.compile_stylesheet(stylesheet_file=str(SKELETON / "iso_svrl_for_xslt1.xsl"))
    svrl.set_parameter("allow-foreign", _processor().make_string_value("true"))
    generated = svrl.transform_to_string(xdm_node=_processor().parse_xml(xml_text=expanded))
    generated = re.sub(r'(<xsl:stylesheet\b[^>]*?)\bversion="1\.0"', r'\1version="2.0"', generated, count=1)
    declarations = "".join(
        f' xmlns:{prefix}="{XS}"' for prefix in ("xs", "xsd") if f"xmlns:{prefix}=" not in generated.split(">", 2)[1]
    )
    # xml:base makes the rules' document('credit-roles.xml') etc. resolve beside jats4r.sch.
    base = f' xml:base="{schema_path.parent.as_uri()}/"'
    return generated.replace("<xsl:stylesheet", "<xsl:stylesheet" + declarations + base, 1)


@functools.cache
def _executable():
    schema_path = schema_bundle.active().path(SCHEMA)
    stylesheet = _compile_schematron(schema_path)
    return _processor().new_xslt30_processor().compile_stylesheet(stylesheet_text=stylesheet)


def _qualified_name(element: etree._Element) -> str:
    local = etree.QName(element).localname
    return f"{element.prefix}:{local}" if element.prefix else local


def _with_id_types_only(data: bytes) -> str:
    """The document without its external DTD, but with @id typed ID and @rid typed IDREFS.

    Saxon must never fetch the JATS DTD, yet rules such as ``idref(@id)`` and ``id(@rid)``
    only see attributes a DTD declares as ID/IDREF (JATS does so for every ``id`` and ``rid``).
    A small internal subset declaring just those keeps the rules working.
    """
    parser = etree.XMLParser(no_network=True, load_dtd=False, resolve_entities=False)
    root = etree.fromstring(data, parser)
    elements = [el for el in root.iter() if isinstance(el.tag, str)]
    with_id = sorted({_qualified_name(el) for el in elements if el.get("id") is not None})
    with_rid = sorted({_qualified_name(el) for el in elements if el.get("rid") is not None})
    declarations = [f"<!ATTLIST {tag} id ID #IMPLIED>" for tag in with_id]
    declarations += [f"<!ATTLIST {tag} rid IDREFS #IMPLIED>" for tag in with_rid]
    subset = f"<!DOCTYPE {_qualified_name(root)} [\n" + "\n".join(declarations) + "\n]>\n" if declarations else ""
    return subset + etree.tostring(root, encoding="unicode")


def check_jats4r(data: bytes) -> list[Finding]:
    """JATS4R findings for one JATS document, in document order."""
    node = _processor().parse_xml(xml_text=_with_id_types_only(data))
    report = _executable().transform_to_string(xdm_node=node)
    svrl = etree.fromstring(report.encode("utf-8"))
    findings = []
    for entry in svrl.iter(f"{SVRL}failed-assert", f"{SVRL}successful-report"):
        text = entry.findtext(f"{SVRL}text") or ""
        findings.append(Finding(entry.get("role") or "error", " ".join(text.split()), entry.get("location") or ""))
    return findings


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.role == "error"]
