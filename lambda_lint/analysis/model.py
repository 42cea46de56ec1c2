"""The shared analysis of one module, built in a single pass over its tree.

It records what rules ask about: module-level bindings and what they hold,
imports and their aliases, classes and their attributes, functions and, for
each function, the operations in it (calls, stores, deletes, returns, awaits,
with-blocks, loops) together with their enclosing nodes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import libcst as cst

from .names import dotted, is_literal

CONTAINER_CONSTRUCTORS = {
    "list": "list",
    "dict": "dict",
    "set": "set",
    "bytearray": "bytearray",
    "collections.deque": "deque",
    "collections.defaultdict": "defaultdict",
    "collections.OrderedDict": "OrderedDict",
    "collections.Counter": "Counter",
}


@dataclass
class Site:
    """One operation inside a function, with the nodes that enclose it (outermost first)."""

    node: cst.CSTNode
    ancestors: tuple
    function: "Function"
    order: int = 0  # position in the module's walk: program order for flow-sensitive questions

    @property
    def parent(self) -> Optional[cst.CSTNode]:
        return self.ancestors[-1] if self.ancestors else None

    @property
    def statement(self) -> cst.CSTNode:
        """The innermost simple or compound statement holding this operation."""
        for node in reversed(self.ancestors):
            if isinstance(node, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
                return node
        return self.node


@dataclass
class Binding:
    """A name bound at module scope (also inside a module-level if/try)."""

    name: str
    value: Optional[cst.CSTNode]  # the assigned expression, or the def/class/import node
    kind: str  # container | call | constant | function | class | import | other
    container: Optional[str] = None  # list, dict, set, deque, ... when kind == container
    call: Optional[str] = None  # qualified callee when kind == call
    anchor: Optional[cst.CSTNode] = None  # node whose line is "where it was bound"


@dataclass
class ImportedName:
    module: str  # absolute or relative (leading dots) module path
    name: Optional[str]  # attribute imported from it, None for ``import x``

    @property
    def qualified(self) -> str:
        return f"{self.module}.{self.name}" if self.name else self.module


@dataclass
class ClassInfo:
    name: str
    node: cst.ClassDef
    module: "ModuleModel"
    bases: List[str] = field(default_factory=list)
    attributes: Dict[str, Binding] = field(default_factory=dict)
    methods: Dict[str, "Function"] = field(default_factory=dict)

    def self_assignments(self) -> list:
        """(method, attribute, value) for every ``self.attr = value`` in the class's methods."""
        out = []
        for method in self.methods.values():
            if not method.params:
                continue
            for site in method.stores:
                value = getattr(site.node, "value", None)
                if value is None or isinstance(site.node, cst.AugAssign):
                    continue
                for target in store_targets(site.node):
                    if (
                        isinstance(target, cst.Attribute)
                        and isinstance(target.value, cst.Name)
                        and target.value.value == method.params[0]
                    ):
                        out.append((method, target.attr.value, value))
        return out

    def attribute_values(self, attr: str) -> list:
        """(method, value) for every ``self.<attr> = value``."""
        return [(method, value) for method, name, value in self.self_assignments() if name == attr]

    def instance_assigned(self) -> set:
        """Attributes rebound per instance (``self.x = ...`` in any method)."""
        return {name for _, name, _ in self.self_assignments()}


@dataclass
class Function:
    name: str
    qualname: str
    node: cst.CSTNode  # FunctionDef, or the Module for module scope
    module: "ModuleModel"
    cls: Optional[ClassInfo] = None
    parent: Optional["Function"] = None
    is_async: bool = False
    params: List[str] = field(default_factory=list)
    calls: List[Site] = field(default_factory=list)
    stores: List[Site] = field(default_factory=list)
    deletes: List[Site] = field(default_factory=list)
    returns: List[Site] = field(default_factory=list)
    awaits: List[Site] = field(default_factory=list)
    withs: List[Site] = field(default_factory=list)
    loops: List[Site] = field(default_factory=list)
    names: Dict[str, List[Site]] = field(default_factory=dict)
    global_names: set = field(default_factory=set)
    nested: Dict[str, "Function"] = field(default_factory=dict)

    @property
    def decorators(self) -> list:
        return list(getattr(self.node, "decorators", ()))

    @property
    def is_module_scope(self) -> bool:
        return isinstance(self.node, cst.Module)

    @property
    def body_statements(self) -> list:
        body = self.node.body
        return list(body.body) if isinstance(body, cst.IndentedBlock) else [body]

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other


def store_targets(node: cst.CSTNode) -> list:
    if isinstance(node, cst.Assign):
        out = []
        for t in node.targets:
            out.extend(flatten_target(t.target))
        return out
    if isinstance(node, (cst.AugAssign, cst.AnnAssign)):
        return [node.target]
    return []


def assigned_values(fn: "Function", name: str) -> list:
    """The values of the assignments in ``fn`` whose targets include the plain name ``name``."""
    out = []
    for site in fn.stores:
        node = site.node
        value = getattr(node, "value", None)
        if value is None or isinstance(node, cst.AugAssign):
            continue
        if any(isinstance(t, cst.Name) and t.value == name for t in store_targets(node)):
            out.append(value)
    return out


def values_bound_to(fn: "Function", name: str) -> list:
    """(value, element index or None) for each assignment in ``fn`` that binds ``name``,
    and each ``with ... as name`` (the context manager expression). For ``a, b = value``
    the index says which element of ``value`` the name takes."""
    out = []
    for site in fn.stores:
        node = site.node
        value = getattr(node, "value", None)
        if value is None or isinstance(node, cst.AugAssign):
            continue
        targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
        for target in targets:
            if isinstance(target, cst.Name):
                if target.value == name:
                    out.append((value, None))
            elif isinstance(target, (cst.Tuple, cst.List)):
                for i, element in enumerate(target.elements):
                    if any(isinstance(t, cst.Name) and t.value == name for t in flatten_target(element.value)):
                        out.append((value, i))
    for site in fn.withs:
        for item in site.node.items:
            if item.asname is not None and isinstance(item.asname.name, cst.Name) and item.asname.name.value == name:
                out.append((item.item, None))
    return out


def flatten_target(target: cst.CSTNode) -> list:
    """The names/attributes/subscripts an assignment target binds (``a, (b, *c)`` -> a, b, c)."""
    if isinstance(target, (cst.Tuple, cst.List)):
        out = []
        for el in target.elements:
            out.extend(flatten_target(el.value))
        return out
    if isinstance(target, cst.StarredElement):
        return flatten_target(target.value)
    return [target]


def local_names(fn: Function) -> set:
    """Names local to ``fn`` (assigned in it and not declared ``global``)."""
    names = set(fn.params)
    for site in fn.stores:
        for target in store_targets(site.node):
            if isinstance(target, cst.Name):
                names.add(target.value)
            elif isinstance(target, (cst.Tuple, cst.List)):
                names.update(t.value for t in flatten_target(target) if isinstance(t, cst.Name))
    for site in fn.loops:
        names.update(t.value for t in flatten_target(site.node.target) if isinstance(t, cst.Name))
    for site in fn.withs:
        for item in site.node.items:
            if item.asname is not None and isinstance(item.asname.name, cst.Name):
                names.add(item.asname.name.value)
    names.update(fn.nested)
    return names - fn.global_names


def param_names(params: cst.Parameters) -> list:
    names = [p.name.value for p in params.posonly_params]
    names += [p.name.value for p in params.params]
    if isinstance(params.star_arg, cst.Param):
        names.append(params.star_arg.name.value)
    names += [p.name.value for p in params.kwonly_params]
    if params.star_kwarg is not None:
        names.append(params.star_kwarg.name.value)
    return names


class ModuleModel:
    """Everything rules ask about one module. Build with :func:`build_model`."""

    def __init__(self, path: str, module: cst.Module, name: str = ""):
        self.path = path
        self.module = module
        self.name = name  # dotted module name within the project, if known
        self.imports: Dict[str, ImportedName] = {}
        self.bindings: Dict[str, List[Binding]] = {}
        self.classes: Dict[str, ClassInfo] = {}
        self.functions: Dict[str, Function] = {}  # module-level functions by name
        self.all_functions: List[Function] = []
        self.scope = Function("<module>", "<module>", module, self)
        self._positions = None

    # -- questions rules ask ---------------------------------------------
    def qualify(self, expr: cst.CSTNode) -> Optional[str]:
        """Resolve a Name/Attribute through the imports: ``b3.client`` -> ``boto3.client``."""
        name = dotted(expr)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        imported = self.imports.get(head)
        if imported is None:
            return name
        base = imported.qualified
        return f"{base}.{rest}" if rest else base

    def binding(self, name: str) -> Optional[Binding]:
        """The module-level binding of ``name`` (a container wins over other kinds)."""
        found = self.bindings.get(name)
        if not found:
            return None
        for b in found:
            if b.kind == "container":
                return b
        return found[0]

    def is_module_level(self, name: str) -> bool:
        return name in self.bindings

    def line_of(self, node: cst.CSTNode) -> int:
        return self.positions.line_of(node)

    @property
    def positions(self):
        if self._positions is None:
            from .positions import Positions

            self._positions = Positions(self.module)
        return self._positions

    def classify(self, value: cst.CSTNode) -> tuple:
        """(kind, container, call) for a value bound to a name."""
        if isinstance(value, (cst.List, cst.ListComp)):
            return ("container", "list", None)
        if isinstance(value, (cst.Dict, cst.DictComp)):
            return ("container", "dict", None)
        if isinstance(value, (cst.Set, cst.SetComp)):
            return ("container", "set", None)
        if isinstance(value, cst.Call):
            qualified = self.qualify(value.func)
            if qualified in CONTAINER_CONSTRUCTORS and not (
                "." not in qualified and qualified in self.bindings
            ):
                return ("container", CONTAINER_CONSTRUCTORS[qualified], qualified)
            return ("call", None, qualified)
        if is_literal(value) or isinstance(value, (cst.FormattedString, cst.BinaryOperation)):
            return ("constant", None, None)
        return ("other", None, None)


class FastVisitor(cst.CSTVisitor):
    """A CSTVisitor without the per-field ``visit_<Node>_<field>`` look-ups,
    which cost as much as the rest of a visit and that no visitor here uses."""

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        pass

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        pass


class _Indexer(FastVisitor):
    """The single pass that fills a :class:`ModuleModel`."""

    def __init__(self, model: ModuleModel):
        super().__init__()
        self.model = model
        self.function = model.scope
        self.classes: List[Optional[ClassInfo]] = [None]
        self.stack: list = []
        self.order = 0

    # Generic bookkeeping: the stack of enclosing nodes within the current function.
    def on_visit(self, node: cst.CSTNode) -> bool:
        self.stack.append(node)
        handler = _VISITORS.get(type(node))
        if handler is not None and handler(self, node) is False:
            return False
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.stack.pop()
        if type(original_node) is cst.ClassDef:
            self.classes.pop()

    def walk(self, node: cst.CSTNode) -> None:
        """``node.visit(self)`` without libcst rebuilding every node it visits
        (which costs about half a parse): the same nodes, in the same order, with
        the same on_visit/on_leave calls, except for whitespace and punctuation,
        where there is nothing to record (see :func:`_child_fields`)."""
        if self.on_visit(node):
            fields = _child_fields(type(node))
            if fields is None:
                node._visit_and_replace_children(self)  # no source to read the order from
            else:
                kinds = _KINDS
                for name in fields:
                    value = getattr(node, name)
                    kind = kinds.get(type(value)) or _kind(type(value))
                    if kind == _WALK:
                        self.walk(value)
                    elif kind == _SEQUENCE:
                        for child in value:
                            if (kinds.get(type(child)) or _kind(type(child))) == _WALK:
                                self.walk(child)
        self.on_leave(node)

    def _site(self, node, bucket) -> Site:
        self.order += 1
        site = Site(node, tuple(self.stack[:-1]), self.function, self.order)
        bucket.append(site)
        return site

    # Node handlers -------------------------------------------------------
    def _function_def(self, node: cst.FunctionDef):
        outer = self.function
        cls = self.classes[-1] if self._in_class_body() else None
        if cls is not None:
            qualname = f"{cls.name}.{node.name.value}"
        elif outer.is_module_scope:
            qualname = node.name.value
        else:
            qualname = f"{outer.qualname}.{node.name.value}"
        fn = Function(
            name=node.name.value,
            qualname=qualname,
            node=node,
            module=self.model,
            cls=cls,
            parent=None if outer.is_module_scope else outer,
            is_async=node.asynchronous is not None,
            params=param_names(node.params),
        )
        self.model.all_functions.append(fn)
        if cls is not None:
            cls.methods[fn.name] = fn
        elif outer.is_module_scope:
            self.model.functions[fn.name] = fn
            self._bind(fn.name, node, "function")
        else:
            outer.nested[fn.name] = fn
        # Decorators and defaults are evaluated in the enclosing scope.
        for deco in node.decorators:
            self.walk(deco)
        self.walk(node.params)
        saved_stack = self.stack
        self.function, self.stack = fn, []
        self.walk(node.body)
        self.function, self.stack = outer, saved_stack
        return False

    def _in_class_body(self) -> bool:
        # The nearest ClassDef enclosing the current node, with no function in between.
        for node in reversed(self.stack[:-1]):
            if isinstance(node, cst.ClassDef):
                return True
            if isinstance(node, (cst.FunctionDef, cst.Lambda)):
                return False
        return False

    def _class_def(self, node: cst.ClassDef):
        info = ClassInfo(
            name=node.name.value,
            node=node,
            module=self.model,
            bases=[b for b in (self.model.qualify(a.value) for a in node.bases) if b],
        )
        if self.function.is_module_scope and not self._in_class_body():
            self.model.classes[info.name] = info
            self._bind(info.name, node, "class")
        self.classes.append(info)
        return True

    def _call(self, node: cst.Call):
        self._site(node, self.function.calls)

    def _assign(self, node):
        self._site(node, self.function.stores)
        if self.function.is_module_scope:
            self._module_assign(node)

    def _del(self, node):
        self._site(node, self.function.deletes)

    def _return(self, node):
        self._site(node, self.function.returns)

    def _await(self, node):
        self._site(node, self.function.awaits)

    def _with(self, node):
        self._site(node, self.function.withs)

    def _loop(self, node):
        self._site(node, self.function.loops)

    def _name(self, node: cst.Name):
        parent = self.stack[-2] if len(self.stack) > 1 else None
        if parent is not None and _NAME_NOT_A_READ.get(type(parent)) is not None:
            if getattr(parent, _NAME_NOT_A_READ[type(parent)]) is node:
                return
        self.order += 1
        site = Site(node, tuple(self.stack[:-1]), self.function, self.order)
        self.function.names.setdefault(node.value, []).append(site)

    def _global(self, node: cst.Global):
        for item in node.names:
            self.function.global_names.add(item.name.value)

    def _import(self, node: cst.Import):
        for alias in node.names:
            full = dotted(alias.name)
            if full is None:
                continue
            if alias.asname is not None:
                local = alias.asname.name.value
                self.model.imports[local] = ImportedName(full, None)
            else:
                local = full.split(".")[0]
                self.model.imports.setdefault(local, ImportedName(local, None))
                # ``import a.b`` also makes ``a.b`` reachable; remember the deepest.
                self.model.imports.setdefault(full, ImportedName(full, None))
            if self.function.is_module_scope:
                self._bind(local, node, "import")
        return False

    def _import_from(self, node: cst.ImportFrom):
        level = "." * len(node.relative)
        base = dotted(node.module) if node.module is not None else ""
        module = level + (base or "")
        if isinstance(node.names, cst.ImportStar):
            return False
        for alias in node.names:
            name = dotted(alias.name)
            local = alias.asname.name.value if alias.asname is not None else name
            self.model.imports[local] = ImportedName(module, name)
            if self.function.is_module_scope:
                self._bind(local, node, "import")
        return False

    # Module-level bindings ----------------------------------------------
    def _bind(self, name, value, kind, container=None, call=None, anchor=None):
        self.model.bindings.setdefault(name, []).append(
            Binding(name, value, kind, container, call, anchor if anchor is not None else value)
        )

    def _module_assign(self, node):
        value = getattr(node, "value", None)
        if isinstance(node, cst.AugAssign) or value is None:
            return
        in_class = self._in_class_body()
        cls = self.classes[-1]
        for target in store_targets(node):
            if not isinstance(target, cst.Name):
                continue
            if isinstance(node, cst.Assign) and len(store_targets(node)) > 1:
                kind, container, call = ("other", None, None)
            else:
                kind, container, call = self.model.classify(value)
            if in_class and cls is not None:
                cls.attributes[target.value] = Binding(target.value, value, kind, container, call, node)
            elif not in_class:
                self._bind(target.value, value, kind, container, call, anchor=node)


# Names that are labels, not variables: ``x.attr``, ``f(kw=...)``, ``def name``.
_NAME_NOT_A_READ = {
    cst.Attribute: "attr",
    cst.Arg: "keyword",
    cst.Param: "name",
    cst.FunctionDef: "name",
    cst.ClassDef: "name",
}

_VISITORS = {
    cst.FunctionDef: _Indexer._function_def,
    cst.ClassDef: _Indexer._class_def,
    cst.Call: _Indexer._call,
    cst.Assign: _Indexer._assign,
    cst.AugAssign: _Indexer._assign,
    cst.AnnAssign: _Indexer._assign,
    cst.Del: _Indexer._del,
    cst.Return: _Indexer._return,
    cst.Await: _Indexer._await,
    cst.With: _Indexer._with,
    cst.For: _Indexer._loop,
    cst.CompFor: _Indexer._loop,
    cst.Name: _Indexer._name,
    cst.Global: _Indexer._global,
    cst.Import: _Indexer._import,
    cst.ImportFrom: _Indexer._import_from,
}


# Nodes that hold only whitespace, comments or punctuation: never an operation,
# a name, or the ancestor of one.
_NOTHING_TO_RECORD = frozenset(
    cls
    for cls in vars(cst).values()
    if isinstance(cls, type)
    and issubclass(cls, cst.CSTNode)
    and issubclass(cls, (
        cst.SimpleWhitespace, cst.ParenthesizedWhitespace, cst.TrailingWhitespace, cst.EmptyLine, cst.Newline,
        cst.Comment, cst.LeftParen, cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket,
        cst.LeftCurlyBrace, cst.RightCurlyBrace, cst.Comma, cst.Semicolon, cst.Colon, cst.Dot, cst.AssignEqual,
        cst.BaseBinaryOp, cst.BaseBooleanOp, cst.BaseCompOp, cst.BaseUnaryOp, cst.BaseAugOp, cst.ImportStar,
    ))
)
_WALK, _SKIP, _SEQUENCE = 1, 2, 3
_KINDS: Dict[type, int] = {}  # what the walk does with a field value of this type


def _kind(t: type) -> int:
    if issubclass(t, cst.CSTNode):
        kind = _SKIP if t in _NOTHING_TO_RECORD else _WALK
    elif issubclass(t, (tuple, list)):
        kind = _SEQUENCE
    else:
        kind = _SKIP
    _KINDS[t] = kind
    return kind


_CHILD_FIELDS: Dict[type, Optional[tuple]] = {}
_VISIT_CALL = re.compile(r"\bvisit_\w+\(\s*self\s*,\s*[\"'](\w+)[\"']")


def _child_fields(cls: type) -> Optional[tuple]:
    """The fields of ``cls`` in the order libcst visits them, read once from its
    ``_visit_and_replace_children`` (None if its source cannot be read)."""
    try:
        return _CHILD_FIELDS[cls]
    except KeyError:
        pass
    import inspect

    method = next((k.__dict__["_visit_and_replace_children"] for k in cls.__mro__
                   if "_visit_and_replace_children" in k.__dict__), None)
    try:
        fields = tuple(dict.fromkeys(_VISIT_CALL.findall(inspect.getsource(method))))
    except (OSError, TypeError):
        fields = None
    _CHILD_FIELDS[cls] = fields
    return fields


def build_model(path: str, module: cst.Module, name: str = "") -> ModuleModel:
    model = ModuleModel(path, module, name)
    _Indexer(model).walk(module)
    return model
