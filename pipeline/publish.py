"""``publish``: seeds in, a complete and validated ``out/`` (and OAI-PMH store) out.

Stages, in order:

1. scan: read the journals; hash every article seed (with its journal and everything else
   that shapes outputs); records whose hash is in the previous manifest are not parsed again;
2. records: read, validate and render the changed records (in worker processes with
   ``--jobs``), validating each output as it is produced, and put each into the OAI-PMH
   store; every problem of every record is collected;
3. journal files: build the per-journal and per-issue files from the articles' parts;
4. commit the store transaction (open since stage 2) and swap the staging tree in as
   ``out/``. Any failure before this point leaves ``out/`` and the store as they were.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from .errors import PipelineError
from .check import OutputProblem
from .check import bundle as schema_bundle
from .check.outputs import check_files, warm_up
from .execute import make_executor
from .left_out import left_out_lines, removed_doi_warning
from .fingerprint import chunks_digest, writer_fingerprints
from .model import Journal
from .oai.sets import record_identifier
from .read.corpus import ParsedJournal, discover, display_path, read_journal, repository_identity
from .render import DERIVED_WRITERS, WRITERS, SeedResult, SeedTask, process_seed, record_hash, writer_modules
from .store.citation_cache import default_cache as default_citation_cache
from .store.manifest import LEGACY_MANIFEST, MANIFEST, PARTS_CACHE, Manifest, RecordEntry, dump_parts, load_parts, parts_path
from .store.staging import Staging, exclusive
from .writers.registry import writer as writer_spec
from .validate.diagnostics import Diagnostic, InvalidInput
from .validate.uniqueness import DoiRegister
from .writers import JournalEntry

DEFAULT_DB_NAME = "oai.sqlite3"


class OutputInvalid(PipelineError):
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
    left_out: list[str] = field(default_factory=list)  # per format and journal (left_out.py)
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # stage -> seconds (summed over workers)

    def add_time(self, stage: str, seconds: float) -> None:
        self.timings[stage] = self.timings.get(stage, 0.0) + seconds


def journal_fingerprint(parsed: ParsedJournal, raw: bytes) -> str:
    """journal.yaml plus any CSL style files it names (their content shapes citations)."""
    chunks = [raw]
    if parsed.journal is not None:
        for style in parsed.journal.citation_styles:
            path = parsed.directory / style
            if style.endswith(".csl") and path.is_file():
                chunks.append(path.read_bytes())
    return chunks_digest(*chunks)


def oai_parts() -> frozenset[str]:
    from .oai.formats import PARTS

    return PARTS


@dataclass
class _Seed:
    path: Path
    key: str  # <journal-id>/<article-id>
    hash: str
    journal: ParsedJournal
    journal_hash: str


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
    executor: str = "process",
    scheduler: str | None = None,
    writers: tuple[str, ...] = WRITERS,
    progress: Callable[[int, int], None] | None = None,
    now: datetime | None = None,
    warn: Callable[[str], None] = lambda message: None,
) -> PublishReport:
    """Publish ``seeds`` into ``out``. Raises :class:`InvalidInput` or :class:`OutputInvalid`
    (after which ``out`` and the store are untouched), or returns what was done.

    ``db`` is a SQLite path or a ``postgresql://`` URL. ``executor`` is ``process`` (the
    default: worker processes on this machine, ``jobs`` of them) or ``dask`` (a Dask cluster:
    the one at ``scheduler``, or a local one of ``jobs`` worker processes)."""
    seeds, out = Path(seeds), Path(out)
    if not seeds.is_dir():
        raise FileNotFoundError(f"seeds directory {seeds} does not exist")
    with exclusive(out):
        run = _Run(seeds, out, jobs=jobs, keep_going=keep_going, db=db, full=full, writers=writers, progress=progress, now=now)
        run.executor_kind, run.scheduler = executor, scheduler
        try:
            bundle = schema_bundle.activate(schema_bundle.locate(schemas))
            run.report.bundle = f"{bundle.root} ({bundle.origin})"
        except schema_bundle.BundleNotFound as exc:
            run.report.validation = False
            warn(f"OUTPUT VALIDATION IS OFF: {exc}")
        report = run.execute()
        for message in report.warnings:
            warn(message)
        return report


class _Run:
    """One publish: the state its stages share."""

    def __init__(self, seeds: Path, out: Path, *, jobs, keep_going, db, full, writers, progress, now):
        self.seeds, self.out = seeds, out
        self.jobs, self.keep_going, self.full = jobs, keep_going, full
        self.writers, self.progress = writers, progress
        self.now = now or datetime.now(timezone.utc).replace(microsecond=0)
        from .store.oai_store import is_database_url

        # A postgresql:// URL stays a string; anything else is a SQLite file path.
        self.db_path = db if is_database_url(db) else Path(db) if db else out / DEFAULT_DB_NAME
        self.executor_kind, self.scheduler = "process", None
        self.db_in_tree = db is None
        self.report = PublishReport()
        self.diagnostics: list[Diagnostic] = []
        self.problems: list[OutputProblem] = []
        self.datestamps: dict[str, str] = {}  # article key -> OAI datestamp
        self.dois = DoiRegister()  # unchanged records claim theirs first

    # -- stage 1: what is there, and what changed --------------------------------------

    def scan(self) -> None:
        started = time.perf_counter()
        layout = discover(self.seeds)
        previous = Manifest.load(self.out)
        fingerprints = writer_fingerprints(self.writers)
        # Writers whose code (or shared code, or libraries) changed: only their outputs are
        # re-rendered for records that did not change. All of them, or a writer dropped from
        # the list, is a full run.
        stale = [w for w in self.writers if previous.writers.get(w) != fingerprints[w]]
        if self.full or set(previous.writers) - set(self.writers) or len(stale) == len(self.writers):
            previous, stale = Manifest(), []
        if stale and any(w in oai_parts() for w in stale):
            # the store's record is made of these writers' parts: they re-render together
            stale += [w for w in self.writers if w in oai_parts() and w not in stale]
        stale += [w for w in self.writers if w not in stale and set(DERIVED_WRITERS.get(w, ())) & set(stale)]
        self.stale_writers = tuple(w for w in self.writers if w in stale)
        self.previous, self.current = previous, Manifest(writers=fingerprints)
        self.journals: list[ParsedJournal] = []
        self.seeds_found: list[_Seed] = []
        for journal_dir, article_paths in layout.journals:
            journal_file = journal_dir / "journal.yaml"
            journal_raw = journal_file.read_bytes() if journal_file.is_file() else None
            parsed = read_journal(journal_dir, journal_raw)
            self.diagnostics.extend(parsed.diagnostics)
            if parsed.journal is not None:
                parsed.journal = _resolve_styles(parsed.journal, journal_dir)
            self.journals.append(parsed)
            jhash = journal_fingerprint(parsed, journal_raw or b"")
            self.current.journals[journal_dir.name] = jhash
            light = _without_document(parsed)
            for path in article_paths:
                # Only the hash is kept: the worker reads the file again if it must be rendered.
                key = f"{journal_dir.name}/{path.stem}"
                self.seeds_found.append(_Seed(path, key, record_hash(jhash, path.read_bytes()), light, jhash))
        self.repository, repo_problems = repository_identity(layout, self.journals)
        self.diagnostics.extend(repo_problems)
        self.namespace = self.repository.namespace if self.repository else "localhost"
        self.report.add_time("read:journals", time.perf_counter() - started)

        # Unchanged records are not parsed: their hash, DOI and files come from the manifest.
        # With stale writers, they are rendered again by those writers only ("refreshed").
        self.to_process: list[_Seed] = []
        self.refreshed: set[str] = set()
        for seed in self.seeds_found:
            entry = previous.records.get(seed.key)
            if entry is not None and entry.hash == seed.hash:
                self.current.records[seed.key] = entry
                if self.stale_writers:
                    self.refreshed.add(seed.key)
                    self.to_process.append(seed)
            else:
                self.to_process.append(seed)
        present = {seed.key for seed in self.seeds_found}
        self.removed = sorted(set(previous.records) - present)
        self.changed_journals = {j for j, h in self.current.journals.items() if previous.journals.get(j) != h}
        self.changed_journals |= {seed.key.split("/")[0] for seed in self.to_process if seed.key not in self.refreshed}
        self.changed_journals |= {previous.records[k].journal for k in self.removed}

    def nothing_to_do(self) -> bool:
        changes = self.to_process or self.removed or self.changed_journals or self.diagnostics or self.stale_writers
        return not changes and self.out.is_dir() and self.store_holds_records()

    def store_holds_records(self) -> bool:
        """Whether the store exists and was published into (a new, empty database is filled
        even when out/ is up to date)."""
        if isinstance(self.db_path, Path):
            return self.db_path.is_file()
        from .store.oai_store import open_store

        store = open_store(self.db_path)
        try:
            with store.view() as view:
                return view.max_datestamp() is not None
        finally:
            store.close()

    # -- the whole run -------------------------------------------------------------------

    def execute(self) -> PublishReport:
        started = time.perf_counter()
        self.scan()
        report = self.report
        if self.nothing_to_do():
            report.unchanged = report.articles = len(self.current.records)
            report.add_time("total", time.perf_counter() - started)
            return report
        # Writers are imported only now: a run with nothing to do never loads citeproc & co.
        self.journal_writers = [m for m in writer_modules(self.writers) if writer_spec(m.NAME).has_journal_files]
        # A journal-level writer reads the parts its registry entry lists.
        self.journal_parts = frozenset(p for m in self.journal_writers for p in writer_spec(m.NAME).parts)
        from .store.oai_store import open_store

        # Opened before the staging tree exists: a database that is down or refuses the login
        # fails here, with nothing to clean up.
        store = open_store(self.db_path)
        # A run that changes a few records stages only its new files (an overlay) instead of
        # a linked copy of the whole tree; see store/staging.py.
        few = (len(self.to_process) + len(self.removed)) * 20 <= len(self.previous.records)
        self.staging = Staging(self.out, start_from_previous=bool(self.previous.records),
                               keep_out_of_tree=(DEFAULT_DB_NAME, f"{DEFAULT_DB_NAME}-wal", f"{DEFAULT_DB_NAME}-shm"),
                               overlay=few)
        try:
            # One store transaction for the whole run: records go in as they are rendered,
            # and nothing is committed unless every output turned out valid.
            with store.transaction(self.now) as tx:
                self.tx = tx
                if self.repository is not None:
                    tx.set_identity(self.repository)
                self.keep_unchanged()
                warming = self.warm_up_validators()
                self.render_changed()
                if warming is not None:
                    warming.join()
                if self.diagnostics and not self.keep_going:
                    raise InvalidInput(self.diagnostics)
                if self.problems:
                    raise OutputInvalid(self.problems)
                self.drop_removed()
                self.build_journal_files()
                if self.problems:
                    raise OutputInvalid(self.problems)
                self.current.save(self.staging.path(MANIFEST), self.previous)
                self.staging.remove(LEGACY_MANIFEST)  # replaced by the SQLite manifest
            store.close()
            if self.db_in_tree:  # the store moves with out/
                for suffix in ("", "-wal", "-shm"):
                    self.staging.adopt(self.db_path.with_name(self.db_path.name + suffix), DEFAULT_DB_NAME + suffix)
            self.staging.commit()
        except BaseException:
            self.staging.discard()
            raise
        finally:
            store.close()
        report.articles = len(self.current.records)
        report.unchanged = report.articles - report.rendered
        report.removed = len(self.removed)
        report.warnings.extend(
            removed_doi_warning(key, self.previous.records[key].doi)
            for key in self.removed if self.previous.records[key].doi
        )
        report.diagnostics = sorted(set(self.diagnostics))
        report.changed = True
        report.add_time("total", time.perf_counter() - started)
        return report

    # -- stage 2: records ----------------------------------------------------------------

    def keep_unchanged(self) -> None:
        """Unchanged records keep their OAI datestamp; one the store does not know (a new
        ``--db``, a deleted store) is rendered again so the store gets its metadata."""
        seeds_by_key = {seed.key: seed for seed in self.seeds_found}
        # One query for all of them, not a round trip per record (PostgreSQL is over a socket).
        kept = self.tx.keep_many(record_identifier(self.namespace, key) for key in self.current.records)
        for key in sorted(self.current.records):
            datestamp = kept.get(record_identifier(self.namespace, key))
            if datestamp is None:
                del self.current.records[key]
                if key in self.refreshed:  # already queued: now with every writer
                    self.refreshed.discard(key)
                else:
                    self.to_process.append(seeds_by_key[key])
                continue
            self.datestamps[key] = datestamp
            doi = self.current.records[key].doi
            if doi:
                self.dois.claim(doi, key)

    def warm_up_validators(self) -> threading.Thread | None:
        """Compile the journal-level schemas in a thread while the records render: lxml lets
        go of the GIL while libxml2 compiles, so the seconds Crossref's XSD takes overlap
        with the rendering instead of following it."""
        if not (self.report.validation and self.changed_journals and len(self.to_process) > 1):
            return None
        thread = threading.Thread(target=warm_up, name="warm-up-validators", daemon=True)
        thread.start()
        return thread

    def render_changed(self) -> None:
        citation_cache = default_citation_cache() if "citations" in self.writers else None
        tasks = [
            SeedTask(seed.path, seed.journal, seed.journal_hash, self.namespace,
                     self.stale_writers if seed.key in self.refreshed else self.writers,
                     self.report.validation, self.journal_parts, citation_cache=citation_cache)
            for seed in self.to_process
        ]
        by_path = {seed.path: seed for seed in self.to_process}
        # One record is rendered here: starting workers (or a cluster) costs more than it.
        executor = make_executor(self.jobs, self.executor_kind, self.scheduler) if len(tasks) > 1 else make_executor(1)
        try:
            for done, result in enumerate(executor.map(process_seed, tasks), start=1):
                self.absorb(by_path[result.path], result)
                if self.progress:
                    self.progress(done, len(tasks))
        finally:
            executor.close()

    def absorb(self, seed: _Seed, result: SeedResult) -> None:
        report = self.report
        report.add_time("read:articles", result.read_seconds)
        old = self.previous.records.get(seed.key)
        if result.rendered is None:  # invalid record, or its journal is (reported there)
            self.diagnostics.extend(result.diagnostics)
            self.skip(seed.key, old)
            return
        owner = self.dois.claim(result.doi, seed.key) if result.doi else None
        if owner is not None:
            line, column = result.doi_position
            self.diagnostics.append(Diagnostic(display_path(seed.path), line, column, "doi", f"DOI {result.doi} is already used by {owner}"))
            self.skip(seed.key, old)
            return
        rendered = result.rendered
        for stage, seconds in rendered.timings.items():
            report.add_time(stage, seconds)
        self.problems.extend(rendered.problems)
        journal_id, article_id = seed.key.split("/", 1)
        for relative, data in rendered.files.items():
            report.files_written += self.staging.write(relative, data)
        refreshed = seed.key in self.refreshed  # only the stale writers ran
        files = dict(old.files) if refreshed else {}
        files.update(rendered.writer_files)
        if old is not None:
            for relative in set(old.all_files()) - {path for paths in files.values() for path in paths}:
                self.staging.remove(relative)
        parts = dict(rendered.parts)
        if refreshed:  # the parts of the writers that did not run stay as they were
            previous_parts = load_parts(self.staging.read(parts_path(journal_id, article_id)) or b"{}")
            ran = {p for m in self.journal_writers if m.NAME in self.stale_writers for p in writer_spec(m.NAME).parts}
            parts = {name: data for name, data in previous_parts.items() if name not in ran} | parts
        self.staging.write(parts_path(journal_id, article_id), dump_parts(parts))
        oai = result.oai
        if not refreshed or oai_parts() & set(self.stale_writers):
            specs = tuple(spec for spec, _ in oai.sets)
            self.datestamps[seed.key] = self.tx.upsert(oai.identifier, specs, oai.content_hash, oai.formats)
        self.current.records[seed.key] = RecordEntry(
            result.hash, journal_id, result.doi, files, result.issue_key, [list(pair) for pair in oai.sets]
        )
        report.rendered += 1

    def skip(self, key: str, old: RecordEntry | None) -> None:
        """--keep-going keeps the last good version of a record that broke, if there is one."""
        datestamp = self.tx.keep(record_identifier(self.namespace, key)) if old is not None else None
        if datestamp is not None:
            self.current.records[key] = old
            self.datestamps[key] = datestamp
        else:
            self.report.skipped.append(key)

    def drop_removed(self) -> None:
        for key in self.removed:
            for relative in self.previous.records[key].all_files():
                self.staging.remove(relative)
            journal_id, article_id = key.split("/", 1)
            self.staging.remove(parts_path(journal_id, article_id))

    # -- stage 3: journal files and the store's lists -------------------------------------

    def build_journal_files(self) -> None:
        from .oai.sets import journal_set

        started = time.perf_counter()
        all_sets: dict[str, str] = {}
        present: set[str] = set()
        # Grouped once: scanning every record for every journal is journals x records.
        keys_by_journal: dict[str, list[str]] = {}
        for key, entry in self.current.records.items():
            keys_by_journal.setdefault(entry.journal, []).append(key)
        for parsed in self.journals:
            journal = parsed.journal
            if journal is None:
                continue
            spec, name = journal_set(journal)
            all_sets[spec] = name
            keys = sorted(keys_by_journal.get(journal.id, ()))
            for key in keys:
                present.add(record_identifier(self.namespace, key))
                all_sets.update((set_spec, set_name) for set_spec, set_name in self.current.records[key].sets)
            if journal.id in self.changed_journals:
                self.render_journal(journal, keys, self.journal_writers)
            else:  # only the stale writers' files, if any, are built again
                self.render_journal(journal, keys, [m for m in self.journal_writers if m.NAME in self.stale_writers])
        self.render_site_files()
        self.tx.delete_missing(present)
        self.tx.set_sets(sorted(all_sets.items()))
        self.report.add_time("journal files + store", time.perf_counter() - started)

    def render_site_files(self) -> None:
        """Files that span journals (the website's index, sitemap index, robots.txt): writers
        with ``render_site(journals)``, from the journal models only (cheap: every run)."""
        journals = [parsed.journal for parsed in self.journals if parsed.journal is not None]
        for module in self.journal_writers:
            if hasattr(module, "render_site"):
                for relative, data in sorted(module.render_site(journals).items()):
                    self.report.files_written += self.staging.write(relative, data)

    def render_journal(self, journal: Journal, keys: list[str], modules: list) -> None:
        previous_files = self.previous.journal_files.get(journal.id, {})
        current_files = self.current.journal_files[journal.id] = dict(previous_files)
        for module in modules:
            produced: set[str] = set()
            # One writer at a time, each with only its own parts: memory stays at one
            # writer's share of one journal, whatever the corpus size.
            names = frozenset(writer_spec(module.NAME).parts)
            entries = []
            for key in keys:
                article_id = key.split("/", 1)[1]
                relative = parts_path(journal.id, article_id)
                parts = PARTS_CACHE.load(relative, self.staging.locate(relative), names)
                entry = self.current.records[key]
                entries.append(JournalEntry(article_id, entry.issue_key, self.datestamps[key], parts))
            started = time.perf_counter()
            files = module.render_journal(journal, entries)
            self.report.add_time(f"render_journal:{module.NAME}", time.perf_counter() - started)
            if module.NAME in ("crossref", "doaj"):
                dois = {key.split("/", 1)[1]: self.current.records[key].doi for key in keys}
                self.report.left_out.extend(left_out_lines(module.NAME, module.PART, journal, entries, dois))
            del entries
            for relative, data in sorted(files.items()):
                produced.add(relative)
                if self.staging.write(relative, data):
                    self.report.files_written += 1
                    if self.report.validation:
                        started = time.perf_counter()
                        self.problems.extend(check_files(writer_spec(module.NAME), {relative: data}))
                        self.report.add_time("check", time.perf_counter() - started)
            for relative in set(previous_files.get(module.NAME, [])) - produced:
                self.staging.remove(relative)
            current_files[module.NAME] = sorted(produced)
