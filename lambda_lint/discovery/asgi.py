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
from .pycode import ImportNames, decorator_method, module_level_call_assignments, module_level_functions, parse_python

MARKERS = (b"Mangum(", b"make_lambda_handler(")
ADAPTERS = {"mangum.Mangum", "mangum.adapter.Mangum", "apig_wsgi.make_lambda_handler"}
APPS = {"fastapi.FastAPI", "starlette.applications.Starlette", "flask.Flask", "quart.Quart"}
ROUTERS = {"fastapi.APIRouter", "fastapi.routing.APIRouter", "flask.Blueprint"}
ROUTE_DECORATORS = frozenset(
    {"get", "post", "put", "delete", "patch", "options", "head", "trace", "api_route", "route", "websocket", "websocket_route"}
)


def scan(paths: List[str], collector: Collector, read) -> None:
    for path in paths:
        data = read(path, MARKERS)
        if data is None:
            continue
        module = parse_python(data)
        if module is None:
            continue
        imports = ImportNames(module)
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
    targets = app_names | routers
    positions = Positions(module)
    added = 0
    for function in module_level_functions(module):
        for decorator in function.decorators:
            method = decorator_method(decorator)
            if method and method[0] in targets and method[1] in ROUTE_DECORATORS:
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
    found = add_routes(module_file, module, imports, list(module_level_call_assignments(module)), {app_name}, collector, source)
    if app_name in imports.aliases:
        found += follow_import(module_file, imports.aliases[app_name], collector, source)
    return found
