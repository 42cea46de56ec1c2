"""Web apps behind a Lambda adapter: ``handler = Mangum(app)`` (ASGI) and
``handler = apig_wsgi.make_lambda_handler(app)`` (WSGI).

The adapter is the handler the runtime calls; it dispatches to the app's route
functions on every invocation, so those are what the warm path starts from.
Routes are read from the module that builds the adapter: FastAPI/Starlette
``@app.get/post/put/delete/patch/options/head/trace/api_route/route/websocket``,
the same on ``APIRouter`` objects created in that module, and Flask
``@app.route``/``@app.get``... (also Flask ``Blueprint`` objects of the module).
When the adapter wraps an app imported from a project module
(``from api.main import app``), that module's routes are read instead, one
import deep; routers imported from other modules are not followed.

The adapter wraps a named app (``Mangum(app)``); when it wraps something else
(``Mangum(create_app())``) every app of the module is used. Only the module
itself is covered: its folder may hold other functions' code.
"""
from __future__ import annotations

import os
from typing import List, Set

import libcst as cst

from ..analysis.names import keyword_arg, positional_args
from ..analysis.positions import Positions
from ..analysis.sources import ParseFailure, read_bytes
from .common import Collector, import_root_of, inside, module_candidates
from .pycode import ImportNames, python_candidates, decorator_method, module_level_call_assignments, module_level_functions, parse_python

MARKERS = (b"Mangum(", b"make_lambda_handler(")
ADAPTERS = {"mangum.Mangum", "mangum.adapter.Mangum", "apig_wsgi.make_lambda_handler"}
APPS = {"fastapi.FastAPI", "starlette.applications.Starlette", "flask.Flask", "quart.Quart"}
ROUTERS = {"fastapi.APIRouter", "fastapi.routing.APIRouter", "flask.Blueprint"}
SKILLS = {"flask_ask.Ask", "flask_ask.core.Ask"}
SKILL_DECORATORS = frozenset({"intent", "launch", "session_ended", "default_intent", "display_element_selected"})
ROUTE_DECORATORS = frozenset(
    {"get", "post", "put", "delete", "patch", "options", "head", "trace", "api_route", "route", "websocket", "websocket_route"}
)


def scan(paths: List[str], collector: Collector, read) -> None:
    for path, module, imports in python_candidates(paths, read, MARKERS):
        assignments = list(module_level_call_assignments(module))
        adapters = [call for _, call in assignments if imports.refers_to(call.func, ADAPTERS)]
        if not adapters:
            continue
        collector.cover([path])
        wrapped: Set[str] = set()
        for adapter in adapters:
            argument = keyword_arg(adapter, "app")
            values = [argument.value] if argument is not None else positional_args(adapter)[:1]
            names = [v.value for v in values if isinstance(v, cst.Name)]
            wrapped.update(names if names else apps_of(assignments, imports))
        add_routes(path, module, imports, assignments, wrapped, collector)
        for name in sorted(wrapped):
            if name in imports.aliases:
                follow_import(path, imports.aliases[name], collector)


def apps_of(assignments, imports: ImportNames) -> Set[str]:
    return {name for name, call in assignments if imports.refers_to(call.func, APPS)}


def add_routes(path: str, module: cst.Module, imports: ImportNames, assignments, app_names: Set[str], collector: Collector,
               source: str = "asgi") -> int:
    """Record the route functions of ``app_names`` (and of the module's routers); how many."""
    routers = {name for name, call in assignments if imports.refers_to(call.func, ROUTERS)}
    # Flask-Ask (Alexa skills on a Flask app): its intent handlers are the routes.
    skills = {name for name, call in assignments if imports.refers_to(call.func, SKILLS)}
    targets = app_names | routers
    positions = Positions(module)
    added = 0
    for function in module_level_functions(module):
        for decorator in function.decorators:
            method = decorator_method(decorator)
            if method and ((method[0] in targets and method[1] in ROUTE_DECORATORS)
                           or (method[0] in skills and (method[1] in SKILL_DECORATORS or method[1].startswith("on_")))):
                collector.add_function(path, function.name.value, source, positions.line_of(decorator), [path])
                added += 1
                break
    return added


def follow_import(adapter_path: str, imported: str, collector: Collector, source: str = "asgi") -> int:
    """``from api.main import app`` next to the adapter: read the routes of ``app`` in api/main.py."""
    module_name, _, app_name = imported.rpartition(".")
    if not module_name:
        return 0
    root = import_root_of(adapter_path)
    for candidate in module_candidates(root, module_name.split(".")):
        if not os.path.isfile(candidate) or not inside(candidate, collector.root) or candidate == adapter_path:
            continue
        data = read_bytes(candidate)
        module = None if isinstance(data, ParseFailure) else parse_python(data)
        if module is None:
            return 0
        imports = ImportNames(module)
        return add_routes(candidate, module, imports, list(module_level_call_assignments(module)), {app_name}, collector, source)
    return 0


def routes_of_app(module_file: str, app_name: str, collector: Collector, source: str) -> int:
    """The routes of the app ``app_name`` of ``module_file`` (serverless-wsgi, Zappa): how many were found.

    An app imported from another project module is read there, one import deep.
    """
    data = read_bytes(module_file)
    module = None if isinstance(data, ParseFailure) else parse_python(data)
    if module is None:
        return 0
    collector.cover([module_file])
    imports = ImportNames(module)
    assignments = list(module_level_call_assignments(module))
    found = add_routes(module_file, module, imports, assignments, {app_name}, collector, source)
    if app_name in imports.aliases:
        found += follow_import(module_file, imports.aliases[app_name], collector, source)
    found += blueprints_of(module_file, module, collector, source)
    factory = next((call for name, call in assignments if name == app_name), None)
    if factory is not None and isinstance(factory.func, cst.Name) and imports.refers_to(factory.func, APPS) is None:
        found += factory_blueprints(module_file, module, factory.func.value, collector, source)
    return found


# -- Flask blueprints registered on the app, and app factories (serverless-wsgi, Zappa) ---------------
class _Registrations(cst.CSTVisitor):
    """``<x>.register_blueprint(<name>)`` calls: the names of the blueprints."""

    def __init__(self):
        super().__init__()
        self.names: List[str] = []
        self.called: List[str] = []

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Name):
            self.called.append(func.value)
        if isinstance(func, cst.Attribute) and func.attr.value == "register_blueprint" and node.args:
            value = node.args[0].value
            if isinstance(value, cst.Name):
                self.names.append(value.value)
            elif isinstance(value, cst.Attribute) and isinstance(value.value, cst.Name):
                self.names.append(f"{value.value.value}.{value.attr.value}")


def imported_from(module_file: str, module: cst.Module, name: str, collector: Collector):
    """(module file, name there) of a project module that ``name`` is imported from, relative imports too."""
    first, _, attribute = name.partition(".")
    finder = _ImportFroms()
    module.visit(finder)  # imports inside an app factory count: they avoid circular imports
    for small in finder.found:
        if not isinstance(small.names, cst.ImportStar):
            for alias in small.names:
                local = alias.asname.name.value if alias.asname is not None and isinstance(alias.asname.name, cst.Name) else None
                imported = alias.name.value if isinstance(alias.name, cst.Name) else None
                if imported is None or (local or imported) != first:
                    continue
                base = os.path.dirname(module_file)
                for _ in range(max(len(small.relative) - 1, 0)):
                    base = os.path.dirname(base)
                if not small.relative:
                    base = import_root_of(module_file)
                package = _dotted(small.module)
                parts = package.split(".") if package else []
                # "from pkg import views" then "views.bp": the module is pkg/views.py
                targets = [(parts + [imported], attribute)] if attribute else [(parts, imported), (parts + [imported], "")]
                for module_parts, there in targets:
                    for candidate in module_candidates(base, module_parts) if module_parts else []:
                        if os.path.isfile(candidate) and inside(candidate, collector.root) and there:
                            return candidate, there
    return None


class _ImportFroms(cst.CSTVisitor):
    def __init__(self):
        super().__init__()
        self.found: List[cst.ImportFrom] = []

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self.found.append(node)


def _dotted(node) -> str:
    if node is None:
        return ""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _routes_in(path: str, names: Set[str], collector: Collector, source: str) -> int:
    data = read_bytes(path)
    module = None if isinstance(data, ParseFailure) else parse_python(data)
    if module is None:
        return 0
    collector.cover([path])
    return add_routes(path, module, ImportNames(module), list(module_level_call_assignments(module)), names, collector, source)


def blueprints_of(module_file: str, node: cst.CSTNode, collector: Collector, source: str) -> int:
    """Routes of the blueprints that ``node`` (a module or an app factory) registers, read in their modules.

    A factory's registrations may sit in a helper of the same module (``register_blueprints(app)``):
    the module-level functions the factory calls are read too, one call deep.
    """
    registrations = _Registrations()
    node.visit(registrations)
    module = node if isinstance(node, cst.Module) else None
    if module is None:
        data = read_bytes(module_file)
        module = None if isinstance(data, ParseFailure) else parse_python(data)
        if module is not None:
            helpers = {f.name.value: f for f in module_level_functions(module)}
            for name in dict.fromkeys(registrations.called):
                if name in helpers and helpers[name] is not node:
                    helpers[name].visit(registrations)
    found = 0
    for name in dict.fromkeys(registrations.names):
        target = imported_from(module_file, module, name, collector) if module is not None else None
        if target is not None:
            found += _routes_in(target[0], {target[1]}, collector, source)
    return found


def factory_blueprints(module_file: str, module: cst.Module, factory: str, collector: Collector, source: str) -> int:
    """``app = create_app()``: the blueprints registered in the factory (defined here or imported)."""
    function = next((f for f in module_level_functions(module) if f.name.value == factory), None)
    if function is not None:
        return blueprints_of(module_file, function, collector, source)
    target = imported_from(module_file, module, factory, collector)
    if target is None:
        return 0
    data = read_bytes(target[0])
    other = None if isinstance(data, ParseFailure) else parse_python(data)
    function = next((f for f in module_level_functions(other) if f.name.value == target[1]), None) if other is not None else None
    if function is None:
        return 0
    collector.cover([target[0]])
    found = blueprints_of(target[0], function, collector, source)
    return found
