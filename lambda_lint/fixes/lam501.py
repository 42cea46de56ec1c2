"""LAM501 fix: remove the per-invocation /tmp file or directory when the function is done with it.

    path = f"/tmp/{uuid.uuid4()}.csv"           path = f"/tmp/{uuid.uuid4()}.csv"
    with open(path, "w") as fh:                 try:
        ...                              ->         with open(path, "w") as fh:
    upload(path)                                        ...
                                                    upload(path)
                                                finally:
                                                    if os.path.exists(path):
                                                        os.remove(path)

The statements from the creation to the end of its block are wrapped in
``try``/``finally``. What is removed depends on how it was created:

* ``open(p, "w")``, ``x.download_file(..., p)``, ``fd, p = tempfile.mkstemp()``:
  ``os.remove(p)`` (guarded by ``os.path.exists``, so an early failure or an
  existing removal does not raise); ``import os`` is added when missing;
* ``f = tempfile.NamedTemporaryFile(delete=False)``: ``os.remove(f.name)``;
* ``os.makedirs(d)``: ``shutil.rmtree(d, ignore_errors=True)``;
* ``p.write_text(...)`` / ``p.write_bytes(...)`` on a ``pathlib`` path: ``p.unlink(missing_ok=True)``;
* ``d = tempfile.mkdtemp()`` becomes ``with tempfile.TemporaryDirectory() as d:``
  around the rest of the block.

Only where the path is a local name and its use stays local: it is not
returned, yielded, stored in an attribute, a container or a global, not used
after the block, and not bound again. Unsafe: the file no longer exists after
the function, which matters if something else expected to find it.
"""
from __future__ import annotations

from typing import Optional

import libcst as cst

from ..analysis.names import arg_value, call_method, positional_args, string_value
from .common import (
    UNSAFE,
    add_import_alias,
    assignments_to,
    bound_in_headers,
    build_fix,
    call_site,
    end_line_of,
    import_binding_node,
    insert_module_statement,
    line_of,
    module_name_for,
    names_used,
    parse_statement,
    statement_in_block,
    stdlib_import_index,
    uses_of,
)

_WRITE_MODES = set("wax+")
_ESCAPING_METHODS = frozenset({"append", "appendleft", "extend", "insert", "add", "put", "put_nowait", "setdefault",
                               "update", "__setitem__"})


def fix(code, ctx, report):
    call = report.node
    site = call_site(ctx, call)
    if site is None or not isinstance(call, cst.Call) or site.function.is_module_scope:
        return None
    fn = site.function
    block, stmt = statement_in_block(site)
    if block is None or not isinstance(block, cst.IndentedBlock):
        return None
    if not (isinstance(stmt, cst.SimpleStatementLine) or (isinstance(stmt, cst.With) and _in_with_items(site, stmt))):
        return None
    plan = _plan(ctx, fn, site, stmt)
    if plan is None:
        return None
    kind, name, bound_by_stmt = plan
    # The use stays local: not escaping, not used after the block, not rebound.
    if _escapes(ctx, fn, name, set()):
        return None
    block_end = end_line_of(ctx, block)
    if any(line_of(ctx, use.node) > block_end for use in uses_of(fn, name)):
        return None
    if len(assignments_to(fn, name)) != 1 or bound_in_headers(fn, name) or name in fn.params:
        return None
    if not bound_by_stmt and not _bound_before(fn, name, stmt, ctx):
        return None

    statements = list(block.body)
    index = next(i for i, s in enumerate(statements) if s is stmt)
    start = index + 1 if bound_by_stmt else index  # the try starts once the name is bound

    if kind == "mkdtemp":
        return _temporary_directory(ctx, fn, site, block, index, name)

    imports = []
    if kind == "makedirs":
        shutil_name = _module_name(ctx, fn, "shutil", imports)
        if shutil_name is None:
            return None
        cleanup = f"{shutil_name}.rmtree({name}, ignore_errors=True)\n"
        description = f"Remove the directory when done: `finally: {shutil_name}.rmtree({name}, ignore_errors=True)`"
    elif kind == "path":
        cleanup = f"{name}.unlink(missing_ok=True)\n"
        description = f"Remove the file when done: `finally: {name}.unlink(missing_ok=True)`"
    else:
        os_name = _module_name(ctx, fn, "os", imports)
        if os_name is None:
            return None
        target = f"{name}.name" if kind == "named" else name
        cleanup = f"if {os_name}.path.exists({target}):\n    {os_name}.remove({target})\n"
        description = f"Remove the file when done: `finally: {os_name}.remove({target})`"
    final = parse_statement(ctx, cleanup)

    def new_block(updated: cst.IndentedBlock) -> cst.IndentedBlock:
        stmts = list(updated.body)
        head, tail = stmts[:start], stmts[start:]
        if not tail:
            return updated.with_changes(body=head + [final])
        wrapped = cst.Try(
            body=cst.IndentedBlock(body=[tail[0].with_changes(leading_lines=[])] + tail[1:]),
            finalbody=cst.Finally(body=cst.IndentedBlock(body=[final])),
            leading_lines=tail[0].leading_lines,
        )
        return updated.with_changes(body=head + [wrapped])

    changes = {block: new_block}
    changes.update(_import_changes(ctx, imports))
    return build_fix(ctx, description, UNSAFE, changes, exclusive=bool(imports), near=fn.node)


def _in_with_items(site, with_node) -> bool:
    chain = list(site.ancestors) + [site.node]
    i = chain.index(with_node)
    return i + 1 < len(chain) and isinstance(chain[i + 1], cst.WithItem)


def _plan(ctx, fn, site, stmt):
    """(kind, local name, bound by the creating statement) or None."""
    call = site.node
    qualified = ctx.qualify(call.func) or ""
    method = call_method(call)
    if qualified == "open" or qualified == "io.open":
        path = arg_value(call, 0, "file")
        mode = arg_value(call, 1, "mode")
        mode_text = string_value(mode) if mode is not None else "r"
        if mode_text is None or not (set(mode_text) & _WRITE_MODES):
            return None
        return _local(path, "file", False)
    if method == "download_file":
        path = arg_value(call, 2, "Filename")
        if path is None:
            positional = positional_args(call)
            path = positional[0] if len(positional) == 1 else None
        return _local(path, "file", False)
    if qualified in ("os.makedirs", "os.mkdir"):
        return _local(arg_value(call, 0, "name" if qualified == "os.makedirs" else "path"), "makedirs", False)
    if method in ("write_text", "write_bytes") and isinstance(call.func.value, cst.Name):
        return _local(call.func.value, "path", False)
    target = _assigned(site, stmt)
    if qualified == "tempfile.mkstemp" and isinstance(target, cst.Tuple) and len(target.elements) == 2:
        return _local(target.elements[1].value, "file", True)
    if qualified == "tempfile.NamedTemporaryFile" and isinstance(target, cst.Name):
        delete = arg_value(call, 7, "delete")
        if isinstance(delete, cst.Name) and delete.value == "False":
            return _local(target, "named", True)
        return None
    if qualified == "tempfile.mkdtemp" and isinstance(target, cst.Name):
        return _local(target, "mkdtemp", True)
    return None


def _local(expr, kind, bound_by_stmt):
    if isinstance(expr, cst.Name):
        return kind, expr.value, bound_by_stmt
    return None


def _assigned(site, stmt):
    """The single target of ``target = <call>`` when the call is the whole value."""
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
        return None
    small = stmt.body[0]
    if isinstance(small, cst.Assign) and small.value is site.node and len(small.targets) == 1:
        return small.targets[0].target
    return None


def _bound_before(fn, name, stmt, ctx) -> bool:
    """``name`` is assigned in the function before the creating statement."""
    first = line_of(ctx, stmt)
    return any(line_of(ctx, s.node) < first for s in assignments_to(fn, name))


def _escapes(ctx, fn, name: str, seen: set) -> bool:
    """The path (or a local derived from it) leaves the function: returned, yielded or stored."""
    if name in seen:
        return False
    seen.add(name)
    if name in fn.global_names:
        return True
    for use in uses_of(fn, name):
        if use.function is not fn:
            return True  # captured by a nested function: it may outlive this call
        chain = list(use.ancestors) + [use.node]
        for i, node in enumerate(chain[:-1]):
            below = chain[i + 1]
            if isinstance(node, cst.Lambda):
                return True
            if isinstance(node, (cst.Return, cst.Yield)) and _flows(ctx, chain[i + 1:]):
                return True
            if (isinstance(node, cst.Call) and isinstance(below, cst.Arg) and call_method(node) in _ESCAPING_METHODS
                    and _flows(ctx, chain[i + 2:])):
                return True
            if isinstance(node, (cst.Assign, cst.AnnAssign, cst.AugAssign)) and below is node.value:
                if not _flows(ctx, chain[i + 1:]):
                    continue
                targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
                for target in targets:
                    if not isinstance(target, cst.Name) or target.value in fn.global_names:
                        return True
                    if _escapes(ctx, fn, target.value, seen):
                        return True
    return False


# Expressions whose value still is (or contains) the path they are built from.
_PATH_KEEPING = (cst.Name, cst.Attribute, cst.Subscript, cst.BinaryOperation, cst.FormattedString,
                 cst.FormattedStringExpression, cst.ConcatenatedString, cst.Tuple, cst.List, cst.Set, cst.Dict,
                 cst.DictElement, cst.Element, cst.StarredElement, cst.StarredDictElement, cst.Arg, cst.IfExp,
                 cst.BooleanOperation, cst.Await, cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp,
                 cst.SubscriptElement, cst.Index, cst.Slice)
_PATH_FUNCTIONS = frozenset({"str", "os.fspath", "os.path.join", "os.path.abspath", "os.path.realpath",
                             "os.path.normpath", "os.path.expanduser", "pathlib.Path", "pathlib.PurePath",
                             "pathlib.PosixPath"})


def _flows(ctx, chain) -> bool:
    """The value at ``chain[0]`` carries the name at ``chain[-1]`` along (not just something computed from it)."""
    for i, node in enumerate(chain[:-1]):
        if isinstance(node, cst.Call):
            below = chain[i + 1]
            if below is node.func or ctx.qualify(node.func) not in _PATH_FUNCTIONS:
                return False
        elif not isinstance(node, _PATH_KEEPING):
            return False
    return True


def _module_name(ctx, fn, module: str, imports: list) -> Optional[str]:
    """The local name of ``module`` (``os``) imported at module level; plans ``import os`` when missing."""
    local = module_name_for(ctx, module, fn)
    if local is not None:
        return local
    if module in names_used(ctx):
        return None  # the name means something else here
    imports.append(module)
    return module


def _import_changes(ctx, modules: list) -> dict:
    if not modules:
        return {}
    module = ctx.model.module
    new = [(stdlib_import_index(module, m), parse_statement(ctx, f"import {m}\n")) for m in modules]

    def add(updated: cst.Module) -> cst.Module:
        body = list(updated.body)
        for offset, (at, stmt) in enumerate(sorted(new, key=lambda item: item[0])):
            body = insert_module_statement(body, at + offset, stmt)
        return updated.with_changes(body=body)

    return {module: add}


def _temporary_directory(ctx, fn, site, block, index, name):
    """``d = tempfile.mkdtemp(...)`` -> ``with tempfile.TemporaryDirectory(...) as d:`` around the rest."""
    call = site.node
    from ..analysis.apis import FILE_REMOVERS

    # An existing removal would remove it twice (an error on Python 3.9).
    for other in fn.calls:
        if ctx.qualify(other.node.func) in FILE_REMOVERS and any(
            isinstance(a.value, cst.Name) and a.value.value == name for a in other.node.args
        ):
            return None
    changes = {}
    exclusive = False
    func = call.func
    if isinstance(func, cst.Attribute):
        new_func = func.with_changes(attr=cst.Name("TemporaryDirectory"))
    else:
        local = module_name_for(ctx, "tempfile.TemporaryDirectory", fn)
        module_local = module_name_for(ctx, "tempfile", fn)
        if local is not None:
            new_func = cst.Name(local)
        elif module_local is not None:
            new_func = cst.Attribute(value=cst.Name(module_local), attr=cst.Name("TemporaryDirectory"))
        else:
            importer = import_binding_node(ctx, func.value) if isinstance(func, cst.Name) else None
            if not isinstance(importer, cst.ImportFrom) or "TemporaryDirectory" in names_used(ctx):
                return None
            changes[importer] = lambda node: add_import_alias(node, "TemporaryDirectory")
            new_func = cst.Name("TemporaryDirectory")
            exclusive = True

    def new_block(updated: cst.IndentedBlock) -> cst.IndentedBlock:
        stmts = list(updated.body)
        creating = stmts[index]
        value = creating.body[0].value
        tail = stmts[index + 1:] or [cst.SimpleStatementLine(body=[cst.Pass()])]
        with_node = cst.With(
            items=[cst.WithItem(item=value.with_changes(func=new_func),
                                asname=cst.AsName(name=cst.Name(name)))],
            body=cst.IndentedBlock(body=tail, header=creating.trailing_whitespace),
            leading_lines=creating.leading_lines,
        )
        return updated.with_changes(body=stmts[:index] + [with_node])

    changes[block] = new_block
    return build_fix(
        ctx,
        f"Use a directory that removes itself: `with {ctx.model.module.code_for_node(new_func)}() as {name}:`",
        UNSAFE,
        changes,
        exclusive=exclusive,
        near=fn.node,
    )
