"""One check: collect files, find handlers, build the warm path, run the rules,
and turn their reports into diagnostics (one code per site).

The work is split into *units*: groups of handler files that may reach a common
module through imports (found by a cheap scan of import statements, see
:func:`_import_targets`, an over-approximation of what the warm path can
reach). Units share no module, so analysing each on its own Project gives the
same findings as one Project over everything: the warm path, the taint, the
call sites, the containers a handler resets and the one-code-per-site choice of
a module only ever depend on the handlers that reach that module. Units are
analysed in this process or, when there is enough work, in a pool of processes
(:mod:`.parallel`), and their results are cached (:mod:`.cache`). The merged
result does not depend on either.

This module imports no libcst at import time: a check answered from the cache,
or over files that no handler can reach, never loads the parser.
"""
from __future__ import annotations

import hashlib
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional

from ..diagnostics import Diagnostic, Edit, Fix
from .files import Excluder, collect_files

# "One site gets one code": within each group, the code listed first wins.
PRECEDENCE_GROUPS = (
    ("LAM103", "LAM101", "LAM102", "LAM105"),
    ("LAM305", "LAM201", "LAM203", "LAM202"),
    ("LAM401", "LAM402", "LAM403"),
)

TOOL_NAMES = {"LAM001": "parse-error", "LAM002": "handler-not-found"}

# The same test as project.HANDLER_TEXT and sources.MAX_FILE_BYTES (checked by
# tests/test_parallel.py), repeated here so that planning needs no libcst.
HANDLER_TEXT = re.compile(rb"def\s+(?:lambda_handler|handler)\s*\(")
MAX_FILE_BYTES = 50 * 1024 * 1024
MODULE_LEVEL_HANDLER_TEXT = re.compile(rb"^(?:async[ \t]+)?def[ \t]+(?:lambda_handler|handler)[ \t]*\(", re.M)

# Below this much source (bytes of the files the units may parse) a process
# pool costs more than it saves.
PARALLEL_MIN_BYTES = 256 * 1024


@dataclass
class CheckResult:
    diagnostics: List[Diagnostic] = field(default_factory=list)
    handlers: list = field(default_factory=list)
    errors: List[str] = field(default_factory=list)  # usage problems: missing paths
    internal_errors: List[str] = field(default_factory=list)  # bugs of ours, per file and rule
    warnings: List[str] = field(default_factory=list)  # e.g. unreadable templates
    project: Optional[object] = None  # the Project, or a Sources view (.root, .data(path), .missing)


@dataclass
class Options:
    enabled: Optional[set] = None  # codes to report; None = every default rule
    force_exclude: bool = False
    jobs: int = 1  # processes; 0 or None: one per CPU. Library callers get 1.
    use_cache: bool = False  # read and write .lambda_lint_cache/ (the CLI turns it on)


@dataclass
class HandlerInfo:
    """A handler as plain data (results from other processes or from the cache)."""

    path: str
    function: str
    line: int
    source: str
    declared_in: Optional[str] = None
    declared_line: Optional[int] = None
    target: None = None

    def to_json(self) -> dict:
        out = {"path": self.path, "function": self.function, "line": self.line, "source": self.source}
        if self.declared_in:
            out["declared_in"] = self.declared_in
            out["declared_line"] = self.declared_line
        return out


@dataclass
class MissingInfo:
    """A declared handler that does not exist (LAM002), as plain data."""

    spec: str
    declared_in: str
    declared_line: int
    reason: str


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


def display_path(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def default_codes() -> set:
    from ..rules import ALL_RULES

    return {r.code for r in ALL_RULES if r.default_enabled} | {"LAM001", "LAM002"}


# -- the check ---------------------------------------------------------------------
def check(paths: List[str], config=None, options: Optional[Options] = None) -> CheckResult:
    options = options or Options()
    result = CheckResult()
    plan = Plan(paths, config, options, result)
    units = plan.units()

    cache = None
    if options.use_cache:
        from .cache import Cache

        cache = Cache(plan.root, plan.settings_key())
    outcomes: Dict[int, dict] = {}
    todo = []
    for i, unit in enumerate(units):
        hit = cache.lookup(unit, plan) if cache is not None else None
        if hit is not None:
            outcomes[i] = hit
        else:
            todo.append(i)
    if todo:
        from .parallel import run_units

        computed = run_units(plan.setup(), [units[i] for i in todo], plan.jobs_for([units[i] for i in todo]))
        for i, outcome in zip(todo, computed):
            outcomes[i] = outcome
            if cache is not None:
                cache.store(units[i], plan, outcome)
    plan.merge([outcomes[i] for i in range(len(units))], result)
    return result


class Plan:
    """Everything decided before any module is parsed: files, declared handlers, units."""

    def __init__(self, paths: List[str], config, options: Options, result: CheckResult):
        self.config = config
        self.options = options
        self.root = os.path.abspath(project_root(paths, config))
        patterns = list(getattr(config, "exclude", None) or []) + list(getattr(config, "extend_exclude", None) or [])
        self.excluded = Excluder(self.root, patterns)
        self.files, result.errors = collect_files(paths, self.excluded, options.force_exclude)
        self.checked = set(self.files)
        self.enabled = set(options.enabled) if options.enabled is not None else default_codes()
        self.config_src = list(getattr(config, "src", None) or [])
        self.src_roots = [os.path.abspath(os.path.join(self.root, s)) for s in self.config_src]
        self._data: Dict[str, Optional[bytes]] = {}
        self._hashes: Dict[str, str] = {}
        self._targets: Dict[str, list] = {}
        self._probed: Dict[tuple, Optional[str]] = {}
        self.declared: list = []  # (index, kind, path, function, source, declared_in, line, spec)
        self.missing: list = []  # (index, MissingInfo) for declared files that do not exist
        self.code_roots: list = []
        self.covered: set = set()  # files covered by infrastructure (no conventional handlers)
        self._declare(result)

    # -- reading -----------------------------------------------------------------
    def data(self, path: str) -> Optional[bytes]:
        """The file's bytes, or None when it cannot be read as a file.

        Read the way the Project reads (``project.read_bytes``) once that module
        is loaded, so that a caller who substitutes texts there (the fixer's
        in-memory rounds) is seen by the planning too.
        """
        if path not in self._data:
            project = sys.modules.get("lambda_lint.analysis.project")
            if project is not None and hasattr(project, "read_bytes"):
                value = project.read_bytes(path)
                self._data[path] = value if isinstance(value, bytes) else None
            else:
                self._data[path] = _read(path)
        return self._data[path]

    def digest(self, path: str) -> str:
        if path not in self._hashes:
            self._hashes[path] = content_hash(self.data(path), path)
        return self._hashes[path]

    def is_candidate(self, path: str) -> bool:
        """Whether the file may define a conventional handler (and is parsed to find out).

        The text test is the Project's; a file whose matches are all indented is
        read with ``ast`` first, and kept only if a ``handler``/``lambda_handler``
        is defined at module level (also inside a module-level ``if``/``try``),
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
    def _declare(self, result: CheckResult) -> None:
        config = self.config
        index = 0
        for spec in getattr(config, "handlers", None) or []:
            path, function = self._resolve_config_handler(spec)
            declared_in = config.path or os.path.join(self.root, "pyproject.toml")
            line = config.handler_line(spec) if hasattr(config, "handler_line") else 1
            if path is None:
                self.missing.append((index, MissingInfo(spec, declared_in, line, "names a module that does not exist")))
            else:
                self.declared.append((index, "config", path, function, "config", declared_in, line, spec))
            index += 1
        try:
            from ..discovery import discover
        except ImportError:
            return
        try:
            found = discover(self.root, self.excluded)
        except Exception as exc:
            result.warnings.append(f"handler discovery failed: {type(exc).__name__}: {exc}")
            return
        result.warnings.extend(found.warnings)
        for declared in found.handlers:
            if declared.code_root and declared.code_root not in self.src_roots + self.code_roots:
                self.code_roots.append(declared.code_root)
        for declared in found.handlers:
            if declared.module_file is None:
                self.missing.append((index, MissingInfo(declared.spec, declared.declared_in, declared.declared_line,
                                                        "names a module that does not exist")))
            else:
                self.declared.append((index, "discovered", os.path.abspath(declared.module_file), declared.function,
                                      declared.source, declared.declared_in, declared.declared_line, declared.spec))
            index += 1
        self.covered = {os.path.abspath(p) for p in found.covered_files}

    def _resolve_config_handler(self, spec: str):
        if ":" in spec:
            file_part, _, function = spec.rpartition(":")
            path = os.path.join(self.root, file_part)
            return (os.path.abspath(path) if os.path.isfile(path) else None), function
        module, _, function = spec.rpartition(".")
        for base in self.src_roots + [self.root]:
            found = _module_file(self.root, base, module)
            if found:
                return found, function
        return None, function

    # -- units ------------------------------------------------------------------------
    def units(self) -> List[dict]:
        """Handler files grouped so that no two groups can reach a common module."""
        roots: Dict[str, dict] = {}

        def root(path: str) -> dict:
            if path not in roots:
                roots[path] = {"path": path, "declared": [], "candidate": False}
            return roots[path]

        for item in self.declared:
            root(item[2])["declared"].append(item)
        for path in self.files:
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
            units.append({
                "roots": members,
                "candidates": [p for p in members if roots[p]["candidate"]],
                "declared": sorted((d for p in members for d in roots[p]["declared"]), key=lambda d: d[0]),
                "weight": sum(len(self.data(p) or b"") for p in closure),
            })
        units.sort(key=lambda u: u["roots"][0])
        return units

    def import_targets(self, path: str) -> list:
        """Project files that ``path``'s import statements may name (never fewer than the parser finds)."""
        if path not in self._targets:
            data = self.data(path)
            self._targets[path] = [] if data is None else self._resolve_imports(path, _import_targets(data))
        return self._targets[path]

    def _resolve_imports(self, importer: str, names: list) -> list:
        folder = os.path.dirname(importer)
        bases = list(self.src_roots) + list(self.code_roots)
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
                        self._probed[key] = _module_file(self.root, base, prefix)
                    target = self._probed[key]
                    if target is not None and target != importer:
                        found.append(target)
        return list(dict.fromkeys(found))

    # -- running ------------------------------------------------------------------------
    def setup(self) -> dict:
        """What every unit needs, as plain data (sent once to each worker process)."""
        return {
            "root": self.root,
            "config": self.config,
            "config_src": self.config_src,
            "code_roots": list(self.code_roots),
            "covered": self.covered,
            "checked": self.checked,
            "enabled": self.enabled,
        }

    def jobs_for(self, units: list) -> int:
        jobs = self.options.jobs
        if not jobs or jobs < 0:
            jobs = os.cpu_count() or 1
        if jobs <= 1 or len(units) < 2 or sum(u["weight"] for u in units) < PARALLEL_MIN_BYTES:
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
            repr(sorted(fields.items())),
            self.root,
            repr(self.code_roots),
            repr(sorted(self.covered)),
        ]
        return hashlib.blake2b("\n".join(parts).encode("utf-8", "replace"), digest_size=16).hexdigest()

    # -- merging ------------------------------------------------------------------------
    def merge(self, outcomes: List[dict], result: CheckResult) -> None:
        # Units share no module, so nothing is reported twice; should two units
        # ever report the same finding (or handler), it is kept once.
        diagnostics: List[Diagnostic] = []
        handlers: list = []
        first_unit: Dict[tuple, int] = {}

        def new(identity: tuple, unit: int) -> bool:
            return first_unit.setdefault(identity, unit) == unit

        missing = list(self.missing)
        projects = []
        for unit, outcome in enumerate(outcomes):
            for item in outcome["diagnostics"]:
                diagnostic = item if isinstance(item, Diagnostic) else diagnostic_from_json(item)
                if new(("d",) + _diagnostic_identity(diagnostic), unit):
                    diagnostics.append(diagnostic)
            for item in outcome["handlers"]:
                handler = item if not isinstance(item, dict) else HandlerInfo(**item)
                if new(("h", handler.path, handler.function, handler.source, handler.declared_in,
                        handler.declared_line), unit):
                    handlers.append(handler)
            for index, spec, declared_in, line, reason in outcome["missing"]:
                missing.append((index, MissingInfo(spec, declared_in, line, reason)))
            result.internal_errors.extend(outcome["internal_errors"])
            if outcome.get("project") is not None:
                projects.append(outcome["project"])
        missing.sort(key=lambda m: m[0])
        if "LAM002" in self.enabled:
            for _, m in missing:
                diagnostics.append(_tool_diagnostic(
                    m.declared_in, m.declared_line, "LAM002", f"handler `{m.spec}` {m.reason}",
                    "Point the handler setting at an existing module and function."))
        result.diagnostics = sorted(diagnostics, key=_order)
        result.handlers = sorted(handlers, key=lambda h: (h.path, h.line, h.function, h.source))
        if len(projects) == 1 and len(outcomes) == 1:
            result.project = projects[0]
            result.project.missing = [m for _, m in missing]
        else:
            result.project = Sources(self, projects, [m for _, m in missing])


class Sources:
    """What callers read from ``CheckResult.project`` when no single Project holds everything."""

    def __init__(self, plan: Plan, projects: list, missing: list):
        self.root = plan.root
        self.missing = missing
        self._plan = plan
        self._projects = projects

    def data(self, path: str):
        path = os.path.abspath(path)
        for project in self._projects:
            known = getattr(project, "_data", {}).get(path)
            if known is not None:
                return known
        data = self._plan.data(path)
        return data if data is not None else _Unreadable()


class _Unreadable:
    reason = "cannot read file"
    line = 1


def _order(d: Diagnostic) -> tuple:
    return (*d.sort_key(), d.end_line, d.end_column, d.name, d.message, d.suggestion)


def _diagnostic_identity(d: Diagnostic) -> tuple:
    return (d.path, d.line, d.column, d.end_line, d.end_column, d.code, d.message, d.suggestion)


# -- analysing one unit (in this process or a worker) ------------------------------------
def analyse_unit(setup: dict, unit: dict, keep_objects: bool = False) -> dict:
    """Analyse one unit on its own Project; the outcome is plain data (picklable, JSON-able).

    With ``keep_objects`` the diagnostics keep their Fix objects (with transforms)
    and the Project is returned too, for callers in this process.
    """
    from ..analysis.context import Context, ProjectAnalysis
    from ..analysis.project import MissingHandler, Project
    from ..rules import ALL_RULES

    config = setup["config"]
    checked = setup["checked"]
    enabled = setup["enabled"]
    outcome = {"diagnostics": [], "handlers": [], "missing": [], "internal_errors": []}

    project = Project(setup["root"], unit["roots"], setup["config_src"])
    covered = set()
    for index, kind, path, function, source, declared_in, line, spec in unit["declared"]:
        if kind != "config":
            continue
        if project.add_handler(path, function, "config", declared_in, line):
            covered.add(path)
        else:
            outcome["missing"].append((index, spec, declared_in, line,
                                       f"names `{function}`, which is not defined in {display_path(path)}"))
    for code_root in setup["code_roots"]:
        if code_root not in project.src_roots:
            project.src_roots.append(code_root)
    for index, kind, path, function, source, declared_in, line, spec in unit["declared"]:
        if kind == "config":
            continue
        if not project.add_handler(path, function, source, declared_in, line):
            outcome["missing"].append((index, spec, declared_in, line,
                                       f"names `{function}`, which is not defined in {display_path(path)}"))
    covered |= setup["covered"]
    project.find_conventional_handlers(p for p in unit["candidates"] if p not in covered)
    project.compute_warm_path()
    for h in project.handlers:
        outcome["handlers"].append(h if keep_objects else {
            "path": h.path, "function": h.function, "line": h.line, "source": h.source,
            "declared_in": h.declared_in, "declared_line": h.declared_line,
        })

    analysis = ProjectAnalysis(project, getattr(config, "extend_clients", None) or [])
    rules = [rule() for rule in ALL_RULES if rule.code in enabled]
    pending = []  # (model, rule, report, ctx)
    for model in _modules_to_check(project, checked):
        ctx = Context(project, model, analysis, config)
        for rule in rules:
            try:
                for report in rule.check(ctx):
                    pending.append((model, rule, report, ctx))
            except Exception as exc:  # a bug of ours must not hide the other findings
                outcome["internal_errors"].append(
                    f"{display_path(model.path)}: internal error in {rule.code} ({rule.name}): "
                    f"{type(exc).__name__}: {exc}"
                )
    by_module: Dict[str, tuple] = {}
    for model, _, report, _ in pending:
        by_module.setdefault(model.path, (model, []))[1].append(report.node)
    for model, nodes in by_module.values():
        try:
            model.positions.prefetch(nodes)  # one rendering of the module for all its findings
        except Exception:  # noqa: BLE001 - placed one by one below, with the error reported there
            pass

    # Fixes only for the reports that keep their site (a fix costs about a parse of the module).
    survivors = _one_code_per_site(pending)
    fixes_for = _fix_provider()
    for model, rule, report, ctx in survivors:
        if report.fix is None and fixes_for is not None:
            try:
                report.fix = fixes_for(rule.code, ctx, report)
            except Exception as exc:  # a bug of ours: the finding stays, without a fix
                outcome["internal_errors"].append(
                    f"{display_path(model.path)}: internal error in {rule.code} ({rule.name}): "
                    f"{type(exc).__name__}: {exc}"
                )

    diagnostics = []
    for model, rule, report, _ in survivors:
        try:
            diagnostics.append(_to_diagnostic(model, rule, report))
        except Exception as exc:
            outcome["internal_errors"].append(
                f"{display_path(model.path)}: internal error placing {rule.code}: {type(exc).__name__}: {exc}"
            )
    if "LAM001" in enabled:
        for path, failure in sorted(project.failures.items()):
            if path in checked:
                diagnostics.append(_tool_diagnostic(path, failure.line, "LAM001", failure.reason,
                                                    "Fix the file so that Python can parse it, or exclude it."))
    outcome["diagnostics"] = diagnostics if keep_objects else [diagnostic_to_json(d) for d in diagnostics]
    outcome["deps"], outcome["absent"] = _dependencies(project, checked)
    for index, spec, declared_in, line, reason in outcome["missing"]:
        project.missing.append(MissingHandler(spec, declared_in, line, reason))
    if keep_objects:
        outcome["project"] = project
    return outcome


def _dependencies(project, checked: set):
    """(files read: {path: [content hash, checked?]}, paths whose absence mattered) of a unit.

    None when the Project does not say what it looked up (then nothing is cached).
    """
    data = getattr(project, "_data", None)
    resolved = getattr(project, "_resolved", None)
    if not isinstance(data, dict) or not isinstance(resolved, dict):
        return None, None
    deps = {}
    for path, value in data.items():
        deps[path] = [content_hash(value if isinstance(value, bytes) else None, path), path in checked]
    absent = set()
    for key, found in resolved.items():
        if found is None and isinstance(key, tuple) and len(key) == 2:
            base, dotted_name = key
            rel = os.path.join(base, *dotted_name.split(".")) if dotted_name else base
            absent.update((rel + ".py", os.path.join(rel, "__init__.py")))
    return deps, sorted(absent)


def _fix_provider():
    try:
        from ..fixes import fix_for
    except ImportError:
        return None
    return fix_for


def _modules_to_check(project, checked: set) -> list:
    models = {m.path: m for m in project.modules_on_warm_path()}
    return [models[p] for p in sorted(models) if p in checked]


def _one_code_per_site(pending: list) -> list:
    rank = {}
    group_of = {}
    for g, group in enumerate(PRECEDENCE_GROUPS):
        for i, code in enumerate(group):
            rank[code], group_of[code] = i, g
    best = {}
    for item in pending:
        model, rule, report = item[0], item[1], item[2]
        group = group_of.get(rule.code)
        if group is None:
            best[(model.path, id(report.node), rule.code)] = item
            continue
        key = (model.path, model.line_of(report.node), group)
        current = best.get(key)
        if current is None or rank[rule.code] < rank[current[1].code]:
            best[key] = item
        elif current[1].code == rule.code and current[2].node is not report.node:
            best[(model.path, id(report.node), rule.code)] = item
    return list(best.values())


def _to_diagnostic(model, rule, report) -> Diagnostic:
    span = model.positions.range_of(report.node)
    return Diagnostic(
        path=display_path(model.path),
        line=span.start.line,
        column=span.start.column + 1,
        end_line=span.end.line,
        end_column=span.end.column + 1,
        code=rule.code,
        name=rule.name,
        message=report.message,
        suggestion=report.suggestion,
        fix=report.fix,
    )


def _tool_diagnostic(path: str, line: int, code: str, message: str, suggestion: str) -> Diagnostic:
    return Diagnostic(display_path(path), line, 1, line, 1, code, TOOL_NAMES[code], message, suggestion)


# -- plain data ------------------------------------------------------------------------------
def diagnostic_to_json(d: Diagnostic) -> dict:
    """A diagnostic as JSON data; the fix keeps its edits (and ``exclusive``), not its transform."""
    out = d.to_json()
    if d.fix is not None:
        out["fix"]["exclusive"] = bool(getattr(d.fix, "exclusive", False))
    return out


def diagnostic_from_json(item: dict) -> Diagnostic:
    fix = None
    if item.get("fix"):
        data = item["fix"]
        fix = Fix(description=data["description"], safety=data["safety"],
                  edits=[Edit(**e) for e in data["edits"]])
        if data.get("exclusive"):
            fix.exclusive = True
    return Diagnostic(item["path"], item["line"], item["column"], item["end_line"], item["end_column"],
                      item["code"], item["name"], item["message"], item["suggestion"], fix)


# -- helpers -----------------------------------------------------------------------------------
def content_hash(data: Optional[bytes], path: str = "") -> str:
    if data is None:
        return "unreadable" if os.path.lexists(path) else "absent"
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _read(path: str) -> Optional[bytes]:
    try:
        if os.path.getsize(path) > MAX_FILE_BYTES:
            return None
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        return None


def _module_level_handler(data: bytes) -> bool:
    """A ``def handler``/``def lambda_handler`` outside any function or class, by ``ast``
    (True when ``ast`` cannot tell)."""
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
            if node.name in ("handler", "lambda_handler"):
                return True
        elif not isinstance(node, ast.ClassDef):
            for name in ("body", "orelse", "finalbody", "handlers", "cases"):
                todo.extend(x for x in getattr(node, name, ()) or () if isinstance(x, ast.AST))
    return False


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _module_file(root: str, base: str, dotted_name: str) -> Optional[str]:
    rel = os.path.join(base, *dotted_name.split(".")) if dotted_name else base
    for candidate in (rel + ".py", os.path.join(rel, "__init__.py")):
        if os.path.isfile(candidate):
            candidate = os.path.abspath(candidate)
            if _inside(candidate, root):
                return candidate
    return None


_FROM_IMPORT = re.compile(
    r"\bfrom(?:[ \t]|\\\r?\n)+(\.*)(?:[ \t]|\\\r?\n)*([\w.]*)(?:[ \t]|\\\r?\n)+import\b[ \t]*"
    r"(\((?:[^)#]|#[^\n]*)*\)|(?:[^\n\\]|\\\r?\n)*)"
)
_IMPORT = re.compile(r"\bimport[ \t]+((?:[^\n\\;]|\\\r?\n)*)")
_NAME = re.compile(r"[^\W\d][\w.]*")


def _import_targets(data: bytes) -> list:
    """(level, dotted name) of every module an import statement may name, from the text.

    A superset of what the parser sees: words after ``import`` in strings and
    comments count too, and ``from x import y`` names both ``x`` and ``x.y``.
    """
    text = data.decode("utf-8", "replace")
    out = []
    rest = []
    last = 0
    for match in _FROM_IMPORT.finditer(text):
        rest.append(text[last:match.start()])
        last = match.end()
        level, module = len(match.group(1)), match.group(2).strip(".")
        out.append((level, module))
        for name in _names(match.group(3)):
            out.append((level, f"{module}.{name}" if module else name))
    rest.append(text[last:])
    for match in _IMPORT.finditer(" ".join(rest)):
        for name in _names(match.group(1)):
            # ``import a.b`` imports the package ``a`` too.
            parts = name.split(".")
            out.extend((0, ".".join(parts[: i + 1])) for i in range(len(parts)))
    return list(dict.fromkeys(out))


def _names(clause: str) -> list:
    names = []
    clause = re.sub(r"#[^\n]*", "", clause)
    for part in clause.replace("\\\n", " ").replace("(", " ").replace(")", " ").split(","):
        part = part.strip()
        found = _NAME.match(part)
        if found:
            names.append(found.group(0).strip("."))
    return names


def _dependency_versions() -> str:
    try:
        from importlib.metadata import version

        libcst = version("libcst")
    except Exception:  # noqa: BLE001 - not installed as a distribution: the path stands in
        libcst = "?"
    return f"python {sys.version_info[0]}.{sys.version_info[1]} libcst {libcst}"
