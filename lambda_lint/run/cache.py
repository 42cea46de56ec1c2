"""The result cache: ``.lambda_lint_cache/`` in the project root.

One JSON file per unit of work (see :mod:`.engine`). Its name is a hash of
what the unit starts from: the tool and dependency versions, the configuration
and enabled codes, the working directory (reported paths are relative to it),
and the path and content of each of the unit's handler files. Inside, the
entry lists every file the unit read, with its content hash and whether it was
one of the checked files, and every path whose absence decided an import; the
entry is used only if all of these are still so. Editing a helper module on
the warm path, adding a module where an import used to find nothing, or
checking a different set of files therefore recomputes the unit.

Entries hold the diagnostics as JSON (fixes with their text edits, no libcst
transform), so that a cached run needs no parser. Writes go to a temporary file
renamed into place, so parallel runs never see half an entry. The folder has a
``.gitignore`` (``*``) and a ``CACHEDIR.TAG``. Delete it at any time.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from typing import Optional

from .units import Unit, UnitOutcome

CACHE_DIR = ".lambda_lint_cache"
SCHEMA = 3  # 3: handler records carry "snapstart"
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by lambda-lint.\n"
    "# For information about cache directory tags, see:\n"
    "#\thttps://bford.info/cachedir/\n"
)


ENV_CACHE_DIR = "LAMBDA_LINT_CACHE_DIR"


def cache_dir_for(root: str, override: Optional[str] = None) -> str:
    """The cache folder of a project: ``override`` (--cache-dir), else $LAMBDA_LINT_CACHE_DIR,
    else ``.lambda_lint_cache`` in the project root. One folder may serve many
    projects: the project root is part of every key."""
    chosen = override or os.environ.get(ENV_CACHE_DIR)
    return os.path.abspath(chosen) if chosen else os.path.join(root, CACHE_DIR)


_FINGERPRINT = None


def _tool_fingerprint() -> str:
    """The tool's own code (size and mtime of each module): the version number does not change between
    development builds, and two checkouts of different code must never share entries (several
    worktrees check the same folders)."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        parts = []
        for folder, dirs, files in os.walk(package):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if name.endswith(".py"):
                    path = os.path.join(folder, name)
                    try:
                        st = os.stat(path)
                    except OSError:
                        continue
                    parts.append(f"{os.path.relpath(path, package)}:{st.st_size}:{st.st_mtime_ns}")
        parts.append(package)
        _FINGERPRINT = hashlib.blake2b("\n".join(parts).encode("utf-8", "surrogateescape"), digest_size=12).hexdigest()
    return _FINGERPRINT


class Cache:
    def __init__(self, root: str, settings: str, directory: Optional[str] = None):
        self.dir = cache_dir_for(root, directory)
        self.settings = f"{SCHEMA}:{settings}:{os.getcwd()}:{_tool_fingerprint()}"
        self.hits = 0
        self.misses = 0

    # -- keys -------------------------------------------------------------------------
    def key(self, unit: Unit, plan) -> str:
        parts = [self.settings]
        for path in unit.roots:
            parts.append(f"{path}\0{plan.digest(path)}\0{path in unit.candidates}")
        parts.extend(repr(d) for d in unit.declared)
        parts.extend(f"hooks\0{path}" for path in unit.hook_files)
        return hashlib.blake2b("\n".join(parts).encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()

    def _entry(self, key: str) -> str:
        return os.path.join(self.dir, "units", key[:2], key + ".json")

    # -- reading -----------------------------------------------------------------------
    def lookup(self, unit: Unit, plan) -> Optional[UnitOutcome]:
        key = self.key(unit, plan)
        try:
            with open(self._entry(key), encoding="utf-8") as fh:
                entry = json.load(fh)
        except (OSError, ValueError):
            self.misses += 1
            return None
        if not isinstance(entry, dict) or entry.get("key") != key or not self._still_valid(entry, plan):
            self.misses += 1
            return None
        try:
            outcome = UnitOutcome.from_json(entry["outcome"])
        except (KeyError, TypeError, ValueError):
            self.misses += 1
            return None
        self.hits += 1
        return outcome

    @staticmethod
    def _still_valid(entry: dict, plan) -> bool:
        try:
            for path, (digest, checked) in entry["deps"].items():
                if (path in plan.checked) != checked or plan.digest(path) != digest:
                    return False
            for path in entry["absent"]:
                if os.path.isfile(path):
                    return False
        except (KeyError, TypeError, ValueError):
            return False
        return True

    # -- writing -----------------------------------------------------------------------
    def store(self, unit: Unit, plan, outcome: UnitOutcome) -> None:
        if outcome.deps is None or outcome.absent is None:
            return  # the unit could not say what it read: never cache it
        if outcome.internal_errors:
            return  # a bug of ours is reported on every run until it is fixed
        key = self.key(unit, plan)
        entry = {"key": key, "deps": outcome.deps, "absent": outcome.absent, "outcome": outcome.to_json()}
        try:
            self._prepare()
            write_json_atomically(self._entry(key), entry)
        except OSError:
            pass  # a read-only tree: run without a cache

    def _prepare(self) -> None:
        prepare_cache_dir(self.dir)


def prepare_cache_dir(directory: str) -> None:
    """Create the cache folder with its .gitignore and CACHEDIR.TAG (OSError when it cannot)."""
    if os.path.isfile(os.path.join(directory, "CACHEDIR.TAG")):
        return
    os.makedirs(directory, exist_ok=True)
    for name, text in ((".gitignore", "# Created by lambda-lint automatically.\n*\n"), ("CACHEDIR.TAG", CACHEDIR_TAG)):
        path = os.path.join(directory, name)
        if not os.path.exists(path):
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, path)


def write_json_atomically(target: str, data, compact: bool = True) -> None:
    """Write ``data`` as JSON to ``target`` through a temporary file in the same folder, so that a
    reader (another run, a flake8 worker) sees the old entry or the new one, never half of one."""
    folder = os.path.dirname(target)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, separators=(",", ":") if compact else None)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
