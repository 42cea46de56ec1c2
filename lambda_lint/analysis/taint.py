"""Which values are derived from the handler's ``event`` and ``context`` (LAM103).

Data flows through assignments, subscripts, attributes, calls, f-strings,
loops, and the parameters of warm-path helpers. A value that depends on the
event only through control flow (an ``if`` test, a comparison, ``len()``) is
not derived, and neither are caught exceptions.
"""
from __future__ import annotations

from typing import Dict, Set

import libcst as cst

from .model import Function, flatten_target, store_targets
from .names import names_in

# Calls whose result says something about a value without carrying it.
_NOT_DERIVING_CALLS = frozenset({"len", "bool", "isinstance", "issubclass", "hasattr", "callable", "type", "id"})


def derived_names(expr: cst.CSTNode) -> frozenset:
    """Names whose value flows into ``expr``'s value."""
    return frozenset(names_in(expr, _value_parts))


def _value_parts(node: cst.CSTNode):
    """The parts of ``node`` whose values flow into its value (None: all of them)."""
    if isinstance(node, cst.IfExp):
        return (node.body, node.orelse)
    if isinstance(node, (cst.Comparison, cst.Lambda)):
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


class Taint:
    """Event-derived local names per warm function, to a fixpoint across calls."""

    def __init__(self, project):
        self.project = project
        self.names: Dict[Function, Set[str]] = {}
        self._derived: Dict[int, frozenset] = {}  # by node id; the trees outlive this object
        self._run()

    def _names_of(self, expr: cst.CSTNode) -> frozenset:
        found = self._derived.get(id(expr))
        if found is None:
            found = self._derived[id(expr)] = derived_names(expr)
        return found

    def derived(self, fn: Function, expr: cst.CSTNode) -> bool:
        tainted = self.names.get(fn)
        return bool(tainted) and bool(self._names_of(expr) & tainted)

    def _run(self) -> None:
        project = self.project
        work = []
        for handler in project.handlers:
            fn = handler.target
            if fn is not None:
                self.names.setdefault(fn, set()).update(fn.params[:2])
                work.append(fn)
        # A worklist: a function is revisited only when a caller taints another parameter.
        rounds = 0
        while work and rounds < 10_000:
            rounds += 1
            fn = work.pop()
            self._propagate_locally(fn)
            work.extend(self._propagate_to_callees(fn))

    def _propagate_locally(self, fn: Function) -> bool:
        tainted = self.names[fn]
        before = len(tainted)
        for _ in range(3):  # loops carry taint backwards; three rounds settle real code
            for site in fn.stores:
                node = site.node
                value = getattr(node, "value", None)
                if value is None or not (self._names_of(value) & tainted):
                    continue
                for target in store_targets(node):
                    for t in flatten_target(target):
                        if isinstance(t, cst.Name):
                            tainted.add(t.value)
            for site in fn.loops:
                if self._names_of(site.node.iter) & tainted:
                    for t in flatten_target(site.node.target):
                        if isinstance(t, cst.Name):
                            tainted.add(t.value)
            for site in fn.withs:
                for item in site.node.items:
                    if item.asname is not None and self._names_of(item.item) & tainted:
                        for t in flatten_target(item.asname.name):
                            if isinstance(t, cst.Name):
                                tainted.add(t.value)
        return len(tainted) != before

    def _propagate_to_callees(self, fn: Function) -> list:
        """Taints callee parameters; returns the callees whose taint grew."""
        tainted = self.names[fn]
        grown = []
        for site in fn.calls:
            call = site.node
            args = [a for a in call.args if self._names_of(a.value) & tainted]
            if not args:
                continue
            target = self.project.resolve_expr(fn, call.func)
            if not isinstance(target, Function):
                continue
            params = target.params
            offset = 1 if target.cls is not None and params and params[0] in ("self", "cls") else 0
            positional = [a for a in call.args if a.keyword is None and not a.star]
            callee_taint = self.names.setdefault(target, set())
            before = len(callee_taint)
            for arg in args:
                if arg.keyword is not None:
                    callee_taint.add(arg.keyword.value)
                elif arg.star:
                    callee_taint.update(params[offset:])
                elif arg in positional:
                    index = positional.index(arg) + offset
                    if index < len(params):
                        callee_taint.add(params[index])
            if len(callee_taint) != before:
                grown.append(target)
        return grown
