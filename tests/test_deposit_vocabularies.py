"""Issue 10 item 1: writers do not depend on output validation.

The Crossref and DOAJ language codes are package data generated from the schema bundle; these
tests keep the copy equal to the bundle's XSD enumerations, and publish with no bundle at all.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from lxml import etree

from pipeline import deposit
from pipeline.schema_bundle import bundle

from .conftest import REPO, SEEDS
from .test_publish import published_files

XSD = "{http://www.w3.org/2001/XMLSchema}"


def _enumerations(path: Path, within: str | None = None) -> set[str]:
    # Read independently of pipeline.output_checks.xsd.enumeration (which the generator uses).
    root = etree.parse(str(path)).getroot()
    scope = root.find(within) if within else root
    return {e.get("value") for e in scope.iter(f"{XSD}enumeration")}


def test_crossref_codes_match_the_bundle_xsd():
    common = bundle.active().path("crossref/5.3.1/common5.3.1.xsd")
    expected = _enumerations(common, f"{XSD}attributeGroup[@name='language.atts']")
    assert {"tr", "en", "de", "ar", "fa", "ru"} <= expected
    assert deposit.crossref_language_codes() == expected


def test_doaj_codes_match_the_bundle_xsd():
    expected = _enumerations(bundle.active().path("doaj/iso_639-2b.xsd"))
    assert {"tur", "eng", "ger", "per"} <= expected and "fil" not in expected
    assert deposit.doaj_language_codes() == expected


def test_writers_and_input_validation_do_not_import_output_validation():
    """Neither the deposit rules, the writers nor input_checks/deposit.py import pipeline.output_checks."""
    files = [REPO / "pipeline" / "deposit" / "__init__.py", REPO / "pipeline" / "input_checks" / "deposit.py",
             *sorted((REPO / "pipeline" / "writers").glob("*.py"))]
    offenders = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                module = "." * node.level + (node.module or "")
                names = [alias.name for alias in node.names]
                if "output_checks" in module.split(".") or (module.strip(".") == "" and "output_checks" in names):
                    offenders.append(f"{path.name}: from {module} import {', '.join(names)}")
                if path.parent.name == "input_checks" and ("writers" in module.split(".") or "writers" in names):
                    offenders.append(f"{path.name}: from {module} import {', '.join(names)}")
            elif isinstance(node, ast.Import):
                offenders += [f"{path.name}: import {a.name}" for a in node.names if a.name.startswith("pipeline.output_checks")]
    assert offenders == []


# Publish in a separate process whose bundle search finds nothing: an empty --schemas-less
# lookup (every candidate is an empty directory), as on a machine without the bundle.
_NO_BUNDLE = textwrap.dedent("""
    import sys
    from pathlib import Path
    from pipeline.schema_bundle import bundle
    empty = Path(sys.argv[1])
    bundle.candidates = lambda explicit=None: [(empty, "user cache")]
    from pipeline.cli import main
    sys.exit(main(["publish", sys.argv[2], "-o", sys.argv[3]]))
""")

# Crossref batches carry the publish time (timestamp, and doi_batch_id hashes the body).
_PUBLISH_TIME = re.compile(rb"<timestamp>\d+</timestamp>|<doi_batch_id>[^<]*</doi_batch_id>")


def _normalized(root: Path, name: str) -> bytes:
    return _PUBLISH_TIME.sub(b"", (root / name).read_bytes())


def test_publish_without_any_schema_bundle(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    empty = tmp_path / "no-bundle"
    empty.mkdir()
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-c", _NO_BUNDLE, str(empty), str(seeds), str(out)],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CACHE_HOME": str(empty)},
    )
    assert done.returncode == 0, done.stderr
    assert "OUTPUT VALIDATION IS OFF" in done.stderr + done.stdout
    assert "Traceback" not in done.stderr + done.stdout

    reference = tmp_path / "out-with-bundle"
    with_bundle = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "publish", str(seeds), "-o", str(reference)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert with_bundle.returncode == 0, with_bundle.stderr
    assert "OUTPUT VALIDATION IS OFF" not in with_bundle.stderr + with_bundle.stdout

    written, expected = published_files(out), published_files(reference)
    assert sorted(written) == sorted(expected)
    assert any(name.endswith(".xml") and "/crossref/" in name for name in written)
    assert any("/doaj/" in name for name in written)
    differing = [n for n in written if _normalized(out, n) != _normalized(reference, n)]
    assert differing == []


def test_the_vocabularies_are_part_of_the_deposit_writers_fingerprints(monkeypatch, tmp_path):
    from pipeline import fingerprint

    before = fingerprint.writer_fingerprints(("crossref", "doaj", "ris"))
    package = tmp_path / "pipeline"
    shutil.copytree(REPO / "pipeline", package, ignore=shutil.ignore_patterns("__pycache__"))
    languages = package / "deposit" / "languages.json"
    languages.write_text(languages.read_text(encoding="utf-8").replace('"tr"', '"tk"'), encoding="utf-8")
    monkeypatch.setattr(fingerprint, "PACKAGE_DIR", package)
    fingerprint._source_digest.cache_clear()
    try:
        after = fingerprint.writer_fingerprints(("crossref", "doaj", "ris"))
    finally:
        fingerprint._source_digest.cache_clear()
    assert after["crossref"] != before["crossref"] and after["doaj"] != before["doaj"]
    assert after["ris"] == before["ris"]
