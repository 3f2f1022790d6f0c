"""Running a writer's validator: the output-validation stage.

Which validator checks which output is said by the writer registry
(:mod:`pipeline.writers.registry`), per writer; this module loads the validator functions
(each validator module loads its schema once per process) and runs them.
"""

from __future__ import annotations

import functools
import importlib
from typing import Callable

from . import OutputProblem

ValidatorFunction = Callable[[bytes, str], list[OutputProblem]]


@functools.cache
def load(target: str) -> ValidatorFunction:
    module_name, function = target.split(":")
    return getattr(importlib.import_module(module_name), function)


# Schemas of the files built per journal or issue, which the parent process validates.
# Crossref's full XSD takes libxml2 seconds to compile (its MathML3 import); batches without
# MathML are checked against a stub-MathML variant (pipeline.output_checks.crossref). warm_up() lets
# the parent compile them while the workers render, instead of after.
JOURNAL_SCHEMAS = ("pipeline.output_checks.crossref:mathml_free_schema", "pipeline.output_checks.doaj:schema", "pipeline.output_checks.csl:schema")


def warm_up() -> None:
    for target in JOURNAL_SCHEMAS:
        load(target)()


def check_files(spec, files) -> list[OutputProblem]:
    """The problems of the files ``spec``'s writer produced (none for a writer without a
    validator, or whose validator checks a part)."""
    from ..writers.registry import Validator

    validator = spec.validator
    if not isinstance(validator, Validator) or validator.part is not None:
        return []
    function = load(validator.target)
    return [problem for path, data in sorted(files.items()) for problem in function(data, path)]


def check_parts(spec, parts, where: str) -> list[OutputProblem]:
    """The problems of the part ``spec``'s validator checks, if it checks one."""
    from ..writers.registry import Validator

    validator = spec.validator
    if not isinstance(validator, Validator) or validator.part is None or validator.part not in parts:
        return []
    return load(validator.target)(parts[validator.part], f"{where} ({validator.part})")
