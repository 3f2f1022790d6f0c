"""citeproc-py's memo tables (pipeline/writers/citeproc_compat.py) change no byte: the sample
journal's 7 styles × tr-TR/en-US over the sample seeds and a small generated corpus, formatted
in two fresh processes with and without them (bench/citation_matrix.py; run it with
``--articles 100`` or more for the full matrix)."""

from __future__ import annotations

from bench import citation_matrix


def test_memo_tables_are_byte_identical_on_a_small_matrix():
    plain, memo, differ = citation_matrix.compare(articles=6)
    assert differ == []
    # sample seeds (3) + 6 generated articles, 7 styles, 2 locales
    assert plain["citations"] == memo["citations"] == (3 + 6) * 7 * 2
    assert len(plain["entries"]) == plain["citations"]
