"""Where each writer's files go in ``out/``: the one place that knows the output layout.

Writers ask this module for their paths instead of spelling them out, so the layout can
change in one place, and output validation routes by writer (see :mod:`pipeline.writers.registry`),
never by path. Journal and article ids are already safe path segments (the input schema
restricts them); issue batch names are made safe by the writers that group by issue.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Layout:
    """A writer's place in ``out/``: templates over ``journal``, ``article`` and ``issue``."""

    article: str | None = None  # one file per article
    journal: str | None = None  # one file per journal
    issue: str | None = None  # one file per issue batch


# out/site/: the website (pipeline.writers.site), beside the journals' directories; so no
# journal may be called "site" (the input checks refuse it), and no article of a journal may
# take the name of a directory the site writes beside the article pages.
SITE_ROOT = "site"
RESERVED_JOURNAL_IDS = frozenset({SITE_ROOT})
SITE_JOURNAL_DIRECTORIES = frozenset({"issue", "assets"})  # site/<journal>/issue/<key>/, site/<journal>/assets/
# The site's built-in templates that a journal's templates/ may replace (all but the site index,
# which spans journals). Named here, below both, because the reader checks a journal's template
# names against them and the writer ships them (tests/test_site_overrides.py: the same set).
SITE_TEMPLATES = ("article.html", "base.html", "entry.html", "head_metadata.html", "issue.html", "journal.html")

LAYOUTS: dict[str, Layout] = {
    "jats": Layout(article="{journal}/jats/{article}.xml"),
    "csl": Layout(article="{journal}/csl/{article}.json", journal="{journal}/csl.json"),
    # citations: one file per style, locale and format; see citation_path
    "citations": Layout(),
    "bibtex": Layout(article="{journal}/bibtex/{article}.bib", journal="{journal}/{journal}.bib"),
    "biblatex": Layout(article="{journal}/bibtex/{article}.biblatex.bib", journal="{journal}/{journal}.biblatex.bib"),
    "ris": Layout(article="{journal}/ris/{article}.ris", journal="{journal}/{journal}.ris"),
    "oai_dc": Layout(),  # no files: the record lives in the OAI-PMH store only
    "crossref": Layout(issue="{journal}/crossref/{issue}.xml"),
    "doaj": Layout(issue="{journal}/doaj/{issue}.xml"),
    "site": Layout(),  # its pages and copies, under SITE_ROOT: many files per article (see the writer)
}


def _template(writer: str, kind: str) -> str:
    template = getattr(LAYOUTS[writer], kind)
    if template is None:
        raise KeyError(f"writer {writer!r} writes no {kind}-level file")
    return template


def article_path(writer: str, journal_id: str, article_id: str) -> str:
    return _template(writer, "article").format(journal=journal_id, article=article_id)


def journal_path(writer: str, journal_id: str) -> str:
    return _template(writer, "journal").format(journal=journal_id)


def issue_path(writer: str, journal_id: str, issue: str) -> str:
    return _template(writer, "issue").format(journal=journal_id, issue=issue)


def citation_path(journal_id: str, style_directory: str, locale: str, article_id: str, extension: str) -> str:
    """``<journal>/citations/<style>/<locale>/<article>.<txt|html>``."""
    return f"{journal_id}/citations/{style_directory}/{locale}/{article_id}.{extension}"
