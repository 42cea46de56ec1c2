#!/usr/bin/env python3
"""Build the two benchmark corpora of ``scripts/bench.py``, reproducibly.

``lambda_dense/``: several hundred handler modules grouped in services, made
from the project's fixtures and the acceptance cases (``../shared/acceptance``
when present) under varied names, padded to varied sizes with helper code.
Every handler also calls its service's helper module (on the warm path, with
cross-module findings), and a quarter of the services share one platform
library, as monorepos do.

``large/``: the Python sources of installed packages (botocore, boto3,
libcst, ...), copied until the tree has at least ``--large-lines`` lines.
Nothing in it is Lambda code.

Same seed, same inputs: same corpus.

    python scripts/make_bench_corpus.py OUT [--seed 7] [--services 60] [--large-lines 220000]
"""
from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sys
import sysconfig

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
ACCEPTANCE = os.path.join(os.path.dirname(REPO), "shared", "acceptance")
FLAT_GROUPS = ("state", "connections", "background", "caches", "tmp", "clean", "optin")
LARGE_PACKAGES = ("botocore", "boto3", "s3transfer", "libcst", "hypothesis", "_pytest", "pygments", "setuptools", "pip")

NOUNS = ("order", "invoice", "payment", "user", "profile", "report", "upload", "image", "event", "ticket",
         "shipment", "cart", "coupon", "audit", "metric", "session", "token", "webhook", "email", "export")
VERBS = ("create", "update", "delete", "get", "list", "sync", "process", "ingest", "notify", "resize",
         "validate", "archive", "render", "schedule", "refund")
HANDLER_DEF = re.compile(r"^(async\s+)?def\s+(lambda_handler|handler)\s*\((?P<params>[^)]*)\)[^:]*:\s*$", re.M)


def flat_cases() -> list:
    """(name, text) of the single-file acceptance cases and fixture handlers."""
    cases = []
    for group in FLAT_GROUPS:
        folder = os.path.join(ACCEPTANCE, group)
        if os.path.isdir(folder):
            for name in sorted(os.listdir(folder)):
                if name.endswith(".py"):
                    cases.append((name[:-3], _read(os.path.join(folder, name))))
    for rule_case in _rule_examples():
        cases.append(rule_case)
    return [(n, t) for n, t in cases if HANDLER_DEF.search(t)]


def _rule_examples() -> list:
    """The rules' own invalid examples (always there, even without the acceptance folder)."""
    sys.path.insert(0, REPO)
    try:
        from lambda_lint.rules import ALL_RULES
    except Exception:  # noqa: BLE001 - the corpus can do without them
        return []
    out = []
    for rule in ALL_RULES:
        for i, src in enumerate(rule.invalid + rule.valid):
            out.append((f"{rule.name.replace('-', '_')}_{i}", src.replace("# expect", "#")))
    return out


def project_cases() -> list:
    """Folders of the multi-module acceptance cases and the example project."""
    folders = []
    cross = os.path.join(ACCEPTANCE, "crossmodule")
    if os.path.isdir(cross):
        folders += [os.path.join(cross, d) for d in sorted(os.listdir(cross)) if os.path.isdir(os.path.join(cross, d))]
    example = os.path.join(REPO, "fixtures", "example_project")
    if os.path.isdir(example):
        folders.append(example)
    return folders


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def _write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


# -- generated helper code ------------------------------------------------------
def filler(rng: random.Random, functions: int, prefix: str) -> str:
    """Plain helper code: parsed like any module, never on a warm path."""
    out = []
    for i in range(functions):
        name = f"_{prefix}_{rng.choice(NOUNS)}_{i}"
        kind = rng.randrange(5)
        if kind == 0:
            out.append(
                f"def {name}(items, limit={rng.randint(5, 500)}):\n"
                f"    \"\"\"Summarise up to ``limit`` items.\"\"\"\n"
                f"    total = 0\n    seen = set()\n"
                f"    for index, item in enumerate(items):\n"
                f"        if index >= limit:\n            break\n"
                f"        key = item.get(\"{rng.choice(NOUNS)}_id\")\n"
                f"        if key in seen:\n            continue\n"
                f"        seen.add(key)\n        total += item.get(\"amount\", 0) * {rng.randint(1, 9)}\n"
                f"    return {{\"count\": len(seen), \"total\": round(total, 2)}}\n"
            )
        elif kind == 1:
            fields = rng.sample(NOUNS, 4)
            body = ",\n".join(f"        \"{f}\": record.get(\"{f}\", {rng.randint(0, 99)})" for f in fields)
            out.append(f"def {name}(record):\n    return {{\n{body},\n    }}\n")
        elif kind == 2:
            out.append(
                f"class {name.title().replace('_', '')}:\n"
                f"    def __init__(self, client, table=\"{rng.choice(NOUNS)}s\"):\n"
                f"        self.client = client\n        self.table = table\n\n"
                f"    def key(self, value):\n        return {{\"pk\": f\"{{self.table}}#{{value}}\"}}\n\n"
                f"    def describe(self, value, *, verbose=False):\n"
                f"        text = f\"{{self.table}}:{{value}}\"\n"
                f"        return text.upper() if verbose else text\n"
            )
        elif kind == 3:
            out.append(
                f"def {name}(text: str) -> str:\n"
                f"    words = [w.strip(\".,;\") for w in text.split() if len(w) > {rng.randint(1, 4)}]\n"
                f"    pairs = {{w: words.count(w) for w in words}}\n"
                f"    return \", \".join(f\"{{k}}={{v}}\" for k, v in sorted(pairs.items()))\n"
            )
        else:
            out.append(
                f"async def {name}(session, urls):\n"
                f"    results = []\n"
                f"    for url in urls:\n"
                f"        try:\n            response = await session.get(url, timeout={rng.randint(1, 30)})\n"
                f"        except TimeoutError:\n            continue\n"
                f"        results.append((url, response.status))\n"
                f"    return results\n"
            )
    return "\n\n".join(out)


def service_helper(rng: random.Random, platform: bool) -> str:
    head = ["\"\"\"Service helpers shared by the service's handlers.\"\"\"", "import json", "import logging"]
    if platform:
        head.append("from platform_lib.telemetry import record as _record")
    head += ["", "logger = logging.getLogger(__name__)", "_seen_ids = []", "_lookup = {}", ""]
    body = [
        "def audit(event):",
        "    request_id = event.get(\"requestContext\", {}).get(\"requestId\")",
        "    _seen_ids.append(request_id)",
        "    logger.info(\"request %s\", json.dumps(event, default=str)[:200])",
    ]
    if platform:
        body.append("    _record(\"invocation\", request_id)")
    body += [
        "    return describe(event)",
        "",
        "",
        "def describe(event):",
        "    kind = event.get(\"kind\", \"unknown\")",
        "    if kind not in _lookup:",
        "        _lookup[kind] = kind.upper()",
        "    return _lookup[kind]",
        "",
        "",
    ]
    return "\n".join(head + body) + filler(rng, rng.randint(5, 40), "svc") + "\n"


PLATFORM_TELEMETRY = '''"""Telemetry shared by several services."""
import time

_buffer = []


def record(name, value):
    _buffer.append((time.time(), name, value))
    if len(_buffer) > 100:
        flush()


def flush():
    del _buffer[:]
'''


def with_audit_call(text: str) -> str:
    """Make the handler call its service's ``audit`` helper first."""
    match = HANDLER_DEF.search(text)
    if match is None:
        return text
    params = [p.strip().split(":")[0].split("=")[0].strip() for p in match.group("params").split(",") if p.strip()]
    event = params[0] if params else "event"
    rest = text[match.end():]
    indent = re.match(r"\n([ \t]+)", rest)
    if indent is None:
        return text
    start = match.start()
    # The decorators above the def stay attached to it.
    while True:
        before = text.rfind("\n", 0, start - 1) + 1 if start > 0 else 0
        if start > 0 and text[before:start].lstrip().startswith("@"):
            start = before
        else:
            break
    call = f"\n{indent.group(1)}_svc_audit({event})"
    return text[:start] + "from svc_common import audit as _svc_audit\n\n\n" + text[start:match.end()] + call + rest


def lambda_dense(out: str, rng: random.Random, services: int) -> dict:
    cases = flat_cases()
    projects = project_cases()
    if not cases:
        raise SystemExit("no handler sources found (acceptance cases or rule examples)")
    stats = {"handlers": 0, "files": 0}
    _write(os.path.join(out, "platform_lib", "__init__.py"), "")
    _write(os.path.join(out, "platform_lib", "telemetry.py"), PLATFORM_TELEMETRY)
    for s in range(services):
        service = os.path.join(out, "services", f"{rng.choice(NOUNS)}_svc_{s:03d}")
        platform = rng.random() < 0.25
        _write(os.path.join(service, "svc_common.py"), service_helper(rng, platform))
        for h in range(rng.randint(3, 9)):
            name, text = rng.choice(cases)
            module = f"{rng.choice(VERBS)}_{rng.choice(NOUNS)}_{h}_{name[:12].strip('_')}"
            padding = filler(rng, rng.choice((0, 2, 5, 10, 20, 40)), f"h{h}")
            _write(os.path.join(service, f"{module}.py"), with_audit_call(text) + ("\n\n" + padding + "\n" if padding else ""))
            stats["handlers"] += 1
        if projects and rng.random() < 0.3:
            source = rng.choice(projects)
            shutil.copytree(source, os.path.join(service, "app_" + os.path.basename(source)),
                            ignore=shutil.ignore_patterns("__pycache__", "*.toml"))
    for folder, _, names in os.walk(out):
        stats["files"] += sum(1 for n in names if n.endswith(".py"))
    return stats


def site_packages() -> list:
    found = []
    for scheme_base in (sys.prefix, sys.base_prefix):
        path = sysconfig.get_paths(vars={"base": scheme_base, "platbase": scheme_base})["purelib"]
        if os.path.isdir(path) and path not in found:
            found.append(path)
    return found


def large(out: str, min_lines: int) -> dict:
    copied, lines = [], 0
    for package in LARGE_PACKAGES:
        if lines >= min_lines:
            break
        source = next((os.path.join(sp, package) for sp in site_packages() if os.path.isdir(os.path.join(sp, package))), None)
        if source is None:
            continue
        for folder, dirs, names in os.walk(source):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(names):
                if name.endswith(".py"):
                    src = os.path.join(folder, name)
                    dst = os.path.join(out, package, os.path.relpath(src, source))
                    os.makedirs(os.path.dirname(dst), exist_ok=True)
                    shutil.copyfile(src, dst)
                    with open(src, "rb") as fh:
                        lines += fh.read().count(b"\n")
        copied.append(package)
    return {"packages": copied, "lines": lines}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--services", type=int, default=60)
    parser.add_argument("--large-lines", type=int, default=220_000)
    args = parser.parse_args(argv)
    for sub in ("lambda_dense", "large"):
        shutil.rmtree(os.path.join(args.out, sub), ignore_errors=True)
    rng = random.Random(args.seed)
    dense = lambda_dense(os.path.join(args.out, "lambda_dense"), rng, args.services)
    big = large(os.path.join(args.out, "large"), args.large_lines)
    print(f"lambda_dense: {dense['handlers']} handler modules, {dense['files']} files")
    print(f"large: {', '.join(big['packages'])}: {big['lines']} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
