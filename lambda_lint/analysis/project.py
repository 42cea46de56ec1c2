"""A checked tree: its files, how its modules import one another, its handlers,
and the warm path (everything the handlers call, transitively)."""
from __future__ import annotations

import os
import re
from typing import Dict, Iterable, List, Optional, Set, Union

import libcst as cst

from .init_code import is_hook_registration
from .model import ClassInfo, Function, ImportedName, ModuleModel, build_model
from .names import dotted
from .handlers import Handler, MissingHandler
from .sources import ParseFailure, parse, read_bytes

# A file can only hold a conventional handler if its text defines one (by name,
# or by a first parameter called ``event``); files that are neither that, nor
# named by configuration or infrastructure, nor imported from the warm path are
# never parsed.
HANDLER_TEXT = re.compile(rb"def\s+(?:lambda_handler|handler)\s*\(|def\s+\w+\s*\(\s*event\b[^)]*?\bcontext\b")
CONVENTION_NAMES = ("lambda_handler", "handler")
SIGNATURE_PARAMS = ("event", "context")


def is_conventional_handler(fn: Function) -> bool:
    """A module-level ``lambda_handler``/``handler`` taking (event, context), or any
    module-level function whose first two parameters are named ``event`` and ``context``.

    A pytest test function is not one: ``def test_x(event, context)`` takes fixtures.
    """
    if fn.cls is not None or fn.parent is not None or not isinstance(fn.node, cst.FunctionDef):
        return False
    params = fn.node.params
    positional = list(params.posonly_params) + list(params.params)
    if fn.name in CONVENTION_NAMES:
        required = [p for p in positional if p.default is None]
        return len(positional) >= 2 and len(required) <= 2 and len(required) >= 1
    names = tuple(p.name.value for p in positional[:2])
    if names != SIGNATURE_PARAMS or _in_test_module(fn):
        return False
    # Lambda passes exactly (event, context): a function that needs more is a helper that
    # takes the handler's arguments along (cfnresponse's ``send(event, context, status, ...)``).
    more_required = [p for p in positional[2:] if p.default is None]
    more_required += [p for p in params.kwonly_params if p.default is None]
    return not more_required


def _in_test_module(fn: Function) -> bool:
    """Test modules define (event, context) functions as fixtures and fakes, never entry points."""
    base = os.path.basename(fn.module.path)
    if base.startswith("test_") or base.endswith("_test.py") or base == "conftest.py":
        return True
    # The dotted name is relative to the project root, so folders above the project never count.
    return any(part in ("tests", "test") for part in fn.module.name.split(".")[:-1])


class Project:
    """The modules of one checked tree, parsed on demand and analysed once."""

    def __init__(self, root: str, files: Iterable[str], src_roots: Iterable[str] = (),
                 contents: Optional[Dict[str, bytes]] = None, shared_models=None):
        self.root = os.path.abspath(root)
        # Texts that are not (or not yet) on disk: an editor's buffers, the fixer's rounds.
        self._contents = contents or {}
        # Built modules kept between Projects by a long-lived caller (the language server),
        # keyed by (path, module name, bytes): a model depends on nothing else and is never
        # changed once built, so Projects can share it.
        self._shared_models = shared_models
        self.files = [os.path.abspath(f) for f in files]
        self.src_roots = [os.path.abspath(os.path.join(self.root, s)) for s in src_roots]
        self.layer_roots: List[str] = []  # from discovery: layer contents and src layouts, for every importer
        # Roots added later (a template's CodeUri) only apply to the code inside them.
        self._global_roots = set(self.src_roots)
        self._roots_cache: Dict[tuple, list] = {}
        self.models: Dict[str, ModuleModel] = {}
        self.failures: Dict[str, ParseFailure] = {}
        self._data: Dict[str, Union[bytes, ParseFailure]] = {}
        self._resolved: Dict[tuple, Optional[str]] = {}
        self.handlers: List[Handler] = []
        self.missing: List[MissingHandler] = []
        self.warm: Set[Function] = set()
        self._callees: Dict[Function, list] = {}
        self.callbacks: Set[Function] = set()  # registered on a framework object; called with the request
        self._local_types: Dict[Function, dict] = {}

    # -- files and modules --------------------------------------------------
    def data(self, path: str) -> Union[bytes, ParseFailure]:
        if path not in self._data:
            text = self._contents.get(path)
            self._data[path] = text if text is not None else read_bytes(path)
        return self._data[path]

    def model(self, path: str) -> Optional[ModuleModel]:
        """The analysed module at ``path`` (parsed once), or None when it cannot be parsed."""
        path = os.path.abspath(path)
        if path in self.models:
            return self.models[path]
        if path in self.failures:
            return None
        data = self.data(path)
        key = None
        if self._shared_models is not None and isinstance(data, bytes):
            key = (path, self.module_name(path), data)
            shared = self._shared_models.get(key)
            if shared is not None:
                self.models[path] = shared
                return shared
        tree = data if isinstance(data, ParseFailure) else parse(data)
        if isinstance(tree, ParseFailure):
            self.failures[path] = tree
            return None
        try:
            model = build_model(path, tree, self.module_name(path))
        except RecursionError:
            self.failures[path] = ParseFailure("too deeply nested to analyse")
            return None
        self.models[path] = model
        if key is not None:
            self._shared_models[key] = model
        return model

    def module_name(self, path: str) -> str:
        rel = os.path.relpath(path, self.root)
        rel = rel[:-3] if rel.endswith(".py") else rel
        parts = [p for p in rel.split(os.sep) if p not in ("", ".")]
        if parts and parts[-1] == "__init__":
            parts.pop()
        return ".".join(parts)

    def is_candidate(self, path: str) -> bool:
        data = self.data(path)
        return isinstance(data, ParseFailure) or bool(HANDLER_TEXT.search(data))

    def _search_roots(self, importer: str) -> list:
        folder = os.path.dirname(importer)
        key = (folder, len(self.src_roots))
        if key not in self._roots_cache:
            self._roots_cache[key] = self._compute_search_roots(importer)
        return self._roots_cache[key]

    def _compute_search_roots(self, importer: str) -> list:
        roots = [r for r in self.src_roots if r in self._global_roots or _inside(importer, r)]
        folder = os.path.dirname(importer)
        while True:
            roots.append(folder)
            if folder == self.root or not folder.startswith(self.root):
                break
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
        if self.root not in roots:
            roots.append(self.root)
        # Layers and src-layout packages: searched last, so they never shadow the importer's own modules.
        roots.extend(r for r in self.layer_roots if r not in roots)
        return roots

    def _module_file(self, base: str, dotted_name: str) -> Optional[str]:
        key = (base, dotted_name)
        if key not in self._resolved:
            rel = os.path.join(base, *dotted_name.split(".")) if dotted_name else base
            found = None
            for candidate in (rel + ".py", os.path.join(rel, "__init__.py")):
                if os.path.isfile(candidate) and _inside(candidate, self.root):
                    found = os.path.abspath(candidate)
                    break
            self._resolved[key] = found
        return self._resolved[key]

    def resolve_module(self, importer: str, module: str) -> Optional[str]:
        """The project file for ``module`` as imported from ``importer``, or None (not ours)."""
        if module.startswith("."):
            level = len(module) - len(module.lstrip("."))
            base = os.path.dirname(importer)
            for _ in range(level - 1):
                base = os.path.dirname(base)
            return self._module_file(base, module.lstrip("."))
        for root in self._search_roots(importer):
            found = self._module_file(root, module)
            if found:
                return found
        return None

    def resolve_import(self, model: ModuleModel, imported: ImportedName, seen: Optional[set] = None):
        """What an imported name is in the project: a ModuleModel, Function, ClassInfo, or None."""
        seen = set() if seen is None else seen
        if imported.name is not None:
            submodule = self.resolve_module(model.path, _join(imported.module, imported.name))
            if submodule:
                return self.model(submodule)
            path = self.resolve_module(model.path, imported.module)
            if not path:
                return None
            target = self.model(path)
            if target is None:
                return None
            return self.lookup_in_module(target, imported.name, seen)
        path = self.resolve_module(model.path, imported.module)
        return self.model(path) if path else None

    def lookup_in_module(self, model: ModuleModel, name: str, seen: set):
        if name in model.functions:
            return model.functions[name]
        if name in model.classes:
            return model.classes[name]
        imported = model.imports.get(name)
        # ``seen`` stops re-export cycles (a/__init__ imports from b, which imports from a).
        if imported is not None and (model.path, name) not in seen and len(seen) < 50:
            seen.add((model.path, name))
            return self.resolve_import(model, imported, seen)
        return None

    def module_binding(self, model: ModuleModel, name: str, depth: int = 0) -> Optional[tuple]:
        """(module, Binding) of a module-level value (not a def, class or module) that ``name`` names in
        ``model``, following ``from x import name`` into project modules: shared state may live in
        another module of the function (``from state import sessions``)."""
        binding = model.binding(name)
        if binding is None:
            return None
        if binding.kind != "import":
            return (model, binding) if binding.kind not in ("function", "class") else None
        imported = model.imports.get(name)
        if imported is None or imported.name is None or depth > 10:
            return None
        if self.resolve_module(model.path, _join(imported.module, imported.name)):
            return None  # a submodule, not a value
        path = self.resolve_module(model.path, imported.module)
        target = self.model(path) if path else None
        if target is None:
            return None
        return self.module_binding(target, imported.name, depth + 1)

    def attribute_binding(self, fn: Function, expr: cst.CSTNode) -> Optional[tuple]:
        """(module, Binding) for ``mod.name`` where ``mod`` is an imported project module."""
        if not isinstance(expr, cst.Attribute) or not isinstance(expr.value, (cst.Name, cst.Attribute)):
            return None
        base = self.resolve_expr(fn, expr.value)
        if isinstance(base, ModuleModel):
            return self.module_binding(base, expr.attr.value)
        return None

    def instance_class(self, module: ModuleModel, binding) -> Optional[ClassInfo]:
        """The project class of a module-level instance (``tally = Tally()``)."""
        if binding is None or binding.kind != "call" or not isinstance(binding.value, cst.Call):
            return None
        cls = self.resolve_expr(module.scope, binding.value.func)
        return cls if isinstance(cls, ClassInfo) else None

    # -- name resolution inside functions ---------------------------------
    def resolve_name(self, fn: Function, name: str):
        scope = fn
        while scope is not None:
            if name in scope.nested:
                return scope.nested[name]
            scope = scope.parent
        model = fn.module
        if name in model.functions:
            return model.functions[name]
        if name in model.classes:
            return model.classes[name]
        imported = model.imports.get(name)
        if imported is not None:
            return self.resolve_import(model, imported)
        return None

    def local_types(self, fn: Function) -> dict:
        """Local names bound to instances of project classes: ``repo = OrderRepository()``."""
        if fn not in self._local_types:
            types = {}
            self._local_types[fn] = types  # guards recursion through resolve_expr
            for site in fn.stores:
                node = site.node
                value = getattr(node, "value", None)
                if not isinstance(value, cst.Call) or isinstance(node, cst.AugAssign):
                    continue
                cls = self.resolve_expr(fn, value.func)
                if isinstance(cls, ClassInfo):
                    for target in _names_assigned(node):
                        types[target] = cls
            for site in fn.withs:
                for item in site.node.items:
                    if isinstance(item.item, cst.Call) and item.asname is not None:
                        cls = self.resolve_expr(fn, item.item.func)
                        if isinstance(cls, ClassInfo) and isinstance(item.asname.name, cst.Name):
                            types[item.asname.name.value] = cls
        return self._local_types[fn]

    def instance_of(self, fn: Function, expr: cst.CSTNode) -> Optional[ClassInfo]:
        """The project class whose instance ``expr`` is, where that is evident."""
        if isinstance(expr, cst.Call):
            cls = self.resolve_expr(fn, expr.func)
            return cls if isinstance(cls, ClassInfo) else None
        if isinstance(expr, cst.Name):
            if expr.value in self.local_types(fn):
                return self.local_types(fn)[expr.value]
            if fn.cls is not None and fn.params and expr.value == fn.params[0] and not _is_static(fn):
                return fn.cls
            if _shadowed(fn, expr.value):
                return None
            found = self.module_binding(fn.module, expr.value)
            return self.instance_class(*found) if found is not None else None
        if isinstance(expr, cst.Attribute):
            found = self.attribute_binding(fn, expr)
            if found is not None:
                return self.instance_class(*found)
        if isinstance(expr, cst.Attribute) and fn.cls is not None:
            # self.repo where __init__ did self.repo = Repo()
            if isinstance(expr.value, cst.Name) and fn.params and expr.value.value == fn.params[0]:
                return self.attribute_type(fn.cls, expr.attr.value)
        return None

    def attribute_type(self, cls: ClassInfo, attr: str) -> Optional[ClassInfo]:
        for method in cls.methods.values():
            for site in method.stores:
                value = getattr(site.node, "value", None)
                if not isinstance(value, cst.Call):
                    continue
                for target in _attribute_targets(site.node):
                    if target == attr:
                        found = self.resolve_expr(method, value.func)
                        if isinstance(found, ClassInfo):
                            return found
        return None

    def called_function(self, fn: Function, func: cst.CSTNode) -> Optional[Function]:
        """The project function that ``func`` (a call's callee in ``fn``) names, if any."""
        if not isinstance(func, (cst.Name, cst.Attribute)):
            return None
        try:
            target = self.resolve_expr(fn, func)
        except RecursionError:
            return None
        return target if isinstance(target, Function) else None

    def resolve_expr(self, fn: Function, expr: cst.CSTNode):
        """A Name/Attribute as a project Function, ClassInfo or ModuleModel, or None."""
        if isinstance(expr, cst.Name):
            if expr.value in self._local_types.get(fn, {}):
                return None  # an instance, not a callable we know
            return self.resolve_name(fn, expr.value)
        if isinstance(expr, cst.Attribute):
            attr = expr.attr.value
            base = self.resolve_expr(fn, expr.value) if not _is_self(fn, expr.value) else None
            if isinstance(base, ModuleModel):
                return self.lookup_in_module(base, attr, set())
            if isinstance(base, ClassInfo):
                return self.method(base, attr)
            cls = self.instance_of(fn, expr.value)
            if cls is not None:
                return self.method(cls, attr)
        return None

    def method(self, cls: ClassInfo, name: str, depth: int = 0) -> Optional[Function]:
        if name in cls.methods:
            return cls.methods[name]
        if depth > 10:
            return None
        for base in cls.bases:
            head = base.split(".")[-1]
            found = self.resolve_name(cls.module.scope, head) if "." not in base else None
            if isinstance(found, ClassInfo):
                m = self.method(found, name, depth + 1)
                if m is not None:
                    return m
        return None

    # -- the warm path --------------------------------------------------------
    def callees(self, fn: Function) -> list:
        if fn in self._callees:
            return self._callees[fn]
        found: list = []
        self._callees[fn] = found
        for site in fn.calls:
            call = site.node
            target = self.resolve_expr(fn, call.func)
            self._add_target(found, target)
            if target is None:
                # ``ACTIONS[event["action"]](event)``: every function the table holds may run.
                for entry in self.dispatched(fn, call.func):
                    self._add_target(found, entry)
            if target is None and isinstance(call.func, cst.Attribute):
                receiver = call.func.value
                cls = self.instance_of(fn, receiver) if isinstance(receiver, cst.Call) else None
                if cls is not None:
                    self._add_target(found, self.method(cls, call.func.attr.value))
                if call.func.attr.value == "resolve":
                    found.extend(self.routes_of(fn, receiver))
            if is_hook_registration(fn.module, call):
                continue  # a SnapStart runtime hook runs around the snapshot, never per invocation
            # Functions handed over to run later: Thread(target=f), submit(f), map(f, ...)
            for arg in call.args:
                if isinstance(arg.value, (cst.Name, cst.Attribute)):
                    ref = self.resolve_expr(fn, arg.value)
                    if isinstance(ref, Function):
                        found.append(ref)
                        continue
                # A project object handed to a library: the library calls its methods (hooks, overrides).
                if target is None and not _only_inspects(fn, call):
                    cls = self.instance_of(fn, arg.value)
                    if cls is not None:
                        found.extend(self.all_methods(cls))
        for site in fn.withs:
            for item in site.node.items:
                cls = self.instance_of(fn, item.item)
                if cls is not None:
                    for name in ("__enter__", "__exit__", "__aenter__", "__aexit__"):
                        self._add_target(found, self.method(cls, name))
        found.extend(self.registered_callbacks(fn))
        return found

    # -- indirect calls -----------------------------------------------------------
    def dispatched(self, fn: Function, func: cst.CSTNode) -> list:
        """Project functions (or classes) held by the module-level table that ``func`` indexes:
        ``ACTIONS[k]``, ``ACTIONS.get(k)``, or a local assigned from one of those."""
        if isinstance(func, cst.Name) and _shadowed(fn, func.value):
            source = _single_assigned_value(fn, func.value)
            if source is None:
                return []
            func = source
        table = None
        if isinstance(func, cst.Subscript):
            table = func.value
        elif (isinstance(func, cst.Call) and isinstance(func.func, cst.Attribute)
              and func.func.attr.value == "get"):
            table = func.func.value
        if table is None:
            return []
        if isinstance(table, cst.Name):
            if _shadowed(fn, table.value):
                return []
            found = self.module_binding(fn.module, table.value)
        else:
            found = self.attribute_binding(fn, table)
        if found is None:
            return []
        module, binding = found
        value = binding.value
        if isinstance(value, cst.Dict):
            entries = [e.value for e in value.elements if isinstance(e, cst.DictElement)]
        elif isinstance(value, (cst.List, cst.Tuple, cst.Set)):
            entries = [e.value for e in value.elements]
        else:
            return []
        out = []
        for entry in entries:
            if isinstance(entry, (cst.Name, cst.Attribute)):
                ref = self.resolve_expr(module.scope, entry)
                if isinstance(ref, (Function, ClassInfo)):
                    out.append(ref)
        return out

    def all_methods(self, cls: ClassInfo, depth: int = 0) -> list:
        """Methods of ``cls`` and of its project base classes."""
        out = list(cls.methods.values())
        if depth > 10:
            return out
        for base in cls.bases:
            found = self.resolve_name(cls.module.scope, base) if "." not in base else None
            if isinstance(found, ClassInfo):
                out.extend(self.all_methods(found, depth + 1))
        return out

    def registered_callbacks(self, fn: Function) -> list:
        """Functions registered by decorator on a framework object that ``fn`` builds or uses: the
        framework calls them when ``fn`` hands it the request (``@app.on("message")`` in a builder,
        ``@bot.message_handler(...)`` on a module-level bot that the handler feeds)."""
        out = []
        # Nested in fn, registered on an object fn creates.
        for nested in fn.nested.values():
            receiver = registration_receiver(nested)
            if receiver is not None and receiver in _local_names(fn) and self._framework_local(fn, receiver):
                out.append(nested)
        # Module-level, registered on a module-level framework object that fn uses (or imports).
        registry = self.module_registrations(fn.module)
        for name in fn.names:
            if _shadowed(fn, name):
                continue
            if name in registry:
                out.extend(registry[name])
                continue
            imported = fn.module.imports.get(name)  # also ``from app import bot`` inside the function
            binding = fn.module.binding(name)
            if imported is not None and imported.name is not None and (binding is None or binding.kind == "import"):
                path = self.resolve_module(fn.module.path, imported.module)
                target = self.model(path) if path else None
                if target is not None:
                    found = self.module_binding(target, imported.name)
                    if found is not None:
                        out.extend(self.module_registrations(found[0]).get(found[1].name, ()))
        for cb in out:
            self.callbacks.add(cb)
        return out

    def module_registrations(self, model: ModuleModel) -> dict:
        """{framework object name: [callbacks registered on it by decorator]} for one module."""
        cached = model.__dict__.get("_registrations")
        if cached is not None:
            return cached
        out: dict = {}
        for fn in model.functions.values():
            receiver = registration_receiver(fn)
            if receiver is None:
                continue
            binding = model.binding(receiver)
            if binding is None or binding.kind != "call" or self.instance_class(model, binding) is not None:
                continue
            if _is_wrapper_library(binding.call):
                continue
            out.setdefault(receiver, []).append(fn)
        model.__dict__["_registrations"] = out
        return out

    def _framework_local(self, fn: Function, name: str) -> bool:
        value = _single_assigned_value(fn, name)
        if not isinstance(value, cst.Call):
            return False
        target = self.resolve_expr(fn, value.func)
        if target is not None:
            return False
        return not _is_wrapper_library(fn.module.qualify(value.func))

    def _add_target(self, found: list, target) -> None:
        if isinstance(target, Function):
            found.append(target)
        elif isinstance(target, ClassInfo):
            for name in ("__init__", "__post_init__", "__new__"):
                m = self.method(target, name)
                if m is not None:
                    found.append(m)

    def routes_of(self, fn: Function, receiver: cst.CSTNode) -> list:
        """Functions registered on a router object (``@app.get(...)``) that ``app.resolve`` dispatches to."""
        name = dotted(receiver)
        if name is None:
            return []
        routes = []
        for candidate in fn.module.all_functions:
            for deco in candidate.decorators:
                expr = deco.decorator.func if isinstance(deco.decorator, cst.Call) else deco.decorator
                if isinstance(expr, cst.Attribute) and dotted(expr.value) == name:
                    routes.append(candidate)
                    break
        return routes

    def compute_warm_path(self) -> None:
        todo = [h.target for h in self.handlers if h.target is not None]
        warm: Set[Function] = set()
        while todo:
            fn = todo.pop()
            if fn in warm:
                continue
            warm.add(fn)
            todo.extend(c for c in self.callees(fn) if c not in warm)
        self.warm = warm

    # -- handlers ----------------------------------------------------------------
    def add_handler(self, path: str, function: str, source: str, declared_in=None, declared_line=None,
                    snapstart: bool = False) -> bool:
        """Register a handler; returns False when the file or function does not exist.

        A file that cannot be parsed counts as existing (LAM001 reports it). The
        runtime only needs a callable attribute, so an imported function or a
        module-level object (``handler = Mangum(app)``) is a handler too.
        """
        model = self.model(path)
        if model is None:
            return os.path.isfile(path)
        fn = model.functions.get(function)
        if fn is None and "." in function:
            cls_name, _, meth = function.partition(".")
            cls = model.classes.get(cls_name)
            fn = cls.methods.get(meth) if cls else None
        if fn is None:
            found = self.lookup_in_module(model, function, set())
            if isinstance(found, Function):  # re-exported: the handler is where it is defined
                fn, path = found, found.module.path
            elif function in model.bindings:
                anchor = model.binding(function).anchor
                line = model.line_of(anchor) if anchor is not None else 1
                self.handlers.append(Handler(path, function, line, source, declared_in, declared_line, None, snapstart))
                return True
        if fn is None:
            return False
        self.handlers.append(Handler(path, fn.name if fn.cls is None else function, self.def_line(fn.module, fn), source,
                                     declared_in, declared_line, fn, snapstart))
        return True

    def find_conventional_handlers(self, paths: Iterable[str], snapstart: bool = False) -> None:
        known = {(h.path, h.function) for h in self.handlers}
        for path in paths:
            if not self.is_candidate(path):
                continue
            model = self.model(path)
            if model is None:
                continue
            for name, fn in model.functions.items():
                if is_conventional_handler(fn) and (path, name) not in known:
                    self.handlers.append(Handler(path, name, self.def_line(model, fn), "convention", target=fn,
                                                 snapstart=snapstart))

    def def_line(self, model: ModuleModel, fn: Function) -> int:
        """The line of a module-level ``def``, read from the text (no position metadata needed)."""
        data = self.data(model.path)
        if fn.cls is None and fn.parent is None and isinstance(data, bytes) and b"\r" not in data:
            pattern = rb"^(?:async[ \t]+)?def[ \t]+" + re.escape(fn.name.encode()) + rb"\b"
            found = list(re.finditer(pattern, data, re.M))
            if len(found) == 1:
                return data.count(b"\n", 0, found[0].start()) + 1
        return model.line_of(fn.node.name)

    def modules_on_warm_path(self) -> List[ModuleModel]:
        seen = {}
        for fn in self.warm:
            seen[fn.module.path] = fn.module
        for h in self.handlers:
            if h.target is not None:
                seen[h.target.module.path] = h.target.module
        return [seen[p] for p in sorted(seen)]


def _inside(path: str, root: str) -> bool:
    path = os.path.abspath(path)
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _join(module: str, name: str) -> str:
    if module.endswith(".") or not module:
        return module + name
    return f"{module}.{name}"


def _names_assigned(node) -> list:
    from .model import store_targets

    return [t.value for t in store_targets(node) if isinstance(t, cst.Name)]


def _attribute_targets(node) -> list:
    from .model import store_targets

    return [
        t.attr.value
        for t in store_targets(node)
        if isinstance(t, cst.Attribute) and isinstance(t.value, cst.Name)
    ]


def _local_names(fn: Function) -> set:
    from .model import flatten_target, store_targets

    cached = fn.__dict__.get("_local_name_set")
    if cached is None:
        cached = set(fn.params)
        for site in fn.stores:
            for t in store_targets(site.node):
                cached.update(x.value for x in flatten_target(t) if isinstance(x, cst.Name))
        for site in fn.loops:
            cached.update(x.value for x in flatten_target(site.node.target) if isinstance(x, cst.Name))
        cached -= fn.global_names
        fn.__dict__["_local_name_set"] = cached
    return cached


# Decorators that wrap a function rather than register it: the wrapped function runs only when called.
_WRAPPING_DECORATORS = frozenset({
    "capture_method", "capture_lambda_handler", "inject_lambda_context", "log_metrics", "log_event",
    "capture", "cache", "cached", "memoize", "retry", "timer", "timed", "time", "count", "trace", "traced",
    "instrument", "wraps", "patch", "validator", "validate",
})
_WRAPPER_LIBRARIES = ("aws_lambda_powertools", "aws_xray_sdk", "functools", "cachetools", "tenacity",
                      "backoff", "logging", "prometheus_client", "datadog", "sentry_sdk", "unittest", "pytest")


def _is_wrapper_library(qualified: Optional[str]) -> bool:
    """Logging, tracing, metrics and caching objects decorate; they do not register callbacks
    (Powertools' event handlers do: its resolvers are routers)."""
    if not qualified:
        return False
    head = qualified.split(".")[0]
    if head == "aws_lambda_powertools":
        return ".event_handler" not in qualified
    return head in _WRAPPER_LIBRARIES


def registration_receiver(fn: Function) -> Optional[str]:
    """``app`` for a function decorated ``@app.on("message")`` / ``@bot.message_handler(...)``."""
    for deco in fn.decorators:
        expr = deco.decorator.func if isinstance(deco.decorator, cst.Call) else deco.decorator
        if (isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name)
                and expr.attr.value not in _WRAPPING_DECORATORS):
            return expr.value.value
    return None


def _single_assigned_value(fn: Function, name: str):
    """The value of ``name = <value>`` when that is the only binding of ``name`` in ``fn``."""
    value = None
    for site in fn.stores:
        node = site.node
        for t in _flat_store_targets(node):
            if isinstance(t, cst.Name) and t.value == name:
                if value is not None or not isinstance(node, cst.Assign) or len(node.targets) != 1:
                    return None
                if not isinstance(node.targets[0].target, cst.Name):
                    return None
                value = node.value
    if value is None or name in fn.params:
        return None
    for site in fn.loops:
        if any(isinstance(t, cst.Name) and t.value == name for t in _flat(site.node.target)):
            return None
    return value


def _flat_store_targets(node) -> list:
    from .model import store_targets

    out = []
    for t in store_targets(node):
        out.extend(_flat(t))
    return out


def _flat(target) -> list:
    from .model import flatten_target

    return flatten_target(target)


# Calls that look at an object without calling its methods.
_INSPECTING_CALLS = frozenset({
    "print", "str", "repr", "len", "isinstance", "issubclass", "id", "type", "hasattr", "getattr", "setattr",
    "vars", "dir", "bool", "hash", "format", "sorted", "list", "tuple", "set", "dict", "super", "callable",
})
_INSPECTING_METHODS = frozenset({
    "debug", "info", "warning", "warn", "error", "exception", "critical", "log", "dumps", "dump", "format",
    "append", "extend", "add", "insert", "put", "get", "pop", "setdefault", "update", "join", "write",
})


def _only_inspects(fn: Function, call: cst.Call) -> bool:
    func = call.func
    if isinstance(func, cst.Name):
        return func.value in _INSPECTING_CALLS
    if isinstance(func, cst.Attribute):
        return func.attr.value in _INSPECTING_METHODS
    return True


def _shadowed(fn: Function, name: str) -> bool:
    """``name`` is a parameter or assigned local of ``fn`` or of a function enclosing it."""
    scope = fn
    while scope is not None and not scope.is_module_scope:
        if name in scope.global_names:
            return False
        if name in _local_names(scope):
            return True
        scope = scope.parent
    return False


def _is_self(fn: Function, expr) -> bool:
    return (
        isinstance(expr, cst.Name)
        and fn.cls is not None
        and bool(fn.params)
        and expr.value == fn.params[0]
        and not _is_static(fn)
    )


def _is_static(fn: Function) -> bool:
    for deco in fn.decorators:
        if isinstance(deco.decorator, cst.Name) and deco.decorator.value == "staticmethod":
            return True
    return False
