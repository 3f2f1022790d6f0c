"""The library API: what a script or a notebook needs, in five functions.

    import pipeline
    corpus = pipeline.load_corpus("seeds")                 # every record, validated
    article, journal = pipeline.read_record("seeds/tjh/articles/anadolu-demiryollari.yaml")
    jats = pipeline.render(article, journal, "jats")       # bytes of one output
    problems = pipeline.validate("seeds")                  # [] when every record is valid (warnings: severity "warning")
    report = pipeline.publish("seeds", "out")              # the whole pipeline

(``pipeline`` re-exports these; ``from pipeline import api`` works too.)

Every error raised on purpose derives from :class:`pipeline.PipelineError`. The CLI is a thin
shell over these same functions and the modules behind them.
"""

from __future__ import annotations

from pathlib import Path

from .errors import PipelineError
from .model import Article, Corpus, Journal
from .read.corpus import JOURNAL_FILE, ParsedJournal, load_corpus as _load_corpus, read_article, read_journal
from .diagnostics import Diagnostic, InvalidInput


def load_corpus(seeds: str | Path) -> Corpus:
    """Read and validate every record under ``seeds``; raises :class:`InvalidInput` (with
    every problem of every file) unless all of them are valid."""
    result = _load_corpus(Path(seeds))
    if result.diagnostics:
        raise InvalidInput(result.diagnostics)
    return result.corpus


def validate(seeds: str | Path, target: str | None = None) -> list[Diagnostic]:
    """What ``pipeline validate [--for TARGET]`` reports for ``seeds``: every problem of every
    record (file, line, column, field, message, severity), warnings included (a deposit that
    writes something differently from the record; ``severity == "warning"``)."""
    from .input_checks.targets import validation_problems

    result = _load_corpus(Path(seeds))
    return validation_problems(result.corpus, result.diagnostics, target)


def read_record(path: str | Path, journal: str | Path | Journal | None = None) -> tuple[Article, Journal]:
    """One article file, without reading the rest of its seeds directory.

    ``journal`` is the journal it belongs to: a :class:`Journal`, the path of its
    ``journal.yaml`` (or of the directory holding it), or ``None`` for the usual place
    (``<journal-id>/journal.yaml`` above ``articles/``). Raises :class:`InvalidInput`."""
    path = Path(path)
    parsed = _journal_for(path, journal)
    if parsed.diagnostics:
        raise InvalidInput(parsed.diagnostics)
    article = read_article(path, parsed)
    if article.diagnostics or article.article is None:
        raise InvalidInput(article.diagnostics)
    return article.article, parsed.journal


def _journal_for(article_path: Path, journal: str | Path | Journal | None) -> ParsedJournal:
    if isinstance(journal, Journal):
        return ParsedJournal(article_path.parent, journal.id, journal, [], tuple(journal.languages), journal.doi_prefix)
    if journal is None:
        directory = article_path.resolve().parent.parent
    else:
        given = Path(journal)
        directory = given if given.is_dir() else given.parent
        if not given.is_dir():  # a journal file of any name: read its bytes
            return read_journal(directory, given.read_bytes())
    if not (directory / JOURNAL_FILE).is_file():
        raise PipelineError(f"{article_path}: no {JOURNAL_FILE} in {directory}; pass journal= (a Journal or its file)")
    return read_journal(directory)


def _render(article: Article, journal: Journal, format: str) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """(the article's own files, the journal-level files this article alone would give)."""
    from .rendering import WRITERS, render_record, writer_modules
    from .writers import JournalEntry

    if format not in WRITERS:
        raise PipelineError(f"unknown format {format!r}; formats: {', '.join(WRITERS)}")
    rendered = render_record(article, journal, writers=(format,), validate=False)
    (module,) = writer_modules((format,))
    own, journal_level = dict(rendered.files), {}
    if hasattr(module, "render_journal"):
        published = article.dates.published
        datestamp = f"{published.year:04d}-{published.month or 1:02d}-{published.day or 1:02d}T00:00:00Z"
        entry = JournalEntry(article.id, article.issue_key, datestamp, rendered.parts)
        journal_level = dict(module.render_journal(journal, [entry]))
    if not own and not journal_level and format in rendered.parts:  # a fragment only (oai_dc)
        own[f"{article.journal_id}/{format}/{article.id}"] = rendered.parts[format]
    return own, journal_level


def render_files(article: Article, journal: Journal, format: str) -> dict[str, bytes]:
    """Every file one writer makes of one article (paths as in ``out/``), with the
    journal-level files (Crossref and DOAJ batches, combined .bib) that this article alone
    would give."""
    own, journal_level = _render(article, journal, format)
    return {**own, **journal_level}


def render(article: Article, journal: Journal, format: str) -> bytes:
    """The bytes of one output of one article (``"jats"``, ``"bibtex"``, ``"crossref"``...):
    the article's own file, or for a deposit format its batch of this one article. A format
    that makes several files per article (``citations``: one per style and locale) raises;
    use :func:`render_files` for it."""
    own, journal_level = _render(article, journal, format)
    files = own or journal_level
    if len(files) != 1:
        raise PipelineError(f"{format} makes {len(files)} files of one article; use pipeline.render_files()")
    return next(iter(files.values()))


def publish(seeds: str | Path, out: str | Path, options=None, **overrides):
    """Publish ``seeds`` into ``out``: ``options`` is a :class:`~pipeline.publishing.PublishOptions`
    (jobs, store, executor, writers...), and keyword ``overrides`` replace single fields of
    it (``api.publish("seeds", "out", jobs=2)``); ``progress=`` and ``warn=`` callbacks are
    passed on. Returns a :class:`~pipeline.publishing.PublishReport`."""
    from .publishing import publish as _publish

    return _publish(seeds, out, options, **overrides)
