"""What every rule is: its code, name, documentation, examples, and a check."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Optional

import libcst as cst

if TYPE_CHECKING:
    from ..analysis.context import Context
    from ..diagnostics import Fix

DOC_SECTIONS = ("what", "why", "example", "use_instead", "fix_safety", "references")


@dataclass
class Report:
    """A finding before it has a position: the node it is about, and what to say."""

    node: cst.CSTNode
    message: str
    suggestion: str
    fix: Optional["Fix"] = None


class Rule:
    """Base class. A rule reads like its catalog entry: ``check`` asks the shared
    analysis (``ctx``) questions and yields :class:`Report` objects.

    Documentation follows Ruff's rule pages; ``valid`` and ``invalid`` are
    Fixit-style examples, run as tests (``tests/test_rule_examples.py``). In an
    invalid example, every line that must be reported ends with ``# expect``.
    """

    code: str = ""
    name: str = ""
    summary: str = ""
    default_enabled: bool = True
    fixable: str = "none"  # none | sometimes | always
    what: str = ""
    why: str = ""
    example: str = ""
    use_instead: str = ""
    fix_safety: str = ""
    references: tuple = ()
    valid: tuple = ()
    invalid: tuple = ()

    def check(self, ctx: "Context") -> Iterable[Report]:
        raise NotImplementedError

    def report(self, node, message, suggestion, fix=None) -> Report:
        return Report(node, message, suggestion, fix)

    @classmethod
    def docs(cls) -> dict:
        return {
            "what": cls.what,
            "why": cls.why,
            "example": cls.example,
            "use_instead": cls.use_instead,
            "fix_safety": cls.fix_safety,
            "references": "\n".join(f"- {r}" for r in cls.references),
        }
