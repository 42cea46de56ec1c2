"""One check: plan it (:mod:`.plan`), analyse its units here or in a process pool
(:mod:`.units`, :mod:`.parallel`) or take them from the cache (:mod:`.cache`),
and merge the outcomes (:mod:`.merge`). The merged result depends on neither the
pool nor the cache.

This module imports no libcst at import time: a check answered from the cache,
or over files that no handler can reach, never loads the parser.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional

from ..analysis import gcpause
from ..diagnostics import Diagnostic, display_path  # noqa: F401 - display_path is part of this module's API
from .merge import merge
from .plan import Plan, default_codes  # noqa: F401 - default_codes too


@dataclass
class CheckResult:
    diagnostics: List[Diagnostic] = field(default_factory=list)
    handlers: list = field(default_factory=list)
    errors: List[str] = field(default_factory=list)  # usage problems: missing paths
    internal_errors: List[str] = field(default_factory=list)  # bugs of ours, per file and rule
    warnings: List[str] = field(default_factory=list)  # e.g. unreadable templates
    project: Optional[object] = None  # the Project, or a Sources view (.root, .data(path), .missing)
    scopes: list = field(default_factory=list)  # the projects of a command line (run/scope.py), when checked so
    enabled: Optional[set] = None  # the codes enabled in any of those projects (SARIF describes them all)
    python_files: List[str] = field(default_factory=list)  # the checked Python files
    discovery: Optional[object] = None  # what infrastructure files declared (`handlers --explain`)


@dataclass
class Options:
    enabled: Optional[set] = None  # codes to report; None = every default rule
    force_exclude: bool = False
    jobs: int = 1  # processes; 0 or None: one per CPU. Library callers get 1.
    use_cache: bool = False  # read and write .lambda_lint_cache/ (the CLI turns it on)
    # Texts to analyse instead of what is on disk, by path (an editor's unsaved buffers,
    # the fixer's rounds). Files not named here are read from disk.
    contents: Optional[Dict[str, bytes]] = None
    cache_dir: Optional[str] = None  # --cache-dir; None: $LAMBDA_LINT_CACHE_DIR, else <root>/.lambda_lint_cache
    # An object whose ``discover(root, is_excluded)`` stands in for discovery.discover: a
    # long-lived caller (the language server) reuses the last result while no
    # infrastructure file changed. None: discover every time.
    discovery: Optional[object] = None
    # What the output needs of each finding's fix: "full" (the edits: --fix, --diff,
    # json, sarif, an editor), "test" (whether there is one and how safe: the text
    # formats' "[*]" and counts; no rendering or re-parsing), "none" (flake8).
    fixes: str = "full"


def check(paths: List[str], config=None, options: Optional[Options] = None, scope=None) -> CheckResult:
    """Check one project. ``scope`` (:class:`lambda_lint.run.scope.Scope`) says which project and
    which of its files are checked; without it the paths are the project."""
    gcpause.begin()
    try:
        return _check(paths, config, options, scope)
    finally:
        gcpause.end()


def _check(paths: List[str], config=None, options: Optional[Options] = None, scope=None) -> CheckResult:
    options = options or Options()
    result = CheckResult()
    plan = Plan(paths, config, options, result, scope)
    units = plan.units()

    cache = None
    if options.use_cache and not plan.contents:  # texts that are not on disk are never cached
        from .cache import Cache

        cache = Cache(plan.root, plan.settings_key(), options.cache_dir)
    outcomes: Dict[int, object] = {}
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
    merge(plan, [outcomes[i] for i in range(len(units))], result)
    result.python_files = [path for path in plan.files if path.endswith(".py")]
    result.discovery = plan.discovery
    return result
