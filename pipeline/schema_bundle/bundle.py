"""Where the official schema bundle (JATS, OAI-PMH, CSL, Crossref, DOAJ) is found.

Search order: ``--schemas DIR``, then ``$PIPELINE_SCHEMAS``, then ``../shared/schemas`` (from
the current directory, then from the checkout this package lives in), then the per-user cache
that ``pipeline schemas fetch`` fills. libxml2 reads ``XML_CATALOG_FILES`` once, at its first
catalog look-up, so :func:`activate` must run before any schema or DTD is loaded.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from ..errors import PipelineError

ENV_VAR = "PIPELINE_SCHEMAS"


class BundleNotFound(PipelineError):
    """No schema bundle could be found; output validation cannot run."""


class BundleConflict(PipelineError):
    """A second, different bundle was asked for after one became active in this process.
    libxml2 reads its catalog once, so the first bundle would silently stay in use."""


@dataclass(frozen=True)
class SchemaBundle:
    root: Path
    origin: str  # how it was found: "--schemas", "$PIPELINE_SCHEMAS", "../shared", "cache"

    @property
    def catalog(self) -> Path:
        return self.root / "catalog.xml"

    def path(self, relative: str) -> Path:
        return self.root / relative


def user_cache_dir() -> Path:
    """``schemas`` in the per-user cache directory platformdirs names (``~/.cache/pipeline``
    or ``$XDG_CACHE_HOME/pipeline`` on Linux, the platform's own place elsewhere)."""
    return platformdirs.user_cache_path("pipeline", appauthor=False) / "schemas"


def _is_bundle(path: Path) -> bool:
    return (path / "catalog.xml").is_file()


def candidates(explicit: str | os.PathLike | None = None) -> list[tuple[Path, str]]:
    found: list[tuple[Path, str]] = []
    if explicit:
        found.append((Path(explicit), "--schemas"))
    if os.environ.get(ENV_VAR):
        found.append((Path(os.environ[ENV_VAR]), "$" + ENV_VAR))
    found.append((Path.cwd().parent / "shared" / "schemas", "../shared/schemas"))
    checkout = Path(__file__).resolve().parents[2]
    found.append((checkout.parent / "shared" / "schemas", "../shared/schemas"))
    found.append((user_cache_dir(), "user cache"))
    return found


def locate(explicit: str | os.PathLike | None = None) -> SchemaBundle:
    """The bundle to use. An explicit directory that is not a bundle is an error, not a fallback."""
    for path, origin in candidates(explicit):
        if _is_bundle(path):
            return SchemaBundle(path.resolve(), origin)
        if origin in ("--schemas", "$" + ENV_VAR):
            raise BundleNotFound(f"{origin} points at {path}, which has no catalog.xml")
    raise BundleNotFound(
        "no schema bundle found (tried --schemas, $PIPELINE_SCHEMAS, ../shared/schemas and "
        f"{user_cache_dir()}); run 'pipeline schemas fetch' or pass --schemas DIR"
    )


_active: SchemaBundle | None = None


def activate(bundle: SchemaBundle) -> SchemaBundle:
    """Point libxml2's catalog at the bundle. Idempotent for the same bundle; a different one
    after the first raises :class:`BundleConflict` (libxml2 would keep using the first)."""
    global _active
    if _active is not None and _active.root.resolve() != Path(bundle.root).resolve():
        raise BundleConflict(
            f"schema bundle {_active.root} is already in use in this process; "
            f"{bundle.root} cannot replace it (start a new process to use another bundle)"
        )
    if _active is None:
        existing = os.environ.get("XML_CATALOG_FILES", "")
        catalogs = [str(bundle.catalog)] + [c for c in existing.split() if c != str(bundle.catalog)]
        os.environ["XML_CATALOG_FILES"] = " ".join(catalogs)
        os.environ[ENV_VAR] = str(bundle.root)  # worker processes find the same bundle
        _active = bundle
    return _active


def active() -> SchemaBundle:
    """The bundle in use, locating and activating the default one on first call."""
    return _active if _active is not None else activate(locate())
