"""The journal-level unit of work: one journal's files of the writers that have them (issue
tables of contents, journal pages, Crossref and DOAJ batches, the journal's CSL-JSON and
BibTeX...), rendered from its articles' parts and validated, as a task an executor runs.

A publish renders its records on workers, then each journal's files from the parts the
records left in the staging tree. Done in the publishing process, that second step was
most of its own CPU (it does not spread over workers); as a task per journal it runs on the
same workers as the records (:mod:`pipeline.execute`), which read the parts files from the
staging tree (on a cluster: the output directory on the shared file system, like the
seeds). The publishing process keeps what only it can do: writing the files into the
staging tree, removing the stale ones, and the manifest's list of them.

A file whose bytes equal the file the tree already has there is not validated again (it was
when it was first published) and not sent back, only named: what the publishing process did
before, when its write found the bytes already there.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Mapping

from .left_out import DEPOSIT_PARTS, left_out_lines
from .model import Journal
from .output_checks import OutputProblem
from .output_checks.outputs import check_files
from .store.manifest import PARTS_CACHE, parts_path
from .store.staging import TreeReader
from .writers import JournalEntry
from .writers.registry import writer
from .writers.shared import batch_name


@dataclass(frozen=True)
class JournalArticle:
    """What the journal's files need of one of its articles besides its parts file."""

    article_id: str
    issue_key: str | None
    datestamp: str  # its OAI-PMH datestamp
    doi: str | None


@dataclass(frozen=True)
class JournalTask:
    journal: Journal
    writers: tuple[str, ...]  # the writers whose files are built, in registry order
    articles: tuple[JournalArticle, ...]  # sorted by key
    # writer -> the issue batches (writers.shared.batch_name) to build, for a writer whose
    # files are one per issue and whose other issues did not change; absent: every file.
    only_batches: Mapping[str, frozenset[str]]
    tree: TreeReader  # the staging tree: the parts, and the files there now
    validate: bool


@dataclass
class JournalFiles:
    """One task's result: per writer, the files that are new or changed (with their bytes)
    and the names of those already in the tree as they are."""

    changed: dict[str, dict[str, bytes]] = field(default_factory=dict)
    unchanged: dict[str, list[str]] = field(default_factory=dict)
    problems: list[OutputProblem] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def render_journal_files(task: JournalTask) -> JournalFiles:
    journal = task.journal
    specs = [writer(name) for name in task.writers]
    result = JournalFiles()
    # Each article's parts file is read and decoded once for all the writers (memory: one
    # journal's parts), not once per writer.
    wanted = frozenset(name for spec in specs for name in spec.parts)
    parts_of = [PARTS_CACHE.load(relative, task.tree.locate(relative), wanted)
                for relative in (parts_path(journal.id, article.article_id) for article in task.articles)]
    for spec in specs:
        entries = [
            JournalEntry(article.article_id, article.issue_key, article.datestamp,
                         {name: parts[name] for name in spec.parts if name in parts})
            for article, parts in zip(task.articles, parts_of)
        ]
        started = time.perf_counter()
        batches = task.only_batches.get(spec.name)
        files = spec.render_journal(journal, entries if batches is None else
                                    [entry for entry in entries if batch_name(entry.issue_key) in batches])
        result.timings[f"render_journal:{spec.name}"] = time.perf_counter() - started
        if spec.name in DEPOSIT_PARTS:  # counted over the whole journal
            dois = {article.article_id: article.doi for article in task.articles}
            result.left_out.extend(left_out_lines(spec.name, DEPOSIT_PARTS[spec.name], journal, entries, dois))
        del entries
        changed, unchanged = result.changed.setdefault(spec.name, {}), result.unchanged.setdefault(spec.name, [])
        for relative, data in sorted(files.items()):
            if task.tree.holds(relative, data):
                unchanged.append(relative)
                continue
            changed[relative] = data
            if task.validate:
                started = time.perf_counter()
                result.problems.extend(check_files(spec, {relative: data}))
                result.timings["check"] = result.timings.get("check", 0.0) + time.perf_counter() - started
    return result
