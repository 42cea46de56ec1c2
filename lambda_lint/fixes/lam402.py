"""LAM402 fix: an unbounded functools cache becomes ``lru_cache(maxsize=N)``.

    @functools.cache               ->  @functools.lru_cache(maxsize=128)
    @lru_cache(maxsize=None)       ->  @lru_cache(maxsize=128)
    @lru_cache(None)               ->  @lru_cache(maxsize=128)
    @memo(maxsize=None)            ->  @memo(maxsize=128)      (``from functools import lru_cache as memo``)
    @cache                         ->  @lru_cache(maxsize=128) (``lru_cache`` added to the functools import)

N is ``fix-maxsize`` from the configuration (default 128). The file's import
style is kept. Safe: a bounded cache returns the same results; only how many
are kept (memory) and how often the function runs again changes.
"""
from __future__ import annotations

from typing import Optional

import libcst as cst

from ..analysis import apis
from ..analysis.names import is_none, keyword_arg, positional_args
from .common import (
    SAFE,
    add_import_alias,
    build_fix,
    function_decorated_by,
    import_binding_node,
    module_name_for,
    names_used,
)

DEFAULT_MAXSIZE = 128
_NO_SPACE = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))


def maxsize_of(ctx) -> int:
    value = getattr(getattr(ctx, "config", None), "fix_maxsize", None)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else DEFAULT_MAXSIZE


def _maxsize_arg(n: int) -> cst.Arg:
    return cst.Arg(keyword=cst.Name("maxsize"), equal=_NO_SPACE, value=cst.Integer(str(n)))


def fix(code, ctx, report):
    decorator = report.node
    if not isinstance(decorator, cst.Decorator):
        return None
    fn = function_decorated_by(ctx, decorator)
    if fn is None:
        return None
    n = maxsize_of(ctx)
    expr = decorator.decorator
    call = expr if isinstance(expr, cst.Call) else None
    qualified = ctx.qualify(call.func if call is not None else expr)
    if qualified == apis.FUNCTOOLS_LRU_CACHE and call is not None:
        new_call = _bounded_call(call, n)
        if new_call is None:
            return None
        changes = {call: lambda updated: _bounded_call(updated, n)}
        exclusive = False
    elif qualified == apis.FUNCTOOLS_CACHE and call is None:
        planned = _cache_to_lru(ctx, expr, n)
        if planned is None:
            return None
        changes, exclusive = planned
    else:
        return None
    return build_fix(
        ctx,
        f"Bound the cache: `{_render(ctx, decorator, changes)}`",
        SAFE,
        changes,
        exclusive=exclusive,
        near=fn.node,
    )


def _render(ctx, decorator, changes) -> str:
    """The new decorator expression, for the description."""
    expr = decorator.decorator
    entry = changes.get(expr)
    new = entry(expr) if entry is not None else expr
    return "@" + ctx.model.module.code_for_node(new)


def _bounded_call(call: cst.Call, n: int) -> Optional[cst.Call]:
    """``lru_cache(maxsize=None, ...)`` / ``lru_cache(None, ...)`` with the bound ``n``."""
    kw = keyword_arg(call, "maxsize")
    if kw is not None:
        if not is_none(kw.value):
            return None
        args = [a.with_changes(value=cst.Integer(str(n))) if a is kw else a for a in call.args]
        return call.with_changes(args=args)
    positional = positional_args(call)
    if not positional or not is_none(positional[0]):
        return None
    first = next(a for a in call.args if a.keyword is None and not a.star)
    later_positional = len(positional) > 1
    args = []
    for a in call.args:
        if a is first:
            # ``lru_cache(None, True)`` must stay positional; ``lru_cache(None)`` reads better with the keyword.
            a = a.with_changes(value=cst.Integer(str(n))) if later_positional else _maxsize_arg(n).with_changes(
                comma=a.comma, whitespace_after_arg=a.whitespace_after_arg
            )
        args.append(a)
    return call.with_changes(args=args)


def _cache_to_lru(ctx, expr, n: int):
    """Changes turning ``@cache`` into a bounded ``lru_cache`` call: (changes, exclusive) or None."""
    if isinstance(expr, cst.Attribute):
        # ``functools.cache`` / ``ft.cache``: the same module prefix has ``lru_cache``.
        new = cst.Call(func=expr.with_changes(attr=cst.Name("lru_cache")), args=[_maxsize_arg(n)])
        return {expr: lambda updated: new.with_changes(func=updated.with_changes(attr=cst.Name("lru_cache")))}, False
    if not isinstance(expr, cst.Name):
        return None
    # ``from functools import cache``: reuse a name for lru_cache, or functools itself, or import it.
    local = module_name_for(ctx, apis.FUNCTOOLS_LRU_CACHE)
    if local is not None:
        return {expr: lambda updated: cst.Call(func=cst.Name(local), args=[_maxsize_arg(n)])}, False
    module_local = module_name_for(ctx, "functools")
    if module_local is not None:
        func = cst.Attribute(value=cst.Name(module_local), attr=cst.Name("lru_cache"))
        return {expr: lambda updated: cst.Call(func=func, args=[_maxsize_arg(n)])}, False
    if "lru_cache" in names_used(ctx):
        return None
    importer = import_binding_node(ctx, expr.value)
    if not isinstance(importer, cst.ImportFrom) or importer.relative or isinstance(importer.names, cst.ImportStar):
        return None

    call = cst.Call(func=cst.Name("lru_cache"), args=[_maxsize_arg(n)])
    return {expr: lambda updated: call, importer: lambda node: add_import_alias(node, "lru_cache")}, True
