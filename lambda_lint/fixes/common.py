"""What every fix needs: finding the reported node's place in the tree,
rewriting nodes by identity, fresh names, imports, and turning a transform
into a checked :class:`~lambda_lint.diagnostics.Fix` with text edits."""
from __future__ import annotations

import bisect
import builtins
import difflib
import re
import sys
import warnings
from typing import Callable, Dict, Iterable, List, Optional

import libcst as cst

from ..diagnostics import Edit, Fix
from ..analysis.model import Function, Site
from ..analysis.names import dotted
from .edits import compute_edits, split_lines

SAFE, UNSAFE = "safe", "unsafe"
# Set by fixes.fix_for(..., test_only=True) while a fixer runs.
TEST_ONLY = False


# -- turning a change into a Fix -------------------------------------------------
def build_fix(ctx, description: str, safety: str, changes: Dict[cst.CSTNode, Callable],
              exclusive: bool = False, near: Optional[cst.CSTNode] = None) -> Optional[Fix]:
    """Apply ``changes`` (see :func:`rewrite`) to the module, check the result, compute the edits.

    Returns None when nothing changes or the result does not parse (libcst)
    or does not compile (CPython), so a fix never breaks a file. Only the
    module-level statements that change are generated, parsed and diffed, so a
    fix costs in proportion to the statement it touches, not to the file.
    ``exclusive`` marks fixes that add module-level names or imports: ``--fix``
    applies them alone, never merged with other fixes of the file in the same
    round. ``near`` (the function the changes are in) only helps find them.
    """
    module = ctx.model.module
    index = _index(ctx)
    new_module = rewrite(module, changes, index, near)
    if new_module is module:
        return None
    if TEST_ONLY:
        # Whether there is a fix, and how safe: what the text formats show. The edits
        # (rendering, re-parsing and diffing the changed statements) are left out.
        fix = Fix(description=" ".join(description.split()), safety=safety)
        fix.exclusive = exclusive
        return fix
    edits = _statement_edits(ctx, index, module, new_module)
    if edits is None:  # the file's layout needs the whole text: diff all of it
        old_code, new_code = index.code(), new_module.code
        if new_code == old_code or not parses(new_code, original_compiles(ctx)):
            return None
        edits = compute_edits(old_code, new_code)
    if not edits:
        return None

    def transform(tree: cst.Module) -> cst.Module:
        return new_module if tree is module else rewrite(tree, changes)

    fix = Fix(description=" ".join(description.split()), safety=safety, transform=transform, edits=edits)
    fix.exclusive = exclusive
    return fix


def _statement_edits(ctx, index, module: cst.Module, new_module: cst.Module) -> Optional[list]:
    """Edits from the module-level statements that differ; [] when the change is invalid or empty,
    None when the whole text must be compared (the layout did not add up)."""
    layout = index.layout()
    if layout is None or any(
        getattr(module, attr) != getattr(new_module, attr)
        for attr in ("encoding", "default_indent", "default_newline", "has_trailing_newline")
    ):
        return None
    for old_lines, new_lines in ((module.header, new_module.header), (module.footer, new_module.footer)):
        if len(old_lines) != len(new_lines) or any(a is not b for a, b in zip(old_lines, new_lines)):
            return None
    old_body, new_body = list(module.body), list(new_module.body)
    matcher = difflib.SequenceMatcher(None, [id(s) for s in old_body], [id(s) for s in new_body], autojunk=False)
    hunks = []
    fragments = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        old_text = "".join(layout.texts[i1:i2])
        new_text = "".join(new_module.code_for_node(s) for s in new_body[j1:j2])
        hunks.append((layout.starts[i1] if i1 < len(layout.starts) else layout.end, old_text, new_text))
        fragments.append(new_text)
    # Module-level statements are complete on their own: the changed ones must parse and compile alone.
    if not parses("".join(fragments), original_compiles(ctx)):
        return []
    edits = []
    for start, old_text, new_text in hunks:
        for e in compute_edits(old_text, new_text):
            shift = start - 1
            edits.append(Edit(e.line + shift, e.column, e.end_line + shift, e.end_column, e.content))
    return edits


class _Index:
    """Per module, computed on demand and once: the text and first line of each module-level
    statement, the parents of the nodes inside a statement a fix touches, every identifier."""

    def __init__(self, module: cst.Module, positions=None, extra_names: Iterable[str] = ()):
        self.module = module
        self.positions = positions
        self._extra_names = list(extra_names)
        self._names: Optional[set] = None
        self._parents: Dict[int, Dict[int, cst.CSTNode]] = {}  # statement index -> {id(node): parent}
        self._layout = False
        self._code: Optional[str] = None
        self._statements: Optional[Dict[int, int]] = None

    def code(self) -> str:
        if self._code is None:
            self._code = self.module.code
        return self._code

    @property
    def names(self) -> set:
        """Every identifier in the text (comments and strings too: a new name must clash with nothing)."""
        if self._names is None:
            self._names = set(_IDENTIFIER.findall(self.code())) | set(self._extra_names)
        return self._names

    def layout(self):
        """Each module-level statement's text and first line, or None when they do not add up to the file."""
        if self._layout is False:
            self._layout = _Layout.of(self.module, self.code())
        return self._layout

    def parents_in(self, index: int) -> Dict[int, cst.CSTNode]:
        parents = self._parents.get(index)
        if parents is None:
            stmt = self.module.body[index]
            parents = {id(stmt): self.module}
            stack = [stmt]
            while stack:
                node = stack.pop()
                for child in node.children:
                    parents[id(child)] = node
                    stack.append(child)
            self._parents[index] = parents
        return parents

    def top_statement(self, node) -> Optional[int]:
        """Index of the module-level statement holding ``node``.

        Statements (and decorators) are mapped to it by a walk of the statement
        tree only; any other node is found from its line, or else by a search.
        """
        if node is self.module:
            return None
        found = self.statements().get(id(node))
        if found is not None:
            return found
        layout = self.layout()
        if layout is not None and self.positions is not None:
            try:
                line = self.positions.range_of(node).start.line
            except Exception:  # noqa: BLE001 - not a node of this tree: searched below
                line = None
            if line is not None:
                i = bisect.bisect_right(layout.starts, line) - 1
                if 0 <= i < len(self.module.body) and id(node) in self.parents_in(i):
                    return i
        for i in range(len(self.module.body)):
            if id(node) in self.parents_in(i):
                return i
        return None

    def top_statement_near(self, node, near) -> Optional[int]:
        """Like :meth:`top_statement`, trying first the statement that holds ``near`` (e.g. the function)."""
        if near is not None and node is not self.module:
            i = self.statements().get(id(near))
            if i is not None and id(node) in self.parents_in(i):
                return i
        return self.top_statement(node)

    def statements(self) -> Dict[int, int]:
        """id of every statement, small statement, block and decorator -> its module-level statement index."""
        if self._statements is None:
            out: Dict[int, int] = {}
            for i, stmt in enumerate(self.module.body):
                _map_statements(stmt, i, out)
            self._statements = out
        return self._statements

    def path_ids(self, node, near=None) -> Optional[set]:
        """ids of the nodes from the module down to ``node``; None when it is not in the module."""
        if node is self.module:
            return {id(node)}
        i = self.top_statement_near(node, near)
        if i is None:
            return None
        parents = self.parents_in(i)
        ids = {id(self.module)}
        current = node
        while current is not self.module:
            ids.add(id(current))
            current = parents[id(current)]
        return ids


_IDENTIFIER = re.compile(r"[^\W\d]\w*")


def _map_statements(stmt, i: int, out: Dict[int, int]) -> None:
    stack = [stmt]
    while stack:
        node = stack.pop()
        out[id(node)] = i
        if isinstance(node, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for small in node.body:
                out[id(small)] = i
            continue
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            for decorator in node.decorators:
                out[id(decorator)] = i
        for name in ("body", "orelse", "finalbody"):
            part = getattr(node, name, None)
            if part is None:
                continue
            if isinstance(part, (cst.IndentedBlock, cst.Else, cst.Finally)):
                out[id(part)] = i
                block = part.body if not isinstance(part, cst.IndentedBlock) else part
                if isinstance(block, cst.IndentedBlock):
                    out[id(block)] = i
                    stack.extend(block.body)
                else:
                    stack.append(block)
            elif isinstance(part, (cst.SimpleStatementSuite, cst.BaseStatement)):
                stack.append(part)
        for handler in getattr(node, "handlers", ()) or ():
            out[id(handler)] = i
            stack.append(handler)
        for case in getattr(node, "cases", ()) or ():
            out[id(case)] = i
            stack.append(case)


class _Layout:
    def __init__(self, texts, starts, end):
        self.texts, self.starts, self.end = texts, starts, end

    @classmethod
    def of(cls, module: cst.Module, code: str):
        if not module.has_trailing_newline:
            return None
        header = "".join(module.code_for_node(line) for line in module.header)
        texts = [module.code_for_node(stmt) for stmt in module.body]
        footer_start = len(header) + sum(len(t) for t in texts)
        if header + "".join(texts) != code[:footer_start]:
            return None
        if any(not t.endswith(("\n", "\r")) for t in texts):
            return None
        starts, line = [], len(split_lines(header)) + 1
        for text in texts:
            starts.append(line)
            line += len(split_lines(text))
        return cls(texts, starts, line)


def _index(ctx) -> _Index:
    key = "_fix_index"
    index = ctx.__dict__.get(key)
    if index is None or index.module is not ctx.model.module:
        index = _Index(ctx.model.module, ctx.model.positions, list(ctx.model.bindings) + list(ctx.model.imports))
        ctx.__dict__[key] = index
    return index


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
        ctx.__dict__[key] = compiles(_index(ctx).code())
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


def top_level_index(ctx, node: cst.CSTNode) -> Optional[int]:
    """Index of the module-level statement that holds ``node``."""
    return _index(ctx).top_statement(node)


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
    """ids of every node on a path from ``root`` to one of ``targets`` (a walk of the whole tree)."""
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


def rewrite(module: cst.Module, changes: Dict[cst.CSTNode, Callable], index: Optional[_Index] = None,
            near: Optional[cst.CSTNode] = None) -> cst.Module:
    """Replace nodes of ``module`` (matched by identity) with ``fn(updated_node)``.

    ``fn`` may return a node, ``cst.RemoveFromParent()`` or a ``cst.FlattenSentinel``;
    a change of the Module itself runs last, on the module with the other
    changes made. Only the paths to the changed nodes are visited: with an
    ``index`` of this module, only the module-level statements holding them. A
    module that does not hold the nodes (another tree) comes back unchanged.
    """
    if not changes:
        return module
    entries = {id(node): (node, fn) for node, fn in changes.items()}
    if index is None or index.module is not module:
        keep = _path_ids(module, list(changes))
        if id(module) not in keep:
            return module
        return module.visit(_Rewriter(entries, keep))
    by_statement: Dict[int, set] = {}
    for node in changes:
        if node is module:
            continue
        ids = index.path_ids(node, near)
        if ids is None:
            return module
        by_statement.setdefault(index.top_statement_near(node, near), set()).update(ids)
    body = list(module.body)
    replaced = {}
    for i, keep in by_statement.items():
        replaced[i] = body[i].visit(_Rewriter(entries, keep))
    new_body = []
    for i, stmt in enumerate(body):
        new = replaced.get(i, stmt)
        if isinstance(new, cst.FlattenSentinel):
            new_body.extend(new.nodes)
        elif not isinstance(new, cst.RemovalSentinel):
            new_body.append(new)
    new_module = module.with_changes(body=new_body) if replaced else module
    entry = entries.get(id(module))
    if entry is not None and entry[0] is module:
        new_module = entry[1](new_module)
    return new_module


# -- names ---------------------------------------------------------------------------
def names_used(ctx) -> set:
    """Every identifier written anywhere in the module (so a new name clashes with none)."""
    return _index(ctx).names


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
    from ..analysis.model import store_targets

    out = []
    for site in fn.stores:
        for target in store_targets(site.node):
            if isinstance(target, cst.Name) and target.value == name:
                out.append(site)
    return out


def bound_in_headers(fn: Function, name: str) -> bool:
    """``name`` is bound by a for-loop, with-item, except clause, walrus, import or nested def."""
    for site in fn.loops:
        if name in target_names(site.node.target):
            return True
    for site in fn.withs:
        for item in site.node.items:
            if item.asname is not None and name in target_names(item.asname.name):
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
        if isinstance(node, cst.ExceptHandler) and node.name is not None and name in target_names(node.name.name):
            return True
        if isinstance(node, (cst.Import, cst.ImportFrom)) and not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                local = alias.asname.name if alias.asname is not None else alias.name
                if dotted(local) and dotted(local).split(".")[0] == name:
                    return True
        stack.extend(node.children)
    return False


def target_names(target) -> set:
    """The plain names an assignment, loop or ``as`` target binds (``a, (b, *c)`` -> a, b, c)."""
    from ..analysis.model import flatten_target

    return {t.value for t in flatten_target(target) if isinstance(t, cst.Name)}


def line_of(ctx, node) -> int:
    return ctx.model.positions.range_of(node).start.line


def end_line_of(ctx, node) -> int:
    return ctx.model.positions.range_of(node).end.line
