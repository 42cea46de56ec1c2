"""Reading and parsing one file, turning every failure into a reason (never a traceback).

Hostile input is the normal case for a linter in CI: generated modules of many
megabytes, vendored Python 2, broken merges, binary files named ``*.py``,
special files, links that point nowhere. What keeps the process alive:

* :func:`read_bytes` reads only regular files, never more than
  :data:`MAX_FILE_BYTES` (a FIFO or ``/dev/zero`` behind a ``.py`` name would
  block or fill memory), and turns every OS error into a :class:`ParseFailure`.
* :func:`scan` estimates, in one linear pass over the text, an upper bound of
  the depth of the syntax tree libcst would build. libcst's native parser
  recurses on the machine stack (deep nesting overflows it: a segfault, not an
  exception), and its visitors, ours and the rules' walks recurse in Python
  (RecursionError). A file whose bound exceeds :data:`MAX_NESTING` is reported,
  not parsed. ``tests/test_fuzz.py`` checks that the bound holds.
* Large files are parsed in chunks of whole top-level statements, which are
  then joined into one Module that renders to exactly the original text:
  libcst's peak memory grows with the size of what it parses at once (about
  1 GB per MB of source), the joined tree's only with the file's size.

Parsing runs on a thread with a large stack, so that a native recursion the
estimate did not foresee has room instead of crashing the process. Every tree
is checked to render back to exactly the file's text: positions (and so every
finding and fix) are computed by rendering, and libcst misreads a few valid
files (a line holding only a backslash puts everything after it one line off);
those are reported, not analysed. See docs/robustness.md.
"""
from __future__ import annotations

import ast
import codecs
import errno
import gc
import io
import os
import re
import stat
import sys
import threading
import tokenize
import warnings
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple, Union

import libcst as cst

from .gcpause import after_parse

# The largest depth of syntax tree (as estimated by :func:`scan`, in tree levels)
# that is parsed. libcst's visitors use about three Python frames per level and
# Python's default recursion limit is 1000; what is left is for the caller's own
# frames (pytest, flake8, the CLI) and for walks that recurse more per level.
MAX_NESTING = 200
MAX_FILE_BYTES = 50 * 1024 * 1024
# libcst holds about 2 KB per token while it parses; one top-level statement
# (which cannot be split) with more tokens than this is reported, not parsed.
MAX_STATEMENT_TOKENS = 300_000
# Above this size a module is parsed in chunks of about CHUNK_BYTES.
CHUNK_THRESHOLD = 256 * 1024
CHUNK_BYTES = 64 * 1024
# Stack of the parsing thread: virtual memory, only touched pages are used.
PARSER_STACK_BYTES = 256 * 1024 * 1024

# Tree levels the estimate charges: a statement's own nodes (statement line,
# small statement, target or value, whitespace below the leaves), each indented
# block (block, and the clause for else/except/finally), each bracket (the
# element, argument or index node inside; the call, subscript or container node
# itself is charged as a link of the chain it is in).
STATEMENT_LEVELS = 8
BLOCK_LEVELS = 2
CLAUSE_LEVELS = 3
BRACKET_LEVELS = 2
LAMBDA_LEVELS = 3  # Lambda, Parameters, Param (whose default can nest further)
# libcst's parser takes time exponential in the bracket nesting of a match
# pattern (about twice as long per level; five times for mapping patterns) and
# of a parenthesized ``del`` target (twice as long per level): such statements
# with more brackets than this are reported, not parsed.
MAX_PATTERN_NESTING = 6
MAX_BACKTRACKING_NESTING = {"case": MAX_PATTERN_NESTING, "del": 12}


@dataclass
class ParseFailure:
    """Why a file could not be analysed, and where (1-based line)."""

    reason: str
    line: int = 1


# -- reading -----------------------------------------------------------------------------------
def read_bytes(path: str) -> Union[bytes, ParseFailure]:
    """The file's bytes, or why it cannot be read. Only regular files are read."""
    try:
        info = os.stat(path)
    except OSError as exc:
        return _os_failure(path, exc)
    if stat.S_ISDIR(info.st_mode):
        return ParseFailure("is a directory, not a Python file")
    if not stat.S_ISREG(info.st_mode):
        return ParseFailure(f"is not a regular file ({_file_kind(info.st_mode)}); not read")
    if info.st_size > MAX_FILE_BYTES:
        return ParseFailure(_too_large(info.st_size))
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        return _os_failure(path, exc)
    try:
        info = os.fstat(fd)  # the file that was opened, not the one stat() saw
        if not stat.S_ISREG(info.st_mode):
            return ParseFailure(f"is not a regular file ({_file_kind(info.st_mode)}); not read")
        chunks = []
        size = 0
        while True:
            chunk = os.read(fd, 1024 * 1024)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_FILE_BYTES:
                return ParseFailure(_too_large(size))
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        return _os_failure(path, exc)
    finally:
        os.close(fd)


def _os_failure(path: str, exc: OSError) -> ParseFailure:
    code = exc.errno
    if code == errno.ENOENT:
        return ParseFailure("broken symbolic link" if os.path.islink(path) else "file not found")
    if code == errno.ELOOP:
        return ParseFailure("symbolic link loop")
    if code in (errno.EACCES, errno.EPERM) or isinstance(exc, PermissionError):
        return ParseFailure("permission denied")
    if code == errno.EISDIR:
        return ParseFailure("is a directory, not a Python file")
    if code == errno.ENOTDIR:
        return ParseFailure("file not found (a part of its path is not a folder)")
    return ParseFailure(f"cannot read file: {exc.strerror or exc}")


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "not a file"


def _too_large(size: int) -> str:
    return (f"file is too large to analyse ({size / (1024 * 1024):.1f} MB; "
            f"the limit is {MAX_FILE_BYTES // (1024 * 1024)} MB)")


_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"),
)


def decode(data: bytes) -> Union[str, ParseFailure]:
    """The text of a Python file (PEP 263 cookie or BOM, else UTF-8), or why it has none."""
    for bom, name in _WIDE_BOMS:
        if data.startswith(bom):
            return ParseFailure(f"file is {name} (it starts with a {name} byte order mark); Python source "
                                "must be UTF-8 or declare an ASCII-compatible encoding")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        return ParseFailure("file contains NUL bytes (binary, not Python source)", line)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        return ParseFailure(f"bad encoding declaration: {getattr(exc, 'msg', None) or exc}", _cookie_line(data))
    try:
        if not getattr(codecs.lookup(encoding), "_is_text_encoding", True):
            return ParseFailure(f"bad encoding declaration: {encoding!r} is not a text encoding", _cookie_line(data))
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return ParseFailure(f"cannot decode as {encoding}: invalid byte sequence", line)
    except (LookupError, TypeError, ValueError) as exc:
        return ParseFailure(f"cannot decode as {encoding}: {exc}", _cookie_line(data))


def _cookie_line(data: bytes) -> int:
    lines = data.splitlines()[:2]
    for number, line in enumerate(lines, 1):
        if b"coding" in line:
            return number
    return 1


def syntax_error_line(text: str) -> Optional[tuple]:
    """CPython's own verdict: (line, message) of the first syntax error, or None.

    Only called on text that :func:`scan` accepted (CPython's parser is not
    safe from deep nesting on every supported version either).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<lambda-lint>", "exec", ast.PyCF_ONLY_AST)
    except SyntaxError as exc:
        return (exc.lineno or 1, exc.msg or "invalid syntax")
    except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
        return (1, str(exc) or type(exc).__name__)
    return None


# -- the scan ----------------------------------------------------------------------------------
@dataclass
class Scan:
    """What one pass over the text found (see :func:`scan`)."""

    depth: int = 0  # upper bound of the libcst tree depth
    depth_offset: int = 0  # where it is reached
    tokens: int = 0  # most tokens in one unsplittable region (a top-level statement)
    tokens_offset: int = 0
    # Where the text can be cut into runs of whole top-level statements: just after
    # the newline that ends a statement followed (after any comments and blank
    # lines) by a new top-level statement.
    boundaries: List[int] = field(default_factory=list)
    first_indent: Optional[str] = None  # the first indentation (libcst's default_indent)
    clean: bool = True  # every string was terminated; boundaries can be trusted
    bracket_error: Optional[str] = None  # CPython's message for the first unbalanced bracket
    bracket_offset: int = 0
    over_offset: int = 0  # where the first statement deeper than the limit scanned for starts
    pattern_offset: int = -1  # where a statement deeper than MAX_BACKTRACKING_NESTING starts
    pattern_word: str = ""  # its keyword


_TOKEN = re.compile(
    r"""
    (?P<str>(?:(?<!\w)[rRbBuUfFtT]{1,2})?
        (?:'''[^'\\]*(?:(?:\\[\s\S]|'(?!''))[^'\\]*)*'''
          |\"\"\"[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*\"\"\"
          |'[^'\\\r\n]*(?:\\(?:\r\n|[\s\S])[^'\\\r\n]*)*'
          |"[^"\\\r\n]*(?:\\(?:\r\n|[\s\S])[^"\\\r\n]*)*"))
    |(?P<name>[^\W\d]\w*)
    |(?P<num>(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?\w*)
    |(?P<nl>\r\n|[\r\n])
    |(?P<cont>\\(?:\r\n|[\r\n]))
    |(?P<comment>\#[^\r\n]*)
    |(?P<open>[(\[{])
    |(?P<close>[)\]}])
    |(?P<sep>[,;])
    |(?P<flat>\.\.\.|(?:\*\*|//|>>|<<|[-+*/%@&|^:<>=!])=|->|[<>=:])
    |(?P<op>\*\*|//|<<|>>|[-+*/%@&|^~.])
    |(?P<other>\S)
    """,
    re.VERBOSE,
)
# Words that chain expressions into nested nodes: boolean and unary operators,
# conditional expressions, lambdas, awaits, comprehension clauses, yields.
_CHAIN_WORDS = frozenset({"and", "or", "not", "if", "else", "lambda", "await", "for", "yield", "from", "async"})
_CLAUSE_WORDS = frozenset({"else", "elif", "except", "finally"})
_WHITESPACE = re.compile(r"[ \t\f]*")
_PAIRS = {"(": ")", "[": "]", "{": "}"}
_UNCLOSED = frozenset("'\"\\")
_FIELD_LINK = re.compile(r"[-+*/%@&|^~.<>!]|(?<!\w)(?:and|or|not|if|else|lambda|await|for|yield|async)(?!\w)")


def _fstring_depth(token: str) -> int:
    """Levels inside the replacement fields of an f-string (or t-string) token: for each
    field, its links (operators, chaining words), brackets and nested fields."""
    if "{" not in token:
        return 0
    best = 0
    depth = deepest = 0
    field_start = 0
    i, n = 0, len(token)
    while i < n:
        c = token[i]
        if c == "{":
            if depth == 0:
                if token.startswith("{{", i):
                    i += 2
                    continue
                field_start = i
            depth += 1
            deepest = max(deepest, depth)
        elif c == "}" and depth:
            depth -= 1
            if depth == 0:
                best = max(best, _field_levels(token[field_start:i], deepest))
                deepest = 0
        i += 1
    if depth:
        best = max(best, _field_levels(token[field_start:], deepest))
    return best


def _field_levels(field: str, nested: int) -> int:
    brackets = field.count("(") + field.count("[")
    return len(_FIELD_LINK.findall(field)) + (1 + BRACKET_LEVELS) * brackets + BRACKET_LEVELS * nested


def _tab_width(indent: str) -> int:
    width = 0
    for c in indent:
        if c == "\t":
            width = (width // 8 + 1) * 8
        elif c == "\f":
            width = 0
        else:
            width += 1
    return width


def scan(text: str, limit: Optional[int] = None) -> Scan:
    """One pass over ``text``: an upper bound of the syntax tree's depth, and where
    top-level statements start (for chunked parsing).

    Strings and comments are skipped. A statement is as deep as its block
    (levels for every enclosing indented block, and one for every ``elif`` of an
    if-chain it is in: libcst nests each in the previous ``If``) plus its
    deepest comma-separated segment. A segment is at most as deep as the links
    in it plus its deepest bracket or f-string field, and a bracket as deep as
    its deepest segment plus the element, argument or index node around it.
    Links are what chains nodes one into the next: operators, dots, calls and
    subscripts, chaining keywords and adjacent strings (``1+1+1``, ``- - x``,
    ``a.b.c``, ``f()()``, ``'a' 'b'``, ``x if c else y``, ``not not x``).
    Comparisons and assignments are flat in libcst and are not links.
    """
    if limit is None:
        limit = MAX_NESTING
    result = Scan()
    # Per open bracket (index 0: the statement): links in its current segment,
    # the deepest bracket or f-string field in that segment, its deepest segment.
    links = [0]
    child = [0]
    inner = [0]
    opened: list = []  # (bracket, offset) of the open brackets
    levels = [0]  # the levels each open block charges
    indents = [0]  # indentation widths of the open blocks
    chains = [0]  # elifs of the current if-chain at each block level
    base = STATEMENT_LEVELS
    line_start = 0  # offset of the current physical line, while at the start of a logical one
    at_line_start = True
    line_word = ""  # first word of the current logical line
    statement = 0  # offset where the current logical line starts
    statement_end = 0  # offset just after the newline that ended the last logical line
    word = ""  # first word of the current statement (several on a line after ; or :)
    word_next = False  # the next name starts a statement
    prev_kind = ""  # kind of the previous significant token (for adjacent strings)
    region_start = 0
    region_tokens = 0
    decorated = False  # the previous top-level logical line was a decorator
    best = base
    best_offset = 0
    over_offset = -1

    def end_statement_segment() -> None:
        nonlocal best, best_offset, over_offset
        depth = base + links[0] + child[0]
        links[0] = child[0] = 0
        if depth > best:
            best, best_offset = depth, statement
            if over_offset < 0 and depth > limit:
                over_offset = statement

    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "nl":
            if len(links) == 1:
                end_statement_segment()
                if not at_line_start:
                    statement_end = match.end()
                at_line_start = True
                line_start = match.end()
                prev_kind = ""
            continue
        if kind == "comment" or kind == "cont":
            continue
        region_tokens += 1
        start = match.start()
        if at_line_start:
            at_line_start = False
            statement = start
            indent = text[line_start:start]
            if _WHITESPACE.fullmatch(indent) is None:
                indent = indent[: _WHITESPACE.match(indent).end()]
            width = _tab_width(indent)
            while width < indents[-1]:
                indents.pop()
                chains.pop()
                levels.pop()
            if width > indents[-1]:
                indents.append(width)
                chains.append(0)
                levels.append(CLAUSE_LEVELS if line_word in _CLAUSE_WORDS else BLOCK_LEVELS)
                if result.first_indent is None:
                    result.first_indent = indent
            line_word = match.group() if kind == "name" else ""
            word, word_next = line_word, False
            if line_word == "elif":
                chains[-1] += 1
            elif line_word != "else":
                chains[-1] = 0
            if width == 0 and start == line_start:
                if line_word not in _CLAUSE_WORDS and not decorated and start > 0:
                    if region_tokens - 1 > result.tokens:
                        result.tokens, result.tokens_offset = region_tokens - 1, region_start
                    result.boundaries.append(statement_end)
                    region_start, region_tokens = start, 1
                decorated = match.group() == "@"
            base = STATEMENT_LEVELS + sum(levels) + sum(chains)
        if word_next:
            word, word_next = (match.group() if kind == "name" else ""), False
        if kind == "name":
            name = match.group()
            if name in _CHAIN_WORDS:
                links[-1] += LAMBDA_LEVELS if name == "lambda" else 1
        elif kind == "str":
            if prev_kind == "str":
                links[-1] += 1
            prefix = match.group()[:2].lower()
            if "f" in prefix or "t" in prefix:
                field_depth = _fstring_depth(match.group())
                if field_depth > child[-1]:
                    child[-1] = field_depth
        elif kind == "op":
            links[-1] += 1
        elif kind == "open":
            links[-1] += 1  # a call or subscript nests one node more around what it follows
            links.append(0)
            child.append(0)
            inner.append(0)
            opened.append((match.group(), start))
            cap = MAX_BACKTRACKING_NESTING.get(word)
            if cap is not None and len(opened) > cap and result.pattern_offset < 0:
                result.pattern_offset, result.pattern_word = statement, word
            if len(opened) > limit:  # deeper than the limit whatever else follows
                result.depth = BRACKET_LEVELS * len(opened)
                result.depth_offset = result.over_offset = statement
                result.clean = False
                return result
        elif kind == "close":
            if len(links) > 1:
                depth = max(inner.pop(), links.pop() + child.pop())
                if BRACKET_LEVELS + depth > child[-1]:
                    child[-1] = BRACKET_LEVELS + depth
                bracket, _ = opened.pop()
                if _PAIRS[bracket] != match.group() and result.bracket_error is None:
                    result.bracket_error = (f"closing parenthesis '{match.group()}' does not match "
                                            f"opening parenthesis '{bracket}'")
                    result.bracket_offset = start
            elif result.bracket_error is None:
                result.bracket_error = f"unmatched '{match.group()}'"
                result.bracket_offset = start
        elif kind == "sep":
            if len(links) == 1:
                end_statement_segment()
                word_next = match.group() == ";"
            else:
                if links[-1] + child[-1] > inner[-1]:
                    inner[-1] = links[-1] + child[-1]
                links[-1] = child[-1] = 0
        elif kind == "flat":
            if len(links) == 1 and match.group() == ":":
                word_next = True
        elif kind == "other" and match.group() in _UNCLOSED:
            result.clean = False  # an unterminated string or a stray backslash
        prev_kind = kind
    if opened and result.bracket_error is None:
        result.bracket_error = f"'{opened[0][0]}' was never closed"
        result.bracket_offset = opened[0][1]
    while len(links) > 1:  # unclosed brackets: close them at the end
        depth = max(inner.pop(), links.pop() + child.pop())
        child[-1] = max(child[-1], BRACKET_LEVELS + depth)
    end_statement_segment()
    if region_tokens > result.tokens:
        result.tokens, result.tokens_offset = region_tokens, region_start
    result.depth, result.depth_offset = best, best_offset
    result.over_offset = over_offset if over_offset >= 0 else best_offset
    return result


def _line_at(text: str, offset: int) -> int:
    head = text[:offset]
    return head.count("\n") + head.count("\r") - head.count("\r\n") + 1


# -- parsing -----------------------------------------------------------------------------------
def parse(data: bytes) -> Union[cst.Module, ParseFailure]:
    """Parse file contents with libcst; the Module renders back to exactly ``data``."""
    text = decode(data)
    if isinstance(text, ParseFailure):
        return text
    try:
        found = scan(text)
    except (RecursionError, MemoryError):  # pragma: no cover - the scan is iterative
        return ParseFailure("cannot scan the file")
    if (found.depth > MAX_NESTING or found.tokens > MAX_STATEMENT_TOKENS) and found.bracket_error and found.clean:
        # Not Python anyway; an unclosed bracket also makes the rest of the file look deep.
        return ParseFailure(f"syntax error: {found.bracket_error}", _line_at(text, found.bracket_offset))
    if found.pattern_offset >= 0:
        what = "match pattern" if found.pattern_word == "case" else f"`{found.pattern_word}` statement"
        return ParseFailure(
            f"{what} nested too deeply to parse in reasonable time (more than "
            f"{MAX_BACKTRACKING_NESTING[found.pattern_word]} levels of brackets)",
            _line_at(text, found.pattern_offset),
        )
    if found.depth > MAX_NESTING:
        return ParseFailure(
            f"nested too deeply to analyse safely (about {found.depth} levels of blocks, brackets "
            f"and chained operators; the limit is {MAX_NESTING})",
            _line_at(text, found.over_offset),
        )
    if found.tokens > MAX_STATEMENT_TOKENS:
        return ParseFailure(
            f"statement too large to analyse ({found.tokens} tokens in one top-level statement; "
            f"the limit is {MAX_STATEMENT_TOKENS})",
            _line_at(text, found.tokens_offset),
        )
    try:
        outcome = _on_big_stack(_parse_text, data, text, found)
    except _ChunkMismatch as exc:
        line = _line_at(text, exc.args[0])
        return ParseFailure(
            f"libcst does not read line {line} back exactly (a libcst parser bug, e.g. a line holding only a "
            "backslash); not analysed, so that no finding or fix lands on the wrong line",
            line,
        )
    except _ChunkError as exc:
        # CPython's verdict on that chunk only: on a whole large file, CPython's
        # parser needs about 300 bytes of memory per byte of source.
        return _syntax_failure(text[exc.start:exc.end], exc.error, _line_at(text, exc.start) - 1)
    except cst.ParserSyntaxError as exc:
        return _syntax_failure(text, exc, 0)
    except RecursionError:
        return ParseFailure("too deeply nested to parse")
    except MemoryError:
        return ParseFailure("not enough memory to parse the file")
    except Exception as exc:  # libcst raises a handful of internal errors on odd input
        verdict = syntax_error_line(text)
        line = verdict[0] if verdict else 1
        reason = f"syntax error: {verdict[1]}" if verdict else f"cannot parse: {type(exc).__name__}: {exc}"
        return ParseFailure(_one_line(reason), line)
    return outcome


def _syntax_failure(text: str, error: cst.ParserSyntaxError, first_line: int) -> ParseFailure:
    """The failure for text libcst rejected (which starts on line ``first_line + 1``)."""
    verdict = syntax_error_line(text)
    if verdict is not None:
        return ParseFailure(f"syntax error: {verdict[1]}", first_line + verdict[0])
    # This Python compiles it: libcst's grammar differs (newer syntax, or a libcst bug).
    return ParseFailure(f"libcst cannot parse this file, though Python {sys.version_info[0]}."
                        f"{sys.version_info[1]} can: {_one_line(error.message)}", first_line + max(1, error.raw_line))


def _one_line(message: str) -> str:
    return " ".join(str(message).split())


def _on_big_stack(function: Callable, *args):
    """``function(*args)`` on a thread with a :data:`PARSER_STACK_BYTES` stack (in this
    thread if no such thread can be started); exceptions are raised here."""
    box: list = []

    def run() -> None:
        try:
            box.append((True, function(*args)))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            box.append((False, exc))

    try:
        previous = threading.stack_size(PARSER_STACK_BYTES)
    except (ValueError, RuntimeError, OverflowError):
        return function(*args)
    try:
        worker = threading.Thread(target=run, name="lambda-lint-parser", daemon=True)
        worker.start()
    except RuntimeError:
        return function(*args)
    finally:
        threading.stack_size(previous)
    worker.join()
    ok, value = box[0]
    if ok:
        return value
    raise value


def _parse_text(data: bytes, text: str, found: Scan) -> cst.Module:
    collect = gc.isenabled()
    gc.disable()  # millions of new, acyclic objects: collections would find nothing
    try:
        if len(data) >= CHUNK_THRESHOLD and found.boundaries:
            # Never parsed whole: even where the scan met something odd (an unterminated
            # string), each chunk is checked to render back to exactly its text.
            return parse_in_chunks(text, _chunks(text, found.boundaries), _encoding_of(data), found.first_indent)
        module = cst.parse_module(data)
        if _MAY_MISREAD.search(text):
            differs = _first_difference(module.code, text)
            if differs is not None:
                raise _ChunkMismatch(differs)
        return module
    finally:
        if collect:
            gc.enable()
            after_parse()  # the tree is out of the collector's sight until the check ends


# Where libcst's tree may not render back to the text (docs/robustness.md, "libcst
# round trip"): a line holding only a backslash (everything after it is read one
# line off); whitespace before the colon of ``except X :`` (dropped: the rest of
# the line moves left), looked for as any line ending in " :" and any ``except``
# line with " :"; and, to be safe, the layouts the tokenizers disagree most on (a
# lone "\r", a form feed). Files without any of these are parsed whole without the
# render-back check, which costs a third of the parse. 6,400 files of the standard
# library and site-packages and 7,000 fuzzed files hold no other misread file.
_MAY_MISREAD = re.compile(
    r"^[ \t\f]*\\(?:\r\n|\r|\n|\Z)"
    r"|[ \t\f]:[ \t\f]*(?:#[^\r\n]*)?$"
    r"|^[ \t\f]*except\b[^\r\n]*[ \t\f]:"
    r"|\r(?!\n)|\f",
    re.M,
)


def _common_prefix(a: str, b: str) -> int:
    """The length of the longest common prefix of ``a`` and ``b``."""
    low, high = 0, min(len(a), len(b))
    while low < high:  # bisection: slices compare in C
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _first_difference(rendered: str, text: str) -> Optional[int]:
    """Where the tree's rendering first differs from the text, or None when it does not
    differ before the end of the code (libcst loses some comment lines after the last
    statement, and a lone "\\r" ending the file; neither moves a position)."""
    if rendered == text:
        return None
    index = _common_prefix(rendered, text)
    if not text[index:].strip() and not rendered[index:].strip():
        return None
    line_start = max(text.rfind("\n", 0, index), text.rfind("\r", 0, index)) + 1
    if all(not line.strip() or line.lstrip().startswith("#") for line in text[line_start:].splitlines()):
        return None
    return index


def _encoding_of(data: bytes) -> str:
    # What libcst records for the module: the BOM's or cookie's codec, as tokenize names it.
    return tokenize.detect_encoding(io.BytesIO(data).readline)[0]


def _chunks(text: str, boundaries: List[int]) -> List[Tuple[int, int]]:
    """(start, end) spans of about CHUNK_BYTES, cut only where a top-level statement starts."""
    spans = []
    start = 0
    for cut in boundaries:
        if cut - start >= CHUNK_BYTES:
            spans.append((start, cut))
            start = cut
    spans.append((start, len(text)))
    return spans


def parse_in_chunks(text: str, spans: List[Tuple[int, int]], encoding: str = "utf-8",
                    indent: Optional[str] = None) -> cst.Module:
    """One Module from separately parsed spans of ``text`` (each a run of whole top-level
    statements); it renders to exactly ``text``.

    A span's comments and blank lines before its first statement (libcst puts them
    in the span's header) and after its last one (its footer) become leading lines
    of the next statement. Where a span's default indentation or newline (libcst
    detects them per parse) differs from the file's, the span's implicit ones are
    written out, so that rendering does not depend on the module's defaults.
    """
    body: list = []
    pending: list = []  # empty lines waiting for the next statement
    header: Optional[list] = None
    first: Optional[cst.Module] = None
    last: Optional[cst.Module] = None
    for start, end in spans:
        chunk = text[start:end]
        try:
            part = cst.parse_module(chunk)
        except cst.ParserSyntaxError as exc:
            raise _ChunkError(start, end, exc) from None
        # libcst does not count a lone "\r" at the very end as a trailing newline
        # (nor does it for a whole file); inside the joined module it is one.
        rendered = part if part.has_trailing_newline else part.with_changes(has_trailing_newline=True)
        if end < len(text):  # inside the file: exactly, or positions after it would move
            code = rendered.code if chunk.endswith(("\r", "\n")) else part.code
            if code != chunk:
                raise _ChunkMismatch(start + _common_prefix(code, chunk))
        else:
            differs = _first_difference(part.code, chunk)
            if differs is not None:
                raise _ChunkMismatch(start + differs)
        if first is None:
            first = part
        compound = any(isinstance(s, cst.BaseCompoundStatement) for s in part.body)
        if indent is None and compound:
            indent = part.default_indent
        wanted_indent = indent if indent is not None else first.default_indent
        if part.default_newline != first.default_newline or (part.default_indent != wanted_indent and compound):
            part = part.visit(_ExplicitLayout(part.default_indent, part.default_newline))
        if header is None:
            header = list(part.header)
        else:
            pending.extend(part.header)
        statements = list(part.body)
        if statements and pending:
            statements[0] = statements[0].with_changes(leading_lines=[*pending, *statements[0].leading_lines])
            pending = []
        body.extend(statements)
        pending.extend(part.footer)
        last = part
    assert first is not None and last is not None
    if not body:
        header = (header or []) + pending
        pending = []
    return cst.Module(
        body=body,
        header=header or [],
        footer=pending,
        encoding=encoding,
        default_indent=indent if indent is not None else first.default_indent,
        default_newline=first.default_newline,
        has_trailing_newline=last.has_trailing_newline,
    )


class _ChunkMismatch(Exception):
    """A tree does not render to its text (args[0]: the offset of the first difference)."""


class _ChunkError(Exception):
    """libcst rejected the chunk ``text[start:end]``."""

    def __init__(self, start: int, end: int, error: cst.ParserSyntaxError):
        super().__init__(start, end)
        self.start, self.end, self.error = start, end, error


class _ExplicitLayout(cst.CSTTransformer):
    """Writes out the indentation and newlines a parse left to the module's defaults."""

    def __init__(self, indent: str, newline: str):
        super().__init__()
        self.indent = indent
        self.newline = newline

    def leave_IndentedBlock(self, original_node, updated_node):
        return updated_node.with_changes(indent=self.indent) if updated_node.indent is None else updated_node

    def leave_Match(self, original_node, updated_node):
        return updated_node.with_changes(indent=self.indent) if updated_node.indent is None else updated_node

    def leave_Newline(self, original_node, updated_node):
        return updated_node.with_changes(value=self.newline) if updated_node.value is None else updated_node
