"""The import command's driver: read every source, then write all records or none.

Problems in any source are printed as ``file:line: message`` (every file is read, so one run
names them all) and nothing is written. Each file's drop report goes to standard error, or into
the JSON document on standard output with ``--format json``.
"""

from __future__ import annotations

import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from pipeline.importer.records import ConflictError, write_records
from pipeline.importer.source import ImportedRecord, SourceError

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def read_sources(kind: str, names: list[str], journal: str | None = None) -> tuple[list[ImportedRecord], list[SourceError]]:
    records: list[ImportedRecord] = []
    errors: list[SourceError] = []
    if kind == "jats":
        from pipeline.importer.jats import import_jats_file, jats_files

        files, reader = jats_files(names), (lambda path: [import_jats_file(path)])
    elif kind == "crossref":
        from pipeline.importer.crossref import import_crossref_file

        files, reader = [Path(n) for n in names], import_crossref_file
    elif kind == "ojs":
        from pipeline.importer.ojs import import_ojs_file

        files, reader = [Path(n) for n in names], (lambda path: import_ojs_file(path, journal))
    else:  # argparse only offers the kinds above
        raise ValueError(kind)
    if not files:
        errors.append(SourceError(" ".join(names), 1, f"no {kind} files found"))
    if kind == "jats" and len(files) >= PARALLEL_FROM and (os.cpu_count() or 1) > 1:
        # Reading and dumping YAML is CPU work per file: spread it over the cores (a
        # migration of a journal's back issues is thousands of files).
        with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
            outcomes = list(pool.map(_read_and_dump_jats, files, chunksize=16))
    else:
        outcomes = [_read_one(reader, path) for path in files]
    for found, error in outcomes:
        records.extend(found)
        if error is not None:
            errors.append(error)
    return records, errors


PARALLEL_FROM = 64


def _read_one(reader, path: Path) -> tuple[list[ImportedRecord], SourceError | None]:
    try:
        return reader(path), None
    except SourceError as exc:
        return [], exc
    except RecursionError:
        return [], SourceError(str(path), 1, "nested too deeply to read")


def _read_and_dump_jats(path: Path) -> tuple[list[ImportedRecord], SourceError | None]:
    from pipeline.importer.jats import import_jats_file
    from pipeline.importer.records import dump_record

    found, error = _read_one(lambda p: [import_jats_file(p)], path)
    for record in found:
        record.yaml = dump_record(record.article)
    return found, error


def run_import(kind: str, names: list[str], seeds: Path, *, force: bool = False, fmt: str = "text",
               journal: str | None = None) -> int:
    records, errors = read_sources(kind, names, journal)
    if errors:
        for error in errors:
            print(str(error), file=sys.stderr)
        print(f"import failed: {len(errors)} file(s) cannot be imported; {seeds} is unchanged", file=sys.stderr)
        return EXIT_INVALID
    try:
        result = write_records(seeds, records, kind, force=force)
    except SourceError as exc:
        print(str(exc), file=sys.stderr)
        print(f"import failed; {seeds} is unchanged", file=sys.stderr)
        return EXIT_INVALID
    except ConflictError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"import failed; {seeds} is unchanged", file=sys.stderr)
        return EXIT_INVALID
    except OSError as exc:
        print(f"{seeds}: cannot write: {exc.strerror}; nothing was imported", file=sys.stderr)
        return EXIT_USAGE
    if fmt == "json":
        document = {
            "records": [
                {
                    "source": r.source, "journal": r.journal_id, "article": r.article_id,
                    "file": str(seeds / r.journal_id / "articles" / f"{r.article_id}.yaml"),
                    "dropped": r.report.as_dict(), "todo": r.todos,
                }
                for r in records
            ],
            "replaced": result.replaced,
            "journals-written": result.journals_written,
            "journals-kept": result.journals_kept,
            "journal-disagreements": result.disagreements,
        }
        sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    else:
        for record in records:
            target = seeds / record.journal_id / "articles" / f"{record.article_id}.yaml"
            print(f"{record.source} -> {target}", file=sys.stderr)
            if record.todos:
                print(f"  TODO: {', '.join(record.todos)}", file=sys.stderr)
            for line in record.report.lines():
                print(f"  dropped: {line}", file=sys.stderr)
        for path in result.replaced:
            print(f"replaced (--force): {path}", file=sys.stderr)
        for line in result.disagreements:
            print(f"journal differs: {line}", file=sys.stderr)
        print(f"imported {len(records)} record(s) into {seeds}", file=sys.stderr)
    return EXIT_OK
