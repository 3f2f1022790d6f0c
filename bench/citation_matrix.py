"""Byte-identity and speed of formatted citations over a style × locale × corpus matrix.

    python -m bench.citation_matrix [--articles N] [--out DIR]

Formats every article of the sample seeds and of a generated corpus (bench.corpus, N
articles) in each of the sample journal's styles (seeds/tjh/journal.yaml: 7) and in tr-TR and
en-US, three times, each in a fresh process: with citeproc-py as released plus our
corrections only (``PIPELINE_CITEPROC_MEMO=0 PIPELINE_CITEPROC_COMPILED=0``: the reference),
with the memo tables of ``pipeline.writers.citeproc_compat``, and with the compiled styles of
``pipeline.writers.citeproc_compiled`` (what publish uses). Prints CPU ms per citation of
each (process time: the machine may be shared) and exits 1 when any entry (text or HTML) of
either differs from the reference. ``--one`` runs one side and prints its JSON (what the
processes do).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ("tr-TR", "en-US")


def _articles(articles: int, workdir: Path):
    from bench.corpus import generate
    from pipeline.read.corpus import load_corpus

    corpora = [load_corpus(ROOT / "seeds").corpus]
    if articles:
        generate(workdir / "seeds", articles, seed=7)
        corpora.append(load_corpus(workdir / "seeds").corpus)
    sample = corpora[0].journals[0]
    for corpus in corpora:
        journals = {journal.id: journal for journal in corpus.journals}
        for article in corpus.articles:
            journal = journals[article.journal_id]
            yield article, dataclasses.replace(journal, citation_styles=sample.citation_styles)


def one_side(articles: int) -> dict:
    from pipeline.writers import citations

    entries: dict[str, str] = {}
    count, seconds = 0, 0.0
    with tempfile.TemporaryDirectory() as workdir:
        pairs = list(_articles(articles, Path(workdir)))
    for article, journal in pairs:
        for style in journal.citation_styles:
            for locale in LOCALES:
                citations.load_style(style, locale)  # loading (and compiling) is not what is measured
                citations.compiled_style(style, locale)
    for article, journal in pairs:
        for style in journal.citation_styles:
            item = citations.citation_item(article, journal, style)
            for locale in LOCALES:
                started = time.process_time()
                text = citations.format_item(item, style, locale, "text")
                html = citations.format_item(item, style, locale, "html")
                seconds += time.process_time() - started
                count += 1
                entries[f"{article.key} {style} {locale}"] = hashlib.sha256(f"{text}\n{html}".encode()).hexdigest()
    # text and html are each one citeproc-py render: two renders per counted citation.
    compiled = sum(citations.compiled_style(style, locale) is not None for style in pairs[0][1].citation_styles for locale in LOCALES)
    return {"entries": entries, "citations": count, "ms_per_citation": seconds * 1000 / (2 * count),
            "compiled_styles": compiled}


def citeproc_js_ms(articles: int, rounds: int = 3) -> float:
    """citeproc-js (node, tests/citeproc_js) on the same items, styles and locale files: ms per
    citation with the style loaded, over ``rounds`` rounds (its JIT warms up in the first)."""
    from pipeline.writers import citations
    from tests.citeproc_js_oracle import format_with_citeproc_js

    with tempfile.TemporaryDirectory() as workdir:
        pairs = list(_articles(articles, Path(workdir)))
    styles = pairs[0][1].citation_styles
    seconds, count = 0.0, 0
    for style in styles:
        items = [citations.citation_item(article, journal, style) for article, journal in pairs]
        for locale in LOCALES:
            _, spent = format_with_citeproc_js(items, citations.style_path(style), locale, repeat=rounds)
            seconds += spent
            count += rounds * len(items)
    return seconds * 1000 / count


# The sides: citeproc-py (with our corrections), + memo tables, the compiled styles.
SIDES = {
    "plain": {"PIPELINE_CITEPROC_MEMO": "0", "PIPELINE_CITEPROC_COMPILED": "0"},
    "memo": {"PIPELINE_CITEPROC_MEMO": "1", "PIPELINE_CITEPROC_COMPILED": "0"},
    "compiled": {"PIPELINE_CITEPROC_MEMO": "1", "PIPELINE_CITEPROC_COMPILED": "1"},
}


def citation_stage(seeds: Path, sample: int, rounds: int = 3) -> dict:
    """The citations writer (``citations.render``, no cache: every entry formatted cold, as in
    a first publish) over ``sample`` articles of ``seeds``, with the compiled styles and with
    citeproc-py itself (memo tables), back to back in this process; and citeproc-js (node) on
    the same items, styles and locale files. Per citation = per style × locale entry (its text
    and HTML files); CPU and wall ms for ours, wall ms for citeproc-js (timed inside node over
    ``rounds`` rounds, after a first untimed one that loads the style and warms the JIT)."""
    from pipeline.read.corpus import load_corpus
    from pipeline.writers import citations

    corpus = load_corpus(seeds).corpus
    journals = {journal.id: journal for journal in corpus.journals}
    step = max(1, len(corpus.articles) // sample)
    pairs = [(article, journals[article.journal_id]) for article in corpus.articles[::step][:sample]]
    count = sum(len(j.citation_styles) * len(citations.locales_for(a, j)) for a, j in pairs)
    for article, journal in pairs[:1] + pairs[-1:]:  # loading and compiling every style is not what is measured
        for style in journal.citation_styles:
            for locale in citations.locales_for(article, journal):
                citations.compiled_style(style, locale)
        citations.render(article, journal)
    result: dict = {"articles": len(pairs), "citations": count}
    previous = os.environ.get("PIPELINE_CITEPROC_COMPILED")
    try:
        for side, flag in (("compiled", "1"), ("citeproc-py", "0")):
            os.environ["PIPELINE_CITEPROC_COMPILED"] = flag
            wall, cpu = time.perf_counter(), time.process_time()
            for article, journal in pairs:
                citations.render(article, journal)
            result[side] = {"wall_ms": (time.perf_counter() - wall) * 1000 / count,
                            "cpu_ms": (time.process_time() - cpu) * 1000 / count}
    finally:
        if previous is None:
            os.environ.pop("PIPELINE_CITEPROC_COMPILED", None)
        else:
            os.environ["PIPELINE_CITEPROC_COMPILED"] = previous
    try:
        from tests.citeproc_js_oracle import format_with_citeproc_js

        seconds, formatted = 0.0, 0
        groups: dict[tuple[str, str], list[dict]] = {}
        for article, journal in pairs:
            for style in journal.citation_styles:
                item = citations.citation_item(article, journal, style)
                for locale in citations.locales_for(article, journal):
                    groups.setdefault((style, locale), []).append(item)
        for (style, locale), items in groups.items():
            _, spent = format_with_citeproc_js(items, citations.style_path(style), locale, repeat=rounds)
            seconds += spent
            formatted += rounds * len(items)
        result["citeproc-js"] = {"wall_ms": seconds * 1000 / formatted}
    except (OSError, RuntimeError, ImportError) as error:
        result["citeproc-js"] = f"{type(error).__name__}: {error}"
    return result


def run_side(articles: int, side: str) -> dict:
    env = dict(os.environ, PYTHONHASHSEED="0", **SIDES[side])
    result = subprocess.run([sys.executable, "-m", "bench.citation_matrix", "--one", "--articles", str(articles)],
                            cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def differing(reference: dict, other: dict) -> list[str]:
    keys = reference["entries"].keys() | other["entries"].keys()
    return sorted(k for k in keys if reference["entries"].get(k) != other["entries"].get(k))


def compare(articles: int, sides: tuple[str, ...] = ("memo", "compiled")) -> tuple[dict, dict[str, dict], dict[str, list[str]]]:
    """The reference side and each of ``sides`` (run back to back), and the entries of each
    that differ from the reference."""
    plain = run_side(articles, "plain")
    results = {side: run_side(articles, side) for side in sides}
    return plain, results, {side: differing(plain, result) for side, result in results.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100, help="generated articles besides the sample seeds (default 100)")
    parser.add_argument("--one", action="store_true", help="run one side in this process and print its JSON")
    parser.add_argument("--citeproc-js", action="store_true", help="also time citeproc-js (node) on the same citations")
    args = parser.parse_args(argv)
    if args.one:
        json.dump(one_side(args.articles), sys.stdout)
        return 0
    plain, results, differ = compare(args.articles)
    memo, compiled = results["memo"], results["compiled"]
    print(f"{plain['citations']} citations (articles x styles x locales)")
    print(f"citeproc-py + corrections: {plain['ms_per_citation']:.2f} ms per citation")
    print(f"with memo tables:          {memo['ms_per_citation']:.2f} ms per citation")
    print(f"compiled styles:           {compiled['ms_per_citation']:.2f} ms per citation "
          f"({compiled['compiled_styles']} of {len(LOCALES) * 7} style x locale compiled)")
    if args.citeproc_js:
        js = citeproc_js_ms(args.articles)
        print(f"citeproc-js (node):        {js:.2f} ms per citation "
              f"(compiled citeproc-py / citeproc-js = {compiled['ms_per_citation'] / js:.2f})")
    for side, keys in differ.items():
        print(f"{side}: " + ("byte-identical" if not keys else f"{len(keys)} entries differ, e.g. {keys[:3]}"))
    return 1 if any(differ.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
