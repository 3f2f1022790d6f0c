"""Set-up as a new user meets it (issue 11 item 2): the README's first screen and a quiet build."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def _first_screen() -> str:
    # What a terminal shows before scrolling: the first 40 lines.
    return "\n".join((REPO / "README.md").read_text(encoding="utf-8").splitlines()[:40])


def test_readme_first_screen_says_how_to_run_pipeline_after_make_publish():
    screen = _first_screen()
    assert "make publish" in screen
    assert ".venv/bin/pipeline" in screen
    assert ". .venv/bin/activate" in screen
    for variable in ("SEEDS=", "OUT=", "JOBS="):
        assert variable in screen, variable


def test_makefile_takes_the_variables_the_readme_names():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    for line in ("SEEDS  ?= seeds", "OUT    ?= out", "JOBS   ?="):
        assert line in makefile


def test_building_the_package_prints_no_setuptools_deprecation(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-v", "-w", str(tmp_path), str(REPO)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    output = result.stdout + result.stderr
    assert "SetuptoolsDeprecationWarning" not in output
    assert "`project.license`" not in output
