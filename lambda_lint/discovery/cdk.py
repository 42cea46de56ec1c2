"""AWS CDK apps written in Python, read with libcst (the app is never run).

Recognised constructs (through whatever names the imports give them):

* ``aws_lambda.Function`` / ``SingletonFunction`` with ``handler="mod.func"`` and
  ``code=aws_lambda.Code.from_asset(<path>)`` (also ``Code.asset``, ``AssetCode``);
* ``aws_lambda_python_alpha.PythonFunction`` (or CDK v1's ``aws_lambda_python``)
  with ``entry="dir"``, ``index`` (default ``index.py``) and ``handler``
  (default ``handler``).

Asset paths are evaluated when they are built from literals: strings,
``__file__``, ``os.path.join/dirname/abspath``, ``pathlib.Path(...)``, ``/``,
``.parent``, ``.resolve()``, and names assigned once in the module. A relative
path is relative to the CDK app folder (the folder of ``cdk.json``, where
``cdk synth`` runs), or to the file's own folder when there is no ``cdk.json``.
Non-Python runtimes (``Runtime.NODEJS_20_X``...) are skipped, as are inline,
S3 and image code. SnapStart is on for
``snap_start=aws_lambda.SnapStartConf.ON_PUBLISHED_VERSIONS`` (also through a
name assigned once).
"""
from __future__ import annotations

import os
from typing import Dict, List, Optional, Set

import libcst as cst

from ..analysis.model import FastVisitor

from ..analysis.names import keyword_arg, positional_args, string_value
from ..analysis.positions import Positions
from . import layers
from .common import Collector, EnvValue, inside, is_python_runtime, module_candidates, nearest_marker_folder, split_handler
from .pycode import ImportNames, python_candidates, all_calls

MARKERS = (b"aws_cdk",)
LAMBDA = "aws_cdk.aws_lambda"
FUNCTION_CLASSES = {f"{LAMBDA}.Function", f"{LAMBDA}.SingletonFunction"}
PYTHON_FUNCTION_CLASSES = {"aws_cdk.aws_lambda_python_alpha.PythonFunction", "aws_cdk.aws_lambda_python.PythonFunction"}
LAYER_CLASSES = {f"{LAMBDA}.LayerVersion", "aws_cdk.aws_lambda_python_alpha.PythonLayerVersion", "aws_cdk.aws_lambda_python.PythonLayerVersion"}
SNAPSTART_ON = f"{LAMBDA}.SnapStartConf.ON_PUBLISHED_VERSIONS"
ASSET_CODE = {f"{LAMBDA}.Code.from_asset", f"{LAMBDA}.Code.asset", f"{LAMBDA}.AssetCode", f"{LAMBDA}.AssetCode.from_asset"}

JOIN = {"os.path.join", "posixpath.join"}
DIRNAME = {"os.path.dirname", "posixpath.dirname"}
ABSOLUTE = {"os.path.abspath", "os.path.realpath", "os.path.normpath"}
PATH_CLASSES = {"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath"}
CWD = {"os.getcwd", "pathlib.Path.cwd"}
MAX_NAME_DEPTH = 10  # names defined through names: stop following after this many


def scan(paths: List[str], collector: Collector, read, cdk_apps: Set[str]) -> None:
    for path, module, imports in python_candidates(paths, read, MARKERS):
        if not any(v.startswith("aws_cdk") for v in imports.aliases.values()) and not any(m.startswith("aws_cdk") for m in imports.star_modules):
            continue
        folder = os.path.dirname(path)
        app_dir = nearest_marker_folder(folder, collector.root, cdk_apps) or folder
        StackReader(path, module, imports, app_dir, collector).read()


class SingleAssignments(FastVisitor):
    """Names assigned exactly once in the module (any scope): their value can stand for them."""

    def __init__(self, module: cst.Module):
        super().__init__()
        self.values: Dict[str, cst.BaseExpression] = {}
        self._seen: Dict[str, int] = {}
        module.visit(self)
        self.values = {name: value for name, value in self.values.items() if self._seen[name] == 1}

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                name = target.target.value
                self._seen[name] = self._seen.get(name, 0) + 1
                self.values[name] = node.value

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name) and node.value is not None:
            name = node.target.value
            self._seen[name] = self._seen.get(name, 0) + 1
            self.values[name] = node.value


class StackReader:
    def __init__(self, path: str, module: cst.Module, imports: ImportNames, app_dir: str, collector: Collector):
        self.path = path
        self.module = module
        self.imports = imports
        self.app_dir = app_dir
        self.collector = collector
        self.positions = Positions(module)
        self.names = SingleAssignments(module).values

    def read(self) -> None:
        for call in all_calls(self.module):
            kind = self.imports.refers_to(call.func, FUNCTION_CLASSES | PYTHON_FUNCTION_CLASSES | LAYER_CLASSES)
            if kind is None:
                continue
            if kind in LAYER_CLASSES:
                self.layer(call, kind)
                continue
            runtime = keyword_arg(call, "runtime")
            if runtime is not None and not self.is_python(runtime.value):
                continue
            if kind in FUNCTION_CLASSES:
                self.function(call)
            else:
                self.python_function(call)

    def line(self, node: cst.CSTNode) -> int:
        return self.positions.line_of(node)

    ID_POSITION = 1  # Construct(scope, id, ...)

    def named(self, call: cst.Call, kind: str) -> str:
        """``Function 'Worker'`` from the construct's id when it is a literal, else ``this Function``."""
        args = positional_args(call)
        name = self.literal(args[self.ID_POSITION]) if len(args) > self.ID_POSITION else None
        if name:
            return f"{kind} '{name}'"
        handler = keyword_arg(call, "handler")
        index = keyword_arg(call, "index")
        spec = self.literal(handler.value) if handler is not None else None
        if spec and index is not None and self.literal(index.value):
            spec = f"{self.literal(index.value).rsplit('.py', 1)[0]}.{spec}"
        return f"the {kind} with handler '{spec}'" if spec else f"this {kind}"

    # -- aws_lambda.Function ----------------------------------------------------
    def function(self, call: cst.Call) -> None:
        handler_arg = keyword_arg(call, "handler")
        code_arg = keyword_arg(call, "code")
        if handler_arg is None or code_arg is None:
            return  # passed through **kwargs: nothing literal to read
        line = self.line(handler_arg)
        code = self.resolve_name(code_arg.value)
        if not isinstance(code, cst.Call):
            self.collector.warn(self.path, line, f"code of {self.named(call, 'Function')} is not Code.from_asset(<path>); not analysed")
            return
        if self.imports.refers_to(code.func, ASSET_CODE) is None:
            qualified = self.imports.qualified(code.func) or ""
            if not qualified.startswith(LAMBDA + "."):
                self.collector.warn(self.path, line, f"code of {self.named(call, 'Function')} is not Code.from_asset(<path>); not analysed")
            return  # inline, S3 or image code: nothing local to check
        path_expr = keyword_arg(code, "path")
        positional = positional_args(code)
        path_expr = path_expr.value if path_expr is not None else (positional[0] if positional else None)
        spec = self.literal(handler_arg.value)
        if spec is None:
            self.collector.warn(self.path, line, f"handler of {self.named(call, 'Function')} is not a literal string; not analysed")
            return
        asset = self.path_value(path_expr) if path_expr is not None else None
        if asset is None:
            located = self._module_somewhere(spec)
            if located is not None:
                # The asset path is built from values we do not evaluate (constants of another module),
                # but the handler string names one module of the project: that file is the function.
                base, module_file = located
                self.collector.add_spec(spec, "cdk", self.path, line, base, covered=[module_file],
                                        environment=self.environment_of(call), layered=keyword_arg(call, "layers") is not None,
                                        snapstart=self.snapstart(call))
                return
            self.collector.warn(self.path, line, f"asset path of {self.named(call, 'Function')} cannot be evaluated; not analysed")
            return
        code_root = self._asset_folder(asset, spec, line)
        if code_root is not None:
            self.collector.add_spec(spec, "cdk", self.path, line, code_root, environment=self.environment_of(call),
                                    layered=keyword_arg(call, "layers") is not None, snapstart=self.snapstart(call))

    def _module_somewhere(self, spec: str):
        """(base, module file) when the handler's module exists under exactly one of the app folder and
        the folders above the stack file (inside the checked tree)."""
        split = split_handler(spec)
        if split is None or len(split[0]) < 2:
            return None  # "index.handler" could be anywhere: too weak to pick a file
        found = {}
        for base in [self.app_dir] + self._parents():
            for candidate in module_candidates(base, split[0]):
                if os.path.isfile(candidate) and inside(candidate, self.collector.root):
                    found.setdefault(candidate, base)
        if len(found) != 1:
            return None
        module_file, base = next(iter(found.items()))
        return base, module_file

    def _parents(self) -> List[str]:
        parents = []
        folder = os.path.dirname(self.path)
        while inside(folder, self.collector.root):
            parents.append(folder)
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
        return parents

    def _asset_folder(self, asset: str, spec: str, line: int) -> Optional[str]:
        """Asset paths are relative to where ``cdk synth`` runs, which is not always the folder of
        cdk.json that we found: prefer a folder (app folder, then the stack file's folders upwards)
        where the handler's module exists."""
        split = split_handler(spec)
        bases = [self.app_dir]
        folder = os.path.dirname(self.path)
        while inside(folder, self.collector.root):
            if folder not in bases:
                bases.append(folder)
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
        if split is not None:
            for base in bases:
                candidate = os.path.normpath(os.path.join(base, asset))
                if inside(candidate, self.collector.root) and any(
                    os.path.isfile(p) for p in module_candidates(candidate, split[0])
                ):
                    return candidate
        return self.collector.local_folder(self.app_dir, asset, "asset path", self.path, line)

    def layer(self, call: cst.Call, kind: str) -> None:
        """``LayerVersion(code=Code.from_asset(p))`` / ``PythonLayerVersion(entry=p)``: an import root."""
        if kind == f"{LAMBDA}.LayerVersion":
            code = keyword_arg(call, "code")
            code = self.resolve_name(code.value) if code is not None else None
            if not isinstance(code, cst.Call) or self.imports.refers_to(code.func, ASSET_CODE) is None:
                return
            argument = keyword_arg(code, "path")
            positional = positional_args(code)
            path_expr = argument.value if argument is not None else (positional[0] if positional else None)
        else:
            entry = keyword_arg(call, "entry")
            path_expr = entry.value if entry is not None else None
        path = self.path_value(path_expr) if path_expr is not None else None
        if path is not None and not path.endswith(".zip"):
            layers.layer_root(self.collector, os.path.normpath(os.path.join(self.app_dir, path)))

    # -- PythonFunction ---------------------------------------------------------
    def python_function(self, call: cst.Call) -> None:
        entry_arg = keyword_arg(call, "entry")
        if entry_arg is None:
            return
        index_arg = keyword_arg(call, "index")
        handler_arg = keyword_arg(call, "handler")
        line = self.line(handler_arg or index_arg or entry_arg)
        index = self.literal(index_arg.value) if index_arg is not None else "index.py"
        function = self.literal(handler_arg.value) if handler_arg is not None else "handler"
        if index is None or function is None:
            self.collector.warn(self.path, line, f"index or handler of {self.named(call, 'PythonFunction')} is not a literal string; not analysed")
            return
        entry = self.path_value(entry_arg.value)
        if entry is None:
            self.collector.warn(self.path, line, f"entry of {self.named(call, 'PythonFunction')} cannot be evaluated; not analysed")
            return
        code_root = self.collector.local_folder(self.app_dir, entry, "entry", self.path, line)
        if code_root is None:
            return
        module = index[: -len(".py")] if index.endswith(".py") else index
        self.collector.add_spec(f"{module}.{function}", "cdk", self.path, line, code_root, environment=self.environment_of(call),
                                layered=keyword_arg(call, "layers") is not None, snapstart=self.snapstart(call))

    def snapstart(self, call: cst.Call) -> bool:
        argument = keyword_arg(call, "snap_start")
        if argument is None:
            return False
        return self.imports.refers_to(self.resolve_name(argument.value), {SNAPSTART_ON}) is not None

    def environment_of(self, call: cst.Call) -> Dict[str, EnvValue]:
        """``environment={"NAME": "value", ...}`` (a dict literal, or a name bound once to one)."""
        argument = keyword_arg(call, "environment")
        value = self.resolve_name(argument.value) if argument is not None else None
        found: Dict[str, EnvValue] = {}
        if isinstance(value, cst.Call) and self.imports.qualified(value.func) == "dict":
            for arg in value.args:
                if arg.keyword is not None:
                    found[arg.keyword.value] = EnvValue(self.literal(arg.value), self.line(arg))
        elif isinstance(value, cst.Dict):
            for element in value.elements:
                if isinstance(element, cst.DictElement):
                    name = self.literal(element.key)
                    if name is not None:
                        found[name] = EnvValue(self.literal(element.value), self.line(element))
        return found

    # -- values -------------------------------------------------------------------
    def is_python(self, expr: cst.BaseExpression) -> bool:
        qualified = self.imports.qualified(expr) or ""
        if qualified.startswith(f"{LAMBDA}.Runtime."):
            return qualified.rsplit(".", 1)[1].upper().startswith("PYTHON")
        if isinstance(expr, cst.Call) and self.imports.refers_to(expr.func, {f"{LAMBDA}.Runtime"}):
            args = positional_args(expr)
            return is_python_runtime(self.literal(args[0]) if args else None)
        return True  # a variable or something else we cannot read: keep the function

    def resolve_name(self, expr: cst.BaseExpression, depth: int = 0) -> cst.BaseExpression:
        while isinstance(expr, cst.Name) and expr.value in self.names and depth < MAX_NAME_DEPTH:
            expr = self.names[expr.value]
            depth += 1
        return expr

    def literal(self, expr: cst.BaseExpression) -> Optional[str]:
        return string_value(self.resolve_name(expr))

    def path_value(self, expr: cst.BaseExpression, depth: int = 0) -> Optional[str]:
        """An asset path built from literals; relative paths stay relative (to the app folder)."""
        if depth > MAX_NAME_DEPTH:
            return None
        expr = self.resolve_name(expr)
        text = string_value(expr)
        if text is not None:
            return text
        if isinstance(expr, cst.Name) and expr.value == "__file__":
            return self.path
        if isinstance(expr, cst.Attribute) and expr.attr.value == "parent":
            inner = self.path_value(expr.value, depth + 1)
            return os.path.dirname(self.absolute(inner)) if inner is not None else None
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Divide):
            left, right = self.path_value(expr.left, depth + 1), self.path_value(expr.right, depth + 1)
            return os.path.join(left, right) if left is not None and right is not None else None
        if not isinstance(expr, cst.Call):
            return None
        name = self.imports.qualified(expr.func)
        args = [self.path_value(arg, depth + 1) for arg in positional_args(expr)]
        if any(arg is None for arg in args):
            return None
        if name in JOIN or name in PATH_CLASSES:
            return os.path.join(*args) if args else (self.app_dir if name in PATH_CLASSES else None)
        if name in DIRNAME and len(args) == 1:
            return os.path.dirname(args[0])
        if name in ABSOLUTE and len(args) == 1:
            return self.absolute(args[0])
        if name == "str" and len(args) == 1:
            return args[0]
        if name in CWD and not args:
            return self.app_dir
        if isinstance(expr.func, cst.Attribute):
            method = expr.func.attr.value
            receiver = self.path_value(expr.func.value, depth + 1)
            if receiver is None:
                return None
            if method in ("resolve", "absolute") and not args:
                return self.absolute(receiver)
            if method == "joinpath":
                return os.path.join(receiver, *args)
        return None

    def absolute(self, path: str) -> str:
        return os.path.normpath(os.path.join(self.app_dir, path))
