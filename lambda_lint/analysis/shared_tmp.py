"""Request data written to a constant /tmp path that a later invocation reads back (LAM502).

The path is constant (a literal, a module-level constant, ``os.path.join("/tmp", "x")``...),
so every invocation of the environment uses the same file. The write carries request data
(LAM103's data flow: through the file object, or the source of a download or copy that the
request chose). It is only a leak when something gets it back: the warm path reads that path,
checks that it exists, or opens it in append mode. A file removed on every path is not.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional

import libcst as cst

from . import apis
from .flow import _order, in_finally, is_conditional, released_on_every_path, warm_calls_of
from .model import Function, Site, store_targets
from .names import call_method, call_receiver, names_in, root_name, string_value
from .tmp_paths import COPIERS, EXISTENCE_CHECKS, OPENERS, Paths, _arg, exists_guard

_READ_METHODS = frozenset({"read_text", "read_bytes"})


@dataclass
class SharedWrite:
    site: Site
    what: str  # the creating call as written in messages
    path: str  # the constant path
    read_back: str  # how a later invocation gets it back, in words


def shared_tmp_writes(ctx) -> List[SharedWrite]:
    cached = ctx.__dict__.get("_shared_tmp_writes")
    if cached is not None:
        return cached
    paths = Paths(ctx)
    found = []
    reads: Optional[Dict[str, list]] = None
    for fn in ctx.warm_functions:
        if fn.is_module_scope:
            continue
        for creation in paths.creations(fn):
            value = creation.path
            if (not value.tmp or value.variable or value.auto or value.made_by is not None
                    or creation.directory or not value.prefix):
                continue
            if not _writes_request_data(ctx, fn, creation.site):
                continue
            if _removed_on_every_path(paths, fn, creation.site, value.prefix):
                continue
            if _appends(creation.site):
                found.append(SharedWrite(creation.site, creation.what, value.prefix,
                                         "append mode carries every earlier invocation's data into this one"))
                continue
            if reads is None:
                reads = _read_backs(ctx, paths)
            how = next((r.how for r in reads.get(value.prefix, ()) if _sees_earlier_data(ctx, r, creation.site)),
                       None)
            if how is not None:
                found.append(SharedWrite(creation.site, creation.what, value.prefix, how))
    ctx.__dict__["_shared_tmp_writes"] = found
    return found


@dataclass
class ReadBack:
    site: Site
    how: str
    exists_check: bool


def _sees_earlier_data(ctx, read: ReadBack, write: Site) -> bool:
    """A read can get an earlier invocation's data unless it always follows this invocation's write:
    an existence check always asks about what was there before; a plain read counts when it runs
    before the write (in the same function, or in a helper called before it), or elsewhere."""
    if read.exists_check:
        return True
    fn = write.function
    if read.site.function is fn:
        return _order(read.site, write) == -1
    calls = [site for caller, site in warm_calls_of(ctx, read.site.function) if caller is fn]
    if not calls:
        return True
    return any(_order(call, write) == -1 for call in calls)


def _appends(site: Site) -> bool:
    call = site.node
    mode = _arg(call, 1, "mode") if call_method(call) != "open" else _arg(call, 0, "mode")
    text = string_value(mode) if mode is not None else None
    return text is not None and "a" in text


def _read_backs(ctx, paths: Paths) -> Dict[str, list]:
    """Reads and existence checks of constant /tmp paths on the warm path (project-wide), by path."""
    store = ctx.analysis.__dict__
    if "_tmp_read_backs" in store:
        return store["_tmp_read_backs"]
    found: Dict[str, list] = {}
    for fn in ctx.project.warm:
        if fn.is_module_scope:
            continue
        for site in fn.calls:
            call = site.node
            qualified = fn.module.qualify(call.func)
            method = call_method(call)
            target, how, exists = None, None, False
            if qualified in OPENERS:
                path_pos, path_kw, mode_pos, mode_kw, default = OPENERS[qualified]
                mode = _arg(call, mode_pos, mode_kw)
                text = default if mode is None else string_value(mode)
                if text is not None and "r" in text and "+" not in text:
                    target, how = _arg(call, path_pos, path_kw), "the warm path reads it"
            elif (qualified or "").rsplit(".", 1)[-1] in EXISTENCE_CHECKS and (qualified or "").startswith("os.path."):
                target, how, exists = _arg(call, 0, "path"), "the warm path checks that it exists and uses it", True
            elif method in EXISTENCE_CHECKS and call_receiver(call) is not None and not call.args:
                target, how, exists = call_receiver(call), "the warm path checks that it exists and uses it", True
            elif method in _READ_METHODS:
                target, how = call_receiver(call), "the warm path reads it"
            if target is None or (exists and _only_guards_removal(paths, fn, site)):
                continue
            value = paths.evaluate(fn, target)
            if value is not None and value.tmp and not value.variable and value.prefix:
                found.setdefault(value.prefix, []).append(ReadBack(site, how, exists))
    store["_tmp_read_backs"] = found
    return found


def _only_guards_removal(paths: Paths, fn: Function, site: Site) -> bool:
    """``if os.path.exists(p): os.remove(p)``: a clean-up, not a read-back."""
    parent = site.ancestors[-1] if site.ancestors else None
    if not isinstance(parent, cst.If) or parent.test is not site.node:
        return False
    body = parent.body.body if isinstance(parent.body, cst.IndentedBlock) else [parent.body]
    removals = {id(r.site.node) for r in paths.removals(fn)}
    for stmt in body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            return False
        for small in stmt.body:
            if not (isinstance(small, cst.Expr) and id(small.value) in removals):
                return False
    return True


def _removed_on_every_path(paths: Paths, fn: Function, site: Site, prefix: str) -> bool:
    removals = []
    for removal in paths.removals(fn):
        target = removal.target
        if target is not None and target.tmp and not target.variable and target.prefix == prefix:
            removals.append(exists_guard(removal.site))
    if not removals:
        return False
    if any(_order(r, site) == -1 and not is_conditional(r) for r in removals):
        return True  # cleared first thing: nothing from an earlier invocation is left to read
    return any(in_finally(r) for r in removals) or released_on_every_path(site, removals)


# -- does the write carry request data -----------------------------------------------------

def _writes_request_data(ctx, fn: Function, site: Site) -> bool:
    call = site.node
    qualified = fn.module.qualify(call.func)
    method = call_method(call)
    if method == "download_file" or qualified == "urllib.request.urlretrieve":
        # the request chose what is downloaded
        return any(_carries(ctx, fn, a.value) for a in call.args)
    if qualified in COPIERS:
        source = _arg(call, 0, "src")
        return source is not None and _carries(ctx, fn, source)
    if method in ("write_text", "write_bytes"):
        return any(_carries(ctx, fn, a.value) for a in call.args)
    if qualified in OPENERS or method == "open":
        handle = _handle(site)
        if handle is None:
            return False
        return _written_through(ctx, fn, handle)
    return False


def _handle(site: Site) -> Optional[str]:
    """The name the opened file is bound to: ``with open(p, "w") as fh`` or ``fh = open(p, "w")``."""
    parent = site.parent
    if isinstance(parent, cst.WithItem) and parent.asname is not None and isinstance(parent.asname.name, cst.Name):
        return parent.asname.name.value
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name):
        return parent.targets[0].target.value
    return None


def _written_through(ctx, fn: Function, handle: str) -> bool:
    """A call that mentions the file handle (``fh.write(x)``, ``json.dump(x, fh)``,
    ``csv.writer(fh).writerow(x)``, or a writer kept in a local: ``w = csv.writer(fh)``) also takes
    request data."""
    handles = {handle}
    for site in fn.stores:
        value = getattr(site.node, "value", None)
        if isinstance(value, cst.Call) and any(handle in names_in(a.value) for a in value.args):
            handles.update(t.value for t in store_targets(site.node) if isinstance(t, cst.Name))
    for site in fn.calls:
        call = site.node
        mentioned = handles & names_in(call.func) or any(handles & names_in(a.value) for a in call.args)
        if not mentioned:
            continue
        if any(not (handles & names_in(a.value)) and _carries(ctx, fn, a.value) for a in call.args):
            return True
    return False


def _carries(ctx, fn: Function, expr) -> bool:
    """Request data flows into ``expr``: it is derived from the event, or it names a local container
    that the function filled with request data (``draft["lines"].append(text)``)."""
    if ctx.taint.derived(fn, expr):
        return True
    locals_ = ctx.locals_of(fn)
    return any(n in locals_ and _filled_with_request_data(ctx, fn, n) for n in names_in(expr))


def _filled_with_request_data(ctx, fn: Function, name: str) -> bool:
    for site in fn.calls:
        call = site.node
        if call_method(call) in apis.CONTAINER_MUTATORS and root_name(call_receiver(call)) == name:
            if any(ctx.taint.derived(fn, a.value) for a in call.args):
                return True
    for site in fn.stores:
        node = site.node
        if isinstance(node, cst.Assign):
            for target in node.targets:
                if isinstance(target.target, cst.Subscript) and root_name(target.target) == name:
                    if ctx.taint.derived(fn, node.value):
                        return True
    return False
