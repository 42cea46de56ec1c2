"""Writes into state that outlives the invocation, found once per module for LAM101-LAM105.

A write is one operation on the warm path that changes a module-level
container, rebinds a module-level name, sets an attribute of a module-level
object, or mutates a class-level attribute.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

import libcst as cst

from .apis import CONTAINER_MUTATORS
from .context import Context
from .model import Binding, ClassInfo, Function, Site
from .names import root_name


@dataclass
class StateWrite:
    kind: str  # container | global | object-attribute | class-attribute
    site: Site
    node: cst.CSTNode  # what is reported: the mutating call or statement
    name: str  # the module-level (or Class.attr) name written
    binding: Optional[Binding]
    values: tuple  # expressions whose data is stored
    cls: Optional[ClassInfo] = None
    augmented: bool = False


def _subscript_root(expr) -> Optional[str]:
    """``x`` for ``x[k]``, ``x[k][j]``; None for anything else."""
    if not isinstance(expr, cst.Subscript):
        return None
    while isinstance(expr, cst.Subscript):
        expr = expr.value
    return expr.value if isinstance(expr, cst.Name) else None


def _slice_values(target: cst.Subscript) -> tuple:
    return tuple(e.slice.value for e in target.slice if isinstance(e.slice, cst.Index))


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
        values = tuple(a.value for a in call.args)
        cls_attr = _class_attribute(ctx, fn, receiver)
        if cls_attr is not None:
            out.append(StateWrite("class-attribute", site, call, cls_attr[1], cls_attr[2], values, cls=cls_attr[0]))
            continue
        name = root_name(receiver)
        if not (isinstance(receiver, cst.Name) or _subscript_root(receiver)):
            continue
        binding = ctx.container(fn, name)
        if binding is not None:
            out.append(StateWrite("container", site, call, name, binding, values))
    for site in fn.stores:
        out.extend(_store_writes(ctx, fn, site))
    for site in fn.deletes:
        for target in _del_targets(site.node.target):
            name = _subscript_root(target)
            binding = ctx.container(fn, name)
            if binding is not None:
                out.append(StateWrite("container", site, site.node, name, binding, ()))
    return out


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
            cls_attr = _class_attribute(ctx, fn, target.value)
            if cls_attr is not None:
                out.append(StateWrite("class-attribute", site, node, cls_attr[1], cls_attr[2],
                                      (value,) + _slice_values(target), cls=cls_attr[0], augmented=augmented))
                continue
            name = _subscript_root(target)
            binding = ctx.container(fn, name)
            if binding is not None:
                out.append(StateWrite("container", site, node, name, binding, (value,) + _slice_values(target),
                                      augmented=augmented))
        elif isinstance(target, cst.Name):
            name = target.value
            if name in fn.global_names:
                binding = ctx.model.binding(name)
                kind = "container" if augmented and binding is not None and binding.kind == "container" else "global"
                out.append(StateWrite(kind, site, node, name, binding, (value,), augmented=augmented))
        elif isinstance(target, cst.Attribute):
            cls = _class_object(ctx, fn, target.value)
            if cls is not None:
                out.append(StateWrite("class-attribute", site, node, f"{cls.name}.{target.attr.value}",
                                      cls.attributes.get(target.attr.value), (value,), cls=cls, augmented=augmented))
                continue
            if isinstance(target.value, cst.Name):
                binding = ctx.module_binding(fn, target.value.value)
                if binding is not None and binding.kind in ("call", "other", "container"):
                    out.append(StateWrite("object-attribute", site, node, target.value.value, binding, (value,),
                                          augmented=augmented))
    return out


def _class_object(ctx: Context, fn: Function, expr) -> Optional[ClassInfo]:
    """The class named by ``expr`` itself: ``cls`` in a classmethod, or ``ClassName``."""
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
    """(class, "Class.attr", binding) when ``expr`` is a mutable class-level attribute shared by every instance:
    ``self.items`` (not rebound per instance), ``cls.items``, ``ClassName.items``."""
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


def bound_line(ctx: Context, write: StateWrite) -> Optional[int]:
    """The line where the written object was bound, in the module that binds it."""
    if write.binding is None or write.binding.anchor is None:
        return None
    module = write.cls.module if write.cls is not None else ctx.model
    return module.line_of(write.binding.anchor)


def request_data_stored(ctx: Context, write: StateWrite) -> bool:
    """LAM103's question: does the write store a value derived from the event or context?"""
    return any(ctx.taint.derived(write.site.function, v) for v in write.values)
