"""Structural validation of records against the YAML-written JSON Schemas in ``schemas/``.

Two validators, one verdict: ``jsonschema-rs`` (compiled Rust, ~0.05 ms a record) decides
whether a record is valid; only an invalid record is handed to the reference ``jsonschema``
implementation, whose errors carry the paths and messages we report. Valid records, the
common case, never pay for the slow one, and the messages are exactly jsonschema's
(tests/test_validate_schema.py checks that both validators agree).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
import yaml

from .diagnostics import Diagnostic, FieldPath
from ..read.yamlsource import YamlDocument

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"
KINDS = ("article", "journal", "repository")


@functools.cache
def schema(kind: str) -> dict:
    with open(SCHEMA_DIR / f"{kind}.schema.yaml", encoding="utf-8") as handle:
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@functools.cache
def fast_validator(kind: str):
    return jsonschema_rs.Draft202012Validator(schema(kind))


@functools.cache
def reference_validator(kind: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema(kind))


def is_valid(kind: str, data: Any) -> bool:
    return fast_validator(kind).is_valid(data)


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _located(error: jsonschema.ValidationError) -> tuple[FieldPath, str, bool]:
    """(field path, message, point-at-key?) for one jsonschema error."""
    path = tuple(error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        return path + (missing,), "required field is missing", False
    if error.validator == "additionalProperties":
        extras = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        known = ", ".join(sorted(error.schema.get("properties", {})))
        name = extras[0] if extras else ""
        hint = f" (known fields: {known})" if known else ""
        return path + (name,), f"unknown field '{name}'{hint}", True
    if error.validator in ("oneOf", "anyOf"):
        description = error.schema.get("description")
        if description:
            return path, f"{_short(error.instance)} is not {description}", False
    if error.validator == "enum" and len(error.validator_value) > 5:
        return path, f"{_short(error.instance)} is not one of the allowed values (see schemas/)", False
    if error.validator == "pattern":
        return path, f"{_short(error.instance)} does not have the expected form ({error.validator_value})", False
    message = error.message
    if len(message) > 200:
        message = message[:197] + "..."
    return path, message, False


def schema_diagnostics(kind: str, document: YamlDocument) -> list[Diagnostic]:
    if is_valid(kind, document.data):
        return []
    found = []
    for error in reference_validator(kind).iter_errors(document.data):
        path, message, at_key = _located(error)
        found.append(document.diagnostic(path, message, key=at_key))
    return sorted(set(found))
