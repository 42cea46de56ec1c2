"""What a file's import statements may name, read from its text without parsing it.

Planning uses this to group handler files into units before any libcst parse;
it over-approximates what the parser sees (never fewer modules).
"""
from __future__ import annotations

import functools
import os
import re
from typing import Optional

_FROM_IMPORT = re.compile(
    r"\bfrom(?:[ \t]|\\\r?\n)+(\.*)(?:[ \t]|\\\r?\n)*([\w.]*)(?:[ \t]|\\\r?\n)+import\b[ \t]*"
    r"(\((?:[^)#]|#[^\n]*)*\)|(?:[^\n\\]|\\\r?\n)*)"
)
_IMPORT = re.compile(r"\bimport[ \t]+((?:[^\n\\;]|\\\r?\n)*)")
_NAME = re.compile(r"[^\W\d][\w.]*")


def import_targets(data: bytes) -> list:
    """(level, dotted name) of every module an import statement may name, from the text.

    A superset of what the parser sees: words after ``import`` in strings and
    comments count too, and ``from x import y`` names both ``x`` and ``x.y``.
    """
    # A pure function of the bytes, remembered: a long-lived process (the language
    # server) plans the same unchanged files again after every edit.
    return list(_scan(data))


@functools.lru_cache(maxsize=4096)
def _scan(data: bytes) -> tuple:
    text = data.decode("utf-8", "replace")
    out = []
    rest = []
    last = 0
    for match in _FROM_IMPORT.finditer(text):
        rest.append(text[last:match.start()])
        last = match.end()
        level, module = len(match.group(1)), match.group(2).strip(".")
        out.append((level, module))
        for name in _names(match.group(3)):
            out.append((level, f"{module}.{name}" if module else name))
    rest.append(text[last:])
    for match in _IMPORT.finditer(" ".join(rest)):
        for name in _names(match.group(1)):
            # ``import a.b`` imports the package ``a`` too.
            parts = name.split(".")
            out.extend((0, ".".join(parts[: i + 1])) for i in range(len(parts)))
    return tuple(dict.fromkeys(out))


def _names(clause: str) -> list:
    names = []
    clause = re.sub(r"#[^\n]*", "", clause)
    for part in clause.replace("\\\n", " ").replace("(", " ").replace(")", " ").split(","):
        part = part.strip()
        found = _NAME.match(part)
        if found:
            names.append(found.group(0).strip("."))
    return names


def module_file(root: str, base: str, dotted_name: str) -> Optional[str]:
    """The file of module ``dotted_name`` below ``base`` (``x.py`` or ``x/__init__.py``), inside ``root``."""
    rel = os.path.join(base, *dotted_name.split(".")) if dotted_name else base
    for candidate in (rel + ".py", os.path.join(rel, "__init__.py")):
        if os.path.isfile(candidate):
            candidate = os.path.abspath(candidate)
            if inside(candidate, root):
                return candidate
    return None


def inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
