"""Which files a check looks at: walking folders, skipping what is never Lambda code.

Walking never follows symbolic links to folders (they could loop or leave the
tree); links to files are listed like files, and a broken or looping one is
reported by the checker as LAM001. A folder named ``*.py`` is a folder. A
``*.py`` that is not a regular file (a named pipe, a socket, a device, or a
link to one) is never opened: reading a pipe would block and a device may never
end. It and a folder that cannot be listed are reported as errors.
"""
from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import stat
from typing import Iterable, List, Optional, Tuple

# The largest Python file read (the same limit as analysis.sources.MAX_FILE_BYTES,
# checked by tests/test_parallel.py), repeated so that planning needs no libcst.
MAX_FILE_BYTES = 50 * 1024 * 1024

# Folders that never hold the project's own Lambda code (or hold copies of it:
# SAM and CDK build output would report every finding twice).
SKIPPED_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv", "venv", ".tox", ".nox",
        ".mypy_cache", ".pytest_cache", ".ruff_cache", ".aws-sam", "cdk.out", ".serverless",
        ".terraform", "site-packages", ".lambda_lint_cache", ".eggs", ".idea", ".vscode",
    }
)


class Excluder:
    """gitignore-style exclusion: default folders, configured globs and the root .gitignore."""

    def __init__(self, root: str, patterns: Iterable[str] = (), use_gitignore: bool = True):
        self.root = os.path.abspath(root)
        self.patterns = [p.rstrip("/") for p in patterns if p.strip()]
        if use_gitignore:
            self.patterns += _gitignore_patterns(os.path.join(self.root, ".gitignore"))
        # Every pattern compiled once into two regexes: one over the relative path,
        # one over the base name (unanchored patterns without a "/").
        path_parts, name_parts = [], []
        for pattern in self.patterns:
            anchored = pattern.startswith("/")
            pat = pattern.lstrip("/")
            path_parts += [fnmatch.translate(pat), fnmatch.translate(pat + "/*")]
            if not anchored:
                path_parts.append(fnmatch.translate("*/" + pat))
                if "/" not in pat:
                    name_parts.append(fnmatch.translate(pat))
        self._path_re = re.compile("|".join(f"(?:{p})" for p in path_parts)) if path_parts else None
        self._name_re = re.compile("|".join(f"(?:{p})" for p in name_parts)) if name_parts else None

    def __call__(self, path: str) -> bool:
        path = os.path.abspath(path)
        name = os.path.basename(path)
        if name in SKIPPED_DIRS and os.path.isdir(path):
            return True
        if self._name_re is not None and self._name_re.match(name):
            return True
        if self._path_re is None:
            return False
        try:
            rel = os.path.relpath(path, self.root).replace(os.sep, "/")
        except ValueError:  # another drive on Windows
            rel = "../"
        if rel == ".." or rel.startswith("../"):
            rel = path.replace(os.sep, "/")
        return self._path_re.match(rel) is not None


def _gitignore_patterns(path: str) -> List[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#") or line.startswith("!"):
            continue
        out.append(line)
    return out


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
