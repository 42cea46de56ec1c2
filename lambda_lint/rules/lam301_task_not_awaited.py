"""LAM301 task-not-awaited."""
from typing import Optional

import libcst as cst

from ..analysis import apis
from ..analysis.flow import collected_into, kept_value_handled, only_looks_at, value_use
from ..analysis.names import call_method, call_receiver
from .base import Rule


def is_event_loop(ctx, fn, expr) -> bool:
    """``expr`` is evidently an asyncio event loop: ``asyncio.get_running_loop()``, a name
    assigned from it (locally or at module level), or a parameter called ``loop``."""
    if isinstance(expr, cst.Call):
        return ctx.qualify(expr.func) in apis.EVENT_LOOP_GETTERS
    if not isinstance(expr, cst.Name):
        return False
    name = expr.value
    if name in ctx.locals_of(fn):
        for site in fn.stores:
            value = getattr(site.node, "value", None)
            if not isinstance(value, cst.Call) or ctx.qualify(value.func) not in apis.EVENT_LOOP_GETTERS:
                continue
            targets = getattr(site.node, "targets", None)
            target = targets[0].target if targets and len(targets) == 1 else getattr(site.node, "target", None)
            if isinstance(target, cst.Name) and target.value == name:
                return True
        return name in fn.params and name in ("loop", "event_loop")
    binding = ctx.module_binding(fn, name)
    return binding is not None and binding.kind == "call" and binding.call in apis.EVENT_LOOP_GETTERS


def in_task_group(ctx, site) -> bool:
    """The site is inside ``async with asyncio.TaskGroup() as tg:``."""
    for node in site.ancestors:
        if isinstance(node, cst.With):
            for item in node.items:
                if isinstance(item.item, cst.Call) and ctx.qualify(item.item.func) in apis.TASK_GROUPS:
                    return True
    return False


class TaskNotAwaited(Rule):
    code = "LAM301"
    name = "task-not-awaited"
    summary = "An asyncio task is created and never awaited before the handler returns"
    what = (
        "Reports `asyncio.create_task(...)`, `asyncio.ensure_future(...)` and `loop.create_task(...)` "
        "calls on the warm path whose task is dropped, or kept in a variable (or a list of tasks) "
        "that is never awaited, gathered, `asyncio.wait`-ed or returned. Tasks created with "
        "`tg.create_task` inside `async with asyncio.TaskGroup() as tg:` are waited for by the group."
    )
    why = (
        "Lambda freezes the execution environment as soon as the handler returns. A task that is "
        "still pending either never runs (`asyncio.run` cancels it when the handler's coroutine "
        "finishes) or runs partly and resumes in a later, unrelated invocation. Its exceptions are "
        "never seen, and the work it was meant to do (an event, an audit write) is silently lost."
    )
    example = """\
async def accept(order):
    asyncio.create_task(emit("OrderReceived", order))
    return {"accepted": order["id"]}

def lambda_handler(event, context):
    return asyncio.run(accept(event))
"""
    use_instead = """\
async def accept(order):
    emitted = asyncio.create_task(emit("OrderReceived", order))
    ...
    await emitted
    return {"accepted": order["id"]}

def lambda_handler(event, context):
    return asyncio.run(accept(event))
"""
    fixable = "sometimes"
    fix_safety = (
        "Inside an `async def`, a dropped task gets awaited where it is created "
        "(`await asyncio.create_task(...)`). The fix is unsafe: the handler now waits for the task "
        "there, which changes timing and lets its exception propagate. A task kept in a variable, or "
        "created in a plain function, gets no fix: where to await it is the author's choice."
    )
    references = (
        "[asyncio: create_task (keep a reference and await it)](https://docs.python.org/3/library/asyncio-task.html#asyncio.create_task)",
        "[Lambda execution environment lifecycle](https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html)",
    )
    valid = (
        """\
import asyncio

async def work(n):
    await asyncio.sleep(0)
    return n

async def main(items):
    tasks = [asyncio.create_task(work(i)) for i in items]
    first = asyncio.ensure_future(work(0))
    done = await asyncio.gather(*tasks)
    return [await first, *done]

def lambda_handler(event, context):
    return asyncio.run(main(event["items"]))
""",
        """\
import asyncio

async def work(n):
    await asyncio.sleep(0)

async def main(items):
    async with asyncio.TaskGroup() as tg:
        for i in items:
            tg.create_task(work(i))

def lambda_handler(event, context):
    asyncio.run(main(event["items"]))
""",
    )
    invalid = (
        """\
import asyncio
import logging

logger = logging.getLogger()

async def emit(detail):
    await asyncio.sleep(0)

async def main(event):
    asyncio.create_task(emit(event))  # expect
    pending = asyncio.ensure_future(emit("second"))  # expect
    logger.info("scheduled %r", pending)
    loop = asyncio.get_running_loop()
    loop.create_task(emit("third")).add_done_callback(print)  # expect
    return {"ok": True}

def lambda_handler(event, context):
    return asyncio.run(main(event))
""",
    )

    def check(self, ctx):
        for fn in ctx.warm_functions:
            for site in fn.calls:
                call = site.node
                factory = self._task_factory(ctx, fn, call)
                if factory is None or in_task_group(ctx, site):
                    continue
                fate = self._fate(ctx, fn, site)
                if fate is None:
                    continue
                yield self.report(
                    call,
                    f"the task created by `{factory}(...)` {fate} before `{fn.name}` returns; Lambda freezes "
                    "the environment when the handler returns, so the task is cancelled or resumes in a "
                    "later invocation",
                    "Keep the task and `await` it (or `await asyncio.gather(...)` / `asyncio.wait(...)` the "
                    "tasks) before returning, or create it with `tg.create_task` inside "
                    "`async with asyncio.TaskGroup() as tg:`.",
                )

    @staticmethod
    def _task_factory(ctx, fn, call) -> Optional[str]:
        name = ctx.qualify(call.func)
        if name in apis.TASK_FACTORIES:
            return name
        method = call_method(call)
        if method in apis.TASK_METHODS and is_event_loop(ctx, fn, call_receiver(call)):
            return f"loop.{method}"
        return None

    @staticmethod
    def _fate(ctx, fn, site) -> Optional[str]:
        """Why the task is not waited for, or None when it is (or when we cannot tell)."""
        kind, node = value_use(site)
        if kind == "dropped":
            return "is dropped, so it is never awaited"
        if kind == "method":
            if node.func.attr.value in apis.TASK_FINISHING_METHODS:
                return None
            return "is dropped after `." + node.func.attr.value + "(...)`, so it is never awaited"
        if kind == "argument":
            holder = collected_into(node)
            if holder is not None:
                if kept_value_handled(fn, holder, ctx.locals_of(fn), apis.TASK_FINISHING_METHODS):
                    return None
                return f"is collected in `{holder}`, which is never awaited or gathered"
            if only_looks_at(node):
                return "is only logged or inspected, never awaited"
            return None
        if kind == "assigned":
            targets = getattr(node, "targets", None)
            target = targets[0].target if targets and len(targets) == 1 else getattr(node, "target", None)
            if not isinstance(target, cst.Name):
                return None
            if kept_value_handled(fn, target.value, ctx.locals_of(fn), apis.TASK_FINISHING_METHODS):
                return None
            return f"is kept in `{target.value}` but never awaited, gathered or waited"
        return None
