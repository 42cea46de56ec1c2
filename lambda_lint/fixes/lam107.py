"""LAM107 fix: a clock reading in a default argument becomes ``None``, read in the body.

    def run(q, end=datetime.utcnow()):          def run(q, end=None):
        ...                             ->          if end is None:
                                                        end = datetime.utcnow()
                                                    ...

Only for default arguments (module-level names and dataclass fields keep their
suggestion in words), and only when the default's names mean the same inside
the function. Unsafe: a caller that passes ``None`` on purpose now gets the
current time.
"""
from __future__ import annotations

import libcst as cst

from ..analysis.clocks import clock_call
from ..analysis.names import names_in
from .common import UNSAFE, as_indented_block, build_fix, function_named_by, is_docstring
from .lam104 import _init_statement, _swap


def fix(code, ctx, report):
    fn = function_named_by(ctx, report.node)
    if fn is None or not isinstance(fn.node, cst.FunctionDef):
        return None
    node_params = fn.node.params
    params = [p for p in list(node_params.posonly_params) + list(node_params.params) + list(node_params.kwonly_params)
              if p.default is not None and clock_call(ctx.model, p.default) is not None]
    if not params:
        return None
    local = ctx.locals_of(fn)
    for param in params:
        # The default moves from definition time to call time: its names must mean the same there.
        if names_in(param.default) & local:
            return None
    targets = {id(p): p for p in params}

    def new_function(node: cst.FunctionDef) -> cst.FunctionDef:
        old, new = fn.node.params, node.params
        new_params = new.with_changes(
            posonly_params=[_swap(o, n, targets) for o, n in zip(old.posonly_params, new.posonly_params)],
            params=[_swap(o, n, targets) for o, n in zip(old.params, new.params)],
            kwonly_params=[_swap(o, n, targets) for o, n in zip(old.kwonly_params, new.kwonly_params)],
        )
        body = as_indented_block(node.body)
        statements = list(body.body)
        at = 1 if statements and is_docstring(statements[0]) else 0
        statements[at:at] = [_init_statement(p.name.value, p.default) for p in params]
        return node.with_changes(params=new_params, body=body.with_changes(body=statements))

    names = ", ".join(f"`{p.name.value}`" for p in params)
    return build_fix(ctx, f"Default {names} to None and read the clock in the function", UNSAFE,
                     {fn.node: new_function})
