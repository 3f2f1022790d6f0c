"""Running the real LaTeX consumers (lualatex, pdflatex, bibtex, biber, pdftotext) on a
bibliography, and what they said: the .bbl, the warnings and the typeset text.

A missing tool is a test failure, never a skip: these checks are the proof that our
BibTeX and BibLaTeX files work.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

# Keep words whole on the page so the typeset text can be compared with the record.
_NO_HYPHENATION = r"\hyphenpenalty=10000 \exhyphenpenalty=10000 \sloppy"

# DejaVu Sans covers Latin, Greek, Cyrillic and Arabic; CJK glyphs are missing (LuaTeX logs
# "Missing character" and typesets nothing for them), which is accepted: the check is that
# such text compiles and the rest of the entry prints.
_UNICODE_PREAMBLE = r"""\usepackage{fontspec}
\setmainfont{DejaVu Sans}
\usepackage{url}
"""
_CLASSIC_PREAMBLE = r"""\usepackage[T1]{fontenc}
\usepackage{lmodern}
\usepackage{url}
"""


@dataclass
class LatexRun:
    bbl: str
    backend_log: str  # the .blg of bibtex or biber
    latex_log: str
    text: str  # the PDF's text as pdftotext extracts it

    def backend_warnings(self) -> list[str]:
        """BibTeX's ``Warning--...`` lines or biber's ``WARN - ...`` lines."""
        warnings = []
        for line in self.backend_log.splitlines():
            if line.startswith("Warning--"):
                warnings.append(line.strip())
            elif "WARN - " in line:  # biber prefixes "[471] Biber.pm:130> "
                warnings.append(line[line.index("WARN - "):].strip())
        return warnings

    def backend_errors(self) -> list[str]:
        return [
            line.strip()
            for line in self.backend_log.splitlines()
            if "ERROR" in line or "I was expecting" in line or "I'm skipping" in line
            or re.match(r"^(Repeated entry|Illegal|You're missing|Too many commas)", line)
        ]

    def latex_warnings(self) -> list[str]:
        """LaTeX's and biblatex's warnings, missing-glyph notes and font warnings left out."""
        warnings = []
        for line in self.latex_log.splitlines():
            if "Warning" not in line:
                continue
            if "Font Warning" in line or "infwarerr" in line:
                continue
            # One pass after bibtex/biber typesets the bibliography; the labels it writes
            # back to the .aux would only matter for citations in the text (we have none).
            if "may have changed" in line:
                continue
            # biblatex's echo of biber's own warnings, which backend_warnings() checks one by one.
            if "Biber reported the following issues" in line:
                continue
            warnings.append(line.strip())
        return warnings

    def missing_glyphs(self) -> list[str]:
        return [line for line in self.latex_log.splitlines() if line.startswith("Missing character")]

    def flat_text(self) -> str:
        """The typeset text with line breaks as spaces."""
        return " ".join(self.text.split())


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: the LaTeX consumer checks need it")
    return path


def _run(args: list[str], cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, capture_output=True, timeout=timeout)


def _latex(engine: str, workdir: Path) -> None:
    result = _run([tool(engine), "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], workdir)
    if result.returncode != 0:
        log = (workdir / "doc.log").read_text("utf-8", errors="replace")
        raise AssertionError(f"{engine} failed:\n{log[-4000:]}")


def _document(preamble: str, body: str) -> str:
    return "\n".join([
        r"\documentclass{article}",
        preamble,
        r"\begin{document}",
        _NO_HYPHENATION,
        r"\nocite{*}",
        body,
        r"\end{document}",
        "",
    ])


def _pdf_text(workdir: Path) -> str:
    result = _run([tool("pdftotext"), "-enc", "UTF-8", "doc.pdf", "-"], workdir)
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    return result.stdout.decode("utf-8")


def compile_bibtex(bib: bytes, style: str, workdir: Path, engine: str = "lualatex") -> LatexRun:
    """``bib`` through ``engine``, ``bibtex`` with ``style`` (plain, apalike...), ``engine``."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "refs.bib").write_bytes(bib)
    preamble = _UNICODE_PREAMBLE if engine == "lualatex" else _CLASSIC_PREAMBLE
    body = f"\\bibliographystyle{{{style}}}\n\\bibliography{{refs}}"
    (workdir / "doc.tex").write_text(_document(preamble, body), "utf-8")
    _latex(engine, workdir)
    result = _run([tool("bibtex"), "doc"], workdir)
    blg = (workdir / "doc.blg").read_text("utf-8", errors="replace")
    # bibtex exits 1 on warnings and 2 on errors.
    assert result.returncode in (0, 1), f"bibtex failed:\n{blg}"
    _latex(engine, workdir)
    return LatexRun(
        bbl=(workdir / "doc.bbl").read_bytes().decode("utf-8"),
        backend_log=blg,
        latex_log=(workdir / "doc.log").read_text("utf-8", errors="replace"),
        text=_pdf_text(workdir),
    )


def compile_biblatex(bib: bytes, workdir: Path, style: str = "authoryear", options: str = "",
                     languages: str = "") -> LatexRun:
    """``bib`` through lualatex, ``biber --validate-datamodel`` and lualatex with biblatex;
    ``languages``: preamble lines loading babel or polyglossia before biblatex."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "refs.bib").write_bytes(bib)
    package = f"\\usepackage[backend=biber,style={style}{',' + options if options else ''}]{{biblatex}}"
    preamble = _UNICODE_PREAMBLE + languages + package + "\n\\addbibresource{refs.bib}\n"
    (workdir / "doc.tex").write_text(_document(preamble, r"\printbibliography"), "utf-8")
    _latex("lualatex", workdir)
    result = _run([tool("biber"), "--validate-datamodel", "doc"], workdir)
    blg = (workdir / "doc.blg").read_text("utf-8", errors="replace")
    assert result.returncode == 0, f"biber failed:\n{blg}"
    # biblatex needs a second pass after biber before it stops asking for reruns.
    _latex("lualatex", workdir)
    _latex("lualatex", workdir)
    return LatexRun(
        bbl=(workdir / "doc.bbl").read_bytes().decode("utf-8"),
        backend_log=blg,
        latex_log=(workdir / "doc.log").read_text("utf-8", errors="replace"),
        text=_pdf_text(workdir),
    )


def latex_decoder():
    """pylatexenc's decoder as bibtexparser's LatexDecodingMiddleware builds it, plus the
    LaTeX kernel text symbols its table lacks or maps wrongly (``\\textbraceleft`` and
    ``\\textbraceright`` are missing, ``\\textasciicircum`` gives U+02C6 instead of ``^``)."""
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

    db = get_default_latex_context_db()
    db.add_context_category(
        "latex-kernel-text-symbols",
        prepend=True,
        macros=[
            MacroTextSpec("url", simplify_repl="%s"),
            MacroTextSpec("textbraceleft", simplify_repl="{"),
            MacroTextSpec("textbraceright", simplify_repl="}"),
            MacroTextSpec("textasciicircum", simplify_repl="^"),
        ],
    )
    return LatexNodes2Text(latex_context=db, keep_braced_groups=False, math_mode="verbatim")


# --- reading our .bib back with the Python consumers ------------------------------------

VERBATIM_FIELDS = ("doi", "url")  # never LaTeX-decoded: % and \ in them are literal


@dataclass
class ParsedEntry:
    key: str
    fields: dict[str, str]  # decoded, lower-case field names; names left out
    names: dict[str, list[tuple[str, str, str]]]  # role -> (family, given, suffix), decoded


def _nfc(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFC", text)


def parse_with_bibtexparser(bib: str) -> list[ParsedEntry]:
    """bibtexparser v2: fields through its LatexDecodingMiddleware, names split by its
    SplitNameParts and each part decoded with the same decoder."""
    import bibtexparser
    from bibtexparser.middlewares import LatexDecodingMiddleware, SeparateCoAuthors, SplitNameParts

    decoder = latex_decoder()
    decoded = bibtexparser.parse_string(bib, append_middleware=[LatexDecodingMiddleware(decoder=decoder)])
    raw = bibtexparser.parse_string(bib)
    split = bibtexparser.parse_string(bib, append_middleware=[SeparateCoAuthors(), SplitNameParts()])
    for library in (decoded, raw, split):
        assert not library.failed_blocks, [getattr(b, "error", b) for b in library.failed_blocks]
    entries = []
    for dec, verbatim, names in zip(decoded.entries, raw.entries, split.entries):
        fields = {}
        for field in dec.fields:
            name = field.key.lower()
            if name in ("author", "editor"):
                continue
            value = verbatim.fields_dict[field.key].value if name in VERBATIM_FIELDS else field.value
            fields[name] = _nfc(value)
        roles = {}
        for role in ("author", "editor"):
            if role in names.fields_dict:
                roles[role] = [
                    tuple(_nfc(decoder.latex_to_text(" ".join(part))) for part in (
                        person.von + person.last, person.first, person.jr))
                    for person in names.fields_dict[role].value
                ]
        entries.append(ParsedEntry(dec.key, fields, roles))
    return entries


def parse_with_pybtex(bib: str) -> list[ParsedEntry]:
    """pybtex's BibTeX parser; fields and name parts decoded with pylatexenc."""
    from pybtex.database import parse_string

    decoder = latex_decoder()
    data = parse_string(bib, "bibtex")
    entries = []
    for key, entry in data.entries.items():
        fields = {}
        for name, value in entry.fields.items():
            name = name.lower()
            fields[name] = value if name in VERBATIM_FIELDS else _nfc(decoder.latex_to_text(value))
        roles = {}
        for role, persons in entry.persons.items():
            roles[role.lower()] = [
                tuple(_nfc(decoder.latex_to_text(" ".join(part))) for part in (
                    person.prelast_names + person.last_names,
                    person.first_names + person.middle_names,
                    person.lineage_names))
                for person in persons
            ]
        entries.append(ParsedEntry(key, fields, roles))
    return entries


# --- reading our .bib back with Better BibTeX's parser (node) -----------------------------

BETTER_BIBTEX = Path(__file__).resolve().parent / "bibtex_parser_js"


def parse_with_better_bibtex(bib: str) -> list[dict]:
    """``bib`` through @retorquere/bibtex-parser, the parser of Zotero's Better BibTeX
    (``tests/bibtex_parser_js``, installed by ``npm ci`` there): each entry's key and fields,
    names as {lastName, firstName, prefix, suffix} or {name}. A parse error fails."""
    import json

    if not (BETTER_BIBTEX / "node_modules" / "@retorquere" / "bibtex-parser").is_dir():
        pytest.fail(f"@retorquere/bibtex-parser is not installed: run `npm ci` in {BETTER_BIBTEX}")
    result = subprocess.run([tool("node"), str(BETTER_BIBTEX / "decode.mjs")], input=bib.encode("utf-8"),
                            capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    library = json.loads(result.stdout)
    assert library["errors"] == []
    return library["entries"]
