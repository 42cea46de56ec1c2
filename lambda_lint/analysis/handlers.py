"""Handler records: declared by configuration or infrastructure, found, and missing.

Plain data with no libcst, so that the same records cross process boundaries
and the result cache (``to_json``/``from_json``) and a cached check never loads
the parser.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from .model import Function


@dataclass(frozen=True)
class DeclaredHandler:
    """A handler named by ``[tool.lambda-lint] handlers`` or by an infrastructure file."""

    order: int  # declaration order, which orders the LAM002 reports
    origin: str  # "config" or "discovered"
    path: str  # the module file it names
    function: str
    source: str  # config | sam | serverless | cdk | terraform | ...
    declared_in: str
    line: int
    spec: str  # the text that named it, as written
    snapstart: bool = False  # the deployment turns Lambda SnapStart on (LAM6xx apply)


@dataclass
class Handler:
    path: str
    function: str
    line: int
    source: str  # convention | config | sam | serverless | cdk | terraform | ...
    declared_in: Optional[str] = None
    declared_line: Optional[int] = None
    target: Optional["Function"] = None  # set in the process that analysed it, never serialised
    snapstart: bool = False  # its deployment (or the configuration) turns SnapStart on: LAM6xx apply

    def to_json(self) -> dict:
        out = {"path": self.path, "function": self.function, "line": self.line, "source": self.source}
        if self.declared_in:
            out["declared_in"] = self.declared_in
            out["declared_line"] = self.declared_line
        out["snapstart"] = self.snapstart
        return out

    @classmethod
    def from_json(cls, data: dict) -> "Handler":
        return cls(data["path"], data["function"], data["line"], data["source"],
                   data.get("declared_in"), data.get("declared_line"), snapstart=bool(data.get("snapstart")))


@dataclass
class MissingHandler:
    """A handler named by configuration or infrastructure that does not exist (LAM002)."""

    spec: str
    declared_in: str
    declared_line: int
    reason: str
    order: int = 0  # the declaration's order (DeclaredHandler.order)

    def to_json(self) -> dict:
        return {"spec": self.spec, "declared_in": self.declared_in, "declared_line": self.declared_line,
                "reason": self.reason, "order": self.order}

    @classmethod
    def from_json(cls, data: dict) -> "MissingHandler":
        return cls(data["spec"], data["declared_in"], data["declared_line"], data["reason"], data.get("order", 0))
