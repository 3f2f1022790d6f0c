"""The registry of writers: one entry per output format, and the only list of them.

An entry names the writer's module (imported on first use: a publish with nothing to do
never loads citeproc or a schema), its functions, the parts it produces, its place in the
``out/`` layout and how its outputs are validated. A writer without an official schema says
so with :class:`NoValidator` and a reason; output validation finds a validator through the
writer that produced a file, never through the file's path.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from typing import Callable

from ..layout import LAYOUTS, Layout
from .parts import (BIBLATEX_PART, BIBTEX_PART, CROSSREF_ISSUE_PART, CROSSREF_PART, CSL_PART, DOAJ_PART, JATS_PART,
                    OAI_DC_PART, RIS_PART, SITE_PART)


@dataclass(frozen=True)
class Validator:
    """``target`` is ``"module:function"``, called with ``(data, where)``. It checks every file
    the writer produces, or, when ``part`` is given, that part instead (a writer whose output
    only lives inside the OAI-PMH store)."""

    target: str
    part: str | None = None


@dataclass(frozen=True)
class NoValidator:
    reason: str  # why no official schema checks this format


@dataclass(frozen=True)
class WriterSpec:
    name: str
    module: str  # the module in pipeline.writers, e.g. "jats"
    validator: Validator | NoValidator
    parts: tuple[str, ...] = ()  # the parts render() produces and render_journal() reads
    has_journal_files: bool = False  # whether the module defines render_journal()
    reads_outputs: bool = False  # render() also gets the files the writers before it made

    @property
    def layout(self) -> Layout:
        return LAYOUTS[self.name]

    @property
    def files_per_issue(self) -> bool:
        """Whether every journal-level file of this writer is one issue's batch (Crossref,
        DOAJ), built from that issue's articles alone: a publish that changes one issue
        rebuilds only that issue's file."""
        return self.has_journal_files and self.layout.issue is not None and self.layout.journal is None

    @property
    def render(self) -> Callable:
        return _module(self.module).render

    @property
    def render_journal(self) -> Callable | None:
        return _module(self.module).render_journal if self.has_journal_files else None

    @property
    def render_site(self) -> Callable | None:
        """``render_site(journals)``: the files that span journals (the site's index), if the
        writer makes any."""
        return getattr(_module(self.module), "render_site", None) if self.has_journal_files else None


@functools.cache
def _module(name: str):
    # Named relative to this package on purpose: pipeline.fingerprint reads "pipeline.x.y"
    # strings as imports, and the registry is imported by every publish, so full names here
    # would put every writer into every writer's fingerprint.
    return importlib.import_module(f"{__package__}.{name}")


_NO_SCHEMA_BIB = "BibTeX has no schema; bibtex/biber consume it in the tests"

# In the order they run.
REGISTRY: tuple[WriterSpec, ...] = (
    WriterSpec("jats", "jats", Validator("pipeline.output_checks.jats:validate_jats"), (JATS_PART,)),
    WriterSpec("csl", "csl", Validator("pipeline.output_checks.csl:validate_csl"), (CSL_PART,), True),
    WriterSpec("citations", "citations", NoValidator("formatted text and HTML have no schema")),
    WriterSpec("bibtex", "bibtex", NoValidator(_NO_SCHEMA_BIB), (BIBTEX_PART,), True),
    WriterSpec("biblatex", "biblatex", NoValidator(_NO_SCHEMA_BIB), (BIBLATEX_PART,), True),
    WriterSpec("ris", "ris", NoValidator("RIS has no schema"), (RIS_PART,), True),
    WriterSpec("oai_dc", "oai_dc", Validator("pipeline.output_checks.oai:check_oai_dc", part=OAI_DC_PART),
               (OAI_DC_PART,)),
    WriterSpec("crossref", "crossref", Validator("pipeline.output_checks.crossref:validate_crossref"),
               (CROSSREF_PART, CROSSREF_ISSUE_PART), True),
    WriterSpec("doaj", "doaj", Validator("pipeline.output_checks.doaj:validate_doaj"), (DOAJ_PART,), True),
    # The site lays out its own pages under layout.SITE_ROOT; the files it copies from the other
    # writers it finds through layout.article_path and layout.citation_path.
    WriterSpec("site", "site", NoValidator("HTML pages have no official schema; tests/test_site*.py check them"),
               (SITE_PART,), True, reads_outputs=True),
)
WRITERS: tuple[str, ...] = tuple(spec.name for spec in REGISTRY)
_BY_NAME = {spec.name: spec for spec in REGISTRY}


def writer(name: str) -> WriterSpec:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown writer {name!r} (known: {', '.join(WRITERS)})") from None


def writers(names: tuple[str, ...] = WRITERS) -> tuple[WriterSpec, ...]:
    return tuple(writer(name) for name in names)
