#!/usr/bin/env python3
"""Latency of ``lambda-lint server``: from a ``didChange`` in a handler module to its diagnostics.

Generates a project of ``--services`` services (a handler module and four
helper modules each: 50 modules by default), starts the real server over stdio
with pygls' language client (as an editor does), opens one handler module,
waits for the first analysis, then sends ``--edits`` edits that alternately add
and remove a defect (a module-level list appended to on the warm path) and
times each one until the server publishes diagnostics for that version. The
time includes the server's debounce (0.1 s) and the JSON-RPC round trip.

    python scripts/bench_lsp.py [--services 10] [--edits 20] [--shared] [--keep DIR]

``--shared`` makes every handler import one platform module too, so that the
whole project is one unit of work (each edit re-analyses every handler). The
target is 300 ms after the first analysis. Not a test: the numbers depend on
the machine.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import sys
import tempfile
import textwrap
import time

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

HELPERS = ("store", "models", "clients", "util")


def filler(prefix: str, count: int) -> str:
    out = []
    for i in range(count):
        out.append(textwrap.dedent(f"""\
            def {prefix}_{i}(items, limit=10):
                \"\"\"Helper {i}: filters, sorts and formats a batch of records.\"\"\"
                kept = [item for item in items if item.get("score", 0) > {i % 7}]
                kept.sort(key=lambda item: (item.get("score", 0), item.get("id", "")))
                total = sum(item.get("amount", 0) for item in kept[:limit])
                if total > {100 + i}:
                    return {{"total": total, "count": len(kept), "tag": "{prefix}-{i}"}}
                return {{"total": 0, "count": 0, "tag": None}}


        """))
    return "".join(out)


def make_project(root: str, services: int, shared: bool, package_init: bool = False) -> list:
    handlers = []
    if shared:
        os.makedirs(os.path.join(root, "platform"), exist_ok=True)
        with open(os.path.join(root, "platform", "__init__.py"), "w") as fh:
            fh.write("")
        with open(os.path.join(root, "platform", "telemetry.py"), "w") as fh:
            fh.write("_events = []\n\n\ndef record(name):\n    _events.append(name)\n    if len(_events) > 100:\n"
                     "        _events.clear()\n\n\n" + filler("telemetry", 20))
    for s in range(services):
        package = os.path.join(root, "services", f"svc{s}")
        os.makedirs(package, exist_ok=True)
        inits = [os.path.join(package, "__init__.py")]
        if package_init:
            inits.append(os.path.join(root, "services", "__init__.py"))
        for init in inits:
            if not os.path.exists(init):
                with open(init, "w") as fh:
                    fh.write("")
        for helper in HELPERS:
            with open(os.path.join(package, f"{helper}.py"), "w") as fh:
                fh.write(f"import json\nimport os\n\n\n" + filler(f"{helper}{s}", 25))
        imports = "\n".join(f"from services.svc{s} import {h}" for h in HELPERS)
        if shared:
            imports += "\nfrom platform import telemetry"
        calls = "\n".join(f"    result.update({h}.{h}{s}_{i}(records))" for i, h in enumerate(HELPERS))
        handler = (f"import json\n{imports}\n\n\n" + filler(f"local{s}", 10) +
                   "def lambda_handler(event, context):\n"
                   "    records = event.get(\"records\", [])\n"
                   "    result = {}\n"
                   f"{calls}\n"
                   + ("    telemetry.record(\"invoked\")\n" if shared else "")
                   + "    return {\"statusCode\": 200, \"body\": json.dumps(result)}\n")
        path = os.path.join(package, "handler.py")
        with open(path, "w") as fh:
            fh.write(handler)
        handlers.append(path)
    return handlers


async def measure(root: str, handler: str, edits: int, command: list) -> dict:
    client = LanguageClient("bench-lsp", "1")
    arrived: dict = {}
    event = asyncio.Event()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: types.PublishDiagnosticsParams):
        arrived.setdefault((params.uri, params.version), (time.perf_counter(), [d.code for d in params.diagnostics]))
        event.set()

    logs: list = []

    @client.feature(types.WINDOW_LOG_MESSAGE)
    def on_log(params: types.LogMessageParams):
        found = re.search(r"(\d+) of (\d+) units analysed in (\d+) ms \((\d+) ms CPU\)", params.message)
        if found:
            logs.append(tuple(int(x) for x in found.groups()))

    async def wait_for(uri, version, timeout=120.0):
        deadline = time.perf_counter() + timeout
        while (uri, version) not in arrived:
            event.clear()
            await asyncio.wait_for(event.wait(), max(deadline - time.perf_counter(), 0.01))
        return arrived[(uri, version)]

    await client.start_io(*command)
    await client.initialize_async(types.InitializeParams(
        capabilities=types.ClientCapabilities(), root_uri=from_fs_path(root),
        workspace_folders=[types.WorkspaceFolder(from_fs_path(root), "bench")]))
    client.initialized(types.InitializedParams())
    uri = from_fs_path(handler)
    text = open(handler).read()
    started = time.perf_counter()
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text)))
    first_at, first_codes = await wait_for(uri, 1)
    first = first_at - started

    defect = "_seen = []\n\n\n"
    body_line = "    result = {}\n"
    times, codes = [], []
    for i in range(edits):
        version = i + 2
        if i % 2 == 0:
            new = defect + text.replace(body_line, body_line + "    _seen.append(len(records))\n")
        else:
            new = text
        sent = time.perf_counter()
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=version, uri=uri),
            [types.TextDocumentContentChangeWholeDocument(text=new)]))
        at, found = await wait_for(uri, version)
        times.append(at - sent)
        codes.append(found)
        await asyncio.sleep(0.3)  # a typing pause, so that edits are not merged by the debounce
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return {"first": first, "first_codes": first_codes, "times": times, "codes": codes, "logs": logs}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=10, help="services of 5 modules each (default 10: 50 modules)")
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--shared", action="store_true", help="every handler imports one platform module")
    parser.add_argument("--package", action="store_true",
                        help="services/ is a regular package (services/__init__.py, imported by every handler)")
    parser.add_argument("--keep", help="generate the project here and keep it")
    args = parser.parse_args(argv)

    root = os.path.abspath(args.keep) if args.keep else tempfile.mkdtemp(prefix="bench-lsp-")
    try:
        handlers = make_project(root, args.services, args.shared, args.package)
        modules = sum(len([f for f in files if f.endswith(".py") and f != "__init__.py"]) for _, _, files in os.walk(root))
        command = [sys.executable, "-m", "lambda_lint", "server"]
        result = asyncio.run(measure(root, handlers[len(handlers) // 2], args.edits, command))
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    times_ms = sorted(t * 1000 for t in result["times"])
    added = {tuple(c) for c in result["codes"][0::2]}
    removed = {tuple(c) for c in result["codes"][1::2]}
    print(f"project: {modules} Python modules besides empty __init__.py files ({args.services} services{', one shared platform module' if args.shared else ''})")
    print(f"first analysis (open to diagnostics, server start included): {result['first'] * 1000:.0f} ms")
    print(f"edit to diagnostics over {len(times_ms)} edits: median {statistics.median(times_ms):.0f} ms, "
          f"p90 {times_ms[int(0.9 * (len(times_ms) - 1))]:.0f} ms, max {times_ms[-1]:.0f} ms "
          f"(includes the 100 ms debounce)")
    logs = result["logs"]
    if len(logs) > 1:
        first_log, edit_logs = logs[0], logs[1:]
        print(f"server side, first analysis: {first_log[2]} ms ({first_log[3]} ms CPU), "
              f"{first_log[0]} of {first_log[1]} units")
        walls = sorted(x[2] for x in edit_logs)
        cpus = sorted(x[3] for x in edit_logs)
        print(f"server side, per edit: median {statistics.median(walls):.0f} ms "
              f"({statistics.median(cpus):.0f} ms CPU), units analysed per edit: "
              f"{sorted(set(x[0] for x in edit_logs))} of {edit_logs[0][1]}")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"codes after adding the defect: {sorted(added)}; after removing it: {sorted(removed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
