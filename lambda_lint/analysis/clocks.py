"""Wall-clock readings taken once per environment and used as "now" (LAM107).

Three shapes: a module-level (or class-level) binding computed at import from a
clock reading, read on the warm path; a clock reading in a default argument of a
warm-path function; a clock reading as the default of a dataclass/attrs field of
a class the warm path instantiates. Names that say they are an initialisation
time (``COLD_START_AT``, ``INIT_TS``) and age or expiry arithmetic against a
fresh reading are not "now".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Optional

import libcst as cst

from . import apis
from .model import ClassInfo, Function, ModuleModel, Site, store_targets
from .names import positional_args


@dataclass
class FrozenClock:
    """A name whose value was read from the clock at import time."""

    name: str  # NAME, or Class.NAME
    anchor: cst.CSTNode
    line: int
    cls: Optional[ClassInfo] = None
    module: str = ""  # the project module that binds it, when it is imported from another one


@dataclass
class ClockUse:
    kind: str  # read | default | field
    node: cst.CSTNode  # what is reported: the reading statement, the def's name, the field statement
    clock: Optional[FrozenClock] = None
    detail: str = ""  # the clock call as written (defaults and fields), or the parameter name


def clock_call(model: ModuleModel, expr: cst.CSTNode) -> Optional[cst.Call]:
    """The first wall-clock reading evaluated by ``expr`` itself (not inside a lambda or a nested scope)."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.Lambda, cst.FunctionDef, cst.ClassDef)):
            continue
        if isinstance(node, cst.Call) and is_clock_reading(model, node):
            return node
        stack.extend(reversed(node.children))
    return None


def is_clock_reading(model: ModuleModel, call: cst.Call) -> bool:
    name = model.qualify(call.func)
    if name is None:
        return False
    if name in apis.WALL_CLOCKS:
        return True
    if name in apis.WALL_CLOCKS_WITHOUT_ARGUMENT:
        return len(positional_args(call)) <= apis.WALL_CLOCKS_WITHOUT_ARGUMENT[name] and not any(
            a.keyword is not None for a in call.args)
    return False


def names_init_time(name: str) -> bool:
    """One of the identifier's words marks an initialisation time (``COLD_START_AT``, ``bootedAt``)."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower().split("_")
    return any(w in apis.INIT_TIME_WORDS for w in words)


def frozen_clocks(model: ModuleModel) -> Dict[str, FrozenClock]:
    """Module-level names computed at import from a clock reading, directly or through other such names."""
    found: Dict[str, FrozenClock] = {}
    for _ in range(4):
        grew = False
        for name, bindings in model.bindings.items():
            if name in found or len(bindings) != 1 or names_init_time(name):
                continue
            binding = bindings[0]
            value = binding.value
            if not isinstance(value, cst.BaseExpression) or binding.kind in ("function", "class", "import"):
                continue
            if _from_clock(model, value, found):
                anchor = binding.anchor if binding.anchor is not None else value
                found[name] = FrozenClock(name, anchor, model.line_of(anchor))
                grew = True
        if not grew:
            break
    return found


def _from_clock(model: ModuleModel, value: cst.CSTNode, known: dict) -> bool:
    if clock_call(model, value) is not None:
        return True
    if not known:
        return False
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.Lambda, cst.FunctionDef)):
            continue
        if isinstance(node, cst.Name) and node.value in known:
            return True
        if isinstance(node, cst.Attribute):
            stack.append(node.value)
            continue
        stack.extend(node.children)
    return False


def class_clocks(cls: ClassInfo) -> Dict[str, FrozenClock]:
    out = {}
    for attr, binding in cls.attributes.items():
        if names_init_time(attr) or not isinstance(binding.value, cst.BaseExpression):
            continue
        if is_dataclass(cls):
            continue  # a dataclass attribute with a default is a field, reported at instantiation
        if clock_call(cls.module, binding.value) is not None:
            anchor = binding.anchor if binding.anchor is not None else binding.value
            out[attr] = FrozenClock(f"{cls.name}.{attr}", anchor, cls.module.line_of(anchor), cls)
    return out


def is_dataclass(cls: ClassInfo) -> bool:
    for deco in cls.node.decorators:
        expr = deco.decorator
        name = cls.module.qualify(expr.func if isinstance(expr, cst.Call) else expr)
        if name in apis.DATACLASS_DECORATORS:
            return True
    return False


def clock_uses(ctx) -> List[ClockUse]:
    cached = ctx.__dict__.get("_clock_uses")
    if cached is not None:
        return cached
    uses: List[ClockUse] = []
    frozen = _frozen_in(ctx, ctx.model)
    classes = {name: class_clocks(cls) for name, cls in ctx.model.classes.items()}
    for fn in ctx.warm_functions:
        if fn.is_module_scope:
            continue
        uses.extend(_reads(ctx, fn, frozen, classes))
        uses.extend(_defaults(ctx, fn))
    uses.extend(_fields(ctx))
    ctx.__dict__["_clock_uses"] = uses
    return uses


def _frozen_in(ctx, model: ModuleModel) -> Dict[str, FrozenClock]:
    """The frozen clocks of a module that its warm path never rebinds (once per module and check)."""
    store = ctx.analysis.__dict__.setdefault("_frozen_clocks", {})
    if model.path not in store:
        rebound = _rebound_names(ctx, model)
        store[model.path] = {n: c for n, c in frozen_clocks(model).items() if n not in rebound}
    return store[model.path]


def _rebound_names(ctx, model: ModuleModel) -> set:
    out = set()
    for fn in ctx.project.warm:
        if fn.module is not model or not fn.global_names:
            continue
        for site in fn.stores:
            for target in store_targets(site.node):
                if isinstance(target, cst.Name) and target.value in fn.global_names:
                    out.add(target.value)
    return out


def _reads(ctx, fn: Function, frozen: dict, classes: dict) -> List[ClockUse]:
    out = []
    seen = set()
    for name, sites in fn.names.items():
        if name in frozen and ctx.module_binding(fn, name) is not None:
            for site in sites:
                _add_read(ctx, fn, site, site.node, frozen[name], out, seen)
        elif name in ctx.model.imports and name not in frozen:
            clock = _imported_clock(ctx, fn, name)
            if clock is not None:
                for site in sites:
                    _add_read(ctx, fn, site, site.node, clock, out, seen)
        elif name in classes and classes[name] and name not in ctx.locals_of(fn):
            for site in sites:
                parent = site.parent
                if isinstance(parent, cst.Attribute) and parent.value is site.node and parent.attr.value in classes[name]:
                    _add_read(ctx, fn, site, parent, classes[name][parent.attr.value], out, seen)
    return out


def _imported_clock(ctx, fn: Function, name: str) -> Optional[FrozenClock]:
    """``from config import TODAY``: a frozen clock bound in another project module."""
    from .holders import held

    found = held(ctx, fn, name)
    if found is None or found.model is ctx.model:
        return None
    clock = _frozen_in(ctx, found.model).get(found.name)
    if clock is None:
        return None
    return FrozenClock(clock.name, clock.anchor, clock.line, clock.cls, found.model.name or found.model.path)


def _add_read(ctx, fn: Function, site: Site, expr, clock: FrozenClock, out: list, seen: set) -> None:
    if _age_arithmetic(ctx, fn, site, expr):
        return
    statement = _reading_statement(site)
    if id(statement) in seen:
        return
    seen.add(id(statement))
    out.append(ClockUse("read", statement, clock))


def _reading_statement(site: Site) -> cst.CSTNode:
    """The statement whose line is reported: the small statement, or the header of a compound one."""
    for node in reversed(site.ancestors):
        if isinstance(node, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
            return node
    return site.node


def _age_arithmetic(ctx, fn: Function, site: Site, expr) -> bool:
    """``time.time() - T0`` or ``datetime.now(tz) > DEADLINE`` (also through ``T0.timestamp()``):
    the other operand is a fresh reading, so the value is used as a point in the past, not as now."""
    chain = list(site.ancestors)
    if expr is not site.node and chain and chain[-1] is expr:
        chain.pop()
    child = expr
    # ``DEADLINE.timestamp()``, ``T0.date()``: still the frozen instant
    while chain:
        parent = chain[-1]
        if isinstance(parent, cst.Attribute) and parent.value is child:
            child = chain.pop()
        elif isinstance(parent, cst.Call) and parent.func is child:
            child = chain.pop()
        else:
            break
    parent = chain[-1] if chain else None
    if isinstance(parent, cst.BinaryOperation) and isinstance(parent.operator, cst.Subtract):
        other = parent.left if parent.right is child else parent.right
        return _fresh(ctx, fn, other)
    if isinstance(parent, cst.Comparison):
        operands = [parent.left] + [c.comparator for c in parent.comparisons]
        return any(_fresh(ctx, fn, o) for o in operands if o is not child)
    if isinstance(parent, cst.ComparisonTarget) and len(chain) > 1 and isinstance(chain[-2], cst.Comparison):
        comparison = chain[-2]
        operands = [comparison.left] + [c.comparator for c in comparison.comparisons]
        return any(_fresh(ctx, fn, o) for o in operands if o is not child)
    return False


def _fresh(ctx, fn: Function, expr) -> bool:
    """A clock reading taken in this invocation: a call, or a local assigned from one."""
    if clock_call(ctx.model, expr) is not None:
        return True
    if isinstance(expr, cst.Name) and expr.value in ctx.locals_of(fn):
        values = [getattr(s.node, "value", None) for s in fn.stores
                  if any(isinstance(t, cst.Name) and t.value == expr.value for t in store_targets(s.node))]
        return bool(values) and all(v is not None and clock_call(ctx.model, v) is not None for v in values)
    return False


def _defaults(ctx, fn: Function) -> List[ClockUse]:
    node = fn.node
    if not isinstance(node, cst.FunctionDef):
        return []
    params = node.params
    positional = list(params.posonly_params) + list(params.params)
    for param in positional + list(params.kwonly_params):
        if param.default is None or names_init_time(param.name.value):
            continue
        call = clock_call(ctx.model, param.default)
        if call is None:
            continue
        index = positional.index(param) if param in positional else None
        if _always_passed(ctx, fn, param.name.value, index):
            continue
        return [ClockUse("default", node.name, None, param.name.value)]
    return []


def _always_passed(ctx, fn: Function, name: str, index: Optional[int]) -> bool:
    """Every warm-path call of ``fn`` that can be found passes the argument, so the default is never
    used (a function called only through a dispatch the analysis does not see still counts as using it)."""
    from .flow import warm_calls_of

    calls = warm_calls_of(ctx, fn)
    if not calls:
        return False
    offset = 1 if fn.cls is not None and fn.params and fn.params[0] in ("self", "cls") else 0
    for _, site in calls:
        args = site.node.args
        if any(a.star for a in args):
            continue  # ``*args``/``**kwargs``: cannot tell, assume it is passed
        if any(a.keyword is not None and a.keyword.value == name for a in args):
            continue
        given = len([a for a in args if a.keyword is None])
        if index is not None and given + offset > index:
            continue
        return False
    return True


def _fields(ctx) -> List[ClockUse]:
    out = []
    instantiated = _instantiated_classes(ctx)
    for cls in ctx.model.classes.values():
        if id(cls.node) not in instantiated or not is_dataclass(cls):
            continue
        for stmt in _body_statements(cls.node):
            for small in stmt.body if isinstance(stmt, cst.SimpleStatementLine) else ():
                if not isinstance(small, cst.AnnAssign) or small.value is None:
                    continue
                target = small.target
                if not isinstance(target, cst.Name) or names_init_time(target.value):
                    continue
                default = _field_default(cls.module, small.value)
                if default is not None and clock_call(cls.module, default) is not None:
                    out.append(ClockUse("field", small, None, f"{cls.name}.{target.value}"))
    return out


def _field_default(model: ModuleModel, value) -> Optional[cst.CSTNode]:
    """The default a field is given once, at class creation: the value itself, or ``field(default=...)``
    (``default_factory`` runs per instance and is fine)."""
    if isinstance(value, cst.Call) and model.qualify(value.func) in apis.FIELD_FUNCTIONS:
        for arg in value.args:
            if arg.keyword is not None and arg.keyword.value == "default":
                return arg.value
        return None
    return value


def _body_statements(node: cst.ClassDef) -> list:
    body = node.body
    return list(body.body) if isinstance(body, cst.IndentedBlock) else []


def _instantiated_classes(ctx) -> set:
    store = ctx.analysis.__dict__
    if "_instantiated_classes" not in store:
        found = set()
        project = ctx.project
        for fn in project.warm:
            for site in fn.calls:
                func = site.node.func
                if not isinstance(func, (cst.Name, cst.Attribute)):
                    continue
                try:
                    target = project.resolve_expr(fn, func)
                except RecursionError:
                    continue
                if isinstance(target, ClassInfo):
                    found.add(id(target.node))
        store["_instantiated_classes"] = found
    return store["_instantiated_classes"]
