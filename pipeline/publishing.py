"""``publish``: seeds in, a complete and validated ``out/`` (and OAI-PMH store) out.

A publish is decided first, then done:

1. :func:`scan` reads the journals, hashes every article seed (under its journal's hash,
   which covers everything else that shapes outputs) and compares with the manifest the
   last publish left. Its result is a frozen :class:`Plan`: which records to render with
   every writer, which unchanged ones to re-render with upgraded writers only, which to
   keep, which to remove, and which journals' files to rebuild. Nothing is written yet.
2. :class:`_Publication` applies a plan, in one store transaction and one staging tree:
   it renders the planned records (in worker processes with ``--jobs``), validating each
   output as it is produced and putting each record into the OAI-PMH store; then it builds
   the per-journal and per-issue files from the articles' parts, and the next manifest.
3. :func:`publish` commits the store transaction and swaps the staging tree in as
   ``out/``. Any failure before this point leaves ``out/`` and the store as they were.

How to publish (jobs, store, executor, writers...) is one :class:`PublishOptions`, which the
command line, :mod:`pipeline.api` and :mod:`pipeline.watch` all pass as it is.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from types import MappingProxyType
from typing import Callable, Mapping

from .errors import PipelineError
from .output_checks import OutputProblem
from .schema_bundle import bundle as schema_bundle
from .output_checks.outputs import check_files, warm_up
from .left_out import DEPOSIT_PARTS, left_out_lines, removed_doi_warning
from .fingerprint import chunks_digest, writer_fingerprints
from .model import Journal, OaiIdentity
from .oai.sets import record_identifier
from .read.corpus import JOURNAL_FILE, ParsedJournal, article_files, discover, display_path, read_journal, repository_identity
from .read.site_files import site_file_paths
from .rendering import DERIVED_WRITERS, WRITERS, OaiRecord, SeedResult, SeedTask, process_seed, record_hash
from .store.citation_cache import default_cache as default_citation_cache
from .store.manifest import (GENERATION, LEGACY_MANIFEST, MANIFEST, PARTS_CACHE, Manifest, NextRecords, RecordEntry, dump_parts,
                             load_parts, parts_path)
from .store.staging import Staging, exclusive
from .writers.registry import WriterSpec, writers as writer_specs
from .diagnostics import Diagnostic, InvalidInput
from .input_checks.uniqueness import DoiRegister
from .writers import JournalEntry
from .writers.shared import batch_name
from .layout import issue_path

DEFAULT_DB_NAME = "oai.sqlite3"
# Rendered records go into the OAI store this many at a time (their metadata is held until
# then: a few MB).
STORE_BATCH = 256


class OutputInvalid(PipelineError):
    """Some emitted file failed its official schema; nothing was published."""

    def __init__(self, problems: list[OutputProblem]):
        self.problems = problems
        super().__init__(f"{len(problems)} output file problem{'s' if len(problems) != 1 else ''}")


@dataclass(frozen=True)
class PublishOptions:
    """How to publish: everything but where from, where to, and the callbacks."""

    jobs: int | None = None  # worker processes (None: one per CPU)
    keep_going: bool = False  # publish the valid records, report the rest
    schemas: Path | str | None = None  # the official schema bundle (None: looked for, see check/bundle.py)
    db: Path | str | None = None  # the OAI-PMH store: a SQLite path or a postgresql:// URL (None: OUT/oai.sqlite3)
    full: bool = False  # re-render everything, ignoring the last publish's manifest
    executor: str = "process"  # "process" (workers here) or "dask" (a Dask cluster)
    scheduler: str | None = None  # with "dask": an existing scheduler's address (None: a local cluster)
    writers: tuple[str, ...] = WRITERS
    now: datetime | None = None  # the clock of new OAI datestamps (None: the time of the publish)

    def store_location(self, out: Path) -> Path | str:
        """A ``postgresql://`` URL stays a string; anything else is a SQLite file path."""
        from .store.oai_store import is_database_url

        return self.db if is_database_url(self.db) else Path(self.db) if self.db else out / DEFAULT_DB_NAME

    @property
    def store_in_tree(self) -> bool:
        """Whether the store is ``out/oai.sqlite3`` and so moves with ``out/``."""
        return self.db is None


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
    """journal.yaml plus any CSL style files it names (their content shapes citations) and
    the journal's website files (templates/, assets/, logo)."""
    return _journal_digest(parsed.directory, raw, parsed.journal.citation_styles if parsed.journal is not None else ())


def _journal_digest(directory: Path, raw: bytes, styles) -> str:
    """:func:`journal_fingerprint` from the styles journal.yaml names, without reading it
    (a scan that finds journal.yaml unchanged takes them from the manifest)."""
    chunks = [raw]
    for style in styles:
        path = directory / style
        if style.endswith(".csl") and path.is_file():
            chunks.append(path.read_bytes())
    for path in site_file_paths(directory):
        chunks += [path.relative_to(directory).as_posix().encode(), path.read_bytes()]
    return chunks_digest(*chunks)


# A seed modified this recently is hashed again next time even if its state looks the same:
# a save in the same clock tick as our stat could leave size and times unchanged.
_RACY_SECONDS = 2


def _seed_state(path: Path, recent_ns: int) -> str | None:
    """The seed's state and that of each file in its article folder (galleys: they are part
    of the record's hash), as one string; None when any of them changed after ``recent_ns``
    (too recent to be trusted next time)."""
    states = []
    for name, file in [("", path)] + [(attached.name, attached) for attached in article_files(path)]:
        status = os.stat(file)
        if max(status.st_mtime_ns, status.st_ctime_ns) >= recent_ns:
            return None
        states.append(f"{name}:{status.st_size}:{status.st_mtime_ns}:{status.st_ctime_ns}:{status.st_ino}")
    return "|".join(states)


def oai_parts() -> frozenset[str]:
    from .oai.formats import PARTS

    return PARTS


def _resolve_styles(journal: Journal, journal_dir: Path) -> Journal:
    """Style paths in journal.yaml are relative to the journal directory; writers get absolute ones."""
    styles = tuple(str((journal_dir / s).resolve()) if s.endswith(".csl") else s for s in journal.citation_styles)
    return replace(journal, citation_styles=styles)


# -- the plan ------------------------------------------------------------------------------

@dataclass(frozen=True)
class SeedFile:
    """One article seed as the scan found it (only its hash is kept: a worker reads the file
    again if it must be rendered)."""

    path: Path
    key: str  # <journal-id>/<article-id>
    hash: str  # record_hash: the seed's bytes under its journal's hash
    journal: ParsedJournal | None  # carried without its YAML document (None: journals not read)
    journal_hash: str
    stat: str | None = None  # the file's state, when old enough to be trusted next time

    @property
    def journal_id(self) -> str:
        return self.key.split("/", 1)[0]


@dataclass(frozen=True)
class Plan:
    """What one publish will do, decided before anything is written (see :func:`scan`).

    Every seed found is in exactly one of ``render`` (new or changed: every writer renders
    it) and ``kept`` (unchanged since the last publish: its files and manifest entry carry
    over); ``refresh`` is the part of ``kept`` that the ``stale_writers`` (whose code
    changed) render again. ``removed`` are records of the last publish whose seed is gone.
    ``changed_journals`` get every journal-level file rebuilt; the others only the stale
    writers' ones."""

    writers: tuple[str, ...]
    fingerprints: Mapping[str, str]  # writer -> code fingerprint, for the next manifest
    journals: tuple[ParsedJournal, ...]
    journal_hashes: Mapping[str, str]  # journal id -> journal_fingerprint
    journal_styles: Mapping[str, tuple[str, ...]]  # journal id -> its citation-styles, as journal.yaml names them
    repository: OaiIdentity | None
    diagnostics: tuple[Diagnostic, ...]  # of the journals and the repository identity
    seeds: tuple[SeedFile, ...]  # every article seed found, in discovery order
    render: tuple[str, ...]
    kept: tuple[str, ...]
    refresh: tuple[str, ...]
    removed: tuple[str, ...]
    stale_writers: tuple[str, ...]
    changed_journals: frozenset[str]
    previous: Manifest = field(compare=False, repr=False)  # what the last publish left (read on demand)
    repository_hash: str | None = None  # of repository.yaml ("": there is none)
    # Whether the journals were read (parsed and validated). A scan that finds nothing
    # changed skips that, and the imports it needs; applying a plan needs them read.
    journals_read: bool = True
    seconds: float = field(default=0.0, compare=False)  # what the scan took

    @property
    def namespace(self) -> str:
        return self.repository.namespace if self.repository else "localhost"

    @property
    def is_empty(self) -> bool:
        """Nothing changed: no record to render or remove, no journal or writer changed, and
        no problem to report."""
        return not (self.render or self.refresh or self.removed or self.changed_journals or self.stale_writers
                    or self.diagnostics)

    @property
    def few_changes(self) -> bool:
        """At most one record in twenty is rendered or removed: the staging tree then holds
        only the new files (an overlay) instead of a linked copy of the whole tree."""
        return (len(self.render) + len(self.refresh) + len(self.removed)) * 20 <= len(self.previous.records)

    @functools.cached_property
    def seed_by_key(self) -> Mapping[str, SeedFile]:
        return MappingProxyType({seed.key: seed for seed in self.seeds})

    def with_lost_records(self, keys: set[str]) -> "Plan":
        """This plan after the store turned out not to hold some kept records live (a new
        ``--db``, a deleted store): those are rendered again with every writer, so the store
        gets their metadata. Their outputs are what they were, so their journals' files are
        not rebuilt for them."""
        lost = [key for key in self.kept if key in keys]
        if not lost:
            return self
        return replace(
            self,
            render=self.render + tuple(lost),
            kept=tuple(key for key in self.kept if key not in keys),
            refresh=tuple(key for key in self.refresh if key not in keys),
        )


def _without_document(parsed: ParsedJournal) -> ParsedJournal:
    return replace(parsed, document=None, diagnostics=[])


def _stale_writers(writers: tuple[str, ...], recorded: Mapping[str, str], fingerprints: Mapping[str, str]) -> tuple[str, ...] | None:
    """The writers whose code (or shared code, or libraries) changed since the last publish:
    only their outputs are re-rendered for records that did not change. None when that is
    all of them, or when a writer was dropped from the list: a full run."""
    stale = [w for w in writers if recorded.get(w) != fingerprints[w]]
    if set(recorded) - set(writers) or len(stale) == len(writers):
        return None
    if any(w in oai_parts() for w in stale):
        # the store's record is made of these writers' parts: they re-render together
        stale += [w for w in writers if w in oai_parts() and w not in stale]
    stale += [w for w in writers if w not in stale and set(DERIVED_WRITERS.get(w, ())) & set(stale)]
    return tuple(w for w in writers if w in stale)


def scan(seeds: Path, out: Path, options: PublishOptions = PublishOptions(), *, read_journals: bool = False) -> Plan:
    """Compare ``seeds`` with what the last publish into ``out`` left: the plan of this one.

    Writes nothing. Each seed costs a ``stat``: it is read and hashed only when its size or
    times differ from the manifest's (or its journal changed). The journals are read
    (parsed and validated) only when something changed or ``read_journals`` is set: a run
    with nothing to do never loads the YAML parser or the validators."""
    started = time.perf_counter()
    writers = options.writers
    layout = discover(seeds)
    previous = Manifest.load(out)
    fingerprints = writer_fingerprints(writers)
    stale = _stale_writers(writers, previous.writers, fingerprints)
    repository_hash = chunks_digest(layout.repository.read_bytes()) if layout.repository else ""
    # A new repository identity (its namespace is in every OAI identifier) is a full run.
    if options.full or stale is None or previous.repository not in (None, repository_hash):
        previous.close()
        previous, stale = Manifest(), ()

    # journal.yaml (and what it names) unchanged since a publish that reported no problem:
    # its hash is recomputed from the styles the manifest recorded, without parsing it.
    raws = {}
    journal_hashes: dict[str, str] = {}
    for journal_dir, _ in layout.journals:
        journal_file = journal_dir / JOURNAL_FILE
        raws[journal_dir.name] = raw = journal_file.read_bytes() if journal_file.is_file() else None
        styles = previous.journal_styles.get(journal_dir.name)
        if raw is not None and styles is not None and previous.clean:
            digest = _journal_digest(journal_dir, raw, styles)
            if digest == previous.journals.get(journal_dir.name):
                journal_hashes[journal_dir.name] = digest
    read_journals = read_journals or len(journal_hashes) < len(layout.journals)

    states = previous.states()
    recent = time.time_ns() - _RACY_SECONDS * 1_000_000_000
    hashed: list[tuple[Path, str, str | None, str | None]] = []  # path, key, hash (None: not yet), state
    for journal_dir, article_paths in layout.journals:
        jhash = journal_hashes.get(journal_dir.name)
        for path in article_paths:
            key = f"{journal_dir.name}/{path.stem}"
            state = _seed_state(path, recent)
            recorded = states.get(key)
            digest = None  # not known until its journal is read
            if jhash is not None and recorded is not None:
                same = state is not None and recorded[1] == state
                digest = recorded[0] if same else record_hash(jhash, path.read_bytes(), path)
            hashed.append((path, key, digest, state))
    present = {key for _, key, _, _ in hashed}
    removed = sorted(set(states) - present)
    unchanged = all(digest is not None and digest == states[key][0] for _, key, digest, _ in hashed)
    if not read_journals and unchanged and not removed:
        return Plan(  # nothing changed: the journals stay unread
            writers=writers, fingerprints=MappingProxyType(dict(fingerprints)), journals=(),
            journal_hashes=MappingProxyType(journal_hashes), repository=None, diagnostics=(),
            journal_styles=MappingProxyType({j: tuple(previous.journal_styles[j]) for j in journal_hashes}),
            seeds=tuple(SeedFile(path, key, digest, None, journal_hashes[key.split("/", 1)[0]], state)
                        for path, key, digest, state in hashed),
            render=(), kept=tuple(key for _, key, _, _ in hashed), refresh=tuple(key for _, key, _, _ in hashed) if stale else (),
            removed=(), stale_writers=stale, changed_journals=frozenset(), previous=previous,
            repository_hash=repository_hash, journals_read=False, seconds=time.perf_counter() - started,
        )

    journals: list[ParsedJournal] = []
    diagnostics: list[Diagnostic] = []
    light: dict[str, ParsedJournal] = {}
    styles: dict[str, tuple[str, ...]] = {}
    for journal_dir, _ in layout.journals:
        parsed = read_journal(journal_dir, raws[journal_dir.name])
        diagnostics.extend(parsed.diagnostics)
        journal_hashes[journal_dir.name] = journal_fingerprint(parsed, raws[journal_dir.name] or b"")
        if parsed.journal is not None:
            styles[journal_dir.name] = tuple(parsed.journal.citation_styles)
            parsed.journal = _resolve_styles(parsed.journal, journal_dir)
        journals.append(parsed)
        light[journal_dir.name] = _without_document(parsed)
    repository, repo_problems = repository_identity(layout, journals)
    diagnostics.extend(repo_problems)

    found: list[SeedFile] = []
    render: list[str] = []
    kept: list[str] = []
    for path, key, digest, state in hashed:
        journal_id = key.split("/", 1)[0]
        jhash = journal_hashes[journal_id]
        if digest is None:
            digest = record_hash(jhash, path.read_bytes(), path)
        found.append(SeedFile(path, key, digest, light[journal_id], jhash, state))
        recorded = states.get(key)
        (kept if recorded is not None and recorded[0] == digest else render).append(key)
    changed_journals = {j for j, h in journal_hashes.items() if previous.journals.get(j) != h}
    changed_journals |= {key.split("/", 1)[0] for key in render}
    changed_journals |= {previous.records[key].journal for key in removed}
    return Plan(
        writers=writers, fingerprints=MappingProxyType(dict(fingerprints)), journals=tuple(journals),
        journal_hashes=MappingProxyType(journal_hashes), repository=repository, diagnostics=tuple(diagnostics),
        journal_styles=MappingProxyType(styles), seeds=tuple(found), render=tuple(render), kept=tuple(kept), refresh=tuple(kept) if stale else (),
        removed=tuple(removed), stale_writers=stale, changed_journals=frozenset(changed_journals),
        previous=previous, repository_hash=repository_hash, seconds=time.perf_counter() - started,
    )


# -- the whole run -------------------------------------------------------------------------

def publish(
    seeds: Path | str,
    out: Path | str,
    options: PublishOptions | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    warn: Callable[[str], None] = lambda message: None,
    **overrides,
) -> PublishReport:
    """Publish ``seeds`` into ``out``. Raises :class:`InvalidInput` or :class:`OutputInvalid`
    (after which ``out`` and the store are untouched), or returns what was done.

    ``options`` says how (:class:`PublishOptions`); keyword ``overrides`` replace single
    fields of it (``publish(seeds, out, jobs=1)``). ``progress(done, total)`` is called as
    records are rendered, ``warn(message)`` for what the report's warnings also hold."""
    options = replace(options or PublishOptions(), **overrides)
    seeds, out = Path(seeds), Path(out)
    if not seeds.is_dir():
        raise FileNotFoundError(f"seeds directory {seeds} does not exist")
    with exclusive(out):
        report = PublishReport()
        try:
            bundle = schema_bundle.activate(schema_bundle.locate(options.schemas))
            report.bundle = f"{bundle.root} ({bundle.origin})"
        except schema_bundle.BundleNotFound as exc:
            report.validation = False
            warn(f"OUTPUT VALIDATION IS OFF: {exc}")
        started = time.perf_counter()
        plan = scan(seeds, out, options)
        report.add_time("read:journals", plan.seconds)
        try:
            if plan.is_empty and out.is_dir() and _store_holds_records(options.store_location(out)):
                report.unchanged = report.articles = len(plan.kept)
            else:
                if not plan.journals_read:  # nothing changed, but the store must be filled again
                    plan.previous.close()
                    plan = scan(seeds, out, options, read_journals=True)
                _apply(plan, out, options, report, progress)
        finally:
            plan.previous.close()
        report.add_time("total", time.perf_counter() - started)
        for message in report.warnings:
            warn(message)
        return report


def _store_holds_records(location: Path | str) -> bool:
    """Whether the store exists and was published into (a new, empty database is filled
    even when out/ is up to date)."""
    if isinstance(location, Path):
        return location.is_file()
    from .store.oai_store import open_store

    store = open_store(location)
    try:
        with store.view() as view:
            return view.max_datestamp() is not None
    finally:
        store.close()


def _apply(plan: Plan, out: Path, options: PublishOptions, report: PublishReport,
           progress: Callable[[int, int], None] | None) -> None:
    """Carry the plan out into a staging tree and one store transaction, then commit both."""
    from .store.oai_store import open_store

    location = options.store_location(out)
    now = options.now or datetime.now(timezone.utc).replace(microsecond=0)
    # Opened before the staging tree exists: a database that is down or refuses the login
    # fails here, with nothing to clean up.
    store = open_store(location)
    # The store and the manifest are written in place, not linked into a copied tree.
    staging = Staging(out, start_from_previous=bool(plan.previous.records),
                      keep_out_of_tree=(DEFAULT_DB_NAME, f"{DEFAULT_DB_NAME}-wal", f"{DEFAULT_DB_NAME}-shm", MANIFEST),
                      overlay=plan.few_changes)
    try:
        # One store transaction for the whole run: records go in as they are rendered, and
        # nothing is committed unless every output turned out valid.
        with store.transaction(now) as tx:
            if plan.repository is not None:
                tx.set_identity(plan.repository)
            # Kept records keep their OAI datestamp; one query for all of them, not a round
            # trip per record (PostgreSQL is over a socket).
            identifiers = {record_identifier(plan.namespace, key): key for key in plan.kept}
            live = {identifiers[i]: datestamp for i, datestamp in tx.keep_many(identifiers).items()}
            plan = plan.with_lost_records(set(plan.kept) - set(live))
            publication = _Publication(plan, options, staging, tx, report, live, progress)
            publication.run()
        store.close()
        publication.commit_manifest(out)
        if options.store_in_tree:  # the store moves with out/
            for suffix in ("", "-wal", "-shm"):
                staging.adopt(location.with_name(location.name + suffix), DEFAULT_DB_NAME + suffix)
        staging.commit()
    except BaseException:
        staging.discard()
        raise
    finally:
        store.close()
    current = publication.current
    report.articles = len(current.records)
    report.unchanged = report.articles - report.rendered
    report.removed = len(plan.removed)
    report.warnings.extend(
        removed_doi_warning(key, plan.previous.records[key].doi)
        for key in plan.removed if plan.previous.records[key].doi
    )
    report.diagnostics = sorted(set(publication.diagnostics))
    report.changed = True


class _Publication:
    """Applies one :class:`Plan` into a staging tree and an open store transaction. Every
    piece of state is set here; :meth:`run` does the stages in their order."""

    def __init__(self, plan: Plan, options: PublishOptions, staging: Staging, tx, report: PublishReport,
                 datestamps: dict[str, str], progress: Callable[[int, int], None] | None = None):
        self.plan, self.options, self.staging, self.tx, self.report = plan, options, staging, tx, report
        self.progress = progress
        self.previous = plan.previous
        # The next manifest: kept records carry their entries over (the same objects, which
        # is how saving it tells them from changed ones); rendered ones are added as they come.
        # The next manifest, as a delta over the previous one: kept records stay its rows.
        self.records = NextRecords(plan.previous, plan.kept)
        self.current = Manifest(
            writers=dict(plan.fingerprints), records=self.records, journals=dict(plan.journal_hashes),
            repository=plan.repository_hash, journal_styles={j: list(names) for j, names in plan.journal_styles.items()})
        states = plan.previous.states()
        for key in plan.kept:
            state = plan.seed_by_key[key].stat
            if states[key][1] != state:  # a seed saved again with the same bytes: its new state is remembered
                self.records.restate(key, state)
        self.datestamps = dict(datestamps)  # article key -> OAI datestamp
        self.store_queue: dict[str, tuple[str, OaiRecord]] = {}  # OAI identifier -> (key, OaiRecord): rendered, not yet stored
        self.diagnostics: list[Diagnostic] = list(plan.diagnostics)
        self.problems: list[OutputProblem] = []
        self.dois = DoiRegister()  # kept records claim theirs first
        for key in sorted(plan.kept):
            doi = self.current.records[key].doi
            if doi:
                self.dois.claim(doi, key)
        self.refreshed = frozenset(plan.refresh)  # only the stale writers render these
        # Writers are imported only now: a run with nothing to do never loads citeproc & co.
        self.journal_writers: tuple[WriterSpec, ...] = tuple(s for s in writer_specs(plan.writers) if s.has_journal_files)
        # A journal-level writer reads the parts its registry entry lists.
        self.journal_parts = frozenset(p for spec in self.journal_writers for p in spec.parts)

    def run(self) -> None:
        warming = self.warm_up_validators()
        self.render_planned()
        if warming is not None:
            warming.join()
        if self.diagnostics and not self.options.keep_going:
            raise InvalidInput(self.diagnostics)
        if self.problems:
            raise OutputInvalid(self.problems)
        self.drop_removed()
        self.build_journal_files()
        if self.problems:
            raise OutputInvalid(self.problems)
        # Unchanged journals are not read again next time only after a run without problems.
        self.current.clean = not self.diagnostics
        self.current.generation = self.current.next_generation(self.previous)
        self.staging.write(GENERATION, self.current.generation.encode() + b"\n")
        if not self.current.is_delta_of(self.previous):  # else written in place at the commit point
            self.current.save(self.staging.path(MANIFEST), self.previous)
        self.staging.remove(LEGACY_MANIFEST)  # replaced by the SQLite manifest

    def commit_manifest(self, out: Path) -> None:
        """The next manifest, when it is a delta over the previous one: written into it in
        place (after the store's commit, before the tree's: see store/manifest.py)."""
        if self.current.is_delta_of(self.previous):
            self.previous.close()
            self.current.apply_delta(out / MANIFEST)
            self.staging.adopt(out / MANIFEST, MANIFEST)

    # -- records -------------------------------------------------------------------------

    def warm_up_validators(self) -> threading.Thread | None:
        """Compile the journal-level schemas in a thread while the records render: lxml lets
        go of the GIL while libxml2 compiles, so the seconds Crossref's XSD takes overlap
        with the rendering instead of following it. (Worker processes come from a
        forkserver, never a fork of this process with the thread running: see execute.py.)"""
        rendering = len(self.plan.render) + len(self.plan.refresh)
        if not (self.report.validation and self.plan.changed_journals and rendering > 1):
            return None
        thread = threading.Thread(target=warm_up, name="warm-up-validators", daemon=True)
        thread.start()
        return thread

    def render_planned(self) -> None:
        plan = self.plan
        citation_cache = default_citation_cache() if "citations" in plan.writers else None
        seeds = [plan.seed_by_key[key] for key in plan.render + plan.refresh]
        tasks = [
            SeedTask(seed.path, seed.journal, seed.journal_hash, plan.namespace,
                     plan.stale_writers if seed.key in self.refreshed else plan.writers,
                     self.report.validation, self.journal_parts, citation_cache=citation_cache)
            for seed in seeds
        ]
        by_path = {seed.path: seed for seed in seeds}
        from .execute import make_executor  # (multiprocessing & co.: not for a run with nothing to do)

        # One record is rendered here: starting workers (or a cluster) costs more than it.
        if len(tasks) > 1:
            executor = make_executor(self.options.jobs, self.options.executor, self.options.scheduler)
        else:
            executor = make_executor(1)
        try:
            for done, result in enumerate(executor.map(process_seed, tasks), start=1):
                self.absorb(by_path[result.path], result)
                if self.progress:
                    self.progress(done, len(tasks))
            self.fill_store()
        finally:
            executor.close()

    def absorb(self, seed: SeedFile, result: SeedResult) -> None:
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
            ran = {p for spec in self.journal_writers if spec.name in self.plan.stale_writers for p in spec.parts}
            parts = {name: data for name, data in previous_parts.items() if name not in ran} | parts
        self.staging.write(parts_path(journal_id, article_id), dump_parts(parts))
        oai = result.oai
        if not refreshed or oai_parts() & set(self.plan.stale_writers):
            self.store_queue[oai.identifier] = (seed.key, oai)
            if len(self.store_queue) >= STORE_BATCH:
                self.fill_store()
        self.current.records[seed.key] = RecordEntry(
            result.hash, journal_id, result.doi, files, result.issue_key, [list(pair) for pair in oai.sets], seed.stat
        )
        report.rendered += 1

    def fill_store(self) -> None:
        """Put the queued records into the store, one batch in a few statements (see
        StoreTransaction.upsert_many); their datestamps are read by the journal files."""
        queued, self.store_queue = self.store_queue, {}
        if queued:
            datestamps = self.tx.upsert_many(
                (identifier, tuple(spec for spec, _ in oai.sets), oai.content_hash, oai.formats)
                for identifier, (_, oai) in queued.items())
            for identifier, (key, _) in queued.items():
                self.datestamps[key] = datestamps[identifier]

    def skip(self, key: str, old: RecordEntry | None) -> None:
        """--keep-going keeps the last good version of a record that broke, if there is one."""
        datestamp = self.tx.keep(record_identifier(self.plan.namespace, key)) if old is not None else None
        if datestamp is not None:
            self.records.keep(key)
            self.datestamps[key] = datestamp
        else:
            self.report.skipped.append(key)

    def drop_removed(self) -> None:
        for key in self.plan.removed:
            for relative in self.previous.records[key].all_files():
                self.staging.remove(relative)
            journal_id, article_id = key.split("/", 1)
            self.staging.remove(parts_path(journal_id, article_id))

    # -- journal files and the store's lists ---------------------------------------------

    def build_journal_files(self) -> None:
        from .oai.sets import journal_set

        started = time.perf_counter()
        namespace = self.plan.namespace
        all_sets: dict[str, str] = {}
        present: set[str] = set()
        # Grouped once: scanning every record for every journal is journals x records.
        keys_by_journal: dict[str, list[str]] = {}
        for key, entry in self.current.records.items():
            keys_by_journal.setdefault(entry.journal, []).append(key)
        batches = self.changed_batches()
        for parsed in self.plan.journals:
            journal = parsed.journal
            if journal is None:
                continue
            spec, name = journal_set(journal)
            all_sets[spec] = name
            keys = sorted(keys_by_journal.get(journal.id, ()))
            for key in keys:
                present.add(record_identifier(namespace, key))
                all_sets.update((set_spec, set_name) for set_spec, set_name in self.current.records[key].sets)
            if journal.id in self.plan.changed_journals:
                # journal.yaml (or a style it names) changed: every file of it is built again
                whole = self.previous.journals.get(journal.id) != self.plan.journal_hashes.get(journal.id)
                self.render_journal(journal, keys, self.journal_writers, None if whole else frozenset(batches[journal.id]))
            else:  # only the stale writers' files, if any, are built again
                self.render_journal(journal, keys, [s for s in self.journal_writers if s.name in self.plan.stale_writers], None)
        self.render_site_files()
        self.tx.delete_missing(present)
        self.tx.set_sets(sorted(all_sets.items()))
        self.report.add_time("journal files + store", time.perf_counter() - started)

    def render_site_files(self) -> None:
        """Files that span journals (the website's index, sitemap index, robots.txt): writers
        with ``render_site(journals)``, from the journal models only (cheap: every run)."""
        journals = [parsed.journal for parsed in self.plan.journals if parsed.journal is not None]
        for spec in self.journal_writers:
            if spec.render_site is not None:
                for relative, data in sorted(spec.render_site(journals).items()):
                    self.report.files_written += self.staging.write(relative, data)

    def changed_batches(self) -> dict[str, set[str]]:
        """Journal id -> the issue batches (:func:`batch_name`) whose articles changed: those
        of every rendered or removed record, where it was and where it is now."""
        batches: dict[str, set[str]] = {}
        for key in self.plan.render + self.plan.removed:
            for entry in (self.current.records.get(key), self.previous.records.get(key)):
                if entry is not None:
                    batches.setdefault(entry.journal, set()).add(batch_name(entry.issue_key))
        return batches

    def render_journal(self, journal: Journal, keys: list[str], specs, batches: frozenset[str] | None) -> None:
        """The journal-level files of ``specs`` for ``journal`` (its articles: ``keys``).
        With ``batches``, a writer whose files are one per issue (and whose code did not
        change) builds only those issues' files, from those issues' articles; its files of
        the other issues stay as they are."""
        previous_files = self.previous.journal_files.get(journal.id, {})
        current_files = self.current.journal_files[journal.id] = dict(previous_files)
        if not specs:
            return
        # Each article's parts file is read and decoded once for all the writers (memory:
        # one journal's parts), not once per writer.
        wanted = frozenset(name for spec in specs for name in spec.parts)
        articles = []
        for key in keys:
            article_id = key.split("/", 1)[1]
            relative = parts_path(journal.id, article_id)
            articles.append((key, article_id, PARTS_CACHE.load(relative, self.staging.locate(relative), wanted)))
        for spec in specs:
            entries = [
                JournalEntry(article_id, self.current.records[key].issue_key, self.datestamps[key],
                             {name: parts[name] for name in spec.parts if name in parts})
                for key, article_id, parts in articles
            ]
            by_issue = batches is not None and spec.files_per_issue and spec.name not in self.plan.stale_writers
            started = time.perf_counter()
            if by_issue:
                files = spec.render_journal(journal, [e for e in entries if batch_name(e.issue_key) in batches])
                rebuilt = {issue_path(spec.name, journal.id, batch) for batch in batches}
                untouched = set(previous_files.get(spec.name, [])) - rebuilt
            else:
                files, untouched = spec.render_journal(journal, entries), set()
            self.report.add_time(f"render_journal:{spec.name}", time.perf_counter() - started)
            if spec.name in DEPOSIT_PARTS:  # counted over the whole journal
                dois = {key.split("/", 1)[1]: self.current.records[key].doi for key in keys}
                self.report.left_out.extend(left_out_lines(spec.name, DEPOSIT_PARTS[spec.name], journal, entries, dois))
            del entries
            produced: set[str] = set()
            for relative, data in sorted(files.items()):
                produced.add(relative)
                if self.staging.write(relative, data):
                    self.report.files_written += 1
                    if self.report.validation:
                        started = time.perf_counter()
                        self.problems.extend(check_files(spec, {relative: data}))
                        self.report.add_time("check", time.perf_counter() - started)
            for relative in set(previous_files.get(spec.name, [])) - produced - untouched:
                self.staging.remove(relative)
            current_files[spec.name] = sorted(produced | untouched)
