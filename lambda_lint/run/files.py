"""Which files a check looks at: walking folders, skipping what is never Lambda code.

Exclusion follows Ruff (and git), matched by ``pathspec``'s gitwildmatch rules
rather than by hand-written globbing:

* default excludes: folders that never hold the project's own code
  (:data:`SKIPPED_DIRS`); ``exclude`` replaces them, ``extend-exclude`` adds to
  them. Patterns are relative to the project root, and a pattern without a "/"
  matches a name at any depth (``build``, ``vendored/``, ``*_pb2.py``).
* ``.gitignore`` files in every folder from the top of the git work tree (or
  the project root outside git) down to the file, with negation (``!keep.py``),
  folder-only patterns (``dist/``) and anchoring; ``.git/info/exclude`` and the
  global excludes file (``core.excludesFile``, else ``$XDG_CONFIG_HOME/git/ignore``)
  below them, in git's order of precedence. A file inside an ignored folder
  stays ignored, as in git. ``respect_gitignore=False`` turns all of them off.
* Files named explicitly are checked even when excluded, unless ``force_exclude``.

Walking never follows symbolic links to folders (they could loop or leave the
tree); links to files are listed like files, and a broken or looping one is
reported by the checker as LAM001. A folder named ``*.py`` is a folder. A
``*.py`` that is not a regular file (a named pipe, a socket, a device, or a
link to one) is never opened: reading a pipe would block and a device may never
end. It and a folder that cannot be listed are reported as errors.
"""
from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Tuple

import pathspec

# The largest Python file read (the same limit as analysis.sources.MAX_FILE_BYTES,
# checked by tests/test_parallel.py), repeated so that planning needs no libcst.
MAX_FILE_BYTES = 50 * 1024 * 1024

# Folders that never hold the project's own Lambda code (or hold copies of it:
# SAM and CDK build output would report every finding twice). The default
# ``exclude``; a configured ``exclude`` replaces it, ``extend-exclude`` adds to it.
SKIPPED_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv", "venv", ".tox", ".nox",
        ".mypy_cache", ".pytest_cache", ".ruff_cache", ".aws-sam", "cdk.out", ".serverless",
        ".terraform", "site-packages", ".lambda_lint_cache", ".eggs", ".idea", ".vscode",
    }
)

# Version control folders are never walked, even when ``exclude`` replaces the
# defaults (Ruff would walk them then; their content is never the project's code).
VCS_DIRS = frozenset({".git", ".hg", ".svn"})


@dataclass(frozen=True)
class Exclusion:
    """Why a path is excluded: the setting or ignore file, and the pattern that matched."""

    source: str  # "default exclude", "exclude", "extend-exclude", or "path/.gitignore:LINE"
    pattern: str

    def __str__(self) -> str:
        return f"{self.source} `{self.pattern}`"


@dataclass(frozen=True)
class _Pattern:
    spec: "pathspec.GitIgnoreSpec"
    sources: Tuple[Exclusion, ...]  # by pattern index


def _compile(lines: List[str], sources: List[Exclusion]) -> Optional[_Pattern]:
    if not any(line.strip() and not line.lstrip().startswith("#") for line in lines):
        return None
    return _Pattern(pathspec.GitIgnoreSpec.from_lines(lines), tuple(sources))


def _decide(pattern: Optional[_Pattern], rel: str) -> Optional[Tuple[bool, Exclusion]]:
    """(ignored?, the pattern that decided) for a "/"-separated relative path, or None."""
    if pattern is None:
        return None
    found = pattern.spec.check_file(rel)
    if found.include is None:
        return None
    return found.include, pattern.sources[found.index]


class Excluder:
    """Decides whether a path is excluded (callable: ``excluded(path) -> bool``); see the module doc.

    ``patterns`` are extra configured patterns; ``defaults`` replaces the default
    folder names (``None``: :data:`SKIPPED_DIRS`).
    """

    def __init__(self, root: str, patterns: Iterable[str] = (), use_gitignore: bool = True,
                 defaults: Optional[Iterable[str]] = None, pattern_source: str = "exclude"):
        self.root = os.path.abspath(root)
        self.defaults = frozenset(SKIPPED_DIRS if defaults is None else ())
        lines, sources = [], []
        if defaults is not None:
            for item in defaults:
                lines.append(item)
                sources.append(Exclusion("exclude", item))
        for item in patterns:
            if isinstance(item, Exclusion):
                lines.append(item.pattern)
                sources.append(item)
            else:
                lines.append(item)
                sources.append(Exclusion(pattern_source, item))
        self._configured = _compile(lines, sources)
        self._gitignores = _GitIgnores(self.root) if use_gitignore else None
        self._dirs: Dict[str, Optional[Exclusion]] = {}

    @classmethod
    def from_config(cls, root: str, config, respect_gitignore: bool = True) -> "Excluder":
        """The excluder of a project: its ``exclude``/``extend-exclude`` (Ruff's semantics)."""
        exclude = getattr(config, "exclude", None)
        # A non-empty list was written; `exclude = []` is told by exclude_set.
        replaced = bool(getattr(config, "exclude_set", False)) or bool(exclude)
        extend = [Exclusion("extend-exclude", p) for p in getattr(config, "extend_exclude", None) or []]
        if replaced:
            return cls(root, extend, respect_gitignore, defaults=list(exclude or []))
        return cls(root, extend, respect_gitignore)

    def __call__(self, path: str) -> bool:
        return self.reason(path) is not None

    def reason(self, path: str, is_dir: Optional[bool] = None) -> Optional[Exclusion]:
        """The exclusion that applies to ``path`` (itself or a folder above it), or None."""
        path = os.path.abspath(path)
        if is_dir is None:
            is_dir = os.path.isdir(path)
        parent = os.path.dirname(path)
        if parent != path and _inside(parent, self.root) and parent != self.root:
            above = self._dir_reason(parent)
            if above is not None:
                return above
        return self._own_reason(path, is_dir)

    def _dir_reason(self, folder: str) -> Optional[Exclusion]:
        if folder not in self._dirs:
            parent = os.path.dirname(folder)
            above = None
            if parent != folder and _inside(parent, self.root) and parent != self.root:
                above = self._dir_reason(parent)
            self._dirs[folder] = above if above is not None else self._own_reason(folder, True)
        return self._dirs[folder]

    def _own_reason(self, path: str, is_dir: bool) -> Optional[Exclusion]:
        name = os.path.basename(path)
        if is_dir and (name in self.defaults or name in VCS_DIRS):
            return Exclusion("default exclude", name)
        if _inside(path, self.root) and path != self.root:
            rel = os.path.relpath(path, self.root).replace(os.sep, "/")
        else:
            rel = name  # outside the project: only name patterns can match
        decided = _decide(self._configured, rel + ("/" if is_dir else ""))
        if decided is not None and decided[0]:
            return decided[1]
        if self._gitignores is not None:
            return self._gitignores.reason(path, is_dir)
        return None


class _GitIgnores:
    """git's ignore rules for paths below a work tree (or, outside git, below the project root)."""

    def __init__(self, root: str):
        self.root = root
        self._tops: Dict[str, Optional[str]] = {}
        self._files: Dict[str, Optional[_Pattern]] = {}
        self._base: Dict[str, List[Tuple[str, Optional[_Pattern]]]] = {}

    def _top(self, folder: str) -> Optional[str]:
        """The work tree folder ``folder`` is in (nearest .git), else the project root when inside it."""
        if folder not in self._tops:
            if os.path.exists(os.path.join(folder, ".git")):
                top = folder
            else:
                parent = os.path.dirname(folder)
                top = self._top(parent) if parent != folder else None
                if top is None and _inside(folder, self.root):
                    top = self.root
            self._tops[folder] = top
        return self._tops[folder]

    def _ignore_file(self, path: str) -> Optional[_Pattern]:
        if path not in self._files:
            lines = _read_lines(path)
            shown = _shown(path)
            self._files[path] = _compile(
                lines, [Exclusion(f"{shown}:{i}", line.strip()) for i, line in enumerate(lines, start=1)])
        return self._files[path]

    def _base_files(self, top: str) -> List[Tuple[str, Optional[_Pattern]]]:
        """The global excludes file, then .git/info/exclude: weaker than every .gitignore."""
        if top not in self._base:
            base = []
            global_file = global_excludes_file()
            if global_file:
                base.append((top, self._ignore_file(global_file)))
            git_dir = os.path.join(top, ".git")
            if os.path.isdir(git_dir):
                base.append((top, self._ignore_file(os.path.join(git_dir, "info", "exclude"))))
            self._base[top] = base
        return self._base[top]

    def reason(self, path: str, is_dir: bool) -> Optional[Exclusion]:
        folder = os.path.dirname(path)
        top = self._top(folder)
        if top is None or path == top:
            return None
        chain = list(self._base_files(top))
        folders = []
        current = folder
        while True:
            folders.append(current)
            if current == top:
                break
            current = os.path.dirname(current)
        for current in reversed(folders):
            chain.append((current, self._ignore_file(os.path.join(current, ".gitignore"))))
        verdict = None
        for base, pattern in chain:
            if pattern is None:
                continue
            rel = os.path.relpath(path, base).replace(os.sep, "/") + ("/" if is_dir else "")
            decided = _decide(pattern, rel)
            if decided is not None:
                verdict = decided
        if verdict is not None and verdict[0]:
            return verdict[1]
        return None


def global_excludes_file() -> Optional[str]:
    """git's ``core.excludesFile`` (from the user's git configuration), else its default place."""
    home = os.path.expanduser("~")
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    for config in (os.path.join(xdg, "git", "config"), os.path.join(home, ".gitconfig")):
        value = _core_excludes_file(config)
        if value:
            return os.path.expanduser(value)
    default = os.path.join(xdg, "git", "ignore")
    return default if os.path.isfile(default) else None


_SECTION = re.compile(r"^\s*\[\s*([^\]\s]+)")
_EXCLUDES_FILE = re.compile(r"^\s*excludesfile\s*=\s*(.*?)\s*$", re.IGNORECASE)


def _core_excludes_file(path: str) -> Optional[str]:
    section = None
    value = None
    for line in _read_lines(path):
        header = _SECTION.match(line)
        if header:
            section = header.group(1).lower()
            continue
        found = _EXCLUDES_FILE.match(line)
        if section == "core" and found:
            value = found.group(1).strip('"')  # the last one wins, as in git
    return value


def _read_lines(path: str) -> List[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read().splitlines()
    except OSError:
        return []


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def collect_files(paths: Iterable[str], excluded, force_exclude: bool = False) -> Tuple[List[str], List[str]]:
    """(python files, error messages). Files named explicitly are kept unless ``force_exclude``.

    Every problem is one line naming the path: a path that does not exist, a
    folder that cannot be listed, a special file. The other paths are still
    collected.
    """
    files: List[str] = []
    errors: List[str] = []
    seen = set()
    for given in paths:
        path = os.path.abspath(given)
        if os.path.isdir(path):
            if excluded(path) and force_exclude:
                continue
            for found in _walk(path, excluded, errors):
                if found not in seen:
                    seen.add(found)
                    files.append(found)
        elif os.path.lexists(path):
            if force_exclude and excluded(path):
                continue
            problem = _special_file(path)
            if problem:
                errors.append(f"{given}: {problem}; not checked")
            elif path not in seen:
                seen.add(path)
                files.append(path)
        else:
            errors.append(f"{given}: no such file or directory")
    return files, errors


def walk_python_files(top: str, excluder_of, errors: Optional[List[str]] = None):
    """(folder, [Python files]) for every folder under ``top``, each judged by ``excluder_of(folder)``.

    Like :func:`_walk`, for a walk that may cross into nested projects, each
    with its own exclusions.
    """
    def unreadable(exc: OSError) -> None:
        if errors is not None:
            where = exc.filename or top
            errors.append(f"{_shown(where)}: cannot list this folder ({exc.strerror or exc}); "
                          "its files were not checked")

    for folder, dirs, names in os.walk(top, followlinks=False, onerror=unreadable):
        if folder != top and "pyvenv.cfg" in names:
            dirs[:] = []
            continue
        excluded = excluder_of(folder)
        dirs[:] = sorted(d for d in dirs if excluded.reason(os.path.join(folder, d), True) is None)
        found = []
        for name in sorted(names):
            if name.endswith(".py"):
                full = os.path.join(folder, name)
                if excluded.reason(full, False) is not None:
                    continue
                problem = _special_file(full)
                if problem:
                    if errors is not None:
                        errors.append(f"{_shown(full)}: {problem}; not checked")
                    continue
                found.append(full)
        yield folder, found


def special_file(path: str) -> Optional[str]:
    return _special_file(path)


def _special_file(path: str) -> Optional[str]:
    """Why ``path`` (or what its link points to) must not be opened, or None.

    Broken and looping links are not special: reading them fails at once, and
    the checker reports that failure for the file.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "is a named pipe, not a file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a file"
    return "is not a regular file"


def _shown(path: str) -> str:
    """Like engine.display_path: relative to the working folder when below it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel == os.pardir or rel.startswith(os.pardir + os.sep) else rel


def _walk(top: str, excluded, errors: Optional[List[str]] = None) -> Iterable[str]:
    def unreadable(exc: OSError) -> None:
        if errors is not None:
            where = exc.filename or top
            errors.append(f"{_shown(where)}: cannot list this folder ({exc.strerror or exc}); "
                          "its files were not checked")

    # followlinks=False: a symlinked folder could loop or leave the tree.
    for folder, dirs, names in os.walk(top, followlinks=False, onerror=unreadable):
        if os.path.exists(os.path.join(folder, "pyvenv.cfg")) and folder != top:
            dirs[:] = []
            continue
        dirs[:] = sorted(d for d in dirs if not excluded(os.path.join(folder, d)))
        for name in sorted(names):
            if name.endswith(".py"):
                full = os.path.join(folder, name)
                if excluded(full):
                    continue
                problem = _special_file(full)
                if problem:
                    if errors is not None:
                        errors.append(f"{_shown(full)}: {problem}; not checked")
                    continue
                yield full


def read_file(path: str) -> Optional[bytes]:
    """The file's bytes, or None when it cannot be read or is over the size limit."""
    try:
        if os.path.getsize(path) > MAX_FILE_BYTES:
            return None
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        return None


def content_hash(data: Optional[bytes], path: str = "") -> str:
    if data is None:
        return "unreadable" if os.path.lexists(path) else "absent"
    return hashlib.blake2b(data, digest_size=16).hexdigest()
