"""Every rule's embedded Fixit-style examples, run as tests.

``valid`` examples must produce no diagnostic of the rule's code; ``invalid``
examples must produce it exactly on the lines marked ``# expect``.
"""
import pytest

from lambda_lint.rules import ALL_RULES
from lambda_lint.settings.config import Config

from .helpers import expected_lines, findings

VALID = [pytest.param(rule, i, src, id=f"{rule.code}-valid-{i}") for rule in ALL_RULES for i, src in enumerate(rule.valid)]
INVALID = [pytest.param(rule, i, src, id=f"{rule.code}-invalid-{i}") for rule in ALL_RULES for i, src in enumerate(rule.invalid)]


def test_every_rule_has_examples():
    for rule in ALL_RULES:
        assert rule.valid, f"{rule.code} has no valid example"
        assert rule.invalid, f"{rule.code} has no invalid example"


def _config(rule, root):
    """The SnapStart rules apply only where SnapStart is on: the examples turn it on for their handler."""
    return Config(root=str(root), snapstart=True) if rule.code.startswith("LAM6") else None


@pytest.mark.parametrize("rule,index,source", VALID)
def test_valid_example_is_silent(tmp_path, rule, index, source):
    found = findings(tmp_path, {"app.py": source}, codes={rule.code}, config=_config(rule, tmp_path))
    assert found == set()


@pytest.mark.parametrize("rule,index,source", INVALID)
def test_invalid_example_is_reported(tmp_path, rule, index, source):
    found = findings(tmp_path, {"app.py": source}, codes={rule.code}, config=_config(rule, tmp_path))
    assert {line for (_, line, _) in found} == set(expected_lines(source))
    assert {code for (_, _, code) in found} == {rule.code}
