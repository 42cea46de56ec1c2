"""The rules as a whole match the catalog: every code exists once, docs agree with the fixes."""
import re
from pathlib import Path

from lambda_lint.settings.config import CATALOG_CODES
from lambda_lint.fixes import FIXERS
from lambda_lint.rules.docs import TOOL_CODES
from lambda_lint.rules import ALL_RULES

CATALOG = Path(__file__).resolve().parents[2] / "shared" / "rule-catalog.md"


def test_every_catalog_code_is_a_rule_or_a_tool_code():
    codes = [r.code for r in ALL_RULES] + list(TOOL_CODES)
    assert sorted(codes) == sorted(CATALOG_CODES)
    assert len(codes) == len(set(codes))


def test_rule_names_match_the_catalog():
    if not CATALOG.exists():
        import pytest

        pytest.skip("the shared rule catalog is not beside this checkout")
    catalog = dict(re.findall(r"^\| (LAM\d{3}) \| ([a-z0-9-]+) \|", CATALOG.read_text(encoding="utf-8"), re.M))
    for rule in ALL_RULES:
        assert catalog[rule.code] == rule.name


def test_fix_availability_in_the_docs_matches_the_fixers():
    for rule in ALL_RULES:
        has_fixer = rule.code in FIXERS
        assert (rule.fixable != "none") == has_fixer, rule.code
        if not has_fixer:
            assert rule.fix_safety.startswith("No automatic fix"), rule.code


def test_only_lam403_is_off_by_default():
    assert [r.code for r in ALL_RULES if not r.default_enabled] == ["LAM403"]
