"""Serverless Framework services (``serverless.yml``, ``serverless.yaml``, ``serverless.json``).

Each ``functions.<name>.handler`` is a path from the service folder
(``src/handlers/ingest.run`` -> ``src/handlers/ingest.py``, function ``run``).
The code root is the service folder, or ``<service>/<module>`` when the
function sets ``module`` (serverless-python-requirements' per-function
packages). The runtime is the function's or ``provider.runtime``; a
non-Python one skips the function.

Also read:

* container images: ``image: {name, command: ["module.func"]}``, the code
  being the Docker context of ``provider.ecr.images.<name>.path``;
* serverless-lift constructs: ``constructs.<c>.worker.handler`` (queues) and
  ``constructs.<c>.handler``;
* serverless-wsgi: ``custom.wsgi.app: app.app`` makes the routes of that Flask
  app the warm path of the functions whose handler is ``wsgi_handler.handler``;
* variables that resolve inside the service's own files: ``${self:custom...}``,
  ``${self:provider...}`` (any ``${self:...}`` path), ``${file(x.yml)}`` and
  ``${file(x.yml):key}`` includes, and fallbacks to a literal
  (``${opt:stage, 'dev'}``). Anything else (``${env:...}``, ``${ssm:...}``,
  CloudFormation outputs) cannot be known here: a handler built from it gets a
  warning, no handler;
* environment variables (``provider.environment`` and the function's), for
  the tracing wrappers (:mod:`.wrappers`), and layers (``layers`` of the
  function or the provider: a missing module may come from one);
* SnapStart: ``functions.<name>.snapStart: true`` (a variable that does not
  resolve here is off).
"""
from __future__ import annotations

import os
import re
from typing import Dict, List, Optional

from . import django, docker, layers
from .common import Collector, EnvValue, inside, is_python_runtime, module_candidates, split_handler, yaml_candidates
from .yaml_lines import LineList, LineMap, LoadError, load_documents, type_name

MARKERS = (b"handler", b"functions", b"constructs")
# Handler modules that serverless plugins generate when packaging.
PLUGIN_HANDLERS = frozenset({"wsgi_handler.handler", "wsgi.handler", "serverless_wsgi.handler"})
MAX_DEPTH = 10  # variables resolving to variables, files including files

_INNERMOST = re.compile(r"\$\{([^${}]*)\}")
_FILE = re.compile(r"^file\((.+?)\)(?::(.+))?$")
_QUOTED = re.compile(r"""^\s*(?:'([^']*)'|"([^"]*)")\s*$""")


def scan(paths: List[str], collector: Collector, read) -> None:
    for path, _, documents in yaml_candidates(paths, collector, read, MARKERS):
        if documents and isinstance(documents[0], LineMap):
            Service(path, documents[0], collector).read()
        elif documents and documents[0] is not None:
            collector.warn(path, 1, f"serverless configuration should be a mapping, found {type_name(documents[0])}; ignored")


def _tag(value, path: str, depth: int = 0):
    """Remember on every mapping and list which file it was read from (included files)."""
    if depth > 50:
        return value
    if isinstance(value, LineMap):
        value.path = path
        for item in value.values():
            _tag(item, path, depth + 1)
    elif isinstance(value, LineList):
        value.path = path
        for item in value:
            _tag(item, path, depth + 1)
    return value


class Unresolved(Exception):
    pass


class Service:
    def __init__(self, path: str, document: LineMap, collector: Collector):
        self.path = path
        self.folder = os.path.dirname(path)
        self.document = _tag(document, path)
        self.collector = collector
        self._files: Dict[str, object] = {}

    # -- variables --------------------------------------------------------------
    def resolve(self, value, depth: int = 0):
        """``value`` with the variables that resolve inside the service's files replaced.

        Raises Unresolved when a variable cannot be known here.
        """
        if not isinstance(value, str) or "${" not in value:
            return value
        if depth > MAX_DEPTH:
            raise Unresolved(value)
        whole = re.fullmatch(r"\$\{([^${}]*)\}", value.strip())
        if whole:
            return self.resolve(self.variable(whole.group(1), depth), depth + 1)
        text = value
        for _ in range(MAX_DEPTH * 4):
            match = _INNERMOST.search(text)
            if match is None:
                return text
            replacement = self.resolve(self.variable(match.group(1), depth), depth + 1)
            if not isinstance(replacement, (str, int, float)) or isinstance(replacement, bool):
                raise Unresolved(value)
            text = text[: match.start()] + str(replacement) + text[match.end():]
        raise Unresolved(value)

    def variable(self, body: str, depth: int):
        """The value of ``${body}``: the first alternative (``a, b``) that resolves."""
        for alternative in _split_alternatives(body):
            quoted = _QUOTED.match(alternative)
            if quoted:
                return quoted.group(1) if quoted.group(1) is not None else quoted.group(2)
            alternative = alternative.strip()
            try:
                if alternative.startswith("self:"):
                    return self.lookup(self.document, alternative[len("self:"):], depth)
                match = _FILE.match(alternative)
                if match:
                    return self.include(match.group(1), match.group(2), depth)
            except Unresolved:
                continue
        raise Unresolved(body)

    def lookup(self, base, dotted: str, depth: int):
        value = base
        for part in [p for p in dotted.strip().split(".") if p]:
            value = self.resolve(value, depth + 1)
            if isinstance(value, dict) and part in value:
                value = value[part]
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                raise Unresolved(dotted)
        return value

    def include(self, relative: str, key: Optional[str], depth: int):
        relative = self.resolve(relative.strip().strip("'\""), depth + 1)
        if not isinstance(relative, str):
            raise Unresolved(relative)
        target = os.path.normpath(os.path.join(self.folder, relative))
        if not inside(target, self.collector.root) or not os.path.isfile(target):
            raise Unresolved(relative)
        if target not in self._files:
            self._files[target] = None
            text = self.collector.read_text(target)
            if text is not None:
                try:
                    documents = load_documents(target, text)
                except LoadError as exc:
                    self.collector.warn(target, exc.line, exc.message)
                    documents = []
                if documents:
                    self._files[target] = _tag(documents[0], target)
        document = self._files[target]
        if document is None:
            raise Unresolved(relative)
        return self.lookup(document, key, depth) if key else document

    def resolved(self, owner, key: str, what: str):
        """``owner[key]`` resolved; None after a warning when it cannot be."""
        try:
            return self.resolve(owner.get(key))
        except Unresolved:
            self.collector.warn(getattr(owner, "path", self.path), owner.line_of(key), f"{what} is not a literal string; not analysed",
                                self.folder)
            return None

    # -- the service --------------------------------------------------------------
    def read(self) -> None:
        service = self.document
        provider = self.mapping(service, "provider", "provider")
        provider = provider if provider is not None else LineMap()
        provider_name = self.quiet(provider.get("name"))
        if isinstance(provider_name, str) and provider_name.strip().lower() != "aws":
            self.other_platform()  # knative, azure, google...: not Lambda
            return
        self.provider = provider
        self.provider_runtime = self.quiet(provider.get("runtime"))
        self.provider_environment = self.environment(provider)
        self.provider_layers = bool(provider.get("layers"))
        self.wsgi_app = None
        custom = self.mapping(service, "custom", "custom")
        wsgi = self.mapping(custom, "wsgi", "custom.wsgi") if custom is not None else None
        if wsgi is not None and "app" in wsgi:
            self.wsgi_app = (self.quiet(wsgi.get("app")), wsgi)
        self.wsgi_read = False
        functions = service.get("functions")
        if functions is not None:
            try:
                functions = self.resolve(functions)
            except Unresolved:
                self.collector.warn(self.path, service.line_of("functions"), f"functions from '{functions}' cannot be resolved here; not followed")
                functions = None
        groups = functions if isinstance(functions, list) else ([functions] if functions is not None else [])
        for group in groups:
            try:
                group = self.resolve(group)
            except Unresolved:
                self.collector.warn(self.path, service.line_of("functions"), f"functions from '{group}' cannot be resolved here; not followed")
                continue
            if not isinstance(group, LineMap):
                self.collector.warn(self.path, service.line_of("functions"), f"functions should be a mapping, found {type_name(group)}; ignored")
                continue
            for name, config in group.items():
                self.function(str(name), config, group)
        for layer in (self.mapping(service, "layers", "layers") or {}).values():
            path = self.quiet(layer.get("path")) if isinstance(layer, LineMap) else None
            if isinstance(path, str):
                layers.layer_root(self.collector, os.path.normpath(os.path.join(self.folder, path)))
        constructs = self.mapping(service, "constructs", "constructs")
        for name, construct in (constructs or {}).items():
            self.construct(str(name), construct, constructs)

    def other_platform(self) -> None:
        """A service for another platform: its handler modules are not Lambda code, so the naming
        convention must not take their ``(event, context)`` functions for Lambda handlers."""
        functions = self.quiet(self.document.get("functions"))
        for config in (functions.values() if isinstance(functions, LineMap) else ()):
            handler = self.quiet(config.get("handler")) if isinstance(config, LineMap) else None
            split = split_handler(handler) if isinstance(handler, str) else None
            if split is not None:
                self.collector.cover(c for c in module_candidates(self.folder, split[0]) if inside(c, self.collector.root))

    def quiet(self, value):
        try:
            return self.resolve(value)
        except Unresolved:
            return None

    def mapping(self, parent, key: str, what: str) -> Optional[LineMap]:
        if parent is None or key not in parent:
            return None
        value = self.quiet(parent.get(key))
        if value is None:
            return None
        if isinstance(value, LineMap):
            return value
        self.collector.warn(getattr(parent, "path", self.path), parent.line_of(key), f"{what} should be a mapping, found {type_name(value)}; ignored")
        return None

    def environment(self, owner) -> Dict[str, EnvValue]:
        found: Dict[str, EnvValue] = {}
        variables = self.quiet(owner.get("environment")) if isinstance(owner, LineMap) else None
        if isinstance(variables, LineMap):
            for name, value in variables.items():
                try:
                    value = self.resolve(value)
                except Unresolved:
                    pass  # kept as written: a wrapper's variable built from it gets its own warning
                found[str(name)] = EnvValue(value, variables.line_of(name), getattr(variables, "path", self.path))
        return found

    # -- functions ------------------------------------------------------------------
    def function(self, name: str, config, group: LineMap) -> None:
        where = getattr(group, "path", self.path)
        line = group.line_of(name)
        try:
            config = self.resolve(config)
        except Unresolved:
            self.collector.warn(where, line, f"function {name} is defined elsewhere ('{config}'); not followed")
            return
        if not isinstance(config, LineMap):
            self.collector.warn(where, line, f"function {name} should be a mapping, found {type_name(config)}; ignored")
            return
        where = getattr(config, "path", where)
        if not is_python_runtime(self.quiet(config.get("runtime", self.provider_runtime))):
            return
        environment = dict(self.provider_environment)
        environment.update(self.environment(config))
        if "image" in config:
            self.image_function(name, config, where, environment)
            return
        if "handler" not in config:
            self.collector.warn(where, line, f"function {name} has no handler; not analysed")
            return
        handler = self.resolved(config, "handler", f"handler of function {name}")
        if handler is None:
            return
        handler_line = config.line_of("handler")
        if not isinstance(handler, str):
            self.collector.warn(where, handler_line, f"handler of function {name} is not a literal string; not analysed")
            return
        if handler.strip() in PLUGIN_HANDLERS:
            self.wsgi(name, where, handler_line)
            return  # the plugin writes this module at package time; the app is the code
        code_root = self.folder
        artifact = self.artifact(config)
        if artifact is not None:
            # A package built elsewhere (a script, CI): its source is the folder of the same name, if any.
            code_root = self.collector.local_folder(self.folder, artifact, f"package artifact of function {name}", where, handler_line)
            if code_root is None:
                return
        module = self.quiet(config.get("module"))
        if isinstance(module, str):
            code_root = self.collector.local_folder(self.folder, module, f"module of function {name}", where, config.line_of("module"))
            if code_root is None:
                return
        layered = self.provider_layers or bool(config.get("layers"))
        snapstart = self.quiet(config.get("snapStart"))  # a variable that resolves here counts; others are off
        snapstart = snapstart is True or (isinstance(snapstart, str) and snapstart.strip().lower() == "true")
        self.collector.add_spec(handler, "serverless", where, handler_line, code_root, environment=environment, layered=layered,
                                snapstart=snapstart)

    def artifact(self, config: LineMap) -> Optional[str]:
        """``package.artifact`` of the function, else of the service."""
        for owner in (config, self.document):
            package = self.quiet(owner.get("package"))
            artifact = self.quiet(package.get("artifact")) if isinstance(package, LineMap) else None
            if isinstance(artifact, str) and artifact.strip():
                return artifact.strip()
        return None

    def image_function(self, name: str, config: LineMap, where: str, environment: Dict[str, EnvValue]) -> None:
        image = self.quiet(config.get("image"))
        if not isinstance(image, LineMap):
            return  # a name or URI alone: the Dockerfile's CMD names the handler (docker reader)
        command = self.quiet(image.get("command"))
        if command is None:
            return
        line = image.line_of("command")
        if not isinstance(command, list) or not command or not isinstance(self.quiet(command[0]), str):
            self.collector.warn(where, line, f"image command of function {name} should be a list of strings; not analysed")
            return
        spec = self.quiet(command[0])
        images = self.mapping(self.mapping(self.provider, "ecr", "provider.ecr") or LineMap(), "images", "provider.ecr.images")
        image_name = self.quiet(image.get("name"))
        build = images.get(image_name) if images is not None and isinstance(image_name, str) else None
        context = self.quiet(build.get("path")) if isinstance(build, LineMap) else None
        if not isinstance(context, str):
            return  # an image built elsewhere (uri): no local code to check
        context_dir = self.collector.local_folder(self.folder, context, f"image path of function {name}", where, line)
        if context_dir is None:
            return
        dockerfile = self.quiet(build.get("file"))
        dockerfile = dockerfile if isinstance(dockerfile, str) else "Dockerfile"
        split = split_handler(spec)
        code_root = docker.task_root_for(os.path.join(context_dir, dockerfile), context_dir, split[0] if split else [])
        self.collector.add_spec(spec, "serverless", where, line, code_root, environment=environment)

    def construct(self, name: str, construct, constructs: LineMap) -> None:
        """serverless-lift: a queue's ``worker`` is a function; some constructs take a ``handler``."""
        construct = self.quiet(construct)
        if not isinstance(construct, LineMap):
            return
        worker = self.quiet(construct.get("worker"))
        if isinstance(worker, LineMap) and "handler" in worker:
            self.function(f"{name}.worker", worker, construct)
        elif isinstance(self.quiet(construct.get("handler")), str):
            self.function(name, construct, constructs)

    def wsgi(self, name: str, where: str, handler_line: int) -> None:
        """serverless-wsgi: the routes of ``custom.wsgi.app`` run on every invocation of this function."""
        if self.wsgi_read:
            return
        self.wsgi_read = True
        self.collector.cover([self.folder])  # the service folder is deployed; the plugin's module is the handler
        if self.wsgi_app is None:
            self.collector.warn(where, handler_line, f"function {name} uses serverless-wsgi, but custom.wsgi.app is not set; not analysed")
            return
        app, owner = self.wsgi_app
        line = owner.line_of("app")
        where = getattr(owner, "path", self.path)
        split = split_handler(app) if isinstance(app, str) else None
        if split is None:
            self.collector.warn(where, line, "custom.wsgi.app is not of the form module.app; not analysed")
            return
        module_file = next((c for c in module_candidates(self.folder, split[0]) if os.path.isfile(c)), None)
        if module_file is None or not inside(module_file, self.collector.root):
            self.collector.warn(where, line, f"custom.wsgi.app '{app}' names a module that is not in the project; not analysed")
            return
        from . import asgi

        if asgi.routes_of_app(module_file, split[1], self.collector, "wsgi"):
            return
        settings = django.settings_of_wsgi(self.folder, ".".join(split[0]), self.collector.root)
        if settings is None or not django.views(self.folder, settings, self.collector, "wsgi"):
            self.collector.warn(where, line, f"no routes of '{app}' were found (an app factory, Django or routes registered "
                                "elsewhere); declare its entry points in [tool.lambda-lint] handlers")


def _split_alternatives(body: str) -> List[str]:
    """``opt:stage, 'dev'`` -> ["opt:stage", " 'dev'"] (commas inside quotes or parentheses kept)."""
    parts, depth, quote, start = [], 0, None, 0
    for index, char in enumerate(body):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(body[start:index])
            start = index + 1
    parts.append(body[start:])
    return parts
