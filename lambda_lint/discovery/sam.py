"""AWS SAM and CloudFormation templates (YAML or JSON).

* ``AWS::Serverless::Function`` (source "sam"): ``Handler``, ``CodeUri`` (a local
  folder relative to the template; missing means the template's folder, as in
  ``sam build``) and ``Runtime``, each defaulting to ``Globals.Function``.
  ``PackageType: Image`` functions use ``ImageConfig.Command[0]`` and the
  Docker context from ``Metadata.DockerContext``/``Metadata.Dockerfile``.
* ``AWS::Lambda::Function`` (source "cloudformation"): ``Handler`` and ``Code``
  given as a local path (the form ``aws cloudformation package`` uploads).

Code on S3 (``s3://``, ``S3Bucket``/``S3Key``), inline code (``InlineCode``,
``ZipFile``) and images without a local Docker context have nothing local to
check and are skipped silently; non-Python runtimes too.

SnapStart is on when ``SnapStart: {ApplyOn: PublishedVersions}`` is on the
function or, for SAM, in ``Globals.Function`` (the function's own setting wins,
as SAM merges it). ``ApplyOn: None``, an intrinsic (``!Ref``, ``!If``) or a
missing setting is off; image functions cannot use SnapStart.
"""
from __future__ import annotations

import os
from typing import Dict, List, Optional

from . import docker, layers
from .common import Collector, EnvValue, first_line_containing, is_python_runtime, split_handler, yaml_candidates
from .yaml_lines import LineList, LineMap, mapping_at, type_name

MARKERS = (b"AWS::Serverless::Function", b"AWS::Lambda::Function", b"AWS::Serverless::LayerVersion", b"AWS::Lambda::LayerVersion")
LAYER_TYPES = {"AWS::Serverless::LayerVersion": "ContentUri", "AWS::Lambda::LayerVersion": "Content"}
FUNCTION_TYPES = {"AWS::Serverless::Function": "sam", "AWS::Lambda::Function": "cloudformation"}
GLOBAL_DEFAULTS = ("Handler", "CodeUri", "Runtime")


def scan(paths: List[str], collector: Collector, read) -> None:
    for path, text, documents in yaml_candidates(paths, collector, read, MARKERS):
        for document in documents:
            TemplateReader(path, text, document, collector).read()


class TemplateReader:
    def __init__(self, path: str, text: str, document, collector: Collector):
        self.path = path
        self.folder = os.path.dirname(path)
        self.text = text
        self.document = document
        self.collector = collector

    def warn(self, path, line, message, scope=None):
        self.collector.warn(path, line, message, scope)

    def read(self) -> None:
        if not isinstance(self.document, LineMap):
            if self.document is not None:
                self.warn(self.path, getattr(self.document, "line", 1), f"template should be a mapping, found {type_name(self.document)}; ignored")
            return
        resources = mapping_at(self.document, "Resources", self.path, self.warn, "Resources")
        if resources is None:
            return
        globals_function = None
        global_section = mapping_at(self.document, "Globals", self.path, self.warn, "Globals")
        if global_section is not None:
            globals_function = mapping_at(global_section, "Function", self.path, self.warn, "Globals.Function")
        for logical_id, resource in resources.items():
            if not isinstance(resource, LineMap):
                self.warn(self.path, resources.line_of(logical_id), f"resource {logical_id} should be a mapping, found {type_name(resource)}; ignored")
                continue
            resource_type = resource.get("Type")
            if resource_type in LAYER_TYPES:
                self.layer(resource, LAYER_TYPES[resource_type])
                continue
            source = FUNCTION_TYPES.get(resource_type) if isinstance(resource_type, str) else None
            if source is None:
                continue
            properties = mapping_at(resource, "Properties", self.path, self.warn, f"Properties of {logical_id}")
            if properties is None:
                if resource.get("Properties") is not None:
                    continue  # wrong type, already warned about
                properties = LineMap()
                properties.line = resources.line_of(logical_id)
            if source == "sam":
                self.serverless_function(logical_id, resource, properties, globals_function)
            else:
                self.lambda_function(logical_id, properties)

    # -- AWS::Serverless::Function -------------------------------------------
    def serverless_function(self, logical_id: str, resource: LineMap, properties: LineMap, globals_function: Optional[LineMap]) -> None:
        def setting(key):
            """The property and the mapping it was found in (the function's own, else Globals)."""
            if key in properties:
                return properties[key], properties
            if globals_function is not None and key in GLOBAL_DEFAULTS and key in globals_function:
                return globals_function[key], globals_function
            return None, None

        if properties.get("PackageType") == "Image":
            self.image_function(logical_id, resource, properties, globals_function)
            return
        runtime, _ = setting("Runtime")
        if not is_python_runtime(runtime) or "InlineCode" in properties:
            return
        handler, handler_owner = setting("Handler")
        code_uri, code_owner = setting("CodeUri")
        scope = os.path.normpath(os.path.join(self.folder, code_uri)) if isinstance(code_uri, str) else self.folder
        spec = self.handler_spec(logical_id, handler, handler_owner, properties, scope)
        if spec is None:
            return
        line = self.line_of(handler_owner, "Handler", spec)
        if code_uri is None:
            code_root = self.folder  # sam build packages the template's folder
        elif isinstance(code_uri, str):
            if code_uri.startswith("s3://"):
                return
            code_root = self.collector.local_folder(self.folder, code_uri, f"CodeUri of {logical_id}", self.path, code_owner.line_of("CodeUri"))
            if code_root is None:
                return
        elif isinstance(code_uri, LineMap) and ("Bucket" in code_uri or "Key" in code_uri):
            return  # code already on S3
        else:
            self.warn(self.path, code_owner.line_of("CodeUri"), f"CodeUri of {logical_id} is not a literal path; not analysed")
            return
        snapstart = snapstart_on(properties["SnapStart"]) if "SnapStart" in properties else (
            globals_function is not None and snapstart_on(globals_function.get("SnapStart")))
        self.collector.add_spec(spec, "sam", self.path, line, code_root, environment=self.environment_of(properties, globals_function),
                                layered=self.has_layers(properties, globals_function), snapstart=snapstart)

    def image_function(self, logical_id: str, resource: LineMap, properties: LineMap, globals_function: Optional[LineMap] = None) -> None:
        image_config = mapping_at(properties, "ImageConfig", self.path, self.warn, f"ImageConfig of {logical_id}")
        if image_config is None or "Command" not in image_config:
            return  # the Dockerfile's CMD names the handler; the docker reader finds it
        command = image_config["Command"]
        line = image_config.line_of("Command")
        if not isinstance(command, LineList) or not command or not isinstance(command[0], str):
            self.warn(self.path, line, f"ImageConfig.Command of {logical_id} should be a list of strings; not analysed")
            return
        spec = command[0]
        metadata = resource.get("Metadata")
        context = metadata.get("DockerContext") if isinstance(metadata, LineMap) else None
        if not isinstance(context, str):
            return  # no local image source to check
        context_dir = self.collector.local_folder(self.folder, context, f"DockerContext of {logical_id}", self.path, metadata.line_of("DockerContext"))
        if context_dir is None:
            return
        dockerfile = metadata.get("Dockerfile", "Dockerfile")
        dockerfile = dockerfile if isinstance(dockerfile, str) else "Dockerfile"
        split = split_handler(spec)
        module_parts = split[0] if split else []
        code_root = docker.task_root_for(os.path.join(context_dir, dockerfile), context_dir, module_parts)
        self.collector.add_spec(spec, "sam", self.path, line, code_root, environment=self.environment_of(properties, globals_function))

    # -- AWS::Lambda::Function ------------------------------------------------
    def lambda_function(self, logical_id: str, properties: LineMap) -> None:
        if properties.get("PackageType") == "Image":
            return  # the image is built elsewhere; nothing local names its code
        if not is_python_runtime(properties.get("Runtime")):
            return
        code = properties.get("Code")
        if code is None:
            self.warn(self.path, properties.line, f"{logical_id} has no Code; not analysed")
            return
        if isinstance(code, LineMap):
            return  # S3Bucket/S3Key, ImageUri or inline ZipFile: nothing local to check
        if not isinstance(code, str):
            self.warn(self.path, properties.line_of("Code"), f"Code of {logical_id} should be a path or a mapping, found {type_name(code)}; not analysed")
            return
        if code.startswith("s3://"):
            return
        spec = self.handler_spec(logical_id, properties.get("Handler"), properties, properties)
        if spec is None:
            return
        code_root = self.collector.local_folder(self.folder, code, f"Code of {logical_id}", self.path, properties.line_of("Code"))
        if code_root is None:
            return
        self.collector.add_spec(spec, "cloudformation", self.path, self.line_of(properties, "Handler", spec), code_root,
                                environment=self.environment_of(properties, None), layered=self.has_layers(properties, None),
                                snapstart=snapstart_on(properties.get("SnapStart")))

    # -- layers ---------------------------------------------------------------
    def layer(self, resource: LineMap, key: str) -> None:
        """A layer built from a local folder: its ``python/`` (or the folder) is an import root."""
        properties = resource.get("Properties")
        content = properties.get(key) if isinstance(properties, LineMap) else None
        if isinstance(content, str) and "://" not in content and not content.endswith(".zip"):
            layers.layer_root(self.collector, os.path.normpath(os.path.join(self.folder, content)))

    # -- shared ---------------------------------------------------------------
    @staticmethod
    def environment_of(properties: LineMap, globals_function: Optional[LineMap]) -> Dict[str, EnvValue]:
        """``Environment.Variables`` of the function over those of ``Globals.Function`` (SAM merges the maps)."""
        found: Dict[str, EnvValue] = {}
        for owner in (globals_function, properties):
            environment = owner.get("Environment") if isinstance(owner, LineMap) else None
            variables = environment.get("Variables") if isinstance(environment, LineMap) else None
            if isinstance(variables, LineMap):
                for name, value in variables.items():
                    if isinstance(name, str):
                        found[name] = EnvValue(value, variables.line_of(name))
        return found

    @staticmethod
    def has_layers(properties: LineMap, globals_function: Optional[LineMap]) -> bool:
        return any(isinstance(owner, LineMap) and owner.get("Layers") for owner in (properties, globals_function))

    def handler_spec(self, logical_id: str, handler, owner: Optional[LineMap], properties: LineMap,
                     scope: Optional[str] = None) -> Optional[str]:
        if handler is None:
            self.warn(self.path, properties.line, f"{logical_id} has no Handler; not analysed", scope)
            return None
        if not isinstance(handler, str):
            self.warn(self.path, owner.line_of("Handler"), f"Handler of {logical_id} is not a literal string; not analysed", scope)
            return None
        return handler

    def line_of(self, owner: LineMap, key: str, value: str) -> int:
        line = owner.key_lines.get(key)
        if line is not None:
            return line
        # A JSON template read without lines: the first line quoting the value.
        return first_line_containing(self.text, f'"{value}"')


def snapstart_on(setting) -> bool:
    """``SnapStart: {ApplyOn: PublishedVersions}``; anything else (None, an intrinsic) is off."""
    if not isinstance(setting, dict):
        return False
    apply_on = setting.get("ApplyOn")
    return isinstance(apply_on, str) and apply_on.strip() == "PublishedVersions"
