#!/usr/bin/env python3
"""Benchmark lambda-lint against the libcst parse floor and other linters, in one run.

    python scripts/bench.py [--runs 3] [--corpus DIR] [--only dense,large] [--skip-others]

Builds the two corpora of ``scripts/make_bench_corpus.py`` (a Lambda-dense
tree, a large non-Lambda tree), then for each corpus runs every tool as a
separate process, ``--runs`` times, and reports the medians of wall time, CPU
time (user + system, the process and its children) and peak memory (resident
set of the process tree, sampled every 20 ms), with the ratios to the floor:
reading every file and ``libcst.parse_module`` on it, in one process. Tools
that are not installed (flake8, pythaw, ruff, the flake8 plugin) get a
"skipped" row. Then checks the performance targets of docs/performance.md
with the ratios of this run and prints PASS/MISS for each.

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


def bench_corpus(label: str, folder: str, runs: int, others: bool) -> dict:
    files = python_files(folder)
    listing = os.path.join(os.path.dirname(folder), f"{label}.files")
    with open(listing, "w") as fh:
        fh.write("\n".join(files))
    cache = os.path.join(folder, ".lambda_lint_cache")

    def clear_cache():
        shutil.rmtree(cache, ignore_errors=True)

    lint = lambda_lint_cmd()
    rows = {}
    print(f"\n## {label}: {len(files)} files, {count_lines(files)} lines ({folder})", flush=True)
    rows["floor"] = run_row("floor: read + libcst.parse_module, 1 process", [sys.executable, "-I", "-c", FLOOR_CST, listing], folder, runs)
    rows["ast"] = run_row("read + ast.parse, 1 process", [sys.executable, "-I", "-c", FLOOR_AST, listing], folder, runs)
    rows["single"] = run_row("lambda-lint check --jobs 1 --no-cache", lint + ["check", ".", "-q", "--jobs", "1", "--no-cache"], folder, runs)
    rows["default"] = run_row("lambda-lint check (parallel, cold cache)", lint + ["check", ".", "-q"], folder, runs, before=clear_cache)
    rows["cached"] = run_row("lambda-lint check, unchanged tree (cache)", lint + ["check", ".", "-q"], folder, runs)
    clear_cache()
    one = next((f for f in files if "_svc_" in f and not f.endswith("svc_common.py")), files[0])
    rel = os.path.relpath(one, folder)
    rows["one_cold"] = run_row(f"lambda-lint check ONE_FILE --no-cache", lint + ["check", rel, "-q", "--no-cache"], folder, runs)
    measure(lint + ["check", rel, "-q"], folder)  # fills the cache
    rows["one_cached"] = run_row(f"lambda-lint check ONE_FILE (cache)", lint + ["check", rel, "-q"], folder, runs)
    clear_cache()
    flake8 = tool("flake8")
    if others and flake8:
        rows["flake8"] = run_row("flake8 (without the lambda-lint plugin)", [sys.executable, "-I", "-c", FLAKE8_WITHOUT_PLUGIN, "--isolated", "--exit-zero", "."], folder, runs)
        if plugin_installed():
            rows["flake8_plugin"] = run_row("flake8 with the lambda-lint plugin", [flake8, "--isolated", "--exit-zero", "--extend-select", "LAM", "."], folder, runs)
        else:
            rows["flake8_plugin"] = Row("flake8 with the lambda-lint plugin", note="skipped: plugin not installed")
    elif others:
        rows["flake8"] = Row("flake8", note="skipped: not installed")
    for name, args in (("pythaw", ["check", "."]), ("ruff", ["check", "--no-cache", "--isolated", "--exit-zero", "."])):
        path = tool(name)
        if others and path:
            rows[name] = run_row(f"{name} {' '.join(args)}", [path] + args, folder, runs)
        elif others:
            rows[name] = Row(name, note="skipped: not installed")
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
        print(f"{row.name:47} {wall:8.2f} {cpu:8.2f} {mem:8.0f} {wall / floor_wall:10.2f} {cpu / floor_cpu:9.2f}")


def ratio(rows: dict, a: str, b: str, key: str = "wall") -> float:
    if a not in rows or b not in rows or not rows[a].runs or not rows[b].runs:
        return float("nan")
    return rows[a].median(key) / rows[b].median(key)


def targets(dense: dict, large: dict) -> None:
    print("\n## targets (ratios of medians in this run; wall time unless said)")
    checks = []
    if dense:
        checks += [
            ("dense: --jobs 1 <= 1.3x floor", ratio(dense, "single", "floor"), 1.3),
            ("dense: default (parallel) <= 0.75x floor", ratio(dense, "default", "floor"), 0.75),
            ("dense: unchanged tree <= 0.1x first run", ratio(dense, "cached", "default"), 0.1),
            ("dense: one file, cold (seconds) <= 0.3", dense["one_cold"].median("wall") if dense["one_cold"].runs else float("nan"), 0.3),
            ("dense: one file, cached (seconds) <= 0.3", dense["one_cached"].median("wall") if dense["one_cached"].runs else float("nan"), 0.3),
        ]
    if large:
        checks += [
            ("large: default <= 0.2x floor", ratio(large, "default", "floor"), 0.2),
            ("large: default <= pythaw (ratio <= 1)", ratio(large, "default", "pythaw"), 1.0),
            ("large: unchanged tree <= 0.1x first run", ratio(large, "cached", "default"), 0.1),
            ("large: flake8 + plugin <= 1.1x flake8", ratio(large, "flake8_plugin", "flake8"), 1.1),
            ("large: peak memory (MB) <= 200", large["default"].median("mem") if large["default"].runs else float("nan"), 200),
        ]
    for name, value, limit in checks:
        verdict = "n/a " if value != value else ("PASS" if value <= limit else "MISS")
        print(f"{verdict}  {name:48} {value:8.3f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per row; medians are reported")
    parser.add_argument("--corpus", default=os.path.join(tempfile.gettempdir(), "lambda-lint-bench"))
    parser.add_argument("--only", default="dense,large", help="dense, large or both")
    parser.add_argument("--skip-others", action="store_true", help="only the floor and lambda-lint")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--services", type=int, default=60)
    parser.add_argument("--large-lines", type=int, default=220_000)
    args = parser.parse_args(argv)
    sys.path.insert(0, HERE)
    import make_bench_corpus

    make_bench_corpus.main([args.corpus, "--seed", str(args.seed), "--services", str(args.services),
                            "--large-lines", str(args.large_lines)])
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.runs} runs per row")
    only = set(args.only.split(","))
    dense = bench_corpus("lambda_dense", os.path.join(args.corpus, "lambda_dense"), args.runs, not args.skip_others) if "dense" in only else {}
    large = bench_corpus("large", os.path.join(args.corpus, "large"), args.runs, not args.skip_others) if "large" in only else {}
    targets(dense, large)
    return 0


if __name__ == "__main__":
    sys.exit(main())
