"""Which values are derived from the handler's ``event`` and ``context`` (LAM103).

Data flows through assignments, subscripts, attributes, calls, f-strings,
loops, the parameters of warm-path helpers, and the free variables of a
``lambda`` or nested function (a closure carries what it captured). A value
that depends on the event only through control flow (an ``if`` test, a
comparison, ``len()``) is not derived, and neither are caught exceptions.

The flow is followed in program order: a store sees the definitions that come
before it (or that sit in a loop enclosing it), so a local rebound from the
event *after* an unrelated store does not taint that store. Definitions are
never killed: when a name is tainted on one branch, it is tainted after the
``if`` (a may-analysis; the precise answer would need dominators).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Set

import libcst as cst

from .model import Function, Site, flatten_target, param_names, store_targets
from .names import names_in

# Calls whose result says something about a value without carrying it.
_NOT_DERIVING_CALLS = frozenset({"len", "bool", "isinstance", "issubclass", "hasattr", "callable", "type", "id"})
# A definition inside one of these reaches every use inside it, earlier in the text or not: a loop
# runs its body again, and a comprehension's ``for`` clause is written after the element it feeds.
_LOOPS = (cst.For, cst.While, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


def derived_names(expr: cst.CSTNode) -> frozenset:
    """Names whose value flows into ``expr``'s value."""
    lambdas: list = []

    def parts(node: cst.CSTNode):
        if isinstance(node, cst.Lambda):
            lambdas.append(node)
            return ()
        return _value_parts(node)

    found = names_in(expr, parts)
    for lam in lambdas:
        # A lambda carries what it captures: its free variables, not its parameters.
        found |= derived_names(lam.body) - set(param_names(lam.params))
    return frozenset(found)


def _value_parts(node: cst.CSTNode):
    """The parts of ``node`` whose values flow into its value (None: all of them)."""
    if isinstance(node, cst.IfExp):
        return (node.body, node.orelse)
    if isinstance(node, cst.Comparison):
        return ()
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
        return ()
    if isinstance(node, cst.Call):
        if isinstance(node.func, cst.Name) and node.func.value in _NOT_DERIVING_CALLS:
            return ()
        return (node.func, *(a.value for a in node.args))
    if isinstance(node, cst.Arg):
        return (node.value,)
    return None


def _loops_of(site: Site) -> frozenset:
    return frozenset(id(a) for a in site.ancestors if isinstance(a, _LOOPS))


class _Flow:
    """Tainted definitions of one function: name -> [(order, enclosing loops)]."""

    __slots__ = ("entry", "defs")

    def __init__(self):
        self.entry: Set[str] = set()  # tainted from the start: parameters, captured names
        self.defs: Dict[str, List[tuple]] = {}

    def tainted_at(self, name: str, order: int, loops: frozenset) -> bool:
        if name in self.entry:
            return True
        for def_order, def_loops in self.defs.get(name, ()):
            if def_order < order or (def_loops & loops):
                return True
        return False

    def anywhere(self) -> set:
        return self.entry | set(self.defs)


class Taint:
    """Event-derived local names per warm function, to a fixpoint across calls."""

    def __init__(self, project):
        self.project = project
        self.flows: Dict[Function, _Flow] = {}
        self._derived: Dict[int, frozenset] = {}  # by node id; the trees outlive this object
        self._loops: Dict[int, frozenset] = {}
        self._local_names: Dict[Function, set] = {}
        self._run()

    @property
    def names(self) -> Dict[Function, Set[str]]:
        """Every name tainted somewhere in each function (flow-insensitive view)."""
        return {fn: flow.anywhere() for fn, flow in self.flows.items()}

    def _names_of(self, expr: cst.CSTNode) -> frozenset:
        found = self._derived.get(id(expr))
        if found is None:
            found = self._derived[id(expr)] = derived_names(expr)
        return found

    def _site_loops(self, site: Site) -> frozenset:
        found = self._loops.get(id(site))
        if found is None:
            found = self._loops[id(site)] = _loops_of(site)
        return found

    def derived(self, fn: Function, expr: cst.CSTNode, site: Optional[Site] = None) -> bool:
        """Does ``expr`` carry event data? At ``site`` (program order) when given, else anywhere in ``fn``."""
        flow = self.flows.get(fn)
        if flow is None:
            return False
        names = self._names_of(expr)
        if site is None:
            return bool(names & flow.anywhere())
        return self._derived_at(flow, names, site)

    def derived_at(self, site: Site, expr: cst.CSTNode) -> bool:
        return self.derived(site.function, expr, site)

    def _derived_at(self, flow: _Flow, names: frozenset, site: Site) -> bool:
        if not names:
            return False
        loops = self._site_loops(site)
        return any(flow.tainted_at(n, site.order, loops) for n in names)

    # -- the fixpoint ----------------------------------------------------------------
    def _run(self) -> None:
        project = self.project
        work: list = []
        for handler in project.handlers:
            fn = handler.target
            if fn is not None:
                self._flow(fn).entry.update(fn.params[:2])
                work.append(fn)
        # Framework callbacks are called with the request's payload (the message, the update, the body).
        for fn in sorted(getattr(project, "callbacks", ()) & project.warm, key=lambda f: f.qualname):
            params = fn.params[1:] if fn.cls is not None and fn.params[:1] in (["self"], ["cls"]) else fn.params
            self._flow(fn).entry.update(params)
            work.append(fn)
        # A worklist: a function is revisited only when a caller, or its enclosing function, taints more.
        rounds = 0
        while work and rounds < 10_000:
            rounds += 1
            fn = work.pop()
            self._propagate_locally(fn)
            work.extend(self._propagate_to_callees(fn))
            work.extend(self._propagate_to_closures(fn))

    def _assigned(self, fn: Function) -> set:
        found = self._local_names.get(fn)
        if found is None:
            found = self._local_names[fn] = _assigned_in(fn)
        return found

    def _flow(self, fn: Function) -> _Flow:
        flow = self.flows.get(fn)
        if flow is None:
            flow = self.flows[fn] = _Flow()
        return flow

    def _define(self, flow: _Flow, name: str, site: Site) -> bool:
        entry = (site.order, self._site_loops(site))
        defs = flow.defs.setdefault(name, [])
        if entry in defs:
            return False
        defs.append(entry)
        return True

    def _propagate_locally(self, fn: Function) -> None:
        flow = self._flow(fn)
        for _ in range(4):  # loops carry taint backwards; a few rounds settle real code
            grew = False
            for site in fn.stores:
                value = getattr(site.node, "value", None)
                if value is None or not self._derived_at(flow, self._names_of(value), site):
                    continue
                for target in store_targets(site.node):
                    for t in flatten_target(target):
                        if isinstance(t, cst.Name):
                            grew |= self._define(flow, t.value, site)
            for site in fn.loops:
                if self._derived_at(flow, self._names_of(site.node.iter), site):
                    for t in flatten_target(site.node.target):
                        if isinstance(t, cst.Name):
                            grew |= self._define(flow, t.value, site)
            for site in fn.withs:
                for item in site.node.items:
                    if item.asname is not None and self._derived_at(flow, self._names_of(item.item), site):
                        for t in flatten_target(item.asname.name):
                            if isinstance(t, cst.Name):
                                grew |= self._define(flow, t.value, site)
            # A nested function that reads a tainted name of this one carries it, like a lambda.
            for name, nested in fn.nested.items():
                if name not in flow.entry and set(nested.names) & flow.anywhere() - self._assigned(nested):
                    flow.entry.add(name)
                    grew = True
            if not grew:
                break

    def _propagate_to_callees(self, fn: Function) -> list:
        """Taints callee parameters; returns the callees whose taint grew."""
        flow = self.flows[fn]
        grown = []
        for site in fn.calls:
            call = site.node
            args = [a for a in call.args if self._derived_at(flow, self._names_of(a.value), site)]
            if not args:
                continue
            target = self.project.resolve_expr(fn, call.func)
            if not isinstance(target, Function):
                continue
            params = target.params
            offset = 1 if target.cls is not None and params and params[0] in ("self", "cls") else 0
            positional = [a for a in call.args if a.keyword is None and not a.star]
            new = target not in self.flows
            callee = self._flow(target)
            before = len(callee.entry)
            for arg in args:
                if arg.keyword is not None:
                    callee.entry.add(arg.keyword.value)
                elif arg.star:
                    callee.entry.update(params[offset:])
                elif arg in positional:
                    index = positional.index(arg) + offset
                    if index < len(params):
                        callee.entry.add(params[index])
            if new or len(callee.entry) != before:
                grown.append(target)
        return [t for t in grown if t is not fn]

    def _propagate_to_closures(self, fn: Function) -> list:
        """A nested function sees the enclosing function's tainted names it does not rebind itself."""
        if not fn.nested:
            return []
        outer = self.flows[fn].anywhere()
        grown = []
        for nested in fn.nested.values():
            captured = (set(nested.names) & outer) - self._assigned(nested)
            if not captured:
                continue
            flow = self._flow(nested)
            if not captured <= flow.entry:
                flow.entry.update(captured)
                grown.append(nested)
        return grown


def _assigned_in(fn: Function) -> set:
    """Names local to ``fn``: its parameters and the names it assigns (not ``global``/``nonlocal``)."""
    names = set(fn.params)
    for site in fn.stores:
        for target in store_targets(site.node):
            for t in flatten_target(target):
                if isinstance(t, cst.Name):
                    names.add(t.value)
    for site in fn.loops:
        names.update(t.value for t in flatten_target(site.node.target) if isinstance(t, cst.Name))
    return names - fn.global_names
