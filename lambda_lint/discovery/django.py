"""Django projects behind Zappa (``django_settings``) or serverless-wsgi (``app: x.wsgi.application``).

The WSGI handler dispatches every request to a view, so the view functions are
the warm path. They are found the way Django finds them, read from the text:
the settings module's ``ROOT_URLCONF`` (also through ``from .base import *``),
then ``urlpatterns`` (``path``/``re_path``/``url``), following
``include("app.urls")`` and the imports that name the views
(``from . import views`` + ``views.index``, ``from .views import index``).
Class-based views (``Results.as_view()``) and DRF viewsets registered on a
router (``router.register("users", views.UserViewSet)``) contribute the request
methods the class itself defines (``get``, ``post``, ``list``, ``create``...);
patterns built in loops and views built by calls are not followed.
"""
from __future__ import annotations

import os
import re
from typing import List, Optional, Set

import libcst as cst

from ..analysis.sources import ParseFailure, read_bytes
from .common import Collector, inside, module_candidates
from .pycode import module_level_functions, parse_python

ROOT_URLCONF = re.compile(rb"""^ROOT_URLCONF\s*=\s*['"]([\w.]+)['"]""", re.M)
STAR_IMPORT = re.compile(rb"""^from\s+(\.*)([\w.]*)\s+import\s+\*""", re.M)
SETTINGS_MODULE = re.compile(rb"""DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([\w.]+)['"]""")
PATTERN_FUNCTIONS = frozenset({"path", "re_path", "url"})
# Methods a class-based view or a DRF viewset dispatches a request to (those the class itself defines).
VIEW_METHODS = frozenset({
    "get", "post", "put", "patch", "delete", "head", "options", "dispatch",
    "list", "create", "retrieve", "update", "partial_update", "destroy",
    "get_queryset", "get_object", "perform_create", "perform_update", "perform_destroy", "get_context_data",
})
MAX_DEPTH = 8


def module_file(project: str, dotted: str, root: str) -> Optional[str]:
    found = next((c for c in module_candidates(project, dotted.split(".")) if os.path.isfile(c)), None)
    return found if found is not None and inside(found, root) else None


def settings_of_wsgi(project: str, wsgi_module: str, root: str) -> Optional[str]:
    """``mysite.wsgi`` -> the ``DJANGO_SETTINGS_MODULE`` it sets (``mysite.settings``)."""
    path = module_file(project, wsgi_module, root)
    data = read_bytes(path) if path else None
    match = SETTINGS_MODULE.search(data) if isinstance(data, bytes) else None
    return match.group(1).decode() if match else None


def root_urlconf(project: str, settings: str, root: str, depth: int = 0) -> Optional[str]:
    path = module_file(project, settings, root)
    data = read_bytes(path) if path else None
    if not isinstance(data, bytes) or depth > MAX_DEPTH:
        return None
    match = ROOT_URLCONF.search(data)
    if match:
        return match.group(1).decode()
    package = settings.rsplit(".", 1)[0] if os.path.basename(path) != "__init__.py" else settings
    for star in STAR_IMPORT.finditer(data):
        dots, name = star.group(1).decode(), star.group(2).decode()
        base = package
        for _ in range(max(len(dots) - 1, 0)):
            base = base.rsplit(".", 1)[0]
        target = (f"{base}.{name}" if name else base) if dots else name
        found = root_urlconf(project, target, root, depth + 1)
        if found:
            return found
    return None


def views(project: str, settings: str, collector: Collector, source: str) -> int:
    """Record the function views reachable from the settings' ROOT_URLCONF; how many."""
    urlconf = root_urlconf(project, settings, collector.root)
    if urlconf is None:
        return 0
    reader = UrlReader(project, collector, source)
    reader.read(urlconf)
    return reader.added


class UrlReader:
    def __init__(self, project: str, collector: Collector, source: str):
        self.project = project
        self.collector = collector
        self.source = source
        self.seen: Set[str] = set()
        self.added = 0

    def read(self, dotted: str, depth: int = 0) -> None:
        path = module_file(self.project, dotted, self.collector.root)
        if path is None or path in self.seen or depth > MAX_DEPTH:
            return
        self.seen.add(path)
        module = _parse(path)
        if module is None:
            return
        self.collector.cover([path])
        for call in _register_calls(module):  # DRF: router.register("users", views.UserViewSet)
            args = [a.value for a in call.args if a.keyword is None]
            if len(args) >= 2:
                self.view(path, module, args[1])
        for call in _pattern_calls(module):
            args = [a.value for a in call.args if a.keyword is None]
            if len(args) < 2:
                continue
            target = args[1]
            if isinstance(target, cst.Call) and isinstance(target.func, cst.Name) and target.func.value == "include":
                inner = [a.value for a in target.args if a.keyword is None]
                if inner and isinstance(inner[0], cst.SimpleString):
                    self.read(inner[0].evaluated_value, depth + 1)
                continue
            self.view(path, module, target)

    def view(self, urls_path: str, module: cst.Module, target: cst.BaseExpression) -> None:
        from .asgi import imported_from

        class_based = (isinstance(target, cst.Call) and isinstance(target.func, cst.Attribute)
                       and target.func.attr.value == "as_view")
        if class_based:
            target = target.func.value  # Results.as_view() -> Results
        if isinstance(target, cst.Name):
            local = {f.name.value for f in module_level_functions(module)}
            found = (urls_path, target.value) if target.value in local else imported_from(urls_path, module, target.value, self.collector)
        elif isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
            found = imported_from(urls_path, module, f"{target.value.value}.{target.attr.value}", self.collector)
        else:
            return  # a lambda, a router's urls, a view built by a call
        if found is None and isinstance(target, cst.Name):
            found = (urls_path, target.value)  # a class defined in the urls module itself
        if found is None:
            return
        path, name = found
        views_module = _parse(path)
        if views_module is None:
            return
        function = next((f for f in module_level_functions(views_module) if f.name.value == name), None)
        if function is not None:
            self.collector.add_function(path, name, self.source, _def_line(path, name), [path])
            self.added += 1
            return
        cls = next((c for c in views_module.body if isinstance(c, cst.ClassDef) and c.name.value == name), None)
        if cls is None:
            return
        for statement in cls.body.body:
            if isinstance(statement, cst.FunctionDef) and statement.name.value in VIEW_METHODS:
                self.collector.add_function(path, f"{name}.{statement.name.value}", self.source,
                                            _def_line(path, statement.name.value, indented=True, after=f"class {name}"), [path])
                self.added += 1


def _parse(path: str) -> Optional[cst.Module]:
    data = read_bytes(path)
    return None if isinstance(data, ParseFailure) else parse_python(data)


def _def_line(path: str, name: str, indented: bool = False, after: Optional[str] = None) -> int:
    data = read_bytes(path)
    if isinstance(data, bytes):
        start = 0
        if after is not None:
            anchor = re.search(rb"^" + re.escape(after.encode()) + rb"\b", data, re.M)
            start = anchor.end() if anchor else 0
        indent = rb"[ \t]+" if indented else b""
        match = re.compile(rb"^" + indent + rb"(?:async[ \t]+)?def[ \t]+" + re.escape(name.encode()) + rb"\b", re.M).search(data, start)
        if match:
            return data.count(b"\n", 0, match.start()) + 1
    return 1


class _Patterns(cst.CSTVisitor):
    def __init__(self):
        super().__init__()
        self.calls: List[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value in PATTERN_FUNCTIONS:
            self.calls.append(node)


class _Registers(cst.CSTVisitor):
    def __init__(self):
        super().__init__()
        self.calls: List[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "register":
            self.calls.append(node)


def _register_calls(module: cst.Module) -> List[cst.Call]:
    finder = _Registers()
    module.visit(finder)
    return finder.calls


def _pattern_calls(module: cst.Module) -> List[cst.Call]:
    finder = _Patterns()
    module.visit(finder)
    return finder.calls
