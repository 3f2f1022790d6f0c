"""``python -m bench``: generate a synthetic corpus, measure publishing, write BENCHMARKS.md."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .report import render_markdown
from .run import Options, run_benchmark


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--articles", type=int, default=2000, help="corpus size (default: 2000)")
    parser.add_argument("--journals", type=int, default=None, help="journals in the corpus (default: 4-8 by size)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default: 0)")
    parser.add_argument("--work", type=Path, default=Path("bench-work"), help="scratch directory (default: bench-work)")
    parser.add_argument("--big", type=int, default=20000, help="corpus size of the memory run (default: 20000)")
    parser.add_argument("--skip-big", action="store_true", help="leave the large memory run out")
    parser.add_argument("--output", type=Path, default=Path("BENCHMARKS.md"), help="report file (default: BENCHMARKS.md)")
    parser.add_argument("--probe-sample", type=int, default=100, help="records in the per-stage probe (default: 100)")
    parser.add_argument("--pandoc-documents", type=int, default=None, help="records pandoc converts, front matter (default: all)")
    parser.add_argument("--pandoc-citeproc-documents", type=int, default=200,
                        help="records pandoc converts with references through citeproc (default: 200)")
    parser.add_argument("--profile-articles", type=int, default=200, help="corpus size of the profiled --jobs 1 publish (default: 200)")
    parser.add_argument("--skip-pandoc", action="store_true")
    parser.add_argument("--skip-profile", action="store_true")
    parser.add_argument("--mixed-styles", action="store_true",
                        help="journals configure 1-3 styles (the earlier corpus) instead of the sample journal's seven")
    parser.add_argument("--upgrade-writer", default="bibtex", help="writer whose upgrade is timed (default: bibtex)")
    parser.add_argument("--watch-edits", type=int, default=5, help="saves timed under pipeline watch (default: 5)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    options = Options(
        articles=args.articles, journals=args.journals, seed=args.seed, work=args.work, big=args.big,
        skip_big=args.skip_big, output=args.output, probe_sample=args.probe_sample,
        pandoc_documents=args.pandoc_documents, pandoc_citeproc_documents=args.pandoc_citeproc_documents,
        profile_articles=args.profile_articles, skip_pandoc=args.skip_pandoc, skip_profile=args.skip_profile,
        styles=None if args.mixed_styles else Options.styles, upgrade_writer=args.upgrade_writer, watch_edits=args.watch_edits,
    )

    def log(message: str) -> None:
        print(f"bench: {message}", file=sys.stderr, flush=True)

    def write_report(results) -> None:
        # The blocks `make bench-scale` and `python -m bench.incremental` write (bench/scale.py,
        # bench/incremental.py) are kept as they are: from the first of them to the end.
        from .incremental import BLOCK_START as INCREMENTAL_START
        from .scale import BLOCK_START

        previous = options.output.read_text(encoding="utf-8") if options.output.is_file() else ""
        starts = [previous.index(marker) for marker in (BLOCK_START, INCREMENTAL_START) if marker in previous]
        kept = previous[min(starts):] if starts else ""
        options.output.write_text(render_markdown(results) + ("\n" + kept if kept else ""), encoding="utf-8")

    results = run_benchmark(options, log=log, checkpoint=write_report)
    write_report(results)
    log(f"wrote {options.output}")
    for error in results.errors:
        log(f"problem: {error.strip()[:500]}")
    # The report is the product; failed runs are in it. Exit 1 only if no publish worked at all.
    return 0 if any(p.ok for p in results.publishes.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
