"""LAM204 fix: ``asyncio.run(...)`` runs on one event loop kept for the environment.

    import asyncio                              import asyncio

                                                _loop = asyncio.new_event_loop()

    def handler(event, context):        ->
        return asyncio.run(main(event))         def handler(event, context):
                                                    return _loop.run_until_complete(main(event))

Only for ``asyncio.run(coro)`` with a single argument, in a module that imports
``asyncio`` itself; a module-level ``asyncio.new_event_loop()`` binding that
already exists is reused. Per-invocation ``new_event_loop()``/``Runner()`` code
keeps its suggestion in words. Unsafe: tasks left running at the end of an
invocation are no longer cancelled and async generators are no longer
finalised when it returns; they resume in the next invocation on the same loop.
"""
from __future__ import annotations

import libcst as cst

from ..analysis import apis
from ..analysis.names import positional_args
from .common import (
    UNSAFE,
    after_imports_index,
    build_fix,
    call_site,
    fresh_name,
    insert_module_statement,
    module_name_for,
)


def fix(code, ctx, report):
    call = report.node
    site = call_site(ctx, call)
    if site is None or not isinstance(call, cst.Call) or site.function.is_module_scope:
        return None
    if ctx.qualify(call.func) != apis.ASYNCIO_RUN or len(call.args) != 1 or len(positional_args(call)) != 1:
        return None
    fn = site.function
    asyncio_name = module_name_for(ctx, "asyncio", fn)
    if asyncio_name is None:
        return None
    existing = _module_loop(ctx, fn)

    def run_on(name):
        def change(updated: cst.Call) -> cst.Call:
            return cst.Call(
                func=cst.Attribute(value=cst.Name(name), attr=cst.Name("run_until_complete")),
                args=[cst.Arg(value=updated.args[0].value)],
                lpar=updated.lpar,
                rpar=updated.rpar,
            )
        return change

    if existing is not None:
        return build_fix(ctx, f"Run it on the module-level loop: `{existing}.run_until_complete(...)`", UNSAFE,
                         {call: run_on(existing)}, near=fn.node)
    name = fresh_name(ctx, "_loop")
    module = ctx.model.module
    at = after_imports_index(module)
    created = cst.SimpleStatementLine(body=[cst.Assign(
        targets=[cst.AssignTarget(target=cst.Name(name))],
        value=cst.Call(func=cst.Attribute(value=cst.Name(asyncio_name), attr=cst.Name("new_event_loop"))),
    )])

    def new_module(updated: cst.Module) -> cst.Module:
        return updated.with_changes(body=insert_module_statement(updated.body, at, created))

    return build_fix(ctx, f"Keep one event loop for the environment (`{name} = {asyncio_name}.new_event_loop()`) "
                          f"and run the coroutine on it", UNSAFE,
                     {call: run_on(name), module: new_module}, exclusive=True, near=fn.node)


def _module_loop(ctx, fn):
    """A module-level name bound once to ``asyncio.new_event_loop()``, usable inside ``fn``."""
    for name, bindings in ctx.model.bindings.items():
        if len(bindings) == 1 and bindings[0].kind == "call" and bindings[0].call == apis.NEW_EVENT_LOOP:
            if ctx.module_binding(fn, name) is not None:
                return name
    return None
