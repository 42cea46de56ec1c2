"""Analysing one unit of a check (in this process or in a worker): its Project,
the warm path, the rules, one code per site, and the fixes of what is reported.

The records here (:class:`Setup`, :class:`Unit`, :class:`UnitOutcome`) are
plain data: they cross process boundaries as they are, and the outcome goes to
the cache through ``to_json``/``from_json``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from ..analysis.handlers import DeclaredHandler, Handler, MissingHandler
from ..diagnostics import Diagnostic, diagnostic_from_json, diagnostic_to_json, display_path
from .files import content_hash

# "One site gets one code": within each group, the code listed first wins.
PRECEDENCE_GROUPS = (
    ("LAM103", "LAM101", "LAM102", "LAM105"),
    ("LAM305", "LAM201", "LAM203", "LAM202"),
    ("LAM401", "LAM402", "LAM403"),
)

SNAPSTART_FAMILY = "LAM6"  # rules that apply only to SnapStart functions

TOOL_NAMES = {"LAM001": "parse-error", "LAM002": "handler-not-found", "LAM003": "unused-noqa"}


@dataclass
class Setup:
    """What every unit of a check needs (sent once to each worker process)."""

    root: str
    config: object
    config_src: list
    code_roots: list
    covered: set  # files covered by infrastructure (no conventional handlers there)
    checked: set  # files whose findings are reported
    enabled: set
    contents: Dict[str, bytes] = field(default_factory=dict)  # texts not (yet) on disk
    fixes: str = "full"  # engine.Options.fixes: "full", "test" or "none"
    import_roots: list = field(default_factory=list)  # layers and src layouts, searched last by every importer
    # Built modules shared between checks by a long-lived caller in this process (the
    # language server); see Project. None for the CLI (and never sent to worker processes).
    shared_models: Optional[object] = None


@dataclass
class Unit:
    """Handler files that may reach a common module, analysed together."""

    roots: List[str]
    candidates: List[str]  # roots that may define a conventional handler
    declared: List[DeclaredHandler]
    weight: int  # bytes of source the unit may parse
    # Files under a SnapStart handler's code that register runtime hooks but are not imported:
    # only the LAM6xx rules look at them.
    hook_files: List[str] = field(default_factory=list)


@dataclass
class UnitOutcome:
    diagnostics: List[Diagnostic] = field(default_factory=list)
    handlers: List[Handler] = field(default_factory=list)
    missing: List[MissingHandler] = field(default_factory=list)
    internal_errors: List[str] = field(default_factory=list)
    # {path: [content hash, checked?]} of the files read, and the paths whose absence mattered;
    # None when the unit cannot say (then it is never cached).
    deps: Optional[dict] = None
    absent: Optional[list] = None
    project: Optional[object] = None  # the Project, for callers in this process

    def to_json(self) -> dict:
        return {
            "diagnostics": [diagnostic_to_json(d) for d in self.diagnostics],
            "handlers": [h.to_json() for h in self.handlers],
            "missing": [m.to_json() for m in self.missing],
            "internal_errors": list(self.internal_errors),
        }

    @classmethod
    def from_json(cls, data: dict) -> "UnitOutcome":
        return cls(
            diagnostics=[diagnostic_from_json(d) for d in data["diagnostics"]],
            handlers=[Handler.from_json(h) for h in data["handlers"]],
            missing=[MissingHandler.from_json(m) for m in data["missing"]],
            internal_errors=list(data["internal_errors"]),
        )

    def to_plain(self) -> "UnitOutcome":
        """The same outcome without objects that hold libcst trees (for another process)."""
        plain = UnitOutcome.from_json(self.to_json())
        plain.deps, plain.absent = self.deps, self.absent
        return plain


def analyse_unit(setup: Setup, unit: Unit, keep_objects: bool = False) -> UnitOutcome:
    """Analyse one unit on its own Project; the outcome is plain data (picklable, JSON-able).

    With ``keep_objects`` the diagnostics keep their Fix objects (with transforms)
    and the Project is returned too, for callers in this process.
    """
    from ..analysis.context import Context, ProjectAnalysis
    from ..analysis.project import Project
    from ..rules import ALL_RULES

    config = setup.config
    checked = setup.checked
    enabled = setup.enabled
    outcome = UnitOutcome()

    project = Project(setup.root, unit.roots, setup.config_src, contents=setup.contents,
                      shared_models=setup.shared_models)
    covered = set()

    def declare(item: DeclaredHandler, source: str) -> bool:
        if project.add_handler(item.path, item.function, source, item.declared_in, item.line, item.snapstart):
            return True
        outcome.missing.append(MissingHandler(
            item.spec, item.declared_in, item.line,
            f"names `{item.function}`, which is not defined in {display_path(item.path)}", item.order))
        return False

    # Configured handlers resolve against the configured roots only; template code roots come after.
    for item in unit.declared:
        if item.origin == "config" and declare(item, "config"):
            covered.add(item.path)
    for code_root in setup.code_roots:
        if code_root not in project.src_roots:
            project.src_roots.append(code_root)
    project.layer_roots = list(setup.import_roots)
    for item in unit.declared:
        if item.origin != "config":
            declare(item, item.source)
    covered |= setup.covered
    project.find_conventional_handlers(p for p in unit.candidates if p not in covered)
    _snapstart_from_config(project, config)
    project.compute_warm_path()
    outcome.handlers = list(project.handlers)

    analysis = ProjectAnalysis(project, getattr(config, "extend_clients", None) or [])
    rules = [rule() for rule in ALL_RULES if rule.code in enabled]
    pending = []  # (model, rule, report, ctx)
    for model, only_snapstart in _modules_to_check(project, checked, analysis, unit, rules):
        ctx = Context(project, model, analysis, config)
        for rule in rules:
            if only_snapstart and not rule.code.startswith(SNAPSTART_FAMILY):
                continue
            try:
                for report in rule.check(ctx):
                    pending.append((model, rule, report, ctx))
            except Exception as exc:  # a bug of ours must not hide the other findings
                outcome.internal_errors.append(
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

    # Fixes only for the reports that keep their site (a fix costs about a parse of the
    # module), and only as much of them as the output shows.
    survivors = _one_code_per_site(pending)
    fixes_for = _fix_provider() if setup.fixes != "none" else None
    test_only = setup.fixes == "test"
    for model, rule, report, ctx in survivors:
        if report.fix is None and fixes_for is not None:
            try:
                if test_only:
                    report.fix = fixes_for(rule.code, ctx, report, test_only=True)
                else:
                    report.fix = fixes_for(rule.code, ctx, report)
            except Exception as exc:  # a bug of ours: the finding stays, without a fix
                outcome.internal_errors.append(
                    f"{display_path(model.path)}: internal error in {rule.code} ({rule.name}): "
                    f"{type(exc).__name__}: {exc}"
                )

    diagnostics = []
    for model, rule, report, _ in survivors:
        try:
            diagnostics.append(_to_diagnostic(model, rule, report))
        except Exception as exc:
            outcome.internal_errors.append(
                f"{display_path(model.path)}: internal error placing {rule.code}: {type(exc).__name__}: {exc}"
            )
    if "LAM001" in enabled:
        for path, failure in sorted(project.failures.items()):
            if path in checked:
                diagnostics.append(tool_diagnostic(path, failure.line, "LAM001", failure.reason,
                                                    "Fix the file so that Python can parse it, or exclude it."))
    outcome.diagnostics = diagnostics
    outcome.deps, outcome.absent = _dependencies(project, checked)
    project.missing.extend(outcome.missing)
    if keep_objects:
        outcome.project = project
    return outcome.to_plain() if not keep_objects else outcome


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


def _modules_to_check(project, checked: set, analysis, unit: Unit, rules: list) -> list:
    """(model, only the LAM6xx rules?) for each checked module: the warm path for every rule, and for
    the SnapStart rules also the init code and the modules that register runtime hooks."""
    models = {m.path: (m, False) for m in project.modules_on_warm_path()}
    if any(r.code.startswith(SNAPSTART_FAMILY) for r in rules) and any(h.snapstart for h in project.handlers):
        for path in unit.hook_files:
            project.model(path)
        init = analysis.init_code
        extra = list(init.modules.values()) + [m for m in list(project.models.values()) if init.applies_to(m)]
        for model in extra:
            models.setdefault(model.path, (model, True))
    return [models[p] for p in sorted(models) if p in checked]


def _snapstart_from_config(project, config) -> None:
    """``snapstart`` in the configuration: ``true`` turns the family on for handlers that no
    infrastructure declares (convention, ``handlers``); a list names handlers one by one."""
    setting = getattr(config, "snapstart", False)
    if not setting:
        return
    for handler in project.handlers:
        if setting is True:
            if handler.source in ("convention", "config"):
                handler.snapstart = True
        elif config.names_handler(setting, handler.path, handler.function):
            handler.snapstart = True


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


def tool_diagnostic(path: str, line: int, code: str, message: str, suggestion: str) -> Diagnostic:
    return Diagnostic(display_path(path), line, 1, line, 1, code, TOOL_NAMES[code], message, suggestion)


