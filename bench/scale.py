"""``python -m bench.scale`` (``make bench-scale``): the platform-scale measurements of issue 15.

On a generated corpus (default 100,000 articles in 50 journals):

1. cold publish with the process pool (``--jobs 2``, SQLite store in out/) and with a Dask
   LocalCluster of 2 workers (``--executor dask --jobs 2``, the store in PostgreSQL): wall
   time, articles/s, peak memory of the whole process tree; both out/ trees compared;
2. re-publish unchanged, and with one article changed (process pool);
3. harvests over HTTP on 127.0.0.1 from gunicorn (2 workers) over the PostgreSQL store and
   from ``pipeline serve`` (waitress) over the SQLite store: one full ``ListRecords`` walk
   (100 records a page: 1,000 pages at 100,000 articles) measured while ``--harvesters``
   concurrent harvesters (default 50) each walk one journal's set to its end; records/s,
   p50/p99 latency per page, whether every harvest is complete and agrees with the full
   walk, and the count of 5xx answers. Every harvester walks to the end of its list, so
   each is complete; a set rather than the whole list each, because 50 full walks of
   100,000 records are 50,000 pages, about 20 minutes per server on 2 shared cores, while
   the 50 set walks together are one more full walk, spread over 50 clients at once.
   ``--harvest-deadline`` bounds each server's harvest (what has not finished is reported
   incomplete).

Each cold publish gets an empty citation cache of its own (``$PIPELINE_CITATION_CACHE`` in
the work directory): "cold" means that nothing of a previous run is reused.

Every publish runs as ``pipeline publish`` in a child process measured by
:mod:`bench.memory`. PostgreSQL is a throw-away server started for the run (Debian's
``postgresql`` binaries), or ``--db-url`` for an existing empty database. Results replace the
``bench-scale`` block of BENCHMARKS.md (``make bench`` keeps that block).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode
from xml.etree import ElementTree

from .corpus import generate, retitle
from .memory import run_measured
from .server_process import stop_server

REPO = Path(__file__).resolve().parents[1]
OAI = "{http://www.openarchives.org/OAI/2.0/}"
BLOCK_START, BLOCK_END = "<!-- bench-scale -->", "<!-- /bench-scale -->"


@dataclass
class PublishRun:
    label: str
    wall: float
    cpu: float  # the whole process tree
    peak_tree_pss: int
    max_rss: int
    returncode: int
    summary: str
    client_cpu: float = 0.0  # the publishing process itself: what does not spread over workers


@dataclass
class HarvestRun:
    label: str
    harvesters: int  # concurrent set walkers, beside the one full walk
    full_pages: int  # the full walk's
    full_records: int
    full_wall: float
    full_records_per_second: float
    full_p50_ms: float  # per page of the full walk
    full_p99_ms: float
    complete_and_identical: bool  # the full walk has every record; each set walk equals its part of it
    server_errors: int
    failures: list[str] = field(default_factory=list)
    wall: float = 0.0  # until the last harvester finished
    set_records: int = 0
    all_records_per_second: float = 0.0  # every harvester's records over wall
    all_p50_ms: float = 0.0  # per page, every harvester
    all_p99_ms: float = 0.0
    pages_all: int = 0


def _env() -> dict:
    return dict(os.environ, CI="1", PYTHONUNBUFFERED="1")


def _records_staged(out: Path) -> int:
    """Records whose parts file is in a staging tree of ``out`` so far (one per rendered
    record; a directory listing per journal, cheap enough once a minute at 100,000)."""
    count = 0
    for staging in out.parent.glob(f".{out.name}.staging-*"):
        for journal in (staging / ".pipeline" / "parts").glob("*"):
            try:
                count += sum(1 for _ in os.scandir(journal))
            except OSError:  # the staging tree was just swapped in or discarded
                pass
    return count


def _heartbeat(label: str, out: Path, log, stop: threading.Event, disk: dict, every: float = 60) -> None:
    """A line a minute while a publish runs (its own progress bar is off under CI=1): a
    100,000-article publish otherwise says nothing for most of an hour. Also keeps the least
    free disk seen (``disk["least_free_gb"]``)."""
    started = time.perf_counter()
    while not stop.wait(every):
        free = _free_gb(out.parent)
        disk["least_free_gb"] = min(disk.get("least_free_gb", free), free)
        log(f"  {label}: {time.perf_counter() - started:.0f} s, {_records_staged(out):,} records staged, {free:.1f} GB free")


def publish(label: str, seeds: Path, out: Path, work: Path, *extra: str, citation_cache: Path, log=None,
            disk: dict | None = None) -> PublishRun:
    argv = [sys.executable, "-m", "pipeline.cli", "publish", str(seeds), "-o", str(out), *extra]
    env = dict(_env(), PIPELINE_CITATION_CACHE=str(citation_cache))
    stop = threading.Event()
    disk = {} if disk is None else disk
    if log is not None:
        threading.Thread(target=_heartbeat, args=(label, out, log, stop, disk), daemon=True).start()
    try:
        child = run_measured(argv, env=env, cwd=REPO, output_dir=work / f"logs-{label}", interval=1.0)
    finally:
        stop.set()
    free = _free_gb(out.parent)
    disk["least_free_gb"] = min(disk.get("least_free_gb", free), free)
    disk[f"free_after_{label}_gb"] = free
    if log is not None:
        log(f"  {label}: {child.wall:.0f} s wall, {child.tree_cpu:.0f} s CPU (publishing process {child.root_cpu:.0f} s), "
            f"exit {child.returncode}; {free:.1f} GB free on the disk")
    summary = (child.stderr.strip().splitlines() or [""])[-1]
    return PublishRun(label, child.wall, child.tree_cpu, child.peak_tree_pss, child.max_rss, child.returncode, summary,
                      client_cpu=child.root_cpu)


@dataclass(frozen=True)
class ArticleSample:
    """A test of relative output paths: the files of the sampled articles and every file that
    belongs to no article (journal, issue and site files, the manifest, the store) pass."""

    skipped: frozenset[str]  # the ids of the articles left out
    articles: int  # how many are in

    def __call__(self, relative: str) -> bool:  # an article's files carry its id (generated ids have no dot)
        return not any(part.split(".", 1)[0] in self.skipped for part in relative.split("/"))


def sample_filter(seeds: Path, every: int) -> ArticleSample | None:
    """Every ``every``-th article (by sorted seed path); None when ``every`` is 1 (everything)."""
    if every == 1:
        return None
    articles = [path.stem for path in sorted(seeds.glob("*/articles/*.yaml"))]
    sampled = articles[::every]
    return ArticleSample(frozenset(articles) - frozenset(sampled), len(sampled))


def _unlink_all(paths: list[str], threads: int = 8) -> None:
    """Unlink many files from a few threads: on this machine's disk (ext4 mounted with
    ``discard``, shared with other work) an unlink waits for the device, ~0.5-2 ms each, and
    a 100,000-article tree has ~2 million files; the waits overlap, the CPU is ~0.03 ms each."""
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for _ in pool.map(os.unlink, paths, chunksize=256):
            pass


def remove_tree(tree: Path) -> None:
    """shutil.rmtree, with the files unlinked by :func:`_unlink_all` first."""
    if not tree.exists():
        return
    _unlink_all([os.path.join(directory, name) for directory, _, names in os.walk(tree) for name in names])
    shutil.rmtree(tree)


def prune_to_sample(tree: Path, keep: ArticleSample) -> tuple[int, int]:
    """Delete every file of ``tree`` that ``keep`` rejects (a directory named by a skipped
    article goes whole); (files kept, files deleted). What stays is the part of the tree the
    comparison reads, so the other executor's tree can be published beside it."""
    kept = 0
    doomed: list[str] = []
    emptied: list[str] = []
    for directory, dirnames, filenames in os.walk(tree):
        relative_dir = os.path.relpath(directory, tree)
        prefix = "" if relative_dir == "." else relative_dir + "/"
        for name in list(dirnames):
            if name.split(".", 1)[0] in keep.skipped:
                dirnames.remove(name)
                path = os.path.join(directory, name)
                for inner, _, files in os.walk(path, topdown=False):
                    doomed += [os.path.join(inner, file) for file in files]
                    emptied.append(inner)
        for name in filenames:
            if keep(prefix + name):
                kept += 1
            else:
                doomed.append(os.path.join(directory, name))
    _unlink_all(doomed)
    for directory in emptied:  # deepest first
        os.rmdir(directory)
    return kept, len(doomed)


def compare_outputs(a: Path, b: Path, keep: ArticleSample | None) -> tuple[list[str], int]:
    """bench.compare_trees.differences on the files ``keep`` accepts (all with None), and how
    many files were compared; without the SQLite store (only the process pool's tree has one)
    and Crossref batches (their timestamps are each run's clock)."""
    from .compare_trees import _files, differences

    found = differences(a, b, keep=keep)
    compared = [name for name in _files(b) if keep is None or keep(name)]
    excluded = [name for name in compared if "oai.sqlite3" in name or "/crossref/" in name]
    return ([line for line in found if "oai.sqlite3" not in line and "/crossref/" not in line],
            len(compared) - len(excluded))


def _free_gb(path: Path) -> float:
    return shutil.disk_usage(path).free / 2**30


# --- harvesting ---------------------------------------------------------------------------

class _Deadline(Exception):
    pass


def _get(url: str, latencies: list[float], errors: list[int], deadline: float) -> bytes:
    for attempt in range(5):
        if time.monotonic() > deadline:
            raise _Deadline("the harvest deadline passed")
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                body = response.read()
            latencies.append(time.perf_counter() - started)
            return body
        except urllib.error.HTTPError as exc:
            if exc.code >= 500:
                errors.append(exc.code)
            raise
        except (ConnectionError, urllib.error.URLError, TimeoutError):
            if attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


def harvest_once(base: str, latencies: list[float], errors: list[int], deadline: float,
                 set_spec: str | None = None) -> tuple[list[tuple[str, str, tuple[str, ...]]], int]:
    """Walk ListRecords (oai_dc, of one set or all) to the end: its (identifier, datestamp,
    setSpecs) in order, and the number of pages."""
    headers: list[tuple[str, str, tuple[str, ...]]] = []
    pages = 0
    query = {"verb": "ListRecords", "metadataPrefix": "oai_dc"} | ({"set": set_spec} if set_spec else {})
    while True:
        body = _get(f"{base}?{urlencode(query)}", latencies, errors, deadline)
        pages += 1
        root = ElementTree.fromstring(body)
        for header in root.iter(f"{OAI}header"):
            headers.append((header.findtext(f"{OAI}identifier"), header.findtext(f"{OAI}datestamp"),
                            tuple(e.text for e in header.findall(f"{OAI}setSpec"))))
        token = root.find(f".//{OAI}resumptionToken")
        if token is None or not (token.text or "").strip():
            return headers, pages
        query = {"verb": "ListRecords", "resumptionToken": token.text.strip()}


def journal_sets(base: str) -> list[str]:
    """The journals' sets (a setSpec without ':'; issue sets are journal:issue)."""
    specs, query = [], {"verb": "ListSets"}
    while True:
        with urllib.request.urlopen(f"{base}?{urlencode(query)}", timeout=60) as response:
            root = ElementTree.fromstring(response.read())
        specs += [e.text for e in root.iter(f"{OAI}setSpec") if e.text and ":" not in e.text]
        token = root.find(f".//{OAI}resumptionToken")
        if token is None or not (token.text or "").strip():
            return sorted(specs)
        query = {"verb": "ListSets", "resumptionToken": token.text.strip()}


def harvest(label: str, base: str, harvesters: int, expected: int, deadline_seconds: float) -> HarvestRun:
    """One full walk, measured, while ``harvesters`` clients walk one journal set each."""
    deadline = time.monotonic() + deadline_seconds
    errors: list[int] = []
    failures: list[str] = []
    sets = journal_sets(base)

    def walk(set_spec: str | None):
        mine: list[float] = []
        try:
            headers, pages = harvest_once(base, mine, errors, deadline, set_spec)
        except Exception as exc:  # noqa: BLE001 - reported in the table
            failures.append(f"{set_spec or 'full'}: {type(exc).__name__}: {exc}"[:200])
            return None, mine
        return (headers, pages), mine

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=harvesters + 1) as pool:  # bounded: one thread per harvester
        full_future = pool.submit(walk, None)
        assigned = [sets[i % len(sets)] for i in range(harvesters)] if sets else []
        set_futures = [(spec, pool.submit(walk, spec)) for spec in assigned]
        full, full_latencies = full_future.result()
        full_wall = time.perf_counter() - started
        set_walks = [(spec, *future.result()) for spec, future in set_futures]
    wall = time.perf_counter() - started
    latencies = sorted(full_latencies)
    p = (lambda q: 1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))]) if latencies else (lambda q: 0.0)
    complete = full is not None and len(full[0]) == expected and len(set_walks) == harvesters and bool(sets)
    set_records = 0
    if full is not None:
        by_set: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}
        for header in full[0]:
            for spec in header[2]:
                by_set.setdefault(spec, []).append(header)
        for spec, result, _ in set_walks:
            if result is None or result[0] != by_set.get(spec, []):
                complete = False
            else:
                set_records += len(result[0])
    all_latencies = sorted(full_latencies + [t for _, _, mine in set_walks for t in mine])
    q = (lambda f: 1000 * all_latencies[min(len(all_latencies) - 1, int(f * len(all_latencies)))]) if all_latencies else (lambda f: 0.0)
    return HarvestRun(label, harvesters, full[1] if full else 0, len(full[0]) if full else 0, full_wall,
                      len(full[0]) / full_wall if full and full_wall else 0.0, p(0.50), p(0.99), complete, len(errors),
                      failures[:5], wall=wall, set_records=set_records,
                      all_records_per_second=((len(full[0]) if full else 0) + set_records) / wall if wall else 0.0,
                      all_p50_ms=q(0.50), all_p99_ms=q(0.99), pages_all=len(all_latencies))


def _wait_for(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.returncode}")
        try:
            urllib.request.urlopen(url + "?verb=Identify", timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not answer")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_and_harvest(label: str, argv: list[str], env: dict, port: int, harvesters: int, expected: int,
                      deadline_seconds: float) -> HarvestRun:
    process = subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/oai"
    try:
        _wait_for(base, process)
        return harvest(label, base, harvesters, expected, deadline_seconds)
    finally:
        stop_server(process, timeout=30)


# --- the run ----------------------------------------------------------------------------------

def _corpus(args, work: Path, log) -> tuple[Path, dict]:
    """The generated seeds; with ``--keep-corpus`` a corpus of the same size from an earlier
    run is used again (its generation is most of a minute per 20,000 articles)."""
    seeds, described = work / "seeds", work / "corpus.json"
    wanted = {"articles": args.articles, "journals": args.journals}
    if args.keep_corpus and described.is_file():
        corpus = json.loads(described.read_text())
        if {k: corpus[k] for k in wanted} == wanted and seeds.is_dir():
            log("corpus: kept from the previous run")
            return seeds, dict(corpus, generate_seconds=0.0, kept=True)
    for stale in (seeds, described):
        if stale.is_dir():
            shutil.rmtree(stale)
    started = time.perf_counter()
    info = generate(seeds, args.articles, journals=args.journals, jobs=2)
    corpus = {"articles": info.articles, "journals": len(info.journals), "issues": info.issues, "bytes": info.bytes}
    described.write_text(json.dumps(corpus))
    return seeds, dict(corpus, generate_seconds=time.perf_counter() - started)


def run(args) -> dict:
    bench_started = time.perf_counter()
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    for entry in work.iterdir():  # everything but the corpus is made afresh
        if entry.name not in ("seeds", "corpus.json"):
            remove_tree(entry) if entry.is_dir() else entry.unlink()
    log = lambda message: print(f"bench-scale: {time.perf_counter() - bench_started:7.0f} s  {message}", file=sys.stderr, flush=True)  # noqa: E731
    results: dict = {"articles": args.articles, "journals": args.journals, "harvesters": args.harvesters}

    seeds, results["corpus"] = _corpus(args, work, log)
    info = results["corpus"]
    log(f"corpus: {info['articles']} articles, {info['journals']} journals, {info['issues']} issues")

    server = None
    db_url = args.db_url
    if db_url is None:
        sys.path.insert(0, str(REPO))
        from tests.postgres_server import PostgresServer

        server = PostgresServer().start()
        db_url = server.new_database("bench")
    try:
        publishes = results["publishes"] = {}
        disk = results["disk"] = {"free_at_start_gb": _free_gb(work)}
        out_process, out_dask = work / "out-process", work / "out-dask"
        # Past 20,000 articles the trees are compared on a sample (every file of every n-th
        # article, and every file that belongs to no article): reading two whole trees back
        # took ~9 min at 10,000 articles here. The Dask tree is published first and pruned
        # to that sample before the process pool's is published, so the disk holds one
        # whole tree at a time (~28 GB at 100,000 articles), not two.
        every = args.compare_every or max(1, args.articles // 20_000 * 10)
        keep = sample_filter(seeds, every)
        if not args.skip_dask:
            log("cold publish, Dask LocalCluster of 2 workers (PostgreSQL store)")
            publishes["cold-dask"] = publish("cold-dask", seeds, out_dask, work, "--executor", "dask", "--jobs", "2",
                                             "--db", db_url, citation_cache=work / "citations-dask.sqlite3", log=log, disk=disk)
            if keep is not None:
                started = time.perf_counter()
                kept, deleted = prune_to_sample(out_dask, keep)
                disk["free_after_pruning_gb"] = _free_gb(work)
                log(f"  Dask tree pruned to the compared sample in {time.perf_counter() - started:.0f} s: {kept:,} files kept, "
                    f"{deleted:,} deleted; {disk['free_after_pruning_gb']:.1f} GB free")
        log("cold publish, process pool, --jobs 2 (SQLite store)")
        publishes["cold-process"] = publish("cold-process", seeds, out_process, work, "--jobs", "2",
                                            citation_cache=work / "citations-process.sqlite3", log=log, disk=disk)
        if not args.skip_dask:
            # File by file, SQLite files by their rows (bench.compare_trees); the SQLite store
            # is only in the process pool's tree (Dask's is PostgreSQL), and Crossref batch
            # timestamps are each run's clock.
            started = time.perf_counter()
            differing, compared = compare_outputs(out_process, out_dask, keep)
            results["tree_comparison_seconds"] = time.perf_counter() - started
            log(f"  trees compared in {results['tree_comparison_seconds']:.0f} s: {compared:,} files, {len(differing)} differ")
            results["trees_identical_except_crossref_timestamps"] = not differing
            results["tree_differences"] = differing[:10]
            results["tree_files_compared"] = compared
            results["tree_comparison"] = ("every file" if keep is None else
                                          f"the files of every {every}th article ({keep.articles:,} articles) and every other file")
            remove_tree(out_dask)  # its store is the PostgreSQL database, harvested below
        log("re-publish unchanged")
        publishes["unchanged"] = publish("unchanged", seeds, out_process, work, "--jobs", "2",
                                         citation_cache=work / "citations-process.sqlite3")
        changed = sorted(seeds.glob("*/articles/*.yaml"))[info["journals"] // 2]
        original = changed.read_bytes()
        retitle(changed)
        log("re-publish, one article changed")
        try:
            publishes["one-changed"] = publish("one-changed", seeds, out_process, work, "--jobs", "2",
                                               citation_cache=work / "citations-process.sqlite3")
        finally:
            changed.write_bytes(original)  # the kept corpus stays the generated one

        harvests = results["harvests"] = {}
        pg_port, sqlite_port = _free_port(), _free_port()
        if not args.skip_dask:
            log(f"harvest gunicorn (2 workers) + PostgreSQL: 1 full walk + {args.harvesters} set walkers")
            harvests["gunicorn+postgresql"] = serve_and_harvest(
                "gunicorn+postgresql",
                [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4", "--bind", f"127.0.0.1:{pg_port}",
                 "--timeout", "300", "pipeline.server.oai_app:app_from_environment()"],
                dict(_env(), PIPELINE_OAI_DB=db_url), pg_port, args.harvesters, args.articles, args.harvest_deadline)
        log(f"harvest waitress + SQLite: 1 full walk + {args.harvesters} set walkers")
        harvests["waitress+sqlite"] = serve_and_harvest(
            "waitress+sqlite",
            [sys.executable, "-m", "pipeline.cli", "serve", "--no-site", "--db", str(out_process / "oai.sqlite3"), "--port", str(sqlite_port),
             "--threads", "8"],
            _env(), sqlite_port, args.harvesters, args.articles, args.harvest_deadline)
    finally:
        if server is not None:
            server.stop()
    results["publishes"] = {k: asdict(v) for k, v in results["publishes"].items()}
    results["harvests"] = {k: asdict(v) for k, v in results.get("harvests", {}).items()}
    results["bench_seconds"] = time.perf_counter() - bench_started
    log("done")
    (work / "results.json").write_text(json.dumps(results, indent=1))
    return results


# --- the report -------------------------------------------------------------------------------

def _mb(value: int) -> str:
    return f"{value / 2**20:,.0f} MB" if value else "-"


def render(results: dict) -> str:
    n = results["articles"]
    lines = [BLOCK_START, "", f"## Platform scale (`make bench-scale`, {n:,} articles)", ""]
    corpus = results["corpus"]
    lines += [f"Corpus: {corpus['articles']:,} articles in {corpus['journals']} journals, {corpus['issues']} issues, "
              f"{corpus['bytes'] / 2**20:,.0f} MB of YAML ({'kept from an earlier run' if corpus.get('kept') else 'generated in ' + format(corpus['generate_seconds'], '.0f') + ' s'}). "
              f"Machine: {os.cpu_count()} CPUs, shared with other work. The whole bench took "
              f"{results.get('bench_seconds', 0) / 60:.1f} min.", ""]
    if n < 100_000:
        lines += [f"**Measured at {n:,} articles, not at the issue's 100,000**: the last two columns extrapolate "
                  f"linearly to 100,000 (x {100_000 / n:g}): this run's wall, and its CPU spread over 2 otherwise idle "
                  "cores (CPU x scale / 2, what the wall would be if nothing else ran); both are arithmetic, not "
                  "measurements. Peak PSS is sampled once a second (runs shorter than that may show 0).", ""]
    scale = 100_000 / n
    lines += [
              "| run | wall | articles/s | CPU (whole tree) | CPU per article | of it, the publishing process | peak tree PSS | largest process | result | wall at 100,000 | on 2 idle cores at 100,000 |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|"]
    for label, p in results["publishes"].items():
        rate = f"{n / p['wall']:,.1f}" if label.startswith("cold") and p["wall"] else "-"
        per = f"{1000 * p['cpu'] / n:.1f} ms" if label.startswith("cold") else "-"
        result = "ok" if p["returncode"] == 0 else f"exit {p['returncode']}"
        projected = f"~{p['wall'] * scale / 60:,.1f} min" if n < 100_000 else "(measured)"
        idle = f"~{max(p['cpu'] / 2, p.get('client_cpu', 0)) * scale / 60:,.1f} min" if n < 100_000 else "-"
        client = f"{p.get('client_cpu', 0):.1f} s"
        lines.append(f"| {label} | {p['wall']:.1f} s | {rate} | {p['cpu']:.1f} s | {per} | {client} | {_mb(p['peak_tree_pss'])} | "
                     f"{_mb(p['max_rss'])} | {result}: {p['summary'][:60]} | {projected} | {idle} |")
    if "trees_identical_except_crossref_timestamps" in results:
        compared = results.get("tree_files_compared")
        lines += ["", f"Process-pool and Dask trees identical (Crossref batch timestamps aside; "
                      f"{results.get('tree_comparison', 'every file')} compared"
                      f"{f', {compared:,} files byte for byte' if compared else ''}): "
                      f"{results['trees_identical_except_crossref_timestamps']}"]
        lines += [f"- {line}" for line in results.get("tree_differences", [])]
    disk = results.get("disk")
    if disk:
        steps = ", ".join(f"{name.removeprefix('free_').removesuffix('_gb').replace('_', ' ')} {value:.1f} GB"
                          for name, value in disk.items() if name != "least_free_gb")
        lines += ["", f"Free disk: {steps}; the least seen during the run {disk.get('least_free_gb', 0):.1f} GB "
                      "(the Dask tree is pruned to the compared files before the process pool publishes, so one "
                      "whole tree is on the disk at a time)."]
    lines += ["", "Harvests (ListRecords oai_dc, 100 records a page): one full walk, timed, while the "
                  "concurrent harvesters each walk one journal's set to its end. *Complete & identical*: "
                  "the full walk has every record, and every set walk equals the full walk's records of "
                  "that set, in the same order.", "",
              "| server | full walk: pages | wall | records/s | p50/page | p99/page | concurrent set walkers | all walks: records/s | p50/page | p99/page | complete & identical | 5xx |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"]
    for label, h in results["harvests"].items():
        lines.append(f"| {label} | {h['full_pages']} | {h['full_wall']:.1f} s | {h['full_records_per_second']:,.0f} | "
                     f"{h['full_p50_ms']:.0f} ms | {h['full_p99_ms']:.0f} ms | {h['harvesters']} | "
                     f"{h['all_records_per_second']:,.0f} | {h['all_p50_ms']:.0f} ms | {h['all_p99_ms']:.0f} ms | "
                     f"{h['complete_and_identical']} | {h['server_errors']} |")
        for failure in h["failures"]:
            lines.append(f"|   failure: {failure} | | | | | | | | | | | |")
    lines += ["", estimate(results), "", BLOCK_END, ""]
    return "\n".join(lines)


def estimate(results: dict) -> str:
    """The paper estimate, from this run's measured CPU per article (cold, process pool): the
    workers' share spreads over N workers, the publishing process's own share does not."""
    n = results["articles"]
    cold = results["publishes"].get("cold-process", {})
    ms = 1000 * cold.get("cpu", 0) / n if n else 0
    client_ms = 1000 * cold.get("client_cpu", 0) / n if n else 0
    worker_ms = max(ms - client_ms, 0.0)
    total = 1_300_000
    knee = worker_ms / client_ms if client_ms else float("inf")

    def wall(workers: int) -> float:  # minutes: the larger of the two, as they overlap
        return max(worker_ms * total / workers, client_ms * total) / 1000 / 60

    rows = "\n".join(f"| {workers} | ~{worker_ms * total / workers / 1000 / 60:,.0f} min | ~{wall(workers):,.0f} min |"
                     for workers in (2, 8, 16, 64, 256))
    return f"""### On paper: a full rebuild of 1.3 M articles on N Dask workers

Measured here (cold, process pool, {n:,} articles): {ms:.1f} ms of CPU per article for the whole
process tree, of which {client_ms:.1f} ms in the publishing process itself (scan and hashing, the
manifest, writing each record's files into the staging tree, filling the OAI store in
batches, writing the journal-level files the workers send back) and {worker_ms:.1f} ms in the
workers (reading, every writer, validating each output, and one task per journal for its
journal-level files). The workers' share spreads over N single-core workers;
the publishing process's share does not. With the two overlapping (records are written as
they arrive), a 1.3 M-article rebuild takes at least:

| Dask workers (1 core each) | workers' share ({worker_ms:.1f} ms x 1.3 M / N) | wall, at least max(workers', client's {client_ms:.1f} ms x 1.3 M) |
|---:|---:|---:|
{rows}

Where it stops scaling: at about N = {knee:,.0f} workers the publishing process's own work
({client_ms:.1f} ms x 1.3 M = ~{client_ms * total / 1000 / 60:,.0f} min on one core) is the limit, not the cluster. Of that
work, writing every record's ~20 files into the staging tree is the largest part left (the
journal-level files are already built on the workers, and the store is filled in batches,
by COPY in PostgreSQL); the next steps are workers writing their records' files into the
staging tree on the shared file system themselves (only the manifest row and the store's
metadata coming back), and the scan sharded by journal. The scheduler is not the limit: tasks carry paths, not bytes (a few
hundred bytes each), and Dask schedules thousands of tasks per second. This is an estimate,
not a measurement: one machine of 2 shared cores cannot measure N > 2."""


def write_block(output: Path, block: str) -> None:
    """Replace the bench-scale block of ``output`` (append it if there is none)."""
    text = output.read_text(encoding="utf-8") if output.is_file() else ""
    if BLOCK_START in text and BLOCK_END in text:
        before, rest = text.split(BLOCK_START, 1)
        after = rest.split(BLOCK_END, 1)[1].lstrip("\n")
        text = before + block + after
    else:
        text = text.rstrip("\n") + "\n\n" + block
    output.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--journals", type=int, default=50)
    parser.add_argument("--harvesters", type=int, default=50)
    parser.add_argument("--work", type=Path, default=Path("bench-work/scale"))
    parser.add_argument("--db-url", help="an existing empty PostgreSQL database (default: start a throw-away server)")
    parser.add_argument("--output", type=Path, default=Path("BENCHMARKS.md"))
    parser.add_argument("--harvest-deadline", type=float, default=600,
                        help="seconds each server's harvest may take; unfinished walks count as incomplete")
    parser.add_argument("--keep-corpus", action="store_true", help="use the corpus of an earlier run of the same size again")
    parser.add_argument("--compare-every", type=int, default=None,
                        help="compare the two trees on the files of every n-th article (and every non-article file), "
                             "pruning the Dask tree to them before the process pool publishes (default: 1 up to "
                             "20,000 articles, then 10 per 20,000: 50 at 100,000)")
    parser.add_argument("--skip-dask", action="store_true",
                        help="only the process pool and SQLite (a quick run; the table then has no Dask/PostgreSQL rows)")
    args = parser.parse_args(argv)
    results = run(args)
    write_block(args.output, render(results))
    print(f"bench-scale: wrote {args.output}", file=sys.stderr)
    ok = all(p["returncode"] == 0 for p in results["publishes"].values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
