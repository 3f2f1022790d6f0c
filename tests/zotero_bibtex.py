r"""A reader that decodes BibTeX the way Zotero's own BibTeX import translator does.

Zotero's translator (zotero/translators, ``BibTeX.js``) does not parse LaTeX. Its behaviour,
written here from reading how it decodes (its code and table are not copied):

1. A field value is read up to its closing brace; a backslash makes the next character
   literal, so ``\{`` and ``\}`` do not count as braces.
2. Accent spellings are first brought to its table's forms: ``\'{e}``, ``{\'{e}}`` and
   ``{\'\i}`` become ``{\'e}``/``{\'i}`` for the accents written with a symbol
   (`` ` " ' ^ ~ = ``, not ``.``); ``\c{s}`` becomes ``{\c s}`` for a lowercase letter command
   followed by one braced letter. ``\.{I}`` and ``{\.{I}}`` stay as they are.
3. Every spelling of its table is replaced by its character wherever it occurs, and then the
   same spelling with its braces removed (``\.I`` as well as ``{\.I}``), entry by entry in the
   table's order. The table holds the accented Latin letters (``{\'e}``, ``{\.I}``, ``{\c s}``,
   ``{\u g}``), letters such as ``{\i}``, ``{\o}``, ``{\ss}``, ``{\l }``, dashes and quotes
   (``{\textendash}``, ``---``, ``--``, ``{\textquoteright}``, ``''``, ``````), a few symbols,
   ``!!``/``?!``/``!?`` (read as one character each), ``{\~}`` (∼) and ``~`` (no-break space).
4. Braces not preceded by a backslash are dropped.
5. A backslash before ``# $ % & ~ _ ^ \ { }`` is dropped, so ``\\`` becomes ``\``.
6. Runs of white space become one space.

Whatever else is left -- ``\relax``, ``\textbackslash``, ``\textbraceleft``,
``\textasciitilde``, ``\/`` -- is imported as text. Names are split on `` and `` and on commas
outside braces; ``Family, Suffix, Given`` becomes last name ``Family`` and first name
``Given, Suffix`` (Zotero has no suffix field); one brace-protected token is a single-field name.
"""

from __future__ import annotations

import re
import unicodedata

_SYMBOL_ACCENTS = {"\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0304": "=",
                   "\u0307": ".", "\u0308": '"'}
_LETTER_ACCENTS = {"\u0306": "u", "\u030a": "r", "\u030b": "H", "\u030c": "v", "\u0323": "d",
                   "\u0327": "c", "\u0328": "k", "\u0331": "b"}


def _letter_entries() -> list[tuple[str, str]]:
    """The table's accented Latin letters of Latin-1, Latin Extended-A/B and Additional."""
    entries = []
    for code in list(range(0x00C0, 0x0250)) + list(range(0x1E00, 0x1F00)):
        char = chr(code)
        decomposed = unicodedata.normalize("NFD", char)
        if len(decomposed) != 2 or not decomposed[0].isascii() or not decomposed[0].isalpha():
            continue
        base, mark = decomposed
        if mark in _SYMBOL_ACCENTS:
            entries.append(("{\\" + _SYMBOL_ACCENTS[mark] + base + "}", char))
        elif mark in _LETTER_ACCENTS:
            entries.append(("{\\" + _LETTER_ACCENTS[mark] + " " + base + "}", char))
    return entries


# In the table's order where the order matters: {\O} before {\OE} (so "{\OE}" reads "ØE"),
# ''' before '', --- before --, {\~} before ~.
TABLE: list[tuple[str, str]] = [
    (r"\url", ""), (r"\href", ""),
    (r"{\AE}", "Æ"), (r"{\DH}", "Ð"), (r"{\O}", "Ø"), (r"{\TH}", "Þ"), (r"{\ss}", "ß"),
    (r"{\ae}", "æ"), (r"{\dh}", "ð"), (r"{\o}", "ø"), (r"{\th}", "þ"), (r"{\i}", "ı"),
    (r"{\NG}", "Ŋ"), (r"{\ng}", "ŋ"), (r"{\OE}", "Œ"), (r"{\oe}", "œ"),
    (r"{\textasciicircum}", "\u02c6"),
    (r"{\textendash}", "–"), (r"{\textemdash}", "—"), ("---", "—"), ("--", "–"),
    (r"{\textquoteleft}", "‘"), (r"{\textquoteright}", "’"), (r"{\quotesinglbase}", "‚"),
    (r"{\textquotedblleft}", "“"), (r"{\textquotedblright}", "”"), (r"{\quotedblbase}", "„"),
    (r"{\textellipsis}", "…"), ("'''", "‴"), ("''", "”"), ("``", "“"), ("```", "‷"),
    (r"{\guillemotleft}", "«"), (r"{\guillemotright}", "»"),
    ("!!", "‼"), ("?!", "⁈"), ("!?", "⁉"),
    *_letter_entries(),
    (r"{\L }", "Ł"), (r"{\l }", "ł"),
    (r"{\~}", "∼"), ("~", "\u00a0"),
]

_SYMBOL_ACCENT_FORMS = re.compile(r"\{?(\\[`\"'^~=])\{?\\?([A-Za-z])\}")
_LETTER_ACCENT_FORMS = re.compile(r"(\\[a-z])\{(\\?[A-Za-z])\}")


def decode(value: str) -> str:
    """One field value (without its outer braces) as Zotero imports it."""
    if len(value) < 2:
        return value
    value = _SYMBOL_ACCENT_FORMS.sub(r"{\1\2}", value)
    value = _LETTER_ACCENT_FORMS.sub(r"{\1 \2}", value)
    for spelling, char in TABLE:
        value = value.replace(spelling, char)
        value = value.replace(re.sub(r"[{}]", "", spelling), char)
    value = re.sub(r"([^\\])[{}]+", r"\1", value)
    if value.startswith("{"):
        value = value[1:]
    for _ in range(2):
        value = re.sub(r"([^\\])\\([#$%&~_^\\{}])", r"\1\2", value)
    if value[:1] == "\\" and value[1:2] and value[1] in "#$%&~_^\\{}":
        value = value[1:]
    value = value.replace("\\\\", "\\")
    return re.sub(r"\s+", " ", value)


def _split_unprotected(text: str, separator: str) -> list[str]:
    """``text`` split on the regex ``separator`` where it is outside braces."""
    parts, depth, start, index = [], 0, 0, 0
    pattern = re.compile(separator)
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif depth == 0 and (match := pattern.match(text, index)):
            parts.append(text[start:index])
            index = start = match.end()
            continue
        index += 1
    parts.append(text[start:])
    return parts


def creators(raw: str) -> list[tuple[str, str]]:
    """(last name, first name) per name of a raw ``author``/``editor`` value."""
    people = []
    for name in _split_unprotected(raw.strip(), r"\s+and\s+"):
        if not name:
            continue
        pieces = _split_unprotected(name, r"\s*,\s*")
        if len(pieces) > 1:
            first = pieces[-1]
            if len(pieces) > 2:
                first += ", " + ", ".join(pieces[1:-1])
            people.append((decode(pieces[0]), decode(first)))
        elif len(_split_unprotected(name, " +")) > 1:
            raise AssertionError(f"Zotero would guess the name parts of {name!r}")
        else:
            people.append((decode(name), ""))
    return people


def read_fields(entry: str) -> tuple[str, dict[str, str]]:
    """The key and the raw field values of one ``@type{key, name = {value}, ...}`` entry,
    read as Zotero's translator reads them (a backslash escapes the next character)."""
    head = re.match(r"\s*@\w+\{([^,\s]+),", entry)
    assert head, entry[:80]
    fields, index = {}, head.end()
    field = re.compile(r"\s*([A-Za-z][\w-]*)\s*=\s*")
    while (match := field.match(entry, index)):
        name, index = match.group(1).lower(), match.end()
        if entry[index] == "{":
            depth, index, start = 1, index + 1, index + 1
            while depth:
                char = entry[index]
                if char == "\\":
                    index += 2
                    continue
                depth += {"{": 1, "}": -1}.get(char, 0)
                index += 1
            fields[name] = entry[start:index - 1]
        else:
            bare = re.match(r"[A-Za-z0-9-]+", entry[index:])
            fields[name] = bare.group()
            index += bare.end()
        index = entry.index(",", index) + 1 if re.match(r"\s*,", entry[index:]) else index
    assert entry[index:].strip() == "}", entry[index:]
    return head.group(1), fields
