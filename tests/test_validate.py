"""Issue 2: every problem in every record, located by file, line, column and field."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.read import load_corpus
from pipeline.located_yaml import MAX_FILE_BYTES, YamlError, load_yaml
from pipeline.input_checks import schema as record_schema

from .conftest import REPO, run_cli

BROKEN = REPO / "tests" / "data" / "broken"
# "# expect: L:C field: text" (the message contains text) or "# expect= L:C field: message"
# (the message verbatim); a file may open with several such lines.
EXPECT = re.compile(r"^# expect([:=]) (\d+):(\d+) ([^:]+): (.*)$")


def expectations() -> list[tuple[str, int, int, str, str, bool]]:
    found = []
    for path in sorted(BROKEN.rglob("*.yaml")):
        for first in path.read_bytes().decode("utf-8", "replace").splitlines():
            match = EXPECT.match(first)
            if not match:
                break
            rel = str(path.relative_to(REPO))
            found.append((rel, int(match.group(2)), int(match.group(3)), match.group(4), match.group(5), match.group(1) == "="))
    return found


@pytest.fixture(scope="module")
def broken_run():
    return run_cli("validate", "tests/data/broken")


def test_broken_records_all_reported_in_one_run(broken_run):
    assert broken_run.returncode == 1
    assert "Traceback" not in broken_run.stdout + broken_run.stderr
    lines = broken_run.stdout.splitlines()
    for rel, line, column, field, text, verbatim in expectations():
        wanted = f"{rel}:{line}:{column}: {field}: "
        hits = [l for l in lines if l.startswith(wanted)]
        assert hits, f"no '{wanted}...' in output:\n{broken_run.stdout}"
        if verbatim:
            assert wanted + text in hits, (text, hits)
        else:
            assert any(text in hit for hit in hits), (text, hits)


def test_every_problem_of_a_file_is_reported_and_nothing_else(broken_run):
    # Issue 11 item 4: one run reports every problem of every parseable file, so the files
    # with several expectations get exactly those lines.
    by_file: dict[str, list[str]] = {}
    for rel, line, column, field, text, verbatim in expectations():
        if verbatim:
            by_file.setdefault(rel, []).append(f"{rel}:{line}:{column}: {field}: {text}")
    lines = broken_run.stdout.splitlines()
    for rel, wanted in by_file.items():
        assert sorted(l for l in lines if l.startswith(rel + ":")) == sorted(wanted), rel


def test_every_broken_file_has_a_problem_and_only_them(broken_run):
    reported = {l.split(":", 1)[0] for l in broken_run.stdout.splitlines()}
    expected = {e[0] for e in expectations()}
    assert expected <= reported
    assert reported <= expected, reported - expected  # the valid twin of the DOI clash is clean
    assert len(expected) >= 32


def test_json_output_is_machine_readable():
    result = run_cli("validate", "tests/data/broken", "--format", "json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["valid"] is False
    entry = next(p for p in data["problems"] if p["file"].endswith("orcid-checksum.yaml"))
    assert entry["line"] == 7 and entry["field"] == "authors[0].orcid"
    assert set(entry) == {"file", "line", "column", "field", "message", "severity"}


def test_sample_seeds_are_valid():
    result = run_cli("validate", "seeds")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_huge_file_is_refused_with_a_message(tmp_path):
    raw = b"id: x\nabstract: {en: '" + b"a" * (MAX_FILE_BYTES + 10) + b"'}\n"
    with pytest.raises(YamlError, match="limit"):
        load_yaml(raw, "huge.yaml")


def test_deep_nesting_is_refused_without_crash():
    raw = ("a:\n" + "".join("  " * i + "- \n" for i in range(1, 200))).encode()
    with pytest.raises(YamlError):
        load_yaml(b"x: " + b"[" * 5000 + b"]" * 5000, "deep.yaml")
    with pytest.raises(YamlError):
        load_yaml(raw, "deep2.yaml")


def test_yaml_1_1_booleans_are_not_keys_and_dates_stay_text():
    doc = load_yaml(b"title: {no: Tittel, on: x}\ndates: {published: 2024-03-01}\n", "t.yaml")
    assert set(doc.data["title"]) == {"no", "on"}
    assert doc.data["dates"]["published"] == "2024-03-01"


def test_custom_tags_are_refused():
    with pytest.raises(YamlError, match="unsupported YAML tag"):
        load_yaml(b"id: !!python/object:os.system x\n", "t.yaml")


def test_reader_joins_wrapped_lines_and_keeps_paragraphs(sample_corpus):
    source = (REPO.parent / "shared" / "seed-abstract.txt").read_text(encoding="utf-8")
    article = next(a for a in sample_corpus.articles if a.id == "turk-sovyet-iliskileri")
    tr = article.abstract("tr")
    assert len(tr.paragraphs) == 1
    assert "I. Dünya Savaşı" in tr.paragraphs[0] and "\n" not in tr.paragraphs[0]
    first_line = source.splitlines()[0]
    assert tr.paragraphs[0].startswith(first_line)
    assert article.keywords_in("en") == ("National Struggle", "Soviets", "Atatürk", "Turkish-Russian Relations")
    structured = next(a for a in sample_corpus.articles if a.id == "anadolu-demiryollari")
    assert structured.abstract("tr").paragraphs[1].startswith("Bulgular")
    assert [s.title for s in structured.abstract("en").sections] == ["Background", "Results"]


def test_identifiers_are_canonical(sample_corpus):
    article = next(a for a in sample_corpus.articles if a.id == "anadolu-demiryollari")
    assert article.authors[1].orcid == "https://orcid.org/0000-0002-1694-233X"
    assert article.affiliation("odtu").ror == "https://ror.org/014weej12"
    assert article.funding[0].funder_id == "https://doi.org/10.13039/501100004410"
    assert article.funding[0].awards == ("122K001", "122K002")
    assert article.languages == ("tr", "en")


# --- the fast validator agrees with the reference one ----------------------------------

def _documents():
    for path in sorted(BROKEN.rglob("*.yaml")) + sorted((REPO / "seeds").rglob("*.yaml")):
        try:
            yield path, load_yaml(path.read_bytes(), str(path)).data
        except YamlError:
            continue


def _kind(path: Path) -> str:
    return {"journal.yaml": "journal", "repository.yaml": "repository"}.get(path.name, "article")


def test_fast_and_reference_validators_agree_on_fixtures():
    checked = 0
    for path, data in _documents():
        kind = _kind(path)
        reference = record_schema.reference_validator(kind).is_valid(data)
        assert record_schema.is_valid(kind, data) == reference, path
        checked += 1
    assert checked >= 25


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 3000) | st.text(max_size=12) | st.sampled_from(["2024-01-01", "tr", "10.5555/x"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(
        ["id", "type", "language", "title", "tr", "en", "dates", "published", "authors", "family", "pages", "first", "volume", "doi", "collab", "text"]
    ), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({
    "id": st.sampled_from(["ok", "Bad ID"]),
    "type": st.sampled_from(["research-article", "nonsense"]),
    "language": st.sampled_from(["tr", ""]),
    "title": json_values,
    "dates": st.one_of(st.just({"published": "2024-01-01"}), json_values),
}, optional={"authors": json_values, "pages": json_values, "volume": json_values, "references": json_values}))
def test_fast_and_reference_validators_agree_on_random_records(record):
    assert record_schema.is_valid("article", record) == record_schema.reference_validator("article").is_valid(record)


def test_validate_for_crossref_locates_missing_deposit_fields(tmp_path):
    import shutil

    seeds = tmp_path / "seeds"
    shutil.copytree(REPO / "seeds", seeds)
    article = seeds / "tjh" / "articles" / "digital-archives.yaml"
    lines = [l for l in article.read_text(encoding="utf-8").splitlines() if not l.startswith(("doi:", "url:"))]
    article.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run_cli("validate", str(seeds)).returncode == 0  # DOI and URL are optional in general
    result = run_cli("validate", str(seeds), "--for", "crossref")
    assert result.returncode == 1
    problems = [l for l in result.stdout.splitlines() if "digital-archives.yaml" in l]
    assert any(": doi: crossref: no DOI" in l for l in problems), result.stdout
    # without its own url the article has its landing page on the journal's site (issue 12)
    assert not any(": url: " in l for l in problems), result.stdout
    assert all(re.match(r"^\S+digital-archives\.yaml:\d+:\d+: ", l) for l in problems)
    journal = seeds / "tjh" / "journal.yaml"
    journal.write_text("\n".join(l for l in journal.read_text(encoding="utf-8").splitlines() if not l.startswith("url:")) + "\n", encoding="utf-8")
    problems = [l for l in run_cli("validate", str(seeds), "--for", "crossref").stdout.splitlines() if "digital-archives.yaml" in l]
    assert any(": url: crossref: no landing page URL" in l for l in problems), problems


def test_reading_many_records_keeps_no_memory_of_them():
    from pipeline import located_yaml as yamlsource

    for i in range(50):
        load_yaml(f"id: r{i}\nvolume: 1.5\nopen: true\nissue: null\nyear: 2024\n".encode(), "r.yaml")
    assert not yamlsource._scalar_constructor.constructed_objects


# --- issue 11 items 5, 6, 8: the editor's words -------------------------------------------

def test_raw_control_character_is_located_in_json_too():
    result = run_cli("validate", "tests/data/broken", "--format", "json")
    entry = next(p for p in json.loads(result.stdout)["problems"] if p["file"].endswith("raw-control.yaml"))
    assert (entry["line"], entry["column"], entry["field"]) == (5, 13, "title.tr")
    assert entry["message"] == "contains the control character U+0007, which XML cannot carry; delete it"


# Words of JSON Schema and of regexes that must never reach an editor.
SCHEMA_WORDS = re.compile(r"is not of type|does not match|is not valid under|oneOf|anyOf|\$defs|"
                          r"additionalProperties|propertyNames|required property|\^\[|\]\{|\\\\S|\\\\s|\(\?")


def test_no_schema_words_in_the_broken_fixtures_messages(broken_run):
    assert not SCHEMA_WORDS.search(broken_run.stdout), broken_run.stdout


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({
    "id": st.sampled_from(["ok", "Bad ID", 3]),
    "type": st.sampled_from(["research-article", "nonsense", 1]),
    "language": st.sampled_from(["tr", "", "Türkçe", 5]),
    "title": json_values,
    "dates": st.one_of(st.just({"published": "2024-01-01"}), json_values),
}, optional={"authors": json_values, "pages": json_values, "volume": json_values, "references": json_values,
             "keywords": json_values, "affiliations": json_values, "doi": json_values, "url": json_values}))
def test_no_schema_words_reach_the_editor_for_any_record(record):
    from pipeline.located_yaml import YamlDocument

    for diagnostic in record_schema.schema_diagnostics("article", YamlDocument("x.yaml", record)):
        assert not SCHEMA_WORDS.search(diagnostic.message), diagnostic.message


def _seeds_with(tmp_path, name: str, text: str) -> Path:
    import shutil

    seeds = tmp_path / "seeds"
    shutil.copytree(REPO / "seeds", seeds)
    (seeds / "tjh" / "articles" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return seeds


ROLES_RECORD = """id: roles
type: research-article
language: tr
title: {tr: Başlık}
dates: {published: 2024-01-01}
authors:
  - family: Şahin
    roles:
      - contributed to data analysis
      - formal ANALYSIS
      - writing - review and editing
      - {tr: Kavramsallaştırma, en: conceptualization}
"""


def test_free_text_and_variant_credit_roles_are_accepted_and_canonical(tmp_path):
    from pipeline.read import load_corpus

    seeds = _seeds_with(tmp_path, "roles", ROLES_RECORD)
    result = load_corpus(seeds)
    assert result.ok, result.diagnostics
    article = next(a for a in result.corpus.articles if a.id == "roles")
    roles = article.authors[0].roles
    assert roles[:3] == ("contributed to data analysis", "Formal analysis", "Writing – review & editing")
    assert tuple(roles[3]) == (("tr", "Kavramsallaştırma"), ("en", "Conceptualization"))


def test_per_language_roles_only_in_declared_languages(tmp_path):
    seeds = _seeds_with(tmp_path, "roles", ROLES_RECORD.replace("{tr: Kavramsallaştırma,", "{de: Konzeption,"))
    result = run_cli("validate", str(seeds))
    assert result.returncode == 1
    assert "roles.yaml:12:10: authors[0].roles[3].de: language 'de' is not one of the journal's languages" in result.stdout, result.stdout
