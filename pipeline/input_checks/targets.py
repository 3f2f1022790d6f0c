"""``pipeline validate [--for crossref|doaj]``: what a deposit needs (errors) and what it
changes (warnings), located in the YAML.

The deposit rules (:mod:`.deposit`) speak in field paths of the record (``authors[2].family``)
or of its journal (``journal.depositor``); here they become file:line:col diagnostics.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

from ..model import Corpus
from ..located_yaml import YamlDocument, YamlError, read_yaml_file
from .deposit import deposit_notices, deposit_requirements, deposits_built
from ..diagnostics import Diagnostic

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_field_path(text: str) -> tuple:
    """``authors[2].family`` -> ``("authors", 2, "family")``."""
    return tuple(int(index) if index else name for name, index in _PART.findall(text))


class _Locator:
    """Field paths of an article (``authors[2].family``) or of its journal (``journal.depositor``)
    -> diagnostics in the YAML they came from (each file read once)."""

    def __init__(self) -> None:
        self.documents: dict[str, YamlDocument | None] = {}

    def _document(self, source: str) -> YamlDocument | None:
        if source not in self.documents:
            try:
                self.documents[source] = read_yaml_file(Path(source), source)
            except YamlError:
                self.documents[source] = None
        return self.documents[source]

    def __call__(self, article, journal, field: str, message: str) -> Diagnostic:
        if field.startswith("journal."):
            source, path = journal.source, parse_field_path(field[len("journal."):])
        else:
            source, path = article.source, parse_field_path(field)
        doc = self._document(source)
        return Diagnostic(source, 1, 1, field, message) if doc is None else doc.diagnostic(path, message)


def located_requirements(corpus: Corpus, target: str) -> list[Diagnostic]:
    """What a ``target`` deposit needs and a record lacks: errors."""
    locate = _Locator()
    found: set[Diagnostic] = set()
    for article in corpus.articles:
        journal = corpus.journal(article.journal_id)
        for field, message in deposit_requirements(article, journal, target):
            found.add(locate(article, journal, field, f"{target}: {message}"))
    return sorted(found)


def located_notices(corpus: Corpus, also: str | None = None) -> list[Diagnostic]:
    """What a deposit keeps, but not in the form the record gives it: warnings, for the
    deposits publish builds for each article's journal, and for ``also``."""
    locate = _Locator()
    found: set[Diagnostic] = set()
    for article in corpus.articles:
        journal = corpus.journal(article.journal_id)
        targets = deposits_built(journal) + ((also,) if also and also not in deposits_built(journal) else ())
        for target in targets:
            if deposit_requirements(article, journal, target):
                continue  # not deposited at all: --for TARGET says why, publish's summary counts it
            for field, message in deposit_notices(article, journal, target):
                found.add(locate(article, journal, field, f"{target}: {message}").as_warning())
    return sorted(found)


def validation_problems(corpus: Corpus, diagnostics: Iterable[Diagnostic], target: str | None = None) -> list[Diagnostic]:
    """Everything ``pipeline validate [--for TARGET]`` reports for a loaded corpus: the records'
    ``diagnostics``; with ``target``, what that deposit needs (errors); the deposits' notices
    (warnings)."""
    problems = list(diagnostics)
    if target:
        problems.extend(located_requirements(corpus, target))
    problems.extend(located_notices(corpus, target))
    return problems
