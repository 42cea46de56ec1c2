"""Applying ``# noqa``, file-level directives and ``per-file-ignores`` to a check's result."""
from __future__ import annotations

import os

from .engine import CheckResult
from ..settings.selection import ignored_for_file
from ..settings.suppression import add_noqa, bare_file_level_lines, file_level_codes, is_file_suppressed, suppressed


def _text(result: CheckResult, path: str):
    data = result.project.data(os.path.abspath(path)) if result.project else None
    if not isinstance(data, bytes):
        return None
    return data.decode("utf-8", errors="replace")


def apply_suppressions(result: CheckResult, config) -> None:
    root = getattr(config, "root", None) or os.getcwd()
    per_file = getattr(config, "per_file_ignores", None) or {}
    kept = []
    texts = {}
    for diag in result.diagnostics:
        if diag.path not in texts:
            text = _text(result, diag.path)
            texts[diag.path] = (text, text.splitlines() if text is not None else [])
            if text is not None:
                for line in bare_file_level_lines(text):
                    result.warnings.append(
                        f"{diag.path}:{line}: `# lambda-lint: noqa` must name the codes it silences "
                        "(`# lambda-lint: noqa: LAM101`); it was ignored"
                    )
        text, lines = texts[diag.path]
        rel = os.path.relpath(os.path.abspath(diag.path), root).replace(os.sep, "/")
        if any(diag.code.startswith(p) for p in ignored_for_file(rel, per_file)):
            continue
        if text is not None and diag.code != "LAM001":
            if is_file_suppressed(file_level_codes(text), diag.code):
                continue
            if 0 < diag.line <= len(lines) and suppressed(lines[diag.line - 1], diag.code):
                continue
        kept.append(diag)
    result.diagnostics = kept


def add_noqa_comments(result: CheckResult) -> int:
    """Append ``# noqa: CODE`` to every reported line; returns how many lines changed."""
    from ..fixes.writing import write_text_preserving

    by_file = {}
    for diag in result.diagnostics:
        if diag.code in ("LAM001", "LAM002"):
            continue
        by_file.setdefault(diag.path, {}).setdefault(diag.line, []).append(diag.code)
    changed = 0
    for path, lines_codes in by_file.items():
        data = result.project.data(os.path.abspath(path))
        if not isinstance(data, bytes):
            continue
        text, encoding = _decode(data)
        lines = text.splitlines(keepends=True)
        for line_no, codes in lines_codes.items():
            if 0 < line_no <= len(lines):
                new = add_noqa(lines[line_no - 1], codes)
                if new != lines[line_no - 1]:
                    lines[line_no - 1] = new
                    changed += 1
        new_text = "".join(lines)
        if new_text != text:
            write_text_preserving(os.path.abspath(path), new_text, encoding, data, getattr(result.project, "root", None))
    return changed


def _decode(data: bytes):
    import io
    import tokenize

    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding), encoding
