"""What the speed work must not change: the same findings with lazy fixes, with discovery
replayed from the cache, without the render-back check where libcst reads exactly, and
with the collector's view of parsed trees frozen and given back."""
from __future__ import annotations

import gc
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lambda_lint.analysis import sources
from lambda_lint.discovery.common import SKIPPED_FOLDERS
from lambda_lint.run import discovery_cache
from lambda_lint.run.engine import Options, check

from .helpers import ACCEPTANCE

ROOT = Path(__file__).resolve().parent.parent
SAM_PROJECT = ACCEPTANCE / "discovery" / "sam"


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".lambda_lint_cache", "__pycache__"))
    return dst


def _json(diagnostics) -> list:
    return [d.to_json() for d in diagnostics]


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lambda_lint", *args], cwd=str(cwd),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


# -- lazy fixes ------------------------------------------------------------------------------------
@pytest.mark.parametrize("group", ["state", "connections", "background", "caches", "tmp"])
def test_has_a_fix_test_agrees_with_the_full_fixes(group: str, monkeypatch):
    monkeypatch.chdir(ACCEPTANCE / group)
    full = check(["."], None, Options(fixes="full")).diagnostics
    test = check(["."], None, Options(fixes="test")).diagnostics
    none = check(["."], None, Options(fixes="none")).diagnostics
    key = lambda d: (d.path, d.line, d.column, d.code, d.message)  # noqa: E731
    assert [key(d) for d in test] == [key(d) for d in full] == [key(d) for d in none]
    assert any(d.fix is not None for d in full) or group == "caches"
    for a, b in zip(full, test):
        assert (a.fix is None) == (b.fix is None)
        if a.fix is not None:
            assert (a.fix.safety, a.fix.description) == (b.fix.safety, b.fix.description)
            assert b.fix.edits == [] and b.fix.transform is None
    assert all(d.fix is None for d in none)


def test_text_output_is_the_same_with_lazy_fixes(tmp_path: Path):
    project = _copy(ACCEPTANCE / "background", tmp_path / "p")
    text = _cli(project, "check", "--no-cache")
    shown = _cli(project, "check", "--no-cache", "--show-fixes")  # builds the full fixes
    assert text.stdout and text.stdout == shown.stdout
    assert "hidden fixes" in text.stdout


def test_cache_entries_for_text_are_not_used_for_json(tmp_path: Path):
    project = _copy(ACCEPTANCE / "background", tmp_path / "p")
    expected = _cli(project, "check", "--no-cache", "--format", "json").stdout
    _cli(project, "check")  # fills the cache with fixes as the text format needs them
    assert _cli(project, "check", "--format", "json").stdout == expected
    assert _cli(project, "check", "--format", "json").stdout == expected  # from the cache


# -- discovery from the cache ---------------------------------------------------------------------
def test_skipped_folders_are_discoverys():
    assert SKIPPED_FOLDERS <= discovery_cache.SKIPPED


def _discover(root: Path, use_cache: bool):
    # As plain data: the replayed records are dataclasses with the same fields, not the same classes.
    found = discovery_cache.discover_cached(str(root), lambda p: False, "[]", use_cache)
    return discovery_cache._encode(found)


def test_discovery_is_replayed_until_something_changes(tmp_path: Path, monkeypatch):
    project = _copy(SAM_PROJECT, tmp_path / "sam")
    fresh = _discover(project, use_cache=False)
    assert fresh["fields"]["handlers"]
    first = _discover(project, use_cache=True)
    assert first == fresh
    entries = list((project / ".lambda_lint_cache" / "discovery").glob("*.json"))
    assert len(entries) == 1

    import lambda_lint.discovery as discovery

    def not_called(*args, **kwargs):
        raise AssertionError("discovery ran although nothing changed")

    monkeypatch.setattr(discovery, "discover", not_called)
    assert _discover(project, use_cache=True) == fresh
    monkeypatch.undo()

    template = project / "template.yaml"
    template.write_text(template.read_text().replace("Handler: orders.process", "Handler: orders.missing_function"))
    changed = _discover(project, use_cache=True)
    assert changed != fresh
    assert changed == _discover(project, use_cache=False)
    assert [h["fields"]["spec"] for h in changed["fields"]["handlers"]] == ["orders.missing_function"]
    (project / "src" / "orders.py").unlink()  # a module that disappears
    assert _discover(project, use_cache=True) == _discover(project, use_cache=False)


def test_a_broken_or_foreign_entry_is_ignored(tmp_path: Path):
    project = _copy(SAM_PROJECT, tmp_path / "sam")
    fresh = _discover(project, use_cache=True)
    (entry,) = (project / ".lambda_lint_cache" / "discovery").glob("*.json")
    data = json.loads(entry.read_text())
    data["discovery"] = {"__record__": "os:system", "fields": {}}
    entry.write_text(json.dumps(data))
    assert _discover(project, use_cache=True) == fresh
    entry.write_text("{not json")
    assert _discover(project, use_cache=True) == fresh


def test_cached_run_of_an_unchanged_tree_never_imports_libcst(tmp_path: Path):
    project = _copy(SAM_PROJECT, tmp_path / "sam")
    first = _cli(project, "check", "--format", "json")
    probe = ("import sys, runpy; sys.argv = ['lambda-lint', 'check', '--format', 'json'];\n"
             "try:\n    runpy.run_module('lambda_lint', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             "print('LIBCST' if 'libcst' in sys.modules else 'NO-LIBCST', file=sys.stderr)")
    second = subprocess.run([sys.executable, "-c", probe], cwd=str(project), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert second.stdout == first.stdout
    assert "NO-LIBCST" in second.stderr


def test_version_never_imports_libcst():
    probe = ("import sys\nfrom lambda_lint.cli import main\n"
             "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
             "assert 'libcst' not in sys.modules, 'libcst imported'")
    subprocess.run([sys.executable, "-c", probe], check=True, stdout=subprocess.PIPE)


# -- parsing -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, misread", [
    ("try:\n    pass\nexcept ValueError :\n    pass\n", True),  # libcst drops the space
    ("try:\n    pass\nexcept (ValueError, KeyError) :\n    pass\n", True),
    ("x = 1\n\\\ny = 2\n", True),  # a backslash-only line
    ("try:\n    pass\nexcept ValueError:\n    pass\n", False),
])
def test_files_libcst_may_misread_are_still_checked(text: str, misread: bool):
    assert bool(sources._MAY_MISREAD.search(text)) is (misread or "\\\n" in text)
    parsed = sources.parse(text.encode())
    rendered_back = not isinstance(parsed, sources.ParseFailure)
    if misread and text.startswith("try"):
        assert not rendered_back and "does not read line 3 back exactly" in parsed.reason
    elif not misread:
        assert rendered_back and parsed.code == text


def test_parsed_trees_are_given_back_to_the_collector(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(ACCEPTANCE / "state")
    assert gc.get_freeze_count() == 0
    check(["."], None, Options())
    assert gc.get_freeze_count() == 0
