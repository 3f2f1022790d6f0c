"""citeproc-py's memo tables (pipeline/writers/citeproc_compat.py) and the compiled styles
(pipeline/writers/citeproc_compiled.py) change no byte: the sample journal's 7 styles ×
tr-TR/en-US over the sample seeds and a small generated corpus, formatted in fresh processes
by plain citeproc-py (the reference), with the memo tables, and compiled
(bench/citation_matrix.py; run it with ``--articles 100`` or more for the full matrix)."""

from __future__ import annotations

from bench import citation_matrix


def test_memo_tables_and_compiled_styles_are_byte_identical_on_a_small_matrix():
    plain, sides, differ = citation_matrix.compare(articles=6)
    assert differ == {"memo": [], "compiled": []}
    # sample seeds (3) + 6 generated articles, 7 styles, 2 locales
    assert plain["citations"] == sides["memo"]["citations"] == sides["compiled"]["citations"] == (3 + 6) * 7 * 2
    assert len(plain["entries"]) == plain["citations"]
    # every style x locale went through the compiled form (none fell back to citeproc-py)
    assert sides["compiled"]["compiled_styles"] == 7 * 2
    assert plain["compiled_styles"] == 7 * 2  # compiled there too, but not used (PIPELINE_CITEPROC_COMPILED=0)
