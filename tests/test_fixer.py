"""``lambda-lint check --fix / --unsafe-fixes / --diff / --show-fixes``: the guarantees.

A fixed file parses; the fixed diagnostic is gone on re-analysis; a second
run changes nothing; only files with fixes are written, atomically, keeping
permissions, encoding (PEP 263 cookie, UTF-8 BOM) and line endings; --diff
writes nothing. The end-to-end test runs on a copy of the shared acceptance
cases.
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from lambda_lint.run import fixing as fixer
from lambda_lint.cli import main
from lambda_lint.run.engine import Options, check

from .helpers import ACCEPTANCE

MUTABLE_DEFAULT = """\
def build(key, tags={}):
    tags["k"] = key
    return tags


def lambda_handler(event, context):
    return build(event["k"])
"""

CLOSE_AND_DEFAULT = """\
import psycopg2

conn = psycopg2.connect(host="db")


def rows(query, params=[]):
    params.append(100)
    return conn.cursor().execute(query, params)


def lambda_handler(event, context):
    try:
        return rows("SELECT 1")
    finally:
        conn.close()
"""

CLEAN = """\
import boto3

s3 = boto3.client("s3")


def lambda_handler(event, context):
    return s3.list_buckets()
"""


def run(capsys, tmp_path, *args):
    """Run the CLI inside ``tmp_path``; returns (exit code, stdout, stderr)."""
    previous = os.getcwd()
    os.chdir(tmp_path)
    try:
        code = main(["check", "--isolated", *args])
    finally:
        os.chdir(previous)
    out, err = capsys.readouterr()
    return code, out, err


def codes_in(tmp_path) -> list:
    previous = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = check(["."], None, Options())
    finally:
        os.chdir(previous)
    return sorted(d.code for d in result.diagnostics)


def write(tmp_path, name, text, **kwargs) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text), encoding=kwargs.get("encoding", "utf-8"))
    return path


def test_fix_applies_the_safe_fix_and_the_file_parses(tmp_path, capsys):
    path = write(tmp_path, "app.py", MUTABLE_DEFAULT)
    code, out, err = run(capsys, tmp_path, "--fix")
    assert code == 0, out + err
    text = path.read_text()
    cst.parse_module(text)
    assert "def build(key, tags=None):\n    if tags is None:\n        tags = {}\n" in text
    assert "Fixed 1 error." in out
    assert "All checks passed!" in out
    assert codes_in(tmp_path) == []


def test_unsafe_fixes_need_the_flag(tmp_path, capsys):
    path = write(tmp_path, "app.py", CLOSE_AND_DEFAULT)
    code, out, _ = run(capsys, tmp_path, "--fix")
    assert code == 1  # the LAM201 close remains
    assert "params=None" in path.read_text()
    assert "conn.close()" in path.read_text()
    assert codes_in(tmp_path) == ["LAM201"]
    code, out, _ = run(capsys, tmp_path, "--fix", "--unsafe-fixes")
    assert code == 0, out
    assert "conn.close()" not in path.read_text()
    assert codes_in(tmp_path) == []


def test_second_run_changes_nothing(tmp_path, capsys):
    path = write(tmp_path, "app.py", CLOSE_AND_DEFAULT)
    run(capsys, tmp_path, "--fix", "--unsafe-fixes")
    first = path.read_bytes()
    os.utime(path, (1_000_000, 1_000_000))
    code, out, _ = run(capsys, tmp_path, "--fix", "--unsafe-fixes")
    assert code == 0
    assert path.read_bytes() == first
    assert path.stat().st_mtime == 1_000_000  # not even rewritten
    assert "Fixed" not in out


def test_only_files_with_fixes_are_written(tmp_path, capsys):
    fixed_path = write(tmp_path, "app.py", MUTABLE_DEFAULT)
    other = write(tmp_path, "other/handler.py", CLEAN)
    before = other.read_bytes()
    os.utime(other, (1_000_000, 1_000_000))
    inode = other.stat().st_ino
    run(capsys, tmp_path, "--fix")
    assert other.read_bytes() == before
    assert other.stat().st_mtime == 1_000_000 and other.stat().st_ino == inode
    assert "tags=None" in fixed_path.read_text()
    assert not [p for p in tmp_path.rglob(".lambda-lint-*")]  # no temporary file left behind


def test_fix_is_atomic_and_keeps_permissions(tmp_path, capsys):
    path = write(tmp_path, "app.py", MUTABLE_DEFAULT)
    os.chmod(path, 0o640)
    inode = path.stat().st_ino
    run(capsys, tmp_path, "--fix")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.stat().st_ino != inode  # replaced by rename, never written in place
    assert "tags=None" in path.read_text()


def test_fix_keeps_a_latin1_cookie_encoding(tmp_path, capsys):
    source = '# -*- coding: latin-1 -*-\n' + MUTABLE_DEFAULT.replace('tags["k"] = key', 'tags["k"] = key + "\xe9"')
    path = write(tmp_path, "app.py", source.encode("latin-1"))
    run(capsys, tmp_path, "--fix")
    data = path.read_bytes()
    assert b'key + "\xe9"' in data  # still latin-1, not UTF-8
    assert b"tags=None" in data
    assert data.decode("latin-1").startswith("# -*- coding: latin-1 -*-\n")


def test_fix_keeps_a_utf8_bom_and_crlf_line_endings(tmp_path, capsys):
    source = ("\ufeff" + MUTABLE_DEFAULT.replace('tags["k"] = key', 'tags["k"] = key + "é"')).replace("\n", "\r\n")
    path = write(tmp_path, "app.py", source.encode("utf-8"))
    run(capsys, tmp_path, "--fix")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\xef\xbb\xbf") == 1
    assert b"tags=None):\r\n    if tags is None:\r\n        tags = {}\r\n" in data
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert "é".encode("utf-8") in data


def test_diff_prints_and_writes_nothing(tmp_path, capsys):
    path = write(tmp_path, "app.py", CLOSE_AND_DEFAULT)
    before = path.read_bytes()
    code, out, err = run(capsys, tmp_path, "--diff")
    assert code == 1
    assert path.read_bytes() == before
    assert out.startswith("--- a/app.py\n+++ b/app.py\n")
    assert "-def rows(query, params=[]):\n+def rows(query, params=None):\n" in out
    assert "conn.close" not in "".join(line for line in out.splitlines(True) if line[:1] in "+-")  # unsafe: not shown
    assert "Would fix 1 error." in err
    code, out, _ = run(capsys, tmp_path, "--diff", "--unsafe-fixes")
    assert code == 1
    assert "-        conn.close()\n+        pass\n" in out
    assert path.read_bytes() == before


def test_diff_with_nothing_to_fix_exits_zero(tmp_path, capsys):
    write(tmp_path, "app.py", CLEAN)
    code, out, _ = run(capsys, tmp_path, "--diff", "--unsafe-fixes")
    assert code == 0
    assert out == ""


def test_diff_applies_several_rounds_in_memory(tmp_path, capsys):
    # Two fixes on adjacent lines need two rounds; --diff must show both without writing.
    source = MUTABLE_DEFAULT.replace("def build(key, tags={}):", "def build(key, tags={}, seen=set()):\n    seen.add(key)")
    path = write(tmp_path, "app.py", source)
    code, out, err = run(capsys, tmp_path, "--diff")
    assert code == 1
    assert "+def build(key, tags=None, seen=None):\n" in out
    assert "Would fix 2 errors." in err
    assert path.read_text() == source


def test_exit_code_one_when_something_remains(tmp_path, capsys):
    write(tmp_path, "app.py", MUTABLE_DEFAULT + "\n_seen = []\n\ndef track(x):\n    _seen.append(x)\n\n"
          "def handler(event, context):\n    track(1)\n")
    code, out, _ = run(capsys, tmp_path, "--fix")
    assert code == 1
    assert "LAM101" in out
    assert "Fixed 1 error." in out
    assert codes_in(tmp_path) == ["LAM101"]


def test_show_fixes_lists_what_was_fixed(tmp_path, capsys):
    write(tmp_path, "app.py", CLOSE_AND_DEFAULT)
    code, out, _ = run(capsys, tmp_path, "--fix", "--unsafe-fixes", "--show-fixes")
    assert code == 0
    assert "Fixed 2 errors:" in out
    assert "- app.py:" in out
    assert "1 x LAM104 (mutable-default-argument)" in out
    assert "1 x LAM201 (module-connection-closed)" in out


def test_noqa_suppressed_diagnostics_are_not_fixed(tmp_path, capsys):
    source = MUTABLE_DEFAULT.replace("def build(key, tags={}):", "def build(key, tags={}):  # noqa: LAM104")
    path = write(tmp_path, "app.py", source)
    code, _, _ = run(capsys, tmp_path, "--fix")
    assert code == 0
    assert path.read_text() == source


def test_json_fix_shape(tmp_path, capsys):
    write(tmp_path, "app.py", CLOSE_AND_DEFAULT)
    code, out, _ = run(capsys, tmp_path, "--format", "json")
    diagnostics = json.loads(out)
    by_code = {d["code"]: d for d in diagnostics}
    assert by_code["LAM104"]["fix"]["safety"] == "safe"
    assert by_code["LAM201"]["fix"]["safety"] == "unsafe"
    for d in diagnostics:
        fix = d["fix"]
        assert set(fix) == {"safety", "description", "edits"}
        assert fix["edits"]
        for edit in fix["edits"]:
            assert set(edit) == {"line", "column", "end_line", "end_column", "content"}
    close = by_code["LAM201"]["fix"]["edits"]
    assert close == [{"line": 15, "column": 1, "end_line": 16, "end_column": 1, "content": "        pass\n"}]


def test_json_fix_is_null_without_a_fix(tmp_path, capsys):
    write(tmp_path, "app.py", "_seen = []\n\ndef handler(event, context):\n    _seen.append(1)\n")
    _, out, _ = run(capsys, tmp_path, "--format", "json")
    (diagnostic,) = json.loads(out)
    assert diagnostic["code"] == "LAM101" and diagnostic["fix"] is None


def test_a_fix_that_breaks_the_file_is_not_applied(tmp_path, capsys, monkeypatch):
    from lambda_lint import fixes
    from lambda_lint.diagnostics import Edit, Fix

    path = write(tmp_path, "app.py", MUTABLE_DEFAULT)
    before = path.read_bytes()

    def broken(code, ctx, report):
        return Fix("break it", "safe", None, [Edit(1, 1, 2, 1, "def build(:\n")])

    monkeypatch.setattr(fixes, "fix_for", broken)
    code, out, err = run(capsys, tmp_path, "--fix")
    assert code == 1
    assert path.read_bytes() == before
    assert "Fixed" not in out


def test_a_file_whose_fixed_text_does_not_parse_is_left_untouched(tmp_path, capsys, monkeypatch):
    path = write(tmp_path, "app.py", MUTABLE_DEFAULT)
    before = path.read_bytes()
    monkeypatch.setattr(fixer, "final_parses", lambda state: False)
    code, out, err = run(capsys, tmp_path, "--fix")
    assert code == 1
    assert path.read_bytes() == before
    assert "app.py: the fixed text does not parse; file left unchanged" in err


def test_a_symlink_outside_the_tree_is_not_written(tmp_path, capsys):
    outside = tmp_path / "outside"
    outside.mkdir()
    target = write(outside, "real.py", MUTABLE_DEFAULT)
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").symlink_to(target)
    before = target.read_bytes()
    code, out, err = run(capsys, project, "--fix")
    assert target.read_bytes() == before
    assert "not written" in err
    assert code == 1


# -- end to end: the acceptance cases -------------------------------------------------
def _project_roots(base: Path) -> list:
    roots = []
    for group in sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if group.name in ("crossmodule", "discovery"):
            roots.extend(sorted(p for p in group.iterdir() if p.is_dir()))
        else:
            roots.append(group)
    return roots


def _snapshot(base: Path) -> dict:
    return {p: p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


def _check_json(capsys, root, extra) -> list:
    code, out, _ = run(capsys, root, "--format", "json", *extra)
    return json.loads(out)


@pytest.mark.skipif(not ACCEPTANCE.is_dir(), reason="../shared/acceptance is not next to the checkout")
def test_acceptance_fix_unsafe_end_to_end(tmp_path, capsys):
    from lambda_lint.fixes import FIXERS

    base = tmp_path / "acceptance"
    shutil.copytree(ACCEPTANCE, base)
    parsed_before = {}
    for p in base.rglob("*.py"):
        try:
            cst.parse_module(p.read_bytes())
            compile(p.read_bytes(), str(p), "exec")
            parsed_before[p] = True
        except Exception:
            parsed_before[p] = False
    total_before = total_after = 0
    not_applicable = []
    for root in _project_roots(base):
        extra = ["--extend-select", "LAM403"] if root.name == "optin" else []
        before = _check_json(capsys, root, extra)
        run(capsys, root, "--fix", "--unsafe-fixes", *extra)
        after = _check_json(capsys, root, extra)
        total_before += len(before)
        total_after += len(after)
        for d in after:
            assert d["fix"] is None, f"{root.name}: {d['path']}:{d['line']} {d['code']} still has a fix"
            if d["code"] in FIXERS:
                not_applicable.append(f"{root.relative_to(base)}/{d['path']}:{d['line']} {d['code']}")
    for p, ok in parsed_before.items():
        if ok:
            cst.parse_module(p.read_bytes())
            compile(p.read_bytes(), str(p), "exec")
    # A second run changes nothing.
    snapshot = _snapshot(base)
    for root in _project_roots(base):
        extra = ["--extend-select", "LAM403"] if root.name == "optin" else []
        run(capsys, root, "--fix", "--unsafe-fixes", *extra)
    assert _snapshot(base) == snapshot
    with capsys.disabled():
        print(f"\nacceptance: {total_before} diagnostics before --fix --unsafe-fixes, {total_after} after "
              f"({total_before - total_after} removed)")
        for line in not_applicable:
            print(f"  fix not applicable at this site: {line}")
    assert total_after < total_before


def test_rounds_are_bounded_when_a_fix_never_resolves(tmp_path, capsys, monkeypatch):
    from lambda_lint import fixes
    from lambda_lint.diagnostics import Edit, Fix

    path = write(tmp_path, "app.py", MUTABLE_DEFAULT)

    def stubborn(code, ctx, report):  # adds a comment; the diagnostic stays
        return Fix("add a comment", "safe", None, [Edit(1, 1, 1, 1, "# again\n")])

    monkeypatch.setattr(fixes, "fix_for", stubborn)
    code, _, _ = run(capsys, tmp_path, "--fix")
    assert code == 1
    assert path.read_text().count("# again\n") == fixer.MAX_ROUNDS


def test_a_fix_that_undoes_itself_stops(tmp_path, capsys, monkeypatch):
    from lambda_lint import fixes
    from lambda_lint.diagnostics import Edit, Fix

    path = write(tmp_path, "app.py", MUTABLE_DEFAULT)
    first = MUTABLE_DEFAULT.splitlines(keepends=True)[0]

    def toggle(code, ctx, report):  # flips the first line between two texts forever
        line = ctx.model.module.code.splitlines(keepends=True)[0]
        other = "# toggled\n" + first if line == first else first
        end = 3 if line != first else 2
        return Fix("toggle", "safe", None, [Edit(1, 1, end, 1, other)])

    monkeypatch.setattr(fixes, "fix_for", toggle)
    code, _, _ = run(capsys, tmp_path, "--fix")
    assert code == 1
    assert path.read_text() == "# toggled\n" + MUTABLE_DEFAULT
