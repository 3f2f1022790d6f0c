"""What the benchmark runs in a fresh child process: a publish (optionally under cProfile).

A fresh interpreter per measurement pays the one-off set-up a real ``pipeline publish``
pays, and keeps one run's memory and caches out of the next. The result goes to a JSON
file so the parent can read it whatever the child printed.

    python -m bench.child SEEDS OUT RESULT.json [--jobs N] [--full] [--profile PSTATS]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def _stop_forkserver() -> None:
    """Stop and reap the forkserver, if the publish started one.

    Workers are children of the forkserver, not of this process, so their CPU reaches this
    process's ``children_*`` times only once the forkserver (which reaps them) is reaped itself.
    Left running, it is reaped by nobody before the times are read, and a cold ``--jobs 2``
    run showed 11 s CPU for 41 s of wall on 2 cores."""
    from multiprocessing import forkserver

    server = forkserver._forkserver
    if getattr(server, "_forkserver_pid", None) is not None:
        server._stop()  # closes its alive pipe and waitpid()s it (CPython 3.9+)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.child")
    parser.add_argument("seeds")
    parser.add_argument("out")
    parser.add_argument("result")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--writers", help="comma-separated writer names (default: pipeline.rendering.WRITERS)")
    parser.add_argument("--profile", help="write cProfile statistics of the publish to this file")
    parser.add_argument("--upgrade-writer", help="publish as after a code change to this writer: its fingerprint "
                                                 "differs from the manifest's (what an edit of its module does)")
    args = parser.parse_args(argv)
    if args.upgrade_writer:
        from pipeline import publishing as publish_module

        real = publish_module.writer_fingerprints
        publish_module.writer_fingerprints = lambda writers: {
            name: value + ("+upgrade" if name == args.upgrade_writer else "") for name, value in real(writers).items()}

    from pipeline.publishing import publish
    from pipeline.rendering import WRITERS

    writers = tuple(args.writers.split(",")) if args.writers else WRITERS
    warnings: list[str] = []

    def run():
        return publish(args.seeds, args.out, jobs=args.jobs, full=args.full, writers=writers, warn=warnings.append)

    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        report = profiler.runcall(run)
        profiler.dump_stats(args.profile)
    else:
        report = run()
    _stop_forkserver()
    times = os.times()
    result = {
        "articles": report.articles,
        "rendered": report.rendered,
        "unchanged": report.unchanged,
        "removed": report.removed,
        "files_written": report.files_written,
        "changed": report.changed,
        "validation": report.validation,
        "skipped": list(report.skipped),
        "diagnostics": [str(d) for d in report.diagnostics[:20]],
        "timings": report.timings,
        "warnings": warnings,
        # this process, and every process below it: the forkserver reaps its workers, and
        # _stop_forkserver reaps the forkserver, so the workers' CPU is in children_* too
        "cpu_self": times.user + times.system,
        "cpu_children": times.children_user + times.children_system,
    }
    Path(args.result).write_text(json.dumps(result, indent=1, sort_keys=True), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
