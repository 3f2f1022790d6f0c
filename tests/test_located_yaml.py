"""The reader's quick walk over the YAML nodes (located_yaml._plain_data) never accepts what the
careful, located walk (_Builder) refuses, and builds the same data where both accept; the
diagnostics an editor sees are the careful walk's, word for word."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import located_yaml
from pipeline.located_yaml import YamlError, load_yaml

REPO = Path(__file__).resolve().parent.parent

ALIAS = "this value is reused through a YAML alias (*name); aliases are not allowed in records, write the value out"

# (record, the diagnostic load_yaml reports): what the careful walk refuses.
REFUSED = {
    "duplicate key": ("id: x\ntitle: a\nid: y\n", "f.yaml:3:1: id: duplicate key 'id' (first given at line 1)"),
    "nested duplicate key": ("title:\n  tr: a\n  tr: b\n", "f.yaml:3:3: title.tr: duplicate key 'tr' (first given at line 2)"),
    "alias of a mapping": ("a: &x {b: 1}\nc: *x\n", f"f.yaml:1:4: c: {ALIAS}"),
    "alias of a scalar": ("a: &x hello\nc: *x\n", f"f.yaml:1:4: c: {ALIAS}"),
    "merge key with an alias": ("base: &b {x: 1}\nother:\n  <<: *b\n", "f.yaml:3:3: other: YAML merge keys (<<) are not allowed in records"),
    "merge key": ("other:\n  <<: {x: 1}\n", "f.yaml:2:3: other: YAML merge keys (<<) are not allowed in records"),
    "nesting of sequences": ("a: " + "[" * 70 + "]" * 70 + "\n",
                             "f.yaml:1:68: a" + "[0]" * 64 + ": nested more than 64 levels deep"),
    "nesting of mappings": ("".join("  " * i + f"k{i}:\n" for i in range(70)) + "  " * 70 + "v\n",
                            "f.yaml:66:131: " + ".".join(f"k{i}" for i in range(65)) + ": nested more than 64 levels deep"),
    "control character escaped": ('title: "a\\x01b"\n',
                                  "f.yaml:1:8: title: contains the control character U+0001, which XML cannot carry; delete it"),
    "control character as \\u": ('title: "a\\u0007b"\n',
                                 "f.yaml:1:8: title: contains the control character U+0007, which XML cannot carry; delete it"),
    "U+FFFE escaped": ('title: "a\\uFFFEb"\n',
                       "f.yaml:1:8: title: contains the control character U+FFFE, which XML cannot carry; delete it"),
    "control character in a list": ('keywords: [a, "b\\x1f"]\n',
                                    "f.yaml:1:15: keywords[1]: contains the control character U+001F, which XML cannot carry; delete it"),
    "binary tag": ("a: !!binary aGVsbG8=\n", "f.yaml:1:4: a: unsupported YAML tag tag:yaml.org,2002:binary"),
    "local tag": ("a: !foo bar\n", "f.yaml:1:4: a: unsupported YAML tag !foo"),
    "set tag": ("a: !!set {x: null}\n", "f.yaml:1:4: a: unsupported YAML tag tag:yaml.org,2002:set"),
    "omap tag": ("a: !!omap [{x: 1}]\n", "f.yaml:1:4: a: unsupported YAML tag tag:yaml.org,2002:omap"),
    "sequence as a key": ("? [a, b]\n: c\n", "f.yaml:1:3: (record): mapping keys must be plain text"),
    "mapping as a key": ("{a: 1}: 2\n", "f.yaml:1:1: (record): mapping keys must be plain text"),
}


def _root(text: str):
    return yaml.compose(text, Loader=located_yaml._COMPOSING_LOADER)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_what_the_careful_walk_refuses_is_refused_with_its_words(name):
    text, expected = REFUSED[name]
    with pytest.raises(YamlError) as refused:
        load_yaml(text.encode(), "f.yaml")
    assert str(refused.value.diagnostic) == expected


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_the_quick_walk_never_accepts_what_the_careful_walk_refuses(name):
    root = _root(REFUSED[name][0])
    with pytest.raises(YamlError):
        located_yaml._Builder("f.yaml").build(root, (), 0)
    with pytest.raises(located_yaml._Unsure):  # even with both text-wide checks on
        located_yaml._plain_data(root, check_aliases=True, check_characters=True)


def test_the_text_wide_checks_are_on_where_the_text_could_need_them():
    # An alias needs "&" and "*", an escaped control character a backslash: load_yaml reports
    # those records (above); a clean record keeps its data through the quick walk.
    assert load_yaml(b"title: 'R&D * 2'\nnote: \"a\\tb\"\n", "f.yaml").data == {"title": "R&D * 2", "note": "a\tb"}


ACCEPTED = {
    "keys stay text": ("no: norsk\nyes: 1\non: off\n", {"no": "norsk", "yes": 1, "on": False}),
    "dates stay text": ("date: 2024-01-02\nts: 2024-01-02T10:00:00Z\n", {"date": "2024-01-02", "ts": "2024-01-02T10:00:00Z"}),
    # "012" is read as the decimal an editor means (12), not as YAML 1.1's octal (10)
    "YAML 1.1 numbers": ("a: 012\nb: 0x1F\nc: 1_000\nd: 1:20\ne: 3.5\nf: +5\ng: -12\nh: 0b101\ni: 1e3\nj: '12'\n",
                         {"a": 12, "b": 31, "c": 1000, "d": 80, "e": 3.5, "f": 5, "g": -12, "h": 5, "i": "1e3", "j": "12"}),
    "nulls and booleans": ("a: ~\nb: null\nc: ''\nd: yes\ne: Off\nf:\n", {"a": None, "b": None, "c": "", "d": True, "e": False, "f": None}),
    "explicit tags": ("a: !!str 12\nb: !!int '7'\nc: !!float '1'\nd: ! 12\ne: !!map {x: 1}\n",
                      {"a": "12", "b": 7, "c": 1.0, "d": 12, "e": {"x": 1}}),
    "an anchor without an alias": ("a: &x hello\nc: d\n", {"a": "hello", "c": "d"}),
    "a quoted '<<' is a key": ("'<<': 1\n", {"<<": 1}),
    "a control character in a key": ('"a\\x02": 1\n', {"a\x02": 1}),
}


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_accepted_records_read_as_yaml_1_1_scalars_with_text_keys(name):
    text, expected = ACCEPTED[name]
    assert load_yaml(text.encode(), "f.yaml").data == expected
    root = _root(text)
    assert located_yaml._plain_data(root, check_aliases=True, check_characters=True) == expected
    assert located_yaml._Builder("f.yaml").build(root, (), 0) == expected


def test_safe_loader_has_no_resolvers_the_quick_resolver_leaves_out():
    assert not located_yaml._Loader.yaml_path_resolvers
    assert None not in located_yaml._Loader.yaml_implicit_resolvers
    assert located_yaml._COMPOSING_LOADER is located_yaml._RecordLoader


def _tags(node) -> list:
    if isinstance(node, yaml.ScalarNode):
        return [(node.tag, node.value)]
    if isinstance(node, yaml.SequenceNode):
        return [node.tag] + [t for item in node.value for t in _tags(item)]
    return [node.tag] + [t for pair in node.value for item in pair for t in _tags(item)]


SCALARS = ["", "~", "null", "Null", "NULL", "yes", "No", "ON", "off", "y", "n", "true", "False", "0", "-0", "+12", "012",
           "0o17", "0x1F", "0b11", "1_000", "1:20", "190:20:30", "3.5", "-.5", "1e3", "1.0e+3", ".inf", "-.Inf", ".NaN",
           "2024-01-02", "2024-1-2", "2024-01-02T10:00:00Z", "2024-01-02 10:00:00.5 +02:00", "=", "<<", "!", "&a", "*a",
           "text", "Türkçe", "10.5555/x", "0000-0002-1825-0097", "'quoted'", '"12"', "a: b", "- x"]


@pytest.mark.parametrize("scalar", SCALARS)
def test_the_record_loader_resolves_every_scalar_as_safe_loader_does(scalar):
    text = f"plain: {scalar}\nquoted: '{scalar}'\nlist: [{scalar}]\n{scalar or 'k'}: v\n"
    try:
        expected = _tags(yaml.compose(text, Loader=located_yaml._Loader))
    except yaml.YAMLError:
        with pytest.raises(yaml.YAMLError):
            _root(text)
        return
    assert _tags(_root(text)) == expected


def test_the_record_loader_resolves_the_seeds_as_safe_loader_does():
    records = sorted(REPO.glob("seeds/**/*.yaml"))
    assert records
    for path in records:
        text = path.read_text(encoding="utf-8")
        assert _tags(_root(text)) == _tags(yaml.compose(text, Loader=located_yaml._Loader)), path


_keys = st.sampled_from(["id", "no", "tr", "en", "<<", "title", "1", "true", "a b"])
_scalars = st.one_of(st.sampled_from(SCALARS), st.text(max_size=8), st.integers(), st.floats(allow_nan=False), st.booleans(), st.none())
_values = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_keys, inner, max_size=4)),
                       max_leaves=20)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_values, st.sampled_from([None, True]))
def test_both_walks_agree_on_any_document(value, flow):
    try:
        text = yaml.safe_dump({"r": value}, default_flow_style=flow, allow_unicode=True)
    except yaml.YAMLError:
        return
    root = _root(text)
    try:
        careful = located_yaml._Builder("f.yaml").build(root, (), 0)
    except YamlError:
        with pytest.raises(located_yaml._Unsure):
            located_yaml._plain_data(root, check_aliases=True, check_characters=True)
        return
    assert located_yaml._plain_data(root, check_aliases=True, check_characters=True) == careful
    assert load_yaml(text.encode(), "f.yaml").data == careful


def _field_paths(value, here=()):
    yield here
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _field_paths(item, here + (key,))
        yield here + ("no-such-field",)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _field_paths(item, here + (index,))
        yield here + (len(value),)


def _tree_position(node, path, key):
    """Where ``path`` stands, walked in the node tree as the diagnostics read it (the position
    of the key with ``key``; of the nearest parent for a missing field)."""
    for depth, part in enumerate(path):
        if isinstance(node, yaml.MappingNode):
            match = [(k, v) for k, v in node.value if k.value == part]
            if not match:
                break
            if key and depth == len(path) - 1:
                return match[0][0].start_mark.line + 1, match[0][0].start_mark.column + 1
            node = match[0][1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
    return node.start_mark.line + 1, node.start_mark.column + 1


def test_a_loaded_record_keeps_no_node_tree_and_finds_every_position_on_demand():
    for path in sorted(REPO.glob("seeds/**/*.yaml")):
        raw = path.read_bytes()
        document = load_yaml(raw, str(path))
        assert document.root is None  # only the text and the top-level fields' positions
        tree = yaml.compose(raw.decode("utf-8"), Loader=yaml.SafeLoader)
        for field in _field_paths(document.data):
            for key in (False, True):
                fresh = load_yaml(raw, str(path)) if len(field) <= 1 else document
                found = fresh.position(field, key=key)
                assert (found.line, found.column) == _tree_position(tree, field, key), (path, field, key)


def test_a_diagnostic_deep_in_a_record_names_its_line_and_column():
    document = load_yaml(b"id: x\nauthors:\n  - family: A\n  - family: B\n    orcid: 1\n", "f.yaml")
    assert str(document.diagnostic(("authors", 1, "orcid"), "bad")) == "f.yaml:5:12: authors[1].orcid: bad"
    assert str(document.diagnostic(("authors", 1, "orcid"), "bad", key=True)) == "f.yaml:5:5: authors[1].orcid: bad"
    assert str(document.diagnostic(("doi",), "missing")) == "f.yaml:1:1: doi: missing"
    assert str(document.diagnostic(("authors",), "bad", key=True)) == "f.yaml:2:1: authors: bad"


def test_reading_leaves_the_garbage_collector_as_it_found_it():
    import gc

    assert gc.isenabled()
    load_yaml(b"a: 1\n", "f.yaml")
    with pytest.raises(YamlError):
        load_yaml(b"a: 1\na: 2\n", "f.yaml")
    assert gc.isenabled()
    gc.disable()
    try:
        load_yaml(b"a: 1\n", "f.yaml")
        assert not gc.isenabled()
    finally:
        gc.enable()
