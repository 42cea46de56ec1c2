"""``lambda-lint check --fix`` and ``--diff``: apply the fixes the diagnostics carry.

The fixes of one check are computed against the files as they are, so only
fixes that do not touch the same lines can be applied together. The fixer
therefore works in rounds, all in memory:

1. check the project (reading the files' current, in-memory text);
2. per file, take the applicable fixes in report order, skipping one that
   touches (or is next to) lines an earlier one of this round changes, and
   one marked exclusive (it adds module-level names or imports) unless it is
   the only one; apply their edits and keep the result only if it parses;
3. repeat until no applicable fix is left, nothing changes, or
   :data:`MAX_ROUNDS` rounds have run.

Then ``--fix`` writes each changed file once (atomically, keeping its
permissions, encoding, BOM and line endings), checks again from disk and
reports what remains; ``--diff`` prints a unified diff and writes nothing.
"""
from __future__ import annotations

import dataclasses
import difflib
import io
import os
import tokenize
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from .engine import CheckResult, check, display_path
from ..fixes.common import compiles, parses
from ..fixes.edits import apply_edits, line_spans, overlaps, split_lines

MAX_ROUNDS = 20


@dataclass
class FileState:
    path: str  # absolute
    original: bytes
    encoding: str
    original_text: str
    text: str
    seen: set = field(default_factory=set)
    applied: list = field(default_factory=list)  # the diagnostics whose fixes were applied
    must_compile: bool = True

    @property
    def changed(self) -> bool:
        return self.text != self.original_text

    def encoded(self) -> bytes:
        data = self.text.encode(self.encoding)
        if self.original.startswith(b"\xef\xbb\xbf") and not data.startswith(b"\xef\xbb\xbf"):
            data = b"\xef\xbb\xbf" + data
        return data


@dataclass
class FixRun:
    """What the rounds produced: the final check (in memory) and every file's state."""

    result: CheckResult
    files: Dict[str, FileState]
    rounds: int
    failures: List[str] = field(default_factory=list)

    @property
    def applied(self) -> list:
        out = []
        for state in self.files.values():
            if state.changed:
                out.extend(state.applied)
        return out


def applicable(diagnostic, unsafe: bool) -> bool:
    fix = diagnostic.fix
    return fix is not None and bool(fix.edits) and (fix.safety == "safe" or unsafe)


def decode(data: bytes):
    """(text, encoding) of a Python file: PEP 263 cookie or BOM, else UTF-8 (as libcst reads it)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding), encoding


def in_memory(options, files: Dict[str, FileState]):
    """``options`` that make the check read the fixed (not yet written) text of ``files``."""
    contents = {path: state.encoded() for path, state in files.items() if state.changed}
    return dataclasses.replace(options, contents=contents)


def analyse(paths, config, options) -> CheckResult:
    from .suppress import apply_suppressions

    result = check(paths, config, options)
    apply_suppressions(result, config)
    return result


def _state(files: Dict[str, FileState], result: CheckResult, path: str) -> Optional[FileState]:
    state = files.get(path)
    if state is not None:
        return state
    data = result.project.data(path) if result.project is not None else None
    if not isinstance(data, bytes):
        return None
    try:
        text, encoding = decode(data)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return None
    state = FileState(path, data, encoding, text, text, must_compile=compiles(text))
    state.seen.add(text)
    files[path] = state
    return state


def _round(state: FileState, diagnostics: list, failed: set) -> list:
    """Apply this round's fixes to ``state``; returns the diagnostics fixed.

    Every fix was checked on its own when it was computed; the merged text is
    checked once more as a whole. If that fails, the fixes are tried one by
    one (the first that works is kept), and the ones that fail are not tried
    again.
    """
    chosen, taken = [], []
    for d in diagnostics:
        fix = d.fix
        if _key(d) in failed:
            continue
        exclusive = getattr(fix, "exclusive", False)
        if chosen and (exclusive or any(getattr(c.fix, "exclusive", False) for c in chosen)):
            continue
        if overlaps(fix.edits, taken):
            continue
        chosen.append(d)
        taken.extend(line_spans(fix.edits))
    if not chosen:
        return []
    new_text = _apply(state, chosen)
    if new_text is None:
        for d in chosen:
            new_text = _apply(state, [d])
            if new_text is not None:
                chosen = [d]
                break
            failed.add(_key(d))
        else:
            return []
    state.text = new_text
    state.seen.add(new_text)
    state.applied.extend(chosen)
    return chosen


def _key(diagnostic) -> tuple:
    return (diagnostic.code, diagnostic.fix.description, tuple(diagnostic.fix.edits))


def _apply(state: FileState, diagnostics: list) -> Optional[str]:
    """The text with these fixes applied, or None when it does not parse or was seen before (a cycle)."""
    try:
        text = apply_edits(state.text, [e for d in diagnostics for e in d.fix.edits])
    except ValueError:
        return None
    if text == state.text or text in state.seen or not parses(text, state.must_compile):
        return None
    return text


def fix_rounds(paths, config, options, unsafe: bool) -> FixRun:
    """Run the rounds in memory; nothing is written."""
    # In this process and without the result cache: the text being fixed lives only here.
    options = dataclasses.replace(options, jobs=1, use_cache=False) if dataclasses.is_dataclass(options) else options
    files: Dict[str, FileState] = {}
    failed: set = set()
    rounds = 0
    failures = []
    result = analyse(paths, config, in_memory(options, files))
    while rounds < MAX_ROUNDS:
        by_file: Dict[str, list] = {}
        for d in result.diagnostics:
            if applicable(d, unsafe):
                by_file.setdefault(os.path.abspath(d.path), []).append(d)
        progress = False
        for path, diagnostics in by_file.items():
            state = _state(files, result, path)
            if state is None:
                continue
            current = result.project.data(path) if result.project is not None else None
            expected = state.encoded() if state.changed else state.original
            if isinstance(current, bytes) and current != expected:
                # The check did not read our text: stop rather than apply edits to the wrong text.
                failures.append(f"{display_path(path)}: could not re-read the fixed text; stopped fixing it")
                continue
            if _round(state, diagnostics, failed):
                progress = True
        if not progress:
            break
        rounds += 1
        result = analyse(paths, config, in_memory(options, files))
    return FixRun(result, files, rounds, failures)


def unified_diff(state: FileState) -> str:
    name = display_path(state.path).replace(os.sep, "/")
    old = split_lines(state.original_text)
    new = split_lines(state.text)
    out = []
    for line in difflib.unified_diff(old, new, f"a/{name}", f"b/{name}"):
        if not line.endswith(("\n", "\r")):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)


def final_parses(state: FileState) -> bool:
    return parses(state.text, state.must_compile)
