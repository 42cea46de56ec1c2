"""The values a check produces: diagnostics, and the fixes they may carry."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Optional

if TYPE_CHECKING:  # libcst is only needed once a fix is built; the cached path never imports it
    import libcst as cst


@dataclass(frozen=True)
class Edit:
    """A replacement of a text range (1-based lines and columns, end exclusive)."""

    line: int
    column: int
    end_line: int
    end_column: int
    content: str

    def to_json(self) -> dict:
        return {
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "content": self.content,
        }


@dataclass
class Fix:
    """A mechanical change that makes a diagnostic go away.

    ``transform`` rewrites the whole module (a libcst edit); ``edits`` are the
    resulting text edits, computed when the fix is reported.
    """

    description: str
    safety: str  # "safe" or "unsafe"
    transform: Optional[Callable[[cst.Module], cst.Module]] = None
    edits: list = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "safety": self.safety,
            "description": self.description,
            "edits": [e.to_json() for e in self.edits],
        }


@dataclass
class Diagnostic:
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    code: str
    name: str
    message: str
    suggestion: str
    fix: Optional[Fix] = None

    def sort_key(self):
        return (self.path, self.line, self.column, self.code)

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "code": self.code,
            "name": self.name,
            "message": self.message,
            "suggestion": self.suggestion,
            "fix": self.fix.to_json() if self.fix else None,
        }


def display_path(path: str) -> str:
    """A path as diagnostics show it: relative to the current folder when it is below it."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def diagnostic_to_json(d: Diagnostic) -> dict:
    """A diagnostic as plain data for other processes and the cache: the fix keeps
    its edits (and ``exclusive``), not its transform."""
    out = d.to_json()
    if d.fix is not None:
        out["fix"]["exclusive"] = bool(getattr(d.fix, "exclusive", False))
    return out


def diagnostic_from_json(item: dict) -> Diagnostic:
    fix = None
    if item.get("fix"):
        data = item["fix"]
        fix = Fix(description=data["description"], safety=data["safety"],
                  edits=[Edit(**e) for e in data["edits"]])
        if data.get("exclusive"):
            fix.exclusive = True
    return Diagnostic(item["path"], item["line"], item["column"], item["end_line"], item["end_column"],
                      item["code"], item["name"], item["message"], item["suggestion"], fix)
