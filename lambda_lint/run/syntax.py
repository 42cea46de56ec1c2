"""LAM001 for every given Python file, also the ones no handler reaches.

The analysis parses only what a handler can reach (with libcst). Ruff reports a
syntax error in any file it is given, so every other checked file is read with
CPython's own parser (``compile`` to an AST: about ten times cheaper than
libcst, and no libcst import), for syntax and encoding errors, with their line
and column.
"""
from __future__ import annotations

import ast
import hashlib
import io
import json
import os
import re
import sys
import tempfile
import tokenize
import warnings
from dataclasses import dataclass
from typing import Dict, Optional

# CPython's parser is not safe from pathological nesting on every supported
# version; such a file is left to the libcst path's own guard (it is reported
# there when a handler reaches it).
_DEEP_NESTING = re.compile(rb"[(\[{]{200,}")


@dataclass(frozen=True)
class SyntaxProblem:
    message: str
    line: int
    column: int  # 1-based


def syntax_problem(data: bytes) -> Optional[SyntaxProblem]:
    """Why ``data`` is not Python source CPython can parse, or None."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return SyntaxProblem("file is UTF-16 or UTF-32; Python source must be UTF-8 or declare an "
                             "ASCII-compatible encoding", 1, 1)
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        return SyntaxProblem("file contains NUL bytes (binary, not Python source)", line, 1)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except SyntaxError as exc:
        return SyntaxProblem(f"bad encoding declaration: {getattr(exc, 'msg', None) or exc}", 1, 1)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return SyntaxProblem(f"cannot decode as {encoding}: invalid byte sequence", line, column)
    except (LookupError, TypeError, ValueError) as exc:
        return SyntaxProblem(f"cannot decode: {exc}", 1, 1)
    if _DEEP_NESTING.search(data):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text.lstrip("\ufeff"), "<lambda-lint>", "exec", ast.PyCF_ONLY_AST)
    except SyntaxError as exc:
        return SyntaxProblem(f"syntax error: {exc.msg or 'invalid syntax'}", exc.lineno or 1, max(exc.offset or 1, 1))
    except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
        return SyntaxProblem(f"syntax error: {exc or type(exc).__name__}", 1, 1)
    return None


class SyntaxVerdicts:
    """Verdicts of :func:`syntax_problem` by content hash, kept in the cache folder
    (``syntax.json``), so that an unchanged file is not parsed again. ``None``
    directory: no cache (every file is parsed)."""

    FILE = "syntax.json"

    def __init__(self, directory: Optional[str]):
        self.path = os.path.join(directory, self.FILE) if directory else None
        self._known: Dict[str, Optional[list]] = {}
        self._changed = False
        # The verdicts are CPython's and ours: another Python or lambda-lint starts afresh.
        from .. import __version__

        self._key = f"lambda-lint {__version__} python {sys.version_info[0]}.{sys.version_info[1]}"
        if self.path:
            try:
                with open(self.path, encoding="utf-8") as fh:
                    loaded = json.load(fh)
                if isinstance(loaded, dict) and loaded.get("key") == self._key and isinstance(loaded.get("verdicts"), dict):
                    self._known = loaded["verdicts"]
            except (OSError, ValueError):
                pass

    def problem(self, data: bytes) -> Optional[SyntaxProblem]:
        if self.path is None:
            return syntax_problem(data)
        key = hashlib.blake2b(data, digest_size=16).hexdigest()
        if key in self._known:
            known = self._known[key]
            return SyntaxProblem(*known) if known else None
        found = syntax_problem(data)
        self._known[key] = [found.message, found.line, found.column] if found else None
        self._changed = True
        return found

    def save(self) -> None:
        if not (self.path and self._changed):
            return
        try:
            from .cache import prepare_cache_dir

            prepare_cache_dir(os.path.dirname(self.path))
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(self.path), prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"key": self._key, "verdicts": self._known}, fh)
            os.replace(tmp, self.path)
        except OSError:
            pass  # a read-only tree: run without it
