"""The site's compiled-template cache (pipeline/writers/site/template_cache.py): a page rendered
from cached code is the page a fresh compile gives, an edited template is compiled again, and
a broken or unwritable cache is no cache."""

from __future__ import annotations

import os
from pathlib import Path

import jinja2
import jinja2.bccache
import pytest

from pipeline.writers.site import template_cache

SOURCE = "<p>{{ title }}</p>{% for k in keywords %}<i>{{ k }}</i>{% endfor %}\n"
CONTEXT = {"title": "Tarih & <Toplum>", "keywords": ["a", "b<"]}
EXPECTED = "<p>Tarih &amp; &lt;Toplum&gt;</p><i>a</i><i>b&lt;</i>\n"


def environment(templates: dict[str, str], cache: Path) -> jinja2.Environment:
    os.environ[template_cache.ENV_VAR] = str(cache)
    try:
        return template_cache.attach(jinja2.Environment(loader=jinja2.DictLoader(templates), autoescape=True,
                                                        keep_trailing_newline=True))
    finally:
        del os.environ[template_cache.ENV_VAR]


def cached_files(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.jinja")) if cache.is_dir() else []


def test_the_second_process_renders_from_the_cache_the_same_page(tmp_path, monkeypatch):
    cache = tmp_path / "templates"
    assert environment({"page.html": SOURCE}, cache).get_template("page.html").render(CONTEXT) == EXPECTED
    assert len(cached_files(cache)) == 1
    # A new environment (as a new process has) loads the code instead of compiling it.
    compiled = []
    real = jinja2.Environment.compile
    monkeypatch.setattr(jinja2.Environment, "compile", lambda self, *a, **k: compiled.append(a) or real(self, *a, **k))
    assert environment({"page.html": SOURCE}, cache).get_template("page.html").render(CONTEXT) == EXPECTED
    assert compiled == []


def test_an_edited_template_is_compiled_again(tmp_path):
    cache = tmp_path / "templates"
    environment({"page.html": SOURCE}, cache).get_template("page.html")
    edited = SOURCE.replace("<p>", "<h1>").replace("</p>", "</h1>")
    page = environment({"page.html": edited}, cache).get_template("page.html").render(CONTEXT)
    assert page == EXPECTED.replace("<p>", "<h1>").replace("</p>", "</h1>")


def test_other_compile_options_do_not_share_code(tmp_path):
    cache = tmp_path / "templates"
    environment({"page.html": SOURCE}, cache).get_template("page.html")
    os.environ[template_cache.ENV_VAR] = str(cache)
    try:
        plain = template_cache.attach(jinja2.Environment(loader=jinja2.DictLoader({"page.html": SOURCE}), autoescape=False))
    finally:
        del os.environ[template_cache.ENV_VAR]
    # without autoescaping the markup characters stay as they are, and no trailing newline is kept
    assert plain.get_template("page.html").render(CONTEXT) == "<p>Tarih & <Toplum></p><i>a</i><i>b<</i>"
    assert len(cached_files(cache)) == 2


def test_a_broken_cache_file_is_a_miss(tmp_path):
    cache = tmp_path / "templates"
    environment({"page.html": SOURCE}, cache).get_template("page.html")
    magic = jinja2.bccache.bc_magic
    files = cached_files(cache)
    assert files
    for path in files:  # Jinja's header, then no checksum and no code it can read
        path.write_bytes(magic + b"\x80\x04garbage")
    assert environment({"page.html": SOURCE}, cache).get_template("page.html").render(CONTEXT) == EXPECTED


def test_an_unwritable_cache_is_no_cache(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    page = environment({"page.html": SOURCE}, blocker / "templates").get_template("page.html").render(CONTEXT)
    assert page == EXPECTED


def test_off_switches_it_off(monkeypatch):
    monkeypatch.setenv(template_cache.ENV_VAR, "off")
    assert template_cache.cache_directory() is None
    assert template_cache.attach(jinja2.Environment()).bytecode_cache is None


def test_the_site_writer_uses_it(tmp_path, monkeypatch):
    from pipeline.writers import site

    monkeypatch.setenv(template_cache.ENV_VAR, str(tmp_path / "site-templates"))
    site.environment.cache_clear()
    try:
        cache = site.environment().bytecode_cache
        assert isinstance(cache, template_cache.TemplateBytecodeCache)
        assert Path(cache.directory) == tmp_path / "site-templates"
    finally:
        site.environment.cache_clear()
        site.template.cache_clear()


def test_default_directory_is_the_users_cache(monkeypatch, tmp_path):
    monkeypatch.delenv(template_cache.ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert template_cache.cache_directory() == tmp_path / "pipeline" / "templates"


def test_the_source_of_our_code_generator_is_part_of_the_key(tmp_path, monkeypatch):
    # A code generator of ours (the site has one) changes the compiled code when its module
    # changes, while the template's source stays the same: that must not load the old code.
    module = tmp_path / "my_generator.py"
    module.write_text("from jinja2.compiler import CodeGenerator\nclass Generator(CodeGenerator):\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib

    generator = importlib.import_module("my_generator")

    class Env(jinja2.Environment):
        code_generator_class = generator.Generator

    before = template_cache.compile_options(Env())
    module.write_text(module.read_text() + "# changed\n")
    assert template_cache.compile_options(Env()) != before
    assert template_cache.compile_options(jinja2.Environment()) != before
