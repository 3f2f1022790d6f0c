"""What every importer shares: safe parsing of untrusted source files, the per-file report of
what the record contract could not carry, and the imported record itself.

Source files come from outside (a typesetter, OJS, Crossref), so XML is parsed with no network,
no DTD loading and no entity expansion; a document that declares entities is refused outright
(that is how XXE and billion-laughs payloads arrive), and libxml2's default limits stay on
(``huge_tree=False``: depth, text node and amplification limits).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ..errors import PipelineError

MAX_SOURCE_BYTES = 20 * 1024 * 1024

SLUG = re.compile(r"[a-z0-9][a-z0-9._-]*\Z")
SLUG_MAX = 100

TODO = "TODO:"


class SourceError(PipelineError):
    """A source file that cannot be imported: printed as ``file:line: message``."""

    def __init__(self, path: str, line: int, message: str):
        self.path, self.line, self.message = path, line, message
        super().__init__(f"{path}:{line}: {message}")


@dataclass
class DropReport:
    """What one source had that the record contract cannot hold, counted per kind."""

    counts: Counter = field(default_factory=Counter)

    def drop(self, kind: str, count: int = 1) -> None:
        if count:
            self.counts[kind] += count

    def as_dict(self) -> dict[str, int]:
        return dict(sorted(self.counts.items()))

    def lines(self) -> list[str]:
        return [f"{count} × {kind}" if count > 1 else kind for kind, count in sorted(self.counts.items())]


@dataclass
class ImportedRecord:
    """One article as a record (plain dicts in output key order) and its journal."""

    source: str
    journal: dict
    article: dict
    report: DropReport
    todos: list[str] = field(default_factory=list)
    yaml: str | None = None  # the article's YAML, when a worker process already dumped it

    @property
    def journal_id(self) -> str:
        return self.journal["id"]

    @property
    def article_id(self) -> str:
        return self.article["id"]


def read_limited(path: Path, display: str) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            raise SourceError(display, 1, f"file is {size} bytes; the import limit is {MAX_SOURCE_BYTES}")
        return path.read_bytes()
    except OSError as exc:
        raise SourceError(display, 1, f"cannot read: {exc.strerror}") from None


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, remove_comments=True, remove_pis=True,
    )


def parse_xml(raw: bytes, display: str) -> etree._ElementTree:
    """Parse untrusted XML; anything unsafe or broken is a :class:`SourceError` with a line."""
    if not raw.strip():
        raise SourceError(display, 1, "empty file")
    # An entity declaration is refused before libxml2 sees it: with entities unresolved there
    # is nothing legitimate they could give a metadata record, and refusing them names the
    # attack instead of importing half-expanded text.
    declaration = re.search(rb"<!ENTITY", raw)
    if declaration:
        line = raw[: declaration.start()].count(b"\n") + 1
        raise SourceError(display, line, "the document declares XML entities (<!ENTITY>); external and "
                          "expanding entities are refused (XXE / entity expansion)")
    try:
        tree = etree.ElementTree(etree.fromstring(raw, _parser()))
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or 1
        message = exc.msg or "not well-formed XML"
        message = re.sub(r", line \d+, column \d+$", "", message)
        raise SourceError(display, line, f"not well-formed XML: {message}") from None
    for node in tree.getroot().iter(etree.Entity):
        raise SourceError(display, node.sourceline or 1, f"entity reference {node.text} is refused (entities are not expanded)")
    return tree


def localname(element: etree._Element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def slug(text: str | None) -> str | None:
    """An id in the record contract's shape from any identifier, or None."""
    if not text:
        return None
    value = re.sub(r"[^a-z0-9._-]+", "-", text.strip().lower())
    value = re.sub(r"^[^a-z0-9]+", "", value).strip("-.")
    value = value[:SLUG_MAX].rstrip("-.")
    return value if value and SLUG.match(value) else None


def safe_id(value: str, display: str, what: str) -> str:
    """Refuse ids that could name a path outside SEEDS (they are file and directory names)."""
    if not SLUG.match(value) or len(value) > SLUG_MAX or value in (".", ".."):
        raise SourceError(display, 1, f"{what} {value!r} is not a valid id ([a-z0-9][a-z0-9._-]*); it would not stay inside SEEDS")
    return value
