"""Problems found in input records, located by file, line, column and field path."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Iterable, Sequence

from .errors import PipelineError

FieldPath = tuple  # ("authors", 0, "orcid")


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
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.field}: {self.message}"

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


def render_json(diagnostics: Iterable[Diagnostic]) -> str:
    items = [d.as_dict() for d in sorted(diagnostics)]
    return json.dumps({"valid": not items, "problems": items}, ensure_ascii=False, indent=2) + "\n"
