"""BENCHMARKS.md from the measurements: the numbers, the targets of issues 6 and 14, PASS/FAIL."""

from __future__ import annotations

from dataclasses import dataclass

from .pandoc import PandocRun
from .run import Publish, Results

MB = 1024 * 1024
# Stages of PublishReport.timings that are per record (summed over workers).
RECORD_STAGE_PREFIXES = ("read:articles", "render:", "check")


@dataclass
class Target:
    name: str
    goal: str
    measured: str
    verdict: str  # PASS, FAIL or NOT MEASURED


def _fmt_s(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds < 100 else f"{seconds:.0f} s"


def _rate(run: Publish | None) -> float | None:
    if run is None or not run.ok or not run.child.wall:
        return None
    return run.report["rendered"] / run.child.wall


def _jats_ms(results: Results) -> tuple[float | None, float | None]:
    """Our JATS stage per record: (CPU ms from the stage probe, wall ms from the --jobs 1 publish)."""
    cpu = results.stages.ms_per_record("render:jats")[1] if results.stages and results.stages.records else None
    run = results.publishes.get("cold_jobs1")
    wall = None
    if run and run.ok and run.report.get("rendered"):
        wall = 1000 * run.report["timings"].get("render:jats", 0.0) / run.report["rendered"]
    return cpu, wall


def targets(results: Results) -> list[Target]:
    found = []
    cold2, cold1 = results.publishes.get("cold_jobs2"), results.publishes.get("cold_jobs1")
    rate = _rate(cold2)
    styles = results.options.styles
    what = f"{len(styles)} styles × 2 locales" if styles else "1-3 styles per journal"
    found.append(Target("Cold full publish, --jobs 2", f"≥ 100 articles/s ({what})",
                        f"{rate:.1f} articles/s" if rate is not None else "failed",
                        "NOT MEASURED" if rate is None else ("PASS" if rate >= 100 else "FAIL")))
    for label, name, limit in (("unchanged", "Re-publish, nothing changed", 0.5),
                               ("one_changed", "Re-publish, one article changed", 1.0)):
        run = results.publishes.get(label)
        if run and run.ok:
            found.append(Target(name, f"< {limit:g} s (whole command)",
                                f"{_fmt_s(run.child.wall)} (in-process {_fmt_s(run.report['timings'].get('total', 0.0))})",
                                "PASS" if run.child.wall < limit else "FAIL"))
        else:
            found.append(Target(name, f"< {limit:g} s", "failed", "NOT MEASURED"))
    if cold1 and cold2 and cold1.ok and cold2.ok:
        speedup = cold1.child.wall / cold2.child.wall
        found.append(Target("--jobs 2 vs --jobs 1 (cold)", "≥ 1.8×", f"{speedup:.2f}×", "PASS" if speedup >= 1.8 else "FAIL"))
    else:
        found.append(Target("--jobs 2 vs --jobs 1 (cold)", "≥ 1.8×", "failed", "NOT MEASURED"))
    upgrade = results.publishes.get("writer_upgrade")
    writer = results.options.upgrade_writer
    if upgrade and upgrade.ok:
        r = upgrade.report
        only = {k.split(":", 1)[1] for k in r["timings"] if k.startswith(("render:", "render_journal:"))}
        # The site copies other writers' outputs (render.DERIVED_WRITERS), so it re-renders with them.
        from pipeline.rendering import DERIVED_WRITERS

        allowed = {writer} | {derived for derived, sources in DERIVED_WRITERS.items() if writer in sources}
        verdict = "PASS" if only <= allowed and r["rendered"] == r["articles"] else "FAIL"
        found.append(Target(f"Upgrade of the {writer} writer re-renders only its outputs",
                            "only that writer (and the writers built from its output) runs",
                            f"{_fmt_s(upgrade.child.wall)} for {r['rendered']} records, {r['files_written']} files written; "
                            f"writers that ran: {', '.join(sorted(only)) or 'none'}", verdict))
    else:
        found.append(Target(f"Upgrade of the {writer} writer", "only that writer runs", "failed", "NOT MEASURED"))
    watch = results.watch
    if watch.get("done"):
        done = sorted(watch["done"])
        median = done[len(done) // 2]
        jats = sorted(watch["jats"])[len(watch["jats"]) // 2]
        found.append(Target("Warm preview (pipeline watch): save -> every output republished", "< 0.3 s",
                            f"median {median * 1000:.0f} ms over {len(done)} saves (JATS file updated after {jats * 1000:.0f} ms); "
                            f"max {done[-1] * 1000:.0f} ms", "PASS" if median < 0.3 else "FAIL"))
    else:
        found.append(Target("Warm preview (pipeline watch)", "< 0.3 s", "not measured", "NOT MEASURED"))
    front = results.pandoc.get("front matter")
    ours_cpu, _ = _jats_ms(results)
    if isinstance(front, PandocRun) and ours_cpu is not None:
        ratio = ours_cpu / front.cpu_ms_per_document
        found.append(Target("Our JATS stage / pandoc per document", "≤ 0.25",
                            f"{ratio:.3f} ({ours_cpu:.2f} ms vs {front.cpu_ms_per_document:.1f} ms CPU)",
                            "PASS" if ratio <= 0.25 else "FAIL"))
    else:
        found.append(Target("Our JATS stage / pandoc per document", "≤ 0.25", "not measured", "NOT MEASURED"))
    found.append(_citation_target(results.citations))
    # Issue 12: the website's share of a publish, per article (compiled templates, warm).
    site_cpu = results.stages.ms_per_record("render:site")[1] if results.stages and results.stages.records else None
    if site_cpu:
        run = results.publishes.get("cold_jobs1")
        wall = ""
        if run and run.ok and run.report.get("rendered") and "render:site" in run.report["timings"]:
            wall = f"; {1000 * run.report['timings']['render:site'] / run.report['rendered']:.2f} ms wall in the --jobs 1 publish"
        found.append(Target("Site stage per article", "≤ 1 ms CPU (warm)",
                            f"{site_cpu:.2f} ms CPU per article ({results.stages.records} warm records, stage probe){wall}",
                            "PASS" if round(site_cpu, 2) <= 1.0 else "FAIL"))
    else:
        found.append(Target("Site stage per article", "≤ 1 ms CPU (warm)", "not measured", "NOT MEASURED"))
    big = results.big
    if big and big.ok:
        found.append(Target(f"Peak memory at {results.big_corpus.get('articles', '?')} articles", "< 500 MB",
                            f"{big.child.peak_tree_pss / MB:.0f} MB (whole process tree, PSS)",
                            "PASS" if big.child.peak_tree_pss < 500 * MB else "FAIL"))
    else:
        found.append(Target(f"Peak memory at {results.options.big:,} articles", "< 500 MB", results.big_note or "failed", "NOT MEASURED"))
    return found


def _citation_target(stage: dict) -> Target:
    """Issue 14's arithmetic: 100 articles/s on 2 cores leaves ~20 ms CPU per article for
    everything, 14 citations among it: under 1 ms per citation, cold."""
    name, goal = "Citation stage per citation, cold (vs citeproc-js)", "< 1 ms CPU"
    ours = stage.get("compiled")
    if not ours:
        return Target(name, goal, "not measured", "NOT MEASURED")
    js = stage.get("citeproc-js")
    versus = (f"; citeproc-js {js['wall_ms']:.2f} ms wall, ours/citeproc-js = {ours['wall_ms'] / js['wall_ms']:.2f} (wall)"
              if isinstance(js, dict) else f"; citeproc-js not measured ({js})")
    measured = (f"{ours['cpu_ms']:.2f} ms CPU ({stage['citeproc-py']['cpu_ms']:.2f} ms uncompiled citeproc-py)" + versus)
    return Target(name, goal, measured, "PASS" if ours["cpu_ms"] < 1.0 else "FAIL")


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _publish_rows(results: Results) -> list[list[str]]:
    rows = []
    names = {"cold_jobs2": "cold, --jobs 2", "cold_jobs1": "cold, --jobs 1", "unchanged": "re-publish, nothing changed",
             "one_changed": "re-publish, one article changed", "writer_upgrade": "re-publish after one writer's upgrade"}
    for label in ("cold_jobs2", "cold_jobs1", "unchanged", "one_changed", "writer_upgrade"):
        run = results.publishes.get(label)
        if run is None:
            continue
        if not run.ok:
            rows.append([names[label], "failed", "", "", "", "", "", ""])
            continue
        r = run.report
        rate = r["rendered"] / run.child.wall if r["rendered"] else 0.0
        cpu_per = 1000 * run.child.cpu / r["rendered"] if r["rendered"] else 0.0
        rows.append([
            names[label], f"{r['rendered']} / {r['unchanged']}", _fmt_s(run.child.wall),
            f"{rate:.1f}" if r["rendered"] else "–", _fmt_s(run.child.cpu), f"{cpu_per:.1f}" if r["rendered"] else "–",
            f"{run.child.peak_tree_pss / MB:.0f} / {run.child.max_rss / MB:.0f}", str(r["files_written"]),
        ])
    return rows


def _stage_rows(run: Publish) -> list[list[str]]:
    timings = run.report["timings"]
    rendered = run.report["rendered"] or 1
    rows = []
    for stage, seconds in sorted(timings.items(), key=lambda kv: -kv[1]):
        if stage == "total":
            continue
        per_record = stage.startswith(RECORD_STAGE_PREFIXES)
        rows.append([f"`{stage}`", _fmt_s(seconds), f"{1000 * seconds / rendered:.2f}" if per_record else "(per run)"])
    rows.append(["`total` (in-process)", _fmt_s(timings.get("total", 0.0)), f"{1000 * timings.get('total', 0.0) / rendered:.2f}"])
    return rows


def render_markdown(results: Results) -> str:
    o, m, v = results.options, results.machine, results.versions
    out: list[str] = []
    add = out.append
    add("# Benchmarks\n")
    add("Generated by `make bench` (`python -m bench --articles N`); issue 6. Numbers are from one run on the "
        "machine below; a shared machine makes wall times noisy, so CPU times are given beside them.\n")
    add(f"- Run: {results.started} → {results.finished or '(still running: this report is partial)'}")
    add(f"- Machine: {m.get('cpus')} CPUs ({m.get('usable_cpus')} usable), {m.get('cpu_model')}, {m.get('memory')} RAM; {m.get('platform')}")
    load_before, load_after = m.get("load_before"), m.get("load_after")
    add(f"- Load average (1, 5, 15 min) before: {', '.join(f'{x:.2f}' for x in load_before or ())}; after: "
        f"{', '.join(f'{x:.2f}' for x in load_after or ())} (other jobs shared the machine when this is above ~0)")
    add("- Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()))
    pandoc_version = next((p.version for p in results.pandoc.values() if isinstance(p, PandocRun)), None)
    if pandoc_version:
        add(f"- pandoc {pandoc_version}")
    add(f"- Writers measured: {', '.join(results.writers) or '(none)'}; output validation on")
    for name, why in results.missing_writers.items():
        add(f"- **Writer `{name}` left out**: {why}")
    c = results.corpus
    if c:
        add(f"- Corpus: {c['articles']} articles in {c['journals']} journals and {c['issues']} issues, "
            f"{c['bytes'] / MB:.1f} MB of YAML, generated in {_fmt_s(c['seconds'])} (seed {c['seed']}; "
            "Turkish + English titles and 200-300-word abstracts, 4 authors with ORCIDs, ROR-shaped affiliations, "
            "funding, 20 structured references; ~15% English-only, elocation ids in one journal)")
        add("- Citation styles per journal: " + "; ".join(f"{j}: {', '.join(s)}" for j, s in c["styles"].items()))
    if results.errors:
        add("\n**Problems during the run:**\n")
        for error in results.errors:
            add(f"- {error.strip()}")

    add("\n## Targets\n")
    add(_table(["Target", "Goal", "Measured", "Verdict"],
               [[t.name, t.goal, t.measured, f"**{t.verdict}**"] for t in targets(results)]))

    add("\n## Publish runs\n")
    add("Each run is `pipeline publish` (via `bench.child`) in a fresh process, so it includes interpreter start-up, "
        "imports and the one-off loading of schemas, DTDs and styles in every process. CPU is user + system time of "
        "the process and its workers. Memory: peak PSS of the whole process tree (sampled) / the largest single "
        "process's max RSS.\n")
    add(_table(["Run", "rendered / unchanged", "Wall", "articles/s", "CPU", "CPU ms/article", "Memory MB (tree PSS / max RSS)", "Files written"],
               _publish_rows(results)))
    if results.identical:
        same = results.identical
        verdict = "byte-identical" if same["identical"] else f"**DIFFERENT** ({same['differing_count']} files differ, {same['only_count']} on one side only)"
        add(f"\n`--jobs 1` cold output vs the `--jobs 2` output after its incremental re-publish: {same['files']} files, {verdict} "
            "(the OAI-PMH store is left out: its datestamps are run times).")
        for name in same["differing"] + same["only_one_side"]:
            add(f"  - `{name}`")
    if "one_changed" in results.publishes and results.corpus.get("edited"):
        add(f"\nThe one changed article: `{results.corpus['edited']}` (its title edited).")

    for label, title in (("cold_jobs1", "--jobs 1"), ("cold_jobs2", "--jobs 2")):
        run = results.publishes.get(label)
        if run and run.ok:
            add(f"\n## Per stage, cold publish {title} (PublishReport.timings: wall time summed over workers)\n")
            add(_table(["Stage", "Seconds", "ms per article"], _stage_rows(run)))
    add("\nNote: `check` holds the per-record output validation *and* the journal-level files' validation, "
        "including the one-off load of the Crossref XSD in the parent process.")

    s = results.stages
    if s and s.records:
        add(f"\n## Per stage in one process: wall and CPU time per record ({s.records} warm records spread over the corpus)\n")
        add("The reader, each writer and each output validator called one record at a time; CPU time is what a stage "
            "costs when no other process competes. \"One-off\" is what the first (cold) record paid beyond a warm one: "
            "loading schemas, DTDs and styles, once per worker process.\n")
        rows, total_wall, total_cpu = [], 0.0, 0.0
        for stage in s.per_record:
            wall, cpu = s.ms_per_record(stage)
            setup_wall, setup_cpu = s.setup_ms(stage)
            total_wall += wall
            total_cpu += cpu
            rows.append([f"`{stage}`", f"{wall:.2f}", f"{cpu:.2f}", f"{setup_cpu:.0f}"])
        rows.sort(key=lambda r: -float(r[2]))
        rows.append(["**all per-record stages**", f"**{total_wall:.2f}**", f"**{total_cpu:.2f}**", ""])
        add(_table(["Stage", "wall ms/record", "CPU ms/record", "one-off CPU ms"], rows))
        if total_cpu:
            add(f"\nCPU-bound ceiling from these numbers: {1000 / total_cpu:.0f} articles/s per core, "
                f"{2000 / total_cpu:.0f} articles/s on 2 cores with perfect scaling (before journal-level files and writing).")
        if s.journal_level:
            add("\nJournal-level writers and their validation, once over the sample's journals (cold: includes loading the schemas):\n")
            add(_table(["Stage", "wall s", "CPU s", "calls"],
                       [[f"`{k}`", f"{c.wall:.3f}", f"{c.cpu:.3f}", str(c.calls)] for k, c in s.journal_level.items()]))
        if s.problems:
            add(f"\n**{s.problems} validation problem(s) in the probed records.**")

    stage = results.citations
    if stage.get("compiled"):
        add("\n## Citation stage: compiled styles, citeproc-py, citeproc-js\n")
        add(f"The citations writer (`citations.render`, no cache: every entry formatted cold) over {stage['articles']} "
            f"records of the corpus, {stage['citations']} citations (style × locale entries, each a text and an HTML "
            "file), in one process, back to back (`bench/citation_matrix.py`: `citation_stage`). citeproc-js (node, "
            "`tests/citeproc_js`) formats the same CSL items with the same style and locale files, timed inside node "
            "after a first round; it writes text only. `python -m bench.citation_matrix --articles 100` checks that the "
            "compiled styles give citeproc-py's bytes on the whole style × locale × corpus matrix.\n")
        rows = [[side, f"{stage[side]['cpu_ms']:.3f}", f"{stage[side]['wall_ms']:.3f}"] for side in ("compiled", "citeproc-py")]
        js = stage.get("citeproc-js")
        rows.append(["citeproc-js (node)", "", f"{js['wall_ms']:.3f}"] if isinstance(js, dict) else ["citeproc-js (node)", "failed", str(js)])
        add(_table(["Formatter", "CPU ms per citation", "wall ms per citation"], rows))

    if results.pandoc:
        add("\n## pandoc: the same corpus's JATS in one batched process\n")
        add("One `pandoc` process per variant (`bench/pandoc.py`, `bench/pandoc.lua`): each record is written as pandoc "
            "markdown metadata (title, subtitle, authors with ORCID/e-mail/affiliation links, affiliations with ROR, "
            "abstract, keywords, journal and article ids, volume/issue/pages or elocation, date, licence); a Lua filter "
            "loops `pandoc.read` + `pandoc.write(…, 'jats', {template = default JATS template})` over the records. "
            "With references, the main input carries every record's references as CSL YAML and `--citeproc` formats "
            "them all in one pass before the loop. Per document = the whole process (start-up included) / documents.\n")
        rows = []
        for label, run in results.pandoc.items():
            if isinstance(run, PandocRun):
                rows.append([label, str(run.documents), _fmt_s(run.wall), _fmt_s(run.cpu), f"{run.ms_per_document:.1f}",
                             f"{run.cpu_ms_per_document:.1f}", f"{1000 * run.before_write_cpu / run.documents:.1f}",
                             f"{1000 * run.write_cpu / run.documents:.1f}", f"{run.output_bytes / run.documents / 1024:.1f}"])
            else:
                rows.append([label, "failed", run, "", "", "", "", "", ""])
        add(_table(["pandoc variant", "documents", "wall", "CPU", "wall ms/doc", "CPU ms/doc", "of which batch parse + citeproc ms/doc",
                    "per-record read + write ms/doc", "KiB/doc"], rows))
        ours_cpu, ours_wall = _jats_ms(results)
        if ours_cpu is not None:
            add("\nOurs vs pandoc, per document:\n")
            comparison = []
            jats_check = results.stages.ms_per_record("check:jats")[1] if results.stages else 0.0
            for label, run in results.pandoc.items():
                if isinstance(run, PandocRun):
                    comparison.append([label, f"{ours_cpu:.2f} ms", f"{run.cpu_ms_per_document:.1f} ms",
                                       f"{ours_cpu / run.cpu_ms_per_document:.3f}",
                                       f"{(ours_cpu + jats_check) / run.cpu_ms_per_document:.3f}"])
            add(_table(["pandoc variant", "our render:jats (CPU)", "pandoc (CPU)", "ratio", "ratio incl. our JATS DTD validation"], comparison))
            if ours_wall is not None:
                add(f"\nOur `render:jats` in the `--jobs 1` publish: {ours_wall:.2f} ms wall per record.")
        add("\nWhat pandoc produces is not what we produce: pandoc's JATS 1.2 *Archiving* template; references are "
            "formatted strings (`mixed-citation`, Chicago author-date via citeproc), not structured `element-citation` with "
            "DOIs as `pub-id`; only the main language's title and abstract (no `trans-title-group`/`trans-abstract`); no "
            "history dates, funding, CRediT roles, corresponding-author notes or keyword language; its output is not "
            "validated. Ours has all of that and is validated against the JATS 1.3 DTD (timed separately as `check:jats`). "
            "So the ratio flatters pandoc, if anything.")

    if results.profile:
        p = results.profile_publish
        head = ""
        if p and p.ok:
            head = (f"A `--jobs 1` cold publish of {p.report['rendered']} articles (a corpus of that size from the same "
                    f"generator) under cProfile, in a fresh process: {_fmt_s(p.child.wall)} wall, {_fmt_s(p.child.cpu)} CPU "
                    "(profiling overhead included). One-off loads (schemas, DTDs, styles) are included.\n\n")
        add("\n## Profile: where the time goes\n")
        add(head + "```text\n" + results.profile + "\n```")

    add("\n## Memory\n")
    rows = []
    cold2 = results.publishes.get("cold_jobs2")
    if cold2 and cold2.ok:
        rows.append([str(cold2.report["articles"]), "2", _fmt_s(cold2.child.wall), f"{cold2.child.peak_tree_pss / MB:.0f}",
                     f"{cold2.child.peak_tree_rss / MB:.0f}", f"{cold2.child.max_rss / MB:.0f}"])
    big = results.big
    if big and big.ok:
        rows.append([str(big.report["articles"]), "2", _fmt_s(big.child.wall), f"{big.child.peak_tree_pss / MB:.0f}",
                     f"{big.child.peak_tree_rss / MB:.0f}", f"{big.child.max_rss / MB:.0f}"])
    if rows:
        add(_table(["Articles", "--jobs", "Wall", "Peak tree PSS MB", "Peak tree RSS MB", "Largest process max RSS MB"], rows))
    if results.big_corpus:
        bc = results.big_corpus
        add(f"\nLarge corpus: {bc['articles']} articles, {bc['journals']} journals, {bc['issues']} issues, "
            f"{bc['bytes'] / MB:.0f} MB of YAML, generated in {_fmt_s(bc['seconds'])}.")
    if big and big.ok and cold2 and cold2.ok:
        growth = (big.child.peak_tree_pss - cold2.child.peak_tree_pss) / MB
        per_k = growth / max(1, (big.report["articles"] - cold2.report["articles"]) / 1000)
        add(f"\nGrowth from {cold2.report['articles']} to {big.report['articles']} articles: {growth:+.0f} MB "
            f"({per_k:+.1f} MB per 1,000 articles). {big.report['rendered'] / big.child.wall:.1f} articles/s on the large corpus.")
    if results.big_note:
        add(f"\nLarge corpus: {results.big_note}.")
    return "\n".join(out) + "\n"
