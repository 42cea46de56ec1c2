"""LAM402 unbounded-lru-cache."""
import libcst as cst

from ..analysis.flow import warm_calls_of
from ..analysis.names import source_text
from .base import Rule


class UnboundedLruCache(Rule):
    code = "LAM402"
    name = "unbounded-lru-cache"
    summary = "An unbounded functools cache on a warm-path function with parameters"
    what = (
        "Reports `@functools.cache`, `@lru_cache(maxsize=None)` and `@lru_cache(None)` (under any import "
        "style or alias) on a function that takes parameters and is called on the warm path. The diagnostic "
        "is on the decorator line. Not reported: zero-parameter functions (the memoised client factory), "
        "bounded or bare `@lru_cache`, caches on nested functions, and functions that every warm call passes "
        "only constants (literals, module-level constants, environment variables)."
    )
    why = (
        "An unbounded cache keeps one entry per distinct argument tuple, forever. In Lambda 'forever' is the "
        "life of the execution environment, which serves many warm invocations with ever new arguments "
        "(customer ids, SKUs, tenant names), so memory only grows until the function exceeds its memory "
        "limit. A cache on a method also keeps every `self` it has seen alive."
    )
    example = """\
import functools

@functools.cache
def price_for(sku):
    return prices.get_item(Key={"sku": sku}).get("Item", {}).get("price", 0)
"""
    use_instead = """\
import functools

@functools.lru_cache(maxsize=1024)
def price_for(sku):
    return prices.get_item(Key={"sku": sku}).get("Item", {}).get("price", 0)
"""
    fix_safety = (
        "The fix is safe: it turns the decorator into `lru_cache(maxsize=N)` (N is `fix-maxsize`, 128 by "
        "default), keeping the file's import style (`@functools.cache` -> `@functools.lru_cache(maxsize=128)`, "
        "`@memo(maxsize=None)` -> `@memo(maxsize=128)`). A bounded cache returns the same results; only how "
        "many are kept, and so how often the function runs again, changes. Pick N from how many distinct "
        "arguments the function sees and how large its results are."
    )
    fixable = "sometimes"
    references = (
        "[functools.lru_cache](https://docs.python.org/3/library/functools.html#functools.lru_cache)",
        "[Lambda execution environment lifecycle](https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html)",
    )
    valid = (
        """\
import functools
import boto3

@functools.cache
def s3():
    return boto3.client("s3")

@functools.lru_cache(maxsize=256)
def label(code):
    return code.title()

def lambda_handler(event, context):
    s3().put_object(Bucket="b", Key="k", Body=label(event["code"]))
""",
        """\
from functools import lru_cache

@lru_cache
def label(code):
    return code.title()

@lru_cache(maxsize=None)
def rebuild(version):
    return {"version": version}

def lambda_handler(event, context):
    return label(event["code"])
""",
    )
    invalid = (
        """\
from functools import lru_cache as memo

@memo(maxsize=None)  # expect
def load_schema(name, version):
    return {"name": name, "version": version}

def lambda_handler(event, context):
    return load_schema("quote", event["version"])
""",
    )

    def check(self, ctx):
        for fn in ctx.warm_functions:
            found = ctx.cache_decorator(fn)
            if found is None:
                continue
            decorator, bounded = found
            if bounded or fn.parent is not None:
                continue  # a cache on a nested function is rebuilt with the function, per call
            params = _cached_parameters(fn)
            if not params:
                continue
            if _only_called_with_constants(ctx, fn):
                continue  # every warm call passes the same few literal arguments: a small fixed key set
            spelled = source_text(decorator.decorator)
            yield self.report(
                decorator,
                f"`@{spelled}` on `{fn.qualname}({', '.join(params)})` has no size limit: every distinct "
                "argument adds an entry that stays for the life of the execution environment",
                f"Give the cache a bound, e.g. `@functools.lru_cache(maxsize=256)` on `{fn.name}`, or use a "
                "cachetools TTLCache if the values can change.",
            )


def _cached_parameters(fn) -> list:
    """The parameters that become part of the cache key (``cls`` of a classmethod is one fixed value)."""
    params = list(fn.params)
    if params and fn.cls is not None and _is_classmethod(fn):
        params = params[1:]
    return params


def _only_called_with_constants(ctx, fn) -> bool:
    """Every warm-path call of ``fn`` passes only constants (literals, module-level constants,
    environment variables), and ``fn`` is never handed over as a value (``map(fn, ...)``)."""
    if fn.cls is not None and not _is_static_or_class(fn):
        return False  # ``self`` is part of the key
    calls = warm_calls_of(ctx, fn)
    if not calls or _handed_over(ctx, fn):
        return False
    return all(all(not arg.star and _constant(caller, arg.value) for arg in site.node.args) for caller, site in calls)


def _handed_over(ctx, fn) -> bool:
    """``fn`` is passed as a value somewhere on the warm path (``map(fn, items)``, ``submit(fn, x)``)."""
    project = ctx.project
    for caller in project.warm:
        for site in caller.calls:
            for arg in site.node.args:
                value = arg.value
                last = value.value if isinstance(value, cst.Name) else (
                    value.attr.value if isinstance(value, cst.Attribute) else None)
                if last == fn.name and _resolves_to(project, caller, value, fn):
                    return True
    return False


def _resolves_to(project, caller, expr, fn) -> bool:
    try:
        return project.resolve_expr(caller, expr) is fn
    except RecursionError:
        return False


def _constant(caller, expr, depth: int = 0) -> bool:
    """A value fixed for the life of the execution environment."""
    from ..analysis.names import is_literal

    if depth > 5:
        return False
    if is_literal(expr):
        return True
    if isinstance(expr, cst.Name):
        if not caller.is_module_scope and (expr.value in caller.params or _assigned_locally(caller, expr.value)):
            return False
        binding = caller.module.binding(expr.value)
        if binding is None or binding.kind not in ("constant", "call"):
            return False
        value = binding.value
        return binding.kind == "constant" or _constant(caller.module.scope, value, depth + 1)
    if isinstance(expr, cst.FormattedString):
        return all(
            _constant(caller, part.expression, depth + 1)
            for part in expr.parts
            if isinstance(part, cst.FormattedStringExpression)
        )
    if isinstance(expr, cst.Subscript):
        # os.environ["STAGE"]
        return caller.module.qualify(expr.value) == "os.environ" and all(
            isinstance(e.slice, cst.Index) and is_literal(e.slice.value) for e in expr.slice
        )
    if isinstance(expr, cst.Call):
        name = caller.module.qualify(expr.func)
        if name in ("os.environ.get", "os.getenv"):
            return all(not a.star and _constant(caller, a.value, depth + 1) for a in expr.args)
    return False


def _assigned_locally(fn, name) -> bool:
    from ..analysis.model import store_targets

    if name in fn.global_names:
        return True
    for site in fn.stores:
        for target in store_targets(site.node):
            if isinstance(target, cst.Name) and target.value == name:
                return True
    return False


def _is_static_or_class(fn) -> bool:
    return any(
        isinstance(d.decorator, cst.Name) and d.decorator.value in ("staticmethod", "classmethod")
        for d in fn.decorators
    )


def _is_classmethod(fn) -> bool:
    for deco in fn.decorators:
        expr = deco.decorator
        if isinstance(expr, cst.Name) and expr.value == "classmethod":
            return True
    return False
