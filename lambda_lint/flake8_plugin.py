"""lambda-lint as a flake8 plugin (codes ``LAM``, on by default; ``extend-select = LAM``
where flake8's configuration sets ``select``). Usage: docs/integrations.md.

flake8 calls a tree plugin once per file, in one or several worker processes,
but lambda-lint's findings are cross-module: a defect in a helper module is
only a defect because a handler elsewhere imports and calls it. So the plugin
never analyses one file; it analyses the **project** once per process and
answers every file from that result.

How a file is answered (:meth:`LambdaLintChecker.run`)
------------------------------------------------------

1. *Which project.* The project root is the folder of the first pyproject.toml
   with a ``[tool.lambda-lint]`` table above the file (the same search as the
   CLI's, :func:`lambda_lint.settings.config.load_config`), else the current directory
   (else, for a file outside it, the file's folder, as ``lambda-lint check
   FILE`` would). The answer is cached per folder, so the walk up and the TOML
   reading happen once per folder, not per file.
2. *Analyse the project, once per process* (:data:`_ANALYSES`, keyed by the
   root and the configuration file). This is ``engine.check([root], config)``
   with every code the configuration enables, exactly what ``lambda-lint check``
   run at the root analyses, so ``flake8 .`` and ``lambda-lint check .`` report
   the same (file, line, code) set. Only the findings are kept (a dict
   ``{absolute path: [(line, col, text)]}``); the libcst trees are dropped.
3. *Look the file up* in that dict. For a file that is not Lambda code this is
   the whole cost: one dict look-up.

Keeping flake8 fast where there is no Lambda code
-------------------------------------------------

Step 2 must not make every flake8 run pay for lambda-lint. Two costs matter:

* *Importing the analyser* (libcst, the engine, the rules, discovery): about
  0.25 s per process. The plugin module itself imports only the standard
  library (5 ms), and flake8 imports it on every run and in every worker.
* *Analysing*: the engine only libcst-parses handler candidates (files whose
  text defines ``handler``/``lambda_handler``), files named by configuration or
  infrastructure, and what they import; every other file costs a read and a
  byte regex. Still, on a large tree with no Lambda code, engine plus imports
  cost about 0.5 s per process.

So before step 2, a **pre-scan** (:func:`_may_hold_lambda_code`) walks the root
once, with the engine's exclusions, and looks only at bytes: a Python file
with the engine's handler regex or a marker of a Python-declared handler (CDK,
Chalice, Mangum), or an infrastructure file with its marker text (SAM or
CloudFormation templates, serverless.yml, Terraform, Dockerfiles, CDK
TypeScript stacks). The markers are the ones the discovery sources themselves
use to pick files (a test keeps the two lists in step). Handlers named in the
configuration skip the pre-scan. When the pre-scan finds nothing, the tree
cannot have a handler, so no file of it can have a finding: the engine is
never imported and every file is answered "nothing". The pre-scan costs
0.04 s for 1,000 files (12 MB).

Why the pre-scan is per *root* and not per *file*: deciding from the file alone
(``def handler(`` in its own text) would be cheaper, but wrong for helper
modules. ``db.py`` has no handler; its ``conn.close()`` is a LAM201 only
because ``app.py`` calls it. flake8 may check ``db.py`` first, or in another
worker than ``app.py``, so each process has to know the whole tree. The price
is that the first file of a root costs one walk of that root per process, so
with a huge root and a tiny flake8 run (a pre-commit hook on three changed
files of a monorepo) that walk dominates. Put a ``[tool.lambda-lint]`` table in
the pyproject.toml of the Lambda project so that the root is that project, not
the monorepo.

Where there *is* Lambda code, the project is analysed once per flake8 run,
not once per worker (:func:`_shared_analysis`). With ``--jobs N`` flake8 runs
the plugin in N daemonic pool workers; the first worker that needs the findings
takes a lock in ``.lambda_lint_cache/flake8/``, computes them and writes them
to a file named after the flake8 run (the main process's pid and start time,
from ``/proc``); the other workers wait on the lock and read that file. A
single flake8 process (``-j 1``) analyses with lambda-lint's process pool. Without ``/proc`` or with the cache turned off,
each worker analyses on its own as before. The engine's unit cache
(``.lambda_lint_cache/``, the same one the CLI uses; ``--lambda-lint-no-cache``
or ``lambda-lint-no-cache = true`` in flake8's configuration turns both off)
makes every run after the first cheap, which is what editors running flake8
on each save need. The analysis builds no fixes (flake8 shows none).

Measured (CPU seconds, flake8 7.5, CPython 3.11, 2 CPUs; details and method in
docs/integrations.md): on 966 files / 345,000 lines without Lambda code, the
plugin spends 0.10 s of a 24.5 s run (0.4 %), 0.045 s of it in the pre-scan;
after that a file costs about 7 microseconds. On the acceptance projects (110
files of Lambda code) it adds the analysis: +1.2 s per worker, +0.45 s with a
warm cache.

What flake8 owns, and what lambda-lint still decides
----------------------------------------------------

* ``--select``, ``--extend-select``, ``--ignore``, ``--extend-ignore`` and
  line ``# noqa`` comments are flake8's: the plugin reports every code that
  the ``[tool.lambda-lint]`` configuration enables (``select``,
  ``extend-select``, ``ignore``; LAM403 stays off unless it enables it) and
  leaves line-level suppression to flake8 (so ``--disable-noqa`` works).
* flake8 knows nothing of lambda-lint's ``per-file-ignores`` and file-level
  ``# lambda-lint: noqa: CODES`` directives, so the plugin applies those two.
* flake8 only checks ``.py`` files, so LAM002 on a template or a pyproject.toml
  line cannot be reported (a LAM002 in a Python CDK app is). A file that does
  not parse is flake8's E999 and never reaches tree plugins, so LAM001 is
  E999 there.
* The analysis reads files from disk. When the text flake8 checks differs from
  it (``flake8 - --stdin-display-name app.py`` from an editor with unsaved
  changes), the plugin reports nothing for that file rather than findings on
  the wrong lines.
* Problems that the CLI prints on stderr (an internal error of a rule) are
  printed on stderr when the file they concern is checked; discovery warnings
  about templates are only shown by ``lambda-lint check``.
* The plugin never raises into flake8: a configuration error (an invalid
  ``[tool.lambda-lint]`` table) is printed once per process, as one line with
  the CLI's message, and the plugin reports nothing for that project, while
  pyflakes, pycodestyle and every other plugin go on. A bug of ours is printed
  the same way. (Raising would stop all of flake8: one typo in our table
  would silence every other linter of the project.)
* Opt-in codes (LAM403) are produced when flake8's own ``--select`` or
  ``--extend-select`` names them more specifically than ``LAM`` (``LAM4``,
  ``LAM403``), as flake8-bugbear does for its B9 codes: ``--select LAM``
  keeps them off.
"""
from __future__ import annotations

import os
import re
import sys
from typing import Dict, Iterator, List, NamedTuple, Optional, Sequence, Tuple

from . import __version__
from .run.files import read_file  # no libcst: the pre-scan stays cheap

# The engine's test for a conventional handler candidate (project.HANDLER_TEXT);
# duplicated so that the pre-scan never imports libcst. A test keeps them equal.
HANDLER_TEXT = re.compile(rb"def\s+(?:lambda_handler|handler)\s*\(|def\s+\w+\s*\(\s*event\b[^)]*?\bcontext\b")

# Marker text by which each discovery source picks its candidate files
# (lambda_lint/discovery/*.py MARKERS; a test keeps this table in step).
PYTHON_MARKERS = (b"aws_cdk", b"Chalice(", b"Blueprint(", b"Mangum(", b"make_lambda_handler(", b"pulumi_aws")
TEMPLATE_MARKERS = (b"AWS::Serverless::Function", b"AWS::Lambda::Function", b"AWS::Serverless::LayerVersion",
                    b"AWS::Lambda::LayerVersion")
TERRAFORM_MARKERS = (b"aws_lambda_function", b"handler", b"archive_file")
DOCKER_MARKERS = (b"lambda/python", b"aws-lambda-python", b"awslambdaric")
TYPESCRIPT_MARKERS = (b"Function(",)

# The folders discovery never walks (discovery.common.SKIPPED_FOLDERS; the
# engine's file walk skips a superset of them).
SKIPPED_FOLDERS = frozenset(
    {
        ".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__",
        ".aws-sam", "cdk.out", ".serverless", ".terraform", ".tox", ".nox",
        ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages",
        ".lambda_lint_cache",
    }
)
TEMPLATE_EXTENSIONS = (".yaml", ".yml", ".json", ".template")
SERVERLESS_NAMES = frozenset({"serverless.yml", "serverless.yaml", "serverless.json"})
ZAPPA_NAMES = frozenset({"zappa_settings.json", "zappa_settings.yml", "zappa_settings.yaml"})
TERRAGRUNT_NAMES = frozenset({"terragrunt.hcl"})
NOT_TEMPLATES = frozenset(
    {"package.json", "package-lock.json", "tsconfig.json", "cdk.json", "cdk.context.json", "composer.lock"}
)
# Discovery only looks at the start of a larger infrastructure file.
MAX_INFRASTRUCTURE_BYTES = 8 * 1024 * 1024
LARGE_FILE_PREFIX = 65536

Finding = Tuple[int, int, str]  # (1-based line, 0-based column, "LAM101 message")


class _Analysis(NamedTuple):
    findings: Dict[str, List[Finding]]  # absolute path -> findings
    texts: Dict[str, bytes]  # the analysed bytes of the files that have findings
    messages: Dict[str, List[str]]  # absolute path -> stderr lines about that file


_NOTHING = _Analysis({}, {}, {})
# (root, configuration file or None) -> the project's findings; one per process.
_ANALYSES: Dict[Tuple[str, Optional[str]], _Analysis] = {}
# folder of a checked file -> (project root, Config)
_PROJECTS: Dict[str, tuple] = {}


class LambdaLintChecker:
    """The flake8 tree plugin; see the module documentation for the design."""

    name = "lambda-lint"
    version = __version__
    use_cache = True  # flake8 --lambda-lint-no-cache turns it off
    opted_in: frozenset = frozenset()  # opt-in codes named by flake8's --select/--extend-select

    @classmethod
    def add_options(cls, parser) -> None:
        parser.add_option(
            "--lambda-lint-no-cache",
            action="store_true",
            parse_from_config=True,
            help="lambda-lint: do not read or write .lambda_lint_cache/ in the project root.",
        )

    @classmethod
    def parse_options(cls, options) -> None:
        cls.use_cache = not getattr(options, "lambda_lint_no_cache", False)
        selectors = []
        for name in ("select", "extend_select"):
            selectors.extend(getattr(options, name, None) or ())
        cls.opted_in = opted_in_codes(selectors)

    def __init__(self, tree, filename: str, lines: Optional[Sequence[str]] = None):
        # ``tree`` is flake8's ast, unused: answers come from the project
        # analysis. ``lines`` (what flake8 checks) detects stale stdin input.
        self.tree = tree
        self.filename = filename
        self.lines = lines

    def run(self) -> Iterator[tuple]:
        path = os.path.abspath(self.filename)
        if not os.path.isfile(path):  # stdin without a real --stdin-display-name
            return
        try:
            analysis = analysis_for(path)
        except Exception as exc:  # noqa: BLE001 - never raise into flake8 (see the module doc)
            _say_once(_failure_message(exc))
            return
        for message in analysis.messages.get(path, ()):
            print(f"lambda-lint: {message}", file=sys.stderr)
        findings = analysis.findings.get(path)
        if not findings:
            return
        if self.lines is not None and not _same_text(analysis.texts.get(path), self.lines):
            return
        for line, column, text in findings:
            yield line, column, text, type(self)


def analysis_for(path: str) -> _Analysis:
    """The findings of the project that ``path`` belongs to (computed once per process).

    Raises what loading the configuration or the analysis raises; a failure is
    remembered for the project, so that it is reported once, not once per file.
    """
    root, config = _project_of(path)
    key = (root, config.path)
    analysis = _ANALYSES.get(key)
    if analysis is None:
        for message in getattr(config, "warnings", None) or ():
            _say_once(f"lambda-lint: warning: {message}")
        try:
            analysis = _shared_analysis(path, root, config, LambdaLintChecker.use_cache)
        except Exception as exc:  # noqa: BLE001 - reported once by run(); the project then reports nothing
            _say_once(_failure_message(exc))
            analysis = _NOTHING
        _ANALYSES[key] = analysis
    return analysis


def opted_in_codes(selectors) -> frozenset:
    """The off-by-default codes that flake8's selectors name more specifically than ``LAM``."""
    from .settings.selection import DEFAULT_OFF

    chosen = [str(s).strip().upper() for s in selectors if str(s).strip()]
    return frozenset(code for code in DEFAULT_OFF
                     if any(len(s) > len("LAM") and code.startswith(s) for s in chosen))


_SAID: set = set()


def _say_once(message: str) -> None:
    if message not in _SAID:
        _SAID.add(message)
        # One write per line: flake8's workers share stderr, and print() may
        # split a line in two writes that another worker's line gets between.
        sys.stderr.flush()
        try:
            os.write(sys.stderr.fileno(), (message + "\n").encode("utf-8", "replace"))
        except (OSError, ValueError, AttributeError):  # no real file descriptor (tests capturing stderr)
            print(message, file=sys.stderr)


def _failure_message(exc: Exception) -> str:
    from .settings.config import ConfigError

    if isinstance(exc, ConfigError):
        return f"lambda-lint: error: {exc}; lambda-lint reports nothing for this project, the other flake8 checks ran"
    return f"lambda-lint: internal error: {type(exc).__name__}: {exc}; lambda-lint reports nothing for this project"


# -- one analysis per flake8 run -----------------------------------------------------------
# flake8 --jobs N runs the plugin in N worker processes of one pool. The first worker
# that needs the project's findings computes them and leaves them in
# .lambda_lint_cache/flake8/, in a file named after the flake8 run; the other workers
# wait on a lock and read them. A run is the flake8 main process, named by its pid and
# start time (from /proc, so that a later run reusing the pid is another run); without
# /proc, or with the cache turned off, every worker analyses on its own as before.
SHARED_FOLDER = os.path.join(".lambda_lint_cache", "flake8")
SHARED_MAX_AGE = 24 * 3600  # entries of older runs are removed


def _flake8_run() -> Optional[str]:
    """The flake8 run this worker belongs to, or None when this is not a pool worker."""
    try:
        import multiprocessing

        parent = multiprocessing.parent_process()
    except (ImportError, AttributeError):
        return None
    if parent is None or parent.pid is None:
        return None
    try:
        with open(f"/proc/{parent.pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
        return f"{parent.pid}-{int(fields[19])}"  # field 22: start time, in clock ticks since boot
    except (OSError, IndexError, ValueError):
        return None


def _shared_analysis(path: str, root: str, config, use_cache: bool) -> _Analysis:
    run = _flake8_run() if use_cache else None
    if run is None:
        return _analyse(root, config, use_cache, jobs=_jobs_here())
    if not config.handlers and not _may_hold_lambda_code(root, config):
        return _NOTHING
    import hashlib

    folder = os.path.join(root, SHARED_FOLDER)
    name = hashlib.blake2b(f"{run}\0{root}\0{config.path}".encode("utf-8", "surrogateescape"), digest_size=12).hexdigest()
    target = os.path.join(folder, name + ".json")
    try:
        import fcntl

        os.makedirs(folder, exist_ok=True)
        lock = open(os.path.join(folder, name + ".lock"), "a+b")
    except (ImportError, OSError):
        return _analyse(root, config, use_cache)
    try:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        shared = _load_shared(target)
        if shared is not None:
            return shared
        analysis = _analyse(root, config, use_cache)
        _store_shared(target, analysis)
        _prune_shared(folder)
        return analysis
    except OSError:
        return _analyse(root, config, use_cache)
    finally:
        lock.close()  # releases the lock


def _jobs_here() -> int:
    """Processes the analysis may use here: a pool, unless this process is daemonic
    (flake8's pool workers are, and may not start processes of their own)."""
    try:
        import multiprocessing

        return 1 if multiprocessing.current_process().daemon else 0
    except (ImportError, AttributeError):
        return 1


def _store_shared(target: str, analysis: _Analysis) -> None:
    import base64

    data = {
        "findings": {p: [list(f) for f in fs] for p, fs in analysis.findings.items()},
        "texts": {p: base64.b64encode(t).decode("ascii") for p, t in analysis.texts.items()},
        "messages": analysis.messages,
    }
    from .run.cache import write_json_atomically

    write_json_atomically(target, data, compact=False)


def _load_shared(target: str) -> Optional[_Analysis]:
    import base64
    import json

    try:
        with open(target, encoding="utf-8") as fh:
            data = json.load(fh)
        return _Analysis(
            {p: [(int(a), int(b), str(c)) for a, b, c in fs] for p, fs in data["findings"].items()},
            {p: base64.b64decode(t) for p, t in data["texts"].items()},
            {p: list(m) for p, m in data["messages"].items()},
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _prune_shared(folder: str) -> None:
    import time

    now = time.time()
    try:
        for entry in os.scandir(folder):
            if now - entry.stat().st_mtime > SHARED_MAX_AGE:
                os.unlink(entry.path)
    except OSError:
        pass


def _project_of(path: str) -> tuple:
    folder = os.path.dirname(path)
    project = _PROJECTS.get(folder)
    if project is None:
        from .settings.config import load_config, marker_root

        try:
            config = load_config(path)
        except Exception:
            # Remembered as a failure of this folder: the next file of the
            # folder raises again without reading the file again.
            _PROJECTS[folder] = sys.exc_info()[1]
            raise
        root = config.root
        if config.path is None and marker_root(path) is None:
            # Nothing marks a project: the folder flake8 runs in is the project
            # when the file is below it (`flake8 .` in a bare folder of modules).
            cwd = os.getcwd()
            root = cwd if _inside(path, cwd) else folder
        project = _PROJECTS[folder] = (os.path.abspath(root), config)
    if isinstance(project, BaseException):
        raise project
    return project


def _analyse(root: str, config, use_cache: bool = True, jobs: int = 1) -> _Analysis:
    if not config.handlers and not _may_hold_lambda_code(root, config):
        return _NOTHING
    from .cli import ALL_CODES
    from .run.engine import Options, check
    from .settings.selection import enabled_codes, ignored_for_file
    from .settings.suppression import file_level_codes, is_file_suppressed

    enabled = enabled_codes(ALL_CODES, select=config.select, extend_select=config.extend_select, ignore=config.ignore)
    enabled |= set(LambdaLintChecker.opted_in)
    from .run.files import Excluder, collect_files
    from .run.scope import Scope

    # The project as the CLI sees it (its root, its exclusions), whatever the cwd.
    excluded = Excluder.from_config(root, config, getattr(config, "respect_gitignore", True))
    files, _ = collect_files([root], excluded)
    scope = Scope(root, config, excluded, given=[root], files=files)
    # jobs: 1 in flake8's workers (daemonic processes may not start a pool of their own).
    # No fixes: flake8 reports findings only.
    result = check([root], config, Options(enabled=enabled, jobs=jobs, use_cache=use_cache, fixes="none"), scope)
    findings: Dict[str, List[Finding]] = {}
    texts: Dict[str, bytes] = {}
    file_codes: Dict[str, Optional[set]] = {}
    for diag in result.diagnostics:
        path = os.path.abspath(diag.path)
        rel = os.path.relpath(path, config.root).replace(os.sep, "/")
        if any(diag.code.startswith(p) for p in ignored_for_file(rel, config.per_file_ignores)):
            continue
        data = result.project.data(path) if result.project is not None else None
        if not isinstance(data, bytes):
            data = None
        if path not in file_codes:
            file_codes[path] = file_level_codes(data.decode("utf-8", "replace")) if data is not None else None
        if diag.code != "LAM001" and is_file_suppressed(file_codes[path], diag.code):
            continue
        findings.setdefault(path, []).append((diag.line, max(diag.column - 1, 0), f"{diag.code} {diag.message}"))
        if data is not None:
            texts[path] = data
    messages: Dict[str, List[str]] = {}
    for message in result.internal_errors:
        shown, sep, _ = message.partition(": ")
        if sep:
            messages.setdefault(os.path.abspath(shown), []).append(message)
    return _Analysis(findings, texts, messages)


def _may_hold_lambda_code(root: str, config) -> bool:
    """Whether anything under ``root`` can declare a handler: bytes only, no parsing, no libcst.

    False means the engine would find no handler, hence no finding anywhere.
    """
    from .run.files import Excluder

    excluded = Excluder.from_config(root, config, getattr(config, "respect_gitignore", True))
    for current, dirnames, filenames in os.walk(root):
        if current != root and "pyvenv.cfg" in filenames:  # a virtualenv
            dirnames[:] = []
            continue
        dirnames[:] = [d for d in dirnames if d not in SKIPPED_FOLDERS and not excluded(os.path.join(current, d))]
        for name in filenames:
            path = os.path.join(current, name)
            if _declares_handlers(path, name.lower()) and not excluded(path):
                return True
    return False


def _declares_handlers(path: str, lower: str) -> bool:
    if lower.endswith(".py"):
        data = read_file(path)
        # An unreadable file is a LAM001 candidate for the engine: let it decide.
        # (One regex with the markers as alternatives is twice as slow as this.)
        return data is None or HANDLER_TEXT.search(data) is not None or any(m in data for m in PYTHON_MARKERS)
    if lower in SERVERLESS_NAMES or lower in ZAPPA_NAMES or lower in TERRAGRUNT_NAMES:
        return True
    if lower.endswith((".tf", ".tf.json")):
        markers = TERRAFORM_MARKERS
    elif lower.endswith(TEMPLATE_EXTENSIONS) and lower not in NOT_TEMPLATES:
        markers = TEMPLATE_MARKERS
    elif lower.endswith(".ts") and not lower.endswith(".d.ts"):
        markers = TYPESCRIPT_MARKERS
    elif lower in ("dockerfile", "containerfile") or lower.startswith("dockerfile.") or lower.endswith(".dockerfile"):
        markers = DOCKER_MARKERS
    else:
        return False
    data = read_file(path)
    if data is None:
        return False  # discovery only warns about an unreadable infrastructure file
    if len(data) > MAX_INFRASTRUCTURE_BYTES:
        data = data[:LARGE_FILE_PREFIX]
    return any(marker in data for marker in markers)


def _same_text(data: Optional[bytes], lines: Sequence[str]) -> bool:
    """Whether flake8's lines are the text that was analysed (newlines and BOM aside)."""
    if data is None:
        return True
    import io
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return True
    return text.lstrip("\ufeff").splitlines() == "".join(lines).lstrip("\ufeff").splitlines()


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def clear_cache() -> None:
    """Forget every analysis of this process (for long-lived processes and tests)."""
    _ANALYSES.clear()
    _PROJECTS.clear()
    _SAID.clear()
