"""Validation of CSL-JSON files against the official ``csl-data.json`` schema (draft-07), offline.

The schema has no external references, so nothing is fetched. It is loaded once per process.
Valid files (nearly all of them) are accepted by the Rust validator ``jsonschema-rs`` (about
a hundred times faster); only a file it rejects goes through ``jsonschema``'s Draft-07
validator, whose messages are the ones reported, so the verdict and the wording are those of
the reference implementation.
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from . import OutputProblem
from ..schema_bundle import bundle

if TYPE_CHECKING:  # imported only when a file is rejected (~90 ms a process otherwise)
    import jsonschema

SCHEMA_FILE = "csl/csl-data.json"


@functools.cache
def schema() -> dict[str, Any]:
    with open(bundle.active().path(SCHEMA_FILE), encoding="utf-8") as handle:
        return json.load(handle)


@functools.cache
def _fast_validator() -> Any:
    return jsonschema_rs.Draft7Validator(schema())


@functools.cache
def _reference_validator() -> jsonschema.Draft7Validator:
    import jsonschema

    jsonschema.Draft7Validator.check_schema(schema())
    return jsonschema.Draft7Validator(schema())


def _specific(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    # The schema wraps names and dates in a one-branch ``anyOf``; the branch's own error
    # ("'first' was unexpected") says more than "is not valid under any of the given schemas".
    import jsonschema.exceptions

    while error.context:
        error = jsonschema.exceptions.best_match(error.context)
    return error


def _where(error: jsonschema.ValidationError) -> str:
    return "/" + "/".join(str(part) for part in error.absolute_path)


def validate_items(items: Any, name: str) -> list[OutputProblem]:
    """Problems with already-parsed CSL-JSON (an array of items)."""
    if _fast_validator().is_valid(items):
        return []
    errors = [_specific(error) for error in _reference_validator().iter_errors(items)]
    errors.sort(key=lambda e: (list(map(str, e.absolute_path)), e.message))
    return [OutputProblem(name, None, f"{_where(error)}: {error.message}") for error in errors]


def validate_csl(data: bytes, name: str) -> list[OutputProblem]:
    """Problems with one CSL-JSON file (empty when it is valid)."""
    try:
        items = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        return [OutputProblem(name, None, f"not UTF-8: {error}")]
    except json.JSONDecodeError as error:
        return [OutputProblem(name, error.lineno, f"not JSON: {error.msg}")]
    return validate_items(items, name)
