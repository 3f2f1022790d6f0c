"""The same corpus's JATS made by pandoc, in ONE batched pandoc process, for comparison.

What a user would reach for: each record becomes pandoc metadata (title, authors with ORCID
and affiliations, abstract, keywords, journal and article ids, volume/issue/pages, date,
license) and CSL references, and pandoc's JATS writer with its default template makes the
document. Starting pandoc per record costs ~30 ms of process start-up alone, so all records
go through one process: one markdown input whose metadata holds every record and every
reference; ``--citeproc`` formats all references in that one pass; a Lua filter
(``pandoc.lua``, pandoc 2.17's ``pandoc.write`` + ``pandoc.template``) then writes one JATS
document per record and times each write.

Pandoc's output is not what ours is (see BENCHMARKS.md): references are formatted strings
(``mixed-citation``), not structured ``element-citation``; only the main language's title
and abstract; no translated titles, funding, history dates or CRediT roles; no DTD
validation.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

LUA_FILTER = Path(__file__).with_name("pandoc.lua")
CSL_TYPES = {
    "journal": "article-journal", "book": "book", "chapter": "chapter", "thesis": "thesis",
    "report": "report", "webpage": "webpage", "data": "dataset", "confproc": "paper-conference",
    "software": "software", "preprint": "article", "patent": "patent", "other": "document",
}


@dataclass
class PandocRun:
    version: str
    documents: int
    wall: float  # seconds, the whole process (start-up, parsing, citeproc, writing)
    cpu: float  # user + system seconds of the process
    write_cpu: float  # seconds inside the per-record JATS writes (pandoc's own clock)
    before_write_cpu: float  # seconds before the loop: parsing the batch, citeproc
    output_bytes: int

    @property
    def ms_per_document(self) -> float:
        return 1000 * self.wall / self.documents if self.documents else 0.0

    @property
    def cpu_ms_per_document(self) -> float:
        return 1000 * self.cpu / self.documents if self.documents else 0.0


def pandoc_version(executable: str = "pandoc") -> str:
    found = shutil.which(executable)
    if found is None:
        raise FileNotFoundError("pandoc is not installed (apt-get install pandoc)")
    first = subprocess.run([found, "--version"], capture_output=True, text=True, check=True).stdout.splitlines()[0]
    return first.split()[-1]


def _person(person: dict) -> dict:
    if "collab" in person:
        name = person["collab"]
        return {"literal": name if isinstance(name, str) else next(iter(name.values()))}
    return {k: v for k, v in (("family", person.get("family")), ("given", person.get("given"))) if v}


def csl_reference(ref: dict, ref_id: str) -> dict:
    item: dict = {"id": ref_id, "type": CSL_TYPES.get(ref.get("type", "other"), "document")}
    if ref.get("authors"):
        item["author"] = [_person(p) for p in ref["authors"]]
    if ref.get("editors"):
        item["editor"] = [_person(p) for p in ref["editors"]]
    for ours, theirs in (("title", "title"), ("container-title", "container-title"), ("volume", "volume"),
                         ("issue", "issue"), ("publisher", "publisher"), ("publisher-location", "publisher-place"),
                         ("edition", "edition"), ("doi", "DOI"), ("url", "URL")):
        if ref.get(ours) is not None:
            item[theirs] = str(ref[ours])
    if ref.get("year"):
        item["issued"] = {"date-parts": [[ref["year"]]]}
    if ref.get("pages"):
        pages = ref["pages"]
        item["page"] = f"{pages['first']}-{pages['last']}" if pages.get("last") else str(pages["first"])
    if ref.get("accessed"):
        item["accessed"] = {"date-parts": [[int(p) for p in str(ref["accessed"]).split("-")]]}
    if ref.get("text") and "title" not in item:
        item["title"] = ref["text"]
    return item


def _in(value, lang: str):
    """A per-language value in ``lang`` (or the first one), or the plain text."""
    if isinstance(value, dict):
        return value.get(lang) or next(iter(value.values()))
    return value


def pandoc_metadata(record: dict, journal: dict, index: int, key: str) -> tuple[dict, list[dict]]:
    """One record as pandoc metadata for the JATS template, and its CSL references."""
    lang = record["language"]
    affiliations = []
    for aff in record.get("affiliations", ()):
        entry = {"id": aff["id"], "organization": aff.get("institution") or aff.get("text")}
        for ours, theirs in (("department", "department"), ("city", "city"), ("ror", "ror")):
            if aff.get(ours):
                entry[theirs] = aff[ours]
        if aff.get("country"):
            entry["country"] = aff["country"]
            entry["country-code"] = aff["country"]
        affiliations.append(entry)
    authors = []
    for person in record.get("authors", ()):
        if "collab" in person:
            authors.append({"name": _in(person["collab"], lang)})
            continue
        author = {"surname": person["family"], "given-names": person.get("given", "")}
        for field_name in ("orcid", "email"):
            if person.get(field_name):
                author[field_name] = person[field_name]
        if person.get("affiliations"):
            author["affiliation"] = list(person["affiliations"])
        if person.get("equal-contribution"):
            author["equal-contrib"] = True
        authors.append(author)
    article: dict = {"type": record["type"], "publisher-id": record["id"]}
    for ours in ("doi", "volume", "issue", "elocation"):
        if record.get(ours) is not None:
            article["elocation-id" if ours == "elocation" else ours] = str(record[ours])
    if record.get("pages"):
        article["fpage"] = str(record["pages"]["first"])
        if record["pages"].get("last") is not None:
            article["lpage"] = str(record["pages"]["last"])
    if record.get("section"):
        article["heading"] = _in(record["section"], lang)
    issn = journal.get("issn", {})
    meta: dict = {
        "index": str(index),
        "key": key,
        "lang": lang,
        "journal": {
            "publisher-id": journal["id"], "title": _in(journal["title"], journal["languages"][0]),
            "abbrev-title": journal.get("abbrev-title"), "pissn": issn.get("print"), "eissn": issn.get("electronic"),
            "publisher-name": journal.get("publisher", {}).get("name"), "publisher-loc": journal.get("publisher", {}).get("location"),
        },
        "article": article,
        "title": record["title"][lang],
        "author": authors,
        "affiliation": affiliations,
        "date": str(record["dates"]["published"]),
    }
    if record.get("subtitle", {}).get(lang):
        meta["subtitle"] = record["subtitle"][lang]
    abstract = record.get("abstract", {}).get(lang)
    if abstract is not None:
        meta["abstract"] = abstract if isinstance(abstract, str) else "\n\n".join(f"**{s['title']}** {s['text']}" for s in abstract)
    if record.get("keywords", {}).get(lang):
        meta["tags"] = list(record["keywords"][lang])
    license_url = record.get("license") or journal.get("license")
    copyright_ = record.get("copyright", {})
    if license_url or copyright_:
        meta["copyright"] = {k: v for k, v in (("year", copyright_.get("year")), ("holder", copyright_.get("holder")),
                                                ("link", license_url), ("text", license_url and f"This article is licensed under {license_url}."),
                                                ("type", license_url and "open-access")) if v}
    references = [csl_reference(ref, f"r{index}-{n + 1}") for n, ref in enumerate(record.get("references", ()))]
    return {k: v for k, v in meta.items() if v is not None}, references


def spread(paths: list[Path], count: int | None) -> list[Path]:
    """``count`` paths spread evenly over ``paths`` (all of them when ``count`` is None)."""
    if count is None or count >= len(paths):
        return list(paths)
    step = len(paths) / count
    return [paths[int(i * step)] for i in range(count)]


def batch_input(seeds: Path, work: Path, out_dir: Path, citeproc: bool, limit: int | None = None) -> tuple[str, int]:
    """The main input (every record's references, and where the records are) and the
    per-record markdown files it lists; returns the main input and how many records."""
    records_dir = work / "pandoc-records"
    shutil.rmtree(records_dir, ignore_errors=True)
    records_dir.mkdir(parents=True)
    references, listing = [], []
    journals: dict[str, dict] = {}
    paths = spread(sorted(seeds.glob("*/articles/*.yaml")), limit)
    for index, path in enumerate(paths):
        journal_dir = path.parent.parent
        if journal_dir.name not in journals:
            journals[journal_dir.name] = yaml.load((journal_dir / "journal.yaml").read_bytes(), Loader=_Loader)
        record = yaml.load(path.read_bytes(), Loader=_Loader)
        key = f"{journal_dir.name}.{path.stem}"
        meta, refs = pandoc_metadata(record, journals[journal_dir.name], index, key)
        markdown = records_dir / f"{key}.md"
        markdown.write_text("---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=4096) + "---\n", encoding="utf-8")
        listing.append(f"{index}\t{key}\t{markdown}\n")
        references.extend(refs)
    (work / "pandoc-records.tsv").write_text("".join(listing), encoding="utf-8")
    header: dict = {"bench-out": str(out_dir), "bench-list": str(work / "pandoc-records.tsv")}
    if citeproc:
        header.update({"references": references, "nocite": "@*"})
    text = "---\n" + yaml.safe_dump(header, allow_unicode=True, sort_keys=False, width=4096) + "---\n"
    return text, len(paths)


def run_batched(seeds: Path, work: Path, executable: str = "pandoc", citeproc: bool = True, limit: int | None = None) -> PandocRun:
    """Make every record's JATS in one pandoc process; time the whole process."""
    import resource

    version = pandoc_version(executable)
    out_dir = work / ("pandoc-jats" if citeproc else "pandoc-jats-norefs")
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    text, count = batch_input(seeds, work, out_dir, citeproc, limit)
    source = work / ("pandoc-batch.md" if citeproc else "pandoc-batch-norefs.md")
    source.write_text(text, encoding="utf-8")
    # Filters run in command-line order: citeproc must format the references before the split.
    command = [executable, str(source), "-f", "markdown", "-t", "jats", *(["--citeproc"] if citeproc else []),
               "--lua-filter", str(LUA_FILTER), "-o", str(work / "pandoc-main.xml")]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode != 0:
        raise RuntimeError(f"pandoc failed ({completed.returncode}): {completed.stderr.strip()[:2000]}")
    write_cpu = before_write = 0.0
    written = 0
    for line in (out_dir / "times.tsv").read_text().splitlines():
        name, seconds = line.split("\t")
        if name == "#loop":
            write_cpu = float(seconds)
        elif name == "#before-loop":
            before_write = float(seconds)
        else:
            written += 1
    output_bytes = sum(p.stat().st_size for p in out_dir.glob("*.xml"))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if written != count:
        raise RuntimeError(f"pandoc wrote {written} of {count} documents")
    return PandocRun(version, count, wall, cpu, write_cpu, before_write, output_bytes)
