"""Rule documentation: every code documented, exact rendering, generated pages in sync."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lambda_lint.rules.docs import (
    TOOL_CODES,
    doc_pages,
    documented_rules,
    missing_sections,
    rule_class,
    rule_markdown,
    rule_terminal,
    rules_table,
)
from lambda_lint.rules import ALL_RULES
from lambda_lint.rules.base import Rule

REPO = Path(__file__).resolve().parents[1]
GENERATOR = REPO / "scripts" / "gen_rule_docs.py"


class FakeRule(Rule):
    code = "LAM199"
    name = "fake-rule"
    summary = "Something fake is done on every invocation."
    default_enabled = False
    fixable = "sometimes"
    what = """
        Checks for `fake()` calls on the warm path.
    """
    why = """Fake calls outlive the invocation.
        Every warm invocation repeats them."""
    example = """
        def handler(event, context):
            fake()
    """
    use_instead = """def handler(event, context):
    real()"""
    fix_safety = "The fix is unsafe: `real()` may behave differently."
    references = ("[AWS Lambda execution environment](https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html)",)


class UndocumentedRule(Rule):
    code = "LAM198"
    name = "undocumented-rule"
    what = "Something."
    example = "   \n"


def test_rule_markdown_is_exact():
    assert rule_markdown(FakeRule) == """# fake-rule (LAM199)

Something fake is done on every invocation.

Family LAM1xx (state that outlives the invocation). Off by default; enable it with `--extend-select LAM199`. Fix is sometimes available.

## What it does

Checks for `fake()` calls on the warm path.

## Why is this bad?

Fake calls outlive the invocation.
Every warm invocation repeats them.

## Example

```python
def handler(event, context):
    fake()
```

## Use instead

```python
def handler(event, context):
    real()
```

## Fix safety

The fix is unsafe: `real()` may behave differently.

## References

- [AWS Lambda execution environment](https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html)
"""


def test_rule_terminal_is_exact():
    assert rule_terminal(FakeRule) == """fake-rule (LAM199)
==================

Something fake is done on every invocation.

Family LAM1xx (state that outlives the invocation). Off by default; enable it with `--extend-select LAM199`. Fix is sometimes available.

What it does
------------
Checks for `fake()` calls on the warm path.

Why is this bad?
----------------
Fake calls outlive the invocation.
Every warm invocation repeats them.

Example
-------
    def handler(event, context):
        fake()

Use instead
-----------
    def handler(event, context):
        real()

Fix safety
----------
The fix is unsafe: `real()` may behave differently.

References
----------
- [AWS Lambda execution environment](https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html)"""


def test_rules_table_is_exact():
    assert rules_table([rule_class("LAM001"), FakeRule, UndocumentedRule]) == (
        "code    name               default  fix\n"
        "LAM001  parse-error        on       none\n"
        "LAM199  fake-rule          off      sometimes\n"
        "LAM198  undocumented-rule  on       none"
    )


def test_rules_table_lists_every_code():
    table = rules_table()
    codes = [line.split()[0] for line in table.splitlines()[1:]]
    assert codes == sorted([*TOOL_CODES, *(r.code for r in ALL_RULES)])


def test_missing_sections_names_the_empty_ones():
    assert missing_sections(FakeRule) == []
    assert missing_sections(UndocumentedRule) == ["why", "example", "use_instead", "fix_safety", "references"]


def test_lookup_by_code():
    assert rule_class("lam001").name == "parse-error"
    assert rule_markdown("LAM002").startswith("# handler-not-found (LAM002)\n")
    with pytest.raises(KeyError):
        rule_class("LAM000")


def test_tool_codes():
    assert TOOL_CODES["LAM001"][0] == "parse-error"
    assert TOOL_CODES["LAM002"][0] == "handler-not-found"
    assert all(summary for _, summary in TOOL_CODES.values())
    assert "always on" in rule_markdown("LAM001")


def test_doc_pages_cover_every_code():
    pages = doc_pages()
    assert set(pages) == {"README.md", *(f"{r.code}.md" for r in documented_rules())}
    for rule in documented_rules():
        assert f"| [{rule.code}]({rule.code}.md) | {rule.name} |" in pages["README.md"]


# The requirement "a test fails if a rule lacks any section": this fails until
# every rule's author has written all of its documentation.
@pytest.mark.parametrize("rule", documented_rules(), ids=lambda r: r.code)
def test_every_code_has_every_section(rule):
    assert rule.name and rule.summary.strip(), f"{rule.code} needs a name and a summary"
    assert missing_sections(rule) == [], f"{rule.code} has empty documentation sections"


def run_generator(*args):
    return subprocess.run(
        [sys.executable, str(GENERATOR), *args], capture_output=True, text=True, cwd=str(REPO)
    )


def test_generator_check_detects_changes(tmp_path):
    out = tmp_path / "rules"
    assert run_generator("--check", "--output", str(out)).returncode == 1
    assert run_generator("--output", str(out)).returncode == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(doc_pages())
    assert run_generator("--check", "--output", str(out)).returncode == 0

    (out / "LAM001.md").write_text("edited\n", encoding="utf-8")
    (out / "LAM900.md").write_text("a page for a code that is gone\n", encoding="utf-8")
    (out / "notes.txt").write_text("hand-written, left alone\n", encoding="utf-8")
    check = run_generator("--check", "--output", str(out))
    assert check.returncode == 1
    assert "LAM001.md" in check.stderr and "LAM900.md" in check.stderr

    assert run_generator("--output", str(out)).returncode == 0
    assert not (out / "LAM900.md").exists()
    assert (out / "notes.txt").exists()
    assert run_generator("--check", "--output", str(out)).returncode == 0


def test_committed_docs_are_up_to_date():
    result = run_generator("--check")
    assert result.returncode == 0, result.stderr
