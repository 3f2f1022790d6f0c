"""``pipeline watch``: a warm preview. One long-lived process publishes, then republishes on
every save under the seeds directory.

Why it is fast: everything heavy stays loaded between publishes: the imported writers, the
JATS DTD and the compiled XML schemas (``functools.cache`` in :mod:`pipeline.output_checks`), the
citeproc styles and locales, and the decoded per-article parts the journal-level files are
built from (:class:`pipeline.store.manifest.PartsCache`). Records render in this process
(``--jobs 1`` by default): a pool's workers would start cold each time.

An invalid save is reported (file, line, field) and the process keeps watching; ``out/``
stays as the last good publish left it, as with ``pipeline publish``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .publishing import OutputInvalid, PublishOptions, PublishReport, publish
from .store.manifest import PARTS_CACHE
from .diagnostics import InvalidInput


@dataclass
class Outcome:
    """One publish of the watch loop."""

    seconds: float  # from the change being seen to the publish being done
    report: PublishReport | None = None
    invalid: InvalidInput | None = None
    output_invalid: OutputInvalid | None = None
    changes: tuple[str, ...] = ()  # the paths that changed (empty for the first publish)


def _relevant(change, path: str) -> bool:
    # editors' temporary and swap files are not seeds
    name = Path(path).name
    return not (name.startswith(".") or name.endswith(("~", ".swp", ".tmp")))


def watch(
    seeds: Path | str,
    out: Path | str,
    options: PublishOptions = PublishOptions(jobs=1),
    *,
    on_publish: Callable[[Outcome], None],
    stop: threading.Event | None = None,
    debounce_ms: int = 30,
    warn: Callable[[str], None] = lambda message: None,
) -> None:
    """Publish ``seeds`` into ``out`` now and after every change, until ``stop`` is set,
    each time as ``options`` say (by default in this process: ``jobs=1``)."""
    import watchfiles

    seeds, out = Path(seeds), Path(out)
    stop = stop or threading.Event()
    PARTS_CACHE.enabled = True

    def run(changes: tuple[str, ...], seen: float) -> None:
        outcome = Outcome(0.0, changes=changes)
        try:
            outcome.report = publish(seeds, out, options, warn=warn)
        except InvalidInput as exc:
            outcome.invalid = exc
        except OutputInvalid as exc:
            outcome.output_invalid = exc
        outcome.seconds = time.perf_counter() - seen
        on_publish(outcome)

    # The first publish runs once the watcher is up (its first timeout), so a save made
    # during that publish is seen and published next, never missed.
    started = False
    for changes in watchfiles.watch(seeds, watch_filter=_relevant, debounce=debounce_ms, step=10,
                                    stop_event=stop, yield_on_timeout=True, rust_timeout=100, raise_interrupt=False):
        seen = time.perf_counter()
        if not started:
            started = True
            run((), seen)
        elif changes:
            run(tuple(sorted(path for _, path in changes)), seen)
