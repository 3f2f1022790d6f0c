"""The pytest markers for tests that run real consumers: registered, documented, and set.

`pytest -m tex` (etc.) must select the tests that run that tool, and `make test` (plain
pytest) must still run every test.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

from .conftest import _CONSUMER_HELPERS

REPO = Path(__file__).resolve().parents[1]


def _registered() -> set[str]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return {line.split(":", 1)[0] for line in config["tool"]["pytest"]["ini_options"]["markers"]}


def test_every_consumer_marker_is_registered_and_documented():
    markers = set(_CONSUMER_HELPERS) | {"slow"}
    assert markers == {"slow", "tex", "pandoc", "saxon", "citeproc_js", "browser", "better_bibtex"}
    assert markers <= _registered()
    development = (REPO / "README.md").read_text(encoding="utf-8").split("## Development", 1)[1].split("\n## ", 1)[0]
    for marker in markers:
        assert f"`{marker}`" in development, marker


def test_every_marker_the_tests_use_is_registered():
    # A mark written by hand anywhere in tests/: an unregistered name is a typo
    # that would select nothing. skip, skipif and xfail are not allowed at all: a missing
    # tool or a known failure must fail its test, never pass it by.
    builtin = {"parametrize", "usefixtures", "filterwarnings"}
    used = set()
    for path in (REPO / "tests").glob("*.py"):
        used |= set(re.findall(r"pytest\.mark\.([A-Za-z_]\w*)", path.read_text(encoding="utf-8")))
    assert not used & {"skip", "skipif", "xfail"}, used & {"skip", "skipif", "xfail"}
    calls = [path.name for path in (REPO / "tests").glob("*.py") if path.name != "test_markers.py"
             and re.search(r"pytest\.(skip|xfail|importorskip)\(", path.read_text(encoding="utf-8"))]
    assert not calls, calls
    assert used - builtin <= _registered()


def _collected(*args: str) -> set[str]:
    completed = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
                               cwd=REPO, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    return {line for line in completed.stdout.splitlines() if "::" in line}


def test_markers_select_the_tests_that_run_each_tool():
    # Three files are enough to see selection work (collecting the whole suite takes long).
    files = ("tests/test_latex_consumers.py", "tests/test_site.py", "tests/test_validate.py")
    everything = _collected(*files)
    tex, browser, slow = (_collected(*files, "-m", marker) for marker in ("tex", "browser", "slow"))
    # tests/test_latex_consumers.py runs bibtex, biber and lualatex in every test
    latex = {t for t in everything if t.startswith("tests/test_latex_consumers.py::")}
    assert latex and latex == tex
    assert "tests/test_site.py::test_every_page_is_valid_html_by_the_nu_checker" in browser
    assert not any(t.startswith("tests/test_validate.py::") for t in slow)  # no consumer there
    assert tex | browser == slow
    assert len(everything) > len(slow)  # plain pytest (make test) collects the unmarked ones too
