"""LAM302 coroutine-not-awaited."""
from typing import Optional

import libcst as cst

from ..analysis import apis
from ..analysis.flow import value_use
from ..analysis.model import Function
from ..analysis.names import contains, dotted
from .base import Rule


def _yields(fn: Function) -> bool:
    """An ``async def`` with ``yield`` is an async generator, not a coroutine function."""
    return contains(fn.node.body, cst.Yield)


def _made_sync(ctx, fn: Function) -> bool:
    """Decorated by something that turns it into a plain function: ``@async_to_sync``,
    ``@run_sync``, or a project decorator whose innermost wrapper is a plain ``def``
    (one that schedules or runs the coroutine itself)."""
    for deco in fn.decorators:
        expr = deco.decorator.func if isinstance(deco.decorator, cst.Call) else deco.decorator
        name = (dotted(expr) or "").lower()
        if "sync" in name.split(".")[-1].replace("async", ""):
            return True
        decorator = ctx.project.resolve_expr(fn.module.scope, expr)
        if isinstance(decorator, Function) and any(not leaf.is_async for leaf in _wrappers(decorator)):
            return True
    return False


def _wrappers(fn: Function) -> list:
    """The innermost nested functions of a decorator (the wrapper it returns)."""
    if not fn.nested:
        return []
    out = []
    for inner in fn.nested.values():
        out.extend(_wrappers(inner) or [inner])
    return out


class CoroutineNotAwaited(Rule):
    code = "LAM302"
    name = "coroutine-not-awaited"
    summary = "A coroutine function is called and its coroutine dropped"
    what = (
        "Reports warm-path calls of a coroutine function (an `async def` of the project, including "
        "methods of project classes, or a known asyncio coroutine such as `asyncio.sleep`) whose "
        "coroutine is thrown away: the call is a statement of its own instead of being awaited, "
        "passed to `asyncio.run`/`gather`/`create_task`, or returned."
    )
    why = (
        "Calling an `async def` does not run it: it only builds a coroutine object. Dropped, the "
        "coroutine never runs at all (Python only warns `coroutine ... was never awaited` in the "
        "logs), so the message is not published, the batch is not deleted, the back-off does not "
        "wait. In Lambda this usually shows up as work that silently never happens."
    )
    example = """\
async def delete_batch(entries):
    ...

async def main(event):
    delete_batch(event["entries"])
    return {"ok": True}

def lambda_handler(event, context):
    return asyncio.run(main(event))
"""
    use_instead = """\
async def delete_batch(entries):
    ...

async def main(event):
    await delete_batch(event["entries"])
    return {"ok": True}

def lambda_handler(event, context):
    return asyncio.run(main(event))
"""
    fixable = "sometimes"
    fix_safety = (
        "Inside an `async def`, the dropped call gets `await`. The fix is unsafe: the coroutine now "
        "runs (it never did), in order, and its exceptions propagate. In a plain function there is no "
        "fix: it needs `asyncio.run(...)` or a change to the caller."
    )
    references = (
        "[asyncio: coroutines must be awaited](https://docs.python.org/3/library/asyncio-task.html#coroutines)",
        "[asyncio: detect never-awaited coroutines](https://docs.python.org/3/library/asyncio-dev.html#detect-never-awaited-coroutines)",
    )
    valid = (
        """\
import asyncio

async def fetch(key):
    await asyncio.sleep(0)
    return key

def fetch_later(key):
    return fetch(key)

async def main(keys):
    first = await fetch(keys[0])
    rest = await asyncio.gather(*[fetch_later(k) for k in keys[1:]])
    task = asyncio.create_task(fetch("summary"))
    return [first, *rest, await task]

def lambda_handler(event, context):
    return asyncio.run(main(event["keys"]))
""",
    )
    invalid = (
        """\
import asyncio

class Policy:
    async def backoff(self, attempt):
        await asyncio.sleep(attempt)

async def publish(message):
    await asyncio.sleep(0)

async def deliver(message):
    policy = Policy()
    policy.backoff(1)  # expect
    asyncio.sleep(0.1)  # expect
    await publish(message)

def lambda_handler(event, context):
    publish(event)  # expect
    asyncio.run(deliver(event))
""",
    )

    def check(self, ctx):
        for fn in ctx.warm_functions:
            for site in fn.calls:
                call = site.node
                what = self._coroutine_function(ctx, fn, call)
                if what is None or value_use(site)[0] != "dropped":
                    continue
                if fn.is_async:
                    suggestion = f"`await` it (`await {what}(...)`), or pass it to `asyncio.create_task` and await the task before returning."
                else:
                    suggestion = f"Run it with `asyncio.run({what}(...))`, or make `{fn.name}` an `async def` and await it."
                yield self.report(
                    call,
                    f"`{what}(...)` returns a coroutine that is dropped here, so `{what}` never runs",
                    suggestion,
                )

    @staticmethod
    def _coroutine_function(ctx, fn, call) -> Optional[str]:
        func = call.func
        if isinstance(func, cst.Name) and func.value in ctx.locals_of(fn) and func.value not in fn.nested:
            return None  # a local variable, not the function of that name
        target = ctx.project.resolve_expr(fn, func)
        if isinstance(target, Function):
            if target.is_async and not _yields(target) and not _made_sync(ctx, target):
                return dotted(func) or target.name
            return None
        if target is None:
            name = ctx.qualify(func)
            if name in apis.ASYNC_APIS:
                return name
        return None
