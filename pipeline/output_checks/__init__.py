"""Output validation: every file the pipeline emits is checked against the official schema.

One module per format (``jats``, ``csl``, ``crossref``, ``doaj``, ``oai``); each loads its
schema once per process and returns :class:`OutputProblem` values rather than raising, so a
publish can report every invalid file at once.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OutputProblem:
    path: str  # the file (or output path) that is invalid
    line: int | None  # 1-based line in that file, when the validator knows it
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"
