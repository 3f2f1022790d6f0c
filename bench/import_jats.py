"""``python -m bench.import_jats``: how fast ``pipeline import jats`` reads a directory of JATS.

Generates the synthetic corpus (bench/corpus.py), renders each article as our JATS into one
directory, then times ``pipeline import jats DIR -o SEEDS`` in a child process (cold, as a
migration runs it) and prints files/s. Issue 13's target: 200 files/s or more on 2 cores.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from pipeline.read import load_corpus
from pipeline.writers import jats

from . import corpus as synthetic

TARGET_FILES_PER_SECOND = 200


def prepare(work: Path, articles: int, seed: int) -> Path:
    seeds = work / f"import-seeds-{articles}"
    shutil.rmtree(seeds, ignore_errors=True)
    synthetic.generate(seeds, articles, seed=seed)
    loaded = load_corpus(seeds).corpus
    xml_dir = work / f"import-jats-{articles}"
    shutil.rmtree(xml_dir, ignore_errors=True)
    xml_dir.mkdir(parents=True)
    for article in loaded.articles:
        data = jats.serialize(jats.build_tree(article, loaded.journal(article.journal_id)))
        (xml_dir / f"{article.journal_id}--{article.id}.xml").write_bytes(data)
    return xml_dir


def measure(xml_dir: Path, work: Path) -> tuple[int, float, float]:
    target = work / "import-target"
    shutil.rmtree(target, ignore_errors=True)
    files = len(list(xml_dir.glob("*.xml")))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "pipeline.cli", "import", "jats", str(xml_dir), "-o", str(target)],
                         capture_output=True, text=True)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if run.returncode != 0:
        raise RuntimeError(run.stderr[-2000:])
    written = len(list(target.glob("*/articles/*.yaml")))
    if written != files:
        raise RuntimeError(f"{files} files in, {written} records out")
    return files, seconds, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.import_jats", description=__doc__)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, default=Path("bench-work"))
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    xml_dir = prepare(args.work.resolve(), args.articles, args.seed)
    files, seconds, cpu = measure(xml_dir, args.work.resolve())
    rate = files / seconds
    verdict = "PASS" if rate >= TARGET_FILES_PER_SECOND else "FAIL"
    # CPU time says what two idle cores would manage when other work competes for them.
    print(f"import jats: {files} files in {seconds:.2f} s wall = {rate:.0f} files/s "
          f"(target >= {TARGET_FILES_PER_SECOND}/s, process start included): {verdict}; "
          f"{1000 * cpu / files:.1f} ms CPU per file, {2 * files / cpu:.0f} files/s on 2 idle cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
