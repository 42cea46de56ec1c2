"""Helpers for rule tests: write a small project, check it, compare findings."""
from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Dict, Iterable, Optional

from lambda_lint.run.engine import Options, check

# The shared acceptance cases live next to the checkout (../shared/acceptance).
ACCEPTANCE = Path(__file__).resolve().parents[2] / "shared" / "acceptance"


def write_tree(root: Path, files: Dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def run_check(root: Path, files: Optional[Dict[str, str]] = None, codes: Optional[Iterable[str]] = None, config=None):
    """Check ``root`` (after writing ``files`` into it) from inside it; returns the CheckResult."""
    if files:
        write_tree(root, files)
    previous = os.getcwd()
    os.chdir(root)
    try:
        enabled = set(codes) if codes is not None else None
        return check(["."], config, Options(enabled=enabled))
    finally:
        os.chdir(previous)


def findings(root: Path, files: Optional[Dict[str, str]] = None, codes: Optional[Iterable[str]] = None, config=None) -> set:
    """{(path, line, code)} for the check of ``root``; only ``codes`` when given."""
    result = run_check(root, files, codes, config)
    assert not result.internal_errors, result.internal_errors
    return {(d.path.replace(os.sep, "/"), d.line, d.code) for d in result.diagnostics}


def expected_lines(source: str, marker: str = "# expect") -> list:
    """1-based lines of ``source`` that end with the marker comment."""
    return [i for i, line in enumerate(textwrap.dedent(source).splitlines(), 1) if line.rstrip().endswith(marker)]
