"""Which project each checked file belongs to, and the check of several projects.

Ruff's model: every file is judged by the configuration nearest to it, whatever
the current directory and the order of the arguments. Here:

* a file's configuration is the nearest pyproject.toml with a
  ``[tool.lambda-lint]`` table above it, and its **project root** is that
  file's folder; without such a table, the nearest folder with a
  pyproject.toml or a ``.git``; without either, the outermost folder given on
  the command line that holds the file (else the file's own folder).
  ``--config FILE`` puts every file in that file's project; ``--isolated``
  keeps the roots but reads no configuration.
* each project is checked on its own (:func:`lambda_lint.run.engine.check` with
  a :class:`Scope`): its handlers are searched across the whole project, its
  exclusion settings apply to its files, and findings are reported only for
  the files given (and LAM002 only for infrastructure files inside the given
  paths). A helper given alone still gets the findings its handler causes.
* only the projects holding a given path are planned; nothing is walked
  outside them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from ..diagnostics import Diagnostic, display_path
from ..settings.config import Config, load_config, marker_root
from .files import Excluder, special_file, walk_python_files

NO_SUCH_FILE = "no such file or directory"

# Files given explicitly that are infrastructure, not Python: they are read by
# discovery anyway; giving one asks for its LAM002 findings (pre-commit passes
# a changed template), never for a Python parse of it.
INFRASTRUCTURE_SUFFIXES = (".yaml", ".yml", ".json", ".template", ".tf", ".ts", ".toml")


def is_infrastructure(path: str) -> bool:
    name = os.path.basename(path).lower()
    return (name.endswith(INFRASTRUCTURE_SUFFIXES) or name in ("dockerfile", "containerfile")
            or name.startswith("dockerfile.") or name.endswith(".dockerfile"))


@dataclass
class Scope:
    """One project of a check: its root and settings, what was given inside it, what is checked."""

    root: str
    config: Config
    excluded: Excluder
    given: List[str] = field(default_factory=list)  # absolute paths given on the command line (or parts of them)
    files: List[str] = field(default_factory=list)  # Python files checked (findings reported for them)
    resolver: Optional["Resolver"] = None  # tells which folders below the root are other projects

    def owns(self, folder: str) -> bool:
        """Whether a folder below the root belongs to this project (not to a nested one)."""
        if self.resolver is None:
            return True
        root, config = self.resolver.project_of(folder)
        return root == self.root and config.path == self.config.path

    def within_given(self, path: str) -> bool:
        path = os.path.abspath(path)
        return any(path == g or path.startswith(g.rstrip(os.sep) + os.sep) for g in self.given)

    def project_excluder(self) -> "ProjectExcluder":
        """The exclusions of this project, plus the folders of nested projects (walked by their own check)."""
        return ProjectExcluder(self)


class ProjectExcluder:
    """A project's Excluder that also skips the folders of nested projects."""

    def __init__(self, scope: Scope):
        self.scope = scope
        self.base = scope.excluded
        self.root = scope.root

    def __call__(self, path: str) -> bool:
        return self.reason(path) is not None

    def reason(self, path: str, is_dir: Optional[bool] = None):
        found = self.base.reason(path, is_dir)
        if found is not None or self.scope.resolver is None:
            return found
        path = os.path.abspath(path)
        if is_dir is None:
            is_dir = os.path.isdir(path)
        folder = path if is_dir else os.path.dirname(path)
        if folder != self.root and folder.startswith(self.root.rstrip(os.sep) + os.sep) and (
                not is_dir or any(os.path.exists(os.path.join(folder, m)) for m in ("pyproject.toml", ".git"))):
            if not self.scope.owns(folder):
                from .files import Exclusion

                return Exclusion("another project", display_path(folder))
        return None



@dataclass
class Resolver:
    """Finds the project of each folder (cached); the command line's overrides apply to all."""

    config_path: Optional[str] = None
    isolated: bool = False
    respect_gitignore: Optional[bool] = None  # None: each project's setting
    given_dirs: List[str] = field(default_factory=list)
    _by_folder: Dict[str, Tuple[str, Config]] = field(default_factory=dict)
    _configs: Dict[tuple, Config] = field(default_factory=dict)
    _excluders: Dict[tuple, Excluder] = field(default_factory=dict)
    _explicit: Optional[Config] = None

    def project_of(self, folder: str) -> Tuple[str, Config]:
        """(project root, configuration) of a folder."""
        folder = os.path.abspath(folder)
        found = self._by_folder.get(folder)
        if found is not None:
            return found
        if self.config_path is not None:
            if self._explicit is None:
                self._explicit = load_config(folder, self.config_path)
            found = (self._explicit.root, self._explicit)
        else:
            parent = os.path.dirname(folder)
            marked = any(os.path.exists(os.path.join(folder, m)) for m in ("pyproject.toml", ".git"))
            if not marked and parent != folder and (parent in self._by_folder or marker_root(parent) is not None):
                # The same project as the folder above (computed once per folder, so a
                # deep tree reads each pyproject.toml once, not once per folder).
                found = self.project_of(parent)
            else:
                config = load_config(folder, None, self.isolated)
                root = config.root
                if config.path is None and marker_root(folder) is None:
                    root = self._fallback_root(folder)
                    config.root = root
                key = (config.path, root)
                config = self._configs.setdefault(key, config)
                found = (root, config)
        self._by_folder[folder] = found
        return found

    def _fallback_root(self, folder: str) -> str:
        """Nothing marks a project: the outermost given folder holding it, else the folder itself."""
        holders = [d for d in self.given_dirs if folder == d or folder.startswith(d.rstrip(os.sep) + os.sep)]
        return min(holders, key=len) if holders else folder

    def excluder(self, root: str, config: Config) -> Excluder:
        key = (root, config.path)
        if key not in self._excluders:
            respect = self.respect_gitignore
            if respect is None:
                respect = getattr(config, "respect_gitignore", True)
            self._excluders[key] = Excluder.from_config(root, config, respect)
        return self._excluders[key]

    def configs(self) -> List[Config]:
        seen, out = set(), []
        for _, config in self._by_folder.values():
            if id(config) not in seen:
                seen.add(id(config))
                out.append(config)
        return out


@dataclass
class Split:
    scopes: List[Scope]
    missing: List[str]  # given paths that do not exist (as given)
    errors: List[str]  # special files, unlistable folders


def split(paths: List[str], resolver: Resolver, force_exclude: bool = False,
          stdin_path: Optional[str] = None) -> Split:
    """The given paths, grouped by project; each project's Python files collected with its own exclusions.

    ``stdin_path`` is the file that stdin stands for: checked whether or not it
    exists on disk.
    """
    scopes: Dict[tuple, Scope] = {}
    missing: List[str] = []
    errors: List[str] = []
    resolver.given_dirs = [os.path.abspath(p) for p in paths if os.path.isdir(p)]
    seen = set()

    def scope_of(folder: str) -> Scope:
        root, config = resolver.project_of(folder)
        key = (root, config.path)
        if key not in scopes:
            scopes[key] = Scope(root, config, resolver.excluder(root, config), resolver=resolver)
        return scopes[key]

    def add(scope: Scope, path: str) -> None:
        if path not in seen:
            seen.add(path)
            scope.files.append(path)

    for given in paths:
        path = os.path.abspath(given)
        if os.path.isdir(path):
            top = scope_of(path)
            top.given.append(path)
            if force_exclude and top.excluded(path):
                continue
            for folder, files in walk_python_files(path, lambda f: scope_of(f).excluded, errors):
                scope = scope_of(folder)
                if scope is not top and path not in scope.given:
                    scope.given.append(path)  # a nested project: reported within what was given
                for name in files:
                    add(scope, name)
        elif os.path.lexists(path) or (stdin_path is not None and path == os.path.abspath(stdin_path)):
            scope = scope_of(os.path.dirname(path))
            scope.given.append(path)
            if force_exclude and scope.excluded(path):
                continue
            problem = special_file(path) if os.path.lexists(path) else None
            if problem:
                errors.append(f"{given}: {problem}; not checked")
            elif not is_infrastructure(path) or path == os.path.abspath(stdin_path or ""):
                add(scope, path)
        else:
            missing.append(given)
    return Split(list(scopes.values()), missing, errors)


def missing_path_diagnostic(given: str) -> Diagnostic:
    """Ruff's E902 for a path that does not exist: a finding (exit 1), never "All checks passed!"."""
    return Diagnostic(display_path(os.path.abspath(given)), 1, 1, 1, 1, "LAM001", "parse-error",
                      f"{given}: {NO_SUCH_FILE}", "Check the path; it does not exist.")


class Projects:
    """``CheckResult.project`` of a check over several projects: data by path, roots, missing handlers."""

    def __init__(self, parts: list):
        self._parts = parts  # [(root, project view)]
        roots = [root for root, _ in parts]
        try:
            self.root = os.path.commonpath(roots) if roots else os.getcwd()
        except ValueError:
            self.root = roots[0]
        self.missing = [m for _, view in parts for m in (getattr(view, "missing", None) or [])]

    def view_of(self, path: str):
        path = os.path.abspath(path)
        best = None
        for root, view in self._parts:
            if path == root or path.startswith(root.rstrip(os.sep) + os.sep):
                if best is None or len(root) > len(best[0]):
                    best = (root, view)
        return best[1] if best else (self._parts[0][1] if self._parts else None)

    def root_of(self, path: str) -> str:
        view = self.view_of(path)
        return getattr(view, "root", self.root)

    def data(self, path: str):
        view = self.view_of(path)
        return view.data(path) if view is not None else None


def check_paths(paths: List[str], resolver: Resolver, options, enabled_for=None, suppress: bool = True,
                stdin_path: Optional[str] = None):
    """Check every project the paths belong to; one merged result.

    ``enabled_for(config)`` gives a project's enabled codes (its table and the
    command line); ``suppress`` applies each project's ``# noqa``,
    ``per-file-ignores`` and file-level directives.
    """
    import dataclasses

    from .engine import CheckResult, check
    from .merge import _order

    found = split(paths, resolver, options.force_exclude, stdin_path)
    merged = CheckResult()
    merged.enabled = set()
    parts = []
    discoveries = []
    for scope in found.scopes:
        scope_options = options
        if enabled_for is not None:
            scope_options = dataclasses.replace(options, enabled=enabled_for(scope.config))
        result = check([], scope.config, scope_options, scope)
        if scope_options.enabled is not None:
            merged.enabled |= set(scope_options.enabled)
        if suppress:
            from .suppress import apply_suppressions

            apply_suppressions(result, scope.config, scope_options.enabled, scope.files)
        merged.diagnostics.extend(result.diagnostics)
        merged.handlers.extend(result.handlers)
        merged.python_files.extend(getattr(result, "python_files", None) or ())
        discoveries.append(getattr(result, "discovery", None))
        merged.errors.extend(result.errors)
        merged.internal_errors.extend(result.internal_errors)
        merged.warnings.extend(result.warnings)
        parts.append((scope.root, result.project))
    merged.errors.extend(found.errors)
    for given in found.missing:
        merged.diagnostics.append(missing_path_diagnostic(given))
    for config in resolver.configs():
        merged.warnings.extend(w for w in getattr(config, "warnings", None) or () if w not in merged.warnings)
    merged.diagnostics.sort(key=_order)
    merged.handlers.sort(key=lambda h: (h.path, h.line, h.function, h.source))
    merged.project = parts[0][1] if len(parts) == 1 else Projects(parts)
    merged.scopes = found.scopes
    merged.discovery = discoveries[0] if len(discoveries) == 1 else _merged_discovery(discoveries)
    return merged


def _merged_discovery(discoveries: list):
    """The discoveries of several projects as one (for `handlers --explain`)."""
    from ..discovery.common import Discovery

    merged = Discovery()
    for found in discoveries:
        if found is None:
            continue
        merged.handlers.extend(found.handlers)
        merged.covered_files |= set(found.covered_files)
        merged.warnings.extend(found.warnings)
        merged.files_read |= set(getattr(found, "files_read", ()) or ())
    return merged
