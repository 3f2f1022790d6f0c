"""Structural validation of records against the YAML-written JSON Schemas in :mod:`pipeline.record_schemas`.

Two validators, one verdict: ``jsonschema-rs`` (compiled Rust, ~0.05 ms a record) decides
whether a record is valid; only an invalid record is handed to the reference ``jsonschema``
implementation, whose errors carry the paths and messages we report. Valid records, the
common case, never pay for the slow one (tests/test_validate.py checks that both validators
agree). Its errors are put in the editor's words by :mod:`pipeline.input_checks.messages`.
"""

from __future__ import annotations

import difflib
import functools
from typing import TYPE_CHECKING, Any

import jsonschema_rs
import yaml

from ..diagnostics import Diagnostic, FieldPath
from .messages import SchemaWords
from ..located_yaml import YamlDocument

from ..record_schemas import KINDS, schema_text

if TYPE_CHECKING:  # the reference validator is imported only for an invalid record (~90 ms)
    import jsonschema


@functools.cache
def schema(kind: str) -> dict:
    return yaml.load(schema_text(kind), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@functools.cache
def fast_validator(kind: str):
    return jsonschema_rs.Draft202012Validator(schema(kind))


@functools.cache
def reference_validator(kind: str) -> jsonschema.Draft202012Validator:
    import jsonschema

    return jsonschema.Draft202012Validator(schema(kind))


def is_valid(kind: str, data: Any) -> bool:
    return fast_validator(kind).is_valid(data)


@functools.cache
def words(kind: str) -> SchemaWords:
    return SchemaWords(schema(kind))


def _located(kind: str, error: jsonschema.ValidationError) -> tuple[FieldPath, str, bool]:
    """(field path, message in the editor's words, point-at-key?) for one jsonschema error."""
    path = tuple(error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        return path + (missing,), "required field is missing", False
    if error.validator == "additionalProperties":
        known = sorted(error.schema.get("properties", {}))
        extras = sorted(set(error.instance) - set(known))
        name = extras[0] if extras else ""
        close = difflib.get_close_matches(name, known, n=1)
        guess = f"; did you mean '{close[0]}'?" if close else ""
        hint = f" (known fields: {', '.join(known)})" if known else ""
        return path + (name,), f"unknown field '{name}'{guess}{hint}", True
    if "propertyNames" in error.absolute_schema_path and isinstance(error.instance, str):
        # A key of a per-language map: point at the key itself.
        return path + (error.instance,), words(kind).message(error, path), True
    return path, words(kind).message(error, path), False


def schema_diagnostics(kind: str, document: YamlDocument) -> list[Diagnostic]:
    return [diagnostic for diagnostic, _ in schema_findings(kind, document)]


def schema_findings(kind: str, document: YamlDocument) -> list[tuple[Diagnostic, FieldPath | None]]:
    """Each problem with the path of the value that is not well-formed (to leave out of the
    semantic checks, which then run on the rest)."""
    if is_valid(kind, document.data):
        return []
    found = {}
    for error in reference_validator(kind).iter_errors(document.data):
        path, message, at_key = _located(kind, error)
        diagnostic = document.diagnostic(path, message, key=at_key)
        found.setdefault(diagnostic, None if error.validator == "required" else path)
    return sorted(found.items())




class _Refused:
    """Stands where the schema refused a value: present (so "missing" checks stay quiet) but
    unusable (so a check that needs it stops, and the other checks go on)."""

    def __bool__(self) -> bool:
        return True

    def __iter__(self):
        raise TypeError("refused by the schema")

    def __getattr__(self, name: str):
        raise AttributeError(name)

    def __getitem__(self, key):
        raise TypeError("refused by the schema")

    def __contains__(self, item) -> bool:
        raise TypeError("refused by the schema")

    def __str__(self) -> str:
        raise TypeError("refused by the schema")


REFUSED = _Refused()


def well_formed_part(data: Any, bad_paths: list[FieldPath | None]) -> Any:
    """A copy of ``data`` with ``REFUSED`` at ``bad_paths`` (None: nothing refused), so that
    the semantic checks see only what the schema accepted. None when the whole record is not
    well-formed; ``data`` itself when nothing was refused (the semantic checks only read it,
    and a valid record, the common case, need not be copied)."""
    paths = [p for p in bad_paths if p is not None]
    if any(not p for p in paths):
        return None
    doomed = {tuple(p) for p in paths}
    if not doomed:
        return data

    def copy(value: Any, here: tuple) -> Any:
        if isinstance(value, dict):
            return {k: REFUSED if here + (k,) in doomed else copy(v, here + (k,)) for k, v in value.items()}
        if isinstance(value, list):
            return [REFUSED if here + (i,) in doomed else copy(v, here + (i,)) for i, v in enumerate(value)]
        return value

    return copy(data, ())
