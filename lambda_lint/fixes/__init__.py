"""Fixes: libcst transformations attached to diagnostics.

``fix_for(code, ctx, report)`` is called by the engine for every report that
has no fix yet. It returns a :class:`~lambda_lint.diagnostics.Fix` where the
change is mechanical and correct at that site, else None (the diagnostic keeps
its suggestion in words). One small module per rule builds the fix; the
shared steps (checking that the result parses, computing text edits) are in
:mod:`.common` and :mod:`.edits`. ``docs/fixes.md`` documents every fix and
its safety.
"""
from __future__ import annotations

import importlib
import os
from typing import Optional

from ..diagnostics import Fix

# code -> module of this package that builds its fix
FIXERS = {
    "LAM104": "lam104",
    "LAM106": "lam106",
    "LAM107": "lam107",
    "LAM201": "lam201",
    "LAM202": "lam202",
    "LAM204": "lam204",
    "LAM301": "lam301",
    "LAM302": "lam301",
    "LAM303": "lam303",
    "LAM304": "lam301",
    "LAM402": "lam402",
    "LAM501": "lam501",
    "LAM601": "lam601",
    "LAM603": "lam603",
}

# Tests set this (or LAMBDA_LINT_FIX_ERRORS=raise) to see a fixer's exceptions;
# in a check a failing fixer only means "no fix" (it must never hide the diagnostic).
RAISE_ERRORS = os.environ.get("LAMBDA_LINT_FIX_ERRORS") == "raise"


def fix_for(code: str, ctx, report, test_only: bool = False) -> Optional[Fix]:
    """The fix of ``report``, or None.

    ``test_only``: only whether there is one, and its safety and description (what
    the text formats show): the fixer decides as always, the change is applied to
    the tree, but the result is not rendered, re-parsed or diffed, so the Fix has
    no edits and no transform. In the rare case where the full check would reject
    the change (the result does not parse), this says "fixable" where the full fix
    would not.
    """
    name = FIXERS.get(code)
    if name is None:
        return None
    from . import common

    try:
        module = importlib.import_module(f"{__name__}.{name}")
        common.TEST_ONLY = test_only
        return module.fix(code, ctx, report)
    except Exception:
        if RAISE_ERRORS:
            raise
        return None
    finally:
        common.TEST_ONLY = False
