"""Problems found in input records, located by file, line, column and field path.

A problem is an **error** (the record cannot be published as it is: ``validate`` exits 1,
``publish`` refuses) or a **warning** (it can, but an output will not say what the record
says, e.g. a Crossref deposit that must write a person's name as an organization's: printed
as ``file:line:col: field: warning: message``; ``validate`` exits 0 unless ``--strict``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from typing import Iterable, Sequence

from .errors import PipelineError

FieldPath = tuple  # ("authors", 0, "orcid")
ERROR = "error"
WARNING = "warning"


def format_field(path: FieldPath) -> str:
    """``("authors", 0, "orcid")`` -> ``authors[0].orcid``; the empty path is ``(record)``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text or "(record)"


@dataclass(frozen=True, order=True)
class Diagnostic:
    file: str
    line: int  # 1-based
    column: int  # 1-based
    field: str
    message: str
    severity: str = ERROR  # or WARNING

    def __str__(self) -> str:
        marker = "warning: " if self.severity == WARNING else ""
        return f"{self.file}:{self.line}:{self.column}: {self.field}: {marker}{self.message}"

    def as_warning(self) -> "Diagnostic":
        return replace(self, severity=WARNING)

    def as_dict(self) -> dict:
        return asdict(self)


class InvalidInput(PipelineError):
    """Raised by library calls that cannot go on because records are invalid."""

    def __init__(self, diagnostics: Sequence[Diagnostic]):
        self.diagnostics = tuple(sorted(diagnostics))
        count = len(self.diagnostics)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the input records")


def render_text(diagnostics: Iterable[Diagnostic]) -> str:
    return "".join(f"{d}\n" for d in sorted(diagnostics))


def errors(diagnostics: Iterable[Diagnostic], *, strict: bool = False) -> list[Diagnostic]:
    """The problems that make the input invalid: the errors (with ``strict``, warnings too)."""
    return [d for d in diagnostics if strict or d.severity != WARNING]


def render_json(diagnostics: Iterable[Diagnostic], *, strict: bool = False) -> str:
    """``valid`` is false when there is an error (with ``strict``, any problem); ``problems``
    lists warnings too, each with its ``severity``."""
    items = sorted(diagnostics)
    document = {"valid": not errors(items, strict=strict), "problems": [d.as_dict() for d in items]}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
