"""Discovery results replayed from ``.lambda_lint_cache/discovery/`` when the tree has not changed.

Discovery reads infrastructure files (YAML, JSON, HCL, Python CDK/Chalice/ASGI
apps with libcst, Dockerfiles, TypeScript) and checks which modules and
folders exist under the root; on a Lambda-dense tree that is a large part of an
otherwise cached run, and it is what imports libcst on such a run. Its result
depends only on the files under the root (it never resolves outside it), so it
is stored with a signature of the tree: the path, size and modification time
(ns) of every file and the path of every folder that discovery's own walk can
see (the same skipped folders and virtualenvs), plus the settings that steer
it (exclusions) and the code of the discovery package itself. Any difference,
a new or removed file anywhere included, and discovery runs again.

The entry is JSON (never pickle: a cache folder can come with a checkout):
the :class:`~lambda_lint.discovery.common.Discovery` record and the records in
it are written field by field and read back as plain dataclasses with the same
fields (importing the real classes would import discovery, and libcst).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import stat
from typing import Callable, Optional

SCHEMA = 1
CACHE_DIR = ".lambda_lint_cache"
# Folders no discovery source reads from (discovery.common.SKIPPED_FOLDERS, kept in
# step by tests/test_speed.py), and the cache itself.
SKIPPED = frozenset(
    {
        ".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__",
        ".aws-sam", "cdk.out", ".serverless", ".terraform", ".tox", ".nox",
        ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", CACHE_DIR,
    }
)


def discover_cached(root: str, is_excluded: Callable[[str], bool], settings: str, use_cache: bool,
                    directory: Optional[str] = None):
    """``discovery.discover(root, is_excluded)``, from the cache when the tree is unchanged.

    ``directory``: the cache folder (--cache-dir); by default the project's own."""
    if not use_cache:
        from ..discovery import discover

        return discover(root, is_excluded)
    signature = tree_signature(root, is_excluded, settings)
    from .cache import cache_dir_for

    entry = os.path.join(cache_dir_for(root, directory), "discovery",
                         hashlib.blake2b(f"{root}\0{settings}".encode("utf-8", "surrogateescape"), digest_size=16).hexdigest() + ".json")
    found = _load(entry, signature)
    if found is not None:
        return found
    from ..discovery import discover

    found = discover(root, is_excluded)
    _store(root, entry, signature, found)
    return found


def tree_signature(root: str, is_excluded: Callable[[str], bool], settings: str) -> str:
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"{SCHEMA}\0{settings}\0{_code_signature()}\n".encode("utf-8", "surrogateescape"))
    for current, dirnames, filenames in os.walk(root):
        if current != root and "pyvenv.cfg" in filenames:
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED and not is_excluded(os.path.join(current, d)))
        parts = [f"d {current}\n"]
        for name in sorted(filenames):
            path = os.path.join(current, name)
            try:
                info = os.lstat(path)
            except OSError:
                parts.append(f"? {path}\n")
                continue
            if stat.S_ISLNK(info.st_mode):  # what it points to may change under the same link
                try:
                    info = os.stat(path)
                except OSError:
                    parts.append(f"l {path}\n")
                    continue
            parts.append(f"f {path}\0{info.st_size}\0{info.st_mtime_ns}\n")
        digest.update("".join(parts).encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


_CODE: list = []


def _code_signature() -> str:
    """The discovery package's files (a development install changes without a new version)."""
    if not _CODE:
        from .. import __version__

        folder = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "discovery")
        parts = [__version__]
        try:
            for name in sorted(os.listdir(folder)):
                if name.endswith(".py"):
                    info = os.stat(os.path.join(folder, name))
                    parts.append(f"{name}:{info.st_size}:{info.st_mtime_ns}")
        except OSError:
            parts.append("?")
        _CODE.append(";".join(parts))
    return _CODE[0]


# -- the entry ---------------------------------------------------------------------------
def _encode(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        return {"__record__": getattr(cls, "_recorded_as", f"{cls.__module__}:{cls.__qualname__}"),
                "fields": {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, (set, frozenset)):
        return {"__set__": sorted((_encode(v) for v in value), key=repr)}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {"__dict__": {k: _encode(v) for k, v in value.items()}}
        return {"__pairs__": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot cache a {type(value).__name__}")


def _decode(value):
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__record__" in value:
        fields = {k: _decode(v) for k, v in value["fields"].items()}
        return _record_class(str(value["__record__"]), tuple(fields))(**fields)
    if "__set__" in value:
        return {_freeze(_decode(v)) for v in value["__set__"]}
    if "__tuple__" in value:
        return tuple(_decode(v) for v in value["__tuple__"])
    if "__dict__" in value:
        return {k: _decode(v) for k, v in value["__dict__"].items()}
    if "__pairs__" in value:
        return {_freeze(_decode(k)): _decode(v) for k, v in value["__pairs__"]}
    raise ValueError("unknown value in a discovery entry")


_RECORDS: dict = {}


def _record_class(qualified: str, names: tuple):
    """A dataclass with the recorded fields, standing for a discovery record (plan and merge
    only read its attributes). Importing the real classes would import discovery, hence libcst."""
    key = (qualified, names)
    if key not in _RECORDS:
        if not all(isinstance(n, str) and n.isidentifier() for n in names):
            raise ValueError("bad field name in a discovery entry")
        name = qualified.rpartition(":")[2].rpartition(".")[2] or "Record"
        cls = dataclasses.make_dataclass(name if name.isidentifier() else "Record", list(names))
        cls._recorded_as = qualified
        _RECORDS[key] = cls
    return _RECORDS[key]


def _freeze(value):
    return tuple(_freeze(v) for v in value) if isinstance(value, list) else value


def _load(entry: str, signature: str):
    try:
        with open(entry, encoding="utf-8") as fh:
            data = json.load(fh)
        if not isinstance(data, dict) or data.get("signature") != signature:
            return None
        found = _decode(data["discovery"])
        if not _well_formed(found):
            return None
        return found
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ImportError):
        return None


HANDLER_FIELDS = ("module_file", "function", "source", "declared_in", "declared_line", "spec", "code_root")


def _well_formed(found) -> bool:
    """What the planner reads is there (an entry written by another version, or by hand, is not used)."""
    if not all(isinstance(getattr(found, name, None), kind)
               for name, kind in (("handlers", list), ("covered_files", set), ("warnings", list))):
        return False
    return all(all(hasattr(h, name) for name in HANDLER_FIELDS) for h in found.handlers)


def _store(root: str, entry: str, signature: str, found) -> None:
    try:
        data = {"signature": signature, "discovery": _encode(found)}
    except TypeError:
        return  # something discovery records that JSON cannot hold: not cached
    try:
        from .cache import prepare_cache_dir, write_json_atomically

        prepare_cache_dir(os.path.dirname(os.path.dirname(entry)))  # .gitignore and CACHEDIR.TAG
        write_json_atomically(entry, data)
    except OSError:
        pass  # a read-only tree: no cache

