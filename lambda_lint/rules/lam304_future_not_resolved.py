"""LAM304 future-not-resolved."""
from typing import Optional

import libcst as cst

from ..analysis import apis
from ..analysis.flow import collected_into, kept_value_handled, only_looks_at, value_use
from ..analysis.model import store_targets
from ..analysis.names import call_method, call_receiver, is_literal, keyword_arg, positional_args
from .base import Rule

_RESOLVING_METHODS = frozenset(apis.FUTURE_METHODS | {"cancel"})


def _is_executor_call(ctx, expr) -> bool:
    return isinstance(expr, cst.Call) and ctx.qualify(expr.func) in apis.EXECUTOR_CONSTRUCTORS


def _local_executor_stores(ctx, fn, name: str) -> bool:
    """``name = ThreadPoolExecutor(...)`` in ``fn`` (a per-invocation executor)."""
    for site in fn.stores:
        targets = store_targets(site.node)
        if (
            len(targets) == 1
            and isinstance(targets[0], cst.Name)
            and targets[0].value == name
            and _is_executor_call(ctx, getattr(site.node, "value", None))
        ):
            return True
    return False


def _with_executor(ctx, site, name: str) -> bool:
    """The site is inside ``with ThreadPoolExecutor(...) as <name>:``, whose exit waits."""
    for node in site.ancestors:
        if isinstance(node, cst.With):
            for item in node.items:
                if (
                    _is_executor_call(ctx, item.item)
                    and item.asname is not None
                    and isinstance(item.asname.name, cst.Name)
                    and item.asname.name.value == name
                ):
                    return True
    return False


def _shutdown_wait(call: cst.Call) -> Optional[bool]:
    """The ``wait`` of a ``shutdown(...)`` call when it is a literal (default True)."""
    arg = keyword_arg(call, "wait")
    value = arg.value if arg is not None else (positional_args(call) or [None])[0]
    if value is None:
        return True
    if isinstance(value, cst.Name) and value.value in ("True", "False") and is_literal(value):
        return value.value == "True"
    return None


class FutureNotResolved(Rule):
    code = "LAM304"
    name = "future-not-resolved"
    summary = "An executor future is dropped or never resolved before the handler returns"
    what = (
        "Reports `executor.submit(...)` and `loop.run_in_executor(...)` calls on the warm path whose "
        "future is dropped, or kept (alone or in a list) but never resolved with `result()`, "
        "`concurrent.futures.wait`, `as_completed`, `await`, or returned to the caller. Work "
        "submitted inside `with ThreadPoolExecutor() as ex:` is exempt (the block's exit waits), as "
        "is work on a per-invocation executor that is shut down with `wait=True`. A per-invocation "
        "executor shut down with `wait=False` is reported at the `shutdown` call."
    )
    why = (
        "Lambda freezes the execution environment as soon as the handler returns. Work still queued "
        "or running on an executor's threads is suspended mid-way and finishes in a later "
        "invocation, or never; its exceptions are never seen. `shutdown(wait=False)` returns "
        "without waiting, so it has the same effect."
    )
    example = """\
_pool = ThreadPoolExecutor(max_workers=4)

def lambda_handler(event, context):
    _pool.submit(_audit, event["keys"])
    return {"ok": True}
"""
    use_instead = """\
_pool = ThreadPoolExecutor(max_workers=4)

def lambda_handler(event, context):
    audit = _pool.submit(_audit, event["keys"])
    audit.result(timeout=5)
    return {"ok": True}
"""
    fixable = "sometimes"
    fix_safety = (
        "A dropped `executor.submit(...)` gets `.result()`, a dropped `run_in_executor(...)` inside an "
        "`async def` gets `await`, and `shutdown(wait=False)` of a per-invocation executor becomes "
        "`wait=True`. All are unsafe: the handler now waits for the work and raises its exception. "
        "Futures kept in lists get no fix."
    )
    references = (
        "[concurrent.futures: Executor.submit and shutdown](https://docs.python.org/3/library/concurrent.futures.html#concurrent.futures.Executor.shutdown)",
        "[asyncio: loop.run_in_executor](https://docs.python.org/3/library/asyncio-eventloop.html#asyncio.loop.run_in_executor)",
    )
    valid = (
        """\
from concurrent.futures import ThreadPoolExecutor, as_completed, wait

_shared = ThreadPoolExecutor(max_workers=4)

def _size(key):
    return len(key)

def lambda_handler(event, context):
    with ThreadPoolExecutor() as ex:
        for key in event["keys"]:
            ex.submit(_size, key)
    checks = [_shared.submit(_size, k) for k in event["keys"]]
    wait(checks)
    first = _shared.submit(_size, "a")
    return {"total": sum(f.result() for f in checks), "first": first.result()}
""",
    )
    invalid = (
        """\
from concurrent.futures import ThreadPoolExecutor, wait

_pool = ThreadPoolExecutor(max_workers=4)

def _work(key):
    return key

def lambda_handler(event, context):
    futures = [_pool.submit(_work, k) for k in event["keys"]]  # expect
    _pool.submit(_work, "audit")  # expect
    ex = ThreadPoolExecutor(max_workers=2)
    pending = [ex.submit(_work, k) for k in event["keys"]]
    wait(pending, timeout=2)
    ex.shutdown(wait=False)  # expect
    return {"scheduled": len(futures)}
""",
    )

    def check(self, ctx):
        for fn in ctx.warm_functions:
            for site in fn.calls:
                call = site.node
                method = call_method(call)
                if method in apis.EXECUTOR_SUBMIT_METHODS:
                    yield from self._check_submit(ctx, fn, site)
                elif method in apis.LOOP_EXECUTOR_METHODS:
                    executor = call.args[0].value if call.args else None
                    if isinstance(executor, cst.Name) and _with_executor(ctx, site, executor.value):
                        continue
                    fate = self._fate(ctx, fn, site)
                    if fate is not None:
                        yield self.report(
                            call,
                            f"the future of `run_in_executor(...)` {fate} before `{fn.name}` returns; the work "
                            "is frozen with the environment when the handler returns",
                            "`await` the future (or `asyncio.gather`/`asyncio.wait` it) before returning.",
                        )
                elif method == "shutdown":
                    yield from self._check_shutdown(ctx, fn, site)

    def _check_submit(self, ctx, fn, site):
        call = site.node
        receiver = call_receiver(call)
        if isinstance(receiver, cst.Call):
            if not _is_executor_call(ctx, receiver):
                return
            what = "a `ThreadPoolExecutor` built inline"
        elif isinstance(receiver, cst.Name):
            name = receiver.value
            if name in ctx.locals_of(fn):
                if _with_executor(ctx, site, name) or not _local_executor_stores(ctx, fn, name):
                    return
                if any(
                    _shutdown_wait(s.node) is not False
                    for s in fn.calls
                    if call_method(s.node) == "shutdown" and isinstance(call_receiver(s.node), cst.Name)
                    and call_receiver(s.node).value == name
                ):
                    return  # shutdown(wait=True) waits for every submitted future
                what = f"the per-invocation executor `{name}`"
            else:
                binding = ctx.module_binding(fn, name)
                if binding is None or binding.kind != "call" or binding.call not in apis.EXECUTOR_CONSTRUCTORS:
                    return
                what = f"module-level ThreadPoolExecutor `{name}` (bound on line {ctx.line(binding.anchor)})"
        else:
            return
        fate = self._fate(ctx, fn, site)
        if fate is None:
            return
        yield self.report(
            call,
            f"the future of this `submit(...)` on {what} {fate} before `{fn.name}` returns; Lambda freezes "
            "the environment when the handler returns, so the work stops mid-way and its errors are lost",
            "Keep the future and call `.result()` on it (or `concurrent.futures.wait(...)` the futures) before "
            "returning, or submit inside `with ThreadPoolExecutor() as ex:` so that the block waits.",
        )

    def _check_shutdown(self, ctx, fn, site):
        call = site.node
        receiver = call_receiver(call)
        if not isinstance(receiver, cst.Name) or _shutdown_wait(call) is not False:
            return
        name = receiver.value
        if name not in ctx.locals_of(fn) or _with_executor(ctx, site, name) or not _local_executor_stores(ctx, fn, name):
            return
        yield self.report(
            call,
            f"the per-invocation executor `{name}` is shut down with `wait=False`, so work still running on "
            f"it is frozen with the environment when `{fn.name}` returns",
            "Use `shutdown(wait=True)` (the default), or `with ThreadPoolExecutor() as ex:`; to bound the "
            "wait, cancel what is not done (`cancel_futures=True`) and still wait for what is running.",
        )

    @staticmethod
    def _fate(ctx, fn, site) -> Optional[str]:
        """Why the future is never resolved, or None when it is (or when we cannot tell)."""
        kind, node = value_use(site)
        if kind == "dropped":
            return "is dropped"
        if kind == "method":
            if node.func.attr.value in _RESOLVING_METHODS:
                return None
            return f"is dropped after `.{node.func.attr.value}(...)`"
        if kind == "argument":
            holder = collected_into(node)
            if holder is not None:
                if kept_value_handled(fn, holder, ctx.locals_of(fn), _RESOLVING_METHODS):
                    return None
                return f"is collected in `{holder}`, which is never resolved"
            if only_looks_at(node):
                return "is only logged or counted, never resolved"
            return None
        if kind == "assigned":
            targets = store_targets(node) if not isinstance(node, cst.NamedExpr) else [node.target]
            if len(targets) != 1 or not isinstance(targets[0], cst.Name):
                return None
            name = targets[0].value
            if kept_value_handled(fn, name, ctx.locals_of(fn), _RESOLVING_METHODS):
                return None
            return f"is kept in `{name}` but never resolved"
        return None
