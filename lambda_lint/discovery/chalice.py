"""Chalice apps: the decorated functions of ``app = Chalice(app_name=...)``.

Chalice deploys every function under one of its registration decorators as a
Lambda handler (REST routes share one function whose dispatcher calls the
route; to the warm path that is the same as being the handler). Blueprints
(``bp = Blueprint(__name__)``, usually in ``chalicelib/``) register the same
way. ``@app.middleware`` functions run on every invocation, so they count too.

The code root is the Chalice project folder (the import root of the module);
the files Chalice deploys, ``app.py`` and ``chalicelib/``, are the covered files.
"""
from __future__ import annotations

import os
from typing import List

from ..analysis.positions import Positions
from .common import Collector, import_root_of
from .pycode import ImportNames, decorator_method, module_level_call_assignments, module_level_functions, parse_python

MARKERS = (b"Chalice(", b"Blueprint(")
APP_CLASSES = {"chalice.Chalice", "chalice.Blueprint", "chalice.app.Chalice", "chalice.app.Blueprint"}
HANDLER_DECORATORS = frozenset(
    {
        "route", "lambda_function", "on_s3_event", "on_sqs_message", "on_sns_message", "schedule",
        "on_cw_event", "on_dynamodb_record", "on_kinesis_record", "authorizer", "middleware",
    }
)


def is_handler_decorator(method: str) -> bool:
    return method in HANDLER_DECORATORS or method.startswith("websocket_")


def scan(paths: List[str], collector: Collector, read) -> None:
    for path in paths:
        data = read(path, MARKERS)
        if data is None or b"chalice" not in data:
            continue
        module = parse_python(data)
        if module is None:
            continue
        imports = ImportNames(module)
        apps = {name for name, call in module_level_call_assignments(module) if imports.refers_to(call.func, APP_CLASSES)}
        if not apps:
            continue
        positions = Positions(module)
        project = import_root_of(path)
        covered = [path, os.path.join(project, "chalicelib")]
        for function in module_level_functions(module):
            for decorator in function.decorators:
                method = decorator_method(decorator)
                if method and method[0] in apps and is_handler_decorator(method[1]):
                    collector.add_function(path, function.name.value, "chalice", positions.line_of(decorator), covered)
                    break
