"""Reading and parsing one file, turning every failure into a reason (never a traceback)."""
from __future__ import annotations

import ast
import os
import warnings
from dataclasses import dataclass
from typing import Optional, Union

import libcst as cst

# Deeper nesting than this overflows libcst's (and CPython's) recursive parsers
# or our own recursive walks; such files are reported, not parsed.
MAX_NESTING = 100
MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass
class ParseFailure:
    """Why a file could not be analysed, and where (1-based line)."""

    reason: str
    line: int = 1


def read_bytes(path: str) -> Union[bytes, ParseFailure]:
    try:
        if os.path.isdir(path):
            return ParseFailure("is a directory, not a Python file")
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            return ParseFailure(f"file is too large to analyse ({size // (1024 * 1024)} MB)")
        with open(path, "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        if os.path.islink(path):
            return ParseFailure("broken symbolic link")
        return ParseFailure("file not found")
    except PermissionError:
        return ParseFailure("permission denied")
    except OSError as exc:
        return ParseFailure(f"cannot read file: {exc.strerror or exc}")


def _nesting_too_deep(data: bytes) -> bool:
    """A cheap upper bound of bracket nesting, ignoring strings and comments.

    Only called when a quick count says the file *might* be deep.
    """
    depth = 0
    for byte in data:
        if byte in b"([{":
            depth += 1
            if depth > MAX_NESTING:
                return True
        elif byte in b")]}":
            depth = max(0, depth - 1)
    return False


def _indent_too_deep(text: str) -> bool:
    # Indentation of 4 spaces per level; tabs count as one level each.
    for line in text.splitlines():
        stripped = line.lstrip(" \t")
        if not stripped or stripped.startswith("#"):
            continue
        indent = line[: len(line) - len(stripped)]
        levels = indent.count("\t") + indent.count(" ") // 4
        if levels > MAX_NESTING:
            return True
    return False


def decode(data: bytes) -> Union[str, ParseFailure]:
    import io
    import tokenize

    if b"\x00" in data:
        return ParseFailure("file contains NUL bytes (binary, not Python source)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        return ParseFailure(f"bad encoding declaration: {exc.msg if hasattr(exc, 'msg') else exc}")
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        line = data[: getattr(exc, "start", 0)].count(b"\n") + 1
        return ParseFailure(f"cannot decode as {encoding}: invalid byte sequence", line)


def syntax_error_line(text: str) -> Optional[tuple]:
    """CPython's own verdict: (line, message) of the first syntax error, or None."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<lambda-lint>", "exec", ast.PyCF_ONLY_AST)
    except SyntaxError as exc:
        return (exc.lineno or 1, exc.msg or "invalid syntax")
    except (ValueError, RecursionError, MemoryError) as exc:
        return (1, str(exc) or type(exc).__name__)
    return None


def parse(data: bytes) -> Union[cst.Module, ParseFailure]:
    """Parse file contents with libcst; libcst keeps encoding and line endings."""
    text = decode(data)
    if isinstance(text, ParseFailure):
        return text
    if data.count(b"(") + data.count(b"[") + data.count(b"{") > MAX_NESTING and _nesting_too_deep(data):
        return ParseFailure(f"nested more than {MAX_NESTING} levels deep; not analysed")
    if _indent_too_deep(text):
        return ParseFailure(f"indented more than {MAX_NESTING} levels deep; not analysed")
    try:
        return cst.parse_module(data)
    except cst.ParserSyntaxError as exc:
        verdict = syntax_error_line(text)
        if verdict is not None:
            return ParseFailure(f"syntax error: {verdict[1]}", verdict[0])
        return ParseFailure(f"syntax error: {exc.message}", max(1, exc.raw_line))
    except RecursionError:
        return ParseFailure("too deeply nested to parse")
    except Exception as exc:  # libcst raises a handful of internal errors on odd input
        verdict = syntax_error_line(text)
        line = verdict[0] if verdict else 1
        return ParseFailure(f"cannot parse: {type(exc).__name__}: {exc}".strip(), line)
