"""How serious a code is, for the formats that have levels (SARIF, GitHub)."""
from __future__ import annotations

from ..rule_docs import is_tool_code


def level_for(code: str) -> str:
    # Tool codes mean a file or handler could not be analysed at all, which is
    # worse than any single finding; rule findings are warnings, as in Ruff.
    return "error" if is_tool_code(code) else "warning"
