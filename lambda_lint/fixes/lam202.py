"""LAM202 fix: a constructor that needs nothing from the invocation moves to module level.

    import boto3                              import boto3

                                              _sqs_client = boto3.client("sqs")

    def handler(event, context):      ->
        sqs = boto3.client("sqs")             def handler(event, context):
        ...                                       sqs = _sqs_client
                                                  ...

Only where every argument is a literal, a module-level constant or import, or
an ``os.environ`` / ``os.getenv`` read, where the object is not closed or used
as a context manager by the function (a shared object must stay open), not
returned to a caller, and not built by an ``await``. The new name clashes with
nothing in the module; an existing module-level binding of the very same
expression is reused. Unsafe: construction moves to import time (cold start),
and its errors (a missing environment variable, no credentials) surface when
the module is imported.
"""
from __future__ import annotations

import re
from typing import Optional

import libcst as cst

from ..analysis.apis import CLOSE_METHODS
from ..analysis.flow import assignment_target, with_item_of
from ..analysis.names import dotted, names_in, root_name, string_value
from .common import (
    UNSAFE,
    after_imports_index,
    build_fix,
    call_site,
    code_of,
    fresh_name,
    insert_module_statement,
    target_names,
    top_level_index,
)

# Constructors that need a running event loop, or are awaited: they cannot move to import time.
_ASYNC_PREFIXES = ("aiohttp.", "asyncpg.", "aiomysql.", "motor.", "redis.asyncio.", "psycopg.AsyncConnection",
                   "sqlalchemy.ext.asyncio.", "aioboto3.")
_ENVIRON_CALLS = frozenset({"os.environ.get", "os.getenv", "os.environ.__getitem__"})
_PURE_CALLS = frozenset({"str", "int", "float", "bool", "dict", "tuple", "frozenset", "botocore.config.Config",
                         "botocore.client.Config"})


def fix(code, ctx, report):
    call = report.node
    site = call_site(ctx, call)
    if site is None or not isinstance(call, cst.Call):
        return None
    fn = site.function
    if fn.is_module_scope:
        return None
    qualified = ctx.qualify(call.func) or ""
    if qualified.startswith(_ASYNC_PREFIXES) or qualified.endswith("AsyncClient"):
        return None
    if isinstance(site.parent, cst.Await) or with_item_of(site) is not None:
        return None
    if _returned(site) or not _kept_open(ctx, fn, site):
        return None
    # The callee and every argument must mean the same at module level.
    head = root_name(call.func)
    binding = ctx.module_binding(fn, head)
    if binding is None or binding.kind != "import":
        return None
    if not all(_static(ctx, fn, arg.value) for arg in call.args):
        return None

    module = ctx.model.module
    enclosing = top_level_index(ctx, fn.node)
    if enclosing is None:
        return None
    needed = _first_bound_indexes(ctx)
    if "_fix_after_imports" not in ctx.__dict__:
        ctx.__dict__["_fix_after_imports"] = after_imports_index(module)
    lowest = ctx.__dict__["_fix_after_imports"]
    for name in names_in(call):
        if name in needed:
            lowest = max(lowest, needed[name] + 1)
    if lowest > enclosing:
        return None

    existing = _existing_binding(ctx, fn, call, enclosing)
    if existing is not None:
        changes = {call: lambda updated: cst.Name(existing, lpar=updated.lpar, rpar=updated.rpar)}
        return build_fix(ctx, f"Use the module-level `{existing}` instead of building a new one",
                         UNSAFE, changes, near=fn.node)

    name = fresh_name(ctx, _name_for(call, qualified))
    at = next(
        (i for i in range(lowest, enclosing + 1)
         if i == enclosing or isinstance(module.body[i], (cst.FunctionDef, cst.ClassDef))),
        enclosing,
    )
    hoisted = cst.SimpleStatementLine(
        body=[cst.Assign(targets=[cst.AssignTarget(target=cst.Name(name))],
                         value=call.with_changes(lpar=[], rpar=[]))]
    )

    def new_module(updated: cst.Module) -> cst.Module:
        return updated.with_changes(body=insert_module_statement(updated.body, at, hoisted))

    changes = {
        call: lambda updated: cst.Name(name, lpar=updated.lpar, rpar=updated.rpar),
        module: new_module,
    }
    return build_fix(
        ctx,
        f"Create it once at module level (`{name} = {_short(code_of(ctx, call))}`) and reuse it",
        UNSAFE,
        changes,
        exclusive=True,
        near=fn.node,
    )


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "..."


def _returned(site) -> bool:
    """Handed to the caller: ``return boto3.client(...)`` or returned through a local name."""
    if any(isinstance(a, (cst.Return, cst.Yield)) for a in site.ancestors):
        return True
    target = assignment_target(site)
    if isinstance(target, cst.Name) and site.parent is not None and not isinstance(site.parent, cst.Attribute):
        for ret in site.function.returns:
            if ret.node.value is not None and target.value in _carried(ret.node.value):
                return True
    return False


def _carried(expr) -> set:
    """Names whose objects the expression hands on as they are: ``x``, ``(x, y)``, ``{"c": x}``, ``a or x``."""
    if isinstance(expr, cst.Name):
        return {expr.value}
    if isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
        return set().union(*(_carried(el.value) for el in expr.elements)) if expr.elements else set()
    if isinstance(expr, cst.Dict):
        return set().union(*(_carried(el.value) for el in expr.elements)) if expr.elements else set()
    if isinstance(expr, cst.BooleanOperation):
        return _carried(expr.left) | _carried(expr.right)
    if isinstance(expr, cst.IfExp):
        return _carried(expr.body) | _carried(expr.orelse)
    if isinstance(expr, cst.Call):  # ``SomeWrapper(x)`` may keep it
        return set().union(*(_carried(a.value) for a in expr.args)) if expr.args else set()
    return set()


def _kept_open(ctx, fn, site) -> bool:
    """Nothing in the function (or its class) closes the object or uses it as a context manager."""
    if isinstance(site.parent, cst.Attribute):  # ``boto3.resource("dynamodb").Table(...)``: only the result is kept
        return True
    target = assignment_target(site)
    if target is None:
        return True
    if isinstance(target, cst.Name):
        if target.value in fn.global_names:
            return False
        for use in fn.names.get(target.value, ()):
            parent = use.parent
            if isinstance(parent, cst.Attribute) and parent.value is use.node and parent.attr.value in CLOSE_METHODS:
                return False
            if any(isinstance(a, (cst.WithItem, cst.Del)) for a in use.ancestors):
                return False
        return True
    if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and fn.cls is not None:
        attr = target.attr.value
        for method in fn.cls.methods.values():
            for c in method.calls:
                func = c.node.func
                if (isinstance(func, cst.Attribute) and func.attr.value in CLOSE_METHODS
                        and isinstance(func.value, cst.Attribute) and func.value.attr.value == attr):
                    return False
            for w in method.withs:
                for item in w.node.items:
                    if isinstance(item.item, cst.Attribute) and item.item.attr.value == attr:
                        return False
        return True
    return False  # stored somewhere we cannot follow


def _static(ctx, fn, expr) -> bool:
    """The expression has the same value at import time: literals, module constants, imports, env reads."""
    if isinstance(expr, (cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary)):
        return True
    if isinstance(expr, cst.Name):
        if expr.value in ("True", "False", "None"):
            return True
        if expr.value in ctx.locals_of(fn):
            return False
        scope = fn.parent
        while scope is not None:
            if expr.value in ctx.locals_of(scope):
                return False
            scope = scope.parent
        if any(expr.value in other.global_names for other in ctx.model.all_functions):
            return False  # rebound at run time
        bindings = ctx.model.bindings.get(expr.value)
        if bindings:
            return all(b.kind in ("constant", "import", "class", "function", "other", "call", "container")
                       for b in bindings)
        import builtins

        return hasattr(builtins, expr.value)
    if isinstance(expr, cst.Attribute):
        name = dotted(expr)
        return name is not None and _static(ctx, fn, _root(expr))
    if isinstance(expr, cst.Subscript):
        return _static(ctx, fn, expr.value) and all(
            isinstance(el.slice, cst.Index) and _static(ctx, fn, el.slice.value) for el in expr.slice
        )
    if isinstance(expr, cst.Call):
        callee = ctx.qualify(expr.func)
        if callee not in _ENVIRON_CALLS and callee not in _PURE_CALLS:
            return False
        return _static(ctx, fn, _root(expr.func)) and all(_static(ctx, fn, a.value) for a in expr.args)
    if isinstance(expr, (cst.ConcatenatedString,)):
        return _static(ctx, fn, expr.left) and _static(ctx, fn, expr.right)
    if isinstance(expr, cst.FormattedString):
        return all(
            _static(ctx, fn, part.expression)
            for part in expr.parts
            if isinstance(part, cst.FormattedStringExpression)
        )
    if isinstance(expr, cst.UnaryOperation):
        return _static(ctx, fn, expr.expression)
    if isinstance(expr, (cst.BinaryOperation, cst.BooleanOperation)):
        return _static(ctx, fn, expr.left) and _static(ctx, fn, expr.right)
    if isinstance(expr, cst.IfExp):
        return all(_static(ctx, fn, e) for e in (expr.test, expr.body, expr.orelse))
    if isinstance(expr, cst.Comparison):
        return _static(ctx, fn, expr.left) and all(_static(ctx, fn, c.comparator) for c in expr.comparisons)
    if isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
        return all(_static(ctx, fn, el.value) for el in expr.elements)
    if isinstance(expr, cst.Dict):
        for el in expr.elements:
            if isinstance(el, cst.DictElement):
                if not (_static(ctx, fn, el.key) and _static(ctx, fn, el.value)):
                    return False
            elif not _static(ctx, fn, el.value):
                return False
        return True
    return False


def _root(expr):
    while isinstance(expr, (cst.Attribute, cst.Subscript, cst.Call)):
        expr = expr.value if not isinstance(expr, cst.Call) else expr.func
    return expr


def _first_bound_indexes(ctx) -> dict:
    """name -> index of the first module-level statement that binds it (computed once per module)."""
    out = ctx.__dict__.get("_fix_first_bound")
    if out is None:
        out = {}
        for i, stmt in enumerate(ctx.model.module.body):
            for name in _bound_by(stmt):
                out.setdefault(name, i)
        ctx.__dict__["_fix_first_bound"] = out
    return out


def _bound_by(stmt) -> set:
    found = set()
    stack = [stmt]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            found.add(node.name.value)
            continue  # their bodies bind nothing at module level
        if isinstance(node, cst.Lambda):
            continue
        if isinstance(node, (cst.AssignTarget,)):
            found |= target_names(node.target)
        elif isinstance(node, (cst.AnnAssign, cst.AugAssign)):
            found |= target_names(node.target)
        elif isinstance(node, (cst.For, cst.CompFor)):
            found |= target_names(node.target)
        elif isinstance(node, cst.AsName):
            found |= target_names(node.name)
        elif isinstance(node, cst.NamedExpr):
            found |= target_names(node.target)
        elif isinstance(node, cst.ImportAlias):
            local = node.asname.name if node.asname is not None else node.name
            name = dotted(local)
            if name:
                found.add(name.split(".")[0])
        stack.extend(node.children)
    return found


def _existing_binding(ctx, fn, call, enclosing) -> Optional[str]:
    """A module-level ``name = <the same expression>`` bound once, before the function, never rebound."""
    text = " ".join(code_of(ctx, call).split())
    for i, stmt in enumerate(ctx.model.module.body[:enclosing]):
        if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
            continue
        small = stmt.body[0]
        if not (isinstance(small, cst.Assign) and len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name)):
            continue
        name = small.targets[0].target.value
        if " ".join(code_of(ctx, small.value).split()) != text:
            continue
        if len(ctx.model.bindings.get(name, [])) != 1:
            continue
        if any(name in other.global_names for other in ctx.model.all_functions):
            continue
        if ctx.module_binding(fn, name) is None:
            continue
        return name
    return None


def _name_for(call: cst.Call, qualified: str) -> str:
    """``_s3_client`` for ``boto3.client("s3")``, ``_dynamodb_resource``, ``_redis``, ``_pymysql_connection``."""
    parts = qualified.split(".") if qualified else [dotted(call.func) or "client"]
    last = parts[-1]
    if last in ("client", "resource") and call.args:
        service = string_value(call.args[0].value) if call.args[0].keyword is None else None
        for a in call.args:
            if a.keyword is not None and a.keyword.value == "service_name":
                service = string_value(a.value)
        if service:
            return _identifier(f"_{service}_{last}")
    first = parts[0]
    if last == "connect":
        return _identifier(f"_{first}_connection")
    if last.startswith("create_"):
        last = last[len("create_"):]
    last = _snake(last)
    if _snake(first) == last or len(parts) == 1:
        return _identifier(f"_{last}")
    return _identifier(f"_{_snake(first)}_{last}")


def _snake(name: str) -> str:
    name = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    return name.lower()


def _identifier(name: str) -> str:
    name = re.sub(r"\W", "_", name)
    return name if name.isidentifier() else "_client"
