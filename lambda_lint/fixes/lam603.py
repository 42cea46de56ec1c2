"""LAM603 fix: a registration call inside a module-level function moves to module scope.

    def handler(event, context):            def handler(event, context):
        register_after_restore(_reseed)  ->      ...
        ...
                                            register_after_restore(_reseed)

Only for a call written as its own statement directly in the body of a
module-level function, whose arguments use only names bound at module level
before that function (so the moved line runs at import, right after the
``def``). Decorators, nested functions and modules nobody imports are left to
the suggestion. Unsafe: the hook is then registered once at init instead of on
every call of the function (which never worked), and the function no longer
registers it when called elsewhere (tests, scripts).
"""
from __future__ import annotations

import builtins

import libcst as cst

from ..analysis.names import names_in
from .common import UNSAFE, build_fix, call_site, code_of, dropped_call_statement, insert_module_statement


def fix(code, ctx, report):
    call = report.node
    if not isinstance(call, cst.Call):
        return None
    site = call_site(ctx, call)
    if site is None:
        return None
    fn = site.function
    if fn.is_module_scope or fn.parent is not None or fn.cls is not None:
        return None
    expr, line = dropped_call_statement(site)
    if expr is None or not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        return None
    block = fn.node.body
    if not isinstance(block, cst.IndentedBlock) or not any(stmt is line for stmt in block.body):
        return None
    def_line = ctx.line(fn.node)
    for name in names_in(call):
        binding = ctx.model.binding(name)
        if binding is None:
            if hasattr(builtins, name):
                continue
            return None
        anchor = binding.anchor if binding.anchor is not None else binding.value
        if ctx.line(anchor) >= def_line:
            return None
    moved = line.with_changes(leading_lines=[])
    statement = cst.parse_statement(code_of(ctx, moved).strip() + "\n", config=ctx.model.module.config_for_parsing)
    function_statement = fn.node

    def remove(updated: cst.IndentedBlock) -> cst.IndentedBlock:
        body = [stmt for stmt in updated.body if stmt is not line]
        if len(body) == len(updated.body):
            return updated
        if not body:
            body = [cst.SimpleStatementLine(body=[cst.Pass()])]
        elif updated.body[0] is line:  # the new first statement needs no blank line above it
            body[0] = body[0].with_changes(leading_lines=[l for l in body[0].leading_lines if l.comment is not None])
        return updated.with_changes(body=body)

    def insert(module: cst.Module) -> cst.Module:
        body = list(module.body)
        position = next((i for i, stmt in enumerate(body) if _holds(stmt, function_statement)), None)
        if position is None:
            return module
        return module.with_changes(body=insert_module_statement(body, position + 1, statement))

    changes = {block: remove, ctx.model.module: insert}
    what = code_of(ctx, call.func).strip()
    return build_fix(ctx, f"Move the `{what}(...)` registration to module scope", UNSAFE, changes, exclusive=True)


def _holds(stmt, function_node) -> bool:
    """The module-level statement is the function's ``def`` (matched by name: the body was rewritten)."""
    return isinstance(stmt, cst.FunctionDef) and stmt.name.value == function_node.name.value
