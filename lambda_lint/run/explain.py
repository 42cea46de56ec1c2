"""``lambda-lint handlers --explain``: where the entry points came from, and what was left out.

For each infrastructure file that was read: the handlers it declared and what
each resolved to (a module and function, or a LAM002), and the declarations
that could not be resolved, with the reason. Then the handlers found by the
naming convention, and the checked Python files that no handler reaches (so
nothing in them was analysed). Paths are relative to the project root.
"""
from __future__ import annotations

import os
from typing import Dict, List


def _relative(path: str, root: str) -> str:
    rel = os.path.relpath(path, root)
    return path if rel.startswith("..") else rel


def _split_warning(warning: str):
    """"path:line: message" -> (path, line, message); None for messages of another shape."""
    path, sep, rest = warning.partition(":")
    line, sep2, message = rest.partition(":")
    if not sep or not sep2 or not line.strip().isdigit():
        return None
    return path, int(line), message.strip()


def _projects_of(result) -> list:
    project = result.project
    if project is None:
        return []
    if hasattr(project, "modules_on_warm_path"):
        return [project]
    return list(getattr(project, "projects", []))


def reached_files(result) -> set:
    """Module files that some handler's warm path reaches (the handlers' own modules included)."""
    reached = {os.path.abspath(h.path) for h in result.handlers}
    for project in _projects_of(result):
        reached.update(os.path.abspath(m.path) for m in project.modules_on_warm_path())
    return reached


def explain(result, root: str) -> List[str]:
    lines: List[str] = []
    discovery = result.discovery
    missing = list(getattr(result.project, "missing", None) or [])
    missing_at = {(os.path.abspath(m.declared_in), m.declared_line, m.spec): m for m in missing}
    found_at = {}
    for h in result.handlers:
        if h.declared_in:
            found_at.setdefault((os.path.abspath(h.declared_in), h.declared_line), []).append(h)

    by_file: Dict[str, List[tuple]] = {}  # relative path -> [(line, text)]
    for path in sorted(getattr(discovery, "files_read", ()) or ()):
        by_file.setdefault(_relative(path, root), [])
    for declared in getattr(discovery, "handlers", ()) or ():
        where = os.path.abspath(declared.declared_in)
        key = (where, declared.declared_line, declared.spec)
        if key in missing_at or declared.module_file is None:
            reason = missing_at[key].reason if key in missing_at else "names a module that does not exist"
            text = f"{declared.spec} ({declared.source}): not resolved: {reason} (LAM002)"
        else:
            module = _relative(declared.module_file, root)
            analysed = [h for h in found_at.get((where, declared.declared_line), []) if h.function == declared.function]
            text = f"{declared.spec} ({declared.source}) -> {module}:{declared.function}"
            if not analysed:
                text += " (not analysed)"
        by_file.setdefault(_relative(where, root), []).append((declared.declared_line, text))
    for warning in result.warnings:
        parsed = _split_warning(warning)
        if parsed is None:
            continue
        path, line, message = parsed
        if os.path.isabs(path):
            path = _relative(path, root)
        if path in by_file or os.path.exists(os.path.join(root, path)):
            by_file.setdefault(path, []).append((line, f"not resolved: {message}"))

    lines.append("Infrastructure files:" if by_file else "Infrastructure files: none found")
    for path in sorted(by_file):
        entries = sorted(set(by_file[path]))
        if not entries:
            lines.append(f"  {path}: no Python handler declared")
            continue
        lines.append(f"  {path}")
        lines.extend(f"    line {line}: {text}" for line, text in entries)

    conventional = [h for h in result.handlers if h.source == "convention"]
    if conventional:
        lines.append("Handlers found by the naming convention (files no infrastructure covers):")
        lines.extend(f"  {_relative(h.path, root)}:{h.line}: {h.function}" for h in conventional)

    reached = reached_files(result)
    unreached = sorted(_relative(p, root) for p in result.python_files if os.path.abspath(p) not in reached)
    if unreached:
        lines.append(f"Python files not analysed, because no handler reaches them ({len(unreached)}):")
        lines.extend(f"  {path}" for path in unreached)
    else:
        lines.append("Every checked Python file is reached by a handler.")
    return lines
