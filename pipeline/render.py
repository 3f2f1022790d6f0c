"""The unit of work: one record (plus its journal) in, all its rendered outputs out.

:func:`render_record` is a pure, picklable function of the model: it runs in a worker
process (``--jobs N``) and could run unchanged on a distributed engine. It calls every
writer, then the output-validation stage on what they produced. :func:`process_seed` puts
the reader in front of it so that parsing is parallel too.
"""

from __future__ import annotations

import functools
import importlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from .check import OutputProblem
from .check.outputs import check_file, check_part
from .model import Article, Journal
from .read.corpus import ParsedJournal, read_article
from .validate.diagnostics import Diagnostic

# Every output format, in the order they run. Each is a module in pipeline/writers/.
WRITERS = ("jats", "csl", "citations", "bibtex", "biblatex", "ris", "oai_dc", "crossref", "doaj")


@functools.cache
def writer_modules(names: tuple[str, ...] = WRITERS) -> tuple[ModuleType, ...]:
    return tuple(importlib.import_module(f"pipeline.writers.{name}") for name in names)


@dataclass
class RenderResult:
    key: str
    files: dict[str, bytes] = field(default_factory=dict)
    parts: dict[str, bytes] = field(default_factory=dict)
    problems: list[OutputProblem] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # stage -> seconds


def render_record(article: Article, journal: Journal, *, writers: tuple[str, ...] = WRITERS, validate: bool = True) -> RenderResult:
    result = RenderResult(article.key)
    for module in writer_modules(writers):
        started = time.perf_counter()
        rendered = module.render(article, journal)
        result.timings[f"render:{module.NAME}"] = time.perf_counter() - started
        result.files.update(rendered.files)
        result.parts.update(rendered.parts)
    if validate:
        started = time.perf_counter()
        for path, data in sorted(result.files.items()):
            result.problems.extend(check_file(path, data))
        for name, data in sorted(result.parts.items()):
            result.problems.extend(check_part(name, data, article.source or article.key))
        result.timings["check"] = time.perf_counter() - started
    return result


@dataclass(frozen=True)
class SeedTask:
    path: Path
    raw: bytes
    journal: ParsedJournal  # carried without its YAML document: languages, prefix, model
    writers: tuple[str, ...] = WRITERS
    validate: bool = True


@dataclass
class SeedResult:
    path: Path
    article: Article | None
    doi: str | None
    diagnostics: list[Diagnostic]
    rendered: RenderResult | None
    read_seconds: float


def process_seed(task: SeedTask) -> SeedResult:
    started = time.perf_counter()
    parsed = read_article(task.path, task.journal, raw=task.raw)
    read_seconds = time.perf_counter() - started
    rendered = None
    if parsed.article is not None and not parsed.diagnostics:
        rendered = render_record(parsed.article, task.journal.journal, writers=task.writers, validate=task.validate)
    return SeedResult(task.path, parsed.article, parsed.doi, parsed.diagnostics, rendered, read_seconds)
