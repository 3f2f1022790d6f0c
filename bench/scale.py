"""``python -m bench.scale`` (``make bench-scale``): the platform-scale measurements of issue 15.

On a generated corpus (default 100,000 articles in 50 journals):

1. cold publish with the process pool (``--jobs 2``, SQLite store in out/) and with a Dask
   LocalCluster of 2 workers (``--executor dask --jobs 2``, the store in PostgreSQL): wall
   time, articles/s, peak memory of the whole process tree; both out/ trees compared;
2. re-publish unchanged, and with one article changed (process pool);
3. full ``ListRecords`` harvests over HTTP on 127.0.0.1 from gunicorn (2 workers) over the
   PostgreSQL store and from ``pipeline serve`` (waitress) over the SQLite store, by
   ``--harvesters`` concurrent harvesters (default 50): records/s, p50/p99 latency per page,
   whether every harvest is complete and identical, and the count of 5xx answers.

Every publish runs as ``pipeline publish`` in a child process measured by
:mod:`bench.memory`. PostgreSQL is a throw-away server started for the run (Debian's
``postgresql`` binaries), or ``--db-url`` for an existing empty database. Results replace the
``bench-scale`` block of BENCHMARKS.md (``make bench`` keeps that block).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
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

REPO = Path(__file__).resolve().parents[1]
OAI = "{http://www.openarchives.org/OAI/2.0/}"
BLOCK_START, BLOCK_END = "<!-- bench-scale -->", "<!-- /bench-scale -->"


@dataclass
class PublishRun:
    label: str
    wall: float
    cpu: float
    peak_tree_pss: int
    max_rss: int
    returncode: int
    summary: str


@dataclass
class HarvestRun:
    label: str
    harvesters: int
    pages_per_harvest: int
    records_per_harvest: int
    wall: float
    records_per_second: float
    p50_ms: float
    p99_ms: float
    complete_and_identical: bool
    server_errors: int
    failures: list[str] = field(default_factory=list)


def _env() -> dict:
    return dict(os.environ, CI="1", PYTHONUNBUFFERED="1")


def publish(label: str, seeds: Path, out: Path, work: Path, *extra: str) -> PublishRun:
    argv = [sys.executable, "-m", "pipeline.cli", "publish", str(seeds), "-o", str(out), *extra]
    child = run_measured(argv, env=_env(), cwd=REPO, output_dir=work / f"logs-{label}", interval=1.0)
    summary = (child.stderr.strip().splitlines() or [""])[-1]
    return PublishRun(label, child.wall, child.cpu, child.peak_tree_pss, child.max_rss, child.returncode, summary)


def tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.name.startswith("oai.sqlite3")}


# --- harvesting ---------------------------------------------------------------------------

def _get(url: str, latencies: list[float], errors: list[int]) -> bytes:
    for attempt in range(5):
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=120) as response:
                body = response.read()
            latencies.append(time.perf_counter() - started)
            return body
        except urllib.error.HTTPError as exc:
            if exc.code >= 500:
                errors.append(exc.code)
            raise
        except (ConnectionError, urllib.error.URLError):
            if attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


def harvest_once(base: str, latencies: list[float], errors: list[int]) -> tuple[str, int, int]:
    """Walk ListRecords (oai_dc) to the end: (digest of identifiers+datestamps, records, pages)."""
    digest = hashlib.sha256()
    records = pages = 0
    query = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    while True:
        body = _get(f"{base}?{urlencode(query)}", latencies, errors)
        pages += 1
        root = ElementTree.fromstring(body)
        for header in root.iter(f"{OAI}header"):
            digest.update(f"{header.findtext(f'{OAI}identifier')} {header.findtext(f'{OAI}datestamp')}\n".encode())
            records += 1
        token = root.find(f".//{OAI}resumptionToken")
        if token is None or not (token.text or "").strip():
            return digest.hexdigest(), records, pages
        query = {"verb": "ListRecords", "resumptionToken": token.text.strip()}


def harvest(label: str, base: str, harvesters: int, expected: int) -> HarvestRun:
    latencies: list[float] = []
    errors: list[int] = []
    failures: list[str] = []
    lock = threading.Lock()

    def one(_: int):
        mine: list[float] = []
        try:
            result = harvest_once(base, mine, errors)
        except Exception as exc:  # noqa: BLE001 - reported in the table
            failures.append(f"{type(exc).__name__}: {exc}"[:200])
            result = None
        with lock:
            latencies.extend(mine)
        return result

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=harvesters) as pool:  # bounded: one thread per harvester
        results = list(pool.map(one, range(harvesters)))
    wall = time.perf_counter() - started
    done = [r for r in results if r is not None]
    identical = len(done) == harvesters and len({r[0] for r in done}) == 1 and all(r[1] == expected for r in done)
    records = sum(r[1] for r in done)
    ordered = sorted(latencies)
    p = (lambda q: 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]) if ordered else (lambda q: 0.0)
    return HarvestRun(label, harvesters, done[0][2] if done else 0, done[0][1] if done else 0, wall,
                      records / wall if wall else 0.0, p(0.50), p(0.99), identical, len(errors), failures[:5])


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


def serve_and_harvest(label: str, argv: list[str], env: dict, port: int, harvesters: int, expected: int) -> HarvestRun:
    process = subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/oai"
    try:
        _wait_for(base, process)
        return harvest(label, base, harvesters, expected)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the run ----------------------------------------------------------------------------------

def run(args) -> dict:
    work = args.work.resolve()
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    log = lambda message: print(f"bench-scale: {message}", file=sys.stderr, flush=True)  # noqa: E731
    results: dict = {"articles": args.articles, "journals": args.journals, "harvesters": args.harvesters}

    seeds = work / "seeds"
    started = time.perf_counter()
    info = generate(seeds, args.articles, journals=args.journals)
    results["corpus"] = {"articles": info.articles, "journals": len(info.journals), "issues": info.issues,
                         "bytes": info.bytes, "generate_seconds": time.perf_counter() - started}
    log(f"corpus: {info.articles} articles, {len(info.journals)} journals, {info.issues} issues")

    server = None
    db_url = args.db_url
    if db_url is None:
        sys.path.insert(0, str(REPO))
        from tests.postgres_server import PostgresServer

        server = PostgresServer().start()
        db_url = server.new_database("bench")
    try:
        publishes = results["publishes"] = {}
        out_process, out_dask = work / "out-process", work / "out-dask"
        log("cold publish, process pool, --jobs 2 (SQLite store)")
        publishes["cold-process"] = publish("cold-process", seeds, out_process, work, "--jobs", "2")
        log("cold publish, Dask LocalCluster of 2 workers (PostgreSQL store)")
        publishes["cold-dask"] = publish("cold-dask", seeds, out_dask, work, "--executor", "dask", "--jobs", "2",
                                         "--db", db_url)
        a, b = tree_digest(out_process), tree_digest(out_dask)
        crossref_stamped = lambda k: "/crossref/" in k  # noqa: E731 - batch timestamps are the run's clock
        results["trees_identical_except_crossref_timestamps"] = (
            {k: v for k, v in a.items() if not crossref_stamped(k)} == {k: v for k, v in b.items() if not crossref_stamped(k)})
        log("re-publish unchanged")
        publishes["unchanged"] = publish("unchanged", seeds, out_process, work, "--jobs", "2")
        retitle(sorted(seeds.glob("*/articles/*.yaml"))[len(info.journals) // 2])
        log("re-publish, one article changed")
        publishes["one-changed"] = publish("one-changed", seeds, out_process, work, "--jobs", "2")

        harvests = results["harvests"] = {}
        pg_port, sqlite_port = _free_port(), _free_port()
        log(f"harvest gunicorn (2 workers) + PostgreSQL, {args.harvesters} harvesters")
        harvests["gunicorn+postgresql"] = serve_and_harvest(
            "gunicorn+postgresql",
            [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4", "--bind", f"127.0.0.1:{pg_port}",
             "--timeout", "300", "pipeline.server.oai_app:app_from_environment()"],
            dict(_env(), PIPELINE_OAI_DB=db_url), pg_port, args.harvesters, args.articles)
        log(f"harvest waitress + SQLite, {args.harvesters} harvesters")
        harvests["waitress+sqlite"] = serve_and_harvest(
            "waitress+sqlite",
            [sys.executable, "-m", "pipeline.cli", "serve", "--no-site", "--db", str(out_process / "oai.sqlite3"), "--port", str(sqlite_port),
             "--threads", "8"],
            _env(), sqlite_port, args.harvesters, args.articles)
    finally:
        if server is not None:
            server.stop()
    results["publishes"] = {k: asdict(v) for k, v in results["publishes"].items()}
    results["harvests"] = {k: asdict(v) for k, v in results.get("harvests", {}).items()}
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
              f"{corpus['bytes'] / 2**20:,.0f} MB of YAML. Machine: {os.cpu_count()} CPUs, shared.", ""]
    if n < 100_000:
        lines += [f"**A small run ({n:,} articles) that proves the harness; the issue's targets are for "
                  "100,000 articles (`make bench-scale`), which has not been run yet.** Peak PSS is "
                  "sampled once a second, so very short runs may show less than their largest process.", ""]
    lines += [
              "| run | wall | articles/s | CPU | peak tree PSS | largest process | result |",
              "|---|---:|---:|---:|---:|---:|---|"]
    for label, p in results["publishes"].items():
        rate = f"{n / p['wall']:,.1f}" if label.startswith("cold") and p["wall"] else "-"
        result = "ok" if p["returncode"] == 0 else f"exit {p['returncode']}"
        lines.append(f"| {label} | {p['wall']:.1f} s | {rate} | {p['cpu']:.1f} s | {_mb(p['peak_tree_pss'])} | "
                     f"{_mb(p['max_rss'])} | {result}: {p['summary'][:80]} |")
    lines += ["", f"Process-pool and Dask trees identical (Crossref batch timestamps aside): "
                  f"{results.get('trees_identical_except_crossref_timestamps')}", "",
              "| harvest (ListRecords oai_dc, 100/page) | harvesters | pages each | wall | records/s | p50/page | p99/page | complete & identical | 5xx |",
              "|---|---:|---:|---:|---:|---:|---:|---|---:|"]
    for label, h in results["harvests"].items():
        lines.append(f"| {label} | {h['harvesters']} | {h['pages_per_harvest']} | {h['wall']:.1f} s | "
                     f"{h['records_per_second']:,.0f} | {h['p50_ms']:.0f} ms | {h['p99_ms']:.0f} ms | "
                     f"{h['complete_and_identical']} | {h['server_errors']} |")
        for failure in h["failures"]:
            lines.append(f"|   failure: {failure} | | | | | | | | |")
    lines += ["", estimate(results), "", BLOCK_END, ""]
    return "\n".join(lines)


def estimate(results: dict) -> str:
    """The paper estimate, from this run's measured CPU per article (cold, process pool)."""
    n = results["articles"]
    cold = results["publishes"].get("cold-process", {})
    ms = 1000 * cold.get("cpu", 0) / n if n else 0
    total = 1_300_000
    rows = "\n".join(f"| {workers} | ~{ms * total / workers / 1000 / 60:,.0f} min |" for workers in (2, 16, 64, 256))
    return f"""### On paper: a full rebuild of 1.3 M articles on N Dask workers

Measured here: {ms:.0f} ms of CPU per article, cold (the `cold-process` run's CPU over its
articles: reading, every writer, output validation, the client's share included). If the
rendering spread perfectly over N single-core workers, 1.3 M articles would take:

| Dask workers (1 core each) | wall, rendering only ({ms:.0f} ms x 1.3 M / N) |
|---:|---:|
{rows}

Where it stops scaling: what the client process does serially, whatever N is. Per article it
hashes the seed (scan), looks it up in the manifest, writes its ~10 output files into the
staging tree and upserts its OAI record into the one store transaction; then it builds and
validates the journal-level files (Crossref/DOAJ batches, per-issue lists) journal by journal.
The issue-6 benchmark puts that at a few ms per article (the "one article changed" and
journal-file stages), i.e. on the order of an hour for 1.3 M articles on one client core: past
roughly 16-32 workers the client, not the cluster, is the limit. The next steps past that
point: journal-level files built on the workers (one task per journal), the store filled with
COPY instead of row upserts, and the scan sharded by journal. The scheduler is not the limit:
tasks carry paths, not bytes (a few hundred bytes each), and Dask schedules thousands of tasks
per second. This is an estimate, not a measurement."""


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
    args = parser.parse_args(argv)
    results = run(args)
    write_block(args.output, render(results))
    print(f"bench-scale: wrote {args.output}", file=sys.stderr)
    ok = all(p["returncode"] == 0 for p in results["publishes"].values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
