"""LAM204 loop-bound-object-reused."""
from ..analysis.event_loops import loop_runs, reused_objects
from .base import Rule


class LoopBoundObjectReused(Rule):
    code = "LAM204"
    name = "loop-bound-object-reused"
    summary = "An object bound to an event loop is created once and used under a new event loop every invocation"
    what = (
        "Reports the call that runs a coroutine on an event loop made for this invocation "
        "(`asyncio.run(...)`, `loop.run_until_complete(...)` of a loop from `asyncio.new_event_loop()` "
        "in the same function, `runner.run(...)` of an `asyncio.Runner()` created there) when the "
        "coroutine, or a project function it calls, uses a loop-bound object created once per environment: "
        "`asyncio.Lock`/`Event`/`Semaphore`/`Queue`..., `aiohttp.ClientSession`, `httpx.AsyncClient`, "
        "`redis.asyncio`, motor, asyncpg and aiomysql pools, `create_async_engine`, aioboto3/aiobotocore "
        "clients and resources made from a session at import (documented in "
        "`lambda_lint/analysis/apis.py`, extended with `extend-loop-bound`). Created once means bound at "
        "module scope (or taken from such an object there), returned by a zero-argument memoised factory, "
        "or held by a lazy getter whose guard only tests `is None` or `.closed` (a session is not closed "
        "when its loop is). Used means awaited on, entered with `async with`, or iterated with `async for`. "
        "One diagnostic per call, naming the objects.\n\n"
        "Not reported: one loop for the whole environment (`asyncio.get_event_loop().run_until_complete`, "
        "a loop or runner kept at module scope); objects created inside the coroutine; getters that "
        "compare the running loop, or holders the coroutine resets to `None`."
    )
    why = (
        "`asyncio.run` closes its loop when it returns. The object remembers the loop it was first used "
        "on, so from the second warm invocation on it fails with `RuntimeError: Event loop is closed`, "
        "`... is bound to a different event loop` or `Future attached to a different loop`."
    )
    example = """\
import asyncio, httpx

http = httpx.AsyncClient(timeout=5)

async def fetch(url):
    return (await http.get(url)).json()

def lambda_handler(event, context):
    return asyncio.run(fetch(event["url"]))
"""
    use_instead = """\
import asyncio, httpx

_loop = asyncio.new_event_loop()
http = httpx.AsyncClient(timeout=5)

async def fetch(url):
    return (await http.get(url)).json()

def lambda_handler(event, context):
    return _loop.run_until_complete(fetch(event["url"]))
"""
    fix_safety = (
        "For `asyncio.run(coro)` in a module that imports `asyncio`, the fix creates one loop at module "
        "scope (`_loop = asyncio.new_event_loop()`, or reuses an existing one) and runs the coroutine with "
        "`_loop.run_until_complete(coro)`. It is unsafe: tasks still running when an invocation ends are no "
        "longer cancelled and async generators are no longer finalised; they resume in the next invocation."
    )
    fixable = "sometimes"
    references = (
        "[asyncio.run closes the loop it creates](https://docs.python.org/3/library/asyncio-runner.html#asyncio.run)",
        "[aiohttp: a ClientSession is bound to its event loop](https://docs.aiohttp.org/en/stable/client_advanced.html)",
    )
    valid = (
        """\
import asyncio, aiohttp

async def notify(text):
    async with aiohttp.ClientSession() as session:
        async with session.post("https://example.com", json={"text": text}) as resp:
            return resp.status

def lambda_handler(event, context):
    return asyncio.run(notify(event["text"]))
""",
        """\
import asyncio, httpx

http = httpx.AsyncClient()

async def fetch(url):
    return await http.get(url)

def lambda_handler(event, context):
    return asyncio.get_event_loop().run_until_complete(fetch(event["url"]))
""",
    )
    invalid = (
        """\
import asyncio
import redis.asyncio as aioredis

cache = aioredis.from_url("redis://cache:6379")
_limit = asyncio.Semaphore(4)

async def lookup(key):
    async with _limit:
        return await cache.get(key)

def lambda_handler(event, context):
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(lookup(event["key"]))  # expect
    finally:
        loop.close()
""",
    )

    def check(self, ctx):
        for fn in ctx.warm_functions:
            if fn.is_module_scope:
                continue
            for run in loop_runs(ctx, fn):
                objects = reused_objects(ctx, run)
                if not objects:
                    continue
                named = ", ".join(f"`{o.name}` (line {o.line})" for o in objects)
                coroutine = run.coroutines[0].name
                yield self.report(
                    run.site.node,
                    f"`{run.call}(...)` runs `{coroutine}` on a new event loop every invocation, but the "
                    f"coroutine uses {named}: created once per environment and bound to the first invocation's "
                    "loop, which is closed from the second warm invocation on",
                    "Create the object inside the coroutine (`async with aiohttp.ClientSession() as s:`), or "
                    "keep one loop for the environment (a module-level `asyncio.new_event_loop()` or "
                    "`asyncio.Runner()`) and run every invocation on it.",
                )
