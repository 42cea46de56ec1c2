"""Planning a check: which files, which handlers are declared, and how the work
splits into units, all decided before any module is parsed.

Units are groups of handler files that may reach a common module through
imports (found by a cheap scan of import statements, :mod:`.import_scan`, an
over-approximation of what the warm path can reach). Units share no module, so
analysing each on its own Project gives the same findings as one Project over
everything: the warm path, the taint, the call sites, the containers a handler
resets and the one-code-per-site choice of a module only ever depend on the
handlers that reach that module.

No libcst is imported here.
"""
from __future__ import annotations

import hashlib
import os
import re
import sys
from typing import Dict, Iterable, List, Optional

from ..analysis.handlers import DeclaredHandler, MissingHandler
from .files import Excluder, collect_files, content_hash, read_file
from .import_scan import import_targets, inside, module_file
from .units import Setup, Unit

# The same test as project.HANDLER_TEXT and sources.MAX_FILE_BYTES (checked by
# tests/test_parallel.py), repeated here so that planning needs no libcst.
HANDLER_TEXT = re.compile(rb"def\s+(?:lambda_handler|handler)\s*\(|def\s+\w+\s*\(\s*event\b[^)]*?\bcontext\b")
MODULE_LEVEL_HANDLER_TEXT = re.compile(
    rb"^(?:async[ \t]+)?def[ \t]+(?:(?:lambda_handler|handler)[ \t]*\(|\w+[ \t]*\(\s*event\b[^)]*?\bcontext\b)", re.M)

# A module that can register a SnapStart runtime hook names the library.
HOOK_TEXT = b"snapshot_restore_py"

# Below this much source (bytes of the files the units may parse) a process
# pool costs more than it saves.
PARALLEL_MIN_BYTES = 256 * 1024


def default_codes() -> set:
    from ..rules import ALL_RULES

    return {r.code for r in ALL_RULES if r.default_enabled} | {"LAM001", "LAM002"}


def project_root(paths: Iterable[str], config) -> str:
    if config is not None and getattr(config, "path", None):
        return config.root
    cwd = os.getcwd()
    absolute = [os.path.abspath(p) for p in paths]
    if all(p == cwd or p.startswith(cwd + os.sep) for p in absolute):
        return cwd
    folders = [p if os.path.isdir(p) else os.path.dirname(p) for p in absolute]
    try:
        return os.path.commonpath(folders)
    except ValueError:
        return cwd



class Plan:
    """Everything decided before any module is parsed: files, declared handlers, units."""

    def __init__(self, paths: List[str], config, options, result, scope=None):
        self.config = config
        self.options = options
        # A Scope (run/scope.py) is one project of a command line: its root, its
        # exclusions, the checked files; handlers are searched across the whole
        # project and only what was given is reported. Without one (library
        # callers), the paths are the project.
        self.scope = scope
        # What decides exclusion, for the discovery cache's key.
        self._patterns = [getattr(config, "exclude", None), getattr(config, "extend_exclude", None),
                          getattr(config, "exclude_set", False), getattr(config, "respect_gitignore", True)]
        if scope is not None:
            self.root = scope.root
            self.excluded = scope.project_excluder()
            self.files = list(scope.files)
        else:
            self.root = os.path.abspath(project_root(paths, config))
            self.excluded = Excluder.from_config(self.root, config) if config is not None else Excluder(self.root)
            self.files, result.errors = collect_files(paths, self.excluded, options.force_exclude)
        self.checked = set(self.files)
        self.contents = {os.path.abspath(p): t for p, t in (options.contents or {}).items()}
        self.enabled = set(options.enabled) if options.enabled is not None else default_codes()
        self.config_src = list(getattr(config, "src", None) or [])
        self.src_roots = [os.path.abspath(os.path.join(self.root, s)) for s in self.config_src]
        self._data: Dict[str, Optional[bytes]] = {}
        self._hashes: Dict[str, str] = {}
        self._targets: Dict[str, list] = {}
        self._probed: Dict[tuple, Optional[str]] = {}
        self._project_files: Optional[List[str]] = None
        self.declared: List[DeclaredHandler] = []
        self.missing: List[MissingHandler] = []  # declared files that do not exist
        self.code_roots: list = []
        self.import_roots: list = []  # layers and src layouts (discovery), searched last
        self.discovery = None  # the Discovery, for `handlers --explain` and the warnings' wording
        self.covered: set = set()  # files covered by infrastructure (no conventional handlers)
        self._declare(result)

    # -- reading -----------------------------------------------------------------
    def data(self, path: str) -> Optional[bytes]:
        """The file's bytes (the in-memory text when one is given), or None when it cannot be read as a file."""
        if path not in self._data:
            text = self.contents.get(path)
            self._data[path] = text if text is not None else read_file(path)
        return self._data[path]

    def digest(self, path: str) -> str:
        if path not in self._hashes:
            self._hashes[path] = content_hash(self.data(path), path)
        return self._hashes[path]

    def is_candidate(self, path: str) -> bool:
        """Whether the file may define a conventional handler (and is parsed to find out).

        The text test is the Project's; a file whose matches are all indented is
        read with ``ast`` first, and kept only if a ``handler``/``lambda_handler``,
        or a function taking ``(event, context, ...)``, is defined at module level
        (also inside a module-level ``if``/``try``),
        or if ``ast`` cannot parse it (libcst then decides, and reports LAM001).
        So a method or a nested function called ``handler`` costs no libcst parse.
        """
        data = self.data(path)
        if data is None:
            return True
        if not HANDLER_TEXT.search(data):
            return False
        return bool(MODULE_LEVEL_HANDLER_TEXT.search(data)) or _module_level_handler(data)

    # -- declared handlers ----------------------------------------------------------
    def _declare(self, result) -> None:
        config = self.config
        index = 0
        for spec in getattr(config, "handlers", None) or []:
            path, function = self._resolve_config_handler(spec)
            declared_in = config.path or os.path.join(self.root, "pyproject.toml")
            line = config.handler_line(spec) if hasattr(config, "handler_line") else 1
            if path is None:
                self.missing.append(MissingHandler(spec, declared_in, line, "names a module that does not exist", index))
            else:
                self.declared.append(DeclaredHandler(index, "config", path, function, "config", declared_in, line, spec))
            index += 1
        from .discovery_cache import discover_cached

        memo = getattr(self.options, "discovery", None)
        try:
            if memo is not None:
                found = memo.discover(self.root, self.excluded)
            else:
                # Replayed from the cache when nothing under the root changed (no YAML, HCL or
                # libcst parse, no import of them).
                found = discover_cached(self.root, self.excluded, repr(self._patterns),
                                        use_cache=self.options.use_cache and not self.contents,
                                        directory=getattr(self.options, "cache_dir", None))
        except ImportError:
            return
        except Exception as exc:
            result.warnings.append(f"handler discovery failed: {type(exc).__name__}: {exc}")
            return
        self.discovery = found
        self.import_roots = list(found.import_roots)
        result.warnings.extend(found.warnings)
        for declared in found.handlers:
            if declared.code_root and declared.code_root not in self.src_roots + self.code_roots:
                self.code_roots.append(declared.code_root)
        for declared in found.handlers:
            if declared.module_file is None:
                self.missing.append(MissingHandler(declared.spec, declared.declared_in, declared.declared_line,
                                                   "names a module that does not exist", index))
            else:
                self.declared.append(DeclaredHandler(
                    index, "discovered", os.path.abspath(declared.module_file), declared.function,
                    declared.source, declared.declared_in, declared.declared_line, declared.spec,
                    getattr(declared, "snapstart", False)))
            index += 1
        self.covered = {os.path.abspath(p) for p in found.covered_files}

    def _resolve_config_handler(self, spec: str):
        if ":" in spec:
            file_part, _, function = spec.rpartition(":")
            path = os.path.join(self.root, file_part)
            return (os.path.abspath(path) if os.path.isfile(path) else None), function
        module, _, function = spec.rpartition(".")
        for base in self.src_roots + [self.root]:
            found = module_file(self.root, base, module)
            if found:
                return found, function
        return None, function

    # -- units ------------------------------------------------------------------------
    def units(self) -> List[Unit]:
        """Handler files grouped so that no two groups can reach a common module."""
        roots: Dict[str, dict] = {}

        def root(path: str) -> dict:
            if path not in roots:
                roots[path] = {"path": path, "declared": [], "candidate": False}
            return roots[path]

        for item in self.declared:
            root(item.path)["declared"].append(item)
        for path in self.project_files():
            if path not in self.covered and self.is_candidate(path):
                root(path)["candidate"] = True
        parent: Dict[str, str] = {}

        def find(x: str) -> str:
            while parent.setdefault(x, x) != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        reach: Dict[str, set] = {}
        for path in roots:
            seen = {path}
            todo = [path]
            while todo:
                current = todo.pop()
                for target in self.import_targets(current):
                    if target not in seen:
                        seen.add(target)
                        todo.append(target)
            reach[path] = seen
            for other in seen:
                parent[find(other)] = find(path)
        groups: Dict[str, list] = {}
        for path in roots:
            groups.setdefault(find(path), []).append(path)
        order = {p: i for i, p in enumerate(self.files)}
        units = []
        for members in groups.values():
            members.sort(key=lambda p: (order.get(p, len(order)), p))
            closure = set().union(*(reach[p] for p in members))
            if self.scope is not None and not (closure & self.checked) and not any(
                    self.scope.within_given(d.declared_in) for p in members for d in roots[p]["declared"]):
                continue  # reaches no checked file and declares nothing given: nothing of it is reported
            declared = sorted((d for p in members for d in roots[p]["declared"]), key=lambda d: d.order)
            units.append(Unit(
                roots=members,
                candidates=[p for p in members if roots[p]["candidate"]],
                declared=declared,
                weight=sum(len(self.data(p) or b"") for p in closure),
                hook_files=self._hook_files(members, declared, closure),
            ))
        units.sort(key=lambda u: u.roots[0])
        return units

    def project_files(self) -> List[str]:
        """Where conventional handlers are searched: the whole project for a Scope, else the checked files.

        Searching the whole project is what lets a helper given alone get the
        findings that a handler elsewhere in the project causes.
        """
        if self.scope is None or self._all_checked():
            return self.files
        if self._project_files is None:
            from .files import walk_python_files

            found = list(self.files)
            seen = set(found)
            for _, names in walk_python_files(self.root, lambda folder: self.excluded):
                for name in names:
                    if name not in seen:
                        seen.add(name)
                        found.append(name)
            self._project_files = found
        return self._project_files

    def _all_checked(self) -> bool:
        return any(g == self.root for g in self.scope.given)

    def _hook_files(self, members: list, declared: list, closure: set) -> list:
        """Checked files that register SnapStart runtime hooks in the code of this unit's SnapStart
        handlers but that no import reaches: LAM603 must see them (a hook there never runs)."""
        snapstart = getattr(self.config, "snapstart", False)
        if not any(d.snapstart for d in declared) and not snapstart:
            return []
        folders = {_import_root(p) for p in members}
        found = []
        for path in self.files:
            if path in closure or not any(_inside(path, f) for f in folders) or _is_test_file(os.path.relpath(path, self.root)):
                continue
            data = self.data(path)
            if data is not None and HOOK_TEXT in data:
                found.append(path)
        return found

    def import_targets(self, path: str) -> list:
        """Project files that ``path``'s import statements may name (never fewer than the parser finds)."""
        if path not in self._targets:
            data = self.data(path)
            self._targets[path] = [] if data is None else self._resolve_imports(path, import_targets(data))
        return self._targets[path]

    def _resolve_imports(self, importer: str, names: list) -> list:
        folder = os.path.dirname(importer)
        # As the Project resolves (project._compute_search_roots): a template's code root
        # only for the files inside it.
        bases = list(self.src_roots) + [r for r in self.code_roots if inside(importer, r)]
        current = folder
        while True:
            bases.append(current)
            if current == self.root or not current.startswith(self.root):
                break
            up = os.path.dirname(current)
            if up == current:
                break
            current = up
        bases.append(self.root)
        bases.extend(self.import_roots)
        bases = list(dict.fromkeys(bases))
        found = []
        for level, dotted_name in names:
            if level:
                base = folder
                for _ in range(level - 1):
                    base = os.path.dirname(base)
                candidates = [base]
            else:
                candidates = bases
            parts = dotted_name.split(".") if dotted_name else []
            prefixes = [".".join(parts[:i]) for i in range(1, len(parts) + 1)] or [""]
            for base in candidates:
                for prefix in prefixes:
                    key = (base, prefix)
                    if key not in self._probed:
                        self._probed[key] = module_file(self.root, base, prefix)
                    target = self._probed[key]
                    if target is not None and target != importer:
                        found.append(target)
        return list(dict.fromkeys(found))

    # -- running ------------------------------------------------------------------------
    def setup(self) -> Setup:
        """What every unit needs, as plain data (sent once to each worker process)."""
        return Setup(root=self.root, config=self.config, config_src=self.config_src,
                     code_roots=list(self.code_roots), covered=self.covered, checked=self.checked,
                     enabled=self.enabled, contents=self.contents, import_roots=list(self.import_roots),
                     fixes=getattr(self.options, "fixes", "full"))

    def jobs_for(self, units: list) -> int:
        jobs = self.options.jobs
        if not jobs or jobs < 0:
            jobs = os.cpu_count() or 1
        if jobs <= 1 or len(units) < 2 or sum(u.weight for u in units) < PARALLEL_MIN_BYTES:
            return 1
        return min(jobs, len(units))

    def settings_key(self) -> str:
        """What, besides the files, decides a unit's result."""
        from .. import __version__

        config = self.config
        fields = {}
        if config is not None:
            fields = {k: v for k, v in sorted(vars(config).items()) if k != "text"}
        parts = [
            f"lambda-lint {__version__}",
            _dependency_versions(),
            repr(sorted(self.enabled)),
            f"fixes {getattr(self.options, 'fixes', 'full')}",
            repr(sorted(fields.items())),
            self.root,
            repr(self.code_roots),
            repr(sorted(self.covered)),
            repr(self.import_roots),
            repr(sorted((p, content_hash(t)) for p, t in self.contents.items())),
        ]
        return hashlib.blake2b("\n".join(parts).encode("utf-8", "replace"), digest_size=16).hexdigest()


def _import_root(module_file: str) -> str:
    """The folder a module is imported from: above every package (``__init__.py``) it sits in."""
    folder = os.path.dirname(module_file)
    while os.path.isfile(os.path.join(folder, "__init__.py")):
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return folder


def _is_test_file(path: str) -> bool:
    """Test code registers hooks to exercise them; it is not deployed with the function.
    ``path`` is relative to the checked root."""
    name = os.path.basename(path)
    parts = path.split(os.sep)[:-1]
    return (name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
            or any(p in ("tests", "test") for p in parts))


def _inside(path: str, folder: str) -> bool:
    return path.startswith(folder.rstrip(os.sep) + os.sep)


def _module_level_handler(data: bytes) -> bool:
    """A ``def handler``/``def lambda_handler``, or a function whose first parameters are
    ``event, context``, outside any function or class, by ``ast`` (True when ``ast`` cannot tell)."""
    import ast
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            positional = [a.arg for a in node.args.posonlyargs + node.args.args]
            if node.name in ("handler", "lambda_handler") or positional[:2] == ["event", "context"]:
                return True
        elif not isinstance(node, ast.ClassDef):
            for name in ("body", "orelse", "finalbody", "handlers", "cases"):
                todo.extend(x for x in getattr(node, name, ()) or () if isinstance(x, ast.AST))
    return False


def _dependency_versions() -> str:
    """Python's version and the installed libcst, without importing libcst or
    importlib.metadata (50 ms, a fifth of a cached run): libcst's version file,
    named by its path, size and modification time, stands for its version."""
    libcst = "?"
    try:
        import importlib.util

        spec = importlib.util.find_spec("libcst")
        if spec is not None and spec.submodule_search_locations:
            for folder in spec.submodule_search_locations:
                marker = os.path.join(folder, "_version.py")
                if not os.path.isfile(marker):
                    marker = os.path.join(folder, "__init__.py")
                info = os.stat(marker)
                libcst = f"{marker}:{info.st_size}:{info.st_mtime_ns}"
                break
    except (ImportError, ValueError, OSError):
        pass
    return f"python {sys.version_info[0]}.{sys.version_info[1]}.{sys.version_info[2]} libcst {libcst}"
