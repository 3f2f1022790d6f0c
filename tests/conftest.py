"""Shared fixtures. The official schema bundle must be found: tests never run without it."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# The suite never writes the user's cache (~/.cache): the citation cache, and whatever else
# follows $XDG_CACHE_HOME (the schema cache `pipeline schemas fetch` fills, platformdirs), go
# into a directory of the session's own, removed at exit. Set before anything from pipeline
# is imported; subprocesses (run_cli, workers) inherit it.
SESSION_CACHE_HOME = Path(tempfile.mkdtemp(prefix="pipeline-tests-cache-"))
atexit.register(shutil.rmtree, SESSION_CACHE_HOME, True)
os.environ["XDG_CACHE_HOME"] = str(SESSION_CACHE_HOME)
os.environ["PIPELINE_CITATION_CACHE"] = str(SESSION_CACHE_HOME / "pipeline" / "citations.sqlite3")

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

from pipeline.schema_bundle import bundle as schema_bundle  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
SHARED = REPO.parent / "shared"

# CI runs must be reproducible: the same examples every run and no example database carried
# from one run to the next (a saved failure would otherwise replay forever). Local runs keep
# exploring with the default profile. `.ci/run` exports CI=true.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
    settings.load_profile("ci")

# Activate before any test loads a DTD or schema (libxml2 reads the catalog once).
BUNDLE = schema_bundle.activate(schema_bundle.locate())


@pytest.fixture(scope="session")
def bundle():
    return BUNDLE


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def sample_corpus():
    from pipeline.read import load_corpus

    result = load_corpus(SEEDS)
    assert result.ok, result.diagnostics
    return result.corpus


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``pipeline`` as a user would, in a separate process."""
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        cwd=cwd or REPO, env=full_env, capture_output=True, text=True, timeout=600,
    )


# --- OAI-PMH stores: every store test runs on SQLite and on a real PostgreSQL -------------

@pytest.fixture(scope="session")
def postgres_server():
    """One PostgreSQL server for the session, started on first use (see postgres_server.py)."""
    from .postgres_server import PostgresServer

    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def oai_backend(request):
    return request.param


@pytest.fixture(scope="module")
def new_store_location(oai_backend, request, tmp_path_factory):
    """A callable: a fresh, empty store location for the module's backend (a SQLite path,
    or the URL of a new PostgreSQL database)."""
    if oai_backend == "postgresql":
        server = request.getfixturevalue("postgres_server")
        return lambda stem="oai": server.new_database(stem)
    return lambda stem="oai": str(tmp_path_factory.mktemp(stem) / "oai.sqlite3")


# --- markers for the tests that run real consumers --------------------------------------
# `pytest -m tex` (or pandoc, saxon, citeproc_js, browser; `slow` is any of them) selects them
# and `pytest -m "not slow"` leaves them out; plain `pytest` / `make test` runs everything.
# A test is marked by what it calls: the names below, looked up in its own code, in the
# fixtures it uses, and, one level down, in the module's helper functions either calls (so
# _check_with_pandoc counts, and so does a module fixture that runs pandoc once for all).
_CONSUMER_HELPERS = {
    "tex": {"compile_bibtex", "compile_biblatex"},
    "pandoc": {"_pandoc_meta", "pandoc"},
    "saxon": {"jats4r"},
    "citeproc_js": {"format_with_citeproc_js"},
    # Chromium through Selenium, or the W3C Nu Html Checker (java) reading the site's pages.
    "browser": {"webdriver", "VNU_JAR"},
    "better_bibtex": {"parse_with_better_bibtex"},
}


def _code_names(code) -> set[str]:
    return set(code.co_names) | {c for c in code.co_consts if isinstance(c, str) and c.isidentifier()}


def _names_used(function, module) -> set[str]:
    import types

    # A hypothesis @given test is a wrapper; its own code is the inner test.
    function = getattr(getattr(function, "hypothesis", None), "inner_test", function)
    code = getattr(function, "__code__", None)
    if code is None:
        return set()
    names = _code_names(code)
    for name in list(names):
        helper = getattr(module, name, None)
        if isinstance(helper, types.FunctionType) and helper.__module__ == module.__name__:
            names |= _code_names(helper.__code__)
    return names


def _fixture_functions(item) -> list:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return []
    return [definition.func for name in item.fixturenames for definition in info.name2fixturedefs.get(name, ())]


def pytest_collection_modifyitems(config, items):
    import sys as _sys

    for item in items:
        function = getattr(item, "function", None)
        module = getattr(item, "module", None)
        if function is None or module is None:
            continue
        used = _names_used(function, module)
        for fixture in _fixture_functions(item):
            fixture_module = _sys.modules.get(getattr(fixture, "__module__", ""), module)
            used |= _names_used(fixture, fixture_module)
        tools = [marker for marker, helpers in _CONSUMER_HELPERS.items() if used & helpers]
        for marker in tools:
            item.add_marker(getattr(pytest.mark, marker))
        if tools:
            item.add_marker(pytest.mark.slow)
