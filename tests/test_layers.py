"""The package's layers: every module of ``pipeline/`` belongs to one layer, and a module imports
only from its own layer or the layers below it. README's Architecture section draws the same
table (the drawing is checked against it here), so the picture cannot drift from the code.

Imports are read with ``ast`` from the source, every one of them: module level, inside
functions (the lazy imports that keep a CLI start cheap are dependencies all the same) and
under ``TYPE_CHECKING``. Modules named only in strings (the writer registry's validators,
``"pipeline.output_checks.jats:validate_jats"``) are looked up at run time by the layer that
owns them (output checks), and are not imports.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "pipeline"

# Lowest first. A module may import from its own layer and from every layer before it. Entries
# name a module or a package (a package covers its submodules); the longest entry wins.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("core", ("errors", "model")),
    ("domain rules", ("credit", "countries", "issue_label", "identifiers", "deposit", "layout",
                      "record_schemas", "style_catalogue")),
    ("diagnostics, located YAML", ("diagnostics", "located_yaml")),
    ("input checks", ("input_checks",)),
    ("read", ("read",)),
    ("writers", ("writers",)),
    ("OAI-PMH rules", ("oai",)),
    ("schema bundle", ("schema_bundle",)),
    ("output checks", ("output_checks",)),
    ("stores, executors", ("store", "execute", "fingerprint")),
    ("rendering", ("rendering",)),
    ("publishing", ("publishing", "left_out", "watch")),
    ("server", ("server",)),
    ("record tools", ("scaffold", "importer")),
    ("library API", ("api", "")),  # "": the package itself, pipeline/__init__.py (the facade)
    ("command line", ("cli",)),
)

# Names of the package root that any layer may import: ``__version__`` is defined in
# pipeline/__init__.py (where setuptools reads it) and defining it needs no import.
ROOT_NAMES_FOR_EVERYONE = {"__version__"}


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name
    path: Path
    line: int
    target: str  # dotted module name imported


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(package: Path = PACKAGE) -> dict[str, Path]:
    return {module_name(path, package): path for path in sorted(package.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str], source: str | None = None) -> list[Import]:
    """Every import of a ``pipeline`` module in one module's source, as absolute names. ``from
    X import y`` imports the submodule ``X.y`` when there is one, else ``X``."""
    tree = ast.parse(source if source is not None else path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(name, path, node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                submodule = f"{module}.{alias.name}"
                if submodule in known:
                    found.append(Import(name, path, node.lineno, submodule))
                elif not (module == "pipeline" and alias.name in ROOT_NAMES_FOR_EVERYONE):
                    found.append(Import(name, path, node.lineno, module))
    return [i for i in found if i.target == "pipeline" or i.target.startswith("pipeline.")]


def layer_of(name: str) -> int | None:
    """The index in LAYERS of a dotted module name, by its longest entry; None if none."""
    relative = name.removeprefix("pipeline").removeprefix(".")
    best, best_length = None, -1
    for index, (_, entries) in enumerate(LAYERS):
        for entry in entries:
            covers = relative == entry or (entry != "" and relative.startswith(entry + "."))
            if covers and len(entry) > best_length:
                best, best_length = index, len(entry)
    return best


def violations(found: list[Import]) -> list[str]:
    problems = []
    for imp in found:
        own, other = layer_of(imp.importer), layer_of(imp.target)
        if own is None or other is None or other <= own:
            continue
        problems.append(
            f"{imp.path.relative_to(REPO)}:{imp.line}: {imp.importer} (layer {own} '{LAYERS[own][0]}') imports "
            f"{imp.target} (layer {other} '{LAYERS[other][0]}'), a higher layer")
    return problems


def component(name: str) -> str:
    """The top-level package or module of ``pipeline`` a module belongs to."""
    return ".".join(name.split(".")[:2])


def package_cycles(found: list[Import]) -> list[list[str]]:
    """Cycles in the graph of top-level packages and modules (``pipeline.read`` ->
    ``pipeline.input_checks`` -> ...), each as the path that closes it."""
    edges: dict[str, set[str]] = {}
    for imp in found:
        a, b = component(imp.importer), component(imp.target)
        if a != b:
            edges.setdefault(a, set()).add(b)
    cycles, seen = [], set()

    def walk(node: str, path: list[str]) -> None:
        for nxt in sorted(edges.get(node, ())):
            if nxt == path[0]:
                cycle = path + [nxt]
                key = frozenset(cycle)
                if key not in seen:
                    seen.add(key)
                    cycles.append(cycle)
            elif nxt not in path and nxt > path[0]:  # each cycle once, from its smallest node
                walk(nxt, path + [nxt])

    for start in sorted(edges):
        walk(start, [start])
    return cycles


def all_imports() -> list[Import]:
    found = modules()
    known = set(found)
    return [imp for name, path in found.items() for imp in imports_of(name, path, known)]


def drawing() -> str:
    """The layer table as README draws it, highest layer first."""
    width = max(len(name) for name, _ in LAYERS)
    lines = []
    for name, entries in reversed(LAYERS):
        shown = ", ".join("pipeline (the package: import pipeline)" if e == "" else e for e in entries)
        lines.append(f"  {name:<{width}}  | {shown}")
    return "\n".join(lines)


# -- the checks ------------------------------------------------------------------------------


def test_every_module_belongs_to_a_layer():
    unplaced = [f"{path.relative_to(REPO)} ({name})" for name, path in modules().items() if layer_of(name) is None]
    assert unplaced == [], "add these modules to LAYERS in tests/test_layers.py (and README's drawing): " + \
        ", ".join(unplaced)


def test_no_module_imports_a_higher_layer():
    problems = violations(all_imports())
    assert problems == [], "imports against the layers (lower layers must not import higher ones):\n" + \
        "\n".join(problems)


def test_no_import_cycles_between_packages():
    cycles = package_cycles(all_imports())
    assert cycles == [], "import cycles between packages:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_readme_draws_the_layer_table():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    architecture = readme[readme.index("## Architecture"):]
    assert drawing() in architecture, "README's Architecture drawing no longer matches LAYERS in " \
        "tests/test_layers.py; the table as it should be drawn:\n" + drawing()


# -- the checker itself finds what it is meant to find ------------------------------------------


def test_the_checker_reports_an_upward_import_by_module_and_line(tmp_path):
    fake = PACKAGE / "writers" / "crossref.py"  # a writer (layer 'writers')
    source = "import json\n\nfrom ..output_checks import xsd\n"
    found = imports_of("pipeline.writers.crossref", fake, set(modules()) | {"pipeline.output_checks.xsd"}, source)
    assert [(i.line, i.target) for i in found] == [(3, "pipeline.output_checks.xsd")]
    (problem,) = violations(found)
    assert problem.startswith("pipeline/writers/crossref.py:3: pipeline.writers.crossref (layer 5 'writers') imports "
                              "pipeline.output_checks.xsd (layer 8 'output checks')")


def test_the_checker_sees_lazy_imports_and_allows_the_version():
    fake = PACKAGE / "fingerprint.py"
    source = ("from pipeline import __version__\n"
              "def f():\n    from .publishing import publish\n")
    found = imports_of("pipeline.fingerprint", fake, set(modules()), source)
    assert [(i.line, i.target) for i in found] == [(3, "pipeline.publishing")]
    assert len(violations(found)) == 1


def test_the_checker_finds_a_package_cycle():
    path = PACKAGE / "read" / "corpus.py"
    found = [Import("pipeline.read.corpus", path, 1, "pipeline.input_checks.schema"),
             Import("pipeline.input_checks.semantic", path, 1, "pipeline.read.identifiers"),
             Import("pipeline.read.build", path, 1, "pipeline.model")]
    assert package_cycles(found) == [["pipeline.input_checks", "pipeline.read", "pipeline.input_checks"]]


def test_layer_lookup_takes_the_longest_entry():
    assert LAYERS[layer_of("pipeline.writers.registry")][0] == "writers"
    assert LAYERS[layer_of("pipeline")][0] == "library API"
    assert LAYERS[layer_of("pipeline.read.corpus")][0] == "read"
    assert layer_of("pipeline.nowhere") is None
