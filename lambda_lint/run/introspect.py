"""``check --show-files`` and ``check --show-settings``: what a check would look at, and why.

Ruff's ``--show-files`` lists the files it would lint and ``--show-settings``
the settings it resolved; here a Python file can also be checked without being
analysed (no handler reaches it: only its syntax is checked), and a skipped
file names the pattern and the file that excluded it.
"""
from __future__ import annotations

import json
import os
from typing import List, Optional

from ..diagnostics import display_path
from .scope import Resolver, split


def show_files(paths: List[str], resolver: Resolver, options, stdin_path: Optional[str] = None) -> str:
    from .engine import CheckResult
    from .plan import Plan

    found = split(paths, resolver, options.force_exclude, stdin_path)
    lines = []
    for scope in found.scopes:
        plan = Plan([], scope.config, options, CheckResult(), scope)
        reached = set()
        for unit in plan.units():
            todo = list(unit.roots)
            while todo:
                current = todo.pop()
                if current not in reached:
                    reached.add(current)
                    todo.extend(plan.import_targets(current))
        for path in sorted(scope.files):
            why = "analysed (on a handler's import graph)" if path in reached else \
                "syntax only (no handler reaches it)"
            lines.append(f"{display_path(path)}: {why}")
        for path, reason in _excluded_files(scope):
            lines.append(f"{display_path(path)}: excluded by {reason}")
    for given in found.missing:
        lines.append(f"{given}: no such file or directory")
    return "\n".join(lines)


def _excluded_files(scope) -> list:
    """(path, reason) of the Python files under the given folders that the project's exclusions skip."""
    out = []
    checked = set(scope.files)
    for given in scope.given:
        if not os.path.isdir(given):
            continue
        for folder, dirs, names in os.walk(given):
            dirs[:] = sorted(d for d in dirs if d not in (".git", ".hg", ".svn"))
            for name in sorted(names):
                path = os.path.join(folder, name)
                if name.endswith(".py") and path not in checked:
                    reason = scope.excluded.reason(path, False)
                    if reason is not None:
                        out.append((path, str(reason)))
    return out


def show_settings(paths: List[str], resolver: Resolver, stdin_path: Optional[str] = None) -> str:
    found = split(paths, resolver, False, stdin_path)
    out = []
    for scope in found.scopes:
        config = scope.config
        enabled = resolver.enabled_for(config) if getattr(resolver, "enabled_for", None) else None
        settings = {
            "project root": scope.root,
            "configuration file": config.path,
            "settings from": config.path or "defaults (no [tool.lambda-lint] table found)",
            "enabled codes": sorted(enabled) if enabled is not None else None,
            "select": config.select, "extend-select": config.extend_select, "ignore": config.ignore,
            "per-file-ignores": config.per_file_ignores,
            "exclude": config.exclude if config.exclude_set else "(defaults)",
            "extend-exclude": config.extend_exclude,
            "respect-gitignore": (resolver.respect_gitignore if resolver.respect_gitignore is not None
                                  else config.respect_gitignore),
            "handlers": config.handlers, "src": config.src, "extend-clients": config.extend_clients,
            "fix-maxsize": config.fix_maxsize,
            "checked files": len(scope.files),
        }
        for key in ("extend-registries", "extend-loop-bound"):
            attribute = key.replace("-", "_")
            if hasattr(config, attribute):
                settings[key] = getattr(config, attribute)
        out.append(settings)
    return json.dumps(out, indent=2)
