"""Questions about control flow inside one function: guards, branches, and
whether a release (close, join, remove) runs on every path after a creation."""
from __future__ import annotations

from typing import Iterable, Optional

import libcst as cst

from .model import Function, Site
from .names import contains, dotted, names_in

# Nodes a statement can sit under without being conditional.
_UNCONDITIONAL = (
    cst.IndentedBlock,
    cst.SimpleStatementLine,
    cst.SimpleStatementSuite,
    cst.With,
    cst.Try,
    cst.TryStar,
    cst.Finally,
    cst.For,  # joins and closes over a list of workers are written as loops
    cst.Expr,
    cst.Await,
    cst.Assign,
    cst.AugAssign,
    cst.AnnAssign,
    cst.Call,
    cst.Arg,
    cst.Attribute,
    cst.Return,
    cst.WithItem,
    cst.AsName,
)


def branches(site: Site) -> list:
    """Enclosing ``if`` statements as (if_node, in_body) pairs, innermost last."""
    chain = list(site.ancestors) + [site.node]
    out = []
    for i, node in enumerate(chain[:-1]):
        if isinstance(node, cst.If):
            out.append((node, chain[i + 1] is node.body))
    return out


def guarded_by_name(site: Site, name: str) -> bool:
    """The site runs only under a test about ``name`` (``if _c is None:``, ``if not _c or _c.closed:``),
    or after an early return guarded by such a test (``if _c is not None: return _c``)."""
    for if_node, in_body in branches(site):
        if in_body and name in names_in(if_node.test):
            return True
    return _after_guarded_return(site, name)


def _after_guarded_return(site: Site, name: str) -> bool:
    fn = site.function
    if fn.is_module_scope:
        return False
    top = top_statement(site)
    for stmt in fn.body_statements:
        if stmt is top:
            return False
        if isinstance(stmt, cst.If) and name in names_in(stmt.test) and _ends_with_return(stmt.body):
            return True
    return False


def _ends_with_return(block) -> bool:
    body = block.body if isinstance(block, cst.IndentedBlock) else [block]
    if not body:
        return False
    last = body[-1]
    if isinstance(last, cst.SimpleStatementLine):
        return any(isinstance(s, (cst.Return, cst.Raise)) for s in last.body)
    return False


def top_statement(site: Site) -> cst.CSTNode:
    """The statement directly in the function (or module) body that contains the site."""
    # A function's sites are indexed from its IndentedBlock, module sites from the Module.
    chain = list(site.ancestors) + [site.node]
    return chain[1] if len(chain) > 1 else chain[0]


def in_finally(site: Site) -> bool:
    return any(isinstance(node, cst.Finally) for node in site.ancestors)


def is_conditional(site: Site, below: Optional[cst.CSTNode] = None) -> bool:
    """True when the site sits under an if/while/except/match (below ``below``, if given)."""
    started = below is None
    for node in site.ancestors:
        if not started:
            started = node is below
            continue
        if isinstance(node, (cst.If, cst.While, cst.ExceptHandler, cst.ExceptStarHandler, cst.Match,
                             cst.IfExp, cst.BooleanOperation, cst.Lambda, cst.FunctionDef)):
            return True
        if isinstance(node, (cst.CompFor, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)):
            continue
    return False


def _block_path(site: Site) -> list:
    """(block, statement) pairs from the function body down to the site."""
    chain = list(site.ancestors) + [site.node]
    path = []
    for i, node in enumerate(chain[:-1]):
        if isinstance(node, (cst.IndentedBlock, cst.Module)):
            path.append((node, chain[i + 1]))
    return path


def _returns_in(node: cst.CSTNode) -> bool:
    return contains(node, cst.Return)


def released_on_every_path(creation: Site, releases: Iterable[Site]) -> bool:
    """Some release runs on every path that leaves the function after the creation:
    it is in a ``finally``, or it follows the creation unconditionally with no
    ``return`` in between. Exceptions are not counted as paths (raising is how
    a failed invocation ends; the catalog judges the normal paths)."""
    create_path = _block_path(creation)
    for release in releases:
        if release.function is not creation.function:
            continue
        if in_finally(release):
            return True
        release_path = _block_path(release)
        # The deepest block holding both sites.
        common = 0
        while (
            common < len(create_path)
            and common < len(release_path)
            and create_path[common][0] is release_path[common][0]
            and create_path[common][1] is release_path[common][1]
        ):
            common += 1
        if common >= len(create_path) or common >= len(release_path):
            continue
        block, create_stmt = create_path[common]
        block2, release_stmt = release_path[common]
        if block is not block2:
            continue
        statements = list(block.body)
        try:
            ci, ri = statements.index(create_stmt), statements.index(release_stmt)
        except ValueError:
            continue
        if ri <= ci:
            continue
        if is_conditional(release, below=block):
            continue
        if any(_returns_in(s) for s in statements[ci + 1 : ri]):
            continue
        return True
    return False


def is_dropped(site: Site) -> bool:
    """The call's value is thrown away: it is a whole expression statement."""
    parent = site.parent
    return isinstance(parent, cst.Expr)


def is_awaited(site: Site) -> bool:
    parent = site.parent
    return isinstance(parent, cst.Await)


def assigned_name(site: Site) -> Optional[str]:
    """``x`` in ``x = <call>`` (possibly awaited)."""
    chain = list(site.ancestors)
    node = site.node
    while chain and isinstance(chain[-1], cst.Await):
        node = chain.pop()
    if chain and isinstance(chain[-1], (cst.Assign, cst.AnnAssign)):
        stmt = chain[-1]
        if stmt.value is node:
            if isinstance(stmt, cst.Assign) and len(stmt.targets) == 1:
                target = stmt.targets[0].target
            elif isinstance(stmt, cst.AnnAssign):
                target = stmt.target
            else:
                return None
            if isinstance(target, cst.Name):
                return target.value
    return None


def with_item_of(site: Site) -> Optional[cst.WithItem]:
    """The ``with`` item whose context expression is this call."""
    parent = site.parent
    if isinstance(parent, cst.WithItem) and parent.item is site.node:
        return parent
    return None


def loop_variable_over(fn: Function, container: str) -> list:
    """Names that iterate over ``container`` (``for w in workers`` / ``... for w in workers``)."""
    out = []
    for site in fn.loops:
        node = site.node
        if isinstance(node.iter, cst.Name) and node.iter.value == container and isinstance(node.target, cst.Name):
            out.append(node.target.value)
    return out


def assignment_target(site: Site) -> Optional[cst.CSTNode]:
    """The single target of the assignment whose value contains the site (``self.c`` in ``self.c = X().y``)."""
    for node in reversed(site.ancestors):
        if isinstance(node, cst.Assign):
            return node.targets[0].target if len(node.targets) == 1 else None
        if isinstance(node, cst.AnnAssign):
            return node.target
        if isinstance(node, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
            return None
    return None


def lazily_stored(site: Site) -> bool:
    """The value is stored only while the holder is missing: ``if _c is None: _c = X()``,
    ``if self._c is None: self._c = X()``, ``if key not in _clients: _clients[key] = X()``."""
    target = assignment_target(site)
    if target is None:
        return False
    if isinstance(target, cst.Subscript):
        from .names import root_name

        name = root_name(target)
        return name is not None and guarded_by_name(site, name)
    key = dotted(target)
    if key is None:
        return False
    if "." not in key:
        return guarded_by_name(site, key)
    for if_node, in_body in branches(site):
        if in_body and key in _dotted_names_in(if_node.test):
            return True
    return False


def _dotted_names_in(expr: cst.CSTNode) -> set:
    found = set()
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.Name, cst.Attribute)):
            name = dotted(node)
            if name is not None:
                found.add(name)
        if isinstance(node, cst.Attribute):
            stack.append(node.value)
        elif not isinstance(node, cst.Name):
            stack.extend(node.children)
    return found


# -- where a value goes (LAM301, LAM303, LAM304) ---------------------------------

def _carries_value(node: cst.CSTNode, child: cst.CSTNode) -> bool:
    """``node`` only carries ``child``'s value along: a display, a comprehension element,
    ``*``-unpacking, a conditional expression, subscripting a collection."""
    if isinstance(node, (cst.Element, cst.StarredElement, cst.List, cst.Tuple, cst.Set, cst.Dict,
                         cst.DictElement, cst.StarredDictElement, cst.BooleanOperation)):
        return True
    if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
        return child is node.elt
    if isinstance(node, cst.DictComp):
        return child is node.key or child is node.value
    if isinstance(node, cst.IfExp):
        return child is node.body or child is node.orelse
    if isinstance(node, cst.Subscript):
        return child is node.value
    return False


def value_use(site: Site) -> tuple:
    """Where the value of ``site.node`` goes, looking through displays, comprehension
    elements, ``*`` unpacking and ``a if c else b``. Returns ``(kind, node)``:

    - ``dropped``: an expression statement (node: the Expr)
    - ``awaited``: ``await value`` (node: the Await)
    - ``returned``: ``return value`` / ``yield value`` (node: the Return or Yield)
    - ``argument``: passed to a call (node: the Call)
    - ``assigned``: the value of an assignment or ``:=`` (node: the statement)
    - ``method``: ``value.m(...)`` (node: the Call of the method)
    - ``attribute``: ``value.a`` not called (node: the Attribute)
    - ``iterated``: the iterable of a ``for`` or comprehension (node: the For/CompFor)
    - ``other``: anything else (a test, a comparison, an f-string...)
    """
    chain = list(site.ancestors)
    child = site.node
    for i in range(len(chain) - 1, -1, -1):
        node = chain[i]
        if _carries_value(node, child):
            child = node
            continue
        if isinstance(node, cst.Expr):
            return ("dropped", node)
        if isinstance(node, cst.Await):
            return ("awaited", node)
        if isinstance(node, (cst.Return, cst.Yield)):
            return ("returned", node)
        if isinstance(node, cst.Arg):
            call = chain[i - 1] if i > 0 else None
            return ("argument", call) if isinstance(call, cst.Call) else ("other", node)
        if isinstance(node, (cst.Assign, cst.AnnAssign, cst.AugAssign, cst.NamedExpr)):
            return ("assigned", node) if child is node.value else ("other", node)
        if isinstance(node, cst.Attribute) and child is node.value:
            call = chain[i - 1] if i > 0 else None
            if isinstance(call, cst.Call) and call.func is node:
                return ("method", call)
            return ("attribute", node)
        if isinstance(node, (cst.For, cst.CompFor)) and child is node.iter:
            return ("iterated", node)
        return ("other", node)
    return ("other", None)


# Calls that look at a value without keeping it or waiting for it.
_LOOKING_CALLS = frozenset({"print", "len", "repr", "str", "id", "type", "isinstance", "bool", "hash", "format"})
_LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log"})
_COLLECTING_METHODS = frozenset({"append", "add", "extend", "insert", "appendleft"})


def only_looks_at(call: cst.Call) -> bool:
    """A call that reads its arguments and keeps nothing: ``print``, ``len``, ``logger.info``..."""
    func = call.func
    if isinstance(func, cst.Name):
        return func.value in _LOOKING_CALLS
    return isinstance(func, cst.Attribute) and func.attr.value in _LOG_METHODS


def collected_into(call: cst.Call) -> Optional[str]:
    """``tasks`` for ``tasks.append(value)`` / ``tasks.add(value)`` on a plain name."""
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in _COLLECTING_METHODS and isinstance(func.value, cst.Name):
        return func.value.value
    return None


def _is_binding_occurrence(site: Site) -> bool:
    """The Name is a target being bound (``x = ``, ``for x in``, ``as x``, ``a, x = ``), not a read."""
    child = site.node
    for node in reversed(site.ancestors):
        if isinstance(node, (cst.Element, cst.StarredElement, cst.Tuple, cst.List)):
            child = node
            continue
        if isinstance(node, cst.AssignTarget):
            return node.target is child
        if isinstance(node, (cst.For, cst.CompFor, cst.AnnAssign, cst.AugAssign, cst.NamedExpr)):
            return node.target is child
        if isinstance(node, cst.AsName):
            return node.name is child
        return False
    return False


def kept_value_handled(fn: Function, name: str, local_names: set, finishing_methods: Iterable[str],
                       _seen: Optional[set] = None) -> bool:
    """Whether a value kept in the local ``name`` of ``fn`` is waited for or handed on:
    awaited, returned or yielded, passed to a call that is not merely looking at it
    (``gather``, ``wait``, ``as_completed``, any helper), given a finishing method
    (``result()``...), or stored somewhere this function does not own. Collections
    (``tasks.append(t)``), aliases and loop variables over it are followed. Reads that
    only look (logging, ``len``, comparisons, ``add_done_callback``) do not count."""
    seen = _seen if _seen is not None else set()
    if name in seen:
        return False
    seen.add(name)
    if name not in local_names:
        return True  # not ours to judge: a global, a closure variable
    if _read_in_nested(fn, name):
        return True
    finishing = frozenset(finishing_methods)
    for read in fn.names.get(name, ()):
        if _is_binding_occurrence(read):
            continue
        kind, node = value_use(read)
        if kind in ("awaited", "returned"):
            return True
        if kind == "argument":
            holder = collected_into(node)
            if holder is not None:
                if kept_value_handled(fn, holder, local_names, finishing, seen):
                    return True
                continue
            if only_looks_at(node):
                continue
            return True
        if kind == "assigned":
            targets = store_targets_of(node)
            if len(targets) == 1 and isinstance(targets[0], cst.Name):
                if kept_value_handled(fn, targets[0].value, local_names, finishing, seen):
                    return True
                continue
            return True
        if kind == "method":
            if node.func.attr.value in finishing:
                return True
            continue
        if kind == "iterated":
            target = node.target
            if isinstance(target, cst.Name):
                if kept_value_handled(fn, target.value, local_names | {target.value}, finishing, seen):
                    return True
                continue
            return True
    return False


def store_targets_of(node: cst.CSTNode) -> list:
    if isinstance(node, cst.NamedExpr):
        return [node.target]
    from .model import store_targets

    return store_targets(node)


def _read_in_nested(fn: Function, name: str) -> bool:
    for inner in fn.nested.values():
        if name in inner.names or _read_in_nested(inner, name):
            return True
    return False


def _order(a: Site, b: Site) -> Optional[int]:
    """-1 when ``a`` runs before ``b`` in the same sequence of statements, 1 when after,
    None when they sit in different branches (or one contains the other)."""
    pa, pb = _block_path(a), _block_path(b)
    k = 0
    while k < len(pa) and k < len(pb) and pa[k][0] is pb[k][0] and pa[k][1] is pb[k][1]:
        k += 1
    if k >= len(pa) or k >= len(pb) or pa[k][0] is not pb[k][0]:
        return None
    statements = list(pa[k][0].body)
    try:
        ia, ib = statements.index(pa[k][1]), statements.index(pb[k][1])
    except ValueError:
        return None
    return -1 if ia < ib else 1


def _dominates(release: Site, exit_site: Site) -> bool:
    """``release`` runs on every path that reaches ``exit_site``: it comes first in a block that
    holds both, and nothing between that block and the release is conditional."""
    pr, pe = _block_path(release), _block_path(exit_site)
    k = 0
    while k < len(pr) and k < len(pe) and pr[k][0] is pe[k][0] and pr[k][1] is pe[k][1]:
        k += 1
    if k >= len(pr) or k >= len(pe) or pr[k][0] is not pe[k][0]:
        return False
    block = pr[k][0]
    statements = list(block.body)
    try:
        if statements.index(pr[k][1]) >= statements.index(pe[k][1]):
            return False
    except ValueError:
        return False
    return not is_conditional(release, below=block)


def _always_leaves(stmt: cst.CSTNode) -> bool:
    """The statement ends in ``return``/``raise`` on every branch."""
    if isinstance(stmt, cst.SimpleStatementLine):
        return any(isinstance(s, (cst.Return, cst.Raise)) for s in stmt.body)
    if isinstance(stmt, cst.If):
        if stmt.orelse is None:
            return False
        other = stmt.orelse
        other_ok = _always_leaves(other) if isinstance(other, cst.If) else _block_leaves(other.body)
        return _block_leaves(stmt.body) and other_ok
    if isinstance(stmt, (cst.With, cst.Try)):
        return _block_leaves(stmt.body)
    return False


def _block_leaves(block) -> bool:
    body = list(block.body) if isinstance(block, cst.IndentedBlock) else [block]
    return bool(body) and _always_leaves(body[-1])


def released_before_every_exit(creation: Site, releases: Iterable[Site]) -> bool:
    """Every ``return`` that can follow the creation, and the end of the function, is reached
    only through a release (``t.start(); if x: t.join(); return a`` ... ``t.join(); return b``).
    A release in a ``finally`` covers every exit. Exceptions are not counted as paths."""
    fn = creation.function
    own = [r for r in releases if r.function is fn]
    if not own or fn.is_module_scope:
        return False
    if any(in_finally(r) for r in own):
        return True
    after = [r for r in own if _order(creation, r) == -1]
    if not after:
        return False
    for ret in fn.returns:
        if _order(creation, ret) != -1:
            continue  # before the creation, or on another branch
        if not any(_dominates(r, ret) for r in after):
            return False
    if not _block_leaves(fn.node.body):
        # the function can also end by falling off its last statement
        body = fn.node.body
        if not any(_block_path(r)[0][0] is body and not is_conditional(r, below=body) for r in after):
            return False
    return True


def filled_once(site: Site, name: str) -> bool:
    """The container is only filled while it is empty or lacks a fixed key: a one-time lazy fill
    (``if not _cache: _cache.update(load())``, ``if "keys" in _jwks: return _jwks`` then fill)."""
    tests = [if_node.test for if_node, in_body in branches(site) if in_body]
    fn = site.function
    if not fn.is_module_scope:
        top = top_statement(site)
        for stmt in fn.body_statements:
            if stmt is top:
                break
            if isinstance(stmt, cst.If) and _ends_with_return(stmt.body):
                tests.append(stmt.test)
    return any(_about_emptiness_or_fixed_key(test, name) for test in tests)


def _about_emptiness_or_fixed_key(test: cst.CSTNode, name: str) -> bool:
    from .names import is_literal

    if isinstance(test, cst.BooleanOperation):
        return _about_emptiness_or_fixed_key(test.left, name) or _about_emptiness_or_fixed_key(test.right, name)
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _about_emptiness_or_fixed_key(test.expression, name)
    if isinstance(test, cst.Name):
        return test.value == name
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        comparison = test.comparisons[0]
        right = comparison.comparator
        if isinstance(comparison.operator, (cst.In, cst.NotIn)):
            return isinstance(right, cst.Name) and right.value == name and is_literal(test.left)
        left = test.left
        if isinstance(left, cst.Call) and isinstance(left.func, cst.Name) and left.func.value == "len":
            return bool(left.args) and isinstance(left.args[0].value, cst.Name) and left.args[0].value.value == name
    return False


# -- who calls a function (LAM402, LAM403, LAM501) ---------------------------------

def warm_calls_of(ctx, fn: Function) -> list:
    """(caller, call site) pairs of the warm path, across the project, whose callee resolves to ``fn``.
    The index is built once per check and shared by the rules that ask."""
    store = ctx.analysis.__dict__
    index = store.get("_warm_calls_index")
    if index is None:
        index = {}
        project = ctx.project
        for caller in project.warm:
            for site in caller.calls:
                func = site.node.func
                if not isinstance(func, (cst.Name, cst.Attribute)):
                    continue
                try:
                    target = project.resolve_expr(caller, func)
                except RecursionError:
                    continue
                if isinstance(target, Function):
                    index.setdefault(target, []).append((caller, site))
        store["_warm_calls_index"] = index
    return index.get(fn, [])
