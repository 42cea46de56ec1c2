"""LAM303 thread-not-joined."""
from typing import Optional

import libcst as cst

from ..analysis import apis
from ..analysis.flow import collected_into, only_looks_at, released_before_every_exit, released_on_every_path, value_use
from ..analysis.model import ClassInfo, store_targets
from ..analysis.names import call_method, call_receiver
from .base import Rule


def _thread_class(ctx, fn, call: cst.Call) -> Optional[str]:
    """'Thread' or 'Timer' when ``call`` constructs a thread (also a project subclass of one)."""
    name = ctx.qualify(call.func)
    if name in apis.THREAD_CONSTRUCTORS:
        return "Timer" if name in apis.TIMER_CONSTRUCTORS else "Thread"
    cls = ctx.project.resolve_expr(fn, call.func)
    seen = set()
    while isinstance(cls, ClassInfo) and id(cls) not in seen:
        seen.add(id(cls))
        for base in cls.bases:
            if base in apis.THREAD_CONSTRUCTORS:
                return "Timer" if base in apis.TIMER_CONSTRUCTORS else "Thread"
        parent = None
        for base in cls.bases:
            if "." not in base:
                found = ctx.project.resolve_name(cls.module.scope, base)
                if isinstance(found, ClassInfo):
                    parent = found
                    break
        cls = parent
    return None


def _single_target(node) -> Optional[str]:
    targets = store_targets(node)
    if len(targets) == 1 and isinstance(targets[0], cst.Name):
        return targets[0].value
    return None


def _constructed(ctx, fn, expr) -> Optional[str]:
    """Thread kind for an expression that builds threads: a constructor, or a display/comprehension of them."""
    if isinstance(expr, cst.Call):
        return _thread_class(ctx, fn, expr)
    if isinstance(expr, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
        return _constructed(ctx, fn, expr.elt)
    if isinstance(expr, (cst.List, cst.Tuple, cst.Set)) and expr.elements:
        kinds = {_constructed(ctx, fn, e.value) for e in expr.elements}
        return kinds.pop() if len(kinds) == 1 else None
    return None


class ThreadNotJoined(Rule):
    code = "LAM303"
    name = "thread-not-joined"
    summary = "A thread or timer is started on the warm path and not joined before the handler returns"
    what = (
        "Reports `.start()` of a `threading.Thread` or `threading.Timer` (or a project subclass) on "
        "the warm path when the thread is not joined on every path before the function returns: "
        "never joined, started inline (`Thread(...).start()`, so it cannot be joined), or joined "
        "only under an `if` or after an early `return`. A join in a `finally`, or over the list the "
        "threads were collected in (`for w in workers: w.join()`), counts. A `Timer` that is "
        "cancelled on every path counts too."
    )
    why = (
        "Lambda freezes the execution environment as soon as the handler returns. A thread that is "
        "still running is suspended mid-work: its upload or log shipment finishes in some later "
        "invocation, or never, if the environment is reclaimed. Daemon threads are no exception."
    )
    example = """\
def lambda_handler(event, context):
    uploader = threading.Thread(target=_upload, args=(event["key"],))
    uploader.start()
    if event.get("wait"):
        uploader.join()
    return {"queued": True}
"""
    use_instead = """\
def lambda_handler(event, context):
    uploader = threading.Thread(target=_upload, args=(event["key"],))
    uploader.start()
    try:
        ...
    finally:
        uploader.join()
    return {"queued": True}
"""
    fixable = "sometimes"
    fix_safety = (
        "Where the thread is a local name and every return is in the same function, the fix joins it "
        "before the function returns (`try`/`finally` when there are early returns; an inline "
        "`Thread(...).start()` gets a name first). It is unsafe: the handler now waits for the thread, "
        "which changes its duration."
    )
    references = (
        "[threading.Thread.join](https://docs.python.org/3/library/threading.html#threading.Thread.join)",
        "[Lambda execution environment lifecycle](https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html)",
    )
    valid = (
        """\
import threading

def _put(key):
    print(key)

def lambda_handler(event, context):
    workers = [threading.Thread(target=_put, args=(k,)) for k in event["keys"]]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    index = threading.Thread(target=_put, args=("index",))
    index.start()
    try:
        return {"count": len(workers)}
    finally:
        index.join()
""",
    )
    invalid = (
        """\
import threading

def _put(key):
    print(key)

def lambda_handler(event, context):
    threading.Thread(target=_put, args=("a",), daemon=True).start()  # expect
    uploader = threading.Thread(target=_put, args=("b",))
    uploader.start()  # expect
    if event.get("wait"):
        uploader.join()
    return {}
""",
    )

    def check(self, ctx):
        for fn in ctx.warm_functions:
            for site in fn.calls:
                call = site.node
                if call_method(call) != "start":
                    continue
                receiver = call_receiver(call)
                if isinstance(receiver, cst.Call):
                    kind = _thread_class(ctx, fn, receiver)
                    if kind is not None:
                        yield self._report(call, fn, kind, f"this {kind} is started without keeping a reference, so it can never be joined")
                    continue
                if not isinstance(receiver, cst.Name):
                    continue
                found = self._thread_named(ctx, fn, receiver.value)
                if found is None:
                    continue
                kind, collections = found
                if self._escapes(ctx, fn, receiver.value, collections):
                    continue
                releases = self._releases(fn, receiver.value, kind, collections)
                if released_on_every_path(site, releases) or released_before_every_exit(site, releases):
                    continue
                how = "is joined only on some paths" if releases else "is started but never joined"
                yield self._report(call, fn, kind, f"{kind} `{receiver.value}` {how}")

    def _report(self, call, fn, kind, what):
        if kind == "Timer":
            suggestion = (
                "Keep the timer and `cancel()` (or `join()`) it before returning, in a `finally` so that "
                "early returns do it too."
            )
        else:
            suggestion = (
                "Keep the thread and `join()` it before returning, in a `finally` so that early returns wait "
                "too (or use `with ThreadPoolExecutor() as ex:`, whose exit waits for the work)."
            )
        return self.report(
            call,
            f"{what} before `{fn.name}` returns; Lambda freezes the environment when "
            "the handler returns, so the thread's work stops mid-way and resumes, or is lost, later",
            suggestion,
        )

    # -- which thread is started ----------------------------------------------------------
    def _thread_named(self, ctx, fn, name: str):
        """(kind, collections) when the local ``name`` holds a thread built in ``fn``: assigned from a
        constructor, or a loop variable over a local list of threads; collections are the local
        lists it belongs to."""
        if name not in ctx.locals_of(fn):
            return None
        kind = None
        for site in fn.stores:
            value = getattr(site.node, "value", None)
            if kind is None and _single_target(site.node) == name and isinstance(value, cst.Call):
                kind = _thread_class(ctx, fn, value)
        collections = set()
        for loop in fn.loops:
            node = loop.node
            if isinstance(node.target, cst.Name) and node.target.value == name and isinstance(node.iter, cst.Name):
                built = self._thread_list(ctx, fn, node.iter.value)
                if built is not None:
                    kind = kind or built
                    collections.add(node.iter.value)
        if kind is None:
            return None
        for read in fn.names.get(name, ()):
            use, node = value_use(read)
            if use == "argument":
                holder = collected_into(node)
                if holder is not None:
                    collections.add(holder)
        return kind, collections

    def _thread_list(self, ctx, fn, name: str) -> Optional[str]:
        """Thread kind for a local list built from thread constructors or filled with threads."""
        if name not in ctx.locals_of(fn):
            return None
        for site in fn.stores:
            if _single_target(site.node) == name:
                built = _constructed(ctx, fn, getattr(site.node, "value", None))
                if built is not None:
                    return built
        for read in fn.names.get(name, ()):
            use, node = value_use(read)
            if use == "method" and collected_into(node) == name and node.args:
                value = node.args[0].value
                if isinstance(value, cst.Call):
                    built = _thread_class(ctx, fn, value)
                    if built is not None:
                        return built
                elif isinstance(value, cst.Name):
                    for site in fn.stores:
                        if _single_target(site.node) == value.value and isinstance(getattr(site.node, "value", None), cst.Call):
                            built = _thread_class(ctx, fn, site.node.value)
                            if built is not None:
                                return built
        return None

    # -- where it could be joined instead ----------------------------------------------
    @staticmethod
    def _escapes(ctx, fn, name: str, collections: set) -> bool:
        """The thread (or a list holding it) leaves this function: returned, stored elsewhere, used
        by a nested function, or handed to a helper that may join it. Then this function is not
        the place to judge."""
        local = ctx.locals_of(fn)
        for held in {name} | collections:
            for inner in fn.nested.values():
                if held in inner.names:
                    return True
            for read in fn.names.get(held, ()):
                use, node = value_use(read)
                if use in ("returned", "assigned"):
                    return True
                if use == "argument":
                    holder = collected_into(node)
                    if holder is not None:
                        if holder not in local:
                            return True
                        continue
                    if not only_looks_at(node):
                        return True
        return False

    @staticmethod
    def _releases(fn, name: str, kind: str, collections: set) -> list:
        methods = set(apis.THREAD_JOIN_METHODS) | ({"cancel"} if kind == "Timer" else set())
        out = []
        for site in fn.calls:
            call = site.node
            if call_method(call) not in methods:
                continue
            receiver = call_receiver(call)
            if not isinstance(receiver, cst.Name):
                continue
            if receiver.value == name:
                out.append(site)
                continue
            for node in site.ancestors:
                if (
                    isinstance(node, (cst.For, cst.CompFor))
                    and isinstance(node.target, cst.Name)
                    and node.target.value == receiver.value
                    and isinstance(node.iter, cst.Name)
                    and node.iter.value in collections
                ):
                    out.append(site)
                    break
        return out
