"""Turn an abstract pasted as plain text into a YAML article draft (``pipeline import-text``).

Editors receive abstracts copied out of PDFs: one block per language, each an abstract
followed by a keyword line ("Anahtar Kelimeler: ...", "Keywords: ..."), hard-wrapped, often with
no blank line between the blocks. The draft carries what the text says (abstract and keywords
per language, the languages) and marks everything else with ``TODO:`` values chosen so that
``pipeline validate`` rejects exactly those fields until an editor fills them in.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

import yaml

from pipeline.importer import labels

from ..errors import PipelineError

# Languages the identifier chooses from. A small set keeps it fast and avoids look-alikes the
# journals do not publish in (Azerbaijani for Turkish, Ukrainian for Russian); Persian is in it
# so that a Persian abstract is not reported as Arabic.
DETECTABLE = ("tr", "en", "de", "fr", "es", "pt", "ru", "ar", "it", "fa")

# Below this confidence the identifier's answer loses to the label's language. Long abstracts
# score 0.95-1.0; a near tie means the text is too short or mixed to overrule the label.
MIN_CONFIDENCE = 0.6

TODO = "TODO:"
PLACEHOLDERS = {
    "id": f"{TODO} article id, the file name without .yaml (lower case, digits, . _ -)",
    "type": f"{TODO} article type, e.g. research-article, review-article, book-review, editorial",
    "title": f"{TODO} title per language, e.g. {{tr: ..., en: ...}}",
    "authors": f"{TODO} list of authors, e.g. [{{given: ..., family: ..., orcid: ...}}]",
    "published": f"{TODO} publication date, YYYY-MM-DD",
}

HEADER = (
    "# Article draft from 'pipeline import-text'. Replace every value that starts with\n"
    "# 'TODO:'; 'pipeline validate' rejects the record until then. Check the detected\n"
    "# languages and add doi, pages, volume, issue, affiliations, references as needed.\n"
)


class ImportTextError(PipelineError, ValueError):
    """The text cannot be turned into a draft (no abstract, two blocks in one language...)."""


@dataclass
class _Block:
    lines: list[str] = field(default_factory=list)  # abstract lines, "" = paragraph break
    keyword_text: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)  # label languages, in order seen

    @property
    def has_text(self) -> bool:
        return any(line for line in self.lines)


# --- normalization ---------------------------------------------------------------------------

# C0/C1 controls (XML 1.0 forbids most, PDFs emit form feeds and the like) count as line breaks.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def _clean_lines(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text.lstrip("\ufeff"))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROLS.sub("\n", text)
    return [_SPACES.sub(" ", line).strip() for line in text.split("\n")]


def _join_wrapped(lines: list[str]) -> str:
    """Join the lines of one paragraph; a soft hyphen at a line end is a hyphenation point."""
    joined = ""
    for line in lines:
        if not joined:
            joined = line
        elif joined.endswith("\u00ad"):
            joined = joined[:-1] + line
        elif joined.endswith("-") and len(joined) > 1 and joined[-2].isalpha():
            # "Brest-\nLitovsk": the hyphen belongs to the word, so no space is added. A
            # hyphenated plain word keeps its hyphen too; guessing which is which needs a
            # dictionary, and a stray hyphen is easier to spot than a wrongly merged word.
            joined += line
        else:
            joined += " " + line
    return joined.replace("\u00ad", "")


def paragraphs(lines: list[str]) -> list[str]:
    """Hard-wrapped lines to paragraphs: a blank line ends a paragraph."""
    found: list[str] = []
    current: list[str] = []
    for line in lines + [""]:
        if line:
            current.append(line)
        elif current:
            found.append(_join_wrapped(current))
            current = []
    return found


_KEYWORD_SPLIT = re.compile(r"[,;،؛、，；]")


def split_keywords(text: str) -> list[str]:
    """"a, b; c." -> ["a", "b", "c"]: commas or semicolons (Latin, Arabic, CJK), final period off."""
    text = text.strip()
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1]
    keywords = [_SPACES.sub(" ", k).strip() for k in _KEYWORD_SPLIT.split(text)]
    return [k for k in keywords if k]


# --- structure ---------------------------------------------------------------------------------


def _keyword_text_continues(block: _Block) -> bool:
    # A keyword list wrapped onto the next line visibly stops mid-list; anything else after a
    # keyword line is the next language's abstract (the seeds have no blank line there).
    if not block.keyword_text:
        return True  # "Keywords:" alone on its line: the list follows
    last = block.keyword_text[-1]
    return last.endswith((",", ";", "،", "؛", "-", "\u00ad"))


def _blocks(lines: list[str]) -> list[_Block]:
    blocks: list[_Block] = []
    current = _Block()
    in_keywords = False

    def close() -> None:
        nonlocal current
        if current.has_text or current.keyword_text:
            blocks.append(current)
        current = _Block()

    for line in lines:
        if in_keywords:
            if not line:
                in_keywords = not current.keyword_text
                continue
            if _keyword_text_continues(current) and not labels.heading_line(line) \
                    and not labels.keyword_line(line):
                current.keyword_text.append(line)
                continue
            in_keywords = False
            close()
        keyword = labels.keyword_line(line)
        if keyword:
            language, rest = keyword
            if current.keyword_text:  # two keyword lines in a row: a keyword-only block
                close()
            current.hints.append(language)
            if rest:
                current.keyword_text.append(rest)
            in_keywords = True
            continue
        heading = labels.heading_line(line)
        if heading:
            language, rest = heading
            close()
            current.hints.append(language)
            if rest:
                current.lines.append(rest)
            continue
        if line or current.lines:
            current.lines.append(line)
    close()
    return blocks


# --- language identification ---------------------------------------------------------------


@functools.cache
def _detector():
    """Built once per process. Low-accuracy mode uses trigram models only: ~15 MB and ~0.15 s
    to load lazily for two languages, against ~360 MB and ~2.5 s in high-accuracy mode, and
    abstracts are long enough for it (measured in the README section)."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, tag.upper()))
                 for tag in DETECTABLE]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


def detect_language(text: str) -> tuple[str | None, float]:
    """``(BCP 47 tag, confidence 0..1)`` of the most likely language, or ``(None, 0.0)``."""
    if not re.search(r"\w", text):
        return None, 0.0
    values = _detector().compute_language_confidence_values(text)
    if not values or values[0].value <= 0:
        return None, 0.0
    best = values[0]
    return best.language.iso_code_639_1.name.lower(), best.value


def _choose_language(detected: str | None, confidence: float, hints: list[str],
                     taken: set[str]) -> str | None:
    hint = next((h for h in hints if h not in taken), hints[0] if hints else None)
    if detected and detected not in taken and (confidence >= MIN_CONFIDENCE or not hint):
        return detected
    if hint and hint not in taken:
        return hint
    # Both point at a language an earlier block already has: keep the identifier's answer and
    # let the caller report the clash.
    return detected or hint


# --- the draft ---------------------------------------------------------------------------------


def import_text(text: str) -> dict:
    """A YAML-ready article draft (plain dict, keys in output order) from a pasted abstract."""
    blocks = _blocks(_clean_lines(text))
    if not blocks:
        raise ImportTextError("no abstract or keyword line found in the text")

    abstracts: dict[str, str] = {}
    keywords: dict[str, list[str]] = {}
    order: list[str] = []
    for number, block in enumerate(blocks, 1):
        abstract = "\n\n".join(paragraphs(block.lines))
        block_keywords = split_keywords(_join_wrapped(block.keyword_text))
        detected, confidence = detect_language(abstract or " ".join(block_keywords))
        language = _choose_language(detected, confidence, block.hints, set(order))
        if language is None:
            raise ImportTextError(f"block {number}: cannot tell its language (no label and the "
                                  "language identifier gave no answer)")
        if language in order:
            first = order.index(language) + 1
            raise ImportTextError(f"blocks {first} and {number} both look like language "
                                  f"{language!r}; add a heading or keyword label to each block")
        order.append(language)
        if abstract:
            abstracts[language] = abstract
        if block_keywords:
            keywords[language] = block_keywords

    draft: dict = {
        "id": PLACEHOLDERS["id"],
        "type": PLACEHOLDERS["type"],
        "language": order[0],
        "languages": order,
        "title": PLACEHOLDERS["title"],
        "authors": PLACEHOLDERS["authors"],
        "dates": {"published": PLACEHOLDERS["published"]},
    }
    if abstracts:
        draft["abstract"] = abstracts
    if keywords:
        draft["keywords"] = keywords
    return draft


class _DraftDumper(yaml.SafeDumper):
    """Block style; long or multi-paragraph text as a folded scalar so it reads as prose."""


def _represent_text(dumper: yaml.SafeDumper, value: str):
    style = ">" if ("\n" in value or len(value) > 60) and not value.startswith(TODO) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_DraftDumper.add_representer(str, _represent_text)


def dump_yaml(draft: dict) -> str:
    return yaml.dump(draft, Dumper=_DraftDumper, allow_unicode=True, sort_keys=False,
                     default_flow_style=False, width=88, indent=2)


def draft_yaml(text: str) -> str:
    """The YAML that ``pipeline import-text FILE`` prints: a comment header and the draft."""
    return HEADER + dump_yaml(import_text(text))
