r"""LaTeX text for BibTeX and BibLaTeX fields: what every consumer reads back as the record's text.

The consumers are classic 8-bit BibTeX (sorting, abbreviating, case-changing, printing under
pdflatex or lualatex), biber/biblatex, and the importers of reference managers, above all
Zotero's BibTeX translator. Zotero does not parse LaTeX: it replaces the spellings of a fixed
table (``{\.I}``, ``{\c s}``, ``{\"o}``, ``--``, ``''``...) wherever they occur, drops the braces
and the backslash before ``# $ % & _ { } ~ ^ \``, and keeps every other command as text. So each
character gets the one spelling that all of them read back to the same text, where there is one.

Encoding policy (the BibTeX writer uses all of it; the BibLaTeX writer keeps letters, dashes and
quotes in UTF-8, which biber reads):

- Latin letters with one accent become the braced command in the form Zotero's table lists:
  ``{\'e}``, ``{\"o}``, ``{\.I}``, ``{\'i}`` for the accents written with a symbol, ``{\c s}``, ``{\u g}``,
  ``{\v c}`` (a space, no inner braces) for those written with a letter; ``{\i}``, ``{\o}``,
  ``{\ss}``, ``{\ae}``, ``{\l }`` for the letters of their own. Not ``{\.{I}}`` or ``{\c{s}}``:
  Zotero reads those as ``\.I`` and ``\c s`` text. BibTeX treats a brace group that starts with a
  backslash as one "special character", so ``purify$`` sorts ``{\c S}ahin`` as ``Sahin``,
  ``format.name$`` abbreviates ``{\c C}a{\u g}r{\i}`` to ``{\c C}.`` and ``change.case$``
  lowercases ``{\c S}`` to ``{\c s}``.
- Latin letters without such a spelling (two accents as in ``ǖ``, ``đ``, ``œ`` -- Zotero reads
  ``{\oe}`` as ``øe``), other scripts (Arabic, Cyrillic, Greek, CJK...) and other symbols stay
  UTF-8, which every consumer reads as it is; printing them needs a Unicode engine.
  In names, the first character of each such name token is made a BibTeX special character
  (``{\relax М}ария``) so that ``format.name$`` abbreviates it whole instead of cutting its
  UTF-8 byte sequence in two (a plain ``{М}`` group is not enough; LuaTeX then stops on the
  invalid UTF-8 in the .bbl). Zotero shows that ``\relax`` as text: no spelling both guards
  the initial for 8-bit BibTeX and disappears in Zotero (it strips no command but ``\url`` and
  ``\href``). The BibLaTeX file needs no guard (biber reads UTF-8).
- Dashes and typographic quotes (BibTeX only): ``–`` is ``--``, ``—`` is ``---``, ``“`` and ``”``
  are two backquotes and ``''`` (TeX's ligatures, which Zotero's table also reads), ``‘`` and
  ``’`` are ``{\textquoteleft}`` and ``{\textquoteright}`` (a bare ``'`` would print ’ but Zotero
  and every LaTeX decoder read it as ASCII ``'``).
- Characters that form a ligature or a Zotero table entry with their neighbour (``--``, ``''``,
  two backquotes, ``,,``, ``<<``, ``>>``, ``!`` or ``?`` before a backquote for TeX; ``!!``,
  ``?!``, ``!?`` for Zotero) get an empty group ``{}`` between them when the record has them
  side by side, so classic TeX prints them as typed and every decoder reads them as typed.
  (LuaTeX and XeTeX ligate across an empty group: there a record's ASCII ``--`` prints as an en
  dash. ``{\/}`` would stop them too, but Zotero keeps ``\/`` as text.)
- LaTeX's special characters never act: ``# $ % & _`` become ``{\#}`` etc.; braces that pair up
  within the encoded piece become ``\{`` and ``\}`` (BibTeX counts those braces too, so only a
  pair keeps the entry balanced), a brace without its partner ``{\textbraceleft}`` or
  ``{\textbraceright}``; backslash, tilde, circumflex and backquote become ``{\textbackslash}``,
  ``{\textasciitilde}``, ``{\textasciicircum}``, ``{\textasciigrave}``. For these four and
  the unpaired braces Zotero has no spelling at all: it reads ``~`` as a no-break space (then
  as a space), ``{\textasciicircum}`` as ``ˆ`` (U+02C6) and ``\\`` (LaTeX's line break) as a
  backslash, and keeps the rest as command names. Every command this module emits is a
  complete brace group and escaped braces come in pairs, so BibTeX's brace counting always
  balances and no text of a record can run as LaTeX.
- ``doi`` and ``url`` are verbatim fields (BibLaTeX reads them verbatim, BibTeX styles pass
  them to ``\url``): written as-is, except that braces, backslashes and white space are
  percent-encoded so the value cannot end the field.
"""

from __future__ import annotations

import unicodedata

# Why not pylatexenc's UnicodeToLatexEncoder (a test dependency, used there as one of the
# decoders that check this module): its value is its large symbol table, and that table is
# exactly what we must not apply -- non-Latin scripts, most symbols and the letters Zotero
# cannot read back stay UTF-8 -- while every rule we need is context-dependent or shaped by
# the consumers: the whole command braced as one BibTeX "special character" in the spelling
# Zotero's table knows ({\c s}, {\.I}, {\l }: its rules write {\c{s}} and \.{I}), a brace
# escaped only when its partner is in the same piece, {} between ligature neighbours, and
# {\relax X} before a name token's first character. Configured with custom callable rules for
# all of that, it would be this module again, plus a runtime dependency.

# Characters with a meaning to TeX or BibTeX, each as a complete brace group (braces aside).
_SPECIALS = {
    "#": r"{\#}",
    "$": r"{\$}",
    "%": r"{\%}",
    "&": r"{\&}",
    "_": r"{\_}",
    "\\": r"{\textbackslash}",
    "~": r"{\textasciitilde}",
    "^": r"{\textasciicircum}",
    "`": r"{\textasciigrave}",
}
_UNPAIRED_BRACES = {"{": r"{\textbraceleft}", "}": r"{\textbraceright}"}

# Dashes and quotes in the TeX forms every consumer reads back (BibTeX only).
_PUNCTUATION = {
    "\u2013": "--",
    "\u2014": "---",
    "\u201c": "``",
    "\u201d": "''",
    "\u2018": r"{\textquoteleft}",
    "\u2019": r"{\textquoteright}",
}

# Neighbours that TeX turns into one glyph or Zotero's table into one character.
_JOINING_PAIRS = frozenset({
    ("-", "-"), ("'", "'"), ("`", "`"), (",", ","), ("<", "<"), (">", ">"), ("!", "`"), ("?", "`"),
    ("!", "!"), ("?", "!"), ("!", "?"),
})

# Combining marks with a LaTeX accent command: written {\'e} (symbol commands) or {\c s}.
_SYMBOL_ACCENTS = {
    "\u0300": "`",
    "\u0301": "'",
    "\u0302": "^",
    "\u0303": "~",
    "\u0304": "=",
    "\u0307": ".",
    "\u0308": '"',
}
_LETTER_ACCENTS = {
    "\u0306": "u",
    "\u030a": "r",
    "\u030b": "H",
    "\u030c": "v",
    "\u0323": "d",
    "\u0327": "c",
    "\u0328": "k",
    "\u0331": "b",
}

# Latin letters with a LaTeX command of their own that Zotero reads back (its table has
# {\l } and {\L } with the space). Not \aa (Zotero knows {\r a}, which the accent rule gives),
# \dj, \j, \oe, \OE (Zotero has no entry or reads {\oe} as "øe"): those stay UTF-8.
_LETTERS = {
    "ı": r"{\i}",
    "ø": r"{\o}",
    "Ø": r"{\O}",
    "æ": r"{\ae}",
    "Æ": r"{\AE}",
    "ß": r"{\ss}",
    "ł": r"{\l }",
    "Ł": r"{\L }",
    "þ": r"{\th}",
    "Þ": r"{\TH}",
    "ð": r"{\dh}",
    "Ð": r"{\DH}",
    "ŋ": r"{\ng}",
    "Ŋ": r"{\NG}",
}


def _latin_letter(char: str) -> str | None:
    """The braced LaTeX command for a non-ASCII Latin letter, None when it stays UTF-8."""
    if char in _LETTERS:
        return _LETTERS[char]
    if not unicodedata.name(char, "").startswith("LATIN "):
        return None
    decomposed = unicodedata.normalize("NFD", char)
    if len(decomposed) != 2:
        return None
    base, mark = decomposed
    if not (base.isascii() and base.isalpha()):
        return None
    if mark in _SYMBOL_ACCENTS:
        # On a plain i, not \i: T1 and TU fonts have the accented i for \'i, Zotero's table
        # lists {\'i}, and Better BibTeX reads {\"\i} as a dotless i with a diaeresis.
        return "{\\" + _SYMBOL_ACCENTS[mark] + base + "}"
    if mark in _LETTER_ACCENTS:
        return "{\\" + _LETTER_ACCENTS[mark] + " " + base + "}"
    return None


def _paired_braces(text: str) -> set[int]:
    """Positions of the braces in ``text`` that have their partner in ``text``."""
    paired: set[int] = set()
    open_positions: list[int] = []
    for index, char in enumerate(text):
        if char == "{":
            open_positions.append(index)
        elif char == "}" and open_positions:
            paired.update((open_positions.pop(), index))
    return paired


def _spelling(char: str, ascii_letters: bool) -> str:
    """How ``char`` is written wherever it stands (braces and name initials depend on their
    neighbours and are decided by the caller)."""
    if char in _SPECIALS:
        return _SPECIALS[char]
    if ascii_letters and char in _PUNCTUATION:
        return _PUNCTUATION[char]
    if ascii_letters and not char.isascii() and (command := _latin_letter(char)):
        return command
    return char


class _Spellings(dict):
    """``str.translate`` table: code point -> its spelling, filled on first use. Bounded: past
    that many distinct characters the rest are spelled each time."""

    LIMIT = 1 << 16

    def __init__(self, ascii_letters: bool):
        super().__init__()
        self.ascii_letters = ascii_letters

    def __missing__(self, code: int) -> str:
        spelling = _spelling(chr(code), self.ascii_letters)
        if len(self) < self.LIMIT:
            self[code] = spelling
        return spelling


def _joining_neighbours(ascii_letters: bool) -> tuple[str, ...]:
    """The two-character texts whose spellings meet in one of _JOINING_PAIRS (there a ``{}``
    goes between them). Only ASCII characters and the dashes and quotes can spell with
    those ends: other characters stay themselves (not ASCII) or become a brace group."""
    candidates = [chr(code) for code in range(128)] + list(_PUNCTUATION)
    spelled = {char: _spelling(char, ascii_letters) for char in candidates}
    return tuple(sorted(first + second for first in candidates for second in candidates
                        if (spelled[first][-1], spelled[second][0]) in _JOINING_PAIRS))


_SPELLINGS = {True: _Spellings(True), False: _Spellings(False)}
_JOINING_NEIGHBOURS = {True: _joining_neighbours(True), False: _joining_neighbours(False)}


def latex_text(text: str, *, ascii_letters: bool = True, brace_name_initials: bool = False,
               first_initial_only: bool = False) -> str:
    """``text`` as LaTeX that every consumer reads back as ``text``.

    ``ascii_letters``: write Latin letters, dashes and quotes as LaTeX (BibTeX) or keep them
    UTF-8 (BibLaTeX/biber). ``brace_name_initials``: brace the first character of each name
    token when it stays UTF-8, so 8-bit BibTeX abbreviates it whole; ``first_initial_only``:
    only the first character of ``text`` (a brace-protected collaboration is one token).
    """
    if ("{" in text or "}" in text or (brace_name_initials and not text.isascii())
            or any(pair in text for pair in _JOINING_NEIGHBOURS[ascii_letters])):
        return _latex_text_by_character(text, ascii_letters, brace_name_initials, first_initial_only)
    # Without braces, name initials and joining neighbours every character has one spelling
    # wherever it stands: one C-level translate does what the loop does, without its Python
    # work per character (abstracts and titles are most of a record's text).
    return text.translate(_SPELLINGS[ascii_letters])


def _latex_text_by_character(text: str, ascii_letters: bool, brace_name_initials: bool, first_initial_only: bool) -> str:
    paired = _paired_braces(text)
    chunks: list[str] = []
    token_start = True
    for index, char in enumerate(text):
        if char in "{}":
            chunk = "\\" + char if index in paired else _UNPAIRED_BRACES[char]
        else:
            chunk = _spelling(char, ascii_letters)
            if brace_name_initials and token_start and chunk == char and not char.isascii():
                chunk = "{\\relax " + char + "}"
        if chunks and (chunks[-1][-1], chunk[0]) in _JOINING_PAIRS:
            chunks.append("{}")
        chunks.append(chunk)
        token_start = char in " -~" and not first_initial_only
    return "".join(chunks)
