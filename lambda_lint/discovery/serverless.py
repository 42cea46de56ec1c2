"""Serverless Framework services (``serverless.yml``, ``serverless.yaml``, ``serverless.json``).

Each ``functions.<name>.handler`` is a path from the service folder
(``src/handlers/ingest.run`` -> ``src/handlers/ingest.py``, function ``run``).
The code root is the service folder, or ``<service>/<module>`` when the
function sets ``module`` (serverless-python-requirements' per-function
packages). The runtime is the function's or ``provider.runtime``; a
non-Python one skips the function. ``${...}`` variables elsewhere in the file
are plain strings to YAML and do not matter; a handler built from one cannot
be resolved and gets a warning. Functions in external files
(``${file(...)}``) are not followed.
"""
from __future__ import annotations

import os
from typing import List

from .common import Collector, is_python_runtime, yaml_candidates
from .yaml_lines import LineList, LineMap, mapping_at, type_name

MARKERS = (b"handler",)
# Handler modules that serverless plugins generate when packaging.
PLUGIN_HANDLERS = frozenset({"wsgi_handler.handler", "wsgi.handler", "serverless_wsgi.handler"})


def scan(paths: List[str], collector: Collector, read) -> None:
    for path, _, documents in yaml_candidates(paths, collector, read, MARKERS):
        if documents and isinstance(documents[0], LineMap):
            read_service(path, documents[0], collector)
        elif documents and documents[0] is not None:
            collector.warn(path, 1, f"serverless configuration should be a mapping, found {type_name(documents[0])}; ignored")


def read_service(path: str, service: LineMap, collector: Collector) -> None:
    provider = mapping_at(service, "provider", path, collector.warn, "provider")
    provider_runtime = provider.get("runtime") if provider is not None else None
    provider_name = provider.get("name") if provider is not None else None
    if isinstance(provider_name, str) and provider_name.strip().lower() != "aws":
        return  # knative, azure, google...: not Lambda
    functions = service.get("functions")
    if functions is None:
        return
    if isinstance(functions, LineList):
        # An older form: a list of {name: config} mappings (or ${file(...)} includes).
        groups = functions
    else:
        groups = [functions]
    for group in groups:
        if isinstance(group, str):
            collector.warn(path, service.line_of("functions"), f"functions from '{group}' are defined elsewhere; not followed")
            continue
        if not isinstance(group, LineMap):
            collector.warn(path, service.line_of("functions"), f"functions should be a mapping, found {type_name(group)}; ignored")
            continue
        for name, config in group.items():
            read_function(path, name, config, group.line_of(name), provider_runtime, collector)


def read_function(path: str, name: str, config, line: int, provider_runtime, collector: Collector) -> None:
    if isinstance(config, str):
        collector.warn(path, line, f"function {name} is defined elsewhere ('{config}'); not followed")
        return
    if not isinstance(config, LineMap):
        collector.warn(path, line, f"function {name} should be a mapping, found {type_name(config)}; ignored")
        return
    if "image" in config:
        return  # a container image: its Dockerfile names the handler
    if not is_python_runtime(config.get("runtime", provider_runtime)):
        return
    handler = config.get("handler")
    if handler is None:
        collector.warn(path, line, f"function {name} has no handler; not analysed")
        return
    if handler in PLUGIN_HANDLERS:
        return  # written by a plugin at package time (serverless-wsgi), not in the tree
    handler_line = config.line_of("handler")
    if not isinstance(handler, str) or "${" in handler:
        collector.warn(path, handler_line, f"handler of function {name} is not a literal string; not analysed")
        return
    code_root = service_folder = os.path.dirname(path)
    module = config.get("module")
    if isinstance(module, str) and "${" not in module:
        code_root = collector.local_folder(service_folder, module, f"module of function {name}", path, config.line_of("module"))
        if code_root is None:
            return
    collector.add_spec(handler, "serverless", path, handler_line, code_root)
