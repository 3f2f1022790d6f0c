"""The suite finds the shared material relative to the checkout (``../shared``), never by an
absolute path: CI runs in a fresh clone in another folder, with shared/ beside it."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_no_test_names_an_absolute_path_to_the_shared_folder():
    absolute = re.compile(r"""["'](/[^"'\s]*/shared(?:/[^"']*)?)["']""")
    found = []
    for path in sorted((REPO / "tests").rglob("*.py")):
        if "node_modules" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if absolute.search(line):
                found.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert found == []
