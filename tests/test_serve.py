"""One way to run the HTTP server: ``pipeline serve`` (:func:`pipeline.server.serve`), with the
site at ``/`` and OAI-PMH at ``/oai``, or OAI-PMH alone with ``--no-site``. There is no second
entry point (``python -m pipeline.server.oai_app`` was one) and one waitress loop."""

from __future__ import annotations

import ast
import subprocess
import sys
from contextlib import contextmanager
from urllib.error import HTTPError
from urllib.request import urlopen

from lxml import etree

from .conftest import REPO
from .test_site import published  # noqa: F401 (fixture)

OAI = "{http://www.openarchives.org/OAI/2.0/}"


@contextmanager
def pipeline_serve(*arguments: str):
    process = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "serve", "--port", "0", *arguments],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        yield process.stdout.readline().strip(), process
    finally:
        process.terminate()
        process.wait(timeout=10)


def status_and_body(url: str) -> tuple[int, bytes]:
    try:
        with urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except HTTPError as error:
        return error.code, error.read()


def repository_name(oai_url: str) -> str:
    status, body = status_and_body(oai_url + "?verb=Identify")
    assert status == 200
    return etree.fromstring(body).findtext(f"{OAI}Identify/{OAI}repositoryName")


def test_serve_gives_the_site_at_the_root_and_oai_pmh_beside_it(published):  # noqa: F811
    seeds, out = published
    with pipeline_serve("--db", str(out / "oai.sqlite3"), "--site", str(out / "site")) as (line, _):
        assert line.startswith("serving the site at http://127.0.0.1:") and line.endswith("/oai"), line
        root = line.split()[4]
        assert status_and_body(root) == (200, (out / "site" / "index.html").read_bytes())
        assert repository_name(root + "oai")  # an Identify answer from the same server


def test_serve_no_site_gives_oai_pmh_only(published):  # noqa: F811
    seeds, out = published
    with pipeline_serve("--no-site", "--db", str(out / "oai.sqlite3"), "--site", str(out / "site"),
                        "--threads", "2") as (line, process):
        assert line.startswith("serving OAI-PMH at http://127.0.0.1:") and line.endswith("/oai"), line
        oai_url = line.rsplit(" ", 1)[1]
        assert repository_name(oai_url)
        assert status_and_body(oai_url.removesuffix("/oai") + "/")[0] == 404  # the site is not served


def test_a_missing_site_falls_back_to_oai_pmh_with_a_note(published, tmp_path):  # noqa: F811
    seeds, out = published
    with pipeline_serve("--db", str(out / "oai.sqlite3"), "--site", str(tmp_path / "nothing")) as (line, process):
        assert line.startswith("serving OAI-PMH at "), line
        assert repository_name(line.rsplit(" ", 1)[1])
    assert "no site here" in process.stderr.read()


def test_the_oai_app_module_is_no_second_entry_point():
    done = subprocess.run([sys.executable, "-m", "pipeline.server.oai_app", "--help"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert done.stdout == ""  # importing it runs nothing


def test_one_module_runs_waitress():
    runners = []
    for path in sorted((REPO / "pipeline").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(name == "waitress" or name.startswith("waitress.") for name in names):
                runners.append(str(path.relative_to(REPO)))
    assert runners == ["pipeline/server/__init__.py"]
