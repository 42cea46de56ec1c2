#!/usr/bin/env python3
"""Where one lambda-lint check spends its time, per phase (used by ``bench.py --profile``).

    python scripts/profile_phases.py FOLDER [--floor-cpu SECONDS] [--json]

Runs ``lambda-lint check FOLDER --jobs 1 --no-cache`` in this process with
timers wrapped around the functions that make up each phase, and charges each
moment to the innermost phase running (exclusive time): discovery per source,
planning, the libcst parse itself, the checks around it in ``sources.parse``
(the nesting scan, the render-back check, the parser thread), the model pass,
the warm path, the rules, positions, fixes, garbage collection, and the rest
(start-up, imports, merging, output). With ``--floor-cpu`` the phases are
also given as multiples of the floor (read + ``libcst.parse_module`` of every
file, measured by ``bench.py``).

CPU time of the process (all threads), so that the load of the machine does not count.
The timers cost a little; the total is a little above an unwrapped run.
"""
from __future__ import annotations

import argparse
import functools
import gc
import io
import json
import os
import sys
import time
from contextlib import redirect_stdout

START = time.perf_counter()

TOTALS: dict = {}
_STACK: list = []  # [phase, started, child time]


def _enter(phase: str) -> None:
    _STACK.append([phase, time.process_time(), 0.0])


def _leave() -> None:
    phase, started, children = _STACK.pop()
    spent = time.process_time() - started
    TOTALS[phase] = TOTALS.get(phase, 0.0) + spent - children
    if _STACK:
        _STACK[-1][2] += spent


def wrap(owner, name: str, phase: str, generator: bool = False) -> None:
    original = getattr(owner, name, None)
    if original is None or getattr(original, "_phase_wrapped", False):
        return

    if generator:
        @functools.wraps(original)
        def timed(*args, **kwargs):
            _enter(phase)
            try:
                return list(original(*args, **kwargs))
            finally:
                _leave()
    else:
        @functools.wraps(original)
        def timed(*args, **kwargs):
            _enter(phase)
            try:
                return original(*args, **kwargs)
            finally:
                _leave()

    timed._phase_wrapped = True  # type: ignore[attr-defined]
    setattr(owner, name, timed)


def _gc_callback(event: str, info: dict) -> None:
    if event == "start":
        _enter("garbage collection")
    elif _STACK and _STACK[-1][0] == "garbage collection":
        _leave()


def install() -> None:
    import importlib

    def module(name: str):
        try:
            return importlib.import_module(name)
        except ImportError:
            return None

    import libcst

    wrap(libcst, "parse_module", "parse: libcst.parse_module")
    sources = module("lambda_lint.analysis.sources")
    wrap(sources, "parse", "parse: checks around it (decode, scan, thread)")
    wrap(sources, "scan", "parse: nesting pre-scan")
    wrap(sources, "_first_difference", "parse: render-back check")
    wrap(sources, "read_bytes", "reading files")
    discovery = module("lambda_lint.discovery")
    wrap(discovery, "discover", "discovery: walk and reading")
    for source in ("sam", "serverless", "cdk", "cdk_typescript", "terraform", "chalice", "docker", "asgi", "pulumi", "zappa"):
        mod = module(f"lambda_lint.discovery.{source}")
        if mod is not None:
            wrap(mod, "scan", f"discovery: {source}")
    engine = module("lambda_lint.run.engine")
    if engine is not None and hasattr(engine, "Plan"):
        wrap(engine.Plan, "__init__", "planning: files and declared handlers")
        wrap(engine.Plan, "units", "planning: units (import scan and resolution)")
    plan = module("lambda_lint.run.plan")
    if plan is not None and hasattr(plan, "Plan"):
        wrap(plan.Plan, "__init__", "planning: files and declared handlers")
        wrap(plan.Plan, "units", "planning: units (import scan and resolution)")
    model = module("lambda_lint.analysis.model")
    wrap(model, "build_model", "model pass")
    project = module("lambda_lint.analysis.project")
    wrap(project.Project, "compute_warm_path", "warm path")
    wrap(project.Project, "find_conventional_handlers", "warm path")
    wrap(project.Project, "add_handler", "warm path")
    positions = module("lambda_lint.analysis.positions")
    for method in ("prefetch", "range_of", "line_of"):
        wrap(positions.Positions, method, "positions")
    fixes = module("lambda_lint.fixes")
    if fixes is not None:
        wrap(fixes, "fix_for", "fixes")
        for method in ("has_fix", "fix_safety"):
            wrap(fixes, method, "fixes: has-a-fix test")
    rules = module("lambda_lint.rules")
    for rule in getattr(rules, "ALL_RULES", ()):
        if "check" in vars(rule):
            wrap(rule, "check", "rules", generator=True)
    context = module("lambda_lint.analysis.context")
    if context is not None:
        wrap(context, "ProjectAnalysis", "rules")
    gc.callbacks.append(_gc_callback)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("--floor-cpu", type=float, default=0.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    os.chdir(args.folder)
    cpu0 = time.process_time()
    _enter("start-up, imports, merging, output")
    install()
    from lambda_lint.cli import main as cli_main

    with redirect_stdout(io.StringIO()):
        cli_main(["check", ".", "-q", "--jobs", "1", "--no-cache", "--exit-zero"])
    _leave()
    wall = time.perf_counter() - START
    cpu = time.process_time() - cpu0
    rows = sorted(TOTALS.items(), key=lambda kv: -kv[1])
    if args.json:
        print(json.dumps({"wall": wall, "cpu": cpu, "phases": dict(rows)}))
        return 0
    floor = args.floor_cpu
    print(f"{'phase':58} {'s':>7} {'x floor' if floor else '':>8}")
    for phase, spent in rows:
        print(f"{phase:58} {spent:7.2f} {spent / floor if floor else float('nan'):8.2f}")
    print(f"{'total (wall, this process)':58} {wall:7.2f} {wall / floor if floor else float('nan'):8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
