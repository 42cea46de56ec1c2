"""What runs before a SnapStart snapshot, and what runs after each restore.

With SnapStart, Lambda runs a function's init once per published version,
snapshots the process, and resumes every new execution environment from that
snapshot. The LAM6xx rules ask this model, built once per check and only when a
handler runs with SnapStart:

* **init code**: the module-level code (class bodies included) of each SnapStart
  handler's module and of every project module it imports at module level,
  transitively (also inside module-level ``if``/``try``), the functions that code
  calls, and the before-snapshot hooks registered there (they run just before
  the snapshot is taken, so what they create is in it);
* **runtime hooks**: ``register_before_snapshot`` / ``register_after_restore``
  from ``snapshot_restore_py``, as a bare decorator or a call
  ``register_x(func, *args)``. A registration *takes effect* only when init code
  executes it; the functions an effective after-restore hook runs (and what they
  call) are the **restore code**;
* **the warm path** of the SnapStart handlers (hooks are never on it);
* **where a value made at init ends up** (:meth:`InitCode.bound_names`): the
  module-level or class-level names it is bound to, directly or through
  expressions, through ``return`` to an init-time caller, through ``self.x`` of
  an object built at init, and through module-level names computed from those.

Nothing here decides what is a finding: the rules do, from these answers.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Set

import libcst as cst

from .model import ClassInfo, Function, ModuleModel, flatten_target, local_names, store_targets
from .names import dotted, root_name

HOOK_LIBRARY = "snapshot_restore_py"
BEFORE_SNAPSHOT = f"{HOOK_LIBRARY}.register_before_snapshot"
AFTER_RESTORE = f"{HOOK_LIBRARY}.register_after_restore"
HOOK_REGISTRARS = {BEFORE_SNAPSHOT: "before_snapshot", AFTER_RESTORE: "after_restore"}

MAX_FLOW_DEPTH = 6  # returns/constructors followed back to their init-time callers


def hook_kind(model: ModuleModel, expr: cst.CSTNode) -> Optional[str]:
    """'before_snapshot' / 'after_restore' when ``expr`` names a snapshot_restore_py registrar."""
    return HOOK_REGISTRARS.get(model.qualify(expr) or "")


def is_hook_registration(model: ModuleModel, call: cst.Call) -> bool:
    return hook_kind(model, call.func) is not None


@dataclass(frozen=True)
class NameRef:
    """A name that outlives init: ``name`` at module level of ``path``, or ``cls.name`` (class attribute)."""

    path: str
    name: str
    cls: Optional[str] = None

    @property
    def shown(self) -> str:
        return f"{self.cls}.{self.name}" if self.cls else self.name


@dataclass
class Registration:
    """One runtime-hook registration: where it is, what it registers, and who executes it."""

    node: cst.CSTNode  # the Call, or the Decorator
    kind: str  # before_snapshot | after_restore
    module: ModuleModel
    scope: Function  # the function (or module scope) whose execution registers the hook
    hook: Optional[Function]  # the registered function, when it is a project function
    effective: bool = False  # init code executes the registration
    # What the call form registers when it is not a project function: ``_rng.seed``, ``random.seed``.
    target: Optional[cst.CSTNode] = None


class InitCode:
    def __init__(self, project):
        self.project = project
        self.handlers = [h for h in project.handlers if getattr(h, "snapstart", False)]
        self.active = bool(self.handlers)
        self.modules: Dict[str, ModuleModel] = {}  # init modules by path
        self.functions: Set[Function] = set()  # init code (module scopes included)
        self.registrations: List[Registration] = []
        self.restore: Set[Function] = set()  # what effective after-restore hooks run
        self.before_snapshot: Set[Function] = set()  # what effective before-snapshot hooks run
        self.warm: Set[Function] = set()
        self._init_callers: Dict[Function, list] = {}
        self._local_names: Dict[Function, set] = {}
        self._roots: List[str] = []
        self._init_calls: Dict[str, list] = {}
        self._warm_reads: Dict[NameRef, bool] = {}
        if self.active:
            self._build()

    # -- building ------------------------------------------------------------------
    def _build(self) -> None:
        project = self.project
        todo = []
        for handler in self.handlers:
            model = handler.target.module if handler.target is not None else project.model(handler.path)
            if model is not None:
                todo.append(model)
            self._roots.append(_import_root(handler.path))
            # ``pkg/app.py`` is imported as ``pkg.app``: ``pkg/__init__.py`` runs first, at init too.
            for package in _enclosing_packages(handler.path):
                package_model = project.model(package)
                if package_model is not None:
                    todo.append(package_model)
        while todo:
            model = todo.pop()
            if model.path in self.modules:
                continue
            self.modules[model.path] = model
            todo.extend(m for m in self._imported_at_module_level(model) if m.path not in self.modules)
        self.functions = self._closure(m.scope for m in self.modules.values())
        self._find_registrations()
        before = [r.hook for r in self.registrations if r.effective and r.kind == "before_snapshot" and r.hook]
        self.before_snapshot = self._closure(before)
        self.functions |= self.before_snapshot
        after = [r.hook for r in self.registrations if r.effective and r.kind == "after_restore" and r.hook]
        self.restore = self._closure(after)
        self.warm = self._closure((h.target for h in self.handlers if h.target is not None), handed_over=True)
        for fn in self.functions:
            for site in fn.calls:
                if _in_lambda(site):
                    continue
                for target in self._call_targets(fn, site.node):
                    self._init_callers.setdefault(target, []).append(site)

    def _imported_at_module_level(self, model: ModuleModel) -> List[ModuleModel]:
        """Project modules that ``model``'s module-level import statements load (packages included)."""
        project = self.project
        seen, found = set(), []
        for bindings in model.bindings.values():
            for binding in bindings:
                node = binding.value
                if binding.kind != "import" or id(node) in seen:
                    continue
                seen.add(id(node))
                for name in _modules_named(node):
                    path = project.resolve_module(model.path, name)
                    target = project.model(path) if path else None
                    if target is not None and target.path != model.path:
                        found.append(target)
        return found

    def _closure(self, start: Iterable[Optional[Function]], handed_over: bool = False) -> Set[Function]:
        """``start`` and what it calls, transitively. Functions only handed over as arguments
        (``Tool(function=f)``, ``Thread(target=f)``) run later, on the warm path: they count only
        when ``handed_over`` (the warm path's own closure, as the Project computes it)."""
        done: Set[Function] = set()
        todo = [fn for fn in start if fn is not None]
        while todo:
            fn = todo.pop()
            if fn in done:
                continue
            done.add(fn)
            if handed_over:
                todo.extend(c for c in self.project.callees(fn) if c not in done)
            else:
                for site in fn.calls:
                    if not _in_lambda(site):
                        todo.extend(c for c in self._call_targets(fn, site.node) if c not in done)
        return done

    def _call_targets(self, fn: Function, call: cst.Call) -> List[Function]:
        target = self.project.resolve_expr(fn, call.func)
        if isinstance(target, Function):
            return [target]
        if isinstance(target, ClassInfo):
            return [m for m in (self.project.method(target, n) for n in ("__init__", "__post_init__")) if m]
        return []

    def _find_registrations(self) -> None:
        for model in self._models_with_hooks():
            for fn in [model.scope] + model.all_functions:
                for site in fn.calls:
                    kind = hook_kind(model, site.node.func)
                    if kind is None or _in_lambda(site):
                        continue
                    args = [a.value for a in site.node.args if a.keyword is None and not a.star]
                    hook = self.project.resolve_expr(fn, args[0]) if args else None
                    self._register(site.node, kind, model, fn, hook, args[0] if args else None)
            for fn in model.all_functions:
                for deco in fn.decorators:
                    kind = hook_kind(model, deco.decorator)
                    if kind is not None:
                        scope = fn.parent if fn.parent is not None else model.scope
                        self._register(deco, kind, model, scope, fn)

    def _register(self, node, kind, model, scope, hook, target=None) -> None:
        hook = hook if isinstance(hook, Function) else None
        self.registrations.append(Registration(node, kind, model, scope, hook, scope in self.functions, target))

    def _models_with_hooks(self) -> List[ModuleModel]:
        """Parsed modules that import snapshot_restore_py (nothing else can register a hook)."""
        return [m for m in self.project.models.values()
                if any(i.module.split(".")[0] == HOOK_LIBRARY for i in m.imports.values())]

    # -- questions ------------------------------------------------------------------
    def applies_to(self, model: ModuleModel) -> bool:
        """The module belongs to a SnapStart function: imported at init, on its warm path, or in its code."""
        if not self.active:
            return False
        if model.path in self.modules or any(fn.module is model for fn in self.warm):
            return True
        return any(_inside(model.path, root) for root in self._roots)

    def init_calls(self, model: ModuleModel) -> list:
        """Call sites of ``model`` that run at init (in source order)."""
        if model.path not in self._init_calls:
            sites = [s for fn in self.functions if fn.module is model for s in fn.calls if not _in_lambda(s)]
            self._init_calls[model.path] = sorted(sites, key=lambda s: model.line_of(s.node))
        return self._init_calls[model.path]

    def registrations_in(self, model: ModuleModel) -> List[Registration]:
        return [r for r in self.registrations if r.module is model]

    def bound_names(self, site, depth: int = 0) -> Set[NameRef]:
        """The names that keep the value of the call at ``site`` after init, and names computed from them."""
        found = self._bound(site, depth)
        return self._derived(found)

    def _bound(self, site, depth: int) -> Set[NameRef]:
        if depth > MAX_FLOW_DEPTH:
            return set()
        statement = _enclosing_statement(site)
        if statement is None:
            return set()
        fn = site.function
        if isinstance(statement, cst.Return):
            return self._returned(fn, depth)
        if not isinstance(statement, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
            return set()
        out: Set[NameRef] = set()
        for target in store_targets(statement):
            out |= self._target_refs(fn, site, target, depth)
        return out

    def _target_refs(self, fn: Function, site, target, depth: int) -> Set[NameRef]:
        model = fn.module
        if isinstance(target, cst.Name):
            name = target.value
            if fn.is_module_scope:
                cls = _class_of_statement(site)
                if cls is not None:
                    return {NameRef(model.path, name, cls)} if cls in model.classes else set()
                return {NameRef(model.path, name)}
            if name in fn.global_names:
                return {NameRef(model.path, name)}
            # A local that the function returns: the value goes to its callers.
            if any(isinstance(r.node.value, cst.Name) and r.node.value.value == name for r in fn.returns):
                return self._returned(fn, depth)
            return set()
        if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
            if fn.cls is not None and fn.params and target.value.value == fn.params[0]:
                # self.x = ... in a method: it lives as long as the object built at init.
                return self._returned(fn, depth)
        root = root_name(target)
        if root is not None:
            binding = model.binding(root)
            if binding is not None and binding.kind != "import" and (fn.is_module_scope or root not in self.local_names(fn)):
                return {NameRef(model.path, root)}
        return set()

    def _returned(self, fn: Function, depth: int) -> Set[NameRef]:
        out: Set[NameRef] = set()
        for caller in self._init_callers.get(fn, ()):
            out |= self._bound(caller, depth + 1)
        return out

    def _derived(self, refs: Set[NameRef]) -> Set[NameRef]:
        """Add module-level names whose init-time value is computed from one of ``refs``."""
        result = set(refs)
        todo = [r for r in refs if r.cls is None]
        while todo:
            ref = todo.pop()
            model = self.project.models.get(ref.path)
            if model is None:
                continue
            for site in model.scope.names.get(ref.name, ()):
                statement = _enclosing_statement(site)
                if not isinstance(statement, (cst.Assign, cst.AnnAssign)) or statement.value is None:
                    continue
                if not _contains(statement.value, site.node):
                    continue
                for target in store_targets(statement):
                    for new in self._target_refs(model.scope, site, target, MAX_FLOW_DEPTH):
                        if new not in result:
                            result.add(new)
                            if new.cls is None:
                                todo.append(new)
        return result

    # -- uses of a name -----------------------------------------------------------------
    def local_names(self, fn: Function) -> set:
        if fn not in self._local_names:
            self._local_names[fn] = local_names(fn)
        return self._local_names[fn]

    def refers_to(self, fn: Function, expr: cst.CSTNode, ref: NameRef) -> bool:
        """``expr`` inside ``fn`` names ``ref`` (the module-level name, an import of it, or ``mod.name``)."""
        if ref.cls is not None:
            if not isinstance(expr, cst.Attribute) or expr.attr.value != ref.name:
                return False
            base = expr.value
            if isinstance(base, cst.Name) and fn.cls is not None and fn.cls.name == ref.cls and fn.params and base.value == fn.params[0]:
                return fn.module.path == ref.path
            target = self.project.resolve_expr(fn, base)
            return isinstance(target, ClassInfo) and target.name == ref.cls and target.module.path == ref.path
        if isinstance(expr, cst.Name):
            if expr.value in self._shadowing(fn):
                return False
            if fn.module.path == ref.path:
                return expr.value == ref.name and fn.module.is_module_level(ref.name)
            imported = fn.module.imports.get(expr.value)
            return (imported is not None and imported.name == ref.name
                    and self.project.resolve_module(fn.module.path, imported.module) == ref.path)
        if isinstance(expr, cst.Attribute) and expr.attr.value == ref.name:
            target = self.project.resolve_expr(fn, expr.value)
            return isinstance(target, ModuleModel) and target.path == ref.path
        return False

    def _shadowing(self, fn: Function) -> set:
        names = set()
        scope = fn
        while scope is not None and not scope.is_module_scope:
            names |= self.local_names(scope)
            scope = scope.parent
        return names

    def reads(self, fn: Function, ref: NameRef) -> list:
        """The nodes in ``fn`` that read ``ref``."""
        out = []
        candidates = {ref.name} if ref.cls is None else {ref.cls} | set(fn.params[:1])
        if ref.cls is None:
            # import aliases: ``from config import ENV_ID as env``; ``import config``
            for local, imported in fn.module.imports.items():
                if imported.name == ref.name or (
                        imported.name is None and self.project.resolve_module(fn.module.path, imported.module) == ref.path):
                    candidates.add(local.split(".")[0])
        for name in candidates:
            for site in fn.names.get(name, ()):
                parent = site.parent
                for expr in (site.node, parent):
                    if expr is parent and not (isinstance(parent, cst.Attribute) and parent.value is site.node):
                        continue
                    if self.refers_to(fn, expr, ref):
                        if not _is_store_target(site, expr):
                            out.append(expr)
                        break
        return out

    def warm_reads(self, ref: NameRef) -> bool:
        if ref not in self._warm_reads:
            self._warm_reads[ref] = any(self.reads(fn, ref) for fn in self.warm)
        return self._warm_reads[ref]

    def rebinds(self, fn: Function, ref: NameRef) -> bool:
        """``fn`` assigns ``ref`` a new value (``global x; x = ...``, ``mod.x = ...``, ``Cls.x = ...``)."""
        for site in fn.stores:
            for target in store_targets(site.node):
                if isinstance(target, cst.Name):
                    if (ref.cls is None and target.value == ref.name and fn.module.path == ref.path
                            and ref.name in fn.global_names):
                        return True
                elif isinstance(target, cst.Attribute) and self.refers_to(fn, target, ref):
                    return True
        return False

    def method_calls(self, fn: Function, ref: NameRef, methods: Optional[Set[str]] = None) -> list:
        """Calls ``<ref>.m(...)`` in ``fn`` (any method, or one of ``methods``)."""
        out = []
        for site in fn.calls:
            func = site.node.func
            if not isinstance(func, cst.Attribute) or (methods is not None and func.attr.value not in methods):
                continue
            if self.refers_to(fn, func.value, ref):
                out.append(site)
        return out

    def recreated_after_restore(self, ref: NameRef, methods: Set[str] = frozenset()) -> bool:
        """Restore code rebinds ``ref`` or calls one of ``methods`` on it (``seed``, ``connect``), or
        ``register_after_restore(ref.method)`` registers such a method itself."""
        if any(self.rebinds(fn, ref) or (methods and self.method_calls(fn, ref, set(methods))) for fn in self.restore):
            return True
        for registration in self._restore_targets():
            target = registration.target
            if (isinstance(target, cst.Attribute) and target.attr.value in methods
                    and self.refers_to(registration.scope, target.value, ref)):
                return True
        return False

    def reseeded_after_restore(self, seeders: Set[str]) -> bool:
        """Restore code calls one of ``seeders`` (``random.seed``), or one is registered as the hook."""
        if self.calls_in(self.restore, seeders):
            return True
        return any(r.module.qualify(r.target) in seeders for r in self._restore_targets())

    def _restore_targets(self) -> List[Registration]:
        return [r for r in self.registrations
                if r.effective and r.kind == "after_restore" and r.hook is None and r.target is not None]

    def closed_before_snapshot(self, ref: NameRef, methods: Set[str]) -> bool:
        return any(self.method_calls(fn, ref, set(methods)) for fn in self.before_snapshot)

    def recreated_on_warm_path(self, ref: NameRef, methods: Set[str] = frozenset()) -> bool:
        return any(self.rebinds(fn, ref) or (methods and self.method_calls(fn, ref, set(methods))) for fn in self.warm)

    def calls_in(self, functions: Iterable[Function], qualified: Set[str]) -> list:
        """Call sites in ``functions`` whose callee is one of ``qualified``."""
        return [s for fn in functions for s in fn.calls if fn.module.qualify(s.node.func) in qualified]


# -- helpers ------------------------------------------------------------------------------
def _modules_named(node) -> List[str]:
    """Dotted module names an import statement loads (``a.b`` also loads package ``a``)."""
    names: List[str] = []
    if isinstance(node, cst.Import):
        for alias in node.names:
            full = dotted(alias.name)
            if full:
                parts = full.split(".")
                names.extend(".".join(parts[: i + 1]) for i in range(len(parts)))
    elif isinstance(node, cst.ImportFrom):
        level = "." * len(node.relative)
        base = dotted(node.module) if node.module is not None else ""
        module = level + (base or "")
        if base and not level:
            parts = base.split(".")
            names.extend(".".join(parts[: i + 1]) for i in range(len(parts)))
        elif module:
            names.append(module)
        if not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                name = dotted(alias.name)
                if name:
                    names.append(module + name if module.endswith(".") or not module else f"{module}.{name}")
    return names


def _enclosing_statement(site):
    """The small statement (or ``return``) whose value holds the node of ``site``; None inside a lambda."""
    for node in reversed(site.ancestors):
        if isinstance(node, cst.Lambda):
            return None
        if isinstance(node, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
            return node
    return None


def _in_lambda(site) -> bool:
    return any(isinstance(node, cst.Lambda) for node in site.ancestors)


def _class_of_statement(site) -> Optional[str]:
    """The class whose body holds the statement (module-scope sites only)."""
    for node in reversed(site.ancestors):
        if isinstance(node, cst.ClassDef):
            return node.name.value
    return None


def _contains(tree: cst.CSTNode, node: cst.CSTNode) -> bool:
    stack = [tree]
    while stack:
        current = stack.pop()
        if current is node:
            return True
        stack.extend(current.children)
    return False


def _is_store_target(site, expr) -> bool:
    for node in reversed(site.ancestors):
        if isinstance(node, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
            return any(t is expr for t in store_targets(node)) and not isinstance(node, cst.AugAssign)
        if isinstance(node, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
            return False
    return False


def _import_root(module_file: str) -> str:
    """The folder a module is imported from: above every package (``__init__.py``) it sits in."""
    folder = os.path.dirname(os.path.abspath(module_file))
    while os.path.isfile(os.path.join(folder, "__init__.py")):
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return folder


def _enclosing_packages(module_file: str) -> List[str]:
    """The ``__init__.py`` files of the packages a module sits in (innermost first)."""
    found = []
    folder = os.path.dirname(os.path.abspath(module_file))
    while True:
        init = os.path.join(folder, "__init__.py")
        if not os.path.isfile(init):
            break
        if init != os.path.abspath(module_file):
            found.append(init)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return found


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


__all__ = ["InitCode", "NameRef", "Registration", "hook_kind", "is_hook_registration", "flatten_target"]
