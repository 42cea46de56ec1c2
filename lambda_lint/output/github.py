"""GitHub Actions workflow commands, which turn into annotations on the pull request.

https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions
"""
from __future__ import annotations

from pathlib import PurePath

from .levels import level_for


def escape_data(value: str) -> str:
    # The runner splits commands on newlines and decodes %XX, so these must be encoded.
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    # In properties ':' ends the property list and ',' separates properties.
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def annotation(diagnostic) -> str:
    properties = {
        "file": PurePath(diagnostic.path).as_posix(),
        "line": diagnostic.line,
        "col": diagnostic.column,
        "endLine": diagnostic.end_line,
        "endColumn": diagnostic.end_column,
        "title": f"{diagnostic.code} {diagnostic.name}",
    }
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    message = diagnostic.message
    if diagnostic.suggestion:
        message += f"\nhelp: {diagnostic.suggestion}"
    return f"::{level_for(diagnostic.code)} {props}::{escape_data(message)}"


def render_github(diagnostics: list) -> str:
    return "\n".join(annotation(d) for d in diagnostics)
