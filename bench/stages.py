"""Per-stage cost of one record, in this process: wall time *and* CPU time.

``PublishReport.timings`` holds wall time summed over workers, which on a shared machine
also counts the time a worker waited for a CPU. This probe runs the same stages (reader,
each writer, each output validator, each journal-level writer) one record at a time in one
process and reads both clocks around each, so CPU time per record stays meaningful when
other work competes for the cores. The first record is run apart: what it costs beyond a
warm record is the one-off set-up (schemas, DTDs, styles) every worker process pays.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.schema_bundle import bundle as schema_bundle
from pipeline.output_checks.outputs import check_files, check_parts
from pipeline.read.corpus import discover, read_article, read_journal
from pipeline.rendering import WRITERS
from pipeline.writers import JournalEntry
from pipeline.writers.registry import Validator, writers as writer_specs


@dataclass
class StageCost:
    wall: float = 0.0  # seconds
    cpu: float = 0.0
    calls: int = 0


@dataclass
class StageProbe:
    records: int = 0
    per_record: dict[str, StageCost] = field(default_factory=dict)  # summed over warm records
    first_record: dict[str, StageCost] = field(default_factory=dict)  # the cold record alone
    journal_level: dict[str, StageCost] = field(default_factory=dict)  # render_journal + its checks, cold
    problems: int = 0

    def ms_per_record(self, stage: str) -> tuple[float, float]:
        cost = self.per_record.get(stage)
        if cost is None or not self.records:
            return (0.0, 0.0)
        return (1000 * cost.wall / self.records, 1000 * cost.cpu / self.records)

    def setup_ms(self, stage: str) -> tuple[float, float]:
        """What the first (cold) record paid for ``stage`` beyond a warm one."""
        first = self.first_record.get(stage)
        if first is None:
            return (0.0, 0.0)
        warm_wall, warm_cpu = self.ms_per_record(stage)
        return (max(0.0, 1000 * first.wall - warm_wall), max(0.0, 1000 * first.cpu - warm_cpu))


class _Clock:
    def __init__(self, into: dict[str, StageCost]):
        self.into = into

    def __call__(self, stage: str, fn, *args):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn(*args)
        cost = self.into.setdefault(stage, StageCost())
        cost.wall += time.perf_counter() - wall
        cost.cpu += time.process_time() - cpu
        cost.calls += 1
        return result


def _validator_name(spec) -> str | None:
    """``check:<validator module>`` for a writer whose files are validated, else None."""
    validator = spec.validator
    if not isinstance(validator, Validator) or validator.part is not None:
        return None
    return f"check:{validator.target.split(':')[0].rsplit('.', 1)[-1]}"


def _spread(paths: list[Path], count: int) -> list[Path]:
    """``count`` paths spread evenly over the corpus (every journal is represented)."""
    if count >= len(paths):
        return list(paths)
    step = len(paths) / count
    return [paths[int(i * step)] for i in range(count)]


def available_writers(names: tuple[str, ...] = WRITERS) -> tuple[tuple[str, ...], dict[str, str]]:
    """The writers that import, and why each other one does not."""
    import importlib
    import importlib.util

    ready, missing = [], {}
    for name in names:
        module_name = f"pipeline.writers.{name}"
        if importlib.util.find_spec(module_name) is None:
            missing[name] = "module not found"
            continue
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:  # a writer still being written must not stop the benchmark
            missing[name] = f"import failed: {type(exc).__name__}: {exc}"
            continue
        if not hasattr(module, "render"):
            missing[name] = "no render() function"
            continue
        ready.append(name)
    return tuple(ready), missing


def probe(seeds: Path, sample: int, writers: tuple[str, ...]) -> StageProbe:
    schema_bundle.activate(schema_bundle.locate(None))
    layout = discover(seeds)
    journals = {journal_dir.name: read_journal(journal_dir) for journal_dir, _ in layout.journals}
    paths = [p for _, article_paths in layout.journals for p in article_paths]
    chosen = _spread(paths, sample + 1)
    specs = writer_specs(writers)
    result = StageProbe()
    entries: dict[str, list[JournalEntry]] = defaultdict(list)
    for index, path in enumerate(chosen):
        cold = index == 0
        clock = _Clock(result.first_record if cold else result.per_record)
        parsed_journal = journals[path.parent.parent.name]
        raw = path.read_bytes()
        parsed = clock("read", read_article, path, parsed_journal, raw)
        if parsed.article is None:
            result.problems += len(parsed.diagnostics)
            continue
        article, journal = parsed.article, parsed_journal.journal
        files: dict[str, bytes] = {}
        parts: dict[str, bytes] = {}
        produced_by = {}
        for spec in specs:
            if spec.reads_outputs:  # the site gets the files made before it, as in a publish
                rendered = clock(f"render:{spec.name}", spec.render, article, journal, dict(files))
            else:
                rendered = clock(f"render:{spec.name}", spec.render, article, journal)
            files.update(rendered.files)
            parts.update(rendered.parts)
            produced_by.update((relative, spec) for relative in rendered.files)
        for relative, data in sorted(files.items()):
            name = _validator_name(produced_by[relative])
            if name:
                result.problems += len(clock(name, check_files, produced_by[relative], {relative: data}))
        for spec in specs:
            part = getattr(spec.validator, "part", None)
            if part is not None and part in parts:
                result.problems += len(clock(f"check:part:{part}", check_parts, spec, parts, str(path)))
        entries[journal.id].append(JournalEntry(article.id, article.issue_key, "2024-01-01T00:00:00Z", parts))
        if not cold:
            result.records += 1
    # Journal-level writers once over the sample: mostly their one-off set-up (the Crossref XSD).
    clock = _Clock(result.journal_level)
    for journal_id, journal_entries in sorted(entries.items()):
        journal = journals[journal_id].journal
        for spec in specs:
            if not spec.has_journal_files:
                continue
            produced = clock(f"render_journal:{spec.name}", spec.render_journal, journal, journal_entries)
            for relative, data in sorted(produced.items()):
                name = _validator_name(spec)
                if name:
                    result.problems += len(clock(f"{name} (journal files)", check_files, spec, {relative: data}))
    return result
