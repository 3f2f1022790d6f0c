"""``pipeline validate --for crossref|doaj``: what a deposit needs, located in the YAML.

The deposit rules (:mod:`.deposit`) speak in field paths of the record (``authors[2].family``)
or of its journal (``journal.depositor``); here they become file:line:col diagnostics.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..model import Corpus
from ..located_yaml import YamlDocument, YamlError, read_yaml_file
from .deposit import deposit_requirements
from ..diagnostics import Diagnostic

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_field_path(text: str) -> tuple:
    """``authors[2].family`` -> ``("authors", 2, "family")``."""
    return tuple(int(index) if index else name for name, index in _PART.findall(text))


def located_requirements(corpus: Corpus, target: str) -> list[Diagnostic]:
    documents: dict[str, YamlDocument | None] = {}

    def document(source: str) -> YamlDocument | None:
        if source not in documents:
            try:
                documents[source] = read_yaml_file(Path(source), source)
            except YamlError:
                documents[source] = None
        return documents[source]

    found: set[Diagnostic] = set()
    for article in corpus.articles:
        journal = corpus.journal(article.journal_id)
        for field, message in deposit_requirements(article, journal, target):
            if field.startswith("journal."):
                source, path = journal.source, parse_field_path(field[len("journal."):])
            else:
                source, path = article.source, parse_field_path(field)
            doc = document(source)
            if doc is None:
                found.add(Diagnostic(source, 1, 1, field, f"{target}: {message}"))
            else:
                located = doc.diagnostic(path, f"{target}: {message}")
                found.add(located)
    return sorted(found)
