"""Zappa projects (``zappa_settings.json`` / ``.yml`` / ``.yaml``), read as data.

Each stage deploys the project folder (the settings file's folder) and names:

* ``app_function``: the WSGI app (``app.app``). Zappa's own handler calls it on
  every request, so the app's routes are the warm path (Flask routes, read
  like the ASGI adapters' apps; an app factory or Django gets a warning);
* ``events[].function``: functions Zappa calls with ``(event, context)``
  (schedules, S3/SNS/SQS events);
* ``lambda_handler``: a handler that replaces Zappa's.

Stages that ``extends`` another inherit its settings. The same declaration in
several stages is one handler.
"""
from __future__ import annotations

import os
from typing import List, Set

from . import django
from .common import Collector, inside, module_candidates, split_handler
from .yaml_lines import LineList, LineMap, LoadError, load_documents, load_yaml_documents, type_name

MARKERS = (b"app_function", b"function", b"lambda_handler", b"django_settings")


def scan(paths: List[str], collector: Collector, read) -> None:
    for path in paths:
        data = read(path, MARKERS)
        if data is None:
            continue
        text = collector.read_text(path, data)
        if text is None:
            continue
        try:
            documents = load_documents(path, text)
        except LoadError as exc:
            # Hand-edited settings often have a trailing comma; YAML reads that, so the entry
            # points are still found, with the warning that the file is not valid JSON.
            try:
                documents = load_yaml_documents(text.replace("\t", " ")) if path.lower().endswith(".json") else None
            except LoadError:
                documents = None
            collector.warn(path, exc.line, exc.message + ("; read leniently" if documents else ""))
            if not documents:
                continue
        document = documents[0] if documents else None
        if not isinstance(document, LineMap):
            if document is not None:
                collector.warn(path, 1, f"Zappa settings should be a mapping of stages, found {type_name(document)}; ignored")
            continue
        read_settings(path, document, collector)


def read_settings(path: str, document: LineMap, collector: Collector) -> None:
    folder = os.path.dirname(path)
    seen: Set[str] = set()
    apps_read: Set[str] = set()
    for stage_name, stage in document.items():
        if not isinstance(stage, LineMap):
            collector.warn(path, document.line_of(stage_name), f"stage {stage_name} should be a mapping, found {type_name(stage)}; ignored")
            continue
        settings = stage.get("django_settings")
        if isinstance(settings, str) and "app_function" not in stage and settings not in apps_read:
            apps_read.add(settings)
            collector.cover([folder])  # Zappa deploys the project folder; its own handler is the entry point
            if not django.views(folder, settings, collector, "zappa"):
                collector.warn(path, stage.line_of("django_settings"), f"no Django views were found from '{settings}' "
                               "(class-based views, routers); declare them in [tool.lambda-lint] handlers")
        for key, value, line in settings_of(document, stage):
            if key == "app_function" and isinstance(value, str) and value not in apps_read:
                apps_read.add(value)
                app(path, folder, value, line, collector)
            elif key in ("function", "lambda_handler") and isinstance(value, str) and value not in seen:
                seen.add(value)
                collector.add_spec(value, "zappa", path, line, folder)


def settings_of(document: LineMap, stage: LineMap, depth: int = 0):
    """(key, value, line) of the stage's entry points, following ``extends``."""
    for key in ("app_function", "lambda_handler"):
        if key in stage:
            yield key, stage[key], stage.line_of(key)
    events = stage.get("events")
    if isinstance(events, LineList):
        for event in events:
            if isinstance(event, LineMap) and "function" in event:
                yield "function", event["function"], event.line_of("function")
    parent = stage.get("extends")
    if isinstance(parent, str) and isinstance(document.get(parent), LineMap) and depth < 10:
        yield from settings_of(document, document[parent], depth + 1)


def app(path: str, folder: str, spec: str, line: int, collector: Collector) -> None:
    collector.cover([folder])  # Zappa deploys the project folder; its own handler is the entry point
    split = split_handler(spec)
    if split is None:
        collector.warn(path, line, f"app_function '{spec}' is not of the form module.app; not analysed")
        return
    module_file = next((c for c in module_candidates(folder, split[0]) if os.path.isfile(c)), None)
    if module_file is None or not inside(module_file, collector.root):
        collector.warn(path, line, f"app_function '{spec}' names a module that is not in the project; not analysed")
        return
    from . import asgi

    if not asgi.routes_of_app(module_file, split[1], collector, "zappa"):
        collector.warn(path, line, f"no routes of '{spec}' were found (an app factory, or routes registered elsewhere); "
                       "declare its entry points in [tool.lambda-lint] handlers")
