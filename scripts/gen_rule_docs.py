#!/usr/bin/env python3
"""Write docs/rules/<CODE>.md for every rule and tool code, plus docs/rules/README.md.

    python scripts/gen_rule_docs.py            # (re)generate the pages
    python scripts/gen_rule_docs.py --check    # exit 1 if any page is out of date

The pages are rendered by lambda_lint.rules.docs from the rule classes, so a
rule's documentation lives in one place: its class.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    # Runs from a checkout without installing the package.
    sys.path.insert(0, str(REPO))

from lambda_lint.rules.docs import doc_pages  # noqa: E402

DEFAULT_OUTPUT = REPO / "docs" / "rules"
# Only files that look generated are ever deleted, so hand-written notes survive.
GENERATED_PAGE = re.compile(r"LAM\d{3}\.md")


def stale_pages(output: Path, pages: dict) -> list:
    """Generated pages on disk whose code no longer exists."""
    if not output.is_dir():
        return []
    return sorted(p for p in output.iterdir() if GENERATED_PAGE.fullmatch(p.name) and p.name not in pages)


def out_of_date(output: Path, pages: dict) -> list:
    """File names that are missing, differ from what would be generated, or are stale."""
    problems = []
    for name, content in sorted(pages.items()):
        path = output / name
        if not path.is_file() or path.read_text(encoding="utf-8") != content:
            problems.append(name)
    problems.extend(p.name for p in stale_pages(output, pages))
    return problems


def write_pages(output: Path, pages: dict) -> list:
    """Write what changed and delete stale pages; return the names touched."""
    output.mkdir(parents=True, exist_ok=True)
    touched = []
    for name, content in sorted(pages.items()):
        path = output / name
        if not path.is_file() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8", newline="\n")
            touched.append(name)
    for path in stale_pages(output, pages):
        path.unlink()
        touched.append(path.name)
    return touched


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if any page is out of date; write nothing")
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help="directory of the pages (default: docs/rules)"
    )
    args = parser.parse_args(argv)
    pages = doc_pages()
    if args.check:
        problems = out_of_date(args.output, pages)
        if problems:
            print(f"out of date in {args.output}: {', '.join(problems)}", file=sys.stderr)
            print("run: python scripts/gen_rule_docs.py", file=sys.stderr)
            return 1
        print(f"{len(pages)} pages up to date in {args.output}")
        return 0
    touched = write_pages(args.output, pages)
    names = f": {', '.join(touched)}" if touched else ""
    print(f"{len(touched)} of {len(pages)} pages written to {args.output}{names}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
