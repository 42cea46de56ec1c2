"""LAM403 cache-without-ttl (off by default)."""
from __future__ import annotations

from typing import Optional

import libcst as cst

from ..analysis import apis
from ..analysis.flow import warm_calls_of
from ..analysis.memo import MEMO_MAPPINGS, memo_store, stamped
from ..analysis.model import Function, store_targets, values_bound_to
from ..analysis.names import dotted, is_literal, keyword_arg, names_in, positional_args, source_text
from .base import Rule

_DEPTH = 12  # local assignment chains followed; calls into project functions are memoised


class CacheWithoutTtl(Rule):
    code = "LAM403"
    name = "cache-without-ttl"
    summary = "A module-level or memoised cache holds remote data with no expiry"
    default_enabled = False
    what = (
        "Off by default (`--extend-select LAM403`). Reports caches that keep values fetched from a remote "
        "service (calls on SDK clients, resources and tables, database cursors, HTTP sessions, `requests`/"
        "`httpx`, Secrets Manager, Parameter Store, Powertools `parameters`) with no expiry: a memoised "
        "function (any `functools` cache, bounded or not, or cachetools `cached` without a TTL cache) whose "
        "result is such a value, reported at the decorator; a store of such a value into a module-level "
        "memo dict or a cachetools cache without TTL; and a module-level global lazily initialised with "
        "such a value (`if _key is None: _key = ssm.get_parameter(...)`, also behind a separate first-call "
        "flag `if not _loaded: ...; _loaded = True`, or in a setter only called under such a guard), reported "
        "at the assignment. A refresh block whose guard compares the holder with a clock is a TTL. Not "
        "reported: caches with an expiry (cachetools `TTLCache`, `cached(TTLCache(...))`, a stored timestamp "
        "that is compared, Powertools `max_age`, a `ttl_hash`-style argument), cached clients and connections, "
        "look-ups that never change (`get_queue_url`, `get_caller_identity`), and globals that some function "
        "resets to force a refetch. Unbounded caches are LAM401/LAM402 instead."
    )
    why = (
        "An execution environment can live for hours. A secret, parameter or item cached for its whole "
        "life is served long after it was rotated or changed: the function keeps using the old database "
        "password, the old feature flags, the old price, until the environment happens to be recycled."
    )
    example = """\
import functools
import json

@functools.cache
def db_credentials():
    return json.loads(secrets.get_secret_value(SecretId=SECRET_ID)["SecretString"])
"""
    use_instead = """\
from aws_lambda_powertools.utilities import parameters

def db_credentials():
    return parameters.get_secret(SECRET_ID, transform="json", max_age=300)
"""
    fix_safety = (
        "No automatic fix: the right expiry depends on how quickly the source changes and how much a "
        "refresh costs."
    )
    references = (
        "[Powertools for AWS Lambda (Python): Parameters, max_age](https://docs.powertools.aws.dev/lambda/python/latest/utilities/parameters/)",
        "[cachetools: TTLCache](https://cachetools.readthedocs.io/en/stable/#cachetools.TTLCache)",
        "[Secrets Manager: rotate secrets](https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets.html)",
    )
    valid = (
        """\
import functools
import boto3

@functools.cache
def sqs():
    return boto3.client("sqs")

def lambda_handler(event, context):
    sqs().send_message(QueueUrl="q", MessageBody=event["body"])
""",
        """\
import boto3
from cachetools import TTLCache

ssm = boto3.client("ssm")
_flags = TTLCache(maxsize=8, ttl=60)

def flags(stage):
    if stage not in _flags:
        _flags[stage] = ssm.get_parameter(Name=f"/{stage}/flags")["Parameter"]["Value"]
    return _flags[stage]

def lambda_handler(event, context):
    return flags("prod")
""",
    )
    invalid = (
        """\
_loaded = False
_catalog = []

def load_catalog():
    global _loaded, _catalog
    if not _loaded:
        with urllib.request.urlopen("https://example.com/catalog", timeout=5) as resp:
            _catalog = json.loads(resp.read())["items"]  # expect
        _loaded = True
    return _catalog

def lambda_handler(event, context):
    return {"count": len(load_catalog())}
""",
        """\
import boto3

ssm = boto3.client("ssm")
_api_key = None

def api_key():
    global _api_key
    if _api_key is None:
        _api_key = ssm.get_parameter(Name="/partner/key", WithDecryption=True)["Parameter"]["Value"]  # expect
    return _api_key

def lambda_handler(event, context):
    return {"key": api_key()[:4]}
""",
    )

    def check(self, ctx):
        remote = _Remote(ctx)
        for fn in ctx.warm_functions:
            yield from self._memoised(ctx, remote, fn)
            for site in fn.stores:
                yield from self._memo_store(ctx, remote, fn, site)
                yield from self._lazy_global(ctx, remote, fn, site)

    # A memoised function whose result is remote data ------------------------------------
    def _memoised(self, ctx, remote, fn):
        decorator = _cache_without_ttl(ctx, fn)
        if decorator is None or fn.parent is not None:
            return
        if _ttl_hash(ctx, fn):
            return  # the ``ttl_hash`` idiom: callers pass a value that changes every N seconds
        for site in fn.returns:
            value = site.node.value
            if value is None or remote.handle(fn, value):
                continue
            call = remote.fetch(fn, value)
            if call is not None:
                spelled = source_text(decorator.decorator)
                yield self.report(
                    decorator,
                    f"`@{spelled}` on `{fn.qualname}` keeps a value fetched from a remote service "
                    f"(`{_callee(call)}`) with no expiry, so changed or rotated data is served for the life of "
                    "the execution environment",
                    "Give the cached value an expiry: cachetools `cached(TTLCache(maxsize=..., ttl=300))`, or "
                    "Powertools `parameters.get_secret/get_parameter(..., max_age=300)`.",
                )
                return

    # A module-level memo dict (or cachetools cache without TTL) of remote data ------------
    def _memo_store(self, ctx, remote, fn, site):
        memo = memo_store(site)
        if memo is None:
            return
        binding = ctx.module_binding(fn, memo.mapping)
        if binding is None:
            return
        if binding.kind == "container":
            if binding.container not in MEMO_MAPPINGS:
                return
            kind = binding.container
        elif binding.kind == "call" and binding.call in apis.CACHETOOLS_NO_TTL:
            kind = binding.call.rsplit(".", 1)[-1]
        else:
            return
        if stamped(fn, memo.value, ctx.model) or remote.handle(fn, memo.value):
            return
        call = remote.fetch(fn, memo.value)
        if call is None:
            return
        yield self.report(
            site.node,
            f"module-level {kind} `{memo.mapping}` (bound on line {ctx.line(binding.anchor)}) caches values "
            f"fetched from a remote service (`{_callee(call)}`) with no expiry, so changed or rotated data is "
            "served for the life of the execution environment",
            f"Give `{memo.mapping}` an expiry: cachetools TTLCache(maxsize=..., ttl=...), or store the fetch time "
            "with each value and refetch when it is too old.",
        )

    # A global lazily initialised with remote data -----------------------------------------
    def _lazy_global(self, ctx, remote, fn, site):
        node = site.node
        if not isinstance(node, (cst.Assign, cst.AnnAssign)) or node.value is None:
            return
        targets = [t for t in store_targets(node) if isinstance(t, cst.Name) and t.value in fn.global_names]
        if len(targets) != 1 or len(store_targets(node)) != 1:
            return
        name = targets[0].value
        block = ctx.holders.refresh_block(site)
        if not ctx.holders.one_time(site) or (block is not None and block.stale_refresh):
            return  # refreshed on every call, or when stale: not a cache without expiry
        if remote.handle(fn, node.value) or _calls_time(ctx, fn) or _invalidated(ctx, name, site):
            return
        call = remote.fetch(fn, node.value)
        if call is None:
            return
        binding = ctx.model.binding(name)
        where = f" (bound on line {ctx.line(binding.anchor)})" if binding is not None else ""
        yield self.report(
            node,
            f"module-level `{name}`{where} is initialised once with a value fetched from a remote service "
            f"(`{_callee(call)}`) and never refreshed, so a changed or rotated value is served for the life of "
            "the execution environment",
            f"Store the fetch time next to `{name}` and refetch when it is older than a few minutes, or use "
            "Powertools `parameters.get_secret/get_parameter(..., max_age=300)`.",
        )


def _callee(call: cst.Call) -> str:
    text = dotted(call.func)
    if text is None:
        text = source_text(call.func)
    return text if len(text) <= 40 else "..." + text[-37:]


def _cache_without_ttl(ctx, fn) -> Optional[cst.Decorator]:
    """The memoising decorator of ``fn`` when its cache has no expiry."""
    found = ctx.cache_decorator(fn)
    if found is not None:
        return found[0]
    for deco in fn.decorators:
        expr = deco.decorator
        call = expr if isinstance(expr, cst.Call) else None
        name = ctx.qualify(call.func if call is not None else expr)
        if name in apis.CACHETOOLS_FUNC_NO_TTL:
            return deco
        if name in apis.CACHETOOLS_DECORATORS and call is not None:
            cache = keyword_arg(call, "cache")
            cache = cache.value if cache is not None else (positional_args(call) or [None])[0]
            if cache is not None and _cache_has_no_ttl(ctx, fn, cache):
                return deco
    return None


def _cache_has_no_ttl(ctx, fn, cache) -> bool:
    if isinstance(cache, cst.Dict):
        return True
    if isinstance(cache, cst.Name):
        binding = ctx.module_binding(fn, cache.value)
        if binding is None:
            return False
        if binding.kind == "container":
            return binding.container in MEMO_MAPPINGS
        return binding.kind == "call" and binding.call in apis.CACHETOOLS_NO_TTL
    if isinstance(cache, cst.Call):
        return ctx.qualify(cache.func) in apis.CACHETOOLS_NO_TTL
    return False


_TTL_PARAM_WORDS = frozenset({"ttl", "time", "epoch", "expiry", "expires", "expire", "expiration", "timestamp",
                              "stamp", "period", "window"})


def _ttl_hash(ctx, fn) -> bool:
    """A parameter meant to change every few minutes (``ttl_hash``, ``cache_time``), or a warm call
    that passes a value computed from the clock (``round(time.time() / 300)``)."""
    if any(set(p.lower().split("_")) & _TTL_PARAM_WORDS for p in fn.params):
        return True
    for caller, site in warm_calls_of(ctx, fn):
        if any(stamped(caller, arg.value, caller.module) for arg in site.node.args):
            return True
    return False


def _calls_time(ctx, fn) -> bool:
    """The function reads the clock: a hand-made expiry (``if _v is None or time.time() > _expires``)."""
    return any(fn.module.qualify(site.node.func) in apis.TIME_FUNCTIONS for site in fn.calls)


def _invalidated(ctx, name: str, lazy_site) -> bool:
    """Some function drops the value so that it is fetched again (``global _key; _key = None``)."""
    for other in ctx.model.all_functions:
        if name not in other.global_names:
            continue
        for site in other.stores:
            if site is lazy_site or isinstance(site.node, cst.AugAssign):
                continue
            value = getattr(site.node, "value", None)
            if value is None or not is_literal(value):
                continue
            if any(isinstance(t, cst.Name) and t.value == name for t in store_targets(site.node)):
                return True
    return False


class _Remote:
    """Which expressions are remote handles (clients, tables, sessions, cursors) and which carry
    data fetched through them."""

    def __init__(self, ctx):
        self.ctx = ctx
        self._returns_handle = {}
        self._returns_remote = {}

    # -- handles --------------------------------------------------------------------------
    def handle(self, fn: Function, expr, depth: int = 0) -> bool:
        if depth > _DEPTH:
            return False
        if isinstance(expr, cst.Await):
            return self.handle(fn, expr.expression, depth + 1)
        if isinstance(expr, cst.Call):
            qualified = fn.module.qualify(expr.func)
            if (qualified in apis.SDK_CONSTRUCTORS or qualified in apis.SESSION_CONSTRUCTORS
                    or qualified in self.ctx.analysis.connection_constructors):
                return True
            func = expr.func
            if isinstance(func, cst.Attribute) and func.attr.value in apis.HANDLE_METHODS:
                return self.handle(fn, func.value, depth + 1)
            target = self.ctx.project.called_function(fn, func)
            return target is not None and self._function_returns_handle(target, depth + 1)
        if isinstance(expr, cst.Name):
            return any(self.handle(scope, value, depth + 1) for scope, value in self._values_of(fn, expr.value))
        if isinstance(expr, cst.Attribute) and _is_self(fn, expr.value):
            return any(self.handle(m, v, depth + 1) for m, v in self._self_attribute_values(fn, expr.attr.value))
        return False

    def _function_returns_handle(self, fn: Function, depth: int) -> bool:
        if fn not in self._returns_handle:
            self._returns_handle[fn] = False  # recursion guard
            values = [s.node.value for s in fn.returns if s.node.value is not None]
            self._returns_handle[fn] = bool(values) and all(self.handle(fn, v) for v in values)
        return self._returns_handle[fn]

    # -- remote data ----------------------------------------------------------------------
    def fetch(self, fn: Function, expr, depth: int = 0) -> Optional[cst.Call]:
        """The call through which ``expr``'s value comes from a remote service, or None.
        Local names are followed breadth first, so the nearest remote call is named."""
        seen = set()
        queue = [(fn, expr, depth)]
        while queue:
            scope, current, level = queue.pop(0)
            for call in _calls_in(current):
                if self._remote_call(scope, call, level):
                    return call
            if level >= _DEPTH:
                continue
            for name in sorted(names_in(current)):
                if (scope, name) in seen:
                    continue
                seen.add((scope, name))
                for where, value in self._values_of(scope, name, local_only=True):
                    queue.append((where, value, level + 1))
        return None

    def _remote_call(self, fn: Function, call: cst.Call, depth: int) -> bool:
        if keyword_arg(call, "max_age") is not None:
            return False  # Powertools parameters with an expiry
        qualified = fn.module.qualify(call.func) or ""
        if qualified in apis.REMOTE_FUNCTIONS or qualified in apis.REMOTE_FUNCTIONS_MORE:
            return True
        module, _, attr = qualified.rpartition(".")
        if module == apis.POWERTOOLS_PARAMETERS and attr in apis.POWERTOOLS_FETCHERS:
            return True
        func = call.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if _remote_method(method) and self.handle(fn, func.value):
                return True
        target = self.ctx.project.called_function(fn, func)
        if target is not None and target is not fn:
            return self._function_returns_remote(target, depth + 1)
        return False

    def _function_returns_remote(self, fn: Function, depth: int) -> bool:
        if fn not in self._returns_remote:
            self._returns_remote[fn] = False  # recursion guard
            self._returns_remote[fn] = any(
                s.node.value is not None
                and not self.handle(fn, s.node.value)
                and self.fetch(fn, s.node.value) is not None
                for s in fn.returns
            )
        return self._returns_remote[fn]

    # -- where values come from -------------------------------------------------------------
    def _values_of(self, fn: Function, name: str, local_only: bool = False) -> list:
        """(scope, expression) pairs a name may hold: local assignments and ``with`` targets, else
        (unless ``local_only``) its module-level binding."""
        if fn.is_module_scope or name not in self.ctx.locals_of(fn):
            if local_only:
                return []
            binding = fn.module.binding(name)
            if binding is not None and binding.kind == "call" and isinstance(binding.value, cst.BaseExpression):
                return [(fn.module.scope, binding.value)]
            return []
        return [(fn, value) for value, _ in values_bound_to(fn, name)]

    def _self_attribute_values(self, fn: Function, attr: str) -> list:
        return fn.cls.attribute_values(attr) if fn.cls is not None else []


def _remote_method(method: str) -> bool:
    if method in apis.NOT_REMOTE_METHODS or method in apis.HANDLE_METHODS:
        return False
    return method in apis.REMOTE_METHODS or method.startswith(apis.REMOTE_METHOD_PREFIXES)


def _is_self(fn: Function, expr) -> bool:
    return isinstance(expr, cst.Name) and fn.cls is not None and bool(fn.params) and expr.value == fn.params[0]


def _calls_in(expr) -> list:
    """Calls inside one expression (not inside lambdas), outermost first."""
    out = []
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Lambda):
            continue
        if isinstance(node, cst.Call):
            out.append(node)
        stack.extend(reversed(node.children))
    return out
