"""The import command's driver: read every source, then write all records or none.

Problems in any source are printed as ``file:line: message`` (every file is read, so one run
names them all) and nothing is written. Each file's drop report goes to standard error, or into
the JSON document on standard output with ``--format json``.
"""

from __future__ import annotations

import json
import sys
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
    for path in files:
        try:
            records.extend(reader(path))
        except SourceError as exc:
            errors.append(exc)
        except RecursionError:
            errors.append(SourceError(str(path), 1, "nested too deeply to read"))
    return records, errors


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
