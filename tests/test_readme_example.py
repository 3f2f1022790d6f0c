"""README's library example runs as written (``import pipeline`` and the facade functions), and
what it returns is checked against the record it reads and the files ``publish`` writes."""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
import sys

import yaml
from lxml import etree

import pipeline
from pipeline.writers.registry import WRITERS

from .conftest import REPO, SEEDS


def _readme_example() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Library API"):]
    section = section[: section.index("\n## ", 1)]
    (code,) = re.findall(r"```python\n(.*?)```", section, re.S)[:1]
    return code


def test_import_pipeline_offers_the_facade_functions():
    for name in ("load_corpus", "read_record", "render", "render_files", "validate", "publish"):
        assert callable(getattr(pipeline, name)), name
    assert issubclass(pipeline.PipelineError, Exception)
    # none of the facade names is shadowed by a submodule once every module is imported
    for module in ("input_checks", "publishing", "rendering", "api"):
        importlib.import_module(f"pipeline.{module}")
    assert pipeline.render.__module__ == pipeline.validate.__module__ == pipeline.publish.__module__ == "pipeline.api"


def test_import_pipeline_alone_loads_no_submodule():
    """The facade functions are imported on first use: a CLI run or a script that only wants
    one of them does not pay for the rest."""
    done = subprocess.run([sys.executable, "-c", "import sys, pipeline; "
                           "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pipeline'))"],
                          capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "['pipeline']"


def test_the_readme_example_runs_and_its_results_match_the_record(tmp_path, monkeypatch, capsys):
    code = _readme_example()
    assert code.startswith("import pipeline\n")
    shutil.copytree(SEEDS, tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    names: dict = {}
    exec(compile(code, "README.md (Library API)", "exec"), names)

    record = yaml.safe_load((SEEDS / "tjh" / "articles" / "anadolu-demiryollari.yaml").read_text(encoding="utf-8"))
    stems = sorted(path.stem for path in SEEDS.glob("*/articles/*.yaml"))
    assert sorted(article.id for article in names["corpus"].articles) == stems
    assert names["article"].id == record["id"] and names["journal"].id == "tjh"
    assert names["problems"] == []

    # the JATS bytes: the record's DOI and title, and the very file publish wrote
    jats = names["jats"]
    root = etree.fromstring(jats)
    assert root.findtext("front/article-meta/article-id[@pub-id-type='doi']") == record["doi"]
    assert root.findtext("front/article-meta/title-group/article-title") == record["title"][record["language"]]
    assert (tmp_path / "out" / "tjh" / "jats" / "anadolu-demiryollari.xml").read_bytes() == jats

    # formatted citations: one text and one HTML file per style and locale, each naming the
    # first author's family name, and the same bytes as publish wrote
    files = names["files"]
    assert files and all(path.startswith("tjh/citations/") for path in files)
    assert {path.rsplit(".", 1)[1] for path in files} == {"txt", "html"}
    first_family = record["authors"][0]["family"]
    for path, data in files.items():
        assert first_family in data.decode("utf-8"), path
        assert (tmp_path / "out" / path).read_bytes() == data, path

    # the publish report counts what is on disk
    report = names["report"]
    assert report.articles == report.rendered == len(stems) and report.skipped == [] and report.changed
    written = [path for path in (tmp_path / "out").rglob("*") if path.is_file() and ".pipeline" not in path.parts]
    assert report.files_written > 0 and len(written) >= report.files_written

    # what it prints: the counts, and the message of the PipelineError an unknown format raises
    printed = capsys.readouterr().out.splitlines()
    assert printed == [f"{len(stems)} articles, {report.files_written} files written",
                       "unknown format 'no-such-format'; formats: " + ", ".join(WRITERS)]
