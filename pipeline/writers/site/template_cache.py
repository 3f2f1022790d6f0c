"""Compiled page templates kept between processes (Jinja's bytecode cache, on disk).

Compiling the site's templates is a one-off cost of every process that renders a page:
~0.1 s, most of what a one-article re-publish spends on the site. Jinja can keep the
compiled code: this is its :class:`jinja2.FileSystemBytecodeCache` in ``templates/`` of
the per-user cache directory platformdirs names (``~/.cache/pipeline`` on Linux), beside
the schema bundle and the citation cache; ``$PIPELINE_TEMPLATE_CACHE`` names another
directory, or ``off``.

Why it is safe: Jinja files each template's code under the template's name and file, and
loads it only when the checksum of the template's source and Jinja's bytecode version (with
Python's) match, so an edited template (the package's or a journal's own) is compiled again.
What else shapes the generated code, the environment's syntax and whitespace options,
Jinja's own version and the source of our environment and code generator subclasses, is in
the cache file names here. A cache never fails a publish: a file
that cannot be read or written is compiled as if there were none.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import jinja2
import jinja2.bccache

ENV_VAR = "PIPELINE_TEMPLATE_CACHE"


def cache_directory() -> Path | None:
    """Where compiled templates go; None: ``$PIPELINE_TEMPLATE_CACHE`` is ``off``."""
    configured = os.environ.get(ENV_VAR)
    if configured:
        return None if configured.lower() == "off" else Path(configured)
    import platformdirs

    return platformdirs.user_cache_path("pipeline", appauthor=False) / "templates"


def compile_options(environment: jinja2.Environment) -> str:
    """A digest of what, besides a template's source, its compiled code depends on."""
    options = (
        jinja2.__version__, type(environment).__qualname__, environment.code_generator_class.__qualname__,
        environment.block_start_string, environment.block_end_string, environment.variable_start_string,
        environment.variable_end_string, environment.comment_start_string, environment.comment_end_string,
        environment.line_statement_prefix, environment.line_comment_prefix, environment.trim_blocks,
        environment.lstrip_blocks, environment.newline_sequence, environment.keep_trailing_newline,
        environment.optimized, repr(environment.autoescape), sorted(environment.extensions),
    )
    digest = hashlib.sha256(repr(options).encode("utf-8"))
    # Our own subclasses (the page environment, its code generator) shape the code too: the
    # source of the modules that define them is part of the key (Jinja's own: its version).
    for module in sorted(_own_modules(type(environment), environment.code_generator_class)):
        digest.update(module.encode("utf-8") + b"\0" + Path(sys.modules[module].__file__).read_bytes())
    return digest.hexdigest()[:16]


def _own_modules(*classes: type) -> set[str]:
    return {klass.__module__ for cls in classes for klass in cls.__mro__
            if klass.__module__ != "builtins" and not klass.__module__.startswith("jinja2")}


class TemplateBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's file system cache that gives up quietly: an unreadable or broken file is a
    miss, a failed write is skipped."""

    def __init__(self, directory: Path, options: str):
        super().__init__(str(directory), f"{options}-%s.jinja")
        self._ready = False

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # unreadable, truncated, or not Jinja's: compiled as if absent
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            if not self._ready:
                os.makedirs(self.directory, exist_ok=True)
                self._ready = True
            super().dump_bytecode(bucket)
        except OSError:
            pass


def attach(environment: jinja2.Environment) -> jinja2.Environment:
    """``environment`` with the cache of compiled templates (unless it is switched off)."""
    directory = cache_directory()
    if directory is not None:
        environment.bytecode_cache = TemplateBytecodeCache(directory, compile_options(environment))
    return environment
