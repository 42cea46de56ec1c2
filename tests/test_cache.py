"""The result cache never changes a result."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import lambda_lint
from lambda_lint.run import cache as cache_module
from lambda_lint.run import engine, parallel
from lambda_lint.run import plan as plan_module
from lambda_lint.cli import main
from lambda_lint.run.engine import Options, check

from .test_parallel import as_data, make_services

APP = """\
from helpers import record


def lambda_handler(event, context):
    record(event["id"])
    return {"ok": True}
"""
HELPER_MUTATING = """\
_seen = []


def record(value):
    _seen.append(value)
"""
HELPER_CLEAN = """\
def record(value):
    return value
"""
FIXABLE = """\
import functools


@functools.lru_cache(maxsize=None)
def lookup(key):
    return key.upper()


def lambda_handler(event, context):
    return lookup(event["key"])
"""


def write(root: Path, files: dict) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def cached(root: Path, monkeypatch, **options) -> dict:
    monkeypatch.chdir(root)
    return as_data(check(["."], None, Options(use_cache=True, **options)))


def fresh(root: Path, monkeypatch, **options) -> dict:
    monkeypatch.chdir(root)
    return as_data(check(["."], None, Options(use_cache=False, **options)))


@pytest.fixture
def no_parsing(monkeypatch):
    """Fail if anything is parsed (a run answered from the cache parses nothing)."""
    from lambda_lint.analysis import project

    def refuse(self, *args, **kwargs):
        raise AssertionError("a cached run built a Project")

    def install():
        monkeypatch.setattr(project.Project, "__init__", refuse)

    return install


def entries(root: Path) -> list:
    """The units' entries (discovery's own entry is in discovery/, see tests/test_speed.py)."""
    return sorted((root / cache_module.CACHE_DIR / "units").rglob("*.json"))


def test_cached_run_equals_fresh_run_and_parses_nothing(tmp_path, monkeypatch, no_parsing):
    make_services(tmp_path)
    first = cached(tmp_path, monkeypatch)
    assert first == fresh(tmp_path, monkeypatch)
    assert first["diagnostics"] and entries(tmp_path)
    no_parsing()
    assert cached(tmp_path, monkeypatch) == first


def test_editing_a_helper_changes_the_cross_module_finding(tmp_path, monkeypatch):
    write(tmp_path, {"app.py": APP, "helpers.py": HELPER_MUTATING})
    before = cached(tmp_path, monkeypatch)
    assert any("helpers.py" in d for d in before["diagnostics"])
    write(tmp_path, {"helpers.py": HELPER_CLEAN})
    after = cached(tmp_path, monkeypatch)
    assert after == fresh(tmp_path, monkeypatch)
    assert not any("helpers.py" in d for d in after["diagnostics"])
    write(tmp_path, {"helpers.py": HELPER_MUTATING})
    assert cached(tmp_path, monkeypatch) == before


def test_a_new_module_where_an_import_found_nothing(tmp_path, monkeypatch):
    write(tmp_path, {"app.py": APP})
    before = cached(tmp_path, monkeypatch)
    assert not before["diagnostics"]
    write(tmp_path, {"helpers.py": HELPER_MUTATING})
    after = cached(tmp_path, monkeypatch)
    assert after == fresh(tmp_path, monkeypatch)
    assert any("helpers.py" in d for d in after["diagnostics"])


def test_a_new_package_where_an_import_found_nothing(tmp_path, monkeypatch):
    write(tmp_path, {"app.py": APP})
    cached(tmp_path, monkeypatch)
    write(tmp_path, {"helpers/__init__.py": HELPER_MUTATING})
    after = cached(tmp_path, monkeypatch)
    assert after == fresh(tmp_path, monkeypatch)
    assert after["diagnostics"]


def test_checking_another_set_of_files(tmp_path, monkeypatch):
    write(tmp_path, {"app.py": APP, "helpers.py": HELPER_MUTATING})
    monkeypatch.chdir(tmp_path)
    whole = as_data(check(["."], None, Options(use_cache=True)))
    only_app = as_data(check(["app.py"], None, Options(use_cache=True)))
    assert only_app == as_data(check(["app.py"], None, Options()))
    assert len(only_app["diagnostics"]) < len(whole["diagnostics"])
    assert as_data(check(["."], None, Options(use_cache=True))) == whole


def cli_json(root: Path, monkeypatch, capsys, *args) -> list:
    monkeypatch.chdir(root)
    main(["check", ".", "--format", "json", *args])
    return json.loads(capsys.readouterr().out)


def test_configuration_changes_are_seen(tmp_path, monkeypatch, capsys):
    write(tmp_path, {"app.py": APP, "helpers.py": HELPER_MUTATING, "pyproject.toml": "[tool.lambda-lint]\n"})
    everything = cli_json(tmp_path, monkeypatch, capsys)
    assert any(d["code"] == "LAM103" for d in everything)
    write(tmp_path, {"pyproject.toml": '[tool.lambda-lint]\nignore = ["LAM103"]\n'})
    ignored = cli_json(tmp_path, monkeypatch, capsys)
    assert ignored == cli_json(tmp_path, monkeypatch, capsys, "--no-cache")
    assert not any(d["code"] == "LAM103" for d in ignored)
    assert any(d["code"] == "LAM101" for d in ignored)  # the next code of the site's group
    write(tmp_path, {"pyproject.toml": '[tool.lambda-lint]\nselect = ["LAM1"]\n'})
    assert cli_json(tmp_path, monkeypatch, capsys) == everything
    assert cli_json(tmp_path, monkeypatch, capsys, "--select", "LAM2") == []


def test_a_new_tool_version_recomputes(tmp_path, monkeypatch):
    make_services(tmp_path, services=3)
    first = cached(tmp_path, monkeypatch)
    count = len(entries(tmp_path))
    monkeypatch.setattr(lambda_lint, "__version__", "99.0.0")
    calls = []
    real = parallel.analyse_unit
    monkeypatch.setattr(parallel, "analyse_unit", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert cached(tmp_path, monkeypatch) == first
    assert calls and len(entries(tmp_path)) == 2 * count


def test_cache_folder_is_tagged_and_ignored(tmp_path, monkeypatch):
    write(tmp_path, {"app.py": APP, "helpers.py": HELPER_MUTATING})
    cached(tmp_path, monkeypatch)
    folder = tmp_path / cache_module.CACHE_DIR
    assert "*" in (folder / ".gitignore").read_text().splitlines()
    assert (folder / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert not list(folder.rglob(".tmp-*"))


def test_no_cache_writes_nothing(tmp_path, monkeypatch, capsys):
    write(tmp_path, {"app.py": APP, "helpers.py": HELPER_MUTATING})
    cli_json(tmp_path, monkeypatch, capsys, "--no-cache")
    assert not (tmp_path / cache_module.CACHE_DIR).exists()
    fresh(tmp_path, monkeypatch)  # library callers: Options() has no cache
    assert not (tmp_path / cache_module.CACHE_DIR).exists()
    cli_json(tmp_path, monkeypatch, capsys)
    assert (tmp_path / cache_module.CACHE_DIR).is_dir()


def test_fixes_are_the_same_from_the_cache(tmp_path, monkeypatch, capsys):
    write(tmp_path, {"app.py": FIXABLE})
    fresh_out = cli_json(tmp_path, monkeypatch, capsys, "--no-cache")
    first = cli_json(tmp_path, monkeypatch, capsys)
    second = cli_json(tmp_path, monkeypatch, capsys)
    assert fresh_out == first == second
    assert any(d["fix"] for d in second), second
    monkeypatch.chdir(tmp_path)
    check(["."], None, Options(use_cache=True))
    result = check(["."], None, Options(use_cache=True))
    fix = next(d.fix for d in result.diagnostics if d.fix)
    assert fix.transform is None and fix.edits


def test_fix_runs_without_the_cache(tmp_path, monkeypatch, capsys):
    write(tmp_path, {"app.py": FIXABLE})
    cli_json(tmp_path, monkeypatch, capsys)  # fills the cache
    seen = []
    real = engine.check
    monkeypatch.setattr(engine, "check", lambda paths, config=None, options=None: seen.append(options) or real(paths, config, options))
    import lambda_lint.run.fixing as fixer

    monkeypatch.setattr(fixer, "check", engine.check, raising=False)
    monkeypatch.chdir(tmp_path)
    main(["check", ".", "--diff"])
    capsys.readouterr()
    assert seen and all(not o.use_cache and o.jobs == 1 for o in seen)


def test_broken_entries_are_ignored(tmp_path, monkeypatch):
    write(tmp_path, {"app.py": APP, "helpers.py": HELPER_MUTATING})
    first = cached(tmp_path, monkeypatch)
    for entry in entries(tmp_path):
        entry.write_text("{not json")
    assert cached(tmp_path, monkeypatch) == first
    for entry in entries(tmp_path):
        data = json.loads(entry.read_text())
        data["outcome"]["diagnostics"] = []
        data["key"] = "something else"
        entry.write_text(json.dumps(data))
    assert cached(tmp_path, monkeypatch) == first


def test_unwritable_root_still_checks(tmp_path, monkeypatch):
    write(tmp_path, {"app.py": APP, "helpers.py": HELPER_MUTATING})
    (tmp_path / cache_module.CACHE_DIR).write_text("a file where the folder would be")
    assert cached(tmp_path, monkeypatch) == fresh(tmp_path, monkeypatch)


def test_parallel_and_cache_together(tmp_path, monkeypatch):
    monkeypatch.setattr(plan_module, "PARALLEL_MIN_BYTES", 0)
    make_services(tmp_path, services=8)
    single = fresh(tmp_path, monkeypatch, jobs=1)
    assert cached(tmp_path, monkeypatch, jobs=2) == single
    assert cached(tmp_path, monkeypatch, jobs=2) == single
    assert cached(tmp_path, monkeypatch, jobs=1) == single
    assert len(os.listdir(tmp_path / cache_module.CACHE_DIR)) >= 2
