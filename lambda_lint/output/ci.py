"""Formats for CI systems and review tools, each after Ruff's output of the same name:

* ``gitlab``: GitLab Code Quality (a JSON list of CodeClimate issues);
* ``junit``: JUnit XML, one test case per finding, grouped by file;
* ``pylint``: ``path:line: [CODE] message``, which pylint parsers read;
* ``rdjson``: reviewdog's Diagnostic Format (JSON), with fixes as suggestions.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import PurePath
from xml.etree import ElementTree

from .levels import level_for, rule_url


def _posix(path: str) -> str:
    return PurePath(path).as_posix()


def _text(d) -> str:
    return f"{d.message}\nhelp: {d.suggestion}" if d.suggestion else d.message


# -- GitLab Code Quality -------------------------------------------------------------------
GITLAB_SEVERITY = {"error": "major", "warning": "minor"}


def render_gitlab(diagnostics: list) -> str:
    """https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format

    The fingerprint is stable across runs (path, code, message, and the finding's
    number among identical ones), so GitLab can tell new findings from old ones.
    """
    seen: dict = {}
    issues = []
    for d in diagnostics:
        base = f"{_posix(d.path)}\0{d.code}\0{d.message}"
        seen[base] = seen.get(base, 0) + 1
        fingerprint = hashlib.sha256(f"{base}\0{seen[base]}".encode("utf-8", "surrogateescape")).hexdigest()
        issues.append({
            "type": "issue",
            "description": f"{d.code} {d.message}",
            "check_name": d.code,
            "categories": ["Bug Risk"],
            "fingerprint": fingerprint,
            "severity": GITLAB_SEVERITY[level_for(d.code)],
            "location": {
                "path": _posix(d.path),
                "positions": {
                    "begin": {"line": d.line, "column": d.column},
                    "end": {"line": d.end_line, "column": d.end_column},
                },
            },
        })
    return json.dumps(issues, indent=2)


# -- JUnit XML ----------------------------------------------------------------------------
def render_junit(diagnostics: list) -> str:
    suites = ElementTree.Element("testsuites", name="lambda-lint", tests=str(len(diagnostics)),
                                 failures=str(len(diagnostics)), errors="0")
    by_path: dict = {}
    for d in diagnostics:
        by_path.setdefault(_posix(d.path), []).append(d)
    if not diagnostics:
        # Ruff writes one passing case so that CI shows the check ran.
        suite = ElementTree.SubElement(suites, "testsuite", name="lambda-lint", tests="1", failures="0", errors="0")
        ElementTree.SubElement(suite, "testcase", name="No errors found", classname="lambda-lint")
    for path, found in by_path.items():
        suite = ElementTree.SubElement(suites, "testsuite", name=path, tests=str(len(found)),
                                       failures=str(len(found)), errors="0")
        for d in found:
            case = ElementTree.SubElement(suite, "testcase", name=f"org.lambda-lint.{d.code}",
                                          classname=path, file=path, line=str(d.line))
            failure = ElementTree.SubElement(case, "failure", message=d.message, type=d.code)
            failure.text = f"line {d.line}, col {d.column}, {d.code} {_text(d)}"
    ElementTree.indent(suites) if hasattr(ElementTree, "indent") else None
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(suites, encoding="unicode")


# -- pylint ------------------------------------------------------------------------------
def render_pylint(diagnostics: list) -> str:
    return "\n".join(f"{_posix(d.path)}:{d.line}: [{d.code}] {d.message}" for d in diagnostics)


# -- reviewdog rdjson ----------------------------------------------------------------------
RDJSON_SEVERITY = {"error": "ERROR", "warning": "WARNING"}


def _range(line: int, column: int, end_line: int, end_column: int) -> dict:
    return {"start": {"line": line, "column": column}, "end": {"line": end_line, "column": end_column}}


def render_rdjson(diagnostics: list) -> str:
    """https://github.com/reviewdog/reviewdog/tree/master/proto/rdf (DiagnosticResult)."""
    out = []
    for d in diagnostics:
        item = {
            "message": _text(d),
            "location": {"path": _posix(d.path), "range": _range(d.line, d.column, d.end_line, d.end_column)},
            "severity": RDJSON_SEVERITY[level_for(d.code)],
            "code": {"value": d.code, "url": rule_url(d.code)},
        }
        if d.fix is not None and d.fix.edits:
            item["suggestions"] = [{"range": _range(e.line, e.column, e.end_line, e.end_column), "text": e.content}
                                   for e in d.fix.edits]
        out.append(item)
    return json.dumps({
        "source": {"name": "lambda-lint", "url": "https://github.com/lambda-lint/lambda-lint"},
        "severity": "WARNING",
        "diagnostics": out,
    }, indent=2)
