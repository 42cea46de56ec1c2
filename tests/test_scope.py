"""Scope, configuration per file, exclusion and the CLI contract (issue 13).

Each test names the Ruff behaviour it follows (or where lambda-lint differs, and why).
"""
from __future__ import annotations

import io
import json
import os
import textwrap
from pathlib import Path

import pytest

from lambda_lint.cli import main

HANDLER = '''\
import json

from metrics import record


def lambda_handler(event, context):
    record("orders", 1)
    return {"statusCode": 200, "body": json.dumps({"ok": True})}
'''

METRICS = '''\
_samples = []


def record(name, seconds):
    _samples.append((name, seconds))
'''

MISSING_TEMPLATE = '''\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.lambda_handler
      Runtime: python3.12
  Gone:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: gone.lambda_handler
      Runtime: python3.12
'''

FIXABLE = '''\
import functools


@functools.lru_cache(maxsize=None)
def lookup(key):
    return key.upper()


def lambda_handler(event, context):
    return lookup(event["key"])
'''

CLOSED_CONNECTION = '''\
import psycopg2

conn = psycopg2.connect("dbname=orders")


def lambda_handler(event, context):
    cur = conn.cursor()
    cur.execute("select 1")
    conn.close()
    return {"ok": True}
'''

MUTABLE_DEFAULT = '''\
def save(item, tags=[]):
    tags.append(item)
    return tags


def lambda_handler(event, context):
    return save(event["id"])
'''


def write(root: Path, files: dict) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def run(cwd: Path, monkeypatch, capsys, *args, stdin: str = None):
    monkeypatch.chdir(cwd)
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
    code = main(["check", "--no-cache", *args])
    out, err = capsys.readouterr()
    return code, out, err


def found(cwd: Path, monkeypatch, capsys, *args) -> set:
    """{(absolute path, line, code)} of a JSON run."""
    code, out, err = run(cwd, monkeypatch, capsys, "--output-format", "json", *args)
    assert code in (0, 1), err
    return {(str((cwd / d["path"]).resolve()), d["line"], d["code"]) for d in json.loads(out)}


@pytest.fixture
def siblings(tmp_path: Path) -> Path:
    """Two projects side by side, each with a pyproject.toml; `a` has a table ignoring LAM104."""
    write(tmp_path, {
        "a/pyproject.toml": '[project]\nname = "a"\n\n[tool.lambda-lint]\nignore = ["LAM104"]\n',
        "a/app.py": HANDLER,
        "a/metrics.py": METRICS,
        "a/defaults.py": MUTABLE_DEFAULT,
        "b/pyproject.toml": '[project]\nname = "b"\n',
        "b/template.yaml": MISSING_TEMPLATE,
        "b/src/app.py": MUTABLE_DEFAULT,
    })
    return tmp_path


# -- project root and configuration per file -------------------------------------------------

def test_sibling_projects_are_not_checked(siblings, monkeypatch, capsys):
    # Ruff checks the paths given, with the settings nearest to each file; the
    # parent folder is not a project, so b's template is never read or reported.
    assert found(siblings, monkeypatch, capsys, "a") == {(str(siblings / "a/metrics.py"), 5, "LAM101")}


def test_argument_order_and_cwd_do_not_matter(siblings, monkeypatch, capsys):
    # Ruff: each file is judged by its own configuration, whatever the order.
    ab = found(siblings, monkeypatch, capsys, "a", "b")
    ba = found(siblings, monkeypatch, capsys, "b", "a")
    assert ab == ba
    assert (str(siblings / "b/src/app.py"), 1, "LAM104") in ab  # b has no table: LAM104 on
    assert not any(p.startswith(str(siblings / "a")) and c == "LAM104" for p, _, c in ab)  # a ignores it
    assert (str(siblings / "b/template.yaml"), 14, "LAM002") in ab
    assert found(siblings / "a", monkeypatch, capsys, ".") == found(siblings, monkeypatch, capsys, "a")
    assert found(siblings / "b" / "src", monkeypatch, capsys, "app.py") == {
        (str(siblings / "b/src/app.py"), 1, "LAM104")}


def test_helper_given_alone_gets_its_cross_module_finding(siblings, monkeypatch, capsys):
    # The handler in app.py makes metrics.py's append a finding; pre-commit passes
    # only the changed helper. (Ruff has no cross-file rules; this is our contract.)
    assert found(siblings, monkeypatch, capsys, "a/metrics.py") == {(str(siblings / "a/metrics.py"), 5, "LAM101")}
    assert found(siblings, monkeypatch, capsys, "a/app.py") == set()


def test_templates_outside_the_given_paths_are_read_not_reported(siblings, monkeypatch, capsys):
    write(siblings, {"b/src/gone_helper.py": "x = 1\n"})
    assert found(siblings, monkeypatch, capsys, "b/src") == {(str(siblings / "b/src/app.py"), 1, "LAM104")}
    assert (str(siblings / "b/template.yaml"), 14, "LAM002") in found(siblings, monkeypatch, capsys, "b")


def test_nested_project_with_its_own_table_uses_it(tmp_path, monkeypatch, capsys):
    # Ruff's hierarchical configuration: the nearest pyproject.toml with our table wins.
    write(tmp_path, {
        "pyproject.toml": "[tool.lambda-lint]\n",
        "svc/pyproject.toml": '[tool.lambda-lint]\nignore = ["LAM104"]\n',
        "svc/app.py": MUTABLE_DEFAULT,
        "other/app.py": MUTABLE_DEFAULT,
    })
    assert found(tmp_path, monkeypatch, capsys, ".") == {(str(tmp_path / "other/app.py"), 1, "LAM104")}


def test_config_and_isolated_override(siblings, monkeypatch, capsys):
    assert found(siblings, monkeypatch, capsys, "--isolated", "a/defaults.py") == {
        (str(siblings / "a/defaults.py"), 1, "LAM104")}
    assert found(siblings, monkeypatch, capsys, "--config", "a/pyproject.toml", "b/src/app.py") == set()
    code, _, err = run(siblings, monkeypatch, capsys, "--config", "a/pyproject.toml", "--isolated", "a")
    assert code == 2 and "--config cannot be used with --isolated" in err


# -- exclusion ---------------------------------------------------------------------------------

def test_nested_gitignore_negation_and_folder_patterns(tmp_path, monkeypatch, capsys):
    # git's (and Ruff's) rules: nested .gitignore files, `!` re-includes, `dir/` only folders.
    (tmp_path / ".git" / "info").mkdir(parents=True)
    (tmp_path / ".git" / "info" / "exclude").write_text("local_*.py\n")
    write(tmp_path, {
        ".gitignore": "build/\ngenerated_*.py\n",
        "svc/.gitignore": "!generated_keep.py\n",
        "build/app.py": MUTABLE_DEFAULT,
        "svc/generated_drop.py": MUTABLE_DEFAULT,
        "svc/generated_keep.py": MUTABLE_DEFAULT,
        "svc/local_notes.py": MUTABLE_DEFAULT,
        "build.py": MUTABLE_DEFAULT,  # `build/` names folders only
    })
    assert found(tmp_path, monkeypatch, capsys, ".") == {
        (str(tmp_path / "svc/generated_keep.py"), 1, "LAM104"),
        (str(tmp_path / "build.py"), 1, "LAM104"),
    }
    every = found(tmp_path, monkeypatch, capsys, "--no-respect-gitignore", ".")
    assert (str(tmp_path / "svc/generated_drop.py"), 1, "LAM104") in every
    assert (str(tmp_path / "svc/local_notes.py"), 1, "LAM104") in every


def test_exclude_replaces_defaults_and_extend_exclude_adds(tmp_path, monkeypatch, capsys):
    write(tmp_path, {"venv/app.py": MUTABLE_DEFAULT, "vendored/app.py": MUTABLE_DEFAULT, "app.py": MUTABLE_DEFAULT})
    write(tmp_path, {"pyproject.toml": '[tool.lambda-lint]\nextend-exclude = ["vendored"]\n'})
    assert found(tmp_path, monkeypatch, capsys, ".") == {(str(tmp_path / "app.py"), 1, "LAM104")}
    write(tmp_path, {"pyproject.toml": '[tool.lambda-lint]\nexclude = ["vendored"]\n'})
    assert found(tmp_path, monkeypatch, capsys, ".") == {
        (str(tmp_path / "app.py"), 1, "LAM104"), (str(tmp_path / "venv/app.py"), 1, "LAM104")}


def test_explicit_files_are_checked_unless_force_exclude(tmp_path, monkeypatch, capsys):
    # Ruff: a path given explicitly is checked even if excluded, unless --force-exclude.
    write(tmp_path, {"pyproject.toml": '[tool.lambda-lint]\nextend-exclude = ["legacy/"]\n',
                     "legacy/app.py": MUTABLE_DEFAULT})
    assert found(tmp_path, monkeypatch, capsys, "legacy/app.py") == {(str(tmp_path / "legacy/app.py"), 1, "LAM104")}
    assert found(tmp_path, monkeypatch, capsys, "--force-exclude", "legacy/app.py") == set()


# -- the CLI contract ----------------------------------------------------------------------------

def test_missing_path_is_a_lam001_finding(tmp_path, monkeypatch, capsys):
    # Ruff reports E902 for a path that does not exist, as a diagnostic (exit 1).
    code, out, err = run(tmp_path, monkeypatch, capsys, "nope.py")
    assert code == 1
    assert out.splitlines()[0] == "nope.py:1:1: LAM001 nope.py: no such file or directory"
    assert "All checks passed!" not in out


def test_output_file_into_a_missing_folder_is_created(tmp_path, monkeypatch, capsys):
    # Ruff creates the parent folders of --output-file.
    write(tmp_path, {"app.py": MUTABLE_DEFAULT})
    code, out, err = run(tmp_path, monkeypatch, capsys, "--output-format", "json",
                         "--output-file", "reports/ci/lambda.json", ".")
    assert code == 1 and out == "" and err == ""
    assert json.loads((tmp_path / "reports/ci/lambda.json").read_text())[0]["code"] == "LAM104"
    (tmp_path / "blocked").write_text("a file, not a folder")
    code, out, err = run(tmp_path, monkeypatch, capsys, "--output-file", "blocked/out.txt", ".")
    assert code == 2 and "Traceback" not in err
    assert err.startswith("lambda-lint: error: --output-file blocked/out.txt: ") and err.count("\n") == 1


def test_format_is_an_alias_of_output_format(tmp_path, monkeypatch, capsys):
    write(tmp_path, {"app.py": MUTABLE_DEFAULT})
    assert run(tmp_path, monkeypatch, capsys, "--format", "json", ".")[1] == \
        run(tmp_path, monkeypatch, capsys, "--output-format", "json", ".")[1]


def test_repeated_selectors_accumulate(tmp_path, monkeypatch, capsys):
    # Ruff: `--select A --select B` selects both.
    write(tmp_path, {"app.py": MUTABLE_DEFAULT, "cache.py": FIXABLE})
    both = found(tmp_path, monkeypatch, capsys, "--select", "LAM104", "--select", "LAM402", ".")
    assert {c for _, _, c in both} == {"LAM104", "LAM402"}
    none = found(tmp_path, monkeypatch, capsys, "--ignore", "LAM104", "--ignore", "LAM402", ".")
    assert none == set()


@pytest.mark.parametrize("flags", [["--fix", "--add-noqa"], ["--diff", "--add-noqa"], ["--statistics", "--diff"]])
def test_conflicting_flags_exit_2(tmp_path, monkeypatch, capsys, flags):
    write(tmp_path, {"app.py": MUTABLE_DEFAULT})
    code, out, err = run(tmp_path, monkeypatch, capsys, *flags, ".")
    assert code == 2 and out == ""
    assert "cannot be used with" in err
    assert (tmp_path / "app.py").read_text() == MUTABLE_DEFAULT


def test_statistics_honours_json(tmp_path, monkeypatch, capsys):
    # Ruff: `--statistics --output-format json` prints a JSON list.
    write(tmp_path, {"app.py": MUTABLE_DEFAULT})
    code, out, _ = run(tmp_path, monkeypatch, capsys, "--statistics", "--output-format", "json", ".")
    assert json.loads(out) == [{"code": "LAM104", "name": "mutable-default-argument", "count": 1, "fixable": True}]


def test_quiet_keeps_findings_whose_path_has_a_space(tmp_path, monkeypatch, capsys):
    write(tmp_path, {"my service/app.py": MUTABLE_DEFAULT})
    code, out, _ = run(tmp_path, monkeypatch, capsys, "-q", ".")
    assert code == 1
    assert out.splitlines() == [f"my service{os.sep}app.py:1:5: LAM104 [*] `save` has a mutable default "
                                "`tags=[]`, created once and shared by every warm invocation"]


def test_unsafe_fixes_alone_changes_what_is_shown_fixable(tmp_path, monkeypatch, capsys):
    # Ruff: --unsafe-fixes without --fix shows unsafe fixes as available.
    write(tmp_path, {"app.py": CLOSED_CONNECTION})  # LAM201's fix is unsafe
    _, safe, _ = run(tmp_path, monkeypatch, capsys, "--output-format", "concise", ".")
    _, unsafe, _ = run(tmp_path, monkeypatch, capsys, "--output-format", "concise", "--unsafe-fixes", ".")
    assert safe != unsafe
    assert "hidden fix" in safe and "hidden fix" not in unsafe
    assert "--fix --unsafe-fixes" in unsafe


def test_select_empty_list_in_config_selects_nothing(tmp_path, monkeypatch, capsys):
    write(tmp_path, {"pyproject.toml": "[tool.lambda-lint]\nselect = []\n", "app.py": MUTABLE_DEFAULT})
    assert found(tmp_path, monkeypatch, capsys, ".") == set()


def test_misspelt_table_name_warns(tmp_path, monkeypatch, capsys):
    write(tmp_path, {"pyproject.toml": '[tool.lambda_lint]\nignore = ["LAM104"]\n', "app.py": MUTABLE_DEFAULT})
    code, out, err = run(tmp_path, monkeypatch, capsys, ".")
    assert code == 1
    assert "did you mean [tool.lambda-lint]?" in err


def test_stdin_is_analysed_as_the_named_file_of_its_project(tmp_path, monkeypatch, capsys):
    # Ruff: `ruff check - --stdin-filename path` (an editor's unsaved buffer).
    write(tmp_path, {"svc/pyproject.toml": "[tool.lambda-lint]\n", "svc/app.py": HANDLER, "svc/metrics.py": "x = 1\n"})
    code, out, err = run(tmp_path, monkeypatch, capsys, "--output-format", "json", "-",
                         "--stdin-filename", "svc/metrics.py", stdin=METRICS)
    assert code == 1, err
    assert [(d["path"], d["line"], d["code"]) for d in json.loads(out)] == [(os.path.join("svc", "metrics.py"), 5, "LAM101")]
    assert (tmp_path / "svc/metrics.py").read_text() == "x = 1\n"
    code, _, err = run(tmp_path, monkeypatch, capsys, "-", stdin="x = 1\n")
    assert code == 2 and "--stdin-filename" in err


def test_lam001_for_every_given_python_file_cannot_be_deselected_by_prefix(tmp_path, monkeypatch, capsys):
    write(tmp_path, {"broken.py": "def f(:\n    pass\n", "app.py": MUTABLE_DEFAULT})
    codes = {c for _, _, c in found(tmp_path, monkeypatch, capsys, "--ignore", "LAM", ".")}
    assert codes == {"LAM001"}
    assert found(tmp_path, monkeypatch, capsys, "--ignore", "LAM,LAM001", ".") == set()


# -- introspection and the cache ------------------------------------------------------------

def test_show_files_says_what_is_analysed_and_why_not(tmp_path, monkeypatch, capsys):
    # Ruff's --show-files lists the files it would check; we also say why a file is not analysed.
    write(tmp_path, {"pyproject.toml": '[tool.lambda-lint]\nextend-exclude = ["legacy"]\n', ".gitignore": "build/\n",
                     "app.py": HANDLER, "metrics.py": METRICS, "tools.py": "x = 1\n",
                     "legacy/old.py": "x = 1\n", "build/app.py": HANDLER})
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--show-files", "."]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "app.py: analysed (on a handler's import graph)",
        "metrics.py: analysed (on a handler's import graph)",
        "tools.py: syntax only (no handler reaches it)",
        f"build{os.sep}app.py: excluded by .gitignore:1 `build/`",
        f"legacy{os.sep}old.py: excluded by extend-exclude `legacy`",
    ]


def test_show_settings_names_each_project_and_its_file(siblings, monkeypatch, capsys):
    monkeypatch.chdir(siblings)
    assert main(["check", "--show-settings", "a", "b"]) == 0
    settings = json.loads(capsys.readouterr().out)
    assert [(s["project root"], s["configuration file"]) for s in settings] == [
        (str(siblings / "a"), str(siblings / "a" / "pyproject.toml")), (str(siblings / "b"), None)]
    assert "LAM104" not in settings[0]["enabled codes"] and "LAM104" in settings[1]["enabled codes"]


def test_cache_dir_option_environment_and_clean(tmp_path, monkeypatch, capsys):
    # Ruff: --cache-dir / RUFF_CACHE_DIR, and `ruff clean` removes the caches below the cwd.
    write(tmp_path, {"proj/app.py": MUTABLE_DEFAULT})
    monkeypatch.chdir(tmp_path / "proj")
    assert main(["check", "--cache-dir", str(tmp_path / "ci-cache"), "."]) == 1
    assert (tmp_path / "ci-cache" / "CACHEDIR.TAG").is_file()
    assert not (tmp_path / "proj" / ".lambda_lint_cache").exists()
    monkeypatch.setenv("LAMBDA_LINT_CACHE_DIR", str(tmp_path / "env-cache"))
    assert main(["check", "."]) == 1
    assert (tmp_path / "env-cache" / "CACHEDIR.TAG").is_file()
    monkeypatch.delenv("LAMBDA_LINT_CACHE_DIR")
    assert main(["check", "."]) == 1
    assert (tmp_path / "proj" / ".lambda_lint_cache").is_dir()
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["clean", "--cache-dir", "ci-cache"]) == 0
    assert not (tmp_path / "proj" / ".lambda_lint_cache").exists() and not (tmp_path / "ci-cache").exists()
    assert (tmp_path / "env-cache").exists()  # not asked for


def test_handlers_lists_only_the_given_paths(siblings, monkeypatch, capsys):
    write(siblings, {"a/jobs/nightly.py": "def handler(event, context):\n    return 1\n"})
    monkeypatch.chdir(siblings)
    assert main(["handlers", "a/jobs"]) == 0
    assert capsys.readouterr().out.splitlines() == [f"a{os.sep}jobs{os.sep}nightly.py:1: handler (convention)"]


def test_syntax_verdicts_are_cached_by_content(tmp_path, monkeypatch, capsys):
    # A file no handler reaches is parsed by CPython once; an unchanged re-run reads the verdict.
    write(tmp_path, {"pyproject.toml": "[project]\nname = 'x'\n", "broken.py": "def f(:\n    pass\n", "ok.py": "x = 1\n"})
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--output-format", "concise", "."]) == 1
    first = capsys.readouterr().out
    verdicts = json.loads((tmp_path / ".lambda_lint_cache" / "syntax.json").read_text())["verdicts"]
    assert sorted(v is None for v in verdicts.values()) == [False, True]
    import lambda_lint.run.syntax as syntax

    monkeypatch.setattr(syntax, "syntax_problem", lambda data: (_ for _ in ()).throw(AssertionError("parsed again")))
    assert main(["check", "--output-format", "concise", "."]) == 1
    assert capsys.readouterr().out == first
    assert first.startswith("broken.py:1:7: LAM001 syntax error: invalid syntax")


def test_monorepo_root_checks_each_project_once(tmp_path, monkeypatch, capsys):
    # Each service is its own project (its pyproject.toml): its template is reported
    # once, by its own check, never again by the repository's.
    (tmp_path / ".git").mkdir()
    for name in ("svc1", "svc2"):
        write(tmp_path / name, {"pyproject.toml": f"[project]\nname = '{name}'\n", "template.yaml": MISSING_TEMPLATE,
                                "src/app.py": MUTABLE_DEFAULT, "src/gone_not.py": "x = 1\n"})
    found_all = found(tmp_path, monkeypatch, capsys, ".")
    assert sorted((os.path.relpath(p, tmp_path), line, code) for p, line, code in found_all) == [
        (os.path.join("svc1", "src", "app.py"), 1, "LAM104"), (os.path.join("svc1", "template.yaml"), 14, "LAM002"),
        (os.path.join("svc2", "src", "app.py"), 1, "LAM104"), (os.path.join("svc2", "template.yaml"), 14, "LAM002"),
    ]
    code, out, _ = run(tmp_path, monkeypatch, capsys, "--output-format", "json", ".")
    assert len(json.loads(out)) == 4  # nothing twice


def test_fix_from_stdin_prints_the_fixed_text_and_writes_nothing(tmp_path, monkeypatch, capsys):
    # Ruff: `check --fix - --stdin-filename F` writes the fixed source to stdout.
    write(tmp_path, {"pyproject.toml": "[project]\nname = 'x'\n", "app.py": MUTABLE_DEFAULT})
    code, out, err = run(tmp_path, monkeypatch, capsys, "--fix", "-", "--stdin-filename", "app.py",
                         stdin=MUTABLE_DEFAULT)
    assert code == 0
    assert out.startswith("def save(item, tags=None):\n    if tags is None:\n        tags = []\n")
    assert "Fixed 1 error." in err
    assert (tmp_path / "app.py").read_text() == MUTABLE_DEFAULT
