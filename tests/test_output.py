"""Output formats: exact text on small fixed diagnostics, SARIF schema validity, GitHub escaping."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from lambda_lint.diagnostics import Diagnostic, Edit, Fix
from lambda_lint.output import FORMATS, render, statistics
from lambda_lint.output.github import escape_data, escape_property
from lambda_lint.rules import ALL_RULES

SARIF_SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "data" / "sarif-schema-2.1.0.json"


def mutated_list():
    return Diagnostic(
        "app.py", 4, 5, 4, 21, "LAM101", "mutable-global-mutated",
        "Module-level list `_samples` (line 1) is mutated on every invocation",
        "Build the list inside the handler", None,
    )


def mutable_default():
    fix = Fix(
        "Replace the default with `None`", "safe",
        edits=[Edit(7, 19, 7, 21, "None"), Edit(8, 1, 8, 1, "    tags = [] if tags is None else tags\n")],
    )
    return Diagnostic(
        "app.py", 7, 1, 7, 30, "LAM104", "mutable-default-argument",
        "Mutable default `[]` for `tags`", "Use `None` and create the list in the body", fix,
    )


def closed_connection():
    fix = Fix("Remove the `close()` call", "unsafe", edits=[Edit(12, 9, 12, 21, "pass")])
    return Diagnostic(
        "pkg/db.py", 12, 9, 12, 21, "LAM201", "module-connection-closed",
        "Module-level connection `_conn` (line 4) is closed", "Reconnect in a getter instead", fix,
    )


def parse_error():
    return Diagnostic("broken.py", 13, 1, 13, 2, "LAM001", "parse-error", "Cannot parse: invalid syntax", "", None)


def all_four():
    return [mutated_list(), mutable_default(), closed_connection(), parse_error()]


SOURCE = {"app.py": ["_samples = []\n", "\n", "def handler(event, context):\n", "    _samples.append(1)\n"]}


# -- text ---------------------------------------------------------------------------------------

def test_text_format():
    assert render(all_four(), "text") == (
        "app.py:4:5: LAM101 Module-level list `_samples` (line 1) is mutated on every invocation\n"
        "  help: Build the list inside the handler\n"
        "\n"
        "app.py:7:1: LAM104 [*] Mutable default `[]` for `tags`\n"
        "  help: Use `None` and create the list in the body\n"
        "\n"
        "pkg/db.py:12:9: LAM201 Module-level connection `_conn` (line 4) is closed\n"
        "  help: Reconnect in a getter instead\n"
        "\n"
        "broken.py:13:1: LAM001 Cannot parse: invalid syntax\n"
        "\n"
        "Found 4 errors.\n"
        "[*] 1 fixable with `lambda-lint check --fix` (1 hidden fix can be enabled with `--unsafe-fixes`)."
    )


def test_text_without_color_ignores_source():
    # Source snippets are for terminals; a pipe gets the plain form even with read_lines.
    assert render([mutated_list()], "text", read_lines=SOURCE.get) == render([mutated_list()], "text")


def test_text_with_color_shows_source_and_carets():
    assert render([mutated_list()], "text", color=True, read_lines=SOURCE.get) == (
        "\x1b[1mapp.py\x1b[0m:4:5: \x1b[1;31mLAM101\x1b[0m "
        "Module-level list `_samples` (line 1) is mutated on every invocation\n"
        "\x1b[1;34m  |\x1b[0m\n"
        "\x1b[1;34m4 |\x1b[0m     _samples.append(1)\n"
        "\x1b[1;34m  |\x1b[0m     \x1b[1;31m^^^^^^^^^^^^^^^^\x1b[0m\n"
        "\x1b[1;34m  |\x1b[0m\n"
        "  \x1b[1;36mhelp:\x1b[0m Build the list inside the handler\n"
        "\n"
        "Found 1 error."
    )


def strip_ansi(text):
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_carets_keep_tabs_and_cover_multi_line_ranges():
    lines = {"t.py": ["\tx.append(1)\n"]}
    multi = Diagnostic("t.py", 1, 2, 3, 4, "LAM101", "mutable-global-mutated", "m", "", None)
    out = strip_ansi(render([multi], "text", color=True, read_lines=lines.get))
    assert "1 | \tx.append(1)\n  | \t^^^^^^^^^^^\n" in out


def test_source_snippet_skipped_when_unreadable():
    out = strip_ansi(render([mutated_list()], "text", color=True, read_lines=lambda path: None))
    assert " | " not in out
    out = strip_ansi(render([mutated_list()], "text", color=True, read_lines=lambda path: ["one line"]))
    assert " | " not in out


def test_clean_run():
    assert render([], "text") == "All checks passed!"
    assert render([], "concise") == "All checks passed!"
    assert render([], "text", color=True) == "\x1b[1;32mAll checks passed!\x1b[0m"


def test_fixed_count():
    assert render([], "concise", fixed=2) == "Fixed 2 errors.\nAll checks passed!"
    assert render([mutated_list()], "concise", fixed=1) == (
        "app.py:4:5: LAM101 Module-level list `_samples` (line 1) is mutated on every invocation\n"
        "Fixed 1 error.\n"
        "Found 1 error."
    )


def test_show_fixes_lists_fixed_codes_per_file():
    out = render([mutated_list()], "concise", fixed=2, show_fixes=[closed_connection(), mutable_default()])
    assert out == (
        "app.py:4:5: LAM101 Module-level list `_samples` (line 1) is mutated on every invocation\n"
        "Fixed 2 errors:\n"
        "- app.py:\n"
        "    1 x LAM104 (mutable-default-argument)\n"
        "- pkg/db.py:\n"
        "    1 x LAM201 (module-connection-closed)\n"
        "\n"
        "Found 1 error."
    )


def test_fix_hints():
    safe, unsafe = mutable_default(), closed_connection()
    assert render([safe], "concise").endswith("Found 1 error.\n[*] 1 fixable with `lambda-lint check --fix`.")
    assert render([unsafe], "concise").endswith(
        "Found 1 error.\nNo fixes available (1 hidden fix can be enabled with `--unsafe-fixes`)."
    )
    assert render([unsafe, unsafe], "concise").endswith("(2 hidden fixes can be enabled with `--unsafe-fixes`).")
    with_unsafe = render([safe, unsafe], "concise", unsafe_fixes=True)
    assert "pkg/db.py:12:9: LAM201 [*] Module-level" in with_unsafe
    assert with_unsafe.endswith("[*] 2 fixable with `lambda-lint check --fix --unsafe-fixes`.")


def test_concise_format():
    assert render(all_four(), "concise") == (
        "app.py:4:5: LAM101 Module-level list `_samples` (line 1) is mutated on every invocation\n"
        "app.py:7:1: LAM104 [*] Mutable default `[]` for `tags`\n"
        "pkg/db.py:12:9: LAM201 Module-level connection `_conn` (line 4) is closed\n"
        "broken.py:13:1: LAM001 Cannot parse: invalid syntax\n"
        "Found 4 errors.\n"
        "[*] 1 fixable with `lambda-lint check --fix` (1 hidden fix can be enabled with `--unsafe-fixes`)."
    )


def test_statistics():
    diagnostics = [mutated_list(), mutable_default(), mutated_list(), parse_error()] + [mutated_list()] * 8
    assert statistics(diagnostics) == (
        "10\tLAM101\t[ ] mutable-global-mutated\n"
        " 1\tLAM001\t[ ] parse-error\n"
        " 1\tLAM104\t[*] mutable-default-argument"
    )
    assert statistics([mutated_list()]) == "1\tLAM101\tmutable-global-mutated"
    assert statistics([]) == ""


def test_unknown_format():
    with pytest.raises(ValueError, match="unknown output format 'xml'"):
        render([], "xml")


# -- json ---------------------------------------------------------------------------------------

def test_json_contract():
    out = render([mutable_default()], "json")
    assert out == """[
  {
    "path": "app.py",
    "line": 7,
    "column": 1,
    "end_line": 7,
    "end_column": 30,
    "code": "LAM104",
    "name": "mutable-default-argument",
    "message": "Mutable default `[]` for `tags`",
    "suggestion": "Use `None` and create the list in the body",
    "fix": {
      "safety": "safe",
      "description": "Replace the default with `None`",
      "edits": [
        {
          "line": 7,
          "column": 19,
          "end_line": 7,
          "end_column": 21,
          "content": "None"
        },
        {
          "line": 8,
          "column": 1,
          "end_line": 8,
          "end_column": 1,
          "content": "    tags = [] if tags is None else tags\\n"
        }
      ]
    },
    "url": "https://github.com/lambda-lint/lambda-lint/blob/main/docs/rules/LAM104.md",
    "severity": "warning"
  }
]"""
    assert json.loads(render(all_four(), "json")) == [
        dict(d.to_json(), url=f"https://github.com/lambda-lint/lambda-lint/blob/main/docs/rules/{d.code}.md",
             severity="error" if d.code.startswith("LAM0") else "warning") for d in all_four()]
    assert render([], "json") == "[]"


# -- sarif --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sarif_validator():
    jsonschema = pytest.importorskip("jsonschema")
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"SARIF schema not found at {SARIF_SCHEMA}")
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def assert_valid(validator, log):
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_sarif_is_valid(sarif_validator):
    assert_valid(sarif_validator, json.loads(render(all_four(), "sarif", version="1.2.3")))
    assert_valid(sarif_validator, json.loads(render([], "sarif")))


def test_sarif_run():
    log = json.loads(render(all_four(), "sarif", version="1.2.3"))
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "lambda-lint"
    assert driver["version"] == "1.2.3"
    assert driver["informationUri"].startswith("https://")
    assert [r["id"] for r in driver["rules"]] == ["LAM001", "LAM101", "LAM104", "LAM201"]
    assert run["columnKind"] == "unicodeCodePoints"
    results = run["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("LAM101", "warning"), ("LAM104", "warning"), ("LAM201", "warning"), ("LAM001", "error"),
    ]
    for res in results:
        assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"]


def test_sarif_result_and_fix():
    (run,) = json.loads(render([mutable_default()], "sarif"))["runs"]
    assert run["tool"]["driver"]["version"]  # defaults to the package version
    assert run["results"] == [
        {
            "ruleId": "LAM104",
            "ruleIndex": 0,
            "level": "warning",
            "message": {"text": "Mutable default `[]` for `tags`\nhelp: Use `None` and create the list in the body"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": "app.py", "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": 7, "startColumn": 1, "endLine": 7, "endColumn": 30},
                    }
                }
            ],
            "fixes": [
                {
                    "description": {"text": "Replace the default with `None` (safe fix)"},
                    "artifactChanges": [
                        {
                            "artifactLocation": {"uri": "app.py", "uriBaseId": "%SRCROOT%"},
                            "replacements": [
                                {
                                    "deletedRegion": {"startLine": 7, "startColumn": 19, "endLine": 7, "endColumn": 21},
                                    "insertedContent": {"text": "None"},
                                },
                                {
                                    "deletedRegion": {"startLine": 8, "startColumn": 1, "endLine": 8, "endColumn": 1},
                                    "insertedContent": {"text": "    tags = [] if tags is None else tags\n"},
                                },
                            ],
                        }
                    ],
                }
            ],
        }
    ]


def test_sarif_tool_code_rule_descriptor():
    (run,) = json.loads(render([parse_error()], "sarif"))["runs"]
    (rule,) = run["tool"]["driver"]["rules"]
    assert rule["id"] == "LAM001"
    assert rule["name"] == "parse-error"
    assert rule["shortDescription"]["text"] == "A file cannot be read or parsed"
    assert rule["fullDescription"]["text"].startswith("Reports a Python file")
    assert rule["help"]["markdown"].startswith("# parse-error (LAM001)\n")
    assert rule["help"]["text"].startswith("parse-error (LAM001)\n")
    assert rule["helpUri"].endswith("/docs/rules/LAM001.md")
    assert rule["defaultConfiguration"] == {"level": "error", "enabled": True}
    assert "fixes" not in run["results"][0]
    assert run["results"][0]["message"]["text"] == "Cannot parse: invalid syntax"


def test_sarif_paths_are_relative_uris(sarif_validator, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    inside = Diagnostic(str(tmp_path / "src" / "my app.py"), 1, 1, 1, 2, "LAM999", "made-up", "m", "s", None)
    outside = Diagnostic("/elsewhere/x.py", 0, 0, 0, 0, "LAM999", "made-up", "m", "s", None)
    log = json.loads(render([inside, outside], "sarif"))
    assert_valid(sarif_validator, log)
    locations = [r["locations"][0]["physicalLocation"] for r in log["runs"][0]["results"]]
    assert locations[0]["artifactLocation"] == {"uri": "src/my%20app.py", "uriBaseId": "%SRCROOT%"}
    assert locations[1]["artifactLocation"] == {"uri": "file:///elsewhere/x.py"}
    # A degenerate range is clamped to something valid rather than dropped.
    assert locations[1]["region"] == {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}
    # An undocumented code still gets a descriptor.
    assert log["runs"][0]["tool"]["driver"]["rules"] == [
        {"id": "LAM999", "name": "made-up", "defaultConfiguration": {"level": "warning"}}
    ]


def test_sarif_describes_every_registered_rule(sarif_validator):
    diagnostics = [
        Diagnostic("a.py", 1, 1, 1, 2, rule.code, rule.name, "message", "suggestion", None) for rule in ALL_RULES
    ]
    log = json.loads(render(diagnostics, "sarif"))
    assert_valid(sarif_validator, log)
    assert [r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]] == sorted(r.code for r in ALL_RULES)


# -- github -------------------------------------------------------------------------------------

def test_github_format():
    assert render(all_four(), "github") == (
        "::warning file=app.py,line=4,col=5,endLine=4,endColumn=21,title=LAM101 mutable-global-mutated"
        "::Module-level list `_samples` (line 1) is mutated on every invocation"
        "%0Ahelp: Build the list inside the handler\n"
        "::warning file=app.py,line=7,col=1,endLine=7,endColumn=30,title=LAM104 mutable-default-argument"
        "::Mutable default `[]` for `tags`%0Ahelp: Use `None` and create the list in the body\n"
        "::warning file=pkg/db.py,line=12,col=9,endLine=12,endColumn=21,title=LAM201 module-connection-closed"
        "::Module-level connection `_conn` (line 4) is closed%0Ahelp: Reconnect in a getter instead\n"
        "::error file=broken.py,line=13,col=1,endLine=13,endColumn=2,title=LAM001 parse-error"
        "::Cannot parse: invalid syntax"
    )
    assert render([], "github") == ""


def test_github_escaping():
    assert escape_data("100% done\r\nnext: a,b") == "100%25 done%0D%0Anext: a,b"
    assert escape_property("C:\\x,y%\n") == "C%3A\\x%2Cy%25%0A"
    odd = Diagnostic("dir,1/a:b.py", 2, 3, 2, 4, "LAM101", "mutable-global-mutated", "50% of\nit", "", None)
    assert render([odd], "github") == (
        "::warning file=dir%2C1/a%3Ab.py,line=2,col=3,endLine=2,endColumn=4,"
        "title=LAM101 mutable-global-mutated::50%25 of%0Ait"
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_format_ends_with_a_newline(fmt):
    # The CLI prints the report, which adds the final newline.
    out = render(all_four(), fmt)
    assert out and not out.endswith("\n")
