"""Event loops started per invocation, and the loop-bound objects their coroutines reuse (LAM204).

A loop is new per invocation when the warm path calls ``asyncio.run(...)``, calls
``run_until_complete`` on a loop that ``asyncio.new_event_loop()`` made in the same
function, or ``run`` on an ``asyncio.Runner`` created there. ``asyncio.get_event_loop()``
and a loop or runner kept at module scope serve the whole environment and are not.

An object is loop-bound when a documented constructor (``aiohttp.ClientSession``,
``asyncio.Lock``... extended by ``extend-loop-bound``) built it; it is created once
when it is bound at module scope (or taken from such an object at module scope:
``profiles = mongo["app"]["profiles"]``), returned by a zero-argument memoised
factory, or held by a lazy getter whose guard only tests absence or closedness.
A getter that compares the running loop, or a holder reset to ``None`` by the
coroutine's code, re-creates it and is not reported.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Set

import libcst as cst

from . import apis
from .flow import branches
from .holders import built_by, held
from .model import Function, ModuleModel, Site, store_targets
from .names import call_method, call_receiver, is_none, names_in, positional_args


@dataclass
class LoopRun:
    site: Site  # the call that runs a coroutine on a loop made for this invocation
    call: str  # asyncio.run | loop.run_until_complete | runner.run, as written
    coroutines: tuple  # project coroutine functions it runs
    reached: frozenset  # every project function those coroutines reach (by identity)


@dataclass
class LoopBound:
    name: str  # the module-level holder
    line: int  # where the object is created
    constructor: str  # qualified constructor


def loop_bound_constructors(ctx) -> frozenset:
    return apis.LOOP_BOUND | frozenset(getattr(ctx.config, "extend_loop_bound", None) or ())


def loop_runs(ctx, fn: Function) -> List[LoopRun]:
    """The per-invocation loop runs in ``fn``."""
    out = []
    for site in fn.calls:
        call = site.node
        arg = positional_args(call)[0] if positional_args(call) else None
        written = None
        if ctx.qualify(call.func) == apis.ASYNCIO_RUN:
            written = "asyncio.run"
        else:
            method = call_method(call)
            receiver = call_receiver(call)
            if method == "run_until_complete" and _local_made_by(ctx, fn, receiver, apis.NEW_EVENT_LOOP):
                written = f"{receiver.value}.run_until_complete"
            elif method == "run" and _local_made_by(ctx, fn, receiver, apis.ASYNCIO_RUNNER):
                written = f"{receiver.value}.run"
        if written is None or arg is None:
            continue
        coroutines = tuple(_coroutines(ctx, fn, arg))
        if not coroutines:
            continue
        out.append(LoopRun(site, written, coroutines, frozenset(_reach(ctx, coroutines))))
    return out


def _local_made_by(ctx, fn: Function, receiver, constructor: str) -> bool:
    """``receiver`` is a local of ``fn`` bound only from ``constructor(...)`` (``loop = asyncio.new_event_loop()``,
    ``with asyncio.Runner() as runner``)."""
    if not isinstance(receiver, cst.Name) or receiver.value not in ctx.locals_of(fn):
        return False
    name = receiver.value
    values = []
    for site in fn.stores:
        if any(isinstance(t, cst.Name) and t.value == name for t in store_targets(site.node)):
            values.append(getattr(site.node, "value", None))
    for site in fn.withs:
        for item in site.node.items:
            if item.asname is not None and isinstance(item.asname.name, cst.Name) and item.asname.name.value == name:
                values.append(item.item)
    return bool(values) and all(isinstance(v, cst.Call) and ctx.qualify(v.func) == constructor for v in values)


def _coroutines(ctx, fn: Function, arg) -> list:
    """Project functions whose coroutine ``arg`` is: ``main(event)``, ``asyncio.gather(a(), b())``,
    or a local assigned from such a call."""
    if isinstance(arg, cst.Name) and arg.value in ctx.locals_of(fn):
        for site in fn.stores:
            if any(isinstance(t, cst.Name) and t.value == arg.value for t in store_targets(site.node)):
                value = getattr(site.node, "value", None)
                if value is not None and value is not arg:
                    return _coroutines(ctx, fn, value)
        return []
    if not isinstance(arg, cst.Call):
        return []
    target = ctx.project.resolve_expr(fn, arg.func)
    if isinstance(target, Function):
        return [target]
    out = []
    for inner in arg.args:
        out.extend(_coroutines(ctx, fn, inner.value))
    return out


def _reach(ctx, start) -> Set[Function]:
    seen: Set[Function] = set()
    todo = list(start)
    while todo and len(seen) < 2000:
        fn = todo.pop()
        if fn in seen:
            continue
        seen.add(fn)
        todo.extend(c for c in ctx.project.callees(fn) if c not in seen)
    return seen


def fresh_loop_functions(ctx) -> Set[Function]:
    """Every project function reached from a coroutine that the warm path runs on a new loop."""
    store = ctx.analysis.__dict__
    if "_fresh_loop_functions" not in store:
        from .context import Context

        found: Set[Function] = set()
        contexts = {ctx.model.path: ctx}
        for fn in ctx.project.warm:
            if fn.is_module_scope:
                continue
            # Names are qualified through the imports of the function's own module.
            here = contexts.get(fn.module.path)
            if here is None:
                here = contexts[fn.module.path] = Context(ctx.project, fn.module, ctx.analysis, ctx.config)
            for run in loop_runs(here, fn):
                found |= run.reached
        store["_fresh_loop_functions"] = found
    return store["_fresh_loop_functions"]


# -- the objects a run reuses ---------------------------------------------------------------

def reused_objects(ctx, run: LoopRun) -> List[LoopBound]:
    constructors = loop_bound_constructors(ctx)
    found: Dict[tuple, LoopBound] = {}
    for fn in run.reached:
        for expr in _async_uses(fn):
            for obj in _objects_behind(ctx, fn, expr, constructors, run):
                found.setdefault((obj.name, obj.line), obj)
    return sorted(found.values(), key=lambda o: (o.line, o.name))


def _async_uses(fn: Function) -> list:
    """Expressions the function awaits a call on, enters with ``async with``, or iterates with ``async for``."""
    out = []
    for site in fn.awaits:
        out.append(site.node.expression)
    for site in fn.withs:
        if site.node.asynchronous is not None:
            out.extend(item.item for item in site.node.items)
    for site in fn.loops:
        if getattr(site.node, "asynchronous", None) is not None:
            out.append(site.node.iter)
    return out


def _root(expr):
    """The object an access chain starts from: ``http`` in ``http.get(...).json``, the call
    ``pagerduty()`` in ``pagerduty().post(...)``."""
    for _ in range(50):
        if isinstance(expr, cst.Call):
            if isinstance(expr.func, cst.Attribute):
                expr = expr.func.value
            else:
                return expr
        elif isinstance(expr, (cst.Attribute, cst.Subscript)):
            expr = expr.value
        elif isinstance(expr, cst.Await):
            expr = expr.expression
        else:
            return expr
    return expr


def _objects_behind(ctx, fn: Function, expr, constructors, run, depth: int = 0) -> List[LoopBound]:
    root = _root(expr)
    if isinstance(root, cst.Name):
        if root.value in ctx.locals_of(fn) and depth < 3:
            out = []
            for site in fn.stores:
                if any(isinstance(t, cst.Name) and t.value == root.value for t in store_targets(site.node)):
                    value = getattr(site.node, "value", None)
                    if value is not None:
                        out.extend(_objects_behind(ctx, fn, value, constructors, run, depth + 1))
            return out
        found = held(ctx, fn, root.value)
        if found is None:
            return []
        obj = _created_once(ctx, found.model, found.name, found.value, constructors, run)
        return [obj] if obj is not None else []
    if isinstance(root, cst.Call) and depth < 3:
        getter = ctx.project.resolve_expr(fn, root.func)
        if isinstance(getter, Function):
            return _from_getter(ctx, getter, constructors, run)
    return []


def _created_once(ctx, model: ModuleModel, name: str, value, constructors, run) -> Optional[LoopBound]:
    """The loop-bound object a module-level ``name`` holds for the whole environment, if any."""
    made = built_by(model, value, constructors) if value is not None else None
    if made is not None:
        return LoopBound(name, model.line_of(value), made)
    made = _aioboto3_client(model, value)
    if made is not None:
        return LoopBound(name, model.line_of(value), made)
    if isinstance(value, (cst.Subscript, cst.Attribute, cst.Call)):
        # taken from a loop-bound object at import: ``profiles = mongo["app"]["profiles"]``
        root = _root(value)
        if isinstance(root, cst.Name) and root.value != name:
            binding = model.binding(root.value)
            if binding is not None and isinstance(binding.value, cst.BaseExpression):
                parent = built_by(model, binding.value, constructors)
                if parent is not None:
                    return LoopBound(name, model.line_of(value), parent)
    return _lazy_holder(model, name, constructors, run)


def _aioboto3_client(model: ModuleModel, value) -> Optional[str]:
    """``aioboto3.Session().client("s3")`` (or ``.resource``) made at import: its context can only be entered
    on one loop, and a second ``async with`` on a new loop fails."""
    if not isinstance(value, cst.Call) or not isinstance(value.func, cst.Attribute):
        return None
    if value.func.attr.value not in apis.AIOBOTO3_FACTORIES:
        return None
    session = value.func.value
    if isinstance(session, cst.Name):
        binding = model.binding(session.value)
        session = binding.value if binding is not None and isinstance(binding.value, cst.BaseExpression) else None
    if isinstance(session, cst.Call) and model.qualify(session.func) in apis.AIOBOTO3_SESSIONS:
        return f"{model.qualify(session.func)}().{value.func.attr.value}"
    return None


def _lazy_holder(model: ModuleModel, name: str, constructors, run) -> Optional[LoopBound]:
    """A holder filled by a getter whose guard only tests absence or closedness."""
    made = None
    for fn in model.all_functions:
        if name not in fn.global_names:
            continue
        for site in fn.stores:
            if not any(isinstance(t, cst.Name) and t.value == name for t in store_targets(site.node)):
                continue
            value = getattr(site.node, "value", None)
            if value is None:
                continue
            if is_none(value):
                if fn in run.reached:
                    return None  # reset by the coroutine's own code: the next run re-creates it
                continue
            kind = built_by(model, value, constructors)
            if kind is None:
                continue
            if _guard_checks_loop(model, fn, site):
                return None
            made = made or LoopBound(name, model.line_of(value), kind)
    return made


def _guard_checks_loop(model: ModuleModel, fn: Function, site: Site) -> bool:
    """The guard compares the running loop (``if _c is None or _loop is not asyncio.get_running_loop():``)."""
    loop_names = set()
    for store in fn.stores:
        value = getattr(store.node, "value", None)
        if isinstance(value, cst.Call) and model.qualify(value.func) in apis.RUNNING_LOOP_GETTERS:
            loop_names.update(t.value for t in store_targets(store.node) if isinstance(t, cst.Name))
    for if_node, _ in branches(site):
        if names_in(if_node.test) & loop_names:
            return True
        for node in _calls_in(if_node.test):
            if model.qualify(node.func) in apis.RUNNING_LOOP_GETTERS:
                return True
    return False


def _calls_in(expr) -> list:
    out, stack = [], [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Call):
            out.append(node)
        stack.extend(node.children)
    return out


def _from_getter(ctx, getter: Function, constructors, run) -> List[LoopBound]:
    """What a getter hands out: a module-level holder it returns, or (memoised, no parameters) the
    object its constructor call builds once."""
    out = []
    memoised = ctx.is_memoised(getter) if getter.module is ctx.model else False
    for site in getter.returns:
        value = site.node.value
        if value is None:
            continue
        if isinstance(value, cst.Await):
            value = value.expression
        if isinstance(value, cst.Name) and value.value in getter.global_names | set(getter.module.bindings):
            if value.value in getter.params:
                continue
            binding = getter.module.binding(value.value)
            if binding is None:
                continue
            obj = _created_once(ctx, getter.module, value.value,
                                binding.value if isinstance(binding.value, cst.BaseExpression) else None,
                                constructors, run)
            if obj is not None:
                out.append(obj)
        elif memoised and not getter.params:
            kind = built_by(getter.module, value, constructors)
            if kind is not None:
                out.append(LoopBound(f"{getter.name}()", getter.module.line_of(value), kind))
    return out
