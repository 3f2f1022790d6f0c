"""bench.incremental's verdicts follow from the numbers it prints (never timed here)."""

from __future__ import annotations

from types import SimpleNamespace

from bench.incremental import BLOCK_END, BLOCK_START, render, write_block


def _run(wall: float, cpu: float = 0.1, ok: bool = True):
    return SimpleNamespace(ok=ok, child=SimpleNamespace(wall=wall, cpu=cpu, tree_cpu=cpu))


def _results(unchanged, one_changed, watch):
    return {"articles": 40, "journals": 4, "issues": 8, "load_before": (1.0, 1.0, 1.0), "load_after": (2.0, 2.0, 2.0),
            "cold": _run(9.0), "runs": {"unchanged": [_run(w) for w in unchanged], "one_changed": [_run(w) for w in one_changed]},
            "watch": {"done": watch, "jats": watch}}


def test_each_verdict_follows_from_the_median_against_the_goal():
    text = render(_results([0.4, 0.6, 0.45], [1.2, 0.9, 1.5], [0.25, 0.35, 0.2, 0.28, 0.5]))
    rows = {line.split(" | ")[0].lstrip("| "): line for line in text.splitlines() if line.startswith("| Re") or line.startswith("| Warm")}
    assert "0.45 s" in rows["Re-publish, nothing changed"] and rows["Re-publish, nothing changed"].endswith("**PASS** |")
    assert "1.20 s" in rows["Re-publish, one article changed"] and rows["Re-publish, one article changed"].endswith("**FAIL** |")
    watch = next(line for key, line in rows.items() if key.startswith("Warm"))
    assert "280 ms" in watch and watch.endswith("**PASS** |")
    assert "40 articles" in text and "shared with other work" in text


def test_a_failed_run_is_not_measured_and_the_block_is_replaced(tmp_path):
    results = _results([0.1], [0.2], [])
    results["runs"]["unchanged"] = [_run(0.1, ok=False)]
    results["watch"] = {"error": "pipeline watch exited with 1"}
    block = render(results)
    assert "| Re-publish, nothing changed | < 0.5 s | failed | **NOT MEASURED** |" in block
    assert "pipeline watch exited with 1 | **NOT MEASURED** |" in block
    report = tmp_path / "BENCHMARKS.md"
    report.write_text(f"# Benchmarks\n\nbefore\n\n{BLOCK_START}\nthe previous block\n{BLOCK_END}\n\nafter\n", encoding="utf-8")
    write_block(report, block)
    text = report.read_text(encoding="utf-8")
    assert "the previous block" not in text and "before" in text and "after" in text and text.count(BLOCK_START) == 1
