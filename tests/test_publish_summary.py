"""Publish says what the deposit formats left out, and warns when a deposited DOI's seed goes
(issue 11 item 9)."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from .conftest import SEEDS, run_cli


@pytest.fixture()
def seeds(tmp_path):
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


def _drop_lines(path, *prefixes):
    lines = [l for l in path.read_text(encoding="utf-8").splitlines() if not l.startswith(prefixes)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _articles(seeds):
    return sorted((seeds / "tjh" / "articles").glob("*.yaml"))


def test_articles_left_out_of_crossref_and_doaj_are_counted(seeds, tmp_path):
    articles = _articles(seeds)
    total = len(articles)
    # Without a url of its own an article gets its landing page under the journal's url, so
    # it is left out only when the journal has no url either.
    _drop_lines(articles[0], "url:")
    _drop_lines(seeds / "tjh" / "journal.yaml", "url:")
    others = [path for path in articles[1:] if any(l.startswith("url:") for l in path.read_text(encoding="utf-8").splitlines())]
    assert len(others) == total - 1  # the other articles keep a url of their own
    result = run_cli("publish", str(seeds), "-o", str(tmp_path / "out"), "--jobs", "1")
    assert result.returncode == 0, result.stderr
    assert f"crossref: tjh: 1 of {total} articles not deposited: no url — `pipeline validate --for crossref`" in result.stderr
    assert f"doaj: tjh: 1 of {total} articles not listed: no full-text url — `pipeline validate --for doaj`" in result.stderr


def test_a_journal_without_depositor_is_said_to_get_no_crossref_files(seeds, tmp_path):
    journal = seeds / "tjh" / "journal.yaml"
    text = journal.read_text(encoding="utf-8")
    block = "depositor:\n  name: Örnek Üniversitesi Yayınları\n  email: doi@example.org\n"
    assert block in text
    journal.write_text(text.replace(block, ""), encoding="utf-8")
    result = run_cli("publish", str(seeds), "-o", str(tmp_path / "out"), "--jobs", "1", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    total = len(_articles(seeds))
    assert document["left_out"] == [
        f"crossref: tjh: no Crossref files for its {total} articles: journal.yaml has no depositor — `pipeline validate --for crossref`"
    ]
    assert not (tmp_path / "out" / "tjh" / "crossref").exists()


def test_removing_the_seed_of_an_article_with_a_doi_warns(seeds, tmp_path):
    out = tmp_path / "out"
    assert run_cli("publish", str(seeds), "-o", str(out), "--jobs", "1").returncode == 0
    article = next(p for p in _articles(seeds) if re.search(r"^doi:", p.read_text(encoding="utf-8"), re.M))
    doi = re.search(r"^doi: *(\S+)", article.read_text(encoding="utf-8"), re.M).group(1)
    article.unlink()
    result = run_cli("publish", str(seeds), "-o", str(out), "--jobs", "1")
    assert result.returncode == 0, result.stderr
    assert f"tjh/{article.stem}: its seed was removed, but its DOI {doi} may have been deposited, and a DOI is permanent" in result.stderr
