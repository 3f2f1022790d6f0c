"""Shared fixtures. The official schema bundle must be found: tests never run without it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.check import bundle as schema_bundle

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
SHARED = REPO.parent / "shared"

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
