import pytest

from lambda_lint.settings.suppression import (
    add_noqa,
    bare_file_level_lines,
    file_level_codes,
    is_file_suppressed,
    suppressed,
)


@pytest.mark.parametrize(
    "line",
    [
        "cache = {}  # noqa",
        "cache = {}  # NOQA",
        "cache = {}  #noqa",
        "cache = {}  # noqa: LAM101",
        "cache = {}  # noqa:LAM101",
        "cache = {}  # noqa : lam101",
        "cache = {}  # noqa: LAM1",
        "cache = {}  # noqa: LAM",
        "cache = {}  # noqa: E501,LAM101",
        "cache = {}  # noqa: E501 LAM101",
        "cache = {}  # noqa: E501, LAM2, LAM101",
        "cache = {}  # noqa: LAM101 -- shared on purpose",
        "cache = {}  # noqa:",
        "cache = {}  # type: ignore  # noqa: LAM101",
        "cache = {}  # noqa because the cache is intended",
        "cache = {}  # noqa: LAM101\n",
        "url = 'http://x#y'  # noqa: LAM101",
    ],
)
def test_suppresses_lam101(line):
    assert suppressed(line, "LAM101")


@pytest.mark.parametrize(
    "line",
    [
        "cache = {}",
        "cache = {}  # noqa: LAM102",
        "cache = {}  # noqa: LAM2, LAM102",
        "cache = {}  # noqa: LAM1011",
        "cache = {}  # noqa: E501",
        "cache = {}  # noqanything",
        "cache = {}  # a comment mentioning noqa",
        "text = '# noqa'",
        'text = "# noqa: LAM101"',
        "text = '''# noqa'''",
        'text = "a \\" # noqa"',
        "text = f'{x}# noqa'",
    ],
)
def test_does_not_suppress_lam101(line):
    assert not suppressed(line, "LAM101")


def test_noqa_after_a_string_with_a_hash():
    line = "text = '# noqa: LAM2'  # noqa: LAM101"
    assert suppressed(line, "LAM101")
    assert not suppressed(line, "LAM201")


def test_file_level_codes():
    text = "import os\n# lambda-lint: noqa: LAM101, LAM3\n\ndef handler(e, c):\n    pass\n"
    assert file_level_codes(text) == {"LAM101", "LAM3"}


def test_file_level_variants_and_union():
    text = "#lambda-lint:noqa:lam101\n    # Lambda-Lint: NOQA: LAM2 LAM401\n"
    assert file_level_codes(text) == {"LAM101", "LAM2", "LAM401"}


def test_file_level_must_be_on_its_own_line():
    assert file_level_codes("x = 1  # lambda-lint: noqa: LAM101\n") is None


def test_bare_file_level_is_not_a_blanket_suppression():
    text = "# lambda-lint: noqa\nx = 1\n"
    assert file_level_codes(text) is None
    assert bare_file_level_lines(text) == [1]
    assert not is_file_suppressed(file_level_codes(text), "LAM101")


def test_bare_and_named_file_level():
    text = "x = 1\n# lambda-lint: noqa\n# lambda-lint: noqa: LAM5\n"
    assert file_level_codes(text) == {"LAM5"}
    assert bare_file_level_lines(text) == [2]


def test_no_file_level_directive():
    assert file_level_codes("# noqa\nx = 1\n") is None
    assert bare_file_level_lines("# noqa\nx = 1\n") == []


def test_is_file_suppressed():
    assert is_file_suppressed({"LAM101", "LAM3"}, "LAM101")
    assert is_file_suppressed({"LAM101", "LAM3"}, "LAM304")
    assert not is_file_suppressed({"LAM101", "LAM3"}, "LAM102")
    assert not is_file_suppressed(set(), "LAM101")
    assert not is_file_suppressed(None, "LAM101")


@pytest.mark.parametrize(
    "line, codes, expected",
    [
        ("cache = {}\n", ["LAM101"], "cache = {}  # noqa: LAM101\n"),
        ("cache = {}   \r\n", ["LAM101"], "cache = {}  # noqa: LAM101\r\n"),
        ("cache = {}", ["LAM202", "LAM101", "LAM101"], "cache = {}  # noqa: LAM101, LAM202"),
        ("cache = {}  # shared\n", ["LAM101"], "cache = {}  # shared  # noqa: LAM101\n"),
        ("cache = {}  # noqa: LAM101\n", ["LAM202"], "cache = {}  # noqa: LAM101, LAM202\n"),
        ("cache = {}  # noqa:LAM101 -- why\n", ["LAM202"], "cache = {}  # noqa:LAM101, LAM202 -- why\n"),
        ("cache = {}  # noqa: E501\n", ["LAM101"], "cache = {}  # noqa: E501, LAM101\n"),
        ("cache = {}  # noqa: LAM1\n", ["LAM101"], "cache = {}  # noqa: LAM1\n"),
        ("cache = {}  # noqa\n", ["LAM101"], "cache = {}  # noqa\n"),
        ("text = '# noqa'\n", ["LAM101"], "text = '# noqa'  # noqa: LAM101\n"),
        ("cache = {}\n", [], "cache = {}\n"),
        ("total = a + \\\n", ["LAM101"], "total = a + \\\n"),
        ('doc = """start\n', ["LAM101"], 'doc = """start\n'),
    ],
)
def test_add_noqa(line, codes, expected):
    assert add_noqa(line, codes) == expected


@pytest.mark.parametrize(
    "line",
    ["cache = {}\n", "cache = {}  # noqa: LAM202\n", "x = 1  # comment\r\n", "x = 1"],
)
def test_add_noqa_is_idempotent(line):
    once = add_noqa(line, ["LAM101", "LAM202"])
    assert add_noqa(once, ["LAM101", "LAM202"]) == once
    assert add_noqa(once, ["LAM202"]) == once
    assert suppressed(once, "LAM101") and suppressed(once, "LAM202")
