"""The JSON contract: a list of Diagnostic.to_json() objects."""
from __future__ import annotations

import json


def render_json(diagnostics: list) -> str:
    return json.dumps([d.to_json() for d in diagnostics], indent=2)
