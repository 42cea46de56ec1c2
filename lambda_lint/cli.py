"""The ``lambda-lint`` command."""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import List, Optional

from . import __version__
from .settings.config import ConfigError
from .run.engine import CheckResult, Options, display_path
from .settings.config import CATALOG_CODES

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
ALL_CODES = CATALOG_CODES  # the rules themselves are imported only when a check runs


def _codes(value: str) -> List[str]:
    return [c.strip().upper() for c in value.split(",") if c.strip()]


def build_parser() -> argparse.ArgumentParser:
    from .output import FORMATS

    parser = argparse.ArgumentParser(
        prog="lambda-lint",
        description="Find the bugs in AWS Lambda Python code that only show on warm invocations.",
    )
    parser.add_argument("--version", action="version", version=f"lambda-lint {__version__}")
    sub = parser.add_subparsers(dest="command")

    chk = sub.add_parser("check", help="check files and folders (default: .)")
    chk.add_argument("paths", nargs="*", default=["."],
                     help="files and folders; `-` reads the file named by --stdin-filename from stdin")
    chk.add_argument("--output-format", "--format", dest="format", choices=FORMATS, default="text",
                     help="how to print the findings (--format is the older name)")
    # Repeated options accumulate, as in Ruff: `--select LAM1 --select LAM2` selects both.
    chk.add_argument("--select", type=_codes, action="append",
                     help="codes or prefixes to report (replaces the configured set)")
    chk.add_argument("--extend-select", type=_codes, action="append", default=[], help="codes or prefixes to add")
    chk.add_argument("--ignore", type=_codes, action="append", default=[], help="codes or prefixes to leave out")
    chk.add_argument("--config", help="use this pyproject.toml for every file")
    chk.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    chk.add_argument("--force-exclude", action="store_true", help="apply exclude to files named on the command line")
    chk.add_argument("--respect-gitignore", dest="respect_gitignore", action="store_true", default=None,
                     help="skip what .gitignore, .git/info/exclude and the global excludes file ignore (default)")
    chk.add_argument("--no-respect-gitignore", dest="respect_gitignore", action="store_false",
                     help="check files that git ignores")
    chk.add_argument("--stdin-filename", help="the path of the file read from stdin (with `-`)")
    chk.add_argument("--exit-zero", action="store_true", help="exit 0 even when something is reported")
    chk.add_argument("--quiet", "-q", action="store_true", help="print diagnostics only, no summary")
    chk.add_argument("--statistics", action="store_true", help="count diagnostics per code")
    chk.add_argument("--output-file", help="write the report to this file")
    chk.add_argument("--fix", action="store_true", help="apply safe fixes")
    chk.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff, apply unsafe fixes too")
    chk.add_argument("--diff", action="store_true", help="print the diff --fix would apply; write nothing")
    chk.add_argument("--show-fixes", action="store_true", help="list the fixes applied")
    chk.add_argument("--add-noqa", action="store_true", help="add `# noqa: CODE` to every reported line")
    chk.add_argument("--no-cache", action="store_true", help="do not read or write .lambda_lint_cache/")
    chk.add_argument("--cache-dir", help="keep the cache in this folder (default: $LAMBDA_LINT_CACHE_DIR, "
                                         "else .lambda_lint_cache/ in each project root)")
    chk.add_argument("--show-files", action="store_true",
                     help="list the files that would be checked, and why a Python file is not analysed")
    chk.add_argument("--show-settings", action="store_true",
                     help="print the resolved settings of each project and where they come from")
    chk.add_argument("--verbose", "-v", action="store_true", help="say what is done, on stderr")
    chk.add_argument("--jobs", "-j", type=int, default=0, help="processes to use (1: no parallelism)")
    chk.add_argument("--strict", action="store_true", help="exit 1 when the checked Python files hold no handler")

    hnd = sub.add_parser("handlers", help="list the handlers found")
    hnd.add_argument("paths", nargs="*", default=["."])
    hnd.add_argument("--output-format", "--format", dest="format", choices=("text", "json"), default="text")
    hnd.add_argument("--config")
    hnd.add_argument("--isolated", action="store_true")
    hnd.add_argument("--explain", action="store_true",
                     help="per infrastructure file: what it declared and what was resolved; files no handler reaches")

    cln = sub.add_parser("clean", help="remove the caches in the current folder and below (and --cache-dir)")
    cln.add_argument("--cache-dir", help="also remove this cache folder")
    sub.add_parser("server", help="run the language server (LSP over stdin/stdout) for editors")

    rule = sub.add_parser("rule", help="show a rule's documentation")
    rule.add_argument("code")
    sub.add_parser("rules", help="list every rule")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return _check(args)
        if args.command == "handlers":
            return _handlers(args)
        if args.command == "clean":
            return _clean(args)
        if args.command == "rule":
            return _rule(args.code)
        if args.command == "server":
            from .server import main as serve

            return serve()
        if args.command == "rules":
            from .rules.docs import rules_table

            print(rules_table())
            return EXIT_CLEAN
    except (ConfigError, UsageError) as exc:
        print(f"lambda-lint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `lambda-lint ... | head`: the reader left; say nothing more
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FINDINGS
    parser.print_help()
    return EXIT_ERROR


# Flags that ask for two different runs: an error (exit 2), as in Ruff, rather
# than one of them silently winning.
CONFLICTS = (
    ("add_noqa", "fix"), ("add_noqa", "diff"), ("add_noqa", "statistics"),
    ("config", "isolated"), ("diff", "statistics"), ("show_fixes", "statistics"),
    ("show_files", "show_settings"), ("show_files", "fix"), ("show_files", "diff"), ("show_files", "add_noqa"),
    ("show_settings", "fix"), ("show_settings", "diff"), ("show_settings", "add_noqa"),
)


def _check_conflicts(args) -> None:
    for first, second in CONFLICTS:
        if getattr(args, first, None) and getattr(args, second, None):
            raise UsageError(f"--{first.replace('_', '-')} cannot be used with --{second.replace('_', '-')}")
    if args.statistics and args.format not in ("text", "concise", "json"):
        raise UsageError(f"--statistics prints text or json, not {args.format}")


class UsageError(Exception):
    """A bad combination of command-line options (exit 2)."""


def _flatten(groups) -> Optional[list]:
    if groups is None:
        return None
    return [code for group in groups for code in group]


def _resolver(args):
    from .run.scope import Resolver

    resolver = Resolver(config_path=getattr(args, "config", None), isolated=getattr(args, "isolated", False),
                        respect_gitignore=getattr(args, "respect_gitignore", None))
    resolver.enabled_for = lambda config: _enabled(args, config)
    return resolver


def _enabled(args, config) -> set:
    from .settings.config import code_problem
    from .settings.selection import enabled_codes

    for option in ("select", "extend_select", "ignore"):
        for code in getattr(args, option) or ():
            problem = code_problem(code)
            if problem:
                raise ConfigError(f"--{option.replace('_', '-')}: {problem}")

    return enabled_codes(
        ALL_CODES,
        select=config.select,
        extend_select=config.extend_select,
        ignore=config.ignore,
        cli_select=args.select,
        cli_extend_select=args.extend_select,
        cli_ignore=args.ignore,
        select_set=getattr(config, "select_set", False),
    )


def _fixes_needed(args) -> str:
    """How much of each fix the output shows (engine.Options.fixes)."""
    if args.fix or args.diff or args.show_fixes or args.format in ("json", "json-lines", "sarif", "rdjson"):
        return "full"
    if args.add_noqa or (args.format in ("github", "gitlab", "junit", "pylint") and not args.statistics):
        return "none"
    return "test"  # the text formats and --statistics: "[*]" and the fixable counts


def _stdin(args):
    """(paths, stdin path, contents) for `check - --stdin-filename PATH`."""
    if "-" not in args.paths:
        return args.paths, None, None
    if not args.stdin_filename:
        raise UsageError("`-` reads stdin as a file of its project: name it with --stdin-filename PATH")
    data = sys.stdin.buffer.read()
    path = os.path.abspath(args.stdin_filename)
    paths = [p for p in args.paths if p != "-"] + [args.stdin_filename]
    return paths, path, {path: data}


def _check(args) -> int:
    for option in ("select", "extend_select", "ignore"):
        setattr(args, option, _flatten(getattr(args, option)))
    try:
        _check_conflicts(args)
    except UsageError as exc:
        print(f"lambda-lint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    args.paths, stdin_path, contents = _stdin(args)
    resolver = _resolver(args)
    options = Options(force_exclude=args.force_exclude, jobs=args.jobs, use_cache=not args.no_cache,
                      contents=contents, cache_dir=args.cache_dir, fixes=_fixes_needed(args))
    if args.show_settings or args.show_files:
        from .run.introspect import show_files, show_settings

        print(show_settings(args.paths, resolver, stdin_path) if args.show_settings
              else show_files(args.paths, resolver, options, stdin_path))
        return EXIT_CLEAN
    if args.fix or args.diff:
        options.jobs, options.use_cache = 1, False  # the fixer re-checks its in-memory text in this process
        return _fix(args, resolver, options)
    from .run.scope import check_paths

    started = time.perf_counter()
    result = check_paths(args.paths, resolver, options, resolver.enabled_for, stdin_path=stdin_path)
    if args.verbose:
        for scope in result.scopes:
            print(f"lambda-lint: project {display_path(scope.root) or '.'}: configuration "
                  f"{display_path(scope.config.path) if scope.config.path else 'none (defaults)'}, "
                  f"{len(scope.files)} Python file{'s' if len(scope.files) != 1 else ''} checked", file=sys.stderr)
        print(f"lambda-lint: checked in {time.perf_counter() - started:.2f} s", file=sys.stderr)
    if args.add_noqa:
        from .run.suppress import add_noqa_comments

        added = add_noqa_comments(result)
        count = added.added
        print(f"Added {count} noqa directive{'s' if count != 1 else ''}.", file=sys.stderr)
        if added.unplaced:
            total = sum(added.unplaced.values())
            reasons = "; ".join(f"{n}: {why}" for why, n in sorted(added.unplaced.items()))
            print(f"Could not place {total} finding{'s' if total != 1 else ''} ({reasons}).", file=sys.stderr)
        return EXIT_CLEAN
    return report(result, args)


def _fix(args, resolver, options) -> int:
    """``check --fix`` / ``--diff``: rounds of fixes in memory, then written (or shown) and checked again."""
    from .diagnostics import display_path
    from .run.fixing import analyse, final_parses, fix_rounds, unified_diff

    unsafe = bool(getattr(args, "unsafe_fixes", False))
    run = fix_rounds(args.paths, resolver, options, unsafe)
    for message in run.failures:
        print(f"lambda-lint: {message}", file=sys.stderr)
    changed = []
    for state in sorted(run.files.values(), key=lambda s: s.path):
        if not state.changed:
            continue
        if final_parses(state):
            changed.append(state)
        else:  # never expected: every step was checked
            print(f"lambda-lint: {display_path(state.path)}: the fixed text does not parse; file left unchanged",
                  file=sys.stderr)

    if getattr(args, "diff", False):
        for message in run.result.errors + run.result.internal_errors:
            print(f"lambda-lint: {message}", file=sys.stderr)
        text = "".join(unified_diff(s) for s in changed)
        if text:
            sys.stdout.write(text)
            sys.stdout.flush()
        count = sum(len(s.applied) for s in changed)
        if count:
            print(f"Would fix {count} error{'s' if count != 1 else ''}.", file=sys.stderr)
        if run.result.errors or run.result.internal_errors:
            return EXIT_ERROR
        return EXIT_FINDINGS if text and not args.exit_zero else EXIT_CLEAN

    if options.contents:
        return _fix_stdin(args, run, changed, options)
    root = run.result.project.root if run.result.project is not None else None
    applied = []
    for state in changed:
        try:
            from .fixes.writing import WriteRefused, write_text_preserving

            write_text_preserving(state.path, state.text, state.encoding, state.original, root)
        except (WriteRefused, OSError) as exc:
            print(f"lambda-lint: {display_path(state.path)}: not written: {exc}", file=sys.stderr)
            continue
        applied.extend(state.applied)
    result = analyse(args.paths, resolver, options)
    return report(result, args, fixed=len(applied), applied=applied)


def _fix_stdin(args, run, changed, options) -> int:
    """`check --fix - --stdin-filename F` (Ruff's editor protocol): the fixed text goes to stdout,
    the report to stderr; nothing on disk is written."""
    import contextlib

    path, data = next(iter(options.contents.items()))
    state = next((s for s in changed if s.path == path), None)
    if state is not None:
        sys.stdout.write(state.text)
    else:
        sys.stdout.buffer.write(data)
    sys.stdout.flush()
    applied = state.applied if state is not None else []
    with contextlib.redirect_stdout(sys.stderr):
        return report(run.result, args, fixed=len(applied), applied=applied)


def report(result: CheckResult, args, fixed: int = 0, applied=None) -> int:
    from .output import render, statistics

    for message in result.errors + result.internal_errors + result.warnings:
        print(f"lambda-lint: {message}", file=sys.stderr)
    if args.statistics:
        text = statistics(result.diagnostics, args.format, unsafe_fixes=bool(getattr(args, "unsafe_fixes", False)))
    else:
        text = render(
            result.diagnostics,
            args.format,
            color=args.output_file is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ,
            read_lines=_line_reader(result),
            fixed=fixed,
            show_fixes=applied if getattr(args, "show_fixes", False) else None,
            version=__version__,
            unsafe_fixes=bool(getattr(args, "unsafe_fixes", False)),
            quiet=bool(args.quiet),
            enabled=getattr(result, "enabled", None),
        )
    if args.output_file:
        problem = _write_output(args.output_file, text + ("\n" if text and not text.endswith("\n") else ""))
        if problem:
            print(f"lambda-lint: error: {problem}", file=sys.stderr)
            return EXIT_ERROR
    elif text:
        print(text)
    nothing_analysed = _warn_if_nothing_analysed(result)
    if result.errors or result.internal_errors:
        return EXIT_ERROR
    if result.diagnostics and not args.exit_zero:
        return EXIT_FINDINGS
    if nothing_analysed and getattr(args, "strict", False):
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _write_output(path: str, text: str) -> Optional[str]:
    """Write the report; its folder is created if missing (as Ruff does). A problem is one line."""
    try:
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        return f"--output-file {path}: {exc.strerror or exc}"
    return None


NO_HANDLER_HINT = ("no handler found in the checked Python files, so nothing was analysed; declare the entry points in "
                   "pyproject.toml: [tool.lambda-lint] handlers = [\"module.function\"] (`lambda-lint handlers --explain` "
                   "shows what was read)")


def _warn_if_nothing_analysed(result: CheckResult) -> bool:
    """Never a silent pass: Python files were checked, but no handler was found to start from."""
    if result.handlers or not getattr(result, "python_files", None) or result.errors:
        return False
    print(f"lambda-lint: {NO_HANDLER_HINT}", file=sys.stderr)
    return True


def _line_reader(result: CheckResult):
    def read_lines(path: str):
        if result.project is None:
            return None
        data = result.project.data(os.path.abspath(path))
        if isinstance(data, bytes):
            return data.decode("utf-8", errors="replace").splitlines()
        return None

    return read_lines


def _handlers(args) -> int:
    from .run.scope import check_paths

    result = check_paths(args.paths, _resolver(args), Options(), lambda config: set(), suppress=False)
    # The handlers in the paths given (the project's others were searched to find the warm path).
    shown = [h for h in result.handlers if any(scope.within_given(h.path) for scope in result.scopes)]
    handlers = [dict(h.to_json(), path=display_path(h.path)) for h in shown]
    if args.format == "json":
        print(json.dumps(handlers, indent=2))
    else:
        for h in handlers:
            snapstart = ", SnapStart" if h.get("snapstart") else ""
            print(f"{h['path']}:{h['line']}: {h['function']} ({h['source']}{snapstart})")
        for missing in getattr(result.project, "missing", None) or []:
            print(f"{display_path(missing.declared_in)}:{missing.declared_line}: LAM002 handler `{missing.spec}` {missing.reason}")
    if args.explain and args.format == "text":
        from .run.explain import explain

        print("\n".join(explain(result, os.path.abspath(result.project.root if result.project is not None else "."))))
    for message in result.errors + result.warnings:
        print(f"lambda-lint: {message}", file=sys.stderr)
    if not args.explain:
        _warn_if_nothing_analysed(result)
    return EXIT_ERROR if result.errors else EXIT_CLEAN


def _clean(args) -> int:
    """Ruff's `clean`: remove every cache folder in the current folder and below."""
    import shutil

    from .run.cache import CACHE_DIR, ENV_CACHE_DIR

    removed = []
    for folder, dirs, _ in os.walk("."):
        if CACHE_DIR in dirs:
            removed.append(os.path.join(folder, CACHE_DIR))
            dirs.remove(CACHE_DIR)
        dirs[:] = [d for d in dirs if d not in (".git", "node_modules", ".venv", "venv")]
    extra = args.cache_dir or os.environ.get(ENV_CACHE_DIR)
    if extra and os.path.isdir(extra):
        removed.append(extra)
    for folder in removed:
        if os.path.isfile(os.path.join(folder, "CACHEDIR.TAG")) or os.path.isdir(os.path.join(folder, "units")):
            shutil.rmtree(folder, ignore_errors=True)
            print(f"Removed cache at: {os.path.normpath(folder)}", file=sys.stderr)
    return EXIT_CLEAN


def _rule(code: str) -> int:
    from .rules.docs import rule_terminal

    try:
        print(rule_terminal(code.upper()))
    except KeyError:
        print(f"lambda-lint: error: unknown rule code {code!r}; `lambda-lint rules` lists them", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_CLEAN


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
