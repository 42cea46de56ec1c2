"""Keeping the garbage collector away from parsed trees while a check runs.

A libcst tree is millions of small objects, acyclic, alive until its unit of
work is done. Every full collection would traverse all of them again (on a
Lambda-dense tree that was half the cost of the parse). ``sources.parse``
therefore calls :func:`after_parse`, which moves everything allocated so far
out of the collector's sight (``gc.freeze``) while a check is running
(between :func:`begin` and :func:`end`, called by ``engine.check``); ``end``
gives it all back (``gc.unfreeze``), so that the trees are collected as usual
once the check is over. Outside a check (a library caller parsing files)
nothing is frozen.

No libcst here: the engine imports this module.
"""
from __future__ import annotations

import gc

_STATE = {"checks": 0, "frozen": False}


def begin() -> None:
    _STATE["checks"] += 1


def end() -> None:
    _STATE["checks"] = max(0, _STATE["checks"] - 1)
    if not _STATE["checks"] and _STATE["frozen"]:
        _STATE["frozen"] = False
        gc.unfreeze()


def after_parse() -> None:
    if _STATE["checks"] and gc.isenabled():
        gc.freeze()
        _STATE["frozen"] = True
