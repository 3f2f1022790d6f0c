r"""BibTeX: one ``@article`` per article, written so that classic 8-bit BibTeX sorts,
abbreviates, case-changes and prints it right.

LaTeX encoding (letters, TeX specials, ligatures) is :mod:`pipeline.writers.latex`, shared
with the BibLaTeX writer.

Title capitalisation: BibTeX styles lowercase titles (``change.case$ "t"``), which would
destroy proper nouns and acronyms. We cannot tell a proper noun from a capitalised word
in plain metadata in every language, so every word that holds a capital letter is
protected with braces, except when the only capital is the first letter of the title
(which styles keep anyway). Capitals in the record therefore survive every style; lowercase
words stay unprotected.

Citation keys: ``<family><year><word>-<hash>``, e.g. ``sahin2024milli-q3xa``: the first
author's family name and the first significant title word transliterated to ASCII
(``anyascii``), the publication year, and four base32 characters of the SHA-256 of the
article key (``<journal-id>/<article-id>``). The suffix is always there: a key must be the
same in the per-article file and in the journal file, and an incremental publish renders one
article without seeing the others, so the key can only depend on the article itself. The
article key is unique in the corpus, so two articles share a key only if both the readable
part and 20 hash bits coincide; ``render_journal`` refuses such a collision loudly.
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence, Union

from anyascii import anyascii

from pipeline.layout import article_path, journal_path
from pipeline.writers.parts import BIBTEX_PART
from pipeline.model import Article, Collaboration, Contributor, Journal
from pipeline.writers import JournalEntry, Rendered, shared
from pipeline.writers.latex import latex_text  # noqa: F401 (also bibtex.latex_text for callers)

NAME = "bibtex"

# --- LaTeX text ---------------------------------------------------------------------------

def _has_capital(word: str, skip_first: bool) -> bool:
    letters = word[1:] if skip_first else word
    return any(ch.isupper() or unicodedata.category(ch) == "Lt" for ch in letters)


def protected_title(text: str, encode: Callable[[str], str]) -> str:
    """``text`` encoded, every word holding a capital braced so styles cannot lowercase it.

    The title's first word is left alone when its only capital is its first letter: styles
    keep that letter as it is.
    """
    words = text.split(" ")
    out = []
    for index, word in enumerate(words):
        encoded = encode(word)
        if word and _has_capital(word, skip_first=index == 0):
            # A word starting with an escaped brace gets two: "{\{" would open a BibTeX
            # special character, whose letters change.case$ does lowercase.
            encoded = "{{" + encoded + "}}" if encoded.startswith("\\") else "{" + encoded + "}"
        out.append(encoded)
    return " ".join(out)


# The title rule is shared by every format (pipeline.writers.shared.join_title).
title_with_subtitle = shared.main_title


def verbatim(value: str) -> str:
    """A DOI or URL as-is, with what would end or break a BibTeX field percent-encoded."""
    return re.sub(r"[{}\\\s]", lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), value)


# --- names --------------------------------------------------------------------------------

_AND_WORD = re.compile(r"(?:^|\s)and(?:\s|$)", re.IGNORECASE)


def _name_part(text: str, encode: Callable[[str], str]) -> str:
    encoded = encode(text)
    # A comma, a lone "and" or the word "others" would be read as name structure.
    if "," in text or _AND_WORD.search(text) or text.strip().lower() == "others":
        encoded = "{" + encoded + "}"
    return encoded


def name_list(contributors: Iterable[Contributor], encode: Callable[[str], str],
              encode_collaboration: Callable[[str], str] | None = None) -> str:
    """``Family, Given and Family, Suffix, Given and {Collaboration}``.

    ``encode_collaboration`` encodes a collaboration's name (default: ``encode``)."""
    names = []
    for contributor in contributors:
        if isinstance(contributor, Collaboration):
            names.append("{" + (encode_collaboration or encode)(contributor.display_name) + "}")
            continue
        if not contributor.given:
            # Without a comma BibTeX reads "First von Last": a lone "Müller Lüdenscheidt"
            # would get a first name. A trailing comma ("Family,", "Family, Jr.,") is read
            # differently by BibTeX, biber and bibtexparser, so the family name (and the
            # suffix after it) is braced into one last name.
            family = " ".join(p for p in (contributor.family, contributor.suffix) if p)
            names.append("{" + encode(family) + "}")
            continue
        parts = [_name_part(contributor.family, encode)]
        if contributor.suffix:
            parts.append(_name_part(contributor.suffix, encode))
        if contributor.given:
            parts.append(_name_part(contributor.given, encode))
        names.append(", ".join(parts))
    return " and ".join(names)


# --- languages ----------------------------------------------------------------------------

# BCP 47 tag (or its language subtag) -> the babel name biblatex's langid and babelbib's
# language field take, for every language babel has a locale for (babel-<tag>.ini). Every
# name is one babel loads (tests/test_babel_languages.py checks both with kpsewhich):
# "persian", not biber's "farsi" (babel has no farsi; polyglossia has both); "indonesian" and
# "serbian-cyrillic", not "bahasai" and "serbianc" (polyglossia's names, unknown to babel);
# plain "french" for fr-CA ("acadian" is in no package here, babel's "french-canada" is not in
# polyglossia). Biber writes a langid through as it is (its locale map only rewrites BCP 47
# tags such as "fa-IR"), so babel's names reach biblatex unchanged.
_BABEL_NAMES = {
    "af": "afrikaans", "ak": "akan", "am": "amharic", "ar": "arabic", "as": "assamese",
    "az": "azerbaijani", "be": "belarusian", "bg": "bulgarian", "bm": "bambara", "bn": "bengali",
    "bo": "tibetan", "br": "breton", "bs": "bosnian", "ca": "catalan", "ce": "chechen",
    "cs": "czech", "cu": "churchslavic", "cy": "welsh", "da": "danish", "de": "ngerman",
    "de-AT": "naustrian", "de-CH": "nswissgerman", "dz": "dzongkha", "ee": "ewe", "el": "greek",
    "en": "english", "en-GB": "british", "en-US": "american", "eo": "esperanto", "es": "spanish",
    "et": "estonian", "eu": "basque", "fa": "persian", "ff": "fulah", "fi": "finnish",
    "fo": "faroese", "fr": "french", "fr-CA": "french", "fy": "westernfrisian", "ga": "irish",
    "gd": "scottish", "gl": "galician", "gu": "gujarati", "gv": "manx", "ha": "hausa",
    "he": "hebrew", "hi": "hindi", "hr": "croatian", "hu": "magyar", "hy": "armenian",
    "ia": "interlingua", "id": "indonesian", "ig": "igbo", "ii": "sichuanyi", "is": "icelandic",
    "it": "italian", "ja": "japanese", "ka": "georgian", "ki": "kikuyu", "kk": "kazakh",
    "kl": "kalaallisut", "km": "khmer", "kn": "kannada", "ko": "korean", "ks": "kashmiri",
    "kw": "cornish", "ky": "kyrgyz", "la": "latin", "lb": "luxembourgish", "lg": "ganda",
    "ln": "lingala", "lo": "lao", "lt": "lithuanian", "lu": "lubakatanga", "lv": "latvian",
    "mg": "malagasy", "mk": "macedonian", "ml": "malayalam", "mn": "mongolian", "mr": "marathi",
    "ms": "malay", "mt": "maltese", "my": "burmese", "nb": "norsk", "nd": "northndebele",
    "ne": "nepali", "nl": "dutch", "nn": "nynorsk", "no": "norsk", "oc": "occitan", "om": "oromo",
    "or": "odia", "os": "ossetic", "pa": "punjabi", "pl": "polish", "ps": "pashto",
    "pt": "portuguese", "pt-BR": "brazilian", "qu": "quechua", "rm": "romansh", "rn": "rundi",
    "ro": "romanian", "ru": "russian", "rw": "kinyarwanda", "sa": "sanskrit", "sc": "sardinian",
    "se": "samin", "sg": "sango", "si": "sinhala", "sk": "slovak", "sl": "slovenian",
    "sn": "shona", "so": "somali", "sq": "albanian", "sr": "serbian",
    "sr-Cyrl": "serbian-cyrillic", "sv": "swedish", "sw": "swahili", "ta": "tamil", "te": "telugu",
    "th": "thai", "ti": "tigrinya", "tk": "turkmen", "to": "tongan", "tr": "turkish",
    "ug": "uyghur", "uk": "ukrainian", "ur": "urdu", "uz": "uzbek", "vi": "vietnamese",
    "yi": "yiddish", "yo": "yoruba", "zh": "chinese", "zu": "zulu",
}


def babel_language(tag: str) -> str | None:
    """The babel/polyglossia name of a BCP 47 language tag, None when there is none."""
    if tag in _BABEL_NAMES:
        return _BABEL_NAMES[tag]
    return _BABEL_NAMES.get(tag.split("-")[0].lower())


# --- citation key -------------------------------------------------------------------------

# Words a key must not be built from, per title language (compared in lower case).
_STOP_WORDS = {
    "tr": {"bir", "ve", "ile", "bu", "şu", "o", "da", "de", "ki", "için", "gibi", "veya",
           "ya", "ne", "çok", "daha", "her", "olan", "üzerine", "üzerinde", "hakkında"},
    "en": {"a", "an", "the", "of", "on", "in", "at", "to", "for", "and", "or", "with",
           "from", "by", "as", "about", "into", "is", "are", "its", "how", "what", "why",
           "when", "towards", "toward", "do", "does", "s"},
    "de": {"der", "die", "das", "ein", "eine", "einer", "und", "zur", "zum", "über", "von",
           "im", "in", "mit", "für", "den", "dem", "des"},
    "fr": {"le", "la", "les", "un", "une", "des", "du", "de", "d", "l", "et", "sur", "en",
           "au", "aux", "pour"},
    "es": {"el", "la", "los", "las", "un", "una", "de", "del", "y", "en", "sobre", "para",
           "al", "por"},
    "pt": {"o", "a", "os", "as", "um", "uma", "de", "do", "da", "dos", "das", "e", "em",
           "no", "na", "sobre", "para"},
    "it": {"il", "lo", "la", "i", "gli", "le", "un", "una", "di", "del", "della", "e",
           "in", "su", "per", "l"},
    "ru": {"о", "об", "и", "в", "во", "на", "к", "с", "по", "из", "за", "для"},
    "ar": {"في", "من", "على", "إلى", "عن", "و"},
}

_KEY_PART_LENGTH = 20


def _ascii_alnum(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", anyascii(text).lower())[:_KEY_PART_LENGTH]


def _lower(text: str, lang: str) -> str:
    if lang.split("-")[0] in ("tr", "az"):
        text = text.replace("İ", "i").replace("I", "ı")
    return text.lower()


def _key_word(title: str, lang: str) -> str:
    stop_words = _STOP_WORDS.get(lang.split("-")[0], set())
    for word in re.findall(r"\w+", title):
        if _lower(word, lang) in stop_words:
            continue
        ascii_word = _ascii_alnum(word)
        if ascii_word:
            return ascii_word
    return ""


def _key_family(authors: Sequence[Contributor]) -> str:
    for author in authors:
        name = author.display_name if isinstance(author, Collaboration) else author.family
        family = _ascii_alnum(name)
        if family:
            return family
    return "anon"


def citation_key(article: Article) -> str:
    """``<family><year><word>-<hash>``: ASCII, readable, stable, unique per article key."""
    title_lang = article.title.languages[0] if article.title else article.language
    word = _key_word(article.title.first() or "", title_lang)
    digest = hashlib.sha256(article.key.encode("utf-8")).digest()
    suffix = base64.b32encode(digest).decode("ascii").lower()[:4]
    return f"{_key_family(article.authors)}{article.dates.published.year:04d}{word}-{suffix}"


# --- entries ------------------------------------------------------------------------------

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


issn = shared.single_issn


def abstract_text(article: Article) -> str | None:
    """The main-language abstract as one paragraph.

    BibTeX, biber and pybtex read any run of white space in a field, blank lines included,
    as one space, so paragraph breaks cannot survive: they are written as that space.
    """
    abstract = shared.main_abstract(article)
    return re.sub(r"\s*\n\s*", " ", abstract.text) if abstract else None


keywords_of = shared.main_keywords


def keyword_list(terms: Iterable[str]) -> str:
    """Keywords with letters in UTF-8 and LaTeX's specials escaped, in both files: Better
    BibTeX reads ``keywords`` without decoding LaTeX, BibTeX styles never sort or abbreviate
    it, and an escaped ``%`` still cannot end the field if a style prints it.
    A keyword holding a comma is braced so list-splitting tools keep it whole."""
    return ", ".join("{" + encode_utf8(t) + "}" if "," in t else encode_utf8(t) for t in terms)


def encode_utf8(text: str) -> str:
    return latex_text(text, ascii_letters=False)


@dataclass(frozen=True)
class Macro:
    """A BibTeX macro written bare (``month = mar``), as opposed to a braced text value.

    A typed value rather than a marker inside the string: a text value may start with any
    character (a journal titled "=Revista" stays ``{=Revista}``)."""

    name: str


FieldValue = Union[str, Macro]


def format_entry(entry_type: str, key: str, fields: Sequence[tuple[str, FieldValue]]) -> str:
    """``@type{key,`` then one ``name = {value}`` per line (values already LaTeX; a
    :class:`Macro` bare)."""
    lines = [f"@{entry_type}{{{key},"]
    for index, (name, value) in enumerate(fields):
        body = value.name if isinstance(value, Macro) else "{" + value + "}"
        comma = "," if index < len(fields) - 1 else ""
        lines.append(f"  {name} = {body}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def volume_fields(article: Article, encode: Callable[[str], str]) -> list[tuple[str, str]]:
    """``volume`` and ``number``: the same in BibTeX and BibLaTeX."""
    fields = []
    if article.volume:
        fields.append(("volume", encode(article.volume)))
    if article.issue:
        fields.append(("number", encode(article.issue)))
    return fields


def page_range(article: Article, encode: Callable[[str], str]) -> str:
    pages = encode(article.pages.first)
    if article.pages.last and article.pages.last != article.pages.first:
        pages += "--" + encode(article.pages.last)
    return pages


def identifier_and_text_fields(article: Article, journal: Journal, encode: Callable[[str], str]) -> list[tuple[str, str]]:
    """``doi``, ``issn``, ``url``, ``keywords``, ``abstract``: the same in BibTeX and BibLaTeX."""
    fields = []
    if article.doi:
        fields.append(("doi", verbatim(article.doi)))
    if issn(journal):
        fields.append(("issn", issn(journal)))
    if article.url:
        fields.append(("url", verbatim(article.url)))
    if keywords_of(article):
        fields.append(("keywords", keyword_list(keywords_of(article))))
    if abstract_text(article):
        fields.append(("abstract", encode(abstract_text(article))))
    return fields


def entry(article: Article, journal: Journal) -> str:
    def encode(text: str) -> str:
        return latex_text(text)

    def encode_name(text: str) -> str:
        return latex_text(text, brace_name_initials=True)

    def encode_collaboration(text: str) -> str:
        return latex_text(text, brace_name_initials=True, first_initial_only=True)

    fields: list[tuple[str, FieldValue]] = []
    if article.authors:
        fields.append(("author", name_list(article.authors, encode_name, encode_collaboration)))
    fields.append(("title", protected_title(title_with_subtitle(article), encode)))
    if not article.authors:
        # Author-date styles (apalike) sort and label an authorless entry by its key field.
        fields.append(("key", encode(title_with_subtitle(article))))
    if journal.title:
        fields.append(("journal", encode(journal.title.first() or "")))
    published = article.dates.published
    fields.append(("year", f"{published.year:04d}"))
    if published.month:
        fields.append(("month", Macro(_MONTHS[published.month - 1])))
    fields += volume_fields(article, encode)
    if article.pages:
        fields.append(("pages", page_range(article, encode)))
    elif article.elocation:
        # Classic styles print no eid field: the e-location stands in the pages' place.
        fields.append(("pages", encode(article.elocation)))
    fields += identifier_and_text_fields(article, journal, encode)
    fields.append(("language", babel_language(article.language) or article.language))
    return format_entry("article", citation_key(article), fields)


def render(article: Article, journal: Journal) -> Rendered:
    data = entry(article, journal).encode("utf-8")
    return Rendered(files={article_path(NAME, journal.id, article.id): data}, parts={BIBTEX_PART: data})


_KEY_LINE = re.compile(rb"@\w+\{([^,\s]+),")


def combined_entries(parts: Iterable[bytes], what: str) -> bytes:
    """Entries sorted by citation key, one blank line apart; a repeated key is an error."""
    keyed = []
    for part in parts:
        match = _KEY_LINE.match(part)
        if match is None:
            raise ValueError(f"{what}: a part does not start with an entry")
        keyed.append((match.group(1), part))
    keyed.sort()
    for (key, _), (next_key, _) in zip(keyed, keyed[1:]):
        if key == next_key:
            raise ValueError(f"{what}: citation key {key.decode()} is used by two articles")
    return b"\n".join(part for _, part in keyed)


def render_journal(journal: Journal, entries: list[JournalEntry]) -> dict[str, bytes]:
    parts = [e.parts[BIBTEX_PART] for e in entries if BIBTEX_PART in e.parts]
    path = journal_path(NAME, journal.id)
    return {path: combined_entries(parts, path)}
