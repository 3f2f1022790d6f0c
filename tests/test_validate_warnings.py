"""Warnings in ``pipeline validate``: what a deposit writes differently from the record
(``deposit_notices``) is reported with ``severity: warning``, printed as
``file:line:col: field: warning: message``; the exit status stays 0 unless ``--strict``."""

from __future__ import annotations

import json
import shutil

import pytest

from pipeline.diagnostics import Diagnostic

from .conftest import REPO, run_cli

# A family name over Crossref's 60 characters: Crossref's person_name refuses it, so the
# deposit carries the author as an organization name (writers/crossref.py).
LONG_FAMILY = "Karamanoğlu-Şahinoğlu-Yıldırımoğlu-Kocaoğlu-Demirtaşoğlu-Bayraktaroğlu"
RECORD = f"""id: long-name
type: research-article
language: tr
doi: 10.5555/tjh.long-name
title: {{tr: Başlık}}
dates: {{published: 2024-01-01}}
authors:
  - {{given: Ayşe, family: {LONG_FAMILY}}}
"""
WARNING = (f"seeds/tjh/articles/long-name.yaml:8:5: authors[0]: warning: crossref: Crossref's person-name rules "
           f"(no digits on both sides of a space, no '?', at most 60 characters, suffix at most 10) refuse "
           f"'Ayşe {LONG_FAMILY}': it is deposited as an organization name")


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    root = tmp_path_factory.mktemp("warnings")
    shutil.copytree(REPO / "seeds", root / "seeds")
    (root / "seeds" / "tjh" / "articles" / "long-name.yaml").write_text(RECORD, encoding="utf-8")
    return root


def test_a_deposit_notice_is_a_warning_and_validate_still_passes(seeds):
    result = run_cli("validate", "seeds", cwd=seeds)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [WARNING]
    assert "valid: 4 article(s) in 1 journal(s), 1 warning(s)" in result.stderr


def test_strict_makes_warnings_fail_the_run(seeds):
    result = run_cli("validate", "seeds", "--strict", cwd=seeds)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [WARNING]
    assert "invalid: 0 problem(s), 1 warning(s) (--strict: warnings fail the run)" in result.stderr


def test_json_carries_the_severity_and_valid_follows_strict(seeds):
    for strict, valid in ((False, True), (True, False)):
        result = run_cli("validate", "seeds", "--format", "json", *(["--strict"] if strict else []), cwd=seeds)
        document = json.loads(result.stdout)
        assert document["valid"] is valid
        assert [(p["field"], p["severity"], p["line"]) for p in document["problems"]] == [("authors[0]", "warning", 8)]
        assert document["problems"][0]["message"].startswith("crossref: Crossref's person-name rules")


def test_for_crossref_keeps_the_warning_beside_the_errors(seeds):
    (seeds / "seeds" / "tjh" / "articles" / "no-doi.yaml").write_text(
        RECORD.replace("id: long-name", "id: no-doi").replace("doi: 10.5555/tjh.long-name\n", ""), encoding="utf-8")
    try:
        plain = run_cli("validate", "seeds", cwd=seeds)
        deposit = run_cli("validate", "seeds", "--for", "crossref", cwd=seeds)
    finally:
        (seeds / "seeds" / "tjh" / "articles" / "no-doi.yaml").unlink()
    # An article Crossref does not take (no DOI) gets no notice about how it would be written.
    assert plain.returncode == 0 and plain.stdout.splitlines() == [WARNING]
    assert deposit.returncode == 1
    assert deposit.stdout.splitlines() == [
        WARNING,
        "seeds/tjh/articles/no-doi.yaml:1:1: doi: crossref: no DOI: Crossref registers DOIs, so this article cannot be deposited",
    ]


def test_the_library_api_reports_the_warning(seeds, monkeypatch):
    import pipeline

    monkeypatch.chdir(seeds)
    problems = pipeline.validate("seeds")
    assert [(p.field, p.severity) for p in problems] == [("authors[0]", "warning")]
    assert str(problems[0]) == WARNING


def test_an_error_prints_as_before_and_a_warning_says_so():
    error = Diagnostic("a.yaml", 3, 5, "doi", "bad")
    assert str(error) == "a.yaml:3:5: doi: bad" and error.severity == "error"
    assert str(error.as_warning()) == "a.yaml:3:5: doi: warning: bad"
