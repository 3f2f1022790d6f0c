"""The unit of work: one record (plus its journal) in, all its rendered outputs out.

:func:`render_record` is a pure, picklable function of the model: it runs in a worker
process (``--jobs N``) and could run unchanged on a distributed engine. It calls every
writer, then the output-validation stage on what they produced. :func:`process_seed` puts
the reader in front of it so that parsing is parallel too.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from .output_checks import OutputProblem
from .output_checks.outputs import check_files, check_parts
from .model import Article, Journal
from .read.corpus import ParsedJournal, article_files, read_article
from .store.citation_cache import CitationCache
from .diagnostics import Diagnostic
from .writers.registry import WRITERS, writers as writer_specs  # noqa: F401  (WRITERS: the names, in order)
# Writers whose outputs include other writers' files (the site serves copies of them): they
# re-render whenever one of those does.
DERIVED_WRITERS = {"site": ("jats", "csl", "citations", "bibtex", "biblatex", "ris")}


@functools.cache
def writer_modules(names: tuple[str, ...] = WRITERS) -> tuple[ModuleType, ...]:
    """The writers' modules (for callers that want the module; the registry is the source)."""
    return tuple(importlib.import_module(f"pipeline.writers.{spec.module}") for spec in writer_specs(names))


@dataclass
class RenderResult:
    key: str
    files: dict[str, bytes] = field(default_factory=dict)
    parts: dict[str, bytes] = field(default_factory=dict)
    writer_files: dict[str, list[str]] = field(default_factory=dict)  # writer name -> its paths in files
    problems: list[OutputProblem] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # stage -> seconds


def render_record(article: Article, journal: Journal, *, writers: tuple[str, ...] = WRITERS, validate: bool = True,
                  citation_cache: "CitationCache | None" = None) -> RenderResult:
    result = RenderResult(article.key)
    specs = writer_specs(writers)
    produced_by = {}  # out/-relative path -> the writer that produced it
    for spec in specs:
        started = time.perf_counter()
        if spec.name == "citations" and citation_cache is not None:
            rendered = spec.render(article, journal, cache=citation_cache)  # same bytes, fewer renders
        elif spec.reads_outputs:  # the site: it gets the files made before it
            rendered = spec.render(article, journal, result.files)
        else:
            rendered = spec.render(article, journal)
        result.timings[f"render:{spec.name}"] = time.perf_counter() - started
        result.files.update(rendered.files)
        result.writer_files[spec.name] = sorted(rendered.files)
        result.parts.update(rendered.parts)
        produced_by.update((path, spec) for path in rendered.files)
    if validate:
        # Each output is checked by the validator of the writer that produced it, files in
        # path order, then the parts a validator checks.
        started = time.perf_counter()
        for path, data in sorted(result.files.items()):
            result.problems.extend(check_files(produced_by[path], {path: data}))
        for spec in sorted(specs, key=lambda s: getattr(s.validator, "part", None) or ""):
            result.problems.extend(check_parts(spec, result.parts, article.source or article.key))
        result.timings["check"] = time.perf_counter() - started
    return result


def record_hash(journal_hash: str, raw: bytes, path: Path | None = None) -> str:
    """The hash incremental publishing compares: the seed's bytes under its journal's hash
    (which covers journal.yaml, the styles it names, our code and the rendering libraries),
    and the files of the article's folder (``path``: the seed; its galleys are part of it)."""
    digest = hashlib.sha256(journal_hash.encode())
    digest.update(raw)
    for attached in article_files(path) if path is not None else ():
        digest.update(b"\0" + attached.name.encode() + b"\0" + hashlib.sha256(attached.read_bytes()).digest())
    return digest.hexdigest()


@dataclass(frozen=True)
class SeedTask:
    path: Path
    journal: ParsedJournal  # carried without its YAML document: languages, prefix, model
    journal_hash: str
    namespace: str  # OAI identifier namespace
    writers: tuple[str, ...] = WRITERS
    validate: bool = True
    keep_parts: frozenset[str] = frozenset()  # parts the journal-level writers read
    citation_cache: "CitationCache | None" = None  # formatted citations kept by content key


@dataclass(frozen=True)
class OaiRecord:
    """What the OAI-PMH store keeps of one article."""

    identifier: str
    sets: tuple[tuple[str, str], ...]  # (setSpec, setName)
    formats: dict[str, bytes]  # metadataPrefix -> payload
    content_hash: str


@dataclass
class SeedResult:
    path: Path
    hash: str
    doi: str | None
    issue_key: str | None
    diagnostics: list[Diagnostic]
    rendered: RenderResult | None  # its parts reduced to the ones journal-level writers read
    oai: OaiRecord | None
    read_seconds: float
    doi_position: tuple[int, int] = (1, 1)  # where the DOI stands, for a corpus-wide clash


def process_seed(task: SeedTask) -> SeedResult:
    """Read, validate and render one seed file. Runs in a worker: only small results go back
    (no model, and no parts that only the OAI store needs: they arrive as its payloads)."""
    from .oai.formats import content_hash, formats_from_parts
    from .oai.sets import article_sets, record_identifier

    started = time.perf_counter()
    raw = task.path.read_bytes()
    parsed = read_article(task.path, task.journal, raw=raw)
    read_seconds = time.perf_counter() - started
    article = parsed.article
    if article is None or parsed.diagnostics:
        return SeedResult(task.path, record_hash(task.journal_hash, raw, task.path), parsed.doi, None, parsed.diagnostics, None, None, read_seconds)
    journal = task.journal.journal
    rendered = render_record(article, journal, writers=task.writers, validate=task.validate, citation_cache=task.citation_cache)
    started = time.perf_counter()
    sets = article_sets(article, journal)
    specs = tuple(spec for spec, _ in sets)
    formats = formats_from_parts(rendered.parts)
    oai = OaiRecord(record_identifier(task.namespace, article.key), sets, formats, content_hash(specs, formats))
    rendered.parts = {name: data for name, data in rendered.parts.items() if name in task.keep_parts}
    rendered.timings["oai"] = time.perf_counter() - started
    where = parsed.document.position(("doi",)) if parsed.document is not None else None
    return SeedResult(task.path, record_hash(task.journal_hash, raw, task.path), parsed.doi, article.issue_key, [], rendered, oai,
                      read_seconds, (where.line, where.column) if where else (1, 1))
