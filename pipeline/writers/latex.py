r"""LaTeX text for BibTeX and BibLaTeX fields: what prints every character literally.

Encoding policy (the BibTeX writer uses all of it; the BibLaTeX writer keeps letters in UTF-8):

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
"""

from __future__ import annotations

import unicodedata

# Why not pylatexenc's UnicodeToLatexEncoder (a test dependency, used there as the decoder
# that checks this module): its value is its large symbol table, and that table is exactly
# what we must not apply -- non-Latin scripts and symbols stay UTF-8 for biber/lualatex --
# while every rule we need is context-dependent or shaped for BibTeX: the whole command
# braced as one "special character" ({\c{s}}, which its rules would have to be rewritten to
# give), {\/} between ligature doubles, {\relax X} before a name token's first character.
# Configured with custom callable rules for all of that, it would be this module again,
# plus a runtime dependency.

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
