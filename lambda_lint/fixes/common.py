"""What every fix needs: finding the reported node's place in the tree,
rewriting nodes by identity, fresh names, imports, and turning a transform
into a checked :class:`~lambda_lint.diagnostics.Fix` with text edits."""
from __future__ import annotations

import builtins
import sys
import warnings
from typing import Callable, Dict, Iterable, List, Optional

import libcst as cst

from ..diagnostics import Fix
from ..model import Function, Site
from ..names import dotted
from .edits import compute_edits

SAFE, UNSAFE = "safe", "unsafe"


# -- turning a transform into a Fix ---------------------------------------------
def build_fix(ctx, description: str, safety: str, transform: Callable[[cst.Module], cst.Module],
              exclusive: bool = False) -> Optional[Fix]:
    """Run ``transform`` on the module, check the result parses, compute the edits.

    Returns None when the transform changes nothing or produces code that does
    not parse (libcst) or does not compile (CPython), so a fix never breaks a
    file. ``exclusive`` marks fixes that add module-level names or imports:
    ``--fix`` applies them alone, never merged with other fixes of the file in
    the same round.
    """
    module = ctx.model.module
    new_module = transform(module)
    old_code, new_code = module.code, new_module.code
    if new_code == old_code or not parses(new_code, original_compiles(ctx)):
        return None
    edits = compute_edits(old_code, new_code)
    if not edits:
        return None

    def apply(tree: cst.Module) -> cst.Module:
        return new_module if tree is module else transform(tree)

    fix = Fix(description=description, safety=safety, transform=apply, edits=edits)
    fix.exclusive = exclusive
    return fix


def parses(code: str, must_compile: bool = True) -> bool:
    """libcst can parse ``code``, and CPython can compile it (when ``must_compile``)."""
    try:
        cst.parse_module(code)
    except Exception:
        return False
    if must_compile:
        return compiles(code)
    return True


def compiles(code: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(code, "<lambda-lint fix>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def original_compiles(ctx) -> bool:
    """Whether this Python can compile the file as it is (newer syntax may not)."""
    key = "_fix_original_compiles"
    if key not in ctx.__dict__:
        ctx.__dict__[key] = compiles(ctx.model.module.code)
    return ctx.__dict__[key]


# -- where the reported node is ---------------------------------------------------
def call_site(ctx, node) -> Optional[Site]:
    """The Site of a reported Call (any function of the module, or module scope)."""
    key = "_fix_call_sites"
    index = ctx.__dict__.get(key)
    if index is None:
        index = {}
        for fn in list(ctx.model.all_functions) + [ctx.model.scope]:
            for site in fn.calls:
                index[id(site.node)] = site
        ctx.__dict__[key] = index
    site = index.get(id(node))
    return site if site is not None and site.node is node else None


def function_named_by(ctx, name_node) -> Optional[Function]:
    for fn in ctx.model.all_functions:
        if getattr(fn.node, "name", None) is name_node:
            return fn
    return None


def function_decorated_by(ctx, decorator) -> Optional[Function]:
    for fn in ctx.model.all_functions:
        if any(d is decorator for d in fn.decorators):
            return fn
    return None


def statement_in_block(site: Site):
    """(block, statement): the innermost statement holding the site whose parent is an
    IndentedBlock or the Module, and that block. (None, None) inside a one-line suite."""
    chain = list(site.ancestors) + [site.node]
    for i in range(len(chain) - 2, -1, -1):
        node = chain[i]
        if isinstance(node, cst.SimpleStatementSuite):
            return None, None
        if isinstance(node, (cst.IndentedBlock, cst.Module)):
            return node, chain[i + 1]
    return None, None


def enclosing_small_statement(site: Site):
    """The small statement (Expr, Assign, ...) holding the site, and the line or suite holding it."""
    chain = list(site.ancestors) + [site.node]
    for i in range(len(chain) - 1, 0, -1):
        if isinstance(chain[i], cst.BaseSmallStatement):
            parent = chain[i - 1]
            if isinstance(parent, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
                return chain[i], parent
            return None, None
    return None, None


def dropped_call_statement(site: Site):
    """For ``<call>`` or ``await <call>`` written as a whole expression statement: (expr, line)."""
    parent = site.parent
    node = site.node
    if isinstance(parent, cst.Await) and parent.expression is node:
        chain = list(site.ancestors)
        if len(chain) < 2:
            return None, None
        node, parent = parent, chain[-2]
    if not (isinstance(parent, cst.Expr) and parent.value is node):
        return None, None
    expr, line = enclosing_small_statement(site)
    if expr is not parent:
        return None, None
    return expr, line


def is_docstring(stmt) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def contains(root: cst.CSTNode, target: cst.CSTNode) -> bool:
    stack = [root]
    while stack:
        node = stack.pop()
        if node is target:
            return True
        stack.extend(node.children)
    return False


def top_level_index(module: cst.Module, node: cst.CSTNode) -> Optional[int]:
    """Index of the module-level statement that holds ``node``."""
    for i, stmt in enumerate(module.body):
        if stmt is node or contains(stmt, node):
            return i
    return None


# -- rewriting by identity -----------------------------------------------------------
class _Rewriter(cst.CSTTransformer):
    def __init__(self, changes: Dict[int, tuple], keep: set):
        super().__init__()
        self.changes = changes
        self.keep = keep

    def on_visit(self, node) -> bool:
        return id(node) in self.keep

    def on_leave(self, original_node, updated_node):
        entry = self.changes.get(id(original_node))
        if entry is not None and entry[0] is original_node:
            return entry[1](updated_node)
        return updated_node


def _path_ids(root: cst.CSTNode, targets: List[cst.CSTNode]) -> set:
    """ids of every node on a path from ``root`` to one of ``targets``."""
    wanted = {id(t) for t in targets}
    keep = set()
    stack = [(root, None)]
    parents = {}
    while stack:
        node, parent = stack.pop()
        parents[id(node)] = parent
        if id(node) in wanted:
            current = node
            while current is not None and id(current) not in keep:
                keep.add(id(current))
                current = parents[id(current)]
        stack.extend((child, node) for child in node.children)
    return keep


def rewrite(module: cst.Module, changes: Dict[cst.CSTNode, Callable]) -> cst.Module:
    """Replace nodes of ``module`` (matched by identity) with ``fn(updated_node)``.

    ``fn`` may return a node, ``cst.RemoveFromParent()`` or a ``cst.FlattenSentinel``.
    Only the paths to the changed nodes are visited. A module that does not
    hold the nodes (another tree) comes back unchanged.
    """
    if not changes:
        return module
    entries = {id(node): (node, fn) for node, fn in changes.items()}
    keep = _path_ids(module, list(changes))
    if id(module) not in keep:
        return module
    return module.visit(_Rewriter(entries, keep))


# -- names ---------------------------------------------------------------------------
def names_used(ctx) -> set:
    """Every identifier written anywhere in the module (so a new name clashes with none)."""
    key = "_fix_names_used"
    if key not in ctx.__dict__:
        found = set(ctx.model.bindings) | set(ctx.model.imports)
        stack = [ctx.model.module]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Name):
                found.add(node.value)
            stack.extend(node.children)
        ctx.__dict__[key] = found
    return ctx.__dict__[key]


def fresh_name(ctx, base: str, also_taken: Iterable[str] = ()) -> str:
    taken = names_used(ctx) | set(also_taken) | set(dir(builtins))
    if base not in taken and base.isidentifier():
        return base
    n = 2
    while f"{base}_{n}" in taken:
        n += 1
    return f"{base}_{n}"


def module_name_for(ctx, qualified: str, fn: Optional[Function] = None) -> Optional[str]:
    """A local name bound at module level by an import of ``qualified`` (``os``, ``functools.lru_cache``),
    usable inside ``fn`` (not shadowed); prefers the plain name."""
    candidates = []
    for local, imported in ctx.model.imports.items():
        if imported.qualified != qualified or "." in local:
            continue
        bindings = ctx.model.bindings.get(local, [])
        if len(bindings) != 1 or bindings[0].kind != "import":
            continue
        if fn is not None and ctx.module_binding(fn, local) is None:
            continue
        candidates.append(local)
    if not candidates:
        return None
    short = qualified.rsplit(".", 1)[-1]
    return short if short in candidates else sorted(candidates)[0]


def add_import_alias(node: cst.ImportFrom, name: str) -> cst.ImportFrom:
    """``from m import a`` -> ``from m import a, name``, keeping a parenthesised layout."""
    names = list(node.names)
    last = names[-1]
    if isinstance(last.comma, cst.Comma):
        # A trailing comma (a parenthesised list): the new name repeats the last one's layout.
        if len(names) >= 2 and isinstance(names[-2].comma, cst.Comma):
            separator = names[-2].comma
        elif node.lpar is not None and not (
            isinstance(node.lpar.whitespace_after, cst.SimpleWhitespace) and node.lpar.whitespace_after.value == ""
        ):
            separator = cst.Comma(whitespace_after=node.lpar.whitespace_after)
        else:
            separator = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        names[-1] = last.with_changes(comma=separator)
        names.append(cst.ImportAlias(name=cst.Name(name), comma=last.comma))
    else:
        names.append(cst.ImportAlias(name=cst.Name(name)))
    return node.with_changes(names=names)


def import_binding_node(ctx, local: str):
    """The Import/ImportFrom node that binds ``local`` at module level, if exactly one does."""
    bindings = ctx.model.bindings.get(local, [])
    if len(bindings) == 1 and bindings[0].kind == "import":
        return bindings[0].value
    return None


# -- module-level insertions ---------------------------------------------------------
def _is_import_line(stmt) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and all(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body
    )


def after_imports_index(module: cst.Module) -> int:
    """Index just after the docstring, ``__future__`` imports and the last top-level import."""
    index = 0
    for i, stmt in enumerate(module.body):
        if (i == 0 and is_docstring(stmt)) or _is_import_line(stmt) or _is_import_block(stmt):
            index = i + 1
    return index


def _imported_module(stmt) -> Optional[str]:
    """The (first) module a top-level import line imports: ``os`` for ``import os``."""
    if not _is_import_line(stmt):
        return None
    small = stmt.body[0]
    if isinstance(small, cst.Import):
        return dotted(small.names[0].name)
    if small.relative:
        return None
    return dotted(small.module) if small.module is not None else None


def _is_stdlib(name: str) -> bool:
    top = name.split(".")[0]
    names = getattr(sys, "stdlib_module_names", None)
    if names is not None:
        return top in names and top != "__future__"
    return top in _STDLIB_FALLBACK


_STDLIB_FALLBACK = frozenset({
    "abc", "argparse", "asyncio", "base64", "collections", "concurrent", "contextlib", "copy", "csv", "dataclasses",
    "datetime", "decimal", "enum", "functools", "glob", "gzip", "hashlib", "hmac", "io", "itertools", "json",
    "logging", "math", "os", "pathlib", "pickle", "random", "re", "shutil", "signal", "socket", "sqlite3", "string",
    "subprocess", "sys", "tarfile", "tempfile", "threading", "time", "traceback", "typing", "urllib", "uuid",
    "warnings", "zipfile", "zlib",
})


def stdlib_import_index(module: cst.Module, name: str) -> int:
    """Where ``import name`` (a standard-library module) goes: in order among the file's
    top-level standard-library imports, else after the last import."""
    stdlib = [(i, m) for i, m in ((i, _imported_module(s)) for i, s in enumerate(module.body))
              if m is not None and _is_stdlib(m)]
    if not stdlib:
        return after_imports_index(module)
    before = [i for i, m in stdlib if m.lower() <= name.lower()]
    return before[-1] + 1 if before else stdlib[0][0]


def _is_import_block(stmt) -> bool:
    """``try: import x`` / ``except ImportError: ...`` at module level."""
    if not isinstance(stmt, (cst.Try, cst.If)):
        return False
    blocks = [stmt.body]
    if isinstance(stmt, cst.Try):
        blocks += [h.body for h in stmt.handlers]
    found = False
    for block in blocks:
        for inner in getattr(block, "body", ()):
            if _is_import_line(inner):
                found = True
            elif not (isinstance(inner, cst.SimpleStatementLine) and all(
                isinstance(s, (cst.Pass, cst.Assign)) for s in inner.body
            )):
                return False
    return found


def insert_module_statement(body: list, index: int, stmt: cst.BaseStatement) -> list:
    """Insert ``stmt`` into module ``body`` at ``index`` with tidy blank lines."""
    body = list(body)
    previous = body[index - 1] if index > 0 else None
    following = body[index] if index < len(body) else None
    if _is_import_line(stmt) and following is not None and _is_import_line(following):
        # Into a block of imports: take the place (and the blank lines) of the next one.
        body[index] = following.with_changes(leading_lines=[])
        body.insert(index, stmt.with_changes(leading_lines=following.leading_lines))
        return body
    if previous is None:
        leading = []
    elif _is_import_line(previous) and not _is_import_line(stmt):
        leading = [cst.EmptyLine()]
    elif isinstance(previous, cst.BaseCompoundStatement):
        leading = [cst.EmptyLine(), cst.EmptyLine()]
    elif is_docstring(previous):
        leading = [cst.EmptyLine()]
    else:
        leading = []
    stmt = stmt.with_changes(leading_lines=leading)
    if following is not None:
        if isinstance(following, cst.BaseCompoundStatement) and not following.leading_lines:
            body[index] = following.with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()])
        elif _is_import_line(stmt) and not _is_import_line(following) and not following.leading_lines:
            body[index] = following.with_changes(leading_lines=[cst.EmptyLine()])
    body.insert(index, stmt)
    return body


def parse_statement(ctx, code: str) -> cst.BaseStatement:
    return cst.parse_statement(code, config=ctx.model.module.config_for_parsing)


def parse_expression(ctx, code: str) -> cst.BaseExpression:
    return cst.parse_expression(code, config=ctx.model.module.config_for_parsing)


def code_of(ctx, node) -> str:
    return ctx.model.module.code_for_node(node)


def expression_statement(expr: cst.BaseExpression) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine(body=[cst.Expr(expr)])


def as_indented_block(body) -> cst.IndentedBlock:
    """A function or compound body as an IndentedBlock (a one-line suite is expanded)."""
    if isinstance(body, cst.IndentedBlock):
        return body
    return cst.IndentedBlock(
        body=[cst.SimpleStatementLine(body=list(body.body), trailing_whitespace=body.trailing_whitespace)]
    )


def uses_of(fn: Function, name: str) -> list:
    """Read sites of ``name`` in ``fn`` and in the functions nested in it."""
    out = list(fn.names.get(name, ()))
    for nested in fn.nested.values():
        if name not in nested.params:
            out.extend(uses_of(nested, name))
    return out


def assignments_to(fn: Function, name: str) -> list:
    """Store sites in ``fn`` that bind ``name`` (plain, tuple or annotated targets)."""
    from ..model import store_targets

    out = []
    for site in fn.stores:
        for target in store_targets(site.node):
            if isinstance(target, cst.Name) and target.value == name:
                out.append(site)
    return out


def bound_in_headers(fn: Function, name: str) -> bool:
    """``name`` is bound by a for-loop, with-item, except clause, walrus, import or nested def."""
    for site in fn.loops:
        if name in _target_names(site.node.target):
            return True
    for site in fn.withs:
        for item in site.node.items:
            if item.asname is not None and name in _target_names(item.asname.name):
                return True
    if name in fn.nested:
        return True
    stack = [fn.node.body] if not fn.is_module_scope else []
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        if isinstance(node, cst.NamedExpr) and isinstance(node.target, cst.Name) and node.target.value == name:
            return True
        if isinstance(node, cst.ExceptHandler) and node.name is not None and name in _target_names(node.name.name):
            return True
        if isinstance(node, (cst.Import, cst.ImportFrom)) and not isinstance(getattr(node, "names", None), cst.ImportStar):
            for alias in node.names:
                local = alias.asname.name if alias.asname is not None else alias.name
                if dotted(local) and dotted(local).split(".")[0] == name:
                    return True
        stack.extend(node.children)
    return False


def _target_names(target) -> set:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        out = set()
        for el in target.elements:
            out |= _target_names(el.value)
        return out
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    return set()


def line_of(ctx, node) -> int:
    return ctx.model.positions.range_of(node).start.line


def end_line_of(ctx, node) -> int:
    return ctx.model.positions.range_of(node).end.line
