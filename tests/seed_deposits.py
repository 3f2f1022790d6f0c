"""The sample seeds through a deposit writer (Crossref, DOAJ): each article is either in the
service's files, keeping what the test checks, or held back because deposit_requirements names
what the service needs of it; never both, never neither. The rule is the same for every
service, so it is written once."""

from __future__ import annotations

import pytest

from pipeline.input_checks.deposit import deposit_requirements
from pipeline.read import load_corpus

from .conftest import SEEDS


def assert_every_seed_written_or_reported(service: str, render_files, validate, find, assert_kept) -> None:
    """``render_files(articles, journal)`` gives a journal's files {path: bytes}, each valid by
    ``validate(data, path)``; ``find(files, article)`` gives an article's element in them or
    raises AssertionError; ``assert_kept(element, article)`` checks what the service keeps."""
    loaded = load_corpus(SEEDS)
    assert loaded.corpus.articles, "no sample records in seeds/"
    written = 0
    for journal in loaded.corpus.journals:
        articles = loaded.corpus.articles_of(journal.id)
        files = render_files(articles, journal)
        for path, data in files.items():
            assert path.startswith(f"{journal.id}/{service}/")
            assert validate(data, path) == []
        for article in articles:
            if deposit_requirements(article, journal, service):
                with pytest.raises(AssertionError):
                    find(files, article)
            else:
                assert_kept(find(files, article), article)
                written += 1
    assert written, f"no sample record is written for {service}"
