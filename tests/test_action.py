"""The GitHub Action (action.yml): its shell steps run here as the runner would run them.

The runner's part is played by :class:`ActionRun`: it reads action.yml with
yaml, fills in the ``${{ ... }}`` expressions the action uses (inputs with
their defaults, ``github.action_path``, earlier steps' outputs), gives each
step the files GitHub gives it (``GITHUB_OUTPUT``, ``GITHUB_PATH``) and runs
the ``run:`` script with bash in the checked project. The install step really
installs lambda-lint from a copy of this checkout into a fresh virtualenv, so
this test needs the package index for the dependencies (slow marker).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from lambda_lint import __version__

REPO = Path(__file__).resolve().parent.parent
EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")
IGNORED = shutil.ignore_patterns(".git", "*.egg-info", "__pycache__", ".pytest_cache", ".lambda_lint_cache",
                                 "build", "dist", ".venv", "venv", ".hypothesis")


def load_action() -> dict:
    return yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))


class ActionRun:
    def __init__(self, action: dict, action_path: Path, workspace: Path, temp: Path, inputs: dict):
        self.action = action
        self.action_path = action_path
        self.workspace = workspace
        self.temp = temp
        self.inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
        unknown = set(inputs) - set(self.inputs)
        assert not unknown, f"not inputs of the action: {unknown}"
        self.inputs.update(inputs)
        self.outputs: dict = {}
        self.path_entries: list = []

    def expand(self, text: str) -> str:
        def value(match):
            expr = match.group(1)
            if expr.startswith("inputs."):
                return self.inputs[expr[len("inputs."):]]
            if expr == "github.action_path":
                return str(self.action_path)
            if expr == "runner.temp":
                return str(self.temp)
            found = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
            if found:
                return self.outputs.get(found.group(1), {}).get(found.group(2), "")
            raise AssertionError(f"expression the test runner does not know: {expr}")

        return EXPRESSION.sub(value, str(text))

    def run_step(self, step: dict) -> subprocess.CompletedProcess:
        assert step.get("shell") == "bash", step
        output_file = self.temp / f"output-{step.get('id', 'step')}"
        path_file = self.temp / f"path-{step.get('id', 'step')}"
        output_file.write_text("")
        path_file.write_text("")
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        env["PATH"] = os.pathsep.join(self.path_entries + [env.get("PATH", "")])
        env.update(GITHUB_OUTPUT=str(output_file), GITHUB_PATH=str(path_file), RUNNER_TEMP=str(self.temp),
                   GITHUB_WORKSPACE=str(self.workspace), GITHUB_ACTIONS="true", CI="true",
                   PIP_DISABLE_PIP_VERSION_CHECK="1")
        for key, value in (step.get("env") or {}).items():
            env[key] = self.expand(value)
        script = self.temp / f"script-{step.get('id', 'step')}.sh"
        script.write_text(self.expand(step["run"]))
        # As the runner runs a composite step with `shell: bash`.
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=self.workspace, env=env,
                              capture_output=True, text=True, timeout=900)
        outputs = {}
        for line in output_file.read_text().splitlines():
            name, _, value = line.partition("=")
            outputs[name] = value
        if step.get("id"):
            self.outputs[step["id"]] = outputs
        self.path_entries = [p for p in path_file.read_text().splitlines() if p] + self.path_entries
        return done

    def step(self, step_id: str) -> dict:
        return next(s for s in self.action["runs"]["steps"] if s.get("id") == step_id)

    def output(self, name: str) -> str:
        return self.expand(self.action["outputs"][name]["value"])


def test_action_is_composite_and_installs_from_its_own_path():
    action = load_action()
    assert action["runs"]["using"] == "composite"
    install = next(s for s in action["runs"]["steps"] if s.get("id") == "install")
    assert "${{ github.action_path }}" in install["env"].values()
    assert "pip install" in install["run"]
    assert set(action["inputs"]) >= {"paths", "args", "format", "sarif-file"}
    assert action["inputs"]["format"]["default"] == "github"
    # Inputs reach the scripts through the environment, never pasted into script text.
    for step in action["runs"]["steps"]:
        assert "${{" not in step["run"], step["name"]


PROJECT = {
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
    "clean/handler.py": """\
        def handler(event, context):
            return {"ok": True}
    """,
}


@pytest.mark.slow
def test_action_steps_run_against_a_small_project(tmp_path):
    action = load_action()
    action_path = tmp_path / "action"
    shutil.copytree(REPO, action_path, ignore=IGNORED)
    workspace = tmp_path / "workspace"
    for rel, text in PROJECT.items():
        target = workspace / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")
    temp = tmp_path / "runner-temp"
    temp.mkdir()

    # Defaults: annotations in the log, the step fails because something is reported.
    run = ActionRun(action, action_path, workspace, temp, {"python": sys.executable})
    installed = run.run_step(run.step("install"))
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    assert f"lambda-lint {__version__}" in installed.stdout
    assert run.path_entries and Path(run.path_entries[0], "lambda-lint").exists()

    checked = run.run_step(run.step("check"))
    assert checked.returncode == 1, checked.stderr
    annotations = [line for line in checked.stdout.splitlines() if line.startswith("::")]
    assert annotations == [
        "::warning file=app.py,line=6,col=1,endLine=6,endColumn=35,title=LAM402 unbounded-lru-cache::"
        + annotations[0].split("::", 2)[2],
        annotations[1],
    ]
    assert annotations[1].startswith("::warning file=app.py,line=12,") and "LAM103" in annotations[1]
    assert run.output("exit-code") == "1"

    # SARIF for upload-sarif, a path list and extra arguments; --exit-zero keeps the step green.
    bin_dir = run.outputs["install"]["bin"]
    run2 = ActionRun(action, action_path, workspace, temp, {
        "paths": "app.py\nclean", "args": "--ignore LAM1 --exit-zero", "sarif-file": "results/lambda-lint.sarif",
    })
    run2.outputs["install"] = {"bin": bin_dir}
    (workspace / "results").mkdir()
    checked = run2.run_step(run2.step("check"))
    assert checked.returncode == 0, checked.stderr
    log = json.loads((workspace / "results" / "lambda-lint.sarif").read_text())
    results = log["runs"][0]["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results] == [
        ("LAM402", 6)]
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app.py"
    assert [line.split(",")[0] for line in checked.stdout.splitlines() if line.startswith("::")] == [
        "::warning file=app.py"]
    assert run2.output("sarif-file") == "results/lambda-lint.sarif"
    assert run2.output("exit-code") == "0"

    # Another format to a file; a clean folder exits 0.
    run3 = ActionRun(action, action_path, workspace, temp, {
        "paths": "clean", "format": "json", "output-file": "report.json"})
    run3.outputs["install"] = {"bin": bin_dir}
    checked = run3.run_step(run3.step("check"))
    assert checked.returncode == 0, checked.stderr
    assert json.loads((workspace / "report.json").read_text()) == []

    # A path that does not exist: a LAM001 finding (Ruff's E902), exit status 1, no traceback.
    run4 = ActionRun(action, action_path, workspace, temp, {"paths": "missing/"})
    run4.outputs["install"] = {"bin": bin_dir}
    checked = run4.run_step(run4.step("check"))
    assert checked.returncode == 1
    assert "Traceback" not in checked.stderr and "LAM001" in checked.stdout and "missing/: no such file" in checked.stdout
