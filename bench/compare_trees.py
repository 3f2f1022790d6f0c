"""Compare two ``out/`` trees: the check that a refactoring left every output byte-identical.

    python -m bench.compare_trees publish SEEDS OUT   # publish with a fixed clock (see below)
    python -m bench.compare_trees diff BEFORE AFTER   # exit 0 if identical, 1 with a list if not

Every file is compared byte for byte, except two that legitimately differ between two
checkouts of the same code: the manifest's code fingerprint (it hashes the source, which is
what a refactoring changes) and the SQLite store's file layout (pages, free lists). The
manifest is compared without its fingerprint, the store by its rows (without the random
secret each new store draws for its resumption tokens; the manifest database without its
code fingerprints and the seed files' states).

OAI datestamps (and so Crossref batch timestamps) come from the clock of the publish that
first stored a record, so ``publish`` here runs with a fixed ``now``: two trees published at
different times are then comparable.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from datetime import datetime, timezone
from pathlib import Path

FIXED_NOW = datetime(2024, 6, 1, 12, 0, 0, tzinfo=timezone.utc)
MANIFEST = ".pipeline/manifest.json"
MANIFEST_DB = ".pipeline/manifest.sqlite3"
GENERATION = ".pipeline/generation"  # the manifest's generation token (see manifest_db_rows)


# A random secret each new store draws to sign its resumption tokens: it differs by design.
_RANDOM_ROWS = ("INSERT INTO \"meta\" VALUES('token_secret',",
                # the manifest database's code fingerprints: they hash the source itself
                "INSERT INTO \"meta\" VALUES('writers',", "INSERT INTO \"meta\" VALUES('fingerprint',")


def _store_rows(path: Path) -> list[str]:
    """Every row of every table, as SQL, in a stable order (without the random secret)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return sorted(row for row in connection.iterdump() if not row.startswith(_RANDOM_ROWS))
    finally:
        connection.close()


def manifest_db_rows(path: Path) -> list[tuple]:
    """The manifest database without what differs by design between two trees: the code
    fingerprints, each seed file's state (size, times, inode) and the generation token (it
    chains the publishes that led to the tree: an incremental and a cold tree differ)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        records = connection.execute("SELECT key, journal, hash, doi, issue_key, files, sets FROM records ORDER BY key").fetchall()
        meta = connection.execute(
            "SELECT key, value FROM meta WHERE key NOT IN ('writers', 'fingerprint', 'generation') ORDER BY key").fetchall()
        others = [row for table in ("journals", "journal_files") for row in connection.execute(f"SELECT * FROM {table} ORDER BY 1")]
        return records + meta + others
    finally:
        connection.close()


def _manifest_without_fingerprint(data: bytes) -> object:
    manifest = json.loads(data)
    manifest.pop("fingerprint", None)
    return manifest


def _files(root: Path) -> dict[str, Path]:
    """The tree's files; SQLite's -wal/-shm companions and the manifest's generation token
    are left out (whether the companions exist
    depends on how the store was closed; its rows are compared through the database)."""
    return {path.relative_to(root).as_posix(): path for path in root.rglob("*")
            if path.is_file() and not path.name.endswith((".sqlite3-wal", ".sqlite3-shm")) and
            path.relative_to(root).as_posix() != GENERATION}


def differences(before: Path, after: Path, keep=None) -> list[str]:
    """What differs between the two trees, one line per file (empty: identical); ``keep``, a
    test of the relative path, limits the comparison to the files it accepts."""
    old, new = _files(before), _files(after)
    if keep is not None:
        old = {name: path for name, path in old.items() if keep(name)}
        new = {name: path for name, path in new.items() if keep(name)}
    problems = [f"only in {before}: {name}" for name in sorted(set(old) - set(new))]
    problems += [f"only in {after}: {name}" for name in sorted(set(new) - set(old))]
    for name in sorted(set(old) & set(new)):
        a, b = old[name], new[name]
        if name == MANIFEST_DB:
            same = manifest_db_rows(a) == manifest_db_rows(b)
        elif name.endswith(".sqlite3"):
            same = _store_rows(a) == _store_rows(b)
        elif name == MANIFEST:
            same = _manifest_without_fingerprint(a.read_bytes()) == _manifest_without_fingerprint(b.read_bytes())
        else:
            same = a.read_bytes() == b.read_bytes()
        if not same:
            problems.append(f"differs: {name}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.compare_trees", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("publish", help="publish SEEDS into OUT with a fixed clock")
    run.add_argument("seeds", type=Path)
    run.add_argument("out", type=Path)
    run.add_argument("--jobs", type=int, default=1)
    diff = commands.add_parser("diff", help="compare two out/ trees")
    diff.add_argument("before", type=Path)
    diff.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    if args.command == "publish":
        from pipeline.publishing import publish

        report = publish(args.seeds, args.out, jobs=args.jobs, now=FIXED_NOW, warn=lambda m: print(m, file=sys.stderr))
        print(f"{args.out}: {report.articles} articles, {report.files_written} files")
        return 0
    problems = differences(args.before, args.after)
    for line in problems:
        print(line)
    if not problems:
        count = len(_files(args.before))
        print(f"identical: {count} files")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
