"""Schema errors in the editor's words, each with the fix.

jsonschema's own messages speak of patterns, types and ``oneOf``; an editor needs to know
what the field holds and how to write it. The schema's definitions (``$defs``) are
recognized by identity (jsonschema hands back the very sub-schema that failed), inline
rules by the field's name. No regex and no JSON-Schema keyword reaches the editor.
"""

from __future__ import annotations

import difflib
import functools
import re
from typing import TYPE_CHECKING, Any

import langcodes
from anyascii import anyascii

from ..countries import code_for_name

if TYPE_CHECKING:  # only its errors come here, from schema.py, which imports it when a record is invalid
    import jsonschema

# What each kind of value looks like, for "… is not <form>" messages.
FORMS = {
    "slug": "lowercase letters a-z, digits, '.', '_' and '-', starting with a letter or digit",
    "url": "a web address starting with https:// (or http://)",
    "email": "an e-mail address like name@example.org",
    "orcid": "an ORCID iD like 0000-0002-1825-0097 (or https://orcid.org/0000-0002-1825-0097)",
    "doi": "a DOI like 10.5555/abc.123 (or https://doi.org/10.5555/abc.123)",
    "date": "a date written YYYY, YYYY-MM or YYYY-MM-DD, e.g. 2024-03-15",
    "issn": "an ISSN like 1300-0004",
    "text": "non-empty text",
    "number-or-text": "a number or a short text (\"3-4\", \"Special\")",
    "ror": "a ROR id like 03z9tma90 (or https://ror.org/03z9tma90)",
    "pmid": "a PubMed id (digits only)",
    "pmcid": "a PubMed Central id like PMC1000001",
    "funder-id": "an Open Funder Registry DOI like 10.13039/501100004410",
    "doi-prefix": "a DOI prefix like 10.5555",
    "namespace": "a domain name like journals.example.org",
    "year": "a four-digit year",
}
# Fields whose rule is written inline in the schema rather than as a definition.
FIELD_FORMS = {
    "ror": "ror", "pmid": "pmid", "pmcid": "pmcid", "funder-id": "funder-id",
    "doi-prefix": "doi-prefix", "namespace": "namespace", "base-url": "url", "admin-email": "email",
    "repository-name": "text", "year": "year",
}
# Maps and lists an editor may write as a plain value by mistake: how to write them instead.
SHAPES = {
    "multilingual": "{field} is a map from language to text, e.g. {{tr: …, en: …}}",
    "keywords": "keywords is a map from language to a list of keywords, e.g. {{tr: [tarih, demiryolu], en: [history, railways]}}",
    "authors": "authors is a list of people, e.g. [{{given: Ayşe, family: Şahin}}] (a group: [{{collab: …}}])",
    "editors": "editors is a list of people, e.g. [{{given: Elif, family: Demir}}]",
    "affiliations": "affiliations is a list, e.g. [{{id: bogazici, institution: Boğaziçi Üniversitesi, country: TR}}]",
    "languages": "languages is a list of language tags, e.g. [tr, en]",
    "references": "references is a list, e.g. [{{text: \"Kurat, A. N. (1990). Türkiye ve Rusya. Ankara.\"}}]",
    "citation-styles": "citation-styles is a list of style ids, e.g. [apa, chicago-author-date]",
    "roles": "roles is a list, e.g. [Conceptualization, \"Writing – original draft\"]",
}
TYPE_WORDS = {
    "object": "a map of fields", "array": "a list", "string": "text", "integer": "a whole number",
    "number": "a number", "boolean": "true or false", "null": "empty",
}
# Languages whose names an editor may type for a country or a language.
_NAME_LANGUAGES = ("en", "tr", "de", "fr", "es", "pt", "ru", "ar", "fa", "it", "nl")


def _short(value: Any, limit: int = 60) -> str:
    text = f"'{value}'" if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def slug_suggestion(value: str) -> str:
    """``İnebolu Limanı`` -> ``inebolu-limani``: ASCII, lowercase, runs of others as ``-``."""
    ascii_text = anyascii(value).lower()
    slug = re.sub(r"[^a-z0-9._-]+", "-", ascii_text)
    return re.sub(r"-{2,}", "-", slug).strip("-._") or "x"


@functools.lru_cache(maxsize=256)
def country_code_for(name: str) -> str | None:
    return code_for_name(name, _NAME_LANGUAGES)


@functools.lru_cache(maxsize=256)
def language_tag_for(name: str) -> str | None:
    try:
        return str(langcodes.find(name))
    except LookupError:
        return None


def closest_first(value: str, allowed: list[str]) -> list[str]:
    """Every allowed value, the ones most like ``value`` first (ties in the schema's order)."""
    text = str(value).lower()

    def score(candidate: str) -> float:
        ratio = difflib.SequenceMatcher(None, text, candidate.lower()).ratio()
        return ratio + (1.0 if candidate.lower().startswith(text) and text else 0.0)

    return sorted(allowed, key=lambda candidate: -score(candidate))


def country_message(value: Any) -> str:
    code = country_code_for(value) if isinstance(value, str) else None
    return f"{_short(value)} is not a country code: use the ISO 3166-1 code, e.g. {code or 'TR'}"


def language_message(value: Any) -> str:
    tag = language_tag_for(value) if isinstance(value, str) else None
    return f"{_short(value)} is not a language tag: use a BCP 47 tag, e.g. {tag or 'tr'}"


def slug_message(field: str, value: Any) -> str:
    suggestion = slug_suggestion(value) if isinstance(value, str) else "my-article"
    what = "an id" if field in ("id", "") else f"a valid {field}"
    return f"{_short(value)} is not {what}: use {FORMS['slug']}, e.g. '{suggestion}'"


def _field_name(path: tuple) -> str:
    names = [p for p in path if isinstance(p, str)]
    return names[-1] if names else ""


class SchemaWords:
    """Translates the errors of one schema (article, journal or repository)."""

    def __init__(self, root: dict):
        self.definitions = {id(body): name for name, body in root.get("$defs", {}).items()}

    def definition(self, subschema: Any) -> str | None:
        return self.definitions.get(id(subschema))

    def message(self, error: jsonschema.ValidationError, path: tuple) -> str:
        field = _field_name(path)
        definition = self.definition(error.schema)
        value = error.instance
        kind = error.validator
        if kind in ("pattern", "minLength", "maxLength") and error.relative_schema_path and "propertyNames" in error.absolute_schema_path:
            # A key of a per-language map that is not a language tag.
            return language_message(value)
        if field == "country" and kind in ("pattern", "type"):
            return country_message(value)
        if definition == "language" and kind in ("pattern", "type"):
            return language_message(value)
        if definition == "slug" and kind in ("pattern", "type", "maxLength"):
            if kind == "maxLength":
                return f"{_short(value)} is longer than {error.validator_value} characters; use a shorter id"
            return slug_message(field, value)
        if kind == "type":
            shape = SHAPES.get(definition or "") or SHAPES.get(field)
            if shape and (definition in SHAPES or not isinstance(value, (dict, list)) or field in SHAPES):
                return shape.format(field=field or "this field")
            expected = error.validator_value
            words = " or ".join(TYPE_WORDS.get(t, t) for t in (expected if isinstance(expected, list) else [expected]))
            return f"{field or 'this value'} must be {words}, not {_short(value)}"
        if kind == "enum":
            allowed = [str(v) for v in error.validator_value]
            what = "an article type" if definition == "article-type" else f"an allowed {field or 'value'}"
            return f"{_short(value)} is not {what}; allowed, closest first: {', '.join(closest_first(str(value), allowed))}"
        if kind == "pattern":
            form = FORMS.get(definition or "") or FORMS.get(FIELD_FORMS.get(field, ""))
            if form:
                return f"{_short(value)} is not {form}"
            return f"{_short(value)} is not a valid {field or 'value'}"
        if kind == "minLength" or kind == "minItems" or kind == "minProperties":
            return f"{field or 'this field'} is empty; fill it in or remove it"
        if kind == "maxLength":
            return f"{field or 'this value'} is longer than {error.validator_value} characters"
        if kind == "maxItems":
            return f"{field or 'this list'} has more than {error.validator_value} entries"
        if kind == "uniqueItems":
            return f"{field or 'this list'} lists the same value twice"
        if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            form = FORMS.get(FIELD_FORMS.get(field, ""))
            if form:
                return f"{_short(value)} is not {form}"
            side = "at least" if "inimum" in kind else "at most"
            return f"{field or 'this number'} must be {side} {error.validator_value}, not {value}"
        if kind in ("oneOf", "anyOf"):
            if field in SHAPES and not isinstance(value, (dict, list)):
                return SHAPES[field].format(field=field)
            description = error.schema.get("description")
            if definition in FORMS:
                return f"{_short(value)} is not {FORMS[definition]}"
            if description:
                return f"{_short(value)} is not {description}"
            required = [branch.get("required", []) for branch in error.schema.get(kind, []) if isinstance(branch, dict)]
            names = [name for group in required for name in group]
            if names:
                return f"give at least one of: {', '.join(names)}"
            return f"{_short(value)} is not a valid {field or 'value'}"
        return f"{field or 'this value'} is not valid here"
