"""LAM303 fix: join the started thread before the function returns.

    t = threading.Thread(target=f)          t = threading.Thread(target=f)
    t.start()                               t.start()
    ...                              ->     ...
    return result                           t.join()
                                            return result

``threading.Thread(...).start()`` first gets a name (``_thread``). Where the
function returns only at its end (or not at all), ``t.join()`` goes before
that ``return`` / at the end of the body; where it returns earlier too (inside
``if``, loops, ``try``), the statements after ``start()`` are wrapped in
``try: ... finally: t.join()`` so that every path joins. Only for a start
written as a statement directly in the function body, on a local name bound
once, in that body, to ``threading.Thread``/``Timer``. Unsafe: the function
now waits for the thread (and a Timer's delay).
"""
from __future__ import annotations

import libcst as cst

from ..analysis.apis import THREAD_CONSTRUCTORS
from ..analysis.flow import top_statement
from ..analysis.names import contains
from .common import (
    UNSAFE,
    assignments_to,
    bound_in_headers,
    build_fix,
    call_site,
    dropped_call_statement,
    expression_statement,
    fresh_name,
)


def fix(code, ctx, report):
    call = report.node
    site = call_site(ctx, call)
    if site is None or not isinstance(call, cst.Call) or site.function.is_module_scope:
        return None
    fn = site.function
    func = call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value == "start" and not call.args):
        return None
    expr, line = dropped_call_statement(site)
    if expr is None or expr.value is not call or not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        return None
    body = fn.node.body
    if not isinstance(body, cst.IndentedBlock):
        return None
    if top_statement(site) is not line:
        return None  # not directly in the function body (inside a loop or a branch)
    statements = list(body.body)
    start_index = next(i for i, s in enumerate(statements) if s is line)

    receiver = func.value
    if isinstance(receiver, cst.Name):
        name = receiver.value
        if not _bound_once_before(ctx, fn, name, statements, start_index):
            return None
        split = None
    elif isinstance(receiver, cst.Call) and ctx.qualify(receiver.func) in THREAD_CONSTRUCTORS:
        base = "_timer" if ctx.qualify(receiver.func).endswith("Timer") else "_thread"
        name = fresh_name(ctx, base, also_taken=ctx.locals_of(fn))
        split = receiver
    else:
        return None

    rest = statements[start_index + 1:]
    early = any(contains(s, cst.Return) for s in rest[:-1]) or (rest and contains(rest[-1], cst.Return) and not _is_return_line(rest[-1]))
    join = expression_statement(
        cst.Call(func=cst.Attribute(value=cst.Name(name), attr=cst.Name("join")))
    )

    def new_block(updated: cst.IndentedBlock) -> cst.IndentedBlock:
        stmts = list(updated.body)
        head = stmts[:start_index]
        start_line = stmts[start_index]
        tail = stmts[start_index + 1:]
        if split is not None:
            thread = start_line.body[0].value.func.value
            created = cst.SimpleStatementLine(
                body=[cst.Assign(targets=[cst.AssignTarget(target=cst.Name(name))], value=thread)],
                leading_lines=start_line.leading_lines,
            )
            started = cst.SimpleStatementLine(
                body=[cst.Expr(cst.Call(func=cst.Attribute(value=cst.Name(name), attr=cst.Name("start"))))],
                trailing_whitespace=start_line.trailing_whitespace,
            )
            head_lines = [created, started]
        else:
            head_lines = [start_line]
        if not tail:
            return updated.with_changes(body=head + head_lines + [join])
        if early:
            first = tail[0]
            wrapped = cst.Try(
                body=cst.IndentedBlock(body=[first.with_changes(leading_lines=[])] + tail[1:]),
                finalbody=cst.Finally(body=cst.IndentedBlock(body=[join])),
                leading_lines=first.leading_lines,
            )
            return updated.with_changes(body=head + head_lines + [wrapped])
        if _is_return_line(tail[-1]):
            last = tail[-1]
            return updated.with_changes(
                body=head + head_lines + tail[:-1]
                + [join.with_changes(leading_lines=last.leading_lines), last.with_changes(leading_lines=[])]
            )
        return updated.with_changes(body=head + head_lines + tail + [join])

    changes = {body: new_block}
    what = "before it returns" if rest else "after starting it"
    # Not exclusive: a new name is local to the function, and two fixes in one function touch the same lines.
    return build_fix(ctx, f"Join the thread (`{name}.join()`) {what}", UNSAFE, changes, near=fn.node)


def _bound_once_before(ctx, fn, name, statements, start_index) -> bool:
    """``name = threading.Thread(...)`` once, as a statement of the body before the start."""
    if name in fn.global_names or name in fn.params or bound_in_headers(fn, name):
        return False
    stores = assignments_to(fn, name)
    if len(stores) != 1:
        return False
    node = stores[0].node
    if not (isinstance(node, (cst.Assign, cst.AnnAssign)) and isinstance(node.value, cst.Call)):
        return False
    if ctx.qualify(node.value.func) not in THREAD_CONSTRUCTORS:
        return False
    for stmt in statements[:start_index]:
        if isinstance(stmt, cst.SimpleStatementLine) and any(s is node for s in stmt.body):
            return True
    return False


def _is_return_line(stmt) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Return)

