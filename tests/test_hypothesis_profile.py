"""The hypothesis profile: reproducible in CI, exploring locally (issue 11 item 1)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO

PROBE = """
import sys
sys.path.insert(0, {repo!r})
import tests.conftest
from hypothesis import settings
s = settings()
print(s.derandomize, s.database is None, s.print_blob)
"""


def _profile(env: dict) -> str:
    full_env = {k: v for k, v in os.environ.items() if k != "CI"}
    full_env.update(env)
    result = subprocess.run([sys.executable, "-c", PROBE.format(repo=str(REPO))], env=full_env,
                            capture_output=True, text=True, check=True, cwd=REPO)
    return result.stdout.strip()


def test_ci_profile_is_derandomized_without_a_database():
    assert _profile({"CI": "true"}) == "True True True"


def test_local_runs_keep_exploring():
    assert _profile({}) == "False False False"


def test_ci_script_runs_the_suite_with_the_ci_profile():
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "export CI=true" in script
    assert script.index("export CI=true") < script.index("make test")


def test_hypothesis_database_is_not_committed():
    ignored = (REPO / ".gitignore").read_text(encoding="utf-8").split()
    assert "/.hypothesis/" in ignored
