"""JATS validation against the official DTDs (and, for tests, the XSD) of the schema bundle.

Documents are parsed without loading their DTD, without resolving any entity and without
network access: whatever a document's DOCTYPE or internal subset names is never fetched. The
DTD to validate against is chosen here, loaded once per process from the bundle (its modules
are found through the bundle's XML catalog) and reused for every document.

``check-jats`` accepts any JATS file. The bundle holds the Journal Publishing DTDs 1.3 and 1.4
(each in its four variants); a Publishing document of an older 1.x version (1.0-1.2, drafts
included) is validated against Publishing 1.3, which NISO keeps backward compatible within
1.x; other tag sets (Archiving, Article Authoring, BITS) are reported as not validatable
rather than judged by the stricter Publishing rules.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from lxml import etree

from pipeline.output_checks import OutputProblem
from pipeline.schema_bundle import bundle as schema_bundle

PUBLISHING_1_3 = "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD v1.3 20210610//EN"
XSD_1_3 = "jats/publishing/1.3/xsd/JATS-journalpublishing1-3-mathml3.xsd"
CATALOG_NS = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"

_PUBLISHING = re.compile(r"Journal Publishing DTD.* v(\d+)\.(\d+)")
_TAG_SET = re.compile(r"-//NLM//DTD (?:JATS \(Z39\.96\) )?(.+?) v[\d.]")
_DTD_VERSION = re.compile(r"(\d+)\.(\d+)")


@dataclass(frozen=True)
class DtdChoice:
    public_id: str | None  # the bundle DTD used, None when the document cannot be validated
    note: str | None = None  # why this DTD, when it is not the one the document names
    problem: str | None = None  # why the document cannot be validated


@dataclass(frozen=True)
class JatsFileCheck:
    path: str
    choice: DtdChoice
    problems: list[OutputProblem] = field(default_factory=list)


def _parser() -> etree.XMLParser:
    # A fresh parser per document: lxml parsers keep state and are not thread-safe.
    return etree.XMLParser(
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        resolve_entities=False,
        huge_tree=False,
        remove_blank_text=False,
    )


@functools.cache
def publishing_dtds() -> dict[str, str]:
    """Public id -> bundle-relative path of every Journal Publishing DTD the catalog maps."""
    bundle = schema_bundle.active()
    catalog = etree.parse(str(bundle.catalog), _parser())
    found = {}
    for entry in catalog.iter(f"{CATALOG_NS}public"):
        public_id = entry.get("publicId", "")
        if "Journal Publishing DTD" in public_id and entry.get("uri", "").endswith(".dtd"):
            found[public_id] = entry.get("uri")
    return found


@functools.cache
def load_dtd(public_id: str) -> etree.DTD:
    """The bundle's DTD for ``public_id``, parsed once per process."""
    bundle = schema_bundle.active()  # sets XML_CATALOG_FILES before libxml2's first look-up
    return etree.DTD(file=str(bundle.path(publishing_dtds()[public_id])))


@functools.cache
def load_xsd_1_3() -> etree.XMLSchema:
    """The JATS Publishing 1.3 XSD (MathML3 variant, the one NLM ships), parsed once."""
    bundle = schema_bundle.active()
    return etree.XMLSchema(etree.parse(str(bundle.path(XSD_1_3)), _parser()))


def _version_key(public_id: str) -> tuple[int, int] | None:
    match = _PUBLISHING.search(public_id)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _plain_publishing(version: tuple[int, int]) -> str | None:
    """The bundle's plain (no MathML3, no OASIS) Publishing DTD of that version."""
    for public_id in publishing_dtds():
        if _version_key(public_id) == version and "MathML" not in public_id and "OASIS" not in public_id:
            return public_id
    return None


def choose_dtd(doc: etree._ElementTree) -> DtdChoice:
    """Which bundle DTD validates ``doc``, from its DOCTYPE public id or else its @dtd-version."""
    public_id = doc.docinfo.public_id
    available = publishing_dtds()
    versions = sorted({v for v in map(_version_key, available) if v})
    if public_id and public_id in available:
        return DtdChoice(public_id)
    if public_id:
        version = _version_key(public_id)
        if version is None:
            tag_set = _TAG_SET.search(public_id)
            name = tag_set.group(1) if tag_set else public_id
            return DtdChoice(
                None,
                problem=f"not validated: the document uses the {name} ({public_id!r}); the schema bundle "
                f"holds only the Journal Publishing DTD ({', '.join('%d.%d' % v for v in versions)})",
            )
        return _by_version(version, versions, f"DOCTYPE {public_id!r}")
    declared = doc.getroot().get("dtd-version")
    match = _DTD_VERSION.match(declared or "")
    if match:
        return _by_version((int(match.group(1)), int(match.group(2))), versions, f'no DOCTYPE, dtd-version="{declared}"')
    return DtdChoice(_plain_publishing((1, 3)), note="no DOCTYPE and no dtd-version: validated as Journal Publishing 1.3")


def _by_version(version: tuple[int, int], versions: list[tuple[int, int]], source: str) -> DtdChoice:
    exact = _plain_publishing(version)
    if exact:
        return DtdChoice(exact, note=f"{source}: validated against Journal Publishing {version[0]}.{version[1]}")
    newer = [v for v in versions if v > version and v[0] == version[0]]
    if newer:
        target = newer[0]
        return DtdChoice(
            _plain_publishing(target),
            note=f"{source}: no Journal Publishing {version[0]}.{version[1]} DTD in the bundle; validated against "
            f"Journal Publishing {target[0]}.{target[1]} (backward compatible within {version[0]}.x)",
        )
    return DtdChoice(
        None,
        problem=f"not validated: {source} names Journal Publishing {version[0]}.{version[1]}, which the schema "
        f"bundle does not hold (it has {', '.join('%d.%d' % v for v in versions)})",
    )


def _parse(data: bytes | None, path: str) -> tuple[etree._ElementTree | None, list[OutputProblem]]:
    parser = _parser()
    try:
        if data is None:
            doc = etree.parse(path, parser)
        else:
            doc = etree.ElementTree(etree.fromstring(data, parser))
    except etree.XMLSyntaxError as error:
        problems = [
            OutputProblem(path, entry.line or None, f"not well-formed: {entry.message}")
            for entry in parser.error_log
            if entry.level >= etree.ErrorLevels.ERROR
        ]
        return None, problems or [OutputProblem(path, error.lineno or None, f"not well-formed: {error.msg}")]
    except OSError as error:
        return None, [OutputProblem(path, None, f"cannot read: {error}")]
    return doc, []


def _validate(doc: etree._ElementTree, validator: etree._Validator, path: str) -> list[OutputProblem]:
    if validator.validate(doc):
        return []
    return [
        OutputProblem(path, entry.line or None, entry.message)
        for entry in validator.error_log
        if entry.level >= etree.ErrorLevels.ERROR
    ]


def validate_jats(data: bytes, name: str) -> list[OutputProblem]:
    """Problems of one JATS file the pipeline emits: JATS Journal Publishing 1.3 DTD."""
    doc, problems = _parse(data, name)
    if doc is None:
        return problems
    if doc.docinfo.public_id != PUBLISHING_1_3:
        problems.append(OutputProblem(name, 1, f"DOCTYPE public id is {doc.docinfo.public_id!r}, expected {PUBLISHING_1_3!r}"))
    return problems + _validate(doc, load_dtd(PUBLISHING_1_3), name)


def validate_jats_xsd(data: bytes, name: str) -> list[OutputProblem]:
    """Problems of one JATS file against the JATS Publishing 1.3 XSD."""
    doc, problems = _parse(data, name)
    if doc is None:
        return problems
    return _validate(doc, load_xsd_1_3(), name)


def check_jats_file(path: str | Path) -> JatsFileCheck:
    """Validate any JATS file (ours or a third party's) against the fitting bundle DTD."""
    path = str(path)
    doc, problems = _parse(None, path)
    if doc is None:
        return JatsFileCheck(path, DtdChoice(None), problems)
    choice = choose_dtd(doc)
    if choice.public_id is None:
        return JatsFileCheck(path, choice, [OutputProblem(path, 1, choice.problem or "not validated")])
    return JatsFileCheck(path, choice, _validate(doc, load_dtd(choice.public_id), path))


def check_jats_files(paths: Iterable[str | Path]) -> list[OutputProblem]:
    """Every problem of every file, for ``pipeline check-jats FILE...`` (``file:line: message``)."""
    problems: list[OutputProblem] = []
    for path in paths:
        problems.extend(check_jats_file(path).problems)
    return problems
