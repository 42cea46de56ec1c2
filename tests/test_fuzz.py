"""A short, fixed fuzz run (the long one is ``scripts/fuzz.py --seed N --count M``).

Two kinds of programs, both made handler candidates so that they are parsed and
analysed: syntactically valid programs from hypothesmith, and Lambda-shaped
programs built from the acceptance cases and the rules' examples, then mutated
(see ``scripts/fuzz.py``). For each: ``engine.check`` raises nothing and reports
no internal error; the depth estimate bounds the real tree depth; a chunked
parse renders the same text as a whole one; and, once ``lambda_lint/run/fixing.py``
exists, ``check --fix --unsafe-fixes`` leaves only files that parse, and a
second run changes nothing.

The examples are fixed (``derandomize=True``): the same cases on every run.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip("hypothesmith")

from hypothesis import HealthCheck, given, settings  # noqa: E402

_SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "fuzz.py"
_spec = importlib.util.spec_from_file_location("lambda_lint_fuzz", _SCRIPT)
fuzz = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = fuzz
_spec.loader.exec_module(fuzz)

GRAMMAR, LAMBDA_PROGRAMS = fuzz.strategies()
FIXED = dict(derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck))


def _assert_clean(case: dict, fix: bool) -> None:
    outcome = fuzz.run_case(case, fix=fix)
    details = "\n\n".join(f"--- {name} ---\n{text}" for name, text in case["files"].items())
    assert not outcome["crashes"], "\n".join(outcome["crashes"]) + "\n" + details
    assert not outcome["fix_failures"], "\n".join(outcome["fix_failures"]) + "\n" + details


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@settings(max_examples=150, **FIXED)
@given(GRAMMAR)
def test_valid_programs_from_the_grammar_never_crash(case):
    _assert_clean(case, fix=False)


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@settings(max_examples=150, **FIXED)
@given(LAMBDA_PROGRAMS)
def test_mutated_lambda_programs_never_crash_and_their_fixes_parse_and_settle(case):
    _assert_clean(case, fix=True)


def test_the_fix_assertions_run_once_the_fixer_exists():
    try:
        import lambda_lint.run.fixing  # noqa: F401
    except ImportError:
        pytest.skip("lambda_lint/run/fixing.py does not exist yet: the fix assertions are skipped")
    assert fuzz._fixer_available()


def test_the_corpus_has_acceptance_cases_and_rule_examples():
    projects = fuzz.corpus()
    from lambda_lint.rules import ALL_RULES

    examples = sum(len(r.valid) + len(r.invalid) for r in ALL_RULES)
    assert len(projects) >= examples
    if fuzz.ACCEPTANCE.is_dir():
        assert len(projects) > examples
        assert any(len(p) > 1 for p in projects)  # cross-module projects


def test_mutations_are_deterministic_and_change_the_text():
    import random

    text = "_seen = []\n\n\ndef lambda_handler(event, context):\n    _seen.append(event)\n    return _seen\n"
    first = [fuzz.mutate(text, random.Random(seed), 3) for seed in range(30)]
    assert first == [fuzz.mutate(text, random.Random(seed), 3) for seed in range(30)]
    assert sum(m != text for m in first) >= 25


def test_the_script_prints_its_summary_line(tmp_path):
    import subprocess

    proc = subprocess.run([sys.executable, str(_SCRIPT), "--seed", "5", "--count", "6", "--out", str(tmp_path / "f")],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[0] == "fuzz: 6 cases, 0 crashes"
