"""Writes into the process environment on the warm path (LAM103's widening).

``os.environ`` outlives the invocation, and child processes and SDK clients created
later read it, so it counts as module-level state: ``os.environ[k] = v``,
``os.environ.update(...)``, ``os.environ.setdefault(k, v)``, ``os.putenv(k, v)``.
A per-call copy (``dict(os.environ, K=v)``) is a new dict, not the environment.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List

import libcst as cst

from . import apis
from .model import Site


@dataclass
class EnvironmentWrite:
    site: Site
    node: cst.CSTNode  # the statement or call reported
    values: tuple  # the keys and values written


def environment_writes(ctx) -> List[EnvironmentWrite]:
    out = []
    for fn in ctx.warm_functions:
        if fn.is_module_scope:
            continue
        for site in fn.calls:
            call = site.node
            func = call.func
            if ctx.qualify(func) == apis.PUTENV:
                out.append(EnvironmentWrite(site, call, tuple(a.value for a in call.args)))
            elif (isinstance(func, cst.Attribute) and func.attr.value in apis.ENVIRON_WRITERS
                  and _is_environ(ctx, fn, func.value)):
                out.append(EnvironmentWrite(site, call, tuple(a.value for a in call.args)))
        for site in fn.stores:
            node = site.node
            if not isinstance(node, (cst.Assign, cst.AugAssign)):
                continue
            targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
            for target in targets:
                if isinstance(target, cst.Subscript) and _is_environ(ctx, fn, target.value):
                    keys = tuple(e.slice.value for e in target.slice if isinstance(e.slice, cst.Index))
                    out.append(EnvironmentWrite(site, node, (node.value,) + keys))
    return out


def _is_environ(ctx, fn, expr) -> bool:
    if ctx.qualify(expr) != apis.ENVIRON:
        return False
    root = expr
    while isinstance(root, cst.Attribute):
        root = root.value
    return isinstance(root, cst.Name) and root.value not in ctx.locals_of(fn)
