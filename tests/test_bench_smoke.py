"""``python -m bench`` runs end to end on a tiny corpus and writes a complete report.

No timing assertions: every measurement ran and landed in BENCHMARKS.md, and each verdict
follows from the number printed beside it (PASS within its goal, FAIL outside it).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.stages import available_writers
from pipeline.rendering import WRITERS

REPO = Path(__file__).resolve().parents[1]
ARTICLES = 12


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("bench")
    output = work / "BENCHMARKS.md"
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--articles", str(ARTICLES), "--skip-big", "--work", str(work / "scratch"),
         "--output", str(output), "--probe-sample", "3", "--profile-articles", str(ARTICLES),
         "--pandoc-citeproc-documents", "3"],
        cwd=REPO, capture_output=True, text=True, timeout=900,
    )
    return completed, output.read_text(encoding="utf-8") if output.is_file() else ""


def _row(report: str, first_cell: str) -> list[str]:
    for line in report.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == first_cell:
            return cells
    raise AssertionError(f"no table row {first_cell!r} in the report")


def test_the_benchmark_exits_cleanly_and_reports_no_problems(bench_run):
    completed, report = bench_run
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert report, "BENCHMARKS.md was not written"
    assert "Problems during the run" not in report, report[:4000]


def test_the_report_has_every_section(bench_run):
    _, report = bench_run
    for heading in ("# Benchmarks", "## Targets", "## Publish runs", "## Per stage, cold publish --jobs 1",
                    "## Per stage, cold publish --jobs 2", "## Per stage in one process", "## pandoc:",
                    "## Profile: where the time goes", "## Memory", "## Citation stage:"):
        assert heading in report
    assert re.search(r"Machine: \d+ CPUs", report)
    assert re.search(r"python 3\.\d+", report) and "lxml" in report and "pandoc 2." in report


def _number(text: str, pattern: str) -> float:
    match = re.search(pattern, text)
    assert match, f"no {pattern!r} in {text!r}"
    return float(match.group(1))


def _expected_verdict(measured: float, relation: str, limit: float) -> set[str]:
    """The verdict the printed number calls for. A number printed equal to the limit may
    have been either side of it before rounding, so then both verdicts are consistent."""
    if measured == limit and relation in ("<", ">"):
        return {"**PASS**", "**FAIL**"}
    holds = {"<": measured < limit, "≤": measured <= limit, ">": measured > limit, "≥": measured >= limit}[relation]
    return {"**PASS**"} if holds else {"**FAIL**"}


def _goal(row: list[str]) -> tuple[str, float]:
    match = re.match(r"([<>≤≥]) ([\d.]+)", row[1])
    assert match, row
    return match.group(1), float(match.group(2))


def _wall(report: str, run: str) -> float:
    return _number(_row(report, run)[2], r"^([\d.]+) s$")


def test_every_verdict_agrees_with_its_measured_number(bench_run):
    # Each target's verdict is worked out again here from the number the row prints and the
    # goal it prints (so a verdict that contradicts its number fails, whatever the machine
    # measured); the numbers are checked against the raw runs in the "Publish runs" table.
    _, report = bench_run

    cold = _row(report, "Cold full publish, --jobs 2")
    rate = _number(cold[2], r"^([\d.]+) articles/s$")
    assert _goal(cold) == ("≥", 100.0)
    assert cold[3] in _expected_verdict(rate, *_goal(cold)), cold
    assert abs(rate - ARTICLES / _wall(report, "cold, --jobs 2")) <= 0.05 * rate + 0.1

    for target, run, limit in (("Re-publish, nothing changed", "re-publish, nothing changed", 0.5),
                               ("Re-publish, one article changed", "re-publish, one article changed", 1.0)):
        row = _row(report, target)
        seconds = _number(row[2], r"^([\d.]+) s \(in-process [\d.]+ s\)$")
        assert _goal(row) == ("<", limit)
        assert row[3] in _expected_verdict(seconds, *_goal(row)), row
        assert seconds == _wall(report, run)

    speed = _row(report, "--jobs 2 vs --jobs 1 (cold)")
    speedup = _number(speed[2], r"^([\d.]+)×$")
    assert _goal(speed) == ("≥", 1.8)
    assert speed[3] in _expected_verdict(speedup, *_goal(speed)), speed
    ratio = _wall(report, "cold, --jobs 1") / _wall(report, "cold, --jobs 2")
    assert abs(speedup - ratio) <= 0.01 + 0.02 * ratio  # the walls are printed to 10 ms

    watch = _row(report, "Warm preview (pipeline watch): save -> every output republished")
    median_ms = _number(watch[2], r"^median (\d+) ms over 5 saves")
    assert _goal(watch) == ("<", 0.3)
    assert watch[3] in _expected_verdict(median_ms / 1000, *_goal(watch)), watch
    assert median_ms <= _number(watch[2], r"max (\d+) ms$")

    jats = _row(report, "Our JATS stage / pandoc per document")
    share = _number(jats[2], r"^([\d.]+) \(")
    ours, theirs = _number(jats[2], r"\(([\d.]+) ms vs"), _number(jats[2], r"vs ([\d.]+) ms CPU\)$")
    assert _goal(jats) == ("≤", 0.25)
    assert jats[3] in _expected_verdict(share, *_goal(jats)), jats
    assert abs(share - ours / theirs) <= 0.01 + 0.02 * share

    site = _row(report, "Site stage per article")
    site_ms = _number(site[2], r"^([\d.]+) ms CPU per article")
    assert _goal(site) == ("≤", 1.0)
    assert site[3] in _expected_verdict(site_ms, *_goal(site)), site

    # The upgrade of bibtex may re-render bibtex and the site (its landing pages copy each
    # article's .bib), nothing else, and it must re-render every article.
    upgrade = _row(report, "Upgrade of the bibtex writer re-renders only its outputs")
    ran = set(upgrade[2].split("writers that ran: ", 1)[1].split(", "))
    consistent = ran <= {"bibtex", "site"} and f"for {ARTICLES} records" in upgrade[2]
    assert upgrade[3] == ("**PASS**" if consistent else "**FAIL**"), upgrade
    assert upgrade[3] == "**PASS**"  # not a timing: a wrong set of writers is a real fault

    memory = _row(report, "Peak memory at 20,000 articles")
    assert memory[2:] == ["skipped (--skip-big)", "**NOT MEASURED**"]  # --skip-big

    citation = _row(report, "Citation stage per citation, cold (vs citeproc-js)")
    ms = _number(citation[2], r"^([\d.]+) ms CPU")
    assert _goal(citation) == ("<", 1.0)
    assert citation[3] in _expected_verdict(ms, *_goal(citation)), citation
    js = _number(citation[2], r"; citeproc-js ([\d.]+) ms wall")  # it ran: CI installs node and citeproc-js
    ratio = _number(citation[2], r"ours/citeproc-js = ([\d.]+) \(wall\)")
    assert js > 0 and ratio > 0


def _publish(label: str, wall: float, rendered: int, articles: int = ARTICLES, timings: dict | None = None):
    from bench.memory import ChildRun
    from bench.run import Publish

    child = ChildRun(returncode=0, wall=wall, cpu_user=wall, cpu_system=0.0, max_rss=0, peak_tree_rss=0,
                     peak_tree_pss=0, stdout="", stderr="")
    report = {"rendered": rendered, "articles": articles, "files_written": 0, "timings": {"total": wall, **(timings or {})}}
    return Publish(label, None, child, report)


@pytest.mark.parametrize("fast", [True, False], ids=["within-targets", "outside-targets"])
def test_the_report_gives_pass_within_each_target_and_fail_outside(fast):
    # Both sides of every timed target, from hand-made measurements (no timing is measured):
    # each verdict must follow from its number.
    from bench.report import targets
    from bench.run import Options, Results

    results = Results(options=Options(skip_big=True))
    results.publishes = {
        "cold_jobs2": _publish("cold_jobs2", 0.1 if fast else 1.0, 20, 20),        # 200 or 20 articles/s
        "cold_jobs1": _publish("cold_jobs1", 0.19 if fast else 0.15, 20, 20),      # 1.9x or 0.15x
        "unchanged": _publish("unchanged", 0.49 if fast else 0.51, 0),
        "one_changed": _publish("one_changed", 0.99 if fast else 1.01, 1),
        "writer_upgrade": _publish("writer_upgrade", 1.0, ARTICLES,
                                   timings={"render:bibtex": 0.1, **({} if fast else {"render:jats": 0.1})}),
    }
    results.watch = {"done": [0.29 if fast else 0.31] * 3, "jats": [0.1] * 3}
    results.citations = {"articles": 1, "citations": 14, "compiled": {"cpu_ms": 0.99 if fast else 1.01, "wall_ms": 1.0},
                         "citeproc-py": {"cpu_ms": 3.0, "wall_ms": 3.0}, "citeproc-js": {"wall_ms": 2.0}}
    verdicts = {t.name: t.verdict for t in targets(results)}
    expected = "PASS" if fast else "FAIL"
    assert verdicts["Cold full publish, --jobs 2"] == expected
    assert verdicts["Re-publish, nothing changed"] == expected
    assert verdicts["Re-publish, one article changed"] == expected
    assert verdicts["--jobs 2 vs --jobs 1 (cold)"] == expected
    assert verdicts["Upgrade of the bibtex writer re-renders only its outputs"] == expected
    assert verdicts["Warm preview (pipeline watch): save -> every output republished"] == expected
    assert verdicts["Our JATS stage / pandoc per document"] == "NOT MEASURED"  # no pandoc run given
    assert verdicts["Citation stage per citation, cold (vs citeproc-js)"] == expected


def test_publish_runs_did_what_they_claim(bench_run):
    _, report = bench_run
    assert _row(report, "cold, --jobs 2")[1] == f"{ARTICLES} / 0"
    assert _row(report, "cold, --jobs 1")[1] == f"{ARTICLES} / 0"
    assert _row(report, "re-publish, nothing changed")[1] == f"0 / {ARTICLES}"
    assert _row(report, "re-publish, one article changed")[1] == f"1 / {ARTICLES - 1}"
    assert _row(report, "re-publish after one writer's upgrade")[1] == f"{ARTICLES} / 0"
    rate = float(_row(report, "cold, --jobs 2")[3])
    assert rate > 0
    memory = _row(report, "cold, --jobs 2")[6]
    pss, rss = (float(x) for x in memory.split(" / "))
    assert pss > 10 and rss > 10  # megabytes: a Python process with lxml loaded


def test_stage_tables_cover_every_writer(bench_run):
    _, report = bench_run
    ready, _ = available_writers()
    for name in ready:
        assert f"`render:{name}`" in report
    assert float(_row(report, "`render:jats`")[2]) > 0
    assert "`check:jats`" in report


def test_pandoc_converted_every_record(bench_run):
    _, report = bench_run
    front = _row(report, "front matter")
    assert front[1] == str(ARTICLES)
    assert float(front[5]) > 0  # CPU ms per document
    assert _row(report, "with references (citeproc)")[1] == "3"


def test_the_profile_names_functions(bench_run):
    _, report = bench_run
    profile = report.split("## Profile: where the time goes", 1)[1]
    assert "Top 30 by tottime" in profile and "Top 30 by cumulative" in profile
    assert "publishing.py" in profile


def test_a_writer_that_cannot_be_imported_is_reported_not_fatal():
    ready, missing = available_writers(("jats", "no_such_writer"))
    assert ready == ("jats",)
    assert "no_such_writer" in missing and "not found" in missing["no_such_writer"]


def test_the_writer_list_is_the_publishers():
    ready, missing = available_writers()
    assert set(ready) | set(missing) == set(WRITERS)
