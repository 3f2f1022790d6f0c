"""A loaded citeproc-py style compiled once, so that formatting an entry does only the work
that depends on the item.

citeproc-py formats by walking the style's lxml tree on every entry, and decides again at each
node what the style already says: each attribute read and each child visited creates an lxml
proxy, each formatter look-up walks to the root, terms, macros, the layout, localized dates and
inherited name options are found again by XPath, every ``cs:if`` re-reads and re-splits its
attributes, every ``cs:group`` recomputes ``calls_variable`` over its subtree, a failed
condition is an exception. None of that depends on the item. Compiling takes it out, in two
layers:

1. **A mirror of the tree** (:class:`Node`, built by :class:`CompiledStyle`): plain Python
   objects with the attributes in a dict and the children in a list, whose class is made of
   the methods of the citeproc-py element class (so they carry the corrections of
   :mod:`citeproc_compat`, applied first), and where every look-up that is a function of the
   style and its locales is answered once and kept: macros by name, ``calls_variable``,
   ``is_locale_date``, terms per locale, locale options, the localized date of each form, and
   each XPath citeproc-py asks of a node (evaluated on the lxml tree the first time, mapped
   to the mirror's nodes).
2. **Closures for the layout** (:class:`_Program`): ``cs:layout``, macros, ``cs:text``,
   ``cs:group`` and ``cs:choose`` become Python functions of the entry with their static
   decisions taken: which tests each branch runs (a type-only test is decided while
   building, in one program per item type, so a ``cs:choose`` keeps only the branches that
   type can take, often just one, inlined), each group's variable rule, affixes and font wrappers, terms and literal values, resolved
   macros. The text transformations (case, quotes, page ranges) stay citeproc-py's methods,
   called on the mirror node only where the element asks for them; ``cs:names``,
   ``cs:date``, ``cs:number`` and ``cs:label`` are rendered by citeproc-py's own methods on
   the mirror. What the closures restate is citeproc-py 0.11's control flow
   (``Parent.render_children``, ``Group.process``, ``Choose``/``If.render``,
   ``Text.process``/``markup``, ``Formatted.format``, ``Affixed.wrap``), each named in its
   docstring; :data:`citeproc_compat.SUPPORTED` guards the version.

citeproc-py stays the reference: ``bench/citation_matrix.py`` formats the whole style ×
locale × corpus matrix both ways in fresh processes and requires the same bytes;
``tests/test_citeproc_compiled.py`` does so on generated CSL items of every type.

Anything this module was not written for raises :class:`Unsupported`, when compiling (an
element the layout reaches that is none of citeproc-py's CSL classes, a font value citeproc-py
has no formatter for, a localized date whose calling ``cs:date`` changes its parts: citeproc-py
writes such changes into the locale's tree, so its output would depend on what was formatted
before) or while formatting (an XPath result outside the mirror). :mod:`citations` then
formats with citeproc-py itself.
"""

from __future__ import annotations

from typing import Any, Callable

from citeproc import model
from citeproc.source import VariableError
from citeproc import string as citeproc_string
from citeproc.string import String, join

from ..errors import PipelineError
from . import citeproc_compat

CSL_NS = "http://purl.org/net/xbiblio/csl"
NSMAP = {"cs": CSL_NS}


class Unsupported(PipelineError, Exception):
    """A construct the compiled form does not handle: format with citeproc-py instead.

    Deliberately not a subclass of the exceptions citeproc-py catches while it renders
    (VariableError, AttributeError, IndexError, KeyError...), so it cannot be swallowed."""


# Methods of citeproc-py's base element that read the lxml tree; the mirror answers them from
# its tables (:class:`Node`).
_TREE_METHODS = frozenset({
    "get_root", "xpath_search", "loc", "get_macro", "get_layout", "get_formatter", "get_term",
    "get_single_term", "get_plural_term", "get_date", "get_locale_option", "is_locale_date",
    "calls_variable",
})

# Elements the bibliography layout and its macros may contain, by citeproc-py class.
_RENDERED = (model.Layout, model.Text, model.Date, model.Date_Part, model.Number, model.Names,
             model.Name, model.Name_Part, model.Et_Al, model.Substitute, model.Label, model.Group,
             model.Choose, model.If, model.Else_If, model.Else, model.Macro)


class Node:
    """One CSL element of a compiled style: its attributes, children and answered look-ups.

    Read by citeproc-py's own methods (the node's class is made of them), so it offers the
    part of lxml's element interface they use: ``get``, ``attrib``, ``tag``, ``iterchildren``,
    ``getchildren``, ``getparent``, ``find``/``findall`` (``cs:name``), ``iter``, ``insert``
    and child access by attribute (citeproc-py's ``names.label``)."""

    _is_choose = False
    _is_names = False

    def __init__(self, compiled: "CompiledStyle", element: Any, parent: "Node | None", root: "Node | None"):
        self._compiled = compiled
        self._element = element  # keeps the lxml proxy (and so its id) alive
        self._parent = parent
        self._root = root if root is not None else self
        self._children: list[Node] = []
        self._first: dict[str, Node] = {}
        self._xpath: dict[str, list] = {}
        self._foreign = False  # a child citeproc-py would render that is no CSL element
        self.attrib = dict(element.attrib)
        self.get = self.attrib.get  # the hottest call: no Python frame for it
        self.tag = element.tag
        compiled._nodes[id(element)] = self

    def _add_child(self, child: "Node", index: int | None = None) -> None:
        local = child.tag.rsplit("}", 1)[-1]
        if index is None:
            self._children.append(child)
            self._first.setdefault(local, child)
        else:
            self._children.insert(index, child)
            self._first[local] = next(c for c in self._children if c.tag == child.tag)

    # --- the lxml element interface citeproc-py's methods use --------------------------------

    def getparent(self):
        return self._parent

    def iterchildren(self, *args, **kwargs):
        if args or kwargs:
            raise Unsupported(f"iterchildren{args}{kwargs}")
        return iter(self._children)

    def getchildren(self):
        return list(self._children)

    def iter(self):
        yield self
        for child in self._children:
            yield from child.iter()

    def find(self, path, namespaces=None):
        return self._first.get(_local(path))

    def findall(self, path, namespaces=None):
        tag = f"{{{CSL_NS}}}{_local(path)}"
        return [child for child in self._children if child.tag == tag]

    def insert(self, index, element):
        # Names.process inserts a default cs:name where a cs:names has none; as citeproc-py
        # does, into the style tree (lxml) too, so both stay the same tree. citeproc-py then
        # looks for it by the CSL tag, which the default one (tag "Name") lacks, so it would
        # insert another at every entry: the tree grew by one element per entry, each
        # rendered without the mirror. Here the first one answers ``.name`` from then on
        # (no attributes either way, so the same text; the first child stays a default name).
        self._element.insert(index, element)
        node = self._compiled._mirror(element, self, self._root)
        self._add_child(node, index)
        if element.tag == "Name" and self._is_names:
            self.__dict__["name"] = node

    def __getattr__(self, name):
        # lxml-objectified access (``names_context.label``): the first child of that name, or
        # None, as citeproc-py's SomewhatObjectifiedElement.__getattr__ answers.
        if name.startswith("_"):
            raise AttributeError(name)
        return self._first.get(name)

    # --- look-ups answered once (the tree methods of citeproc-py's base element) -------------

    def get_root(self):
        return self._root

    def xpath_search(self, expression):
        found = self._xpath.get(expression)
        if found is None:
            nodes = self._compiled._nodes
            found = []
            for element in self._element.xpath(expression, namespaces=NSMAP):
                node = nodes.get(id(element))
                if node is None:
                    raise Unsupported(f"XPath {expression!r} leaves the compiled tree")
                found.append(node)
            self._xpath[expression] = found
        return list(found)

    def get_macro(self, name):
        macro = self._compiled._macros.get(name) if self._root is self._compiled.root else None
        if macro is None:
            raise IndexError(name)  # what citeproc-py's XPath [0] raises
        return macro

    def get_layout(self):
        return self.xpath_search("./ancestor-or-self::cs:layout[1]")[0]

    def get_formatter(self):
        return self._compiled.formatter

    def _answer(self, method: str, *args, **kwargs):
        """citeproc-py's answer for this element's lxml twin, once per root, formatter and
        arguments (terms are preformatted by the formatter); an exception is kept and raised
        again, as citeproc-py would raise it each time."""
        compiled = self._compiled
        key = (id(self._root), method, compiled.formatter, args, tuple(sorted(kwargs.items())))
        answer = compiled._answers.get(key)
        if answer is None:
            # citeproc-py preformats terms with the formatter CitationStylesBibliography puts on
            # the style's root; without one a term's ``single`` quietly reads as None (its
            # AttributeError falls through to the element's __getattr__), so put ours there.
            compiled.loaded.root.formatter = compiled.formatter
            try:
                answer = (True, getattr(self._element, method)(*args, **kwargs))
            except Unsupported:
                raise
            except Exception as error:  # noqa: BLE001 - kept to be raised again, as is
                answer = (False, error)
            compiled._answers[key] = answer
        if answer[0]:
            return answer[1]
        raise answer[1]

    def get_term(self, name, *args, **kwargs):
        return self._answer("get_term", name, *args, **kwargs)

    def get_single_term(self, name, *args, **kwargs):
        return self._answer("get_single_term", name, *args, **kwargs)

    def get_plural_term(self, name, *args, **kwargs):
        return self._answer("get_plural_term", name, *args, **kwargs)

    def get_locale_option(self, name):
        return self._answer("get_locale_option", name)

    def get_date(self, form):
        date = self._answer("get_date", form)
        return None if date is None else self._compiled._locale_date(date)

    def is_locale_date(self):
        return self._static("is_locale_date")

    def calls_variable(self):
        return self._static("calls_variable")

    def _static(self, method: str):
        cache = self.__dict__.setdefault("_statics", {})
        if method not in cache:
            function = getattr(type(self._element), method, None)
            if function is None:
                raise AttributeError(method)
            cache[method] = function(self._element)
        return cache[method]


def _local(path: str) -> str:
    if not path.startswith("cs:") or "/" in path or "[" in path:
        raise Unsupported(f"find({path!r})")
    return path[3:]


# --- the methods that test a child's class (restated from citeproc-py 0.11 with flags) -------


def _render_children(self, item, delimiter="", **kwargs):
    """citeproc.model.Parent.render_children."""
    output = []
    for child in self._children:
        try:
            if child._is_choose:
                text = child.render(item, delimiter=delimiter, **kwargs)
            else:
                text = child.render(item, **kwargs)
            if text is not None:
                output.append(text)
        except VariableError:
            pass
    if output:
        return join(output, delimiter)
    return None


def _group_process(self, item, context=None, **kwargs):
    """citeproc.model.Group.process."""
    output = []
    variable_called = False
    variable_rendered = False
    delimiter = self.get("delimiter", "")
    for child in self._children:
        variable_called = variable_called or child.calls_variable()
        try:
            if child._is_choose:
                child_text = child.render(item, context=context, delimiter=delimiter, **kwargs)
            else:
                child_text = child.render(item, context=context, **kwargs)
            if child_text is not None:
                output.append(child_text)
                variable_rendered = variable_rendered or child.calls_variable()
        except VariableError:
            pass
    output = [text for text in output if text is not None]
    success = not variable_called or (variable_called and variable_rendered)
    if output and success:
        return self.join(output)
    raise VariableError


def _substitute_render(self, item, context=None, **kwargs):
    """citeproc.model.Substitute.render."""
    text = None  # citeproc-py: the last rendered child's text, None when none rendered
    for child in self._children:
        try:
            if child._is_names and child.name is None:
                names = self.xpath_search("./parent::cs:names[1]")[0]
                text = child.render(item, names_context=names, context=context, **kwargs)
            else:
                text = child.render(item, context=context, **kwargs)
        except VariableError:
            continue
        if text:
            self.add_to_repressed_list(child, context)
            break
    return text


def _name_option(self, name, context=None, sort_options=None):
    """citeproc.model.Name.get_option, kept per option and context: without sort options it
    reads only the style (the name's attributes, those of the context's citation or
    bibliography, the root's), and a cs:name asks for thirteen options per variable."""
    if sort_options is not None:
        return model.Name.get_option(self, name, context, sort_options)
    options = self.__dict__.get("_options")
    if options is None:
        options = self.__dict__["_options"] = {}
    key = (name, context)
    if key not in options:
        options[key] = model.Name.get_option(self, name, context, sort_options)
    return options[key]


def _name_et_al(self):
    """citeproc.model.Name.et_al (the cs:et-al sibling rendered, or the "et-al" term), kept
    per formatter: it reads only the style and its locales. Only a str is kept (immutable)."""
    memo = self.__dict__.get("_et_al")
    formatter = self._compiled.formatter
    if memo is not None and memo[0] is formatter:
        return memo[1]
    value = model.Name.et_al(self)
    if isinstance(value, str):
        self.__dict__["_et_al"] = (formatter, value)
    return value


_RESTATED: dict[type, dict[str, Callable]] = {
    model.Name: {"get_option": _name_option, "et_al": _name_et_al},
    model.Layout: {"render_children": _render_children},
    model.Macro: {"render_children": _render_children},
    model.If: {"render_children": _render_children},
    model.Else_If: {"render_children": _render_children},
    model.Else: {"render_children": _render_children},
    model.Group: {"render_children": _render_children, "process": _group_process},
    model.Substitute: {"render_children": _render_children, "render": _substitute_render},
}


def _node_class(cls: type) -> type:
    """A :class:`Node` class with the methods of citeproc-py's element class ``cls``."""
    namespace: dict[str, Any] = {}
    for base in reversed(cls.__mro__):
        if base is object or base.__module__.startswith("lxml"):
            continue
        for name, value in vars(base).items():
            if (name.startswith("__") and name.endswith("__")) or name in _TREE_METHODS:
                continue
            namespace[name] = value
    for base in reversed(cls.__mro__):
        namespace.update(_RESTATED.get(base, {}))
    namespace["_is_choose"] = issubclass(cls, model.Choose)
    namespace["_is_names"] = issubclass(cls, model.Names)
    return type(f"Compiled{cls.__name__}", (Node,), namespace)


_NODE_CLASSES: dict[type, type] = {}


def _class_for(cls: type) -> type:
    # Made after citeproc_compat.apply() (compile_style calls it first): the classes take
    # citeproc-py's methods as patched.
    if cls not in _NODE_CLASSES:
        _NODE_CLASSES[cls] = _node_class(cls)
    return _NODE_CLASSES[cls]


class CompiledStyle:
    """A loaded style (and its locales) as :class:`Node` objects; formats bibliography entries
    as ``CitationStylesBibliography.bibliography()`` does, with the same result."""

    def __init__(self, loaded: Any):
        self.loaded = loaded
        self.formatter: Any = None
        self._nodes: dict[int, Node] = {}
        self._answers: dict[tuple, tuple[bool, Any]] = {}
        self._programs: dict[Any, _Program] = {}
        self.root = self._mirror(loaded.root, None, None)
        self._macros: dict[str, Node] = {}
        for macro in self.root._children:
            if macro.tag == f"{{{CSL_NS}}}macro":
                self._macros.setdefault(macro.get("name"), macro)
        bibliography = self.root._first.get("bibliography")
        if bibliography is None or bibliography._first.get("layout") is None:
            raise Unsupported("no bibliography layout")
        self.layout = bibliography._first["layout"]
        checked: set[str] = set()
        self._check(self.layout, checked)
        for locale in loaded.root.locales:  # in-style ones are mirrored with the style already
            for date in locale.iterchildren(f"{{{CSL_NS}}}date"):
                self._check(self._locale_date(date), checked)

    def _mirror(self, element: Any, parent: Node | None, root: Node | None) -> Node:
        node = _class_for(type(element))(self, element, parent, root)
        for child in element:
            if isinstance(child, model.CitationStylesElement):
                node._add_child(self._mirror(child, node, node._root))
            else:
                node._foreign = True
        return node

    def _locale_date(self, date: Any) -> Node:
        node = self._nodes.get(id(date))
        if node is not None:
            return node
        locale_root = date.getroottree().getroot()
        root = self._nodes.get(id(locale_root))
        if root is None:
            root = _class_for(type(locale_root))(self, locale_root, None, None)
        node = self._mirror(date, root, root)
        return node

    def _check(self, node: Node, checked: set[str]) -> None:
        """Every element the layout can reach is one citeproc-py renders, and every localized
        date is called without changing its parts (see the module docstring)."""
        element = node._element
        if not isinstance(element, _RENDERED) or node._foreign:
            raise Unsupported(f"<{node.tag}> at line {element.sourceline}")
        if isinstance(element, model.Date) and not element.is_locale_date() and element.get("form") is not None:
            for part in node._children:
                if set(part.attrib) - {"name"}:
                    raise Unsupported(f"localized date with changed parts at line {element.sourceline}")
        if isinstance(element, model.Text) and not ({"variable", "macro", "term", "value"} & set(node.attrib)):
            raise Unsupported(f"<text> without content at line {element.sourceline}")
        for child in node._children:
            self._check(child, checked)
        macro = node.get("macro") if isinstance(element, model.Text) else None
        if macro is not None and macro not in checked:
            if macro not in self._macros:
                raise Unsupported(f"unknown macro {macro!r}")
            checked.add(macro)
            self._check(self._macros[macro], checked)

    def bibliography(self, items: list, formatter: Any) -> list:
        """The entries of ``items``, as ``CitationStylesBibliography.bibliography()`` gives them
        (the items registered with a CitationStylesBibliography over this style, which sets
        the formatter on the lxml root too, as citeproc-py needs for the look-ups)."""
        program = self.program(formatter)
        self.formatter = formatter
        return program.bibliography(items)

    def program(self, formatter: Any) -> "_Program":
        """The style's closures for ``formatter``, built on first use (Unsupported when the
        layout has a construct they do not handle)."""
        program = self._programs.get(formatter)
        if program is None:
            self.formatter = formatter  # terms are looked up (preformatted) while building
            program = self._programs[formatter] = _Program(self, formatter)
        return program


class _Entry:
    """What one entry's rendering reads again and again: the item, its reference, its type and
    language (Text.process), and the layout's suppressed variables (``layout.repressed``)."""

    __slots__ = ("item", "reference", "type", "language", "repressed")

    def __init__(self, item: Any, default_language: str):
        self.item = item
        reference = self.reference = item.reference
        self.type = reference.type
        try:
            self.language = reference.language[:2]
        except VariableError:
            self.language = default_language
        self.repressed: dict = {}


def _as_text(string: Any) -> Any:
    """citeproc.model.Formatted.format of a node without font attributes."""
    if isinstance(string, (int, float)):
        return str(string)
    return string


def _join(items: list, delimiter: str) -> Any:
    """citeproc.string.join (0.11.1) of a non-empty list, without the two steps that an empty
    delimiter makes no-ops (its seam test gives "", and joining "" gives the same value)."""
    seam = citeproc_string.normalize_seam  # looked up: citeproc_compat may replace it
    output = items[0]
    for item in items[1:]:
        if delimiter:
            output = output + seam(output, delimiter)
        output = output + seam(output, item)
    return output


_IDENTITY_FORMAT = {"font-style": "normal", "font-variant": "normal", "font-weight": "normal",
                    "text-decoration": "none", "vertical-align": "baseline"}
_FORMATTER_METHODS = {
    "font-style": {"italic": "Italic", "oblique": "Oblique"},
    "font-variant": {"small-caps": "SmallCaps"},
    "font-weight": {"bold": "Bold", "light": "Light"},
    "text-decoration": {"underline": "Underline"},
    "vertical-align": {"sup": "Superscript", "sub": "Subscript"},
}
_TEXT = f"{{{CSL_NS}}}text"


class _Program:
    """The layout of a compiled style as Python closures, for one formatter.

    Each closure takes an :class:`_Entry` and returns what the element's ``render`` returns in
    citeproc-py (raising VariableError where it does). Static decisions are taken here: which
    branch test each ``cs:if`` runs, what each group's ``calls_variable`` is, each node's
    affixes and font wrappers, terms and literal values, resolved macros; :meth:`for_type`
    gives the program specialized to one item type, which each entry is formatted by. The text
    transformations themselves (case, quotes, page ranges) stay citeproc-py's methods (with
    the corrections of :mod:`citeproc_compat`), called on the mirror node only where the
    element asks for them. ``cs:names``, ``cs:date``, ``cs:number`` and ``cs:label`` are
    rendered by citeproc-py's own methods on the mirror."""

    def __init__(self, compiled: CompiledStyle, formatter: Any, kind: str | None = None):
        self.compiled = compiled
        self.formatter = formatter
        self.kind = kind
        self.macros: dict[str, Callable] = {}
        self.by_type: dict[str, _Program] = {}
        self.refused: dict[str, Unsupported] = {}
        layout = compiled.layout
        self.default_language = compiled.root.get("default-locale", "en")[:2]
        if kind is None:
            # The program every entry asks for_type: only the per-type programs are run, so
            # building closures for every branch here would be work no entry uses (it was
            # half of a style's compile time).
            return
        self.layout_children = self._children(layout)
        self.layout_wrap = self._wrap(layout)
        self.layout_format = self._format(layout)

    def for_type(self, kind: str) -> "_Program":
        """This program specialized to items of type ``kind`` (built on first use): every
        ``cs:if`` that tests only the type is decided while building, so a ``cs:choose``
        keeps only the branches that can still be taken (none of the element's other
        decisions depend on the type; ``calls_variable`` is the mirror's, of the whole
        subtree, as in citeproc-py)."""
        program = self.by_type.get(kind)
        if program is None:
            refused = self.refused.get(kind)
            if refused is not None:
                raise refused  # kept: every entry of that type would build and fail again
            self.compiled.formatter = self.formatter  # terms are looked up (preformatted) while building
            try:
                program = self.by_type[kind] = _Program(self.compiled, self.formatter, kind)
            except Unsupported as error:
                self.refused[kind] = error
                raise
        return program

    def bibliography(self, items: list) -> list:
        layout = self.compiled.layout
        output = []
        for item in items:
            entry = _Entry(item, self.default_language)
            program = self.for_type(entry.type)
            layout.repressed = entry.repressed  # read and written by citeproc-py's methods too
            text = program.layout_format(program.layout_wrap(program.layout_children(entry, None)))
            if text is not None:
                output.append(text)
        return output

    # --- building blocks -------------------------------------------------------------------

    def _format(self, node: Node) -> Callable:
        """citeproc.model.Formatted.format with the node's font attributes decided."""
        wrappers = []
        for attribute, identity in _IDENTITY_FORMAT.items():
            value = node.get(attribute, identity)
            if value == identity:
                continue
            method = _FORMATTER_METHODS[attribute].get(value)
            if method is None:
                raise Unsupported(f"{attribute}={value!r}")
            wrappers.append(getattr(self.formatter, method))

        if not wrappers:
            return _as_text  # most nodes: only the number-to-text step of Formatted.format

        def format(string):
            if isinstance(string, (int, float)):
                string = str(string)
            for wrapper in wrappers:
                string = wrapper(string)
            return string

        return format

    def _wrap(self, node: Node) -> Callable:
        """citeproc.model.Affixed.wrap; without affixes it returns its argument."""
        prefix, suffix = node.get("prefix", ""), node.get("suffix", "")
        if prefix or suffix:
            def wrap_affixes(string):
                # Affixed.wrap with the affixes read once; an empty affix is skipped: ""
                # joined to a string is that string (String and MixedString return
                # themselves), and the seam test of an empty side changes nothing.
                if string is None:
                    return None
                if not isinstance(string, (str, list)):
                    return node.wrap(string)  # citeproc-py's own errors for anything else
                seam = citeproc_string.normalize_seam  # looked up: citeproc_compat may replace it
                if prefix:
                    string = prefix + seam(prefix, string)
                if suffix:
                    string = string + seam(string, suffix)
                return string

            return wrap_affixes

        def wrap(string):
            if string is None or isinstance(string, (str, list)):
                return string
            return node.wrap(string)

        return wrap

    def _render(self, node: Node) -> tuple[Callable, bool]:
        """A child's closure, and whether it takes the inherited delimiter (cs:choose)."""
        element = node._element
        if isinstance(element, model.Choose):
            return self._choose(node), True
        if isinstance(element, model.Text):
            return self._text(node), False
        if isinstance(element, model.Group):
            return self._group(node), False
        if isinstance(element, (model.Names, model.Date, model.Number, model.Label)):
            def delegated(entry, context, render=node.render):
                return render(entry.item, context=context)

            return delegated, False
        raise Unsupported(f"<{node.tag}> in a rendering position at line {element.sourceline}")

    def _children(self, node: Node) -> Callable:
        """citeproc.model.Parent.render_children over the node's children."""
        children = tuple(self._render(child) for child in node._children)
        if len(children) == 1:
            # join() of one text returns that text itself
            (only, takes_delimiter), = children

            def render_child(entry, context, delimiter=""):
                try:
                    return only(entry, context, delimiter) if takes_delimiter else only(entry, context)
                except VariableError:
                    return None

            return render_child

        def render_children(entry, context, delimiter=""):
            output = []
            for render, takes_delimiter in children:
                try:
                    text = render(entry, context, delimiter) if takes_delimiter else render(entry, context)
                except VariableError:
                    continue
                if text is not None:
                    output.append(text)
            if output:
                return _join(output, delimiter)
            return None

        return render_children

    def _macro(self, name: str) -> Callable:
        render = self.macros.get(name)
        if render is None:
            macro = self.compiled._macros[name]
            cell: list[Callable] = []
            self.macros[name] = lambda entry, context: cell[0](entry, context)  # a macro may be reached while compiling itself
            cell.append(self._children(macro))
            render = self.macros[name] = cell[0]
        return render

    # --- cs:text ---------------------------------------------------------------------------

    def _text(self, node: Node) -> Callable:
        """citeproc.model.Text.render: process, then markup."""
        attrib = node.attrib
        if "variable" in attrib:
            content = self._variable(node)
        elif "macro" in attrib:
            content = self._macro(attrib["macro"])
        elif "term" in attrib:
            term = node._term(None)
            content = lambda entry, context: term  # noqa: E731
        else:
            value = String(node.preformat(attrib["value"]))
            content = lambda entry, context: value  # noqa: E731
        strip_periods = attrib.get("strip-periods", "false").lower() == "true"
        case = node.case if attrib.get("text-case") is not None else None
        quotes = attrib.get("quotes", "false").lower() == "true"
        if not isinstance(node.get_locale_option("punctuation-in-quote"), str):
            raise Unsupported("punctuation-in-quote without a value")  # citeproc-py would fail on .lower()
        quote = node.quote if quotes else None
        format = self._format(node)
        wrap = self._wrap(node)

        def render(entry, context):
            # Text.process: a text reached without a context is its own (a macro's children
            # get it, and citeproc-py's methods on them read it).
            text = content(entry, node if context is None else context)
            if not text:
                return None
            if strip_periods:
                text = node.strip_periods(text)
            if case is not None:
                text = case(text, entry.language)
            text = format(text)
            if quote is not None:
                text = quote(text)
            return wrap(text)

        return render

    def _variable(self, node: Node) -> Callable:
        """citeproc.model.Text._variable."""
        variable = node.get("variable")
        short = node.get("form") == "short"
        short_key = (variable + "-short").replace("-", "_")

        def content(entry, context):
            name = variable
            repressed = entry.repressed
            if _TEXT in repressed and name in repressed[_TEXT]:
                return None
            reference = entry.reference
            if short and short_key in reference:
                name = variable + "-short"
            if name.startswith("page"):
                return node._process(reference.page, name)
            if name == "citation-number":
                return entry.item.number
            if name == "locator":
                en_dash = node.unicode_character("EN DASH")
                return str(entry.item.locator.identifier).replace("-", en_dash)
            return reference[name.replace("-", "_")]

        return content

    # --- cs:group --------------------------------------------------------------------------

    def _group(self, node: Node) -> Callable:
        """citeproc.model.Group.render: process (the group rule), then markup."""
        delimiter = node.get("delimiter", "")
        children = tuple((*self._render(child), child.calls_variable()) for child in node._children)
        variable_called = any(calls for _, _, calls in children)
        def join_group(output):
            # citeproc.model.Delimited.join (its bare except included) with this group's
            # delimiter read once; ``output`` holds no None here.
            try:
                return _join(output, delimiter)
            except Exception:  # noqa: BLE001 - Delimited.join gives an empty String for any error
                return String("")

        format = self._format(node)
        wrap = self._wrap(node)

        def render(entry, context):
            output = []
            variable_rendered = False
            for render_child, takes_delimiter, calls in children:
                try:
                    text = render_child(entry, context, delimiter) if takes_delimiter else render_child(entry, context)
                except VariableError:
                    continue
                if text is not None:
                    output.append(text)
                    variable_rendered = variable_rendered or calls
            if not output or (variable_called and not variable_rendered):
                raise VariableError
            text = join_group(output)
            if text:
                return wrap(format(text))
            return None

        return render

    # --- cs:choose -------------------------------------------------------------------------

    def _choose(self, node: Node) -> Callable:
        """citeproc.model.Choose.render: the first branch whose test holds."""
        branches = []
        for branch in node._children:
            element = branch._element
            if isinstance(element, (model.If, model.Else_If)):
                test = self._test(branch)
                if test is _NEVER:
                    continue  # a type test this program's type fails
                if test is _ALWAYS:
                    branches.append((None, self._children(branch)))
                    break  # the branches after it are never reached
                branches.append((test, self._children(branch)))
            elif isinstance(element, model.Else):
                branches.append((None, self._children(branch)))
                break
            else:
                raise Unsupported(f"<{branch.tag}> in cs:choose at line {element.sourceline}")
        if not branches:
            return lambda entry, context, delimiter="": None
        if branches[0][0] is None:
            return branches[0][1]  # the branch taken for every item of this type

        def render(entry, context, delimiter=""):
            for test, render_children in branches:
                if test is None or test(entry, context):
                    return render_children(entry, context, delimiter)
            return None

        return render

    def _test(self, node: Node) -> Callable:
        """citeproc.model.If.render's condition: the tests in its order, then ``match``."""
        attrib = node.attrib
        tests: list[Callable] = []
        if "type" in attrib:
            types = tuple(kind.lower() for kind in attrib["type"].split())
            tests.append(lambda entry, context: [kind == entry.type for kind in types])
        if "variable" in attrib:
            variables = tuple(name.replace("-", "_") for name in attrib["variable"].split())
            tests.append(lambda entry, context: [("locator" in entry.item) if name == "locator" else (name in entry.reference)
                                                 for name in variables])
        if "is-numeric" in attrib:
            tests.append(lambda entry, context: node._is_numeric(entry.item))
        if "is-uncertain-date" in attrib:
            tests.append(lambda entry, context: node._is_uncertain_date(entry.item))
        if "locator" in attrib:
            tests.append(lambda entry, context: node._locator(entry.item))
        if "position" in attrib:
            tests.append(lambda entry, context: node._position(entry.item, context))
        match = attrib.get("match")
        decide = any if match == "any" else (lambda results: not any(results)) if match == "none" else all
        if set(attrib) <= {"type", "match"} and "type" in attrib:
            if self.kind is not None:
                return _ALWAYS if _type_test(types, match)(_OfType(self.kind), None) else _NEVER
            return _type_test(types, match)
        if set(attrib) <= {"variable", "match"} and "variable" in attrib and "locator" not in variables:
            return _variable_test(variables, match)
        if len(tests) == 1:
            only = tests[0]
            return lambda entry, context: decide(only(entry, context))

        def test(entry, context):
            results = []
            for run in tests:
                results += run(entry, context)
            return decide(results)

        return test


# What _Program._test gives for a type test decided by the program's type.
_ALWAYS = object()
_NEVER = object()


class _OfType:
    """An entry known only by its type: what a type test reads."""

    __slots__ = ("type",)

    def __init__(self, kind: str):
        self.type = kind


def _type_test(types: tuple[str, ...], match: str | None) -> Callable:
    """A ``cs:if`` that tests only ``type``: If._type's list of comparisons, decided at once."""
    kinds = frozenset(types)
    if match == "any":
        return lambda entry, context: entry.type in kinds
    if match == "none":
        return lambda entry, context: entry.type not in kinds
    if not types:
        return lambda entry, context: True  # all([])
    if len(kinds) > 1:
        return lambda entry, context: False  # one type cannot equal two
    (kind,) = kinds
    return lambda entry, context: entry.type == kind


def _variable_test(variables: tuple[str, ...], match: str | None) -> Callable:
    """A ``cs:if`` that tests only ``variable`` (not the locator): If._variable's list of
    membership tests, decided at once."""
    if len(variables) == 1:
        (name,) = variables
        if match == "none":
            return lambda entry, context: name not in entry.reference
        return lambda entry, context: name in entry.reference
    if match == "any":
        return lambda entry, context: any(name in entry.reference for name in variables)
    if match == "none":
        return lambda entry, context: not any(name in entry.reference for name in variables)
    return lambda entry, context: all(name in entry.reference for name in variables)


def compile_style(loaded: Any) -> CompiledStyle:
    """The compiled form of a style loaded by :func:`citations.load_style` (raises
    :class:`Unsupported` when the style has a construct it does not handle)."""
    citeproc_compat.apply()
    return CompiledStyle(loaded)
