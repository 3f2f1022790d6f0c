"""The printed labels that mark keyword lines and abstract headings in pasted abstracts.

Each label says which language it is written in (a BCP 47 tag). That is only a hint: a Turkish
abstract may well carry an English "Keywords:" label, so the importer asks a language
identifier first and falls back to the label's language when the identifier is unsure.
Labels are compared after :func:`fold`, so write them here in lower case.
"""

from __future__ import annotations

KEYWORD_LABELS: dict[str, str] = {
    "anahtar kelimeler": "tr",
    "anahtar sözcükler": "tr",
    "anahtar kavramlar": "tr",
    "keywords": "en",
    "key words": "en",
    "key-words": "en",
    "keyword": "en",
    "index terms": "en",
    "schlüsselwörter": "de",
    "schlagwörter": "de",
    "stichwörter": "de",
    "mots-clés": "fr",
    "mots clés": "fr",
    "mots-clefs": "fr",
    "mots clefs": "fr",
    "palabras clave": "es",
    "palabras claves": "es",
    "palabras-clave": "es",
    "palavras-chave": "pt",
    "palavras chave": "pt",
    "ключевые слова": "ru",
    "الكلمات المفتاحية": "ar",
    "الكلمات الدالة": "ar",
    "كلمات مفتاحية": "ar",
}

HEADING_LABELS: dict[str, str] = {
    "abstract": "en",
    "summary": "en",
    "özet": "tr",
    "öz": "tr",
    "zusammenfassung": "de",
    "résumé": "fr",
    "resume": "fr",
    "resumen": "es",
    "resumo": "pt",
    "аннотация": "ru",
    "резюме": "ru",
    "الملخص": "ar",
    "ملخص": "ar",
}

# What may stand between a label and the text it introduces.
SEPARATORS = (":", "：", "—", "–", "-")


def fold(text: str) -> str:
    """Lower-case ``text`` character by character, keeping its length.

    ``str.lower`` turns Turkish "İ" into two code points ("i" + combining dot), which would both
    miss "anahtar kelimeler" and shift every offset after it; the dotted and dotless i of Turkish
    are all folded to a plain "i" instead, so "ANAHTAR KELİMELER" and "Anahtar Kelımeler" match.
    """
    return "".join("i" if ch in "İIı" else ch.lower() for ch in text)


def _folded(labels: dict[str, str]) -> list[tuple[str, str]]:
    # Longest first, so "key words" wins over a shorter label that is its prefix.
    return sorted(((fold(k), v) for k, v in labels.items()), key=lambda kv: -len(kv[0]))


_KEYWORDS = _folded(KEYWORD_LABELS)
_HEADINGS = _folded(HEADING_LABELS)


def _split_label(line: str, labels: list[tuple[str, str]], bare_allowed: bool):
    stripped = line.strip()
    folded = fold(stripped)
    for label, language in labels:
        if not folded.startswith(label):
            continue
        rest = stripped[len(label):]
        if not rest.strip():
            if bare_allowed:
                return language, ""
            continue
        body = rest.lstrip()
        if body[0] in SEPARATORS and (body[0] != "-" or rest[0].isspace()):
            # A plain "-" counts only as " - ", so "Keywords-based" is not a label.
            return language, body[1:].strip()
        if bare_allowed and body in (".",):
            return language, ""
    return None


def keyword_line(line: str) -> tuple[str, str] | None:
    """``(label language, keyword text)`` when ``line`` starts with a keyword label."""
    return _split_label(line, _KEYWORDS, bare_allowed=False)


def heading_line(line: str) -> tuple[str, str] | None:
    """``(label language, text after the heading)`` when ``line`` is an abstract heading.

    The heading may stand alone ("ÖZET", "Abstract.") or introduce the text ("Abstract: ...").
    """
    return _split_label(line, _HEADINGS, bare_allowed=True)
