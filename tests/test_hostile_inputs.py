"""Hostile inputs: what a linter meets in CI (generated code, vendored Python 2, broken
merges, binary files named ``*.py``, links to nowhere, special files, deep nesting).

For each input, ``lambda-lint check`` reports a one-line reason (LAM001 for a file,
an error line for a path or a configuration), keeps checking every other file
(a neighbour with a known LAM101 is always reported), never prints a traceback,
never dies of a signal, and exits with the documented code (0 clean, 1 findings,
2 usage/configuration/internal error). See docs/robustness.md.
"""
from __future__ import annotations

import builtins
import json
import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from lambda_lint import cli

from lambda_lint.analysis import sources

from lambda_lint.fixes import writing
from lambda_lint.run.engine import Options, check
from lambda_lint.run.files import Excluder, collect_files

HANDLER = b"def lambda_handler(event, context):\n    return 1\n"
NEIGHBOUR = b"_seen = []\n\n\ndef lambda_handler(event, context):\n    _seen.append(1)\n    return len(_seen)\n"
NEIGHBOUR_FINDING = ("neighbour.py", 5, "LAM101")
REPO = Path(__file__).resolve().parents[1]


# -- helpers -------------------------------------------------------------------------------------
def _env() -> dict:
    env = dict(os.environ)
    # Not a trailing os.pathsep: an empty entry is the working folder, and the
    # analysed project's sitecustomize.py would run at interpreter start.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    env.pop("NO_COLOR", None)
    return env


def run_cli(cwd: Path, *args: str, isolated: bool = True, timeout: float = 180):
    """``lambda-lint check --format json`` in a subprocess: (exit code, diagnostics, stderr)."""
    command = [sys.executable, "-m", "lambda_lint", "check", "--no-cache", "--format", "json"]
    if isolated:
        command.append("--isolated")
    proc = subprocess.run(command + list(args), cwd=cwd, capture_output=True, text=True, timeout=timeout, env=_env())
    assert proc.returncode >= 0, f"killed by signal {-proc.returncode}: {proc.stderr[-2000:]}"
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr[-3000:]
    diagnostics = json.loads(proc.stdout) if proc.stdout.strip() else []
    return proc.returncode, diagnostics, proc.stderr


def run_main(capsys, cwd: Path, *args: str):
    """``lambda-lint check --format json`` in this process: (exit code, diagnostics, stderr)."""
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        code = cli.main(["check", "--no-cache", "--isolated", "--format", "json", "-j", "1", *args])
    finally:
        os.chdir(previous)
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "Traceback" not in out, err
    return code, (json.loads(out) if out.strip() else []), err


def found(diagnostics) -> set:
    return {(d["path"].replace(os.sep, "/"), d["line"], d["code"]) for d in diagnostics}


def lam001(diagnostics, path: str):
    """The LAM001 diagnostics of ``path``."""
    return [d for d in diagnostics if d["code"] == "LAM001" and d["path"].replace(os.sep, "/") == path]


def write(root: Path, name: str, data: bytes) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write(tmp_path, "neighbour.py", NEIGHBOUR)
    return tmp_path


# -- the inputs --------------------------------------------------------------------------------------
def nested(depth: int, inner: str, wrapper: str) -> str:
    text = inner
    for _ in range(depth):
        text = wrapper.replace("@", text)
    return text


def handler_with(module_code: str) -> bytes:
    return (module_code + "\n\n\n").encode() + HANDLER


BACKSLASH_LINE = (b"import threading\n\n\ndef lambda_handler(event, context):\n    a = 1\n\\\n    b = 2\n"
                  b"    lines = [m for m in event]\n    threading.Thread(target=print).start()\n")


# (file name, contents, expected): expected is ("LAM001", part of the reason, line)
# for a file that cannot be analysed, or ("finding", code, line) for one that is.
UNREADABLE_TEXT = [
    ("invalid_utf8.py", HANDLER + b"name = 'caf\xe9'\n", ("LAM001", "cannot decode as utf-8", 3)),
    ("nul_bytes.py", HANDLER + b"x = 1\x00\n", ("LAM001", "NUL bytes", 3)),
    ("binary.py", b"\x89PNG\r\n\x1a\n" + HANDLER + bytes(range(256)), ("LAM001", "NUL bytes", 5)),
    ("unknown_cookie.py", b"# -*- coding: klingon -*-\n" + HANDLER, ("LAM001", "bad encoding declaration", 1)),
    ("bytes_codec_cookie.py", b"# coding: hex\n" + HANDLER, ("LAM001", "not a text encoding", 1)),
    ("bom_and_cookie.py", b"\xef\xbb\xbf# coding: latin-1\n" + HANDLER, ("LAM001", "bad encoding declaration", 1)),
    ("python2_print.py", HANDLER + b'print "x"\n', ("LAM001", "Missing parentheses in call to 'print'", 3)),
    ("python2_mixed.py", b"def lambda_handler(event, context):\n    print >>sys.stderr, `event`\n"
                         b"    if event <> 0777:\n        exec \"x = 1\"\n", ("LAM001", "syntax error", None)),
    ("tabs_and_spaces.py", b"def lambda_handler(event, context):\n    if event:\n\treturn 1\n        return 2\n",
     ("LAM001", "inconsistent use of tabs and spaces", 3)),
    ("merge_conflict.py", HANDLER + b"<<<<<<< HEAD\nx = 1\n=======\nx = 2\n>>>>>>> feature\n", ("LAM001", "syntax error", 3)),
    ("unterminated_string.py", HANDLER + b"x = 'abc\n", ("LAM001", "syntax error", 3)),
    ("unterminated_triple.py", HANDLER + b'x = """abc\n\ny = 1\n', ("LAM001", "syntax error", None)),
    ("unclosed_bracket.py", HANDLER + b"x = (1,\n" + b"    2 + 2 + 2 + 2 + 2 + 2 + 2 + 2,\n" * 5000,
     ("LAM001", "syntax error", None)),  # the message and line are CPython's, and differ by version
    ("stray_bracket.py", HANDLER + b"x = 1)\n", ("LAM001", "unmatched ')'", 3)),
    # Valid Python that libcst reads one line off: its positions (and fixes) would be wrong.
    ("backslash_line.py", BACKSLASH_LINE, ("LAM001", "libcst does not read line 6 back exactly", 6)),
]

ANALYSED = [
    ("latin1_cookie.py", b"# -*- coding: latin-1 -*-\n_names = []\nGREETING = 'h\xe9llo'\n\n\n"
                         b"def lambda_handler(event, context):\n    _names.append(GREETING)\n", ("finding", "LAM101", 7)),
    ("utf8_bom.py", b"\xef\xbb\xbf_cache = {}\n\n\ndef lambda_handler(event, context):\n    _cache['k'] += 1\n",
     ("finding", "LAM101", 5)),
    ("crlf.py", b"_items = []\r\n\r\n\r\ndef lambda_handler(event, context):\r\n    _items.append(1)\r\n",
     ("finding", "LAM101", 5)),
    ("lone_cr.py", b"_items = []\r\r\rdef lambda_handler(event, context):\r    _items.append(1)\r", ("finding", "LAM101", 5)),
    ("mixed_endings.py", b"_items = []\r\n\n\rdef lambda_handler(event, context):\n    _items.append(1)\r\n",
     ("finding", "LAM101", 5)),
    ("tabs_only.py", b"_items = []\n\n\ndef lambda_handler(event, context):\n\tif event:\n\t\t_items.append(1)\n",
     ("finding", "LAM101", 6)),
    ("no_final_newline.py", b"_items = []\n\n\ndef lambda_handler(event, context):\n    _items.append(1)",
     ("finding", "LAM101", 5)),
    ("form_feed.py", b"_items = []\n\x0c\n\ndef lambda_handler(event, context):\n    _items.append(1)\n",
     ("finding", "LAM101", 5)),
    # `except E, e:` is Python 2, and also valid Python 3.14 (PEP 758: catch E or e).
    # libcst reads it as the latter, so the file is analysed.
    ("python2_except.py", b"_items = []\n\n\ndef lambda_handler(event, context):\n    _items.append(1)\n"
                          b"    try:\n        pass\n    except ValueError, e:\n        pass\n", ("finding", "LAM101", 5)),
]

TOO_DEEP = [
    ("deep_parentheses.py", "x = " + nested(1000, "1", "(@)")),
    ("deep_lists.py", "x = " + nested(1000, "1", "[@]")),
    ("deep_dicts.py", "x = " + nested(1000, "1", "{1: @}")),
    ("deep_calls.py", "x = " + nested(1000, "1", "f(@)")),
    ("deep_ifs.py", "".join("    " * i + "if x:\n" for i in range(1000)) + "    " * 1000 + "pass"),
    ("deep_defs.py", "".join(" " * i + "def f():\n" for i in range(1000)) + " " * 1000 + "pass"),
    ("long_elif_chain.py", "if x:\n    pass\n" + "elif x:\n    pass\n" * 5000),
    ("plus_chain.py", "x = " + "+".join(["1"] * 100_000)),
    ("power_chain.py", "x = 2" + "**2" * 100_000),
    ("unary_chain.py", "x = " + "- " * 100_000 + "x"),
    ("not_chain.py", "x = " + "not " * 100_000 + "x"),
    ("invert_chain.py", "x = " + "~" * 100_000 + "x"),
    ("and_chain.py", "x = a" + " and a" * 100_000),
    ("attribute_chain.py", "x = a" + ".b" * 100_000),
    ("call_chain.py", "x = f" + "()" * 100_000),
    ("subscript_chain.py", "x = f" + "[0]" * 100_000),
    ("string_concatenation.py", "x = " + "'a' " * 100_000),
    ("conditional_chain.py", "x = " + "1 if x else " * 1000 + "1"),
    ("lambda_chain.py", "x = " + "lambda: " * 1000 + "1"),
    ("comprehension_chain.py", "x = [a " + "for a in b " * 1000 + "]"),
    ("fstring_field.py", "x = f'{" + "a." * 1000 + "b}'"),
    ("deep_match_pattern.py", "match x:\n    case " + nested(30, "a", "{1: @}") + ":\n        pass"),
    ("deep_del_target.py", "del " + nested(40, "a", "(@, b)")),
]


def _all_cases():
    cases = [(name, data, expected) for name, data, expected in UNREADABLE_TEXT + ANALYSED]
    for name, code in TOO_DEEP:
        cases.append((name, handler_with(code), ("LAM001", "too deeply", None)))
    return cases


def _check_expectation(diagnostics, name: str, expected) -> None:
    kind, what, line = expected
    mine = [d for d in diagnostics if d["path"].replace(os.sep, "/") == name]
    if kind == "LAM001":
        assert len(mine) == 1 and mine[0]["code"] == "LAM001", (name, mine)
        assert what in mine[0]["message"], (name, mine[0]["message"])
        assert "\n" not in mine[0]["message"]
        if line is not None:
            assert mine[0]["line"] == line, (name, mine[0])
    else:
        assert [(d["code"], d["line"]) for d in mine] == [(what, line)], (name, mine)


@pytest.mark.parametrize("name,data,expected", _all_cases(), ids=[c[0] for c in _all_cases()])
def test_each_hostile_file_is_reported_and_its_neighbour_still_checked(capsys, project, name, data, expected):
    write(project, name, data)
    started = time.monotonic()
    code, diagnostics, err = run_main(capsys, project)
    assert time.monotonic() - started < 60, name
    _check_expectation(diagnostics, name, expected)
    assert NEIGHBOUR_FINDING in found(diagnostics)
    assert code == 1, err
    assert "internal error" not in err


def test_all_hostile_files_at_once_in_a_subprocess(project):
    """The CLI process itself: no traceback, no signal, every reason, exit 1."""
    cases = _all_cases()
    for name, data, _ in cases:
        write(project, name, data)
    write(project, "empty.py", b"")
    code, diagnostics, err = run_cli(project)
    for name, _, expected in cases:
        _check_expectation(diagnostics, name, expected)
    assert not [d for d in diagnostics if d["path"] == "empty.py"]
    assert NEIGHBOUR_FINDING in found(diagnostics)
    assert code == 1, err
    assert err.strip() == "", err


def test_an_empty_file_is_clean(capsys, project):
    write(project, "empty.py", b"")
    write(project, "only_bom.py", b"\xef\xbb\xbf")
    code, diagnostics, _ = run_main(capsys, project)
    assert found(diagnostics) == {NEIGHBOUR_FINDING}
    assert code == 1
    assert isinstance(sources.parse(b""), sources.parse(b"x = 1\n").__class__)
    assert sources.parse(b"\xef\xbb\xbf").bytes == b"\xef\xbb\xbf"


# -- deep but allowed: analysed, and nothing recurses too far ---------------------------------------
DEEP_ALLOWED = {
    "parentheses": lambda d: "y = " + nested(d, "event", "(@)"),
    "lists": lambda d: "y = " + nested(d, "event", "[@]"),
    "calls": lambda d: "y = " + nested(d, "event", "f(@)"),
    "plus": lambda d: "y = event" + " + 1" * d,
    "unary": lambda d: "y = " + "-" * d + "event",
    "not": lambda d: "y = " + "not " * d + "event",
    "attributes": lambda d: "y = event" + ".a" * d,
    "call_chain": lambda d: "y = event" + "()" * d,
    "subscripts": lambda d: "y = event" + "[0]" * d,
    "strings": lambda d: "y = " + "'a' " * d,
    "conditional": lambda d: "y = " + "1 if event else " * d + "1",
    "lambda": lambda d: "y = " + "lambda: " * d + "event",
    "boolean": lambda d: "y = event" + " or event" * d,
    "ifs": lambda d: "".join("    " * i + "if event:\n" for i in range(d)) + "    " * d + "_seen.append(event)",
    "elifs": lambda d: "if event:\n    pass\n" + "elif event:\n    _seen.append(1)\n" * d,
    "mixed": lambda d: "y = " + nested(d, "event", "f(@.b[0] + -c if d else e)"),
}


def _deep_handler(body: str) -> str:
    return ("_seen = []\n\n\ndef f(x):\n    return x\n\n\ndef lambda_handler(event, context):\n"
            "    _seen.append(1)\n" + textwrap.indent(body, "    ") + "\n    return _seen\n")


def deepest_allowed(make) -> str:
    """The handler file with the deepest ``make(d)`` the depth pre-check accepts."""
    low, high = 1, 4 * sources.MAX_NESTING
    while low < high:
        mid = (low + high + 1) // 2
        if sources.scan(_deep_handler(make(mid))).depth <= sources.MAX_NESTING:
            low = mid
        else:
            high = mid - 1
    text = _deep_handler(make(low))
    assert sources.scan(text).depth <= sources.MAX_NESTING
    assert sources.scan(_deep_handler(make(low + 1))).depth > sources.MAX_NESTING
    return text


def _recurse(frames: int, function):
    return function() if frames <= 0 else _recurse(frames - 1, function)


@pytest.mark.parametrize("construct", sorted(DEEP_ALLOWED))
def test_deepest_allowed_nesting_is_analysed_without_recursion_errors(tmp_path, construct):
    """Just under the limit, a file is parsed and analysed by every rule, even with
    300 frames of the caller already on the stack (pytest, flake8...)."""
    write(tmp_path, "deep.py", deepest_allowed(DEEP_ALLOWED[construct]).encode())
    previous = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = _recurse(300, lambda: check(["."], None, Options()))
    finally:
        os.chdir(previous)
    assert not result.internal_errors, result.internal_errors
    codes = {(d.path, d.code) for d in result.diagnostics}
    assert ("deep.py", "LAM001") not in codes, [d.message for d in result.diagnostics]
    assert ("deep.py", "LAM101") in codes


def test_deep_inputs_never_kill_the_process(tmp_path):
    """Far beyond the limit, and just under it, in a fresh process: exit code, not a signal."""
    for name, code in TOO_DEEP:
        write(tmp_path, name, handler_with(code))
    for construct, make in DEEP_ALLOWED.items():
        write(tmp_path, f"allowed_{construct}.py", deepest_allowed(make).encode())
    write(tmp_path, "neighbour.py", NEIGHBOUR)
    code, diagnostics, err = run_cli(tmp_path)
    assert code == 1, err
    assert NEIGHBOUR_FINDING in found(diagnostics)
    for name, _ in TOO_DEEP:
        assert "too deeply" in lam001(diagnostics, name)[0]["message"]
    for construct in DEEP_ALLOWED:
        assert not lam001(diagnostics, f"allowed_{construct}.py"), construct
    assert "internal error" not in err


# -- big files ----------------------------------------------------------------------------------------
def generated_module(size: int) -> bytes:
    """A generated module of about ``size`` bytes that is also a handler (so it is parsed)."""
    parts = [b"# Generated file. Do not edit.\nimport json\n\n_seen = []\n\n\n"
             b"def lambda_handler(event, context):\n    _seen.append(1)\n    return TABLE_0.get(event.get('k'))\n\n\n"]
    total = len(parts[0])
    i = 0
    while total < size:
        rows = "".join(f"    'key_{i}_{j}': ({j}, 'value {j}', [{j}, {j + 1}, None], {{'n': {j}.5}}),\n" for j in range(40))
        chunk = (f"TABLE_{i} = {{\n{rows}}}\n\n\ndef helper_{i}(event, x={i}):\n    total = 0\n"
                 f"    for k, v in TABLE_{i}.items():\n        if v[0] > x and k.startswith('key'):\n"
                 f"            total += v[0] * 2 - 1\n    return {{'total': total, 'name': \"helper_{i}\"}}\n\n\n").encode()
        parts.append(chunk)
        total += len(chunk)
        i += 1
    return b"".join(parts)


def _peak_rss_mb(cwd: Path, *args: str):
    """(exit code, stdout, peak RSS in MB) of ``lambda-lint check`` in a fresh process."""
    wrapper = textwrap.dedent(
        """
        import resource, subprocess, sys
        proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)
        sys.stderr.write(proc.stderr)
        print(proc.returncode)
        print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        print(proc.stdout)
        """
    )
    command = [sys.executable, "-c", wrapper, sys.executable, "-m", "lambda_lint", "check", "--isolated",
               "--no-cache", "--format", "json", "-j", "1", *args]
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=_env(), timeout=3600)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    code, rss, out = proc.stdout.split("\n", 2)
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KB elsewhere
    return int(code), json.loads(out) if out.strip() else [], int(rss) // scale


def test_a_one_megabyte_generated_handler_is_parsed_in_chunks_in_bounded_memory(project):
    data = generated_module(1024 * 1024)
    write(project, "generated.py", data)
    started = time.monotonic()
    code, diagnostics, rss = _peak_rss_mb(project)
    elapsed = time.monotonic() - started
    assert code == 1
    assert ("generated.py", 8, "LAM101") in found(diagnostics)
    assert NEIGHBOUR_FINDING in found(diagnostics)
    # Parsed whole, libcst would peak at about 1 GB for this file; in chunks the
    # tree itself dominates (measured: about 150 MB). See docs/robustness.md.
    assert rss < 600, rss
    assert elapsed < 300, elapsed


@pytest.mark.skipif(not os.environ.get("LAMBDA_LINT_SLOW_TESTS"),
                    reason="takes minutes; set LAMBDA_LINT_SLOW_TESTS=1 (numbers in docs/robustness.md)")
def test_a_ten_megabyte_generated_handler(project):
    write(project, "generated.py", generated_module(10 * 1024 * 1024))
    started = time.monotonic()
    code, diagnostics, rss = _peak_rss_mb(project)
    elapsed = time.monotonic() - started
    print(f"10 MB generated module: {elapsed:.0f} s, peak RSS {rss} MB")
    assert code == 1
    assert ("generated.py", 8, "LAM101") in found(diagnostics)
    assert NEIGHBOUR_FINDING in found(diagnostics)
    assert rss < 2048, rss


def test_chunked_parse_renders_the_exact_text(monkeypatch):
    monkeypatch.setattr(sources, "CHUNK_THRESHOLD", 0)
    monkeypatch.setattr(sources, "CHUNK_BYTES", 1)
    texts = [
        b"import os\n\n\n# a comment\n\n@decorator\n# between\n@other(1)\ndef f():\n    pass\n    # trailing, indented\n"
        b"\n# trailing, top level\nif x:\n    pass\nelif y:\n    pass\nelse:\n    pass\ntry:\n    pass\nexcept E:\n"
        b"    pass\nfinally:\n    pass\nx = [1,\n  2]\n      # odd comment\n      # after a bracket\n\ny = 2 \\\n  + 3\n"
        b"class A:\n  def m(self):\n    return 1\n\n\n\n",
        b"def f():\n\treturn 1\ndef g():\n  return 2\ndef h():\n        return 3\n",  # three indentation styles
        b"x = 1\r\ny = 2\nz = 3\rdef f():\r\n    return 1\ndef g():\r    return 2\r",  # three newline styles
        b"\xef\xbb\xbfx = 1\ny = '\xc3\xa9'\n",
        b"# -*- coding: latin-1 -*-\nx = '\xe9'\ny = 2\n",
        b"x = 1\ny = 2",
        b"\n\n\n# only comments\n\n",
        b"x = '''\ny = 2\n'''\nz = 3\n",
        b"if x: pass\nelse: pass\nmatch p:\n    case [1, 2]:\n        pass\nz = 1\n",
    ]
    for data in texts:
        module = sources.parse(data)
        assert not isinstance(module, sources.ParseFailure), (data, module)
        whole = __import__("libcst").parse_module(data)
        # libcst drops a lone "\r" at the very end of a file, chunked or not
        assert module.bytes == whole.bytes == (data[:-1] if data.endswith(b"\r") else data), data
        assert (module.encoding, module.default_newline, module.has_trailing_newline) == (
            whole.encoding, whole.default_newline, whole.has_trailing_newline), data
        assert len(module.body) == len(whole.body)


def test_a_statement_with_too_many_tokens_is_reported_not_parsed(monkeypatch):
    monkeypatch.setattr(sources, "MAX_STATEMENT_TOKENS", 1000)
    failure = sources.parse(HANDLER + b"DATA = [" + b"1, " * 2000 + b"]\n")
    assert isinstance(failure, sources.ParseFailure)
    assert "statement too large" in failure.reason and failure.line == 3
    assert not isinstance(sources.parse(HANDLER + b"DATA = [" + b"1, " * 100 + b"]\n"), sources.ParseFailure)


def test_a_file_over_the_size_limit_is_not_read(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "MAX_FILE_BYTES", 100)
    path = write(tmp_path, "big.py", HANDLER * 10)
    failure = sources.read_bytes(str(path))
    assert isinstance(failure, sources.ParseFailure) and "too large" in failure.reason


# -- the file system ----------------------------------------------------------------------------------
def test_unreadable_file_with_chmod(capsys, project):
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("root reads files whatever their mode (test_unreadable_file_by_permission_error covers it)")
    path = write(project, "secret.py", HANDLER)
    path.chmod(0)
    try:
        code, diagnostics, err = run_main(capsys, project)
    finally:
        path.chmod(0o644)
    assert lam001(diagnostics, "secret.py")[0]["message"] == "permission denied"
    assert NEIGHBOUR_FINDING in found(diagnostics)
    assert code == 1


def test_unreadable_file_by_permission_error(capsys, project, monkeypatch):
    secret = str(write(project, "secret.py", HANDLER).resolve())
    real_open, real_os_open = builtins.open, os.open

    def deny(path, *args, **kwargs):
        if os.path.abspath(os.fspath(path)) == secret if isinstance(path, (str, bytes, os.PathLike)) else False:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(path, *args, **kwargs)

    def deny_os(path, *args, **kwargs):
        if os.path.abspath(os.fspath(path)) == secret:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_os_open(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", deny)
    monkeypatch.setattr(os, "open", deny_os)
    code, diagnostics, err = run_main(capsys, project)
    assert [d["message"] for d in lam001(diagnostics, "secret.py")] == ["permission denied"]
    assert NEIGHBOUR_FINDING in found(diagnostics)
    assert code == 1


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_broken_link_and_link_loop(capsys, project):
    os.symlink(str(project / "nowhere" / "target.py"), str(project / "broken.py"))
    os.symlink("loop_b.py", str(project / "loop_a.py"))
    os.symlink("loop_a.py", str(project / "loop_b.py"))
    code, diagnostics, err = run_main(capsys, project)
    assert lam001(diagnostics, "broken.py")[0]["message"] == "broken symbolic link"
    assert lam001(diagnostics, "loop_a.py")[0]["message"] == "symbolic link loop"
    assert lam001(diagnostics, "loop_b.py")[0]["message"] == "symbolic link loop"
    assert NEIGHBOUR_FINDING in found(diagnostics)
    assert code == 1


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_linked_folders_are_not_followed(capsys, project):
    os.symlink(str(project), str(project / "again"))  # a loop through a folder link
    code, diagnostics, err = run_main(capsys, project)
    assert found(diagnostics) == {NEIGHBOUR_FINDING}
    assert code == 1


def test_a_folder_named_like_a_python_file_is_a_folder(capsys, project):
    write(project, "package.py/inner.py", b"_items = []\n\n\ndef lambda_handler(event, context):\n    _items.append(1)\n")
    code, diagnostics, err = run_main(capsys, project)
    assert found(diagnostics) == {NEIGHBOUR_FINDING, ("package.py/inner.py", 5, "LAM101")}
    assert code == 1 and err == ""
    code, diagnostics, err = run_main(capsys, project, "package.py", "neighbour.py")
    assert found(diagnostics) == {NEIGHBOUR_FINDING, ("package.py/inner.py", 5, "LAM101")}
    failure = sources.read_bytes(str(project / "package.py"))
    assert isinstance(failure, sources.ParseFailure) and "directory" in failure.reason


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_a_named_pipe_is_never_opened(project):
    os.mkfifo(str(project / "pipe.py"))
    code, diagnostics, err = run_cli(project, timeout=120)  # opening the pipe would block forever
    assert "pipe.py: is a named pipe, not a file; not checked" in err
    assert NEIGHBOUR_FINDING in found(diagnostics)
    assert code == 2
    failure = sources.read_bytes(str(project / "pipe.py"))
    assert isinstance(failure, sources.ParseFailure) and "named pipe" in failure.reason


@pytest.mark.skipif(not os.path.exists("/dev/zero") or not hasattr(os, "symlink"), reason="no /dev/zero")
def test_a_link_to_a_device_is_never_read(project):
    os.symlink("/dev/zero", str(project / "zero.py"))  # reading it would never end
    code, diagnostics, err = run_cli(project, timeout=120)
    assert "zero.py: is a device, not a file; not checked" in err
    assert NEIGHBOUR_FINDING in found(diagnostics)
    assert code == 2
    assert "character device" in sources.read_bytes(str(project / "zero.py")).reason


def test_missing_path_on_the_command_line(project):
    code, diagnostics, err = run_cli(project, "missing.py", "neighbour.py", "no/such/folder")
    assert "lambda-lint: missing.py: no such file or directory" in err
    assert "lambda-lint: no/such/folder: no such file or directory" in err
    assert found(diagnostics) == {NEIGHBOUR_FINDING}
    assert code == 2


def test_a_folder_that_cannot_be_listed_is_reported(capsys, project, monkeypatch):
    write(project, "locked/handler.py", NEIGHBOUR)
    locked = str((project / "locked").resolve())
    real_scandir = os.scandir

    def scandir(path="."):
        if os.path.abspath(os.fspath(path)) == locked:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code, diagnostics, err = run_main(capsys, project)
    assert "cannot list this folder (Permission denied); its files were not checked" in err
    assert "locked" in err
    assert found(diagnostics) == {NEIGHBOUR_FINDING}
    assert code == 2


def test_collect_files_keeps_going_past_every_problem(tmp_path):
    write(tmp_path, "a.py", HANDLER)
    files, errors = collect_files([str(tmp_path / "nope.py"), str(tmp_path)], Excluder(str(tmp_path)))
    assert files == [str(tmp_path / "a.py")]
    assert errors == [f"{tmp_path / 'nope.py'}: no such file or directory"]


# -- configuration ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "toml,message",
    [
        ("[tool.lambda-lint\nselect = [\"LAM1\"]\n", "pyproject.toml: invalid TOML at line 1"),
        ("[tool.lambda-lint]\nselect = \"LAM101\"\n", "pyproject.toml: [tool.lambda-lint] select: expected a list of rule codes, got str"),
        ("[tool.lambda-lint]\nexclude = [1, 2]\n", "pyproject.toml: [tool.lambda-lint] exclude: expected a list of strings, but item 1 is int"),
        ("[tool.lambda-lint]\nfix-maxsize = \"big\"\n", "pyproject.toml: [tool.lambda-lint] fix-maxsize: expected an integer >= 1, got str"),
        ("[tool]\nlambda-lint = 3\n", "pyproject.toml: [tool.lambda-lint] must be a table, got int"),
        ("[tool.lambda-lint]\nselect = [\"LAM999\"]\n", "pyproject.toml: [tool.lambda-lint] select: unknown rule code"),
        ("\xff\xfe".encode("latin-1").decode("latin-1"), "pyproject.toml: not valid UTF-8"),
    ],
)
def test_a_broken_configuration_is_a_one_line_error(project, toml, message):
    (project / "pyproject.toml").write_bytes(toml.encode("latin-1") if message.endswith("UTF-8") else toml.encode())
    code, diagnostics, err = run_cli(project, isolated=False)
    assert code == 2
    assert diagnostics == []
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("lambda-lint: error: ") and message in lines[0], err


# -- our own bugs --------------------------------------------------------------------------------------------
BUGGY = b"""\
_items = []


def lambda_handler(event, context, seen=[]):
    _items.append(1)
    return seen
"""


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_internal_error_in_one_rule_is_reported_and_the_rest_still_printed(capsys, project, monkeypatch, jobs):
    from lambda_lint.rules import RULES_BY_CODE

    write(project, "buggy.py", BUGGY)
    write(project, "other.py", NEIGHBOUR.replace(b"_seen", b"_other"))
    rule = RULES_BY_CODE["LAM104"]
    original = rule.check

    def broken(self, ctx):
        if ctx.model.path.endswith("buggy.py"):
            raise ZeroDivisionError("a bug of ours")
        return original(self, ctx)

    monkeypatch.setattr(rule, "check", broken)
    previous = os.getcwd()
    os.chdir(project)
    try:
        code = cli.main(["check", "--isolated", "--no-cache", "-j", jobs, "."])
    finally:
        os.chdir(previous)
    out, err = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in err + out
    errors = [line for line in err.splitlines() if "internal error" in line]
    assert errors == ["lambda-lint: buggy.py: internal error in LAM104 (mutable-default-argument): "
                      "ZeroDivisionError: a bug of ours"], err
    assert "buggy.py:5:5: LAM101" in out  # the rest of that file's findings
    assert "neighbour.py:5:5: LAM101" in out and "other.py:5:5: LAM101" in out  # and the run's


# -- never run the analysed code ----------------------------------------------------------------------
# Files named like modules lambda-lint (or flake8) imports while it runs: found
# first if the analysed folder were on sys.path.
SHADOWS = ("json", "yaml", "libcst", "tomllib", "tomli", "hcl2", "difflib", "fnmatch", "hashlib", "typing_extensions")


def _script(name: str) -> str:
    folder = Path(sys.executable).parent
    for candidate in (folder / name, folder / f"{name}.exe"):
        if candidate.exists():
            return str(candidate)
    pytest.skip(f"no {name} script next to {sys.executable}")


def _side_effect_project(root: Path) -> Path:
    marker = root / "MARKER"
    effect = f"open({str(marker)!r}, 'w').write('imported')\n"
    write(root, "neighbour.py", NEIGHBOUR)
    write(root, "app.py", (
        "import os\nimport helpers\nfrom pkg import thing\n" + effect + "raise SystemExit(3)\n\n\n"
        "def lambda_handler(event, context, cache={}):\n    helpers.run()\n    cache[\"last\"] = thing\n    return thing\n"
    ).encode())
    write(root, "helpers.py", (effect + "os._exit(4)\n\n\ndef run():\n    pass\n").encode())
    write(root, "pkg/__init__.py", (effect + "import sys\nsys.exit(5)\nthing = 1\n").encode())
    for name in SHADOWS + ("conftest", "setup", "sitecustomize", "usercustomize"):
        write(root, f"{name}.py", effect.encode())
    write(root, "template.yaml", (
        "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\nResources:\n"
        f"  Evil: !!python/object/apply:os.system ['touch {marker}']\n"
        "  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: app.lambda_handler\n"
        "      Runtime: python3.12\n      CodeUri: .\n"
    ).encode())
    return marker


def test_analysed_code_is_never_imported_or_run(tmp_path):
    marker = _side_effect_project(tmp_path)
    proc = subprocess.run([_script("lambda-lint"), "check", "--no-cache", "--format", "json", "."], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, env=_env())
    assert not marker.exists()
    assert "Traceback" not in proc.stderr
    diagnostics = json.loads(proc.stdout)
    assert NEIGHBOUR_FINDING in found(diagnostics)
    assert ("app.py", 8, "LAM104") in found(diagnostics)
    assert proc.returncode == 1, proc.stderr


def test_analysed_code_is_never_imported_with_python_dash_m(tmp_path):
    marker = _side_effect_project(tmp_path)
    code, diagnostics, err = run_cli(tmp_path, isolated=False)
    assert not marker.exists(), f"ran the project's own code: {marker.read_text()}"
    assert NEIGHBOUR_FINDING in found(diagnostics)
    assert code == 1, err


def test_analysed_code_is_never_imported_in_process(capsys, tmp_path):
    marker = _side_effect_project(tmp_path)
    modules = set(sys.modules)
    code, diagnostics, err = run_main(capsys, tmp_path)
    assert not marker.exists()
    assert not {"app", "helpers", "pkg", "conftest", "setup", "sitecustomize"} & (set(sys.modules) - modules)
    assert code == 1


def test_analysed_code_is_never_imported_by_the_flake8_plugin(tmp_path):
    pytest.importorskip("flake8")
    if not (REPO / "lambda_lint" / "flake8_plugin.py").exists():
        pytest.skip("no flake8 plugin")
    marker = _side_effect_project(tmp_path)
    proc = subprocess.run([_script("flake8"), "--select", "LAM", "."], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, env=_env())
    assert proc.returncode >= 0
    assert "Traceback" not in proc.stderr, proc.stderr
    assert not marker.exists()
    assert "neighbour.py:5:5: LAM101" in proc.stdout, proc.stdout + proc.stderr


def test_the_analyser_has_no_way_to_run_code():
    """No eval/exec, no unsafe YAML, no pickle, no subprocess or network in lambda_lint/;
    the only modules it imports by name are its own."""
    import ast

    forbidden_calls = {"eval", "exec", "__import__", "execfile", "input"}
    forbidden_modules = {"pickle", "marshal", "shelve", "runpy", "subprocess", "socket", "http", "urllib.request",
                         "requests", "ftplib", "smtplib", "ctypes", "code", "pty"}
    problems = []
    for path in sorted((REPO / "lambda_lint").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            where = f"{path.relative_to(REPO)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if name in forbidden_calls:
                    problems.append(f"{where}: {name}()")
                if name in ("load", "load_all", "unsafe_load", "full_load") and isinstance(func, ast.Attribute) \
                        and isinstance(func.value, ast.Name) and func.value.id == "yaml":
                    problems.append(f"{where}: yaml.{name}()")
                if name == "import_module":
                    arg = node.args[0] if node.args else None
                    own = isinstance(arg, ast.JoinedStr) and any(
                        isinstance(v, ast.FormattedValue) and isinstance(v.value, ast.Name) and v.value.id == "__name__"
                        for v in arg.values[:1])
                    if not own:
                        problems.append(f"{where}: import_module of something not ours")
                if name == "system" and isinstance(func, ast.Attribute):
                    problems.append(f"{where}: os.system()")
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                for module in names:
                    if module in forbidden_modules or module.split(".")[0] in forbidden_modules:
                        problems.append(f"{where}: import {module}")
            elif isinstance(node, ast.Attribute) and node.attr in ("UnsafeLoader", "FullLoader", "Loader") \
                    and isinstance(node.value, ast.Name) and node.value.id == "yaml":
                problems.append(f"{where}: yaml.{node.attr}")
    assert problems == []


# -- sources.py unit checks ---------------------------------------------------------------------------------
def test_parse_failures_are_one_line_with_a_line_number():
    cases = {
        HANDLER + b"def f(:\n": 3,
        b"x = 1\n" * 10 + b"if True\n": 11,
        b"# coding: latin-1\n" + HANDLER + b"x = '\xff'\n)": 5,
    }
    for data, line in cases.items():
        failure = sources.parse(data)
        assert isinstance(failure, sources.ParseFailure), data
        assert failure.line == line and "\n" not in failure.reason, (data, failure)
    # A UTF-16 file is not even a handler candidate for the byte search of the
    # checker (its text is not ASCII-compatible); parsed, it says what it is.
    for codec in ("utf-16", "utf-32"):
        failure = sources.parse(HANDLER.decode().encode(codec))
        assert failure.reason.startswith(f"file is {codec.upper()} "), failure


def test_the_parse_runs_on_a_big_stack_and_falls_back_without_one(monkeypatch):
    import threading

    names = []
    assert sources._on_big_stack(lambda: names.append(threading.current_thread().name) or 7) == 7
    assert names == ["lambda-lint-parser"]
    with pytest.raises(KeyError):
        sources._on_big_stack(lambda: {}["missing"])

    def refuse(size=None):
        raise ValueError("no")

    monkeypatch.setattr(threading, "stack_size", refuse)
    assert sources._on_big_stack(lambda: threading.current_thread().name) == threading.current_thread().name


def test_read_bytes_reasons(tmp_path):
    assert sources.read_bytes(str(tmp_path / "absent.py")).reason == "file not found"
    write(tmp_path, "f.py", b"x = 1\n")
    assert sources.read_bytes(str(tmp_path / "f.py" / "below.py")).reason.startswith("file not found")
    assert sources.read_bytes(str(tmp_path / "f.py")) == b"x = 1\n"
    assert "directory" in sources.read_bytes(str(tmp_path)).reason


def test_writing_module_is_importable():
    assert hasattr(writing, "write_bytes_atomically") and hasattr(writing, "write_text_preserving")


# -- fixes never lose data: lambda_lint/writing.py ----------------------------------------------------
def _entries(folder: Path) -> list:
    return sorted(p.name for p in folder.iterdir())


def test_a_write_goes_through_a_temporary_file_in_the_same_folder(tmp_path, monkeypatch):
    path = write(tmp_path, "m.py", b"old = 1\n")
    seen = []
    real_replace = os.replace

    def replace(source, target):
        seen.append((os.path.dirname(source), Path(target).read_bytes(), Path(source).read_bytes()))
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    writing.write_bytes_atomically(str(path), b"new = 1\n", str(tmp_path))
    assert seen == [(str(tmp_path), b"old = 1\n", b"new = 1\n")]  # until the rename, the old text is whole
    assert path.read_bytes() == b"new = 1\n"
    assert _entries(tmp_path) == ["m.py"]


def test_a_write_keeps_permissions_and_owner(tmp_path):
    path = write(tmp_path, "m.py", b"old = 1\n")
    path.chmod(0o751)
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if is_root:
        os.chown(str(path), 1234, 4321)
    writing.write_bytes_atomically(str(path), b"new = 1\n", str(tmp_path))
    info = path.stat()
    assert stat.S_IMODE(info.st_mode) == 0o751
    if is_root:
        assert (info.st_uid, info.st_gid) == (1234, 4321)


@pytest.mark.parametrize("failing", ["replace", "fsync", "chmod", "interrupt"])
def test_the_original_is_kept_when_anything_fails(tmp_path, monkeypatch, failing):
    path = write(tmp_path, "m.py", b"old = 1\n")
    error = KeyboardInterrupt() if failing == "interrupt" else OSError(28, "No space left on device")

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(os, "fsync" if failing == "interrupt" else failing, fail)
    with pytest.raises(type(error)):
        writing.write_bytes_atomically(str(path), b"new = 1\n", str(tmp_path))
    assert path.read_bytes() == b"old = 1\n"
    assert _entries(tmp_path) == ["m.py"]  # no temporary file left behind


def test_nothing_is_written_when_nothing_changes(tmp_path, monkeypatch):
    path = write(tmp_path, "m.py", b"same = 1\n")
    before = path.stat()

    def no_temporary_file(*args, **kwargs):
        raise AssertionError("a temporary file was created")

    monkeypatch.setattr(writing.tempfile, "mkstemp", no_temporary_file)
    writing.write_bytes_atomically(str(path), b"same = 1\n", str(tmp_path))
    writing.write_text_preserving(str(path), "same = 1\n", "utf-8", b"same = 1\n", str(tmp_path))
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_no_write_through_a_link_to_outside_the_checked_tree(tmp_path):
    root, outside = tmp_path / "root", tmp_path / "outside"
    target = write(outside, "shared.py", b"old = 1\n")
    root.mkdir()
    link = root / "linked.py"
    os.symlink(str(target), str(link))
    with pytest.raises(writing.WriteRefused, match="outside the checked tree"):
        writing.write_bytes_atomically(str(link), b"new = 1\n", str(root))
    assert target.read_bytes() == b"old = 1\n" and link.is_symlink()
    # Inside the tree, the link's target is replaced and the link stays a link.
    inner = write(root, "real.py", b"old = 1\n")
    os.symlink("real.py", str(root / "alias.py"))
    writing.write_bytes_atomically(str(root / "alias.py"), b"new = 1\n", str(root))
    assert inner.read_bytes() == b"new = 1\n" and (root / "alias.py").is_symlink()
    # A dangling link is not "created".
    os.symlink(str(root / "gone.py"), str(root / "dangling.py"))
    with pytest.raises(writing.WriteRefused, match="broken symbolic link"):
        writing.write_bytes_atomically(str(root / "dangling.py"), b"x = 1\n", str(root))
    assert not (root / "gone.py").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_no_write_to_a_special_file(tmp_path):
    os.mkfifo(str(tmp_path / "pipe.py"))
    with pytest.raises(writing.WriteRefused, match="not a regular file"):
        writing.write_bytes_atomically(str(tmp_path / "pipe.py"), b"x = 1\n", str(tmp_path))


def test_no_write_when_the_file_changed_since_it_was_read(tmp_path):
    path = write(tmp_path, "m.py", b"x = 1\n")
    path.write_bytes(b"x = 2  # edited meanwhile\n")
    with pytest.raises(writing.WriteRefused, match="changed on disk"):
        writing.write_text_preserving(str(path), "x = 3\n", "utf-8", b"x = 1\n", str(tmp_path))
    assert path.read_bytes() == b"x = 2  # edited meanwhile\n"


def test_text_the_codec_cannot_hold_is_refused_not_half_written(tmp_path):
    original = b"# -*- coding: latin-1 -*-\nx = '\xe9'\n"
    path = write(tmp_path, "m.py", original)
    with pytest.raises(writing.WriteRefused, match="cannot be encoded as latin-1"):
        writing.write_text_preserving(str(path), "# -*- coding: latin-1 -*-\nx = '\u20ac'\n", "latin-1", original)
    assert path.read_bytes() == original
    assert _entries(tmp_path) == ["m.py"]


def test_encoding_bom_and_line_endings_are_kept(tmp_path):
    original = b"\xef\xbb\xbfx = 1\r\ny = '\xc3\xa9'\r\n"
    path = write(tmp_path, "m.py", original)
    writing.write_text_preserving(str(path), "x = 2\r\ny = '\u00e9'\r\n", "utf-8", original, str(tmp_path))
    assert path.read_bytes() == b"\xef\xbb\xbfx = 2\r\ny = '\xc3\xa9'\r\n"
    latin = b"# coding: latin-1\nx = '\xe9'\n"
    path = write(tmp_path, "l.py", latin)
    writing.write_text_preserving(str(path), "# coding: latin-1\nx = '\u00e9!'\n", "iso-8859-1", latin)
    assert path.read_bytes() == b"# coding: latin-1\nx = '\xe9!'\n"


def test_a_read_only_file_is_not_written(tmp_path):
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("root may write any file")
    path = write(tmp_path, "m.py", b"x = 1\n")
    path.chmod(0o444)
    with pytest.raises(writing.WriteRefused, match="read-only"):
        writing.write_bytes_atomically(str(path), b"x = 2\n", str(tmp_path))
    assert path.read_bytes() == b"x = 1\n"


FIXABLE = b"def lambda_handler(event, context, seen=[]):\n    seen.append(event)\n    return seen\n"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_fix_keeps_modes_and_never_writes_outside_the_tree(tmp_path):
    pytest.importorskip("lambda_lint.run.fixing")
    root, outside = tmp_path / "root", tmp_path / "outside"
    mine = write(root, "mine.py", FIXABLE)
    mine.chmod(0o640)
    shared = write(outside, "shared.py", FIXABLE)
    os.symlink(str(shared), str(root / "linked.py"))
    proc = subprocess.run([sys.executable, "-m", "lambda_lint", "check", "--isolated", "--no-cache", "--fix",
                           "--unsafe-fixes", "."], cwd=root, capture_output=True, text=True, timeout=300, env=_env())
    assert "Traceback" not in proc.stderr, proc.stderr
    assert mine.read_bytes() != FIXABLE, proc.stdout + proc.stderr  # fixed
    compile(mine.read_bytes(), "mine.py", "exec")
    assert stat.S_IMODE(mine.stat().st_mode) == 0o640
    assert shared.read_bytes() == FIXABLE  # never written through the link
    assert "linked.py: not written" in proc.stderr
    assert _entries(root) == ["linked.py", "mine.py"]


def test_fix_never_edits_a_file_libcst_misreads(project):
    """libcst places everything after a backslash-only line one line off: a fix computed
    from those positions replaced the wrong line, round after round."""
    pytest.importorskip("lambda_lint.run.fixing")
    path = write(project, "misread.py", BACKSLASH_LINE)
    proc = subprocess.run([sys.executable, "-m", "lambda_lint", "check", "--isolated", "--no-cache", "--fix",
                           "--unsafe-fixes", "."], cwd=project, capture_output=True, text=True, timeout=300, env=_env())
    assert "Traceback" not in proc.stderr, proc.stderr
    assert path.read_bytes() == BACKSLASH_LINE
    assert "misread.py:6:1: LAM001" in proc.stdout


def test_a_syntax_error_in_a_large_file_is_found_in_its_chunk(monkeypatch):
    """CPython's verdict comes from the chunk libcst rejected, not the whole file
    (CPython needs about 300 bytes of memory per byte of source it parses)."""
    monkeypatch.setattr(sources, "CHUNK_THRESHOLD", 0)
    monkeypatch.setattr(sources, "CHUNK_BYTES", 100)
    seen = []
    real = sources.syntax_error_line
    monkeypatch.setattr(sources, "syntax_error_line", lambda text: seen.append(len(text)) or real(text))
    data = HANDLER + b"x = 1\n" * 200 + b"print 'python 2'\n" + b"y = 2\n" * 200
    failure = sources.parse(data)
    assert failure.reason.startswith("syntax error: Missing parentheses") and failure.line == 203
    assert seen and max(seen) < 300
    # An unterminated string in a large file: still parsed in chunks, still found.
    failure = sources.parse(HANDLER + b"x = 1\n" * 200 + b"s = 'open\n" + b"y = 2\n" * 200)
    assert failure.reason.startswith("syntax error: ") and failure.line == 203  # message: CPython's, by version
