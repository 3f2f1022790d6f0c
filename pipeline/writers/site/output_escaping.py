"""How the site's templates compile ``{{ value }}`` when autoescaping: escaped by markupsafe
exactly as Jinja does, but yielded as the escaped ``str`` instead of a ``Markup`` object.

Jinja's code for an autoescaped output is ``yield escape(value)``: markupsafe escapes the text
(in C), then wraps it in ``Markup`` (two Python-level calls), and the page's ``"".join`` of
the render throws the wrapper away at once. A landing page outputs some 430 values (the head
metadata alone ~200), and the wrappers were a third of the page's render time. So the site's
environment compiles an autoescaped output as ``environment.escaped_text(value)``, which gives
the same characters markupsafe.escape gives: a ``str`` escaped by markupsafe's own escaping
function, a ``Markup`` value as it is, anything else through ``markupsafe.escape``.

Everything else stays Jinja's: expressions, filters (``|join`` still builds ``Markup``),
``{% autoescape false %}`` blocks, and a template whose autoescaping is decided at run time.
Where a value is captured rather than output (``{% set %}`` blocks, macros, ``{% filter %}``)
Jinja joins the pieces and wraps the whole in ``Markup``, as before. With a Jinja or markupsafe
that lacks what this relies on, the environment keeps Jinja's own code generator.
"""

from __future__ import annotations

from jinja2.compiler import CodeGenerator
from markupsafe import Markup, escape

try:  # what markupsafe.escape calls for a str (markupsafe >= 3.0)
    from markupsafe import _escape_inner
except ImportError:  # pragma: no cover - markupsafe 2: escape itself is C, no wrapper to save
    _escape_inner = None


def escaped_text(value) -> str:
    """``str(markupsafe.escape(value))``, without building the ``Markup`` for a plain str."""
    kind = type(value)
    if kind is str:
        return _escape_inner(value)
    if kind is Markup:
        return value
    return escape(value)


class TextOutputCodeGenerator(CodeGenerator):
    """Jinja's code generator with autoescaped output through ``environment.escaped_text``
    (``environment`` is a local of every function Jinja generates for a template)."""

    def _output_child_pre(self, node, frame, finalize) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile:
            self.write("environment.escaped_text(")
            if finalize.src is not None:
                self.write(finalize.src)
            return
        super()._output_child_pre(node, frame, finalize)


# Jinja 3.0+ writes an output's prefix in _output_child_pre (and closes it with as many
# parentheses in _output_child_post); markupsafe 3 has _escape_inner.
AVAILABLE = _escape_inner is not None and callable(getattr(CodeGenerator, "_output_child_pre", None)) \
    and callable(getattr(CodeGenerator, "_output_child_post", None))
