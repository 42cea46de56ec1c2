"""Writes into state that outlives the invocation, found once per module for LAM101-LAM105.

A write is one operation on the warm path that changes a module-level
container, rebinds a module-level name, sets an attribute of a module-level
object, or mutates a class-level attribute. Module-level state is reached
directly and indirectly:

- a container imported from another project module (``from state import sessions``);
- a plain alias (``headers = HEADERS``, then ``headers[k] = v``);
- an object taken out of a module-level registry (``exporter = EXPORTERS[fmt]``,
  then ``exporter.requested_by = user``): only request data stored there is
  reported (LAM103), because the registry's values are often per-key records
  that are meant to be updated;
- the attributes of a module-level instance of a project class (``tally = Tally()``,
  then ``tally.seen.append(x)`` or ``self.seen.append(x)`` in its methods), when
  the class is never instantiated inside a function (otherwise ``self`` may be a
  per-invocation instance, and the method's writes cannot be attributed).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional

import libcst as cst

from .apis import CONTAINER_MUTATORS
from .context import Context
from .model import CONTAINER_CONSTRUCTORS, Binding, ClassInfo, Function, ModuleModel, Site, store_targets
from .names import is_literal


@dataclass
class StateWrite:
    # container | global | object-attribute | object-container | element | class-attribute
    kind: str
    site: Site
    node: cst.CSTNode  # what is reported: the mutating call or statement
    name: str  # the module-level (or Class.attr, or obj.attr) name written
    binding: Optional[Binding]
    values: tuple  # expressions whose data is stored
    cls: Optional[ClassInfo] = None
    augmented: bool = False
    module: Optional[ModuleModel] = None  # the module that binds it, when not the one written in
    literal_key: bool = False  # only fixed keys are written (``x["k"] = v``, ``x.update({"k": v})``)
    container: Optional[str] = None  # list, dict, ... of the written container, when known
    instance_cls: Optional[ClassInfo] = None  # for object-container: the class of the module-level instance


@dataclass
class _Ref:
    """Module-level state that an expression denotes."""

    kind: str  # container | object-container | element
    name: str
    module: ModuleModel
    binding: Binding
    container: Optional[str] = None  # list, dict, ... when known
    cls: Optional[ClassInfo] = None
    instance_cls: Optional[ClassInfo] = None


def _subscript_root(expr) -> Optional[str]:
    """``x`` for ``x[k]``, ``x[k][j]``; None for anything else."""
    if not isinstance(expr, cst.Subscript):
        return None
    while isinstance(expr, cst.Subscript):
        expr = expr.value
    return expr.value if isinstance(expr, cst.Name) else None


def _slice_values(target: cst.Subscript) -> tuple:
    return tuple(e.slice.value for e in target.slice if isinstance(e.slice, cst.Index))


def _literal_subscript(target: cst.Subscript) -> bool:
    return bool(target.slice) and all(isinstance(e.slice, cst.Index) and is_literal(e.slice.value) for e in target.slice)


def _literal_keyed_call(call: cst.Call, method: str) -> bool:
    """``x.update({"k": v})``, ``x.update(k=v)``, ``x.setdefault("k", v)``: only fixed keys written."""
    args = call.args
    if method in ("setdefault", "__setitem__"):
        return bool(args) and args[0].keyword is None and not args[0].star and is_literal(args[0].value)
    if method != "update" or not args:
        return False
    for arg in args:
        if arg.star:
            return False
        if arg.keyword is not None:
            continue
        if not isinstance(arg.value, cst.Dict):
            return False
        for el in arg.value.elements:
            if not isinstance(el, cst.DictElement) or not is_literal(el.key):
                return False
    return True


def _call_values(call: cst.Call) -> tuple:
    out = []
    for a in call.args:
        if isinstance(a.value, cst.Dict) and a.keyword is None and not a.star:
            out.extend(el.value for el in a.value.elements)
        out.append(a.value)
    return tuple(out)


def state_writes(ctx: Context) -> List[StateWrite]:
    cache = ctx.__dict__.setdefault("_state_writes", None)
    if cache is not None:
        return cache
    writes: List[StateWrite] = []
    for fn in ctx.warm_functions:
        writes.extend(_writes_in(ctx, fn))
    ctx.__dict__["_state_writes"] = writes
    return writes


def _writes_in(ctx: Context, fn: Function) -> list:
    out = []
    for site in fn.calls:
        call = site.node
        func = call.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in CONTAINER_MUTATORS:
            continue
        receiver = func.value
        values = _call_values(call)
        literal = _literal_keyed_call(call, func.attr.value)
        cls_attr = _class_attribute(ctx, fn, receiver)
        if cls_attr is not None:
            out.append(StateWrite("class-attribute", site, call, cls_attr[1], cls_attr[2], values, cls=cls_attr[0],
                                  literal_key=literal))
            continue
        ref = _container_ref(ctx, fn, receiver)
        if ref is not None:
            out.append(_write(ref, site, call, values, literal_key=literal))
    for site in fn.stores:
        out.extend(_store_writes(ctx, fn, site))
    for site in fn.deletes:
        for target in _del_targets(site.node.target):
            if isinstance(target, cst.Subscript):
                ref = _container_ref(ctx, fn, target.value)
                if ref is not None:
                    out.append(_write(ref, site, site.node, ()))
    return out


def _write(ref: _Ref, site: Site, node, values, augmented=False, literal_key=False) -> StateWrite:
    return StateWrite(ref.kind, site, node, ref.name, ref.binding, values, cls=ref.cls, augmented=augmented,
                      module=ref.module, literal_key=literal_key, container=ref.container,
                      instance_cls=ref.instance_cls)


def _del_targets(target) -> list:
    if isinstance(target, (cst.Tuple, cst.List)):
        return [e.value for e in target.elements]
    return [target]


def _store_writes(ctx: Context, fn: Function, site: Site) -> list:
    node = site.node
    value = getattr(node, "value", None)
    if value is None:
        return []
    augmented = isinstance(node, cst.AugAssign)
    targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
    out = []
    for target in targets:
        if isinstance(target, cst.Subscript):
            literal = not augmented and _literal_subscript(target)
            cls_attr = _class_attribute(ctx, fn, target.value)
            if cls_attr is not None:
                out.append(StateWrite("class-attribute", site, node, cls_attr[1], cls_attr[2],
                                      (value,) + _slice_values(target), cls=cls_attr[0], augmented=augmented,
                                      literal_key=literal))
                continue
            ref = _container_ref(ctx, fn, target.value)
            if ref is not None:
                out.append(_write(ref, site, node, (value,) + _slice_values(target), augmented, literal))
        elif isinstance(target, cst.Name):
            name = target.value
            if name in fn.global_names:
                binding = ctx.model.binding(name)
                kind = "container" if augmented and binding is not None and binding.kind == "container" else "global"
                out.append(StateWrite(kind, site, node, name, binding, (value,), augmented=augmented))
        elif isinstance(target, cst.Attribute):
            write = _attribute_write(ctx, fn, site, target, value, augmented)
            if write is not None:
                out.append(write)
    return out


def _attribute_write(ctx: Context, fn: Function, site: Site, target: cst.Attribute, value, augmented):
    node = site.node
    attr = target.attr.value
    owner = target.value
    cls = _class_object(ctx, fn, owner)
    if cls is not None:
        return StateWrite("class-attribute", site, node, f"{cls.name}.{attr}", cls.attributes.get(attr), (value,),
                          cls=cls, augmented=augmented)
    if isinstance(owner, cst.Name):
        alias = _aliases(ctx, fn).get(owner.value)
        if alias is not None:
            return StateWrite(alias.kind if alias.kind == "element" else "object-attribute", site, node, alias.name,
                              alias.binding, (value,), augmented=augmented, module=alias.module)
        if owner.value in ctx.locals_of(fn) or _closure_local(ctx, fn, owner.value):
            singleton = _self_of_singleton(ctx, fn, owner.value)
            if singleton is not None and fn.name != "__init__":
                module, binding, _cls = singleton
                return StateWrite("object-attribute", site, node, f"{binding.name}.{attr}", binding, (value,),
                                  augmented=augmented, module=module)
            return None
        found = ctx.project.module_binding(ctx.model, owner.value)
        if found is not None and found[1].kind in ("call", "other", "container"):
            module, binding = found
            return StateWrite("object-attribute", site, node, owner.value, binding, (value,), augmented=augmented,
                              module=module)
        return None
    if isinstance(owner, cst.Subscript):
        ref = _container_ref(ctx, fn, owner.value)
        if ref is not None and ref.kind == "container":
            # ``EXPORTERS[fmt].requested_by = ...``: an object held by a module-level registry.
            return StateWrite("element", site, node, ref.name, ref.binding, (value,), augmented=augmented,
                              module=ref.module)
    return None


# -- what an expression denotes -------------------------------------------------------

def _container_ref(ctx: Context, fn: Function, expr) -> Optional[_Ref]:
    """Module-level state that a mutation of ``expr`` changes: the receiver of ``.append``, the
    container of ``x[k] = v`` or ``del x[k]``."""
    if isinstance(expr, cst.Subscript):
        # ``x[k].append(v)``, ``x[k][j] = v``: mutating an element mutates the container's contents.
        base = expr
        while isinstance(base, cst.Subscript):
            base = base.value
        ref = _container_ref(ctx, fn, base)
        return ref if ref is not None and ref.kind in ("container", "object-container") else None
    if isinstance(expr, cst.Name):
        name = expr.value
        alias = _aliases(ctx, fn).get(name)
        if alias is not None:
            return alias
        if name in ctx.locals_of(fn) or _closure_local(ctx, fn, name):
            return None
        found = ctx.project.module_binding(ctx.model, name)
        if found is not None and found[1].kind == "container":
            module, binding = found
            return _Ref("container", name, module, binding, binding.container)
        return None
    if isinstance(expr, cst.Attribute):
        return _attribute_container(ctx, fn, expr)
    return None


def _attribute_container(ctx: Context, fn: Function, expr: cst.Attribute) -> Optional[_Ref]:
    attr = expr.attr.value
    owner = expr.value
    # ``state.sessions``: a container of an imported project module.
    found = ctx.project.attribute_binding(fn, expr)
    if found is not None and found[1].kind == "container":
        module, binding = found
        return _Ref("container", binding.name, module, binding, binding.container)
    if not isinstance(owner, cst.Name):
        return None
    # ``self.seen`` in a method of a class whose only instances are module-level.
    singleton = _self_of_singleton(ctx, fn, owner.value)
    if singleton is None and owner.value not in ctx.locals_of(fn) and not _closure_local(ctx, fn, owner.value):
        # ``tally.seen``: an attribute of a module-level instance (of this module or imported).
        found = ctx.project.module_binding(ctx.model, owner.value)
        if found is not None:
            cls = ctx.project.instance_class(*found)
            if cls is not None:
                singleton = (found[0], found[1], cls)
    if singleton is None:
        return None
    module, binding, cls = singleton
    container = _instance_container(ctx, cls, attr)
    if container is None or _reset_by_its_class(ctx, cls, attr):
        return None
    return _Ref("object-container", f"{binding.name}.{attr}", module, binding, container, instance_cls=cls)


def _instance_container(ctx: Context, cls: ClassInfo, attr: str, depth: int = 0) -> Optional[str]:
    """The container type of ``self.<attr>`` when the class makes it a container (``self.seen = []``)."""
    kinds = set()
    for _method, value in cls.attribute_values(attr):
        kinds.add(_container_kind(cls.module, value))
    if attr in cls.attributes and cls.attributes[attr].kind == "container":
        kinds.add(cls.attributes[attr].container)
    if kinds:
        return kinds.pop() if len(kinds) == 1 and None not in kinds else None
    if depth > 10:
        return None
    for base in cls.bases:
        found = ctx.project.resolve_name(cls.module.scope, base) if "." not in base else None
        if isinstance(found, ClassInfo):
            return _instance_container(ctx, found, attr, depth + 1)
    return None


def _reset_by_its_class(ctx: Context, cls: ClassInfo, attr: str) -> bool:
    """A method other than ``__init__`` empties or replaces ``self.<attr>`` (``self.buffer = []`` in
    ``flush``, ``self.seen.clear()``): the object manages the container's lifetime, and whether that
    happens in every invocation cannot be told, so its writes are not reported."""
    for method in ctx.project.all_methods(cls):
        if method.name == "__init__" or not method.params:
            continue
        me = method.params[0]
        for site in method.stores:
            if isinstance(site.node, cst.AugAssign):
                continue
            for target in store_targets(site.node):
                if (isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name)
                        and target.value.value == me and target.attr.value == attr):
                    return True
        for use in method.names.get(me, ()):
            parent = use.parent
            if not (isinstance(parent, cst.Attribute) and parent.value is use.node and parent.attr.value == attr):
                continue
            outer = use.ancestors[-2] if len(use.ancestors) > 1 else None
            if isinstance(outer, cst.Attribute) and outer.value is parent and outer.attr.value == "clear":
                return True
    return False


def _container_kind(module: ModuleModel, value) -> Optional[str]:
    if isinstance(value, (cst.List, cst.ListComp)):
        return "list"
    if isinstance(value, (cst.Dict, cst.DictComp)):
        return "dict"
    if isinstance(value, (cst.Set, cst.SetComp)):
        return "set"
    if isinstance(value, cst.Call):
        qualified = module.qualify(value.func)
        if qualified in CONTAINER_CONSTRUCTORS and not ("." not in qualified and qualified in module.bindings):
            return CONTAINER_CONSTRUCTORS[qualified]
    return None


def _closure_local(ctx: Context, fn: Function, name: str) -> bool:
    scope = fn.parent
    while scope is not None:
        if name in ctx.locals_of(scope):
            return True
        scope = scope.parent
    return False


def _aliases(ctx: Context, fn: Function) -> Dict[str, _Ref]:
    """Locals that name module-level state: ``headers = HEADERS`` (the container itself) and
    ``exporter = EXPORTERS[fmt]`` / ``EXPORTERS.get(fmt)`` (an object the registry holds). Only a
    local with that single assignment in the function counts."""
    cache = ctx.__dict__.setdefault("_aliases", {})
    if fn in cache:
        return cache[fn]
    found: Dict[str, _Ref] = {}
    cache[fn] = found  # guards recursion through _container_ref
    counts: Dict[str, int] = {}
    candidates = []
    for site in fn.stores:
        node = site.node
        for t in _names_bound(node):
            counts[t] = counts.get(t, 0) + 1
        if isinstance(node, cst.Assign) and len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            candidates.append((node.targets[0].target.value, node.value))
    loop_names = set()
    for site in fn.loops:
        loop_names.update(t.value for t in _flatten_names(site.node.target))
    for site in fn.withs:
        for item in site.node.items:
            if item.asname is not None:
                loop_names.update(t.value for t in _flatten_names(item.asname.name))
    for name, value in candidates:
        if counts.get(name) != 1 or name in loop_names or name in fn.params or name in fn.global_names:
            continue
        ref = _alias_of(ctx, fn, value)
        if ref is not None:
            found[name] = ref
    return found


def _alias_of(ctx: Context, fn: Function, value) -> Optional[_Ref]:
    if isinstance(value, cst.Name):
        if value.value in ctx.locals_of(fn):
            return None
        ref = _container_ref(ctx, fn, value)
        return ref if ref is not None and ref.kind == "container" else None
    table = None
    if isinstance(value, cst.Subscript) and isinstance(value.value, cst.Name):
        table = value.value
    elif (isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute)
          and value.func.attr.value in ("get", "setdefault") and isinstance(value.func.value, cst.Name)):
        table = value.func.value
    if table is None or table.value in ctx.locals_of(fn):
        return None
    ref = _container_ref(ctx, fn, table)
    if ref is None or ref.kind != "container" or ref.container not in ("dict", "defaultdict", "OrderedDict", "list"):
        return None
    return _Ref("element", ref.name, ref.module, ref.binding, None)


def _names_bound(node) -> list:
    from .model import store_targets

    out = []
    for t in store_targets(node):
        out.extend(x.value for x in _flatten_names(t))
    return out


def _flatten_names(target) -> list:
    from .model import flatten_target

    return [t for t in flatten_target(target) if isinstance(t, cst.Name)]


def _self_of_singleton(ctx: Context, fn: Function, name: str) -> Optional[tuple]:
    """(module, binding, class) when ``name`` is ``self`` in a method of a class whose instances are
    all module-level (``tally = Tally()``, and no function creates one)."""
    if fn.cls is None or not fn.params or name != fn.params[0] or _is_static_or_class(fn):
        return None
    return singletons(ctx).get(id(fn.cls))


def _is_static_or_class(fn: Function) -> bool:
    return any(isinstance(d.decorator, cst.Name) and d.decorator.value in ("staticmethod", "classmethod")
               for d in fn.decorators)


def singletons(ctx: Context) -> dict:
    """{id(class): (module, binding, class)} for project classes instantiated only at module scope,
    computed once per check over the parsed modules."""
    store = ctx.analysis.__dict__
    found = store.get("_singletons")
    if found is not None:
        return found
    project = ctx.project
    found = {}
    models = list(project.models.values())
    for model in models:
        for bindings in model.bindings.values():
            for binding in bindings:
                cls = project.instance_class(model, binding)
                if cls is not None and id(cls) not in found:
                    found[id(cls)] = (model, binding, cls)
    if found:
        names = {entry[2].name for entry in found.values()}
        for model in models:
            for fn in model.all_functions:
                for site in fn.calls:
                    func = site.node.func
                    last = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
                    if last not in names:
                        continue
                    cls = project.resolve_expr(fn, func)
                    if isinstance(cls, ClassInfo):
                        found.pop(id(cls), None)
        # A subclass instantiated per call runs the base class's methods on a per-call ``self``.
        for entry in list(found.values()):
            if _has_subclasses(project, models, entry[2]):
                found.pop(id(entry[2]), None)
    store["_singletons"] = found
    return found


def _has_subclasses(project, models, cls: ClassInfo) -> bool:
    for model in models:
        for other in model.classes.values():
            if other is cls:
                continue
            for base in other.bases:
                if base.split(".")[-1] == cls.name and project.resolve_name(other.module.scope, base.split(".")[-1]) is cls:
                    return True
    return False


# -- class-level state (LAM105) --------------------------------------------------------

def _class_object(ctx: Context, fn: Function, expr) -> Optional[ClassInfo]:
    """The class named by ``expr`` itself: ``cls`` in a classmethod, or ``ClassName``; also a local
    taken out of a module-level registry of classes (``exporter = EXPORTERS[fmt]``) is not a class
    we can name, so it is left to the registry rule."""
    if not isinstance(expr, cst.Name):
        return None
    if fn.cls is not None and fn.params and expr.value == fn.params[0] and _is_classmethod(fn):
        return fn.cls
    if expr.value in ctx.locals_of(fn):
        return None
    found = ctx.project.resolve_name(fn, expr.value)
    return found if isinstance(found, ClassInfo) else None


def _is_classmethod(fn: Function) -> bool:
    return any(isinstance(d.decorator, cst.Name) and d.decorator.value == "classmethod" for d in fn.decorators)


def _class_attribute(ctx: Context, fn: Function, expr) -> Optional[tuple]:
    """(class, "Class.attr", binding) when ``expr`` is a mutable class-level attribute shared by every
    instance: ``self.items`` (not rebound per instance), ``cls.items``, ``ClassName.items``."""
    if not isinstance(expr, cst.Attribute):
        return None
    owner = expr.value
    attr = expr.attr.value
    cls = _class_object(ctx, fn, owner)
    per_instance = False
    if cls is None and isinstance(owner, cst.Name) and fn.cls is not None and fn.params and owner.value == fn.params[0]:
        cls = fn.cls
        per_instance = True
    if cls is None:
        return None
    holder = _attribute_holder(ctx, cls, attr)
    if holder is None:
        return None
    binding = holder.attributes[attr]
    if binding.kind != "container":
        return None
    if per_instance and attr in cls.instance_assigned():
        return None
    return (holder, f"{holder.name}.{attr}", binding)


def _attribute_holder(ctx: Context, cls: ClassInfo, attr: str, depth: int = 0) -> Optional[ClassInfo]:
    if attr in cls.attributes:
        return cls
    if depth > 10:
        return None
    for base in cls.bases:
        found = ctx.project.resolve_name(cls.module.scope, base) if "." not in base else None
        if isinstance(found, ClassInfo):
            holder = _attribute_holder(ctx, found, attr, depth + 1)
            if holder is not None:
                return holder
    return None


# -- questions the rules ask ------------------------------------------------------------

def owner_module(ctx: Context, write: StateWrite) -> ModuleModel:
    if write.cls is not None:
        return write.cls.module
    return write.module or ctx.model


def bound_line(ctx: Context, write: StateWrite) -> Optional[int]:
    """The line where the written object was bound, in the module that binds it."""
    if write.binding is None or write.binding.anchor is None:
        return None
    return owner_module(ctx, write).line_of(write.binding.anchor)


def bound_where(ctx: Context, write: StateWrite) -> str:
    """`` (bound on line 4)``, or `` (bound on line 2 of state.py)`` for another module's state."""
    line = bound_line(ctx, write)
    if not line:
        return ""
    module = owner_module(ctx, write)
    if module is ctx.model:
        return f" (bound on line {line})"
    import os

    return f" (bound on line {line} of {os.path.basename(module.path)})"


def request_data_stored(ctx: Context, write: StateWrite) -> bool:
    """LAM103's question: does the write store a value derived from the event or context, as the
    value reaches it in program order?"""
    return any(ctx.taint.derived_at(write.site, v) for v in write.values)


def reset_each_invocation(ctx: Context, write: StateWrite) -> bool:
    """The container is cleared as the handler's first statement, so nothing outlives an invocation."""
    module = owner_module(ctx, write)
    binding_name = write.binding.name if write.binding is not None else write.name
    return (module.path, binding_name) in ctx.analysis.reset_containers


def fixed_keys_only(ctx: Context, write: StateWrite) -> bool:
    """A store under literal keys of values that do not come from the request: the container
    neither grows nor carries request data (LAM101/LAM105 exemption)."""
    return write.literal_key and not request_data_stored(ctx, write)

