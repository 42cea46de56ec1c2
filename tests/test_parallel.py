"""Units of work and the process pool: results never depend on --jobs."""
from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path

import pytest

from lambda_lint.run import engine, files, import_scan, parallel
from lambda_lint.run import plan as plan_module
from lambda_lint.run import units as units_module
from lambda_lint.run.engine import Options, check
from lambda_lint.run.plan import Plan
from lambda_lint.run.units import Unit

from .helpers import ACCEPTANCE

HANDLER = '''\
import json
{imports}

_requests = []
_cache = {{}}


def lambda_handler(event, context):
    _requests.append(event.get("id"))
    {calls}
    key = event["key"]
    if key not in _cache:
        _cache[key] = json.dumps(event)
    return {{"statusCode": 200}}
'''

HELPER = '''\
import boto3

_seen = []
_clients = {{}}


def record(value):
    _seen.append(value)
    return value


def client(name):
    return boto3.client(name)


def describe_{n}(event):
    return record(event.get("kind"))
'''

PLATFORM = '''\
_buffer = []


def emit(name, value):
    _buffer.append((name, value))
'''


def make_services(root: Path, services: int = 8, seed: int = 3) -> Path:
    """Services of handlers with their own helpers; some services share a platform module."""
    rng = random.Random(seed)
    (root / "platform").mkdir(parents=True, exist_ok=True)
    (root / "platform" / "__init__.py").write_text("")
    (root / "platform" / "metrics.py").write_text(PLATFORM)
    for s in range(services):
        folder = root / f"svc{s}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "helpers.py").write_text(HELPER.format(n=s))
        for h in range(rng.randint(2, 4)):
            imports = ["from helpers import record, client"]
            calls = ["record(event)", 'client("s3").list_buckets()']
            if s % 3 == 0:
                imports.append("from platform.metrics import emit")
                calls.append('emit("invocation", 1)')
            (folder / f"handler_{h}.py").write_text(HANDLER.format(imports="\n".join(imports), calls="\n    ".join(calls)))
        (folder / "unreached.py").write_text("_x = []\n\ndef touch(v):\n    _x.append(v)\n")
    (root / "broken_handler.py").write_text("def lambda_handler(event, context)\n    return 1\n")
    return root


def as_data(result) -> dict:
    return {
        "diagnostics": [json.dumps(d.to_json(), sort_keys=True) for d in result.diagnostics],
        "handlers": [json.dumps(h.to_json(), sort_keys=True) for h in result.handlers],
        "internal_errors": list(result.internal_errors),
        "errors": list(result.errors),
    }


def run(root: Path, monkeypatch, **options) -> dict:
    monkeypatch.chdir(root)
    return as_data(check(["."], None, Options(**options)))


@pytest.fixture
def force_pool(monkeypatch):
    """Use the pool even for the few kilobytes of a test tree."""
    monkeypatch.setattr(plan_module, "PARALLEL_MIN_BYTES", 0)


def test_parallel_equals_single_process(tmp_path, monkeypatch, force_pool):
    make_services(tmp_path)
    single = run(tmp_path, monkeypatch, jobs=1)
    assert single["diagnostics"] and single["handlers"]
    assert run(tmp_path, monkeypatch, jobs=2) == single
    assert run(tmp_path, monkeypatch, jobs=3) == single


def test_order_is_stable(tmp_path, monkeypatch, force_pool):
    make_services(tmp_path, services=10)
    first = run(tmp_path, monkeypatch, jobs=2)
    assert first == run(tmp_path, monkeypatch, jobs=2)
    monkeypatch.chdir(tmp_path)
    result = check(["."], None, Options(jobs=2))
    keys = [(d.path, d.line, d.column, d.code) for d in result.diagnostics]
    assert keys == sorted(keys)


def test_the_pool_is_used_and_workers_send_plain_data(tmp_path, monkeypatch, force_pool):
    make_services(tmp_path)
    seen = []
    real = parallel._run_pool

    def spy(setup, units, jobs, results):
        real(setup, units, jobs, results)
        seen.extend(results)

    monkeypatch.setattr(parallel, "_run_pool", spy)
    run(tmp_path, monkeypatch, jobs=2)
    assert seen and all(r.project is None for r in seen)
    assert all(d.fix is None or d.fix.transform is None for r in seen for d in r.diagnostics)
    assert all(h.target is None for r in seen for h in r.handlers)
    json.dumps([r.to_json() for r in seen])  # plain data all the way


def test_a_broken_pool_falls_back_to_this_process(tmp_path, monkeypatch, force_pool):
    make_services(tmp_path)
    single = run(tmp_path, monkeypatch, jobs=1)

    def broken(*args):
        raise OSError("no processes here")

    monkeypatch.setattr(parallel, "_run_pool", broken)
    assert run(tmp_path, monkeypatch, jobs=2) == single


def one_project_units(monkeypatch):
    """Make every check analyse all handlers on one Project (the analysis before units existed)."""
    real = Plan.units

    def merged(self):
        units = real(self)
        if len(units) <= 1:
            return units
        order = {p: i for i, p in enumerate(self.files)}
        roots = sorted({p for u in units for p in u.roots}, key=lambda p: (order.get(p, len(order)), p))
        return [Unit(
            roots=roots,
            candidates=[p for p in roots if any(p in u.candidates for u in units)],
            declared=sorted((d for u in units for d in u.declared), key=lambda d: d.order),
            weight=sum(u.weight for u in units),
            hook_files=sorted({p for u in units for p in u.hook_files}),
        )]

    monkeypatch.setattr(Plan, "units", merged)


def test_units_give_the_same_result_as_one_project(tmp_path, monkeypatch):
    make_services(tmp_path, services=9)
    split = run(tmp_path, monkeypatch, jobs=1)
    one_project_units(monkeypatch)
    assert run(tmp_path, monkeypatch, jobs=1) == split


ROOTS = []
if ACCEPTANCE.is_dir():
    for group in sorted(p for p in ACCEPTANCE.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if group.name in ("crossmodule", "discovery", "snapstart"):
            ROOTS += sorted(p for p in group.iterdir() if p.is_dir() and not p.name.startswith("."))
        else:
            ROOTS.append(group)


@pytest.mark.skipif(not ROOTS, reason="no acceptance cases next to the repository")
@pytest.mark.parametrize("root", ROOTS, ids=[f"{r.parent.name}/{r.name}" for r in ROOTS])
def test_acceptance_cases_same_in_units_in_parallel_and_in_one_project(root, monkeypatch, force_pool):
    options = {"enabled": {c for c in engine.default_codes()} | {"LAM403"}}
    split = run(root, monkeypatch, jobs=1, **options)
    assert run(root, monkeypatch, jobs=2, **options) == split
    one_project_units(monkeypatch)
    assert run(root, monkeypatch, jobs=1, **options) == split


def test_units_never_read_the_same_file(tmp_path, monkeypatch):
    make_services(tmp_path, services=9)
    monkeypatch.chdir(tmp_path)
    plan = Plan(["."], None, Options(), engine.CheckResult())
    units = plan.units()
    assert len(units) > 3
    owner = {}
    for i, unit in enumerate(units):
        outcome = units_module.analyse_unit(plan.setup(), unit)
        for path in outcome.deps:
            assert owner.setdefault(path, i) == i, f"{path} read by two units"
    shared = [u for u in units if any(r.endswith(os.path.join("svc0", "handler_0.py")) for r in u.roots)][0]
    assert any(os.path.join("svc3", "") in r for r in shared.roots)  # svc0 and svc3 share platform/


def test_import_scan_finds_every_import_the_parser_sees():
    from lambda_lint.analysis.model import build_model
    from lambda_lint.analysis.sources import parse

    package = Path(engine.__file__).parent
    for path in sorted(package.rglob("*.py")) + sorted(Path(__file__).parent.glob("*.py")):
        data = path.read_bytes()
        module = parse(data)
        model = build_model(str(path), module)
        found = set(import_scan.import_targets(data))
        for imported in model.imports.values():
            level = len(imported.module) - len(imported.module.lstrip("."))
            name = imported.module.lstrip(".")
            assert (level, name) in found, (path, imported)
            if imported.name is not None:
                full = f"{name}.{imported.name}" if name else imported.name
                assert (level, full) in found, (path, imported)


@pytest.mark.parametrize("text, expected", [
    ("import a.b as c, d\n", {(0, "a.b"), (0, "d")}),
    ("from . import x, y as z\n", {(1, ""), (1, "x"), (1, "y")}),
    ("from ..pkg.mod import (\n    one,  # comment\n    two as three,\n)\n", {(2, "pkg.mod"), (2, "pkg.mod.one"), (2, "pkg.mod.two")}),
    ("from a import b, \\\n    c\n", {(0, "a"), (0, "a.b"), (0, "a.c")}),
    ("x = 1; import q\nif y: import r\n", {(0, "q"), (0, "r")}),
    ("from é import ü\n", {(0, "é"), (0, "é.ü")}),
])
def test_import_scan_cases(text, expected):
    assert expected <= set(import_scan.import_targets(text.encode("utf-8")))


def test_planning_constants_match_the_parser():
    from lambda_lint.analysis import project, sources

    assert plan_module.HANDLER_TEXT.pattern == project.HANDLER_TEXT.pattern
    assert files.MAX_FILE_BYTES == sources.MAX_FILE_BYTES


def test_batches_balance_and_keep_every_unit():
    weights = [50, 1, 1, 30, 20, 5, 5, 5]
    groups = parallel.batches(weights, 3)
    assert sorted(i for g in groups for i in g) == list(range(len(weights)))
    totals = sorted(sum(weights[i] for i in g) for g in groups)
    assert totals[-1] == 50 and totals[0] >= 20
    assert parallel.batches(weights, 3) == groups


def test_library_callers_get_one_process_and_no_cache():
    options = Options()
    assert options.jobs == 1 and options.use_cache is False


def test_small_trees_stay_in_this_process(tmp_path, monkeypatch):
    make_services(tmp_path, services=3)
    monkeypatch.chdir(tmp_path)
    plan = Plan(["."], None, Options(jobs=4), engine.CheckResult())
    assert plan.jobs_for(plan.units()) == 1
    monkeypatch.setattr(plan_module, "PARALLEL_MIN_BYTES", 0)
    assert plan.jobs_for(plan.units()) > 1


def test_cli_jobs_flag(tmp_path, monkeypatch, capsys, force_pool):
    from lambda_lint.cli import main

    make_services(tmp_path)
    monkeypatch.chdir(tmp_path)
    outputs = []
    for jobs in ("1", "2"):
        main(["check", ".", "--format", "json", "--no-cache", "--jobs", jobs])
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] and json.loads(outputs[0])
    assert not (tmp_path / ".lambda_lint_cache").exists()


def test_no_libcst_needed_to_plan(tmp_path, monkeypatch):
    """Planning (files, candidates, units) reads text only."""
    make_services(tmp_path, services=2)
    monkeypatch.chdir(tmp_path)
    for module in (engine, plan_module, units_module, import_scan, files):
        header = Path(module.__file__).read_text().split("\ndef ", 1)[0]
        assert not re.search(r"^(import libcst|from \.\.analysis\.(project|context|model|sources) |from \.\.rules )",
                             header, re.M), module.__name__
