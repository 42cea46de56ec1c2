"""``# noqa`` comments: per line, and per file.

Per line, flake8/Ruff style: ``# noqa`` silences every diagnostic on the line,
``# noqa: LAM101, LAM2`` only those codes (prefixes allowed, commas or spaces
between them, NOQA in any case). Only a real comment counts: a ``# noqa``
inside a string literal on the line does not.

Per file: ``# lambda-lint: noqa: LAM101, LAM3`` on a line of its own. Unlike
flake8's ``# flake8: noqa``, the file-level form must name codes; a bare
``# lambda-lint: noqa`` silences nothing (the caller is expected to warn, see
:func:`bare_file_level_lines`), because silencing a whole file by accident
hides exactly the warm-invocation bugs this tool exists to find.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, List, Optional, Tuple

# A code as written in a noqa list: letters then digits (ours or another
# tool's, e.g. E501), or our bare "LAM" prefix.
_CODE = r"(?:[A-Za-z]+[0-9]+|LAM)\b"
_CODE_LIST = rf"{_CODE}(?:[\s,]+{_CODE})*"
LINE_NOQA = re.compile(rf"#\s*noqa\b(?:\s*:\s*(?P<codes>{_CODE_LIST}))?", re.IGNORECASE)
FILE_NOQA = re.compile(
    rf"^\s*#\s*lambda-lint\s*:\s*noqa\b(?:\s*:\s*(?P<codes>{_CODE_LIST}))?", re.IGNORECASE
)


def suppressed(line_text: str, code: str) -> bool:
    """Whether a ``# noqa`` comment on this line silences ``code``."""
    directive = _line_directive(line_text)
    if directive is None:
        return False
    _, codes = directive
    return codes is None or any(code.startswith(c) for c in codes)


def file_level_codes(text: str) -> Optional[set]:
    """The codes/prefixes named by ``# lambda-lint: noqa: ...`` lines of a file, None if there are none.

    A bare ``# lambda-lint: noqa`` names nothing and contributes nothing.
    """
    codes = set()
    for line in text.splitlines():
        match = FILE_NOQA.match(line)
        if match and match.group("codes"):
            codes.update(_split_codes(match.group("codes")))
    return codes or None


def bare_file_level_lines(text: str) -> List[int]:
    """1-based lines holding a ``# lambda-lint: noqa`` that names no code (worth a warning)."""
    return [
        number
        for number, line in enumerate(text.splitlines(), start=1)
        if (match := FILE_NOQA.match(line)) and not match.group("codes")
    ]


def is_file_suppressed(codes_or_prefixes: Optional[set], code: str) -> bool:
    """Whether file-level codes (from :func:`file_level_codes`) silence ``code``."""
    return any(code.startswith(c) for c in codes_or_prefixes or ())


def add_noqa(line_text: str, codes: Iterable[str]) -> str:
    """The line with a noqa comment covering ``codes``, for --add-noqa.

    Codes already covered (by the same code, a prefix, or a bare ``# noqa``) are
    not added again, so applying it twice changes nothing. New codes are merged
    into an existing noqa comment, otherwise ``  # noqa: ...`` is appended. The
    line ending is kept. Lines where a comment would change the code (a
    backslash continuation, an unterminated string) come back unchanged; the
    caller should pass the line where the statement ends.
    """
    body, ending = _split_ending(line_text)
    directive = _line_directive(body)
    wanted = sorted({c.strip().upper() for c in codes if c.strip()})
    if directive is not None:
        match, existing = directive
        if existing is None:
            return line_text
        missing = [c for c in wanted if not any(c.startswith(e) for e in existing)]
        if not missing:
            return line_text
        end = match.end("codes")
        return body[:end] + ", " + ", ".join(missing) + body[end:] + ending
    if not wanted:
        return line_text
    comment_start, open_string = _scan(body)
    code_part = body if comment_start is None else body[:comment_start]
    if open_string or code_part.rstrip().endswith("\\"):
        return line_text
    stripped = body.rstrip()
    separator = "  " if stripped else ""
    return stripped + separator + "# noqa: " + ", ".join(wanted) + ending


def _line_directive(line_text: str) -> Optional[Tuple[re.Match, Optional[set]]]:
    """The noqa match in the line's comment and its codes (None = all codes), or None."""
    comment_start, _ = _scan(line_text)
    if comment_start is None:
        return None
    match = LINE_NOQA.search(line_text, comment_start)
    if match is None:
        return None
    if match.group("codes"):
        return match, set(_split_codes(match.group("codes")))
    return match, None


def _split_codes(codes: str) -> List[str]:
    return [c.upper() for c in re.split(r"[\s,]+", codes.strip()) if c]


def _split_ending(line: str) -> Tuple[str, str]:
    for ending in ("\r\n", "\n", "\r"):
        if line.endswith(ending):
            return line[: -len(ending)], ending
    return line, ""


def _scan(line: str) -> Tuple[Optional[int], bool]:
    """(index of the '#' starting the line's comment or None, whether a string is left open).

    A quote-aware scan of one line: enough to tell a comment from a '#' inside
    a string literal, without tokenizing the whole file.
    """
    quote = None  # the delimiter of the string we are in: ', ", ''' or """
    i = 0
    while i < len(line):
        char = line[i]
        if quote is None:
            if char == "#":
                return i, False
            if char in "'\"":
                quote = char * 3 if line.startswith(char * 3, i) else char
                i += len(quote)
                continue
        elif char == "\\":
            i += 2  # skip the escaped character (in raw strings too: r"\"" is one string)
            continue
        elif line.startswith(quote, i):
            i += len(quote)
            quote = None
            continue
        i += 1
    return None, quote is not None


def matching_codes(line_text: str, code: str) -> Optional[set]:
    """The directive codes on this line that silence ``code`` (empty for a bare ``# noqa``), or None."""
    directive = _line_directive(line_text)
    if directive is None:
        return None
    _, codes = directive
    if codes is None:
        return set()
    matched = {c for c in codes if code.startswith(c)}
    return matched or None


def lam_directive(line_text: str):
    """(match, [codes as written]) of a ``# noqa: ...`` naming codes on this line, or None."""
    directive = _line_directive(line_text)
    if directive is None or directive[1] is None:
        return None
    match = directive[0]
    return match, [c for c in re.split(r"[\s,]+", match.group("codes").strip()) if c]


def without_codes(line_text: str, drop: set) -> str:
    """The line with the codes in ``drop`` taken out of its noqa comment (the comment goes when empty)."""
    found = lam_directive(line_text)
    if found is None:
        return line_text
    match, codes = found
    kept = [c for c in codes if c.upper() not in drop]
    if kept:
        return line_text[: match.start("codes")] + ", ".join(kept) + line_text[match.end("codes"):]
    comment_start, _ = _scan(line_text)
    body, ending = _split_ending(line_text)
    rest = body[match.end():].strip()
    if comment_start == match.start():  # the comment starts with the directive
        code_part = body[:comment_start].rstrip()
        return code_part + (("  " if code_part else "") + rest if rest else "") + ending
    return body[: match.start()].rstrip() + ("  " + rest if rest else "") + ending


@dataclass
class Statements:
    """Where the statements of a file end, from the tokenizer (brackets, backslashes and
    triple-quoted strings told apart from what they contain)."""

    ends: dict = field(default_factory=dict)  # line -> last line of its statement, for multi-line statements
    in_string: set = field(default_factory=set)  # lines a multi-line string starts on or runs through
    tails: dict = field(default_factory=dict)  # last line of a multi-line string -> column where it ends

    def comment_part(self, line_no: int, line_text: str) -> Tuple[str, str]:
        """(the part of the line that is inside a string, the part where a comment can be)."""
        column = self.tails.get(line_no, 0)
        return line_text[:column], line_text[column:]


def statement_lines(text: str) -> Statements:
    """The statements of ``text``; a file that does not tokenize gives what was read before the error."""
    import io
    import tokenize

    found = Statements()
    start = None
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type in (tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT,
                              tokenize.ENCODING, tokenize.ENDMARKER):
                continue
            if start is None:
                start = token.start[0]
            if token.type == tokenize.STRING and token.end[0] > token.start[0]:
                found.in_string.update(range(token.start[0], token.end[0]))
                found.tails[token.end[0]] = max(found.tails.get(token.end[0], 0), token.end[1])
            if token.type == tokenize.NEWLINE:
                end = token.start[0]
                if end > start:
                    for line in range(start, end + 1):
                        found.ends[line] = end
                start = None
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return found
