"""Registrations that add to a process-wide registry on the warm path (LAM106).

A registration is a call that appends to a list the process keeps: a logger's
handlers and filters, loguru's sinks, atexit's callbacks, a chaining signal
handler, a framework object's handlers, middleware, routes and listeners, or a
route/listener decorator applied to a function defined inside a warm function.
Only receivers whose type is known through imports count (``logging.getLogger``
results, module-level objects built by a documented constructor); a method name
alone never does. APIs that replace (``basicConfig``, ``dictConfig``, loguru
``configure``, ``add_error_handler``) are not in the lists at all.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional

import libcst as cst

from . import apis
from .flow import _order, branches, in_finally, released_on_every_path, top_statement, warm_calls_of
from .holders import built_by, held
from .model import Function, Site, store_targets
from .names import call_method, call_receiver, dotted, names_in, source_text


@dataclass
class Registration:
    site: Site  # the call (or, for a decorator, the call or attribute it evaluates)
    node: cst.CSTNode  # what is reported: the call, or the Decorator
    call: str  # as written in messages: ``logger.addHandler``, ``atexit.register``, ``@app.command``
    registry: str  # what grows, in words
    bound_line: Optional[int]  # where the receiver was bound, when it is a module-level object
    receiver: Optional[cst.CSTNode]
    decorator: bool = False


def registries(ctx) -> Dict[str, frozenset]:
    """The documented framework registries, extended by ``extend-registries`` (``pkg.Class.method``)."""
    table = {k: set(v) for k, v in apis.REGISTRIES.items()}
    for entry in getattr(ctx.config, "extend_registries", None) or ():
        owner, _, method = entry.rpartition(".")
        if owner:
            table.setdefault(owner, set()).add(method)
    return {k: frozenset(v) for k, v in table.items()}


def registrations(ctx) -> List[Registration]:
    cached = ctx.__dict__.get("_registrations")
    if cached is not None:
        return cached
    table = registries(ctx)
    found = []
    for fn in ctx.warm_functions:
        if fn.is_module_scope or ctx.is_memoised(fn):
            continue  # a memoised setup function runs once per argument, not once per invocation
        for site in fn.calls:
            reg = _registration(ctx, fn, site, table)
            if reg is not None and not _exempt(ctx, fn, reg):
                found.append(reg)
        for inner in fn.nested.values():
            for deco in inner.decorators:
                reg = _decorator_registration(ctx, fn, inner, deco)
                if reg is not None and not _guarded(ctx, fn, reg.site, reg.receiver):
                    found.append(reg)
    ctx.__dict__["_registrations"] = found
    return found


# -- what is a registration -------------------------------------------------------------

def _registration(ctx, fn: Function, site: Site, table) -> Optional[Registration]:
    call = site.node
    qualified = ctx.qualify(call.func)
    if qualified == apis.ATEXIT_REGISTER:
        return Registration(site, call, "atexit.register", "the interpreter's exit callbacks", None, None)
    if qualified == apis.SIGNAL_SIGNAL:
        return _chaining_signal(ctx, fn, site)
    method = call_method(call)
    receiver = call_receiver(call)
    if method is None or receiver is None:
        return None
    written = dotted(receiver) or source_text(receiver)
    if method in apis.LOGGER_ADDERS:
        line = _logger(ctx, fn, receiver)
        if line is False or not _new_object(ctx, fn, call):
            return None
        what = "handlers" if method == "addHandler" else "filters"
        return Registration(site, call, f"{_short(written)}.{method}",
                            f"the {what} of the process-wide logger `{_short(written)}`", line or None, receiver)
    if method in apis.LOGURU_ADDERS and ctx.qualify(receiver) == apis.LOGURU_LOGGER:
        if _is_local(ctx, fn, receiver) or _rebound(ctx, receiver):
            return None
        return Registration(site, call, f"{written}.add", "loguru's sinks", None, receiver)
    owner = _framework_object(ctx, fn, receiver, table)
    if owner is not None:
        kind, line = owner
        if method in table.get(kind, ()):
            return Registration(site, call, f"{written}.{method}",
                                f"the registrations (handlers, middleware, routes) of module-level `{written}`",
                                line, receiver)
    # aiogram observers: ``dp.message.register(handler)``
    if method in apis.OBSERVER_ADDERS and isinstance(receiver, cst.Attribute):
        owner = _framework_object(ctx, fn, receiver.value, apis.OBSERVER_OWNERS)
        if owner is not None:
            return Registration(site, call, f"{written}.{method}",
                                f"the handlers of `{dotted(receiver) or written}` on a module-level dispatcher",
                                owner[1], receiver.value)
    return None


def _decorator_registration(ctx, fn: Function, inner: Function, deco: cst.Decorator) -> Optional[Registration]:
    expr = deco.decorator
    func = expr.func if isinstance(expr, cst.Call) else expr
    site = _site_of(fn, expr)
    if site is None:
        return None
    if ctx.qualify(func) == apis.ATEXIT_REGISTER:
        return Registration(site, deco, "@atexit.register", "the interpreter's exit callbacks", None, None, True)
    if not isinstance(func, cst.Attribute):
        return None
    receiver = func.value
    owner = _framework_object(ctx, fn, receiver, apis.ROUTE_DECORATORS)
    if owner is None or func.attr.value not in apis.ROUTE_DECORATORS[owner[0]]:
        return None
    written = dotted(func) or source_text(func)
    return Registration(site, deco, f"@{written}", f"the listeners of module-level `{dotted(receiver)}`",
                        owner[1], receiver, True)


def _site_of(fn: Function, expr) -> Optional[Site]:
    """The indexed site of a decorator expression (decorators are evaluated in the enclosing scope)."""
    for site in fn.calls:
        if site.node is expr:
            return site
    for sites in fn.names.values():
        for site in sites:
            for i, ancestor in enumerate(site.ancestors):
                if ancestor is expr:
                    return Site(expr, site.ancestors[:i], fn)
    return None


def _logger(ctx, fn: Function, receiver) -> object:
    """The line of the module-level logger binding (0 when there is none to name: a ``getLogger``
    call or a local holding one), or False when ``receiver`` is not known to be a process-wide logger."""
    if _is_get_logger(ctx.model, receiver):
        return 0
    if ctx.qualify(receiver) in apis.LOGGER_OBJECTS and not _is_local(ctx, fn, receiver):
        return 0
    if not isinstance(receiver, cst.Name):
        return False
    name = receiver.value
    if name in ctx.locals_of(fn):
        values = _local_values(fn, name)
        if name in fn.params or not values:
            return False
        return 0 if all(_is_get_logger(ctx.model, v) for v in values) else False
    found = held(ctx, fn, name)
    if found is None or found.value is None:
        return False
    value = found.value
    if _is_get_logger(found.model, value) or found.model.qualify(value) in apis.LOGGER_OBJECTS:
        return found.line or 0
    return False


def _new_object(ctx, fn: Function, call: cst.Call) -> bool:
    """The handler or filter is built in this invocation. ``addHandler``/``addFilter`` ignore an
    object the logger already has, so adding the same module-level handler again changes nothing."""
    args = [a.value for a in call.args if a.keyword is None and not a.star]
    if not args:
        return False
    arg = args[0]
    if isinstance(arg, cst.Call):
        return True
    if isinstance(arg, cst.Name) and arg.value in ctx.locals_of(fn) and arg.value not in fn.params:
        values = _local_values(fn, arg.value)
        return bool(values) and all(isinstance(v, cst.Call) for v in values)
    return False


def _is_get_logger(model, expr) -> bool:
    return isinstance(expr, cst.Call) and model.qualify(expr.func) == apis.LOGGER_FACTORY


def _local_values(fn: Function, name: str) -> list:
    values = []
    for site in fn.stores:
        for target in store_targets(site.node):
            if isinstance(target, cst.Name) and target.value == name:
                value = getattr(site.node, "value", None)
                if value is None or isinstance(site.node, cst.AugAssign):
                    return []
                values.append(value)
    return values


def _is_local(ctx, fn: Function, receiver) -> bool:
    root = receiver
    while isinstance(root, cst.Attribute):
        root = root.value
    return isinstance(root, cst.Name) and root.value in ctx.locals_of(fn)


def _rebound(ctx, receiver) -> bool:
    """A module-level assignment replaced the imported name (``logger = logging.getLogger()``)."""
    if not isinstance(receiver, cst.Name):
        return False
    return any(b.kind != "import" for b in ctx.model.bindings.get(receiver.value, ()))


def _framework_object(ctx, fn: Function, receiver, known) -> Optional[tuple]:
    """(type, bound line) for a module-level object built by a documented constructor."""
    if isinstance(receiver, cst.Attribute) and isinstance(receiver.value, cst.Name):
        # ``updater.dispatcher`` of a module-level python-telegram-bot Updater
        found = _framework_object(ctx, fn, receiver.value, known)
        if found is not None and found[0] == "telegram.ext.Updater" and receiver.attr.value == "dispatcher":
            return ("telegram.ext.Dispatcher", found[1]) if "telegram.ext.Dispatcher" in known else None
        return None
    if not isinstance(receiver, cst.Name):
        return None
    found = held(ctx, fn, receiver.value)
    if found is None or found.value is None:
        return None
    kind = built_by(found.model, found.value, known)
    if kind is None:
        return None
    return (kind, found.line)


def _chaining_signal(ctx, fn: Function, site: Site) -> Optional[Registration]:
    """``signal.signal(sig, h)`` where ``h`` calls the handler it replaces (taken with ``getsignal``)."""
    args = [a.value for a in site.node.args if a.keyword is None]
    if len(args) < 2:
        return None
    previous = set()
    for store in fn.stores:
        value = getattr(store.node, "value", None)
        if isinstance(value, cst.Call) and ctx.qualify(value.func) == apis.SIGNAL_GETSIGNAL:
            previous.update(t.value for t in store_targets(store.node) if isinstance(t, cst.Name))
    if not previous:
        return None
    handler = args[1]
    calls_previous = False
    if isinstance(handler, cst.Lambda):
        calls_previous = bool(names_in(handler.body) & previous)
    elif isinstance(handler, cst.Name):
        target = fn.nested.get(handler.value) or ctx.project.resolve_expr(fn, handler)
        if isinstance(target, Function):
            calls_previous = any(isinstance(c.node.func, cst.Name) and c.node.func.value in previous
                                 for c in target.calls)
    if not calls_previous:
        return None
    return Registration(site, site.node, "signal.signal", "the chain of signal handlers (each new one calls the one it replaced)",
                        None, None)


# -- what makes one harmless ------------------------------------------------------------

def _exempt(ctx, fn: Function, reg: Registration) -> bool:
    if _guarded(ctx, fn, reg.site, reg.receiver):
        return True
    if _undone(ctx, fn, reg):
        return True
    return _reset_before(ctx, fn, reg)


def _guard_names(ctx, fn: Function, receiver) -> set:
    """Names whose test guards a registration: the receiver, and first-call flags (module-level
    names that warm-path code rebinds through ``global``)."""
    names = set(names_in(receiver)) if receiver is not None else set()
    names |= _flags(ctx)
    return names


def _flags(ctx) -> set:
    store = ctx.analysis.__dict__
    if "_registration_flags" not in store:
        flags = set()
        for warm in ctx.project.warm:
            for site in warm.stores:
                for target in store_targets(site.node):
                    if isinstance(target, cst.Name) and target.value in warm.global_names:
                        flags.add((warm.module.path, target.value))
        store["_registration_flags"] = flags
    return {name for path, name in store["_registration_flags"] if path == ctx.model.path}


def _guarded(ctx, fn: Function, site: Site, receiver, depth: int = 0) -> bool:
    names = _guard_names(ctx, fn, receiver)
    if not names:
        return False
    if _tested(site, names):
        return True
    # A setup helper that its callers only call under such a guard.
    if depth < 3:
        callers = warm_calls_of(ctx, fn)
        if callers and all(_tested(call, names | _flags(ctx)) for _, call in callers):
            return True
    return False


def _tested(site: Site, names: set) -> bool:
    for if_node, _ in branches(site):
        if names_in(if_node.test) & names:
            return True
    fn = site.function
    if fn.is_module_scope:
        return False
    top = top_statement(site)
    for stmt in fn.body_statements:
        if stmt is top:
            break
        if isinstance(stmt, cst.If) and names_in(stmt.test) & names and _leaves(stmt.body):
            return True
    return False


def _leaves(block) -> bool:
    body = block.body if isinstance(block, cst.IndentedBlock) else [block]
    if not body:
        return False
    last = body[-1]
    return isinstance(last, cst.SimpleStatementLine) and any(isinstance(s, (cst.Return, cst.Raise)) for s in last.body)


def _undone(ctx, fn: Function, reg: Registration) -> bool:
    """Removed again on every path: ``removeHandler`` / loguru ``remove(sink_id)`` / ``atexit.unregister``
    in ``finally`` or unconditionally after the registration."""
    releases = []
    receiver_text = source_text(reg.receiver) if reg.receiver is not None else None
    for site in fn.calls:
        call = site.node
        if reg.call.startswith("atexit") and ctx.qualify(call.func) == apis.ATEXIT_UNREGISTER:
            releases.append(site)
            continue
        method = call_method(call)
        receiver = call_receiver(call)
        if receiver is None or receiver_text is None or source_text(receiver) != receiver_text:
            continue
        if method in apis.LOGGER_REMOVERS or (method == "remove" and call.args):
            releases.append(site)
    if not releases:
        return False
    return any(in_finally(r) for r in releases) or released_on_every_path(reg.site, releases)


def _reset_before(ctx, fn: Function, reg: Registration) -> bool:
    """The registry is emptied earlier in the same function: ``logger.handlers.clear()``,
    ``logger.handlers = []``, loguru ``logger.remove()``, or a loop removing every handler."""
    if reg.receiver is None:
        return False
    text = source_text(reg.receiver)
    for site in fn.calls:
        call = site.node
        method = call_method(call)
        receiver = call_receiver(call)
        if receiver is None:
            continue
        reset = False
        if method in ("clear",) and isinstance(receiver, cst.Attribute) and receiver.attr.value in apis.REGISTRY_LISTS:
            reset = source_text(receiver.value) == text
        elif method == "remove" and not call.args and source_text(receiver) == text:
            reset = True
        elif method in apis.LOGGER_REMOVERS and source_text(receiver) == text:
            reset = any(isinstance(a, (cst.For, cst.While)) for a in site.ancestors)
        if reset and _order(site, reg.site) == -1:
            return True
    for site in fn.stores + fn.deletes:
        node = site.node
        targets = store_targets(node) if not isinstance(node, cst.Del) else [node.target]
        for target in targets:
            base = target.value if isinstance(target, cst.Subscript) else target
            if (isinstance(base, cst.Attribute) and base.attr.value in apis.REGISTRY_LISTS
                    and source_text(base.value) == text and _order(site, reg.site) == -1):
                return True
    return False


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."
