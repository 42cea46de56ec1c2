import pytest

from lambda_lint.settings.config import CATALOG_CODES
from lambda_lint.settings.selection import DEFAULT_OFF, enabled_codes, glob_matches, ignored_for_file

ALL = set(CATALOG_CODES)


def on(**kwargs):
    return enabled_codes(CATALOG_CODES, **kwargs)


def test_default_is_everything_but_default_off():
    assert DEFAULT_OFF == ("LAM403",)
    assert on() == ALL - {"LAM403"}


def test_select_by_prefix():
    assert on(select=["LAM1"]) == {"LAM101", "LAM102", "LAM103", "LAM104", "LAM105", "LAM106", "LAM107"}
    assert on(select=["LAM101", "LAM20"]) == {"LAM101", "LAM201", "LAM202", "LAM203", "LAM204"}


def test_selecting_everything_includes_default_off():
    assert on(select=["LAM"]) == ALL
    assert on(extend_select=["LAM4"]) == ALL


def test_extend_select_adds_to_default():
    assert on(extend_select=["LAM403"]) == ALL


def test_more_specific_ignore_wins_over_select():
    assert on(select=["LAM4"], ignore=["LAM401"]) == {"LAM402", "LAM403"}


def test_more_specific_extend_select_wins_over_ignore():
    assert on(ignore=["LAM4"], extend_select=["LAM403"]) == ALL - {"LAM401", "LAM402"}


def test_ignore_wins_on_equal_specificity():
    assert on(select=["LAM1"], ignore=["LAM1"]) == set()
    assert on(extend_select=["LAM403"], ignore=["LAM403"]) == ALL - {"LAM403"}


def test_ignore_prefix_removes_from_default():
    assert on(ignore=["LAM3", "LAM001"]) == ALL - {"LAM001", "LAM301", "LAM302", "LAM303", "LAM304", "LAM305", "LAM403"}


def test_cli_select_replaces_config_select():
    assert on(select=["LAM1"], cli_select=["LAM2"]) == {"LAM201", "LAM202", "LAM203", "LAM204"}


def test_cli_select_keeps_config_ignore_and_extend_select():
    assert on(select=["LAM1"], ignore=["LAM202"], extend_select=["LAM501"], cli_select=["LAM2"]) == {
        "LAM201",
        "LAM203",
        "LAM204",
        "LAM501",
    }


def test_empty_cli_select_means_default():
    assert on(select=["LAM1"], cli_select=[]) == ALL - {"LAM403"}


def test_cli_options_apply_after_config_options():
    # The CLI layer wins whatever the specificity of the config's selector.
    assert on(extend_select=["LAM403"], cli_ignore=["LAM4"]) == ALL - {"LAM401", "LAM402", "LAM403"}
    assert on(ignore=["LAM101"], cli_extend_select=["LAM1"]) == ALL - {"LAM403"}
    # Within the CLI layer, specificity decides again.
    assert on(cli_ignore=["LAM1"], cli_extend_select=["LAM102"]) == ALL - {"LAM101", "LAM103", "LAM104", "LAM105", "LAM106", "LAM107", "LAM403"}


def test_selectors_are_normalized():
    assert on(cli_select=[" lam101 ", ""]) == {"LAM101"}


def test_only_known_codes_are_returned():
    assert enabled_codes(["LAM101", "LAM102"], select=["LAM"]) == {"LAM101", "LAM102"}


@pytest.mark.parametrize(
    "pattern, path, expected",
    [
        ("conftest.py", "conftest.py", True),
        ("conftest.py", "tests/unit/conftest.py", True),
        ("*.py", "a/b/c.py", True),
        ("tests/*.py", "tests/test_a.py", True),
        ("tests/*.py", "tests/unit/test_a.py", False),
        ("tests/**/*.py", "tests/test_a.py", True),
        ("tests/**/*.py", "tests/unit/deep/test_a.py", True),
        ("tests/**", "tests/unit/test_a.py", True),
        ("**/test_*.py", "test_root.py", True),
        ("**/test_*.py", "pkg/tests/test_x.py", True),
        ("**/test_*.py", "pkg/tests/helpers.py", False),
        ("tests", "tests/unit/test_a.py", True),
        ("tests/", "tests/unit/test_a.py", True),
        ("tests/", "src/tests/x.py", True),
        ("/tests", "src/tests/x.py", False),
        ("/tests", "tests/x.py", True),
        ("migrations", "app/migrations/0001.py", True),
        ("src/legacy", "src/legacy/old.py", True),
        ("src/legacy", "lib/src/legacy/old.py", False),
        ("handler.py/", "handler.py", False),
        ("test_?.py", "tests/test_a.py", True),
        ("test_[ab].py", "test_b.py", True),
        ("test_[!ab].py", "test_b.py", False),
        ("./src/*.py", "src/app.py", True),
        ("src/*.py", "./src/app.py", True),
        ("src/*.py", "src\\app.py", True),
        ("*.py", "app.pyc", False),
    ],
)
def test_glob_matches(pattern, path, expected):
    assert glob_matches(pattern, path) is expected


def test_ignored_for_file_unions_matching_patterns():
    per_file = {"tests/**": ["LAM1", "LAM201"], "conftest.py": ["LAM3"], "src/*.py": ["LAM5"]}
    assert ignored_for_file("tests/unit/conftest.py", per_file) == {"LAM1", "LAM201", "LAM3"}
    assert ignored_for_file("src/app.py", per_file) == {"LAM5"}
    assert ignored_for_file("src/pkg/app.py", per_file) == set()
    assert ignored_for_file("app.py", {}) == set()
