"""The package as a user gets it: LICENSE, CHANGELOG, version, and a wheel that runs on its own.

``test_wheel_installs_and_runs`` builds the sdist and the wheel (``python -m
build``, which builds the wheel from the sdist, so a file missing from the sdist
fails it too), installs the wheel into a fresh virtualenv with its dependencies
from the package index, and runs the installed command from outside the source
tree. It is marked ``slow`` (about a minute) but runs in the default suite.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import textwrap
import venv
import zipfile
from importlib.metadata import metadata, version
from pathlib import Path

import pytest

from lambda_lint import __version__
from lambda_lint.rules.docs import PROJECT_URL

REPO = Path(__file__).resolve().parent.parent
if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def _pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _changelog_versions() -> list:
    text = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    return re.findall(r"^## \[(\d+\.\d+\.\d+[^\]]*)\] - \d{4}-\d{2}-\d{2}$", text, re.M)


def test_license_is_mit_as_pyproject_says():
    assert _pyproject()["project"]["license"] == {"text": "MIT"}
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "Permission is hereby granted, free of charge" in text


def test_changelog_follows_keep_a_changelog_and_has_the_current_version():
    text = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "keepachangelog.com" in text
    assert "## [Unreleased]" in text
    versions = _changelog_versions()
    assert versions and versions[0] == __version__, versions
    for v in versions:  # every version has its link at the bottom
        assert re.search(rf"^\[{re.escape(v)}\]: {re.escape(PROJECT_URL)}/", text, re.M), v


def test_version_is_the_package_metadata_version():
    assert version("lambda-lint") == __version__
    out = subprocess.run([sys.executable, "-m", "lambda_lint", "--version"], capture_output=True, text=True,
                         check=True, cwd=REPO)
    assert out.stdout.strip() == f"lambda-lint {__version__}"


def test_stability_policy_promises_codes_and_fields():
    text = (REPO / "docs" / "stability.md").read_text(encoding="utf-8")
    assert "never renumbered" in text
    assert "JSON and SARIF output only gain fields within a major version" in text
    assert "docs/stability.md" in (REPO / "README.md").read_text(encoding="utf-8")


def test_readme_snippets_point_at_the_repository_and_a_released_version():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    released = set(_changelog_versions())
    revs = re.findall(r"rev: v(\S+)", readme)
    assert revs and set(revs) <= released, (revs, released)
    assert f"repo: {PROJECT_URL}" in readme
    uses = re.findall(r"uses: (\S+)@v(\S+)", readme)
    ours = [(repo, v) for repo, v in uses if PROJECT_URL.endswith("/" + repo)]
    assert ours, "the README shows the Action"
    assert all(v in released for _, v in ours), ours


def test_project_urls_name_the_repository():
    urls = metadata("lambda-lint").get_all("Project-URL") or []
    assert any(PROJECT_URL in u for u in urls), urls


# -- the wheel in a fresh virtualenv ---------------------------------------------------------
IGNORED = shutil.ignore_patterns(".git", "*.egg-info", "__pycache__", ".pytest_cache", ".lambda_lint_cache",
                                 "build", "dist", ".venv", "venv", ".hypothesis")

SMALL_PROJECT = {
    "app.py": """\
        import functools

        seen = []


        @functools.lru_cache(maxsize=None)
        def price(sku):
            return len(sku)


        def lambda_handler(event, context):
            seen.append(event["id"])
            return price(event["sku"])
    """,
}


def _bin(env_dir: Path, name: str) -> Path:
    folder = "Scripts" if os.name == "nt" else "bin"
    suffix = ".exe" if os.name == "nt" else ""
    return env_dir / folder / (name + suffix)


def _clean_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


@pytest.mark.slow
def test_wheel_installs_and_runs(tmp_path):
    pytest.importorskip("build")
    source = tmp_path / "source"
    shutil.copytree(REPO, source, ignore=IGNORED)
    dist = tmp_path / "dist"
    built = subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(source)],
                           capture_output=True, text=True, timeout=900, env=_clean_env())
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    sdists = list(dist.glob("lambda_lint-*.tar.gz"))
    wheels = list(dist.glob("lambda_lint-*-py3-none-any.whl"))
    assert len(sdists) == 1 and len(wheels) == 1, os.listdir(dist)
    assert sdists[0].name == f"lambda_lint-{__version__}.tar.gz"
    assert wheels[0].name == f"lambda_lint-{__version__}-py3-none-any.whl"

    # Every module of the package is in the wheel; the sdist carries the license, changelog and docs.
    package_files = {p.relative_to(REPO).as_posix() for p in (REPO / "lambda_lint").rglob("*.py")}
    with zipfile.ZipFile(wheels[0]) as wheel:
        names = set(wheel.namelist())
        meta = wheel.read(f"lambda_lint-{__version__}.dist-info/METADATA").decode("utf-8")
    assert package_files <= names, sorted(package_files - names)
    assert any(n.endswith(".dist-info/licenses/LICENSE") or n.endswith(".dist-info/LICENSE") for n in names), names
    assert f"\nVersion: {__version__}\n" in meta
    with tarfile.open(sdists[0]) as sdist:
        members = {m.split("/", 1)[1] for m in sdist.getnames() if "/" in m}
    for needed in ("LICENSE", "CHANGELOG.md", "README.md", "pyproject.toml", "docs/rules/LAM101.md",
                   "docs/stability.md", ".pre-commit-hooks.yaml"):
        assert needed in members, needed

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = _bin(env_dir, "python")
    installed = subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheels[0])],
                               capture_output=True, text=True, timeout=900, env=_clean_env())
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]

    project = tmp_path / "project"
    project.mkdir()
    for rel, text in SMALL_PROJECT.items():
        (project / rel).write_text(textwrap.dedent(text), encoding="utf-8")
    tool = str(_bin(env_dir, "lambda-lint"))

    def run(*args):
        return subprocess.run([tool, *args], capture_output=True, text=True, timeout=300, cwd=project,
                              env=_clean_env())

    where = subprocess.run([str(python), "-c", "import lambda_lint, importlib.metadata as m; "
                            "print(lambda_lint.__file__); print(m.version('lambda-lint'))"],
                           capture_output=True, text=True, cwd=project, env=_clean_env())
    location, meta_version = where.stdout.split()
    assert str(env_dir) in location, location  # the installed copy, not the source tree
    assert meta_version == __version__

    shown = run("--version")
    assert shown.returncode == 0 and shown.stdout.strip() == f"lambda-lint {meta_version}"

    rule = run("rule", "LAM101")
    assert rule.returncode == 0, rule.stderr
    assert rule.stdout.startswith("mutable-global-mutated (LAM101)\n")
    assert "Why is this bad?" in rule.stdout

    checked = run("check", "--format", "json", "--no-cache", ".")
    assert checked.returncode == 1, checked.stderr
    import json

    found = {(d["path"], d["line"], d["code"]) for d in json.loads(checked.stdout)}
    assert found == {("app.py", 6, "LAM402"), ("app.py", 12, "LAM103")}, found
    assert not checked.stderr

    sarif = run("check", "--format", "sarif", "--no-cache", "--exit-zero", ".")
    assert sarif.returncode == 0 and json.loads(sarif.stdout)["runs"][0]["tool"]["driver"]["version"] == __version__

    # The language server of the installed package answers a plain JSON-RPC client.
    from pathlib import PurePath

    from tests.raw_lsp import RawClient

    uri = PurePath(project / "app.py").as_uri()
    client = RawClient([tool, "server"], cwd=str(project), env=_clean_env())
    try:
        assert client.initialize(PurePath(project).as_uri())["serverInfo"]["version"] == __version__
        client.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "python", "version": 1, "text": (project / "app.py").read_text()}})
        published = client.wait_notification("textDocument/publishDiagnostics", lambda p: p["uri"] == uri)
        assert [(d["code"], d["range"]["start"]["line"]) for d in published["diagnostics"]] == [
            ("LAM402", 5), ("LAM103", 11)]
        assert client.close() == 0
    finally:
        if client.process.poll() is None:
            client.process.kill()
