"""A journal's own website files, beside its ``journal.yaml``::

    seeds/<journal-id>/templates/<name>.html   Jinja2 templates replacing the site's built-in
                                               ones of the same name (article.html, base.html...)
    seeds/<journal-id>/assets/...              files copied to site/<journal-id>/assets/;
                                               assets/style.css is linked after the built-in
                                               stylesheet, so its rules win
    seeds/<journal-id>/logo.svg (.png, .jpg, .jpeg, .webp)   shown in the masthead

The templates are read and parsed here, so a syntax error is reported like any other input
problem (file, line) before anything is written; assets are only named (their bytes are read
when the site is written, and by the journal's fingerprint).
"""

from __future__ import annotations

from pathlib import Path

from ..diagnostics import Diagnostic
from ..layout import SITE_TEMPLATES
from ..model import SiteFiles

TEMPLATES_DIR = "templates"
ASSETS_DIR = "assets"
LOGO_NAMES = ("logo.svg", "logo.png", "logo.jpg", "logo.jpeg", "logo.webp")
FIELD = "(site files)"


def _visible_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.rglob("*")
                  if p.is_file() and not any(part.startswith(".") for part in p.relative_to(directory).parts))


def site_file_paths(journal_dir: Path) -> list[Path]:
    """Every file of the journal's website overrides, in a stable order (they shape its
    pages as much as journal.yaml does: the publisher's fingerprint of the journal reads them)."""
    found = [p for p in _visible_files(journal_dir / TEMPLATES_DIR) if p.suffix == ".html"]
    found += _visible_files(journal_dir / ASSETS_DIR)
    found += [journal_dir / name for name in LOGO_NAMES if (journal_dir / name).is_file()]
    return found


def _unused_templates(templates: list[tuple[str, str, str]], referenced: set[str]) -> list[Diagnostic]:
    """A journal template that replaces no built-in one and that none of the journal's own
    templates extends or includes: a misspelt name (``artcle.html``), which the site would
    otherwise silently ignore."""
    import difflib

    problems = []
    for name, shown, _source in templates:
        if name in SITE_TEMPLATES or name in referenced:
            continue
        close = difflib.get_close_matches(name, SITE_TEMPLATES, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        problems.append(Diagnostic(shown, 1, 1, FIELD,
                                   f"{name} replaces no template of the site and no template of the journal uses it; "
                                   f"{hint}a journal's templates/ may replace {', '.join(SITE_TEMPLATES)}"))
    return problems


def read_site_files(journal_dir: Path, display_dir: str) -> tuple[SiteFiles, list[Diagnostic]]:
    """The journal's site files, or the problems with them (``display_dir``: the journal
    directory as messages name it)."""
    problems: list[Diagnostic] = []
    templates = []
    referenced: set[str] = set()  # the templates the journal's own templates extend or include
    template_files = _visible_files(journal_dir / TEMPLATES_DIR)
    if template_files:
        import jinja2  # only for journals with templates of their own
        import jinja2.meta

        syntax = jinja2.Environment(autoescape=True)  # parses only; the site writer renders
    for path in template_files:
        relative = path.relative_to(journal_dir / TEMPLATES_DIR).as_posix()
        shown = f"{display_dir}/{TEMPLATES_DIR}/{relative}"
        if path.suffix != ".html":
            problems.append(Diagnostic(shown, 1, 1, FIELD, "templates/ holds the site's HTML templates (*.html) only"))
            continue
        try:
            source = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            line = path.read_bytes()[: exc.start].count(b"\n") + 1
            problems.append(Diagnostic(shown, line, 1, FIELD, "a template must be UTF-8 text"))
            continue
        try:
            parsed = syntax.parse(source, relative, shown)
        except jinja2.TemplateSyntaxError as exc:
            problems.append(Diagnostic(shown, exc.lineno or 1, 1, FIELD, f"template syntax: {exc.message}"))
            continue
        referenced.update(name for name in jinja2.meta.find_referenced_templates(parsed) if name)
        templates.append((relative, shown, source))
    problems += _unused_templates(templates, referenced)
    assets = tuple((p.relative_to(journal_dir / ASSETS_DIR).as_posix(), str(p.resolve()))
                   for p in _visible_files(journal_dir / ASSETS_DIR))
    logos = [journal_dir / name for name in LOGO_NAMES if (journal_dir / name).is_file()]
    if len(logos) > 1:
        problems.append(Diagnostic(f"{display_dir}/{logos[1].name}", 1, 1, FIELD,
                                   f"one logo per journal: {', '.join(p.name for p in logos)} are all beside journal.yaml"))
    logo = (logos[0].name, str(logos[0].resolve())) if logos else None
    return SiteFiles(templates=tuple(templates), assets=assets, logo=logo), problems
