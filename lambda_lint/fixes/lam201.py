"""LAM201 fix: the warm-path close of a module-level connection is removed.

    finally:                       finally:
        conn.close()       ->          pass

The whole expression statement goes; a block left empty gets ``pass``.
Unsafe: code may rely on the close (to flush, to release a lock, or to return
connections to a pool).
"""
from __future__ import annotations

import libcst as cst

from .common import UNSAFE, build_fix, call_site, dropped_call_statement


def fix(code, ctx, report):
    site = call_site(ctx, report.node)
    if site is None:
        return None
    expr, line = dropped_call_statement(site)
    if expr is None:
        return None
    func = report.node.func
    if not isinstance(func, cst.Attribute):
        return None
    what = ctx.model.module.code_for_node(func).strip()
    changes = {}
    if len(line.body) > 1:
        changes[line] = lambda updated: _without(updated, line, expr)
    elif isinstance(line, cst.SimpleStatementSuite):
        changes[line] = lambda updated: updated.with_changes(body=[cst.Pass()])
    else:
        block = _block_of(site, line)
        if block is None:
            return None
        changes[block] = lambda updated: _remove_line(updated, block, line)
    return build_fix(ctx, f"Remove the `{what}()` call", UNSAFE, changes, near=site.function.node)


def _block_of(site, line):
    chain = list(site.ancestors)
    for i, node in enumerate(chain):
        if node is line and i > 0 and isinstance(chain[i - 1], (cst.IndentedBlock, cst.Module)):
            return chain[i - 1]
    return None


def _without(updated, original_line, expr):
    """A multi-statement line without the statement at ``expr``'s position."""
    index = next(i for i, s in enumerate(original_line.body) if s is expr)
    body = [s for i, s in enumerate(updated.body) if i != index]
    if index == len(updated.body) - 1:  # the new last statement loses its ``;``
        body[-1] = body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
    return updated.with_changes(body=body)


def _remove_line(updated, original_block, original_line):
    """The block without the line; a block left empty gets ``pass`` (keeping the line's comments)."""
    index = next(i for i, s in enumerate(original_block.body) if s is original_line)
    body = list(updated.body)
    removed = body.pop(index)
    comments = [line for line in removed.leading_lines if line.comment is not None]
    if index < len(body) and comments:
        leading = list(removed.leading_lines) + list(body[index].leading_lines)
        body[index] = body[index].with_changes(leading_lines=leading)
    if not body and isinstance(updated, cst.IndentedBlock):
        body = [cst.SimpleStatementLine(body=[cst.Pass()], leading_lines=removed.leading_lines)]
    return updated.with_changes(body=body)
