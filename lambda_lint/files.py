"""Which files a check looks at: walking folders, skipping what is never Lambda code."""
from __future__ import annotations

import fnmatch
import os
import re
from typing import Iterable, List, Tuple

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
        rel = os.path.relpath(path, self.root).replace(os.sep, "/")
        if rel.startswith(".."):
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
    """(python files, error messages). Files named explicitly are kept unless ``force_exclude``."""
    files: List[str] = []
    errors: List[str] = []
    seen = set()
    for given in paths:
        path = os.path.abspath(given)
        if os.path.isdir(path):
            if excluded(path) and force_exclude:
                continue
            for found in _walk(path, excluded):
                if found not in seen:
                    seen.add(found)
                    files.append(found)
        elif os.path.lexists(path):
            if force_exclude and excluded(path):
                continue
            if path not in seen:
                seen.add(path)
                files.append(path)
        else:
            errors.append(f"{given}: no such file or directory")
    return files, errors


def _walk(top: str, excluded) -> Iterable[str]:
    # followlinks=False: a symlinked folder could loop or leave the tree.
    for folder, dirs, names in os.walk(top, followlinks=False):
        if os.path.exists(os.path.join(folder, "pyvenv.cfg")) and folder != top:
            dirs[:] = []
            continue
        dirs[:] = sorted(d for d in dirs if not excluded(os.path.join(folder, d)))
        for name in sorted(names):
            if name.endswith(".py"):
                full = os.path.join(folder, name)
                if not excluded(full):
                    yield full
