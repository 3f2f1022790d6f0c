"""The benchmark's synthetic corpus: valid through the real reader, and deterministic."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bench import corpus as synthetic
from pipeline.read import load_corpus
from pipeline.identifiers import orcid_checksum_ok


def _digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("synthetic") / "seeds"
    info = synthetic.generate(root, 40, journals=4, seed=7)
    return info, load_corpus(root)


def test_every_generated_record_passes_validation(generated):
    info, result = generated
    assert result.diagnostics == []
    assert len(result.corpus.articles) == info.articles == 40
    assert len(result.corpus.journals) == 4


def test_records_are_realistic(generated):
    _, result = generated
    articles = result.corpus.articles
    for article in articles:
        assert len(article.authors) == synthetic.AUTHORS_PER_ARTICLE
        assert len(article.references) == synthetic.REFERENCES_PER_ARTICLE
        assert all(ref.structured for ref in article.references)
        for person in article.authors:
            assert orcid_checksum_ok(person.orcid.rsplit("/", 1)[1])
        for aff in article.affiliations:
            assert aff.ror.startswith("https://ror.org/0")
        for abstract in article.abstracts:
            words = len(abstract.text.split())
            assert 190 <= words <= 330, (article.key, abstract.lang, words)
            assert len(abstract.paragraphs) >= 2
            assert "\n" not in abstract.paragraphs[0]  # the hard wraps were joined by the reader
    bilingual = [a for a in articles if set(a.title.languages) == {"tr", "en"}]
    english_only = [a for a in articles if a.languages == ("en",)]
    assert bilingual and english_only
    assert any(a.elocation for a in articles) and any(a.pages for a in articles)
    assert any(a.funding for a in articles)
    assert any(ch in a.title.get("tr", "") for a in bilingual for ch in "ğüşıöçİ")


def test_check_digits_match_known_identifiers():
    assert synthetic.orcid_check_digit("000000021825009") == "7"  # 0000-0002-1825-0097
    assert synthetic.orcid_check_digit("000000021694233") == "X"  # 0000-0002-1694-233X
    assert synthetic.issn_check_digit("0317847") == "1"  # 0317-8471
    assert synthetic.issn_check_digit("2434561") == "X"  # 2434-561X


def test_ror_ids_carry_a_valid_checksum():
    alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
    for number in (0, 1, 12345, 987654321):
        ident = synthetic.make_ror(number).rsplit("/", 1)[1]
        value = 0
        for char in ident[:7]:
            value = value * 32 + alphabet.index(char)
        assert int(ident[7:]) == 98 - (value * 100) % 97


def test_same_seed_gives_byte_identical_files(tmp_path):
    first = synthetic.generate(tmp_path / "a", 12, seed=3)
    second = synthetic.generate(tmp_path / "b", 12, seed=3)
    assert _digests(first.root) == _digests(second.root)
    other = synthetic.generate(tmp_path / "c", 12, seed=4)
    assert _digests(other.root) != _digests(first.root)


def test_a_record_does_not_depend_on_the_corpus_size(tmp_path):
    small = synthetic.generate(tmp_path / "small", 8, journals=2, seed=1)
    large = synthetic.generate(tmp_path / "large", 30, journals=2, seed=1)
    for relative, digest in _digests(small.root).items():
        if relative.endswith(".yaml") and "/articles/" in relative:
            assert _digests(large.root)[relative] == digest


def test_retitle_changes_the_title_and_stays_valid(tmp_path):
    info = synthetic.generate(tmp_path / "seeds", 8, seed=2)
    path = info.article_paths()[3]
    before = path.read_bytes()
    synthetic.retitle(path)
    assert path.read_bytes() != before
    result = load_corpus(info.root)
    assert result.diagnostics == []
    article = next(a for a in result.corpus.articles if a.id == path.stem)
    assert all(text.endswith(" (revised)") for _, text in article.title)
