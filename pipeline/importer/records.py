"""Imported records onto disk: YAML an editor keeps editing, written all at once or not at all.

Key order is the README example's (the importers build their dicts in that order); long or
multi-paragraph text becomes a folded block scalar wrapped at 88 columns; UTF-8 throughout;
PyYAML quotes only what YAML needs quoted. The same records give byte-identical files.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipeline.importer.source import TODO, ImportedRecord, SourceError, safe_id

from ..errors import PipelineError

WIDTH = 88
HEADER = (
    "# Imported by 'pipeline import {kind}' from {source}.\n"
    "# Values that start with 'TODO:' were missing in the source; 'pipeline validate' names them.\n"
)


try:  # libyaml's emitter: the pure-Python one took 90% of an import's time
    _BaseDumper = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseDumper = yaml.SafeDumper


_RESOLVED: dict[tuple, str] = {}


class _RecordDumper(_BaseDumper):
    """Block style throughout; prose as folded scalars so that it reads (and diffs) as text."""

    def resolve(self, kind, value, implicit):
        # Whether a scalar needs quotes depends only on its text; keys and short values repeat
        # in every record, so the (regex-heavy) answer is remembered.
        if kind is not yaml.ScalarNode:
            return super().resolve(kind, value, implicit)
        key = (value, implicit)
        tag = _RESOLVED.get(key)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(_RESOLVED) < 200_000:
                _RESOLVED[key] = tag
        return tag




_STR, _INT, _BOOL = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:bool"


def _node(value) -> yaml.Node:
    """The YAML node for record data (dict, list, str, int, bool), built directly: PyYAML's
    generic representer (alias bookkeeping per value) cost more than the JATS reading."""
    if type(value) is str and len(value) <= 72 and "\n" not in value:
        return yaml.ScalarNode(_STR, value)
    if isinstance(value, dict):
        return yaml.MappingNode("tag:yaml.org,2002:map", [(_node(k), _node(v)) for k, v in value.items()], flow_style=False)
    if isinstance(value, list):
        return yaml.SequenceNode("tag:yaml.org,2002:seq", [_node(v) for v in value], flow_style=False)
    if isinstance(value, bool):
        return yaml.ScalarNode(_BOOL, "true" if value else "false")
    if isinstance(value, int):
        return yaml.ScalarNode(_INT, str(value))
    if not isinstance(value, str):
        raise TypeError(f"records hold text, numbers and booleans, not {type(value).__name__}")
    long_text = ("\n" in value or len(value) > 72) and not value.startswith(TODO)
    style = ">" if long_text and value == value.strip() and "\t" not in value else None
    return yaml.ScalarNode(_STR, value, style=style)


def dump_record(data: dict) -> str:
    return yaml.serialize(_node(data), Dumper=_RecordDumper, allow_unicode=True, width=WIDTH, indent=2)


@dataclass
class WriteResult:
    written: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    journals_written: list[str] = field(default_factory=list)
    journals_kept: list[str] = field(default_factory=list)
    disagreements: list[str] = field(default_factory=list)


class ConflictError(PipelineError):
    """The import would overwrite records (without --force) or write one record twice."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


_JOURNAL_FACTS = ("title", "abbrev-title", "issn", "publisher")


def _disagreements(path: Path, existing: dict, imported: dict, source: str) -> list[str]:
    found = []
    for key in _JOURNAL_FACTS:
        if key in imported and key in existing and existing[key] != imported[key]:
            if key == "title" and isinstance(existing[key], dict) and isinstance(imported[key], dict):
                # A title in one more language is not a disagreement; a different text is.
                if all(existing[key].get(lang, text) == text for lang, text in imported[key].items()):
                    continue
            found.append(f"{path}: {key} is {existing[key]!r} here but {imported[key]!r} in {source} (kept {path.name})")
    return found


def _merge_journal(first: dict, other: dict) -> None:
    languages = first["languages"]
    for lang in other.get("languages", ()):
        if lang not in languages:
            languages.append(lang)
    if isinstance(first.get("title"), dict) and isinstance(other.get("title"), dict):
        for lang, text in other["title"].items():
            first["title"].setdefault(lang, text)


def write_records(seeds: Path, records: list[ImportedRecord], kind: str, *, force: bool = False) -> WriteResult:
    """Write every record's article (and each new journal.yaml) into ``seeds``, or nothing.

    Every file is first written into a staging directory inside ``seeds`` (same file system),
    then renamed into place, so a failure while rendering leaves ``seeds`` untouched.
    """
    result = WriteResult()
    problems: list[str] = []
    targets: dict[Path, ImportedRecord] = {}
    journals: dict[str, dict] = {}
    journal_sources: dict[str, str] = {}
    for record in records:
        journal_id = safe_id(record.journal_id, record.source, "journal id")
        article_id = safe_id(record.article_id, record.source, "article id")
        target = seeds / journal_id / "articles" / f"{article_id}.yaml"
        if target in targets:
            problems.append(f"{record.source}: article {journal_id}/{article_id} also comes from {targets[target].source}")
            continue
        targets[target] = record
        if target.exists():
            if force:
                result.replaced.append(str(target))
            else:
                problems.append(f"{target}: exists (from an earlier import or an editor); pass --force to replace it ({record.source})")
        if journal_id in journals:
            _merge_journal(journals[journal_id], record.journal)
        else:
            journals[journal_id] = {**record.journal, "languages": list(record.journal["languages"])}
            journal_sources[journal_id] = record.source
    if problems:
        raise ConflictError(problems)

    files: dict[Path, str] = {}
    for journal_id, journal in journals.items():
        path = seeds / journal_id / "journal.yaml"
        if path.exists():
            result.journals_kept.append(str(path))
            try:
                existing = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except (yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
                result.disagreements.append(f"{path}: cannot be read to compare ({exc.__class__.__name__}); kept as it is")
                continue
            if isinstance(existing, dict):
                result.disagreements += _disagreements(path, existing, journal, journal_sources[journal_id])
        else:
            files[path] = HEADER.format(kind=kind, source=journal_sources[journal_id]) + dump_record(journal)
            result.journals_written.append(str(path))
    for target, record in targets.items():
        files[target] = HEADER.format(kind=kind, source=record.source) + (record.yaml or dump_record(record.article))

    seeds.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".import-", dir=seeds))
    try:
        staged = []
        for index, (path, text) in enumerate(files.items()):
            temp = staging / f"{index}.yaml"
            temp.write_text(text, encoding="utf-8")
            staged.append((temp, path))
        for temp, path in staged:
            path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp, path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    result.written = [str(p) for p in targets]
    return result


__all__ = ["ConflictError", "SourceError", "WriteResult", "dump_record", "write_records"]
