"""Module-level holders and lazy initialisation, built once per check and shared by the rules.

A *holder* is a module-level name that keeps a value across invocations (a client, a
connection, a token, a cache, a first-call flag). Lazy initialisation is a fact about the
holder, not about the syntax around one assignment: a store is *one-time* when it runs
only while the holder is missing. That is the case when

- it sits in a *refresh block*: the body of an ``if`` (or the rest of the function after an
  early ``return``) whose test asks whether a holder is absent (``is None``, ``not g``),
  empty (``len(g) == 0``, ``k not in g``), stale (compared with a clock reading) or closed
  (``g.closed``, ``not g.open``), and the block stores that same holder (directly, through
  a setter it calls, or through a local read from the holder). A separate first-call flag
  (``if not _loaded: ...; _loaded = True``) is the same shape: the block stores the flag;
- or its function is only ever called from one-time code (a setter called under the
  caller's guard, the ``__init__`` of an object created lazily, a factory whose result is
  stored lazily), or is memoised, or is module-level code.

A test on a parameter or a local that merely shadows the module name is not about the
holder. A guard that is not about missing values (``if _calls < LIMIT:``) does not count.

A refresh block stops being one-time when the warm path closes or resets the holder on
every invocation (``conn = db(); ... finally: conn.close()``): the getter then reconnects
every time. Rules that judge construction cost (LAM202) ask with ``defeat=True``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional, Tuple

import libcst as cst

from .apis import CLOSE_METHODS, CONTAINER_MUTATORS, TIME_FUNCTIONS
from .flow import in_finally, is_conditional
from .model import Function, Site, assigned_values, flatten_target, local_names, store_targets
from .names import dotted, is_literal, is_none, names_in, root_name

ABSENCE, EMPTINESS, STALENESS, CLOSEDNESS = "absence", "emptiness", "staleness", "closedness"

# Attributes and methods whose test asks whether a connection or client is still usable.
_CLOSED_ATTRS = frozenset({
    "closed", "open", "is_closed", "is_open", "is_connected", "connected", "is_active", "ping",
    "is_usable", "alive", "is_alive", "sock", "_sock", "socket", "valid", "is_valid",
})
_STALE_ATTRS = frozenset({"expired", "is_expired", "stale", "is_stale", "needs_refresh", "expiry", "expires_at"})
# Words of a name that stand for a clock reading or an expiry (``now``, ``expires_at``).
_CLOCK_WORDS = frozenset({"now", "expires", "expiry", "expire", "expired", "expiration", "deadline", "ttl",
                          "age", "stale", "timestamp", "time", "ts", "elapsed", "today", "date"})
_ORDERING = (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual, cst.Equal, cst.NotEqual)
_MUTATORS = CONTAINER_MUTATORS | {"clear"}


@dataclass(frozen=True)
class Missing:
    """One condition under which a refresh block runs: the holder is absent, empty, stale or closed."""

    holder: str
    kind: str


@dataclass
class RefreshBlock:
    """Code that runs only while a holder is missing, and refills it."""

    function: Function
    guard: cst.CSTNode  # the If whose test is the guard
    holders: FrozenSet[str]  # the module-level holders it tests and refills
    kinds: FrozenSet[str]

    @property
    def stale_refresh(self) -> bool:
        return STALENESS in self.kinds


@dataclass
class Holders:
    """The project-wide holder analysis (one per check; see :class:`ProjectAnalysis`)."""

    analysis: object
    _locals: Dict[Function, set] = field(default_factory=dict)
    _blocks: Dict[int, Optional[RefreshBlock]] = field(default_factory=dict)
    _one_time_fn: Dict[tuple, bool] = field(default_factory=dict)
    _closed_every: Dict[Tuple[str, str], bool] = field(default_factory=dict)
    _stores_of: Dict[Tuple[Function, str], bool] = field(default_factory=dict)
    _call_index: Optional[dict] = None

    @property
    def project(self):
        return self.analysis.project

    # -- the questions rules ask -------------------------------------------------------
    def one_time(self, site: Site, defeat: bool = False) -> bool:
        """The operation runs only while some holder is missing (or at import, or in a memoised
        function, or in a function only one-time code calls). With ``defeat``, a refresh block whose
        holder the warm path closes or resets every invocation does not count."""
        fn = site.function
        if fn.is_module_scope:
            return True
        block = self.refresh_block(site)
        if block is not None and not (defeat and self.defeated(block)):
            return True
        if _memoised(fn):
            return True
        return self.one_time_function(fn, defeat)

    def refresh_block(self, site: Site) -> Optional[RefreshBlock]:
        """The innermost refresh block around the site, if any."""
        key = id(site.node)
        if key in self._blocks:
            return self._blocks[key]
        found = self._find_block(site)
        self._blocks[key] = found
        return found

    def defeated(self, block: RefreshBlock) -> bool:
        """Every holder the block refills is closed or reset on every invocation."""
        if block.stale_refresh:
            return False
        module = block.function.module
        return all(self.closed_every_invocation(module, h) for h in block.holders)

    def recreated_lazily(self, module, name: str) -> bool:
        """Some function of the module refills ``name`` in a refresh block that tests it."""
        for fn in module.all_functions:
            if name not in fn.global_names:
                continue
            for site in fn.stores:
                if any(isinstance(t, cst.Name) and t.value == name for t in store_targets(site.node)):
                    block = self.refresh_block(site)
                    if block is not None and name in block.holders:
                        return True
        return False

    def one_time_function(self, fn: Function, defeat: bool = False) -> bool:
        """Every warm call of ``fn`` is one-time code, and it is never handed over as a value."""
        key = (fn, defeat)
        if key in self._one_time_fn:
            return self._one_time_fn[key]
        self._one_time_fn[key] = False  # recursion guard
        result = False
        if not fn.is_module_scope and not self._is_handler(fn) and not self._referenced_as_value(fn):
            sites = self._callers().get(fn, [])
            result = bool(sites) and all(self.one_time(s, defeat) for s in sites)
        self._one_time_fn[key] = result
        return result

    def closed_every_invocation(self, module, name: str) -> bool:
        """A handler closes the holder (directly, or the value a getter returned) or sets it to a
        literal, unconditionally or in ``finally``, so each invocation starts without it."""
        key = (module.path, name)
        if key in self._closed_every:
            return self._closed_every[key]
        self._closed_every[key] = False
        result = False
        for handler in self.project.handlers:
            fn = handler.target
            if fn is None:
                continue
            if self._handler_drops(fn, module, name):
                result = True
                break
        self._closed_every[key] = result
        return result

    def set_at_invocation_start(self, site: Site, name: str) -> bool:
        """``global g; g = <value>`` runs first thing on every invocation, before anything reads ``g``:
        among the handler's opening statements, or in a helper the handler calls first thing (only
        a docstring, ``global`` declarations and plain assignments may come before)."""
        fn = site.function
        node = site.node
        value = getattr(node, "value", None)
        if isinstance(node, cst.AugAssign) or value is None or name in names_in(value):
            return False
        if not _opening_statement(fn, site) or self._read_before(fn, site, name):
            return False
        if self._is_handler(fn):
            return True
        sites = self._callers().get(fn, [])
        if not sites or self._referenced_as_value(fn):
            return False
        for call in sites:
            caller = call.function
            if not self._is_handler(caller) or not _opening_statement(caller, call) or self._read_before(caller, call, name):
                return False
        return True

    # -- refresh blocks ------------------------------------------------------------------
    def _find_block(self, site: Site) -> Optional[RefreshBlock]:
        fn = site.function
        chain = list(site.ancestors) + [site.node]
        for i in range(len(chain) - 2, -1, -1):
            node = chain[i]
            if not isinstance(node, cst.If):
                continue
            child = chain[i + 1]
            if child is node.body:
                positive, block = True, node.body
            elif child is node.orelse:
                positive, block = False, node.orelse
            else:
                continue  # the site is in the test itself
            found = self._block_for(fn, node, node.test, positive, lambda s, b=block: _inside(s, b))
            if found is not None:
                return found
        return self._after_early_return(site)

    def _after_early_return(self, site: Site) -> Optional[RefreshBlock]:
        """``if g is not None: return g`` (or ``if g and not g.closed: return g``) then the refill."""
        fn = site.function
        top = _top_statement(site)
        statements = fn.body_statements
        for index, stmt in enumerate(statements):
            if stmt is top:
                return None
            if isinstance(stmt, cst.If) and stmt.orelse is None and _leaves(stmt.body):
                later = _Identity(statements[index + 1:])
                found = self._block_for(fn, stmt, stmt.test, False, lambda s, rest=later: _top_statement(s) in rest)
                if found is not None:
                    return found
        return None

    def _block_for(self, fn: Function, guard, test, positive: bool, in_block) -> Optional[RefreshBlock]:
        conditions = self._missing(fn, test, positive)
        if not conditions:
            return None
        holders = {c.holder for c in conditions}
        refilled = frozenset(h for h in holders if self._refills(fn, h, in_block))
        if not refilled:
            return None
        kinds = frozenset(c.kind for c in conditions if c.holder in refilled)
        return RefreshBlock(fn, guard, refilled, kinds)

    def _missing(self, fn: Function, test, positive: bool) -> set:
        """The holder conditions under which the branch runs (``positive``: the test is true)."""
        out = set()
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            return self._missing(fn, test.expression, not positive)
        if isinstance(test, cst.BooleanOperation):
            return self._missing(fn, test.left, positive) | self._missing(fn, test.right, positive)
        if isinstance(test, cst.Name):
            holder = self._holder(fn, test.value)
            if holder is not None and not positive:
                out.add(Missing(holder, ABSENCE))
            return out
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            return self._compared(fn, test, positive)
        if isinstance(test, cst.Call):
            return self._called(fn, test, positive)
        if isinstance(test, cst.Attribute):
            holder = self._holder_of(fn, test.value)
            if holder is not None and test.attr.value in _CLOSED_ATTRS:
                out.add(Missing(holder, CLOSEDNESS))
            elif holder is not None and test.attr.value in _STALE_ATTRS:
                out.add(Missing(holder, STALENESS))
        return out

    def _compared(self, fn: Function, test: cst.Comparison, positive: bool) -> set:
        out = set()
        comparison = test.comparisons[0]
        op, left, right = comparison.operator, test.left, comparison.comparator
        # g is None / g == None / g is not None
        if isinstance(op, (cst.Is, cst.IsNot, cst.Equal, cst.NotEqual)) and (is_none(left) or is_none(right)):
            other = right if is_none(left) else left
            holder = self._holder_of(fn, other, lookups=True)
            wants_none = isinstance(op, (cst.Is, cst.Equal))
            if holder is not None and wants_none == positive:
                kind = CLOSEDNESS if isinstance(other, cst.Attribute) and other.attr.value in _CLOSED_ATTRS else ABSENCE
                out.add(Missing(holder, kind))
            return out
        # k not in g / k in g
        if isinstance(op, (cst.In, cst.NotIn)):
            holder = self._holder_of(fn, right)
            if holder is not None and isinstance(op, cst.NotIn) == positive:
                out.add(Missing(holder, EMPTINESS))
            return out
        if not isinstance(op, _ORDERING):
            return out
        # len(g) == 0, len(g) < 1
        for side in (left, right):
            if isinstance(side, cst.Call) and isinstance(side.func, cst.Name) and side.func.value == "len" and side.args:
                holder = self._holder_of(fn, side.args[0].value)
                if holder is not None:
                    out.add(Missing(holder, EMPTINESS))
                    return out
        # g.closed == 0, g.closed != 0
        for side in (left, right):
            if isinstance(side, cst.Attribute) and side.attr.value in _CLOSED_ATTRS:
                holder = self._holder_of(fn, side.value)
                if holder is not None:
                    out.add(Missing(holder, CLOSEDNESS))
                    return out
        # time.time() >= _expires_at, now - _fetched_at > TTL: the holder compared with a clock
        if self._mentions_clock(fn, test):
            for name in names_in(test):
                holder = self._holder(fn, name)
                if holder is not None:
                    out.add(Missing(holder, STALENESS))
        return out

    def _called(self, fn: Function, test: cst.Call, positive: bool) -> set:
        """``g.is_closed()``, ``token_expired(_token)``, ``_token.is_expired()``."""
        out = set()
        func = test.func
        if isinstance(func, cst.Attribute):
            holder = self._holder_of(fn, func.value)
            if holder is not None and func.attr.value in _CLOSED_ATTRS:
                out.add(Missing(holder, CLOSEDNESS))
            elif holder is not None and func.attr.value in _STALE_ATTRS:
                out.add(Missing(holder, STALENESS))
            return out
        name = dotted(func) or ""
        words = set(_words(name.rsplit(".", 1)[-1]))
        if words & {"expired", "stale", "expire", "expires", "valid", "refresh"}:
            for arg in test.args:
                holder = self._holder_of(fn, arg.value)
                if holder is not None:
                    out.add(Missing(holder, STALENESS))
        return out

    def _mentions_clock(self, fn: Function, test) -> bool:
        stack = [test]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Call) and fn.module.qualify(node.func) in TIME_FUNCTIONS:
                return True
            stack.extend(node.children)
        for name in names_in(test):
            if set(_words(name)) & _CLOCK_WORDS:
                return True
            if name in self._locals_of(fn) and any(
                self._mentions_clock_call(fn, value) for value in assigned_values(fn, name)
            ):
                return True
        return False

    def _mentions_clock_call(self, fn: Function, value) -> bool:
        stack = [value]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Call) and fn.module.qualify(node.func) in TIME_FUNCTIONS:
                return True
            stack.extend(node.children)
        return False

    # -- what a name in a function refers to ---------------------------------------------------
    def _holder(self, fn: Function, name: str) -> Optional[str]:
        """``name`` as a module-level holder of ``fn``'s module: declared ``global`` in ``fn``, or read
        without a local of that name (a parameter or local that shadows it is not the holder). A local
        read out of a holder (``client = _clients.get(region)``) stands for that holder."""
        if name in fn.global_names:
            return name
        if name in self._locals_of(fn):
            return self._holder_read_into(fn, name)
        scope = fn.parent
        while scope is not None:
            if name in self._locals_of(scope):
                return None
            scope = scope.parent
        return name if fn.module.binding(name) is not None and fn.module.binding(name).kind not in (
            "function", "class", "import") else None

    def _holder_of(self, fn: Function, expr, lookups: bool = False) -> Optional[str]:
        """The holder an expression reads: ``g``, ``g[k]``, ``g.get(k)``, ``g.attr``."""
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "get":
            expr = expr.func.value
        name = root_name(expr) if isinstance(expr, (cst.Name, cst.Attribute, cst.Subscript)) else None
        return self._holder(fn, name) if name is not None else None

    def _holder_read_into(self, fn: Function, local: str) -> Optional[str]:
        """The holder a local was read from (every value it is given there is a read of that holder)."""
        values = assigned_values(fn, local)
        found = None
        for value in values:
            if isinstance(value, cst.BooleanOperation):
                value = value.left  # state = D.get(k) or {}
            holder = None
            if isinstance(value, (cst.Name, cst.Attribute, cst.Subscript, cst.Call)):
                if isinstance(value, cst.Call) and not (
                    isinstance(value.func, cst.Attribute) and value.func.attr.value == "get"
                ):
                    holder = None
                else:
                    name = root_name(value.func.value if isinstance(value, cst.Call) else value)
                    if name is not None and name != local and name not in self._locals_of(fn):
                        holder = self._holder(fn, name)
            if holder is not None:
                found = holder
                break
        return found

    def _refills(self, fn: Function, holder: str, in_block) -> bool:
        """The block stores into ``holder``: rebinds it, sets an item or attribute, mutates it, or
        calls a project function that does."""
        for site in fn.stores:
            if not in_block(site):
                continue
            for target in store_targets(site.node):
                for t in flatten_target(target):
                    if isinstance(t, cst.Name):
                        if t.value == holder and holder in fn.global_names:
                            return True
                    elif root_name(t) == holder and self._holder(fn, holder) == holder:
                        return True
        for site in fn.calls:
            if not in_block(site):
                continue
            func = site.node.func
            if isinstance(func, cst.Attribute) and func.attr.value in _MUTATORS and root_name(func.value) == holder:
                if self._holder(fn, holder) == holder:
                    return True
            target = self._resolve(fn, func)
            if isinstance(target, Function) and target.module is fn.module and self._stores(target, holder):
                return True
        return False

    def _stores(self, fn: Function, holder: str) -> bool:
        """``fn`` (or a project function of the module it calls) rebinds or fills the module-level ``holder``."""
        key = (fn, holder)
        if key in self._stores_of:
            return self._stores_of[key]
        self._stores_of[key] = False  # recursion guard
        result = self._refills(fn, holder, lambda s: True)
        self._stores_of[key] = result
        return result

    # -- closing and resetting ----------------------------------------------------------
    def _handler_drops(self, fn: Function, module, name: str) -> bool:
        getter_locals = self._getter_locals(fn, module, name)
        for site in fn.calls:
            func = site.node.func
            if not (isinstance(func, cst.Attribute) and func.attr.value in CLOSE_METHODS):
                continue
            if not _every_time(site):
                continue
            receiver = func.value
            if isinstance(receiver, cst.Name):
                if receiver.value in getter_locals:
                    return True
                if fn.module is module and receiver.value == name and self._holder(fn, name) == name:
                    return True
            elif isinstance(receiver, cst.Call) and self._getter_of(fn, receiver, module, name):
                return True
        if fn.module is module and name in fn.global_names:
            for site in fn.stores:
                if not _every_time(site) or not is_literal(getattr(site.node, "value", None) or cst.Name("_")):
                    continue
                if any(isinstance(t, cst.Name) and t.value == name for t in store_targets(site.node)):
                    return True
        return False

    def _getter_locals(self, fn: Function, module, name: str) -> set:
        out = set()
        for site in fn.stores:
            node = site.node
            value = getattr(node, "value", None)
            if value is None or isinstance(node, cst.AugAssign):
                continue
            if isinstance(value, cst.Call) and self._getter_of(fn, value, module, name):
                out.update(t.value for t in store_targets(node) if isinstance(t, cst.Name))
        for site in fn.withs:
            for item in site.node.items:
                if isinstance(item.item, cst.Call) and self._getter_of(fn, item.item, module, name):
                    if item.asname is not None and isinstance(item.asname.name, cst.Name):
                        out.add(item.asname.name.value)
        return out

    def _getter_of(self, fn: Function, call: cst.Call, module, name: str) -> bool:
        """The call is a project function of ``module`` that returns the holder ``name``."""
        target = self._resolve(fn, call.func)
        if not isinstance(target, Function) or target.module is not module:
            return False
        return any(
            isinstance(ret.node.value, cst.Name) and ret.node.value.value == name and self._holder(target, name) == name
            for ret in target.returns
        )

    # -- who calls whom ----------------------------------------------------------------
    def _callers(self) -> dict:
        """Warm call sites of each project function; instantiating a class calls its ``__init__``."""
        if self._call_index is None:
            index: dict = {}
            project = self.project
            for caller in project.warm:
                for site in caller.calls:
                    target = self._resolve(caller, site.node.func)
                    if target is None:
                        continue
                    if not isinstance(target, Function):
                        from .model import ClassInfo

                        if not isinstance(target, ClassInfo):
                            continue
                        target = project.method(target, "__init__")
                        if target is None:
                            continue
                    index.setdefault(target, []).append(site)
            self._call_index = index
        return self._call_index

    def _resolve(self, fn: Function, func):
        if not isinstance(func, (cst.Name, cst.Attribute)):
            return None
        try:
            return self.project.resolve_expr(fn, func)
        except RecursionError:
            return None

    def _is_handler(self, fn: Function) -> bool:
        return any(h.target is fn for h in self.project.handlers)

    def _referenced_as_value(self, fn: Function) -> bool:
        """The function's name is read other than as the callee of a call (a dispatch table, a
        callback argument): it may run from places this analysis does not see."""
        if fn.cls is not None or fn.parent is not None:
            return False
        for other in fn.module.all_functions + [fn.module.scope]:
            for use in other.names.get(fn.name, ()):
                parent = use.parent
                if isinstance(parent, cst.Call) and parent.func is use.node:
                    continue
                return True
        return False

    def _read_before(self, fn: Function, site: Site, name: str) -> bool:
        """``name`` is read in ``fn`` before ``site``, directly or by a project function called before it."""
        line = fn.module.line_of(site.node)
        for use in fn.names.get(name, ()):
            if use.node is not site.node and fn.module.line_of(use.node) < line and not _is_target(use):
                return True
        for call in fn.calls:
            if fn.module.line_of(call.node) >= line:
                continue
            target = self._resolve(fn, call.node.func)
            if isinstance(target, Function) and target.module is fn.module and name in target.names:
                if not (target is site.function):
                    return True
        return False

    def _locals_of(self, fn: Function) -> set:
        if fn not in self._locals:
            self._locals[fn] = local_names(fn)
        return self._locals[fn]


# -- small helpers ------------------------------------------------------------------------

class _Identity:
    """Membership by identity (CST nodes compare by value)."""

    def __init__(self, nodes):
        self._ids = {id(n) for n in nodes}

    def __contains__(self, node) -> bool:
        return id(node) in self._ids


def _inside(site: Site, block) -> bool:
    return any(a is block for a in site.ancestors)


def _top_statement(site: Site):
    chain = list(site.ancestors) + [site.node]
    return chain[1] if len(chain) > 1 else chain[0]


def _leaves(block) -> bool:
    """The block ends in ``return``/``raise`` (also at the end of a ``try`` body whose handlers fall
    through: ``if g and not g.closed: try: ping; return g except: g = None``)."""
    body = list(block.body) if isinstance(block, cst.IndentedBlock) else [block]
    if not body:
        return False
    last = body[-1]
    if isinstance(last, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
        return any(isinstance(s, (cst.Return, cst.Raise)) for s in last.body)
    if isinstance(last, cst.Try):
        return _leaves(last.body)
    return False


def _every_time(site: Site) -> bool:
    """Runs on every pass through the function: in ``finally``, or not under a branch or loop."""
    if in_finally(site):
        return True
    return not is_conditional(site) and not any(isinstance(a, (cst.For, cst.While)) for a in site.ancestors)


def _opening_statement(fn: Function, site: Site) -> bool:
    """The site is a statement of the function's own body (no branch, loop or ``try`` around it)
    preceded only by a docstring, ``global`` declarations and plain assignments."""
    top = _top_statement(site)
    if not isinstance(top, cst.SimpleStatementLine) or is_conditional(site):
        return False
    for stmt in fn.body_statements:
        if stmt is top:
            return True
        if not isinstance(stmt, cst.SimpleStatementLine):
            return False
        for small in stmt.body:
            if isinstance(small, cst.Global):
                continue
            if isinstance(small, cst.Expr) and isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString)):
                continue
            if isinstance(small, (cst.Assign, cst.AnnAssign)):
                continue
            return False
    return False


def _is_target(use: Site) -> bool:
    parent = use.parent
    if isinstance(parent, cst.NameItem):
        return True  # ``global g``
    if isinstance(parent, cst.AssignTarget) and parent.target is use.node:
        return True
    if isinstance(parent, cst.AnnAssign) and parent.target is use.node:
        return True
    return False


def _words(identifier: str) -> List[str]:
    import re

    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", identifier)
    return [w.lower() for w in spaced.split("_") if w]


def _memoised(fn: Function) -> bool:
    for deco in fn.decorators:
        expr = deco.decorator
        name = fn.module.qualify(expr.func if isinstance(expr, cst.Call) else expr) or ""
        if name in ("functools.cache", "functools.lru_cache") or name.startswith("cachetools."):
            return True
        if name.endswith(("cached", "memoize", "memoized", "cache")):
            return True
    return False
