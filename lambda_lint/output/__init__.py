"""Rendering diagnostics for people (text, concise) and for tools (json, json-lines, sarif,
github, gitlab, junit, pylint, rdjson)."""
from __future__ import annotations

from typing import Callable, Optional

from . import text
from .text import statistics

FORMATS = ("text", "concise", "json", "json-lines", "sarif", "github", "gitlab", "junit", "pylint", "rdjson")

__all__ = ["FORMATS", "render", "statistics"]


def render(
    diagnostics: list,
    fmt: str,
    *,
    color: bool = False,
    read_lines: Optional[Callable[[str], Optional[list]]] = None,
    fixed: int = 0,
    show_fixes: Optional[list] = None,
    version: str = "",
    unsafe_fixes: bool = False,
    quiet: bool = False,
    enabled: Optional[set] = None,
) -> str:
    """The whole report in one format, without a final newline (the caller prints it).

    Diagnostics are rendered in the order given. ``color``, ``read_lines``,
    ``fixed``, ``show_fixes`` (the diagnostics that ``--fix`` removed) and
    ``unsafe_fixes`` only concern the human formats; ``version`` only SARIF.
    """
    if fmt == "text":
        return text.render_text(
            diagnostics, color=color, read_lines=read_lines, fixed=fixed,
            show_fixes=show_fixes, unsafe_fixes=unsafe_fixes, quiet=quiet,
        )
    if fmt == "concise":
        return text.render_concise(
            diagnostics, color=color, fixed=fixed, show_fixes=show_fixes, unsafe_fixes=unsafe_fixes, quiet=quiet
        )
    # The tool formats are imported on use: SARIF needs the rule documentation.
    if fmt == "json":
        from . import json_format

        return json_format.render_json(diagnostics)
    if fmt == "json-lines":
        from . import json_format

        return json_format.render_json_lines(diagnostics)
    if fmt == "sarif":
        from . import sarif

        return sarif.render_sarif(diagnostics, version=version, enabled=enabled)
    if fmt in ("gitlab", "junit", "pylint", "rdjson"):
        from . import ci

        return getattr(ci, f"render_{fmt}")(diagnostics)
    if fmt == "github":
        from . import github

        return github.render_github(diagnostics)
    raise ValueError(f"unknown output format {fmt!r}; choose one of: {', '.join(FORMATS)}")
