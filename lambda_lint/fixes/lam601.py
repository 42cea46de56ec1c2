"""LAM601 fix: the value made at init is made again after every SnapStart restore.

    ENV_ID = str(uuid.uuid4())          ENV_ID = str(uuid.uuid4())
                                    ->
                                        @register_after_restore
                                        def _renew_env_id():
                                            global ENV_ID
                                            ENV_ID = str(uuid.uuid4())

    _picker = random.Random()       ->  _picker = random.Random()
                                        register_after_restore(_picker.seed)

    random.seed(time.time())        ->  random.seed(time.time())
                                        register_after_restore(random.seed)

Only for a module-level statement (not inside ``if``/``try`` or a class) that
binds one name, or a bare ``seed(...)`` call. ``register_after_restore`` is
imported from ``snapshot_restore_py`` when the module does not import it yet.
Unsafe: what init already computed from the old value (a derived name, a
logger's context) keeps it, and the hook costs time on every restore.
"""
from __future__ import annotations

from typing import Optional

import libcst as cst

from ..analysis.init_code import AFTER_RESTORE, HOOK_LIBRARY
from ..rules.lam601_unique_value_in_snapshot import value_kind
from .common import (
    UNSAFE,
    add_import_alias,
    after_imports_index,
    build_fix,
    call_site,
    code_of,
    fresh_name,
    insert_module_statement,
    module_name_for,
    names_used,
    parse_statement,
)

REGISTRAR = "register_after_restore"
# Generators whose ``seed()`` (no argument) draws fresh entropy; a numpy Generator has none.
RESEEDABLE = {"random.Random", "numpy.random.RandomState"}


def fix(code, ctx, report):
    site = call_site(ctx, report.node)
    if site is None or not site.function.is_module_scope:
        return None
    line = _top_level_line(ctx, site)
    if line is None or len(line.body) != 1:
        return None
    statement = line.body[0]
    qualified = ctx.qualify(report.node.func)
    kind = value_kind(qualified)
    registrar = _registrar(ctx)
    if registrar is None:
        return None
    local, import_changes = registrar
    if kind == "seed":
        if not (isinstance(statement, cst.Expr) and statement.value is report.node):
            return None
        new = parse_statement(ctx, f"{local}({code_of(ctx, report.node.func).strip()})\n")
        description = f"Reseed `{qualified.rpartition('.')[0]}` after every SnapStart restore"
    else:
        name = _single_name_target(statement)
        if name is None:
            return None
        if kind == "generator" and qualified in RESEEDABLE:
            new = parse_statement(ctx, f"{local}({name}.seed)\n")
            description = f"Reseed `{name}` after every SnapStart restore"
        else:
            hook = fresh_name(ctx, f"_renew_{name.lower().lstrip('_')}")
            value = code_of(ctx, statement.value).strip()
            new = parse_statement(ctx, f"@{local}\ndef {hook}():\n    global {name}\n    {name} = {value}\n")
            description = f"Re-create `{name}` in an @{REGISTRAR} hook"

    def insert(module: cst.Module) -> cst.Module:
        body = list(module.body)
        position = next((i for i, stmt in enumerate(body) if stmt is line), None)
        if position is None:
            return module
        return module.with_changes(body=insert_compound_aware(body, position + 1, new))

    changes = dict(import_changes)
    module = ctx.model.module
    if module in changes:
        add_import = changes.pop(module)
        changes[module] = lambda m: insert(add_import(m))
    else:
        changes[module] = insert
    return build_fix(ctx, description, UNSAFE, changes, exclusive=True)


def insert_compound_aware(body: list, index: int, stmt) -> list:
    """Insert at module level; a ``def`` gets two blank lines before and after it (PEP 8)."""
    body = insert_module_statement(body, index, stmt)
    if isinstance(stmt, cst.BaseCompoundStatement):
        two = [cst.EmptyLine(), cst.EmptyLine()]
        body[index] = body[index].with_changes(leading_lines=two)
        if index + 1 < len(body):
            following = body[index + 1]
            if not any(line.comment is None for line in following.leading_lines):
                body[index + 1] = following.with_changes(leading_lines=two + list(following.leading_lines))
    return body


def _top_level_line(ctx, site) -> Optional[cst.SimpleStatementLine]:
    """The module-level line holding the call, when it sits directly in the module body (no class)."""
    if any(isinstance(node, (cst.ClassDef, cst.If, cst.Try, cst.With, cst.For, cst.While)) for node in site.ancestors):
        return None
    for node in site.ancestors:
        if isinstance(node, cst.SimpleStatementLine):
            return node if any(stmt is node for stmt in ctx.model.module.body) else None
    return None


def _single_name_target(statement) -> Optional[str]:
    if isinstance(statement, cst.Assign) and len(statement.targets) == 1:
        target = statement.targets[0].target
    elif isinstance(statement, cst.AnnAssign) and statement.value is not None:
        target = statement.target
    else:
        return None
    return target.value if isinstance(target, cst.Name) else None


def _registrar(ctx):
    """(local name of register_after_restore, changes that import it) or None."""
    local = module_name_for(ctx, AFTER_RESTORE)
    if local is not None:
        return local, {}
    library = module_name_for(ctx, HOOK_LIBRARY)
    if library is not None:
        return f"{library}.{REGISTRAR}", {}
    if REGISTRAR in names_used(ctx):
        return None
    for bindings in ctx.model.bindings.values():
        for binding in bindings:
            node = binding.value
            if (binding.kind == "import" and isinstance(node, cst.ImportFrom) and not node.relative
                    and node.module is not None and code_of(ctx, node.module).strip() == HOOK_LIBRARY
                    and not isinstance(node.names, cst.ImportStar)
                    and any(stmt.body[0] is node for stmt in ctx.model.module.body
                            if isinstance(stmt, cst.SimpleStatementLine) and stmt.body)):
                return REGISTRAR, {node: lambda updated: add_import_alias(updated, REGISTRAR)}
    import_line = cst.parse_statement(f"from {HOOK_LIBRARY} import {REGISTRAR}\n")

    def add_import(module: cst.Module) -> cst.Module:
        return module.with_changes(body=insert_module_statement(list(module.body), after_imports_index(module), import_line))

    return REGISTRAR, {ctx.model.module: add_import}
