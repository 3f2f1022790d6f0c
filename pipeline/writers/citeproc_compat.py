"""Every change we make to citeproc-py, in one place, applied when a style is loaded.

:func:`apply` is called by :func:`pipeline.writers.citations.load_style` before it parses a
style (never as an import side effect). It refuses to patch a citeproc-py outside
:data:`SUPPORTED` (the range ``pyproject.toml`` pins): each patch replaces a method whose
body was read in those versions, and a newer release may have fixed or moved it. To support a
new release, re-read each patched method there, drop the patches it makes unnecessary (the
tests ``test_citeproc_compat.py::test_upstream_*`` fail once upstream is fixed), and widen the
range in both places.

Corrections (each verified against citeproc-js, the reference CSL processor):

1. **Page ranges under ``minimal`` / ``minimal-two``** (``FormatNumber._format_last_page``):
   citeproc-py drops the digits the two numbers "share" even when they differ in length
   (MLA printed 5-27 as "5–7", 1-10 as "1–0"). The upstream fix: in ``_format_last_page``,
   return ``last`` unchanged when ``len(first) != len(last)`` before slicing (CSL 1.0.2
   appendix V: digits are only elided from a last page of the same length).
2. **``initialize="false"``** (``Name.initialize``): citeproc-py ignores the attribute and
   initializes given names whenever ``initialize-with`` is set, so Chicago and MLA printed
   "Öztürk, M. A." for "Öztürk, Mehmet Ali". CSL 1.0.1: names are then kept in full, only
   initials already in the name get the ``initialize-with`` mark.
3. **``punctuation-in-quote``** (``Quoted.quote``): citeproc-py reads the locale option and then
   ignores it, so en-US printed ``…Region”.`` for ``…Region.”``. Here ``quote`` marks the end
   of each quotation it writes with :data:`QUOTE_END`; :func:`finish` moves a following period
   or comma inside the quotation mark when the locale asks for it, drops a period after a
   quotation that ends in ``.?!`` (``“Why?”.``), then removes the marks. The upstream fix
   belongs in citeproc-py's ``Quoted.quote`` / string joining (its commented-out
   ``QuotedString`` was meant for this): punctuation joined after a quoted string must be
   moved inside when ``punctuation-in-quote`` is true, as citeproc-js does.

4. **A localized date's own ``delimiter``** (``Date.render_single_date``): citeproc-py joins the
   parts of a localized date (``<locale><date form="text" delimiter=" ">``) with the
   delimiter of the style's calling ``cs:date`` instead, so Vancouver (NLM) printed
   "2024Mar28" for "2024 Mar 28". CSL 1.0.2 ("Localized Date Formats"): the calling
   ``cs:date`` may only add affixes and formatting; the delimiter is the localized one's.
   Upstream fix: in ``render_single_date``, join with ``self`` (the localized date) when it
   has a ``delimiter``.

5. **Substitution through a macro** (``Substitute.add_to_repressed_list``): CSL suppresses a
   substituted variable in the rest of the entry, but citeproc-py records only a
   ``<text variable>`` child, so an author-less editorial whose title stands in for the author
   through ``<text macro="title"/>`` printed its title twice ("Editorial. (2024). Editorial.").
   Here every variable such a macro can print (nested macros included) is suppressed too, as
   citeproc-js does. Upstream fix: the same in ``add_to_repressed_list``.

Memoization (pure functions of a loaded style and its locales; the style tree is never changed
after loading): ``xpath_search``, ``get_term`` and ``calls_variable``; and, per render,
``CitationItem.reference``. lxml creates element
proxies on demand and drops them when unreferenced, so no state may live on a proxy; the memo
tables live here, keyed by ``id()`` of the element, and each entry holds the element itself,
which keeps that proxy (and so its ``id``) alive and unique for as long as the entry exists.
Loaded styles are cached for the life of the process, so are these tables. Set
``PIPELINE_CITEPROC_MEMO=0`` to run without them (the byte-identity check does).

With the memo tables comes one faster equivalent, off with them too: ``normalize_seam``
(:func:`_seam`), which citeproc-py calls at every join and affix, turned both sides into
whole strings (a ``MixedString`` joins all its segments) to compare one character of each;
the same decision is taken from the last and first segments alone.
"""

from __future__ import annotations

import os
import re
from typing import Any

import citeproc
from citeproc import model, source
from citeproc import string as citeproc_string

from ..errors import PipelineError

SUPPORTED = ((0, 11), (0, 12))  # [0.11, 0.12): keep in step with pyproject.toml
QUOTE_END = "\ue00f"  # a private-use character: record text never carries it (citations.py)


class UnsupportedCiteproc(PipelineError, RuntimeError):
    """The installed citeproc-py is not one our patches were written for."""


def _version() -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", citeproc.__version__)[:3])


def check_version(version: tuple[int, ...] | None = None) -> None:
    version = _version() if version is None else version
    low, high = SUPPORTED
    if not (low <= version[:2] < high):
        raise UnsupportedCiteproc(
            f"citeproc-py {citeproc.__version__} is not supported: pipeline's citeproc-py corrections were written "
            f"for {'.'.join(map(str, low))} <= version < {'.'.join(map(str, high))} (see pipeline/writers/citeproc_compat.py)"
        )


_applied = False
_ORIGINAL: dict[str, Any] = {}


def apply() -> None:
    """Install the corrections (and the memo tables) once per process; idempotent."""
    global _applied
    if _applied:
        return
    check_version()
    _ORIGINAL.update(
        format_last_page=model.FormatNumber._format_last_page,
        initialize=model.Name.initialize,
        quote=model.Quoted.quote,
        render_single_date=model.Date.render_single_date,
        add_to_repressed_list=model.Substitute.add_to_repressed_list,
        xpath_search=model.CitationStylesElement.xpath_search,
        get_term=model.CitationStylesElement.get_term,
    )
    model.FormatNumber._format_last_page = _format_last_page
    model.Name.initialize = _initialize
    model.Quoted.quote = _quote
    model.Date.render_single_date = _render_single_date
    model.Substitute.add_to_repressed_list = _add_to_repressed_list
    if os.environ.get("PIPELINE_CITEPROC_MEMO", "1") != "0":
        _memoize()
    _applied = True


# --- 1. page ranges ---------------------------------------------------------------------


def _format_last_page(self, first, last):
    # Elision drops the leading digits both numbers share; numbers of different lengths
    # (5-27, 98-102) share none, but citeproc-py still sliced "27" to "7".
    if len(first) != len(last):
        return last
    return _ORIGINAL["format_last_page"](self, first, last)


# --- 2. initialize="false" --------------------------------------------------------------


def _initialize_option(name_element) -> str:
    """``initialize`` is inheritable: the name, then its citation/bibliography, then the style."""
    element = name_element
    while element is not None:
        value = element.get("initialize")
        if value is not None:
            return value.lower()
        element = element.getparent()
    return "true"


_INITIAL = re.compile(r"^(\w)\.?$")


def _initialize(self, given, mark, context):
    if _initialize_option(self) != "false":
        return _ORIGINAL["initialize"](self, given, mark, context)
    # Full given names stay; initials already present get the mark ("James T" -> "James T.").
    words = []
    for word in given.split():
        initial = _INITIAL.match(word)
        words.append(initial.group(1) + mark.rstrip() if initial and word[0].isupper() else word)
    return " ".join(words)


# --- 3. punctuation-in-quote ------------------------------------------------------------


def _quote(self, string):
    quoted = _ORIGINAL["quote"](self, string)
    if self.get("quotes", "false").lower() == "true":
        return quoted + QUOTE_END
    return quoted


def finish(text: str, punctuation_in_quote: bool) -> str:
    """The formatted entry with each period or comma after a quotation moved inside it when the
    locale asks for it (CSL ``punctuation-in-quote``), and the quotation marks' end marks removed.

    Only quotations the style wrote are touched (they carry :data:`QUOTE_END`); other marker
    characters (formatting) may stand between the quotation and the punctuation.
    """
    text = _MOVABLE.sub(_move_inside if punctuation_in_quote else _keep_outside, text)
    return text.replace(QUOTE_END, "")


_MOVABLE = re.compile(f"(.)(.){QUOTE_END}([\ue000-\ue00e]*)([.,])")


def _keep_outside(match: re.Match) -> str:
    before, close_quote, markers, punctuation = match.groups()
    # “Why?”. -> “Why?” : a quotation that ends a sentence ends the entry's part too (as in
    # citeproc-js), whichever side of the quotation mark the punctuation goes.
    if punctuation == "." and before in ".?!":
        return f"{before}{close_quote}{markers}"
    return match.group(0)


def _move_inside(match: re.Match) -> str:
    before, close_quote, markers, punctuation = match.groups()
    # "Why?" then "." -> “Why?” (citeproc-js drops the period after ending punctuation).
    if punctuation == "." and before in ".?!":
        return f"{before}{close_quote}{markers}"
    return f"{before}{punctuation}{close_quote}{markers}"


# --- 4. localized date delimiter -------------------------------------------------------


def _render_single_date(self, date, show_parts=None, context=None):
    if context is None or context is self or self.get("delimiter") is None or not self.is_locale_date():
        return _ORIGINAL["render_single_date"](self, date, show_parts, context)
    parts = self.parts(date, show_parts, context)
    return self.join(parts) if parts else None


# --- 5. substitution through a macro ----------------------------------------------------


def _macro_variables(element, seen: frozenset = frozenset()) -> list[tuple[str, str]]:
    """(tag, variable) of every variable-printing element a ``<text macro>`` reaches."""
    name = element.get("macro")
    if name is None or name in seen:
        return []
    found = []
    for child in element.get_macro(name).iter():
        if not isinstance(child.tag, str):
            continue
        if child.get("variable") is not None and child.tag.endswith(("}text", "}names", "}date", "}number")):
            found.extend((child.tag, variable) for variable in child.get("variable").split())
        if child.get("macro") is not None:
            found.extend(_macro_variables(child, seen | {name}))
    return found


def _add_to_repressed_list(self, child, context):
    if child.get("variable") is not None or child.get("macro") is None:
        return _ORIGINAL["add_to_repressed_list"](self, child, context)
    layout = context.get_layout()  # citeproc-py's own per-render state lives on the layout
    for tag, variable in _macro_variables(child):
        tag_list = layout.repressed.setdefault(tag, [])
        if variable not in tag_list:
            tag_list.append(variable)


# --- memoization ------------------------------------------------------------------------

_XPATH: dict[tuple[int, str], tuple[Any, list]] = {}
_TERMS: dict[tuple, tuple[Any, Any]] = {}
_CALLS_VARIABLE: dict[tuple[int, type], tuple[Any, bool]] = {}


def _memoize() -> None:
    xpath_search = _ORIGINAL["xpath_search"]
    get_term = _ORIGINAL["get_term"]

    def memo_xpath_search(self, expression):
        key = (id(self), expression)
        entry = _XPATH.get(key)
        if entry is None:
            entry = _XPATH[key] = (self, xpath_search(self, expression))
        return list(entry[1])  # callers may not change our copy

    def memo_get_term(self, name, form=None, fallback_locale=True, zero_padded=False):
        root = self.get_root()
        key = (id(root), name, form, fallback_locale, zero_padded)
        entry = _TERMS.get(key)
        if entry is None:
            entry = _TERMS[key] = (root, get_term(self, name, form, fallback_locale, zero_padded))
        return entry[1]

    # A citation item resolves its reference through two properties and a dict look-up on
    # every variable it reads (a quarter of the time); the source does not change while a
    # bibliography is rendered, so the item keeps what it found (on the item, a plain Python
    # object made per render, not an lxml proxy).
    reference = _ORIGINAL["reference"] = source.CitationItem.reference

    def memo_reference(self):
        found = self.__dict__.get("_pipeline_reference")
        if found is None:
            found = self.__dict__["_pipeline_reference"] = reference.fget(self)
        return found

    source.CitationItem.reference = property(memo_reference)
    _ORIGINAL["normalize_seam"] = citeproc_string.normalize_seam
    citeproc_string.normalize_seam = model.normalize_seam = _seam  # join() and Affixed.wrap look it up there
    model.CitationStylesElement.xpath_search = memo_xpath_search
    model.CitationStylesElement.get_term = memo_get_term
    # Locale.get_term has its own signature and is reached through the style's get_term.
    for cls in _classes_defining("calls_variable"):
        _ORIGINAL[f"calls_variable:{cls.__name__}"] = original = cls.__dict__["calls_variable"]
        cls.calls_variable = _memo_calls_variable(original, cls)


def _last_character(value: Any) -> str:
    """``str(value)[-1:]`` without joining a MixedString (a list of strings, maybe nested)."""
    if isinstance(value, list):
        for segment in reversed(value):
            found = _last_character(segment)
            if found:
                return found
        return ""
    return str(value)[-1:]


def _first_character(value: Any) -> str:
    """``str(value)[:1]`` without joining a MixedString."""
    if isinstance(value, list):
        for segment in value:
            found = _first_character(segment)
            if found:
                return found
        return ""
    return str(value)[:1]


def _seam(left, other):
    """citeproc.string.normalize_seam (0.11.1) from one character of each side: drop the
    first character of ``other`` when it would double a space or a ``.,;:!?`` at the end of
    ``left``; ``other`` itself otherwise."""
    # Most sides are plain strings (str, String): sliced at once, no call.
    last = left[-1:] if type(left) is str or type(left) is citeproc_string.String else _last_character(left)
    if not last:
        return other
    first = other[:1] if type(other) is str or type(other) is citeproc_string.String else _first_character(other)
    if first and first == last and (first == " " or first in citeproc_string.SEAM_PUNCTUATION):
        return citeproc_string._strip_first_char(other)
    return other


def _classes_defining(method: str) -> list[type]:
    return [cls for cls in vars(model).values() if isinstance(cls, type) and method in cls.__dict__]


def _memo_calls_variable(original, cls: type):
    # Keyed by the defining class too, so that an override calling its base's method through
    # super() cannot read the base's answer as its own.
    def calls_variable(self):
        key = (id(self), cls)
        entry = _CALLS_VARIABLE.get(key)
        if entry is None:
            entry = _CALLS_VARIABLE[key] = (self, original(self))
        return entry[1]

    return calls_variable
