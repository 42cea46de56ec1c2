"""Adopting lambda-lint in an existing code base: --add-noqa, `# noqa` on multi-line
statements, unused `# noqa` codes (LAM003). Each test names the Ruff behaviour it follows."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

from lambda_lint.cli import main

MULTI_LINE = '''\
_seen = []
_other = {}


def lambda_handler(event, context):
    _seen.append("""first
second""" + event["id"])
    _other.update({
        "k": event["id"]})
    _seen.append(1 + \\
        2)
    return {"ok": True}
'''

TEMPLATE = '''\
Resources:
  Gone:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/
      Handler: gone.lambda_handler
      Runtime: python3.12
'''

JSON_TEMPLATE = {"Resources": {"Gone": {"Type": "AWS::Serverless::Function",
                                        "Properties": {"CodeUri": "json/", "Handler": "missing.handler",
                                                       "Runtime": "python3.12"}}}}


def write(root: Path, files: dict) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text) if isinstance(text, str) else json.dumps(text, indent=2), encoding="utf-8")


def run(root: Path, monkeypatch, capsys, *args):
    monkeypatch.chdir(root)
    code = main(["check", "--no-cache", *args])
    out, err = capsys.readouterr()
    return code, out, err


def codes_at(root, monkeypatch, capsys, *args) -> list:
    _, out, _ = run(root, monkeypatch, capsys, "--output-format", "json", *args)
    return sorted((d["path"], d["line"], d["code"]) for d in json.loads(out))


def test_add_noqa_covers_multi_line_statements_and_templates(tmp_path, monkeypatch, capsys):
    # Ruff's --add-noqa puts the directive where its noqa is honoured: after a
    # multi-line string, on the line the string ends on.
    write(tmp_path, {"pyproject.toml": "[project]\nname = 'svc'\n", "app.py": MULTI_LINE, "template.yaml": TEMPLATE,
                     "functions/other.py": "x = 1\n"})
    before = codes_at(tmp_path, monkeypatch, capsys, ".")
    assert before == [("app.py", 6, "LAM103"), ("app.py", 8, "LAM103"), ("app.py", 10, "LAM101"),
                      ("template.yaml", 6, "LAM002")]
    code, _, err = run(tmp_path, monkeypatch, capsys, "--add-noqa", ".")
    assert code == 0
    assert "Added 4 noqa directives." in err and "Could not place" not in err
    text = (tmp_path / "app.py").read_text()
    assert 'second""" + event["id"])  # noqa: LAM103' in text
    assert "        2)  # noqa: LAM101" in text
    assert "      Handler: gone.lambda_handler  # noqa: LAM002" in (tmp_path / "template.yaml").read_text()
    assert codes_at(tmp_path, monkeypatch, capsys, ".") == []
    # Applying it again changes nothing.
    code, _, err = run(tmp_path, monkeypatch, capsys, "--add-noqa", ".")
    assert "Added 0 noqa directives." in err


def test_add_noqa_says_what_it_could_not_place(tmp_path, monkeypatch, capsys):
    write(tmp_path, {"pyproject.toml": "[project]\nname = 'svc'\n", "template.json": JSON_TEMPLATE,
                     "json/ok.py": "def handler(event, context):\n    return 1\n"})
    code, _, err = run(tmp_path, monkeypatch, capsys, "--add-noqa", ".")
    assert "Added 0 noqa directives." in err
    assert "Could not place 1 finding (1: JSON files have no comments)." in err


def test_noqa_on_the_last_line_of_a_multi_line_statement_is_honoured(tmp_path, monkeypatch, capsys):
    # Ruff honours a noqa at the end of a multi-line string's last line.
    write(tmp_path, {"pyproject.toml": "[project]\nname = 'svc'\n", "app.py": MULTI_LINE.replace(
        '"k": event["id"]})', '"k": event["id"]})  # noqa: LAM103')})
    assert ("app.py", 8, "LAM103") not in codes_at(tmp_path, monkeypatch, capsys, ".")
    assert ("app.py", 6, "LAM103") in codes_at(tmp_path, monkeypatch, capsys, ".")


def test_unused_and_unknown_noqa_codes_are_lam003_with_a_safe_fix(tmp_path, monkeypatch, capsys):
    # Ruff's RUF100 (off by default, as there): codes that silence nothing, unknown
    # codes; other tools' codes are left alone.
    write(tmp_path, {"pyproject.toml": "[project]\nname = 'svc'\n", "app.py": '''\
        _seen = []


        def lambda_handler(event, context):
            _seen.append(1)  # noqa: LAM101, LAM105
            total = 1  # noqa: LAM999, E501
            return {"ok": total}
        '''})
    assert codes_at(tmp_path, monkeypatch, capsys, ".") == []
    _, out, _ = run(tmp_path, monkeypatch, capsys, "--extend-select", "LAM003", "--output-format", "json", ".")
    found = [(d["line"], d["column"], d["message"], d["fix"]["safety"]) for d in json.loads(out)]
    assert found == [
        (5, 22, "unused `noqa` directive (unused: `LAM105`)", "safe"),
        (6, 16, "unused `noqa` directive (unknown: `LAM999`)", "safe"),
    ]
    code, _, _ = run(tmp_path, monkeypatch, capsys, "--extend-select", "LAM003", "--fix", ".")
    assert code == 0
    text = (tmp_path / "app.py").read_text()
    assert "_seen.append(1)  # noqa: LAM101\n" in text
    assert "total = 1  # noqa: E501\n" in text
