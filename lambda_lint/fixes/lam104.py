"""LAM104 fix: the mutable default becomes ``None``, created in the body.

    def f(x, seen=set()):          def f(x, seen=None):
        ...                    ->      if seen is None:
                                           seen = set()
                                       ...

Safe: a caller that passes the argument is unaffected; a caller that relies
on the default gets a fresh object on every call, which is what the code means.
"""
from __future__ import annotations

import libcst as cst

from ..analysis.names import names_in
from .common import SAFE, as_indented_block, build_fix, function_named_by, is_docstring


def _mutable_params(ctx, fn) -> list:
    params = fn.node.params
    out = []
    for param in list(params.posonly_params) + list(params.params) + list(params.kwonly_params):
        if param.default is None:
            continue
        kind, _, _ = ctx.model.classify(param.default)
        if kind == "container":
            out.append(param)
    return out


def fix(code, ctx, report):
    fn = function_named_by(ctx, report.node)
    if fn is None or not isinstance(fn.node, cst.FunctionDef):
        return None
    params = _mutable_params(ctx, fn)
    # The rule reports each mutable parameter separately, naming it: fix that one.
    named = [p for p in params if f"`{p.name.value}=" in report.message]
    params = named or params
    if not params:
        return None
    local = ctx.locals_of(fn)
    class_names = set(fn.cls.attributes) | set(fn.cls.methods) if fn.cls is not None else set()
    for param in params:
        # The default moves from definition time to call time: its names must mean the same there.
        used = names_in(param.default)
        if used & (local | class_names) - {"None", "True", "False"}:
            return None
    targets = {id(p): p for p in params}

    def new_function(node: cst.FunctionDef) -> cst.FunctionDef:
        # The updated node's params are fresh objects: match them by position.
        old = fn.node.params
        new = node.params
        new_params = new.with_changes(
            posonly_params=[_swap(o, n, targets) for o, n in zip(old.posonly_params, new.posonly_params)],
            params=[_swap(o, n, targets) for o, n in zip(old.params, new.params)],
            kwonly_params=[_swap(o, n, targets) for o, n in zip(old.kwonly_params, new.kwonly_params)],
        )
        body = as_indented_block(node.body)
        statements = list(body.body)
        at = 1 if statements and is_docstring(statements[0]) else 0
        inits = [_init_statement(p.name.value, p.default) for p in params]
        statements[at:at] = inits
        return node.with_changes(params=new_params, body=body.with_changes(body=statements))

    names = ", ".join(f"`{p.name.value}`" for p in params)
    return build_fix(
        ctx,
        f"Default {names} to None and create the {'value' if len(params) == 1 else 'values'} in the function",
        SAFE,
        {fn.node: new_function},
    )


def _swap(old: cst.Param, new: cst.Param, targets: dict) -> cst.Param:
    if id(old) in targets:
        return new.with_changes(default=cst.Name("None"))
    return new


def _init_statement(name: str, default: cst.BaseExpression) -> cst.If:
    test = cst.Comparison(
        left=cst.Name(name),
        comparisons=[cst.ComparisonTarget(operator=cst.Is(), comparator=cst.Name("None"))],
    )
    assign = cst.SimpleStatementLine(
        body=[cst.Assign(targets=[cst.AssignTarget(target=cst.Name(name))], value=default)]
    )
    return cst.If(test=test, body=cst.IndentedBlock(body=[assign]))
