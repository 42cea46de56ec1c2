#!/usr/bin/env python3
"""Benchmark lambda-lint against the libcst parse floor and other linters, in one run.

    python scripts/bench.py [--runs 3] [--corpus DIR] [--only dense,monorepo,large] [--skip-others] [--profile]

Builds the three corpora of ``scripts/make_bench_corpus.py`` (a Lambda-dense
tree with infrastructure of every kind, a monorepo of several hundred small
projects, a large non-Lambda tree), then for each corpus runs every tool as a
separate process, ``--runs`` times, and reports the medians of wall time, CPU
time (user + system, the process and its children) and peak memory (resident
set of the process tree, sampled every 20 ms), with the ratios to the floor:
reading every file and ``libcst.parse_module`` on it, in one process. Tools
that are not installed (flake8, pythaw, ruff, the flake8 plugin) get a
"skipped" row. Then prints the table of docs/performance.md (issue 16) with
the ratios of this run, PASS/MISS against each target, and with ``--profile``
the per-phase breakdown of a one-process check (``profile_phases.py``).

This is a measurement, not a test: the numbers depend on the machine and
its load. Compare ratios within one run, not across machines.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
BIN = os.path.dirname(sys.executable)

FLOOR_CST = """
import sys, libcst
for path in open(sys.argv[1]).read().splitlines():
    with open(path, 'rb') as fh:
        data = fh.read()
    try:
        libcst.parse_module(data)
    except Exception:
        pass
"""
FLOOR_AST = """
import sys, ast, warnings
warnings.simplefilter('ignore')
for path in open(sys.argv[1]).read().splitlines():
    with open(path, 'rb') as fh:
        data = fh.read()
    try:
        ast.parse(data)
    except Exception:
        pass
"""
# flake8 with every installed plugin but lambda-lint's.
FLAKE8_WITHOUT_PLUGIN = """
import importlib.metadata as md, os, sys
_distributions = md.distributions
def distributions(**kw):
    return [d for d in _distributions(**kw)
            if not os.path.basename(str(getattr(d, '_path', ''))).lower().startswith(('lambda_lint-', 'lambda-lint-'))]
md.distributions = distributions
from flake8.main.cli import main
sys.exit(main())
"""


# -- measuring one process ---------------------------------------------------------
def _tree_rss_kb(pid: int) -> int:
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError):
            continue
    return total


def measure(cmd: list, cwd: str) -> dict:
    """Wall, CPU and peak memory of one run of ``cmd`` (children included)."""
    peak = [0]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss_kb(proc.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    if os.path.isdir("/proc"):
        sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    peak_kb = max(peak[0], usage.ru_maxrss)
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "mem": peak_kb / 1024,
            "code": proc.returncode, "stderr": stderr}


class Row:
    def __init__(self, name: str, runs: list = None, note: str = ""):
        self.name, self.runs, self.note = name, runs or [], note

    def median(self, key: str) -> float:
        return statistics.median(r[key] for r in self.runs) if self.runs else float("nan")


def run_row(name: str, cmd: list, cwd: str, runs: int, before=None, expect_codes=(0, 1)) -> Row:
    results = []
    for _ in range(runs):
        if before is not None:
            before()
        result = measure(cmd, cwd)
        if result["code"] not in expect_codes:
            return Row(name, note=f"failed (exit {result['code']}): {result['stderr'].strip()[:200]}")
        results.append(result)
    return Row(name, results)


# -- the corpora ----------------------------------------------------------------------
def python_files(folder: str) -> list:
    out = []
    for base, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        out += [os.path.join(base, n) for n in sorted(names) if n.endswith(".py")]
    return out


def count_lines(files: list) -> int:
    total = 0
    for path in files:
        with open(path, "rb") as fh:
            total += fh.read().count(b"\n")
    return total


def lambda_lint_cmd() -> list:
    script = os.path.join(BIN, "lambda-lint")
    return [script] if os.path.exists(script) else [sys.executable, "-I", "-m", "lambda_lint"]


def tool(name: str):
    path = os.path.join(BIN, name)
    if os.path.exists(path):
        return path
    return shutil.which(name)


def plugin_installed() -> bool:
    try:
        import importlib.metadata as md

        eps = md.entry_points()
        group = eps.select(group="flake8.extension") if hasattr(eps, "select") else eps.get("flake8.extension", [])
        if not any(ep.value.startswith("lambda_lint.") for ep in group):
            return False
        import lambda_lint.flake8_plugin  # noqa: F401
    except Exception:  # noqa: BLE001
        return False
    return True


def cache_clearer(folder: str):
    def clear():
        for base, dirs, _ in os.walk(folder):
            if ".lambda_lint_cache" in dirs:
                shutil.rmtree(os.path.join(base, ".lambda_lint_cache"), ignore_errors=True)
            dirs[:] = [d for d in dirs if d != ".lambda_lint_cache" and not d.startswith(".git")]
    return clear


def floors(label: str, folder: str, runs: int) -> dict:
    files = python_files(folder)
    listing = os.path.join(os.path.dirname(folder), f"{label}.files")
    with open(listing, "w") as fh:
        fh.write("\n".join(files))
    print(f"\n## {label}: {len(files)} files, {count_lines(files)} lines ({folder})", flush=True)
    return {
        "floor": run_row("floor: read + libcst.parse_module, 1 process", [sys.executable, "-I", "-c", FLOOR_CST, listing], folder, runs),
        "ast": run_row("read + ast.parse, 1 process", [sys.executable, "-I", "-c", FLOOR_AST, listing], folder, runs),
    }


def peers(rows: dict, folder: str, runs: int, flake8_too: bool) -> None:
    flake8 = tool("flake8")
    if flake8_too and flake8:
        rows["flake8"] = run_row("flake8 (without the lambda-lint plugin)", [sys.executable, "-I", "-c", FLAKE8_WITHOUT_PLUGIN, "--isolated", "--exit-zero", "."], folder, runs)
        if plugin_installed():
            rows["flake8_plugin"] = run_row("flake8 with the lambda-lint plugin", [flake8, "--isolated", "--exit-zero", "--extend-select", "LAM", "."], folder, runs, before=cache_clearer(folder))
        else:
            rows["flake8_plugin"] = Row("flake8 with the lambda-lint plugin", note="skipped: plugin not installed")
    elif flake8_too:
        rows["flake8"] = Row("flake8", note="skipped: not installed")
    for name, args in (("pythaw", ["check", "."]), ("ruff", ["check", "--no-cache", "--isolated", "--exit-zero", "."])):
        path = tool(name)
        if path:
            rows[name] = run_row(f"{name} {' '.join(args)}", [path] + args, folder, runs, expect_codes=(0, 1))
        else:
            rows[name] = Row(name, note="skipped: not installed")


def bench_dense(folder: str, runs: int, others: bool) -> dict:
    rows = floors("lambda_dense", folder, runs)
    lint = lambda_lint_cmd()
    clear = cache_clearer(folder)
    rows["single"] = run_row("lambda-lint check --jobs 1 --no-cache", lint + ["check", ".", "-q", "--jobs", "1", "--no-cache"], folder, runs)
    rows["default"] = run_row("lambda-lint check (parallel, cold cache)", lint + ["check", ".", "-q"], folder, runs, before=clear)
    rows["cached"] = run_row("lambda-lint check, unchanged tree (cache)", lint + ["check", ".", "-q"], folder, runs)
    rows["cached_json"] = run_row("  same, --format json (cache)", lint + ["check", ".", "--format", "json"], folder, runs)
    clear()
    if others:
        peers(rows, folder, runs, flake8_too=True)
    clear()
    print_rows(rows)
    return rows


def bench_monorepo(folder: str, runs: int, others: bool) -> dict:
    rows = floors("monorepo", folder, runs)
    lint = lambda_lint_cmd()
    clear = cache_clearer(folder)
    projects = sorted(os.listdir(os.path.join(folder, "projects")))
    project = next(p for p in projects if os.path.exists(os.path.join(folder, "projects", p, "src", "app", "handler.py")))
    one = os.path.join("projects", project, "src", "app", "handler.py")
    rows["one_root_cold"] = run_row("one file from the monorepo root --no-cache", lint + ["check", one, "-q", "--no-cache"], folder, runs)
    clear()
    measure(lint + ["check", one, "-q"], folder)  # fills the cache
    rows["one_root_cached"] = run_row("one file from the monorepo root (cache)", lint + ["check", one, "-q"], folder, runs)
    own = os.path.join(folder, "projects", project)
    rows["one_own"] = run_row("one file from its project's folder --no-cache", lint + ["check", os.path.join("src", "app", "handler.py"), "-q", "--no-cache"], own, runs)
    clear()
    rows["default"] = run_row("lambda-lint check . (parallel, cold cache)", lint + ["check", ".", "-q"], folder, runs, before=clear)
    rows["cached"] = run_row("lambda-lint check ., unchanged tree (cache)", lint + ["check", ".", "-q"], folder, runs)
    clear()
    if others:
        peers(rows, folder, runs, flake8_too=False)
    print_rows(rows)
    return rows


def bench_large(folder: str, runs: int, others: bool) -> dict:
    rows = floors("large", folder, runs)
    lint = lambda_lint_cmd()
    clear = cache_clearer(folder)
    rows["default"] = run_row("lambda-lint check (parallel, cold cache)", lint + ["check", ".", "-q"], folder, runs, before=clear)
    rows["cached"] = run_row("lambda-lint check, unchanged tree (cache)", lint + ["check", ".", "-q"], folder, runs)
    clear()
    if others:
        peers(rows, folder, runs, flake8_too=False)
    print_rows(rows)
    return rows


def print_rows(rows: dict) -> None:
    floor_wall, floor_cpu = rows["floor"].median("wall"), rows["floor"].median("cpu")
    print(f"{'':47} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} {'wall/floor':>10} {'cpu/floor':>9}")
    for row in rows.values():
        if not row.runs:
            print(f"{row.name:47} {row.note}")
            continue
        wall, cpu, mem = row.median("wall"), row.median("cpu"), row.median("mem")
        print(f"{row.name:47} {wall:8.2f} {cpu:8.2f} {mem:8.0f} {wall / floor_wall:10.2f} {cpu / floor_cpu:9.2f}", flush=True)


def ratio(rows: dict, a: str, b: str, key: str = "wall") -> float:
    if a not in rows or b not in rows or not rows[a].runs or not rows[b].runs:
        return float("nan")
    return rows[a].median(key) / rows[b].median(key)


def seconds(rows: dict, a: str) -> float:
    return rows[a].median("wall") if a in rows and rows[a].runs else float("nan")


def load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def table(dense: dict, mono: dict, large: dict) -> None:
    """The table of issue 16, with this run's numbers, and each target's verdict."""
    nan = float("nan")
    lines = [
        ("one file from the root of the monorepo, cold (s)", seconds(mono, "one_root_cold") if mono else nan, 0.5, 0.15),
        ("  same, cached (s)", seconds(mono, "one_root_cached") if mono else nan, 0.25, 0.15),
        ("  from the project's own folder (s)", seconds(mono, "one_own") if mono else nan, nan, nan),
        ("dense, one process, no cache (x floor, CPU)", ratio(dense, "single", "floor", "cpu") if dense else nan, 2.0, 1.3),
        ("  same, wall", ratio(dense, "single", "floor") if dense else nan, nan, nan),
        ("dense, default: parallel, cold (x floor, wall)", ratio(dense, "default", "floor") if dense else nan, 1.2, 0.75),
        ("unchanged re-run, dense (x cold default)", ratio(dense, "cached", "default") if dense else nan, 0.1, 0.03),
        ("unchanged re-run, monorepo (x cold default)", ratio(mono, "cached", "default") if mono else nan, 0.1, 0.03),
        ("flake8 with the plugin / without, dense (wall)", ratio(dense, "flake8_plugin", "flake8") if dense else nan, 1.2, 1.05),
        ("  same, CPU", ratio(dense, "flake8_plugin", "flake8", "cpu") if dense else nan, nan, nan),
        ("large non-Lambda tree (x floor, wall)", ratio(large, "default", "floor") if large else nan, 0.2, nan),
        ("large non-Lambda tree (x pythaw, wall)", ratio(large, "default", "pythaw") if large else nan, 1.0, nan),
        ("pythaw on dense (x floor, wall)", ratio(dense, "pythaw", "floor") if dense else nan, nan, nan),
        ("dense default / pythaw (wall)", ratio(dense, "default", "pythaw") if dense else nan, nan, nan),
    ]
    print(f"\n## issue 16 table (medians of this run; load average {load()})")
    print(f"{'':52} {'lambda-lint':>11} {'target':>7} {'goal':>6}")
    for name, value, target, goal in lines:
        verdict = "" if target != target or value != value else ("PASS" if value <= target else "MISS")
        fmt = lambda x: f"{x:.2f}" if x == x else "-"
        print(f"{name:52} {fmt(value):>11} {fmt(target):>7} {fmt(goal):>6}  {verdict}")


def profile(folder: str, floor_cpu: float) -> None:
    print(f"\n## --profile: where a one-process check of {os.path.basename(folder)} spends its CPU (x floor CPU {floor_cpu:.2f} s)", flush=True)
    subprocess.run([sys.executable, os.path.join(HERE, "profile_phases.py"), folder, "--floor-cpu", str(floor_cpu)], check=False)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per row; medians are reported")
    parser.add_argument("--corpus", default=os.path.join(tempfile.gettempdir(), "lambda-lint-bench"))
    parser.add_argument("--only", default="dense,monorepo,large", help="any of dense, monorepo, large")
    parser.add_argument("--skip-others", action="store_true", help="only the floor and lambda-lint")
    parser.add_argument("--profile", action="store_true", help="also the per-phase breakdown of a one-process check of dense")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--services", type=int, default=60)
    parser.add_argument("--projects", type=int, default=400)
    parser.add_argument("--large-lines", type=int, default=220_000)
    parser.add_argument("--reuse", action="store_true", help="keep an existing corpus")
    args = parser.parse_args(argv)
    sys.path.insert(0, HERE)
    import make_bench_corpus

    if not (args.reuse and os.path.isdir(os.path.join(args.corpus, "lambda_dense"))):
        make_bench_corpus.main([args.corpus, "--seed", str(args.seed), "--services", str(args.services),
                                "--projects", str(args.projects), "--large-lines", str(args.large_lines)])
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.runs} runs per row, load average {load()}")
    only = set(args.only.split(","))
    others = not args.skip_others
    dense = bench_dense(os.path.join(args.corpus, "lambda_dense"), args.runs, others) if "dense" in only else {}
    mono = bench_monorepo(os.path.join(args.corpus, "monorepo"), args.runs, others) if "monorepo" in only else {}
    large = bench_large(os.path.join(args.corpus, "large"), args.runs, others) if "large" in only else {}
    table(dense, mono, large)
    if args.profile and dense:
        profile(os.path.join(args.corpus, "lambda_dense"), dense["floor"].median("cpu"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
