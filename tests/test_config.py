import os
import textwrap

import pytest

from lambda_lint.settings.config import (
    CATALOG_CODES,
    KNOWN_CODE_PATTERN,
    Config,
    ConfigError,
    code_problem,
    find_config_file,
    load_config,
)


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def error_of(start, **kwargs):
    with pytest.raises(ConfigError) as info:
        load_config(str(start), **kwargs)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_catalog_codes_all_match_the_pattern():
    assert all(KNOWN_CODE_PATTERN.match(code) for code in CATALOG_CODES)
    assert len(set(CATALOG_CODES)) == len(CATALOG_CODES)
    # Every rule can be selected and ignored by its code (the list is kept apart from the registry).
    from lambda_lint.rules import ALL_RULES

    assert {r.code for r in ALL_RULES} <= set(CATALOG_CODES)


def test_all_keys_in_kebab_case(project):
    write(
        project / "pyproject.toml",
        """
        [project]
        name = "svc"

        [tool.lambda-lint]
        select = ["LAM1", "LAM201"]
        extend-select = ["LAM403"]
        ignore = ["LAM105"]
        per-file-ignores = { "tests/**" = ["LAM1"], "conftest.py" = ["LAM2", "LAM301"] }
        exclude = ["build/"]
        extend-exclude = ["generated/*.py"]
        handlers = ["src/app.py:process", "orders.api.run"]
        extend-clients = ["mylib.db.connect"]
        fix-maxsize = 64
        src = ["src", "lib"]
        """,
    )
    config = load_config(str(project))
    assert config == Config(
        path=str(project / "pyproject.toml"),
        root=str(project),
        select=["LAM1", "LAM201"],
        extend_select=["LAM403"],
        ignore=["LAM105"],
        per_file_ignores={"tests/**": ["LAM1"], "conftest.py": ["LAM2", "LAM301"]},
        exclude=["build/"],
        extend_exclude=["generated/*.py"],
        handlers=["src/app.py:process", "orders.api.run"],
        extend_clients=["mylib.db.connect"],
        fix_maxsize=64,
        src=["src", "lib"],
    )


def test_defaults_when_table_is_empty(project):
    write(project / "pyproject.toml", "[tool.lambda-lint]\n")
    config = load_config(str(project))
    assert config.path == str(project / "pyproject.toml")
    assert config.root == str(project)
    assert (config.select, config.ignore, config.per_file_ignores, config.fix_maxsize) == ([], [], {}, 128)


def test_no_config_anywhere_gives_defaults_rooted_at_cwd(project):
    (project / "src").mkdir()
    config = load_config(str(project / "src"))
    assert config.path is None
    assert config.root == str(project)
    assert config.fix_maxsize == 128


def test_walks_up_from_a_nested_folder_and_from_a_file(project):
    write(project / "pyproject.toml", '[tool.lambda-lint]\nignore = ["LAM101"]\n')
    nested = project / "services" / "orders" / "src"
    write(nested / "app.py", "def handler(event, context): pass\n")
    assert find_config_file(str(nested)) == str(project / "pyproject.toml")
    assert find_config_file(str(nested / "app.py")) == str(project / "pyproject.toml")
    config = load_config(str(nested / "app.py"))
    assert config.ignore == ["LAM101"]
    assert config.root == str(project)


def test_pyproject_without_the_table_is_skipped(project):
    write(project / "pyproject.toml", '[tool.lambda-lint]\nselect = ["LAM3"]\n')
    write(project / "svc" / "pyproject.toml", '[project]\nname = "svc"\n[tool.ruff]\nline-length = 100\n')
    assert find_config_file(str(project / "svc")) == str(project / "pyproject.toml")
    assert load_config(str(project / "svc")).select == ["LAM3"]


def test_nearest_configuring_file_wins(project):
    write(project / "pyproject.toml", '[tool.lambda-lint]\nselect = ["LAM3"]\n')
    write(project / "svc" / "pyproject.toml", '[tool.lambda-lint]\nselect = ["LAM1"]\n')
    config = load_config(str(project / "svc" / "deep"))
    assert config.select == ["LAM1"]
    assert config.root == str(project / "svc")


def test_find_returns_none_without_any_table(project):
    write(project / "pyproject.toml", "[project]\nname = 'x'\n")
    assert find_config_file(str(project)) is None


def test_isolated_ignores_config_files(project):
    write(project / "pyproject.toml", '[tool.lambda-lint]\nselect = ["LAM3"]\n')
    config = load_config(str(project), isolated=True)
    assert config == Config(root=str(project))
    # Even a broken file is not read.
    write(project / "pyproject.toml", "[tool.lambda-lint\n")
    assert load_config(str(project), isolated=True).path is None


def test_explicit_config_path(project):
    write(project / "conf" / "lint.toml", '[tool.lambda-lint]\nignore = ["LAM2"]\n')
    write(project / "pyproject.toml", '[tool.lambda-lint]\nignore = ["LAM1"]\n')
    config = load_config(str(project), config_path=str(project / "conf" / "lint.toml"))
    assert config.ignore == ["LAM2"]
    assert config.root == str(project / "conf")


def test_explicit_config_path_without_table_is_empty_config(project):
    write(project / "other" / "pyproject.toml", "[project]\nname = 'x'\n")
    config = load_config(str(project), config_path="other/pyproject.toml")
    assert config.path == str(project / "other" / "pyproject.toml")
    assert config.root == str(project / "other")
    assert config.select == []


def test_explicit_config_path_missing(project):
    message = error_of(project, config_path="nope/pyproject.toml")
    assert message == os.path.join("nope", "pyproject.toml") + ": configuration file not found"


def test_invalid_toml_names_line_and_column(project):
    write(project / "pyproject.toml", '[tool.lambda-lint]\nselect = ["LAM1"\nignore = []\n')
    message = error_of(project)
    assert message.startswith("pyproject.toml: invalid TOML at line 3, column 1")


def test_invalid_toml_in_first_file_is_an_error_even_below_a_good_one(project):
    write(project / "pyproject.toml", '[tool.lambda-lint]\nselect = ["LAM1"]\n')
    write(project / "svc" / "pyproject.toml", "[project\n")
    with pytest.raises(ConfigError) as info:
        find_config_file(str(project / "svc"))
    assert str(info.value).startswith(os.path.join("svc", "pyproject.toml") + ": invalid TOML at line 1")


def test_invalid_toml_further_up_is_skipped(project):
    write(project / "pyproject.toml", "this is = = not toml\n")
    write(project / "svc" / "pyproject.toml", "[project]\nname = 'svc'\n")
    assert find_config_file(str(project / "svc")) is None
    assert load_config(str(project / "svc")).path is None


def test_non_utf8_file(project):
    (project / "pyproject.toml").write_bytes(b'[tool.lambda-lint]\n# caf\xe9\nselect = ["LAM1"]\n')
    assert error_of(project) == "pyproject.toml: not valid UTF-8 (line 2)"


def test_unreadable_file(project):
    (project / "pyproject.toml").mkdir()  # a folder named pyproject.toml is skipped, not read
    assert load_config(str(project)).path is None
    message = error_of(project, config_path="pyproject.toml")
    assert message == "pyproject.toml: configuration file not found"


def test_unknown_key_suggests_closest(project):
    write(project / "pyproject.toml", '[tool.lambda-lint]\nselct = ["LAM1"]\n')
    assert error_of(project) == "pyproject.toml: [tool.lambda-lint] unknown key 'selct' (did you mean 'select'?)"


def test_snake_case_key_points_to_kebab_case(project):
    write(project / "pyproject.toml", '[tool.lambda-lint]\nper_file_ignores = {}\n')
    assert error_of(project) == (
        "pyproject.toml: [tool.lambda-lint] unknown key 'per_file_ignores'"
        " (did you mean 'per-file-ignores'? keys are kebab-case)"
    )


def test_unknown_key_without_close_match_lists_keys(project):
    write(project / "pyproject.toml", "[tool.lambda-lint]\nzzz = 1\n")
    message = error_of(project)
    assert message.startswith("pyproject.toml: [tool.lambda-lint] unknown key 'zzz' (valid keys: exclude, ")


@pytest.mark.parametrize(
    "line, expected",
    [
        ("ignore = 3", "ignore: expected a list of rule codes, got int"),
        ('ignore = "LAM101"', 'ignore: expected a list of rule codes, got str (write ["LAM101"])'),
        ('select = ["LAM1", 2]', "select: expected a list of rule codes, but item 2 is int"),
        ("exclude = {a = 1}", "exclude: expected a list of strings, got table"),
        ('src = ["src", true]', "src: expected a list of strings, but item 2 is bool"),
        ('handlers = "app.py:handler"', "handlers: expected a list of strings, got str (write ['app.py:handler'])"),
        ("fix-maxsize = 0", "fix-maxsize: expected an integer >= 1, got 0"),
        ("fix-maxsize = true", "fix-maxsize: expected an integer >= 1, got bool"),
        ('fix-maxsize = "64"', "fix-maxsize: expected an integer >= 1, got str"),
        ("fix-maxsize = 1.5", "fix-maxsize: expected an integer >= 1, got float"),
        ('per-file-ignores = ["tests"]', 'per-file-ignores: expected a table of "glob" = [rule codes], got list'),
        (
            'per-file-ignores = { "tests/*" = "LAM1" }',
            'per-file-ignores."tests/*": expected a list of rule codes, got str (write ["LAM1"])',
        ),
        ("per-file-ignores = { tests = [1] }", "per-file-ignores.tests: expected a list of rule codes, but item 1 is int"),
    ],
)
def test_wrong_types_name_the_key(project, line, expected):
    write(project / "pyproject.toml", f"[tool.lambda-lint]\n{line}\n")
    assert error_of(project) == f"pyproject.toml: [tool.lambda-lint] {expected}"


def test_table_must_be_a_table(project):
    write(project / "pyproject.toml", '[tool]\nlambda-lint = "on"\n')
    assert error_of(project) == "pyproject.toml: [tool.lambda-lint] must be a table, got str"


@pytest.mark.parametrize(
    "line, expected",
    [
        ('select = ["LAM999"]', "select: unknown rule code or prefix 'LAM999'"),
        (
            'extend-select = ["LAM7"]',
            "extend-select: unknown rule code or prefix 'LAM7' (known prefixes of this length: LAM0, LAM1, LAM2, LAM3, LAM4, LAM5, LAM6)",
        ),
        ('ignore = ["E501"]', "ignore: unknown rule code or prefix 'E501' (lambda-lint codes start with LAM)"),
        ('ignore = ["lam101"]', "ignore: unknown rule code or prefix 'lam101' (codes are upper case: 'LAM101')"),
        ('ignore = ["LAM1011"]', "ignore: unknown rule code or prefix 'LAM1011' (did you mean 'LAM101'?)"),
        (
            'per-file-ignores = { "a.py" = ["LAM108"] }',
            "per-file-ignores.\"a.py\": unknown rule code or prefix 'LAM108' (did you mean 'LAM107'?)",
        ),
    ],
)
def test_unknown_codes(project, line, expected):
    write(project / "pyproject.toml", f"[tool.lambda-lint]\n{line}\n")
    assert error_of(project) == f"pyproject.toml: [tool.lambda-lint] {expected}"


@pytest.mark.parametrize("code", ["LAM", "LAM1", "LAM10", "LAM101", "LAM0", "LAM50", "LAM501"])
def test_known_codes_and_prefixes(code):
    assert code_problem(code) is None


@pytest.mark.parametrize(
    "line, expected",
    [
        ('handlers = ["app"]', "handlers: 'app' is not a handler; write 'path/to/file.py:function' or 'package.module.function'"),
        ('handlers = ["app.py:"]', "handlers: 'app.py:' is not a handler; write 'path/to/file.py:function' or 'package.module.function'"),
        ('extend-clients = ["my lib.connect"]', "extend-clients: 'my lib.connect' is not a qualified name such as 'mylib.db.connect'"),
    ],
)
def test_malformed_handlers_and_clients(project, line, expected):
    write(project / "pyproject.toml", f"[tool.lambda-lint]\n{line}\n")
    assert error_of(project) == f"pyproject.toml: [tool.lambda-lint] {expected}"


def test_error_names_file_outside_cwd_by_absolute_path(tmp_path, monkeypatch):
    write(tmp_path / "proj" / "pyproject.toml", "[tool.lambda-lint]\nignore = 1\n")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    message = error_of(tmp_path / "proj")
    assert message.startswith(str(tmp_path / "proj" / "pyproject.toml") + ": [tool.lambda-lint] ignore:")


def test_handler_line(project):
    write(
        project / "pyproject.toml",
        """\
        [tool.other]
        handlers = ["src/app.py:process"]

        [tool.lambda-lint]
        handlers = [
            "src/app.py:process",
            'orders.api.run',
        ]
        """,
    )
    config = load_config(str(project))
    assert config.handler_line("src/app.py:process") == 6
    assert config.handler_line("orders.api.run") == 7
    assert config.handler_line("missing.mod.fn") == 1
    assert Config().handler_line("a.b") == 1


def test_invalid_toml_at_end_of_document(project):
    write(project / "pyproject.toml", '[tool.lambda-lint]\nselect = ["LAM1",\n')
    assert error_of(project) == "pyproject.toml: invalid TOML at end of document: Invalid value"


def test_duplicate_table_is_invalid_toml(project):
    write(project / "pyproject.toml", "[tool.lambda-lint]\n[tool.lambda-lint]\n")
    assert error_of(project) == "pyproject.toml: invalid TOML at line 2, column 18: Cannot declare ('tool', 'lambda-lint') twice"
