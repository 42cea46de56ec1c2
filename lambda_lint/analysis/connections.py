"""Per-invocation construction of clients and connections, found once per module for LAM202/LAM203."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List

import libcst as cst

from .apis import CLOSE_METHODS
from .context import Context
from .flow import assigned_name, assignment_target, is_awaited, lazily_stored, released_on_every_path, with_item_of
from .model import Function, Site

# A psycopg2 connection's ``with`` block ends a transaction; it does not close.
_WITH_DOES_NOT_CLOSE = frozenset({"psycopg2.connect"})


@dataclass
class Construction:
    site: Site
    kind: str  # sdk | connection
    name: str  # qualified constructor, e.g. boto3.client
    closed: bool  # closed on every path (or handed over to code that owns it)


def constructions(ctx: Context) -> List[Construction]:
    cached = ctx.__dict__.get("_constructions")
    if cached is not None:
        return cached
    found = []
    for fn in ctx.warm_functions:
        if fn.is_module_scope or ctx.is_memoised(fn):
            continue
        for site in fn.calls:
            kind = ctx.constructor_kind(site.node)
            if kind is None or lazily_stored(site) or _only_called_lazily(ctx, fn, site):
                continue
            name = ctx.qualify(site.node.func)
            found.append(Construction(site, kind, name, kind == "sdk" or _closed(ctx, fn, site, name)))
    ctx.__dict__["_constructions"] = found
    return found


def _closed(ctx: Context, fn: Function, site: Site, name: str) -> bool:
    item = with_item_of(site)
    if item is not None:
        return name not in _WITH_DOES_NOT_CLOSE
    if _returned(fn, site):
        return True  # the caller owns it now
    target = assignment_target(site)
    if target is None:
        return False
    if isinstance(target, cst.Name):
        if target.value in fn.global_names:
            return True  # kept in a module-level holder
        return released_on_every_path(site, _releases(fn, target.value))
    if isinstance(target, cst.Attribute) and fn.cls is not None:
        return _class_closes(fn, target.attr.value)
    return True  # stored somewhere we cannot follow: stay silent about leaks


def _releases(fn: Function, name: str) -> list:
    out = []
    for use in fn.names.get(name, ()):
        parent = use.parent
        if isinstance(parent, cst.Attribute) and parent.value is use.node and parent.attr.value in CLOSE_METHODS:
            out.append(use)
        elif isinstance(parent, cst.WithItem) or (
            isinstance(parent, cst.Arg) and any(isinstance(a, cst.WithItem) for a in use.ancestors)
        ):
            out.append(use)  # with conn: / with closing(conn):
    return out


def _class_closes(fn: Function, attr: str) -> bool:
    for method in fn.cls.methods.values():
        for call in method.calls:
            func = call.node.func
            if (
                isinstance(func, cst.Attribute)
                and func.attr.value in CLOSE_METHODS
                and isinstance(func.value, cst.Attribute)
                and func.value.attr.value == attr
            ):
                return True
    return False


def _returned(fn: Function, site: Site) -> bool:
    if any(isinstance(a, cst.Return) for a in site.ancestors):
        return site.ancestors and (isinstance(site.parent, cst.Return) or is_awaited(site))
    name = assigned_name(site)
    if name is None:
        return False
    for ret in fn.returns:
        value = ret.node.value
        if isinstance(value, cst.Name) and value.value == name:
            return True
    return False


def _only_called_lazily(ctx: Context, fn: Function, site: Site) -> bool:
    """A factory that returns the new object, called only where the result is stored lazily."""
    if not _returned(fn, site):
        return False
    callers = ctx.analysis.call_sites.get(fn, [])
    return bool(callers) and all(lazily_stored(c) or ctx.is_memoised(c.function) for c in callers)
