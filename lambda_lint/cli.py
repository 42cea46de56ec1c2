"""The ``lambda-lint`` command."""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import List, Optional

from . import __version__
from .settings.config import ConfigError, load_config
from .run.engine import CheckResult, Options, check, display_path
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
    chk.add_argument("paths", nargs="*", default=["."])
    chk.add_argument("--format", choices=FORMATS, default="text")
    chk.add_argument("--select", type=_codes, help="codes or prefixes to report (replaces the configured set)")
    chk.add_argument("--extend-select", type=_codes, default=[], help="codes or prefixes to add")
    chk.add_argument("--ignore", type=_codes, default=[], help="codes or prefixes to leave out")
    chk.add_argument("--config", help="use this pyproject.toml")
    chk.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    chk.add_argument("--force-exclude", action="store_true", help="apply exclude to files named on the command line")
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
    chk.add_argument("--jobs", "-j", type=int, default=0, help="processes to use (1: no parallelism)")
    chk.add_argument("--strict", action="store_true", help="exit 1 when the checked Python files hold no handler")

    hnd = sub.add_parser("handlers", help="list the handlers found")
    hnd.add_argument("paths", nargs="*", default=["."])
    hnd.add_argument("--format", choices=("text", "json"), default="text")
    hnd.add_argument("--config")
    hnd.add_argument("--isolated", action="store_true")
    hnd.add_argument("--explain", action="store_true",
                     help="per infrastructure file: what it declared and what was resolved; files no handler reaches")

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
        if args.command == "rule":
            return _rule(args.code)
        if args.command == "server":
            from .server import main as serve

            return serve()
        if args.command == "rules":
            from .rules.docs import rules_table

            print(rules_table())
            return EXIT_CLEAN
    except ConfigError as exc:
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


def _load_config(args, paths):
    start = paths[0] if paths else "."
    if not os.path.exists(start):
        start = "."
    return load_config(start, getattr(args, "config", None), getattr(args, "isolated", False))


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
    )


def _fixes_needed(args) -> str:
    """How much of each fix the output shows (engine.Options.fixes)."""
    if args.fix or args.diff or args.show_fixes or args.format in ("json", "sarif"):
        return "full"
    if args.add_noqa or (args.format == "github" and not args.statistics):
        return "none"
    return "test"  # the text formats and --statistics: "[*]" and the fixable counts


def _check(args) -> int:
    config = _load_config(args, args.paths)
    options = Options(enabled=_enabled(args, config), force_exclude=args.force_exclude,
                      jobs=args.jobs, use_cache=not args.no_cache, fixes=_fixes_needed(args))
    if args.fix or args.diff:
        options.jobs, options.use_cache = 1, False  # the fixer re-checks its in-memory text in this process
        return _fix(args, config, options)
    result = check(args.paths, config, options)
    from .run.suppress import apply_suppressions

    apply_suppressions(result, config)
    if args.add_noqa:
        from .run.suppress import add_noqa_comments

        count = add_noqa_comments(result)
        print(f"Added {count} noqa directive{'s' if count != 1 else ''}.", file=sys.stderr)
        return EXIT_CLEAN
    return report(result, args)


def _fix(args, config, options) -> int:
    """``check --fix`` / ``--diff``: rounds of fixes in memory, then written (or shown) and checked again."""
    from .diagnostics import display_path
    from .run.fixing import analyse, final_parses, fix_rounds, unified_diff

    unsafe = bool(getattr(args, "unsafe_fixes", False))
    run = fix_rounds(args.paths, config, options, unsafe)
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
    result = analyse(args.paths, config, options)
    return report(result, args, fixed=len(applied), applied=applied)


def report(result: CheckResult, args, fixed: int = 0, applied=None) -> int:
    from .output import render, statistics

    for message in result.errors + result.internal_errors + result.warnings:
        print(f"lambda-lint: {message}", file=sys.stderr)
    if args.statistics:
        text = statistics(result.diagnostics)
    else:
        text = render(
            result.diagnostics,
            args.format,
            color=args.output_file is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ,
            read_lines=_line_reader(result),
            fixed=fixed,
            show_fixes=applied if getattr(args, "show_fixes", False) else None,
            version=__version__,
        )
        if args.quiet and args.format in ("text", "concise"):
            text = "\n".join(line for line in text.splitlines() if ":" in line.split(" ")[0])
    if args.output_file:
        with open(args.output_file, "w", encoding="utf-8") as fh:
            fh.write(text + ("\n" if text and not text.endswith("\n") else ""))
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
    config = _load_config(args, args.paths)
    result = check(args.paths, config, Options(enabled=set()))
    handlers = [dict(h.to_json(), path=display_path(h.path)) for h in result.handlers]
    if args.format == "json":
        print(json.dumps(handlers, indent=2))
    else:
        for h in handlers:
            snapstart = ", SnapStart" if h.get("snapstart") else ""
            print(f"{h['path']}:{h['line']}: {h['function']} ({h['source']}{snapstart})")
        for missing in result.project.missing:
            print(f"{display_path(missing.declared_in)}:{missing.declared_line}: LAM002 handler `{missing.spec}` {missing.reason}")
    if args.explain and args.format == "text":
        from .run.explain import explain

        print("\n".join(explain(result, os.path.abspath(result.project.root if result.project is not None else "."))))
    for message in result.errors + result.warnings:
        print(f"lambda-lint: {message}", file=sys.stderr)
    if not args.explain:
        _warn_if_nothing_analysed(result)
    return EXIT_ERROR if result.errors else EXIT_CLEAN


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
