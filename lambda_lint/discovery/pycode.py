"""Reading Python sources for discovery with libcst (never importing or running them).

Shared by the CDK, Chalice and ASGI readers: what a local name refers to
after the module's imports, module-level assignments from calls, and the
routing decorators on module-level functions.
"""
from __future__ import annotations

from typing import Dict, Iterator, List, Optional, Set, Tuple

import libcst as cst

from ..analysis.model import FastVisitor

from ..analysis.names import dotted
from ..analysis.sources import ParseFailure, parse


def parse_python(data: bytes) -> Optional[cst.Module]:
    """The module, or None when it does not parse (the checker reports that file as LAM001 itself)."""
    module = parse(data)
    return None if isinstance(module, ParseFailure) else module


def python_candidates(paths: List[str], read, markers) -> Iterator[Tuple[str, cst.Module, "ImportNames"]]:
    """(path, module, imports) of each candidate Python file that mentions one of ``markers`` and parses."""
    for path in paths:
        data = read(path, markers)
        if data is None:
            continue
        module = parse_python(data)
        if module is not None:
            yield path, module, ImportNames(module)


class ImportNames(FastVisitor):
    """Local names bound by imports anywhere in a module, mapped to what they import."""

    def __init__(self, module: cst.Module):
        super().__init__()
        self.aliases: Dict[str, str] = {}
        self.star_modules: List[str] = []
        module.visit(self)

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = dotted(alias.name)
            if full is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.aliases[alias.asname.name.value] = full
            else:
                top = full.split(".")[0]
                self.aliases[top] = top

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None:
            return
        module = dotted(node.module)
        if module is None:
            return
        if isinstance(node.names, cst.ImportStar):
            self.star_modules.append(module)
            return
        for alias in node.names:
            if not isinstance(alias.name, cst.Name):
                continue
            local = alias.name.value
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.aliases[local] = f"{module}.{alias.name.value}"

    def qualified(self, expr: cst.CSTNode) -> Optional[str]:
        """``_lambda.Function`` -> ``aws_cdk.aws_lambda.Function`` after ``from aws_cdk import aws_lambda as _lambda``."""
        name = dotted(expr)
        if name is None:
            return None
        first, _, rest = name.partition(".")
        if first in self.aliases:
            base = self.aliases[first]
            return f"{base}.{rest}" if rest else base
        return name

    def refers_to(self, expr: cst.CSTNode, targets: Set[str]) -> Optional[str]:
        """The one of ``targets`` that ``expr`` names, also through ``from x import *``."""
        name = self.qualified(expr)
        if name in targets:
            return name
        plain = dotted(expr)
        if plain is not None and plain.split(".")[0] not in self.aliases:
            for module in self.star_modules:
                candidate = f"{module}.{plain}"
                if candidate in targets:
                    return candidate
        return None


class CallFinder(FastVisitor):
    def __init__(self):
        super().__init__()
        self.calls: List[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(node)


def all_calls(module: cst.Module) -> List[cst.Call]:
    finder = CallFinder()
    module.visit(finder)
    return finder.calls


def module_level_call_assignments(module: cst.Module) -> Iterator[Tuple[str, cst.Call]]:
    """``name = SomeCall(...)`` at module level (also inside a module-level if/try)."""
    for statement in _module_level_statements(module.body):
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign) and isinstance(small.value, cst.Call):
                for target in small.targets:
                    if isinstance(target.target, cst.Name):
                        yield target.target.value, small.value
            elif isinstance(small, cst.AnnAssign) and isinstance(small.value, cst.Call) and isinstance(small.target, cst.Name):
                yield small.target.value, small.value


def module_level_functions(module: cst.Module) -> Iterator[cst.FunctionDef]:
    for statement in _module_level_statements(module.body):
        if isinstance(statement, cst.FunctionDef):
            yield statement


def _module_level_statements(body) -> Iterator[cst.CSTNode]:
    for statement in body:
        yield statement
        if isinstance(statement, cst.If):
            yield from _module_level_statements(statement.body.body)
            orelse = statement.orelse
            while orelse is not None:
                yield from _module_level_statements(orelse.body.body)
                orelse = getattr(orelse, "orelse", None)
        elif isinstance(statement, cst.Try):
            yield from _module_level_statements(statement.body.body)
            for handler in statement.handlers:
                yield from _module_level_statements(handler.body.body)


def decorator_method(decorator: cst.Decorator) -> Optional[Tuple[str, str]]:
    """``@app.route("/x")`` or ``@app.route`` -> ("app", "route")."""
    expr = decorator.decorator
    if isinstance(expr, cst.Call):
        expr = expr.func
    if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
        return expr.value.value, expr.attr.value
    return None
