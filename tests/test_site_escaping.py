"""The site's templates escape every output exactly as a stock autoescaping Jinja environment
does (the site compiles autoescaped output to escaped text rather than Markup objects, see
pipeline/writers/site/output_escaping.py): same characters for text, markup, numbers, None and
objects with ``__html__``, in every place a value can be output or captured."""

from __future__ import annotations

import jinja2
import pytest
from markupsafe import Markup

from pipeline.writers import site


class Widget:  # not a str: markupsafe asks it for its HTML
    def __html__(self):
        return "<b>widget</b>"


class Label(str):  # a str subclass is escaped like text
    pass


VALUES = [
    "Tom & Jerry <script>alert(1)</script> \"quoted\" 'single'",
    Markup("<em>kept</em> &amp; <b>as is</b>"),
    Label("a < b"),
    42,
    3.5,
    None,
    Widget(),
    "",
    "ordinary text, İstanbul",
]

TEMPLATE = """\
<p title="{{ value }}">{{ value }}</p>
{% set captured %}<i>{{ value }}</i>{% endset %}{{ captured }}|{{ captured|length }}
{% macro wrap(v) %}<span>{{ v }}</span>{% endmacro %}{{ wrap(value) }}
{% filter upper %}{{ value }}{% endfilter %}
{{ [value, value]|join(" & ") }}
{{ value ~ "<" }}
{% for item in [value, "<x>"] %}{{ item }}{% endfor %}
{% autoescape false %}{{ value }}{% endautoescape %}
"""


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_the_site_environment_escapes_as_stock_jinja(value):
    stock = jinja2.Environment(autoescape=True, keep_trailing_newline=True).from_string(TEMPLATE)
    ours = site.environment().from_string(TEMPLATE)
    assert ours.render(value=value) == stock.render(value=value)


def test_text_is_escaped_and_markup_is_kept():
    ours = site.environment().from_string('<a title="{{ t }}">{{ t }}</a>{{ m }}')
    out = ours.render(t="<script>\"x\" & 'y'</script>", m=Markup("<br>"))
    assert out == ('<a title="&lt;script&gt;&#34;x&#34; &amp; &#39;y&#39;&lt;/script&gt;">'
                   "&lt;script&gt;&#34;x&#34; &amp; &#39;y&#39;&lt;/script&gt;</a><br>")


def test_an_unknown_variable_still_fails_in_a_journals_template():
    ours = site.environment((("article.html", "templates/article.html", "{{ no_such_value }}"),))
    with pytest.raises(jinja2.UndefinedError):
        ours.get_template("article.html").render({})
