"""One check: collect files, find handlers, build the warm path, run the rules,
and turn their reports into diagnostics (one code per site)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Iterable, List, Optional

from .context import Context, ProjectAnalysis
from .diagnostics import Diagnostic
from .files import Excluder, collect_files
from .project import MissingHandler, Project
from .rules import ALL_RULES

# "One site gets one code": within each group, the code listed first wins.
PRECEDENCE_GROUPS = (
    ("LAM103", "LAM101", "LAM102", "LAM105"),
    ("LAM305", "LAM201", "LAM203", "LAM202"),
    ("LAM401", "LAM402", "LAM403"),
)

TOOL_NAMES = {"LAM001": "parse-error", "LAM002": "handler-not-found"}


@dataclass
class CheckResult:
    diagnostics: List[Diagnostic] = field(default_factory=list)
    handlers: list = field(default_factory=list)
    errors: List[str] = field(default_factory=list)  # usage problems: missing paths
    internal_errors: List[str] = field(default_factory=list)  # bugs of ours, per file and rule
    warnings: List[str] = field(default_factory=list)  # e.g. unreadable templates
    project: Optional[Project] = None


@dataclass
class Options:
    enabled: Optional[set] = None  # codes to report; None = every default rule
    force_exclude: bool = False


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


def check(paths: List[str], config=None, options: Optional[Options] = None) -> CheckResult:
    options = options or Options()
    result = CheckResult()
    root = project_root(paths, config)
    patterns = list(getattr(config, "exclude", None) or []) + list(getattr(config, "extend_exclude", None) or [])
    excluded = Excluder(root, patterns)
    files, result.errors = collect_files(paths, excluded, options.force_exclude)
    checked = set(files)

    project = Project(root, files, getattr(config, "src", None) or [])
    result.project = project
    covered = _declared_handlers(project, config, excluded, result)
    project.find_conventional_handlers(f for f in files if f not in covered)
    project.compute_warm_path()
    result.handlers = sorted(project.handlers, key=lambda h: (h.path, h.line))

    analysis = ProjectAnalysis(project, getattr(config, "extend_clients", None) or [])
    enabled = options.enabled if options.enabled is not None else {r.code for r in ALL_RULES if r.default_enabled}
    enabled |= {"LAM001", "LAM002"} if options.enabled is None else set()
    rules = [rule() for rule in ALL_RULES if rule.code in enabled]

    fixes_for = _fix_provider()
    pending = []  # (model, rule, report)
    for model in _modules_to_check(project, checked):
        ctx = Context(project, model, analysis, config)
        for rule in rules:
            try:
                for report in rule.check(ctx):
                    if report.fix is None and fixes_for is not None:
                        report.fix = fixes_for(rule.code, ctx, report)
                    pending.append((model, rule, report))
            except Exception as exc:  # a bug of ours must not hide the other findings
                result.internal_errors.append(
                    f"{display_path(model.path)}: internal error in {rule.code} ({rule.name}): "
                    f"{type(exc).__name__}: {exc}"
                )

    diagnostics = []
    for model, rule, report in _one_code_per_site(pending):
        try:
            diagnostics.append(_to_diagnostic(model, rule, report))
        except Exception as exc:
            result.internal_errors.append(
                f"{display_path(model.path)}: internal error placing {rule.code}: {type(exc).__name__}: {exc}"
            )
    if "LAM001" in enabled:
        for path, failure in sorted(project.failures.items()):
            if path in checked:
                diagnostics.append(_tool_diagnostic(path, failure.line, "LAM001", failure.reason,
                                                    "Fix the file so that Python can parse it, or exclude it."))
    if "LAM002" in enabled:
        for missing in project.missing:
            diagnostics.append(
                _tool_diagnostic(missing.declared_in, missing.declared_line, "LAM002",
                                 f"handler `{missing.spec}` {missing.reason}",
                                 "Point the handler setting at an existing module and function.")
            )
    result.diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)
    return result


def _fix_provider():
    try:
        from .fixes import fix_for
    except ImportError:
        return None
    return fix_for


def _declared_handlers(project: Project, config, excluded, result: CheckResult) -> set:
    """Handlers from configuration and infrastructure; returns the files they cover."""
    covered = set()
    for spec in getattr(config, "handlers", None) or []:
        path, function = _resolve_config_handler(project, spec)
        declared_in = config.path or os.path.join(project.root, "pyproject.toml")
        line = config.handler_line(spec) if hasattr(config, "handler_line") else 1
        if path is None:
            project.missing.append(MissingHandler(spec, declared_in, line, "names a module that does not exist"))
        elif not project.add_handler(path, function, "config", declared_in, line):
            project.missing.append(MissingHandler(spec, declared_in, line, f"names `{function}`, which is not defined in {display_path(path)}"))
        else:
            covered.add(path)
    try:
        from .discovery import discover
    except ImportError:
        return covered
    try:
        found = discover(project.root, excluded)
    except Exception as exc:
        result.warnings.append(f"handler discovery failed: {type(exc).__name__}: {exc}")
        return covered
    result.warnings.extend(found.warnings)
    for declared in found.handlers:
        if declared.code_root and declared.code_root not in project.src_roots:
            project.src_roots.append(declared.code_root)
    for declared in found.handlers:
        ok = declared.module_file is not None and project.add_handler(
            declared.module_file, declared.function, declared.source, declared.declared_in, declared.declared_line
        )
        if not ok:
            reason = (
                "names a module that does not exist"
                if declared.module_file is None
                else f"names `{declared.function}`, which is not defined in {display_path(declared.module_file)}"
            )
            project.missing.append(MissingHandler(declared.spec, declared.declared_in, declared.declared_line, reason))
    covered |= set(found.covered_files)
    return covered


def _resolve_config_handler(project: Project, spec: str):
    if ":" in spec:
        file_part, _, function = spec.rpartition(":")
        path = os.path.join(project.root, file_part)
        return (os.path.abspath(path) if os.path.isfile(path) else None), function
    module, _, function = spec.rpartition(".")
    for root in project.src_roots + [project.root]:
        found = project._module_file(root, module)
        if found:
            return found, function
    return None, function


def _modules_to_check(project: Project, checked: set) -> list:
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
        model, rule, report = item
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
