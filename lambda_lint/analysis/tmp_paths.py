"""Paths under /tmp (LAM501): what a path expression is, which calls create files and
directories, and which calls remove them.

A path expression is traced through the local assignments of its function
(f-strings, ``os.path.join``, ``pathlib.Path(...) / ...``, ``tempfile`` calls,
``self.x`` set in another method) to a :class:`PathValue`: is it under /tmp,
does its name change per invocation, is it inside a ``TemporaryDirectory``, and
which names hold it or one of the folders it is in.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import List, Optional

import libcst as cst

from . import apis
from .model import Function, Site, flatten_target, values_bound_to
from .names import call_method, call_receiver, dotted, keyword_arg, names_in, positional_args, string_value

_DEPTH = 8

JOIN_FUNCTIONS = frozenset({"os.path.join", "posixpath.join"})
PATH_CLASSES = frozenset({"pathlib.Path", "pathlib.PosixPath", "pathlib.PurePath", "pathlib.PurePosixPath"})
PASSTHROUGH_FUNCTIONS = frozenset(
    {"str", "os.fspath", "os.path.abspath", "os.path.realpath", "os.path.normpath", "os.path.expanduser"}
)
PASSTHROUGH_METHODS = frozenset({"resolve", "absolute", "as_posix", "expanduser"})
SIBLING_METHODS = frozenset({"with_suffix", "with_name", "with_stem"})
TEMP_DIR_FUNCTIONS = frozenset({"tempfile.gettempdir", "tempfile.gettempdirb"})
MKSTEMP = "tempfile.mkstemp"
MKDTEMP = "tempfile.mkdtemp"
MKTEMP = "tempfile.mktemp"
NAMED_TEMPORARY_FILE = "tempfile.NamedTemporaryFile"
TEMPORARY_DIRECTORY = "tempfile.TemporaryDirectory"
# Values that differ from one invocation to the next.
PER_INVOCATION_PREFIXES = ("uuid.", "time.", "datetime.", "random.", "secrets.", "tempfile.mk", "os.urandom",
                           "ulid.", "shortuuid.")
# Attributes of the Lambda context object that are the same for every invocation of an environment.
FIXED_CONTEXT_ATTRIBUTES = frozenset({"function_name", "function_version", "memory_limit_in_mb",
                                      "log_group_name", "log_stream_name", "invoked_function_arn"})

# Creation calls: qualified name -> (path position, path keyword, mode position, mode keyword, default mode)
OPENERS = {
    "open": (0, "file", 1, "mode", "r"),
    "aiofiles.open": (0, "file", 1, "mode", "r"),
    "io.open": (0, "file", 1, "mode", "r"),
    "codecs.open": (0, "filename", 1, "mode", "r"),
    "gzip.open": (0, "filename", 1, "mode", "rb"),
    "bz2.open": (0, "filename", 1, "mode", "rb"),
    "lzma.open": (0, "filename", 1, "mode", "rb"),
    "tarfile.open": (0, "name", 1, "mode", "r"),
    "zipfile.ZipFile": (0, "file", 1, "mode", "r"),
}
MAKEDIRS = frozenset({"os.makedirs", "os.mkdir"})
COPIERS = frozenset({"shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.copytree", "shutil.move"})
PATH_WRITERS = frozenset({"write_text", "write_bytes", "touch", "mkdir"})
EXISTENCE_CHECKS = frozenset({"exists", "isfile", "isdir", "lexists", "is_file", "is_dir"})
LISTING_FUNCTIONS = frozenset({"glob.glob", "glob.iglob", "os.listdir", "os.scandir", "os.walk"})
SHELL_FUNCTIONS = frozenset({"os.system", "subprocess.run", "subprocess.call", "subprocess.check_call",
                             "subprocess.Popen", "subprocess.check_output"})


@dataclass
class PathValue:
    tmp: bool = False  # under /tmp
    variable: bool = False  # the name changes per invocation
    auto: bool = False  # inside a TemporaryDirectory (or a NamedTemporaryFile that deletes itself)
    same: frozenset = frozenset()  # names (``x``, ``self.x``) that hold exactly this path
    parents: frozenset = frozenset()  # names that hold a folder this path is in
    prefix: str = ""  # the constant text the path starts with
    made_by: Optional[str] = None  # the tempfile function that created it

    @property
    def names(self) -> frozenset:
        return self.same | self.parents


@dataclass
class Creation:
    site: Site
    what: str  # the call as written in messages: ``open``, ``tempfile.mkstemp``, ``Path.write_text``...
    directory: bool
    path: PathValue
    holders: frozenset = frozenset()  # names the created path is stored in by this statement

    @property
    def names(self) -> frozenset:
        return self.path.names | self.holders

    @property
    def identity(self) -> frozenset:
        return self.path.same | self.holders

    @property
    def per_invocation(self) -> bool:
        return self.path.tmp and not self.path.auto and (self.path.variable or self.path.made_by is not None)


@dataclass
class Removal:
    site: Site
    target: Optional[PathValue]
    constant: Optional[str] = None  # a constant tmp folder or pattern prefix swept by this removal


class Paths:
    """Path questions for the functions of one project (results are not cached across checks)."""

    def __init__(self, ctx):
        self.ctx = ctx

    # -- what a path expression is ---------------------------------------------------
    def evaluate(self, fn: Function, expr, depth: int = 0) -> Optional[PathValue]:
        if depth > _DEPTH or expr is None:
            return None
        qualify = fn.module.qualify
        if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
            text = string_value(expr)
            return _constant(text) if text is not None else None
        if isinstance(expr, cst.FormattedString):
            return self._fstring(fn, expr, depth)
        if isinstance(expr, cst.BinaryOperation):
            left = self.evaluate(fn, expr.left, depth + 1)
            if left is None:
                return None
            varies = left.variable or self.varies(fn, expr.right)
            if isinstance(expr.operator, cst.Divide):
                return PathValue(left.tmp, varies, left.auto, frozenset(), left.names, left.prefix, None)
            if isinstance(expr.operator, (cst.Add, cst.Modulo)):
                return PathValue(left.tmp, varies, left.auto, frozenset(), left.parents, left.prefix, None)
            return None
        if isinstance(expr, cst.IfExp):
            a, b = self.evaluate(fn, expr.body, depth + 1), self.evaluate(fn, expr.orelse, depth + 1)
            return _merge([v for v in (a, b) if v is not None])
        if isinstance(expr, cst.Subscript):
            # ``tempfile.mkstemp()[1]``
            if isinstance(expr.value, cst.Call) and qualify(expr.value.func) == MKSTEMP:
                return self.evaluate(fn, expr.value, depth + 1)
            return None
        if isinstance(expr, cst.Name):
            return self._name(fn, expr.value, depth)
        if isinstance(expr, cst.Attribute):
            return self._attribute(fn, expr, depth)
        if isinstance(expr, cst.Call):
            return self._call(fn, expr, depth)
        return None

    def _fstring(self, fn, expr: cst.FormattedString, depth) -> Optional[PathValue]:
        parts = list(expr.parts)
        if not parts:
            return None
        first = parts[0]
        varies = any(
            isinstance(p, cst.FormattedStringExpression) and self.varies(fn, p.expression) for p in parts
        )
        if isinstance(first, cst.FormattedStringText):
            base = _constant(first.value)
            if base is None:
                return None
            return PathValue(base.tmp, varies, False, frozenset(), frozenset(), first.value, None)
        inner = self.evaluate(fn, first.expression, depth + 1)
        if inner is None:
            return None
        rest = "".join(p.value for p in parts[1:2] if isinstance(p, cst.FormattedStringText))
        names = inner.names if rest.startswith("/") else inner.parents
        return PathValue(inner.tmp, varies or inner.variable, inner.auto, frozenset(), names,
                         inner.prefix + rest if not inner.variable else inner.prefix, None)

    def _call(self, fn, call: cst.Call, depth) -> Optional[PathValue]:
        qualified = fn.module.qualify(call.func)
        method = call_method(call)
        args = positional_args(call)
        if qualified in JOIN_FUNCTIONS or qualified in PATH_CLASSES:
            if not args:
                return None
            return self._joined(fn, args[0], args[1:], depth)
        if qualified in PASSTHROUGH_FUNCTIONS:
            return self.evaluate(fn, args[0], depth + 1) if args else None
        if qualified in TEMP_DIR_FUNCTIONS:
            return PathValue(True, False, False, frozenset(), frozenset(), "/tmp/", None)
        if qualified in (MKSTEMP, MKDTEMP, MKTEMP):
            return self._tempfile(fn, call, qualified, depth)
        if method is not None and qualified not in JOIN_FUNCTIONS:
            receiver = call_receiver(call)
            if method in PASSTHROUGH_METHODS:
                return self.evaluate(fn, receiver, depth + 1)
            if method == "joinpath":
                return self._joined(fn, receiver, args, depth)
            if method in SIBLING_METHODS:
                base = self.evaluate(fn, receiver, depth + 1)
                if base is None:
                    return None
                varies = base.variable or any(self.varies(fn, a) for a in args)
                return PathValue(base.tmp, varies, base.auto, frozenset(), base.parents, base.prefix, None)
            if method == "format" and isinstance(receiver, (cst.SimpleString, cst.ConcatenatedString)):
                base = self.evaluate(fn, receiver, depth + 1)
                if base is None:
                    return None
                text = string_value(receiver) or ""
                prefix = text.split("{", 1)[0]
                varies = any(self.varies(fn, a.value) for a in call.args)
                return PathValue(base.tmp, varies, False, frozenset(), frozenset(), prefix, None)
        target = self.ctx.project.called_function(fn, call.func)
        if target is not None and target is not fn and depth < 3:
            # a helper that builds the path: ``_scratch(name)`` -> ``os.path.join("/tmp", name)``
            values = [self.evaluate(target, s.node.value, depth + 1) for s in target.returns if s.node.value is not None]
            merged = _merge([v for v in values if v is not None])
            if merged is not None:
                varies = merged.variable or any(self.varies(fn, a.value) for a in call.args)
                return PathValue(merged.tmp, varies, merged.auto, frozenset(), frozenset(), merged.prefix,
                                 merged.made_by)
        return None

    def _joined(self, fn, first, rest, depth) -> Optional[PathValue]:
        base = self.evaluate(fn, first, depth + 1)
        if base is None:
            return None
        if not rest:
            return base
        varies = base.variable or any(self.varies(fn, a) for a in rest)
        prefix = base.prefix
        if not base.variable:
            for part in rest:
                text = string_value(part)
                if text is None:
                    break
                prefix = prefix.rstrip("/") + "/" + text
        return PathValue(base.tmp, varies, base.auto, frozenset(), base.names, prefix, None)

    def _tempfile(self, fn, call, qualified, depth) -> PathValue:
        folder = keyword_arg(call, "dir")
        if folder is None and qualified != MKTEMP:
            positional = positional_args(call)
            folder_expr = positional[2] if len(positional) > 2 else None
        else:
            folder_expr = folder.value if folder is not None else None
        if folder_expr is None or (isinstance(folder_expr, cst.Name) and folder_expr.value == "None"):
            return PathValue(True, True, False, frozenset(), frozenset(), "/tmp/", qualified)
        base = self.evaluate(fn, folder_expr, depth + 1)
        if base is None:
            return PathValue(False, True, False, frozenset(), frozenset(), "", qualified)
        return PathValue(base.tmp, True, base.auto, frozenset(), base.names, base.prefix, qualified)

    def _name(self, fn, name: str, depth) -> Optional[PathValue]:
        if fn.is_module_scope or name not in self.ctx.locals_of(fn):
            binding = fn.module.binding(name)
            if binding is None or binding.kind not in ("constant", "call", "other"):
                return None
            if not isinstance(binding.value, cst.BaseExpression):
                return None
            value = self.evaluate(fn.module.scope, binding.value, depth + 1)
            # A module-level path is made once per execution environment: its name is fixed.
            return replace(value, variable=False, same=frozenset(), parents=frozenset()) if value else None
        values = []
        for scope, value, index in self._assigned(fn, name):
            if isinstance(value, cst.Call) and fn.module.qualify(value.func) == TEMPORARY_DIRECTORY:
                values.append(PathValue(True, True, True, frozenset(), frozenset(), "/tmp/", None))
                continue
            if index is not None:
                # ``fd, path = tempfile.mkstemp()``: only the second element is the path
                if index == 1 and isinstance(value, cst.Call) and fn.module.qualify(value.func) == MKSTEMP:
                    values.append(self.evaluate(scope, value, depth + 1))
                continue
            values.append(self.evaluate(scope, value, depth + 1))
        merged = _merge([v for v in values if v is not None])
        if merged is None:
            return None
        return replace(merged, same=merged.same | {name})

    def _attribute(self, fn, expr: cst.Attribute, depth) -> Optional[PathValue]:
        owner = expr.value
        attr = expr.attr.value
        if attr == "name" and isinstance(owner, cst.Name):
            # ``tmp.name`` of a NamedTemporaryFile
            for scope, value, index in self._assigned(fn, owner.value) if owner.value in self.ctx.locals_of(fn) else ():
                if index is None and isinstance(value, cst.Call) and fn.module.qualify(value.func) == NAMED_TEMPORARY_FILE:
                    return self._named_temporary(scope, value, owner.value, depth)
                if index is None and isinstance(value, cst.Call) and fn.module.qualify(value.func) == TEMPORARY_DIRECTORY:
                    return PathValue(True, True, True, frozenset({owner.value}), frozenset(), "/tmp/", None)
        if _is_self(fn, owner):
            key = f"self.{attr}"
            values = [self.evaluate(m, v, depth + 1) for m, v in self.self_attribute_values(fn, attr)]
            merged = _merge([v for v in values if v is not None])
            if merged is None:
                return None
            return replace(merged, same=frozenset({key}), parents=frozenset())
        return None

    def _named_temporary(self, fn, call, holder, depth) -> PathValue:
        delete = keyword_arg(call, "delete")
        auto = not (delete is not None and isinstance(delete.value, cst.Name) and delete.value.value == "False")
        value = self._tempfile(fn, call, MKSTEMP, depth)
        return replace(value, auto=value.auto or auto, same=frozenset({holder}), made_by=NAMED_TEMPORARY_FILE)

    # -- per-invocation values --------------------------------------------------------------
    def varies(self, fn: Function, expr, depth: int = 0, seen=None) -> bool:
        """The value differs between invocations: request data, parameters, uuids, timestamps,
        anything computed from them. Module-level names and environment variables do not."""
        if depth > _DEPTH:
            return True
        seen = set() if seen is None else seen
        stack = [expr]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Call):
                qualified = fn.module.qualify(node.func) or ""
                if qualified.startswith(PER_INVOCATION_PREFIXES):
                    return True
            if isinstance(node, cst.Name):
                if self._name_varies(fn, node.value, depth, seen):
                    return True
                continue
            if isinstance(node, cst.Attribute):
                if node.attr.value not in FIXED_CONTEXT_ATTRIBUTES:
                    stack.append(node.value)
                continue
            if isinstance(node, cst.Lambda):
                continue
            stack.extend(node.children)
        return False

    def _name_varies(self, fn, name, depth, seen) -> bool:
        if fn.is_module_scope or name not in self.ctx.locals_of(fn):
            return False
        if (fn, name) in seen:
            return False
        seen.add((fn, name))
        if name in fn.params:
            return True
        assigned = self._assigned(fn, name)
        loops = [site.node for site in fn.loops if _loop_binds(site.node, name)]
        if any(not self._fixed_iterable(fn, loop.iter) for loop in loops):
            return True
        if any(item.asname is not None and name in names_in(item.asname.name)
               for site in fn.withs for item in site.node.items):
            return True
        if not assigned:
            return not loops  # bound some other way we do not follow (except, walrus, import): assume it varies
        return any(self.varies(scope, value, depth + 1, seen) for scope, value, _ in assigned)

    def _fixed_iterable(self, fn: Function, expr) -> bool:
        """A loop over a fixed set: a display of literals, or a module-level name."""
        from .names import is_literal

        if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            return all(isinstance(e, cst.Element) and is_literal(e.value) for e in expr.elements)
        if isinstance(expr, cst.Name):
            return not fn.is_module_scope and expr.value not in self.ctx.locals_of(fn) and \
                fn.module.binding(expr.value) is not None
        return False

    # -- where names get their values ------------------------------------------------------------
    def _assigned(self, fn: Function, name: str) -> list:
        """(scope, value, tuple index or None) for each local assignment or ``with ... as name``."""
        return [(fn, value, index) for value, index in values_bound_to(fn, name)]

    def self_attribute_values(self, fn: Function, attr: str) -> list:
        return fn.cls.attribute_values(attr) if fn.cls is not None else []

    # -- creations ------------------------------------------------------------------------------
    def creations(self, fn: Function) -> List[Creation]:
        out = []
        for site in fn.calls:
            found = self.creation(fn, site)
            if found is not None:
                out.append(found)
        return out

    def creation(self, fn: Function, site: Site) -> Optional[Creation]:
        call = site.node
        qualified = fn.module.qualify(call.func)
        method = call_method(call)
        args = positional_args(call)
        if qualified in OPENERS and not (qualified == "open" and self._shadowed(fn, "open")):
            path_pos, path_kw, mode_pos, mode_kw, default = OPENERS[qualified]
            mode = _arg(call, mode_pos, mode_kw)
            if not _writes(default if mode is None else string_value(mode)):
                return None
            return self._made(fn, site, qualified, False, _arg(call, path_pos, path_kw))
        if qualified in (MKSTEMP, MKDTEMP):
            path = self._tempfile(fn, call, qualified, 0)
            return Creation(site, qualified, qualified == MKDTEMP, path, self._holders(fn, site, qualified))
        if qualified == NAMED_TEMPORARY_FILE:
            holders = self._holders(fn, site, qualified)
            path = self._named_temporary(fn, call, next(iter(holders), ""), 0)
            if path.auto:
                return None
            return Creation(site, qualified, False, replace(path, same=frozenset()), holders)
        if qualified in MAKEDIRS:
            return self._made(fn, site, qualified, True, _arg(call, 0, "name") or keyword_arg_value(call, "path"))
        if qualified in COPIERS:
            return self._made(fn, site, qualified, qualified == "shutil.copytree", _arg(call, 1, "dst"))
        if qualified == "urllib.request.urlretrieve":
            return self._made(fn, site, qualified, False, _arg(call, 1, "filename"))
        if method == "download_file":
            target = keyword_arg_value(call, "Filename")
            if target is None and args:
                target = args[2] if len(args) > 2 else args[-1]
            return self._made(fn, site, f"{_receiver_text(call)}.download_file", False, target)
        if method == "extractall":
            return self._made(fn, site, f"{_receiver_text(call)}.extractall", True, _arg(call, 0, "path"))
        if method in PATH_WRITERS or method == "open":
            receiver = call_receiver(call)
            if method == "open":
                mode = _arg(call, 0, "mode")
                if not _writes(string_value(mode) if mode is not None else "r"):
                    return None
            return self._made(fn, site, f"Path.{method}", method == "mkdir", receiver)
        return self._handed_over(fn, site)

    # -- a path handed to a project helper that creates the file -------------------------------
    def _handed_over(self, fn, site: Site) -> Optional[Creation]:
        """``write_report(out, data)`` where the project function ``write_report`` creates the file or
        folder named by that parameter (and does not remove it): the creation is this call."""
        call = site.node
        target = self.ctx.project.called_function(fn, call.func)
        if target is None or target is fn or target.is_module_scope:
            return None
        created = self._creates_parameter(target)
        if not created:
            return None
        params = list(target.params)
        if target.cls is not None and params and params[0] in ("self", "cls"):
            params = params[1:]
        for i, arg in enumerate(call.args):
            if arg.star:
                return None
            param = arg.keyword.value if arg.keyword is not None else (params[i] if i < len(params) else None)
            if param in created:
                made = self._made(fn, site, dotted(call.func) or target.name, created[param], arg.value)
                if made is not None:
                    return made
        return None

    def _creates_parameter(self, helper: Function) -> dict:
        """{parameter: directory?} for the parameters that ``helper`` creates a file or folder at."""
        cache = self.__dict__.setdefault("_param_creations", {})
        if helper in cache:
            return cache[helper]
        cache[helper] = {}  # recursion guard
        params = set(helper.params) - set(self._reassigned(helper))
        found = {}
        outer_mode = getattr(self, "_parameter_mode", None)
        self._parameter_mode = params
        try:
            for inner in helper.calls:
                made = self.creation(helper, inner)
                if made is not None and made.path.same & params and not made.path.tmp:
                    for name in made.path.same & params:
                        found[name] = made.directory
        finally:
            self._parameter_mode = outer_mode
        removed = set()
        for removal in self.removals(helper):
            if removal.target is not None:
                removed |= removal.target.same
        found = {k: v for k, v in found.items() if k not in removed}
        cache[helper] = found
        return found

    def _reassigned(self, fn: Function) -> list:
        out = []
        for site in fn.stores:
            for target in getattr(site.node, "targets", ()) or ():
                if isinstance(target.target, cst.Name):
                    out.append(target.target.value)
            target = getattr(site.node, "target", None)
            if isinstance(target, cst.Name):
                out.append(target.value)
        return out

    def _made(self, fn, site, what, directory, target) -> Optional[Creation]:
        if target is None:
            return None
        path = self.evaluate(fn, target)
        if path is None or not path.tmp:
            params = getattr(self, "_parameter_mode", None)
            if params and isinstance(target, cst.Name) and target.value in params:
                # asked by _creates_parameter: the file is created at whatever the caller passes
                return Creation(site, what, directory, PathValue(same=frozenset({target.value})))
            return None
        return Creation(site, what, directory, path, self._holders(fn, site, None))

    def _holders(self, fn, site: Site, made_by: Optional[str]) -> frozenset:
        """Names the call's result is stored in: ``path`` in ``fd, path = mkstemp()``,
        ``self.workdir`` in ``self.workdir = mkdtemp()``, ``tmp`` in ``with NamedTemporaryFile() as tmp``,
        also through ``Path(mkdtemp())``, ``str(...)`` and ``mkstemp()[1]``."""
        if made_by is None:
            return frozenset()
        node = site.node
        chain = list(site.ancestors)
        unpack = made_by == MKSTEMP
        while chain:
            parent = chain[-1]
            if isinstance(parent, cst.Arg) and len(chain) > 1 and isinstance(chain[-2], cst.Call):
                wrapper = chain[-2]
                if fn.module.qualify(wrapper.func) in PASSTHROUGH_FUNCTIONS | PATH_CLASSES and len(wrapper.args) == 1:
                    node = wrapper
                    chain = chain[:-2]
                    continue
                return frozenset()
            if isinstance(parent, (cst.Index, cst.SubscriptElement)):
                chain.pop()
                continue
            if isinstance(parent, cst.Subscript) and parent.value is node:
                node = parent
                chain.pop()
                unpack = False
                continue
            break
        if not chain:
            return frozenset()
        parent = chain[-1]
        if isinstance(parent, cst.WithItem) and parent.asname is not None:
            return frozenset(n for n in [dotted(parent.asname.name)] if n)
        if isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is node:
            out = set()
            for target in ([t.target for t in parent.targets] if isinstance(parent, cst.Assign) else [parent.target]):
                if isinstance(target, (cst.Tuple, cst.List)):
                    if unpack and len(target.elements) == 2:
                        name = _holder_name(fn, target.elements[1].value)
                        if name:
                            out.add(name)
                    continue
                name = _holder_name(fn, target)
                if name:
                    out.add(name)
            return frozenset(out)
        return frozenset()

    def _shadowed(self, fn, name) -> bool:
        return name in self.ctx.locals_of(fn) or name in fn.module.bindings

    # -- removals -------------------------------------------------------------------------------
    def removals(self, fn: Function) -> List[Removal]:
        out = []
        for site in fn.calls:
            removal = self.removal(fn, site)
            if removal is not None:
                out.append(removal)
        return out

    def removal(self, fn: Function, site: Site, depth: int = 0) -> Optional[Removal]:
        call = site.node
        qualified = fn.module.qualify(call.func)
        method = call_method(call)
        if qualified in SHELL_FUNCTIONS:
            swept = _shell_rm(call)
            return Removal(site, None, swept) if swept else None
        if qualified in apis.FILE_REMOVERS:
            target = _arg(call, 0, "path") or keyword_arg_value(call, "src")
        elif method in apis.PATH_REMOVE_METHODS and qualified not in apis.FILE_REMOVERS:
            target = call_receiver(call)
        elif method == "cleanup":
            target = call_receiver(call)  # TemporaryDirectory.cleanup()
        else:
            return self._helper_removal(fn, site, depth)
        if target is None:
            return None
        return Removal(site, self.removed_path(fn, target), self.swept(fn, target))

    def removed_path(self, fn: Function, target) -> Optional[PathValue]:
        """What a removal call removes; a name we cannot trace (a parameter) still names it."""
        value = self.evaluate(fn, target)
        if value is not None:
            return replace(value, same=value.same | self._collected(fn, target))
        while isinstance(target, cst.Call) and (
            fn.module.qualify(target.func) in PASSTHROUGH_FUNCTIONS | PATH_CLASSES
        ) and len(target.args) == 1:
            target = target.args[0].value
        if isinstance(target, cst.Attribute) and target.attr.value == "name":
            target = target.value  # ``tmp.name``
        name = _holder_name(fn, target)
        return PathValue(same=frozenset({name}) | self._collected(fn, target)) if name else None

    def _collected(self, fn: Function, target) -> frozenset:
        """For ``for f in paths: os.remove(f)``: the names put into ``paths`` (``paths.append(p)``)."""
        if not isinstance(target, cst.Name) or fn.is_module_scope:
            return frozenset()
        out = set()
        for site in fn.loops:
            loop = site.node
            if not (isinstance(loop.target, cst.Name) and loop.target.value == target.value):
                continue
            if not isinstance(loop.iter, cst.Name):
                continue
            holder = loop.iter.value
            for call_site in fn.calls:
                call = call_site.node
                if call_method(call) in ("append", "add", "extend") and isinstance(call_receiver(call), cst.Name) \
                        and call_receiver(call).value == holder:
                    out |= {n for n in (a.value for a in call.args) for n in names_in(n)}
            for scope, value, index in self._assigned(fn, holder):
                if index is None and isinstance(value, (cst.List, cst.Tuple, cst.Set)):
                    out |= names_in(value)
        return frozenset(out)

    def _helper_removal(self, fn, site, depth) -> Optional[Removal]:
        """A call to a project function that removes one of its parameters: ``_cleanup(workdir)``."""
        if depth > 1:
            return None
        call = site.node
        target = self.ctx.project.called_function(fn, call.func)
        if target is None or target is fn or target.is_module_scope:
            return None
        params = list(target.params)
        if target.cls is not None and params and params[0] in ("self", "cls"):
            params = params[1:]
        removed = set()
        for inner in target.calls:
            found = self.removal(target, inner, depth + 1)
            if found is None or found.target is None:
                continue
            removed |= found.target.same
        for i, arg in enumerate(call.args):
            if arg.star:
                continue
            param = arg.keyword.value if arg.keyword is not None else (params[i] if i < len(params) else None)
            if param is not None and param in removed:
                return Removal(site, self.removed_path(fn, arg.value), self.swept(fn, arg.value))
        return None

    def swept(self, fn: Function, target) -> Optional[str]:
        """The constant /tmp folder a removal clears: ``shutil.rmtree("/tmp/work")``, or each entry of
        ``glob.glob("/tmp/*.csv")`` / ``os.listdir("/tmp")`` removed in a loop."""
        value = self.evaluate(fn, target)
        if value is not None and value.tmp and not value.variable and not value.auto and value.prefix:
            return value.prefix
        names = names_in(target)
        for site in fn.loops:
            loop = site.node
            bound = {n.value for n in flatten_target(loop.target) if isinstance(n, cst.Name)}
            if not bound & names or not isinstance(loop.iter, cst.Call):
                continue
            listing = fn.module.qualify(loop.iter.func)
            source = loop.iter.args[0].value if listing in LISTING_FUNCTIONS and loop.iter.args else None
            if source is None and call_method(loop.iter) in ("glob", "iterdir", "rglob"):
                base = self.evaluate(fn, call_receiver(loop.iter))
                if base is not None and base.tmp and not base.variable:
                    return base.prefix
                continue
            if source is None:
                continue
            text = string_value(source)
            if text is None:
                base = self.evaluate(fn, source)
                text = base.prefix if base is not None and base.tmp and not base.variable else None
            if text is not None and _constant(text) is not None and _constant(text).tmp:
                return text.split("*", 1)[0].split("?", 1)[0].split("[", 1)[0]
        return None

    def sweeps(self) -> list:
        """Constant /tmp folders that some warm-path function clears (computed once per project)."""
        store = self.ctx.analysis.__dict__
        if "_tmp_sweeps" not in store:
            found = []
            for fn in self.ctx.project.warm:
                for removal in self.removals(fn):
                    if removal.constant:
                        found.append(removal.constant)
            store["_tmp_sweeps"] = found
        return store["_tmp_sweeps"]


def exists_guard(site: Site) -> Site:
    """A removal written ``if os.path.exists(p): os.remove(p)`` runs whenever there is something to
    remove: stand the whole ``if`` in for it."""
    chain = list(site.ancestors)
    for i in range(len(chain) - 1, -1, -1):
        node = chain[i]
        if isinstance(node, cst.If):
            test = node.test
            if isinstance(test, cst.Call) and (call_method(test) or dotted(test.func) or "").rsplit(".", 1)[-1] in EXISTENCE_CHECKS:
                if chain[i + 1] is node.body:
                    return Site(node, tuple(chain[:i]), site.function)
            return site
        if isinstance(node, (cst.BaseCompoundStatement,)) and not isinstance(node, (cst.With, cst.Try)):
            return site
    return site


_MODE = re.compile(r"^[rwxab+tU]{1,4}(:[a-z0-9]*)?$")


def _writes(mode: Optional[str]) -> bool:
    """A file mode that creates or writes (``w``, ``a``, ``x``, ``wb``, ``w:gz``...)."""
    return mode is not None and bool(_MODE.match(mode)) and any(c in mode for c in "wax")


def _shell_rm(call: cst.Call) -> Optional[str]:
    """``os.system("rm -rf /tmp/*")``, ``subprocess.run(["rm", "-rf", "/tmp/work"])``: the /tmp folder swept."""
    if not call.args:
        return None
    first = call.args[0].value
    if isinstance(first, (cst.List, cst.Tuple)):
        words = [string_value(e.value) for e in first.elements]
        if any(w is None for w in words):
            return None
    else:
        text = string_value(first)
        if text is None:
            return None
        words = text.split()
    if not words or words[0] not in ("rm", "/bin/rm"):
        return None
    for word in words[1:]:
        if word.startswith("-"):
            continue
        folder = word.split("*", 1)[0]
        value = _constant(folder)
        if value is not None and value.tmp:
            return folder
    return None


def _constant(text: str) -> Optional[PathValue]:
    if text is None:
        return None
    tmp = any(text == p or text.startswith(p + "/") for p in apis.TMP_PREFIXES)
    return PathValue(tmp, False, False, frozenset(), frozenset(), text, None)


def _merge(values: list) -> Optional[PathValue]:
    if not values:
        return None
    tmp_values = [v for v in values if v.tmp] or values
    first = tmp_values[0]
    return PathValue(
        tmp=first.tmp,
        variable=any(v.variable for v in tmp_values),
        auto=any(v.auto for v in tmp_values),
        same=frozenset().union(*(v.same for v in tmp_values)),
        parents=frozenset().union(*(v.parents for v in tmp_values)),
        prefix=first.prefix,
        made_by=first.made_by,
    )


def _arg(call: cst.Call, position: int, keyword: str):
    kw = keyword_arg(call, keyword)
    if kw is not None:
        return kw.value
    positional = positional_args(call)
    return positional[position] if position < len(positional) else None


def keyword_arg_value(call: cst.Call, keyword: str):
    kw = keyword_arg(call, keyword)
    return kw.value if kw is not None else None


def _receiver_text(call: cst.Call) -> str:
    receiver = call_receiver(call)
    return (dotted(receiver) if receiver is not None else None) or "client"


def _holder_name(fn: Function, target) -> Optional[str]:
    if isinstance(target, cst.Name):
        return target.value
    if isinstance(target, cst.Attribute) and _is_self(fn, target.value):
        return f"self.{target.attr.value}"
    return None


def _is_self(fn: Function, expr) -> bool:
    return isinstance(expr, cst.Name) and fn.cls is not None and bool(fn.params) and expr.value == fn.params[0]


def _loop_binds(loop, name: str) -> bool:
    return any(isinstance(t, cst.Name) and t.value == name for t in flatten_target(loop.target))
