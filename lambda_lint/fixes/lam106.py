"""LAM106 fix: a registration that needs nothing from the invocation moves to module scope.

    logger = logging.getLogger("orders")          logger = logging.getLogger("orders")

    def handler(event, context):          ->      def handler(event, context):
        logger.addHandler(_stream)                    ...
        ...
                                                  logger.addHandler(_stream)

Only for a call written as a statement of its own, directly in the function body
(not under an ``if``, loop or ``try``), whose receiver and arguments use only
imports, module-level names and literals (nothing local, nothing from the
request). It goes after the function, after the last module-level statement
binding a name it uses, and after registrations already moved on the same
receiver, so that several moved registrations keep their order. Unsafe: the
registration now happens once, at import, before any invocation; code that
ran between import and the call no longer sees it missing.
"""
from __future__ import annotations

import builtins

import libcst as cst

from ..analysis.names import call_receiver
from .common import (
    UNSAFE,
    after_imports_index,
    build_fix,
    call_site,
    code_of,
    insert_module_statement,
    is_docstring,
    statement_in_block,
    top_level_index,
)
from .lam202 import _bound_by

_BUILTINS = frozenset(dir(builtins))


def fix(code, ctx, report):
    call = report.node
    if not isinstance(call, cst.Call):
        return None  # a decorator: the function it decorates would have to move too
    site = call_site(ctx, call)
    if site is None or site.function.is_module_scope:
        return None
    fn = site.function
    if fn.parent is not None or fn.cls is not None:
        return None
    block, line = statement_in_block(site)
    if block is not fn.node.body or not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        return None
    expr = line.body[0]
    if not (isinstance(expr, cst.Expr) and expr.value is call):
        return None
    local = ctx.locals_of(fn)
    used = _names_read(call)
    if used is None:
        return None
    for name in used:
        if name in local or (name not in ctx.model.bindings and name not in _BUILTINS):
            return None
    module = ctx.model.module
    enclosing = top_level_index(ctx, fn.node)
    if enclosing is None:
        return None
    at = max(enclosing + 1, after_imports_index(module))
    receiver = call_receiver(call)
    receiver_text = code_of(ctx, receiver) if receiver is not None else None
    for i, stmt in enumerate(module.body):
        if _bound_by(stmt) & used or (receiver_text is not None and _registers_on(ctx, stmt, receiver_text)):
            at = max(at, i + 1)
    statements = list(fn.node.body.body)
    rest = [s for s in statements if s is not line and not is_docstring(s)]
    moved = cst.SimpleStatementLine(body=[cst.Expr(call.with_changes(lpar=[], rpar=[]))])

    def new_line(updated):
        if rest:
            return cst.RemoveFromParent()
        return updated.with_changes(body=[cst.Pass()])

    def new_module(updated: cst.Module) -> cst.Module:
        return updated.with_changes(body=insert_module_statement(updated.body, at, moved))

    text = code_of(ctx, call)
    text = text if len(text) <= 60 else text[:57] + "..."
    return build_fix(ctx, f"Register once at module scope: move `{text}` out of `{fn.name}`", UNSAFE,
                     {line: new_line, module: new_module}, exclusive=True, near=fn.node)


def _registers_on(ctx, stmt, receiver_text: str) -> bool:
    """A module-level expression statement that calls a method of the same receiver."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return False
    expr = stmt.body[0]
    if not isinstance(expr, cst.Expr) or not isinstance(expr.value, cst.Call):
        return False
    receiver = call_receiver(expr.value)
    return receiver is not None and code_of(ctx, receiver) == receiver_text


def _names_read(call: cst.Call):
    """The variables the call reads (keyword labels and attribute names are not variables);
    None when it holds a lambda or comprehension, whose own names would need scoping."""
    found = set()
    stack = [call]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp, cst.NamedExpr)):
            return None
        if isinstance(node, cst.Name):
            found.add(node.value)
        elif isinstance(node, cst.Attribute):
            stack.append(node.value)
        elif isinstance(node, cst.Arg):
            stack.append(node.value)
        else:
            stack.extend(node.children)
    return found
