"""Applying ``# noqa``, file-level directives and ``per-file-ignores`` to a check's result;
reporting unused ``# noqa`` codes (LAM003); ``--add-noqa``.

A line ``# noqa`` counts on the line a finding starts on and, for a statement
that spans several lines, on the statement's last line (where a comment can
always go, and where Ruff wants it after a multi-line string).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from ..diagnostics import Diagnostic, Edit, Fix
from .engine import CheckResult
from ..settings.selection import ignored_for_file
from ..settings.suppression import (
    Statements, add_noqa, bare_file_level_lines, file_level_codes, is_file_suppressed, lam_directive, matching_codes,
    statement_lines, without_codes,
)


def _text(result: CheckResult, path: str):
    data = result.project.data(os.path.abspath(path)) if result.project else None
    if not isinstance(data, bytes):
        return None
    return data.decode("utf-8", errors="replace")


@dataclass
class _File:
    text: Optional[str]
    lines: List[str]
    statements: Statements = field(default_factory=Statements)  # empty for files that are not Python

    @property
    def ends(self) -> Dict[int, int]:
        return self.statements.ends

    def comment_part(self, line_no: int) -> str:
        return self.statements.comment_part(line_no, self.lines[line_no - 1])[1]


def _load(result: CheckResult, path: str) -> _File:
    text = _text(result, path)
    lines = text.splitlines() if text is not None else []
    statements = statement_lines(text) if text is not None and path.endswith(".py") else Statements()
    return _File(text, lines, statements)


def apply_suppressions(result: CheckResult, config, enabled: Optional[set] = None,
                       files: Optional[list] = None) -> None:
    """Drop the suppressed findings. With LAM003 in ``enabled``, report the ``# noqa: LAM...``
    codes of ``files`` (and of the files with findings) that silenced nothing."""
    root = getattr(config, "root", None) or os.getcwd()
    per_file = getattr(config, "per_file_ignores", None) or {}
    kept = []
    loaded: Dict[str, _File] = {}
    used: Dict[tuple, set] = {}  # (path, line) -> directive codes that silenced something
    for diag in result.diagnostics:
        if diag.path not in loaded:
            loaded[diag.path] = _load(result, diag.path)
            if loaded[diag.path].text is not None:
                for line in bare_file_level_lines(loaded[diag.path].text):
                    result.warnings.append(
                        f"{diag.path}:{line}: `# lambda-lint: noqa` must name the codes it silences "
                        "(`# lambda-lint: noqa: LAM101`); it was ignored"
                    )
        info = loaded[diag.path]
        rel = os.path.relpath(os.path.abspath(diag.path), root).replace(os.sep, "/")
        if any(diag.code.startswith(p) for p in ignored_for_file(rel, per_file)):
            continue
        if info.text is not None and diag.code != "LAM001":
            if is_file_suppressed(file_level_codes(info.text), diag.code):
                continue
            if _line_suppressed(info, diag, used):
                continue
        kept.append(diag)
    result.diagnostics = kept
    if enabled is not None and "LAM003" in enabled:
        from .. import diagnostics as diagnostics_module

        paths = list(loaded)
        for path in files or ():
            shown = diagnostics_module.display_path(path)
            if shown not in loaded and shown.endswith(".py"):
                loaded[shown] = _load(result, shown)
                paths.append(shown)
        for path in paths:
            result.diagnostics.extend(_unused_noqa(path, loaded[path], used))
        from .merge import _order

        result.diagnostics.sort(key=_order)


def _line_suppressed(info: _File, diag: Diagnostic, used: Dict[tuple, set]) -> bool:
    candidates = [diag.line]
    end = info.ends.get(diag.line)
    if end is not None and end != diag.line:
        candidates.append(end)
    for line in candidates:
        if 0 < line <= len(info.lines):
            codes = matching_codes(info.comment_part(line), diag.code)
            if codes is not None:
                used.setdefault((diag.path, line), set()).update(codes)
                return True
    return False


def _unused_noqa(path: str, info: _File, used: Dict[tuple, set]) -> list:
    """LAM003 for the lambda-lint codes of each ``# noqa: ...`` that silenced nothing (Ruff's RUF100)."""
    from ..settings.config import CATALOG_CODES

    out = []
    for number, whole in enumerate(info.lines, start=1):
        if "noqa" not in whole.lower() or number in info.statements.in_string:
            continue
        inside, line = info.statements.comment_part(number, whole)
        found = lam_directive(line)
        if found is None:
            continue
        match, codes = found
        unused, unknown = [], []
        for code in codes:
            upper = code.upper()
            if not upper.startswith("LAM"):
                continue  # another tool's code
            if not any(c.startswith(upper) for c in CATALOG_CODES):
                unknown.append(upper)
            elif upper not in used.get((path, number), ()):
                unused.append(upper)
        if not unused and not unknown:
            continue
        parts = []
        if unused:
            parts.append("unused: " + ", ".join(f"`{c}`" for c in unused))
        if unknown:
            parts.append("unknown: " + ", ".join(f"`{c}`" for c in unknown))
        new_line = inside + without_codes(line, set(unused) | set(unknown))
        fix = Fix(description="Remove the unused codes from the `noqa` comment", safety="safe",
                  edits=[Edit(number, 1, number, len(whole) + 1, new_line)])
        column = len(inside) + match.start() + 1
        out.append(Diagnostic(path, number, column, number, len(inside) + match.end() + 1, "LAM003", "unused-noqa",
                              f"unused `noqa` directive ({'; '.join(parts)})",
                              "Remove the codes that silence nothing; the next real finding on this line would be hidden.",
                              fix))
    return out


# -- --add-noqa ------------------------------------------------------------------------------
@dataclass
class NoqaReport:
    added: int = 0  # lines changed
    unplaced: Dict[str, int] = field(default_factory=dict)  # reason -> findings


def add_noqa_comments(result: CheckResult) -> NoqaReport:
    """Add ``# noqa: CODE`` for every finding it can place; say how many it could not, and why.

    Python: on the finding's line, or on the last line of its statement when the
    line cannot hold a comment (inside a multi-line string, a backslash
    continuation). Templates, Terraform, TOML: a ``#`` comment on the line that
    names the handler (LAM002). JSON and TypeScript have no ``#`` comments.
    """
    from ..fixes.writing import write_text_preserving

    report = NoqaReport()
    by_file: Dict[str, Dict[int, List[str]]] = {}
    for diag in result.diagnostics:
        if diag.code == "LAM001":
            continue  # a file that does not parse is fixed, not silenced
        by_file.setdefault(diag.path, {}).setdefault(diag.line, []).append(diag.code)
    for path, lines_codes in by_file.items():
        count = sum(len(codes) for codes in lines_codes.values())
        reason = _no_comments(path)
        if reason:
            report.unplaced[reason] = report.unplaced.get(reason, 0) + count
            continue
        data = result.project.data(os.path.abspath(path)) if result.project else None
        if not isinstance(data, bytes):
            report.unplaced["the file could not be read"] = report.unplaced.get("the file could not be read", 0) + count
            continue
        try:
            text, encoding = _decode(data)
        except (SyntaxError, UnicodeDecodeError, LookupError):
            report.unplaced["the file could not be decoded"] = report.unplaced.get("the file could not be decoded", 0) + count
            continue
        lines = text.splitlines(keepends=True)
        statements = statement_lines(text) if path.endswith(".py") else Statements()
        ends = statements.ends
        targets: Dict[int, List[str]] = {}
        for line_no, codes in lines_codes.items():
            target = ends.get(line_no, line_no) if line_no in statements.in_string else line_no
            targets.setdefault(target, []).extend(codes)
        for line_no, codes in sorted(targets.items()):
            placed = False
            for candidate in dict.fromkeys((line_no, ends.get(line_no, line_no))):
                if not 0 < candidate <= len(lines) or candidate in statements.in_string:
                    continue
                inside, tail = statements.comment_part(candidate, lines[candidate - 1])
                new = add_noqa(tail, codes)
                if new != tail or all(matching_codes(tail, c) is not None for c in codes):
                    if new != tail:
                        lines[candidate - 1] = inside + new
                        report.added += 1
                    placed = True
                    break
            if not placed:
                why = "the line ends in a backslash continuation or an open string"
                report.unplaced[why] = report.unplaced.get(why, 0) + len(codes)
        new_text = "".join(lines)
        if new_text != text:
            root = result.project.root_of(path) if hasattr(result.project, "root_of") else getattr(result.project, "root", None)
            write_text_preserving(os.path.abspath(path), new_text, encoding, data, root)
    return report


def _no_comments(path: str) -> Optional[str]:
    lower = path.lower()
    if lower.endswith(".json"):
        return "JSON files have no comments"
    if lower.endswith(".ts"):
        return "TypeScript files take `//` comments, which lambda-lint does not read as noqa"
    if lower.endswith(".template"):
        try:
            with open(path, "rb") as fh:
                if fh.read(4096).lstrip().startswith(b"{"):
                    return "JSON files have no comments"
        except OSError:
            return "the file could not be read"
    return None


def _decode(data: bytes):
    import io
    import tokenize

    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding), encoding
