"""AWS CDK apps written in TypeScript, read as text (no TypeScript parser).

Only ``.ts`` files inside a CDK app (a folder with ``cdk.json`` or below it)
are read. In each ``new <x>.Function(...)``/``new Function(...)`` (also
``SingletonFunction``) call, ``handler: 'mod.func'`` and
``code: <x>.Code.fromAsset(<path>)`` name the handler; in ``new PythonFunction(...)``,
``entry``, ``index`` (default ``index.py``) and ``handler`` (default ``handler``).
Paths are string literals, relative to the CDK app folder, or
``path.join(__dirname, ...)`` / ``path.resolve(__dirname, ...)`` with literal
parts. Calls with a non-Python ``runtime: ...Runtime.X`` are skipped.
SnapStart is on for ``snapStart: <x>.SnapStartConf.ON_PUBLISHED_VERSIONS``
(a conditional or a variable is off).
"""
from __future__ import annotations

import os
import re
from typing import Dict, List, Optional, Set

from .common import Collector, EnvValue, candidate_texts, line_of_offset, nearest_marker_folder

MARKERS = (b"Function(",)
CONSTRUCT = re.compile(r"\bnew\s+(?:[\w$]+\.)*(Function|SingletonFunction|PythonFunction)\s*(?:<[^>()]*>\s*)?\(")
STRING = r"""(?:'([^'\\\n]*)'|"([^"\\\n]*)"|`([^`\\$]*)`)"""
HANDLER = re.compile(r"\bhandler\s*:\s*" + STRING)
INDEX = re.compile(r"\bindex\s*:\s*" + STRING)
RUNTIME = re.compile(r"\bruntime\s*:\s*(?:[\w$]+\.)*Runtime\.(\w+)")
FROM_ASSET = re.compile(r"\bCode\.fromAsset\s*\(")
ENTRY = re.compile(r"\bentry\s*:\s*")
ENVIRONMENT = re.compile(r"\benvironment\s*:\s*\{")
VARIABLE = re.compile(r"""(?:^|[,{\s])(?:([A-Za-z_]\w*)|'([^'\\\n]*)'|"([^"\\\n]*)")\s*:\s*""")
LAYERS = re.compile(r"\blayers\s*:")
SNAPSTART = re.compile(r"\bsnapStart\s*:\s*(?:[\w$]+\.)*SnapStartConf\.ON_PUBLISHED_VERSIONS\b")


def environment_of(text: str, start: int, arguments: str) -> Dict[str, EnvValue]:
    """``environment: { NAME: 'value', ... }`` with literal string values."""
    found: Dict[str, EnvValue] = {}
    opening = ENVIRONMENT.search(arguments)
    if opening is None:
        return found
    body_start = opening.end()
    body = arguments[body_start: body_start - 1 + len(first_value(arguments, body_start - 1).rstrip())]
    body = body[:-1] if body.endswith("}") else body
    index = 0
    while index < len(body):
        match = VARIABLE.search(body, index)
        if match is None:
            break
        name = next(g for g in match.groups() if g is not None)
        value = first_value(body, match.end())
        literal = re.fullmatch(STRING, value.strip())
        found[name] = EnvValue(string_of(literal) if literal else None, line_of_offset(text, start + body_start + match.start(1 if match.group(1) else (2 if match.group(2) is not None else 3))))
        index = match.end() + max(len(value), 1)
    return found


def scan(paths: List[str], collector: Collector, read, cdk_apps: Set[str]) -> None:
    # TypeScript outside a CDK app is not infrastructure.
    app_dirs = {path: nearest_marker_folder(os.path.dirname(path), collector.root, cdk_apps) for path in paths}
    in_apps = [path for path in paths if app_dirs[path] is not None]
    for path, text in candidate_texts(in_apps, collector, read, MARKERS):
        app_dir = app_dirs[path]
        for match in CONSTRUCT.finditer(text):
            start = match.end()
            end = closing_paren(text, start)
            arguments = text[start:end]
            runtime = RUNTIME.search(arguments)
            if runtime and not runtime.group(1).upper().startswith("PYTHON"):
                continue
            if match.group(1) == "PythonFunction":
                python_function(path, text, start, arguments, app_dir, collector)
            else:
                function(path, text, start, arguments, app_dir, collector)


def function(path: str, text: str, start: int, arguments: str, app_dir: str, collector: Collector) -> None:
    handler = HANDLER.search(arguments)
    asset = FROM_ASSET.search(arguments)
    if handler is None or asset is None:
        return  # not a Lambda Function with local code (a CloudFront Function, inline code...)
    line = line_of_offset(text, start + handler.start())
    location = path_expression(first_value(arguments, asset.end()), os.path.dirname(path))
    if location is None:
        collector.warn(path, line, f"asset path of {construct_name(arguments, 'Function')} cannot be evaluated; not analysed")
        return
    code_root = collector.local_folder(app_dir, location, "asset path", path, line)
    if code_root is not None:
        collector.add_spec(string_of(handler), "cdk", path, line, code_root, environment=environment_of(text, start, arguments),
                           layered=LAYERS.search(arguments) is not None, snapstart=SNAPSTART.search(arguments) is not None)


def python_function(path: str, text: str, start: int, arguments: str, app_dir: str, collector: Collector) -> None:
    entry = ENTRY.search(arguments)
    if entry is None:
        return
    handler = HANDLER.search(arguments)
    index = INDEX.search(arguments)
    anchor = handler or index or entry
    line = line_of_offset(text, start + anchor.start())
    location = path_expression(first_value(arguments, entry.end()), os.path.dirname(path))
    if location is None:
        collector.warn(path, line, f"entry of {construct_name(arguments, 'PythonFunction')} cannot be evaluated; not analysed")
        return
    code_root = collector.local_folder(app_dir, location, "entry", path, line)
    if code_root is None:
        return
    index_file = string_of(index) if index else "index.py"
    module = index_file[: -len(".py")] if index_file.endswith(".py") else index_file
    function_name = string_of(handler) if handler else "handler"
    collector.add_spec(f"{module}.{function_name}", "cdk", path, line, code_root, environment=environment_of(text, start, arguments),
                       layered=LAYERS.search(arguments) is not None, snapstart=SNAPSTART.search(arguments) is not None)


def construct_name(arguments: str, kind: str) -> str:
    """``Function 'Api'`` from ``new Function(this, 'Api', {...})``, else ``this Function``."""
    parts = split_arguments(arguments)
    literal = re.fullmatch(STRING, parts[1]) if len(parts) > 1 else None
    return f"{kind} '{string_of(literal)}'" if literal else f"this {kind}"


def string_of(match: re.Match) -> str:
    return next(group for group in match.groups()[-3:] if group is not None)


def path_expression(expression: str, file_dir: str) -> Optional[str]:
    """A literal path, or path.join/resolve(__dirname, 'a', 'b'); None for anything else."""
    expression = expression.strip()
    literal = re.fullmatch(STRING, expression)
    if literal:
        return string_of(literal)
    call = re.fullmatch(r"(?:path\.)?(?:join|resolve)\s*\((.*)\)", expression, re.S)
    if call is None:
        return None
    parts = []
    for argument in split_arguments(call.group(1)):
        if argument == "__dirname":
            parts.append(file_dir)
            continue
        literal = re.fullmatch(STRING, argument)
        if literal is None:
            return None
        parts.append(string_of(literal))
    return os.path.join(*parts) if parts else None


def first_value(arguments: str, start: int) -> str:
    """The expression starting at ``start`` up to the next top-level comma or the end."""
    depth = 0
    index = start
    while index < len(arguments):
        char = arguments[index]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                break
            depth -= 1
        elif char == "," and depth == 0:
            break
        elif char in "'\"`":
            index = skip_string(arguments, index)
            continue
        index += 1
    return arguments[start:index]


def split_arguments(text: str) -> List[str]:
    parts, index = [], 0
    while index <= len(text):
        value = first_value(text, index)
        if value.strip():
            parts.append(value.strip())
        index += len(value) + 1
    return parts


def skip_string(text: str, index: int) -> int:
    quote = text[index]
    index += 1
    while index < len(text) and text[index] != quote:
        index += 2 if text[index] == "\\" else 1
    return index + 1


def closing_paren(text: str, start: int) -> int:
    """The offset of the ``)`` matching the ``(`` just before ``start`` (strings and comments skipped)."""
    depth = 1
    index = start
    while index < len(text):
        char = text[index]
        if char in "'\"`":
            index = skip_string(text, index)
            continue
        if text.startswith("//", index):
            newline = text.find("\n", index)
            index = len(text) if newline < 0 else newline
            continue
        if text.startswith("/*", index):
            close = text.find("*/", index + 2)
            index = len(text) if close < 0 else close + 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return len(text)
