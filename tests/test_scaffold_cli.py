"""`pipeline new`, `pipeline styles` and subcommand help (issue 11 item 3)."""

from __future__ import annotations

import re
import shutil

import pytest

from pipeline.cli import build_parser

from .conftest import REPO, run_cli

# What an editor writes in place of each TODO value, by key.
FILLED = {
    "title": "{tr: İnebolu Limanı, en: The Port of İnebolu}",
    "languages": "[tr, en]",
    "type": "research-article",
    "authors": "[{given: Ayşe, family: Şahin}]",
    "published": "2024-03-15",
}


def _fill(path):
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^(\s*)([a-z-]+): 'TODO:.*'$", line)
        if match:
            line = f"{match.group(1)}{match.group(2)}: {FILLED[match.group(2)]}"
        lines.append(line)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_new_journal_and_article_are_refused_until_the_todos_are_filled_then_valid(tmp_path):
    seeds = tmp_path / "seeds"
    assert run_cli("new", "journal", "kdt", "--seeds", str(seeds)).returncode == 0
    assert run_cli("new", "article", "kdt/inebolu-limani", "--seeds", str(seeds)).returncode == 0
    journal = seeds / "kdt" / "journal.yaml"
    article = seeds / "kdt" / "articles" / "inebolu-limani.yaml"
    assert "TODO:" in journal.read_text(encoding="utf-8") and "TODO:" in article.read_text(encoding="utf-8")
    refused = run_cli("validate", str(seeds))
    assert refused.returncode == 1
    assert "Traceback" not in refused.stdout + refused.stderr
    _fill(journal)
    # The article's language comes from the journal's languages once they are known.
    article.unlink()
    assert run_cli("new", "article", "kdt/inebolu-limani", "--seeds", str(seeds)).returncode == 0
    assert "\nlanguage: tr " in article.read_text(encoding="utf-8")
    _fill(article)
    result = run_cli("validate", str(seeds))
    assert result.returncode == 0, result.stdout + article.read_text(encoding="utf-8")


def test_new_refuses_a_bad_id_a_missing_journal_and_an_existing_file(tmp_path):
    seeds = tmp_path / "seeds"
    bad = run_cli("new", "journal", "Kuzey Dergisi", "--seeds", str(seeds))
    assert bad.returncode == 2 and "e.g. 'kuzey-dergisi'" in bad.stderr
    missing = run_cli("new", "article", "nope/x", "--seeds", str(seeds))
    assert missing.returncode == 2 and "pipeline new journal nope" in missing.stderr
    assert run_cli("new", "journal", "kdt", "--seeds", str(seeds)).returncode == 0
    again = run_cli("new", "journal", "kdt", "--seeds", str(seeds))
    assert again.returncode == 2 and "already exists" in again.stderr


def test_styles_lists_ids_with_titles_best_match_first():
    result = run_cli("styles", "vancouver")
    assert result.returncode == 0
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert ["nlm-citation-sequence", "NLM/Vancouver: Citing Medicine 2nd edition (citation-sequence)"] in rows
    assert all(len(row) == 2 and row[1] for row in rows)
    assert rows[0][0].startswith("nlm-")
    chicago = run_cli("styles", "chicago").stdout.splitlines()
    assert all(line.startswith("chicago") or "chicago" in line.lower() for line in chicago)
    assert run_cli("styles", "no-such-style-anywhere").returncode == 1


def test_new_help_lists_article_types_and_roles():
    text = run_cli("new", "--help").stdout
    assert "research-article" in text and "book-review" in text
    assert "Writing – review & editing" in text and "free text" in text


def _subcommands():
    parser = build_parser()
    return parser._subparsers._group_actions[0].choices


@pytest.mark.parametrize("name", sorted(_subcommands()))
def test_every_subcommand_help_names_each_option_its_default_and_an_example(name):
    sub = _subcommands()[name]
    text = run_cli(name, "--help").stdout
    flat = " ".join(text.split())
    assert "example: pipeline " + name in flat
    for action in sub._actions:
        if not action.option_strings or action.dest == "help":
            continue
        assert action.option_strings[-1] in text
        assert action.required or "default" in " ".join((action.help or "").split()), (name, action.option_strings)
