"""Text edits from a before/after pair of source texts, and applying them back.

A fix is a libcst transformation; what the JSON output and ``--fix`` need are
text edits. They are computed line by line (difflib): one :class:`Edit` per
changed hunk, replacing whole lines. Positions are 1-based and the end is
exclusive, so a hunk that replaces lines 3 and 4 is ``(3, 1) .. (5, 1)`` and a
pure insertion before line 7 is the empty range ``(7, 1) .. (7, 1)``.
"""
from __future__ import annotations

import difflib
import re
from typing import Iterable, List, Sequence

from ..diagnostics import Edit

# Python's own line ends (str.splitlines also splits on \x0c, \x1c, \u2028...,
# which the tokenizer does not treat as line ends).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def split_lines(text: str) -> List[str]:
    """The lines of ``text``, each with its line end (the last one may have none)."""
    return _LINE.findall(text)


def _end_of(lines: Sequence[str], index: int) -> tuple:
    """The position just after line ``index`` (0-based, exclusive) of ``lines``."""
    if index < len(lines) or not lines or lines[-1].endswith(("\n", "\r")):
        return (index + 1, 1)
    # The old text ends without a line end: the range ends at the end of its last line.
    return (len(lines), len(lines[-1]) + 1)


def compute_edits(old: str, new: str) -> List[Edit]:
    """Line-based edits that turn ``old`` into ``new`` (empty when they are equal)."""
    if old == new:
        return []
    a, b = split_lines(old), split_lines(new)
    edits = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        start = (i1 + 1, 1) if i1 < len(a) or not a or a[-1].endswith(("\n", "\r")) else _end_of(a, i1)
        end = _end_of(a, i2) if i2 > i1 else start
        edits.append(Edit(start[0], start[1], end[0], end[1], "".join(b[j1:j2])))
    return edits


def _offset(starts: Sequence[int], length: int, line: int, column: int) -> int:
    if line - 1 >= len(starts):
        return length
    return min(starts[line - 1] + column - 1, length)


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply edits that were all computed against ``text`` (they must not overlap)."""
    lines = split_lines(text)
    starts, pos = [], 0
    for line in lines:
        starts.append(pos)
        pos += len(line)
    spans = []
    for e in edits:
        begin = _offset(starts, len(text), e.line, e.column)
        end = _offset(starts, len(text), e.end_line, e.end_column)
        spans.append((begin, end, e.content))
    spans.sort(key=lambda s: (s[0], s[1]))
    for (b1, e1, _), (b2, _e2, _c) in zip(spans, spans[1:]):
        if b2 < e1:
            raise ValueError("overlapping edits")
    out = text
    for begin, end, content in reversed(spans):
        out = out[:begin] + content + out[end:]
    return out


def line_spans(edits: Iterable[Edit]) -> List[tuple]:
    """(first, last) line numbers each edit touches, inclusive; an insertion touches its line."""
    return [(e.line, max(e.end_line, e.line)) for e in edits]


def overlaps(edits: Iterable[Edit], taken: Iterable[tuple]) -> bool:
    """True when an edit touches, or is next to, a line range in ``taken``.

    Edits that are merely adjacent count as overlapping: two insertions at the
    same place, or an insertion right before a replaced line, would otherwise
    depend on the order they are applied in.
    """
    taken = list(taken)
    for first, last in line_spans(edits):
        for t_first, t_last in taken:
            if first <= t_last and t_first <= last:
                return True
    return False
