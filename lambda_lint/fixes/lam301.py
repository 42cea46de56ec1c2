"""LAM301, LAM302 and LAM304 fixes: wait for the dropped background work.

    asyncio.create_task(emit(x))         ->  await asyncio.create_task(emit(x))   (inside ``async def``)
    publish(message)                     ->  await publish(message)               (inside ``async def``)
    loop.run_in_executor(None, f, x)     ->  await loop.run_in_executor(None, f, x)
    executor.submit(f, x)                ->  executor.submit(f, x).result()
    executor.shutdown(wait=False)        ->  executor.shutdown(wait=True)

Only for a call written as a whole expression statement (its result is
dropped); a task or future kept in a variable gets no fix, nor does a dropped
coroutine or task in a plain ``def`` (it cannot ``await``). Unsafe: the
function now waits for the work, so ordering and timing change, and an
exception of the work is raised in the function.
"""
from __future__ import annotations

import libcst as cst

from ..analysis.names import call_method, keyword_arg, positional_args
from .common import UNSAFE, build_fix, call_site, code_of, dropped_call_statement


def fix(code, ctx, report):
    call = report.node
    site = call_site(ctx, call)
    if site is None or not isinstance(call, cst.Call) or site.function.is_module_scope:
        return None
    fn = site.function
    method = call_method(call)
    if code == "LAM304" and method == "shutdown":
        return _shutdown_waits(ctx, call, fn)
    expr, _line = dropped_call_statement(site)
    if expr is None or expr.value is not call:  # already awaited, or not a statement of its own
        return None
    text = _short(code_of(ctx, call))
    if code == "LAM304" and method == "submit":
        changes = {call: lambda updated: cst.Call(func=cst.Attribute(value=updated, attr=cst.Name("result")))}
        return build_fix(ctx, f"Wait for the result: `{text}.result()`", UNSAFE, changes, near=fn.node)
    if code in ("LAM301", "LAM302") or (code == "LAM304" and method == "run_in_executor"):
        if not fn.is_async:
            return None
        changes = {expr: lambda updated: updated.with_changes(value=cst.Await(expression=updated.value))}
        return build_fix(ctx, f"Await it: `await {text}`", UNSAFE, changes, near=fn.node)
    return None


def _shutdown_waits(ctx, call, fn):
    kw = keyword_arg(call, "wait")
    if kw is not None:
        target = kw.value
    else:
        positional = positional_args(call)
        if not positional:
            return None
        target = positional[0]
    if not (isinstance(target, cst.Name) and target.value == "False"):
        return None
    changes = {target: lambda updated: cst.Name("True", lpar=updated.lpar, rpar=updated.rpar)}
    return build_fix(ctx, "Wait for the submitted work: `shutdown(wait=True)`", UNSAFE, changes,
                     near=fn.node)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "..."
