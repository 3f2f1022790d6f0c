"""What the previous publish produced, so the next one can skip what did not change.

``out/.pipeline/manifest.json`` maps each article key to the hash of its seed (under its
journal's), its DOI (for the corpus-wide uniqueness check without re-reading the record) and
the files each writer wrote for it; it also keeps each writer's code fingerprint
(:mod:`pipeline.fingerprint`), so a change to one writer re-renders only that writer's files. Each article's parts (fragments for journal-level files and the OAI
store) are kept in ``out/.pipeline/parts/<journal>/<article>.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .staging import STATE_DIR

MANIFEST = f"{STATE_DIR}/manifest.json"
FORMAT = 2  # 2: files and fingerprints per writer


def parts_path(journal_id: str, article_id: str) -> str:
    return f"{STATE_DIR}/parts/{journal_id}/{article_id}.json"


@dataclass
class RecordEntry:
    hash: str
    journal: str
    doi: str | None
    files: dict[str, list[str]]  # writer name -> files it wrote for this record
    issue_key: str | None = None
    sets: list[list[str]] = field(default_factory=list)  # OAI-PMH [setSpec, setName] pairs

    def all_files(self) -> list[str]:
        return sorted(path for paths in self.files.values() for path in paths)


@dataclass
class Manifest:
    writers: dict[str, str] = field(default_factory=dict)  # writer name -> code fingerprint
    records: dict[str, RecordEntry] = field(default_factory=dict)
    journals: dict[str, str] = field(default_factory=dict)  # journal id -> hash of journal.yaml
    journal_files: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # journal -> writer -> files

    @classmethod
    def parse(cls, raw: bytes | None) -> "Manifest":
        if not raw:
            return cls()
        try:
            data = json.loads(raw)
        except ValueError:
            return cls()  # a damaged manifest only costs a full re-render
        if data.get("format") != FORMAT:
            return cls()
        return cls(
            writers=data.get("writers", {}),
            records={key: RecordEntry(**entry) for key, entry in data.get("records", {}).items()},
            journals=data.get("journals", {}),
            journal_files=data.get("journal_files", {}),
        )

    def dump(self) -> bytes:
        data = {
            "format": FORMAT,
            "writers": dict(sorted(self.writers.items())),
            "journals": dict(sorted(self.journals.items())),
            "journal_files": {k: {w: sorted(f) for w, f in sorted(v.items())} for k, v in sorted(self.journal_files.items())},
            "records": {
                key: {"hash": e.hash, "journal": e.journal, "doi": e.doi, "files": {w: sorted(f) for w, f in sorted(e.files.items())},
                      "issue_key": e.issue_key, "sets": e.sets}
                for key, e in sorted(self.records.items())
            },
        }
        return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def dump_parts(parts: dict[str, bytes]) -> bytes:
    return (json.dumps({k: v.decode("utf-8") for k, v in sorted(parts.items())}, ensure_ascii=False) + "\n").encode("utf-8")


def load_parts(raw: bytes, names: frozenset[str] | None = None) -> dict[str, bytes]:
    """The parts of one article; only ``names`` when given (to keep memory per journal small)."""
    return {k: v.encode("utf-8") for k, v in json.loads(raw).items() if names is None or k in names}
