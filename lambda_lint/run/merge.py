"""Merging the outcomes of a check's units into one result."""
from __future__ import annotations

import os
from typing import Dict, List

from ..diagnostics import Diagnostic
from .plan import Plan
from .units import UnitOutcome, tool_diagnostic


def merge(plan: Plan, outcomes: List[UnitOutcome], result) -> None:
    """The units' outcomes as one result, sorted, with LAM002 for every missing handler."""
    # Units share no module, so nothing is reported twice; should two units
    # ever report the same finding (or handler), it is kept once.
    diagnostics: List[Diagnostic] = []
    handlers: list = []
    first_unit: Dict[tuple, int] = {}

    def new(identity: tuple, unit: int) -> bool:
        return first_unit.setdefault(identity, unit) == unit

    missing = list(plan.missing)
    projects = []
    for unit, outcome in enumerate(outcomes):
        for diagnostic in outcome.diagnostics:
            if new(("d",) + _diagnostic_identity(diagnostic), unit):
                diagnostics.append(diagnostic)
        for handler in outcome.handlers:
            if new(("h", handler.path, handler.function, handler.source, handler.declared_in,
                    handler.declared_line), unit):
                handlers.append(handler)
        missing.extend(outcome.missing)
        result.internal_errors.extend(outcome.internal_errors)
        if outcome.project is not None:
            projects.append(outcome.project)
    missing.sort(key=lambda m: m.order)
    if "LAM002" in plan.enabled:
        for m in missing:
            diagnostics.append(tool_diagnostic(
                m.declared_in, m.declared_line, "LAM002", f"handler `{m.spec}` {m.reason}",
                "Point the handler setting at an existing module and function."))
    result.diagnostics = sorted(diagnostics, key=_order)
    result.handlers = sorted(handlers, key=lambda h: (h.path, h.line, h.function, h.source))
    result.warnings = _accurate_warnings(plan, result.warnings, result.handlers)
    if len(projects) == 1 and len(outcomes) == 1:
        result.project = projects[0]
        result.project.missing = missing
    else:
        result.project = Sources(plan, projects, missing)


def _accurate_warnings(plan: Plan, warnings: List[str], handlers: list) -> List[str]:
    """A discovery warning says "not analysed" about a code folder; when the naming convention
    found handlers in that folder after all, say that instead."""
    scopes = getattr(plan.discovery, "warning_scopes", None) or {}
    if not scopes:
        return warnings
    found_by_convention = [h.path for h in handlers if h.source == "convention"]
    out = []
    for warning in warnings:
        scope = scopes.get(warning)
        if scope is not None and warning.endswith("; not analysed") and any(
                p == scope or p.startswith(scope.rstrip(os.sep) + os.sep) for p in found_by_convention):
            where = os.path.relpath(scope, plan.root)
            where = "the project folder" if where == "." else where + os.sep
            warning = warning[: -len("; not analysed")] + f"; the handlers found by convention in {where} are analysed instead"
        out.append(warning)
    return out


class Sources:
    """What callers read from ``CheckResult.project`` when no single Project holds everything."""

    def __init__(self, plan: Plan, projects: list, missing: list):
        self.root = plan.root
        self.missing = missing
        self._plan = plan
        self._projects = projects

    @property
    def projects(self) -> list:
        return list(self._projects)

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
