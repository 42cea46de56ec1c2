"""How serious a code is, for the formats that have levels (SARIF, GitHub)."""
from __future__ import annotations

# LAM0xx: the tool could not analyse a file or a handler (kept here so that
# printing results does not import the rules).
TOOL_CODE_PREFIX = "LAM0"


def level_for(code: str) -> str:
    # Tool codes mean a file or handler could not be analysed at all, which is
    # worse than any single finding; rule findings are warnings, as in Ruff.
    return "error" if code.startswith(TOOL_CODE_PREFIX) else "warning"


# The rule pages (docs/rules/CODE.md), repeated from rules.docs so that printing
# results needs no rule import (a test keeps them equal).
RULE_DOCS_URL = "https://github.com/lambda-lint/lambda-lint/blob/main/docs/rules"


def rule_url(code: str) -> str:
    return f"{RULE_DOCS_URL}/{code}.md"
