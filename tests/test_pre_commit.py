"""The pre-commit hooks (.pre-commit-hooks.yaml), run by the real pre-commit on temporary git repositories.

No network: instead of letting pre-commit pip-install this repository
(``language: python``), each test turns the manifest's hooks into
``repo: local`` hooks with ``language: system`` whose entry runs this
interpreter's ``-m lambda_lint``. Everything else (ids, arguments, types,
pass_filenames, require_serial) comes from the manifest itself.
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
MANIFEST = REPO / ".pre-commit-hooks.yaml"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

DEFECT = '''\
"""Orders API."""
_seen_orders = []


def lambda_handler(event, context):
    _seen_orders.append(len(event["Records"]))
    return {"statusCode": 200}
'''

CLEAN = '''\
"""Orders API."""
import json


def lambda_handler(event, context):
    body = json.loads(event["body"])
    return {"statusCode": 200, "body": json.dumps({"id": body["id"]})}
'''

HELPER_HANDLER = '''\
"""Ingest handler; the defect is in metrics.py."""
from metrics import record


def handler(event, context):
    record(len(event["Records"]))
    return {"ok": True}
'''

HELPER = '''\
"""Metrics helper."""
_samples = []


def record(value):
    _samples.append(value)
'''

FIXABLE = '''\
"""Tagging."""


def tag(record, tags=[]):
    tags.append(record)
    return tags


def lambda_handler(event, context):
    return {"tags": tag(event["id"])}
'''

# A CloudFormation template with inline code: Python-looking text in a YAML file.
INLINE_TEMPLATE = '''\
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Code:
        ZipFile: |
          def handler(event, context):
              return 1
'''


MISSING_FUNCTION = '''\
  Gone:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: .
      Handler: gone.handler
'''


def manifest() -> list:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


def local_hooks(*ids: str) -> dict:
    """A .pre-commit-config.yaml running the manifest's hooks offline with this interpreter."""
    python = f"{shlex.quote(sys.executable)} -m lambda_lint"
    hooks = []
    for hook in manifest():
        if hook["id"] in ids:
            hook = dict(hook, language="system")
            assert hook["entry"].startswith("lambda-lint ")
            hook["entry"] = python + hook["entry"][len("lambda-lint"):]
            hook.pop("minimum_pre_commit_version", None)
            hooks.append(hook)
    assert [h["id"] for h in hooks] == list(ids)
    return {"repos": [{"repo": "local", "hooks": hooks}]}


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=str(repo), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.returncode == 0, proc.stdout
    return proc.stdout


def make_repo(root: Path, files: dict, hooks: tuple) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q")
    git(root, "config", "user.name", "Lambda Lint Tests")
    git(root, "config", "user.email", "tests@example.com")
    git(root, "config", "commit.gpgsign", "false")
    files = dict(files)
    files[".pre-commit-config.yaml"] = yaml.safe_dump(local_hooks(*hooks), sort_keys=False)
    files[".gitignore"] = ".lambda_lint_cache/\n"
    write(root, files)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    return root


def write(root: Path, files: dict) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def pre_commit(repo: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PRE_COMMIT_HOME=str(repo.parent / "pre-commit-home"), NO_COLOR="1",
               PRE_COMMIT_COLOR="never", PYTHONDONTWRITEBYTECODE="1")
    env.pop("PRE_COMMIT", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--color", "never", *args], cwd=str(repo),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, timeout=300,
    )


# -- the manifest -------------------------------------------------------------------------------

def test_manifest_declares_the_hooks():
    # Ruff ships one check hook and one format hook; we keep one check hook (right
    # on its own: whole-project warm path, findings for the passed files) and a fix hook.
    hooks = {hook["id"]: hook for hook in manifest()}
    assert list(hooks) == ["lambda-lint", "lambda-lint-fix"]
    assert hooks["lambda-lint"]["entry"] == "lambda-lint check --force-exclude"
    assert hooks["lambda-lint-fix"]["entry"] == "lambda-lint check --fix --force-exclude"
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["require_serial"] is True
    assert hooks["lambda-lint"]["types_or"] == ["python", "yaml", "json", "terraform", "dockerfile", "ts", "toml"]
    assert hooks["lambda-lint-fix"]["types"] == ["python"]


def test_manifest_is_valid_for_pre_commit():
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(MANIFEST)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    assert proc.returncode == 0, proc.stdout


# -- running the hooks ---------------------------------------------------------------------------

def test_hook_fails_on_a_defect_and_prints_the_code(tmp_path: Path):
    repo = make_repo(tmp_path / "repo", {"orders.py": DEFECT}, ("lambda-lint",))
    proc = pre_commit(repo, "lambda-lint", "--all-files")
    assert proc.returncode == 1, proc.stdout
    assert "lambda-lint" in proc.stdout and "Failed" in proc.stdout
    assert "orders.py:6:5: LAM101" in proc.stdout


def test_hook_passes_on_clean_code(tmp_path: Path):
    # A YAML template with Python-looking inline code is never handed to the checker.
    repo = make_repo(tmp_path / "repo", {"orders.py": CLEAN, "template.yaml": INLINE_TEMPLATE}, ("lambda-lint",))
    proc = pre_commit(repo, "lambda-lint", "--all-files")
    assert proc.returncode == 0, proc.stdout
    assert "Passed" in proc.stdout


def test_hook_checks_the_staged_files(tmp_path: Path):
    repo = make_repo(tmp_path / "repo", {"orders.py": CLEAN}, ("lambda-lint",))
    write(repo, {"orders.py": DEFECT})
    git(repo, "add", "orders.py")
    proc = pre_commit(repo, "lambda-lint")  # what `git commit` runs
    assert proc.returncode == 1, proc.stdout
    assert "orders.py:6:5: LAM101" in proc.stdout
    # A commit that touches no Python file skips the hook.
    git(repo, "reset", "-q", "--hard")
    write(repo, {"README.md": "# Orders\n"})
    git(repo, "add", "README.md")
    proc = pre_commit(repo, "lambda-lint")
    assert proc.returncode == 0, proc.stdout
    assert "Skipped" in proc.stdout


def test_hook_reports_a_helper_when_only_the_helper_changed(tmp_path: Path):
    repo = make_repo(
        tmp_path / "repo",
        {"ingest.py": HELPER_HANDLER, "metrics.py": HELPER.replace("_samples.append(value)", "return value")},
        ("lambda-lint",),
    )
    write(repo, {"metrics.py": HELPER})
    git(repo, "add", "metrics.py")
    proc = pre_commit(repo, "lambda-lint")
    assert proc.returncode == 1, proc.stdout
    assert "metrics.py:6:5: LAM101" in proc.stdout


def test_hook_reports_lam002_of_a_changed_template_only(tmp_path: Path):
    repo = make_repo(tmp_path / "repo", {"orders.py": CLEAN, "template.yaml": INLINE_TEMPLATE}, ("lambda-lint",))
    write(repo, {"template.yaml": INLINE_TEMPLATE + MISSING_FUNCTION})
    git(repo, "add", "template.yaml")
    proc = pre_commit(repo, "lambda-lint")
    assert proc.returncode == 1, proc.stdout
    assert "template.yaml:" in proc.stdout and "LAM002 handler `gone.handler`" in proc.stdout
    assert "LAM001" not in proc.stdout  # the template is never parsed as Python


def test_fix_hook_fixes_then_passes(tmp_path: Path):
    repo = make_repo(tmp_path / "repo", {"tags.py": FIXABLE}, ("lambda-lint-fix",))
    proc = pre_commit(repo, "lambda-lint-fix", "--all-files")
    # pre-commit fails the hook because it changed a file, even though nothing remains to report.
    assert proc.returncode == 1, proc.stdout
    assert "files were modified by this hook" in proc.stdout
    assert "tags=None" in (repo / "tags.py").read_text()
    git(repo, "add", "-A")
    proc = pre_commit(repo, "lambda-lint-fix", "--all-files")
    assert proc.returncode == 0, proc.stdout


def test_fix_hook_fails_when_findings_remain(tmp_path: Path):
    repo = make_repo(tmp_path / "repo", {"orders.py": DEFECT}, ("lambda-lint-fix",))
    proc = pre_commit(repo, "lambda-lint-fix", "--all-files")
    assert proc.returncode == 1, proc.stdout
    assert "orders.py:6:5: LAM101" in proc.stdout
    assert (repo / "orders.py").read_text() == DEFECT  # LAM101 has no automatic fix
