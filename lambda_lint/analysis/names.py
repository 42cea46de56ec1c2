"""Small questions about expressions: dotted names, literals, call shapes."""
from __future__ import annotations

from typing import Callable, Optional, Sequence

import libcst as cst


def dotted(expr: cst.CSTNode) -> Optional[str]:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    parts = []
    while isinstance(expr, cst.Attribute):
        parts.append(expr.attr.value)
        expr = expr.value
    if isinstance(expr, cst.Name):
        parts.append(expr.value)
        return ".".join(reversed(parts))
    return None


def root_name(expr: cst.CSTNode) -> Optional[str]:
    """The variable an attribute/subscript/call chain starts from: ``x`` in ``x[k].y.z()``."""
    while True:
        if isinstance(expr, cst.Attribute):
            expr = expr.value
        elif isinstance(expr, cst.Subscript):
            expr = expr.value
        elif isinstance(expr, cst.Name):
            return expr.value
        else:
            return None


def call_method(call: cst.Call) -> Optional[str]:
    """``append`` for ``x.append(...)``."""
    if isinstance(call.func, cst.Attribute):
        return call.func.attr.value
    return None


def call_receiver(call: cst.Call) -> Optional[cst.BaseExpression]:
    if isinstance(call.func, cst.Attribute):
        return call.func.value
    return None


def keyword_arg(call: cst.Call, name: str) -> Optional[cst.Arg]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def positional_args(call: cst.Call) -> list:
    return [a.value for a in call.args if a.keyword is None and not a.star]


def arg_value(call: cst.Call, position: int, name: str) -> Optional[cst.BaseExpression]:
    """The argument passed at ``position`` or as keyword ``name``."""
    kw = keyword_arg(call, name)
    if kw is not None:
        return kw.value
    positional = positional_args(call)
    if position < len(positional):
        return positional[position]
    return None


def is_none(expr: cst.CSTNode) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def is_literal(expr: cst.CSTNode) -> bool:
    """A constant value written in the code (strings, numbers, True/False/None, tuples of them)."""
    if isinstance(expr, (cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary)):
        return True
    if isinstance(expr, cst.ConcatenatedString):
        return is_literal(expr.left) and is_literal(expr.right)
    if isinstance(expr, cst.Name):
        return expr.value in ("True", "False", "None")
    if isinstance(expr, cst.UnaryOperation):
        return is_literal(expr.expression)
    if isinstance(expr, cst.Tuple):
        return all(is_literal(e.value) for e in expr.elements)
    return False


def string_value(expr: cst.CSTNode) -> Optional[str]:
    if isinstance(expr, cst.SimpleString):
        try:
            value = expr.evaluated_value
        except Exception:
            return None
        return value if isinstance(value, str) else None
    if isinstance(expr, cst.ConcatenatedString):
        left, right = string_value(expr.left), string_value(expr.right)
        if left is not None and right is not None:
            return left + right
    return None


_EMPTY_MODULE = cst.Module(body=[])


def source_text(node: cst.CSTNode) -> str:
    """The code of a node, used to compare expressions (``key`` vs ``key``)."""
    try:
        return _EMPTY_MODULE.code_for_node(node)
    except Exception:
        return repr(node)


def names_in(expr: cst.CSTNode, parts: Optional[Callable[[cst.CSTNode], Optional[Sequence]]] = None) -> set:
    """Every Name read inside an expression (a small, local walk).

    ``parts(node)`` may say which parts of a node to walk on (an empty list: none
    of it); None means all its children.
    """
    found = set()
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            found.add(node.value)
        elif isinstance(node, cst.Attribute):
            stack.append(node.value)
        else:
            chosen = parts(node) if parts is not None else None
            stack.extend(node.children if chosen is None else chosen)
    return found


def contains(node: cst.CSTNode, kind) -> bool:
    """Whether ``node`` holds a ``kind`` node in its own scope (not in nested functions, lambdas or classes)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, kind):
            return True
        if current is not node and isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        stack.extend(current.children)
    return False
