"""Memo caches in module-level mappings: a look-up of a key, then a store under that key."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import libcst as cst

from .model import Function, ModuleModel, Site
from .names import is_literal, is_none, source_text

_EVICTING_METHODS = frozenset({"pop", "popitem", "clear"})


@dataclass
class MemoStore:
    mapping: str  # module-level name of the cache
    key: cst.BaseExpression
    value: cst.BaseExpression

    @property
    def literal_key(self) -> bool:
        return is_literal(self.key)


def subscript_key(target: cst.Subscript) -> Optional[cst.BaseExpression]:
    if len(target.slice) != 1 or not isinstance(target.slice[0].slice, cst.Index):
        return None
    return target.slice[0].slice.value


def memo_store(site: Site) -> Optional[MemoStore]:
    """If ``site`` is ``D[k] = v`` preceded, in the same function, by a look-up of ``k`` in ``D``, and
    it stores on the miss (not an update of the entry that was found: see :func:`updates_found_entry`).
    ``D`` is a name, or an attribute of the method's ``self`` (``self._names[k] = v``; the mapping is
    then ``self._names``, and whether that is module-level state is :mod:`.state`'s question)."""
    return _keyed_store(site, memo_only=True)


def keyed_store(site: Site) -> Optional[MemoStore]:
    """``D[k] = v`` after a look-up of ``k`` in ``D``: a memo fill or an update of per-key state. Either
    way ``k`` is the look-up key; what is kept under it is ``v``."""
    return _keyed_store(site, memo_only=False)


def _keyed_store(site: Site, memo_only: bool) -> Optional[MemoStore]:
    node = site.node
    if not isinstance(node, cst.Assign) or len(node.targets) != 1:
        return None
    target = node.targets[0].target
    if not isinstance(target, cst.Subscript):
        return None
    key = subscript_key(target)
    if key is None:
        return None
    wanted = source_text(key)
    holder = target.value
    if isinstance(holder, cst.Name):
        mapping = holder.value
        for use in site.function.names.get(mapping, ()):
            if use.node is holder:
                continue
            if _looks_up(use, wanted):
                if memo_only and updates_found_entry(site, mapping, wanted):
                    return None
                return MemoStore(mapping, key, node.value)
        return None
    if isinstance(holder, cst.Attribute) and isinstance(holder.value, cst.Name):
        owner, attr = holder.value.value, holder.attr.value
        for use in _attribute_uses(site.function, owner, attr):
            if use.node is holder:
                continue
            if _looks_up(use, wanted):
                if memo_only and updates_found_entry(site, f"{owner}.{attr}", wanted):
                    return None
                return MemoStore(f"{owner}.{attr}", key, node.value)
    return None


def _attribute_uses(fn: Function, owner: str, attr: str) -> list:
    """``owner.attr`` occurrences in ``fn``, as sites of the Attribute node."""
    out = []
    for use in fn.names.get(owner, ()):
        parent = use.parent
        if isinstance(parent, cst.Attribute) and parent.value is use.node and parent.attr.value == attr:
            out.append(Site(parent, use.ancestors[:-1], fn, use.order))
    return out


def evicts_attribute(methods, attr: str) -> bool:
    """Some method removes entries of ``self.<attr>`` (``pop``/``popitem``/``clear``, ``del``) or
    replaces it outside ``__init__`` (``self.<attr> = {}``)."""
    for fn in methods:
        if not fn.params:
            continue
        for use in _attribute_uses(fn, fn.params[0], attr):
            parent = use.parent
            if isinstance(parent, cst.Attribute) and parent.value is use.node and parent.attr.value in _EVICTING_METHODS:
                return True
            if isinstance(parent, cst.Subscript) and any(isinstance(a, cst.Del) for a in use.ancestors):
                return True
            if fn.name != "__init__" and isinstance(parent, cst.AssignTarget) and parent.target is use.node:
                return True
    return False


# -- a memo stores on a miss; state updates the entry it found -----------------------------------

def updates_found_entry(site: Site, mapping: str, key_text: str) -> bool:
    """The store changes an entry that the look-up found instead of filling a missing one: the stored
    value is computed from the entry (``D[k] = D.get(k, 0) + 1``), or the store runs under a test of
    the entry's content (``state = D.get(chat) or {}; if state.get("step") == "name": D[chat] = ...``).
    A memo stores only when the look-up missed (``if k not in D``, ``if cached is None``)."""
    fn = site.function
    found = _entry_locals(fn, mapping, key_text)
    value = site.node.value
    if _reads_entry(value, mapping, key_text, found):
        return True
    chain = list(site.ancestors) + [site.node]
    for i, node in enumerate(chain[:-1]):
        if not isinstance(node, cst.If):
            continue
        child = chain[i + 1]
        if child is not node.body and child is not node.orelse:
            continue
        miss = _miss_test(node.test, mapping, key_text, found)
        if miss is not None:
            if miss != (child is node.body):
                return True  # on the branch where the entry was found
        elif _reads_entry(node.test, mapping, key_text, found):
            return True  # under a test of what the entry holds
    return False


def _entry_locals(fn: Function, mapping: str, key_text: str) -> set:
    """Locals that only ever hold the entry found (``state = D.get(k) or {}``); a local also given a
    freshly computed value (``cached = fetch()`` after a miss) is not one."""
    from .model import store_targets

    looked, other = set(), set()
    for store in fn.stores:
        node = store.node
        value = getattr(node, "value", None)
        if value is None:
            continue
        for target in store_targets(node):
            if not isinstance(target, cst.Name):
                continue
            core = value.left if isinstance(value, cst.BooleanOperation) else value
            (looked if _is_lookup(core, mapping, key_text) else other).add(target.value)
    return looked - other


def _is_lookup(expr, mapping: str, key_text: str) -> bool:
    """``D[k]`` or ``D.get(k, ...)``; ``mapping`` is ``D`` as written (``cache``, ``self._names``)."""
    if isinstance(expr, cst.Subscript) and isinstance(expr.value, (cst.Name, cst.Attribute)) \
            and source_text(expr.value) == mapping:
        key = subscript_key(expr)
        return key is not None and source_text(key) == key_text
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "get":
        receiver = expr.func.value
        return (isinstance(receiver, (cst.Name, cst.Attribute)) and source_text(receiver) == mapping
                and bool(expr.args) and source_text(expr.args[0].value) == key_text)
    return False


def _reads_entry(expr, mapping: str, key_text: str, found: set) -> bool:
    stack = [expr]
    while stack:
        node = stack.pop()
        if _is_lookup(node, mapping, key_text):
            return True
        if isinstance(node, cst.Name) and node.value in found:
            return True
        if isinstance(node, cst.Attribute):
            stack.append(node.value)
        else:
            stack.extend(node.children)
    return False


def _miss_test(test, mapping: str, key_text: str, found: set):
    """True when the test holds exactly when the entry is missing (``k not in D``, ``x is None``,
    ``not x``), False when it holds exactly when it was found (``k in D``, ``x``, ``x is not None``),
    None when it asks about the entry's content."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        inner = _miss_test(test.expression, mapping, key_text, found)
        return None if inner is None else not inner
    if _is_entry(test, mapping, key_text, found):
        return False  # truthy: found
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        comparison = test.comparisons[0]
        op, right = comparison.operator, comparison.comparator
        if isinstance(op, (cst.In, cst.NotIn)):
            if isinstance(right, (cst.Name, cst.Attribute)) and source_text(right) == mapping \
                    and source_text(test.left) == key_text:
                return isinstance(op, cst.NotIn)
            return None
        if isinstance(op, (cst.Is, cst.IsNot, cst.Equal, cst.NotEqual)):
            left = test.left
            other = right if is_none(left) else left if is_none(right) else None
            if other is not None and _is_entry(other, mapping, key_text, found):
                return isinstance(op, (cst.Is, cst.Equal))
    return None


def _is_entry(expr, mapping: str, key_text: str, found: set) -> bool:
    return _is_lookup(expr, mapping, key_text) or (isinstance(expr, cst.Name) and expr.value in found)


def _looks_up(use: Site, key_text: str) -> bool:
    parent = use.parent
    if isinstance(parent, cst.Subscript) and parent.value is use.node:
        key = subscript_key(parent)
        return key is not None and source_text(key) == key_text
    if isinstance(parent, cst.Attribute) and parent.value is use.node and parent.attr.value in ("get", "__contains__"):
        call = use.ancestors[-2] if len(use.ancestors) > 1 else None
        if isinstance(call, cst.Call) and call.args:
            return source_text(call.args[0].value) == key_text
    if isinstance(parent, cst.ComparisonTarget) and isinstance(parent.operator, (cst.In, cst.NotIn)):
        comparison = use.ancestors[-2] if len(use.ancestors) > 1 else None
        if isinstance(comparison, cst.Comparison):
            return source_text(comparison.left) == key_text
    return False


def evicts(model: ModuleModel, mapping: str) -> bool:
    """Some function of the module removes entries: ``pop``/``popitem``/``clear`` or ``del D[k]``."""
    for fn in model.all_functions:
        if _evicts_in(fn, mapping):
            return True
    return False


def _evicts_in(fn: Function, mapping: str) -> bool:
    for use in fn.names.get(mapping, ()):
        parent = use.parent
        if isinstance(parent, cst.Attribute) and parent.value is use.node and parent.attr.value in _EVICTING_METHODS:
            return True
        if isinstance(parent, cst.Subscript) and any(isinstance(a, cst.Del) for a in use.ancestors):
            return True
    return False


def compares_time(fn: Function, value: cst.CSTNode, model: ModuleModel) -> bool:
    """The stored value carries a timestamp (``(value, time.monotonic())``), i.e. a hand-made TTL."""
    from .apis import TIME_FUNCTIONS

    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Call) and model.qualify(node.func) in TIME_FUNCTIONS:
            return True
        stack.extend(node.children)
    return False


# -- added for LAM401/LAM403 -------------------------------------------------------------

MEMO_MAPPINGS = frozenset({"dict", "defaultdict", "OrderedDict"})


def rebound(model: ModuleModel, mapping: str) -> bool:
    """Some function replaces the whole mapping (``global D; D = {}``), which empties it."""
    from .model import store_targets

    for fn in model.all_functions:
        if mapping not in fn.global_names:
            continue
        for site in fn.stores:
            if isinstance(site.node, cst.AugAssign):
                continue
            for target in store_targets(site.node):
                if isinstance(target, cst.Name) and target.value == mapping:
                    return True
    return False


def stamped(fn: Function, value: cst.CSTNode, model: ModuleModel) -> bool:
    """:func:`compares_time`, also through the local names the stored value is built from
    (``entry = (body, now)`` with ``now = time.time()``)."""
    from .model import store_targets
    from .names import names_in

    seen = set()
    todo = [value]
    while todo:
        expr = todo.pop()
        if compares_time(fn, expr, model):
            return True
        for name in names_in(expr) - seen:
            seen.add(name)
            for site in fn.stores:
                node = site.node
                if isinstance(node, cst.AugAssign) or getattr(node, "value", None) is None:
                    continue
                if any(isinstance(t, cst.Name) and t.value == name for t in _flat_targets(store_targets(node))):
                    todo.append(node.value)
    return False


def _flat_targets(targets: list) -> list:
    out = []
    for target in targets:
        if isinstance(target, (cst.Tuple, cst.List)):
            out.extend(_flat_targets([e.value for e in target.elements]))
        elif isinstance(target, cst.StarredElement):
            out.extend(_flat_targets([target.value]))
        else:
            out.append(target)
    return out
