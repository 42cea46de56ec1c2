"""The rule registry: one module per rule, named after its code and name."""
from __future__ import annotations

import importlib
import pkgutil

from .base import Rule


def _load_rules() -> list:
    rules = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.name.startswith("lam"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Rule) and value is not Rule and value.code:
                rules.append(value)
    return sorted(set(rules), key=lambda r: r.code)


ALL_RULES = _load_rules()
RULES_BY_CODE = {r.code: r for r in ALL_RULES}
