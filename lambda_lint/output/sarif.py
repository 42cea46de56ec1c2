"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
"""
from __future__ import annotations

import json
from pathlib import Path, PurePath
from urllib.parse import quote

from .. import __version__
from ..rules.docs import PROJECT_URL, help_uri, rule_class, rule_markdown, rule_terminal, sections
from .levels import level_for

SCHEMA_URI = "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json"
SOURCE_ROOT = "%SRCROOT%"


def artifact_location(path: str) -> dict:
    """A relative path becomes a URI under %SRCROOT% (the directory lambda-lint ran in)."""
    pure = PurePath(path)
    if pure.is_absolute():
        try:
            pure = Path(path).resolve().relative_to(Path.cwd().resolve())
        except ValueError:
            return {"uri": Path(path).as_uri()}
    return {"uri": quote(pure.as_posix()), "uriBaseId": SOURCE_ROOT}


def region(line: int, column: int, end_line: int, end_column: int) -> dict:
    # SARIF positions are 1-based with an exclusive end column, like Diagnostic's;
    # clamp so a degenerate range still validates.
    start_line, start_column = max(line, 1), max(column, 1)
    end_line = max(end_line, start_line)
    end_column = max(end_column, 1)
    if end_line == start_line:
        end_column = max(end_column, start_column)
    return {"startLine": start_line, "startColumn": start_column, "endLine": end_line, "endColumn": end_column}


def rule_descriptor(code: str, name: str) -> dict:
    try:
        rule_cls = rule_class(code)
    except KeyError:
        # A code with no documentation (a plugin, a test double): still describe it.
        return {"id": code, "name": name, "defaultConfiguration": {"level": level_for(code)}}
    return {
        "id": code,
        "name": rule_cls.name or name,
        "shortDescription": {"text": " ".join(rule_cls.summary.split()) or rule_cls.name or code},
        "fullDescription": {"text": sections(rule_cls)["what"] or rule_cls.summary or code},
        "help": {"text": rule_terminal(rule_cls), "markdown": rule_markdown(rule_cls)},
        "helpUri": help_uri(code),
        "defaultConfiguration": {"level": level_for(code), "enabled": bool(rule_cls.default_enabled)},
    }


def sarif_fix(diagnostic) -> dict:
    replacements = [
        {
            "deletedRegion": region(e.line, e.column, e.end_line, e.end_column),
            "insertedContent": {"text": e.content},
        }
        for e in diagnostic.fix.edits
    ]
    return {
        "description": {"text": f"{diagnostic.fix.description} ({diagnostic.fix.safety} fix)"},
        "artifactChanges": [{"artifactLocation": artifact_location(diagnostic.path), "replacements": replacements}],
    }


def result(diagnostic, rule_index: int) -> dict:
    text = diagnostic.message
    if diagnostic.suggestion:
        text += f"\nhelp: {diagnostic.suggestion}"
    entry = {
        "ruleId": diagnostic.code,
        "ruleIndex": rule_index,
        "level": level_for(diagnostic.code),
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifact_location(diagnostic.path),
                    "region": region(diagnostic.line, diagnostic.column, diagnostic.end_line, diagnostic.end_column),
                }
            }
        ],
    }
    if diagnostic.fix is not None and diagnostic.fix.edits:
        entry["fixes"] = [sarif_fix(diagnostic)]
    return entry


def sarif_log(diagnostics: list, version: str = "", enabled=None) -> dict:
    # Every enabled rule is described, with or without results: GitHub code
    # scanning shows a rule's help from the driver, and a rule without results
    # must still be known as checked (so its closed alerts are closed).
    names = {code: "" for code in enabled or ()}
    for d in diagnostics:
        if not names.get(d.code):
            names[d.code] = d.name
    codes = sorted(names)
    index = {code: i for i, code in enumerate(codes)}
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "lambda-lint",
                        "version": version or __version__,
                        "informationUri": PROJECT_URL,
                        "rules": [rule_descriptor(code, names[code]) for code in codes],
                    }
                },
                # libcst counts columns in code points, not UTF-16 units (SARIF's other choice).
                "columnKind": "unicodeCodePoints",
                "results": [result(d, index[d.code]) for d in diagnostics],
            }
        ],
    }


def render_sarif(diagnostics: list, version: str = "", enabled=None) -> str:
    return json.dumps(sarif_log(diagnostics, version, enabled), indent=2)
