"""Which validator checks which output: the output-validation stage's routing table.

Files are matched by their place in ``out/`` (``<journal>/<kind>/...``); parts (fragments
that are not files of their own, such as the OAI-PMH oai_dc record) by their name. Each
validator module loads its schema once per process.
"""

from __future__ import annotations

import functools
import importlib
import re
from typing import Callable

from . import OutputProblem

Validator = Callable[[bytes, str], list[OutputProblem]]

# (pattern on the out/-relative path, "module:function")
FILE_VALIDATORS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^[^/]+/jats/[^/]+\.xml$"), "pipeline.check.jats:validate_jats"),
    (re.compile(r"^[^/]+/csl/[^/]+\.json$"), "pipeline.check.csl:validate_csl"),
    (re.compile(r"^[^/]+/csl\.json$"), "pipeline.check.csl:validate_csl"),
    (re.compile(r"^[^/]+/crossref/[^/]+\.xml$"), "pipeline.check.crossref:validate_crossref"),
    (re.compile(r"^[^/]+/doaj/[^/]+\.xml$"), "pipeline.check.doaj:validate_doaj"),
)
PART_VALIDATORS: dict[str, str] = {
    "oai_dc": "pipeline.check.oai:check_oai_dc",
}


@functools.cache
def _load(target: str) -> Validator:
    module_name, function = target.split(":")
    return getattr(importlib.import_module(module_name), function)


# Schemas of the files built per journal or issue, which the parent process validates.
# Crossref's full XSD takes libxml2 seconds to compile (its MathML3 import); batches without
# MathML are checked against a stub-MathML variant (pipeline.check.crossref). warm_up() lets
# the parent compile them while the workers render, instead of after.
JOURNAL_SCHEMAS = ("pipeline.check.crossref:mathml_free_schema", "pipeline.check.doaj:schema", "pipeline.check.csl:schema")


def warm_up() -> None:
    for target in JOURNAL_SCHEMAS:
        _load(target)()


def validator_for_file(path: str) -> Validator | None:
    for pattern, target in FILE_VALIDATORS:
        if pattern.match(path):
            return _load(target)
    return None


def check_file(path: str, data: bytes) -> list[OutputProblem]:
    validator = validator_for_file(path)
    return validator(data, path) if validator else []


def check_part(name: str, data: bytes, where: str) -> list[OutputProblem]:
    target = PART_VALIDATORS.get(name)
    return _load(target)(data, f"{where} ({name})") if target else []
