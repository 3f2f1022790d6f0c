"""citeproc-js (node), the reference CSL processor, run on the same item, style file and locale
file as citeproc-py: the oracle for the citation tests and the benchmark.

``tests/citeproc_js/`` holds package.json and package-lock.json; ``.ci/run`` runs
``npm ci`` there. A missing node or citeproc-js fails the test that needs it.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import citeproc

HERE = Path(__file__).resolve().parent / "citeproc_js"


def format_with_citeproc_js(items: list[dict[str, Any]], style_path: str | Path, locale: str, *, repeat: int = 0) -> tuple[list[str], float]:
    """Each item's bibliography entry as citeproc-js prints it in text, and the time of ``repeat``
    further rounds (style loaded)."""
    if not (HERE / "node_modules" / "citeproc").is_dir():
        raise RuntimeError(f"citeproc-js is not installed: run `npm ci` in {HERE}")
    request = {"style": str(style_path), "locales": citeproc.LOCALES_PATH, "locale": locale, "items": items, "repeat": repeat}
    result = subprocess.run(["node", str(HERE / "format.js")], input=json.dumps(request), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"citeproc-js failed: {result.stderr}")
    answer = json.loads(result.stdout)
    return answer["entries"], answer["seconds"]
