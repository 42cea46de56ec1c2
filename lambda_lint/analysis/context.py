"""What a rule sees: one module of the project, its warm functions, and the
project-wide analyses (taint, handlers) computed once and shared."""
from __future__ import annotations

from functools import cached_property
from typing import Dict, List, Optional

import libcst as cst

from . import apis
from .model import Binding, Function, ModuleModel, local_names
from .names import is_none, keyword_arg, positional_args
from .taint import Taint


class ProjectAnalysis:
    """Analyses that span modules, computed once per check."""

    def __init__(self, project, extend_clients=()):
        self.project = project
        self.connection_constructors = apis.CONNECTION_CONSTRUCTORS | frozenset(extend_clients)

    @cached_property
    def taint(self) -> Taint:
        return Taint(self.project)

    @cached_property
    def holders(self):
        """Module-level holders and their lazy-initialisation guards (see :mod:`.lazy_init`)."""
        from .lazy_init import Holders

        return Holders(self)

    @cached_property
    def init_code(self):
        """What runs before the SnapStart snapshot and after each restore (LAM6xx), built on first use."""
        from .init_code import InitCode

        return InitCode(self.project)

    @cached_property
    def call_sites(self) -> dict:
        """Warm-path call sites of each project function: {Function: [Site, ...]}."""
        sites: dict = {}
        for fn in self.project.warm:
            for site in fn.calls:
                target = self.project.resolve_expr(fn, site.node.func)
                if isinstance(target, Function):
                    sites.setdefault(target, []).append(site)
        return sites

    @cached_property
    def reset_containers(self) -> set:
        """(module path, name) of containers a handler clears first thing, every invocation."""
        out = set()
        for handler in self.project.handlers:
            fn = handler.target
            if fn is None:
                continue
            for stmt in fn.body_statements:
                if _is_docstring_or_global(stmt):
                    continue
                cleared = _cleared_name(stmt)
                if cleared is None:
                    break
                out.add((fn.module.path, cleared))
                found = self.project.module_binding(fn.module, cleared)  # an imported container
                if found is not None:
                    out.add((found[0].path, found[1].name))
        return out


class Context:
    def __init__(self, project, model: ModuleModel, analysis: ProjectAnalysis, config=None):
        self.project = project
        self.model = model
        self.analysis = analysis
        self.config = config
        self._locals: Dict[Function, set] = {}

    # -- the warm path ------------------------------------------------------------
    @cached_property
    def warm_functions(self) -> List[Function]:
        warm = self.project.warm
        return [fn for fn in self.model.all_functions if fn in warm]

    def is_warm(self, fn: Function) -> bool:
        return fn in self.project.warm

    @property
    def taint(self) -> Taint:
        return self.analysis.taint

    @property
    def holders(self):
        return self.analysis.holders

    # -- names --------------------------------------------------------------------
    def qualify(self, expr) -> Optional[str]:
        return self.model.qualify(expr)

    def locals_of(self, fn: Function) -> set:
        """Names local to ``fn`` (assigned in it and not declared ``global``)."""
        if fn not in self._locals:
            self._locals[fn] = local_names(fn)
        return self._locals[fn]

    def module_binding(self, fn: Function, name: Optional[str]) -> Optional[Binding]:
        """The module-level binding ``name`` refers to inside ``fn`` (None when shadowed by a local)."""
        if name is None or name in self.locals_of(fn):
            return None
        scope = fn.parent
        while scope is not None:  # a closure variable of an enclosing function
            if name in self.locals_of(scope):
                return None
            scope = scope.parent
        return self.model.binding(name)

    def container(self, fn: Function, name: Optional[str]) -> Optional[Binding]:
        binding = self.module_binding(fn, name)
        return binding if binding is not None and binding.kind == "container" else None

    def is_reset_each_invocation(self, name: str) -> bool:
        return (self.model.path, name) in self.analysis.reset_containers

    # -- constructors -------------------------------------------------------------
    def constructor_kind(self, call: cst.Call) -> Optional[str]:
        """'sdk' for boto3 clients and sessions, 'connection' for sockets-holding objects, else None."""
        name = self.qualify(call.func)
        if name is None:
            return None
        if name in apis.SDK_CONSTRUCTORS or name in apis.SESSION_CONSTRUCTORS:
            return "sdk"
        if name in self.analysis.connection_constructors:
            return "connection"
        return None

    # -- caching decorators -------------------------------------------------------
    def cache_decorator(self, fn: Function) -> Optional[tuple]:
        """(decorator, bounded) for a functools cache decorator on ``fn``."""
        for deco in fn.decorators:
            expr = deco.decorator
            call = expr if isinstance(expr, cst.Call) else None
            name = self.qualify(call.func if call else expr)
            if name == apis.FUNCTOOLS_CACHE:
                return (deco, False)
            if name == apis.FUNCTOOLS_LRU_CACHE:
                if call is None:
                    return (deco, True)  # bare @lru_cache: maxsize=128
                maxsize = keyword_arg(call, "maxsize")
                value = maxsize.value if maxsize is not None else (positional_args(call) or [None])[0]
                if value is None:
                    return (deco, True)
                return (deco, not is_none(value))
        return None

    def is_memoised(self, fn: Function) -> bool:
        """Decorated with any memoising decorator (functools or cachetools)."""
        if self.cache_decorator(fn) is not None:
            return True
        for deco in fn.decorators:
            expr = deco.decorator
            name = self.qualify(expr.func if isinstance(expr, cst.Call) else expr) or ""
            if name.startswith("cachetools.") or name.endswith(("cached", "memoize", "memoized", "cache")):
                return True
        return False

    def line(self, node) -> int:
        return self.model.line_of(node)


def _is_docstring_or_global(stmt) -> bool:
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
        small = stmt.body[0]
        if isinstance(small, cst.Global):
            return True
        if isinstance(small, cst.Expr) and isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString)):
            return True
    return False


def _cleared_name(stmt) -> Optional[str]:
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
        return None
    small = stmt.body[0]
    if not isinstance(small, cst.Expr) or not isinstance(small.value, cst.Call):
        return None
    func = small.value.func
    if isinstance(func, cst.Attribute) and func.attr.value == "clear" and isinstance(func.value, cst.Name):
        return func.value.value
    return None
