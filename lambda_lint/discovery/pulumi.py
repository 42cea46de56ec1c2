"""Pulumi programs written in Python, read with libcst (never run).

``aws.lambda_.Function("name", handler="app.handler", code=<archive>, runtime=...)``
(``pulumi_aws.lambda_``; also the ``aws.lambda_.Function`` of ``import pulumi_aws as aws``)
names a handler. The code is a local archive:
``pulumi.FileArchive("./app")`` (a folder, or a zip standing for the folder of the same
name), or ``pulumi.AssetArchive({".": pulumi.FileArchive("./app")})`` /
``{"app.py": pulumi.FileAsset("./src/app.py")}``. Paths are relative to the Pulumi
project (the folder of ``Pulumi.yaml``, where ``pulumi up`` runs the program), or
to the program's folder when there is none. The environment
(``environment=aws.lambda_.FunctionEnvironmentArgs(variables={...})`` or
``environment={"variables": {...}}``) is read for the tracing wrappers, and
``layers=`` marks a function whose module may come from a layer.
SnapStart is on for ``snap_start=aws.lambda_.FunctionSnapStartArgs(apply_on="PublishedVersions")``
(or the same as a dict).
"""
from __future__ import annotations

import os
from typing import Dict, List, Optional, Set

import libcst as cst

from ..analysis.names import keyword_arg, positional_args
from .cdk import StackReader
from .common import Collector, EnvValue, nearest_marker_folder
from .pycode import all_calls, python_candidates

MARKERS = (b"pulumi_aws",)
FUNCTIONS = {"pulumi_aws.lambda_.Function", "pulumi_aws.lambda_.function.Function"}
FILE_ARCHIVE = {"pulumi.FileArchive", "pulumi.asset.FileArchive"}
ASSET_ARCHIVE = {"pulumi.AssetArchive", "pulumi.asset.AssetArchive"}
FILE_ASSET = {"pulumi.FileAsset", "pulumi.asset.FileAsset"}


def scan(paths: List[str], collector: Collector, read, pulumi_projects: Set[str]) -> None:
    for path, module, imports in python_candidates(paths, read, MARKERS):
        folder = os.path.dirname(path)
        project_dir = nearest_marker_folder(folder, collector.root, pulumi_projects) or folder
        ProgramReader(path, module, imports, project_dir, collector).read_program()


class ProgramReader(StackReader):
    ID_POSITION = 0  # Resource(name, ...)

    def read_program(self) -> None:
        for call in all_calls(self.module):
            if self.imports.refers_to(call.func, FUNCTIONS) is None:
                continue
            runtime = keyword_arg(call, "runtime")
            if runtime is not None:
                text = self.literal(runtime.value)
                if text is not None and not text.lower().startswith("python"):
                    continue
                qualified = self.imports.qualified(runtime.value) or ""
                if ".Runtime." in qualified and "PYTHON" not in qualified.upper():
                    continue
            self.pulumi_function(call)

    def pulumi_function(self, call: cst.Call) -> None:
        handler_arg = keyword_arg(call, "handler")
        code_arg = keyword_arg(call, "code")
        if handler_arg is None or code_arg is None:
            return  # an image, or code on S3
        line = self.line(handler_arg)
        spec = self.literal(handler_arg.value)
        if spec is None:
            self.collector.warn(self.path, line, f"handler of {self.named(call, 'Function')} is not a literal string; not analysed")
            return
        located = self.archive(self.resolve_name(code_arg.value))
        if located is None:
            self.collector.warn(self.path, line, f"code of {self.named(call, 'Function')} is not a local FileArchive/AssetArchive; not analysed")
            return
        folder, covered = located
        code_root = self.collector.local_folder(self.app_dir, folder, "archive path", self.path, line)
        if code_root is None:
            return
        if covered is not None:
            covered = os.path.normpath(os.path.join(self.app_dir, covered))
        self.collector.add_spec(spec, "pulumi", self.path, line, code_root, covered=[covered] if covered else None,
                                environment=self.pulumi_environment(call), layered=keyword_arg(call, "layers") is not None,
                                snapstart=self.pulumi_snapstart(call))

    def pulumi_snapstart(self, call: cst.Call) -> bool:
        """``snap_start=FunctionSnapStartArgs(apply_on="PublishedVersions")`` or ``{"apply_on": ...}``."""
        argument = keyword_arg(call, "snap_start")
        value = self.resolve_name(argument.value) if argument is not None else None
        apply_on = None
        if isinstance(value, cst.Call):
            found = keyword_arg(value, "apply_on")
            apply_on = found.value if found is not None else None
        elif isinstance(value, cst.Dict):
            apply_on = next((e.value for e in value.elements if isinstance(e, cst.DictElement)
                             and self.literal(e.key) in ("apply_on", "applyOn")), None)
        return apply_on is not None and self.literal(apply_on) == "PublishedVersions"

    def archive(self, expr: cst.BaseExpression):
        """(folder, single covered file or None) of a local archive expression."""
        if not isinstance(expr, cst.Call):
            return None
        args = positional_args(expr)
        if self.imports.refers_to(expr.func, FILE_ARCHIVE):
            path = self.path_value(args[0]) if args else None
            return (path, None) if path is not None else None
        if self.imports.refers_to(expr.func, ASSET_ARCHIVE) and args:
            assets = self.resolve_name(args[0])
            if not isinstance(assets, cst.Dict):
                return None
            for element in assets.elements:
                if not isinstance(element, cst.DictElement):
                    continue
                key = self.literal(element.key)
                value = self.resolve_name(element.value)
                if not isinstance(value, cst.Call) or key is None:
                    continue
                inner = positional_args(value)
                path = self.path_value(inner[0]) if inner else None
                if path is None:
                    continue
                if self.imports.refers_to(value.func, FILE_ARCHIVE) and key.strip("./") == "":
                    return path, None
                if self.imports.refers_to(value.func, FILE_ASSET) and "/" not in key.strip("./"):
                    return os.path.dirname(path) or ".", path
        return None

    def pulumi_environment(self, call: cst.Call) -> Dict[str, EnvValue]:
        argument = keyword_arg(call, "environment")
        value = self.resolve_name(argument.value) if argument is not None else None
        variables: Optional[cst.BaseExpression] = None
        if isinstance(value, cst.Call):
            found = keyword_arg(value, "variables")
            variables = found.value if found is not None else None
        elif isinstance(value, cst.Dict):
            for element in value.elements:
                if isinstance(element, cst.DictElement) and self.literal(element.key) == "variables":
                    variables = element.value
        found: Dict[str, EnvValue] = {}
        value = self.resolve_name(variables) if variables is not None else None
        if isinstance(value, cst.Dict):
            for element in value.elements:
                if isinstance(element, cst.DictElement):
                    name = self.literal(element.key)
                    if name is not None:
                        found[name] = EnvValue(self.literal(element.value), self.line(element))
        return found
