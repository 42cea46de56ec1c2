"""The CI formats (gitlab, junit, json-lines, pylint, rdjson), `url`/`severity` in JSON, and SARIF's
driver listing every enabled rule. Each follows Ruff's output format of the same name."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from lambda_lint.output import render
from lambda_lint.output.levels import RULE_DOCS_URL
from lambda_lint.rules.docs import DOCS_URL, help_uri
from tests.test_output import SARIF_SCHEMA, all_four, mutable_default, parse_error


def test_rule_url_is_the_rule_pages_url():
    assert RULE_DOCS_URL == DOCS_URL


def test_json_has_url_and_severity():
    items = json.loads(render([mutable_default(), parse_error()], "json"))
    assert [(i["code"], i["url"], i["severity"]) for i in items] == [
        ("LAM104", help_uri("LAM104"), "warning"), ("LAM001", help_uri("LAM001"), "error")]


def test_json_lines_is_one_json_object_per_line():
    # Ruff's json-lines: the JSON objects, one per line.
    lines = render(all_four(), "json-lines").splitlines()
    assert [json.loads(line) for line in lines] == json.loads(render(all_four(), "json"))


def test_pylint_format():
    # Ruff's pylint format: `path:line: [CODE] message`.
    d = mutable_default()
    assert render([d], "pylint") == f"{d.path}:{d.line}: [{d.code}] {d.message}"


# GitLab Code Quality: the fields GitLab's documentation requires of each issue
# (https://docs.gitlab.com/ci/testing/code_quality/), as a JSON schema.
GITLAB_ISSUE = {
    "type": "object",
    "required": ["description", "check_name", "fingerprint", "severity", "location"],
    "properties": {
        "description": {"type": "string", "minLength": 1},
        "check_name": {"type": "string", "minLength": 1},
        "fingerprint": {"type": "string", "minLength": 1},
        "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
        "location": {
            "type": "object",
            "required": ["path"],
            "properties": {
                "path": {"type": "string"},
                "lines": {"type": "object", "required": ["begin"], "properties": {"begin": {"type": "integer"}}},
                "positions": {"type": "object", "required": ["begin"], "properties": {
                    "begin": {"type": "object", "required": ["line"], "properties": {"line": {"type": "integer"}}}}},
            },
            "anyOf": [{"required": ["lines"]}, {"required": ["positions"]}],
        },
    },
}


def test_gitlab_code_quality_report():
    jsonschema = pytest.importorskip("jsonschema")
    issues = json.loads(render(all_four(), "gitlab"))
    jsonschema.validate(issues, {"type": "array", "items": GITLAB_ISSUE})
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    # Stable across runs: the same findings give the same fingerprints.
    assert issues == json.loads(render(all_four(), "gitlab"))
    assert {i["severity"] for i in issues} == {"minor", "major"}


def test_junit_is_read_by_junitparser():
    junitparser = pytest.importorskip("junitparser")
    xml = junitparser.JUnitXml.fromstring(render(all_four(), "junit").split("\n", 1)[1])
    cases = [(case.classname, case.name, case.result[0].type) for suite in xml for case in suite]
    assert sorted(cases) == sorted((d.path, f"org.lambda-lint.{d.code}", d.code) for d in all_four())
    empty = junitparser.JUnitXml.fromstring(render([], "junit").split("\n", 1)[1])
    assert [case.name for suite in empty for case in suite] == ["No errors found"]


# reviewdog's DiagnosticResult (proto/rdf/jsonschema in the reviewdog repository),
# restated as a schema: diagnostics with a message, a location (path, range of
# start/end positions), a severity, a code and suggestions.
POSITION = {"type": "object", "properties": {"line": {"type": "integer"}, "column": {"type": "integer"}}}
RANGE = {"type": "object", "required": ["start"], "properties": {"start": POSITION, "end": POSITION}}
RDJSON = {
    "type": "object",
    "properties": {
        "source": {"type": "object", "properties": {"name": {"type": "string"}, "url": {"type": "string"}}},
        "severity": {"enum": ["UNKNOWN_SEVERITY", "ERROR", "WARNING", "INFO"]},
        "diagnostics": {"type": "array", "items": {
            "type": "object",
            "required": ["message", "location"],
            "properties": {
                "message": {"type": "string"},
                "location": {"type": "object", "required": ["path"],
                             "properties": {"path": {"type": "string"}, "range": RANGE}},
                "severity": {"enum": ["UNKNOWN_SEVERITY", "ERROR", "WARNING", "INFO"]},
                "code": {"type": "object", "properties": {"value": {"type": "string"}, "url": {"type": "string"}}},
                "suggestions": {"type": "array", "items": {
                    "type": "object", "properties": {"range": RANGE, "text": {"type": "string"}}}},
            },
        }},
    },
}


def test_rdjson_for_reviewdog():
    jsonschema = pytest.importorskip("jsonschema")
    report = json.loads(render(all_four(), "rdjson"))
    jsonschema.validate(report, RDJSON)
    fixed = [d for d in report["diagnostics"] if d["code"]["value"] == "LAM104"]
    assert fixed and fixed[0]["suggestions"], "a fix becomes a reviewdog suggestion"


def test_sarif_driver_lists_every_enabled_rule():
    # GitHub code scanning shows rule help from the driver, also for rules without results.
    enabled = {"LAM001", "LAM002", "LAM101", "LAM104", "LAM201"}
    (run,) = json.loads(render([mutable_default()], "sarif", enabled=enabled))["runs"]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rules == sorted(enabled)
    assert run["results"][0]["ruleIndex"] == rules.index("LAM104")
    if SARIF_SCHEMA.exists():
        jsonschema = pytest.importorskip("jsonschema")
        schema = json.loads(Path(SARIF_SCHEMA).read_text(encoding="utf-8"))
        jsonschema.validators.validator_for(schema)(schema).validate(
            json.loads(render([mutable_default()], "sarif", enabled=enabled)))
