"""What a module-level name holds, seen from a function: the binding (in this module or in
the project module it is imported from) and the library type that built it.

LAM106 asks which framework object or logger a registration call is made on; LAM204
asks which loop-bound object a coroutine uses. Both only trust types known through
imports: ``app = FastAPI()``, ``application = Application.builder()...build()``,
``cache = aioredis.from_url(...)``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

import libcst as cst

from .model import Binding, Function, ModuleModel


@dataclass
class Held:
    """A module-level binding and the module that binds it."""

    name: str
    binding: Binding
    model: ModuleModel

    @property
    def line(self) -> Optional[int]:
        anchor = self.binding.anchor
        return self.model.line_of(anchor) if anchor is not None else None

    @property
    def value(self) -> Optional[cst.CSTNode]:
        value = self.binding.value
        return value if isinstance(value, cst.BaseExpression) else None


def held(ctx, fn: Function, name: Optional[str], depth: int = 0) -> Optional[Held]:
    """The module-level binding ``name`` refers to in ``fn``, following ``from pkg.mod import name``
    into project modules (None for locals, parameters and names the project does not bind)."""
    binding = ctx.module_binding(fn, name) if fn.module is ctx.model else _binding_in(fn, name)
    if binding is None:
        return None
    if binding.kind != "import":
        return Held(name, binding, fn.module)
    return _imported(ctx, fn.module, name, depth)


def _binding_in(fn: Function, name: Optional[str]) -> Optional[Binding]:
    if name is None or name in fn.params:
        return None
    return fn.module.binding(name)


def _imported(ctx, model: ModuleModel, name: str, depth: int) -> Optional[Held]:
    imported = model.imports.get(name)
    if imported is None or imported.name is None or depth > 5:
        return None
    path = ctx.project.resolve_module(model.path, imported.module)
    target = ctx.project.model(path) if path else None
    if target is None:
        return None
    binding = target.binding(imported.name)
    if binding is None:
        return None
    if binding.kind == "import":
        return _imported(ctx, target, imported.name, depth + 1)
    return Held(imported.name, binding, target)


def chain_head(expr: cst.CSTNode) -> cst.CSTNode:
    """The callee a builder or accessor chain starts from: ``Application.builder`` in
    ``Application.builder().token(t).build()``, ``Updater`` in ``Updater(t).dispatcher``."""
    for _ in range(50):
        if isinstance(expr, cst.Call):
            expr = expr.func
        elif isinstance(expr, (cst.Attribute, cst.Subscript)) and isinstance(expr.value, cst.Call):
            expr = expr.value
        elif isinstance(expr, cst.Await):
            expr = expr.expression
        else:
            return expr
    return expr


def built_by(model: ModuleModel, expr: Optional[cst.CSTNode], known: Iterable[str]) -> Optional[str]:
    """The entry of ``known`` (qualified constructors) that builds ``expr``, matching the head of
    a chain exactly or as a prefix (``telegram.ext.Application`` for ``Application.builder``)."""
    if not isinstance(expr, (cst.Call, cst.Attribute, cst.Subscript, cst.Await)):
        return None
    head = chain_head(expr)
    if head is expr and not isinstance(expr, cst.Call):
        return None
    qualified = model.qualify(head)
    if qualified is None:
        return None
    best = None
    for name in known:
        if qualified == name or qualified.startswith(name + "."):
            if best is None or len(name) > len(best):
                best = name
    return best
