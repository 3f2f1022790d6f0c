"""Safe YAML loading that remembers where every value came from.

PyYAML's loaders throw away positions and silently keep the last of two duplicate keys. We
compose the node graph (libyaml's C composer when present), then build plain Python data
ourselves so that each value keeps its 1-based line and column, duplicate keys are errors,
aliases are refused (which also defuses alias bombs: a shared node is never expanded twice),
and only JSON-like scalar types come out.
"""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import PipelineError
from .diagnostics import Diagnostic, FieldPath, format_field

try:  # libyaml is ~7x faster; fall back silently where PyYAML was built without it
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64

# Characters XML 1.0 cannot carry (and so no output of ours could): C0 controls but tab, LF
# and CR, surrogates, U+FFFE and U+FFFF.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"


class _RecordLoader(_Loader):
    """SafeLoader's parser and composer with the resolver's per-node Python work cut to what
    SafeLoader uses. The C composer calls resolve(), descend_resolver() and ascend_resolver()
    for every node; the latter two only serve path resolvers, and resolve()'s generic form
    builds two lists per scalar to look through. Same tags for every node (the implicit
    resolvers are read from the same table, in the same order)."""

    def descend_resolver(self, current_node, current_index):
        pass

    def ascend_resolver(self):
        pass

    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, regexp in self.yaml_implicit_resolvers.get(value[:1], ()):  # '' for ''
                    if regexp.match(value):
                        return tag
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP


# Only while SafeLoader has no path resolvers and no wildcard implicit ones (it has neither;
# tests/test_located_yaml.py checks): otherwise the generic resolver decides, as before.
_COMPOSING_LOADER = _RecordLoader if not _Loader.yaml_path_resolvers and None not in _Loader.yaml_implicit_resolvers else _Loader
# The per-tag functions, called directly: SafeConstructor.construct_object() would remember
# every node it ever saw in its memo, which grew by ~33 KB per record in a long publish.
_scalar_constructor = yaml.constructor.SafeConstructor()
_SCALAR_CONSTRUCTORS = {
    _INT: yaml.constructor.SafeConstructor.construct_yaml_int,
    "tag:yaml.org,2002:float": yaml.constructor.SafeConstructor.construct_yaml_float,
    "tag:yaml.org,2002:bool": yaml.constructor.SafeConstructor.construct_yaml_bool,
    "tag:yaml.org,2002:null": yaml.constructor.SafeConstructor.construct_yaml_null,
}


@dataclass(frozen=True)
class Position:
    line: int
    column: int


@dataclass
class YamlDocument:
    """Plain data (dict/list/str/int/float/bool/None) plus what positions are looked up in.

    Positions are looked up only when a diagnostic needs one, so valid records (the common
    case) pay nothing for them: ``load_yaml`` keeps the text and where each top-level field
    stands, and composes the text's node tree again (the same nodes: same text, same
    loader) only for a position deeper down.
    """

    path: str
    data: Any
    root: Any = None  # the composed yaml.Node, None for an empty document (or until composed)
    text: str | None = None  # composed again into ``root`` when a position needs the tree
    # Where the root mapping starts, and its fields: key -> (key's line, column, value's line, column)
    top_level: tuple[tuple[int, int], dict[str, tuple[int, int, int, int]]] | None = None

    def position(self, path: FieldPath, *, key: bool = False) -> Position:
        """Where ``path`` stands (its key, with ``key=True``); for a missing field, where its
        nearest parent stands."""
        if self.root is None and self.top_level is not None and len(path) <= 1:
            start, fields = self.top_level
            found = fields.get(path[0]) if path else None
            if found is None:
                return Position(*start)
            return Position(found[0], found[1]) if key else Position(found[2], found[3])
        if self.root is None and self.text is not None:
            self.root = yaml.compose(self.text, Loader=_COMPOSING_LOADER)
        node = self.root
        if node is None:
            return Position(1, 1)
        for depth, part in enumerate(path):
            last = depth == len(path) - 1
            if isinstance(node, yaml.MappingNode):
                match = next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == part), None)
                if match is None:
                    break
                if last and key:
                    return _mark_position(match[0].start_mark)
                node = match[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                node = node.value[part]
            else:
                break
        return _mark_position(node.start_mark)

    def diagnostic(self, path: FieldPath, message: str, *, key: bool = False) -> Diagnostic:
        pos = self.position(path, key=key)
        return Diagnostic(self.path, pos.line, pos.column, format_field(path), message)


class YamlError(PipelineError):
    def __init__(self, diagnostic: Diagnostic):
        self.diagnostic = diagnostic
        super().__init__(str(diagnostic))


def _mark_position(mark) -> Position:
    return Position(mark.line + 1, mark.column + 1)


def decode(raw: bytes, path: str) -> str:
    if len(raw) > MAX_FILE_BYTES:
        raise YamlError(Diagnostic(path, 1, 1, "(record)", f"file is {len(raw)} bytes; the limit is {MAX_FILE_BYTES}"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise YamlError(Diagnostic(path, line, column, "(record)", f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8")) from None
    return text[1:] if text.startswith("\ufeff") else text


def load_yaml(raw: bytes, path: str) -> YamlDocument:
    """Parse one YAML document. Raises :class:`YamlError` with a located message."""
    text = decode(raw, path)
    # The node tree is thousands of container objects that live only while the data is built.
    # A collection in the middle would find them alive and move them to an older generation,
    # and in a worker whose heap holds the writers' styles and schemas that brings on full
    # collections (they were most of a record's read time in a publish). With the collector
    # off until the tree is freed, they are never seen by it.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load(text, path)
    finally:
        if collecting:
            gc.enable()


def _load(text: str, path: str) -> YamlDocument:
    try:
        node = yaml.compose(text, Loader=_COMPOSING_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = _mark_position(mark) if mark else Position(1, 1)
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise YamlError(_syntax_diagnostic(text, path, pos, problem)) from None
    except yaml.reader.ReaderError as exc:
        # A character YAML refuses before parsing (a raw control character): locate it.
        pos = _offset_position(text, exc.position)
        field = format_field(field_at(text, pos.line))
        message = f"contains the control character U+{exc.character:04X}, which XML cannot carry; delete it" \
            if isinstance(exc.character, int) else f"contains a character YAML cannot read ({exc.reason})"
        raise YamlError(Diagnostic(path, pos.line, pos.column, field, message)) from None
    except yaml.YAMLError as exc:
        raise YamlError(Diagnostic(path, 1, 1, "(record)", f"YAML error: {exc}")) from None
    if node is None:
        return YamlDocument(path, {})
    # The common case, a valid record, takes the quick walk; anything it is unsure of is
    # walked again by _Builder, which finds the problem and words it.
    try:
        data = _plain_data(node, check_aliases="&" in text and "*" in text,
                           check_characters="\\" in text or _XML_FORBIDDEN.search(text) is not None)
    except _Unsure:
        data = _Builder(path).build(node, (), 0)
    if type(node) is not yaml.MappingNode:
        return YamlDocument(path, data, node)
    fields = {}
    for key_node, value_node in node.value:  # scalar keys, each once: _plain_data/_Builder checked
        key_mark, value_mark = key_node.start_mark, value_node.start_mark
        fields[key_node.value] = (key_mark.line + 1, key_mark.column + 1, value_mark.line + 1, value_mark.column + 1)
    return YamlDocument(path, data, text=text, top_level=((node.start_mark.line + 1, node.start_mark.column + 1), fields))


class _Unsure(Exception):
    """_plain_data met something only _Builder may decide on (and word)."""


def _plain_data(root, *, check_aliases: bool, check_characters: bool) -> Any:
    """What ``_Builder`` builds from ``root``, for a tree it would accept; raises _Unsure
    where _Builder might refuse. Faster because it tracks no field path and skips two checks
    when the text shows they cannot fail: a node reached twice needs an alias (``*``) of an
    anchor (``&``), and a character XML cannot carry needs to be in the text or written as
    a double-quoted escape (a backslash)."""
    seen: set[int] = set()
    forbidden = _XML_FORBIDDEN.search if check_characters else None
    scalar_node, mapping_node = yaml.ScalarNode, yaml.MappingNode
    constructors, constructor = _SCALAR_CONSTRUCTORS, _scalar_constructor

    def build(node, depth: int) -> Any:
        if check_aliases:
            if id(node) in seen:
                raise _Unsure
            seen.add(id(node))
        if depth > MAX_DEPTH:
            raise _Unsure
        node_type = type(node)
        if node_type is scalar_node:
            tag = node.tag
            if tag == _STR or tag == _TIMESTAMP:
                value = node.value
                if forbidden is not None and forbidden(value):
                    raise _Unsure
                return value
            if tag == _INT and node.value.isdigit():
                return int(node.value)
            construct = constructors.get(tag)
            if construct is None:
                raise _Unsure
            return construct(constructor, node)
        depth += 1
        if node_type is mapping_node:
            if node.tag != _MAP:
                raise _Unsure
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if type(key_node) is not scalar_node or key_node.tag == _MERGE:
                    raise _Unsure
                key = key_node.value
                if key in result:
                    raise _Unsure
                result[key] = build(value_node, depth)
            return result
        if node.tag != _SEQ:
            raise _Unsure
        return [build(item, depth) for item in node.value]

    return build(root, 0)


def _offset_position(text: str, offset: int) -> Position:
    before = text[:offset]
    return Position(before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1)


_KEY = re.compile(r"(?:-\s+)?([^\s:#'\"{\[-][^:]*?|-[^\s:][^:]*?)\s*:(?:\s|$)")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def field_at(text: str, line_number: int) -> tuple:
    """The field path a block-style YAML line belongs to, read from the indentation (for
    errors found before any node exists). ``()`` when it cannot be told."""
    lines = text.split("\n")
    path: list = []
    limit = None  # only lines indented less than this can be parents
    for index in range(min(line_number, len(lines)) - 1, -1, -1):
        line = lines[index]
        stripped = line.lstrip(" ")
        if not stripped.strip() or stripped.startswith("#") or "\t" in line[: _indent(line) + 1]:
            continue
        indent = _indent(line)
        if limit is not None and indent >= limit:
            continue
        match = _KEY.match(stripped)
        if match and stripped.startswith("- ") and limit is not None and limit <= indent + 2:
            match = None  # the key after "- " is a sibling of the line below, not its parent
        if match:
            path.insert(0, match.group(1).strip())
        if stripped.startswith("- "):
            siblings = 0
            for earlier in range(index - 1, -1, -1):
                other = lines[earlier]
                if not other.strip() or other.lstrip(" ").startswith("#"):
                    continue
                if _indent(other) < indent:
                    break
                if _indent(other) == indent and other.lstrip(" ").startswith("- "):
                    siblings += 1
            path.insert(0, siblings)
        limit = indent
        if indent == 0:
            break
    return tuple(path)


def _syntax_diagnostic(text: str, path: str, pos: Position, problem: str) -> Diagnostic:
    """The parser's complaint, or what an editor did to cause it and how to fix it."""
    lines = text.split("\n")
    for number in range(pos.line, 0, -1):
        line = lines[number - 1] if number <= len(lines) else ""
        if "\t" in line[: len(line) - len(line.lstrip(" \t"))]:
            return Diagnostic(path, number, 1, "(record)",
                              f"YAML indents with spaces, not tabs (line {number}): replace the tab with spaces")
        if number < pos.line - 1:
            break
    line = lines[pos.line - 1] if pos.line <= len(lines) else ""
    colon = _unquoted_colon(line)
    if colon and ("mapping values are not allowed" in problem or "flow mapping" in problem):
        key, value = colon
        field_path = field_at(text, pos.line)
        what = "title" if "title" in field_path or key == "title" else "text"
        return Diagnostic(path, pos.line, pos.column, format_field(field_path) if field_path else "(record)",
                          f"a ': ' inside text starts a new field in YAML: put the {what} in quotes, e.g. {key}: \"{value}\"")
    return Diagnostic(path, pos.line, pos.column, "(record)", f"YAML syntax error: {problem}")


def _unquoted_colon(line: str) -> tuple[str, str] | None:
    """``  tr: Anadolu: Bir İnceleme`` -> ("tr", "Anadolu: Bir İnceleme"), also inside ``{…}``."""
    stripped = line.strip().removeprefix("- ")
    inner = stripped
    if "{" in stripped:
        inner = stripped[stripped.index("{") + 1:].rstrip("}").strip()
    key, sep, value = inner.partition(": ")
    value = value.strip()
    if not sep or not value or value[0] in "'\"{[|>" or ": " not in value:
        return None
    return key.strip(), value.rstrip("}").strip()


class _Builder:
    def __init__(self, path: str):
        self.path = path
        self.seen: set[int] = set()

    def fail(self, node, path: FieldPath, message: str) -> YamlError:
        pos = _mark_position(node.start_mark)
        return YamlError(Diagnostic(self.path, pos.line, pos.column, format_field(path), message))

    def build(self, node, path: FieldPath, depth: int) -> Any:
        if id(node) in self.seen:
            raise self.fail(node, path, "this value is reused through a YAML alias (*name); aliases are not allowed in records, write the value out")
        self.seen.add(id(node))
        if depth > MAX_DEPTH:
            raise self.fail(node, path, f"nested more than {MAX_DEPTH} levels deep")
        node_type = type(node)
        if node_type is yaml.ScalarNode:
            tag = node.tag
            if tag == _STR or tag == _TIMESTAMP:
                # Dates stay text: the schema checks their shape, the model parses partial dates.
                value = node.value
                bad = _XML_FORBIDDEN.search(value)
                if bad:
                    raise self.fail(node, path, f"contains the control character U+{ord(bad.group()):04X}, which XML cannot carry; delete it")
                return value
            if tag == _INT and node.value.isdigit():
                return int(node.value)
            construct = _SCALAR_CONSTRUCTORS.get(tag)
            if construct is None:
                raise self.fail(node, path, f"unsupported YAML tag {tag}")
            return construct(_scalar_constructor, node)
        if node_type is yaml.MappingNode:
            if node.tag != "tag:yaml.org,2002:map":
                raise self.fail(node, path, f"unsupported YAML tag {node.tag}")
            result: dict[str, Any] = {}
            first_lines: dict[str, int] = {}
            for key_node, value_node in node.value:
                if type(key_node) is not yaml.ScalarNode:
                    raise self.fail(key_node, path, "mapping keys must be plain text")
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise self.fail(key_node, path, "YAML merge keys (<<) are not allowed in records")
                # The key's text, never its YAML 1.1 reading: language code "no" stays "no".
                key = key_node.value
                if key in first_lines:
                    raise self.fail(key_node, path + (key,), f"duplicate key '{key}' (first given at line {first_lines[key]})")
                first_lines[key] = key_node.start_mark.line + 1
                result[key] = self.build(value_node, path + (key,), depth + 1)
            return result
        if node.tag != "tag:yaml.org,2002:seq":
            raise self.fail(node, path, f"unsupported YAML tag {node.tag}")
        return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]


def read_yaml_file(path: Path, display: str | None = None) -> YamlDocument:
    name = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise YamlError(Diagnostic(name, 1, 1, "(record)", f"cannot read: {exc.strerror}")) from None
    return load_yaml(raw, name)
