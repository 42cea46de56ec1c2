"""The human formats: full text (the default), concise, and `--statistics`.

Modelled on Ruff's output: a header line per diagnostic, "[*]" where `--fix`
would fix it, a help line, the source with carets on a terminal, and a summary.
"""
from __future__ import annotations

from collections import Counter
from typing import Callable, Optional

FIX_COMMAND = "lambda-lint check --fix"

BOLD = "1"
RED = "31"
GREEN = "32"
BLUE = "34"
CYAN = "36"


class Style:
    """ANSI styling that is a no-op when color is off, so callers need no branches."""

    def __init__(self, color: bool):
        self.color = color

    def __call__(self, text: str, *codes: str) -> str:
        if not self.color or not codes or not text:
            return text
        return f"\x1b[{';'.join(codes)}m{text}\x1b[0m"


def plural(count: int, word: str = "error") -> str:
    if count == 1:
        return f"{count} {word}"
    return f"{count} {word}es" if word.endswith("x") else f"{count} {word}s"


def fix_applies(diagnostic, unsafe_fixes: bool) -> bool:
    """Whether `--fix` (with the current `--unsafe-fixes` setting) would apply this fix."""
    fix = diagnostic.fix
    return fix is not None and (fix.safety == "safe" or unsafe_fixes)


def header(diagnostic, style: Style, unsafe_fixes: bool) -> str:
    location = f"{style(diagnostic.path, BOLD)}:{diagnostic.line}:{diagnostic.column}:"
    marker = f" {style('[*]', CYAN)}" if fix_applies(diagnostic, unsafe_fixes) else ""
    return f"{location} {style(diagnostic.code, BOLD, RED)}{marker} {diagnostic.message}"


def source_snippet(diagnostic, lines: Optional[list], style: Style) -> list:
    """The offending source line with carets under the reported range (empty if unknown)."""
    if not lines or not 1 <= diagnostic.line <= len(lines):
        return []
    source = lines[diagnostic.line - 1].rstrip("\r\n")
    start = max(diagnostic.column - 1, 0)
    if start > len(source):
        return []
    end = diagnostic.end_column - 1 if diagnostic.end_line == diagnostic.line else len(source)
    end = max(min(end, len(source)), start + 1)
    # Keep tabs in the padding so the carets line up with what the terminal shows.
    padding = "".join("\t" if ch == "\t" else " " for ch in source[:start])
    number = str(diagnostic.line)
    gutter = style(" " * len(number) + " |", BOLD, BLUE)
    return [
        gutter,
        f"{style(number + ' |', BOLD, BLUE)} {source}",
        f"{gutter} {padding}{style('^' * (end - start), BOLD, RED)}",
        gutter,
    ]


def help_line(diagnostic, style: Style) -> list:
    if not diagnostic.suggestion:
        return []
    return [f"  {style('help:', BOLD, CYAN)} {diagnostic.suggestion}"]


def fix_hint(diagnostics: list, style: Style, unsafe_fixes: bool) -> list:
    """Ruff's "[*] N fixable ..." line, mentioning hidden unsafe fixes."""
    applicable = [d for d in diagnostics if fix_applies(d, unsafe_fixes)]
    hidden = sum(1 for d in diagnostics if d.fix is not None and not fix_applies(d, unsafe_fixes))
    command = FIX_COMMAND
    if any(d.fix.safety != "safe" for d in applicable):
        command += " --unsafe-fixes"
    hidden_note = f"{plural(hidden, 'hidden fix')} can be enabled with `--unsafe-fixes`"
    if applicable and hidden:
        return [f"{style('[*]', CYAN)} {len(applicable)} fixable with `{command}` ({hidden_note})."]
    if applicable:
        return [f"{style('[*]', CYAN)} {len(applicable)} fixable with `{command}`."]
    if hidden:
        return [f"No fixes available ({hidden_note})."]
    return []


def fixed_lines(fixed: int, show_fixes: Optional[list]) -> list:
    """What `--fix` did: a count, or with `--show-fixes` the fixed codes per file."""
    if show_fixes:
        count = fixed or len(show_fixes)
        lines = [f"Fixed {plural(count)}:"]
        by_path: dict = {}
        for d in show_fixes:
            by_path.setdefault(d.path, Counter())[(d.code, d.name)] += 1
        for path in sorted(by_path):
            lines.append(f"- {path}:")
            for (code, name), n in sorted(by_path[path].items()):
                lines.append(f"    {n} x {code} ({name})")
        return lines + [""]
    if fixed:
        return [f"Fixed {plural(fixed)}."]
    return []


def summary(diagnostics: list, style: Style, fixed: int, show_fixes, unsafe_fixes: bool) -> list:
    lines = fixed_lines(fixed, show_fixes)
    if diagnostics:
        lines.append(f"Found {plural(len(diagnostics))}.")
        lines.extend(fix_hint(diagnostics, style, unsafe_fixes))
    else:
        lines.append(style("All checks passed!", BOLD, GREEN))
    return lines


def render_text(
    diagnostics: list,
    *,
    color: bool = False,
    read_lines: Optional[Callable[[str], Optional[list]]] = None,
    fixed: int = 0,
    show_fixes: Optional[list] = None,
    unsafe_fixes: bool = False,
    quiet: bool = False,
) -> str:
    style = Style(color)
    if quiet:  # -q: one line per finding, nothing else (decided per finding, whatever its path holds)
        return "\n".join(header(d, style, unsafe_fixes) for d in diagnostics)
    # Source snippets are for terminals only: in a log or a pipe they are noise.
    show_source = read_lines is not None and color
    lines = []
    for d in diagnostics:
        lines.append(header(d, style, unsafe_fixes))
        if show_source:
            lines.extend(source_snippet(d, read_lines(d.path), style))
        lines.extend(help_line(d, style))
        lines.append("")
    lines.extend(summary(diagnostics, style, fixed, show_fixes, unsafe_fixes))
    return "\n".join(lines)


def render_concise(
    diagnostics: list,
    *,
    color: bool = False,
    fixed: int = 0,
    show_fixes: Optional[list] = None,
    unsafe_fixes: bool = False,
    quiet: bool = False,
) -> str:
    style = Style(color)
    lines = [header(d, style, unsafe_fixes) for d in diagnostics]
    if not quiet:
        lines.extend(summary(diagnostics, style, fixed, show_fixes, unsafe_fixes))
    return "\n".join(lines)


def statistics(diagnostics: list, fmt: str = "text", unsafe_fixes: bool = False) -> str:
    """Like `ruff --statistics`: count, code, "[*]" when any has a fix, name; most frequent first.

    ``fmt="json"``: Ruff's JSON statistics, a list of {code, name, count, fixable}.
    """
    counts = Counter(d.code for d in diagnostics)
    names = {}
    fixable = set()
    for d in diagnostics:
        names.setdefault(d.code, d.name)
        if d.fix is not None and (fmt != "json" or fix_applies(d, unsafe_fixes)):
            fixable.add(d.code)
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if fmt == "json":
        import json

        return json.dumps([{"code": code, "name": names[code], "count": n, "fixable": code in fixable}
                           for code, n in rows], indent=2)
    if not counts:
        return ""
    count_width = max(len(str(n)) for n in counts.values())
    code_width = max(len(code) for code in counts)
    lines = []
    for code, n in rows:
        # Ruff pads unfixable rows with "[ ]" once any row is fixable, to keep names aligned.
        marker = "[*] " if code in fixable else ("[ ] " if fixable else "")
        lines.append(f"{n:>{count_width}}\t{code:<{code_width}}\t{marker}{names[code]}")
    return "\n".join(lines)
