"""Plain-text importer: pasted abstracts -> YAML article draft (`pipeline import-text`)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.importer import labels
from pipeline.importer.text import (
    PLACEHOLDERS,
    ImportTextError,
    detect_language,
    draft_yaml,
    import_text,
    paragraphs,
    split_keywords,
)

SEED = Path(__file__).resolve().parents[1].parent / "shared" / "seed-abstract.txt"

TURKISH = (
    "Bu çalışmada Osmanlı Devleti ile Çarlık Rusya arasındaki ilişkiler arşiv belgeleri\n"
    "ışığında incelenmiş ve iki devletin Kafkasya politikaları karşılaştırılmıştır.\n"
)
ENGLISH = (
    "This study examines the relations between the Ottoman Empire and Tsarist Russia in the\n"
    "light of archival documents and compares the Caucasus policies of the two states.\n"
)
GERMAN = (
    "Zusammenfassung\n"
    "Die vorliegende Studie untersucht die Entwicklung der deutsch-türkischen Beziehungen\n"
    "in der Zwischenkriegszeit anhand bisher unveröffentlichter Quellen aus den Archiven.\n"
    "Schlüsselwörter: Diplomatiegeschichte; Archivquellen; Zwischenkriegszeit.\n"
)
RUSSIAN = (
    "Аннотация\n"
    "В статье рассматриваются отношения между Советской Россией и правительством Великого\n"
    "национального собрания Турции в 1920–1923 годах на основе архивных документов.\n"
    "Ключевые слова: советско-турецкие отношения, дипломатия, архивы.\n"
)
ARABIC = (
    "الملخص\n"
    "تتناول هذه الدراسة العلاقات بين الدولة العثمانية وروسيا القيصرية في القرن التاسع عشر\n"
    "من خلال الوثائق الأرشيفية المنشورة وغير المنشورة.\n"
    "الكلمات المفتاحية: العلاقات الدولية، الدولة العثمانية، روسيا.\n"
)


@pytest.fixture(scope="module")
def seed_draft() -> dict:
    return import_text(SEED.read_text(encoding="utf-8"))


def test_seed_has_turkish_and_english_abstracts(seed_draft):
    assert list(seed_draft["abstract"]) == ["tr", "en"]
    assert seed_draft["language"] == "tr"
    assert seed_draft["languages"] == ["tr", "en"]
    assert seed_draft["abstract"]["tr"].startswith("Osmanlı İmparatorluğu ve Çarlık Rusya")
    assert seed_draft["abstract"]["tr"].endswith("inişli çıkışlı bir şekilde devam etmiştir.")
    assert seed_draft["abstract"]["en"].startswith("Turkish-Russian relations, which matured")
    assert seed_draft["abstract"]["en"].endswith("continued until 1938 with ups and downs.")


def test_seed_keywords_exactly(seed_draft):
    assert seed_draft["keywords"] == {
        "tr": ["Milli Mücadele", "Sovyetler", "Atatürk", "Türk-Rus İlişkileri"],
        "en": ["National Struggle", "Soviets", "Atatürk", "Turkish-Russian Relations"],
    }


def test_seed_wrapped_lines_are_joined(seed_draft):
    tr = seed_draft["abstract"]["tr"]
    assert "gerilimli olmuştur. I. Dünya Savaşı sürecinde" in tr
    for text in seed_draft["abstract"].values():
        assert "\n" not in text  # one paragraph each: no line breaks left inside
        assert "  " not in text
        assert "Anahtar" not in text and "Keywords" not in text


def test_seed_placeholders_are_marked(seed_draft):
    assert seed_draft["id"] == PLACEHOLDERS["id"]
    assert seed_draft["type"] == PLACEHOLDERS["type"]
    assert seed_draft["title"].startswith("TODO:")
    assert seed_draft["authors"].startswith("TODO:")
    assert seed_draft["dates"] == {"published": PLACEHOLDERS["published"]}


def test_placeholders_break_the_schema_on_exactly_their_fields(seed_draft):
    import jsonschema

    schema_path = Path(__file__).resolve().parents[1] / "schemas" / "article.schema.yaml"  # the link users see
    schema = yaml.safe_load(schema_path.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    failing = {".".join(map(str, error.absolute_path))
               for error in validator.iter_errors(seed_draft)}
    assert failing == {"id", "type", "title", "authors", "dates.published"}

    filled = dict(seed_draft, id="x1", type="research-article", title={"tr": "Başlık"},
                  authors=[{"family": "Yılmaz"}], dates={"published": "2024-05-01"})
    assert list(validator.iter_errors(filled)) == []


def test_yaml_round_trips_and_is_readable(seed_draft):
    text = draft_yaml(SEED.read_text(encoding="utf-8"))
    assert yaml.safe_load(text) == seed_draft
    assert "Dünya" in text and "\\u" not in text  # UTF-8, not escapes
    assert "  tr: >" in text  # long abstracts as block scalars
    assert "{" not in text.split("abstract:")[1]  # block style, no flow mappings
    assert text.startswith("# ")
    assert list(yaml.safe_load(text)) == ["id", "type", "language", "languages", "title",
                                          "authors", "dates", "abstract", "keywords"]


def test_yaml_is_deterministic():
    seed = SEED.read_text(encoding="utf-8")
    assert draft_yaml(seed) == draft_yaml(seed)


@pytest.mark.parametrize("label, language", [
    ("Anahtar Kelimeler", "tr"), ("ANAHTAR KELİMELER", "tr"), ("Anahtar sözcükler", "tr"),
    ("Keywords", "en"), ("Key words", "en"), ("KEY-WORDS", "en"),
    ("Schlüsselwörter", "de"), ("Schlagwörter", "de"),
    ("Mots-clés", "fr"), ("MOTS-CLÉS", "fr"),
    ("Palabras clave", "es"), ("Palavras-chave", "pt"),
    ("Ключевые слова", "ru"), ("КЛЮЧЕВЫЕ СЛОВА", "ru"),
    ("الكلمات المفتاحية", "ar"), ("الكلمات الدالة", "ar"),
])
@pytest.mark.parametrize("separator", [": ", " : ", " — ", "— "])
def test_keyword_labels(label, language, separator):
    assert labels.keyword_line(f"{label}{separator}a, b.") == (language, "a, b.")


@pytest.mark.parametrize("line", [
    "Keywords-based retrieval is discussed here.",
    "Key findings: the treaty was signed.",
    "Anahtar kelime olarak bu seçildi",
])
def test_ordinary_lines_are_not_keyword_labels(line):
    assert labels.keyword_line(line) is None


@pytest.mark.parametrize("line, expected", [
    ("Abstract", ("en", "")), ("ABSTRACT:", ("en", "")), ("Özet", ("tr", "")),
    ("ÖZ", ("tr", "")), ("Résumé", ("fr", "")), ("Resumen", ("es", "")),
    ("Resumo", ("pt", "")), ("Аннотация", ("ru", "")), ("الملخص", ("ar", "")),
    ("Abstract: This text.", ("en", "This text.")),
])
def test_heading_labels(line, expected):
    assert labels.heading_line(line) == expected


def test_headings_start_blocks_and_are_dropped():
    draft = import_text("ÖZET\n" + TURKISH + "ABSTRACT\n" + ENGLISH)
    assert list(draft["abstract"]) == ["tr", "en"]
    assert not draft["abstract"]["tr"].startswith("ÖZET")
    assert "keywords" not in draft


def test_label_variants_each_language_in_one_file():
    text = (TURKISH + "Anahtar Sözcükler: Osmanlı; Rusya.\n" + ENGLISH
            + "Key words — Ottoman Empire, Russia\n" + GERMAN + RUSSIAN + ARABIC)
    draft = import_text(text)
    assert draft["languages"] == ["tr", "en", "de", "ru", "ar"]
    assert draft["keywords"] == {
        "tr": ["Osmanlı", "Rusya"],
        "en": ["Ottoman Empire", "Russia"],
        "de": ["Diplomatiegeschichte", "Archivquellen", "Zwischenkriegszeit"],
        "ru": ["советско-турецкие отношения", "дипломатия", "архивы"],
        "ar": ["العلاقات الدولية", "الدولة العثمانية", "روسيا"],
    }
    assert draft["abstract"]["ru"].startswith("В статье рассматриваются")
    assert "Великого национального собрания" in draft["abstract"]["ru"]
    assert draft["abstract"]["ar"].endswith("المنشورة وغير المنشورة.")


@pytest.mark.parametrize("sample, language", [(GERMAN, "de"), (RUSSIAN, "ru"), (ARABIC, "ar")])
def test_single_language_samples(sample, language):
    draft = import_text(sample)
    assert draft["language"] == language
    assert draft["languages"] == [language]
    assert list(draft["abstract"]) == [language]
    assert yaml.safe_load(draft_yaml(sample)) == draft


def test_blank_lines_separate_paragraphs():
    text = ("Abstract\nFirst paragraph starts here and is\nwrapped onto a second line.\n\n"
            "Second   paragraph\tis   here\nand is wrapped too.\n\n\n"
            "Third paragraph of the English summary.\nKeywords: one; two;\nthree.\n")
    draft = import_text(text)
    assert draft["abstract"]["en"] == (
        "First paragraph starts here and is wrapped onto a second line.\n\n"
        "Second paragraph is here and is wrapped too.\n\n"
        "Third paragraph of the English summary.")
    assert draft["keywords"]["en"] == ["one", "two", "three"]
    assert yaml.safe_load(draft_yaml(text)) == draft


def test_paragraph_joining_rules():
    assert paragraphs(["I.", "Dünya", "", "Brest-", "Litovsk", "inter\u00ad", "national"]) == [
        "I. Dünya", "Brest-Litovsk international"]


def test_normalizes_to_nfc_and_strips_controls():
    decomposed = "Turkish-Russian relations matured during the Ottoman Empire and Tsarist\fRussia."
    draft = import_text("\ufeffAbstract\r\n" + decomposed + "\r\nKeywords: Atatu\u0308rk.\r\n")
    assert draft["keywords"]["en"] == ["Atatürk"]  # composed ü
    assert draft["abstract"]["en"].endswith("Tsarist Russia.")


def test_keywords_on_the_line_after_their_label():
    draft = import_text(ENGLISH + "Keywords:\nOttoman Empire, Russia.\n" + TURKISH)
    assert draft["keywords"] == {"en": ["Ottoman Empire", "Russia"]}
    assert list(draft["abstract"]) == ["en", "tr"]


@pytest.mark.parametrize("text, expected", [
    ("a, b; c.", ["a", "b", "c"]),
    ("U.S. Army, NATO", ["U.S. Army", "NATO"]),
    ("a ,, b ;", ["a", "b"]),
    ("العلاقات الدولية، روسيا؛ تركيا.", ["العلاقات الدولية", "روسيا", "تركيا"]),
])
def test_split_keywords(text, expected):
    assert split_keywords(text) == expected


def test_detection_wins_over_a_wrong_label():
    # Turkish abstract, but the journal prints English labels everywhere.
    draft = import_text("Abstract\n" + TURKISH + "Keywords: Osmanlı, Rusya.\n")
    assert draft["language"] == "tr"
    assert draft["keywords"] == {"tr": ["Osmanlı", "Rusya"]}


def test_label_wins_when_detection_is_unsure():
    assert detect_language("COVID-19, SARS-CoV-2, mRNA")[1] < 0.6
    draft = import_text(ENGLISH + "Keywords: vaccine, trial.\n"
                        + "Palavras-chave: COVID-19, SARS-CoV-2, mRNA.\n")
    assert draft["keywords"] == {"en": ["vaccine", "trial"],
                                 "pt": ["COVID-19", "SARS-CoV-2", "mRNA"]}


def test_label_wins_when_detected_language_is_taken():
    # Proper names make the short Spanish keyword list look Turkish, which block 1 already is.
    assert detect_language("Atatürk, Lenin, Moskova")[0] == "tr"
    draft = import_text(TURKISH + "Anahtar Kelimeler: Atatürk.\n"
                        + "Palabras clave: Atatürk, Lenin, Moskova.\n")
    assert draft["languages"] == ["tr", "es"]


def test_two_blocks_in_one_language_is_a_clear_error():
    with pytest.raises(ImportTextError, match="blocks 1 and 2 both look like language 'en'"):
        import_text(ENGLISH + "Keywords: a.\n" + ENGLISH + "Keywords: b.\n")


@pytest.mark.parametrize("text", ["", "\n\n  \n", "Keywords:"])
def test_empty_text_is_a_clear_error(text):
    with pytest.raises(ImportTextError):
        import_text(text)


def _seed_corpus_with(tmp_path: Path, article_yaml: str) -> Path:
    """A copy of the sample journal with one extra article, the draft, in it."""
    seeds = Path(__file__).resolve().parents[1] / "seeds"
    journal_dir = sorted(p.parent for p in seeds.glob("*/journal.yaml"))[0]
    root = tmp_path / "seeds"
    (root / journal_dir.name / "articles").mkdir(parents=True)
    for extra in seeds.glob("*.yaml"):
        (root / extra.name).write_bytes(extra.read_bytes())
    (root / journal_dir.name / "journal.yaml").write_bytes(
        (journal_dir / "journal.yaml").read_bytes())
    (root / journal_dir.name / "articles" / "draft.yaml").write_text(article_yaml,
                                                                     encoding="utf-8")
    return root


def test_pipeline_validate_rejects_the_draft_only_on_its_placeholders(tmp_path):
    from pipeline.read import load_corpus

    text = SEED.read_text(encoding="utf-8")
    result = load_corpus(_seed_corpus_with(tmp_path, draft_yaml(text)))
    assert {d.field for d in result.diagnostics} == {"id", "type", "title", "authors",
                                                     "dates.published"}
    assert all(d.file.endswith("draft.yaml") for d in result.diagnostics)

    filled = dict(import_text(text), id="draft", type="research-article",
                  title={"tr": "Türk-Sovyet İlişkileri", "en": "Turkish-Soviet Relations"},
                  authors=[{"given": "Ayşe", "family": "Yılmaz"}],
                  dates={"published": "2024-05-01"})
    result = load_corpus(_seed_corpus_with(tmp_path / "filled", yaml.safe_dump(
        filled, allow_unicode=True, sort_keys=False)))
    assert result.diagnostics == []
    article = next(a for a in result.corpus.articles if a.id == "draft")
    assert article.language == "tr"
