"""A journal's own website files beside journal.yaml: templates/, assets/ and a logo.

The overrides apply to that journal's pages only; a template that cannot be parsed or fails
while rendering is reported at its file and line, like any input problem, and nothing is
written.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml
from lxml import html

from pipeline.layout import SITE_TEMPLATES
from pipeline.publishing import publish
from pipeline.writers import site
from pipeline.diagnostics import InvalidInput

from .conftest import run_cli
from .test_site import T0, T1, make_seeds, site_files

ARTICLE = "anadolu-demiryollari"
OWN_ARTICLE_TEMPLATE = """{% extends "base.html" %}
{% block content %}
<article class="house-style">
<h1 lang="{{ title.lang }}">{{ title.text }}</h1>
<p class="house-note">{{ journal_title }}</p>
</article>
{% endblock %}
"""
OWN_CSS = b".house-style h1 { color: #5a1a1a; }\n"
LOGO = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4" fill="#5a1a1a"/></svg>\n'


def add_overrides(journal_dir):
    (journal_dir / "templates").mkdir()
    (journal_dir / "templates" / "article.html").write_text(OWN_ARTICLE_TEMPLATE, encoding="utf-8")
    (journal_dir / "assets" / "img").mkdir(parents=True)
    (journal_dir / "assets" / "style.css").write_bytes(OWN_CSS)
    (journal_dir / "assets" / "img" / "banner.svg").write_bytes(LOGO)
    (journal_dir / "logo.svg").write_bytes(LOGO)


def test_a_journals_templates_assets_and_logo_override_the_built_in_ones(tmp_path):
    plain = make_seeds(tmp_path / "plain")
    publish(plain, tmp_path / "plain-out", jobs=1, now=T0)
    seeds = make_seeds(tmp_path / "seeds")
    add_overrides(seeds / "tjh")
    out = tmp_path / "out"
    publish(seeds, out, jobs=1, now=T0)
    record = yaml.safe_load((seeds / "tjh" / "articles" / f"{ARTICLE}.yaml").read_text(encoding="utf-8"))
    journal = yaml.safe_load((seeds / "tjh" / "journal.yaml").read_text(encoding="utf-8"))

    page = html.fromstring((out / "site" / "tjh" / ARTICLE / "index.html").read_bytes())
    # the journal's article.html, filled from the same context as the built-in one
    assert page.xpath("//article/@class") == ["house-style"]
    assert page.xpath("//h1/text()") == [record["title"]["tr"]]
    assert page.xpath("//p[@class='house-note']/text()") == [journal["title"]["tr"]]
    # base.html is still the built-in one: the head metadata indexers read is all there
    assert page.xpath("//head/meta[@name='citation_doi']/@content") == [record["doi"]]
    # its stylesheet after the built-in one (its rules win), its logo linking home
    assert page.xpath("//head/link[@rel='stylesheet']/@href") == ["../../style.css", "../assets/style.css"]
    assert page.xpath("//header/a[@class='logo']/@href") == ["../index.html"]
    assert page.xpath("//header/a[@class='logo']/img/@src") == ["../logo.svg"]
    assert page.xpath("//header/a[@class='logo']/img/@alt") == [journal["title"]["tr"]]
    issue = html.fromstring((out / "site" / "tjh" / "issue" / "12-1" / "index.html").read_bytes())
    assert issue.xpath("//header/a[@class='logo']/img/@src") == ["../../logo.svg"]
    assert issue.xpath("//head/link[@rel='stylesheet']/@href") == ["../../../style.css", "../../assets/style.css"]
    home = html.fromstring((out / "site" / "tjh" / "index.html").read_bytes())
    assert home.xpath("//header/a[@class='logo']/img/@src") == ["logo.svg"]
    # the files are copied, byte for byte
    assert (out / "site" / "tjh" / "assets" / "style.css").read_bytes() == OWN_CSS
    assert (out / "site" / "tjh" / "assets" / "img" / "banner.svg").read_bytes() == LOGO
    assert (out / "site" / "tjh" / "logo.svg").read_bytes() == LOGO
    # the other journal's pages, and every other format, are exactly what they were
    plain_files, files = site_files(tmp_path / "plain-out"), site_files(out)
    assert {k: v for k, v in files.items() if k.startswith("mjs/")} == {k: v for k, v in plain_files.items() if k.startswith("mjs/")}
    for path in sorted((out).rglob("*")):
        relative = path.relative_to(out)
        # the site aside, and the publisher's own state (.pipeline/, the OAI store: run times)
        if path.is_file() and relative.parts[0] not in ("site", ".pipeline") and path.suffix != ".sqlite3":
            other = tmp_path / "plain-out" / relative
            assert other.is_file() and hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(other.read_bytes()).digest(), relative


def test_an_edited_asset_republishes_the_journals_site(tmp_path):
    seeds = make_seeds(tmp_path / "seeds")
    add_overrides(seeds / "tjh")
    out = tmp_path / "out"
    publish(seeds, out, jobs=1, now=T0)
    (seeds / "tjh" / "assets" / "style.css").write_bytes(OWN_CSS + b".house-note { font-style: italic; }\n")
    publish(seeds, out, jobs=1, now=T1)
    assert b"italic" in (out / "site" / "tjh" / "assets" / "style.css").read_bytes()
    (seeds / "tjh" / "templates" / "article.html").write_text(OWN_ARTICLE_TEMPLATE.replace("house-note", "house-remark"), encoding="utf-8")
    publish(seeds, out, jobs=1, now=T1)
    assert b'class="house-remark"' in (out / "site" / "tjh" / ARTICLE / "index.html").read_bytes()


BROKEN_SYNTAX = """{% extends "base.html" %}
{% block content %}
<h1>{{ title.text }}</h1>
{% if title.subtitle %}<p>{{ title.subtitle }}</p>
{% endblock %}
"""
BROKEN_AT_RENDER = """{% extends "base.html" %}
{% block content %}
<h1>{{ title.text }}</h1>
<p>{{ no_such_value.text }}</p>
{% endblock %}
"""


@pytest.mark.parametrize("source, line, words", [
    (BROKEN_SYNTAX, 5, "template syntax"),
    (BROKEN_AT_RENDER, 4, "no_such_value"),
])
def test_a_bad_journal_template_is_reported_at_its_file_and_line(tmp_path, source, line, words):
    seeds = make_seeds(tmp_path / "seeds")
    out = tmp_path / "out"
    publish(seeds, out, jobs=1, now=T0)
    before = site_files(out)
    (seeds / "tjh" / "templates").mkdir()
    template = seeds / "tjh" / "templates" / "article.html"
    template.write_text(source, encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        publish(seeds, out, jobs=1, now=T1)
    [problem] = caught.value.diagnostics
    assert problem.file.endswith("tjh/templates/article.html") and problem.line == line and words in problem.message
    assert site_files(out) == before  # nothing written
    # as a user sees it: one line naming file and line, no traceback (two workers: the error crosses processes)
    result = run_cli("publish", str(seeds), "-o", str(out), "--jobs", "2")
    assert result.returncode != 0
    assert f"templates/article.html:{line}:1: (site files): " in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    assert site_files(out) == before
    if "syntax" in words:  # found by the reader: `pipeline validate` reports it too
        result = run_cli("validate", str(seeds))
        assert result.returncode != 0 and f"templates/article.html:{line}:1" in result.stdout + result.stderr


def test_two_logos_are_one_too_many(tmp_path):
    seeds = make_seeds(tmp_path / "seeds")
    (seeds / "tjh" / "logo.svg").write_bytes(LOGO)
    (seeds / "tjh" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(InvalidInput) as caught:
        publish(seeds, tmp_path / "out", jobs=1, now=T0)
    assert any("one logo per journal" in d.message and d.file.endswith("logo.png") for d in caught.value.diagnostics)


def test_a_misspelt_journal_template_is_reported_with_the_names_it_may_replace(tmp_path):
    seeds = make_seeds(tmp_path / "seeds")
    out = tmp_path / "out"
    publish(seeds, out, jobs=1, now=T0)
    before = site_files(out)
    (seeds / "tjh" / "templates").mkdir()
    (seeds / "tjh" / "templates" / "artcle.html").write_text(OWN_ARTICLE_TEMPLATE, encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        publish(seeds, out, jobs=1, now=T1)
    [problem] = caught.value.diagnostics
    assert problem.file.endswith("tjh/templates/artcle.html")
    assert "did you mean article.html?" in problem.message
    for name in ("article.html", "base.html", "issue.html", "journal.html"):
        assert name in problem.message
    assert site_files(out) == before  # nothing written
    result = run_cli("publish", str(seeds), "-o", str(out), "--jobs", "2")
    assert result.returncode != 0 and "templates/artcle.html:1:1: (site files): " in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    checked = run_cli("validate", str(seeds))  # an input problem: validate reports it too
    assert checked.returncode != 0 and "templates/artcle.html:1:1: (site files): " in checked.stderr + checked.stdout


def test_the_replaceable_template_names_are_the_templates_the_site_ships():
    # The reader checks a journal's template names against layout.SITE_TEMPLATES; the writer's
    # package holds the templates themselves (all of them but the site index, which spans journals).
    shipped = Path(site.__file__).parent / "templates"
    assert sorted(SITE_TEMPLATES) == sorted(p.name for p in shipped.glob("*.html") if p.name != "index.html")


def test_a_journal_template_its_own_templates_include_is_not_reported(tmp_path):
    seeds = make_seeds(tmp_path / "seeds")
    (seeds / "tjh" / "templates").mkdir()
    (seeds / "tjh" / "templates" / "article.html").write_text(
        OWN_ARTICLE_TEMPLATE.replace("</article>", '{% include "house_footer.html" %}</article>'), encoding="utf-8")
    (seeds / "tjh" / "templates" / "house_footer.html").write_text('<p class="house-footer">{{ journal_title }}</p>\n', encoding="utf-8")
    out = tmp_path / "out"
    publish(seeds, out, jobs=1, now=T0)
    page = html.fromstring((out / "site" / "tjh" / ARTICLE / "index.html").read_bytes())
    journal = yaml.safe_load((seeds / "tjh" / "journal.yaml").read_text(encoding="utf-8"))
    assert page.xpath("//p[@class='house-footer']/text()") == [journal["title"]["tr"]]
