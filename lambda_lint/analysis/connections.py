"""Per-invocation construction of clients and connections, found once per module for LAM202/LAM203."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import List

import libcst as cst

from .apis import CLOSE_METHODS, DBAPI_CONNECTION_METHODS, SESSION_CLIENT_METHODS, SESSION_CONSTRUCTORS
from .context import Context
from .flow import assigned_name, assignment_target, is_awaited, lazily_stored, released_on_every_path, with_item_of
from .model import ClassInfo, Function, Site, assigned_values

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
            made = _construction(ctx, fn, site)
            if made is None:
                continue
            kind, name = made
            if _made_once(ctx, site):
                continue
            found.append(Construction(site, kind, name, kind == "sdk" or _closed(ctx, fn, site, name)))
    ctx.__dict__["_constructions"] = found
    return found


def _made_once(ctx: Context, site: Site) -> bool:
    """One-time code (a lazy getter that the warm path does not close or reset every invocation, a
    function only such code calls), or ``self._c`` filled under ``if self._c is None:``."""
    if ctx.holders.one_time(site, defeat=True):
        return True
    target = assignment_target(site)
    return isinstance(target, cst.Attribute) and lazily_stored(site)


def _construction(ctx: Context, fn: Function, site: Site):
    """(kind, name) when the call builds a client or opens a connection, else None."""
    call = site.node
    name = ctx.qualify(call.func)
    kind = ctx.constructor_kind(call)
    if name in SESSION_CONSTRUCTORS:
        return None  # a bare session builds nothing; the clients made from it are reported
    if kind is not None:
        return kind, name
    session = _session_client(ctx, fn, call)
    if session is not None:
        return "sdk", session
    if name is None or _project_callable(ctx, fn, call.func) or not _imported(ctx, name):
        return None
    last = name.rsplit(".", 1)[-1]
    if last.endswith(("Connection", "ConnectionPool")) and last[:1].isupper():
        return "connection", name
    if last == "connect" and "." in name and _used_as_dbapi(fn, site):
        return "connection", name
    return None


def _session_client(ctx: Context, fn: Function, call: cst.Call):
    """``session.client(...)``/``.resource(...)`` on a boto3 session made in this function."""
    func = call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value in SESSION_CLIENT_METHODS):
        return None
    receiver = func.value
    if isinstance(receiver, cst.Call) and ctx.qualify(receiver.func) in SESSION_CONSTRUCTORS:
        return f"{ctx.qualify(receiver.func)}().{func.attr.value}"
    if not isinstance(receiver, cst.Name) or receiver.value not in ctx.locals_of(fn):
        return None
    values = assigned_values(fn, receiver.value)
    sessions = [v for v in values if isinstance(v, cst.Call) and ctx.qualify(v.func) in SESSION_CONSTRUCTORS]
    if sessions and len(sessions) == len(values):
        return f"{receiver.value}.{func.attr.value}"
    return None


def _project_callable(ctx: Context, fn: Function, func) -> bool:
    try:
        target = ctx.project.resolve_expr(fn, func)
    except RecursionError:
        return True
    return isinstance(target, (Function, ClassInfo))


def _imported(ctx: Context, qualified: str) -> bool:
    """The callee comes from an import of a third-party module, not from a local, a project name or
    the standard library (whose connection classes, ``http.client.HTTPSConnection``, ``sqlite3``, are
    judged by the documented list only)."""
    head = qualified.split(".", 1)[0]
    if head in _STDLIB:
        return False
    return any(imp.qualified.split(".", 1)[0] == head for imp in ctx.model.imports.values())


_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) or frozenset(
    {"http", "sqlite3", "socket", "ssl", "smtplib", "ftplib", "imaplib", "poplib", "telnetlib", "xmlrpc",
     "multiprocessing", "asyncio", "urllib", "email"}
)


def _used_as_dbapi(fn: Function, site: Site) -> bool:
    """The value of ``X.connect(...)`` is used as a DB-API connection: ``.cursor()``, ``.commit()``..."""
    item = with_item_of(site)
    if item is not None:
        names = [item.asname.name.value] if item.asname is not None and isinstance(item.asname.name, cst.Name) else []
    else:
        name = assigned_name(site)
        names = [name] if name else []
        parent = site.parent
        if isinstance(parent, cst.Attribute) and parent.value is site.node and parent.attr.value in DBAPI_CONNECTION_METHODS:
            return True  # connect(...).cursor()
    for name in names:
        for use in fn.names.get(name, ()):
            parent = use.parent
            if isinstance(parent, cst.Attribute) and parent.value is use.node and parent.attr.value in DBAPI_CONNECTION_METHODS:
                return True
    return False


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
