r"""BibTeX: one ``@article`` per article, written so that classic 8-bit BibTeX sorts,
abbreviates, case-changes and prints it right.

Encoding policy (shared with the BibLaTeX writer, which keeps letters in UTF-8):

- Latin letters beyond ASCII become LaTeX commands with the whole command braced
  (``{\c{s}}``, ``{\u{g}}``, ``{\i}``, ``{\.{I}}``): BibTeX treats a brace group that
  starts with a backslash as one "special character", so ``purify$`` sorts ``{\c{S}}ahin``
  as ``Sahin``, ``format.name$`` abbreviates ``{\c{C}}a{\u{g}}r{\i}`` to ``{\c{C}}.`` and
  ``change.case$`` lowercases ``{\c{S}}`` to ``{\c{s}}``. Accents come from the Unicode
  decomposition (any Latin letter whose combining marks all have a LaTeX accent command),
  letters without one from a short table (ı ø æ œ ß ł å đ þ ð ŋ ȷ).
- Scripts with no LaTeX form (Arabic, Cyrillic, Greek, CJK...) and other non-ASCII symbols
  stay UTF-8; they need a Unicode engine (lualatex/xelatex) and a font with the glyphs.
  In names, the first character of each such name token is made a BibTeX special character
  (``{\relax М}ария``) so that ``format.name$`` abbreviates it whole instead of cutting
  its UTF-8 byte sequence in two (a plain ``{М}`` group is not enough).
- LaTeX's special characters never act: ``# $ % & _`` become ``{\#}`` etc., and
  ``\ { } ~ ^ ` `` become ``{\textbackslash}``, ``{\textbraceleft}``... (``\{`` is not
  usable: BibTeX counts its brace, so a record's unbalanced brace would break the entry).
  Doubled ``- ' , < >`` get an italic correction ``{\/}`` between them (an empty group
  does not stop LuaTeX's ligatures) so ``--`` cannot turn into an en dash; single quotes
  still print as typographic quotes under TeX ligatures. Every command this
  module emits is a complete brace group, so BibTeX's brace counting always balances.
- ``doi`` and ``url`` are verbatim fields (BibLaTeX reads them verbatim, BibTeX styles pass
  them to ``\url``): written as-is, except that braces, backslashes and white space are
  percent-encoded so the value cannot end the field.

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
from typing import Callable, Iterable, Sequence

from anyascii import anyascii

from pipeline.model import Article, Collaboration, Contributor, Journal
from pipeline.writers import JournalEntry, Rendered

NAME = "bibtex"

# --- LaTeX text ---------------------------------------------------------------------------

# Characters with a meaning to TeX or BibTeX, each as a complete brace group.
_SPECIALS = {
    "#": r"{\#}",
    "$": r"{\$}",
    "%": r"{\%}",
    "&": r"{\&}",
    "_": r"{\_}",
    "\\": r"{\textbackslash}",
    "{": r"{\textbraceleft}",
    "}": r"{\textbraceright}",
    "~": r"{\textasciitilde}",
    "^": r"{\textasciicircum}",
    "`": r"{\textasciigrave}",
}

# Characters that form a TeX ligature with a copy of themselves (-- ''  ,, << >>).
_LIGATURE_DOUBLES = frozenset("-',<>")

# Combining marks that have a LaTeX text accent command.
_ACCENTS = {
    "\u0300": "`",
    "\u0301": "'",
    "\u0302": "^",
    "\u0303": "~",
    "\u0304": "=",
    "\u0306": "u",
    "\u0307": ".",
    "\u0308": '"',
    "\u030a": "r",
    "\u030b": "H",
    "\u030c": "v",
    "\u0323": "d",
    "\u0327": "c",
    "\u0328": "k",
    "\u0331": "b",
}
# Accents placed below the letter keep the dot of i and j; the others sit on \i and \j.
_ACCENTS_BELOW = frozenset("dckb")

# Latin letters with no Unicode decomposition but a LaTeX command.
_LETTERS = {
    "ı": r"\i",
    "ȷ": r"\j",
    "ø": r"\o",
    "Ø": r"\O",
    "æ": r"\ae",
    "Æ": r"\AE",
    "œ": r"\oe",
    "Œ": r"\OE",
    "ß": r"\ss",
    "ł": r"\l",
    "Ł": r"\L",
    "å": r"\aa",
    "Å": r"\AA",
    "đ": r"\dj",
    "Đ": r"\DJ",
    "þ": r"\th",
    "Þ": r"\TH",
    "ð": r"\dh",
    "Ð": r"\DH",
    "ŋ": r"\ng",
    "Ŋ": r"\NG",
}


def _latin_letter(char: str) -> str | None:
    """The LaTeX command for a non-ASCII Latin letter, without the outer braces."""
    if char in _LETTERS:
        return _LETTERS[char]
    if not unicodedata.name(char, "").startswith("LATIN "):
        return None
    decomposed = unicodedata.normalize("NFD", char)
    base, marks = decomposed[0], decomposed[1:]
    if not marks or not base.isascii() or not base.isalpha():
        return None
    if any(mark not in _ACCENTS for mark in marks):
        return None
    latex = base
    if base in "ij" and _ACCENTS[marks[0]] not in _ACCENTS_BELOW:
        latex = "\\" + base
    for mark in marks:
        command = _ACCENTS[mark]
        # \c{s}: letter-named accents need a brace group; \'{e} keeps the same form for all.
        latex = f"\\{command}{{{latex}}}"
    return latex


def latex_text(text: str, *, ascii_letters: bool = True, brace_name_initials: bool = False) -> str:
    """``text`` as LaTeX that prints it literally.

    ``ascii_letters``: write non-ASCII Latin letters as braced commands (BibTeX) or keep
    them UTF-8 (BibLaTeX/biber). ``brace_name_initials``: brace the first character of
    each name token when it stays UTF-8, so 8-bit BibTeX abbreviates it whole.
    """
    out: list[str] = []
    token_start = True
    for index, char in enumerate(text):
        if char in _SPECIALS:
            out.append(_SPECIALS[char])
        elif ascii_letters and not char.isascii() and (command := _latin_letter(char)):
            out.append("{" + command + "}")
        elif brace_name_initials and token_start and not char.isascii():
            out.append("{\\relax " + char + "}")
        else:
            out.append(char)
            if char in _LIGATURE_DOUBLES and text[index + 1 : index + 2] == char:
                out.append(r"{\/}")
        token_start = char in " -~"
    return "".join(out)


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
            encoded = "{" + encoded + "}"
        out.append(encoded)
    return " ".join(out)


def title_with_subtitle(article: Article) -> str:
    """The main-language title, with the subtitle after a colon (BibTeX has no subtitle)."""
    title = article.title.first() or ""
    subtitle = article.subtitle.get(article.language) if article.subtitle else None
    if not subtitle:
        return title
    separator = " " if title.endswith(("?", "!", ":", ".")) else ": "
    return title + separator + subtitle


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


def name_list(contributors: Iterable[Contributor], encode: Callable[[str], str]) -> str:
    """``Family, Given and Family, Suffix, Given and {Collaboration}``."""
    names = []
    for contributor in contributors:
        if isinstance(contributor, Collaboration):
            names.append("{" + encode(contributor.display_name) + "}")
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

# BCP 47 tag (or its language subtag) -> the babel/polyglossia name biblatex's langid and
# babelbib's language field take (every name here is one biber's locale map knows).
_BABEL_NAMES = {
    "af": "afrikaans", "am": "amharic", "ar": "arabic", "bg": "bulgarian", "bn": "bengali",
    "bo": "tibetan", "br": "breton", "ca": "catalan", "cs": "czech", "cy": "welsh",
    "da": "danish", "de": "ngerman", "de-AT": "naustrian", "de-CH": "nswissgerman",
    "el": "greek", "en": "english", "en-GB": "british", "en-US": "american",
    "eo": "esperanto", "es": "spanish", "et": "estonian", "eu": "basque", "fi": "finnish",
    "fr": "french", "fr-CA": "acadian", "ga": "irish", "gd": "scottish", "gl": "galician",
    "he": "hebrew", "hi": "hindi", "hr": "croatian", "hu": "magyar", "hy": "armenian",
    "id": "bahasai", "is": "icelandic", "it": "italian", "ja": "japanese", "kn": "kannada",
    "la": "latin", "lo": "lao", "lt": "lithuanian", "lv": "latvian", "ml": "malayalam",
    "mn": "mongolian", "mr": "marathi", "ms": "malay", "nb": "norsk", "nl": "dutch",
    "nn": "nynorsk", "no": "norsk", "oc": "occitan", "pl": "polish", "pt": "portuguese",
    "pt-BR": "brazilian", "rm": "romansh", "ro": "romanian", "ru": "russian",
    "sa": "sanskrit", "sk": "slovak", "sl": "slovenian", "sq": "albanian", "sr": "serbian",
    "sr-Cyrl": "serbianc", "sv": "swedish", "ta": "tamil", "te": "telugu", "th": "thai",
    "tk": "turkmen", "tr": "turkish", "uk": "ukrainian", "ur": "urdu", "vi": "vietnamese",
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


def issn(journal: Journal) -> str | None:
    """One ISSN (the print one first: it is most often the ISSN-L); tools check one ISSN."""
    return journal.issn_print or journal.issn_electronic


def abstract_text(article: Article) -> str | None:
    """The main-language abstract as one paragraph.

    BibTeX, biber and pybtex read any run of white space in a field, blank lines included,
    as one space, so paragraph breaks cannot survive: they are written as that space.
    """
    abstract = article.abstract(article.language) or (article.abstracts[0] if article.abstracts else None)
    return re.sub(r"\s*\n\s*", " ", abstract.text) if abstract else None


def keywords_of(article: Article) -> tuple[str, ...]:
    terms = article.keywords_in(article.language)
    if not terms and article.keywords:
        terms = article.keywords[0].terms
    return terms


def keyword_list(terms: Iterable[str], encode: Callable[[str], str]) -> str:
    # A keyword holding a comma is braced so list-splitting tools keep it whole.
    return ", ".join("{" + encode(t) + "}" if "," in t else encode(t) for t in terms)


def format_entry(entry_type: str, key: str, fields: Sequence[tuple[str, str]]) -> str:
    """``@type{key,`` then one ``name = {value}`` per line (values already LaTeX).

    A value given as ``("month", "=mar")`` is written bare (a BibTeX macro).
    """
    lines = [f"@{entry_type}{{{key},"]
    for index, (name, value) in enumerate(fields):
        body = value[1:] if value.startswith("=") else "{" + value + "}"
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
        fields.append(("keywords", keyword_list(keywords_of(article), encode)))
    if abstract_text(article):
        fields.append(("abstract", encode(abstract_text(article))))
    return fields


def entry(article: Article, journal: Journal) -> str:
    def encode(text: str) -> str:
        return latex_text(text)

    def encode_name(text: str) -> str:
        return latex_text(text, brace_name_initials=True)

    fields: list[tuple[str, str]] = []
    if article.authors:
        fields.append(("author", name_list(article.authors, encode_name)))
    fields.append(("title", protected_title(title_with_subtitle(article), encode)))
    if not article.authors:
        # Author-date styles (apalike) sort and label an authorless entry by its key field.
        fields.append(("key", encode(title_with_subtitle(article))))
    if journal.title:
        fields.append(("journal", encode(journal.title.first() or "")))
    published = article.dates.published
    fields.append(("year", f"{published.year:04d}"))
    if published.month:
        fields.append(("month", "=" + _MONTHS[published.month - 1]))
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
    return Rendered(files={f"{journal.id}/bibtex/{article.id}.bib": data}, parts={NAME: data})


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
    parts = [e.parts[NAME] for e in entries if NAME in e.parts]
    path = f"{journal.id}/{journal.id}.bib"
    return {path: combined_entries(parts, path)}
