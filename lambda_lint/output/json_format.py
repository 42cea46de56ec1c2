"""The JSON contract: a list of Diagnostic.to_json() objects, each with the rule page's
``url`` and a ``severity`` ("error" for the tool codes LAM0xx, else "warning");
and ``json-lines``, the same objects one per line (Ruff's format of that name)."""
from __future__ import annotations

import json

from .levels import level_for, rule_url


def diagnostic_object(d) -> dict:
    out = d.to_json()
    out["url"] = rule_url(d.code)
    out["severity"] = level_for(d.code)
    return out


def render_json(diagnostics: list) -> str:
    return json.dumps([diagnostic_object(d) for d in diagnostics], indent=2)


def render_json_lines(diagnostics: list) -> str:
    return "\n".join(json.dumps(diagnostic_object(d)) for d in diagnostics)
