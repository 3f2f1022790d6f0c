"""Reading a seeds directory: discover, parse, validate, build the model.

Layout::

    seeds/repository.yaml                     (optional OAI-PMH repository identity)
    seeds/<journal-id>/journal.yaml
    seeds/<journal-id>/articles/<article-id>.yaml

Every problem in every file is collected; nothing stops at the first one. The stages are
small functions (parse -> schema -> semantic checks -> build) so that the incremental
publisher can run them on just the records that changed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..model import Article, Corpus, Journal, OaiIdentity
from ..diagnostics import Diagnostic
from ..input_checks.uniqueness import DoiRegister
from .site_files import read_site_files

if TYPE_CHECKING:
    from ..located_yaml import YamlDocument

# The YAML parser, the schema and semantic checks and the model builder (PyYAML, jsonschema,
# langcodes...) are imported by the functions that read a file, on first use: a publish that
# finds nothing changed discovers the layout here and never loads them (~0.3 s a run).

JOURNAL_FILE = "journal.yaml"
REPOSITORY_FILE = "repository.yaml"
ARTICLES_DIR = "articles"


def display_path(path: Path) -> str:
    """The path as the user would type it: relative to the working directory when inside it."""
    absolute = os.path.abspath(path)
    here = os.getcwd()
    if absolute == here or absolute.startswith(here.rstrip(os.sep) + os.sep):
        return os.path.relpath(absolute, here)
    return absolute


@dataclass(frozen=True)
class SeedLayout:
    """Which files a seeds directory holds, in a stable order."""

    root: Path
    repository: Path | None
    journals: tuple[tuple[Path, tuple[Path, ...]], ...]  # (journal dir, article files)

    def files(self) -> list[Path]:
        found = [self.repository] if self.repository else []
        for journal_dir, articles in self.journals:
            found.append(journal_dir / JOURNAL_FILE)
            found.extend(articles)
        return found


def discover(root: Path) -> SeedLayout:
    if not root.is_dir():
        raise FileNotFoundError(f"seeds directory {root} does not exist")
    journals = []
    for journal_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        articles_dir = journal_dir / ARTICLES_DIR
        articles = tuple(sorted(articles_dir.glob("*.yaml"))) if articles_dir.is_dir() else ()
        journals.append((journal_dir, articles))
    repository = root / REPOSITORY_FILE
    return SeedLayout(root, repository if repository.is_file() else None, tuple(journals))


@dataclass
class ParsedJournal:
    """A journal.yaml as far as it could be read: its model when valid, else its problems."""

    directory: Path
    display: str
    journal: Journal | None
    diagnostics: list[Diagnostic]
    languages: tuple[str, ...] = ()
    doi_prefix: str | None = None
    document: YamlDocument | None = None


def read_journal(journal_dir: Path, raw: bytes | None = None) -> ParsedJournal:
    from ..input_checks import semantic
    from ..input_checks.schema import schema_findings, well_formed_part
    from . import build
    from ..located_yaml import YamlError, load_yaml

    path = journal_dir / JOURNAL_FILE
    display = display_path(path)
    if raw is None:
        if not path.is_file():
            return ParsedJournal(journal_dir, display, None, [Diagnostic(display, 1, 1, "(record)", f"missing: every journal directory needs a {JOURNAL_FILE}")])
        raw = path.read_bytes()
    try:
        document = load_yaml(raw, display)
    except YamlError as exc:
        return ParsedJournal(journal_dir, display, None, [exc.diagnostic])
    if not isinstance(document.data, dict):
        return ParsedJournal(journal_dir, display, None, [document.diagnostic((), "a journal record must be a mapping of fields")])
    findings = schema_findings("journal", document)
    problems = [diagnostic for diagnostic, _ in findings]
    data = document.data
    languages = tuple(x for x in data.get("languages", ()) if isinstance(x, str)) if isinstance(data.get("languages"), list) else ()
    parsed = ParsedJournal(
        journal_dir, display, None, problems, languages,
        data.get("doi-prefix") if isinstance(data.get("doi-prefix"), str) else None,
        document=document,
    )
    # The semantic checks run on the well-formed part too: one run reports everything.
    checked = well_formed_part(data, [bad for _, bad in findings])
    if checked is not None:
        parsed.diagnostics = sorted(set(problems) | set(semantic.journal_diagnostics(document, journal_dir.name, journal_dir, checked)))
    site, site_problems = read_site_files(journal_dir, os.path.dirname(display) or ".")
    parsed.diagnostics = sorted(set(parsed.diagnostics) | set(site_problems))
    if not parsed.diagnostics:
        parsed.journal = replace(build.journal(data, display), site=site)
    return parsed


def article_files_dir(path: Path) -> Path:
    """The article's own folder beside its record (``articles/<article-id>/``): its galleys."""
    return path.parent / path.stem


def article_files(path: Path) -> list[Path]:
    """The files in the article's folder, in a stable order: they are part of the record
    (incremental publishing hashes them with the YAML; see pipeline.rendering.record_hash)."""
    folder = article_files_dir(path)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


@dataclass
class ParsedArticle:
    path: Path
    display: str
    article: Article | None
    diagnostics: list[Diagnostic]
    doi: str | None = None  # for the corpus-wide uniqueness check
    document: YamlDocument | None = None


def read_article(path: Path, journal: ParsedJournal, raw: bytes | None = None) -> ParsedArticle:
    from ..input_checks import semantic
    from ..input_checks.schema import schema_findings, well_formed_part
    from .. import identifiers
    from . import build
    from ..located_yaml import YamlError, load_yaml

    display = display_path(path)
    try:
        if raw is None:
            raw = path.read_bytes()
        document = load_yaml(raw, display)
    except OSError as exc:
        return ParsedArticle(path, display, None, [Diagnostic(display, 1, 1, "(record)", f"cannot read: {exc.strerror}")])
    except YamlError as exc:
        return ParsedArticle(path, display, None, [exc.diagnostic])
    if not isinstance(document.data, dict):
        return ParsedArticle(path, display, None, [document.diagnostic((), "an article record must be a mapping of fields")], document=document)
    findings = schema_findings("article", document)
    problems = [diagnostic for diagnostic, _ in findings]
    doi = document.data.get("doi") if isinstance(document.data.get("doi"), str) else None
    parsed = ParsedArticle(path, display, None, problems, identifiers.canonical_doi(doi) if doi else None, document)
    # The semantic checks run on the well-formed part too: one run reports everything.
    checked = well_formed_part(document.data, [bad for _, bad in findings])
    if checked is None:
        return parsed
    ctx = semantic.ArticleContext(path.stem, journal.languages, journal.doi_prefix, files_dir=article_files_dir(path))
    parsed.diagnostics = sorted(set(problems) | set(semantic.article_diagnostics(document, ctx, checked)))
    if not parsed.diagnostics and journal.journal is not None:
        parsed.article = build.article(document.data, journal.journal, display, files_dir=article_files_dir(path))
    return parsed


def read_repository(path: Path) -> tuple[OaiIdentity | None, list[Diagnostic]]:
    from ..input_checks.schema import schema_diagnostics
    from . import build
    from ..located_yaml import YamlError, load_yaml

    display = display_path(path)
    try:
        document = load_yaml(path.read_bytes(), display)
    except YamlError as exc:
        return None, [exc.diagnostic]
    problems = schema_diagnostics("repository", document)
    return (None if problems else build.oai_identity(document.data)), problems


def duplicate_doi_diagnostics(articles: list[ParsedArticle]) -> list[Diagnostic]:
    """A DOI may name one article only; the second and later uses are the errors."""
    register = DoiRegister()
    found = []
    for parsed in articles:
        other = register.claim(parsed.doi, parsed.display) if parsed.doi else None
        if other is not None:
            message = f"DOI {parsed.doi} is already used by {other}"
            if parsed.document is not None:
                found.append(parsed.document.diagnostic(("doi",), message))
            else:
                found.append(Diagnostic(parsed.display, 1, 1, "doi", message))
    return found


def repository_identity(layout: SeedLayout, journals: list[ParsedJournal]) -> tuple[OaiIdentity | None, list[Diagnostic]]:
    if layout.repository:
        return read_repository(layout.repository)
    identities = [(j, j.journal.oai) for j in journals if j.journal is not None and j.journal.oai is not None]
    if not identities:
        return None, []
    first_journal, first = identities[0]
    found = []
    for parsed, identity in identities[1:]:
        if identity != first and parsed.document is not None:
            found.append(parsed.document.diagnostic(
                ("oai",),
                f"the oai block differs from {first_journal.display}'s; journals must agree, or add seeds/{REPOSITORY_FILE}",
            ))
    return (None if found else first), found


@dataclass
class LoadResult:
    corpus: Corpus
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.diagnostics


def load_corpus(root: Path | str) -> LoadResult:
    """Read and validate every record under ``root``; the corpus holds the valid ones."""
    layout = discover(Path(root))
    diagnostics: list[Diagnostic] = []
    journals: list[ParsedJournal] = []
    articles: list[ParsedArticle] = []
    for journal_dir, article_paths in layout.journals:
        parsed_journal = read_journal(journal_dir)
        journals.append(parsed_journal)
        diagnostics.extend(parsed_journal.diagnostics)
        for path in article_paths:
            parsed = read_article(path, parsed_journal)
            articles.append(parsed)
            diagnostics.extend(parsed.diagnostics)
    diagnostics.extend(duplicate_doi_diagnostics(articles))
    repository, repo_problems = repository_identity(layout, journals)
    diagnostics.extend(repo_problems)
    corpus = Corpus(
        journals=tuple(j.journal for j in journals if j.journal is not None),
        articles=tuple(a.article for a in articles if a.article is not None),
        repository=repository,
    )
    return LoadResult(corpus, sorted(set(diagnostics)))
